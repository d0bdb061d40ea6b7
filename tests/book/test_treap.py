"""The persistent ordered set behind the book's indexes (orders._treap)."""

import random
import sys

from orders.book import treap


def height(tree: treap.Tree) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if node is not None:
            deepest = max(deepest, depth)
            stack.extend(((node[2], depth + 1), (node[3], depth + 1)))
    return deepest


def test_keys_stay_ordered_through_inserts_and_deletes() -> None:
    keys = random.Random(7).sample(range(10_000), 2_000)
    tree: treap.Tree = None
    for key in keys:
        tree = treap.insert(tree, key)
    assert list(treap.ascending(tree)) == sorted(keys)
    assert list(treap.descending(tree)) == sorted(keys, reverse=True)
    for key in keys[::2]:
        tree = treap.delete(tree, key)
    assert list(treap.ascending(tree)) == sorted(keys[1::2])


def test_no_choice_of_keys_can_make_the_tree_degenerate() -> None:
    # Integers hash to themselves, so when priorities were key hashes, keys
    # inserted in order formed a chain as deep as the keys were many, and
    # deleting from it overflowed the stack. Priorities are drawn at random now.
    tree: treap.Tree = None
    for key in range(5_000):
        tree = treap.insert(tree, key)
    assert height(tree) < 60
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        for key in range(5_000):
            tree = treap.delete(tree, key)
    finally:
        sys.setrecursionlimit(limit)
    assert tree is None


def test_inserting_a_present_key_keeps_one_copy() -> None:
    tree: treap.Tree = None
    for key in range(100):
        tree = treap.insert(tree, key)
    for _ in range(50):
        for key in (0, 42, 99):
            tree = treap.insert(tree, key)
    assert list(treap.ascending(tree)) == list(range(100))
