"""A simulated venue: the fills a venue would make on a bar, by documented rules.

:class:`SimulatedVenue` is a frozen value holding a slippage and a commission
model (:mod:`orders.venue.costs`). Given a book and a bar of one asset,
:meth:`SimulatedVenue.on_bar` first lets the book see the bar
(:meth:`~orders.book.OrderBook.on_bar`: stops trigger, trailing stops ratchet
with the close, limit flags follow the range), then fills every order that
can trade on it, each at the price its rule in :data:`FILL_PRICES` gives. The
fills go through the book, so OCO groups and brackets react to them at once.

The orders that meet a bar are those the book holds when it arrives, and the
exit legs its fills release: an order the host places while the bar is
processed meets the next bar. So a host decides on a bar's close and its
orders meet the bar after, as in backtrader.

Within a bar, the fills happen in the order their prices would have traded on
the bar's path (:mod:`orders.venue.path`): by default the open, then the
extreme nearer to it (the high when both are as near), then the other extreme,
then the close; ``path="pessimistic"`` takes the extreme adverse to the
brackets' position first, and a host may give a path of its own. Where two
orders fill at the same point, the older (by ``created``, then id) goes first.
The order matters when a fill cancels or reduces another order, or shares the
bar's volume with it. An exit leg that a fill releases or creates on the bar
meets the rest of the path, from the fill's place on, stretch by stretch
(``same_bar_exits=False`` keeps it for the next bar, as backtrader does).

A fill's price is the rule's price moved by the slippage model, then bounded:
never outside the bar's range, and never past the order's limit. A
market-on-close order is not moved: it fills at the close. Each fill has an
id of its own (the bar's time, the order, the fill's place in the order's
history), so every execution the venue reports is one the book applied. A
model that fails, or returns what a fill cannot hold, is refused by name.

IOC and FOK orders have one chance to trade: the first bar that meets them
able to trade (for a stop, the bar that triggers it). IOC fills what that bar
allows and FOK fills whole or not at all; what is left expires on that bar.
A post-only order that has filled nothing is rejected, or with
``post_only="reprice"`` repriced one tick away, on a bar where it would take
liquidity: where its limit admits the price it meets first (the open, or the
trigger price of a stop-limit triggered on the bar). What the venue does itself
(an expiry, a reject, a reprice) goes through the book and is in ``derived``.

A bar's ``dt`` is the time it ends. The venue refuses, with
:class:`~orders.errors.BadOrderParameters`, a bar at or before the last change
of a working order of its asset that it would move or fill (a bar sent twice,
or one older than such an order), and the book is left as it was.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterator, Set
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NoReturn

import attrs
import immutables

from orders._checks import check_type, decimal_text, of_type, quote
from orders.assets import Asset, check_asset, check_quantity_increment
from orders.book.audit import ON_BAR, Cause
from orders.book.orderbook import Derived, OrderBook, Submit
from orders.decimals import exact_add, exact_subtract, non_negative_price, to_decimal
from orders.errors import BadOrderParameters, OrderError
from orders.events import Amend, Bar, Event, Expire, Fill, Reject, Release, Trigger
from orders.order.pricing import limit_reachable
from orders.order.terms import OrderTerms
from orders.order.triggers import bar_steps
from orders.order.value import DecimalOrder, waiting_for_stop
from orders.statuses import WORKING_STATUSES, OrderType, TimeInForce
from orders.venue.costs import CommissionModel, NoCommission, NoSlippage, SlippageModel
from orders.venue.path import (
    BarPath,
    Path,
    Place,
    adverse_extreme_first,
    close_place,
    given_path,
    nearer_extreme_first,
    place_of,
    stretch_bar,
)
from orders.venue.positions import Account, Execution

__all__ = [
    "FILL_PRICES",
    "SimulatedVenue",
    "VenueResult",
    "fill_prices_markdown",
]

_ZERO = Decimal(0)
_TRADES_ONCE = Cause("immediate_orders_trade_once")
"""The cause of an IOC or FOK order's expiry on the bar that gave it its one chance."""
_POST_ONLY_REJECT = Cause("post_only_rejects_a_taker")
_CANNOT_PAY = Cause("the_account_cannot_pay")
"""The cause of an order rejected because the account cannot pay for its fill."""
_POST_ONLY_REPRICE = Cause("post_only_reprices_a_taker")


