"""A picture of a backtest: price with fills, trades and stop levels, equity below.

:func:`plot_backtest` draws what a bar loop recorded on a matplotlib
``Figure`` and returns it; ``figure.savefig(path)`` writes it. It needs the
optional ``plot`` extra (matplotlib). The figure is built as a
``matplotlib.figure.Figure`` directly, so drawing it uses no ``pyplot`` state
and leaves the backend alone. Prices and amounts become floats only to be drawn:
the picture is the one place in ``orders`` where a float stands for a price.
"""

from __future__ import annotations

import bisect
import importlib
import itertools
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from orders._checks import check_type, quote
from orders._extras import missing_extra
from orders.decimals import DecimalInput, exact_add, to_decimal
from orders.errors import BadOrderParameters
from orders.events import Bar
from orders.venue.positions import Execution
from orders.venue.summary import equity_points
from orders.venue.trades import Trades

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["CANDLES_UP_TO", "Level", "plot_backtest"]

Level = tuple[datetime, DecimalInput, str]
"""A price level working after time ``dt``, such as an exit's stop: ``(dt,
price, label)``. The levels of one label are drawn as one series."""

CANDLES_UP_TO = 100
"""With ``candles=None``, up to this many bars are drawn as candles; more, as
a line of closes."""

_ZERO = Decimal(0)
_BUY, _SELL, _WON, _LOST, _EVEN = "tab:green", "tab:red", "tab:green", "tab:red", "tab:gray"


class _Fill(NamedTuple):
    """An execution as drawn: where, and which of the four markers."""

    at: float
    price: float
    is_buy: bool
    is_entry: bool


def plot_backtest(
    bars: Iterable[tuple[datetime, Bar]],
    *,
    asset: Hashable | None = None,
    executions: Iterable[Execution] = (),
    trades: Trades | None = None,
    levels: Iterable[Level] = (),
    equity: Iterable[tuple[datetime, DecimalInput]] = (),
    candles: bool | None = None,
    title: str | None = None,
) -> Figure:
    """A figure of a backtest of one asset: its price above, the equity below.

    ``bars`` are ``(time, Bar)`` pairs in increasing time order, such as
    :class:`~orders.io.bars.DatedBar` values; they are drawn as candles, or as a
    line of closes (``candles=None`` chooses candles for at most
    :data:`CANDLES_UP_TO` bars). Given ``asset``, only the executions and
    trades of that asset are drawn (and ``title`` defaults to its name);
    without it, every one given is.

    - ``executions``, in the order they were made, from the start of the run:
      a marker at each fill's price and time (its ``dt``), a triangle up for a
      buy and down for a sale, filled for an entry and hollow for an exit. An
      exit is a fill that reduces the position; one that goes through zero is
      an exit too.
    - ``trades``: a dotted line from each closed trade's opening to its
      closing, at its average entry and exit prices, green when its net P&L is
      above zero, red below, grey at zero. Open trades are not drawn.
    - ``levels``: ``(time, price, label)`` points, such as the prices of the
      exits protecting a position, recorded after each bar. A point is drawn
      as a dashed step from its time to the next bar's, the level the next
      bar met; a point at or after the last bar is not drawn. The points of
      one label share a colour and a legend entry.
    - ``equity``: ``(time, amount)`` pairs, as :func:`~orders.venue.summary.summarize`
      reads them, drawn below in a second panel sharing the time axis; without
      them, the figure has the price panel only.

    Prices and amounts are converted to float to be drawn, and only there.

    Raises :class:`ImportError` naming the ``plot`` extra without matplotlib,
    and :class:`~orders.errors.BadOrderParameters` for no bars, bars out of
    time order, a value of the wrong kind, or an execution without a time.
    """
    mpl = _matplotlib()
    dated = _bars(bars)
    check_type("trades", trades, Trades, optional=True)
    check_type("candles", candles, bool, optional=True)
    check_type("title", title, str, optional=True)
    times = [float(mpl.dates.date2num(dt)) for dt, _ in dated]
    fills = _fills(executions, asset, mpl.dates)
    steps = _levels(levels, times, mpl.dates)
    points = _equity(equity, mpl.dates)
    figure: Figure = mpl.figure.Figure(figsize=(10, 6), layout="constrained")
    price_axes, equity_axes = _panels(figure, with_equity=bool(points))
    _draw_prices(price_axes, times, [bar for _, bar in dated],
                 len(dated) <= CANDLES_UP_TO if candles is None else candles)
    if trades is not None:
        _draw_trades(price_axes, trades, asset, mpl)
    for number, (label, segments) in enumerate(steps.items()):
        _draw_level(price_axes, label, segments, f"C{(4 + number) % 10}")
    _draw_fills(price_axes, fills)
    _name(price_axes, str(asset) if title is None and asset is not None else title)
    if equity_axes is not None:
        _draw_equity(equity_axes, points)
    _date_axis(equity_axes or price_axes, mpl.dates)
    return figure


