"""`orders` against NautilusTrader, backtrader and a bare pure-Python floor.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/compare.py``
(``--quick`` finishes within a minute or two). A peer that is not installed is
left out and said so.

Every contender does the same work, the way a host runs it:

* results are retained: every order and every order version a workload makes
  is appended to one list that lives for the whole run, as a book or a
  backtester keeps its orders. NautilusTrader and backtrader change an order
  in place, so keeping the order keeps what its fills added to it (the events
  of a NautilusTrader order, the execution bits of a backtrader order);
  `orders` and the floor return a new version per fill, and every version is
  kept;
* every fill carries a fill id (a trade id for NautilusTrader; backtrader's
  orders have none) and a time, on an order for an instrument that has a tick
  size and a quantity increment;
* the garbage collector runs at its default settings, so the collections the
  retained results cause are part of the cost;
* events are built the same way for everybody: beforehand for ``fill`` and
  ``chain``, from strings inside the timed loop for ``lifecycle``;
* the time is the process's CPU time, which other processes on the machine do
  not inflate.

Workloads, each run in interleaved rounds (every contender runs one batch per
round, in turn, so all see the same machine state); the figure is the median
over rounds of the CPU time per operation in microseconds, and the ratio is
time of `orders` over time of the other (below 1: `orders` is faster):

* create: one buy limit order for 100 at 150.00 on an instrument, id
  generated. orders: ``DecimalOrder.from_style(dt, asset, 100,
  LimitOrder("150.00"))``. NautilusTrader: ``OrderFactory.limit(...)``.
  backtrader: ``BuyOrder(..., exectype=Limit, simulated=True)``. floor: a
  ``__slots__`` object with a counter id and Decimal fields.
* fill: four partial fills of 25 on each order of 100, applied in turn to the
  newest version; the figure is per fill. orders: ``apply(order, Fill(...))``;
  NautilusTrader: ``order.apply(OrderFilled)`` on an accepted order;
  backtrader: ``Order.execute(...)``; floor: rebuilding the slots object with
  the new totals (the same Decimal additions and product) and the fill id
  appended to a tuple after checking it is new.
* lifecycle: create, then four partial fills to FILLED, every event built from
  strings in the loop; the figure is per lifecycle. NautilusTrader also needs
  OrderSubmitted and OrderAccepted before it takes a fill; they are built and
  applied too.
* trigger: a trade price against 10,000 resting sell stops on one asset of
  which 10 trigger. orders: ``OrderBook.on_price``, each result kept. floor:
  ``bisect`` over the sorted stop prices, and the 10 crossed stops taken. The
  peers evaluate stops inside their engines (matching engine, broker with data
  feeds); that path is not exercised here.
* chain: 10,000 fills applied one after another to one order, per fill: a
  flat figure means the k-th fill does not cost more than the first.

The last line, ``ratios``, gives create/nautilus, fill/nautilus, fill/floor,
lifecycle/nautilus and trigger/floor. ``--collector-off`` runs everything with
the garbage collector disabled, which separates the work itself from what the
collector costs each contender. ``benchmarks/lifecycle.py`` runs the same
contenders on chains of several lengths.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import itertools
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orders import Asset, DecimalOrder, Fill, LimitOrder, OrderBook, apply

T0 = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
AAPL = Asset("AAPL", exchange="XNAS", tick_size=Decimal("0.01"), quantity_increment=Decimal(1))
LIMIT = Decimal("150.00")
PRICE = Decimal("149.99")
PART = Decimal(25)
FILLS_PER_ORDER = 4
AMOUNT = PART * FILLS_PER_ORDER
COMMISSION = Decimal("0.10")
STOPS = 10_000
TRIGGER_PRICE = Decimal("189.895")  # crosses the 10 highest of the stops 90.00 ... 189.99
CHAIN = 10_000

Work = Callable[[int], float]  # runs n operations, returns the process CPU seconds they took
FillsWork = Callable[[int, int], float]  # (fills, fills per order) -> CPU seconds
KEPT: list[object] = []  # everything every workload makes lives until the end
clock = time.process_time
_ids = itertools.count()

RETAINED = """\
retained: every order and order version each workload makes, in one list alive for the whole
run (NautilusTrader and backtrader change orders in place: the order is kept, with the events
or execution bits its fills added); fill ids on every fill (trade ids for NautilusTrader,
none in backtrader)"""


def fill_id() -> str:
    return f"T-{next(_ids)}"


def timed(operation: Callable[[], object], count: int) -> float:
    keep = KEPT.append
    start = clock()
    for _ in range(count):
        keep(operation())
    return clock() - start


@dataclass(frozen=True)
class Contender:
    """One engine's way of doing each workload."""

    name: str
    create: Work
    fills: FillsWork
    lifecycle: Work
    trigger: Work | None = None

    def workloads(self, chains: Iterable[int] = (CHAIN,)) -> dict[str, Work]:
        works: dict[str, Work] = {
            "create": self.create,
            "fill": self.fills_of(FILLS_PER_ORDER),
            "lifecycle": self.lifecycle,
        }
        if self.trigger is not None:
            works["trigger"] = self.trigger
        for length in chains:
            works[chain_name(length)] = self.fills_of(length)
        return works

    def fills_of(self, per_order: int) -> Work:
        return lambda count: self.fills(count, per_order)