# The fill price of each kind of order on a bar. Each rule is given the order
# (after the book has seen the bar), the bar, and the price at which the bar
# triggered the order's stop, if it did.


def market_fills_at_the_open(order: DecimalOrder, bar: Bar, trigger: Decimal | None) -> Decimal:
    """A market order fills at the bar's open."""
    return bar.open


def on_close_fills_at_the_close(
    order: DecimalOrder, bar: Bar, trigger: Decimal | None
) -> Decimal:
    """A market-on-close order fills at the bar's close."""
    return bar.close


def stop_fills_where_it_triggered(
    order: DecimalOrder, bar: Bar, trigger: Decimal | None
) -> Decimal:
    """A stop (trailing or not) fills at the price that triggered it on this bar:
    the open when the bar gapped through the stop, else the stop. One that
    triggered on an earlier bar is a market order, and fills at the open."""
    return bar.open if trigger is None else trigger


def limit_fills_at_its_limit_or_better(
    order: DecimalOrder, bar: Bar, trigger: Decimal | None
) -> Decimal:
    """A limit, or a stop-limit whose stop has triggered, fills where the bar first
    met it: at the open (or, for a stop-limit triggered on this bar, at the
    trigger price) when that is at or better than the limit, else at the limit.
    It fills only when the book flags its limit as reached on this bar. A trailing
    stop-limit that triggered (or filled in part) before it saw any price has no
    limit yet: it fills at the open, which any limit set from that price admits."""
    start = bar.open if trigger is None else trigger
    limit = order.terms.limit
    if limit is None:
        return start
    return start if limit_reachable(order.terms.amount > 0, limit, start) else limit


FillPrice = Callable[[DecimalOrder, Bar, "Decimal | None"], Decimal]

FILL_PRICES: dict[OrderType, FillPrice] = {
    OrderType.MARKET: market_fills_at_the_open,
    OrderType.MARKET_ON_CLOSE: on_close_fills_at_the_close,
    OrderType.STOP: stop_fills_where_it_triggered,
    OrderType.TRAILING_STOP: stop_fills_where_it_triggered,
    OrderType.LIMIT: limit_fills_at_its_limit_or_better,
    OrderType.STOP_LIMIT: limit_fills_at_its_limit_or_better,
    OrderType.TRAILING_STOP_LIMIT: limit_fills_at_its_limit_or_better,
}
"""For each kind of order, the rule that prices its fill on a bar."""


@attrs.frozen
class VenueResult:
    """The book after a bar, the executions the venue made on it, in order, and
    what the book derived (triggers, ratchets, and the links' consequences); with
    the account after them when the venue was given one."""

    book: OrderBook
    executions: tuple[Execution, ...]
    derived: tuple[Derived, ...]
    account: Account | None = None


def _model(kind: str, example: str) -> Any:
    """An ``attrs`` validator refusing a field that is not a ``kind`` model instance."""

    def validate(_: object, attribute: Any, value: object) -> None:
        if isinstance(value, type) or not callable(value):
            raise BadOrderParameters(
                f"{attribute.name} must be a {kind} model: an instance such as {example}, "
                f"or a function taking the same arguments; got {quote(value)}"
            )

    return validate


PathPolicy = Literal["nearer", "pessimistic"]
"""The paths the venue knows by name; a host may also give a :data:`BarPath`."""
_PATH_CHOICES = ("nearer", "pessimistic")


def _path_choice(_: object, attribute: Any, value: object) -> None:
    if value in _PATH_CHOICES or (callable(value) and not isinstance(value, type)):
        return
    raise BadOrderParameters(
        "path must be 'nearer', 'pessimistic', or a function taking the asset, the bar and "
        f"its time and returning the prices the bar traded through; got {quote(value)}"
    )


PostOnly = Literal["reject", "reprice"]
"""What the venue does with a post-only order that would take liquidity."""
_POST_ONLY_CHOICES = ("reject", "reprice")


def _post_only_choice(_: object, attribute: Any, value: object) -> None:
    if value not in _POST_ONLY_CHOICES:
        raise BadOrderParameters(
            f"post_only must be 'reject' or 'reprice'; got {quote(value)}"
        )


