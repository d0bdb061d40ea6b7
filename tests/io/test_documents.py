import decimal
import json
import re
import typing
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import reduce

import attrs
import pytest

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    Asset,
    Bar,
    BarUpdate,
    BracketOrder,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    LimitOrder,
    MarketOrder,
    NewRequested,
    OCOOrder,
    OrderBook,
    OrderError,
    PriceUpdate,
    Reject,
    Release,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    SimulatedVenue,
    Snapshot,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
    VenueOrder,
    apply,
    buy_bracket,
    snapshot_of,
)
from orders.io.documents import (
    FORMAT_VERSION,
    SerializationError,
    dumps,
    loads,
    structure,
    unstructure,
)

T0 = datetime(2024, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
AAPL = Asset("AAPL", exchange="NYSE")

VALUES = [
    AAPL,
    Asset("BTC", tick_size="0.5", quantity_increment="1E-8"),
    MarketOrder(exchange="NASDAQ"),
    LimitOrder("150.10", asset=AAPL),
    StopOrder(95),
    StopLimitOrder("94.00", "95.00"),
    TrailingStopOrder(trail_percent="0.05"),
    TrailingStopLimitOrder(trail_amount=2, limit_offset="0.50"),
    OCOOrder(LimitOrder(110), StopOrder(90)),
    BracketOrder(LimitOrder(98), 93, 108),
    Fill("400", "144.45", "1.25", T0, "x1"),
    Trigger(T0, "144.50"),
    Hold("risk"),
    Release(),
    Cancel("user"),
    Reject("margin"),
    Expire(T0),
    Amend(amount=50, limit="10.5"),
    FillCorrection("x1", price="144.40"),
    FillBust("x1"),
    PriceUpdate("101.25", T0),
    BarUpdate(Bar(1, 2, "0.5", "1.5"), None),
    NewRequested("n1", T0),
    Acknowledged(T0),
    CancelRequested("c1", "user", T0),
    CancelRejected("too late", RequestRejectReason.TOO_LATE, "c1", T0),
    ReplaceRequested(Amend(amount=50, limit="10.5"), "r1", T0),
    Replaced("r1", T0),
    ReplaceRejected("no", RequestRejectReason.BROKER_OPTION, "r1", T0),
    VenueOrder("v1", ORDER_STATUS.PARTIALLY_FILLED, 4, "100.25", (Fill(4, "100.25", fill_id="x"),),
               10),
    Snapshot({"v1": VenueOrder("v1", ORDER_STATUS.OPEN, 0)}, {"AAPL": Decimal(0)}),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_every_value_survives_a_round_trip(value: object) -> None:
    text = dumps(value)
    assert loads(text) == value
    assert dumps(loads(text)) == text


def test_decimals_keep_their_digits_and_exponent() -> None:
    data = unstructure(LimitOrder("150.10"))
    assert data == {
        "format": "orders",
        "version": 4,
        "type": "LimitOrder",
        "value": {"asset": None, "exchange": None, "limit_price": "150.10"},
    }
    assert str(loads(dumps(Asset("BTC", quantity_increment="1E-8"))).quantity_increment) == "1E-8"


def test_documents_are_written_in_version_4() -> None:
    assert FORMAT_VERSION == 4
    assert json.loads(dumps(Expire(T0)))["version"] == 4


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_documents_of_every_readable_version_are_read(version: int) -> None:
    document = {"format": "orders", "version": version, "type": "Expire",
                "value": {"dt": T0.isoformat()}}
    assert loads(json.dumps(document)) == Expire(T0)


def test_an_order_with_history_and_fill_records_round_trips() -> None:
    order = (
        DecimalOrder(T0, AAPL, 1000, stop="145.00", id="o1", valid_until=T0 + timedelta(days=1))
        .trigger(T0)
        .fill(400, "144.45", fill_id="a", commission="0.40")
        .fill(100, "144.40")
        .correct("a", price="144.46")
        .check_triggers("144.00", T0)
    )
    again = loads(dumps(order))
    assert again == order
    assert dict(again.fills) == dict(order.fills)
    assert again.fill(400, "144.45", fill_id="a", commission="0.40") is again  # still a repeat
    assert again.filled_price == order.filled_price


def test_a_book_round_trips_with_its_links_and_indexes() -> None:
    book = OrderBook().submit(*buy_bracket(T0, AAPL, 100, price=100, stopprice=95,
                                           limitprice=110, ids=("m", "s", "l"))).book
    book = book.apply("m", Fill(100, 100)).book
    again = loads(dumps(book))
    assert again == book
    assert again.on_price(AAPL, 94, T0).book == book.on_price(AAPL, 94, T0).book


def test_datetimes_keep_their_offset_and_naive_ones_stay_naive() -> None:
    assert unstructure(Expire(T0))["value"]["dt"] == "2024-01-15T09:30:00-05:00"
    naive = datetime(2024, 1, 15, 9, 30)
    assert loads(dumps(Expire(naive))).dt.tzinfo is None


def test_enums_are_written_by_name_and_events_are_tagged() -> None:
    order = DecimalOrder(T0, "X", 5, limit=1, id="o").fill(5, 1)
    value = unstructure(order)["value"]
    assert (value["status"], value["terms"]["order_type"], value["terms"]["time_in_force"]) == (
        "FILLED", "LIMIT", "GTC",
    )
    assert value["history"][0]["type"] == "Fill"


def test_json_is_stable() -> None:
    order = DecimalOrder(T0, AAPL, 10, limit="1.10", id="o").fill(5, "1.05", fill_id="b")
    order = order.fill(1, "1.04", fill_id="a")
    assert dumps(order) == dumps(loads(dumps(order)))
    assert list(json.loads(dumps(order))["value"]["fills"]) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "at $: expected a JSON object"),
        ('{"format": "orders", "version": 5, "type": "Fill", "value": {}}',
         "at $: expected an orders document of version 1, 2, 3 or 4; got format 'orders', "
         "version 5"),
        ('{"format": "orders", "version": 1, "type": "Nope", "value": {}}', "unknown value type"),
        ('{"format": "orders", "version": 1, "type": "Fill", "value": {"price": "1"}}',
         "at $.value.quantity: a required field is missing"),
        ('{"format": "orders", "version": 1, "type": "Fill", '
         '"value": {"quantity": 1.5, "price": "1"}}', "expected a decimal string"),
        ('{"format": "orders", "version": 1, "type": "Fill", '
         '"value": {"quantity": "-1", "price": "1"}}', "quantity must be greater than 0"),
        ('{"format": "orders", "version": 1, "type": "Cancel", '
         '"value": {"reason": 5}}', "expected a JSON str; got 5"),
        ('{"format": "orders", "version": 1, "type": "Trigger", '
         '"value": {"dt": "yesterday"}}', "expected an ISO 8601 datetime"),
    ],
)


