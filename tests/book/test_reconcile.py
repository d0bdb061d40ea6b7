from datetime import datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    Asset,
    BadOrderParameters,
    BracketOrder,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Fill,
    FillBust,
    FillCorrection,
    InferredFill,
    LimitOrder,
    NewRequested,
    OCOOrder,
    OrderBook,
    PositionMismatch,
    ReconcileStep,
    Reject,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    Snapshot,
    StopOrder,
    UnknownToBook,
    UnknownToVenue,
    Unsettled,
    VenueBelowBook,
    VenueOrder,
    bracket_orders,
    oco_orders,
    reconcile,
    snapshot_of,
)

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL")


def single(amount: int = 10, order_id: str = "o-1") -> OrderBook:
    return OrderBook().submit(DecimalOrder(T0, AAPL, amount, limit="100", id=order_id)).book


def totals(book: OrderBook) -> dict[str, tuple[ORDER_STATUS, Decimal, Decimal, Decimal]]:
    return {order.id: (order.status, order.filled, order.notional, order.commission)
            for order in book.orders.values()}


def test_missed_fills_with_ids_are_the_steps() -> None:
    book = single().apply("o-1", Fill(3, "100", fill_id="f-1")).book
    venue = book.apply("o-1", Fill(4, "99.5", fill_id="f-2")).book
    venue = venue.apply("o-1", Fill(3, "99", fill_id="f-3")).book
    result = reconcile(book, snapshot_of(venue))
    assert result.steps == (
        ReconcileStep("o-1", Fill(4, "99.5", fill_id="f-2")),
        ReconcileStep("o-1", Fill(3, "99", fill_id="f-3")),
    )
    assert result.findings == ()
    assert totals(result.apply(book).book) == totals(venue)


def test_reconcile_does_not_change_the_book() -> None:
    book = single()
    venue = book.apply("o-1", Fill(10, "100", fill_id="f-1")).book
    reconcile(book, snapshot_of(venue))
    assert book["o-1"].status is OPEN


def test_a_fill_known_by_its_totals_only_is_inferred_and_flagged() -> None:
    book = single().apply("o-1", Fill(4, "100", fill_id="f-1")).book
    snapshot = Snapshot({"o-1": VenueOrder("o-1", PARTIALLY_FILLED, 6, Decimal("100.5"))})
    result = reconcile(book, snapshot)
    inferred = Fill(2, "101.5", fill_id="inferred:o-1:6")  # (100.5 * 6 - 400) / 2
    assert result.steps == (ReconcileStep("o-1", inferred, inferred=True),)
    assert result.findings == (InferredFill("o-1", inferred, exact=True),)
    after = result.apply(book).book["o-1"]
    assert (after.filled, after.filled_price) == (Decimal(6), Decimal("100.5"))


def test_an_inexact_inferred_price_is_rounded_and_says_so() -> None:
    book = single().apply("o-1", Fill(1, "100", fill_id="f-1")).book
    snapshot = Snapshot({"o-1": VenueOrder("o-1", PARTIALLY_FILLED, 4, Decimal("100.25"))})
    finding, unsettled = reconcile(book, snapshot).findings
    assert isinstance(finding, InferredFill)
    assert finding.fill.price == Decimal("100.3333333333333333333333333333")
    assert not finding.exact
    assert "rounded" in str(finding)
    assert str(unsettled) == (
        "order o-1 is PARTIALLY_FILLED with 4 filled at 100.249999999999999999999999999975 "
        "after the steps; the venue reports PARTIALLY_FILLED with 4 filled at 100.25"
    )


def test_inferred_false_leaves_the_inferred_fill_out_and_keeps_its_finding() -> None:
    book = single()
    snapshot = Snapshot({"o-1": VenueOrder("o-1", PARTIALLY_FILLED, 5, Decimal(100))})
    result = reconcile(book, snapshot)
    assert result.apply(book, inferred=False).book["o-1"].filled == 0
    assert result.apply(book).book["o-1"].filled == 5
    assert [type(finding) for finding in result.findings] == [InferredFill]


