import pickle
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orders import (
    ORDER_STATUS,
    Account,
    Amend,
    Asset,
    BadOrderParameters,
    Bar,
    BracketOrder,
    CommissionModel,
    DecimalOrder,
    ExecutionStyle,
    Expire,
    Fill,
    Hold,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOrder,
    NoCommission,
    NoSlippage,
    NotionalCommission,
    OCOOrder,
    OrderBook,
    OrderType,
    PercentSlippage,
    PerOrderCommission,
    PerShareCommission,
    Reject,
    Release,
    SimulatedVenue,
    StopLimitOrder,
    StopOrder,
    TickSlippage,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
    VenueResult,
    VolumeShareSlippage,
    buy_bracket,
    dumps,
    loads,
)
from orders.venue.simulated import FILL_PRICES, fill_prices_markdown

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15)
XYZ = Asset("XYZ")
VENUE = SimulatedVenue()


def placed(amount: int, style: ExecutionStyle, *ids: str, book: OrderBook | None = None
           ) -> OrderBook:
    return (book or OrderBook()).place(T0, XYZ, amount, style, ids=ids or ("o",)).book


def on_bars(book: OrderBook, *bars: Bar, venue: SimulatedVenue = VENUE) -> list[VenueResult]:
    results = []
    for day, bar in enumerate(bars, start=1):
        result = venue.on_bar(book, XYZ, bar, T0 + timedelta(days=day))
        results.append(result)
        book = result.book
    return results


def on_bars_from(book: OrderBook, day: int, *bars: Bar) -> list[VenueResult]:
    results = []
    for offset, bar in enumerate(bars):
        result = VENUE.on_bar(book, XYZ, bar, T0 + timedelta(days=day + offset))
        results.append(result)
        book = result.book
    return results


def fills(result: VenueResult) -> list[tuple[str, Decimal, Decimal]]:
    return [(e.order_id, e.quantity, e.fill.price) for e in result.executions]


# The fill price of each kind of order.


def test_a_market_order_fills_at_the_next_open() -> None:
    (result,) = on_bars(placed(10, MarketOrder()), Bar(100, 102, 99, 101))
    assert fills(result) == [("o", 10, 100)]
    assert result.book["o"].status is FILLED


def test_a_limit_fills_at_its_limit_or_at_a_better_open() -> None:
    touched, gapped = on_bars(placed(10, LimitOrder(99)), Bar(100, 101, 98, 100))[0], on_bars(
        placed(10, LimitOrder(99)), Bar(97, 98, 96, 97))[0]
    assert fills(touched) == [("o", 10, 99)]
    assert fills(gapped) == [("o", 10, 97)]  # the bar opened through the limit
    (missed,) = on_bars(placed(-10, LimitOrder(105)), Bar(100, 104.99, 99, 104))
    assert fills(missed) == []
    assert missed.book["o"].status is OPEN


def test_a_stop_fills_at_its_stop_or_at_the_open_of_a_gap() -> None:
    (crossed,) = on_bars(placed(-10, StopOrder(95)), Bar(97, 98, 94, 96))
    assert fills(crossed) == [("o", -10, 95)]
    (gapped,) = on_bars(placed(-10, StopOrder(95)), Bar(93, 94, 90, 92))
    assert fills(gapped) == [("o", -10, 93)]


def test_a_stop_limit_that_triggers_but_cannot_fill_waits_as_a_limit() -> None:
    book = placed(10, StopLimitOrder(limit_price=99, stop_price=100))
    # The bar trades up through the stop at 100 and closes higher: the part of the
    # bar at or below the limit of 99 came before the trigger.
    first, second = on_bars(book, Bar(99.5, 101, 99.2, 100.5), Bar(100, 100.2, 98.5, 99))
    assert fills(first) == []
    assert first.book["o"].status is TRIGGERED
    assert fills(second) == [("o", 10, 99)]


def test_a_stop_limit_fills_at_the_trigger_when_its_limit_admits_it() -> None:
    (result,) = on_bars(placed(10, StopLimitOrder(limit_price=101, stop_price=100)),
                        Bar(99, 103, 98.5, 102))
    assert fills(result) == [("o", 10, 100)]
    (gapped,) = on_bars(placed(10, StopLimitOrder(limit_price=101, stop_price=100)),
                        Bar(102, 103, 100.5, 102))
    assert fills(gapped) == [("o", 10, 101)]  # gapped past the limit, back to it in the bar


def test_a_trailing_stop_ratchets_on_closes_then_fills_at_its_stop() -> None:
    book = placed(-10, TrailingStopOrder(trail_amount=5))
    results = on_bars(book, Bar(100, 100, 100, 100), Bar(100, 110, 96, 109),
                      Bar(106, 112, 103, 111))
    assert [r.book["o"].stop for r in results] == [95, 104, 104]
    assert fills(results[1]) == []  # its low of 96 stayed above the stop of 95 in force
    assert fills(results[2]) == [("o", -10, 104)]


def test_a_market_on_close_order_fills_at_the_close() -> None:
    (result,) = on_bars(placed(10, MarketOnCloseOrder()), Bar(100, 102, 99, 101))
    assert fills(result) == [("o", 10, 101)]


def test_the_rules_are_listed_for_every_kind_of_order_and_documented_from_the_code() -> None:
    assert set(FILL_PRICES) == set(OrderType)
    page = (Path(__file__).resolve().parents[2] / "docs" / "simulated-venue.md").read_text()
    assert fill_prices_markdown() in page


# Within a bar.


def test_the_nearer_extreme_trades_first_so_the_stop_of_a_bracket_wins() -> None:
    book = placed(10, BracketOrder(MarketOrder(), stop_loss_price=95, take_profit_price=110),
                  "entry", "stop", "target")
    entered, both = on_bars(book, Bar(100, 101, 99, 100), Bar(100, 111, 94, 105))
    assert fills(entered) == [("entry", 10, 100)]
    assert fills(both) == [("stop", -10, 95)]  # the low (6 away) before the high (11 away)
    assert both.book["target"].status is CANCELLED
    other_way = on_bars(book, Bar(100, 101, 99, 100), Bar(100, 111, 88, 105))[1]
    assert fills(other_way) == [("target", -10, 110)]


