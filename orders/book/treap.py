"""A persistent ordered set: a treap whose updates copy only the path they change.

Nodes are tuples ``(key, priority, left, right)``; ``None`` is the empty tree.
Priorities are drawn at random from a private generator seeded by the operating
system, so no choice of keys can make a tree deep: its depth is O(log n) with
overwhelming probability, and so is the recursion of every operation. (They
were once the keys' hashes, which a caller who knows the hash seed can steer.)
Inserting or deleting a key among ``n`` copies about ``log n`` nodes and leaves
the old tree intact, which is what lets a book of a million resting orders
change one order at the cost of a small one.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

__all__ = ["Tree", "ascending", "delete", "descending", "insert"]

Tree = tuple[Any, int, "Tree", "Tree"] | None

_priorities = random.Random()
os.register_at_fork(after_in_child=_priorities.seed)
_priority = _priorities.getrandbits


def insert(tree: Tree, key: Any) -> Tree:
    """``tree`` with ``key`` added (keys are unique; a present key is kept)."""
    return _insert(tree, key, _priority(62))


def _insert(tree: Tree, key: Any, priority: int) -> Tree:
    if tree is None:
        return (key, priority, None, None)
    node_key, node_priority, left, right = tree
    if key == node_key:
        return tree
    if priority > node_priority:
        smaller, larger = _split(tree, key)
        return (key, priority, smaller, larger)
    if key < node_key:
        return (node_key, node_priority, _insert(left, key, priority), right)
    return (node_key, node_priority, left, _insert(right, key, priority))


def delete(tree: Tree, key: Any) -> Tree:
    """``tree`` without ``key`` (an absent key changes nothing)."""
    if tree is None:
        return None
    node_key, node_priority, left, right = tree
    if key == node_key:
        return _merge(left, right)
    if key < node_key:
        smaller = delete(left, key)
        return tree if smaller is left else (node_key, node_priority, smaller, right)
    larger = delete(right, key)
    return tree if larger is right else (node_key, node_priority, left, larger)


def ascending(tree: Tree) -> Iterator[Any]:
    """The keys from the smallest up, lazily."""
    return _walk(tree, 2, 3)


def descending(tree: Tree) -> Iterator[Any]:
    """The keys from the largest down, lazily."""
    return _walk(tree, 3, 2)


def _walk(tree: Tree, near: int, far: int) -> Iterator[Any]:
    """In-order keys, visiting the ``near`` child (2 left, 3 right) first."""
    stack: list[tuple[Any, int, Tree, Tree]] = []
    while stack or tree is not None:
        while tree is not None:
            stack.append(tree)
            tree = tree[near]  # type: ignore[assignment]  # a child: 2 or 3
        node = stack.pop()
        yield node[0]
        tree = node[far]  # type: ignore[assignment]


def _split(tree: Tree, key: Any) -> tuple[Tree, Tree]:
    """(keys < key, keys > key) of a tree; ``key`` itself, if there, is left out."""
    if tree is None:
        return None, None
    node_key, node_priority, left, right = tree
    if node_key == key:
        return left, right
    if node_key < key:
        smaller, larger = _split(right, key)
        return (node_key, node_priority, left, smaller), larger
    smaller, larger = _split(left, key)
    return smaller, (node_key, node_priority, larger, right)


def _merge(smaller: Tree, larger: Tree) -> Tree:
    if smaller is None:
        return larger
    if larger is None:
        return smaller
    if smaller[1] > larger[1]:
        return (smaller[0], smaller[1], smaller[2], _merge(smaller[3], larger))
    return (larger[0], larger[1], _merge(smaller, larger[2]), larger[3])
