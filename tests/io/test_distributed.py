"""The distributed replay on a local Dask cluster equals the single-process replay."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from orders.errors import BadOrderParameters
from orders.io.documents import MAX_NESTING
from orders.io.replay import AccountsResult, Refusal, replay_accounts, replay_files
from tests.support import assert_same, write_awkward_logs, write_logs

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from orders.io.distributed import (  # noqa: E402
    MIN_BLOCK_SIZE,
    SchedulerError,
    merge,
    replay_files_on_dask as replay_on_dask,
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
    assert all(line.startswith(("split ", "replayed ")) for line in captured.err.splitlines())
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
    result = replay_on_dask(["day1.jsonl", "day2.jsonl"], client=client)
    assert_same(result, expected)
    assert result.unassigned[0].source == "day1.jsonl"  # as the caller named it


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


def test_the_refusals_of_partitions_are_merged_in_file_and_line_order() -> None:
    def refusal(number: int, source: str) -> Refusal:
        return Refusal(number, "x", "SerializationError: x", source)

    splits = [{"lines": 10, "refused": [refusal(2, "a")], "refused_count": 1},
              {"lines": 10, "refused": [refusal(1, "b")], "refused_count": 1}]
    partial = AccountsResult({}, (refusal(5, "a"), refusal(3, "b")), 2, 3)
    merged = merge(splits, [0, 0], ["a", "b"], [partial], keep_refused=3)
    assert [(r.source, r.line_number) for r in merged.unassigned] == [("a", 2), ("a", 5), ("b", 1)]
    assert (merged.unassigned_count, merged.lines) == (4, 20)


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
def test_a_file_longer_than_its_reported_size_is_refused(client: object) -> None:
    # /proc/cpuinfo reports a size of 0 and reads as several kilobytes.
    with pytest.raises(OSError, match="does not match its size") as raised:
        replay_on_dask(["/proc/cpuinfo"], client=client)
    assert raised.value.filename == "/proc/cpuinfo"


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