def test_exit_legs_released_by_an_entry_fill_trade_on_the_rest_of_the_bar() -> None:
    book = placed(10, BracketOrder(MarketOrder(), stop_loss_price=95, take_profit_price=102),
                  "entry", "stop", "target")
    (result,) = on_bars(book, Bar(100, 103, 99, 101))  # reaches 102 after the entry filled
    assert fills(result) == [("entry", 10, 100), ("target", -10, 102)]
    assert result.book["stop"].status is CANCELLED


def test_without_same_bar_exits_released_legs_meet_the_next_bar() -> None:
    book = placed(10, BracketOrder(MarketOrder(), stop_loss_price=95, take_profit_price=102),
                  "entry", "stop", "target")
    (result,) = on_bars(book, Bar(100, 103, 99, 101),
                        venue=SimulatedVenue(same_bar_exits=False))
    assert fills(result) == [("entry", 10, 100)]
    assert result.book["target"].status is OPEN


MARKET = MarketOrder()


def bracket(entry: ExecutionStyle = MARKET, stop_loss: int = 95, take_profit: int = 102,
            amount: int = 10) -> OrderBook:
    return placed(amount, BracketOrder(entry, stop_loss, take_profit), "entry", "stop", "target")
BOTH_EXITS = Bar(100, 103, 94, 101)  # the high (3 away) nearer the open than the low (6)


def test_on_the_entry_bar_the_nearer_extreme_decides_which_exit_fills() -> None:
    (high_first,) = on_bars(bracket(), BOTH_EXITS)
    assert fills(high_first) == [("entry", 10, 100), ("target", -10, 102)]
    (low_first,) = on_bars(bracket(), Bar(100, 107, 94, 101))
    assert fills(low_first) == [("entry", 10, 100), ("stop", -10, 95)]
    assert low_first.book["target"].status is CANCELLED


def test_the_pessimistic_path_fills_the_stop_loss_when_a_bar_reaches_both_exits() -> None:
    pessimistic = SimulatedVenue(path="pessimistic")
    (long,) = on_bars(bracket(), BOTH_EXITS, venue=pessimistic)
    assert fills(long) == [("entry", 10, 100), ("stop", -10, 95)]
    (short,) = on_bars(bracket(stop_loss=102, take_profit=95, amount=-10),
                       Bar(100, 103, 94, 101), venue=pessimistic)  # the low is nearer
    assert fills(short) == [("entry", -10, 100), ("stop", 10, 102)]


def test_the_pessimistic_path_takes_the_adverse_extreme_for_legs_working_before_the_bar() -> None:
    entered = on_bars(bracket(), Bar(100, 101, 99, 100))[0].book
    (nearer,) = on_bars_from(entered, 2, BOTH_EXITS)
    assert fills(nearer) == [("target", -10, 102)]
    pessimistic = SimulatedVenue(path="pessimistic").on_bar(entered, XYZ, BOTH_EXITS,
                                                            T0 + timedelta(days=2))
    assert fills(pessimistic) == [("stop", -10, 95)]


def test_a_path_the_host_gives_decides_the_order_of_the_fills() -> None:
    def dipped_first(asset: object, bar: Bar, dt: datetime) -> list[object]:
        assert (asset, dt) == (XYZ, T0 + timedelta(days=1))
        return [bar.open, 97, 99, bar.low, bar.high, bar.close]

    (result,) = on_bars(bracket(), BOTH_EXITS, venue=SimulatedVenue(path=dipped_first))
    assert fills(result) == [("entry", 10, 100), ("stop", -10, 95)]


def test_a_leg_released_mid_bar_meets_only_the_path_after_the_entry_fill() -> None:
    # The high comes first: 100 -> 103 -> 94 -> 101. The entry fills at 98 on the
    # way down, after the high: the take-profit at 102 is behind it, the stop ahead.
    (result,) = on_bars(bracket(LimitOrder(98)), BOTH_EXITS)
    assert fills(result) == [("entry", 10, 98), ("stop", -10, 95)]
    (passed,) = on_bars(bracket(LimitOrder(98), stop_loss=93), BOTH_EXITS)
    assert fills(passed) == [("entry", 10, 98)]  # 102 came before the entry, 93 never
    assert passed.book["target"].status is OPEN


def test_a_trailing_leg_released_on_a_bar_trails_along_its_path() -> None:
    style = BracketOrder(MARKET, 95, None, stop_loss_trail=TrailingStopOrder(trail_amount=2))
    book = placed(10, style, "entry", "trail")
    # 100 -> 99 -> 104 -> 101: the stop follows the high to 102, which the fall crosses.
    (result,) = on_bars(book, Bar(100, 104, 99, 101))
    assert fills(result) == [("entry", 10, 100), ("trail", -10, 102)]


def test_a_leg_released_on_a_bar_that_finds_no_turn_keeps_what_the_path_did_to_it() -> None:
    style = BracketOrder(MARKET, 95, None, stop_loss_trail=TrailingStopOrder(trail_amount=5))
    book = placed(10, style, "entry", "trail")
    (result,) = on_bars(book, Bar(100, 104, 99, 101))
    assert fills(result) == [("entry", 10, 100)]
    assert result.book["trail"].stop == 99  # 5 under the high of 104
    assert [type(item.event).__name__ for item in result.derived
            if item.order_id == "trail"] == ["Release", "BarUpdate", "BarUpdate"]


def test_a_leg_released_at_the_close_meets_the_next_bar() -> None:
    book = bracket(MarketOnCloseOrder(), stop_loss=99, take_profit=102)
    first, second = on_bars(book, Bar(100, 103, 98, 100), Bar(100, 101, 98, 100))
    assert fills(first) == [("entry", 10, 100)]
    assert fills(second) == [("stop", -10, 99)]


