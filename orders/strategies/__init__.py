"""The old path of :mod:`orders.testing.strategies`, kept so that
``orders.strategies`` keeps working."""

from orders.testing.strategies import (
    T0 as T0,
    PriceRange as PriceRange,
    assets as assets,
    bars as bars,
    books as books,
    events as events,
    exact_divide_int as exact_divide_int,
    fills as fills,
    lifecycles as lifecycles,
    linked_groups as linked_groups,
    orders as orders,
    price_paths as price_paths,
    prices as prices,
    starts as starts,
    styles as styles,
)

__all__ = [
    "assets",
    "bars",
    "books",
    "events",
    "fills",
    "lifecycles",
    "linked_groups",
    "orders",
    "price_paths",
    "prices",
    "starts",
    "styles",
]
