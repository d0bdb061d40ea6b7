"""The cost of one change to an order book as the book grows, its tail, and the collector.

Run: ``python benchmarks/book_scaling.py`` (minutes: the top size is 10^6
resting orders); ``--quick`` for 10^3 and 10^4 only, ``--sizes 1000 100000`` to
choose.

For each size the book holds that many resting orders on one asset: sell
stops, buy limits and sell trailing stops at distinct prices, none of which
the quiet price below moves. The first line of each size gives the time to
build it and the objects the garbage collector tracks per resting order.
Every operation then runs against that same book (the book is immutable, so
every repetition starts from it, and its result is dropped, as a host drops a
book it has replaced), and the median of many repetitions is printed, in
microseconds of the process's CPU time (wall time would add, on a busy
machine, the time other processes run; the collector's pauses are CPU time):

* submit one new limit order; cancel one resting order; fill one resting order;
* a trade price that moves no order (``on_price``), one that triggers 1 stop,
  and one that triggers 10, which the book must find without visiting the
  other resting orders (compare it with the cost of 10 fills);
* a bar that moves no order (``on_bar``), which must not visit them either.

Then a churn of 10,000 operations runs on an evolving book, as a live engine
would (submit, fill, quiet price, cancel, in turn), each timed in CPU time;
the evolving book is retained throughout, with every version of the orders
the churn made. The median, p99, p99.9 and worst
operation are printed, with what one full collection (``gc.collect()``) of the
process costs in CPU time with that book alive:

* with the collector at its default settings (the worst operation is usually
  one during which the collector ran; a full one runs whenever the objects
  that survived since the last one exceed a quarter of those it kept);
* with the warmed-up book frozen (``gc.collect(); gc.freeze()``, what the
  documentation advises a host holding a large book to do): the full
  collection no longer visits the book. The process is unfrozen after.

Flat figures down a column mean the cost does not grow with the book. The
first line gives the memory a resting order takes in the book, indexes
included (``tracemalloc`` over building a book of 10,000).
"""

from __future__ import annotations

import argparse
import gc
import math
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
        start = time.process_time()
        operation()
        times.append(time.process_time() - start)
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


def churn_steps(order_id: str) -> tuple[Callable[[OrderBook], OrderBook], ...]:
    """Submit, fill, a quiet price and cancel, for the order ``order_id``."""

    def submit(book: OrderBook) -> OrderBook:
        return book.submit(DecimalOrder(T0, ASSET, 2, limit=Decimal("99.50"), id=order_id)).book

    def fill(book: OrderBook) -> OrderBook:
        return book.apply(order_id, Fill(1, "99.50", dt=T0, fill_id=order_id)).book

    def quiet(book: OrderBook) -> OrderBook:
        return book.on_price(ASSET, QUIET, T0).book

    def cancel(book: OrderBook) -> OrderBook:
        return book.cancel(order_id).book

    return submit, fill, quiet, cancel


def churn(book: OrderBook, operations: int) -> list[float]:
    """The CPU seconds of each of ``operations`` operations on an evolving book."""
    times = []
    for index in range(operations // 4):
        for step in churn_steps(f"c{index}"):
            start = time.process_time()
            book = step(book)
            times.append(time.process_time() - start)
    return times


def tail_us(times: list[float]) -> list[float]:
    """Median, p99, p99.9 and worst of ``times``, in microseconds (nearest rank)."""
    ordered = sorted(times)
    ranks = (0.5, 0.99, 0.999)
    return [ordered[math.ceil(rank * len(ordered)) - 1] * 1e6 for rank in ranks] + [
        ordered[-1] * 1e6]


def full_collection_seconds() -> float:
    """The CPU seconds of one ``gc.collect()`` of the whole process."""
    start = time.process_time()
    gc.collect()
    return time.process_time() - start


def tracked_objects() -> int:
    return len(gc.get_objects())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="sizes 10^3 and 10^4 only")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--churn", type=int, default=CHURN, help="operations of the churn")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else args.sizes
    tracemalloc.start()
    sample = resting_book(MEMORY_SAMPLE)
    per_order = tracemalloc.get_traced_memory()[0] / len(sample)
    tracemalloc.stop()
    del sample
    print(f"memory: {per_order:,.0f} bytes per resting order, indexes included")
    print("retained: the book of each size while it is measured, not the operations' results;\n"
          "the churn retains its evolving book, with every version of the orders it made")
    print(f"median CPU us per operation over {args.repeat} repetitions; churn of "
          f"{args.churn:,} operations: CPU us; one full gc.collect(): CPU seconds")
    for size in sizes:
        before = tracked_objects()
        start = time.perf_counter()
        book = resting_book(size)
        built = time.perf_counter() - start
        tracked = (tracked_objects() - before) / size
        print(f"{size:>10,} resting: built in {built:.1f} s, {tracked:.2f} tracked objects per "
              "resting order")
        print(f"{'':>12}{'submit':>9} {'cancel':>8} {'fill':>8} {'quiet':>8} {'1 stop':>8} "
              f"{'10 stops':>8} {'bar':>8}")
        print(f"{'':>12}" + " ".join(f"{figure:>8.1f}" for figure in measure(book, args.repeat)))
        print(f"{'':>12}{'churn':<24} {'median':>8} {'p99':>8} {'p99.9':>8} {'worst':>8} "
              f"{'full gc s':>9}")
        default = tail_us(churn(book, args.churn))
        print_tail("collector at defaults", default, full_collection_seconds())
        gc.collect()
        gc.freeze()
        frozen = tail_us(churn(book, args.churn))
        print_tail("book frozen", frozen, full_collection_seconds())
        gc.unfreeze()
        del book


def print_tail(name: str, tail: list[float], collection: float) -> None:
    print(f"{'':>12}{name:<24} " + " ".join(f"{figure:>8.1f}" for figure in tail)
          + f" {collection:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
