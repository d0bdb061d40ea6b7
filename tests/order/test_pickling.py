"""Pickling orders: every version comes back, and pickles of earlier layouts load.

``data/0c88cc4.pickle`` was written by commit 0c88cc4, whose orders pickled as
a tuple of each version's fields with the terms and events as objects (layout
0). It holds :func:`requested_order` and :func:`trailing_order` as built below.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import reduce
from pathlib import Path

from hypothesis import given, settings, strategies as st

from orders import (
    EVENT_TYPES,
    Acknowledged,
    Amend,
    Asset,
    Bar,
    BarUpdate,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    NewRequested,
    PriceUpdate,
    Release,
    Replaced,
    ReplaceRequested,
    apply,
)
from orders.order.history import ancestor
from orders.order.stored import STORED_KINDS
from orders.order.value import next_version
from orders.testing import strategies

FIXTURE = Path(__file__).resolve().parent / "data" / "0c88cc4.pickle"
T0 = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
AAPL = Asset("AAPL", exchange="XNAS", tick_size=Decimal("0.01"), quantity_increment=Decimal(1))


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def requested_order() -> DecimalOrder:
    """An order through requests, a hold, a correction, a bust and a replace."""
    events: list[Event] = [
        NewRequested("n1", at(1)), Acknowledged(at(2)), Hold("risk"), Release(),
        PriceUpdate(Decimal("149.50"), at(3)), Fill(30, "149.99", "0.10", at(4), "f1"),
        FillCorrection("f1", price="149.98"), Fill(20, "149.97", "0.10", at(5), "f2"),
        FillBust("f2"), ReplaceRequested(Amend(limit="150.50"), "r1", at(6)),
        Replaced("r1", at(7)), CancelRequested("c1", "done", at(8)),
        CancelRejected("too late", request_id="c1", dt=at(9)),
        Fill(10, "150.00", "0.05", at(10), "f3"),
    ]
    return reduce(apply, events, DecimalOrder(T0, AAPL, 100, limit="150.00", id="o1"))


def trailing_order() -> DecimalOrder:
    """A trailing stop whose terms the market moved, then filled."""
    events: list[Event] = [
        PriceUpdate(Decimal(101), at(1)), BarUpdate(Bar(101, 103, 100, 102), at(2)),
        PriceUpdate(Decimal(95), at(3)), Fill(5, "96", dt=at(4), fill_id="tf"),
    ]
    order = DecimalOrder(T0, "XYZ", -5, trail_amount="2", stop="98",
                         trailing_highest_price="100", id="t1")
    return reduce(apply, events, order)


def round_trip(order: DecimalOrder) -> DecimalOrder:
    loaded: DecimalOrder = pickle.loads(pickle.dumps(order, pickle.HIGHEST_PROTOCOL))
    return loaded


def assert_same_order(loaded: DecimalOrder, order: DecimalOrder) -> None:
    assert loaded == order
    assert loaded.history == order.history
    assert loaded.fills == order.fills
    assert loaded.initial == order.initial
    assert loaded.version == order.version
    assert loaded.pending == order.pending


def test_orders_pickled_as_tuples_of_versions_load_the_same() -> None:
    values = pickle.loads(FIXTURE.read_bytes())
    for loaded, order in ((values["order"], requested_order()),
                          (values["trailing"], trailing_order())):
        assert_same_order(loaded, order)
        assert_same_order(round_trip(loaded), order)


def test_every_kind_of_event_has_a_number_in_pickles() -> None:
    assert set(STORED_KINDS) == {*EVENT_TYPES, Bar}
    assert len(set(STORED_KINDS)) == len(STORED_KINDS)


def test_an_order_through_requests_corrections_and_busts_round_trips() -> None:
    order = requested_order()
    assert_same_order(round_trip(order), order)
    busted = round_trip(order).fills["f2"]
    assert busted[1] is None


def test_a_trailing_stop_keeps_each_version_of_its_terms() -> None:
    order = trailing_order()
    loaded = round_trip(order)
    assert_same_order(loaded, order)
    versions = [reduce(apply, loaded.history[:depth], loaded.initial)
                for depth in range(len(loaded.history) + 1)]
    assert [version.terms for version in versions] == [
        reduce(apply, order.history[:depth], order.initial).terms
        for depth in range(len(order.history) + 1)
    ]


def test_versions_that_share_their_terms_and_totals_still_share_them_when_loaded() -> None:
    order = DecimalOrder(T0, AAPL, 100, limit="150.00").fill(40, "149.50", fill_id="f1")
    loaded = round_trip(apply(order, CancelRequested("c1")))
    assert loaded.terms is loaded.initial.terms
    filled: DecimalOrder = ancestor(loaded, 1)  # type: ignore[assignment]
    assert loaded.filled is filled.filled
    assert loaded.notional is filled.notional


def test_a_fill_version_with_totals_of_its_own_keeps_them() -> None:
    # next_version takes any valid fields: totals that are not what the fill
    # adds to the version before are pickled as they are.
    order = DecimalOrder(T0, AAPL, 100, limit="150.00", id="o1")
    fill = Fill(40, "149.50", fill_id="f1")
    odd = next_version(order, fill, order.terms, order.status, T0, Decimal("40.0"),
                       Decimal("5980.000"), Decimal("0.00"), "", False, False, (), "f1")
    loaded = round_trip(odd)
    assert (str(loaded.filled), str(loaded.notional), str(loaded.commission)) == (
        "40.0", "5980.000", "0.00")
    assert_same_order(loaded, odd)


def test_a_restored_order_keeps_its_totals_reason_and_requests() -> None:
    order = DecimalOrder(T0, AAPL, 100, limit="150.00", filled=40, notional="5980",
                         commission="1.5", reason="restored", status=6,
                         pending=[CancelRequested("c1")], post_only=True)
    assert_same_order(round_trip(order), order)


@settings(deadline=None)  # the machine's load, not the code, sets how long an example takes
@given(strategies.lifecycles(max_events=12))
def test_any_lifecycle_round_trips(lifecycle: tuple[DecimalOrder, list[Event]]) -> None:
    initial, events = lifecycle
    order = reduce(apply, events, initial)
    assert_same_order(round_trip(order), order)
    assert_same_order(pickle.loads(pickle.dumps(order, 0)), order)


@settings(deadline=None)
@given(st.lists(strategies.lifecycles(max_events=6), min_size=1, max_size=4))
def test_many_orders_in_one_pickle_round_trip(
    lifecycles: list[tuple[DecimalOrder, list[Event]]],
) -> None:
    orders = [reduce(apply, events, initial) for initial, events in lifecycles]
    for loaded, order in zip(pickle.loads(pickle.dumps(orders)), orders, strict=True):
        assert_same_order(loaded, order)
