"""The order book: every order of an account, their links, and the indexes that find them.

:class:`OrderBook` is an immutable value and a pure reducer in the sans-I/O
style. It never talks to a broker: each call returns a :class:`BookResult`
holding the new book and what the book derived from the call (cancel another
member of an OCO group, release or resize a bracket's exit legs, a stop that
triggered, a new exit leg to submit), so the host can forward them. The old
book is unchanged, and an event that is refused raises and changes nothing.

The linking rules (OCO groups, brackets, re-arming, validity cascades) live in
:mod:`orders.links`, one named function each. Each operation of the book runs
them in one loop over a work queue: its own changes, one at a time, and after
each the changes the rules make in reaction, until nothing more follows.

Costs do not grow with the size of the book: orders live in a persistent hash
map, and the orders a price or a time can move are kept in persistent ordered
indexes (by stop, by trailing mark, by limit, by expiry), so
:meth:`OrderBook.on_price` visits only the orders it changes.
"""

from __future__ import annotations

import functools
import inspect
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

import attrs
import immutables

from orders._checks import (
    check_ids,
    check_time_kind,
    check_type,
    enum_member,
    is_aware,
    quote,
)
from orders._fast import fields_state, restore_fields, slot_builder
from orders.assets import check_asset
from orders.book import audit, indexes, rules
from orders.book.audit import AuditStep, Cause, Causes
from orders.book.build import bracket_orders, oco_orders
from orders.book.rules import Arming, Bracket, Change, LinkMode
from orders.decimals import DecimalInput, exact_add, exact_subtract, non_negative_price
from orders.errors import BadOrderParameters, UnknownOrderError
from orders.events import Bar, Cancel, Event, Expire
from orders.order.machine import apply
from orders.order.terms import OrderTerms
from orders.order.triggers import Step, bar_steps, price_steps
from orders.order.value import DecimalOrder
from orders.statuses import ACTIVE_STATUSES, ORDER_STATUS, WORKING_STATUSES, TimeInForce
from orders.styles import BracketOrder, ExecutionStyle, OCOOrder

__all__ = [
    "BookResult",
    "Bracket",
    "Derived",
    "LinkMode",
    "OrderBook",
    "Placement",
    "Released",
    "Submit",
    "UnknownOrderError",
]


@attrs.frozen
class Submit:
    """A new order the book created (an exit leg re-arming a bracket): send it to the venue."""

    order: DecimalOrder


@attrs.frozen
class Derived:
    """What the book did to ``order_id`` as a consequence: applied ``event`` to it,
    or created it (:class:`Submit`), and why."""

    order_id: str
    event: Event | Submit
    cause: Cause | None = None
    """The rule that fired and what set it off (see :meth:`OrderBook.explain`)."""


@attrs.frozen(weakref_slot=False)
class BookResult:
    """The new book and what it derived, in the order it happened.

    Each derived event is the book's own decision, already applied to its
    order. In live mode (``OrderBook(live=True)``) a decision about an order the
    venue holds is a ``CancelRequested`` or a ``ReplaceRequested``, in flight on
    it, for the host to send as it is; the host sends a :class:`Submit` (and a
    released exit leg) as a new order.
    """

    book: OrderBook
    derived: tuple[Derived, ...]


_result = slot_builder(BookResult)


_EMPTY: immutables.Map[Any, Any] = immutables.Map()
_ZERO = Decimal(0)

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")
C = TypeVar("C", bound=Callable[..., Any])


@attrs.frozen
class Placement:
    """What one call of :meth:`OrderBook.place` asks for: the orders an execution
    style describes, and how to submit them.

    Its fields are the arguments of :meth:`OrderBook.place`,
    :meth:`~orders.io.recording.Recorder.place` and :func:`placed_orders`, and
    the fields of a ``"place"`` line of the execution log. It holds them as
    given; :meth:`orders` checks them.
    """

    dt: datetime
    asset: Hashable
    amount: DecimalInput
    style: ExecutionStyle
    ids: Sequence[str] | None = attrs.field(default=None, kw_only=True)
    """The orders' ids, in the order the style lists them; by default fresh ids."""
    link_mode: LinkMode | str | None = attrs.field(default=None, kw_only=True)
    """What a fill of one does to the others, as :meth:`OrderBook.submit` takes it."""
    arming: Arming | str | None = attrs.field(default=None, kw_only=True)
    """When a bracket's exit legs start to work, as :meth:`OrderBook.submit` takes it."""
    reduce_only: bool = attrs.field(default=False, kw_only=True)
    """Whether the orders only reduce the position, as :meth:`OrderBook.submit` takes it."""
    time_in_force: TimeInForce | str | None = attrs.field(default=None, kw_only=True)
    """The validity of a single order, of both OCO legs, or of a bracket's entry
    (its exit legs are good till cancelled)."""
    valid_until: datetime | None = attrs.field(default=None, kw_only=True)
    """When that validity ends."""
    post_only: bool = attrs.field(default=False, kw_only=True)
    """Whether the single order, both OCO legs or a bracket's entry may only add
    liquidity (each must have a limit)."""

    def orders(self) -> tuple[DecimalOrder, ...]:
        """The orders ``style`` describes: one, an OCO pair or a bracket, in the
        order the style lists them."""
        style, ids = self.style, self.ids
        given: Any = check_ids(ids, _orders_placed(style), type(style).__name__)
        validity: dict[str, Any] = {
            "time_in_force": self.time_in_force, "valid_until": self.valid_until,
            "post_only": self.post_only,
        }
        dt, asset, amount = self.dt, self.asset, self.amount
        if isinstance(style, OCOOrder):
            return oco_orders(dt, asset, amount, style, ids=given, **validity)
        if isinstance(style, BracketOrder):
            return bracket_orders(dt, asset, amount, style, ids=given, **validity)
        single_id = None if given is None else given[0]
        return (DecimalOrder.from_style(dt, asset, amount, style, id=single_id, **validity),)


