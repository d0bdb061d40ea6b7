"""Margin models: how an asset's fills move an account's cash, and what its open
position must keep covered.

An :class:`~orders.venue.positions.Account` that keeps cash gives each asset
one of two models:

* :class:`Margin`, for stock-like assets: cash pays the full value of what is
  bought and receives the full value of what is sold, and an open position
  must keep ``initial`` of its value covered by the account's equity.
  ``Margin()`` is a cash account (all of the value, no short); ``Margin("0.5",
  shorts=True)`` lends half of it, as Regulation T does.
* :class:`FuturesMargin`, for futures-like assets: no value changes hands, cash
  moves by the profit and loss a fill realizes, and an open position must keep
  a fixed amount per contract covered.

Both scale prices by a ``multiplier`` (the money one unit of quantity moves
per point of price). Every amount is exact: a product of the position's
numbers and the model's, computed in :data:`~orders.decimals.EXACT`.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import attrs

from orders._checks import decimal_repr, quote
from orders.decimals import (
    EXACT_DIGITS,
    DecimalInput,
    exact_multiply,
    exact_subtract,
    positive_decimal,
)
from orders.errors import BadOrderParameters

__all__ = ["FuturesMargin", "Margin", "MarginModel"]

_ONE = Decimal(1)


# Converters of the models' fields, each naming its field in a refusal.


def _initial(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "initial", BadOrderParameters)


def _per_contract(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "per_contract", BadOrderParameters)


def _multiplier(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "multiplier", BadOrderParameters)


def _flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if value is not False and value is not True:
        raise BadOrderParameters(f"{attribute.name} must be True or False; got {quote(value)}")


@attrs.frozen
class Margin:
    """A stock-like asset: fills move cash by their full value (quantity x price x
    ``multiplier``), and an open position, long or short, must keep ``initial``
    of its value covered by the account's equity. Shorts only where ``shorts``
    is true. ``Margin()`` is a cash account: a buy is paid in full from cash."""

    initial: Decimal = attrs.field(
        default=_ONE, converter=_initial, repr=decimal_repr
    )
    shorts: bool = attrs.field(default=False, validator=_flag, kw_only=True)
    multiplier: Decimal = attrs.field(
        default=_ONE, converter=_multiplier, repr=decimal_repr, kw_only=True
    )

    def required(self, quantity: Decimal, price: Decimal) -> Decimal:
        """The margin an open position of ``quantity`` at ``price`` must keep
        covered, written with the digits of its value where that loses nothing
        (half of 1000 is 500, not 500.0)."""
        value = self._value(quantity.copy_abs(), price)
        return _with_digits_of(value, exact_multiply(self.initial, value))

    def _value(self, quantity: Decimal, price: Decimal) -> Decimal:
        """What ``quantity`` (signed) at ``price`` is worth, in money."""
        return exact_multiply(exact_multiply(quantity, price), self.multiplier)

    def equity_of(self, quantity: Decimal, cost: Decimal, price: Decimal) -> Decimal:
        """What an open position adds to equity at ``price``: its value."""
        return self._value(quantity, price)

    def cash_flow(self, quantity: Decimal, price: Decimal, realized: Decimal) -> Decimal:
        """The cash a fill of ``quantity`` (signed) at ``price`` moves, commission
        aside: it pays what a buy is worth and receives what a sale is worth."""
        return self._value(quantity, price).copy_negate()


@attrs.frozen
class FuturesMargin:
    """A futures-like asset: a fill moves cash by the profit and loss it realizes
    (in points, times ``multiplier``), and an open position must keep
    ``per_contract`` of margin covered for each unit of its quantity."""

    per_contract: Decimal = attrs.field(
        converter=_per_contract, repr=decimal_repr
    )
    multiplier: Decimal = attrs.field(
        default=_ONE, converter=_multiplier, repr=decimal_repr
    )
    shorts: bool = attrs.field(default=True, validator=_flag, kw_only=True)

    def required(self, quantity: Decimal, price: Decimal) -> Decimal:
        """The margin an open position of ``quantity`` must keep covered, at any price."""
        return exact_multiply(quantity.copy_abs(), self.per_contract)

    def equity_of(self, quantity: Decimal, cost: Decimal, price: Decimal) -> Decimal:
        """What an open position of ``quantity`` that cost ``cost`` adds to equity at
        ``price``: its unrealized profit and loss, in money."""
        points = exact_subtract(exact_multiply(quantity, price), cost)
        return exact_multiply(points, self.multiplier)

    def cash_flow(self, quantity: Decimal, price: Decimal, realized: Decimal) -> Decimal:
        """The cash a fill moves, commission aside: the profit and loss it
        ``realized`` (in points), in money."""
        return exact_multiply(realized, self.multiplier)


_TRIMMING = decimal.Context(prec=EXACT_DIGITS, traps=[decimal.InvalidOperation])
"""Rounds on purpose: a trimmed amount is kept only when it equals the amount."""


def _with_digits_of(like: Decimal, amount: Decimal) -> Decimal:
    """``amount`` written with no more decimal places than ``like``, when that
    leaves it equal; otherwise as it is."""
    if amount.as_tuple().exponent >= like.as_tuple().exponent:  # type: ignore[operator]
        return amount
    trimmed = _TRIMMING.quantize(amount, like)
    return trimmed if trimmed == amount else amount


MarginModel = Margin | FuturesMargin
"""The margin model of an asset."""
