"""The order state machine: one transition table, and :func:`apply`.

:data:`TRANSITIONS` holds every rule of one order's lifecycle; the rules that
link orders are the book's (:mod:`orders.book.rules`). Each row names an event kind, the
statuses it is allowed from, the guards that must pass (each a named function
that raises a typed error or recognises a repeat), the effect that computes
the new order, and the status rule that decides where the order lands. A move
that no row allows raises :class:`~orders.errors.InvalidTransition` naming the
order, its status and the event. The documentation's table and state diagram
are generated from these rows (:func:`rules_markdown`, :func:`mermaid_diagram`).

Everything here is pure: no clock, no I/O, no globals. A refused event raises
before anything is built, so the order it was applied to is untouched.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from orders._checks import check_time_kind, decimal_text, quote
from orders.assets import check_quantity_increment
from orders.decimals import (
    EXACT,
    EXACT_DIGITS,
    exact_add,
    exact_multiply,
    exact_subtract,
)
from orders.errors import (
    BadOrderParameters,
    ExactnessError,
    FillConflictError,
    InvalidQuantityError,
    InvalidTransition,
    OrderError,
    UnknownFillError,
    UnknownRequestError,
)
from orders.events import (
    EVENT_TYPES,
    REQUEST_TYPES,
    Acknowledged,
    Amend,
    BarUpdate,
    Cancel,
    CancelRejected,
    CancelRequested,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    NewRequested,
    PriceUpdate,
    Reject,
    Release,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    Request,
    Trigger,
)
from orders.order import pricing
from orders.order.steps import compile_row, interpret_row
from orders.order.terms import OrderTerms, make_terms
from orders.order.value import (
    A,
    DecimalOrder,
    applied_kinds,
    fill_record,
    next_version,
    status_by_fill,
    waiting_for_stop,
)
from orders.statuses import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    FILL_STATUSES,
    ORDER_STATUS,
    TERMINAL_STATUSES,
    UNFILLED_STATUSES,
    WORKING_STATUSES,
)

__all__ = [
    "TRANSITIONS",
    "Becomes",
    "FromFills",
    "Refused",
    "Rule",
    "Stays",
    "allowed_from",
    "apply",
    "compiled_rows",
    "interpreted_rows",
    "mermaid_diagram",
    "requests_diagram",
    "rules_markdown",
]

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS


class _Repeat(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a guard that recognises an event already applied."""


# Status rules: where a rule's effect lands the order.


def in_order(statuses: Iterable[ORDER_STATUS]) -> tuple[ORDER_STATUS, ...]:
    """A row's statuses: a tuple as written; a set in the order of a lifecycle,
    the live statuses before the terminal ones, each in the statuses' own order."""
    if isinstance(statuses, tuple):
        return statuses
    return tuple(sorted(statuses, key=lambda status: (status in TERMINAL_STATUSES, status)))


@attrs.frozen
class Becomes:
    """The order lands in ``status``."""

    status: ORDER_STATUS

    def land(self, current: ORDER_STATUS, filled: Decimal, amount: Decimal) -> ORDER_STATUS:
        return self.status

    def targets(self, current: ORDER_STATUS) -> tuple[ORDER_STATUS, ...]:
        return (self.status,)


@attrs.frozen
class Stays:
    """The order keeps its status."""

    def land(self, current: ORDER_STATUS, filled: Decimal, amount: Decimal) -> ORDER_STATUS:
        return current

    def targets(self, current: ORDER_STATUS) -> tuple[ORDER_STATUS, ...]:
        return (current,)


@attrs.frozen
class FromFills:
    """The quantities decide: OPEN, PARTIALLY_FILLED or FILLED; ``possible`` lists
    the ones this row can reach."""

    possible: tuple[ORDER_STATUS, ...] = attrs.field(converter=in_order)

    def land(self, current: ORDER_STATUS, filled: Decimal, amount: Decimal) -> ORDER_STATUS:
        return status_by_fill(filled, amount)

    def targets(self, current: ORDER_STATUS) -> tuple[ORDER_STATUS, ...]:
        return self.possible


@attrs.frozen
class Refused:
    """The event is refused once its guards have had their say."""

    def land(self, current: ORDER_STATUS, filled: Decimal, amount: Decimal) -> ORDER_STATUS:
        raise AssertionError("a refused rule never reaches its status")

    def targets(self, current: ORDER_STATUS) -> tuple[ORDER_STATUS, ...]:
        return ()


StatusRule = Becomes | Stays | FromFills | Refused
Guard = Callable[[DecimalOrder, Any], None]
Effect = Callable[[DecimalOrder, Any, StatusRule], DecimalOrder]


@attrs.frozen
class Rule:
    """One row of the table: for ``event`` from any of ``sources``, run the
    ``guards`` in order, then ``effect``, landing where ``status`` says."""

    event: type[Event]
    sources: tuple[ORDER_STATUS, ...] = attrs.field(converter=in_order)
    guards: tuple[Guard, ...]
    effect: Effect
    status: StatusRule