def test_bad_input_raises_an_order_error_that_says_why(text: str, message: str) -> None:
    with pytest.raises(OrderError, match=re.escape(message)):
        loads(text)


def test_an_order_whose_status_disagrees_with_its_quantities_is_refused() -> None:
    document = unstructure(DecimalOrder(T0, AAPL, 100, limit=1, id="o").fill(40, 1))
    document["value"]["status"] = "FILLED"
    with pytest.raises(SerializationError, match=re.escape(
        "at $.value.status: the document says 'FILLED', but the order its initial state and "
        "history describe has 'PARTIALLY_FILLED'"
    )):
        structure(document)
    document["value"]["initial"]["status"] = "SIDEWAYS"
    with pytest.raises(SerializationError, match=re.escape(
        "at $.value.initial.status: expected one of OPEN, FILLED"
    )):
        structure(document)
    del document["value"]["initial"]["terms"]["amount"]
    with pytest.raises(SerializationError, match=re.escape(
        "at $.value.initial.terms: missing field 'amount'"
    )):
        structure(document)


def test_structure_checks_the_expected_type_and_unknown_values_are_refused() -> None:
    with pytest.raises(SerializationError, match="holds a Fill, not a Cancel"):
        structure(unstructure(Fill(1, 1)), Cancel)
    with pytest.raises(SerializationError, match="object is not a serializable value"):
        dumps(object())
    with pytest.raises(SerializationError, match="an asset must be an Asset, a str or an int"):
        dumps(DecimalOrder(T0, ("tuple", "asset"), 1))


def test_decimal_inputs_in_documents_must_be_strings() -> None:
    document = unstructure(Fill(1, "2.50"))
    document["value"]["price"] = 2.5
    message = re.escape('expected a decimal string such as "150.10"')
    with pytest.raises(SerializationError, match=message):
        structure(document)
    assert structure(unstructure(Fill(1, Decimal("2.50")))) == Fill(1, "2.50")


# Documents from untrusted sources: accepted only when they describe a state
# that the events could have produced.


def order_document(order: DecimalOrder) -> dict[str, object]:
    return json.loads(dumps(order))  # type: ignore[no-any-return]


def refused(document: object, message: str) -> None:
    with pytest.raises(SerializationError, match=message):
        loads(json.dumps(document))


def filled_40() -> DecimalOrder:
    return DecimalOrder(T0, AAPL, 100, limit=150, id="o").fill(40, 150, fill_id="f1")