@attrs.frozen
class SimulatedVenue:
    """Fills orders on bars by the rules of :data:`FILL_PRICES`, with a slippage
    and a commission model; ``post_only`` says what it does with a post-only
    order that would take liquidity: reject it, or reprice it one tick away.

    ``path`` is the path each bar is taken to trade through: ``"nearer"`` (the
    nearer extreme first), ``"pessimistic"`` (the extreme adverse to the
    brackets' position first), or a :data:`~orders.venue.path.BarPath`.
    ``same_bar_exits`` lets an exit leg released on a bar trade on the rest of
    its path; without it, the leg meets the next bar."""

    slippage: SlippageModel = attrs.field(
        factory=NoSlippage, validator=_model("slippage", "NoSlippage()")
    )
    commission: CommissionModel = attrs.field(
        factory=NoCommission, validator=_model("commission", "NoCommission()")
    )
    post_only: PostOnly = attrs.field(default="reject", validator=_post_only_choice)
    path: PathPolicy | BarPath = attrs.field(default="nearer", validator=_path_choice)
    same_bar_exits: bool = attrs.field(default=True, validator=of_type(bool))

    def on_bar(
        self,
        book: OrderBook,
        asset: Hashable,
        bar: Bar,
        dt: datetime,
        account: Account | None = None,
    ) -> VenueResult:
        """The fills ``bar`` of ``asset``, at time ``dt``, gives the orders of ``book``.

        Given an ``account`` that keeps cash, the venue asks it before each
        fill (:meth:`~orders.venue.positions.Account.refusal`): an order whose
        fill it cannot pay for is rejected with the account's reason, as
        backtrader's broker gives such an order its Margin status; the result
        holds the account after the fills, marked at the bar's close.

        The bar must come after the last change of every working order of
        ``asset`` it moves or fills: a bar repeated, or older than such an
        order, is refused with :class:`~orders.errors.BadOrderParameters`, and
        nothing changes. A model's failure or unusable result is refused the
        same way, naming the model.
        """
        check_type("book", book, OrderBook)
        check_type("dt", dt, datetime)
        check_asset(asset)
        if account is not None:
            check_type("account", account, Account)
        immediate, post_only = book.immediate_orders(asset), book.post_only_orders(asset)
        seen = book.on_bar(asset, bar, dt)
        _check_in_time(book, asset, bar, dt, [*immediate, *post_only])
        triggered = {
            item.order_id: item.event.price
            for item in seen.derived
            if type(item.event) is Trigger and item.event.price is not None
        }
        run = _Run(seen.book, list(seen.derived), account)
        judging = post_only or asset in book.post_only_rested
        repriced: set[str] = set()
        arriving: Set[str] = (
            self._judge_post_only(run, post_only, bar, triggered, repriced) if judging else _NONE
        )
        if triggered:  # an IOC or FOK stop it triggered has this bar
            immediate = run.book.immediate_orders(asset)
        priced = _priced(run.book, asset, bar, triggered, repriced)
        executions = self._trade(run, asset, bar, dt, priced, immediate, arriving, triggered,
                                 repriced) if priced or immediate else []
        if judging:
            rested = _in_play(run.book, post_only)
            run.book = run.book.with_rested(
                asset, immutables.Map({order.id: order.terms for order in rested})
            )
        return VenueResult(run.book, tuple(executions), tuple(run.derived),
                           _marked(run.account, asset, bar))

    def _trade(
        self,
        run: _Run,
        asset: Hashable,
        bar: Bar,
        dt: datetime,
        priced: list[tuple[DecimalOrder, Decimal]],
        immediate: list[str],
        arriving: Set[str],
        triggered: dict[str, Decimal],
        repriced: set[str],
    ) -> list[Execution]:
        """Fill ``priced`` and expire ``immediate`` along the bar's path, and the exit
        legs the fills release on the rest of it: the executions, in order."""
        path = self._path(run.book, asset, bar, dt, priced)
        released = _Released(path, dt) if self.same_bar_exits else None
        executions: list[Execution] = []
        traded = _ZERO
        for place, _, order_id, price, steps in _turns(run.book, path, priced, immediate,
                                                      released):
            order = run.book.orders[order_id]
            if order.status not in WORKING_STATUSES:
                continue  # a fill earlier on this bar ended it, through its links
            for step in steps:  # the stretches a released leg met before its turn
                run.apply(order_id, step, ON_BAR)
            order = run.book.orders[order_id] if steps else order
            if order_id in arriving and self._takes(run, order, triggered[order_id], repriced):
                continue  # a post-only stop-limit judged where the bar triggered it
            derived = len(run.derived)
            fill = None if price is None else self._fill(order, price, bar, traded, dt)
            refusal = None if fill is None or run.account is None else (
                run.account.refusal(order, fill)
            )
            if refusal is not None:
                run.apply(order_id, Reject(refusal), _CANNOT_PAY)
            elif fill is not None:
                if run.account is not None:
                    run.account = run.account.fill(order, fill)
                run.apply(order_id, fill, Cause(FILL_PRICES[order.order_type].__name__),
                          by_the_venue=False)
                executions.append(Execution.of(order, fill))
                traded = exact_add(traded, fill.quantity)
            if order.terms.time_in_force.is_immediate and (
                run.book.orders[order_id].status in WORKING_STATUSES
            ):
                run.apply(order_id, Expire(dt), _TRADES_ONCE)
            if released is not None and price is not None:
                # the legs this turn released: by a fill, or by the end of an entry
                # that filled before (an IOC's expiry, a refusal of its rest)
                released.add(run, derived, place, price)
        if released is not None:
            released.finish(run)
        return executions

    def _path(
        self,
        book: OrderBook,
        asset: Hashable,
        bar: Bar,
        dt: datetime,
        priced: list[tuple[DecimalOrder, Decimal]],
    ) -> Path:
        """The path ``bar`` is taken to trade through, by the venue's ``path``."""
        policy = self.path
        if policy == "nearer":
            return nearer_extreme_first(bar)
        if policy == "pessimistic":
            sides = set(_positions_protected(book, bar, priced))
            if len(sides) == 1:
                return adverse_extreme_first(bar, sides.pop())
            return nearer_extreme_first(bar)
        assert callable(policy)
        source = f"{_model_name(policy)} gave for the bar of {asset} at {dt.isoformat()}"
        return given_path(bar, policy(asset, bar, dt), source)

    def _judge_post_only(
        self,
        run: _Run,
        candidates: list[str],
        bar: Bar,
        triggered: dict[str, Decimal],
        repriced: set[str],
    ) -> set[str]:
        """Judge, against ``bar``'s open, each post-only order of ``candidates`` that
        can trade on it and has not rested with its terms before (it arrives now:
        placed, released or amended since). A stop-limit the bar triggers is
        judged where the trigger lies on the bar's path, when its turn comes:
        those are returned."""
        rested = run.book.post_only_rested
        arriving = set()
        for order in _in_play(run.book, candidates):
            if rested.get(order.terms.asset, _EMPTY).get(order.id) is order.terms:
                continue
            if order.id in triggered:
                arriving.add(order.id)
            else:
                self._takes(run, order, bar.open, repriced)
        return arriving

    def _takes(
        self, run: _Run, order: DecimalOrder, met: Decimal, repriced: set[str]
    ) -> bool:
        """True when post-only ``order`` would take liquidity at ``met``, the first
        price it meets: it is then rejected or repriced (its id added to
        ``repriced``)."""
        terms, limit = order.terms, order.terms.limit
        if limit is None or not limit_reachable(terms.amount > 0, limit, met):
            return False
        if self.post_only == "reject":
            run.apply(order.id, Reject(_taking_text(order, limit, met)), _POST_ONLY_REJECT)
        else:
            run.apply(order.id, Amend(limit=_one_tick_away(order, met)), _POST_ONLY_REPRICE)
            repriced.add(order.id)
        return True

    def _fill(
        self, order: DecimalOrder, price: Decimal, bar: Bar, traded: Decimal, dt: datetime
    ) -> Fill | None:
        """The fill of ``order`` at the rule's ``price``, or None when the slippage
        model fills nothing.

        A market-on-close order takes the quantity the model gives at the close
        itself: the closing auction prints one price for everyone. A FOK order
        fills only when the model gives it all it has left.
        """
        left = order.remaining.copy_abs()
        slippage, commission = self.slippage, self.commission
        result = _run(slippage, order, lambda: slippage(order, price, left, bar, traded))
        quantity, slipped = _slippage_result(slippage, order, result)
        if quantity <= 0 or (quantity < left and order.terms.time_in_force is _FOK):
            return None
        _check_quantity(slippage, order, quantity, left)
        if order.terms.order_type is not OrderType.MARKET_ON_CLOSE:
            price = slipped
        price = _bounded(order, price, bar)
        charged = _run(commission, order, lambda: commission(order, quantity, price))
        return Fill(quantity, price, _checked(commission, order, "commission", charged), dt,
                    _fill_id(order, dt))