class _Matplotlib(NamedTuple):
    """The modules of matplotlib that draw, imported when a picture is asked for."""

    figure: Any
    dates: Any
    collections: Any


def _matplotlib() -> _Matplotlib:
    """matplotlib's modules, or an ImportError with the install hint."""
    try:
        return _Matplotlib(*(importlib.import_module(f"matplotlib.{name}")
                             for name in _Matplotlib._fields))
    except ImportError:
        raise missing_extra("plot_backtest", "plot") from None


def _bars(bars: Iterable[tuple[datetime, Bar]]) -> list[tuple[datetime, Bar]]:
    dated: list[tuple[datetime, Bar]] = []
    for index, item in enumerate(bars):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Bar)):
            raise BadOrderParameters(
                f"bar {index} must be a (datetime, Bar) pair, such as a DatedBar; got "
                f"{quote(item)}"
            )
        dt = item[0]
        check_type(f"the time of bar {index}", dt, datetime)
        if dated and dt <= dated[-1][0]:
            raise BadOrderParameters(
                f"bars must be in increasing time order; bar {index} at {dt.isoformat()} "
                f"is not after bar {index - 1} at {dated[-1][0].isoformat()}"
            )
        dated.append((dt, item[1]))
    if not dated:
        raise BadOrderParameters("plot_backtest needs at least one bar; got none")
    return dated


def _fills(executions: Iterable[Execution], asset: Hashable | None, dates: Any) -> list[_Fill]:
    """The executions of ``asset`` (of every asset without one), each an entry
    or an exit of the position they build."""
    fills: list[_Fill] = []
    held: dict[Hashable, Decimal] = {}
    for execution in executions:
        check_type("execution", execution, Execution)
        if asset is not None and execution.asset != asset:
            continue
        dt = execution.fill.dt
        if dt is None:
            raise BadOrderParameters(
                f"a fill is drawn at its time; the fill of order {quote(execution.order_id)} "
                "has dt None"
            )
        before = held.get(execution.asset, _ZERO)
        is_buy = execution.quantity > 0
        is_entry = not before or (before > 0) == is_buy
        held[execution.asset] = exact_add(before, execution.quantity)
        fills.append(_Fill(float(dates.date2num(dt)), float(execution.fill.price), is_buy,
                           is_entry))
    return fills


def _levels(
    levels: Iterable[Level], times: Sequence[float], dates: Any
) -> dict[str, list[tuple[float, float, float]]]:
    """Each label's segments ``(start, end, price)``: from a point's time to the
    next bar's; a point with no bar after it has none."""
    steps: dict[str, list[tuple[float, float, float]]] = {}
    for index, level in enumerate(levels):
        if not (isinstance(level, tuple) and len(level) == 3):
            raise BadOrderParameters(
                f"level {index} must be a (datetime, price, label) triple; got {quote(level)}"
            )
        dt, price, label = level
        check_type(f"the time of level {index}", dt, datetime)
        check_type(f"the label of level {index}", label, str)
        value = float(to_decimal(price, f"the price of level {index}", BadOrderParameters))
        start = float(dates.date2num(dt))
        after = bisect.bisect_right(times, start)
        segments = steps.setdefault(label, [])
        if after < len(times):
            segments.append((start, times[after], value))
    return steps


def _equity(
    equity: Iterable[tuple[datetime, DecimalInput]], dates: Any
) -> list[tuple[float, float]]:
    return [(float(dates.date2num(dt)), float(amount)) for dt, amount in equity_points(equity)]


