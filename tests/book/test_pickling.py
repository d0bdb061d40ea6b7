"""Pickling books: the orders, their links and the audit trail come back, and the
loaded book works as the one pickled did.

``data/0c88cc4.pickle`` was written by commit 0c88cc4, whose orders pickled as
a tuple of each version's fields with the terms and events as objects. It
holds :func:`mixed_book` as built below.
"""

from __future__ import annotations

import pickle
from decimal import Decimal
from functools import reduce
from pathlib import Path

from hypothesis import given, settings

from orders import (
    Bar,
    BarUpdate,
    BracketOrder,
    DecimalOrder,
    Event,
    Fill,
    LimitOrder,
    OCOOrder,
    OrderBook,
    PriceUpdate,
    StopOrder,
    apply,
)
from orders.testing import strategies
from tests.order.test_pickling import AAPL, T0, at

FIXTURE = Path(__file__).resolve().parent / "data" / "0c88cc4.pickle"


def mixed_book() -> OrderBook:
    """A bracket whose entry partly filled, an OCO pair, a filled trailing stop and
    a resting limit."""
    trailing_events: list[Event] = [PriceUpdate(Decimal(101), at(1)),
                                    BarUpdate(Bar(101, 103, 100, 102), at(2)),
                                    PriceUpdate(Decimal(95), at(3)),
                                    Fill(5, "96", dt=at(4), fill_id="tf")]
    trailing = reduce(apply, trailing_events, DecimalOrder(
        T0, "XYZ", -5, trail_amount="2", stop="98", trailing_highest_price="100", id="t1"))
    book = OrderBook()
    book = book.place(T0, AAPL, 100, BracketOrder(LimitOrder(100), 95, 110),
                      ids=["b1", "b2", "b3"]).book
    book = book.place(T0, AAPL, -50, OCOOrder(LimitOrder(120), StopOrder(90)),
                      ids=["c1", "c2"]).book
    book = book.apply("b1", Fill(40, 100, dt=at(1), fill_id="bf1")).book
    book = book.submit(trailing).book
    return book.submit(DecimalOrder(T0, AAPL, 10, limit="99", id="r1")).book


def round_trip(book: OrderBook) -> OrderBook:
    loaded: OrderBook = pickle.loads(pickle.dumps(book, pickle.HIGHEST_PROTOCOL))
    return loaded


def assert_same_book(loaded: OrderBook, book: OrderBook) -> None:
    assert loaded == book
    for order_id, order in book.orders.items():
        assert loaded[order_id].history == order.history
        assert loaded[order_id].fills == order.fills
    assert loaded.causes == book.causes
    assert loaded.positions == book.positions
    assert (loaded.index, loaded.active_by_asset, loaded.aware, loaded.exits) == (
        book.index, book.active_by_asset, book.aware, book.exits)


def test_a_book_pickled_with_orders_as_tuples_of_versions_loads_and_works() -> None:
    loaded = pickle.loads(FIXTURE.read_bytes())["book"]
    book = mixed_book()
    assert loaded == book
    for order_id, order in book.orders.items():
        assert loaded[order_id].history == order.history
    fill = Fill(50, 120, dt=at(5), fill_id="cf1")
    assert loaded.apply("c1", fill).book == book.apply("c1", fill).book
    assert loaded.on_price(AAPL, Decimal(94), at(6)).book == book.on_price(
        AAPL, Decimal(94), at(6)).book


def test_a_book_round_trips_with_its_links_trail_and_indexes() -> None:
    book = mixed_book()
    loaded = round_trip(book)
    assert_same_book(loaded, book)
    assert loaded.on_price(AAPL, Decimal(94), at(6)) == book.on_price(AAPL, Decimal(94), at(6))


@settings(deadline=None)  # the machine's load, not the code, sets how long an example takes
@given(strategies.books())
def test_any_book_round_trips(book: OrderBook) -> None:
    assert_same_book(round_trip(book), book)


@settings(deadline=None)
@given(strategies.books(live=True, in_flight=True))
def test_a_live_book_with_requests_in_flight_round_trips(book: OrderBook) -> None:
    loaded = round_trip(book)
    assert_same_book(loaded, book)
    assert [order.pending for order in loaded.orders.values()] == [
        order.pending for order in book.orders.values()]
