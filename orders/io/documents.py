"""Lossless conversion of every public value to JSON-ready data and JSON text.

A document is ``{"format": "orders", "version": 4, "type": <name>, "value": ...}``
so :func:`loads` needs no class. Inside it:

* Decimals are strings with their exact digits and exponent (``"150.10"``),
  written and read the same whatever the caller's decimal context;
* datetimes are ISO 8601 strings, with their offset when they have one (a naive
  datetime is written and read back naive, so no offset is invented), and the
  key of their :class:`~zoneinfo.ZoneInfo` zone after it, as RFC 9557 writes
  it (``"2024-11-03T01:30:00-05:00[America/New_York]"``), so a wall time the
  zone lives twice is read back as the one it was;
* enums are written by name (``"FILLED"``, ``"LIMIT"``, ``"GTC"``);
* events and execution styles are tagged with ``"type"``;
* an asset is a string, an integer, or an :class:`~orders.assets.Asset` tagged
  ``{"type": "Asset", ...}``;
* an order keeps its terms, its status and totals, its requests in flight
  (``pending``, tagged events), its history, its fill records and, when it
  has a history, its ``initial`` state (terms, status, totals and requests in
  flight as constructed); a book keeps its orders (sorted by id), the link
  modes of its OCO groups and its brackets (each entry's legs by generation,
  the mode, and whether the host has taken the position over);
* a venue's :class:`~orders.book.reconcile.Snapshot` keeps its orders as a list
  sorted by id and its positions (or ``null``) as ``[asset, quantity]`` pairs,
  an asset being written as above; a :class:`~orders.book.reconcile.VenueOrder`'s
  quantities and average, like an order's totals, may hold the digits of a sum,
  and its ``limit`` and ``stop`` are written only when the venue reported them.

JSON text is written with sorted keys and no insignificant spaces, so a value
always gives the same bytes. Reading trusts nothing it can check: every
constructor's validation runs; an order is rebuilt by applying its history to
its initial state, and refused unless its totals, status, terms and fill
records are exactly what that gives; a book is refused unless every link,
parent and bracket agrees with its orders and the linking rules of
:mod:`orders.links`, and its indexes are rebuilt. Duplicate keys, unknown
fields, wrong types and input nested too deeply are refused. Every refusal is a
:class:`SerializationError` naming the path in the document (``$.value.fills``)
and the reason.

Version 1 did not record an order's initial state and named a bracket's legs
``children_of``; its documents are still read, except orders with a history,
which cannot be checked without their initial state. Version 2 did not name
zones; its documents are read as they are. Version 3 did not record requests in
flight: its orders had none but those their history sends.
"""

from __future__ import annotations

import json
import json.scanner
import re
import types as types_module
import typing
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import cattrs
import immutables
from cattrs.gen import make_dict_unstructure_fn, override

from orders._checks import decimal_text, enum_member, is_aware, quote
from orders.assets import Asset
from orders.book import audit
from orders.book.audit import Cause
from orders.book.orderbook import BookBuilder, OrderBook, net_positions
from orders.book.reconcile import Snapshot, VenueOrder
from orders.book.rules import Arming, Bracket, LinkMode, check_book
from orders.decimals import to_decimal
from orders.errors import OrderError, SerializationError
from orders.events import EVENT_TYPES, Bar, Event, Fill, Request
from orders.order.machine import apply
from orders.order.terms import OrderTerms
from orders.order.value import DecimalOrder
from orders.statuses import ORDER_STATUS, OrderType, RequestRejectReason, TimeInForce
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_NESTING",
    "Serializable",
    "SerializationError",
    "dumps",
    "loads",
    "parse_json",
    "structure",
    "unstructure",
    "unstructure_cause",
]

FORMAT_VERSION = 4
"""The version written in every document; reading takes it and versions 1 to 3.

Version 3 may name a datetime's zone after its offset, which a reader of
version 2 would refuse with a less helpful reason than the version number.
Version 4 writes an order's requests in flight and the request events, which a
reader of version 3 would refuse as an unknown field or event type. Snapshots
and venue orders came later without a new version: they change no document of
another type, and a reader without them refuses them by their type's name. A
venue order's prices came later still, written only when set, so a snapshot
without prices is read by any reader of snapshots, and one without them reads
as prices not reported."""
_READABLE_VERSIONS = (1, 2, 3, FORMAT_VERSION)
_FIRST_WITH_PENDING = 4

T = TypeVar("T")

Style = (
    MarketOrder
    | MarketOnCloseOrder
    | LimitOrder
    | StopOrder
    | StopLimitOrder
    | TrailingStopOrder
    | TrailingStopLimitOrder
    | OCOOrder
    | BracketOrder
)


def datetime_text(dt: datetime) -> str:
    """ISO 8601, with the zone of a :class:`~zoneinfo.ZoneInfo` after the offset
    (``2024-11-03T01:30:00-05:00[America/New_York]``): the offset alone would
    not tell the second of two equal wall times of the zone from the first."""
    zone = dt.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key is not None:
        return f"{dt.isoformat()}[{zone.key}]"
    return dt.isoformat()


def _decimal(value: object) -> Decimal:
    if type(value) is not str:
        raise SerializationError(
            f"expected a decimal string such as \"150.10\"; got {quote(value)}"
        )
    return to_decimal(value, "a decimal", SerializationError)


def _total(value: object) -> Decimal:
    if type(value) is not str:
        raise SerializationError(
            f"expected a decimal string such as \"150.10\"; got {quote(value)}"
        )
    return to_decimal(value, "a total", SerializationError, total=True)


