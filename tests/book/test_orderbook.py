import gc
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
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
    Fill,
    FillBust,
    InvalidQuantityError,
    InvalidTransition,
    LimitOrder,
    LinkedOrderError,
    LinkMode,
    MarketOrder,
    OCOOrder,
    OrderBook,
    OrderError,
    Reject,
    Release,
    StopOrder,
    TimeKindError,
    Trigger,
    UnknownOrderError,
    buy_bracket,
    dumps,
    loads,
    oco_orders,
    replay,
    sell_bracket,
)
from orders.book.audit import Cause
from tests.support import rebuilt

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)
AAPL = Asset("AAPL")


def statuses(book: OrderBook) -> dict[str, ORDER_STATUS]:
    return {order_id: order.status for order_id, order in book.orders.items()}


def replay_derived(before: OrderBook, result: BookResult, asked: tuple[str, Event]) -> None:
    """The derived events, applied in order after the asked one, rebuild the new book."""
    assert rebuilt(before, result, asked) == dict(result.book.orders)


def oco_book(mode: str | None = None) -> OrderBook:
    legs = oco_orders(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)), ids=("tp", "sl"))
    return OrderBook().submit(*legs, link_mode=mode).book


def bracket_book() -> OrderBook:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                         ids=("main", "stop", "limit"))
    return OrderBook().submit(*orders).book


# The book as a value.


def test_the_book_is_a_value_and_a_refused_event_changes_nothing() -> None:
    book = oco_book()
    result = book.apply("tp", Fill(10, 110))
    assert statuses(book) == {"tp": OPEN, "sl": OPEN}
    assert result.book != book
    with pytest.raises(InvalidQuantityError, match="exceeds the 100 remaining"):
        book.apply("tp", Fill(101, 110))
    assert book == oco_book()
    with pytest.raises(UnknownOrderError, match="the book holds no order 'nope'"):
        book.get("nope")
    with pytest.raises(UnknownOrderError):
        book.apply("nope", Cancel())


def test_queries() -> None:
    book = bracket_book().submit(DecimalOrder(T0, "MSFT", 5, id="other")).book
    assert len(book) == 4
    assert "main" in book
    assert book["main"].id == "main"
    assert {o.id for o in book.open_orders(AAPL)} == {"main", "stop", "limit"}
    assert {o.id for o in book.open_orders()} == {"main", "stop", "limit", "other"}
    assert {o.id for o in book.orders_with_status(HELD)} == {"stop", "limit"}
    assert [o.id for o in book.children("main")] == ["stop", "limit"]
    assert [o.id for o in book.siblings("stop")] == ["limit"]
    cancelled = book.cancel("other").book
    assert [o.id for o in cancelled.open_orders("MSFT")] == []


def test_submit_refuses_duplicate_ids_and_broken_links() -> None:
    book = oco_book()
    with pytest.raises(BadOrderParameters, match="order id 'tp' is already in the book"):
        book.submit(DecimalOrder(T0, AAPL, 1, id="tp"))
    with pytest.raises(UnknownOrderError, match="links to 'ghost'"):
        OrderBook().submit(DecimalOrder(T0, AAPL, 1, id="a", linked_order_ids=["ghost"]))
    lonely = DecimalOrder(T0, AAPL, 1, id="a", linked_order_ids=["b"])
    with pytest.raises(BadOrderParameters, match="but b links to nothing"):
        OrderBook().submit(lonely, DecimalOrder(T0, AAPL, 1, id="b"))
    with pytest.raises(BadOrderParameters, match="link_mode must be 'cancel' or 'reduce'"):
        OrderBook().submit(lonely, link_mode="sometimes")


def test_oco_legs_on_different_assets_are_refused() -> None:
    first = DecimalOrder(T0, AAPL, -1, limit=110, id="a", linked_order_ids=["b"])
    second = DecimalOrder(T0, "MSFT", -1, stop=90, id="b", linked_order_ids=["a"])
    with pytest.raises(BadOrderParameters, match="linked orders must trade one asset"):
        OrderBook().submit(first, second)


# OCO.


def test_oco_first_fill_partial_cancels_the_other_leg() -> None:
    book = oco_book()
    result = book.apply("tp", Fill(30, 110))
    assert statuses(result.book) == {"tp": PARTIALLY_FILLED, "sl": CANCELLED}
    filled = Cause("fill_cancels_the_group", "tp", 1)
    assert result.derived == (Derived("sl", Cancel("linked order tp filled"), filled),)
    replay_derived(book, result, ("tp", Fill(30, 110)))


