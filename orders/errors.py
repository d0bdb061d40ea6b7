"""The errors `orders` raises.

Every error the library raises on purpose derives from :class:`OrderError`, so a
host can catch one class at its boundary. Messages name the offending value and
say what is allowed.
"""

from __future__ import annotations

__all__ = [
    "BadOrderParameters",
    "ExactnessError",
    "FillConflictError",
    "InvalidQuantityError",
    "InvalidTransition",
    "LinkedOrderError",
    "OrderError",
    "TimeKindError",
    "UnknownFillError",
    "UnknownOrderError",
]


class OrderError(Exception):
    """Base class of every error raised by `orders`."""


class BadOrderParameters(OrderError):  # noqa: N818 - rustybt's name
    """A price, a style or another order parameter is not acceptable."""


class InvalidQuantityError(OrderError):
    """An amount, a filled quantity or a fill quantity is not acceptable."""


class InvalidTransition(OrderError):  # noqa: N818 - names the refused move
    """An event that the transition table does not allow from the order's status."""


class FillConflictError(OrderError):
    """A fill id that was already applied arrived again with different values."""


class UnknownFillError(OrderError):
    """A correction or bust names a fill id the order does not hold."""


class ExactnessError(OrderError):
    """A running total could not be kept exact within the library's precision."""


class LinkedOrderError(OrderError):
    """An event that the book's linking rules refuse; the message names the rule."""


class UnknownOrderError(OrderError):
    """An order id the book does not hold."""


class TimeKindError(OrderError):
    """A naive datetime among aware ones, or the reverse: the two cannot be compared.

    An order's times, its events' times and every order of a book are all naive
    or all aware (aware, with a time zone, is recommended).
    """
