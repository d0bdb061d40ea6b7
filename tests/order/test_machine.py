import decimal
import re
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce
from pathlib import Path

import pytest

from orders import (
    ORDER_STATUS,
    Acknowledged,
    Amend,
    Asset,
    Bar,
    BarUpdate,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    ExactnessError,
    Expire,
    Fill,
    FillBust,
    FillConflictError,
    FillCorrection,
    Hold,
    InvalidQuantityError,
    InvalidTransition,
    NewRequested,
    OrderError,
    PriceUpdate,
    Reject,
    Release,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RequestRejectReason,
    Trigger,
    UnknownFillError,
    UnknownRequestError,
    apply,
)
from orders.order.machine import mermaid_diagram, requests_diagram, rules_markdown

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
AAPL = Asset("AAPL", exchange="NYSE")
T0 = datetime(2024, 1, 15, 9, 30)
DOCS = Path(__file__).resolve().parents[2] / "docs"


def stop_order(amount: int = 100) -> DecimalOrder:
    return DecimalOrder(T0, AAPL, amount, stop="10.00", id="o1")


def in_status(status: ORDER_STATUS) -> DecimalOrder:
    """A stop order for 100 in ``status``; those with fills hold fill "a"."""
    order = stop_order()
    partly = order.fill(40, 10, fill_id="a")
    return {
        OPEN: order,
        HELD: order.hold("pending"),
        TRIGGERED: order.trigger(T0),
        PARTIALLY_FILLED: partly,
        FILLED: order.fill(100, 10, fill_id="a"),
        CANCELLED: partly.cancel("user"),
        REJECTED: partly.reject("risk"),
    }[status]


EVENTS: dict[type, Event] = {
    Fill: Fill(10, 10, fill_id="new"),
    Trigger: Trigger(T0),
    Hold: Hold("h"),
    Release: Release(),
    Cancel: Cancel("c"),
    Reject: Reject("r"),
    Expire: Expire(T0 + timedelta(days=1)),
    Amend: Amend(stop="9.00"),
    FillCorrection: FillCorrection("a", price="10.5"),
    FillBust: FillBust("a"),
    PriceUpdate: PriceUpdate("10.5", T0),
    BarUpdate: BarUpdate(Bar(10, 11, 9, "10.5"), T0),
    NewRequested: NewRequested("n"),
    Acknowledged: Acknowledged(),
    CancelRequested: CancelRequested("c"),
    CancelRejected: CancelRejected("too late", RequestRejectReason.TOO_LATE),
    ReplaceRequested: ReplaceRequested(Amend(stop="9.00"), "r"),
    Replaced: Replaced(),
    ReplaceRejected: ReplaceRejected(),
}

