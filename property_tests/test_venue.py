"""The simulated venue on random bar paths and random orders.

For any path of bars, any mix of orders (market, on-close, limit, stop,
stop-limit, trailing, OCO pairs and brackets, either side) and any slippage
and commission model, every simulated fill lies within its bar's range and
never past its order's limit, fills with no slippage are at the documented
prices (a market-on-close fill is at the close whatever the slippage), every
order's filled total is the sum of its executions, and the
positions are the exact fold of the fills: net quantity, commissions, and
realized plus unrealized P&L equal to the cash flows plus what is held, to the
last digit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import event, given, settings, strategies as st

from orders import (
    Account,
    Asset,
    Bar,
    BracketOrder,
    CommissionModel,
    ExecutionStyle,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOrder,
    NoCommission,
    NoSlippage,
    NotionalCommission,
    OCOOrder,
    OrderBook,
    OrderError,
    OrderType,
    PercentSlippage,
    PerOrderCommission,
    PerShareCommission,
    Release,
    SimulatedVenue,
    SlippageModel,
    StopLimitOrder,
    StopOrder,
    Submit,
    TickSlippage,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    VenueResult,
    VolumeShareSlippage,
    strategies,
)
from orders.venue.path import adverse_extreme_first, nearer_extreme_first

T0 = datetime(2024, 1, 15)
XYZ = Asset("XYZ")
cents = st.integers(5_000, 15_000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def bars(draw: st.DrawFn) -> list[Bar]:
    """A path of bars: each opens at the last close or gaps away from it."""
    path = []
    close = draw(cents)
    for _ in range(draw(st.integers(1, 10))):
        open_ = close + draw(st.sampled_from([0, 0, 0, 1, -1, 3, -3]))
        close = draw(cents)
        high = max(open_, close) + draw(st.integers(0, 300)) / Decimal(100)
        low = max(min(open_, close) - draw(st.integers(0, 300)) / Decimal(100), Decimal(1))
        volume = draw(st.none() | st.integers(0, 5_000))
        path.append(Bar(open_, high, low, close, volume=volume))
    return path


def single_styles() -> st.SearchStrategy[ExecutionStyle]:
    return st.one_of(
        st.just(MarketOrder()),
        st.just(MarketOnCloseOrder()),
        st.builds(LimitOrder, cents),
        st.builds(StopOrder, cents),
        st.builds(StopLimitOrder, cents, cents),
        st.builds(TrailingStopOrder, trail_amount=st.integers(1, 5)),
        st.builds(TrailingStopLimitOrder, trail_amount=st.integers(1, 5),
                  limit_offset=st.integers(0, 2)),
    )


@st.composite
def placements(draw: st.DrawFn) -> tuple[int, Decimal, ExecutionStyle]:
    """On which bar an order is placed (before it), its signed amount, and its style."""
    when = draw(st.integers(0, 9))
    amount = Decimal(draw(st.integers(1, 100)) * draw(st.sampled_from([1, -1])))
    kind = draw(st.sampled_from(["single", "single", "oco", "bracket"]))
    if kind == "single":
        return when, amount, draw(single_styles())
    if kind == "oco":
        return when, amount, OCOOrder(draw(single_styles()), draw(single_styles()))
    low, middle, high = sorted(draw(st.lists(cents, min_size=3, max_size=3, unique=True)))
    entry = draw(st.sampled_from([MarketOrder(), LimitOrder(middle), StopOrder(middle)]))
    stop_loss, take_profit = (low, high) if amount > 0 else (high, low)
    return when, amount, BracketOrder(entry, stop_loss, take_profit)


slippages: st.SearchStrategy[SlippageModel] = st.one_of(
    st.just(NoSlippage()),
    st.builds(TickSlippage, st.integers(0, 3)),
    st.builds(PercentSlippage, st.sampled_from(["0", "0.001", "0.02"])),
    st.builds(VolumeShareSlippage, st.sampled_from(["0.01", "0.1", "0.5"]),
              st.sampled_from(["0", "0.1", "0.3"])),
)
commissions: st.SearchStrategy[CommissionModel] = st.one_of(
    st.just(NoCommission()),
    st.builds(PerShareCommission, st.sampled_from(["0.005", "0.01"]),
              minimum=st.sampled_from(["0", "1"])),
    st.builds(PerOrderCommission, st.sampled_from(["1", "2.5"])),
    st.builds(NotionalCommission, st.sampled_from(["0.0005", "0.001"]),
              minimum=st.sampled_from(["0", "3"])),
)


def released_on(result: VenueResult) -> set[str]:
    """The exit legs the fills of a bar released or created."""
    return {item.order_id for item in result.derived if isinstance(item.event, (Release, Submit))}


@settings(max_examples=300, deadline=None)
@given(
    path=bars(),
    orders=st.lists(placements(), min_size=1, max_size=8),
    slippage=slippages,
    commission=commissions,
)
def test_fills_are_bounded_and_positions_are_their_exact_fold(
    path: list[Bar],
    orders: list[tuple[int, Decimal, ExecutionStyle]],
    slippage: SlippageModel,
    commission: CommissionModel,
) -> None:
    venue = SimulatedVenue(slippage, commission)
    book = OrderBook()
    account = Account()
    cash = Decimal(0)
    filled: dict[str, Decimal] = {}
    for day, bar in enumerate(path):
        dt = T0 + timedelta(days=day, hours=16)
        for when, amount, style in orders:
            if when == day:
                book = book.place(dt - timedelta(hours=1), XYZ, amount, style).book
        before = book
        result = venue.on_bar(book, XYZ, bar, dt)
        book = result.book
        for execution in result.executions:
            order = book[execution.order_id]
            price = execution.fill.price
            assert bar.low <= price <= bar.high
            if order.limit is not None:
                assert price <= order.limit if order.is_buy else price >= order.limit
            if isinstance(slippage, NoSlippage) and order.order_type is OrderType.MARKET:
                assert price == bar.open
            if order.order_type is OrderType.MARKET_ON_CLOSE:
                assert price == bar.close  # whatever the slippage
            if execution.order_id in released_on(result):  # an exit leg, on the rest of the bar
                assert order.parent_order_id is not None
            else:
                assert before[execution.order_id].status.name in ("OPEN", "TRIGGERED",
                                                                  "PARTIALLY_FILLED")
            filled[order.id] = filled.get(order.id, Decimal(0)) + execution.fill.quantity
            cash -= execution.quantity * price
        account = account.apply(result.executions)
    event(f"orders filled: {min(len(filled), 3)}")
    for order_id, quantity in filled.items():
        assert book[order_id].filled.copy_abs() == quantity
    position = account.position(XYZ)
    executions_quantity = sum(
        (quantity if book[order_id].is_buy else -quantity for order_id, quantity in filled.items()),
        Decimal(0),
    )
    assert position.quantity == executions_quantity
    mark = path[-1].close
    assert position.realized_pnl + position.unrealized_pnl(mark) == cash + position.quantity * mark
    assert position.commission == sum((order.commission for order in book.orders.values()),
                                      Decimal(0))


DRAWN_ASSETS = ["XYZ", Asset("ABC"), Asset("BTC", tick_size="0.5", quantity_increment="0.001")]


@st.composite
def bar_at(draw: st.DrawFn) -> Bar:
    """A bar within the prices of the drawn books (50 to 150), with a volume or none."""
    open_, close = draw(cents), draw(cents)
    high = max(open_, close) + draw(st.integers(0, 500)) / Decimal(100)
    low = min(open_, close) - draw(st.integers(0, 500)) / Decimal(100)
    return Bar(open_, high, low, close, volume=draw(st.none() | st.integers(0, 5_000)))


DRAWN_BOOKS_AND_BARS = {
    "book": strategies.books(assets=DRAWN_ASSETS),
    "path": st.lists(st.tuples(st.sampled_from(DRAWN_ASSETS), bar_at()),
                     min_size=1, max_size=6),
    "slippage": st.just(NoSlippage()) | st.builds(VolumeShareSlippage, st.just("0.1")),
}


# 100 examples here; benchmarks/long_properties.py runs thousands.
@settings(max_examples=100, deadline=None)
@given(**DRAWN_BOOKS_AND_BARS)
def test_any_drawn_book_meets_bars_with_no_error_but_order_errors(
    book: OrderBook, path: list[tuple[object, Bar]], slippage: SlippageModel
) -> None:
    check_drawn_book_meets_bars(book, path, slippage)


def check_drawn_book_meets_bars(
    book: OrderBook, path: list[tuple[object, Bar]], slippage: SlippageModel
) -> None:
    """Books as orders.strategies draws them (some orders triggered, filled or held
    before any price) meet bars of their assets: the venue raises nothing but an
    OrderError, and its executions are exactly what the book applied."""
    venue = SimulatedVenue(slippage)
    dt = max((order.dt for order in book.orders.values()), default=T0)
    for asset, bar in path:
        dt += timedelta(days=1)
        before = book
        try:
            result = venue.on_bar(book, asset, bar, dt)
        except OrderError as refused:
            event(f"refused: {type(refused).__name__}")
            continue
        book = result.book
        applied = {
            order_id: book[order_id].filled - order.filled
            for order_id, order in before.orders.items()
        }
        reported: dict[str, Decimal] = {}
        for execution in result.executions:
            reported[execution.order_id] = (
                reported.get(execution.order_id, Decimal(0)) + execution.fill.quantity
            )
        assert {k: v.copy_abs() for k, v in applied.items() if v} == reported


@st.composite
def quoted_prices(draw: st.DrawFn) -> Decimal:
    """A price as a data source quotes it: 1 to 1,000, with 0 to 4 decimal places."""
    places = draw(st.integers(0, 4))
    return Decimal(draw(st.integers(10**places, 1_000 * 10**places))).scaleb(-places)


@st.composite
def quoted_bars(draw: st.DrawFn) -> Bar:
    """A bar with prices quoted to their own decimal places, and a volume."""
    open_, close, high, low = (draw(quoted_prices()) for _ in range(4))
    high = max(open_, close, high)
    low = min(open_, close, low)
    return Bar(open_, high, low, close, volume=draw(st.integers(1, 10**9)))


@settings(max_examples=300, deadline=None)
@given(
    bar=quoted_bars(),
    amount=st.integers(1, 10**6) | st.decimals("0.0001", "1000", places=4),
    sell=st.booleans(),
    limit=st.none() | quoted_prices(),
    slippage=st.builds(VolumeShareSlippage, st.sampled_from(["0.001", "0.025", "0.1", "0.5"]),
                       st.sampled_from(["0.1", "0.3", "1", "7.77"]))
    | st.builds(PercentSlippage, st.sampled_from(["0.0001", "0.001", "0.0333", "0.5"])),
)
def test_a_slipped_price_of_an_asset_with_no_tick_is_never_refused(
    bar: Bar, amount: Decimal, sell: bool, limit: Decimal | None, slippage: SlippageModel
) -> None:
    """On a plain identifier (no tick), a built-in model's price is never refused:
    it has the digits a fill may hold, and is no better for the trader than the
    unslipped fill."""
    signed = -amount if sell else amount
    style = MarketOrder() if limit is None else LimitOrder(limit)
    book = OrderBook().place(T0, "XYZ", signed, style, ids=["o"]).book
    unslipped = SimulatedVenue().on_bar(book, "XYZ", bar, T0 + timedelta(days=1))
    result = SimulatedVenue(slippage).on_bar(book, "XYZ", bar, T0 + timedelta(days=1))
    for execution, plain in zip(result.executions, unslipped.executions, strict=False):
        price = execution.fill.price
        assert len(price.as_tuple().digits) <= 31
        assert price.as_tuple().exponent >= -30  # type: ignore[operator]
        assert price >= plain.fill.price if not sell else price <= plain.fill.price
    event(f"filled: {bool(result.executions)}")


def asks_too_much(order: object, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
                  ) -> tuple[Decimal, Decimal]:
    return quantity * 2, price


def in_thirds(order: object, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
              ) -> tuple[Decimal, Decimal]:
    return quantity / 3, price


def negative_price(order: object, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
                   ) -> tuple[Decimal, Decimal]:
    return quantity, -price


def rebate(order: object, quantity: Decimal, price: Decimal) -> Decimal:
    return Decimal("-1.5")


def beyond_bounds(order: object, quantity: Decimal, price: Decimal) -> Decimal:
    return Decimal("1E+30")


ANY_SLIPPAGE = st.sampled_from([NoSlippage(), VolumeShareSlippage("0.1"), TickSlippage(1),
                                PercentSlippage("0.01"), asks_too_much, in_thirds,
                                negative_price])
ANY_COMMISSION = st.sampled_from([NoCommission(), PerShareCommission("0.005", minimum="1"),
                                  rebate, beyond_bounds])
BETWEEN_BARS = st.sampled_from(["nothing", "nothing", "place", "on_time", "on_price"])


@settings(max_examples=150, deadline=None)
@given(
    book=strategies.books(assets=DRAWN_ASSETS),
    path=st.lists(st.tuples(st.sampled_from(DRAWN_ASSETS), bar_at(), st.sampled_from([0, 1, 1]),
                            BETWEEN_BARS, cents), min_size=1, max_size=8),
    slippage=ANY_SLIPPAGE,
    commission=ANY_COMMISSION,
)
def test_any_models_and_any_host_calls_between_bars_keep_the_venue_and_book_agreed(
    book: OrderBook,
    path: list[tuple[object, Bar, int, str, Decimal]],
    slippage: SlippageModel,
    commission: CommissionModel,
) -> None:
    """Whatever the models return and whatever the host does between bars (place,
    expire, send a price), the venue raises nothing but an OrderError, refuses a
    bar for its time only when it is not after an order's last change, and
    reports exactly the fills the book applied, each with an id of its own."""
    venue = SimulatedVenue(slippage, commission)
    dt = max((order.dt for order in book.orders.values()), default=T0)
    seen_ids: set[str] = set()
    changed_at_dt: set[object] = set(DRAWN_ASSETS)  # assets whose orders changed at dt
    for asset, bar, step, between, price in path:
        dt += timedelta(days=step)
        if step:
            changed_at_dt = set()
        before = book
        try:
            result = venue.on_bar(book, asset, bar, dt)
        except OrderError as refused:
            if "last change" in str(refused):
                assert asset in changed_at_dt
            event(f"refused: {type(refused).__name__}")
            continue
        book = result.book
        changed_at_dt.add(asset)
        for execution in result.executions:
            assert execution.fill.fill_id not in seen_ids
            seen_ids.add(execution.fill.fill_id)  # type: ignore[arg-type]
            assert bar.low <= execution.fill.price <= bar.high
        applied = {order_id: (book[order_id].filled - order.filled).copy_abs()
                   for order_id, order in before.orders.items()}
        reported: dict[str, Decimal] = {}
        for execution in result.executions:
            reported[execution.order_id] = (
                reported.get(execution.order_id, Decimal(0)) + execution.fill.quantity
            )
        assert {k: v for k, v in applied.items() if v} == reported
        if between == "place":
            book = book.place(dt, asset, 1, MarketOrder()).book
        elif between == "on_time":
            expired = book.on_time(dt)
            book = expired.book
            changed_at_dt.update(book[item.order_id].terms.asset for item in expired.derived)
        elif between == "on_price":
            book = book.on_price(asset, price, dt).book  # never refused for its time
            changed_at_dt.add(asset)


# Bars built from ticks against a replay of the same ticks. The ticks move one
# unit at a time, as the price moves between the points of a bar's path, so a
# tick reaches every price an order of whole units waits for.


def ticks_through(points: list[int]) -> list[int]:
    """The ticks of a walk through ``points``, one unit at a time."""
    ticks = [points[0]]
    for point in points[1:]:
        step = 1 if point > ticks[-1] else -1
        ticks.extend(range(ticks[-1] + step, point + step, step) if point != ticks[-1] else [])
    return ticks


def bar_of(ticks: list[int]) -> Bar:
    return Bar(ticks[0], max(ticks), min(ticks), ticks[-1])


@st.composite
def brackets_for(draw: st.DrawFn, open_: int) -> tuple[int, BracketOrder]:
    """A bracket of 10 either way, its entry at the market, a limit or a stop, its
    exits whole units away from its entry's price and the price it fills at."""
    amount = draw(st.sampled_from([10, -10]))
    kind = draw(st.sampled_from(["market", "limit", "stop"]))
    level = open_ + draw(st.integers(-3, 3))
    buy = amount > 0
    if kind == "market":
        entry, level = MarketOrder(), open_
    elif kind == "limit":
        entry = LimitOrder(level)
    else:
        entry = StopOrder(level)
    below, above = min(open_, level), max(open_, level)
    loss, gain = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    exits = (below - loss, above + gain) if buy else (above + loss, below - gain)
    return amount, BracketOrder(entry, *exits)


