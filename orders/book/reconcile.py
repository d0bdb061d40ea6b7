"""Reconciliation: the events that bring a book to what its venue reports.

:func:`reconcile` compares an :class:`~orders.book.orderbook.OrderBook` with a
:class:`Snapshot` of the venue (after a reconnect, say) and returns a
:class:`Reconciliation`: the steps that take the book to the venue's state,
in the order to apply them, and typed :class:`Finding` values for what the
snapshot alone cannot settle. It is pure: it works out the steps on a copy of
the book (the book is a value) and never changes the one it was given, so each
step is computed against the book as the steps before it, and the links'
reactions to them, left it.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Iterator, Mapping
from decimal import Decimal

import attrs

from orders._checks import decimal_text, of_type, quote
from orders.book.audit import Cause
from orders.book.orderbook import BookResult, Derived, OrderBook
from orders.book.rules import at_the_venue
from orders.decimals import EXACT, optional_price, to_decimal
from orders.errors import BadOrderParameters, OrderError
from orders.events import (
    Acknowledged,
    Amend,
    Cancel,
    CancelRejected,
    CancelRequested,
    Event,
    Fill,
    FillBust,
    FillCorrection,
    Reject,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
)
from orders.order.value import DecimalOrder
from orders.statuses import (
    ACTIVE_STATUSES,
    ORDER_STATUS,
    UNFILLED_STATUSES,
    RequestRejectReason,
)

__all__ = [
    "Finding",
    "InferredFill",
    "PositionMismatch",
    "ReconcileStep",
    "Reconciliation",
    "Snapshot",
    "StepRefused",
    "UnknownToBook",
    "UnknownToVenue",
    "Unsettled",
    "VenueBelowBook",
    "VenueOrder",
    "reconcile",
    "snapshot_of",
]

CANCELLED_AT_THE_VENUE = "reconciled: cancelled at the venue"
REJECTED_AT_THE_VENUE = "reconciled: rejected at the venue"
FILLED_AT_THE_VENUE = "reconciled: filled at the venue"

_ZERO = Decimal(0)
# The inferred price's quotient: the exact context's digits, rounding instead of raising.
_INFERRING = EXACT.copy()
_INFERRING.clear_traps()
# What a price given to the library may hold (orders.decimals.INPUT_BOUNDS).
_PRICE_DIGITS = decimal.Context(prec=31, rounding=decimal.ROUND_HALF_EVEN)
_FINEST_PRICE = Decimal("1e-30")


def _unsigned(value: object, name: str) -> Decimal:
    number = _venue_number(value, name)
    if number < 0:
        raise BadOrderParameters(f"{name} must be a finite number >= 0; got {quote(value)}")
    return number


def _venue_number(value: object, name: str) -> Decimal:
    """A figure a venue reports: a Decimal, int or str, read by the library's one
    conversion, with the wide bounds of a total."""
    if not isinstance(value, (Decimal, int, str)) or isinstance(value, bool):
        raise BadOrderParameters(f"{name} must be a Decimal, int or str; got {quote(value)}")
    return to_decimal(value, name, BadOrderParameters, total=True)


def _filled(value: object) -> Decimal:
    return _unsigned(value, "filled")


def _average_price(value: object) -> Decimal | None:
    return None if value is None else _unsigned(value, "average_price")


def _venue_amount(value: object) -> Decimal | None:
    return None if value is None else _unsigned(value, "amount")


def _venue_limit(value: object) -> Decimal | None:
    return optional_price(value, "limit")


def _venue_stop(value: object) -> Decimal | None:
    return optional_price(value, "stop")


def _venue_fills(value: object) -> tuple[Fill, ...] | None:
    if value is None:
        return None
    fills = tuple(value) if isinstance(value, (tuple, list)) else None
    if fills is None or not all(isinstance(fill, Fill) for fill in fills):
        raise BadOrderParameters(
            f"fills must be a tuple of Fill values or None; got {quote(value)}"
        )
    return fills


def _status(_: object, __: attrs.Attribute[ORDER_STATUS], value: object) -> None:
    if not isinstance(value, ORDER_STATUS):
        allowed = ", ".join(status.name for status in ORDER_STATUS)
        raise BadOrderParameters(f"status must be an ORDER_STATUS ({allowed}); got {quote(value)}")


@attrs.frozen
class VenueOrder:
    """One order as the venue reports it.

    ``filled`` is the cumulative quantity (unsigned) and ``average_price`` its
    average; ``fills`` are the executions with their ids when the venue gives
    them (``None`` when it gives only the totals); ``amount`` is the venue's
    order quantity (unsigned) when it reports one, and ``limit`` and ``stop``
    its prices (for a trailing stop, its current trigger price); ``None`` says
    the venue did not report the field. A venue that reports an expiry reports
    the order CANCELLED.
    """

    order_id: str = attrs.field(validator=of_type(str))
    status: ORDER_STATUS = attrs.field(validator=_status)
    filled: Decimal = attrs.field(converter=_filled)
    average_price: Decimal | None = attrs.field(default=None, converter=_average_price)
    fills: tuple[Fill, ...] | None = attrs.field(default=None, converter=_venue_fills)
    amount: Decimal | None = attrs.field(default=None, converter=_venue_amount)
    limit: Decimal | None = attrs.field(default=None, converter=_venue_limit)
    stop: Decimal | None = attrs.field(default=None, converter=_venue_stop)


def _orders(value: object) -> Mapping[str, VenueOrder]:
    if not isinstance(value, Mapping) or not all(
        isinstance(order, VenueOrder) and order.order_id == order_id
        for order_id, order in value.items()
    ):
        raise BadOrderParameters(
            "orders must map each order id to the VenueOrder with that id; got "
            f"{quote(value)}"
        )
    return dict(value)


def _positions(value: object) -> Mapping[Hashable, Decimal] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BadOrderParameters(f"positions must map assets to quantities; got {quote(value)}")
    return {asset: _signed_quantity(quantity) for asset, quantity in value.items()}


def _signed_quantity(value: object) -> Decimal:
    return _venue_number(value, "a position")


@attrs.frozen
class Snapshot:
    """What a venue reports: each order it knows, by id, and, when it gives
    them, its positions (signed quantities) by asset."""

    orders: Mapping[str, VenueOrder] = attrs.field(converter=_orders)
    positions: Mapping[Hashable, Decimal] | None = attrs.field(
        default=None, converter=_positions
    )


@attrs.frozen
class ReconcileStep:
    """Apply ``event`` to order ``order_id``; ``inferred`` marks a fill derived
    from the venue's totals rather than reported."""

    order_id: str
    event: Event
    inferred: bool = False

    @property
    def cause(self) -> Cause:
        """What the audit trail says of the step once applied: ``reconcile``, or
        ``reconcile_inferred_fill`` for a fill derived from the totals."""
        return _INFERRED if self.inferred else _RECONCILED


