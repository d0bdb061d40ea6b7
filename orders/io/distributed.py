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
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from orders._checks import quote
from orders._extras import missing_extra
from orders.errors import BadOrderParameters
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

__all__ = ["DEFAULT_BLOCK_SIZE", "MIN_BLOCK_SIZE", "replay_files_on_dask"]

DEFAULT_BLOCK_SIZE = 32 * 2**20
"""Bytes of a file read by one split task (a block ends at the line end after it)."""
MIN_BLOCK_SIZE = 64 * 2**10
"""The smallest ``block_size``: the task graph grows with the number of blocks
times the number of partitions, and blocks of a few bytes would spend the run
scheduling tasks."""

Split = dict[Any, Any]
"""What one block splits into: ``"lines"``, ``"refused"``, ``"refused_count"``,
and for each partition number its line numbers (in the block) and their text."""


def replay_files_on_dask(
    paths: Sequence[str | os.PathLike[str]],
    *,
    client: Any = None,
    workers: int | None = None,
    partitions: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    keep_refused: int = 10_000,
    retention: timedelta | None = None,
    progress: Callable[[str], None] | bool = False,
) -> AccountsResult:
    """Replay log files of many accounts on Dask: one result per account.

    ``client`` is a ``distributed.Client`` of the cluster to use; without one, a
    local cluster of ``workers`` processes (one per core by default) is started
    for the call and closed after it. Every worker must be able to open the
    ``paths`` (on a real cluster: a shared file system, at the same paths); a
    relative path is resolved against this process's working directory before
    it is sent, and refusals name each file as given. ``partitions`` defaults to
    twice the cluster's worker threads; ``block_size`` is at least
    :data:`MIN_BLOCK_SIZE`. ``progress`` True reports to standard error as tasks
    finish; a callable gets each report.
    """
    files = checked_paths(paths)
    _check_arguments(files, workers, partitions, block_size)
    report = _reporter(progress)
    if client is None:
        dask = dask_distributed()
        cluster = dask.LocalCluster(
            n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
            dashboard_address=None,
        )
        try:
            with dask.Client(cluster) as own:
                return _run(own, files, partitions, block_size, keep_refused, retention, report)
        finally:
            cluster.close()
    return _run(client, files, partitions, block_size, keep_refused, retention, report)


def dask_distributed() -> Any:
    """The ``distributed`` package, or an error that says how to install it."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise missing_extra("orders.distributed", "dask") from None


def _check_arguments(
    files: list[str], workers: int | None, partitions: int | None, block_size: int
) -> None:
    for name, value in (("workers", workers), ("partitions", partitions)):
        if value is not None and (type(value) is not int or value < 1):
            raise BadOrderParameters(f"{name} must be a positive int or None; got {quote(value)}")
    if type(block_size) is not int or block_size < MIN_BLOCK_SIZE:
        raise BadOrderParameters(
            f"block_size must be an int of at least {MIN_BLOCK_SIZE:,} bytes "
            f"({MIN_BLOCK_SIZE // 2**10} KiB); "
            f"got {quote(block_size)}"
        )
    for path in files:
        if not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, "no such log file (or not a regular file)", path)


def _reporter(progress: Callable[[str], None] | bool) -> Callable[[str], None] | None:
    if progress is True:
        return lambda text: print(text, file=sys.stderr, flush=True)
    return progress or None


def blocks(files: Sequence[str], block_size: int) -> list[tuple[int, int, int]]:
    """Each file's blocks as ``(file index, start, end)``, in file and byte order."""
    result: list[tuple[int, int, int]] = []
    for index, path in enumerate(files):
        size = os.path.getsize(path)
        result.extend((index, start, min(start + block_size, size))
                      for start in range(0, max(size, 1), block_size))
    return result


def split_block(
    path: str, start: int, end: int, partitions: int, keep_refused: int
) -> Split:
    """Read the lines that begin in bytes ``[start, end)`` of ``path`` and sort them
    by partition; line numbers count from 1 at the block's first line."""
    numbers: list[array[int]] = [array("q") for _ in range(partitions)]
    texts: list[list[bytes]] = [[] for _ in range(partitions)]
    refused = RefusalRecord(keep_refused)
    lines = _block_lines(path, start, end)
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


def _block_lines(path: str, start: int, end: int) -> list[bytes]:
    with open(path, "rb") as log:
        if start > 0:
            log.seek(start - 1)
            if log.read(1) != b"\n":
                log.readline()  # the rest of a line that began in the block before
        first = log.tell()
        if first >= end and start > 0:
            return []
        data = log.read(max(end - first, 0))
        if data and not data.endswith(b"\n"):
            data += log.readline()
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
    unassigned: list[Refusal] = []
    count = 0
    for split, offset, source in zip(splits, offsets, sources, strict=True):
        count += split["refused_count"]
        unassigned.extend(
            Refusal(offset + refusal.line_number, refusal.excerpt, refusal.reason, source)
            for refusal in split["refused"][: keep_refused - len(unassigned)]
        )
    return AccountsResult(
        {name: accounts[name] for name in sorted(accounts)},
        tuple(unassigned),
        count,
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


def _run(
    client: Any,
    files: list[str],
    partitions: int | None,
    block_size: int,
    keep_refused: int,
    retention: timedelta | None,
    report: Callable[[str], None] | None,
) -> AccountsResult:
    as_completed = dask_distributed().as_completed
    started = time.monotonic()
    count = partitions or 2 * max(sum(client.nthreads().values()), 1)
    spans = blocks(files, block_size)
    resolved = [os.path.abspath(path) for path in files]  # workers may run elsewhere
    split_futures = [
        client.submit(split_block, resolved[index], start, end, count, keep_refused, pure=False)
        for index, start, end in spans
    ]
    block_files = [index for index, _, _ in spans]
    _wait(as_completed(split_futures), len(split_futures), "split", "blocks", started, report)
    splits_meta = client.gather(
        [client.submit(_without_lines, future, pure=False) for future in split_futures]
    )
    offsets = block_offsets(splits_meta, block_files)
    sources = [files[index] for index in block_files]
    # Dask would place each replay beside most of its input, which can queue
    # several partitions on one worker; spreading them evenly keeps every worker busy.
    addresses = sorted(client.scheduler_info()["workers"])
    replay_futures = [
        client.submit(
            replay_partition,
            [client.submit(_piece, future, partition, pure=False) for future in split_futures],
            offsets, sources, keep_refused, retention, pure=False,
            workers=[addresses[partition % len(addresses)]], allow_other_workers=True,
        )
        for partition in range(count)
    ]
    _wait(as_completed(replay_futures), count, "replayed", "partitions", started, report)
    partials = client.gather(replay_futures)
    return merge(splits_meta, offsets, sources, partials, keep_refused)


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
