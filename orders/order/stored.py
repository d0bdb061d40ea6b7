"""How an order version keeps its event: as a tuple the garbage collector skips.

Every version of an order keeps the event that made it, and a book keeps every
version, so a long-lived book holds as many events as it has seen. As objects
they would each be one more thing for Python's cyclic garbage collector to
visit on every full collection. Kept as an exact tuple of plain values (the
number of its kind, then its field values: Decimals, datetimes, strings,
numbers, None, enum members by their values, and nested events or bars stored
the same way), an event is something CPython stops tracking once a collection
has seen it (one with a nested event, once a second has), so it costs the
collector nothing afterwards.

:func:`stored` and :func:`restored` convert between the two; a stored event is
equal to another exactly when the events are. Both are generated once per kind
of event from its ``attrs`` fields, so a new kind of event needs nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeGuard

import attrs

from orders import events
from orders.events import Event

__all__ = [
    "STORED_KINDS",
    "StoredEvent",
    "completed",
    "fill_id_of",
    "kind_of",
    "restored",
    "stored",
    "stored_if_event",
]

StoredEvent = tuple[Any, ...]
"""An event as a version keeps it: its kind's number, then its field values."""

STORED_KINDS: tuple[type, ...] = tuple(getattr(events, name) for name in (
    "Fill", "Trigger", "Hold", "Release", "Cancel", "Reject", "Expire", "Amend",
    "FillCorrection", "FillBust", "PriceUpdate", "BarUpdate", "NewRequested", "Acknowledged",
    "CancelRequested", "CancelRejected", "ReplaceRequested", "Replaced", "ReplaceRejected", "Bar",
))
"""Every kind a stored event can be, by the number it is stored with. Pickled
orders hold these numbers, so a new kind is appended and none is ever moved."""
_NUMBERS = {kind: number for number, kind in enumerate(STORED_KINDS)}
_FIELDS = tuple(attrs.fields(attrs.resolve_types(kind)) for kind in STORED_KINDS)
"""Each kind's fields, their types resolved."""


def _converters(
    kind: type, fields: tuple[attrs.Attribute[Any], ...]
) -> tuple[Callable[[Any], StoredEvent], Callable[[StoredEvent], Any]]:
    """``store`` and ``restore`` for one kind, compiled from its fields."""
    scope: dict[str, Any] = {"new": object.__new__, "kind": kind, "put": object.__setattr__}
    stores, restores = [], []
    for position, field in enumerate(fields, start=1):
        read = f"value.{field.name}"
        kept = f"kept[{position}]"
        kind_of_field = field.type
        if kind_of_field in _NUMBERS:  # a nested event or bar
            scope[f"store_{field.name}"] = lambda nested: _STORE[type(nested)](nested)
            scope[f"restore_{field.name}"] = lambda kept: _RESTORE[kept[0]](kept)
            read, kept = f"store_{field.name}({read})", f"restore_{field.name}({kept})"
        elif _is_enum(kind_of_field):  # kept as its value: the collector tracks enum members
            scope[f"members_{field.name}"] = {member.value: member for member in kind_of_field}
            read, kept = f"{read}._value_", f"members_{field.name}[{kept}]"
        stores.append(read)
        restores.append(f"    put(value, {field.name!r}, {kept})\n")
    source = (
        f"def store(value):\n    return ({_NUMBERS[kind]}, {''.join(f'{s}, ' for s in stores)})\n"
        f"def restore(kept):\n    value = new(kind)\n{''.join(restores)}    return value\n"
    )
    exec(compile(source, f"<stored {kind.__name__}>", "exec"), scope)
    return scope["store"], scope["restore"]


def _is_enum(kind: object) -> TypeGuard[type[Enum]]:
    return isinstance(kind, type) and issubclass(kind, Enum)


def _fill_id_position(fields: tuple[attrs.Attribute[Any], ...]) -> int | None:
    """Where a stored event with ``fields`` keeps the fill id it names, if it names one."""
    names = [field.name for field in fields]
    return names.index("fill_id") + 1 if "fill_id" in names else None


_FILL_ID_AT = tuple(_fill_id_position(fields) for fields in _FIELDS)
_DEFAULTS = tuple(
    tuple(field.default._value_ if isinstance(field.default, Enum) else field.default
          for field in fields)
    for fields in _FIELDS
)
"""Each kind's field defaults, for stored events written before a field was added."""
_NESTED = tuple((False, *(field.type in _NUMBERS for field in fields)) for fields in _FIELDS)
"""For each kind, which positions of its stored form hold a nested stored value."""
_STORE: dict[type, Callable[[Any], StoredEvent]] = {}
_RESTORE: list[Callable[[StoredEvent], Any]] = []
for _kind, _fields in zip(STORED_KINDS, _FIELDS, strict=True):
    _store, _restore = _converters(_kind, _fields)
    _STORE[_kind] = _store
    _RESTORE.append(_restore)


def stored(event: Event) -> StoredEvent:
    """``event`` as a version keeps it."""
    return _STORE[type(event)](event)


def restored(kept: StoredEvent) -> Event:
    """The event that :func:`stored` made ``kept`` of (equal to it, a new object)."""
    event: Event = _RESTORE[kept[0]](kept)
    return event


def kind_of(kept: StoredEvent) -> type[Event]:
    """The kind of event ``kept`` is, without rebuilding it."""
    kind: type[Event] = STORED_KINDS[kept[0]]
    return kind


def stored_if_event(value: object) -> object:
    """``value`` stored when it is an event, else ``value`` marked as not one: the
    form in which histories of events and of other values compare (a marked
    value never equals a stored event, whose first item is a number)."""
    store = _STORE.get(type(value))
    return ("not an event", value) if store is None else store(value)


def fill_id_of(kept: StoredEvent) -> str | None:
    """The fill id a stored fill, correction or bust names (None for other events)."""
    position = _FILL_ID_AT[kept[0]]
    return None if position is None else kept[position]


def completed(kept: StoredEvent) -> StoredEvent:
    """``kept`` as this version stores it: a stored event written before its kind
    gained fields (always added last, with a default) gets their defaults, nested
    events included."""
    number = kept[0]
    defaults = _DEFAULTS[number]
    if len(kept) - 1 < len(defaults):
        kept = (*kept, *defaults[len(kept) - 1:])
    nested = _NESTED[number]
    if any(nested):
        kept = tuple(completed(value) if inside and value is not None else value
                     for value, inside in zip(kept, nested, strict=True))
    return kept
