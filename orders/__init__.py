"""`orders`: a Decimal-precision order-management core.

Immutable order values, exact Decimal arithmetic and execution styles named
after the reference backtester's API. The public API is re-exported here.
"""

from orders.assets import Asset
from orders.decimals import DecimalInput
from orders.errors import BadOrderParameters, InvalidQuantityError, OrderError
from orders.order import DecimalOrder, OrderTerms
from orders.order_type import OrderType
from orders.status import ACTIVE_STATUSES, ORDER_STATUS, TERMINAL_STATUSES
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopOrder,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ORDER_STATUS",
    "TERMINAL_STATUSES",
    "Asset",
    "BadOrderParameters",
    "BracketOrder",
    "DecimalInput",
    "DecimalOrder",
    "ExecutionStyle",
    "InvalidQuantityError",
    "LimitOrder",
    "MarketOrder",
    "OCOOrder",
    "OrderError",
    "OrderTerms",
    "OrderType",
    "StopLimitOrder",
    "StopOrder",
    "TrailingStopOrder",
]
