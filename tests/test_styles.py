import re
from decimal import Decimal

import attrs
import pytest

from orders import (
    Asset,
    BadOrderParameters,
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    OrderType,
    StopLimitOrder,
    StopOrder,
    TrailingStopOrder,
)

NUMBER = "a finite number (a Decimal, int, float or numeric str)"
AAPL = Asset("AAPL")


def test_market_order_has_no_prices() -> None:
    style = MarketOrder(exchange="NASDAQ")
    assert style.exchange == "NASDAQ"
    assert style.get_limit_price(True) is None
    assert style.get_stop_price(False) is None
    assert style.order_type is OrderType.MARKET


def test_limit_order_keeps_the_price_as_written_without_an_asset() -> None:
    style = LimitOrder(limit_price=150.125)
    assert style.limit_price == Decimal("150.125")
    assert style.get_limit_price(True) == Decimal("150.125")
    assert style.get_stop_price(True) is None
    assert style.exchange is None


def test_limit_order_rounds_by_side_with_its_asset() -> None:
    style = LimitOrder(150.125, AAPL, "NYSE")
    assert style.get_limit_price(is_buy=True) == Decimal("150.12")
    assert style.get_limit_price(is_buy=False) == Decimal("150.13")
    assert style.exchange == "NYSE"


def test_stop_order_rounds_by_side_with_its_asset() -> None:
    style = StopOrder(stop_price="95.005", asset=AAPL)
    assert style.get_stop_price(is_buy=True) == Decimal("95.01")
    assert style.get_stop_price(is_buy=False) == Decimal("95.00")
    assert style.get_limit_price(True) is None


def test_stop_limit_order_takes_limit_then_stop() -> None:
    style = StopLimitOrder(94.0, 95.0)
    assert (style.limit_price, style.stop_price) == (Decimal("94.0"), Decimal("95.0"))
    assert style.get_limit_price(False) == Decimal("94.0")
    assert style.get_stop_price(False) == Decimal("95.0")


@pytest.mark.parametrize(
    ("make", "name", "bad"),
    [
        (lambda p: LimitOrder(p), "limit_price", -150.0),
        (lambda p: LimitOrder(p), "limit_price", float("inf")),
        (lambda p: LimitOrder(p), "limit_price", float("nan")),
        (lambda p: LimitOrder(p), "limit_price", "cheap"),
        (lambda p: StopOrder(p), "stop_price", -50.0),
        (lambda p: StopOrder(p), "stop_price", True),
        (lambda p: StopLimitOrder(p, 95), "limit_price", Decimal("sNaN")),
        (lambda p: StopLimitOrder(94, p), "stop_price", float("-inf")),
    ],
)
def test_bad_prices_raise_bad_order_parameters_naming_the_value(
    make: object, name: str, bad: object
) -> None:
    with pytest.raises(BadOrderParameters) as caught:
        make(bad)  # type: ignore[operator]
    assert name in str(caught.value)
    assert repr(bad) in str(caught.value)


def test_zero_prices_are_allowed_for_single_styles() -> None:
    # The reference validates prices as "None or value >= 0".
    assert LimitOrder(0).limit_price == 0


def test_trailing_stop_by_amount_or_percent() -> None:
    by_amount = TrailingStopOrder(trail_amount=5.0)
    by_percent = TrailingStopOrder(trail_percent="0.03")
    assert (by_amount.trail_amount, by_amount.trail_percent) == (Decimal("5.0"), None)
    assert (by_percent.trail_amount, by_percent.trail_percent) == (None, Decimal("0.03"))
    assert by_amount.get_stop_price(False) is None
    assert by_percent.order_type is OrderType.TRAILING_STOP


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of trail_amount and trail_percent"),
        ({"trail_amount": 5.0, "trail_percent": 0.03}, "exactly one of trail_amount"),
        ({"trail_amount": -5.0}, "trail_amount must be greater than 0; got -5.0"),
        ({"trail_amount": 0}, "trail_amount must be greater than 0; got 0"),
        ({"trail_percent": 1.5}, "trail_percent must be between 0 and 1 (exclusive); got 1.5"),
        ({"trail_percent": 1}, "trail_percent must be between 0 and 1 (exclusive); got 1"),
        ({"trail_percent": 0}, "trail_percent must be between 0 and 1 (exclusive); got 0"),
        ({"trail_percent": "x"}, f"trail_percent must be {NUMBER}"),
    ],
)
def test_trail_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        TrailingStopOrder(**kwargs)  # type: ignore[arg-type]


def test_oco_links_two_single_styles() -> None:
    style = OCOOrder(LimitOrder(110.0), StopOrder(90.0), exchange="NYSE")
    assert style.order1_style == LimitOrder(110.0)
    assert style.order2_style == StopOrder(90.0)
    assert style.order_type is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((110.0, StopOrder(90.0)), "order1_style must be an ExecutionStyle; got 110.0 (float)"),
        ((LimitOrder(110.0), 90.0), "order2_style must be an ExecutionStyle; got 90.0 (float)"),
        (
            (OCOOrder(LimitOrder(1), StopOrder(2)), StopOrder(90.0)),
            "order1_style must be a single-order style, not OCOOrder",
        ),
    ],
)
def test_oco_refuses_what_is_not_a_single_style(args: tuple[object, object], message: str) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        OCOOrder(*args)  # type: ignore[arg-type]


