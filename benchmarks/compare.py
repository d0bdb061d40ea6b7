"""`orders` against NautilusTrader, backtrader and a bare pure-Python floor.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/compare.py``
(``--quick`` finishes within a minute or two). A peer that is not installed is
left out and said so.

Every contender does the same work, the way a host runs it:

* results are kept alive: every order and order version a workload makes is
  appended to a list that lives for the whole run, as a book or a backtester
  keeps its orders, and the garbage collector runs at its default settings,
  so its full collections are part of the cost (the run is long enough for
  them to happen);
* every fill carries a fill id (a trade id for NautilusTrader) and a time, on
  an order for an instrument that has a tick size and a quantity increment;
* events are built the same way for everybody: beforehand for ``fill``, from
  strings inside the timed loop for ``lifecycle``.

Workloads, each run in interleaved rounds (every contender runs one batch per
round, in turn, so all see the same machine state); the figure is the median
over rounds of the time per operation in microseconds, and the ratio is time of
`orders` over time of the other (below 1: `orders` is faster):

* create: one buy limit order for 100 at 150.00 on an instrument, id
  generated. orders: ``DecimalOrder.from_style(dt, asset, 100,
  LimitOrder("150.00"))``. NautilusTrader: ``OrderFactory.limit(...)``.
  backtrader: ``BuyOrder(..., exectype=Limit, simulated=True)``. floor: a
  ``__slots__`` object with a counter id and Decimal fields.
* fill: one partial fill, built beforehand, on a fresh order. orders:
  ``apply(order, Fill(...))``; NautilusTrader: ``order.apply(OrderFilled)``
  on an accepted order; backtrader: ``Order.execute(...)``; floor: rebuilding
  the slots object with the new totals (the same Decimal additions and
  product) and the fill id appended to a tuple after checking it is new.
* lifecycle: create, then four partial fills to FILLED, every event built from
  strings in the loop. NautilusTrader also needs OrderSubmitted and
  OrderAccepted before it takes a fill; they are built and applied too.
* trigger: a trade price against 10,000 resting sell stops on one asset of
  which 10 trigger. orders: ``OrderBook.on_price``. floor: ``bisect`` over the
  sorted stop prices, and the 10 crossed stops taken. The peers evaluate stops
  inside their engines (matching engine, broker with data feeds); that path is
  not exercised here.
* chain: 10,000 fills, with ids, applied one after another to one order of
  10,000, every version kept.

The last line, ``ratios``, gives create/nautilus, fill/nautilus, fill/floor,
lifecycle/nautilus and trigger/floor. ``--collector-off`` runs everything with
the garbage collector disabled, which separates the work itself from what the
collector costs each contender.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import itertools
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orders import Asset, DecimalOrder, Fill, LimitOrder, OrderBook, apply

T0 = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
AAPL = Asset("AAPL", exchange="XNAS", tick_size=Decimal("0.01"), quantity_increment=Decimal(1))
LIMIT = Decimal("150.00")
PRICE = Decimal("149.99")
AMOUNT = Decimal(100)
PART = Decimal(25)
COMMISSION = Decimal("0.10")
STOPS = 10_000
TRIGGER_PRICE = Decimal("189.895")  # crosses the 10 highest of the stops 90.00 ... 189.99

Work = Callable[[int], float]  # runs n operations, returns seconds
KEPT: list[object] = []  # everything every workload makes lives until the end
_ids = itertools.count()


def fill_id() -> str:
    return f"T-{next(_ids)}"


def timed(operation: Callable[[], object], count: int) -> float:
    keep = KEPT.append
    start = time.perf_counter()
    for _ in range(count):
        keep(operation())
    return time.perf_counter() - start


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


def floor_create() -> FloorOrder:
    zero = Decimal(0)
    return FloorOrder(next(_floor_ids), AMOUNT, LIMIT, zero, zero, zero, 0, T0, ())


def floor_fill(order: FloorOrder, quantity: Decimal, price: Decimal, commission: Decimal,
               dt: datetime, identifier: str) -> FloorOrder:
    if identifier in order.fill_ids:
        return order
    filled = order.filled + quantity
    return FloorOrder(order.id, order.amount, order.limit, filled,
                      order.notional + quantity * price, order.commission + commission,
                      1 if filled == order.amount else 6, dt, (*order.fill_ids, identifier))


# orders


def orders_workloads() -> dict[str, Work]:
    style = LimitOrder("150.00")

    def create() -> DecimalOrder:
        return DecimalOrder.from_style(T0, AAPL, AMOUNT, style)

    def one_fill(count: int) -> float:
        pairs = [(create(), Fill(PART, PRICE, COMMISSION, T0, fill_id())) for _ in range(count)]
        keep = KEPT.append
        start = time.perf_counter()
        for order, event in pairs:
            keep(apply(order, event))
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> DecimalOrder:
            order = DecimalOrder.from_style(T0, AAPL, "100", LimitOrder("150.00"))
            for _ in range(4):
                order = apply(order, Fill("25", "149.99", "0.10", T0, fill_id()))
                KEPT.append(order)
            return order
        return timed(run, count)

    book = _stop_book()

    def trigger(count: int) -> float:
        result = book.on_price(AAPL, TRIGGER_PRICE)
        assert sum(1 for d in result.derived if type(d.event).__name__ == "Trigger") == 10
        return timed(lambda: book.on_price(AAPL, TRIGGER_PRICE), count)

    def chain(count: int) -> float:
        total = 0.0
        for _ in range(count):
            order = DecimalOrder.from_style(T0, AAPL, 10_000, style)
            events = [Fill(1, PRICE, dt=T0, fill_id=fill_id()) for _ in range(10_000)]
            keep = KEPT.append
            start = time.perf_counter()
            for event in events:
                order = apply(order, event)
                keep(order)
            total += time.perf_counter() - start
        return total

    return {"create": lambda count: timed(create, count), "fill": one_fill,
            "lifecycle": lifecycle, "trigger": trigger, "chain": chain}


def _stop_book() -> OrderBook:
    stops = [
        DecimalOrder(T0, AAPL, -1, stop=Decimal(90) + Decimal(index) / 100, id=f"s{index}")
        for index in range(STOPS)
    ]
    return OrderBook().submit(*stops).book


def floor_workloads() -> dict[str, Work]:
    stops = sorted(Decimal(90) + Decimal(index) / 100 for index in range(STOPS))

    def one_fill(count: int) -> float:
        pairs = [(floor_create(), fill_id()) for _ in range(count)]
        keep = KEPT.append
        start = time.perf_counter()
        for order, identifier in pairs:
            keep(floor_fill(order, PART, PRICE, COMMISSION, T0, identifier))
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> FloorOrder:
            order = floor_create()
            for _ in range(4):
                order = floor_fill(order, Decimal("25"), Decimal("149.99"), Decimal("0.10"),
                                   T0, fill_id())
                KEPT.append(order)
            return order
        return timed(run, count)

    def trigger(count: int) -> float:
        def crossed() -> list[Decimal]:
            return stops[bisect.bisect_left(stops, TRIGGER_PRICE):]
        assert len(crossed()) == 10
        return timed(crossed, count)

    def chain(count: int) -> float:
        one = Decimal(1)
        total = 0.0
        for _ in range(count):
            order = FloorOrder(0, Decimal(10_000), LIMIT, Decimal(0), Decimal(0), Decimal(0), 0,
                               T0, ())
            identifiers = [fill_id() for _ in range(10_000)]
            keep = KEPT.append
            start = time.perf_counter()
            for identifier in identifiers:
                order = floor_fill(order, one, PRICE, Decimal(0), T0, identifier)
                keep(order)
            total += time.perf_counter() - start
        return total

    return {"create": lambda count: timed(floor_create, count), "fill": one_fill,
            "lifecycle": lifecycle, "trigger": trigger, "chain": chain}


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

    def filled(order: Any, quantity: str, price: str = "149.99") -> Any:
        return OrderFilled(order.trader_id, order.strategy_id, instrument,
                           order.client_order_id, venue_id, account, TradeId(fill_id()), None,
                           OrderSide.BUY, OrderType.LIMIT, Quantity.from_str(quantity),
                           Price.from_str(price), usd, Money.from_str("0.10 USD"),
                           LiquiditySide.TAKER, UUID4(), nanos, nanos)

    def one_fill(count: int) -> float:
        pairs = []
        for _ in range(count):
            order = new_order()
            accept(order)
            pairs.append((order, filled(order, "25")))
        keep = KEPT.append
        start = time.perf_counter()
        for order, event in pairs:
            order.apply(event)
            keep(order)
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> Any:
            order = new_order()
            accept(order)
            for _ in range(4):
                order.apply(filled(order, "25"))
            return order
        return timed(run, count)

    def chain(count: int) -> float:
        total = 0.0
        for _ in range(count):
            order = new_order("10000")
            accept(order)
            events = [filled(order, "1") for _ in range(10_000)]
            keep = KEPT.append
            start = time.perf_counter()
            for event in events:
                order.apply(event)
                keep(order)
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

    def execution(size: float, price: float) -> tuple[object, ...]:
        """``Order.execute``'s arguments for ``size`` at ``price``, commission 0.10."""
        return (0.0, size, price, 0, 0.0, 0.0, size, size * price, 0.1, 0.0, 0.0, size, price)

    def one_fill(count: int) -> float:
        fresh = [new_order() for _ in range(count)]
        arguments = execution(25, 149.99)
        keep = KEPT.append
        start = time.perf_counter()
        for order in fresh:
            order.execute(*arguments)
            keep(order)
        return time.perf_counter() - start

    def lifecycle(count: int) -> float:
        def run() -> Any:
            order = new_order()
            for _ in range(4):
                order.execute(*execution(float("25"), float("149.99")))
            return order
        return timed(run, count)

    def chain(count: int) -> float:
        total = 0.0
        for _ in range(count):
            order = new_order(10_000)
            arguments = execution(1, 149.99)
            keep = KEPT.append
            start = time.perf_counter()
            for _ in range(10_000):
                order.execute(*arguments)
                keep(order)
            total += time.perf_counter() - start
        return total

    return {"create": lambda count: timed(new_order, count), "fill": one_fill,
            "lifecycle": lifecycle, "chain": chain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller batches")
    parser.add_argument("--collector-off", action="store_true",
                        help="disable the garbage collector, to see what it costs everyone")
    args = parser.parse_args()
    if args.collector_off:
        gc.disable()
    rounds, batch = (5, 20_000) if args.quick else (15, 50_000)
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
    collector = "off" if args.collector_off else "on"
    print(f"median us per operation ({rounds} rounds, {len(KEPT):,} results kept alive, "
          f"collector {collector}); ratio = orders / other")
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
    wanted = (("create", "nautilus"), ("fill", "nautilus"), ("fill", "floor"),
              ("lifecycle", "nautilus"), ("trigger", "floor"))
    ratios = [f"{workload}/{name}={medians[workload, 'orders'] / medians[workload, name]:.2f}"
              for workload, name in wanted if (workload, name) in medians]
    print("ratios " + " ".join(ratios))


if __name__ == "__main__":
    main()
