"""A bar loop with resting orders: `orders` against backtrader, same strategy, same bars.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/bar_loop.py``
(``--bars 1000000`` for the long run of `orders` alone, ``--compare-bars`` to
size the comparison).

One asset, daily bars from a seeded random walk (open at the last close, a
range around it, a volume). On the first bar's close, 1,000 resting orders
are placed far from the market, where they never trade: buy limits below it
and sell stops below it, half each. Then the strategy, on every bar's close:

* when flat and no entry is working, every 10th bar, buys 10 through a bracket:
  a market entry, a stop-loss 2% below the close and a take-profit 2% above;
* every 25th bar places a buy limit for 5 at 1% below the close, good for the
  next bar only (cancelled on the following close if it did not fill), and
  when long after it, sells what it bought on the next bar at the market.

`orders` runs it with ``OrderBook``, ``SimulatedVenue`` and an ``Account``
that keeps cash (the venue asks it before each fill), keeping every order,
the round trips (``Trades``) and the equity after every bar; backtrader with
``Cerebro`` and a ``BackBroker`` fed from the same bars (its default fill
rules, no commission), recording its value after every bar (its trades it
keeps anyway). Both start with the same cash. The venue lets exit legs meet
the bar after their entry's, as backtrader does (``same_bar_exits=False``).
The figure is bars per second of the whole loop, strategy included, the
garbage collector on; ``--rounds`` runs the two in turn that many times and
prints the medians and the median of the per-round ratios. Each engine's fill
count and realized P&L are printed, and whether they agree: the two may
differ where a bar reaches two orders that affect each other, since
backtrader fills in the order the orders were submitted and `orders` along
the bar's path.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orders import (
    Account,
    Asset,
    Bar,
    BracketOrder,
    LimitOrder,
    MarketOrder,
    OrderBook,
    SimulatedVenue,
    StopOrder,
    Trades,
)

START = datetime(2000, 1, 3, 16)
CASH = 1_000_000_000
RESTING = 1_000
CENT = Decimal("0.01")
LOSS, GAIN, DIP = Decimal("0.98"), Decimal("1.02"), Decimal("0.99")


def walk(count: int, seed: int = 7) -> Iterator[tuple[datetime, Decimal, Decimal, Decimal,
                                                      Decimal, int]]:
    """``count`` bars: time, open, high, low, close, volume."""
    rng = random.Random(seed)
    close = Decimal(100)
    for day in range(count):
        open_ = close
        close = max(open_ + Decimal(rng.randint(-150, 150)) / 100, Decimal(50))
        high = max(open_, close) + Decimal(rng.randint(0, 100)) / 100
        low = min(open_, close) - Decimal(rng.randint(0, 100)) / 100
        yield START + timedelta(days=day), open_, high, low, close, rng.randint(1_000, 9_000)


def resting() -> Iterator[tuple[int, Decimal]]:
    """The resting orders, placed on the first close: amount and price, far below
    the market (buy limits, and sell stops)."""
    for index in range(RESTING):
        yield (1 if index % 2 else -1), Decimal(1) + Decimal(index) / 100


def run_orders(bars: list[tuple[datetime, Decimal, Decimal, Decimal, Decimal, int]]
               ) -> tuple[float, int, Decimal]:
    """Seconds, fills and realized P&L of the strategy on ``bars`` with `orders`."""
    asset = Asset("XYZ")
    venue = SimulatedVenue(same_bar_exits=False)
    book = OrderBook()
    account, trades = Account(cash=CASH), Trades()
    equity: list[tuple[datetime, Decimal]] = []
    fills = 0
    entry: str | None = None
    dip: str | None = None
    start = time.perf_counter()
    for index, (dt, open_, high, low, close, volume) in enumerate(bars, start=1):
        result = venue.on_bar(book, asset, Bar(open_, high, low, close, volume=volume), dt,
                              account)
        book, account = result.book, result.account
        assert account is not None
        trades = trades.apply(result.executions)
        equity.append((dt, account.equity()))
        fills += len(result.executions)
        if entry is not None and not book[entry].open:
            entry = None
        if dip is not None:
            if book[dip].open:
                book = book.cancel(dip).book
            elif book[dip].filled:
                book = book.place(dt, asset, -book[dip].filled, MarketOrder()).book
            dip = None
        if index == 1:
            for number, (amount, price) in enumerate(resting()):
                style = LimitOrder(price) if amount > 0 else StopOrder(price)
                book = book.place(dt, asset, amount, style, ids=[f"r{number}"]).book
        if index % 10 == 0 and entry is None and not account.position(asset).quantity:
            entry = f"e{index}"
            stop, target = (close * LOSS).quantize(CENT), (close * GAIN).quantize(CENT)
            book = book.place(dt, asset, 10, BracketOrder(MarketOrder(), stop, target),
                              ids=[entry, f"s{index}", f"t{index}"]).book
        if index % 25 == 0:
            dip = f"d{index}"
            book = book.place(dt, asset, 5, LimitOrder((close * DIP).quantize(CENT)),
                              ids=[dip]).book
    seconds = time.perf_counter() - start
    assert len(equity) == len(bars)
    print(f"  ({len(trades.closed):,} round trips closed, final equity {equity[-1][1]})")
    return seconds, fills, account.realized_pnl


def run_backtrader(bars: list[tuple[datetime, Decimal, Decimal, Decimal, Decimal, int]]
                   ) -> tuple[float, int, float] | None:
    """Seconds, fills and realized P&L of the same strategy in backtrader, or None."""
    try:
        import backtrader as bt
    except ImportError:
        return None

    class Feed(bt.feed.DataBase):  # type: ignore[misc]
        params = (("rows", None),)

        def start(self) -> None:
            super().start()
            self.rows = iter(self.p.rows)

        def _load(self) -> bool:
            row = next(self.rows, None)
            if row is None:
                return False
            dt, open_, high, low, close, volume = row
            self.lines.datetime[0] = bt.date2num(dt)
            self.lines.open[0], self.lines.high[0] = float(open_), float(high)
            self.lines.low[0], self.lines.close[0] = float(low), float(close)
            self.lines.volume[0], self.lines.openinterest[0] = volume, 0
            return True

    class Strategy(bt.Strategy):  # type: ignore[misc]
        def start(self) -> None:
            self.fills = 0
            self.pnl = 0.0
            self.entry = self.dip = None
            self.equity: list[tuple[Any, float]] = []

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                self.fills += 1

        def notify_trade(self, trade: Any) -> None:
            if trade.isclosed:
                self.pnl += trade.pnl

        def next(self) -> None:
            index = len(self)
            self.equity.append((self.data.datetime[0], self.broker.getvalue()))
            close = Decimal(str(self.data.close[0]))
            if self.entry is not None and not self.entry.alive():
                self.entry = None
            if self.dip is not None:
                if self.dip.alive():
                    self.cancel(self.dip)
                elif self.dip.executed.size:
                    self.sell(size=self.dip.executed.size, exectype=bt.Order.Market)
                self.dip = None
            if index == 1:
                for amount, price in resting():
                    kind = bt.Order.Limit if amount > 0 else bt.Order.Stop
                    order = self.buy if amount > 0 else self.sell
                    order(size=abs(amount), exectype=kind, price=float(price))
            if index % 10 == 0 and self.entry is None and not self.position.size:
                self.entry = self.buy_bracket(
                    size=10, exectype=bt.Order.Market,
                    stopprice=float((close * LOSS).quantize(CENT)),
                    limitprice=float((close * GAIN).quantize(CENT)),
                )[0]
            if index % 25 == 0:
                price = float((close * DIP).quantize(CENT))
                self.dip = self.buy(size=5, exectype=bt.Order.Limit, price=price)

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(Feed(rows=bars))
    cerebro.addstrategy(Strategy)
    cerebro.broker.setcash(CASH)
    start = time.perf_counter()
    [strategy] = cerebro.run(runonce=False, preload=True)
    return time.perf_counter() - start, strategy.fills, strategy.pnl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--compare-bars", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bars = list(walk(args.compare_bars))
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        seconds, fills, pnl = run_orders(bars)
        ours.append(seconds)
        peer = run_backtrader(bars)
        if peer is not None:
            theirs.append(peer[0])
    seconds = statistics.median(ours)
    print(f"orders:     {len(bars):>9,} bars in {seconds:6.2f} s = {len(bars) / seconds:>8,.0f} "
          f"bars/s (median of {len(ours)}); {fills:,} fills, realized P&L {pnl}")
    if peer is None:
        print("backtrader: not installed (pip install -e '.[bench]'); left out")
    else:
        _, peer_fills, peer_pnl = peer
        peer_seconds = statistics.median(theirs)
        print(f"backtrader: {len(bars):>9,} bars in {peer_seconds:6.2f} s = "
              f"{len(bars) / peer_seconds:>8,.0f} bars/s (median of {len(theirs)}); "
              f"{peer_fills:,} fills, realized P&L {peer_pnl:.2f}")
        same = fills == peer_fills and abs(float(pnl) - peer_pnl) < 0.005
        ratio = statistics.median(peer / own for own, peer in zip(ours, theirs, strict=True))
        print(f"ratio: orders runs the bar loop {ratio:.2f}x as fast (median of the rounds' "
              f"ratios); the two made {'the same' if same else 'different'} fills and P&L")
    if args.bars > args.compare_bars:
        long = list(walk(args.bars))
        seconds, fills, pnl = run_orders(long)
        print(f"orders:     {len(long):>9,} bars in {seconds:6.1f} s = "
              f"{len(long) / seconds:>8,.0f} bars/s; {fills:,} fills, realized P&L {pnl}")


if __name__ == "__main__":
    main()
