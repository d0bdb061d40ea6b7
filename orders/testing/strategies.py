"""Hypothesis strategies for property-testing code built on `orders`.

Needs the ``testing`` extra (Hypothesis). Every strategy builds values
through the public API, so whatever it draws is valid: orders of every type,
fills that fit them, lifecycles that the state machine accepts, books with
linked orders. Keyword arguments narrow what is drawn (asset, side, status
reached, number of fills, validity, links, price range, the kind of time).

Times are drawn naive or aware (UTC or another fixed offset) unless a
``start`` is given; every datetime drawn with one value is of the kind of its
``start``, as the library requires.

The package registers these strategies with Hypothesis through its
``hypothesis`` entry point (:func:`orders.testing.plugin.setup`), so
``st.from_type(DecimalOrder)``, ``st.from_type(Fill)`` and the like work in a
project that has `orders` installed, without importing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from orders._extras import missing_extra

try:
    from hypothesis import assume, strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise missing_extra("orders.testing.strategies", "testing") from error

from orders.assets import Asset
from orders.book.build import bracket_orders
from orders.book.orderbook import LinkMode, OrderBook
from orders.book.rules import at_the_venue
from orders.decimals import EXACT, exact_multiply
from orders.errors import OrderError
from orders.events import (
    Acknowledged,
    Amend,
    Bar,
    BarUpdate,
    Cancel,
    CancelRejected,
    CancelRequested,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    NewRequested,
    PriceUpdate,
    Reject,
    Release,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    Request,
    Trigger,
)
from orders.order.machine import apply
from orders.order.value import DecimalOrder
from orders.statuses import (
    ORDER_STATUS,
    UNFILLED_STATUSES,
    WORKING_STATUSES,
    OrderType,
    RequestRejectReason,
    TimeInForce,
)
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
    "linked_groups",
    "orders",
    "price_paths",
    "prices",
    "starts",
    "styles",
    "venue_sessions",
]

T0 = datetime(2024, 1, 15, 14, 30)
PriceRange = tuple[Decimal | int | str, Decimal | int | str]
"""The lowest and highest price a strategy may draw."""
exact_divide_int = EXACT.divide_int
_SINGLE_TYPES = tuple(OrderType)
_ZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30)))


def starts(aware: bool | None = None) -> st.SearchStrategy[datetime]:
    """Creation times within a year of 2024-01-15 14:30: naive, or aware in UTC
    or another fixed offset; ``aware`` True or False asks for one kind."""
    naive: st.SearchStrategy[timezone | None] = st.none()
    zones = {None: naive | st.sampled_from(_ZONES), True: st.sampled_from(_ZONES), False: naive}
    return st.builds(
        lambda days, minutes, zone: (T0 + timedelta(days=days, minutes=minutes)).replace(
            tzinfo=zone
        ),
        st.integers(0, 365),
        st.integers(0, 600),
        zones[aware],
    )


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
def _bracket_styles(
    draw: st.DrawFn, price: st.SearchStrategy[Decimal], *, trailing: bool = False
) -> BracketOrder:
    low, middle, high = sorted(draw(st.lists(price, min_size=3, max_size=3, unique=True)))
    entry = draw(st.sampled_from([MarketOrder(), LimitOrder(middle), StopOrder(middle)]))
    stop_loss, take_profit = draw(st.permutations([low, high]))
    trail = None
    if trailing and draw(st.booleans()):
        trail = TrailingStopOrder(trail_amount=abs(take_profit - stop_loss) / 2)
    return BracketOrder(entry, stop_loss, take_profit, stop_loss_trail=trail)


@st.composite
def orders(
    draw: st.DrawFn,
    *,
    asset: Hashable | None = None,
    side: int | None = None,
    order_type: OrderType | str | None = None,
    status: ORDER_STATUS | None = None,
    min_fills: int = 0,
    max_fills: int = 4,
    time_in_force: TimeInForce | str | None = None,
    linked: bool = True,
    price_range: PriceRange = ("1", "1000"),
    start: datetime | None = None,
) -> DecimalOrder:
    """A valid order, moved by valid events to ``status`` when one is asked for.

    The keywords are those of :func:`lifecycles`.
    """
    initial, history = draw(
        lifecycles(asset=asset, side=side, order_type=order_type, status=status,
                   min_fills=min_fills, max_fills=max_fills, time_in_force=time_in_force,
                   linked=linked, price_range=price_range, start=start)
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
    start: datetime | None = None,
) -> Fill:
    """A fill; given an ``order``, one whose quantity fits what remains of it and
    whose time, when it has one, is the order's (else ``start``, drawn by default)."""
    if order is None and start is None:
        start = draw(starts())
    if order is None:
        quantity = Decimal(draw(st.integers(1, 1000)))
    else:  # a filled order still gets a fill of one increment, which it refuses
        quantity = _quantity(draw, order) or _increment(order)
    return Fill(
        quantity,
        draw(prices(*price_range)),
        draw(prices("0", "5")),
        draw(st.none() | st.just(start if order is None else order.dt)),
        draw(st.uuids().map(str)) if fill_id else None,
    )


