"""The cost of one change to an order book, as the book grows.

Run: ``python benchmarks/book_scaling.py`` (``--sizes 1000 10000`` to choose).

For each size the book holds that many resting orders on one asset: sell
stops, buy limits and sell trailing stops at distinct prices, none of which
the quiet price below moves. Every operation runs against that same book (the
book is immutable, so every repetition starts from it), and the median of many
repetitions is printed, in microseconds:

* submit one new limit order; cancel one resting order; fill one resting order;
* a trade price that moves no order (``on_price``), one that triggers 1 stop,
  and one that triggers 10, which the book must find without visiting the
  other resting orders (compare it with the cost of 10 fills);
* a bar that moves no order (``on_bar``), which must not visit them either.

Then a churn of 10,000 operations runs on an evolving book, as a live engine
would (submit, fill, quiet price, cancel, in turn), each timed: the median and
the worst are printed, first with the garbage collector at its default
settings, then after ``gc.freeze()`` once the book is built (what the
documentation advises a host holding a large book to do). The worst operation
is usually one during which the collector ran; the last column is what one
full collection (``gc.collect()``) of the process costs at that size, which
the default settings run from time to time, whenever the objects that
survived since the last one exceed a quarter of those it kept.

Flat figures down a column mean the cost does not grow with the book. The
first line gives the memory a resting order takes in the book, indexes
included (``tracemalloc`` over building a book of 10,000).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from orders import Bar, DecimalOrder, Fill, OrderBook

T0 = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
ASSET = "XYZ"
QUIET = Decimal(60_000)  # above every sell stop, below every trailing mark, above every limit
ONE = Decimal(56_000)  # crosses the one stop at 56,000
TEN = Decimal(55_001)  # crosses the nine stops 55,001 ... 55,009 and the one at 56,000
CHURN = 10_000
MEMORY_SAMPLE = 10_000


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
    orders.append(DecimalOrder(T0, ASSET, -1, stop=ONE, id="one"))
    orders.extend(
        DecimalOrder(T0, ASSET, -1, stop=TEN + index, id=f"ten{index}") for index in range(9)
    )
    return OrderBook().submit(*orders).book


def median_us(operation: Callable[[], object], repeat: int) -> float:
    operation()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def measure(book: OrderBook, repeat: int) -> list[float]:
    new = DecimalOrder(T0, ASSET, 1, limit=Decimal("99.99"), id="new")
    fill = Fill(1, 100, dt=T0, fill_id="f")
    assert book.on_price(ASSET, QUIET, T0).derived == ()
    assert len(book.on_price(ASSET, ONE, T0).derived) == 1
    assert len(book.on_price(ASSET, TEN, T0).derived) == 10
    bar = Bar(QUIET, QUIET + 1, QUIET - 1, QUIET)
    assert book.on_bar(ASSET, bar, T0).derived == ()
    return [
        median_us(lambda: book.submit(new), repeat),
        median_us(lambda: book.cancel("l1"), repeat),
        median_us(lambda: book.apply("l1", fill), repeat),
        median_us(lambda: book.on_price(ASSET, QUIET, T0), repeat),
        median_us(lambda: book.on_price(ASSET, ONE, T0), repeat),
        median_us(lambda: book.on_price(ASSET, TEN, T0), repeat),
        median_us(lambda: book.on_bar(ASSET, bar, T0), repeat),
    ]


def churn(book: OrderBook) -> tuple[float, float]:
    """Median and worst microseconds of CHURN operations on an evolving book."""
    times = []
    for index in range(CHURN // 4):
        order_id = f"c{index}"
        steps: list[Callable[[OrderBook], OrderBook]] = [
            lambda book, i=order_id: book.submit(
                DecimalOrder(T0, ASSET, 2, limit=Decimal("99.50"), id=i)).book,
            lambda book, i=order_id: book.apply(i, Fill(1, "99.50", dt=T0, fill_id=i)).book,
            lambda book: book.on_price(ASSET, QUIET, T0).book,
            lambda book, i=order_id: book.cancel(i).book,
        ]
        for step in steps:
            start = time.perf_counter()
            book = step(book)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6, max(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    tracemalloc.start()
    sample = resting_book(MEMORY_SAMPLE)
    per_order = tracemalloc.get_traced_memory()[0] / len(sample)
    tracemalloc.stop()
    del sample
    print(f"memory: {per_order:,.0f} bytes per resting order, indexes included")
    print(f"median us per operation over {args.repeat} repetitions; churn of {CHURN:,} "
          "operations: median and worst us, collector on, then after gc.freeze()")
    print(f"{'resting':>10} {'build s':>8} {'submit':>7} {'cancel':>7} {'fill':>7} "
          f"{'quiet':>7} {'1 stop':>7} {'10 stops':>8} {'bar':>7} {'churn':>15} {'frozen':>15} "
          f"{'full gc s':>9}")
    for size in args.sizes:
        start = time.perf_counter()
        book = resting_book(size)
        built = time.perf_counter() - start
        figures = measure(book, args.repeat)
        median, worst = churn(book)
        gc.freeze()
        frozen_median, frozen_worst = churn(book)
        gc.unfreeze()
        start = time.perf_counter()
        gc.collect()
        collection = time.perf_counter() - start
        print(f"{size:>10} {built:>8.1f} " + " ".join(f"{f:>7.1f}" for f in figures[:5])
              + f" {figures[5]:>8.1f} {figures[6]:>7.1f} {median:>6.1f} / {worst:>6.0f} "
              f"{frozen_median:>6.1f} / {frozen_worst:>6.0f} {collection:>9.2f}", flush=True)
        del book


if __name__ == "__main__":
    main()