@pytest.mark.parametrize("event", [Cancel("user"), Reject("risk")])
def test_cancelling_or_rejecting_a_leg_cancels_the_other(event: object) -> None:
    book = oco_book()
    result = book.apply("sl", event)  # type: ignore[arg-type]
    assert result.book["tp"].status is CANCELLED
    ended = Cause("ending_cancels_the_group", "sl", 1)
    assert result.derived == (Derived("tp", Cancel("linked order sl ended"), ended),)


def test_one_updates_other_reduces_the_other_leg() -> None:
    book = oco_book(LinkMode.REDUCE)
    first = book.apply("tp", Fill(30, 110))
    assert first.book["sl"].amount == -70
    reduced = Cause("fill_reduces_the_group", "tp", 1)
    assert first.derived == (Derived("sl", Amend(amount=-70), reduced),)
    rest = first.book.apply("tp", Fill(70, 110))
    assert statuses(rest.book) == {"tp": FILLED, "sl": CANCELLED}
    replay_derived(first.book, rest, ("tp", Fill(70, 110)))


def test_place_builds_and_links_an_oco_pair() -> None:
    result = OrderBook().place(T0, AAPL, -100, OCOOrder(LimitOrder(110), StopOrder(90)))
    legs = list(result.book.orders.values())
    assert len(legs) == 2
    assert {legs[0].linked_order_ids, legs[1].linked_order_ids} == {(legs[0].id,), (legs[1].id,)}
    assert result.book.link_modes[legs[0].id] is LinkMode.CANCEL


# Brackets.


def test_buy_bracket_returns_main_stop_limit_with_dormant_linked_children() -> None:
    main, stop, limit = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110)
    assert (main.amount, main.limit, main.status) == (100, 100, OPEN)
    assert (stop.amount, stop.stop, stop.order_type, stop.status) == (-100, 95, "stop", HELD)
    assert (limit.amount, limit.limit, limit.order_type, limit.status) == (
        -100, 110, "limit", HELD,
    )
    assert stop.parent_order_id == limit.parent_order_id == main.id
    assert stop.linked_order_ids == (limit.id,)
    assert limit.linked_order_ids == (stop.id,)


def test_sell_bracket_mirrors_it() -> None:
    main, stop, limit = sell_bracket(T0, AAPL, 100, stopprice=105, limitprice=90)
    assert (main.amount, main.order_type, stop.amount, stop.stop, limit.limit) == (
        -100, "market", 100, 105, 90,
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: buy_bracket(T0, AAPL, 100, stopprice=0, limitprice=110),
         "stop_loss_price must be greater than 0"),
        (lambda: OrderBook().place(T0, AAPL, 100, BracketOrder("market", 95, 110)),  # type: ignore[arg-type]
         "entry_style must be an ExecutionStyle"),
    ],
)
def test_bracket_levels_are_validated(build: object, message: str) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (100, "a long bracket's stop-loss lies below its take-profit; stop-loss s stops at "
              "110, take-profit l limits at 95"),
        (-100, "a short bracket's stop-loss lies above its take-profit; stop-loss s stops at "
               "95, take-profit l limits at 110"),
    ],
)
def test_the_book_takes_a_bracket_only_in_its_directions_price_order(
    amount: int, message: str
) -> None:
    """Hand-built legs, which no builder checked, in the wrong order for their side."""
    stop, limit = (110, 95) if amount > 0 else (95, 110)
    orders = (
        DecimalOrder(T0, AAPL, amount, id="m"),
        DecimalOrder(T0, AAPL, -amount, stop=stop, id="s", parent_order_id="m"),
        DecimalOrder(T0, AAPL, -amount, limit=limit, id="l", parent_order_id="m"),
    )
    with pytest.raises(LinkedOrderError, match=re.escape(
        f"refused by rule exits_keep_their_price_order: {message}"
    )):
        OrderBook().submit(*orders)


