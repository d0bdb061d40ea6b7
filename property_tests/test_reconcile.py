"""The property that defines reconciliation: for any book B, in the backtest or
the live mode, with requests in flight or none, and any state B' the venue
could have reached from it (missed fills, busts, corrections, cancels,
expiries, replaced quantities and prices, answers to the requests in flight,
orders placed elsewhere), applying ``reconcile(B, snapshot_of(B'))`` to B gives
B' on every order's status, filled quantity, notional, commission and prices
(not a trailing stop's stop, which moves with the market), and on every
position, and leaves in flight no request the snapshot answers, or a finding
names the order (or the asset) for which it does not."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from hypothesis import event, given, settings, strategies as st

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    NewRequested,
    OrderBook,
    OrderError,
    PositionMismatch,
    Reconciliation,
    Reject,
    Replaced,
    ReplaceRejected,
    Request,
    RequestRejectReason,
    Snapshot,
    UnknownToVenue,
    reconcile,
    snapshot_of,
)
from orders.book.rules import at_the_venue, check_book
from orders.statuses import ACTIVE_STATUSES, UNFILLED_STATUSES
from orders.testing.strategies import books, orders

EXAMPLES = 150


@st.composite
def venue_event(draw: st.DrawFn, order: DecimalOrder, *, held: bool = True) -> Event:
    """Something the venue may have done to ``order`` while the book was not
    listening: an event of its own, or an answer to a request in flight. It
    fills only an order it ``held``: not a bracket's exit leg whose entry never
    traded, which never worked."""
    live = [fill_id for fill_id, (_, fill) in order.fills.items() if fill is not None]
    price = Decimal(draw(st.integers(5000, 15000))) / 100
    remaining = int(order.remaining.copy_abs())
    kinds = ["cancel", "expire", "amend"] + (["fill"] if remaining >= 1 and held else [])
    kinds += ["reprice"] if order.limit is not None or order.stop is not None else []
    kinds += ["bust", "correct"] if live else []
    kinds += ["answer"] * 3 if order.pending else []
    kind = draw(st.sampled_from(kinds))
    if kind == "answer":
        return draw(answers(draw(st.sampled_from(order.pending))))
    if kind == "fill":
        quantity = draw(st.integers(1, remaining))
        commission = draw(st.sampled_from(["0", "1.5"]))
        return Fill(quantity, price, commission, fill_id=draw(st.uuids()).hex)
    if kind == "bust":
        return FillBust(draw(st.sampled_from(live)))
    if kind == "correct":
        return FillCorrection(draw(st.sampled_from(live)), price=price)
    if kind == "expire":
        return Expire(order.dt + timedelta(hours=1))
    if kind == "amend":
        amount = draw(st.integers(1, int(order.amount.copy_abs()) + 5))
        return Amend(amount=amount if order.is_buy else -amount)
    if kind == "reprice":
        return draw(repricing(order, price))
    return Cancel("venue")


def repricing(order: DecimalOrder, price: Decimal) -> st.SearchStrategy[Amend]:
    """A replace of the prices ``order`` has: its limit, its stop, or both."""
    names = [name for name in ("limit", "stop") if getattr(order, name) is not None]
    chosen = st.lists(st.sampled_from(names), min_size=1, unique=True)
    return chosen.map(lambda picked: Amend(**dict.fromkeys(picked, price)))


def answers(request: Request) -> st.SearchStrategy[Event]:
    """The venue's answers to ``request``: it acknowledges or rejects a new
    order, cancels or refuses to, replaces or refuses to."""
    named = request.request_id
    if type(request) is NewRequested:
        return st.sampled_from([Acknowledged(), Reject("venue")])
    refusal = st.sampled_from(RequestRejectReason)
    if type(request) is CancelRequested:
        return st.sampled_from([Cancel("venue")]) | st.builds(
            CancelRejected, st.just("venue"), refusal, st.just(named))
    return st.sampled_from([Replaced(named)]) | st.builds(
        ReplaceRejected, st.just("venue"), refusal, st.just(named))


@st.composite
def continuations(draw: st.DrawFn, book: OrderBook) -> OrderBook:
    """``book`` moved on by the venue: events on its orders and answers to their
    requests in flight, through the book so linked orders react as the venue's
    did, and perhaps an order placed elsewhere. In live mode the venue acts only
    on the orders it has: not on those never sent, such as dormant legs."""
    for _ in range(draw(st.integers(1, 8))):
        held = [order for order in book.orders.values() if not book.live or at_the_venue(order)]
        if not held:
            break
        order = draw(st.sampled_from(sorted(held, key=_by_terms)))
        try:
            book = book.apply(order.id, draw(venue_event(order, held=_ever_held(book, order)))).book
        except OrderError:
            event("the book refused a drawn venue event")
    if draw(st.booleans()):
        elsewhere = draw(orders(linked=False, start=_start(book)))
        if elsewhere.id not in book:
            book = _placed_at_the_venue(book.submit(elsewhere).book, elsewhere)
    return book


def _placed_at_the_venue(book: OrderBook, order: DecimalOrder) -> OrderBook:
    """In live mode, an order placed elsewhere as the venue holds it: sent and
    acknowledged, when it was drawn neither sent nor ended."""
    if book.live and not at_the_venue(order) and order.status in _SENDABLE:
        book = book.apply(order.id, NewRequested()).book.apply(order.id, Acknowledged()).book
    return book


_SENDABLE = UNFILLED_STATUSES - {ORDER_STATUS.HELD}


def _ever_held(book: OrderBook, order: DecimalOrder) -> bool:
    """False for a bracket's exit leg whose entry never traded: the leg never worked."""
    entry = order.parent_order_id
    return entry is None or bool(book[entry].filled or book[entry].fills)


