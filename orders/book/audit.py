"""The audit trail: why each order of a book stands where it does.

An order's history says what happened to it; the book adds why. For every
event the book applies on its own (a linking rule's cancel, resize, hold or
release, a re-armed leg, a trigger or ratchet from market data, an expiry
from the clock) and every event a host applies with a cause it names, the
book keeps a :class:`Cause`: the rule that fired and, when another order's
change set it off, that change. :func:`explain` lays an order's history out
step by step with those causes, each followed back to the step that caused
it, so a chain of consequences reads from the host's event or the market
data that began it to the order's current state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs
import immutables

from orders._checks import decimal_text, quote
from orders.errors import BadOrderParameters
from orders.events import BarUpdate, Event, PriceUpdate
from orders.order.history import ancestor
from orders.order.value import DecimalOrder
from orders.statuses import ORDER_STATUS

__all__ = [
    "ON_BAR",
    "ON_PRICE",
    "ON_TIME",
    "AuditStep",
    "Cause",
    "Causes",
    "event_text",
    "explain",
    "forget",
    "record",
    "record_at",
    "record_change",
    "settled_step",
    "trail_text",
]


def _rule_name(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if type(value) is not str or not value:
        raise BadOrderParameters(f"a cause's rule is a name, a non-empty str; got {quote(value)}")


def _order_id(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and type(value) is not str:
        raise BadOrderParameters(f"a cause's order_id is an order id, a str; got {quote(value)}")


def _both_or_neither(cause: Cause, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise BadOrderParameters(f"a cause's step is an int, 0 or more; got {quote(value)}")
    if (cause.order_id is None) != (value is None):
        raise BadOrderParameters(
            f"a cause names an order and its step, or neither; got order_id "
            f"{quote(cause.order_id)} and step {quote(value)}"
        )


@attrs.frozen
class Cause:
    """Why an order changed: the rule that fired, and the change that set it off."""

    rule: str = attrs.field(validator=_rule_name)
    """The rule's name: a rule of :mod:`orders.book.rules`, the book operation
    whose market data or clock moved the order (``on_price``, ``on_bar``,
    ``on_time``), or a name the host gave (``reconcile`` for the steps of a
    reconciliation)."""
    order_id: str | None = attrs.field(default=None, validator=_order_id)
    """The order whose change set the rule off; None when market data or the
    clock did, which the event itself carries (a price, a bar, a time)."""
    step: int | None = attrs.field(default=None, validator=_both_or_neither)
    """That change's place in the history of ``order_id``: 0 for the order's
    creation, n for the n-th event applied to it."""


ON_PRICE, ON_BAR, ON_TIME = Cause("on_price"), Cause("on_bar"), Cause("on_time")
"""The causes of what a trade price, a bar and the clock do to an order (the
event carries the price, the bar or the time)."""

Causes = immutables.Map[str, immutables.Map[int, Cause]]
"""For each order id, the cause of each step of its history the book knows one for."""

_NONE: immutables.Map[int, Cause] = immutables.Map()


_MARKET_UPDATES = (PriceUpdate, BarUpdate)


def settled_step(order: DecimalOrder) -> int:
    """The newest step of ``order`` that is not a market update: a market update
    may later take another's place or be undone, so a cause never names one."""
    version = order
    while version._event_kind in _MARKET_UPDATES:
        version = version._previous  # type: ignore[assignment]  # an update follows a version
    return version.version


def record(causes: Causes, order: DecimalOrder, cause: Cause) -> Causes:
    """``causes`` with ``cause`` for the latest step of ``order`` (its creation
    when its history is empty)."""
    return record_at(causes, order.id, order.version, cause)


