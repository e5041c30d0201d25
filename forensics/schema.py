"""The canonical event and mappings tables, declared once as data (SPEC section 3).

Every parser yields frames of these schemas and detectors see nothing else. The
`pl.Schema` objects, `conform()` and the report glossary are all derived from the
column declarations below, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from forensics.errors import SchemaMismatchError

SOURCES: Final = ("make", "zapier", "boomi", "webhook")
STATUSES: Final = ("ok", "error", "warning", "filtered", "pending", "discarded")
# Statuses whose write reached the destination: under last-write-wins they set its value.
APPLIED_STATUSES: Final = ("ok", "warning")

UTC_US: Final = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Column:
    """One canonical column: its name, Polars dtype, nullability and meaning."""

    name: str
    dtype: pl.DataType
    nullable: bool
    meaning: str


EVENT_COLUMNS: Final[tuple[Column, ...]] = (
    Column("source", pl.Enum(SOURCES), False, "platform that produced the log"),
    Column("format", pl.String(), False, "parser id that read it, e.g. make.scenario_logs"),
    Column("file", pl.String(), False, "path relative to the analysed folder"),
    Column("line", pl.UInt32(), False, "1-based line where the record starts"),
    Column("record", pl.UInt32(), False, "1-based position of the record in its file"),
    Column("flow", pl.String(), False, "the handoff path as the platform names it"),
    Column("run_id", pl.String(), False, "the platform's execution / run / delivery id"),
    Column("event_id", pl.String(), True, "id of the business event being carried"),
    Column("idempotency_key", pl.String(), True, "key the destination could dedupe on"),
    Column("attempt", pl.UInt16(), False, "1 for the first delivery, 2.. for retries"),
    Column("sku", pl.String(), True, "entity key"),
    Column("location", pl.String(), True, "location / warehouse / store"),
    Column("occurred_at", UTC_US, True, "when the movement happened at the origin"),
    Column("received_at", UTC_US, True, "when the middleware accepted / queued it"),
    Column("processed_at", UTC_US, True, "when the middleware finished writing it"),
    Column("status", pl.Enum(STATUSES), False, "outcome of this attempt"),
    Column("quantity", pl.Float64(), True, "quantity written to the destination"),
)

# NOTE: `row` is not produced by parsers; the loader numbers the concatenated
# events so that detectors and the mappings table can cite them.
ROW_COLUMN: Final = Column("row", pl.UInt32(), False, "index of the event in the analysed set")

MAPPING_COLUMNS: Final[tuple[Column, ...]] = (
    Column("row", pl.UInt32(), False, "index into the event table"),
    Column("flow", pl.String(), False, "flow the mapping was observed on"),
    Column("src_field", pl.String(), False, "dotted source field path"),
    Column("src_value", pl.Float64(), True, "value read from the source field"),
    Column("dst_field", pl.String(), False, "dotted destination field path"),
    Column("dst_value", pl.Float64(), True, "value written to the destination field"),
)

EVENT_SCHEMA: Final = pl.Schema({c.name: c.dtype for c in EVENT_COLUMNS})
ROWED_EVENT_SCHEMA: Final = pl.Schema(
    {ROW_COLUMN.name: ROW_COLUMN.dtype, **{c.name: c.dtype for c in EVENT_COLUMNS}}
)
MAPPING_SCHEMA: Final = pl.Schema({c.name: c.dtype for c in MAPPING_COLUMNS})


def empty_events() -> pl.DataFrame:
    """Return an event frame with no rows and the canonical schema."""
    return pl.DataFrame(schema=EVENT_SCHEMA)


def empty_mappings() -> pl.DataFrame:
    """Return a mappings frame with no rows and the canonical schema."""
    return pl.DataFrame(schema=MAPPING_SCHEMA)


def _columns_for(schema: pl.Schema) -> tuple[Column, ...]:
    by_name = {c.name: c for c in (*EVENT_COLUMNS, ROW_COLUMN, *MAPPING_COLUMNS)}
    return tuple(by_name[name] if name != "row" else ROW_COLUMN for name in schema)


def conform(frame: pl.DataFrame, schema: pl.Schema = EVENT_SCHEMA, *, what: str) -> pl.DataFrame:
    """Cast a frame to a canonical schema and check its columns and null rules.

    Extra columns are dropped, so parsers may carry helper columns (prefixed
    with ``_``) until their finalize step.

    Args:
        frame: the frame a parser or the loader produced.
        schema: EVENT_SCHEMA, ROWED_EVENT_SCHEMA or MAPPING_SCHEMA.
        what: who produced the frame, named in the error message.

    Returns:
        The frame with exactly the schema's columns, in order, with its dtypes.

    Raises:
        SchemaMismatchError: a column is missing, cannot be cast losslessly, or
            holds nulls where the schema forbids them.
    """
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise SchemaMismatchError(f"{what} produced no column(s) {', '.join(missing)}.")
    try:
        out = frame.select(pl.col(name).cast(dtype, strict=True) for name, dtype in schema.items())
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        first = str(exc).splitlines()[0]
        raise SchemaMismatchError(f"{what} produced a column of the wrong type: {first}") from exc
    required = [c.name for c in _columns_for(schema) if not c.nullable]
    if required and out.height:
        nulls = out.select(pl.col(required).null_count()).row(0, named=True)
        bad = sorted(name for name, n in nulls.items() if n)
        if bad:
            raise SchemaMismatchError(f"{what} left nulls in required column(s) {', '.join(bad)}.")
    return out


def glossary() -> list[dict[str, str]]:
    """Describe the canonical event columns for reports and docs."""
    return [
        {
            "name": c.name,
            "type": str(c.dtype),
            "nullable": "yes" if c.nullable else "no",
            "meaning": c.meaning,
        }
        for c in EVENT_COLUMNS
    ]


# Closed set of rejection reasons (RELIABILITY section 2): low-cardinality codes
# a user can count and grep, never raw parser messages.
REJECTION_REASONS: Final = (
    "invalid_json",
    "truncated_record",
    "trailing_garbage",
    "not_an_object",
    "line_too_long",
    "too_deep",
    "missing_field",
    "unparseable_timestamp",
    "invalid_value",
    "duplicate_record",
    "unreadable_file",
    "invalid_xml",
    "dtd_refused",
)


# Closed set of note codes (RELIABILITY section 2: records read but flagged), each
# with the one line the report shows. A code a parser returns that is not here is
# our bug: the loader refuses it (AccountingError) instead of inventing a meaning.
NOTE_CODES: Final[dict[str, str]] = {
    # Bytes and framing (parsers._text, the line readers).
    "bom_stripped": "a UTF-8 byte-order mark at the start of the file was removed",
    "utf16_transcoded": "the file was UTF-16 with a byte-order mark and was read as UTF-8",
    "invalid_utf8": "invalid UTF-8 bytes were replaced with U+FFFD (per line; once per document)",
    "truncated_codepoint": "a character cut at the end of the line was replaced with U+FFFD",
    "mixed_line_endings": "the file mixes \\n and \\r\\n line endings (once per file)",
    "truncated_gzip": "the .gz file is cut off; the lines before the cut were read",
    "duplicate_file": "another file with the same content was skipped (per copy)",
    # JSON values (parsers._json), once per record.
    "nonfinite_number": "NaN or Infinity was read as null",
    "lone_surrogate": "a lone UTF-16 surrogate escape was replaced with U+FFFD",
    "bidi_control": "a key or value holds a bidirectional-text control (kept, shown escaped)",
    "duplicate_key": "an object repeats a key; the last value was used",
    "integer_out_of_range": "an integer outside the signed 64-bit range was kept exact",
    "schema_conflict": "a field holds different JSON types across the file's records (per field)",
    # Timestamps (parsers._time): the field is null, the record is kept.
    "naive_timestamp": "a timestamp without a zone was read in the assumed zone (--tz)",
    "nonexistent_local_time": "a local time in a DST gap was left empty, not guessed",
    "ambiguous_timestamp": "a DST-overlap or day/month-ambiguous time was left empty",
    "sentinel_timestamp": "a placeholder date (1970-01-01, 9999-12-31, ...) was left empty",
    "unparseable_timestamp": "a timestamp field other than the receive time was unreadable",
    # Record fields, shared by several formats.
    "non_numeric_quantity": "a quantity is not a number and was left empty",
    "status_missing": "the record logs no outcome; kept as warning",
    "unknown_status": "the outcome is not one the parser knows; kept as warning",
    "body_not_json": "a body logged as a string is not JSON; kept as text",
    # Zapier Zap Runs.
    "missing_zap": "the run names neither a Zap id nor a Zap title",
    "unknown_keys": "the run holds keys beyond the Zap Runs API fields",
    "replayed_steps": "a step started more than 60 s after the run (a replay)",
    "data_not_json": "data_in or data_out is a string that is not JSON",
    "data_not_object": "data_in or data_out is JSON but not an object",
    "invalid_steps": "the run's steps are not a list of objects",
    "mapping_fields_capped": "the run has more numeric fields than mapping evidence keeps",
    # Make.
    "duration_missing": "the run logs no duration, so it has no processed time",
    "unparsed_imt_id": "the run's imtId could not be read",
    "check_run": "a liveness check run (one operation, no transfer)",
    "hook_id_unknown": "the webhook id is not in the file or folder name",
    "dlq_id_unknown": "the incomplete-execution id is not in the file or folder name",
    # Boomi.
    "no_document_index": "the document has no index",
    "no_execution_record": "the document's execution record is not in the export",
    "retry_without_original": "a retry whose original execution is not in the export",
    "no_process_name": "the execution names no process",
    "no_execution_id": "the process log's path holds no execution id",
    "unknown_level": "a log level the parser does not know, read as INFO",
    # The loader.
    "merged_into_other_rows": "rows merged into others across files (page copies, Boomi runs)",
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """A physical record that could not be read into the event table.

    Attributes:
        file: path relative to the analysed folder (archive members as ``a.zip!/x``).
        line: 1-based line where the record starts.
        reason: one of REJECTION_REASONS.
        detail: one sentence saying what is wrong with the record.
        record: 1-based position of the record in its file, when known.
        offset: byte offset of the record in the file, when known.
        excerpt: the start of the raw record; redacted before it is shown.
    """

    file: str
    line: int
    reason: str
    detail: str
    record: int | None = None
    offset: int | None = None
    excerpt: str = ""

    def __post_init__(self) -> None:
        if self.reason not in REJECTION_REASONS:
            raise SchemaMismatchError(f"unknown rejection reason {self.reason!r}")
