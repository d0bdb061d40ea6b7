"""The audit trail: every change the book makes on its own names its cause,
and ``OrderBook.explain`` follows the causes back."""

from __future__ import annotations

import json
import pickle
from datetime import timedelta

import pytest

from orders import (
    ORDER_STATUS,
    Acknowledged,
    BadOrderParameters,
    Bar,
    CancelRejected,
    Cause,
    DecimalOrder,
    Fill,
    FillBust,
    NewRequested,
    OrderBook,
    PriceUpdate,
    RequestRejectReason,
    SerializationError,
    SimulatedVenue,
    Snapshot,
    Submit,
    UnknownOrderError,
    VenueOrder,
    apply,
    buy_bracket,
    dumps,
    loads,
    oco_orders,
    reconcile,
    snapshot_of,
    trail_text,
)
from orders.book.audit import event_text
from orders.styles import LimitOrder, OCOOrder, StopOrder
from tests.book.test_live import live_bracket, released_and_sent, step as live_step
from tests.book.test_rules import AAPL, CANCELLED, FILLED, OPEN, T0


def oco_book(live: bool = False) -> OrderBook:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    return OrderBook(live=live).submit(*legs).book


def bracket_book(mode: str = "reduce") -> OrderBook:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    return OrderBook().submit(*orders, link_mode=mode).book


def test_an_oco_cancel_names_the_fill_that_caused_it_and_explain_follows_it() -> None:
    book = oco_book().apply("tp", Fill(30, 110)).book
    steps = book.explain("sl")
    assert [(step.step, step.status) for step in steps] == [(0, OPEN), (1, CANCELLED)]
    created, cancelled = steps
    assert created.event is None
    assert created.cause is None
    assert created.because is None
    assert cancelled.cause == Cause("fill_cancels_the_group", "tp", 1)
    assert cancelled.because is not None
    assert cancelled.because.order_id == "tp"
    assert cancelled.because.event == Fill(30, 110)
    assert cancelled.because.cause is None  # the host's own fill


def test_a_bracket_through_the_venue_explains_its_stop_loss_back_to_the_venues_fills() -> None:
    venue = SimulatedVenue()
    book = bracket_book()
    book = venue.on_bar(book, AAPL, Bar(100, 101, 99, 100), T0 + timedelta(minutes=1)).book
    book = venue.on_bar(book, AAPL, Bar(104, 111, 103, 109), T0 + timedelta(minutes=2)).book
    assert book["s"].status is CANCELLED
    released, cancelled = book.explain("s")[1:]
    assert released.cause is not None
    assert released.cause.rule == "legs_cover_the_position"
    assert released.because is not None
    assert released.because.order_id == "m"
    assert type(released.because.event) is Fill
    assert cancelled.cause is not None
    assert cancelled.cause.rule == "nothing_left_to_protect"
    take_profit_fill = cancelled.because
    assert take_profit_fill is not None
    assert (take_profit_fill.order_id, take_profit_fill.status) == ("l", FILLED)
    assert take_profit_fill.cause == Cause("limit_fills_at_its_limit_or_better")
    assert take_profit_fill.because is None
    text = trail_text(book.explain("s"))
    assert "    <- l #" in text
    assert "by nothing_left_to_protect" in text


def test_in_cancel_mode_the_exit_fill_rule_cancels_the_other_leg() -> None:
    book = bracket_book("cancel").apply("m", Fill(100, 100)).book
    book = book.apply("l", Fill(100, 110)).book
    assert book.explain("s")[-1].cause == Cause(
        "exit_fill_cancels_the_other_legs", "l", len(book["l"].history)
    )


def test_market_data_and_the_clock_name_the_operation_that_moved_the_order() -> None:
    end = T0 + timedelta(hours=1)
    book = OrderBook().submit(
        DecimalOrder(T0, AAPL, -10, stop=95, id="stop"),
        DecimalOrder(T0, AAPL, 10, limit=90, id="day", valid_until=end),
    ).book
    book = book.on_price(AAPL, 94, T0).book
    book = book.on_time(end).book
    assert [step.cause for step in book.explain("stop")[1:]] == [Cause("on_price")]
    assert [step.cause for step in book.explain("day")[1:]] == [Cause("on_time")]