_FOK = TimeInForce.FOK
_NONE: frozenset[str] = frozenset()
_EMPTY: immutables.Map[str, OrderTerms] = immutables.Map()


def _priced(
    book: OrderBook,
    asset: Hashable,
    bar: Bar,
    triggered: dict[str, Decimal],
    repriced: Set[str],
) -> list[tuple[DecimalOrder, Decimal]]:
    """The orders of the book that can fill on ``bar``, each with the price its rule gives."""
    priced = []
    for order_id in book.fillable(asset):
        order = book.orders[order_id]
        if order_id in repriced and (order_id in triggered or not _bar_reaches(order, bar)):
            continue  # repriced after a trigger: whether the bar came back is not known
        priced.append((order, FILL_PRICES[order.terms.order_type](
            order, bar, triggered.get(order_id))))
    return priced


def _positions_protected(
    book: OrderBook, bar: Bar, priced: list[tuple[DecimalOrder, Decimal]]
) -> Iterator[bool]:
    """For each bracket ``bar`` meets, whether the position its legs protect on the
    bar is long: the legs the bar can fill, and those an entry filling at the
    open releases."""
    for order, price in priced:
        if order.terms.parent_order_id is not None:
            yield not order.is_buy
        elif price == bar.open and order.id in book.brackets:
            yield order.is_buy


