"""Replay speed and memory on a generated execution log shaped like the bundled session.

Run: ``python benchmarks/replay.py`` (``--lines 100000`` for a shorter run).

The log trades 50 assets at once, as a venue reports them interleaved. For each
trade idea on an asset it holds: a bracket placed with a limit entry, prices,
two partial entry fills, more prices, the take-profit filled; an OCO pair around
what is left of a plain order's position, a fill of one leg (so each idea
leaves its asset flat, as the book's exits assume of a netting account); a DAY
limit order that a time line expires; a trailing stop that ratchets and triggers, then fills; and a
limit order filled in part and cancelled. 72% of the lines are prices; a
price often trades twice in a row, and the repeat moves no order. Every line
applies. The log is written to a temporary file and replayed
from there, line by line as bytes, as ``python -m orders replay`` does,
releasing finished orders an hour after their last change (``retention``).

It prints lines/s, the orders left in the book, and the memory: the peak
resident size of the process, and the heap (``tracemalloc``) after each tenth
of the log, which stays flat when memory is bounded by the live orders rather
than by the lines read.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orders import replay

T0 = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
ASSETS = 50


def idea(number: int) -> Iterator[tuple[int, dict[str, object]]]:
    """The lines of one trade idea, each with its second from the start."""
    asset = f"A{number % ASSETS}"
    base = 100 + number % 7
    prefix = f"i{number}"
    second = number * 2

    def price(offset: str, trades: int = 1) -> list[dict[str, object]]:
        return [{"op": "price", "asset": asset, "price": f"{base}{offset}"}] * trades

    def fill(order_id: str, quantity: int, at: str, part: int) -> dict[str, object]:
        return {"op": "event", "order_id": order_id, "event": {
            "type": "Fill", "quantity": str(quantity), "price": f"{base}{at}", "commission": "0.05",
            "fill_id": f"{order_id}-{part}"}}

    bracket = {"op": "place", "asset": asset, "amount": "100",
               "ids": [f"{prefix}-m", f"{prefix}-s", f"{prefix}-t"],
               "style": {"type": "BracketOrder",
                         "entry_style": {"type": "LimitOrder", "limit_price": f"{base}.00"},
                         "stop_loss_price": f"{base - 2}.00",
                         "take_profit_price": f"{base + 2}.00"}}
    oco = {"op": "place", "asset": asset, "amount": "-5",
           "ids": [f"{prefix}-a", f"{prefix}-b"],
           "style": {"type": "OCOOrder",
                     "order1_style": {"type": "LimitOrder", "limit_price": f"{base + 3}.00"},
                     "order2_style": {"type": "StopOrder", "stop_price": f"{base - 3}.00"}}}
    day_end = (T0 + timedelta(seconds=second + 30)).isoformat()
    lines: list[dict[str, object]] = [
        bracket,
        {"op": "order", "order": {"id": f"{prefix}-d", "asset": asset, "amount": "5",
                                  "limit": f"{base - 5}.00", "time_in_force": "DAY",
                                  "valid_until": day_end}},
        {"op": "order", "order": {"id": f"{prefix}-r", "asset": asset, "amount": "-5",
                                  "trail_amount": "1.00"}},
        {"op": "order", "order": {"id": f"{prefix}-p", "asset": asset, "amount": "20",
                                  "limit": f"{base}.10"}},
        *price(".20", 2), *price(".40", 2), *price(".10"),
        fill(f"{prefix}-m", 60, ".00", 1), *price(".05", 2), fill(f"{prefix}-m", 40, ".00", 2),
        *price(".30", 2), *price(".60", 2), *price(".90", 2), *price("1.20", 2), *price(".80"),
        fill(f"{prefix}-p", 10, ".10", 1), {"op": "event", "order_id": f"{prefix}-p",
                                            "event": {"type": "Cancel", "reason": "done"}},
        oco, *price("1.50", 2), *price("1.70", 2), *price("1.95", 2), *price(".70"),
        *price("1.10"), fill(f"{prefix}-r", 5, ".65", 1), *price("1.60"), *price("2.10"),
        fill(f"{prefix}-t", 100, "2.00", 1), fill(f"{prefix}-a", 5, "3.00", 1),
        *price("2.40", 2), *price("2.20", 2), *price("1.90"),
        {"op": "time", "dt": (T0 + timedelta(seconds=second + 31)).isoformat()},
    ]
    for index, line in enumerate(lines):
        yield second + index // 10, line


def log_lines(count: int, accounts: int = 0) -> Iterator[bytes]:
    """``count`` lines, trade ideas interleaved across the assets, times in order.

    With ``accounts``, trade idea ``n`` belongs to account ``acct{n % accounts}``
    and each of its lines names it.
    """
    number = 0
    pending: list[tuple[dict[str, str], Iterator[tuple[int, dict[str, object]]]]] = []
    while count > 0:
        while len(pending) < ASSETS:
            tag = {"account": f"acct{number % accounts}"} if accounts else {}
            pending.append((tag, idea(number)))
            number += 1
        for entry in list(pending):
            tag, ideas = entry
            step = next(ideas, None)
            if step is None:
                pending.remove(entry)
                continue
            second, line = step
            dt = (T0 + timedelta(seconds=second)).isoformat()
            if line["op"] in ("price", "place"):
                line = {**line, "dt": dt}
            elif line["op"] == "order":
                line = {**line, "order": {**line["order"], "dt": dt}}  # type: ignore[dict-item]
            elif line["op"] == "event" and line["event"]["type"] == "Fill":  # type: ignore[index]
                line = {**line, "event": {**line["event"], "dt": dt}}  # type: ignore[dict-item]
            yield json.dumps({**line, **tag}, separators=(",", ":")).encode()
            count -= 1
            if count == 0:
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        with path.open("wb") as log:
            for line in log_lines(args.lines):
                log.write(line + b"\n")
        tenth = max(1, args.lines // 10)
        heap: list[float] = []
        with path.open("rb") as log:
            start = time.perf_counter()
            result = replay(log, retention=timedelta(hours=1))
            elapsed = time.perf_counter() - start
        with path.open("rb") as log:
            tracemalloc.start()
            replay(log, retention=timedelta(hours=1),
                   progress=lambda _: heap.append(tracemalloc.get_traced_memory()[0] / 1e6),
                   every=tenth)
            tracemalloc.stop()
    assert result.refused == (), result.refused[:3]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"replay: {result.lines:,} lines in {elapsed:.1f} s = {result.lines / elapsed:,.0f} "
          f"lines/s; {len(result.book):,} orders left in the book")
    print(f"memory: peak resident {peak:,.0f} MB; heap after each tenth of the log (MB): "
          + " ".join(f"{mb:.0f}" for mb in heap))


if __name__ == "__main__":
    main()
