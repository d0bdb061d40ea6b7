"""Helpers shared by the example tests and the property tests."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Mapping
from pathlib import Path

from benchmarks.replay import log_lines
from orders import BookResult, DecimalOrder, Event, OrderBook, Submit, apply, dumps
from orders.io.replay import AccountsResult


def rebuilt(
    before: OrderBook,
    result: BookResult,
    asked: tuple[str, Event] | None = None,
    added: tuple[DecimalOrder, ...] = (),
) -> Mapping[str, DecimalOrder]:
    """The orders of ``before`` (with ``added``) after the asked event and then each
    derived consequence of ``result``, applied in order: they must rebuild
    ``result.book``."""
    orders = {**before.orders, **{order.id: order for order in added}}
    if asked is not None:
        orders[asked[0]] = apply(orders[asked[0]], asked[1])
    for derived in result.derived:
        if isinstance(derived.event, Submit):
            assert derived.order_id not in orders, f"{derived.order_id} was submitted twice"
            orders[derived.order_id] = derived.event.order
        else:
            orders[derived.order_id] = apply(orders[derived.order_id], derived.event)
    return orders


def write_logs(folder: Path, lines: int = 6_000, accounts: int = 9) -> list[Path]:
    """Two files of a multi-account log, with lines that are refused on the way."""
    generated = list(log_lines(lines, accounts=accounts))
    generated.insert(100, b"not json")
    generated.insert(200, json.dumps({"op": "price", "account": 7, "asset": "A1",
                                      "price": "1"}).encode())
    generated.insert(300, json.dumps({"op": "event", "account": "acct3", "order_id": "ghost",
                                      "event": {"type": "Cancel"}}).encode())
    generated.insert(400, b"")
    half = len(generated) // 2
    paths = [folder / "day1.jsonl", folder / "day2.jsonl"]
    paths[0].write_bytes(b"\n".join(generated[:half]) + b"\n")
    paths[1].write_bytes(b"\xef\xbb\xbf" + b"\n".join(generated[half:]))  # a BOM, no last newline
    return paths


def assert_same(first: AccountsResult, second: AccountsResult) -> None:
    assert first == second
    assert [dumps(result.book) for result in first.accounts.values()] == [
        dumps(result.book) for result in second.accounts.values()]


def write_awkward_logs(folder: Path) -> list[Path]:
    """Two files of a multi-account log with what reading bytes can trip on:
    lines that are not UTF-8 (with LF and CRLF ends), lone surrogates in an
    account name, an order id and an asset, blank lines, CRLF line ends, and a
    last line without a line end."""
    order = {"id": "o\ud800", "dt": "2024-01-15T09:30:00", "asset": "X\udcff", "amount": "10"}
    records = [
        {"op": "order", "account": "acct\ud800", "order": order},
        {"op": "order", "account": "acct\udcff", "order": order},
        {"op": "event", "account": "acct\ud800", "order_id": "o\ud800",
         "event": {"type": "Cancel", "reason": "why\ud800"}},
        {"op": "event", "account": "acct\udcff", "order_id": "ghost", "event": {"type": "Cancel"}},
        {"op": "order", "order": {**order, "id": "plain"}},
    ]
    lines = [json.dumps(record).encode() for record in records]
    first = b"\r\n".join([lines[0], b"\xff\xfe not utf-8", b"", lines[1], b"\xc3 cut"]) + b"\r\n"
    second = b"\n".join([lines[2], b"\xe9t\xe9\r", b"   ", lines[3], b"\x80", lines[4]])
    paths = [folder / "awkward1.jsonl", folder / "awkward2.jsonl"]
    paths[0].write_bytes(first)
    paths[1].write_bytes(second)
    return paths


def peak_bytes_allocated(call: Callable[[], object]) -> int:
    """The most memory ``call()`` held at once beyond what existed before it."""
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        if not already_tracing:
            tracemalloc.stop()


def written_tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory``, by its path relative to it, with its bytes."""
    return {path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}
