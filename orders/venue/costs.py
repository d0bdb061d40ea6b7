"""What a simulated fill costs: slippage and commission models.

A slippage model is called for each fill a :class:`~orders.venue.SimulatedVenue`
is about to make, with the order, the price the venue's rules give, the
quantity left to fill, the bar and the quantity of the asset already filled on
that bar. It returns the quantity to fill and the price, before the venue
bounds the price: never outside the bar's range, never past a limit.

A commission model is called with the order before the fill, and the fill's
quantity and price; it returns the commission of that fill. A model of one's
own is any callable taking the same arguments and returning finite Decimals
or ints; the venue refuses, naming the model, any other result, one a fill
cannot hold, and an arithmetic error raised by the model. Each model here
defines what an order pays in total for what it has filled, and charges each
fill the increase, so a minimum per order is paid once however the order
fills.

Every model is a frozen value and computes in exact Decimal: a product is
exact, except a volume share and the price impact it gives, which are rounded
to :data:`~orders.decimals.AVERAGE_DIGITS` significant digits. Prices a model
moves are rounded against the trader (up for a buy, down for a sell) to the
asset's tick; for an asset with no tick (a plain identifier) they stay exact,
and are rounded the same way only where a price would need more digits than a
fill holds (31 significant digits, no finer than 10**-30).
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Protocol

import attrs

from orders._checks import quote
from orders.assets import Asset
from orders.decimals import (
    AVERAGE,
    EXACT,
    INPUT_BOUNDS,
    DecimalInput,
    average_divide,
    exact_add,
    exact_multiply,
    exact_subtract,
    to_decimal,
    to_tick,
)
from orders.errors import BadOrderParameters
from orders.events import Bar
from orders.order.value import DecimalOrder

__all__ = [
    "CommissionModel",
    "NoCommission",
    "NoSlippage",
    "NotionalCommission",
    "PerOrderCommission",
    "PerShareCommission",
    "PercentSlippage",
    "SlippageModel",
    "TickSlippage",
    "VolumeShareSlippage",
]

_ZERO = Decimal(0)
_PRICE_DIGITS = INPUT_BOUNDS.prec
_FINEST_PRICE_EXPONENT = INPUT_BOUNDS.Etiny()
_ROUNDING = decimal.Context(prec=EXACT.prec, traps=[decimal.InvalidOperation])
"""Rounds a price to fewer digits on purpose: an inexact result is the aim."""
_rounded_multiply = AVERAGE.multiply


class SlippageModel(Protocol):
    """Decides the quantity and price of a simulated fill."""

    def __call__(
        self, order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
    ) -> tuple[Decimal, Decimal]:
        """The quantity to fill (at most ``quantity``) and its price, for ``order``
        at ``price`` on ``bar``, of whose volume ``traded`` is already filled."""
        ...


class CommissionModel(Protocol):
    """Decides the commission of a simulated fill."""

    def __call__(self, order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
        """The commission of a fill of ``quantity`` at ``price`` on ``order``
        (the order as it was before the fill)."""
        ...


def _non_negative(value: DecimalInput, name: str) -> Decimal:
    number = to_decimal(value, name, BadOrderParameters)
    if number < 0:
        raise BadOrderParameters(f"{name} must not be negative; got {quote(value)}")
    return number


def _fraction(value: DecimalInput, name: str) -> Decimal:
    number = _non_negative(value, name)
    if number >= 1:
        raise BadOrderParameters(f"{name} must be at least 0 and below 1; got {quote(value)}")
    return number


# Converters of the models' fields, each naming its field in a refusal.


def _rate(value: DecimalInput) -> Decimal:
    return _non_negative(value, "rate")


def _minimum(value: DecimalInput) -> Decimal:
    return _non_negative(value, "minimum")


def _cost(value: DecimalInput) -> Decimal:
    return _non_negative(value, "cost")


def _price_impact(value: DecimalInput) -> Decimal:
    return _non_negative(value, "price_impact")


def _fraction_of_price(value: DecimalInput) -> Decimal:
    return _fraction(value, "fraction")


def _volume_limit(value: DecimalInput) -> Decimal:
    return _fraction(value, "volume_limit")


def _notional_rate(value: DecimalInput) -> Decimal:
    return _fraction(value, "rate")


def _against(order: DecimalOrder, price: Decimal, change: Decimal) -> Decimal:
    """``price`` moved by ``change`` against the trader and rounded the same way
    (up for a buy, down for a sell, never below zero): to the asset's tick, or,
    for an asset with no tick, only as far as a fill's price must be (at most
    31 significant digits, no finer than 10**-30)."""
    buy = order.terms.amount > 0
    moved = exact_add(price, change) if buy else max(exact_subtract(price, change), _ZERO)
    asset = order.terms.asset
    if not isinstance(asset, Asset):
        return _within_price_digits(moved, up=buy)
    return _on_grid(to_tick(moved, asset.tick_size, up=buy), asset.tick_size)


def _within_price_digits(price: Decimal, *, up: bool) -> Decimal:
    """A non-negative ``price`` rounded up or down to the digits a price may have:
    unchanged when it already fits."""
    finest = max(price.adjusted() - _PRICE_DIGITS + 1, _FINEST_PRICE_EXPONENT)
    if price.as_tuple().exponent >= finest:  # type: ignore[operator]  # finite
        return price
    rounding = decimal.ROUND_CEILING if up else decimal.ROUND_FLOOR
    return price.quantize(Decimal((0, (1,), finest)), rounding=rounding, context=_ROUNDING)


def _on_grid(value: Decimal, step: Decimal) -> Decimal:
    """``value``, a multiple of ``step``, written with the digits of ``step``."""
    return EXACT.quantize(value, step)


# Slippage.


@attrs.frozen
class NoSlippage:
    """Fill everything at the venue's price."""

    def __call__(
        self, order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
    ) -> tuple[Decimal, Decimal]:
        return quantity, price