def test_the_venue_refuses_a_path_that_does_not_fit_its_bar() -> None:
    for points, detail in [([100, 103, 101], "is \\[100, 103, 101\\], which does not fit"),
                           ("100", "is '100'; a path is a non-empty sequence"),
                           ([100, "x", 101], "holds a price it cannot take: ")]:
        venue = SimulatedVenue(path=lambda asset, bar, dt, points=points: points)
        with pytest.raises(BadOrderParameters, match=(
                "the path <lambda> gave for the bar of XYZ at 2024-01-16T00:00:00 " + detail)):
            on_bars(bracket(), BOTH_EXITS, venue=venue)
    for policy in ("optimistic", NoSlippage, None):
        with pytest.raises(BadOrderParameters, match="path must be 'nearer', 'pessimistic'"):
            SimulatedVenue(path=policy)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="same_bar_exits must be a bool"):
        SimulatedVenue(same_bar_exits="yes")  # type: ignore[arg-type]


def test_one_fill_of_an_oco_pair_cancels_the_other_within_the_bar() -> None:
    book = placed(-10, OCOOrder(LimitOrder(105), StopOrder(95)), "take", "stop")
    (result,) = on_bars(book, Bar(100, 106, "94.5", 100))  # the low is nearer the open
    assert fills(result) == [("stop", -10, 95)]
    assert result.book["take"].status is CANCELLED


def test_orders_held_or_waiting_do_not_fill() -> None:
    book = placed(10, BracketOrder(LimitOrder(90), stop_loss_price=85, take_profit_price=95),
                  "entry", "stop", "target")
    (result,) = on_bars(book, Bar(100, 101, 94, 96))
    assert fills(result) == []
    assert result.book["target"].status is HELD


# Slippage, volume and commissions.


def test_slippage_moves_the_price_against_the_trader_within_the_bar() -> None:
    ticks = SimulatedVenue(slippage=TickSlippage(2))
    assert fills(on_bars(placed(10, MarketOrder()), Bar(100, 101, 99, 100), venue=ticks)[0]) == [
        ("o", 10, Decimal("100.02"))]
    assert fills(on_bars(placed(-10, MarketOrder()), Bar(100, 101, 99, 100), venue=ticks)[0]) == [
        ("o", -10, Decimal("99.98"))]
    percent = SimulatedVenue(slippage=PercentSlippage("0.01"))
    capped = on_bars(placed(10, MarketOrder()), Bar(100, "100.50", 99, 100), venue=percent)[0]
    assert fills(capped) == [("o", 10, Decimal("100.50"))]  # 101 is beyond the bar's high


def test_slippage_never_takes_a_limit_fill_past_its_limit() -> None:
    venue = SimulatedVenue(slippage=PercentSlippage("0.01"))
    (result,) = on_bars(placed(10, LimitOrder(99)), Bar(100, 101, 98, 100), venue=venue)
    assert fills(result) == [("o", 10, 99)]
    (better,) = on_bars(placed(10, LimitOrder("99.5")), Bar(99, 100, 98, 100), venue=venue)
    assert fills(better) == [("o", 10, Decimal("99.5"))]  # 99.99 would pass the limit


def test_a_volume_share_fills_in_parts_and_moves_the_price_with_the_share() -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact="0.1"))
    book = placed(120, MarketOrder())
    first, second = on_bars(book, Bar(100, 102, 99, 101, volume=500),
                            Bar(100, 102, 99, 101, volume=1000), venue=venue)
    # 50 of 500 is a share of 0.1: 0.1 x 0.1^2 x 100 = 0.1 against the buyer.
    assert fills(first) == [("o", 50, Decimal("100.10"))]
    assert first.book["o"].status is PARTIALLY_FILLED
    assert fills(second) == [("o", 70, Decimal("100.05"))]  # 0.1 x 0.07^2 x 100 = 0.049 -> tick
    assert fills(on_bars(book, Bar(100, 102, 99, 101), venue=venue)[0]) == []  # no volume


def test_a_volume_share_is_shared_by_the_orders_of_a_bar() -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact=0))
    book = placed(30, MarketOrder(), "a", book=placed(40, MarketOrder(), "b"))
    (result,) = on_bars(book, Bar(100, 101, 99, 100, volume=500), venue=venue)
    assert sorted((order_id, quantity) for order_id, quantity, _ in fills(result)) == [
        ("a", 30), ("b", 20)]


def test_commissions_charge_each_fill_what_the_order_total_grows_by() -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact=0),
                           commission=PerShareCommission("0.01", minimum="1.00"))
    results = on_bars(placed(300, MarketOrder()), *[Bar(100, 101, 99, 100, volume=1000)] * 3,
                      venue=venue)
    paid = [r.executions[0].fill.commission for r in results]
    assert paid == [Decimal("1.00"), Decimal("1.00"), Decimal("1.00")]  # 1.00, 2.00, 3.00 in all
    assert results[-1].book["o"].commission == 3


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (PerOrderCommission("2.5"), ["2.5", "0"]),
        (NotionalCommission("0.001", minimum="8"), ["8", "2"]),
        (NotionalCommission("0.001"), ["5", "5"]),
        (NoCommission(), ["0", "0"]),
    ],
    ids=repr,
)
def test_each_commission_model(model: CommissionModel, expected: list[str]) -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.5", price_impact=0),
                           commission=model)
    results = on_bars(placed(100, MarketOrder()), *[Bar(100, 101, 99, 100, volume=100)] * 2,
                      venue=venue)
    assert [r.executions[0].fill.commission for r in results] == [Decimal(e) for e in expected]


def test_models_refuse_values_they_cannot_use() -> None:
    with pytest.raises(BadOrderParameters, match="volume_limit must be at least 0 and below 1"):
        VolumeShareSlippage(volume_limit=2)
    with pytest.raises(BadOrderParameters, match="rate must not be negative"):
        PerShareCommission(-1)
    with pytest.raises(BadOrderParameters, match="ticks must be an int"):
        TickSlippage(1.5)  # type: ignore[arg-type]
    plain = OrderBook().place(T0, "XYZ", 10, MarketOrder(), ids=["o"]).book
    with pytest.raises(BadOrderParameters, match="TickSlippage needs an Asset"):
        SimulatedVenue(slippage=TickSlippage()).on_bar(plain, "XYZ", Bar(1, 1, 1, 1),
                                                       T0 + timedelta(days=1))


