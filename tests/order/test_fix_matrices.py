"""The FIX order state change matrices (FIX Appendix D) as examples.

Each scenario is a matrix's rows as data: the event `orders` applies for the
row, then what the matrix shows after it (ExecType, OrdStatus, OrderQty,
CumQty, LeavesQty, AvgPx) and the order's own status and requests in flight.
One parametrized test applies the steps and compares every row exactly, so a
reader can hold the data against the matrix row by row. `fix_ord_status` and
`fix_exec_type` are the code form of the mapping docs/status-mapping.md
publishes.

How a row reads (the page says the same for users):

- The steps come in the order the buy side sends and receives them. A
  request's row stands for the request and for the venue's Pending New, Pending
  Cancel or Pending Replace acknowledgement of it: `orders` has no event for
  that acknowledgement, a request is pending from the moment it is sent.
- A report that crossed a request on the wire, or that the venue sent before
  taking up a request it holds, carries the OrdStatus the venue gave without
  the request. Here the request is already in flight, so such a row holds our
  OrdStatus and, in ``matrix``, the matrix's, with the documented difference
  it stands for in ``why`` (``DIFFERENCES``).
- Where a matrix gives no prices, every fill is at 50; AvgPx 0 before any fill
  is ``filled_price`` None.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import pytest

from orders import (
    ACTIVE_STATUSES,
    ORDER_STATUS,
    Acknowledged,
    Amend,
    Bar,
    Cancel,
    CancelRejected,
    CancelRequested,
    DecimalOrder,
    Event,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    InvalidTransition,
    LimitOrder,
    NewRequested,
    OrderBook,
    OrderError,
    Reject,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    Request,
    RequestRejectReason,
    SimulatedVenue,
    TimeInForce,
    apply,
)

OPEN, FILLED, CANCELLED, REJECTED, HELD, TRIGGERED, PARTIALLY_FILLED = ORDER_STATUS
OPENED = datetime(2024, 1, 15, 9, 30)
SESSION_END = datetime(2024, 1, 15, 16, 0)
KILLED = datetime(2024, 1, 15, 9, 31)
"""When the venue kills an IOC or FOK order: the end of its one chance to trade."""

# The mapping: FIX OrdStatus (39) codes and names.

ORD_STATUS_NAMES = {
    "0": "New",
    "1": "Partially Filled",
    "2": "Filled",
    "3": "Done for Day",
    "4": "Canceled",
    "6": "Pending Cancel",
    "8": "Rejected",
    "9": "Suspended",
    "A": "Pending New",
    "C": "Expired",
    "E": "Pending Replace",
}

_EXPIRED_BY_VALIDITY = {TimeInForce.DAY: "3", TimeInForce.IOC: "4", TimeInForce.FOK: "4"}
"""The OrdStatus of an expired order, by its time in force (Expired, "C", for the others)."""

_BY_STATUS = {
    OPEN: "0",
    TRIGGERED: "0",
    PARTIALLY_FILLED: "1",
    FILLED: "2",
    CANCELLED: "4",
    REJECTED: "8",
    HELD: "9",
}


def fix_ord_status(order: DecimalOrder) -> str:
    """The OrdStatus FIX reports for ``order``: a request in flight takes
    precedence over the status (Pending Cancel over Pending Replace over any
    status), as FIX's precedence values say; an expired order is Done for Day
    when it was a day order, Canceled when it was an IOC or FOK order (FIX
    kills those with a cancel) and Expired otherwise; Pending New shows only
    while nothing else is to report."""
    if order.pending_cancel:
        return "6"
    if order.pending_replace is not None:
        return "E"
    if order.expired:
        return _EXPIRED_BY_VALIDITY.get(order.time_in_force, "C")
    code = _BY_STATUS[order.status]
    if code == "0" and order.pending_new:
        return "A"
    return code


_EXEC_TYPES: dict[type[Event], str] = {
    NewRequested: "Pending New",
    Acknowledged: "New",
    CancelRequested: "Pending Cancel",
    ReplaceRequested: "Pending Replace",
    Fill: "Trade",
    Cancel: "Canceled",
    Replaced: "Replace",
    Reject: "Rejected",
    Amend: "Restated",
    FillCorrection: "Trade Correct",
    FillBust: "Trade Cancel",
    CancelRejected: "",  # FIX answers with an Order Cancel Reject, which has no ExecType
    ReplaceRejected: "",
}


def fix_exec_type(event: Event, order: DecimalOrder) -> str:
    """The ExecType of the execution report ``event`` stands for ("" for none):
    an expiry reads as the OrdStatus it leaves the order in."""
    if type(event) is Expire:
        return ORD_STATUS_NAMES[_EXPIRED_BY_VALIDITY.get(order.time_in_force, "C")]
    return _EXEC_TYPES[type(event)]


def leaves(order: DecimalOrder) -> int:
    """LeavesQty: what is still open at the venue; nothing once the order ended."""
    if order.status not in ACTIVE_STATUSES:
        return 0
    return int(order.remaining.copy_abs())


# The documented differences a row may stand for.

CROSSED = "a report that crossed a request reads the request as in flight"
NOT_TAKEN_UP = "a request the venue holds and has not taken up yet is in flight"
PRECEDENCE = "an acknowledgement during a pending cancel reads Pending Cancel, by precedence"
FILLED_IS_FINAL = "a request on a filled order is refused"
DIFFERENCES = (CROSSED, NOT_TAKEN_UP, PRECEDENCE, FILLED_IS_FINAL)


class Seen(NamedTuple):
    exec_type: str
    ord_status: str
    order_qty: int
    cum_qty: int
    leaves_qty: int
    avg_px: str | None
    status: ORDER_STATUS
    pending: tuple[type[Request], ...]


class Row(NamedTuple):
    time: str
    """The matrix's Time column of the row (or rows) this step stands for."""
    event: Event
    exec_type: str
    ord_status: str
    order_qty: int
    cum_qty: int
    leaves_qty: int
    avg_px: str | None
    status: ORDER_STATUS
    pending: tuple[type[Request], ...] = ()
    matrix: str | None = None
    """The matrix's OrdStatus, where ours differs from it."""
    why: str = ""
    refused: type[OrderError] | None = None

    def expected(self) -> Seen:
        return Seen(self.exec_type, self.ord_status, self.order_qty, self.cum_qty,
                    self.leaves_qty, self.avg_px, self.status, self.pending)


