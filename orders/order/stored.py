"""How an order version keeps its event: as a tuple the garbage collector skips.

Every version of an order keeps the event that made it, and a book keeps every
version, so a long-lived book holds as many events as it has seen. As objects
they would each be one more thing for Python's cyclic garbage collector to
visit on every full collection. Kept as an exact tuple of plain values (the
number of its kind, then its field values: Decimals, datetimes, strings,
numbers, None, and nested events or bars stored the same way), an event is
something CPython stops tracking once a collection has seen it, so it costs
the collector nothing afterwards.

:func:`stored` and :func:`restored` convert between the two; a stored event is
equal to another exactly when the events are. Both are generated once per kind
of event from its ``attrs`` fields, so a new kind of event needs nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from orders.events import EVENT_TYPES, Bar, Event

__all__ = ["StoredEvent", "kind_of", "restored", "stored", "stored_if_event"]

StoredEvent = tuple[Any, ...]
"""An event as a version keeps it: its kind's number, then its field values."""

_KINDS: tuple[type, ...] = (*EVENT_TYPES, Bar)
_NUMBERS = {kind: number for number, kind in enumerate(_KINDS)}


def _converters(kind: type) -> tuple[Callable[[Any], StoredEvent], Callable[[StoredEvent], Any]]:
    """``store`` and ``restore`` for one kind, compiled from its fields."""
    fields = attrs.fields(attrs.resolve_types(kind))
    scope: dict[str, Any] = {"new": object.__new__, "kind": kind, "put": object.__setattr__}
    stores, restores = [], []
    for position, field in enumerate(fields, start=1):
        read = f"value.{field.name}"
        kept = f"kept[{position}]"
        if field.type in _NUMBERS:  # a nested event or bar
            scope[f"store_{field.name}"] = lambda nested: _STORE[type(nested)](nested)
            scope[f"restore_{field.name}"] = lambda kept: _RESTORE[kept[0]](kept)
            read, kept = f"store_{field.name}({read})", f"restore_{field.name}({kept})"
        stores.append(read)
        restores.append(f"    put(value, {field.name!r}, {kept})\n")
    source = (
        f"def store(value):\n    return ({_NUMBERS[kind]}, {''.join(f'{s}, ' for s in stores)})\n"
        f"def restore(kept):\n    value = new(kind)\n{''.join(restores)}    return value\n"
    )
    exec(compile(source, f"<stored {kind.__name__}>", "exec"), scope)
    return scope["store"], scope["restore"]


_STORE: dict[type, Callable[[Any], StoredEvent]] = {}
_RESTORE: list[Callable[[StoredEvent], Any]] = []
for _kind in _KINDS:
    _store, _restore = _converters(_kind)
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
    kind: type[Event] = _KINDS[kept[0]]
    return kind


def stored_if_event(value: object) -> object:
    """``value`` stored when it is an event, else ``value`` itself: the form in
    which histories of events and of other values compare."""
    store = _STORE.get(type(value))
    return value if store is None else store(value)
