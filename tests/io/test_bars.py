"""Bars read from CSV text and DataFrames: exact decimals, checked times, located errors."""

from __future__ import annotations

import io
import pickle
import sys
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from orders import Bar, OrderError, SerializationError, strategies
from orders._checks import decimal_text
from orders.io.bars import (
    BarDataError,
    DatedBar,
    bars_from_frame,
    bars_from_frame_by_asset,
    read_bars_csv,
    read_bars_csv_by_asset,
)

HEADER = "datetime,open,high,low,close,volume\n"
GOOD = (HEADER + "2024-01-02T16:00:00,185,186,184,185.50,1000\n"
        "2024-01-03T16:00:00,0.1,0.3,0.1,0.2,0\n")
JAN_2 = datetime(2024, 1, 2, 16)
JAN_3 = datetime(2024, 1, 3, 16)


def csv(text: str, **keywords: Any) -> list[DatedBar]:
    return read_bars_csv(io.StringIO(text), **keywords)


def test_a_csv_file_gives_each_bar_exactly_as_written() -> None:
    bars = csv(GOOD)
    assert bars == [
        (JAN_2, Bar("185", "186", "184", "185.50", volume="1000")),
        (JAN_3, Bar("0.1", "0.3", "0.1", "0.2", volume="0")),
    ]
    assert decimal_text(bars[0].bar.close) == "185.50"  # the written digits, trailing zero too
    assert bars[1].bar.open + bars[1].bar.close == Decimal("0.3")
    dt, bar = bars[0]
    assert (dt, bar) == (bars[0].dt, bars[0].bar)


def test_columns_are_named_by_keyword_and_other_columns_are_ignored() -> None:
    text = "Date,Symbol,Open,High,Low,Close,Adj Close\n2024-01-02T16:00,X,10,12,9,11,10.5\n"
    bars = csv(text, datetime="Date", open="Open", high="High", low="Low", close="Close",
               volume=None)
    assert bars == [(JAN_2, Bar(10, 12, 9, 11))]
    assert bars[0].bar.volume is None


def test_a_file_is_read_from_its_path_past_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    assert read_bars_csv(path) == read_bars_csv(str(path)) == csv(GOOD)


def test_a_byte_order_mark_read_into_a_stream_is_skipped_too() -> None:
    assert csv("\ufeff" + GOOD) == csv(GOOD)


def test_a_date_alone_is_read_at_midnight_or_at_dates_at() -> None:
    text = HEADER + "2024-01-02,1,1,1,1,1\n"
    assert csv(text)[0].dt == datetime(2024, 1, 2)
    assert csv(text, dates_at=time(16))[0].dt == JAN_2


def test_with_tz_naive_times_are_read_in_it_and_aware_ones_converted() -> None:
    new_york = ZoneInfo("America/New_York")
    naive = csv(HEADER + "2024-01-02T16:00,1,1,1,1,1\n", tz=new_york)
    aware = csv(HEADER + "2024-01-02T21:00:00Z,1,1,1,1,1\n", tz=new_york)
    assert naive[0].dt == aware[0].dt == datetime(2024, 1, 2, 16, tzinfo=new_york)
    assert aware[0].dt.tzinfo is new_york
    kept = csv(HEADER + "2024-01-02T16:00:00+01:00,1,1,1,1,1\n")
    assert kept[0].dt.utcoffset() == timedelta(hours=1)


def test_blank_lines_are_skipped_and_lines_counted() -> None:
    text = HEADER + "\n2024-01-02,1,1,1,1,1\n\n2024-01-03,1,1,1,x,1\n"
    with pytest.raises(BarDataError) as refused:
        csv(text)
    assert (refused.value.row, refused.value.line) == (2, 5)


def test_a_header_alone_gives_no_bars() -> None:
    assert csv(HEADER) == []


def test_a_file_of_many_assets_gives_each_asset_its_bars_in_order() -> None:
    text = (
        "asset,datetime,open,high,low,close\n"
        "MSFT,2024-01-02,402,404,400.5,403\n"
        "AAPL,2024-01-02,185,186,184,185.5\n"
        "MSFT,2024-01-03,401,402,398,399\n"
        "AAPL,2024-01-03,186,188,185,187.5\n"
    )
    bars = read_bars_csv_by_asset(io.StringIO(text), volume=None)
    assert list(bars) == ["MSFT", "AAPL"]
    assert [dt.day for dt, _ in bars["AAPL"]] == [2, 3]
    assert bars["MSFT"][1].bar == Bar(401, 402, 398, 399)


