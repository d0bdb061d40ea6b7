"""Helpers shared by the example tests and the property tests."""

from __future__ import annotations

from collections.abc import Mapping

from orders import BookResult, DecimalOrder, Event, OrderBook, Submit, apply


def rebuilt(
    before: OrderBook,
    result: BookResult,
    asked: tuple[str, Event] | None = None,
    added: tuple[DecimalOrder, ...] = (),
) -> Mapping[str, DecimalOrder]:
    """The orders of ``before`` (with ``added``) after the asked event and then each
    derived consequence of ``result``, applied in order: they must rebuild
    ``result.book``."""
    orders = {**before.orders, **{order.id: order for order in added}}
    if asked is not None:
        orders[asked[0]] = apply(orders[asked[0]], asked[1])
    for derived in result.derived:
        if isinstance(derived.event, Submit):
            assert derived.order_id not in orders, f"{derived.order_id} was submitted twice"
            orders[derived.order_id] = derived.event.order
        else:
            orders[derived.order_id] = apply(orders[derived.order_id], derived.event)
    return orders