def test_the_venue_takes_a_time_of_the_books_kind() -> None:
    with pytest.raises(BadOrderParameters, match="dt must be a datetime"):
        VENUE.on_bar(OrderBook(), XYZ, Bar(1, 1, 1, 1), None)  # type: ignore[arg-type]


def test_a_market_on_close_order_is_an_order_kind_like_the_others() -> None:
    order = DecimalOrder(T0, XYZ, 10, order_type="market_on_close", id="c")
    assert order == DecimalOrder.from_style(T0, XYZ, 10, MarketOnCloseOrder(), id="c")
    with pytest.raises(BadOrderParameters, match="takes no limit"):
        DecimalOrder(T0, XYZ, 10, order_type="market_on_close", limit=1)


# Bars in time order.


def test_a_bar_repeated_at_the_same_time_is_refused_and_executions_match_the_book() -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact=0))
    book = placed(40, MarketOrder())
    dt = T0 + timedelta(days=1)
    first = venue.on_bar(book, XYZ, Bar(100, 101, 99, 100, volume=200), dt)
    account = Account().apply(first.executions)
    assert account.position(XYZ).quantity == first.book["o"].filled == 20
    for volume in (200, 300):  # the same bar resent, or a second source's bar at that time
        with pytest.raises(BadOrderParameters, match=r"the bar of XYZ at 2024-01-16T00:00:00 "
                           r"is at the time of the last change of order o at 2024-01-16T00:00:00"):
            venue.on_bar(first.book, XYZ, Bar(100, 101, 99, 100, volume=volume), dt)
    assert first.book["o"].filled == 20


def test_a_bar_older_than_the_last_change_of_an_order_it_would_fill_is_refused() -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact=0))
    later = on_bars(placed(40, MarketOrder()), Bar(100, 101, 99, 100, volume=200), Bar(
        100, 101, 99, 100, volume=100), venue=venue)[-1]
    assert later.book["o"].filled == 30
    with pytest.raises(BadOrderParameters, match="at 2024-01-16T00:00:00 is before the last "
                                                 "change of order o at 2024-01-17T00:00:00"):
        venue.on_bar(later.book, XYZ, Bar(100, 101, 99, 100, volume=200), T0 + timedelta(days=1))


def test_each_fill_has_its_own_id_from_the_bar_the_order_and_a_sequence() -> None:
    venue = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact=0))
    book = placed(30, MarketOrder(), "a", book=placed(40, MarketOrder(), "b"))
    results = on_bars(book, Bar(100, 101, 99, 100, volume=500), Bar(100, 101, 99, 100,
                                                                     volume=500), venue=venue)
    ids = [e.fill.fill_id for r in results for e in r.executions]
    assert len(ids) == len(set(ids)) == 3
    assert ids == ["bar 2024-01-16T00:00:00 order a event 1",
                   "bar 2024-01-16T00:00:00 order b event 1",
                   "bar 2024-01-17T00:00:00 order b event 2"]
    account = Account()
    for result in results:
        account = account.apply(result.executions)
    book_filled = sum(order.filled for order in results[-1].book.orders.values())
    assert account.position(XYZ).quantity == book_filled == 70


@pytest.mark.parametrize(("style", "price"),
                         [(MarketOrder(), 100), (StopOrder(95), 95), (LimitOrder(95), 100)],
                         ids=["market", "stop", "limit"])
def test_a_bar_not_after_an_orders_creation_is_refused_and_changes_nothing(
    style: ExecutionStyle, price: int
) -> None:
    created = T0 + timedelta(days=2)
    book = OrderBook().place(created, XYZ, -10, style, ids=["o"]).book
    bar = Bar(100, 101, 90, 92)
    for dt in (T0 + timedelta(days=1), created):  # stamped before, or when it was placed
        with pytest.raises(BadOrderParameters,
                           match=rf"^the bar of XYZ at {dt.isoformat()} is (before|at the time of) "
                                 rf"the last change of order o at {created.isoformat()} "
                                 rf"\(created {created.isoformat()}\); the venue takes a bar only "
                                 r"after the last change of every working order of XYZ it moves "
                                 r"or fills$"):
            VENUE.on_bar(book, XYZ, bar, dt)
    assert book["o"].status is OPEN
    later = VENUE.on_bar(book, XYZ, bar, created + timedelta(days=1))
    assert fills(later) == [("o", -10, price)]
    assert later.book["o"].dt == created + timedelta(days=1)


def test_a_bar_older_than_a_limit_the_market_already_reached_is_refused() -> None:
    created = T0 + timedelta(days=2)
    book = OrderBook().place(created, XYZ, 10, LimitOrder(95), ids=["o"]).book
    book = book.on_price(XYZ, 94, created + timedelta(hours=1)).book
    assert book["o"].limit_reached
    with pytest.raises(BadOrderParameters, match="is before the last change of order o"):
        VENUE.on_bar(book, XYZ, Bar(100, 101, 99, 100), T0 + timedelta(days=1))
    assert book["o"].filled == 0


def test_a_bar_older_than_an_order_it_does_not_meet_still_fills_the_others() -> None:
    book = placed(10, MarketOrder(), "m")
    book = book.place(T0 + timedelta(days=2), XYZ, 10, LimitOrder(80), ids=["far"]).book
    result = VENUE.on_bar(book, XYZ, Bar(100, 101, 99, 100), T0 + timedelta(days=1))
    assert fills(result) == [("m", 10, 100)]
    assert result.book["far"] is book["far"]


# Models checked.


