"""One order: its terms, the value and its versions, its history, the state
machine, the price arithmetic and the trigger checks."""

from orders.order.terms import (
    make_terms as make_terms,
    terms_with_levels as terms_with_levels,
)
from orders.order.value import (
    A as A,
    AssetT as AssetT,
    DecimalOrder as DecimalOrder,
    FillIndex as FillIndex,
    FillRecord as FillRecord,
    OrderTerms as OrderTerms,
    fill_record as fill_record,
    new_order_id as new_order_id,
    next_version as next_version,
    rebuild_order,
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