@attrs.frozen
class TickSlippage:
    """Fill everything, ``ticks`` of the asset's tick size worse than the venue's price.

    The order's asset must be an :class:`~orders.assets.Asset`, which knows its tick.
    """

    ticks: int = attrs.field(default=1)

    @ticks.validator
    def _check(self, _: object, value: object) -> None:
        if type(value) is not int or value < 0:
            raise BadOrderParameters(f"ticks must be an int of 0 or more; got {value!r}")

    def __call__(
        self, order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
    ) -> tuple[Decimal, Decimal]:
        asset = order.terms.asset
        if not isinstance(asset, Asset):
            raise BadOrderParameters(
                f"TickSlippage needs an Asset, which knows its tick; order {order.id} "
                f"trades {asset!r}"
            )
        return quantity, _against(order, price, exact_multiply(asset.tick_size, self.ticks))


@attrs.frozen
class PercentSlippage:
    """Fill everything at the venue's price worsened by ``fraction`` of it
    (``Decimal("0.001")`` is ten basis points)."""

    fraction: Decimal = attrs.field(converter=_fraction_of_price)

    def __call__(
        self, order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
    ) -> tuple[Decimal, Decimal]:
        return quantity, _against(order, price, exact_multiply(price, self.fraction))


@attrs.frozen
class VolumeShareSlippage:
    """Fill at most ``volume_limit`` of the bar's volume per asset, and move the
    price by ``price_impact`` x share² x price against the trader, where share is
    the part of the bar's volume filled so far on the asset, this fill included.

    As rustybt's ``VolumeShareSlippageDecimal``. A bar without a volume
    fills nothing; quantities are rounded down to the asset's increment.
    """

    volume_limit: Decimal = attrs.field(default=Decimal("0.025"), converter=_volume_limit)
    price_impact: Decimal = attrs.field(default=Decimal("0.1"), converter=_price_impact)

    def __call__(
        self, order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
    ) -> tuple[Decimal, Decimal]:
        volume = bar.volume
        if not volume:
            return _ZERO, price
        room = exact_subtract(exact_multiply(volume, self.volume_limit), traded)
        asset = order.terms.asset
        if isinstance(asset, Asset) and room > 0:
            increment = asset.quantity_increment
            room = _on_grid(to_tick(room, increment, up=False), increment)
        filled = min(quantity, max(room, _ZERO))
        if not filled:
            return _ZERO, price
        share = average_divide(exact_add(traded, filled), volume)
        impact = _rounded_multiply(
            _rounded_multiply(self.price_impact, price), _rounded_multiply(share, share)
        )
        return filled, _against(order, price, impact)


# Commissions.


@attrs.frozen
class NoCommission:
    """Charge nothing."""

    def __call__(self, order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
        return _ZERO


@attrs.frozen
class PerShareCommission:
    """``rate`` per unit filled, at least ``minimum`` per order."""

    rate: Decimal = attrs.field(converter=_rate)
    minimum: Decimal = attrs.field(default=_ZERO, converter=_minimum)

    def _total(self, filled: Decimal) -> Decimal:
        return max(exact_multiply(filled, self.rate), self.minimum) if filled else _ZERO

    def __call__(self, order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
        before = order.filled.copy_abs()
        return exact_subtract(self._total(exact_add(before, quantity)), self._total(before))


@attrs.frozen
class PerOrderCommission:
    """``cost`` for each order that fills, charged on its first fill."""

    cost: Decimal = attrs.field(converter=_cost)

    def __call__(self, order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
        return self.cost if not order.filled else _ZERO


@attrs.frozen
class NotionalCommission:
    """``rate`` of the notional filled (quantity x price), at least ``minimum`` per order."""

    rate: Decimal = attrs.field(converter=_notional_rate)
    minimum: Decimal = attrs.field(default=_ZERO, converter=_minimum)

    def _total(self, notional: Decimal) -> Decimal:
        return max(exact_multiply(notional, self.rate), self.minimum) if notional else _ZERO

    def __call__(self, order: DecimalOrder, quantity: Decimal, price: Decimal) -> Decimal:
        before = order.notional.copy_abs()
        after = exact_add(before, exact_multiply(quantity, price))
        return exact_subtract(self._total(after), self._total(before))

