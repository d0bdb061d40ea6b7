"""Position-aware exits: the book's net positions, reduce-only orders, brackets
capped by the position, and close_position."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta

import pytest

from orders import (
    Amend,
    BadOrderParameters,
    Cancel,
    CancelRequested,
    DecimalOrder,
    Fill,
    FillBust,
    LimitOrder,
    LinkedOrderError,
    NewRequested,
    OCOOrder,
    OrderBook,
    SerializationError,
    StopOrder,
    buy_bracket,
    dumps,
    loads,
    oco_orders,
    sell_bracket,
)
from orders.book import BookResult, Submit
from orders.book.rules import Arming, check_book

T = datetime(2024, 1, 15, 9, 30)


def long_bracket(book: OrderBook, size: int = 100, ids: tuple[str, str, str] = ("m", "s", "l"),
                 **submit: object) -> OrderBook:
    """``book`` with a long bracket on AAPL whose entry has filled ``size``."""
    orders = buy_bracket(T, "AAPL", size, price=100, stopprice=95, limitprice=110, ids=ids)
    book = book.submit(*orders, **submit).book  # type: ignore[arg-type]
    return book.apply(ids[0], Fill(size, 100, fill_id=f"{ids[0]}-fill")).book


def manual(book: OrderBook, amount: int, order_id: str = "manual") -> OrderBook:
    """``book`` once a market order of ``amount`` on AAPL has filled."""
    book = book.submit(DecimalOrder(T, "AAPL", amount, id=order_id)).book
    return book.apply(order_id, Fill(abs(amount), 101, fill_id=f"{order_id}-fill")).book


def left(book: OrderBook, *order_ids: str) -> list[tuple[str, str, object]]:
    return [(o.id, o.status.name, o.remaining) for o in (book[i] for i in order_ids)]


def events(result: BookResult) -> list[tuple[str, str]]:
    return [(d.order_id, type(d.event).__name__) for d in result.derived]


# The book's positions.


def test_the_net_position_follows_fills_busts_and_outlives_release() -> None:
    book = OrderBook().submit(DecimalOrder(T, "AAPL", 10, id="buy"),
                              DecimalOrder(T, "AAPL", -4, id="sell")).book
    assert book.net_position("AAPL") == 0
    book = book.apply("buy", Fill(10, 100, dt=T, fill_id="b")).book
    book = book.apply("sell", Fill(4, 101, dt=T, fill_id="s")).book
    assert book.net_position("AAPL") == 6
    assert book.apply("sell", FillBust("s")).book.net_position("AAPL") == 10
    released = book.release(T + timedelta(hours=1))
    assert len(released.book.orders) == 0
    assert released.book.net_position("AAPL") == 6
    assert released.book.net_position("MSFT") == 0


def test_positions_and_reduce_only_marks_survive_documents_and_pickles() -> None:
    book = manual(OrderBook(), 10, "buy").release(T + timedelta(hours=1)).book
    book = book.submit(DecimalOrder(T, "AAPL", -4, limit=110, id="tp"), reduce_only=True).book
    document = json.loads(dumps(book))
    assert document["value"]["positions"] == [{"asset": "AAPL", "quantity": "10"}]
    assert document["value"]["reduce_only"] == ["tp"]
    for restored in (loads(dumps(book), OrderBook), pickle.loads(pickle.dumps(book))):
        assert restored == book
        assert restored.net_position("AAPL") == 10
        with pytest.raises(LinkedOrderError, match="reduce-only order tp would have 20"):
            restored.apply("tp", Amend(amount=-20))  # still reduce-only, still 10 held


def test_a_book_without_released_fills_writes_no_positions() -> None:
    book = manual(OrderBook(), 10, "buy")
    assert "positions" not in json.loads(dumps(book))["value"]
    assert loads(dumps(book), OrderBook).net_position("AAPL") == 10


def test_a_loaded_book_whose_exits_work_for_more_than_its_position_is_refused() -> None:
    book = manual(OrderBook(), 10, "buy")
    book = book.submit(DecimalOrder(T, "AAPL", -10, limit=110, id="tp"), reduce_only=True).book
    document = json.loads(dumps(book))
    document["value"]["positions"] = [{"asset": "AAPL", "quantity": "4"}]
    with pytest.raises(SerializationError, match="exits_fit_the_position"):
        loads(json.dumps(document), OrderBook)
    document["value"]["reduce_only"] = ["nothing"]
    with pytest.raises(SerializationError, match="not orders of the book"):
        loads(json.dumps(document), OrderBook)


# Brackets capped by the position.


def test_a_manual_sell_shrinks_the_bracket_legs_to_the_position() -> None:
    book = long_bracket(OrderBook())
    result = manual(book, -50).apply("manual", FillBust("manual-fill"))
    before_bust = manual(book, -50)
    assert left(before_bust, "s", "l") == [("s", "OPEN", -50), ("l", "OPEN", -50)]
    assert before_bust.explain("s")[-1].cause.rule == "legs_cover_the_position"  # type: ignore[union-attr]
    assert before_bust.explain("s")[-1].because.order_id == "manual"  # type: ignore[union-attr]
    # undone, the legs grow back to the bracket's position
    assert left(result.book, "s", "l") == [("s", "OPEN", -100), ("l", "OPEN", -100)]


def test_a_manual_order_that_flattens_the_position_withdraws_the_bracket() -> None:
    book = manual(long_bracket(OrderBook()), -100)
    assert left(book, "s", "l") == [("s", "CANCELLED", -100), ("l", "CANCELLED", -100)]
    assert book.brackets["m"].withdrawn
    assert book.explain("s")[-1].cause.rule == "nothing_left_to_protect"  # type: ignore[union-attr]


def test_a_flip_through_zero_leaves_no_exit_on_the_wrong_side() -> None:
    book = manual(long_bracket(OrderBook()), -150)
    assert book.net_position("AAPL") == -50
    assert [o.id for o in book.open_orders("AAPL")] == []


def test_the_newest_bracket_shrinks_first() -> None:
    book = long_bracket(OrderBook(), 100, ("m1", "s1", "l1"))
    later = buy_bracket(T + timedelta(minutes=1), "AAPL", 60, price=100, stopprice=95,
                        limitprice=110, ids=("m2", "s2", "l2"))
    book = book.submit(*later).book.apply("m2", Fill(60, 100)).book
    shrunk = manual(book, -40)
    assert left(shrunk, "s1", "s2") == [("s1", "OPEN", -100), ("s2", "OPEN", -20)]
    gone = manual(book, -80)
    assert left(gone, "s1", "s2") == [("s1", "OPEN", -80), ("s2", "CANCELLED", -60)]
    assert gone.brackets["m2"].withdrawn
    assert not gone.brackets["m1"].withdrawn


def test_a_bracket_on_the_filled_entry_arms_for_its_share_of_the_position() -> None:
    orders = buy_bracket(T, "AAPL", 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    book = OrderBook().submit(*orders, arming=Arming.ENTRY_FILLED).book
    book = book.apply("m", Fill(60, 100)).book
    book = manual(book, -20)
    assert left(book, "s") == [("s", "HELD", -100)]
    book = book.apply("m", Fill(40, 100)).book
    assert left(book, "s", "l") == [("s", "OPEN", -80), ("l", "OPEN", -80)]


def test_a_short_bracket_is_capped_by_a_manual_buy() -> None:
    orders = sell_bracket(T, "AAPL", 100, price=100, stopprice=105, limitprice=90,
                          ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book.apply("m", Fill(100, 100)).book
    book = manual(book, 30)
    assert left(book, "s", "l") == [("s", "OPEN", 70), ("l", "OPEN", 70)]


# Reduce-only orders and OCO exits.


def test_a_reduce_only_oco_group_shrinks_with_the_position() -> None:
    book = manual(OrderBook(), 100, "buy")
    for mode in ("cancel", "reduce"):
        tp, sl = oco_orders(T, "AAPL", -100, OCOOrder(LimitOrder(110), StopOrder(90)),
                            ids=("tp", "sl"))
        grouped = book.submit(tp, sl, reduce_only=True, link_mode=mode).book
        shrunk = manual(grouped, -30)
        assert left(shrunk, "tp", "sl") == [("tp", "OPEN", -70), ("sl", "OPEN", -70)]
        assert shrunk.explain("sl")[-1].cause.rule == "exits_fit_the_position"  # type: ignore[union-attr]
        flat = manual(shrunk, -70, "manual2")
        assert left(flat, "tp", "sl") == [("tp", "CANCELLED", -70), ("sl", "CANCELLED", -70)]


def test_a_reduce_only_order_never_grows_back() -> None:
    book = manual(OrderBook(), 100, "buy")
    book = book.submit(DecimalOrder(T, "AAPL", -100, limit=110, id="tp"), reduce_only=True).book
    book = manual(book, -40).apply("manual", FillBust("manual-fill")).book
    assert left(book, "tp") == [("tp", "OPEN", -60)]


def test_a_reduce_only_order_that_would_add_to_the_position_is_cancelled() -> None:
    result = OrderBook().submit(DecimalOrder(T, "AAPL", -10, limit=110, id="tp"),
                                reduce_only=True)
    assert result.book["tp"].status.name == "CANCELLED"
    assert result.derived[0].event == Cancel(
        "reduce-only order tp would add to the position in 'AAPL' (0)"
    )


def test_older_exits_are_covered_first() -> None:
    book = long_bracket(OrderBook())
    result = book.submit(DecimalOrder(T + timedelta(minutes=1), "AAPL", -30, limit=120,
                                      id="extra"), reduce_only=True)
    assert events(result) == [("extra", "Cancel")]
    assert left(result.book, "s") == [("s", "OPEN", -100)]


def test_a_bracket_entry_cannot_be_reduce_only() -> None:
    orders = buy_bracket(T, "AAPL", 100, price=100, stopprice=95, limitprice=110)
    with pytest.raises(BadOrderParameters, match="bracket's entry"):
        OrderBook().submit(*orders, reduce_only=True)


# Closing out.


def test_close_position_cancels_the_exits_and_what_adds_and_submits_a_market_order() -> None:
    book = long_bracket(OrderBook())
    book = book.submit(DecimalOrder(T, "AAPL", 10, limit=90, id="add"),
                       DecimalOrder(T, "AAPL", -5, limit=130, id="host-sell"),
                       DecimalOrder(T, "MSFT", 10, limit=90, id="other")).book
    result = book.close_position("AAPL", T + timedelta(minutes=5), id="close")
    assert events(result) == [("add", "Cancel"), ("l", "Cancel"), ("s", "Cancel"),
                              ("close", "Submit")]
    closing = result.derived[-1].event
    assert isinstance(closing, Submit)
    assert closing.order.amount == -100
    assert closing.order.order_type.name == "MARKET"
    assert result.book.brackets["m"].withdrawn
    assert sorted(o.id for o in result.book.open_orders("AAPL")) == ["close", "host-sell"]
    assert result.book.explain("close")[0].cause.rule == "close_position"  # type: ignore[union-attr]
    flat = result.book.apply("close", Fill(100, 99))
    assert flat.book.net_position("AAPL") == 0


def test_the_closing_order_is_reduce_only() -> None:
    book = manual(OrderBook(), 100, "buy")
    book = book.close_position("AAPL", T, id="close").book
    book = manual(book, -40, "raced")
    assert left(book, "close") == [("close", "OPEN", -60)]


def test_close_position_in_live_mode_asks_the_venue_to_cancel() -> None:
    book = long_bracket(OrderBook(live=True))
    for order_id in ("s", "l"):
        book = book.apply(order_id, NewRequested()).book
    result = book.close_position("AAPL", T, id="close")
    kinds = [(d.order_id, type(d.event)) for d in result.derived]
    assert kinds == [("l", CancelRequested), ("s", CancelRequested), ("close", Submit)]
    assert result.book["s"].status.name == "OPEN"
    assert result.book["s"].pending_cancel
    check_book(result.book)


def test_close_position_without_a_position_changes_nothing() -> None:
    book = OrderBook().submit(DecimalOrder(T, "AAPL", 10, limit=90, id="add")).book
    result = book.close_position("AAPL", T)
    assert result.book is book
    assert result.derived == ()


def test_close_position_refuses_an_id_in_the_book() -> None:
    book = manual(OrderBook(), 10, "buy")
    with pytest.raises(BadOrderParameters, match="'buy' is already in the book"):
        book.close_position("AAPL", T, id="buy")


def test_in_live_mode_the_legs_the_venue_holds_shrink_by_replace_requests() -> None:
    book = long_bracket(OrderBook(live=True))
    for order_id in ("s", "l"):
        book = book.apply(order_id, NewRequested()).book
    shrunk = manual(book, -30)
    for order_id in ("s", "l"):
        leg = shrunk[order_id]
        assert leg.amount == -100  # at the venue's size until it confirms
        assert leg.pending_replace is not None
        assert leg.pending_replace.change.amount == -70


def test_a_document_lists_positions_in_a_fixed_order() -> None:
    book = OrderBook()
    for asset in ("MSFT", "AAPL", "IBM"):
        book = book.submit(DecimalOrder(T, asset, 5, id=asset)).book
        book = book.apply(asset, Fill(5, 100)).book
    released = book.release(T + timedelta(hours=1)).book
    written = json.loads(dumps(released))["value"]["positions"]
    assert [position["asset"] for position in written] == ["AAPL", "IBM", "MSFT"]