def record_change(
    causes: Causes, old: DecimalOrder, new: DecimalOrder, cause: Cause | None
) -> Causes:
    """``causes`` once ``old`` became ``new`` for ``cause`` (None: the host's own
    event, which names none).

    A market update may take the place of the market update before it, or undo
    it (:func:`orders.order.machine.watch_market`), so the history can end at or
    before where it ended: the causes of the steps it no longer has go, and a
    step it returned to keeps its own."""
    step, before = new.version, old.version
    if step > before:
        return causes if cause is None else record_at(causes, new.id, step, cause)
    if step == before and cause is not None and causes.get(new.id, _NONE).get(step) is cause:
        return causes  # a market update in the place of one with the same cause
    returned = ancestor(old, step) is new
    steps = causes.get(new.id, _NONE).mutate()
    for number in range(step + 1 if returned else step, before + 1):
        steps.pop(number, None)
    if cause is not None and not returned:
        steps[step] = cause
    kept = steps.finish()
    if kept:
        return causes.set(new.id, kept)
    return causes.delete(new.id) if new.id in causes else causes


def record_at(causes: Causes, order_id: str, step: int, cause: Cause) -> Causes:
    """``causes`` with ``cause`` for step ``step`` of order ``order_id``."""
    return causes.set(order_id, causes.get(order_id, _NONE).set(step, cause))


def forget(causes: Causes, order_ids: Iterable[str]) -> Causes:
    """``causes`` without the steps of ``order_ids`` (orders that left the book)."""
    kept = causes.mutate()
    for order_id in order_ids:
        kept.pop(order_id, None)
    return kept.finish()


@attrs.frozen
class AuditStep:
    """One step of an order's life, with why it happened."""

    order_id: str
    step: int
    """0 for the order's creation, n for the n-th event of its history."""
    event: Event | None
    """The event of the step; None for the creation."""
    status: ORDER_STATUS
    """The order's status after the step."""
    cause: Cause | None
    """Why the step happened; None for the host's own event (or a creation by
    the host), which names no cause."""
    because: AuditStep | None
    """The step the cause names, explained in turn; None when the cause names
    no step, or names an order no longer in the book."""

    def __str__(self) -> str:
        what = "created" if self.event is None else event_text(self.event)
        why = "by the host" if self.cause is None else f"by {self.cause.rule}"
        return f"{self.order_id} #{self.step} {what} -> {self.status.name}, {why}"


def event_text(event: Event) -> str:
    """``event`` in a line: its kind and the fields it sets away from their
    defaults, numbers as written and times in ISO 8601."""
    fields = (
        f"{field.name}={_value_text(getattr(event, field.name))}"
        for field in attrs.fields(type(event))
        if getattr(event, field.name) != field.default
    )
    return f"{type(event).__name__}({', '.join(fields)})"


def _value_text(value: object) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if attrs.has(type(value)):
        return event_text(value)  # type: ignore[arg-type]  # a bar, an amend
    return repr(value)


def explain(
    orders: Mapping[str, DecimalOrder], causes: Causes, order_id: str
) -> tuple[AuditStep, ...]:
    """Every step of order ``order_id``, from its creation to its current state."""
    order = orders[order_id]
    return tuple(
        _step(orders, causes, order, number) for number in range(order.version + 1)
    )


def _step(
    orders: Mapping[str, DecimalOrder], causes: Causes, order: DecimalOrder, number: int
) -> AuditStep:
    version: DecimalOrder = ancestor(order, number)  # type: ignore[assignment]
    event = order.history[number - 1] if number else None
    cause = causes.get(order.id, _NONE).get(number)
    because = None
    if cause is not None and cause.order_id is not None and cause.step is not None:
        source = orders.get(cause.order_id)
        if source is not None and cause.step <= source.version:
            because = _step(orders, causes, source, cause.step)
    return AuditStep(order.id, number, event, version.status, cause, because)


def trail_text(steps: Iterable[AuditStep]) -> str:
    """The steps as text, one per line, each cause's chain indented beneath its step."""
    lines: list[str] = []
    for step in steps:
        lines.append(str(step))
        depth, cause = 1, step.because
        while cause is not None:
            lines.append(f"{'    ' * depth}<- {cause}")
            depth, cause = depth + 1, cause.because
    return "\n".join(lines)
