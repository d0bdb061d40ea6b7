"""Position-aware exits on an asset with many brackets cost in proportion to them,
and a reduce-only order's replace request keeps to its share.

No timing: the tests count how many bracket states the rules build, which is
the unit of their work, and check it grows no faster than the book does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import orders.book.rules as rules
from orders import (
    Amend,
    DecimalOrder,
    Fill,
    LinkedOrderError,
    NewRequested,
    OrderBook,
    ReplaceRequested,
    buy_bracket,
)

T = datetime(2024, 1, 15, 9, 30)


def filled_brackets(count: int) -> OrderBook:
    """``count`` long brackets on AAPL, every entry filled, and a manual sell working."""
    book = OrderBook()
    for index in range(count):
        ids = (f"m{index}", f"s{index}", f"l{index}")
        orders = buy_bracket(T + timedelta(seconds=index), "AAPL", 10, price=100,
                             stopprice=95, limitprice=110, ids=ids)
        book = book.submit(*orders).book.apply(ids[0], Fill(10, 100)).book
    return book.submit(DecimalOrder(T, "AAPL", -5, id="trim")).book


class StateCounter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        built = rules.bracket_state

        def counting(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return built(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(rules, "bracket_state", counting)

    def during(self, operation: object) -> int:
        self.calls = 0
        assert callable(operation)
        operation()
        return self.calls


def test_a_fill_beside_many_brackets_costs_in_proportion_to_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small, large = filled_brackets(20), filled_brackets(40)
    counter = StateCounter(monkeypatch)
    cost_small = counter.during(lambda: small.apply("trim", Fill(1, 100)))
    cost_large = counter.during(lambda: large.apply("trim", Fill(1, 100)))
    assert cost_large <= 2.5 * cost_small, (cost_small, cost_large)


def test_closing_a_position_of_many_brackets_costs_in_proportion_to_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small, large = filled_brackets(20), filled_brackets(40)
    counter = StateCounter(monkeypatch)
    cost_small = counter.during(lambda: small.close_position("AAPL", T, id="flat"))
    cost_large = counter.during(lambda: large.close_position("AAPL", T, id="flat"))
    assert cost_large <= 2.5 * cost_small, (cost_small, cost_large)


def test_a_live_replace_request_growing_a_reduce_only_order_past_the_position_is_refused() -> None:
    # Held to the rules when sent, as a bracket leg's is: the venue would
    # otherwise work a sell of 30 against a long of 10.
    book = OrderBook(live=True).submit(DecimalOrder(T, "AAPL", 10, id="buy")).book
    book = book.apply("buy", Fill(10, 100)).book
    book = book.submit(DecimalOrder(T, "AAPL", -4, limit=110, id="tp"), reduce_only=True).book
    book = book.apply("tp", NewRequested()).book
    with pytest.raises(LinkedOrderError):
        book.apply("tp", ReplaceRequested(Amend(amount=-30)))


def test_an_amend_growing_a_reduce_only_order_past_its_share_is_refused_in_a_backtest() -> None:
    book = OrderBook().submit(DecimalOrder(T, "AAPL", 10, id="buy")).book
    book = book.apply("buy", Fill(10, 100)).book
    book = book.submit(DecimalOrder(T, "AAPL", -4, limit=110, id="tp"), reduce_only=True).book
    with pytest.raises(LinkedOrderError, match=r"reduce-only order tp would have 30 to fill, "
                       r"and its share of the position in 'AAPL' \(10\) is 10"):
        book.apply("tp", Amend(amount=-30))
    assert book.apply("tp", Amend(amount=-10)).book["tp"].amount == -10