def test_an_edited_fill_record_is_refused() -> None:
    document = order_document(filled_40())
    document["value"]["fills"]["f1"][1]["quantity"] = "100"  # type: ignore[index]
    refused(document, re.escape("at $.value.fills: the document says"))


def test_a_fill_record_under_another_key_is_refused() -> None:
    document = order_document(filled_40())
    fills = document["value"]["fills"]  # type: ignore[index]
    fills["other"] = fills.pop("f1")
    refused(document, re.escape("at $.value.fills"))


def test_totals_that_disagree_with_the_history_are_refused() -> None:
    for field, value in (("notional", "0"), ("filled", "50"), ("status", "FILLED"),
                         ("commission", "1")):
        document = order_document(filled_40())
        document["value"][field] = value  # type: ignore[index]
        refused(document, re.escape(f"at $.value.{field}: the document says"))


def test_a_history_unrelated_to_the_totals_is_refused() -> None:
    document = order_document(filled_40())
    document["value"]["history"] = [  # type: ignore[index]
        {"type": "Fill", "quantity": "10", "price": "1", "commission": "0", "dt": None,
         "fill_id": None}
    ]
    refused(document, "the document says")


def test_an_order_with_a_history_needs_its_initial_state() -> None:
    document = order_document(filled_40())
    del document["value"]["initial"]  # type: ignore[attr-defined]
    refused(document, re.escape("at $.value: an order with a history needs its initial state"))


def test_an_order_restored_through_the_constructor_round_trips() -> None:
    restored = DecimalOrder(T0, AAPL, 100, limit=150, id="r", filled=40, notional=6000,
                            commission="1.5", status=ORDER_STATUS.PARTIALLY_FILLED)
    text = dumps(restored)
    assert loads(text) == restored
    assert dumps(loads(text)) == text
    assert restored.initial is restored


def test_a_loaded_order_is_the_fold_of_its_history() -> None:
    order = filled_40().check_triggers(149, T0).amend(limit=151).bust("f1")
    again = loads(dumps(order))
    assert again == order
    assert reduce(apply, again.history, again.initial) == again


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "orders", "version": 2, "version": 2, "type": "Cancel", "value": {}}',
         "at \\$: duplicate key 'version'"),
        ('{"format": "orders", "version": 2, "type": "Cancel", "value": {"reason": "a", '
         '"reason": "b"}}', "at \\$.value: duplicate key 'reason'"),
        ('{"format": "orders", "version": 2, "type": "Cancel", "value": {"why": "a"}}',
         "at \\$.value: unknown field 'why'"),
        ('{"format": "orders", "version": 2, "type": "Fill", "value": {"quantity": 5, '
         '"price": "1"}}', "at \\$.value.quantity: expected a decimal string"),
        ("[" * 100_000, "nested too deeply"),
        ('{"format": "orders", "version": 2, "type": "Fill", "value": {"quantity": '
         '"1E+999999999", "price": "1"}}', "at \\$.value.quantity: .*must lie within the bounds"),
    ],
)


def test_malformed_documents_are_refused_naming_the_path(text: str, message: str) -> None:
    with pytest.raises(SerializationError, match=message):
        loads(text)


def test_unknown_fields_are_refused_in_orders_and_books() -> None:
    document = order_document(filled_40())
    document["value"]["terms"]["colour"] = "red"  # type: ignore[index]
    refused(document, re.escape("at $.value.terms: unknown field 'colour'"))
    book = json.loads(dumps(OrderBook().submit(filled_40()).book))
    book["value"]["extra"] = 1
    refused(book, re.escape("at $.value: unknown field 'extra'"))


def bracket_document() -> dict[str, object]:
    orders = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    return json.loads(dumps(OrderBook().submit(*orders).book))  # type: ignore[no-any-return]


def test_books_whose_links_cannot_hold_are_refused() -> None:
    ghost = bracket_document()
    for order in ghost["value"]["orders"]:  # type: ignore[index]
        if order["terms"]["id"] == "s":
            order["terms"]["linked_order_ids"] = ["ghost"]
    refused(ghost, "links to 'ghost', which is not in the book")

    one_way = bracket_document()
    for order in one_way["value"]["orders"]:  # type: ignore[index]
        if order["terms"]["id"] == "l":
            order["terms"]["linked_order_ids"] = []
    refused(one_way, "links to")

    own_child = bracket_document()
    own_child["value"]["brackets"]["m"]["generations"] = [["m", "s", "l"]]  # type: ignore[index]
    refused(own_child, "bracket m")

    active = bracket_document()
    for order in active["value"]["orders"]:  # type: ignore[index]
        if order["terms"]["id"] == "s":
            order["status"] = "OPEN"
    refused(active, "refused by rule legs_wait_for_the_entry: bracket m breaks it")


