import decimal
import re
from decimal import Decimal

import pytest

from orders.decimals import non_negative_price, positive_decimal, to_decimal, to_tick
from orders.errors import BadOrderParameters, InvalidQuantityError, OrderError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Decimal("150.10"), "150.10"),
        (150, "150"),
        ("150.10", "150.10"),
        (150.1, "150.1"),
        (0.1, "0.1"),
        (1e-8, "1E-8"),
        (-2.5, "-2.5"),
    ],
)
def test_accepted_inputs_keep_their_digits(given: object, expected: str) -> None:
    assert str(to_decimal(given, "price", BadOrderParameters)) == expected


def test_a_float_is_read_by_its_shortest_repr_not_its_binary_expansion() -> None:
    assert to_decimal(150.1, "price", BadOrderParameters) == Decimal("150.1")
    assert to_decimal(150.1, "price", BadOrderParameters) != Decimal(150.1)  # noqa: RUF032 - the binary expansion


@pytest.mark.parametrize(
    ("bad", "quoted"),
    [
        (True, "True"),
        (False, "False"),
        (Decimal("NaN"), "Decimal('NaN')"),
        (Decimal("sNaN"), "Decimal('sNaN')"),
        (Decimal("Infinity"), "Decimal('Infinity')"),
        (Decimal("-Infinity"), "Decimal('-Infinity')"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        ("abc", "'abc'"),
        ("", "''"),
        ("nan", "'nan'"),
        (None, "None"),
        ([1], "[1]"),
        (1 + 2j, "(1+2j)"),
    ],
)
def test_refused_inputs_raise_the_named_error_quoting_the_value(bad: object, quoted: str) -> None:
    with pytest.raises(InvalidQuantityError) as caught:
        to_decimal(bad, "amount", InvalidQuantityError)
    assert "amount" in str(caught.value)
    assert quoted in str(caught.value)


def test_parsing_does_not_depend_on_the_callers_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.InvalidOperation] = False
        assert to_decimal("123456.789", "price", BadOrderParameters) == Decimal("123456.789")
        with pytest.raises(BadOrderParameters, match="'abc'"):
            to_decimal("abc", "price", BadOrderParameters)


def test_negative_price_is_refused_and_negative_zero_reads_as_zero() -> None:
    with pytest.raises(BadOrderParameters, match=r"limit_price must not be negative; got -1"):
        non_negative_price(-1, "limit_price")
    zero = non_negative_price(Decimal("-0"), "limit_price")
    assert zero == 0
    assert not zero.is_signed()


@pytest.mark.parametrize("bad", [0, -1, "-0.5", Decimal("0.00")])
def test_positive_decimal_refuses_zero_and_negatives(bad: object) -> None:
    message = re.escape(f"tick_size must be greater than 0; got {bad!r}")
    with pytest.raises(OrderError, match=message):
        positive_decimal(bad, "tick_size", BadOrderParameters)


@pytest.mark.parametrize(
    ("price", "tick", "down", "up"),
    [
        ("150.127", "0.01", "150.12", "150.13"),
        ("150.12", "0.01", "150.12", "150.12"),
        ("150.1", "0.25", "150.00", "150.25"),
        ("0.000123456", "0.0000001", "0.0001234", "0.0001235"),
        ("7", "5", "5", "10"),
    ],
)
def test_to_tick_rounds_to_a_multiple_of_the_tick(
    price: str, tick: str, down: str, up: str
) -> None:
    assert str(to_tick(Decimal(price), Decimal(tick), up=False)) == down
    assert str(to_tick(Decimal(price), Decimal(tick), up=True)) == up


def test_a_price_already_on_the_tick_keeps_its_exponent() -> None:
    assert str(to_tick(Decimal("150"), Decimal("0.01"), up=True)) == "150"


def test_to_tick_ignores_the_callers_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = decimal.ROUND_UP
        assert to_tick(Decimal("150.127"), Decimal("0.01"), up=False) == Decimal("150.12")


def test_to_tick_refuses_a_result_beyond_exact_precision() -> None:
    with pytest.raises(BadOrderParameters, match="cannot be rounded to tick"):
        to_tick(Decimal("1E+100"), Decimal("0.01"), up=True)
