"""finalize and duplicates of the webhook reader match their plain window definitions.

``finalize`` runs its windows only on rows whose delivery key another row may
share and skips the sort of rows already in file order; on any frame it must
give what the windows over every row, after a full sort, give.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from parsers.webhook import PARSER, duplicates

COPY_KEY = ("_delivery_key", "received_at", "run_id")
START = datetime(2026, 4, 6, 9, tzinfo=UTC)


def reference(events: pl.DataFrame) -> pl.DataFrame:
    """finalize as the windows over every row define it."""
    events = events.sort(["file", "record"], maintain_order=True)
    has_key = pl.col("_delivery_key").is_not_null()
    copy = has_key & (pl.col("file") != pl.col("file").first().over(COPY_KEY))
    events = events.filter(~copy)
    rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(
        "_delivery_key", order_by=["received_at", "file", "record"]
    )
    attempt = (
        pl.when(pl.col("_attempt_hint").is_not_null())
        .then(pl.col("_attempt_hint").cast(pl.UInt32))
        .when(has_key)
        .then(rank)
        .otherwise(1)
    )
    return events.with_columns(attempt=attempt.clip(1, 65535).cast(pl.UInt16))


def frame(rows: list[tuple[str, int, str | None, int, str, int | None]]) -> pl.DataFrame:
    files, records, keys, minutes, runs, hints = zip(*rows, strict=True) if rows else [()] * 6
    return pl.DataFrame(
        {
            "file": pl.Series(files, dtype=pl.String),
            "line": pl.Series(records, dtype=pl.UInt32),
            "record": pl.Series(records, dtype=pl.UInt32),
            "run_id": pl.Series(runs, dtype=pl.String),
            "received_at": pl.Series(
                [START + timedelta(minutes=m) for m in minutes], dtype=pl.Datetime("us", "UTC")
            ),
            "_delivery_key": pl.Series(keys, dtype=pl.String),
            "_attempt_hint": pl.Series(hints, dtype=pl.UInt16),
            "attempt": pl.Series([1] * len(rows), dtype=pl.UInt16),
        }
    )


def check(events: pl.DataFrame) -> None:
    expected = reference(events)
    assert_frame_equal(PARSER.finalize(events), expected)
    dropped = duplicates(events).select("file", "record")
    assert dropped.height == events.height - expected.height
    assert dropped.join(expected, on=["file", "record"], how="semi").is_empty()


rows = st.lists(
    st.tuples(
        st.sampled_from(["a.ndjson", "b.ndjson", "c.ndjson"]),
        st.integers(1, 6),
        st.sampled_from(["k1", "k2", "k3", "k4", None]),
        st.integers(0, 3),
        st.sampled_from(["r1", "r2"]),
        st.sampled_from([None, None, None, 1, 3]),
    ),
    max_size=40,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=100, deadline=None)
@given(rows, st.booleans())
def test_finalize_matches_the_windows_over_every_row(
    picked: list[tuple[str, int, str | None, int, str, int | None]], in_order: bool
) -> None:
    events = frame(picked)
    check(events.sort(["file", "record"]) if in_order else events)


def test_unique_keys_are_attempt_one_and_nothing_is_dropped() -> None:
    events = frame([("a.ndjson", n, f"k{n}", n, "r", None) for n in range(1, 6)])
    check(events)
    assert PARSER.finalize(events).get_column("attempt").to_list() == [1] * 5


def test_a_key_in_two_files_ranks_and_a_copy_drops() -> None:
    events = frame(
        [
            ("a.ndjson", 1, "k", 1, "r", None),
            ("a.ndjson", 2, "x", 0, "r", None),
            ("b.ndjson", 1, "k", 1, "r", None),
            ("b.ndjson", 2, "k", 0, "r", None),
            ("b.ndjson", 3, None, 0, "r", None),
            ("b.ndjson", 4, None, 0, "r", None),
        ]
    )
    check(events)
    assert PARSER.finalize(events).select("file", "record", "attempt").rows() == [
        ("a.ndjson", 1, 2),
        ("a.ndjson", 2, 1),
        ("b.ndjson", 2, 1),
        ("b.ndjson", 3, 1),
        ("b.ndjson", 4, 1),
    ]


def test_rows_out_of_file_order_are_sorted_first() -> None:
    events = frame(
        [
            ("b.ndjson", 1, "k", 0, "r", None),
            ("a.ndjson", 2, "k", 0, "r", None),
            ("a.ndjson", 1, "k", 1, "r", None),
        ]
    )
    check(events)
    assert PARSER.finalize(events).select("file", "record", "attempt").rows() == [
        ("a.ndjson", 1, 2),
        ("a.ndjson", 2, 1),
    ]


def test_no_rows() -> None:
    check(frame([]))