def test_an_active_leg_under_an_unfilled_entry_is_refused() -> None:
    main, stop, limit = buy_bracket(T0, AAPL, 100, price=100, stopprice=95, limitprice=110,
                                    ids=("m", "s", "l"))
    book = OrderBook().submit(main, stop, limit).book
    released = book.orders.set("s", stop.release())
    forged = attrs.evolve(book, orders=released)
    with pytest.raises(
        SerializationError, match="refused by rule legs_wait_for_the_entry: bracket m breaks it"
    ):
        loads(dumps(forged))


def test_dumps_does_not_depend_on_the_callers_context() -> None:
    value = Asset("BTC", quantity_increment="1E-8")
    expected = dumps(value)
    with decimal.localcontext(decimal.Context(capitals=0, prec=3)):
        assert dumps(value) == expected
    assert '"1E-8"' in expected


ODD_CONTEXTS = [
    decimal.Context(capitals=0),
    decimal.Context(prec=1, rounding=decimal.ROUND_UP),
    decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR, Emax=2, Emin=-2),
    decimal.Context(traps=[]),
    decimal.Context(traps=list(decimal.getcontext().flags)),
    decimal.Context(prec=2, capitals=0, clamp=1, Emax=5, Emin=-5, traps=[]),
]


def _tiny_numbers_document() -> tuple[DecimalOrder, str]:
    btc = Asset("BTC", tick_size="1E-8", quantity_increment="1E-8")
    order = DecimalOrder(T0, btc, "0.00000003", limit="0.00000070", id="b1")
    order = order.fill("1E-8", "6.9E-7", commission="1E-10", fill_id="x1")
    return order, dumps(order)


@pytest.mark.parametrize("context", ODD_CONTEXTS, ids=repr)
def test_documents_do_not_depend_on_the_callers_context(context: decimal.Context) -> None:
    order, text = _tiny_numbers_document()
    assert '"1E-8"' in text
    assert '"1E-10"' in text
    book = OrderBook().submit(order).book
    book_text = dumps(book)
    with decimal.localcontext(context) as caller:
        assert dumps(order) == text
        assert loads(text) == order
        assert dumps(book) == book_text
        assert loads(book_text) == book
        assert loads(dumps(Asset("ETH", quantity_increment="1E-18"))) == Asset(
            "ETH", quantity_increment="1E-18")
        assert not any(caller.flags.values())


NEW_YORK = "America/New_York"


def _second_half_past_one() -> datetime:
    """2024-11-03 01:30 in New York happens twice; this is the second time (EST)."""
    from zoneinfo import ZoneInfo

    return datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=ZoneInfo(NEW_YORK))


def test_a_zoned_datetime_keeps_its_zone_and_which_of_two_equal_wall_times_it_is() -> None:
    late = _second_half_past_one()
    order = DecimalOrder(late, "AAPL", 10, limit="150", id="a").fill(4, "150", dt=late)
    text = dumps(order)
    assert '"dt":"2024-11-03T01:30:00-05:00[America/New_York]"' in text
    restored = loads(text, DecimalOrder)
    assert restored == order
    assert restored.dt.fold == 1
    assert restored.dt.tzinfo is late.tzinfo
    assert dumps(restored) == text
    early = late.replace(fold=0)
    assert loads(dumps(Expire(early))) == Expire(early)
    assert '"2024-11-03T01:30:00-04:00[America/New_York]"' in dumps(Expire(early))


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("2024-11-03T01:30:00-06:00[America/New_York]",
         "America/New_York is at -04:00 or -05:00 at 2024-11-03 01:30, not -06:00"),
        ("2024-07-01T12:00:00+00:00[America/New_York]",
         "America/New_York is at -04:00 at 2024-07-01 12:00, not +00:00"),
        ("1880-01-01T12:00:00-04:56[America/New_York]",
         "America/New_York is at -04:56:02 at 1880-01-01 12:00, not -04:56"),
        ("2024-07-01T12:00:00-04:00:30[America/New_York]",
         "America/New_York is at -04:00 at 2024-07-01 12:00, not -04:00:30"),
        ("2024-07-01T12:00:00[America/New_York]", "a zone needs the offset before it"),
        ("2024-07-01T12:00:00-04:00[Mars/Olympus]", "unknown time zone 'Mars/Olympus'"),
        ("2024-07-01T12:00:00-04:00[../../etc/passwd]", "unknown time zone '../../etc/passwd'"),
        ("2024-07-01T12:00:00-04:00[]", "unknown time zone ''"),
        ("2024-07-01T12:00:00-04:00]", "expected an ISO 8601 datetime; got "
         "'2024-07-01T12:00:00-04:00]'"),
        ("2024-07-01T12:00:00-04:00[UTC", "expected an ISO 8601 datetime; got "
         "'2024-07-01T12:00:00-04:00[UTC'"),
    ],
)