def events(
    price_range: PriceRange = ("1", "1000"),
    start: datetime | None = None,
    fill_ids: Sequence[str] = (),
) -> st.SearchStrategy[Event]:
    """Any event, well formed; whether an order accepts it is the state machine's call.

    Events that carry a time take ``start`` (drawn by default), or a day after
    it. Corrections and busts name one of ``fill_ids`` when some are given (an
    order's fill ids make them apply), else a fresh id.
    """
    if start is None:
        return starts().flatmap(lambda drawn: events(price_range, drawn, fill_ids))
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
    start: datetime | None = None,
    step: timedelta = timedelta(minutes=1),
) -> list[tuple[datetime, Decimal]]:
    """Trade prices in time order, ``step`` apart from ``start`` (drawn by
    default), each within ``price_range``; consecutive prices repeat or jump as a
    market's do."""
    if start is None:
        start = draw(starts())
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
    min_fills: int = 0,
    max_fills: int = 4,
    max_events: int = 8,
    time_in_force: TimeInForce | str | None = None,
    linked: bool = True,
    price_range: PriceRange = ("1", "1000"),
    start: datetime | None = None,
) -> tuple[DecimalOrder, list[Event]]:
    """A start order and events the state machine accepts, in order.

    - ``asset``, ``side`` (1 buys, -1 sells) and ``order_type`` fix the order's
      terms; by default they are drawn (an Asset or a plain identifier).
    - With ``status`` the lifecycle ends there (OPEN, HELD, TRIGGERED,
      PARTIALLY_FILLED, FILLED, CANCELLED or REJECTED); its earlier events are
      then partial fills that keep that status reachable.
    - ``min_fills`` and ``max_fills`` bound the fills applied; ``max_events``
      the events drawn before the route to ``status``.
    - ``time_in_force`` fixes the validity (GTC, GTD, DAY, IOC or FOK; GTD and DAY
      with a ``valid_until``); by default it is drawn, mostly GTC. An order with
      a limit is sometimes post-only.
    - With ``linked`` (the default) the order is sometimes one member of an OCO
      group or of a bracket, so its ``linked_order_ids`` or ``parent_order_id``
      name the others (which are not drawn: see :func:`linked_groups`).
    - ``start`` is when the order is created (drawn by default, naive or aware);
      every datetime of the lifecycle is of its kind.
    """
    if min_fills > max_fills:
        raise InvalidArgument(f"min_fills={min_fills} exceeds max_fills={max_fills}")
    if min_fills and status in UNFILLED_STATUSES:
        raise InvalidArgument(f"an order with fills cannot end {status.name}")
    route_fills = _fills_of_the_route(status, min_fills)
    if status is not None and min_fills + route_fills > max_fills:
        raise InvalidArgument(
            f"an order that ends {status.name} after min_fills={min_fills} "
            f"needs max_fills >= {min_fills + route_fills}, not {max_fills}"
        )
    if start is None:
        start = draw(starts())
    if status is ORDER_STATUS.TRIGGERED and order_type is None:
        order_type = draw(st.sampled_from([kind for kind in OrderType if kind.has_stop]))
    initial = _initial_order(
        draw, asset, side, order_type, time_in_force, linked, price_range, start
    )
    order, fills_left = initial, max_fills - min_fills - route_fills
    for _ in range(min_fills):
        fill = draw(_partial_fill(order, price_range))
        assume(fill is not None)
        order = apply(order, fill)  # type: ignore[arg-type]
    for _ in range(draw(st.integers(0, max_events))):
        if status is None:
            event = draw(_next_event(order, fills_left, price_range, start))
        elif status in UNFILLED_STATUSES or fills_left <= 0:
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
    if status is None and fills_left > 0 and order.open and draw(st.integers(0, 3)) == 0:
        order = apply(order, Fill(order.remaining.copy_abs(), draw(prices(*price_range)),
                                  fill_id=draw(st.uuids()).hex))
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
    time_in_force: TimeInForce | str | None,
    linked: bool,
    price_range: PriceRange,
    start: datetime,
) -> DecimalOrder:
    chosen_asset = asset if asset is not None else draw(st.sampled_from(_ASSETS))
    direction = side if side is not None else draw(st.sampled_from([1, -1]))
    amount = draw(st.integers(1, 1000)) * direction * _increment_of(chosen_asset)
    validity = _validity(draw, time_in_force, start)
    if linked and order_type is None and draw(st.integers(0, 4)) == 0:
        group = draw(linked_groups(chosen_asset, amount, price_range=price_range, start=start,
                                   validity=validity))
        return draw(st.sampled_from(group))
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
    if kind.has_limit and draw(st.integers(0, 3)) == 0:
        terms["post_only"] = True
    return DecimalOrder(start, chosen_asset, amount, kind, id=draw(st.uuids()).hex,
                        **validity, **terms)


