"""The book's indexes: which orders a price, a bar or a time can move, without a scan.

Each asset has one record: a tuple of its nine price indexes, each a persistent
ordered set (:mod:`orders.book.treap`) of ``(level, order id)`` keys, kept with the
key where a walk of it starts. A walk visits keys in its direction while the
trade moves the orders at their level, so a price visits only the orders it
moves, and a price that moves nothing costs nine comparisons with the starting
keys. A bar walks each index as a trade at its high, its low or its close
would. After the nine, the record holds the orders no price moves that a venue
fills at the market, and last the asset's quiet range: the prices no index
moves anything at, worked out from the starting keys whenever they change, so
that a price inside it (or a bar whose low and high are) costs two comparisons.
The book's expiry index is one more such set, of ``(valid_until, id)``.

Everything here is a value: an update returns a new mapping and shares the rest.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import immutables

from orders.book import treap
from orders.events import Bar
from orders.order.value import DecimalOrder, waiting_for_stop
from orders.statuses import ACTIVE_STATUSES, WORKING_STATUSES

__all__ = [
    "EXPIRY",
    "Indexes",
    "entries",
    "expiring",
    "fillable",
    "immediate",
    "is_quiet",
    "moved_by",
    "moved_by_bar",
    "post_only",
    "quiet_range",
    "update",
    "widened",
]

Entry = tuple[treap.Tree, Any]
"""An index: its tree, and the key where a walk of it starts."""
Indexes = immutables.Map[Hashable, Any]
"""Each asset's tuple of nine entries (None where empty), and the expiry entry."""

EXPIRY: Hashable = None
"""Where the expiry index lives among the assets (no asset is None)."""

Walk = Callable[[treap.Tree], Iterator[Any]]

# The nine price indexes of an asset, by position: the direction a trade walks
# each, the test that tells, for a level met on the way, whether a trade at a
# price moves the orders there (None: every price moves them), and the price
# of a bar that does the same for a bar.
PRICE_INDEXES: tuple[
    tuple[str, Walk, Callable[[Decimal, Decimal], bool] | None, str], ...
] = (
    ("buy_stop", treap.ascending, operator.le, "high"),  # a buy stop triggers at or above
    ("sell_stop", treap.descending, operator.ge, "low"),  # a sell stop at or below
    ("sell_mark", treap.ascending, operator.lt, "close"),  # a higher price ratchets a sell trail
    ("buy_mark", treap.descending, operator.gt, "close"),  # a lower one a buy trail
    ("unmarked", treap.ascending, None, "close"),  # a trail with no mark takes any price
    ("buy_limit", treap.descending, operator.ge, "low"),  # a buy limit comes within reach
    ("buy_limit_reached", treap.ascending, operator.lt, "low"),  # ... or goes out of it
    ("sell_limit", treap.ascending, operator.le, "high"),
    ("sell_limit_reached", treap.descending, operator.gt, "high"),
)
_POSITION = {name: position for position, (name, _, _, _) in enumerate(PRICE_INDEXES)}
_AT_MARKET = len(PRICE_INDEXES)
"""After the price indexes, the orders no price moves that a venue fills at the
market: market and on-close orders, and stops that have triggered, without a limit."""
_IMMEDIATE = _AT_MARKET + 1
"""The orders able to trade now whose time in force ends at their first chance
to trade (IOC, FOK): working, and not waiting for a stop."""
_POST_ONLY = _AT_MARKET + 2
"""The active post-only orders, oldest first."""
_QUIET = _POST_ONLY + 1
"""The asset's quiet range (:data:`Quiet`)."""
_ZERO = Decimal(0)
_INFINITY = Decimal("Infinity")

Quiet = tuple[Decimal, bool, Decimal, bool]
"""The prices at which a trade moves no order of an asset: above ``low`` (or at
it, when its flag says so) and below ``high`` (or at it). Every walk of the
price indexes stops at its starting key for such a price."""
_ALWAYS_QUIET: Quiet = (-_INFINITY, False, _INFINITY, False)
_EMPTY_RECORD: tuple[Any, ...] = (*(None,) * _QUIET, _ALWAYS_QUIET)

Place = tuple[int, Any]
"""Where an order is indexed: a price index's position (-1 for expiry) and its key."""
_EXPIRES = -1


