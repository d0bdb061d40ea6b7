"""Building linked orders: OCO pairs and brackets, as plain order values.

These functions build orders and their links (``linked_order_ids``,
``parent_order_id``); :class:`orders.book.OrderBook` applies the linking rules
of :mod:`orders.book.rules`.

A bracket is returned in backtrader's order ``[main, stop, limit]``: the entry,
a stop-loss leg and a take-profit leg (a limit order; there is none when the
bracket has no take-profit), linked to each other and to the entry by
``parent_order_id``. Both legs are built dormant (HELD), as the rule
:func:`~orders.book.rules.legs_wait_for_the_entry` keeps them until the entry
fills. Their prices are checked against the bracket's direction when they are
built and when the book takes them, by one rule,
:func:`~orders.book.rules.exits_keep_their_price_order`: for a long bracket the
stop-loss lies below the take-profit, for a short one above it, and an entry
that has a price lies strictly between them (or beyond the stop-loss when there
is no take-profit).

Every leg has its own validity. The legs are good till cancelled unless given
one of their own, whatever the entry's validity: a position opened before the
entry expires stays protected after it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime
from decimal import Decimal

from orders._checks import check_ids, quote
from orders.book import rules
from orders.book.rules import replacement_legs
from orders.decimals import DecimalInput
from orders.errors import BadOrderParameters
from orders.order.value import DecimalOrder, new_order_id
from orders.statuses import TimeInForce
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    OCOOrder,
)

__all__ = ["bracket_orders", "oco_orders", "replacement_legs"]


def oco_orders(
    dt: datetime,
    asset: Hashable,
    amount: DecimalInput,
    style: OCOOrder,
    *,
    ids: tuple[str, str] | None = None,
    time_in_force: TimeInForce | str | None = None,
    valid_until: datetime | None = None,
    post_only: bool = False,
) -> tuple[DecimalOrder, DecimalOrder]:
    """The two legs of an OCO pair for ``amount``, each linked to the other;
    ``time_in_force``, ``valid_until`` and ``post_only`` are both legs'."""
    if not isinstance(style, OCOOrder):
        raise BadOrderParameters(f"style must be an OCOOrder; got {quote(style)}")
    first, second = check_ids(ids, 2, "an OCO pair") or (new_order_id(), new_order_id())

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
            post_only=post_only,
        )

    return leg(style.order1_style, first, second), leg(style.order2_style, second, first)


def bracket_orders(
    dt: datetime,
    asset: Hashable,
    amount: DecimalInput,
    style: BracketOrder,
    *,
    ids: Sequence[str] | None = None,
    time_in_force: TimeInForce | str | None = None,
    valid_until: datetime | None = None,
    stop_loss_valid_until: datetime | None = None,
    take_profit_valid_until: datetime | None = None,
    post_only: bool = False,
) -> tuple[DecimalOrder, ...]:
    """``(main, stop, limit)`` for a bracket of ``amount`` (positive: long), or
    ``(main, stop)`` when the style has no take-profit.

    ``time_in_force``, ``valid_until`` and ``post_only`` are the entry's; each leg
    is good till cancelled unless given its own ``..._valid_until``.
    """
    if not isinstance(style, BracketOrder):
        raise BadOrderParameters(f"style must be a BracketOrder; got {quote(style)}")
    if style.asset is not None and style.asset != asset:
        raise BadOrderParameters(
            f"the bracket was priced for asset {quote(style.asset)}, not {quote(asset)}"
        )
    count = 2 if style.take_profit_price is None else 3
    given = check_ids(ids, count, "this bracket")
    main_id, *leg_ids = given or [new_order_id() for _ in range(count)]
    main = DecimalOrder.from_style(
        dt, asset, amount, style.entry_style, id=main_id,
        time_in_force=time_in_force, valid_until=valid_until, post_only=post_only,
    )
    trail = style.stop_loss_trail
    prices: list[dict[str, Decimal | None]] = [{
        "stop": style.stop_loss_price,
        "trail_amount": None if trail is None else trail.trail_amount,
        "trail_percent": None if trail is None else trail.trail_percent,
        "limit_offset": None if trail is None else trail.limit_offset,
    }]
    validity = [stop_loss_valid_until]
    if style.take_profit_price is not None:
        prices.append({"limit": style.take_profit_price})
        validity.append(take_profit_valid_until)
    exit_amount = main.amount.copy_negate()
    legs = tuple(
        DecimalOrder(
            dt,
            asset,
            exit_amount,
            id=leg_id,
            linked_order_ids=tuple(other for other in leg_ids if other != leg_id),
            parent_order_id=main_id,
            status=rules.DORMANT,
            exchange=style.exchange,
            valid_until=leg_valid_until,
            **leg_prices,  # type: ignore[arg-type]
        )
        for leg_id, leg_prices, leg_valid_until in zip(leg_ids, prices, validity, strict=True)
    )
    rules.exits_keep_their_price_order(rules.bracket_links(main, legs), (main.id,), None)
    return (main, *legs)

