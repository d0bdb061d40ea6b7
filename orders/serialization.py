"""Lossless conversion of every public value to JSON-ready data and JSON text.

A document is ``{"format": "orders", "version": 2, "type": <name>, "value": ...}``
so :func:`loads` needs no class. Inside it:

* Decimals are strings with their exact digits and exponent (``"150.10"``);
* datetimes are ISO 8601 strings, with their offset when they have one (a naive
  datetime is written and read back naive, so no offset is invented);
* enums are written by name (``"FILLED"``, ``"LIMIT"``, ``"GTC"``);
* events and execution styles are tagged with ``"type"``;
* an asset is a string, an integer, or an :class:`~orders.assets.Asset` tagged
  ``{"type": "Asset", ...}``;
* an order keeps its terms, its status and totals, its history and its fill
  records; a book keeps its orders (sorted by id), the link modes of its OCO
  groups and its brackets (each entry's legs by generation, the mode, and
  whether the host has taken the position over).

Version 1 differed only in how a book named its brackets (``children_of``,
one generation); such documents are still read.

JSON text is written with sorted keys and no insignificant spaces, so a value
always gives the same bytes. Reading runs every constructor's validation: data
that is malformed, or an order whose status disagrees with its quantities,
raises :class:`SerializationError` naming the field and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import attrs
import cattrs
import immutables
from cattrs.strategies import configure_tagged_union

from orders._checks import quote
from orders.assets import Asset
from orders.book import OrderBook, _Builder
from orders.errors import OrderError
from orders.events import EVENT_TYPES, Event, Fill
from orders.history import History
from orders.links import Bracket, LinkMode
from orders.order import DecimalOrder, OrderTerms, build_order
from orders.order_type import OrderType, TimeInForce
from orders.status import ORDER_STATUS
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)

__all__ = ["FORMAT_VERSION", "SerializationError", "dumps", "loads", "structure", "unstructure"]

FORMAT_VERSION = 2
"""The version written in every document; reading takes it and version 1."""
_READABLE_VERSIONS = (1, FORMAT_VERSION)

T = TypeVar("T")

Style = (
    MarketOrder
    | LimitOrder
    | StopOrder
    | StopLimitOrder
    | TrailingStopOrder
    | TrailingStopLimitOrder
    | OCOOrder
    | BracketOrder
)


class SerializationError(OrderError):
    """Data that does not describe a valid value, with the field and the reason."""


def _decimal(value: object, _: object) -> Decimal:
    if not isinstance(value, str):
        raise SerializationError(
            f"expected a decimal string such as \"150.10\"; got {quote(value)}"
        )
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise SerializationError(f"expected a decimal string; got {quote(value)}") from None
    if not number.is_finite():
        raise SerializationError(f"expected a finite decimal; got {quote(value)}")
    return number


def _datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise SerializationError(f"expected an ISO 8601 datetime string; got {quote(value)}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise SerializationError(f"expected an ISO 8601 datetime; got {quote(value)}") from None


def _by_name(kind: type[Enum]) -> Callable[[object, object], Any]:
    def structure(value: object, _: object) -> Any:
        try:
            return kind[value]  # type: ignore[index]
        except (KeyError, TypeError):
            names = ", ".join(member.name for member in kind)
            raise SerializationError(
                f"expected one of {names} for {kind.__name__}; got {quote(value)}"
            ) from None

    return structure


def _exactly(kind: type) -> Callable[[object, object], Any]:
    """A structure hook that refuses to coerce: a JSON number is not a string."""

    def structure(value: object, _: object) -> Any:
        if type(value) is not kind:
            raise SerializationError(f"expected a JSON {kind.__name__}; got {quote(value)}")
        return value

    return structure


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    for scalar in (str, bool, int):
        converter.register_structure_hook(scalar, _exactly(scalar))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _datetime)
    for kind in (ORDER_STATUS, OrderType, TimeInForce, LinkMode):
        converter.register_unstructure_hook(kind, lambda member: member.name)
        converter.register_structure_hook(kind, _by_name(kind))
    # Fields typed by the base class itself (not its subclasses) are tagged styles.
    converter.register_unstructure_hook_func(
        lambda cls: cls is ExecutionStyle,
        lambda style: converter.unstructure(style, unstructure_as=Style),
    )
    converter.register_structure_hook_func(
        lambda cls: cls is ExecutionStyle,
        lambda data, _: converter.structure(data, Style),  # type: ignore[arg-type]
    )
    # Hashable only as an asset field's annotation, not every hashable class.
    converter.register_unstructure_hook_func(lambda cls: cls is Hashable, _unstructure_asset)
    converter.register_structure_hook_func(lambda cls: cls is Hashable, _structure_asset)
    configure_tagged_union(Event, converter, tag_name="type")
    configure_tagged_union(Style, converter, tag_name="type")
    # Predicate hooks: cattrs would otherwise resolve these classes' annotations.
    converter.register_unstructure_hook_func(lambda cls: cls is DecimalOrder, _unstructure_order)
    converter.register_structure_hook_func(lambda cls: cls is DecimalOrder, _structure_order)
    converter.register_unstructure_hook_func(lambda cls: cls is OrderBook, _unstructure_book)
    converter.register_structure_hook_func(lambda cls: cls is OrderBook, _structure_book)
    return converter


def _unstructure_asset(asset: object) -> object:
    if isinstance(asset, Asset):
        return {"type": "Asset", **_CONVERTER.unstructure(asset, Asset)}
    if isinstance(asset, (str, int)) and not isinstance(asset, bool):
        return asset
    raise SerializationError(
        f"an asset must be an Asset, a str or an int to be serialized; got {quote(asset)}"
    )


def _structure_asset(data: object, _: object) -> Hashable:
    if isinstance(data, dict):
        if data.get("type") != "Asset":
            raise SerializationError(
                f"an asset object needs \"type\": \"Asset\"; got {quote(data)}"
            )
        return _CONVERTER.structure({k: v for k, v in data.items() if k != "type"}, Asset)
    if isinstance(data, (str, int)) and not isinstance(data, bool):
        return data
    raise SerializationError(f"an asset is a str, an int or an Asset object; got {quote(data)}")


_TERMS_FIELDS = attrs.fields(OrderTerms)


def _unstructure_order(order: DecimalOrder) -> dict[str, Any]:
    unstructure = _CONVERTER.unstructure
    terms = {}
    for field in _TERMS_FIELDS:
        value = getattr(order.terms, field.name)
        terms[field.name] = None if value is None else unstructure(value, _TERMS_TYPES[field.name])
    return {
        "terms": terms,
        "status": order.status.name,
        "dt": order.dt.isoformat(),
        "filled": str(order.filled),
        "notional": str(order.notional),
        "commission": str(order.commission),
        "reason": order.reason,
        "stop_reached": order.stop_reached,
        "limit_reached": order.limit_reached,
        "history": [unstructure(event, unstructure_as=Event) for event in order.history],
        "fills": {
            fill_id: [unstructure(first, Fill), None if live is None else unstructure(live, Fill)]
            for fill_id, (first, live) in sorted(order.fills.items())
        },
    }


def _structure_order(data: object, _: object) -> DecimalOrder:
    record = _mapping(data, "an order")
    terms = _mapping(record.get("terms"), "an order's terms")
    structure = _CONVERTER.structure
    fields: dict[str, Any] = {}
    for field in _TERMS_FIELDS:
        if field.name not in terms:
            raise SerializationError(f"an order's terms lack {quote(field.name)}")
        value = terms[field.name]
        fields[field.name] = None if value is None else structure(value, _TERMS_TYPES[field.name])
    for name, kind in (("status", ORDER_STATUS), ("dt", datetime), ("filled", Decimal),
                       ("notional", Decimal), ("commission", Decimal)):
        if name not in record:
            raise SerializationError(f"an order lacks {name!r}")
        fields[name] = structure(record[name], kind)
    for name in ("reason", "stop_reached", "limit_reached"):
        fields[name] = record.get(name)
    order = DecimalOrder(**fields)
    events: list[Event] = [
        structure(event, Event)  # type: ignore[arg-type]
        for event in _list(record.get("history", []))
    ]
    history = History(events)
    fills = immutables.Map({
        fill_id: (structure(first, Fill), None if live is None else structure(live, Fill))
        for fill_id, (first, live) in _mapping(record.get("fills", {}), "fill records").items()
    })
    return build_order(
        order.terms, order.status, order.dt, order.filled, order.notional, order.commission,
        order.reason, order.stop_reached, order.limit_reached, history, fills,
    )


# The type of each terms field, None left aside (the annotations are strings).
_TERMS_TYPES: dict[str, Any] = {
    "asset": Hashable, "linked_order_ids": tuple[str, ...],
    "id": str, "amount": Decimal, "order_type": OrderType, "stop": Decimal, "limit": Decimal,
    "trail_amount": Decimal, "trail_percent": Decimal, "limit_offset": Decimal,
    "trailing_highest_price": Decimal, "trailing_lowest_price": Decimal,
    "parent_order_id": str, "created": datetime, "broker_order_id": str, "exchange": str,
    "time_in_force": TimeInForce, "valid_until": datetime,
}


def _unstructure_book(book: OrderBook) -> dict[str, Any]:
    return {
        "orders": [_unstructure_order(book.orders[order_id]) for order_id in sorted(book.orders)],
        "link_modes": {order_id: mode.name for order_id, mode in sorted(book.link_modes.items())},
        "brackets": {
            entry_id: {
                "generations": [list(legs) for legs in bracket.generations],
                "mode": bracket.mode.name,
                "withdrawn": bracket.withdrawn,
            }
            for entry_id, bracket in sorted(book.brackets.items())
        },
    }


def _structure_book(data: object, _: object) -> OrderBook:
    record = _mapping(data, "a book")
    builder = _Builder(OrderBook())
    for entry in _list(record.get("orders", [])):
        order = _structure_order(entry, None)
        if order.id in builder.orders:
            raise SerializationError(f"the book lists order {order.id!r} twice")
        builder.store(order)
    link_modes = _mapping(record.get("link_modes", {}), "link modes")
    brackets = _mapping(record.get("brackets", {}), "brackets")
    if "children_of" in record:  # version 1: one generation, the legs' mode by their link
        brackets = {
            entry_id: {
                "generations": [children],
                "mode": link_modes.get(_list(children)[0], "REDUCE") if children else "REDUCE",
            }
            for entry_id, children in _mapping(record["children_of"], "children").items()
        }
        link_modes = {
            order_id: mode for order_id, mode in link_modes.items()
            if order_id in builder.orders and builder.orders[order_id].parent_order_id is None
        }
    for order_id, mode in link_modes.items():
        builder.known(order_id, "link_modes names")
        builder.link_modes = builder.link_modes.set(order_id, _by_name(LinkMode)(mode, None))
    for entry_id, bracket in brackets.items():
        builder.known(entry_id, "brackets names")
        fields = _mapping(bracket, "a bracket")
        generations = tuple(tuple(_list(legs)) for legs in _list(fields.get("generations")))
        for leg in (leg for legs in generations for leg in legs):
            builder.known(leg, f"bracket {entry_id} names leg")
        withdrawn = _exactly(bool)(fields.get("withdrawn", False), None)
        mode = _by_name(LinkMode)(fields.get("mode"), None)
        builder.brackets = builder.brackets.set(
            entry_id, Bracket(entry_id, generations, mode, withdrawn)
        )
    return builder.result().book


def _mapping(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SerializationError(f"{what} must be a JSON object; got {quote(data)}")
    return data


def _list(data: object) -> list[Any]:
    if not isinstance(data, list):
        raise SerializationError(f"expected a JSON array; got {quote(data)}")
    return data


_CONVERTER = _make_converter()

_TYPES: dict[str, Any] = {
    kind.__name__: kind
    for kind in (DecimalOrder, OrderBook, Asset, *EVENT_TYPES, *Style.__args__)
}


def _type_of(value: object) -> str:
    name = type(value).__name__
    if _TYPES.get(name) is not type(value):
        raise SerializationError(
            f"{name} is not a serializable value; serializable: {', '.join(sorted(_TYPES))}"
        )
    return name


def unstructure(value: object) -> dict[str, Any]:
    """``value`` as a JSON-ready document naming its own type."""
    name = _type_of(value)
    data = _CONVERTER.unstructure(value, _TYPES[name])
    return {"format": "orders", "version": FORMAT_VERSION, "type": name, "value": data}


def structure(document: object, kind: type[T] | None = None) -> T:
    """The value a document describes; ``kind`` if given must match its type."""
    record = _mapping(document, "a document")
    version = record.get("version")
    if (
        record.get("format") != "orders"
        or type(version) is not int
        or version not in _READABLE_VERSIONS
    ):
        raise SerializationError(
            f"expected an orders document of version 1 or {FORMAT_VERSION}; got format "
            f"{quote(record.get('format'))}, version {quote(version)}"
        )
    name = record.get("type")
    if name not in _TYPES:
        raise SerializationError(f"unknown value type {name!r}; known: {', '.join(sorted(_TYPES))}")
    if kind is not None and _TYPES[name] is not kind:
        raise SerializationError(f"the document holds a {name}, not a {kind.__name__}")
    try:
        return _CONVERTER.structure(record.get("value"), _TYPES[name])  # type: ignore[no-any-return]
    except OrderError:
        raise
    except Exception as exc:  # cattrs gathers field errors in an exception group
        raise SerializationError(f"invalid {name}: {_describe(exc)}") from None


def _describe(exc: BaseException) -> str:
    try:
        return "; ".join(cattrs.transform_error(exc))
    except Exception:
        return f"{type(exc).__name__}: {exc}"



def dumps(value: object) -> str:
    """``value`` as JSON text: the same value always gives the same bytes."""
    return json.dumps(unstructure(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """The value a JSON document written by :func:`dumps` describes."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SerializationError(f"not JSON: {exc}") from None
    return structure(document)