Turn = tuple[Place, datetime, str, "Decimal | None", tuple[Event, ...]]
"""An order's turn on a bar: its place on the path, its creation and id (which
order the older first), the price it fills at (None for an IOC or FOK order the
bar does not reach, which only expires), and the events the path applies to it
first."""


def _turns(
    book: OrderBook,
    path: Path,
    priced: list[tuple[DecimalOrder, Decimal]],
    immediate: list[str],
    released: _Released | None,
) -> Iterator[Turn]:
    """The turns of the orders that may fill or expire on the bar, in the order they
    come on ``path``, and of the exit legs the fills release as they come."""
    queue: list[Turn] = []
    close, after = close_place(path), (len(path), _ZERO)
    for order, price in priced:
        at_close = order.terms.order_type is OrderType.MARKET_ON_CLOSE
        place = close if at_close else place_of(path, price)
        queue.append((place, order.terms.created, order.id, price, ()))
    if immediate:
        queued = {order.id for order, _ in priced}
        queue.extend(
            (after, order.terms.created, order.id, None, ())
            for order in _in_play(book, immediate)
            if order.id not in queued
        )
    queue.sort()
    later = [] if released is None else released.turns
    for turn in queue:
        while later and later[0] < turn:
            yield heapq.heappop(later)
        yield turn
    while later:
        yield heapq.heappop(later)


class _Released:
    """The exit legs that fills release on a bar, each walking the rest of the
    bar's path from the place of the fill, stretch by stretch: their turns, and
    what the path does to those that find none."""

    def __init__(self, path: Path, dt: datetime) -> None:
        self.path = path
        self.dt = dt
        self.turns: list[Turn] = []
        self.unfilled: list[tuple[str, tuple[Event, ...]]] = []

    def add(self, run: _Run, derived: int, place: Place, price: Decimal) -> None:
        """Walk the legs released or created by the fill at ``place`` and ``price``
        (what ``run`` derived from its ``derived``-th item on)."""
        for item in run.derived[derived:]:
            if type(item.event) is not Release and type(item.event) is not Submit:
                continue
            leg = run.book.orders[item.order_id]
            if leg.status in WORKING_STATUSES:
                self._walk(leg, place[0], price)

    def _walk(self, leg: DecimalOrder, first: int, start: Decimal) -> None:
        """Find the turn of ``leg``, released at ``start`` on the stretch ``first``."""
        steps: list[Event] = []
        order = leg
        for event, moved in bar_steps(order, Bar(start, start, start, start), self.dt):
            steps.append(event)  # the price it is released at, as a trade there
            order = moved
        for stretch in range(first, len(self.path) - 1):
            bar = stretch_bar(self.path, stretch, start)
            trigger = None
            for event, moved in bar_steps(order, bar, self.dt):
                steps.append(event)
                order = moved
                if type(event) is Trigger:
                    trigger = event.price
            if _can_trade(order):
                price = FILL_PRICES[order.terms.order_type](order, bar, trigger)
                heapq.heappush(self.turns, (place_of(self.path, price, stretch),
                                            leg.terms.created, leg.id, price, tuple(steps)))
                return
            start = self.path[stretch + 1]
        self.unfilled.append((leg.id, tuple(steps)))

    def finish(self, run: _Run) -> None:
        """Apply what the path did to the released legs that found no turn on it."""
        for order_id, steps in self.unfilled:
            if run.book.orders[order_id].status not in WORKING_STATUSES:
                continue
            for step in steps:
                run.apply(order_id, step, ON_BAR)


