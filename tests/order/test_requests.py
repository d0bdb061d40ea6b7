"""Requests in flight (the rows of the transition table for requests and their
answers) and venue overfills recorded on request."""

import pickle
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce

import pytest

from orders import (
    ORDER_STATUS,
    Account,
    Acknowledged,
    Amend,
    BadOrderParameters,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Expire,
    Fill,
    InvalidQuantityError,
    InvalidTransition,
    NewRequested,
    PriceUpdate,
    Reject,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    Request,
    RequestRejectReason,
    UnknownRequestError,
    apply,
)
from orders.order.value import rebuild_order

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
T0 = datetime(2024, 1, 15, 9, 30)


def limit_order(amount: int = 10) -> DecimalOrder:
    return DecimalOrder(T0, "X", amount, limit="100", id="o1")


def sent(order: DecimalOrder, *events: object) -> DecimalOrder:
    return reduce(apply, events, order)  # type: ignore[arg-type]


def kinds(order: DecimalOrder) -> list[str]:
    return [type(request).__name__ for request in order.pending]


# A new order in flight.


def test_a_sent_order_is_pending_new_until_acknowledged() -> None:
    order = sent(limit_order(), NewRequested("n"))
    assert (order.status, order.pending_new, kinds(order)) == (OPEN, True, ["NewRequested"])
    acknowledged = apply(order, Acknowledged(T0 + timedelta(seconds=1)))
    assert (acknowledged.status, acknowledged.pending) == (OPEN, ())
    assert acknowledged.dt == T0 + timedelta(seconds=1)


def test_a_fill_answers_the_new_order_request() -> None:
    order = sent(limit_order(), NewRequested(), Fill(4, 100, fill_id="f"))
    assert (order.status, order.pending_new, order.filled) == (PARTIALLY_FILLED, False, 4)


def test_a_second_acknowledgement_is_a_no_op() -> None:
    order = sent(limit_order(), NewRequested(), Acknowledged())
    assert apply(order, Acknowledged()) is order
    assert apply(limit_order(), Acknowledged()) == limit_order()


def test_a_reject_answers_the_new_order_request() -> None:
    order = sent(limit_order(), NewRequested(), Reject("no such symbol"))
    assert (order.status, order.pending, order.reason) == (REJECTED, (), "no such symbol")


def test_an_order_is_sent_once_before_anything_but_market_data() -> None:
    priced = apply(limit_order(), PriceUpdate(99))
    assert apply(priced, NewRequested()).pending_new
    with pytest.raises(InvalidTransition, match="already has Acknowledged in its history"):
        sent(limit_order(), NewRequested(), Acknowledged(), NewRequested())
    released = limit_order().hold("risk check").release().amend(limit=99)
    assert apply(released, NewRequested()).pending_new  # the host's own decisions come first
    with pytest.raises(InvalidTransition, match="already has CancelRequested"):
        sent(limit_order(), CancelRequested(), NewRequested())


def test_a_triggered_stop_can_be_sent_but_a_held_order_cannot() -> None:
    stop = DecimalOrder(T0, "X", 10, stop="100", id="s").trigger(T0)
    assert apply(stop, NewRequested()).pending_new  # a stop triggered by the host
    with pytest.raises(InvalidTransition, match="allowed only from OPEN, TRIGGERED"):
        apply(limit_order().hold("risk"), NewRequested())


# Cancel requests.


def test_a_cancel_request_leaves_the_order_working_until_confirmed() -> None:
    order = sent(limit_order(), CancelRequested("c", reason="flat"))
    assert (order.status, order.pending_cancel, order.open) == (OPEN, True, True)
    cancelled = apply(order, Cancel("user"))
    assert (cancelled.status, cancelled.pending, cancelled.reason) == (CANCELLED, (), "user")


