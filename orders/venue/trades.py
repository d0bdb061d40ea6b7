"""Trades: the round trips of each asset, folded from its executions.

A trade opens when the position in an asset leaves zero and closes when it
returns to zero. Fills that add to the position or reduce it without reaching
zero belong to the trade that is open. A fill that goes through zero closes
the trade with the quantity that reaches zero and opens a new one, on the
other side, with the rest.

Such a fill's commission is split between the two trades in proportion to
their quantities: the closing trade's share is commission x closed quantity /
fill quantity, rounded to :data:`~orders.decimals.AVERAGE_DIGITS`
significant digits when the quotient does not end (exact otherwise), and the
new trade takes the rest, exactly. So the trades' commissions add up exactly to
the commissions paid, and their P&L to the positions' realized P&L: each trade
folds its own fills into a :class:`~orders.venue.positions.Position`, which
realizes by the same rule as the account's.
"""

from __future__ import annotations

import decimal
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import immutables

from orders._checks import check_type, decimal_text, quote
from orders.assets import check_asset
from orders.decimals import (
    EXACT_DIGITS,
    average_divide,
    exact_add,
    exact_multiply,
    exact_subtract,
    positive_decimal,
    to_decimal,
)
from orders.errors import BadOrderParameters, ExactnessError
from orders.venue.positions import Account, Execution, Position

__all__ = ["Trade", "Trades"]

_ZERO = Decimal(0)


@attrs.frozen
class Trade:
    """One round trip in one asset: from leaving zero to coming back to it."""

    number: int
    """Trades are numbered from 1 in the order they opened, over every asset."""
    asset: Hashable
    is_long: bool
    opened: datetime
    """The time of the fill that opened the trade."""
    closed: datetime | None
    """The time of the fill that closed it; ``None`` while it is open."""
    position: Position
    """This trade's fills alone, folded: its open quantity, open cost and
    realized P&L (commissions are in :attr:`commission`, not here)."""
    entered: Decimal
    """The quantity entered, unsigned: every fill that added to the trade."""
    entry_value: Decimal
    """The sum of quantity x price of those fills, unsigned, exact."""
    exited: Decimal
    """The quantity closed so far, unsigned."""
    exit_value: Decimal
    """The sum of quantity x price of the closing fills, unsigned, exact."""
    peak: Decimal
    """The largest the open quantity has been, unsigned."""
    commission: Decimal
    """The commissions of the trade's fills (a share of a fill through zero)."""
    order_ids: tuple[str, ...]
    """The orders whose fills make the trade, in the order they first filled in it."""
    multiplier: Decimal = attrs.field(default=Decimal(1), kw_only=True)
    """The money one unit of quantity moves per point of price (a futures
    contract's, say); values and prices are in points, P&L in money."""

    @property
    def direction(self) -> str:
        """``"LONG"`` or ``"SHORT"``."""
        return "LONG" if self.is_long else "SHORT"

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def size(self) -> Decimal:
        """The open quantity, signed as the position (0 once closed)."""
        return self.position.quantity

    @property
    def entry_price(self) -> Decimal:
        """The average price entered at: entry value / quantity entered."""
        return average_divide(self.entry_value, self.entered)

    @property
    def exit_price(self) -> Decimal | None:
        """The average price exited at, or ``None`` before anything was closed."""
        return average_divide(self.exit_value, self.exited) if self.exited else None

    @property
    def pnl(self) -> Decimal:
        """Realized profit and loss in money, commissions not deducted. A closed
        trade's is exactly (exit value - entry value) x multiplier (the reverse
        for a short)."""
        realized = self.position.realized_pnl
        return realized if self.multiplier == 1 else exact_multiply(realized, self.multiplier)

    @property
    def net_pnl(self) -> Decimal:
        """Realized profit and loss less the commissions."""
        return exact_subtract(self.pnl, self.commission)

    @property
    def duration(self) -> timedelta | None:
        """closed - opened, or ``None`` while the trade is open."""
        return None if self.closed is None else self.closed - self.opened

    def bars_held(self, bar_times: Iterable[datetime]) -> int:
        """How many of ``bar_times`` (the times bars end) fall after the trade
        opened and no later than it closed (than the last of them while it is
        open): a trade entered on one bar and closed on the next held 1 bar."""
        return sum(
            1 for time in bar_times
            if time > self.opened and (self.closed is None or time <= self.closed)
        )

    def _add(self, part: _Part) -> Trade:
        value = exact_multiply(part.quantity.copy_abs(), part.price)
        position = self.position.execute(part.quantity, part.price)
        return attrs.evolve(
            self,
            position=position,
            commission=exact_add(self.commission, part.commission),
            entered=exact_add(self.entered, part.quantity.copy_abs()),
            entry_value=exact_add(self.entry_value, value),
            peak=max(self.peak, position.quantity.copy_abs()),
            order_ids=_with(self.order_ids, part.order_id),
        )

    def _reduce(self, part: _Part) -> Trade:
        value = exact_multiply(part.quantity.copy_abs(), part.price)
        position = self.position.execute(part.quantity, part.price)
        return attrs.evolve(
            self,
            closed=None if position.quantity else part.dt,
            position=position,
            commission=exact_add(self.commission, part.commission),
            exited=exact_add(self.exited, part.quantity.copy_abs()),
            exit_value=exact_add(self.exit_value, value),
            order_ids=_with(self.order_ids, part.order_id),
        )


