"""Hypothesis strategies for property-testing code built on `orders`.

Install with ``pip install orders[testing]``. Every strategy builds values
through the public API, so whatever it draws is valid: orders of every type,
fills that fit them, lifecycles that the state machine accepts, books with
linked orders. Keyword arguments narrow what is drawn (asset, side, status
reached, number of fills, price range).

The package registers these strategies with Hypothesis through its
``hypothesis`` entry point (:mod:`orders._hypothesis_plugin`), so
``st.from_type(DecimalOrder)``, ``st.from_type(Fill)`` and the like work in a
project that has `orders` installed, without importing anything.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "orders.strategies needs Hypothesis: pip install 'orders[testing]'"
    ) from error

from orders.assets import Asset
from orders.book import LinkMode, OrderBook
from orders.decimals import EXACT, exact_multiply
from orders.errors import OrderError
from orders.events import (
    Amend,
    Bar,
    BarUpdate,
    Cancel,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    PriceUpdate,
    Reject,
    Release,
    Trigger,
)
from orders.linked import bracket_orders, oco_orders
from orders.machine import apply
from orders.order import DecimalOrder
from orders.order_type import OrderType
from orders.status import ORDER_STATUS
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)

__all__ = [
    "assets",
    "bars",
    "books",
    "events",
    "fills",
    "lifecycles",
    "orders",
    "price_paths",
    "prices",
    "styles",
]

T0 = datetime(2024, 1, 15, 14, 30)
PriceRange = tuple[Decimal | int | str, Decimal | int | str]
"""The lowest and highest price a strategy may draw."""
exact_divide_int = EXACT.divide_int
_SINGLE_TYPES = tuple(OrderType)


def prices(
    min_value: Decimal | int | str = "1", max_value: Decimal | int | str = "1000", places: int = 2
) -> st.SearchStrategy[Decimal]:
    """Positive prices with ``places`` decimals between the bounds."""
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=places)


def assets(symbols: Sequence[str] = ("AAPL", "MSFT", "BTC")) -> st.SearchStrategy[Asset]:
    """:class:`~orders.assets.Asset` values: equities on a cent grid, or a crypto pair."""
    return st.builds(
        Asset,
        st.sampled_from(list(symbols)),
        tick_size=st.sampled_from([Decimal("0.01"), Decimal("0.05")]),
        quantity_increment=st.sampled_from([Decimal("1"), Decimal("0.001")]),
    )


def styles(
    *, linked: bool = True, price_range: PriceRange = ("1", "1000")
) -> st.SearchStrategy[ExecutionStyle]:
    """Execution styles; ``linked=False`` leaves out OCO and bracket styles."""
    price = prices(*price_range)
    single = st.one_of(
        st.builds(MarketOrder),
        st.builds(MarketOnCloseOrder),
        st.builds(LimitOrder, price),
        st.builds(StopOrder, price),
        st.builds(StopLimitOrder, price, price),
        st.builds(TrailingStopOrder, trail_amount=price),
        st.builds(TrailingStopOrder, trail_percent=prices("0.001", "0.5", 3)),
        st.builds(TrailingStopLimitOrder, trail_amount=price, limit_offset=prices("0", "5")),
    )
    if not linked:
        return single
    return st.one_of(single, st.builds(OCOOrder, single, single), _bracket_styles(price))


@st.composite
def _bracket_styles(draw: st.DrawFn, price: st.SearchStrategy[Decimal]) -> BracketOrder:
    low, middle, high = sorted(draw(st.lists(price, min_size=3, max_size=3, unique=True)))
    entry = draw(st.sampled_from([MarketOrder(), LimitOrder(middle), StopOrder(middle)]))
    stop_loss, take_profit = draw(st.permutations([low, high]))
    return BracketOrder(entry, stop_loss, take_profit)


@st.composite
def orders(
    draw: st.DrawFn,
    *,
    asset: Hashable | None = None,
    side: int | None = None,
    order_type: OrderType | str | None = None,
    status: ORDER_STATUS | None = None,
    max_fills: int = 4,
    price_range: PriceRange = ("1", "1000"),
    start: datetime = T0,
) -> DecimalOrder:
    """A valid order, moved by valid events to ``status`` when one is asked for.

    ``side`` is 1 (buy) or -1 (sell); ``max_fills`` bounds the fills applied.
    ``start`` is when the order is created, and its kind (naive, or aware with a
    time zone) is that of every datetime drawn with it.
    """
    initial, history = draw(
        lifecycles(asset=asset, side=side, order_type=order_type, status=status,
                   max_fills=max_fills, price_range=price_range, start=start)
    )
    order = initial
    for event in history:
        order = apply(order, event)
    return order


@st.composite
def fills(
    draw: st.DrawFn,
    order: DecimalOrder | None = None,
    *,
    price_range: PriceRange = ("1", "1000"),
    fill_id: bool = True,
    start: datetime = T0,
) -> Fill:
    """A fill; given an ``order``, one whose quantity fits what remains of it and
    whose time, when it has one, is the order's."""
    increment = _ONE if order is None else _increment(order)
    room = 1000 if order is None else int(exact_divide_int(order.remaining.copy_abs(), increment))
    quantity = exact_multiply(draw(st.integers(1, max(room, 1))), increment)
    return Fill(
        quantity,
        draw(prices(*price_range)),
        draw(prices("0", "5")),
        draw(st.none() | st.just(start if order is None else order.dt)),
        draw(st.uuids().map(str)) if fill_id else None,
    )