_ASSETS: list[Hashable] = ["XYZ", Asset("ABC"), Asset("BTC", tick_size="0.5",
                                                       quantity_increment="0.001")]


def _validity(
    draw: st.DrawFn, time_in_force: TimeInForce | str | None, start: datetime
) -> dict[str, Any]:
    """``time_in_force`` and ``valid_until`` keywords: mostly GTC unless one is asked for."""
    kind = (
        TimeInForce(time_in_force) if time_in_force is not None
        else draw(st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTC,
                                   TimeInForce.GTC, TimeInForce.GTD, TimeInForce.DAY,
                                   TimeInForce.IOC, TimeInForce.FOK]))
    )
    if kind is TimeInForce.GTC:
        return {}
    if not kind.takes_valid_until:
        return {"time_in_force": kind}
    minutes = draw(st.integers(1, 8 * 60))
    return {"time_in_force": kind, "valid_until": start + timedelta(minutes=minutes)}


@st.composite
def linked_groups(
    draw: st.DrawFn,
    asset: Hashable | None = None,
    amount: Decimal | int | None = None,
    *,
    max_oco_size: int = 5,
    price_range: PriceRange = ("1", "1000"),
    start: datetime | None = None,
    validity: dict[str, Any] | None = None,
) -> tuple[DecimalOrder, ...]:
    """Orders to submit together: an OCO group of 2 to ``max_oco_size`` members
    (limits and stops, each naming all the others), or a bracket's entry and exit
    legs (a take-profit or not, a fixed or a trailing stop-loss)."""
    if start is None:
        start = draw(starts())
    chosen_asset = asset if asset is not None else draw(st.sampled_from(_ASSETS))
    if amount is None:
        amount = draw(st.integers(1, 1000)) * draw(st.sampled_from([1, -1])) * _increment_of(
            chosen_asset)
    keywords = validity if validity is not None else {}
    if draw(st.booleans()):
        style = draw(_bracket_styles(_on_tick(chosen_asset, price_range), trailing=True))
        long = style.take_profit_price is None or style.stop_loss_price < style.take_profit_price
        size = Decimal(amount).copy_abs()
        count = 2 if style.take_profit_price is None else 3
        ids = [draw(st.uuids()).hex for _ in range(count)]  # drawn: a random id would make
        # the draws that follow depend on more than the data (exits are shared out by id)
        return bracket_orders(start, chosen_asset, size if long else -size, style, ids=ids,
                              **keywords)
    price = prices(*price_range)
    ids = [draw(st.uuids()).hex for _ in range(draw(st.integers(2, max(max_oco_size, 2))))]
    members = []
    for member in ids:
        terms: dict[str, Any] = {draw(st.sampled_from(["limit", "stop"])): draw(price)}
        members.append(DecimalOrder(
            start, chosen_asset, amount, id=member,
            linked_order_ids=tuple(other for other in ids if other != member),
            **terms, **keywords,
        ))
    return tuple(members)


