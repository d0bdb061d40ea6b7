"""The book's linking rules (orders.links): every rule, and each reported failure.

A bracket's open position P is |entry filled| - |fills of its exit legs|. The
rule set says: while P > 0 at least one exit leg is active and every active
leg's remaining quantity is P; while P = 0 and the entry can fill, the legs are
dormant; once the entry has ended with P = 0 they are cancelled.
"""

import json
import re
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orders import (
    ORDER_STATUS,
    Amend,
    Asset,
    BadOrderParameters,
    BookResult,
    BracketOrder,
    Cancel,
    DecimalOrder,
    Derived,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    LimitOrder,
    LinkedOrderError,
    MarketOrder,
    OCOOrder,
    OrderBook,
    PriceUpdate,
    Reject,
    Release,
    StopLimitOrder,
    StopOrder,
    TrailingStopOrder,
    Trigger,
    UnknownOrderError,
    bracket_orders,
    buy_bracket,
    dumps,
    loads,
    oco_orders,
    sell_bracket,
)
from orders.book.audit import Cause
from orders.book.orderbook import BookBuilder
from orders.book.rules import links_markdown
from orders.io.documents import FORMAT_VERSION, SerializationError
from orders.order.machine import apply
from tests.support import rebuilt

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL")
ACTIVE = (OPEN, TRIGGERED, PARTIALLY_FILLED)


