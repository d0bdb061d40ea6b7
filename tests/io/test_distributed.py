"""The distributed replay on a local Dask cluster equals the single-process replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from orders.errors import BadOrderParameters
from orders.io.replay import replay_accounts, replay_files
from tests.support import assert_same, write_awkward_logs, write_logs

distributed = pytest.importorskip("distributed")

from orders.io.distributed import MIN_BLOCK_SIZE  # noqa: E402
from orders.io.distributed import replay_files_on_dask as replay_on_dask  # noqa: E402


@pytest.fixture(scope="module")
def client() -> object:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
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
    result = replay_on_dask(paths, workers=2, progress=reports.append)
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
