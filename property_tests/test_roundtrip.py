"""Every value Hypothesis can build survives dumps/loads, and its JSON is stable."""

from __future__ import annotations

import contextlib
import decimal
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Fill,
    LimitOrder,
    NewRequested,
    OCOOrder,
    OrderBook,
    OrderError,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    StopOrder,
    apply,
    oco_orders,
    strategies,
)
from orders.io.documents import dumps, loads, structure, unstructure

T0 = datetime(2024, 1, 15, 9, 30)
prices = strategies.prices("0.01", "1E6", places=4)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1E4"), places=2)
naive = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
datetimes = naive | st.builds(
    lambda dt, minutes: dt.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    naive,
    st.integers(-720, 720),
)


@st.composite
def traded_orders(draw: st.DrawFn) -> DecimalOrder:
    """An order from the shared strategy, naive or aware, then moved by a few
    prices at later times of its own kind."""
    order = draw(strategies.orders(start=draw(datetimes)))
    for price in draw(st.lists(prices, max_size=3)):
        order = order.check_triggers(price, order.dt + draw(st.timedeltas(max_value=timedelta(
            days=30), min_value=timedelta(0))))
    return order


request_ids = st.none() | st.sampled_from(["q1", "q2", "q3"])
reasons = st.text(max_size=4)
codes = st.sampled_from(RequestRejectReason)
requests_and_answers = st.one_of(
    st.builds(NewRequested, request_ids, naive),
    st.builds(Acknowledged, naive),
    st.builds(CancelRequested, request_ids, reasons),
    st.builds(CancelRejected, reasons, codes, request_ids),
    st.builds(ReplaceRequested, st.builds(Amend, amount=st.integers(1, 500)), request_ids),
    st.builds(ReplaceRequested, st.builds(Amend, limit=prices), request_ids),
    st.builds(Replaced, request_ids),
    st.builds(ReplaceRejected, reasons, codes, request_ids),
)


@st.composite
def live_orders(draw: st.DrawFn) -> DecimalOrder:
    """A drawn order, or one restored with cancels in flight, then sent requests,
    answered and filled in any order (the events it refuses are skipped)."""
    restored = st.builds(
        lambda pending: DecimalOrder(T0, "X", 10, limit="5", id="r", pending=pending),
        st.lists(st.builds(CancelRequested, st.none(), reasons), max_size=2),
    )
    order = draw(strategies.orders(start=T0, status=ORDER_STATUS.OPEN) | restored)
    for _ in range(draw(st.integers(0, 8))):
        event: Event = draw(requests_and_answers | strategies.fills(order, start=T0))
        with contextlib.suppress(OrderError):
            order = apply(order, event)
    return order


@given(
    st.one_of(
        strategies.styles(),
        strategies.fills(),
        strategies.events(),
        requests_and_answers,
        strategies.assets(),
        traded_orders(),
        live_orders(),
        strategies.books(),
    )
)
def test_loads_dumps_is_the_identity_and_json_is_stable(value: object) -> None:
    text = dumps(value)
    assert loads(text) == value
    assert dumps(loads(text)) == text


@given(st.lists(st.tuples(amounts, prices, prices), min_size=1, max_size=4))
def test_books_round_trip(legs: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    book = OrderBook()
    for index, (amount, limit, stop) in enumerate(legs):
        pair = oco_orders(T0, "X", amount, OCOOrder(LimitOrder(limit), StopOrder(stop)),
                          ids=(f"{index}a", f"{index}b"))
        book = book.submit(*pair).book
    book = book.apply("0a", Fill(legs[0][0], legs[0][1])).book
    assert loads(dumps(book)) == book
    assert dumps(loads(dumps(book))) == dumps(book)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
type_names = st.sampled_from(
    ["DecimalOrder", "OrderBook", "Asset", "Fill", "Amend", "OCOOrder", "BracketOrder",
     "LimitOrder", "BarUpdate", "FillCorrection", "CancelRejected", "ReplaceRequested"]
)
VALID = {value.__class__.__name__: value for value in (
    Fill(1, 1), CancelRejected("late", RequestRejectReason.TOO_LATE),
    ReplaceRequested(Amend(amount=2), "q1"),
)}


@given(name=type_names, value=json_values, data=st.data())
def test_any_document_loads_or_raises_an_order_error(
    name: str, value: object, data: st.DataObject
) -> None:
    # Start from a valid document of that type half the time, with one field replaced.
    document = {"format": "orders", "version": 1, "type": name, "value": value}
    if name in VALID and data.draw(st.booleans()):
        valid = unstructure(VALID[name])["value"]
        field = data.draw(st.sampled_from(sorted(valid)))
        document["value"] = {**valid, field: value}
    with contextlib.suppress(OrderError):
        structure(document)


# Zoned datetimes: the zone is written after the offset, so a wall time the zone
# lives twice (or one it skips) reads back as the very datetime written.
zones = st.sampled_from(["America/New_York", "Europe/London", "Australia/Lord_Howe",
                         "Asia/Kolkata", "UTC"]).map(ZoneInfo)
zoned = st.builds(
    lambda wall, zone, fold: wall.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31)),
    zones,
    st.integers(0, 1),
)


@given(zoned)
def test_a_zoned_datetime_reads_back_as_written(dt: datetime) -> None:
    order = DecimalOrder(dt, "X", 1, limit="10", id="z").fill(1, "10", dt=dt)
    restored = loads(dumps(order), DecimalOrder)
    assert restored == order
    assert (restored.dt.tzinfo, restored.dt.utcoffset()) == (dt.tzinfo, dt.utcoffset())
    (fill,) = restored.history
    assert isinstance(fill, Fill)
    assert fill.dt is not None
    assert fill.dt.utcoffset() == dt.utcoffset()
    assert dumps(restored) == dumps(order)


# The caller's decimal context: what dumps writes, what loads reads and the
# caller's flags are the same under any of them.
contexts = st.builds(
    lambda prec, rounding, emax, capitals, clamp, traps: decimal.Context(
        prec=prec, rounding=rounding, Emax=emax, Emin=-emax, capitals=capitals, clamp=clamp,
        traps=traps,
    ),
    st.integers(1, 40),
    st.sampled_from([decimal.ROUND_UP, decimal.ROUND_DOWN, decimal.ROUND_FLOOR,
                     decimal.ROUND_CEILING, decimal.ROUND_HALF_UP, decimal.ROUND_05UP]),
    st.integers(1, 30),
    st.integers(0, 1),
    st.integers(0, 1),
    st.lists(st.sampled_from(list(decimal.getcontext().flags)), unique=True),
)


@given(st.one_of(traded_orders(), strategies.books(), strategies.events()), contexts)
def test_documents_are_the_same_under_any_caller_context(
    value: object, context: decimal.Context
) -> None:
    text = dumps(value)
    with decimal.localcontext(context) as caller:
        assert dumps(value) == text
        assert loads(text) == value
        raised = [flag for flag, up in caller.flags.items() if up]
    assert raised == []
