"""Lines of code of the tutorial's backtest and of the same backtest in backtrader.

Run: ``python benchmarks/tutorial_lines.py``

The tutorial is the Python block of docs/backtest.md; its backtrader twin is
benchmarks/tutorial_backtrader.py. A line of code is a line holding anything
but blanks and comments; docstrings are left out. Both carry the same bars as
CSV text: the lines inside that text are counted apart and printed, not added.
backtrader's script shows its chart only when asked, so it runs headless; the
lines that exist only for that (marked ``# headless``) are left out, so its
chart counts as the one line that draws it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "backtest.md"
BACKTRADER = ROOT / "benchmarks" / "tutorial_backtrader.py"
CSV_HEADER = "datetime,asset,open,high,low,close"
HEADLESS_MARK = "# headless"
_PYTHON_BLOCK = re.compile(r"^```python\n(?P<body>.*?)^```\s*$", re.M | re.S)
_LAYOUT = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENCODING, tokenize.ENDMARKER}


class Count(NamedTuple):
    code: int
    data: int
    headless: int


def tutorial_source() -> str:
    """The one Python block of the tutorial page."""
    blocks = _PYTHON_BLOCK.findall(TUTORIAL.read_text())
    if len(blocks) != 1:
        raise SystemExit(f"{TUTORIAL} has {len(blocks)} Python blocks; the count expects one")
    return str(blocks[0])


def count(source: str) -> Count:
    """The lines of code of ``source``, and apart from them its CSV lines and headless lines."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    code = {line for token in tokens if token.type not in _LAYOUT
            for line in range(token.start[0], token.end[0] + 1)}
    data = {line for token in tokens if token.type == tokenize.STRING and CSV_HEADER in token.string
            for line in range(token.start[0] + 1, token.end[0])}
    headless = {token.start[0] for token in tokens
                if token.type == tokenize.COMMENT and token.string.startswith(HEADLESS_MARK)}
    code -= data | headless | docstring_lines(source)
    return Count(len(code), len(data), len(headless))


def docstring_lines(source: str) -> set[int]:
    """The line numbers of the docstrings of the module, its classes and functions."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def report(name: str, counted: Count) -> str:
    headless = (f"; {counted.headless} lines that only keep it headless left out"
                if counted.headless else "")
    return f"{name}: {counted.code} lines of code, plus {counted.data} lines of CSV data{headless}"


def main() -> None:
    print(report(f"orders ({TUTORIAL.relative_to(ROOT)})", count(tutorial_source())))
    print(report(f"backtrader ({BACKTRADER.relative_to(ROOT)})", count(BACKTRADER.read_text())))


if __name__ == "__main__":
    main()
