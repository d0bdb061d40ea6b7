"""An order's terms: what it asks for (asset, amount, type, prices, links, times).

:class:`OrderTerms` is shared by every version of an order and replaced only
when the terms themselves change (an amendment, a trailing stop's ratchet).
:func:`make_terms` checks the prices against the order type and rounds them to
the asset's tick by the never-more-aggressive rule of :mod:`orders.assets`.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from datetime import datetime
from decimal import Decimal

import attrs

from orders._checks import decimal_text
from orders._fast import fields_state, restore_fields, slot_builder, untrack
from orders.assets import check_quantity_increment, round_limit_price, round_stop_price
from orders.errors import BadOrderParameters
from orders.statuses import OrderType, TimeInForce
from orders.styles import check_one_trail

__all__ = ["OrderTerms", "build_terms", "make_terms", "terms_with_levels"]


@attrs.frozen(init=False, weakref_slot=False)
class OrderTerms:
    """What an order asks for: fixed at creation, changed only by an amendment.

    Prices are already rounded to the asset's tick. Trailing orders keep their
    current stop and their high- and low-water marks here.
    """

    id: str
    asset: Hashable
    amount: Decimal
    order_type: OrderType
    stop: Decimal | None
    limit: Decimal | None
    trail_amount: Decimal | None
    trail_percent: Decimal | None
    limit_offset: Decimal | None
    trailing_highest_price: Decimal | None
    trailing_lowest_price: Decimal | None
    linked_order_ids: tuple[str, ...]
    parent_order_id: str | None
    created: datetime
    broker_order_id: str | None
    exchange: str | None
    time_in_force: TimeInForce
    valid_until: datetime | None
    post_only: bool
    """The order may only add liquidity: it must rest before it trades."""

    def __getstate__(self) -> dict[str, object]:
        return fields_state(self)

    def __setstate__(self, state: dict[str, object]) -> None:
        restore_fields(self, state, _LATER_FIELDS)
        untrack(self)


build_terms = slot_builder(OrderTerms, tracked=False)
"""``OrderTerms`` from its fields in order, unchecked: for values already valid.
Terms refer only to plain values and the asset, so the garbage collector need
not visit them (see :func:`orders._fast.untrack`)."""
_LATER_FIELDS: dict[str, object] = {"post_only": False}
"""The fields added after pickles of terms were first written, with the value they had."""


_MARKET, _LIMIT, _STOP, _STOP_LIMIT, _TRAILING_STOP, _TRAILING_STOP_LIMIT, _ON_CLOSE = OrderType
_PRICE_NAMES = (
    "stop",
    "limit",
    "trail_amount",
    "trail_percent",
    "limit_offset",
    "trailing_highest_price",
    "trailing_lowest_price",
)
_TRAILING_NAMES = ("stop", "trail_amount", "trail_percent", "trailing_highest_price",
                   "trailing_lowest_price")


def _presence_patterns(
    required: tuple[str, ...], allowed: tuple[str, ...]
) -> frozenset[tuple[bool, ...]]:
    """Which fields of _PRICE_NAMES may be given (True) or absent, as tuples."""
    return frozenset(
        given
        for given in itertools.product((False, True), repeat=len(_PRICE_NAMES))
        if all(
            (name in required) <= present and present <= (name in allowed)
            for name, present in zip(_PRICE_NAMES, given, strict=True)
        )
    )


# For each kind of order, the patterns of given price and trail fields it
# accepts: its required fields present, nothing outside its allowed fields.
_ORDER_TERMS: dict[OrderType, frozenset[tuple[bool, ...]]] = {
    kind: _presence_patterns(required, allowed)
    for kind, required, allowed in (
        (_MARKET, (), ()),
        (_ON_CLOSE, (), ()),
        (_LIMIT, ("limit",), ("limit",)),
        (_STOP, ("stop",), ("stop",)),
        (_STOP_LIMIT, ("stop", "limit"), ("stop", "limit")),
        (_TRAILING_STOP, (), _TRAILING_NAMES),
        (_TRAILING_STOP_LIMIT, ("limit_offset",), (*_TRAILING_NAMES, "limit", "limit_offset")),
    )
}


def _infer_order_type(
    stop: Decimal | None, limit: Decimal | None, trailing: bool, limit_offset: Decimal | None
) -> OrderType:
    if trailing:
        return _TRAILING_STOP if limit_offset is None else _TRAILING_STOP_LIMIT
    if stop is not None:
        return _STOP if limit is None else _STOP_LIMIT
    return _MARKET if limit is None else _LIMIT


def make_terms(
    id: str,  # noqa: A002
    asset: Hashable,
    amount: Decimal,
    order_type: OrderType | None,
    stop: Decimal | None,
    limit: Decimal | None,
    trail_amount: Decimal | None,
    trail_percent: Decimal | None,
    limit_offset: Decimal | None,
    highest: Decimal | None,
    lowest: Decimal | None,
    linked_order_ids: tuple[str, ...],
    parent_order_id: str | None,
    created: datetime,
    broker_order_id: str | None,
    exchange: str | None,
    time_in_force: TimeInForce,
    valid_until: datetime | None,
    post_only: bool = False,
) -> OrderTerms:
    """Check the prices against the order type, round them, and build the terms.

    Only an order with a limit can be post-only: a limit, or a stop-limit
    (trailing or not), whose limit rests once its stop has triggered.
    """
    trailing = trail_amount is not None or trail_percent is not None
    kind = order_type or _infer_order_type(stop, limit, trailing, limit_offset)
    prices = (stop, limit, trail_amount, trail_percent, limit_offset, highest, lowest)
    given = (
        stop is not None,
        limit is not None,
        trail_amount is not None,
        trail_percent is not None,
        limit_offset is not None,
        highest is not None,
        lowest is not None,
    )
    if given not in _ORDER_TERMS[kind]:
        raise _terms_error(kind, prices)
    if post_only and not kind.has_limit:
        raise BadOrderParameters(
            f"a {kind} order cannot be post-only; post_only=True needs an order with a limit "
            "(limit, stop_limit or trailing_stop_limit)"
        )
    if kind.is_trailing:
        check_one_trail(trail_amount, trail_percent)
    check_quantity_increment(amount, asset, "amount")
    is_buy = not amount.is_signed()
    return build_terms(
        id,
        asset,
        amount,
        kind,
        None if stop is None else round_stop_price(stop, asset, is_buy),
        None if limit is None else round_limit_price(limit, asset, is_buy),
        trail_amount,
        trail_percent,
        limit_offset,
        highest,
        lowest,
        linked_order_ids,
        parent_order_id,
        created,
        broker_order_id,
        exchange,
        time_in_force,
        valid_until,
        post_only,
    )


def _terms_error(kind: OrderType, prices: tuple[Decimal | None, ...]) -> BadOrderParameters:
    patterns = _ORDER_TERMS[kind]
    for index, (name, value) in enumerate(zip(_PRICE_NAMES, prices, strict=True)):
        if value is None and not any(given[index] is False for given in patterns):
            return BadOrderParameters(f"a {kind} order requires {name}; got None")
        if value is not None and not any(given[index] for given in patterns):
            return BadOrderParameters(
                f"a {kind} order takes no {name}; got {name}={decimal_text(value)}"
            )
    raise AssertionError("unreachable: each field is either required or refused here")


def terms_with_levels(
    terms: OrderTerms,
    stop: Decimal | None,
    limit: Decimal | None,
    highest: Decimal | None,
    lowest: Decimal | None,
) -> OrderTerms:
    """``terms`` with a trailing order's stop, limit and marks replaced (already valid)."""
    return build_terms(
        terms.id,
        terms.asset,
        terms.amount,
        terms.order_type,
        stop,
        limit,
        terms.trail_amount,
        terms.trail_percent,
        terms.limit_offset,
        highest,
        lowest,
        terms.linked_order_ids,
        terms.parent_order_id,
        terms.created,
        terms.broker_order_id,
        terms.exchange,
        terms.time_in_force,
        terms.valid_until,
        terms.post_only,
    )
