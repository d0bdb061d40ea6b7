"""Pickles written by an earlier version of the package load into this one.

``data/b71fad5.pickle`` was written by the flat layout (commit b71fad5), whose
pickles name the old module paths (``orders.order._rebuild``,
``orders.status.ORDER_STATUS``, ``orders.order_type.OrderType``, ...). It holds
an order with two fills, a book with a bracket whose entry partly filled and an
OCO pair, every status, order type and time in force, and the documents that
``dumps`` wrote for the order and the book.
"""

from __future__ import annotations

import pickle
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from orders import (
    ORDER_STATUS,
    Cancel,
    DecimalOrder,
    Fill,
    OrderBook,
    OrderType,
    TimeInForce,
    loads,
)

FIXTURE = Path(__file__).resolve().parent / "data" / "b71fad5.pickle"


def load() -> dict[str, Any]:
    values: dict[str, Any] = pickle.loads(FIXTURE.read_bytes())
    return values


def test_an_order_with_fills_loads() -> None:
    values = load()
    order = values["order"]
    assert order == loads(values["order_document"])
    assert order.id == "o1"
    assert order.status is ORDER_STATUS.PARTIALLY_FILLED
    assert order.filled == Decimal(7)
    assert sorted(order.fills) == ["f1", "f2"]
    assert pickle.loads(pickle.dumps(order)) == order


def test_a_book_with_a_bracket_and_an_oco_pair_loads_and_works() -> None:
    values = load()
    book = values["book"]
    assert isinstance(book, OrderBook)
    assert book == loads(values["book_document"])
    assert sorted(book.orders) == ["b1", "b2", "b3", "c1", "c2"]
    assert book["b1"].status is ORDER_STATUS.PARTIALLY_FILLED
    after = book.apply("c1", Fill(3, Decimal("90"), dt=datetime(2024, 1, 15, 11), fill_id="f4"))
    assert after.book["c2"].status is ORDER_STATUS.CANCELLED
    assert book.apply("b1", Cancel()).book["b1"].status is ORDER_STATUS.CANCELLED


def test_statuses_order_types_and_times_in_force_load_as_the_same_members() -> None:
    values = load()
    assert values["statuses"] == list(ORDER_STATUS)
    assert all(a is b for a, b in zip(values["statuses"], ORDER_STATUS, strict=True))
    assert all(a is b for a, b in zip(values["order_types"], OrderType, strict=True))
    assert values["times_in_force"] == [TimeInForce.GTC, TimeInForce.GTD, TimeInForce.DAY]
    assert all(a is b for a, b in zip(values["times_in_force"], TimeInForce, strict=False))
    assert values["order"].post_only is False  # pickled before post_only existed


def test_the_fields_added_since_pickles_were_first_written_round_trip() -> None:
    fill = Fill(1, 100, accept_overfill=True)
    order = DecimalOrder(datetime(2024, 1, 15), "X", 10, limit=100, post_only=True)
    book = OrderBook(live=True).submit(order).book
    assert pickle.loads(pickle.dumps(fill)).accept_overfill is True
    assert pickle.loads(pickle.dumps(order)).post_only is True
    assert pickle.loads(pickle.dumps(book)).live is True
