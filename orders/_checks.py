"""Type checks shared by every value's constructor, and how messages quote values.

Values in messages go through :func:`quote`, which never formats anything of
unbounded size: an error about a number of a million digits says so in a line.
A Decimal is written by :func:`decimal_text`, the one text of a Decimal in
messages, documents and logs, which the caller's ``decimal`` context never changes.
"""

from __future__ import annotations

import decimal
import math
import reprlib
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from orders.errors import BadOrderParameters, TimeKindError

__all__ = [
    "check_ids",
    "check_time_kind",
    "check_type",
    "decimal_repr",
    "decimal_text",
    "enum_member",
    "is_aware",
    "of_type",
    "quote",
]

decimal_text = decimal.Context(capitals=1).to_sci_string
"""A Decimal as ``str`` writes it in the default context (``1E-8``), whatever the
caller's context: ``str`` and ``repr`` write ``1e-8`` under ``capitals=0``."""


def decimal_repr(value: Decimal) -> str:
    """``repr(value)`` as the default context writes it (``Decimal('1E-8')``)."""
    return f"Decimal('{decimal_text(value)}')"


_SHORT = 60
_REPR = reprlib.Repr()
_REPR.maxstring = _SHORT
_REPR.maxother = 4 * _SHORT


def quote(value: object) -> str:
    """``repr(value)`` when it is short (a Decimal's written by :func:`decimal_text`);
    otherwise a bounded description of it."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() <= 196:  # below 10**59
            return repr(value)
        return f"an int of about {math.floor(math.log10(abs(value))) + 1} digits"
    if isinstance(value, Decimal):
        if value.is_finite() and -_SHORT < value.adjusted() < _SHORT and (
            value.__sizeof__() <= _SMALL_DECIMAL
        ):
            return decimal_repr(value)
        return f"Decimal('{_scientific(value)}')"
    if isinstance(value, str) and len(value) > _SHORT:
        return f"a str of {len(value)} characters beginning {value[:20]!r}"
    return _REPR.repr(value)


_SMALL_DECIMAL = Decimal(1).__sizeof__()


_SIXTEEN_DIGITS = decimal.Context(
    prec=16, rounding=decimal.ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
    traps=[],
)
"""Rounds a value for a message, whatever the caller's context."""


def _scientific(value: Decimal) -> str:
    """``value`` rounded to at most 16 significant digits, in scientific
    notation, with ``...`` when digits were dropped; a zero or a value that is
    not finite has no digits to drop."""
    if not value.is_finite() or not value:
        return decimal_text(value)
    rounded = _SIXTEEN_DIGITS.plus(value)
    mantissa, exponent = f"{rounded:.15E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    more = "..." if rounded != value else ""
    return f"{mantissa}{more}E{exponent}"


def check_type(name: str, value: object, kind: type, *, optional: bool = False) -> None:
    """Refuse ``value`` unless it is a ``kind`` (or ``None`` when optional)."""
    if not isinstance(value, kind) and not (optional and value is None):
        allowed = f"a {kind.__name__} or None" if optional else f"a {kind.__name__}"
        raise BadOrderParameters(f"{name} must be {allowed}; got {quote(value)}")


def of_type(kind: type, *, optional: bool = False) -> Any:
    """An ``attrs`` validator applying :func:`check_type` under the field's name."""

    def validate(_: object, attribute: Any, value: object) -> None:
        check_type(attribute.name, value, kind, optional=optional)

    return validate


def is_aware(dt: datetime) -> bool:
    """True for a datetime that knows its offset from UTC."""
    return dt.utcoffset() is not None


def check_time_kind(name: str, dt: datetime, reference: datetime, what: str) -> None:
    """Refuse ``dt`` unless it is naive like ``reference``, or aware like it."""
    if is_aware(dt) != is_aware(reference):
        kind, other = ("aware", "naive") if is_aware(dt) else ("naive", "aware")
        raise TimeKindError(
            f"{name} {dt.isoformat()} is {kind}, but {what} {other}; naive and aware "
            "datetimes cannot be compared, so they are never mixed (aware is recommended)"
        )


EnumKind = TypeVar("EnumKind", bound=Enum)


def enum_member(kind: type[EnumKind], value: object) -> EnumKind | None:
    """The member of ``kind`` that ``value`` is or whose value it is, else None.

    Only a ``str`` or an ``int`` can name a member: looking up anything else
    (a list, a signaling NaN) would raise from the lookup itself.
    """
    if type(value) is kind:
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def check_ids(ids: object, count: int, what: str) -> tuple[str, ...] | None:
    """``ids`` for the ``count`` orders of ``what``: None, or a list or tuple of that
    many (each order checks its own id)."""
    if ids is None:
        return None
    if not isinstance(ids, (list, tuple)) or len(ids) != count:
        raise BadOrderParameters(
            f"{what} places {count} order(s), so it takes a list or tuple of {count} ids; "
            f"got {quote(ids)}"
        )
    return tuple(ids)