def entries(order: DecimalOrder) -> tuple[Place, ...]:
    """Where ``order`` belongs in the indexes of its asset and in the expiry index."""
    status = order.status
    terms = order.terms
    places: list[Place] = []
    if status in ACTIVE_STATUSES:
        if terms.valid_until is not None:
            places.append((_EXPIRES, (terms.valid_until, terms.id)))
        if terms.post_only:
            places.append((_POST_ONLY, (terms.created, terms.id)))
    if status not in WORKING_STATUSES:
        return tuple(places)
    buy = terms.amount > 0
    waiting = waiting_for_stop(order)
    if terms.time_in_force.is_immediate and not waiting:
        places.append((_IMMEDIATE, (terms.created, terms.id)))
    if waiting and terms.stop is not None:
        places.append((0 if buy else 1, (terms.stop, terms.id)))
    if waiting and terms.order_type.is_trailing:
        mark = terms.trailing_lowest_price if buy else terms.trailing_highest_price
        if mark is None:
            places.append((4, (_ZERO, terms.id)))
        else:
            places.append((3 if buy else 2, (mark, terms.id)))
    if terms.limit is not None and not waiting:  # a plain limit never waits
        places.append(((5 if buy else 7) + order.limit_reached, (terms.limit, terms.id)))
    elif not waiting:
        places.append((_AT_MARKET, (_ZERO, terms.id)))
    return tuple(places)


def update(
    indexes: Indexes, asset: Hashable, before: tuple[Place, ...], after: tuple[Place, ...]
) -> Indexes:
    """``indexes`` with the keys ``before`` taken out and ``after`` put in, and the
    quiet range worked out again when a price index changed."""
    record = list(indexes.get(asset, _EMPTY_RECORD))
    expiry = indexes.get(EXPIRY)
    prices_moved = False
    for position, key in before:
        if position == _EXPIRES:
            expiry = _without(expiry, key, treap.ascending)
        else:
            record[position] = _without(record[position], key, _DIRECTIONS[position])
            prices_moved = prices_moved or position < _AT_MARKET
    for position, key in after:
        if position == _EXPIRES:
            expiry = _with(expiry, key, treap.ascending)
        else:
            record[position] = _with(record[position], key, _DIRECTIONS[position])
            prices_moved = prices_moved or position < _AT_MARKET
    if prices_moved:
        record[_QUIET] = quiet_range(record)
    indexes = indexes.set(asset, tuple(record))
    return indexes.set(EXPIRY, expiry) if expiry is not indexes.get(EXPIRY) else indexes


def widened(indexes: Indexes) -> Indexes:
    """``indexes`` with every asset's record as long as this version's: indexes
    built by an older version, which held fewer, have the new ones empty, and
    their quiet range worked out."""
    for asset, record in indexes.items():
        if asset is not EXPIRY and len(record) < len(_EMPTY_RECORD):
            entries = (*record, *_EMPTY_RECORD[len(record):_QUIET])
            indexes = indexes.set(asset, (*entries, quiet_range(entries)))
    return indexes


def quiet_range(record: Sequence[Entry | None]) -> Quiet:
    """The prices at which a trade moves no order of the price indexes of
    ``record``: each index bounds them at its starting key, from above when its
    walk ascends (the prices above move its orders), from below when it
    descends; at that key itself they are quiet when the index's test does not
    move the orders there. An index whose orders every price moves (a trailing
    stop with no mark yet) leaves no quiet price."""
    low, low_closed, high, high_closed = _ALWAYS_QUIET
    for position, bounds_above, closed in _BOUNDS:
        entry = record[position]
        if entry is None:
            continue
        if bounds_above is None:
            return _NEVER_QUIET
        level = entry[1][0]
        if bounds_above:
            if level < high or (level == high and not closed):
                high, high_closed = level, closed
        elif level > low or (level == low and not closed):
            low, low_closed = level, closed
    return (low, low_closed, high, high_closed)


def is_quiet(quiet: Quiet, price: Decimal) -> bool:
    """True when a trade at ``price`` lies in the quiet range ``quiet``."""
    low, low_closed, high, high_closed = quiet
    if low < price < high:
        return True
    return (low < price or (low_closed and price == low)) and (
        price < high or (high_closed and price == high)
    )


def _with(entry: Entry | None, key: Any, walk: Walk) -> Entry:
    if entry is None:
        return (treap.insert(None, key), key)
    tree, first = entry
    before = key < first if walk is treap.ascending else key > first
    return (treap.insert(tree, key), key if before else first)


