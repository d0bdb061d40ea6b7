"""Requests in flight against an independent model, one order and a live book.

The first part applies drawn venue sessions (:func:`orders.strategies.venue_sessions`)
to one order and checks, after every event, what a model written here from the
rules of docs/state-machine.md says: the status, the amount in force, the
requests in flight (sent and not yet answered), and totals equal to the exact
fold of the accepted fills. The second part is a stateful machine over a book
holding a bracket and an OCO pair: the host sends cancel and replace requests
through ``OrderBook.apply``, the venue answers them in any order and fills any
working order, and after every step no order is overfilled, no fill is lost,
the requests in flight are those sent and not answered, and the bracket's exit
legs cover its open position with the terms in force.
``benchmarks/request_races.py`` runs both much longer.
"""

from __future__ import annotations

import decimal
import pickle
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import reduce

import pytest
from hypothesis import event, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orders import (
    ACTIVE_STATUSES,
    ORDER_STATUS,
    Acknowledged,
    Amend,
    BookResult,
    BracketOrder,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Fill,
    InvalidTransition,
    LimitOrder,
    LinkedOrderError,
    LinkMode,
    NewRequested,
    OrderBook,
    Reject,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    Request,
    RequestRejectReason,
    apply,
    bracket_orders,
)
from orders.book.orderbook import Submit
from orders.book.rules import at_the_venue, check_book
from orders.testing import strategies

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)
EXACT_SUMS = decimal.Context(prec=100, traps=[decimal.Inexact, decimal.Rounded])
AVERAGE_PRICE = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
ANSWERED_KIND: dict[type[Event], type[Request]] = {
    Acknowledged: NewRequested,
    Reject: NewRequested,
    Fill: NewRequested,
    Cancel: CancelRequested,
    CancelRejected: CancelRequested,
    Replaced: ReplaceRequested,
    ReplaceRejected: ReplaceRequested,
}
"""The kind of request each answer ends (a fill ends only a new-order request)."""


def without_answered(pending: list[Request], answer: Event) -> tuple[list[Request], Request | None]:
    """The requests still in flight after ``answer``, and the one it answered: the
    request it names by id, else the oldest of its kind (a new-order request
    is only ever the oldest of all)."""
    kind = ANSWERED_KIND.get(type(answer))
    named = getattr(answer, "request_id", None)
    for position, request in enumerate(pending):
        if type(request) is kind and named in (None, request.request_id):
            left = pending[:position] + pending[position + 1:]
            if type(answer) is Cancel and left and type(left[0]) is NewRequested:
                left = left[1:]  # the venue cancels only what it has accepted
            return left, request
    return pending, None


class OrderModel:
    """One order as docs/state-machine.md describes it, written without the machine."""

    def __init__(self, order: DecimalOrder) -> None:
        self.amount = order.amount
        self.status = order.status
        self.pending: list[Request] = []
        self.fills: dict[str, Fill] = {}

    @property
    def filled(self) -> Decimal:
        return EXACT_SUMS.create_decimal(sum(fill.quantity for fill in self.fills.values()))

    def by_fills(self) -> ORDER_STATUS:
        filled = self.filled
        if not filled:
            return OPEN
        return FILLED if filled == self.amount.copy_abs() else PARTIALLY_FILLED

    def take(self, event: Event) -> None:
        if isinstance(event, NewRequested | CancelRequested | ReplaceRequested):
            self.pending.append(event)
            return
        self.pending, answered = without_answered(self.pending, event)
        if type(event) is Fill:
            assert event.fill_id is not None
            self.fills[event.fill_id] = event
            if self.status in ACTIVE_STATUSES:
                self.status = self.by_fills()
        elif type(event) is Cancel and self.status in ACTIVE_STATUSES:
            self.status = CANCELLED
        elif type(event) is Reject and self.status in ACTIVE_STATUSES:
            self.status = REJECTED  # on an ended order, it answers the new order only
        elif type(event) is Replaced:
            assert type(answered) is ReplaceRequested
            requested = answered.change.amount
            if requested is not None:
                self.amount = requested if requested.copy_abs() >= self.filled else (
                    self.filled.copy_sign(self.amount))
            self.status = self.by_fills()

    def check(self, order: DecimalOrder) -> None:
        """The order agrees with the model: status, amount, requests, totals, fills."""
        assert order.status is self.status
        assert order.amount == self.amount
        assert order.pending == tuple(self.pending)
        assert order.filled.copy_abs() <= order.amount.copy_abs(), "an overfill"
        check_totals(order, self.fills)


