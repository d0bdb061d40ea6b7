"""The shipped strategies, tested by use: what they draw is what they promise."""

from __future__ import annotations

from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders import (
    ORDER_STATUS,
    Asset,
    DecimalOrder,
    Event,
    ExecutionStyle,
    Fill,
    OrderBook,
    apply,
    strategies,
)


@given(strategies.lifecycles())
def test_a_drawn_lifecycle_is_accepted_event_by_event(
    lifecycle: tuple[DecimalOrder, list[Event]],
) -> None:
    initial, events = lifecycle
    order = reduce(apply, events, initial)
    assert order.history == type(order.history)(events)


@pytest.mark.parametrize("status", list(ORDER_STATUS))
def test_orders_reach_the_status_asked_for(status: ORDER_STATUS) -> None:
    @settings(max_examples=25, deadline=None)
    @given(strategies.orders(status=status))
    def check(order: DecimalOrder) -> None:
        assert order.status is status

    check()


@given(strategies.orders(side=-1, asset=Asset("BTC", quantity_increment="0.001"),
                         order_type="limit", price_range=("10", "20")))
def test_orders_honour_their_narrowing_arguments(order: DecimalOrder) -> None:
    assert order.amount < 0
    assert order.asset == Asset("BTC", quantity_increment="0.001")
    assert order.order_type == "limit"
    assert order.limit is not None
    assert 10 <= order.limit <= 20


@given(st.data())
def test_a_fill_drawn_for_an_order_fits_it(data: st.DataObject) -> None:
    order = data.draw(strategies.orders(status=ORDER_STATUS.OPEN))
    fill = data.draw(strategies.fills(order))
    assert apply(order, fill).filled.copy_abs() == fill.quantity


@settings(deadline=None)
@given(
    st.from_type(DecimalOrder),
    st.from_type(Fill),
    st.from_type(Asset),
    st.from_type(OrderBook),
    st.from_type(ExecutionStyle),  # type: ignore[type-abstract]
)
def test_the_strategies_are_registered_with_hypothesis(
    order: object, fill: object, asset: object, book: object, style: object
) -> None:
    assert isinstance(order, DecimalOrder)
    assert isinstance(fill, Fill)
    assert isinstance(asset, Asset)
    assert isinstance(book, OrderBook)
    assert isinstance(style, ExecutionStyle)
