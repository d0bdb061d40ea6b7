"""Orders, fills and positions as plain rows and as a DataFrame, decimals exact."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings

from orders import (
    Account,
    Asset,
    DecimalOrder,
    Fill,
    FillBust,
    FillCorrection,
    apply,
    fill_records,
    order_records,
    position_records,
    standing_fills,
    strategies,
    to_dataframe,
)
from orders.decimals import EXACT, exact_sum

T0 = datetime(2024, 6, 3, 9, 30)
BTC = Asset("BTC", tick_size="0.01", quantity_increment="0.00000001")


def _corrected_order() -> DecimalOrder:
    order = DecimalOrder(T0, BTC, "-0.3", limit="65000.015", id="s1")
    order = order.fill("0.1", "65000.02", commission="0.65", fill_id="a")
    order = order.fill("0.1", "65000.03", fill_id="b")
    order = order.fill("0.05", "65001")
    order = apply(order, FillCorrection("a", price="65000.04"))
    return apply(order, FillBust("b"))


def test_an_order_row_holds_exact_plain_values() -> None:
    (row,) = order_records([_corrected_order()])
    assert row["id"] == "s1"
    assert row["asset"] == "BTC"
    assert (row["side"], row["order_type"], row["status"]) == ("SELL", "LIMIT", "PARTIALLY_FILLED")
    assert (row["amount"], row["filled"], row["remaining"]) == (
        Decimal("0.3"), Decimal("0.15"), Decimal("0.15"))
    assert row["limit"] == Decimal("65000.02")  # a sell limit rounds up to the tick
    assert row["average_price"] == _corrected_order().filled_price
    assert all(type(value) in (str, Decimal, datetime, type(None)) for value in row.values())


def test_fill_rows_are_the_standing_fills_as_corrected() -> None:
    rows = fill_records([_corrected_order()])
    assert [(row["fill_id"], row["price"]) for row in rows] == [
        ("a", Decimal("65000.04")), (None, Decimal("65001"))]
    assert {row["side"] for row in rows} == {"SELL"}


@settings(max_examples=200, deadline=None)
@given(strategies.lifecycles())
def test_the_standing_fills_make_up_the_order_totals(lifecycle: tuple[DecimalOrder, list]) -> None:  # type: ignore[type-arg]
    initial, events = lifecycle
    order = initial
    for event in events:
        order = apply(order, event)
    fills = standing_fills(order)
    notional = exact_sum(EXACT.multiply(fill.quantity, fill.price) for fill in fills)
    assert notional == order.notional - initial.notional
    assert exact_sum(fill.quantity for fill in fills) == (order.filled - initial.filled).copy_abs()


def test_position_rows_by_asset() -> None:
    order = DecimalOrder(T0, BTC, "0.5", id="b1")
    account = Account().fill(order, Fill("0.5", "64000.5", commission="1.2"))
    (row,) = position_records(account)
    assert row == {"asset": "BTC", "quantity": Decimal("0.5"), "average_price": Decimal("64000.5"),
                   "cost": Decimal("32000.25"), "realized_pnl": Decimal("0"),
                   "commission": Decimal("1.2")}


def test_a_dataframe_keeps_decimal_columns_exact() -> None:
    pandas = pytest.importorskip("pandas")
    orders = [_corrected_order(), DecimalOrder(T0, "ETH", "1.000000000000000001", id="e1")]
    frame = to_dataframe(order_records(orders))
    assert isinstance(frame, pandas.DataFrame)
    assert frame["amount"].dtype == object
    assert frame.loc[frame["id"] == "e1", "amount"].item() == Decimal("1.000000000000000001")
    assert frame["notional"].sum() == orders[0].notional
    assert list(frame.columns) == list(order_records(orders)[0])
