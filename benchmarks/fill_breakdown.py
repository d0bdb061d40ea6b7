"""Where the time of one ``apply(order, Fill)`` goes, step by step.

Run: ``python benchmarks/fill_breakdown.py``.

Each line times one step of the fill path as the library runs it, called on
its own with the same order and fill: the rule lookup, each guard of the
Fill row, the effect, and inside the effect the status rule, the exact
Decimal arithmetic and the new version of the order (one object, which is also
the history's newest entry and indexes the fill id).
The figure is the fastest of several repeats (``timeit`` with the garbage
collector off), in microseconds per call, so the steps can be compared with
each other and with the whole; they do not add up exactly, because calling a
step on its own adds its own call.
"""

from __future__ import annotations

import timeit
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
STATE = (
    ORDER.terms, ORDER.status, ORDER.dt, ORDER.filled, ORDER.notional, ORDER.commission,
    ORDER.reason, ORDER.stop_reached, ORDER.limit_reached,
)

STEPS = {
    "apply(order, fill), the whole": lambda: apply(ORDER, FILL),
    "rule lookup": lambda: _RULES[type(FILL)][ORDER.status],
    "guard repeated_fill": lambda: repeated_fill(ORDER, FILL),
    "guard fits_remaining": lambda: fits_remaining(ORDER, FILL),
    "guard on_quantity_grid": lambda: on_quantity_grid(ORDER, FILL),
    "effect record_fill": lambda: record_fill(ORDER, FILL, RULE.status),
    "  status rule": lambda: RULE.status.land(ORDER.status, FILL.quantity, ORDER.terms.amount),
    "  exact add (filled)": lambda: exact_add(ORDER.filled, FILL.quantity),
    "  fused multiply-add (notional)": lambda: FILL.quantity.fma(FILL.price, ORDER.notional, EXACT),
    "  new version (history, fill id)": lambda: next_version(ORDER, FILL, *STATE, "f-1"),
    "exact subtract (for comparison)": lambda: exact_subtract(ORDER.terms.amount, ORDER.filled),
    "an empty call (for comparison)": lambda: None,
}


def main() -> None:
    number = 200_000
    for name, step in STEPS.items():
        best = min(timeit.repeat(step, number=number, repeat=9)) / number * 1e6
        print(f"{name:<34} {best:6.3f} us")


if __name__ == "__main__":
    main()