def check_totals(order: DecimalOrder, accepted: dict[str, Fill]) -> None:
    """No accepted fill is lost, and the totals are their exact fold."""
    assert set(order.fills) == set(accepted), "a fill was lost or invented"
    for fill_id, fill in accepted.items():
        assert order.fills[fill_id] == (fill, fill)
    fills = list(accepted.values())
    filled = EXACT_SUMS.create_decimal(sum(fill.quantity for fill in fills))
    assert order.filled == (filled if order.is_buy else -filled)
    notional = EXACT_SUMS.create_decimal(sum(EXACT_SUMS.multiply(fill.quantity, fill.price)
                                             for fill in fills))
    assert order.notional == notional
    assert order.commission == EXACT_SUMS.create_decimal(sum(fill.commission for fill in fills))
    assert order.filled_price == (AVERAGE_PRICE.divide(notional, filled) if filled else None)


# One order, drawn sessions.


@settings(max_examples=200, deadline=None)
@given(strategies.venue_sessions())
def test_a_venue_session_moves_the_order_as_the_model_says(
    session: tuple[DecimalOrder, list[Event]],
) -> None:
    check_session(session)


def check_session(session: tuple[DecimalOrder, list[Event]]) -> None:
    """Apply the session event by event; the order agrees with the model after each."""
    initial, events = session
    model, order = OrderModel(initial), initial
    for step in events:
        order = apply(order, step)
        model.take(step)
        model.check(order)
    event(f"ends {order.status.name} with {len(order.pending)} in flight")
    assert reduce(apply, order.history, order.initial) == order
    assert list(order.history) == events
    assert pickle.loads(pickle.dumps(order)) == order


@settings(max_examples=100, deadline=None)
@given(strategies.venue_sessions(settled=True), st.sampled_from(["cancel", "replace"]))
def test_an_ended_order_refuses_requests(
    session: tuple[DecimalOrder, list[Event]], kind: str
) -> None:
    initial, events = session
    order = reduce(apply, events, initial)
    if order.open:
        order = apply(order, Cancel("ended for the test"))
    request = (CancelRequested("late") if kind == "cancel"
               else ReplaceRequested(Amend(amount=order.amount), "late"))
    with pytest.raises(InvalidTransition):
        apply(order, request)


def test_a_venue_reject_answers_the_new_order_of_a_cancelled_order() -> None:
    order = DecimalOrder(T0, "XYZ", -5, limit=110, id="member")
    order = apply(apply(order, NewRequested("n1")), Cancel("linked order oco-a ended"))
    order = apply(order, Reject("unknown instrument"))
    assert order.status is CANCELLED
    assert order.pending == ()


# A live book: a bracket and an OCO pair.

ENTRY, STOP_LOSS, TAKE_PROFIT = "entry", "stop-loss", "take-profit"


def covered_position(book: OrderBook) -> Decimal:
    """The bracket's P (what its entry filled less what its legs filled) capped
    by the asset's position, which the OCO pair's fills move too: the exits of
    an asset never work for more than it holds (docs/linked-orders.md, "Exits
    and the position"); the bracket is the session's only exit."""
    entry, legs = book[ENTRY], book.children(ENTRY)
    bracket = entry.filled.copy_abs() - sum((leg.filled.copy_abs() for leg in legs), Decimal(0))
    held = book.net_position("XYZ")
    on_its_side = held if entry.is_buy else -held
    return max(Decimal(0), min(bracket, on_its_side))
OCO = ("oco-limit", "oco-stop")
prices = st.sampled_from([Decimal(level) for level in (89, 90, 91, 99, 100, 101, 109, 110, 111)])