def test_a_rearmed_leg_is_created_for_the_bust_that_reopened_the_bracket() -> None:
    book = bracket_book().apply("m", Fill(100, 100)).book
    book = book.apply("l", Fill(100, 110, fill_id="x1")).book
    result = book.apply("l", FillBust("x1"))
    submits = [item for item in result.derived if isinstance(item.event, Submit)]
    assert [item.order_id for item in submits] == ["s.2", "l.2"]
    bust = Cause("rearm_protection", "l", len(result.book["l"].history) - 1)
    assert {item.cause for item in submits} == {bust}
    (created,) = result.book.explain("s.2")
    assert created.cause == bust
    assert created.because is not None
    assert created.because.event == FillBust("x1")


def test_every_derived_event_carries_the_cause_the_book_keeps() -> None:
    book = bracket_book()
    result = book.apply("m", Fill(40, 100))
    assert result.derived
    for item in result.derived:
        step = next(step for step in result.book.explain(item.order_id)
                    if step.event == item.event)
        assert step.cause == item.cause


def test_a_live_book_names_the_refusal_it_renews_a_request_for() -> None:
    book = oco_book(live=True)
    for order_id in ("tp", "sl"):
        book = book.apply(order_id, NewRequested()).book
        book = book.apply(order_id, Acknowledged()).book
    book = book.apply("sl", Fill(100, 90)).book
    refused = CancelRejected(code=RequestRejectReason.TOO_LATE)
    result = book.apply("tp", refused)
    (renewed,) = result.derived
    refusal_step = len(result.book["tp"].history) - 1
    assert renewed.cause == Cause("renewed_request", "tp", refusal_step)
    last = result.book.explain("tp")[-1]
    assert last.because is not None
    assert last.because.event == refused


def test_a_host_may_name_the_cause_of_its_own_event() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 10, limit=100, id="a")).book
    book = book.apply("a", Fill(10, 100), cause=Cause("reconcile")).book
    assert book.explain("a")[-1].cause == Cause("reconcile")
    with pytest.raises(BadOrderParameters, match="cause"):
        book.apply("a", Fill(1, 100), cause="reconcile")  # type: ignore[arg-type]


def test_explain_refuses_an_order_the_book_does_not_hold() -> None:
    with pytest.raises(UnknownOrderError):
        OrderBook().explain("nope")


def test_a_market_update_that_takes_another_ones_place_takes_its_cause_too() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 10, limit=100, id="a")).book
    book = book.apply("a", Fill(5, 100), cause=Cause("host said")).book
    reached = book.on_price(AAPL, 99, T0 + timedelta(minutes=1)).book
    assert len(reached["a"].history) == 2
    again = reached.on_price(AAPL, 98, T0 + timedelta(minutes=2)).book
    assert len(again["a"].history) == 2  # the second update took the first one's place
    assert [step.cause for step in again.explain("a")] == [None, Cause("host said"),
                                                           Cause("on_price")]
    undone = again.apply("a", PriceUpdate(101, T0 + timedelta(minutes=3))).book
    assert len(undone["a"].history) == 1  # back to the version before the updates
    assert dict(undone.causes["a"]) == {1: Cause("host said")}
    assert loads(dumps(undone), OrderBook) == undone


def test_release_takes_an_orders_causes_out_with_it() -> None:
    book = oco_book().apply("tp", Fill(100, 110)).book
    assert set(book.causes) == {"sl"}
    released = book.release(T0 + timedelta(days=1))
    assert len(released.book.causes) == 0


def test_the_trail_survives_documents_and_pickles() -> None:
    book = bracket_book().apply("m", Fill(40, 100)).book
    assert book.causes
    assert loads(dumps(book), OrderBook).causes == book.causes
    assert loads(dumps(book), OrderBook) == book
    assert pickle.loads(pickle.dumps(book)) == book
    old_pickle = book.__getstate__()
    del old_pickle["causes"]  # as a book pickled before the trail existed
    restored = OrderBook.__new__(OrderBook)
    restored.__setstate__(old_pickle)
    assert len(restored.causes) == 0


@pytest.mark.parametrize(("causes", "message"), [
    ({"zz": [{"step": 0, "rule": "r"}]}, r"'zz' is not an order of the book"),
    ({"s": [{"step": 9, "rule": "r"}]}, r"causes.s\[0\].step: a step is from 0 to 2"),
    ({"s": [{"step": -1, "rule": "r"}]}, r"a step is from 0 to 2.*got -1"),
    ({"s": [{"step": 1, "rule": "r", "order_id": "m"}]}, "both order_id and order_step"),
    ({"s": [{"step": 1, "rule": 5}]}, r"causes.s\[0\].rule"),
    ({"s": [{"step": 1, "rule": "r", "why": "x"}]}, "why"),
    ({"s": [{"step": "1", "rule": "r"}]}, r"causes.s\[0\].step"),
])
def test_a_malformed_trail_in_a_document_is_refused_naming_where(
    causes: object, message: str
) -> None:
    document = json.loads(dumps(bracket_book().apply("m", Fill(40, 100)).book))
    document["value"]["causes"] = causes
    with pytest.raises(SerializationError, match=message):
        loads(json.dumps(document), OrderBook)


