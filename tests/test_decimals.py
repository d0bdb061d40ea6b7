import decimal
import re
from decimal import Decimal

import pytest

from orders.decimals import non_negative_price, positive_decimal, to_decimal, to_tick
from orders.errors import BadOrderParameters, InvalidQuantityError, OrderError
from tests.support import peak_bytes_allocated


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


# Bounds: every number is finite, below 10**25, no finer than 10**-30, and has
# at most 31 significant digits; beyond them it is refused at once, quoted
# briefly. Any sum or difference of two such numbers is exact in 60 digits.


@pytest.mark.parametrize(
    "accepted",
    ["1E+24", "9999999999999999999999999", "1E-30", "0.000000000000000000000000000001",
     "1234567890123456789012345.123456", "0E-30", "0E+24", "-0", 10**24, 1e24, 1e-30],
)
def test_numbers_within_the_bounds_are_accepted(accepted: object) -> None:
    assert to_decimal(accepted, "price", BadOrderParameters) == Decimal(str(accepted))


REFUSED = {
    "huge exponent": (Decimal("1E+999999999"), "1E+999999999"),
    "largest exponent": (Decimal("1E+999999999999999999"), "1E+999999999999999999"),
    "huge exponent in a str": ("1E+200000000", "'1E+200000000'"),
    "tiny exponent": (Decimal("1E-999999999"), "1E-999999999"),
    "seventy ones": ("1" * 70, "1111111111"),
    "just too large": ("1E+25", "'1E+25'"),
    "just too fine": ("1E-31", "'1E-31'"),
    "a zero just too fine": ("0E-31", "'0E-31'"),
    "a zero with a tiny exponent": (Decimal("0E-999999999999999999"), "0E-999999999999999999"),
    "a zero with a huge exponent": ("0E+999999999999999999", "'0E+999999999999999999'"),
    "a zero just too large": ("0E+25", "'0E+25'"),
    "one digit too many": ("1234567890123456789012345.1234567", "1234567890123456789012345.1"),
    "a million-digit int": (10**1_000_000, "an int of about 1000001 digits"),
    "a 26-digit int": (10**25, "10000000000000000000000000"),
    "a long str": ("1" + "0" * 10_000, "a str of 10001 characters"),
    "a huge float": (1e300, "1e+300"),
    "a tiny float": (5e-324, "5e-324"),
}


@pytest.mark.parametrize(("refused", "shown"), list(REFUSED.values()), ids=list(REFUSED))
def test_numbers_beyond_the_bounds_are_refused_at_once_and_quoted_briefly(
    refused: object, shown: str
) -> None:
    with pytest.raises(InvalidQuantityError) as caught:
        to_decimal(refused, "amount", InvalidQuantityError)
    message = str(caught.value)
    assert len(message) < 400
    assert "amount must lie within" in message or "amount must be" in message
    assert shown in message


def test_an_int_with_more_digits_than_str_allows_still_gets_a_message() -> None:
    with pytest.raises(BadOrderParameters, match="an int of about 100001 digits"):
        to_decimal(10**100_000, "price", BadOrderParameters)


HUGE_INPUTS = [Decimal("1E+999999999"), 10**1_000_000, "9" * 1_000_000,
               Decimal("1." + "0" * 100_000 + "1"), Decimal("1E-999999999")]


@pytest.mark.parametrize("value", HUGE_INPUTS, ids=lambda value: type(value).__name__)
def test_bounds_are_checked_before_any_work_that_grows_with_the_value(value: object) -> None:
    # Converting, scaling or printing any of these in full would take from
    # 100 kB to gigabytes; the bound is applied first, so refusing takes a few
    # kB, plus at most one copy of the digits of a Decimal already given.
    def refuse() -> None:
        with pytest.raises(BadOrderParameters, match="price must lie within the bounds"):
            to_decimal(value, "price", BadOrderParameters)

    given = value.__sizeof__() if isinstance(value, Decimal) else 0
    assert peak_bytes_allocated(refuse) < 32_000 + given


def test_refused_inputs_leave_the_callers_flags_as_they_were() -> None:
    import numpy as np

    for traps in ([], [decimal.InvalidOperation], list(decimal.getcontext().flags)):
        with decimal.localcontext(decimal.Context(traps=traps)) as context:
            for bad in ("abc", "1E+99", "", " ", "1e", "sNaN", Decimal("sNaN"), "9" * 81,
                        np.float64("nan"), "1E+9999999999999999999", "1E-9999999999999999999"):
                with pytest.raises(BadOrderParameters):
                    to_decimal(bad, "price", BadOrderParameters)
            assert not any(context.flags.values()), context.flags


