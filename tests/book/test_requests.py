"""The book with requests in flight: links follow what the venue confirmed.

A request (NewRequested, CancelRequested, ReplaceRequested) leaves an order's
status and terms as they are, so no linking rule reacts to it; the answer that
confirms it (Cancel, Replaced) is a change like any other. A replace request is
checked against the bracket's price order when it is sent, with every replace in
flight in force; the venue's Replaced is a fact and is taken as it comes.
"""

import pytest

from orders import (
    Amend,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Derived,
    Fill,
    FillBust,
    InvalidTransition,
    LinkedOrderError,
    NewRequested,
    OrderBook,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    buy_bracket,
)
from orders.book.audit import Cause
from tests.book.test_rules import (
    AAPL,
    CANCELLED,
    FILLED,
    HELD,
    OPEN,
    PARTIALLY_FILLED,
    T0,
    bracket,
    check_rule_1,
    oco_pair,
    position,
    step,
)

# OCO groups react to confirmed cancels only.


def test_a_cancel_request_on_an_oco_member_cancels_no_sibling() -> None:
    result = oco_pair().apply("tp", CancelRequested(request_id="c1"))
    assert result.derived == ()
    assert (result.book["tp"].status, result.book["sl"].status) == (OPEN, OPEN)
    assert result.book["tp"].pending_cancel


def test_the_confirmed_cancel_cancels_the_group() -> None:
    book = step(oco_pair(), "tp", CancelRequested(request_id="c1"))
    result = book.apply("tp", Cancel("cancelled by the venue"))
    assert result.book["tp"].pending == ()
    ended = Cause("ending_cancels_the_group", "tp", 2)  # cancel requested, then confirmed
    assert result.derived == (Derived("sl", Cancel("linked order tp ended"), ended),)


def test_a_rejected_cancel_leaves_the_group_as_it_was() -> None:
    before = oco_pair()
    book = step(before, "tp", CancelRequested(request_id="c1"))
    result = book.apply("tp", CancelRejected("no", RequestRejectReason.BROKER_OPTION))
    assert result.derived == ()
    assert [(o.status, o.amount, o.pending) for o in result.book.orders.values()] == [
        (o.status, o.amount, o.pending) for o in before.orders.values()
    ]


def test_a_fill_of_the_other_member_while_a_cancel_is_pending_cancels_it() -> None:
    book = step(oco_pair(), "tp", CancelRequested(request_id="c1"))
    result = book.apply("sl", Fill(100, 90))
    filled = Cause("fill_cancels_the_group", "sl", 1)
    assert result.derived == (Derived("tp", Cancel("linked order sl filled"), filled),)
    assert result.book["tp"].status is CANCELLED
    assert result.book["tp"].pending == ()  # the book's cancel ends the request in flight


def test_a_replace_request_resizes_a_reduce_group_only_once_replaced() -> None:
    book = step(oco_pair("reduce"), "tp", ReplaceRequested(Amend(amount=-60), request_id="r1"))
    assert (book["tp"].amount, book["sl"].amount) == (-100, -100)
    result = book.apply("tp", Replaced(request_id="r1"))
    replaced = Cause("amendment_resizes_the_group", "tp", 2)  # requested, then replaced
    assert result.derived == (Derived("sl", Amend(amount=-60), replaced),)
    assert (result.book["tp"].amount, result.book["sl"].amount) == (-60, -60)


def test_a_rejected_replace_leaves_a_reduce_group_as_it_was() -> None:
    book = step(oco_pair("reduce"), "tp", ReplaceRequested(Amend(amount=-60)))
    result = book.apply("tp", ReplaceRejected("no"))
    assert result.derived == ()
    assert (result.book["tp"].amount, result.book["sl"].amount) == (-100, -100)


# Brackets: requests on the entry.


def test_a_pending_cancel_of_the_entry_does_not_end_the_bracket() -> None:
    book = step(bracket(), "m", CancelRequested())
    assert [leg.status for leg in book.children("m")] == [HELD, HELD]
    filled = step(book, "m", Fill(40, 100))  # the cancel raced a fill
    check_rule_1(filled)
    assert [leg.remaining for leg in filled.children("m")] == [-40, -40]
    confirmed = step(filled, "m", Cancel())
    assert confirmed["m"].status is CANCELLED
    assert [(leg.status, leg.remaining) for leg in confirmed.children("m")] == [
        (OPEN, -40), (OPEN, -40)]
    check_rule_1(confirmed)


def test_a_pending_replace_of_the_entry_resizes_the_legs_only_once_replaced() -> None:
    book = step(bracket(), "m", ReplaceRequested(Amend(amount=60)))
    assert [leg.amount for leg in book.children("m")] == [-100, -100]
    result = book.apply("m", Replaced())
    assert [leg.amount for leg in result.book.children("m")] == [-60, -60]
    check_rule_1(result.book)


# Brackets: replace requests are held to the price order when sent and when answered.


def test_a_replace_request_that_breaks_the_price_order_is_refused_before_it_is_sent() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    with pytest.raises(LinkedOrderError, match="exits_keep_their_price_order") as refused:
        book.apply("s", ReplaceRequested(Amend(stop=112)))
    assert refused.value.rule == "exits_keep_their_price_order"
    assert "stop-loss s would stop at 112, take-profit l limits at 110" in str(refused.value)
    with pytest.raises(LinkedOrderError, match="entry m would limit at 94"):
        bracket().apply("m", ReplaceRequested(Amend(limit=94)))


def test_a_replace_request_is_checked_with_every_replace_in_flight_in_force() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", ReplaceRequested(Amend(stop=98), request_id="r1"))
    with pytest.raises(LinkedOrderError, match="stop-loss s would stop at 112"):
        book.apply("s", ReplaceRequested(Amend(stop=112), request_id="r2"))


