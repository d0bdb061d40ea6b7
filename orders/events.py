"""Events: the facts and requests that move an order through its lifecycle.

Events are frozen ``attrs`` values with no behaviour; :func:`orders.apply`
gives them meaning through the transition table of :mod:`orders.machine`.
Each validates its own fields, so an event that exists is well formed.

A :class:`Fill` quantity is unsigned, like FIX ``LastQty``: the order's side
gives the sign of its ``filled`` total.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from orders._checks import decimal_text, enum_member, of_type, quote
from orders._fast import fields_state, restore_fields
from orders.decimals import (
    DecimalInput,
    non_negative_price,
    optional_price,
    positive_decimal,
    to_decimal,
)
from orders.errors import BadOrderParameters, InvalidQuantityError
from orders.statuses import RequestRejectReason
from orders.styles import trail_amount_input, trail_percent_input

__all__ = [
    "EVENT_TYPES",
    "REQUEST_TYPES",
    "Acknowledged",
    "Amend",
    "Bar",
    "BarUpdate",
    "Cancel",
    "CancelRejected",
    "CancelRequested",
    "Event",
    "Expire",
    "Fill",
    "FillBust",
    "FillCorrection",
    "Hold",
    "NewRequested",
    "PriceUpdate",
    "Reject",
    "Release",
    "ReplaceRejected",
    "ReplaceRequested",
    "Replaced",
    "Request",
    "Trigger",
]

_ZERO = Decimal(0)
_optional_dt = of_type(datetime, optional=True)
_reason = of_type(str)


def _fill_id(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise BadOrderParameters(
            f"{attribute.name} must be a non-empty str or None; got {quote(value)}"
        )


def _required_fill_id(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise BadOrderParameters(f"{attribute.name} must be a non-empty str; got {quote(value)}")


def _flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if value is not False and value is not True:
        raise BadOrderParameters(f"{attribute.name} must be True or False; got {quote(value)}")


def _quantity(value: DecimalInput) -> Decimal:
    return positive_decimal(value, "quantity", InvalidQuantityError)


def _optional_quantity(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else _quantity(value)


def _price(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "price")


def _optional_price(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else _price(value)


def _commission(value: DecimalInput) -> Decimal:
    return to_decimal(value, "commission", BadOrderParameters)


def _optional_commission(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else _commission(value)


def _optional_amount(value: DecimalInput | None) -> Decimal | None:
    if value is None:
        return None
    amount = to_decimal(value, "amount", InvalidQuantityError)
    if not amount:
        raise InvalidQuantityError(f"amount must not be zero; got {quote(value)}")
    return amount


def _optional_limit(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else non_negative_price(value, "limit")


def _optional_stop(value: DecimalInput | None) -> Decimal | None:
    return None if value is None else non_negative_price(value, "stop")


@attrs.frozen
class Fill:
    """The venue executed ``quantity`` (> 0, unsigned) at ``price``.

    A fill larger than what remains of the order (an overfill) is refused,
    unless ``accept_overfill`` is true: then it is recorded as the venue
    reported it, and the order is filled and ``overfilled``.
    """

    quantity: Decimal = attrs.field(converter=_quantity)
    price: Decimal = attrs.field(converter=_price)
    commission: Decimal = attrs.field(default=_ZERO, converter=_commission)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)
    fill_id: str | None = attrs.field(default=None, validator=_fill_id)
    accept_overfill: bool = attrs.field(default=False, validator=_flag)

    def __getstate__(self) -> dict[str, object]:
        return fields_state(self)

    def __setstate__(self, state: dict[str, object]) -> None:
        restore_fields(self, state, later={"accept_overfill": False})


@attrs.frozen
class Trigger:
    """The order's stop was reached (at ``price``, when known)."""

    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)
    price: Decimal | None = attrs.field(default=None, converter=_optional_price)


