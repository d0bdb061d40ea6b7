"""Reconciliation at length: the property of property_tests/test_reconcile.py,
run far longer than CI runs it.

Run: ``python benchmarks/reconcile_property.py`` (``--examples 10000`` by
default). It draws books and the states a venue could have reached from them,
reconciles each book with its venue's snapshot, and checks that the result is
the venue's state or that a finding names why not; it prints how many examples
ran and how long they took. A failure prints Hypothesis's minimal example and
exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings

from property_tests.test_reconcile import books_and_continuations, check_reconciliation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    arguments = parser.parse_args()
    long_run = settings(max_examples=arguments.examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    long_run(given(books_and_continuations())(check_reconciliation))()
    print(f"reconciling books with their venues' snapshots: {arguments.examples:,} examples "
          f"in {time.perf_counter() - started:.0f} s; each gave the venue's state or a "
          "finding naming why not")


if __name__ == "__main__":
    main()