R = "refused"  # InvalidTransition
U = "unknown fill"  # UnknownFillError: an order with nothing filled holds no live fill
N = "no request"  # UnknownRequestError: an answer to a request not in flight
# The required table of the state-machine issue, written out by hand: where each
# event lands an order of each status (built by in_status), or R if refused.
EXPECTED: dict[ORDER_STATUS, dict[type, ORDER_STATUS | str]] = {
    OPEN: {
        Fill: PARTIALLY_FILLED, Trigger: TRIGGERED, Hold: HELD, Release: R, Cancel: CANCELLED,
        Reject: REJECTED, Expire: CANCELLED, Amend: OPEN, FillCorrection: U, FillBust: U,
        PriceUpdate: OPEN, BarUpdate: OPEN,
        NewRequested: OPEN, Acknowledged: OPEN, CancelRequested: OPEN, CancelRejected: N,
        ReplaceRequested: OPEN, Replaced: N, ReplaceRejected: N,
    },
    HELD: {
        Fill: PARTIALLY_FILLED, Trigger: R, Hold: R, Release: OPEN, Cancel: CANCELLED,
        Reject: REJECTED, Expire: CANCELLED, Amend: HELD, FillCorrection: U, FillBust: U,
        PriceUpdate: R, BarUpdate: R,
        NewRequested: R, Acknowledged: HELD, CancelRequested: HELD, CancelRejected: N,
        ReplaceRequested: HELD, Replaced: N, ReplaceRejected: N,
    },
    TRIGGERED: {
        Fill: PARTIALLY_FILLED, Trigger: R, Hold: HELD, Release: R, Cancel: CANCELLED,
        Reject: REJECTED, Expire: CANCELLED, Amend: TRIGGERED, FillCorrection: U, FillBust: U,
        PriceUpdate: TRIGGERED, BarUpdate: TRIGGERED,
        NewRequested: TRIGGERED, Acknowledged: TRIGGERED, CancelRequested: TRIGGERED,
        CancelRejected: N, ReplaceRequested: TRIGGERED, Replaced: N, ReplaceRejected: N,
    },
    PARTIALLY_FILLED: {
        Fill: PARTIALLY_FILLED, Trigger: R, Hold: R, Release: R, Cancel: CANCELLED,
        Reject: REJECTED, Expire: CANCELLED, Amend: PARTIALLY_FILLED,
        FillCorrection: PARTIALLY_FILLED, FillBust: OPEN,
        PriceUpdate: PARTIALLY_FILLED, BarUpdate: PARTIALLY_FILLED,
        NewRequested: R, Acknowledged: PARTIALLY_FILLED, CancelRequested: PARTIALLY_FILLED,
        CancelRejected: N, ReplaceRequested: PARTIALLY_FILLED, Replaced: N, ReplaceRejected: N,
    },
    FILLED: {
        Fill: R, Trigger: R, Hold: R, Release: R, Cancel: R, Reject: R, Expire: R, Amend: R,
        FillCorrection: FILLED, FillBust: OPEN,
        PriceUpdate: R, BarUpdate: R,
        NewRequested: R, Acknowledged: FILLED, CancelRequested: R, CancelRejected: FILLED,
        ReplaceRequested: R, Replaced: FILLED, ReplaceRejected: FILLED,
    },
    CANCELLED: {
        Fill: CANCELLED, Trigger: R, Hold: R, Release: R, Cancel: CANCELLED, Reject: R, Expire: R,
        Amend: R, FillCorrection: CANCELLED, FillBust: CANCELLED,
        PriceUpdate: R, BarUpdate: R,
        NewRequested: R, Acknowledged: CANCELLED, CancelRequested: R, CancelRejected: CANCELLED,
        ReplaceRequested: R, Replaced: CANCELLED, ReplaceRejected: CANCELLED,
    },
    REJECTED: {
        Fill: R, Trigger: R, Hold: R, Release: R, Cancel: R, Reject: R, Expire: R, Amend: R,
        FillCorrection: REJECTED, FillBust: REJECTED,
        PriceUpdate: R, BarUpdate: R,
        NewRequested: R, Acknowledged: REJECTED, CancelRequested: R, CancelRejected: REJECTED,
        ReplaceRequested: R, Replaced: REJECTED, ReplaceRejected: REJECTED,
    },
}


@pytest.mark.parametrize("status", list(ORDER_STATUS))
@pytest.mark.parametrize("kind", list(EVENTS))
def test_every_status_crossed_with_every_event(status: ORDER_STATUS, kind: type) -> None:
    order = in_status(status)
    assert order.status is status
    expected = EXPECTED[status][kind]
    if expected == R:
        with pytest.raises(InvalidTransition) as caught:
            apply(order, EVENTS[kind])
        message = str(caught.value)
        assert order.id in message
        assert status.name in message
        assert kind.__name__ in message
    elif expected == U:
        with pytest.raises(UnknownFillError, match="order o1 holds no fill 'a'"):
            apply(order, EVENTS[kind])
    elif expected == N:
        with pytest.raises(UnknownRequestError, match="order o1 has none in flight"):
            apply(order, EVENTS[kind])
    else:
        assert apply(order, EVENTS[kind]).status is expected


