"""Properties of trailing stops and stops along random price paths."""

from __future__ import annotations

import decimal
import itertools
from datetime import datetime
from decimal import Decimal

from hypothesis import given, strategies as st

from orders import ORDER_STATUS, Asset, DecimalOrder

T0 = datetime(2024, 1, 15, 9, 30)
TRIGGERED = ORDER_STATUS.TRIGGERED
price_paths = st.lists(
    st.decimals(min_value=Decimal("1"), max_value=Decimal("1000"), places=2), min_size=1,
    max_size=40,
)
trails = st.one_of(
    st.builds(lambda a: {"trail_amount": a}, st.decimals(Decimal("0.01"), Decimal("50"), places=2)),
    st.builds(lambda p: {"trail_percent": p}, st.decimals(Decimal("0.001"), Decimal("0.5"),
                                                          places=3)),
)
assets = st.sampled_from(["XYZ", Asset("XYZ"), Asset("XYZ", tick_size="0.25")])


def walk(order: DecimalOrder, prices: list[Decimal]) -> list[DecimalOrder]:
    seen = []
    for price in prices:
        order = order.check_triggers(price, T0)
        seen.append(order)
    return seen


@given(prices=price_paths, trail=trails, asset=assets, side=st.sampled_from([1, -1]))
def test_a_trailing_stop_only_tightens_and_triggers_at_the_first_crossing(
    prices: list[Decimal], trail: dict[str, Decimal], asset: object, side: int
) -> None:
    start = DecimalOrder(T0, asset, side * 100, **trail)  # type: ignore[arg-type]
    seen = walk(start, prices)
    stops = [order.stop for order in seen]
    assert all(stop is not None for stop in stops)
    for before, after in itertools.pairwise(stops):
        assert after <= before if side > 0 else after >= before  # type: ignore[operator]
    crossings = [
        index
        for index, (price, order) in enumerate(zip(prices, seen, strict=True))
        if (price >= order.stop if side > 0 else price <= order.stop)  # type: ignore[operator]
    ]
    statuses = [order.status for order in seen]
    if crossings:
        first = crossings[0]
        assert TRIGGERED not in statuses[:first]
        assert all(status is TRIGGERED for status in statuses[first:])
    else:
        assert TRIGGERED not in statuses


@given(prices=price_paths, side=st.sampled_from([1, -1]), data=st.data())
def test_a_stop_never_triggers_on_a_path_strictly_on_the_safe_side(
    prices: list[Decimal], side: int, data: st.DataObject
) -> None:
    if side > 0:
        stop = max(prices) + data.draw(st.decimals(Decimal("0.01"), Decimal("10"), places=2))
    else:
        stop = min(prices) - data.draw(st.decimals(Decimal("0.01"), Decimal("0.99"), places=2))
    seen = walk(DecimalOrder(T0, "XYZ", side * 100, stop=stop), prices)
    assert all(order.status is ORDER_STATUS.OPEN for order in seen)


@given(prices=price_paths, trail=trails, side=st.sampled_from([1, -1]))
def test_trailing_results_do_not_depend_on_the_decimal_context(
    prices: list[Decimal], trail: dict[str, Decimal], side: int
) -> None:
    start = DecimalOrder(T0, "XYZ", side * 100, **trail)  # type: ignore[arg-type]
    expected = walk(start, prices)
    with decimal.localcontext() as context:
        context.prec = 2
        context.rounding = decimal.ROUND_UP
        context.traps[decimal.Inexact] = True
        assert walk(start, prices) == expected