def test_the_asset_column_is_named_by_keyword() -> None:
    text = "sym,datetime,open,high,low,close,volume\nX,2024-01-02,1,1,1,1,1\n"
    assert list(read_bars_csv_by_asset(io.StringIO(text), asset="sym")) == ["X"]


@given(st.lists(strategies.bars(), max_size=8), strategies.starts())
def test_bars_written_as_csv_read_back_digit_for_digit(bars: list[Bar], start: datetime) -> None:
    rows = [
        f"{(start + timedelta(days=day)).isoformat()},{decimal_text(bar.open)},"
        f"{decimal_text(bar.high)},{decimal_text(bar.low)},{decimal_text(bar.close)},"
        f"{'' if bar.volume is None else decimal_text(bar.volume)}"
        for day, bar in enumerate(bars)
    ]
    with_volume = all(bar.volume is not None for bar in bars)
    read = csv(HEADER + "".join(f"{row}\n" for row in rows),
               **({} if with_volume else {"volume": None}))
    assert [dt for dt, _ in read] == [start + timedelta(days=day) for day in range(len(bars))]
    expected = bars if with_volume else [Bar(b.open, b.high, b.low, b.close) for b in bars]
    assert [bar for _, bar in read] == expected
    assert [decimal_text(bar.close) for _, bar in read] == [
        decimal_text(bar.close) for bar in bars
    ]


FIRST = "2024-01-02T16:00,1,2,1,2,5\n"


@pytest.mark.parametrize(
    ("row", "column", "shown"),
    [
        ("2024-01-03T16:00,1,2,1,abc,5", "close", "'abc'"),
        ("2024-01-03T16:00,1,2,1,NaN,5", "close", "'NaN'"),
        ("2024-01-03T16:00,1,inf,1,2,5", "high", "'inf'"),
        ("2024-01-03T16:00,1,2,,2,5", "low", "the low is empty"),
        ("2024-01-03T16:00,1,2,1,  ,5", "close", "the close is empty"),
        ("2024-01-03T16:00,-1,2,1,2,5", "open", "open must not be negative; got '-1'"),
        ("2024-01-03T16:00,1,2,1,2,-5", "volume", "volume must not be negative; got '-5'"),
        ("2024-01-03T16:00,1,2,1,1E+30,5", "close", "within the bounds"),
        ("2024-01-03 4pm,1,2,1,2,5", "datetime", "ISO 8601 text"),
        (",1,2,1,2,5", "datetime", "the time is empty"),
        ("2024-01-03T16:00Z,1,2,1,2,5", "datetime", "is aware, but row 1 (line 2)'s"),
        ("2024-01-02T16:00,1,2,1,2,5", "datetime", "repeats row 1 (line 2)'s"),
        ("2024-01-01T16:00,1,2,1,2,5", "datetime", "comes before row 1 (line 2)'s"),
    ],
)
def test_a_bad_value_is_refused_naming_its_row_line_and_column(
    row: str, column: str, shown: str
) -> None:
    with pytest.raises(BarDataError) as refused:
        csv(HEADER + FIRST + row + "\n")
    error = refused.value
    assert (error.row, error.line, error.column) == (2, 3, column)
    assert str(error).startswith(f"row 2 (line 3), column {column!r}: ")
    assert shown in str(error)
    assert error.path == f"row 2 (line 3), column {column!r}"


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        ("2024-01-03T16:00,1,2,3,2,5",
         "a bar needs low <= open, close <= high; got open 1, high 2, low 3"),
        ("2024-01-03T16:00,1,2,1,3,5", "close 3"),
        ("2024-01-03T16:00,1,2,1,2", "the row has 5 field(s) and the header 6"),
        ("2024-01-03T16:00,1,2,1,2,5,7", "the row has 7 field(s) and the header 6"),
    ],
)
def test_a_bad_row_is_refused_naming_it(row: str, shown: str) -> None:
    with pytest.raises(BarDataError) as refused:
        csv(HEADER + FIRST + row + "\n")
    assert (refused.value.row, refused.value.line, refused.value.column) == (2, 3, None)
    assert str(refused.value).startswith("row 2 (line 3): ")
    assert shown in str(refused.value)


