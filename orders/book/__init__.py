"""Many orders: the order book, its indexes, and the linking rules of OCO groups
and brackets."""

from orders.book.orderbook import (
    BookResult as BookResult,
)
from orders.book.orderbook import (
    Bracket as Bracket,
)
from orders.book.orderbook import (
    Derived as Derived,
)
from orders.book.orderbook import (
    LinkMode as LinkMode,
)
from orders.book.orderbook import (
    OrderBook as OrderBook,
)
from orders.book.orderbook import (
    Released as Released,
)
from orders.book.orderbook import (
    Submit as Submit,
)
from orders.book.orderbook import (
    UnknownOrderError as UnknownOrderError,
)
from orders.book.orderbook import (
    placed_orders as placed_orders,
)

__all__ = [
    "BookResult",
    "Bracket",
    "Derived",
    "LinkMode",
    "OrderBook",
    "Released",
    "Submit",
    "UnknownOrderError",
    "placed_orders",
]
