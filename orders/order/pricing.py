"""Pure price arithmetic: when a stop is crossed, when a limit is reachable,
and how a trailing stop ratchets.

The rules for a trade price:

* a buy stop is crossed when ``price >= stop``, a sell stop when ``price <= stop``;
* a buy limit is reachable when ``price <= limit``, a sell limit when ``price >= limit``.

The rules for an OHLC bar follow backtrader's BackBroker:

* a stop is crossed when the bar opens through it (a gap: the trigger price is
  the open) or trades through it later (the trigger price is the stop);
* a limit is reachable when the bar's range touches it (``low <= limit`` for a
  buy, ``high >= limit`` for a sell);
* a stop-limit triggered by a gap judges its limit over the whole bar; one
  triggered during the bar is reachable when its limit admits the stop price,
  or, when the bar then moved back towards the limit (a buy on a falling bar,
  a sell on a rising bar), when the limit admits the close;
* a trailing stop is checked against the stop it had before the bar, and only
  a bar that does not trigger it ratchets it, with the close: the order of the
  high and the low within a bar is unknown.

A trailing stop keeps its high-water mark (sell) or low-water mark (buy) and
derives its stop from it: ``highest - amount`` or ``highest x (1 - percent)``
for a sell, ``lowest + amount`` or ``lowest x (1 + percent)`` for a buy, rounded
to the tick by the never-more-aggressive rule. The stop never widens. A trailing
stop-limit's limit follows its stop at ``limit_offset``.
"""

from __future__ import annotations

from decimal import Decimal

from orders.assets import round_limit_price, round_stop_price
from orders.decimals import exact_add, exact_multiply, exact_subtract
from orders.events import Bar, BarUpdate, PriceUpdate
from orders.order.terms import OrderTerms, terms_with_levels

__all__ = [
    "bar_trigger_price",
    "limit_reachable",
    "observe",
    "ratchet",
    "retrail",
    "stop_crossed",
]

_ZERO = Decimal(0)


def stop_crossed(is_buy: bool, stop: Decimal, price: Decimal) -> bool:
    """True when a trade at ``price`` reaches the stop."""
    return price >= stop if is_buy else price <= stop


def limit_reachable(is_buy: bool, limit: Decimal, price: Decimal) -> bool:
    """True when ``price`` is at or better than the limit."""
    return price <= limit if is_buy else price >= limit


def bar_trigger_price(is_buy: bool, stop: Decimal, bar: Bar) -> Decimal | None:
    """Where ``bar`` crossed the stop: its open on a gap, else the stop; or None."""
    if is_buy:
        if bar.open >= stop:
            return bar.open
        return stop if bar.high >= stop else None
    if bar.open <= stop:
        return bar.open
    return stop if bar.low <= stop else None


def _bar_reaches_limit(is_buy: bool, limit: Decimal, bar: Bar) -> bool:
    return bar.low <= limit if is_buy else bar.high >= limit


def _limit_after_trigger(is_buy: bool, limit: Decimal, trigger: Decimal, bar: Bar) -> bool:
    if trigger == bar.open:  # a gap: the whole bar came after the trigger
        return _bar_reaches_limit(is_buy, limit, bar)
    if limit_reachable(is_buy, limit, trigger):
        return True
    moved_back = bar.open > bar.close if is_buy else bar.open < bar.close
    return moved_back and limit_reachable(is_buy, limit, bar.close)


def observe(
    terms: OrderTerms, waiting: bool, limit_reached: bool, event: PriceUpdate | BarUpdate
) -> tuple[OrderTerms, bool]:
    """The terms and ``limit_reached`` flag that ``event`` gives an order with
    ``terms``, ``waiting`` for its stop or not, whose limit was reached or not."""
    is_buy = terms.amount > 0
    if type(event) is PriceUpdate:
        price = event.price
        if waiting and terms.order_type.is_trailing:
            terms = ratchet(terms, price)
        # A limit is live unless it still waits for its stop (a plain limit never
        # waits); the price that crosses the stop is judged against the limit too.
        crossing = waiting and terms.stop is not None and stop_crossed(is_buy, terms.stop, price)
        if terms.limit is not None and (not waiting or crossing):
            limit_reached = limit_reachable(is_buy, terms.limit, price)
        return terms, limit_reached
    bar = event.bar  # type: ignore[union-attr]
    trigger = None
    if waiting and terms.stop is not None:
        trigger = bar_trigger_price(is_buy, terms.stop, bar)
    if waiting and trigger is None and terms.order_type.is_trailing:
        terms = ratchet(terms, bar.close)
    if terms.limit is not None:
        if trigger is not None:
            limit_reached = _limit_after_trigger(is_buy, terms.limit, trigger, bar)
        elif not waiting:
            limit_reached = _bar_reaches_limit(is_buy, terms.limit, bar)
    return terms, limit_reached


def _levels(terms: OrderTerms, mark: Decimal) -> tuple[Decimal, Decimal | None]:
    """The stop (and a trailing stop-limit's limit) that ``mark`` gives, rounded."""
    is_buy = terms.amount > 0
    if terms.trail_amount is not None:
        distance = terms.trail_amount
    else:
        assert terms.trail_percent is not None
        distance = exact_multiply(mark, terms.trail_percent)
    stop = exact_add(mark, distance) if is_buy else exact_subtract(mark, distance)
    stop = round_stop_price(max(stop, _ZERO), terms.asset, is_buy)
    if terms.limit_offset is None:
        return stop, None
    offset = terms.limit_offset
    limit = exact_add(stop, offset) if is_buy else exact_subtract(stop, offset)
    return stop, round_limit_price(max(limit, _ZERO), terms.asset, is_buy)


def ratchet(terms: OrderTerms, price: Decimal) -> OrderTerms:
    """Move a trailing order's mark with ``price``; its stop only tightens."""
    is_buy = terms.amount > 0
    mark = terms.trailing_lowest_price if is_buy else terms.trailing_highest_price
    if mark is not None and (price >= mark if is_buy else price <= mark):
        return terms
    stop, limit = _levels(terms, price)
    if terms.stop is not None and (stop >= terms.stop if is_buy else stop <= terms.stop):
        stop, limit = terms.stop, terms.limit
    highest, lowest = terms.trailing_highest_price, terms.trailing_lowest_price
    if is_buy:
        lowest = price
    else:
        highest = price
    return terms_with_levels(terms, stop, limit, highest, lowest)


def retrail(terms: OrderTerms) -> OrderTerms:
    """Recompute a trailing order's stop from its current mark, after its trail changed.

    Unlike :func:`ratchet` this may loosen the stop: the new trail is the owner's
    explicit choice. An order that has seen no price yet keeps no stop.
    """
    mark = terms.trailing_lowest_price if terms.amount > 0 else terms.trailing_highest_price
    if mark is None:
        return terms
    stop, limit = _levels(terms, mark)
    return terms_with_levels(
        terms, stop, limit, terms.trailing_highest_price, terms.trailing_lowest_price
    )

