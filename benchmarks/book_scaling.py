"""The cost of one change to an order book, as the book grows.

Run: ``python benchmarks/book_scaling.py`` (``--sizes 1000 10000`` to choose).

For each size the book holds that many resting orders on one asset: sell
stops, buy limits and sell trailing stops at distinct prices, none of which
the trade price used below moves. Each operation then runs against that same book (the book is
immutable, so every repetition starts from it) and the median time of many
repetitions is printed:

* submit one new limit order;
* cancel one resting order;
* fill one resting order;
* a trade price that triggers one stop (``on_price``), which must find it
  without visiting the other resting orders.

Flat figures down a column mean the cost does not grow with the book.

After building each book the benchmark calls ``gc.freeze()``, as a long-running
host holding a large book would: otherwise a cyclic-GC pass walks every object
of the book, and how often that lands inside a timed operation depends on the
heap's history, not on the operation (with ``--no-freeze`` it is left on).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from orders import DecimalOrder, Fill, OrderBook

T0 = datetime(2024, 1, 15, 9, 30)
ASSET = "XYZ"
TRADE = Decimal(49_999)


def resting_book(size: int) -> OrderBook:
    orders = []
    for index in range(size):
        level = Decimal(index) / 100
        kind = index % 3
        if kind == 0:
            order = DecimalOrder(T0, ASSET, -1, stop=Decimal(1000) + level, id=f"s{index}")
        elif kind == 1:
            order = DecimalOrder(T0, ASSET, 1, limit=Decimal(100) + level, id=f"l{index}")
        else:
            order = DecimalOrder(
                T0, ASSET, -1, trail_amount=100_000, stop=Decimal(1) + level,
                trailing_highest_price=Decimal(100_001) + level, id=f"t{index}",
            )
        orders.append(order)
    # A trade at TRADE moves none of the orders above (it is below every trailing
    # mark, above every stop and every buy limit) and triggers this one.
    trigger = DecimalOrder(T0, ASSET, -1, stop=Decimal(50_000), id="to-trigger")
    return OrderBook().submit(*orders, trigger).book


def median_us(operation: Callable[[], object], repeat: int) -> float:
    operation()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def measure(book: OrderBook, fill: Fill, repeat: int) -> list[float]:
    new = DecimalOrder(T0, ASSET, 1, limit=Decimal("99.99"), id="new")
    return [
        median_us(lambda: book.submit(new), repeat),
        median_us(lambda: book.cancel("l1"), repeat),
        median_us(lambda: book.apply("l1", fill), repeat),
        median_us(lambda: book.on_price(ASSET, TRADE, T0), repeat),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--no-freeze", action="store_true", help="leave the GC walking the book")
    args = parser.parse_args()
    print(f"median us per operation over {args.repeat} repetitions")
    print(f"{'resting':>10} {'build s':>8} {'submit':>8} {'cancel':>8} {'fill':>8} {'on_price':>9}")
    fill = Fill(1, 100)
    for size in args.sizes:
        start = time.perf_counter()
        book = resting_book(size)
        built = time.perf_counter() - start
        if not args.no_freeze:
            gc.freeze()
        figures = measure(book, fill, args.repeat)
        triggered = book.on_price(ASSET, TRADE, T0).derived
        assert [d.order_id for d in triggered] == ["to-trigger"], triggered
        print(f"{size:>10} {built:>8.1f} " + " ".join(f"{f:>8.1f}" for f in figures), flush=True)
        del book
        gc.unfreeze()


if __name__ == "__main__":
    main()
