"""Snapshot lines: a recorded session with reconnects, chained or
not, of one account or named, replays to the recorder's book with the same
steps and findings, each under its line's number."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings, strategies as st

from orders import DecimalOrder, Fill, OCOOrder, OrderError, oco_orders
from orders.book.reconcile import Snapshot, VenueOrder, snapshot_of
from orders.io.recording import Recorder
from orders.io.replay import replay, replay_accounts
from orders.styles import LimitOrder, StopOrder
from tests.book.test_rules import AAPL, T0

IDS = ("tp", "sl", "a")
STEPS = st.lists(st.tuples(st.sampled_from(["fill", "cancel", "price", "snapshot", "totals"]),
                           st.sampled_from(IDS), st.integers(1, 4), st.booleans()), max_size=8)


def without_fills(snapshot: Snapshot) -> Snapshot:
    """``snapshot`` as a venue that reports totals only, and no positions."""
    return Snapshot({order_id: VenueOrder(order.order_id, order.status, order.filled,
                                          order.average_price, None, order.amount)
                     for order_id, order in snapshot.orders.items()})


@settings(max_examples=60, deadline=None)
@given(STEPS, st.booleans(), st.sampled_from([None, "acct"]))
def test_a_session_with_reconnects_replays_to_its_book_and_findings(
    steps: list[tuple[str, str, int, bool]], chained: bool, account: str | None
) -> None:
    lines: list[str] = []
    recorder = Recorder(lines.append, account=account, chained=chained)
    recorder.submit(*oco_orders(T0, AAPL, -10, OCOOrder(LimitOrder(110), StopOrder(90)),
                                ids=("tp", "sl")), link_mode="reduce")
    recorder.submit(DecimalOrder(T0, AAPL, 10, limit=100, id="a"))
    expected = []
    for number, (kind, order_id, quantity, inferred) in enumerate(steps):
        fill = Fill(quantity, 100 if order_id == "a" else 110, fill_id=f"f{number}")
        try:
            if kind == "fill":
                recorder.apply(order_id, fill)
            elif kind == "cancel":
                recorder.cancel(order_id)
            elif kind == "price":
                recorder.on_price(AAPL, 95 + quantity, T0 + timedelta(minutes=number))
            else:
                venue = recorder.book.apply(order_id, fill).book
                snapshot = snapshot_of(venue)
                reconciliation, _ = recorder.reconcile(
                    snapshot if kind == "snapshot" else without_fills(snapshot),
                    inferred=inferred)
                applied = tuple(s for s in reconciliation.steps if inferred or not s.inferred)
                expected.append((len(lines), applied, reconciliation.findings))
        except OrderError:
            continue
    result = replay(lines) if account is None else replay_accounts(lines).accounts[account]
    assert result.refused_count == 0
    assert result.book == recorder.book
    assert [(r.line_number, r.steps, r.findings) for r in result.reconciled] == expected