class Scenario(NamedTuple):
    ref: str
    source: str
    """Where the rows were read: the FIX version and the matrix's reference there."""
    rows: tuple[Row, ...]
    time_in_force: TimeInForce = TimeInForce.GTC
    quantity: int = 10000
    xfail: str = ""
    """Why `orders` does not yet give these rows, for a scenario that shows a gap."""


def seen(order: DecimalOrder, event: Event, refused: bool) -> Seen:
    price = order.filled_price
    return Seen(
        "" if refused else fix_exec_type(event, order),
        ORD_STATUS_NAMES[fix_ord_status(order)],
        int(order.amount.copy_abs()),
        int(order.filled.copy_abs()),
        leaves(order),
        None if price is None else str(price),
        order.status,
        tuple(type(request) for request in order.pending),
    )


def fill(quantity: int, fill_id: str | None = None, price: str = "50") -> Fill:
    return Fill(quantity, price, fill_id=fill_id)


def replace(amount: int | None = None, request_id: str | None = None,
            limit: str | None = None) -> ReplaceRequested:
    return ReplaceRequested(Amend(amount=amount, limit=limit), request_id=request_id)


NEW = NewRequested()
ACK = Acknowledged()
CANCEL_REQUEST = CancelRequested()
PN, PC, PR = (NewRequested,), (CancelRequested,), (ReplaceRequested,)
SENT = Row("1", NEW, "Pending New", "Pending New", 10000, 0, 10000, None, OPEN, PN)
ACKED = Row("2", ACK, "New", "New", 10000, 0, 10000, None, OPEN)
FIRST_1000 = Row("3", fill(1000), "Trade", "Partially Filled", 10000, 1000, 9000, "50",
                 PARTIALLY_FILLED)
FIRST_2000 = Row("3", fill(2000), "Trade", "Partially Filled", 10000, 2000, 8000, "50",
                 PARTIALLY_FILLED)

