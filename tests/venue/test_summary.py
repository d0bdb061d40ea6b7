"""The summary of a run: return, drawdown, win rate and exposure, exactly."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orders import BadOrderParameters, Execution, Fill
from orders.decimals import DecimalInput
from orders.venue.summary import summarize
from orders.venue.trades import Trades

T0 = datetime(2024, 3, 1, 16)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def curve(*amounts: DecimalInput) -> list[tuple[datetime, DecimalInput]]:
    return [(day(n), amount) for n, amount in enumerate(amounts)]


def trip(order_id: str, asset: str, quantity: int, entry: object, exit_: object | None,
         opened: int, closed: int | None, commission: object = 0) -> list[Execution]:
    """A round trip: in at ``entry`` on day ``opened``, out at ``exit_`` on day
    ``closed`` (still open when ``closed`` is None), ``commission`` on each fill."""
    fills = [Execution(f"{order_id}-in", asset, Decimal(quantity),
                       Fill(abs(quantity), entry, commission, day(opened)))]  # type: ignore[arg-type]
    if closed is not None:
        fills.append(Execution(f"{order_id}-out", asset, Decimal(-quantity),
                               Fill(abs(quantity), exit_, commission, day(closed))))  # type: ignore[arg-type]
    return fills


def test_drawdown_is_the_largest_fall_from_the_peak_before_it() -> None:
    summary = summarize(100, curve(110, 99, 120, 100, 130, 125), Trades())
    assert summary.max_drawdown == 20  # 120 to 100
    assert summary.max_drawdown_fraction == Decimal("0.1666666666666666666666666666666667")
    assert (summary.final_equity, summary.net_profit, summary.total_return) == (
        125, 25, Decimal("0.25"))


def test_the_largest_amount_and_the_largest_fraction_may_be_different_falls() -> None:
    summary = summarize(100, curve(50, 1000, 900), Trades())
    assert (summary.max_drawdown, summary.max_drawdown_fraction) == (100, Decimal("0.5"))


def test_the_starting_equity_is_the_first_peak() -> None:
    summary = summarize("1000.00", curve("990.50", "1001.25"), Trades())
    assert (summary.max_drawdown, summary.max_drawdown_fraction) == (
        Decimal("9.50"), Decimal("0.0095"))
    assert summary.total_return == Decimal("0.00125")


def test_a_run_without_points_or_trades_has_nothing_to_rate() -> None:
    summary = summarize(500, [], Trades())
    assert (summary.final_equity, summary.net_profit, summary.total_return) == (500, 0, 0)
    assert (summary.max_drawdown, summary.max_drawdown_fraction) == (0, 0)
    assert (summary.win_rate, summary.average_pnl, summary.exposure) == (None, None, None)
    assert (summary.closed_trades, summary.open_trades, summary.net_pnl) == (0, 0, 0)


def test_won_lost_and_break_even_trades_by_net_pnl() -> None:
    trades = Trades().apply([
        *trip("won", "AAA", 10, 100, 110, 0, 1),
        *trip("lost", "AAA", 10, 100, 100, 2, 3, commission="0.5"),
        *trip("even", "BBB", -1, 11, 10, 0, 2, commission="0.5"),  # 1 gained, 1 paid
        *trip("open", "BBB", 5, 10, None, 4, None),
    ])
    summary = summarize(1000, curve(1000), trades)
    assert (summary.closed_trades, summary.open_trades) == (3, 1)
    assert (summary.won, summary.lost, summary.break_even) == (1, 1, 1)
    assert summary.win_rate == Decimal("0.3333333333333333333333333333333333")
    assert (summary.net_pnl, summary.average_pnl) == (99, 33)


def test_exposure_counts_the_points_within_a_trade_ends_included() -> None:
    trades = Trades().apply([
        *trip("a", "AAA", 10, 100, 101, 1, 3),
        *trip("b", "AAA", 10, 100, 101, 3, 4),  # opens on the bar the first closes
        *trip("c", "BBB", 1, 50, 51, 2, 2),  # inside the first
        *trip("d", "BBB", -1, 50, None, 7, None),  # still open
    ])
    summary = summarize(1000, curve(*[1000] * 10), trades)
    assert summary.exposure == Decimal("0.7")  # days 1, 2, 3, 4, 7, 8, 9


def test_summary_refuses_what_it_cannot_measure() -> None:
    with pytest.raises(BadOrderParameters, match="starting_equity must be greater than 0; got 0"):
        summarize(0, [], Trades())
    with pytest.raises(BadOrderParameters, match="point 1 at 2024-03-01T16:00:00 is before"):
        summarize(100, [(day(1), 100), (day(0), 100)], Trades())
    with pytest.raises(BadOrderParameters, match=r"equity point 0 must be a \(datetime, amount\)"):
        summarize(100, [100], Trades())  # type: ignore[list-item]
    with pytest.raises(BadOrderParameters, match="equity point 0 must be a finite number"):
        summarize(100, [(day(0), "NaN")], Trades())
    with pytest.raises(BadOrderParameters, match="the time of equity point 0 must be"):
        summarize(100, [("2024-03-01", 100)], Trades())  # type: ignore[list-item]
