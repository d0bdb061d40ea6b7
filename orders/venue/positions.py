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

An account may keep cash as well: each fill moves it by the margin model of
its asset (:mod:`orders.venue.margin`), less its commission. Such an account
values its positions (its equity, the margin they need, the funds left for
new ones) and says, before a fill, whether it can pay for it
(:meth:`Account.refusal`): a fill that only reduces a position always can.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import immutables

from orders._checks import check_type, decimal_text, quote
from orders._fast import fields_state, restore_fields, slot_builder
from orders.assets import Asset, check_asset
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
    positive_decimal,
    to_decimal,
)
from orders.errors import BadOrderParameters, ExactnessError
from orders.events import Fill
from orders.order.value import DecimalOrder
from orders.venue.margin import FuturesMargin, Margin, MarginModel

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
_NO_MARGINS: immutables.Map[Any, MarginModel] = immutables.Map()
_NO_MARKS: immutables.Map[Any, Decimal] = immutables.Map()
_CASH_ACCOUNT: MarginModel = Margin()
_MODELS = (Margin, FuturesMargin)


def _cash(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, "cash", BadOrderParameters, total=True)


def _check_model(name: str, value: object) -> None:
    if not isinstance(value, _MODELS):
        raise BadOrderParameters(
            f"{name} must be a margin model, Margin(...) or FuturesMargin(...); got {quote(value)}"
        )


def _margins(value: object) -> immutables.Map[Any, MarginModel]:
    if not isinstance(value, Mapping):
        raise BadOrderParameters(
            "margins must map assets to margin models (Margin or FuturesMargin); "
            f"got {quote(value)}"
        )
    for asset, model in value.items():
        check_asset(asset, "an asset of margins")
        _check_model(f"the margin of {quote(asset)}", model)
    return value if isinstance(value, immutables.Map) else immutables.Map(value)


def _default_margin(_: object, attribute: attrs.Attribute[MarginModel], value: object) -> None:
    _check_model(attribute.name, value)


