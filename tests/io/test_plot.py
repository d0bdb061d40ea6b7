"""The picture of a backtest: what it draws, how it refuses, and the one in the docs.

``python -m tests.io.test_plot`` redraws the docs' picture, docs/plot-backtest.png,
from the example on docs/plot.md.
"""

from __future__ import annotations

import decimal
import importlib
import re
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orders import Account, Asset, Bar, DatedBar, DecimalOrder, Execution, Fill, Trades
from orders._extras import install_hint
from orders.errors import BadOrderParameters
from orders.io.plot import CANDLES_UP_TO, plot_backtest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
PAGE, PICTURE = ROOT / "docs" / "plot.md", ROOT / "docs" / "plot-backtest.png"
PICTURES = {PAGE: PICTURE, ROOT / "docs" / "backtest.md": ROOT / "docs" / "backtest-aapl.png"}
"""Each page whose example draws a figure, and the picture of it the page shows."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

XYZ, ABC = Asset("XYZ"), Asset("ABC")
START = datetime(2024, 1, 2, 16)
CLOSES = ["100", "101.5", "103", "102", "99.5", "98", "100.5", "104"]


def _day(day: int) -> datetime:
    return START + timedelta(days=day)


def _bars(closes: list[str] = CLOSES) -> list[DatedBar]:
    return [
        DatedBar(_day(day), Bar(close, f"{close}1", f"{int(float(close)) - 1}", close))
        for day, close in enumerate(closes)
    ]


def _execution(order_id: str, amount: int, price: str, day: int, asset: Asset = XYZ) -> Execution:
    order = DecimalOrder(_day(day), asset, amount, id=order_id)
    return Execution.of(order, Fill(abs(amount), price, "1", _day(day)))


EXECUTIONS = [  # a long trade, a flip to short, and a cover
    _execution("b1", 100, "101.5", 1),
    _execution("s1", -40, "103", 2),
    _execution("s2", -100, "99.5", 4),
    _execution("b2", 40, "100.5", 6),
]
LEVELS = [(_day(1), "98", "stop-loss"), (_day(2), "99", "stop-loss"), (_day(7), "100", "stop-loss"),
          (_day(1), "106", "take-profit")]


def _equity() -> list[tuple[datetime, str]]:
    return [(dt, f"{10_000 + 10 * day}") for day, (dt, _) in enumerate(_bars())]


def _points(line: Any) -> list[tuple[float, float]]:
    """The points of a matplotlib line."""
    return list(zip(line.get_xdata(), line.get_ydata(), strict=True))


def _markers(figure: Any) -> dict[str, int]:
    """The number of points of each series of fill markers, by label."""
    price_axes = figure.axes[0]
    return {line.get_label(): len(_points(line)) for line in price_axes.lines
            if line.get_marker() in ("^", "v")}


def test_a_backtest_renders_to_a_png_with_the_price_above_and_the_equity_below(
    tmp_path: Path,
) -> None:
    figure = plot_backtest(_bars(), asset=XYZ, executions=EXECUTIONS,
                           trades=Trades().apply(EXECUTIONS), levels=LEVELS, equity=_equity())
    path = tmp_path / "backtest.png"
    figure.savefig(path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000
    price_axes, equity_axes = figure.axes
    assert price_axes.get_shared_x_axes().joined(price_axes, equity_axes)
    assert price_axes.get_title() == "XYZ"
    assert [len(_points(line)) for line in equity_axes.lines] == [len(CLOSES)]


def test_each_execution_is_one_marker_an_entry_or_an_exit_of_the_position() -> None:
    figure = plot_backtest(_bars(), executions=EXECUTIONS)
    # b1 opens long; s1 reduces it; s2 goes through zero, an exit; b2 covers the short
    assert _markers(figure) == {"buy, entry": 1, "sale, exit": 2, "buy, exit": 1}
    assert sum(_markers(figure).values()) == len(EXECUTIONS)
    price_axes = figure.axes[0]
    sale_exits = next(line for line in price_axes.lines if line.get_label() == "sale, exit")
    assert [price for _, price in _points(sale_exits)] == [103.0, 99.5]


def test_only_the_executions_and_trades_of_the_asset_are_drawn() -> None:
    other = [_execution("a1", 10, "50", 3, ABC), _execution("a2", -10, "51", 5, ABC)]
    executions = [*EXECUTIONS[:2], *other]
    figure = plot_backtest(_bars(), asset=XYZ, executions=executions,
                           trades=Trades().apply(executions))
    assert sum(_markers(figure).values()) == 2
    # ABC's closed trade is left out, and XYZ's is open: no trade is drawn
    assert [c.get_label() for c in figure.axes[0].collections if c.get_label() == "trades"] == []


def test_each_closed_trade_is_a_segment_from_its_average_entry_to_its_average_exit() -> None:
    figure = plot_backtest(_bars(), trades=Trades().apply(EXECUTIONS))
    [(_, long_entry), (_, long_exit)], [(_, short_entry), (_, short_exit)] = (
        _segments(figure, "trades")
    )
    # the long trade sold 40 at 103 and 60 at 99.5: on average at 100.9
    assert (long_entry, long_exit, short_entry, short_exit) == (101.5, 100.9, 99.5, 100.5)


def _segments(figure: Any, label: str) -> list[list[tuple[float, float]]]:
    """The segments of the price panel's collection ``label``."""
    [collection] = [c for c in figure.axes[0].collections if c.get_label() == label]
    return [[(x, y) for x, y in path.vertices.tolist()] for path in collection.get_paths()]


