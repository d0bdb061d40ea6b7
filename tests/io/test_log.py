"""One table of the log's ops, from which replay and the recorder both work."""

import inspect
import json

import attrs
import pytest

from orders import OrderBook, Placement, Recorder, placed_orders
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


def test_place_takes_one_set_of_arguments_and_the_log_its_fields() -> None:
    names = [field.name for field in attrs.fields(Placement)]
    assert [*OPS["place"].required, *OPS["place"].optional] == names
    expected = inspect.signature(Placement)
    assert inspect.signature(placed_orders).parameters == expected.parameters
    for place in (OrderBook.place, Recorder.place):
        parameters = list(inspect.signature(place).parameters.values())
        assert [parameter.name for parameter in parameters[:1]] == ["self"]
        assert parameters[1:] == list(expected.parameters.values())
