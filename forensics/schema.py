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