_RECONCILED, _INFERRED = Cause("reconcile"), Cause("reconcile_inferred_fill")


@attrs.frozen
class Finding:
    """Something about ``order_id`` the snapshot alone cannot settle."""

    order_id: str | None

    @property
    def text(self) -> str:
        """What was found, in a sentence."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class UnknownToVenue(Finding):
    """The book holds the active order ``order_id``; the venue does not report it."""

    status: ORDER_STATUS

    @property
    def text(self) -> str:
        return (f"order {self.order_id} is {self.status.name} in the book and the venue "
                "does not report it; left as it is")


@attrs.frozen
class UnknownToBook(Finding):
    """The venue reports an order the book does not hold (placed elsewhere)."""

    venue: VenueOrder

    @property
    def text(self) -> str:
        return (f"the venue reports order {self.order_id} ({self.venue.status.name}, "
                f"{decimal_text(self.venue.filled)} filled), which the book does not hold; "
                "not created")


@attrs.frozen
class InferredFill(Finding):
    """The venue gave totals and no fills: the missing fill is derived from
    them; ``exact`` is False when its price had to be rounded."""

    fill: Fill
    exact: bool

    @property
    def text(self) -> str:
        rounded = "" if self.exact else ", rounded"
        return (f"order {self.order_id}: inferred fill {self.fill.fill_id} of "
                f"{decimal_text(self.fill.quantity)} at {decimal_text(self.fill.price)}"
                f"{rounded}, from the venue's cumulative quantity and average price")


@attrs.frozen
class VenueBelowBook(Finding):
    """The venue's cumulative quantity is below the book's, and it names no
    fills that would say which to bust."""

    venue_filled: Decimal
    book_filled: Decimal

    @property
    def text(self) -> str:
        return (f"order {self.order_id}: the venue has {decimal_text(self.venue_filled)} "
                f"filled, the book {decimal_text(self.book_filled)}; no fill is named to bust")


@attrs.frozen
class StepRefused(Finding):
    """The book refused an event the snapshot calls for; it is left out."""

    event: Event
    error: str

    @property
    def text(self) -> str:
        return f"order {self.order_id}: {type(self.event).__name__} refused: {self.error}"


@attrs.frozen
class Unsettled(Finding):
    """After the steps, the order still differs from the venue's report."""

    book_status: ORDER_STATUS
    book_filled: Decimal
    book_average: Decimal | None
    venue: VenueOrder

    @property
    def text(self) -> str:
        return (f"order {self.order_id} is {self.book_status.name} with "
                f"{_filled_text(self.book_filled, self.book_average)} after the steps; the "
                f"venue reports {self.venue.status.name} with "
                f"{_filled_text(self.venue.filled, self.venue.average_price)}")