def test_the_bars_of_other_assets_do_not_order_each_other_but_times_are_one_kind() -> None:
    text = "asset,datetime,open,high,low,close\nA,2024-01-03,1,1,1,1\nB,2024-01-02,1,1,1,1\n"
    assert len(read_bars_csv_by_asset(io.StringIO(text), volume=None)) == 2
    mixed = text + "B,2024-01-04T00:00+00:00,1,1,1,1\n"
    with pytest.raises(BarDataError, match=r"row 3 \(line 4\), column 'datetime'.*naive"):
        read_bars_csv_by_asset(io.StringIO(mixed), volume=None)
    repeated = text + "A,2024-01-03,1,1,1,1\n"
    with pytest.raises(BarDataError, match=r"repeats row 1 \(line 2\)'s"):
        read_bars_csv_by_asset(io.StringIO(repeated), volume=None)


def test_an_empty_asset_is_refused() -> None:
    text = "asset,datetime,open,high,low,close\n,2024-01-03,1,1,1,1\n"
    with pytest.raises(BarDataError, match=r"row 1 .*column 'asset': the asset must be"):
        read_bars_csv_by_asset(io.StringIO(text), volume=None)


@pytest.mark.parametrize(
    ("text", "keywords", "shown"),
    [
        (HEADER, {"close": "Close"}, "column 'Close' is missing; the columns are 'datetime', "),
        ("datetime,open,high,low,close,close\n", {"volume": None},
         "column 'close' is named 2 times"),
    ],
)
def test_a_missing_or_doubled_column_is_refused_by_name(
    text: str, keywords: dict[str, Any], shown: str
) -> None:
    with pytest.raises(BarDataError) as refused:
        csv(text, **keywords)
    assert str(refused.value).startswith(shown)
    assert refused.value.row is None


def test_an_empty_file_is_refused_as_having_no_header() -> None:
    with pytest.raises(BarDataError, match="no header row; it needs the columns 'datetime'"):
        csv("")


def test_text_that_is_not_csv_is_refused_with_its_line() -> None:
    with pytest.raises(BarDataError) as refused:
        csv(HEADER + '2024-01-02,"1\0,1,1,1,1\n')
    assert refused.value.line == 2


@pytest.mark.parametrize(
    ("keywords", "shown"),
    [
        ({"Close": "close"}, "unknown column keyword(s) 'Close'"),
        ({"close": ""}, "close must name a column as a non-empty str"),
        ({"tz": "UTC"}, "tz must be a tzinfo or None; got 'UTC'"),
        ({"dates_at": time(16, tzinfo=UTC)}, "dates_at must be a naive time"),
    ],
)
def test_a_bad_keyword_is_refused(keywords: dict[str, Any], shown: str) -> None:
    with pytest.raises(OrderError) as refused:
        csv(GOOD, **keywords)
    assert shown in str(refused.value)


def test_the_error_is_a_serialization_error_and_keeps_its_place_when_pickled() -> None:
    with pytest.raises(BarDataError) as refused:
        csv(HEADER + FIRST + "2024-01-03,1,2,1,x,5\n")
    assert isinstance(refused.value, SerializationError)
    again = pickle.loads(pickle.dumps(refused.value))
    assert (again.row, again.line, again.column, str(again)) == (
        2, 3, "close", str(refused.value))


# DataFrames


def frame_of(text: str, **keywords: Any) -> Any:
    pandas = pytest.importorskip("pandas")
    return pandas.read_csv(io.StringIO(text), **keywords)


def test_a_frame_of_text_is_read_as_the_file_is() -> None:
    assert bars_from_frame(frame_of(GOOD, dtype=str)) == csv(GOOD)


def test_integer_and_decimal_columns_are_exact() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({
        "datetime": [JAN_2], "open": [10], "high": [Decimal("12.25")], "low": [9],
        "close": [Decimal("11.10")], "volume": [10**15],
    })
    (read,) = bars_from_frame(frame)
    assert read == (JAN_2, Bar(10, "12.25", 9, "11.10", volume=10**15))
    assert decimal_text(read.bar.close) == "11.10"


def test_a_float_column_is_refused_saying_how_to_read_it_exactly() -> None:
    with pytest.raises(BarDataError) as refused:
        bars_from_frame(frame_of(GOOD))
    assert str(refused.value).startswith("column 'open' (the open) holds floats (float64)")
    assert "pandas.read_csv(..., dtype=str)" in str(refused.value)
    assert "floats='repr'" in str(refused.value)
    assert (refused.value.column, refused.value.row) == ("open", None)


def test_floats_repr_reads_each_float_by_its_shortest_repr() -> None:
    bars = bars_from_frame(frame_of(GOOD), floats="repr")
    assert bars[1].bar == Bar("0.1", "0.3", "0.1", "0.2", volume=0)
    assert bars[0].bar.close == Decimal("185.5")