def _can_trade(order: DecimalOrder) -> bool:
    """True when ``order``, working, can fill at the price it has come to: at the
    market, or a limit its price has reached."""
    return order.status in WORKING_STATUSES and not waiting_for_stop(order) and (
        order.terms.limit is None or order.limit_reached
    )


def _marked(account: Account | None, asset: Hashable, bar: Bar) -> Account | None:
    """``account`` with ``asset`` last priced at ``bar``'s close, when it keeps cash
    (an account without cash remembers no prices)."""
    if account is None or account.cash is None:
        return account
    return account.mark({asset: bar.close})


class _Run:
    """The book as one bar changes it, and what was derived on the way."""

    def __init__(
        self, book: OrderBook, derived: list[Derived], account: Account | None = None
    ) -> None:
        self.book = book
        self.derived = derived
        self.account = account

    def apply(
        self, order_id: str, event: Event, cause: Cause, *, by_the_venue: bool = True
    ) -> None:
        """Apply ``event`` through the book for ``cause``, so the links react and
        the audit trail names the venue's rule; an event the venue decided on its
        own (not a fill) is derived too."""
        result = self.book.apply(order_id, event, cause)
        self.book = result.book
        if by_the_venue:
            self.derived.append(Derived(order_id, event, cause))
        self.derived.extend(result.derived)


def _in_play(book: OrderBook, order_ids: list[str]) -> list[DecimalOrder]:
    """The orders of ``order_ids`` working in ``book`` and not waiting for a stop:
    those that can trade on the bar."""
    orders = (book.orders[order_id] for order_id in order_ids)
    return [
        order for order in orders
        if order.status in WORKING_STATUSES and not waiting_for_stop(order)
    ]


def _taking_text(order: DecimalOrder, limit: Decimal, met: Decimal) -> str:
    """Why a post-only order with ``limit``, which would take liquidity at ``met``,
    is rejected."""
    side, relation = ("buy", "at or above") if order.is_buy else ("sell", "at or below")
    return (
        f"post-only: the {side} limit {decimal_text(limit)} is {relation} "
        f"{decimal_text(met)}, the price it met, so it would take liquidity; a post-only "
        f"{side} must rest {'below' if order.is_buy else 'above'} the price it meets"
    )


def _one_tick_away(order: DecimalOrder, met: Decimal) -> Decimal:
    """The limit one tick of the order's asset away from ``met``, on the side where
    it rests (below for a buy, above for a sell)."""
    asset = order.terms.asset
    if not isinstance(asset, Asset):
        raise BadOrderParameters(
            f"the venue reprices post-only order {order.id} one tick away from "
            f"{decimal_text(met)}, but its asset {quote(asset)} has no tick; trade an Asset, "
            "which has one, or use post_only='reject'"
        )
    tick = asset.tick_size
    return exact_subtract(met, tick) if order.is_buy else exact_add(met, tick)


def _bar_reaches(order: DecimalOrder, bar: Bar) -> bool:
    """True when ``bar`` trades at or better than the order's limit somewhere in its range."""
    limit = order.terms.limit
    assert limit is not None  # a repriced order has one
    return limit_reachable(order.is_buy, limit, bar.low if order.is_buy else bar.high)


def _check_in_time(
    book: OrderBook, asset: Hashable, bar: Bar, dt: datetime, judged: list[str]
) -> None:
    """Refuse ``bar``, at ``dt``, when it comes at or before the last change of a
    working order of ``asset`` in ``book`` that it moves, fills or judges (found
    in the book before the bar, so an order the book leaves alone is checked too)."""
    for order_id in (*book.moved_by_bar(asset, bar), *book.fillable(asset), *judged):
        order = book.orders[order_id]
        if dt > order.dt:
            continue
        relation = "before" if dt < order.dt else "at the time of"
        raise BadOrderParameters(
            f"the bar of {asset} at {dt.isoformat()} is {relation} the last change of order "
            f"{order.id} at {order.dt.isoformat()} (created {order.created.isoformat()}); the "
            f"venue takes a bar only after the last change of every working order of {asset} "
            "it moves or fills"
        )


