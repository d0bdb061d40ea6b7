"""Replaying the logs of many accounts on a Dask cluster, with the results of one process.

Needs the ``dask`` extra. :func:`replay_files_on_dask` gives exactly
what :func:`orders.io.replay.replay_files` gives in one process (the same books,
the same refusals with their files and line numbers), whatever the number of
workers, partitions and blocks, because no line of one account can affect
another account's book. It works in two stages:

1. **Split** (one task per block of a file, ``block_size`` bytes, cut at line
   ends): each line is read as far as its ``"account"`` and sent to partition
   :func:`~orders.io.replay.partition_of` ``(account, partitions)``, a CRC-32 of
   the name, so every block sends an account's lines to the same place.
   Lines that name no readable account are refused here.
2. **Replay** (one task per partition): the partition's lines, in the order of
   the files and of their lines, are folded with the same code as a
   single-process replay, one book per account.

A hash split, rather than a sort by account, moves each line once and needs no
global order: the order that matters is within an account, and the blocks keep
it. Its cost is balance: an account is never split, so one very large account
bounds the run, and a partition holds whole accounts by chance, which
``partitions`` a few times the number of workers evens out.
"""

from __future__ import annotations

import errno
import importlib
import os
import stat
import sys
import threading
import time
from array import array
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import attrs

from orders._checks import quote
from orders._extras import missing_extra
from orders.errors import BadOrderParameters, SchedulerError
from orders.io.replay import (
    AccountsResult,
    Refusal,
    RefusalRecord,
    ReplayFold,
    ReplayResult,
    ReplaySettings,
    checked_paths,
    partition_of,
    read_line,
)

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "MIN_BLOCK_SIZE",
    "WORKER_TIMEOUT",
    "SchedulerError",
    "replay_files_on_dask",
]

DEFAULT_BLOCK_SIZE = 32 * 2**20
"""Bytes of a file read by one split task (a block ends at the line end after it)."""
MIN_BLOCK_SIZE = 64 * 2**10
"""The smallest ``block_size``: the task graph grows with the number of blocks
times the number of partitions, and blocks of a few bytes would spend the run
scheduling tasks."""

WORKER_TIMEOUT = 30.0
"""Seconds to wait, by default, for a cluster to have at least one worker."""

Split = dict[Any, Any]
"""What one block splits into: ``"lines"``, ``"refused"``, ``"refused_count"``,
and for each partition number its line numbers (in the block) and their text."""


def replay_files_on_dask(
    paths: Sequence[str | os.PathLike[str]],
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    partitions: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    keep_refused: int = 10_000,
    retention: timedelta | None = None,
    progress: Callable[[str], None] | bool = False,
    connect_timeout: float | None = None,
    worker_timeout: float | None = None,
) -> AccountsResult:
    """Replay log files of many accounts on Dask: one result per account.

    ``client`` is a ``distributed.Client`` of the cluster to use; or
    ``scheduler`` the address of one (``tcp://host:8786``), connected to for
    the call, which must answer within ``connect_timeout`` seconds (by default
    Dask's ``distributed.comm.timeouts.connect``, 30 s unless configured); with
    neither, a local cluster of ``workers`` processes (one per core by default)
    is started for the call and closed after it. The cluster must have a
    worker within ``worker_timeout`` seconds (:data:`WORKER_TIMEOUT` by
    default); a scheduler that cannot be reached or has no worker raises
    :class:`SchedulerError`.

    The ``paths`` must be regular files that do not change during the run; a
    path that is not one raises :class:`OSError` before any cluster starts, and
    so does a file whose content does not match the size it reported when the
    run began. Every worker must be able to open the ``paths`` (on a real
    cluster: a shared file system, at the same paths); a relative path is
    resolved against this process's working directory before it is sent, and
    refusals name each file as given. ``partitions`` defaults to twice the
    cluster's worker threads; ``block_size`` is at least :data:`MIN_BLOCK_SIZE`.
    ``progress`` True reports to standard error as tasks finish; a callable
    gets each report.
    """
    files = checked_paths(paths)
    sizes = _check_arguments(files, workers, partitions, block_size)
    if client is not None and scheduler is not None:
        raise BadOrderParameters(
            "give a client or a scheduler address, not both; got a client and "
            f"scheduler={quote(scheduler)}"
        )
    job = _Job(files, sizes, partitions, block_size, keep_refused, retention, _reporter(progress))
    waited = WORKER_TIMEOUT if worker_timeout is None else worker_timeout
    if client is not None:
        return job.run(client, waited)
    dask = dask_distributed()
    if scheduler is not None:
        with _connected(dask, scheduler, connect_timeout) as remote:
            return job.run(remote, waited)
    cluster = dask.LocalCluster(
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
        dashboard_address=":0",  # a free port: the default one may be taken
    )
    try:
        with dask.Client(cluster) as own:
            return job.run(own, waited)
    finally:
        cluster.close()


