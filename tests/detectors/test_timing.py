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


def test_single_and_repeated_runs_collapse_alike() -> None:
    # Most runs are one row (they skip the grouping), some several; one run
    # id is used by two flows, and rows without a run id form one run per flow.
    frame = events(
        dict(
            flow=["F", "F", "F", "G", "F", "G", "F", "F", "G"],
            run_id=["r1", "r2", "r1", "r1", "r3", "r4", "x", "y", "z"],
            status=["ok", "error", "error", "ok", "ok", "ok", "ok", "ok", "ok"],
            occurred_at=["08:00", None, "08:30", "08:00", "08:00", None, None, None, None],
            received_at=["09:00", None, "08:59", "08:58", None, None, None, None, None],
            processed_at=[
                *("09:05", "09:10", "09:01", "09:00", "10:00", "10:30", "11:00", "11:30"),
                "12:00",
            ],
        )
    ).with_columns(
        run_id=pl.when(pl.col("run_id").is_in(["x", "y", "z"])).then(None).otherwise("run_id")
    )
    collapsed = runs(frame.lazy()).drop("seq", "interval", "silence_start", "bound_row")
    key = ["flow", "run_id"]
    expected = (
        frame.lazy()
        .with_columns(_t=pl.coalesce("processed_at", "received_at", "occurred_at"))
        .group_by(key)
        .agg(
            at=pl.coalesce("received_at", "_t").min(),
            end=pl.col("_t").max(),
            earliest=pl.col("_t").min(),
            records=pl.len().cast(pl.UInt32),
            first_row=pl.col("row").sort_by("_t", "row").first(),
            last_row=pl.col("row").sort_by("_t", "row").last(),
            latest_occurred=pl.col("occurred_at").max(),
            failed=(pl.col("status") == "error").any(),
        )
    )
    got, want = (f.sort(key, nulls_last=True).collect() for f in (collapsed, expected))
    assert got.equals(want)
    assert got.select(*key, "records").rows() == [
        ("F", "r1", 2),
        ("F", "r2", 1),
        ("F", "r3", 1),
        ("F", None, 2),
        ("G", "r1", 1),
        ("G", "r4", 1),
        ("G", None, 1),
    ]
