"""A chained log verifies, and a log changed after it was written is named at
the first line that breaks its chain."""

from __future__ import annotations

import hashlib
import json

import pytest

from orders import OrderBook, Recorder, dumps, replay
from orders.errors import BadOrderParameters
from orders.io.chain import START, ChainBreak, verify_chain
from orders.io.log import line_text
from tests.io.test_recording import _session


def chained_log(account: str | None = None) -> list[str]:
    lines: list[str] = []
    _session(Recorder(lines.append, account=account, chained=True))
    return lines


def without_chain(text: str) -> str:
    record = json.loads(text)
    del record["chain"]
    return line_text(record)


def assert_breaks_at(lines: list[str], number: int, says: str) -> ChainBreak:
    check = verify_chain(lines)
    assert check.broken is not None, check
    assert check.broken.line_number == number
    assert says in check.broken.reason
    return check.broken


def test_every_line_holds_the_hash_of_the_previous_value_and_its_own_text() -> None:
    lines = chained_log()
    previous = START
    for text in lines:
        expected = hashlib.sha256((previous + without_chain(text)).encode()).hexdigest()
        assert json.loads(text)["chain"] == expected
        previous = expected
    assert START == "0" * 64


def test_the_recorder_chains_every_kind_of_line_it_writes() -> None:
    records = [json.loads(text) for text in chained_log(account="desk")]
    assert {record["op"] for record in records} == {
        "asset", "order", "event", "price", "bar", "time", "release"}
    assert all("chain" in record and record["account"] == "desk" for record in records)


def test_the_recorder_tells_the_last_chain_value_it_wrote() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append, chained=True)
    assert recorder.chain == START
    _session(recorder)
    assert recorder.chain == json.loads(lines[-1])["chain"]
    assert Recorder(lines.append).chain is None


def test_a_chained_log_verifies() -> None:
    lines = chained_log()
    check = verify_chain(lines)
    assert check.verified
    assert check.broken is None
    assert (check.lines, check.chained) == (len(lines), len(lines))
    assert check.last == json.loads(lines[-1])["chain"]


def test_blank_lines_and_a_byte_order_mark_are_read_as_replay_reads_them() -> None:
    lines = [text.encode() + b"\n" for text in chained_log()]
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines.insert(3, b"\n")
    check = verify_chain(lines)
    assert check.verified
    assert (check.lines, check.chained) == (len(lines), len(lines) - 1)


def test_a_chained_log_replays_to_the_same_book_as_the_log_without_its_chain() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append, chained=True)
    _session(recorder)
    result = replay(lines)
    assert result.refused == ()
    assert result.book == recorder.book
    assert dumps(result.book) == dumps(replay([without_chain(text) for text in lines]).book)


def test_a_changed_character_breaks_the_chain_at_its_line() -> None:
    lines = chained_log()
    index = next(i for i, text in enumerate(lines) if '"price":"61234.7"' in text)
    lines[index] = lines[index].replace('"price":"61234.7"', '"price":"61234.8"')
    assert_breaks_at(lines, index + 1, "its text was changed, or lines before it removed")


def test_a_changed_chain_value_is_named_as_such() -> None:
    lines = chained_log()
    value = json.loads(lines[2])["chain"]
    lines[2] = lines[2].replace(value, value[:-1] + ("0" if value[-1] != "0" else "1"))
    assert_breaks_at(lines, 3, "its chain value was changed")


def test_a_removed_line_breaks_the_chain_at_the_line_after_it() -> None:
    lines = chained_log()
    del lines[3]
    assert_breaks_at(lines, 4, "its text was changed, or lines before it removed")


def test_a_removed_first_line_breaks_the_chain_at_the_first_line() -> None:
    broken = assert_breaks_at(chained_log()[1:], 1, "does not follow from the start")
    assert "0" * 64 in broken.reason


def test_an_inserted_line_with_a_chain_value_is_named() -> None:
    lines = chained_log()
    lines.insert(6, lines[2])
    assert_breaks_at(lines, 7, "inserted: line 8 follows from line 6")


def test_an_inserted_line_without_a_chain_value_is_named() -> None:
    lines = chained_log()
    lines.insert(6, without_chain(lines[2]))
    assert_breaks_at(lines, 7, "holds no chain value")


def test_an_unchained_first_line_before_chained_ones_is_named() -> None:
    lines = chained_log()
    lines.insert(0, '{"op":"time","dt":"2024-03-01T14:30:00"}')
    assert_breaks_at(lines, 1, "line 1 holds no chain value; line 2 holds one")


def test_two_swapped_lines_are_named() -> None:
    lines = chained_log()
    lines[5], lines[6] = lines[6], lines[5]
    assert_breaks_at(lines, 6, "swapped with line 7")


def test_a_changed_last_line_is_named() -> None:
    lines = chained_log()
    lines[-1] = lines[-1].replace('"op":"release"', '"op":"time"')
    assert_breaks_at(lines, len(lines), "does not follow from line")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "cannot be read: SerializationError"),
        ('{"op":"time","dt":"2024-03-01T14:30:00","chain":5}', "not a SHA-256 value"),
        ('{"op":"time","dt":"2024-03-01T14:30:00","chain":"ABC"}', "not a SHA-256 value"),
        ('{"dt":"2024-03-01T14:30:00","chain":"' + "0" * 64 + '"}', "names no op"),
    ],
)
def test_a_line_that_cannot_be_checked_breaks_the_chain(text: str, says: str) -> None:
    lines = chained_log()
    lines[3] = text
    assert_breaks_at(lines, 4, says)


def test_a_truncated_log_verifies_as_a_prefix() -> None:
    lines = chained_log()
    check = verify_chain(lines[:-3])
    assert check.verified
    assert check.last == json.loads(lines[-4])["chain"]


def test_a_log_without_a_chain_has_nothing_to_verify() -> None:
    plain: list[str] = []
    _session(Recorder(plain.append))
    check = verify_chain(plain)
    assert (check.verified, check.broken, check.chained, check.last) == (False, None, 0, None)
    assert check.lines == len(plain)
    assert not verify_chain([]).verified


def test_lines_outside_the_log_format_are_refused_as_replay_refuses_them() -> None:
    with pytest.raises(BadOrderParameters, match="split a text with splitlines"):
        verify_chain("\n".join(chained_log()))


def test_a_lone_surrogate_in_a_line_is_hashed_as_its_utf8_style_bytes() -> None:
    from orders import DecimalOrder
    from tests.io.test_recording import T0

    lines: list[str] = []
    recorder = Recorder(lines.append, OrderBook(), chained=True)
    recorder.submit(DecimalOrder(T0, "X", 1, id="o\ud800"))
    escaped = [json.dumps(json.loads(text)) for text in lines]  # as a file holds it, \ud800
    assert verify_chain(escaped).verified


def test_chained_is_true_or_false() -> None:
    with pytest.raises(BadOrderParameters, match="chained must be True or False; got 'yes'"):
        Recorder([].append, chained="yes")  # type: ignore[arg-type]