def test_a_fill_during_a_pending_cancel_keeps_the_request_in_flight() -> None:
    order = sent(limit_order(), CancelRequested(), Fill(4, 100, fill_id="f"))
    assert (order.status, order.filled, kinds(order)) == (PARTIALLY_FILLED, 4, ["CancelRequested"])
    cancelled = apply(order, Cancel())
    assert (cancelled.status, cancelled.filled, cancelled.pending) == (CANCELLED, 4, ())


def test_a_cancel_reject_leaves_the_order_as_it_was_but_for_the_request() -> None:
    before = sent(limit_order(), Fill(4, 100, fill_id="f"))
    rejected = sent(before, CancelRequested(), CancelRejected("busy", code=2))
    assert rejected.pending == ()
    assert (rejected.status, rejected.terms, rejected.filled) == (
        before.status, before.terms, before.filled)
    assert rejected.history[-1].code is RequestRejectReason.BROKER_OPTION  # type: ignore[union-attr]


def test_an_order_filled_while_its_cancel_is_in_flight_takes_the_too_late_answer() -> None:
    order = sent(limit_order(), CancelRequested(), Fill(10, 100, fill_id="f"))
    assert (order.status, order.pending_cancel) == (FILLED, True)
    answered = apply(order, CancelRejected("too late", RequestRejectReason.TOO_LATE))
    assert (answered.status, answered.pending, answered.filled_price) == (FILLED, (), 100)


def test_an_unsolicited_cancel_leaves_requests_of_other_kinds_in_flight() -> None:
    order = sent(limit_order(), ReplaceRequested(Amend(limit=101)), Cancel("venue closed"))
    assert (order.status, kinds(order)) == (CANCELLED, ["ReplaceRequested"])
    assert apply(order, ReplaceRejected("too late", 0)).pending == ()


def test_a_cancel_confirmed_after_the_host_cancelled_answers_the_request() -> None:
    cancelled = sent(limit_order(), CancelRequested(), ReplaceRequested(Amend(limit=99)),
                     Cancel("oco sibling filled"))
    assert kinds(cancelled) == ["ReplaceRequested"]
    assert apply(cancelled, Cancel("venue")) is cancelled  # nothing left to confirm: a repeat
    both = sent(limit_order(), CancelRequested("c1"), CancelRequested("c2"), Cancel("host"))
    confirmed = apply(both, Cancel("venue"))
    assert (confirmed.pending, confirmed.reason) == ((), "host")


def test_late_answers_to_requests_an_ended_order_settled_are_no_ops() -> None:
    cancelled = sent(limit_order(), CancelRequested(), Cancel())
    for late in (CancelRejected("too late", 0), ReplaceRejected(), Replaced()):
        assert apply(cancelled, late) is cancelled
    with pytest.raises(UnknownRequestError):
        apply(limit_order(), CancelRejected())  # on a working order it is a host error


def test_requests_on_an_ended_order_are_refused() -> None:
    for ended in (limit_order().cancel(), limit_order().reject(), limit_order().fill(10, 100)):
        for request in (CancelRequested(), ReplaceRequested(Amend(limit=99))):
            with pytest.raises(InvalidTransition, match=f"is {ended.status.name}; "):
                apply(ended, request)


# Replace requests.


def test_a_pending_replace_keeps_the_terms_in_force_until_replaced() -> None:
    order = sent(limit_order(), ReplaceRequested(Amend(amount=12, limit=101), "r"))
    assert (order.amount, order.limit, order.pending_replace.request_id) == (10, 100, "r")  # type: ignore[union-attr]
    filled = apply(order, Fill(10, 100, fill_id="f"))  # against the terms in force
    assert (filled.status, filled.pending_replace is not None) == (FILLED, True)
    replaced = apply(apply(order, Fill(4, 100, fill_id="f")), Replaced("r"))
    assert (replaced.amount, replaced.limit, replaced.filled, replaced.status) == (
        12, 101, 4, PARTIALLY_FILLED)
    assert replaced.filled_price == 100
    assert replaced.notional == 400