def events(
    price_range: PriceRange = ("1", "1000"),
    start: datetime = T0,
    fill_ids: Sequence[str] = (),
) -> st.SearchStrategy[Event]:
    """Any event, well formed; whether an order accepts it is the state machine's call.

    Events that carry a time take ``start``, or a day after it. Corrections and
    busts name one of ``fill_ids`` when some are given (an order's fill ids make
    them apply), else a fresh id.
    """
    price = prices(*price_range)
    named = st.sampled_from(list(fill_ids)) if fill_ids else st.uuids().map(str)
    return st.one_of(
        fills(price_range=price_range, start=start),
        st.builds(Trigger, st.just(start)),
        st.builds(Hold, st.text(max_size=8)),
        st.just(Release()),
        st.builds(Cancel, st.text(max_size=8)),
        st.builds(Reject, st.text(max_size=8)),
        st.builds(Expire, st.just(start + timedelta(days=1))),
        st.builds(Amend, amount=st.integers(1, 500)),
        st.builds(Amend, limit=price),
        st.builds(Amend, stop=price),
        st.builds(FillCorrection, named, price=price),
        st.builds(FillBust, named),
        st.builds(PriceUpdate, price, st.just(start)),
        st.builds(BarUpdate, bars(price_range), st.just(start)),
    )


@st.composite
def bars(
    draw: st.DrawFn, price_range: PriceRange = ("1", "1000"), *, volume: bool | None = None
) -> Bar:
    """An OHLC bar within ``price_range``; with a volume when ``volume`` is True,
    without one when False, either way by default."""
    low, high = sorted(draw(st.lists(prices(*price_range), min_size=2, max_size=2)))
    open_, close = (draw(st.sampled_from([low, high]) | prices(str(low), str(high)))
                    for _ in range(2))
    with_volume = draw(st.booleans()) if volume is None else volume
    return Bar(open_, high, low, close,
               volume=draw(st.integers(0, 100_000)) if with_volume else None)


@st.composite
def price_paths(
    draw: st.DrawFn,
    price_range: PriceRange = ("1", "1000"),
    *,
    min_size: int = 1,
    max_size: int = 20,
    start: datetime = T0,
    step: timedelta = timedelta(minutes=1),
) -> list[tuple[datetime, Decimal]]:
    """Trade prices in time order, ``step`` apart from ``start``, each within
    ``price_range``; consecutive prices repeat or jump as a market's do."""
    values = draw(st.lists(prices(*price_range), min_size=min_size, max_size=max_size))
    return [(start + step * index, value) for index, value in enumerate(values)]


@st.composite
def lifecycles(
    draw: st.DrawFn,
    *,
    asset: Hashable | None = None,
    side: int | None = None,
    order_type: OrderType | str | None = None,
    status: ORDER_STATUS | None = None,
    max_fills: int = 4,
    max_events: int = 8,
    price_range: PriceRange = ("1", "1000"),
    start: datetime = T0,
) -> tuple[DecimalOrder, list[Event]]:
    """A start order and events the state machine accepts, in order.

    With ``status`` the lifecycle ends there (OPEN, HELD, TRIGGERED,
    PARTIALLY_FILLED, FILLED, CANCELLED or REJECTED); its earlier events are
    then partial fills that keep that status reachable.
    """
    if status is ORDER_STATUS.TRIGGERED and order_type is None:
        order_type = draw(st.sampled_from([kind for kind in OrderType if kind.has_stop]))
    initial = _initial_order(draw, asset, side, order_type, price_range, start)
    order, fills_left = initial, max_fills
    for _ in range(draw(st.integers(0, max_events))):
        if status is None:
            event = draw(_next_event(order, fills_left, price_range, start))
        elif status in _NEEDS_OPEN or fills_left <= 0:
            break
        else:
            event = draw(_partial_fill(order, price_range))
        if event is None:
            break
        try:
            moved = apply(order, event)
        except OrderError:
            continue
        if moved is not order:
            order = moved
            fills_left -= type(event) is Fill
    if status is not None:
        for event in _route(draw, order, status, price_range):
            order = apply(order, event)
    # The order's own history: a market update that another replaced is not in it.
    return initial, list(order.history)


