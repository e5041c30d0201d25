"""Boomi ExecutionRecord query results (format id ``boomi.execution_records``).

Input (FORMATS.md "Boomi"): a JSON page ``{"@type": "QueryResult", "result":
[ExecutionRecord], "numberOfResults": n, "queryToken": ...}``, a bare JSON list
of ExecutionRecord, or the XML QueryResult (``<bns:QueryResult ...><bns:result
xsi:type="bns:ExecutionRecord">`` with child elements of the same names; any
namespace prefix). A record's line is the line of its opening brace or of its
``result`` start tag. Exports come 100 records per page, so one export is many files.

Row contract: one run-level row per ExecutionRecord (``sku`` null):

* flow = ``processName`` (else ``process:<processId>``); run_id = ``executionId``;
* received_at = ``executionTime``; processed_at = ``recordedDate``, else
  ``executionTime`` + ``executionDuration`` ms;
* status COMPLETE -> ok, COMPLETE_WARN -> warning, ERROR / ABORTED -> error,
  DISCARDED -> discarded, INPROCESS / STARTED / ENQUEUED / ABORTED_RECOVERING ->
  pending, anything else (or none) -> warning with note ``unknown_status``;
* attempt = 1 + length of the retry chain back to the first execution
  (``executionType`` retry_manual / retry_sched with ``originalExecutionId``,
  followed through the records of all files; an original missing from the
  export counts as one step, so a retry is at least 2); event_id = the root
  original execution id for retries, the own id for firsts, so a retry links
  to what it re-sends.

Rejected records: no ``executionId``, no process name or id (``missing_field``),
no ``executionTime`` (``missing_field``) or an unusable one
(``unparseable_timestamp``), plus the framing rejections (invalid JSON / XML,
refused DTD). Notes: timestamp issues, ``unknown_status``,
``retry_without_original`` and ``no_process_name``.

Facts: ``boomi.execution`` (key executionId; values processName, processId,
executionType, originalExecutionId, status, executionTime as UTC ISO text) for
every record read. ``finalize`` consumes ``boomi.execution`` (the chain) and
``boomi.documents``: it keeps the first copy of an executionId exported on
several pages and drops the run row of an execution that has document rows,
since the documents carry its rows then. Boomi times have whole-second
precision, so ties are normal: nothing here sorts by time, rows keep file order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, Rejection
from parsers._base import Fact, ParseContext, ParseResult
from parsers._payload import as_id
from parsers._time import count_issues, parse_timestamps_with_issues
from parsers.boomi._common import (
    DOCUMENTS_FACT,
    EXECUTION_FACT,
    RETRY_TYPES,
    chains,
    fact_keys,
    frame_query_result,
    scalar,
    sniff_query_result,
)

FORMAT_ID: Final = "boomi.execution_records"
STATUS_MAP: Final = {
    "COMPLETE": "ok",
    "COMPLETE_WARN": "warning",
    "ERROR": "error",
    "ABORTED": "error",
    "DISCARDED": "discarded",
    "INPROCESS": "pending",
    "STARTED": "pending",
    "ENQUEUED": "pending",
    "ABORTED_RECOVERING": "pending",
}

# Keys that mark an untyped JSON ExecutionRecord page.
UNTYPED_KEYS: Final = ("executionId", "executionTime", "processName")

_RAW_SCHEMA: Final = {
    "line": pl.UInt32,
    "record": pl.UInt32,
    "_offset": pl.Int64,
    "_index": pl.UInt32,
    "run_id": pl.String,
    "_original_id": pl.String,
    "_execution_type": pl.String,
    "_process_name": pl.String,
    "_process_id": pl.String,
    "_status_raw": pl.String,
    "_time_raw": pl.String,
    "_recorded_raw": pl.String,
    "_duration_raw": pl.String,
}
HELPER_COLUMNS: Final = {"_original_id": pl.String, "_execution_type": pl.String}


def _fields(record: dict[str, Any]) -> tuple[Any, ...]:
    """Pull one ExecutionRecord's raw fields, in ``_RAW_SCHEMA`` order after the locators."""
    get = record.get
    return (
        as_id(get("executionId")),
        as_id(get("originalExecutionId")),
        scalar(get("executionType")),
        as_id(get("processName")),
        as_id(get("processId")),
        scalar(get("status")),
        scalar(get("executionTime")),
        scalar(get("recordedDate")),
        scalar(get("executionDuration")),
    )


