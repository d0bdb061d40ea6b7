"""Review of the performance redesign (issue 26): compiled rows and stored events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from orders import Fill
from orders.order.history import History
from orders.order.steps import compile_row, interpret_row
from orders.order.stored import stored


class Stays:
    def land(self, current: int, filled: int, amount: int) -> int:
        return current


@attrs.frozen
class Row:
    guards: tuple[Callable[..., None], ...]
    effect: Callable[..., Any]
    status: Any = attrs.field(factory=Stays)


def keeps(status: object) -> tuple[str, dict[str, Any]]:
    return "current", {}


def at_least(limit: int) -> Callable[[int, int], None]:
    def guard(order: int, event: int) -> None:
        if event < limit:
            raise ValueError(f"{event} is below {limit}")
    return guard


def at_most(limit: int) -> Callable[[int, int], None]:
    def guard(order: int, event: int) -> None:
        if event > limit:
            raise ValueError(f"{event} is above {limit}")
    return guard


def take(order: int, event: int, status: Any) -> int:
    return event


def outcome(step: Callable[[int, int], object], order: int, event: int) -> object:
    try:
        return step(order, event)
    except ValueError as refusal:
        return str(refusal)


def test_a_compiled_row_runs_both_of_two_called_guards_that_share_a_name() -> None:
    # Wrong: _called binds each called guard as _call_<__name__>, so the second guard named
    # "guard" replaces the first, and the compiled row runs at_most(10) twice, never at_least(0).
    row = Row((at_least(0), at_most(10)), take)
    compiled = compile_row(row, "bounds", keeps)
    assert outcome(compiled, 0, -1) == outcome(interpret_row(row), 0, -1) == "-1 is below 0"


def test_a_row_whose_guard_is_a_lambda_compiles() -> None:
    # Wrong: the lambda's alias _call_<lambda> is no Python name, so compiling the row raises
    # SyntaxError where the interpreted row runs.
    row = Row((lambda order, event: None,), take)
    assert outcome(compile_row(row, "lambda", keeps), 0, 3) == outcome(interpret_row(row), 0, 3)


def test_a_history_equal_to_another_hashes_as_it_does() -> None:
    # Wrong: History.__eq__ compares stored forms, so a history holding a fill's stored tuple
    # equals one holding the fill, while __hash__ (and iteration) see different values.
    fill = Fill(1, 10)
    of_tuples, of_events = History([stored(fill)]), History([fill])
    assert of_tuples != of_events or hash(of_tuples) == hash(of_events)
