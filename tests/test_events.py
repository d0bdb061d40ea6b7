import re
import typing
from datetime import datetime
from decimal import Decimal

import attrs
import pytest

from orders import (
    EVENT_TYPES,
    REQUEST_TYPES,
    Amend,
    BadOrderParameters,
    Cancel,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    InvalidQuantityError,
    Reject,
    Release,
    Request,
    Trigger,
)

T0 = datetime(2024, 1, 15, 9, 30)


def test_fill_defaults_and_exact_inputs() -> None:
    fill = Fill(400, 144.45)
    assert fill == Fill(Decimal("400"), Decimal("144.45"), Decimal("0"), None, None)
    assert str(fill.price) == "144.45"
    assert Fill("1", "2", commission="-0.01", dt=T0, fill_id="x").commission == Decimal("-0.01")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"quantity": 0, "price": 1}, InvalidQuantityError, "quantity must be greater than 0"),
        ({"quantity": -5, "price": 1}, InvalidQuantityError, "quantity must be greater than 0"),
        ({"quantity": True, "price": 1}, InvalidQuantityError, "got True (bool)"),
        ({"quantity": 1, "price": -1}, BadOrderParameters, "price must not be negative; got -1"),
        ({"quantity": 1, "price": "nan"}, BadOrderParameters, "price must be a finite number"),
        ({"quantity": 1, "price": 1, "commission": "x"}, BadOrderParameters, "commission"),
        ({"quantity": 1, "price": 1, "dt": "now"}, BadOrderParameters, "dt must be a datetime"),
        ({"quantity": 1, "price": 1, "fill_id": ""}, BadOrderParameters, "fill_id must be a"),
        ({"quantity": 1, "price": 1, "fill_id": 7}, BadOrderParameters, "got 7"),
    ],
)
def test_fill_validation(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Fill(**kwargs)  # type: ignore[arg-type]


def test_simple_events_keep_their_fields() -> None:
    assert Trigger(T0, 144.5) == Trigger(dt=T0, price=Decimal("144.5"))
    assert Trigger().dt is None
    assert Hold("risk check").reason == "risk check"
    assert Cancel().reason == ""
    assert Reject("no margin").reason == "no margin"
    assert Expire(T0).dt == T0
    assert Release() == Release()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Hold(3), "reason must be a str; got 3"),
        (lambda: Cancel(None), "reason must be a str; got None"),
        (lambda: Expire(None), "dt must be a datetime; got None"),
        (lambda: Trigger(price=-1), "price must not be negative"),
        (lambda: Amend(), "an Amend must change at least one field; got none"),
        (lambda: Amend(amount=0), "amount must not be zero; got 0"),
        (lambda: Amend(limit=-1), "limit must not be negative; got -1"),
        (lambda: Amend(trail_amount=1, trail_percent="0.1"), "sets one trail"),
        (lambda: Amend(trail_percent=2), "trail_percent must be between 0 and 1"),
        (lambda: FillCorrection("f1"), "must change quantity, price or commission; got none"),
        (lambda: FillCorrection("", price=1), "fill_id must be a non-empty str; got ''"),
        (lambda: FillCorrection("f1", quantity=0), "quantity must be greater than 0"),
        (lambda: FillBust(None), "fill_id must be a non-empty str; got None"),
    ],
)
def test_event_validation(build: object, message: str) -> None:
    with pytest.raises((BadOrderParameters, InvalidQuantityError), match=re.escape(message)):
        build()  # type: ignore[operator]


def test_events_are_frozen_hashable_values() -> None:
    for kind in EVENT_TYPES:
        assert attrs.has(kind)
    fill = Fill(1, 2, fill_id="a")
    assert hash(fill) == hash(Fill(1, 2, fill_id="a"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fill.price = Decimal(3)  # type: ignore[misc]


def test_request_types_are_the_request_union_and_events() -> None:
    assert REQUEST_TYPES == typing.get_args(Request)
    assert set(REQUEST_TYPES) <= set(EVENT_TYPES)
