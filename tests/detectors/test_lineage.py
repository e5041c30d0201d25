"""The retry lineage: marks that do not depend on row order, and details joined back by row."""

from __future__ import annotations

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext
from forensics.detectors._lineage import lineage, with_retries, write_detail

# e1 and e2 on A; e1 is delivered again (applied) after e2, and once more on B.
FRAME = events(
    dict(
        sku=["A", "A", "A", "B", "A"],
        event_id=["e1", "e2", "e1", "e1", None],
        status=["ok", "ok", "ok", "ok", "error"],
        occurred_at=["08:00", "08:01", "08:00", "08:00", "08:02"],
        processed_at=["09:02", "09:00", "09:03", "09:01", "09:04"],
    )
)
MARKS = ["row", "_retry", "_redelivery", "_copies"]


def marks(frame: pl.DataFrame) -> list[tuple[int, bool, bool, int]]:
    return with_retries(frame.lazy()).select(MARKS).sort("row").collect().rows()


def test_a_repeat_is_a_retry_only_after_its_first_application_on_the_entity() -> None:
    assert marks(FRAME) == [
        (0, False, False, 2),
        (1, False, False, 1),
        (2, True, True, 2),
        (3, False, False, 1),  # another entity
        (4, False, False, 1),
    ]


def test_the_marks_do_not_depend_on_the_input_order() -> None:
    assert marks(FRAME.reverse()) == marks(FRAME)
    assert marks(FRAME.sample(fraction=1.0, shuffle=True, seed=7)) == marks(FRAME)


def test_write_detail_adds_columns_by_row_and_keeps_the_writes_order() -> None:
    rows = lineage(FRAME.lazy(), DetectContext(thresholds=Thresholds()))
    writes = pl.LazyFrame({"row": [4, 0, 2]}, schema={"row": pl.UInt32})
    found = write_detail(writes, rows, ["_entity", "_identity"]).collect()
    assert found.rows() == [(4, "A", None), (0, "A", "e1"), (2, "A", "e1")]


def test_identities_seen_once_and_repeated_ones_are_marked_alike() -> None:
    # Row 0: a lone second attempt (its identity occurs once: still a retry).
    # Rows 1, 2: two null identities on one entity count together, neither
    # is a repeat of the other. Rows 3, 4: one identity, first failed, then
    # applied: a redelivery, not a retry. Row 5: that identity on another flow.
    frame = events(
        dict(
            flow=["F", "F", "F", "F", "F", "G"],
            event_id=["e0", None, None, "e3", "e3", "e3"],
            attempt=[2, 1, 1, 1, 1, 1],
            status=["ok", "ok", "ok", "error", "ok", "ok"],
            processed_at=["09:00", "09:01", "09:02", "09:03", "09:04", "09:05"],
        )
    )
    assert marks(frame) == [
        (0, True, True, 1),
        (1, False, False, 2),
        (2, False, False, 2),
        (3, False, False, 2),
        (4, False, True, 2),
        (5, False, False, 1),
    ]
    assert marks(frame.reverse()) == marks(frame)
