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

A builder can also leave its instances out of the cyclic garbage collector's
sight (:func:`untrack`): for values that are immutable and refer only to
values built before them, which can therefore never be part of a reference
cycle that the library makes, so that reference counting alone frees them.
"""

from __future__ import annotations

import ctypes
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

__all__ = ["fields_state", "restore_fields", "slot_builder", "untrack", "untrack_function"]

T = TypeVar("T")


def untrack_function(implementation: str) -> Callable[[object], None] | None:
    """CPython's ``PyObject_GC_UnTrack`` (given ``"cpython"``), or None for any
    other ``implementation``, whose collector may work differently.

    The function is called through its own ctypes prototype, so the settings of
    the ``ctypes.pythonapi`` entry that other code may use are left alone.
    CPython allows untracking an object already untracked, and frees an
    untracked object as it frees any other.
    """
    if implementation != "cpython":
        return None
    prototype = ctypes.PYFUNCTYPE(None, ctypes.py_object)
    return prototype(("PyObject_GC_UnTrack", ctypes.pythonapi))


_untrack = untrack_function(sys.implementation.name)


def untrack(value: object) -> None:
    """Leave ``value`` out of every later collection of the cyclic garbage
    collector (nothing on an implementation other than CPython).

    Only for a value that can never be part of a reference cycle: a cycle
    passing through it would never be collected. Reference counting still frees
    it, and whatever it refers to stays alive while it does.
    """
    if _untrack is not None:
        _untrack(value)


def slot_builder(cls: type[T], *, tracked: bool = True) -> Callable[..., T]:
    """Return ``build`` for ``cls``, taking its fields in order.

    ``cls`` must be slotted without a ``__weakref__`` slot
    (``weakref_slot=False``): CPython refuses ``__class__`` assignment between
    two classes that both add one. With ``tracked=False`` every instance is
    built untracked by the garbage collector (see :func:`untrack`).
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
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "twin": twin,
                             "untrack": _untrack}
    stores = "".join(f"    obj.{name} = {name}\n" for name in names)
    # The ctypes function is called directly: a call of untrack() would add its own.
    untracking = "    untrack(obj)\n" if not tracked and _untrack is not None else ""
    source = (
        f"def build({', '.join(names)}):\n    obj = new(twin)\n{stores}"
        f"    obj.__class__ = cls\n{untracking}    return obj\n"
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
