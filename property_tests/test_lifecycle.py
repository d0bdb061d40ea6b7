"""A stateful machine driving random event sequences through one order.

After every step it checks the invariants of the state-machine issue against
an independent model of the live fills: quantities stay in bounds and signed,
the totals equal the direct sums over the live fills, the average lies between
the lowest and highest live price, the status agrees with the quantities and
with the table's row, a refused event left the order equal to before, and
folding the history rebuilds the order.
"""

from __future__ import annotations

import decimal
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orders import (
    ORDER_STATUS,
    Amend,
    Asset,
    Bar,
    Cancel,
    DecimalOrder,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    InvalidQuantityError,
    OrderError,
    OrderType,
    Reject,
    Release,
    Trigger,
    apply,
    check_triggers,
    check_triggers_bar,
)
from orders.order.machine import _RULES

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)
FILL_IDS = st.sampled_from(["a", "b", "c", "d", None])
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
commissions = st.decimals(min_value=Decimal("-1"), max_value=Decimal("5"), places=3)


class OrderLifecycle(RuleBasedStateMachine):
    """Apply random events; keep a model of the live fills (id -> fill)."""

    initial: DecimalOrder
    order: DecimalOrder
    live: dict[object, tuple[Decimal, Decimal, Decimal]]
    first: dict[str, tuple[Decimal, Decimal, Decimal]]

    @initialize(
        side=st.sampled_from([1, -1]),
        size=st.integers(1, 300),
        kind=st.sampled_from(list(OrderType)),
        increment=st.sampled_from(["1", "0.5"]),
    )
    def create(self, side: int, size: int, kind: OrderType, increment: str) -> None:
        prices_by_kind: dict[str, dict[str, object]] = {
            "market": {},
            "market_on_close": {},
            "limit": {"limit": "100"},
            "stop": {"stop": "100"},
            "stop_limit": {"stop": "100", "limit": "101"},
            "trailing_stop": {"trail_percent": "0.05"},
            "trailing_stop_limit": {"trail_amount": "2", "limit_offset": "0.5"},
        }
        asset = Asset("XYZ", quantity_increment=increment)
        self.initial = DecimalOrder(T0, asset, side * size, kind, **prices_by_kind[kind])
        self.order = self.initial
        self.live = {}
        self.first = {}
        self.anonymous = 0

    def attempt(self, event: Event) -> bool:
        """Apply ``event``; on refusal check nothing changed. True if applied."""
        before = self.order
        history, filled = before.history, before.filled
        try:
            after = apply(before, event)
        except OrderError:
            assert self.order == before
            assert (before.history, before.filled) == (history, filled)
            return False
        rule = _RULES[type(event)][before.status]
        assert rule is not None
        if after is not before:
            assert after.status in rule.status.targets(before.status)
        self.order = after
        return True

    @rule(quantity=st.integers(1, 120), price=prices, commission=commissions, fill_id=FILL_IDS)
    def fill(self, quantity: int, price: Decimal, commission: Decimal, fill_id: str | None) -> None:
        order = self.order
        remaining = order.remaining.copy_abs()
        event = Fill(quantity, price, commission, fill_id=fill_id)
        known = fill_id is not None and fill_id in self.first
        repeat = known and self.first[fill_id] == (event.quantity, price, commission)
        applied = self.attempt(event)
        if repeat:
            assert self.order is order
            return
        if applied:
            assert not known
            assert order.status not in (FILLED, REJECTED)
            assert event.quantity <= remaining
            key: object = fill_id if fill_id is not None else ("anonymous", self.anonymous)
            self.anonymous += 1
            self.live[key] = (event.quantity, price, commission)
            if fill_id is not None:
                self.first[fill_id] = (event.quantity, price, commission)
        elif Decimal(quantity) > remaining and not known and order.status not in (
            FILLED,
            REJECTED,
        ):
            try:
                apply(order, event)
            except InvalidQuantityError:
                pass
            else:
                raise AssertionError("an overfill was accepted")

    @rule(fill_id=FILL_IDS.filter(bool), quantity=st.none() | st.integers(1, 120),
          price=st.none() | prices, commission=st.none() | commissions)
    def correct(
        self, fill_id: str, quantity: int | None, price: Decimal | None,
        commission: Decimal | None,
    ) -> None:
        if quantity is None and price is None and commission is None:
            return
        if self.attempt(FillCorrection(fill_id, quantity, price, commission)):
            old = self.live[fill_id]
            self.live[fill_id] = (
                old[0] if quantity is None else Decimal(quantity),
                old[1] if price is None else price,
                old[2] if commission is None else commission,
            )

    @rule(fill_id=FILL_IDS.filter(bool))
    def bust(self, fill_id: str) -> None:
        if self.attempt(FillBust(fill_id)):
            self.live.pop(fill_id, None)

    @rule(event=st.sampled_from([Trigger(T0), Hold("h"), Release(), Cancel("c"), Reject("r"),
                                 Expire(T0 + timedelta(days=1))]))
    def other(self, event: Event) -> None:
        self.attempt(event)

    @rule(price=prices)
    def trade(self, price: Decimal) -> None:
        before = self.order
        self.order = check_triggers(before, price, T0)
        if self.order.status is not before.status:
            assert (before.status, self.order.status) == (OPEN, TRIGGERED)

    @rule(open_=prices, close=prices, spread=st.decimals(0, 20, places=2))
    def bar(self, open_: Decimal, close: Decimal, spread: Decimal) -> None:
        low = max(min(open_, close) - spread, Decimal(0))
        bar = Bar(open_, max(open_, close) + spread, low, close)
        self.order = check_triggers_bar(self.order, bar, T0)

    @rule(size=st.integers(1, 300))
    def amend(self, size: int) -> None:
        self.attempt(Amend(amount=self.order.direction * size))

    @invariant()
    def quantities_stay_in_bounds_and_signed(self) -> None:
        order = self.order
        assert 0 <= order.filled.copy_abs() <= order.amount.copy_abs()
        assert order.filled == 0 or (order.filled > 0) == (order.amount > 0)
        assert order.remaining == order.amount - order.filled

    @invariant()
    def totals_equal_the_direct_sums_over_live_fills(self) -> None:
        order = self.order
        context = decimal.Context(prec=100)
        quantity = sum((q for q, _, _ in self.live.values()), Decimal(0))
        assert order.filled == order.direction * quantity
        assert order.notional == context.create_decimal(
            sum((context.multiply(q, p) for q, p, _ in self.live.values()), Decimal(0))
        )
        assert order.commission == sum((c for _, _, c in self.live.values()), Decimal(0))

    @invariant()
    def average_lies_between_the_live_prices(self) -> None:
        average = self.order.filled_price
        if average is None:
            assert not self.live
            return
        live_prices = [p for _, p, _ in self.live.values()]
        assert min(live_prices) <= average <= max(live_prices)

    @invariant()
    def status_agrees_with_quantities(self) -> None:
        order = self.order
        if order.status in (OPEN, HELD, TRIGGERED):
            assert order.filled == 0
        elif order.status is PARTIALLY_FILLED:
            assert 0 < order.filled.copy_abs() < order.amount.copy_abs()
        elif order.status is FILLED:
            assert order.filled == order.amount

    @invariant()
    def the_history_folds_back_into_the_order(self) -> None:
        assert reduce(apply, self.order.history, self.initial) == self.order


OrderLifecycle.TestCase.settings = settings(max_examples=150, stateful_step_count=40,
                                            deadline=None)
TestOrderLifecycle = OrderLifecycle.TestCase
