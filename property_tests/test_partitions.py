"""Splitting a log by account into any number of partitions and blocks changes nothing.

The split and replay stages of :mod:`orders.distributed` run here in one
process, without Dask: every block is split, every partition replayed, and
the merged result must equal the single-process replay of the same files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from orders.io.distributed import (
    BlockTable,
    ReturnBooks,
    SpillFolder,
    SplitTotals,
    blocks,
    merged,
    replay_partition,
    split_block,
)
from orders.io.replay import AccountsResult, replay_files
from tests.support import assert_same, write_awkward_logs, write_logs

SMALL = write_logs(Path(tempfile.mkdtemp(prefix="orders-small-")), lines=150, accounts=3)
LARGE = write_logs(Path(tempfile.mkdtemp(prefix="orders-large-")), lines=2_500, accounts=6)
AWKWARD = write_awkward_logs(Path(tempfile.mkdtemp(prefix="orders-awkward-")))
EXPECTED = {id(paths): replay_files(paths) for paths in (SMALL, LARGE, AWKWARD)}


def replay_split(
    paths: list[Path], partitions: int, block_size: int, keep_refused: int
) -> AccountsResult:
    files = [str(path) for path in paths]
    sizes = [path.stat().st_size for path in paths]
    spans = blocks(sizes, block_size)
    spill = SpillFolder.temporary(None)
    try:
        totals = SplitTotals(len(spans), partitions)
        for block, (index, start, end) in enumerate(spans):
            totals.add(block, split_block(files[index], start, end, sizes[index], partitions,
                                          keep_refused, spill, block))
        table = BlockTable.of(spill, totals, [index for index, _, _ in spans], files)
        accounts = {}
        for partition in range(partitions):
            accounts.update(replay_partition(table, partition, ReturnBooks(), keep_refused, None))
        replayed = merged(accounts, totals, table, keep_refused)
    finally:
        spill.remove()
    return ReturnBooks().finish(replayed)


@settings(max_examples=20, deadline=None)
@given(partitions=st.integers(1, 12), block_size=st.integers(24, 400))
def test_blocks_shorter_and_longer_than_a_line_give_the_single_process_result(
    partitions: int, block_size: int
) -> None:
    assert_same(replay_split(SMALL, partitions, block_size, 10_000), EXPECTED[id(SMALL)])


@settings(max_examples=20, deadline=None)
@given(partitions=st.integers(1, 12), block_size=st.integers(2_000, 100_000))
def test_any_number_of_partitions_gives_the_single_process_result(
    partitions: int, block_size: int
) -> None:
    assert_same(replay_split(LARGE, partitions, block_size, 10_000), EXPECTED[id(LARGE)])


def test_the_first_refusals_are_kept_across_blocks() -> None:
    expected = replay_files(LARGE, keep_refused=1)
    assert expected.unassigned_count == 2
    assert len(expected.unassigned) == 1
    assert_same(replay_split(LARGE, 4, 700, 1), expected)


@settings(max_examples=30, deadline=None)
@given(partitions=st.integers(1, 5), block_size=st.integers(1, 700))
def test_bytes_that_are_not_utf8_crlf_ends_and_surrogates_split_as_one_process_reads_them(
    partitions: int, block_size: int
) -> None:
    assert_same(replay_split(AWKWARD, partitions, block_size, 10_000), EXPECTED[id(AWKWARD)])


def test_a_file_that_grew_after_its_size_was_taken_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "growing.jsonl"
    log.write_bytes(b"not json\n")
    size = log.stat().st_size
    log.write_bytes(b"not json\n" * 3)
    spill = SpillFolder.made(str(tmp_path / "spill"), "")
    with pytest.raises(OSError, match=r"does not match its size \(9 bytes when the replay began\)"):
        split_block(str(log), 0, size, size, 2, 10, spill, 0)
    with pytest.raises(OSError, match="does not match its size"):
        split_block(str(log), 0, 100, 100, 2, 10, spill, 0)  # shorter than its size