def test_the_entry_fill_activates_the_children_and_grows_them() -> None:
    book = bracket_book()
    first = book.apply("main", Fill(40, 100))
    assert [(o.status, o.amount) for o in first.book.children("main")] == [
        (OPEN, -40), (OPEN, -40),
    ]
    entry_fill = Cause("legs_cover_the_position", "main", 1)
    assert first.derived == (
        Derived("stop", Amend(amount=-40), entry_fill),
        Derived("stop", Release(), entry_fill),
        Derived("limit", Amend(amount=-40), entry_fill),
        Derived("limit", Release(), entry_fill),
    )
    replay_derived(book, first, ("main", Fill(40, 100)))
    second = first.book.apply("main", Fill(60, 100))
    assert [o.amount for o in second.book.children("main")] == [-100, -100]


def test_cancelling_the_entry_before_any_fill_cancels_both_children() -> None:
    result = bracket_book().cancel("main", "changed my mind")
    assert statuses(result.book) == {"main": CANCELLED, "stop": CANCELLED, "limit": CANCELLED}


def test_cancelling_the_entry_after_a_partial_fill_keeps_the_children() -> None:
    book = bracket_book().apply("main", Fill(40, 100)).book
    result = book.cancel("main")
    assert statuses(result.book) == {"main": CANCELLED, "stop": OPEN, "limit": OPEN}
    assert result.derived == ()


def test_a_child_fill_reduces_the_other_child_and_cancelling_one_cancels_the_other() -> None:
    book = bracket_book().apply("main", Fill(100, 100)).book
    partial = book.apply("stop", Fill(30, 95))
    assert partial.book["limit"].amount == -70
    cancelled = partial.book.cancel("limit")
    assert cancelled.book["stop"].status is CANCELLED


# backtrader's three bracket outcomes (002_8055ca38f50266f9.txt).


def test_entry_expires_and_both_children_are_cancelled() -> None:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110)
    book = OrderBook()
    end = T0 + timedelta(days=1)
    main = DecimalOrder.from_style(T0, AAPL, 100, LimitOrder(100), id=orders[0].id,
                                   time_in_force="GTD", valid_until=end)
    book = book.submit(main, *orders[1:]).book
    assert book.on_time(end - timedelta(seconds=1)).derived == ()
    result = book.on_time(end)
    assert {o.status for o in result.book.orders.values()} == {CANCELLED}
    assert result.book[main.id].expired


def test_stop_loss_fills_and_take_profit_is_cancelled_in_cancel_mode() -> None:
    book = OrderBook().submit(*buy_bracket(T0, AAPL, 100, price=100, stopprice=95,
                                           limitprice=110, ids=("m", "s", "l")),
                              link_mode="cancel").book
    book = book.apply("m", Fill(100, 100)).book
    triggered = book.on_price(AAPL, "94.50", T0)
    assert triggered.derived[0] == Derived("s", Trigger(T0, Decimal("94.50")), Cause("on_price"))
    result = triggered.book.apply("s", Fill(100, "94.40"))
    assert statuses(result.book) == {"m": FILLED, "s": FILLED, "l": CANCELLED}


def test_take_profit_fills_and_stop_loss_is_cancelled() -> None:
    book = bracket_book().apply("main", Fill(100, 100)).book
    result = book.apply("limit", Fill(100, 110))
    assert statuses(result.book) == {"main": FILLED, "stop": CANCELLED, "limit": FILLED}


# Time in force.


def test_gtd_and_day_orders_expire_gtc_orders_do_not() -> None:
    session_end = T0.replace(hour=16)
    book = OrderBook().submit(
        DecimalOrder(T0, AAPL, 1, limit=1, id="gtc"),
        DecimalOrder(T0, AAPL, 1, limit=1, id="gtd", valid_until=T0 + timedelta(days=3)),
        DecimalOrder(T0, AAPL, 1, limit=1, id="day", time_in_force="DAY",
                     valid_until=session_end),
    ).book
    after_close = book.on_time(session_end)
    assert statuses(after_close.book) == {"gtc": OPEN, "gtd": OPEN, "day": CANCELLED}
    later = after_close.book.on_time(T0 + timedelta(days=30))
    assert statuses(later.book) == {"gtc": OPEN, "gtd": CANCELLED, "day": CANCELLED}
    assert later.book["gtd"].reason == "expired"