def test_a_replace_below_what_filled_meanwhile_fills_the_order() -> None:
    order = sent(limit_order(), Fill(3, 100, fill_id="a"), ReplaceRequested(Amend(amount=5)),
                 Fill(4, 99, fill_id="b"))
    replaced = apply(order, Replaced())
    assert (replaced.status, replaced.amount, replaced.filled, replaced.pending) == (
        FILLED, 7, 7, ())
    assert replaced.notional == 696


def test_a_replace_to_exactly_the_filled_quantity_fills_the_order() -> None:
    order = sent(limit_order(), Fill(6, 100, fill_id="a"), ReplaceRequested(Amend(amount=6)))
    assert apply(order, Replaced()).status is FILLED


def test_a_sell_replace_below_its_fills_keeps_the_sign() -> None:
    order = sent(limit_order(-10), Fill(6, 100, fill_id="a"), ReplaceRequested(Amend(amount=-2)))
    replaced = apply(order, Replaced())
    assert (replaced.amount, replaced.filled, replaced.status) == (-6, -6, FILLED)


def test_a_replace_request_is_checked_when_sent() -> None:
    with pytest.raises(InvalidQuantityError, match="would change its side"):
        apply(limit_order(), ReplaceRequested(Amend(amount=-5)))
    with pytest.raises(BadOrderParameters):
        apply(limit_order(), ReplaceRequested(Amend(stop=90)))  # a limit order has no stop


def test_chained_replaces_are_answered_in_the_order_sent() -> None:
    order = sent(limit_order(), ReplaceRequested(Amend(amount=12), "r1"),
                 ReplaceRequested(Amend(amount=15), "r2"))
    first = apply(order, Replaced())
    assert (first.amount, [r.request_id for r in first.pending]) == (12, ["r2"])  # type: ignore[union-attr]
    assert apply(first, Replaced()).amount == 15


def test_an_answer_naming_a_request_resolves_that_one() -> None:
    order = sent(limit_order(), ReplaceRequested(Amend(amount=12), "r1"),
                 ReplaceRequested(Amend(amount=15), "r2"))
    refused = apply(order, ReplaceRejected("already pending", 3, "r2"))
    assert [r.request_id for r in refused.pending] == ["r1"]  # type: ignore[union-attr]
    assert apply(refused, Replaced("r1")).amount == 12


def test_a_replace_confirmed_after_the_order_ended_is_refused() -> None:
    order = sent(limit_order(), ReplaceRequested(Amend(amount=12)), Fill(10, 100, fill_id="f"))
    with pytest.raises(InvalidTransition, match="cannot reopen an ended order"):
        apply(order, Replaced())
    assert apply(order, ReplaceRejected("too late", 0)).pending == ()


def test_a_cancel_request_while_a_replace_is_pending_queues_behind_it() -> None:
    order = sent(limit_order(), ReplaceRequested(Amend(limit=101)), CancelRequested())
    assert kinds(order) == ["ReplaceRequested", "CancelRequested"]
    cancelled = apply(order, Cancel())
    assert (cancelled.status, kinds(cancelled)) == (CANCELLED, ["ReplaceRequested"])


# Answers that name no request in flight, and ids.


@pytest.mark.parametrize("answer", [CancelRejected(), Replaced(), ReplaceRejected()])
def test_an_answer_with_no_request_in_flight_is_refused(answer: object) -> None:
    with pytest.raises(UnknownRequestError, match="has none in flight; in flight: nothing"):
        apply(limit_order(), answer)  # type: ignore[arg-type]


def test_an_answer_naming_an_unknown_request_id_is_refused() -> None:
    order = apply(limit_order(), CancelRequested("c1"))
    with pytest.raises(UnknownRequestError, match="with request id 'c2'"):
        apply(order, CancelRejected(request_id="c2"))


