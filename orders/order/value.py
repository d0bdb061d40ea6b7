"""The order value: :class:`DecimalOrder`, its terms and where it stands.

An order is a frozen ``attrs`` value in two parts. :class:`~orders.order.terms.OrderTerms`
holds what was asked (asset, amount, type, prices, links); it is shared by every
later version of the order and replaced only when the terms themselves change.
:class:`DecimalOrder` holds the terms and where the order stands (status, fill
totals, time, reason), so a transition allocates one small object.

The constructor takes rustybt's keywords, validates every
field, rounds prices to the tick of an :class:`~orders.assets.Asset` by the
never-more-aggressive rule of :mod:`orders.assets`, and refuses a status that
disagrees with the quantities.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, final, get_type_hints

import attrs
import immutables
from typing_extensions import TypeVar

from orders._checks import check_time_kind, check_type, decimal_text, enum_member, quote
from orders._fast import slot_builder
from orders.assets import (
    check_asset,
    check_quantity_increment,
)
from orders.decimals import (
    EXACT,
    DecimalInput,
    average_divide,
    exact_subtract,
    optional_price,
    to_decimal,
)
from orders.errors import BadOrderParameters, InvalidQuantityError
from orders.events import (
    REQUEST_TYPES,
    Amend,
    Bar,
    Cancel,
    CancelRequested,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    NewRequested,
    Reject,
    Release,
    ReplaceRequested,
    Request,
    Trigger,
)
from orders.order.history import History, ancestor, jump_for
from orders.order.stored import (
    STORED_KINDS,
    StoredEvent,
    completed,
    fill_id_of,
    kind_of,
    restored,
    stored,
)
from orders.order.terms import OrderTerms, build_terms, make_terms
from orders.statuses import ACTIVE_STATUSES, ORDER_STATUS, OrderType, TimeInForce
from orders.styles import (
    ExecutionStyle,
    limit_offset_input,
    trail_amount_input,
    trail_percent_input,
)

__all__ = [
    "DecimalOrder",
    "FillRecord",
    "OrderTerms",
    "applied_kinds",
    "fill_record",
    "new_order_id",
    "next_version",
    "waiting_for_stop",
]

_ZERO = Decimal(0)

FillRecord = tuple[Fill, Fill | None]
"""A fill id's record: the fill as first delivered, and its live version after
corrections (``None`` once busted)."""

FillIndex = dict[str, int | tuple[int, ...]]
"""For each fill id, the depths of the versions whose event named it. One index
is shared by every version of an order: it only ever gains entries, and a
version looks through it at the depths that lie on its own chain."""

_FILL_EVENTS = (Fill, FillCorrection, FillBust)
_NO_FILLS: immutables.Map[str, FillRecord] = immutables.Map()

# Order ids are random version-4 UUIDs in hex, drawn from a private generator
# seeded from the OS: os.urandom per order costs microseconds, which is most of
# the price of creating an order. Reseeding after fork keeps child processes
# from repeating their parent's ids.
_id_source = random.Random()
os.register_at_fork(after_in_child=_id_source.seed)
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
_new_bits = _id_source.getrandbits


def new_order_id() -> str:
    """A fresh random UUID (version 4) as 32 hex digits."""
    return ((_new_bits(128) & _UUID4_CLEAR) | _UUID4_SET).to_bytes(16).hex()


AssetT = TypeVar("AssetT", bound=Hashable, default=Hashable, covariant=True)
"""The type of an order's asset: ``DecimalOrder[Instrument]`` for a host's own
instrument class; a bare ``DecimalOrder`` is ``DecimalOrder[Hashable]``."""
A = TypeVar("A", bound=Hashable)


@final
@attrs.frozen(init=False, repr=False, eq=False, weakref_slot=False)
class DecimalOrder(Generic[AssetT]):
    """One order: its terms, and where it stands.

    ``amount`` and ``filled`` are signed (positive buys, negative sells).
    ``notional`` is the exact, unsigned sum of quantity x price over the fills
    and ``commission`` their exact sum; :attr:`filled_price` derives the
    average from them. When ``order_type`` is omitted it is inferred from the
    prices given; when ``status`` is omitted it follows from ``filled``.

    ``history`` holds the events applied since construction, oldest first, and
    :attr:`initial` is the order as it was constructed, so
    ``functools.reduce(apply, order.history, order.initial) == order``.
    ``fills`` maps each fill id seen to its :data:`FillRecord`; it is derived
    from the history and takes no part in equality.

    Each version holds the version before it and the event that made it, so
    the versions are the history: a transition allocates one object.
    """

    terms: OrderTerms
    status: ORDER_STATUS
    dt: datetime
    filled: Decimal
    notional: Decimal
    commission: Decimal
    reason: str
    stop_reached: bool
    limit_reached: bool
    pending: tuple[Request, ...]
    """The requests sent to the venue and not answered yet, oldest first."""
    _previous: DecimalOrder | None
    _kept: StoredEvent | None
    """The event that made this version, as :mod:`orders.order.stored` keeps it."""
    _depth: int
    _jump: DecimalOrder | None
    _fill_ids: FillIndex | None
    _live: StoredEvent | None
    """After a correction, the corrected fill (stored); otherwise None."""

    def __new__(
        cls,
        dt: datetime,
        asset: AssetT,
        amount: DecimalInput,
        order_type: OrderType | str | None = None,
        stop: DecimalInput | None = None,
        limit: DecimalInput | None = None,
        filled: DecimalInput | None = None,
        commission: DecimalInput | None = None,
        id: str | None = None,  # noqa: A002 - rustybt's keyword
        trail_amount: DecimalInput | None = None,
        trail_percent: DecimalInput | None = None,
        linked_order_ids: Sequence[str] | None = None,
        parent_order_id: str | None = None,
        *,
        status: ORDER_STATUS | int | None = None,
        created: datetime | None = None,
        reason: str = "",
        broker_order_id: str | None = None,
        exchange: str | None = None,
        stop_reached: bool = False,
        limit_reached: bool = False,
        trailing_highest_price: DecimalInput | None = None,
        trailing_lowest_price: DecimalInput | None = None,
        limit_offset: DecimalInput | None = None,
        time_in_force: TimeInForce | str | None = None,
        valid_until: datetime | None = None,
        notional: DecimalInput | None = None,
        post_only: bool = False,
        pending: Sequence[Request] = (),
    ) -> DecimalOrder[AssetT]:
        # Built in __new__ (there is no __init__): the finished order is
        # allocated once, by _version, instead of being written into self.
        if (  # the common case, checked at a glance; anything else in full below
            type(dt) is not datetime
            or type(reason) is not str
            or type(stop_reached) is not bool
            or type(limit_reached) is not bool
            or created is not None
            or parent_order_id is not None
            or broker_order_id is not None
            or exchange is not None
            or valid_until is not None
            or post_only is not False
            or pending != ()
        ):
            check_type("dt", dt, datetime)
            check_type("created", created, datetime, optional=True)
            check_type("parent_order_id", parent_order_id, str, optional=True)
            check_type("broker_order_id", broker_order_id, str, optional=True)
            check_type("exchange", exchange, str, optional=True)
            check_type("valid_until", valid_until, datetime, optional=True)
            check_type("reason", reason, str)
            check_type("stop_reached", stop_reached, bool)
            check_type("limit_reached", limit_reached, bool)
            check_type("post_only", post_only, bool)
            _check_times(dt, created, valid_until)
            pending = _pending(pending) if pending else ()
        terms = make_terms(
            _order_id(id),
            check_asset(asset),
            _amount(amount),
            _order_type(order_type),
            optional_price(stop, "stop"),
            optional_price(limit, "limit"),
            trail_amount_input(trail_amount),
            trail_percent_input(trail_percent),
            limit_offset_input(limit_offset),
            optional_price(trailing_highest_price, "trailing_highest_price"),
            optional_price(trailing_lowest_price, "trailing_lowest_price"),
            _linked_ids(linked_order_ids),
            parent_order_id,
            dt if created is None else created,
            broker_order_id,
            exchange,
            *_validity(time_in_force, valid_until),
            post_only,
        )
        if filled is None and notional is None:
            filled_ = notional_ = _ZERO
        else:
            filled_, notional_ = _restored_fills(terms, filled, notional)
        order = _version(
            terms,
            _status(status, filled_, terms.amount),
            dt,
            filled_,
            notional_,
            _commission(commission),
            reason,
            stop_reached,
            limit_reached,
            pending,
            None,
            None,
            0,
            None,
            None,
            None,
        )
        for request in order.pending:
            if type(request) is ReplaceRequested:  # checked as if sent now
                machine.replace_keeps_side(order, request)
                machine.replace_makes_valid_terms(order, request)
        return order

    @classmethod
    def from_style(
        cls,
        dt: datetime,
        asset: A,
        amount: DecimalInput,
        style: ExecutionStyle,
        *,
        id: str | None = None,  # noqa: A002 - rustybt's keyword
        linked_order_ids: Sequence[str] | None = None,
        time_in_force: TimeInForce | str | None = None,
        valid_until: datetime | None = None,
        post_only: bool = False,
    ) -> DecimalOrder[A]:
        """Build the single order that ``style`` describes.

        The linked styles (:class:`~orders.styles.OCOOrder`,
        :class:`~orders.styles.BracketOrder`) describe several orders and are
        refused here.
        """
        if not isinstance(style, ExecutionStyle):
            raise BadOrderParameters(
                f"style must be an ExecutionStyle; got {quote(style)} ({type(style).__name__})"
            )
        if style.order_type is None:
            raise BadOrderParameters(
                f"{type(style).__name__} describes several linked orders, not one; "
                "from_style takes a single-order style"
            )
        if style.asset is not None and style.asset != asset:
            raise BadOrderParameters(
                f"the style was priced for asset {quote(style.asset)}, not {quote(asset)}"
            )
        # The style's prices are valid Decimals already: the terms are built once,
        # without the keyword constructor's conversions.
        quantity = _amount(amount)
        is_buy = quantity > 0
        if type(dt) is not datetime or valid_until is not None or post_only is not False:
            check_type("dt", dt, datetime)
            check_type("valid_until", valid_until, datetime, optional=True)
            check_type("post_only", post_only, bool)
            _check_times(dt, None, valid_until)
        terms = make_terms(
            _order_id(id),
            check_asset(asset),
            quantity,
            style.order_type,
            style.get_stop_price(is_buy),
            style.get_limit_price(is_buy),
            style.trail_amount,
            style.trail_percent,
            style.limit_offset,
            None,
            None,
            _linked_ids(linked_order_ids),
            None,
            dt,
            None,
            style.exchange,
            *_validity(time_in_force, valid_until),
            post_only,
        )
        return _version(terms, _OPEN, dt, _ZERO, _ZERO, _ZERO, "", False, False, (),
                        None, None, 0, None, None, None)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # __new__ wants the constructor's arguments, which pickle cannot give:
        # one record of plain values rebuilds the chain of versions.
        return rebuild_order, (_order_record(self), _LAYOUT)

    def __copy__(self) -> DecimalOrder:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> DecimalOrder:
        return self

    def __eq__(self, other: object) -> bool:
        if type(other) is not DecimalOrder:
            return NotImplemented
        return self is other or (
            _state(self) == _state(other) and self.history == other.history
        )

    def __hash__(self) -> int:
        return hash((_state(self), self.history))

    # The version chain: history, fill records, the initial version.

    @property
    def _event(self) -> Event | None:
        """The event that made this version (None for the constructed one)."""
        return None if self._kept is None else restored(self._kept)

    @property
    def _event_kind(self) -> type[Event] | None:
        """The kind of :attr:`_event`, read without rebuilding it."""
        return None if self._kept is None else kind_of(self._kept)

    @property
    def history(self) -> History[Event]:
        """The events applied since construction, oldest first."""
        return History.of(self)

    @property
    def version(self) -> int:
        """How many events the order has been through: ``len(order.history)``,
        read without building the history (0 as constructed)."""
        return self._depth

    @property
    def initial(self) -> DecimalOrder[AssetT]:
        """The order as it was constructed, before the events of its history."""
        return ancestor(self, 0)  # type: ignore[return-value]

    @property
    def fills(self) -> immutables.Map[str, FillRecord]:
        """Each fill id seen, with its :data:`FillRecord`."""
        if self._fill_ids is None:
            return _NO_FILLS
        records = {}
        for fill_id in self._fill_ids:
            record = fill_record(self, fill_id)
            if record is not None:
                records[fill_id] = record
        return immutables.Map(records)

    # The transitions, each a shorthand for apply(order, event).

    def fill(
        self,
        quantity: DecimalInput,
        price: DecimalInput,
        *,
        commission: DecimalInput = _ZERO,
        dt: datetime | None = None,
        fill_id: str | None = None,
        accept_overfill: bool = False,
    ) -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.Fill` of ``quantity`` (> 0, unsigned)."""
        return machine.apply(
            self, Fill(quantity, price, commission, dt, fill_id, accept_overfill)
        )

    def trigger(self, dt: datetime | None = None) -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.Trigger`: the stop was reached."""
        return machine.apply(self, Trigger(dt))

    def hold(self, reason: str = "") -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.Hold`."""
        return machine.apply(self, Hold(reason))

    def release(self) -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.Release`."""
        return machine.apply(self, Release())

    def cancel(self, reason: str = "") -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.Cancel`."""
        return machine.apply(self, Cancel(reason))

    def reject(self, reason: str = "") -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.Reject`."""
        return machine.apply(self, Reject(reason))

    def expire(self, dt: datetime) -> DecimalOrder[AssetT]:
        """Apply an :class:`~orders.events.Expire` at ``dt``."""
        return machine.apply(self, Expire(dt))

    def amend(
        self,
        *,
        amount: DecimalInput | None = None,
        limit: DecimalInput | None = None,
        stop: DecimalInput | None = None,
        trail_amount: DecimalInput | None = None,
        trail_percent: DecimalInput | None = None,
    ) -> DecimalOrder[AssetT]:
        """Apply an :class:`~orders.events.Amend`; fields left ``None`` are kept."""
        return machine.apply(self, Amend(amount, limit, stop, trail_amount, trail_percent))

    def correct(
        self,
        fill_id: str,
        *,
        quantity: DecimalInput | None = None,
        price: DecimalInput | None = None,
        commission: DecimalInput | None = None,
    ) -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.FillCorrection` to fill ``fill_id``."""
        return machine.apply(self, FillCorrection(fill_id, quantity, price, commission))

    def bust(self, fill_id: str) -> DecimalOrder[AssetT]:
        """Apply a :class:`~orders.events.FillBust` to fill ``fill_id``."""
        return machine.apply(self, FillBust(fill_id))

    def check_triggers(
        self, market_price: DecimalInput, dt: datetime | None = None
    ) -> DecimalOrder[AssetT]:
        """The order after a trade at ``market_price``; see :mod:`orders.order.triggers`."""
        return triggers.check_triggers(self, market_price, dt)

    def check_triggers_bar(self, bar: Bar, dt: datetime | None = None) -> DecimalOrder[AssetT]:
        """The order after an OHLC ``bar``; see :mod:`orders.order.triggers`."""
        return triggers.check_triggers_bar(self, bar, dt)

    # What was asked, read through from the terms.

    @property
    def id(self) -> str:
        """The order's id (a UUID hex unless the caller chose one)."""
        return self.terms.id

    @property
    def asset(self) -> AssetT:
        """The :class:`~orders.assets.Asset` or host identifier traded."""
        return self.terms.asset  # type: ignore[return-value]

    @property
    def amount(self) -> Decimal:
        """Signed quantity asked: positive buys, negative sells."""
        return self.terms.amount

    @property
    def order_type(self) -> OrderType:
        """The kind of order."""
        return self.terms.order_type

    @property
    def stop(self) -> Decimal | None:
        """Stop price, rounded to the tick; a trailing stop's current stop."""
        return self.terms.stop

    @property
    def limit(self) -> Decimal | None:
        """Limit price, rounded to the tick."""
        return self.terms.limit

    @property
    def trail_amount(self) -> Decimal | None:
        """Absolute trailing distance of a trailing stop."""
        return self.terms.trail_amount

    @property
    def trail_percent(self) -> Decimal | None:
        """Fractional trailing distance of a trailing stop."""
        return self.terms.trail_percent

    @property
    def limit_offset(self) -> Decimal | None:
        """Distance from a trailing stop-limit's stop to its limit."""
        return self.terms.limit_offset

    @property
    def trailing_highest_price(self) -> Decimal | None:
        """High-water mark of a trailing sell stop."""
        return self.terms.trailing_highest_price

    @property
    def trailing_lowest_price(self) -> Decimal | None:
        """Low-water mark of a trailing buy stop."""
        return self.terms.trailing_lowest_price

    @property
    def linked_order_ids(self) -> tuple[str, ...]:
        """Ids of the orders linked to this one (OCO legs, bracket siblings)."""
        return self.terms.linked_order_ids

    @property
    def parent_order_id(self) -> str | None:
        """Id of the parent order of a bracket child."""
        return self.terms.parent_order_id

    @property
    def created(self) -> datetime:
        """When the order was created."""
        return self.terms.created

    @property
    def broker_order_id(self) -> str | None:
        """The broker's id for the order, when the host has one."""
        return self.terms.broker_order_id

    @property
    def time_in_force(self) -> TimeInForce:
        """GTC, GTD, DAY, IOC or FOK."""
        return self.terms.time_in_force

    @property
    def post_only(self) -> bool:
        """True when the order may only add liquidity (a limit that must rest first)."""
        return self.terms.post_only

    @property
    def valid_until(self) -> datetime | None:
        """When a GTD or DAY order expires."""
        return self.terms.valid_until

    @property
    def exchange(self) -> str | None:
        """Where the order is routed, if anywhere in particular."""
        return self.terms.exchange

    # Derived.

    @property
    def direction(self) -> int:
        """1 for a buy, -1 for a sell."""
        return 1 if self.terms.amount > 0 else -1

    @property
    def is_buy(self) -> bool:
        """True for a buy order."""
        return self.terms.amount > 0

    @property
    def side(self) -> str:
        """``"BUY"`` or ``"SELL"``."""
        return "BUY" if self.terms.amount > 0 else "SELL"

    @property
    def remaining(self) -> Decimal:
        """Signed quantity still to fill: ``amount - filled``."""
        return exact_subtract(self.terms.amount, self.filled)

    @property
    def open(self) -> bool:
        """True while the order can still trade (its status is active)."""
        return self.status in ACTIVE_STATUSES

    @property
    def overfilled(self) -> bool:
        """True when the venue filled more than the amount (fills that accepted
        being recorded as an overfill)."""
        return self.filled.copy_abs() > self.terms.amount.copy_abs()

    @property
    def pending_new(self) -> bool:
        """True while the venue has not acknowledged the order."""
        pending = self.pending
        return bool(pending) and type(pending[0]) is NewRequested

    @property
    def pending_cancel(self) -> bool:
        """True while a cancel request is in flight."""
        return any(type(request) is CancelRequested for request in self.pending)

    @property
    def pending_replace(self) -> ReplaceRequested | None:
        """The oldest replace request in flight, or None."""
        for request in self.pending:
            if type(request) is ReplaceRequested:
                return request
        return None

    @property
    def is_trailing_stop(self) -> bool:
        """True for a trailing stop or trailing stop-limit order."""
        return self.terms.order_type.is_trailing

    @property
    def expired(self) -> bool:
        """True when the order was cancelled by an :class:`~orders.events.Expire`."""
        if self.status is not _CANCELLED:
            return False
        ended: DecimalOrder = self  # the version whose event cancelled the order
        while ended._previous is not None and ended._previous.status is _CANCELLED:
            ended = ended._previous
        return ended._event_kind is Expire

    @property
    def filled_price(self) -> Decimal | None:
        """Average fill price, ``notional / |filled|``; ``None`` before any fill.

        Computed from the exact totals in the :data:`~orders.decimals.AVERAGE`
        context (34 significant digits, half-even), never from a previous
        average.
        """
        if not self.filled:
            return None
        return average_divide(self.notional, self.filled.copy_abs())

    def __repr__(self) -> str:
        terms = self.terms
        words = [f"{self.side} {terms.amount.copy_abs():f} {terms.asset} {terms.order_type.name}"]
        if terms.trail_amount is not None:
            words.append(f"trail {decimal_text(terms.trail_amount)}")
        if terms.trail_percent is not None:
            words.append(f"trail {decimal_text(EXACT.scaleb(terms.trail_percent, 2))}%")
        prices = [f"{price:f}" for price in (terms.stop, terms.limit) if price is not None]
        if prices:
            words.append("/".join(prices))
        return (
            f"DecimalOrder(id={terms.id[:8]!r}, {' '.join(words)}, {self.status.name}, "
            f"filled {self.filled.copy_abs():f}/{terms.amount.copy_abs():f})"
        )


