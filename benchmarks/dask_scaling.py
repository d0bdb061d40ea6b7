"""The Dask replay with its outputs written by the workers: lines/s and memory, 1, 2, 4 workers.

Run: ``python benchmarks/dask_scaling.py`` (10^6 lines, the log 1, 2 and 4
times, on 1, 2 and 4 workers: about half an hour on 2 cores); for a short
run, ``--lines 100000 --sizes 1 --workers 1 2`` (about a minute). ``--gather``
times the old mode instead, every book sent back to this process. Linux only
(it reads ``/proc/self/statm`` and ``/proc/self/status``).

The log is the one of ``benchmarks/replay.py`` (brackets, OCO pairs, DAY
orders, trailing stops, partial fills and cancels on 50 assets, 72% prices),
each trade idea in one of ``--accounts`` accounts, written to two files. Size
k of ``--sizes`` is that log k times: each line is followed by its copies 2
to k, in which account ``acct3`` is ``acct3~2`` ... ``acct3~k``, so k times
the lines and the accounts, each account the same. Finished orders are
released an hour after their last change; ``--keep-all`` keeps every order.

For each size, the files written once, it times:

- ``orders.io.output.write_replay`` in a child process, so that this process
  never holds a book: the one-process reference, with that process's peak
  resident size;
- ``write_replay_on_dask`` (``--gather``: ``replay_files_on_dask``) into a new
  directory, on a new local cluster for each ``--workers`` count (one worker
  process of one thread each, started before the clock), whose directory must
  equal the reference, file by file and byte for byte, before its row is
  printed. The gathered books are written to it after the clock stops.

Memory: each worker's peak resident size (``VmHWM``: the worker processes are
new for each cluster, and checked to be the same ones before and after the
call; not ``ru_maxrss``, which in a process started by fork and exec keeps
the size of the process that forked it, here this one); in this process,
which also runs the scheduler, the growth of the resident size over the call
(sampled every 20 ms: the peak less the size before) and the peak of the
Python heap during the call (``tracemalloc``). "cores" is the CPU time of the
replay's processes over the wall time: below the worker count (or the cores),
the workers waited, for each other or for the other processes of the machine;
"lines/cpu-s" divides the lines by that CPU time, which a busy machine
changes less than the wall time. "parts" is the run's number of partitions.

It ends with a paper estimate of 10^9 lines on N machines of 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import dask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.replay import log_lines
from orders import distributed
from orders.io.distributed import dask_distributed
from orders.io.output import prepare_output, write_account, write_replay, write_summary

ACCOUNT_FIELD = b',"account":"'
"""The last field of every line of ``log_lines``."""
SAMPLE_SECONDS = 0.02
MB = 2**20
BILLION = 10**9
MACHINES = (1, 4, 16, 64)
"""Machines of 2 cores in the paper estimate."""


def renamed(line: bytes, copy: int) -> bytes:
    """``line`` in copy ``copy`` of the log: its account ``acct3`` is ``acct3~2``
    in copy 2; copy 1 is the line itself."""
    if copy == 1:
        return line
    if ACCOUNT_FIELD not in line or not line.endswith(b'"}'):
        raise ValueError(f"the account is not the last field of {line!r}")
    return line[:-2] + b'~%d"}' % copy


def write_log(folder: Path, lines: int, accounts: int, copies: int) -> list[Path]:
    """``lines`` lines of ``accounts`` accounts, each followed by its other
    ``copies - 1`` copies, half of them in each of two files."""
    paths = [folder / "part1.jsonl", folder / "part2.jsonl"]
    generated = log_lines(lines, accounts=accounts)
    half = lines // 2
    for path, count in zip(paths, (half, lines - half), strict=True):
        with path.open("wb") as log:
            for line in islice(generated, count):
                log.writelines(renamed(line, copy) + b"\n" for copy in range(1, copies + 1))
    return paths


def digests(directory: Path) -> dict[str, str]:
    """Every file under ``directory``, hidden ones included, and its SHA-256."""
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def check_same(expected: dict[str, str], directory: Path) -> None:
    actual = digests(directory)
    if actual != expected:
        differ = sorted(name for name in expected.keys() | actual.keys()
                        if expected.get(name) != actual.get(name))
        raise SystemExit(f"{directory} differs from the one-process directory: "
                         f"{len(differ)} files, first {differ[:5]}")


def resident_bytes() -> int:
    """This process's resident size now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def peak_resident_kib() -> int:
    """This process's peak resident size (``VmHWM``, which a new program starts
    afresh; ``ru_maxrss`` keeps the size of the process it was forked from)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status: this benchmark needs Linux")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timed:
    seconds: float
    cores: float
    """CPU seconds of the replay's processes per wall second."""

    def per_cpu_second(self, lines: int) -> float:
        return lines / (self.seconds * self.cores)


