"""The old path of :mod:`orders.testing.strategies`, kept so that
``orders.strategies`` keeps working."""

from orders.testing.strategies import (
    T0 as T0,
)
from orders.testing.strategies import (
    PriceRange as PriceRange,
)
from orders.testing.strategies import (
    assets as assets,
)
from orders.testing.strategies import (
    bars as bars,
)
from orders.testing.strategies import (
    books as books,
)
from orders.testing.strategies import (
    events as events,
)
from orders.testing.strategies import (
    exact_divide_int as exact_divide_int,
)
from orders.testing.strategies import (
    fills as fills,
)
from orders.testing.strategies import (
    lifecycles as lifecycles,
)
from orders.testing.strategies import (
    linked_groups as linked_groups,
)
from orders.testing.strategies import (
    orders as orders,
)
from orders.testing.strategies import (
    price_paths as price_paths,
)
from orders.testing.strategies import (
    prices as prices,
)
from orders.testing.strategies import (
    starts as starts,
)
from orders.testing.strategies import (
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
