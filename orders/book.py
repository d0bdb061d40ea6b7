"""The order book: every order of an account, their links, and the linking rules.

:class:`OrderBook` is an immutable value and a pure reducer in the sans-I/O
style. It never talks to a broker: each call returns a :class:`BookResult`
holding the new book and the events the book derived (cancel the other leg,
activate a bracket's children, a stop that triggered), so the host can forward
them. The old book is unchanged, and an event that is refused raises and
changes nothing.

Linking rules:

* **OCO legs** (orders that name each other in ``linked_order_ids``): the first
  fill of either leg, partial or full, cancels the other, or in the
  one-updates-other mode reduces the other's amount by the quantity filled.
  Cancelling, rejecting or expiring a leg cancels the other.
* **Bracket children** (orders with a ``parent_order_id``) rest HELD until the
  entry fills. The entry's first fill activates them for the quantity filled
  so far, and further entry fills grow them to match. Cancelling, rejecting or
  expiring the entry before any fill cancels both children; after a partial
  fill they stay active for the filled quantity. Once active they are an OCO
  pair, by default in the one-updates-other mode, so together they always
  cover the open position.
* **Time in force**: :meth:`OrderBook.on_time` expires every active order
  whose ``valid_until`` has come, and the expiry cascades as a cancel.

Costs do not grow with the size of the book: orders live in a persistent hash
map, and the orders a price or a time can move are kept in persistent ordered
indexes (by stop, by trailing mark, by limit, by expiry), so
:meth:`OrderBook.on_price` visits only the orders it changes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs
import immutables

from orders import _treap, market
from orders.decimals import DecimalInput, exact_add, exact_subtract, non_negative_price
from orders.errors import BadOrderParameters, OrderError
from orders.events import Amend, Cancel, Event, Expire, Release
from orders.linked import bracket_orders, oco_orders
from orders.machine import WATCHING, apply
from orders.order import DecimalOrder
from orders.order_type import TimeInForce
from orders.status import ACTIVE_STATUSES, ORDER_STATUS
from orders.styles import BracketOrder, ExecutionStyle, OCOOrder
from orders.triggers import check_triggers

__all__ = ["BookResult", "Derived", "LinkMode", "OrderBook", "UnknownOrderError"]

_HELD = ORDER_STATUS.HELD
_ENDED = frozenset({ORDER_STATUS.CANCELLED, ORDER_STATUS.REJECTED})


class UnknownOrderError(OrderError):
    """An order id the book does not hold."""


class LinkMode(StrEnum):
    """What a fill of one linked leg does to the other."""

    CANCEL = "cancel"
    """One-cancels-other: the first fill cancels the other leg."""
    REDUCE = "reduce"
    """One-updates-other: a fill reduces the other leg by the same quantity."""


@attrs.frozen
class Derived:
    """An event the book applied to ``order_id`` as a consequence."""

    order_id: str
    event: Event


@attrs.frozen
class BookResult:
    """The new book and the events it derived, in the order it applied them."""

    book: OrderBook
    derived: tuple[Derived, ...]


_EMPTY: immutables.Map[Any, Any] = immutables.Map()


@attrs.frozen
class OrderBook:
    """Every order of an account, with their links and the indexes that find them."""

    orders: immutables.Map[str, DecimalOrder] = _EMPTY
    link_modes: immutables.Map[str, LinkMode] = _EMPTY
    children_of: immutables.Map[str, tuple[str, ...]] = _EMPTY
    # Derived from the orders: which orders a price or a time can move.
    index: immutables.Map[tuple[Hashable, str], _treap.Tree] = attrs.field(
        default=_EMPTY, eq=False, repr=False
    )
    active_by_asset: immutables.Map[Hashable, immutables.Map[str, None]] = attrs.field(
        default=_EMPTY, eq=False, repr=False
    )

    # Queries.

    def __len__(self) -> int:
        return len(self.orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self.orders

    def __getitem__(self, order_id: str) -> DecimalOrder:
        return self.get(order_id)

    def get(self, order_id: str) -> DecimalOrder:
        """The order with ``order_id``; :class:`UnknownOrderError` if there is none."""
        try:
            return self.orders[order_id]
        except KeyError:
            raise UnknownOrderError(f"the book holds no order {order_id!r}") from None

    def open_orders(self, asset: Hashable | None = None) -> list[DecimalOrder]:
        """Active orders (OPEN, HELD, TRIGGERED, PARTIALLY_FILLED), of one asset if given.

        The order of the list carries no meaning.
        """
        if asset is None:
            return [order for order in self.orders.values() if order.status in ACTIVE_STATUSES]
        ids = self.active_by_asset.get(asset, _EMPTY)
        return [self.orders[order_id] for order_id in ids]

    def orders_with_status(self, *statuses: ORDER_STATUS) -> list[DecimalOrder]:
        """Orders in any of ``statuses``."""
        wanted = frozenset(statuses)
        return [order for order in self.orders.values() if order.status in wanted]

    def children(self, order_id: str) -> list[DecimalOrder]:
        """The bracket children of an entry order."""
        return [self.orders[child] for child in self.children_of.get(order_id, ())]

    def siblings(self, order_id: str) -> list[DecimalOrder]:
        """The orders linked to ``order_id`` (the other OCO leg or bracket child)."""
        return [self.orders[other] for other in self.get(order_id).linked_order_ids]

    # Changing the book.

    def submit(
        self, *orders: DecimalOrder, link_mode: LinkMode | str | None = None
    ) -> BookResult:
        """Add new orders; links among them (or to orders in the book) are checked.

        ``link_mode`` sets how linked legs treat each other's fills; by default
        OCO legs cancel each other and bracket children reduce each other.
        """
        mode = _link_mode(link_mode)
        builder = _Builder(self)
        for order in orders:
            if not isinstance(order, DecimalOrder):
                raise BadOrderParameters(f"submit takes DecimalOrder values; got {order!r}")
            if order.id in builder.orders:
                raise BadOrderParameters(f"order id {order.id!r} is already in the book")
            builder.store(order)
        for order in orders:
            builder.link(order, mode)
        return builder.result()

    def place(
        self,
        dt: datetime,
        asset: Hashable,
        amount: DecimalInput,
        style: ExecutionStyle,
        *,
        ids: Sequence[str] | None = None,
        link_mode: LinkMode | str | None = None,
        time_in_force: TimeInForce | str | None = None,
        valid_until: datetime | None = None,
    ) -> BookResult:
        """Build the orders ``style`` describes (one, an OCO pair or a bracket) and submit them.

        ``ids`` names them, in the order the style lists them; by default they
        get fresh ids.
        """
        count = 2 if isinstance(style, OCOOrder) else 3 if isinstance(style, BracketOrder) else 1
        given: Any = None if ids is None else tuple(ids)
        if given is not None and len(given) != count:
            raise BadOrderParameters(
                f"{type(style).__name__} places {count} order(s), so it takes {count} "
                f"ids; got {list(given)!r}"
            )
        validity: dict[str, Any] = {"time_in_force": time_in_force, "valid_until": valid_until}
        orders: tuple[DecimalOrder, ...]
        if isinstance(style, OCOOrder):
            orders = oco_orders(dt, asset, amount, style, ids=given, **validity)
        elif isinstance(style, BracketOrder):
            orders = bracket_orders(dt, asset, amount, style, ids=given, **validity)
        else:
            single_id = None if given is None else given[0]
            orders = (DecimalOrder.from_style(dt, asset, amount, style, id=single_id, **validity),)
        return self.submit(*orders, link_mode=link_mode)

    def apply(self, order_id: str, event: Event) -> BookResult:
        """Apply ``event`` to one order, then every consequence of its links."""
        builder = _Builder(self)
        builder.apply(order_id, event, derived=False)
        return builder.result()

    def cancel(self, order_id: str, reason: str = "") -> BookResult:
        """Cancel one order (and what its links cancel with it)."""
        return self.apply(order_id, Cancel(reason))

    def on_price(
        self, asset: Hashable, price: DecimalInput, dt: datetime | None = None
    ) -> BookResult:
        """A trade at ``price``: trigger stops, ratchet trailing stops, flag limits.

        Only the orders the price moves are visited, found through the indexes.
        """
        builder = _Builder(self)
        for order_id in self._moved_by(asset, non_negative_price(price, "price")):
            order = builder.orders[order_id]
            builder.replace(order, check_triggers(order, price, dt))
        return builder.result()

    def on_time(self, dt: datetime) -> BookResult:
        """Expire every active order whose ``valid_until`` is at or before ``dt``."""
        builder = _Builder(self)
        for valid_until, order_id in _treap.ascending(self.index.get(_EXPIRY)):
            if valid_until > dt:
                break
            if builder.orders[order_id].status in ACTIVE_STATUSES:
                builder.apply(order_id, Expire(dt), derived=True)
        return builder.result()

    def _moved_by(self, asset: Hashable, price: Decimal) -> list[str]:
        """Ids of the orders of ``asset`` that a trade at ``price`` can change."""
        found: dict[str, None] = {}
        for name, direction, keep in _MOVED_BY:
            keys = direction(self.index.get((asset, name)))
            for level, order_id in keys:
                if not keep(level, price):
                    break
                found[order_id] = None
        return list(found)


# For each index of an asset: the direction to walk it, and while which levels
# (compared with the trade price) its orders are moved by the trade.
_MOVED_BY: tuple[tuple[str, Any, Any], ...] = (
    ("buy_stop", _treap.ascending, lambda stop, price: stop <= price),
    ("sell_stop", _treap.descending, lambda stop, price: stop >= price),
    ("sell_mark", _treap.ascending, lambda highest, price: highest < price),
    ("buy_mark", _treap.descending, lambda lowest, price: lowest > price),
    ("unmarked", _treap.ascending, lambda _, __: True),
    ("buy_limit", _treap.descending, lambda limit, price: limit >= price),
    ("buy_limit_reached", _treap.ascending, lambda limit, price: limit < price),
    ("sell_limit", _treap.ascending, lambda limit, price: limit <= price),
    ("sell_limit_reached", _treap.descending, lambda limit, price: limit > price),
)


_EXPIRY: tuple[Hashable, str] = (None, "expiry")


def _link_mode(value: object) -> LinkMode | None:
    if value is None:
        return None
    try:
        return LinkMode(value)  # type: ignore[arg-type]
    except ValueError:
        raise BadOrderParameters(f"link_mode must be 'cancel' or 'reduce'; got {value!r}") from None
_ZERO = Decimal(0)


def _index_entries(order: DecimalOrder) -> tuple[tuple[tuple[Hashable, str], Any], ...]:
    """Where ``order`` belongs in the book's indexes: (index name, key) pairs."""
    status = order.status
    terms = order.terms
    entries: list[tuple[tuple[Hashable, str], Any]] = []
    if status in ACTIVE_STATUSES and terms.valid_until is not None:
        entries.append((_EXPIRY, (terms.valid_until, terms.id)))
    if status not in WATCHING:
        return tuple(entries)
    asset, side = terms.asset, "buy" if terms.amount > 0 else "sell"
    waiting = market.waiting_for_stop(order)
    if waiting and terms.stop is not None:
        entries.append(((asset, f"{side}_stop"), (terms.stop, terms.id)))
    if waiting and terms.order_type.is_trailing:
        mark = terms.trailing_lowest_price if side == "buy" else terms.trailing_highest_price
        if mark is None:
            entries.append(((asset, "unmarked"), (_ZERO, terms.id)))
        else:
            entries.append(((asset, f"{side}_mark"), (mark, terms.id)))
    if terms.limit is not None and not waiting:  # a plain limit never waits
        reached = "_reached" if order.limit_reached else ""
        entries.append(((asset, f"{side}_limit{reached}"), (terms.limit, terms.id)))
    return tuple(entries)


