"""Bars in: OHLC bars read exactly from CSV text or a pandas DataFrame.

Every price and volume becomes a ``Decimal`` read from its text, or from an
``int`` or a ``Decimal``; never through a float. A CSV file's fields are text;
a DataFrame's float columns are refused unless the caller opts in to reading
each float by its shortest repr (``floats="repr"``). Times are ISO 8601 text,
``datetime`` values (pandas' Timestamps among them) or dates, which are read at
the time of day ``dates_at`` (midnight by default). A file's times are all
naive or all aware, and each asset's bars are in strictly increasing time
order. A value that breaks a rule raises :class:`BarDataError`, naming the
data row (1-based), the file line of a CSV row, the column and the value.
"""

from __future__ import annotations

import csv
import importlib
import math
import numbers
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TypedDict, Unpack

import attrs

from orders._checks import is_aware, quote
from orders._extras import missing_extra
from orders.decimals import non_negative_price
from orders.errors import BadOrderParameters, ErrorFields, SerializationError
from orders.events import Bar

__all__ = [
    "BarColumns",
    "BarDataError",
    "CsvSource",
    "DatedBar",
    "FloatPolicy",
    "bars_from_frame",
    "bars_from_frame_by_asset",
    "read_bars_csv",
    "read_bars_csv_by_asset",
]


class DatedBar(NamedTuple):
    """A bar and the time it is stamped with: ``for dt, bar in bars``."""

    dt: datetime
    bar: Bar


class BarColumns(TypedDict, total=False):
    """The names of the columns a reader takes each field from, as keywords.

    Each defaults to its own key (``open="open"``); ``volume=None`` reads bars
    without a volume. Other columns are ignored.
    """

    datetime: str
    open: str
    high: str
    low: str
    close: str
    volume: str | None


FloatPolicy = Literal["refuse", "repr"]
"""What a DataFrame reader does with a float: refuse it (the default), or read
it by its shortest repr (``0.1`` as ``Decimal("0.1")``)."""


class BarDataError(SerializationError):
    """A bar file or frame that cannot be read: a missing column, a value that is
    not allowed, bars out of time order. :attr:`row`, :attr:`line` and
    :attr:`column` say where (None where they do not apply), and so does
    :attr:`~orders.errors.SerializationError.path`, as text."""

    row: int | None
    """The data row, counted from 1 (the header is not a data row)."""
    line: int | None
    """The line of the CSV file the row ends on; None for a DataFrame."""
    column: str | None
    """The column of the value, as the file or frame names it."""

    def __init__(
        self,
        *args: object,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        path: str | None = None,
        **fields: Unpack[ErrorFields],
    ) -> None:
        super().__init__(*args, path=path, **fields)
        self.row, self.line, self.column = row, line, column


_DEFAULTS: BarColumns = {
    "datetime": "datetime", "open": "open", "high": "high", "low": "low", "close": "close",
    "volume": "volume",
}
_FLOAT_POLICIES = ("refuse", "repr")


@attrs.frozen
class _Reading:
    """What every reader is told: the columns to read, in the order of
    :meth:`names`, and how to read their values."""

    fields: tuple[str, ...]
    """The bar's fields read, ``datetime`` first and ``volume`` last when read."""
    columns: tuple[str, ...]
    """The column of each field."""
    asset: str | None
    tz: tzinfo | None
    dates_at: time
    floats: FloatPolicy

    def names(self) -> tuple[str, ...]:
        """The columns read, the asset's first when there is one."""
        return self.columns if self.asset is None else (self.asset, *self.columns)


def _reading(
    columns: BarColumns,
    *,
    asset: str | None = None,
    tz: tzinfo | None,
    dates_at: time,
    floats: FloatPolicy = "refuse",
) -> _Reading:
    """The reading the keywords ask for, each keyword checked."""
    unknown = sorted(set(columns) - set(_DEFAULTS))
    if unknown:
        raise BadOrderParameters(
            f"unknown column keyword(s) {', '.join(map(repr, unknown))}; the keywords "
            f"naming columns are {', '.join(_DEFAULTS)}"
        )
    chosen = {**_DEFAULTS, **columns}
    if chosen["volume"] is None:
        del chosen["volume"]
    named = {field: _column_name(field, column) for field, column in chosen.items()}
    if asset is not None:
        _column_name("asset", asset)
    if tz is not None and not isinstance(tz, tzinfo):
        raise BadOrderParameters(f"tz must be a tzinfo or None; got {quote(tz)}")
    if not isinstance(dates_at, time) or dates_at.tzinfo is not None:
        raise BadOrderParameters(
            f"dates_at must be a naive time (give the zone with tz); got {quote(dates_at)}"
        )
    if floats not in _FLOAT_POLICIES:
        raise BadOrderParameters(f"floats must be 'refuse' or 'repr'; got {quote(floats)}")
    return _Reading(tuple(named), tuple(named.values()), asset, tz, dates_at, floats)


