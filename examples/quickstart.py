"""Create a few orders and print them: the first thing to run after installing."""

from datetime import UTC, datetime
from decimal import Decimal

from orders import Asset, DecimalOrder, LimitOrder, StopOrder, TrailingStopOrder

aapl = Asset("AAPL", exchange="NYSE")
btc = Asset("BTC", exchange="CRYPTO", quantity_increment=Decimal("0.00000001"))
now = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)

print(DecimalOrder(dt=now, asset=aapl, amount=100, limit="150.004", id="limit-1"))
print(DecimalOrder.from_style(now, aapl, -100, StopOrder(145.005), id="stop-1"))
print(DecimalOrder.from_style(now, aapl, -100, TrailingStopOrder(trail_percent=0.05), id="trail-1"))
print(DecimalOrder.from_style(now, btc, "0.00012345", LimitOrder(42000.5), id="crypto-1"))
