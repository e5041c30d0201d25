"""The canonical-ISO shortcut of parsers._time gives what the full rules give."""

from __future__ import annotations

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


def same(values: list[str | None], tz: str) -> None:
    assert_frame_equal(parse_timestamps_with_issues(values, tz), _parse_full(_as_text(values), tz))


def test_fixed_values_match_the_full_rules() -> None:
    same(FIXED, "UTC")
    same(FIXED, "America/New_York")
    same(FIXED[:6], "UTC")


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
