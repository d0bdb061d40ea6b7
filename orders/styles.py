"""Execution styles: how an order is to be executed, independent of its size.

The seven styles and their constructors follow rustybt's
``execution.py``; :class:`MarketOnCloseOrder` adds backtrader's ``Close``. A
style carries prices, never quantities or direction; the direction arrives
with ``is_buy`` when a price is asked for, because rounding to the tick
depends on it (see :mod:`orders.assets`).

A style given ``asset=None`` keeps its prices exactly as written: with no
asset there is no known tick, and guessing 0.01 would destroy a price such as
``0.000123`` on a crypto pair. The order built from the style rounds to the
tick of its own asset.
"""

from __future__ import annotations

import abc
from collections.abc import Hashable
from decimal import Decimal
from typing import ClassVar

import attrs

from orders._checks import decimal_text, of_type, quote
from orders.assets import check_asset, round_limit_price, round_stop_price
from orders.decimals import DecimalInput, non_negative_price, positive_decimal, to_decimal
from orders.errors import BadOrderParameters
from orders.statuses import OrderType

__all__ = [
    "BracketOrder",
    "ExecutionStyle",
    "LimitOrder",
    "MarketOnCloseOrder",
    "MarketOrder",
    "OCOOrder",
    "StopLimitOrder",
    "StopOrder",
    "TrailingStopLimitOrder",
    "TrailingStopOrder",
]


_exchange = of_type(str, optional=True)


def _optional_asset(_: object, __: attrs.Attribute[Hashable | None], value: object) -> None:
    if value is not None:
        check_asset(value)


def _limit_price(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "limit_price")


def _stop_price(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "stop_price")


def _stop_loss_price(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "stop_loss_price", BadOrderParameters)


def _take_profit_price(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "take_profit_price", BadOrderParameters)


def _single_style(
    _: object, attribute: attrs.Attribute[ExecutionStyle], value: object
) -> None:
    if not isinstance(value, ExecutionStyle):
        raise BadOrderParameters(
            f"{attribute.name} must be an ExecutionStyle; got {quote(value)} "
            f"({type(value).__name__})"
        )
    if value.order_type is None:
        raise BadOrderParameters(
            f"{attribute.name} must be a single-order style, not {type(value).__name__}"
        )


class ExecutionStyle(abc.ABC):
    """Base of every execution style.

    ``order_type`` is the kind of the single order a style produces, or
    ``None`` for the linked styles (OCO, bracket) that produce several.
    """

    __slots__ = ()

    order_type: ClassVar[OrderType | None]
    exchange: str | None
    asset: Hashable | None = None

    @abc.abstractmethod
    def get_limit_price(self, is_buy: bool) -> Decimal | None:
        """The limit price for a buy or a sell, rounded to the asset's tick."""

    @abc.abstractmethod
    def get_stop_price(self, is_buy: bool) -> Decimal | None:
        """The stop price for a buy or a sell, rounded to the asset's tick."""

    @property
    def trail_amount(self) -> Decimal | None:
        """Absolute trailing distance; only trailing styles have one."""
        return None

    @property
    def trail_percent(self) -> Decimal | None:
        """Fractional trailing distance; only trailing styles have one."""
        return None

    @property
    def limit_offset(self) -> Decimal | None:
        """Distance from a trailing stop to its limit; only trailing stop-limits have one."""
        return None


class _NoLimit:
    __slots__ = ()

    def get_limit_price(self, is_buy: bool) -> Decimal | None:
        return None


class _NoStop:
    __slots__ = ()

    def get_stop_price(self, is_buy: bool) -> Decimal | None:
        return None


@attrs.frozen
class MarketOrder(_NoLimit, _NoStop, ExecutionStyle):
    """Execute at the next available price."""

    order_type: ClassVar[OrderType | None] = OrderType.MARKET
    exchange: str | None = attrs.field(default=None, validator=_exchange)


