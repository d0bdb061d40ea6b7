"""A recorded session replays to an equal book."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    Asset,
    BadOrderParameters,
    Bar,
    BracketOrder,
    Cancel,
    CancelRejected,
    CancelRequested,
    Cause,
    DecimalOrder,
    Fill,
    FillBust,
    LimitOrder,
    MarketOrder,
    NewRequested,
    OCOOrder,
    Reconciliation,
    Recorder,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    SerializationError,
    Snapshot,
    StopOrder,
    TrailingStopOrder,
    VenueOrder,
    buy_bracket,
    dumps,
    replay,
    snapshot_of,
)

T0 = datetime(2024, 3, 1, 14, 30)
AAPL = Asset("AAPL", exchange="NASDAQ", tick_size="0.01")
BTC = Asset("BTC", tick_size="0.5", quantity_increment="0.001")


def _session(recorder: Recorder) -> None:
    minute = timedelta(minutes=1)
    entry, stop, limit = buy_bracket(T0, AAPL, 100, price="100", stopprice="98.005",
                                     limitprice="103.333")
    recorder.submit(entry, stop, limit)
    recorder.place(T0, BTC, "0.25", TrailingStopOrder(trail_percent="0.0125"), ids=["trail"])
    recorder.place(T0, "SPY", 10, OCOOrder(LimitOrder(400), StopOrder(420)), ids=["o1", "o2"])
    recorder.place(T0, AAPL, -50, BracketOrder(MarketOrder(), 105, 95), link_mode="cancel")
    recorder.submit(
        DecimalOrder(T0, AAPL, 10, limit="99.999", id="day", valid_until=T0 + 5 * minute)
    )
    recorder.apply(entry.id, Fill(60, "100", dt=T0 + minute, fill_id="f1"))
    recorder.on_price(BTC, "61234.7", T0 + minute)
    recorder.on_price(BTC, "60000", T0 + 2 * minute)
    recorder.on_bar(AAPL, Bar("100", "101", "99", "100.5", volume=1000), T0 + 2 * minute)
    recorder.apply(entry.id, Fill(40, "99.5", dt=T0 + 3 * minute, fill_id="f2"))
    recorder.apply(entry.id, FillBust("f1"))
    recorder.apply("o1", Fill(10, "400", dt=T0 + 3 * minute, fill_id="f3"))
    recorder.cancel("trail", "done")
    recorder.on_time(T0 + 10 * minute)
    recorder.release(T0 + 4 * minute)


def test_a_recorded_session_replays_to_an_equal_book() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    _session(recorder)
    result = replay(lines)
    assert result.refused == ()
    assert result.book == recorder.book
    assert dumps(result.book) == dumps(recorder.book)
    assert "o1" not in recorder.book.orders  # released, so the release line mattered


def test_replayed_orders_keep_the_tick_rounding_of_their_asset() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(T0, BTC, "0.25", TrailingStopOrder(trail_percent="0.0123"), ids=["trail"])
    for price in ("61234.7", "60001.3", "60500"):
        recorder.on_price(BTC, price, T0)
    live = recorder.book.get("trail")
    replayed = replay(lines).book.get("trail")
    assert replayed == live
    assert replayed.stop is not None
    assert replayed.stop % BTC.tick_size == 0
    assert replayed.stop != replayed.trailing_lowest_price * Decimal("1.0123")


def test_an_asset_is_defined_once_then_named_by_its_symbol() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    _session(recorder)
    records = [json.loads(line) for line in lines]
    definitions = [record["asset"]["symbol"] for record in records if record["op"] == "asset"]
    assert definitions == ["AAPL", "BTC"]
    assert records[0]["op"] == "asset"
    assert records[1]["orders"][0]["asset"] == "AAPL"


def test_a_second_asset_with_a_defined_symbol_is_written_in_full() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    other = Asset("AAPL", exchange="XETRA", tick_size="0.005")
    recorder.place(T0, AAPL, 1, LimitOrder("10.004"), ids=["a"])
    recorder.place(T0, other, 1, LimitOrder("10.004"), ids=["b"])
    assert json.loads(lines[-1])["orders"][0]["asset"]["exchange"] == "XETRA"
    assert replay(lines).book == recorder.book


def test_a_refused_operation_writes_nothing_and_keeps_the_book() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(T0, AAPL, 10, LimitOrder(100), ids=["a"])
    before = (list(lines), recorder.book)
    with pytest.raises(SerializationError, match="AAPL"):
        recorder.place(T0, "AAPL", 10, LimitOrder(100), ids=["b"])
    with pytest.raises(SerializationError, match="history"):
        recorder.submit(DecimalOrder(T0, AAPL, 10, limit=100, id="c").cancel())
    with pytest.raises(SerializationError, match="to be serialized"):
        recorder.place(T0, ("x", 1), 10, LimitOrder(100), ids=["d"])
    assert (lines, recorder.book) == before


def test_a_log_defines_each_symbol_once() -> None:
    first = json.dumps({"op": "asset", "asset": {"type": "Asset", "symbol": "X"}})
    second = json.dumps({"op": "asset", "asset": {"type": "Asset", "symbol": "X",
                                                   "tick_size": "0.5"}})
    result = replay([first, first, second])
    assert [refusal.line_number for refusal in result.refused] == [3]
    assert "already defined" in result.refused[0].reason


class _FullDisk:
    """A ``write`` that keeps lines until told to fail, then raises as a full disk does."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failing = False

    def __call__(self, line: str) -> None:
        if self.failing:
            raise OSError(28, "No space left on device")
        self.lines.append(line)