def bracket(mode: str | None = None, size: int = 100, **keywords: object) -> OrderBook:
    orders = buy_bracket(T0, AAPL, size, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"), **keywords)  # type: ignore[arg-type]
    return OrderBook().submit(*orders, link_mode=mode).book


def position(book: OrderBook, entry: str = "m") -> Decimal:
    exits = sum((leg.filled.copy_abs() for leg in book.children(entry)), Decimal(0))
    return book[entry].filled.copy_abs() - exits


def check_rule_1(book: OrderBook, entry: str = "m") -> None:
    """The headline promise, checked the same way as the stateful machine does."""
    p = position(book, entry)
    legs = book.children(entry)
    active = [leg for leg in legs if leg.status in ACTIVE]
    dormant = [leg for leg in legs if leg.status is HELD]
    if p > 0:
        assert active, "a position with no active exit leg"
        assert not dormant
        assert all(leg.remaining.copy_abs() == p for leg in active)
    elif book[entry].open:
        assert not active
    else:
        assert not active
        assert not dormant


def replays(before: OrderBook, result: BookResult, asked: tuple[str, Event] | None) -> bool:
    return rebuilt(before, result, asked) == dict(result.book.orders)


def step(book: OrderBook, order_id: str, event: Event) -> OrderBook:
    result = book.apply(order_id, event)
    assert replays(book, result, (order_id, event))
    return result.book


# The reproductions of the issue, one test each.


def test_an_exit_fill_while_the_entry_works_stops_entering_and_a_late_fill_rearms() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    exited = book.apply("s", Fill(40, 95))
    assert exited.book["m"].status is CANCELLED  # rule 3: the remainder is cancelled
    exiting = Cause("exiting_stops_entering", "s", 3)  # held, released, filled
    stop = Cancel("bracket m is exiting: exit leg s filled")
    assert Derived("m", stop, exiting) in exited.derived
    assert exited.book["l"].status is CANCELLED  # nothing left to protect
    check_rule_1(exited.book)
    late = exited.book.apply("m", Fill(60, 100))  # the cancel raced a fill
    assert [(d.order_id, type(d.event).__name__) for d in late.derived] == [
        ("s.2", "Submit"), ("l.2", "Submit"),
    ]
    assert replays(exited.book, late, ("m", Fill(60, 100)))
    new_stop, new_limit = late.book["s.2"], late.book["l.2"]
    assert (new_stop.status, new_stop.amount, new_stop.stop, new_stop.order_type) == (
        OPEN, -60, 95, "stop",
    )
    assert (new_limit.status, new_limit.amount, new_limit.limit) == (OPEN, -60, 110)
    assert new_stop.parent_order_id == new_limit.parent_order_id == "m"
    assert (new_stop.linked_order_ids, new_limit.linked_order_ids) == (("l.2",), ("s.2",))
    assert [leg.id for leg in late.book.children("m")] == ["s", "l", "s.2", "l.2"]
    assert [leg.id for leg in late.book.siblings("s.2")] == ["l.2"]
    check_rule_1(late.book)


def test_busting_the_entry_fill_makes_the_legs_dormant_again() -> None:
    book = step(bracket(), "m", Fill(40, 100, fill_id="f1"))
    busted = book.apply("m", FillBust("f1"))
    assert replays(book, busted, ("m", FillBust("f1")))
    assert [(leg.status, leg.amount) for leg in busted.book.children("m")] == [
        (HELD, -100), (HELD, -100),
    ]
    check_rule_1(busted.book)
    # The stop was working before the bust, so a venue may still fill it: the
    # fill is a fact, recorded; the bracket stops entering and stands down.
    raced = busted.book.apply("s", Fill(40, 95))
    assert replays(busted.book, raced, ("s", Fill(40, 95)))
    assert {o.id: (o.status, o.filled) for o in raced.book.orders.values()} == {
        "m": (CANCELLED, 0), "s": (CANCELLED, -40), "l": (CANCELLED, 0),
    }
    assert position(raced.book) == -40  # the account is short, and the book says so
    check_rule_1(raced.book)


def test_a_corrected_entry_fill_resizes_the_legs() -> None:
    book = step(bracket(), "m", Fill(40, 100, fill_id="f1"))
    corrected = step(book, "m", FillCorrection("f1", quantity=30))
    assert [leg.amount for leg in corrected.children("m")] == [-30, -30]
    check_rule_1(corrected)
    regrown = step(corrected, "m", FillCorrection("f1", quantity=45))
    assert [leg.amount for leg in regrown.children("m")] == [-45, -45]


def test_a_three_leg_oco_group_cancels_the_others_not_the_filled_leg() -> None:
    legs = [
        DecimalOrder(T0, AAPL, -10, limit=110, id="a", linked_order_ids=("b", "c")),
        DecimalOrder(T0, AAPL, -10, limit=120, id="b", linked_order_ids=("a", "c")),
        DecimalOrder(T0, AAPL, -10, stop=90, id="c", linked_order_ids=("a", "b")),
    ]
    book = OrderBook().submit(*legs).book
    result = book.apply("a", Fill(3, 110))
    assert {o.id: o.status for o in result.book.orders.values()} == {
        "a": PARTIALLY_FILLED, "b": CANCELLED, "c": CANCELLED,
    }
    assert replays(book, result, ("a", Fill(3, 110)))
    assert [o.id for o in result.book.siblings("a")] == ["b", "c"]


def test_a_self_link_is_refused() -> None:
    with pytest.raises(BadOrderParameters, match="order a links to itself"):
        OrderBook().submit(DecimalOrder(T0, AAPL, 1, id="a", linked_order_ids=("a",)))


def test_a_chain_of_links_is_refused_and_a_large_group_cancels_without_recursion() -> None:
    chain = [
        DecimalOrder(T0, AAPL, -1, limit=110, id=f"o{i}",
                     linked_order_ids=tuple(f"o{j}" for j in (i - 1, i + 1) if 0 <= j < 1000))
        for i in range(1000)
    ]
    with pytest.raises(BadOrderParameters, match="each link to all the others"):
        OrderBook().submit(*chain)
    ids = [f"o{i}" for i in range(300)]
    group = [
        DecimalOrder(T0, AAPL, -1, limit=110, id=order_id,
                     linked_order_ids=tuple(other for other in ids if other != order_id))
        for order_id in ids
    ]
    book = OrderBook().submit(*group).book
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        cancelled = book.cancel("o7").book
    finally:
        sys.setrecursionlimit(limit)
    assert {o.status for o in cancelled.orders.values()} == {CANCELLED}


def test_settle_runs_once_per_operation_and_is_never_reentered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    depth = [0]
    settle = BookBuilder.settle

    def counted(builder: BookBuilder, *direct: Any) -> None:
        depth[0] += 1
        calls.append(depth[0])
        try:
            settle(builder, *direct)
        finally:
            depth[0] -= 1

    book = step(bracket(), "m", Fill(40, 100))
    book = book.submit(DecimalOrder(T0, AAPL, -5, stop=96, id="x"),
                       DecimalOrder(T0, AAPL, -5, stop=97, id="y")).book
    monkeypatch.setattr(BookBuilder, "settle", counted)
    exited = book.apply("s", Fill(40, 95))  # cancels the entry and the other leg
    assert exited.book["l"].status is CANCELLED
    assert calls == [1]

    calls.clear()  # one price moving three orders, one of them a bracket's leg
    triggered = book.on_price(AAPL, 94, T0)
    assert [(d.order_id, type(d.event)) for d in triggered.derived] == [
        ("y", Trigger), ("x", Trigger), ("s", Trigger), ("m", PriceUpdate),
    ]
    assert calls == [1]

    end = T0 + timedelta(hours=1)  # one time expiring three orders, two of them an OCO pair
    timed = OrderBook().submit(
        DecimalOrder(T0, AAPL, -10, limit=110, id="a", linked_order_ids=("b",), valid_until=end),
        DecimalOrder(T0, AAPL, -10, stop=90, id="b", linked_order_ids=("a",), valid_until=end),
        DecimalOrder(T0, AAPL, 10, limit=90, id="c", valid_until=end),
    ).book
    calls.clear()
    expired = timed.on_time(end)
    # Each direct change settles before the next is made, as if each were an operation of
    # its own: a's expiry cancels b before b's own expiry comes up.
    clock = Cause("on_time")
    assert expired.derived == (
        Derived("a", Expire(end), clock),
        Derived("b", Cancel("linked order a ended"), Cause("ending_cancels_the_group", "a", 1)),
        Derived("c", Expire(end), clock),
    )
    assert calls == [1]


def test_a_fill_on_a_dormant_leg_before_the_entry_trades_is_refused() -> None:
    book = bracket()
    with pytest.raises(LinkedOrderError, match="no_fill_before_the_entry_trades"):
        book.apply("s", Fill(10, 95))
    assert book == bracket()


@pytest.mark.parametrize("event", [Cancel("user"), Reject("venue"), Expire(T0)])
def test_ending_a_dormant_leg_cancels_the_whole_bracket(event: object) -> None:
    book = bracket()
    result = book.apply("s", event)  # type: ignore[arg-type]
    assert {o.id: o.status for o in result.book.orders.values()} == {
        "m": CANCELLED, "s": REJECTED if isinstance(event, Reject) else CANCELLED,
        "l": CANCELLED,
    }
    assert replays(book, result, ("s", event))


def test_a_dormant_leg_expiring_by_its_own_validity_cancels_the_bracket() -> None:
    end = T0 + timedelta(hours=1)
    book = bracket(stopargs={"valid": end})
    assert book["s"].valid_until == end
    result = book.on_time(end)
    assert {o.status for o in result.book.orders.values()} == {CANCELLED}


@pytest.mark.parametrize("time_in_force", ["GTD", "DAY"])
def test_legs_keep_their_own_validity_and_outlive_the_entrys(time_in_force: str) -> None:
    session_end = T0.replace(hour=16)
    main, stop, limit = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                                    valid=session_end, ids=("m", "s", "l"))
    assert (main.valid_until, stop.time_in_force, limit.time_in_force) == (
        session_end, "GTC", "GTC",
    )
    if time_in_force == "DAY":
        main = DecimalOrder(T0, AAPL, 100, limit=100, id="m", time_in_force="DAY",
                            valid_until=session_end)
    book = OrderBook().submit(main, stop, limit).book
    book = book.apply("m", Fill(100, 100)).book
    after = book.on_time(session_end).book
    assert [(o.id, o.status) for o in after.children("m")] == [("s", OPEN), ("l", OPEN)]
    check_rule_1(after)


