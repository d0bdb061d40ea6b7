"""The property that defines reconciliation: for any book B and any state B' the
venue could have reached from it (missed fills, busts, corrections, cancels,
expiries, replaced quantities, orders placed elsewhere), applying
``reconcile(B, snapshot_of(B'))`` to B gives B' on every order's status,
filled quantity, notional and commission, and on every position, or a finding
names the order (or the asset) for which it does not."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import event, given, settings, strategies as st

from orders import (
    Amend,
    Cancel,
    DecimalOrder,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    OrderBook,
    OrderError,
    PositionMismatch,
    reconcile,
    snapshot_of,
)
from orders.testing.strategies import books, orders

EXAMPLES = 150


@st.composite
def venue_event(draw: st.DrawFn, order: DecimalOrder) -> Event:
    """Something the venue may have done to ``order`` while the book was not listening."""
    live = [fill_id for fill_id, (_, fill) in order.fills.items() if fill is not None]
    price = Decimal(draw(st.integers(5000, 15000))) / 100
    remaining = int(order.remaining.copy_abs())
    kinds = ["cancel", "expire", "amend"] + (["fill"] if remaining >= 1 else [])
    kinds += ["bust", "correct"] if live else []
    kind = draw(st.sampled_from(kinds))
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
    return Cancel("venue")


@st.composite
def continuations(draw: st.DrawFn, book: OrderBook) -> OrderBook:
    """``book`` moved on by the venue: events on its orders, through the book so
    linked orders react as the venue's did, and perhaps an order placed elsewhere."""
    for _ in range(draw(st.integers(1, 8))):
        if not book.orders:
            break
        order = draw(st.sampled_from(sorted(book.orders.values(), key=_by_terms)))
        try:
            book = book.apply(order.id, draw(venue_event(order))).book
        except OrderError:
            event("the book refused a drawn venue event")
    if draw(st.booleans()):
        elsewhere = draw(orders(linked=False, start=_start(book)))
        if elsewhere.id not in book:
            book = book.submit(elsewhere).book
    return book


def _by_terms(order: DecimalOrder) -> str:
    """A key that does not depend on the order's id: a bracket's ids are drawn
    from the system's randomness, so sorting by id would make the draw flaky."""
    return repr((str(order.asset), order.amount, order.order_type.value, order.stop,
                 order.limit, order.parent_order_id is None, order.status.value,
                 order.filled, order.notional, sorted(order.fills)))


def _start(book: OrderBook) -> datetime | None:
    return next(iter(book.orders.values())).dt if book.orders else None


def _state(order: DecimalOrder) -> tuple[object, ...]:
    return order.status, order.filled, order.notional, order.commission


def _positions(book: OrderBook) -> dict[Hashable, Decimal]:
    held: dict[Hashable, Decimal] = {}
    for order in book.orders.values():
        held[order.asset] = held.get(order.asset, Decimal(0)) + order.filled
    return held


@st.composite
def books_and_continuations(draw: st.DrawFn) -> tuple[OrderBook, OrderBook]:
    book = draw(books())
    return book, draw(continuations(book))


@settings(max_examples=EXAMPLES, deadline=None)
@given(books_and_continuations())
def test_reconciling_with_the_venue_gives_its_state_or_names_why_not(
    pair: tuple[OrderBook, OrderBook],
) -> None:
    check_reconciliation(pair)


def check_reconciliation(pair: tuple[OrderBook, OrderBook]) -> None:
    """Reconciling B with the snapshot of B' gives B', or a finding names why not."""
    book, venue = pair
    result = reconcile(book, snapshot_of(venue))
    reconciled = result.apply(book).book
    named = {finding.order_id for finding in result.findings}
    for order_id, order in venue.orders.items():
        if order_id not in named:
            assert _state(reconciled[order_id]) == _state(order), order_id
    mismatched = {finding.asset for finding in result.findings
                  if isinstance(finding, PositionMismatch)}
    ours, theirs = _positions(reconciled), _positions(venue)
    for asset in {**ours, **theirs}:
        if asset not in mismatched:
            assert ours.get(asset, 0) == theirs.get(asset, 0), asset
    event(f"{len(result.steps)} steps" if len(result.steps) < 3 else "3 or more steps")
    event(f"findings: {sorted({type(finding).__name__ for finding in result.findings})}")