class _Total:
    """The kind of a decimal field read with the wider bounds of a total (a sum
    of fills), not those of an input."""


def _datetime(value: object) -> datetime:
    if type(value) is not str:
        raise SerializationError(f"expected an ISO 8601 datetime string; got {quote(value)}")
    text, _, zone = value.partition("[")
    if zone.endswith("]"):
        return _in_zone(_iso(text, value), zone[:-1])
    return _iso(value, value)


def _iso(text: str, value: str) -> datetime:
    """``text`` read as ISO 8601; a refusal quotes ``value``, all that was given."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise SerializationError(f"expected an ISO 8601 datetime; got {quote(value)}") from None


def _in_zone(dt: datetime, key: str) -> datetime:
    """The wall time of ``dt`` in the zone named ``key``, as the one of its two
    readings (``fold``) that has the offset written; refused if neither has it."""
    if not is_aware(dt):
        raise SerializationError("a zone needs the offset before it")
    try:
        zone = ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A key naming a folder of the zone database, or too long for a file
        # name, raises OSError with a host path: the message names the key alone.
        raise SerializationError(f"unknown time zone {quote(key)}") from None
    wall = dt.replace(tzinfo=None)
    readings = [wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1)]
    for zoned in readings:
        if zoned.utcoffset() == dt.utcoffset():
            return zoned
    offsets = " or ".join(dict.fromkeys(_offset(zoned) for zoned in readings))
    raise SerializationError(
        f"{key} is at {offsets} at {wall.isoformat(' ', 'minutes')}, not {_offset(dt)}"
    )


def _offset(dt: datetime) -> str:
    """The UTC offset of an aware ``dt`` exactly as its ``isoformat`` writes it
    (``-05:00``, or ``-04:56:02`` when it has seconds)."""
    at_offset = _MIDNIGHT.replace(tzinfo=timezone(dt.utcoffset() or timedelta(0)))
    return at_offset.isoformat()[len(_MIDNIGHT.isoformat()):]


_MIDNIGHT = datetime(2000, 1, 1)


def _by_name(kind: type[Enum]) -> Callable[[object], Any]:
    def structure(value: object) -> Any:
        try:
            return kind[value]  # type: ignore[index]
        except (KeyError, TypeError):
            names = ", ".join(member.name for member in kind)
            raise SerializationError(
                f"expected one of {names} for {kind.__name__}; got {quote(value)}"
            ) from None

    return structure


def _exactly(kind: type) -> Callable[[object], Any]:
    """Refuse to coerce: a JSON number is not a string."""

    def structure(value: object) -> Any:
        if type(value) is not kind:
            raise SerializationError(f"expected a JSON {kind.__name__}; got {quote(value)}")
        return value

    return structure


_ENUMS = (ORDER_STATUS, OrderType, TimeInForce, LinkMode, RequestRejectReason)
_DIRECT: dict[Any, Callable[[object], Any]] = {
    Decimal: _decimal,
    _Total: _total,
    datetime: _datetime,
    **{scalar: _exactly(scalar) for scalar in (str, bool, int)},
    **{kind: _by_name(kind) for kind in _ENUMS},
}
"""How each scalar kind is read from its JSON value."""


def _make_converter() -> cattrs.Converter:
    """The converter that writes values as JSON-ready data (reading is :func:`structure_at`)."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(Decimal, decimal_text)
    converter.register_unstructure_hook(datetime, datetime_text)
    for kind in _ENUMS:
        converter.register_unstructure_hook(kind, lambda member: member.name)
    # Fields typed by the base class itself (not its subclasses) are tagged styles.
    converter.register_unstructure_hook_func(
        lambda cls: cls is ExecutionStyle,
        lambda style: converter.unstructure(style, unstructure_as=Style),
    )
    # Hashable only as an asset field's annotation, not every hashable class.
    converter.register_unstructure_hook_func(lambda cls: cls is Hashable, unstructure_asset)
    for union in (Event, Style):
        converter.register_unstructure_hook(union, partial(_tagged, converter))
    # accept_overfill only when set, so documents of ordinary fills read as before it existed.
    converter.register_unstructure_hook(Fill, make_dict_unstructure_fn(
        Fill, converter, accept_overfill=override(omit_if_default=True)))
    return converter


def _tagged(converter: cattrs.Converter, value: object) -> dict[str, Any]:
    """A member of a union, as its fields and the ``"type"`` that names its class."""
    return {"type": type(value).__name__, **converter.unstructure(value, type(value))}


def unstructure_asset(asset: object) -> object:
    if isinstance(asset, Asset):
        return {"type": "Asset", **CONVERTER.unstructure(asset, Asset)}
    if isinstance(asset, (str, int)) and not isinstance(asset, bool):
        return asset
    raise SerializationError(
        f"an asset must be an Asset, a str or an int to be serialized; got {quote(asset)}"
    )


def _structure_asset(data: object, path: str) -> Hashable:
    if isinstance(data, dict):
        return _structure_tagged(data, ("asset", {"Asset": Asset}), path)  # type: ignore[no-any-return]
    if isinstance(data, (str, int)) and not isinstance(data, bool):
        return data
    raise SerializationError(
        f"at {path}: an asset is a str, an int or an Asset object; got {quote(data)}", path=path
    )