def test_children_given_only_a_parent_are_held_and_linked() -> None:
    entry = DecimalOrder(T0, AAPL, 100, limit=100, id="m")
    stop = DecimalOrder(T0, AAPL, -100, stop=95, id="s", parent_order_id="m")
    limit = DecimalOrder(T0, AAPL, -100, limit=110, id="l", parent_order_id="m")
    submitted = OrderBook().submit(entry, stop, limit)
    hold = Hold("bracket entry m has not filled")
    waits = Cause("legs_wait_for_the_entry", "m", 0)  # the entry's creation
    assert submitted.derived == (Derived("s", hold, waits), Derived("l", hold, waits))
    book = submitted.book
    priced = book.on_price(AAPL, 94, T0).book
    assert priced["s"].status is HELD  # the dormant stop does not trigger
    assert [o.id for o in book.siblings("s")] == ["l"]
    filled = book.apply("m", Fill(100, 100)).book
    done = filled.apply("l", Fill(100, 110)).book
    assert (done["s"].status, done["l"].status) == (CANCELLED, FILLED)


# Rule by rule.


def test_rule_1_entry_fills_release_and_grow_the_legs() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    assert [(o.status, o.amount) for o in book.children("m")] == [(OPEN, -40), (OPEN, -40)]
    book = step(book, "m", Fill(35, 100))
    assert [o.amount for o in book.children("m")] == [-75, -75]
    check_rule_1(book)


def test_rule_1_an_entry_cancelled_after_a_partial_fill_keeps_its_legs() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    cancelled = book.cancel("m")
    assert cancelled.derived == ()
    assert [o.status for o in cancelled.book.children("m")] == [OPEN, OPEN]


def test_rule_1_an_entry_ended_unfilled_cancels_the_legs() -> None:
    result = bracket().cancel("m", "changed my mind")
    assert [o.status for o in result.book.children("m")] == [CANCELLED, CANCELLED]


def test_rule_1_a_triggered_stop_leg_is_held_again_when_the_position_is_busted() -> None:
    book = step(bracket(), "m", Fill(40, 100, fill_id="f1"))
    book = book.on_price(AAPL, 94, T0).book
    assert book["s"].status is TRIGGERED
    busted = step(book, "m", FillBust("f1"))
    assert (busted["s"].status, busted["s"].stop_reached) == (HELD, False)
    refilled = step(busted, "m", Fill(50, 100))
    assert (refilled["s"].status, refilled["s"].amount) == (OPEN, -50)


def test_rule_2_reduce_mode_sizes_every_leg_to_the_position() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", Fill(30, 95))
    assert (book["l"].amount, book["s"].remaining) == (-70, -70)
    check_rule_1(book)
    book = step(book, "l", Fill(70, 110))
    assert (book["s"].status, book["l"].status) == (CANCELLED, FILLED)
    assert book["s"].filled == -30  # a leg withdrawn by a link keeps its fills


def test_rule_3_cancel_mode_exit_fill_cancels_the_other_leg_and_the_entry() -> None:
    book = step(bracket("cancel"), "m", Fill(60, 100))
    result = book.apply("l", Fill(20, 110))
    assert {o.id: o.status for o in result.book.orders.values()} == {
        "m": CANCELLED, "s": CANCELLED, "l": PARTIALLY_FILLED,
    }
    assert result.book["l"].remaining == -40
    check_rule_1(result.book)


def test_rule_4_a_bust_of_an_exit_fill_after_both_legs_finished_rearms() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "l", Fill(100, 110, fill_id="x1"))
    assert (book["s"].status, book["l"].status) == (CANCELLED, FILLED)
    rearmed = book.apply("l", FillBust("x1"))
    assert replays(book, rearmed, ("l", FillBust("x1")))
    # The bust reopens the take-profit, but the stop-loss stays cancelled: the
    # set is incomplete, so the book replaces it with a complete one.
    assert [(o.id, o.status, o.amount) for o in rearmed.book.children("m")] == [
        ("s", CANCELLED, -100), ("l", CANCELLED, -100),
        ("s.2", OPEN, -100), ("l.2", OPEN, -100),
    ]
    bust = Cause("rearm_protection", "l", 3)  # l: released, filled, bust
    assert Derived("l", Cancel("bracket m re-arms its exit legs"), bust) in rearmed.derived
    check_rule_1(rearmed.book)


def test_rule_4_rearmed_legs_keep_amended_prices_and_fresh_ids_never_collide() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    book = step(book, "s", Amend(stop=98))
    book = book.submit(DecimalOrder(T0, "MSFT", 1, id="s.2")).book
    book = step(book, "s", Fill(100, "97.90", fill_id="x"))
    rearmed = step(book, "s", FillBust("x"))
    assert [o.id for o in rearmed.children("m")] == ["s", "l", "s.3", "l.3"]
    assert rearmed["s.3"].stop == 98