def bar_run(ticks: list[int], amount: int, bracket: BracketOrder, venue: SimulatedVenue
            ) -> tuple[list[tuple[str, Decimal, Decimal]], list[str]]:
    """The fills and final statuses of ``bracket`` on one bar made of ``ticks``."""
    book = OrderBook().place(T0, XYZ, amount, bracket, ids=["entry", "stop", "target"]).book
    result = venue.on_bar(book, XYZ, bar_of(ticks), T0 + timedelta(hours=1))
    return outcome([result], result.book)


def tick_run(ticks: list[int], amount: int, bracket: BracketOrder
             ) -> tuple[list[tuple[str, Decimal, Decimal]], list[str]]:
    """The same, replaying each tick as a bar of its own."""
    book = OrderBook().place(T0, XYZ, amount, bracket, ids=["entry", "stop", "target"]).book
    results = []
    for number, tick in enumerate(ticks, start=1):
        results.append(SimulatedVenue().on_bar(book, XYZ, Bar(tick, tick, tick, tick),
                                               T0 + timedelta(seconds=number)))
        book = results[-1].book
    return outcome(results, book)


def outcome(results: list[VenueResult], book: OrderBook
            ) -> tuple[list[tuple[str, Decimal, Decimal]], list[str]]:
    fills = [(e.order_id, e.quantity, e.fill.price) for r in results for e in r.executions]
    return fills, [book[order_id].status.name for order_id in ("entry", "stop", "target")]