@attrs.frozen
class _Part:
    """An execution, or the share of one that falls in one trade."""

    order_id: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    dt: datetime


def _with(order_ids: tuple[str, ...], order_id: str) -> tuple[str, ...]:
    return order_ids if order_id in order_ids else (*order_ids, order_id)


_NO_TRADES: immutables.Map[Any, Trade] = immutables.Map()


_NO_MULTIPLIERS: immutables.Map[Hashable, Decimal] = immutables.Map()


def _multiplier(value: object, name: str) -> Decimal:
    return positive_decimal(value, name, BadOrderParameters)


def _default_multiplier(value: object) -> Decimal:
    return _multiplier(value, "default_multiplier")


def _multipliers(value: object) -> immutables.Map[Hashable, Decimal]:
    if not isinstance(value, Mapping):
        raise BadOrderParameters(f"multipliers must map assets to multipliers; got {quote(value)}")
    return immutables.Map({
        check_asset(asset, "an asset of multipliers"): _multiplier(
            multiplier, f"the multiplier of {quote(asset)}"
        )
        for asset, multiplier in value.items()
    })


@attrs.frozen
class Trades:
    """Every trade so far: the closed ones, in the order they closed, and the
    open one of each asset. A value: :meth:`apply` returns a new one."""

    closed: tuple[Trade, ...] = ()
    open: immutables.Map[Hashable, Trade] = _NO_TRADES
    """The open trade of each asset that has one."""
    opened: int = 0
    """How many trades have opened (the number of the last one)."""
    multipliers: immutables.Map[Hashable, Decimal] = attrs.field(
        default=_NO_MULTIPLIERS, converter=_multipliers, kw_only=True
    )
    """The multiplier of each asset that has one other than ``default_multiplier``."""
    default_multiplier: Decimal = attrs.field(
        default=Decimal(1), converter=_default_multiplier, kw_only=True
    )

    @classmethod
    def for_account(cls, account: Account) -> Trades:
        """No trades yet, with the multipliers of ``account``'s margin models, so
        the trades' P&L is in the account's money."""
        check_type("account", account, Account)
        return cls(
            multipliers={asset: model.multiplier for asset, model in account.margins.items()},
            default_multiplier=account.default_margin.multiplier,
        )

    def multiplier_of(self, asset: Hashable) -> Decimal:
        """The multiplier of ``asset``'s trades."""
        return self.multipliers.get(asset, self.default_multiplier)

    @property
    def all(self) -> tuple[Trade, ...]:
        """Every trade, closed and open, by number (the order they opened)."""
        return tuple(sorted((*self.closed, *self.open.values()), key=_number))

    def apply(self, executions: Iterable[Execution]) -> Trades:
        """The trades after ``executions``, in order; each fill must carry its ``dt``.

        Raises :class:`~orders.errors.BadOrderParameters` for an execution of
        no quantity, a fill without a time or one before its trade opened.
        """
        closed: list[Trade] = []
        open_trades, opened = self.open, self.opened
        for execution in executions:
            part = _part_of(execution)
            trade = open_trades.get(execution.asset)
            try:
                multiplier = self.multiplier_of(execution.asset)
                if trade is None:
                    trade = _new_trade(opened + 1, execution.asset, part, multiplier)
                    opened += 1
                else:
                    _check_time(trade, part)
                    trade, rest = _fold(trade, part)
                    if rest is not None:
                        closed.append(trade)
                        trade = _new_trade(opened + 1, execution.asset, rest, multiplier)
                        opened += 1
            except decimal.DecimalException as exc:
                raise _beyond_exact(execution, exc) from None
            if trade.is_open:
                open_trades = open_trades.set(execution.asset, trade)
            else:
                closed.append(trade)
                open_trades = open_trades.delete(execution.asset)
        return attrs.evolve(self, closed=(*self.closed, *closed) if closed else self.closed,
                            open=open_trades, opened=opened)