def test_an_operation_whose_line_cannot_be_written_does_not_happen() -> None:
    log = _FullDisk()
    recorder = Recorder(log)
    recorder.place(T0, AAPL, 100, LimitOrder(100), ids=["a"])
    before = (list(log.lines), recorder.book)
    log.failing = True
    operations: list[Callable[[], object]] = [
        lambda: recorder.apply("a", Fill(40, "99.5", dt=T0, fill_id="f1")),
        lambda: recorder.cancel("a"),
        lambda: recorder.place(T0, BTC, "0.5", MarketOrder(), ids=["b"]),
        lambda: recorder.on_price(AAPL, "99", T0),
        lambda: recorder.on_time(T0 + timedelta(days=1)),
        lambda: recorder.release(T0 + timedelta(days=2)),
    ]
    for operation in operations:
        with pytest.raises(OSError, match="No space left on device"):
            operation()
        assert (log.lines, recorder.book) == before
    log.failing = False
    recorder.place(T0, BTC, "0.5", MarketOrder(), ids=["b"])
    recorder.apply("a", Fill(40, "99.5", dt=T0, fill_id="f1"))
    replayed = replay(log.lines)
    assert replayed.refused == ()
    assert replayed.book == recorder.book
    assert recorder.book["a"].filled == 40


class _FailingLine:
    """A ``write`` that raises as a full disk does on its ``number``-th call only."""

    def __init__(self, number: int) -> None:
        self.lines: list[str] = []
        self.calls = 0
        self.number = number

    def __call__(self, line: str) -> None:
        self.calls += 1
        if self.calls == self.number:
            raise OSError(28, "No space left on device")
        self.lines.append(line)


def test_an_asset_line_written_before_a_failed_line_stays_defined() -> None:
    log = _FailingLine(2)
    recorder = Recorder(log)
    with pytest.raises(OSError, match="No space left on device"):
        recorder.place(T0, BTC, "0.5", MarketOrder(), ids=["b"])
    assert "b" not in recorder.book
    recorder.place(T0, BTC, "0.5", MarketOrder(), ids=["b"])
    assert [json.loads(line)["op"] for line in log.lines] == ["asset", "order"]
    replayed = replay(log.lines)
    assert replayed.refused == ()
    assert replayed.book == recorder.book


