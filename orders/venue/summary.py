"""A backtest's summary: return, drawdown, win rate and exposure, from exact numbers.

:func:`summarize` reads the equity a loop recorded after each bar and the
:class:`~orders.venue.trades.Trades` it kept. Amounts are exact; the four
fractions (total return, drawdown fraction, win rate, exposure) are the only
quotients, each rounded once to :data:`~orders.decimals.AVERAGE_DIGITS`
significant digits, half-even, and exact whenever the quotient ends. Nothing
goes through a float.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from orders._checks import check_type, quote
from orders.decimals import (
    EXACT_DIGITS,
    DecimalInput,
    average_divide,
    exact_subtract,
    exact_sum,
    positive_decimal,
    to_decimal,
)
from orders.errors import BadOrderParameters, ExactnessError
from orders.venue.trades import Trade, Trades

__all__ = ["Summary", "equity_points", "summarize"]

_ZERO = Decimal(0)

EquityPoint = tuple[datetime, DecimalInput]
"""The equity at the end of a bar: the bar's time and the amount."""


@attrs.frozen
class Summary:
    """What a backtest came to. See :func:`summarize` for each definition."""

    starting_equity: Decimal
    final_equity: Decimal
    net_profit: Decimal
    """final_equity - starting_equity."""
    total_return: Decimal
    """net_profit / starting_equity."""
    max_drawdown: Decimal
    """The largest fall of equity from its highest point before it, as an amount."""
    max_drawdown_fraction: Decimal
    """The largest fall of equity from its highest point before it, as a
    fraction of that point (not always the fall of :attr:`max_drawdown`)."""
    closed_trades: int
    open_trades: int
    won: int
    """Closed trades whose net P&L is above zero."""
    lost: int
    """Closed trades whose net P&L is below zero."""
    break_even: int
    """Closed trades whose net P&L is exactly zero: neither won nor lost."""
    win_rate: Decimal | None
    """won / closed_trades; ``None`` when no trade closed."""
    net_pnl: Decimal
    """The closed trades' net P&L (commissions deducted), summed."""
    average_pnl: Decimal | None
    """net_pnl / closed_trades; ``None`` when no trade closed."""
    exposure: Decimal | None
    """The fraction of equity points at which a trade was open; ``None``
    without points."""


def summarize(
    starting_equity: DecimalInput, equity: Sequence[EquityPoint], trades: Trades
) -> Summary:
    """The summary of a run that started with ``starting_equity`` (above zero),
    recorded ``equity`` (``(time, amount)`` pairs in time order, one per bar)
    and kept ``trades``.

    The final equity is the last point's (the starting equity without points).
    Drawdowns are measured from the highest equity so far, the starting equity
    included. A point at time ``t`` is exposed when a trade was open at ``t``:
    opened at or before ``t`` and not closed before it. With fills stamped with
    the time of their bar, as the simulated venue does, that counts every bar
    from a trade's entry to its exit, both included.

    Raises :class:`~orders.errors.BadOrderParameters` for a starting equity not
    above zero, or points that are not ``(datetime, number)`` in time order.
    """
    start = positive_decimal(starting_equity, "starting_equity", BadOrderParameters)
    check_type("trades", trades, Trades)
    points = equity_points(equity)
    try:
        return _summary(start, points, trades)
    except decimal.DecimalException as exc:
        raise ExactnessError(
            f"the summary needs a total beyond {EXACT_DIGITS} exact digits "
            f"({type(exc).__name__})"
        ) from None


def _summary(start: Decimal, points: list[tuple[datetime, Decimal]], trades: Trades) -> Summary:
    final = points[-1][1] if points else start
    profit = exact_subtract(final, start)
    amount, fraction = _max_drawdown(start, (value for _, value in points))
    closed = trades.closed
    results = [trade.net_pnl for trade in closed]
    won = sum(1 for pnl in results if pnl > 0)
    lost = sum(1 for pnl in results if pnl < 0)
    net = exact_sum(results)
    return Summary(
        starting_equity=start,
        final_equity=final,
        net_profit=profit,
        total_return=average_divide(profit, start),
        max_drawdown=amount,
        max_drawdown_fraction=fraction,
        closed_trades=len(closed),
        open_trades=len(trades.open),
        won=won,
        lost=lost,
        break_even=len(closed) - won - lost,
        win_rate=_fraction(won, len(closed)),
        net_pnl=net,
        average_pnl=average_divide(net, len(closed)) if closed else None,
        exposure=_fraction(_exposed(trades.all, [time for time, _ in points]), len(points)),
    )


def equity_points(equity: Iterable[EquityPoint]) -> list[tuple[datetime, Decimal]]:
    """``equity`` checked: ``(time, amount)`` pairs in time order, amounts exact."""
    points: list[tuple[datetime, Decimal]] = []
    for index, point in enumerate(equity):
        if not (isinstance(point, tuple) and len(point) == 2):
            raise BadOrderParameters(
                f"equity point {index} must be a (datetime, amount) pair; got {quote(point)}"
            )
        time, amount = point
        check_type(f"the time of equity point {index}", time, datetime)
        if points and time < points[-1][0]:
            raise BadOrderParameters(
                f"equity points must be in time order; point {index} at {time.isoformat()} "
                f"is before point {index - 1} at {points[-1][0].isoformat()}"
            )
        points.append((time, to_decimal(amount, f"equity point {index}", BadOrderParameters,
                                        total=True)))
    return points


def _max_drawdown(start: Decimal, values: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """The largest fall from the running peak, as an amount and as a fraction
    of its peak (the peak never falls below ``start``, which is above zero)."""
    peak, amount, fraction = start, _ZERO, _ZERO
    for value in values:
        peak = max(peak, value)
        fall = exact_subtract(peak, value)
        if fall > amount:
            amount = fall
        if fall:
            fraction = max(fraction, average_divide(fall, peak))
    return amount, fraction


def _fraction(part: int, whole: int) -> Decimal | None:
    return average_divide(part, whole) if whole else None


def _exposed(trades: Sequence[Trade], times: Sequence[datetime]) -> int:
    """How many of ``times`` (in order) fall within a trade's span, ends included."""
    spans = _merged(sorted(((trade.opened, trade.closed) for trade in trades), key=_start))
    count, index = 0, 0
    for time in times:
        while index < len(spans) and _ends_before(spans[index], time):
            index += 1
        if index < len(spans) and spans[index][0] <= time:
            count += 1
    return count


_Span = tuple[datetime, datetime | None]


def _merged(spans: list[_Span]) -> list[_Span]:
    """Spans sorted by start, overlapping or touching ones merged; ``None`` is open-ended."""
    merged: list[_Span] = []
    for start, end in spans:
        if merged and not _ends_before(merged[-1], start):
            last_start, last_end = merged[-1]
            later = None if end is None or last_end is None else max(last_end, end)
            merged[-1] = (last_start, later)
        else:
            merged.append((start, end))
    return merged


def _start(span: _Span) -> datetime:
    return span[0]


def _ends_before(span: _Span, time: datetime) -> bool:
    return span[1] is not None and span[1] < time
