from datetime import datetime
from decimal import Decimal

import attrs
import pytest

from orders import Asset, BadOrderParameters, DecimalOrder, InvalidQuantityError
from orders.assets import (
    check_asset,
    check_quantity_increment,
    round_limit_price,
    round_stop_price,
)
from tests.support import peak_bytes_allocated

T0 = datetime(2024, 1, 15, 9, 30)


def test_asset_defaults_are_an_equity_on_a_cent_grid() -> None:
    asset = Asset("AAPL")
    assert asset.tick_size == Decimal("0.01")
    assert asset.quantity_increment == Decimal("1")
    assert asset.exchange is None
    assert str(asset) == "AAPL"


def test_asset_is_a_frozen_hashable_value() -> None:
    assert Asset("BTC", tick_size="0.5") == Asset("BTC", tick_size=Decimal("0.5"))
    assert len({Asset("AAPL"), Asset("AAPL")}) == 1
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Asset("AAPL").symbol = "MSFT"  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["", None, 7])
def test_asset_symbol_must_be_a_non_empty_str(bad: object) -> None:
    with pytest.raises(BadOrderParameters, match=f"symbol must be a non-empty str; got {bad!r}"):
        Asset(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -0.01, "x", float("nan")])
def test_tick_size_must_be_positive(bad: object) -> None:
    with pytest.raises(BadOrderParameters, match="tick_size"):
        Asset("AAPL", tick_size=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, "-1", True])
def test_quantity_increment_must_be_positive(bad: object) -> None:
    with pytest.raises(InvalidQuantityError, match="quantity_increment"):
        Asset("BTC", quantity_increment=bad)  # type: ignore[arg-type]


def test_exchange_must_be_a_str() -> None:
    with pytest.raises(BadOrderParameters, match="exchange must be a str or None; got 3"):
        Asset("AAPL", exchange=3)  # type: ignore[arg-type]


# The never-more-aggressive rule: buy limits and sell stops round down,
# sell limits and buy stops round up.
@pytest.mark.parametrize(
    ("rounding", "is_buy", "expected"),
    [
        (round_limit_price, True, "150.12"),
        (round_limit_price, False, "150.13"),
        (round_stop_price, True, "150.13"),
        (round_stop_price, False, "150.12"),
    ],
)
def test_tick_rounding_never_makes_the_order_more_aggressive(
    rounding: object, is_buy: bool, expected: str
) -> None:
    price = rounding(Decimal("150.125"), Asset("AAPL"), is_buy)  # type: ignore[operator]
    assert str(price) == expected


def test_prices_of_a_plain_identifier_are_kept_exactly() -> None:
    assert str(round_limit_price(Decimal("150.125"), "AAPL", True)) == "150.125"
    assert str(round_stop_price(Decimal("150.125"), 42, False)) == "150.125"


def test_a_coarse_tick_rounds_to_its_multiples() -> None:
    es = Asset("ES", tick_size="0.25")
    assert round_limit_price(Decimal("4500.1"), es, True) == Decimal("4500.00")
    assert round_limit_price(Decimal("4500.1"), es, False) == Decimal("4500.25")


def test_quantity_increment_lets_fractional_crypto_through() -> None:
    btc = Asset("BTC", quantity_increment="0.00000001")
    check_quantity_increment(Decimal("0.00012345"), btc, "amount")
    with pytest.raises(InvalidQuantityError, match=r"amount 0\.000000001 is not a multiple"):
        check_quantity_increment(Decimal("0.000000001"), btc, "amount")


def test_quantity_increment_catches_fractional_equities() -> None:
    with pytest.raises(
        InvalidQuantityError,
        match=r"amount 100\.5 is not a multiple of AAPL's quantity increment 1",
    ):
        check_quantity_increment(Decimal("100.5"), Asset("AAPL"), "amount")


def test_quantity_of_a_plain_identifier_is_not_checked() -> None:
    check_quantity_increment(Decimal("100.5"), "AAPL", "amount")


def test_a_quantity_too_large_to_check_is_refused() -> None:
    btc = Asset("BTC", quantity_increment="1E-8")
    with pytest.raises(InvalidQuantityError, match="is not a multiple"):
        check_quantity_increment(Decimal("1E+80"), btc, "amount")


@pytest.mark.parametrize("bad", [None, [1, 2], {"a": 1}])
def test_an_order_asset_must_be_a_hashable_identifier(bad: object) -> None:
    with pytest.raises(BadOrderParameters, match="asset"):
        check_asset(bad)


def test_an_unbounded_increment_is_refused_before_any_work_that_grows_with_it() -> None:
    # A grid of 1E-999999999 would need a billion digits to apply; the bounds are
    # checked first, so refusing it takes a few kB.
    def refuse() -> None:
        with pytest.raises(InvalidQuantityError, match="quantity_increment must lie within"):
            Asset("X", quantity_increment="1E-999999999")
        with pytest.raises(BadOrderParameters, match="tick_size must lie within"):
            Asset("X", tick_size=Decimal("1E+999999999"))

    assert peak_bytes_allocated(refuse) < 32_000


@pytest.mark.parametrize(
    ("huge", "shown"),
    [(10**39, str(10**39)), (-(10**4_300), "an int of about 4301 digits"),
     (10**99_999, "an int of about 100000 digits")],
    ids=["40 digits", "4301 digits", "100000 digits"],
)
def test_an_int_asset_too_long_to_print_is_refused_briefly(huge: int, shown: str) -> None:
    for refuse in (check_asset, lambda asset: DecimalOrder(T0, asset, 1)):
        with pytest.raises(BadOrderParameters) as caught:
            refuse(huge)
        message = str(caught.value)
        assert message.startswith("an int asset must have at most 39 digits")
        assert shown in message
        assert len(message) < 200


def test_an_int_asset_of_128_bits_is_accepted_and_prints() -> None:
    largest = 2**128 - 1  # a UUID's int
    order = DecimalOrder(T0, largest, 1)
    assert order.asset == largest
    assert str(largest) in repr(order)
    assert check_asset(-(10**39 - 1)) == -(10**39 - 1)