# A version refers only to values built before it (its terms, the versions before
# it, stored events, requests), so it can be in no cycle of the library's: the
# collector need not visit it (docs/performance.md says what a host must avoid).
_version = slot_builder(DecimalOrder, tracked=False)


def _state(order: DecimalOrder) -> tuple[object, ...]:
    """The fields of ``order`` that say where it stands, without its history."""
    return (order.terms, order.status, order.dt, order.filled, order.notional,
            order.commission, order.reason, order.stop_reached, order.limit_reached,
            order.pending)


_STATE_FIELDS = 10


def next_version(
    previous: DecimalOrder,
    event: Event,
    terms: OrderTerms,
    status: ORDER_STATUS,
    dt: datetime,
    filled: Decimal,
    notional: Decimal,
    commission: Decimal,
    reason: str,
    stop_reached: bool,
    limit_reached: bool,
    pending: tuple[Request, ...],
    fill_id: str | None = None,
    live: Fill | None = None,
) -> DecimalOrder:
    """The version that ``event`` makes of ``previous``, with the given fields (already
    valid). ``fill_id`` is the id the event names, if it is a fill, a correction
    or a bust; ``live`` is the corrected fill after a correction."""
    depth = previous._depth + 1
    fill_ids = previous._fill_ids
    if fill_id is not None:
        fill_ids = _indexed(fill_ids, fill_id, depth)
    # The jump pointer (see orders.order.history.jump_for), worked out here on the hot path.
    jump = previous._jump
    if jump is None or jump._jump is None or (
        previous._depth - jump._depth != jump._depth - jump._jump._depth
    ):
        jump = previous
    else:
        jump = jump._jump
    return _version(terms, status, dt, filled, notional, commission, reason, stop_reached,
                    limit_reached, pending, previous, stored(event), depth, jump, fill_ids,
                    None if live is None else stored(live))


