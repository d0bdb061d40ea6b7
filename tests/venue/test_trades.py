"""Round trips folded from executions: partial closes, flips, commissions, rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from orders import Account, Asset, BadOrderParameters, DecimalOrder, Execution, Fill
from orders.decimals import EXACT, exact_sum
from orders.io.rows import to_dataframe, trade_records
from orders.venue.trades import Trade, Trades

T0 = datetime(2024, 3, 1, 16)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def execution(order_id: str, quantity: object, price: object, commission: object = 0,
              when: int = 0, asset: object = "XYZ") -> Execution:
    size = Decimal(str(quantity))
    fill = Fill(size.copy_abs(), price, commission, day(when))  # type: ignore[arg-type]
    return Execution(order_id, asset, size, fill)


def test_scaling_in_and_closing_in_parts_make_one_trade() -> None:
    trades = Trades().apply([
        execution("a", 10, 100, "1", when=0),
        execution("b", 30, "101.50", "1", when=1),
        execution("c", -15, 103, "0.5", when=2),
    ])
    (trade,) = trades.all
    assert trade.is_open
    assert (trade.closed, trade.duration) == (None, None)
    assert (trade.size, trade.entered, trade.exited, trade.peak) == (25, 40, 15, 40)
    assert trade.entry_price == Decimal("101.125")  # 4045 / 40
    assert trade.exit_price == 103
    assert trade.pnl == Decimal("28.125")  # 15 x (103 - 101.125)
    trades = trades.apply([execution("d", -25, 104, "0.5", when=4)])
    assert not trades.open
    (trade,) = trades.closed
    assert (trade.closed, trade.duration) == (day(4), timedelta(days=4))
    assert (trade.exited, trade.exit_price) == (40, Decimal("103.625"))  # 4145 / 40
    assert trade.pnl == 100  # exit value 4145 - entry value 4045, exactly
    assert (trade.commission, trade.net_pnl) == (3, 97)
    assert trade.order_ids == ("a", "b", "c", "d")
    assert (trade.direction, trade.number) == ("LONG", 1)


def test_a_short_trade_gains_when_the_price_falls() -> None:
    trades = Trades().apply([
        execution("s", -10, 50, "0.25", when=0),
        execution("s", -10, 52, "0.25", when=0),
        execution("c", 20, 49, "0.5", when=3),
    ])
    (trade,) = trades.closed
    assert (trade.direction, trade.is_long, trade.peak, trade.entered) == ("SHORT", False, 20, 20)
    assert (trade.entry_price, trade.exit_price) == (51, 49)
    assert (trade.pnl, trade.commission, trade.net_pnl) == (40, 1, 39)
    assert trade.order_ids == ("s", "c")


def test_a_fill_through_zero_closes_the_trade_and_opens_the_next_with_the_rest() -> None:
    trades = Trades().apply([
        execution("a", 10, 100, "1", when=0),
        execution("b", -15, 110, "3", when=1),  # closes 10, opens a short of 5
        execution("c", 5, 100, "1", when=2),
    ])
    first, second = trades.all
    assert (first.closed, first.exited, first.pnl) == (day(1), 10, 100)
    assert first.commission == 3  # 1, and 10/15 of 3
    assert (second.direction, second.opened, second.entered, second.entry_price) == (
        "SHORT", day(1), 5, 110)
    assert (second.pnl, second.commission, second.net_pnl) == (50, 2, 48)
    assert (first.order_ids, second.order_ids) == (("a", "b"), ("b", "c"))
    assert trades.opened == 2


def test_a_flip_splits_its_commission_exactly_into_shares_that_add_up() -> None:
    trades = Trades().apply([execution("a", 1, 10, when=0), execution("b", -3, 11, "1", when=1)])
    (closed,) = trades.closed
    assert closed.commission == Decimal("0.3333333333333333333333333333333333")  # 34 digits
    opened = trades.open["XYZ"]
    assert opened.commission == Decimal("0.6666666666666666666666666666666667")
    assert closed.commission + opened.commission == 1
    assert opened.size == -2


def test_each_asset_keeps_its_own_trades_numbered_in_the_order_they_opened() -> None:
    trades = Trades().apply([
        execution("a", 5, 20, when=0, asset="AAA"),
        execution("b", -2, 30, when=1, asset="BBB"),
        execution("c", -5, 21, when=2, asset="AAA"),
        execution("d", 3, 19, when=3, asset="AAA"),
    ])
    assert [(t.number, t.asset, t.direction, t.is_open) for t in trades.all] == [
        (1, "AAA", "LONG", False), (2, "BBB", "SHORT", True), (3, "AAA", "LONG", True)]
    assert set(trades.open) == {"AAA", "BBB"}


def test_trades_are_values_kept_bar_by_bar() -> None:
    executions = [execution("a", 4, 10, when=0), execution("b", -6, 12, "0.3", when=1),
                  execution("c", 2, 11, when=2)]
    at_once = Trades().apply(executions)
    start = Trades()
    by_bar = start
    for item in executions:
        by_bar = by_bar.apply([item])
    assert by_bar == at_once
    assert start == Trades()


def test_bars_held_count_the_bars_after_the_entry_up_to_the_exit() -> None:
    trades = Trades().apply([execution("a", 1, 10, when=1), execution("b", -1, 11, when=3)])
    (trade,) = trades.closed
    bar_times = [day(n) for n in range(6)]
    assert trade.bars_held(bar_times) == 2
    still_open = Trades().apply([execution("a", 1, 10, when=1)]).open["XYZ"]
    assert still_open.bars_held(bar_times) == 4


def test_trades_fold_the_executions_of_simulated_orders() -> None:
    buy = DecimalOrder(T0, Asset("AAPL"), 100, id="buy")
    sell = DecimalOrder(T0, Asset("AAPL"), -100, id="sell")
    trades = Trades().apply([
        Execution.of(buy, Fill(100, "186.01", "1", day(1))),
        Execution.of(sell, Fill(100, "190.49", "1", day(5))),
    ])
    (trade,) = trades.closed
    assert (trade.pnl, trade.net_pnl) == (Decimal("448.00"), Decimal("446.00"))


def test_trades_refuse_executions_they_cannot_place_in_time() -> None:
    untimed = Execution("a", "XYZ", Decimal(1), Fill(1, 10))
    with pytest.raises(BadOrderParameters, match=r"needs the time of every fill.*'a' has dt None"):
        Trades().apply([untimed])
    with pytest.raises(BadOrderParameters, match="non-zero quantity; got 0 for order 'z'"):
        Trades().apply([Execution("z", "XYZ", Decimal(0), Fill(1, 10, dt=T0))])
    opened = Trades().apply([execution("a", 1, 10, when=2)])
    with pytest.raises(BadOrderParameters, match=r"'b' at 2024-03-02.*before trade 1 in 'XYZ'"):
        opened.apply([execution("b", -1, 10, when=1)])
    with pytest.raises(BadOrderParameters, match="execution must be"):
        Trades().apply([Fill(1, 10, dt=T0)])  # type: ignore[list-item]


def test_trade_rows_hold_exact_plain_values_and_make_a_dataframe() -> None:
    trades = Trades().apply([
        execution("a", 10, 100, "1", when=0, asset=Asset("XYZ", exchange="NYSE")),
        execution("b", -15, 110, "3", when=1, asset=Asset("XYZ", exchange="NYSE")),
    ])
    first, second = trade_records(trades)
    assert first == {
        "number": 1, "asset": "XYZ", "asset_exchange": "NYSE", "direction": "LONG",
        "opened": day(0), "closed": day(1), "entered": 10, "exited": 10, "open_quantity": 0,
        "peak": 10, "entry_price": 100, "exit_price": 110, "pnl": 100, "commission": 3,
        "net_pnl": 97, "duration": timedelta(days=1), "order_ids": "a,b",
    }
    assert (second["closed"], second["exit_price"], second["duration"]) == (None, None, None)
    assert (second["direction"], second["open_quantity"], second["commission"]) == ("SHORT", 5, 1)
    assert all(type(value) in (int, str, Decimal, datetime, timedelta, type(None))
               for value in first.values())
    pytest.importorskip("pandas")
    frame = to_dataframe(trade_records(trades))
    assert list(frame["number"]) == [1, 2]
    assert frame["net_pnl"].dtype == object
    assert type(frame["net_pnl"].iloc[0]) is Decimal


_prices = st.decimals("0.01", "500", places=2)
_quantities = st.integers(-20, 20).filter(bool)


@st.composite
def _executions(draw: st.DrawFn) -> list[Execution]:
    steps = draw(st.lists(st.tuples(st.sampled_from(["AAA", "BBB"]), _quantities, _prices,
                                    st.decimals("0", "3", places=3)), max_size=30))
    return [execution(f"o{n}", quantity, price, fee, when=n, asset=asset)
            for n, (asset, quantity, price, fee) in enumerate(steps)]


def _flattening(account: Account, when: int) -> list[Execution]:
    return [execution(f"flat-{asset}", -position.quantity, "99.99", "0.7", when=when, asset=asset)
            for asset, position in sorted(account.positions.items()) if position.quantity]


@settings(max_examples=300, deadline=None)
@given(_executions())
def test_trades_add_up_to_the_accounts_realized_pnl_and_commission(
    executions: list[Execution],
) -> None:
    trades, account = Trades().apply(executions), Account().apply(executions)
    assert exact_sum(trade.pnl for trade in trades.all) == account.realized_pnl
    assert exact_sum(trade.commission for trade in trades.all) == account.commission
    for asset, trade in trades.open.items():
        assert trade.size == account.position(asset).quantity
    final = _flattening(account, len(executions))
    trades, account = trades.apply(final), account.apply(final)
    assert not trades.open
    assert exact_sum(trade.net_pnl for trade in trades.closed) == (
        account.realized_pnl - account.commission)
    for trade in trades.closed:
        assert trade.entered == trade.exited
        assert trade.pnl == _signed(trade, EXACT.subtract(trade.exit_value, trade.entry_value))


def _signed(trade: Trade, value: Decimal) -> Decimal:
    return value if trade.is_long else -value
