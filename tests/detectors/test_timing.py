"""The run collapse: what the timelines read from it."""

from __future__ import annotations

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
