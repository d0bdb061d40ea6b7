"""Positions: what the fills on each asset add up to, folded exactly.

A :class:`Position` holds the net quantity of one asset (positive long,
negative short), the cost of what is open, the realized P&L and the
commissions paid. An :class:`Account` keeps one per asset. Both are values: a
fill returns a new one.

Costs follow the average-cost method. A fill that adds to a position adds its
quantity times its price to the open cost. A fill that reduces it takes out
the open cost times the fraction closed, and realizes the difference with
the fill's proceeds; that share of the cost is the one quotient, rounded to
:data:`~orders.decimals.AVERAGE_DIGITS` significant digits, and what is left
stays exact. So a position that returns to zero has realized exactly the sum
of its cash flows, whatever path it took. A fill larger than the position
closes it and opens the rest on the other side at the fill's price.
"""

from __future__ import annotations

import decimal
from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import immutables

from orders._checks import check_type, decimal_text, quote
from orders.assets import check_asset
from orders.decimals import (
    EXACT,
    EXACT_DIGITS,
    DecimalInput,
    average_divide,
    exact_add,
    exact_multiply,
    exact_subtract,
    exact_sum,
    non_negative_price,
    to_decimal,
)
from orders.errors import BadOrderParameters, ExactnessError
from orders.events import Fill
from orders.order.value import DecimalOrder

__all__ = ["Account", "Execution", "Position"]

_ZERO = Decimal(0)
_ONE = Decimal(1)


@attrs.frozen
class Execution:
    """A fill of one order, as positions need it: the asset and the signed
    quantity (positive for a buy), with the fill itself."""

    order_id: str
    asset: Hashable
    quantity: Decimal
    fill: Fill

    @classmethod
    def of(cls, order: DecimalOrder, fill: Fill) -> Execution:
        """The execution ``fill`` makes of ``order`` (which gives the asset and the side)."""
        check_type("order", order, DecimalOrder)
        check_type("fill", fill, Fill)
        quantity = fill.quantity if order.is_buy else fill.quantity.copy_negate()
        return cls(order.id, order.terms.asset, quantity, fill)


@attrs.frozen
class Position:
    """The net position in one asset, folded from its executions."""

    asset: Hashable
    quantity: Decimal = _ZERO
    """Net quantity: positive long, negative short, zero flat."""
    cost: Decimal = _ZERO
    """What the open quantity cost, signed like it: the sum of quantity x price
    of the fills still open."""
    realized_pnl: Decimal = _ZERO
    """Profit and loss of the quantity closed, commissions not deducted."""
    commission: Decimal = _ZERO
    """Every commission paid on the asset."""

    @property
    def average_price(self) -> Decimal | None:
        """The average open price (cost / quantity), or None when flat."""
        if not self.quantity:
            return None
        return average_divide(self.cost, self.quantity)

    @property
    def is_long(self) -> bool:
        return self.quantity > 0

    @property
    def is_short(self) -> bool:
        return self.quantity < 0

    def market_value(self, price: DecimalInput) -> Decimal:
        """What the open quantity is worth at ``price`` (negative for a short)."""
        return exact_multiply(self.quantity, non_negative_price(price, "price"))

    def unrealized_pnl(self, price: DecimalInput) -> Decimal:
        """Profit and loss of the open quantity if it were closed at ``price``."""
        return exact_subtract(self.market_value(price), self.cost)

    def execute(
        self, quantity: DecimalInput, price: DecimalInput, commission: DecimalInput = _ZERO
    ) -> Position:
        """The position after a fill of ``quantity`` (signed: positive buys) at ``price``.

        Raises :class:`~orders.errors.ExactnessError` rather than round a total
        beyond the library's exact digits.
        """
        size = to_decimal(quantity, "quantity", BadOrderParameters)
        level = non_negative_price(price, "price")
        fee = to_decimal(commission, "commission", BadOrderParameters)
        try:
            return self._execute(size, level, fee)
        except decimal.DecimalException as exc:
            raise ExactnessError(
                f"a fill of {decimal_text(size)} at {decimal_text(level)} on the position in "
                f"{quote(self.asset)} needs a total beyond {EXACT_DIGITS} exact digits "
                f"({type(exc).__name__})"
            ) from None

    def _execute(self, size: Decimal, level: Decimal, fee: Decimal) -> Position:
        paid = exact_add(self.commission, fee)
        held = self.quantity
        if not held or held.is_signed() == size.is_signed():
            cost = exact_add(self.cost, exact_multiply(size, level))
            return Position(self.asset, exact_add(held, size), cost, self.realized_pnl, paid)
        closed = min(size.copy_abs(), held.copy_abs())
        opened = exact_subtract(size.copy_abs(), closed)
        released = (
            self.cost if closed == held.copy_abs()
            else average_divide(exact_multiply(self.cost, closed), held.copy_abs())
        )
        # What the closed quantity is worth now, signed like the position, less its cost.
        closed_signed = closed if held > 0 else closed.copy_negate()
        proceeds = exact_multiply(closed_signed, level)
        realized = exact_add(self.realized_pnl, exact_subtract(proceeds, released))
        if opened:
            quantity_left = opened if size > 0 else opened.copy_negate()
            cost_left = exact_multiply(quantity_left, level)
        else:
            quantity_left = exact_add(held, size)
            cost_left = exact_subtract(self.cost, released)
        return Position(self.asset, quantity_left, _tidy(cost_left, proceeds),
                        _tidy(realized, proceeds), paid)


