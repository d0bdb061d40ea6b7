import sys

from orders import History


def test_append_shares_the_past_and_leaves_the_receiver_alone() -> None:
    empty: History[int] = History()
    one = empty.append(1)
    two = one.append(2)
    assert list(empty) == []
    assert list(one) == [1]
    assert list(two) == [1, 2]
    assert len(two) == 2
    assert two[0] == 1
    assert two[-1] == 2
    assert list(reversed(two)) == [2, 1]


def test_equality_and_hash_are_by_events() -> None:
    built = History[int]().append(1).append(2)
    assert built == History([1, 2])
    assert hash(built) == hash(History([1, 2]))
    assert built != History([2, 1])
    assert built != History([1])
    assert History() == History([])
    assert built != [1, 2]


def test_long_histories_compare_and_hash_without_recursion() -> None:
    count = sys.getrecursionlimit() * 3
    first: History[int] = History()
    second: History[int] = History()
    for event in range(count):
        first = first.append(event)
        second = second.append(event)
    assert first == second
    assert hash(first) == hash(second)
    assert len(list(first)) == count


def test_repr_lists_the_events() -> None:
    assert repr(History([1, 2])) == "History([1, 2])"
