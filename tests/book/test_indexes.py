"""The book's indexes: the quiet range of an asset, where a trade moves no order."""

from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from orders import Bar, DecimalOrder, OrderBook, check_triggers
from orders.book import indexes
from orders.order.triggers import bar_steps, price_steps

T0 = datetime(2024, 1, 15, 9, 30)
LEVELS = [Decimal(level) for level in ("99", "99.5", "100", "100.5", "101")]
levels = st.sampled_from(LEVELS)


@st.composite
def resting_orders(draw: st.DrawFn, number: int) -> DecimalOrder:
    """One order of asset XYZ that some price can move: a stop, a limit (its
    limit reached or not), a stop limit, or a trailing stop with or without a mark."""
    amount = draw(st.sampled_from([10, -10]))
    kind = draw(st.sampled_from(["stop", "limit", "stop limit", "trailing"]))
    keywords: dict[str, object] = {"id": f"o{number}"}
    if kind in ("stop", "stop limit"):
        keywords["stop"] = draw(levels)
    if kind in ("limit", "stop limit"):
        keywords["limit"] = draw(levels)
    if kind == "trailing":
        keywords["trail_amount"] = Decimal("0.5")
    order = DecimalOrder(T0, "XYZ", amount, **keywords)  # type: ignore[arg-type]
    for price in draw(st.lists(levels, max_size=2)):  # marks and reached limits
        order = check_triggers(order, price, T0)
    return order


@st.composite
def books(draw: st.DrawFn) -> OrderBook:
    count = draw(st.integers(0, 4))
    return OrderBook().submit(*(draw(resting_orders(number)) for number in range(count))).book


def moved_by_scan(book: OrderBook, price: Decimal) -> set[str]:
    return {order.id for order in book.orders.values() if price_steps(order, price, T0)}


# Every price near a level: each level, and a little above and below it.
NEAR_LEVELS = sorted({level + offset for level in LEVELS
                      for offset in (Decimal("-0.01"), Decimal(0), Decimal("0.01"))})


@settings(max_examples=300, deadline=None)
@given(books())
def test_a_price_moves_exactly_the_orders_a_scan_moves(book: OrderBook) -> None:
    for price in NEAR_LEVELS:
        assert set(indexes.moved_by(book.index, "XYZ", price)) == moved_by_scan(book, price)


@settings(max_examples=300, deadline=None)
@given(books())
def test_the_quiet_range_holds_the_prices_that_move_no_order(book: OrderBook) -> None:
    record = book.index.get("XYZ")
    quiet = indexes.quiet_range(record) if record is not None else None
    for price in NEAR_LEVELS:
        expected = not moved_by_scan(book, price)
        assert (quiet is None or indexes.is_quiet(quiet, price)) == expected


@settings(max_examples=300, deadline=None)
@given(books(), st.lists(levels, min_size=2, max_size=2))
def test_a_bar_moves_every_order_a_scan_moves(book: OrderBook, prices: list[Decimal]) -> None:
    low, high = sorted(prices)
    for bar in (Bar(low, high, low, high), Bar(high, high, low, low)):
        moved = {order.id for order in book.orders.values() if bar_steps(order, bar, T0)}
        assert moved <= set(indexes.moved_by_bar(book.index, "XYZ", bar))


def test_a_trailing_stop_without_a_mark_leaves_no_price_quiet() -> None:
    book = OrderBook().submit(DecimalOrder(T0, "XYZ", -10, id="t", trail_amount=1)).book
    assert indexes.quiet_range(book.index["XYZ"])[0] == Decimal("Infinity")
    assert indexes.moved_by(book.index, "XYZ", Decimal(100)) == ["t"]


def test_a_sell_trailing_stop_is_quiet_up_to_its_mark_and_above_its_stop() -> None:
    order = DecimalOrder(T0, "XYZ", -10, id="t", trail_amount=1)
    book = OrderBook().submit(order).book.on_price("XYZ", 100, T0).book
    quiet = indexes.quiet_range(book.index["XYZ"])
    assert quiet == (Decimal(99), False, Decimal(100), True)
    assert [indexes.is_quiet(quiet, Decimal(price)) for price in ("99", "99.01", "100", "100.01")
            ] == [False, True, True, False]


def test_a_bar_inside_the_quiet_range_moves_nothing_and_one_reaching_a_stop_does() -> None:
    book = OrderBook().submit(DecimalOrder(T0, "XYZ", 10, id="s", stop=105)).book
    assert book.on_bar("XYZ", Bar(100, 104, 99, 103)) == book.on_price("XYZ", 104)
    assert book.on_bar("XYZ", Bar(100, 104, 99, 103)).book is book
    assert book.moved_by_bar("XYZ", Bar(100, 105, 99, 103)) == ["s"]


def test_an_older_record_without_a_quiet_range_gets_one() -> None:
    book = OrderBook().submit(DecimalOrder(T0, "XYZ", 10, id="s", stop=105)).book
    record = book.index["XYZ"]
    older = book.index.set("XYZ", record[:-4])  # as a book pickled before post-only orders
    assert indexes.widened(older)["XYZ"] == record
