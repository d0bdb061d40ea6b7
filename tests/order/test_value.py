import copy
import decimal
import pickle
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from orders import (
    ORDER_STATUS,
    Amend,
    Asset,
    BadOrderParameters,
    Bar,
    BracketOrder,
    Cancel,
    DecimalOrder,
    Event,
    Expire,
    Fill,
    InvalidQuantityError,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    OrderType,
    PercentSlippage,
    Replaced,
    ReplaceRequested,
    StopLimitOrder,
    StopOrder,
    TimeKindError,
    TrailingStopOrder,
    Trigger,
    apply,
    bracket_orders,
)
from tests.support import peak_bytes_allocated

NUMBER = "a finite number (a Decimal, int, float or numeric str)"
AAPL = Asset("AAPL", exchange="NYSE")
BTC = Asset("BTC", exchange="CRYPTO", quantity_increment="0.00000001")
T0 = datetime(2024, 1, 15, 9, 30)


# The reference's constructor examples (001_fed8c75f77605aa0.txt, "Creating Orders").
def test_reference_market_order() -> None:
    order = DecimalOrder(dt=T0, asset=AAPL, amount=Decimal("100"), order_type="market")
    assert len(order.id) == 32
    assert order.status is ORDER_STATUS.OPEN
    assert (order.amount, order.filled, order.remaining) == (100, 0, 100)
    assert order.commission == 0
    assert order.filled_price is None
    assert order.created == order.dt == T0
    assert order.direction == 1
    assert order.open


def test_reference_limit_order() -> None:
    order = DecimalOrder(
        dt=T0, asset=AAPL, amount=Decimal("100"), order_type="limit", limit=Decimal("150.00")
    )
    assert order.order_type is OrderType.LIMIT
    assert order.order_type == "limit"
    assert str(order.limit) == "150.00"
    assert order.stop is None


def test_reference_stop_loss_order() -> None:
    order = DecimalOrder(
        dt=T0, asset=AAPL, amount=Decimal("-100"), order_type="stop", stop=Decimal("145.00")
    )
    assert order.direction == -1
    assert not order.is_buy
    assert order.side == "SELL"
    assert DecimalOrder(T0, AAPL, 1).side == "BUY"
    assert order.stop == Decimal("145.00")
    assert order.remaining == Decimal("-100")
    assert not order.stop_reached


def test_reference_fractional_crypto_order() -> None:
    order = DecimalOrder(
        dt=T0, asset=BTC, amount=Decimal("0.00012345"), order_type="market"
    )
    assert str(order.amount) == "0.00012345"


def test_reference_keywords_with_their_defaults() -> None:
    order = DecimalOrder(
        dt=T0,
        asset=AAPL,
        amount=Decimal("100"),
        order_type="limit",
        stop=None,
        limit=Decimal("150.00"),
        filled=None,
        commission=None,
        id=None,
        trail_amount=None,
        trail_percent=None,
        linked_order_ids=None,
        parent_order_id=None,
    )
    assert order.filled == Decimal("0")
    assert order.commission == Decimal("0")
    assert order.linked_order_ids == ()
    assert order.parent_order_id is None
    assert order.broker_order_id is None
    assert order.reason == ""
    assert order.trailing_highest_price is None
    assert order.trailing_lowest_price is None
    assert not order.is_trailing_stop
    assert not order.limit_reached