def _filled_text(filled: Decimal, average: Decimal | None) -> str:
    at = "" if average is None else f" at {decimal_text(average)}"
    return f"{decimal_text(filled)} filled{at}"


@attrs.frozen
class PositionMismatch(Finding):
    """The venue's position in ``asset`` is not the reconciled book's (the net of
    every fill it applied, those of released orders included)."""

    asset: Hashable
    book_position: Decimal
    venue_position: Decimal

    @property
    def text(self) -> str:
        return (f"position in {self.asset}: the book holds "
                f"{decimal_text(self.book_position)}, the venue reports "
                f"{decimal_text(self.venue_position)}")


@attrs.frozen
class Reconciliation:
    """The steps that take a book to the venue's state, in the order to apply
    them, and the findings the snapshot leaves open."""

    steps: tuple[ReconcileStep, ...]
    findings: tuple[Finding, ...]

    def apply(self, book: OrderBook, *, inferred: bool = True) -> BookResult:
        """Apply the steps to ``book`` through :meth:`OrderBook.apply`, so its
        links react; with ``inferred=False`` the inferred fills are left out
        (their findings stand)."""
        derived: list[Derived] = []
        for step in self.steps:
            if step.inferred and not inferred:
                continue
            result = book.apply(step.order_id, step.event, step.cause)
            book = result.book
            derived.extend(result.derived)
        return BookResult(book, tuple(derived))


def snapshot_of(book: OrderBook) -> Snapshot:
    """``book`` as a venue would report it: every order the venue holds (in live
    mode, those sent: :func:`~orders.book.rules.at_the_venue`) with its status,
    totals, amount, prices and live fills (``fills`` is None for an order
    holding a fill without an id), and its positions (:attr:`OrderBook.positions`)."""
    return Snapshot(
        {order.id: _venue_order(order) for order in book.orders.values()
         if not book.live or at_the_venue(order)},
        dict(book.positions),
    )


def _venue_order(order: DecimalOrder) -> VenueOrder:
    return VenueOrder(order.id, order.status, order.filled.copy_abs(), order.filled_price,
                      _reported_fills(order), order.amount.copy_abs(), order.limit, order.stop)