# Guards. Each raises a typed error, or _Repeat for an event already applied.


def has_stop(order: DecimalOrder, event: Trigger) -> None:
    """Only orders that wait for a stop (stop, stop-limit, trailing) trigger."""
    if not order.terms.order_type.has_stop:
        raise InvalidTransition(
            f"order {order.id} is a {order.terms.order_type} order with no stop to trigger; "
            "only stop, stop_limit and trailing_stop orders trigger"
        )


def repeated_fill(order: DecimalOrder, fill: Fill) -> None:
    """A fill id seen before is a repeat if its values agree, a conflict if not."""
    if fill.fill_id is None or order._fill_ids is None:
        return
    record = fill_record(order, fill.fill_id)
    if record is None:
        return
    first = record[0]
    if (first.quantity, first.price, first.commission) == (
        fill.quantity,
        fill.price,
        fill.commission,
    ):
        raise _Repeat
    raise FillConflictError(
        f"fill {fill.fill_id!r} on order {order.id} was applied as "
        f"{_fill_text(first)}; it arrived again as {_fill_text(fill)}"
    )


def _fill_text(fill: Fill) -> str:
    return (f"{decimal_text(fill.quantity)} @ {decimal_text(fill.price)} "
            f"(commission {decimal_text(fill.commission)})")


def same_kind_of_time(
    order: DecimalOrder, event: Fill | Trigger | Expire | PriceUpdate | BarUpdate
) -> None:
    """An event's time is naive if the order's is and aware if it is: the two
    kinds cannot be compared."""
    dt = event.dt
    if dt is not None and dt.tzinfo is not order.dt.tzinfo:  # the same zone: the same kind
        check_time_kind("the event's dt", dt, order.dt, f"order {order.id}'s dt is")


def fits_remaining(order: DecimalOrder, fill: Fill) -> None:
    """A fill may not take more than what remains (an overfill), unless it
    accepts being recorded as one."""
    if fill.accept_overfill:
        return
    # filled has the sign of amount and is no larger, so this is |amount| - |filled|.
    remaining = exact_subtract(order.terms.amount, order.filled).copy_abs()
    if fill.quantity > remaining:
        raise InvalidQuantityError(
            f"fill of {decimal_text(fill.quantity)} exceeds the {decimal_text(remaining)} "
            f"remaining on order {order.id} (filled {decimal_text(order.filled.copy_abs())} "
            f"of {decimal_text(order.terms.amount.copy_abs())}); "
            "an overfill is refused unless the fill has accept_overfill=True"
        )


def on_quantity_grid(order: DecimalOrder, fill: Fill) -> None:
    """A fill quantity must be a multiple of the asset's quantity increment."""
    check_quantity_increment(fill.quantity, order.terms.asset, "fill quantity")


def accepted_overfill(order: DecimalOrder, fill: Fill) -> None:
    """A filled order takes a new fill only as an overfill the fill accepts (a
    repeat was recognised before)."""
    if not fill.accept_overfill:
        raise InvalidTransition(
            f"order {order.id} is FILLED; it takes a new Fill only with accept_overfill=True, "
            "recorded as a venue overfill (a repeat of a known fill id is a no-op)"
        )


def refuse_new_fill(order: DecimalOrder, fill: Fill) -> None:
    """A rejected order takes no new fill (a repeat was recognised before)."""
    raise InvalidTransition(
        f"order {order.id} is {order.status.name}; a new Fill is allowed only from "
        f"{_names(allowed_from(Fill))} (a repeat of a known fill id is a no-op)"
    )


def amend_keeps_side(order: DecimalOrder, amend: Amend) -> None:
    """An amended amount keeps the order's side."""
    if amend.amount is not None and (amend.amount > 0) != (order.terms.amount > 0):
        raise InvalidQuantityError(
            f"amend of order {order.id} to amount {decimal_text(amend.amount)} would change "
            f"its side; the amount must keep the sign of {decimal_text(order.terms.amount)}"
        )


def amend_covers_filled(order: DecimalOrder, amend: Amend) -> None:
    """An amended amount may not go below what is already filled."""
    if amend.amount is not None and amend.amount.copy_abs() < order.filled.copy_abs():
        raise InvalidQuantityError(
            f"amend of order {order.id} to amount {decimal_text(amend.amount)} is below the "
            f"{decimal_text(order.filled)} already filled; the amount may go down to the "
            "filled quantity"
        )


def live_fill(order: DecimalOrder, event: FillCorrection | FillBust) -> None:
    """A correction or bust names a fill the order holds; a repeated bust is a no-op."""
    record = fill_record(order, event.fill_id)
    if record is None:
        raise UnknownFillError(
            f"order {order.id} holds no fill {event.fill_id!r}; known fill ids: "
            f"{sorted(order.fills.keys())}"
        )
    if record[1] is None:
        if type(event) is FillBust:
            raise _Repeat
        raise UnknownFillError(
            f"fill {event.fill_id!r} of order {order.id} was busted; it cannot be corrected"
        )