def _field_types(cls: type) -> dict[str, tuple[Any, bool]]:
    """Each field's type, with ``None`` left out of optional ones, and whether it is optional."""
    attrs.resolve_types(cls)
    types: dict[str, tuple[Any, bool]] = {}
    for field in attrs.fields(cls):
        arguments = [kind for kind in typing.get_args(field.type) if kind is not type(None)]
        optional = isinstance(field.type, types_module.UnionType) and len(arguments) == 1
        types[field.name] = (arguments[0] if optional else field.type, optional)
    return types


_TERMS_TYPES = {name: kind for name, (kind, _) in _field_types(OrderTerms).items()}
_LATER_TERMS: dict[str, object] = {"post_only": False}
"""Terms added after documents of this version were first written, with the value
they had before: a document holds one only when it differs, so the documents
written before still read the same."""
_FIRST_TERMS = tuple(name for name in _TERMS_TYPES if name not in _LATER_TERMS)
_STATE = ("status", "dt", "filled", "notional", "commission", "reason", "stop_reached",
          "limit_reached", "pending")
_PENDING = tuple[Request, ...]


# Orders: the fields of a state (terms, status, totals), then the history and
# the fill records, and the initial state when there is a history.


def unstructure_state(order: DecimalOrder) -> dict[str, Any]:
    unstructure = CONVERTER.unstructure
    terms = {
        name: None if (value := getattr(order.terms, name)) is None else unstructure(value, kind)
        for name, kind in _TERMS_TYPES.items()
        if name not in _LATER_TERMS or getattr(order.terms, name) != _LATER_TERMS[name]
    }
    return {
        "terms": terms,
        "status": order.status.name,
        "dt": datetime_text(order.dt),
        "filled": decimal_text(order.filled),
        "notional": decimal_text(order.notional),
        "commission": decimal_text(order.commission),
        "reason": order.reason,
        "stop_reached": order.stop_reached,
        "limit_reached": order.limit_reached,
        "pending": [unstructure(request, unstructure_as=Event) for request in order.pending],
    }


def _unstructure_order(order: DecimalOrder) -> dict[str, Any]:
    unstructure = CONVERTER.unstructure
    document = {
        **unstructure_state(order),
        "history": [unstructure(event, unstructure_as=Event) for event in order.history],
        "fills": {
            fill_id: [unstructure(first, Fill), None if live is None else unstructure(live, Fill)]
            for fill_id, (first, live) in sorted(order.fills.items())
        },
    }
    if order.history:
        document["initial"] = unstructure_state(order.initial)
    return document


def _structure_order(data: object, path: str, version: int) -> DecimalOrder:
    """The order a document of ``version`` describes: its initial state with its
    history applied, refused unless everything the document declares is exactly
    what that gives."""
    state = _state_fields(version)
    record = json_object(data, path, ("terms", *state, "history", "fills"), optional=("initial",))
    events = json_list(record["history"], f"{path}.history")
    history: list[Event] = [
        structure_at(event, Event, f"{path}.history[{index}]")
        for index, event in enumerate(events)
    ]
    if not history and "initial" in record:
        raise SerializationError(
            f"at {path}.initial: an order without a history has no separate initial state",
            path=f"{path}.initial",
        )
    if history and "initial" not in record:
        raise SerializationError(
            f"at {path}: an order with a history needs its initial state (\"initial\"), "
            "which version 1 documents do not record",
            path=path,
        )
    initial_path = f"{path}.initial" if history else path
    initial_record = record
    if history:
        initial_record = json_object(record["initial"], initial_path, ("terms", *state))
    order = _constructed(initial_record, initial_path)
    for index, event in enumerate(history):
        try:
            order = apply(order, event)
        except OrderError as exc:
            raise SerializationError(
                f"at {path}.history[{index}]: {exc}",
                path=f"{path}.history[{index}]",
            ) from None
    _agrees(record, _as_written_in(version, _unstructure_order(order)), path)
    return order


def _state_fields(version: int) -> tuple[str, ...]:
    """The fields of an order's state in a document of ``version``."""
    return _STATE if version >= _FIRST_WITH_PENDING else _STATE[:-1]


def _as_written_in(version: int, document: dict[str, Any]) -> dict[str, Any]:
    """An order's document as ``version`` writes it: before requests in flight were
    written, without them (its pending requests are what its history sends)."""
    if version >= _FIRST_WITH_PENDING:
        return document
    older = {name: value for name, value in document.items() if name != "pending"}
    if "initial" in document:
        older["initial"] = _as_written_in(version, document["initial"])
    return older


def _constructed(record: dict[str, Any], path: str) -> DecimalOrder:
    """The order :class:`~orders.order.DecimalOrder` builds from a state's fields."""
    terms = json_object(record["terms"], f"{path}.terms", _FIRST_TERMS, tuple(_LATER_TERMS))
    fields: dict[str, Any] = {
        name: None if value is None else structure_at(value, _TERMS_TYPES[name],
                                                    f"{path}.terms.{name}")
        for name, value in terms.items()
    }
    fields["status"] = structure_at(record["status"], ORDER_STATUS, f"{path}.status")
    fields["dt"] = structure_at(record["dt"], datetime, f"{path}.dt")
    fields["filled"] = _at(f"{path}.filled", _total, record["filled"])
    fields["notional"] = _at(f"{path}.notional", _total, record["notional"])
    fields["commission"] = _at(f"{path}.commission", _total, record["commission"])
    for name in ("reason", "stop_reached", "limit_reached"):
        kind = str if name == "reason" else bool
        fields[name] = structure_at(record[name], kind, f"{path}.{name}")
    fields["pending"] = structure_at(record.get("pending", []), _PENDING, f"{path}.pending")
    return _at(path, lambda keywords: DecimalOrder(**keywords), fields)  # type: ignore[no-any-return]


