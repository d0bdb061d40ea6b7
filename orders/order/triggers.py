"""Evaluating orders against market prices: triggers, limits and trailing stops.

The caller passes a trade price or an OHLC :class:`~orders.events.Bar`; the
functions return the new order value, reached through
:func:`orders.apply` with a :class:`~orders.events.PriceUpdate` or
:class:`~orders.events.BarUpdate` (recorded only when it changes something)
and, when the stop is crossed, a :class:`~orders.events.Trigger` carrying the
trigger price. HELD and terminal orders do not move. The rules are those of
:mod:`orders.order.pricing`, written out in ``docs/triggers.md``. Market data
stamped before an order's last change does not move it: the order has
already seen a later market.
"""

from __future__ import annotations

from datetime import datetime

from orders._checks import check_time_kind
from orders.decimals import DecimalInput, non_negative_price
from orders.events import Bar, BarUpdate, Event, PriceUpdate, Trigger
from orders.order import machine, pricing
from orders.order.value import A, DecimalOrder, waiting_for_stop
from orders.statuses import WORKING_STATUSES, OrderType

__all__ = [
    "bar_steps",
    "check_triggers",
    "check_triggers_bar",
    "is_marketable",
    "price_steps",
]

_MARKET = OrderType.MARKET


Step = tuple[Event, "DecimalOrder"]
"""An event applied, and the order it gave."""


def check_triggers(
    order: DecimalOrder[A], market_price: DecimalInput, dt: datetime | None = None
) -> DecimalOrder[A]:
    """The order after a trade at ``market_price``.

    A trailing order first ratchets with the price; then a buy stop triggers
    when the price is at or above its stop, a sell stop when at or below it.
    """
    steps = price_steps(order, market_price, dt)
    return steps[-1][1] if steps else order  # type: ignore[return-value]  # same asset


def check_triggers_bar(
    order: DecimalOrder[A], bar: Bar, dt: datetime | None = None
) -> DecimalOrder[A]:
    """The order after ``bar``: a gap through the stop triggers at the open,
    a bar trading through it triggers at the stop, and a trailing order that
    does not trigger ratchets with the close."""
    steps = bar_steps(order, bar, dt)
    return steps[-1][1] if steps else order  # type: ignore[return-value]  # same asset


def _seen_later(order: DecimalOrder, dt: datetime | None) -> bool:
    """True when market data at ``dt`` comes before the last change of ``order``
    (its creation, or the latest event applied to it): the order has seen a
    later market, and the data does not move it. Data at the very time of the
    last change, or without a ``dt``, is not older."""
    if dt is None:
        return False
    if dt.tzinfo is not order.dt.tzinfo:  # the same zone: the same kind
        check_time_kind("the market data's dt", dt, order.dt, f"order {order.id}'s dt is")
    return dt < order.dt


def price_steps(
    order: DecimalOrder, market_price: DecimalInput, dt: datetime | None = None
) -> list[Step]:
    """The events a trade at ``market_price`` applies to ``order``, each with the
    order it gave: a :class:`~orders.events.PriceUpdate` if it moved anything,
    then a :class:`~orders.events.Trigger` if the stop was crossed."""
    if order.status not in WORKING_STATUSES:
        return []
    update = PriceUpdate(market_price, dt)
    if _seen_later(order, update.dt):
        return []
    steps: list[Step] = []
    moved = machine.apply(order, update)
    if moved is not order:
        steps.append((update, moved))
    stop = moved.terms.stop
    crossed = stop is not None and pricing.stop_crossed(moved.terms.amount > 0, stop, update.price)
    if crossed and waiting_for_stop(moved):
        trigger = Trigger(dt, update.price)
        steps.append((trigger, machine.apply(moved, trigger)))
    return steps


def bar_steps(order: DecimalOrder, bar: Bar, dt: datetime | None = None) -> list[Step]:
    """The events ``bar`` applies to ``order``, each with the order it gave."""
    if order.status not in WORKING_STATUSES:
        return []
    update = BarUpdate(bar, dt)
    if _seen_later(order, update.dt):
        return []
    stop = order.terms.stop
    trigger_price = None
    if waiting_for_stop(order) and stop is not None:
        trigger_price = pricing.bar_trigger_price(order.terms.amount > 0, stop, bar)
    steps: list[Step] = []
    moved = machine.apply(order, update)
    if moved is not order:
        steps.append((update, moved))
    if trigger_price is not None:
        trigger = Trigger(dt, trigger_price)
        steps.append((trigger, machine.apply(moved, trigger)))
    return steps


def is_marketable(order: DecimalOrder, price: DecimalInput) -> bool:
    """True when an active order would execute at ``price``.

    A market order always would; a waiting stop would once the price crosses
    it (a stop-limit only if its limit admits the price too); a limit, or a
    triggered stop-limit, when the price is at or better than its limit. A
    HELD or terminal order never would.
    """
    if order.status not in WORKING_STATUSES:
        return False
    terms = order.terms
    price_ = non_negative_price(price, "price")
    is_buy = terms.amount > 0
    if waiting_for_stop(order) and (
        terms.stop is None or not pricing.stop_crossed(is_buy, terms.stop, price_)
    ):
        return False
    if terms.order_type is _MARKET or terms.limit is None:
        return True
    return pricing.limit_reachable(is_buy, terms.limit, price_)