def test_a_bust_never_brings_a_finished_leg_back_to_work() -> None:
    book = step(bracket("cancel", size=2), "m", Fill(1, 100))
    book = step(book, "s", Fill(1, 95, fill_id="x"))
    book = step(book, "m", Fill(1, 100))  # late: re-armed as s.2, l.2
    reopened = book.apply("s", FillBust("x"))  # the first generation's stop reopens
    assert replays(book, reopened, ("s", FillBust("x")))
    bust = Cause("finished_orders_stay_ended", "s", 4)  # s: held, released, filled, bust
    assert Derived("s", Cancel("bracket m has finished with s"), bust) in reopened.derived
    assert reopened.book["s"].status is CANCELLED
    check_rule_1(reopened.book)


def test_a_withdrawn_bracket_cancels_what_a_bust_reopens() -> None:
    book = step(bracket(size=10), "m", Fill(10, 100, fill_id="e"))
    book = step(book, "l", Fill(4, 110, fill_id="x"))
    book = step(book, "s", Cancel("manual"))
    assert book.brackets["m"].withdrawn
    for order_id, fill_id in (("l", "x"), ("m", "e")):
        result = book.apply(order_id, FillBust(fill_id))
        assert replays(book, result, (order_id, FillBust(fill_id)))
        assert not result.book[order_id].open


def test_rule_5_ending_an_active_leg_hands_the_position_to_the_host() -> None:
    book = step(bracket(), "m", Fill(40, 100))
    result = book.cancel("s", "moving to manual")
    assert {o.id: o.status for o in result.book.orders.values()} == {
        "m": CANCELLED, "s": CANCELLED, "l": CANCELLED,
    }
    assert result.book.brackets["m"].withdrawn
    late = result.book.apply("m", Fill(10, 100))  # no re-arm: the host holds the position
    assert late.derived == ()


def test_rule_5_the_book_holds_and_releases_legs() -> None:
    book = bracket()
    with pytest.raises(LinkedOrderError, match="the_book_holds_and_releases_legs"):
        book.apply("s", Release())
    active = book.apply("m", Fill(10, 100)).book
    with pytest.raises(LinkedOrderError, match="the_book_holds_and_releases_legs"):
        active.apply("s", Hold("risk"))


def test_rule_7_reduce_mode_groups_reduce_every_other_member() -> None:
    legs = [
        DecimalOrder(T0, AAPL, -10, limit=110, id="a", linked_order_ids=("b", "c")),
        DecimalOrder(T0, AAPL, -10, limit=120, id="b", linked_order_ids=("a", "c")),
        DecimalOrder(T0, AAPL, -10, stop=90, id="c", linked_order_ids=("a", "b")),
    ]
    book = OrderBook().submit(*legs, link_mode="reduce").book
    book = step(book, "a", Fill(4, 110))
    assert [book[i].amount for i in "bc"] == [-6, -6]
    book = step(book, "b", Fill(6, 120))
    assert {o.id: (o.status, o.filled) for o in book.orders.values()} == {
        "a": (CANCELLED, -4), "b": (FILLED, -6), "c": (CANCELLED, 0),
    }


def test_rule_7_a_leg_whose_remainder_a_link_withdraws_ends_cancelled() -> None:
    crypto = Asset("BTC", quantity_increment=Decimal("0.1"))
    legs = [
        DecimalOrder(T0, crypto, -1, limit=110, id="a", linked_order_ids=("b",)),
        DecimalOrder(T0, crypto, -1, stop=90, id="b", linked_order_ids=("a",)),
    ]
    book = OrderBook().submit(*legs, link_mode="reduce").book
    book = step(book, "b", Fill("0.4", 90))
    assert book["a"].amount == Decimal("-0.6")
    book = step(book, "a", Fill("0.6", 110))
    assert (book["b"].status, book["b"].filled) == (CANCELLED, Decimal("-0.4"))


def test_rule_7_cancelling_one_member_cancels_all() -> None:
    legs = [
        DecimalOrder(T0, AAPL, -10, limit=110, id=x, linked_order_ids=tuple(y for y in "abcd"
                                                                            if y != x))
        for x in "abcd"
    ]
    result = OrderBook().submit(*legs).book.cancel("c")
    assert [d.order_id for d in result.derived] == ["a", "b", "d"]
    assert {d.event for d in result.derived} == {Cancel("linked order c ended")}


@pytest.mark.parametrize(
    ("orders", "error", "message"),
    [
        ([DecimalOrder(T0, AAPL, 1, id="a", linked_order_ids=("ghost",))],
         UnknownOrderError, "order a links to 'ghost', which is not in the book"),
        ([DecimalOrder(T0, AAPL, 1, id="a", linked_order_ids=("b",)),
          DecimalOrder(T0, AAPL, 1, id="b")],
         BadOrderParameters, "order a links to b, but b links to nothing"),
        ([DecimalOrder(T0, AAPL, 1, id="a", linked_order_ids=("b", "b")),
          DecimalOrder(T0, AAPL, 1, id="b", linked_order_ids=("a",))],
         BadOrderParameters, "order a names b twice"),
        ([DecimalOrder(T0, AAPL, 1, id="c", parent_order_id="c")],
         BadOrderParameters, "order c names itself as its parent"),
        ([DecimalOrder(T0, AAPL, 1, id="m"),
          DecimalOrder(T0, AAPL, 1, stop=90, id="s", parent_order_id="m")],
         BadOrderParameters, "exit leg s must sell: its entry m buys"),
        ([DecimalOrder(T0, AAPL, 1, id="m"),
          DecimalOrder(T0, AAPL, -1, stop=90, id="s", parent_order_id="m"),
          DecimalOrder(T0, AAPL, -1, stop=80, id="t", parent_order_id="s")],
         BadOrderParameters, "order t names s as its parent, but s is an exit leg of m"),
    ],
)
def test_submit_refuses_impossible_links(orders: list[DecimalOrder], error: type,
                                         message: str) -> None:
    with pytest.raises(error, match=message):
        OrderBook().submit(*orders)