def test_a_venue_quantity_below_the_book_with_no_fills_is_a_finding() -> None:
    book = single().apply("o-1", Fill(4, "100", fill_id="f-1")).book
    result = reconcile(book, Snapshot({"o-1": VenueOrder("o-1", PARTIALLY_FILLED, 2, 100)}))
    assert result.steps == ()
    assert VenueBelowBook("o-1", Decimal(2), Decimal(4)) in result.findings
    assert any(isinstance(finding, Unsettled) for finding in result.findings)


def test_a_bust_and_a_correction() -> None:
    book = single().apply("o-1", Fill(4, "100", fill_id="f-1")).book
    book = book.apply("o-1", Fill(6, "100", fill_id="f-2")).book
    venue = book.apply("o-1", FillBust("f-1")).book
    venue = venue.apply("o-1", FillCorrection("f-2", price="99.9")).book
    result = reconcile(book, snapshot_of(venue))
    assert result.steps == (
        ReconcileStep("o-1", FillBust("f-1")),
        ReconcileStep("o-1", FillCorrection("f-2", price="99.9")),
    )
    assert totals(result.apply(book).book) == totals(venue)


def test_a_cancel_the_book_missed() -> None:
    book = single().apply("o-1", Fill(4, "100", fill_id="f-1")).book
    venue = book.apply("o-1", Cancel("venue")).book
    result = reconcile(book, snapshot_of(venue))
    assert result.steps == (ReconcileStep("o-1", Cancel("reconciled: cancelled at the venue")),)
    assert result.apply(book).book["o-1"].status is CANCELLED


def test_a_cancel_in_flight_is_answered_by_the_venues_cancel() -> None:
    book = single().apply("o-1", CancelRequested(request_id="c-1")).book
    venue = Snapshot({"o-1": VenueOrder("o-1", CANCELLED, 0, None)})
    after = reconcile(book, venue).apply(book).book["o-1"]
    assert (after.status, after.pending) == (CANCELLED, ())


def test_a_new_order_in_flight_the_venue_knows_is_acknowledged() -> None:
    book = single().apply("o-1", NewRequested()).book
    result = reconcile(book, Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None)}))
    assert result.steps == (ReconcileStep("o-1", Acknowledged()),)
    assert not result.apply(book).book["o-1"].pending_new


def test_a_quantity_the_venue_changed_is_an_amendment() -> None:
    book = single()
    snapshot = Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, amount=Decimal(7))})
    assert reconcile(book, snapshot).steps == (ReconcileStep("o-1", Amend(amount=7)),)


def test_an_oco_whose_sibling_the_venue_filled_while_the_engine_was_down() -> None:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    book = OrderBook().submit(*legs).book
    venue = book.apply("tp", Fill(100, "110", fill_id="f-1")).book  # the venue cancels "sl"
    assert venue["sl"].status is CANCELLED
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    assert totals(result.apply(book).book) == totals(venue)


def test_a_bracket_whose_exit_filled_while_the_engine_was_down() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    book = OrderBook().submit(*bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))).book
    venue = book.apply("in", Fill(10, "100", fill_id="f-1")).book
    venue = venue.apply("tp", Fill(10, "110", fill_id="f-2")).book
    assert venue["sl"].status is CANCELLED
    result = reconcile(book, snapshot_of(venue))
    assert [step.order_id for step in result.steps] == ["in", "tp"]  # the links cancel "sl"
    assert result.findings == ()
    assert totals(result.apply(book).book) == totals(venue)


def test_orders_unknown_to_one_side_are_reported_not_created() -> None:
    book = single(order_id="ours")
    snapshot = Snapshot({"theirs": VenueOrder("theirs", FILLED, 5, Decimal(100))})
    result = reconcile(book, snapshot)
    assert result.steps == ()
    assert set(result.findings) == {
        UnknownToVenue("ours", OPEN),
        UnknownToBook("theirs", snapshot.orders["theirs"]),
    }
    assert "theirs" not in result.apply(book).book


