"""Rebuilding a book from an execution log, one JSON line at a time.

Each line of the log is a JSON object with an ``"op"``:

* ``{"op": "order", "order": {...}}`` submits one order, given by the keywords
  of :class:`~orders.order.DecimalOrder` (decimals as strings, datetimes in
  ISO 8601, the asset as a string), with ``"link_mode"`` optional;
* ``{"op": "place", "dt", "asset", "amount", "style", "ids"}`` places a style
  (an OCO pair or a bracket included) under the given ids;
* ``{"op": "event", "order_id": "...", "event": {"type": "Fill", ...}}``
  applies one event to one order, with the book's linking rules;
* ``{"op": "price", "asset", "price", "dt"}`` is a trade price
  (:meth:`~orders.book.OrderBook.on_price`);
* ``{"op": "time", "dt"}`` lets time pass (:meth:`~orders.book.OrderBook.on_time`).

:func:`replay` folds the lines into a book. A line it cannot apply is refused,
recorded with its number, text and reason, and the replay goes on: no line is
dropped silently. Memory stays bounded per line: lines are read one by one
and only the refused ones are kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from orders._checks import quote
from orders.assets import check_asset
from orders.book import OrderBook
from orders.errors import OrderError
from orders.events import Event
from orders.order import DecimalOrder
from orders.serialization import _CONVERTER, SerializationError, Style

__all__ = ["Refusal", "ReplayResult", "replay"]


@attrs.frozen
class Refusal:
    """A log line that was not applied: where, what, and why."""

    line_number: int
    line: str
    reason: str


@attrs.frozen
class ReplayResult:
    """The book a log folds into, and the lines it refused."""

    book: OrderBook
    refused: tuple[Refusal, ...]
    lines: int


def replay(
    lines: Iterable[str],
    book: OrderBook | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = 100_000,
) -> ReplayResult:
    """Fold a JSON Lines execution log into ``book`` (an empty one by default).

    ``progress`` is called with the number of lines read every ``every`` lines.
    """
    current = OrderBook() if book is None else book
    refused: list[Refusal] = []
    count = 0
    for count, raw in enumerate(lines, start=1):
        text = raw.strip()
        if text:
            try:
                current = _apply_line(current, text)
            except (OrderError, ValueError) as exc:
                refused.append(Refusal(count, text, f"{type(exc).__name__}: {exc}"))
        if progress is not None and count % every == 0:
            progress(count)
    return ReplayResult(current, tuple(refused), count)


def _apply_line(book: OrderBook, text: str) -> OrderBook:
    record = json.loads(text)
    if not isinstance(record, dict):
        raise SerializationError(f"a log line must be a JSON object; got {quote(record)}")
    operation = _OPERATIONS.get(record.get("op"))  # type: ignore[arg-type]
    if operation is None:
        raise SerializationError(
            f"unknown op {quote(record.get('op'))}; ops are {', '.join(sorted(_OPERATIONS))}"
        )
    return operation(book, record)


def _structure(data: object, kind: Any, what: str) -> Any:
    try:
        return _CONVERTER.structure(data, kind)
    except OrderError:
        raise
    except Exception as exc:
        raise SerializationError(f"invalid {what}: {exc}") from None


def _field(record: dict[str, Any], name: str, kind: Any) -> Any:
    if name not in record:
        raise SerializationError(f"the line lacks {name!r}")
    return _structure(record[name], kind, name)


def _optional(record: dict[str, Any], name: str, kind: Any) -> Any:
    value = record.get(name)
    return None if value is None else _structure(value, kind, name)


_ORDER_KEYWORDS: dict[str, Any] = {
    "dt": datetime, "created": datetime, "valid_until": datetime, "amount": Decimal,
    "stop": Decimal, "limit": Decimal, "filled": Decimal, "commission": Decimal,
    "notional": Decimal, "trail_amount": Decimal, "trail_percent": Decimal,
    "limit_offset": Decimal, "trailing_highest_price": Decimal,
    "trailing_lowest_price": Decimal,
}


def _order(book: OrderBook, record: dict[str, Any]) -> OrderBook:
    keywords = record.get("order")
    if not isinstance(keywords, dict):
        raise SerializationError(f"an order line needs an \"order\" object; got {quote(keywords)}")
    converted = {
        name: value if value is None or name not in _ORDER_KEYWORDS
        else _structure(value, _ORDER_KEYWORDS[name], name)
        for name, value in keywords.items()
    }
    try:
        order = DecimalOrder(**converted)
    except TypeError as exc:
        raise SerializationError(f"invalid order keywords: {exc}") from None
    return book.submit(order, link_mode=record.get("link_mode")).book


def _place(book: OrderBook, record: dict[str, Any]) -> OrderBook:
    ids = record.get("ids")
    if ids is not None and not isinstance(ids, list):
        raise SerializationError(f"\"ids\" must be a JSON array of ids; got {quote(ids)}")
    return book.place(
        _field(record, "dt", datetime),
        check_asset(record.get("asset")),
        _field(record, "amount", Decimal),
        _field(record, "style", Style),
        ids=ids,
        link_mode=record.get("link_mode"),
        time_in_force=record.get("time_in_force"),
        valid_until=_optional(record, "valid_until", datetime),
    ).book


def _event(book: OrderBook, record: dict[str, Any]) -> OrderBook:
    order_id = record.get("order_id")
    if not isinstance(order_id, str):
        raise SerializationError(f"an event line needs an \"order_id\" string; got {order_id!r}")
    event: Event = _field(record, "event", Event)
    return book.apply(order_id, event).book


def _price(book: OrderBook, record: dict[str, Any]) -> OrderBook:
    asset = check_asset(record.get("asset"))
    return book.on_price(
        asset, _field(record, "price", Decimal), _optional(record, "dt", datetime)
    ).book


def _time(book: OrderBook, record: dict[str, Any]) -> OrderBook:
    return book.on_time(_field(record, "dt", datetime)).book


_OPERATIONS: dict[str, Callable[[OrderBook, dict[str, Any]], OrderBook]] = {
    "order": _order,
    "place": _place,
    "event": _event,
    "price": _price,
    "time": _time,
}