def correction_changes_fill(order: DecimalOrder, correction: FillCorrection) -> None:
    """A correction that leaves the fill as it is is a repeat."""
    if _corrected(order, correction) == _live(order, correction.fill_id):
        raise _Repeat


def correction_fits(order: DecimalOrder, correction: FillCorrection) -> None:
    """A corrected quantity must lie on the quantity grid, and may not overfill
    unless it shrinks the fill (a venue taking back part of an overfill)."""
    if correction.quantity is None:
        return
    check_quantity_increment(correction.quantity, order.terms.asset, "corrected quantity")
    live = _live(order, correction.fill_id).quantity
    if correction.quantity <= live:
        return
    others = exact_subtract(order.filled.copy_abs(), live)
    available = exact_subtract(order.terms.amount.copy_abs(), others)
    if correction.quantity > available:
        raise InvalidQuantityError(
            f"correction of fill {correction.fill_id!r} to {decimal_text(correction.quantity)} "
            f"would overfill order {order.id}; at most {decimal_text(available)} fits"
        )


def sent_once(order: DecimalOrder, request: NewRequested) -> None:
    """An order is sent once, before the venue has had a say in it: before it, the
    order has seen only market data and the host's own decisions (a stop
    triggered here, a hold and its release, an amendment), and was not built
    with a request in flight."""
    for kind in _kinds_seen(order):
        if kind not in _BEFORE_SENDING:
            raise InvalidTransition(
                f"order {order.id} already has {kind.__name__} in its history or was built "
                "with it in flight; a NewRequested comes before any request, answer or fill"
            )


def _kinds_seen(order: DecimalOrder) -> Iterator[type[Event]]:
    """The kinds of the events ``order`` has applied, newest first, then those of
    the requests it was built with in flight."""
    yield from applied_kinds(order)
    yield from map(type, order.initial.pending)


def request_id_is_new(
    order: DecimalOrder, request: NewRequested | CancelRequested | ReplaceRequested
) -> None:
    """No two requests in flight share a request id."""
    request_id = request.request_id
    if request_id is not None and any(
        pending.request_id == request_id for pending in order.pending
    ):
        raise UnknownRequestError(
            f"request id {request_id!r} is already in flight on order {order.id}; "
            "each request in flight needs its own id"
        )


def replace_keeps_side(order: DecimalOrder, request: ReplaceRequested) -> None:
    """A replace request keeps the order's side, as an amend does."""
    amend_keeps_side(order, request.change)


def replace_makes_valid_terms(order: DecimalOrder, request: ReplaceRequested) -> None:
    """The requested terms are valid for the order's type and asset (checked when
    sent, so a request the venue could only reject is never sent)."""
    _amended_terms(order.terms, request.change)


def acknowledges_new(order: DecimalOrder, answer: Acknowledged) -> None:
    """An acknowledgement answers the new-order request; once that is answered
    (by an earlier acknowledgement or a fill), another one says nothing new."""
    if not order.pending_new:
        raise _Repeat


def answers_a_request(
    order: DecimalOrder, answer: CancelRejected | Replaced | ReplaceRejected
) -> None:
    """An answer names a request in flight of its kind (the oldest, when it names
    none). An ended order has nothing left to ask about: a late answer to a
    request its end has settled is a no-op."""
    if _answered(order, answer) is None:
        if order.status in TERMINAL_STATUSES:
            raise _Repeat
        kind = _ANSWERS[type(answer)].__name__
        named = "" if answer.request_id is None else f" with request id {answer.request_id!r}"
        raise UnknownRequestError(
            f"{type(answer).__name__} answers a {kind}{named}, and order {order.id} has none "
            f"in flight; in flight: {_pending_text(order)}"
        )


def rejects_new_in_flight(order: DecimalOrder, reject: Reject) -> None:
    """An ended order takes a Reject only as the answer to its new-order request:
    still in flight (the host or the book ended it first), or settled already
    (a late answer, a no-op; the request applied, or in flight when the order
    was built). An order never sent takes none."""
    if order.pending_new:
        return
    if NewRequested in _kinds_seen(order):
        raise _Repeat
    raise InvalidTransition(
        f"order {order.id} is {order.status.name} and was never sent; on an ended order a "
        "Reject only answers the order's NewRequested",
        order_id=order.id,
        status=order.status,
        event=reject,
    )


def cancel_in_flight(order: DecimalOrder, cancel: Cancel) -> None:
    """A Cancel of a cancelled order confirms a cancel request still in flight (the
    host cancelled first, then heard from the venue); with none, it is a repeat."""
    if _answered(order, cancel) is None:
        raise _Repeat


def refuse_reopening(order: DecimalOrder, answer: Replaced) -> None:
    """An ended order stays ended: a replace the venue confirms after it ended is refused."""
    raise InvalidTransition(
        f"order {order.id} is {order.status.name}; a Replaced cannot reopen an ended order "
        f"(allowed only from {_names(allowed_from(Replaced))}); answer the request with "
        "ReplaceRejected, and place a new order for more"
    )


