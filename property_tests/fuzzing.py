"""Hostile inputs for every public entry point, and the checks each call must pass.

A *case* is one call of the library with arguments drawn from ``random.Random``:
a constructor (orders, assets, events, styles, bars), a transition, a book
operation, ``loads`` or ``replay``, given wrong types, NaN and infinities,
sNaN, huge and tiny exponents, numpy scalars, subclasses of the accepted types,
long strings, naive and aware times, and documents and log lines mutated at
random. :func:`run_case` makes the call and checks that:

* nothing but an :class:`~orders.errors.OrderError` escapes (``replay`` raises
  nothing, and refuses no line for an unexpected reason);
* the arguments are unchanged afterwards, whether the call succeeded or not;
* it returns within a time bound (the caller chooses it).

The property tests run a bounded number of cases; ``benchmarks/fuzz.py`` runs a
million and reports the counts, the slowest calls and their memory.
"""

from __future__ import annotations

import copy
import fractions
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import numpy as np

import orders
from orders import (
    Amend,
    Asset,
    Bar,
    BarUpdate,
    Cancel,
    DecimalOrder,
    Expire,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    LimitOrder,
    OrderBook,
    OrderError,
    PriceUpdate,
    Reject,
    Release,
    Trigger,
    apply,
    buy_bracket,
    dumps,
    loads,
    oco_orders,
    replay,
)

T0 = datetime(2024, 1, 15, 9, 30)
T1 = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


class MyDecimal(Decimal):
    pass


class MyStr(str):
    __slots__ = ()


class MyInt(int):
    pass


class MyFloat(float):
    def __repr__(self) -> str:  # a repr Decimal cannot read, as numpy 2's
        return f"MyFloat({float(self)})"


NUMBERS: list[object] = [
    0, 1, -1, 7, 10**24, 10**25, 2**63, -(2**64), 10**5000,
    0.0, -0.0, 150.1, 1e-30, 1e-31, 1e300, 5e-324, float("nan"), float("inf"), -float("inf"),
    Decimal("0"), Decimal("-0"), Decimal("150.10"), Decimal("1E+24"), Decimal("1E+25"),
    Decimal("1E-30"), Decimal("1E-31"), Decimal("1E+999999999"), Decimal("1E-999999999"),
    Decimal("1E+999999999999999999"), Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"),
    Decimal("Infinity"), Decimal("-Infinity"), Decimal("1." + "0" * 40 + "1"),
    "0", "1", "150.10", "-3", "1E+999999999", "1E-999999999", "nan", "sNaN", "inf", " 7 ",
    "1_000", "\u0661\u0662\u0663", "1" * 70, "9" * 10_000, "", "abc", "1e", "--1",
    np.float64(150.1), np.float64("nan"), np.float32(1e38), np.int64(-5), np.uint8(7),
    np.bool_(True), MyDecimal("3.5"), MyStr("2.5"), MyInt(4), MyFloat(1.5),
    fractions.Fraction(1, 3), fractions.Fraction(1, 4), complex(1, 2), True, False,
]
TIMES: list[object] = [
    T0, T1, T0 + timedelta(days=1), T1 - timedelta(days=1), datetime.min, datetime.max,
    datetime(2024, 1, 15, tzinfo=timezone(timedelta(hours=14))), date(2024, 1, 15),
    "2024-01-15T09:30:00", 1705311000, None,
]
OTHERS: list[object] = [
    None, "", "x", "x" * 5_000, MyStr("id"), b"bytes", [], ["a", "a"], ("b",), {}, {"a": 1},
    object(), 1, Asset("X"), "XYZ", [1], ["ghost"], ("x",) * 100, float("nan"),
]
EVENTS: list[type] = [Fill, Trigger, Hold, Release, Cancel, Reject, Expire, Amend,
                      FillCorrection, FillBust, PriceUpdate, BarUpdate]
STYLES: list[type] = [orders.MarketOrder, orders.MarketOnCloseOrder, orders.LimitOrder,
                      orders.StopOrder,
                      orders.StopLimitOrder, orders.TrailingStopOrder,
                      orders.TrailingStopLimitOrder, orders.OCOOrder, orders.BracketOrder]
ORDER_KEYWORDS = ["order_type", "stop", "limit", "filled", "commission", "id", "trail_amount",
                  "trail_percent", "linked_order_ids", "parent_order_id", "status", "created",
                  "reason", "broker_order_id", "exchange", "stop_reached", "limit_reached",
                  "trailing_highest_price", "trailing_lowest_price", "limit_offset",
                  "time_in_force", "valid_until", "notional"]


