"""A simulated venue: the fills a venue would make on a bar, by documented rules.

:class:`SimulatedVenue` is a frozen value holding a slippage and a commission
model (:mod:`orders.costs`). Given a book and a bar of one asset,
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
never outside the bar's range, and never past the order's limit.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable
from datetime import datetime
from decimal import Decimal

import attrs

from orders import _index
from orders._checks import check_type
from orders.book import Derived, OrderBook
from orders.costs import CommissionModel, NoCommission, NoSlippage, SlippageModel
from orders.decimals import EXACT_DIGITS, exact_add, exact_subtract
from orders.errors import ExactnessError
from orders.events import Bar, Fill, Trigger
from orders.market import limit_reachable
from orders.order import DecimalOrder
from orders.order_type import OrderType
from orders.positions import Execution
from orders.status import ORDER_STATUS

__all__ = [
    "FILL_PRICES",
    "SimulatedVenue",
    "VenueResult",
    "fill_prices_markdown",
]

_ZERO = Decimal(0)
_WORKING = frozenset({ORDER_STATUS.OPEN, ORDER_STATUS.TRIGGERED, ORDER_STATUS.PARTIALLY_FILLED})


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
    It fills only when the book flags its limit as reached on this bar."""
    start = bar.open if trigger is None else trigger
    limit = order.terms.limit
    assert limit is not None
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


@attrs.frozen
class SimulatedVenue:
    """Fills orders on bars by the rules of :data:`FILL_PRICES`, with a slippage
    and a commission model."""

    slippage: SlippageModel = attrs.field(factory=NoSlippage)
    commission: CommissionModel = attrs.field(factory=NoCommission)

    def on_bar(self, book: OrderBook, asset: Hashable, bar: Bar, dt: datetime) -> VenueResult:
        """The fills ``bar`` of ``asset``, at time ``dt``, gives the orders of ``book``."""
        check_type("book", book, OrderBook)
        check_type("dt", dt, datetime)
        seen = book.on_bar(asset, bar, dt)
        triggered = {
            item.order_id: item.event.price
            for item in seen.derived
            if type(item.event) is Trigger and item.event.price is not None
        }
        book = seen.book
        queue = []
        for order_id in _index.fillable(book.index, asset):
            order = book.orders[order_id]
            kind = order.terms.order_type
            price = FILL_PRICES[kind](order, bar, triggered.get(order_id))
            place = _along_the_bar(bar, price, at_close=kind is OrderType.MARKET_ON_CLOSE)
            queue.append((place, order.terms.created, order_id, price))
        queue.sort()
        derived = list(seen.derived)
        executions: list[Execution] = []
        traded = _ZERO
        fill_id = f"bar {dt.isoformat()}"
        for _, _, order_id, price in queue:
            order = book.orders[order_id]
            if order.status not in _WORKING:
                continue  # a fill earlier on this bar ended it, through its links
            priced = self._price(order, price, bar, traded)
            if priced is None:
                continue
            quantity, price, commission = priced
            fill = Fill(quantity, price, commission, dt, fill_id)
            result = book.apply(order_id, fill)
            book = result.book
            derived.extend(result.derived)
            executions.append(Execution.of(order, fill))
            traded = exact_add(traded, quantity)
        return VenueResult(book, tuple(executions), tuple(derived))


    def _price(
        self, order: DecimalOrder, price: Decimal, bar: Bar, traded: Decimal
    ) -> tuple[Decimal, Decimal, Decimal] | None:
        """The quantity, price and commission of the fill of ``order`` at the rule's
        ``price``, or None when the slippage model fills nothing."""
        try:
            quantity, slipped = self.slippage(
                order, price, order.remaining.copy_abs(), bar, traded
            )
            if quantity <= 0:
                return None
            price = _bounded(order, slipped, bar)
            return quantity, price, self.commission(order, quantity, price)
        except decimal.DecimalException as exc:
            raise ExactnessError(
                f"the fill of order {order.id} at {price} needs a number beyond "
                f"{EXACT_DIGITS} exact digits ({type(exc).__name__})"
            ) from None


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