def test_after_a_failed_line_another_asset_with_the_written_symbol_is_written_in_full() -> None:
    log = _FailingLine(2)
    recorder = Recorder(log)
    with pytest.raises(OSError, match="No space left on device"):
        recorder.place(T0, Asset("X", exchange="NYSE"), 1, LimitOrder(10), ids=["a"])
    recorder.place(T0, Asset("X", exchange="LSE"), 1, LimitOrder(10), ids=["b"])
    assert json.loads(log.lines[-1])["orders"][0]["asset"]["exchange"] == "LSE"
    replayed = replay(log.lines)
    assert replayed.refused == ()
    assert replayed.book == recorder.book
    assert replayed.book["b"].asset == Asset("X", exchange="LSE")


def test_after_a_failed_line_a_plain_symbol_the_log_defines_is_refused() -> None:
    log = _FailingLine(2)
    recorder = Recorder(log)
    with pytest.raises(OSError, match="No space left on device"):
        recorder.place(T0, Asset("X", exchange="NYSE"), 1, LimitOrder(10), ids=["a"])
    with pytest.raises(SerializationError, match="the log names Asset"):
        recorder.place(T0, "X", 1, LimitOrder(10), ids=["b"])
    assert "b" not in recorder.book
    replayed = replay(log.lines)
    assert replayed.refused == ()
    assert replayed.book == recorder.book


def test_a_session_at_an_ambiguous_local_time_replays_to_an_equal_book() -> None:
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    late = datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=new_york)  # the second 01:30, EST
    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(late, AAPL, 100, LimitOrder(100), ids=["a"], valid_until=late + timedelta(1))
    recorder.apply("a", Fill(40, "99.5", dt=late, fill_id="f1"))
    recorder.on_price(AAPL, "101", late)
    recorder.on_time(late)
    result = replay(lines)
    assert result.refused == ()
    assert dumps(result.book) == dumps(recorder.book)
    assert result.book == recorder.book
    (fill,) = result.book["a"].history
    assert isinstance(fill, Fill)
    assert fill.dt == late
    assert fill.dt.fold == 1


def test_the_log_does_not_depend_on_the_callers_decimal_context() -> None:
    import decimal

    def session(recorder: Recorder) -> None:
        recorder.place(T0, BTC, "0.001", LimitOrder("0.5"), ids=["tiny"])
        recorder.on_price(BTC, Decimal("1E-1"), T0)
        recorder.apply("tiny", Fill("0.001", "5E-1", commission="1E-8", fill_id="f"))

    expected: list[str] = []
    session(Recorder(expected.append))
    assert '"commission":"1E-8"' in expected[-1]
    odd = decimal.Context(prec=2, rounding=decimal.ROUND_UP, capitals=0, Emax=3, Emin=-3,
                          traps=[])
    with decimal.localcontext(odd) as caller:
        lines: list[str] = []
        recorder = Recorder(lines.append)
        session(recorder)
        assert lines == expected
        assert replay(lines).book == recorder.book
        assert not any(caller.flags.values())


def test_immediate_and_post_only_orders_replay_as_recorded() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(T0, AAPL, 10, LimitOrder("99.5"), ids=["ioc"], time_in_force="IOC",
                   post_only=True)
    recorder.place(T0, AAPL, 10, OCOOrder(LimitOrder(99), LimitOrder(98)), ids=["a", "b"],
                   time_in_force="FOK")
    assert '"post_only":true' in lines[-2]
    result = replay(lines)
    assert result.refused == ()
    assert result.book == recorder.book
    assert [result.book[order_id].time_in_force for order_id in ("ioc", "a", "b")] == [
        "IOC", "FOK", "FOK"]