def test_two_requests_in_flight_may_not_share_an_id() -> None:
    order = apply(limit_order(), CancelRequested("x"))
    with pytest.raises(UnknownRequestError, match="'x' is already in flight"):
        apply(order, ReplaceRequested(Amend(limit=99), "x"))


def test_an_answer_stamped_earlier_leaves_the_orders_time_where_it_was() -> None:
    later = T0 + timedelta(minutes=1)
    order = apply(limit_order(), CancelRequested(dt=later))
    answered = apply(order, CancelRejected(dt=T0))
    assert (order.dt, answered.dt) == (later, later)


# The order value with requests in flight.


def test_the_fold_of_the_history_and_a_pickle_give_the_order_with_its_requests() -> None:
    order = sent(limit_order(), NewRequested("n"), Fill(2, 100, fill_id="a"),
                 ReplaceRequested(Amend(limit=101), "r"), CancelRequested("c"))
    assert reduce(apply, order.history, order.initial) == order
    assert pickle.loads(pickle.dumps(order)) == order
    assert order != apply(order, CancelRejected())


def test_versions_pickled_before_requests_existed_load_with_none_in_flight() -> None:
    order = limit_order().fill(2, 100, fill_id="a")
    versions = ((order.initial, None), (order, order.history[0]))
    old_layout = tuple(
        (version.terms, version.status, version.dt, version.filled, version.notional,
         version.commission, version.reason, version.stop_reached, version.limit_reached,
         event, None)
        for version, event in versions
    )
    assert rebuild_order(old_layout) == order


def test_an_order_can_be_built_with_requests_in_flight() -> None:
    request = CancelRequested("c")
    order = DecimalOrder(T0, "X", 10, limit="100", id="o1", pending=[request])
    assert order.pending == (request,)
    assert apply(order, Cancel()).pending == ()
    with pytest.raises(BadOrderParameters, match="can only be the first"):
        DecimalOrder(T0, "X", 10, pending=[request, NewRequested()])
    with pytest.raises(BadOrderParameters, match="distinct request ids"):
        DecimalOrder(T0, "X", 10, pending=[request, CancelRequested("c")])
    with pytest.raises(BadOrderParameters, match="pending must be"):
        DecimalOrder(T0, "X", 10, pending=[Cancel()])  # type: ignore[list-item]


def test_a_reject_code_must_be_a_request_reject_reason() -> None:
    assert CancelRejected(code="TOO_LATE").code is RequestRejectReason.TOO_LATE
    with pytest.raises(BadOrderParameters, match="ALREADY_PENDING \\(3\\)"):
        CancelRejected(code=7)


# Venue overfills, recorded when the fill accepts it.


def test_an_overfill_is_refused_unless_the_fill_accepts_it() -> None:
    order = limit_order().fill(6, 100, fill_id="a")
    with pytest.raises(InvalidQuantityError, match="unless the fill has accept_overfill=True"):
        order.fill(6, 100, fill_id="b")
    over = apply(order, Fill(6, 101, fill_id="b", accept_overfill=True))
    assert (over.status, over.filled, over.overfilled, over.notional) == (FILLED, 12, True, 1206)
    assert not order.overfilled


def test_a_filled_order_takes_a_further_fill_only_as_an_accepted_overfill() -> None:
    filled = limit_order(-10).fill(10, 100, fill_id="a")
    with pytest.raises(InvalidTransition, match="only with accept_overfill=True"):
        filled.fill(1, 100, fill_id="b")
    over = apply(filled, Fill(1, 99, fill_id="b", accept_overfill=True))
    assert (over.status, over.filled, over.overfilled) == (FILLED, -11, True)
    assert apply(over, Fill(1, 99, fill_id="b", accept_overfill=True)) is over  # a repeat
    with pytest.raises(InvalidTransition):
        apply(limit_order().reject(), Fill(1, 100, accept_overfill=True))


def test_an_accepted_fill_that_fits_is_an_ordinary_fill() -> None:
    order = apply(limit_order(), Fill(4, 100, fill_id="a", accept_overfill=True))
    assert (order.status, order.overfilled) == (PARTIALLY_FILLED, False)