# Effects. Each builds a new order; the status rule decides its status.


def trigger(order: DecimalOrder, event: Trigger, status: StatusRule) -> DecimalOrder:
    """The stop was reached."""
    return _evolve(order, status, dt=_later(order, event.dt), event=event, stop_reached=True)


def set_reason(order: DecimalOrder, event: Cancel | Reject, status: StatusRule) -> DecimalOrder:
    """Cancel or reject, keeping the event's reason; a reject answers the new-order
    request in flight, a cancel the oldest cancel request, if there is one. A
    cancel that answers a cancel request answers the new-order request too: the
    venue cancels only what it has accepted."""
    pending = order.pending
    if pending:
        answered = _answered(order, event)
        pending = _without(pending, answered)
        if type(event) is Cancel and answered is not None and pending and (
            type(pending[0]) is NewRequested
        ):
            pending = pending[1:]
    return _evolve(order, status, event=event, reason=event.reason, pending=pending)


def send(order: DecimalOrder, request: Request, status: StatusRule) -> DecimalOrder:
    """The request is in flight: the order keeps its terms until the answer."""
    return _evolve(order, status, event=request, dt=_later(order, request.dt),
                   pending=(*order.pending, request))


def answer(
    order: DecimalOrder, event: Acknowledged | CancelRejected | ReplaceRejected, status: StatusRule
) -> DecimalOrder:
    """The answered request is no longer in flight; nothing else changes."""
    return _evolve(order, status, event=event, dt=_later(order, event.dt),
                   pending=_resolved(order, event))


def resolve(order: DecimalOrder, event: Cancel | Reject, status: StatusRule) -> DecimalOrder:
    """The request the answer is for is no longer in flight; the ended order keeps
    its status and the reason it ended with."""
    return _evolve(order, status, event=event, pending=_resolved(order, event))


def replace(order: DecimalOrder, event: Replaced, status: StatusRule) -> DecimalOrder:
    """The requested terms are in force. An amount below what has filled meanwhile
    becomes the filled quantity (the order is then filled), so the fills are kept."""
    request = _answered(order, event)
    assert type(request) is ReplaceRequested
    change = request.change
    if change.amount is not None and change.amount.copy_abs() < order.filled.copy_abs():
        change = attrs.evolve(change, amount=order.filled)
    return _evolve(order, status, event=event, dt=_later(order, event.dt),
                   terms=_amended_terms(order.terms, change),
                   pending=_without(order.pending, request))


def hold(order: DecimalOrder, event: Hold, status: StatusRule) -> DecimalOrder:
    """Off the market, keeping the hold's reason: a triggered stop forgets its
    trigger and, once released, waits for its stop again."""
    return _evolve(
        order, status, event=event, reason=event.reason, stop_reached=False, limit_reached=False
    )


def release(order: DecimalOrder, event: Release, status: StatusRule) -> DecimalOrder:
    """Active again; the hold's reason no longer applies."""
    return _evolve(order, status, event=event, reason="")


def expire(order: DecimalOrder, event: Expire, status: StatusRule) -> DecimalOrder:
    """Cancelled by time in force, with reason ``"expired"``."""
    return _evolve(order, status, dt=_later(order, event.dt), event=event, reason="expired")


def record_fill(order: DecimalOrder, fill: Fill, status: StatusRule) -> DecimalOrder:
    """Add the fill to the exact running totals; its id is remembered with it."""
    quantity, dt = fill.quantity, fill.dt
    terms = order.terms
    pending = order.pending  # a fill answers a new-order request in flight (always the first)
    amount = terms.amount
    filled = exact_add(order.filled, quantity.copy_negate() if amount.is_signed() else quantity)
    return next_version(
        order,
        fill,
        terms,
        status.land(order.status, filled, amount),
        _later(order, dt),
        filled,
        quantity.fma(fill.price, order.notional, EXACT),
        exact_add(order.commission, fill.commission),
        order.reason,
        order.stop_reached,
        order.limit_reached,
        pending[1:] if pending and type(pending[0]) is NewRequested else pending,
        fill.fill_id,
    )


def amend(order: DecimalOrder, event: Amend, status: StatusRule) -> DecimalOrder:
    """New terms: amount, prices or trail replaced, re-validated and re-rounded.

    A new trail recomputes a trailing order's stop from its current mark.
    """
    return _evolve(order, status, event=event, terms=_amended_terms(order.terms, event))


def _amended_terms(terms: OrderTerms, event: Amend) -> OrderTerms:
    trail_amount, trail_percent = terms.trail_amount, terms.trail_percent
    if event.trail_amount is not None:
        trail_amount, trail_percent = event.trail_amount, None
    elif event.trail_percent is not None:
        trail_amount, trail_percent = None, event.trail_percent
    amended = make_terms(
        terms.id,
        terms.asset,
        terms.amount if event.amount is None else event.amount,
        terms.order_type,
        terms.stop if event.stop is None else event.stop,
        terms.limit if event.limit is None else event.limit,
        trail_amount,
        trail_percent,
        terms.limit_offset,
        terms.trailing_highest_price,
        terms.trailing_lowest_price,
        terms.linked_order_ids,
        terms.parent_order_id,
        terms.created,
        terms.broker_order_id,
        terms.exchange,
        terms.time_in_force,
        terms.valid_until,
        terms.post_only,
    )
    if event.trail_amount is not None or event.trail_percent is not None:
        amended = pricing.retrail(amended)
    return amended