def _fill_id(order: DecimalOrder, dt: datetime) -> str:
    """A fill id of its own for each fill the venue makes: the bar's time, the
    order, and the place the fill takes in the order's history (``event 3``: the
    third event applied to it), which grows with every fill, with or without an id."""
    return f"bar {dt.isoformat()} order {order.id} event {order.version + 1}"


def _run(model: object, order: DecimalOrder, call: Callable[[], object]) -> object:
    """What ``call`` of ``model`` returns for ``order``; an arithmetic error in the
    model is refused naming it."""
    try:
        return call()
    except ArithmeticError as exc:
        raise BadOrderParameters(
            f"the model {_model_name(model)} failed on order {order.id} with "
            f"{type(exc).__name__}; a model returns its result, exact, without raising"
        ) from exc


def _slippage_result(
    model: SlippageModel, order: DecimalOrder, result: object
) -> tuple[Decimal, Decimal]:
    """``result``, the (quantity, price) ``model`` returned, after checking it is one."""
    if type(result) is not tuple or len(result) != 2:
        raise BadOrderParameters(
            f"the slippage model {_model_name(model)} returned {quote(result)} for order "
            f"{order.id}; a slippage model returns a tuple (quantity, price) of two Decimals "
            "or ints"
        )
    quantity, price = result
    return (_checked(model, order, "quantity", quantity),
            _checked(model, order, "price", price))


_BOUNDS: dict[str, Callable[[Decimal], Decimal]] = {
    "quantity": lambda value: to_decimal(value, "quantity", BadOrderParameters),
    "price": lambda value: non_negative_price(value, "price"),
    "commission": lambda value: to_decimal(value, "commission", BadOrderParameters),
}
"""How the venue reads each number a model returns, within the bounds of a Fill."""


def _checked(model: object, order: DecimalOrder, what: str, value: object) -> Decimal:
    """The ``what`` that ``model`` returned for ``order``: a finite Decimal, or an
    int (exact), within the bounds of a Fill; anything else is refused."""
    if type(value) is not int and not (isinstance(value, Decimal) and value.is_finite()):
        _refuse(model, order, what, f"is {quote(value)}; a model returns finite Decimals or ints")
    try:
        return _BOUNDS[what](value)  # type: ignore[arg-type]
    except OrderError as exc:
        _refuse(model, order, what, f"is refused: {exc}")


def _check_quantity(model: object, order: DecimalOrder, quantity: Decimal, left: Decimal) -> None:
    """Refuse a quantity over what ``order`` has ``left``, or off its asset's increment."""
    if quantity > left:
        _refuse(model, order, "quantity",
                f"is {decimal_text(quantity)}, more than the {decimal_text(left)} the order "
                "has left; a slippage model fills at most the quantity it is given")
    try:
        check_quantity_increment(quantity, order.terms.asset, "quantity")
    except OrderError as exc:
        _refuse(model, order, "quantity", f"is refused: {exc}")


def _refuse(model: object, order: DecimalOrder, what: str, detail: str) -> NoReturn:
    raise BadOrderParameters(
        f"the {what} the model {_model_name(model)} returned for order {order.id} {detail}"
    ) from None


def _model_name(model: object) -> str:
    """A function's name, or a model instance's repr."""
    name = getattr(model, "__name__", None)
    return name if isinstance(name, str) else quote(model)


def _bounded(order: DecimalOrder, price: Decimal, bar: Bar) -> Decimal:
    """``price`` within the bar's range, and not past the order's limit."""
    price = min(max(price, bar.low), bar.high)
    limit = order.terms.limit
    if limit is None:
        return price
    return min(price, limit) if order.terms.amount > 0 else max(price, limit)


def fill_prices_markdown() -> str:
    """The fill rule of each kind of order, as a Markdown table from the code."""
    rows = ["| order kind | rule | what it says |", "| --- | --- | --- |"]
    for kind, rule in FILL_PRICES.items():
        summary = " ".join((rule.__doc__ or "").split())
        rows.append(f"| `{kind.name}` | `{rule.__name__}` | {summary} |")
    return "\n".join(rows)
