"""Rebuilding a book from an execution log, one JSON line at a time.

Each line of the log is a JSON object with an ``"op"``:

* ``{"op": "asset", "asset": {"type": "Asset", ...}}`` defines an
  :class:`~orders.assets.Asset`: later lines that name its symbol mean it, so
  their orders round to its tick and quantity increment;
* ``{"op": "order", "order": {...}}`` submits one order, given by the keywords
  of :class:`~orders.order.DecimalOrder` (decimals as strings, datetimes in
  ISO 8601, the asset as a string, an integer or an Asset object; enums by name
  or value; ``"pending"``, its requests in flight, as tagged events), with
  ``"link_mode"`` optional; ``"orders": [{...}, ...]`` submits several at
  once, such as a bracket's entry and its exit legs;
* ``{"op": "place", "dt", "asset", "amount", "style", "ids"}`` places a style
  (an OCO pair or a bracket included) under the given ids;
* ``{"op": "event", "order_id": "...", "event": {"type": "Fill", ...}}``
  applies one event to one order, with the book's linking rules;
* ``{"op": "price", "asset", "price", "dt"}`` is a trade price
  (:meth:`~orders.book.OrderBook.on_price`);
* ``{"op": "bar", "asset", "bar": {"open", "high", "low", "close"}, "dt"}`` is a
  bar (:meth:`~orders.book.OrderBook.on_bar`);
* ``{"op": "time", "dt"}`` lets time pass (:meth:`~orders.book.OrderBook.on_time`);
* ``{"op": "release", "before"}`` releases finished orders
  (:meth:`~orders.book.OrderBook.release`);
* ``{"op": "snapshot", "snapshot": {...}, "inferred": true}`` is what the venue
  reported on a reconnect (a :class:`~orders.book.reconcile.Snapshot`
  document's value): the book is reconciled with it and the steps applied, the
  inferred fills only when ``"inferred"`` is true; the findings are kept in the
  result, with the line's number (:class:`Reconciled`).

:class:`~orders.io.recording.Recorder` writes these lines as a live session runs.

:func:`replay` folds the lines into a book. Whatever a line holds, it is either
applied or refused, recorded with its number, a bounded excerpt and the reason
(naming the field, as ``at $.event.quantity: ...``), and the replay goes on: no
line is dropped silently and none stops the replay. Lines may be ``str`` or
``bytes``; bytes are decoded line by line, so a line that is not UTF-8 is
refused alone, and a UTF-8 byte-order mark before the first line is accepted.
Memory stays bounded: lines are read one by one, only the first
``keep_refused`` refusals are kept (all of them are counted, and each is handed
to ``on_refused`` as it happens), and with a ``retention`` the book lets go of
the orders that finished long enough ago.
"""

from __future__ import annotations

import os
import typing
import zlib
from collections.abc import (
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    Set as AbstractSet,
)
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

import attrs

from orders._checks import enum_member, is_aware, quote
from orders.assets import Asset
from orders.book.orderbook import OrderBook
from orders.book.reconcile import Finding, ReconcileStep, Snapshot, reconcile
from orders.book.rules import LinkMode
from orders.errors import BadOrderParameters, OrderError
from orders.events import Bar, Event, Request
from orders.io.documents import (
    SerializationError,
    Style,
    json_list,
    json_object,
    parse_json,
    structure_at,
    structure_cause,
)
from orders.io.log import ACCOUNT, CHAIN, OPS
from orders.order.value import DecimalOrder
from orders.statuses import ORDER_STATUS, OrderType

__all__ = [
    "DEFAULT_ACCOUNT",
    "AccountsResult",
    "Reconciled",
    "Refusal",
    "RefusedInAll",
    "ReplayResult",
    "partition_of",
    "replay",
    "replay_accounts",
    "replay_files",
]

EXCERPT = 120
"""Characters of a refused line kept in its :class:`Refusal`."""
DEFAULT_ACCOUNT = ""
"""The account of a line that names none."""
RELEASE_EVERY = 10_000
"""How often, in an account's lines, a replay with a ``retention`` releases its
finished orders."""
_LONGEST_REASON = 500
_BOM = "\ufeff"
_NO_TIME = timedelta(0)