def test_time_in_force_validation() -> None:
    with pytest.raises(BadOrderParameters, match="time in force DAY needs a valid_until"):
        DecimalOrder(T0, AAPL, 1, time_in_force="DAY")
    with pytest.raises(BadOrderParameters, match="time in force GTC takes no valid_until"):
        DecimalOrder(T0, AAPL, 1, time_in_force="GTC", valid_until=T0)
    with pytest.raises(BadOrderParameters,
                       match="time_in_force must be one of GTC, GTD, DAY, IOC, FOK"):
        DecimalOrder(T0, AAPL, 1, time_in_force="GTX")


def test_an_expiring_oco_leg_cancels_the_other() -> None:
    first = DecimalOrder(T0, AAPL, -1, limit=110, id="a", linked_order_ids=["b"],
                         valid_until=T0 + timedelta(hours=1))
    second = DecimalOrder(T0, AAPL, -1, stop=90, id="b", linked_order_ids=["a"])
    book = OrderBook().submit(first, second).book
    result = book.on_time(T0 + timedelta(hours=2))
    assert statuses(result.book) == {"a": CANCELLED, "b": CANCELLED}


# Prices.


def test_on_price_triggers_what_it_crosses_and_leaves_the_rest() -> None:
    book = OrderBook().submit(
        DecimalOrder(T0, AAPL, -1, stop=95, id="s95"),
        DecimalOrder(T0, AAPL, -1, stop=90, id="s90"),
        DecimalOrder(T0, AAPL, 1, stop=105, id="b105"),
        DecimalOrder(T0, "MSFT", -1, stop=95, id="other"),
    ).book
    result = book.on_price(AAPL, 94, T0)
    assert statuses(result.book) == {"s95": TRIGGERED, "s90": OPEN, "b105": OPEN, "other": OPEN}
    assert result.derived == (Derived("s95", Trigger(T0, Decimal(94)), Cause("on_price")),)
    assert result.book.on_price(AAPL, 94, T0).derived == ()


def test_on_price_ratchets_trailing_stops_and_flags_limits() -> None:
    book = OrderBook().submit(
        DecimalOrder(T0, AAPL, -1, trail_amount=5, id="trail"),
        DecimalOrder(T0, AAPL, 1, limit=99, id="buy"),
    ).book
    for price in (100, 110):
        book = book.on_price(AAPL, price, T0).book
    assert (book["trail"].stop, book["buy"].limit_reached) == (105, False)
    dipped = book.on_price(AAPL, 99, T0).book
    assert (dipped["trail"].status, dipped["buy"].limit_reached) == (TRIGGERED, True)
    assert not dipped.on_price(AAPL, 100, T0).book["buy"].limit_reached


def test_a_single_style_can_be_placed() -> None:
    result = OrderBook().place(T0, AAPL, 10, MarketOrder())
    (order,) = result.book.orders.values()
    assert (order.amount, order.order_type) == (10, "market")


def test_place_takes_one_id_per_order_the_style_describes() -> None:
    style = BracketOrder(LimitOrder(100), 95, 110)
    book = OrderBook().place(T0, AAPL, 10, style, ids=("m", "s", "l")).book
    assert [o.id for o in book.children("m")] == ["s", "l"]
    message = re.escape("OCOOrder places 2 order(s), so it takes a list or tuple of 2 ids")
    with pytest.raises(BadOrderParameters, match=message):
        OrderBook().place(T0, AAPL, -1, OCOOrder(LimitOrder(110), StopOrder(90)), ids=["only"])


# Times: a book holds either naive or aware datetimes, never both.


AWARE = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


def test_a_book_refuses_orders_of_the_other_kind_of_time() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 1, limit=1, id="naive",
                                           valid_until=T0 + timedelta(days=1))).book
    with pytest.raises(TimeKindError, match=r"aware.*naive"):
        book.submit(DecimalOrder(AWARE, AAPL, 1, limit=1, id="aware"))
    with pytest.raises(TimeKindError):
        OrderBook().submit(DecimalOrder(T0, AAPL, 1, id="a"), DecimalOrder(AWARE, AAPL, 1, id="b"))
    with pytest.raises(TimeKindError, match="on_time"):
        book.on_time(AWARE + timedelta(days=2))
    with pytest.raises(TimeKindError, match="on_price"):
        book.on_price(AAPL, 1, AWARE)
    with pytest.raises(TimeKindError):
        book.apply("naive", Fill(1, 1, dt=AWARE))
    assert book.on_time(T0 + timedelta(days=2)).book["naive"].expired