def test_a_zone_that_disagrees_with_its_offset_is_refused(written: str, reason: str) -> None:
    text = dumps(Expire(T0)).replace(T0.isoformat(), written)
    with pytest.raises(SerializationError, match=re.escape(f"at $.value.dt: {reason}")):
        loads(text)


def test_a_zoned_datetime_keeps_an_offset_with_seconds() -> None:
    from zoneinfo import ZoneInfo

    local_mean_time = datetime(1880, 1, 1, 12, tzinfo=ZoneInfo(NEW_YORK))  # -04:56:02
    text = dumps(Expire(local_mean_time))
    assert '"1880-01-01T12:00:00-04:56:02[America/New_York]"' in text
    assert loads(text) == Expire(local_mean_time)


def test_a_second_fold_at_a_time_the_zone_lives_once_is_read_back_as_the_first() -> None:
    from zoneinfo import ZoneInfo

    summer = datetime(2024, 7, 1, 12, fold=1, tzinfo=ZoneInfo(NEW_YORK))
    restored = loads(dumps(Expire(summer)), Expire).dt
    assert restored == summer
    assert restored.utcoffset() == summer.utcoffset()
    assert restored.fold == 0


def test_a_zone_made_without_the_cache_is_read_back_as_the_same_instant() -> None:
    from zoneinfo import ZoneInfo

    late = datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=ZoneInfo.no_cache(NEW_YORK))
    restored = loads(dumps(Expire(late)), Expire).dt
    assert restored.tzinfo is ZoneInfo(NEW_YORK)
    assert (restored.fold, restored.utcoffset()) == (1, late.utcoffset())
    assert restored.timestamp() == late.timestamp()
    assert restored != late  # Python: a second fold never equals a time of another tzinfo


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("America", "'America'"),
        ("Etc", "'Etc'"),
        ("America/", "'America/'"),
        ("a" * 300, "a str of 300 characters beginning 'aaaaaaaaaaaaaaaaaaaa'"),
        ("a/" * 3000, "a str of 6000 characters beginning 'a/a/a/a/a/a/a/a/a/a/'"),
        ("UTC\x00", "'UTC\\x00'"),
        ("\ud800", "'\\ud800'"),
    ],
)


def test_a_zone_key_that_names_no_zone_is_refused_without_a_host_path(
    key: str, shown: str
) -> None:
    written = json.dumps(f"2024-07-01T12:00:00-04:00[{key}]")
    text = dumps(Expire(T0)).replace(json.dumps(T0.isoformat()), written)
    with pytest.raises(SerializationError) as refused:
        loads(text)
    assert str(refused.value) == f"at $.value.dt: unknown time zone {shown}"


def test_a_document_with_an_int_asset_of_more_than_39_digits_is_refused() -> None:
    longest = 10**39 - 1
    text = dumps(DecimalOrder(T0, longest, 1, "market", id="o"))
    assert loads(text, DecimalOrder).asset == longest
    with pytest.raises(SerializationError, match=re.escape(
        f"at $.value: an int asset must have at most 39 digits; got {10**39}"
    )):
        loads(text.replace(str(longest), str(10**39)))


@pytest.mark.parametrize(
    "order",
    [DecimalOrder(T0, AAPL, 10, limit=99, id="ioc", time_in_force="IOC"),
     DecimalOrder(T0, AAPL, -10, limit=101, id="fok", time_in_force="FOK").fill(4, 101),
     DecimalOrder(T0, AAPL, 10, stop=101, limit=102, id="post", post_only=True)],
    ids=["IOC", "FOK", "post-only"],
)


def test_time_in_force_and_post_only_round_trip(order: DecimalOrder) -> None:
    text = dumps(order)
    again = loads(text)
    assert isinstance(again, DecimalOrder)
    assert again == order
    assert (again.time_in_force, again.post_only) == (order.time_in_force, order.post_only)
    assert dumps(again) == text


