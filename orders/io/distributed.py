"""Replaying the logs of many accounts on a Dask cluster, with the results of one process.

Needs the ``dask`` extra. :func:`replay_files_on_dask` gives exactly
what :func:`orders.io.replay.replay_files` gives in one process (the same books,
the same refusals with their files and line numbers), whatever the number of
workers, partitions and blocks, because no line of one account can affect
another account's book; :func:`write_replay_on_dask` writes the same
directory as :func:`orders.io.output.write_replay`, byte for byte, each
account's document written by the worker that replayed it. Both work in two
stages:

1. **Split** (one task per block of a file, ``block_size`` bytes, cut at line
   ends): each line is read as far as its ``"account"`` and sent to partition
   :func:`~orders.io.replay.partition_of` ``(account, partitions)``, a CRC-32 of
   the name, so every block sends an account's lines to the same place.
   Lines that name no readable account are refused here. The block's lines,
   sorted by partition, are written to one file of a spill folder that every
   worker sees, its first refused lines to another; the task returns only
   counts: its lines, and the lines and bytes of each partition's piece.
2. **Replay** (one task per partition, the largest first): the partition's
   pieces, read from the spill folder one at a time in the order of the files
   and of their lines, are folded with the same code as a single-process
   replay, one book per account; the books are sent back, or written where
   they were computed.

A hash split, rather than a sort by account, moves each line once and needs no
global order: the order that matters is within an account, and the blocks keep
it. Its cost is balance: an account is never split, so one very large account
bounds the run, and a partition holds whole accounts by chance, which
``partitions`` a few times the number of workers evens out.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import itertools
import json
import math
import operator
import os
import secrets
import stat
import struct
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

import attrs

from orders._checks import quote
from orders._extras import missing_extra
from orders.errors import BadOrderParameters, OutputNotShared, SchedulerError
from orders.io.output import (
    SHARED_OUTPUT,
    AccountCounts,
    OutputRun,
    WrittenReplay,
    absolute,
    check_marked,
    discard,
    mark_folder,
    output_run,
    write_account,
    write_summary,
    write_whole,
)
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
    "PARTITION_BYTES",
    "WORKER_TIMEOUT",
    "OutputNotShared",
    "SchedulerError",
    "replay_files_on_dask",
    "write_replay_on_dask",
]

DEFAULT_BLOCK_SIZE = 32 * 2**20
"""Bytes of a file read by one split task (a block ends at the line end after it)."""
MIN_BLOCK_SIZE = 64 * 2**10
"""The smallest ``block_size``: each block is a task and a spill file, and
blocks of a few bytes would spend the run scheduling tasks and opening files."""
PARTITION_BYTES = 64 * 2**20
"""Bytes of log per partition, at most on average, that the default number of
partitions allows: with more bytes the run gets more partitions, so what a
replay task holds (its accounts' books) and the work lost when a worker dies
stay the same whatever the length of the log. 64 MiB are about half a million
lines of 120 bytes, some 20 s of replay for one core: long enough that a task's
scheduling is negligible, short enough to redo. A smaller figure would cut each
block's spill file into more and smaller pieces, each one a read."""

WORKER_TIMEOUT = 30.0
"""Seconds to wait, by default, for a cluster to have at least one worker."""

LARGEST_SHOWN = 3
"""Partitions named in the report of the largest ones."""

V = TypeVar("V")
"""What a replay task gives for each account: its result, or its written counts."""
T_co = TypeVar("T_co", covariant=True)


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
    spill: str | os.PathLike[str] | None = None,
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
    cluster's worker threads, or more for a log of more than that many times
    :data:`PARTITION_BYTES`; ``block_size`` is at least :data:`MIN_BLOCK_SIZE`.
    ``progress`` True reports to standard error as tasks finish; a callable
    gets each report.

    Between the two stages the lines are kept in a folder made for the run in
    ``spill`` (a directory every worker sees at the same path, created if
    missing; by default a new temporary directory of this process, which the
    workers of a local cluster see) and removed at the end of the run. A
    worker that does not see it raises :class:`~orders.errors.OutputNotShared`.
    """
    job = _job(paths, client, scheduler, workers, partitions, block_size, keep_refused,
               retention, progress)
    parent = None if spill is None else absolute(spill)
    with _cluster(client, scheduler, workers, connect_timeout) as used:
        return job.run(used, worker_timeout, lambda: SpillFolder.temporary(parent), ReturnBooks())


def write_replay_on_dask(
    paths: Sequence[str | os.PathLike[str]],
    directory: str | os.PathLike[str],
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
) -> WrittenReplay:
    """Replay log files of many accounts on Dask, as :func:`replay_files_on_dask`
    does, and write the results to ``directory`` (new, or empty) as
    :func:`orders.io.output.write_replay` writes them in one process, the same
    bytes: each worker writes the documents of the accounts it replayed, and
    only their counts come back to this process.

    Every worker must see ``directory`` at the same path (a shared file system;
    a relative path is resolved against this process's working directory); a
    worker that does not raises :class:`~orders.errors.OutputNotShared`. The
    lines are kept between the two stages in ``directory/.partitions-TOKEN``, removed
    before the summary is written. A ``directory`` that is not empty is refused
    before any cluster starts.
    """
    job = _job(paths, client, scheduler, workers, partitions, block_size, keep_refused,
               retention, progress)
    with output_run(directory) as run, _cluster(client, scheduler, workers,
                                                connect_timeout) as used:
        return job.run(used, worker_timeout, lambda: SpillFolder.made(run.spill, SHARED_OUTPUT),
                       WriteAccounts(run))


def _job(
    paths: Sequence[str | os.PathLike[str]],
    client: Any,
    scheduler: str | None,
    workers: int | None,
    partitions: int | None,
    block_size: int,
    keep_refused: int,
    retention: timedelta | None,
    progress: Callable[[str], None] | bool,
) -> _Job:
    """A replay of checked arguments, refused before any cluster starts."""
    files = checked_paths(paths)
    sizes = _check_arguments(files, workers, partitions, block_size)
    ReplaySettings(keep_refused, None, retention, None)  # refuses a bad keep_refused or retention
    if client is not None and scheduler is not None:
        raise BadOrderParameters(
            "give a client or a scheduler address, not both; got a client and "
            f"scheduler={quote(scheduler)}"
        )
    return _Job(files, sizes, partitions, block_size, keep_refused, retention, _reporter(progress))


@contextlib.contextmanager
def _cluster(
    client: Any, scheduler: str | None, workers: int | None, connect_timeout: float | None
) -> Iterator[Any]:
    """The client to run on: ``client``, one of the scheduler at ``scheduler``, or
    one of a local cluster of ``workers`` processes; what the call made is
    closed after it."""
    if client is not None:
        yield client
        return
    dask = dask_distributed()
    if scheduler is not None:
        with _connected(dask, scheduler, connect_timeout) as remote:
            yield remote
        return
    cluster = dask.LocalCluster(
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
        dashboard_address=":0",  # a free port: the default one may be taken
    )
    try:
        with dask.Client(cluster) as own:
            yield own
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


@attrs.frozen
class SpillFolder:
    """A run's folder for the lines between its two stages, marked so that each
    task can check it sees the folder this process made.

    It holds, for each block, its spill file (:class:`BlockSplit` says how it is
    laid out) and, when the block refused lines that name no account, the first
    of them in a file beside it."""

    path: str
    token: str
    advice: str
    """What makes the folder shared, for the error of a worker that does not see it."""

    @classmethod
    def made(cls, path: str, advice: str) -> SpillFolder:
        """A new folder at ``path``, which must not exist."""
        os.mkdir(path)
        return cls(path, mark_folder(path), advice)

    @classmethod
    def temporary(cls, parent: str | None) -> SpillFolder:
        """A new folder in ``parent`` (created if missing), or in this process's
        temporary directory, with the permissions of any folder its user makes
        (not only its owner's, since the workers may run as another user)."""
        if parent is None:
            advice = "give spill= (--spill) a directory every worker sees"
        else:
            advice = f"spill={parent!r} must name a directory every worker sees"
            os.makedirs(parent, exist_ok=True)
        return cls.made(os.path.join(parent or tempfile.gettempdir(),
                                     f"orders-spill-{secrets.token_hex(8)}"), advice)

    def check(self) -> None:
        """Refuse to read or write the folder unless this process sees the run's own."""
        check_marked(self.path, self.token, "spill folder", self.advice)

    def block_file(self, block: int) -> str:
        return os.path.join(self.path, f"block-{block}.lines")

    def refused_file(self, block: int) -> str:
        return os.path.join(self.path, f"block-{block}.refused")

    def remove(self) -> None:
        """Remove the folder and what it holds. It is renamed first, so that a split
        task still running after the run failed cannot add a file while it is removed."""
        discard(self.path, self.token)


def blocks(sizes: Sequence[int], block_size: int) -> list[tuple[int, int, int]]:
    """The blocks of files of ``sizes`` as ``(file index, start, end)``, in file and
    byte order."""
    result: list[tuple[int, int, int]] = []
    for index, size in enumerate(sizes):
        result.extend((index, start, min(start + block_size, size))
                      for start in range(0, max(size, 1), block_size))
    return result


@attrs.frozen
class BlockSplit:
    """What the split of one block returns: counts, neither lines nor places.

    The block's spill file begins with a header of ``partitions + 1`` offsets
    (8-byte little-endian integers counted from the end of the header): the piece
    of partition ``p`` is bytes ``[offset[p], offset[p + 1])`` after it. Each
    line of a piece is its number in the block, a space, its bytes and a line
    feed (a line read from a log holds none)."""

    lines: int
    """Every line of the block, blank ones included."""
    refused_count: int
    """Its lines that name no readable account; the first ``keep_refused`` are in
    its refused file (:meth:`SpillFolder.refused_file`)."""
    counts: array[int]
    """The lines of each partition's piece."""
    sizes: array[int]
    """The bytes of each partition's piece."""


def split_block(
    path: str,
    start: int,
    end: int,
    size: int,
    partitions: int,
    keep_refused: int,
    spill: SpillFolder,
    block: int,
) -> BlockSplit:
    """Read the lines that begin in bytes ``[start, end)`` of ``path``, a file of
    ``size`` bytes, sort them by partition and write them to the spill file of
    ``block``; line numbers count from 1 at the block's first line."""
    spill.check()
    pieces = [bytearray() for _ in range(partitions)]
    counts = array("q", bytes(8 * partitions))
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
        pieces[partition] += b"%d %s\n" % (number, raw)
        counts[partition] += 1
    sizes = array("q", (len(piece) for piece in pieces))
    write_whole(spill.block_file(block), [_header(sizes), *pieces])
    if refused.kept:
        write_whole(spill.refused_file(block), [_refusals_text(refused.kept)])
    return BlockSplit(len(lines), refused.count, counts, sizes)


def _refusals_text(refusals: Sequence[Refusal]) -> bytes:
    """Refused lines as JSON, which the client reads back (not a pickle, which
    would run code from a shared folder)."""
    return json.dumps([[refusal.line_number, refusal.excerpt, refusal.reason, refusal.path,
                        refusal.rule, refusal.order_id] for refusal in refusals]).encode("ascii")


def _header(sizes: array[int]) -> bytes:
    """Where each piece of ``sizes`` bytes begins, and where the last one ends."""
    return struct.pack(f"<{len(sizes) + 1}q", 0, *itertools.accumulate(sizes))


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


@attrs.frozen
class BlockTable:
    """What a replay task needs to know of every block: sent to the workers once,
    and shared by every partition's task."""

    spill: SpillFolder
    partitions: int
    offsets: array[int]
    """For each block, the lines of its file before it."""
    sources: tuple[str, ...]
    """For each block, its file as the caller named it."""

    @classmethod
    def of(
        cls, spill: SpillFolder, totals: SplitTotals, block_files: Sequence[int],
        files: Sequence[str],
    ) -> BlockTable:
        """The table of blocks split into ``totals``, block ``b`` a part of
        ``files[block_files[b]]``."""
        return cls(spill, len(totals.partition_lines), block_offsets(totals.lines, block_files),
                   tuple(files[index] for index in block_files))


def replay_partition(
    table: BlockTable,
    partition: int,
    outcome: Outcome[V, Any],
    keep_refused: int,
    retention: timedelta | None,
) -> dict[str, V]:
    """Fold one partition, its piece of each block read in turn, and give what
    ``outcome`` makes of each account."""
    table.spill.check()
    outcome.check()
    fold = ReplayFold(ReplaySettings(keep_refused, None, retention, None))
    for block, (offset, source) in enumerate(zip(table.offsets, table.sources, strict=True)):
        for line in _piece(table.spill.block_file(block), table.partitions, partition):
            number, _, raw = line.partition(b" ")
            fold.line(offset + int(number), raw, source)
    return {name: outcome.account(name, fold.account(name).result())
            for name in sorted(fold.accounts)}


def _piece(file: str, partitions: int, partition: int) -> list[bytes]:
    """The lines of ``partition``'s piece of the spill ``file``."""
    with open(file, "rb") as spilled:
        spilled.seek(8 * partition)
        begin, end = struct.unpack("<2q", spilled.read(16))
        if begin == end:
            return []
        spilled.seek(8 * (partitions + 1) + begin)
        return spilled.read(end - begin).split(b"\n")[:-1]


class Outcome(Protocol[V, T_co]):
    """What the replay tasks make of each account, and the run of their merge."""

    def check(self) -> None: ...

    def account(self, name: str, result: ReplayResult) -> V: ...

    def finish(self, replayed: Replayed[V]) -> T_co: ...


@attrs.frozen
class Replayed(Generic[V]):
    """What the replay gives: each account's result or counts, and the lines that
    name no account."""

    accounts: dict[str, V]
    unassigned: tuple[Refusal, ...]
    unassigned_count: int
    lines: int


class ReturnBooks:
    """Send every account's result, its book included, back to the client."""

    def check(self) -> None:
        """Nothing to check: nothing is written."""

    def account(self, name: str, result: ReplayResult) -> ReplayResult:
        return result

    def finish(self, replayed: Replayed[ReplayResult]) -> AccountsResult:
        return AccountsResult(replayed.accounts, replayed.unassigned, replayed.unassigned_count,
                              replayed.lines)


@attrs.frozen
class WriteAccounts:
    """Write every account's document where it was replayed; send back its counts."""

    run: OutputRun

    def check(self) -> None:
        self.run.check()

    def account(self, name: str, result: ReplayResult) -> AccountCounts:
        return write_account(self.run, name, result)

    def finish(self, replayed: Replayed[AccountCounts]) -> WrittenReplay:
        return write_summary(self.run, replayed.accounts, replayed.unassigned,
                             replayed.unassigned_count, replayed.lines)


class SplitTotals:
    """What the client keeps of the splits: per block, its lines and refused lines;
    per partition, its lines and bytes. Each split's own counts are added as it
    finishes and dropped, so the client holds blocks plus partitions numbers,
    never their product."""

    def __init__(self, blocks: int, partitions: int) -> None:
        self.lines = array("q", bytes(8 * blocks))
        self.refused = array("q", bytes(8 * blocks))
        self.partition_lines = array("q", bytes(8 * partitions))
        self.partition_bytes = array("q", bytes(8 * partitions))

    def add(self, block: int, split: BlockSplit) -> None:
        self.lines[block] = split.lines
        self.refused[block] = split.refused_count
        self.partition_lines = array("q", map(operator.add, self.partition_lines, split.counts))
        self.partition_bytes = array("q", map(operator.add, self.partition_bytes, split.sizes))

    def partition_sizes(self) -> list[tuple[int, int]]:
        """Each partition's lines and bytes, over every block."""
        return list(zip(self.partition_lines, self.partition_bytes, strict=True))


def block_offsets(lines: Sequence[int], block_files: Sequence[int]) -> array[int]:
    """For each block of ``lines`` lines, the lines of its file in the blocks before it."""
    offsets, seen, current = array("q"), 0, None
    for count, file_index in zip(lines, block_files, strict=True):
        if file_index != current:
            current, seen = file_index, 0
        offsets.append(seen)
        seen += count
    return offsets


def first_refusals(
    table: BlockTable, refused: Sequence[int], keep_refused: int
) -> tuple[Refusal, ...]:
    """The first ``keep_refused`` lines the splits refused (``refused`` of each
    block), in the order of the files and their lines, read from the blocks'
    refused files until there are enough."""
    kept: list[Refusal] = []
    for block, count in enumerate(refused):
        if len(kept) >= keep_refused:
            break
        if count:
            with open(table.spill.refused_file(block), "rb") as spilled:
                kept += [Refusal(table.offsets[block] + number, excerpt, reason,
                                 table.sources[block], path=path, rule=rule, order_id=order_id)
                         for number, excerpt, reason, path, rule, order_id in json.load(spilled)]
    return tuple(kept[:keep_refused])


def merged(
    accounts: Mapping[str, V], totals: SplitTotals, table: BlockTable, keep_refused: int
) -> Replayed[V]:
    """The run's result: every account's, in name order, with the lines the split
    refused (the first ``keep_refused`` of them) and every line's count."""
    return Replayed({name: accounts[name] for name in sorted(accounts)},
                    first_refusals(table, totals.refused, keep_refused),
                    sum(totals.refused), sum(totals.lines))


def largest_first(sizes: Sequence[tuple[int, int]]) -> list[int]:
    """The partitions of ``sizes`` (lines, bytes) by lines, then bytes, the largest
    first; of equal ones, the lower number first."""
    return sorted(range(len(sizes)), key=lambda partition: (
        -sizes[partition][0], -sizes[partition][1], partition))


def largest_partitions(sizes: Sequence[tuple[int, int]], shown: int = LARGEST_SHOWN) -> str:
    """The ``shown`` largest partitions of ``sizes`` (lines, bytes) with their share
    of the lines, as reported before they are replayed: ``largest partitions: 7
    (31% of lines: 612,000 lines, 70.0 MiB), 2 (9%: ...), ...``."""
    total = sum(lines for lines, _ in sizes) or 1
    named = []
    for rank, partition in enumerate(largest_first(sizes)[:shown]):
        lines, size = sizes[partition]
        share = f"{lines / total:.0%}" + (" of lines" if rank == 0 else "")
        named.append(f"{partition} ({share}: {lines:,} lines, {size / 2**20:,.1f} MiB)")
    return "largest partitions: " + ", ".join(named)


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

    def run(
        self,
        client: Any,
        worker_timeout: float | None,
        spill_folder: Callable[[], SpillFolder],
        outcome: Outcome[V, T_co],
    ) -> T_co:
        """Split, replay and merge on ``client``'s cluster, the lines kept in between
        in the folder ``spill_folder()`` makes, and give the merge to ``outcome``."""
        _wait_for_a_worker(client, WORKER_TIMEOUT if worker_timeout is None else worker_timeout)
        started = time.monotonic()
        count = self.partitions or self.default_partitions(client)
        spans = blocks(self.sizes, self.block_size)
        spill = spill_folder()
        try:
            totals = self.split(client, spans, count, spill, started)
            table = BlockTable.of(spill, totals, [index for index, _, _ in spans], self.files)
            accounts = self.replay(client, table, totals.partition_sizes(), outcome, started)
            replayed = merged(accounts, totals, table, self.keep_refused)
        finally:
            spill.remove()
        return outcome.finish(replayed)

    def default_partitions(self, client: Any) -> int:
        """Twice the worker threads, or one partition per :data:`PARTITION_BYTES`
        of log when that gives more."""
        threads: int = max(sum(client.nthreads().values()), 1)
        return max(2 * threads, math.ceil(sum(self.sizes) / PARTITION_BYTES))

    def split(
        self,
        client: Any,
        spans: Sequence[tuple[int, int, int]],
        count: int,
        spill: SpillFolder,
        started: float,
    ) -> SplitTotals:
        resolved = [absolute(path) for path in self.files]  # workers may run elsewhere
        futures = [
            client.submit(split_block, resolved[index], start, end, self.sizes[index], count,
                          self.keep_refused, spill, block, pure=False)
            for block, (index, start, end) in enumerate(spans)
        ]
        totals = SplitTotals(len(spans), count)
        for block, split in _each_finished(client, futures, "split", "blocks", started,
                                           self.report):
            totals.add(block, split)
        return totals

    def replay(
        self,
        client: Any,
        table: BlockTable,
        sizes: Sequence[tuple[int, int]],
        outcome: Outcome[V, Any],
        started: float,
    ) -> dict[str, V]:
        if self.report is not None:
            self.report(largest_partitions(sizes))
        shared = client.scatter(table, broadcast=True, hash=False)
        order = largest_first(sizes)
        futures = [
            client.submit(replay_partition, shared, partition, outcome, self.keep_refused,
                          self.retention, priority=len(order) - rank, pure=False)
            for rank, partition in enumerate(order)
        ]
        accounts: dict[str, V] = {}
        for _, replayed in _each_finished(client, futures, "replayed", "partitions", started,
                                          self.report):
            accounts.update(replayed)
        return accounts


def _wait_for_a_worker(client: Any, timeout: float) -> None:
    """Return once the cluster has a worker; :class:`SchedulerError` when it has
    none after ``timeout`` seconds."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise SchedulerError(
            f"the scheduler at {client.scheduler.address} has no workers "
            f"(waited {timeout:g} s)"
        ) from None


def _each_finished(
    client: Any, futures: list[Any], stage: str, unit: str, started: float,
    report: Callable[[str], None] | None,
) -> Iterator[tuple[int, Any]]:
    """Each future's index and result as it finishes, reported, and released once
    taken; the first that fails cancels the others and raises its error."""
    index = {future.key: number for number, future in enumerate(futures)}
    try:
        for done, future in enumerate(dask_distributed().as_completed(futures), start=1):
            result = future.result()
            if report is not None:
                report(f"{stage} {done}/{len(futures)} {unit}, "
                       f"{time.monotonic() - started:.1f} s")
            yield index[future.key], result
            future.release()
    except BaseException:
        client.cancel(futures)
        raise