def _agrees(declared: dict[str, Any], actual: dict[str, Any], path: str) -> None:
    """Refuse the first field whose declared value is not exactly the actual one."""
    json_object(declared, path, tuple(actual))
    for name, value in actual.items():
        if name in ("terms", "initial") and isinstance(declared.get(name), dict):
            _agrees(declared[name], value, f"{path}.{name}")
        elif not _same(declared.get(name), value):
            raise SerializationError(
                f"at {path}.{name}: the document says {quote(declared.get(name))}, but the "
                f"order its initial state and history describe has {quote(value)}",
                path=f"{path}.{name}"
            )


def _same(first: object, second: object) -> bool:
    """Equal JSON values of the same types all the way down (``1`` is not ``true``)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        return first.keys() == second.keys() and all(  # type: ignore[attr-defined]
            _same(value, second[key]) for key, value in first.items()  # type: ignore[index]
        )
    if isinstance(first, list):
        return len(first) == len(second) and all(  # type: ignore[arg-type]
            _same(a, b) for a, b in zip(first, second, strict=False)  # type: ignore[call-overload]
        )
    return first == second


# Books: orders, OCO link modes and brackets, checked against the linking rules.


def _unstructure_book(book: OrderBook) -> dict[str, Any]:
    document: dict[str, Any] = {
        **({"live": True} if book.live else {}),  # written only when set: older documents load
        "orders": [_unstructure_order(book.orders[order_id]) for order_id in sorted(book.orders)],
        "link_modes": {order_id: mode.name for order_id, mode in sorted(book.link_modes.items())},
        "brackets": {
            entry_id: {
                "generations": [list(legs) for legs in bracket.generations],
                "mode": bracket.mode.name,
                "withdrawn": bracket.withdrawn,
                # written only when not the default, as before arming could be chosen
                **({} if bracket.arming is Arming.FIRST_FILL else {"arming": bracket.arming.value}),
            }
            for entry_id, bracket in sorted(book.brackets.items())
        },
    }
    rested = sorted(  # those still resting with the terms the venue judged
        order_id for orders in book.post_only_rested.values()
        for order_id, terms in orders.items() if book.orders[order_id].terms is terms
    )
    if rested:  # written only when there are some, as before post-only orders existed
        document["post_only_rested"] = rested
    if book.reduce_only:  # written only when there are some, as before they existed
        document["reduce_only"] = sorted(book.reduce_only)
    if book.positions != net_positions(book.orders.values()):
        # written only when released orders' fills count in them, as before positions were kept
        document["positions"] = sorted(  # in a fixed order, whatever the hash order
            ({"asset": unstructure_asset(asset), "quantity": decimal_text(quantity)}
             for asset, quantity in book.positions.items()),
            key=lambda position: json.dumps(position["asset"], sort_keys=True),
        )
    if book.causes:  # written only when there are some, as before the audit trail existed
        document["causes"] = {
            order_id: [{"step": step, **unstructure_cause(cause)}
                       for step, cause in sorted(steps.items())]
            for order_id, steps in sorted(book.causes.items())
        }
    return document


def unstructure_cause(cause: Cause) -> dict[str, Any]:
    """``cause`` as JSON-ready data: its rule, and the order and step that set it off."""
    by = {} if cause.order_id is None else {"order_id": cause.order_id, "order_step": cause.step}
    return {"rule": cause.rule, **by}


def structure_cause(data: object, path: str, *, step: bool = False) -> Cause:
    """The :class:`Cause` written by :func:`unstructure_cause` (with a ``"step"`` of its
    own in a book's trail, when ``step``); a refusal names ``path``."""
    fields = json_object(data, path, ("step", "rule") if step else ("rule",),
                         optional=("order_id", "order_step"))
    by = structure_at(fields["order_id"], str, f"{path}.order_id") if "order_id" in fields else None
    if (by is None) != ("order_step" not in fields):
        raise SerializationError(
            f"at {path}: a cause names both order_id and order_step, or neither", path=path
        )
    by_step = None if by is None else _step_of(fields["order_step"], None, f"{path}.order_step")
    rule = structure_at(fields["rule"], str, f"{path}.rule")
    if not rule:
        raise SerializationError(f"at {path}.rule: a rule is a non-empty name", path=f"{path}.rule")
    return Cause(rule, by, by_step)


def _structure_causes(data: object, builder: BookBuilder, path: str) -> None:
    """Read the audit trail: for each order of the book, the cause of some of its steps."""
    for order_id, steps in json_object(data, path, ()).items():
        where = f"{path}.{order_id}"
        order = builder.orders.get(order_id)
        if order is None:
            raise SerializationError(
                f"at {where}: {order_id!r} is not an order of the book; causes name its orders",
                path=where,
            )
        for index, entry in enumerate(json_list(steps, where)):
            at = f"{where}[{index}]"
            cause = structure_cause(entry, at, step=True)
            step = _step_of(entry["step"], order.version, f"{at}.step")
            builder.causes = audit.record_at(builder.causes, order_id, step, cause)


def _step_of(data: object, last: int | None, path: str) -> int:
    step: int = structure_at(data, int, path)
    if step < 0 or (last is not None and step > last):
        allowed = "0 or more" if last is None else f"from 0 to {last}, the order's history"
        raise SerializationError(f"at {path}: a step is {allowed}; got {step}", path=path)
    return step


def _structure_book(data: object, path: str, version: int) -> OrderBook:
    keys = ("orders", "link_modes", "brackets" if version > 1 else "children_of")
    later = (
        ("post_only_rested", "live", "causes", "reduce_only", "positions") if version > 3 else ()
    )
    record = json_object(data, path, keys, optional=later)
    builder = BookBuilder(OrderBook())
    builder.live = structure_at(record.get("live", False), bool, f"{path}.live")
    _structure_reduce_only(record, builder, path)
    for index, entry in enumerate(json_list(record["orders"], f"{path}.orders")):
        order = _structure_order(entry, f"{path}.orders[{index}]", version)
        if order.id in builder.orders:
            raise SerializationError(
                f"at {path}.orders[{index}]: order {order.id!r} is listed twice",
                path=f"{path}.orders[{index}]"
            )
        if builder.aware is not None and is_aware(order.dt) != builder.aware:
            raise SerializationError(
                f"at {path}.orders[{index}]: a book holds naive or aware datetimes, not both",
                path=f"{path}.orders[{index}]"
            )
        builder.store(order)
    _structure_net_positions(record, builder, path)
    link_modes = json_object(record["link_modes"], f"{path}.link_modes", ())
    brackets = (
        json_object(record["brackets"], f"{path}.brackets", ()) if version > 1
        else _version_1_brackets(record["children_of"], link_modes, path)
    )
    for order_id, mode in link_modes.items():
        if version > 1 or (
            order_id in builder.orders and builder.orders[order_id].parent_order_id is None
        ):
            builder.link_modes = builder.link_modes.set(
                order_id, structure_at(mode, LinkMode, f"{path}.link_modes.{order_id}")
            )
    for entry_id, fields in brackets.items():
        where = f"{path}.brackets.{entry_id}"
        bracket = json_object(fields, where, ("generations", "mode"),
                              optional=("withdrawn", "arming"))
        generations = json_list(bracket["generations"], f"{where}.generations")
        legs = tuple(
            tuple(
                structure_at(leg, str, f"{where}.generations[{index}][{number}]")
                for number, leg in enumerate(json_list(generation, f"{where}.generations[{index}]"))
            )
            for index, generation in enumerate(generations)
        )
        withdrawn = structure_at(bracket.get("withdrawn", False), bool, f"{where}.withdrawn")
        mode = structure_at(bracket["mode"], LinkMode, f"{where}.mode")
        arming = _arming_at(bracket.get("arming", Arming.FIRST_FILL.value), f"{where}.arming")
        builder.brackets = builder.brackets.set(
            entry_id, Bracket(entry_id, legs, mode, withdrawn, arming)
        )
    for index, order_id in enumerate(
        json_list(record.get("post_only_rested", []), f"{path}.post_only_rested")
    ):
        _rest(builder, structure_at(order_id, str, f"{path}.post_only_rested[{index}]"),
              f"{path}.post_only_rested[{index}]")
    _at(path, check_book, builder)
    if "causes" in record:
        _structure_causes(record["causes"], builder, f"{path}.causes")
    return builder.result().book


def _structure_reduce_only(record: dict[str, Any], builder: BookBuilder, path: str) -> None:
    """Read the ids of the reduce-only orders, before the orders are stored as exits."""
    for index, order_id in enumerate(json_list(record.get("reduce_only", []),
                                               f"{path}.reduce_only")):
        where = f"{path}.reduce_only[{index}]"
        builder.reduce_only = builder.reduce_only.set(structure_at(order_id, str, where), None)


def _structure_net_positions(record: dict[str, Any], builder: BookBuilder, path: str) -> None:
    """Check the reduce-only ids against the orders, and read the positions when
    written (otherwise the orders' fills give them, as the builder added them up)."""
    unknown = sorted(order_id for order_id in builder.reduce_only
                     if order_id not in builder.orders)
    if unknown:
        raise SerializationError(
            f"at {path}.reduce_only: {quote(unknown)} are not orders of the book; "
            "reduce_only lists orders of the book", path=f"{path}.reduce_only",
        )
    if "positions" not in record:
        return
    positions: dict[Hashable, Decimal] = {}
    for index, entry in enumerate(json_list(record["positions"], f"{path}.positions")):
        where = f"{path}.positions[{index}]"
        fields = json_object(entry, where, ("asset", "quantity"))
        asset = _structure_asset(fields["asset"], f"{where}.asset")
        quantity = structure_at(fields["quantity"], _Total, f"{where}.quantity")
        if asset in positions or not quantity:
            raise SerializationError(
                f"at {where}: each asset is listed once, with a position other than 0; got "
                f"{quote(asset)} at {decimal_text(quantity)}", path=where,
            )
        positions[asset] = quantity
    builder.positions = immutables.Map(positions)


def _arming_at(value: object, where: str) -> Arming:
    arming = enum_member(Arming, value) if isinstance(value, str) else None
    if arming is None:
        raise SerializationError(
            f"at {where}: arming is 'first_fill' or 'entry_filled'; got {quote(value)}",
            path=where,
        )
    return arming


def _rest(builder: BookBuilder, order_id: str, where: str) -> None:
    """Record that a venue has judged post-only order ``order_id`` and let it rest."""
    order = builder.orders.get(order_id)
    if order is None or not order.terms.post_only:
        raise SerializationError(
            f"at {where}: {order_id!r} is not a post-only order of the book; only those rest",
            path=where,
        )
    asset = order.terms.asset
    rested = builder.post_only_rested.get(asset, immutables.Map())
    builder.post_only_rested = builder.post_only_rested.set(
        asset, rested.set(order_id, order.terms)
    )


def _version_1_brackets(
    children_of: object, link_modes: dict[str, Any], path: str
) -> dict[str, Any]:
    """Version 1 named one generation of legs per entry; their mode was their link mode."""
    children = json_object(children_of, f"{path}.children_of", ())
    return {
        entry_id: {
            "generations": [legs],
            "mode": link_modes.get(json_list(legs, f"{path}.children_of.{entry_id}")[0], "REDUCE")
            if legs else "REDUCE",
        }
        for entry_id, legs in children.items()
    }


# Venue snapshots: orders sorted by id, positions as [asset, quantity] pairs.


def _unstructure_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    orders = [_unstructure_venue_order(snapshot.orders[order_id])
              for order_id in sorted(snapshot.orders)]
    return {"orders": orders, "positions": _unstructure_positions(snapshot.positions)}


_VENUE_PRICES = ("limit", "stop")


def _unstructure_venue_order(order: VenueOrder) -> dict[str, Any]:
    """Its fields; the prices only when the venue reported them, so a venue order
    without prices is written as before they were added."""
    data: dict[str, Any] = CONVERTER.unstructure(order, VenueOrder)
    for name in _VENUE_PRICES:
        if data[name] is None:
            del data[name]
    return data


def _unstructure_positions(positions: Mapping[Hashable, Decimal] | None) -> list[Any] | None:
    """The pairs sorted by the asset's JSON text: assets of different kinds do not
    compare, and a value always gives the same bytes."""
    if positions is None:
        return None
    pairs = [[unstructure_asset(asset), decimal_text(quantity)]
             for asset, quantity in positions.items()]
    return sorted(pairs, key=lambda pair: json.dumps(pair[0], sort_keys=True))


def _structure_snapshot(data: object, path: str) -> Snapshot:
    record = json_object(data, path, ("orders", "positions"))
    orders: dict[str, VenueOrder] = {}
    for index, entry in enumerate(json_list(record["orders"], f"{path}.orders")):
        where = f"{path}.orders[{index}]"
        order = structure_at(entry, VenueOrder, where)
        if order.order_id in orders:
            raise SerializationError(
                f"at {where}: order {quote(order.order_id)} is listed twice", path=where
            )
        orders[order.order_id] = order
    positions = record["positions"]
    if positions is not None:
        positions = _structure_positions(positions, f"{path}.positions")
    fields = {"orders": orders, "positions": positions}
    return _at(path, lambda keywords: Snapshot(**keywords), fields)  # type: ignore[no-any-return]


def _structure_positions(data: object, path: str) -> dict[Hashable, Decimal]:
    positions: dict[Hashable, Decimal] = {}
    for index, pair in enumerate(json_list(data, path)):
        where = f"{path}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise SerializationError(
                f"at {where}: expected an [asset, quantity] pair; got {quote(pair)}", path=where
            )
        asset = _structure_asset(pair[0], f"{where}[0]")
        if asset in positions:
            raise SerializationError(
                f"at {where}[0]: the asset {quote(asset)} is listed twice", path=f"{where}[0]"
            )
        positions[asset] = structure_at(pair[1], _Total, f"{where}[1]")
    return positions