def test_post_only_is_written_only_when_set_so_older_documents_read_the_same() -> None:
    plain = json.loads(dumps(DecimalOrder(T0, AAPL, 10, limit=99, id="o")))
    assert "post_only" not in plain["value"]["terms"]
    assert loads(json.dumps(plain)) == DecimalOrder(T0, AAPL, 10, limit=99, id="o")
    post = json.loads(dumps(DecimalOrder(T0, AAPL, 10, limit=99, id="o", post_only=True)))
    assert post["value"]["terms"]["post_only"] is True
    post["value"]["terms"]["post_only"] = "yes"
    with pytest.raises(SerializationError,
                       match=r"at \$\.value\.terms\.post_only: expected a JSON bool"):
        loads(json.dumps(post))
# Requests in flight: the request events, and the order's ``pending`` in its state.


def test_a_reject_code_is_written_by_name_and_an_unknown_one_is_refused() -> None:
    document = unstructure(CancelRejected("too late", RequestRejectReason.TOO_LATE))
    assert document["value"]["code"] == "TOO_LATE"
    document["value"]["code"] = 0
    with pytest.raises(SerializationError, match=re.escape(
        "at $.value.code: expected one of TOO_LATE, UNKNOWN_ORDER, BROKER_OPTION, "
        "ALREADY_PENDING, OTHER for RequestRejectReason; got 0"
    )):
        structure(document)


def live_order() -> DecimalOrder:
    """An order acknowledged, partly filled, with a replace and a cancel in flight."""
    order = DecimalOrder(T0, AAPL, 100, limit="150", id="live")
    for event in (NewRequested("n1", T0), Acknowledged(T0),
                  Fill(40, "150", dt=T0, fill_id="f1"),
                  ReplaceRequested(Amend(amount=60, limit="149.5"), "r1", T0),
                  CancelRequested("c1", "flat", T0)):
        order = apply(order, event)
    return order


def test_an_order_with_requests_in_flight_round_trips_with_its_history() -> None:
    order = live_order()
    document = unstructure(order)["value"]
    assert [request["type"] for request in document["pending"]] == [
        "ReplaceRequested", "CancelRequested"]
    assert document["initial"]["pending"] == []
    again = loads(dumps(order), DecimalOrder)
    assert again == order
    assert again.pending == order.pending
    assert apply(again, Replaced("r1")) == apply(order, Replaced("r1"))


def test_requests_in_flight_given_to_the_constructor_are_part_of_the_state() -> None:
    restored = DecimalOrder(T0, AAPL, 100, limit="150", id="r", filled=40, notional=6000,
                            pending=[ReplaceRequested(Amend(amount=60), "r1"),
                                     CancelRequested("c1")])
    text = dumps(restored)
    assert loads(text) == restored
    assert dumps(loads(text)) == text
    later = restored.fill(10, "150", fill_id="f2")
    assert unstructure(later)["value"]["initial"]["pending"] == unstructure(restored)[
        "value"]["pending"]
    assert loads(dumps(later)) == later


def test_requests_in_flight_that_disagree_with_the_history_are_refused() -> None:
    document = order_document(live_order())
    document["value"]["pending"] = []  # type: ignore[index]
    refused(document, re.escape("at $.value.pending: the document says []"))


def test_a_request_in_flight_must_be_a_request() -> None:
    document = order_document(DecimalOrder(T0, AAPL, 1, limit=1, id="o"))
    document["value"]["pending"] = [unstructure(Fill(1, 1))["value"] | {"type": "Fill"}]  # type: ignore[index]
    refused(document, re.escape(
        "at $.value.pending[0].type: unknown request type 'Fill'; requests are NewRequested, "
        "CancelRequested, ReplaceRequested"
    ))
    document["value"]["pending"] = [{"type": "CancelRequested"}, {"type": "NewRequested"}]  # type: ignore[index]
    refused(document, re.escape("at $.value: a NewRequested can only be the first request"))


def test_a_version_4_order_needs_its_requests_in_flight() -> None:
    document = order_document(DecimalOrder(T0, AAPL, 1, limit=1, id="o"))
    del document["value"]["pending"]  # type: ignore[attr-defined]
    refused(document, re.escape("at $.value: missing field 'pending'"))


