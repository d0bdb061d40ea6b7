"""backtrader's bracket surface (orders.compat.backtrader): buy_bracket, sell_bracket."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from orders import (
    ORDER_STATUS,
    Asset,
    BadOrderParameters,
    Fill,
    LinkedOrderError,
    OrderBook,
    OrderType,
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