def test_event_text_shows_what_an_event_sets() -> None:
    text = event_text(Fill(10, "100.50", fill_id="f"))
    assert text == "Fill(quantity=10, price=100.50, fill_id='f')"


def test_the_steps_of_a_reconciliation_say_so_in_the_trail_inferred_fills_apart() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 10, limit=100, id="o")).book
    book = book.apply("o", Fill(4, 100, fill_id="f-1")).book
    venue = book.apply("o", Fill(2, 100, fill_id="f-2")).book
    reported = reconcile(book, snapshot_of(venue)).apply(book).book
    assert reported.explain("o")[-1].cause == Cause("reconcile")
    totals_only = Snapshot({"o": VenueOrder("o", ORDER_STATUS.PARTIALLY_FILLED, 6, 100)})
    inferred = reconcile(book, totals_only).apply(book).book
    assert inferred.explain("o")[-1].cause == Cause("reconcile_inferred_fill")


# Causes name the step the order has, and the order that set the rule off.


def open_legs(entry_id: str = "m") -> list[DecimalOrder]:
    """A bracket's two exit legs, submitted OPEN, which the rules then hold."""
    return [
        DecimalOrder(T0, AAPL, -100, stop=95, id="s", parent_order_id=entry_id,
                     linked_order_ids=("l",)),
        DecimalOrder(T0, AAPL, -100, limit=110, id="l", parent_order_id=entry_id,
                     linked_order_ids=("s",)),
    ]


def test_a_live_cause_names_the_step_the_order_has_not_one_its_requests_will_add() -> None:
    book = released_and_sent(live_bracket("cancel"))
    book, _ = live_step(book, "m", Fill(60, 100, fill_id="m60"))  # a replace of "l" in flight
    result = book.apply("l", Fill(10, 110, fill_id="l1"))
    (cancel,) = [item for item in result.derived if item.order_id == "s"]
    fill_step = len(result.book["l"].history)
    assert cancel.cause == Cause("exit_fill_cancels_the_other_legs", "l", fill_step)
    because = result.book.explain("s")[-1].because
    assert because is not None
    assert because.event == Fill(10, 110, fill_id="l1")


def test_a_hold_at_submit_is_not_blamed_on_a_fill_that_came_later() -> None:
    entry = apply(DecimalOrder(T0, AAPL, 100, limit=100, id="m"), PriceUpdate(99, T0))
    book = OrderBook().submit(entry, *open_legs()).book
    book = book.on_price(AAPL, 101, T0 + timedelta(minutes=1)).book  # undoes that update
    book = book.apply("m", Fill(100, 100)).book
    hold = book.explain("s")[1]
    assert hold.cause == Cause("legs_wait_for_the_entry", "m", 0)
    assert hold.because is not None
    assert hold.because.event is None  # the entry's creation, not its later fill


@pytest.mark.parametrize("entry_first", [True, False])
def test_a_leg_held_at_submit_names_the_bracket_entry(entry_first: bool) -> None:
    entry = DecimalOrder(T0, AAPL, 100, limit=100, id="m")
    orders = [entry, *open_legs()] if entry_first else [*open_legs(), entry]
    result = OrderBook().submit(*orders)
    assert {item.cause for item in result.derived} == {Cause("legs_wait_for_the_entry", "m", 0)}


@pytest.mark.parametrize(("arguments", "message"), [
    (("risk", "b"), "names an order and its step, or neither"),
    (("risk", None, 1), "names an order and its step, or neither"),
    ((5,), "a cause's rule is a name"),
    (("",), "a cause's rule is a name"),
    (("risk", "b", -3), "a cause's step is an int, 0 or more; got -3"),
    (("risk", 7, 1), "a cause's order_id is an order id, a str; got 7"),
])
def test_a_cause_that_could_not_be_read_back_is_refused_when_made(
    arguments: tuple[object, ...], message: str
) -> None:
    with pytest.raises(BadOrderParameters, match=message):
        Cause(*arguments)  # type: ignore[arg-type]
