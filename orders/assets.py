"""Assets and the trading rules they carry: tick size and quantity increment.

An order's asset may be an :class:`Asset` or any hashable identifier the host
already uses (a symbol string, a database id, its own instrument class). Rules
are applied only where they are known, that is for an :class:`Asset`: a plain
identifier's prices and quantities are kept exactly as given.

Rounding to the tick never makes an order more aggressive than its owner asked:

========== ============ ======================================================
order      rounds       so that
========== ============ ======================================================
buy limit  down         it never pays more than the limit asked
sell limit up           it never accepts less than the limit asked
buy stop   up           it never triggers below the level asked
sell stop  down         it never triggers above the level asked
========== ============ ======================================================
"""

from __future__ import annotations

import decimal
from collections.abc import Hashable
from decimal import Decimal

import attrs

from orders._checks import decimal_repr, of_type, quote
from orders.decimals import DecimalInput, exact_remainder, positive_decimal, to_tick
from orders.errors import BadOrderParameters, InvalidQuantityError

__all__ = [
    "Asset",
    "check_asset",
    "check_quantity_increment",
    "round_limit_price",
    "round_stop_price",
]


def _tick_size(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "tick_size", BadOrderParameters)


def _quantity_increment(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "quantity_increment", InvalidQuantityError)


def _check_symbol(_: object, __: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise BadOrderParameters(f"symbol must be a non-empty str; got {quote(value)}")


@attrs.frozen(cache_hash=True)
class Asset:
    """A tradable instrument and its rules.

    ``tick_size`` is the price grid (0.01 by default); ``quantity_increment``
    is the smallest tradable quantity (1 for equities by default, for example
    ``Decimal("0.00000001")`` for BTC). Its ``repr``, and so every message
    quoting it, is the same whatever the caller's decimal context.
    """

    symbol: str = attrs.field(validator=_check_symbol)
    exchange: str | None = attrs.field(default=None, validator=of_type(str, optional=True))
    tick_size: Decimal = attrs.field(
        default=Decimal("0.01"), converter=_tick_size, repr=decimal_repr
    )
    quantity_increment: Decimal = attrs.field(
        default=Decimal("1"), converter=_quantity_increment, repr=decimal_repr
    )

    def __str__(self) -> str:
        return self.symbol


_INT_ASSET_DIGITS = 39
"""An int asset is an id: 39 digits hold any 128-bit one (a UUID's int), and
every such int prints, which one of thousands of digits would not."""
_INT_ASSET_LIMIT = 10**_INT_ASSET_DIGITS


def check_asset(asset: object, name: str = "asset") -> Hashable:
    """Accept an :class:`Asset` or any hashable identifier other than ``None``;
    an ``int`` has at most 39 digits."""
    if asset is None:
        raise BadOrderParameters(f"{name} is required; got None")
    if isinstance(asset, int) and not -_INT_ASSET_LIMIT < asset < _INT_ASSET_LIMIT:
        raise BadOrderParameters(
            f"an int {name} must have at most {_INT_ASSET_DIGITS} digits; got {quote(asset)}"
        )
    try:
        hash(asset)
    except TypeError:
        raise BadOrderParameters(
            f"{name} must be an Asset or a hashable identifier; got {quote(asset)}"
        ) from None
    return asset


def round_limit_price(price: Decimal, asset: object, is_buy: bool) -> Decimal:
    """Round a limit price to the asset's tick: buys down, sells up."""
    if isinstance(asset, Asset):
        return to_tick(price, asset.tick_size, up=not is_buy)
    return price


def round_stop_price(price: Decimal, asset: object, is_buy: bool) -> Decimal:
    """Round a stop price to the asset's tick: buys up, sells down."""
    if isinstance(asset, Asset):
        return to_tick(price, asset.tick_size, up=is_buy)
    return price


def check_quantity_increment(quantity: Decimal, asset: object, name: str) -> None:
    """Refuse a quantity that is not a whole multiple of the asset's increment."""
    if not isinstance(asset, Asset):
        return
    increment = asset.quantity_increment
    try:
        on_grid = not exact_remainder(quantity, increment)
    except decimal.DecimalException:
        on_grid = False
    if not on_grid:
        raise InvalidQuantityError(
            f"{name} {quantity:f} is not a multiple of {asset.symbol}'s quantity "
            f"increment {increment:f}"
        )