def _on_tick(asset: Hashable, price_range: PriceRange) -> st.SearchStrategy[Decimal]:
    """Prices within ``price_range`` on the asset's tick (a cent for a plain identifier)."""
    tick = asset.tick_size if isinstance(asset, Asset) else _CENT
    low, high = (exact_divide_int(Decimal(bound), tick) for bound in price_range)
    return st.integers(int(low) + 1, max(int(high), int(low) + 1)).map(
        lambda ticks: exact_multiply(ticks, tick)
    )


_CENT = Decimal("0.01")


def _increment_of(asset: Hashable) -> Decimal:
    return asset.quantity_increment if isinstance(asset, Asset) else _ONE


def _next_event(
    order: DecimalOrder, fills_left: int, price_range: PriceRange, start: datetime
) -> st.SearchStrategy[Event | None]:
    any_event = events(price_range, start, fill_ids=sorted(order.fills))
    if fills_left <= 0:
        return any_event.filter(lambda event: type(event) is not Fill) | st.none()
    choices = [any_event, st.none()]
    if order.remaining:
        choices.append(fills(order, price_range=price_range))
    return st.one_of(choices)


def _fills_of_the_route(status: ORDER_STATUS | None, min_fills: int) -> int:
    """How many fills :func:`_route` may add to reach ``status`` after ``min_fills``
    partial fills: the last fill of a FILLED order, the first of a partial one."""
    if status is ORDER_STATUS.FILLED:
        return 1
    return int(status is ORDER_STATUS.PARTIALLY_FILLED and min_fills == 0)


@st.composite
def _partial_fill(draw: st.DrawFn, order: DecimalOrder, price_range: PriceRange) -> Fill | None:
    """A fill that leaves at least one quantity increment unfilled, or None."""
    quantity = _quantity(draw, order, leave=1)
    if quantity is None:
        return None
    return Fill(quantity, draw(prices(*price_range)), fill_id=draw(st.uuids()).hex)


def _quantity(draw: st.DrawFn, order: DecimalOrder, *, leave: int = 0) -> Decimal | None:
    """A whole number of the asset's increments that fits what remains of ``order``
    and leaves at least ``leave`` of them; None when none fits."""
    increment = _increment(order)
    room = int(exact_divide_int(order.remaining.copy_abs(), increment)) - leave
    return exact_multiply(draw(st.integers(1, room)), increment) if room >= 1 else None


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
    assume(order.status is ORDER_STATUS.OPEN and target in UNFILLED_STATUSES)
    assume(target is not ORDER_STATUS.TRIGGERED or order.order_type.has_stop)
    return [Trigger(order.dt) if target is ORDER_STATUS.TRIGGERED else Hold("drawn")]


_ONE = Decimal(1)


def _increment(order: DecimalOrder) -> Decimal:
    """The smallest quantity the order's asset trades (1 for a plain identifier)."""
    return _increment_of(order.asset)
_ENDINGS: dict[ORDER_STATUS, Event] = {
    ORDER_STATUS.CANCELLED: Cancel("drawn"),
    ORDER_STATUS.REJECTED: Reject("drawn"),
}


