"""Time order creation, one fill, a five-step lifecycle, and long fill chains.

Run: ``python benchmarks/lifecycle.py`` (``--orders`` to change the count).

Each workload runs over the given number of orders in batches; the figure
printed is the median over batches of the time per operation, in
microseconds, with the spread (min-max over batches) beside it. Events are
built outside the timed region except where the line says they are included.
The fill-chain lines apply N fills to one order and print the time per fill
for growing N: a flat figure means the k-th fill does not cost O(k).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from orders import Asset, DecimalOrder, Fill, apply

AAPL = Asset("AAPL", exchange="NYSE")
T0 = datetime(2024, 1, 15, 9, 30)
LIMIT = Decimal("150.00")
AMOUNT = Decimal("1000")
PARTS = [
    Fill(Decimal(quantity), Decimal(price), Decimal("0.25"), T0 + timedelta(seconds=i))
    for i, (quantity, price) in enumerate(
        [(250, "149.98"), (250, "149.99"), (250, "150.00"), (250, "149.97")]
    )
]


def create(count: int) -> None:
    for _ in range(count):
        DecimalOrder(T0, AAPL, AMOUNT, limit=LIMIT)


def one_fill(count: int) -> None:
    order = DecimalOrder(T0, AAPL, AMOUNT, limit=LIMIT)
    fill = PARTS[0]
    for _ in range(count):
        apply(order, fill)


def lifecycle(count: int) -> None:
    for _ in range(count):
        order = DecimalOrder(T0, AAPL, AMOUNT, limit=LIMIT)
        for fill in PARTS:
            order = apply(order, fill)


def lifecycle_with_events(count: int) -> None:
    for _ in range(count):
        order = DecimalOrder(T0, AAPL, AMOUNT, limit=LIMIT)
        for quantity, price in (("250", "149.98"), ("250", "149.99"), ("250", "150.00"),
                                ("250", "149.97")):
            order = order.fill(quantity, price, commission="0.25")


def fill_chain(fills: int) -> float:
    """Seconds per fill when applying ``fills`` fills to one order."""
    order = DecimalOrder(T0, "X", Decimal(fills))
    fill = Fill(Decimal(1), Decimal("100.01"))
    start = time.perf_counter()
    for _ in range(fills):
        order = apply(order, fill)
    return (time.perf_counter() - start) / fills


def median_per_op(work: Callable[[int], None], total: int, batches: int) -> tuple[float, ...]:
    size = max(1, total // batches)
    work(min(size, 1000))  # warm up
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        work(size)
        times.append((time.perf_counter() - start) / size * 1e6)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders per workload")
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    print(f"{args.orders} orders per workload, {args.batches} batches; median us per operation")
    workloads: list[tuple[str, Callable[[int], None], int]] = [
        ("create a limit order (id included)", create, 1),
        ("apply one fill (event built)", one_fill, 1),
        ("create + 4 partial fills (events built)", lifecycle, 1),
        ("create + 4 partial fills (events included)", lifecycle_with_events, 1),
    ]
    for name, work, _ in workloads:
        median, low, high = median_per_op(work, args.orders, args.batches)
        print(f"  {name:<46} {median:8.2f} us   (batches {low:.2f}-{high:.2f})")
    print("fills applied to one order: time per fill")
    for fills in (100, 1_000, 10_000):
        per_fill = statistics.median(fill_chain(fills) for _ in range(5)) * 1e6
        print(f"  {fills:>6} fills {per_fill:8.2f} us per fill")


if __name__ == "__main__":
    main()
