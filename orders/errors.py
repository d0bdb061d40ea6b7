"""The errors `orders` raises.

Every error the library raises on purpose derives from :class:`OrderError`, so a
host can catch one class at its boundary. Messages name the offending value and
say what is allowed; beside the message, an error carries what a host may want
to act on without parsing it: the order, its status and the event
(:attr:`OrderError.order_id`, :attr:`~OrderError.status`,
:attr:`~OrderError.event`), the linking rule that refused
(:attr:`~OrderError.rule`) and where in a document
(:attr:`SerializationError.path`). A field that does not
apply is None.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from orders.statuses import ORDER_STATUS

__all__ = [
    "BadOrderParameters",
    "ExactnessError",
    "FillConflictError",
    "InvalidQuantityError",
    "InvalidTransition",
    "LinkedOrderError",
    "OrderError",
    "OutputNotShared",
    "SchedulerError",
    "SerializationError",
    "TimeKindError",
    "UnknownFillError",
    "UnknownOrderError",
    "UnknownRequestError",
]


class ErrorFields(TypedDict, total=False):
    """The fields every error may carry beside its message."""

    order_id: str | None
    status: ORDER_STATUS | None
    event: object
    rule: str | None


class OrderError(Exception):
    """Base class of every error raised by `orders`."""

    order_id: str | None
    """The id of the order the error is about."""
    status: ORDER_STATUS | None
    """That order's status when the error was raised."""
    event: object
    """The event that was refused, or None."""
    rule: str | None
    """The name of the linking rule that refused, a function of
    :mod:`orders.links` (:class:`LinkedOrderError`, and the
    :class:`BadOrderParameters` or :class:`UnknownOrderError` of a check at
    submit or on load), or None."""

    def __init__(self, *args: object, **fields: Unpack[ErrorFields]) -> None:
        super().__init__(*args)
        self.order_id = fields.get("order_id")
        self.status = fields.get("status")
        self.event = fields.get("event")
        self.rule = fields.get("rule")

    def about(self, order_id: str, status: ORDER_STATUS, event: object) -> None:
        """Name the order, its status and the event, unless already named."""
        if self.order_id is None:
            self.order_id, self.status, self.event = order_id, status, event


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


class UnknownRequestError(OrderError):
    """An answer names a request that is not in flight, or a request reuses the id
    of one that is."""


class ExactnessError(OrderError):
    """A running total could not be kept exact within the library's precision."""


class LinkedOrderError(OrderError):
    """An event or a state of a group or bracket that the book's linking rules
    refuse; :attr:`~OrderError.rule` names the rule, as the message does."""


class UnknownOrderError(OrderError):
    """An order id the book does not hold."""


class SchedulerError(OrderError):
    """The Dask scheduler could not be reached, or has no workers to run the replay
    (:func:`orders.io.distributed.replay_files_on_dask`)."""


class OutputNotShared(OrderError):  # noqa: N818  (it names the situation, as SchedulerError does)
    """A process of a distributed replay does not see the directory the run
    prepared: on a cluster, that directory must be on a file system every worker
    shares, at the same path (:func:`orders.io.output.prepare_output`)."""


class SerializationError(OrderError):
    """Data that does not describe a valid value; :attr:`path` says where."""

    path: str | None
    """Where in the document, as ``$.orders["a"].history[2]``; None for a value
    refused as a whole."""

    def __init__(
        self, *args: object, path: str | None = None, **fields: Unpack[ErrorFields]
    ) -> None:
        super().__init__(*args, **fields)
        self.path = path


class TimeKindError(OrderError):
    """A naive datetime among aware ones, or the reverse: the two cannot be compared.

    An order's times, its events' times and every order of a book are all naive
    or all aware (aware, with a time zone, is recommended).
    """
