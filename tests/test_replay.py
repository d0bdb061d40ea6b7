import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from orders import ORDER_STATUS, Fill, OrderBook
from orders.__main__ import main
from orders.replay import replay
from orders.serialization import dumps, loads

EXAMPLE = Path(__file__).resolve().parent.parent / "orders" / "data" / "session.jsonl"


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
        (2, "InvalidQuantityError"), (3, "JSONDecodeError"), (5, "SerializationError"),
    ]
    assert result.refused[0].line == log[1]
    assert result.lines == 6


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
    }
    assert result.book["tsla-buy"].filled == 15  # the late fill is recorded
    assert result.book["amd-day"].expired
    assert [refusal.reason.split(":")[0] for refusal in result.refused] == [
        "InvalidTransition", "FillConflictError", "UnknownOrderError",
    ]


def test_the_command_prints_a_table_and_the_refused_lines(capsys: object) -> None:
    assert main(["replay"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    lines = out.splitlines()
    assert lines[0].split() == ["id", "asset", "side", "type", "status", "filled/amount",
                                "avg", "price", "commission"]
    assert "tsla-buy     TSLA   BUY   limit          CANCELLED  15/30" in out
    assert "28 lines replayed, 3 refused" in out
    assert "  line 26: FillConflictError: fill 'T2' on order tsla-buy" in out


def test_the_command_prints_json_that_loads_back(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(line(op="order", order={"id": "a", "dt": "2024-01-15T09:30:00+00:00",
                                           "asset": "X", "amount": "3"}) + "\n")
    result = subprocess.run([sys.executable, "-m", "orders", "replay", str(log), "--json"],
                            capture_output=True, text=True, check=True)
    book = loads(result.stdout)
    assert isinstance(book, OrderBook)
    expected = OrderBook().submit(book["a"]).book
    assert dumps(book) == dumps(expected)
    filled = book.apply("a", Fill(3, 1, dt=datetime(2024, 1, 15, tzinfo=UTC))).book
    assert filled["a"].status is ORDER_STATUS.FILLED
