from datetime import datetime
from decimal import Decimal

import pytest

from orders import Account, BadOrderParameters, DecimalOrder, Execution, Fill, Position

T0 = datetime(2024, 1, 15)


def folded(*fills: tuple[object, object]) -> Position:
    position = Position("XYZ")
    for quantity, price in fills:
        position = position.execute(quantity, price)  # type: ignore[arg-type]
    return position


def test_adding_to_a_position_averages_its_cost() -> None:
    position = folded((10, 100), (30, "101.50"))
    assert (position.quantity, position.cost, position.average_price) == (
        40, 4045, Decimal("101.125"))
    assert position.unrealized_pnl(102) == 35


def test_reducing_realizes_against_the_average_and_keeps_it() -> None:
    position = folded((10, 100), (10, 110), (-5, 120))
    assert (position.quantity, position.average_price, position.realized_pnl) == (15, 105, 75)


def test_a_short_gains_when_the_price_falls() -> None:
    position = folded((-10, 100), (4, 90))
    assert (position.quantity, position.cost, position.realized_pnl) == (-6, -600, 40)
    assert position.is_short
    assert position.unrealized_pnl(95) == 30


def test_a_fill_through_zero_closes_then_opens_the_other_side_at_its_price() -> None:
    position = folded((10, 100), (-15, 110))
    assert (position.quantity, position.average_price, position.realized_pnl) == (-5, 110, 100)
    position = position.execute(8, 100)
    assert (position.quantity, position.average_price, position.realized_pnl) == (3, 100, 150)


def test_a_position_back_at_zero_has_realized_exactly_its_cash_flows() -> None:
    fills = [(3, "100.01"), (4, "99.97"), (-2, "100.50"), (5, "101.03"), (-10, "100.99")]
    position = folded(*fills)
    assert position.quantity == 0
    assert position.average_price is None
    assert position.cost == 0
    cash = sum((-Decimal(q) * Decimal(p) for q, p in fills), Decimal(0))
    assert position.realized_pnl == cash  # exact, though the average was not
    thirds = folded((1, 3), (2, "3.5"), (-1, 4))  # cost 10 over 3: a third of it is 3.33...
    assert thirds.realized_pnl == Decimal("0.666666666666666666666666666666667")
    assert thirds.execute(-2, 4).realized_pnl == 2  # 12 received for 10 paid, exactly
    assert folded((3, 1), (-1, 2)).average_price == 1
    assert folded((3, "1"), (1, "2")).average_price == Decimal("1.25")
    assert folded((3, 1), (3, 2), (-1, 1)).realized_pnl == Decimal("-0.5")
    assert folded((3, 1), (1, 2)).execute(-3, 3).cost == Decimal("1.25")


def test_an_account_keeps_one_position_per_asset_from_order_fills() -> None:
    buy = DecimalOrder(T0, "XYZ", 10, id="b")
    sell = DecimalOrder(T0, "ABC", -5, id="s")
    account = Account().fill(buy, Fill(10, 100, "1.00")).fill(sell, Fill(5, 20, "0.50"))
    assert account.position("XYZ").quantity == 10
    assert account.position("ABC").quantity == -5
    assert account.position("NONE") == Position("NONE")
    assert account.commission == Decimal("1.50")
    assert account.unrealized_pnl({"XYZ": 101, "ABC": 19}) == 15
    assert account.apply([Execution.of(buy, Fill(1, 110))]).realized_pnl == 0
    with pytest.raises(BadOrderParameters, match="no price for 'ABC'"):
        account.unrealized_pnl({"XYZ": 101})


def test_positions_do_not_depend_on_the_callers_context() -> None:
    import decimal

    with decimal.localcontext() as context:
        context.prec = 3
        position = folded((3, "100.01"), (1, "200.02"), (-2, "150.17"))
    assert position.cost == Decimal("250.025")
    assert position.realized_pnl == Decimal("50.315")
