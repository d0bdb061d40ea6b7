from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import reduce

import pytest

from orders import (
    ORDER_STATUS,
    Asset,
    BadOrderParameters,
    Bar,
    DecimalOrder,
    Fill,
    InvalidTransition,
    LimitOrder,
    OrderBook,
    PriceUpdate,
    StopOrder,
    TimeKindError,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
    apply,
    check_triggers,
    check_triggers_bar,
    is_marketable,
)

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL")


def order(amount: int, **prices: object) -> DecimalOrder:
    return DecimalOrder(T0, "XYZ", amount, id="o", **prices)  # type: ignore[arg-type]


def path(start: DecimalOrder, prices: list[object]) -> list[DecimalOrder]:
    seen = []
    current = start
    for step, price in enumerate(prices):
        current = current.check_triggers(price, T0 + timedelta(minutes=step))
        seen.append(current)
    return seen


# Stops on a trade price, both sides, at, just through and just short of the stop.
@pytest.mark.parametrize(
    ("amount", "price", "triggers"),
    [
        (100, "99.99", False),
        (100, "100.00", True),
        (100, "100.01", True),
        (-100, "100.01", False),
        (-100, "100.00", True),
        (-100, "99.99", True),
    ],
)
def test_a_stop_triggers_at_or_through_its_level(amount: int, price: str, triggers: bool) -> None:
    result = order(amount, stop="100.00").check_triggers(price, T0)
    assert (result.status is TRIGGERED) is triggers
    assert result.stop_reached is triggers
    if triggers:
        assert result.history[-1] == Trigger(T0, Decimal(price))
    else:
        assert len(result.history) == 0


@pytest.mark.parametrize(
    ("amount", "price", "reached"),
    [
        (100, "100.01", False),
        (100, "100.00", True),
        (100, "99.99", True),
        (-100, "99.99", False),
        (-100, "100.00", True),
        (-100, "100.01", True),
    ],
)
def test_a_limit_is_reached_at_or_better_than_its_level(
    amount: int, price: str, reached: bool
) -> None:
    result = order(amount, limit="100.00").check_triggers(price, T0)
    assert result.limit_reached is reached
    assert result.status is OPEN


def test_limit_reached_follows_the_latest_price() -> None:
    seen = path(order(100, limit="100"), ["99", "101", "100"])
    assert [o.limit_reached for o in seen] == [True, False, True]


def test_a_stop_limit_triggers_on_its_stop_then_acts_as_a_limit() -> None:
    buy = order(100, stop="100", limit="101")
    assert not buy.check_triggers("99.5", T0).limit_reached  # waiting: the limit is not live
    triggered = buy.check_triggers("100.5", T0)
    assert (triggered.status, triggered.limit_reached) == (TRIGGERED, True)
    jumped = buy.check_triggers("102", T0)  # crossed, but beyond the limit
    assert (jumped.status, jumped.limit_reached) == (TRIGGERED, False)
    assert jumped.check_triggers("100.8", T0).limit_reached


def test_held_and_terminal_orders_and_market_orders_do_not_move() -> None:
    stop = order(-100, stop="100")
    for still in (stop.hold(), stop.cancel(), stop.reject(), stop.fill(100, 99)):
        assert still.check_triggers("50", T0) is still
    market = order(100)
    assert market.check_triggers("50", T0) is market


def test_a_triggered_stop_does_not_trigger_again() -> None:
    triggered = order(-100, stop="100").check_triggers("99", T0)
    assert triggered.check_triggers("98", T0) is triggered


# Trailing stops.

REFERENCE_PRICES = [100, 105, 110, 115, 112, 110, 108]


def test_the_reference_trailing_stop_simulation() -> None:
    # 000_80d7b44a666b9422.txt, "Trailing Stop Behavior Simulation": a 5% trail on a sell.
    start = DecimalOrder.from_style(T0, "AAPL", -100, TrailingStopOrder(trail_percent=0.05))
    seen = path(start, REFERENCE_PRICES)
    assert [str(o.stop) for o in seen] == [
        "95.00", "99.75", "104.50", "109.25", "109.25", "109.25", "109.25",
    ]
    assert [o.status for o in seen] == [OPEN] * 6 + [TRIGGERED]
    assert seen[-1].history[-1] == Trigger(T0 + timedelta(minutes=6), Decimal(108))
    assert seen[-1].trailing_highest_price == 115


def test_the_same_path_with_an_amount_trail() -> None:
    start = order(-100, trail_amount=5)
    seen = path(start, REFERENCE_PRICES)
    assert [o.stop for o in seen] == [95, 100, 105, 110, 110, 110, 110]
    assert [o.status for o in seen] == [OPEN] * 5 + [TRIGGERED] * 2
    assert seen[5].history[-1] == Trigger(T0 + timedelta(minutes=5), Decimal(110))