def test_a_venue_refuses_what_is_not_a_model_when_it_is_built() -> None:
    with pytest.raises(BadOrderParameters, match=r"slippage must be a slippage model.*got 'x'"):
        SimulatedVenue("x", 5)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match=r"commission must be a commission model.*got 5"):
        SimulatedVenue(commission=5)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match=r"an instance such as NoSlippage\(\).*"
                                                 r"got <class 'orders.venue.costs.NoSlippage'>"):
        SimulatedVenue(NoSlippage)  # type: ignore[arg-type]


def no_price(order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
             ) -> tuple[Decimal, Decimal]:
    return quantity, None  # type: ignore[return-value]


def nothing(order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
            ) -> tuple[Decimal, Decimal]:
    return None  # type: ignore[return-value]


def free(order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
    return None  # type: ignore[return-value]


def in_floats(order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
    return 0.5  # type: ignore[return-value]


def by_zero(order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
            ) -> tuple[Decimal, Decimal]:
    return quantity, price / (bar.volume or Decimal(0))


def greedy(order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
           ) -> tuple[Decimal, Decimal]:
    return quantity + 1, price


def in_thirds(order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
              ) -> tuple[Decimal, Decimal]:
    return quantity / 3, price


@pytest.mark.parametrize(
    ("venue", "message"),
    [
        (SimulatedVenue(slippage=nothing), "^the slippage model nothing returned None for order "
         r"o; a slippage model returns a tuple \(quantity, price\) of two Decimals or ints$"),
        (SimulatedVenue(slippage=no_price), "^the price the model no_price returned for order o "
         "is None; a model returns finite Decimals or ints$"),
        (SimulatedVenue(commission=free), "^the commission the model free returned for order o "
         "is None; a model returns finite Decimals or ints$"),
        (SimulatedVenue(commission=in_floats), "^the commission the model in_floats returned "
         "for order o is 0.5; a model returns finite Decimals or ints$"),
        (SimulatedVenue(slippage=by_zero), "^the model by_zero failed on order o with "
         "DivisionByZero; a model returns its result, exact, without raising$"),
        (SimulatedVenue(slippage=greedy), "^the quantity the model greedy returned for order o "
         "is 11, more than the 10 the order has left; a slippage model fills at most the "
         "quantity it is given$"),
        (SimulatedVenue(slippage=in_thirds), "^the quantity the model in_thirds returned for "
         "order o is refused: quantity 3.333333333333333333333333333 is not a multiple of XYZ's "
         "quantity increment 1$"),
        (SimulatedVenue(commission=lambda order, quantity, price: Decimal("1E+40")),
         r"^the commission the model <lambda> returned for order o is refused: commission must "
         r"lie within the bounds: below 10\*\*25"),
        (SimulatedVenue(commission=PerShareCommission(Decimal("1E+24"))),
         r"^the commission the model PerShareCommission\(rate=Decimal\('1E\+24'\), "
         r"minimum=Decimal\('0'\)\) returned for order o is refused: commission must lie "
         r"within the bounds"),
    ],
    ids=["slippage None", "slippage price None", "commission None", "commission float",
         "model divides by zero", "overfill", "off the increment", "commission too large",
         "built-in commission too large"],
)
def test_a_model_result_the_venue_cannot_use_is_refused_naming_the_model(
    venue: SimulatedVenue, message: str
) -> None:
    book = placed(10, MarketOrder())
    with pytest.raises(BadOrderParameters, match=message):
        venue.on_bar(book, XYZ, Bar(100, 101, 99, 100), T0 + timedelta(days=1))
    assert book["o"].status is OPEN


def test_a_commission_model_may_return_an_int_which_is_exact() -> None:
    venue = SimulatedVenue(commission=lambda order, quantity, price: 0)
    (result,) = on_bars(placed(10, MarketOrder()), Bar(100, 101, 99, 100), venue=venue)
    assert result.executions[0].fill.commission == 0
    assert type(result.executions[0].fill.commission) is Decimal


def test_fill_ids_stay_unique_after_a_fill_without_an_id() -> None:
    book = placed(10, MarketOrder())
    book = book.apply("o", Fill(4, 100, dt=T0)).book  # reported with no id
    (result,) = on_bars(book, Bar(100, 101, 99, 100))
    (fill,) = [e.fill for e in result.executions]
    assert fill.fill_id == "bar 2024-01-16T00:00:00 order o event 2"
    assert result.book["o"].history[1] == fill


# A trailing stop-limit that has seen no price.


@pytest.mark.parametrize("amount", [-10, 10])
def test_a_trailing_stop_limit_triggered_before_any_price_fills_at_the_next_open(
    amount: int,
) -> None:
    book = placed(amount, TrailingStopLimitOrder(trail_amount=2, limit_offset=1))
    book = book.apply("o", Trigger(T0)).book  # the venue said it triggered; no price seen
    assert (book["o"].status, book["o"].stop, book["o"].limit) == (TRIGGERED, None, None)
    (result,) = on_bars(book, Bar(100, 103, 97, 101))
    assert fills(result) == [("o", amount, 100)]


def test_a_trailing_stop_limit_partly_filled_before_any_price_fills_the_rest_at_the_open() -> None:
    book = placed(-10, TrailingStopLimitOrder(trail_amount=2, limit_offset=1))
    book = book.apply("o", Fill(4, 101, dt=T0, fill_id="away")).book
    (result,) = on_bars(book, Bar(100, 103, 97, 101))
    assert fills(result) == [("o", -6, 100)]
    assert result.book["o"].status is FILLED


def test_a_market_on_close_order_fills_at_the_close_whatever_the_slippage() -> None:
    for slippage in (TickSlippage(2), PercentSlippage("0.01")):
        (result,) = on_bars(placed(10, MarketOnCloseOrder()), Bar(100, 102, 99, 101),
                            venue=SimulatedVenue(slippage=slippage))
        assert fills(result) == [("o", 10, 101)]
    capped = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact="0.3"))
    (result,) = on_bars(placed(-80, MarketOnCloseOrder()), Bar(100, 102, 99, 101, volume=500),
                        venue=capped)
    assert fills(result) == [("o", -50, 101)]  # the volume limit still holds


# Where the venue differs from backtrader, as docs/from-backtrader.md says.


