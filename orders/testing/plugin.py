"""Hypothesis's plugin entry point: ``st.from_type`` for the values of `orders`.

Hypothesis runs :func:`setup` while it is itself being imported, possibly
because :mod:`orders.testing.strategies` is importing it. So the registrations
are lazy: :mod:`orders.testing.strategies` is imported only when a strategy is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def setup() -> None:
    """Register a strategy for each value type of `orders`."""
    from hypothesis import strategies as st

    from orders.assets import Asset
    from orders.book.orderbook import OrderBook
    from orders.events import Bar, Fill
    from orders.order.value import DecimalOrder
    from orders.styles import ExecutionStyle

    for kind, name in (
        (DecimalOrder, "orders"),
        (Fill, "fills"),
        (Bar, "bars"),
        (Asset, "assets"),
        (OrderBook, "books"),
        (ExecutionStyle, "styles"),
    ):
        st.register_type_strategy(kind, _lazy(name))


def _lazy(name: str) -> Callable[[type], Any]:
    def resolve(_: type) -> Any:
        from orders.testing import strategies

        return getattr(strategies, name)()

    return resolve
