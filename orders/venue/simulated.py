"""A simulated venue: the fills a venue would make on a bar, by documented rules.

:class:`SimulatedVenue` is a frozen value holding a slippage and a commission
model (:mod:`orders.venue.costs`). Given a book and a bar of one asset,
:meth:`SimulatedVenue.on_bar` first lets the book see the bar
(:meth:`~orders.book.OrderBook.on_bar`: stops trigger, trailing stops ratchet
with the close, limit flags follow the range), then fills every order that
can trade on it, each at the price its rule in :data:`FILL_PRICES` gives. The
fills go through the book, so OCO groups and brackets react to them at once.

The orders that meet a bar are those the book holds when it arrives: an order
placed, or an exit leg released or created, while the bar is processed meets
the next bar. So a host decides on a bar's close and its orders meet the bar
after, as in backtrader.

Within a bar, the fills happen in the order their prices would have traded on
the bar's path: the open, then the extreme nearer to it (the high when both
are as near), then the other extreme, then the close. Where two orders fill at
the same point, the older (by ``created``, then id) goes first. The order
matters when a fill cancels or reduces another order, or shares the bar's
volume with it.

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

from collections.abc import Callable, Hashable, Set
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NoReturn

import attrs
import immutables

from orders._checks import check_type, decimal_text, quote
from orders.assets import Asset, check_asset, check_quantity_increment
from orders.book.audit import Cause
from orders.book.orderbook import Derived, OrderBook
from orders.decimals import exact_add, exact_subtract, non_negative_price, to_decimal
from orders.errors import BadOrderParameters, OrderError
from orders.events import Amend, Bar, Event, Expire, Fill, Reject, Trigger
from orders.order.pricing import limit_reachable
from orders.order.terms import OrderTerms
from orders.order.value import DecimalOrder, waiting_for_stop
from orders.statuses import WORKING_STATUSES, OrderType, TimeInForce
from orders.venue.costs import CommissionModel, NoCommission, NoSlippage, SlippageModel
from orders.venue.positions import Execution

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
_POST_ONLY_REPRICE = Cause("post_only_reprices_a_taker")
_AFTER_THE_BAR = (4, _ZERO)
"""Where on a bar's path an IOC or FOK order the bar does not fill expires: after
everything the bar fills."""


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
    what the book derived (triggers, ratchets, and the links' consequences)."""

    book: OrderBook
    executions: tuple[Execution, ...]
    derived: tuple[Derived, ...]


