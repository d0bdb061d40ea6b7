"""Errors carry, beside their message, what a host may act on."""

import pickle
from datetime import datetime

import pytest

import orders.serialization
from orders import (
    ORDER_STATUS,
    Cancel,
    DecimalOrder,
    Fill,
    Hold,
    InvalidTransition,
    LinkedOrderError,
    OrderBook,
    SerializationError,
    UnknownFillError,
    UnknownOrderError,
    apply,
    buy_bracket,
    dumps,
    loads,
)
from orders.errors import SerializationError as HomeSerializationError

T0 = datetime(2024, 1, 15, 9, 30)


def filled() -> DecimalOrder:
    return DecimalOrder(T0, "AAPL", 10, limit=100, id="o").fill(10, 100, fill_id="f1")


def test_a_refused_transition_names_the_order_its_status_and_the_event() -> None:
    event = Cancel("late")
    with pytest.raises(InvalidTransition) as refused:
        apply(filled(), event)
    assert (refused.value.order_id, refused.value.status, refused.value.event) == (
        "o", ORDER_STATUS.FILLED, event,
    )


def test_a_guard_error_names_the_order_and_the_event() -> None:
    with pytest.raises(UnknownFillError) as refused:
        filled().bust("nope")
    assert refused.value.order_id == "o"
    assert refused.value.status is ORDER_STATUS.FILLED
    assert type(refused.value.event).__name__ == "FillBust"


def test_a_linked_order_error_names_its_rule_and_the_order() -> None:
    legs = buy_bracket(T0, "AAPL", 10, price=100, stopprice=95, limitprice=110,
                       ids=("m", "s", "l"))
    book = OrderBook().submit(*legs).book
    event = Hold("mine")
    with pytest.raises(LinkedOrderError) as refused:
        book.apply("s", event)
    assert refused.value.rule == "the_book_holds_and_releases_legs"
    assert (refused.value.order_id, refused.value.event) == ("s", event)
    assert refused.value.rule in str(refused.value)


def test_an_unknown_order_names_its_id() -> None:
    with pytest.raises(UnknownOrderError) as refused:
        OrderBook().apply("ghost", Fill(1, 100))
    assert refused.value.order_id == "ghost"


def test_a_serialization_error_says_where() -> None:
    text = dumps(DecimalOrder(T0, "AAPL", 10, limit=100, id="o")).replace('"10"', '"ten"')
    with pytest.raises(SerializationError) as refused:
        loads(text)
    assert refused.value.path is not None
    assert str(refused.value).startswith(f"at {refused.value.path}:")


def test_serialization_error_lives_with_the_others_and_at_its_old_path() -> None:
    assert SerializationError is HomeSerializationError is orders.serialization.SerializationError


def test_the_fields_survive_pickling() -> None:
    error = LinkedOrderError("refused", rule="r", order_id="o", status=ORDER_STATUS.OPEN)
    again = pickle.loads(pickle.dumps(error))
    assert (again.rule, again.order_id, again.status, str(again)) == (
        "r", "o", ORDER_STATUS.OPEN, "refused",
    )