# Reading with paths.


def structure_at(data: object, kind: Any, path: str, field: str | None = None) -> Any:
    """``data`` structured as ``kind``; any refusal names ``path`` (and ``field`` in it)."""
    union = _union(kind)
    if union is not None:
        return _structure_tagged(data, union, path if field is None else f"{path}.{field}")
    direct = _DIRECT.get(kind)
    if direct is not None:
        try:
            return direct(data)
        except OrderError as exc:
            where = path if field is None else f"{path}.{field}"
            raise SerializationError(f"at {where}: {exc}", path=where) from None
    if field is not None:
        path = f"{path}.{field}"
    if kind is Hashable:
        return _structure_asset(data, path)
    if kind is Snapshot:
        return _structure_snapshot(data, path)
    if kind in _FIELDS:
        return _structure_fields(kind, data, path)
    item = _ITEMS[kind]
    values = json_list(data, path)
    return tuple(
        structure_at(value, item, f"{path}[{index}]") for index, value in enumerate(values)
    )


def _structure_tagged(data: object, union: tuple[str, dict[str, type]], path: str) -> Any:
    """A member of a union tagged by ``"type"``: ``union`` is what its members are
    called and each member by its name."""
    noun, members = union
    name = data.get("type") if isinstance(data, dict) else None
    kind = members.get(name) if isinstance(name, str) else None
    if kind is None:
        json_object(data, path, ())
        raise SerializationError(
            f"at {path}.type: unknown {noun} type {quote(name)}; {noun}s are "
            f"{', '.join(members)}", path=f"{path}.type"
        )
    return _structure_fields(kind, data, path, tag="type")