class _Builder:
    """The transient state of one book operation; its result is a new book."""

    def __init__(self, book: OrderBook) -> None:
        self.orders = book.orders
        self.link_modes = book.link_modes
        self.children_of = book.children_of
        self.index = book.index
        self.active_by_asset = book.active_by_asset
        self.derived: list[Derived] = []

    def result(self) -> BookResult:
        book = OrderBook(
            self.orders, self.link_modes, self.children_of, self.index, self.active_by_asset
        )
        return BookResult(book, tuple(self.derived))

    def store(self, order: DecimalOrder, old: DecimalOrder | None = None) -> None:
        self.orders = self.orders.set(order.id, order)
        before = () if old is None else _index_entries(old)
        after = _index_entries(order)
        if before != after:
            index = self.index
            for name, key in before:
                index = index.set(name, _treap.delete(index.get(name), key))
            for name, key in after:
                index = index.set(name, _treap.insert(index.get(name), key))
            self.index = index
        was_active = old is not None and old.status in ACTIVE_STATUSES
        if was_active != (order.status in ACTIVE_STATUSES):
            asset = order.terms.asset
            ids = self.active_by_asset.get(asset, _EMPTY)
            ids = ids.set(order.id, None) if not was_active else ids.delete(order.id)
            self.active_by_asset = self.active_by_asset.set(asset, ids)

    def link(self, order: DecimalOrder, mode: LinkMode | None) -> None:
        terms = order.terms
        for other_id in terms.linked_order_ids:
            other = self.known(other_id, f"order {order.id} links to")
            if order.id not in other.terms.linked_order_ids:
                raise BadOrderParameters(
                    f"order {order.id} links to {other_id}, which does not link back"
                )
            if other.terms.asset != terms.asset:
                raise BadOrderParameters(
                    f"linked orders must trade one asset; {order.id} trades "
                    f"{terms.asset!r}, {other_id} trades {other.terms.asset!r}"
                )
        if terms.linked_order_ids:
            default = LinkMode.CANCEL if terms.parent_order_id is None else LinkMode.REDUCE
            self.link_modes = self.link_modes.set(order.id, mode or default)
        if terms.parent_order_id is not None:
            parent = self.known(terms.parent_order_id, f"order {order.id} names as parent")
            if parent.terms.asset != terms.asset:
                raise BadOrderParameters(
                    f"a bracket child trades its parent's asset; {order.id} trades "
                    f"{terms.asset!r}, its parent {parent.terms.asset!r}"
                )
            siblings = self.children_of.get(parent.id, ())
            self.children_of = self.children_of.set(parent.id, (*siblings, order.id))

    def known(self, order_id: str, role: str) -> DecimalOrder:
        try:
            return self.orders[order_id]
        except KeyError:
            raise UnknownOrderError(f"{role} {order_id!r}, which is not in the book") from None

    def apply(
        self, order_id: str, event: Event, *, derived: bool, cause: str | None = None
    ) -> None:
        old = self.known(order_id, "an event names")
        self.replace(old, apply(old, event), asked=None if derived else event, cause=cause)

    def replace(
        self,
        old: DecimalOrder,
        new: DecimalOrder,
        asked: Event | None = None,
        cause: str | None = None,
    ) -> None:
        """Store ``new`` in place of ``old``, record what was derived, follow the links.

        A consequence never flows back to the order that caused this change: a
        leg cancelled because its sibling filled does not cancel that sibling.
        """
        if new is old:
            return
        self.store(new, old)
        applied = new.history.newest(len(new.history) - len(old.history))
        self.derived.extend(Derived(new.id, event) for event in applied if event is not asked)
        for order_id, event in self.consequences(old, new):
            if order_id != cause and self.orders[order_id].status in ACTIVE_STATUSES:
                self.apply(order_id, event, derived=True, cause=new.id)

    def consequences(self, old: DecimalOrder, new: DecimalOrder) -> Iterable[tuple[str, Event]]:
        filled = exact_subtract(new.filled.copy_abs(), old.filled.copy_abs())
        ended = new.status in _ENDED and old.status not in _ENDED
        mode = self.link_modes.get(new.id)
        for other_id in new.terms.linked_order_ids if mode is not None else ():
            if ended:
                yield other_id, Cancel(f"linked order {new.id} ended")
            elif filled > 0 and mode is LinkMode.CANCEL:
                yield other_id, Cancel(f"linked order {new.id} filled")
            elif filled > 0:
                yield other_id, self.reduced(self.orders[other_id], filled, new.id)
        for child_id in self.children_of.get(new.id, ()):
            if ended and not new.filled:
                yield child_id, Cancel(f"bracket entry {new.id} ended unfilled")
            elif filled > 0:
                yield from self.grown(self.orders[child_id], filled, first=not old.filled)

    @staticmethod
    def reduced(other: DecimalOrder, quantity: Decimal, cause: str) -> Event:
        left = exact_subtract(other.amount.copy_abs(), quantity)
        if left <= other.filled.copy_abs():
            if not other.filled:
                return Cancel(f"linked order {cause} filled")
            return Amend(amount=other.filled)
        return Amend(amount=left if other.amount > 0 else left.copy_negate())

    @staticmethod
    def grown(
        child: DecimalOrder, quantity: Decimal, *, first: bool
    ) -> Iterator[tuple[str, Event]]:
        size = quantity if first else exact_add(child.amount.copy_abs(), quantity)
        yield child.id, Amend(amount=size if child.amount > 0 else size.copy_negate())
        if first and child.status is _HELD:
            yield child.id, Release()
