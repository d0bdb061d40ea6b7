import gc
import weakref

import attrs
import pytest

from orders._fast import slot_builder, untrack, untrack_function


@attrs.frozen(weakref_slot=False)
class Point:
    x: int
    y: int


def test_built_instances_equal_constructed_ones_and_stay_frozen() -> None:
    build = slot_builder(Point)
    point = build(1, 2)
    assert type(point) is Point
    assert point == Point(1, 2)
    assert hash(point) == hash(Point(1, 2))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        point.x = 3  # type: ignore[misc]


def test_a_class_with_a_weakref_slot_is_refused() -> None:
    @attrs.frozen
    class Weak:
        x: int

    with pytest.raises(TypeError, match="weakref_slot=False"):
        slot_builder(Weak)


def test_a_builder_asked_for_untracked_values_builds_what_the_collector_skips() -> None:
    untracked_point = slot_builder(Point, tracked=False)(1, 2)
    assert not gc.is_tracked(untracked_point)
    assert untracked_point == Point(1, 2)
    assert gc.is_tracked(slot_builder(Point)(1, 2))


class Box:
    """A value with a ``__weakref__`` slot, so a test can see when it is freed."""

    def __init__(self, inside: list[int]) -> None:
        self.inside = inside


def test_an_untracked_value_is_freed_by_reference_counting_and_keeps_what_it_holds() -> None:
    inside = [1, 2]
    box = Box(inside)
    untrack(box)
    untrack(box)  # again: untracking an untracked value changes nothing
    assert not gc.is_tracked(box)
    assert gc.is_tracked(inside)
    probe = weakref.ref(box)
    del box
    assert probe() is None
    assert inside == [1, 2]


def test_only_cpython_has_a_function_to_untrack_with() -> None:
    assert untrack_function("pypy") is None
    assert callable(untrack_function("cpython"))