def watch_market(
    order: DecimalOrder, event: PriceUpdate | BarUpdate, status: StatusRule
) -> DecimalOrder:
    """Ratchet a trailing order and set ``limit_reached`` as the market says.

    A price that moves no mark, stop, limit or flag leaves the order as it was,
    unrecorded, so a resting order's history does not grow with every tick.
    (This is not a guard: working out whether the price moves the order is the
    whole of the effect, and doing it twice would double the cost of a tick.)
    A market update that follows another replaces it when, applied alone to the
    version before, it gives the same order; when applied there it moves
    nothing, that earlier version is the result. So what a resting order
    remembers of the market is bounded by the events that are not market
    updates, and the fold of its history is still the order.
    """
    terms, limit_reached = pricing.observe(
        order.terms, waiting_for_stop(order), order.limit_reached, event
    )
    if terms is order.terms and limit_reached is order.limit_reached:
        return order
    dt = _later(order, event.dt)
    base = order._previous
    if base is not None and order._event_kind in _MARKET_EVENTS and (
        event.dt is not None or base.dt == dt
    ):
        base_terms, base_reached = pricing.observe(
            base.terms, waiting_for_stop(base), base.limit_reached, event
        )
        if base_reached is limit_reached and base_terms == terms:
            if base_terms is base.terms and base_reached is base.limit_reached:
                return base
            return _evolve(base, status, event=event, dt=dt, terms=base_terms,
                           limit_reached=limit_reached)
    return _evolve(order, status, event=event, dt=dt, terms=terms, limit_reached=limit_reached)


_MARKET_EVENTS = (PriceUpdate, BarUpdate)
_BEFORE_SENDING = (*_MARKET_EVENTS, Trigger, Hold, Release, Amend)


def correct_fill(order: DecimalOrder, event: FillCorrection, status: StatusRule) -> DecimalOrder:
    """Replace a live fill by its corrected version and recompute the totals."""
    return _replace_fill(order, event, _corrected(order, event), status)


def bust_fill(order: DecimalOrder, event: FillBust, status: StatusRule) -> DecimalOrder:
    """Take a live fill out of the totals; its id stays known as busted."""
    return _replace_fill(order, event, None, status)


def no_effect(order: DecimalOrder, event: Event, status: StatusRule) -> DecimalOrder:
    """For refused rows: the guards decide, and the last of them always raises.

    An order with nothing filled holds no live fill, so ``live_fill`` can only
    recognise a repeated bust or raise :class:`~orders.errors.UnknownFillError`.
    """
    raise AssertionError("a refused rule's guards raise before its effect")


# The transition table: every rule of one order's lifecycle. Rows are tried by
# (event, status).

_FILL_GUARDS: tuple[Guard, ...] = (
    repeated_fill,
    same_kind_of_time,
    fits_remaining,
    on_quantity_grid,
)
_CORRECTION_GUARDS: tuple[Guard, ...] = (live_fill, correction_changes_fill, correction_fits)
_CORRECTED = FromFills(FILL_STATUSES | {OPEN})
_BUSTED = FromFills(FILL_STATUSES - {FILLED} | {OPEN})  # a bust only takes quantity away
_ANY = tuple(ORDER_STATUS)
_SENDABLE = UNFILLED_STATUSES - {HELD}  # a synthetic stop triggered here may be sent as it is
_REQUEST_GUARDS: tuple[Guard, ...] = (request_id_is_new, same_kind_of_time)
_ANSWER_GUARDS: tuple[Guard, ...] = (answers_a_request, same_kind_of_time)

