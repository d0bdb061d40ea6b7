"""One table of the log's ops, from which replay and the recorder both work."""

import json

import pytest

from orders import Recorder
from orders.io.log import ACCOUNT, OPS, line
from orders.io.replay import READERS
from tests.io.test_recording import _session


def test_replay_reads_every_op_of_the_table_and_no_other() -> None:
    assert READERS.keys() == OPS.keys()


def test_every_line_the_recorder_writes_holds_what_the_table_allows() -> None:
    lines: list[str] = []
    _session(Recorder(lines.append, account="desk"))
    written = {record["op"] for record in map(json.loads, lines)}
    assert written == {"asset", "order", "event", "price", "bar", "time", "release"}
    for record in map(json.loads, lines):
        op = OPS[record.pop("op")]
        assert set(op.required) <= record.keys() <= {*op.required, *op.optional, ACCOUNT}


def test_a_line_outside_the_table_is_not_written() -> None:
    with pytest.raises(AssertionError, match="the log allows"):
        line("price", asset="X", price="1", size="2")
