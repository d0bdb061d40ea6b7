"""The distributed replay on a local Dask cluster equals the single-process replay."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import socket
import subprocess
import sys
import tempfile
import threading
import warnings
from array import array
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from orders.errors import BadOrderParameters, OutputNotShared
from orders.io.documents import MAX_NESTING
from orders.io.output import AccountCounts, mark_folder, prepare_output, write_replay
from orders.io.replay import (
    partition_of,
    replay_accounts,
    replay_files,
)
from tests.support import (
    assert_same,
    write_awkward_logs,
    write_logs,
    written_tree,
)

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from orders.io.distributed import (  # noqa: E402
    MIN_BLOCK_SIZE,
    BlockSplit,
    BlockTable,
    ReturnBooks,
    SchedulerError,
    SpillFolder,
    SplitTotals,
    WriteAccounts,
    largest_first,
    largest_partitions,
    merged,
    replay_files_on_dask as replay_on_dask,
    replay_partition,
    split_block,
    write_replay_on_dask,
)


@pytest.fixture(scope="module")
def client() -> object:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def test_a_local_cluster_replays_as_one_process(tmp_path: Path, client: object) -> None:
    paths = write_logs(tmp_path)
    expected = replay_files(paths)
    assert len(expected.accounts) == 9
    assert expected.unassigned_count == 2
    assert [refusal.line_number for refusal in expected.accounts["acct3"].refused] == [301]
    assert expected.accounts["acct3"].refused[0].source == str(paths[0])
    sizes = ((None, 32 * 2**20), (3, 2 * MIN_BLOCK_SIZE), (16, MIN_BLOCK_SIZE))
    for partitions, block_size in sizes:
        result = replay_on_dask(paths, client=client, partitions=partitions,
                                block_size=block_size)
        assert_same(result, expected)


def test_one_file_in_one_process_is_replay_accounts(tmp_path: Path) -> None:
    paths = write_logs(tmp_path)
    with paths[0].open("rb") as log:
        in_memory = replay_accounts(log)
    from_files = replay_files(paths[:1])
    assert in_memory.accounts.keys() == from_files.accounts.keys()
    for name, result in in_memory.accounts.items():
        assert result.book == from_files.accounts[name].book


def test_without_a_client_a_local_cluster_is_started(tmp_path: Path) -> None:
    paths = write_logs(tmp_path, lines=1_000, accounts=3)
    reports: list[str] = []
    with contextlib.ExitStack() as stack:
        with contextlib.suppress(OSError):  # else something else holds it already
            stack.enter_context(socket.create_server(("", 8787)))  # Dask's dashboard port
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = replay_on_dask(paths, workers=2, progress=reports.append)
    assert [str(warning.message) for warning in caught] == []
    assert_same(result, replay_files(paths))
    assert reports[-1].startswith("replayed ")


def test_the_command_line_gives_the_same_output_with_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client: object
) -> None:
    from orders.__main__ import main

    paths = [str(path) for path in write_logs(tmp_path, lines=1_500, accounts=4)]
    assert main(["replay", "--json", *paths]) == 1  # two lines are refused
    here = capsys.readouterr().out
    assert main(["replay", "--json", "--workers", "2", *paths]) == 1
    captured = capsys.readouterr()
    assert captured.out == here
    assert "replayed 4/" in captured.err
    assert all(line.startswith(("split ", "largest partitions: ", "replayed "))
               for line in captured.err.splitlines())
    address = client.scheduler.address  # type: ignore[attr-defined]
    assert main(["replay", "--json", "--scheduler", address, *paths]) == 1
    assert capsys.readouterr().out == here
    assert main(["replay", *paths]) == 1
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["account", "orders", "OPEN"]
    assert f"{paths[0]}:101: SerializationError: not JSON" in table


def test_awkward_bytes_give_the_same_result_and_the_same_json_as_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client: object
) -> None:
    from orders.__main__ import main

    paths = write_awkward_logs(tmp_path)
    expected = replay_files(paths)
    assert list(expected.accounts) == ["", "acct\ud800", "acct\udcff"]
    assert [refusal.excerpt for refusal in expected.unassigned] == [
        "\ufffd\ufffd not utf-8", "\ufffd cut", "\ufffdt\ufffd", "\ufffd"]
    assert_same(replay_on_dask(paths, client=client), expected)
    files = [str(path) for path in paths]
    assert main(["replay", "--json", *files]) == 1
    here = capsys.readouterr().out
    address = client.scheduler.address  # type: ignore[attr-defined]
    assert main(["replay", "--json", "--scheduler", address, *files]) == 1
    assert capsys.readouterr().out == here


def test_relative_paths_are_read_from_the_callers_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: object
) -> None:
    write_logs(tmp_path, lines=300, accounts=2)
    monkeypatch.chdir(tmp_path)  # the workers were started elsewhere
    expected = replay_files(["day1.jsonl", "day2.jsonl"])
    result = replay_on_dask(["day1.jsonl", "day2.jsonl"], client=client, spill="spill")
    assert_same(result, expected)
    assert result.unassigned[0].source == "day1.jsonl"  # as the caller named it
    assert list((tmp_path / "spill").iterdir()) == []  # the run's own folder, made there, is gone
    written = write_replay_on_dask(["day1.jsonl", "day2.jsonl"], "out", client=client)
    assert written.directory == str(tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").is_file()


def test_a_block_size_below_the_minimum_is_refused(tmp_path: Path) -> None:
    paths = write_logs(tmp_path, lines=10, accounts=1)
    with pytest.raises(BadOrderParameters,
                       match=f"block_size must be an int of at least {MIN_BLOCK_SIZE:,} "
                             r"bytes \(64 KiB\); got 999"):
        replay_on_dask(paths, block_size=999)


def test_one_path_given_for_the_list_of_paths_is_refused_before_any_cluster_starts() -> None:
    with pytest.raises(BadOrderParameters, match="not one path"):
        replay_on_dask("day1.jsonl")  # type: ignore[arg-type]


def deep_log(folder: Path) -> list[Path]:
    """Lines nested around the limit and far beyond it, between lines that apply."""
    time_line = b'{"account":"z","op":"time","dt":"2024-01-15T21:00:00+00:00"'
    lines = [time_line + b"}"]
    for depth in (MAX_NESTING, MAX_NESTING + 1, 900, 990):
        lines.append(time_line + b',"x":' + b"[" * depth + b"]" * depth + b"}")
        lines.append(b"[" * depth + b"]" * depth)
    path = folder / "deep.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return [path]


def test_deeply_nested_lines_give_the_same_result_and_json_on_both_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client: object
) -> None:
    from orders.__main__ import main

    paths = deep_log(tmp_path)
    expected = replay_files(paths)
    assert expected.refused_count == 8
    assert_same(replay_on_dask(paths, client=client), expected)
    files = [str(path) for path in paths]
    assert main(["replay", "--accounts", "--json", *files]) == 1
    here = capsys.readouterr().out
    address = client.scheduler.address  # type: ignore[attr-defined]
    assert main(["replay", "--json", "--scheduler", address, *files]) == 1
    assert capsys.readouterr().out == here


def test_the_refusals_of_the_splits_are_merged_in_block_order_the_same_file_twice_too(
    tmp_path: Path,
) -> None:
    spill = SpillFolder.made(str(tmp_path / "spill"), "")
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"junk one\njunk two\n")
    totals = SplitTotals(2, 1)
    for block in (0, 1):  # the same file given twice: two blocks
        totals.add(block, split_block(str(log), 0, 18, 18, 1, 10, spill, block))
    table = BlockTable.of(spill, totals, [0, 1], [str(log), str(log)])
    result = merged({}, totals, table, keep_refused=3)
    assert [refusal.excerpt for refusal in result.unassigned] == [
        "junk one", "junk two", "junk one"]
    assert (result.unassigned_count, result.lines) == (4, 4)


def test_a_file_that_is_not_a_regular_file_is_refused_before_any_cluster_starts(
    tmp_path: Path,
) -> None:
    with pytest.raises(OSError, match="not a regular file") as raised:
        replay_on_dask([tmp_path])
    assert raised.value.filename == str(tmp_path)
    assert not isinstance(raised.value, FileNotFoundError)  # it exists: it is not a file
    with pytest.raises(FileNotFoundError):
        replay_on_dask([tmp_path / "missing.jsonl"])


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="needs Linux's /proc")
def test_a_file_longer_than_its_reported_size_is_refused_and_the_spill_removed(
    tmp_path: Path, client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the default spill goes
    # /proc/cpuinfo reports a size of 0 and reads as several kilobytes.
    with pytest.raises(OSError, match="does not match its size") as raised:
        replay_on_dask(["/proc/cpuinfo"], client=client)
    assert raised.value.filename == "/proc/cpuinfo"
    with pytest.raises(OSError, match="does not match its size"):
        write_replay_on_dask(["/proc/cpuinfo"], tmp_path / "out", client=client)
    assert list(tmp_path.iterdir()) == []  # no spill, and the directory the run made is gone


@pytest.mark.parametrize("paths", [5, None, {"a.jsonl"}], ids=["int", "None", "set"])
def test_paths_that_are_not_a_sequence_are_refused(paths: object) -> None:
    with pytest.raises(BadOrderParameters, match="paths must be a sequence of paths"):
        replay_on_dask(paths)  # type: ignore[arg-type]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    listening = threading.Thread(
        target=lambda: accepted.append(server.accept()[0]), daemon=True)
    listening.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    for connection in accepted:
        connection.close()
    server.close()


def test_a_scheduler_that_never_answers_is_refused_after_the_connect_timeout(
    tmp_path: Path, silent_server: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from orders.__main__ import main

    paths = write_logs(tmp_path, lines=10, accounts=1)
    with pytest.raises(SchedulerError, match=f"the Dask scheduler at {silent_server} did not "
                                             "answer within 0.5 s"):
        replay_on_dask(paths, scheduler=silent_server, connect_timeout=0.5)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        assert main(["replay", "--scheduler", silent_server, *map(str, paths)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"python -m orders: the Dask scheduler at {silent_server} did not "
                            "answer within 0.5 s\n")


def test_a_scheduler_without_workers_is_refused_after_the_wait_for_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from orders.__main__ import main
    from orders.io import distributed as module

    paths = write_logs(tmp_path, lines=10, accounts=1)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        says = f"the scheduler at {empty.scheduler_address} has no workers \\(waited 0.3 s\\)"
        with pytest.raises(SchedulerError, match=says), distributed.Client(empty) as own:
            replay_on_dask(paths, client=own, worker_timeout=0.3)
        monkeypatch.setattr(module, "WORKER_TIMEOUT", 0.3)
        assert main(["replay", "--scheduler", empty.scheduler_address, *map(str, paths)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"python -m orders: the scheduler at {empty.scheduler_address} "
                            "has no workers (waited 0.3 s)\n")


def test_a_fifo_among_the_files_is_refused_at_once_with_workers(tmp_path: Path) -> None:
    log, fifo = write_logs(tmp_path, lines=10, accounts=1)[0], tmp_path / "fifo"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "orders", "replay", str(log), str(fifo), "--workers", "2"],
        capture_output=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == (f"python -m orders: cannot read {fifo}: not a regular "
                                      "file (the Dask replay reads files in blocks)\n")


def test_a_client_and_a_scheduler_address_together_are_refused(tmp_path: Path) -> None:
    paths = write_logs(tmp_path, lines=10, accounts=1)
    with pytest.raises(BadOrderParameters, match="give a client or a scheduler address, not "
                                                 "both; got a client and scheduler='tcp://x:1'"):
        replay_on_dask(paths, client=object(), scheduler="tcp://x:1")


def test_snapshot_lines_give_the_same_books_and_findings_as_one_process(
    tmp_path: Path, client: object
) -> None:
    from orders import Recorder
    from tests.io.test_recording import reconnect_session

    paths = []
    for day, accounts in enumerate((("alice", "bob"), ("carol", "dave", "erin"))):
        lines: list[str] = []
        for number, account in enumerate(accounts):
            reconnect_session(Recorder(lines.append, account=account), inferred=number % 2 == 0)
        paths.append(tmp_path / f"day{day}.jsonl")
        paths[-1].write_text("".join(text + "\n" for text in lines), encoding="utf-8")
    expected = replay_files(paths)
    assert [len(account.reconciled) for account in expected.accounts.values()] == [1] * 5
    assert expected.accounts["bob"].reconciled[0].source == str(paths[0])
    assert_same(replay_on_dask(paths, client=client, partitions=3), expected)


AWKWARD_NAMES = ("Alice", "alice", "Zo\u00eb", "a/b", "..", "acct\ud800", None)
"""Accounts whose file names must be escaped (None: the default account)."""


def write_named_account_logs(folder: Path) -> list[Path]:
    """Two files of sessions with snapshot lines, one per account of
    :data:`AWKWARD_NAMES`, each with a refused line of its own, and a line that
    names no readable account."""
    from orders import Recorder
    from tests.io.test_recording import reconnect_session

    paths = []
    for half, names in enumerate((AWKWARD_NAMES[:4], AWKWARD_NAMES[4:])):
        lines: list[str] = []
        for number, name in enumerate(names):
            reconnect_session(Recorder(lines.append, account=name), inferred=number % 2 == 0)
            tag = {} if name is None else {"account": name}
            lines.append(json.dumps({"op": "event", **tag, "order_id": "ghost",
                                     "event": {"type": "Cancel"}}))
        lines.insert(3, '{"op": "time", "account": ""}')
        paths.append(folder / f"named{half}.jsonl")
        # A lone surrogate is written as its JSON escape, which the Recorder's text keeps raw.
        paths[-1].write_bytes(b"".join(text.encode("utf-8", "backslashreplace") + b"\n"
                                       for text in lines))
    return paths


def test_a_replay_written_on_dask_is_the_one_process_directory_byte_for_byte(
    tmp_path: Path, client: object
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    paths = [*write_logs(logs), *write_awkward_logs(logs), *write_named_account_logs(logs)]
    one = write_replay(paths, tmp_path / "one")
    assert len(one.accounts) == 9 + 3 + 5  # acct\ud800 and the default account are in two
    assert {"accounts/%41lice.json", "accounts/a%2Fb.json",
            "accounts/%2E%2E.json", "accounts/(none).json"} <= {
        counts.file for counts in one.accounts.values()}
    assert one.unassigned_count == 2 + 4 + 2
    assert one.accounts["alice"].refused_count == 1
    assert one.accounts["Zo\u00eb"].refused_count == 1
    expected = written_tree(tmp_path / "one")
    assert b'"reconciled":[{"findings"' in expected["accounts/alice.json"]
    assert sum(path.stat().st_size for path in paths) > 10 * MIN_BLOCK_SIZE
    for partitions in (3, None):
        directory = tmp_path / f"dask-{partitions}"
        written = write_replay_on_dask(paths, directory, client=client, partitions=partitions,
                                       block_size=MIN_BLOCK_SIZE)
        assert written_tree(directory) == expected
        assert sorted(path.name for path in directory.iterdir()) == ["accounts", "summary.json"]
        assert (written.accounts, written.unassigned, written.lines) == (
            one.accounts, one.unassigned, one.lines)


def test_a_non_empty_output_directory_is_refused_before_any_cluster_starts(
    tmp_path: Path,
) -> None:
    paths = write_logs(tmp_path, lines=10, accounts=1)
    with pytest.raises(BadOrderParameters, match="is not empty"):
        # the scheduler is never connected to: there is none at that address
        write_replay_on_dask(paths, tmp_path, scheduler="tcp://127.0.0.1:1")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["day1.jsonl", "day2.jsonl"]


def one_file_log(folder: Path) -> Path:
    """A log of three accounts in which every line names its account."""
    from benchmarks.replay import log_lines

    path = folder / "log.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in log_lines(300, accounts=3)))
    return path


def test_the_split_returns_counts_and_neither_lines_nor_places(tmp_path: Path) -> None:
    path = one_file_log(tmp_path)
    spill = SpillFolder.made(str(tmp_path / "spill"), "give a shared one")
    size = path.stat().st_size
    split = split_block(str(path), 0, size, size, 3, 10, spill, 0)
    assert (split.lines, split.refused_count) == (300, 0)
    assert (len(split.counts), len(split.sizes)) == (3, 3)
    assert sum(split.counts) == 300
    assert b'"op"' not in pickle.dumps(split)
    spilled = Path(spill.block_file(0)).read_bytes()
    assert 8 * 4 + sum(split.sizes) == len(spilled)
    second = spilled[8 * 4 + split.sizes[0]:].split(b"\n")[0]
    number, _, raw = second.partition(b" ")
    assert raw == path.read_bytes().split(b"\n")[int(number) - 1]


def _table(spill: SpillFolder, splits: list[BlockSplit], partitions: int) -> BlockTable:
    totals = SplitTotals(len(splits), partitions)
    for block, split in enumerate(splits):
        totals.add(block, split)
    return BlockTable.of(spill, totals, [0] * len(splits), ["log.jsonl"])


def test_in_write_mode_a_replay_task_returns_counts_and_no_book(tmp_path: Path) -> None:
    path = one_file_log(tmp_path)
    run = prepare_output(tmp_path / "out")
    spill = SpillFolder.made(str(Path(run.directory, ".partitions")), "share it")
    size = path.stat().st_size
    table = _table(spill, [split_block(str(path), 0, size, size, 1, 10, spill, 0)], 1)
    written = replay_partition(table, 0, WriteAccounts(run), 10, None)
    assert list(written) == ["acct0", "acct1", "acct2"]
    assert all(type(counts) is AccountCounts for counts in written.values())
    assert b"OrderBook" not in pickle.dumps(written)
    assert (Path(run.accounts) / "acct1.json").is_file()  # accounts/ once the run ends
    returned = replay_partition(table, 0, ReturnBooks(), 10, None)
    assert returned == replay_files([path]).accounts


def test_what_the_client_keeps_of_the_splits_does_not_grow_with_blocks_times_partitions(
    tmp_path: Path,
) -> None:
    path = one_file_log(tmp_path)
    spill = SpillFolder.made(str(tmp_path / "spill"), "")
    size = path.stat().st_size

    def kept(blocks: int, partitions: int) -> int:
        totals = SplitTotals(blocks, partitions)
        split = split_block(str(path), 0, size, size, partitions, 10, spill, 0)
        for block in range(blocks):
            totals.add(block, split)
        table = BlockTable.of(spill, totals, [0] * blocks, ["log.jsonl"])
        return len(pickle.dumps((totals.__dict__, table)))

    assert kept(400, 400) < kept(20, 400) + kept(400, 20)


def test_a_task_that_does_not_see_the_runs_folder_is_refused(tmp_path: Path) -> None:
    path = one_file_log(tmp_path)
    size = path.stat().st_size
    elsewhere = SpillFolder(str(tmp_path), "a token", "give spill= a directory every worker sees")
    says = (f"the spill folder '{tmp_path}' on this machine is not the one the run made: every "
            "worker must see it, on a shared file system at the same path; give spill= a "
            "directory every worker sees")
    with pytest.raises(OutputNotShared, match=re.escape(says)):  # no mark at all
        split_block(str(path), 0, size, size, 1, 10, elsewhere, 0)
    mark_folder(str(tmp_path))  # another run's mark
    with pytest.raises(OutputNotShared, match=re.escape(says)):
        split_block(str(path), 0, size, size, 1, 10, elsewhere, 0)
    with pytest.raises(OutputNotShared, match="the spill folder"):
        replay_partition(BlockTable(elsewhere, 1, array("q"), ()), 0, ReturnBooks(), 10, None)
    spill = SpillFolder.made(str(tmp_path / "spill"), "share it")
    table = _table(spill, [split_block(str(path), 0, size, size, 1, 10, spill, 0)], 1)
    run = prepare_output(tmp_path / "out")
    with pytest.raises(OutputNotShared, match=r"the output directory .* is not the one the run"):
        replay_partition(table, 0, WriteAccounts(attrs.evolve(run, token="another")), 10, None)


def test_the_largest_partitions_are_named_with_their_share_of_the_lines() -> None:
    totals = SplitTotals(2, 4)
    totals.add(0, BlockSplit(220, 0, array("q", [10, 0, 200, 10]),
                             array("q", [100, 0, 2_100, 100])))
    totals.add(1, BlockSplit(330, 0, array("q", [10, 10, 300, 10]),
                             array("q", [100, 100, 3_100, 100])))
    sizes = totals.partition_sizes()
    assert sizes == [(20, 200), (10, 100), (500, 5_200), (20, 200)]
    assert largest_first(sizes) == [2, 0, 3, 1]
    assert largest_partitions(sizes) == (
        "largest partitions: 2 (91% of lines: 500 lines, 0.0 MiB), "
        "0 (4%: 20 lines, 0.0 MiB), 3 (4%: 20 lines, 0.0 MiB)")
    assert largest_partitions([(3, 3 * 2**20)], shown=5) == (
        "largest partitions: 0 (100% of lines: 3 lines, 3.0 MiB)")


class RecordingClient:
    """A client that records what is submitted to it, then submits it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.submitted: list[tuple[str, Any, dict[str, Any]]] = []

    def submit(self, function: Any, *arguments: Any, **keywords: Any) -> Any:
        self.submitted.append((function.__name__, arguments, keywords))
        return self.client.submit(function, *arguments, **keywords)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_the_largest_partitions_are_reported_and_submitted_first(
    tmp_path: Path, client: object
) -> None:
    paths = write_logs(tmp_path, lines=2_000, accounts=7)
    expected = replay_files(paths)
    lines = [0] * 4
    for name, account in expected.accounts.items():
        lines[partition_of(name, 4)] += account.lines
    assert len(set(lines)) == 4  # no tie: the order is the lines'
    recording = RecordingClient(client)
    reports: list[str] = []
    assert_same(replay_on_dask(paths, client=recording, partitions=4, progress=reports.append),
                expected)
    replays = [(arguments[1], keywords["priority"])
               for function, arguments, keywords in recording.submitted
               if function == "replay_partition"]
    largest = sorted(range(4), key=lambda partition: -lines[partition])
    assert replays == [(partition, 4 - rank) for rank, partition in enumerate(largest)]
    assert [function for function, _, _ in recording.submitted].count("split_block") == 2
    shown = [report for report in reports if report.startswith("largest partitions: ")]
    assert shown == [reports[reports.index(shown[0])]]
    assert shown[0].startswith(f"largest partitions: {largest[0]} "
                               f"({lines[largest[0]] / sum(lines):.0%} of lines: "
                               f"{lines[largest[0]]:,} lines, ")
    assert reports.index(shown[0]) < min(
        index for index, report in enumerate(reports) if report.startswith("replayed "))


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return int(server.getsockname()[1])