class LiveBook(RuleBasedStateMachine):
    """The host's requests and the venue's answers and fills, in any order."""

    live = False
    """The book's mode: False here, where the book applies its decisions at once."""
    book: OrderBook
    in_flight: dict[str, list[Request]]
    accepted: dict[str, dict[str, Fill]]

    @initialize(long=st.booleans(), size=st.integers(1, 20), oco_size=st.integers(1, 20),
                mode=st.sampled_from(list(LinkMode)), oco_mode=st.sampled_from(list(LinkMode)))
    def open_session(self, long: bool, size: int, oco_size: int, mode: LinkMode,
                     oco_mode: LinkMode) -> None:
        stop_loss, take_profit = (90, 110) if long else (110, 90)
        bracket = bracket_orders(T0, "XYZ", size if long else -size,
                                 BracketOrder(LimitOrder(100), stop_loss, take_profit),
                                 ids=(ENTRY, STOP_LOSS, TAKE_PROFIT))
        pair = (DecimalOrder(T0, "XYZ", -oco_size, limit=110, id=OCO[0], linked_order_ids=OCO[1:]),
                DecimalOrder(T0, "XYZ", -oco_size, stop=90, id=OCO[1], linked_order_ids=OCO[:1]))
        self.book = OrderBook(live=self.live).submit(*bracket, link_mode=mode).book
        self.book = self.book.submit(*pair, link_mode=oco_mode).book
        self.in_flight = {order_id: [] for order_id in self.book.orders}
        self.accepted = {order_id: {} for order_id in self.book.orders}
        self.count = 0
        for order_id in (ENTRY, *OCO):
            if not at_the_venue(self.book[order_id]):
                self.send(order_id, NewRequested(self.next_id()))

    def next_id(self) -> str:
        self.count += 1
        return f"r{self.count}"

    def ids(self, wanted: Callable[[DecimalOrder], object]) -> list[str]:
        return sorted(order.id for order in self.book.orders.values() if wanted(order))

    def keep(self, order_id: str, step: Event, result: BookResult) -> None:
        """Keep the book the step made, and follow it in the model: the step, then
        what the book derived from it."""
        self.book = result.book
        self.follow(order_id, step)
        for derived in result.derived:
            event(f"derived {type(derived.event).__name__}")
            if isinstance(derived.event, Submit):
                self.in_flight[derived.order_id] = []
                self.accepted[derived.order_id] = {}
            else:
                self.follow(derived.order_id, derived.event)

    def follow(self, order_id: str, step: Event) -> None:
        if isinstance(step, NewRequested | CancelRequested | ReplaceRequested):
            self.in_flight[order_id].append(step)
            return
        self.in_flight[order_id], _ = without_answered(self.in_flight[order_id], step)
        if type(step) is Fill:
            assert step.fill_id is not None
            self.accepted[order_id][step.fill_id] = step

    def send(self, order_id: str, request: Request) -> None:
        """The host's request: the book takes it, and nothing happens but that, or
        the links refuse it (a replace that would break a bracket or a group)."""
        before = self.book[order_id]
        try:
            result = self.book.apply(order_id, request)
        except LinkedOrderError as refusal:
            event(f"{type(request).__name__} refused by {refusal.rule}")
            return
        assert result.derived == (), f"a request made the book derive {result.derived}"
        assert result.book[order_id].status is before.status
        self.keep(order_id, request, result)

    @rule(data=st.data())
    def request_cancel(self, data: st.DataObject) -> None:
        working = self.ids(lambda order: order.open)
        if working:
            self.send(data.draw(st.sampled_from(working)), CancelRequested(self.next_id()))

    @rule(data=st.data(), size=st.integers(1, 30), move=st.sampled_from([-2, -1, 1, 2]))
    def request_replace(self, data: st.DataObject, size: int, move: int) -> None:
        """A new size, or a price moved a little (so that most keep the bracket's
        prices in order)."""
        working = self.ids(lambda order: order.open)
        if not working:
            return
        order = self.book[data.draw(st.sampled_from(working))]
        if order.stop is not None:
            priced = Amend(stop=order.stop + move)
        else:
            assert order.limit is not None
            priced = Amend(limit=order.limit + move)
        sized = Amend(amount=size if order.is_buy else -size)
        change = data.draw(st.sampled_from([priced, sized]))
        self.send(order.id, ReplaceRequested(change, self.next_id()))

    @rule(data=st.data(), reason=st.sampled_from(list(RequestRejectReason)))
    def venue_answers(self, data: st.DataObject, reason: RequestRejectReason) -> None:
        waiting = self.ids(lambda order: order.pending)
        if not waiting:
            return
        order = self.book[data.draw(st.sampled_from(waiting))]
        request = data.draw(st.sampled_from(order.pending))
        answer = data.draw(st.sampled_from(self.answers(order, request, reason)))
        event(f"{type(answer).__name__} on a {order.status.name} order")
        self.keep(order.id, answer, self.book.apply(order.id, answer))

    def answers(self, order: DecimalOrder, request: Request,
                reason: RequestRejectReason) -> list[Event]:
        """What a venue may answer: it answers the new order before anything else,
        and once the order has ended it can only refuse."""
        if type(request) is NewRequested:
            return [Acknowledged(), Acknowledged(), Acknowledged(), Reject("venue")]
        working = order.open and not order.pending_new
        oldest_cancel = next(sent for sent in order.pending if type(sent) is type(request))
        if type(request) is CancelRequested:
            confirm = [Cancel("venue")] if working and request is oldest_cancel else []
            return [CancelRejected(code=reason, request_id=request.request_id), *confirm]
        confirmed = [Replaced(request.request_id)] if working else []
        return [ReplaceRejected(code=reason, request_id=request.request_id), *confirmed]

    @rule(data=st.data())
    def venue_confirms_a_replace_too_late(self, data: st.DataObject) -> None:
        """A Replaced for an order that has ended is refused; the book stays as it was."""
        ended = self.ids(lambda order: not order.open and order.pending_replace)
        if not ended:
            return
        order_id = data.draw(st.sampled_from(ended))
        event(f"Replaced refused on a {self.book[order_id].status.name} order")
        with pytest.raises(InvalidTransition):
            self.book.apply(order_id, Replaced())

    @rule(data=st.data(), price=prices)
    def venue_fills(self, data: st.DataObject, price: Decimal) -> None:
        """A fill on a working order (dormant legs are not at the venue yet)."""
        fillable = self.ids(lambda order: order.open and order.status is not HELD)
        if not fillable:
            return
        order = self.book[data.draw(st.sampled_from(fillable))]
        quantity = data.draw(st.integers(1, int(order.remaining.copy_abs())))
        fill = Fill(quantity, price, Decimal("0.01"), fill_id=self.next_id())
        event(f"fill with {len(order.pending)} in flight")
        self.keep(order.id, fill, self.book.apply(order.id, fill))

    @invariant()
    def no_overfill_and_no_lost_fill(self) -> None:
        for order_id, order in self.book.orders.items():
            assert order.filled.copy_abs() <= order.amount.copy_abs(), f"{order_id} overfilled"
            check_totals(order, self.accepted[order_id])

    @invariant()
    def in_flight_are_the_requests_sent_and_not_answered(self) -> None:
        for order_id, order in self.book.orders.items():
            assert order.pending == tuple(self.in_flight[order_id]), order_id

    @invariant()
    def the_exit_legs_cover_the_position_with_the_terms_in_force(self) -> None:
        """Rule 1 of docs/linked-orders.md, with P capped by the asset's position
        (the OCO pair trades it too): while P > 0 some exit leg is active and
        every active one has exactly P left; while P = 0 and the entry works the
        legs are dormant; otherwise no leg works."""
        entry, legs = self.book[ENTRY], self.book.children(ENTRY)
        position = covered_position(self.book)
        active = [leg for leg in legs if leg.open and leg.status is not HELD]
        dormant = [leg for leg in legs if leg.status is HELD]
        if self.book.brackets[ENTRY].withdrawn:
            assert not active, "withdrawn, but exit legs work"
            assert not dormant, "withdrawn, but exit legs wait"
            assert not entry.open, "withdrawn, but the entry works"
        elif position > 0:
            if any(leg.pending_replace for leg in active):
                event("a position, and a replace of an exit leg in flight")
            assert active, f"P = {position}: no exit leg protects the position"
            assert not dormant, f"P = {position}: exit legs are dormant"
            assert all(leg.remaining.copy_abs() == position for leg in active), (
                f"P = {position}: exit legs leave {[leg.remaining for leg in active]}")
        elif entry.open:
            assert not active, "exit legs work before the entry has filled"
        else:
            assert not active, "exit legs work with nothing to protect"
            assert not dormant, "exit legs wait with nothing to protect"

    @invariant()
    def the_book_passes_its_load_checks(self) -> None:
        check_book(self.book)