def test_ids_are_fresh_unless_given() -> None:
    assert DecimalOrder(T0, AAPL, 1).id != DecimalOrder(T0, AAPL, 1).id
    assert DecimalOrder(T0, AAPL, 1, id="mine").id == "mine"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, OrderType.MARKET),
        ({"limit": 150}, OrderType.LIMIT),
        ({"stop": 145}, OrderType.STOP),
        ({"stop": 145, "limit": 144}, OrderType.STOP_LIMIT),
        ({"trail_amount": 5}, OrderType.TRAILING_STOP),
        ({"trail_percent": "0.05"}, OrderType.TRAILING_STOP),
    ],
)
def test_order_type_is_inferred_from_the_prices_given(
    kwargs: dict[str, object], expected: OrderType
) -> None:
    assert DecimalOrder(T0, "AAPL", -100, **kwargs).order_type is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order_type": "stop"}, "a stop order requires stop; got None"),
        ({"order_type": "limit"}, "a limit order requires limit; got None"),
        ({"order_type": "stop_limit", "stop": 1}, "a stop_limit order requires limit"),
        ({"order_type": "market", "limit": 1}, "a market order takes no limit; got limit=1"),
        ({"order_type": "limit", "limit": 1, "stop": 2}, "a limit order takes no stop; got stop=2"),
        (
            {"order_type": "stop", "stop": 1, "trail_amount": 2},
            "a stop order takes no trail_amount",
        ),
        ({"order_type": "trailing_stop"}, "exactly one of trail_amount and trail_percent"),
        (
            {"trail_amount": 1, "trail_percent": "0.1"},
            "exactly one of trail_amount and trail_percent",
        ),
        ({"trail_amount": 1, "limit": 2}, "a trailing_stop order takes no limit"),
        ({"trailing_highest_price": 3}, "a market order takes no trailing_highest_price"),
        ({"order_type": "iceberg"}, "order_type must be one of market, limit, stop"),
        ({"limit": -150}, "limit must not be negative; got -150"),
        ({"stop": float("nan")}, f"stop must be {NUMBER}; got nan"),
        ({"trail_percent": 2}, "trail_percent must be between 0 and 1 (exclusive); got 2"),
        ({"trail_amount": 0}, "trail_amount must be greater than 0; got 0"),
        ({"commission": "lots"}, f"commission must be {NUMBER}"),
        ({"id": ""}, "id must be a non-empty str; got ''"),
        ({"linked_order_ids": "abc"}, "linked_order_ids must be a list or tuple of ids"),
        ({"linked_order_ids": {"a"}}, "linked_order_ids must be a list or tuple of ids"),
        ({"linked_order_ids": ["a", 3]}, "linked_order_ids must hold non-empty str ids; got 3"),
        ({"parent_order_id": 5}, "parent_order_id must be a str or None; got 5"),
        ({"status": 9}, "status must be an ORDER_STATUS (0 to 6); got 9"),
        ({"created": "today"}, "created must be a datetime or None; got 'today'"),
        ({"exchange": 1}, "exchange must be a str or None; got 1"),
    ],
)
def test_bad_parameters_raise_bad_order_parameters(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        DecimalOrder(T0, "AAPL", 100, **kwargs)  # type: ignore[arg-type]


def test_dt_must_be_a_datetime() -> None:
    with pytest.raises(BadOrderParameters, match="dt must be a datetime; got '2024-01-15'"):
        DecimalOrder("2024-01-15", "AAPL", 100)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, ["AAPL"]])
def test_asset_must_be_a_hashable_identifier(bad: object) -> None:
    with pytest.raises(BadOrderParameters, match="asset"):
        DecimalOrder(T0, bad, 100)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "amount must not be zero; got 0"),
        (Decimal("-0.000"), "amount must not be zero; got Decimal('-0.000')"),
        (True, f"amount must be {NUMBER}; got True (bool)"),
        ("ten", f"amount must be {NUMBER}; got 'ten'"),
        (float("inf"), f"amount must be {NUMBER}; got inf"),
        (Decimal("NaN"), f"amount must be {NUMBER}; got Decimal('NaN')"),
    ],
)
def test_bad_amounts_raise_invalid_quantity_error(amount: object, message: str) -> None:
    with pytest.raises(InvalidQuantityError, match=re.escape(message)):
        DecimalOrder(T0, "AAPL", amount)  # type: ignore[arg-type]


def test_fractional_equity_amount_is_refused() -> None:
    with pytest.raises(InvalidQuantityError, match=r"amount 100\.5 is not a multiple"):
        DecimalOrder(T0, AAPL, Decimal("100.5"))


