"""Building linked orders (orders.linked): backtrader's bracket keywords and BracketOrder."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from orders import (
    ORDER_STATUS,
    Asset,
    BadOrderParameters,
    BracketOrder,
    DecimalOrder,
    Fill,
    LimitOrder,
    LinkedOrderError,
    MarketOrder,
    OrderBook,
    OrderType,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    bracket_orders,
    buy_bracket,
    sell_bracket,
)

T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL")
LEVELS = {"stopprice": 95, "limitprice": 110}


def test_the_default_bracket_is_a_limit_entry_with_a_stop_and_a_take_profit() -> None:
    main, stop, limit = buy_bracket(T0, AAPL, 100, price=100, **LEVELS)
    assert (main.order_type, main.limit, main.amount) == ("limit", 100, 100)
    assert (stop.order_type, stop.stop, stop.amount, stop.status) == ("stop", 95, -100,
                                                                      ORDER_STATUS.HELD)
    assert (limit.order_type, limit.limit, limit.status) == ("limit", 110, ORDER_STATUS.HELD)
    assert buy_bracket(T0, AAPL, 100, **LEVELS)[0].order_type == "market"


@pytest.mark.parametrize(
    ("keywords", "kind", "stop", "limit"),
    [
        ({"exectype": "Stop", "price": 101}, "stop", 101, None),
        ({"exectype": OrderType.STOP_LIMIT, "price": 101, "plimit": 102}, "stop_limit", 101, 102),
        ({"exectype": "StopLimit", "price": 101, "plimit": 102}, "stop_limit", 101, 102),
        ({"exectype": "Market"}, "market", None, None),
        ({"exectype": "Close"}, "market_on_close", None, None),
        ({"exectype": "limit", "price": 99}, "limit", None, 99),
    ],
)
def test_exectype_chooses_the_entry(keywords: dict[str, object], kind: str,
                                    stop: int | None, limit: int | None) -> None:
    main = buy_bracket(T0, AAPL, 10, **LEVELS, **keywords)[0]  # type: ignore[arg-type]
    assert (main.order_type, main.stop, main.limit) == (kind, stop, limit)


def test_trailing_entries_start_from_price() -> None:
    main = sell_bracket(T0, AAPL, 10, exectype="StopTrail", price=99, trailamount=2,
                        stopprice=105, limitprice=90)[0]
    assert (main.order_type, main.stop, main.trail_amount) == ("trailing_stop", 99, 2)
    main = buy_bracket(T0, AAPL, 10, exectype="StopTrailLimit", price=101, plimit="101.5",
                       trailpercent="0.01", **LEVELS)[0]
    assert (main.order_type, main.stop, main.limit_offset, main.trail_percent) == (
        "trailing_stop_limit", 101, Decimal("0.5"), Decimal("0.01"),
    )


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"exectype": "Market", "price": 100}, "a market order takes no price"),
        ({"exectype": "Limit"}, "a limit order needs price"),
        ({"exectype": "StopLimit", "price": 101}, "a stop_limit order needs plimit"),
        ({"exectype": "Historical"}, "exectype must be an OrderType or one of Market, Limit"),
        ({"price": 100, "trailamount": 1}, "a limit order takes no trailamount"),
        ({"exectype": "StopTrail"}, "exactly one of trail_amount and trail_percent"),
        ({"stopexec": "Limit"}, "stopexec must be Stop, StopTrail or StopTrailLimit"),
        ({"stopargs": {"price": 1}}, "stopargs takes valid, plimit, trailamount, trailpercent"),
        ({"limitargs": {"trailamount": 1}}, "limitargs takes valid; got trailamount"),
        ({"limitexec": None}, "limitexec=None builds no take-profit, so it takes no limitprice"),
        ({"limitexec": "Stop"}, "limitexec must be Limit or None"),
        ({"valid": timedelta(0)}, "valid must be None, a datetime, a date or a positive"),
        ({"valid": 738000.5}, "valid must be None, a datetime"),
        ({"price": 111}, "entry limit_price 111 must lie strictly between"),
    ],
)
def test_bad_bracket_keywords_are_refused(keywords: dict[str, object], message: str) -> None:
    given = {**LEVELS, **keywords}
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        buy_bracket(T0, AAPL, 10, **given)  # type: ignore[arg-type]


def test_limitprice_is_required_unless_limitexec_is_none() -> None:
    with pytest.raises(BadOrderParameters, match="a take-profit needs limitprice"):
        buy_bracket(T0, AAPL, 10, stopprice=95)
    _, stop = buy_bracket(T0, AAPL, 10, price=100, stopprice=95, limitexec=None,
                             ids=("m", "s"))
    assert stop.linked_order_ids == ()
    with pytest.raises(LinkedOrderError, match=re.escape(
        "a short bracket's entry lies below its stop-loss; entry m limits at 106, "
        "stop-loss s stops at 105"
    )):
        sell_bracket(T0, AAPL, 10, price=106, stopprice=105, limitexec=None, ids=("m", "s"))


@pytest.mark.parametrize(
    ("valid", "until"),
    [
        (datetime(2024, 1, 16, 12), datetime(2024, 1, 16, 12)),
        (date(2024, 1, 16), datetime(2024, 1, 17)),
        (timedelta(hours=2), T0 + timedelta(hours=2)),
    ],
)
def test_valid_is_the_entrys_validity(valid: object, until: datetime) -> None:
    main, stop, limit = buy_bracket(T0, AAPL, 10, price=100, valid=valid, **LEVELS)  # type: ignore[arg-type]
    assert (main.time_in_force, main.valid_until) == ("GTD", until)
    assert (stop.time_in_force, limit.time_in_force) == ("GTC", "GTC")


def test_a_date_keeps_the_time_zone_of_dt() -> None:
    aware = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
    main = buy_bracket(aware, AAPL, 10, price=100, valid=date(2024, 1, 15), **LEVELS)[0]
    assert main.valid_until == datetime(2024, 1, 16, tzinfo=UTC)


def test_each_leg_takes_its_own_keywords() -> None:
    _, stop, limit = buy_bracket(
        T0, AAPL, 10, price=100, **LEVELS,
        stopexec="StopTrail", stopargs={"trailamount": 2, "valid": timedelta(days=1)},
        limitargs={"valid": datetime(2024, 2, 1)},
    )
    assert (stop.order_type, stop.stop, stop.trail_amount, stop.valid_until) == (
        "trailing_stop", 95, 2, T0 + timedelta(days=1),
    )
    assert limit.valid_until == datetime(2024, 2, 1)
    _, stop, _ = buy_bracket(T0, AAPL, 10, price=100, **LEVELS, stopexec="StopTrailLimit",
                             stopargs={"trailpercent": "0.02", "plimit": "94.5"})
    assert (stop.order_type, stop.stop, stop.limit_offset) == (
        "trailing_stop_limit", 95, Decimal("0.5"),
    )


def test_a_trailing_stop_loss_starts_at_its_price_and_only_tightens() -> None:
    orders = buy_bracket(T0, AAPL, 10, price=100, **LEVELS, stopexec="StopTrail",
                         stopargs={"trailamount": 3}, ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book.apply("m", Fill(10, 100)).book
    assert book.on_price(AAPL, 97, T0).book["s"].stop == 95  # 97 - 3 would loosen it
    assert book.on_price(AAPL, 105, T0).book["s"].stop == 102


def test_bracket_order_offers_the_same_choices() -> None:
    style = BracketOrder(LimitOrder(100), 95, None,
                         stop_loss_trail=TrailingStopLimitOrder(trail_amount=2, limit_offset=1))
    _, stop = bracket_orders(T0, AAPL, 10, style, ids=("m", "s"))
    assert (stop.order_type, stop.stop, stop.trail_amount, stop.limit_offset) == (
        "trailing_stop_limit", 95, 2, 1,
    )
    placed = OrderBook().place(T0, AAPL, 10, style, ids=("m", "s"))
    assert [o.id for o in placed.book.children("m")] == ["s"]
    with pytest.raises(BadOrderParameters, match="BracketOrder places 2 order"):
        OrderBook().place(T0, AAPL, 10, style, ids=("m", "s", "l"))


@pytest.mark.parametrize(
    ("trail", "message"),
    [
        (StopOrder(90), "stop_loss_trail must be a TrailingStopOrder or TrailingStopLimitOrder"),
        (TrailingStopOrder(trail_amount=1, stop_price=90), "stop_loss_trail takes no stop_price"),
    ],
)
def test_stop_loss_trail_is_a_trail_without_a_stop(trail: object, message: str) -> None:
    with pytest.raises(BadOrderParameters, match=message):
        BracketOrder(MarketOrder(), 95, 110, stop_loss_trail=trail)  # type: ignore[arg-type]


def test_a_trailing_style_may_start_from_a_stop() -> None:
    order = DecimalOrder.from_style(T0, AAPL, -10, TrailingStopOrder(trail_amount=2,
                                                                     stop_price="95.004"))
    assert (order.stop, order.check_triggers(96, T0).stop) == (Decimal("95.00"), 95)
    assert order.check_triggers(98, T0).stop == 96


def test_place_counts_one_id_per_order() -> None:
    with pytest.raises(BadOrderParameters, match=r"takes a list or tuple of 1 ids; got .est."):
        OrderBook().place(T0, AAPL, 1, MarketOrder(), ids="est")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: sell_bracket(T0, AAPL, 10, stopprice=95, limitprice=110, ids=("m", "s", "l")),
         "a short bracket's stop-loss lies above its take-profit; stop-loss s stops at 95, "
         "take-profit l limits at 110"),
        (lambda: buy_bracket(T0, AAPL, 10, stopprice=110, limitprice=95, ids=("m", "s", "l")),
         "a long bracket's stop-loss lies below its take-profit; stop-loss s stops at 110, "
         "take-profit l limits at 95"),
        (lambda: bracket_orders(T0, AAPL, -10, BracketOrder(StopOrder(99), 98, None),
                                ids=("m", "s")),
         "a short bracket's entry lies below its stop-loss; entry m stops at 99, "
         "stop-loss s stops at 98"),
    ],
)
def test_an_inverted_bracket_is_refused_when_built(build: object, message: str) -> None:
    with pytest.raises(LinkedOrderError, match=re.escape(
        f"refused by rule exits_keep_their_price_order: {message}"
    )):
        build()  # type: ignore[operator]
