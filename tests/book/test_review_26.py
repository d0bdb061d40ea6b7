"""Review of the performance redesign (issue 26): books after a pickle round trip."""

from __future__ import annotations

import pickle

from orders import Amend, Bar, OrderBook
from orders.styles import LimitOrder
from tests.venue.test_simulated import on_bars, on_bars_from, placed_with


def round_trip(book: OrderBook) -> OrderBook:
    loaded: OrderBook = pickle.loads(pickle.dumps(book, pickle.HIGHEST_PROTOCOL))
    return loaded


def test_a_loaded_book_judges_a_post_only_order_amended_since_it_rested_as_the_book_did() -> None:
    # Wrong: loading maps rested terms to the order's terms by equality, so an order amended
    # away and back after it rested counts as rested again; the book itself judges it anew.
    [rested] = on_bars(placed_with(10, LimitOrder(95), post_only=True), Bar(100, 101, 99, 100))
    amended = rested.book.apply("o", Amend(limit=105)).book.apply("o", Amend(limit=95)).book
    [kept] = on_bars_from(amended, 2, Bar(94, 96, 93, 95))
    [loaded] = on_bars_from(round_trip(amended), 2, Bar(94, 96, 93, 95))
    assert (loaded.book["o"].status, loaded.executions) == (kept.book["o"].status, kept.executions)