@pytest.fixture
def dask_processes(tmp_path: Path) -> Iterator[str]:
    """A ``dask scheduler`` and one ``dask worker``, started from the command line
    in another directory, as on a cluster; the scheduler's address."""
    dask_command = str(Path(sys.executable).with_name("dask"))
    root = str(Path(__file__).resolve().parents[2])
    environment = {**os.environ,
                   "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    address = f"tcp://127.0.0.1:{free_port()}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    started: list[subprocess.Popen[bytes]] = []
    try:
        for arguments in (["scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":")[-1],
                           "--no-dashboard"],
                          ["worker", address, "--nthreads", "1", "--no-dashboard",
                           "--no-nanny", "--host", "127.0.0.1"]):
            started.append(subprocess.Popen(
                [dask_command, *arguments], cwd=elsewhere, env=environment,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield address
    finally:
        for process in reversed(started):  # the worker first, while its scheduler still answers
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_scheduler_and_a_worker_started_apart_write_the_one_process_directory(
    tmp_path: Path, dask_processes: str
) -> None:
    paths = [*write_awkward_logs(tmp_path), *write_named_account_logs(tmp_path)]
    one = write_replay(paths, tmp_path / "one")
    written = write_replay_on_dask(paths, tmp_path / "cluster", scheduler=dask_processes,
                                   connect_timeout=10, worker_timeout=15)
    assert written_tree(tmp_path / "cluster") == written_tree(tmp_path / "one")
    assert (written.accounts, written.unassigned_count) == (one.accounts, 6)


def test_the_same_file_given_twice_keeps_the_one_process_order_of_unassigned_refusals(
    tmp_path: Path, client: object
) -> None:
    log = tmp_path / "day.jsonl"
    log.write_bytes(b"junk one\n" + json.dumps({"op": "time", "account": "a",
                                                "dt": "2024-01-15T21:00:00+00:00"}).encode()
                    + b"\njunk two\n")
    paths = [log, log]  # a sequence of paths, read in its order: twice here
    expected = replay_files(paths, keep_refused=2)
    assert [refusal.excerpt for refusal in expected.unassigned] == ["junk one", "junk two"]
    result = replay_on_dask(paths, client=client, keep_refused=2)
    assert [refusal.excerpt for refusal in result.unassigned] == ["junk one", "junk two"]
    assert_same(result, expected)
    write_replay(paths, tmp_path / "one")
    write_replay_on_dask(paths, tmp_path / "dask", client=client)
    assert written_tree(tmp_path / "dask") == written_tree(tmp_path / "one")


def test_a_run_that_could_not_reach_its_scheduler_leaves_its_directory_usable_again(
    tmp_path: Path, client: object
) -> None:
    paths = write_logs(tmp_path, lines=100, accounts=2)
    with pytest.raises(SchedulerError):
        write_replay_on_dask(paths, tmp_path / "out", scheduler="tcp://127.0.0.1:1",
                             connect_timeout=0.5)
    # the same command once the address is right: nothing was written by the first
    write_replay_on_dask(paths, tmp_path / "out", client=client)
    assert (tmp_path / "out" / "summary.json").is_file()


def test_the_clients_memory_does_not_grow_with_the_blocks_of_a_log_of_refused_lines(
    tmp_path: Path, client: object
) -> None:
    from tests.support import peak_bytes_allocated

    def peak_of_a_run(block_count: int) -> int:
        log = tmp_path / f"garbage-{block_count}.jsonl"
        log.write_bytes(b"x\n" * (block_count * MIN_BLOCK_SIZE // 2))  # every line refused
        return peak_bytes_allocated(lambda: write_replay_on_dask(
            [log], tmp_path / f"out-{block_count}", client=client, block_size=MIN_BLOCK_SIZE))

    peaks = {block_count: peak_of_a_run(block_count) for block_count in (4, 16)}
    # the run keeps the first keep_refused refusals; four times the lines must not
    # mean about four times the memory of this process
    assert peaks[16] < 2 * peaks[4], peaks


def test_a_failed_split_ends_the_run_without_waiting_for_every_other_block(
    tmp_path: Path, client: object
) -> None:
    log = tmp_path / "long.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in _long_log_lines(100 * MIN_BLOCK_SIZE)))
    reports: list[str] = []
    # /proc/cpuinfo reports a size of 0: its block, the first, fails at once
    with pytest.raises(OSError, match="does not match its size"):
        replay_on_dask(["/proc/cpuinfo", log], client=client, block_size=MIN_BLOCK_SIZE,
                       progress=reports.append)
    from orders.io.distributed import blocks

    block_count = len(blocks([0, log.stat().st_size], MIN_BLOCK_SIZE))
    splits = [report for report in reports if report.startswith("split ")]
    assert len(splits) < block_count, splits[-1]  # not a report per block, the failed one too


def _long_log_lines(size: int) -> list[bytes]:
    from benchmarks.replay import log_lines

    lines, total = [], 0
    for line in log_lines(10**7, accounts=8):
        if total >= size:
            break
        lines.append(line)
        total += len(line) + 1
    return lines


def test_a_log_path_with_dot_dot_after_a_link_is_read_as_one_process_reads_it(
    tmp_path: Path, client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    paths = write_logs(tmp_path / "real", lines=300, accounts=3)
    (tmp_path / "link").symlink_to(tmp_path / "real" / "sub")
    monkeypatch.chdir(tmp_path)
    given = [os.path.join("link", "..", path.name) for path in paths]  # real/day1.jsonl ...
    expected = replay_files(given)
    assert_same(replay_on_dask(given, client=client), expected)


@pytest.mark.parametrize("setting", [{"keep_refused": -1}, {"retention": timedelta(hours=-1)}],
                         ids=["keep_refused", "retention"])
def test_a_bad_keep_refused_or_retention_is_refused_before_any_cluster_starts(
    tmp_path: Path, setting: dict[str, Any]
) -> None:
    paths = write_logs(tmp_path, lines=100, accounts=2)
    with pytest.raises(BadOrderParameters):  # as write_replay refuses it, not a worker
        write_replay_on_dask(paths, tmp_path / "out", scheduler="tcp://127.0.0.1:1",
                             connect_timeout=0.5, **setting)
    assert not (tmp_path / "out").exists()


def test_a_replay_task_of_an_abandoned_run_does_not_write_into_the_next_run(
    tmp_path: Path,
) -> None:
    path = one_file_log(tmp_path)
    result = replay_files([path]).accounts["acct0"]
    first = prepare_output(tmp_path / "out")
    late = WriteAccounts(first)
    late.check()  # a task of the first run starts folding its partition
    first.abandon()  # the first run fails meanwhile (another partition's error)
    second = prepare_output(tmp_path / "out")  # and the same command is run again at once
    with contextlib.suppress(OutputNotShared, OSError):
        late.account("acct0", result)  # the late task finishes its fold and writes
    assert os.listdir(second.accounts) == []


def test_a_split_task_of_a_failed_run_does_not_write_into_the_next_runs_spill_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders.io import distributed as module

    path = one_file_log(tmp_path)
    size = path.stat().st_size
    first_run = prepare_output(tmp_path / "out")
    first = SpillFolder.made(first_run.spill, "share it")
    read = module._block_lines
    again: list[SpillFolder] = []

    def read_while_the_run_fails(*arguments: Any) -> list[bytes]:
        lines = read(*arguments)  # a 32 MiB block takes a while to read
        first.remove()  # meanwhile the first run fails, and removes its folder...
        first_run.abandon()
        second_run = prepare_output(tmp_path / "out")  # ...and the same command is run again
        again.append(SpillFolder.made(second_run.spill, "share it"))
        return lines

    monkeypatch.setattr(module, "_block_lines", read_while_the_run_fails)
    with contextlib.suppress(OutputNotShared, OSError):
        split_block(str(path), 0, size, size, 2, 10, first, 0)
    # else the second run's replay reads the first run's lines as its block 0
    assert sorted(os.listdir(again[0].path)) == [".orders-run"]