def taking(
    kind: Callable[P, T],
) -> Callable[[Callable[[T], R]], Callable[P, R]]:
    """A function that takes the arguments of ``kind`` and receives the ``kind`` they
    make: its parameters are written once, in ``kind``, and type checkers check
    each call against them."""

    def decorate(function: Callable[[T], R]) -> Callable[P, R]:
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return function(kind(*args, **kwargs))

        return _signed(call, function, kind, ())

    return decorate


def method_taking(
    kind: Callable[P, T],
) -> Callable[[Callable[[S, T], R]], Callable[Concatenate[S, P], R]]:
    """A method that takes the arguments of ``kind`` (after ``self``) and receives the
    ``kind`` they make, as :func:`taking` does for a function."""

    def decorate(method: Callable[[S, T], R]) -> Callable[Concatenate[S, P], R]:
        def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return method(self, kind(*args, **kwargs))

        first = next(iter(inspect.signature(method).parameters.values()))
        return _signed(call, method, kind, (first,))

    return decorate


def _signed(
    call: C,
    function: Callable[..., object],
    kind: Callable[..., object],
    first: tuple[inspect.Parameter, ...],
) -> C:
    """``call`` under the name, docstring and signature (``first``, then the
    parameters of ``kind``) that ``help()`` and the API reference show."""
    functools.update_wrapper(call, function)
    del call.__wrapped__  # type: ignore[attr-defined]
    returns = inspect.signature(function).return_annotation
    parameters = (*first, *inspect.signature(kind).parameters.values())
    call.__signature__ = inspect.Signature(parameters, return_annotation=returns)  # type: ignore[attr-defined]
    return call