def test_a_float_among_other_values_is_refused_in_its_row() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(
        {"datetime": ["2024-01-02", "2024-01-03"], "open": ["1", 1.5], "high": ["2", "2"],
         "low": ["1", "1"], "close": ["2", "2"]},
        index=["a", "b"],
    )
    with pytest.raises(BarDataError) as refused:
        bars_from_frame(frame, volume=None)
    assert str(refused.value).startswith("row 2 (index 'b'), column 'open': the open is a float")
    assert (refused.value.row, refused.value.line) == (2, None)
    assert bars_from_frame(frame, volume=None, floats="repr")[1].bar.open == Decimal("1.5")


def test_a_missing_value_is_refused_as_empty() -> None:
    empty = r"row 2 \(index 1\), column 'close': the close is empty"
    with pytest.raises(BarDataError, match=empty):
        bars_from_frame(frame_of(HEADER + FIRST + "2024-01-03T16:00,1,2,1,,5\n", dtype=str))


def test_a_missing_integer_and_a_missing_time_are_refused_as_empty() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({
        "datetime": pandas.to_datetime(["2024-01-02", None]), "open": [1, 1], "high": [1, 1],
        "low": [1, 1], "close": [1, 1], "volume": pandas.array([1, None], dtype="Int64"),
    })
    with pytest.raises(BarDataError, match=r"row 2 .*column 'datetime': the time is empty"):
        bars_from_frame(frame)
    frame["datetime"] = pandas.to_datetime(["2024-01-02", "2024-01-03"])
    with pytest.raises(BarDataError, match=r"row 2 .*column 'volume': the volume is empty"):
        bars_from_frame(frame)


def test_timestamps_dates_and_aware_columns_are_times() -> None:
    pandas = pytest.importorskip("pandas")
    ohlc = {"open": [1, 1], "high": [1, 1], "low": [1, 1], "close": [1, 1]}
    stamps = pandas.DataFrame({"datetime": pandas.to_datetime([JAN_2, JAN_3]), **ohlc})
    read = bars_from_frame(stamps, volume=None)
    assert [dt for dt, _ in read] == [JAN_2, JAN_3]
    assert all(type(dt) is datetime for dt, _ in read)
    aware = stamps.assign(datetime=stamps["datetime"].dt.tz_localize("UTC"))
    assert bars_from_frame(aware, volume=None)[0].dt == JAN_2.replace(tzinfo=UTC)
    dates = pandas.DataFrame({"datetime": [date(2024, 1, 2), date(2024, 1, 3)], **ohlc})
    assert bars_from_frame(dates, volume=None, dates_at=time(16))[1].dt == JAN_3


def test_a_timestamp_with_nanoseconds_is_refused() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"datetime": [pandas.Timestamp("2024-01-02 16:00:00.000000001")],
                              "open": [1], "high": [1], "low": [1], "close": [1]})
    with pytest.raises(BarDataError, match="has nanoseconds"):
        bars_from_frame(frame, volume=None)


def test_a_time_of_another_type_is_refused() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"datetime": [1704211200], "open": [1], "high": [1], "low": [1],
                              "close": [1]})
    with pytest.raises(BarDataError, match="got 1704211200 \\(int\\)"):
        bars_from_frame(frame, volume=None)


def test_a_frame_of_many_assets_and_its_checks() -> None:
    text = "asset,datetime,open,high,low,close\nA,2024-01-02,1,1,1,1\nB,2024-01-02,2,2,2,2\n"
    bars = bars_from_frame_by_asset(frame_of(text, dtype=str), volume=None)
    assert bars == read_bars_csv_by_asset(io.StringIO(text), volume=None)
    with pytest.raises(BarDataError, match="column 'symbol' is missing"):
        bars_from_frame_by_asset(frame_of(text, dtype=str), asset="symbol", volume=None)


def test_a_frame_without_pandas_installed_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="bars_from_frame needs the 'pandas' extra: pip install"):
        bars_from_frame(object())


def test_bars_in_time_order_stay_in_order_across_the_fall_back_hour() -> None:
    text = io.StringIO(
        "datetime,open,high,low,close\n"
        "2024-11-03T05:45:00Z,1,1,1,1\n"  # 01:45 EDT
        "2024-11-03T06:15:00Z,1,1,1,1\n"  # 01:15 EST, half an hour later
    )
    bars = read_bars_csv(text, volume=None, tz=ZoneInfo("America/New_York"))
    assert [dt.astimezone(UTC).hour for dt, _ in bars] == [5, 6]