def test_a_trailing_stop_starts_from_its_first_bar_unless_given_its_first_stop() -> None:
    bar = Bar(100, 101, 94, 96)
    (unseeded,) = on_bars(placed(-10, TrailingStopOrder(trail_amount=2)), bar)
    assert fills(unseeded) == []
    assert unseeded.book["o"].stop == 94  # the close set it
    (seeded,) = on_bars(placed(-10, TrailingStopOrder(trail_amount=2, stop_price=98)), bar)
    assert fills(seeded) == [("o", -10, 98)]  # as backtrader, seeded from a close of 100


def test_a_bracket_trailing_leg_starts_at_stopprice_not_a_trail_below_it() -> None:
    _, stop_leg, _ = buy_bracket(T0, XYZ, 10, stopprice=95, limitprice=120,
                                 stopexec="StopTrail", stopargs={"trailamount": 2})
    assert (stop_leg.order_type, stop_leg.stop) == (OrderType.TRAILING_STOP, 95)


def test_a_fill_stamped_before_an_order_does_not_let_an_older_bar_in() -> None:
    book = placed(10, LimitOrder(95))
    book = book.apply("o", Fill(3, 95, dt=T0 - timedelta(days=5), fill_id="f1")).book
    assert book["o"].dt == T0
    with pytest.raises(BadOrderParameters, match="2024-01-13T00:00:00 is before the last "
                                                 "change of order o at 2024-01-15T00:00:00"):
        VENUE.on_bar(book, XYZ, Bar(94, 96, 93, 95), T0 - timedelta(days=2))


# Slipped prices of an asset with no tick.


@pytest.mark.parametrize(
    ("amount", "price"),
    # 100.37 +- 0.1 x 100.37 x (1/30)**2 = 100.37 +- 0.01115222...: more digits than
    # a fill may hold, so rounded at the 31st digit, up for a buy, down for a sell.
    [(1, "100.3811522222222222222222222223"), (-1, "100.3588477777777777777777777777")],
)
def test_a_slipped_price_of_an_asset_with_no_tick_is_rounded_against_the_trader(
    amount: int, price: str
) -> None:
    venue = SimulatedVenue(VolumeShareSlippage("0.1"))
    book = OrderBook().place(T0, "XYZ", amount, MarketOrder(), ids=["o"]).book
    result = venue.on_bar(book, "XYZ", Bar("100.37", 101, 99, 100, volume=30),
                          T0 + timedelta(days=1))
    assert fills(result) == [("o", amount, Decimal(price))]


def test_a_slipped_price_with_no_tick_that_fits_a_fill_stays_exact() -> None:
    venue = SimulatedVenue(PercentSlippage("0.001"))
    book = OrderBook().place(T0, "XYZ", 1, MarketOrder(), ids=["o"]).book
    result = venue.on_bar(book, "XYZ", Bar(100, 101, 99, 100), T0 + timedelta(days=1))
    assert fills(result) == [("o", 1, Decimal("100.100"))]  # 0.1%, not rounded to a unit
    book = OrderBook().place(T0, "XYZ", 1, LimitOrder("100.125"), ids=["o"]).book
    result = venue.on_bar(book, "XYZ", Bar("100.1", 101, 99, 100), T0 + timedelta(days=1))
    assert fills(result) == [("o", 1, Decimal("100.125"))]  # 100.2001 is past the limit


CAPPED = SimulatedVenue(slippage=VolumeShareSlippage(volume_limit="0.1", price_impact=0))


def placed_with(amount: int, style: ExecutionStyle, *ids: str, **instructions: object
                ) -> OrderBook:
    return OrderBook().place(T0, XYZ, amount, style, ids=ids or ("o",),
                             **instructions).book  # type: ignore[arg-type]


def test_an_ioc_order_fills_what_its_first_bar_allows_and_expires_the_rest_there() -> None:
    book = placed_with(120, MarketOrder(), time_in_force="IOC")
    [result] = on_bars(book, Bar(100, 101, 99, 100, volume=500), venue=CAPPED)
    order = result.book["o"]
    assert [(e.quantity, e.fill.price) for e in result.executions] == [(50, 100)]
    assert (order.status, order.filled, order.expired, order.dt) == (
        CANCELLED, 50, True, T0 + timedelta(days=1))
    assert [(item.order_id, item.event) for item in result.derived] == [
        ("o", Expire(T0 + timedelta(days=1)))]


def test_an_ioc_limit_its_first_bar_does_not_reach_expires_with_nothing_filled() -> None:
    book = placed_with(10, LimitOrder(95), time_in_force="IOC")
    [result] = on_bars(book, Bar(100, 101, 99, 100))
    assert result.executions == ()
    assert (result.book["o"].filled, result.book["o"].expired) == (0, True)


def test_an_ioc_stop_waits_for_its_trigger_then_has_that_bar_only() -> None:
    book = placed_with(-10, StopLimitOrder(limit_price=96, stop_price=95), time_in_force="IOC")
    first, second = on_bars(book, Bar(100, 101, 99, 100), Bar(96, 96.5, 93.5, 94))
    assert first.book["o"].status is OPEN
    assert second.executions == ()
    assert second.book["o"].expired
    gap = on_bars(placed_with(-10, StopOrder(95), time_in_force="IOC"), Bar(93, 94, 90, 92))
    assert gap[0].book["o"].status is FILLED


def test_a_fok_order_the_volume_cannot_fill_whole_fills_nothing_and_expires() -> None:
    book = placed_with(120, MarketOrder(), time_in_force="FOK")
    [result] = on_bars(book, Bar(100, 101, 99, 100, volume=500), venue=CAPPED)
    assert result.executions == ()
    assert (result.book["o"].filled, result.book["o"].expired) == (0, True)


def test_a_fok_order_the_volume_allows_fills_whole() -> None:
    book = placed_with(40, LimitOrder(99), time_in_force="FOK")
    [result] = on_bars(book, Bar(100, 101, 98, 100, volume=500), venue=CAPPED)
    assert [(e.quantity, e.fill.price) for e in result.executions] == [(40, 99)]
    assert result.book["o"].status is FILLED
    assert not any(type(item.event) is Expire for item in result.derived)