def _indexed(fill_ids: FillIndex | None, fill_id: str, depth: int) -> FillIndex:
    if fill_ids is None:
        return {fill_id: depth}
    known = fill_ids.get(fill_id)
    if known is None:
        fill_ids[fill_id] = depth
    elif depth not in ((known,) if type(known) is int else known):  # type: ignore[operator]
        fill_ids[fill_id] = (*((known,) if type(known) is int else known), depth)  # type: ignore[misc]
    return fill_ids


def applied_kinds(order: DecimalOrder) -> Iterator[type[Event]]:
    """The kinds of the events ``order`` has applied, newest first, read without
    rebuilding the events."""
    node: DecimalOrder | None = order
    while node is not None and node._kept is not None:
        yield kind_of(node._kept)
        node = node._previous


def fill_record(order: DecimalOrder, fill_id: str) -> FillRecord | None:
    """The record of ``fill_id`` as ``order`` knows it, or None when its history
    never named that id."""
    fill_ids = order._fill_ids
    known = None if fill_ids is None else fill_ids.get(fill_id)
    if known is None:
        return None
    touches = []
    for depth in (known,) if type(known) is int else known:  # type: ignore[union-attr]
        if depth <= order._depth:
            version: DecimalOrder = ancestor(order, depth)  # type: ignore[assignment]
            event = version._event
            if type(event) in _FILL_EVENTS and event.fill_id == fill_id:  # type: ignore[union-attr]
                touches.append((version, event))
    if not touches:
        return None
    last, event = touches[-1]
    if type(event) is not Fill:
        event = None if last._live is None else restored(last._live)
    return touches[0][1], event  # type: ignore[return-value]