# Written by version 3, before requests in flight: it has no "pending" fields.
VERSION_3_ORDER = """{"format":"orders","type":"DecimalOrder","value":{"commission":"0",
"dt":"2024-01-15T09:30:00","filled":"4","fills":{"f1":[{"commission":"0","dt":null,
"fill_id":"f1","price":"4.99","quantity":"4"},{"commission":"0","dt":null,"fill_id":"f1",
"price":"4.99","quantity":"4"}]},"history":[{"commission":"0","dt":null,"fill_id":"f1",
"price":"4.99","quantity":"4","type":"Fill"}],"initial":{"commission":"0",
"dt":"2024-01-15T09:30:00","filled":"0","limit_reached":false,"notional":"0","reason":"",
"status":"OPEN","stop_reached":false,"terms":{"amount":"10","asset":"X","broker_order_id":null,
"created":"2024-01-15T09:30:00","exchange":null,"id":"a","limit":"5.00","limit_offset":null,
"linked_order_ids":[],"order_type":"LIMIT","parent_order_id":null,"stop":null,
"time_in_force":"GTC","trail_amount":null,"trail_percent":null,"trailing_highest_price":null,
"trailing_lowest_price":null,"valid_until":null}},"limit_reached":false,"notional":"19.96",
"reason":"","status":"PARTIALLY_FILLED","stop_reached":false,"terms":{"amount":"10",
"asset":"X","broker_order_id":null,"created":"2024-01-15T09:30:00","exchange":null,"id":"a",
"limit":"5.00","limit_offset":null,"linked_order_ids":[],"order_type":"LIMIT",
"parent_order_id":null,"stop":null,"time_in_force":"GTC","trail_amount":null,
"trail_percent":null,"trailing_highest_price":null,"trailing_lowest_price":null,
"valid_until":null}},"version":3}"""


def test_a_version_3_document_without_requests_in_flight_still_loads() -> None:
    expected = DecimalOrder(datetime(2024, 1, 15, 9, 30), "X", 10, limit="5.00", id="a")
    expected = expected.fill(4, "4.99", fill_id="f1")
    order = loads(VERSION_3_ORDER, DecimalOrder)
    assert order == expected
    assert order.pending == ()
    book = json.loads(dumps(OrderBook().submit(expected).book))
    book["version"] = 3
    book["value"]["orders"] = [json.loads(VERSION_3_ORDER)["value"]]
    assert loads(json.dumps(book)) == OrderBook().submit(expected).book
    unfilled = json.loads(VERSION_3_ORDER)
    unfilled["value"] = {name: value for name, value in unfilled["value"]["initial"].items()}
    unfilled["value"].update(history=[], fills={})
    assert loads(json.dumps(unfilled)) == DecimalOrder(
        datetime(2024, 1, 15, 9, 30), "X", 10, limit="5.00", id="a")


def test_a_book_keeps_the_post_only_orders_a_venue_let_rest() -> None:
    xyz = Asset("XYZ")
    book = OrderBook().place(T0, xyz, 10, LimitOrder(95), ids=["o"], post_only=True).book
    book = book.place(T0, xyz, 10, LimitOrder(94), ids=["p"]).book
    seen = SimulatedVenue().on_bar(book, xyz, Bar(100, 101, 99, 100), T0 + timedelta(days=1)).book
    assert json.loads(dumps(seen))["value"]["post_only_rested"] == ["o"]
    loaded = loads(dumps(seen))
    assert dict(loaded.post_only_rested[xyz]) == {"o": loaded["o"].terms}
    assert "post_only_rested" not in json.loads(dumps(book))["value"]
    broken = json.loads(dumps(seen))
    broken["value"]["post_only_rested"] = ["p"]
    with pytest.raises(SerializationError,
                       match=r"at \$\.value\.post_only_rested\[0\]: 'p' is not"):
        loads(json.dumps(broken))


# Venue snapshots: their orders as a list sorted by id, positions as [asset, quantity] pairs.

FILLED, OPEN = ORDER_STATUS.FILLED, ORDER_STATUS.OPEN


def test_a_snapshot_with_fills_and_without_round_trips() -> None:
    snapshot = Snapshot({
        "b": VenueOrder("b", FILLED, 10, "99.94", fills=(
            Fill(4, "100.00", fill_id="f-1"), Fill(6, "99.90", "0.35", T0, fill_id="f-2"))),
        "a": VenueOrder("a", FILLED, 5, "399.50"),
        "c": VenueOrder("c", OPEN, 0, None, fills=(), amount=7),
    })
    text = dumps(snapshot)
    assert loads(text, Snapshot) == snapshot
    assert dumps(loads(text)) == text
    value = json.loads(text)["value"]
    assert [order["order_id"] for order in value["orders"]] == ["a", "b", "c"]
    assert value["orders"][0]["fills"] is None
    assert value["orders"][2]["fills"] == []
    assert value["positions"] is None


def test_a_venue_orders_prices_round_trip_and_are_written_only_when_reported() -> None:
    priced = VenueOrder("p", OPEN, 0, None, (), amount=7, limit="99.5", stop="98")
    snapshot = Snapshot({"p": priced, "q": VenueOrder("q", OPEN, 0, None, (), amount=7)})
    text = dumps(snapshot)
    assert loads(text, Snapshot) == snapshot
    assert loads(dumps(priced), VenueOrder) == priced
    written = json.loads(text)["value"]["orders"]
    assert (written[0]["limit"], written[0]["stop"]) == ("99.5", "98")
    assert set(written[1]).isdisjoint({"limit", "stop"})


