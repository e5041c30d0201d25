"""Polars side of the Zapier reader: raw columns in, typed columns and mapping rows out.

``Columns`` gathers what ``_records.pull`` returns: one row per run, plus long
tables of data leaves and step start times (no per-row typing). The functions
here then work on whole columns: timestamps through ``parsers._time`` (each
distinct text parsed once; step times folded back per run), the rejection
decision, the status mapping, and the in x out pairs of numeric leaves that
make up the mapping evidence.
"""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

import polars as pl

from forensics.schema import MAPPING_SCHEMA
from parsers._time import parse_timestamps_with_issues
from parsers.zapier._records import FIELD_NAMES, Pulled

# Zapier run statuses (Zapier help, "Zap run statuses") onto the canonical ones.
STATUS_MAP: Final = {
    "success": "ok",
    "error": "error",
    "halted": "error",
    "error_handled": "warning",
    "filtered": "filtered",
    "skipped": "filtered",
    "delayed": "pending",
    "scheduled": "pending",
    "pending": "pending",
    "held": "pending",
    "throttled": "pending",
}

_NOT_TEXT: Final[dict[str, Any]] = {
    "_id_invalid": pl.Boolean,
    "_steps_invalid": pl.Boolean,
    "_unknown_keys": pl.Boolean,
    "_data_not_json": pl.Boolean,
    "_data_not_object": pl.Boolean,
    "_leaves_capped": pl.Boolean,
}
RAW_SCHEMA: Final[dict[str, Any]] = {
    "line": pl.UInt32,
    "record": pl.UInt32,
    "_offset": pl.Int64,
    "_start": pl.Int64,
    **{name: _NOT_TEXT.get(name, pl.String) for name in FIELD_NAMES},
}
_LEAF_SCHEMA: Final[dict[str, Any]] = {
    "_idx": pl.UInt32,
    "_side": pl.String,
    "_path": pl.String,
    "_raw": pl.String,
}
_STEP_SCHEMA: Final[dict[str, Any]] = {"_idx": pl.UInt32, "_step_raw": pl.String}
# Raw timestamp columns and the (value, issue) columns they become.
_TIME_COLUMNS: Final = {
    "_start_raw": ("received_at", "_received_issue"),
    "_end_raw": ("_end", "_processed_issue"),
    "_occurred_raw": ("occurred_at", "_occurred_issue"),
}


class Columns:
    """Raw fields of one file's runs, with their data leaves and step times as long lists."""

    def __init__(self) -> None:
        """Start with no runs."""
        self._rows: list[tuple[Any, ...]] = []
        self._leaves: list[tuple[int, str, str, str]] = []
        self._steps: list[tuple[int, str | None]] = []

    def add(self, locators: tuple[int, int, int, int], pulled: Pulled) -> None:
        """Append one run: its locators and what ``_records.pull`` found."""
        idx = len(self._rows)
        self._rows.append((*locators, *pulled.fields))
        self._leaves.extend((idx, "in", path, raw) for path, raw in pulled.in_leaves)
        self._leaves.extend((idx, "out", path, raw) for path, raw in pulled.out_leaves)
        self._steps.extend((idx, raw) for raw in pulled.steps)

    def frame(self) -> pl.DataFrame:
        """Return the raw columns as one frame with the record's position as ``_idx``."""
        return _build(RAW_SCHEMA, self._rows).with_row_index("_idx")

    def leaves_frame(self) -> pl.DataFrame:
        """Return the data leaves: ``_idx``, ``_side`` (in/out), ``_path``, ``_raw``."""
        return _build(_LEAF_SCHEMA, self._leaves)

    def steps_frame(self) -> pl.DataFrame:
        """Return one row per step: ``_idx`` of its run and ``_step_raw``."""
        return _build(_STEP_SCHEMA, self._steps)


