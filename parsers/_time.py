"""Vectorised timestamp normalisation: every raw value to ``Datetime("us", "UTC")``.

Rules (SPEC section 3, RELIABILITY section 9), applied to a whole column at once:

1. Numbers and numeric strings are epoch values, told apart by magnitude:
   seconds below 1e11, milliseconds below 1e14, microseconds below 1e17, else
   nanoseconds. Integers stay integers, so nanosecond values keep their digits.
2. ISO 8601 with an offset or ``Z`` is converted to UTC. Polars' ``%z`` does not
   accept ``Z`` (or ``+05``), so those are rewritten to ``+00:00`` / ``+05:00``.
3. Naive ISO 8601 is read in the given zone (note ``naive_timestamp``). A local
   time that does not exist (DST gap) or exists twice (DST overlap) becomes null
   with ``nonexistent_local_time`` / ``ambiguous_timestamp``: never guessed.
4. Sentinel dates (1970-01-01, 0001-01-01, 9999-12-31, ...) become null with
   ``sentinel_timestamp``: they are placeholders, not times.
5. Whatever is left is tried with python-dateutil, once per *unique* value (RFC
   2822 dates, ``04/06/2026 09:12`` ...). The day/month order is decided once
   per column: a value whose first number is over 12 (``13/04/2026``) proves
   day-first, one whose second is (``04/13/2026``) proves month-first, and the
   proven order reads the column's ambiguous values too. Without proof, or with
   proof both ways, a value dateutil could read both ways is
   ``ambiguous_timestamp``. A string missing its date part or naming an
   unknown zone abbreviation is ``unparseable_timestamp``.

The value is null and the issue says why; the caller decides whether a null
field rejects the record (a receive time does) or is merely noted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl
from dateutil import parser as dateutil_parser

UTC_US: Final = pl.Datetime("us", "UTC")

SENTINEL_DATES: Final = (
    "0001-01-01",
    "1601-01-01",
    "1899-12-30",
    "1901-12-13",
    "1969-12-31",
    "1970-01-01",
    "1980-01-01",
    "2038-01-19",
    "2106-02-07",
    "9999-12-31",
)
# Codes a timestamp can carry. Only naive_timestamp keeps the value; the others null it.
ISSUES: Final = (
    "naive_timestamp",
    "nonexistent_local_time",
    "ambiguous_timestamp",
    "sentinel_timestamp",
    "unparseable_timestamp",
)
# dateutil costs ~50 us per value; past this many unique leftovers the rest is unparseable.
MAX_FALLBACK_VALUES: Final = 10_000

_CANONICAL: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$"
_NUMERIC: Final = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_AWARE_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
_NAIVE_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
_YEAR_FIRST: Final = re.compile(r"\s*[+-]?\d{4}[-/.]")
# The first two numbers of a day/month/year date (year last), for the column's order.
_DAY_MONTH: Final = r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}(?:\D|$)"
_UTC_NAMES: Final = frozenset({"UTC", "GMT", "UT", "Z"})
_DEFAULTS: Final = (datetime(2000, 1, 1), datetime(2001, 2, 2))  # noqa: DTZ001 - dateutil fills naive parts


class _UnknownZoneError(ValueError):
    """A zone abbreviation dateutil found but cannot map to an offset (EST, CET...)."""


def _tzinfos(name: str | None, offset: int | None) -> int | None:
    """Resolve zones for dateutil without consulting the machine's local zone."""
    # NOTE: without a tzinfos callable dateutil maps names found in time.tzname to
    # the *machine's* zone, so results would depend on where the tool runs.
    if offset is not None:
        return offset
    if name is None:
        return None
    if name.upper() in _UTC_NAMES:
        return 0
    raise _UnknownZoneError(name)