def _connected(dask: Any, scheduler: str, timeout: float | None) -> Any:
    """A client of the scheduler at ``scheduler``, or :class:`SchedulerError` when
    it cannot be reached or does not answer within ``timeout`` seconds.

    The client is made in a thread that is waited for, because a server that
    accepts a connection and never answers can hold the client's own handshake
    without a limit."""
    seconds = _configured_connect_timeout() if timeout is None else timeout
    made: list[Any] = []
    failed: list[Exception] = []

    def connect() -> None:
        try:
            made.append(dask.Client(scheduler, timeout=seconds))
        except Exception as error:  # any failure to connect: a bad address, TLS, a bad reply
            failed.append(error)

    connecting = threading.Thread(target=connect, name="orders-connect", daemon=True)
    connecting.start()
    connecting.join(seconds + _GRACE)  # the client's own timeout, when it keeps it, comes first
    if failed:
        reason = str(failed[0]) or type(failed[0]).__name__
        raise SchedulerError(
            f"cannot connect to the Dask scheduler at {scheduler}: {reason}"
        ) from None
    if not made:
        raise SchedulerError(
            f"the Dask scheduler at {scheduler} did not answer within {seconds:g} s"
        )
    return made[0]


def dask_distributed() -> Any:
    """The ``distributed`` package, or an error that says how to install it."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise missing_extra("orders.distributed", "dask") from None


_GRACE = 1.0


def _configured_connect_timeout() -> float:
    """Dask's own connect timeout, in seconds."""
    dask = importlib.import_module("dask")
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    return float(dask.utils.parse_timedelta(timeout, default="seconds"))


def _check_arguments(
    files: list[str], workers: int | None, partitions: int | None, block_size: int
) -> list[int]:
    """Refuse what cannot be replayed; the size of each file."""
    for name, value in (("workers", workers), ("partitions", partitions)):
        if value is not None and (type(value) is not int or value < 1):
            raise BadOrderParameters(f"{name} must be a positive int or None; got {quote(value)}")
    if type(block_size) is not int or block_size < MIN_BLOCK_SIZE:
        raise BadOrderParameters(
            f"block_size must be an int of at least {MIN_BLOCK_SIZE:,} bytes "
            f"({MIN_BLOCK_SIZE // 2**10} KiB); "
            f"got {quote(block_size)}"
        )
    return [_regular_file_size(path) for path in files]


def _regular_file_size(path: str) -> int:
    status = os.stat(path)
    if not stat.S_ISREG(status.st_mode):
        raise OSError(
            errno.EINVAL, "not a regular file (the Dask replay reads files in blocks)", path
        )
    return status.st_size


def _reporter(progress: Callable[[str], None] | bool) -> Callable[[str], None] | None:
    if progress is True:
        return lambda text: print(text, file=sys.stderr, flush=True)
    return progress or None


def blocks(sizes: Sequence[int], block_size: int) -> list[tuple[int, int, int]]:
    """The blocks of files of ``sizes`` as ``(file index, start, end)``, in file and
    byte order."""
    result: list[tuple[int, int, int]] = []
    for index, size in enumerate(sizes):
        result.extend((index, start, min(start + block_size, size))
                      for start in range(0, max(size, 1), block_size))
    return result


def split_block(
    path: str, start: int, end: int, partitions: int, keep_refused: int, size: int
) -> Split:
    """Read the lines that begin in bytes ``[start, end)`` of ``path``, a file of
    ``size`` bytes, and sort them by partition; line numbers count from 1 at the
    block's first line."""
    numbers: list[array[int]] = [array("q") for _ in range(partitions)]
    texts: list[list[bytes]] = [[] for _ in range(partitions)]
    refused = RefusalRecord(keep_refused)
    lines = _block_lines(path, start, end, size)
    for number, raw in enumerate(lines, start=1):
        read = read_line(number, raw, first=start == 0 and number == 1)
        if read is None:
            continue
        if isinstance(read, Refusal):
            refused.add(read)
            continue
        partition = partition_of(read[2], partitions)
        numbers[partition].append(number)
        texts[partition].append(raw)
    split: Split = {"lines": len(lines), "refused": refused.kept, "refused_count": refused.count}
    for partition in range(partitions):
        split[partition] = (numbers[partition], b"\n".join(texts[partition]))
    return split


def _block_lines(path: str, start: int, end: int, size: int) -> list[bytes]:
    """The lines that begin in bytes ``[start, end)``; the file must still hold
    ``size`` bytes, no more and no less."""
    with open(path, "rb") as log:
        if start > 0:
            log.seek(start - 1)
            if log.read(1) != b"\n":
                log.readline()  # the rest of a line that began in the block before
        first = log.tell()
        if first >= end and start > 0:
            return []
        wanted = max(end - first, 0)
        data = log.read(wanted)
        if data and not data.endswith(b"\n"):
            data += log.readline()
        if len(data) < wanted or (end == size and log.read(1)):
            raise OSError(
                errno.EIO, f"its content does not match its size ({size:,} bytes when the "
                "replay began): a file must not change during a replay", path
            )
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def replay_partition(
    pieces: Sequence[tuple[array[int], bytes]],
    offsets: Sequence[int],
    sources: Sequence[str],
    keep_refused: int,
    retention: timedelta | None,
) -> AccountsResult:
    """Fold one partition: its lines from each block, in block order, numbered
    within their file (``offsets``: the lines of that file before the block)."""
    fold = ReplayFold(ReplaySettings(keep_refused, None, retention, None))
    for (numbers, text), offset, source in zip(pieces, offsets, sources, strict=True):
        if not numbers:
            continue
        for number, raw in zip(numbers, text.split(b"\n"), strict=True):
            fold.line(offset + number, raw, source)
    return fold.result()