def test_a_snapshot_of_a_book_round_trips_with_its_prices() -> None:
    book = OrderBook().submit(DecimalOrder(T0, AAPL, 3, limit="101.25", stop="102", id="o")).book
    snapshot = snapshot_of(book)
    reported = snapshot.orders["o"]
    assert (reported.limit, reported.stop) == (Decimal("101.25"), Decimal(102))
    assert loads(dumps(snapshot), Snapshot) == snapshot


def test_positions_of_every_kind_of_asset_round_trip_as_pairs() -> None:
    positions = {"MSFT": Decimal(5), 7: Decimal("-2.5"), AAPL: Decimal(0)}
    snapshot = Snapshot({}, positions)
    text = dumps(snapshot)
    assert loads(text, Snapshot) == snapshot
    assert dumps(Snapshot({}, dict(reversed(positions.items())))) == text
    assert json.loads(text)["value"]["positions"] == [
        ["MSFT", "5"], [7, "-2.5"], [{"type": "Asset", **unstructure(AAPL)["value"]}, "0"],
    ]
    assert loads(dumps(Snapshot({}, {})), Snapshot).positions == {}


def test_a_snapshot_of_a_book_keeps_every_digit_of_its_averages() -> None:
    order = DecimalOrder(T0, AAPL, 3, limit=101, id="o").fill(1, "100.00").fill(2, "100.01")
    snapshot = snapshot_of(OrderBook().submit(order).book)
    assert len(str(snapshot.orders["o"].average_price)) > 31  # beyond an input's digits
    assert loads(dumps(snapshot), Snapshot) == snapshot


def snapshot_document() -> dict[str, object]:
    snapshot = Snapshot({"a": VenueOrder("a", FILLED, 4, "10", (Fill(4, "10", fill_id="f"),))},
                        {"X": Decimal(4)})
    return json.loads(dumps(snapshot))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda value: value["orders"].append(value["orders"][0]),
         "at $.value.orders[1]: order 'a' is listed twice"),
        (lambda value: value["orders"][0].update(status="GONE"),
         "at $.value.orders[0].status: expected one of OPEN"),
        (lambda value: value["orders"][0].update(filled="-4"),
         "at $.value.orders[0]: filled must be a finite number >= 0; got Decimal('-4')"),
        (lambda value: value["orders"][0].update(filled=4),
         "at $.value.orders[0].filled: expected a decimal string"),
        (lambda value: value["orders"][0].update(limit="-1"),
         "at $.value.orders[0]: limit must not be negative; got Decimal('-1')"),
        (lambda value: value["orders"][0].update(stop=98),
         "at $.value.orders[0].stop: expected a decimal string"),
        (lambda value: value["orders"][0].update(venue="X"),
         "at $.value.orders[0]: unknown field 'venue'"),
        (lambda value: value["orders"][0].pop("order_id"),
         "at $.value.orders[0].order_id: a required field is missing"),
        (lambda value: value["orders"][0]["fills"][0].update(quantity="0"),
         "at $.value.orders[0].fills[0]: quantity must be greater than 0"),
        (lambda value: value.update(orders={"a": value["orders"][0]}),
         "at $.value.orders: expected a JSON array"),
        (lambda value: value.update(positions={"X": "4"}),
         "at $.value.positions: expected a JSON array"),
        (lambda value: value["positions"].append(["Y"]),
         "at $.value.positions[1]: expected an [asset, quantity] pair; got ['Y']"),
        (lambda value: value["positions"].append(["X", "1"]),
         "at $.value.positions[1][0]: the asset 'X' is listed twice"),
        (lambda value: value["positions"].append([True, "1"]),
         "at $.value.positions[1][0]: an asset is a str, an int or an Asset object"),
        (lambda value: value["positions"].append(["Y", "NaN"]),
         "at $.value.positions[1][1]: a total must be a finite number"),
        (lambda value: value.pop("positions"), "at $.value: missing field 'positions'"),
    ],
)
def test_a_malformed_snapshot_is_refused_naming_the_path(
    edit: typing.Callable[[dict[str, typing.Any]], object], message: str
) -> None:
    document = snapshot_document()
    edit(document["value"])  # type: ignore[arg-type]
    refused(document, re.escape(message))


def test_a_snapshot_document_is_not_read_as_a_book() -> None:
    with pytest.raises(SerializationError, match="holds a Snapshot, not a OrderBook"):
        loads(dumps(Snapshot({})), OrderBook)
