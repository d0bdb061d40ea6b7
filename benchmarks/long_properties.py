"""The slowest property tests at length: the book machine and drawn books meeting bars.

Run: ``python benchmarks/long_properties.py`` (``--examples 3000`` by default,
``--steps`` for the steps of each run of the book machine).

The test suite runs these properties 100 times each, so that the README's test
command stays short; this script runs them far longer. It runs the stateful
machine of property_tests/test_book_machine.py (brackets, OCO groups,
reduce-only exits, fills, busts, amendments, prices, bars, the clock and
releases, every invariant checked after every step), then the drawn books of
property_tests/test_venue.py meeting bars of their assets on the simulated
venue, and prints how many examples each ran and how long it took. A failure
prints Hypothesis's minimal example and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test

from property_tests.test_book_machine import BookMachine
from property_tests.test_venue import DRAWN_BOOKS_AND_BARS, check_drawn_book_meets_bars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3_000)
    parser.add_argument("--steps", type=int, default=100)
    arguments = parser.parse_args()
    long_run = settings(max_examples=arguments.examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    run_state_machine_as_test(
        BookMachine, settings=settings(long_run, stateful_step_count=arguments.steps))
    print(f"the book machine: {arguments.examples:,} runs of up to {arguments.steps} steps in "
          f"{time.perf_counter() - started:.0f} s; every invariant held")
    started = time.perf_counter()
    long_run(given(**DRAWN_BOOKS_AND_BARS)(check_drawn_book_meets_bars))()
    print(f"drawn books meeting bars: {arguments.examples:,} examples in "
          f"{time.perf_counter() - started:.0f} s; the venue raised nothing but order errors "
          "and reported what the book applied")


if __name__ == "__main__":
    main()