def test_positions_hold_the_whole_overfilled_quantity() -> None:
    order = limit_order().fill(10, 100, fill_id="a")
    extra = Fill(2, 101, fill_id="b", accept_overfill=True)
    over = apply(order, extra)
    account = Account().fill(order, Fill(10, 100, fill_id="a")).fill(over, extra)
    position = account.position("X")
    assert (position.quantity, position.cost) == (Decimal(12), Decimal(1202))


def test_replaces_given_to_the_constructor_are_checked_as_if_sent() -> None:
    with pytest.raises(InvalidQuantityError, match="would change its side"):
        DecimalOrder(T0, "X", 10, limit="100", pending=[ReplaceRequested(Amend(amount=-5))])
    with pytest.raises(BadOrderParameters):
        DecimalOrder(T0, "X", 10, pending=[ReplaceRequested(Amend(limit=5))])  # a market order


def test_a_reject_answers_the_new_order_request_of_an_order_already_ended() -> None:
    cancelled = sent(limit_order(), NewRequested("n"), Cancel("oco sibling rejected"))
    assert cancelled.pending_new
    answered = apply(cancelled, Reject("unknown symbol"))
    assert (answered.status, answered.pending, answered.reason) == (
        CANCELLED, (), "oco sibling rejected")
    assert apply(answered, Reject("again")) is answered  # a late answer


def test_an_expired_order_stays_expired_when_the_venue_confirms_a_cancel_in_flight() -> None:
    order = DecimalOrder(T0, "X", 10, limit="100", time_in_force="DAY",
                         valid_until=T0 + timedelta(hours=6))
    expired = sent(order, CancelRequested("c1"), Fill(2, 100, fill_id="f"),
                   Expire(T0 + timedelta(hours=6)))
    assert (expired.expired, expired.pending_cancel) == (True, True)
    confirmed = apply(expired, Cancel("cancelled"))
    assert (confirmed.expired, confirmed.pending, confirmed.reason) == (True, (), "expired")
    assert not limit_order().cancel().expired


def test_a_cancel_confirming_a_request_answers_the_new_order_too() -> None:
    confirmed = sent(limit_order(), NewRequested(), CancelRequested(), Cancel())
    assert (confirmed.status, confirmed.pending) == (CANCELLED, ())
    by_the_host = sent(limit_order(), NewRequested(), Cancel("oco sibling filled"))
    assert by_the_host.pending_new  # the venue's answer to the new order is still to come


def test_a_late_reject_of_a_new_order_the_venue_cancelled_is_a_no_op() -> None:
    confirmed = sent(limit_order(), NewRequested(), CancelRequested(), Cancel())
    assert apply(confirmed, Reject("late")) is confirmed
    with pytest.raises(InvalidTransition, match="CANCELLED and was never sent"):
        apply(limit_order().cancel(), Reject("never sent"))


@pytest.mark.parametrize("in_flight", [NewRequested("n1"), CancelRequested("c1")])
def test_an_order_built_with_a_request_in_flight_is_not_sent_again(in_flight: Request) -> None:
    # Wrong: sent_once reads only the applied kinds, not the requests the order was built with.
    order = DecimalOrder(T0, "X", 10, limit="100", id="o1", pending=[in_flight])
    with pytest.raises(InvalidTransition):
        apply(order, NewRequested("n2"))


def test_a_repeated_reject_of_an_order_built_with_its_new_order_request_in_flight_is_a_no_op(
) -> None:
    # Wrong: rejects_new_in_flight sees no NewRequested among the applied kinds: "never sent".
    order = DecimalOrder(T0, "X", 10, limit="100", id="o1", pending=[NewRequested("n1")])
    rejected = apply(order, Reject("unknown symbol"))
    assert apply(rejected, Reject("unknown symbol")) is rejected