def test_numpy_and_other_real_scalars_are_read_as_written() -> None:
    import fractions

    import numpy as np

    assert to_decimal(np.float64(150.1), "price", BadOrderParameters) == Decimal("150.1")
    assert str(to_decimal(np.float32(150.1), "price", BadOrderParameters)) == "150.1"
    assert to_decimal(np.int64(7), "amount", InvalidQuantityError) == 7
    assert to_decimal(np.uint8(7), "amount", InvalidQuantityError) == 7
    with pytest.raises(BadOrderParameters, match="Fraction"):
        to_decimal(fractions.Fraction(1, 3), "price", BadOrderParameters)
    with pytest.raises(BadOrderParameters, match="finite"):
        to_decimal(np.float64("nan"), "price", BadOrderParameters)
    with pytest.raises(InvalidQuantityError, match="bool"):
        to_decimal(np.bool_(True), "amount", InvalidQuantityError)


@pytest.mark.parametrize(
    "context",
    [
        decimal.Context(prec=1, traps=[]),
        decimal.Context(traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Rounded]),
        decimal.Context(capitals=0, Emax=10, Emin=-10),
    ],
)
def test_refusals_are_the_same_whatever_the_callers_context(context: decimal.Context) -> None:
    import numpy as np

    with decimal.localcontext(context):
        for bad in ("abc", Decimal("sNaN"), "1E+99", np.float64("inf"), "1E-99"):
            with pytest.raises(BadOrderParameters):
                to_decimal(bad, "price", BadOrderParameters)
        assert to_decimal(np.float64(150.1), "price", BadOrderParameters) == Decimal("150.1")


def test_an_amount_whose_totals_cannot_be_carried_is_refused_at_construction() -> None:
    from datetime import datetime

    from orders import DecimalOrder

    t = datetime(2024, 1, 15)
    with pytest.raises(InvalidQuantityError, match="amount must lie within"):
        DecimalOrder(t, "X", "1" * 70)
    with pytest.raises(InvalidQuantityError, match="amount must lie within"):
        DecimalOrder(t, "X", Decimal("1E+999999999"))
    order = DecimalOrder(t, "X", "1E+24").fill("1E-30", 1)
    assert order.remaining == Decimal("999999999999999999999999." + "9" * 30)


def _refusals_through_the_public_api() -> list[object]:
    from datetime import datetime

    from orders import DecimalOrder, LimitOrder, MarketOrder, dumps, loads

    t = datetime(2024, 1, 15, 9, 30)
    order = DecimalOrder(t, "AAPL", 10, limit="150")
    document = dumps(order).replace('"limit":"150"', '"limit":"cheap"')
    return [
        lambda: DecimalOrder.from_style(t, "AAPL", "ten", MarketOrder()),
        lambda: DecimalOrder.from_style(t, "AAPL", 10, LimitOrder("1E+999999")),
        lambda: DecimalOrder.from_style(t, "AAPL", "1E+99", MarketOrder()),
        lambda: DecimalOrder(t, "AAPL", 10, limit="abc"),
        lambda: DecimalOrder(t, "AAPL", 10, limit=Decimal("sNaN")),
        lambda: order.fill("1E-999999", "150"),
        lambda: order.fill(1, "a lot"),
        lambda: loads(document),
    ]


@pytest.mark.parametrize("refused", _refusals_through_the_public_api())
@pytest.mark.parametrize("traps", [[], [decimal.InvalidOperation, decimal.Overflow]],
                         ids=["no traps", "default traps"])
def test_a_refusal_leaves_the_callers_context_flags_as_they_were(
    refused: object, traps: list[type[decimal.DecimalException]]
) -> None:
    with decimal.localcontext(decimal.Context(traps=traps)) as context:
        context.flags[decimal.Rounded] = True  # a flag the caller had set stays set
        with pytest.raises(OrderError):
            refused()  # type: ignore[operator]
        raised = {flag.__name__ for flag, up in context.flags.items() if up}
    assert raised == {"Rounded"}


@pytest.mark.parametrize(
    "bad",
    [Decimal("1.99999999999999995" + "0" * 50 + "1E+200"), Decimal("-7.25" + "0" * 80 + "3E-90"),
     Decimal("1." + "9" * 100)],
)
def test_refusal_messages_do_not_depend_on_the_callers_context(bad: Decimal) -> None:
    def message() -> str:
        with pytest.raises(BadOrderParameters) as caught:
            to_decimal(bad, "price", BadOrderParameters)
        return str(caught.value)

    expected = message()
    for rounding in (decimal.ROUND_DOWN, decimal.ROUND_CEILING, decimal.ROUND_FLOOR):
        with decimal.localcontext(decimal.Context(prec=3, rounding=rounding, capitals=0)):
            assert message() == expected


def test_a_zero_total_has_the_bounds_of_other_totals() -> None:
    assert to_decimal("0E-60", "commission", BadOrderParameters, total=True) == 0
    with pytest.raises(BadOrderParameters, match=re.escape(
        "commission must lie within the bounds: below 10**50, no finer than 10**-60 and with "
        "at most 60 significant digits; got '0E-61'"
    )):
        to_decimal("0E-61", "commission", BadOrderParameters, total=True)
