"""The compiled rows of the transition table do what the table says: on random
orders met by random events, each compiled row gives what calling the row's
guards and effect one by one gives (the same order, or the same refusal)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from orders import (
    Acknowledged,
    Amend,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    NewRequested,
    OrderError,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
)
from orders.order import machine
from orders.testing import strategies

COMPILED = machine.compiled_rows()
INTERPRETED = machine.interpreted_rows()

_request_ids = st.sampled_from(["r1", "r2"]) | st.none()
requests = st.one_of(
    st.builds(NewRequested, _request_ids),
    st.builds(Acknowledged),
    st.builds(CancelRequested, _request_ids),
    st.builds(CancelRejected, request_id=_request_ids),
    st.builds(ReplaceRequested, st.builds(Amend, amount=st.integers(1, 500)), _request_ids),
    st.builds(Replaced, request_id=_request_ids),
    st.builds(ReplaceRejected, request_id=_request_ids),
)


def outcome(rows: machine.Rows, order: DecimalOrder, event: Event) -> object:
    step = rows[type(event)][order.status]
    if step is None:
        return "no row"
    try:
        return step(order, event)
    except machine._Repeat:
        return "repeat"
    except (OrderError, ArithmeticError) as refusal:
        return type(refusal), str(refusal)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_compiled_row_does_what_its_guards_and_effect_do(data: st.DataObject) -> None:
    order, lifecycle = data.draw(strategies.lifecycles(max_events=6))
    versions = [order]
    for event in lifecycle:
        versions.append(machine.apply(versions[-1], event))
    for version in versions:
        met_by = data.draw(
            strategies.events(fill_ids=sorted(version.fills), start=version.dt) | requests
        )
        compiled = outcome(COMPILED, version, met_by)
        interpreted = outcome(INTERPRETED, version, met_by)
        assert compiled == interpreted
        if isinstance(compiled, DecimalOrder) and isinstance(interpreted, DecimalOrder):
            assert compiled.history == interpreted.history