LiveBook.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestLiveBook = LiveBook.TestCase


# The same session with the book in live mode: its own decisions are requests.


def as_the_books_requests_leave_it(order: DecimalOrder) -> tuple[ORDER_STATUS, Decimal]:
    """The status and amount of ``order`` once the requests in flight that the
    book derived (ids ``book:<order id>:<n>``) are confirmed, worked out here
    from docs/linked-orders.md without the rules."""
    status, amount = order.status, order.amount
    filled = order.filled.copy_abs()
    for request in order.pending:
        ours = (request.request_id or "").startswith(f"book:{order.id}:")
        if status not in ACTIVE_STATUSES or not ours:
            continue
        if type(request) is CancelRequested:
            status = CANCELLED
        elif type(request) is ReplaceRequested and request.change.amount is not None:
            amount = request.change.amount
            if amount.copy_abs() <= filled:
                amount, status = filled.copy_sign(amount), FILLED
    return status, amount


class LiveModeBook(LiveBook):
    """The book in live mode: the host sends every working order the venue does
    not have yet, and forwards the book's requests, which the venue answers like
    the host's."""

    live = True

    def keep(self, order_id: str, step: Event, result: BookResult) -> None:
        super().keep(order_id, step, result)
        refused = self.book[order_id]
        if (isinstance(step, CancelRejected | ReplaceRejected)
                and step.code is RequestRejectReason.UNKNOWN_ORDER and refused.open):
            # The venue does not know the order: the host ends it in the book.
            self.keep(order_id, Cancel("unknown to the venue"),
                      self.book.apply(order_id, Cancel("unknown to the venue")))
        for order_id in list(self.book.orders):
            order = self.book[order_id]  # as the sends before it left it
            if order.status in (OPEN, TRIGGERED) and not at_the_venue(order):
                self.send(order_id, NewRequested(self.next_id()))

    @invariant()
    def the_exit_legs_cover_the_position_with_the_terms_in_force(self) -> None:
        """Rule 1 of docs/linked-orders.md with every order as the book's requests
        will leave it; an order with a cancel in flight is being cancelled."""
        entry, legs = self.book[ENTRY], self.book.children(ENTRY)
        position = covered_position(self.book)
        standing = {leg.id: as_the_books_requests_leave_it(leg) for leg in legs}
        working = [leg for leg in legs if standing[leg.id][0] in ACTIVE_STATUSES]
        asked = [leg for leg in working if not leg.pending_cancel]
        entry_works = as_the_books_requests_leave_it(entry)[0] in ACTIVE_STATUSES
        if self.book.brackets[ENTRY].withdrawn:
            assert not asked, "withdrawn, but exit legs work"
            assert not (entry_works and not entry.pending_cancel), "withdrawn, but the entry works"
        elif position > 0:
            assert working, f"P = {position}: no exit leg protects the position"
            assert all(standing[leg.id][0] is not HELD for leg in asked), "dormant legs"
            for leg in asked:
                left = standing[leg.id][1].copy_abs() - leg.filled.copy_abs()
                assert left == position, f"P = {position}: {leg.id} will leave {left}"
        elif entry_works:
            assert all(standing[leg.id][0] is HELD for leg in asked), "legs work before the entry"
        else:
            assert not asked, "exit legs work with nothing to protect"


LiveModeBook.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestLiveModeBook = LiveModeBook.TestCase