def test_the_mirrored_buy_side_path() -> None:
    start = order(100, trail_percent="0.05")
    seen = path(start, [100, 95, 90, 85, 88, 90, 92])
    assert [str(o.stop) for o in seen] == [
        "105.00", "99.75", "94.50", "89.25", "89.25", "89.25", "89.25",
    ]
    # 85 x 1.05 = 89.25, so the rebound to 90 already crosses the stop.
    assert [o.status for o in seen] == [OPEN] * 5 + [TRIGGERED] * 2
    assert seen[5].history[-1] == Trigger(T0 + timedelta(minutes=5), Decimal(90))
    assert seen[-1].trailing_lowest_price == 85


def test_a_trailing_stop_rounds_to_the_tick_never_more_aggressively() -> None:
    sell = DecimalOrder(T0, AAPL, -100, trail_percent="0.033").check_triggers("101.01", T0)
    assert sell.stop == Decimal("97.67")  # 97.67333 rounds down for a sell stop
    buy = DecimalOrder(T0, AAPL, 100, trail_percent="0.033").check_triggers("101.01", T0)
    assert buy.stop == Decimal("104.35")  # 104.34333 rounds up for a buy stop


def test_a_trailing_stop_limit_moves_its_limit_with_its_stop() -> None:
    start = DecimalOrder.from_style(
        T0, "XYZ", -100, TrailingStopLimitOrder(trail_amount=5, limit_offset="0.5")
    )
    assert (start.stop, start.limit) == (None, None)
    seen = path(start, [100, 110, 104])
    assert [(o.stop, o.limit) for o in seen] == [
        (95, Decimal("94.5")), (105, Decimal("104.5")), (105, Decimal("104.5")),
    ]
    assert seen[-1].status is TRIGGERED
    assert not seen[-1].limit_reached  # 104 is below the 104.5 sell limit
    assert seen[-1].check_triggers("104.6", T0 + timedelta(minutes=3)).limit_reached


def test_an_amended_trail_recomputes_the_stop_from_the_current_mark() -> None:
    trailing = path(order(-100, trail_amount=5), [100, 110])[-1]
    assert trailing.stop == 105
    wider = trailing.amend(trail_amount=8)
    assert (wider.stop, wider.trailing_highest_price) == (102, 110)
    assert trailing.amend(trail_percent="0.01").stop == Decimal("108.90")
    assert order(-100, trail_amount=5).amend(trail_amount=3).stop is None


def test_price_updates_fold_back_into_the_order() -> None:
    start = order(-100, trail_amount=5)
    final = path(start, REFERENCE_PRICES)[-1]
    assert reduce(apply, final.history, start) == final


def test_a_price_that_changes_nothing_is_not_recorded() -> None:
    trailing = path(order(-100, trail_amount=5), [100, 110])[-1]
    later = T0 + timedelta(minutes=2)
    assert trailing.check_triggers(107, later) is trailing
    assert apply(trailing, PriceUpdate(107, later)) is trailing


def test_held_orders_refuse_price_updates_applied_directly() -> None:
    with pytest.raises(InvalidTransition, match="PriceUpdate is allowed only from"):
        apply(order(100, limit=1).hold(), PriceUpdate(1))


# Bars, following backtrader's BackBroker.


@pytest.mark.parametrize(
    ("amount", "bar", "trigger_price"),
    [
        (100, Bar(101, 103, 100, 102), Decimal(101)),  # opens above a buy stop: the open
        (100, Bar(98, 100.5, 97, 99), Decimal(100)),  # trades through it: the stop
        (100, Bar(98, "99.99", 97, 99), None),  # never reaches it
        (-100, Bar(99, 100, 97, 98), Decimal(99)),  # opens below a sell stop
        (-100, Bar(102, 103, "99.5", 101), Decimal(100)),
        (-100, Bar(102, 103, "100.01", 101), None),
    ],
)
def test_a_bar_triggers_a_stop_at_the_open_on_a_gap_else_at_the_stop(
    amount: int, bar: Bar, trigger_price: Decimal | None
) -> None:
    result = order(amount, stop=100).check_triggers_bar(bar, T0)
    if trigger_price is None:
        assert result.status is OPEN
    else:
        assert result.status is TRIGGERED
        assert result.history[-1] == Trigger(T0, trigger_price)


@pytest.mark.parametrize(
    ("amount", "bar", "reached"),
    [
        (100, Bar(99, 101, 98, 100), True),  # opens below a buy limit
        (100, Bar(102, 103, 100, 101), True),  # low touches it
        (100, Bar(102, 103, "100.01", 101), False),
        (-100, Bar(101, 102, 99, 100), True),
        (-100, Bar(98, 100, 97, 99), True),
        (-100, Bar(98, "99.99", 97, 99), False),
    ],
)
def test_a_bar_reaches_a_limit_when_its_range_touches_it(
    amount: int, bar: Bar, reached: bool
) -> None:
    assert order(amount, limit=100).check_triggers_bar(bar, T0).limit_reached is reached


