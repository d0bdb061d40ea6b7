"""``python -m orders replay`` run as a user runs it: its output is always UTF-8,
its errors one line on standard error with the documented exit status."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from orders import (
    ORDER_STATUS,
    DecimalOrder,
    Fill,
    OrderBook,
    Snapshot,
    VenueOrder,
    dumps,
    reconcile,
    snapshot_of,
    structure,
)

ORDER_ID, ASSET, REASON, ACCOUNT = "o\ud800", "X\udcff", "why\ud800", "acct\udcff"


def line(**record: object) -> bytes:
    return json.dumps(record).encode()  # ASCII: the surrogates are written as \u escapes


def surrogate_log(folder: Path, *, account: str | None = None) -> Path:
    """A log whose order id, asset, cancel reason (and account) hold lone surrogates,
    and a line that is refused."""
    named = {} if account is None else {"account": account}
    path = folder / "log.jsonl"
    path.write_bytes(b"\n".join([
        line(op="order", **named, order={"id": ORDER_ID, "dt": "2024-01-15T09:30:00",
                                          "asset": ASSET, "amount": "10"}),
        line(op="event", **named, order_id=ORDER_ID,
             event={"type": "Cancel", "reason": REASON}),
        line(op="event", **named, order_id="ghost\ud800", event={"type": "Cancel"}),
    ]) + b"\n")
    return path


def run(*arguments: str | bytes, locale: str = "C.UTF-8",
        environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LC_ALL": locale, **(environment or {})}
    env.pop("PYTHONIOENCODING", None)
    return subprocess.run([sys.executable, "-m", "orders", "replay", *arguments],
                          capture_output=True, env=env, check=False)


# Under the C locale Python writes standard output with surrogateescape, which
# turned a name holding "\udcff" into the raw byte 0xff.
LOCALES = ["C.UTF-8", "C"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("mode", [[], ["--summary"]])
def test_a_table_of_names_with_lone_surrogates_is_utf8_with_the_surrogates_escaped(
    tmp_path: Path, locale: str, mode: list[str]
) -> None:
    result = run(str(surrogate_log(tmp_path)), *mode, locale=locale)
    assert (result.returncode, result.stderr) == (1, b"")
    out = result.stdout.decode("utf-8")  # strict: raises on anything that is not UTF-8
    assert "X\\udcff" in out
    assert "ghost\\ud800" in out  # the refused line's reason names the unknown order
    if not mode:
        assert "o\\ud800" in out
        assert "why\\ud800" in out
        header, _, row = out.splitlines()[:3]
        assert row.index("CANCELLED") == header.index("status")  # escapes keep columns


@pytest.mark.parametrize("locale", LOCALES)
def test_json_of_names_with_lone_surrogates_is_utf8_and_loads_back_to_the_same_names(
    tmp_path: Path, locale: str
) -> None:
    result = run(str(surrogate_log(tmp_path)), "--json", locale=locale)
    assert (result.returncode, result.stderr) == (1, b"")
    output = json.loads(result.stdout.decode("utf-8"))
    order = structure(output["book"], OrderBook)[ORDER_ID]
    assert (order.asset, order.reason) == (ASSET, REASON)
    assert "names 'ghost\\ud800'" in output["refused"][0]["reason"]  # a repr in the reason


@pytest.mark.parametrize("locale", LOCALES)
def test_per_account_output_escapes_account_names_and_file_names(
    tmp_path: Path, locale: str
) -> None:
    log = surrogate_log(tmp_path, account=ACCOUNT)
    odd_name = tmp_path / os.fsdecode(b"day\xff.jsonl")
    log.rename(odd_name)
    result = run(os.fsencode(odd_name), "--accounts", locale=locale)
    assert (result.returncode, result.stderr) == (1, b"")
    out = result.stdout.decode("utf-8")
    assert out.splitlines()[2].split()[:2] == ["acct\\udcff", "1"]
    assert out.splitlines()[1].split()[0] == "-" * len("acct\\udcff")  # the column fits
    assert f"{tmp_path}/day\\udcff.jsonl:3: UnknownOrderError" in out
    as_json = run(os.fsencode(odd_name), "--accounts", "--json", locale=locale)
    output = json.loads(as_json.stdout.decode("utf-8"))
    assert list(output["accounts"]) == [ACCOUNT]
    assert output["accounts"][ACCOUNT]["refused"][0]["source"] == os.fspath(odd_name)


# Usage errors and logs that cannot be read: one line on standard error, status 2.


def assert_one_line_error(result: subprocess.CompletedProcess[bytes], says: str) -> None:
    assert result.returncode == 2
    assert result.stdout == b""
    error = result.stderr.decode("utf-8")
    assert len(error.strip().splitlines()) == 1, error
    assert says in error
    assert "Traceback" not in error


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"],
         "--workers starts a local cluster; --scheduler uses a running one"),
        (["--accounts", "--summary"], "--summary applies to the replay of one log"),
        (["--workers", "0"], "--workers must be 1 or more; got 0"),
        (["--json", "--summary"], "not allowed with argument"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    tmp_path: Path, arguments: list[str], says: str
) -> None:
    log = surrogate_log(tmp_path)
    assert_one_line_error(run(*arguments, str(log)), says)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_a_file_that_fails_while_it_is_read_is_named_in_the_error() -> None:
    # /proc/self/mem opens, but reading its first page fails (EIO).
    result = run("--accounts", "/proc/self/mem")
    assert_one_line_error(result, "cannot read /proc/self/mem: ")


@pytest.mark.parametrize(
    "address", ["notanaddress", "tcp://127.0.0.1:1", "tls://127.0.0.1:1", "ucx://127.0.0.1:1"])
def test_a_scheduler_that_cannot_be_reached_is_one_line(tmp_path: Path, address: str) -> None:
    pytest.importorskip("distributed")
    log = surrogate_log(tmp_path)
    result = run("--scheduler", address, str(log),
                 environment={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert_one_line_error(result, f"cannot connect to the Dask scheduler at {address}: ")


def test_main_writes_to_a_text_stream_put_in_place_of_standard_output(tmp_path: Path) -> None:
    from orders.__main__ import main

    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["replay", "--summary", str(surrogate_log(tmp_path))]) == 1
    assert "X\\udcff" in out.getvalue()


# Control characters from a log or a file name are shown escaped, never written raw.

CONTROL_ID, CONTROL_ASSET = "a\nb\r\x1b[2Jc\x9b\x7f", "S\tT"


def control_log(folder: Path) -> Path:
    path = folder / "control.jsonl"
    path.write_bytes(b"\n".join([
        line(op="order", order={"id": CONTROL_ID, "dt": "2024-01-15T09:30:00",
                                "asset": CONTROL_ASSET, "amount": "1"}),
        line(op="order", order={"id": "back\\slash\n", "dt": "2024-01-15T09:30:01",
                                "asset": "plain\\", "amount": "1"}),
        line(op="event", order_id=CONTROL_ID, event={"type": "Cancel", "reason": "r1\nr2"}),
        b'{"op": "dance", "x": "\x1b[31m red\n',
    ]) + b"\n")
    return path


RAW_CONTROLS = [chr(code) for code in [*range(0x20), *range(0x7f, 0xa0)] if chr(code) != "\n"]


def assert_no_raw_controls(text: str) -> None:
    assert not any(control in text for control in RAW_CONTROLS), repr(text)


def test_control_characters_in_the_table_are_escaped_and_keep_the_columns(tmp_path: Path) -> None:
    result = run(str(control_log(tmp_path)))
    assert (result.returncode, result.stderr) == (1, b"")
    out = result.stdout.decode("utf-8")
    assert_no_raw_controls(out)
    header, _, first, second = out.splitlines()[:4]
    assert first.split()[:2] == ["a\\nb\\r\\x1b[2Jc\\x9b\\x7f", "S\\tT"]
    assert second.split()[:2] == ["back\\\\slash\\n", "plain\\"]  # doubled only when escaped
    assert first.index("CANCELLED") == header.index("status")
    assert "r1\\nr2" in first
    assert len(out.splitlines()) == 8  # the table, the totals and one refused line


def test_control_characters_in_the_summary_and_per_account_output_are_escaped(
    tmp_path: Path,
) -> None:
    log = control_log(tmp_path)
    odd_name = log.rename(tmp_path / "day\n1\x1b.jsonl")
    for mode in (["--summary"], ["--accounts"]):
        result = run(str(odd_name), *mode)
        assert result.returncode == 1
        out = result.stdout.decode("utf-8")
        assert_no_raw_controls(out)
        assert out.count("\n") == result.stdout.count(b"\n")
    assert "S\\tT" in run(str(odd_name), "--summary").stdout.decode()
    assert f"{tmp_path}/day\\n1\\x1b.jsonl:4: SerializationError" in run(
        str(odd_name), "--accounts").stdout.decode()


def test_an_error_naming_a_file_with_control_characters_is_one_escaped_line(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "no\nsuch\x1b[2J.jsonl")
    for arguments in ([missing], ["--accounts", missing]):
        result = run(*arguments)
        assert_one_line_error(result, "no\\nsuch\\x1b[2J.jsonl")
        assert_no_raw_controls(result.stderr.decode())


def test_the_json_output_keeps_control_characters_exactly(tmp_path: Path) -> None:
    output = json.loads(run(str(control_log(tmp_path)), "--json").stdout)
    order = structure(output["book"], OrderBook)[CONTROL_ID]
    assert (order.asset, order.reason) == (CONTROL_ASSET, "r1\nr2")


# Closed or broken standard streams do not change the exit status.


def shell(command: str, folder: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["sh", "-c", f"{sys.executable} -m orders replay {command}"],
                          capture_output=True, cwd=folder, check=False,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})


@pytest.mark.parametrize("closed", ["2>&-", ">&-"])
def test_a_closed_standard_stream_keeps_the_documented_status(
    tmp_path: Path, closed: str
) -> None:
    surrogate_log(tmp_path)
    for command, status in ((f"log.jsonl {closed}", 1), (f"missing.jsonl {closed}", 2),
                            (f"--workers 0 log.jsonl {closed}", 2)):
        result = shell(command, tmp_path)
        assert result.returncode == status, result.stderr
        assert b"Traceback" not in result.stderr


class _BrokenPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_an_error_written_to_a_broken_pipe_keeps_the_status(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders.__main__ import main

    monkeypatch.setattr(sys, "stderr", _BrokenPipe())
    assert main(["replay", "/no/such/log.jsonl"]) == 2
    assert main(["replay", "--accounts", "/no/such/log.jsonl"]) == 2


def test_every_error_has_the_same_prefix(tmp_path: Path) -> None:
    log = str(surrogate_log(tmp_path))
    for arguments in (["--workers", "x", log], ["--workers", "0", log], ["--bogus", log],
                      ["missing.jsonl"], ["--accounts", "missing.jsonl"]):
        assert run(*arguments).stderr.decode().startswith("python -m orders: ")


def test_the_workers_help_names_the_dask_extra() -> None:
    assert "needs the dask extra" in " ".join(run("--help").stdout.decode().split())


def test_the_json_of_a_live_log_holds_the_requests_in_flight_and_the_refused_answer(
    tmp_path: Path,
) -> None:
    log = tmp_path / "live.jsonl"
    log.write_bytes(b"\n".join([
        line(op="order", order={"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "10", "limit": "5"}),
        line(op="event", order_id="a", event={"type": "CancelRequested", "request_id": "c1"}),
        line(op="event", order_id="a", event={"type": "Replaced", "request_id": "r9"}),
    ]) + b"\n")
    result = run(str(log), "--json")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    (order,) = structure(output["book"], OrderBook).orders.values()
    assert [request.request_id for request in order.pending] == ["c1"]
    (refused,) = output["refused"]
    assert refused["line_number"] == 3
    assert refused["reason"].startswith("UnknownRequestError: Replaced answers a ReplaceRequested")


# --verify checks the chain a recorder writes with Recorder(..., chained=True).


def chained_log(folder: Path, name: str = "chained.jsonl", account: str | None = None) -> Path:
    from orders import Recorder
    from tests.io.test_recording import _session

    lines: list[str] = []
    _session(Recorder(lines.append, account=account, chained=True))
    path = folder / name
    path.write_text("".join(text + "\n" for text in lines), encoding="utf-8")
    return path


def with_line_removed(path: Path, number: int) -> Path:
    lines = path.read_bytes().splitlines(keepends=True)
    del lines[number - 1]
    path.write_bytes(b"".join(lines))
    return path


def assert_unverified(result: subprocess.CompletedProcess[bytes], says: str) -> None:
    assert result.returncode == 3
    assert result.stdout == b""
    error = result.stderr.decode("utf-8")
    assert len(error.strip().splitlines()) == 1, error
    assert error.startswith("python -m orders: ")
    assert says in error


@pytest.mark.parametrize("mode", [[], ["--json"], ["--summary"]])
def test_a_chained_log_verifies_and_replays_as_without_verify(
    tmp_path: Path, mode: list[str]
) -> None:
    log = str(chained_log(tmp_path))
    verified, plain = run(log, "--verify", *mode), run(log, *mode)
    assert (verified.returncode, verified.stdout) == (0, plain.stdout)
    assert f"the chain of {log} holds over 17 lines, ending at " in verified.stderr.decode()


def test_a_chained_log_on_standard_input_verifies(tmp_path: Path) -> None:
    with chained_log(tmp_path).open("rb") as log:
        result = subprocess.run([sys.executable, "-m", "orders", "replay", "-", "--verify"],
                                stdin=log, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_broken_chain_names_its_line_and_exits_3(tmp_path: Path) -> None:
    log = with_line_removed(chained_log(tmp_path), 4)
    assert_unverified(run(str(log), "--verify"),
                      f"the chain of {log} breaks at line 4: line 4 does not follow from line 3")
    # Without --verify the chain means nothing: the log replays, its event for the
    # removed order refused.
    assert run(str(log)).returncode == 1


def test_a_broken_chain_among_several_files_names_the_file(tmp_path: Path) -> None:
    good = chained_log(tmp_path, "a.jsonl", account="a")
    bad = with_line_removed(chained_log(tmp_path, "b.jsonl", account="b"), 2)
    assert_unverified(run(str(good), str(bad), "--verify"),
                      f"the chain of {bad} breaks at line 2: ")
    other = chained_log(tmp_path, "c.jsonl", account="c")
    result = run(str(good), str(other), "--verify", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["accounts"].keys() == {"a", "c"}
    assert result.stderr.decode().count("holds over 17 lines") == 2


def test_verify_on_a_log_without_a_chain_says_there_is_nothing_to_verify(tmp_path: Path) -> None:
    log = str(surrogate_log(tmp_path))
    assert_unverified(run(log, "--verify"), f"nothing to verify: no line of {log} holds a chain")
    assert_unverified(run("--verify", "--accounts", log), "nothing to verify: no line of ")


def test_the_bundled_session_is_chained_and_verifies() -> None:
    verified, plain = run("--verify"), run()
    assert (verified.returncode, verified.stdout) == (1, plain.stdout)  # its refused lines
    assert "the chain of the example log session.jsonl holds over 32 lines" in (
        verified.stderr.decode())


def test_the_help_names_the_status_of_a_log_that_does_not_verify() -> None:
    assert "exits with status 3" in " ".join(run("--help").stdout.decode().split())


# python -m orders reconcile BOOK.json SNAPSHOT.json: 0 without findings, 1 with, 2 unreadable.


def reconcile_files(folder: Path, snapshot: Snapshot | None = None) -> list[str]:
    """A book of one open order "a", and the venue's snapshot (by default: "a"
    filled by f-1, which the book missed, and "x", which the book does not hold)."""
    book = OrderBook().submit(
        DecimalOrder(datetime(2024, 1, 15, 9, 30), "AAPL", 10, limit="100.00", id="a")).book
    if snapshot is None:
        snapshot = Snapshot({
            "a": VenueOrder("a", ORDER_STATUS.FILLED, 10, "99.50",
                            fills=(Fill(10, "99.50", fill_id="f-1"),)),
            "x": VenueOrder("x", ORDER_STATUS.OPEN, 0),
        })
    (folder / "book.json").write_text(dumps(book))
    (folder / "snapshot.json").write_text(dumps(snapshot))
    return [str(folder / "book.json"), str(folder / "snapshot.json")]


def run_reconcile(*arguments: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "orders", "reconcile", *arguments],
                          capture_output=True, check=False)


def test_reconcile_prints_the_steps_then_the_findings_and_exits_1(tmp_path: Path) -> None:
    result = run_reconcile(*reconcile_files(tmp_path))
    assert (result.returncode, result.stderr) == (1, b"")
    event = "Fill quantity=10 price=99.50 commission=0 fill_id=f-1"
    assert result.stdout.decode().splitlines() == [
        "order  event",
        "-----  " + "-" * len(event),
        "a      " + event,
        "",
        "1 steps, 1 findings",
        "  the venue reports order x (OPEN, 0 filled), which the book does not hold; "
        "not created",
    ]


def test_reconcile_json_holds_each_step_s_event_document_and_each_finding(
    tmp_path: Path,
) -> None:
    result = run_reconcile(*reconcile_files(tmp_path), "--json")
    assert (result.returncode, result.stderr) == (1, b"")
    output = json.loads(result.stdout)
    assert output["findings"] == [{
        "type": "UnknownToBook", "order_id": "x",
        "text": "the venue reports order x (OPEN, 0 filled), which the book does not hold; "
                "not created",
    }]
    [step] = output["steps"]
    assert (step["order_id"], step["inferred"]) == ("a", False)
    assert structure(step["event"]) == Fill(10, "99.50", fill_id="f-1")


def test_reconcile_without_findings_exits_0_even_with_steps(tmp_path: Path) -> None:
    venue = OrderBook().submit(DecimalOrder(datetime(2024, 1, 15, 9, 30), "AAPL", 10,
                                            limit="100.00", id="a").fill(4, 99, fill_id="f-1"))
    result = run_reconcile(*reconcile_files(tmp_path, snapshot_of(venue.book)))
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode().splitlines()[-1] == "1 steps, 0 findings"


def test_a_book_that_cannot_be_read_is_one_line_and_exits_2(tmp_path: Path) -> None:
    _, snapshot = reconcile_files(tmp_path)
    result = run_reconcile(snapshot, snapshot)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == (
        f"python -m orders: cannot read the book {snapshot}: at $.type: the document holds a "
        "Snapshot, not a OrderBook\n")


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (None, "cannot read the snapshot {path}: No such file or directory"),
        ("{", "cannot read the snapshot {path}: not JSON: "),
        ("book", "cannot read the snapshot {path}: at $.type: the document holds a OrderBook, "
                 "not a Snapshot"),
    ],
)
def test_a_snapshot_that_cannot_be_read_is_one_line_and_exits_2(
    tmp_path: Path, write: str | None, says: str
) -> None:
    book, snapshot = reconcile_files(tmp_path)
    Path(snapshot).unlink()
    if write is not None:
        Path(snapshot).write_text(Path(book).read_text() if write == "book" else write)
    result = run_reconcile(book, snapshot)
    assert (result.returncode, result.stdout) == (2, b"")
    error = result.stderr.decode()
    assert error.startswith(f"python -m orders: {says.format(path=snapshot)}")
    assert error.count("\n") == 1


def test_the_reconcile_help_names_its_exit_statuses() -> None:
    shown = " ".join(run_reconcile("--help").stdout.decode().split())
    assert "exits with status 0 when there are no findings, 1 when there are some" in shown


def test_the_table_marks_an_inferred_fill_and_says_when_there_are_no_steps() -> None:
    from orders.__main__ import render_reconciliation

    book = OrderBook().submit(
        DecimalOrder(datetime(2024, 1, 15, 9, 30), "MSFT", 5, limit="400.00", id="m")).book
    totals_only = Snapshot({"m": VenueOrder("m", ORDER_STATUS.FILLED, 5, "399.50")})
    shown = render_reconciliation(reconcile(book, totals_only)).splitlines()
    assert shown[2] == ("m      Fill quantity=5 price=399.50 commission=0 fill_id=inferred:m:5 "
                        "(inferred)")
    assert shown[4:] == ["1 steps, 1 findings", "  order m: inferred fill inferred:m:5 of 5 at "
                         "399.50, from the venue's cumulative quantity and average price"]
    assert render_reconciliation(reconcile(OrderBook(), Snapshot({}))) == (
        "no steps\n\n0 steps, 0 findings")


def test_reconcile_without_files_reconciles_the_bundled_session_with_its_snapshot() -> None:
    result = run_reconcile()
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "python -m orders: 3 lines of the example log session.jsonl were refused; the book "
        "is what the other lines make (python -m orders replay lists them)\n")
    shown = result.stdout.decode().splitlines()
    assert [row.split()[:2] for row in shown[2:5]] == [
        ["googl-sell", "Fill"], ["meta-buy", "Fill"], ["intc-buy", "Cancel"]]
    assert shown[2].endswith("fill_id=inferred:googl-sell:25 (inferred)")
    assert "fill_id=E2" in shown[3]
    assert shown[6:] == [
        "3 steps, 2 findings",
        "  order googl-sell: inferred fill inferred:googl-sell:25 of 25 at 145.02, from the "
        "venue's cumulative quantity and average price",
        "  the venue reports order orcl-desk (OPEN, 0 filled), which the book does not hold; "
        "not created",
    ]


def test_reconcile_json_on_the_bundled_files() -> None:
    from orders.__main__ import EXAMPLE_LOG, EXAMPLE_SNAPSHOT

    data = Path(__file__).resolve().parents[1] / "orders" / "data"
    result = run_reconcile(str(data / EXAMPLE_LOG), str(data / EXAMPLE_SNAPSHOT), "--json")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert [(step["order_id"], step["inferred"]) for step in output["steps"]] == [
        ("googl-sell", True), ("meta-buy", False), ("intc-buy", False)]
    assert structure(output["steps"][1]["event"]) == Fill(
        30, "369.80", commission="0.15", fill_id="E2",
        dt=datetime.fromisoformat("2024-01-15T19:15:00+00:00"))
    assert [(finding["type"], finding["order_id"]) for finding in output["findings"]] == [
        ("InferredFill", "googl-sell"), ("UnknownToBook", "orcl-desk")]


def two_account_log(folder: Path) -> str:
    """A log of accounts "alice" and "bob", each with an open order "a"."""
    order = {"id": "a", "dt": "2024-01-15T09:30:00", "asset": "AAPL", "amount": "10",
             "limit": "100.00"}
    path = folder / "accounts.jsonl"
    path.write_bytes(b"\n".join(line(op="order", order=order, account=name)
                                for name in ("alice", "bob")) + b"\n")
    return str(path)


def test_reconcile_replays_a_log_and_reconciles_the_account_chosen(tmp_path: Path) -> None:
    _, snapshot = reconcile_files(tmp_path)
    log = two_account_log(tmp_path)
    result = run_reconcile(log, snapshot, "--account", "bob")
    assert (result.returncode, result.stderr) == (1, b"")
    assert result.stdout.decode().splitlines()[2] == (
        "a      Fill quantity=10 price=99.50 commission=0 fill_id=f-1")


@pytest.mark.parametrize(
    ("account", "says"),
    [
        ([], "the log {log} holds several accounts ('alice', 'bob'): choose one with "
             "--account NAME"),
        (["--account", "carol"], "the log {log} holds no lines of account 'carol'; its "
                                 "accounts: 'alice', 'bob'"),
    ],
)
def test_reconcile_refuses_a_log_whose_account_is_not_clear(
    tmp_path: Path, account: list[str], says: str
) -> None:
    _, snapshot = reconcile_files(tmp_path)
    log = two_account_log(tmp_path)
    result = run_reconcile(log, snapshot, *account)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"python -m orders: {says.format(log=log)}\n"


def test_reconcile_refuses_an_account_for_a_book_and_one_file_alone(tmp_path: Path) -> None:
    book, snapshot = reconcile_files(tmp_path)
    chosen = run_reconcile(book, snapshot, "--account", "bob")
    assert (chosen.returncode, chosen.stdout) == (2, b"")
    assert chosen.stderr.decode().startswith(
        "python -m orders: --account chooses an account of a log (.jsonl); ")
    alone = run_reconcile(book)
    assert (alone.returncode, alone.stdout) == (2, b"")
    assert "reconcile takes a book and a snapshot, or neither" in alone.stderr.decode()


# A log may hold snapshot lines: replay prints what each found.


def reconnect_log(folder: Path, *, chained: bool = False) -> Path:
    from orders import Recorder
    from tests.io.test_recording import reconnect_session

    lines: list[str] = []
    reconnect_session(Recorder(lines.append, chained=chained))
    path = folder / "reconnect.jsonl"
    path.write_text("".join(text + "\n" for text in lines), encoding="utf-8")
    return path


def test_replay_prints_what_each_snapshot_line_found(tmp_path: Path) -> None:
    log = str(reconnect_log(tmp_path, chained=True))
    for mode in ([], ["--summary"], ["--verify"]):
        result = run(log, *mode)
        assert result.returncode == 0, result.stderr
        shown = result.stdout.decode().splitlines()
        start = shown.index("1 snapshot lines reconciled")
        assert shown[start + 1:] == [
            "  line 6: snapshot reconciled, 3 steps applied, 2 findings",
            "    order btc: inferred fill inferred:btc:0.5 of 0.5 at 59990.5, from the venue's "
            "cumulative quantity and average price",
            "    the venue reports order elsewhere (OPEN, 0 filled), which the book does not "
            "hold; not created",
        ]


def test_replay_json_holds_each_snapshot_line_s_steps_and_findings(tmp_path: Path) -> None:
    log = str(reconnect_log(tmp_path))
    for output in (json.loads(run(log, "--json").stdout),
                   json.loads(run(log, "--accounts", "--json").stdout)["accounts"][""]):
        (reconciled,) = output["reconciled"]
        assert reconciled["line_number"] == 6
        assert [(step["order_id"], step["inferred"]) for step in reconciled["steps"]] == [
            ("btc", True), ("in", False), ("spy", False)]
        assert [finding["type"] for finding in reconciled["findings"]] == [
            "InferredFill", "UnknownToBook"]


# The documentation shows these commands' output: it must be what they print.

DOCS = Path(__file__).resolve().parents[1] / "docs"


def text_blocks(page: str) -> list[str]:
    """The ```text blocks of a documentation page, in order."""
    return re.findall(r"^```text\n(.*?)^```$", (DOCS / page).read_text(), re.M | re.S)


def test_the_documented_reconcile_of_the_bundled_files_is_what_it_prints() -> None:
    result = run_reconcile()
    shown = result.stdout.decode()
    assert shown.startswith("order       event\n")
    assert shown in text_blocks("reconciliation.md")


def test_the_documented_snapshot_lines_of_a_replay_are_what_it_prints(tmp_path: Path) -> None:
    shown = run(str(reconnect_log(tmp_path))).stdout.decode()
    (documented,) = (block for block in text_blocks("serialization.md")
                     if block.startswith("1 snapshot lines reconciled"))
    assert shown.endswith("\n" + documented)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_output_writes_each_account_and_prints_the_summary_table(tmp_path: Path) -> None:
    log = surrogate_log(tmp_path, account=ACCOUNT)
    done = run(str(log), "--output", str(tmp_path / "out"))
    assert done.returncode == 1, done.stderr  # the ghost's cancel is refused
    printed = done.stdout.decode("utf-8")
    assert "acct\\udcff" in printed
    assert "1 accounts, 3 lines replayed, 1 refused" in printed
    assert f"written to {tmp_path / 'out'}: summary.json" in printed
    from orders.io.output import write_replay

    write_replay([log], tmp_path / "again")
    assert _tree(tmp_path / "out") == _tree(tmp_path / "again")


def test_output_into_a_directory_that_is_not_empty_is_one_line_and_exits_2(
    tmp_path: Path,
) -> None:
    log = surrogate_log(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept.txt").write_text("mine")
    done = run(str(log), "--output", str(tmp_path / "out"))
    assert done.returncode == 2
    assert b"is not empty" in done.stderr
    assert done.stderr.count(b"\n") == 1
    assert (tmp_path / "out" / "kept.txt").read_text() == "mine"


def test_output_and_json_together_are_refused(tmp_path: Path) -> None:
    done = run(str(surrogate_log(tmp_path)), "--output", str(tmp_path / "out"), "--json")
    assert done.returncode == 2
    assert b"not allowed with argument" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_largest_accounts_are_named_with_their_share_of_the_lines(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    order = {"dt": "2024-01-15T09:30:00", "asset": "X", "amount": "1"}
    lines = [line(op="order", account="big", order={**order, "id": f"b{n}"}) for n in range(3)]
    lines.append(line(op="order", account="small", order={**order, "id": "s"}))
    log.write_bytes(b"\n".join(lines) + b"\n")
    printed = run(str(log), "--accounts").stdout.decode("utf-8")
    assert "largest accounts by lines: big 3 (75%), small 1 (25%)" in printed


def test_output_rerun_after_a_mistyped_log_writes_into_the_same_directory(
    tmp_path: Path,
) -> None:
    log = surrogate_log(tmp_path)
    out = str(tmp_path / "out")
    assert run(str(tmp_path / "lgo.jsonl"), "--output", out).returncode == 2
    done = run(str(log), "--output", out)
    assert done.returncode == 1, done.stderr  # the ghost's cancel is refused
    assert (tmp_path / "out" / "summary.json").is_file()


def test_an_output_directory_that_cannot_be_made_is_not_reported_as_unreadable(
    tmp_path: Path,
) -> None:
    log = surrogate_log(tmp_path)
    (tmp_path / "file").write_text("in the way")
    done = run(str(log), "--output", str(tmp_path / "file" / "out"))
    assert done.returncode == 2
    assert done.stderr.count(b"\n") == 1
    assert b"cannot read" not in done.stderr, done.stderr  # nothing failed to be read
    assert b"output" in done.stderr  # it names what failed: the output directory


@pytest.mark.parametrize("others", [["--output", "out"], []], ids=["with output", "alone"])
def test_spill_without_a_cluster_or_with_output_is_refused(
    tmp_path: Path, others: list[str]
) -> None:
    done = run(str(surrogate_log(tmp_path)), "--spill", str(tmp_path / "spill"), *others)
    assert done.returncode == 2
    assert b"--spill is for a replay with --workers or --scheduler" in done.stderr
    assert not (tmp_path / "spill").exists()


def test_a_file_of_the_output_that_cannot_be_written_is_named_as_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orders.__main__ import main
    from orders.io import output

    def refuse(path: str, parts: object) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(output, "write_whole", refuse)
    assert main(["replay", str(surrogate_log(tmp_path)), "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert f"cannot write {tmp_path / 'out'}{os.sep}" in error
    assert error.endswith(": Permission denied\n")
    assert not (tmp_path / "out").exists()  # the failed run took back what it made


def test_a_spill_folder_that_cannot_be_made_is_not_reported_as_unreadable(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    log = surrogate_log(tmp_path)
    (tmp_path / "file").write_text("in the way")
    done = run(str(log), "--workers", "1", "--spill", str(tmp_path / "file" / "spill"))
    assert done.returncode == 2
    assert done.stderr.count(b"\n") == 1, done.stderr
    assert b"cannot read" not in done.stderr, done.stderr  # the log was read; the spill not made


def test_a_cluster_s_own_failure_is_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    from orders.__main__ import main
    from orders.io import distributed

    def worker_lost(*arguments: object, **keywords: object) -> None:
        raise RuntimeError("a worker died while running replay_partition")

    monkeypatch.setattr(distributed, "replay_files_on_dask", worker_lost)
    assert main(["replay", str(surrogate_log(tmp_path)), "--workers", "1"]) == 2
    assert capsys.readouterr().err == ("python -m orders: the Dask run failed: RuntimeError: "
                                       "a worker died while running replay_partition\n")