@pytest.mark.parametrize("bad", [date(2024, 1, 16), "2024-01-16", None, 1705400000])
def test_on_time_takes_only_a_datetime_whatever_the_book_holds(bad: object) -> None:
    for book in (OrderBook(), oco_book()):
        with pytest.raises(BadOrderParameters, match="dt must be a datetime"):
            book.on_time(bad)  # type: ignore[arg-type]


def test_misused_queries_raise_the_librarys_errors() -> None:
    book = oco_book()
    with pytest.raises(BadOrderParameters, match=re.escape("order ids are str; got [1]")):
        book.get([1])  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="asset must be an Asset or a hashable"):
        book.open_orders({})  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="order ids are str"):
        book.apply(None, Cancel())  # type: ignore[arg-type]
    with pytest.raises(InvalidTransition, match="None is not an order event"):
        book.apply("tp", None)  # type: ignore[arg-type]


# Releasing finished orders.


def test_release_removes_finished_groups_last_changed_before_a_time() -> None:
    later = T0 + timedelta(hours=2)
    book = OrderBook().submit(
        DecimalOrder(T0, AAPL, 1, limit=1, id="done"),
        DecimalOrder(T0, AAPL, 1, limit=1, id="live"),
        DecimalOrder(T0, AAPL, 1, limit=1, id="recent"),
    ).book
    book = book.apply("done", Fill(1, 1, dt=T0)).book
    book = book.apply("recent", Cancel()).book.apply("recent", Fill(1, 1, dt=later)).book
    released = book.release(T0 + timedelta(hours=1))
    assert [order.id for order in released.orders] == ["done"]
    assert sorted(released.book.orders) == ["live", "recent"]
    kept = OrderBook().submit(book["live"], book["recent"]).book
    assert released.book == attrs.evolve(kept, positions=released.book.positions)
    assert released.book.positions == book.positions  # the released fills still count
    with pytest.raises(UnknownOrderError):
        released.book.apply("done", Fill(1, 1))


def test_a_group_is_released_only_when_every_member_has_finished() -> None:
    book = bracket_book().apply("main", Fill(100, 100, dt=T0)).book
    book = book.apply("limit", Fill(100, 110, dt=T0)).book
    assert {o.status for o in book.orders.values()} == {FILLED, CANCELLED}
    after = T0 + timedelta(days=1)
    released = book.release(after)
    assert sorted(order.id for order in released.orders) == ["limit", "main", "stop"]
    assert released.book == OrderBook()
    pair = oco_book().apply("tp", Fill(30, 110, dt=T0)).book  # tp still works, sl cancelled
    assert pair.release(after).orders == ()
    pair = pair.cancel("tp").book
    assert len(pair.release(after).orders) == 2


def test_release_takes_a_datetime_of_the_books_kind() -> None:
    with pytest.raises(BadOrderParameters, match="before must be a datetime"):
        oco_book().release("yesterday")  # type: ignore[arg-type]
    with pytest.raises(TimeKindError, match="release's before"):
        oco_book().release(datetime(2030, 1, 1, tzinfo=UTC))


def test_releasing_nothing_returns_the_same_book() -> None:
    book = oco_book()
    released = book.release(T0 + timedelta(days=1))
    assert released.book is book
    assert released.orders == ()


# Memory.


def test_the_librarys_values_form_no_reference_cycles() -> None:
    """Everything a workload leaves behind is freed by reference counting alone,
    so the collector never has garbage of the library's to find (which is why a
    host may freeze it, see docs/performance.md)."""

    def workload() -> None:
        book = bracket_book().apply("main", Fill(60, 100, dt=T0, fill_id="m1")).book
        book = book.apply("main", FillBust("m1")).book.apply("main", Fill(100, 100, dt=T0)).book
        book = book.on_price(AAPL, 120, T0 + timedelta(minutes=1)).book
        book = book.apply("limit", Fill(100, 110, dt=T0 + timedelta(minutes=2))).book
        book = book.release(T0 + timedelta(days=1)).book
        pair = oco_book().on_price(AAPL, 89, T0).book.on_time(T0 + timedelta(days=400)).book
        loads(dumps(pair))
        with pytest.raises(OrderError):
            pair.apply("nothing", Fill(1, 1))
        replay(['{"op": "price", "asset": "X", "price": "1"}', "not json", '{"op": 1}'])

    workload()  # warm every cache and lazily built table first
    gc.collect()
    gc.disable()
    try:
        workload()
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0
