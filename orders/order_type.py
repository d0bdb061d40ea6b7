"""The old path of :mod:`orders.statuses` for the kinds of order and times in
force, kept so that ``orders.order_type.OrderType`` and pickles that name it
keep working."""

from orders.statuses import (
    OrderType as OrderType,
    TimeInForce as TimeInForce,
)

__all__ = ["OrderType", "TimeInForce"]
