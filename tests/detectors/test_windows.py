"""in_apply_order: each group's rows together, in apply order, whatever the input order."""

from __future__ import annotations

import polars as pl
from builders import events

from forensics.detectors._lineage import ENTITY_KEY
from forensics.detectors._windows import (
    applied,
    apply_keys,
    in_apply_order,
    maybe_repeated,
    row_of,
    stale_writes,
    time_then_row,
)

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


def test_apply_keys_leave_rows_in_place_and_order_them_like_in_apply_order() -> None:
    keyed = apply_keys(FRAME.lazy(), ENTITY_KEY).collect()
    assert keyed["row"].to_list() == FRAME["row"].to_list()
    by_order = keyed.sort("_order").group_by("_g", maintain_order=True).agg("row")
    assert sorted(by_order["row"].to_list()) == groups_in_order(FRAME)
    assert keyed["_order"].n_unique() == keyed.height


def test_apply_keys_give_equal_keys_one_group_and_other_keys_another() -> None:
    frame = events(
        dict(
            flow=["F", "F", "G", "F", "F", "F", "F"],
            sku=["A", "A", "A", None, None, "A", "A@B"],
            location=[None, None, None, "X", None, "B", None],
        )
    )
    g = apply_keys(frame.lazy(), ENTITY_KEY).collect()["_g"].to_list()
    # Same flow and sku: one group, numbered by its first row.
    assert g[0] == g[1] == 0
    # Another flow, the same sku: another group.
    assert g[2] == 2
    # A null sku is a group of its own whatever the location (the entity is null).
    assert g[3] == g[4] == 3
    # sku@location is the entity: "A" at "B" and the sku "A@B" are one entity.
    assert g[5] == g[6] == 5


def test_stale_writes_do_not_depend_on_the_input_order() -> None:
    # Apply order differs from row order: A is rows 1, 2, 0 and B rows 4, 3.
    frame = events(
        dict(
            sku=["A", "A", "A", "B", "B"],
            occurred_at=["08:05", "08:00", "08:10", "07:00", "08:00"],
            processed_at=["09:02", "09:00", "09:01", "09:03", "09:00"],
            quantity=[1.0, 2.0, 3.0, 4.0, 5.0],
        )
    )

    def stale(f: pl.DataFrame) -> pl.DataFrame:
        # Group numbers depend on the input order; nothing else may.
        return stale_writes(apply_keys(f.lazy(), ENTITY_KEY)).collect().drop("_g")

    ordered = stale(frame)
    # Each group's rows together, in apply order; rows 0 and 3 came after newer events.
    assert ordered["row"].to_list() in ([1, 2, 0, 4, 3], [4, 3, 1, 2, 0])
    assert sorted(ordered.filter(pl.col("_stale"))["row"].to_list()) == [0, 3]
    assert ordered.filter(pl.col("row") == 0)["_newest_qty"].to_list() == [3.0]
    assert ordered.filter(pl.col("row") == 0)["_repair_row"].to_list() == [None]
    assert stale(frame.reverse()).sort("row").equals(ordered.sort("row"))


def test_applied_reads_the_status_enum_and_plain_text() -> None:
    frame = events(dict(status=["ok", "warning", "error", "filtered"]))
    assert frame.select(applied())["status"].to_list() == [True, True, False, False]
    text = frame.with_columns(pl.col("status").cast(pl.String))
    assert text.select(applied())["status"].to_list() == [True, True, False, False]


def test_time_then_row_orders_null_times_first_then_time_then_row() -> None:
    frame = events(
        dict(
            processed_at=[
                *("09:00", None, "1969-12-31T23:59:59.999999Z", "09:00", None),
                "1970-01-01T00:00:00Z",
            ]
        )
    ).with_columns(row=pl.Series([7, 4_000_000_000, 9, 3, 0, 1], dtype=pl.UInt32))
    packed = frame.lazy().select("row", _k=time_then_row("processed_at")).collect()
    # Nulls by row, then the time before 1970, the epoch, and 09:00 by row.
    assert packed.sort("_k")["row"].to_list() == [0, 4_000_000_000, 9, 1, 3, 7]
    assert packed.select(row_of(pl.col("_k")))["_k"].to_list() == packed["row"].to_list()


def test_maybe_repeated_marks_every_repeated_key_and_no_lone_one() -> None:
    frame = pl.DataFrame(
        {
            "flow": ["F", "F", "G", "F", None, None, "F", "F"],
            "run_id": ["r1", "r1", "r1", "r2", "r3", "r3", None, None],
        }
    )
    marked = frame.select(maybe_repeated(["flow", "run_id"]).alias("m"))["m"].to_list()
    # Equal keys, nulls included, are marked; a key split across flows is not repeated.
    assert marked == [True, True, False, False, True, True, True, True]
    one_column = frame.select(maybe_repeated(["flow"]).alias("m"))["m"].to_list()
    assert one_column == [True, True, False, True, True, True, True, True]
