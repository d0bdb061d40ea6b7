from decimal import Decimal

import pytest

from orders import BadOrderParameters, Bar
from orders.venue.path import (
    adverse_extreme_first,
    close_place,
    given_path,
    nearer_extreme_first,
    place_of,
    stretch_bar,
)

BAR = Bar(100, 103, 94, 101)


def test_the_nearer_extreme_comes_first_and_the_high_when_both_are_as_near() -> None:
    assert nearer_extreme_first(BAR) == (100, 103, 94, 101)
    assert nearer_extreme_first(Bar(100, 107, 94, 101)) == (100, 94, 107, 101)
    assert nearer_extreme_first(Bar(100, 104, 96, 101)) == (100, 104, 96, 101)


def test_the_adverse_extreme_is_the_low_for_a_long_and_the_high_for_a_short() -> None:
    assert adverse_extreme_first(BAR, long=True) == (100, 94, 103, 101)
    assert adverse_extreme_first(BAR, long=False) == (100, 103, 94, 101)


def test_a_place_is_where_the_path_first_meets_a_price() -> None:
    path = nearer_extreme_first(BAR)  # 100 -> 103 -> 94 -> 101
    assert place_of(path, Decimal(100)) == (0, 0)
    assert place_of(path, Decimal(102)) == (0, 2)
    assert place_of(path, Decimal(95)) == (1, 8)
    assert place_of(path, Decimal(102), start=1) == (1, 1)  # after the high, on the way down
    assert place_of(path, Decimal(102), start=2) == close_place(path) == (3, 0)
    assert place_of(path, Decimal(102)) < place_of(path, Decimal(95)) < close_place(path)


def test_a_stretch_is_a_bar_that_moves_one_way() -> None:
    path = nearer_extreme_first(BAR)
    assert stretch_bar(path, 1, Decimal(98)) == Bar(98, 98, 94, 94)
    assert stretch_bar(path, 2, Decimal(94)) == Bar(94, 101, 94, 101)


def test_a_given_path_is_read_as_prices_and_must_fit_its_bar() -> None:
    assert given_path(BAR, [100, "102.5", 94, Decimal(103), 101], "p") == (
        100, Decimal("102.5"), 94, 103, 101)
    for points in ([100, 103, 101], [101, 103, 94, 101], [100, 104, 94, 101], [],
                   (100, 103, 94, 100)):
        with pytest.raises(BadOrderParameters, match="a path starts at the open 100, ends at "
                           "the close 101, and reaches the high 103 and the low 94"):
            given_path(BAR, points, "p")