def timed_write_replay(paths: list[Path], directory: Path,
                       retention: timedelta | None) -> tuple[Timed, int]:
    """In a child process: the one-process replay timed, and the child's peak
    resident size in KiB."""
    start, cpu = time.perf_counter(), cpu_seconds()
    write_replay(paths, directory, retention=retention)
    seconds = time.perf_counter() - start
    return Timed(seconds, (cpu_seconds() - cpu) / seconds), peak_resident_kib()


def one_process(paths: list[Path], directory: Path,
                retention: timedelta | None) -> tuple[Timed, int]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(timed_write_replay, paths, directory, retention).result()


class ClientMemory:
    """Over a ``with`` block: the growth of this process's resident size, sampled
    every :data:`SAMPLE_SECONDS` by a thread, and the peak of its Python heap."""

    def __enter__(self) -> ClientMemory:
        self.before = self.peak = resident_bytes()
        self.heap_peak = 0
        self.done = threading.Event()
        self.sampler = threading.Thread(target=self.sample, daemon=True)
        self.sampler.start()
        tracemalloc.start()
        return self

    def sample(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, resident_bytes())

    def __exit__(self, *_: object) -> None:
        self.heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        self.done.set()
        self.sampler.join()
        self.peak = max(self.peak, resident_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.before


@dataclass
class DaskRun:
    timed: Timed
    worker_peaks: list[int]
    """Each worker's peak resident size over its life, KiB."""
    worker_starts: list[int]
    """Each worker's peak resident size before the call, KiB."""
    client: ClientMemory


def on_dask(call: Callable[[Any], object], workers: int, seen: set[int]) -> tuple[DaskRun, object]:
    """``call(client)`` timed on a new local cluster of ``workers`` processes, whose
    process ids must be new (not in ``seen``, which gets them) and the same
    after the call; and what it returned."""
    dask_api = dask_distributed()
    cluster = dask_api.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                    dashboard_address=None)
    try:
        with dask_api.Client(cluster) as client:
            client.wait_for_workers(workers)
            pids = client.run(os.getpid)
            if seen & set(pids.values()):
                raise SystemExit(f"worker processes were reused: {seen & set(pids.values())}")
            seen.update(pids.values())
            starts = client.run(peak_resident_kib)
            cpu_before = client.run(cpu_seconds)
            with ClientMemory() as memory:
                start = time.perf_counter()
                result = call(client)
                seconds = time.perf_counter() - start
            cpu_after = client.run(cpu_seconds)
            peaks = client.run(peak_resident_kib)
            if client.run(os.getpid) != pids:
                raise SystemExit("a worker process was replaced during the call: its peak "
                                 "resident size is not the run's")
    finally:
        cluster.close()
    cpu = sum(cpu_after[worker] - cpu_before[worker] for worker in pids)
    return DaskRun(Timed(seconds, cpu / seconds), list(peaks.values()),
                   list(starts.values()), memory), result


def write_gathered(result: Any, directory: Path) -> None:
    """Write gathered results as ``write_replay`` would, to compare them."""
    absolute, token = prepare_output(directory)
    counts = {name: write_account(absolute, token, name, account)
              for name, account in result.accounts.items()}
    write_summary(absolute, token, counts, result.unassigned, result.unassigned_count,
                  result.lines)