@st.composite
def books(
    draw: st.DrawFn,
    *,
    assets: Sequence[Hashable] | None = None,
    max_singles: int = 3,
    max_groups: int = 3,
    max_oco_size: int = 4,
    price_range: PriceRange = ("50", "150"),
    start: datetime | None = None,
    live: bool = False,
    in_flight: bool = False,
) -> OrderBook:
    """A book of single orders and linked groups (:func:`linked_groups`: brackets
    and OCO groups, each in a drawn link mode) on several assets, some of them
    filled, partly filled or ended, all created at ``start`` (drawn by default).

    ``assets`` are the assets traded (by default Assets with different ticks and
    a plain identifier); ``max_singles`` and ``max_groups`` bound the single
    orders and the groups, ``max_oco_size`` the members of an OCO group.

    With ``live`` the book is in live mode (``OrderBook(live=True)``) and the
    host has sent every order the venue should hold (a ``NewRequested`` as soon
    as it is OPEN or TRIGGERED: a bracket's legs once the book releases them),
    and the venue acknowledged it; the requests the book derives (a cancel of
    a filled order's OCO sibling, say) are in flight. With ``in_flight``, in either mode, the host
    has sent its orders too, and some of its requests are still in flight: new
    orders the venue has not acknowledged, and cancels and replaces (of the
    amount or the limit) of working orders it has not answered.
    """
    if start is None:
        start = draw(starts())
    universe = list(assets) if assets is not None else _ASSETS
    host = _Host(draw, OrderBook(live=live), sends=live or in_flight, in_flight=in_flight)
    for _ in range(draw(st.integers(0, max_singles))):
        order = draw(orders(asset=draw(st.sampled_from(universe)), linked=False,
                            price_range=price_range, start=start))
        host.book = host.book.submit(order).book
        host.send(order.id)
    for _ in range(draw(st.integers(0, max_groups))):
        group = draw(linked_groups(draw(st.sampled_from(universe)), max_oco_size=max_oco_size,
                                   price_range=price_range, start=start))
        mode = draw(st.sampled_from(list(LinkMode)))
        host.book = host.book.submit(*group, link_mode=mode).book
        host.send_ready()
        for order in group:
            host.book = _maybe_fill(draw, host.book, host.book[order.id], price_range)
            host.send_ready()
    if in_flight:
        host.ask(price_range)
    return host.book


def _maybe_fill(
    draw: st.DrawFn, book: OrderBook, order: DecimalOrder, price_range: PriceRange
) -> OrderBook:
    """``book`` with a drawn fill of ``order`` applied, when the book accepts one."""
    if not order.open or not draw(st.booleans()):
        return book
    quantity = _quantity(draw, order)
    if quantity is None:
        return book
    fill = Fill(quantity, draw(prices(*price_range)), fill_id=draw(st.uuids()).hex)
    try:
        return book.apply(order.id, fill).book
    except OrderError:
        return book


class _Host:
    """A live host placing a drawn book's orders: it sends each order once it is
    OPEN or TRIGGERED, and the venue acknowledges it (with ``in_flight``, perhaps
    not yet); ``ask`` leaves cancels and replaces in flight. A host that does not
    send draws nothing, so the book is drawn as it would be without one."""

    def __init__(self, draw: st.DrawFn, book: OrderBook, *, sends: bool, in_flight: bool) -> None:
        self.draw = draw
        self.book = book
        self.sends = sends
        self.in_flight = in_flight
        self.sent: list[str] = []

    def send(self, order_id: str) -> None:
        order = self.book[order_id]
        if not self.sends or order_id in self.sent or order.status not in _SENDABLE:
            return
        if at_the_venue(order):  # drawn with the venue's events: sent already
            self.sent.append(order_id)
            return
        self.book = self.book.apply(order_id, NewRequested(f"new-{order_id}")).book
        self.sent.append(order_id)
        if not self.in_flight or self.draw(st.booleans()):
            self.book = self.book.apply(order_id, Acknowledged()).book

    def send_ready(self) -> None:
        """Send every order the venue should hold and has not been sent: those just
        submitted, and the legs the book released or re-armed, of any bracket (a
        fill moves the position, which can release the legs of another bracket
        on the asset)."""
        for order_id in sorted(self.book.orders):  # sorted: the draws follow the data only
            self.send(order_id)

    def ask(self, price_range: PriceRange) -> None:
        """Cancels and replaces of some of the working orders sent, not yet
        answered; one the book refuses (a leg's size is the book's) is not sent."""
        for order_id in self.sent:
            order = self.book[order_id]
            if order.status not in _WORKING or not self.draw(st.booleans()):
                continue
            request = self.draw(_requests(order, price_range))
            try:
                self.book = self.book.apply(order_id, request).book
            except OrderError:
                continue


