"""The events an order has applied, oldest first: a view of a chain of versions.

Every version of an order holds the version before it and the event that made
it, so the versions themselves are the history; :class:`History` is a read-only
sequence over such a chain. ``History(events)`` builds a standalone chain of
links with the same shape. Nothing here can be changed in place: the nodes are
shared by every later version.

Length is stored, so ``len`` is O(1). Iteration yields the events oldest first.
Indexing walks from the nearer end: ``history[-k]`` takes k steps back from the
newest event, and ``history[i]`` near the oldest end follows jump pointers
(Myers' applicative random-access stack), O(log n). Equality and hashing walk
the nodes without recursion, so ten thousand events compare as easily as ten.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, NoReturn, Protocol, TypeVar, overload

from orders.order.stored import stored_if_event

__all__ = ["History"]

E = TypeVar("E")

# Steps back from the newest event beyond which the jump pointers are faster.
_WALK = 32


class Node(Protocol):
    """What a chain is made of: an order version, or a standalone link."""

    @property
    def _previous(self) -> Node | None: ...

    @property
    def _event(self) -> Any: ...

    @property
    def _kept(self) -> Any:
        """The event in a form that compares as it does (see orders.order.stored)."""
        ...

    @property
    def _depth(self) -> int: ...

    @property
    def _jump(self) -> Node | None: ...


def jump_for(previous: Node | None) -> Node | None:
    """The jump pointer of a node placed after ``previous`` (Myers' scheme): far
    enough back that any depth is reached in O(log n) jumps."""
    if previous is None or not previous._depth:
        return previous
    jump = previous._jump
    if jump is not None and jump._jump is not None and (
        previous._depth - jump._depth == jump._depth - jump._jump._depth
    ):
        return jump._jump
    return previous


def ancestor(node: Node, depth: int) -> Node:
    """The node of ``depth`` on the chain ending at ``node`` (``depth <= node._depth``)."""
    while node._depth != depth:
        jump = node._jump
        node = jump if jump is not None and jump._depth >= depth else node._previous  # type: ignore[assignment]
    return node


class _Link:
    """A node of a standalone history."""

    __slots__ = ("_depth", "_event", "_jump", "_kept", "_previous")

    _previous: Node | None
    _event: Any
    _kept: Any
    _depth: int
    _jump: Node | None

    def __init__(self, previous: Node | None, event: Any) -> None:
        set_slot = object.__setattr__
        set_slot(self, "_previous", previous)
        set_slot(self, "_event", event)
        set_slot(self, "_kept", stored_if_event(event))
        set_slot(self, "_depth", 1 if previous is None else previous._depth + 1)
        set_slot(self, "_jump", jump_for(previous))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"History is immutable: every version of an order shares it ({name})")


class History(Sequence[E], Generic[E]):
    """Events oldest first; :meth:`append` returns a new history."""

    __slots__ = ("_node",)

    _node: Node | None

    def __new__(cls, events: Sequence[E] = ()) -> History[E]:
        node: Node | None = None
        for event in events:
            node = _Link(node, event)
        return cls.of(node)

    @classmethod
    def of(cls, node: Node | None) -> History[E]:
        """The history that ends at ``node`` (an order version or a link)."""
        history: History[E] = object.__new__(cls)
        object.__setattr__(history, "_node", node if node is not None and node._depth else None)
        return history

    def append(self, event: E) -> History[E]:
        """A history with ``event`` after every event of this one."""
        return History.of(_Link(self._node, event))

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
        return 0 if self._node is None else self._node._depth

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
        length = len(self)
        position = index + length if index < 0 else index
        if not 0 <= position < length:
            raise IndexError(f"history index {index} out of range for {length} events")
        node: Node = self._node  # type: ignore[assignment]
        back = length - 1 - position
        if back <= _WALK:
            for _ in range(back):
                node = node._previous  # type: ignore[assignment]
            return node._event  # type: ignore[no-any-return]
        return ancestor(node, position + 1)._event  # type: ignore[no-any-return]

    def newest(self, count: int) -> list[E]:
        """The last ``count`` events, oldest first, in O(count)."""
        events: list[E] = []
        node = self._node
        while node is not None and node._depth and len(events) < count:
            events.append(node._event)
            node = node._previous
        return events[::-1]

    def _newest_first(self) -> list[E]:
        events: list[E] = []
        node = self._node
        while node is not None and node._depth:
            events.append(node._event)
            node = node._previous
        return events

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        if len(self) != len(other):
            return False
        mine, theirs = self._node, other._node
        while mine is not None and theirs is not None and mine is not theirs and mine._depth:
            if mine._kept != theirs._kept:
                return False
            mine, theirs = mine._previous, theirs._previous
        return True

    def __hash__(self) -> int:
        result = 0
        for event in self:
            result = hash((result, event))
        return result

    def __repr__(self) -> str:
        return f"History({list(self)!r})"
