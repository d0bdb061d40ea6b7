"""The shipped strategies, tested by use: what they draw is what they promise."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterable
from functools import reduce
from typing import TypeVar

import pytest
from hypothesis import Phase, find, given, settings, strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Asset,
    Bar,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    ExecutionStyle,
    Fill,
    NewRequested,
    OrderBook,
    Reject,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    apply,
    strategies,
)
from orders.book.rules import at_the_venue, check_book
from orders.testing.strategies import venue_sessions


@given(strategies.lifecycles())
def test_a_drawn_lifecycle_is_accepted_event_by_event(
    lifecycle: tuple[DecimalOrder, list[Event]],
) -> None:
    initial, events = lifecycle
    order = reduce(apply, events, initial)
    assert order.history == type(order.history)(events)


@pytest.mark.parametrize("status", list(ORDER_STATUS))
def test_orders_reach_the_status_asked_for(status: ORDER_STATUS) -> None:
    @settings(max_examples=25, deadline=None)
    @given(strategies.orders(status=status))
    def check(order: DecimalOrder) -> None:
        assert order.status is status

    check()


@given(strategies.orders(side=-1, asset=Asset("BTC", quantity_increment="0.001"),
                         order_type="limit", price_range=("10", "20")))
def test_orders_honour_their_narrowing_arguments(order: DecimalOrder) -> None:
    assert order.amount < 0
    assert order.asset == Asset("BTC", quantity_increment="0.001")
    assert order.order_type == "limit"
    assert order.limit is not None
    assert 10 <= order.limit <= 20


@given(st.data())
def test_a_fill_drawn_for_an_order_fits_it(data: st.DataObject) -> None:
    order = data.draw(strategies.orders(status=ORDER_STATUS.OPEN))
    fill = data.draw(strategies.fills(order))
    assert apply(order, fill).filled.copy_abs() == fill.quantity


@settings(deadline=None)
@given(
    st.from_type(DecimalOrder),
    st.from_type(Fill),
    st.from_type(Asset),
    st.from_type(OrderBook),
    st.from_type(ExecutionStyle),  # type: ignore[type-abstract]
)
def test_the_strategies_are_registered_with_hypothesis(
    order: object, fill: object, asset: object, book: object, style: object
) -> None:
    assert isinstance(order, DecimalOrder)
    assert isinstance(fill, Fill)
    assert isinstance(asset, Asset)
    assert isinstance(book, OrderBook)
    assert isinstance(style, ExecutionStyle)


# Coverage: the strategies reach every part of the model.

_SEARCH = settings(max_examples=10_000, database=None, phases=[Phase.generate])
"""Search without shrinking: the test asks only whether a kind is ever drawn. The
rarest kind (a replace that leaves the order filled) takes about 600 examples on
average and more than 2,000 in about one search of 25, so the budget is far past
that; a search stops at its first find, so it costs only what it needs."""
T = TypeVar("T")
_KINDS = ["Fill", "Trigger", "Hold", "Release", "Cancel", "Reject", "Expire", "Amend",
          "FillCorrection", "FillBust", "PriceUpdate", "BarUpdate"]


def draws_all(strategy: st.SearchStrategy[T], seen_in: Callable[[T], Iterable[Hashable]],
              wanted: Iterable[Hashable]) -> set[Hashable]:
    """What of ``wanted`` one search of ``strategy`` never draws (the search stops
    once it has drawn everything, so it costs what the rarest costs)."""
    missing = set(wanted)

    def everything_drawn(value: T) -> bool:
        missing.difference_update(seen_in(value))
        return not missing

    with contextlib.suppress(NoSuchExample):
        find(strategy, everything_drawn, settings=_SEARCH)
    return missing


def test_lifecycles_draw_every_event_kind() -> None:
    assert draws_all(strategies.lifecycles(max_events=12),
                     lambda lifecycle: (type(event).__name__ for event in lifecycle[1]),
                     _KINDS) == set()


def test_orders_draw_every_status_unasked() -> None:
    assert draws_all(strategies.orders(), lambda order: (order.status,), ORDER_STATUS) == set()


def test_bars_and_price_paths_are_well_formed() -> None:
    bar = find(strategies.bars(volume=True), lambda bar: bar.open != bar.close,
               settings=settings(database=None))
    assert bar.low <= min(bar.open, bar.close)
    assert bar.volume is not None
    path = find(strategies.price_paths(min_size=3), lambda path: len(path) >= 3,
                settings=settings(database=None))
    assert [dt for dt, _ in path] == sorted(dt for dt, _ in path)
    assert isinstance(find(st.from_type(Bar), lambda _: True), Bar)


@pytest.mark.parametrize(
    ("what", "drawn"),
    [
        ("an OCO member", lambda order: bool(order.linked_order_ids)),
        ("a bracket leg", lambda order: order.parent_order_id is not None),
        ("a GTD order", lambda order: order.time_in_force.name == "GTD"),
        ("a DAY order", lambda order: order.time_in_force.name == "DAY"),
        ("an aware order", lambda order: order.dt.tzinfo is not None),
        ("a naive order", lambda order: order.dt.tzinfo is None),
        ("an order on an Asset", lambda order: isinstance(order.asset, Asset)),
        ("an order on a plain identifier", lambda order: isinstance(order.asset, str)),
    ],
)
def test_orders_draw_links_validities_and_both_kinds_of_time(what: str, drawn: object) -> None:
    found = find(strategies.orders(), drawn, settings=_SEARCH)  # type: ignore[arg-type]
    assert drawn(found), what  # type: ignore[operator]


@settings(max_examples=50, deadline=None)
@given(strategies.lifecycles(min_fills=2, max_fills=3))
def test_min_fills_gives_at_least_that_many_fills(
    lifecycle: tuple[DecimalOrder, list[Event]],
) -> None:
    assert 2 <= sum(isinstance(event, Fill) for event in lifecycle[1]) <= 3


def test_min_fills_refuses_a_status_without_fills() -> None:
    with pytest.raises(InvalidArgument):
        find(strategies.orders(min_fills=1, status=ORDER_STATUS.OPEN), lambda _: True)


_FILL_BOUNDS = st.tuples(st.integers(0, 3), st.integers(0, 3)).map(sorted)


@st.composite
def _bounded_lifecycles(draw: st.DrawFn) -> tuple[int, int, list[Event]]:
    min_fills, max_fills = draw(_FILL_BOUNDS)
    reachable = [None, ORDER_STATUS.CANCELLED, ORDER_STATUS.REJECTED]
    if not min_fills:
        reachable += [ORDER_STATUS.OPEN, ORDER_STATUS.HELD, ORDER_STATUS.TRIGGERED]
    if max_fills > min_fills or (min_fills and max_fills):
        reachable.append(ORDER_STATUS.PARTIALLY_FILLED)
    if max_fills > min_fills:
        reachable.append(ORDER_STATUS.FILLED)
    status = draw(st.sampled_from(reachable))
    _, events = draw(strategies.lifecycles(min_fills=min_fills, max_fills=max_fills,
                                           status=status))
    return min_fills, max_fills, events


@settings(max_examples=300, deadline=None)
@given(_bounded_lifecycles())
def test_fill_bounds_hold_for_every_status(drawn: tuple[int, int, list[Event]]) -> None:
    min_fills, max_fills, events = drawn
    assert min_fills <= sum(isinstance(event, Fill) for event in events) <= max_fills


@pytest.mark.parametrize(
    ("status", "min_fills", "max_fills"),
    [(ORDER_STATUS.FILLED, 0, 0), (ORDER_STATUS.FILLED, 2, 2),
     (ORDER_STATUS.PARTIALLY_FILLED, 0, 0)],
)
def test_a_status_that_needs_more_fills_than_allowed_is_refused(
    status: ORDER_STATUS, min_fills: int, max_fills: int
) -> None:
    with pytest.raises(InvalidArgument, match=f"needs max_fills >= {min_fills + 1}"):
        find(strategies.lifecycles(status=status, min_fills=min_fills, max_fills=max_fills),
             lambda _: True)


def _oco_groups(book: OrderBook) -> list[tuple[int, str]]:
    groups = {frozenset((order_id, *book[order_id].linked_order_ids))
              for order_id in book.link_modes}
    return [(len(group), book.link_modes[next(iter(group))].name) for group in groups]


@pytest.mark.parametrize(
    ("what", "drawn"),
    [
        ("an OCO group in cancel mode", lambda book: any(
            mode == "CANCEL" for _, mode in _oco_groups(book))),
        ("an OCO group of three or more in reduce mode", lambda book: any(
            size >= 3 and mode == "REDUCE" for size, mode in _oco_groups(book))),
        ("a bracket in each mode", lambda book: {
            bracket.mode.name for bracket in book.brackets.values()} == {"CANCEL", "REDUCE"}),
        ("a trailing stop-loss leg", lambda book: any(
            order.parent_order_id and order.order_type.is_trailing
            for order in book.orders.values())),
        ("a filled bracket entry", lambda book: any(
            book[entry].filled for entry in book.brackets)),
        ("three assets", lambda book: len({str(o.asset) for o in book.orders.values()}) == 3),
        ("an aware book", lambda book: book.aware is True),
    ],
)
def test_books_draw_every_link_kind_and_several_assets(what: str, drawn: object) -> None:
    found = find(strategies.books(), drawn, settings=_SEARCH)  # type: ignore[arg-type]
    assert drawn(found), what  # type: ignore[operator]


@settings(max_examples=100, deadline=None)
@given(strategies.books())
def test_a_drawn_book_holds_the_linking_rules(book: OrderBook) -> None:
    check_book(book)


# Venue sessions: requests in flight and the venue's answers.

Session = tuple[DecimalOrder, list[Event]]


@settings(max_examples=100, deadline=None)
@given(venue_sessions())
def test_a_venue_session_starts_with_the_new_order_and_is_accepted(session: Session) -> None:
    initial, events = session
    assert type(events[0]) is NewRequested
    order = reduce(apply, events, initial)
    assert order.history == type(order.history)(events)
    assert not initial.linked_order_ids
    assert initial.parent_order_id is None


@settings(max_examples=100, deadline=None)
@given(venue_sessions(settled=True))
def test_a_settled_session_leaves_nothing_in_flight(session: Session) -> None:
    initial, events = session
    assert reduce(apply, events, initial).pending == ()


@settings(max_examples=50, deadline=None)
@given(venue_sessions(side=-1, order_type="stop_limit", price_range=("10", "20"),
                      asset=Asset("BTC", quantity_increment="0.001"), max_events=3))
def test_venue_sessions_honour_their_narrowing_arguments(session: Session) -> None:
    initial, events = session
    assert initial.amount < 0
    assert initial.order_type == "stop_limit"
    assert initial.asset == Asset("BTC", quantity_increment="0.001")
    assert len(events) <= 4
    for event in events:
        if type(event) is ReplaceRequested and event.change.limit is not None:
            assert 10 <= event.change.limit <= 20


def _versions(session: Session) -> list[tuple[DecimalOrder, Event]]:
    """Each event of a session with the order it was applied to."""
    order, pairs = session[0], []
    for event in session[1]:
        pairs.append((order, event))
        order = apply(order, event)
    return pairs


@pytest.mark.parametrize(
    ("what", "drawn"),
    [
        *((kind.__name__, lambda session, kind=kind: any(
            type(event) is kind for event in session[1]))
          for kind in (Acknowledged, Reject, Fill, Cancel, CancelRequested, CancelRejected,
                       ReplaceRequested, Replaced, ReplaceRejected)),
        ("a fill while a cancel is in flight", lambda session: any(
            type(event) is Fill and order.pending_cancel for order, event in _versions(session))),
        ("a fill while a replace is in flight", lambda session: any(
            type(event) is Fill and order.pending_replace for order, event in _versions(session))),
        ("a replace that leaves the order filled", lambda session: any(
            type(event) is Replaced and apply(order, event).status is ORDER_STATUS.FILLED
            for order, event in _versions(session))),
        ("a fill that answers the new order", lambda session: any(
            type(event) is Fill and order.pending_new for order, event in _versions(session))),
        ("a refusal after the order ended", lambda session: any(
            type(event) in (CancelRejected, ReplaceRejected) and not order.open
            for order, event in _versions(session))),
        ("an answer that names no request", lambda session: any(
            type(event) in (CancelRejected, Replaced, ReplaceRejected)
            and event.request_id is None for event in session[1])),
        ("two requests in flight", lambda session: any(
            len(order.pending) >= 2 for order, _ in _versions(session))),
    ],
)
def test_venue_sessions_draw_every_answer_and_race(what: str, drawn: object) -> None:
    found = find(venue_sessions(), drawn, settings=_SEARCH)  # type: ignore[arg-type]
    assert drawn(found), what  # type: ignore[operator]


# Books sent to a venue: the live mode and requests in flight.


@settings(max_examples=50, deadline=None)
@given(strategies.books(live=True))
def test_a_live_book_has_sent_every_order_the_venue_should_hold(book: OrderBook) -> None:
    assert book.live
    check_book(book)
    working = {ORDER_STATUS.OPEN, ORDER_STATUS.TRIGGERED, ORDER_STATUS.PARTIALLY_FILLED}
    for order in book.orders.values():
        assert all(request.request_id.startswith("book:")  # only the book's own requests
                   for request in order.pending if request.request_id is not None)
        assert not order.pending_new
        if order.status in working:  # not a dormant leg, nor one the book ended unsent
            assert at_the_venue(order), order.id


@pytest.mark.parametrize(
    ("what", "drawn"),
    [
        ("a new order in flight", lambda book: any(
            order.pending_new for order in book.orders.values())),
        ("a cancel in flight", lambda book: any(
            order.pending_cancel for order in book.orders.values())),
        ("a replace in flight", lambda book: any(
            order.pending_replace for order in book.orders.values())),
    ],
)
def test_books_draw_requests_in_flight(what: str, drawn: object) -> None:
    found = find(strategies.books(in_flight=True), drawn, settings=_SEARCH)  # type: ignore[arg-type]
    assert drawn(found), what  # type: ignore[operator]


@settings(max_examples=50, deadline=None)
@given(strategies.books(in_flight=True))
def test_a_book_with_requests_in_flight_holds_the_linking_rules(book: OrderBook) -> None:
    assert not book.live
    check_book(book)