_SENDABLE = WORKING_STATUSES & UNFILLED_STATUSES
_WORKING = WORKING_STATUSES


def _requests(order: DecimalOrder, price_range: PriceRange) -> st.SearchStrategy[Request]:
    """A cancel of ``order``, or a replace of its amount (whole increments, at
    least its filled quantity plus one) or of its limit price, when it has one."""
    increment = _increment(order)
    filled = int(exact_divide_int(order.filled.copy_abs(), increment))
    size = int(exact_divide_int(order.amount.copy_abs(), increment))
    amounts = st.integers(filled + 1, size + 5).map(
        lambda count: Amend(amount=exact_multiply(count * order.direction, increment)))
    changes = (amounts | st.builds(Amend, limit=prices(*price_range))) if order.limit else amounts
    return st.one_of(
        st.just(CancelRequested(f"cancel-{order.id}")),
        changes.map(lambda change: ReplaceRequested(change, f"replace-{order.id}")),
    )


# Requests in flight: a host's requests and a venue's answers, in any order a venue sends them.


@st.composite
def venue_sessions(
    draw: st.DrawFn,
    *,
    asset: Hashable | None = None,
    side: int | None = None,
    order_type: OrderType | str | None = None,
    max_events: int = 12,
    settled: bool = False,
    price_range: PriceRange = ("1", "1000"),
    start: datetime | None = None,
) -> tuple[DecimalOrder, list[Event]]:
    """A start order and what a live session with a venue does to it, in the
    order the host hears it; the state machine accepts every event.

    - The host sends the order (``NewRequested``, always first), then may ask
      to cancel it (``CancelRequested``) or to replace its terms
      (``ReplaceRequested`` with an ``Amend`` of its amount or of a price it
      has), several requests in flight at once, every one with its own id.
    - The venue answers the new order (``Acknowledged``, ``Reject``, or a fill,
      which acknowledges it) before it cancels or replaces anything; until then
      it can only refuse the other requests. Then it fills quantities that fit
      the terms in force, cancels on its own, and answers the requests in
      flight in any order: ``Cancel`` or ``CancelRejected``, ``Replaced`` or
      ``ReplaceRejected``. An answer names its request's id, or none when it
      answers the oldest request of its kind.
    - Once the order has ended (filled, cancelled, rejected) the host sends
      nothing more, and the venue only refuses the requests still in flight
      (late answers, ``TOO_LATE`` for a filled order). A venue never answers a
      request that was not sent, nor fills a cancelled order.
    - ``max_events`` bounds the events after ``NewRequested``; with ``settled``
      the session then goes on until every request has been answered.
    - ``asset``, ``side``, ``order_type``, ``price_range`` and ``start`` are as
      for :func:`lifecycles`; the order is never linked.
    """
    if max_events < 0:
        raise InvalidArgument(f"max_events={max_events} must be at least 0")
    if start is None:
        start = draw(starts())
    initial = _initial_order(draw, asset, side, order_type, None, False, price_range, start)
    session = _Session(draw, initial, start, price_range)
    session.take(NewRequested(session.next_id("new"), session.time()))
    for _ in range(draw(st.integers(0, max_events) | st.just(max_events))):
        moves = session.host_requests() + session.venue_messages()
        if not moves:  # the order has ended and every request is answered
            break
        session.take(session.choose(moves))
    while settled and session.order.pending:
        session.take(session.choose(session.answers(session.order.pending[0])))
    return initial, session.events


_Move = Callable[[], Event]
"""One thing that may happen next in a venue session, drawn when it is chosen."""