SCENARIOS = (
    Scenario("A.1.a", "FIX 4.4 A.1.a", (
        SENT,
        ACKED,
        FIRST_2000,
        Row("4", fill(1000), "Trade", "Partially Filled", 10000, 3000, 7000, "50",
            PARTIALLY_FILLED),
        Row("5", fill(7000), "Trade", "Filled", 10000, 10000, 0, "50", FILLED),
    )),
    Scenario("A.1.a-rejected", "FIX 4.4 A.1.a, time 3, the reject branch", (
        SENT,
        ACKED,
        Row("3", Reject("refused by the exchange"), "Rejected", "Rejected", 10000, 0, 0, None,
            REJECTED),
    )),
    Scenario("A.1.b", "FIX 4.4 A.1.b", (
        SENT,
        ACKED,
        FIRST_2000,
        Row("4", fill(1000), "Trade", "Partially Filled", 10000, 3000, 7000, "50",
            PARTIALLY_FILLED),
        Row("5", Expire(SESSION_END), "Done for Day", "Done for Day", 10000, 3000, 0, "50",
            CANCELLED),
    ), time_in_force=TimeInForce.DAY),
    Scenario("A.1.b-rejected", "FIX 4.4 A.1.b, time 2, the reject branch", (
        SENT,
        Row("2", Reject("unknown symbol"), "Rejected", "Rejected", 10000, 0, 0, None, REJECTED),
    )),
    Scenario("B.1.a", "FIX 4.2 D3 (FIX 4.4 B.1.a)", (
        SENT,
        ACKED,
        Row("3-4", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 0, 10000, None,
            OPEN, PC),
        Row("5", Cancel(), "Canceled", "Canceled", 10000, 0, 0, None, CANCELLED),
    )),
    Scenario("B.1.a-rejected", "FIX 4.2 D3 (FIX 4.4 B.1.a), time 5, the reject branch", (
        SENT,
        ACKED,
        Row("3-4", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 0, 10000, None,
            OPEN, PC),
        Row("5", CancelRejected("trader refused"), "", "New", 10000, 0, 10000, None, OPEN),
    )),
    Scenario("B.1.b", "FIX 4.4 B.1.b", (
        SENT,
        ACKED,
        FIRST_2000,
        Row("4", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 2000, 8000, "50",
            PARTIALLY_FILLED, PC),
        Row("4-5", fill(3000), "Trade", "Pending Cancel", 10000, 5000, 5000, "50",
            PARTIALLY_FILLED, PC, matrix="Partially Filled", why=CROSSED),
        Row("6", fill(1000), "Trade", "Pending Cancel", 10000, 6000, 4000, "50",
            PARTIALLY_FILLED, PC),
        Row("7", Cancel(), "Canceled", "Canceled", 10000, 6000, 0, "50", CANCELLED),
    )),
    Scenario("B.1.c", "FIX 5.0 SP1 B.1.c (FIX 4.2 D5)", (
        SENT,
        ACKED,
        FIRST_2000,
        Row("4", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 2000, 8000, "50",
            PARTIALLY_FILLED, PC),
        Row("4-5", fill(3000), "Trade", "Pending Cancel", 10000, 5000, 5000, "50",
            PARTIALLY_FILLED, PC, matrix="Partially Filled", why=CROSSED),
        Row("6", fill(5000), "Trade", "Pending Cancel", 10000, 10000, 0, "50", FILLED, PC),
        Row("7", CancelRejected("too late", RequestRejectReason.TOO_LATE), "", "Filled",
            10000, 10000, 0, "50", FILLED),
    )),
    Scenario("B.1.d", "FIX 4.4 B.1.d, order X: acknowledged before the cancel", (
        SENT,
        Row("2-3", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 0, 10000, None,
            OPEN, (NewRequested, CancelRequested)),
        Row("4", ACK, "New", "Pending Cancel", 10000, 0, 10000, None, OPEN, PC,
            matrix="New", why=PRECEDENCE),
        Row("5", Cancel(), "Canceled", "Canceled", 10000, 0, 0, None, CANCELLED),
    )),
    Scenario("B.1.d-unacknowledged", "FIX 4.4 B.1.d, order A: cancelled before it is accepted", (
        Row("6", NEW, "Pending New", "Pending New", 5000, 0, 5000, None, OPEN, PN),
        Row("7-8", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 5000, 0, 5000, None,
            OPEN, (NewRequested, CancelRequested)),
        Row("9", Cancel(), "Canceled", "Canceled", 5000, 0, 0, None, CANCELLED),
    ), quantity=5000),
    Scenario("B.1.e", "FIX 5.0 SP1 B.1.e", (
        SENT,
        Row("2", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 0, 10000, None,
            OPEN, (NewRequested, CancelRequested)),
        Row("2-3", ACK, "New", "Pending Cancel", 10000, 0, 10000, None, OPEN, PC,
            matrix="New", why=CROSSED),
        Row("4", Cancel(), "Canceled", "Canceled", 10000, 0, 0, None, CANCELLED),
    )),
    Scenario("C.1.a", "FIX 4.4 C.1.a", (
        SENT,
        ACKED,
        Row("3-4", replace(11000), "Pending Replace", "Pending Replace", 10000, 0, 10000, None,
            OPEN, PR),
        Row("5", Replaced(), "Replace", "New", 11000, 0, 11000, None, OPEN),
        Row("6", fill(1000), "Trade", "Partially Filled", 11000, 1000, 10000, "50",
            PARTIALLY_FILLED),
        Row("7", fill(2000), "Trade", "Partially Filled", 11000, 3000, 8000, "50",
            PARTIALLY_FILLED),
    )),
    Scenario("C.1.a-rejected", "FIX 4.4 C.1.a, time 5, the reject branch", (
        SENT,
        ACKED,
        Row("3-4", replace(11000), "Pending Replace", "Pending Replace", 10000, 0, 10000, None,
            OPEN, PR),
        Row("5", ReplaceRejected("refused by the exchange"), "", "New", 10000, 0, 10000, None,
            OPEN),
    )),
    Scenario("C.1.b", "FIX 5.0 SP1 C.1.b (FIX 4.2 D7)", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4-5", replace(12000), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("6", fill(100), "Trade", "Pending Replace", 10000, 1100, 8900, "50",
            PARTIALLY_FILLED, PR),
        Row("7", Replaced(), "Replace", "Partially Filled", 12000, 1100, 10900, "50",
            PARTIALLY_FILLED),
        Row("8", fill(10900), "Trade", "Filled", 12000, 12000, 0, "50", FILLED),
    )),
    Scenario("C.1.b-rejected", "FIX 5.0 SP1 C.1.b, time 7, the reject branch", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4-5", replace(12000), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("6", fill(100), "Trade", "Pending Replace", 10000, 1100, 8900, "50",
            PARTIALLY_FILLED, PR),
        Row("7", ReplaceRejected("trader refused"), "", "Partially Filled", 10000, 1100, 8900,
            "50", PARTIALLY_FILLED),
    )),
    Scenario("C.1.c", "FIX 4.4 C.1.c, to its fifth row", (
        SENT,
        ACKED,
        Row("3", fill(10000), "Trade", "Filled", 10000, 10000, 0, "50", FILLED),
        Row("4-5", replace(12000), "", "Filled", 10000, 10000, 0, "50", FILLED,
            matrix="Pending Replace", why=FILLED_IS_FINAL, refused=InvalidTransition),
    )),
    Scenario("C.2.a", "FIX 4.4 C.2.a", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(limit="51"), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("4", fill(9000), "Trade", "Pending Replace", 10000, 10000, 0, "50", FILLED, PR,
            matrix="Filled", why=CROSSED),
        Row("5", ReplaceRejected("too late", RequestRejectReason.TOO_LATE), "", "Filled",
            10000, 10000, 0, "50", FILLED),
    )),
    Scenario("C.3.a", "FIX 5.0 SP2 C.3.a (FIX 4.2 D10)", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(8000), "Pending Replace", "Pending Replace", 10000, 1000, 9000, "50",
            PARTIALLY_FILLED, PR),
        Row("4-5", fill(500), "Trade", "Pending Replace", 10000, 1500, 8500, "50",
            PARTIALLY_FILLED, PR, matrix="Partially Filled", why=CROSSED),
        Row("6", fill(100), "Trade", "Pending Replace", 10000, 1600, 8400, "50",
            PARTIALLY_FILLED, PR),
        Row("7", Replaced(), "Replace", "Partially Filled", 8000, 1600, 6400, "50",
            PARTIALLY_FILLED),
        Row("8", fill(6400), "Trade", "Filled", 8000, 8000, 0, "50", FILLED),
    )),
    Scenario("C.3.b", "FIX 4.3 matrix 13 (FIX 4.4 C.3.b, FIX 4.2 D11)", (
        SENT,
        ACKED,
        Row("3", replace(7000), "Pending Replace", "Pending Replace", 10000, 0, 10000, None,
            OPEN, PR),
        Row("3", fill(7000), "Trade", "Pending Replace", 10000, 7000, 3000, "50",
            PARTIALLY_FILLED, PR, matrix="Partially Filled", why=CROSSED),
        Row("4", Replaced(), "Replace", "Filled", 7000, 7000, 0, "50", FILLED),
    )),
    Scenario("C.3.c", "FIX 5.0 SP2 C.3.c", (
        SENT,
        ACKED,
        Row("3", replace(7000), "Pending Replace", "Pending Replace", 10000, 0, 10000, None,
            OPEN, PR),
        Row("3", fill(8000), "Trade", "Pending Replace", 10000, 8000, 2000, "50",
            PARTIALLY_FILLED, PR, matrix="Partially Filled", why=CROSSED),
        Row("4", Replaced(), "Replace", "Filled", 8000, 8000, 0, "50", FILLED),
    )),
    Scenario("D.1.a", "FIX 4.2 D13 (FIX 4.4 D.1.a)", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4-5", replace(8000), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("6", fill(500), "Trade", "Pending Replace", 10000, 1500, 8500, "50",
            PARTIALLY_FILLED, PR),
        Row("7", Replaced(), "Replace", "Partially Filled", 8000, 1500, 6500, "50",
            PARTIALLY_FILLED),
        Row("8", fill(2000), "Trade", "Partially Filled", 8000, 3500, 4500, "50",
            PARTIALLY_FILLED),
        Row("9-10", replace(6000), "Pending Replace", "Pending Replace", 8000, 3500, 4500,
            "50", PARTIALLY_FILLED, PR),
        Row("11", Replaced(), "Replace", "Partially Filled", 6000, 3500, 2500, "50",
            PARTIALLY_FILLED),
        Row("12", fill(2500), "Trade", "Filled", 6000, 6000, 0, "50", FILLED),
    )),
    Scenario("D.1.b", "FIX 5.0 SP2 D.1.b", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(8000), "Pending Replace", "Pending Replace", 10000, 1000, 9000, "50",
            PARTIALLY_FILLED, PR),
        Row("5", ReplaceRejected("refused"), "", "Partially Filled", 10000, 1000, 9000, "50",
            PARTIALLY_FILLED),
        Row("6", fill(500), "Trade", "Partially Filled", 10000, 1500, 8500, "50",
            PARTIALLY_FILLED),
        Row("7", fill(2000), "Trade", "Partially Filled", 10000, 3500, 6500, "50",
            PARTIALLY_FILLED),
        Row("8-9", replace(6000), "Pending Replace", "Pending Replace", 10000, 3500, 6500,
            "50", PARTIALLY_FILLED, PR),
        Row("10", Replaced(), "Replace", "Partially Filled", 6000, 3500, 2500, "50",
            PARTIALLY_FILLED),
        Row("11", fill(1500), "Trade", "Partially Filled", 6000, 5000, 1000, "50",
            PARTIALLY_FILLED),
    )),
    Scenario("D.1.c", "FIX 4.2 D15 (FIX 4.4 D.1.c)", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4-5", replace(8000), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("6", fill(500), "Trade", "Pending Replace", 10000, 1500, 8500, "50",
            PARTIALLY_FILLED, PR),
        Row("7", ReplaceRejected("refused"), "", "Partially Filled", 10000, 1500, 8500, "50",
            PARTIALLY_FILLED),
        Row("8", fill(2000), "Trade", "Partially Filled", 10000, 3500, 6500, "50",
            PARTIALLY_FILLED),
        Row("9-10", replace(6000), "Pending Replace", "Pending Replace", 10000, 3500, 6500,
            "50", PARTIALLY_FILLED, PR),
        Row("11", Replaced(), "Replace", "Partially Filled", 6000, 3500, 2500, "50",
            PARTIALLY_FILLED),
        Row("12", fill(1500), "Trade", "Partially Filled", 6000, 5000, 1000, "50",
            PARTIALLY_FILLED),
    )),
    Scenario("D.2.a", "FIX 4.4 D.2.a", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(8000, "Y"), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("5-6", replace(7000, "Z"), "Pending Replace", "Pending Replace", 10000, 1000,
            9000, "50", PARTIALLY_FILLED, PR * 2),
        Row("7-8", Replaced("Y"), "Replace", "Pending Replace", 8000, 1000, 7000, "50",
            PARTIALLY_FILLED, PR, matrix="Partially Filled", why=NOT_TAKEN_UP),
        Row("9", Replaced("Z"), "Replace", "Partially Filled", 7000, 1000, 6000, "50",
            PARTIALLY_FILLED),
        Row("10", fill(6000), "Trade", "Filled", 7000, 7000, 0, "50", FILLED),
    )),
    Scenario("D.2.b", "FIX 5.0 SP2 D.2.b", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(8000, "Y"), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("5-7", replace(7000, "Z"), "Pending Replace", "Pending Replace", 10000, 1000,
            9000, "50", PARTIALLY_FILLED, PR * 2),
        Row("8", Replaced("Y"), "Replace", "Pending Replace", 8000, 1000, 7000, "50",
            PARTIALLY_FILLED, PR),
        Row("9", Replaced("Z"), "Replace", "Partially Filled", 7000, 1000, 6000, "50",
            PARTIALLY_FILLED),
        Row("10", fill(6000), "Trade", "Filled", 7000, 7000, 0, "50", FILLED),
    )),
    Scenario("D.2.c", "FIX 4.4 D.2.c", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(8000, "Y"), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("5-6", replace(7000, "Z"), "Pending Replace", "Pending Replace", 10000, 1000,
            9000, "50", PARTIALLY_FILLED, PR * 2),
        Row("7-8", ReplaceRejected("refused", request_id="Y"), "", "Pending Replace", 10000,
            1000, 9000, "50", PARTIALLY_FILLED, PR, matrix="Partially Filled",
            why=NOT_TAKEN_UP),
        Row("9", ReplaceRejected("refused", request_id="Z"), "", "Partially Filled", 10000,
            1000, 9000, "50", PARTIALLY_FILLED),
        Row("10", fill(6000), "Trade", "Partially Filled", 10000, 7000, 3000, "50",
            PARTIALLY_FILLED),
    )),
    Scenario("FIX 4.3 #21", "FIX 4.3 matrix 21, the second replace refused while pending", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", replace(8000, "Y"), "Pending Replace", "Pending Replace", 10000, 1000, 9000,
            "50", PARTIALLY_FILLED, PR),
        Row("5-6", replace(7000, "Z"), "Pending Replace", "Pending Replace", 10000, 1000,
            9000, "50", PARTIALLY_FILLED, PR * 2),
        Row("7", ReplaceRejected("pending", RequestRejectReason.ALREADY_PENDING, "Z"), "",
            "Pending Replace", 10000, 1000, 9000, "50", PARTIALLY_FILLED, PR),
        Row("8", Replaced("Y"), "Replace", "Partially Filled", 8000, 1000, 7000, "50",
            PARTIALLY_FILLED),
        Row("9", fill(2000), "Trade", "Partially Filled", 8000, 3000, 5000, "50",
            PARTIALLY_FILLED),
    )),
    Scenario("E.1.b", "FIX 5.0 E.1.b (FIX 4.2 D19)", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("5", Cancel("verbal"), "Canceled", "Canceled", 10000, 1000, 0, "50", CANCELLED),
    )),
    Scenario("E.1.c", "FIX 5.0 SP2 E.1.c (FIX 4.2 D20)", (
        SENT,
        ACKED,
        Row("3-4", Amend(amount=11000), "Restated", "New", 11000, 0, 11000, None, OPEN),
        Row("5", fill(1000), "Trade", "Partially Filled", 11000, 1000, 10000, "50",
            PARTIALLY_FILLED),
        Row("6-7", Amend(amount=12000), "Restated", "Partially Filled", 12000, 1000, 11000,
            "50", PARTIALLY_FILLED),
    )),
    Scenario("E.1.d", "FIX 4.4 E.1.d", (
        SENT,
        ACKED,
        Row("3", Amend(amount=9000), "Restated", "New", 9000, 0, 9000, None, OPEN),
        Row("4", fill(9000), "Trade", "Filled", 9000, 9000, 0, "50", FILLED),
    )),
    Scenario("E.1.e", "FIX 4.4 E.1.e", (
        SENT,
        ACKED,
        Row("3", Cancel("no longer the best bid"), "Canceled", "Canceled", 10000, 0, 0, None,
            CANCELLED),
    )),
    Scenario("I.1.a", "FIX 4.4 I.1.a", (
        SENT,
        ACKED,
        Row("3", Expire(KILLED), "Canceled", "Canceled", 10000, 0, 0, None, CANCELLED),
    ), time_in_force=TimeInForce.FOK),
    Scenario("I.1.b", "FIX 4.4 I.1.b", (
        SENT,
        ACKED,
        FIRST_1000,
        Row("4", Expire(KILLED), "Canceled", "Canceled", 10000, 1000, 0, "50", CANCELLED),
    ), time_in_force=TimeInForce.IOC),
    Scenario("J.1.a", "FIX 5.0 J.1.a (FIX 4.2 D34)", (
        SENT,
        ACKED,
        Row("3", fill(1000, "C", "100"), "Trade", "Partially Filled", 10000, 1000, 9000,
            "100", PARTIALLY_FILLED),
        Row("4", fill(9000, "D", "110"), "Trade", "Filled", 10000, 10000, 0, "109", FILLED),
        Row("5", FillBust("C"), "Trade Cancel", "Partially Filled", 10000, 9000, 1000, "110",
            PARTIALLY_FILLED),
        Row("6", FillCorrection("D", price="100"), "Trade Correct", "Partially Filled", 10000,
            9000, 1000, "100", PARTIALLY_FILLED),
        Row("7", fill(1000, "G", "120"), "Trade", "Filled", 10000, 10000, 0, "102", FILLED),
        Row("8", FillCorrection("D", price="120"), "Trade Correct", "Filled", 10000, 10000, 0,
            "120", FILLED),
        Row("9-10", replace(12000), "", "Filled", 10000, 10000, 0, "120", FILLED,
            matrix="Pending Replace", why=FILLED_IS_FINAL, refused=InvalidTransition),
    )),
    Scenario("J.1.b", "FIX 5.0 SP2 J.1.b (FIX 4.2 D35)", (
        SENT,
        ACKED,
        Row("3", fill(5000, "B"), "Trade", "Partially Filled", 10000, 5000, 5000, "50",
            PARTIALLY_FILLED),
        Row("4-5", CANCEL_REQUEST, "Pending Cancel", "Pending Cancel", 10000, 5000, 5000, "50",
            PARTIALLY_FILLED, PC),
        Row("6", Cancel(), "Canceled", "Canceled", 10000, 5000, 0, "50", CANCELLED),
        Row("7", FillBust("B"), "Trade Cancel", "Canceled", 10000, 0, 0, None, CANCELLED),
        Row("8", fill(4000, "F", "51"), "Trade", "Canceled", 10000, 4000, 0, "51", CANCELLED),
    )),
    Scenario("J.1.c", "FIX 5.0 SP1 J.1.c (FIX 4.2 D36), without its optional rows", (
        SENT,
        ACKED,
        Row("Day 1,3", fill(2000, "B"), "Trade", "Partially Filled", 10000, 2000, 8000, "50",
            PARTIALLY_FILLED),
        Row("Day 2,2", fill(1000, "E"), "Trade", "Partially Filled", 10000, 3000, 7000, "50",
            PARTIALLY_FILLED),
        Row("Day 2,3", FillCorrection("B", quantity=1500), "Trade Correct", "Partially Filled",
            10000, 2500, 7500, "50", PARTIALLY_FILLED),
        Row("Day 2,4", FillCorrection("E", quantity=500), "Trade Correct", "Partially Filled",
            10000, 2000, 8000, "50", PARTIALLY_FILLED),
    )),
    Scenario("J.1.d", "FIX 5.0 SP2 J.1.d", (
        SENT,
        ACKED,
        Row("3", fill(5000, "B"), "Trade", "Partially Filled", 10000, 5000, 5000, "50",
            PARTIALLY_FILLED),
        Row("4", Expire(SESSION_END), "Done for Day", "Done for Day", 10000, 5000, 0, "50",
            CANCELLED),
        Row("5", FillCorrection("B", quantity=4000), "Trade Correct", "Done for Day", 10000,
            4000, 0, "50", CANCELLED),
        Row("6", FillBust("B"), "Trade Cancel", "Done for Day", 10000, 0, 0, None, CANCELLED),
    ), time_in_force=TimeInForce.DAY),
    Scenario("K.1.a", "FIX 4.4 K.1.a: the halt and its end send no report", (
        SENT,
        ACKED,
        Row("5", fill(10000), "Trade", "Filled", 10000, 10000, 0, "50", FILLED),
    )),
    Scenario("K.1.b", "FIX 4.4 K.1.b: the halt sends no report, the cancel follows", (
        SENT,
        ACKED,
        Row("4", Cancel("trading halt"), "Canceled", "Canceled", 10000, 0, 0, None,
            CANCELLED),
    )),
)