def merge(
    splits: Sequence[Split],
    offsets: Sequence[int],
    sources: Sequence[str],
    partials: Sequence[AccountsResult],
    keep_refused: int,
) -> AccountsResult:
    """One result from the partitions' results and the refusals of the splits
    (each block's ``offsets`` and ``sources`` as for :func:`replay_partition`)."""
    accounts: dict[str, ReplayResult] = {}
    for partial in partials:
        accounts.update(partial.accounts)
    unassigned = [
        attrs.evolve(refusal, line_number=offset + refusal.line_number, source=source)
        for split, offset, source in zip(splits, offsets, sources, strict=True)
        for refusal in split["refused"]
    ]
    unassigned += [refusal for partial in partials for refusal in partial.unassigned]
    file_order: dict[str | None, int] = {
        source: index for index, source in reversed(list(enumerate(sources)))
    }
    unassigned.sort(key=lambda refusal: (file_order[refusal.source], refusal.line_number))
    return AccountsResult(
        {name: accounts[name] for name in sorted(accounts)},
        tuple(unassigned[:keep_refused]),
        sum(split["refused_count"] for split in splits)
        + sum(partial.unassigned_count for partial in partials),
        sum(split["lines"] for split in splits),
    )


def block_offsets(splits: Sequence[Split], block_files: Sequence[int]) -> list[int]:
    """For each block, the lines of its file in the blocks before it."""
    offsets, seen, current = [], 0, None
    for split, file_index in zip(splits, block_files, strict=True):
        if file_index != current:
            current, seen = file_index, 0
        offsets.append(seen)
        seen += split["lines"]
    return offsets


class _Job:
    """A replay of checked files, ready to run on a cluster."""

    def __init__(
        self,
        files: list[str],
        sizes: list[int],
        partitions: int | None,
        block_size: int,
        keep_refused: int,
        retention: timedelta | None,
        report: Callable[[str], None] | None,
    ) -> None:
        self.files = files
        self.sizes = sizes
        self.partitions = partitions
        self.block_size = block_size
        self.keep_refused = keep_refused
        self.retention = retention
        self.report = report

    def run(self, client: Any, worker_timeout: float) -> AccountsResult:
        addresses = _workers(client, worker_timeout)
        as_completed = dask_distributed().as_completed
        started = time.monotonic()
        count = self.partitions or 2 * max(sum(client.nthreads().values()), 1)
        spans = blocks(self.sizes, self.block_size)
        resolved = [os.path.abspath(path) for path in self.files]  # workers may run elsewhere
        split_futures = [
            client.submit(split_block, resolved[index], start, end, count, self.keep_refused,
                          self.sizes[index], pure=False)
            for index, start, end in spans
        ]
        block_files = [index for index, _, _ in spans]
        _wait(as_completed(split_futures), len(split_futures), "split", "blocks", started,
              self.report)
        splits_meta = client.gather(
            [client.submit(_without_lines, future, pure=False) for future in split_futures]
        )
        offsets = block_offsets(splits_meta, block_files)
        sources = [self.files[index] for index in block_files]
        # Dask would place each replay beside most of its input, which can queue
        # several partitions on one worker; spreading them evenly keeps every worker busy.
        replay_futures = [
            client.submit(
                replay_partition,
                [client.submit(_piece, future, partition, pure=False) for future in split_futures],
                offsets, sources, self.keep_refused, self.retention, pure=False,
                workers=[addresses[partition % len(addresses)]], allow_other_workers=True,
            )
            for partition in range(count)
        ]
        _wait(as_completed(replay_futures), count, "replayed", "partitions", started,
              self.report)
        partials = client.gather(replay_futures)
        return merge(splits_meta, offsets, sources, partials, self.keep_refused)


def _workers(client: Any, timeout: float) -> list[str]:
    """The addresses of the cluster's workers, once it has one; :class:`SchedulerError`
    when it has none after ``timeout`` seconds."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise SchedulerError(
            f"the scheduler at {client.scheduler.address} has no workers "
            f"(waited {timeout:g} s)"
        ) from None
    return sorted(client.scheduler_info()["workers"])


def _without_lines(split: Split) -> Split:
    return {key: split[key] for key in ("lines", "refused", "refused_count")}


def _piece(split: Split, partition: int) -> tuple[array[int], bytes]:
    return split[partition]  # type: ignore[no-any-return]


def _wait(
    finished: Any, total: int, stage: str, unit: str, started: float,
    report: Callable[[str], None] | None,
) -> None:
    for done, _ in enumerate(finished, start=1):
        if report is not None:
            report(f"{stage} {done}/{total} {unit}, {time.monotonic() - started:.1f} s")
