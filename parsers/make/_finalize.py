"""What the ``finalize`` steps of the Make parsers share.

``finalize`` sees the rows of every file of one format and every Fact of the
export: ``facts_frame`` turns the Facts of one kind into a small frame joined
onto the rows by id, ``drop_page_copies`` drops records an overlapping page
file already holds, and ``with_helpers`` tolerates rows that did not come from
``read()`` (tests, other callers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from parsers._base import Fact
from parsers._payload import as_id
from parsers.make._common import scalar


def with_helpers(events: pl.DataFrame, helpers: Mapping[str, Any]) -> pl.DataFrame:
    """Add helper columns as nulls when the rows did not come from ``read()``."""
    missing = [pl.lit(None, dtype).alias(n) for n, dtype in helpers.items() if n not in events]
    return events.with_columns(missing) if missing else events


def drop_page_copies(events: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Drop rows whose platform id an earlier file already holds (first locator wins).

    Page exports overlap at their edges, so only copies in *other* files are
    duplicates; a row without an id is never dropped.
    """
    events = events.sort(["file", "record"], maintain_order=True)
    group = pl.struct(*keys)
    first_file = pl.col("file").first().over(group)
    return events.filter(pl.col("run_id").is_null() | (pl.col("file") == first_file))


def facts_frame(
    facts: Sequence[Fact], kind: str, columns: Mapping[str, tuple[str, Any]]
) -> pl.DataFrame:
    """Turn the Facts of one kind into a frame keyed by ``_key`` (first fact per key wins).

    Args:
        facts: every Fact of the export, in (file, line) order.
        kind: e.g. ``make.dlq``.
        columns: output column to ``(values key, dtype)``; ids are rendered with ``as_id``.
    """
    data: dict[str, list[Any]] = {"_key": [], **{name: [] for name in columns}}
    for fact in facts:
        if fact.kind != kind:
            continue
        data["_key"].append(fact.key)
        for name, (key, dtype) in columns.items():
            value = fact.values.get(key)
            data[name].append(as_id(value) if dtype == pl.String else scalar(value))
    schema = {"_key": pl.String, **{name: dtype for name, (_, dtype) in columns.items()}}
    frame = pl.DataFrame(data, schema=schema, strict=False)
    return frame.unique("_key", keep="first", maintain_order=True)
