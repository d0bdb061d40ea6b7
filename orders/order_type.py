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

    @property
    def has_limit(self) -> bool:
        """True for the kinds that require a limit price."""
        return self in _WITH_LIMIT

    @property
    def has_stop(self) -> bool:
        """True for the kinds that wait for a stop price to be reached."""
        return self in _WITH_STOP

    @property
    def is_trailing(self) -> bool:
        """True for the kinds whose stop follows the market."""
        return self in _TRAILING


_TRAILING = frozenset({OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT})
_WITH_LIMIT = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP_LIMIT})
_WITH_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT, *_TRAILING})


class TimeInForce(StrEnum):
    """How long an order stays valid, as backtrader's ``valid`` parameter.

    GTC orders never expire. GTD orders expire at their ``valid_until``. DAY
    orders expire at the end of the session; the library has no calendar, so
    the host gives the session's end as their ``valid_until``.
    """

    GTC = "GTC"
    GTD = "GTD"
    DAY = "DAY"