def _number(trade: Trade) -> int:
    return trade.number


def _part_of(execution: Execution) -> _Part:
    check_type("execution", execution, Execution)
    fill = execution.fill
    quantity = to_decimal(execution.quantity, "quantity", BadOrderParameters)
    if not quantity:
        raise BadOrderParameters(
            f"an execution must have a non-zero quantity; got 0 for order "
            f"{quote(execution.order_id)}"
        )
    if fill.dt is None:
        raise BadOrderParameters(
            f"a trade needs the time of every fill; the fill of order "
            f"{quote(execution.order_id)} has dt None"
        )
    return _Part(execution.order_id, quantity, fill.price, fill.commission, fill.dt)


def _check_time(trade: Trade, part: _Part) -> None:
    if part.dt < trade.opened:
        raise BadOrderParameters(
            f"the fill of order {quote(part.order_id)} at {part.dt.isoformat()} is before trade "
            f"{trade.number} in {quote(trade.asset)} opened, at {trade.opened.isoformat()}; "
            "executions must come in time order"
        )


def _new_trade(number: int, asset: Hashable, part: _Part, multiplier: Decimal) -> Trade:
    empty = Trade(number, asset, part.quantity > 0, part.dt, None, Position(asset),
                  _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, (), multiplier=multiplier)
    return empty._add(part)


def _fold(trade: Trade, part: _Part) -> tuple[Trade, _Part | None]:
    """``trade`` after ``part``, and what of ``part`` is left to open a new
    trade when it goes through zero."""
    if part.quantity.is_signed() == trade.size.is_signed():
        return trade._add(part), None
    size = part.quantity.copy_abs()
    held = trade.size.copy_abs()
    if size <= held:
        return trade._reduce(part), None
    closing = _share(part, held)
    rest = attrs.evolve(
        part,
        quantity=exact_subtract(part.quantity, closing.quantity),
        commission=exact_subtract(part.commission, closing.commission),
    )
    return trade._reduce(closing), rest


def _share(part: _Part, quantity: Decimal) -> _Part:
    """The share of ``part`` of ``quantity`` (unsigned), with its commission
    pro rata (rounded to AVERAGE_DIGITS when the quotient does not end)."""
    size = part.quantity.copy_abs()
    commission = average_divide(exact_multiply(part.commission, quantity), size)
    signed = quantity if part.quantity > 0 else quantity.copy_negate()
    return attrs.evolve(part, quantity=signed, commission=commission)


def _beyond_exact(execution: Execution, exc: decimal.DecimalException) -> ExactnessError:
    return ExactnessError(
        f"the fill of {decimal_text(execution.fill.quantity)} at "
        f"{decimal_text(execution.fill.price)} of order {quote(execution.order_id)} needs a "
        f"trade total beyond {EXACT_DIGITS} exact digits ({type(exc).__name__})"
    )