@attrs.frozen
class Hold:
    """The order is held back (pending approval, a risk check, a halt)."""

    reason: str = attrs.field(default="", validator=_reason)


@attrs.frozen
class Release:
    """A held order is active again."""


@attrs.frozen
class Cancel:
    """The order is cancelled: confirmed by the venue, or decided by the host."""

    reason: str = attrs.field(default="", validator=_reason)


@attrs.frozen
class Reject:
    """The venue or a risk check refused the order."""

    reason: str = attrs.field(default="", validator=_reason)


@attrs.frozen
class Expire:
    """The order's time in force ran out at ``dt``."""

    dt: datetime = attrs.field(validator=of_type(datetime))


@attrs.frozen
class Amend:
    """Change the amount, prices or trail of a live order; ``None`` keeps a field."""

    amount: Decimal | None = attrs.field(default=None, converter=_optional_amount)
    limit: Decimal | None = attrs.field(default=None, converter=_optional_limit)
    stop: Decimal | None = attrs.field(default=None, converter=_optional_stop)
    trail_amount: Decimal | None = attrs.field(default=None, converter=trail_amount_input)
    trail_percent: Decimal | None = attrs.field(default=None, converter=trail_percent_input)

    def __attrs_post_init__(self) -> None:
        if all(getattr(self, field.name) is None for field in attrs.fields(Amend)):
            raise BadOrderParameters("an Amend must change at least one field; got none")
        if self.trail_amount is not None and self.trail_percent is not None:
            raise BadOrderParameters(
                "an Amend sets one trail, trail_amount or trail_percent; got both "
                f"trail_amount={decimal_text(self.trail_amount)}, "
                f"trail_percent={decimal_text(self.trail_percent)}"
            )


@attrs.frozen
class FillCorrection:
    """The venue corrected fill ``fill_id``; ``None`` keeps a field."""

    fill_id: str = attrs.field(validator=_required_fill_id)
    quantity: Decimal | None = attrs.field(default=None, converter=_optional_quantity)
    price: Decimal | None = attrs.field(default=None, converter=_optional_price)
    commission: Decimal | None = attrs.field(default=None, converter=_optional_commission)

    def __attrs_post_init__(self) -> None:
        if self.quantity is None and self.price is None and self.commission is None:
            raise BadOrderParameters(
                f"a FillCorrection of {self.fill_id!r} must change quantity, price or "
                "commission; got none"
            )


@attrs.frozen
class FillBust:
    """The venue cancelled fill ``fill_id``: it never happened."""

    fill_id: str = attrs.field(validator=_required_fill_id)


def _open(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "open")


def _high(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "high")


def _low(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "low")


def _close(value: DecimalInput) -> Decimal:
    return non_negative_price(value, "close")


def _volume(value: DecimalInput | None) -> Decimal | None:
    return optional_price(value, "volume")


@attrs.frozen
class Bar:
    """One period of trading: its open, high, low and close prices, and the
    quantity traded when it is known."""

    open: Decimal = attrs.field(converter=_open)
    high: Decimal = attrs.field(converter=_high)
    low: Decimal = attrs.field(converter=_low)
    close: Decimal = attrs.field(converter=_close)
    volume: Decimal | None = attrs.field(default=None, converter=_volume)

    def __attrs_post_init__(self) -> None:
        if not self.low <= min(self.open, self.close) <= max(self.open, self.close) <= self.high:
            raise BadOrderParameters(
                "a bar needs low <= open, close <= high; got open "
                f"{decimal_text(self.open)}, high {decimal_text(self.high)}, "
                f"low {decimal_text(self.low)}, close {decimal_text(self.close)}"
            )


@attrs.frozen
class PriceUpdate:
    """The market traded at ``price``: trailing marks and limit flags follow it."""

    price: Decimal = attrs.field(converter=_price)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class BarUpdate:
    """A bar closed: trailing marks follow its close, limit flags its range."""

    bar: Bar = attrs.field(validator=of_type(Bar))
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