@attrs.frozen
class MarketOnCloseOrder(_NoLimit, _NoStop, ExecutionStyle):
    """Execute at the closing price (backtrader's ``Close``)."""

    order_type: ClassVar[OrderType | None] = OrderType.MARKET_ON_CLOSE
    exchange: str | None = attrs.field(default=None, validator=_exchange)


@attrs.frozen
class LimitOrder(_NoStop, ExecutionStyle):
    """Execute only at ``limit_price`` or better."""

    order_type: ClassVar[OrderType | None] = OrderType.LIMIT
    limit_price: Decimal = attrs.field(converter=_limit_price)
    asset: Hashable | None = attrs.field(default=None, validator=_optional_asset)
    exchange: str | None = attrs.field(default=None, validator=_exchange)

    def get_limit_price(self, is_buy: bool) -> Decimal | None:
        return round_limit_price(self.limit_price, self.asset, is_buy)


@attrs.frozen
class StopOrder(_NoLimit, ExecutionStyle):
    """Become a market order once the price reaches ``stop_price``."""

    order_type: ClassVar[OrderType | None] = OrderType.STOP
    stop_price: Decimal = attrs.field(converter=_stop_price)
    asset: Hashable | None = attrs.field(default=None, validator=_optional_asset)
    exchange: str | None = attrs.field(default=None, validator=_exchange)

    def get_stop_price(self, is_buy: bool) -> Decimal | None:
        return round_stop_price(self.stop_price, self.asset, is_buy)


@attrs.frozen
class StopLimitOrder(ExecutionStyle):
    """Become a limit order at ``limit_price`` once the price reaches ``stop_price``."""

    order_type: ClassVar[OrderType | None] = OrderType.STOP_LIMIT
    limit_price: Decimal = attrs.field(converter=_limit_price)
    stop_price: Decimal = attrs.field(converter=_stop_price)
    asset: Hashable | None = attrs.field(default=None, validator=_optional_asset)
    exchange: str | None = attrs.field(default=None, validator=_exchange)

    def get_limit_price(self, is_buy: bool) -> Decimal | None:
        return round_limit_price(self.limit_price, self.asset, is_buy)

    def get_stop_price(self, is_buy: bool) -> Decimal | None:
        return round_stop_price(self.stop_price, self.asset, is_buy)


def trail_amount_input(value: DecimalInput | None) -> Decimal | None:
    """``None`` or an absolute trailing distance greater than 0."""
    return None if value is None else positive_decimal(value, "trail_amount", BadOrderParameters)


def trail_percent_input(value: DecimalInput | None) -> Decimal | None:
    """``None`` or a fractional trailing distance strictly between 0 and 1."""
    if value is None:
        return None
    percent = to_decimal(value, "trail_percent", BadOrderParameters)
    if not 0 < percent < 1:
        raise BadOrderParameters(
            f"trail_percent must be between 0 and 1 (exclusive); got {quote(value)}"
        )
    return percent


def _text(value: Decimal | None) -> str:
    """A number in a message as the default context writes it, or ``None``."""
    return "None" if value is None else decimal_text(value)


def check_one_trail(trail_amount: Decimal | None, trail_percent: Decimal | None) -> None:
    """Refuse a trail that gives both or neither of amount and percent."""
    if (trail_amount is None) == (trail_percent is None):
        raise BadOrderParameters(
            "exactly one of trail_amount and trail_percent is required; got "
            f"trail_amount={_text(trail_amount)}, trail_percent={_text(trail_percent)}"
        )


def _optional_stop_price(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else non_negative_price(value, "stop_price")


@attrs.frozen
class TrailingStopOrder(_NoLimit, ExecutionStyle):
    """A stop that follows the price by ``trail_amount`` or ``trail_percent``.

    Without ``stop_price`` (keyword) its stop is unknown until a market price
    has been seen, and :meth:`get_stop_price` returns ``None``; with it, the
    order starts from that stop and only ever tightens it.
    """

    order_type: ClassVar[OrderType | None] = OrderType.TRAILING_STOP
    trail_amount: Decimal | None = attrs.field(default=None, converter=trail_amount_input)
    trail_percent: Decimal | None = attrs.field(default=None, converter=trail_percent_input)
    asset: Hashable | None = attrs.field(default=None, validator=_optional_asset)
    exchange: str | None = attrs.field(default=None, validator=_exchange)
    stop_price: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=_optional_stop_price
    )

    def __attrs_post_init__(self) -> None:
        check_one_trail(self.trail_amount, self.trail_percent)

    def get_stop_price(self, is_buy: bool) -> Decimal | None:
        if self.stop_price is None:
            return None
        return round_stop_price(self.stop_price, self.asset, is_buy)