TRANSITIONS: tuple[Rule, ...] = (
    Rule(Trigger, (OPEN,), (has_stop, same_kind_of_time), trigger, Becomes(TRIGGERED)),
    Rule(Hold, UNFILLED_STATUSES - {HELD}, (), hold, Becomes(HELD)),
    Rule(Release, (HELD,), (), release, Becomes(OPEN)),
    Rule(Fill, ACTIVE_STATUSES, _FILL_GUARDS, record_fill, FromFills(FILL_STATUSES)),
    Rule(Fill, (CANCELLED,), _FILL_GUARDS, record_fill, Stays()),
    Rule(Fill, (FILLED,), (repeated_fill, accepted_overfill, *_FILL_GUARDS[1:]), record_fill,
         Stays()),
    Rule(Fill, (REJECTED,), (repeated_fill, refuse_new_fill), no_effect, Refused()),
    Rule(Cancel, ACTIVE_STATUSES, (), set_reason, Becomes(CANCELLED)),
    Rule(Cancel, (CANCELLED,), (cancel_in_flight,), resolve, Stays()),
    Rule(Reject, ACTIVE_STATUSES, (), set_reason, Becomes(REJECTED)),
    Rule(Reject, TERMINAL_STATUSES, (rejects_new_in_flight,), resolve, Stays()),
    Rule(Expire, ACTIVE_STATUSES, (same_kind_of_time,), expire, Becomes(CANCELLED)),
    Rule(Amend, UNFILLED_STATUSES, (amend_keeps_side,), amend, Stays()),
    Rule(
        Amend,
        (PARTIALLY_FILLED,),
        (amend_keeps_side, amend_covers_filled),
        amend,
        FromFills(FILL_STATUSES),
    ),
    Rule(FillCorrection, FILL_STATUSES, _CORRECTION_GUARDS, correct_fill, _CORRECTED),
    Rule(FillCorrection, ENDED_STATUSES, _CORRECTION_GUARDS, correct_fill, Stays()),
    Rule(FillCorrection, UNFILLED_STATUSES, (live_fill,), no_effect, Refused()),
    Rule(FillBust, FILL_STATUSES, (live_fill,), bust_fill, _BUSTED),
    Rule(FillBust, ENDED_STATUSES, (live_fill,), bust_fill, Stays()),
    Rule(FillBust, UNFILLED_STATUSES, (live_fill,), no_effect, Refused()),
    Rule(PriceUpdate, WORKING_STATUSES, (same_kind_of_time,), watch_market, Stays()),
    Rule(BarUpdate, WORKING_STATUSES, (same_kind_of_time,), watch_market, Stays()),
    Rule(NewRequested, _SENDABLE, (sent_once, *_REQUEST_GUARDS), send, Stays()),
    Rule(Acknowledged, _ANY, (acknowledges_new, same_kind_of_time), answer, Stays()),
    Rule(CancelRequested, ACTIVE_STATUSES, _REQUEST_GUARDS, send, Stays()),
    Rule(CancelRejected, _ANY, _ANSWER_GUARDS, answer, Stays()),
    Rule(
        ReplaceRequested,
        ACTIVE_STATUSES,
        (*_REQUEST_GUARDS, replace_keeps_side, replace_makes_valid_terms),
        send,
        Stays(),
    ),
    Rule(Replaced, UNFILLED_STATUSES, _ANSWER_GUARDS, replace, Stays()),
    Rule(Replaced, (PARTIALLY_FILLED,), _ANSWER_GUARDS, replace, FromFills(FILL_STATUSES)),
    Rule(Replaced, TERMINAL_STATUSES, (answers_a_request, refuse_reopening), no_effect, Refused()),
    Rule(ReplaceRejected, _ANY, _ANSWER_GUARDS, answer, Stays()),
)
"""Every allowed (event, status) pair, with its guards, effect and status rule."""


def _dispatch() -> dict[type[Event], tuple[Rule | None, ...]]:
    table: dict[type[Event], list[Rule | None]] = {
        kind: [None] * len(ORDER_STATUS) for kind in EVENT_TYPES
    }
    for rule in TRANSITIONS:
        for source in rule.sources:
            if table[rule.event][source] is not None:
                raise AssertionError(f"two rules for {rule.event.__name__} from {source.name}")
            table[rule.event][source] = rule
    return {kind: tuple(rules) for kind, rules in table.items()}


_RULES = _dispatch()


def _landing(status: StatusRule) -> tuple[str, dict[str, Any]] | None:
    """What a row's ``status.land(current, filled, amount)`` is, as the compiled
    row computes it (see :func:`orders.order.steps.compile_row`)."""
    if isinstance(status, Becomes):
        return "_lands_in", {"_lands_in": status.status}
    if isinstance(status, Stays):
        return "current", {}
    if isinstance(status, FromFills):
        return "status_by_fill(filled, amount)", {"status_by_fill": status_by_fill}
    return None


def _row_name(rule: Rule) -> str:
    return f"{rule.event.__name__} from {'/'.join(source.name for source in rule.sources)}"


Step = Callable[[DecimalOrder, Any], DecimalOrder]
"""One row of the table as a function: ``step(order, event)`` returns the new order."""

Rows = dict[type[Event], list[Step | None]]
"""For each event kind, a function per status (by its value) that runs the row, or None."""


def _rows(step_of: Callable[[Rule], Step]) -> dict[type[Event], list[Step | None]]:
    """For each event kind, ``step_of(rule)`` for the row of each status (by its value)."""
    steps = {rule: step_of(rule) for rule in TRANSITIONS}
    return {
        kind: [None if rule is None else steps[rule] for rule in rules]
        for kind, rules in _RULES.items()
    }


def _compiled(rule: Rule) -> Step:
    step: Step = compile_row(rule, _row_name(rule), _landing)
    return step


def compiled_rows() -> Rows:
    """For each event kind and status (by its value), the table's row compiled
    into one function (:func:`orders.order.steps.compile_row`), or None."""
    return _rows(_compiled)


