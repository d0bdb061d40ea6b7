"""What the order value's shorthand import saves: ``order.fill(...)`` calling the
state machine through the module-level import of ``orders.order.value`` (the
one import cycle the package keeps), against the same call with the import
inside the method, as it would be without that edge.

Run: ``python benchmarks/shorthand.py``.

The two ways are timed interleaved (one repeat of each in turn, so that both
see the same machine state), 200,000 fills per repeat, and each figure is the
fastest of 7 repeats with the garbage collector off, in microseconds per fill.
"""

from __future__ import annotations

import timeit
from datetime import datetime
from decimal import Decimal

from orders import Asset, DecimalOrder, Fill
from orders.order import machine

T0 = datetime(2024, 1, 15, 9, 30)
ORDER = DecimalOrder(T0, Asset("AAPL", tick_size=Decimal("0.01")), Decimal(10) ** 9,
                     limit=Decimal("150.00"))
QUANTITY, PRICE, ZERO = Decimal(25), Decimal("149.99"), Decimal(0)
CALLS, REPEATS = 200_000, 7


def fill_as_the_value_does(order: DecimalOrder) -> DecimalOrder:
    return machine.apply(order, Fill(QUANTITY, PRICE, ZERO, None, None))


def fill_importing_in_the_method(order: DecimalOrder) -> DecimalOrder:
    from orders.order import machine

    return machine.apply(order, Fill(QUANTITY, PRICE, ZERO, None, None))


def main() -> None:
    ways = {"module-level import": fill_as_the_value_does,
            "import in the method": fill_importing_in_the_method}
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(REPEATS):
        for name, way in ways.items():
            seconds = timeit.timeit(lambda way=way: way(ORDER), number=CALLS)
            best[name] = min(best[name], seconds)
    for name, seconds in best.items():
        print(f"{name:22} {seconds / CALLS * 1e6:6.3f} us per fill")
    base = best["module-level import"]
    extra = best["import in the method"] - base
    print(f"the import in the method adds {extra / CALLS * 1e9:.0f} ns per fill "
          f"({extra / base:+.1%})")


if __name__ == "__main__":
    main()