def test_the_reference_complete_lifecycle() -> None:
    # 001_fed8c75f77605aa0.txt, "Example: Complete Lifecycle".
    t = T0
    order = DecimalOrder(dt=t, asset=AAPL, amount=Decimal("1000"), order_type="stop",
                         stop=Decimal("145.00"))
    assert (order.status, order.filled, order.remaining, order.open) == (OPEN, 0, 1000, True)

    t += timedelta(minutes=5)
    order = order.trigger(t)
    assert (order.status, order.stop_reached, order.filled, order.remaining) == (
        TRIGGERED, True, 0, 1000,
    )

    t += timedelta(seconds=50)
    order = order.fill(Decimal("400"), Decimal("144.45"), dt=t)
    assert (order.status, order.filled, order.remaining, order.open) == (
        PARTIALLY_FILLED, 400, 600, True,
    )
    assert order.filled_price == Decimal("144.45")

    t += timedelta(seconds=30)
    order = order.fill(Decimal("400"), Decimal("144.40"), dt=t)
    assert (order.filled, order.remaining) == (800, 200)
    assert order.filled_price == Decimal("144.425")

    t += timedelta(seconds=20)
    order = order.fill(Decimal("200"), Decimal("144.50"), dt=t)
    assert (order.status, order.filled, order.remaining, order.open) == (FILLED, 1000, 0, False)
    # (400 x 144.45 + 400 x 144.40 + 200 x 144.50) / 1000, from the exact totals.
    assert order.filled_price == Decimal("144.44")
    assert order.dt == t
    assert order.created == T0


def test_the_reference_fill_tracking_example() -> None:
    # 001_fed8c75f77605aa0.txt, "Example: Tracking Partial Fills".
    order = DecimalOrder(dt=T0, asset=AAPL, amount=Decimal("10000"))
    order = order.fill(Decimal("2000"), Decimal("150.00"))
    assert (order.filled, order.remaining, order.filled_price) == (2000, 8000, Decimal("150.00"))
    order = order.fill(Decimal("3000"), Decimal("150.10"))
    assert (order.filled, order.remaining) == (5000, 5000)
    assert order.filled_price == Decimal("150.06")
    order = order.fill(Decimal("5000"), Decimal("150.05"))
    assert (order.filled, order.remaining, order.status) == (10000, 0, FILLED)
    assert order.filled_price == Decimal("150.055")


def test_a_sell_keeps_filled_signed_and_notional_unsigned() -> None:
    order = stop_order(-100).fill(30, "10.50", commission="0.30")
    assert order.filled == -30
    assert order.remaining == -70
    assert order.notional == Decimal("315.00")
    assert order.commission == Decimal("0.30")
    assert order.filled_price == Decimal("10.50")


def test_a_late_fill_on_a_cancelled_order_is_recorded() -> None:
    cancelled = stop_order().fill(40, 10).cancel("user")
    late = cancelled.fill(20, "10.5", commission=1)
    assert late.status is CANCELLED
    assert late.reason == "user"
    assert (late.filled, late.notional, late.commission) == (60, Decimal("610.0"), 1)
    assert late.history[-1] == Fill(20, "10.5", commission=1)


def test_a_late_fill_still_cannot_overfill() -> None:
    cancelled = stop_order().fill(90, 10).cancel()
    with pytest.raises(InvalidQuantityError, match="exceeds the 10 remaining"):
        cancelled.fill(11, 10)


def test_an_overfill_is_refused_and_changes_nothing() -> None:
    order = stop_order().fill(60, 10)
    with pytest.raises(InvalidQuantityError) as caught:
        order.fill(41, 10)
    assert "fill of 41 exceeds the 40 remaining on order o1" in str(caught.value)
    assert order == stop_order().fill(60, 10)


def test_a_repeated_fill_id_is_a_no_op() -> None:
    order = stop_order().fill(60, 10, fill_id="f1")
    assert order.fill(60, 10, fill_id="f1") is order
    assert order.fill(Decimal("60.0"), Decimal("10.00"), fill_id="f1") is order
    done = order.fill(40, 10, fill_id="f2")
    assert done.status is FILLED
    assert done.fill(40, 10, fill_id="f2") is done