def _initial_order(
    draw: st.DrawFn,
    asset: Hashable | None,
    side: int | None,
    order_type: OrderType | str | None,
    price_range: PriceRange,
    start: datetime,
) -> DecimalOrder:
    chosen_asset = asset if asset is not None else draw(st.sampled_from(["XYZ", Asset("ABC")]))
    direction = side if side is not None else draw(st.sampled_from([1, -1]))
    kind = OrderType(order_type) if order_type is not None else draw(st.sampled_from(_SINGLE_TYPES))
    price = prices(*price_range)
    terms: dict[str, Any] = {}
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        terms["limit"] = draw(price)
    if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
        terms["stop"] = draw(price)
    if kind.is_trailing:
        terms["trail_amount"] = draw(price)
    if kind is OrderType.TRAILING_STOP_LIMIT:
        terms["limit_offset"] = draw(prices("0", "5"))
    amount = draw(st.integers(1, 1000)) * direction
    return DecimalOrder(start, chosen_asset, amount, kind, id=draw(st.uuids()).hex, **terms)


def _next_event(
    order: DecimalOrder, fills_left: int, price_range: PriceRange, start: datetime
) -> st.SearchStrategy[Event | None]:
    choices: list[st.SearchStrategy[Event | None]] = [
        events(price_range, start, fill_ids=sorted(order.fills)), st.none()
    ]
    if fills_left > 0 and order.remaining:
        choices.append(fills(order, price_range=price_range))
    return st.one_of(choices)


_NEEDS_OPEN = frozenset({ORDER_STATUS.OPEN, ORDER_STATUS.HELD, ORDER_STATUS.TRIGGERED})


@st.composite
def _partial_fill(draw: st.DrawFn, order: DecimalOrder, price_range: PriceRange) -> Fill | None:
    """A fill that leaves at least one quantity increment unfilled, or None."""
    increment = _increment(order)
    room = int(exact_divide_int(order.remaining.copy_abs(), increment))
    if room < 2:
        return None
    quantity = exact_multiply(draw(st.integers(1, room - 1)), increment)
    return Fill(quantity, draw(prices(*price_range)), fill_id=draw(st.uuids()).hex)


def _route(
    draw: st.DrawFn, order: DecimalOrder, target: ORDER_STATUS, price_range: PriceRange
) -> list[Event]:
    """Events that take ``order`` to ``target``; a draw with no such route is rejected."""
    if order.status is target:
        return []
    increment = _increment(order)
    remaining = order.remaining.copy_abs()
    price = draw(prices(*price_range))
    fill_id = draw(st.uuids()).hex
    if target is ORDER_STATUS.FILLED and order.open:
        return [Fill(remaining, price, fill_id=fill_id)]
    if target is ORDER_STATUS.PARTIALLY_FILLED and order.open and remaining > increment:
        return [Fill(increment, price, fill_id=fill_id)]
    if target in _ENDINGS and order.open:
        return [_ENDINGS[target]]
    assume(order.status is ORDER_STATUS.OPEN and target in _FROM_OPEN)
    assume(target is not ORDER_STATUS.TRIGGERED or order.order_type.has_stop)
    return [Trigger(order.dt) if target is ORDER_STATUS.TRIGGERED else Hold("drawn")]


_ONE = Decimal(1)


def _increment(order: DecimalOrder) -> Decimal:
    """The smallest quantity the order's asset trades (1 for a plain identifier)."""
    return order.asset.quantity_increment if isinstance(order.asset, Asset) else _ONE
_ENDINGS: dict[ORDER_STATUS, Event] = {
    ORDER_STATUS.CANCELLED: Cancel("drawn"),
    ORDER_STATUS.REJECTED: Reject("drawn"),
}
_FROM_OPEN = frozenset({ORDER_STATUS.HELD, ORDER_STATUS.TRIGGERED})


@st.composite
def books(
    draw: st.DrawFn,
    *,
    max_brackets: int = 2,
    max_oco_pairs: int = 2,
    price_range: PriceRange = ("50", "150"),
    start: datetime = T0,
) -> OrderBook:
    """A book holding brackets and OCO pairs on one asset, some of them filled,
    created at ``start``."""
    book = OrderBook()
    for _ in range(draw(st.integers(0, max_brackets))):
        style = draw(_bracket_styles(prices(*price_range)))
        assert style.take_profit_price is not None
        long = style.stop_loss_price < style.take_profit_price
        size = draw(st.integers(1, 100))
        orders_ = bracket_orders(start, "XYZ", size if long else -size, style)
        book = book.submit(*orders_).book
        if draw(st.booleans()):
            entry_fill = Fill(draw(st.integers(1, size)), style.stop_loss_price)
            book = book.apply(orders_[0].id, entry_fill).book
    for _ in range(draw(st.integers(0, max_oco_pairs))):
        pair = oco_orders(
            start, "XYZ", -draw(st.integers(1, 100)),
            OCOOrder(LimitOrder(draw(prices(*price_range))), StopOrder(draw(prices(*price_range)))),
        )
        book = book.submit(*pair, link_mode=draw(st.sampled_from(list(LinkMode)))).book
    return book