_NO_POSITIONS: immutables.Map[Any, Position] = immutables.Map()


@attrs.frozen
class Account:
    """A position per asset, kept as executions arrive."""

    positions: immutables.Map[Hashable, Position] = _NO_POSITIONS

    def position(self, asset: Hashable) -> Position:
        """The position in ``asset``; a flat one if it never traded."""
        return self.positions.get(check_asset(asset)) or Position(asset)

    def apply(self, executions: Iterable[Execution]) -> Account:
        """The account after ``executions``, in order."""
        positions = self.positions
        for execution in executions:
            check_type("execution", execution, Execution)
            fill = execution.fill
            current = positions.get(execution.asset) or Position(execution.asset)
            positions = positions.set(
                execution.asset, current.execute(execution.quantity, fill.price, fill.commission)
            )
        return Account(positions)

    def fill(self, order: DecimalOrder, fill: Fill) -> Account:
        """The account after ``fill`` of ``order``."""
        return self.apply((Execution.of(order, fill),))

    @property
    def realized_pnl(self) -> Decimal:
        """Realized profit and loss over every asset, commissions not deducted."""
        return exact_sum(position.realized_pnl for position in self.positions.values())

    @property
    def commission(self) -> Decimal:
        """Commissions paid over every asset."""
        return exact_sum(position.commission for position in self.positions.values())

    def unrealized_pnl(self, prices: Mapping[Any, DecimalInput]) -> Decimal:
        """Unrealized profit and loss at ``prices``, which must price every open position.

        ``prices`` is any mapping from assets to prices, such as a
        ``dict[Asset, Decimal]`` (its key type is ``Any`` because a mapping's key
        type is invariant: ``Mapping[Hashable, ...]`` would refuse that dict).
        """
        return exact_sum(
            position.unrealized_pnl(_price_of(asset, position, prices))
            for asset, position in self.positions.items() if position.quantity
        )


def _price_of(
    asset: Hashable, position: Position, prices: Mapping[Any, DecimalInput]
) -> DecimalInput:
    if asset not in prices:
        raise BadOrderParameters(
            f"no price for {quote(asset)}, where the account holds "
            f"{decimal_text(position.quantity)}"
        )
    return prices[asset]


def _tidy(value: Decimal, like: Decimal) -> Decimal:
    """``value`` without the trailing zeros that a rounded cost share left beyond
    the digits of ``like`` (the fill's proceeds), which it keeps."""
    digits = _exponent(like)
    if _exponent(value) >= digits or _exponent(EXACT.normalize(value)) < digits:
        return value
    return EXACT.quantize(value, EXACT.scaleb(_ONE, digits))


def _exponent(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int), "positions hold finite numbers only"
    return exponent