def test_a_repeated_fill_id_with_other_values_is_a_conflict() -> None:
    order = stop_order().fill(60, 10, fill_id="f1")
    with pytest.raises(FillConflictError, match=r"fill 'f1' on order o1 was applied as 60 @ 10"):
        order.fill(60, 11, fill_id="f1")


def test_a_finished_order_refuses_new_fills_but_accepts_repeats() -> None:
    rejected = stop_order().fill(40, 10, fill_id="a").reject("risk")
    assert rejected.fill(40, 10, fill_id="a") is rejected
    with pytest.raises(InvalidTransition, match="order o1 is REJECTED; a new Fill is allowed"):
        rejected.fill(1, 10, fill_id="b")
    filled = stop_order().fill(100, 10, fill_id="a")
    with pytest.raises(InvalidTransition, match="order o1 is FILLED"):
        filled.fill(1, 10)


def test_fill_quantity_must_lie_on_the_asset_grid() -> None:
    with pytest.raises(InvalidQuantityError, match=r"fill quantity 0\.5 is not a multiple"):
        stop_order().fill("0.5", 10)


def test_trigger_needs_an_order_with_a_stop() -> None:
    market = DecimalOrder(T0, AAPL, 100, id="m")
    with pytest.raises(InvalidTransition, match="order m is a market order with no stop"):
        market.trigger(T0)
    for order in (
        DecimalOrder(T0, AAPL, 100, stop=1, limit=2),
        DecimalOrder(T0, AAPL, -100, trail_percent="0.05"),
    ):
        assert order.trigger().stop_reached


def test_hold_release_cancel_reject_keep_and_clear_reasons() -> None:
    held = stop_order().hold("pending approval")
    assert (held.status, held.reason) == (HELD, "pending approval")
    released = held.release()
    assert (released.status, released.reason) == (OPEN, "")
    assert stop_order().cancel("user").reason == "user"
    assert stop_order().reject("insufficient buying power").reason == "insufficient buying power"


def test_a_held_triggered_stop_waits_for_its_stop_again_once_released() -> None:
    triggered = DecimalOrder(T0, AAPL, -100, stop=10, limit=9, id="sl").check_triggers(9, T0)
    assert (triggered.status, triggered.stop_reached, triggered.limit_reached) == (
        TRIGGERED, True, True,
    )
    released = triggered.hold("position busted").release()
    assert (released.status, released.stop_reached, released.limit_reached) == (
        OPEN, False, False,
    )
    assert released.check_triggers("10.50", T0).status is OPEN
    assert released.check_triggers(10, T0).status is TRIGGERED


def test_cancel_and_reject_keep_the_fills() -> None:
    partly = stop_order().fill(40, "10.25", commission=1)
    for ended in (partly.cancel(), partly.reject()):
        assert (ended.filled, ended.notional, ended.commission) == (40, Decimal("410.00"), 1)
        assert ended.filled_price == Decimal("10.25")
        assert not ended.open


def test_expiry_is_a_cancel_that_can_be_told_apart() -> None:
    t1 = T0 + timedelta(hours=8)
    expired = stop_order().expire(t1)
    assert (expired.status, expired.reason, expired.dt, expired.expired) == (
        CANCELLED, "expired", t1, True,
    )
    assert not stop_order().cancel("expired").expired
    assert expired.fill(10, 10).expired
    assert not stop_order().expired


def test_amend_changes_terms_and_keeps_the_status() -> None:
    order = DecimalOrder(T0, AAPL, 100, limit="10.00", id="lim").hold("check")
    amended = order.amend(amount=200, limit="9.995")
    assert (amended.amount, amended.limit, amended.status) == (200, Decimal("9.99"), HELD)
    assert amended.terms.created == order.terms.created


def test_amend_down_to_the_filled_quantity_fills_the_order() -> None:
    order = stop_order().fill(60, 10)
    assert order.amend(amount=80).status is PARTIALLY_FILLED
    assert order.amend(amount=60).status is FILLED
    with pytest.raises(InvalidQuantityError, match="below the 60 already filled"):
        order.amend(amount=59)


