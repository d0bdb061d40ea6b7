import sys

import pytest

from orders import History
from tests.support import peak_bytes_allocated


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


def test_a_history_cannot_be_changed_in_place() -> None:
    from datetime import datetime

    from orders import DecimalOrder

    order = DecimalOrder(datetime(2024, 1, 15), "X", 10).fill(1, 1).fill(2, 1)
    before = list(order.history)
    for name in ("_last", "_previous", "_length", "_hash", "anything"):
        with pytest.raises(AttributeError, match="History is immutable"):
            setattr(order.history, name, 0)
        with pytest.raises(AttributeError, match="History is immutable"):
            delattr(order.history, name)
    order.history.__init__([])  # type: ignore[misc]  # a constructor call changes nothing
    assert list(order.history) == before
    assert order.fill(1, 1).history[-1].quantity == 1


def test_indexing_walks_only_from_the_nearer_end() -> None:
    events = list(range(20_000))
    history = History(events)
    for index in (0, 1, 2, 7, 5_000, 9_999, 10_000, 19_998, 19_999, -1, -2, -20_000):
        assert history[index] == events[index]
    with pytest.raises(IndexError):
        history[20_000]
    with pytest.raises(IndexError):
        history[-20_001]
    assert history[3:6] == [3, 4, 5]

    def ends() -> None:
        assert (history[-1], history[0], history[1]) == (19_999, 0, 1)

    assert peak_bytes_allocated(ends) < 4_000  # a copy of the 20k events takes 160 kB


def test_histories_pickle_and_copy() -> None:
    import copy
    import pickle

    history = History([1, 2, 3])
    assert pickle.loads(pickle.dumps(history)) == history
    assert copy.copy(history) == history
    assert copy.deepcopy(history) == history
