"""Decimal inputs and the library's own arithmetic contexts.

Every price, quantity and commission enters the library through this module,
so there is one definition of what a number is:

* ``Decimal``, ``int``, numeric ``str`` and ``float`` are accepted; a float is
  read by its shortest repr, so ``150.1`` becomes ``Decimal("150.1")`` and never
  the binary expansion ``150.099999999999994315658113919198513031005859375``.
* ``bool``, NaN, sNaN, infinities, non-numeric strings and every other type are
  refused with the error class the caller names, quoting the value.

Arithmetic never uses the caller's ``decimal.getcontext()``: it goes through
:data:`EXACT`, whose traps turn any loss of exactness into an exception, so a
result cannot depend on the host's precision, rounding or traps.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from orders.errors import BadOrderParameters, OrderError

__all__ = [
    "AVERAGE",
    "AVERAGE_DIGITS",
    "EXACT",
    "EXACT_DIGITS",
    "DecimalInput",
    "average_divide",
    "exact_add",
    "exact_multiply",
    "exact_remainder",
    "exact_subtract",
    "non_negative_price",
    "optional_price",
    "positive_decimal",
    "to_decimal",
    "to_tick",
]

DecimalInput = Decimal | int | float | str
"""What the public API accepts wherever it asks for a number."""

EXACT_DIGITS = 60
"""Significant digits available to exact arithmetic (sums, products, ticks)."""

EXACT = decimal.Context(
    prec=EXACT_DIGITS,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
        decimal.Inexact,
    ],
)
"""Context for arithmetic that must be exact: an inexact result raises."""

AVERAGE_DIGITS = 34
"""Significant digits of an average price (those of IEEE 754 decimal128)."""

AVERAGE = decimal.Context(
    prec=AVERAGE_DIGITS,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""Context for averages: the one quotient that may need rounding, half-even."""

# Bound once: looking a method up on a Context costs more than the arithmetic.
exact_add = EXACT.add
exact_subtract = EXACT.subtract
exact_multiply = EXACT.multiply
exact_remainder = EXACT.remainder
average_divide = AVERAGE.divide

_ACCEPTED = "a Decimal, int, float or numeric str"


def to_decimal(value: object, name: str, error: type[OrderError]) -> Decimal:
    """Return ``value`` as a finite ``Decimal`` or raise ``error`` naming it."""
    if type(value) is Decimal:
        number = value
    elif isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise error(f"{name} must be {_ACCEPTED}; got {value!r} ({type(value).__name__})")
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = _parse(value, name, error)
    if not number.is_finite():
        raise error(f"{name} must be a finite number; got {value!r}")
    return number


def _parse(value: Decimal | int | str, name: str, error: type[OrderError]) -> Decimal:
    # Decimal(str) consults the caller's context only to decide whether a syntax
    # error raises or yields NaN; the finiteness check catches the NaN case.
    try:
        return Decimal(value)
    except decimal.InvalidOperation:
        raise error(f"{name} must be {_ACCEPTED}; got {value!r}") from None


def non_negative_price(value: object, name: str) -> Decimal:
    """A price: finite and not negative (``-0`` is read as ``0``)."""
    price = to_decimal(value, name, BadOrderParameters)
    if not price.is_signed():
        return price
    if price:
        raise BadOrderParameters(f"{name} must not be negative; got {value!r}")
    return price.copy_abs()


def optional_price(value: object, name: str) -> Decimal | None:
    """``None`` or a :func:`non_negative_price`."""
    return None if value is None else non_negative_price(value, name)


def positive_decimal(value: object, name: str, error: type[OrderError]) -> Decimal:
    """A finite number strictly greater than zero."""
    number = to_decimal(value, name, error)
    if number <= 0:
        raise error(f"{name} must be greater than 0; got {value!r}")
    return number


def to_tick(price: Decimal, tick: Decimal, *, up: bool) -> Decimal:
    """Round a non-negative ``price`` to a multiple of ``tick``, up or down.

    A price already on the tick is returned unchanged, keeping its exponent.
    Raises :class:`BadOrderParameters` when the result would need more than
    :data:`EXACT_DIGITS` digits.
    """
    try:
        remainder = exact_remainder(price, tick)
        if not remainder:
            return price
        ticks = EXACT.divide_int(price, tick)
        if up:
            ticks = exact_add(ticks, 1)
        return exact_multiply(ticks, tick)
    except decimal.DecimalException:
        raise BadOrderParameters(
            f"price {price} cannot be rounded to tick {tick} within {EXACT_DIGITS} digits"
        ) from None
