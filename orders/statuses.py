"""The seven order statuses, with rustybt's names and values, and every set of
them that a rule names: each set is defined here and nowhere else."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ACTIVE_STATUSES",
    "ENDED_STATUSES",
    "FILL_STATUSES",
    "ORDER_STATUS",
    "TERMINAL_STATUSES",
    "UNFILLED_STATUSES",
    "WORKING_STATUSES",
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