@attrs.frozen
class Refusal:
    """A log line that was not applied: where, what it began with, and why,
    with the fields of the error that refused it (None where they do not
    apply)."""

    line_number: int
    excerpt: str
    """The line's first :data:`EXCERPT` characters (all of a shorter line)."""
    reason: str
    source: str | None = None
    """The file the line was read from, when the replay read files."""
    path: str | None = attrs.field(default=None, kw_only=True)
    """Where in the line, as ``$.order.amount`` (:attr:`SerializationError.path`)."""
    rule: str | None = attrs.field(default=None, kw_only=True)
    """The linking rule that refused it (:attr:`OrderError.rule`)."""
    order_id: str | None = attrs.field(default=None, kw_only=True)
    """The order the error is about (:attr:`OrderError.order_id`)."""

    @classmethod
    def of(cls, number: int, line: str | bytes, error: Exception, source: str | None) -> Refusal:
        """The refusal of line ``number`` (``line``, the start of its text) for ``error``."""
        fields = error if isinstance(error, OrderError) else None
        return cls(
            number,
            _excerpt(line),
            _reason(error),
            source,
            path=getattr(error, "path", None),
            rule=None if fields is None else fields.rule,
            order_id=None if fields is None else fields.order_id,
        )


@attrs.frozen
class Reconciled:
    """A snapshot line that was applied: where, the steps applied to the book,
    and the findings its reconciliation left open."""

    line_number: int
    steps: tuple[ReconcileStep, ...]
    """The steps applied: without the inferred fills when the line said not to book them."""
    findings: tuple[Finding, ...]
    source: str | None = None
    """The file the line was read from, when the replay read files."""


Outcome = tuple[tuple[ReconcileStep, ...], tuple[Finding, ...]] | None
"""What applying a line leaves to report: a snapshot line's steps and findings."""


@attrs.frozen
class ReplayResult:
    """The book a log folds into, the lines it refused, and what its snapshot
    lines found."""

    book: OrderBook
    refused: tuple[Refusal, ...]
    """The first refusals, up to ``keep_refused``."""
    lines: int
    refused_count: int
    """Every refused line, kept or not."""
    reconciled: tuple[Reconciled, ...] = ()
    """Each snapshot line applied, in the order of the log."""


class _CountsRefusals(Protocol):
    @property
    def refused_count(self) -> int: ...


class RefusedInAll:
    """The ``refused_count`` of a result of several accounts: their refused lines
    and those that name none."""

    __slots__ = ()
    accounts: Mapping[str, _CountsRefusals]
    unassigned_count: int

    @property
    def refused_count(self) -> int:
        """Every refused line: those of the accounts and those that name none."""
        return self.unassigned_count + sum(
            account.refused_count for account in self.accounts.values()
        )


@attrs.frozen
class AccountsResult(RefusedInAll):
    """What a log of several accounts folds into: a result per account, by name."""

    accounts: dict[str, ReplayResult]
    """Each account's book and refused lines, in the order of the account names;
    the lines that name no account are those of :data:`DEFAULT_ACCOUNT`."""
    unassigned: tuple[Refusal, ...]
    """The first refused lines that could not be read far enough to know their
    account (not UTF-8, not JSON, not an object, an account that is not a
    non-empty string), up to ``keep_refused``."""
    unassigned_count: int
    lines: int
    """Every line read, blank ones included."""