@attrs.frozen(weakref_slot=False)
class Account:
    """A position per asset, kept as executions arrive; with ``cash``, the cash
    they move too.

    An account built without ``cash`` keeps none: it folds positions only, and
    refuses nothing. With ``cash``, each fill moves it by the margin model of
    its asset (``margins``, else ``default_margin``, a cash account), less its
    commission, and the account remembers the last price of each asset it
    traded or was given by :meth:`mark` (``marks``), at which it values the
    positions no price is given for.
    """

    positions: immutables.Map[Hashable, Position] = _NO_POSITIONS
    cash: Decimal | None = attrs.field(default=None, converter=_cash, kw_only=True)
    """The cash, or None when the account keeps none."""
    margins: immutables.Map[Hashable, MarginModel] = attrs.field(
        default=_NO_MARGINS, converter=_margins, kw_only=True
    )
    """The margin model of each asset that has one of its own."""
    default_margin: MarginModel = attrs.field(
        default=_CASH_ACCOUNT, validator=_default_margin, kw_only=True
    )
    """The margin model of every other asset: a cash account unless given."""
    marks: immutables.Map[Hashable, Decimal] = attrs.field(default=_NO_MARKS, init=False)
    """The last price of each asset: the one given to :meth:`mark`, or that of
    its last fill, whichever came later (a fill sets it only in an account that
    keeps cash)."""

    def __getstate__(self) -> dict[str, object]:
        return fields_state(self)

    def __setstate__(self, state: dict[str, object]) -> None:
        restore_fields(self, state, later={"cash": None, "margins": _NO_MARGINS,
                                           "default_margin": _CASH_ACCOUNT, "marks": _NO_MARKS})

    def position(self, asset: Hashable) -> Position:
        """The position in ``asset``; a flat one if it never traded."""
        return self.positions.get(check_asset(asset)) or Position(asset)

    def margin_of(self, asset: Hashable) -> MarginModel:
        """The margin model of ``asset``."""
        return self.margins.get(asset, self.default_margin)

    def apply(self, executions: Iterable[Execution]) -> Account:
        """The account after ``executions``, in order.

        It folds what was executed: it refuses nothing, so with cash, ask
        :meth:`refusal` before a fill is made.
        """
        positions, cash, marks = self.positions, self.cash, self.marks
        for execution in executions:
            check_type("execution", execution, Execution)
            fill, asset = execution.fill, execution.asset
            current = positions.get(asset) or Position(asset)
            after = current.execute(execution.quantity, fill.price, fill.commission)
            positions = positions.set(asset, after)
            if cash is not None:
                cash = self._cash_after(cash, execution, after.realized_pnl, current.realized_pnl)
                marks = marks.set(asset, fill.price)
        return _build(positions, cash, self.margins, self.default_margin, marks)

    def fill(self, order: DecimalOrder, fill: Fill) -> Account:
        """The account after ``fill`` of ``order``."""
        return self.apply((Execution.of(order, fill),))

    def _cash_after(
        self, cash: Decimal, execution: Execution, realized: Decimal, realized_before: Decimal
    ) -> Decimal:
        """``cash`` after ``execution``, whose position realized ``realized`` (in
        points), having realized ``realized_before``."""
        fill = execution.fill
        model = self.margin_of(execution.asset)

        def moved() -> Decimal:
            flow = model.cash_flow(
                execution.quantity, fill.price, exact_subtract(realized, realized_before)
            )
            return exact_subtract(exact_add(cash, flow), fill.commission)

        return _exactly(f"the cash after order {execution.order_id}'s fill", moved)

    def mark(self, prices: Mapping[Any, DecimalInput]) -> Account:
        """The account with the last price of each asset of ``prices`` set to its
        price there (a bar's close, say): :meth:`equity` and :meth:`refusal`
        value an open position at its asset's last price."""
        if not isinstance(prices, Mapping):
            raise BadOrderParameters(f"prices must map assets to prices; got {quote(prices)}")
        marks = self.marks
        for asset, price in prices.items():
            marks = marks.set(
                check_asset(asset), non_negative_price(price, f"the price of {quote(asset)}")
            )
        return _build(self.positions, self.cash, self.margins, self.default_margin, marks)

    @property
    def realized_pnl(self) -> Decimal:
        """Realized profit and loss over every asset, in money (a position's, in
        points, times its asset's multiplier), commissions not deducted."""
        return exact_sum(
            exact_multiply(position.realized_pnl, self.margin_of(asset).multiplier)
            for asset, position in self.positions.items()
        )

    @property
    def commission(self) -> Decimal:
        """Commissions paid over every asset."""
        return exact_sum(position.commission for position in self.positions.values())

    def unrealized_pnl(self, prices: Mapping[Any, DecimalInput]) -> Decimal:
        """Unrealized profit and loss at ``prices``, which must price every open
        position, in money (a position's, in points, times its asset's multiplier).

        ``prices`` is any mapping from assets to prices, such as a
        ``dict[Asset, Decimal]`` (its key type is ``Any`` because a mapping's key
        type is invariant: ``Mapping[Hashable, ...]`` would refuse that dict).
        """
        return exact_sum(
            exact_multiply(
                position.unrealized_pnl(_price_of(asset, position, prices)),
                self.margin_of(asset).multiplier,
            )
            for asset, position in self.positions.items() if position.quantity
        )

    def equity(self, prices: Mapping[Any, DecimalInput] | None = None) -> Decimal:
        """Cash plus what the open positions add to it: a stock-like position its
        value, a futures-like one its unrealized profit and loss. Each is valued
        at its price in ``prices``, else at its asset's last price."""
        cash = self._kept_cash("equity")
        held = self._open_positions(prices)
        return _exactly("equity", lambda: exact_sum(
            (cash, *(model.equity_of(position.quantity, position.cost, price)
                     for model, position, price in held))
        ))

    def initial_margin(self, prices: Mapping[Any, DecimalInput] | None = None) -> Decimal:
        """The margin the open positions must keep covered, each valued as in
        :meth:`equity`."""
        self._kept_cash("initial margin")
        held = self._open_positions(prices)
        return _exactly("initial margin", lambda: exact_sum(
            model.required(position.quantity, price) for model, position, price in held
        ))

    def available_funds(self, prices: Mapping[Any, DecimalInput] | None = None) -> Decimal:
        """Equity less initial margin: what new positions can use. In a cash
        account that holds longs only, it is the cash."""
        return _exactly("available funds", lambda: exact_subtract(
            self.equity(prices), self.initial_margin(prices)
        ))

    def buying_power(self, asset: Hashable, price: DecimalInput) -> Decimal:
        """The largest quantity of ``asset`` that a new position at ``price`` can
        take, commission aside: the available funds (with ``asset`` at ``price``)
        over the margin of one unit, rounded down to the asset's quantity
        increment (to a whole unit for an asset that has none). A fill that
        reduces a position needs none, and comes on top."""
        level = positive_decimal(price, "price", BadOrderParameters)
        step = asset.quantity_increment if isinstance(asset, Asset) else _ONE
        funds = self.mark({asset: level}).available_funds()
        if funds <= 0:
            return _ZERO
        unit = self.margin_of(asset).required(step, level)
        return _exactly("buying power", lambda: exact_multiply(
            EXACT.divide_int(funds, unit), step
        ))

    def refusal(self, order: DecimalOrder, fill: Fill) -> str | None:
        """Why the account cannot take ``fill`` of ``order``, or None when it can.

        A fill that only reduces a position is always taken. One that opens or
        adds to a position (a fill through zero included: its closing part
        counts first) must leave the available funds at 0 or more, with the
        traded asset at the fill's price and the others at their last prices;
        and a short needs a margin model that allows shorts. An account that
        keeps no cash refuses nothing.
        """
        execution = Execution.of(order, fill)
        if self.cash is None:
            return None
        asset, size = execution.asset, execution.quantity
        held = self.position(asset).quantity
        if not _opens(held, size):
            return None
        trade = f"order {order.id}: {_trade_text(size, asset, fill.price)}"
        left = exact_add(held, size)
        if left < 0 and not self.margin_of(asset).shorts:
            return (
                f"{trade} would leave the account short {decimal_text(left.copy_abs())}, "
                f"and the margin model of {_asset_text(asset)} allows no short "
                "(a margin model with shorts=True does)"
            )
        # A fill at the price its asset is valued at leaves equity as it was, but
        # for the commission: it moves value between cash and positions only.
        price, commission = fill.price, fill.commission
        model = self.margin_of(asset)
        available = self.available_funds({asset: price})
        margin = _exactly("margin needed", lambda: exact_subtract(
            model.required(left, price), model.required(held, price)
        ))
        needed = _exactly("funds needed", lambda: exact_add(margin, commission))
        if needed <= available:
            return None
        return (
            f"{trade} needs {decimal_text(needed)} of available funds ({decimal_text(margin)} "
            f"of margin, {decimal_text(commission)} of commission), and the account has "
            f"{decimal_text(available)}; a fill that opens a position must leave them at 0 "
            "or more"
        )

    def _kept_cash(self, what: str) -> Decimal:
        if self.cash is None:
            raise BadOrderParameters(
                f"the account keeps no cash, so it has no {what}; build it with "
                "Account(cash=...) to keep cash"
            )
        return self.cash

    def _open_positions(
        self, prices: Mapping[Any, DecimalInput] | None
    ) -> list[tuple[MarginModel, Position, Decimal]]:
        """Each open position with its margin model and price: the one in
        ``prices``, else its asset's last price."""
        marks = self.marks if prices is None else self.mark(prices).marks
        return [
            (self.margin_of(asset), position, _mark_of(asset, position, marks))
            for asset, position in self.positions.items() if position.quantity
        ]