@pytest.mark.parametrize(
    ("limit", "bar", "reached"),
    [
        (101, Bar(102, 104, 100, 103), True),  # gap trigger: the whole bar counts
        (99, Bar(102, 104, 100, 103), False),
        (101, Bar(98, 102, 97, 101), True),  # intrabar trigger, limit admits the stop
        (99, Bar(98, 102, 97, 101), False),  # rising bar: the low came before
        (99, Bar(99.5, 102, 97, 98), True),  # falling bar: came back to close 98
        ("97.5", Bar(99.5, 102, 97, 98), False),
    ],
)
def test_a_bar_judges_a_buy_stop_limit_after_its_trigger(
    limit: object, bar: Bar, reached: bool
) -> None:
    result = order(100, stop=100, limit=limit).check_triggers_bar(bar, T0)
    assert result.status is TRIGGERED
    assert result.limit_reached is reached


def test_a_bar_judges_a_sell_stop_limit_after_its_trigger() -> None:
    sell = order(-100, stop=100, limit=99)
    assert sell.check_triggers_bar(Bar(101, 102, 98, 99), T0).limit_reached  # admits the stop
    rising = sell.check_triggers_bar(Bar("100.5", 102, 99, 101), T0)
    assert rising.limit_reached  # limit 99 admits the stop 100
    strict = order(-100, stop=100, limit=101)
    assert not strict.check_triggers_bar(Bar(101, 102, 98, 99), T0).limit_reached
    assert strict.check_triggers_bar(Bar("100.5", 102, 98, "101.5"), T0).limit_reached


def test_a_trailing_stop_checks_a_bar_before_ratcheting_with_its_close() -> None:
    trailing = order(-100, trail_amount=5).check_triggers_bar(Bar(100, 100, 100, 100), T0)
    assert trailing.stop == 95
    # High 110 then low 96 in either order: the stop in force was 95, so no trigger,
    # and the close 109 ratchets it to 104.
    after = trailing.check_triggers_bar(Bar(100, 110, 96, 109), T0)
    assert (after.status, after.stop) == (OPEN, 104)
    crossed = after.check_triggers_bar(Bar(106, 112, 103, 111), T0)
    assert (crossed.status, crossed.stop) == (TRIGGERED, 104)
    assert crossed.history[-1] == Trigger(T0, Decimal(104))


def test_a_bar_must_be_consistent() -> None:
    with pytest.raises(BadOrderParameters, match="low <= open, close <= high"):
        Bar(100, 99, 98, 100)


# is_marketable.


@pytest.mark.parametrize(
    ("build", "price", "expected"),
    [
        (lambda: order(100), 1000, True),
        (lambda: order(100, limit=100), 100, True),
        (lambda: order(100, limit=100), "100.01", False),
        (lambda: order(-100, limit=100), "99.99", False),
        (lambda: order(100, stop=100), "99.99", False),
        (lambda: order(100, stop=100), 100, True),
        (lambda: order(100, stop=100, limit=101), 102, False),
        (lambda: order(100, stop=100, limit=101), "100.5", True),
        (lambda: order(100, stop=100, limit=101).trigger(), "99", True),
        (lambda: order(-100, trail_amount=5), 50, False),
        (lambda: order(100, limit=100).hold(), 50, False),
        (lambda: order(100, limit=100).cancel(), 50, False),
    ],
)
def test_is_marketable(build: object, price: object, expected: bool) -> None:
    assert is_marketable(build(), price) is expected  # type: ignore[operator,arg-type]


def test_module_functions_match_the_methods() -> None:
    start = order(-100, trail_amount=5)
    assert check_triggers(start, 100, T0) == start.check_triggers(100, T0)
    bar = Bar(100, 101, 99, 100)
    assert check_triggers_bar(start, bar, T0) == start.check_triggers_bar(bar, T0)


def test_a_trailing_stop_given_at_construction_never_loosens() -> None:
    restored = order(-100, trail_amount=10, stop=100)
    after = restored.check_triggers(105, T0)  # 105 - 10 = 95 would loosen the stop
    assert (after.stop, after.trailing_highest_price, after.status) == (100, 105, OPEN)
    assert after.check_triggers(112, T0).stop == 102