def test_amend_keeps_the_side_and_the_order_type_rules() -> None:
    with pytest.raises(InvalidQuantityError, match="would change its side"):
        stop_order().amend(amount=-100)
    with pytest.raises(OrderError, match="a stop order takes no limit"):
        stop_order().amend(limit=5)
    with pytest.raises(InvalidQuantityError, match=r"amount 100\.5 is not a multiple"):
        stop_order().amend(amount="100.5")


def test_amend_switches_a_trail_between_amount_and_percent() -> None:
    trailing = DecimalOrder(T0, AAPL, -100, trail_percent="0.05")
    by_amount = trailing.amend(trail_amount=2)
    assert (by_amount.trail_amount, by_amount.trail_percent) == (2, None)
    assert by_amount.amend(trail_percent="0.1").trail_percent == Decimal("0.1")


def test_a_correction_recomputes_the_totals_exactly() -> None:
    order = stop_order().fill(40, "10.00", commission=1, fill_id="a").fill(60, "11.00",
                                                                              fill_id="b")
    assert order.status is FILLED
    corrected = order.correct("a", quantity=30, price="10.10", commission="0.5")
    assert corrected.status is PARTIALLY_FILLED
    assert (corrected.filled, corrected.notional, corrected.commission) == (
        90, Decimal("963.00"), Decimal("0.5"),
    )
    assert corrected.filled_price == Decimal("10.7")
    again = corrected.correct("a", quantity=40)
    assert again.status is FILLED


def test_a_bust_takes_the_fill_out() -> None:
    order = stop_order().fill(40, 10, fill_id="a").fill(60, 11, fill_id="b")
    busted = order.bust("b")
    assert (busted.status, busted.filled, busted.notional) == (PARTIALLY_FILLED, 40, 400)
    empty = busted.bust("a")
    assert (empty.status, empty.filled, empty.notional, empty.filled_price) == (OPEN, 0, 0, None)
    assert empty.bust("a") is empty
    assert empty.trigger().bust("a").status is TRIGGERED
    with pytest.raises(UnknownFillError, match="fill 'a' of order o1 was busted"):
        empty.correct("a", price=1)


def test_a_busted_fill_id_arriving_again_is_a_repeat() -> None:
    busted = stop_order().fill(40, 10, fill_id="a").bust("a")
    assert busted.fill(40, 10, fill_id="a") is busted


def test_a_correction_that_changes_nothing_is_a_repeat() -> None:
    order = stop_order().fill(40, 10, fill_id="a")
    corrected = order.correct("a", price=11)
    assert corrected.correct("a", price=11) is corrected


def test_corrections_on_ended_orders_keep_the_status() -> None:
    cancelled = stop_order().fill(40, 10, fill_id="a").cancel()
    assert cancelled.bust("a").status is CANCELLED
    assert cancelled.correct("a", quantity=50).filled == 50


def test_corrections_need_a_known_fill_and_may_not_overfill() -> None:
    order = stop_order().fill(40, 10, fill_id="a").fill(50, 10, fill_id="b")
    with pytest.raises(UnknownFillError, match="order o1 holds no fill 'zz'"):
        order.bust("zz")
    with pytest.raises(InvalidQuantityError, match="at most 50 fits"):
        order.correct("a", quantity=51)


def test_a_refused_event_leaves_the_receiver_untouched() -> None:
    order = stop_order().fill(40, 10, fill_id="a")
    snapshot = (order.status, order.filled, order.notional, order.history, dict(order.fills))
    for bad in (Fill(61, 10), Fill(40, 11, fill_id="a"), Release(), FillBust("zz"),
                Amend(amount=-5)):
        with pytest.raises(OrderError):
            apply(order, bad)
    assert (order.status, order.filled, order.notional, order.history, dict(order.fills)) == (
        snapshot
    )


def test_history_folds_back_into_the_same_order() -> None:
    initial = stop_order()
    order = (
        initial.trigger(T0)
        .fill(40, 10, fill_id="a")
        .fill(20, "10.5", fill_id="b")
        .correct("a", price="9.9")
        .amend(amount=90)
        .bust("b")
        .cancel("done")
        .fill(5, 10)
    )
    assert len(order.history) == 8
    assert reduce(apply, order.history, initial) == order


