"""Building linked orders as values (orders.book.build): BracketOrder's legs, trails, ids."""

import re
from datetime import datetime
from decimal import Decimal

import pytest

from orders import (
    Asset,
    BadOrderParameters,
    BracketOrder,
    DecimalOrder,
    LimitOrder,
    LinkedOrderError,
    MarketOrder,
    OrderBook,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    bracket_orders,
    buy_bracket,
    sell_bracket,
)

T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL")


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


def test_a_built_bracket_is_already_as_the_rule_legs_wait_for_the_entry_wants_it() -> None:
    from orders.book import rules

    style = BracketOrder(LimitOrder(100), 95, 110)
    main, *legs = bracket_orders(T0, AAPL, 10, style, ids=("m", "s", "l"))
    assert [leg.status for leg in legs] == [rules.DORMANT, rules.DORMANT]
    assert OrderBook().submit(main, *legs).derived == ()