def limit_offset_input(value: DecimalInput | None) -> Decimal | None:
    """``None`` or the non-negative distance between a trailing stop and its limit."""
    return None if value is None else non_negative_price(value, "limit_offset")


def _limit_offset(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "limit_offset")


@attrs.frozen
class TrailingStopLimitOrder(TrailingStopOrder):
    """A trailing stop whose limit follows its stop at ``limit_offset`` (keyword).

    Once triggered it behaves as a limit order at ``stop - limit_offset`` for a
    sell and ``stop + limit_offset`` for a buy, like backtrader's StopTrailLimit.
    Its stop and limit are unknown until a market price has been seen.
    """

    order_type: ClassVar[OrderType | None] = OrderType.TRAILING_STOP_LIMIT
    limit_offset: Decimal = attrs.field(
        kw_only=True, converter=_limit_offset
    )


@attrs.frozen
class OCOOrder(_NoLimit, _NoStop, ExecutionStyle):
    """Two single-order styles of which the first to fill cancels the other."""

    order_type: ClassVar[OrderType | None] = None
    order1_style: ExecutionStyle = attrs.field(validator=_single_style)
    order2_style: ExecutionStyle = attrs.field(validator=_single_style)
    exchange: str | None = attrs.field(default=None, validator=_exchange)


def _optional_take_profit_price(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else _take_profit_price(value)


def _stop_loss_trail(
    _: object, __: attrs.Attribute[TrailingStopOrder | None], value: object
) -> None:
    if value is None:
        return
    if not isinstance(value, TrailingStopOrder):
        raise BadOrderParameters(
            "stop_loss_trail must be a TrailingStopOrder or TrailingStopLimitOrder; "
            f"got {quote(value)} ({type(value).__name__})"
        )
    if value.stop_price is not None:
        raise BadOrderParameters(
            "the stop-loss starts at stop_loss_price, so stop_loss_trail takes no "
            f"stop_price; got stop_price={quote(value.stop_price)}"
        )


@attrs.frozen
class BracketOrder(_NoLimit, _NoStop, ExecutionStyle):
    """An entry with a protective stop-loss and, unless ``take_profit_price`` is
    ``None``, a take-profit limit around it.

    The stop-loss is a stop at ``stop_loss_price``; given ``stop_loss_trail``
    (keyword: a :class:`TrailingStopOrder` or :class:`TrailingStopLimitOrder`
    without a stop price), it starts there and trails as that style says. Exit
    prices must be positive and different. Which exit is below depends on the
    direction, known only when the bracket is placed for an amount: the book's
    rule ``exits_keep_their_price_order`` then refuses exits the wrong way round
    and an entry price (limit, stop or both) that does not lie strictly between
    them.
    """

    order_type: ClassVar[OrderType | None] = None
    entry_style: ExecutionStyle = attrs.field(validator=_single_style)
    stop_loss_price: Decimal = attrs.field(converter=_stop_loss_price)
    take_profit_price: Decimal | None = attrs.field(converter=_optional_take_profit_price)
    asset: Hashable | None = attrs.field(default=None, validator=_optional_asset)
    exchange: str | None = attrs.field(default=None, validator=_exchange)
    stop_loss_trail: TrailingStopOrder | None = attrs.field(
        default=None, kw_only=True, validator=_stop_loss_trail
    )

    def __attrs_post_init__(self) -> None:
        if self.take_profit_price == self.stop_loss_price:
            raise BadOrderParameters(
                f"stop_loss_price and take_profit_price must differ; both are "
                f"{self.stop_loss_price}"
            )