def test_a_fok_order_counts_the_volume_orders_before_it_took_on_the_bar() -> None:
    book = placed(30, MarketOrder(), "first")
    book = book.place(T0, XYZ, 30, MarketOrder(), ids=["fok"], time_in_force="FOK").book
    [result] = on_bars(book, Bar(100, 101, 99, 100, volume=500), venue=CAPPED)
    assert [e.order_id for e in result.executions] == ["first"]
    assert result.book["fok"].expired
    assert result.book["first"].filled == 30


def test_the_expiry_of_an_ioc_leg_cancels_its_oco_sibling() -> None:
    style = OCOOrder(LimitOrder(95), StopOrder(110))
    book = OrderBook().place(T0, XYZ, 10, style, ids=["limit", "stop"], time_in_force="IOC").book
    [result] = on_bars(book, Bar(100, 101, 99, 100))
    assert result.book["limit"].expired
    assert result.book["stop"].status is CANCELLED
    assert [item.order_id for item in result.derived] == ["limit", "stop"]


def test_the_book_alone_does_not_expire_immediate_orders() -> None:
    book = placed_with(10, LimitOrder(95), time_in_force="IOC")
    assert book.on_time(T0 + timedelta(days=30)).book["o"].status is OPEN


def test_a_post_only_limit_that_would_take_liquidity_is_rejected() -> None:
    book = placed_with(10, LimitOrder(100), post_only=True)
    [result] = on_bars(book, Bar(100, 101, 99, 100))
    order = result.book["o"]
    assert result.executions == ()
    assert order.status is REJECTED
    assert order.reason == (
        "post-only: the buy limit 100 is at or above 100, the price it met, so it would "
        "take liquidity; a post-only buy must rest below the price it meets")
    assert result.derived[-1].event == Reject(order.reason)


def test_a_post_only_limit_that_rests_fills_at_its_limit_on_a_later_bar() -> None:
    book = placed_with(-10, LimitOrder(102), post_only=True)
    first, second = on_bars(book, Bar(100, 101, 99, 100), Bar(100, 103, 99, 102))
    assert first.book["o"].status is OPEN
    assert [(e.quantity, e.fill.price) for e in second.executions] == [(-10, 102)]


def test_a_resting_post_only_limit_that_a_later_bar_gaps_through_fills_as_a_limit() -> None:
    book = placed_with(10, LimitOrder(100), post_only=True)
    first, second = on_bars(book, Bar(101, 102, 101, 101), Bar(98, 99, 97, 98))
    assert first.book["o"].status is OPEN  # it rested on the bar it met first
    assert second.book["o"].status is FILLED  # the market came to it: not taking
    assert [(e.quantity, e.fill.price) for e in second.executions] == [(10, 98)]


def test_a_post_only_limit_placed_between_bars_is_judged_on_the_next_one() -> None:
    book = on_bars(placed_with(10, LimitOrder(95), "a", post_only=True), Bar(100, 101, 99, 100))
    later = book[0].book.place(T0 + timedelta(days=1, hours=1), XYZ, 10, LimitOrder(101),
                               ids=["b"], post_only=True).book
    [result] = on_bars_from(later, 2, Bar(100, 101, 99, 100))
    assert (result.book["a"].status, result.book["b"].status) == (OPEN, REJECTED)


def test_a_post_only_stop_limit_is_judged_on_the_bar_that_triggers_it() -> None:
    book = placed_with(10, StopLimitOrder(limit_price=105, stop_price=103), post_only=True)
    rested, gapped = on_bars(book, Bar(100, 100, 99, 100), Bar(104, 105, 103, 104))
    assert rested.book["o"].status is OPEN
    assert gapped.book["o"].status is REJECTED  # triggered at the open 104, under its limit


def test_a_pickled_book_keeps_its_rested_post_only_orders() -> None:
    [result] = on_bars(placed_with(10, LimitOrder(95), post_only=True), Bar(100, 101, 99, 100))
    loaded = pickle.loads(pickle.dumps(result.book))
    assert dict(loaded.post_only_rested[XYZ]) == {"o": result.book["o"].terms}
    [later] = on_bars_from(loaded, 2, Bar(94, 96, 93, 95))
    assert later.book["o"].status is FILLED  # rested: the gap fills it


def test_a_pickled_book_judges_a_post_only_order_amended_since_it_rested_as_the_book_does() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(95), post_only=True), Bar(100, 101, 99, 100))
    amended = rested.book.apply("o", Amend(limit=105)).book.apply("o", Amend(limit=95)).book
    [kept] = on_bars_from(amended, 2, Bar(94, 96, 93, 95))
    [loaded] = on_bars_from(pickle.loads(pickle.dumps(amended)), 2, Bar(94, 96, 93, 95))
    assert (loaded.book["o"].status, loaded.executions) == (kept.book["o"].status, kept.executions)
    assert kept.book["o"].status is REJECTED  # judged again: it no longer rests as it stands


def test_a_post_only_order_released_from_a_hold_is_judged_again() -> None:
    book = placed_with(10, LimitOrder(99), post_only=True)
    [rested] = on_bars(book, Bar(100, 101, 99.5, 100))
    held = rested.book.apply("o", Hold("risk")).book
    [skipped] = on_bars_from(held, 2, Bar(98, 99, 97, 98))
    released = skipped.book.apply("o", Release()).book
    [judged] = on_bars_from(released, 3, Bar(98, 99, 97, 98))
    assert (skipped.book["o"].status, judged.book["o"].status) == (HELD, REJECTED)


def test_a_post_only_order_amended_to_a_taking_limit_is_judged_again() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(95), post_only=True), Bar(100, 101, 99, 100))
    amended = rested.book.apply("o", Amend(limit=105)).book
    [judged] = on_bars_from(amended, 2, Bar(100, 101, 99, 100))
    assert (judged.book["o"].status, judged.executions) == (REJECTED, ())