# Requests in flight: what the host asked a venue, and the venue's answers. A
# request leaves the order's status alone and waits in ``order.pending`` until
# its answer arrives; the confirmed outcomes are the events above (a new order
# refused is a Reject, a cancel confirmed is a Cancel).


def _reject_reason(value: object) -> RequestRejectReason:
    """A reason given as a member, its value or its name."""
    if isinstance(value, str) and value in RequestRejectReason.__members__:
        return RequestRejectReason[value]
    code = enum_member(RequestRejectReason, value)
    if code is None:
        allowed = ", ".join(f"{member.name} ({member.value})" for member in RequestRejectReason)
        raise BadOrderParameters(
            f"code must be a RequestRejectReason, one of {allowed}; got {quote(value)}"
        )
    return code


_request_id = _fill_id


@attrs.frozen
class NewRequested:
    """The host sent the order to the venue, which has not acknowledged it yet."""

    request_id: str | None = attrs.field(default=None, validator=_request_id)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class Acknowledged:
    """The venue accepted the new order (FIX ``ExecType`` New)."""

    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class CancelRequested:
    """The host asked the venue to cancel the order."""

    request_id: str | None = attrs.field(default=None, validator=_request_id)
    reason: str = attrs.field(default="", validator=_reason)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class ReplaceRequested:
    """The host asked the venue to replace the order's terms with ``change``
    (FIX cancel/replace); the terms in force stay until it is :class:`Replaced`."""

    change: Amend = attrs.field(validator=of_type(Amend))
    request_id: str | None = attrs.field(default=None, validator=_request_id)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class _RequestRefused:
    """The fields of a venue's refusal of a request: why, as text and as a FIX
    code, which request (the oldest of its kind in flight when None), and when."""

    reason: str = attrs.field(default="", validator=_reason)
    code: RequestRejectReason = attrs.field(
        default=RequestRejectReason.OTHER, converter=_reject_reason
    )
    request_id: str | None = attrs.field(default=None, validator=_request_id)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class CancelRejected(_RequestRefused):
    """The venue refused a cancel request: the one named by ``request_id``, or the
    oldest in flight."""


@attrs.frozen
class Replaced:
    """The venue replaced the order's terms as a replace request asked: the one
    named by ``request_id``, or the oldest in flight."""

    request_id: str | None = attrs.field(default=None, validator=_request_id)
    dt: datetime | None = attrs.field(default=None, validator=_optional_dt)


@attrs.frozen
class ReplaceRejected(_RequestRefused):
    """The venue refused a replace request: the one named by ``request_id``, or
    the oldest in flight."""


Request = NewRequested | CancelRequested | ReplaceRequested
"""A request in flight, as an order's ``pending`` holds it."""

REQUEST_TYPES: tuple[type[Request], ...] = (NewRequested, CancelRequested, ReplaceRequested)
"""Every kind of request: the events :data:`Request` joins."""

Event = (
    Fill
    | Trigger
    | Hold
    | Release
    | Cancel
    | Reject
    | Expire
    | Amend
    | FillCorrection
    | FillBust
    | PriceUpdate
    | BarUpdate
    | NewRequested
    | Acknowledged
    | CancelRequested
    | CancelRejected
    | ReplaceRequested
    | Replaced
    | ReplaceRejected
)
"""Any event :func:`orders.apply` accepts."""

EVENT_TYPES: tuple[type[Event], ...] = (
    Fill,
    Trigger,
    Hold,
    Release,
    Cancel,
    Reject,
    Expire,
    Amend,
    FillCorrection,
    FillBust,
    PriceUpdate,
    BarUpdate,
    NewRequested,
    Acknowledged,
    CancelRequested,
    CancelRejected,
    ReplaceRequested,
    Replaced,
    ReplaceRejected,
)
"""Every kind of event, in the order the documentation lists them."""
