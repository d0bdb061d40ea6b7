"""Properties of constructing assets, styles and orders.

A valid construction keeps every input exactly; any input at all either
constructs or raises an ``OrderError``, never another exception.
"""

import contextlib
import decimal
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from orders import (
    Asset,
    BracketOrder,
    DecimalOrder,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    OrderError,
    StopLimitOrder,
    StopOrder,
    TrailingStopOrder,
)
from orders.decimals import to_decimal

T0 = datetime(2024, 1, 15, 9, 30)

quantities = st.decimals(
    min_value=Decimal("-1E9"), max_value=Decimal("1E9"), places=8, allow_nan=False
).filter(bool)
prices = st.decimals(min_value=0, max_value=Decimal("1E7"), places=6, allow_nan=False)
percents = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.9999"), places=4)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(max_size=12),
    st.sampled_from(["1", "-1", "0", "1e400", "0.01", "NaN", "-Infinity", " 5 ", "1_0"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.builds(object),
)


ORDER_KEYWORDS = [
    "dt", "asset", "amount", "order_type", "stop", "limit", "filled", "commission", "id",
    "trail_amount", "trail_percent", "linked_order_ids", "parent_order_id", "status",
    "created", "reason", "broker_order_id", "exchange", "stop_reached", "limit_reached",
    "trailing_highest_price", "trailing_lowest_price", "limit_offset", "notional",
]


def as_input(number: Decimal, kind: str) -> object:
    """The same number in one of the accepted input types."""
    if kind == "str":
        return str(number)
    if kind == "float":
        return float(number)
    return number


input_kinds = st.sampled_from(["decimal", "str", "float"])


@given(st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False), st.floats(
    allow_nan=False, allow_infinity=False)))
def test_every_finite_number_is_read_exactly_or_refused_for_its_bounds(value: object) -> None:
    expected = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]
    # The bounds are on the value: trailing zeros of the written form do not count.
    value = expected.normalize(decimal.Context(prec=100_000))
    digits = len(value.as_tuple().digits)
    exponent = value.as_tuple().exponent
    within = not value or (
        abs(value) < Decimal("1E+25") and exponent >= -30 and digits <= 31  # type: ignore[operator]
    )
    if not within:
        with pytest.raises(OrderError, match="must lie within the bounds"):
            to_decimal(value, "x", OrderError)
        return
    assert to_decimal(value, "x", OrderError) == expected
    assert to_decimal(str(expected), "x", OrderError).as_tuple() == expected.as_tuple()


@given(
    amount=quantities,
    kind=input_kinds,
    limit=st.none() | prices,
    stop=st.none() | prices,
    order_id=st.text(min_size=1, max_size=8),
)
def test_a_valid_order_keeps_its_inputs_exactly(
    amount: Decimal,
    kind: str,
    limit: Decimal | None,
    stop: Decimal | None,
    order_id: str,
) -> None:
    order = DecimalOrder(
        dt=T0,
        asset="XYZ",
        amount=as_input(amount, "decimal" if kind == "float" else kind),  # type: ignore[arg-type]
        limit=limit,
        stop=stop,
        id=order_id,
    )
    assert order.amount.as_tuple() == amount.as_tuple()
    assert order.limit == limit
    assert order.stop == stop
    if limit is not None:
        assert order.limit is not None
        assert order.limit.as_tuple() == limit.as_tuple()
    assert order.id == order_id
    assert order.remaining == amount
    assert DecimalOrder(**_fields(order)) == order


@given(amount=quantities, ticks=st.integers(0, 10**9), increment_places=st.integers(0, 8))
def test_on_tick_prices_and_on_grid_amounts_are_kept_for_an_asset(
    amount: Decimal, ticks: int, increment_places: int
) -> None:
    increment = Decimal(1).scaleb(-increment_places)
    asset = Asset("XYZ", tick_size="0.05", quantity_increment=increment)
    on_grid = amount.quantize(increment) or increment
    limit = Decimal(ticks) * Decimal("0.05")
    order = DecimalOrder(T0, asset, on_grid, limit=limit)
    assert order.amount == on_grid
    assert order.limit is not None
    assert order.limit.as_tuple() == limit.as_tuple()


@given(price=prices, kind=input_kinds, percent=percents)
def test_styles_keep_their_prices_exactly(price: Decimal, kind: str, percent: Decimal) -> None:
    given_price = as_input(price, kind)
    expected = Decimal(repr(given_price)) if kind == "float" else price
    assert LimitOrder(given_price).limit_price == expected  # type: ignore[arg-type]
    assert StopOrder(given_price).stop_price == expected  # type: ignore[arg-type]
    assert TrailingStopOrder(trail_percent=percent).trail_percent == percent


def _fields(order: DecimalOrder) -> dict[str, object]:
    """Every constructor keyword, read back from the attribute of that name."""
    return {keyword: getattr(order, keyword) for keyword in ORDER_KEYWORDS}


@given(
    dt=st.one_of(st.just(T0), anything),
    asset=st.one_of(st.just("XYZ"), anything),
    amount=anything,
    order_type=st.one_of(st.sampled_from(["market", "limit", "stop", "stop_limit",
                                          "trailing_stop"]), anything),
    stop=anything,
    limit=anything,
    commission=anything,
    trail_amount=anything,
    trail_percent=anything,
    status=anything,
    filled=anything,
    notional=anything,
    order_id=anything,
    linked_order_ids=anything,
    parent_order_id=anything,
    created=anything,
    reason=anything,
    broker_order_id=anything,
    exchange=anything,
    stop_reached=anything,
    limit_reached=anything,
    trailing_highest_price=anything,
    trailing_lowest_price=anything,
)
def test_any_order_input_constructs_or_raises_an_order_error(
    order_id: object, **kwargs: object
) -> None:
    with contextlib.suppress(OrderError):
        DecimalOrder(id=order_id, **kwargs)  # type: ignore[arg-type]




@given(
    order_type=st.sampled_from(["market", "limit", "stop", "stop_limit", "trailing_stop"]),
    keyword=st.sampled_from(ORDER_KEYWORDS),
    value=anything,
)
def test_any_single_bad_keyword_constructs_or_raises_an_order_error(
    order_type: str, keyword: str, value: object
) -> None:
    valid: dict[str, object] = {
        "dt": T0, "asset": "XYZ", "amount": 100, "order_type": order_type, "stop": 10,
        "limit": 11, "trail_amount": 1,
    }
    with contextlib.suppress(OrderError):
        DecimalOrder(**{**valid, keyword: value})  # type: ignore[arg-type]


@given(a=anything, b=anything, c=anything, d=anything)
def test_any_style_input_constructs_or_raises_an_order_error(
    a: object, b: object, c: object, d: object
) -> None:
    for build in (
        lambda: MarketOrder(a),  # type: ignore[arg-type]
        lambda: LimitOrder(a, b, c),  # type: ignore[arg-type]
        lambda: StopOrder(a, b, c),  # type: ignore[arg-type]
        lambda: StopLimitOrder(a, b, c, d),  # type: ignore[arg-type]
        lambda: TrailingStopOrder(a, b, c, d),  # type: ignore[arg-type]
        lambda: OCOOrder(a, b, c),  # type: ignore[arg-type]
        lambda: BracketOrder(a, b, c, d),  # type: ignore[arg-type]
        lambda: BracketOrder(MarketOrder(), b, c),  # type: ignore[arg-type]
        lambda: Asset("X", a, b, c),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(OrderError):
            build()
