"""Reconciliation at length: the properties of property_tests/test_reconcile.py,
run far longer than CI runs them.

Run: ``python benchmarks/reconcile_property.py`` (``--examples 10000`` by
default, for each mode). It draws books, in the backtest mode and then in the
live mode, some with requests in flight, and the states a venue could have
reached from them; reconciles each book with its venue's snapshot, and checks
that the result is the venue's state or that a finding names why not. For each
mode it prints how many examples ran, how long they took, and, for each kind
of finding, in how many examples it came up and how many there were. A
failure prints Hypothesis's minimal example and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings

from property_tests.test_reconcile import Reconnect, check_reconciliation, reconnects


def run(live: bool, examples: int) -> None:
    findings: Counter[str] = Counter()
    examples_with: Counter[str] = Counter()

    def counted(case: Reconnect) -> None:
        kinds = [type(finding).__name__ for finding in check_reconciliation(case).findings]
        findings.update(kinds)
        examples_with.update(set(kinds))

    long_run = settings(max_examples=examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    long_run(given(reconnects(live=live))(counted))()
    mode = "live" if live else "backtest"
    print(f"{mode} mode: {examples:,} examples in {time.perf_counter() - started:.0f} s; each "
          "gave the venue's state or a finding naming why not")
    for kind in sorted(findings):
        print(f"  {kind}: in {examples_with[kind]:,} examples, {findings[kind]:,} in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="examples for each mode")
    arguments = parser.parse_args()
    for live in (False, True):
        run(live, arguments.examples)


if __name__ == "__main__":
    main()