def rebuild_order(record: tuple[Any, ...], layout: int = 0) -> DecimalOrder:
    """Unpickle an order from the record :meth:`DecimalOrder.__reduce__` gives
    pickle, written in ``layout``: :data:`_LAYOUT` now, 0 by earlier versions."""
    if layout == 0:
        return _rebuilt_from_versions(record)
    return _rebuilt(record)


# Pickling. An order pickles as one record of plain values, which loads without
# validating anything again (every value was valid when the order was pickled)
# and without building an event: a version keeps its event stored as a tuple
# (orders.order.stored), and that tuple is what the record holds. The record
# holds, in turn, the text of every Decimal in it (one string: str and Decimal
# cost a fraction of pickling each Decimal, and one string is one object for
# pickle to track), the terms, and each version's fields: for the first, where
# it stands; for each later one, its stored event and what that changed.

_LAYOUT = 1
"""The layout of the records :meth:`DecimalOrder.__reduce__` writes."""

# What a version's shape says, besides its status (the low three bits).
_STOP_REACHED, _LIMIT_REACHED, _TOTALS, _REASON, _PENDING, _TERMS, _LIVE = (
    8, 16, 32, 64, 128, 256, 512
)
_STATUS_BITS = 7
_STATUSES = tuple(sorted(ORDER_STATUS))
_NO_TOTALS = (_ZERO, _ZERO, _ZERO)

