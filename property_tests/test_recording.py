"""Any recorded session replays to an equal book, byte for byte.

A session is a random run of the book's operations on two assets with
different ticks and a plain identifier: single orders of every kind, OCO
groups and brackets placed or submitted as orders, fills (partial, late),
busts, amendments, cancels, requests in flight and their answers, prices,
bars, the clock and releases. Operations
the book refuses are skipped, as a host would see them refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import given, settings, strategies as st

from orders import (
    Acknowledged,
    Amend,
    Asset,
    Bar,
    BracketOrder,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Fill,
    FillBust,
    LimitOrder,
    MarketOrder,
    NewRequested,
    OCOOrder,
    OrderBook,
    OrderError,
    Recorder,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    StopLimitOrder,
    StopOrder,
    TrailingStopOrder,
    bracket_orders,
    dumps,
    replay,
)

T0 = datetime(2024, 5, 2, 9, 30)
ASSETS = [Asset("AAA", tick_size="0.05"), Asset("BBB", tick_size="0.25", quantity_increment="0.1"),
          "plain"]
prices = st.decimals(min_value=90, max_value=110, places=3)
singles = st.one_of(
    st.builds(MarketOrder),
    st.builds(LimitOrder, prices),
    st.builds(StopOrder, prices),
    st.builds(StopLimitOrder, prices, prices),
    st.builds(TrailingStopOrder, trail_amount=st.decimals(min_value=1, max_value=5, places=2)),
)
styles = singles | st.builds(OCOOrder, singles, singles) | st.builds(
    lambda entry, low, gap: BracketOrder(entry, low, low + gap),
    st.just(MarketOrder()), st.decimals(min_value=80, max_value=89, places=2),
    st.decimals(min_value=25, max_value=40, places=2),
)
request_ids = st.none() | st.sampled_from(["q1", "q2"])
codes = st.sampled_from(RequestRejectReason)
requests_and_answers = st.one_of(
    st.builds(NewRequested, request_ids),
    st.just(Acknowledged()),
    st.builds(CancelRequested, request_ids, st.just("flat")),
    st.builds(CancelRejected, st.just("too late"), codes, request_ids),
    st.builds(ReplaceRequested, st.builds(Amend, amount=st.integers(1, 6)), request_ids),
    st.builds(ReplaceRequested, st.builds(Amend, limit=prices), request_ids),
    st.builds(Replaced, request_ids),
    st.builds(ReplaceRejected, st.just("no"), codes, request_ids),
)


class Session:
    def __init__(self, data: st.DataObject, assets: list[object] = ASSETS) -> None:
        self.data = data
        self.assets = assets
        self.lines: list[str] = []
        self.recorder = Recorder(self.write)
        self.clock = T0
        self.count = 0

    def write(self, line: str) -> None:
        self.lines.append(line)

    def draw(self, strategy: st.SearchStrategy[object]) -> object:
        return self.data.draw(strategy)

    def any_order(self) -> DecimalOrder | None:
        orders = sorted(self.recorder.book.orders)
        return self.recorder.book.get(self.draw(st.sampled_from(orders))) if orders else None

    def step(self) -> None:
        self.clock += timedelta(seconds=self.draw(st.integers(0, 90)))  # type: ignore[operator]
        asset = self.draw(st.sampled_from(self.assets))
        action = self.draw(st.sampled_from(
            ["place", "bracket", "fill", "fill", "bust", "amend", "cancel", "request", "request",
             "price", "price", "bar", "time", "release"]
        ))
        getattr(self, action)(asset)

    def place(self, asset: object) -> None:
        amount = self.draw(st.sampled_from([-3, -1, 1, 2, 5]))
        until = self.draw(st.none() | st.just(self.clock + timedelta(minutes=3)))
        style = self.draw(styles)
        count = {OCOOrder: 2, BracketOrder: 3}.get(type(style), 1)
        self.recorder.place(self.clock, asset, amount, style,  # type: ignore[arg-type]
                            ids=self.new_ids(count), valid_until=until)

    def new_ids(self, count: int) -> list[str]:
        self.count += count
        return [f"o{self.count - index}" for index in range(count)]

    def bracket(self, asset: object) -> None:
        style = BracketOrder(LimitOrder(100), 95, 105)
        self.recorder.submit(*bracket_orders(self.clock, asset, 2, style,  # type: ignore[arg-type]
                                             ids=self.new_ids(3)))

    def fill(self, asset: object) -> None:
        order = self.any_order()
        if order is None:
            return
        quantity = self.draw(st.integers(1, 3))
        self.count += 1
        self.recorder.apply(order.id, Fill(quantity, self.draw(prices), dt=self.clock,  # type: ignore[arg-type]
                                           fill_id=f"f{self.count}"))

    def bust(self, asset: object) -> None:
        order = self.any_order()
        if order is not None and order.fills:
            fill_id = self.draw(st.sampled_from(sorted(order.fills)))
            self.recorder.apply(order.id, FillBust(fill_id))  # type: ignore[arg-type]

    def amend(self, asset: object) -> None:
        order = self.any_order()
        if order is not None:
            self.recorder.apply(order.id, Amend(amount=self.draw(st.integers(1, 6))))  # type: ignore[arg-type]

    def cancel(self, asset: object) -> None:
        order = self.any_order()
        if order is not None:
            self.recorder.cancel(order.id)

    def request(self, asset: object) -> None:
        order = self.any_order()
        if order is not None:
            self.recorder.apply(order.id, self.draw(requests_and_answers))  # type: ignore[arg-type]

    def price(self, asset: object) -> None:
        self.recorder.on_price(asset, self.draw(prices), self.clock)  # type: ignore[arg-type]

    def bar(self, asset: object) -> None:
        low, high = sorted(self.draw(st.tuples(prices, prices)))  # type: ignore[call-overload]
        self.recorder.on_bar(asset, Bar(low, high, low, high), self.clock)

    def time(self, asset: object) -> None:
        self.recorder.on_time(self.clock)

    def release(self, asset: object) -> None:
        self.recorder.release(self.clock - timedelta(minutes=2))


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(1, 40))
def test_a_recorded_session_replays_to_an_equal_book(data: st.DataObject, steps: int) -> None:
    session = Session(data)
    for _ in range(steps):
        with contextlib.suppress(OrderError):
            session.step()
    result = replay(session.lines)
    assert result.refused == ()
    assert result.book == session.recorder.book
    assert dumps(result.book) == dumps(session.recorder.book)


SHARED_SYMBOLS = [Asset("X", exchange="NYSE", tick_size="0.05"),
                  Asset("X", exchange="LSE", tick_size="0.25"), "X", Asset("Y"), "plain"]


class Retrying:
    """A recorder whose operations, when ``write`` fails, are called again with the
    same arguments as long as the host draws a retry."""

    def __init__(self, recorder: Recorder, retry: Callable[[], bool]) -> None:
        self.recorder = recorder
        self.retry = retry

    @property
    def book(self) -> OrderBook:
        return self.recorder.book

    def __getattr__(self, name: str) -> Callable[..., object]:
        operation = getattr(self.recorder, name)

        def call(*args: object, **keywords: object) -> object:
            while True:
                try:
                    return operation(*args, **keywords)
                except OSError:
                    if not self.retry():
                        raise

        return call


class FullDiskSession(Session):
    """A session whose log fails on drawn lines, as a full disk does; the host then
    retries the same operation or goes on with another one."""

    def __init__(self, data: st.DataObject, assets: list[object]) -> None:
        super().__init__(data, assets)
        self.recorder = Retrying(self.recorder, lambda: self.draw(st.booleans()))  # type: ignore[assignment]

    def write(self, line: str) -> None:
        if self.draw(st.integers(0, 3)) == 0:
            raise OSError(28, "No space left on device")
        super().write(line)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(1, 30))
def test_a_session_whose_writes_fail_replays_to_the_recorders_book(
    data: st.DataObject, steps: int
) -> None:
    session = FullDiskSession(data, SHARED_SYMBOLS)
    for _ in range(steps):
        with contextlib.suppress(OrderError, OSError):
            session.step()
    result = replay(session.lines)
    assert result.refused == ()
    assert result.book == session.recorder.book