def replay(
    lines: Iterable[str | bytes],
    book: OrderBook | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = 100_000,
    *,
    keep_refused: int = 10_000,
    on_refused: Callable[[Refusal], None] | None = None,
    retention: timedelta | None = None,
    on_released: Callable[[tuple[DecimalOrder, ...]], None] | None = None,
    account: str = DEFAULT_ACCOUNT,
) -> ReplayResult:
    """Fold a JSON Lines execution log of one ``account`` into ``book`` (an empty
    one by default); a line naming another account is refused.

    ``progress`` is called with the number of lines read every ``every`` lines.

    With a ``retention``, finished orders are released from the book
    (:meth:`~orders.book.OrderBook.release`) once they last changed more than
    ``retention`` before the log's clock, the latest ``dt`` of its price and
    time lines, so memory follows the working orders rather than the length of
    the log. Releases run every :data:`RELEASE_EVERY` lines of the account and
    once at the end; each batch of released orders is handed to ``on_released``.
    """
    released = None if on_released is None else (lambda _, orders: on_released(orders))
    settings = ReplaySettings(keep_refused, on_refused, retention, released)
    fold = ReplayFold(settings, only=account, book=book)
    fold.read(lines, progress=progress, every=every)
    return attrs.evolve(fold.account(account).result(), lines=fold.lines)


def replay_accounts(
    lines: Iterable[str | bytes],
    progress: Callable[[int], None] | None = None,
    every: int = 100_000,
    *,
    keep_refused: int = 10_000,
    on_refused: Callable[[Refusal], None] | None = None,
    retention: timedelta | None = None,
    on_released: Callable[[str, tuple[DecimalOrder, ...]], None] | None = None,
) -> AccountsResult:
    """Fold a log whose lines may name an ``"account"`` into one book per account.

    No line of one account affects another's book, and each account is folded
    as :func:`replay` folds its lines alone (``keep_refused`` and releases
    count per account). ``on_released`` is called with the account and the
    orders released from its book.
    """
    fold = ReplayFold(ReplaySettings(keep_refused, on_refused, retention, on_released))
    fold.read(lines, progress=progress, every=every)
    return fold.result()


def replay_files(
    paths: Sequence[str | os.PathLike[str]],
    progress: Callable[[int], None] | None = None,
    every: int = 100_000,
    *,
    keep_refused: int = 10_000,
    retention: timedelta | None = None,
) -> AccountsResult:
    """:func:`replay_accounts` over several log files read one after the other,
    each refusal naming its file and its line number in that file."""
    fold = ReplayFold(ReplaySettings(keep_refused, None, retention, None))
    for path in checked_paths(paths):
        fold.read(file_lines(path), progress=progress, every=every, source=path)
    return fold.result()