Encode = Callable[[Any, list[object], list[str]], None]
Decode = Callable[[Callable[[], Any], Callable[[], Decimal]], Any]


def _codec(kind: type, number: int | None = None) -> tuple[Encode, Decode]:
    """``encode`` and ``decode`` for values of the frozen ``attrs`` class ``kind``:
    the terms as objects, or, given the ``number`` it is stored with, an event
    in its stored form (a tuple: see :mod:`orders.order.stored`).

    ``encode(value, fields, numbers)`` appends the fields of ``value`` to
    ``fields`` (enum members as their values, and whether an optional Decimal is
    there) and each Decimal's text to ``numbers``; ``decode(take, number)``
    builds the value again from the next items of both, without validation.
    """
    hints = get_type_hints(kind)
    written = [] if number is None else [str(number)]
    decimals, reads = [], []
    scope: dict[str, Any] = {"build": None if number is not None else build_terms}
    for position, field in enumerate(attrs.fields(kind), start=1):
        name, hint = field.name, hints[field.name]
        value = f"value.{name}" if number is None else f"value[{position}]"
        if hint is Decimal:
            decimals.append(value)
            read = "number()"
        elif hint == Decimal | None:
            decimals.append(value)
            written.append(f"{value} is not None")
            read = "(number() if take() else None)"
        elif isinstance(hint, type) and issubclass(hint, Enum) and number is None:
            scope[f"{name}_members"] = {member.value: member for member in hint}
            written.append(f"{value}._value_")
            read = f"{name}_members[take()]"
        else:
            written.append(value)
            read = "take()"
        reads.append(read)
    writes = f"    fields += ({', '.join(written)},)\n" if written else ""
    if decimals:
        writes += (f"    numbers += [str(number) for number in ({', '.join(decimals)},)"
                   " if number is not None]\n")
    built = (f"build({', '.join(reads)})" if number is None
             else f"({number}, {''.join(f'{read}, ' for read in reads)})")
    source = (f"def encode(value, fields, numbers):\n{writes}    return None\n"
              f"def decode(take, number):\n    return {built}\n")
    exec(compile(source, f"<pickled {kind.__name__}>", "exec"), scope)
    return scope["encode"], scope["decode"]