def test_rule_8_legs_arrive_together() -> None:
    book = OrderBook().submit(
        DecimalOrder(T0, AAPL, 10, id="m"),
        DecimalOrder(T0, AAPL, -10, stop=90, id="s", parent_order_id="m"),
    ).book
    with pytest.raises(BadOrderParameters, match="submitted together"):
        book.submit(DecimalOrder(T0, AAPL, -10, limit=110, id="l", parent_order_id="m"))


def test_rule_8_legs_attached_to_a_filled_order_are_active_at_once() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 10, id="m")).book
    book = book.apply("m", Fill(10, 100)).book
    result = book.submit(DecimalOrder(T0, AAPL, -10, stop=90, id="s", parent_order_id="m"))
    assert result.derived == ()
    assert result.book["s"].status is OPEN
    check_rule_1(result.book)


# Amendments follow the links.


def test_amending_the_entry_resizes_dormant_legs() -> None:
    book = step(bracket(size=10), "m", Amend(amount=5))
    assert [o.amount for o in book.children("m")] == [-5, -5]


def test_amending_a_dormant_leg_resizes_the_whole_bracket() -> None:
    book = step(bracket(size=10), "s", Amend(amount=-5))
    assert [book[i].amount for i in "msl"] == [5, -5, -5]


def test_an_active_legs_amount_follows_the_position() -> None:
    book = step(bracket(size=10), "m", Fill(10, 100))
    with pytest.raises(LinkedOrderError, match="active_legs_follow_the_position"):
        book.apply("s", Amend(amount=-5))
    moved = step(book, "s", Amend(stop=97))  # prices are the host's to move
    assert moved["s"].stop == 97


def test_amending_one_member_of_a_reduce_group_resizes_the_others() -> None:
    legs = [
        DecimalOrder(T0, AAPL, -10, limit=110, id="a", linked_order_ids=("b",)),
        DecimalOrder(T0, AAPL, -10, stop=90, id="b", linked_order_ids=("a",)),
    ]
    book = OrderBook().submit(*legs, link_mode="reduce").book
    book = step(book, "a", Amend(amount=-6))
    assert book["b"].amount == -6


# Time in force, queries.


def test_expiry_is_inclusive_of_valid_until() -> None:
    end = T0 + timedelta(hours=1)
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 1, limit=1, id="a", valid_until=end)).book
    assert book.on_time(end - timedelta(microseconds=1)).derived == ()
    assert book.on_time(end).book["a"].expired


def test_children_and_siblings_of_an_unknown_id_raise_the_same_error() -> None:
    book = bracket()
    for query in (book.children, book.siblings):
        with pytest.raises(UnknownOrderError, match="the book holds no order 'nope'"):
            query("nope")
    assert book.children("s") == []
    assert book.siblings("m") == []


def test_sell_brackets_follow_the_same_rules() -> None:
    orders = sell_bracket(T0, AAPL, 50, price=100, stopprice=105, limitprice=90,
                          ids=("m", "s", "l"))
    book = step(OrderBook().submit(*orders).book, "m", Fill(20, 100))
    assert [o.amount for o in book.children("m")] == [20, 20]
    check_rule_1(book)


def test_the_docs_page_lists_the_rules_from_the_code() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "linked-orders.md").read_text()
    assert links_markdown() in page


# OCO groups whose states no live book reaches are refused on load and at submit.


def oco_pair(mode: str | None = None, amount: int = -100) -> OrderBook:
    legs = oco_orders(T0, AAPL, amount, OCOOrder(LimitOrder(110), StopOrder(90)),
                      ids=("tp", "sl"))
    return OrderBook().submit(*legs, link_mode=mode).book


def with_open_sl(book: OrderBook) -> str:
    """The document of ``book``, hand-edited so that its order sl is as submitted: OPEN."""
    document = json.loads(dumps(book))
    submitted = json.loads(dumps(oco_pair()))["value"]["orders"]
    orders = document["value"]["orders"]
    orders[:] = [order for order in orders if order["terms"]["id"] != "sl"]
    orders.extend(order for order in submitted if order["terms"]["id"] == "sl")
    return json.dumps(document)


def test_loading_a_cancel_mode_pair_with_one_leg_filled_and_the_other_open_is_refused() -> None:
    filled = step(oco_pair(), "tp", Fill(100, 110))
    with pytest.raises(SerializationError, match=re.escape(
        "refused by rule a_filled_member_leaves_none_working: in cancel mode the first fill "
        "of tp cancels the other members, but sl is OPEN"
    )):
        loads(with_open_sl(filled))


def test_loading_a_cancel_mode_pair_with_a_partial_fill_beside_a_working_leg_is_refused() -> None:
    partial = step(oco_pair(), "tp", Fill(30, 110))
    with pytest.raises(SerializationError, match="a_filled_member_leaves_none_working"):
        loads(with_open_sl(partial))


def test_a_reduce_mode_group_may_hold_a_partly_filled_member_beside_a_working_one() -> None:
    book = step(oco_pair("reduce"), "tp", Fill(30, 110))
    assert [book[i].status for i in ("tp", "sl")] == [PARTIALLY_FILLED, OPEN]
    assert loads(dumps(book)) == book


