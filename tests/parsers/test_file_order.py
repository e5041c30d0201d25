"""in_file_order: rows come back in (file, record) order, sorted only when they are not."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from parsers._base import in_file_order


def _rows(pairs: list[tuple[str | None, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file": [f for f, _ in pairs],
            "record": [r for _, r in pairs],
            "tag": list(range(len(pairs))),
        },
        schema={"file": pl.String, "record": pl.UInt32, "tag": pl.Int64},
    )


def test_rows_in_order_are_returned_as_they_are() -> None:
    rows = _rows([("a", 1), ("a", 2), ("a", 2), ("b", 1)])
    assert in_file_order(rows) is rows


def test_rows_out_of_order_are_sorted_stably() -> None:
    rows = _rows([("b", 1), ("a", 2), ("a", 1), ("a", 2)])
    out = in_file_order(rows)
    assert out.select("file", "record").rows() == [("a", 1), ("a", 2), ("a", 2), ("b", 1)]
    # Equal (file, record) keep their input order.
    assert out.get_column("tag").to_list() == [2, 1, 3, 0]


def test_a_null_key_is_never_taken_as_ordered() -> None:
    rows = _rows([("a", 1), (None, 2)])
    assert in_file_order(rows) is not rows


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "a/b", "é"]), st.integers(1, 4)), max_size=12))
def test_agrees_with_a_stable_sort(pairs: list[tuple[str, int]]) -> None:
    rows = _rows(pairs)
    expected = rows.sort(["file", "record"], maintain_order=True)
    assert in_file_order(rows).equals(expected)