def anything(rng: random.Random) -> object:
    pool = rng.choice((NUMBERS, NUMBERS, TIMES, OTHERS))
    return rng.choice(pool)


SANE: list[object] = [1, 5, 10, "0.5", "95", Decimal("100"), 105, "110.25", 0.05, "2"]


def a_number(rng: random.Random) -> object:
    """Half the time a plausible number, so that calls also get past validation."""
    choice = rng.random()
    if choice < 0.5:
        return rng.choice(SANE)
    return rng.choice(NUMBERS) if choice < 0.85 else anything(rng)


# Valid things to start from: orders of every status, a book, documents, log lines.


def _orders() -> list[DecimalOrder]:
    base = DecimalOrder(T0, Asset("X", quantity_increment="0.1"), 100, stop=10, limit=9, id="o")
    partly = base.fill(40, 10, fill_id="a")
    trailing = DecimalOrder(T1, "Y", -5, trail_percent="0.05", id="t").check_triggers(100, T1)
    return [base, base.hold(), base.trigger(T0), partly, base.fill(100, 10, fill_id="a"),
            partly.cancel(), partly.reject(), trailing]


ORDERS = _orders()


def _book() -> OrderBook:
    bracket = buy_bracket(T0, "X", 100, price=100, stopprice=95, limitprice=110,
                          ids=("m", "s", "l"))
    pair = oco_orders(T0, "X", -10, orders.OCOOrder(LimitOrder(120), orders.StopOrder(80)),
                      ids=("a", "b"))
    book = OrderBook().submit(*bracket).book.submit(*pair).book
    return book.apply("m", Fill(40, 100, fill_id="e1")).book


BOOK = _book()
DOCUMENTS = [json.loads(dumps(value)) for value in (*ORDERS, BOOK, Fill(1, 2, fill_id="f"),
                                                    Asset("X"), orders.BracketOrder(
                                                        LimitOrder(100), 95, 110))]
LINES = [
    {"op": "order", "order": {"id": "a", "dt": "2024-01-15T09:30:00", "asset": "X",
                              "amount": "10", "limit": "5", "valid_until": "2024-01-16"}},
    {"op": "event", "order_id": "a", "event": {"type": "Fill", "quantity": "4",
                                                "price": "4.99", "fill_id": "f"}},
    {"op": "place", "dt": "2024-01-15T09:30:00", "asset": "X", "amount": "5",
     "ids": ["m", "s", "l"], "style": {"type": "BracketOrder", "entry_style": {
         "type": "LimitOrder", "limit_price": "5"}, "stop_loss_price": "4",
         "take_profit_price": "6"}},
    {"op": "price", "asset": "X", "price": "4.5", "dt": "2024-01-15T10:00:00"},
    {"op": "time", "dt": "2024-01-16T00:00:00"},
    {"op": "event", "order_id": "m", "event": {"type": "Cancel", "reason": "done"}},
]
JSON_VALUES: list[object] = [
    None, True, False, 0, -1, 1.5, 1e308, 10**30, "", "x", "1E+999999999", "NaN", "-1",
    "2024-01-15T09:30:00+00:00", "FILLED", [], {}, [None], {"type": "Fill"},
    {"type": "Asset", "symbol": "X"}, "x" * 300,
]


