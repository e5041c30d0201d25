"""in_apply_order: each group's rows together, in apply order, whatever the input order."""

from __future__ import annotations

import polars as pl
from builders import events

from forensics.detectors._lineage import ENTITY_KEY
from forensics.detectors._windows import in_apply_order

FRAME = events(
    dict(
        flow=["F", "G", "F", "F", "G", "F", "F"],
        sku=["A", "A", "A", None, "A", "A", "A"],
        processed_at=["09:02", "09:01", None, "09:00", "09:00", "09:02", "09:01"],
    )
)


def groups_in_order(frame: pl.DataFrame) -> list[list[int]]:
    ordered = in_apply_order(frame.lazy(), ENTITY_KEY).collect()
    # Groups follow each other in no meaningful order: compare them as a sorted list.
    runs = ordered.group_by("_g", maintain_order=True).agg("row", "_pos")
    for positions in runs["_pos"]:
        assert positions.to_list() == sorted(positions)
    return sorted(runs["row"].to_list())


def test_rows_without_apply_time_come_first_and_ties_go_by_row() -> None:
    # F/A: row 2 has no apply time, row 6 is 09:01, rows 0 and 5 share 09:02;
    # F/no sku: row 3 alone; G/A: row 4 (09:00) before row 1 (09:01).
    assert groups_in_order(FRAME) == [[2, 6, 0, 5], [3], [4, 1]]


def test_the_order_does_not_depend_on_the_input_order() -> None:
    shuffled = FRAME.reverse()
    assert groups_in_order(shuffled) == groups_in_order(FRAME)


def test_group_numbers_are_integers_shared_by_exactly_one_key() -> None:
    ordered = in_apply_order(FRAME.lazy(), ENTITY_KEY).collect()
    keys = ordered.group_by("_g").agg(pl.col("flow", "_entity").n_unique())
    assert keys["flow"].to_list() == [1] * keys.height
    assert keys["_entity"].to_list() == [1] * keys.height
    assert keys.height == 3