def test_bracket_with_limit_entry() -> None:
    style = BracketOrder(LimitOrder(98.0), stop_loss_price=93.0, take_profit_price=108.0)
    assert style.entry_style == LimitOrder(98.0)
    assert (style.stop_loss_price, style.take_profit_price) == (Decimal("93.0"), Decimal("108.0"))


def test_bracket_levels_may_be_inverted_for_a_short() -> None:
    style = BracketOrder(MarketOrder(), stop_loss_price=105, take_profit_price=90)
    assert style.stop_loss_price > style.take_profit_price


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("market", 95.0, 110.0), "entry_style must be an ExecutionStyle; got 'market' (str)"),
        ((MarketOrder(), -95.0, 110.0), "stop_loss_price must be greater than 0; got -95.0"),
        ((MarketOrder(), 95.0, 0), "take_profit_price must be greater than 0; got 0"),
        ((MarketOrder(), 95.0, 95.0), "must differ; both are 95.0"),
        (
            (BracketOrder(MarketOrder(), 1, 2), 95.0, 110.0),
            "entry_style must be a single-order style, not BracketOrder",
        ),
    ],
)
def test_bracket_validation(args: tuple[object, object, object], message: str) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape(message)):
        BracketOrder(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "entry", [LimitOrder(120), StopOrder(95), StopLimitOrder(112, 100), LimitOrder(100)]
)
def test_a_bracket_style_leaves_the_price_order_to_the_book(entry: LimitOrder) -> None:
    # Which exit is the lower one depends on the direction, which a style does
    # not know: the book's rule exits_keep_their_price_order checks the order.
    style = BracketOrder(entry, stop_loss_price=95, take_profit_price=110)
    assert style.entry_style is entry


@pytest.mark.parametrize(
    "style",
    [
        MarketOrder(),
        LimitOrder(1),
        StopOrder(1),
        StopLimitOrder(1, 2),
        TrailingStopOrder(trail_amount=1),
        OCOOrder(LimitOrder(1), StopOrder(2)),
        BracketOrder(MarketOrder(), 1, 2),
    ],
)

def test_every_style_is_a_frozen_hashable_execution_style(style: ExecutionStyle) -> None:
    assert isinstance(style, ExecutionStyle)
    assert hash(style) == hash(attrs.evolve(style))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        style.exchange = "X"  # type: ignore[misc]


@pytest.mark.parametrize("make", [MarketOrder, lambda exchange: LimitOrder(1, None, exchange)])
def test_exchange_must_be_a_str(make: object) -> None:
    with pytest.raises(BadOrderParameters, match="exchange must be a str or None; got 7"):
        make(exchange=7) if make is MarketOrder else make(7)  # type: ignore[operator]


def test_a_style_asset_must_be_hashable() -> None:
    with pytest.raises(BadOrderParameters, match="asset must be an Asset or a hashable"):
        LimitOrder(1, asset=["AAPL"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda nan: LimitOrder(nan),
        lambda nan: StopOrder(nan),
        lambda nan: StopLimitOrder(94, nan),
        lambda nan: TrailingStopOrder(trail_amount=nan),
        lambda nan: TrailingStopOrder(trail_percent=nan),
        lambda nan: TrailingStopOrder(trail_percent="0.01", stop_price=nan),
        lambda nan: BracketOrder(MarketOrder(), nan, 110),
        lambda nan: BracketOrder(LimitOrder(nan), 90, 110),
        lambda nan: LimitOrder(100, asset=nan),
    ],
)
def test_a_signaling_nan_anywhere_in_a_style_is_the_librarys_error(make: object) -> None:
    with pytest.raises(BadOrderParameters, match=re.escape("Decimal('sNaN')")):
        make(Decimal("sNaN"))  # type: ignore[operator]


def test_a_signaling_nan_given_to_from_style_is_the_librarys_error() -> None:
    from datetime import datetime

    from orders import DecimalOrder, InvalidQuantityError

    t = datetime(2024, 1, 15, 9, 30)
    with pytest.raises(BadOrderParameters, match=r"asset .*Decimal\('sNaN'\)"):
        DecimalOrder.from_style(t, Decimal("sNaN"), 10, MarketOrder())
    with pytest.raises(InvalidQuantityError, match=r"amount .*Decimal\('sNaN'\)"):
        DecimalOrder.from_style(t, AAPL, Decimal("sNaN"), MarketOrder())
    with pytest.raises(BadOrderParameters, match=r"limit_price .*Decimal\('sNaN'\)"):
        DecimalOrder.from_style(t, AAPL, 10, LimitOrder(Decimal("sNaN")))
