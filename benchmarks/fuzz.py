"""Hostile inputs at scale: the generators of property_tests/fuzzing.py, a million times.

Run: ``python benchmarks/fuzz.py`` (``--calls 100000`` for a shorter run,
``--seed`` to choose the run). Every call draws one case (a constructor, a
transition, a book operation, ``loads`` or ``replay`` given hostile arguments)
and checks that only OrderError subclasses escape and that the arguments are
left as they were; the first call to break a rule stops the run and is printed.

It prints how many calls ran, how many each entry point accepted and refused
(by error), the slowest calls, and every call of an input under 1 kB that took
over 10 ms. Each call over 1 ms is run again under tracemalloc, and the
largest peak of memory is printed with it.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from property_tests.fuzzing import CASES, run_case

SLOW = 0.010
SMALL = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261130)
    arguments = parser.parse_args()
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    slowest: list[tuple[float, int, str, int]] = []
    over: list[tuple[float, int, str, int]] = []
    started = time.perf_counter()
    for number in range(arguments.calls):
        outcome = run_case(random.Random(arguments.seed * 1_000_003 + number))
        counts[(outcome.name, outcome.refused or "accepted")] += 1
        record = (outcome.seconds, number, outcome.name, outcome.input_size)
        slowest = sorted([*slowest, record], reverse=True)[:5]
        if outcome.seconds > SLOW and outcome.input_size < SMALL:
            over.append(record)
        if (number + 1) % 100_000 == 0:
            print(f"{number + 1:,} calls, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"{arguments.calls:,} calls in {elapsed:.0f} s, seed {arguments.seed}; "
          f"{len(CASES)} kinds of case; only OrderError subclasses escaped, no argument changed")
    by_name: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for (name, result), count in counts.items():
        by_name[name][result] += count
    for name in sorted(by_name):
        results = by_name[name]
        refusals = ", ".join(f"{error} {count:,}" for error, count in results.most_common()
                             if error != "accepted")
        print(f"  {name}: {sum(results.values()):,} calls, {results['accepted']:,} accepted; "
              f"refused: {refusals or 'none'}")
    print("slowest calls (seconds, call, entry point, input size, peak memory):")
    for seconds, number, name, size in slowest:
        print(f"  {seconds:.4f}  #{number}  {name}  {size} chars  "
              f"{_peak(arguments.seed, number) / 1e6:.2f} MB")
    print(f"calls of an input under {SMALL} characters over {SLOW * 1000:.0f} ms: {len(over)}")
    for seconds, number, name, size in over[:20]:
        print(f"  {seconds:.4f}  #{number}  {name}  {size} chars  "
              f"{_peak(arguments.seed, number) / 1e6:.2f} MB")


def _peak(seed: int, number: int) -> int:
    """The peak of memory allocated while running call ``number`` again."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run_case(random.Random(seed * 1_000_003 + number))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    main()
