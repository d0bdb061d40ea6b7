"""``python -m orders``: replay an execution log, or print the state diagram."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import IO

from orders.book import OrderBook
from orders.machine import mermaid_diagram
from orders.order import DecimalOrder
from orders.replay import ReplayResult, replay
from orders.serialization import dumps

EXAMPLE_LOG = "session.jsonl"
_COLUMNS = ("id", "asset", "side", "type", "status", "filled/amount", "avg price", "commission")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    replaying = commands.add_parser(
        "replay", help="replay a JSON Lines execution log and print the final orders"
    )
    replaying.add_argument(
        "file", nargs="?", help="the log to replay (default: a bundled example session)"
    )
    replaying.add_argument("--json", action="store_true", help="print the book as JSON")
    commands.add_parser(
        "diagram", help="print the Mermaid state diagram generated from the transition table"
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "diagram":
        print(mermaid_diagram())
        return 0
    with _open_log(arguments.file) as log:
        result = replay(log, progress=_report_progress)
    print(dumps(result.book) if arguments.json else render(result))
    return 0


@contextmanager
def _open_log(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        with resources.files("orders").joinpath("data", EXAMPLE_LOG).open(encoding="utf-8") as log:
            yield log
    elif path == "-":
        yield sys.stdin
    else:
        with open(path, encoding="utf-8") as log:
            yield log


def _report_progress(lines: int) -> None:
    print(f"replayed {lines:,} lines", file=sys.stderr, flush=True)


def render(result: ReplayResult) -> str:
    """The final orders as a table, then the refused lines."""
    rows = [_row(order) for order in _in_order(result.book)]
    widths = [max(len(cells[i]) for cells in (_COLUMNS, *rows)) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in (_COLUMNS, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append(f"{result.lines} lines replayed, {len(result.refused)} refused")
    lines.extend(
        f"  line {refusal.line_number}: {refusal.reason}" for refusal in result.refused
    )
    return "\n".join(lines)


def _in_order(book: OrderBook) -> list[DecimalOrder]:
    return sorted(book.orders.values(), key=lambda order: (order.created, order.id))


def _row(order: DecimalOrder) -> tuple[str, ...]:
    average = order.filled_price
    return (
        order.id,
        str(order.asset),
        "BUY" if order.is_buy else "SELL",
        order.order_type.value,
        order.status.name,
        f"{order.filled.copy_abs():f}/{order.amount.copy_abs():f}",
        "-" if average is None else f"{average:f}",
        f"{order.commission:f}",
    )


if __name__ == "__main__":
    sys.exit(main())
