"""When a bracket's exit legs start to work: from the entry's first fill (the
default), or once the entry has stopped filling (``arming="entry_filled"``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from orders import (
    Amend,
    BadOrderParameters,
    BracketOrder,
    Cancel,
    Fill,
    FillBust,
    LimitOrder,
    OrderBook,
    Recorder,
    SerializationError,
    buy_bracket,
    dumps,
    loads,
    replay,
)
from orders.book.rules import Arming
from tests.book.test_rules import AAPL, CANCELLED, FILLED, HELD, OPEN, PARTIALLY_FILLED, T0


def late_bracket(size: int = 100) -> OrderBook:
    orders = buy_bracket(T0, AAPL, size, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    return OrderBook().submit(*orders, arming="entry_filled").book


def legs(book: OrderBook) -> list[tuple[str, object, Decimal]]:
    return [(leg.id, leg.status, leg.amount) for leg in book.children("m")]


def test_by_default_the_legs_work_from_the_first_fill() -> None:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book.apply("m", Fill(40, 100)).book
    assert book.brackets["m"].arming is Arming.FIRST_FILL
    assert legs(book) == [("s", OPEN, -40), ("l", OPEN, -40)]


def test_armed_on_the_filled_entry_the_legs_wait_through_partial_fills() -> None:
    book = late_bracket().apply("m", Fill(40, 100)).book
    assert book["m"].status is PARTIALLY_FILLED
    assert legs(book) == [("s", HELD, -100), ("l", HELD, -100)]
    book = book.apply("m", Fill(60, 100)).book
    assert legs(book) == [("s", OPEN, -100), ("l", OPEN, -100)]


def test_an_entry_that_ends_partly_filled_arms_its_legs_for_what_it_filled() -> None:
    book = late_bracket().apply("m", Fill(40, 100)).book
    book = book.apply("m", Cancel("done for the day")).book
    assert legs(book) == [("s", OPEN, -40), ("l", OPEN, -40)]


def test_an_entry_that_ends_without_a_fill_leaves_nothing_to_protect() -> None:
    book = late_bracket().apply("m", Cancel("no fill")).book
    assert [(leg.id, leg.status) for leg in book.children("m")] == [
        ("s", CANCELLED), ("l", CANCELLED),
    ]


def test_a_bust_that_reopens_the_entry_makes_the_legs_wait_again() -> None:
    book = late_bracket().apply("m", Fill(40, 100, fill_id="a")).book
    book = book.apply("m", Fill(60, 100, fill_id="b")).book
    assert book["m"].status is FILLED
    book = book.apply("m", FillBust("b")).book
    assert book["m"].status is PARTIALLY_FILLED
    assert legs(book) == [("s", HELD, -100), ("l", HELD, -100)]


def test_a_dormant_leg_resized_below_the_entrys_fills_stops_the_entry_at_them() -> None:
    book = late_bracket().apply("m", Fill(40, 100)).book
    result = book.apply("s", Amend(amount=-30))
    assert (result.book["m"].status, result.book["m"].amount) == (FILLED, 40)
    assert legs(result.book) == [("s", OPEN, -40), ("l", OPEN, -40)]


def test_arming_is_given_to_place_and_refused_when_unknown() -> None:
    style = BracketOrder(LimitOrder(100), 95, 110)
    book = OrderBook().place(T0, AAPL, 10, style, ids=("m", "s", "l"),
                             arming=Arming.ENTRY_FILLED).book
    assert book.brackets["m"].arming is Arming.ENTRY_FILLED
    with pytest.raises(BadOrderParameters, match="arming must be 'first_fill' or 'entry_filled'"):
        OrderBook().place(T0, AAPL, 10, style, arming="late")


def test_arming_survives_documents_and_replay() -> None:
    book = late_bracket().apply("m", Fill(40, 100)).book
    assert loads(dumps(book), OrderBook) == book
    assert '"arming"' not in dumps(OrderBook().submit(*buy_bracket(
        T0, AAPL, 1, price=100, stopprice=95, limitprice=110, ids=("a", "b", "c"))).book)
    broken = dumps(book).replace('"arming":"entry_filled"', '"arming":"late"')
    with pytest.raises(SerializationError, match=r"brackets.m.arming: arming is"):
        loads(broken, OrderBook)
    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(T0, AAPL, 10, BracketOrder(LimitOrder(100), 95, 110), ids=("m", "s", "l"),
                   arming="entry_filled")
    recorder.apply("m", Fill(4, 100))
    recorder.on_time(T0 + timedelta(minutes=1))
    assert replay(lines).book == recorder.book
    assert legs(replay(lines).book) == [("s", HELD, -10), ("l", HELD, -10)]