def _fallback_one(text: str, dayfirst: bool | None) -> tuple[datetime | None, str | None]:
    """Parse one leftover string with dateutil; return (datetime, issue).

    An aware result is returned in UTC.

    ``dayfirst`` is the column's proven day/month order, None when unproven.
    """
    try:
        first = dateutil_parser.parse(
            text, default=_DEFAULTS[0], tzinfos=_tzinfos, dayfirst=bool(dayfirst)
        )
        second = dateutil_parser.parse(
            text, default=_DEFAULTS[1], tzinfos=_tzinfos, dayfirst=bool(dayfirst)
        )
        if first != second:
            # A part came from the default: the string has no full date ("5", "June").
            return None, "unparseable_timestamp"
        if dayfirst is None and not _YEAR_FIRST.match(text):
            dayfirst = dateutil_parser.parse(
                text, default=_DEFAULTS[0], tzinfos=_tzinfos, dayfirst=True
            )
            if dayfirst != first:
                return None, "ambiguous_timestamp"
        if first.tzinfo is not None:
            # NOTE: dateutil accepts offsets Python cannot apply (+24:00, or +00:60
            # on 0001-01-01); converting here makes them this value's problem, not
            # an exception that costs the whole file.
            first = first.astimezone(UTC)
    except (ValueError, OverflowError):
        return None, "unparseable_timestamp"
    return first, None


def _day_first(texts: pl.Series) -> bool | None:
    """The day/month order the column's unambiguous dates prove, or None.

    None when no value proves an order, or when values prove both orders (a
    column mixing the two cannot be read either way, so its ambiguous values
    stay ambiguous).
    """
    parts = texts.str.strip_chars().str.extract_groups(_DAY_MONTH)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    proof = pl.DataFrame({"first": first, "second": second}).select(
        day=((pl.col("first") > 12) & (pl.col("second") <= 12)).any(),
        month=((pl.col("second") > 12) & (pl.col("first") <= 12)).any(),
    )
    day, month = proof.row(0)
    if day == month:
        return None
    return bool(day)


def _fallback(texts: pl.Series) -> pl.DataFrame:
    """Parse unique leftover strings; return text, wall-clock value, UTC value, issue."""
    dayfirst = _day_first(texts)
    rows_text, rows_naive, rows_aware, rows_issue = [], [], [], []
    for i, text in enumerate(texts.to_list()):
        value, issue = (None, "unparseable_timestamp")
        if i < MAX_FALLBACK_VALUES:
            value, issue = _fallback_one(text, dayfirst)
        rows_text.append(text)
        is_aware = value is not None and value.tzinfo is not None
        rows_naive.append(None if value is None or is_aware else value)
        rows_aware.append(value if is_aware else None)
        rows_issue.append(issue)
    return pl.DataFrame(
        {
            "_text": pl.Series(rows_text, dtype=pl.String),
            "_fb_naive": pl.Series(rows_naive, dtype=pl.Datetime("us")),
            "_fb_aware": pl.Series(rows_aware, dtype=UTC_US),
            "_fb_issue": pl.Series(rows_issue, dtype=pl.String),
        }
    )


def _as_text(values: pl.Series | Sequence[object]) -> pl.Series:
    """Turn raw values (str, int, float, None) into one String column."""
    if isinstance(values, pl.Series):
        if isinstance(values.dtype, pl.Datetime):
            if values.dtype.time_zone is None:
                return values.dt.strftime("%Y-%m-%dT%H:%M:%S%.f")
            return values.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.f+00:00")
        if values.dtype == pl.String:
            return values
        if values.dtype == pl.Boolean:
            return values.cast(pl.String)
        return values.cast(pl.String, strict=False)
    return pl.Series("raw", list(values), dtype=pl.String, strict=False)