def _structure_fields(kind: type, data: object, path: str, tag: str | None = None) -> Any:
    """An instance of the ``attrs`` class ``kind`` from a JSON object of its fields
    (and the ``tag`` naming it), built by its own constructor, which validates.
    Every missing or unreadable field is reported, not only the first."""
    fields = _FIELDS[kind]
    record = (
        data if type(data) is dict and data.keys() <= _KEYS[kind, tag]
        else json_object(data, path, (), (tag, *fields) if tag else tuple(fields))
    )
    keywords: dict[str, Any] = {}
    problems: list[SerializationError] = []
    for name, (field_kind, optional, required) in fields.items():
        value = record.get(name, _MISSING)
        if value is _MISSING:
            if required:
                where = f"{path}.{name}"
                problems.append(
                    SerializationError(f"at {where}: a required field is missing", path=where)
                )
        elif value is None and optional:
            keywords[name] = None
        else:
            try:
                keywords[name] = structure_at(value, field_kind, path, name)
            except SerializationError as exc:
                problems.append(exc)
    if problems:
        raise SerializationError(
            "; ".join(str(problem) for problem in problems), path=problems[0].path
        )
    try:
        return kind(**keywords)
    except OrderError as exc:
        raise SerializationError(f"at {path}: {exc}", path=path) from None


