"""`orders`: a Decimal-precision order-management core.

Immutable order values, exact Decimal arithmetic, execution styles named after
the reference backtester's API, and a pure state machine whose transition
table is the single source of truth. The public API is re-exported here.
"""

from orders.assets import Asset
from orders.book import BookResult, Derived, OrderBook, Released, Submit
from orders.decimals import DecimalInput
from orders.errors import (
    BadOrderParameters,
    ExactnessError,
    FillConflictError,
    InvalidQuantityError,
    InvalidTransition,
    LinkedOrderError,
    OrderError,
    TimeKindError,
    UnknownFillError,
    UnknownOrderError,
)
from orders.events import (
    EVENT_TYPES,
    Amend,
    Bar,
    BarUpdate,
    Cancel,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    PriceUpdate,
    Reject,
    Release,
    Trigger,
)
from orders.history import History
from orders.linked import (
    BracketKeywords,
    bracket_orders,
    buy_bracket,
    oco_orders,
    sell_bracket,
)
from orders.links import Bracket, LinkMode
from orders.machine import TRANSITIONS, apply
from orders.order import DecimalOrder, FillRecord, OrderTerms
from orders.order_type import OrderType, TimeInForce
from orders.replay import Refusal, ReplayResult, replay
from orders.serialization import SerializationError, dumps, loads, structure, unstructure
from orders.status import ACTIVE_STATUSES, ORDER_STATUS, TERMINAL_STATUSES
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)
from orders.triggers import check_triggers, check_triggers_bar, is_marketable

__all__ = [
    "ACTIVE_STATUSES",
    "EVENT_TYPES",
    "ORDER_STATUS",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Amend",
    "Asset",
    "BadOrderParameters",
    "Bar",
    "BarUpdate",
    "BookResult",
    "Bracket",
    "BracketKeywords",
    "BracketOrder",
    "Cancel",
    "DecimalInput",
    "DecimalOrder",
    "Derived",
    "Event",
    "ExactnessError",
    "ExecutionStyle",
    "Expire",
    "Fill",
    "FillBust",
    "FillConflictError",
    "FillCorrection",
    "FillRecord",
    "History",
    "Hold",
    "InvalidQuantityError",
    "InvalidTransition",
    "LimitOrder",
    "LinkMode",
    "LinkedOrderError",
    "MarketOrder",
    "OCOOrder",
    "OrderBook",
    "OrderError",
    "OrderTerms",
    "OrderType",
    "PriceUpdate",
    "Refusal",
    "Reject",
    "Release",
    "Released",
    "ReplayResult",
    "SerializationError",
    "StopLimitOrder",
    "StopOrder",
    "Submit",
    "TimeInForce",
    "TimeKindError",
    "TrailingStopLimitOrder",
    "TrailingStopOrder",
    "Trigger",
    "UnknownFillError",
    "UnknownOrderError",
    "apply",
    "bracket_orders",
    "buy_bracket",
    "check_triggers",
    "check_triggers_bar",
    "dumps",
    "is_marketable",
    "loads",
    "oco_orders",
    "replay",
    "sell_bracket",
    "structure",
    "unstructure",
]