def _epoch(text: pl.Expr) -> pl.Expr:
    """Epoch numbers by magnitude: s < 1e11, ms < 1e14, us < 1e17, else ns."""
    as_int = text.cast(pl.Int64, strict=False)
    as_float = text.cast(pl.Float64, strict=False)
    size = as_float.abs()
    # NOTE: integers take the integer path so 19-digit nanoseconds are not rounded
    # through a float; fractional or exponent forms take the float path.
    int_us = (
        pl.when(size < 1e11)
        .then(as_int * 1_000_000)
        .when(size < 1e14)
        .then(as_int * 1_000)
        .when(size < 1e17)
        .then(as_int)
        .otherwise(as_int // 1_000)
    )
    float_us = (
        pl.when(size < 1e11)
        .then(as_float * 1e6)
        .when(size < 1e14)
        .then(as_float * 1e3)
        .when(size < 1e17)
        .then(as_float)
        .otherwise(as_float / 1e3)
        .round(0)
    )
    in_range = float_us.abs() < 9e18
    micros = pl.coalesce(
        int_us, pl.when(as_float.is_finite() & in_range).then(float_us).cast(pl.Int64)
    )
    return pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC")


def _iso(text: pl.Expr) -> pl.Expr:
    """Rewrite ISO-like text into the forms Polars' strptime accepts."""
    return (
        text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT](\d)", "${1}T${2}")
        .str.replace(r"\s*(?:[zZ]|UTC|GMT)$", "+00:00")
        .str.replace(r"(\d)\s+([+-]\d{2}(?::?\d{2})?)$", "${1}${2}")
        .str.replace(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2})$", "${1}:00")
    )