def test_apply_refuses_what_is_not_an_event() -> None:
    with pytest.raises(InvalidTransition, match="is not an order event"):
        apply(stop_order(), "cancel")  # type: ignore[arg-type]


def test_results_do_not_depend_on_the_callers_context() -> None:
    def lifecycle() -> DecimalOrder:
        return (
            DecimalOrder(T0, "BTC", "1.23456789", id="x")
            .fill("0.12345678", "43210.987654321", commission="0.0000001")
            .fill("1.11111111", "43211.123456789")
        )

    expected = lifecycle()
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_FLOOR
        ctx.traps[decimal.Inexact] = True
        ctx.traps[decimal.Rounded] = True
        assert lifecycle() == expected
        assert lifecycle().filled_price == expected.filled_price
    assert expected.filled == Decimal("1.23456789")


def test_a_total_that_cannot_stay_exact_raises() -> None:
    quantity = "1234567890123456789012345.123456"  # 31 digits, as many as an input may have
    order = DecimalOrder(T0, "X", quantity)
    price = "1.234567890123456789012345678901"  # 31 digits: the product needs 62
    with pytest.raises(ExactnessError, match="beyond 60 exact digits"):
        order.fill(quantity, price)
    assert order.fill(quantity, "1.5").notional == Decimal("1851851835185185183518517.6851840")


def test_ten_thousand_fills_average_equals_the_direct_quotient() -> None:
    fills = [(Decimal(1 + i % 7), Decimal("100") + Decimal(i % 97) / 1000) for i in range(10_000)]
    total = sum(q for q, _ in fills)
    order = DecimalOrder(T0, "X", total)
    for quantity, price in fills:
        order = order.fill(quantity, price)
    context = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
    direct = context.divide(sum(q * p for q, p in fills), sum(q for q, _ in fills))
    assert order.status is FILLED
    assert order.filled_price is not None
    assert order.filled_price.as_tuple() == direct.as_tuple()


def test_the_docs_show_the_table_and_diagram_generated_from_the_code() -> None:
    page = (DOCS / "state-machine.md").read_text()
    assert f"```mermaid\n{mermaid_diagram()}\n```" in page
    assert f"```mermaid\n{requests_diagram()}\n```" in page
    assert rules_markdown() in page


def test_python_m_orders_diagram_prints_the_generated_diagram() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orders", "diagram"], capture_output=True, text=True, check=True
    )
    assert result.stdout == mermaid_diagram() + "\n"
    assert re.search(r"^    OPEN --> TRIGGERED: Trigger$", result.stdout, re.M)


# An order's dt never goes back.


EARLIER = T0 - timedelta(days=5)


@pytest.mark.parametrize(
    "event",
    [
        Fill(Decimal(3), Decimal(10), dt=EARLIER, fill_id="f1"),
        Trigger(EARLIER, Decimal(10)),
        Expire(EARLIER),
        PriceUpdate(Decimal(11), EARLIER),
        BarUpdate(Bar(11, 12, 10, 11), EARLIER),
    ],
    ids=["Fill", "Trigger", "Expire", "PriceUpdate", "BarUpdate"],
)
def test_an_event_stamped_before_an_orders_dt_leaves_its_dt_where_it_was(event: Event) -> None:
    order = DecimalOrder(T0, AAPL, -100, order_type="trailing_stop", trail_amount=2,
                         id="o1")
    later = apply(order, event)
    assert later.dt == T0
    assert later.history[-1] == event  # the event is kept as it came, with its own time
    assert later.history[-1].dt == EARLIER  # type: ignore[attr-defined]


def test_an_event_stamped_after_an_orders_dt_moves_it_forward() -> None:
    order = stop_order().fill(3, 10, dt=T0 + timedelta(seconds=1), fill_id="f1")
    assert order.dt == T0 + timedelta(seconds=1)
    assert order.fill(3, 10, dt=T0, fill_id="f2").dt == T0 + timedelta(seconds=1)