def _reported_fills(order: DecimalOrder) -> tuple[Fill, ...] | None:
    fills = [event for event in order.history if type(event) is Fill]
    if any(fill.fill_id is None for fill in fills):
        return None
    records = order.fills
    live = (records[fill.fill_id][1] for fill in fills if fill.fill_id is not None)
    unique = {fill.fill_id: fill for fill in live if fill is not None}
    return tuple(unique.values())


def reconcile(book: OrderBook, snapshot: Snapshot) -> Reconciliation:
    """The steps that bring ``book`` to the state ``snapshot`` reports, and the
    findings it leaves open; ``book`` is not changed.

    The steps come in phases, each over the venue's orders, entries before
    their exit legs: acknowledgements of new orders in flight; prices;
    amounts that grew; cancels of orders filled after them; the named fills
    of orders with fills to bust; busts; corrections; missed fills (reported,
    or one inferred from the totals); other amounts; then the ends (rejects,
    then cancels) and the answers to the requests on ended orders. A step the
    book refuses is tried again once its phase has run over the other orders.
    ``BadOrderParameters`` when ``book`` is not an OrderBook or ``snapshot``
    not a Snapshot.
    """
    if not isinstance(book, OrderBook):
        raise BadOrderParameters(f"reconcile needs an OrderBook; got {type(book).__name__}")
    if not isinstance(snapshot, Snapshot):
        raise BadOrderParameters(
            f"reconcile needs a Snapshot of the venue; got {type(snapshot).__name__}"
        )
    work = _Work(book)
    known = [snapshot.orders[order_id] for order_id in _entries_first(book, snapshot)]
    for phase in _PHASES:
        # An order whose step the book refuses is taken again once the phase has
        # run over the others, which may have made it acceptable (an exit leg's
        # price moved before its entry's, say).
        later = [venue for venue in known if not work.run(phase, venue, tentative=True)]
        for venue in later:
            work.run(phase, venue, tentative=phase in _TRIED_AGAIN_LATER)
    for venue in known:
        work.check_settled(venue)
    work.findings.extend(_unknown(book, snapshot))
    if snapshot.positions is not None:
        work.findings.extend(_position_mismatches(work.book, snapshot.positions))
    return Reconciliation(tuple(work.steps), tuple(work.findings))


class _Work:
    """The book as the steps so far leave it, the steps, and the findings."""

    def __init__(self, book: OrderBook) -> None:
        self.book = book
        self.steps: list[ReconcileStep] = []
        self.findings: list[Finding] = []

    def run(self, phase: Phase, venue: VenueOrder, *, tentative: bool) -> bool:
        """Take what ``phase`` finds for the venue's order. A tentative run stops at
        the first step the book refuses and returns False, keeping no finding of
        the phase for the order: the run that follows finds them again."""
        found: list[Finding] = []
        for outcome in phase(self.book[venue.order_id], venue):
            refusal = outcome if isinstance(outcome, Finding) else self.take(outcome)
            if refusal is not None and refusal is not outcome and tentative:
                return False
            if refusal is not None:
                found.append(refusal)
        self.findings.extend(found)
        return True

    def take(self, step: ReconcileStep) -> StepRefused | None:
        """Apply ``step`` to the book; the refusal when the book refuses it."""
        try:
            self.book = self.book.apply(step.order_id, step.event, step.cause).book
        except OrderError as error:
            return StepRefused(step.order_id, step.event, str(error))
        self.steps.append(step)
        return None

    def check_settled(self, venue: VenueOrder) -> None:
        order = self.book[venue.order_id]
        if not _agrees(order, venue):
            self.findings.append(
                Unsettled(order.id, order.status, order.filled.copy_abs(), order.filled_price,
                          venue)
            )


def _entries_first(book: OrderBook, snapshot: Snapshot) -> list[str]:
    held = [order_id for order_id in snapshot.orders if order_id in book]
    return sorted(held, key=lambda order_id: book[order_id].parent_order_id is not None)