class Partitions:
    """The partitions of a run, as its progress reports count them
    (``replayed 3/8 partitions, 41.2 s``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, report: str) -> None:
        if report.startswith("replayed "):
            self.count = int(report.split("/")[1].split()[0])


def replay_call(paths: list[Path], directory: Path, retention: timedelta | None,
                gather: bool, partitions: Partitions) -> Callable[[Any], object]:
    if gather:
        return lambda client: distributed.replay_files_on_dask(
            paths, client=client, retention=retention, progress=partitions)
    return lambda client: distributed.write_replay_on_dask(
        paths, directory, client=client, retention=retention, progress=partitions)


COLUMNS = (("k", 2), ("lines", 10), ("accounts", 8), ("workers", 7), ("parts", 5), ("s", 6),
           ("lines/s", 8), ("speedup", 7), ("cores", 5), ("lines/cpu-s", 11), ("wkr max MB", 10),
           ("wkr med MB", 10), ("wkr start MB", 12), ("client +MB", 10),
           ("client heap MB", 14), ("1-proc MB", 9))


def row(*cells: object) -> str:
    return "  ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS, strict=True))


def mb(kib: float) -> str:
    return f"{kib / 1024:,.0f}"


@dataclass
class Measured:
    """The figures of one size kept for the estimate."""

    lines: int
    accounts: int
    log_bytes: int
    output_bytes: int
    rates: dict[int, float]
    """Lines/s by worker count."""


def measure_size(args: argparse.Namespace, copies: int, folder: Path,
                 seen: set[int]) -> Measured:
    retention = None if args.keep_all else timedelta(hours=1)
    lines, accounts = args.lines * copies, args.accounts * copies
    paths = write_log(folder, args.lines, args.accounts, copies)
    log_bytes = sum(path.stat().st_size for path in paths)
    reference = folder / "one-process"
    single, single_peak = one_process(paths, reference, retention)
    expected = digests(reference)
    output_bytes = sum((reference / name).stat().st_size for name in expected)
    shutil.rmtree(reference)
    print(row(copies, f"{lines:,}", accounts, "1 proc", "", f"{single.seconds:.1f}",
              f"{lines / single.seconds:,.0f}", "1.00", f"{single.cores:.2f}",
              f"{single.per_cpu_second(lines):,.0f}", "", "", "", "", "", mb(single_peak)),
          flush=True)
    rates = {}
    for workers in args.workers:
        directory = folder / f"dask-{workers}"
        partitions = Partitions()
        run, result = on_dask(replay_call(paths, directory, retention, args.gather, partitions),
                              workers, seen)
        if args.gather:
            write_gathered(result, directory)
        del result
        check_same(expected, directory)
        shutil.rmtree(directory)
        rates[workers] = lines / run.timed.seconds
        over = "*" if workers > (os.cpu_count() or 1) else ""
        print(row(copies, f"{lines:,}", accounts, f"{workers}{over}", partitions.count,
                  f"{run.timed.seconds:.1f}", f"{rates[workers]:,.0f}",
                  f"{single.seconds / run.timed.seconds:.2f}", f"{run.timed.cores:.2f}",
                  f"{run.timed.per_cpu_second(lines):,.0f}",
                  mb(max(run.worker_peaks)), mb(statistics.median(run.worker_peaks)),
                  mb(statistics.median(run.worker_starts)), mb(run.client.growth / 1024),
                  mb(run.client.heap_peak / 1024), ""), flush=True)
    for path in paths:
        path.unlink()
    return Measured(lines, accounts, log_bytes, output_bytes, rates)


def duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def estimate(measured: Measured, cores: int) -> Iterator[str]:
    """The paper estimate of 10^9 lines from the largest log's figures."""
    fewest = min(measured.rates)
    per_worker = measured.rates[fewest] / fewest
    within = max((workers for workers in measured.rates if workers <= cores), default=fewest)
    efficiency = measured.rates[within] / (within * per_worker)
    yield (f"paper estimate for 10^9 lines, from the log of {measured.lines:,} lines: "
           f"{per_worker:,.0f} lines/s per worker ({fewest} worker(s)), efficiency "
           f"{efficiency:.0%} at {within} workers on {cores} cores; N machines of 2 cores "
           f"replay 2 N x {per_worker:,.0f} x {efficiency:.2f} = "
           f"N x {2 * per_worker * efficiency:,.0f} lines/s (the cores of the machines "
           "scaling as those of this one, and a shared file system keeping up):")
    account_lines = BILLION / measured.accounts
    floor = account_lines / per_worker
    for machines in MACHINES:
        seconds = BILLION / (2 * machines * per_worker * efficiency)
        bound = " (the largest account's bound)" if seconds < floor else ""
        yield f"  {machines:>3} machines: {duration(max(seconds, floor))}{bound}"
    yield (f"an account is never divided: with {measured.accounts} accounts of "
           f"{account_lines:,.0f} lines each, one takes {duration(floor)} on one worker, "
           "whatever the cluster")
    line_bytes = measured.log_bytes / measured.lines
    yield (f"disk: the log, {BILLION * line_bytes / 1e9:,.0f} GB ({line_bytes:.0f} bytes a "
           "line), and as much again for the spill folder (each line with its number in "
           "its block) until the replay ends; the output directory was "
           f"{measured.output_bytes / MB:,.1f} MiB here (it grows with the accounts and "
           "the orders kept, not the lines)")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the log of size 1")
    parser.add_argument("--accounts", type=int, default=64, help="accounts of the log of size 1")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4],
                        help="the log k times, for each k")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4],
                        help="worker counts to time")
    parser.add_argument("--keep-all", action="store_true",
                        help="keep every order (no retention)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--output-mode", dest="gather", action="store_false",
                      help="the workers write the results (the default)")
    mode.add_argument("--gather", dest="gather", action="store_true",
                      help="the books are sent back to this process (the old mode)")
    parser.set_defaults(gather=False)
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    cores = os.cpu_count() or 1
    dask_distributed()  # loads the configuration of distributed
    mode = "books gathered to the client" if args.gather else "outputs written by the workers"
    print(f"{mode}; {cores} cores; retention "
          f"{'none' if args.keep_all else '1 h'}; worker processes started by "
          f"{dask.config.get('distributed.worker.multiprocessing-method')}; "
          f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if max(args.workers) > cores:
        print(f"* more workers than the {cores} cores: over-subscribed")
    print(row(*(name for name, _ in COLUMNS)), flush=True)
    seen: set[int] = set()
    measured: list[Measured] = []
    with tempfile.TemporaryDirectory() as folder:
        for copies in args.sizes:
            measured.append(measure_size(args, copies, Path(folder), seen))
    print(f"load average at the end {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if not args.gather:
        print("\n".join(estimate(measured[-1], cores)))


if __name__ == "__main__":
    main()
