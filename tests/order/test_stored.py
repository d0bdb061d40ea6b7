"""How a version keeps its event (orders.order.stored): equal to the event, and
nothing the garbage collector keeps visiting."""

from __future__ import annotations

import gc
from datetime import datetime
from decimal import Decimal

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
    ReplaceRejected,
    ReplaceRequested,
    apply,
)
from orders.order.stored import completed, kind_of, restored, stored, stored_if_event
from orders.order.value import applied_kinds
from orders.testing import strategies

T0 = datetime(2024, 1, 2, 10)
AAPL = Asset("AAPL", tick_size=Decimal("0.01"))


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


def test_a_retained_fill_adds_one_tracked_object() -> None:
    count = 2000
    orders = [DecimalOrder.from_style(T0, AAPL, 100, LimitOrder("150.00")) for _ in range(count)]
    gc.collect()
    before = len(gc.get_objects())
    versions = []
    for number, order in enumerate(orders):
        for fill in range(4):
            order = order.fill(25, "150.00", dt=T0, fill_id=f"{number}-{fill}")
            versions.append(order)
    gc.collect()
    added = len(gc.get_objects()) - before
    assert added <= 4 * count + 50  # one version per fill, and a few objects of the test's own


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
