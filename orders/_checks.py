"""Type checks shared by every value's constructor, raising :class:`BadOrderParameters`."""

from __future__ import annotations

from typing import Any

from orders.errors import BadOrderParameters

__all__ = ["check_type", "of_type"]


def check_type(name: str, value: object, kind: type, *, optional: bool = False) -> None:
    """Refuse ``value`` unless it is a ``kind`` (or ``None`` when optional)."""
    if not isinstance(value, kind) and not (optional and value is None):
        allowed = f"a {kind.__name__} or None" if optional else f"a {kind.__name__}"
        raise BadOrderParameters(f"{name} must be {allowed}; got {value!r}")


def of_type(kind: type, *, optional: bool = False) -> Any:
    """An ``attrs`` validator applying :func:`check_type` under the field's name."""

    def validate(_: object, attribute: Any, value: object) -> None:
        check_type(attribute.name, value, kind, optional=optional)

    return validate
