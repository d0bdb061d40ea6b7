"""A stateful machine over a book of brackets and OCO groups under venue behaviour.

Steps: brackets (built by the library or backtrader-style, with only a parent
on the legs; per-leg validity; either arming), OCO groups of 2 to 5 members in either mode,
manual orders of either side, reduce-only exits (alone or as OCO groups, mostly
on the side that reduces the position), closing the position,
fills on any working order (exit fills while the entry works, late fills on
cancelled entries, fills attempted on dormant legs), late fills on any
cancelled order, busts and corrections of any live fill, amendments of
amounts and of the prices of any active order, cancels, holds, trade prices,
bars, the clock, and releasing finished orders.

After every step it checks, for every bracket, the rule the book promises
(rule 1 of docs/linked-orders.md): with P = entry filled - exit fills, capped
by the bracket's share of the position (P_eff, shared out oldest exit first),
while P_eff > 0 some exit leg is active and every active leg has exactly P_eff
left; while P_eff = 0 and the entry works the legs are dormant; otherwise no leg
works. It checks that the book's position is the net of every fill, released
orders' included, and that the working exits of the asset never work for more
than the position (a bracket and an OCO group count once). It also
checks that no two members of a cancel-mode OCO group both filled while they
worked, that the
derived consequences, applied after the asked event, rebuild the new book, and
that the price indexes find exactly the orders a full scan would move (for a
trade and for a bar), and
that a release takes out exactly the whole finished groups. Every book it
reaches passes the check a loaded book goes through (links.check_book, state
checks included) and loads from its document as an equal book: the load
refuses no state a live book reaches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orders import (
    ACTIVE_STATUSES,
    ORDER_STATUS,
    Amend,
    Bar,
    BookResult,
    BracketOrder,
    Cancel,
    DecimalOrder,
    Event,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    LimitOrder,
    LinkedOrderError,
    LinkMode,
    OrderBook,
    OrderError,
    StopOrder,
    TrailingStopOrder,
    bracket_orders,
    check_triggers,
    check_triggers_bar,
    dumps,
    loads,
)
from orders.book import Submit
from orders.book.rules import Arming, check_book, link_group
from orders.statuses import ACTIVE_STATUSES as ACTIVE
from tests.support import rebuilt

T0 = datetime(2024, 1, 15, 9, 30)
HELD = ORDER_STATUS.HELD
FILLED_WHILE_WORKING = (ORDER_STATUS.FILLED, ORDER_STATUS.PARTIALLY_FILLED)
LEVELS = [Decimal(level) for level in (89, 90, 91, 99, 100, 101, 109, 110, 111)]
prices = st.sampled_from(LEVELS) | st.decimals(min_value=80, max_value=120, places=1)
validity = st.none() | st.integers(1, 10)
SHARING_RULES = ("exits_fit_the_position", "nothing_left_to_protect", "close_position")


def check_audit(before: OrderBook, result: BookResult) -> None:
    """Every derived event names its cause, and the new book keeps that cause at
    the step the event made (unless a later market update took its place); no
    cause outlives its step, and each names a step that exists."""
    causes = {(derived.order_id, _made(derived.event)): derived.cause
              for derived in result.derived}
    assert None not in causes.values()
    for order_id in {derived.order_id for derived in result.derived}:
        order = result.book[order_id]
        assert max(result.book.causes.get(order_id, {0: None})) <= len(order.history)
        for step in result.book.explain(order_id):
            key = (order_id, _made(step.event))
            if key in causes:
                assert step.cause == causes[key]
            if step.cause is not None and step.cause.order_id is not None:
                assert step.because is not None or step.cause.order_id not in result.book


def _made(event: object) -> int | None:
    """What a step is known by: its event, or None for a creation."""
    return None if event is None or isinstance(event, Submit) else id(event)


class BookMachine(RuleBasedStateMachine):
    book: OrderBook
    entries: list[str]
    groups: list[tuple[tuple[str, ...], LinkMode]]
    clock: datetime

    @initialize()
    def start(self) -> None:
        self.book = OrderBook()
        self.entries = []
        self.groups = []
        self.clock = T0
        self.count = 0
        self.released_fills = Decimal(0)

    def new_ids(self, count: int) -> tuple[str, ...]:
        self.count += 1
        return tuple(f"{self.count}-{part}" for part in range(count))

    def until(self, minutes: int | None) -> datetime | None:
        return None if minutes is None else self.clock + timedelta(minutes=minutes)

    def record(
        self,
        result: BookResult,
        asked: tuple[str, Event] | None = None,
        added: tuple[DecimalOrder, ...] = (),
    ) -> None:
        """Check that the asked event then the derived ones rebuild the new book; keep it."""
        for derived in result.derived:
            event(f"derived {type(derived.event).__name__}")
            if derived.cause is not None and derived.cause.rule in SHARING_RULES:
                event(f"derived by {derived.cause.rule}")
        assert rebuilt(self.book, result, asked, added) == dict(result.book.orders)
        check_audit(self.book, result)
        self.book = result.book

    def attempt(self, order_id: str, event: Event) -> None:
        """Apply the host's event; a refusal must be an OrderError."""
        try:
            result = self.book.apply(order_id, event)
        except OrderError:
            return
        self.record(result, (order_id, event))

    @rule(long=st.booleans(), size=st.integers(1, 50), limit_entry=st.booleans(),
          mode=st.sampled_from(list(LinkMode)), arming=st.sampled_from(list(Arming)),
          entry_valid=validity,
          stop_valid=validity, manual=st.booleans(), trail=st.sampled_from([None, 1, 3]))
    def place_bracket(self, long: bool, size: int, limit_entry: bool, mode: LinkMode,
                      arming: Arming, entry_valid: int | None, stop_valid: int | None,
                      manual: bool, trail: int | None) -> None:
        entry = LimitOrder(100) if limit_entry else StopOrder(101 if long else 99)
        stop_loss, take_profit = (90, 110) if long else (110, 90)
        trailing = None if trail is None else TrailingStopOrder(trail_amount=trail)
        manual = manual and trailing is None
        ids = self.new_ids(3)
        orders = bracket_orders(
            self.clock, "XYZ", size if long else -size,
            BracketOrder(entry, stop_loss, take_profit, stop_loss_trail=trailing), ids=ids,
            valid_until=self.until(entry_valid), stop_loss_valid_until=self.until(stop_valid),
        )
        if manual:  # backtrader's manual bracket: OPEN legs naming only their parent
            main, *legs = orders
            orders = (main, *(
                DecimalOrder(self.clock, "XYZ", leg.amount, stop=leg.stop, limit=leg.limit,
                             id=leg.id, parent_order_id=main.id, valid_until=leg.valid_until)
                for leg in legs
            ))
        self.record(self.book.submit(*orders, link_mode=mode, arming=arming), added=orders)
        self.entries.append(ids[0])

    @rule(members=st.integers(2, 5), size=st.integers(1, 50),
          mode=st.sampled_from(list(LinkMode)), valid=validity)
    def place_oco_group(self, members: int, size: int, mode: LinkMode,
                        valid: int | None) -> None:
        ids = self.new_ids(members)
        legs = tuple(
            DecimalOrder(self.clock, "XYZ", -size, limit=110 + index, id=leg_id,
                         linked_order_ids=tuple(other for other in ids if other != leg_id),
                         valid_until=self.until(valid))
            for index, leg_id in enumerate(ids)
        )
        self.record(self.book.submit(*legs, link_mode=mode), added=legs)
        self.groups.append((ids, mode))

    @rule(size=st.integers(1, 60), buy=st.booleans(), market=st.booleans())
    def manual_order(self, size: int, buy: bool, market: bool) -> None:
        """A host's own order, outside any link: filled later by the fill rule."""
        (order_id,) = self.new_ids(1)
        order = DecimalOrder(self.clock, "XYZ", size if buy else -size,
                             limit=None if market else 100, id=order_id)
        self.record(self.book.submit(order), added=(order,))

    @rule(members=st.integers(1, 3), size=st.integers(1, 60),
          mode=st.sampled_from(list(LinkMode)), reducing=st.integers(0, 4))
    def place_reduce_only(self, members: int, size: int, mode: LinkMode, reducing: int) -> None:
        """Reduce-only exits, alone or as an OCO group: mostly on the side that reduces
        the position, sometimes on the other (which the book cancels)."""
        position = self.book.net_position("XYZ")
        sells = position > 0 if reducing else position <= 0
        ids = self.new_ids(members)
        legs = tuple(
            DecimalOrder(self.clock, "XYZ", -size if sells else size,
                         limit=(110 + index) if sells else (90 - index), id=leg_id,
                         linked_order_ids=tuple(other for other in ids if other != leg_id)
                         if members > 1 else ())
            for index, leg_id in enumerate(ids)
        )
        event(f"reduce-only {'group' if members > 1 else 'order'}")
        self.record(self.book.submit(*legs, link_mode=mode, reduce_only=True), added=legs)
        if members > 1:
            self.groups.append((ids, mode))

    @rule()
    def close_out(self) -> None:
        (order_id,) = self.new_ids(1)
        result = self.book.close_position("XYZ", self.clock, id=order_id)
        event("close_position" if result.derived else "close_position when flat")
        self.record(result)
        if result.derived:
            assert self.book[order_id].remaining == -self.book.net_position("XYZ")

    @rule(data=st.data(), price=prices, role=st.sampled_from(["entry", "exit leg", "member"]))
    def fill(self, data: st.DataObject, price: Decimal, role: str) -> None:
        """A venue fill on a working order, or a late one on a cancelled entry."""
        candidates = sorted(
            order.id for order in self.book.orders.values()
            if order.remaining and self.role_of(order) == role and (
                order.open or (role == "entry" and order.status is ORDER_STATUS.CANCELLED)
            )
        )
        if not candidates:
            return
        order = self.book[data.draw(st.sampled_from(candidates))]
        quantity = data.draw(st.integers(1, int(order.remaining.copy_abs())))
        fill = Fill(quantity, price, dt=self.clock,
                    fill_id=f"f{self.count}-{order.id}-{len(order.history)}")
        if order.status is HELD and self.never_traded(order):
            try:
                self.book.apply(order.id, fill)
            except LinkedOrderError:
                event("fill refused on a dormant leg")
                return
            raise AssertionError(f"a fill on dormant leg {order.id} was accepted")
        event(self.kind_of_fill(order))
        self.record(self.book.apply(order.id, fill), (order.id, fill))
        if self.role_of(order) == "member" and self.book[order.id].remaining:
            assert self.book[order.id].open, f"member {order.id} was cancelled by its own fill"

    def role_of(self, order: DecimalOrder) -> str:
        if order.id in self.entries:
            return "entry"
        return "exit leg" if order.parent_order_id is not None else "member"

    def kind_of_fill(self, order: DecimalOrder) -> str:
        role = self.role_of(order)
        if role != "exit leg":
            return f"{role} fill" if order.open else f"late {role} fill"
        if order.status is HELD:
            return "fill on a leg made dormant by a bust"
        working = self.book[order.parent_order_id].open  # type: ignore[index]
        return "exit fill while the entry works" if working else "exit fill"

    def never_traded(self, leg: DecimalOrder) -> bool:
        entry = self.book[leg.parent_order_id] if leg.parent_order_id else None
        return entry is not None and not any(type(e) is Fill for e in entry.history)

    @rule(data=st.data(), correct=st.booleans())
    def bust_or_correct(self, data: st.DataObject, correct: bool) -> None:
        live = sorted(
            (order.id, fill_id) for order in self.book.orders.values()
            for fill_id, (_, fill) in order.fills.items() if fill is not None
        )
        if not live:
            return
        order_id, fill_id = data.draw(st.sampled_from(live))
        order = self.book[order_id]
        event(f"{'correction' if correct else 'bust'} of a fill of an {self.role_of(order)}")
        if not correct:
            self.record(self.book.apply(order_id, FillBust(fill_id)),
                        (order_id, FillBust(fill_id)))
            return
        current = order.fills[fill_id][1]
        assert current is not None
        room = order.amount.copy_abs() - order.filled.copy_abs() + current.quantity
        correction = FillCorrection(fill_id, quantity=data.draw(st.integers(1, int(room))))
        self.attempt(order_id, correction)

    @rule(data=st.data(), size=st.integers(1, 60))
    def amend(self, data: st.DataObject, size: int) -> None:
        if not self.book.orders:
            return
        order = self.book[data.draw(st.sampled_from(sorted(self.book.orders)))]
        if order.linked_order_ids and order.parent_order_id is None:
            return  # the OCO invariant below counts on the members' original size
        self.attempt(order.id, Amend(amount=size if order.is_buy else -size))

    @rule(data=st.data(), price=prices)
    def late_fill(self, data: st.DataObject, price: Decimal) -> None:
        """A venue fill on any cancelled order: a fact, recorded or refused by a guard."""
        candidates = sorted(order.id for order in self.book.orders.values()
                            if order.status is ORDER_STATUS.CANCELLED and order.remaining)
        if not candidates:
            return
        order = self.book[data.draw(st.sampled_from(candidates))]
        quantity = data.draw(st.integers(1, int(order.remaining.copy_abs())))
        event(f"late {self.role_of(order)} fill")
        self.attempt(order.id, Fill(quantity, price, dt=self.clock,
                                    fill_id=f"late{self.count}-{order.id}-{len(order.history)}"))

    @rule(data=st.data(), price=prices, stop=st.booleans())
    def amend_price(self, data: st.DataObject, price: Decimal, stop: bool) -> None:
        """The host moves a stop or a limit of any active order, HELD legs included;
        the links may refuse it."""
        priced = sorted(order.id for order in self.book.orders.values()
                        if order.status in ACTIVE_STATUSES
                        and (order.stop if stop else order.limit) is not None)
        if not priced:
            return
        order_id = data.draw(st.sampled_from(priced))
        self.attempt(order_id, Amend(stop=price) if stop else Amend(limit=price))

    @rule(data=st.data(), hold=st.booleans())
    def cancel_or_hold(self, data: st.DataObject, hold: bool) -> None:
        if not self.book.orders:
            return
        order_id = data.draw(st.sampled_from(sorted(self.book.orders)))
        self.attempt(order_id, Hold("host") if hold else Cancel("host"))

    @rule(price=prices)
    def trade(self, price: Decimal) -> None:
        result = self.book.on_price("XYZ", price, self.clock)
        self.record_market(result, lambda order: check_triggers(order, price, self.clock))

    @rule(data=st.data())
    def bar(self, data: st.DataObject) -> None:
        low, high = sorted(data.draw(st.lists(prices, min_size=2, max_size=2)))
        open_, close = (data.draw(st.sampled_from([low, high, (low + high) / 2]))
                        for _ in range(2))
        bar = Bar(open_, high, low, close)
        result = self.book.on_bar("XYZ", bar, self.clock)
        self.record_market(result, lambda order: check_triggers_bar(order, bar, self.clock))

    def record_market(
        self, result: BookResult, move: Callable[[DecimalOrder], DecimalOrder]
    ) -> None:
        """Check that the indexes found what a scan of every order finds; keep the book."""
        scanned = {order_id: move(order) for order_id, order in self.book.orders.items()}
        assert dict(result.book.orders) == scanned
        self.record(result)

    @rule(minutes=st.integers(1, 5))
    def tick(self, minutes: int) -> None:
        self.clock += timedelta(minutes=minutes)
        self.record(self.book.on_time(self.clock))

    @rule(minutes=st.integers(0, 30))
    def release(self, minutes: int) -> None:
        before = self.clock - timedelta(minutes=minutes)
        result = self.book.release(before)
        gone = {order.id for order in result.orders}
        for order in self.book.orders.values():
            whole_group = link_group(self.book, order.id)
            qualifies = all(
                not self.book[member].open and self.book[member].dt < before
                for member in whole_group
            )
            assert (order.id in gone) == qualifies, f"{order.id} released: {order.id in gone}"
        event(f"released {len(gone)}")
        kept = result.book
        assert dict(kept.orders) == {k: v for k, v in self.book.orders.items() if k not in gone}
        assert dict(kept.link_modes) == {
            k: v for k, v in self.book.link_modes.items() if k not in gone
        }
        assert dict(kept.brackets) == {k: v for k, v in self.book.brackets.items() if k not in gone}
        check_book(kept)
        self.released_fills += sum((order.filled for order in result.orders), Decimal(0))
        self.book = kept
        self.entries = [entry for entry in self.entries if entry not in gone]
        self.groups = [group for group in self.groups if group[0][0] not in gone]

    def bracket_position(self, entry_id: str) -> Decimal:
        exited = sum((leg.filled.copy_abs() for leg in self.book.children(entry_id)), Decimal(0))
        return self.book[entry_id].filled.copy_abs() - exited

    def shares(self) -> dict[str, Decimal]:
        """P_eff of each bracket: the position shared out oldest exit first (a
        bracket that arms wants P; a reduce-only group or order its largest working
        remaining), nothing to those on the side that would add to it."""
        position = self.book.net_position("XYZ")
        wanted: list[tuple[tuple[datetime, str], str, bool, Decimal]] = []
        for entry_id in self.entries:
            entry, bracket = self.book[entry_id], self.book.brackets[entry_id]
            p = self.bracket_position(entry_id)
            arms = p > 0 and (bracket.arming is Arming.FIRST_FILL or not entry.open)
            want = p if arms and not bracket.withdrawn else Decimal(0)
            wanted.append(((entry.created, entry_id), entry_id, not entry.is_buy, want))
        for key, members in self.working_reduce_only().items():
            first = min((order.created, order.id) for order in members)
            want = max(order.remaining.copy_abs() for order in members)
            wanted.append((first, key, members[0].is_buy, want))
        left, shares = abs(position), {}
        for _, key, buys, want in sorted(wanted):
            share = min(want, left) if position and buys == (position < 0) else Decimal(0)
            left -= share
            shares[key] = share
        return shares

    def working_reduce_only(self) -> dict[str, list[DecimalOrder]]:
        """The working reduce-only orders, by their group's first member (or their id)."""
        found: dict[str, list[DecimalOrder]] = {}
        for order_id in self.book.reduce_only:
            order = self.book[order_id]
            if order.status in ACTIVE and order.status is not HELD:
                key = min((order.id, *order.linked_order_ids))
                found.setdefault(key, []).append(order)
        return found

    @invariant()
    def the_position_is_the_net_of_every_fill(self) -> None:
        held = sum((order.filled for order in self.book.orders.values()), Decimal(0))
        assert self.book.net_position("XYZ") == held + self.released_fills

    @invariant()
    def exits_never_work_for_more_than_the_position(self) -> None:
        position = self.book.net_position("XYZ")
        exits = [list(members) for members in self.working_reduce_only().values()]
        exits += [[leg for leg in self.book.children(entry_id)
                   if leg.open and leg.status is not HELD] for entry_id in self.entries]
        reducing = adding = Decimal(0)
        for orders in (found for found in exits if found):
            quantity = max(order.remaining.copy_abs() for order in orders)
            if position and orders[0].is_buy == (position < 0):
                reducing += quantity
            else:
                adding += quantity
        assert reducing <= abs(position), f"exits work for {reducing} of a position {position}"
        assert not adding, f"exits work for {adding} on the side that adds to {position}"

    @invariant()
    def every_bracket_covers_its_position(self) -> None:
        shares = self.shares()
        for entry_id in self.entries:
            entry = self.book[entry_id]
            legs = self.book.children(entry_id)
            raw = self.bracket_position(entry_id)
            arms_late = self.book.brackets[entry_id].arming is Arming.ENTRY_FILLED
            arms = raw > 0 and (not arms_late or not entry.open)
            position = min(raw, shares[entry_id]) if arms else raw
            active = [leg for leg in legs if leg.open and leg.status is not HELD]
            dormant = [leg for leg in legs if leg.status is HELD]
            name = f"bracket {entry_id} (P = {raw}, P_eff = {position})"
            if self.book.brackets[entry_id].withdrawn:
                assert not active, f"{name}: withdrawn, but legs work"
                assert not dormant, f"{name}: withdrawn, but legs are dormant"
                assert not entry.open, f"{name}: withdrawn, but its entry works"
            elif raw > 0 and arms_late and entry.open:
                assert not active, f"{name}: legs work before the entry has filled"
                assert all(leg.amount == -entry.amount for leg in dormant), (
                    f"{name}: dormant legs are not sized to the entry"
                )
            elif position > 0:
                assert active, f"{name}: a position with no active exit leg"
                assert not dormant, f"{name}: a position with dormant legs"
                assert all(leg.remaining.copy_abs() == position for leg in active), (
                    f"{name}: exit legs do not cover the position"
                )
            elif entry.open:
                assert not active, f"{name}: legs work before the entry has filled"
                assert all(leg.amount == -entry.amount for leg in dormant), (
                    f"{name}: dormant legs are not sized to the entry"
                )
            else:
                assert not active, f"{name}: legs work with nothing to protect"
                assert not dormant, f"{name}: legs wait with nothing to protect"

    @invariant()
    def the_book_would_load_again(self) -> None:
        check_book(self.book)
        assert loads(dumps(self.book), OrderBook) == self.book

    @invariant()
    def one_cancels_other_members_never_both_fill_while_working(self) -> None:
        """A late fill leaves its cancelled member CANCELLED, so at most one member
        of a cancel-mode group is FILLED or PARTIALLY_FILLED."""
        for members, mode in self.groups:
            statuses = [self.book[member].status for member in members]
            if mode is LinkMode.CANCEL:
                assert sum(1 for status in statuses if status in FILLED_WHILE_WORKING) <= 1, (
                    f"cancel-mode group {members} has several members that filled while working"
                )


# 100 runs here; benchmarks/long_properties.py runs thousands of longer ones.
BookMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
TestBookMachine = BookMachine.TestCase
