"""A stateful machine over a book holding several brackets and OCO pairs.

After every step it checks the linking invariants of the book issue: legs of
a one-cancels-other pair are never both filled, one-updates-other legs never
fill more together than the pair's amount, a bracket child never holds more
than its entry filled and is never active under an entry that has not filled,
the derived events rebuild the new book from the old one, and the price
indexes find exactly the orders a full scan would move.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orders import (
    ORDER_STATUS,
    BookResult,
    Cancel,
    DecimalOrder,
    Event,
    Fill,
    LimitOrder,
    LinkMode,
    OCOOrder,
    OrderBook,
    OrderError,
    StopOrder,
    apply,
    bracket_orders,
    check_triggers,
    oco_orders,
)
from orders.styles import BracketOrder

ACTIVE = {ORDER_STATUS.OPEN, ORDER_STATUS.TRIGGERED, ORDER_STATUS.PARTIALLY_FILLED}
T0 = datetime(2024, 1, 15, 9, 30)
LEVELS = [Decimal(level) for level in (89, 90, 91, 99, 100, 101, 109, 110, 111)]
prices = st.sampled_from(LEVELS) | st.decimals(min_value=80, max_value=120, places=1)


class BookMachine(RuleBasedStateMachine):
    book: OrderBook
    pairs: list[tuple[str, str, LinkMode, Decimal]]
    brackets: list[tuple[str, str, str]]
    clock: datetime

    @initialize()
    def start(self) -> None:
        self.book = OrderBook()
        self.pairs = []
        self.brackets = []
        self.clock = T0
        self.count = 0

    def new_ids(self, count: int) -> tuple[str, ...]:
        self.count += 1
        return tuple(f"{self.count}-{part}" for part in range(count))

    def record(
        self,
        before: OrderBook,
        result: BookResult,
        asked: tuple[str, Event] | None,
        added: tuple[DecimalOrder, ...] = (),
    ) -> None:
        orders = {**before.orders, **{order.id: order for order in added}}
        if asked is not None:
            orders[asked[0]] = apply(orders[asked[0]], asked[1])
        for derived in result.derived:
            orders[derived.order_id] = apply(orders[derived.order_id], derived.event)
        assert orders == dict(result.book.orders)
        self.book = result.book

    @rule(long=st.booleans(), size=st.integers(1, 50), limit_entry=st.booleans(),
          valid=st.none() | st.integers(1, 10))
    def place_bracket(self, long: bool, size: int, limit_entry: bool, valid: int | None) -> None:
        entry = LimitOrder(100) if limit_entry else StopOrder(101 if long else 99)
        stop_loss, take_profit = (90, 110) if long else (110, 90)
        ids = self.new_ids(3)
        orders = bracket_orders(
            self.clock, "XYZ", size if long else -size, BracketOrder(entry, stop_loss, take_profit),
            ids=ids,  # type: ignore[arg-type]
            valid_until=None if valid is None else self.clock + timedelta(minutes=valid),
        )
        self.record(self.book, self.book.submit(*orders), None, orders)
        self.brackets.append(ids)  # type: ignore[arg-type]

    @rule(size=st.integers(1, 50), mode=st.sampled_from(list(LinkMode)))
    def place_oco(self, size: int, mode: LinkMode) -> None:
        first, second = self.new_ids(2)
        legs = oco_orders(self.clock, "XYZ", -size, OCOOrder(LimitOrder(110), StopOrder(90)),
                          ids=(first, second))
        self.record(self.book, self.book.submit(*legs, link_mode=mode), None, legs)
        self.pairs.append((first, second, mode, Decimal(size)))

    @rule(data=st.data(), price=prices)
    def fill(self, data: st.DataObject, price: Decimal) -> None:
        live = sorted(o.id for o in self.book.orders.values() if o.status in ACTIVE)
        if not live:
            return
        order = self.book[data.draw(st.sampled_from(live))]
        quantity = data.draw(st.integers(1, int(order.remaining.copy_abs())))
        event = Fill(quantity, price, dt=self.clock)
        self.record(self.book, self.book.apply(order.id, event), (order.id, event))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if not self.book.orders:
            return
        order_id = data.draw(st.sampled_from(sorted(self.book.orders.keys())))
        event = Cancel("host")
        try:
            result = self.book.apply(order_id, event)
        except OrderError:
            return
        self.record(self.book, result, (order_id, event))

    @rule(price=prices)
    def trade(self, price: Decimal) -> None:
        result = self.book.on_price("XYZ", price, self.clock)
        scanned = {
            order_id: check_triggers(order, price, self.clock)
            for order_id, order in self.book.orders.items()
        }
        assert dict(result.book.orders) == scanned
        self.record(self.book, result, None)

    @rule(minutes=st.integers(1, 5))
    def tick(self, minutes: int) -> None:
        self.clock += timedelta(minutes=minutes)
        self.record(self.book, self.book.on_time(self.clock), None)

    @invariant()
    def one_cancels_other_legs_are_never_both_filled(self) -> None:
        for first, second, mode, size in self.pairs:
            filled = [self.book[leg].filled.copy_abs() for leg in (first, second)]
            if mode is LinkMode.CANCEL:
                assert min(filled) == 0
            else:
                assert sum(filled) <= size

    @invariant()
    def bracket_children_follow_their_entry(self) -> None:
        for main, stop, limit in self.brackets:
            entry = self.book[main]
            for child_id in (stop, limit):
                child = self.book[child_id]
                assert child.filled.copy_abs() <= entry.filled.copy_abs()
                if not entry.filled:
                    assert child.status in (ORDER_STATUS.HELD, ORDER_STATUS.CANCELLED)
            assert sum(self.book[c].filled.copy_abs() for c in (stop, limit)) <= (
                entry.filled.copy_abs()
            )


BookMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
TestBookMachine = BookMachine.TestCase