NOT_MODELLED = {
    "B.1.f": "a cancel for an order the venue does not know: an order here exists before it "
             "is sent, so the venue's answer is a CancelRejected (code UNKNOWN_ORDER) that "
             "leaves the order as it was, where the matrix reports OrdStatus Rejected",
    "E.1.a": "a telephoned order: it reaches the venue without a request, and its first row "
             "(New, LeavesQty 0) disagrees with the rows after it, which are A.1.a's fills",
    "F.1": "rejects of a duplicate ClOrdID or a resend: message identity is the FIX "
           "engine's, not the order's (the plain reject is A.1.b-rejected)",
    "G.1": "order status requests: `orders` has no status request event",
    "H.1": "GT orders renewed by a Restated report after Done for Day, with day quantities: "
           "Done for Day ends an order here",
    "L.1": "Stopped orders (a guaranteed price) and CashOrderQty: not modelled",
}


def scenario_params() -> list[object]:
    params: list[object] = [
        pytest.param(scenario, id=scenario.ref, marks=expected_failure(scenario))
        for scenario in SCENARIOS
    ]
    params += [
        pytest.param(Scenario(ref, "", ()), id=ref, marks=pytest.mark.skip(reason=reason))
        for ref, reason in NOT_MODELLED.items()
    ]
    return params


