import decimal
import json
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    BadOrderParameters,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Fill,
    LimitOrder,
    NewRequested,
    OrderBook,
    Recorder,
    Refusal,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
)
from orders.__main__ import _Reading, accounts_json, as_json, main, progress_text
from orders.io.documents import MAX_NESTING, SerializationError, dumps, parse_json, structure
from orders.io.replay import EXCERPT, partition_of, replay, replay_accounts, replay_files

EXAMPLE = Path(__file__).resolve().parents[2] / "orders" / "data" / "session.jsonl"


def line(**record: object) -> str:
    return json.dumps(record)


def test_replay_folds_a_log_and_lists_refused_lines_without_stopping() -> None:
    log = [
        line(op="order", order={"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "10", "limit": "5.00"}),
        line(op="event", order_id="a", event={"type": "Fill", "quantity": "20", "price": "5"}),
        "this is not json",
        "",
        line(op="dance"),
        line(op="event", order_id="a", event={"type": "Fill", "quantity": "4", "price": "4.99",
                                              "fill_id": "f"}),
    ]
    result = replay(log)
    order = result.book["a"]
    assert (order.status, order.filled, order.filled_price) == (
        ORDER_STATUS.PARTIALLY_FILLED, 4, Decimal("4.99"),
    )
    assert [(refusal.line_number, refusal.reason.split(":")[0]) for refusal in result.refused] == [
        (2, "InvalidQuantityError"), (3, "SerializationError"), (5, "SerializationError"),
    ]
    assert result.refused[0].excerpt == log[1]
    assert (result.lines, result.refused_count) == (6, 3)


def test_replay_applies_prices_time_and_placements() -> None:
    log = [
        line(op="place", dt="2024-01-15T09:30:00", asset="X", amount="-5", ids=["t"],
             style={"type": "TrailingStopOrder", "trail_amount": "1"}),
        line(op="price", asset="X", price="10", dt="2024-01-15T09:31:00"),
        line(op="price", asset="X", price="8.5", dt="2024-01-15T09:32:00"),
        line(op="order", order={"id": "d", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "1", "limit": "1", "valid_until": "2024-01-15T16:00:00"}),
        line(op="time", dt="2024-01-15T16:00:00"),
    ]
    result = replay(log)
    assert result.refused == ()
    assert result.book["t"].status is ORDER_STATUS.TRIGGERED
    assert result.book["d"].expired


def test_replay_reports_progress() -> None:
    seen: list[int] = []
    replay([""] * 25, progress=seen.append, every=10)
    assert seen == [10, 20]


def test_the_bundled_session_replays_with_its_three_refusals() -> None:
    with EXAMPLE.open() as log:
        result = replay(log)
    statuses = {order_id: order.status.name for order_id, order in result.book.orders.items()}
    assert statuses == {
        "aapl-entry": "FILLED", "aapl-stop": "CANCELLED", "aapl-target": "FILLED",
        "msft-long": "FILLED", "msft-target": "CANCELLED", "msft-stop": "FILLED",
        "nvda-trail": "FILLED", "tsla-buy": "CANCELLED", "amd-day": "CANCELLED",
        "meta-buy": "PARTIALLY_FILLED", "googl-sell": "OPEN", "intc-buy": "OPEN",
    }
    assert result.book["tsla-buy"].filled == 15  # the late fill is recorded
    assert result.book["amd-day"].expired
    assert [refusal.reason.split(":")[0] for refusal in result.refused] == [
        "InvalidTransition", "FillConflictError", "UnknownOrderError",
    ]


def test_the_command_prints_a_table_and_the_refused_lines(capsys: object) -> None:
    assert main(["replay"]) == 1  # the bundled session holds three refused lines
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    lines = out.splitlines()
    assert lines[0].split() == ["id", "asset", "side", "type", "status", "filled/amount",
                                "avg", "price", "commission", "reason"]
    tsla = next(line for line in lines if line.startswith("tsla-buy"))
    assert tsla.split() == ["tsla-buy", "TSLA", "BUY", "limit", "CANCELLED", "15/30",
                            "~239.966667", "0.08", "strategy", "exit"]
    assert "expired" in next(line for line in lines if line.startswith("amd-day"))
    assert "12 orders: 4 CANCELLED, 5 FILLED, 2 OPEN, 1 PARTIALLY_FILLED" in lines
    assert "32 lines replayed, 3 refused" in out
    assert "  line 30: FillConflictError: fill 'T2' on order tsla-buy" in out


def test_the_command_prints_json_that_loads_back(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(line(op="order", order={"id": "a", "dt": "2024-01-15T09:30:00+00:00",
                                           "asset": "X", "amount": "3"}) + "\n")
    result = subprocess.run([sys.executable, "-m", "orders", "replay", str(log), "--json"],
                            capture_output=True, text=True, check=True)
    output = json.loads(result.stdout)
    assert (output["lines"], output["refused_count"], output["refused"]) == (1, 0, [])
    book = structure(output["book"], OrderBook)
    expected = OrderBook().submit(book["a"]).book
    assert dumps(book) == dumps(expected)
    filled = book.apply("a", Fill(3, 1, dt=datetime(2024, 1, 15, tzinfo=UTC))).book
    assert filled["a"].status is ORDER_STATUS.FILLED


# Whatever a line contains, it is applied or refused with its number and a
# reason; the replay never stops.

ORDER = line(op="order", order={"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "10", "limit": "5", "valid_until": "2024-01-15T16:00"})


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("[" * 100_000, "nested too deeply"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (line(op="time", dt="2024-01-15T16:00:00+00:00"), "TimeKindError"),
        (line(op="event", order_id="a", event={"type": "Fil"}),
         "at $.event.type: unknown event type 'Fil'"),
        (line(op="event", order_id="a", event={"type": "Fill", "price": "1"}),
         "at $.event.quantity: a required field is missing"),
        (line(op="event", order_id="a", event={"type": "Fill", "quantity": "1E+200000000",
                                                "price": "1"}),
         "at $.event.quantity: a decimal must lie within the bounds"),
        (line(op="order", order={"id": "b", "dt": "2024-01-15T09:30:00", "asset": "X",
                                 "amount": "1", "colour": "red"}), "at $.order: unknown field"),
        (line(op="price", asset="X", price="1", dt="tomorrow"), "at $.dt: expected an ISO 8601"),
        (line(op="event", order_id=["a"], event={"type": "Cancel"}), "at $.order_id"),
        ('{"op": "time", "op": "time", "dt": "2024-01-15T16:00:00"}', "duplicate key 'op'"),
        ("42", "a log line must be a JSON object"),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else repr(value)[:30],
)


def test_any_line_is_applied_or_refused_and_the_replay_goes_on(bad: str | bytes,
                                                                  reason: str) -> None:
    result = replay([ORDER, bad, line(op="event", order_id="a", event={"type": "Cancel"})])
    assert [refusal.line_number for refusal in result.refused] == [2]
    assert reason in result.refused[0].reason
    assert len(result.refused[0].excerpt) <= 120
    assert len(result.refused[0].reason) <= 500
    assert result.book["a"].status is ORDER_STATUS.CANCELLED


def test_a_utf8_bom_is_accepted_and_bytes_are_read_line_by_line() -> None:
    result = replay([b"\xef\xbb\xbf" + ORDER.encode(), b"\xff\n", b"\n"])
    assert "a" in result.book
    assert [refusal.line_number for refusal in result.refused] == [2]


def test_enum_values_are_accepted_by_name_or_number() -> None:
    log = [
        line(op="order", order={"id": "h", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "1", "status": "HELD", "order_type": "MARKET"}),
        line(op="order", order={"id": "n", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "1", "status": 4, "order_type": "market"}),
    ]
    result = replay(log)
    assert result.refused == ()
    assert {result.book[i].status for i in "hn"} == {ORDER_STATUS.HELD}


def test_only_the_first_refusals_are_kept_but_every_one_is_counted_and_reported() -> None:
    reported: list[Refusal] = []
    result = replay(["not json"] * 50, keep_refused=10, on_refused=reported.append)
    assert (len(result.refused), result.refused_count, len(reported)) == (10, 50, 50)
    assert reported[49].line_number == 50


def test_every_must_be_positive() -> None:
    with pytest.raises(BadOrderParameters, match="every must be a positive int"):
        replay([], every=0)


def run_cli(*arguments: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orders", *arguments], capture_output=True,
                          text=True, input=None if stdin is None else stdin.decode("latin-1"),
                          check=False)


@pytest.mark.parametrize("where", ["missing.jsonl", "."])
def test_the_command_reports_a_log_it_cannot_read_in_one_line(tmp_path: Path, where: str) -> None:
    result = run_cli("replay", str(tmp_path / where))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_exit_status_says_whether_lines_were_refused(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean.jsonl", tmp_path / "dirty.jsonl"
    clean.write_text(ORDER + "\n")
    dirty.write_bytes(ORDER.encode() + b"\n\xff\n" + b"[" * 100_000 + b"\n")
    assert run_cli("replay", str(clean)).returncode == 0
    result = run_cli("replay", str(dirty), "--json")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert [refusal["line_number"] for refusal in output["refused"]] == [2, 3]
    assert "Traceback" not in result.stderr


def test_output_to_a_closed_pipe_ends_quietly() -> None:
    command = f"{sys.executable} -m orders replay | head -n 1"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    assert result.stdout.startswith("id")
    assert result.stderr == ""


# Retention: finished orders are released as the log's clock moves on.


def _order_line(order_id: str, minute: int) -> str:
    return line(op="order", order={"id": order_id, "dt": f"2024-01-15T09:{minute:02}:00",
                                   "asset": "X", "amount": "1", "limit": "5.00"})


def _fill_line(order_id: str, minute: int) -> str:
    return line(op="event", order_id=order_id, event={
        "type": "Fill", "quantity": "1", "price": "5.00", "dt": f"2024-01-15T09:{minute:02}:00"})


def _price_line(minute: int) -> str:
    return line(op="price", asset="X", price="6.00", dt=f"2024-01-15T09:{minute:02}:00")


def test_retention_releases_orders_finished_before_the_clock_less_the_retention(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.modules["orders.io.replay"], "RELEASE_EVERY", 4)
    log = [_order_line("a", 0), _fill_line("a", 1), _order_line("b", 2), _price_line(10),
           _order_line("c", 11), _fill_line("c", 11), _price_line(12)]
    batches: list[list[str]] = []
    result = replay(log, retention=timedelta(minutes=5),
                    on_released=lambda orders: batches.append([o.id for o in orders]))
    assert batches == [["a"]]  # at line 4; c finished a minute before the end
    assert sorted(result.book.orders) == ["b", "c"]
    assert sorted(replay(log).book.orders) == ["a", "b", "c"]


def test_retention_is_a_timedelta() -> None:
    with pytest.raises(BadOrderParameters, match="retention must be a timedelta"):
        replay([], retention=5)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="retention must be a timedelta"):
        replay([], retention=timedelta(minutes=-1))


def test_the_clock_of_an_empty_book_takes_times_of_either_kind() -> None:
    log = [line(op="time", dt=dt) for dt in
           ("2024-01-15T09:00:00", "2024-01-15T10:00:00+00:00", "2024-01-15T11:00:00")]
    result = replay(log, retention=timedelta(hours=1))
    assert (result.lines, result.refused_count) == (3, 0)


def test_the_summary_counts_by_status_and_totals_by_asset(capsys: object) -> None:
    assert main(["replay", "--summary"]) == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    book = replay(EXAMPLE.read_bytes().splitlines()).book
    aapl = [order for order in book.orders.values() if str(order.asset) == "AAPL"]
    expected = [
        "AAPL", str(len(aapl)), "0",
        f"{sum(o.filled for o in aapl if o.filled > 0):f}",
        f"{-sum(o.filled for o in aapl if o.filled < 0):f}",
        f"{sum(o.notional for o in aapl):f}", f"{sum(o.commission for o in aapl):f}",
    ]
    assert next(row for row in out.splitlines() if row.startswith("AAPL")).split() == expected
    assert out.splitlines()[0] == "12 orders: 4 CANCELLED, 5 FILLED, 2 OPEN, 1 PARTIALLY_FILLED"
    assert not any(row.startswith("tsla-buy") for row in out.splitlines())  # no row per order
    assert "32 lines replayed, 3 refused" in out


def test_the_summary_keeps_identifiers_apart_and_its_totals_exact(
    tmp_path: Path, capsys: object
) -> None:
    huge = "1234567890123456789012345.678901"
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(
        line(op="order", order={"id": order_id, "dt": "2024-01-15T09:30:00", "asset": asset,
                                "amount": amount, "limit": "1"})
        for order_id, asset, amount in [("a", 1, "5"), ("b", "1", "5"), ("c", "X", "-" + huge)]
    ) + "\n" + "\n".join([
        line(op="event", order_id="c", event={"type": "Fill", "quantity": huge, "price": "1"}),
    ]) + "\n")
    with decimal.localcontext(decimal.Context(prec=28)):
        assert main(["replay", "--summary", str(log)]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert re.search(r"^1 \(int\) +1 +1 ", out, re.M)  # the int 1 and the str "1" apart
    assert re.search(r"^1 +1 +1 ", out, re.M)
    sold = re.search(r"^X +1 +0 +0 +(\S+)", out, re.M)
    assert sold is not None
    assert sold.group(1) == huge  # exact whatever the caller's precision


def test_the_summary_lists_only_the_first_refusals(tmp_path: Path, capsys: object) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("not json\n" * 25)
    assert main(["replay", "--summary", str(log)]) == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.count("  line ") == 10
    assert "and 15 more refused lines, not listed" in out


def test_progress_tells_the_rate_the_share_read_and_the_time_left() -> None:
    assert progress_text(100_000, 2.0, 250, 1_000) == (
        "replayed 100,000 lines at 50,000 lines/s, 25% of the log, about 6s left"
    )
    assert progress_text(100_000, 2.0, 10, 10_000).endswith("about 33m 18s left")
    assert progress_text(100_000, 4.0, 250, None) == "replayed 100,000 lines at 25,000 lines/s"


def test_a_log_file_reports_its_size_and_the_bytes_read(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(EXAMPLE.read_bytes())
    with log.open("rb") as file:
        reading = _Reading(file)
        assert reading.size == log.stat().st_size
        assert sum(1 for _ in reading) == 32
        assert reading.read == reading.size


def test_a_replay_of_one_account_refuses_the_lines_of_others() -> None:
    order = {"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X", "amount": "10"}
    log = [line(op="order", order=order, account="alice"),
           line(op="order", order=order, account="bob"),
           line(op="order", order={**order, "id": "b"})]
    result = replay(log, account="alice")
    assert list(result.book.orders) == ["a"]
    assert [refusal.line_number for refusal in result.refused] == [2, 3]
    assert "the line is for account 'bob'" in result.refused[0].reason
    assert list(replay(log).book.orders) == ["b"]  # the default account: lines naming none


def test_accounts_replays_one_file_per_account(tmp_path: Path, capsys: object) -> None:
    log = tmp_path / "log.jsonl"
    order = {"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X", "amount": "10"}
    log.write_text("\n".join([line(op="order", order=order, account="alice"),
                              line(op="order", order=order, account="bob")]))
    assert main(["replay", "--accounts", str(log)]) == 0
    rows = capsys.readouterr().out.splitlines()  # type: ignore[attr-defined]
    assert [row.split()[:3] for row in rows[2:4]] == [["alice", "1", "1"], ["bob", "1", "1"]]


@pytest.mark.parametrize("item", [None, 5, ["x"], 2.5, {"op": "time"}],
                         ids=["None", "int", "list", "float", "dict"])


def test_an_item_that_is_not_a_line_is_refused_with_its_number(item: object) -> None:
    cancel = line(op="event", order_id="a", event={"type": "Cancel"})
    result = replay([ORDER, item, cancel])  # type: ignore[list-item]
    [refusal] = result.refused
    assert refusal.line_number == 2
    assert refusal.reason == f"SerializationError: a log line is str or bytes; got {item!r}"
    assert refusal.excerpt == repr(item)
    assert result.book["a"].status is ORDER_STATUS.CANCELLED
    assert (result.lines, result.refused_count) == (3, 1)


@pytest.mark.parametrize("log", [None, 5, object()], ids=["None", "int", "object"])
def test_a_log_that_is_not_iterable_is_refused(log: object) -> None:
    with pytest.raises(BadOrderParameters,
                       match=r"lines must be an iterable of str or bytes \(a log\); got "):
        replay(log)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="lines must be an iterable"):
        replay_accounts(log)  # type: ignore[arg-type]


@pytest.mark.parametrize("log", ['{"op": "cancel"}\n{"op": "cancel"}', b'{"op": "cancel"}'])
def test_a_whole_text_given_as_the_log_is_refused_not_read_character_by_character(
    log: str | bytes,
) -> None:
    with pytest.raises(BadOrderParameters, match=r"not one (str|bytes): split a text"):
        replay(log)


@pytest.mark.parametrize("path", ["day1.jsonl", Path("day1.jsonl")])
def test_one_path_given_for_the_list_of_paths_is_refused(path: object) -> None:
    with pytest.raises(BadOrderParameters, match=r"not one path; got .*pass \[path\]"):
        replay_files(path)  # type: ignore[arg-type]


def test_the_excerpt_of_a_line_that_is_not_utf8_keeps_no_line_end() -> None:
    result = replay([b"\xff not utf-8\r\n", b"  \xfe\n"])
    assert [refusal.excerpt for refusal in result.refused] == ["\ufffd not utf-8", "\ufffd"]


def test_an_account_with_a_lone_surrogate_has_a_partition() -> None:
    assert partition_of("acct\ud800", 7) == partition_of("acct\ud800", 7) < 7
    assert partition_of("acct", 7) == zlib.crc32(b"acct") % 7  # valid names are unchanged


# A fixed nesting limit: a line is read the same wherever it is read.


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def parse_at_stack_depth(text: str, frames: int) -> object:
    """parse_json(text) called with about ``frames`` frames already on the stack."""
    if frames <= 0:
        return parse_json(text)
    return parse_at_stack_depth(text, frames - 1)


def test_json_nested_up_to_the_limit_is_read_and_deeper_is_refused_naming_both() -> None:
    assert MAX_NESTING == 100
    assert parse_json(nested(MAX_NESTING)) == parse_json(nested(MAX_NESTING).encode())
    for text in (nested(MAX_NESTING + 1), nested(MAX_NESTING + 1).encode(), nested(5_000)):
        depth = MAX_NESTING + 1 if len(text) < 1_000 else 5_000
        with pytest.raises(SerializationError,
                           match=fr"nested too deeply \({depth} levels; at most 100 are read\)"):
            parse_json(text)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    inside = json.dumps({"note": "[{" * 300, "more": ["\\\"[" * 200]})
    assert parse_json(inside) == json.loads(inside)


def test_the_nesting_limit_does_not_depend_on_the_stack_of_the_caller() -> None:
    deep_stack = sys.getrecursionlimit() - MAX_NESTING - 100
    assert parse_at_stack_depth(nested(MAX_NESTING), deep_stack) == parse_json(nested(MAX_NESTING))
    with pytest.raises(SerializationError, match=r"nested too deeply \(101 levels"):
        parse_at_stack_depth(nested(MAX_NESTING + 1), 0)


# Arguments that are not what replay reads are refused as a whole.


@pytest.mark.parametrize("log", [bytearray(b'{"op": "time"}\n'), memoryview(b'{"op": "time"}\n')],
                         ids=["bytearray", "memoryview"])


def test_a_buffer_given_as_the_log_is_refused_as_one_text(log: object) -> None:
    with pytest.raises(BadOrderParameters, match=r"not one (bytearray|memoryview): split a "
                                                 r"text.*got b'\{\"op\": \"time\"\}"):
        replay(log)  # type: ignore[arg-type]


@pytest.mark.parametrize("paths", [5, None, {"a.jsonl", "b.jsonl"}, frozenset({"a.jsonl"})],
                         ids=["int", "None", "set", "frozenset"])


def test_paths_that_are_not_an_ordered_sequence_are_refused(paths: object) -> None:
    with pytest.raises(BadOrderParameters, match="paths must be a sequence of paths"):
        replay_files(paths)  # type: ignore[arg-type]


def test_a_path_that_is_not_a_path_is_refused() -> None:
    with pytest.raises(BadOrderParameters, match=r"each path must be a str, bytes or "
                                                 r"os\.PathLike; got None"):
        replay_files([None])  # type: ignore[list-item]


def test_bytes_paths_are_decoded_so_refusals_name_them_as_text(tmp_path: Path) -> None:
    log = tmp_path / "day\udcff.jsonl"
    log.write_bytes(b"not json\n")
    result = replay_files([os.fsencode(log)])  # type: ignore[list-item]
    assert result.unassigned[0].source == str(log)
    assert json.loads(accounts_json(result))["unassigned"][0]["source"] == str(log)


def test_a_type_error_raised_while_a_log_is_iterated_is_not_called_not_iterable() -> None:
    class Broken:
        def __iter__(self) -> Iterator[str]:
            raise TypeError("the log's own bug")

    with pytest.raises(TypeError, match="the log's own bug"):
        replay(Broken())  # type: ignore[arg-type]


def test_the_excerpt_of_a_bytes_line_is_its_first_characters() -> None:
    result = replay([b"\xff" + "é".encode() * 200])  # not UTF-8: excerpted from its bytes
    assert result.refused[0].excerpt == "\ufffd" + "é" * (EXCERPT - 1)


def test_the_refusals_of_one_log_as_json_have_the_fields_of_a_refusal() -> None:
    refused = json.loads(as_json(replay(["not json"])))["refused"]
    assert list(refused[0]) == ["excerpt", "line_number", "reason"]


def test_an_accounts_result_counts_every_refused_line() -> None:
    result = replay_accounts(["not json", line(op="dance", account="a"), line(op="x")])
    assert result.refused_count == 3


def test_a_refusal_carries_the_fields_of_its_error() -> None:
    order = {"dt": "2024-01-15T10:00:00", "asset": "AAPL", "amount": "10", "limit": "100",
             "id": "a", "linked_order_ids": ["zz"]}
    log = [
        '{"op": "nope"}',
        '{"op": "order", "order": {"dt": "2024-01-15T10:00:00", "asset": "AAPL", "amount": "x"}}',
        '{"op": "order", "order": {"dt": "2024-01-15T10:00:00", "status": "LOST"}}',
        json.dumps({"op": "order", "order": order}),
        '{"op": "event", "order_id": "nope", "event": {"type": "Cancel"}}',
    ]
    result = replay(log)
    fields = [(refusal.path, refusal.rule, refusal.order_id) for refusal in result.refused]
    assert fields == [
        ("$.op", None, None),
        ("$.order.amount", None, None),
        ("$.order.status", None, None),
        (None, "links_name_known_orders", "zz"),
        (None, None, "nope"),
    ]


def test_the_errors_of_replay_name_their_path() -> None:
    from orders.io.replay import read_line

    refusal = read_line(1, '{"account": 5}')
    assert isinstance(refusal, Refusal)
    assert refusal.path == "$.account"


def test_replay_places_and_submits_immediate_and_post_only_orders() -> None:
    log = [
        line(op="place", dt="2024-01-15T09:30:00", asset="X", amount="5", ids=["p"],
             style={"type": "LimitOrder", "limit_price": "9"}, time_in_force="IOC",
             post_only=True),
        line(op="order", order={"id": "f", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "-1", "limit": "11", "time_in_force": "FOK",
                                "post_only": True}),
        line(op="place", dt="2024-01-15T09:30:00", asset="X", amount="5", ids=["m"],
             style={"type": "MarketOrder"}, post_only=True),
        line(op="place", dt="2024-01-15T09:30:00", asset="X", amount="5", ids=["n"],
             style={"type": "LimitOrder", "limit_price": "9"}, post_only="yes"),
    ]
    result = replay(log)
    placed, submitted = result.book["p"], result.book["f"]
    assert (placed.time_in_force, placed.post_only) == ("IOC", True)
    assert (submitted.time_in_force, submitted.post_only) == ("FOK", True)
    assert [(refusal.line_number, refusal.reason) for refusal in result.refused] == [
        (3, "BadOrderParameters: a market order cannot be post-only; post_only=True needs an "
            "order with a limit (limit, stop_limit or trailing_stop_limit)"),
        (4, "SerializationError: at $.post_only: expected a JSON bool; got 'yes'"),
    ]
# A live session: requests, the venue's answers and fills, as event lines.

LIVE_EVENTS: list[tuple[dict[str, object], Event]] = [
    ({"type": "NewRequested", "request_id": "n1"}, NewRequested("n1")),
    ({"type": "Acknowledged"}, Acknowledged()),
    ({"type": "Fill", "quantity": "3", "price": "4.99", "fill_id": "f1"},
     Fill(3, "4.99", fill_id="f1")),
    ({"type": "CancelRequested", "request_id": "c1"}, CancelRequested("c1")),
    ({"type": "CancelRejected", "reason": "too late", "code": "TOO_LATE", "request_id": "c1"},
     CancelRejected("too late", RequestRejectReason.TOO_LATE, "c1")),
    ({"type": "ReplaceRequested", "change": {"amount": "6"}, "request_id": "r1"},
     ReplaceRequested(Amend(amount=6), "r1")),
    ({"type": "Fill", "quantity": "1", "price": "5.00", "fill_id": "f2"},
     Fill(1, "5.00", fill_id="f2")),
    ({"type": "Replaced", "request_id": "r1"}, Replaced("r1")),
    ({"type": "ReplaceRequested", "change": {"limit": "4.90"}, "request_id": "r2"},
     ReplaceRequested(Amend(limit="4.90"), "r2")),
    ({"type": "ReplaceRejected", "code": "BROKER_OPTION", "request_id": "r2"},
     ReplaceRejected(code=RequestRejectReason.BROKER_OPTION, request_id="r2")),
    ({"type": "CancelRequested", "request_id": "c2", "reason": "flat"},
     CancelRequested("c2", "flat")),
]


def test_a_live_session_replays_to_the_book_its_events_make() -> None:
    placed = line(op="place", dt="2024-01-15T09:30:00", asset="X", amount="10", ids=["a"],
                  style={"type": "LimitOrder", "limit_price": "5.00"})
    log = [placed, *(line(op="event", order_id="a", event=written)
                     for written, _ in LIVE_EVENTS)]
    result = replay(log)
    assert result.refused == ()
    expected = OrderBook().place(datetime(2024, 1, 15, 9, 30), "X", 10, LimitOrder("5.00"),
                                 ids=["a"]).book
    for _, event in LIVE_EVENTS:
        expected = expected.apply("a", event).book
    assert result.book == expected
    order = result.book["a"]
    assert (order.status, order.filled, order.amount, order.limit) == (
        ORDER_STATUS.PARTIALLY_FILLED, Decimal(4), Decimal(6), Decimal("5.00"))
    assert order.pending == (CancelRequested("c2", "flat"),)
    cancelled = replay([*log, line(op="event", order_id="a", event={"type": "Cancel"})]).book
    assert (cancelled["a"].status, cancelled["a"].pending) == (ORDER_STATUS.CANCELLED, ())


def test_an_answer_with_no_request_in_flight_is_refused_like_any_event() -> None:
    log = [
        line(op="order", order={"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X",
                                "amount": "10", "limit": "5"}),
        line(op="event", order_id="a", event={"type": "Replaced", "request_id": "r9"}),
        line(op="event", order_id="a", event={"type": "CancelRejected", "code": 0}),
    ]
    result = replay(log)
    (unknown, unreadable) = result.refused
    assert unknown.reason.startswith(
        "UnknownRequestError: Replaced answers a ReplaceRequested with request id 'r9'")
    assert (unknown.line_number, unknown.order_id, unknown.path) == (2, "a", None)
    assert unreadable.reason.startswith(
        "SerializationError: at $.event.code: expected one of TOO_LATE")
    assert (unreadable.line_number, unreadable.path) == (3, "$.event.code")
    assert not result.book["a"].history
    refused = json.loads(as_json(result))["refused"]
    assert [entry["reason"] for entry in refused] == [unknown.reason, unreadable.reason]


def test_an_order_line_may_hold_requests_in_flight() -> None:
    order = {"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X", "amount": "10",
             "pending": [{"type": "ReplaceRequested", "change": {"amount": "4"},
                          "request_id": "r1"}, {"type": "CancelRequested"}]}
    result = replay([line(op="order", order=order),
                     line(op="order", order={**order, "id": "b", "pending": [{"type": "Fill"}]})])
    assert [type(request).__name__ for request in result.book["a"].pending] == [
        "ReplaceRequested", "CancelRequested"]
    (refusal,) = result.refused
    assert refusal.path == "$.order.pending[0].type"
    assert "unknown request type 'Fill'" in refusal.reason


# Snapshot lines: what the venue reported on a reconnect.

SPY_ORDER = ('{"op": "order", "order": {"id": "a", "dt": "2024-01-15T09:30:00", '
             '"asset": "SPY", "amount": "10", "limit": "400"}}')
FILLED_AT_THE_VENUE = {"orders": [{"order_id": "a", "status": "FILLED", "filled": "10",
                                   "average_price": "399.5"}], "positions": None}


@pytest.mark.parametrize("inferred", [True, False])
def test_a_snapshot_line_reconciles_the_book_and_keeps_its_findings(inferred: bool) -> None:
    snapshot = json.dumps({"op": "snapshot", "snapshot": FILLED_AT_THE_VENUE,
                           "inferred": inferred})
    result = replay([SPY_ORDER, "", snapshot])
    assert result.refused == ()
    assert result.book["a"].filled == (10 if inferred else 0)
    (reconciled,) = result.reconciled
    assert reconciled.line_number == 3
    assert [str(finding) for finding in reconciled.findings] == [
        "order a: inferred fill inferred:a:10 of 10 at 399.5, from the venue's cumulative "
        "quantity and average price"]
    assert len(reconciled.steps) == (1 if inferred else 0)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"snapshot": FILLED_AT_THE_VENUE},
         "SerializationError: at $: missing field 'inferred'"),
        ({"snapshot": FILLED_AT_THE_VENUE, "inferred": "yes"},
         "SerializationError: at $.inferred: "),
        ({"snapshot": {**FILLED_AT_THE_VENUE, "orders": [{"order_id": "a", "status": "DONE",
                                                          "filled": "10"}]}, "inferred": True},
         "SerializationError: at $.snapshot.orders[0].status: "),
        ({"snapshot": {"orders": []}, "inferred": True},
         "SerializationError: at $.snapshot: missing field 'positions'"),
    ],
)
def test_a_snapshot_line_that_cannot_be_read_is_refused_naming_the_field(
    fields: dict[str, object], reason: str
) -> None:
    result = replay([SPY_ORDER, json.dumps({"op": "snapshot", **fields})])
    (refusal,) = result.refused
    assert (refusal.line_number, refusal.reason[:len(reason)]) == (2, reason)
    assert refusal.path == reason.split()[2].rstrip(":")
    assert result.reconciled == ()
    assert result.book["a"].filled == 0


def test_a_snapshot_line_reconciles_the_book_of_its_account() -> None:
    order = json.loads(SPY_ORDER)
    log = [json.dumps({**order, "account": name}) for name in ("alice", "bob")]
    log.append(json.dumps({"op": "snapshot", "snapshot": FILLED_AT_THE_VENUE,
                           "inferred": True, "account": "bob"}))
    result = replay_accounts(log)
    assert result.accounts["alice"].book["a"].filled == 0
    assert result.accounts["bob"].book["a"].filled == 10
    assert result.accounts["alice"].reconciled == ()
    assert [line.line_number for line in result.accounts["bob"].reconciled] == [3]


def _day_only_session(log: list[str], account: str, day: datetime) -> None:
    """A day of DAY orders that ends flat: a round trip filled, an order left to expire
    at the close, and a time line at the close."""
    opened, close = day.replace(hour=9, minute=30), day.replace(hour=16)
    recorder = Recorder(log.append, account=account)
    for amount, limit, name in ((10, "100", "buy"), (-10, "101", "sell"), (5, "90", "rest")):
        recorder.submit(DecimalOrder(opened, "XYZ", amount, limit=limit, id=f"{name}-{day:%d}",
                                     time_in_force="DAY", valid_until=close))
    recorder.apply(f"buy-{day:%d}", Fill(10, "100", dt=opened + timedelta(minutes=1)))
    recorder.apply(f"sell-{day:%d}", Fill(10, "101", dt=opened + timedelta(minutes=2)))
    recorder.on_time(close)


def test_a_day_only_account_flat_at_each_close_gives_the_same_orders_replayed_day_by_day(
) -> None:
    whole: list[str] = []
    by_day: list[str] = []
    for day in (datetime(2024, 3, 4), datetime(2024, 3, 5)):
        _day_only_session(whole, "fund", day)
        _day_only_session(by_day, f"fund/{day:%Y-%m-%d}", day)
    once = replay_accounts(whole).accounts["fund"].book
    days = replay_accounts(by_day).accounts
    assert len(days) == 2
    assert all(not order.open for day in days.values() for order in day.book.orders.values())
    assert {order_id: order for day in days.values()
            for order_id, order in day.book.orders.items()} == dict(once.orders)


def test_an_order_working_past_the_close_makes_a_day_s_account_refuse_the_next_day_s_fill(
) -> None:
    day1, day2 = datetime(2024, 3, 4, 9, 30), datetime(2024, 3, 5, 9, 30)
    by_day: list[str] = []
    Recorder(by_day.append, account="fund/04").submit(
        DecimalOrder(day1, "XYZ", 10, limit="100", id="gtc"))
    by_day.append(json.dumps({"op": "event", "account": "fund/05", "order_id": "gtc", "event": {
        "type": "Fill", "quantity": "10", "price": "100", "dt": day2.isoformat()}}))
    refused = replay_accounts(by_day).accounts["fund/05"].refused
    assert [refusal.order_id for refusal in refused] == ["gtc"]