def test_a_position_that_disagrees_with_the_orders() -> None:
    book = single().apply("o-1", Fill(4, "100", fill_id="f-1")).book
    venue = snapshot_of(book)
    snapshot = Snapshot(venue.orders, {AAPL: Decimal(14)})
    assert reconcile(book, snapshot).findings == (
        PositionMismatch(None, AAPL, Decimal(4), Decimal(14)),
    )
    assert reconcile(book, venue).findings == ()


def test_findings_say_what_was_found() -> None:
    finding = VenueBelowBook("o-1", Decimal(2), Decimal(4))
    assert str(finding) == "order o-1: the venue has 2 filled, the book 4; no fill is named to bust"


def test_a_venue_order_checks_its_fields() -> None:
    with pytest.raises(BadOrderParameters, match=r"filled must be a finite number >= 0; got -1"):
        VenueOrder("o-1", OPEN, -1, None)
    with pytest.raises(BadOrderParameters, match="status must be an ORDER_STATUS"):
        VenueOrder("o-1", "open", 0, None)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="the VenueOrder with that id"):
        Snapshot({"o-2": VenueOrder("o-1", OPEN, 0, None)})


def test_in_the_live_mode_the_venues_cancel_answers_the_books_request() -> None:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    book = OrderBook(live=True).submit(*legs).book
    for order_id in ("tp", "sl"):  # sent, not yet acknowledged
        book = book.apply(order_id, NewRequested()).book
    snapshot = Snapshot({
        "tp": VenueOrder("tp", FILLED, 100, Decimal(110), (Fill(100, "110", fill_id="f-1"),)),
        "sl": VenueOrder("sl", CANCELLED, 0, None, ()),
    })
    result = reconcile(book, snapshot)
    after = result.apply(book)
    assert [type(derived.event).__name__ for derived in after.derived] == ["CancelRequested"]
    assert {order_id: (order.status, order.pending) for order_id, order in
            after.book.orders.items()} == {"tp": (FILLED, ()), "sl": (CANCELLED, ())}
    assert result.findings == ()


def test_a_cancel_in_flight_on_an_order_the_venue_filled_is_refused_as_too_late() -> None:
    book = single().apply("o-1", CancelRequested(request_id="c-1")).book
    snapshot = Snapshot({"o-1": VenueOrder("o-1", FILLED, 10, Decimal(100),
                                           (Fill(10, "100", fill_id="f-1"),))})
    after = reconcile(book, snapshot).apply(book).book["o-1"]
    assert (after.status, after.pending) == (FILLED, ())


def test_a_venue_figure_that_is_not_a_number_is_refused_by_name() -> None:
    with pytest.raises(BadOrderParameters, match="filled must be"):
        VenueOrder("o-1", OPEN, "abc", None)
    with pytest.raises(BadOrderParameters, match="a position must lie within the bounds"):
        Snapshot({}, {"X": "1e999999"})


def test_requests_in_flight_on_an_order_the_venue_ended_are_refused() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book.apply("o-1", Acknowledged()).book
    book = book.apply("o-1", ReplaceRequested(Amend(amount=6), request_id="r-1")).book
    book = book.apply("o-1", CancelRequested(request_id="c-1")).book
    filled = Snapshot({"o-1": VenueOrder("o-1", FILLED, 10, Decimal(100),
                                         (Fill(10, "100", fill_id="f-1"),))})
    result = reconcile(book, filled)
    too_late = RequestRejectReason.TOO_LATE
    assert result.steps[1:] == (
        ReconcileStep("o-1", ReplaceRejected("reconciled: filled at the venue", too_late, "r-1")),
        ReconcileStep("o-1", CancelRejected("reconciled: filled at the venue", too_late, "c-1")),
    )
    assert result.apply(book).book["o-1"].pending == ()
    cancelled = Snapshot({"o-1": VenueOrder("o-1", CANCELLED, 0, None, ())})
    assert reconcile(book, cancelled).apply(book).book["o-1"].pending == ()


