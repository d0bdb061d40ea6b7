"""Orders, fills and positions as plain rows and as a DataFrame, decimals exact."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import reduce

import attrs
import pytest
from hypothesis import given, settings, strategies as st

from orders import (
    Account,
    Amend,
    Asset,
    CancelRequested,
    DecimalOrder,
    Fill,
    FillBust,
    FillCorrection,
    NewRequested,
    OrderError,
    OrderTerms,
    ReplaceRequested,
    apply,
    dumps,
    fill_records,
    loads,
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
    assert all(type(value) in (str, Decimal, datetime, bool, type(None))
               for value in row.values())


def test_fill_rows_are_the_standing_fills_as_corrected() -> None:
    rows = fill_records([_corrected_order()])
    assert [(row["fill_id"], row["price"]) for row in rows] == [
        ("a", Decimal("65000.04")), (None, Decimal("65001"))]
    assert {row["side"] for row in rows} == {"SELL"}


@settings(max_examples=100, deadline=None)
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
    assert row == {"asset": "BTC", "asset_exchange": None, "quantity": Decimal("0.5"),
                   "average_price": Decimal("64000.5"),
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


def test_rows_tell_apart_assets_that_share_a_symbol() -> None:
    nasdaq, xetra = Asset("AAPL", exchange="NASDAQ"), Asset("AAPL", exchange="XETRA")
    orders = [DecimalOrder(T0, nasdaq, 10, id="n").fill(10, "190"),
              DecimalOrder(T0, xetra, 10, id="x").fill(10, "175")]
    identity = [(row["asset"], row["asset_exchange"]) for row in order_records(orders)]
    assert identity == [("AAPL", "NASDAQ"), ("AAPL", "XETRA")]
    assert [(row["asset"], row["asset_exchange"]) for row in fill_records(orders)] == identity
    account = Account()
    for order in orders:
        account = account.fill(order, standing_fills(order)[0])
    rows = position_records(account)
    assert [(row["asset"], row["asset_exchange"], row["quantity"]) for row in rows] == [
        ("AAPL", "NASDAQ", 10), ("AAPL", "XETRA", 10)]
    (plain,) = order_records([DecimalOrder(T0, 7, 1)])
    assert (plain["asset"], plain["asset_exchange"]) == (7, None)


def test_rows_name_an_asset_by_symbol_and_exchange_only_and_merge_no_positions() -> None:
    same_name = ["X", Asset("X"), Asset("X", tick_size="0.05"), 1, "1"]
    account = Account()
    for number, asset in enumerate(same_name):
        account = account.fill(DecimalOrder(T0, asset, number + 1, id=f"o{number}"),
                               Fill(number + 1, 10))
    rows = position_records(account)
    assert [(row["asset"], row["asset_exchange"], row["quantity"]) for row in rows] == [
        (1, None, 4), ("1", None, 5), ("X", None, 2), ("X", None, 3), ("X", None, 1)]
    assert sum(row["quantity"] for row in rows) == sum(range(1, 6))


def _restored(order: DecimalOrder) -> DecimalOrder:
    """``order`` as a host restores it mid-life: its totals, but no fill history."""
    terms = {field.name: getattr(order.terms, field.name) for field in attrs.fields(OrderTerms)}
    return DecimalOrder(order.dt, **terms, status=order.status, filled=order.filled,
                        notional=order.notional, commission=order.commission,
                        reason=order.reason, stop_reached=order.stop_reached,
                        limit_reached=order.limit_reached)


def test_a_restored_order_has_one_row_for_what_it_was_restored_with() -> None:
    restored = _restored(_corrected_order())
    assert not restored.history
    (row,) = fill_records([restored])
    assert row == {
        "order_id": "s1", "asset": "BTC", "asset_exchange": None, "side": "SELL",
        "fill_id": None, "dt": None, "restored": True, "quantity": Decimal("0.15"),
        "price": restored.filled_price, "notional": restored.notional,
        "commission": Decimal("0.65"),
    }
    later = restored.fill("0.05", "65002", commission="0.1", fill_id="c")
    loaded = loads(dumps(later), DecimalOrder)
    for order in (later, loaded):
        rows = fill_records([order])
        assert [(row["fill_id"], row["restored"]) for row in rows] == [(None, True), ("c", False)]
        assert rows[1]["notional"] == Decimal("3250.10")


def _sums(rows: list[dict[str, object]]) -> tuple[Decimal, Decimal, Decimal]:
    return tuple(  # type: ignore[return-value]
        exact_sum(row[column] for row in rows)  # type: ignore[misc]
        for column in ("quantity", "notional", "commission")
    )


@settings(max_examples=100, deadline=None)
@given(strategies.lifecycles(), st.integers(0, 8))
def test_fill_rows_always_sum_to_the_order_totals(
    lifecycle: tuple[DecimalOrder, list], split: int  # type: ignore[type-arg]
) -> None:
    initial, events = lifecycle
    start = _restored(reduce(apply, events[:split], initial))
    order = start
    for event in events[split:]:
        try:
            order = apply(order, event)
        except OrderError:  # a correction or bust of a fill from before the restore
            continue
    for rows in (fill_records([order]), fill_records([loads(dumps(order), DecimalOrder)])):
        assert _sums(rows) == (order.filled.copy_abs(), order.notional, order.commission)
        assert all(row["notional"] == EXACT.multiply(row["quantity"], row["price"])
                   for row in rows if not row["restored"])


def test_an_order_row_says_its_validity_and_whether_it_is_post_only() -> None:
    order = DecimalOrder(T0, BTC, 1, limit=60000, time_in_force="IOC", post_only=True)
    (row,) = order_records([order])
    assert (row["time_in_force"], row["valid_until"], row["post_only"]) == ("IOC", None, True)
    (plain,) = order_records([DecimalOrder(T0, BTC, 1)])
    assert (plain["time_in_force"], plain["post_only"]) == ("GTC", False)


def test_an_order_row_says_which_requests_are_in_flight() -> None:
    sent = apply(DecimalOrder(T0, BTC, "0.3", limit="64000", id="n"), NewRequested("n1"))
    replacing = apply(_corrected_order(), ReplaceRequested(Amend(limit="65010"), "r1"))
    both = apply(replacing, CancelRequested("c1"))
    rows = order_records([DecimalOrder(T0, BTC, 1, id="quiet"), sent, replacing, both])
    flags = [(row["pending_new"], row["pending_cancel"], row["pending_replace"]) for row in rows]
    assert flags == [(False, False, False), (True, False, False), (False, False, True),
                     (False, True, True)]
    assert rows[3]["status"] == "PARTIALLY_FILLED"  # what the venue confirmed, not what was asked