def interpreted_rows() -> Rows:
    """The same as :func:`compiled_rows`, each row run by calling its guards and
    effect in turn (:func:`orders.order.steps.interpret_row`)."""
    return _rows(interpret_row)


def _compiled_on_first_use() -> dict[type[Event], list[Step | None]]:
    """The table :func:`apply` looks rows up in. A row is compiled the first time
    an event meets it (compiling all of them would add a tenth of a second to
    every import); that first call puts the compiled row in its places."""

    def first_use(rule: Rule) -> Step:
        def compile_and_run(order: DecimalOrder, event: Any) -> DecimalOrder:
            step = _compiled(rule)
            for source in rule.sources:
                table[rule.event][source] = step
            return step(order, event)

        return compile_and_run

    table = _rows(first_use)
    return table


_STEPS = _compiled_on_first_use()


def apply(order: DecimalOrder[A], event: Event) -> DecimalOrder[A]:
    """Return the order that ``event`` makes of ``order``; every change of an
    existing order's status goes through here.

    Raises :class:`~orders.errors.InvalidTransition` when no rule allows the
    event from the order's status, or the guard's typed error; either way the
    order is left as it was. An event recognised as a repeat returns ``order``.
    """
    if type(order) is not DecimalOrder:
        raise BadOrderParameters(f"apply takes a DecimalOrder; got {quote(order)}")
    try:
        step = _STEPS[type(event)][order.status]
    except KeyError:
        raise InvalidTransition(
            f"{quote(event)} is not an order event; events are "
            f"{', '.join(kind.__name__ for kind in EVENT_TYPES)}"
        ) from None
    if step is None:
        raise _refusal(order, event)
    try:
        return step(order, event)  # type: ignore[return-value]  # the asset never changes
    except _Repeat:
        return order
    except OrderError as exc:
        exc.about(order.id, order.status, event)
        raise
    except decimal.DecimalException as exc:
        raise ExactnessError(
            f"{type(event).__name__} on order {order.id} needs a total beyond "
            f"{EXACT_DIGITS} exact digits ({type(exc).__name__}); refused rather than rounded",
            order_id=order.id,
            status=order.status,
            event=event,
        ) from None


def allowed_from(event: type[Event]) -> tuple[ORDER_STATUS, ...]:
    """The statuses from which the table lets ``event`` change an order."""
    return tuple(
        status
        for status, rule in zip(ORDER_STATUS, _RULES[event], strict=True)
        if rule is not None and not isinstance(rule.status, Refused)
    )


def _refusal(order: DecimalOrder, event: Event) -> InvalidTransition:
    kind = type(event).__name__
    allowed = allowed_from(type(event))
    return InvalidTransition(
        f"order {order.id} is {order.status.name}; {kind} is allowed only from "
        f"{_names(allowed)}: refused {quote(event)}",
        order_id=order.id,
        status=order.status,
        event=event,
    )


def _names(statuses: tuple[ORDER_STATUS, ...]) -> str:
    return ", ".join(status.name for status in statuses)


def _evolve(
    order: DecimalOrder,
    status: StatusRule,
    *,
    event: Event,
    dt: datetime | None = None,
    reason: str | None = None,
    stop_reached: bool | None = None,
    limit_reached: bool | None = None,
    terms: OrderTerms | None = None,
    pending: tuple[Request, ...] | None = None,
) -> DecimalOrder:
    """``order`` with ``event`` recorded and the given fields replaced; totals kept."""
    terms = order.terms if terms is None else terms
    return next_version(
        order,
        event,
        terms,
        status.land(order.status, order.filled, terms.amount),
        order.dt if dt is None else dt,
        order.filled,
        order.notional,
        order.commission,
        order.reason if reason is None else reason,
        order.stop_reached if stop_reached is None else stop_reached,
        order.limit_reached if limit_reached is None else limit_reached,
        order.pending if pending is None else pending,
    )


def _later(order: DecimalOrder, dt: datetime | None) -> datetime:
    """The ``dt`` of the version an event at ``dt`` makes of ``order``: an order's
    time never goes back, so it is the later of the two (an event without a time
    keeps the order's). The event itself keeps its own time in the history."""
    return order.dt if dt is None or dt <= order.dt else dt


_ANSWERS: dict[type[Event], type[Request]] = {
    Acknowledged: NewRequested,
    Reject: NewRequested,
    Cancel: CancelRequested,
    CancelRejected: CancelRequested,
    Replaced: ReplaceRequested,
    ReplaceRejected: ReplaceRequested,
}
"""The kind of request each answer resolves."""


def _answered(order: DecimalOrder, answer: Event) -> Request | None:
    """The request in flight that ``answer`` resolves: the one it names by id, or
    the oldest of its kind."""
    kind = _ANSWERS[type(answer)]
    request_id = getattr(answer, "request_id", None)
    for request in order.pending:
        if type(request) is kind and (request_id is None or request.request_id == request_id):
            return request
    return None


