"""Requests in flight at length: the property tests of property_tests/test_requests.py,
run far longer than CI runs them.

Run: ``python benchmarks/request_races.py`` (``--examples 5000`` by default,
``--steps`` for the steps of each run of the book machine). It runs the drawn
venue sessions against the model of one order, then the stateful machines over a
book with requests in flight and over a book in the live mode (a bracket and an
OCO pair each), and prints how many examples and steps
each ran and how long it took. A failure prints Hypothesis's minimal example
and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test

from orders.testing.strategies import venue_sessions
from property_tests.test_requests import LiveBook, LiveModeBook, check_session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5_000)
    parser.add_argument("--steps", type=int, default=100)
    arguments = parser.parse_args()
    long_run = settings(max_examples=arguments.examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    long_run(given(venue_sessions())(check_session))()
    print(f"venue sessions against the order model: {arguments.examples:,} examples "
          f"in {time.perf_counter() - started:.0f} s")
    machines = (("a book with requests in flight", LiveBook),
                ("a book in the live mode", LiveModeBook))
    for name, machine in machines:
        started = time.perf_counter()
        run_state_machine_as_test(
            machine, settings=settings(long_run, stateful_step_count=arguments.steps))
        print(f"{name} (bracket and OCO pair): {arguments.examples:,} runs of up to "
              f"{arguments.steps} steps in {time.perf_counter() - started:.0f} s; "
              "every invariant held")


if __name__ == "__main__":
    main()