def _panels(figure: Figure, *, with_equity: bool) -> tuple[Axes, Axes | None]:
    if not with_equity:
        return figure.add_subplot(), None
    price_axes, equity_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    price_axes.tick_params(labelbottom=False)
    return price_axes, equity_axes


def _draw_prices(axes: Axes, times: Sequence[float], bars: Sequence[Bar], candles: bool) -> None:
    axes.set_ylabel("price")
    if candles:
        _draw_candles(axes, times, bars)
    else:
        axes.plot(times, [float(bar.close) for bar in bars], color="C0", linewidth=1,
                  label="close")


def _draw_candles(axes: Axes, times: Sequence[float], bars: Sequence[Bar]) -> None:
    """A wick from low to high and a body from open to close per bar: hollow when
    the close is not below the open, filled when it is."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    width = 0.6 * min(gaps, default=1.0)
    colours = [_BUY if bar.close >= bar.open else _SELL for bar in bars]
    axes.vlines(times, [float(bar.low) for bar in bars], [float(bar.high) for bar in bars],
                colors=colours, linewidth=0.8)
    axes.bar(times, [float(abs(bar.close - bar.open)) for bar in bars], width=width,
             bottom=[float(min(bar.open, bar.close)) for bar in bars],
             color=["white" if colour == _BUY else colour for colour in colours],
             edgecolor=colours, linewidth=0.8)


def _draw_trades(axes: Axes, trades: Trades, asset: Hashable | None, mpl: _Matplotlib) -> None:
    """One dotted segment per closed trade, from its entry to its exit."""
    segments: list[list[tuple[float, float]]] = []
    colours: list[str] = []
    for trade in trades.closed:
        if asset is not None and trade.asset != asset:
            continue
        if trade.closed is None or trade.exit_price is None:  # never so in trades.closed
            continue
        segments.append([(float(mpl.dates.date2num(trade.opened)), float(trade.entry_price)),
                         (float(mpl.dates.date2num(trade.closed)), float(trade.exit_price))])
        colours.append(_outcome_colour(trade.net_pnl))
    if segments:
        axes.add_collection(mpl.collections.LineCollection(
            segments, colors=colours, linestyles="dotted", linewidths=1.2, label="trades"
        ))


def _outcome_colour(net_pnl: Decimal) -> str:
    return _WON if net_pnl > 0 else _LOST if net_pnl < 0 else _EVEN


def _draw_level(
    axes: Axes, label: str, segments: Sequence[tuple[float, float, float]], colour: str
) -> None:
    if segments:
        axes.hlines([price for _, _, price in segments], [start for start, _, _ in segments],
                    [end for _, end, _ in segments], colors=colour, linestyles="dashed",
                    linewidth=1, label=label)


_MARKERS = {  # (is_buy, is_entry): label, marker, face colour
    (True, True): ("buy, entry", "^", _BUY),
    (False, True): ("sale, entry", "v", _SELL),
    (True, False): ("buy, exit", "^", "white"),
    (False, False): ("sale, exit", "v", "white"),
}


def _draw_fills(axes: Axes, fills: Sequence[_Fill]) -> None:
    """One series of markers per kind of fill present, in the order of :data:`_MARKERS`."""
    for (is_buy, is_entry), (label, marker, face) in _MARKERS.items():
        kind = [fill for fill in fills if fill.is_buy == is_buy and fill.is_entry == is_entry]
        if kind:
            axes.plot([fill.at for fill in kind], [fill.price for fill in kind],
                      linestyle="none", marker=marker, markersize=8, markerfacecolor=face,
                      markeredgecolor=_BUY if is_buy else _SELL, label=label, zorder=3)


def _name(axes: Axes, title: str | None) -> None:
    """The legend of what the price panel shows, and its title."""
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="best", fontsize="small")
    if title is not None:
        axes.set_title(title)


def _draw_equity(axes: Axes, points: Sequence[tuple[float, float]]) -> None:
    axes.plot([at for at, _ in points], [amount for _, amount in points], color="C1",
              linewidth=1.2)
    axes.set_ylabel("equity")


def _date_axis(axes: Axes, dates: Any) -> None:
    locator = dates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