def _localise(naive: pl.Expr, zone: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Read naive wall-clock times in zone; return (utc, nonexistent, ambiguous)."""
    if zone == "UTC":
        return naive.dt.replace_time_zone("UTC"), pl.lit(False), pl.lit(False)
    early = naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    late = naive.dt.replace_time_zone(zone, ambiguous="latest", non_existent="null")
    nonexistent = naive.is_not_null() & early.is_null()
    ambiguous = early.is_not_null() & (early != late)
    utc = pl.when(~ambiguous).then(early).dt.convert_time_zone("UTC")
    return utc, nonexistent, ambiguous


def _zone_name(tz: ZoneInfo | str) -> str:
    return tz if isinstance(tz, str) else (tz.key or "UTC")


def parse_timestamps_with_issues(
    values: pl.Series | Sequence[object], tz: ZoneInfo | str
) -> pl.DataFrame:
    """Normalise raw timestamps and say, per value, what was wrong with it.

    Args:
        values: raw values (str, int, float, None) or a Polars Series of them.
        tz: the zone naive timestamps are read in (``--tz``).

    Returns:
        A frame with one row per value: ``value`` (``Datetime("us", "UTC")``,
        null when absent or unusable) and ``issue`` (String: null when the value
        was absent, empty or clean; else one of ``ISSUES``). Only
        ``naive_timestamp`` rows keep their value.
    """
    raw = _as_text(values)
    fast = _canonical(raw)
    slow_at = fast.get_column("_fast").not_().arg_true()
    if slow_at.is_empty():
        return fast.select("value", "issue")
    if slow_at.len() == raw.len():
        return _parse_full(raw, tz)
    # NOTE: only the other values pay for the rewrites, formats and fallbacks; their
    # results are written back in place, which keeps the rows in order without a sort.
    slow = _parse_full(raw.gather(slow_at), tz)
    return pl.DataFrame(
        [
            fast.get_column(name).scatter(slow_at, slow.get_column(name))
            for name in ("value", "issue")
        ]
    )


_DAY_US: Final = 86_400_000_000
_EPOCH_DAY: Final = date(1970, 1, 1)
_SENTINEL_DAYS: Final = tuple((date.fromisoformat(d) - _EPOCH_DAY).days for d in SENTINEL_DATES)
# The microseconds a Python datetime can show: years 1 to 9999.
_FIRST_US: Final = (date.min - _EPOCH_DAY).days * _DAY_US
_PAST_LAST_US: Final = ((date.max - _EPOCH_DAY).days + 1) * _DAY_US


def _canonical(raw: pl.Series) -> pl.DataFrame:
    """Read canonical ISO 8601 with ``Z`` or ``+HH:MM`` (what receivers log) by position.

    Returns ``value`` and ``issue`` as ``_parse_full`` gives them, and ``_fast``:
    false where the value is not canonical and the full rules must read it.
    Absent values are fast too (null, no issue).
    """
    # NOTE: Polars' strptime of the fixed-width "%Y-%m-%dT%H:%M:%S" is several times
    # faster than one with "%.f%z", so the fraction and offset are read as numbers
    # and added. The shape regex makes every position a digit or its separator,
    # and strptime validates the date and time (leap second included) as the full
    # rules do; an offset past 23:59, which chrono rejects, is left to them.
    # Each step is its own column: eager frames do not share subexpressions.
    text = pl.col("_text")
    frame = pl.DataFrame({"_text": raw}).with_columns(
        _zulu=text.str.ends_with("Z"), _length=text.str.len_bytes().cast(pl.Int32)
    )
    # Fraction digits past the sixth are below a microsecond; strptime drops them too.
    digits = (pl.col("_length") - pl.when("_zulu").then(21).otherwise(26)).clip(0, 6)
    all_zulu, fewest, most = frame.select(
        pl.col("_zulu").all(), digits.min().alias("fewest"), digits.max().alias("most")
    ).row(0)
    # A column whose values all end in Z, or all have as many fraction digits
    # (none included), reads that part more cheaply.
    if not most:
        frac = pl.lit(0, pl.Int64)
    elif fewest == most:
        frac = text.str.slice(20, most).cast(pl.Int64, strict=False) * 10 ** (6 - most)
    else:
        frac = text.str.slice(20, digits).str.pad_end(6, "0").cast(pl.Int64, strict=False)
    columns = {
        "_shape": text.str.contains(_CANONICAL),
        "_wall": text.str.head(19)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False)
        .to_physical(),
        "_frac": frac,
    }
    if not all_zulu:
        columns |= {
            "_west": text.str.slice(-6, 1) == "-",
            "_hours": text.str.slice(-5, 2).cast(pl.Int64, strict=False),
            "_minutes": text.str.slice(-2, 2).cast(pl.Int64, strict=False),
        }
    frame = frame.with_columns(**columns)
    offset = pl.lit(0, pl.Int64)
    if not all_zulu:
        east = (pl.col("_hours") * 60 + pl.col("_minutes")) * 60_000_000
        offset = (
            pl.when("_zulu")
            .then(0)
            .when((pl.col("_hours") <= 23) & (pl.col("_minutes") <= 59))
            .then(pl.when("_west").then(-east).otherwise(east))
        )
    frame = frame.with_columns(_utc=pl.col("_wall") + pl.col("_frac") - offset)
    utc = pl.col("_utc")
    # NOTE: the date written is the sentinel the full rules look for, not only the
    # date read: a leap second at 23:59:60 is read as the next day.
    sentinel = text.str.slice(0, 10).is_in(SENTINEL_DATES) | (
        utc.floordiv(_DAY_US).is_in(_SENTINEL_DAYS)
    )
    fast = (text.is_null() | (pl.col("_shape") & utc.is_not_null())).fill_null(False)
    frame = frame.select(
        "_utc",
        _fast=fast,
        issue=pl.when(fast & sentinel)
        .then(pl.lit("sentinel_timestamp"))
        .when(fast & ((utc < _FIRST_US) | (utc >= _PAST_LAST_US)))
        .then(pl.lit("unparseable_timestamp"))
        .otherwise(pl.lit(None, dtype=pl.String)),
    )
    return frame.select(
        value=pl.when(pl.col("_fast") & pl.col("issue").is_null()).then(utc).cast(UTC_US),
        issue=pl.col("issue"),
        _fast=pl.col("_fast"),
    )


def _parse_full(raw: pl.Series, tz: ZoneInfo | str) -> pl.DataFrame:
    """Every rule of the module docstring, for any raw text."""
    zone = _zone_name(tz)
    frame = pl.DataFrame({"_raw": raw})
    text = pl.col("_raw").str.strip_chars()
    frame = frame.with_columns(_text=pl.when(text != "").then(text))
    t = pl.col("_text")
    iso = _iso(t)
    frame = frame.with_columns(
        _numeric=t.str.contains(_NUMERIC).fill_null(False),
        _aware=pl.coalesce(
            iso.str.to_datetime(f, time_unit="us", strict=False) for f in _AWARE_FORMATS
        ).cast(UTC_US),
        _naive=pl.coalesce(
            iso.str.to_datetime(f, time_unit="us", strict=False) for f in _NAIVE_FORMATS
        ),
    )
    local, nonexistent, ambiguous = _localise(pl.col("_naive"), zone)
    frame = frame.with_columns(
        _epoch=pl.when(pl.col("_numeric")).then(_epoch(t)),
        _local=local,
        _nonexistent=nonexistent.fill_null(False),
        _amb=ambiguous.fill_null(False),
    )

    leftover = (
        t.is_not_null()
        & ~pl.col("_numeric")
        & pl.col("_aware").is_null()
        & pl.col("_naive").is_null()
    )
    texts = frame.filter(leftover).get_column("_text").unique(maintain_order=True)
    fallback = _fallback(texts)
    fb_local, fb_nonexistent, fb_amb = _localise(pl.col("_fb_naive"), zone)
    fallback = fallback.with_columns(
        _fb_value=pl.coalesce(pl.col("_fb_aware"), fb_local),
        _fb_issue=pl.when(fb_nonexistent.fill_null(False))
        .then(pl.lit("nonexistent_local_time"))
        .when(fb_amb.fill_null(False))
        .then(pl.lit("ambiguous_timestamp"))
        .when(pl.col("_fb_naive").is_not_null())
        .then(pl.lit("naive_timestamp"))
        .otherwise(pl.col("_fb_issue")),
    ).select("_text", "_fb_value", "_fb_issue")
    frame = frame.join(fallback, on="_text", how="left", maintain_order="left")

    value = pl.coalesce("_epoch", "_aware", "_local", "_fb_value")
    year = value.dt.year()
    sentinel = t.str.slice(0, 10).is_in(SENTINEL_DATES) | value.dt.date().cast(pl.String).is_in(
        SENTINEL_DATES
    )
    issue = (
        pl.when(t.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(sentinel.fill_null(False))
        .then(pl.lit("sentinel_timestamp"))
        .when(pl.col("_nonexistent"))
        .then(pl.lit("nonexistent_local_time"))
        .when(pl.col("_amb"))
        .then(pl.lit("ambiguous_timestamp"))
        .when(pl.col("_fb_issue").is_not_null())
        .then(pl.col("_fb_issue"))
        # NOTE: Python datetimes stop at year 9999; a value past it cannot be shown.
        .when(value.is_null() | (year < 1) | (year > 9999))
        .then(pl.lit("unparseable_timestamp"))
        .when(pl.col("_local").is_not_null() & pl.col("_epoch").is_null())
        .then(pl.lit("naive_timestamp"))
    )
    return frame.select(value=value.cast(UTC_US), issue=issue).with_columns(
        value=pl.when(pl.col("issue").is_null() | (pl.col("issue") == "naive_timestamp")).then(
            pl.col("value")
        )
    )


def parse_timestamps(
    values: pl.Series | Sequence[object], tz: ZoneInfo | str
) -> tuple[pl.Series, Counter[str]]:
    """Normalise raw timestamps to ``Datetime("us", "UTC")``.

    Args:
        values: raw values (str, int, float, None) or a Polars Series of them.
        tz: the zone naive timestamps are read in (``--tz``).

    Returns:
        The normalised Series (same length, nulls where a value was absent or
        unusable) and the count of each issue code (see ``ISSUES``).
    """
    result = parse_timestamps_with_issues(values, tz)
    return result.get_column("value"), count_issues(result.get_column("issue"))


def count_issues(issues: pl.Series) -> Counter[str]:
    """Count the non-null issue codes of a column produced by this module."""
    counts = issues.drop_nulls().value_counts()
    return Counter(dict(zip(counts[issues.name].to_list(), counts["count"].to_list(), strict=True)))
