import attrs
import pytest

from orders._fast import slot_builder


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