def _by_terms(order: DecimalOrder) -> str:
    """A key that does not depend on the order's id: a bracket's ids are drawn
    from the system's randomness, so sorting by id would make the draw flaky."""
    return repr((str(order.asset), order.amount, order.order_type.value, order.stop,
                 order.limit, order.parent_order_id is None, order.status.value,
                 order.filled, order.notional, sorted(order.fills),
                 [type(request).__name__ for request in order.pending]))


def _start(book: OrderBook) -> datetime | None:
    return next(iter(book.orders.values())).dt if book.orders else None


def _state(order: DecimalOrder) -> tuple[object, ...]:
    """What the venue reports of ``order``: its status (an unfilled active order
    as such: a venue does not say that the host holds it, or that its stop
    triggered), totals and prices (not a trailing stop's, which moves with
    the market)."""
    status = "unfilled" if order.status in UNFILLED_STATUSES else order.status
    trailing = order.trail_amount is not None or order.trail_percent is not None
    return (status, order.filled, order.notional, order.commission, order.limit,
            None if trailing else order.stop)


def _answered_still_in_flight(order: DecimalOrder) -> bool:
    """A request the venue's report answers, left in flight: a new order the
    venue lists, or any request of an order that has ended."""
    return order.pending_new or (order.status not in ACTIVE_STATUSES and bool(order.pending))


def _in_flight_and_working(order: DecimalOrder) -> bool:
    return order.pending_new and order.status in ACTIVE_STATUSES


def _holds_the_rules(book: OrderBook) -> bool:
    """Whether ``book`` is in a state the linking rules allow: a venue that
    confirms the replace of an entry's price and refuses the replace of its
    leg's, which the entry's was checked with, leaves the bracket out of order."""
    try:
        check_book(book)
    except OrderError:
        event("the venue's state breaks a linking rule")
        return False
    return True


def _positions(book: OrderBook) -> dict[Hashable, Decimal]:
    held: dict[Hashable, Decimal] = {}
    for order in book.orders.values():
        held[order.asset] = held.get(order.asset, Decimal(0)) + order.filled
    return held


class Reconnect(NamedTuple):
    """A book B, the state B' its venue reached, and the new orders in flight the
    venue never received (``lost``), which its snapshot leaves out as it leaves
    out, in live mode, the orders never sent (a bracket's dormant legs, say)."""

    book: OrderBook
    venue: OrderBook
    lost: frozenset[str]

    def snapshot(self) -> Snapshot:
        reported = snapshot_of(self.venue)
        listed = {order_id: order for order_id, order in reported.orders.items()
                  if order_id not in self.lost}
        return Snapshot(listed, reported.positions)


@st.composite
def reconnects(draw: st.DrawFn, *, live: bool) -> Reconnect:
    """A book (in live mode or not, perhaps with requests in flight) and a state
    its venue reached, which lists some of the new orders in flight it never
    acknowledged and no order the host never sent."""
    book = draw(books(live=live, in_flight=draw(st.booleans())))
    venue = draw(continuations(book))
    in_flight = sorted((order for order in venue.orders.values() if order.pending_new),
                       key=_by_terms)
    lost = frozenset(order.id for order in in_flight if draw(st.booleans()))
    return Reconnect(book, venue, lost)


@settings(max_examples=EXAMPLES, deadline=None)
@given(reconnects(live=False))
def test_reconciling_with_the_venue_gives_its_state_or_names_why_not(case: Reconnect) -> None:
    check_reconciliation(case)


@settings(max_examples=EXAMPLES, deadline=None)
@given(reconnects(live=True))
def test_reconciling_a_live_book_gives_its_venues_state_or_names_why_not(
    case: Reconnect,
) -> None:
    check_reconciliation(case)


def check_reconciliation(case: Reconnect) -> Reconciliation:
    """Reconciling B with the snapshot of B' gives B' on every order's status and
    totals, and leaves in flight no request the snapshot answers, or a finding
    names why not; a new order in flight the venue does not list is named."""
    book, venue = case.book, case.venue
    held = snapshot_of(venue).orders  # in live mode, not the orders never sent
    result = reconcile(book, case.snapshot())
    reconciled = result.apply(book).book
    named = {finding.order_id for finding in result.findings}
    unknown = {finding.order_id for finding in result.findings
               if isinstance(finding, UnknownToVenue)}
    for order_id, order in venue.orders.items():
        if order_id in case.lost and _in_flight_and_working(book[order_id]):
            assert order_id in unknown, order_id
        if order_id not in named and order_id in held:
            after = reconciled[order_id]
            assert _state(after) == _state(order), order_id
            if order_id not in case.lost:
                assert not _answered_still_in_flight(after), (order_id, after.pending)
    if _holds_the_rules(venue):  # a venue may confirm one replace and refuse another
        check_book(reconciled)  # the orders never sent follow the links from the rest
    mismatched = {finding.asset for finding in result.findings
                  if isinstance(finding, PositionMismatch)}
    ours, theirs = _positions(reconciled), _positions(venue)
    for asset in {**ours, **theirs}:
        if asset not in mismatched:
            assert ours.get(asset, 0) == theirs.get(asset, 0), asset
    event(f"{len(result.steps)} steps" if len(result.steps) < 3 else "3 or more steps")
    event(f"findings: {sorted({type(finding).__name__ for finding in result.findings})}")
    return result
