import decimal
import pickle
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from orders import (
    Account,
    Asset,
    BadOrderParameters,
    Bar,
    Cause,
    DecimalOrder,
    Fill,
    OrderBook,
    SimulatedVenue,
    buy_bracket,
)
from orders.decimals import exact_sum
from orders.venue.margin import FuturesMargin, Margin

T0 = datetime(2024, 1, 15)
XYZ, ABC = Asset("XYZ"), Asset("ABC")
ES = Asset("ES", tick_size="0.25")
E_MINI = FuturesMargin(5000, multiplier=50)
REG_T = Margin("0.5", shorts=True)


def order(amount: int | str, asset: object = XYZ, order_id: str = "o") -> DecimalOrder:
    return DecimalOrder(T0, asset, amount, id=order_id)


def traded(account: Account, *fills: tuple[object, int | str, Decimal | int | str, str]) -> Account:
    """``account`` after each (asset, signed quantity, price, commission)."""
    for asset, quantity, price, commission in fills:
        fill = Fill(Decimal(quantity).copy_abs(), price, commission)
        account = account.fill(order(quantity, asset), fill)
    return account


def test_an_account_built_without_cash_keeps_none_and_refuses_nothing() -> None:
    account = traded(Account(), (XYZ, 10, 100, "1"))
    assert account.cash is None
    assert account.marks == Account().marks  # nothing remembered either
    assert account == Account(account.positions)
    assert account.refusal(order(1_000_000), Fill(1_000_000, 100)) is None
    with pytest.raises(BadOrderParameters, match=r"keeps no cash, so it has no equity; build "
                       r"it with Account\(cash=...\)"):
        account.equity()


def test_cash_pays_for_each_buy_and_receives_each_sale_less_commission() -> None:
    account = traded(Account(cash=10_000), (XYZ, 10, 100, "1"))
    assert account.cash == 8999
    account = traded(account, (XYZ, -4, 110, "0.50"))
    assert account.cash == Decimal("9438.50")
    assert account.equity({XYZ: 105}) == Decimal("10068.50")
    assert account.equity({XYZ: 105}) == (
        10_000 + account.realized_pnl + account.unrealized_pnl({XYZ: 105}) - account.commission
    )
    assert account.equity() == Decimal("10098.50")  # at the last fill's price, 110
    assert account.mark({XYZ: 90}).equity() == Decimal("9978.50")


def test_a_cash_account_needs_cash_for_the_full_value_and_commission() -> None:
    account = Account(cash=1000)
    assert account.available_funds() == 1000
    assert account.buying_power(XYZ, 100) == 10
    assert account.refusal(order(9, order_id="b"), Fill(9, 100, "1")) is None
    assert account.refusal(order(10, order_id="b"), Fill(10, 100, "1")) == (
        "order b: buying 10 XYZ at 100 needs 1001 of available funds (1000 of margin, 1 of "
        "commission), and the account has 1000; a fill that opens a position must leave them "
        "at 0 or more"
    )


def test_a_cash_account_refuses_a_short_but_not_a_sale_of_what_it_holds() -> None:
    account = traded(Account(cash=1000), (XYZ, 3, 100, "0"))
    assert account.refusal(order(-3), Fill(3, 100)) is None
    assert account.refusal(order(-5, order_id="s"), Fill(5, 100)) == (
        "order s: selling 5 XYZ at 100 would leave the account short 2, and the margin "
        "model of XYZ allows no short (a margin model with shorts=True does)"
    )
    assert Account(cash=1000).refusal(order(-1), Fill(1, 100)) is not None


def test_a_margin_account_lends_and_credits_a_short_sale() -> None:
    account = traded(Account(cash=10_000, default_margin=REG_T), (XYZ, -100, 50, "0"))
    assert account.cash == 15_000
    assert account.equity() == 10_000
    assert account.initial_margin() == 2500
    assert account.available_funds() == 7500
    assert account.buying_power(XYZ, 50) == 300
    borrowed = traded(Account(cash=1000, default_margin=REG_T), (XYZ, 20, 100, "0"))
    assert borrowed.cash == -1000  # on purpose: half of the value is lent
    assert borrowed.available_funds() == 0


def test_a_future_settles_its_profit_not_its_value() -> None:
    account = traded(Account(cash=20_000, margins={ES: E_MINI}), (ES, 2, 4000, "2.50"))
    assert account.cash == Decimal("19997.50")
    assert account.equity({ES: 4010}) == Decimal("20997.50")
    assert account.initial_margin() == 10_000
    assert account.available_funds({ES: 4010}) == Decimal("10997.50")
    assert account.buying_power(ES, 4010) == 2
    account = traded(account, (ES, -2, 4020, "2.50"))
    assert account.cash == 21_995
    assert account.position(ES).realized_pnl == 40  # points
    assert account.realized_pnl == 2000  # money: 40 points of 50 each
    assert account.unrealized_pnl({}) == 0


