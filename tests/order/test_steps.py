"""Compiling a row of a transition table into one function (orders.order.steps)."""

from __future__ import annotations

import importlib
import math
import os
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from orders import ORDER_STATUS, DecimalOrder, Hold
from orders.order import machine
from orders.order.steps import compile_row, interpret_row, row_source


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


def positive(order: int, event: int) -> None:
    if event > 0:
        return
    raise ValueError(f"{event} is not positive")


def small(order: int, event: int) -> None:
    limit = 10
    if event >= limit:
        raise ValueError(f"{event} is not below {limit}")


def even_sum(order: int, event: int) -> None:
    limit = order + event
    if limit % 2:
        raise ValueError(f"{order} + {event} is odd")


def in_a_loop(order: int, event: int) -> None:
    for value in (order, event):
        if value == 0:
            return
    raise ValueError("neither is zero")


def add(order: int, event: int, status: Any) -> tuple[int, int]:
    total = order + event
    return total, status.land(order, total, event)


def outcome(step: Callable[[int, int], object], order: int, event: int) -> object:
    try:
        return step(order, event)
    except ValueError as refusal:
        return str(refusal)


@pytest.mark.parametrize(("order", "event"), [(1, 1), (1, -1), (1, 12), (2, 3), (0, 5), (4, 0)])
def test_a_compiled_row_does_what_calling_its_functions_does(order: int, event: int) -> None:
    row = Row((positive, small, even_sum), add)
    compiled = compile_row(row, "test", keeps)
    assert outcome(compiled, order, event) == outcome(interpret_row(row), order, event)


def test_guards_and_effect_are_spliced_with_their_locals_renamed_apart() -> None:
    source = row_source(Row((small, even_sum), add), keeps)
    assert "_call_" not in source
    assert "_small_limit" in source
    assert "_even_sum_limit" in source
    assert ".land(" not in source  # the status rule's landing is inlined too


def test_a_guard_that_returns_from_a_loop_is_called() -> None:
    row = Row((in_a_loop,), add)
    assert "_in_a_loop(order, event)" in row_source(row, keeps)
    compiled = compile_row(row, "loop", keeps)
    assert outcome(compiled, 0, 3) == (3, 0)
    assert outcome(compiled, 2, 3) == "neither is zero"


def test_a_refusal_names_the_compiled_row_and_shows_its_line() -> None:
    compiled = compile_row(Row((positive,), add), "positive then add", keeps)
    with pytest.raises(ValueError, match="-1 is not positive") as raised:
        compiled(1, -1)
    frame = traceback.extract_tb(raised.tb)[-1]
    assert frame.filename == "<row positive then add>"
    assert frame.line is not None
    assert "raise ValueError" in frame.line


def test_every_row_of_the_order_table_compiles_without_calling_its_guards_or_effect() -> None:
    for rule in machine.TRANSITIONS:
        assert "_call_" not in row_source(rule, machine._landing), rule


def test_apply_compiles_a_row_the_first_time_an_event_meets_it() -> None:
    order = DecimalOrder(datetime(2024, 1, 2), "AAPL", 10, limit=5)
    held = machine.apply(order, Hold("wait"))
    assert held.status is ORDER_STATUS.HELD
    compiled = machine._STEPS[Hold][ORDER_STATUS.OPEN]
    assert compiled is not None
    assert compiled.__name__ == "step_Hold_from_OPEN/TRIGGERED"
    assert machine.apply(order, Hold("wait")) == held


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


def test_a_compiled_row_runs_both_of_two_called_guards_that_share_a_name() -> None:
    row = Row((at_least(0), at_most(10)), take)
    compiled = compile_row(row, "bounds", keeps)
    assert outcome(compiled, 0, -1) == outcome(interpret_row(row), 0, -1) == "-1 is below 0"
    assert outcome(compiled, 0, 11) == "11 is above 10"


def test_a_row_whose_guard_is_a_lambda_compiles() -> None:
    row = Row((lambda order, event: None,), take)
    assert outcome(compile_row(row, "lambda", keeps), 0, 3) == outcome(interpret_row(row), 0, 3)


def shifts(order: int, event: int) -> None:
    event = event - 100
    if event > 0:
        raise ValueError(f"{event} over")


def test_a_guard_that_rebinds_its_argument_is_called_so_the_next_guard_sees_the_event() -> None:
    row = Row((shifts, small), take)
    assert "_shifts(order, event)" in row_source(row, keeps)
    compiled = compile_row(row, "shifts", keeps)
    assert outcome(compiled, 0, 50) == outcome(interpret_row(row), 0, 50) == "50 is not below 10"


class Doubles:
    def land(self, current: int, filled: int, amount: int) -> int:
        return current * 2


def rules_negatives_double(order: int, event: int, status: Any) -> int:
    if event < 0:
        status = Doubles()
    return status.land(order, event, event)  # type: ignore[no-any-return]


def test_an_effect_that_rebinds_its_status_rule_lands_where_the_new_rule_says() -> None:
    # Wrong: the landing of the row's own rule is inlined, so the effect's rebinding is ignored.
    row = Row((), rules_negatives_double)
    assert outcome(compile_row(row, "restatus", keeps), 3, -1) == outcome(
        interpret_row(row), 3, -1) == 6


def step(order: int, event: int) -> int:
    return order + event


def adds_through_step(order: int, event: int, status: Any) -> int:
    return step(order, event)


def test_a_body_that_calls_a_module_function_named_step_calls_that_function() -> None:
    # Wrong: in the spliced body "step" is the compiled row itself (make's local), so it recurses.
    row = Row((), adds_through_step)
    assert outcome(compile_row(row, "step", keeps), 1, 2) == outcome(interpret_row(row), 1, 2) == 3


def below_a_hundred(order: int, event: int) -> None:
    if event > 100:
        import math  # imported lazily, as a guard may

        raise ValueError(f"{event} is above 100 ({math.floor(event / 100)} hundreds)")


def halves(order: int, event: int, status: Any) -> int:
    return math.floor(event / 2)


def test_a_name_a_guard_imports_is_its_own_and_not_the_effects() -> None:
    # Wrong: names bound by import are not renamed apart, so "math" is a local of the whole row.
    row = Row((below_a_hundred,), halves)
    assert outcome(compile_row(row, "lazy import", keeps), 0, 7) == outcome(
        interpret_row(row), 0, 7) == 3


GUARD_SOURCE = """def guard(order, event):
    if event {} 0:
        raise ValueError("refused")


def effect(order, event, status):
    return event
"""


def test_a_row_compiled_after_its_module_file_changed_does_what_the_loaded_code_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wrong: rows compile on first use from the source on disk, which may no longer be the code
    # that was imported (a package upgraded under a running host); only line numbers are checked.
    module_file = tmp_path / "row_module_changed_on_disk.py"
    module_file.write_text(GUARD_SOURCE.format("<"))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("row_module_changed_on_disk")
    module_file.write_text(GUARD_SOURCE.format(">"))
    os.utime(module_file, (1, 1))
    row = Row((module.guard,), module.effect)
    assert outcome(compile_row(row, "changed", keeps), 0, 5) == outcome(
        interpret_row(row), 0, 5) == 5