def file_lines(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The lines of a file; an error while reading it names the file."""
    with open(path, "rb") as log:
        try:
            yield from log
        except OSError as error:
            if error.filename is not None:
                raise
            raise OSError(error.errno, error.strerror, os.fspath(path)) from error


def partition_of(account: str, partitions: int) -> int:
    """The partition, of ``partitions``, that an account's lines go to: the same
    in every process (a CRC-32 of the name, not Python's salted ``hash``; a lone
    surrogate in the name counts as its three UTF-8-style bytes)."""
    return zlib.crc32(account.encode("utf-8", "surrogatepass")) % partitions


class ReplayFold:
    """A replay under way: the accounts seen so far, and the refusals that belong to none."""

    def __init__(
        self, settings: ReplaySettings, *, only: str | None = None, book: OrderBook | None = None
    ) -> None:
        self.settings = settings
        self.only = only
        self.accounts: dict[str, _Account] = {}
        if only is not None:
            start = OrderBook() if book is None else book
            self.accounts[only] = _Account(self.settings, only, start)
        self.unassigned = settings.refusals()
        self.lines = 0

    def account(self, name: str) -> _Account:
        state = self.accounts.get(name)
        if state is None:
            state = self.accounts[name] = _Account(self.settings, name, OrderBook())
        return state

    def read(
        self,
        lines: Iterable[str | bytes],
        *,
        progress: Callable[[int], None] | None = None,
        every: int = 100_000,
        source: str | None = None,
    ) -> None:
        """Fold ``lines``, numbered from 1, as the lines of ``source``."""
        if type(every) is not int or every < 1:
            raise BadOrderParameters(f"every must be a positive int; got {quote(every)}")
        for number, raw in enumerate(log_lines(lines), start=1):
            self.line(number, raw, source)
            if progress is not None and self.lines % every == 0:
                progress(self.lines)

    def line(self, number: int, raw: str | bytes, source: str | None) -> None:
        """Fold one line: find its account, then apply it to that account's book."""
        self.lines += 1
        read = read_line(number, raw, source)
        if read is None:
            return
        if isinstance(read, Refusal):
            if self.only is None:
                self.unassigned.add(read)
            else:
                self.accounts[self.only].refuse_line(read)
            return
        text, record, name = read
        if self.only is not None and name != self.only:
            other = SerializationError(
                f"at $.account: the line is for account {name!r}; this replay folds "
                f"account {self.only!r} (replay_accounts folds every account)",
                path="$.account",
            )
            self.accounts[self.only].refuse_line(
                Refusal.of(number, text, other, source)
            )
            return
        self.account(name).apply(number, text, record, source)

    def result(self) -> AccountsResult:
        return AccountsResult(
            {name: self.accounts[name].result() for name in sorted(self.accounts)},
            tuple(self.unassigned.kept),
            self.unassigned.count,
            self.lines,
        )


def read_line(
    number: int, raw: str | bytes, source: str | None = None, *, first: bool | None = None
) -> tuple[str, dict[str, Any], str] | Refusal | None:
    """Line ``number`` as its text, record and account (:data:`DEFAULT_ACCOUNT`
    when it names none); ``None`` when it is blank; its refusal when it cannot be
    read far enough to know its account. Only the ``first`` line of a file (by
    default, line 1) may begin with a byte-order mark."""
    text = ""
    try:
        text = _text(raw, first=number == 1 if first is None else first).strip()
        if not text:
            return None
        record = parse_json(text)
        if not isinstance(record, dict):
            raise SerializationError(f"a log line must be a JSON object; got {quote(record)}")
        name = record.get("account", DEFAULT_ACCOUNT)
        if type(name) is not str or ("account" in record and not name):
            raise SerializationError(
                f"at $.account: an account is a non-empty string; got {quote(name)}",
                path="$.account",
            )
    except Exception as exc:
        return Refusal.of(number, text or raw, exc, source)
    return text, record, name


class ReplaySettings:
    """What every account of a replay is folded with, checked once (held apart
    from the fold, so that an account does not refer back to it)."""

    __slots__ = ("keep", "on_refused", "on_released", "retention")

    def __init__(
        self,
        keep: int,
        on_refused: Callable[[Refusal], None] | None,
        retention: timedelta | None,
        on_released: Callable[[str, tuple[DecimalOrder, ...]], None] | None,
    ) -> None:
        if type(keep) is not int or keep < 0:
            raise BadOrderParameters(
                f"keep_refused must be an int of zero or more; got {quote(keep)}"
            )
        if retention is not None and (type(retention) is not timedelta or retention < _NO_TIME):
            raise BadOrderParameters(
                f"retention must be a timedelta of zero or more, or None; got {quote(retention)}"
            )
        self.keep = keep
        self.on_refused = on_refused
        self.retention = retention
        self.on_released = on_released

    def refusals(self) -> RefusalRecord:
        """An empty record of refused lines, kept and reported as these settings say."""
        return RefusalRecord(self.keep, self.on_refused)


class RefusalRecord:
    """Refused lines: every one counted and handed to ``report``, the first
    ``keep`` of them kept."""

    __slots__ = ("count", "keep", "kept", "report")

    def __init__(self, keep: int, report: Callable[[Refusal], None] | None = None) -> None:
        self.keep = keep
        self.report = report
        self.kept: list[Refusal] = []
        self.count = 0

    def add(self, refusal: Refusal) -> None:
        self.count += 1
        if len(self.kept) < self.keep:
            self.kept.append(refusal)
        if self.report is not None:
            self.report(refusal)


class _Account:
    """One account's replay under way: its book, its clock and its refused lines."""

    def __init__(self, settings: ReplaySettings, name: str, book: OrderBook) -> None:
        self.settings = settings
        self.name = name
        self.book = book
        self.clock: datetime | None = None
        self.assets: dict[str, Asset] = {}
        self.lines = 0
        self.refused = settings.refusals()
        self.reconciled: list[Reconciled] = []

    def apply(self, number: int, text: str, record: dict[str, Any], source: str | None) -> None:
        self.lines += 1
        try:
            reconciled = self.apply_record(record)
        except Exception as exc:
            self.refused.add(Refusal.of(number, text, exc, source))
        else:
            if reconciled is not None:
                self.reconciled.append(Reconciled(number, *reconciled, source))
        if self.lines % RELEASE_EVERY == 0 and self.settings.retention is not None:
            self.release()

    def apply_record(self, record: dict[str, Any]) -> Outcome:
        op = record.get("op")
        operation = _FIELDS.get(op) if isinstance(op, str) else None
        if operation is None:
            raise SerializationError(
                f"at $.op: unknown op {quote(record.get('op'))}; ops are "
                f"{', '.join(sorted(OPS))}",
                path="$.op",
            )
        function, required, optional = operation
        return function(self, json_object(record, "$", required, optional))

    def refuse_line(self, refusal: Refusal) -> None:
        """Count a line of this account's replay that was refused before it was applied."""
        self.lines += 1
        self.refused.add(refusal)

    def result(self) -> ReplayResult:
        if self.settings.retention is not None:
            self.release()
        return ReplayResult(self.book, tuple(self.refused.kept), self.lines, self.refused.count,
                            tuple(self.reconciled))

    def at(self, dt: datetime | None) -> None:
        """Move the clock to ``dt`` if it is later (the book has accepted it). While
        the book holds no order it accepts times of either kind; the clock then
        takes the latest given."""
        if dt is None:
            return
        if self.clock is None or is_aware(dt) != is_aware(self.clock) or dt > self.clock:
            self.clock = dt

    def asset(self, value: object, path: str) -> Hashable:
        """The asset a line names: a defined Asset for its symbol, else as written."""
        asset = structure_at(value, Hashable, path)
        return self.assets.get(asset, asset) if type(asset) is str else asset

    def release(self) -> None:
        """Release the orders that finished ``retention`` before the account's clock."""
        if self.clock is None or self.settings.retention is None:
            return
        released = self.book.release(self.clock - self.settings.retention)
        self.book = released.book
        if released.orders and self.settings.on_released is not None:
            self.settings.on_released(self.name, released.orders)


def _text(raw: str | bytes, *, first: bool) -> str:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SerializationError(
                f"the line is not UTF-8: byte {raw[exc.start]:#04x} at position {exc.start}"
            ) from None
    if not isinstance(raw, str):
        raise SerializationError(f"a log line is str or bytes; got {quote(raw)}")
    return raw.removeprefix(_BOM) if first else raw


def log_lines(lines: Iterable[str | bytes]) -> Iterator[str | bytes]:
    """An iterator over ``lines``, refusing one whole text given for them or
    anything that cannot be iterated."""
    if isinstance(lines, str | bytes | bytearray | memoryview):
        start = lines[:40] if isinstance(lines, str) else bytes(lines[:40])
        raise BadOrderParameters(
            "lines must be an iterable of lines (a file, a list of str or bytes), not one "
            f"{type(lines).__name__}: split a text with splitlines(); got {quote(start)}"
        )
    if not isinstance(lines, Iterable):
        raise BadOrderParameters(
            f"lines must be an iterable of str or bytes (a log); got {quote(lines)}"
        )
    return iter(lines)


def checked_paths(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """``paths`` as strings (bytes decoded as :func:`os.fsdecode` does); one path
    given alone, an unordered set of paths or anything else that is not a
    sequence of them is refused."""
    if isinstance(paths, str | bytes | os.PathLike):
        raise BadOrderParameters(
            f"paths must be a sequence of paths, not one path; got {quote(paths)}: "
            "pass [path] for a single file"
        )
    if isinstance(paths, AbstractSet) or not isinstance(paths, Iterable):
        raise BadOrderParameters(
            "paths must be a sequence of paths, read in its order (a list or a tuple); "
            f"got {quote(paths)}"
        )
    return [_path(path) for path in paths]


def _path(path: str | os.PathLike[str]) -> str:
    try:
        return os.fsdecode(path)
    except TypeError:
        raise BadOrderParameters(
            f"each path must be a str, bytes or os.PathLike; got {quote(path)}"
        ) from None


def _excerpt(line: object) -> str:
    """The first :data:`EXCERPT` characters of a refused line: of a ``str``, as
    given; of ``bytes``, without the spaces and line end around it, decoded with
    U+FFFD for what is not UTF-8; of an item that is not a line, its representation."""
    if isinstance(line, bytes):
        # No character takes more than 4 bytes: these hold the first EXCERPT.
        text = line.strip()[: 4 * EXCERPT].decode("utf-8", "replace")
    else:
        text = line if isinstance(line, str) else quote(line)
    return text[:EXCERPT]


def _reason(exc: Exception) -> str:
    kind = type(exc).__name__ if isinstance(exc, OrderError) else f"unexpected {type(exc).__name__}"
    reason = f"{kind}: {exc}"
    if len(reason) > _LONGEST_REASON:
        return reason[: _LONGEST_REASON - 3] + "..."
    return reason


def _optional(record: dict[str, Any], name: str, kind: Any) -> Any:
    value = record.get(name)
    return None if value is None else structure_at(value, kind, f"$.{name}")


def _keyword_types() -> dict[str, Any]:
    """For each keyword of DecimalOrder: Decimal or datetime when it takes one, else None."""
    types: dict[str, Any] = {}
    for name, hint in typing.get_type_hints(DecimalOrder.__new__).items():
        kinds = typing.get_args(hint) or (hint,)
        types[name] = next((kind for kind in (datetime, Decimal) if kind in kinds), None)
    types.pop("return")
    return types


_ORDER_KEYWORDS = _keyword_types()
# Enums in a log line may be given by name or by value.
_ENUM_KEYWORDS: dict[str, type[Enum]] = {"status": ORDER_STATUS, "order_type": OrderType}


def _enum(kind: type[Enum], value: object, path: str) -> Enum:
    if isinstance(value, str) and value in kind.__members__:
        return kind[value]
    member = enum_member(kind, value)
    if member is None:
        names = ", ".join(member.name for member in kind)
        raise SerializationError(
            f"at {path}: expected one of {names}; got {quote(value)}", path=path
        )
    return member


def _define_asset(state: _Account, record: dict[str, Any]) -> None:
    asset = structure_at(record["asset"], Hashable, "$.asset")
    if not isinstance(asset, Asset):
        raise SerializationError(
            f"at $.asset: expected an Asset object; got {quote(asset)}", path="$.asset"
        )
    known = state.assets.setdefault(asset.symbol, asset)
    if known != asset:
        raise SerializationError(
            f"at $.asset: {quote(asset.symbol)} is already defined as {quote(known)}; "
            "a log defines each symbol once",
            path="$.asset",
        )


def _submit(state: _Account, record: dict[str, Any]) -> None:
    if ("order" in record) == ("orders" in record):
        raise SerializationError(
            'at $: an order line holds either "order" or "orders"', path="$"
        )
    if "order" in record:
        orders = [_order(state, record["order"], "$.order")]
    else:
        items = json_list(record["orders"], "$.orders")
        orders = [_order(state, item, f"$.orders[{index}]") for index, item in enumerate(items)]
    state.book = state.book.submit(*orders, link_mode=_link_mode(record),
                                   arming=_optional(record, "arming", str),
                                   reduce_only=_optional(record, "reduce_only", bool) or False).book


def _order(state: _Account, data: object, at: str) -> DecimalOrder:
    keywords = json_object(data, at, (), tuple(_ORDER_KEYWORDS))
    if not keywords:
        raise SerializationError(
            f"at {at}: an order needs at least dt, asset and amount", path=at
        )
    converted: dict[str, Any] = {}
    for name, value in keywords.items():
        path = f"{at}.{name}"
        if value is None:
            converted[name] = None
        elif name in _ENUM_KEYWORDS:
            converted[name] = _enum(_ENUM_KEYWORDS[name], value, path)
        elif name == "asset":
            converted[name] = state.asset(value, path)
        elif name == "pending":
            converted[name] = structure_at(value, tuple[Request, ...], path)
        elif _ORDER_KEYWORDS[name] is not None:
            converted[name] = structure_at(value, _ORDER_KEYWORDS[name], path)
        else:
            converted[name] = value
    try:
        return DecimalOrder(**converted)
    except TypeError as exc:  # a required keyword is missing
        raise SerializationError(f"at {at}: {exc}", path=at) from None


def _link_mode(record: dict[str, Any]) -> LinkMode | None:
    value = record.get("link_mode")
    return None if value is None else _enum(LinkMode, value, "$.link_mode")  # type: ignore[return-value]


def _place(state: _Account, record: dict[str, Any]) -> None:
    ids = _optional(record, "ids", tuple[str, ...])
    state.book = state.book.place(
        structure_at(record["dt"], datetime, "$.dt"),
        state.asset(record["asset"], "$.asset"),
        structure_at(record["amount"], Decimal, "$.amount"),
        structure_at(record["style"], Style, "$.style"),
        ids=ids,
        link_mode=_link_mode(record),
        arming=_optional(record, "arming", str),
        reduce_only=_optional(record, "reduce_only", bool) or False,
        time_in_force=record.get("time_in_force"),
        valid_until=_optional(record, "valid_until", datetime),
        post_only=_optional(record, "post_only", bool) or False,
    ).book


def _event(state: _Account, record: dict[str, Any]) -> None:
    order_id = structure_at(record["order_id"], str, "$.order_id")
    cause = structure_cause(record["cause"], "$.cause") if "cause" in record else None
    event = structure_at(record["event"], Event, "$.event")
    state.book = state.book.apply(order_id, event, cause).book


def _price(state: _Account, record: dict[str, Any]) -> None:
    dt = _optional(record, "dt", datetime)
    state.book = state.book.on_price(
        state.asset(record["asset"], "$.asset"),
        structure_at(record["price"], Decimal, "$.price"),
        dt,
    ).book
    state.at(dt)


def _bar(state: _Account, record: dict[str, Any]) -> None:
    dt = _optional(record, "dt", datetime)
    state.book = state.book.on_bar(
        state.asset(record["asset"], "$.asset"), structure_at(record["bar"], Bar, "$.bar"), dt
    ).book
    state.at(dt)


def _close(state: _Account, record: dict[str, Any]) -> None:
    dt = structure_at(record["dt"], datetime, "$.dt")
    state.book = state.book.close_position(
        state.asset(record["asset"], "$.asset"), dt,
        id=structure_at(record["id"], str, "$.id"),
        reason=structure_at(record["reason"], str, "$.reason"),
    ).book
    state.at(dt)


def _release(state: _Account, record: dict[str, Any]) -> None:
    state.book = state.book.release(structure_at(record["before"], datetime, "$.before")).book


def _time(state: _Account, record: dict[str, Any]) -> None:
    dt = structure_at(record["dt"], datetime, "$.dt")
    state.book = state.book.on_time(dt).book
    state.at(dt)


def _snapshot(state: _Account, record: dict[str, Any]) -> Outcome:
    inferred = structure_at(record["inferred"], bool, "$.inferred")
    reconciliation = reconcile(state.book, structure_at(record["snapshot"], Snapshot, "$.snapshot"))
    state.book = reconciliation.apply(state.book, inferred=inferred).book
    applied = tuple(step for step in reconciliation.steps if inferred or not step.inferred)
    return applied, reconciliation.findings


READERS: dict[str, Callable[[_Account, dict[str, Any]], Outcome]] = {
    "asset": _define_asset,
    "order": _submit,
    "place": _place,
    "event": _event,
    "price": _price,
    "bar": _bar,
    "time": _time,
    "release": _release,
    "close": _close,
    "snapshot": _snapshot,
}
"""What applies each op of :data:`orders.io.log.OPS` to an account."""

# Each op: what applies it, what its line must hold (its op, then the op's
# fields) and what it may hold (its account, its chain value, the op's optional
# fields).
_FIELDS = {
    op.name: (READERS[op.name], ("op", *op.required), (ACCOUNT, CHAIN, *op.optional))
    for op in OPS.values()
}
