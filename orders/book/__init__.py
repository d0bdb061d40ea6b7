"""Many orders: the order book, its indexes, and the linking rules of OCO groups
and brackets."""

from orders.book.audit import AuditStep as AuditStep, Cause as Cause, trail_text as trail_text
from orders.book.orderbook import (
    BookResult as BookResult,
    Bracket as Bracket,
    Derived as Derived,
    LinkMode as LinkMode,
    OrderBook as OrderBook,
    Released as Released,
    Submit as Submit,
    UnknownOrderError as UnknownOrderError,
    placed_orders as placed_orders,
)
from orders.book.rules import Arming as Arming

__all__ = [
    "Arming",
    "AuditStep",
    "BookResult",
    "Bracket",
    "Cause",
    "Derived",
    "LinkMode",
    "OrderBook",
    "Released",
    "Submit",
    "UnknownOrderError",
    "placed_orders",
    "trail_text",
]
