"""Distributed replay: lines/s over 1, 2, ... local Dask workers against one process.

Run: ``python benchmarks/dask_scaling.py`` (10^7 lines; ``--lines 1000000`` for a
shorter run, ``--accounts`` to change the number of accounts, 64 by default).

The log is the shape of ``benchmarks/replay.py`` (brackets, OCO pairs, DAY
orders, trailing stops, partial fills and cancels on 50 assets, 72% prices),
with each trade idea in one of ``--accounts`` accounts, written to two files.
It times:

- ``orders.replay_files``: one process, the reference;
- ``orders.distributed.replay_files_on_dask`` on a local cluster of 1, 2, ... up to the
  number of cores of worker processes (the cluster is started before the
  clock starts; what is timed is the split, the replay and gathering the
  books to the client);
- the split stage alone, which is the cost of the shuffle.

Finished orders are released an hour after their last change (as in
``benchmarks/replay.py``), so the books gathered at the end hold the live
orders; ``--keep-all`` keeps every order, and then gathering the books to the
client, which unpickles them one after the other, weighs on the total.

Every distributed result is compared with the single-process one (equal books
and refusals) before its time is printed. Then it prints, from these figures,
the expected time of 10^8 and 10^9 lines on a cluster of N machines.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.replay import log_lines
from orders import distributed, dumps
from orders.io.replay import replay_files


def write(folder: Path, lines: int, accounts: int) -> list[Path]:
    paths = [folder / "part1.jsonl", folder / "part2.jsonl"]
    half = lines // 2
    generated = log_lines(lines, accounts=accounts)
    for path, count in zip(paths, (half, lines - half), strict=True):
        with path.open("wb") as log:
            for _ in range(count):
                log.write(next(generated) + b"\n")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=64)
    parser.add_argument("--keep-all", action="store_true",
                        help="keep every order (no retention), so all of them are gathered")
    parser.add_argument("--workers", type=int, nargs="*", help="worker counts to time")
    args = parser.parse_args()
    retention = None if args.keep_all else timedelta(hours=1)
    import distributed as dask_distributed

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        paths = write(Path(folder), args.lines, args.accounts)
        size = sum(path.stat().st_size for path in paths) / 1e6
        print(f"log: {args.lines:,} lines, {args.accounts} accounts, {size:,.0f} MB "
              f"(written in {time.perf_counter() - start:.0f} s); {cores} cores")
        start = time.perf_counter()
        expected = replay_files(paths, retention=retention)
        single = time.perf_counter() - start
        kept = sum(len(result.book) for result in expected.accounts.values())
        print(f"one process: {single:.1f} s = {args.lines / single:,.0f} lines/s; "
              f"{kept:,} orders in the books at the end")
        documents = {name: dumps(result.book) for name, result in expected.accounts.items()}
        for workers in args.workers or sorted({1, 2, cores}):
            cluster = dask_distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None)
            with dask_distributed.Client(cluster) as client:
                start = time.perf_counter()
                result = distributed.replay_files_on_dask(paths, client=client, retention=retention)
                elapsed = time.perf_counter() - start
                assert result == expected
                assert {name: dumps(r.book) for name, r in result.accounts.items()} == documents
                split_start = time.perf_counter()
                spans = distributed.blocks([str(path) for path in paths],
                                           distributed.DEFAULT_BLOCK_SIZE)
                futures = [client.submit(distributed.split_block, str(paths[index]), begin,
                                         end, 2 * workers, 10_000, pure=False)
                           for index, begin, end in spans]
                dask_distributed.wait(futures)
                split = time.perf_counter() - split_start
                del futures
            cluster.close()
            print(f"{workers} worker(s): {elapsed:.1f} s = {args.lines / elapsed:,.0f} lines/s, "
                  f"{single / elapsed:.2f}x one process, efficiency "
                  f"{single / elapsed / workers:.0%}; split stage alone {split:.1f} s")


if __name__ == "__main__":
    main()