def turning_points(prices: tuple[Decimal, ...] | list[int]) -> list[Decimal]:
    """``prices`` without repeats and without the points inside a run one way."""
    points: list[Decimal] = []
    for price in map(Decimal, prices):
        if points and price == points[-1]:
            continue
        if len(points) >= 2 and (points[-2] < points[-1]) == (points[-1] < price):
            points[-1] = price
        else:
            points.append(price)
    return points


@settings(max_examples=300, deadline=None)
@given(data=st.data(), points=st.lists(st.integers(95, 105), min_size=1, max_size=6))
def test_a_bar_walked_along_its_given_ticks_fills_as_the_ticks_one_by_one(
    data: st.DataObject, points: list[int]
) -> None:
    ticks = ticks_through(points)
    amount, bracket = data.draw(brackets_for(ticks[0]))
    given = SimulatedVenue(path=lambda asset, bar, dt: ticks)
    replayed = tick_run(ticks, amount, bracket)
    event(f"fills: {len(replayed[0])}")
    assert bar_run(ticks, amount, bracket, given) == replayed


@settings(max_examples=300, deadline=None)
@given(data=st.data(), points=st.lists(st.integers(95, 105), min_size=2, max_size=4),
       policy=st.sampled_from(["nearer", "pessimistic"]))
