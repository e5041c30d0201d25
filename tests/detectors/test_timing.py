"""The run collapse: what the timelines read from it."""

from __future__ import annotations

import polars as pl
from builders import events

from forensics.detectors._timing import runs


def test_a_run_failed_when_any_of_its_timed_rows_is_an_error() -> None:
    frame = events(
        dict(
            run_id=["r1", "r1", "r2", "r2", "r3", "r3"],
            status=["ok", "error", "ok", "error", "error", "ok"],
            # r2's error has no time at all: it is not evaluable and does not count.
            processed_at=["09:00", "09:01", "10:00", None, "11:00", "11:01"],
        )
    )
    collapsed = runs(frame.lazy()).sort("first_row").collect()
    assert collapsed.select("run_id", "records", "failed").rows() == [
        ("r1", 2, True),
        ("r2", 1, False),
        ("r3", 2, True),
    ]


def test_a_runs_first_and_last_rows_are_in_time_then_row_order() -> None:
    frame = events(
        dict(
            run_id=["r1"] * 4 + ["r2"] * 3,
            processed_at=[
                *("09:02", "09:00", "09:00", "09:05"),
                # Before 1970: the times are negative numbers, still in order.
                *("1969-12-31T23:00:00Z", "1969-12-31T22:00:00Z", "1969-12-31T23:00:00Z"),
            ],
        )
    ).with_columns(row=pl.Series([10, 7, 3, 4_000_000_000, 5, 9, 2], dtype=pl.UInt32))
    # The rows' order in the frame is not their order in time nor by row.
    collapsed = runs(frame.reverse().lazy()).sort("run_id").collect()
    assert collapsed.select("run_id", "first_row", "last_row").rows() == [
        ("r1", 3, 4_000_000_000),
        ("r2", 9, 5),
    ]
