"""The execution log's format: one table of its ops, with the fields of each.

A log is JSON Lines, one operation of a book per line, named by its ``"op"``.
:data:`OPS` says, for each op, the fields its line must hold and those it may
hold; every line may also name its ``"account"`` and hold its ``"chain"``
value (:mod:`orders.io.chain`), which replay reads past. Replay reads lines through
this table (:mod:`orders.io.replay`) and the recorder writes them through it
(:mod:`orders.io.recording`), so what one writes the other reads. The fields
of a ``"place"`` line are those of :class:`~orders.book.orderbook.Placement`,
the arguments of :meth:`~orders.book.OrderBook.place`.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from orders.book.orderbook import Placement

__all__ = ["ACCOUNT", "CHAIN", "OPS", "Op", "line", "line_text"]

ACCOUNT = "account"
"""The field any line may hold: the account whose book it applies to."""
CHAIN = "chain"
"""The field any line may hold: the running hash of a chained log, which does
not change what the line means."""


@attrs.frozen
class Op:
    """One kind of log line: the fields it must hold and those it may hold."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


def _has_default(field: attrs.Attribute[Any]) -> bool:
    return field.default is not attrs.NOTHING


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("asset", ("asset",)),
        Op("order", (), ("order", "orders", "link_mode", "arming", "reduce_only")),
        Op(
            "place",
            tuple(field.name for field in attrs.fields(Placement) if not _has_default(field)),
            tuple(field.name for field in attrs.fields(Placement) if _has_default(field)),
        ),
        Op("event", ("order_id", "event"), ("cause",)),
        Op("price", ("asset", "price"), ("dt",)),
        Op("bar", ("asset", "bar"), ("dt",)),
        Op("time", ("dt",)),
        Op("release", ("before",)),
        Op("close", ("asset", "dt", "id", "reason")),
        Op("snapshot", ("snapshot", "inferred")),
    )
}
"""Every op of the log, by name."""


def line(op: str, **fields: Any) -> dict[str, Any]:
    """The line of ``op`` holding ``fields``, which must be those the table allows."""
    schema = OPS[op]
    allowed = {*schema.required, *schema.optional, ACCOUNT, CHAIN}
    if not set(schema.required) <= fields.keys() <= allowed:
        raise AssertionError(f"a {op} line holds {sorted(fields)}; the log allows {allowed}")
    return {"op": op, **fields}


def line_text(record: dict[str, Any]) -> str:
    """A line as the log writes it: its op first, then its fields by name."""
    fields = {"op": record["op"], **{name: record[name] for name in sorted(record) if name != "op"}}
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