def _column_name(field: str, column: object) -> str:
    if not isinstance(column, str) or not column:
        raise BadOrderParameters(
            f"{field} must name a column as a non-empty str; got {quote(column)}"
        )
    return column


@attrs.frozen
class _Where:
    """A data row: its number from 1, and its CSV line or its frame index label."""

    row: int
    line: int | None = None
    label: object = None

    def text(self) -> str:
        if self.line is not None:
            return f"row {self.row} (line {self.line})"
        return f"row {self.row} (index {quote(self.label)})"

    def error(self, message: str, column: str | None = None) -> BarDataError:
        where = self.text() if column is None else f"{self.text()}, column {column!r}"
        return BarDataError(
            f"{where}: {message}", row=self.row, line=self.line, column=column, path=where
        )


_Cells = tuple[_Where, Sequence[object]]
"""A data row's place and its values, in the order of :meth:`_Reading.names`."""


def _read(rows: Iterable[_Cells], reading: _Reading) -> dict[str, list[DatedBar]]:
    """Each asset's bars (the one asset ``""`` when the reading has no asset
    column), refusing a mix of naive and aware times and bars out of order."""
    series: dict[str, list[DatedBar]] = {}
    last_rows: dict[str, _Where] = {}
    first: tuple[_Where, datetime] | None = None
    for where, cells in rows:
        asset = "" if reading.asset is None else _asset(cells[0], where, reading.asset)
        values = cells if reading.asset is None else cells[1:]
        written = _datetime(values[0], where, reading)
        if first is None:
            first = where, written
        elif is_aware(written) != is_aware(first[1]):
            raise _mixed_time_kinds(where, first, written, reading.columns[0])
        dt = _in_zone(written, reading.tz)
        bars = series.setdefault(asset, [])
        if bars and _instant(dt) <= _instant(bars[-1].dt):
            raise _out_of_order(where, last_rows[asset], bars[-1].dt, dt, reading.columns[0])
        bars.append(DatedBar(dt, _bar(values[1:], where, reading)))
        last_rows[asset] = where
    return series


def _instant(dt: datetime) -> datetime:
    """``dt`` as a point in time: aware times in UTC, since Python compares two
    times of one zone by their wall clocks, which repeat when clocks go back."""
    return dt if dt.tzinfo is None else dt.astimezone(UTC)


def _asset(value: object, where: _Where, column: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"the asset must be a non-empty str; got {quote(value)}", column)
    return value


def _datetime(value: object, where: _Where, reading: _Reading) -> datetime:
    """A datetime from ISO 8601 text, a datetime or a date (at ``dates_at``)."""
    column = reading.columns[0]
    if _is_empty(value):
        raise where.error("the time is empty; every bar needs one", column)
    if isinstance(value, str):
        return _parse_time(value, where, reading)
    if isinstance(value, datetime):
        return _plain_datetime(value, where, column)
    if isinstance(value, date):
        return datetime.combine(value, reading.dates_at)
    raise where.error(
        f"the time must be ISO 8601 text, a datetime or a date; got {quote(value)} "
        f"({type(value).__name__})",
        column,
    )


def _parse_time(text: str, where: _Where, reading: _Reading) -> datetime:
    written = text.strip()
    try:
        return datetime.combine(date.fromisoformat(written), reading.dates_at)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(written)
    except ValueError:
        raise where.error(
            f"the time must be ISO 8601 text, a date and time as 2024-01-02T16:00:00 "
            f"(with an offset, as +00:00 or Z, or none) or a date as 2024-01-02; "
            f"got {quote(text)}",
            reading.columns[0],
        ) from None


def _plain_datetime(value: datetime, where: _Where, column: str) -> datetime:
    """A datetime as Python's own type: a pandas Timestamp has nanoseconds, which a
    datetime cannot hold, so one that has any is refused."""
    to_pydatetime = getattr(value, "to_pydatetime", None)
    if to_pydatetime is None:
        return value
    if getattr(value, "nanosecond", 0):
        raise where.error(
            f"the time {quote(value)} has nanoseconds, which a datetime cannot hold; "
            "times are kept to the microsecond",
            column,
        )
    plain: datetime = to_pydatetime()
    return plain