def test_a_replace_in_flight_on_an_order_the_venue_rejected_is_unknown_to_it() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book
    book = book.apply("o-1", ReplaceRequested(Amend(amount=6), request_id="r-1")).book
    result = reconcile(book, Snapshot({"o-1": VenueOrder("o-1", REJECTED, 0, None)}))
    refusal = ReplaceRejected("reconciled: rejected at the venue",
                              RequestRejectReason.UNKNOWN_ORDER, "r-1")
    assert result.steps == (ReconcileStep("o-1", Reject("reconciled: rejected at the venue")),
                            ReconcileStep("o-1", refusal))
    after = result.apply(book).book["o-1"]
    assert (after.status, after.pending) == (REJECTED, ())


def test_a_replace_in_flight_the_venue_shows_done_is_replaced() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book.apply("o-1", Acknowledged()).book
    book = book.apply("o-1", ReplaceRequested(Amend(amount=6), request_id="r-1")).book
    result = reconcile(book, Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, amount=6)}))
    assert result.steps == (ReconcileStep("o-1", Replaced("r-1")),)
    after = result.apply(book).book["o-1"]
    assert (after.amount, after.pending) == (Decimal(6), ())


def test_a_request_the_venue_may_not_have_seen_stays_in_flight() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book.apply("o-1", Acknowledged()).book
    book = book.apply("o-1", CancelRequested(request_id="c-1")).book
    book = book.apply("o-1", ReplaceRequested(Amend(limit="99"), request_id="r-1")).book
    result = reconcile(book, Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, amount=10)}))
    assert (result.steps, result.findings) == ((), ())
    assert result.apply(book).book["o-1"].pending == book["o-1"].pending


def test_a_new_order_in_flight_the_venue_does_not_list_is_named_and_left_in_flight() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book
    result = reconcile(book, Snapshot({}))
    assert (result.steps, result.findings) == ((), (UnknownToVenue("o-1", OPEN),))
    assert result.apply(book).book["o-1"].pending_new


def test_in_the_live_mode_legs_never_sent_are_not_expected_at_the_venue() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    orders = bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))
    book = OrderBook(live=True).submit(*orders).book
    book = book.apply("in", NewRequested("n-in")).book.apply("in", Acknowledged()).book
    assert (book["sl"].status, book["tp"].status) == (HELD, HELD)
    snapshot = Snapshot({"in": VenueOrder("in", OPEN, 0, None, ())})
    assert reconcile(book, snapshot).findings == ()
    unsent_in_backtest = OrderBook().submit(*orders).book
    assert {finding.order_id for finding in reconcile(unsent_in_backtest, snapshot).findings} == {
        "sl", "tp"}


def test_an_exit_leg_the_venue_shows_at_another_size_is_sized_by_its_bracket() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    book = OrderBook().submit(*bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))).book
    venue = book.apply("in", Fill(1, "100", fill_id="f-1")).book  # the legs cover 1
    venue = venue.apply("sl", Cancel("venue")).book  # ends the bracket
    venue = venue.apply("in", Fill(1, "100", fill_id="f-2")).book  # a late fill
    assert venue["tp"].amount == -1
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    assert not any(type(step.event) is Amend for step in result.steps)
    assert totals(result.apply(book).book) == totals(venue)


def test_reconcile_refuses_what_is_not_a_book_and_a_snapshot_by_type() -> None:
    with pytest.raises(BadOrderParameters, match="needs a Snapshot of the venue; got dict"):
        reconcile(single(), {})  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="needs an OrderBook; got Snapshot"):
        reconcile(Snapshot({}), Snapshot({}))  # type: ignore[arg-type]