def mutated_json(rng: random.Random, data: object) -> object:
    """``data`` (parsed JSON) with one to three random changes at random places."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 3)):
        holders: list[tuple[Any, Any]] = []
        pending = [data]
        while pending:
            node = pending.pop()
            keys = node.keys() if isinstance(node, dict) else (
                range(len(node)) if isinstance(node, list) else ())
            for key in keys:
                holders.append((node, key))
                pending.append(node[key])
        if not holders:
            return copy.deepcopy(rng.choice(JSON_VALUES))
        holder, key = rng.choice(holders)
        choice = rng.random()
        if choice < 0.6:
            holder[key] = copy.deepcopy(rng.choice(JSON_VALUES))
        elif choice < 0.75 and isinstance(holder, dict):
            del holder[key]
        elif choice < 0.85 and isinstance(holder, dict):
            key = rng.choice(["extra", "type", "id", "quantity"])
            holder[key] = copy.deepcopy(rng.choice(JSON_VALUES))
        elif isinstance(holder, list):
            holder.append(copy.deepcopy(holder[key]))
        else:
            holder[key] = copy.deepcopy(rng.choice(holders)[0])
    return data


def mutated_text(rng: random.Random, text: str) -> str | bytes:
    choice = rng.random()
    if choice < 0.3:
        cut = rng.randrange(len(text) + 1)
        return text[:cut]
    if choice < 0.5:
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(['"', "{", "}", ",", "\\", "\x00", "\ufeff", "é"]) + text[at:]
    if choice < 0.6:
        return text.encode()[:-1] + bytes([rng.randrange(256)])
    if choice < 0.7:
        depth = rng.choice([10, 1_000, 100_000])
        return "[" * depth + "]" * rng.choice([0, depth])
    if choice < 0.8:  # a duplicated key
        return text.replace('{"', '{"format":"orders","', 1)
    return json.dumps(mutated_json(rng, json.loads(text)))


# The calls. Each returns (name, function, positional arguments, keyword arguments).

Case = tuple[str, Callable[..., Any], list[Any], dict[str, Any]]


def _keywords(rng: random.Random, names: list[str], count: int) -> dict[str, Any]:
    return {name: anything(rng) for name in rng.sample(names, min(count, len(names)))}


def construct_order(rng: random.Random) -> Case:
    arguments = [rng.choice([T0, T1, *TIMES]), rng.choice([*OTHERS, "X", Asset("X")]),
                 a_number(rng)]
    return "DecimalOrder", DecimalOrder, arguments, _keywords(rng, ORDER_KEYWORDS,
                                                              rng.randint(0, 4))


def construct_asset(rng: random.Random) -> Case:
    keywords = {name: a_number(rng) for name in ("tick_size", "quantity_increment")
                if rng.random() < 0.6}
    return "Asset", Asset, [rng.choice(OTHERS)], keywords


def _required(kind: type) -> int:
    """How many leading fields of an attrs class have no default."""
    return sum(1 for field in attrs.fields(kind) if field.default is attrs.NOTHING)


def construct_event(rng: random.Random) -> Case:
    kind = rng.choice(EVENTS)
    fields = attrs.fields(kind)
    arguments = [a_number(rng) if rng.random() < 0.6 else anything(rng) for _ in fields]
    if kind is BarUpdate and rng.random() < 0.5:
        arguments[0] = Bar(10, 12, 9, 11)
    return kind.__name__, kind, arguments[: rng.randint(_required(kind), len(fields))], {}


def construct_style(rng: random.Random) -> Case:
    kind = rng.choice(STYLES)
    fields = attrs.fields(kind)
    required = [field.name for field in fields if field.default is attrs.NOTHING]
    optional = [field.name for field in fields if field.default is not attrs.NOTHING]
    chosen = required + rng.sample(optional, rng.randint(0, len(optional)))
    keywords = {name: a_number(rng) if rng.random() < 0.7 else anything(rng) for name in chosen}
    if kind is orders.OCOOrder and rng.random() < 0.7:
        keywords["order1_style"] = LimitOrder(5)
        keywords["order2_style"] = rng.choice([orders.StopOrder(4), orders.MarketOrder(),
                                               anything(rng)])
    if kind is orders.BracketOrder and rng.random() < 0.5:
        keywords["entry_style"] = LimitOrder(5)
    return kind.__name__, kind, [], keywords


def construct_bar(rng: random.Random) -> Case:
    volume = {"volume": a_number(rng)} if rng.random() < 0.5 else {}
    return "Bar", Bar, [a_number(rng) for _ in range(4)], volume


MODELS: list[type] = [orders.NoSlippage, orders.TickSlippage, orders.PercentSlippage,
                      orders.VolumeShareSlippage, orders.NoCommission, orders.PerShareCommission,
                      orders.PerOrderCommission, orders.NotionalCommission]


def construct_model(rng: random.Random) -> Case:
    kind = rng.choice(MODELS)
    fields = attrs.fields(kind)
    arguments = [a_number(rng) if rng.random() < 0.7 else anything(rng) for _ in fields]
    return kind.__name__, kind, arguments[: rng.randint(_required(kind), len(fields))], {}


VENUES = [orders.SimulatedVenue(), orders.SimulatedVenue(
    orders.VolumeShareSlippage("0.1", "0.2"), orders.PerShareCommission("0.01", minimum=1)),
    orders.SimulatedVenue(orders.TickSlippage(2), orders.NotionalCommission("0.001"))]
BARS: list[object] = [Bar(100, 112, 90, 105, volume=1_000), Bar(94, 96, 80, 95),
                      Bar(130, 140, 120, 125, volume=0), Bar(1, 1, 1, 1)]


def venue_bar(rng: random.Random) -> Case:
    venue = rng.choice(VENUES)
    arguments = [rng.choice([BOOK, BOOK, anything(rng)]), rng.choice(["X", "X", *OTHERS]),
                 rng.choice([*BARS, anything(rng)]), rng.choice([T0, T0, *TIMES])]
    return "SimulatedVenue.on_bar", venue.on_bar, arguments, {}


def position_fold(rng: random.Random) -> Case:
    if rng.random() < 0.5:
        position = orders.Position("X").execute(5, 100)
        return "Position.execute", position.execute, [a_number(rng) for _ in range(3)], {}
    executions = [rng.choice([orders.Execution("o", "X", Decimal(-3), Fill(3, 101)),
                              anything(rng)]) for _ in range(rng.randint(0, 3))]
    return "Account.apply", orders.Account().apply, [executions], {}


def build_bracket(rng: random.Random) -> Case:
    keywords = _keywords(rng, ["price", "plimit", "exectype", "valid", "trailamount",
                               "trailpercent", "stopexec", "limitexec", "ids"], rng.randint(0, 3))
    keywords["stopprice"] = a_number(rng)
    if rng.random() < 0.7:
        keywords["limitprice"] = a_number(rng)
    if rng.random() < 0.3:
        keywords[rng.choice(["stopargs", "limitargs"])] = {
            rng.choice(["valid", "trailamount", "plimit", "price"]): anything(rng)}
    return "buy_bracket", buy_bracket, [rng.choice([T0, T1]), "X", a_number(rng)], keywords


def apply_event(rng: random.Random) -> Case:
    order = rng.choice(ORDERS)
    kind = rng.choice(EVENTS)
    if rng.random() < 0.5:
        try:
            fields = attrs.fields(kind)
            event: object = kind(*[a_number(rng) for _ in fields][
                : rng.randint(_required(kind), len(fields))])
        except OrderError:
            event = Cancel()
    else:
        event = anything(rng)
    return "apply", apply, [order, event], {}


def order_method(rng: random.Random) -> Case:
    order = rng.choice(ORDERS)
    name = rng.choice(["fill", "amend", "correct", "bust", "check_triggers", "expire", "hold",
                       "trigger", "cancel"])
    arguments: list[Any] = {"fill": [a_number(rng), a_number(rng)], "correct": ["a"],
                            "bust": [rng.choice(["a", "zz", anything(rng)])],
                            "check_triggers": [a_number(rng), rng.choice(TIMES)],
                            "expire": [rng.choice(TIMES)], "trigger": [rng.choice(TIMES)],
                            "hold": [anything(rng)], "cancel": [anything(rng)]}.get(name, [])
    keywords = {}
    if name in ("amend", "correct"):
        fields = ["amount", "limit", "stop"] if name == "amend" else ["quantity", "price"]
        keywords = {rng.choice(fields): a_number(rng)}
    if name == "fill":
        keywords = _keywords(rng, ["commission", "dt", "fill_id"], rng.randint(0, 2))
    return f"DecimalOrder.{name}", getattr(order, name), arguments, keywords


def book_operation(rng: random.Random) -> Case:
    name = rng.choice(["submit", "place", "apply", "cancel", "on_price", "on_bar", "on_time",
                       "get", "open_orders", "children", "siblings", "orders_with_status",
                       "release"])
    order_id = rng.choice(["m", "s", "l", "a", "b", "ghost", *OTHERS])
    arguments: list[Any] = {
        "submit": [rng.choice([*ORDERS, anything(rng),
                               DecimalOrder(T0, "X", 1, id="new", linked_order_ids=["zz"]),
                               DecimalOrder(T0, "X", -1, id="new", parent_order_id="m")])],
        "place": [rng.choice([T0, T1, *TIMES]), rng.choice(["X", *OTHERS]), a_number(rng),
                  rng.choice([LimitOrder(5), orders.MarketOrder(), anything(rng)])],
        "apply": [order_id, rng.choice([Fill(1, 1), Cancel(), Hold(), Release(), Amend(5),
                                        FillBust("e1"), Expire(T0), anything(rng)])],
        "cancel": [order_id], "on_price": [rng.choice(["X", *OTHERS]), a_number(rng)],
        "on_bar": [rng.choice(["X", *OTHERS]), rng.choice([*BARS, anything(rng)])],
        "release": [rng.choice(TIMES)],
        "on_time": [rng.choice(TIMES)], "get": [order_id], "open_orders": [anything(rng)],
        "children": [order_id], "siblings": [order_id], "orders_with_status": [anything(rng)],
    }[name]
    if name in ("on_price", "on_bar") and rng.random() < 0.5:
        arguments.append(rng.choice(TIMES))
    keywords = {}
    if name == "place" and rng.random() < 0.5:
        keywords = _keywords(rng, ["ids", "link_mode", "time_in_force", "valid_until"], 2)
    return f"OrderBook.{name}", getattr(BOOK, name), arguments, keywords


def load_document(rng: random.Random) -> Case:
    document = rng.choice(DOCUMENTS)
    text = json.dumps(document)
    if rng.random() < 0.8:
        return "loads", loads, [mutated_text(rng, text)], {}
    return "loads", loads, [rng.choice([text, text.encode(), anything(rng)])], {}


def replay_log(rng: random.Random) -> Case:
    lines: list[Any] = []
    for _ in range(rng.randint(1, 8)):
        text = json.dumps(rng.choice(LINES))
        lines.append(text if rng.random() < 0.4 else mutated_text(rng, text))
    return "replay", replay, [lines], {}


CASES: list[Callable[[random.Random], Case]] = [
    construct_order, construct_asset, construct_event, construct_style, construct_bar,
    construct_model, build_bracket, apply_event, order_method, book_operation, venue_bar,
    position_fold, load_document, replay_log,
]


@attrs.frozen
class Outcome:
    """What one call did: its name, whether it was refused (and by which error),
    how long it took, and how large its input was."""

    name: str
    refused: str | None
    seconds: float
    input_size: int


class FuzzError(AssertionError):
    """A call broke a rule of :func:`run_case`."""


def run_case(rng: random.Random) -> Outcome:
    """Draw one case from ``rng``, call it, and check the rules; raise FuzzError if one breaks."""
    name, function, arguments, keywords = rng.choice(CASES)(rng)
    before = _snapshot(arguments, keywords)
    refused = None
    start = time.perf_counter()
    try:
        result = function(*arguments, **keywords)
    except OrderError as error:
        refused = type(error).__name__
    except Exception as error:
        raise FuzzError(f"{name}{_show(arguments, keywords)} raised "
                          f"{type(error).__name__}: {error}") from error
    seconds = time.perf_counter() - start
    if refused is None and name == "replay":
        unexpected = [r.reason for r in result.refused if r.reason.startswith("unexpected")]
        if unexpected:
            raise FuzzError(f"replay{_show(arguments, keywords)} refused a line: {unexpected}")
    if not _same(_snapshot(arguments, keywords), before):
        raise FuzzError(f"{name}{_show(arguments, keywords)} changed its arguments")
    return Outcome(name, refused, seconds, _size(arguments, keywords))


def _same(after: object, before: object) -> bool:
    try:
        return bool(after == before)
    except Exception:  # numpy's elementwise answers: compare what they print
        return repr(after) == repr(before)


def _snapshot(arguments: list[Any], keywords: dict[str, Any]) -> list[object]:
    """A comparable image of the arguments: containers copied, values as they are."""
    return [_image(value) for value in [*arguments, *sorted(keywords.items())]]


def _image(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return (type(value), [_image(item) for item in value])
    if isinstance(value, dict):
        return (dict, [(key, _image(item)) for key, item in value.items()])
    if isinstance(value, float) and value != value:
        return "nan"
    return value


def _size(arguments: list[Any], keywords: dict[str, Any]) -> int:
    """Roughly how many characters the input would take to write down."""
    return sum(_length(value) for value in [*arguments, *keywords.values()])


def _length(value: object) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1
    if isinstance(value, Decimal):
        return len(value.as_tuple().digits) + 10
    if isinstance(value, (list, tuple)):
        return sum(_length(item) for item in value) + 2
    if isinstance(value, dict):
        return sum(_length(key) + _length(item) for key, item in value.items()) + 2
    return 20


def _show(arguments: list[Any], keywords: dict[str, Any]) -> str:
    parts = [_quote(value) for value in arguments]
    parts.extend(f"{key}={_quote(value)}" for key, value in keywords.items())
    return f"({', '.join(parts)})"


def _quote(value: object) -> str:
    if isinstance(value, OrderBook):
        return "BOOK"
    return orders._checks.quote(value)