def test_a_bar_without_a_time_does_not_make_a_rested_order_arrive_again() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(99), post_only=True), Bar(100, 101, 99.5, 100))
    seen = rested.book.on_bar(XYZ, Bar(100, 100, 99.5, 100)).book
    [gapped] = on_bars_from(seen, 2, Bar(97, 98, 96, 97))
    assert [(e.quantity, e.fill.price) for e in gapped.executions] == [(10, 97)]


def test_a_post_only_stop_limit_repriced_on_its_trigger_bar_rests_until_the_next() -> None:
    venue = SimulatedVenue(post_only="reprice")
    book = placed_with(10, StopLimitOrder(limit_price=103, stop_price=102), post_only=True)
    first, second = on_bars(book, Bar(100, 104, 99, 103), Bar(103, 103, 101, 102), venue=venue)
    assert (first.executions, first.book["o"].limit) == ((), Decimal("101.99"))
    assert [(e.quantity, e.fill.price) for e in second.executions] == [(10, Decimal("101.99"))]


def test_the_reprice_option_moves_a_taking_post_only_limit_one_tick_from_the_open() -> None:
    venue = SimulatedVenue(post_only="reprice")
    book = placed_with(10, LimitOrder(101), post_only=True)
    [result] = on_bars(book, Bar(100, 101, "99.5", 100), venue=venue)
    assert [(e.quantity, e.fill.price) for e in result.executions] == [(10, Decimal("99.99"))]
    unreached = on_bars(book, Bar(100, 101, 100, 100), venue=venue)[0]
    assert unreached.executions == ()
    assert unreached.book["o"].limit == Decimal("99.99")
    assert unreached.book["o"].status is OPEN


def test_the_reprice_option_needs_an_asset_with_a_tick() -> None:
    book = OrderBook().place(T0, "XYZ", 10, LimitOrder(101), ids=["o"], post_only=True).book
    with pytest.raises(BadOrderParameters, match="its asset 'XYZ' has no tick"):
        SimulatedVenue(post_only="reprice").on_bar(book, "XYZ", Bar(100, 101, 99, 100),
                                                   T0 + timedelta(days=1))
    with pytest.raises(BadOrderParameters, match="post_only must be 'reject' or 'reprice'"):
        SimulatedVenue(post_only="slide")  # type: ignore[arg-type]


def test_a_bar_older_than_an_ioc_order_it_would_only_expire_is_refused() -> None:
    book = OrderBook().place(T0, XYZ, 10, LimitOrder(95), ids=["o"], time_in_force="IOC").book
    with pytest.raises(BadOrderParameters, match="before the last change of order o"):
        VENUE.on_bar(book, XYZ, Bar(100, 101, 99, 100), T0 - timedelta(days=1))


def test_a_post_only_limit_placed_at_the_end_time_of_the_latest_bar_is_judged_on_the_next() -> None:
    book = on_bars(placed_with(10, LimitOrder(95), "a", post_only=True), Bar(100, 101, 99, 100))
    at_the_end = book[0].book.place(T0 + timedelta(days=1), XYZ, 10, LimitOrder(101),
                                    ids=["b"], post_only=True).book
    [result] = on_bars_from(at_the_end, 2, Bar(100, 101, 99, 100))
    assert result.book["b"].status is REJECTED


def test_a_book_without_post_only_orders_keeps_nothing_rested() -> None:
    [result] = on_bars(placed_with(10, LimitOrder(95)), Bar(100, 101, 99, 100))
    assert dict(result.book.post_only_rested) == {}


def test_a_post_only_order_that_ends_is_no_longer_kept_as_rested() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(95), post_only=True), Bar(100, 101, 99, 100))
    assert "o" in rested.book.post_only_rested[XYZ]
    partly = rested.book.apply("o", Fill(4, 95, fill_id="f")).book
    assert "o" in partly.post_only_rested[XYZ]  # it still rests, as a maker
    cancelled = rested.book.cancel("o").book
    assert XYZ not in cancelled.post_only_rested
    released = cancelled.release(T0 + timedelta(days=30)).book
    assert loads(dumps(released)) == released


def test_a_post_only_stop_limit_is_judged_where_the_bar_triggers_it() -> None:
    style = OCOOrder(LimitOrder(99), StopLimitOrder(limit_price=106, stop_price=105))
    book = OrderBook().place(T0, XYZ, 10, style, ids=["a", "b"], post_only=True).book
    [result] = on_bars(book, Bar(100, 106, 98, 101))  # the path meets 99 before 105
    assert (result.book["a"].status, result.book["b"].status) == (FILLED, CANCELLED)
    assert [(e.order_id, e.fill.price) for e in result.executions] == [("a", 99)]


def test_a_partly_filled_post_only_order_amended_to_take_is_judged_again() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(99), post_only=True), Bar(100, 101, 99.5, 100))
    partly = rested.book.apply("o", Fill(4, 99, fill_id="f")).book
    amended = partly.apply("o", Amend(limit=101)).book
    [judged] = on_bars_from(amended, 2, Bar(100, 101, 99, 100))
    assert (judged.book["o"].status, judged.book["o"].filled, judged.executions) == (
        REJECTED, 4, ())


def test_a_post_only_order_held_and_released_between_bars_is_judged_again() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(99), post_only=True), Bar(100, 101, 99.5, 100))
    released = rested.book.apply("o", Hold("risk")).book.apply("o", Release()).book
    [judged] = on_bars_from(released, 2, Bar(98, 99, 97, 98))
    assert judged.book["o"].status is REJECTED


def test_a_document_keeps_only_the_rested_orders_whose_terms_were_judged() -> None:
    [rested] = on_bars(placed_with(10, LimitOrder(99), post_only=True), Bar(100, 101, 99.5, 100))
    amended = rested.book.apply("o", Amend(limit=101)).book
    [judged] = on_bars_from(loads(dumps(amended)), 2, Bar(100, 101, 99, 100))
    assert judged.book["o"].status is REJECTED