def _agrees(order: DecimalOrder, venue: VenueOrder) -> bool:
    """Whether ``order`` is as the venue reports it: the same status (a venue
    does not tell apart an order the host holds or whose stop it triggered
    from an open one), the same filled quantity and average price."""
    same_status = order.status == venue.status or (
        order.status in UNFILLED_STATUSES and venue.status in UNFILLED_STATUSES
    )
    same_price = venue.average_price is None or order.filled_price == venue.average_price
    return same_status and order.filled.copy_abs() == venue.filled and same_price


Outcome = Iterator[ReconcileStep | Finding]
Phase = Callable[[DecimalOrder, VenueOrder], Outcome]


def _acknowledge(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """A new order in flight that the venue knows is acknowledged (a rejected
    one is answered by its Reject)."""
    if order.pending_new and venue.status is not ORDER_STATUS.REJECTED:
        yield ReconcileStep(order.id, Acknowledged())


def _busts(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """A live fill of the book that the venue's fills do not name never happened."""
    for fill_id in _busted(order, venue):
        yield ReconcileStep(order.id, FillBust(fill_id))


def _busted(order: DecimalOrder, venue: VenueOrder) -> list[str]:
    """The ids of the book's live fills that the venue's fills do not name."""
    if venue.fills is None:
        return []
    reported = {fill.fill_id for fill in venue.fills}
    return [fill_id for fill_id, (_, live) in order.fills.items()
            if live is not None and fill_id not in reported]


def _prices(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """Other prices come first, so that the legs a bracket re-arms (after a bust,
    say) copy the prices the venue shows."""
    if _PRICES & _changed_terms(order, venue).keys():
        yield from _new_terms(order, venue, _PRICES)


def _grown_amount(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """A larger quantity comes before the fills that need it; not for an exit
    leg, which the book sizes from its entry's fills."""
    if order.parent_order_id is None and venue.amount is not None and (
        venue.amount > order.amount.copy_abs()
    ):
        yield from _new_terms(order, venue, _AMOUNT)


def _other_terms(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """Any other quantity, once the fills are in, and the prices of an order that
    a bust has reopened since."""
    yield from _new_terms(order, venue, _TERMS)


_PRICES = frozenset({"limit", "stop"})
_AMOUNT = frozenset({"amount"})
_TERMS = _AMOUNT | _PRICES


def _new_terms(order: DecimalOrder, venue: VenueOrder, names: frozenset[str]) -> Outcome:
    """The venue's terms: the answer to a replace in flight that asked for them,
    else an amendment of the terms ``names`` that the book missed (of a working
    order only, and never of an exit leg's amount, which follows its bracket)."""
    change = _changed_terms(order, venue)
    if not change:
        return
    replace = order.pending_replace
    if replace is not None and _asked_for(replace.change, change, venue, order):
        yield ReconcileStep(order.id, Replaced(replace.request_id))
        return
    missed = {name: value for name, value in change.items()
              if name in names and _amendable(order, name, value)}
    if missed and order.status in ACTIVE_STATUSES:
        yield ReconcileStep(order.id, Amend(**missed))


def _amendable(order: DecimalOrder, name: str, value: Decimal) -> bool:
    return name != "amount" or (order.parent_order_id is None and value != 0)


def _changed_terms(order: DecimalOrder, venue: VenueOrder) -> dict[str, Decimal]:
    """The venue's terms that differ from the book's, the amount signed as the
    book's. A trailing stop's stop is not among them: it moves with the market,
    so the book keeps its own."""
    reported = _reported_terms(order, venue)
    return {name: value for name, value in reported.items()
            if value is not None and value != getattr(order, name)}


def _reported_terms(order: DecimalOrder, venue: VenueOrder) -> dict[str, Decimal | None]:
    amount = venue.amount
    signed = None if amount is None else amount if order.is_buy else amount.copy_negate()
    trailing = order.trail_amount is not None or order.trail_percent is not None
    return {"amount": signed, "limit": venue.limit, "stop": None if trailing else venue.stop}


def _asked_for(asked: Amend, change: dict[str, Decimal], venue: VenueOrder,
               order: DecimalOrder) -> bool:
    """Whether the venue's terms are those the replace ``asked`` for: each term
    that changed is the one asked, and each term asked that the venue reports
    is as asked."""
    reported = _reported_terms(order, venue)
    return all(getattr(asked, name) == value for name, value in change.items()) and all(
        reported[name] in (None, getattr(asked, name))
        for name in reported if getattr(asked, name) is not None
    )


def _corrections(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """A fill both know, with other values at the venue, is corrected."""
    for fill in venue.fills or ():
        record = order.fills.get(fill.fill_id) if fill.fill_id is not None else None
        live = None if record is None else record[1]
        if fill.fill_id is None or live is None:
            continue
        change = {name: getattr(fill, name) for name in ("quantity", "price", "commission")
                  if getattr(fill, name) != getattr(live, name)}
        if change:
            yield ReconcileStep(order.id, FillCorrection(fill.fill_id, **change))


def _cancelled_before_filled(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """An order the venue cancelled and then filled in full (a fill that crossed
    its cancel) is cancelled before its fills: a filled order cannot be."""
    if venue.status is ORDER_STATUS.CANCELLED and venue.filled == venue.amount and (
        order.status in ACTIVE_STATUSES
    ):
        yield ReconcileStep(order.id, Cancel(CANCELLED_AT_THE_VENUE))


def _fills_before_busts(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """An order with fills to bust gets the missed fills the venue names first, as
    they may have come at the venue: an entry's late fill before the bust of an
    earlier one, so that its exit legs keep working. A fill that does not fit
    until the busts is left to the phase after them."""
    if _busted(order, venue) and venue.fills is not None and all(
        fill.fill_id is not None for fill in venue.fills
    ):
        yield from _missed_fills(order, venue)


def _missed_fills(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """The venue's fills the book never saw; with no fills given, the difference
    of the cumulative quantities, inferred, or a finding when the venue has less."""
    if venue.fills is not None and all(fill.fill_id is not None for fill in venue.fills):
        for fill in venue.fills:
            if fill.fill_id is not None and fill.fill_id not in order.fills:
                yield ReconcileStep(order.id, fill)
        return
    book_filled = order.filled.copy_abs()
    if venue.filled < book_filled:
        yield VenueBelowBook(order.id, venue.filled, book_filled)
    elif venue.filled > book_filled:
        yield from _inferred_fill(order, venue, book_filled)


def _inferred_fill(order: DecimalOrder, venue: VenueOrder, book_filled: Decimal) -> Outcome:
    """One fill of the difference, priced so that the order's average becomes the
    venue's: (average x cumulative - book notional) / difference."""
    quantity = venue.filled - book_filled
    if venue.average_price is None:
        yield StepRefused(order.id, Fill(quantity, 0), "the venue gave no average price "
                          "to price the missing fill from")
        return
    price, exact = _inferred_price(venue.average_price, venue.filled, order.notional, quantity)
    fill_id = f"inferred:{order.id}:{decimal_text(venue.filled)}"
    try:
        fill = Fill(quantity, price, fill_id=fill_id)
    except OrderError as error:
        yield StepRefused(order.id, Fill(quantity, 0, fill_id=fill_id), str(error))
        return
    yield InferredFill(order.id, fill, exact)
    yield ReconcileStep(order.id, fill, inferred=True)


def _inferred_price(venue_average: Decimal, venue_filled: Decimal, book_notional: Decimal,
                    quantity: Decimal) -> tuple[Decimal, bool]:
    """The price, exact when it can be; else rounded half-even in the exact
    context's digits, then to the digits a price may have."""
    context = _INFERRING.copy()
    venue_notional = context.multiply(venue_average, venue_filled)
    price = context.divide(context.subtract(venue_notional, book_notional), quantity)
    fitted = _PRICE_DIGITS.plus(price)
    if fitted.as_tuple().exponent < _FINEST_PRICE.as_tuple().exponent:  # type: ignore[operator]
        fitted = fitted.quantize(_FINEST_PRICE, context=_PRICE_DIGITS)
    exact = not context.flags[decimal.Inexact] and fitted == price
    return fitted, exact


def _rejects(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """The venue's rejection of the order, before any cancel: a linked order the
    venue cancelled may have been cancelled because this one was rejected (an
    order cancelled first would not be rejected after)."""
    if venue.status is ORDER_STATUS.REJECTED and (
        order.status in ACTIVE_STATUSES or order.pending_new
    ):
        yield ReconcileStep(order.id, Reject(REJECTED_AT_THE_VENUE))


def _cancels(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """The venue's cancel of the order, and its answer to a cancel in flight."""
    if venue.status is ORDER_STATUS.CANCELLED and (
        order.status in ACTIVE_STATUSES or order.pending_cancel
    ):
        yield ReconcileStep(order.id, Cancel(CANCELLED_AT_THE_VENUE))


def _settled_requests(order: DecimalOrder, venue: VenueOrder) -> Outcome:
    """The requests still in flight on an order that has ended, in the book as at
    the venue, are refused: the venue can no longer cancel or replace it (too
    late), or never had it (a rejected order is unknown to it)."""
    if order.status in ACTIVE_STATUSES or venue.status in ACTIVE_STATUSES:
        return
    reason, code = _ENDED_AT_THE_VENUE[venue.status]
    for request in order.pending:
        if type(request) is CancelRequested:
            yield ReconcileStep(order.id, CancelRejected(reason, code, request.request_id))
        elif type(request) is ReplaceRequested:
            yield ReconcileStep(order.id, ReplaceRejected(reason, code, request.request_id))


_ENDED_AT_THE_VENUE = {
    ORDER_STATUS.FILLED: (FILLED_AT_THE_VENUE, RequestRejectReason.TOO_LATE),
    ORDER_STATUS.CANCELLED: (CANCELLED_AT_THE_VENUE, RequestRejectReason.TOO_LATE),
    ORDER_STATUS.REJECTED: (REJECTED_AT_THE_VENUE, RequestRejectReason.UNKNOWN_ORDER),
}


_TRIED_AGAIN_LATER = frozenset({_prices, _grown_amount, _fills_before_busts})
"""The phases whose refused steps are left to a later phase, which tries every
term again once the fills are in (a leg's price that lies beyond its entry's
until the entry trades, say), and makes the finding if it is refused then."""

_PHASES: tuple[Phase, ...] = (
    _acknowledge, _prices, _grown_amount, _cancelled_before_filled, _fills_before_busts,
    _busts, _corrections, _missed_fills, _other_terms, _rejects, _cancels, _settled_requests,
)


def _unknown(book: OrderBook, snapshot: Snapshot) -> Iterator[Finding]:
    """The active orders the venue should know and does not report (in live
    mode, not those never sent, such as a bracket's dormant legs), and the
    orders it reports that the book does not hold."""
    for order in book.orders.values():
        expected = not book.live or at_the_venue(order)
        if order.status in ACTIVE_STATUSES and expected and order.id not in snapshot.orders:
            yield UnknownToVenue(order.id, order.status)
    for order_id, venue in snapshot.orders.items():
        if order_id not in book:
            yield UnknownToBook(order_id, venue)


def _position_mismatches(
    book: OrderBook, positions: Mapping[Hashable, Decimal]
) -> Iterator[PositionMismatch]:
    held = book.positions
    for asset in {**held, **positions}:
        ours, theirs = held.get(asset, _ZERO), positions.get(asset, _ZERO)
        if ours != theirs:
            yield PositionMismatch(None, asset, ours, theirs)
