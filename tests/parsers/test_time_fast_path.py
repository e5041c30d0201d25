"""The canonical-ISO shortcut of parsers._time gives what the full rules give."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from parsers._time import _as_text, _parse_full, parse_timestamps_with_issues

FIXED = [
    "2026-04-06T09:12:04.220Z",
    "2026-04-06T05:12:03-04:00",
    "2026-04-06T05:12:03.123456789+05:30",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:30:00+01:00",
    "2026-02-30T00:00:00Z",
    "2026-04-06T24:00:00Z",
    "2026-04-06T09:12:04",
    "2026-04-06 09:12:04Z",
    " 2026-04-06T09:12:04Z",
    "1775466724",
    "",
    None,
]


def same(values: list[str | None] | pl.Series, tz: str) -> None:
    assert_frame_equal(parse_timestamps_with_issues(values, tz), _parse_full(_as_text(values), tz))


# Edges of reading the canonical shape by position: offsets, fraction lengths,
# leap seconds next to sentinel dates, years a shift takes out of range, Z vs z.
EDGES = [
    "2026-04-06T09:12:04+05:30",
    "2026-04-06T09:12:04-23:59",
    "2026-04-06T09:12:04+23:59",
    "2026-04-06T09:12:04+00:60",
    "2026-04-06T09:12:04-00:00",
    *(f"2026-04-06T09:12:04.{'987654321'[:n]}Z" for n in range(1, 10)),
    "1969-12-31T23:59:59.999999999Z",
    "1960-01-01T00:00:00.1234567-01:00",
    "2026-04-06T09:12:04.Z",
    "2026-04-06T09:12:04.1234567890Z",
    "2026-04-06T09:59:60Z",
    "2038-01-18T23:59:60+05:00",
    "1969-12-31T23:59:60Z",
    "2026-12-31T23:59:60.5+00:00",
    "2038-01-18T23:00:00-05:00",
    "1970-01-01T02:00:00+05:00",
    "0000-06-01T00:00:00Z",
    "0001-01-01T00:30:00+05:00",
    "0001-01-02T00:30:00+05:00",
    "9999-12-31T23:30:00-05:00",
    "9999-12-30T23:30:00-05:00",
    "2026-04-06T09:12:04z",
    "2026-04-06t09:12:04Z",
    "2026-04-06T09:12:04 Z",
    "2026-04-06T09:12:04Z ",
    "2026-04-06T09:12:04+0530",
    "2026-04-06T09:12:04+05",
    "2026-04-06T09:12:04.+12Z",
    "+2026-04-06T09:12:04Z",
    "2026-4-06T09:12:04Z",
    "2026-04-06T9:12:04Z",
    "\u0662026-04-06T09:12:04Z",
]


def test_fixed_values_match_the_full_rules() -> None:
    same(FIXED, "UTC")
    same(FIXED, "America/New_York")
    same(FIXED[:6], "UTC")


def test_edges_of_the_canonical_shape_match_the_full_rules() -> None:
    same(EDGES, "UTC")
    same(EDGES, "Asia/Kolkata")
    for value in EDGES:
        same([value], "UTC")
        same([value, None, "2026-04-06T09:12:04Z"], "UTC")


def test_columns_of_one_shape_match_the_full_rules() -> None:
    # A column all in Z, all with one offset, or all with one fraction length
    # takes a cheaper reading than a mixed one.
    base = ["2026-04-06T09:12:04", "1970-01-01T00:00:00", "2038-01-18T23:59:60"]
    for fraction in ["", ".5", ".123", ".123456", ".123456789"]:
        for offset in ["Z", "+00:00", "-04:00", "+05:30"]:
            same([f"{b}{fraction}{offset}" for b in base], "UTC")
            same([f"{b}{fraction}{offset}" for b in base] + [None], "UTC")
    same([None, None], "UTC")
    same(pl.Series([None, None], dtype=pl.String), "UTC")
    same([], "UTC")


canonical = st.builds(
    lambda y, mo, d, h, mi, s, frac, off: (
        f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{off}"
    ),
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 60),
    st.sampled_from(["", ".1", ".123", ".123456", ".123456789"]),
    st.sampled_from(["Z", "+00:00", "-04:00", "+14:00", "-12:30"]),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(canonical, st.sampled_from(FIXED)), min_size=1, max_size=30))
def test_any_mix_matches_the_full_rules(values: list[str | None]) -> None:
    same(values, "Europe/Berlin")


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(["", ".1", ".123", ".123456", ".1234567", ".123456789"]),
    st.sampled_from(["Z", "+00:00", "-04:00", "+23:59", "-23:59", "z"]),
    st.lists(
        st.tuples(
            st.integers(0, 9999),
            st.integers(1, 12),
            st.integers(1, 31),
            st.integers(0, 24),
            st.integers(0, 60),
            st.integers(0, 60),
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_columns_of_one_fraction_and_offset_match_the_full_rules(
    fraction: str, offset: str, parts: list[tuple[int, ...]]
) -> None:
    values = [
        f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{fraction}{offset}"
        for y, mo, d, h, mi, s in parts
    ]
    same(values, "UTC")