def test_fractional_amount_is_kept_for_a_plain_identifier() -> None:
    assert DecimalOrder(T0, "AAPL", Decimal("100.5")).amount == Decimal("100.5")


@pytest.mark.parametrize(
    ("amount", "limit", "stop", "expected_limit", "expected_stop"),
    [
        (100, "150.127", None, "150.12", None),
        (-100, "150.121", None, "150.13", None),
        (100, None, "145.001", None, "145.01"),
        (-100, None, "145.009", None, "145.00"),
        (100, "146.005", "145.005", "146.00", "145.01"),
    ],
)
def test_order_prices_are_rounded_to_the_asset_tick_never_more_aggressive(
    amount: int, limit: str | None, stop: str | None, expected_limit: str | None,
    expected_stop: str | None,
) -> None:
    order = DecimalOrder(T0, AAPL, amount, limit=limit, stop=stop)
    assert (str(order.limit) if order.limit is not None else None) == expected_limit
    assert (str(order.stop) if order.stop is not None else None) == expected_stop


def test_filled_needs_notional_and_then_derives_status_and_average() -> None:
    order = DecimalOrder(T0, AAPL, 1000, filled=400, notional="57780.00")
    assert order.status is ORDER_STATUS.PARTIALLY_FILLED
    assert order.filled_price == Decimal("144.45")
    assert order.remaining == 600
    done = DecimalOrder(T0, AAPL, -1000, filled=-1000, notional="144450.00")
    assert done.status is ORDER_STATUS.FILLED
    assert not done.open
    assert done.filled_price == Decimal("144.45")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"filled": 300}, BadOrderParameters, "filled 300 needs notional"),
        ({"notional": 5}, BadOrderParameters, "notional must be 0 when nothing is filled"),
        ({"filled": -300, "notional": 1}, InvalidQuantityError, "sign of amount 1000"),
        ({"filled": 1001, "notional": 1}, InvalidQuantityError, "filled 1001 exceeds amount 1000"),
        ({"filled": "0.5", "notional": 1}, InvalidQuantityError, "filled 0.5 is not a multiple"),
        ({"notional": -1, "filled": 1}, BadOrderParameters, "notional must not be negative"),
    ],
)
def test_inconsistent_fill_totals_are_refused(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        DecimalOrder(T0, AAPL, 1000, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "filled", "accepted"),
    [
        (ORDER_STATUS.OPEN, 0, True),
        (ORDER_STATUS.OPEN, 10, False),
        (ORDER_STATUS.HELD, 0, True),
        (ORDER_STATUS.HELD, 10, False),
        (ORDER_STATUS.TRIGGERED, 0, True),
        (ORDER_STATUS.TRIGGERED, 100, False),
        (ORDER_STATUS.PARTIALLY_FILLED, 10, True),
        (ORDER_STATUS.PARTIALLY_FILLED, 0, False),
        (ORDER_STATUS.PARTIALLY_FILLED, 100, False),
        (ORDER_STATUS.FILLED, 100, True),
        (ORDER_STATUS.FILLED, 99, False),
        (ORDER_STATUS.CANCELLED, 0, True),
        (ORDER_STATUS.CANCELLED, 40, True),
        (ORDER_STATUS.REJECTED, 0, True),
        (ORDER_STATUS.REJECTED, 40, True),
    ],
)
def test_status_must_agree_with_quantities(
    status: ORDER_STATUS, filled: int, accepted: bool
) -> None:
    notional = filled * 10

    def build() -> DecimalOrder:
        return DecimalOrder(T0, AAPL, 100, filled=filled, notional=notional, status=status)

    if accepted:
        order = build()
        assert order.status is status
        assert order.open is (status not in {ORDER_STATUS.FILLED, ORDER_STATUS.CANCELLED,
                                             ORDER_STATUS.REJECTED})
    else:
        with pytest.raises(BadOrderParameters, match=f"status {status.name} needs"):
            build()


def test_status_accepts_the_int_value() -> None:
    assert DecimalOrder(T0, AAPL, 100, status=4).status is ORDER_STATUS.HELD