def test_a_recorded_live_session_replays_to_an_equal_book() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(T0, AAPL, 100, LimitOrder("100"), ids=["live"])
    recorder.submit(DecimalOrder(T0, BTC, "0.5", limit="60000", id="restored",
                                 pending=[CancelRequested("c0", "stale")]))
    for event in (NewRequested("n1", T0), Acknowledged(T0),
                  Fill(30, "100", dt=T0, fill_id="f1"),
                  CancelRequested("c1", "flat", T0),
                  CancelRejected("too late", RequestRejectReason.TOO_LATE, "c1", T0),
                  ReplaceRequested(Amend(amount=60, limit="99.99"), "r1", T0),
                  ReplaceRequested(Amend(limit="99.98"), "r2", T0),
                  Replaced("r1", T0),
                  ReplaceRejected("no", RequestRejectReason.OTHER, "r2", T0)):
        recorder.apply("live", event)
    recorder.apply("restored", CancelRejected("unknown", RequestRejectReason.UNKNOWN_ORDER))
    recorder.apply("restored", CancelRequested("c2"))
    result = replay(lines)
    assert result.refused == ()
    assert result.book == recorder.book
    assert dumps(result.book) == dumps(recorder.book)
    assert result.book["restored"].pending == (CancelRequested("c2"),)
    assert (result.book["live"].amount, result.book["live"].limit) == (
        Decimal(60), Decimal("99.99"))
    placed, restored = (line for line in lines if '"op":"order"' in line)
    assert '"pending"' not in placed  # none in flight: left out, as the constructor's default
    assert '"pending":[{"type":"CancelRequested"' in restored


def test_a_chained_line_that_cannot_be_written_leaves_the_chain_where_it_was() -> None:
    from orders.io.chain import verify_chain

    log = _FailingLine(2)
    recorder = Recorder(log, chained=True)
    with pytest.raises(OSError, match="No space left on device"):
        recorder.place(T0, BTC, "0.5", MarketOrder(), ids=["b"])
    assert recorder.chain == json.loads(log.lines[-1])["chain"]  # the asset line's
    recorder.place(T0, BTC, "0.5", MarketOrder(), ids=["b"])
    assert [json.loads(line)["op"] for line in log.lines] == ["asset", "order"]
    assert verify_chain(log.lines).verified
    assert replay(log.lines).book == recorder.book


def test_a_chained_recorder_on_a_starting_book_chains_from_the_start() -> None:
    from orders.io.chain import START, verify_chain

    lines: list[str] = []
    start = Recorder(lambda _: None)
    start.place(T0, "SPY", 10, LimitOrder(400), ids=["s"])
    recorder = Recorder(lines.append, start.book, account="desk", chained=True)
    assert recorder.chain == START
    recorder.cancel("s")
    check = verify_chain(lines)
    assert (check.verified, check.chained) == (True, 1)


# A reconnect: the recorder reconciles its book with the venue's snapshot and
# writes a snapshot line, so the replay reconciles at the same point.


def reconnect_session(recorder: Recorder, *, inferred: bool = True) -> Reconciliation:
    """A bracket, a BTC order and a SPY order; then a reconnect at which the
    venue reports a missed fill by id, the BTC fill by its totals only, SPY
    cancelled and an order placed elsewhere; then the session goes on."""
    recorder.place(T0, AAPL, 100, BracketOrder(LimitOrder("100"), "98", "103"),
                   ids=["in", "sl", "tp"])
    recorder.submit(DecimalOrder(T0, BTC, "0.5", limit="60000", id="btc"),
                    DecimalOrder(T0, "SPY", 10, limit="400", id="spy"))
    recorder.apply("in", Fill(40, "100", fill_id="f1"))
    venue = recorder.book.apply("in", Fill(60, "99.9", fill_id="f2")).book
    venue = venue.apply("btc", Fill("0.5", "59990.5")).book
    venue = venue.apply("spy", Cancel("at the venue")).book
    reported = snapshot_of(venue)
    elsewhere = VenueOrder("elsewhere", ORDER_STATUS.OPEN, 0)
    reconciliation, _ = recorder.reconcile(
        Snapshot({**reported.orders, "elsewhere": elsewhere}, reported.positions),
        inferred=inferred,
    )
    recorder.apply("tp", Fill(100, "103", fill_id="f3"))
    return reconciliation


