"""The backtest of docs/backtest.md written in backtrader, to compare the two.

Run: ``pip install -e '.[bench]'`` then ``python benchmarks/tutorial_backtrader.py``
(``--plot`` to show backtrader's chart). ``python benchmarks/tutorial_lines.py``
counts the lines of both.

The same bars, cash, slippage, commission and plan of orders: a market bracket,
a limit, an OCO exit, a breakout stop, a trailing stop and a limit valid for the
next session only. It prints what the tutorial prints, in backtrader's words.
Two differences do not change a fill here: backtrader starts the trailing stop
from the close it is placed at (188, where the tutorial's starts at the next
close, 190.50), and it can only see that the next-session limit has expired when
the bar after that session arrives (day 5, where the tutorial expires it at day
4's close).
"""

import io
import sys  # headless: for --plot only
from datetime import timedelta

import backtrader as bt  # type: ignore[import-untyped]
import pandas as pd  # type: ignore[import-untyped]

prices = pd.read_csv(io.StringIO("""datetime,asset,open,high,low,close
2024-01-02,AAPL,185,186,184,185.5
2024-01-02,MSFT,402,404,400.5,403
2024-01-03,AAPL,186,188,185,187.5
2024-01-03,MSFT,401,402,398,399
2024-01-04,AAPL,187.5,189,187,188.8
2024-01-04,MSFT,399,401,396,397
2024-01-05,AAPL,189,191.5,188.5,191
2024-01-05,MSFT,397,398,391,392.5
2024-01-06,AAPL,191,194,190.5,193.5
2024-01-06,MSFT,392,394,391,393
2024-01-07,AAPL,193,196,189.8,190.2
2024-01-07,MSFT,393,395,392,394
"""), parse_dates=["datetime"], index_col="datetime")


class PerShareCommission(bt.CommInfoBase):  # type: ignore[misc]
    params = (("stocklike", True), ("commtype", bt.CommInfoBase.COMM_FIXED), ("minimum", 1.0))

    def _getcommission(self, size: float, price: float, pseudoexec: bool) -> float:
        return float(max(abs(size) * self.p.commission, self.p.minimum))


class Plan(bt.Strategy):  # type: ignore[misc]
    def notify_order(self, order: bt.Order) -> None:
        day, name = len(self) - 1, order.data._name
        if order.status == order.Completed:
            print(f"day {day} {name}: {order.getordername():<9} {order.executed.size:>4} at "
                  f"{order.executed.price:.2f}")
        elif order.status == order.Expired:
            print(f"day {day} {name}: {order.getordername()} expired")

    def notify_trade(self, trade: bt.Trade) -> None:
        if trade.isclosed:  # the history gives what entered; the exit price follows from the P&L
            entered = sum(h.event.size for h in trade.history if h.event.size * trade.long > 0)
            print(f"{trade.data._name} {entered} from {trade.price:.2f} to "
                  f"{trade.price + trade.pnl / entered:.2f}: net {trade.pnlcomm:.2f}")

    def next(self) -> None:
        aapl, msft = self.getdatabyname("AAPL"), self.getdatabyname("MSFT")
        day = len(self) - 1
        if day == 0:
            self.buy_bracket(data=aapl, size=100, exectype=bt.Order.Market,
                             stopprice=180, limitprice=195)
            self.buy(data=msft, size=50, exectype=bt.Order.Limit, price=400)
        elif day == 1:
            take = self.sell(data=msft, size=50, exectype=bt.Order.Limit, price=415)
            self.sell(data=msft, size=50, exectype=bt.Order.Stop, price=392, oco=take)
        elif day == 2:
            self.buy(data=aapl, size=50, exectype=bt.Order.Stop, price=190)
        elif day == 3:
            self.sell(data=aapl, size=50, exectype=bt.Order.StopTrail, trailamount=3)
            # valid through the next session, as the tutorial's; Order.DAY would end at this close
            self.buy(data=aapl, size=50, exectype=bt.Order.Limit, price=189.90,
                     valid=timedelta(days=1))


cerebro = bt.Cerebro(tradehistory=True)
cerebro.addstrategy(Plan)
for symbol in ("AAPL", "MSFT"):
    cerebro.adddata(bt.feeds.PandasData(dataname=prices[prices.asset == symbol]), name=symbol)
cerebro.broker.setcash(50_000)
cerebro.broker.set_slippage_fixed(0.01, slip_open=True)
cerebro.broker.addcommissioninfo(PerShareCommission(commission=0.005))
cerebro.addanalyzer(bt.analyzers.DrawDown, _name="drawdown")
cerebro.addanalyzer(bt.analyzers.TradeAnalyzer, _name="trades")
[plan] = cerebro.run()
trades = plan.analyzers.trades.get_analysis()
print(f"cash {cerebro.broker.getcash():.2f}, return {cerebro.broker.getvalue() / 50_000 - 1:.4%}, "
      f"max drawdown {plan.analyzers.drawdown.get_analysis().max.moneydown:.2f}, "
      f"win rate {trades.won.total / trades.total.closed}")
if "--plot" in sys.argv:  # headless unless asked
    cerebro.plot(volume=False)  # these bars have no volume
