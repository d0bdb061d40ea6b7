"""Building linked orders as values (orders.book.build): BracketOrder's legs, trails, ids."""

from datetime import datetime
from decimal import Decimal

import pytest

from orders import (
    Asset,
    BadOrderParameters,
    BracketOrder,
    DecimalOrder,
    LimitOrder,
    MarketOrder,
    OrderBook,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    bracket_orders,
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