def test_a_price_the_venue_replaced_is_an_amendment() -> None:
    book = single()
    snapshot = Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, (), amount=10, limit="99.5")})
    result = reconcile(book, snapshot)
    assert result.steps == (ReconcileStep("o-1", Amend(limit="99.5")),)
    assert result.apply(book).book["o-1"].limit == Decimal("99.5")


def test_a_replace_of_a_price_in_flight_the_venue_shows_done_is_replaced() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book.apply("o-1", Acknowledged()).book
    book = book.apply("o-1", ReplaceRequested(Amend(limit="99"), request_id="r-1")).book
    done = Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, (), amount=10, limit="99")})
    result = reconcile(book, done)
    assert result.steps == (ReconcileStep("o-1", Replaced("r-1")),)
    after = result.apply(book).book["o-1"]
    assert (after.limit, after.pending) == (Decimal(99), ())
    not_yet = Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, (), amount=10, limit="100")})
    assert reconcile(book, not_yet).steps == ()


def test_a_replace_in_flight_is_answered_only_when_every_term_shown_is_as_asked() -> None:
    book = single().apply("o-1", NewRequested("n-1")).book.apply("o-1", Acknowledged()).book
    book = book.apply("o-1", ReplaceRequested(Amend(amount=6, limit="99"), request_id="r-1")).book
    other = Snapshot({"o-1": VenueOrder("o-1", OPEN, 0, None, (), amount=6, limit="98")})
    result = reconcile(book, other)
    assert result.steps == (ReconcileStep("o-1", Amend(limit="98")),
                            ReconcileStep("o-1", Amend(amount=6)))
    assert result.apply(book).book["o-1"].pending == book["o-1"].pending


def test_a_trailing_stops_stop_moves_with_the_market_and_is_not_a_step() -> None:
    order = DecimalOrder(T0, AAPL, -10, stop="95", trail_amount="5", id="trail")
    book = OrderBook().submit(order).book
    moved = Snapshot({"trail": VenueOrder("trail", OPEN, 0, None, (), amount=10, stop="97")})
    assert (reconcile(book, moved).steps, reconcile(book, moved).findings) == ((), ())


def test_a_snapshot_of_a_book_reports_its_prices() -> None:
    book = single().submit(DecimalOrder(T0, AAPL, -5, stop="90", id="s")).book
    orders = snapshot_of(book).orders
    assert (orders["o-1"].limit, orders["o-1"].stop) == (Decimal(100), None)
    assert (orders["s"].limit, orders["s"].stop) == (None, Decimal(90))


def test_a_snapshot_of_a_live_book_leaves_out_the_orders_never_sent() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    orders = bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))
    book = OrderBook(live=True).submit(*orders, DecimalOrder(T0, AAPL, 5, limit="99", id="x")).book
    book = book.apply("in", NewRequested("n-in")).book
    assert set(snapshot_of(book).orders) == {"in"}
    assert set(snapshot_of(OrderBook().submit(*orders).book).orders) == {"in", "sl", "tp"}


def test_an_order_the_venue_cancelled_and_then_filled_in_full_is_cancelled_first() -> None:
    book = single().apply("o-1", CancelRequested(request_id="c-1")).book
    venue = book.apply("o-1", Cancel("venue")).book.apply("o-1", Fill(10, "100", fill_id="f")).book
    assert (venue["o-1"].status, venue["o-1"].filled) == (CANCELLED, Decimal(10))
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    after = result.apply(book).book["o-1"]
    assert (after.status, after.filled, after.pending) == (CANCELLED, Decimal(10), ())


def test_an_oco_member_the_venue_rejected_ends_its_group_as_at_the_venue() -> None:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    book = OrderBook().submit(*legs).book
    book = book.apply("tp", NewRequested("n-tp")).book.apply("sl", NewRequested("n-sl")).book
    venue = book.apply("tp", Reject("venue")).book  # the group cancels "sl", listed first
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    assert totals(result.apply(book).book) == totals(venue)