def test_a_level_is_drawn_from_its_time_to_the_next_bar() -> None:
    figure = plot_backtest(_bars(), levels=LEVELS)
    stops = _segments(figure, "stop-loss")
    dates = importlib.import_module("matplotlib.dates")
    day = [float(dates.date2num(_day(number))) for number in range(3)]
    # the level after the last bar meets no bar and is not drawn
    assert stops == [[(day[1], 98.0), (day[2], 98.0)], [(day[2], 99.0), (day[2] + 1, 99.0)]]
    assert len(_segments(figure, "take-profit")) == 1


def test_few_bars_are_candles_and_many_a_line_of_closes() -> None:
    candles = plot_backtest(_bars())
    assert len(candles.axes[0].patches) == len(CLOSES)
    assert [line.get_label() for line in candles.axes[0].lines] == []
    many = [DatedBar(_day(day), Bar(100, 101, 99, 100)) for day in range(CANDLES_UP_TO + 1)]
    closes = plot_backtest(many)
    assert len(closes.axes[0].patches) == 0
    assert [len(_points(line)) for line in closes.axes[0].lines] == [CANDLES_UP_TO + 1]
    assert len(plot_backtest(_bars(), candles=False).axes[0].patches) == 0


def test_without_equity_the_figure_is_the_price_panel_alone() -> None:
    figure = plot_backtest(_bars(), title="a title")
    [price_axes] = figure.axes
    assert price_axes.get_title() == "a title"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"bars": []}, "needs at least one bar; got none"),
        ({"bars": [(START, (100, 101, 99, 100))]}, "bar 0 must be a (datetime, Bar) pair"),
        ({"bars": [*_bars()[1:2], *_bars()[0:1]]},
         "bar 1 at 2024-01-02T16:00:00 is not after bar 0 at 2024-01-03T16:00:00"),
        ({"executions": [Execution("x", XYZ, Fill(1, 100).quantity, Fill(1, 100))]},
         "the fill of order 'x' has dt None"),
        ({"levels": [(START, "98")]}, "level 0 must be a (datetime, price, label) triple"),
        ({"levels": [(START, "98", 1)]}, "the label of level 0 must be a str"),
        ({"equity": [(START, "nan")]}, "equity point 0"),
        ({"trades": Account()}, "trades must be a Trades or None"),
    ],
)
def test_values_of_the_wrong_kind_are_refused_naming_them(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        plot_backtest(**{"bars": _bars(), **arguments})


def test_without_matplotlib_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = importlib.import_module

    def without_matplotlib(name: str, package: str | None = None) -> object:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_matplotlib)
    with pytest.raises(ImportError, match=re.escape(install_hint("plot"))) as raised:
        plot_backtest(_bars())
    assert str(raised.value).startswith("plot_backtest needs the 'plot' extra: ")


def test_drawing_and_saving_touch_neither_pyplot_nor_the_backend(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "import matplotlib\n"
        "matplotlib.use('svg')\n"
        "from orders import Bar\n"
        "from orders.io.plot import plot_backtest\n"
        "figure = plot_backtest([(datetime(2024, 1, 2), Bar(1, 2, 1, 2))])\n"
        f"figure.savefig({str(tmp_path / 'bar.png')!r})\n"
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout == "svg False\n"
    assert (tmp_path / "bar.png").read_bytes().startswith(PNG_SIGNATURE)


def test_the_pictures_entries_and_exits_do_not_depend_on_the_context() -> None:
    times = [datetime(2024, 1, day, 16) for day in (2, 3, 4)]
    amounts = [(Decimal("1000.5"), 10), (Decimal(-1000), 11), (Decimal("-0.5"), 12)]
    executions = [
        Execution.of(DecimalOrder(dt, "X", amount, id=f"o{dt.day}"),
                     Fill(abs(amount), price, 0, dt))
        for dt, (amount, price) in zip(times, amounts, strict=True)
    ]
    bars = [(dt, Bar(10, 12, 10, 11)) for dt in times]
    with decimal.localcontext(decimal.Context(prec=3)):
        figure = plot_backtest(bars, executions=executions)
    labels = {line.get_label() for line in figure.axes[0].get_lines()}
    assert labels == {"buy, entry", "sale, exit"}  # the last sale is an exit


def _docs_figure(page: Path = PAGE) -> Any:
    """The figure the examples on ``page`` draw."""
    namespace: dict[str, Any] = {"__name__": "docs_plot"}
    for source in re.findall(r"^```python\n(.*?)^```$", page.read_text(), re.M | re.S):
        exec(compile(source, str(page), "exec", dont_inherit=True), namespace)
    return namespace["figure"]


@pytest.mark.parametrize(("page", "picture"), list(PICTURES.items()), ids=lambda path: path.name)
def test_the_docs_show_the_picture_their_example_draws(page: Path, picture: Path) -> None:
    assert f"]({picture.name})" in page.read_text()
    assert picture.read_bytes().startswith(PNG_SIGNATURE)
    assert 10_000 < picture.stat().st_size < 100_000
    figure = _docs_figure(page)
    assert len(figure.axes) == 2
    assert _markers(figure)


if __name__ == "__main__":
    for page, picture in PICTURES.items():
        _docs_figure(page).savefig(picture, dpi=80, metadata={"Software": None})
        print(f"wrote {picture.relative_to(ROOT)}, {picture.stat().st_size} bytes")