def test_a_fill_that_reduces_a_position_is_taken_even_in_a_deficit() -> None:
    account = traded(Account(cash=6000, margins={ES: E_MINI}), (ES, 1, 4000, "0"))
    account = account.mark({ES: 3970})
    assert account.available_funds() == -500
    assert account.refusal(order(-1, ES), Fill(1, 3970, "2.50")) is None
    assert account.refusal(order(1, ES, order_id="add"), Fill(1, 3970, "2.50")) == (
        "order add: buying 1 ES at 3970 needs 5002.50 of available funds (5000 of margin, "
        "2.50 of commission), and the account has -500; a fill that opens a position must "
        "leave them at 0 or more"
    )


def test_a_fill_through_zero_needs_cover_for_what_it_opens_after_what_it_closes() -> None:
    account = traded(Account(cash=1000, default_margin=REG_T), (XYZ, 10, 100, "0"))
    assert account.available_funds() == 500
    assert account.refusal(order(-30), Fill(30, 100)) is None  # short 20: margin 1000
    assert account.refusal(order(-31, order_id="f"), Fill(31, 100)) == (
        "order f: selling 31 XYZ at 100 needs 550 of available funds (550 of margin, 0 of "
        "commission), and the account has 500; a fill that opens a position must leave them "
        "at 0 or more"
    )


def test_other_positions_count_at_their_last_price() -> None:
    account = traded(Account(cash=10_000, default_margin=Margin("0.5")), (ABC, 100, 100, "0"))
    buy = order(130, XYZ)
    assert account.refusal(buy, Fill(130, 50)) is None  # 3250 of margin; 5000 available
    fallen = account.mark({ABC: 60})
    assert fallen.available_funds() == 3000
    assert fallen.refusal(buy, Fill(130, 50)) is not None
    assert fallen.refusal(buy, Fill(120, 50)) is None


def test_buying_power_rounds_down_to_the_quantity_increment() -> None:
    btc = Asset("BTC", quantity_increment="0.001")
    assert Account(cash=1000).buying_power(btc, 300) == Decimal("3.333")
    assert Account(cash=1000, default_margin=Margin("0.5")).buying_power(btc, 300) == Decimal(
        "6.666")
    assert Account(cash=1000).buying_power("plain", 300) == 3
    assert Account(cash=-5).buying_power(XYZ, 1) == 0
    with pytest.raises(BadOrderParameters, match="price must be greater than 0; got 0"):
        Account(cash=1000).buying_power(XYZ, 0)


def test_an_open_position_without_a_price_is_refused_by_name() -> None:
    account = traded(Account(cash=1000), (XYZ, 1, 100, "0"))
    assert account.equity({XYZ: 101}) == 1001
    unpriced = Account(account.positions, cash=900)  # positions from elsewhere: no marks
    with pytest.raises(BadOrderParameters, match=r"no price for Asset\(symbol='XYZ'.*holds 1"):
        unpriced.equity()


def test_cash_does_not_depend_on_the_callers_context() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        account = traded(Account(cash=10_000, default_margin=REG_T), (XYZ, 3, "100.01", "0.005"))
        equity = account.equity({XYZ: "100.02"})
    assert account.cash == Decimal("9699.965")
    assert equity == Decimal("10000.025")


def test_margin_models_and_accounts_refuse_what_they_cannot_use() -> None:
    refused: list[tuple[Callable[[], object], str]] = [
        (lambda: Margin(0), "initial must be greater than 0; got 0"),
        (lambda: Margin(shorts="yes"), "shorts must be True or False; got 'yes'"),  # type: ignore[arg-type]
        (lambda: FuturesMargin(-1), "per_contract must be greater than 0; got -1"),
        (lambda: FuturesMargin(1, multiplier=0.0), "multiplier must be greater than 0"),
        (lambda: Account(cash="much"), "cash must be a finite number"),
        (lambda: Account(margins={XYZ: "cash"}), r"the margin of Asset\(symbol='XYZ'.* must "
                                                 r"be a margin model, Margin\(...\) or"),
        (lambda: Account(margins=[XYZ]), "margins must map assets to margin models"),
        (lambda: Account(default_margin=None), "default_margin must be a margin model"),  # type: ignore[arg-type]
        (lambda: Account(cash=1).mark({XYZ: -1}), r"the price of Asset\(.*must not be negative"),
    ]
    for build, message in refused:
        with pytest.raises(BadOrderParameters, match=message):
            build()


def test_an_account_pickles_with_its_cash_and_loads_from_before_it_kept_any() -> None:
    account = traded(Account(cash=1000, margins={ES: E_MINI}), (ES, 1, 4000, "1"))
    assert pickle.loads(pickle.dumps(account)) == account
    earlier = Account.__new__(Account)
    earlier.__setstate__({"positions": account.positions})
    assert earlier == Account(account.positions)