def _rejection_reason() -> tuple[pl.Expr, pl.Expr]:
    """Return (reason, detail) expressions; null reason means the record is kept."""
    time_absent = pl.col("_time_raw").str.strip_chars().fill_null("") == ""
    checks = (
        (pl.col("run_id").is_null(), "missing_field", "the record has no executionId."),
        (pl.col("flow").is_null(), "missing_field", "the record has no processName or processId."),
        (time_absent, "missing_field", "the record has no executionTime."),
        (
            pl.col("received_at").is_null(),
            "unparseable_timestamp",
            "the executionTime is unusable.",
        ),
    )
    # The first failing check decides, as a when/then chain built from the table.
    reason: Any = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
    detail: Any = pl.when(checks[0][0]).then(pl.lit(checks[0][2]))
    for condition, code, text in checks[1:]:
        reason = reason.when(condition).then(pl.lit(code))
        detail = detail.when(condition).then(pl.lit(text))
    return reason.otherwise(None), detail.otherwise(None)


def _is_retry() -> pl.Expr:
    kind = pl.col("_execution_type").str.strip_chars().str.to_lowercase()
    return kind.is_in(RETRY_TYPES).fill_null(False)


class ExecutionRecords:
    """Parser for Boomi ExecutionRecord QueryResult pages (JSON or XML)."""

    id: str = FORMAT_ID
    source: str = "boomi"
    description: str = (
        "Boomi ExecutionRecord query results (JSON QueryResult, bare list or XML): "
        "one run row per execution, retry chains followed across pages."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score how sure we are that head starts an ExecutionRecord page.

        Args:
            head: the first bytes of the file (64 KiB).
            name: the file's path, unused: the content decides.

        Returns:
            0.95 for records typed ExecutionRecord, 0.8 for untyped JSON records
            with executionId, executionTime and processName, else 0.
        """
        # NOTE: Make's DLQ items also carry executionId; executionTime and
        # processName together are Boomi's alone.
        return sniff_query_result(head, "ExecutionRecord", UNTYPED_KEYS)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one ExecutionRecord page into run rows, rejections and facts.

        Args:
            data: the whole file.
            ctx: file name and ``--tz`` zone.

        Returns:
            Run rows with helper columns ``_original_id`` and ``_execution_type``,
            the rejections, the records seen, notes and ``boomi.execution`` facts.
        """
        framed = frame_query_result(data, ctx.file)
        rows = [
            (r.line, r.record, r.offset, i, *_fields(r.value)) for i, r in enumerate(framed.records)
        ]
        frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row")
        received = parse_timestamps_with_issues(frame.get_column("_time_raw"), ctx.tz)
        recorded = parse_timestamps_with_issues(frame.get_column("_recorded_raw"), ctx.tz)
        frame = frame.with_columns(
            received_at=received.get_column("value"),
            _time_issue=received.get_column("issue"),
            _recorded=recorded.get_column("value"),
            _recorded_issue=recorded.get_column("issue"),
            flow=pl.coalesce("_process_name", pl.format("process:{}", pl.col("_process_id"))),
        )
        reason, detail = _rejection_reason()
        frame = frame.with_columns(_reason=reason, _detail=detail)
        rejections = list(framed.rejections)
        for index, line, record, offset, code, text in (
            frame.filter(pl.col("_reason").is_not_null())
            .select("_index", "line", "record", "_offset", "_reason", "_detail")
            .iter_rows()
        ):
            excerpt = framed.excerpt(framed.records[index])
            rejections.append(Rejection(ctx.file, line, code, text, record, offset, excerpt))
        rejections.sort(key=lambda r: r.record or 0)
        kept = frame.filter(pl.col("_reason").is_null())
        events, notes = _to_events(kept, ctx)
        notes.update(framed.notes)
        return ParseResult(
            events=events,
            rejections=rejections,
            records_seen=framed.seen,
            notes=notes,
            facts=_facts(kept, ctx.file),
        )

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Dedupe executions across pages, drop documented runs, derive attempts.

        Args:
            events: rows of every ExecutionRecord file, sorted by (file, record).
            facts: every fact of the export; ``boomi.execution`` gives the retry
                chains, ``boomi.documents`` the executions that have document rows.

        Returns:
            The first row of each executionId, without the executions that have
            document rows, with ``attempt`` and ``event_id`` from the retry chain.
        """
        events = _with_helpers(events).unique("run_id", keep="first", maintain_order=True)
        documented = fact_keys(facts, DOCUMENTS_FACT)
        events = events.filter(~pl.col("run_id").is_in(documented).fill_null(False))
        from_facts = [
            (
                f.key,
                as_id(f.values.get("originalExecutionId")),
                scalar(f.values.get("executionType")),
            )
            for f in facts
            if f.kind == EXECUTION_FACT
        ]
        link_schema = {
            "executionId": pl.String,
            "originalExecutionId": pl.String,
            "executionType": pl.String,
        }
        links = pl.concat(
            [
                pl.DataFrame(from_facts, schema=link_schema, orient="row"),
                events.select(
                    executionId="run_id",
                    originalExecutionId="_original_id",
                    executionType="_execution_type",
                ),
            ]
        )
        chain = chains(links).rename({"executionId": "run_id"})
        events = events.drop("attempt", "event_id").join(
            chain, on="run_id", how="left", maintain_order="left"
        )
        return events.with_columns(
            attempt=pl.col("attempt").fill_null(1), event_id=pl.coalesce("root", "run_id")
        ).drop("root")


def _with_helpers(events: pl.DataFrame) -> pl.DataFrame:
    """Add the helper columns as nulls when the rows did not come from read()."""
    missing = [pl.lit(None, dtype).alias(n) for n, dtype in HELPER_COLUMNS.items()]
    return events.with_columns(e for e in missing if e.meta.output_name() not in events.columns)


def _to_events(kept: pl.DataFrame, ctx: ParseContext) -> tuple[pl.DataFrame, Counter[str]]:
    """Type the kept records into canonical rows; return them and their notes."""
    status_word = pl.col("_status_raw").str.strip_chars().str.to_uppercase()
    status = status_word.replace_strict(STATUS_MAP, default=None, return_dtype=pl.String)
    duration = pl.col("_duration_raw").str.strip_chars().cast(pl.Float64, strict=False)
    duration = pl.when(duration.is_finite() & (duration >= 0)).then(duration.round(0))
    retry = _is_retry()
    kept = kept.with_columns(
        processed_at=pl.coalesce(
            "_recorded",
            pl.col("received_at") + pl.duration(milliseconds=duration.cast(pl.Int64)),
        ),
        status=status.fill_null("warning"),
        # Preliminary: finalize() walks the whole chain across files.
        attempt=pl.when(retry).then(2).otherwise(1),
        event_id=pl.when(retry).then(pl.coalesce("_original_id", "run_id")).otherwise("run_id"),
        _note_status=status.is_null(),
        _note_orphan_retry=retry & pl.col("_original_id").is_null(),
        _note_no_name=pl.col("_process_name").is_null(),
    )
    notes: Counter[str] = Counter()
    notes.update(count_issues(kept.get_column("_time_issue")))
    notes.update(count_issues(kept.get_column("_recorded_issue")))
    flags = kept.select(
        unknown_status=pl.col("_note_status").sum(),
        retry_without_original=pl.col("_note_orphan_retry").sum(),
        no_process_name=pl.col("_note_no_name").sum(),
    ).row(0, named=True)
    notes.update({code: int(n) for code, n in flags.items() if n})
    events = kept.with_columns(
        source=pl.lit("boomi"),
        format=pl.lit(FORMAT_ID),
        file=pl.lit(ctx.file),
        idempotency_key=pl.lit(None, dtype=pl.String),
        sku=pl.lit(None, dtype=pl.String),
        location=pl.lit(None, dtype=pl.String),
        occurred_at=pl.lit(None, dtype=EVENT_SCHEMA["occurred_at"]),
        quantity=pl.lit(None, dtype=pl.Float64),
    ).select(
        *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()),
        *(pl.col(name).cast(dtype) for name, dtype in HELPER_COLUMNS.items()),
    )
    return events, notes


def _facts(kept: pl.DataFrame, file: str) -> list[Fact]:
    """One ``boomi.execution`` fact per record read."""
    values = kept.select(
        "run_id",
        "line",
        "_process_name",
        "_process_id",
        "_execution_type",
        "_original_id",
        "_status_raw",
        executionTime=pl.col("received_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"),
    )
    return [
        Fact(
            EXECUTION_FACT,
            key,
            {
                "processName": name,
                "processId": process_id,
                "executionType": kind,
                "originalExecutionId": original,
                "status": status,
                "executionTime": when,
            },
            file,
            line,
        )
        for key, line, name, process_id, kind, original, status, when in values.iter_rows()
    ]


PARSER: Final = ExecutionRecords()