_encode_terms, _decode_terms = _codec(OrderTerms)
_EVENT_CODECS = tuple(_codec(kind, number) for number, kind in enumerate(STORED_KINDS))
_DECODE_EVENT = tuple(decode for _, decode in _EVENT_CODECS)


def _encode_event(kept: StoredEvent, fields: list[object], numbers: list[str]) -> None:
    _EVENT_CODECS[kept[0]][0](kept, fields, numbers)


def _decode_event(take: Callable[[], Any], number: Callable[[], Decimal]) -> StoredEvent:
    return completed(_DECODE_EVENT[int(take())](take, number))


def _order_record(order: DecimalOrder) -> tuple[object, ...]:
    """The flat record of ``order`` and every version before it, oldest first."""
    chain = []
    node: DecimalOrder | None = order
    while node is not None:
        chain.append(node)
        node = node._previous
    chain.reverse()
    fields: list[object] = [None, len(chain) - 1]
    numbers: list[str] = []
    previous = None
    for version in chain:
        _encode_version(version, previous, fields, numbers)
        previous = version
    fields[0] = " ".join(numbers)
    return tuple(fields)


def _encode_version(
    version: DecimalOrder, previous: DecimalOrder | None, fields: list[object], numbers: list[str]
) -> None:
    """The stored event that made ``version`` (none for the first), its shape and
    time, then the fields that differ from ``previous`` (all for the first)."""
    if previous is not None:
        _encode_event(version._kept, fields, numbers)  # type: ignore[arg-type]
    shape = (version.status._value_ | (_STOP_REACHED if version.stop_reached else 0)
             | (_LIMIT_REACHED if version.limit_reached else 0))
    totals = (version.filled, version.notional, version.commission)
    before = _NO_TOTALS if previous is None else (
        previous.filled, previous.notional, previous.commission)
    if totals[0] is not before[0] or totals[1] is not before[1] or totals[2] is not before[2]:
        shape |= _TOTALS
    if previous is None or version.terms is not previous.terms:
        shape |= _TERMS
    if version.reason != ("" if previous is None else previous.reason):
        shape |= _REASON
    if version.pending is not (() if previous is None else previous.pending):
        shape |= _PENDING
    if version._live is not None:
        shape |= _LIVE
    fields += (shape, version.dt)
    if shape & _TOTALS:
        numbers += (str(version.filled), str(version.notional), str(version.commission))
    if shape & _TERMS:
        _encode_terms(version.terms, fields, numbers)
    if shape & _REASON:
        fields.append(version.reason)
    if shape & _PENDING:
        fields.append(len(version.pending))
        for request in version.pending:
            _encode_event(stored(request), fields, numbers)
    if shape & _LIVE:
        _encode_event(version._live, fields, numbers)  # type: ignore[arg-type]


