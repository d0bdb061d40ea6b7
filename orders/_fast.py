"""Allocation without ``__init__`` for frozen ``attrs`` classes on hot paths.

``attrs.evolve`` and a validating ``__init__`` both cost far more than storing
values that are already known to be valid. For a frozen, slotted ``attrs``
class, :func:`slot_builder` compiles once a function ``build(*values)`` that
takes every field positionally and bypasses the frozen ``__setattr__``: it
allocates an instance of a private twin class with the same slots and no
``__setattr__``, stores the values with plain attribute stores, then assigns
``__class__``. CPython allows that assignment only between classes of
identical layout, which the twin has by construction. It costs about half of
writing eleven fields through the slot descriptors.

Only code that has already validated its values may use it.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

__all__ = ["fields_state", "restore_fields", "slot_builder"]

T = TypeVar("T")


def slot_builder(cls: type[T]) -> Callable[..., T]:
    """Return ``build`` for ``cls``, taking its fields in order.

    ``cls`` must be slotted without a ``__weakref__`` slot
    (``weakref_slot=False``): CPython refuses ``__class__`` assignment between
    two classes that both add one.
    """
    names = [field.name for field in attrs.fields(cls)]  # type: ignore[arg-type]
    slots = getattr(cls, "__slots__", ())
    if "__weakref__" in slots or set(slots) != set(names):
        raise TypeError(f"{cls.__name__} needs slots=True and weakref_slot=False")
    # The same bases (Generic[...] included), since CPython compares them too.
    twin = types.new_class(
        f"_Mutable{cls.__name__}",
        getattr(cls, "__orig_bases__", ()),
        exec_body=lambda namespace: namespace.update(__slots__=slots),
    )
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "twin": twin}
    stores = "".join(f"    obj.{name} = {name}\n" for name in names)
    source = (
        f"def build({', '.join(names)}):\n    obj = new(twin)\n{stores}"
        "    obj.__class__ = cls\n    return obj\n"
    )
    exec(compile(source, f"<slot builder of {cls.__name__}>", "exec"), scope)
    build: Callable[..., T] = scope["build"]
    return build


def fields_state(value: attrs.AttrsInstance) -> dict[str, object]:
    """The pickle state of a slotted ``attrs`` value: each field by name."""
    return {field.name: getattr(value, field.name) for field in attrs.fields(type(value))}


def restore_fields(
    value: attrs.AttrsInstance, state: Mapping[str, object], later: Mapping[str, object]
) -> None:
    """Set every field of a frozen ``attrs`` value from its pickle ``state``; a
    field added after the pickle was written takes its value from ``later``,
    the value every pickled one had."""
    for field in attrs.fields(type(value)):
        name = field.name
        object.__setattr__(value, name, state[name] if name in state else later[name])