def test_a_bracket_the_venue_repriced_is_repriced_in_an_order_its_rules_accept() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    book = OrderBook().submit(*bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))).book
    venue = book.apply("tp", Amend(limit=130)).book.apply("in", Amend(limit=120)).book
    venue = venue.apply("sl", Amend(stop=115)).book
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    assert [step.order_id for step in result.steps] == ["tp", "in", "sl"]  # as the rules allow
    after = result.apply(book).book
    prices = (after["in"].limit, after["sl"].stop, after["tp"].limit)
    assert prices == (Decimal(120), Decimal(115), Decimal(130))


def test_a_price_the_venue_changed_after_busting_a_fill_is_amended_once_reopened() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 10, stop="101", id="s")).book
    book = book.apply("s", Fill(10, "101", fill_id="f-1")).book
    venue = book.apply("s", FillBust("f-1")).book.apply("s", Amend(stop=102)).book
    result = reconcile(book, snapshot_of(venue))
    assert [step.event for step in result.steps] == [FillBust("f-1"), Amend(stop=102)]
    assert result.apply(book).book["s"].stop == Decimal(102)


def test_a_price_refused_in_two_phases_is_named_once() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    book = OrderBook().submit(*bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))).book
    snapshot = snapshot_of(book)
    moved = attrs.evolve(snapshot.orders["in"], limit=Decimal(80))  # below its stop-loss
    findings = reconcile(book, Snapshot({**snapshot.orders, "in": moved})).findings
    assert [type(finding).__name__ for finding in findings] == ["StepRefused"]


def test_a_legs_price_the_rules_accept_once_the_entry_has_traded_is_amended_then() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    book = OrderBook().submit(*bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))).book
    venue = book.apply("in", Fill(10, "100", fill_id="f-1")).book  # its price is history now
    venue = venue.apply("sl", Amend(stop=101)).book  # locks in a profit
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    assert [step.event for step in result.steps] == [venue["in"].history[-1], Amend(stop=101)]
    assert result.apply(book).book["sl"].stop == Decimal(101)


def test_an_entrys_late_fill_comes_before_the_bust_of_its_earlier_one() -> None:
    style = BracketOrder(LimitOrder(100), 90, 110)
    book = OrderBook().submit(*bracket_orders(T0, AAPL, 10, style, ids=("in", "sl", "tp"))).book
    book = book.apply("in", Fill(4, "100", fill_id="f-1")).book.apply("in", Cancel("host")).book
    book = book.apply("tp", Fill(1, "110", fill_id="f-3")).book
    venue = book.apply("in", Fill(6, "100", fill_id="f-2")).book  # after the cancel
    venue = venue.apply("in", FillBust("f-1")).book  # the legs kept working throughout
    assert (venue["sl"].status, venue["tp"].status) == (OPEN, PARTIALLY_FILLED)
    result = reconcile(book, snapshot_of(venue))
    assert result.findings == ()
    assert totals(result.apply(book).book) == totals(venue)


# Positions count the fills of released orders.


def released_long_ten() -> OrderBook:
    """A book that bought 10 AAPL and has since released the filled order."""
    book = OrderBook().submit(DecimalOrder(T0, "AAPL", 10, id="buy")).book
    book = book.apply("buy", Fill(10, 100, fill_id="b1")).book
    book = book.release(T0 + timedelta(hours=1)).book
    assert book.net_position("AAPL") == 10
    return book


def test_a_venue_agreeing_with_the_books_position_after_a_release_is_no_mismatch() -> None:
    reconciliation = reconcile(released_long_ten(), Snapshot({}, positions={"AAPL": Decimal(10)}))
    assert [str(finding) for finding in reconciliation.findings] == []


def test_a_venue_flat_while_the_book_holds_a_released_position_is_a_mismatch() -> None:
    reconciliation = reconcile(released_long_ten(), Snapshot({}, positions={"AAPL": Decimal(0)}))
    mismatches = [f for f in reconciliation.findings if isinstance(f, PositionMismatch)]
    assert [(m.book_position, m.venue_position) for m in mismatches] == [(Decimal(10), Decimal(0))]
