"""The kinds of single order, as the ``order_type`` of a :class:`DecimalOrder`."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OrderType", "TimeInForce"]


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
    """How long an order stays valid, as backtrader's ``valid`` parameter.

    GTC orders never expire. GTD orders expire at their ``valid_until``. DAY
    orders expire at the end of the session; the library has no calendar, so
    the host gives the session's end as their ``valid_until``.
    """

    GTC = "GTC"
    GTD = "GTD"
    DAY = "DAY"