_MISSING = object()


def _at(path: str, function: Callable[[Any], Any], value: object) -> Any:
    """``function(value)``, with an :class:`OrderError` it raises naming ``path``."""
    try:
        return function(value)
    except SerializationError as exc:
        if exc.path is not None:
            raise
        raise SerializationError(f"at {path}: {exc}", path=path) from None
    except OrderError as exc:
        raise SerializationError(f"at {path}: {exc}", path=path) from None


def json_object(
    data: object, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A JSON object with the ``required`` keys, maybe ``optional`` ones, and no others
    (any keys at all when neither is given)."""
    if not isinstance(data, dict):
        raise SerializationError(f"at {path}: expected a JSON object; got {quote(data)}", path=path)
    if required or optional:
        for key in required:
            if key not in data:
                raise SerializationError(f"at {path}: missing field {quote(key)}", path=path)
        if len(data) > len(required):
            unknown = sorted(key for key in data if key not in required and key not in optional)
            if unknown:
                raise SerializationError(f"at {path}: unknown field {quote(unknown[0])}", path=path)
    return data


def json_list(data: object, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise SerializationError(f"at {path}: expected a JSON array; got {quote(data)}", path=path)
    return data


CONVERTER = _make_converter()

_TYPES: dict[str, Any] = {
    kind.__name__: kind
    for kind in (DecimalOrder, OrderBook, Snapshot, VenueOrder, Asset, *EVENT_TYPES,
                 *Style.__args__)
}

_EVENTS = ("event", {member.__name__: member for member in typing.get_args(Event)})
_REQUESTS = ("request", {member.__name__: member for member in typing.get_args(Request)})
_STYLES = ("style", {member.__name__: member for member in typing.get_args(Style)})


def _union(kind: Any) -> tuple[str, dict[str, type]] | None:
    """The tagged union ``kind`` is, if it is one (found by identity: unions hash slowly)."""
    if kind is Event:
        return _EVENTS
    if kind is Request:
        return _REQUESTS
    if kind is Style or kind is ExecutionStyle:  # a field typed by the base holds any style
        return _STYLES
    return None


_FIELDS: dict[type, dict[str, tuple[Any, bool, bool]]] = {
    kind: {
        field.name: (kind_of, optional, field.default is attrs.NOTHING)
        for field, (kind_of, optional) in zip(
            attrs.fields(kind), _field_types(kind).values(), strict=True
        )
    }
    for kind in (Asset, Bar, VenueOrder, *EVENT_TYPES, *typing.get_args(Style))
}
"""For each class read from a JSON object: each field's kind, whether it may be
null, and whether it is required."""
_FIELDS[VenueOrder] = {  # a venue reports sums: its quantities and average have a total's digits
    name: (_Total if kind is Decimal and name not in _VENUE_PRICES else kind, optional, required)
    for name, (kind, optional, required) in _FIELDS[VenueOrder].items()
}
_KEYS = {
    (kind, tag): frozenset(fields) | ({tag} if tag else set())
    for kind, fields in _FIELDS.items() for tag in (None, "type")
}
_ITEMS = {tuple[str, ...]: str, _PENDING: Request, tuple[Fill, ...]: Fill}
"""The JSON arrays read as tuples, with the kind of their items."""


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
    if name == "DecimalOrder":
        data: Any = _unstructure_order(value)  # type: ignore[arg-type]
    elif name == "OrderBook":
        data = _unstructure_book(value)  # type: ignore[arg-type]
    elif name == "Snapshot":
        data = _unstructure_snapshot(value)  # type: ignore[arg-type]
    elif name == "VenueOrder":
        data = _unstructure_venue_order(value)  # type: ignore[arg-type]
    else:
        data = CONVERTER.unstructure(value, _TYPES[name])
    return {"format": "orders", "version": FORMAT_VERSION, "type": name, "value": data}


Serializable = DecimalOrder | OrderBook | Snapshot | VenueOrder | Asset | Event | Style
"""Every kind of value a document can hold."""


@overload
def structure(document: object) -> Serializable: ...


@overload
def structure(document: object, kind: type[T]) -> T: ...


def structure(document: object, kind: type[Any] | None = None) -> Any:
    """The value a document describes; ``kind`` if given must match its type, and
    types the result (``structure(document, DecimalOrder)`` is a DecimalOrder)."""
    record = json_object(document, "$", ("format", "version", "type", "value"))
    version = record["version"]
    if record["format"] != "orders" or type(version) is not int or (
        version not in _READABLE_VERSIONS
    ):
        raise SerializationError(
            f"at $: expected an orders document of version 1, 2, 3 or {FORMAT_VERSION}; got format "
            f"{quote(record['format'])}, version {quote(version)}",
            path="$",
        )
    name = record["type"]
    if not isinstance(name, str) or name not in _TYPES:
        raise SerializationError(
            f"at $.type: unknown value type {quote(name)}; known: {', '.join(sorted(_TYPES))}",
            path="$.type",
        )
    if kind is not None and _TYPES[name] is not kind:
        raise SerializationError(
            f"at $.type: the document holds a {name}, not a {kind.__name__}",
            path="$.type",
        )
    if name == "DecimalOrder":
        return _structure_order(record["value"], "$.value", version)
    if name == "OrderBook":
        return _structure_book(record["value"], "$.value", version)
    if name == "Snapshot":
        return _structure_snapshot(record["value"], "$.value")
    return structure_at(record["value"], _TYPES[name], "$.value")


def dumps(value: object) -> str:
    """``value`` as JSON text: the same value always gives the same bytes."""
    return json.dumps(unstructure(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


@overload
def loads(text: str | bytes) -> Serializable: ...


@overload
def loads(text: str | bytes, kind: type[T]) -> T: ...


def loads(text: str | bytes, kind: type[Any] | None = None) -> Any:
    """The value a JSON document written by :func:`dumps` describes; ``kind`` as
    for :func:`structure` (``loads(text, OrderBook)`` is an OrderBook)."""
    data = parse_json(text)
    return structure(data) if kind is None else structure(data, kind)


MAX_NESTING = 100
"""The deepest nesting of arrays and objects that :func:`parse_json` reads: the
same wherever it is called (the documents and log lines of this library nest a
few levels)."""


def parse_json(text: str | bytes) -> object:
    """JSON text as Python data, refusing duplicate keys and nesting deeper than
    :data:`MAX_NESTING`.

    Every problem is a :class:`SerializationError`; a duplicate key is named with
    the path of the object that repeats it.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise SerializationError(f"expected JSON text (str or bytes); got {quote(text)}")
    _check_nesting(text)
    if type(text) is str:
        data = _scan(text)
        if data is not _UNSURE:
            return data
    return _parse_watching_keys(text)


def _check_nesting(text: str | bytes | bytearray) -> None:
    """Refuse ``text`` nested deeper than :data:`MAX_NESTING`; the brackets are
    counted first, and the depth is measured only when they are more than that."""
    if isinstance(text, str):
        opened = text.count("[") + text.count("{")
    else:
        opened = text.count(b"[") + text.count(b"{")
    if opened <= MAX_NESTING:
        return
    depth = _nesting(text if isinstance(text, str) else _decoded(text))
    if depth > MAX_NESTING:
        raise SerializationError(
            f"not JSON this library reads: nested too deeply ({depth} levels; at most "
            f"{MAX_NESTING} are read)"
        )


def _decoded(data: bytes | bytearray) -> str:
    """JSON bytes as text, in the encoding :func:`json.loads` would read them in."""
    return bytes(data).decode(json.detect_encoding(data), "replace")


_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def _nesting(text: str) -> int:
    """How deep the arrays and objects of ``text`` nest, strings skipped."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


_UNSURE = object()
# typeshed gives make_scanner's argument the type of the scanner itself.
_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_CONTAINERS = (dict, list)


def _scan(text: str) -> object:
    """The data of ``text`` read by the standard decoder's scanner, or ``_UNSURE``
    when it fails or may have dropped a duplicate key.

    Without a backslash, every quote in the text opens or closes a string, so the
    text holds ``count('"') / 2`` strings, keys included. The decoder keeps the
    last of two equal keys and drops the first with its value, so the data holds
    as many strings exactly when no key was repeated.
    """
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    try:
        data, end = _scan_once(text, start)
    except (StopIteration, ValueError, RecursionError):
        return _UNSURE
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return _UNSURE
    if "\\" in text or text.count('"') != 2 * _strings_in(data):
        return _UNSURE
    return data


_JSON_SPACE = " \t\n\r"


def _strings_in(data: object) -> int:
    """How many strings ``data`` holds, keys included."""
    count = 0
    pending = [data]
    while pending:
        node = pending.pop()
        if type(node) is str:
            count += 1
            continue
        if type(node) is dict:
            count += len(node)
            node = node.values()
        elif type(node) is not list:
            continue
        for value in node:
            if type(value) is str:
                count += 1
            elif type(value) in _CONTAINERS:
                pending.append(value)
    return count


def _parse_watching_keys(text: str | bytes) -> object:
    repeated: list[tuple[dict[str, Any], str]] = []

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                repeated.append((result, key))
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=unique_keys)
    except RecursionError:
        raise SerializationError("not JSON this library reads: nested too deeply") from None
    except ValueError as exc:  # includes UnicodeDecodeError
        raise SerializationError(f"not JSON: {quote(str(exc))}") from None
    if repeated:
        holder, key = repeated[0]
        where = _path_to(data, holder)
        raise SerializationError(f"at {where}: duplicate key {quote(key)}", path=where)
    return data


def _path_to(data: object, target: object) -> str:
    """The path from ``data`` to the object ``target`` (found by identity)."""
    pending: list[tuple[object, str]] = [(data, "$")]
    while pending:
        node, path = pending.pop()
        if node is target:
            return path
        if isinstance(node, dict):
            pending.extend((value, f"{path}.{key}") for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((value, f"{path}[{index}]") for index, value in enumerate(node))
    return "$"