def _rebuilt(record: tuple[Any, ...]) -> DecimalOrder:
    """The order that :func:`_order_record` wrote down."""
    take: Callable[[], Any] = iter(record).__next__
    number = map(Decimal, take().split(" ")).__next__
    later = take()
    order = _decode_version(None, None, take, number)
    for _ in range(later):
        order = _decode_version(order, _decode_event(take, number), take, number)
    return order


def _decode_version(
    previous: DecimalOrder | None,
    kept: StoredEvent | None,
    take: Callable[[], Any],
    number: Callable[[], Decimal],
) -> DecimalOrder:
    shape, dt = take(), take()
    if shape & _TOTALS:
        filled, notional, commission = number(), number(), number()
    else:
        filled, notional, commission = _NO_TOTALS if previous is None else (
            previous.filled, previous.notional, previous.commission)
    terms = _decode_terms(take, number) if shape & _TERMS else previous.terms  # type: ignore[union-attr]
    reason = take() if shape & _REASON else "" if previous is None else previous.reason
    if shape & _PENDING:
        pending = tuple(restored(_decode_event(take, number)) for _ in range(take()))
    else:
        pending = () if previous is None else previous.pending
    live = _decode_event(take, number) if shape & _LIVE else None
    status = _STATUSES[shape & _STATUS_BITS]
    stop_reached, limit_reached = bool(shape & _STOP_REACHED), bool(shape & _LIMIT_REACHED)
    if previous is None:
        return _version(terms, status, dt, filled, notional, commission, reason, stop_reached,
                        limit_reached, pending, None, None, 0, None, None, None)
    depth = previous._depth + 1
    named = fill_id_of(kept)  # type: ignore[arg-type]
    fill_ids = previous._fill_ids if named is None else _indexed(previous._fill_ids, named, depth)
    return _version(terms, status, dt, filled, notional, commission, reason, stop_reached,
                    limit_reached, pending, previous, kept, depth, jump_for(previous), fill_ids,
                    live)


def _rebuilt_from_versions(versions: tuple[tuple[Any, ...], ...]) -> DecimalOrder:
    """An order pickled in layout 0: each version's fields, oldest first, with the
    terms and events as objects. Versions pickled before orders had requests in
    flight have one field fewer: none were pending."""
    if len(versions[0]) == _STATE_FIELDS + 1:
        versions = tuple((*fields[:-2], (), *fields[-2:]) for fields in versions)
    first, *rest = versions
    order = _version(*first[:_STATE_FIELDS], None, None, 0, None, None, None)
    for fields in rest:
        *state, event, live = fields
        fill_id = event.fill_id if type(event) in _FILL_EVENTS else None
        order = next_version(order, event, *state, fill_id, live)  # type: ignore[call-arg]
    return order


def _validity(value: object, valid_until: datetime | None) -> tuple[TimeInForce, datetime | None]:
    if value is None:
        return (_GTC, None) if valid_until is None else (_GTD, valid_until)
    time_in_force = enum_member(TimeInForce, value)
    if time_in_force is None:
        allowed = ", ".join(TimeInForce)
        raise BadOrderParameters(f"time_in_force must be one of {allowed}; got {quote(value)}")
    if time_in_force.takes_valid_until != (valid_until is not None):
        raise BadOrderParameters(
            f"time in force {time_in_force} "
            f"{'needs a' if time_in_force.takes_valid_until else 'takes no'} "
            f"valid_until; got {quote(valid_until)}"
        )
    return time_in_force, valid_until


def _check_times(dt: datetime, created: datetime | None, valid_until: datetime | None) -> None:
    """An order's times are all naive or all aware, and it expires no earlier than
    it was created."""
    created = dt if created is None else created
    check_time_kind("created", created, dt, "dt is")
    if valid_until is not None:
        check_time_kind("valid_until", valid_until, dt, "dt is")
        if valid_until < created:
            raise BadOrderParameters(
                f"valid_until {valid_until.isoformat()} is before the order was created, "
                f"{created.isoformat()}; an order is valid from its creation on"
            )


def _pending(value: object) -> tuple[Request, ...]:
    """Requests in flight given to the constructor: a new-order request can only
    be the first, and no two share a request id."""
    if not isinstance(value, (list, tuple)) or not all(
        type(request) in REQUEST_TYPES for request in value
    ):
        raise BadOrderParameters(
            "pending must be a list or tuple of NewRequested, CancelRequested and "
            f"ReplaceRequested events; got {quote(value)}"
        )
    if any(type(request) is NewRequested for request in value[1:]):
        raise BadOrderParameters(
            f"a NewRequested can only be the first request in flight; got {quote(value)}"
        )
    ids = [request.request_id for request in value if request.request_id is not None]
    if len(ids) != len(set(ids)):
        raise BadOrderParameters(f"requests in flight need distinct request ids; got {ids}")
    return tuple(value)


def _commission(value: object) -> Decimal:
    if value is None:
        return _ZERO
    return to_decimal(value, "commission", BadOrderParameters, total=True)