def test_a_price_that_moves_nothing_returns_the_same_order_unrecorded() -> None:
    trailing = order(-100, trail_amount="2.00").check_triggers("100.00", T0)
    assert list(trailing.history) == [PriceUpdate(Decimal("100.00"), T0)]
    for price in ("99.00", "100.00", "98.01"):  # at or below the mark, above the stop
        assert apply(trailing, PriceUpdate(price, T0)) is trailing
    moved = apply(trailing, PriceUpdate("101.00", T0))
    assert moved.trailing_highest_price == Decimal("101.00")
    assert moved.stop == Decimal("99.00")
    # Applied alone to the initial order it gives the same order: it replaces
    # the update before it, and the history stays the fold of the order.
    assert list(moved.history) == [PriceUpdate(Decimal("101.00"), T0)]
    assert reduce(apply, moved.history, moved.initial) == moved


def test_market_updates_that_matter_stay_in_the_history() -> None:
    start = order(-100, trail_amount="2.00")
    rising = start
    for price in ("100", "103", "102", "106"):
        rising = rising.check_triggers(price, T0)
    assert [event.price for event in rising.history] == [Decimal(106)]  # type: ignore[union-attr]
    assert (rising.trailing_highest_price, rising.stop) == (106, 104)
    buying = order(100, limit="99.00").check_triggers("98", T0).check_triggers("100", T0)
    assert buying == buying.initial  # back where it started: nothing to remember
    filled = buying.fill(10, "99.00").check_triggers("98", T0)
    assert [type(event).__name__ for event in filled.history] == ["Fill", "PriceUpdate"]
    limit = order(100, limit="99.00")
    for price in ("98", "100", "98", "100", "97"):
        limit = limit.check_triggers(price, T0)
    assert len(limit.history) == 1
    assert limit.limit_reached
    for history_owner in (rising, filled, limit):
        assert reduce(apply, history_owner.history, history_owner.initial) == history_owner


# Market data in time order.


def test_market_data_from_before_an_order_was_created_does_not_move_it() -> None:
    created = T0 + timedelta(hours=1)
    book = OrderBook().place(created, AAPL, -100, StopOrder(95), ids=["s"]).book
    assert book.on_price(AAPL, 94, T0).book["s"] is book["s"]
    assert book.on_bar(AAPL, Bar(96, 97, 93, 94), T0).book["s"] is book["s"]
    assert book["s"].check_triggers(94, T0) is book["s"]
    assert book["s"].check_triggers_bar(Bar(96, 97, 93, 94), T0) is book["s"]
    assert book["s"].check_triggers(94, created).status is TRIGGERED


def test_a_print_older_than_a_fill_moves_the_other_orders_only() -> None:
    # A live feed: the venue stamps a fill at 09:30:01, and a trade printed at
    # 09:30:00.5 arrives after it. The filled order has seen a later market.
    book = OrderBook().place(T0, AAPL, 10, LimitOrder(95), ids=["l"]).book
    book = book.place(T0, AAPL, -10, StopOrder(95), ids=["s"]).book
    book = book.apply("l", Fill(3, 95, dt=T0 + timedelta(seconds=1), fill_id="f1")).book
    late = T0 + timedelta(milliseconds=500)
    result = book.on_price(AAPL, 94, late)
    assert result.book["l"] is book["l"]
    assert (result.book["s"].status, result.book["s"].dt) == (TRIGGERED, late)
    assert [item.order_id for item in result.derived] == ["s"]
    bar_result = book.on_bar(AAPL, Bar(96, 97, 93, 94), late)
    assert bar_result.book["l"] is book["l"]
    assert bar_result.book["s"].status is TRIGGERED


def test_market_data_older_than_an_orders_last_change_leaves_it_as_it_was() -> None:
    book = OrderBook().place(T0, AAPL, -100, TrailingStopOrder(trail_amount=5), ids=["t"]).book
    book = book.on_price(AAPL, 100, T0 + timedelta(minutes=5)).book
    older = book.on_price(AAPL, 110, T0 + timedelta(minutes=2)).book
    assert (older["t"].stop, older["t"].dt) == (95, T0 + timedelta(minutes=5))
    assert older["t"] is book["t"]


def test_prices_at_the_same_time_as_an_orders_last_change_apply() -> None:
    book = OrderBook().place(T0, AAPL, -100, TrailingStopOrder(trail_amount=5), ids=["t"]).book
    for price in (100, 110, 104):  # three trades printed with one timestamp
        book = book.on_price(AAPL, price, T0).book
    assert (book["t"].stop, book["t"].status, book["t"].dt) == (105, TRIGGERED, T0)


def test_an_aware_price_time_for_a_naive_order_is_refused_not_compared() -> None:
    aware = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    with pytest.raises(TimeKindError, match="the market data's dt 2024-01-15T09:30:00"
                                            r"\+00:00 is aware, but order o's dt is naive"):
        order(-100, stop=95).check_triggers(94, aware)