_build = slot_builder(Account)
"""An account from values already checked: positions, cash, margins, default
margin and marks, in that order."""


def _opens(held: Decimal, size: Decimal) -> bool:
    """True when a fill of ``size`` on a position of ``held`` opens or adds to one
    (through zero included), rather than only reducing it."""
    return not held or held.is_signed() == size.is_signed() or size.copy_abs() > held.copy_abs()


def _trade_text(size: Decimal, asset: Hashable, price: Decimal) -> str:
    side = "buying" if size > 0 else "selling"
    return f"{side} {decimal_text(size.copy_abs())} {_asset_text(asset)} at {decimal_text(price)}"


def _asset_text(asset: Hashable) -> str:
    return asset.symbol if isinstance(asset, Asset) else quote(asset)


def _mark_of(
    asset: Hashable, position: Position, marks: immutables.Map[Hashable, Decimal]
) -> Decimal:
    price = marks.get(asset)
    if price is None:
        raise BadOrderParameters(
            f"no price for {quote(asset)}, where the account holds "
            f"{decimal_text(position.quantity)}; give one, or mark the account"
        )
    return price


def _exactly(what: str, compute: Callable[[], Decimal]) -> Decimal:
    """``compute()``, raising :class:`~orders.errors.ExactnessError` rather than
    round a total beyond the library's exact digits."""
    try:
        return compute()
    except decimal.DecimalException as exc:
        raise ExactnessError(
            f"{what} needs a total beyond {EXACT_DIGITS} exact digits ({type(exc).__name__})"
        ) from None


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