def _in_zone(dt: datetime, tz: tzinfo | None) -> datetime:
    """``dt`` in ``tz``: a naive time is read as a time in it, an aware one converted."""
    if tz is None:
        return dt
    return dt.astimezone(tz) if is_aware(dt) else dt.replace(tzinfo=tz)


def _mixed_time_kinds(
    where: _Where, first: tuple[_Where, datetime], written: datetime, column: str
) -> BarDataError:
    kind, other = ("aware", "naive") if is_aware(written) else ("naive", "aware")
    return where.error(
        f"the time {written.isoformat()} is {kind}, but {first[0].text()}'s "
        f"{first[1].isoformat()} is {other}; a file's times are all naive or all aware",
        column,
    )


def _out_of_order(
    where: _Where, previous: _Where, before: datetime, dt: datetime, column: str
) -> BarDataError:
    relation = "repeats" if dt == before else "comes before"
    return where.error(
        f"the time {dt.isoformat()} {relation} {previous.text()}'s {before.isoformat()}; "
        "an asset's bars must be in strictly increasing time order",
        column,
    )


def _bar(values: Sequence[object], where: _Where, reading: _Reading) -> Bar:
    """The bar of a row's prices (and volume): each value checked in its column,
    then the bar's own check that low <= open, close <= high."""
    numbers_read = [
        _number(value, field, column, where, reading.floats)
        for value, field, column in zip(values, reading.fields[1:], reading.columns[1:],
                                        strict=True)
    ]
    try:
        return Bar(*numbers_read)
    except BadOrderParameters as error:
        raise where.error(str(error)) from None


def _number(
    value: object, field: str, column: str, where: _Where, floats: FloatPolicy
) -> Decimal:
    if _is_empty(value):
        raise where.error(f"the {field} is empty; every bar needs one", column)
    if floats == "refuse" and _is_float(value):
        raise where.error(
            f"the {field} is a float, {quote(value)}, which may already have been rounded "
            f"to binary; {_READ_EXACTLY}",
            column,
        )
    try:
        return non_negative_price(value, field)
    except BadOrderParameters as error:
        raise where.error(str(error), column) from None


_READ_EXACTLY = (
    "read the column as text (pandas.read_csv(..., dtype=str)) to keep its digits "
    "exactly, or pass floats='repr' to read each float by its shortest repr"
)


def _is_float(value: object) -> bool:
    """A float of any kind (numpy's too), but not an integer or a Decimal."""
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)


def _is_empty(value: object) -> bool:
    """An empty CSV field, or a frame's missing value (read as None)."""
    return value is None or (isinstance(value, str) and not value.strip())


# CSV


CsvSource = str | os.PathLike[str] | Iterable[str]
"""A CSV file's path, or its lines: a text stream (``io.StringIO(text)``)."""


def read_bars_csv(
    source: CsvSource,
    *,
    tz: tzinfo | None = None,
    dates_at: time = time(0),
    **columns: Unpack[BarColumns],
) -> list[DatedBar]:
    """The bars of one asset from a CSV file with a header row, oldest first.

    ``source`` is a path (read as UTF-8, a byte order mark skipped) or a text
    stream. The keywords of :class:`BarColumns` name the columns; other
    columns are ignored. Prices and volume are read from their text exactly;
    every field read must hold a value. Times are ISO 8601 text; a date alone
    stands for that date at ``dates_at``. With ``tz``, naive times are read as
    times in ``tz`` and aware ones converted to it. Raises
    :class:`BarDataError`.
    """
    reading = _reading(columns, tz=tz, dates_at=dates_at)
    return _read_csv(source, reading).get("", [])


def read_bars_csv_by_asset(
    source: CsvSource,
    *,
    asset: str = "asset",
    tz: tzinfo | None = None,
    dates_at: time = time(0),
    **columns: Unpack[BarColumns],
) -> dict[str, list[DatedBar]]:
    """The bars of each asset from a CSV file of many assets, one bar a row, the
    asset's symbol in column ``asset``: each asset's bars oldest first, the
    assets in the order they first appear. Otherwise as :func:`read_bars_csv`;
    the bars of different assets may interleave."""
    return _read_csv(source, _reading(columns, asset=asset, tz=tz, dates_at=dates_at))


def _read_csv(source: CsvSource, reading: _Reading) -> dict[str, list[DatedBar]]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, newline="", encoding="utf-8-sig") as lines:
            return _read(_csv_rows(lines, reading), reading)
    return _read(_csv_rows(source, reading), reading)