def test_states_a_live_cancel_mode_group_reaches_load_again() -> None:
    """A bust reopens a member beside a cancelled one, and a late fill lands on the
    cancelled one: both states are reachable, so both load."""
    book = step(oco_pair(), "tp", Fill(30, 110, fill_id="f1"))
    busted = step(book, "tp", FillBust("f1"))
    late = step(busted, "sl", Fill(20, 90))
    assert [late[i].status for i in ("tp", "sl")] == [OPEN, CANCELLED]
    for state in (busted, late):
        assert loads(dumps(state)) == state


def test_submitting_a_filled_member_cancels_the_working_ones_in_either_mode() -> None:
    """A host rebuilding its book after a restart submits the venue's states: a
    member that has filled cancels the others, as its fill would have."""
    tp, sl = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)),
                        ids=("tp", "sl"))
    filled = apply(tp, Fill(100, 110))
    for mode in ("cancel", "reduce"):
        result = OrderBook().submit(filled, sl, link_mode=mode)
        assert result.book["sl"].status is CANCELLED
        assert [(d.order_id, type(d.event)) for d in result.derived] == [("sl", Cancel)]
        assert loads(dumps(result.book)) == result.book


def test_a_cancel_mode_group_is_judged_the_same_whatever_order_its_members_come_in() -> None:
    a, b = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("a", "b"))
    a_filled, b_partly = apply(a, Fill(100, 110)), apply(b, Fill(40, 90))
    books = [OrderBook().submit(*members, link_mode="cancel").book
             for members in ((a_filled, b_partly), (b_partly, a_filled))]
    assert books[0] == books[1]
    assert [books[0][i].status for i in "ab"] == [FILLED, CANCELLED]
    assert books[0]["b"].filled == -40
    for members in ((a_filled, b_partly), (b_partly, a_filled)):
        with pytest.raises(SerializationError, match=re.escape(
            "refused by rule a_filled_member_leaves_none_working: in cancel mode the first "
            "fill of a cancels the other members, but b is PARTIALLY_FILLED"
        )):
            loads(document(members, {"a": "CANCEL", "b": "CANCEL"}))


def test_members_submitted_with_fills_each_cancel_the_others() -> None:
    a, b = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("a", "b"))
    book = OrderBook().submit(apply(a, Fill(30, 110)), apply(b, Fill(40, 90))).book
    assert [(book[i].status, book[i].filled) for i in "ab"] == [(CANCELLED, -30),
                                                                (CANCELLED, -40)]


def document(orders: tuple[DecimalOrder, ...], link_modes: dict[str, str],
             brackets: dict[str, object] | None = None) -> str:
    """A saved book of ``orders``, listed in the order given."""
    value = {"brackets": brackets or {}, "link_modes": link_modes,
             "orders": [json.loads(dumps(order))["value"] for order in orders]}
    return json.dumps({"format": "orders", "type": "OrderBook", "value": value,
                       "version": FORMAT_VERSION})


# One price order for a bracket, at place, submit, amend and load.


def test_amending_a_long_brackets_stop_loss_above_its_take_profit_is_refused() -> None:
    book = step(bracket(), "m", Fill(100, 100))
    with pytest.raises(LinkedOrderError, match=re.escape(
        "refused by rule exits_keep_their_price_order: a long bracket's stop-loss lies below "
        "its take-profit; stop-loss s would stop at 112, take-profit l limits at 110"
    )):
        book.apply("s", Amend(stop=112))
    with pytest.raises(LinkedOrderError, match="take-profit l would limit at 94"):
        book.apply("l", Amend(limit=94))
    assert book["s"].stop == 95
    assert book["l"].limit == 110


