"""Timestamp normalisation to UTC (SPEC section 3, RELIABILITY section 9)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from parsers._time import SENTINEL_DATES, parse_timestamps, parse_timestamps_with_issues

NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def one(value: object, tz: ZoneInfo | str = "UTC") -> tuple[datetime | None, str | None]:
    row = parse_timestamps_with_issues([value], tz).row(0)
    return row[0], row[1]


def test_result_is_microsecond_utc_datetime() -> None:
    values, notes = parse_timestamps(["2026-04-06T09:12:04Z"], "UTC")
    assert values.dtype == pl.Datetime("us", "UTC")
    assert notes == Counter()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-04-06T09:12:04.220Z", utc(2026, 4, 6, 9, 12, 4, 220000)),
        ("2026-04-06t09:12:04z", utc(2026, 4, 6, 9, 12, 4)),
        ("2026-04-06 09:12:04Z", utc(2026, 4, 6, 9, 12, 4)),
        ("2026-04-06T05:12:03-04:00", utc(2026, 4, 6, 9, 12, 3)),
        ("2026-04-06T14:42:03+0530", utc(2026, 4, 6, 9, 12, 3)),
        ("2026-04-06T14:12:03+05", utc(2026, 4, 6, 9, 12, 3)),
        ("2026-04-06T11:12:03 +02:00", utc(2026, 4, 6, 9, 12, 3)),
        ("2026-04-06T09:12:03.123456789+00:00", utc(2026, 4, 6, 9, 12, 3, 123456)),
        ("2026-04-06T09:12Z", utc(2026, 4, 6, 9, 12)),
    ],
)
def test_offsets_and_z_convert_to_utc_without_a_note(raw: str, expected: datetime) -> None:
    assert one(raw, NEW_YORK) == (expected, None)


def test_naive_time_is_read_in_the_given_zone_and_noted() -> None:
    assert one("2026-04-06 05:12:03", NEW_YORK) == (utc(2026, 4, 6, 9, 12, 3), "naive_timestamp")
    assert one("2026-01-06T05:12:03", NEW_YORK) == (utc(2026, 1, 6, 10, 12, 3), "naive_timestamp")
    assert one("2026-04-06 05:12:03", "UTC") == (utc(2026, 4, 6, 5, 12, 3), "naive_timestamp")


def test_naive_time_in_the_dst_gap_is_null_not_shifted() -> None:
    assert one("2026-03-08T02:30:00", NEW_YORK) == (None, "nonexistent_local_time")


def test_naive_time_in_the_dst_overlap_is_null_not_guessed() -> None:
    assert one("2026-11-01T01:30:00", NEW_YORK) == (None, "ambiguous_timestamp")


def test_offset_time_inside_the_local_overlap_is_fine() -> None:
    assert one("2026-11-01T01:30:00-05:00", NEW_YORK) == (utc(2026, 11, 1, 6, 30), None)


@pytest.mark.parametrize(
    "raw",
    [
        1775466723,
        1775466723497,
        1775466723497000,
        1775466723497000000,
        "1775466723",
        "1775466723497",
        "1775466723497000",
        "1775466723497000000",
    ],
)
def test_epoch_unit_is_told_apart_by_magnitude(raw: object) -> None:
    value, issue = one(raw, NEW_YORK)
    assert issue is None
    assert value is not None
    assert value.replace(microsecond=0) == utc(2026, 4, 6, 9, 12, 3)


def test_epoch_fractions_and_nanoseconds_keep_their_precision() -> None:
    assert one(1775466723.25) == (utc(2026, 4, 6, 9, 12, 3, 250000), None)
    assert one("1775466723.5") == (utc(2026, 4, 6, 9, 12, 3, 500000), None)
    assert one(1775466723123456789) == (utc(2026, 4, 6, 9, 12, 3, 123456), None)


@pytest.mark.parametrize(
    "raw",
    [
        "1970-01-01T00:00:00Z",
        0,
        "0",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:00:00-05:00",
        "1899-12-30",
        "2038-01-19T03:14:07Z",
        "1601-01-01T00:00:00Z",
        "1980-01-01T00:00:00",
        "2106-02-07T06:28:15Z",
    ],
)
def test_sentinel_dates_are_null_and_noted(raw: object) -> None:
    assert one(raw, NEW_YORK) == (None, "sentinel_timestamp")


def test_sentinel_list_covers_the_documented_dates() -> None:
    documented = {"1970-01-01", "0001-01-01", "9999-12-31", "2038-01-19"}
    documented |= {"1899-12-30", "1601-01-01", "1980-01-01", "2106-02-07"}
    assert documented <= set(SENTINEL_DATES)


@pytest.mark.parametrize("raw", ["garbage", "12:30", "June", "2026-13-45T99:00:00", "true", True])
def test_garbage_is_null_and_unparseable(raw: object) -> None:
    assert one(raw) == (None, "unparseable_timestamp")


def test_unknown_zone_abbreviation_is_unparseable_not_machine_local() -> None:
    assert one("2026-04-06 09:12 EST") == (None, "unparseable_timestamp")


def test_missing_and_empty_values_are_null_without_an_issue() -> None:
    frame = parse_timestamps_with_issues([None, "", "   "], "UTC")
    assert frame.rows() == [(None, None)] * 3


def test_rfc_2822_http_date_goes_through_dateutil() -> None:
    assert one("Mon, 06 Apr 2026 09:12:04 GMT", NEW_YORK) == (utc(2026, 4, 6, 9, 12, 4), None)


def test_day_month_order_that_reads_both_ways_is_ambiguous() -> None:
    assert one("04/06/2026 09:12") == (None, "ambiguous_timestamp")
    assert one("13/04/2026 09:12") == (utc(2026, 4, 13, 9, 12), "naive_timestamp")


def test_leftover_values_are_parsed_once_per_unique_value() -> None:
    values = ["Mon, 06 Apr 2026 09:12:04 GMT"] * 1000 + ["bad"] * 1000
    result, notes = parse_timestamps(values, "UTC")
    assert result.null_count() == 1000
    assert notes == Counter(unparseable_timestamp=1000)


def test_mixed_column_counts_each_issue() -> None:
    values = ["2026-04-06T09:12:04Z", "2026-04-06 09:12:04", None, "nope", 0, 1775466723]
    result, notes = parse_timestamps(values, NEW_YORK)
    assert result.len() == 6
    assert result.null_count() == 3
    assert notes == Counter(naive_timestamp=1, unparseable_timestamp=1, sentinel_timestamp=1)


def test_accepts_a_polars_series_of_integers() -> None:
    result, _ = parse_timestamps(pl.Series([1775466723, None]), "UTC")
    assert result.to_list() == [utc(2026, 4, 6, 9, 12, 3), None]


@pytest.mark.parametrize("stamp", ["2026-04-06T09:12:04+24:00", "2026-04-06T09:12:04-25:30"])
def test_offset_python_cannot_apply_is_unparseable(stamp: str) -> None:
    result = parse_timestamps_with_issues([stamp, "2026-04-06T09:12:04Z"], "UTC")
    assert result.get_column("issue").to_list() == ["unparseable_timestamp", None]
    assert result.get_column("value").to_list() == [
        None,
        datetime(2026, 4, 6, 9, 12, 4, tzinfo=UTC),
    ]
