"""The old path of :mod:`orders.statuses` for the statuses, kept so that
``orders.status.ORDER_STATUS`` and pickles that name it keep working."""

from orders.statuses import (
    ACTIVE_STATUSES as ACTIVE_STATUSES,
    ORDER_STATUS as ORDER_STATUS,
    TERMINAL_STATUSES as TERMINAL_STATUSES,
)

__all__ = ["ACTIVE_STATUSES", "ORDER_STATUS", "TERMINAL_STATUSES"]