def test_amending_a_short_brackets_stop_loss_below_its_take_profit_is_refused() -> None:
    orders = sell_bracket(T0, AAPL, 50, price=100, stopprice=105, limitprice=90,
                          ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book
    with pytest.raises(LinkedOrderError, match=re.escape(
        "a short bracket's stop-loss lies above its take-profit; stop-loss s would stop at 89"
    )):
        book.apply("s", Amend(stop=89))


def test_the_entry_lies_between_the_exits_until_it_trades() -> None:
    book = bracket()
    with pytest.raises(LinkedOrderError, match=re.escape(
        "a long bracket's entry lies above its stop-loss; "
        "entry m would limit at 94, stop-loss s stops at 95"
    )):
        book.apply("m", Amend(limit=94))
    with pytest.raises(LinkedOrderError,
                       match="stop-loss s would stop at 101, entry m limits at 100"):
        book.apply("s", Amend(stop=101))
    traded = step(book, "m", Fill(100, 100))
    breakeven = step(traded, "s", Amend(stop=101))  # a stop moved past the entry locks in profit
    assert breakeven["s"].stop == 101


def test_a_hand_built_bracket_is_held_to_the_same_price_order() -> None:
    orders = (
        DecimalOrder(T0, AAPL, 10, limit=100, id="m"),
        DecimalOrder(T0, AAPL, -10, stop=112, id="s", parent_order_id="m"),
        DecimalOrder(T0, AAPL, -10, limit=110, id="l", parent_order_id="m"),
    )
    with pytest.raises(LinkedOrderError, match=re.escape(
        "stop-loss s stops at 112, take-profit l limits at 110"
    )):
        OrderBook().submit(*orders)


def test_placing_a_bracket_in_the_wrong_order_is_refused_by_the_same_rule() -> None:
    with pytest.raises(LinkedOrderError, match="exits_keep_their_price_order"):
        OrderBook().place(T0, AAPL, 100, BracketOrder(MarketOrder(), 110, 95))


@pytest.mark.parametrize(
    ("amount", "entry", "message"),
    [
        (100, LimitOrder(120), "a long bracket's entry lies below its take-profit; entry m "
                               "limits at 120, take-profit l limits at 110"),
        (100, StopOrder(95), "a long bracket's entry lies above its stop-loss; entry m "
                             "stops at 95, stop-loss s stops at 95"),
        (100, StopLimitOrder(112, 100), "entry m limits at 112, take-profit l limits at 110"),
        (-100, LimitOrder(111), "a short bracket's entry lies below its stop-loss"),
    ],
)
def test_an_entry_outside_its_exits_is_refused_by_the_price_order_rule(
    amount: int, entry: LimitOrder, message: str
) -> None:
    exits = (95, 110) if amount > 0 else (110, 95)
    style = BracketOrder(entry, *exits)
    builds = (
        lambda: OrderBook().place(T0, AAPL, amount, style, ids=("m", "s", "l")),
        lambda: OrderBook().submit(*bracket_orders(T0, AAPL, amount, style, ids=("m", "s", "l"))),
    )
    for build in builds:
        with pytest.raises(LinkedOrderError, match=re.escape(message)) as refused:
            build()
        assert refused.value.rule == "exits_keep_their_price_order"


def test_a_trailing_stop_loss_is_compared_until_it_trails() -> None:
    trail = TrailingStopOrder(trail_amount=2)
    with pytest.raises(LinkedOrderError, match="stop-loss s stops at 111"):
        OrderBook().place(T0, AAPL, 100, BracketOrder(MarketOrder(), 111, 110,
                                                      stop_loss_trail=trail), ids=("m", "s", "l"))
    book = OrderBook().place(T0, AAPL, 100, BracketOrder(MarketOrder(), 95, 110,
                                                         stop_loss_trail=trail),
                             ids=("m", "s", "l")).book
    book = step(book, "m", Fill(100, 100))
    for price in (105, 109):
        book = book.on_price(AAPL, price, T0).book
    assert book["s"].stop == 107
    assert loads(dumps(book)) == book


def test_loading_a_bracket_out_of_price_order_is_refused() -> None:
    document = json.loads(dumps(bracket()))
    for order in document["value"]["orders"]:
        if order["terms"]["id"] == "s":
            order["terms"]["stop"] = "112"
    with pytest.raises(SerializationError, match="exits_keep_their_price_order"):
        loads(json.dumps(document))


# Only live orders are compared: an ended leg's prices are history.


def cancel_mode_take_profit_partly_filled() -> OrderBook:
    """A long cancel-mode bracket whose take-profit filled 30: its fill cancelled
    the stop-loss (stop 95)."""
    book = step(step(bracket("cancel"), "m", Fill(100, 100)), "l", Fill(30, 110, fill_id="x1"))
    assert [book[i].status for i in "msl"] == [FILLED, CANCELLED, PARTIALLY_FILLED]
    return book


def test_a_take_profit_may_move_past_a_cancelled_stop_loss() -> None:
    book = cancel_mode_take_profit_partly_filled()
    lowered = step(book, "l", Amend(limit=90))
    assert lowered["l"].limit == 90
    assert loads(dumps(lowered)) == lowered


def test_a_log_with_a_take_profit_moved_past_a_cancelled_stop_loss_replays() -> None:
    from orders.io.recording import Recorder
    from orders.io.replay import replay

    lines: list[str] = []
    recorder = Recorder(lines.append)
    recorder.place(T0, AAPL, 100, BracketOrder(LimitOrder(100), 95, 110), ids=("m", "s", "l"),
                   link_mode="cancel")
    recorder.apply("m", Fill(100, 100, fill_id="e1"))
    recorder.apply("l", Fill(30, 110, fill_id="x1"))
    recorder.apply("l", Amend(limit=90))
    recorder.apply("l", Fill(70, 90, fill_id="x2"))
    replayed = replay(lines)
    assert replayed.refused_count == 0
    assert (replayed.book["l"].status, replayed.book["l"].filled) == (FILLED, -100)


def test_rearmed_legs_copy_the_prices_they_replace_and_load_again() -> None:
    """The take-profit moved below the cancelled stop-loss, then its fill was busted:
    the book re-arms with both legs' prices as they were, out of order, as the host
    set them; that state loads again."""
    book = step(cancel_mode_take_profit_partly_filled(), "l", Amend(limit=90))
    rearmed = step(book, "l", FillBust("x1"))
    legs = [rearmed[leg] for leg in rearmed.brackets["m"].legs]
    assert [(leg.stop, leg.limit, leg.status) for leg in legs] == [(95, None, OPEN),
                                                                   (None, 90, OPEN)]
    assert loads(dumps(rearmed)) == rearmed


# A host amend is checked against every current price of the other live orders.


def trailed_bracket() -> OrderBook:
    """Long bracket m 100 / trailing stop-loss s (trail 2) / take-profit l 110, filled,
    after a trade at 101 (the stop trailed to 99)."""
    book = bracket(stopexec="StopTrail", stopargs={"trailamount": 2})
    book = step(book, "m", Fill(100, 100)).on_price(AAPL, 101, T0).book
    assert book["s"].stop == 99
    return book


def test_a_trailed_stop_loss_cannot_be_amended_past_the_take_profit() -> None:
    book = trailed_bracket()
    with pytest.raises(LinkedOrderError, match=re.escape(
        "refused by rule exits_keep_their_price_order: a long bracket's stop-loss lies below "
        "its take-profit; stop-loss s would stop at 200, take-profit l limits at 110"
    )):
        book.apply("s", Amend(stop=200))
    assert book.apply("s", Amend(stop=105)).book["s"].stop == 105


def test_a_take_profit_cannot_be_amended_below_a_trailed_stop_loss() -> None:
    with pytest.raises(LinkedOrderError, match=re.escape(
        "take-profit l would limit at 50, stop-loss s stops at 99"
    )):
        trailed_bracket().apply("l", Amend(limit=50))


def test_a_trailed_entry_cannot_be_amended_past_the_take_profit() -> None:
    orders = buy_bracket(T0, AAPL, 100, exectype="StopTrail", price=105, trailamount=3,
                         stopprice=95, limitprice=110, ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book.on_price(AAPL, 101, T0).book
    assert book["m"].stop == 104
    with pytest.raises(LinkedOrderError, match="entry m would stop at 300"):
        book.apply("m", Amend(stop=300))


def test_a_stop_trailed_past_the_take_profit_loads_and_amends_elsewhere_pass() -> None:
    """The market can carry a trailing stop past the take-profit for a moment: at
    load that pair is not compared, and an amend is checked only against the
    prices it moves past."""
    book = trailed_bracket().on_price(AAPL, 113, T0).book
    assert (book["s"].stop, book["l"].limit) == (111, 110)
    assert loads(dumps(book)) == book
    with pytest.raises(LinkedOrderError, match="take-profit l would limit at 105"):
        book.apply("l", Amend(limit=105))
    assert step(book, "l", Amend(limit=120))["l"].limit == 120


# The entry is read without walking its history.


def test_checking_an_amend_does_not_read_the_entrys_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = bracket()
    for limit in (101, 102, 101):
        book = step(book, "m", Amend(limit=limit))

    def unread(order: DecimalOrder) -> None:
        raise AssertionError("the history was read")

    monkeypatch.setattr(DecimalOrder, "history", property(unread))
    assert book.apply("s", Amend(stop=96)).book["s"].stop == 96


# Moving a whole bracket one amend at a time.


@pytest.mark.parametrize(("shift", "order"), [(20, "lms"), (-20, "sml")])
def test_a_bracket_moves_one_amend_at_a_time_far_side_first(shift: int, order: str) -> None:
    book = bracket()
    amends = {"m": Amend(limit=100 + shift), "s": Amend(stop=95 + shift),
              "l": Amend(limit=110 + shift)}
    for order_id in order:
        book = step(book, order_id, amends[order_id])
    assert (book["m"].limit, book["s"].stop, book["l"].limit) == (100 + shift, 95 + shift,
                                                                   110 + shift)


def test_a_refused_amend_says_which_order_must_move_first() -> None:
    book = bracket()
    with pytest.raises(LinkedOrderError, match=re.escape(
        "entry m would limit at 120, take-profit l limits at 110; move take-profit l above 120 "
        "first"
    )):
        book.apply("m", Amend(limit=120))
    with pytest.raises(LinkedOrderError, match=re.escape(
        "stop-loss s would stop at 101, entry m limits at 100; move entry m above 101 first"
    )):
        book.apply("s", Amend(stop=101))


def _submit_refusals() -> list[tuple[str, type[Exception], object]]:
    def order(name: str, amount: int = 10, asset: str = "AAPL", **links: object) -> DecimalOrder:
        return DecimalOrder(T0, asset, amount, limit=100, id=name, **links)  # type: ignore[arg-type]

    entry, stop, limit = bracket_orders(T0, AAPL, 10, BracketOrder(LimitOrder(100), 95, 110),
                                        ids=("e", "s", "l"))
    with_bracket = OrderBook().submit(entry, stop, limit).book
    return [
        ("links_name_other_orders", BadOrderParameters,
         lambda: OrderBook().submit(order("a", linked_order_ids=("a",)))),
        ("links_name_known_orders", UnknownOrderError,
         lambda: OrderBook().submit(order("a", linked_order_ids=("zz",)))),
        ("parents_are_known", UnknownOrderError,
         lambda: OrderBook().submit(order("s", -10, parent_order_id="zz"))),
        ("parents_are_entries", BadOrderParameters,
         lambda: OrderBook().submit(order("s", -10, parent_order_id="s"))),
        ("legs_arrive_together", BadOrderParameters,
         lambda: with_bracket.submit(order("s2", -10, parent_order_id="e"))),
        ("legs_trade_against_the_entry", BadOrderParameters,
         lambda: OrderBook().submit(order("e"), order("s", 10, parent_order_id="e"))),
        ("legs_link_only_to_each_other", BadOrderParameters,
         lambda: OrderBook().submit(order("x"), order("e"),
                                    order("s", -10, parent_order_id="e", linked_order_ids=("x",)))),
        ("links_are_mutual", BadOrderParameters,
         lambda: OrderBook().submit(order("a", linked_order_ids=("b",)), order("b"))),
        ("linked_orders_share_an_asset", BadOrderParameters,
         lambda: OrderBook().submit(order("a", linked_order_ids=("b",)),
                                    order("b", asset="MSFT", linked_order_ids=("a",)))),
    ]


def test_every_submit_check_names_itself_in_its_refusal() -> None:
    from orders.book.rules import SUBMIT_CHECKS

    cases = _submit_refusals()
    assert sorted(rule for rule, _, _ in cases) == sorted(c.__name__ for c in SUBMIT_CHECKS)
    for rule, error, submit in cases:
        with pytest.raises(error) as refused:
            submit()  # type: ignore[operator]
        assert (refused.value.rule, str(refused.value).startswith(f"refused by rule {rule}: ")) == (
            rule, True,
        ), rule


def test_an_unknown_order_is_refused_with_the_event() -> None:
    event = Cancel()
    with pytest.raises(UnknownOrderError) as refused:
        OrderBook().apply("nope", event)
    assert (refused.value.order_id, refused.value.event) == ("nope", event)