def test_from_style_builds_each_single_order_type() -> None:
    cases = {
        MarketOrder(exchange="NASDAQ"): (OrderType.MARKET, None, None),
        LimitOrder(150.004): (OrderType.LIMIT, None, Decimal("150.00")),
        StopOrder(145.001): (OrderType.STOP, Decimal("145.01"), None),
        StopLimitOrder(146.005, 145.005): (
            OrderType.STOP_LIMIT, Decimal("145.01"), Decimal("146.00"),
        ),
        TrailingStopOrder(trail_amount=5): (OrderType.TRAILING_STOP, None, None),
    }
    for style, (order_type, stop, limit) in cases.items():
        order = DecimalOrder.from_style(T0, AAPL, 100, style)
        assert (order.order_type, order.stop, order.limit) == (order_type, stop, limit)
        assert order.exchange == style.exchange
        assert order.trail_amount == style.trail_amount


def test_from_style_copies_the_trail_and_takes_an_id() -> None:
    order = DecimalOrder.from_style(T0, AAPL, -100, TrailingStopOrder(trail_percent=0.05), id="t")
    assert (order.id, order.trail_percent, order.trail_amount) == ("t", Decimal("0.05"), None)
    assert order.is_trailing_stop
    assert order.stop is None


@pytest.mark.parametrize(
    ("style", "message"),
    [
        (OCOOrder(LimitOrder(110), StopOrder(90)), "OCOOrder describes several linked orders"),
        (BracketOrder(MarketOrder(), 95, 110), "BracketOrder describes several linked orders"),
        ("limit", "style must be an ExecutionStyle; got 'limit' (str)"),
        (LimitOrder(150, asset=Asset("MSFT")), "the style was priced for asset"),
    ],
)

def test_from_style_refusals(style: object, message: str) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        DecimalOrder.from_style(T0, AAPL, 100, style)  # type: ignore[arg-type]


def test_from_style_refuses_a_zero_amount() -> None:
    with pytest.raises(InvalidQuantityError, match="amount must not be zero"):
        DecimalOrder.from_style(T0, AAPL, 0, MarketOrder())


def test_orders_are_frozen_hashable_values_compared_by_value() -> None:
    a = DecimalOrder(T0, AAPL, 100, limit="150.00", id="x")
    b = DecimalOrder(T0, AAPL, Decimal("100"), limit=150.0, id="x")
    assert a == b
    assert hash(a) == hash(b)
    assert a != DecimalOrder(T0 + timedelta(seconds=1), AAPL, 100, limit="150.00", id="x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.status = ORDER_STATUS.FILLED  # type: ignore[misc]


def test_orders_after_a_transition_are_frozen_too() -> None:
    filled = DecimalOrder(T0, AAPL, 100, limit="150.00").fill(40, "149.50")
    assert type(filled) is DecimalOrder
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        filled.filled = Decimal(0)  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        filled.terms.amount = Decimal(1)  # type: ignore[misc]


def test_orders_survive_pickle_and_copy_with_their_fills() -> None:
    order = DecimalOrder(T0, AAPL, 100, limit="150.00").fill(40, "149.50", fill_id="f1")
    for copied in (
        pickle.loads(pickle.dumps(order)),
        copy.copy(order),
        copy.deepcopy(order),
    ):
        assert copied == order
        assert copied.fills == order.fills
        assert copied.fill(40, "149.50", fill_id="f1") == copied  # the fill id is known
        assert list(copied.history) == list(order.history)


def test_repr_is_short_and_readable() -> None:
    order = DecimalOrder(T0, AAPL, 100, limit="150.00", id="ab12cd34ef56")
    assert repr(order) == (
        "DecimalOrder(id='ab12cd34', BUY 100 AAPL LIMIT 150.00, OPEN, filled 0/100)"
    )
    trailing = DecimalOrder(T0, "BTC", "-0.5", trail_percent="0.05", id="t")
    assert repr(trailing) == (
        "DecimalOrder(id='t', SELL 0.5 BTC TRAILING_STOP trail 5%, OPEN, filled 0/0.5)"
    )


def test_construction_does_not_depend_on_the_callers_context() -> None:
    expected = DecimalOrder(T0, AAPL, 1000, limit="150.127", filled=400, notional="57780.00",
                            id="x")
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_UP
        ctx.traps[decimal.Inexact] = True
        order = DecimalOrder(T0, AAPL, 1000, limit="150.127", filled=400, notional="57780.00",
                             id="x")
        assert order.remaining == 600
        assert order.filled_price == Decimal("144.45")
    assert order == expected


def test_default_ids_are_distinct_version_4_uuids() -> None:
    ids = {DecimalOrder(T0, AAPL, 1).id for _ in range(1000)}
    assert len(ids) == 1000
    for order_id in list(ids)[:50]:
        parsed = uuid.UUID(hex=order_id)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, order_id)