def _model(kind: str, example: str) -> Any:
    """An ``attrs`` validator refusing a field that is not a ``kind`` model instance."""

    def validate(_: object, attribute: Any, value: object) -> None:
        if isinstance(value, type) or not callable(value):
            raise BadOrderParameters(
                f"{attribute.name} must be a {kind} model: an instance such as {example}, "
                f"or a function taking the same arguments; got {quote(value)}"
            )

    return validate


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
    order that would take liquidity: reject it, or reprice it one tick away."""

    slippage: SlippageModel = attrs.field(
        factory=NoSlippage, validator=_model("slippage", "NoSlippage()")
    )
    commission: CommissionModel = attrs.field(
        factory=NoCommission, validator=_model("commission", "NoCommission()")
    )
    post_only: PostOnly = attrs.field(default="reject", validator=_post_only_choice)

    def on_bar(self, book: OrderBook, asset: Hashable, bar: Bar, dt: datetime) -> VenueResult:
        """The fills ``bar`` of ``asset``, at time ``dt``, gives the orders of ``book``.

        The bar must come after the last change of every working order of
        ``asset`` it moves or fills: a bar repeated, or older than such an
        order, is refused with :class:`~orders.errors.BadOrderParameters`, and
        nothing changes. A model's failure or unusable result is refused the
        same way, naming the model.
        """
        check_type("book", book, OrderBook)
        check_type("dt", dt, datetime)
        check_asset(asset)
        immediate, post_only = book.immediate_orders(asset), book.post_only_orders(asset)
        seen = book.on_bar(asset, bar, dt)
        _check_in_time(book, asset, bar, dt, [*immediate, *post_only])
        triggered = {
            item.order_id: item.event.price
            for item in seen.derived
            if type(item.event) is Trigger and item.event.price is not None
        }
        run = _Run(seen.book, list(seen.derived))
        judging = post_only or asset in book.post_only_rested
        repriced: set[str] = set()
        arriving: Set[str] = (
            self._judge_post_only(run, post_only, bar, triggered, repriced) if judging else _NONE
        )
        if triggered:  # an IOC or FOK stop it triggered has this bar
            immediate = run.book.immediate_orders(asset)
        executions: list[Execution] = []
        traded = _ZERO
        for order_id, price in _turns(run.book, asset, bar, triggered, repriced, immediate):
            order = run.book.orders[order_id]
            if order.status not in WORKING_STATUSES:
                continue  # a fill earlier on this bar ended it, through its links
            if order_id in arriving and self._takes(run, order, triggered[order_id], repriced):
                continue  # a post-only stop-limit judged where the bar triggered it
            fill = None if price is None else self._fill(order, price, bar, traded, dt)
            if fill is not None:
                run.apply(order_id, fill, Cause(FILL_PRICES[order.order_type].__name__),
                          by_the_venue=False)
                executions.append(Execution.of(order, fill))
                traded = exact_add(traded, fill.quantity)
            if order.terms.time_in_force.is_immediate and (
                run.book.orders[order_id].status in WORKING_STATUSES
            ):
                run.apply(order_id, Expire(dt), _TRADES_ONCE)
        if judging:
            rested = _in_play(run.book, post_only)
            run.book = run.book.with_rested(
                asset, immutables.Map({order.id: order.terms for order in rested})
            )
        return VenueResult(run.book, tuple(executions), tuple(run.derived))

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


def _turns(
    book: OrderBook,
    asset: Hashable,
    bar: Bar,
    triggered: dict[str, Decimal],
    repriced: Set[str],
    immediate: list[str],
) -> list[tuple[str, Decimal | None]]:
    """The orders that may fill or expire on ``bar``, each with the price its rule
    gives (None for an IOC or FOK order the bar does not reach, which only
    expires), in the order they come on the bar's path."""
    queue: list[tuple[tuple[int, Decimal], datetime, str, Decimal | None]] = []
    for order_id in book.fillable(asset):
        order = book.orders[order_id]
        if order_id in repriced and (order_id in triggered or not _bar_reaches(order, bar)):
            continue  # repriced after a trigger: whether the bar came back is not known
        kind = order.terms.order_type
        price = FILL_PRICES[kind](order, bar, triggered.get(order_id))
        place = _along_the_bar(bar, price, at_close=kind is OrderType.MARKET_ON_CLOSE)
        queue.append((place, order.terms.created, order_id, price))
    if immediate:
        queued = {order_id for _, _, order_id, _ in queue}
        queue.extend(
            (_AFTER_THE_BAR, order.terms.created, order.id, None)
            for order in _in_play(book, immediate)
            if order.id not in queued
        )
    queue.sort()
    return [(order_id, price) for _, _, order_id, price in queue]


class _Run:
    """The book as one bar changes it, and what was derived on the way."""

    def __init__(self, book: OrderBook, derived: list[Derived]) -> None:
        self.book = book
        self.derived = derived

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
    return f"bar {dt.isoformat()} order {order.id} event {len(order.history) + 1}"


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


def _along_the_bar(bar: Bar, price: Decimal, at_close: bool) -> tuple[int, Decimal]:
    """Where ``price`` is first met on the bar's path (open, nearer extreme, other
    extreme, close): the leg of the path, and the distance along it."""
    if at_close:
        return (3, _ZERO)
    up = exact_subtract(bar.high, bar.open)
    down = exact_subtract(bar.open, bar.low)
    points = (bar.open, bar.high, bar.low, bar.close) if up <= down else (
        bar.open, bar.low, bar.high, bar.close
    )
    for leg in range(3):
        start, end = points[leg], points[leg + 1]
        if min(start, end) <= price <= max(start, end):
            return (leg, exact_subtract(price, start).copy_abs())
    return (3, _ZERO)


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
