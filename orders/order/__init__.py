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

__all__ = [
    "DecimalOrder",
    "FillRecord",
    "OrderTerms",
]
