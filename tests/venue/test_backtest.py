"""A backtest end to end: the account, the venue and the trades agree, exits meet
the rest of their entry's bar, and a cash account never traps a position."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from orders import (
    Account,
    Asset,
    Bar,
    BracketOrder,
    DecimalOrder,
    Execution,
    ExecutionStyle,
    Fill,
    LimitOrder,
    MarketOrder,
    OrderBook,
    SimulatedVenue,
    TrailingStopOrder,
)
from orders.venue.margin import FuturesMargin, Margin
from orders.venue.summary import summarize
from orders.venue.trades import Trades

T0 = datetime(2024, 1, 15)
XYZ = Asset("XYZ")
ES = Asset("ES", tick_size="0.25")


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def fills(executions: tuple[Execution, ...]) -> list[tuple[str, Decimal, Decimal]]:
    return [(e.order_id, e.quantity, e.fill.price) for e in executions]


def bracket(style: ExecutionStyle, **keywords: object) -> OrderBook:
    return OrderBook().place(T0, XYZ, 10, style, ids=["entry", "stop", "target"],
                             **keywords).book  # type: ignore[arg-type]


# Trades and the summary with a multiplier.


def futures_round_trip() -> tuple[Account, Trades]:
    """One E-mini bought at 4000 and sold at 4001 (1 point of 50), 2 of commission each way."""
    executions = [
        Execution.of(DecimalOrder(day(0), ES, 1, id="buy"), Fill(1, 4000, 2, day(0))),
        Execution.of(DecimalOrder(day(1), ES, -1, id="sell"), Fill(1, 4001, 2, day(1))),
    ]
    account = Account(cash=20_000, margins={ES: FuturesMargin(5000, multiplier=50)})
    return account.apply(executions), Trades.for_account(account).apply(executions)


def test_trades_pnl_adds_up_to_the_accounts_with_a_multiplier() -> None:
    account, trades = futures_round_trip()
    assert account.cash == 20_046  # 50 made, 4 paid
    assert sum(trade.pnl for trade in trades.all) == account.realized_pnl


def test_a_futures_trade_that_made_money_is_won() -> None:
    account, trades = futures_round_trip()
    summary = summarize(20_000, [(day(0), 19_998), (day(1), account.equity())], trades)
    assert summary.net_profit == 46
    assert (summary.won, summary.lost) == (1, 0)  # 1 point of 50, less 4
    assert summary.net_pnl == 46


def test_a_margin_multiplier_counts_in_trades_too() -> None:
    contract = Asset("OPT")
    executions = [
        Execution.of(DecimalOrder(day(0), contract, 1, id="buy"), Fill(1, "2.00", 1, day(0))),
        Execution.of(DecimalOrder(day(1), contract, -1, id="sell"), Fill(1, "2.50", 1, day(1))),
    ]
    account = Account(cash=1000, margins={contract: Margin(multiplier=100)}).apply(executions)
    (trade,) = Trades(multipliers={contract: 100}).apply(executions).closed
    assert account.cash == 1048
    assert trade.net_pnl == 48  # 0.50 x 100 - 2


# Exits on the entry's bar.


def test_legs_armed_by_an_ioc_entrys_expiry_meet_the_rest_of_its_bar() -> None:
    def entry_takes_50(order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar,
                       traded: Decimal) -> tuple[Decimal, Decimal]:
        return (min(quantity, Decimal(50)) if order.id == "entry" else quantity), price

    venue = SimulatedVenue(slippage=entry_takes_50)
    bar = Bar(100, 101, 90, 95)  # 100 -> 101 -> 90 -> 95: the stop at 95 after the entry
    expected = [("entry", Decimal(50), Decimal(100)), ("stop", Decimal(-50), Decimal(95))]
    for arming in ("first_fill", "entry_filled"):
        book = OrderBook().place(T0, XYZ, 120, BracketOrder(MarketOrder(), 95, 110),
                                 ids=["entry", "stop", "target"], time_in_force="IOC",
                                 arming=arming).book
        result = venue.on_bar(book, XYZ, bar, day(1))
        assert (arming, fills(result.executions)) == (arming, expected)


def tick_replay(book: OrderBook, ticks: list[int]) -> list[tuple[str, Decimal, Decimal]]:
    """The fills of ``book`` on each tick as a one-price bar, a second apart."""
    made = []
    for number, tick in enumerate(ticks):
        result = SimulatedVenue().on_bar(book, XYZ, Bar(tick, tick, tick, tick),
                                         day(1) + timedelta(seconds=number))
        book = result.book
        made += fills(result.executions)
    return made


def test_a_trailing_leg_trails_from_the_price_it_is_released_at() -> None:
    trailing = TrailingStopOrder(trail_amount=1)
    book = bracket(BracketOrder(MarketOrder(), 98, 101, stop_loss_trail=trailing))
    ticks = [100, 99]
    on_ticks = tick_replay(book, ticks)
    assert on_ticks == [("entry", Decimal(10), Decimal(100)), ("stop", Decimal(-10), Decimal(99))]
    whole = SimulatedVenue(path=lambda asset, bar, dt: ticks).on_bar(
        book, XYZ, Bar(100, 100, 99, 99), day(1))
    assert fills(whole.executions) == on_ticks


def test_a_trailing_leg_released_on_the_way_down_trails_from_its_entry() -> None:
    trailing = TrailingStopOrder(trail_amount=2)
    book = bracket(BracketOrder(LimitOrder(98), 95, 110, stop_loss_trail=trailing))
    # 100 -> 103 -> 94 -> 101: the entry fills at 98 on the way down, so its
    # trailing stop starts at 96, which the fall to 94 crosses.
    result = SimulatedVenue().on_bar(book, XYZ, Bar(100, 103, 94, 101), day(1))
    assert fills(result.executions) == [
        ("entry", Decimal(10), Decimal(98)), ("stop", Decimal(-10), Decimal(96))]


# Cash and exits.


def test_a_stop_loss_larger_than_the_position_still_exits_a_cash_account() -> None:
    venue, account = SimulatedVenue(), Account(cash=10_000)
    book = bracket(BracketOrder(MarketOrder(), 95, 110))
    result = venue.on_bar(book, XYZ, Bar(100, 101, 99, 100), day(1), account)
    book = result.book.place(day(1), XYZ, -4, MarketOrder(), ids=["sell"]).book
    result = venue.on_bar(book, XYZ, Bar(100, 101, 99, 100), day(2), result.account)
    assert result.account is not None
    assert result.account.position(XYZ).quantity == 6
    result = venue.on_bar(result.book, XYZ, Bar(100, 101, 90, 92), day(3), result.account)
    # The manual sale shrank the legs to the 6 held, so the stop-loss sells 6 and
    # the cash account takes it: the position is closed, not trapped.
    assert result.account is not None
    assert result.account.position(XYZ).quantity == 0
    assert result.book["stop"].amount == -6