@pytest.mark.parametrize("inferred", [True, False])
@pytest.mark.parametrize("chained", [False, True])
def test_a_session_with_a_snapshot_line_replays_to_the_recorders_book(
    inferred: bool, chained: bool
) -> None:
    from orders.io.chain import verify_chain

    lines: list[str] = []
    recorder = Recorder(lines.append, chained=chained)
    reconciliation = reconnect_session(recorder, inferred=inferred)
    assert [json.loads(line)["op"] for line in lines][-2:] == ["snapshot", "event"]
    assert json.loads(lines[-2])["inferred"] is inferred
    result = replay(lines)
    assert result.refused == ()
    assert dumps(result.book) == dumps(recorder.book)
    assert recorder.book["in"].filled == 100
    assert recorder.book["spy"].status.name == "CANCELLED"
    assert (recorder.book["btc"].filled == Decimal("0.5")) is inferred
    (reconciled,) = result.reconciled
    assert reconciled.line_number == len(lines) - 1
    assert reconciled.findings == reconciliation.findings
    # The findings are the reconciliation's, whether or not the inferred fill was booked.
    assert [type(finding).__name__ for finding in reconciled.findings] == [
        "InferredFill", "UnknownToBook"]
    applied = [(step.order_id, step.inferred) for step in reconciled.steps]
    assert applied == [("btc", True), ("in", False), ("spy", False)][0 if inferred else 1:]
    assert verify_chain(lines).verified is chained


def test_a_snapshot_that_is_not_one_or_an_inferred_that_is_not_a_bool_is_refused() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append)
    with pytest.raises(BadOrderParameters, match="snapshot must be a Snapshot; got"):
        recorder.reconcile({"orders": {}})  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="inferred must be True or False; got 1"):
        recorder.reconcile(Snapshot({}), inferred=1)  # type: ignore[arg-type]
    assert lines == []


def test_a_snapshot_line_that_cannot_be_written_leaves_the_book_as_it_was() -> None:
    log = _FailingLine(2)
    recorder = Recorder(log)
    recorder.submit(DecimalOrder(T0, "SPY", 10, limit="400", id="spy"))
    before = recorder.book
    cancelled = Snapshot({"spy": VenueOrder("spy", ORDER_STATUS.CANCELLED, 0)})
    with pytest.raises(OSError, match="No space left on device"):
        recorder.reconcile(cancelled)
    assert recorder.book is before


def test_a_cause_the_host_gives_is_recorded_and_replays_to_the_same_trail() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append, chained=True)
    recorder.submit(DecimalOrder(T0, "AAPL", 10, limit=100, id="a"))
    recorder.apply("a", Fill(10, 100), cause=Cause("risk limit"))
    assert '"cause":{"rule":"risk limit"}' in lines[-1]
    replayed = replay(lines).book
    assert replayed == recorder.book
    assert replayed.explain("a")[-1].cause == Cause("risk limit")


def test_reduce_only_orders_and_a_closed_position_replay_to_the_recorders_book() -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append, chained=True)
    recorder.submit(DecimalOrder(T0, "AAPL", 100, id="buy"))
    recorder.apply("buy", Fill(100, 100))
    recorder.place(T0, "AAPL", -60, LimitOrder(110), ids=["take"], reduce_only=True)
    later = T0 + timedelta(seconds=1)
    recorder.submit(DecimalOrder(later, "AAPL", -80, stop=90, id="stop"), reduce_only=True)
    assert recorder.book["stop"].amount == -40  # the newest exit shrinks to what is left
    closed = recorder.close_position("AAPL", T0 + timedelta(minutes=1), id="flat")
    assert closed.book["flat"].amount == -100
    assert '"op":"close"' in lines[-1]
    replayed = replay(lines)
    assert replayed.refused == ()
    assert replayed.book == recorder.book
    written = len(lines)
    assert recorder.close_position("MSFT", T0).derived == ()
    assert len(lines) == written  # nothing held, nothing done, no line
