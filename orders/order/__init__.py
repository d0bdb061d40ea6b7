"""One order: its terms, the value and its versions, its history, the state
machine, the price arithmetic and the trigger checks."""

from orders.order.terms import (
    make_terms as make_terms,
)
from orders.order.terms import (
    terms_with_levels as terms_with_levels,
)
from orders.order.value import (
    A as A,
)
from orders.order.value import (
    AssetT as AssetT,
)
from orders.order.value import (
    DecimalOrder as DecimalOrder,
)
from orders.order.value import (
    FillIndex as FillIndex,
)
from orders.order.value import (
    FillRecord as FillRecord,
)
from orders.order.value import (
    OrderTerms as OrderTerms,
)
from orders.order.value import (
    fill_record as fill_record,
)
from orders.order.value import (
    new_order_id as new_order_id,
)
from orders.order.value import (
    next_version as next_version,
)
from orders.order.value import (
    rebuild_order,
)
from orders.order.value import (
    status_by_fill as status_by_fill,
)

_rebuild = rebuild_order
"""The name that pickles of orders written by versions before the layered
layout give for rebuilding an order; kept so that they load."""

__all__ = [
    "DecimalOrder",
    "FillRecord",
    "OrderTerms",
    "fill_record",
    "new_order_id",
    "next_version",
]
