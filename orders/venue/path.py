"""A bar's path: the prices it is taken to have traded through, in order.

A bar says only its open, high, low and close. The simulated venue walks a
path through them: a sequence of prices from the open to the close that
reaches the high and the low, with the price passing through every level
between two consecutive points, as it does within a bar. Three paths are
offered: the open, the extreme nearer to it, the other extreme, the close
(:func:`nearer_extreme_first`); the same with the extreme adverse to a position
first (:func:`adverse_extreme_first`); and one a host gives, such as the prices
of a lower timeframe (:func:`given_path` checks it fits its bar).

A place on a path is a stretch (the index of its first point) and the
distance from that point: places compare in the order the path meets them.
Between two points the price moves one way, so a stretch is a bar of its own
(:func:`stretch_bar`) whose path is not in doubt.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NoReturn

from orders._checks import decimal_text, quote
from orders.decimals import exact_subtract, non_negative_price
from orders.errors import BadOrderParameters, OrderError
from orders.events import Bar

__all__ = [
    "BarPath",
    "Path",
    "Place",
    "adverse_extreme_first",
    "close_place",
    "given_path",
    "nearer_extreme_first",
    "place_of",
    "stretch_bar",
]

Path = tuple[Decimal, ...]
"""The points of a bar's path, the open first and the close last."""
Place = tuple[int, Decimal]
"""Where a price is met on a path: the stretch, and the distance from its first point."""
BarPath = Callable[[Hashable, Bar, datetime], Sequence[object]]
"""A host's path: given the asset, the bar and its time, the prices the bar
traded through, in order (Decimals, ints, or anything a :class:`Bar` takes)."""


def nearer_extreme_first(bar: Bar) -> Path:
    """The open, the extreme nearer to it (the high when both are as near), the
    other extreme, the close."""
    if exact_subtract(bar.high, bar.open) <= exact_subtract(bar.open, bar.low):
        return (bar.open, bar.high, bar.low, bar.close)
    return (bar.open, bar.low, bar.high, bar.close)


def adverse_extreme_first(bar: Bar, long: bool) -> Path:
    """The open, the extreme adverse to a position (the low for a long, the high
    for a short), the other extreme, the close."""
    if long:
        return (bar.open, bar.low, bar.high, bar.close)
    return (bar.open, bar.high, bar.low, bar.close)


def given_path(bar: Bar, points: object, source: str) -> Path:
    """The path ``source`` gave for ``bar``, checked: a sequence of prices that
    starts at the open, ends at the close, and reaches the high and the low
    without leaving them; anything else is refused with
    :class:`~orders.errors.BadOrderParameters`."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence) or not points:
        _refuse(bar, source, f"is {quote(points)}; a path is a non-empty sequence of prices")
    try:
        path = tuple(non_negative_price(point, "a point of the path") for point in points)
    except OrderError as exc:
        _refuse(bar, source, f"holds a price it cannot take: {exc}")
    ends = (path[0], path[-1]) == (bar.open, bar.close)
    if not ends or (min(path), max(path)) != (bar.low, bar.high):
        _refuse(bar, source, f"is [{', '.join(decimal_text(point) for point in path)}], "
                             "which does not fit it")
    return path


def _refuse(bar: Bar, source: str, detail: str) -> NoReturn:
    raise BadOrderParameters(
        f"the path {source} {detail}; a path starts at the open "
        f"{decimal_text(bar.open)}, ends at the close {decimal_text(bar.close)}, and reaches "
        f"the high {decimal_text(bar.high)} and the low {decimal_text(bar.low)} without "
        "passing them"
    ) from None


def place_of(path: Path, price: Decimal, start: int = 0) -> Place:
    """Where ``path`` first meets ``price``, looking from the stretch ``start`` on;
    the close's place (after every stretch) when it does not."""
    for stretch in range(start, len(path) - 1):
        first, last = path[stretch], path[stretch + 1]
        if min(first, last) <= price <= max(first, last):
            return (stretch, exact_subtract(price, first).copy_abs())
    return close_place(path)


def close_place(path: Path) -> Place:
    """The place of the close: after every stretch of ``path``."""
    return (len(path) - 1, Decimal(0))


def stretch_bar(path: Path, stretch: int, start: Decimal) -> Bar:
    """The bar that the stretch ``stretch`` of ``path`` is from ``start`` (a price
    on it) to its last point: the price moves one way, so it opens at ``start``
    and closes at the last point."""
    last = path[stretch + 1]
    return Bar(start, max(start, last), min(start, last), last)