def chain_name(length: int) -> str:
    return f"chain {length:,}"


# The floor: the least a pure-Python immutable order can do.


class FloorOrder:
    __slots__ = ("amount", "commission", "dt", "fill_ids", "filled", "id", "limit", "notional",
                 "status")

    def __init__(self, order_id: int, amount: Decimal, limit: Decimal, filled: Decimal,
                 notional: Decimal, commission: Decimal, status: int, dt: datetime,
                 fill_ids: tuple[str, ...]) -> None:
        self.id = order_id
        self.amount = amount
        self.limit = limit
        self.filled = filled
        self.notional = notional
        self.commission = commission
        self.status = status
        self.dt = dt
        self.fill_ids = fill_ids


_floor_ids = itertools.count()


def floor_create(amount: Decimal = AMOUNT) -> FloorOrder:
    zero = Decimal(0)
    return FloorOrder(next(_floor_ids), amount, LIMIT, zero, zero, zero, 0, T0, ())


def floor_fill(order: FloorOrder, quantity: Decimal, price: Decimal, commission: Decimal,
               dt: datetime, identifier: str) -> FloorOrder:
    if identifier in order.fill_ids:
        return order
    filled = order.filled + quantity
    return FloorOrder(order.id, order.amount, order.limit, filled,
                      order.notional + quantity * price, order.commission + commission,
                      1 if filled == order.amount else 6, dt, (*order.fill_ids, identifier))


