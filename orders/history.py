"""A persistent, append-only sequence of the events an order has applied.

Appending shares everything already recorded, so each version of an order
costs one node, not a copy of its past: the k-th event costs O(1). Nodes are
immutable once built, because every later version of the order shares them.
Iteration yields the events oldest first. Indexing walks from the nearer end:
``history[-k]`` takes k steps back from the newest event, and ``history[i]``
near the oldest end follows jump pointers (Myers' applicative random-access
stack), O(log n). Equality and hashing walk the nodes without recursion, so
ten thousand events compare as easily as ten.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, NoReturn, TypeVar, overload

__all__ = ["History"]

E = TypeVar("E")

# Steps back from the newest event beyond which the jump pointers are faster.
_WALK = 32


class History(Sequence[E], Generic[E]):
    """Events oldest first; :meth:`append` returns a new history."""

    __slots__ = ("_hash", "_jump", "_last", "_length", "_previous")

    _last: E
    _previous: History[E] | None
    _jump: History[E] | None
    _length: int
    _hash: int | None

    def __new__(cls, events: Sequence[E] = ()) -> History[E]:
        node: History[E] = _node(None, None, 0, None, None)
        for event in events:
            node = node.append(event)
        return node

    def append(self, event: E) -> History[E]:
        """A history with ``event`` after every event of this one."""
        if not self._length:
            return _node(event, None, 1, None, None)
        jump = self._jump
        if jump is not None and jump._jump is not None and (
            self._length - jump._length == jump._length - jump._jump._length
        ):
            return _node(event, self, self._length + 1, jump._jump, None)
        return _node(event, self, self._length + 1, self, None)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"History is immutable: every version of an order shares it ({name})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"History is immutable: every version of an order shares it ({name})")

    def __reduce__(self) -> tuple[Any, tuple[list[E]]]:
        return History, (list(self),)

    def __copy__(self) -> History[E]:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> History[E]:
        return self

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
        if isinstance(index, slice):
            return list(self)[index]
        length = self._length
        position = index + length if index < 0 else index
        if not 0 <= position < length:
            raise IndexError(f"history index {index} out of range for {length} events")
        back = length - 1 - position
        node: History[E] = self
        if back <= _WALK:
            for _ in range(back):
                node = node._previous  # type: ignore[assignment]
            return node._last
        depth = position + 1  # the first event has length 1
        while node._length != depth:
            jump = node._jump
            node = jump if jump is not None and jump._length >= depth else node._previous  # type: ignore[assignment]
        return node._last

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
            result = hash((result, node._last))
            _set_hash(node, result)
        return result

    def __repr__(self) -> str:
        return f"History({list(self)!r})"


class _Building(History[Any]):
    """A node under construction: History's layout, with its slots writable."""

    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


def _node(
    last: Any, previous: Any, length: int, jump: Any, cached_hash: int | None
) -> History[Any]:
    node: Any = _new(_Building)
    node._last, node._previous, node._length = last, previous, length
    node._jump, node._hash = jump, cached_hash
    node.__class__ = History
    return node  # type: ignore[no-any-return]


_new = object.__new__
_set_hash = History.__dict__["_hash"].__set__
