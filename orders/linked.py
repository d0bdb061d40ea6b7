"""Building linked orders: OCO pairs and brackets, as plain order values.

These functions only build orders and their links (``linked_order_ids``,
``parent_order_id``); :class:`orders.book.OrderBook` applies the linking rules.

A bracket is returned in backtrader's order ``[main, stop, limit]``: the entry,
a stop-loss child (a stop order) and a take-profit child (a limit order), both
children HELD until the entry fills, linked to each other as an OCO pair and to
the entry by ``parent_order_id``. A bracket's levels are checked against its
direction: for a long one the stop-loss lies below the take-profit, for a short
one above it, and an entry that has a price lies strictly between them.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

from orders.decimals import DecimalInput, positive_decimal
from orders.errors import BadOrderParameters
from orders.order import DecimalOrder, new_order_id
from orders.order_type import TimeInForce
from orders.status import ORDER_STATUS
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    StopOrder,
)

__all__ = ["bracket_orders", "buy_bracket", "oco_orders", "sell_bracket"]


def oco_orders(
    dt: datetime,
    asset: Hashable,
    amount: DecimalInput,
    style: OCOOrder,
    *,
    ids: tuple[str, str] | None = None,
    time_in_force: TimeInForce | str | None = None,
    valid_until: datetime | None = None,
) -> tuple[DecimalOrder, DecimalOrder]:
    """The two legs of an OCO pair for ``amount``, each linked to the other."""
    if not isinstance(style, OCOOrder):
        raise BadOrderParameters(f"style must be an OCOOrder; got {style!r}")
    first, second = ids or (new_order_id(), new_order_id())

    def leg(leg_style: ExecutionStyle, leg_id: str, other_id: str) -> DecimalOrder:
        return DecimalOrder.from_style(
            dt,
            asset,
            amount,
            leg_style,
            id=leg_id,
            linked_order_ids=(other_id,),
            time_in_force=time_in_force,
            valid_until=valid_until,
        )

    return leg(style.order1_style, first, second), leg(style.order2_style, second, first)


def bracket_orders(
    dt: datetime,
    asset: Hashable,
    amount: DecimalInput,
    style: BracketOrder,
    *,
    ids: tuple[str, str, str] | None = None,
    time_in_force: TimeInForce | str | None = None,
    valid_until: datetime | None = None,
) -> tuple[DecimalOrder, DecimalOrder, DecimalOrder]:
    """``(main, stop, limit)`` for a bracket of ``amount`` (positive: long)."""
    if not isinstance(style, BracketOrder):
        raise BadOrderParameters(f"style must be a BracketOrder; got {style!r}")
    if style.asset is not None and style.asset != asset:
        raise BadOrderParameters(f"the bracket was priced for asset {style.asset!r}, not {asset!r}")
    main_id, stop_id, limit_id = ids or (new_order_id(), new_order_id(), new_order_id())
    main = DecimalOrder.from_style(
        dt,
        asset,
        amount,
        style.entry_style,
        id=main_id,
        time_in_force=time_in_force,
        valid_until=valid_until,
    )
    _check_direction(main, style)
    exit_amount = main.amount.copy_negate()
    children = (
        (stop_id, StopOrder(style.stop_loss_price), limit_id),
        (limit_id, LimitOrder(style.take_profit_price), stop_id),
    )
    stop, limit = (
        DecimalOrder(
            dt,
            asset,
            exit_amount,
            stop=child.get_stop_price(exit_amount > 0),
            limit=child.get_limit_price(exit_amount > 0),
            id=child_id,
            linked_order_ids=(sibling_id,),
            parent_order_id=main_id,
            status=ORDER_STATUS.HELD,
            exchange=style.exchange,
            time_in_force=time_in_force,
            valid_until=valid_until,
        )
        for child_id, child, sibling_id in children
    )
    return main, stop, limit


def buy_bracket(
    dt: datetime,
    asset: Hashable,
    size: DecimalInput,
    *,
    stopprice: DecimalInput,
    limitprice: DecimalInput,
    price: DecimalInput | None = None,
    ids: tuple[str, str, str] | None = None,
) -> list[DecimalOrder]:
    """backtrader's ``buy_bracket``: ``[main, stop, limit]`` for a long of ``size``.

    The entry is a limit order at ``price``, or a market order without one.
    """
    return _bracket(dt, asset, size, 1, stopprice, limitprice, price, ids)


def sell_bracket(
    dt: datetime,
    asset: Hashable,
    size: DecimalInput,
    *,
    stopprice: DecimalInput,
    limitprice: DecimalInput,
    price: DecimalInput | None = None,
    ids: tuple[str, str, str] | None = None,
) -> list[DecimalOrder]:
    """backtrader's ``sell_bracket``: ``[main, stop, limit]`` for a short of ``size``."""
    return _bracket(dt, asset, size, -1, stopprice, limitprice, price, ids)


def _bracket(
    dt: datetime,
    asset: Hashable,
    size: DecimalInput,
    side: int,
    stopprice: DecimalInput,
    limitprice: DecimalInput,
    price: DecimalInput | None,
    ids: tuple[str, str, str] | None,
) -> list[DecimalOrder]:
    quantity = positive_decimal(size, "size", BadOrderParameters)
    entry = MarketOrder() if price is None else LimitOrder(price)
    style = BracketOrder(entry, stopprice, limitprice)
    amount = quantity if side > 0 else quantity.copy_negate()
    return list(bracket_orders(dt, asset, amount, style, ids=ids))


def _check_direction(main: DecimalOrder, style: BracketOrder) -> None:
    long = main.amount > 0
    stop_loss, take_profit = style.stop_loss_price, style.take_profit_price
    if (stop_loss < take_profit) != long:
        side = "long" if long else "short"
        relation = "below" if long else "above"
        raise BadOrderParameters(
            f"a {side} bracket needs its stop-loss {relation} its take-profit; got "
            f"stop_loss_price {stop_loss}, take_profit_price {take_profit}"
        )
