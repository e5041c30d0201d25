"""Boomi per-document tracking pages (format id ``boomi.documents``).

Input (FORMATS.md "Boomi"): ``{"@type": "QueryResult", "result":
[GenericConnectorRecord]}`` as JSON (envelope or bare list) or the XML
QueryResult (``<bns:result xsi:type="bns:GenericConnectorRecord">``, any
prefix). A record's line is the line of its opening brace or start tag.

Row contract: one row per document:

* run_id = ``executionId``: the documents of one execution are one run, so
  gap and schedule detection see the process's real cadence; each document is
  told apart by ``_document_key`` = ``executionId#incrementalDocumentIndex``
  (else the record ``id``; else ``record<n>`` with note ``no_document_index``),
  which is also what page duplicates are deduplicated on;
* processed_at = ``dateProcessed``; received_at = the execution's
  ``executionTime`` from its ``boomi.execution`` fact, else ``dateProcessed``;
* status SUCCESS -> ok, ERROR -> error, anything else -> warning with note
  ``unknown_status``;
* sku / location / occurred_at / event_id / idempotency_key / quantity from
  ``trackedFields`` matched against the ``[payload]`` key lists (see
  ``parsers.boomi._tracked`` for the matching and the destination-quantity rule);
* flow = the execution's ``processName``, attempt from its retry chain and,
  when no tracked field names an event id, event_id = the chain's root
  execution id (a retry re-sends the original documents, so its documents
  link to them), all from ``boomi.execution`` facts in ``finalize``. Without
  an execution record: flow = ``execution:<executionId>``, attempt 1,
  event_id = the executionId, and ``finalize`` sets the helper column ``_note``
  to ``no_execution_record`` (finalize cannot add to the file's notes).

Mapping evidence (``ParseResult.mappings``): for every document, each numeric
source-side quantity field paired with the destination quantity field
(``trackedFields.OnHand`` -> ``trackedFields.QuantityOnHand``), ``row`` = the
document's row in this file's events. NOTE: the mapping's ``flow`` is the
read-time flow ``execution:<executionId>``; the process name is only known
once all files are read.

Rejected records: no ``executionId`` or no ``dateProcessed``
(``missing_field``), an unusable ``dateProcessed`` (``unparseable_timestamp``),
plus the framing rejections. Facts: one ``boomi.documents`` (key executionId;
values documents, errors) per execution with rows in the file; consumed:
``boomi.execution``. ``finalize`` keeps the first copy of a document exported
on several pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, MAPPING_SCHEMA, Rejection
from parsers._base import Fact, ParseContext, ParseResult
from parsers._payload import as_id
from parsers._time import count_issues, parse_timestamps_with_issues
from parsers.boomi import _tracked
from parsers.boomi._common import (
    DOCUMENTS_FACT,
    chains,
    execution_frame,
    frame_query_result,
    scalar,
    sniff_query_result,
)

FORMAT_ID: Final = "boomi.documents"
STATUS_MAP: Final = {"SUCCESS": "ok", "ERROR": "error"}

# Keys that mark an untyped JSON GenericConnectorRecord page.
UNTYPED_KEYS: Final = ("executionId", "dateProcessed")

_RAW_SCHEMA: Final = {
    "line": pl.UInt32,
    "record": pl.UInt32,
    "_offset": pl.Int64,
    "_doc": pl.UInt32,
    "_execution_id": pl.String,
    "_document_id": pl.String,
    "_index_raw": pl.String,
    "_date_raw": pl.String,
    "_status_raw": pl.String,
}
HELPER_COLUMNS: Final = {
    "_execution_id": pl.String,
    "_document_key": pl.String,
    "_note": pl.String,
}


def _tracked_pairs(value: object) -> list[tuple[str, str | None]]:
    """Return (name, value) of each tracked field; accepts the wrapper, a list or one field."""
    items = value.get("trackedField") if isinstance(value, dict) else value
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return []
    pairs = []
    for item in items:
        if isinstance(item, dict):
            name = as_id(item.get("name"))
            if name is not None:
                pairs.append((name, scalar(item.get("value"))))
    return pairs


def _fields(record: dict[str, Any]) -> tuple[Any, ...]:
    """Pull one document's raw fields, in ``_RAW_SCHEMA`` order after the locators."""
    get = record.get
    return (
        as_id(get("executionId")),
        as_id(get("id")),
        as_id(get("incrementalDocumentIndex")),
        scalar(get("dateProcessed")),
        scalar(get("status")),
    )


