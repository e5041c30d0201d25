"""The shortcuts in reports._text give the same text as the general code they skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from reports._text import _INVISIBLE, _INVISIBLE_MULTILINE, _codepoint, fmt_time, visible


def slow_visible(text: str, *, limit: int = 300, multiline: bool = False) -> str:
    """visible() without its printable-ASCII shortcut."""
    if multiline:
        text = text.replace("\r\n", "\n")
    rest = len(text) - limit
    if rest > 0:
        text = text[:limit]
    text = (_INVISIBLE_MULTILINE if multiline else _INVISIBLE).sub(_codepoint, text)
    if rest > 0:
        text = f"{text}… {rest:,} more character{'s' if rest != 1 else ''}"
    return text


def slow_fmt_time(value: datetime) -> str:
    """fmt_time() as strftime writes it."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=0, max_codepoint=0x7F),
            st.sampled_from("\t\n\r\x1b\x7f\x85\u200b\u202e\ud800é"),
        ),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=50),
    st.booleans(),
)
def test_visible_matches_the_general_path(text: str, limit: int, multiline: bool) -> None:
    assert visible(text, limit=limit, multiline=multiline) == slow_visible(
        text, limit=limit, multiline=multiline
    )


@settings(max_examples=400, deadline=None)
@given(
    # Hypothesis takes naive bounds and attaches the time zones itself.
    st.datetimes(
        min_value=datetime(2, 1, 1),  # noqa: DTZ001
        max_value=datetime(9998, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))]),
    )
)
def test_fmt_time_matches_strftime(value: datetime) -> None:
    assert fmt_time(value) == slow_fmt_time(value)


def test_fmt_time_edges() -> None:
    assert fmt_time(datetime(999, 1, 2, 3, 4, 5, 999, tzinfo=UTC)) == "999-01-02 03:04:05.000"
    assert fmt_time(datetime(2026, 4, 6, 9, 12, 3, 999999, tzinfo=UTC)) == "2026-04-06 09:12:03.999"
    assert fmt_time(datetime(2026, 4, 6, 9, 12, 3, tzinfo=UTC)) == "2026-04-06 09:12:03"