def floor_contender() -> Contender:
    stops = sorted(Decimal(90) + Decimal(index) / 100 for index in range(STOPS))

    def fills(count: int, per_order: int) -> float:
        orders = [floor_create(PART * per_order) for _ in range(count // per_order)]
        identifiers = [[fill_id() for _ in range(per_order)] for _ in orders]
        keep = KEPT.append
        start = clock()
        for order, ids in zip(orders, identifiers, strict=True):
            for identifier in ids:
                order = floor_fill(order, PART, PRICE, COMMISSION, T0, identifier)
                keep(order)
        return clock() - start

    def lifecycle(count: int) -> float:
        keep = KEPT.append
        start = clock()
        for _ in range(count):
            order = floor_create()
            keep(order)
            for _ in range(FILLS_PER_ORDER):
                order = floor_fill(order, Decimal("25"), Decimal("149.99"), Decimal("0.10"),
                                   T0, fill_id())
                keep(order)
        return clock() - start

    def trigger(count: int) -> float:
        def crossed() -> list[Decimal]:
            return stops[bisect.bisect_left(stops, TRIGGER_PRICE):]
        assert len(crossed()) == 10
        return timed(crossed, count)

    return Contender("floor", lambda count: timed(floor_create, count), fills, lifecycle, trigger)


# orders


def orders_contender() -> Contender:
    style = LimitOrder("150.00")

    def create(amount: Decimal = AMOUNT) -> DecimalOrder:
        return DecimalOrder.from_style(T0, AAPL, amount, style)

    def fills(count: int, per_order: int) -> float:
        orders = [create(PART * per_order) for _ in range(count // per_order)]
        events = [[Fill(PART, PRICE, COMMISSION, T0, fill_id()) for _ in range(per_order)]
                  for _ in orders]
        keep = KEPT.append
        start = clock()
        for order, parts in zip(orders, events, strict=True):
            for event in parts:
                order = apply(order, event)
                keep(order)
        return clock() - start

    def lifecycle(count: int) -> float:
        keep = KEPT.append
        start = clock()
        for _ in range(count):
            order = DecimalOrder.from_style(T0, AAPL, "100", LimitOrder("150.00"))
            keep(order)
            for _ in range(FILLS_PER_ORDER):
                order = apply(order, Fill("25", "149.99", "0.10", T0, fill_id()))
                keep(order)
        return clock() - start

    book = _stop_book()

    def trigger(count: int) -> float:
        result = book.on_price(AAPL, TRIGGER_PRICE)
        assert sum(1 for d in result.derived if type(d.event).__name__ == "Trigger") == 10
        return timed(lambda: book.on_price(AAPL, TRIGGER_PRICE), count)

    return Contender("orders", lambda count: timed(create, count), fills, lifecycle, trigger)


def _stop_book() -> OrderBook:
    stops = [
        DecimalOrder(T0, AAPL, -1, stop=Decimal(90) + Decimal(index) / 100, id=f"s{index}")
        for index in range(STOPS)
    ]
    return OrderBook().submit(*stops).book


# NautilusTrader


def nautilus_contender() -> Contender | None:
    try:
        from nautilus_trader.common.component import TestClock
        from nautilus_trader.common.factories import OrderFactory
        from nautilus_trader.core.uuid import UUID4
        from nautilus_trader.model.enums import LiquiditySide, OrderSide, OrderType
        from nautilus_trader.model.events import OrderAccepted, OrderFilled, OrderSubmitted
        from nautilus_trader.model.identifiers import (
            AccountId,
            InstrumentId,
            StrategyId,
            TradeId,
            TraderId,
            VenueOrderId,
        )
        from nautilus_trader.model.objects import Currency, Money, Price, Quantity
    except ImportError:
        return None
    factory = OrderFactory(TraderId("TESTER-001"), StrategyId("S-001"), TestClock())
    instrument = InstrumentId.from_str("AAPL.XNAS")
    account = AccountId("SIM-001")
    usd = Currency.from_str("USD")
    venue_id = VenueOrderId("V-1")
    nanos = int(T0.timestamp() * 1e9)

    def new_order(quantity: str = "100") -> Any:
        return factory.limit(instrument, OrderSide.BUY, Quantity.from_str(quantity),
                             Price.from_str("150.00"))

    def accept(order: Any) -> None:
        order.apply(OrderSubmitted(order.trader_id, order.strategy_id, instrument,
                                   order.client_order_id, account, UUID4(), nanos, nanos))
        order.apply(OrderAccepted(order.trader_id, order.strategy_id, instrument,
                                  order.client_order_id, venue_id, account, UUID4(), nanos,
                                  nanos))

    def filled(order: Any, quantity: str = "25", price: str = "149.99") -> Any:
        return OrderFilled(order.trader_id, order.strategy_id, instrument,
                           order.client_order_id, venue_id, account, TradeId(fill_id()), None,
                           OrderSide.BUY, OrderType.LIMIT, Quantity.from_str(quantity),
                           Price.from_str(price), usd, Money.from_str("0.10 USD"),
                           LiquiditySide.TAKER, UUID4(), nanos, nanos)

    def fills(count: int, per_order: int) -> float:
        orders = [new_order(str(PART * per_order)) for _ in range(count // per_order)]
        for order in orders:
            accept(order)
        events = [[filled(order) for _ in range(per_order)] for order in orders]
        keep = KEPT.append
        start = clock()
        for order, parts in zip(orders, events, strict=True):
            for event in parts:
                order.apply(event)
                keep(order)
        return clock() - start

    def lifecycle(count: int) -> float:
        keep = KEPT.append
        start = clock()
        for _ in range(count):
            order = new_order()
            accept(order)
            for _ in range(FILLS_PER_ORDER):
                order.apply(filled(order))
            keep(order)
        return clock() - start

    return Contender("nautilus", lambda count: timed(new_order, count), fills, lifecycle)


# backtrader


def backtrader_contender() -> Contender | None:
    try:
        from backtrader.order import BuyOrder, Order
    except ImportError:
        return None

    def new_order(size: float = float(AMOUNT)) -> Any:
        return BuyOrder(size=size, price=150.0, exectype=Order.Limit, simulated=True)

    def execution(size: float, price: float) -> tuple[object, ...]:
        """``Order.execute``'s arguments for ``size`` at ``price``, commission 0.10."""
        return (0.0, size, price, 0, 0.0, 0.0, size, size * price, 0.1, 0.0, 0.0, size, price)

    def fills(count: int, per_order: int) -> float:
        orders = [new_order(float(PART * per_order)) for _ in range(count // per_order)]
        arguments = execution(float(PART), float(PRICE))
        keep = KEPT.append
        start = clock()
        for order in orders:
            for _ in range(per_order):
                order.execute(*arguments)
                keep(order)
        return clock() - start

    def lifecycle(count: int) -> float:
        keep = KEPT.append
        start = clock()
        for _ in range(count):
            order = new_order()
            for _ in range(FILLS_PER_ORDER):
                order.execute(*execution(float("25"), float("149.99")))
            keep(order)
        return clock() - start

    return Contender("backtrader", lambda count: timed(new_order, count), fills, lifecycle)


# Running and printing


def peers(names: Sequence[str] = ("nautilus", "backtrader")) -> list[Contender]:
    """The installed peers among ``names``; each missing one is said on a line."""
    builders = {"nautilus": nautilus_contender, "backtrader": backtrader_contender}
    found = []
    for name in names:
        contender = builders[name]()
        if contender is None:
            print(f"{name}: not installed (pip install -e '.[bench]'); left out")
        else:
            found.append(contender)
    return found


Table = dict[str, dict[str, list[float]]]  # workload -> contender -> us per operation by round


def measure(contenders: Sequence[Contender], sizes: dict[str, int], rounds: int,
            chains: Iterable[int] = (CHAIN,)) -> Table:
    """Every workload of ``sizes`` (operations per batch) in interleaved rounds."""
    workloads = {contender.name: contender.workloads(chains) for contender in contenders}
    table: Table = {}
    for workload, size in sizes.items():
        per_op = table.setdefault(workload, {})
        for _ in range(rounds):
            for name, works in workloads.items():
                if workload in works:
                    seconds = works[workload](size)
                    per_op.setdefault(name, []).append(seconds / size * 1e6)
    return table


def print_table(table: Table, names: Sequence[str]) -> None:
    """Median per workload and contender, and the ratio of `orders` to each other one."""
    print(f"{'workload':<12} " + " ".join(f"{name:>18}" for name in names))
    for workload, per_op in table.items():
        ours = statistics.median(per_op["orders"])
        cells = []
        for name in names:
            if name not in per_op:
                cells.append(f"{'-':>18}")
                continue
            theirs = statistics.median(per_op[name])
            cells.append(f"{theirs:>18.2f}" if name == "orders"
                         else f"{theirs:>9.2f} ({ours / theirs:>5.2f}x)")
        print(f"{workload:<12} " + " ".join(cells))


def ratio(table: Table, workload: str, name: str) -> float:
    return statistics.median(table[workload]["orders"]) / statistics.median(table[workload][name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller batches")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (15, or 5 with --quick)")
    parser.add_argument("--collector-off", action="store_true",
                        help="disable the garbage collector, to see what it costs everyone")
    args = parser.parse_args()
    if args.collector_off:
        gc.disable()
    rounds, batch = (5, 20_000) if args.quick else (15, 50_000)
    rounds = args.rounds or rounds
    sizes = {"create": batch, "fill": batch, "lifecycle": batch // 4, "trigger": batch // 100,
             chain_name(CHAIN): CHAIN}
    contenders = [orders_contender(), floor_contender(), *peers()]
    table = measure(contenders, sizes, rounds)
    collector = "off" if args.collector_off else "at its defaults"
    print(f"median CPU us per operation ({rounds} interleaved rounds, {len(KEPT):,} results "
          f"retained at the end, collector {collector}); ratio = orders / other")
    print(RETAINED)
    print_table(table, [contender.name for contender in contenders])
    wanted = (("create", "nautilus"), ("fill", "nautilus"), ("fill", "floor"),
              ("lifecycle", "nautilus"), ("trigger", "floor"))
    print("ratios " + " ".join(f"{workload}/{name}={ratio(table, workload, name):.2f}"
                               for workload, name in wanted if name in table[workload]))


if __name__ == "__main__":
    main()