def _resolved(order: DecimalOrder, answer: Event) -> tuple[Request, ...]:
    """The requests in flight once ``answer`` has resolved its own, if it has one."""
    if not order.pending:
        return order.pending
    return _without(order.pending, _answered(order, answer))


def _without(pending: tuple[Request, ...], answered: Request | None) -> tuple[Request, ...]:
    if answered is None:
        return pending
    position = pending.index(answered)
    return pending[:position] + pending[position + 1:]


def _pending_text(order: DecimalOrder) -> str:
    return ", ".join(quote(request) for request in order.pending) or "nothing"


def _live(order: DecimalOrder, fill_id: str) -> Fill:
    """The live version of a fill the guards have found live."""
    record = fill_record(order, fill_id)
    assert record is not None
    assert record[1] is not None
    return record[1]


def _corrected(order: DecimalOrder, correction: FillCorrection) -> Fill:
    live = _live(order, correction.fill_id)
    return Fill(
        live.quantity if correction.quantity is None else correction.quantity,
        live.price if correction.price is None else correction.price,
        live.commission if correction.commission is None else correction.commission,
        live.dt,
        live.fill_id,
    )


def _replace_fill(
    order: DecimalOrder, event: FillCorrection | FillBust, new: Fill | None, status: StatusRule
) -> DecimalOrder:
    old = _live(order, event.fill_id)
    sign = 1 if order.terms.amount > 0 else -1
    if new is None:
        new_quantity = new_notional = new_commission = Decimal(0)
    else:
        new_quantity = new.quantity
        new_notional = exact_multiply(new.quantity, new.price)
        new_commission = new.commission
    quantity = exact_subtract(new_quantity, old.quantity)
    notional = exact_subtract(new_notional, exact_multiply(old.quantity, old.price))
    commission = exact_subtract(new_commission, old.commission)
    filled = exact_add(order.filled, exact_multiply(quantity, sign))
    return next_version(
        order,
        event,
        order.terms,
        status.land(order.status, filled, order.terms.amount),
        order.dt,
        filled,
        exact_add(order.notional, notional),
        exact_add(order.commission, commission),
        order.reason,
        order.stop_reached,
        order.limit_reached,
        order.pending,
        event.fill_id,
        new,
    )


# Documentation generated from the table.


def _edges() -> Iterator[tuple[ORDER_STATUS, ORDER_STATUS, str]]:
    for rule in TRANSITIONS:
        for source in rule.sources:
            for target in rule.status.targets(source):
                if target is source and rule.event in _REQUESTS_AND_ANSWERS:
                    continue  # drawn in requests_diagram
                yield source, target, rule.event.__name__


_REQUESTS_AND_ANSWERS = frozenset((*REQUEST_TYPES, *_ANSWERS)) - {Cancel, Reject}


def mermaid_diagram() -> str:
    """The Mermaid state diagram of :data:`TRANSITIONS`: the moves between statuses.
    A request, or an answer that keeps the status, is drawn in :func:`requests_diagram`."""
    labels: dict[tuple[ORDER_STATUS, ORDER_STATUS], list[str]] = {}
    for source, target, event in _edges():
        names = labels.setdefault((source, target), [])
        if event not in names:
            names.append(event)
    lines = ["stateDiagram-v2", f"    [*] --> {OPEN.name}"]
    for (source, target), events in labels.items():
        lines.append(f"    {source.name} --> {target.name}: {', '.join(events)}")
    lines.extend(f"    {status.name} --> [*]" for status in in_order(TERMINAL_STATUSES))
    return "\n".join(lines)


def requests_diagram() -> str:
    """The Mermaid diagram of a request's life: the statuses it may be sent from,
    and the answers that end it (:data:`TRANSITIONS` and the answers' kinds)."""
    lines = ["stateDiagram-v2"]
    for rule in TRANSITIONS:
        if rule.event in REQUEST_TYPES:
            lines.append(f"    [*] --> {rule.event.__name__}: sent from {_names(rule.sources)}")
    for kind in REQUEST_TYPES:
        answers = [answer.__name__ for answer, answered in _ANSWERS.items() if answered is kind]
        if kind is NewRequested:
            answers.append(Fill.__name__)
        lines.append(f"    {kind.__name__} --> [*]: {', '.join(answers)}")
    return "\n".join(lines)


def rules_markdown() -> str:
    """The rows of :data:`TRANSITIONS` as a Markdown table."""
    lines = [
        "| event | from | guards, in order | effect | lands in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in TRANSITIONS:
        guards = ", ".join(f"`{guard.__name__}`" for guard in rule.guards) or "none"
        lines.append(
            f"| {rule.event.__name__} | {_names(rule.sources)} | {guards} | "
            f"`{rule.effect.__name__}` | {_describe(rule.status)} |"
        )
    return "\n".join(lines)


def _describe(status: StatusRule) -> str:
    if isinstance(status, Becomes):
        return status.status.name
    if isinstance(status, Stays):
        return "the same status"
    if isinstance(status, FromFills):
        return f"by quantities: {' or '.join(s.name for s in status.possible)}"
    return "refused"
