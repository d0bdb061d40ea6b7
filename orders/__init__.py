"""`orders`: a Decimal-precision order-management core.

Immutable order values, exact Decimal arithmetic, execution styles named after
rustybt's API, and a pure state machine whose transition
table is the single source of truth. The public API is re-exported here.
"""

from orders.assets import Asset
from orders.book import BookResult, Derived, OrderBook, Released, Submit, placed_orders
from orders.costs import (
    CommissionModel,
    NoCommission,
    NoSlippage,
    NotionalCommission,
    PercentSlippage,
    PerOrderCommission,
    PerShareCommission,
    SlippageModel,
    TickSlippage,
    VolumeShareSlippage,
)
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
from orders.positions import Account, Execution, Position
from orders.recording import Recorder
from orders.records import (
    fill_records,
    order_records,
    position_records,
    standing_fills,
    to_dataframe,
)
from orders.replay import Refusal, ReplayResult, replay
from orders.serialization import (
    Serializable,
    SerializationError,
    dumps,
    loads,
    structure,
    unstructure,
)
from orders.status import ACTIVE_STATUSES, ORDER_STATUS, TERMINAL_STATUSES
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)
from orders.triggers import check_triggers, check_triggers_bar, is_marketable
from orders.venue import FILL_PRICES, SimulatedVenue, VenueResult

__all__ = [
    "ACTIVE_STATUSES",
    "EVENT_TYPES",
    "FILL_PRICES",
    "ORDER_STATUS",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Account",
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
    "CommissionModel",
    "DecimalInput",
    "DecimalOrder",
    "Derived",
    "Event",
    "ExactnessError",
    "Execution",
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
    "MarketOnCloseOrder",
    "MarketOrder",
    "NoCommission",
    "NoSlippage",
    "NotionalCommission",
    "OCOOrder",
    "OrderBook",
    "OrderError",
    "OrderTerms",
    "OrderType",
    "PerOrderCommission",
    "PerShareCommission",
    "PercentSlippage",
    "Position",
    "PriceUpdate",
    "Recorder",
    "Refusal",
    "Reject",
    "Release",
    "Released",
    "ReplayResult",
    "Serializable",
    "SerializationError",
    "SimulatedVenue",
    "SlippageModel",
    "StopLimitOrder",
    "StopOrder",
    "Submit",
    "TickSlippage",
    "TimeInForce",
    "TimeKindError",
    "TrailingStopLimitOrder",
    "TrailingStopOrder",
    "Trigger",
    "UnknownFillError",
    "UnknownOrderError",
    "VenueResult",
    "VolumeShareSlippage",
    "apply",
    "bracket_orders",
    "buy_bracket",
    "check_triggers",
    "check_triggers_bar",
    "dumps",
    "fill_records",
    "is_marketable",
    "loads",
    "oco_orders",
    "order_records",
    "placed_orders",
    "position_records",
    "replay",
    "sell_bracket",
    "standing_fills",
    "structure",
    "to_dataframe",
    "unstructure",
]
