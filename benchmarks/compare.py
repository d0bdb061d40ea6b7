"""`orders` against NautilusTrader, backtrader and a bare pure-Python floor.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/compare.py``
(``--quick`` finishes within a minute). A peer that is not installed is left
out and said so.

Each workload runs in rounds; within a round every implementation runs one
batch, in turn, so all of them see the same machine state. The figure is the
median over rounds of the time per operation, in microseconds, and the ratio
is time of `orders` over time of the other (below 1: `orders` is faster).

What each figure includes:

* create: building one buy limit order for 100 at 150.00, id included.
  orders: ``DecimalOrder(...)`` (random UUID id). NautilusTrader:
  ``OrderFactory.limit(...)`` (client order id from its generator).
  backtrader: ``BuyOrder(..., exectype=Limit, simulated=True)`` (no data feed).
  floor: a ``__slots__`` object with a counter id and Decimal fields.
* fill: applying one partial fill whose event is already built. Every
  implementation gets a list of fresh orders (and events) built beforehand and
  runs the same bare loop over it, one call per fill. orders:
  ``apply(order, Fill)``. NautilusTrader: ``order.apply(OrderFilled)`` on an
  accepted order. backtrader: ``Order.execute(...)``. floor: rebuilding the
  slots object with the new totals (the same Decimal additions and product).
* lifecycle: create, then four partial fills to FILLED, with every event the
  user must build counted. NautilusTrader also needs OrderSubmitted and
  OrderAccepted before it takes a fill; they are built and applied too.
* trigger: a trade price against 10,000 resting sell stops on one asset of
  which 10 trigger. orders: ``OrderBook.on_price``; floor: a scan of all stops
  with the same comparison. The peers evaluate stops inside their engines
  (matching engine, broker with data feeds); that path is not exercised here.
* fill chain: 10,000 fills applied one after another to one order of 10,000.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from orders import DecimalOrder, Fill, OrderBook, apply

T0 = datetime(2024, 1, 15, 14, 30)
LIMIT = Decimal("150.00")
PRICE = Decimal("149.99")
AMOUNT = Decimal(100)
PART = Decimal(25)
COMMISSION = Decimal("0.10")
TRIGGER_PRICE = Decimal("189.895")  # crosses the 10 highest of the stops 90.00 ... 189.99

Work = Callable[[int], float]  # runs n operations, returns seconds


# The floor: the least a pure-Python order can do.


class FloorOrder:
    __slots__ = ("amount", "commission", "filled", "id", "limit", "notional", "status")

    def __init__(self, order_id: int, amount: Decimal, limit: Decimal, filled: Decimal,
                 notional: Decimal, commission: Decimal, status: int) -> None:
        self.id = order_id
        self.amount = amount
        self.limit = limit
        self.filled = filled
        self.notional = notional
        self.commission = commission
        self.status = status


_floor_ids = itertools.count()


def floor_create() -> FloorOrder:
    return FloorOrder(next(_floor_ids), AMOUNT, LIMIT, Decimal(0), Decimal(0), Decimal(0), 0)


def floor_fill(order: FloorOrder, quantity: Decimal, price: Decimal,
               commission: Decimal) -> FloorOrder:
    filled = order.filled + quantity
    return FloorOrder(order.id, order.amount, order.limit, filled,
                      order.notional + quantity * price, order.commission + commission,
                      1 if filled == order.amount else 6)


def timed(operation: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        operation()
    return time.perf_counter() - start


# orders


def orders_workloads() -> dict[str, Work]:
    def create(count: int) -> float:
        return timed(lambda: DecimalOrder(T0, "AAPL", AMOUNT, limit=LIMIT), count)

    def one_fill(count: int) -> float:
        pairs = [
            (DecimalOrder(T0, "AAPL", AMOUNT, limit=LIMIT), Fill(PART, PRICE, COMMISSION))
            for _ in range(count)
        ]
        start = time.perf_counter()
        for order, event in pairs:
            apply(order, event)
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> None:
            order = DecimalOrder(T0, "AAPL", AMOUNT, limit=LIMIT)
            for _ in range(4):
                order = apply(order, Fill(PART, PRICE, COMMISSION))
        return timed(run, count)

    book = _stop_book()

    def trigger(count: int) -> float:
        result = book.on_price("AAPL", TRIGGER_PRICE)
        assert sum(1 for d in result.derived if type(d.event).__name__ == "Trigger") == 10
        return timed(lambda: book.on_price("AAPL", TRIGGER_PRICE), count)

    def chain(count: int) -> float:
        single = Fill(1, PRICE)
        total = 0.0
        for _ in range(count):
            order = DecimalOrder(T0, "AAPL", 10_000, limit=LIMIT)
            start = time.perf_counter()
            for _ in range(10_000):
                order = apply(order, single)
            total += time.perf_counter() - start
        return total

    return {"create": create, "fill": one_fill, "lifecycle": lifecycle, "trigger": trigger,
            "chain": chain}


def _stop_book() -> OrderBook:
    stops = [
        DecimalOrder(T0, "AAPL", -1, stop=Decimal(90) + Decimal(index) / 100, id=f"s{index}")
        for index in range(10_000)
    ]
    return OrderBook().submit(*stops).book


def floor_workloads() -> dict[str, Work]:
    stops = [Decimal(90) + Decimal(index) / 100 for index in range(10_000)]

    def one_fill(count: int) -> float:
        fresh = [floor_create() for _ in range(count)]
        start = time.perf_counter()
        for order in fresh:
            floor_fill(order, PART, PRICE, COMMISSION)
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> None:
            order = floor_create()
            for _ in range(4):
                order = floor_fill(order, PART, PRICE, COMMISSION)
        return timed(run, count)

    def trigger(count: int) -> float:
        return timed(lambda: [stop for stop in stops if TRIGGER_PRICE <= stop], count)

    def chain(count: int) -> float:
        one = Decimal(1)
        total = 0.0
        for _ in range(count):
            order = FloorOrder(0, Decimal(10_000), LIMIT, Decimal(0), Decimal(0), Decimal(0), 0)
            start = time.perf_counter()
            for _ in range(10_000):
                order = floor_fill(order, one, PRICE, Decimal(0))
            total += time.perf_counter() - start
        return total

    return {
        "create": lambda count: timed(floor_create, count),
        "fill": one_fill,
        "lifecycle": lifecycle,
        "trigger": trigger,
        "chain": chain,
    }


# NautilusTrader


def nautilus_workloads() -> dict[str, Work] | None:
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
    trade_ids = (TradeId(f"T-{index}") for index in itertools.count())

    def new_order(quantity: int = 100) -> Any:
        return factory.limit(instrument, OrderSide.BUY, Quantity.from_int(quantity),
                             Price.from_str("150.00"))

    def accept(order: Any) -> None:
        order.apply(OrderSubmitted(order.trader_id, order.strategy_id, instrument,
                                   order.client_order_id, account, UUID4(), 0, 0))
        order.apply(OrderAccepted(order.trader_id, order.strategy_id, instrument,
                                  order.client_order_id, venue_id, account, UUID4(), 0, 0))

    def filled(order: Any, quantity: int) -> Any:
        return OrderFilled(order.trader_id, order.strategy_id, instrument,
                           order.client_order_id, venue_id, account, next(trade_ids), None,
                           OrderSide.BUY, OrderType.LIMIT, Quantity.from_int(quantity),
                           Price.from_str("149.99"), usd, Money(0.1, usd),
                           LiquiditySide.TAKER, UUID4(), 0, 0)

    def one_fill(count: int) -> float:
        pairs = []
        for _ in range(count):
            order = new_order()
            accept(order)
            pairs.append((order, filled(order, 25)))
        start = time.perf_counter()
        for order, event in pairs:
            order.apply(event)
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> None:
            order = new_order()
            accept(order)
            for _ in range(4):
                order.apply(filled(order, 25))
        return timed(run, count)

    def chain(count: int) -> float:
        total = 0.0
        for _ in range(count):
            order = new_order(10_000)
            accept(order)
            events = [filled(order, 1) for _ in range(10_000)]
            start = time.perf_counter()
            for event in events:
                order.apply(event)
            total += time.perf_counter() - start
        return total

    return {"create": lambda count: timed(new_order, count), "fill": one_fill,
            "lifecycle": lifecycle, "chain": chain}


# backtrader


def backtrader_workloads() -> dict[str, Work] | None:
    try:
        from backtrader.order import BuyOrder, Order
    except ImportError:
        return None

    def new_order(size: int = 100) -> Any:
        return BuyOrder(size=size, price=150.0, exectype=Order.Limit, simulated=True)

    def execution(size: int) -> tuple[object, ...]:
        """``Order.execute``'s arguments for ``size`` at 149.99 with 0.10 commission."""
        return (0.0, size, 149.99, 0, 0.0, 0.0, size, size * 149.99, 0.1, 0.0, 0.0, size, 149.99)

    def execute(order: Any, size: int) -> None:
        order.execute(*execution(size))

    def one_fill(count: int) -> float:
        fresh = [new_order() for _ in range(count)]
        arguments = execution(25)
        start = time.perf_counter()
        for order in fresh:
            order.execute(*arguments)
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> None:
            order = new_order()
            for _ in range(4):
                execute(order, 25)
        return timed(run, count)

    def chain(count: int) -> float:
        total = 0.0
        for _ in range(count):
            order = new_order(10_000)
            start = time.perf_counter()
            for _ in range(10_000):
                execute(order, 1)
            total += time.perf_counter() - start
        return total

    return {"create": lambda count: timed(new_order, count), "fill": one_fill,
            "lifecycle": lifecycle, "chain": chain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: under a minute")
    args = parser.parse_args()
    rounds, batch = (5, 2_000) if args.quick else (15, 10_000)
    sizes = {"create": batch, "fill": batch, "lifecycle": batch // 4, "trigger": batch // 100,
             "chain": 1}
    implementations: dict[str, dict[str, Work]] = {
        "orders": orders_workloads(), "floor": floor_workloads(),
    }
    for name, build in (("nautilus", nautilus_workloads), ("backtrader", backtrader_workloads)):
        workloads = build()
        if workloads is None:
            print(f"{name}: not installed (pip install -e '.[bench]'); left out")
        else:
            implementations[name] = workloads
    medians: dict[tuple[str, str], float] = {}
    for workload, size in sizes.items():
        per_op: dict[str, list[float]] = {}
        for _ in range(rounds):
            for name, workloads in implementations.items():
                if workload in workloads:
                    seconds = workloads[workload](size)
                    operations = size * (10_000 if workload == "chain" else 1)
                    per_op.setdefault(name, []).append(seconds / operations * 1e6)
        for name, times in per_op.items():
            medians[workload, name] = statistics.median(times)
    print(f"median us per operation ({rounds} rounds); ratio = orders / other")
    print(f"{'workload':<10} " + " ".join(f"{name:>18}" for name in implementations))
    for workload in sizes:
        cells = []
        for name in implementations:
            value = medians.get((workload, name))
            if value is None:
                cells.append(f"{'-':>18}")
            elif name == "orders":
                cells.append(f"{value:>18.2f}")
            else:
                cells.append(f"{value:>9.2f} ({medians[workload, 'orders'] / value:>5.2f}x)")
        print(f"{workload:<10} " + " ".join(cells))
    ratios = [
        f"{workload}/{name}={medians[workload, 'orders'] / medians[workload, name]:.2f}"
        for workload in ("create", "fill", "lifecycle")
        for name in ("nautilus", "backtrader", "floor")
        if (workload, name) in medians
    ]
    print("ratios " + " ".join(ratios))


if __name__ == "__main__":
    main()