prices = st.decimals(min_value="0.01", max_value=1000, places=2)
fills = st.lists(
    st.tuples(st.sampled_from([XYZ, ES]), st.integers(-50, 50).filter(bool), prices,
              st.decimals(min_value=0, max_value=5, places=2)),
    max_size=12,
)


@given(fills, prices, prices)
def test_equity_is_cash_plus_profit_and_loss_less_commission(
    executed: list[tuple[Asset, int, Decimal, Decimal]], xyz: Decimal, es: Decimal
) -> None:
    start = Account(cash="12345.67", margins={ES: FuturesMargin(500, multiplier=20)},
                    default_margin=REG_T)
    account = traded(start, *((asset, quantity, price, str(fee))
                              for asset, quantity, price, fee in executed))
    at = {XYZ: xyz, ES: es}
    assert start.cash is not None
    assert account.equity(at) == exact_sum([  # exactly: the caller's context would round
        start.cash, account.realized_pnl, account.unrealized_pnl(at), -account.commission
    ])
    assert account.available_funds(at) == exact_sum(
        [account.equity(at), -account.initial_margin(at)])


@given(st.lists(st.tuples(st.integers(-20, 20).filter(bool), prices), max_size=20))
def test_a_cash_account_that_asks_before_each_fill_never_goes_below_zero(
    attempts: list[tuple[int, Decimal]],
) -> None:
    account = Account(cash=2000)
    for quantity, price in attempts:
        fill = Fill(abs(quantity), price, (price * abs(quantity) / 100).quantize(Decimal("0.01")))
        if account.refusal(order(quantity), fill) is None:
            account = account.fill(order(quantity), fill)
        assert account.cash is not None
        assert account.cash >= 0
        assert account.position(XYZ).quantity >= 0


@given(fills, st.sampled_from([XYZ, ES]), st.integers(-50, 50).filter(bool), prices,
       st.decimals(min_value=0, max_value=5, places=2), prices)
def test_a_refusal_says_whether_the_fill_would_leave_the_funds_below_zero(
    executed: list[tuple[Asset, int, Decimal, Decimal]],
    asset: Asset, quantity: int, price: Decimal, fee: Decimal, mark: Decimal,
) -> None:
    start = Account(cash=2000, margins={ES: FuturesMargin(500, multiplier=20)},
                    default_margin=REG_T)
    account = traded(start, *((asset, quantity, price, str(fee))
                              for asset, quantity, price, fee in executed)).mark({XYZ: mark})
    held = account.position(asset).quantity
    fill = Fill(abs(quantity), price, fee)
    after = account.fill(order(quantity, asset), fill)
    reduces = held and (held > 0) != (quantity > 0) and abs(quantity) <= abs(held)
    assert (account.refusal(order(quantity, asset), fill) is None) == bool(
        reduces or after.available_funds() >= 0
    )


# The venue asks the account before each fill.


def test_the_venue_rejects_an_order_the_account_cannot_pay_for_and_fills_the_rest() -> None:
    book = OrderBook().submit(
        DecimalOrder(T0, XYZ, 5, id="small"), DecimalOrder(T0, XYZ, 50, id="large"),
    ).book
    account = Account(cash=1000)
    result = SimulatedVenue().on_bar(book, XYZ, Bar(100, 101, 99, 100), T0.replace(hour=16),
                                     account)
    assert [execution.order_id for execution in result.executions] == ["small"]
    assert result.book["large"].status.name == "REJECTED"
    assert "order large: buying 50 XYZ at 100 needs 5000" in result.book["large"].reason
    assert result.book.explain("large")[-1].cause == Cause("the_account_cannot_pay")
    assert result.account is not None
    assert result.account.cash == 500
    assert result.account.equity() == 1000  # marked at the close, 100


def test_a_rejected_bracket_entry_takes_its_legs_with_it() -> None:
    orders = buy_bracket(T0, XYZ, 100, price=100, stopprice=95, limitprice=110,
                         ids=("m", "s", "l"))
    book = OrderBook().submit(*orders).book
    result = SimulatedVenue().on_bar(book, XYZ, Bar(100, 101, 99, 100), T0.replace(hour=16),
                                     Account(cash=500))
    assert [order.status.name for order in (result.book["m"], *result.book.children("m"))] == [
        "REJECTED", "CANCELLED", "CANCELLED",
    ]
    assert result.executions == ()


def test_without_an_account_or_without_cash_the_venue_fills_as_before() -> None:
    book = OrderBook().submit(DecimalOrder(T0, XYZ, 50, id="large")).book
    bar, close = Bar(100, 101, 99, 100), T0.replace(hour=16)
    plain = SimulatedVenue().on_bar(book, XYZ, bar, close)
    cashless = SimulatedVenue().on_bar(book, XYZ, bar, close, Account())
    assert plain.account is None
    assert cashless.book == plain.book
    assert cashless.account == Account().apply(plain.executions)