def expected_failure(scenario: Scenario) -> list[pytest.MarkDecorator]:
    if not scenario.xfail:
        return []
    return [pytest.mark.xfail(reason=scenario.xfail, strict=True)]


def new_order(scenario: Scenario) -> DecimalOrder:
    validity = scenario.time_in_force
    return DecimalOrder(OPENED, "XYZ", scenario.quantity, limit="50", id=scenario.ref,
                        time_in_force=validity,
                        valid_until=SESSION_END if validity.takes_valid_until else None)


@pytest.mark.parametrize("scenario", scenario_params())
def test_fix_matrix(scenario: Scenario) -> None:
    order = new_order(scenario)
    for row in scenario.rows:
        if row.refused is None:
            order = apply(order, row.event)
        else:
            with pytest.raises(row.refused):
                apply(order, row.event)
        assert seen(order, row.event, row.refused is not None) == row.expected(), (
            f"{scenario.ref} at time {row.time}"
        )


def one_thousand_to_give(
    order: DecimalOrder, price: Decimal, quantity: Decimal, bar: Bar, traded: Decimal
) -> tuple[Decimal, Decimal]:
    """A slippage model for a bar with 1000 to trade at the rule's price."""
    return min(quantity, Decimal(1000) - traded), price


ONE_THOUSAND_AVAILABLE = SimulatedVenue(slippage=one_thousand_to_give)
AT_THE_LIMIT = Bar(50, 51, 49, 50)