def test_a_bar_whose_ticks_follow_the_policys_path_fills_as_the_ticks(
    data: st.DataObject, points: list[int], policy: str
) -> None:
    ticks = ticks_through(points)
    amount, bracket = data.draw(brackets_for(ticks[0]))
    venue = SimulatedVenue(path=policy)  # type: ignore[arg-type]
    bar = bar_of(ticks)
    walked = venue_path(venue, amount, bracket, bar)
    matches = turning_points(walked) == turning_points(ticks)
    event(f"the ticks follow the {policy} path: {matches}")
    if matches:
        assert bar_run(ticks, amount, bracket, venue) == tick_run(ticks, amount, bracket)


def venue_path(venue: SimulatedVenue, amount: int, bracket: BracketOrder, bar: Bar
               ) -> tuple[Decimal, ...]:
    """The path ``venue`` takes for ``bar`` with ``bracket`` placed, as it documents."""
    nearer = nearer_extreme_first(bar)
    if venue.path == "nearer":
        return nearer
    entry = FILL_PRICES_AT_OPEN.get(type(bracket.entry_style))
    at_open = entry is not None and entry(amount > 0, bracket.entry_style, bar.open)
    return adverse_extreme_first(bar, amount > 0) if at_open else nearer


FILL_PRICES_AT_OPEN = {
    MarketOrder: lambda buy, style, open_: True,
    LimitOrder: lambda buy, style, open_: open_ <= style.limit_price if buy
    else open_ >= style.limit_price,
    StopOrder: lambda buy, style, open_: open_ >= style.stop_price if buy
    else open_ <= style.stop_price,
}
"""Whether an entry style fills at a bar's open: the pessimistic path then takes
the extreme adverse to its position first."""