def _build(schema: dict[str, Any], rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    """Build a frame of the given dtypes from rows (never inferred)."""
    # NOTE: every value is already text, bool or a small int (``_records.text``),
    # so Polars' row builder cannot meet an integer past its 64-bit range.
    return pl.DataFrame(rows, schema=schema, orient="row")


def with_times(frame: pl.DataFrame, steps: pl.DataFrame, tz: ZoneInfo) -> pl.DataFrame:
    """Add received_at, occurred_at, processed_at, the step times and their issues.

    Args:
        frame: raw columns from ``Columns.frame``.
        steps: step start times from ``Columns.steps_frame``.
        tz: the zone naive timestamps are read in.

    Returns:
        The frame plus ``received_at`` / ``_received_issue``, ``occurred_at`` /
        ``_occurred_issue``, ``processed_at`` / ``_processed_issue`` (end_time,
        else the last step's start_time when end_time is absent),
        ``_latest_step`` and ``_step_issues`` (distinct issue codes per run).
    """
    # NOTE: a step usually starts when its run does, so each distinct text is
    # parsed once (parsing is per value) and joined back to every column using it.
    texts = pl.concat(
        [frame.get_column(c) for c in _TIME_COLUMNS] + [steps.get_column("_step_raw")]
    ).unique(maintain_order=True)
    parsed = pl.concat(
        [texts.rename("_text").to_frame(), parse_timestamps_with_issues(texts, tz)],
        how="horizontal",
    )
    for raw, (value, issue) in _TIME_COLUMNS.items():
        frame = frame.join(
            parsed.rename({"_text": raw, "value": value, "issue": issue}),
            on=raw,
            how="left",
            maintain_order="left",
        )
    steps = steps.join(
        parsed.rename({"_text": "_step_raw"}), on="_step_raw", how="left", maintain_order="left"
    )
    per_run = steps.group_by("_idx").agg(
        _last_step=pl.col("value").drop_nulls().last(),
        _latest_step=pl.col("value").max(),
        _step_issues=pl.col("issue").drop_nulls().unique(maintain_order=True),
    )
    frame = frame.join(per_run, on="_idx", how="left", maintain_order="left")
    # An absent (or empty) end_time falls back to the last step; an unusable one stays null.
    end_absent = pl.col("_end").is_null() & pl.col("_processed_issue").is_null()
    return frame.with_columns(
        processed_at=pl.when(end_absent).then(pl.col("_last_step")).otherwise(pl.col("_end"))
    )


def rejection() -> tuple[pl.Expr, pl.Expr]:
    """Return (reason, detail) expressions; both null for a run that can be read."""
    id_absent = pl.col("_id").is_null()
    start = pl.col("_start_raw").str.strip_chars()
    start_absent = start.is_null() | (start == "")
    unusable = pl.col("received_at").is_null()
    reason = (
        pl.when(pl.col("_id_invalid"))
        .then(pl.lit("invalid_value"))
        .when(id_absent | start_absent)
        .then(pl.lit("missing_field"))
        .when(unusable)
        .then(pl.lit("unparseable_timestamp"))
    )
    issue = pl.col("_received_issue").fill_null("unparseable_timestamp").str.replace_all("_", " ")
    detail = (
        pl.when(pl.col("_id_invalid"))
        .then(pl.lit("the run id is an object or a list, not an id."))
        .when(id_absent)
        .then(pl.lit("the run has no id."))
        .when(start_absent)
        .then(pl.lit("the run has no start_time."))
        .when(unusable)
        .then(pl.format("the start_time is unusable ({}).", issue))
    )
    return reason, detail


def status(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Return (canonical status, whether the Zapier status was known)."""
    word = raw.str.strip_chars().str.to_lowercase()
    mapped = word.replace_strict(STATUS_MAP, default=None, return_dtype=pl.String)
    # NOTE: an outcome we cannot read is not evidence of success or failure.
    return mapped.fill_null("warning"), mapped.is_not_null()


def mappings(leaves: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Pair each numeric data_in leaf with each numeric data_out leaf of the same run.

    Args:
        leaves: ``Columns.leaves_frame()``.
        events: the file's kept rows with ``_idx`` and ``flow``, in output order.

    Returns:
        Rows of ``MAPPING_SCHEMA`` whose ``row`` indexes ``events``.
    """
    value = pl.col("_raw").str.strip_chars().cast(pl.Float64, strict=False)
    numeric = leaves.with_columns(_value=value).filter(pl.col("_value").is_finite())
    src = numeric.filter(pl.col("_side") == "in").select(
        "_idx", src_field="_path", src_value="_value"
    )
    dst = numeric.filter(pl.col("_side") == "out").select(
        "_idx", dst_field="_path", dst_value="_value"
    )
    rows = events.select(pl.col("_idx").cast(pl.UInt32), "flow").with_row_index("row")
    pairs = rows.join(src, on="_idx", how="inner", maintain_order="left_right").join(
        dst, on="_idx", how="inner", maintain_order="left_right"
    )
    return pairs.select(pl.col(name).cast(dtype) for name, dtype in MAPPING_SCHEMA.items())
