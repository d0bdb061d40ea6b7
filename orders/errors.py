"""The errors `orders` raises.

Every error the library raises on purpose derives from :class:`OrderError`, so a
host can catch one class at its boundary. Messages name the offending value and
say what is allowed.
"""

from __future__ import annotations

__all__ = ["BadOrderParameters", "InvalidQuantityError", "OrderError"]


class OrderError(Exception):
    """Base class of every error raised by `orders`."""


class BadOrderParameters(OrderError):  # noqa: N818 - the reference's name
    """A price, a style or another order parameter is not acceptable."""


class InvalidQuantityError(OrderError):
    """An amount, a filled quantity or a fill quantity is not acceptable."""