class Documents:
    """Parser for Boomi GenericConnectorRecord QueryResult pages."""

    id: str = FORMAT_ID
    source: str = "boomi"
    description: str = (
        "Boomi per-document tracking (GenericConnectorRecord query results): one row "
        "per document with tracked SKU, location and quantities, and mapping evidence."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score how sure we are that head starts a GenericConnectorRecord page.

        Args:
            head: the first bytes of the file (64 KiB).
            name: the file's path, unused: the content decides.

        Returns:
            0.95 for records typed GenericConnectorRecord, 0.8 for untyped JSON
            records with executionId and dateProcessed, else 0.
        """
        return sniff_query_result(head, "GenericConnectorRecord", UNTYPED_KEYS)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one document page into rows, mapping evidence, rejections and facts.

        Args:
            data: the whole file.
            ctx: file name, ``--tz`` zone and payload key lists.

        Returns:
            Document rows with helper columns ``_execution_id`` and ``_note``,
            mappings citing them, rejections, notes and ``boomi.documents`` facts.
        """
        framed = frame_query_result(data, ctx.file)
        rows = []
        tracked_rows = []
        for i, raw in enumerate(framed.records):
            rows.append((raw.line, raw.record, raw.offset, i, *_fields(raw.value)))
            pairs = _tracked_pairs(raw.value.get("trackedFields"))
            tracked_rows.extend((i, pos, name, value) for pos, (name, value) in enumerate(pairs))
        frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row")
        tracked = pl.DataFrame(tracked_rows, schema=_tracked.TRACKED_SCHEMA, orient="row")
        processed = parse_timestamps_with_issues(frame.get_column("_date_raw"), ctx.tz)
        frame = frame.with_columns(
            processed_at=processed.get_column("value"), _date_issue=processed.get_column("issue")
        )
        date_absent = pl.col("_date_raw").str.strip_chars().fill_null("") == ""
        frame = frame.with_columns(
            _reason=pl.when(pl.col("_execution_id").is_null() | date_absent)
            .then(pl.lit("missing_field"))
            .when(pl.col("processed_at").is_null())
            .then(pl.lit("unparseable_timestamp")),
            _detail=pl.when(pl.col("_execution_id").is_null())
            .then(pl.lit("the document has no executionId."))
            .when(date_absent)
            .then(pl.lit("the document has no dateProcessed."))
            .when(pl.col("processed_at").is_null())
            .then(pl.lit("the dateProcessed is unusable.")),
        )
        rejections = list(framed.rejections)
        for doc, line, record, offset, code, text in (
            frame.filter(pl.col("_reason").is_not_null())
            .select("_doc", "line", "record", "_offset", "_reason", "_detail")
            .iter_rows()
        ):
            excerpt = framed.excerpt(framed.records[doc])
            rejections.append(Rejection(ctx.file, line, code, text, record, offset, excerpt))
        rejections.sort(key=lambda r: r.record or 0)
        kept = frame.filter(pl.col("_reason").is_null()).with_row_index("_row")
        events, mappings, notes = _to_events(kept, tracked, ctx)
        notes.update(framed.notes)
        return ParseResult(
            events=events,
            rejections=rejections,
            records_seen=framed.seen,
            mappings=mappings,
            notes=notes,
            facts=_facts(kept, ctx.file),
        )

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Dedupe documents across pages and attach each to its execution record.

        Args:
            events: rows of every document file, sorted by (file, record).
            facts: every fact of the export; ``boomi.execution`` is used.

        Returns:
            The first row of each document (``_document_key``) with flow, received_at,
            attempt and event_id from the execution record when there is one,
            and ``_note`` = ``no_execution_record`` when there is none.
        """
        if "_execution_id" not in events.columns:
            events = events.with_columns(_execution_id=pl.col("run_id"))
        if "_document_key" not in events.columns:
            events = events.with_columns(_document_key=pl.format("{}#{}", "run_id", "record"))
        events = events.unique("_document_key", keep="first", maintain_order=True)
        executions = execution_frame(facts)
        chain = chains(executions.select("executionId", "originalExecutionId", "executionType"))
        started = parse_timestamps_with_issues(executions.get_column("executionTime"), "UTC")
        executions = executions.with_columns(_started=started.get_column("value")).join(
            chain, on="executionId", how="left", maintain_order="left"
        )
        joined = events.join(
            executions.select(
                _execution_id="executionId",
                _matched=pl.lit(True),
                _process=pl.coalesce("processName", pl.format("process:{}", pl.col("processId"))),
                _started="_started",
                _attempt="attempt",
                _root="root",
            ),
            on="_execution_id",
            how="left",
            maintain_order="left",
        )
        matched = pl.col("_matched").fill_null(False)
        return joined.with_columns(
            flow=pl.when(matched).then(pl.coalesce("_process", "flow")).otherwise("flow"),
            received_at=pl.when(matched)
            .then(pl.coalesce("_started", "processed_at"))
            .otherwise("received_at"),
            attempt=pl.when(matched).then(pl.col("_attempt").fill_null(1)).otherwise("attempt"),
            # A tracked business event id wins; else the chain's root execution.
            event_id=pl.coalesce("event_id", "_root", "_execution_id"),
            _note=pl.when(matched)
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(pl.lit("no_execution_record")),
        ).drop("_matched", "_process", "_started", "_attempt", "_root")


def _to_events(
    kept: pl.DataFrame, tracked: pl.DataFrame, ctx: ParseContext
) -> tuple[pl.DataFrame, pl.DataFrame, Counter[str]]:
    """Type the kept documents; return (events, mappings, notes)."""
    tracked = tracked.join(
        kept.select("_doc", "_row"), on="_doc", how="inner", maintain_order="left"
    )
    picked = _tracked.pick(tracked, ctx.payload)
    chosen, pairs, non_numeric = _tracked.quantities(tracked, ctx.payload)
    kept = kept.join(picked, on="_doc", how="left", maintain_order="left").join(
        chosen, on="_doc", how="left", maintain_order="left"
    )
    occurred = parse_timestamps_with_issues(kept.get_column("occurred_at"), ctx.tz)
    status_word = pl.col("_status_raw").str.strip_chars().str.to_uppercase()
    status = status_word.replace_strict(STATUS_MAP, default=None, return_dtype=pl.String)
    index = pl.coalesce("_index_raw", "_document_id")
    kept = kept.with_columns(
        occurred_at=occurred.get_column("value"),
        _occurred_issue=occurred.get_column("issue"),
        run_id=pl.col("_execution_id"),
        _document_key=pl.format(
            "{}#{}",
            pl.col("_execution_id"),
            pl.coalesce(index, pl.format("record{}", pl.col("record"))),
        ),
        flow=pl.format("execution:{}", pl.col("_execution_id")),
        received_at=pl.col("processed_at"),
        status=status.fill_null("warning"),
        attempt=pl.lit(1),
        # Only a tracked business event id here; finalize() falls back to the
        # root execution of the retry chain, which needs every file's facts.
        event_id=pl.col("event_id"),
        _note=pl.lit(None, dtype=pl.String),
        _note_status=status.is_null(),
        _note_index=index.is_null(),
    )
    notes: Counter[str] = Counter(count_issues(kept.get_column("_date_issue")))
    notes.update(count_issues(kept.get_column("_occurred_issue")))
    flags = kept.select(
        unknown_status=pl.col("_note_status").sum(),
        no_document_index=pl.col("_note_index").sum(),
    ).row(0, named=True)
    notes.update({code: int(n) for code, n in flags.items() if n})
    if non_numeric:
        notes["non_numeric_quantity"] += non_numeric
    events = kept.with_columns(
        source=pl.lit("boomi"), format=pl.lit(FORMAT_ID), file=pl.lit(ctx.file)
    ).select(
        *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()),
        *(pl.col(name).cast(dtype) for name, dtype in HELPER_COLUMNS.items()),
    )
    mappings = (
        pairs.join(kept.select("_doc", "_row", "flow"), on="_doc", how="inner")
        .sort(["_row", "_src_pos"])
        .select(
            pl.col(name if name != "row" else "_row").cast(dtype).alias(name)
            for name, dtype in MAPPING_SCHEMA.items()
        )
    )
    return events, mappings, notes


def _facts(kept: pl.DataFrame, file: str) -> list[Fact]:
    """One ``boomi.documents`` fact per execution with rows in this file."""
    per_execution = kept.group_by("_execution_id", maintain_order=True).agg(
        line=pl.col("line").first(),
        documents=pl.len(),
        errors=(pl.col("_status_raw").str.strip_chars().str.to_uppercase() == "ERROR").sum(),
    )
    return [
        Fact(DOCUMENTS_FACT, key, {"documents": int(n), "errors": int(e)}, file, line)
        for key, line, n, e in per_execution.iter_rows()
    ]


PARSER: Final = Documents()
