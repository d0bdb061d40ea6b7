"""The seven order statuses, with rustybt's names and values, every set of them
that a rule names (each defined here and nowhere else), and the kinds of order
and times in force."""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = [
    "ACTIVE_STATUSES",
    "ENDED_STATUSES",
    "FILL_STATUSES",
    "ORDER_STATUS",
    "TERMINAL_STATUSES",
    "UNFILLED_STATUSES",
    "WORKING_STATUSES",
    "OrderType",
    "RequestRejectReason",
    "TimeInForce",
]


class ORDER_STATUS(IntEnum):  # noqa: N801 - rustybt's spelling is the API
    """Where an order is in its lifecycle."""

    OPEN = 0
    FILLED = 1
    CANCELLED = 2
    REJECTED = 3
    HELD = 4
    TRIGGERED = 5
    PARTIALLY_FILLED = 6


TERMINAL_STATUSES: frozenset[ORDER_STATUS] = frozenset(
    {ORDER_STATUS.FILLED, ORDER_STATUS.CANCELLED, ORDER_STATUS.REJECTED}
)
"""Statuses an order never leaves for a live one."""

ACTIVE_STATUSES: frozenset[ORDER_STATUS] = frozenset(ORDER_STATUS) - TERMINAL_STATUSES
"""Statuses of an order that can still trade: OPEN, HELD, TRIGGERED, PARTIALLY_FILLED."""

WORKING_STATUSES: frozenset[ORDER_STATUS] = ACTIVE_STATUSES - {ORDER_STATUS.HELD}
"""Statuses of an order working at the venue: it watches the market and can fill
(OPEN, TRIGGERED, PARTIALLY_FILLED); a HELD order waits for its release."""

UNFILLED_STATUSES: frozenset[ORDER_STATUS] = ACTIVE_STATUSES - {ORDER_STATUS.PARTIALLY_FILLED}
"""Live statuses with nothing filled: OPEN, HELD, TRIGGERED."""

ENDED_STATUSES: frozenset[ORDER_STATUS] = TERMINAL_STATUSES - {ORDER_STATUS.FILLED}
"""Terminal statuses of an order ended before it filled out: CANCELLED, REJECTED."""

FILL_STATUSES: frozenset[ORDER_STATUS] = frozenset(
    {ORDER_STATUS.PARTIALLY_FILLED, ORDER_STATUS.FILLED}
)
"""Statuses that say an order has fills: PARTIALLY_FILLED, FILLED."""

class OrderType(StrEnum):
    """A single order's kind; compares equal to its lower-case name."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"
    TRAILING_STOP_LIMIT = "trailing_stop_limit"
    MARKET_ON_CLOSE = "market_on_close"
    """Execute at the close of the next bar (backtrader's ``Close``; FIX ``OrdType`` 5)."""

    has_limit: bool
    """True for the kinds that require a limit price."""
    has_stop: bool
    """True for the kinds that wait for a stop price to be reached."""
    is_trailing: bool
    """True for the kinds whose stop follows the market."""

    def __init__(self, value: str) -> None:
        # Plain attributes set once per member: a property here would cost a
        # call on every hot-path check.
        self.has_limit = value.endswith("limit")
        self.has_stop = value.startswith(("stop", "trailing"))
        self.is_trailing = value.startswith("trailing")


class TimeInForce(StrEnum):
    """How long an order stays valid, as backtrader's ``valid`` parameter, and
    FIX's ``TimeInForce`` for IOC (3) and FOK (4).

    GTC orders never expire. GTD orders expire at their ``valid_until``. DAY
    orders expire at the end of the session; the library has no calendar, so
    the host gives the session's end as their ``valid_until``. IOC (immediate
    or cancel) and FOK (fill or kill) orders take no ``valid_until``: they end
    when the venue has given them their one chance to trade, which is the
    venue's to decide; the book only records them.
    """

    GTC = "GTC"
    GTD = "GTD"
    DAY = "DAY"
    IOC = "IOC"
    FOK = "FOK"

    takes_valid_until: bool
    """True for the validities that end at a ``valid_until`` (GTD, DAY)."""
    is_immediate: bool
    """True for the validities that end after the order's first chance to trade (IOC, FOK)."""

    def __init__(self, value: str) -> None:
        self.takes_valid_until = value in ("GTD", "DAY")
        self.is_immediate = value in ("IOC", "FOK")


class RequestRejectReason(IntEnum):
    """Why a venue refused a cancel or replace request, with FIX ``CxlRejReason`` values."""

    TOO_LATE = 0
    """The order had already ended (filled, cancelled or expired)."""
    UNKNOWN_ORDER = 1
    """The venue does not know the order."""
    BROKER_OPTION = 2
    """The venue or broker chose to refuse it."""
    ALREADY_PENDING = 3
    """Another cancel or replace request of the order was still being handled."""
    OTHER = 99
    """Any other reason; the answer's ``reason`` text says which."""
