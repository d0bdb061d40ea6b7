"""Allocation without ``__init__`` for frozen ``attrs`` classes on hot paths.

``attrs.evolve`` and a validating ``__init__`` both cost far more than storing
values that are already known to be valid. For a frozen, slotted ``attrs``
class, :func:`slot_writers` compiles once two functions that write every field
positionally through the slot descriptors, bypassing the frozen
``__setattr__``: ``build(*values)`` allocates a new instance, and
``fill(obj, *values)`` completes one whose ``__init__`` is running. Only code
that has already validated its values may use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["slot_writers"]

T = TypeVar("T")


def slot_writers(cls: type[T]) -> tuple[Callable[..., T], Callable[..., None]]:
    """Return ``(build, fill)`` for ``cls``, taking its fields in order."""
    names = [field.name for field in attrs.fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"set_{name}": getattr(cls, name).__set__ for name in names})
    params = ", ".join(names)
    body = "".join(f"    set_{name}(obj, {name})\n" for name in names)
    source = (
        f"def build({params}):\n    obj = new(cls)\n{body}    return obj\n"
        f"def fill(obj, {params}):\n{body}"
    )
    exec(compile(source, f"<slot writers of {cls.__name__}>", "exec"), scope)
    return scope["build"], scope["fill"]
