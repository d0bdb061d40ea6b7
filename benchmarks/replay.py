"""Replay speed of a generated execution log, and the dumps/loads round trip.

Run: ``python benchmarks/replay.py`` (``--lines 100000`` for a shorter run).

The log holds one order line and then fills, a price and a cancel for each
of many orders, on 50 assets, interleaved as a venue would report them; every
line applies. It is written to a temporary file and replayed from there, line
by line, as ``python -m orders replay`` does. The round trip dumps and loads an
order holding four fills, in batches, and prints the median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from orders import DecimalOrder, dumps, loads, replay

T0 = datetime(2024, 1, 15, 9, 30)


def log_lines(count: int) -> Iterator[str]:
    """``count`` lines: per order, an order line, 4 fills, a price and a cancel."""
    per_order = 7
    for index in range(count // per_order + 1):
        order_id = f"o{index}"
        asset = f"A{index % 50}"
        dt = (T0 + timedelta(seconds=index)).isoformat()
        records = [
            {"op": "order", "order": {"id": order_id, "dt": dt, "asset": asset,
                                      "amount": "1000", "limit": "100.00"}},
            *(
                {"op": "event", "order_id": order_id,
                 "event": {"type": "Fill", "quantity": "200", "price": f"99.9{part}",
                           "commission": "0.10", "fill_id": f"{order_id}-{part}"}}
                for part in range(4)
            ),
            {"op": "price", "asset": asset, "price": "100.50", "dt": dt},
            {"op": "event", "order_id": order_id, "event": {"type": "Cancel", "reason": "eod"}},
        ]
        for record in records:
            if count <= 0:
                return
            count -= 1
            yield json.dumps(record, separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--round-trips", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        with path.open("w") as log:
            for line in log_lines(args.lines):
                log.write(line + "\n")
        with path.open() as log:
            start = time.perf_counter()
            result = replay(log)
            elapsed = time.perf_counter() - start
    assert result.refused == (), result.refused[:3]
    print(f"replay: {result.lines:,} lines in {elapsed:.1f} s = "
          f"{result.lines / elapsed:,.0f} lines/s ({len(result.book):,} orders in the book)")

    order = DecimalOrder(T0, "AAPL", 1000, limit="100.00", id="o")
    for part in range(4):
        order = order.fill(200, Decimal("99.9") + part, commission="0.10", fill_id=str(part))
    batch = max(1, args.round_trips // 20)
    rates = []
    for _ in range(20):
        start = time.perf_counter()
        for _ in range(batch):
            loads(dumps(order))
        rates.append(batch / (time.perf_counter() - start))
    print(f"dumps+loads of an order with 4 fills: median {statistics.median(rates):,.0f} "
          f"round trips/s ({1e6 / statistics.median(rates):.0f} us each)")


if __name__ == "__main__":
    main()