def _without(entry: Entry | None, key: Any, walk: Walk) -> Entry | None:
    assert entry is not None
    tree, first = entry
    tree = treap.delete(tree, key)
    if tree is None:
        return None
    return (tree, next(walk(tree)) if key == first else first)


def moved_by(indexes: Indexes, asset: Hashable, price: Decimal) -> list[str]:
    """Ids of the orders of ``asset`` that a trade at ``price`` can change."""
    record = indexes.get(asset)
    if record is None or is_quiet(record[_QUIET], price):
        return []
    return _moved(record, (price,) * len(PRICE_INDEXES))


def moved_by_bar(indexes: Indexes, asset: Hashable, bar: Bar) -> list[str]:
    """Ids of the orders of ``asset`` that ``bar`` can change: a bar moves the
    orders of each index as a trade at its high, its low or its close would, so
    a bar whose low and high are quiet (and its close between them) moves none."""
    record = indexes.get(asset)
    if record is None or (is_quiet(record[_QUIET], bar.low) and is_quiet(record[_QUIET], bar.high)):
        return []
    return _moved(record, tuple(getattr(bar, field) for field in _BAR_FIELDS))


def _moved(record: tuple[Any, ...], levels: tuple[Decimal, ...]) -> list[str]:
    """Ids of the orders that ``levels`` (one price per index) move, each once."""
    found: dict[str, None] = {}
    for position, (walk, moves) in enumerate(_WALKS):
        entry = record[position]
        if entry is None:
            continue
        price = levels[position]
        if moves is not None and not moves(entry[1][0], price):
            continue
        for level, order_id in walk(entry[0]):
            if moves is not None and not moves(level, price):
                break
            found[order_id] = None
    return list(found)


_WALKS = tuple((walk, moves) for _, walk, moves, _ in PRICE_INDEXES)
_BAR_FIELDS = tuple(field for _, _, _, field in PRICE_INDEXES)
_DIRECTIONS = (*(walk for walk, _ in _WALKS), treap.ascending, treap.ascending,
               treap.ascending)
_REACHED_LIMITS = (_POSITION["buy_limit_reached"], _POSITION["sell_limit_reached"])
_BOUNDS = tuple(
    (position, None, False) if moves is None
    else (position, walk is treap.ascending, not moves(_ZERO, _ZERO))
    for position, (walk, moves) in enumerate(_WALKS)
)
"""How each price index bounds the quiet range: its position, whether from above
(None: it leaves no quiet price), and whether a price at its starting key is quiet."""
_NEVER_QUIET: Quiet = (_INFINITY, False, _INFINITY, False)


def fillable(indexes: Indexes, asset: Hashable) -> list[str]:
    """Ids of the orders of ``asset`` a venue can fill now: those at the market,
    and the limits the latest price or bar reached."""
    record = indexes.get(asset)
    if record is None:
        return []
    return [
        order_id
        for position in (_AT_MARKET, *_REACHED_LIMITS)
        if record[position] is not None
        for _, order_id in treap.ascending(record[position][0])
    ]


def immediate(indexes: Indexes, asset: Hashable) -> list[tuple[datetime, str]]:
    """The IOC and FOK orders of ``asset`` able to trade now, as ``(created, id)``,
    oldest first."""
    entry = _record_entry(indexes, asset, _IMMEDIATE)
    return [] if entry is None else list(treap.ascending(entry[0]))


def post_only(indexes: Indexes, asset: Hashable) -> list[tuple[datetime, str]]:
    """The active post-only orders of ``asset``, as ``(created, id)``, oldest first."""
    entry = _record_entry(indexes, asset, _POST_ONLY)
    return [] if entry is None else list(treap.ascending(entry[0]))


def _record_entry(indexes: Indexes, asset: Hashable, position: int) -> Entry | None:
    record = indexes.get(asset)
    return None if record is None else record[position]


def expiring(indexes: Indexes, dt: datetime) -> Iterator[str]:
    """Ids of the orders whose ``valid_until`` is at or before ``dt``, earliest first."""
    entry = indexes.get(EXPIRY)
    if entry is None:
        return
    for valid_until, order_id in treap.ascending(entry[0]):
        if valid_until > dt:
            return
        yield order_id