@pytest.mark.parametrize("ref", ["I.1.a", "I.1.b"])
def test_the_simulated_venue_ends_an_immediate_order_as_its_matrix_does(ref: str) -> None:
    """The venue decides the kill: on a bar with 1000 to trade, the IOC order fills
    1000 of its 10000 and the FOK order nothing, and the rest expires on that bar,
    leaving each order as its matrix's last row."""
    scenario = next(scenario for scenario in SCENARIOS if scenario.ref == ref)
    book = OrderBook().place(OPENED, "XYZ", scenario.quantity, LimitOrder("50"), ids=[ref],
                             time_in_force=scenario.time_in_force).book
    for event in (NEW, ACK):
        book = book.apply(ref, event).book
    result = ONE_THOUSAND_AVAILABLE.on_bar(book, "XYZ", AT_THE_LIMIT, KILLED)
    last = scenario.rows[-1]
    assert seen(result.book[ref], last.event, refused=False) == last.expected()
    assert result.derived[-1].event == last.event


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.ref)
def test_every_difference_from_a_matrix_is_a_documented_one(scenario: Scenario) -> None:
    for row in scenario.rows:
        if row.matrix is None:
            assert row.why == "", f"{scenario.ref} at time {row.time}"
        else:
            assert row.matrix != row.ord_status, f"{scenario.ref} at time {row.time}"
            assert row.why in DIFFERENCES, f"{scenario.ref} at time {row.time}"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (DecimalOrder(OPENED, "XYZ", 10, id="held").hold("risk"), "9"),
        (DecimalOrder(OPENED, "XYZ", 10, id="gtd", time_in_force="GTD",
                      valid_until=SESSION_END).expire(SESSION_END), "C"),
        (apply(apply(DecimalOrder(OPENED, "XYZ", 10, id="both"), replace(5)), CANCEL_REQUEST),
         "6"),
    ],
    ids=["held is suspended", "GTD expiry is expired", "pending cancel over pending replace"],
)
def test_the_mapping_beyond_the_matrices(order: DecimalOrder, expected: str) -> None:
    assert fix_ord_status(order) == expected