def _order_id(value: object) -> str:
    if value is None:
        return new_order_id()
    if not isinstance(value, str) or not value:
        raise BadOrderParameters(f"id must be a non-empty str; got {quote(value)}")
    return value


def _amount(value: object) -> Decimal:
    amount = to_decimal(value, "amount", InvalidQuantityError)
    if not amount:
        raise InvalidQuantityError(f"amount must not be zero; got {quote(value)}")
    return amount


def _order_type(value: object) -> OrderType | None:
    if value is None:
        return None
    kind = enum_member(OrderType, value)
    if kind is None:
        allowed = ", ".join(kind.value for kind in OrderType)
        raise BadOrderParameters(f"order_type must be one of {allowed}; got {quote(value)}")
    return kind


def _linked_ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise BadOrderParameters(
            f"linked_order_ids must be a list or tuple of ids; got {quote(value)}"
        )
    for linked in value:
        if not isinstance(linked, str) or not linked:
            raise BadOrderParameters(
                f"linked_order_ids must hold non-empty str ids; got {quote(linked)}"
            )
    return tuple(value)


_GTC, _GTD = TimeInForce.GTC, TimeInForce.GTD


def _restored_fills(
    terms: OrderTerms, given_filled: object, given_notional: object
) -> tuple[Decimal, Decimal]:
    """Validate the fill totals of an order restored mid-life: (filled, notional)."""
    filled = _ZERO
    if given_filled is not None:
        filled = to_decimal(given_filled, "filled", InvalidQuantityError)
    notional = None
    if given_notional is not None:
        notional = to_decimal(given_notional, "notional", BadOrderParameters, total=True)
        if notional < 0:
            raise BadOrderParameters(f"notional must not be negative; got {quote(given_notional)}")
    amount = terms.amount
    if filled and (filled < 0) != (amount < 0):
        raise InvalidQuantityError(
            f"filled must have the sign of amount {decimal_text(amount)}; "
            f"got filled {decimal_text(filled)}"
        )
    if filled.copy_abs() > amount.copy_abs():
        raise InvalidQuantityError(
            f"filled {decimal_text(filled)} exceeds amount {decimal_text(amount)}; "
            f"at most {decimal_text(amount)} can be filled"
        )
    if filled:
        check_quantity_increment(filled, terms.asset, "filled")
    if filled and notional is None:
        raise BadOrderParameters(
            f"filled {decimal_text(filled)} needs notional (the sum of quantity x price of those "
            "fills) so that the average fill price is known"
        )
    if not filled and notional:
        raise BadOrderParameters(
            f"notional must be 0 when nothing is filled; got {decimal_text(notional)}"
        )
    return filled, _ZERO if notional is None else notional


_OPEN, _FILLED, _CANCELLED, _REJECTED, _HELD, _TRIGGERED, _PARTIALLY_FILLED = ORDER_STATUS


def waiting_for_stop(order: DecimalOrder) -> bool:
    """True for an OPEN order whose stop has not been reached yet."""
    return order.status is _OPEN and order.terms.order_type.has_stop and not order.stop_reached


def status_by_fill(filled: Decimal, amount: Decimal) -> ORDER_STATUS:
    """OPEN, PARTIALLY_FILLED or FILLED, as the quantities say (an overfilled
    order is FILLED)."""
    if not filled:
        return _OPEN
    if filled == amount:
        return _FILLED
    # Short of the amount (a buy's filled below it, a sell's above it), or beyond it.
    return _PARTIALLY_FILLED if (filled < amount) is not amount.is_signed() else _FILLED


# What each status says about the quantities; CANCELLED and REJECTED say nothing.
_STATUS_MEANS_FILL: dict[ORDER_STATUS, tuple[ORDER_STATUS, str]] = {
    ORDER_STATUS.OPEN: (ORDER_STATUS.OPEN, "nothing filled"),
    ORDER_STATUS.HELD: (ORDER_STATUS.OPEN, "nothing filled"),
    ORDER_STATUS.TRIGGERED: (ORDER_STATUS.OPEN, "nothing filled"),
    ORDER_STATUS.PARTIALLY_FILLED: (ORDER_STATUS.PARTIALLY_FILLED, "some but not all filled"),
    ORDER_STATUS.FILLED: (ORDER_STATUS.FILLED, "everything filled"),
}


def _status(value: object, filled: Decimal, amount: Decimal) -> ORDER_STATUS:
    by_fill = status_by_fill(filled, amount)
    if value is None:
        return by_fill
    status = enum_member(ORDER_STATUS, value)
    if status is None:
        raise BadOrderParameters(f"status must be an ORDER_STATUS (0 to 6); got {quote(value)}")
    if status in _STATUS_MEANS_FILL and _STATUS_MEANS_FILL[status][0] is not by_fill:
        raise BadOrderParameters(
            f"status {status.name} needs {_STATUS_MEANS_FILL[status][1]}; "
            f"got filled {decimal_text(filled)} of {decimal_text(amount)}"
        )
    return status


# The one import that points back (docs/architecture.md): the shorthand methods
# above (order.fill(...), order.check_triggers(...)) call the state machine and
# the trigger checks, which take DecimalOrder. Importing them last lets either
# side be imported first.
from orders.order import machine, triggers  # noqa: E402