def _csv_rows(lines: Iterable[str], reading: _Reading) -> Iterator[_Cells]:
    """Each data row's place and fields; blank lines are skipped."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            raise BarDataError(
                f"the CSV has no header row; it needs the columns {_listed(reading.names())}",
                line=1,
            )
        indices = _header_indices(header, reading)
        row = 0
        for fields in reader:
            if not fields:
                continue
            row += 1
            where = _Where(row, reader.line_num)
            if len(fields) != len(header):
                raise where.error(
                    f"the row has {len(fields)} field(s) and the header {len(header)}; "
                    "each row needs one field per column"
                )
            yield where, [fields[index] for index in indices]
    except csv.Error as error:
        raise BarDataError(
            f"line {reader.line_num}: the text is not CSV: {error}", line=reader.line_num
        ) from None


def _header_indices(header: list[str], reading: _Reading) -> list[int]:
    names = list(header)
    if names:
        names[0] = names[0].removeprefix("\ufeff")  # a stream opened without utf-8-sig
    _check_columns(names, reading)
    return [names.index(column) for column in reading.names()]


def _check_columns(present: Sequence[object], reading: _Reading) -> None:
    """Refuse a column to read that is missing or named twice."""
    for column in reading.names():
        count = present.count(column)
        if count != 1:
            problem = "missing" if count == 0 else f"named {count} times"
            raise BarDataError(
                f"column {column!r} is {problem}; the columns are {_listed(present)}",
                column=column,
            )


def _listed(names: Iterable[object]) -> str:
    return ", ".join(quote(name) for name in names) or "none"


# pandas


def bars_from_frame(
    frame: Any,
    *,
    floats: FloatPolicy = "refuse",
    tz: tzinfo | None = None,
    dates_at: time = time(0),
    **columns: Unpack[BarColumns],
) -> list[DatedBar]:
    """The bars of one asset from the columns of a pandas DataFrame, oldest first.

    Columns of text (``object`` or ``string``) are read as :func:`read_bars_csv`
    reads a file; integer and ``Decimal`` values are exact; times may also be
    datetimes (pandas' Timestamps: a ``datetime64`` column) or dates. A float
    column, or a float among other values, is refused unless ``floats="repr"``
    reads each float by its shortest repr. A missing value (``None``, NaN,
    ``NaT``, ``NA``) is refused. Rows are numbered from 1 in the frame's order;
    errors also give the row's index label. To read a time index, make it a
    column: ``frame.reset_index()``. Needs the ``pandas`` extra.
    """
    reading = _reading(columns, tz=tz, dates_at=dates_at, floats=floats)
    return _read(_frame_rows(frame, reading), reading).get("", [])


def bars_from_frame_by_asset(
    frame: Any,
    *,
    asset: str = "asset",
    floats: FloatPolicy = "refuse",
    tz: tzinfo | None = None,
    dates_at: time = time(0),
    **columns: Unpack[BarColumns],
) -> dict[str, list[DatedBar]]:
    """The bars of each asset from a DataFrame of many assets, one bar a row, the
    asset's symbol (a ``str``) in column ``asset``; otherwise as
    :func:`bars_from_frame` and :func:`read_bars_csv_by_asset`."""
    reading = _reading(columns, asset=asset, tz=tz, dates_at=dates_at, floats=floats)
    return _read(_frame_rows(frame, reading), reading)


def _frame_rows(frame: Any, reading: _Reading) -> Iterator[_Cells]:
    try:
        pandas = importlib.import_module("pandas")
    except ImportError:
        raise missing_extra("bars_from_frame", "pandas") from None
    _check_columns(list(frame.columns), reading)
    if reading.floats == "refuse":
        _refuse_float_columns(frame, reading)
    values = [frame[column].tolist() for column in reading.names()]
    for row, (label, *cells) in enumerate(zip(frame.index.tolist(), *values, strict=True), start=1):
        yield _Where(row, label=label), [
            None if _is_missing(cell, pandas) else cell for cell in cells
        ]


def _is_missing(cell: object, pandas: Any) -> bool:
    """pandas' missing values, which compare as neither equal nor unequal."""
    return (
        cell is pandas.NA or cell is pandas.NaT or (isinstance(cell, float) and math.isnan(cell))
    )


def _refuse_float_columns(frame: Any, reading: _Reading) -> None:
    for field, column in zip(reading.fields[1:], reading.columns[1:], strict=True):
        dtype = frame[column].dtype
        if getattr(dtype, "kind", None) == "f":
            raise BarDataError(
                f"column {column!r} (the {field}) holds floats ({dtype}), which may already "
                f"have been rounded to binary; {_READ_EXACTLY}",
                column=column,
            )