def test_an_orders_times_are_of_one_kind_and_in_order() -> None:
    aware = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    with pytest.raises(TimeKindError, match="valid_until"):
        DecimalOrder(T0, AAPL, 1, valid_until=aware)
    with pytest.raises(TimeKindError, match="created"):
        DecimalOrder(aware, AAPL, 1, created=T0)
    with pytest.raises(BadOrderParameters, match=r"valid_until .* is before the order was created"):
        DecimalOrder(T0, AAPL, 1, valid_until=T0 - timedelta(seconds=1))
    assert DecimalOrder(T0, AAPL, 1, valid_until=T0).valid_until == T0


@pytest.mark.parametrize(
    "event",
    [Fill(1, 1, dt=datetime(2024, 1, 15, tzinfo=UTC)), Trigger(datetime(2024, 1, 15, tzinfo=UTC)),
     Expire(datetime(2024, 1, 16, tzinfo=UTC))],
    ids=["Fill", "Trigger", "Expire"],
)
def test_an_event_of_the_other_kind_of_time_is_refused(event: Event) -> None:
    order = DecimalOrder(T0, AAPL, 10, stop=1, id="o")
    with pytest.raises(TimeKindError, match=r"is aware, but order o.s dt is naive"):
        apply(order, event)


def test_apply_refuses_what_is_not_an_order() -> None:
    with pytest.raises(BadOrderParameters, match="apply takes a DecimalOrder; got None"):
        apply(None, Cancel())  # type: ignore[arg-type]


def test_a_huge_int_amount_is_refused_without_being_written_out() -> None:
    huge = 10**1_000_000  # written out, or converted to a Decimal, it takes a megabyte

    def refuse() -> None:
        with pytest.raises(InvalidQuantityError, match="an int of about 1000001 digits"):
            DecimalOrder(T0, "X", huge)

    assert peak_bytes_allocated(refuse) < 32_000


def test_fill_ids_are_known_per_branch_of_an_order() -> None:
    base = DecimalOrder(T0, AAPL, 100, limit=10, id="o")
    partly = base.fill(40, 10, fill_id="a")
    cancelled = partly.cancel("user")
    busted = partly.bust("a")  # another branch, one event after the fill
    assert cancelled.fills["a"] == (partly.history[0], partly.history[0])
    assert busted.fills["a"][1] is None
    assert cancelled.bust("a").filled == 0  # the bust on the other branch is not seen here
    other = base.fill(100, 10, fill_id="a")  # the same id on a branch of its own
    assert other.fill(100, 10, fill_id="a") is other
    assert base.fill(5, 10, fill_id="a").filled == 5


def _tiny_order() -> DecimalOrder:
    tiny = Asset("SAT", tick_size="1E-8", quantity_increment="1E-8")
    return DecimalOrder(T0, tiny, "1E-8", "limit", limit="5E-7", id="o")


def _unpriced_account() -> object:
    from orders import Account

    return Account().fill(_tiny_order(), Fill("1E-8", "5E-7")).unrealized_pnl({})


def _beyond_exact_digits() -> object:
    from orders import Position

    return Position("SAT").execute("1E-30", "1").execute("1.1E+24", "1.1E+24")


