"""Decimal inputs and the library's own arithmetic contexts.

Every price, quantity and commission enters the library through this module,
so there is one definition of what a number is:

* ``Decimal``, ``int``, numeric ``str`` and ``float`` are accepted, and so are
  other real scalars (numpy's among them) by their value; a float is read by
  its shortest repr, so ``150.1`` becomes ``Decimal("150.1")`` and never the
  binary expansion ``150.099999999999994315658113919198513031005859375``, and
  other real scalars are read as they print.
* A number must be finite, below 10**25 in magnitude, a multiple of 10**-30,
  and have at most 31 significant digits, trailing zeros of its written form
  aside (:data:`INPUT_BOUNDS`); a zero's exponent lies between -30 and 24.
  Any sum or difference of two such numbers is exact within :data:`EXACT_DIGITS`, so a
  quantity left to fill can always be computed. Restored totals (a notional,
  a commission) may be larger: below 10**50, no finer than 10**-60, 60 digits.
* ``bool``, NaN, sNaN, infinities, non-numeric strings, numbers beyond the
  bounds and every other type are refused at once with the error class the
  caller names, quoting the value briefly.

Arithmetic never uses the caller's ``decimal.getcontext()``: it goes through
:data:`EXACT`, whose traps turn any loss of exactness into an exception, so a
result cannot depend on the host's precision, rounding or traps; nor does the
kind of error a refused input raises. Nothing here raises a flag in the
caller's context either: text is read in a context of the module's own.
"""

from __future__ import annotations

import decimal
import numbers
from collections.abc import Iterable
from decimal import Decimal

from orders._checks import decimal_text, quote
from orders.errors import BadOrderParameters, OrderError

__all__ = [
    "AVERAGE",
    "AVERAGE_DIGITS",
    "EXACT",
    "EXACT_DIGITS",
    "INPUT_BOUNDS",
    "DecimalInput",
    "average_divide",
    "exact_add",
    "exact_multiply",
    "exact_remainder",
    "exact_subtract",
    "exact_sum",
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


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (0 for none)."""
    total = Decimal(0)
    for value in values:
        total = exact_add(total, value)
    return total

def _bounds(digits: int, smallest: int, largest: int) -> decimal.Context:
    """A context in which ``plus`` raises for numbers of more than ``digits``
    significant digits, finer than 10**smallest, or not below 10**largest, and
    for a zero whose exponent is outside the same range (``Clamped``), which
    would otherwise carry its exponent into every exact sum."""
    return decimal.Context(
        prec=digits,
        Emin=smallest + digits - 1,
        Emax=largest - 1,
        traps=[decimal.Inexact, decimal.Overflow, decimal.InvalidOperation, decimal.Clamped],
    )


INPUT_BOUNDS = _bounds(31, -30, 25)
"""Every number given to the library: at most 31 significant digits, no finer
than 10**-30, below 10**25 in magnitude."""
_TOTAL_BOUNDS = _bounds(60, -60, 50)
_check_input = INPUT_BOUNDS.plus
_check_total = _TOTAL_BOUNDS.plus
_INPUT_LIMITS = "below 10**25, no finer than 10**-30 and with at most 31 significant digits"
_TOTAL_LIMITS = "below 10**50, no finer than 10**-60 and with at most 60 significant digits"
_INT_LIMIT = 10**25
_LONGEST_STR = 80
_ACCEPTED = "a finite number (a Decimal, int, float or numeric str)"


def to_decimal(
    value: object, name: str, error: type[OrderError], *, total: bool = False
) -> Decimal:
    """Return ``value`` as a bounded, finite ``Decimal`` or raise ``error`` naming it.

    ``total`` takes the wider bounds of a restored total (notional, commission).
    """
    kind = type(value)
    if kind is Decimal:
        number: Decimal = value  # type: ignore[assignment]
    elif kind is str or kind is int:
        number = _parse(value, name, error)  # type: ignore[arg-type]
    elif kind is float:
        number = Decimal(float.__repr__(value))
    else:
        number = _convert(value, name, error)
    if not number.is_finite():
        raise _not_a_number(value, name, error)
    try:
        (_check_total if total else _check_input)(number)
    except decimal.DecimalException:
        limits = _TOTAL_LIMITS if total else _INPUT_LIMITS
        raise _beyond_bounds(value, name, error, limits) from None
    return number


def _convert(value: object, name: str, error: type[OrderError]) -> Decimal:
    """Subclasses of the accepted types, and other real scalars, by their value."""
    if isinstance(value, bool):
        raise _not_a_number(value, name, error)
    if isinstance(value, Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(float.__repr__(value))
    if isinstance(value, str):
        return _parse(str.__str__(value), name, error, value)
    if isinstance(value, numbers.Integral):
        return _parse(int(value), name, error, value)
    if isinstance(value, numbers.Real):
        return _parse(str(value), name, error, value)
    raise _not_a_number(value, name, error)


def _parse(
    value: str | int, name: str, error: type[OrderError], given: object = None
) -> Decimal:
    """``value`` as a Decimal; messages quote ``given``, what the caller passed."""
    shown = value if given is None else given
    if isinstance(value, int):
        if -_INT_LIMIT < value < _INT_LIMIT:
            return Decimal(value)
        raise _beyond_bounds(shown, name, error)
    if len(value) > _LONGEST_STR:
        raise _beyond_bounds(shown, name, error)
    try:
        # As Decimal(str) reads it (spaces around and underscores ignored), but
        # without raising a syntax error's flag in the caller's context.
        return _read_exactly(value.strip().replace("_", ""))
    except decimal.InvalidOperation:
        raise _not_a_number(shown, name, error) from None
    except decimal.DecimalException:
        raise _beyond_bounds(shown, name, error) from None


_READING = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.Underflow, decimal.Inexact],
)
"""Reads numeric text exactly, whatever its digits and exponent: only text
that is not a number, or whose exponent is beyond any Decimal, raises."""
_read_exactly = _READING.create_decimal


def _beyond_bounds(
    value: object, name: str, error: type[OrderError], limits: str = _INPUT_LIMITS
) -> OrderError:
    return error(f"{name} must lie within the bounds: {limits}; got {quote(value)}")


def _not_a_number(value: object, name: str, error: type[OrderError]) -> OrderError:
    return error(f"{name} must be {_ACCEPTED}; got {quote(value)} ({type(value).__name__})")


def non_negative_price(value: object, name: str) -> Decimal:
    """A price: finite and not negative (``-0`` is read as ``0``)."""
    price = to_decimal(value, name, BadOrderParameters)
    if not price.is_signed():
        return price
    if price:
        raise BadOrderParameters(f"{name} must not be negative; got {quote(value)}")
    return price.copy_abs()


def optional_price(value: object, name: str) -> Decimal | None:
    """``None`` or a :func:`non_negative_price`."""
    return None if value is None else non_negative_price(value, name)


def positive_decimal(value: object, name: str, error: type[OrderError]) -> Decimal:
    """A finite number strictly greater than zero."""
    number = to_decimal(value, name, error)
    if number <= 0:
        raise error(f"{name} must be greater than 0; got {quote(value)}")
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
            f"price {decimal_text(price)} cannot be rounded to tick {decimal_text(tick)} "
            f"within {EXACT_DIGITS} digits"
        ) from None
