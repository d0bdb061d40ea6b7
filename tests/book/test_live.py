"""The book's live mode: its decisions about orders the venue has are requests.

``OrderBook(live=True)`` derives a ``CancelRequested`` where the backtest book
applies a ``Cancel`` (or a ``Hold``), and a ``ReplaceRequested`` where it
applies an ``Amend``, for every order the venue has; the request is in flight
on the order, and the rules count it as taken. The venue's confirmation changes
nothing more; its refusal is answered by the same request again.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders import (
    Acknowledged,
    Amend,
    BadOrderParameters,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Derived,
    Event,
    Fill,
    FillBust,
    LinkedOrderError,
    NewRequested,
    OrderBook,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    Submit,
    apply,
    buy_bracket,
    dumps,
    loads,
    oco_orders,
    sell_bracket,
)
from orders.book.audit import Cause
from orders.book.rules import as_it_will_stand, at_the_venue, check_book
from orders.styles import LimitOrder, OCOOrder, StopOrder
from tests.book.test_rules import AAPL, CANCELLED, FILLED, HELD, OPEN, PARTIALLY_FILLED, T0

TOO_LATE = RequestRejectReason.TOO_LATE


def sent(book: OrderBook, *order_ids: str) -> OrderBook:
    """``book`` once the host has sent each order and the venue acknowledged it."""
    for order_id in order_ids:
        book = book.apply(order_id, NewRequested()).book
        book = book.apply(order_id, Acknowledged()).book
    return book


def book_id(book: OrderBook, order_id: str) -> str | None:
    """The request id of the oldest request in flight on ``order_id`` that the book derived."""
    return next(request.request_id for request in book[order_id].pending
                if (request.request_id or "").startswith("book:"))


def live_bracket(mode: str | None = None, size: int = 100) -> OrderBook:
    orders = buy_bracket(T0, AAPL, size, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    return sent(OrderBook(live=True).submit(*orders, link_mode=mode).book, "m")


def live_oco(mode: str | None = None) -> OrderBook:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    return sent(OrderBook(live=True).submit(*legs, link_mode=mode).book, "tp", "sl")


def step(book: OrderBook, order_id: str, event: Event) -> tuple[OrderBook, tuple[Derived, ...]]:
    """Apply ``event``; the new book passes the checks of a loaded book."""
    result = book.apply(order_id, event)
    check_book(result.book)
    return result.book, result.derived


def requests(derived: tuple[Derived, ...]) -> list[tuple[str, str, object]]:
    """Each derived request as (order id, kind, requested amount or reason)."""
    shown: list[tuple[str, str, object]] = []
    for item in derived:
        request = item.event
        if isinstance(request, ReplaceRequested):
            shown.append((item.order_id, "replace", request.change.amount))
        elif isinstance(request, CancelRequested):
            shown.append((item.order_id, "cancel", request.reason))
    return shown


def released_and_sent(book: OrderBook, quantity: int = 40) -> OrderBook:
    """The entry fills ``quantity``; the book releases the legs, and the host sends them."""
    book, derived = step(book, "m", Fill(quantity, 100, fill_id=f"m{quantity}"))
    assert [(d.order_id, type(d.event).__name__) for d in derived] == [
        ("s", "Amend"), ("s", "Release"), ("l", "Amend"), ("l", "Release")]
    return sent(book, "s", "l")


# The reviewer's scenario: legs resized at the venue, not in the book.


def test_a_leg_the_venue_holds_is_resized_by_a_replace_request_and_its_reject_recorded() -> None:
    book = released_and_sent(live_bracket())
    book, derived = step(book, "m", Fill(60, 100, fill_id="m60"))
    assert requests(derived) == [("s", "replace", Decimal(-100)), ("l", "replace", Decimal(-100))]
    for leg in ("s", "l"):  # the venue still holds 40: so does the book, with the replace in flight
        assert book[leg].amount == -40
        assert book[leg].pending_replace == derived[0 if leg == "s" else 1].event
    book, derived = step(book, "s", ReplaceRejected("no", request_id=book_id(book, "s")))
    assert book["s"].amount == -40
    assert requests(derived) == [("s", "replace", Decimal(-100))]  # asked again
    book, derived = step(book, "s", Replaced())
    book, derived = step(book, "l", Replaced())
    assert derived == ()
    assert (book["s"].amount, book["l"].amount, book["s"].pending, book["l"].pending) == (
        -100, -100, (), ())


def test_a_replace_confirmed_after_more_fills_leaves_nothing_to_ask() -> None:
    book = released_and_sent(live_bracket())
    book, _ = step(book, "m", Fill(30, 100, fill_id="m30"))
    book, derived = step(book, "m", Fill(30, 100, fill_id="m30b"))
    assert requests(derived) == [("s", "replace", Decimal(-100)), ("l", "replace", Decimal(-100))]
    assert [request.change.amount for request in book["s"].pending] == [-70, -100]  # chained
    for leg in ("s", "l"):
        book, derived = step(book, leg, Replaced())
        book, derived = step(book, leg, Replaced())
        assert derived == ()
    assert (book["s"].amount, book["l"].amount) == (-100, -100)


# OCO groups.


def test_an_oco_fill_derives_a_cancel_request_for_the_other_member() -> None:
    book, derived = step(live_oco(), "sl", Fill(100, 90, fill_id="f1"))
    assert requests(derived) == [("tp", "cancel", "linked order sl filled")]
    assert book["tp"].status is OPEN
    assert book["tp"].pending_cancel
    book, derived = step(book, "tp", Cancel("cancelled by the venue"))
    assert derived == ()
    assert (book["tp"].status, book["tp"].pending) == (CANCELLED, ())


def test_a_late_fill_on_the_member_being_cancelled_is_recorded_and_too_late_settles_it() -> None:
    book, _ = step(live_oco(), "sl", Fill(100, 90, fill_id="f1"))
    book, derived = step(book, "tp", Fill(100, 110, fill_id="f2"))  # both members filled
    assert derived == ()
    assert (book["tp"].status, book["sl"].status) == (FILLED, FILLED)
    book, derived = step(book, "tp", CancelRejected("filled", TOO_LATE))
    assert derived == ()
    assert book["tp"].pending == ()


def test_a_refused_cancel_of_a_working_member_is_asked_again() -> None:
    book, _ = step(live_oco(), "sl", Fill(40, 90, fill_id="f1"))
    book, _ = step(book, "tp", Fill(10, 110, fill_id="f2"))  # late, partial
    book, derived = step(book, "tp", CancelRejected("not now", RequestRejectReason.OTHER))
    assert requests(derived) == [("tp", "cancel", "linked order sl filled")]
    assert book["tp"].status is PARTIALLY_FILLED
    assert book["tp"].pending_cancel


def test_a_host_cancel_in_flight_counts_as_the_cancel() -> None:
    book, _ = step(live_oco(), "tp", CancelRequested(request_id="host-1"))
    book, derived = step(book, "sl", Fill(100, 90, fill_id="f1"))
    assert derived == ()  # the host has asked already
    assert [request.request_id for request in book["tp"].pending] == ["host-1"]


def test_reduce_mode_resizes_by_request_and_the_confirmation_resizes_nothing() -> None:
    book, derived = step(live_oco("reduce"), "sl", Fill(30, 90, fill_id="f1"))
    assert requests(derived) == [("tp", "replace", Decimal(-70))]
    book, derived = step(book, "tp", Replaced())
    assert derived == ()
    assert (book["tp"].amount, book["sl"].amount) == (-70, -100)


def test_a_member_never_sent_is_cancelled_at_once() -> None:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    book = sent(OrderBook(live=True).submit(*legs).book, "sl")
    book, derived = step(book, "sl", Fill(100, 90, fill_id="f1"))
    filled = Cause("fill_cancels_the_group", "sl", 3)  # sent, acknowledged, filled
    assert derived == (Derived("tp", Cancel("linked order sl filled"), filled),)


# Brackets.


def test_an_exit_fill_cancels_the_entry_by_request_and_its_confirmation_ends_nothing_else() -> None:
    book = released_and_sent(live_bracket())
    book, derived = step(book, "s", Fill(10, 95, fill_id="s1"))
    assert requests(derived) == [
        ("m", "cancel", "bracket m is exiting: exit leg s filled"), ("l", "replace", Decimal(-30))]
    book, derived = step(book, "m", Cancel("cancelled"))
    assert derived == ()
    assert not book.brackets["m"].withdrawn
    assert (book["s"].status, book["l"].status) == (PARTIALLY_FILLED, OPEN)


def test_cancel_mode_an_exit_fill_cancels_the_other_leg_and_the_bracket_stays() -> None:
    book = released_and_sent(live_bracket("cancel"))
    book, derived = step(book, "s", Fill(10, 95, fill_id="s1"))
    assert ("l", "cancel", "linked order s filled") in requests(derived)
    book, derived = step(book, "l", Cancel())
    assert derived == ()
    assert not book.brackets["m"].withdrawn
    assert book["s"].status is PARTIALLY_FILLED


def test_a_bust_cancels_the_legs_the_venue_holds_and_a_new_fill_rearms_new_legs() -> None:
    book = released_and_sent(live_bracket())
    book, derived = step(book, "m", FillBust("m40"))
    reason = "bracket entry m has not filled"
    assert requests(derived) == [("s", "cancel", reason), ("l", "cancel", reason)]
    assert (book["s"].status, book["l"].status) == (OPEN, OPEN)  # at the venue until confirmed
    book, derived = step(book, "s", Cancel())
    book, derived = step(book, "l", Cancel())
    assert derived == ()
    book, derived = step(book, "m", Fill(50, 100, fill_id="m50"))
    submitted = [d.event.order for d in derived if isinstance(d.event, Submit)]
    assert [(leg.id, leg.amount, leg.status) for leg in submitted] == [
        ("s.2", -50, OPEN), ("l.2", -50, OPEN)]
    book = sent(book, "s.2", "l.2")  # new orders: the host can send them
    assert book["s.2"].pending == ()


def test_a_bust_before_the_legs_are_sent_holds_them_in_the_book() -> None:
    book, _ = step(live_bracket(), "m", Fill(40, 100, fill_id="m40"))
    book, derived = step(book, "m", FillBust("m40"))
    assert [type(d.event).__name__ for d in derived] == ["Hold", "Amend", "Hold", "Amend"]
    book, _ = step(book, "m", Fill(20, 100, fill_id="m20"))
    book = sent(book, "s", "l")  # held and released in the book only: still sendable
    assert (book["s"].status, book["s"].amount) == (OPEN, -20)


def test_a_refill_before_the_venue_confirms_the_cancels_rearms_at_once() -> None:
    book = released_and_sent(live_bracket())
    book, _ = step(book, "m", FillBust("m40"))
    book, derived = step(book, "m", Fill(50, 100, fill_id="m50"))
    assert [d.order_id for d in derived if isinstance(d.event, Submit)] == ["s.2", "l.2"]
    book, derived = step(book, "s", CancelRejected("too late", TOO_LATE))
    assert requests(derived) == [("s", "cancel", "bracket entry m has not filled")]


def test_a_late_fill_on_a_leg_being_cancelled_is_recorded() -> None:
    book = released_and_sent(live_bracket())
    book, _ = step(book, "l", Fill(40, 110, fill_id="l1"))  # closes the position
    book, _ = step(book, "m", Cancel("done for the day"))
    assert book["s"].pending_cancel
    book, _ = step(book, "s", Fill(40, 95, fill_id="s1"))  # raced the cancel
    assert (book["s"].status, book["s"].filled) == (FILLED, -40)
    book, _ = step(book, "s", CancelRejected("filled", TOO_LATE))
    assert book["s"].pending == ()


def test_the_host_cancelling_a_leg_withdraws_the_bracket_once_confirmed() -> None:
    book = released_and_sent(live_bracket())
    book, derived = step(book, "s", CancelRequested(request_id="host-1"))
    assert derived == ()
    book, derived = step(book, "m", Fill(20, 100, fill_id="m20"))
    assert requests(derived) == [("l", "replace", Decimal(-60))]  # s is being cancelled
    book, derived = step(book, "s", Cancel())
    assert book.brackets["m"].withdrawn
    assert {d.order_id for d in derived} == {"m", "l"}


def test_a_dormant_leg_resized_below_the_entrys_fills_asks_the_venue_to_stop_the_entry() -> None:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    book = sent(OrderBook(live=True).submit(*orders, arming="entry_filled").book, "m")
    book, _ = step(book, "m", Fill(40, 100, fill_id="m40"))
    book, derived = step(book, "s", Amend(amount=-30))  # never sent: changed in the book
    assert requests(derived) == [("m", "replace", Decimal(40))]  # not 30: it filled 40
    assert [(leg.status, leg.amount) for leg in book.children("m")] == [(OPEN, -40)] * 2
    book, derived = step(book, "m", Replaced())
    assert (book["m"].status, derived) == (FILLED, ())


def test_an_outside_fill_releases_legs_never_sent_for_the_host_to_send() -> None:
    """The legs waited with no share of the position; a sell outside the bracket
    gives it one. They were never sent, so the book releases them itself, and its
    Release tells the host to send them."""
    long = DecimalOrder(T0, AAPL, 1, id="long")
    book = sent(OrderBook(live=True).submit(long).book, "long")
    book, _ = step(book, "long", Fill(1, 100))
    orders = sell_bracket(T0, AAPL, 2, price=100, stopprice=105, limitprice=95,
                          ids=("m", "s", "l"))
    book = sent(book.submit(*orders).book, "m")
    book, _ = step(book, "m", Fill(1, 100))  # the position is flat: nothing to protect
    assert [leg.status for leg in book.children("m")] == [HELD, HELD]
    book = sent(book.submit(DecimalOrder(T0, AAPL, -1, limit=100, id="x")).book, "x")
    book, derived = step(book, "x", Fill(1, 100))
    assert [(d.order_id, type(d.event).__name__) for d in derived] == [
        ("s", "Amend"), ("s", "Release"), ("l", "Amend"), ("l", "Release")]
    assert [(leg.status, at_the_venue(leg)) for leg in book.children("m")] == [(OPEN, False)] * 2
    book = sent(book, "s", "l")
    assert all(at_the_venue(leg) for leg in book.children("m"))


def test_the_legs_stand_as_the_books_requests_leave_them() -> None:
    book = released_and_sent(live_bracket())
    book, _ = step(book, "m", Fill(60, 100, fill_id="m60"))
    assert as_it_will_stand(book["s"], live=True).amount == -100
    assert as_it_will_stand(book["s"], live=False).amount == -40


# The mode survives a document; a backtest book writes no mode.


def test_a_live_book_survives_dumps_and_loads() -> None:
    book = released_and_sent(live_bracket())
    book, _ = step(book, "m", Fill(60, 100, fill_id="m60"))
    loaded = loads(dumps(book), OrderBook)
    assert loaded == book
    assert loaded.live
    assert '"live"' not in dumps(OrderBook().submit(DecimalOrder(T0, AAPL, 1, id="x")).book)
    assert not loads(dumps(OrderBook()), OrderBook).live


def test_a_backtest_book_applies_its_decisions() -> None:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    book = sent(OrderBook().submit(*legs).book, "tp", "sl")
    result = book.apply("sl", Fill(100, 90))
    filled = Cause("fill_cancels_the_group", "sl", 3)
    assert result.derived == (Derived("tp", Cancel("linked order sl filled"), filled),)


@pytest.mark.parametrize("mode", ["cancel", "reduce"])
def test_held_legs_are_never_sent_by_the_book(mode: str) -> None:
    book = live_bracket(mode)
    assert (book["s"].status, book["l"].status) == (HELD, HELD)
    assert book["s"].pending == ()


def test_a_host_cancel_refused_beside_a_filled_member_is_asked_by_the_book() -> None:
    book, _ = step(live_oco(), "tp", CancelRequested(request_id="host-1"))
    book, _ = step(book, "sl", Fill(100, 90, fill_id="f1"))
    book, derived = step(book, "tp", CancelRejected("not now", request_id="host-1"))
    assert requests(derived) == [("tp", "cancel", "linked order sl filled")]


def test_a_host_cancel_of_a_leg_refused_lets_the_book_resize_it() -> None:
    book = released_and_sent(live_bracket())
    book, _ = step(book, "s", CancelRequested(request_id="host-1"))
    book, _ = step(book, "m", Fill(20, 100, fill_id="m20"))
    book, derived = step(book, "s", CancelRejected("no", request_id="host-1"))
    assert requests(derived) == [("s", "replace", Decimal(-60))]


def test_a_refused_book_replace_is_asked_again_while_an_older_one_is_in_flight() -> None:
    group = OrderBook(live=True).submit(
        *oco_orders(T0, "X", -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl")),
        link_mode="reduce",
    ).book
    for order_id in ("tp", "sl"):
        group = group.apply(order_id, NewRequested()).book
        group = group.apply(order_id, Acknowledged()).book
    group = group.apply("sl", Fill(30, 90, fill_id="a")).book
    group = group.apply("sl", Fill(20, 90, fill_id="b")).book
    newest = group["tp"].pending[-1]
    result = group.apply("tp", ReplaceRejected("busy", "OTHER", newest.request_id))
    assert [(d.order_id, type(d.event).__name__) for d in result.derived] == [
        ("tp", "ReplaceRequested")]
    assert result.derived[0].event.change.amount == -50  # type: ignore[union-attr]
    assert result.book["sl"].amount == -100


def test_a_refusal_that_asking_again_cannot_help_is_not_renewed() -> None:
    group = OrderBook(live=True).submit(
        *oco_orders(T0, "X", -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl")),
    ).book
    for order_id in ("tp", "sl"):
        group = group.apply(order_id, NewRequested()).book
    group = group.apply("sl", Fill(100, 90, fill_id="a")).book
    request = group["tp"].pending[-1]
    result = group.apply("tp", CancelRejected("unknown", "UNKNOWN_ORDER", request.request_id))
    assert result.derived == ()
    assert result.book["tp"].pending == (group["tp"].pending[0],)  # its NewRequested


def test_an_order_carrying_the_venues_id_is_at_the_venue() -> None:
    _, sl = oco_orders(T0, "X", -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    rebuilt = DecimalOrder(T0, "X", -100, limit=110, id="tp", linked_order_ids=["sl"],
                           broker_order_id="V-1")
    result = OrderBook(live=True).submit(rebuilt, apply(sl, Fill(100, 90, fill_id="a")))
    assert [(d.order_id, type(d.event).__name__) for d in result.derived] == [
        ("tp", "CancelRequested")]


def test_the_host_may_not_use_the_books_request_ids() -> None:
    book = OrderBook(live=True).submit(DecimalOrder(T0, "X", 10, limit=100, id="o")).book
    with pytest.raises(BadOrderParameters, match="begins 'book:'"):
        book.apply("o", NewRequested("book:o:1"))


def test_the_host_asks_the_venue_only_about_orders_it_has() -> None:
    book = OrderBook(live=True).submit(DecimalOrder(T0, "X", 10, limit=100, id="o")).book
    with pytest.raises(LinkedOrderError, match="order o has not been sent") as refused:
        book.apply("o", CancelRequested())
    assert refused.value.rule == "requests_go_to_orders_the_venue_has"
    sent_book = book.apply("o", NewRequested()).book
    assert sent_book.apply("o", CancelRequested()).book["o"].pending_cancel
    assert OrderBook().submit(book["o"]).book.apply("o", CancelRequested()).book["o"].pending


def test_an_order_rebuilt_with_fills_is_at_the_venue() -> None:
    rebuilt = DecimalOrder(T0, "X", 10, limit=100, id="a", filled=4, notional=396)
    book = OrderBook(live=True).submit(rebuilt).book
    assert book.apply("a", CancelRequested()).book["a"].pending_cancel
