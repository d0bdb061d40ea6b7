"""Pickling orders and books: us per order for ``pickle.dumps`` and ``pickle.loads``.

Run: ``python benchmarks/pickling.py`` (``--rounds`` and ``--orders`` to change
the work; the defaults finish within a minute).

Each order is a buy limit order for 100 on an instrument with a tick and a
quantity increment, with aware datetimes, and 0, 1 or 4 partial fills, each
with a fill id, a time and a commission; every version is kept, as an order's
history keeps them. The workloads:

* order, N fills: each of ``--orders`` distinct orders pickled on its own
  (one ``dumps`` call per order), then each pickle loaded on its own;
* book: a book of 10,000 orders on 20 assets (resting limits and stops,
  brackets, OCO pairs, orders filled once or four times, cancels), pickled
  and loaded whole; the figure is per order of the book;
* gather: 100,000 orders with 4 fills (``--gather``) in one list, pickled and
  loaded whole, as a Dask gather of them does; also printed in seconds for
  the whole list.

Workloads run in interleaved rounds (each runs once per round, in turn, so all
see the same machine state); each figure is the median over rounds of the
process's CPU time (``time.process_time``), so that other processes sharing
the machine do not count. The garbage collector runs at its default settings,
so the full collections that loading many orders sets off are part of the
figures; ``--collector-off`` runs without it, which separates the two. Pickles
use ``pickle.HIGHEST_PROTOCOL``, as Dask does. Every loaded value is checked
equal to the one pickled before the figures are printed.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orders import (
    Asset,
    BracketOrder,
    DecimalOrder,
    ExecutionStyle,
    Fill,
    LimitOrder,
    OCOOrder,
    OrderBook,
    StopOrder,
)

T0 = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
ASSETS = [
    Asset(f"S{index:02}", exchange="XNAS", tick_size=Decimal("0.01"),
          quantity_increment=Decimal(1))
    for index in range(20)
]
AMOUNT = Decimal(100)
PART = Decimal(25)
COMMISSION = Decimal("0.10")
BOOK_SIZE = 10_000
GATHER_SIZE = 100_000
PROTOCOL = pickle.HIGHEST_PROTOCOL

Timing = dict[str, float]  # seconds by phase ("dumps", "loads") for one round


def filled_order(index: int, fills: int, asset: Asset = ASSETS[0]) -> DecimalOrder:
    """A buy limit order with ``fills`` partial fills, each with an id and a time."""
    order = DecimalOrder.from_style(T0, asset, AMOUNT, LimitOrder("150.00"), id=f"o{index}")
    for part in range(fills):
        order = order.fill(PART, Decimal("149.99") - part, commission=COMMISSION,
                           dt=T0 + timedelta(seconds=part + 1), fill_id=f"f{index}-{part}")
    return order


def mixed_book(size: int) -> OrderBook:
    """A book of about ``size`` orders of every common shape."""
    book = OrderBook()
    index = 0
    while len(book) < size:
        asset = ASSETS[index % len(ASSETS)]
        dt = T0 + timedelta(seconds=index)
        ids = [f"b{index}-{leg}" for leg in range(3)]
        kind = index % 5
        if kind == 0:
            style: ExecutionStyle = LimitOrder(Decimal(100) + index % 50)
        elif kind == 1:
            style = StopOrder(Decimal(90) - index % 50)
        elif kind == 2:
            style = BracketOrder(LimitOrder(Decimal(100)), Decimal(95), Decimal(110))
        elif kind == 3:
            style = OCOOrder(LimitOrder(Decimal(110)), StopOrder(Decimal(90)))
        else:
            style = LimitOrder(Decimal(100))
        placed = book.place(dt, asset, -AMOUNT if kind == 3 else AMOUNT, style,
                            ids=ids[:3 if kind == 2 else 2 if kind == 3 else 1])
        book = placed.book
        first = ids[0]
        if kind == 2 or kind == 4:  # the entry (or the order) fills, once or four times
            for part in range(1 if index % 2 else 4):
                fill = Fill(AMOUNT / (1 if index % 2 else 4), Decimal(100), COMMISSION,
                            dt, f"f{index}-{part}")
                book = book.apply(first, fill).book
        elif index % 7 == 0:
            book = book.cancel(first).book
        index += 1
    return book


def each_on_its_own(values: list[object]) -> Callable[[], Timing]:
    """One dumps call per value, then one loads call per pickle."""

    def run() -> Timing:
        start = time.process_time()
        pickles = [pickle.dumps(value, PROTOCOL) for value in values]
        dumped = time.process_time()
        for data in pickles:
            pickle.loads(data)
        return {"dumps": dumped - start, "loads": time.process_time() - dumped}

    return run


def whole(value: object) -> Callable[[], Timing]:
    """One dumps call for ``value``, and one loads call."""

    def run() -> Timing:
        start = time.process_time()
        data = pickle.dumps(value, PROTOCOL)
        dumped = time.process_time()
        pickle.loads(data)
        return {"dumps": dumped - start, "loads": time.process_time() - dumped}

    return run


def check_round_trips(workloads: dict[str, tuple[list[object], object]]) -> None:
    for name, (values, _) in workloads.items():
        for value in values[:1000]:
            if pickle.loads(pickle.dumps(value, PROTOCOL)) != value:
                raise SystemExit(f"{name}: a loaded value differs from the one pickled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--gather", type=int, default=GATHER_SIZE)
    parser.add_argument("--collector-off", action="store_true")
    args = parser.parse_args()
    book = mixed_book(BOOK_SIZE)
    gathered = [filled_order(index, 4, ASSETS[index % len(ASSETS)])
                for index in range(args.gather)]
    per_order: dict[str, tuple[list[object], Callable[[], Timing], int]] = {}
    for fills in (0, 1, 4):
        orders: list[object] = [filled_order(index, fills) for index in range(args.orders)]
        per_order[f"order, {fills} fills"] = (orders, each_on_its_own(orders), len(orders))
    per_order[f"book of {len(book):,}"] = ([book], whole(book), len(book))
    gather = f"gather of {args.gather:,}"
    per_order[gather] = ([gathered], whole(gathered), args.gather)
    check_round_trips({name: (values, None) for name, (values, _, _) in per_order.items()})

    times: dict[str, list[Timing]] = {name: [] for name in per_order}
    gc.collect()
    if args.collector_off:
        gc.disable()
    for _ in range(args.rounds):
        for name, (_, run, _) in per_order.items():
            times[name].append(run())
    collector = "off" if args.collector_off else "on"
    print(f"median CPU time over {args.rounds} interleaved rounds, pickle protocol {PROTOCOL}, "
          f"collector {collector}")
    print(f"{'workload':<22} {'dumps us':>9} {'loads us':>9} {'bytes':>7}   (per order)")
    for name, (values, _, count) in per_order.items():
        dumps_us, loads_us = (
            statistics.median(timing[phase] for timing in times[name]) / count * 1e6
            for phase in ("dumps", "loads")
        )
        size = sum(len(pickle.dumps(value, PROTOCOL)) for value in values) / count
        print(f"{name:<22} {dumps_us:>9.2f} {loads_us:>9.2f} {size:>7.0f}")
    totals = [sum(timing.values()) for timing in times[gather]]
    print(f"{gather} orders with 4 fills (dumps + loads): {statistics.median(totals):.2f} s")


if __name__ == "__main__":
    main()