def test_a_replace_request_is_checked_with_the_other_legs_replaces_in_flight() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", ReplaceRequested(Amend(stop=105), request_id="r-s"))
    with pytest.raises(LinkedOrderError, match="exits_keep_their_price_order"):
        book.apply("l", ReplaceRequested(Amend(limit=104), request_id="r-l"))


def test_a_replaced_is_a_fact_the_book_takes_unchecked() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", ReplaceRequested(Amend(stop=99), request_id="r-s"))
    book = step(book, "s", Replaced(request_id="r-s"))
    assert (book["s"].stop, book["s"].pending) == (99, ())


def test_a_replaced_puts_the_requested_price_in_force() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", ReplaceRequested(Amend(stop=101)))
    assert book["s"].stop == 95
    book = step(book, "s", Replaced())
    assert (book["s"].stop, book["s"].pending) == (101, ())


def test_a_replace_request_of_an_active_legs_amount_is_refused() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    with pytest.raises(LinkedOrderError, match="active_legs_follow_the_position"):
        book.apply("s", ReplaceRequested(Amend(amount=-10)))


def test_a_replaced_amount_of_a_dormant_leg_resizes_the_whole_bracket() -> None:
    book = step(bracket(), "s", ReplaceRequested(Amend(amount=-60)))
    assert book["m"].amount == 100
    result = book.apply("s", Replaced())
    assert (result.book["m"].amount, result.book["l"].amount) == (60, -60)
    check_rule_1(result.book)


def test_a_dormant_legs_replace_confirmed_below_the_entrys_fills_stops_the_entry_at_them() -> None:
    """The entry filled 40 while the replace for a bracket of 30 was in flight, and
    a sell outside the bracket left it no share of the position, so the legs stay
    dormant: the bracket cannot go below what its entry has filled."""
    book = bracket().submit(DecimalOrder(T0, AAPL, -100, id="x")).book
    book = step(book, "x", Fill(100, 101))
    book = step(book, "s", ReplaceRequested(Amend(amount=-30), request_id="r1"))
    book = step(book, "m", Fill(40, 100))
    assert [(leg.status, leg.amount) for leg in book.children("m")] == [(HELD, -100)] * 2
    result = book.apply("s", Replaced(request_id="r1"))
    sized = Cause("dormant_leg_sizes_the_bracket", "s", 2)  # replace asked, replaced
    assert result.derived[0] == Derived("m", Amend(amount=40), sized)
    assert (result.book["m"].status, result.book["m"].amount) == (FILLED, 40)
    assert result.book.brackets["m"].withdrawn  # its position was traded away by x


# The protection invariant holds at every step while exit legs have requests in flight.


def test_an_entry_fill_while_a_stop_loss_replace_is_pending_grows_the_terms_in_force() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    book = step(book, "s", ReplaceRequested(Amend(stop=98), request_id="r1"))
    check_rule_1(book)
    book = step(book, "m", Fill(60, 100))
    check_rule_1(book)
    assert (book["s"].remaining, book["s"].stop, book["s"].pending_replace is not None) == (
        -100, 95, True)
    book = step(book, "s", Replaced(request_id="r1"))
    check_rule_1(book)
    assert (book["s"].remaining, book["s"].stop, book["s"].pending) == (-100, 98, ())


def test_a_stop_loss_with_a_pending_cancel_covers_until_the_cancel_is_confirmed() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    book = step(book, "s", CancelRequested(request_id="c1"))
    book = step(book, "m", Fill(20, 100))
    check_rule_1(book)
    assert book["s"].remaining == -60
    assert book["s"].pending_cancel
    confirmed = book.apply("s", Cancel())
    assert confirmed.book.brackets["m"].withdrawn  # the host takes the position over
    assert [o.status for o in (confirmed.book["m"], confirmed.book["l"])] == [
        CANCELLED, CANCELLED]


def test_a_stop_loss_filled_while_its_cancel_is_pending() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", CancelRequested(request_id="c1"))
    book = step(book, "s", Fill(30, 95))
    check_rule_1(book)
    assert (book["s"].status, book["l"].remaining, position(book)) == (PARTIALLY_FILLED, -70, 70)
    book = step(book, "s", Fill(70, 95))
    check_rule_1(book)
    assert (book["s"].status, book["l"].status) == (FILLED, CANCELLED)
    book = step(book, "s", CancelRejected("too late", RequestRejectReason.TOO_LATE))
    check_rule_1(book)
    assert book["s"].pending == ()


def test_an_entry_bust_while_a_leg_replace_is_pending_makes_the_legs_dormant() -> None:
    book = step(bracket(), "m", Fill(40, 100, fill_id="e1"))
    book = step(book, "l", ReplaceRequested(Amend(limit=112)))
    book = step(book, "m", FillBust("e1"))
    check_rule_1(book)
    assert book["l"].status is HELD
    assert book["l"].pending_replace is not None


def test_a_released_bracket_leg_can_be_sent() -> None:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book
    book = step(book, "m", Fill(40, 100))
    try:
        book = step(book, "s", NewRequested(request_id="n-s"))
    except InvalidTransition:
        pytest.fail("a released leg cannot be sent")
    assert book["s"].pending_new


def test_an_amend_is_checked_with_the_other_legs_replaces_in_flight() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", ReplaceRequested(Amend(stop=104), request_id="r-s"))
    with pytest.raises(LinkedOrderError, match="exits_keep_their_price_order"):
        book.apply("l", Amend(limit=103))
    assert book.apply("l", Amend(limit=105)).book["l"].limit == 105
