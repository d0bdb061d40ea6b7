"""Time order creation, fills, a five-step lifecycle and long fill chains, beside a peer.

Run: ``python benchmarks/lifecycle.py`` (``--orders`` to change the batch,
``--rounds`` the rounds).

What it retains, as a host does: every order and every order version it makes
is kept in one list until the end of the run, every fill carries a fill id,
and the garbage collector runs at its default settings, so the collections the
retained versions cause are part of each figure. The peer, NautilusTrader
when it is installed (``pip install -e '.[bench]'``) and otherwise the floor
of ``benchmarks/compare.py`` (a bare ``__slots__`` object rebuilt per fill),
does the same work in the same run: the workloads, the contenders and the way
they are timed are those of ``benchmarks/compare.py``. A NautilusTrader order
changes in place, so keeping it keeps the events its fills added.

Workloads, in interleaved rounds (both contenders run one batch per round, in
turn); the figure is the median over rounds of the process CPU time per
operation, in microseconds, with the spread over rounds beside it:

* create a limit order on an instrument with a tick, id generated;
* fill: four partial fills per order, events built beforehand, per fill;
* lifecycle: create + four partial fills to FILLED, events built from strings
  in the loop, per lifecycle;
* chains: 100, 1,000 and 10,000 fills applied in turn to one order, per fill:
  a flat figure means the k-th fill does not cost O(k).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.compare import (
    KEPT,
    chain_name,
    floor_contender,
    measure,
    orders_contender,
    peers,
)

CHAINS = (100, 1_000, 10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="operations per batch")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    batch = args.orders - args.orders % 4
    peer = next(iter(peers(["nautilus"])), None) or floor_contender()
    sizes = {"create": batch, "fill": batch, "lifecycle": max(1, batch // 4)}
    sizes.update({chain_name(length): length * max(1, batch // length // 4)
                  for length in CHAINS})
    table = measure([orders_contender(), peer], sizes, args.rounds, CHAINS)
    print(f"median CPU us per operation over {args.rounds} interleaved rounds (spread over "
          f"rounds); peer: {peer.name}; {len(KEPT):,} orders and versions retained at the end, "
          "fill ids on, collector at its defaults")
    print(f"{'workload':<14} {'orders':>24} {peer.name:>24} {'ratio':>7}")
    for workload, per_op in table.items():
        ours, theirs = per_op["orders"], per_op[peer.name]
        print(f"{workload:<14} {spread(ours):>24} {spread(theirs):>24} "
              f"{statistics.median(ours) / statistics.median(theirs):>6.2f}x")


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} ({min(times):.2f}-{max(times):.2f})"


if __name__ == "__main__":
    main()
