"""One order: its terms, the value and its versions, its history, the state
machine, the price arithmetic and the trigger checks."""

from orders.order.value import (
    DecimalOrder as DecimalOrder,
)
from orders.order.value import (
    FillRecord as FillRecord,
)
from orders.order.value import (
    OrderTerms as OrderTerms,
)
from orders.order.value import (
    rebuild_order,
)

_rebuild = rebuild_order
"""The name that pickles of orders written by versions before the layered
layout give for rebuilding an order; kept so that they load."""

__all__ = [
    "DecimalOrder",
    "FillRecord",
    "OrderTerms",
]
