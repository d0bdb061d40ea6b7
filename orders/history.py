"""A persistent, append-only sequence of the events an order has applied.

Appending shares everything already recorded, so each version of an order
costs one node, not a copy of its past: the k-th event costs O(1). Iteration
yields the events oldest first; equality and hashing walk the nodes without
recursion, so ten thousand events compare as easily as ten.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar, overload

__all__ = ["History"]

E = TypeVar("E")


class History(Sequence[E], Generic[E]):
    """Events oldest first; :meth:`append` returns a new history."""

    __slots__ = ("_hash", "_last", "_length", "_previous")

    _last: E
    _previous: History[E] | None
    _length: int
    _hash: int | None

    def __init__(self, events: Sequence[E] = ()) -> None:
        self._previous, self._length, self._hash = None, 0, None
        node = self
        for event in events:
            node = node.append(event)
        if node is not self:
            self._last, self._previous, self._length = node._last, node._previous, node._length

    def append(self, event: E) -> History[E]:
        """A history with ``event`` after every event of this one."""
        node: History[E] = _new(History)
        node._last = event
        node._previous = self if self._length else None
        node._length = self._length + 1
        node._hash = None
        return node

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[E]:
        return iter(self._newest_first()[::-1])

    def __reversed__(self) -> Iterator[E]:
        return iter(self._newest_first())

    @overload
    def __getitem__(self, index: int) -> E: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[E]: ...

    def __getitem__(self, index: int | slice) -> E | Sequence[E]:
        return list(self)[index]

    def newest(self, count: int) -> list[E]:
        """The last ``count`` events, oldest first, in O(count)."""
        events: list[E] = []
        node: History[E] | None = self if self._length else None
        while node is not None and len(events) < count:
            events.append(node._last)
            node = node._previous
        return events[::-1]

    def _newest_first(self) -> list[E]:
        events: list[E] = []
        node: History[E] | None = self if self._length else None
        while node is not None:
            events.append(node._last)
            node = node._previous
        return events

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        if self._length != other._length:
            return False
        mine: History[E] | None = self
        theirs: History[object] | None = other
        while mine is not None and theirs is not None and mine is not theirs:
            if mine._length and mine._last != theirs._last:
                return False
            mine, theirs = mine._previous, theirs._previous
        return True

    def __hash__(self) -> int:
        # Each node caches the hash of its prefix, so hashing every version of
        # a growing history stays linear overall.
        unhashed: list[History[E]] = []
        node: History[E] | None = self
        while node is not None and node._length and node._hash is None:
            unhashed.append(node)
            node = node._previous
        result = node._hash if node is not None and node._hash is not None else 0
        for node in reversed(unhashed):
            result = node._hash = hash((result, node._last))
        return result

    def __repr__(self) -> str:
        return f"History({list(self)!r})"


_new = object.__new__
