"""How a version keeps its event (orders.order.stored): equal to the event, and
nothing the garbage collector keeps visiting; nor are the versions and terms
that keep it, which reference counting alone frees."""

from __future__ import annotations

import copy
import gc
import pickle
import sys
import weakref
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given

from orders import (
    Amend,
    Asset,
    Bar,
    BarUpdate,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Fill,
    History,
    LimitOrder,
    NewRequested,
    OrderBook,
    ReplaceRejected,
    ReplaceRequested,
    apply,
)
from orders.order.stored import completed, kind_of, restored, stored, stored_if_event
from orders.order.value import applied_kinds
from orders.testing import strategies

T0 = datetime(2024, 1, 2, 10)
AAPL = Asset("AAPL", tick_size=Decimal("0.01"))
LAYOUT_0_FIXTURE = Path(__file__).resolve().parent / "data" / "0c88cc4.pickle"


@given(strategies.events())
def test_a_stored_event_restores_to_an_equal_event_of_its_kind(event: object) -> None:
    kept = stored(event)  # type: ignore[arg-type]
    assert restored(kept) == event
    assert kind_of(kept) is type(event)
    assert type(kept) is tuple


def test_nested_values_are_stored_too() -> None:
    replace = ReplaceRequested(Amend(amount=5), "r1")
    update = BarUpdate(Bar(10, 11, 9, 10), T0)
    assert all(type(field) is not Amend for field in stored(replace))
    assert all(type(field) is not Bar for field in stored(update))
    assert restored(stored(replace)) == replace
    assert restored(stored(update)) == update


def test_stored_events_compare_as_the_events_do() -> None:
    assert stored(Fill(1, "10.0")) == stored(Fill(1, "10.00"))  # Decimal equality
    assert stored(Fill(1, 10)) != stored(Fill(2, 10))
    assert stored_if_event(3) == stored_if_event(3)
    kept = stored(Fill(1, 10))
    assert stored_if_event(kept) != stored_if_event(Fill(1, 10))  # a stored form is no event


def test_a_stored_fill_is_not_tracked_by_the_collector_once_it_has_seen_it() -> None:
    order = DecimalOrder.from_style(T0, AAPL, 100, LimitOrder("150.00"))
    filled = order.fill(25, "150.00", dt=T0, fill_id="f1")
    gc.collect()
    assert not gc.is_tracked(filled._kept)


@pytest.mark.parametrize("refusal", [CancelRejected("too late", 0, "c1", T0),
                                     ReplaceRejected("no", 99, "r1", T0)])
def test_a_stored_refusal_is_not_tracked_by_the_collector_once_it_has_seen_it(
    refusal: CancelRejected | ReplaceRejected,
) -> None:
    # Wrong: the stored form keeps the RequestRejectReason member, an object the collector tracks.
    order = DecimalOrder.from_style(T0, AAPL, 100, LimitOrder("150.00"))
    sent = apply(apply(order, CancelRequested("c1")), ReplaceRequested(Amend(limit=151), "r1"))
    answered = apply(sent, refusal)
    gc.collect()
    assert not gc.is_tracked(answered._kept)


def filled_four_times(order: DecimalOrder, name: str) -> list[DecimalOrder]:
    versions = []
    for fill in range(4):
        order = order.fill(25, "150.00", dt=T0, fill_id=f"{name}-{fill}")
        versions.append(order)
    return versions


def test_retained_orders_and_fills_add_no_tracked_object() -> None:
    count = 2000
    filled_four_times(DecimalOrder.from_style(T0, AAPL, 100, LimitOrder("150.00")), "warm")
    kept: list[DecimalOrder] = []
    gc.collect()
    before = len(gc.get_objects())
    for number in range(count):
        kept += filled_four_times(
            DecimalOrder.from_style(T0, AAPL, 100, LimitOrder("150.00")), str(number))
    gc.collect()
    assert len(kept) == 4 * count
    assert len(gc.get_objects()) == before


def test_an_order_its_versions_and_its_terms_are_left_out_of_the_collector() -> None:
    order = DecimalOrder(T0, AAPL, 100, limit="150.00", valid_until=T0, time_in_force="GTD")
    filled = order.fill(25, "150.00", dt=T0, fill_id="f1")
    amended = filled.amend(limit="149.00")  # new terms
    loaded = pickle.loads(pickle.dumps(amended))
    layout_0 = pickle.loads(LAYOUT_0_FIXTURE.read_bytes())["order"]  # terms pickled as objects
    values = [order, filled, amended, loaded, layout_0, copy.copy(order.terms)]
    values += [value.terms for value in values if isinstance(value, DecimalOrder)]
    values += [version for value in (loaded, layout_0) for version in versions_of(value)]
    assert [value for value in values if gc.is_tracked(value)] == []


def versions_of(order: DecimalOrder) -> list[DecimalOrder]:
    versions = []
    version: DecimalOrder | None = order
    while version is not None:
        versions.append(version)
        version = version._previous
    return versions


def test_a_dropped_book_frees_its_orders_by_reference_counting_alone() -> None:
    asset = Asset("FREE", tick_size=Decimal("0.01"))  # each order's terms refers to it

    def workload() -> None:
        orders = [DecimalOrder(T0, asset, 10, limit=Decimal(100) + index, id=f"o{index}")
                  for index in range(50)]
        book = OrderBook().submit(*orders).book
        book = book.apply("o1", Fill(10, 101, dt=T0, fill_id="f1")).book
        book.on_price(asset, 99, T0).book.cancel("o2")

    workload()  # warm every cache first
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(asset)
        workload()
        after = sys.getrefcount(asset)
    finally:
        gc.enable()
    assert after == before


class Instrument:
    """A host's asset that keeps its own orders: a cycle through an order."""

    def __init__(self) -> None:
        self.orders: list[DecimalOrder] = []


def test_a_cycle_through_an_order_is_left_to_the_host_to_break() -> None:
    instrument = Instrument()
    instrument.orders.append(DecimalOrder(T0, instrument, 1, limit="150.00"))
    probe = weakref.ref(instrument)
    del instrument
    gc.collect()
    kept = probe()
    assert kept is not None  # the collector cannot see a cycle through an untracked order
    kept.orders.clear()
    del kept
    assert probe() is None


def test_a_stored_event_written_before_its_last_fields_existed_gets_their_defaults() -> None:
    fill = Fill(1, 10, dt=T0)
    older = stored(fill)[:-2]  # before fill ids and accept_overfill, say
    assert completed(older) == stored(fill)
    assert restored(completed(older)) == fill
    replace = ReplaceRequested(Amend(amount=5))
    kept = stored(replace)
    older_amend = kept[1][:-1]  # the Amend stored before trail_percent existed
    assert completed((kept[0], older_amend, *kept[2:])) == kept


def test_a_history_of_stored_tuples_is_not_one_of_the_events_they_store() -> None:
    fill = Fill(1, 10)
    of_tuples, of_events = History([stored(fill)]), History([fill])
    assert of_tuples != of_events
    assert History([fill]) == History([Fill(1, "10")])
    assert hash(History([fill])) == hash(History([Fill(1, "10")]))


def test_applied_kinds_are_the_history_s_kinds_newest_first() -> None:
    order = DecimalOrder.from_style(T0, AAPL, 100, LimitOrder("150.00"))
    for event in (NewRequested("r1"), Fill(25, "150.00", dt=T0), Cancel("done")):
        order = apply(order, event)
    assert list(applied_kinds(order)) == [type(event) for event in reversed(order.history)]
    assert list(applied_kinds(order.initial)) == []