REFUSALS_WITH_SMALL_DECIMALS = [
    pytest.param(lambda: DecimalOrder(T0, "A", Decimal("-1E-8"), limit=Decimal("-5E-7")),
                 "Decimal('-5E-7')", id="negative limit"),
    pytest.param(lambda: DecimalOrder(T0, "A", Decimal("1E-8"), "market", limit="5E-7"),
                 "limit=5E-7", id="a price the type takes none of"),
    pytest.param(lambda: DecimalOrder(T0, "A", "1E-8", "limit", limit="1E-7", filled="2E-8",
                                      notional="1E-15"), "filled 2E-8 exceeds amount 1E-8",
                 id="restored overfill"),
    pytest.param(lambda: DecimalOrder(T0, "A", "1E-8", "limit", limit="1E-7",
                                      filled="-1E-8", notional="1E-15"),
                 "amount 1E-8; got filled -1E-8", id="restored sign"),
    pytest.param(lambda: DecimalOrder(T0, "A", "1E-8", "limit", limit="1E-7",
                                      filled="1E-8"), "filled 1E-8 needs notional",
                 id="restored without notional"),
    pytest.param(lambda: DecimalOrder(T0, "A", "1E-8", "limit", limit="1E-7",
                                      notional="1E-15"), "got 1E-15", id="restored notional"),
    pytest.param(lambda: DecimalOrder(T0, "A", "2E-8", "limit", limit="1E-7", filled="1E-8",
                                      notional="1E-15", status=ORDER_STATUS.FILLED),
                 "got filled 1E-8 of 2E-8", id="restored status"),
    pytest.param(lambda: _tiny_order().fill("1E-9", "5E-7"), "0.000000001 is not a multiple",
                 id="fill off increment"),
    pytest.param(lambda: _tiny_order().fill("1E-8", Decimal("-5E-7")), "Decimal('-5E-7')",
                 id="negative fill price"),
    pytest.param(lambda: _tiny_order().fill("2E-8", "5E-7"), "fill of 2E-8 exceeds",
                 id="overfill"),
    pytest.param(lambda: _tiny_order().fill("1E-8", "5E-7", fill_id="f").fill(
        "1E-8", "4E-7", fill_id="f"), "applied as 1E-8 @ 5E-7", id="duplicate fill conflict"),
    pytest.param(_unpriced_account, "where the account holds 1E-8", id="position unpriced"),
    pytest.param(_beyond_exact_digits, "a fill of 1.1E+24 at 1.1E+24", id="position too exact"),
    pytest.param(lambda: Asset("A", tick_size=Decimal("-1E-8")), "Decimal('-1E-8')",
                 id="asset tick"),
    pytest.param(lambda: _tiny_order().amend(amount="-1E-8"), "to amount -1E-8 would change",
                 id="amend side"),
    pytest.param(lambda: _tiny_order().fill("1E-8", "5E-7", fill_id="f").correct(
        "f", quantity="2E-8"), "at most 1E-8 fits", id="correction overfill"),
    pytest.param(lambda: Bar(Decimal("5E-7"), Decimal("4E-7"), Decimal("1E-7"),
                             Decimal("2E-7")), "open 5E-7, high 4E-7", id="bar out of order"),
    pytest.param(lambda: TrailingStopOrder(trail_amount=Decimal("1E-8"),
                                           trail_percent=Decimal("1E-2")),
                 "trail_amount=1E-8, trail_percent=0.01", id="two trails"),
    pytest.param(lambda: bracket_orders(T0, "X", 1, BracketOrder(LimitOrder(Decimal("1E-7")),
                                                                 Decimal("2E-7"), Decimal("3E-7")),
                                        ids=("m", "s", "l")),
                 "entry m limits at 1E-7, stop-loss s stops at 2E-7", id="bracket entry"),
    pytest.param(lambda: PercentSlippage(Decimal("-1E-8")), "Decimal('-1E-8')",
                 id="negative slippage"),
]


