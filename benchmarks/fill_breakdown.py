"""Where the time of one ``apply(order, Fill)`` goes, step by step, and the collector's share.

Run: ``python benchmarks/fill_breakdown.py`` (``--number`` calls per repeat,
``--repeat`` repeats).

Each line times one step of the fill path as the library runs it, called on
its own with the same order and fill: the rule lookup, each guard of the
Fill row, the effect, and inside the effect the status rule, the exact
Decimal arithmetic and the new version of the order (one object, which is also
the history's newest entry and indexes the fill id).

What it retains, as a host does: every result of every call is kept in a list
until the repeat ends (for the steps that build something, a new version of
the order per call, fill id included), so the collector has what a host's
collector has to visit. Each step runs with the collector at its default
settings and again with it off, in interleaved repeats; the figures are the
medians over repeats of the process CPU time per call, in microseconds, and
the last column is the collector's share of the first. The steps do not add
up exactly to the whole, because calling a step on its own adds its own call
and the loop that keeps its result (the empty call shows what those cost).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from orders import Asset, DecimalOrder, Fill, apply
from orders.decimals import EXACT, exact_add, exact_subtract
from orders.order.machine import (
    _RULES,
    fits_remaining,
    on_quantity_grid,
    record_fill,
    repeated_fill,
)
from orders.order.value import next_version

T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL", tick_size=Decimal("0.01"))
ORDER = DecimalOrder(T0, AAPL, Decimal(100), limit=Decimal("150.00"))
FILL = Fill(Decimal(25), Decimal("149.99"), Decimal("0.10"), T0, fill_id="f-1")
RULE = _RULES[Fill][ORDER.status]
assert RULE is not None
STATUS_RULE = RULE.status
STATE = (
    ORDER.terms, ORDER.status, ORDER.dt, ORDER.filled, ORDER.notional, ORDER.commission,
    ORDER.reason, ORDER.stop_reached, ORDER.limit_reached, ORDER.pending,
)

STEPS = {
    "apply(order, fill), the whole": lambda: apply(ORDER, FILL),
    "rule lookup": lambda: _RULES[type(FILL)][ORDER.status],
    "guard repeated_fill": lambda: repeated_fill(ORDER, FILL),
    "guard fits_remaining": lambda: fits_remaining(ORDER, FILL),
    "guard on_quantity_grid": lambda: on_quantity_grid(ORDER, FILL),
    "effect record_fill": lambda: record_fill(ORDER, FILL, STATUS_RULE),
    "  status rule": lambda: STATUS_RULE.land(ORDER.status, FILL.quantity, ORDER.terms.amount),
    "  exact add (filled)": lambda: exact_add(ORDER.filled, FILL.quantity),
    "  fused multiply-add (notional)": lambda: FILL.quantity.fma(FILL.price, ORDER.notional, EXACT),
    "  new version (history, fill id)": lambda: next_version(ORDER, FILL, *STATE, "f-1"),
    "exact subtract (for comparison)": lambda: exact_subtract(ORDER.terms.amount, ORDER.filled),
    "an empty call (for comparison)": lambda: None,
}


def per_call_us(step: Callable[[], object], number: int, collector_on: bool) -> float:
    """CPU microseconds per call of ``step``, every result kept until the end."""
    kept: list[object] = []
    keep = kept.append
    if not collector_on:
        gc.disable()
    try:
        start = time.process_time()
        for _ in range(number):
            keep(step())
        return (time.process_time() - start) / number * 1e6
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=100_000, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"median CPU us per call over {args.repeat} interleaved repeats of {args.number:,} "
          "calls; every result retained until its repeat ends")
    print(f"{'step':<34} {'collector on':>12} {'off':>8} {'its share':>9}")
    for name, step in STEPS.items():
        on: list[float] = []
        off: list[float] = []
        for _ in range(args.repeat):
            on.append(per_call_us(step, args.number, collector_on=True))
            off.append(per_call_us(step, args.number, collector_on=False))
        with_collector, without = statistics.median(on), statistics.median(off)
        share = max(0.0, with_collector - without) / with_collector
        print(f"{name:<34} {with_collector:>12.3f} {without:>8.3f} {share:>9.0%}")


if __name__ == "__main__":
    main()