@attrs.frozen(weakref_slot=False)
class OrderBook:
    """Every order of an account, with their links and the indexes that find them."""

    orders: immutables.Map[str, DecimalOrder] = _EMPTY
    link_modes: immutables.Map[str, LinkMode] = _EMPTY
    """The mode of each member of an OCO group."""
    brackets: immutables.Map[str, Bracket] = _EMPTY
    """Each bracket, by its entry's id."""
    # Derived from the orders: which orders a price or a time can move.
    index: indexes.Indexes = attrs.field(default=_EMPTY, eq=False, repr=False)
    active_by_asset: immutables.Map[Hashable, immutables.Map[str, None]] = attrs.field(
        default=_EMPTY, eq=False, repr=False
    )
    aware: bool | None = attrs.field(default=None, eq=False, repr=False)
    """True when the book's datetimes are aware, False when naive, None while empty."""
    post_only_rested: immutables.Map[Hashable, immutables.Map[str, OrderTerms]] = attrs.field(
        default=_EMPTY, eq=False, repr=False
    )
    """For each asset, the post-only orders a venue has judged and let rest, with
    the terms it judged: a post-only order is judged when it can first trade, and
    again when its terms change or it comes back from a hold."""
    live: bool = attrs.field(default=False, kw_only=True)
    """The live mode: the book's decisions about orders the venue has are the
    requests the host sends (see :func:`orders.book.rules.decision`); False
    for a backtest, whose book applies its decisions at once."""
    causes: Causes = attrs.field(default=_EMPTY, kw_only=True, repr=False)
    """The audit trail: the cause of each step the book took on its own, and of
    each event the host applied with a cause (see :meth:`explain`)."""
    positions: immutables.Map[Hashable, Decimal] = attrs.field(
        default=_EMPTY, kw_only=True, repr=False
    )
    """Each asset's position: the net quantity (signed) that the book's orders
    have filled, released orders included (see :meth:`net_position`)."""
    reduce_only: immutables.Map[str, None] = attrs.field(default=_EMPTY, kw_only=True,
                                                         repr=False)
    """The orders submitted reduce-only: exits that only ever shrink the position."""
    exits: immutables.Map[Hashable, immutables.Map[str, None]] = attrs.field(
        default=_EMPTY, kw_only=True, eq=False, repr=False
    )
    """Derived from the orders: for each asset, its active exits (bracket legs and
    reduce-only orders)."""

    def __getstate__(self) -> dict[str, object]:
        # The derived indexes are pickled with the rest: rebuilding them on load,
        # one treap insert per order, costs about twice what pickling them does.
        state = fields_state(self)
        state["post_only_rested"] = _rested_for_pickle(self.post_only_rested, self.orders)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A book pickled before post-only orders existed has shorter index records;
        # one pickled before positions were kept has them from its orders' fills.
        orders = state["orders"]
        rested = _rested_as_loaded(state.get("post_only_rested", _EMPTY), orders)
        restore_fields(self, {**state, "index": indexes.widened(state["index"]),
                              "post_only_rested": rested},
                       later={"post_only_rested": _EMPTY, "live": False, "causes": _EMPTY,
                              "positions": net_positions(orders.values()),
                              "reduce_only": _EMPTY, "exits": _active_exits(orders.values())})

    # Queries.

    def __len__(self) -> int:
        return len(self.orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self.orders

    def __getitem__(self, order_id: str) -> DecimalOrder:
        return self.get(order_id)

    def get(self, order_id: str) -> DecimalOrder:
        """The order with ``order_id``; :class:`UnknownOrderError` if there is none."""
        if type(order_id) is not str:
            raise BadOrderParameters(f"order ids are str; got {quote(order_id)}")
        try:
            return self.orders[order_id]
        except KeyError:
            raise UnknownOrderError(
                f"the book holds no order {order_id!r}", order_id=order_id
            ) from None

    def open_orders(self, asset: Hashable | None = None) -> list[DecimalOrder]:
        """Active orders (OPEN, HELD, TRIGGERED, PARTIALLY_FILLED), of one asset if given.

        The order of the list carries no meaning.
        """
        if asset is None:
            return [order for order in self.orders.values() if order.status in ACTIVE_STATUSES]
        ids = self.active_by_asset.get(check_asset(asset), _EMPTY)
        return [self.orders[order_id] for order_id in ids]

    def net_position(self, asset: Hashable) -> Decimal:
        """The position in ``asset``: the net quantity (positive long, negative
        short) the book's orders have filled, orders it has released included."""
        return self.positions.get(check_asset(asset), _ZERO)

    def orders_with_status(self, *statuses: ORDER_STATUS) -> list[DecimalOrder]:
        """Orders in any of ``statuses``."""
        wanted = frozenset(_status(status) for status in statuses)
        return [order for order in self.orders.values() if order.status in wanted]

    def children(self, order_id: str) -> list[DecimalOrder]:
        """The exit legs of the bracket whose entry is ``order_id``, every generation,
        oldest first; empty for an order that is no entry."""
        self.get(order_id)
        bracket = self.brackets.get(order_id)
        return [] if bracket is None else [self.orders[leg] for leg in bracket.every_leg]

    def siblings(self, order_id: str) -> list[DecimalOrder]:
        """The orders linked to ``order_id``: the other members of its OCO group, or
        the other exit legs of its generation."""
        return [self.orders[other] for other in rules.siblings(self, self.get(order_id))]

    def explain(self, order_id: str) -> tuple[AuditStep, ...]:
        """Every step of order ``order_id`` from its creation to its current state,
        each with its cause: the rule that fired, and the step of another order
        (explained in turn) or the market data that set it off; a step without a
        cause is the host's own (see :mod:`orders.book.audit`)."""
        self.get(order_id)
        return audit.explain(self.orders, self.causes, order_id)

    # Changing the book.

    def submit(
        self,
        *orders: DecimalOrder,
        link_mode: LinkMode | str | None = None,
        arming: Arming | str | None = None,
        reduce_only: bool = False,
    ) -> BookResult:
        """Add new orders; their links are checked (:data:`orders.links.SUBMIT_CHECKS`,
        then :data:`orders.links.STATE_CHECKS` on their OCO groups and brackets
        once the rules have settled).

        Orders that name each other in ``linked_order_ids`` form an OCO group;
        orders whose ``parent_order_id`` names an order in the book or in this
        submit are the exit legs of a bracket. ``link_mode`` sets what a fill
        does to the other linked orders; by default OCO groups cancel and
        brackets reduce. ``arming`` sets when a new bracket's exit legs start to
        work: from the entry's first fill (``"first_fill"``, the default) or
        once the entry has stopped filling (``"entry_filled"``). The result
        derives whatever the rules need at once, such as holding exit legs
        submitted OPEN under an entry that has not filled, or cancelling the
        other members of a cancel-mode OCO group beside a member submitted with
        fills.

        With ``reduce_only`` the orders are exits that only ever shrink the
        position (:meth:`net_position`): each works for no more than its share of
        it, is shrunk when the position shrinks, and is cancelled when it would
        add to it (see :func:`orders.book.rules.exits_fit_the_position`). A
        bracket's legs are exits already, and its entry cannot be reduce-only.
        """
        mode, arms = _link_mode(link_mode), _arming(arming)
        check_type("reduce_only", reduce_only, bool)
        builder = BookBuilder(self)
        for order in orders:
            if not isinstance(order, DecimalOrder):
                raise BadOrderParameters(f"submit takes DecimalOrder values; got {quote(order)}")
            if order.id in builder.orders:
                raise BadOrderParameters(f"order id {order.id!r} is already in the book")
            if builder.aware is not None and is_aware(order.dt) != builder.aware:
                reference = next(iter(builder.orders.values())).dt
                check_time_kind(f"order {order.id}'s dt", order.dt, reference,
                                "the book's orders are")
            if reduce_only:
                builder.reduce_only = builder.reduce_only.set(order.id, None)
            builder.store(order)
        linked = [order for order in orders if rules.is_linked(order)]
        if linked:
            for check in rules.SUBMIT_CHECKS:
                check(builder, linked)
            builder.link_modes, builder.brackets = rules.register(builder, linked, mode, arms)
            entries = [order for order in orders if order.id in builder.brackets]
            others = [order for order in linked if order.id not in builder.brackets]
            builder.pending.extend(  # entries first: a bracket's first change is its entry's
                Change(None, order, None) for order in (*entries, *others)
            )
        if reduce_only and any(order.id in builder.brackets for order in orders):
            entry = next(order.id for order in orders if order.id in builder.brackets)
            raise BadOrderParameters(
                f"order {entry} is a bracket's entry, which opens the position its legs "
                "protect; submit it without reduce_only (its legs are exits already)"
            )
        builder.settle()
        if linked:
            rules.check_states(builder, [order.id for order in linked])
        return builder.result()

    @method_taking(Placement)
    def place(self, placement: Placement) -> BookResult:
        """Build the orders ``style`` describes (:func:`placed_orders`) and submit them
        with ``link_mode``; it takes the arguments of :class:`Placement`."""
        return self.submit(*placement.orders(), link_mode=placement.link_mode,
                           arming=placement.arming, reduce_only=placement.reduce_only)

    def apply(self, order_id: str, event: Event, cause: Cause | None = None) -> BookResult:
        """Apply ``event`` to one order, then every consequence of its links.

        ``cause``, when the host gives one, is kept in the audit trail as the
        reason for the event (:meth:`explain`).

        The links may refuse the event first (:data:`orders.links.GUARDS`), and
        once its consequences have settled, an amend, a replace request or a
        confirmed replace that leaves the order's OCO group or bracket failing
        a state check (:data:`orders.links.STATE_CHECKS`: for prices, only the
        pairs the order is in; a replace request is checked with the terms it
        asks for), with :class:`~orders.errors.LinkedOrderError`; the book is
        then unchanged.

        A request (``NewRequested``, ``CancelRequested``, ``ReplaceRequested``)
        changes no status or terms, so the links do not react to it: they
        react to the answer that confirms it (``Cancel``, ``Replaced``).
        """
        if cause is not None:
            check_type("cause", cause, Cause)
        builder = BookBuilder(self)
        order = builder.known(order_id, "an event names", event)
        rules.check_event(builder, order, event)
        builder.apply(order_id, event, asked=True, cause=cause)
        builder.settle()
        rules.check_amendment(builder, order_id, event)
        return builder.result()

    def cancel(self, order_id: str, reason: str = "") -> BookResult:
        """Cancel one order (and what its links cancel with it)."""
        return self.apply(order_id, Cancel(reason))

    def close_position(
        self, asset: Hashable, dt: datetime, *, id: str | None = None,  # noqa: A002
        reason: str = "closing the position",
    ) -> BookResult:
        """Flatten the position in ``asset`` in one call, as backtrader's ``close()``.

        Cancels every working exit of the asset (bracket legs, which withdraw
        their brackets, and reduce-only orders) and every working order that
        would add to the position (a bracket's entry among them), then submits a
        reduce-only market order for the whole position, under ``id`` if given.
        The result derives the cancels (requests, in live mode, for orders the
        venue has) and ends with the new order as a :class:`Submit` for the host
        to send. Orders on the side that reduces the position and are not exits
        are the host's and stay. With no position it changes nothing.
        """
        asset = check_asset(asset)
        self._check_time("close_position's dt", dt)
        position = self.positions.get(asset, _ZERO)
        if not position:
            return _result(self, ())
        closing = DecimalOrder(dt, asset, position.copy_negate(), id=id)
        if closing.id in self.orders:
            raise BadOrderParameters(f"order id {closing.id!r} is already in the book")
        builder = BookBuilder(self)
        cause = Cause("close_position")
        for order_id in sorted(self.active_by_asset.get(asset, _EMPTY)):
            # no settling in between: what one cancel sets off is settled once, below
            order = rules.as_it_will_stand(builder.orders[order_id], builder.live)
            adds = order.is_buy == (position > 0)
            if order.status in ACTIVE_STATUSES and not order.pending_cancel and (
                adds or rules.is_exit(builder, order)
            ):
                builder.apply(order_id, Cancel(reason), cause=cause)
        builder.settle()
        builder.reduce_only = builder.reduce_only.set(closing.id, None)
        builder.create(closing, cause)
        builder.settle()
        return builder.result()

    def fillable(self, asset: Hashable) -> list[str]:
        """Ids of the orders of ``asset`` a venue can fill now: those at the
        market, and the limits the latest price or bar reached."""
        return indexes.fillable(self.index, asset)

    def moved_by_bar(self, asset: Hashable, bar: Bar) -> list[str]:
        """Ids of the orders of ``asset`` that ``bar`` can move (trigger, ratchet or
        bring to their limit), found through the indexes."""
        return indexes.moved_by_bar(self.index, asset, bar)

    def on_price(
        self, asset: Hashable, price: DecimalInput, dt: datetime | None = None
    ) -> BookResult:
        """A trade at ``price``: trigger stops, ratchet trailing stops, flag limits.

        Only the orders the price moves are visited, found through the indexes;
        a price in the asset's quiet range, where no order acts, returns at once.
        """
        if dt is not None:
            self._check_time("on_price's dt", dt)
        level = non_negative_price(price, "price")
        moved_ids = indexes.moved_by(self.index, check_asset(asset), level)
        if not moved_ids:
            return _result(self, ())
        return self._move(moved_ids, lambda order: price_steps(order, price, dt),
                          audit.ON_PRICE)

    def on_bar(self, asset: Hashable, bar: Bar, dt: datetime | None = None) -> BookResult:
        """A bar of ``asset``: trigger stops (at the open on a gap), ratchet trailing
        stops with the close, flag the limits its range reaches, by the bar rules
        of :mod:`orders.order.pricing`.

        The orders are those the book holds when the bar arrives; only those the
        bar moves are visited, found through the indexes. It fills nothing:
        deciding fills is a venue's work (:class:`~orders.venue.SimulatedVenue`).
        """
        if dt is not None:
            self._check_time("on_bar's dt", dt)
        check_type("bar", bar, Bar)
        moved_ids = indexes.moved_by_bar(self.index, check_asset(asset), bar)
        if not moved_ids:
            return _result(self, ())
        return self._move(moved_ids, lambda order: bar_steps(order, bar, dt), audit.ON_BAR)

    def immediate_orders(self, asset: Hashable) -> list[str]:
        """Ids of the IOC and FOK orders of ``asset`` able to trade now (working and
        not waiting for a stop), oldest first."""
        return [order_id for _, order_id in indexes.immediate(self.index, check_asset(asset))]

    def post_only_orders(self, asset: Hashable) -> list[str]:
        """Ids of the active post-only orders of ``asset``, oldest first."""
        return [order_id for _, order_id in indexes.post_only(self.index, check_asset(asset))]

    def with_rested(self, asset: Hashable, rested: immutables.Map[str, OrderTerms]) -> OrderBook:
        """This book with ``rested`` as the post-only orders of ``asset`` a venue has
        judged and let rest (:attr:`post_only_rested`)."""
        kept = (self.post_only_rested.set(asset, rested) if rested
                else self.post_only_rested.delete(asset) if asset in self.post_only_rested
                else self.post_only_rested)
        if kept is self.post_only_rested:
            return self
        return _book(self.orders, self.link_modes, self.brackets, self.index,
                     self.active_by_asset, self.aware, kept, self.live, self.causes,
                     self.positions, self.reduce_only, self.exits)

    def _move(
        self, moved_ids: list[str], steps: Callable[[DecimalOrder], list[Step]], cause: Cause
    ) -> BookResult:
        """Apply to each order of ``moved_ids`` (at least one) the steps the market gives it."""
        builder = BookBuilder(self)
        builder.settle(moved_ids, lambda order_id: builder.move(order_id, steps, cause))
        return builder.result()

    def on_time(self, dt: datetime) -> BookResult:
        """Expire every active order whose ``valid_until`` is at or before ``dt``:
        validity is inclusive of its end, as in FIX."""
        self._check_time("on_time's dt", dt)
        builder = BookBuilder(self)
        expire = Expire(dt)
        builder.settle(
            indexes.expiring(self.index, dt), lambda order_id: builder.expire(order_id, expire)
        )
        return builder.result()

    def _check_time(self, name: str, dt: object) -> None:
        if type(dt) is datetime and (dt.tzinfo is not None) is self.aware:
            return  # the book's kind, at a glance (a tzinfo that gives no offset is checked below)
        check_type(name, dt, datetime)
        if self.aware is not None and is_aware(dt) != self.aware:  # type: ignore[arg-type]
            reference = next(iter(self.orders.values())).dt
            check_time_kind(name, dt, reference, "the book's orders are")  # type: ignore[arg-type]

    # Releasing finished orders.

    def release(self, before: datetime) -> Released:
        """Take out the orders that are done with: those that ended (FILLED,
        CANCELLED, REJECTED) and last changed before ``before``.

        Linked orders leave together: an OCO group, or a bracket's entry with
        every exit leg it has had, is released only once all of them qualify,
        because the rules of a group read every member. A released order is
        unknown to the book from then on, so a late fill naming it is refused
        with :class:`UnknownOrderError`: choose ``before`` far enough back that
        the venue no longer reports on those orders. The scan visits every order.
        """
        self._check_time("release's before", before)
        done = [order for order in self.orders.values() if _finished_before(order, before)]
        candidates = {order.id for order in done}
        released = [
            order for order in done
            if not rules.is_grouped(self, order)
            or rules.link_group(self, order.id) <= candidates
        ]
        if not released:
            return Released(self, ())
        released.sort(key=lambda order: (order.dt, order.id))
        orders, link_modes, brackets, reduce_only = (
            self.orders.mutate(), self.link_modes.mutate(), self.brackets.mutate(),
            self.reduce_only.mutate(),
        )
        for order in released:
            del orders[order.id]
            link_modes.pop(order.id, None)
            brackets.pop(order.id, None)
            reduce_only.pop(order.id, None)
        remaining = orders.finish()
        book = attrs.evolve(
            self,
            orders=remaining,
            link_modes=link_modes.finish(),
            brackets=brackets.finish(),
            aware=self.aware if remaining else None,
            causes=audit.forget(self.causes, (order.id for order in released)),
            reduce_only=reduce_only.finish(),
        )
        return Released(book, tuple(released))


_book = slot_builder(OrderBook)

@attrs.frozen(weakref_slot=False)
class Released:
    """The book without the orders :meth:`OrderBook.release` took out, and those orders,
    by the time they last changed."""

    book: OrderBook
    orders: tuple[DecimalOrder, ...]


_AS_THE_ORDER_STANDS = None
"""In a pickled book, a rested post-only order whose terms are its order's own."""


def _rested_for_pickle(
    rested: immutables.Map[Hashable, immutables.Map[str, OrderTerms]],
    orders: immutables.Map[str, DecimalOrder],
) -> immutables.Map[Hashable, immutables.Map[str, OrderTerms | None]]:
    """The rested post-only orders as a book pickles them: the venue tells an
    order that rested as it stands by identity (its terms are the very object
    the book noted), and an order's terms are pickled apart from the book's
    note, so that identity is written down as :data:`_AS_THE_ORDER_STANDS`."""
    def noted(order_id: str, terms: OrderTerms) -> OrderTerms | None:
        order = orders.get(order_id)
        return _AS_THE_ORDER_STANDS if order is not None and order.terms is terms else terms

    return _each_rested(rested, noted)


def _rested_as_loaded(
    rested: immutables.Map[Hashable, immutables.Map[str, OrderTerms | None]],
    orders: immutables.Map[str, DecimalOrder],
) -> immutables.Map[Hashable, immutables.Map[str, OrderTerms]]:
    """The rested post-only orders of a loaded book (see :func:`_rested_for_pickle`)."""
    def loaded(order_id: str, terms: OrderTerms | None) -> OrderTerms:
        return orders[order_id].terms if terms is _AS_THE_ORDER_STANDS else terms

    return _each_rested(rested, loaded)


def _each_rested(
    rested: immutables.Map[Hashable, immutables.Map[str, T]], change: Callable[[str, T], R]
) -> immutables.Map[Hashable, immutables.Map[str, R]]:
    """``rested`` with ``change(order_id, terms)`` in place of each order's terms."""
    return immutables.Map({
        asset: immutables.Map({key: change(key, terms) for key, terms in by_id.items()})
        for asset, by_id in rested.items()
    })


@taking(Placement)
def placed_orders(placement: Placement) -> tuple[DecimalOrder, ...]:
    """The orders ``style`` describes: one, an OCO pair or a bracket, in the order
    the style lists them (:meth:`Placement.orders`); it takes the arguments of
    :class:`Placement`, whose ``link_mode`` is for :meth:`OrderBook.place`."""
    return placement.orders()


def net_positions(orders: Iterable[DecimalOrder]) -> immutables.Map[Hashable, Decimal]:
    """Each asset's net filled quantity over ``orders``, assets at zero left out:
    a book's positions while it has released none of its filled orders."""
    positions: dict[Hashable, Decimal] = {}
    for order in orders:
        if order.filled:
            asset = order.terms.asset
            positions[asset] = exact_add(positions.get(asset, _ZERO), order.filled)
    return immutables.Map({asset: net for asset, net in positions.items() if net})


def _active_exits(
    orders: Iterable[DecimalOrder],
) -> immutables.Map[Hashable, immutables.Map[str, None]]:
    """The active bracket legs of ``orders``, by asset (a book from before
    reduce-only orders existed has no other exits)."""
    exits: dict[Hashable, dict[str, None]] = {}
    for order in orders:
        if order.terms.parent_order_id is not None and order.status in ACTIVE_STATUSES:
            exits.setdefault(order.terms.asset, {})[order.id] = None
    return immutables.Map({asset: immutables.Map(ids) for asset, ids in exits.items()})


def _finished_before(order: DecimalOrder, before: datetime) -> bool:
    return order.status not in ACTIVE_STATUSES and order.dt < before


def _status(value: object) -> ORDER_STATUS:
    status = enum_member(ORDER_STATUS, value)
    if status is None:
        raise BadOrderParameters(f"statuses are ORDER_STATUS values (0 to 6); got {quote(value)}")
    return status


def _link_mode(value: object) -> LinkMode | None:
    mode = None if value is None else enum_member(LinkMode, value)
    if value is not None and mode is None:
        raise BadOrderParameters(f"link_mode must be 'cancel' or 'reduce'; got {quote(value)}")
    return mode


def _arming(value: object) -> Arming:
    if value is None:
        return Arming.FIRST_FILL
    arming = enum_member(Arming, value)
    if arming is None:
        raise BadOrderParameters(
            f"arming must be 'first_fill' or 'entry_filled'; got {quote(value)}"
        )
    return arming


def _orders_placed(style: ExecutionStyle) -> int:
    if isinstance(style, OCOOrder):
        return 2
    if isinstance(style, BracketOrder):
        return 2 if style.take_profit_price is None else 3
    return 1


def _nothing(order_id: str) -> None:
    """No direct change: an operation that made its one change before settling."""


class BookBuilder:
    """The transient state of one book operation; its result is a new book.

    Each operation calls :meth:`settle` once. It hands settle the changes it
    makes itself (each moved order's market steps, each expiry) as a queue of
    order ids and what to do to each; ``submit`` and ``apply``, which make one
    change, make it before. The changes of linked orders go to :attr:`pending`.
    Settle hands the pending changes to the rules of :mod:`orders.book.rules`
    and performs what they call for, whose changes join the same queue, until it
    is empty and every bracket's invariants hold; only then does it make the
    next direct change. The rules thus see each direct change with all the
    consequences of the ones before it, as if each were an operation of its own
    (an OCO member that expires cancels the others before their own expiry
    comes up). Nothing calls settle while it runs.
    """

    def __init__(self, book: OrderBook) -> None:
        self.orders = book.orders
        self.link_modes = book.link_modes
        self.brackets = book.brackets
        self.index = book.index
        self.active_by_asset = book.active_by_asset
        self.aware = book.aware
        self.post_only_rested = book.post_only_rested
        self.live = book.live
        self.causes = book.causes
        self.positions = book.positions
        self.reduce_only = book.reduce_only
        self.exits = book.exits
        self.derived: list[Derived] = []
        self.pending: deque[Change] = deque()
        self.unsettled_assets: dict[Hashable, Change] = {}
        """Assets whose position or exits changed, each with its first change."""

    def result(self) -> BookResult:
        book = _book(self.orders, self.link_modes, self.brackets, self.index,
                     self.active_by_asset, self.aware, self.post_only_rested, self.live,
                     self.causes, self.positions, self.reduce_only, self.exits)
        return _result(book, tuple(self.derived))

    def store(self, order: DecimalOrder, old: DecimalOrder | None = None) -> None:
        self.orders = self.orders.set(order.id, order)
        if self.aware is None:
            self.aware = is_aware(order.dt)
        before = () if old is None else indexes.entries(old)
        after = indexes.entries(order)
        if before != after:
            self.index = indexes.update(self.index, order.terms.asset, before, after)
        was_active = old is not None and old.status in ACTIVE_STATUSES
        activity_changed = was_active != (order.status in ACTIVE_STATUSES)
        if activity_changed:
            asset = order.terms.asset
            ids = self.active_by_asset.get(asset, _EMPTY)
            ids = ids.set(order.id, None) if not was_active else ids.delete(order.id)
            self.active_by_asset = self.active_by_asset.set(asset, ids)
        if self.post_only_rested and order.status not in WORKING_STATUSES:
            self.forget_rested(order)
        filled = order.filled if old is None or not old.filled else (
            _ZERO if old.filled == order.filled else exact_subtract(order.filled, old.filled)
        )
        if filled:
            asset = order.terms.asset
            held = self.positions.get(asset, _ZERO)
            self.add_position(asset, filled)
            if (asset in self.exits and not self.settles_itself(asset, order)
                    and rules.position_moves_exits(self, asset, held)):
                self.unsettle(asset, old, order)
        if rules.is_exit(self, order):
            self.store_exit(order, old, activity_changed)

    def add_position(self, asset: Hashable, filled: Decimal) -> None:
        position = exact_add(self.positions.get(asset, _ZERO), filled)
        self.positions = (self.positions.set(asset, position) if position
                          else self.positions.delete(asset))

    def store_exit(
        self, order: DecimalOrder, old: DecimalOrder | None, activity_changed: bool
    ) -> None:
        """Keep the index of active exits, and settle the asset once the exit changes."""
        asset = order.terms.asset
        if activity_changed:
            ids = self.exits.get(asset, _EMPTY)
            ids = ids.delete(order.id) if order.id in ids else ids.set(order.id, None)
            self.exits = self.exits.set(asset, ids) if ids else self.exits.delete(asset)
        if (old is None or old.status is not order.status or old.terms.amount != order.amount
                ) and not self.settles_itself(asset, order):
            self.unsettle(asset, old, order)

    def settles_itself(self, asset: Hashable, order: DecimalOrder) -> bool:
        """True when the exits of ``asset`` are the legs of ``order``'s bracket
        alone: the bracket's own rules settle them after a change of ``order``,
        and no other exit's share of the position can move."""
        if self.reduce_only:
            return False
        return rules.exits_are_legs_of(self, asset, order.terms.parent_order_id or order.id)

    def unsettle(self, asset: Hashable, old: DecimalOrder | None, order: DecimalOrder) -> None:
        """Settle the exits of ``asset`` before the operation ends (:meth:`settle`)."""
        if asset not in self.unsettled_assets:
            self.unsettled_assets[asset] = Change(old, order, None)

    def forget_rested(self, order: DecimalOrder) -> None:
        """Drop ``order`` from the post-only orders that rested: it has ended, or is
        held, and is judged again when it comes back."""
        asset = order.terms.asset
        rested = self.post_only_rested.get(asset)
        if rested is None or order.id not in rested:
            return
        rested = rested.delete(order.id)
        self.post_only_rested = (self.post_only_rested.set(asset, rested) if rested
                                 else self.post_only_rested.delete(asset))

    def known(self, order_id: str, role: str, event: Event | None = None) -> DecimalOrder:
        """The order ``order_id``, which ``event`` (if any) is for."""
        if type(order_id) is not str:
            raise BadOrderParameters(f"order ids are str; got {quote(order_id)}", event=event)
        try:
            return self.orders[order_id]
        except KeyError:
            raise UnknownOrderError(
                f"{role} {order_id!r}, which is not in the book", order_id=order_id, event=event
            ) from None

    def apply(
        self,
        order_id: str,
        event: Event,
        *,
        asked: bool = False,
        cause: Cause | None = None,
        origin: rules.LinkKey | None = None,
    ) -> None:
        """Apply ``event`` to an order: the host's own (``asked``), or derived, for
        ``cause``. In live mode a derived event may become a request, and the
        venue's refusal of the book's request is followed by the same request
        again."""
        old = self.known(order_id, "an event names", event)
        if not asked:
            event = rules.decision(self, old, event)
        new = apply(old, event)
        if new is old:
            return
        renewed = rules.renewed_request(old, new, event) if asked and self.live else None
        if renewed is None:
            self.replace(old, new, None if asked else event, cause, origin)
            return
        if cause is not None:
            self.causes = audit.record(self.causes, new, cause)
        answered, new = new, apply(new, renewed)
        self.replace(old, new, renewed, Cause("renewed_request", order_id, answered.version))

    def replace(
        self,
        old: DecimalOrder,
        new: DecimalOrder,
        derived: Event | None,
        cause: Cause | None,
        origin: rules.LinkKey | None = None,
    ) -> None:
        """Store ``new`` in place of ``old`` (what ``derived``, when the book applied
        it on its own, made of it), record why, and queue the change for the links."""
        self.store(new, old)
        self.causes = audit.record_change(self.causes, old, new, cause)
        if derived is not None:
            self.derived.append(Derived(new.id, derived, cause))
        self.changed(old, new, origin)

    def create(self, order: DecimalOrder, cause: Cause) -> None:
        """Add ``order``, which the book made on its own for ``cause``, for the host
        to send (:class:`Submit`)."""
        self.store(order)
        self.causes = audit.record(self.causes, order, cause)
        self.derived.append(Derived(order.id, Submit(order), cause))

    def move(
        self, order_id: str, steps: Callable[[DecimalOrder], list[Step]], cause: Cause
    ) -> None:
        """Apply to an order the steps the market gives it, as it stands now."""
        order = self.orders[order_id]
        for event, moved in steps(order):
            self.replace(order, moved, event, cause)
            order = moved

    def expire(self, order_id: str, event: Expire) -> None:
        """Expire an order, if the changes before this one have left it active."""
        if self.orders[order_id].status in ACTIVE_STATUSES:
            self.apply(order_id, event, cause=audit.ON_TIME)

    def changed(
        self, old: DecimalOrder | None, new: DecimalOrder, origin: rules.LinkKey | None
    ) -> None:
        change = rules.link_change(self, old, new, origin)
        if change is not None:
            self.pending.append(change)

    def settle(
        self, direct: Iterable[str] = (), make: Callable[[str], None] = _nothing
    ) -> None:
        """Make the direct changes, ``make`` of each order id of ``direct`` in
        turn, and run the linking rules on every queued change, in one loop, until
        nothing is left."""
        pending, ids = self.pending, iter(direct)
        unsettled: dict[str, Change] = {}  # brackets to repair, each with its first change
        while True:
            if pending:
                change = pending.popleft()
                self.perform(rules.reactions(self, change), change)
                entry = rules.bracket_entry(self, change.new)
                if entry is not None:
                    unsettled.setdefault(entry, change)
            elif unsettled:
                entry, change = next(iter(unsettled.items()))
                fired = rules.repairs(self, entry)
                if fired:
                    self.perform(fired, change)
                else:
                    del unsettled[entry]
            elif self.unsettled_assets:
                asset, change = next(iter(self.unsettled_assets.items()))
                fired = rules.position_repairs(self, asset)
                if fired:
                    self.perform(fired, change)
                else:
                    del self.unsettled_assets[asset]
            else:
                order_id = next(ids, None)
                if order_id is None:
                    return
                make(order_id)

    def perform(self, fired: list[rules.Fired], change: Change) -> None:
        """Carry out the actions the rules called for on ``change``."""
        order_id, step = change.new.id, change.cause_step
        for rule, action in fired:
            cause = Cause(rule, order_id, step)
            if isinstance(action, rules.Derive):
                self.apply(action.order_id, action.event, cause=cause, origin=action.origin)
            elif isinstance(action, rules.Rearm):
                bracket = self.brackets[action.entry_id]
                generations = (*bracket.generations, tuple(leg.id for leg in action.legs))
                self.brackets = self.brackets.set(
                    action.entry_id, attrs.evolve(bracket, generations=generations)
                )
                for leg in action.legs:
                    self.create(leg, cause)
            else:
                bracket = self.brackets[action.entry_id]
                self.brackets = self.brackets.set(
                    action.entry_id, attrs.evolve(bracket, withdrawn=True)
                )
