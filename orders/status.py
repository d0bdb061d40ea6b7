"""The seven order statuses, with rustybt's names and values."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ACTIVE_STATUSES", "ORDER_STATUS", "TERMINAL_STATUSES"]


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
