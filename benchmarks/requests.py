"""What requests in flight cost next to the events a backtest applies.

Run: ``python benchmarks/requests.py`` (``--orders``, ``--rounds``).

Each round times, over the same number of orders, one ``apply`` of each event
kind to an order where the table allows it: a fill with a fill id, an amend,
a cancel, and the requests and answers of a live engine (a cancel request and
its reject, a replace request and its confirmation). Every resulting order is
kept alive (as a book keeps them) and the garbage collector stays on. The
rounds interleave the kinds; the figure printed is each kind's median time per
event over the rounds, in microseconds, and its ratio to the fill's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from orders import (
    Amend,
    Asset,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Fill,
    Replaced,
    ReplaceRequested,
    RequestRejectReason,
    apply,
)

AAPL = Asset("AAPL", exchange="NYSE")
T0 = datetime(2024, 1, 15, 9, 30)
AMEND = Amend(limit=Decimal("149.50"))


def fresh(count: int) -> list[DecimalOrder]:
    return [DecimalOrder(T0, AAPL, 1000, limit="150.00") for _ in range(count)]


def with_request(request: Event) -> Callable[[int], list[DecimalOrder]]:
    def build(count: int) -> list[DecimalOrder]:
        return [apply(order, request) for order in fresh(count)]

    return build


# Each kind: how to build the orders it applies to, and the events to apply
# (one per order, built outside the timed region).
KINDS: dict[str, tuple[Callable[[int], list[DecimalOrder]], Callable[[int], list[Event]]]] = {
    "fill (with id)": (
        fresh,
        lambda n: [Fill(250, Decimal("149.98"), fill_id=f"f{i}") for i in range(n)],
    ),
    "amend": (fresh, lambda n: [AMEND] * n),
    "cancel": (fresh, lambda n: [Cancel("user")] * n),
    "cancel requested": (fresh, lambda n: [CancelRequested(f"c{i}") for i in range(n)]),
    "cancel rejected": (
        with_request(CancelRequested("c")),
        lambda n: [CancelRejected("too late", RequestRejectReason.TOO_LATE)] * n,
    ),
    "replace requested": (fresh, lambda n: [ReplaceRequested(AMEND, f"r{i}") for i in range(n)]),
    "replaced": (with_request(ReplaceRequested(AMEND, "r")), lambda n: [Replaced("r")] * n),
}


def time_kind(orders: list[DecimalOrder], events: list[Event], kept: list[object]) -> float:
    results = []
    start = time.perf_counter()
    for order, event in zip(orders, events, strict=True):
        results.append(apply(order, event))
    elapsed = time.perf_counter() - start
    kept.append(results)
    return elapsed / len(orders) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    kept: list[object] = []
    for _ in range(arguments.rounds):
        for kind, (build, events) in KINDS.items():
            samples[kind].append(
                time_kind(build(arguments.orders), events(arguments.orders), kept)
            )
    fill = statistics.median(samples["fill (with id)"])
    print(f"{arguments.orders} orders x {arguments.rounds} interleaved rounds; "
          "median us per event (ratio to a fill)")
    for kind, times in samples.items():
        median = statistics.median(times)
        print(f"  {kind:18} {median:6.2f} us  ({median / fill:4.2f}x)  "
              f"[{min(times):.2f}-{max(times):.2f}]")


if __name__ == "__main__":
    main()
