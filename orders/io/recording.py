"""Recording a live session as the JSON Lines log that :func:`~orders.io.replay.replay` reads.

A :class:`Recorder` wraps an :class:`~orders.book.OrderBook` and offers the
book's operations. Each call is applied to the book first; only when the book
accepts it are its log lines handed to ``write``, and only once ``write`` has
taken them does the recorder keep the new book. If ``write`` raises (a full
disk), the exception propagates and the operation does not happen. So the log
holds exactly the operations that made the book, and replaying it gives an
equal book.

An :class:`~orders.assets.Asset` is written once, as an ``"asset"`` line, the
first time the session uses it; later lines name it by its symbol, so the
replayed orders round their prices to the same tick. An asset line that
``write`` took defines the symbol even when the operation's own line then
failed, since the log holds it. A second, different asset with a symbol
already defined is written in full wherever it appears, and a plain ``str``
equal to a defined symbol is refused.

:meth:`Recorder.reconcile` brings the book to what the venue reports on a
reconnect and writes a ``"snapshot"`` line holding the venue's snapshot, so
the replay reconciles at the same point and comes to the same book.

A recorder made with ``chained=True`` writes each line with its ``"chain"``
value (:mod:`orders.io.chain`), the running hash that makes the log
tamper-evident; the chain moves on only past lines ``write`` took.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from orders._checks import decimal_text, quote
from orders.assets import Asset
from orders.book.audit import Cause
from orders.book.orderbook import (
    BookResult,
    OrderBook,
    Placement,
    Released,
    Submit,
    method_taking,
)
from orders.book.reconcile import Reconciliation, Snapshot, reconcile
from orders.book.rules import Arming, LinkMode
from orders.decimals import DecimalInput, to_decimal
from orders.errors import BadOrderParameters
from orders.events import Bar, Cancel, Event
from orders.io.chain import START, chain_value
from orders.io.documents import (
    CONVERTER,
    SerializationError,
    datetime_text,
    unstructure,
    unstructure_asset,
    unstructure_cause,
    unstructure_state,
)
from orders.io.log import CHAIN, line, line_text
from orders.order.value import DecimalOrder

__all__ = ["Recorder"]


class Recorder:
    """An order book that writes every operation it accepts as a replayable log line.

    ``write`` receives each line as a ``str`` without its newline (a list's
    ``append``, or ``lambda line: file.write(line + "\\n")``). The book is
    :attr:`book`; each operation returns what the book's own method returns.
    The book starts empty unless one is given, and then the log replays to the
    recorded book only on top of that starting book. With an ``account`` every
    line names it, so the logs of several accounts can be merged and replayed
    with :func:`~orders.io.replay.replay_accounts`. With ``chained=True``
    every line holds its ``"chain"`` value, the SHA-256 of the previous line's
    value and the line's text, which :func:`~orders.io.chain.verify_chain`
    and ``python -m orders replay --verify`` check; the chain starts at
    :data:`~orders.io.chain.START`, whatever the starting book.
    """

    def __init__(
        self,
        write: Callable[[str], object],
        book: OrderBook | None = None,
        *,
        account: str | None = None,
        chained: bool = False,
    ) -> None:
        if account is not None and (type(account) is not str or not account):
            raise BadOrderParameters(f"account must be a non-empty str; got {quote(account)}")
        if type(chained) is not bool:
            raise BadOrderParameters(f"chained must be True or False; got {quote(chained)}")
        self._tag = {} if account is None else {"account": account}
        self._write = write
        self._book = OrderBook() if book is None else book
        self._assets: dict[str, Asset] = {}
        self._chain = START if chained else None

    @property
    def book(self) -> OrderBook:
        """The book as the recorded operations left it."""
        return self._book

    @property
    def chain(self) -> str | None:
        """The chain value of the last line written (:data:`~orders.io.chain.START`
        before the first), to keep apart from the log: a log cut short verifies,
        but no longer ends at this value. None when the recorder does not chain."""
        return self._chain

    def submit(
        self,
        *orders: DecimalOrder,
        link_mode: LinkMode | str | None = None,
        arming: Arming | str | None = None,
        reduce_only: bool = False,
    ) -> BookResult:
        """:meth:`~orders.book.OrderBook.submit`, recorded as one
        ``"order"`` line holding every order (so linked orders stay one submit)."""
        for order in orders:
            if isinstance(order, DecimalOrder) and order.history:
                raise SerializationError(
                    f"a recorded submit takes new orders; order {order.id!r} has a history "
                    f"of {len(order.history)} events (submit it before applying them)"
                )
        return self._record(
            self._book.submit(*orders, link_mode=link_mode, arming=arming,
                              reduce_only=reduce_only),
            lambda naming: line(
                "order",
                orders=[naming.keywords(order) for order in orders],
                **_mode(link_mode),
                **_arming(arming),
                **({"reduce_only": True} if reduce_only else {}),
            ),
        )

    @method_taking(Placement)
    def place(self, placement: Placement) -> BookResult:
        """:meth:`~orders.book.OrderBook.place`, recorded as the ``"order"`` line of
        the orders it builds, under their ids; it takes the arguments of
        :class:`~orders.book.orderbook.Placement`."""
        return self.submit(*placement.orders(), link_mode=placement.link_mode,
                           arming=placement.arming, reduce_only=placement.reduce_only)

    def apply(self, order_id: str, event: Event, cause: Cause | None = None) -> BookResult:
        """:meth:`~orders.book.OrderBook.apply`, recorded as an ``"event"`` line
        (with the ``cause``, when the host gives one, for the audit trail)."""
        return self._record(
            self._book.apply(order_id, event, cause),
            lambda _: line(
                "event",
                order_id=order_id,
                event=CONVERTER.unstructure(event, unstructure_as=Event),
                **({} if cause is None else {"cause": unstructure_cause(cause)}),
            ),
        )

    def cancel(self, order_id: str, reason: str = "") -> BookResult:
        """:meth:`~orders.book.OrderBook.cancel`, recorded as its ``Cancel`` event."""
        return self.apply(order_id, Cancel(reason))

    def on_price(
        self, asset: Hashable, price: DecimalInput, dt: datetime | None = None
    ) -> BookResult:
        """:meth:`~orders.book.OrderBook.on_price`, recorded as a ``"price"`` line."""
        return self._record(
            self._book.on_price(asset, price, dt),
            lambda naming: line(
                "price",
                asset=naming.name(asset),
                price=decimal_text(to_decimal(price, "price", BadOrderParameters)),
                **_optional_dt(dt),
            ),
        )

    def on_bar(self, asset: Hashable, bar: Bar, dt: datetime | None = None) -> BookResult:
        """:meth:`~orders.book.OrderBook.on_bar`, recorded as a ``"bar"`` line."""
        return self._record(
            self._book.on_bar(asset, bar, dt),
            lambda naming: line(
                "bar",
                asset=naming.name(asset),
                bar=CONVERTER.unstructure(bar, Bar),
                **_optional_dt(dt),
            ),
        )

    def on_time(self, dt: datetime) -> BookResult:
        """:meth:`~orders.book.OrderBook.on_time`, recorded as a ``"time"`` line."""
        return self._record(self._book.on_time(dt), lambda _: line("time", **_dt(dt)))

    def close_position(
        self, asset: Hashable, dt: datetime, *, id: str | None = None,  # noqa: A002
        reason: str = "closing the position",
    ) -> BookResult:
        """:meth:`~orders.book.OrderBook.close_position`, recorded as a ``"close"``
        line naming the id of the order it placed, so a replay places the same one."""
        result = self._book.close_position(asset, dt, id=id, reason=reason)
        placed = [item.order_id for item in result.derived if isinstance(item.event, Submit)]
        if not placed:
            return result
        return self._record(result, lambda naming: line(
            "close", asset=naming.name(asset), dt=datetime_text(dt), id=placed[-1],
            reason=reason,
        ))

    def release(self, before: datetime) -> Released:
        """:meth:`~orders.book.OrderBook.release`, recorded as a
        ``"release"`` line, so the replayed book lets go of the same orders."""
        released = self._book.release(before)
        self._commit(released.book, lambda _: line("release", before=datetime_text(before)))
        return released

    def reconcile(
        self, snapshot: Snapshot, *, inferred: bool = True
    ) -> tuple[Reconciliation, BookResult]:
        """:func:`~orders.book.reconcile.reconcile` the book with what the venue
        reports and apply the steps (the inferred fills only when ``inferred``),
        recorded as a ``"snapshot"`` line holding the snapshot. Returns the
        reconciliation (its steps and findings) and what applying it returned:
        the book and, in the live mode, the requests its links derived."""
        if not isinstance(snapshot, Snapshot):
            raise BadOrderParameters(f"snapshot must be a Snapshot; got {quote(snapshot)}")
        if type(inferred) is not bool:
            raise BadOrderParameters(f"inferred must be True or False; got {quote(inferred)}")
        reconciliation = reconcile(self._book, snapshot)
        result = self._record(
            reconciliation.apply(self._book, inferred=inferred),
            lambda _: line("snapshot", snapshot=unstructure(snapshot)["value"], inferred=inferred),
        )
        return reconciliation, result

    # Writing lines.

    def _record(
        self, result: BookResult, write_line: Callable[[_Naming], dict[str, Any]]
    ) -> BookResult:
        """Keep the book of an accepted operation and write its lines."""
        self._commit(result.book, write_line)
        return result

    def _commit(
        self, book: OrderBook, write_line: Callable[[_Naming], dict[str, Any]]
    ) -> None:
        """Write the lines of an operation the book accepted, then keep its book: if
        ``write`` raises, the exception propagates and the book is unchanged. An
        asset line ``write`` took stays defined, as it is in the log."""
        naming = _Naming(self._assets, self._tag)
        operation = {**write_line(naming), **self._tag}
        *definitions, text = self._texts([*naming.definitions.values(), operation])
        for asset, definition in zip(naming.definitions, definitions, strict=True):
            self._put(definition)
            self._assets[asset.symbol] = asset
        self._put(text)
        self._book = book

    def _texts(self, records: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
        """Each record's line text and, when the log is chained, its chain value,
        each following from the one before it."""
        if self._chain is None:
            return [(line_text(record), None) for record in records]
        texts: list[tuple[str, str | None]] = []
        previous = self._chain
        for record in records:
            previous = chain_value(previous, record)
            texts.append((line_text({**record, CHAIN: previous}), previous))
        return texts

    def _put(self, written: tuple[str, str | None]) -> None:
        """Write a line; once ``write`` has taken it, the chain moves on to its value."""
        text, chain = written
        self._write(text)
        self._chain = chain


class _Naming:
    """How the lines of one operation name assets, and the definitions they need first."""

    def __init__(self, assets: dict[str, Asset], tag: dict[str, str]) -> None:
        self.assets = dict(assets)
        self.tag = tag
        self.definitions: dict[Asset, dict[str, Any]] = {}
        """The asset lines the operation's line needs first, by asset, in order."""

    def name(self, asset: object) -> object:
        """``asset`` as a line names it: an Asset by its symbol once defined."""
        if type(asset) is str and asset in self.assets:
            raise SerializationError(
                f"cannot record the asset {quote(asset)}: the log names "
                f"{quote(self.assets[asset])} by that symbol"
            )
        written = unstructure_asset(asset)
        if not isinstance(asset, Asset):
            return written
        known = self.assets.get(asset.symbol)
        if known is None:
            self.assets[asset.symbol] = asset
            self.definitions[asset] = {**line("asset", asset=written), **self.tag}
            return asset.symbol
        return asset.symbol if known == asset else written

    def keywords(self, order: DecimalOrder) -> dict[str, Any]:
        """The constructor keywords that rebuild ``order``, defaults left out."""
        state = unstructure_state(order)
        keywords = {**state.pop("terms"), **state, "asset": self.name(order.asset)}
        if keywords["created"] == keywords["dt"]:
            del keywords["created"]
        return {
            name: value for name, value in sorted(keywords.items())
            if value is not None and _DEFAULTS.get(name, _NO_DEFAULT) != value
        }


_NO_DEFAULT = object()
_DEFAULTS: dict[str, object] = {
    "status": "OPEN", "filled": "0", "notional": "0", "commission": "0", "reason": "",
    "stop_reached": False, "limit_reached": False, "time_in_force": "GTC",
    "linked_order_ids": [], "pending": [],
}
"""Keyword values an order line may leave out: the constructor's defaults, as written."""


def _arming(arming: Arming | str | None) -> dict[str, str]:
    """The ``"arming"`` field of an order line: written only when given, so logs of
    brackets that arm on the first fill read as before."""
    if arming is None:
        return {}
    return {"arming": arming.value if isinstance(arming, Arming) else arming}


def _mode(link_mode: LinkMode | str | None) -> dict[str, str]:
    if link_mode is None:
        return {}
    return {"link_mode": link_mode.name if isinstance(link_mode, LinkMode) else link_mode}


def _dt(dt: datetime) -> dict[str, str]:
    return {"dt": datetime_text(dt)}


def _optional_dt(dt: datetime | None) -> dict[str, str]:
    return {} if dt is None else _dt(dt)

