"""A replay written to a directory: the file of each account, the summary, the checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orders.errors import BadOrderParameters, OutputNotShared
from orders.io.documents import dumps
from orders.io.output import (
    SUMMARY_FILE,
    account_file_name,
    account_json,
    check_shared,
    counts_of,
    prepare_output,
    read_written,
    utf8_text,
    write_replay,
    written_book,
)
from orders.io.replay import replay_files
from tests.support import write_awkward_logs, write_logs


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("alice", "alice.json"),
        ("Alice", "%41lice.json"),
        ("", "(none).json"),
        ("a/b", "a%2Fb.json"),
        ("..", "%2E%2E.json"),
        ("fund-1_x", "fund-1_x.json"),
        ("é", "%C3%A9.json"),
        ("\ud800", "%ED%A0%80.json"),
        ("(none)", "%28none%29.json"),
        ("con", "%63on.json"),
        ("com1", "%63om1.json"),
        ("nul", "%6Eul.json"),
        ("console", "console.json"),
    ],
)
def test_an_account_s_file_keeps_lower_case_letters_digits_and_two_marks_but_no_device_name(
    name: str, file: str
) -> None:
    assert account_file_name(name) == file


def test_a_long_account_name_ends_in_a_hash_of_the_whole_name() -> None:
    first, second = "a" * 300 + "1", "a" * 300 + "2"
    names = account_file_name(first), account_file_name(second)
    assert names[0] != names[1]
    assert all(len(name) <= 120 + len(".json") for name in names)
    assert names[0].startswith("a" * 80)
    assert names[0][-38:-5].startswith("~")


def test_a_long_name_is_cut_between_the_escapes_of_its_characters() -> None:
    file = account_file_name("É" * 100)
    kept = file.split("~")[0]
    assert kept
    assert set(kept.split("%C3%89")) == {""}


def test_the_written_files_are_the_json_of_each_account_and_a_summary(tmp_path: Path) -> None:
    paths = write_awkward_logs(tmp_path)
    expected = replay_files(paths)
    written = write_replay(paths, tmp_path / "out")
    folder = tmp_path / "out"
    for name, account in expected.accounts.items():
        text = (folder / written.accounts[name].file).read_text(encoding="utf-8")
        assert text == utf8_text(account_json(account)) + "\n"
        assert dumps(written_book(folder, name)) == dumps(account.book)
    assert written.accounts == counts_of(expected)
    assert (written.unassigned, written.unassigned_count, written.lines) == (
        expected.unassigned, expected.unassigned_count, expected.lines)
    assert written.refused_count == expected.refused_count
    assert read_written(folder) == written
    assert sorted(path.name for path in folder.iterdir()) == ["accounts", SUMMARY_FILE]


def test_the_summary_counts_each_account_s_orders_by_status(tmp_path: Path) -> None:
    paths = write_logs(tmp_path, lines=600, accounts=3)
    written = write_replay(paths, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / SUMMARY_FILE).read_text(encoding="utf-8"))
    expected = replay_files(paths)
    for name, account in expected.accounts.items():
        counts = summary["accounts"][name]
        assert counts["orders"] == len(account.book) == sum(counts["statuses"].values())
        assert counts["statuses"]["OPEN"] == sum(
            order.status.name == "OPEN" for order in account.book.orders.values())
        assert counts["file"] == "accounts/" + account_file_name(name)
    assert summary["lines"] == written.lines == expected.lines


def test_a_directory_that_is_not_empty_is_refused_before_anything_is_read(
    tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.json").write_text("{}")
    with pytest.raises(BadOrderParameters, match="not empty"):
        write_replay([tmp_path / "missing.jsonl"], tmp_path / "out")


def test_a_file_given_as_the_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("")
    with pytest.raises(BadOrderParameters, match="not a directory"):
        prepare_output(tmp_path / "out")


def test_a_relative_directory_is_resolved_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert prepare_output("out").directory == str(tmp_path / "out")


def test_a_process_that_does_not_see_the_run_s_mark_is_refused(tmp_path: Path) -> None:
    run = prepare_output(tmp_path / "out")
    directory, token = run.directory, run.token
    check_shared(directory, token)
    with pytest.raises(OutputNotShared, match="shared file system"):
        check_shared(directory, "another run")
    with pytest.raises(OutputNotShared, match=str(tmp_path / "elsewhere")):
        check_shared(str(tmp_path / "elsewhere"), token)


def test_a_run_that_could_not_read_its_log_leaves_its_directory_usable_again(
    tmp_path: Path,
) -> None:
    paths = write_logs(tmp_path, lines=100, accounts=2)
    with pytest.raises(FileNotFoundError):
        write_replay([tmp_path / "missing.jsonl"], tmp_path / "out")
    # the same call once the path is right: the first wrote nothing
    written = write_replay(paths, tmp_path / "out")
    assert written.lines == replay_files(paths).lines


def test_a_failed_run_removes_the_parent_directories_it_made_too(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_replay([tmp_path / "missing.jsonl"], tmp_path / "new" / "deeper" / "out")
    # the run made new/, new/deeper/ and out/: leaving the directory as it found it
    # means none of them is left
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_a_relative_directory_with_dot_dot_after_a_link_is_the_one_the_system_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real" / "sub")
    monkeypatch.chdir(tmp_path)
    given = os.path.join("link", "..", "out")  # the system resolves it to real/out
    run = prepare_output(given)
    assert os.path.isdir(given)
    assert os.path.samefile(run.directory, given)
    assert not (tmp_path / "out").exists()


def test_a_run_that_cannot_write_its_mark_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders.io import output

    def full_disk(folder: str, token: str) -> None:
        raise OSError(28, "No space left on device", os.path.join(folder, ".orders-run"))

    monkeypatch.setattr(output, "write_mark", full_disk)
    paths = write_logs(tmp_path, lines=100, accounts=2)
    with pytest.raises(OSError, match="No space left"):
        write_replay(paths, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # else the same command, run again, is refused
