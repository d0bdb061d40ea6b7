"""The book's fast paths give what its full path gives.

A fill outside any link moves its asset's position, and the position rules
then run on the asset's exits, unless they are the legs of one bracket whose
share of the position the fill leaves as it was
(:func:`orders.book.rules.position_moves_exits`). The book machine of the
property tests drives random books of brackets, OCO groups, reduce-only exits
and the host's own orders; every operation it makes is made twice here, the
second time with the position rules run after every change of a position, and
both must give equal results (or the same refusal).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from orders import (
    BracketOrder,
    DecimalOrder,
    Fill,
    LimitOrder,
    OrderBook,
    OrderError,
    bracket_orders,
)
from orders.book import rules
from property_tests.test_book_machine import BookMachine

T0 = datetime(2024, 1, 15, 9, 30)
OPERATIONS = ("submit", "apply", "on_price", "on_bar", "on_time", "close_position")


@contextmanager
def full_path() -> Iterator[None]:
    """Run the position rules after every change of a position, as the book did
    before it learned to tell when they cannot change anything."""
    fast = rules.position_moves_exits
    rules.position_moves_exits = lambda links, asset, before: True
    try:
        yield
    finally:
        rules.position_moves_exits = fast


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("result", call())
    except OrderError as error:
        return ("refused", (type(error), str(error)))


def compared(operation: Callable[..., Any]) -> Callable[..., Any]:
    def both(book: OrderBook, *args: Any, **kwargs: Any) -> Any:
        fast = outcome(lambda: operation(book, *args, **kwargs))
        with full_path():
            full = outcome(lambda: operation(book, *args, **kwargs))
        assert fast == full
        if fast[0] == "refused":
            raise fast[1][0](fast[1][1])
        return fast[1]

    return both


def test_every_operation_on_random_books_gives_the_result_of_the_full_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in OPERATIONS:
        monkeypatch.setattr(OrderBook, name, compared(getattr(OrderBook, name)))
    run_state_machine_as_test(
        BookMachine, settings=settings(max_examples=60, stateful_step_count=40, deadline=None)
    )


def covered_bracket() -> OrderBook:
    """A long bracket of 100, filled: its two legs sell 100."""
    orders = bracket_orders(T0, "XYZ", 100, BracketOrder(LimitOrder(100), 90, 110),
                            ids=("m", "s", "t"))
    book = OrderBook().submit(*orders).book
    return book.apply("m", Fill(100, 100, dt=T0)).book


def plain(amount: int) -> DecimalOrder:
    """The host's own limit order, outside any link."""
    return DecimalOrder(T0, "XYZ", amount, limit=100, id="p")


def test_a_fill_outside_the_bracket_that_leaves_it_covered_changes_no_leg() -> None:
    book = covered_bracket().submit(plain(20)).book
    result = book.apply("p", Fill(10, 100, dt=T0))
    assert not rules.position_moves_exits(result.book, "XYZ", book.net_position("XYZ"))
    assert result.derived == ()
    assert [result.book[leg].remaining for leg in ("s", "t")] == [-100, -100]
    with full_path():
        assert book.apply("p", Fill(10, 100, dt=T0)) == result


def test_a_fill_outside_the_bracket_that_takes_from_its_share_shrinks_the_legs() -> None:
    book = covered_bracket().submit(plain(-30)).book
    result = book.apply("p", Fill(30, 100, dt=T0))
    assert rules.position_moves_exits(result.book, "XYZ", book.net_position("XYZ"))
    assert [result.book[leg].remaining for leg in ("s", "t")] == [-70, -70]