@pytest.mark.parametrize(("refuse", "shown"), REFUSALS_WITH_SMALL_DECIMALS)
def test_refusal_messages_are_the_same_under_either_capitals(refuse: object, shown: str) -> None:
    from orders import OrderError

    def message(capitals: int) -> str:
        with decimal.localcontext(decimal.Context(capitals=capitals)), pytest.raises(
            OrderError
        ) as caught:
            refuse()  # type: ignore[operator]
        return str(caught.value)

    assert message(0) == message(1)
    assert shown in message(0)


@pytest.mark.parametrize("time_in_force", ["IOC", "FOK"])
def test_immediate_validities_take_no_valid_until(time_in_force: str) -> None:
    order = DecimalOrder(T0, AAPL, 1, limit=100, time_in_force=time_in_force)
    assert (order.time_in_force, order.valid_until) == (time_in_force, None)
    with pytest.raises(BadOrderParameters,
                       match=f"time in force {time_in_force} takes no valid_until"):
        DecimalOrder(T0, AAPL, 1, time_in_force=time_in_force, valid_until=T0)


def test_an_unknown_validity_is_refused_naming_every_allowed_one() -> None:
    with pytest.raises(BadOrderParameters,
                       match="time_in_force must be one of GTC, GTD, DAY, IOC, FOK; got 'GTX'"):
        DecimalOrder(T0, AAPL, 1, time_in_force="GTX")


@pytest.mark.parametrize(
    ("prices", "kind"),
    [({"limit": 100}, "limit"), ({"stop": 101, "limit": 100}, "stop_limit"),
     ({"trail_amount": 2, "limit_offset": 1}, "trailing_stop_limit")],
)
def test_an_order_with_a_limit_can_be_post_only(prices: dict[str, int], kind: str) -> None:
    order = DecimalOrder(T0, AAPL, 1, post_only=True, **prices)  # type: ignore[arg-type]
    assert (order.order_type, order.post_only) == (kind, True)
    assert DecimalOrder(T0, AAPL, 1, **prices).post_only is False  # type: ignore[arg-type]
    styled = DecimalOrder.from_style(T0, AAPL, 1, LimitOrder(100), post_only=True)
    assert styled.post_only is True


@pytest.mark.parametrize(
    ("prices", "kind"),
    [({}, "market"), ({"stop": 101}, "stop"), ({"trail_amount": 2}, "trailing_stop")],
)
def test_an_order_without_a_limit_cannot_be_post_only(prices: dict[str, int], kind: str) -> None:
    message = f"a {kind} order cannot be post-only; post_only=True needs an order with a limit"
    with pytest.raises(BadOrderParameters, match=message):
        DecimalOrder(T0, AAPL, 1, post_only=True, **prices)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="a market order cannot be post-only"):
        DecimalOrder.from_style(T0, AAPL, 1, MarketOrder(), post_only=True)


def test_post_only_must_be_a_bool() -> None:
    with pytest.raises(BadOrderParameters, match="post_only"):
        DecimalOrder(T0, AAPL, 1, limit=100, post_only=1)  # type: ignore[arg-type]
    with pytest.raises(BadOrderParameters, match="post_only"):
        DecimalOrder.from_style(T0, AAPL, 1, LimitOrder(100), post_only="yes")  # type: ignore[arg-type]


def test_post_only_survives_a_trailing_ratchet_and_pickling() -> None:
    order = DecimalOrder(T0, AAPL, -1, trail_amount=2, limit_offset=1, post_only=True)
    moved = order.check_triggers(110)
    assert moved.stop == 108
    assert moved.post_only is True
    assert pickle.loads(pickle.dumps(moved)) == moved


def test_an_amendment_and_a_replace_keep_post_only() -> None:
    order = DecimalOrder(T0, AAPL, 1, limit=100, post_only=True)
    assert order.amend(limit=99).post_only is True
    replaced = apply(apply(order, ReplaceRequested(Amend(limit=98))), Replaced())
    assert (replaced.limit, replaced.post_only) == (98, True)