class _Session:
    """A venue session being drawn: the order as the host sees it, the events so
    far, and the moves each side can make next. Moves draw through ``draw`` with
    strategies built once, so a long session costs little more than its events."""

    def __init__(
        self, draw: st.DrawFn, initial: DecimalOrder, start: datetime, price_range: PriceRange
    ) -> None:
        self.draw = draw
        self.order = initial
        self.events: list[Event] = []
        self.start = start
        self.prices = prices(*price_range)

    def take(self, event: Event) -> None:
        self.order = apply(self.order, event)
        self.events.append(event)

    def choose(self, moves: list[_Move]) -> Event:
        return moves[self.draw(st.integers(0, len(moves) - 1))]()

    def next_id(self, kind: str) -> str:
        return f"{kind}-{len(self.events)}"

    def time(self) -> datetime | None:
        """No time, or one a second later for each event so far."""
        if self.draw(st.booleans()):
            return None
        return self.start + timedelta(seconds=len(self.events))

    def reason(self) -> str:
        return self.draw(_REASONS)

    def host_requests(self) -> list[_Move]:
        if not self.order.open:
            return []
        return [
            lambda: CancelRequested(self.next_id("cancel"), self.reason(), self.time()),
            lambda: ReplaceRequested(self.replacement(), self.next_id("replace"), self.time()),
        ]

    def replacement(self) -> Amend:
        """A change a venue can accept: the amount, keeping the side, or a price
        the order's type has (limit, stop, trail)."""
        order = self.order
        increment = _increment(order)
        size = int(exact_divide_int(order.amount.copy_abs(), increment))
        changes = ["amount"]
        if order.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            changes.append("limit")
        if order.order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
            changes.append("stop")
        if order.order_type.is_trailing:
            changes.append("trail_amount")
        change = self.draw(st.sampled_from(changes))
        if change == "amount":
            count = self.draw(st.integers(1, 2 * size))
            return Amend(amount=exact_multiply(count * order.direction, increment))
        return Amend(**{change: self.draw(self.prices)})

    def venue_messages(self) -> list[_Move]:
        """What the venue may send now: a fill, its own cancel, or an answer."""
        order = self.order
        messages = [answer for request in order.pending for answer in self.answers(request)]
        if order.open and order.remaining:
            messages.append(self.fill)
        if order.open and not order.pending_new and not order.pending_cancel:
            messages.append(lambda: Cancel("cancelled by the venue"))
        return messages

    def fill(self) -> Event:
        """A fill of what remains, or of part of it."""
        increment = _increment(self.order)
        room = int(exact_divide_int(self.order.remaining.copy_abs(), increment))
        count = room if self.draw(st.booleans()) else self.draw(st.integers(1, room))
        return Fill(exact_multiply(count, increment), self.draw(self.prices),
                    self.draw(_COMMISSIONS), self.time(), self.next_id("fill"))

    def answers(self, request: Request) -> list[_Move]:
        """The venue's possible answers to ``request``, in flight on the order:
        until the new order is answered, it can only refuse the others."""
        order = self.order
        if type(request) is NewRequested:
            return [lambda: Acknowledged(self.time()), lambda: Reject(self.reason())]
        oldest = request is _oldest(order.pending, type(request))
        working = order.open and not order.pending_new

        def named() -> str | None:
            return None if oldest and self.draw(st.booleans()) else request.request_id

        if type(request) is CancelRequested:
            answers: list[_Move] = [lambda: CancelRejected(
                self.reason(), self.refusal(), named(), self.time())]
            if working and oldest:
                answers.append(lambda: Cancel(self.reason()))
            return answers
        answers = [lambda: ReplaceRejected(self.reason(), self.refusal(), named(), self.time())]
        if working:
            answers.append(lambda: Replaced(named(), self.time()))
        return answers

    def refusal(self) -> RequestRejectReason:
        if self.order.status is ORDER_STATUS.FILLED:
            return RequestRejectReason.TOO_LATE
        code: RequestRejectReason = self.draw(_REFUSALS)
        return code


_REASONS = st.sampled_from(["", "host", "risk limit", "venue"])
_REFUSALS = st.sampled_from(RequestRejectReason)
_COMMISSIONS = prices("0", "5")


def _oldest(pending: tuple[Request, ...], kind: type[Request]) -> Request | None:
    return next((request for request in pending if type(request) is kind), None)
