"""Boomi process logs (format id ``boomi.process_log``).

Input (FORMATS.md "Boomi"): the log downloaded from Process Reporting,
tab-separated ``time<TAB>level<TAB>shape<TAB>extended info<TAB>message`` with
time ``yyyy-MM-ddTHH:mm:ssZ`` and level SEVERE / WARNING / INFO / CONFIG / FINE
(FINER / FINEST too), or the runtime's ``process_log.xml`` (``<LogEvent level
time shapename shapetype shapelabel shapeextendedinfo><Message>``). The
execution id is not in the text: it comes from the file or folder name
(``execution-<uuid>-<yyyy.mm.dd>``, the last one in the path).

Records: each log event is one record. In the text form a line starting with a
date starts an event; following lines without one continue it (multi-line
SEVERE messages and stack traces) and are part of that record, never rejected
on their own. The message may itself hold tabs: a line is split into at most
five fields. Rejected: an event line with fewer than five fields
(``missing_field``), an unusable time (``unparseable_timestamp``), a line
without a timestamp before the first event (``missing_field``), a LogEvent
without ``time``; plus, for XML, a refused DTD or malformed XML.

Row contract: all events of a file are absorbed into one run row: run_id = the
execution id, flow = the process name from ``Executing Process <name>``
(else ``execution:<id>`` with note ``no_process_name``), received_at = the
earliest event time, processed_at = the latest, status error if any SEVERE,
warning if any WARNING, else ok. A file without an execution id in its path
gets run_id ``process:<file stem>`` (flow the process name, else the same) and
note ``no_execution_id``. Unknown levels count as INFO with note ``unknown_level``.

Facts: ``boomi.process_log`` (key = run_id; values processName, events,
severe, warning, firstTime, lastTime, documentCounts [{line, shape, count,
kind: executing | found}], shapeDurations [{line, shape, ms}]) parsed from the
messages ``Executing <shape> with N document(s)``, ``N document(s) found``
and ``Shape executed successfully in N ms``. ``finalize`` drops the run row
when a ``boomi.execution`` or ``boomi.documents`` fact exists for the same
execution id: the log then only adds its fact.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, Rejection
from parsers._base import Fact, ParseContext, ParseResult
from parsers._text import decode_line, iter_lines, to_utf8
from parsers._time import count_issues, parse_timestamps_with_issues
from parsers.boomi._common import (
    DOCUMENTS_FACT,
    EXCERPT_CHARS,
    EXECUTION_FACT,
    PROCESS_LOG_FACT,
    fact_keys,
    is_xml,
)
from parsers.boomi._xml import read_records

FORMAT_ID: Final = "boomi.process_log"
LEVELS: Final = ("SEVERE", "WARNING", "INFO", "CONFIG", "FINE", "FINER", "FINEST")
EXECUTION_ID: Final = re.compile(
    r"execution-[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?:-\d{4}\.\d{2}\.\d{2})?"
)

_LEVEL_ALT: Final = "|".join(LEVELS)
_TSV_HEAD: Final = re.compile(
    rf"\A\s*\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d+)?Z?\t(?:{_LEVEL_ALT})\t"
)
_XML_HEAD: Final = re.compile(r"<ExecutionLogModel\b|<LogEvent\s[^>]{0,500}?\blevel\s*=")
_EVENT_START: Final = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d")
_PROCESS: Final = r"^\s*Executing Process (.+?)\s*$"
_EXECUTING: Final = r"Executing (.+?) with (\d+) document\(s\)"
_FOUND: Final = r"^\s*(\d+) document\(s\) found"
_DURATION: Final = r"executed successfully in (\d+) ms"

_RAW_SCHEMA: Final = {
    "line": pl.UInt32,
    "record": pl.UInt32,
    "_offset": pl.Int64,
    "_time_raw": pl.String,
    "_level_raw": pl.String,
    "_shape": pl.String,
    "_message": pl.String,
    "_excerpt": pl.String,
}


def _text_events(
    data: bytes, file: str
) -> tuple[list[list[Any]], list[Rejection], int, Counter[str]]:
    """Frame the tab-separated log into events; return rows, rejections, seen, notes."""
    body, shift, notes = to_utf8(data)
    rows: list[list[Any]] = []
    rejections: list[Rejection] = []
    seen = 0
    current: list[Any] | None = None
    in_record = False
    for line in iter_lines(body, start_offset=shift):
        text, note = decode_line(line.raw)
        if note:
            notes[note] += 1
        excerpt = text[:EXCERPT_CHARS]
        if not _EVENT_START.match(line.raw):
            if current is not None:
                current[6] += "\n" + text  # a continuation line of the open event
            elif not in_record:
                seen += 1
                detail = "the line has no leading timestamp and no earlier event to continue."
                rejections.append(
                    Rejection(
                        file, line.number, "missing_field", detail, seen, line.offset, excerpt
                    )
                )
            continue
        seen += 1
        in_record = True
        fields = text.split("\t", 4)
        if len(fields) < 5:
            current = None  # its continuation lines belong to this rejected record
            detail = f"the event line has {len(fields)} tab-separated field(s), not 5."
            at = (line.number, "missing_field", detail, seen, line.offset, excerpt)
            rejections.append(Rejection(file, *at))
            continue
        time, level, shape, _extended, message = fields
        current = [line.number, seen, line.offset, time, level, shape, message, excerpt]
        rows.append(current)
    return rows, rejections, seen, notes


def _xml_events(
    data: bytes, file: str
) -> tuple[list[list[Any]], list[Rejection], int, Counter[str]]:
    """Read LogEvent elements; return rows, rejections, seen, notes."""
    doc = read_records(data, frozenset({"LogEvent"}))
    lines: list[str] | None = None

    def excerpt(line: int) -> str:
        nonlocal lines
        if lines is None:
            lines = data.decode("utf-8", errors="replace").split("\n")
        return lines[line - 1].strip()[:EXCERPT_CHARS] if 0 < line <= len(lines) else ""

    rows: list[list[Any]] = []
    for i, item in enumerate(doc.records, start=1):
        get = item.value.get
        message = get("Message")
        message = message.get("#text") if isinstance(message, dict) else message
        shape = get("shapelabel") or get("shapetype") or get("shapename")
        time = get("time")
        rows.append([item.line, i, item.offset, time, get("level"), shape, message, None])
    seen = len(rows)
    rejections = []
    if doc.failure is not None:
        seen += 1
        fail = doc.failure
        rejections.append(
            Rejection(
                file, fail.line, fail.reason, fail.detail, seen, fail.offset, excerpt(fail.line)
            )
        )
    for row in rows:
        if row[7] is None:
            row[7] = excerpt(row[0])
    return rows, rejections, seen, Counter[str]()


class ProcessLog:
    """Parser for Boomi process logs (tab-separated download or process_log.xml)."""

    id: str = FORMAT_ID
    source: str = "boomi"
    description: str = (
        "Boomi process logs (Process Reporting tab-separated download or process_log.xml): "
        "one run row per execution, message facts for the execution record."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score how sure we are that head starts a Boomi process log.

        Args:
            head: the first bytes of the file (64 KiB).
            name: the file's path, unused: the content decides.

        Returns:
            0.95 for an ISO time, a known level and tabs on the first line, or
            an ExecutionLogModel / LogEvent XML document; else 0.
        """
        body, _, _ = to_utf8(head)
        text = body.decode("utf-8", errors="replace")
        if is_xml(body):
            return 0.95 if _XML_HEAD.search(text) else 0.0
        return 0.95 if _TSV_HEAD.match(text) else 0.0

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one process log into one run row, absorbed events, rejections and a fact.

        Args:
            data: the whole file.
            ctx: file name (the execution id comes from it) and ``--tz`` zone.

        Returns:
            At most one run row; every other readable event is absorbed.
        """
        body, _, _ = to_utf8(data[:4096])
        reader = _xml_events if is_xml(body) else _text_events
        rows, rejections, seen, notes = reader(data, ctx.file)
        frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row")
        times = parse_timestamps_with_issues(frame.get_column("_time_raw"), ctx.tz)
        frame = frame.with_columns(
            _time=times.get_column("value"), _issue=times.get_column("issue")
        )
        absent = pl.col("_time_raw").str.strip_chars().fill_null("") == ""
        bad = frame.filter(pl.col("_time").is_null()).with_columns(
            _reason=pl.when(absent)
            .then(pl.lit("missing_field"))
            .otherwise(pl.lit("unparseable_timestamp"))
        )
        for line, record, offset, raw, reason, excerpt in bad.select(
            "line", "record", "_offset", "_time_raw", "_reason", "_excerpt"
        ).iter_rows():
            detail = (
                "the log event has no time."
                if reason == "missing_field"
                else f"the event time {str(raw)[:40]!r} is unusable."
            )
            rejections.append(Rejection(ctx.file, line, reason, detail, record, offset, excerpt))
        rejections.sort(key=lambda r: r.record or 0)
        kept = frame.filter(pl.col("_time").is_not_null())
        notes.update(count_issues(kept.get_column("_issue")))
        if kept.is_empty():
            return ParseResult(
                events=pl.DataFrame(schema=EVENT_SCHEMA),
                rejections=rejections,
                records_seen=seen,
                notes=notes,
            )
        matches = EXECUTION_ID.findall(ctx.file)
        run_id = matches[-1] if matches else f"process:{PurePosixPath(ctx.file).stem}"
        if not matches:
            notes["no_execution_id"] += 1
        events, summary = _run_row(kept, ctx.file, run_id)
        if summary["processName"] is None:
            notes["no_process_name"] += 1
        notes.update(
            unknown_level=kept.filter(
                ~pl.col("_level_raw")
                .str.strip_chars()
                .str.to_uppercase()
                .is_in(LEVELS)
                .fill_null(False)
            ).height
        )
        notes = Counter({k: n for k, n in notes.items() if n})
        fact = Fact(PROCESS_LOG_FACT, run_id, summary, ctx.file, int(events["line"][0]))
        return ParseResult(
            events=events,
            rejections=rejections,
            records_seen=seen,
            notes=notes,
            absorbed=kept.height - 1,
            facts=[fact],
        )

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Drop the run row of executions already read from records or documents.

        Args:
            events: the run rows of every process log.
            facts: every fact of the export; ``boomi.execution`` and
                ``boomi.documents`` name the executions read elsewhere.

        Returns:
            The run rows of executions no other Boomi format describes.
        """
        known = fact_keys(facts, EXECUTION_FACT, DOCUMENTS_FACT)
        return events.filter(~pl.col("run_id").is_in(known).fill_null(False))


def _run_row(kept: pl.DataFrame, file: str, run_id: str) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Collapse the kept events into the run row and the fact's values."""
    level = pl.col("_level_raw").str.strip_chars().str.to_uppercase()
    message = pl.col("_message").fill_null("")
    kept = kept.with_columns(
        _process=message.str.extract(_PROCESS, 1),
        _exec_shape=message.str.extract(_EXECUTING, 1),
        _exec_count=message.str.extract(_EXECUTING, 2).cast(pl.Int64, strict=False),
        _found=message.str.extract(_FOUND, 1).cast(pl.Int64, strict=False),
        _ms=message.str.extract(_DURATION, 1).cast(pl.Int64, strict=False),
    )
    agg = kept.select(
        line=pl.col("line").first(),
        record=pl.col("record").first(),
        received_at=pl.col("_time").min(),
        processed_at=pl.col("_time").max(),
        severe=(level == "SEVERE").sum(),
        warning=(level == "WARNING").sum(),
        process=pl.col("_process").drop_nulls().first(),
    )
    row = agg.row(0, named=True)
    flow = row["process"] or (f"execution:{run_id}" if run_id.startswith("execution-") else run_id)
    status = "error" if row["severe"] else "warning" if row["warning"] else "ok"
    events = agg.select(
        source=pl.lit("boomi"),
        format=pl.lit(FORMAT_ID),
        file=pl.lit(file),
        line="line",
        record="record",
        flow=pl.lit(flow),
        run_id=pl.lit(run_id),
        event_id=pl.lit(run_id),
        idempotency_key=pl.lit(None, dtype=pl.String),
        attempt=pl.lit(1),
        sku=pl.lit(None, dtype=pl.String),
        location=pl.lit(None, dtype=pl.String),
        occurred_at=pl.lit(None, dtype=EVENT_SCHEMA["occurred_at"]),
        received_at="received_at",
        processed_at="processed_at",
        status=pl.lit(status),
        quantity=pl.lit(None, dtype=pl.Float64),
    ).cast(dict(EVENT_SCHEMA))
    counts = pl.concat(
        [
            kept.filter(pl.col("_exec_count").is_not_null()).select(
                "line", shape="_exec_shape", count="_exec_count", kind=pl.lit("executing")
            ),
            kept.filter(pl.col("_found").is_not_null()).select(
                "line", shape="_shape", count="_found", kind=pl.lit("found")
            ),
        ]
    ).sort("line", maintain_order=True)
    durations = kept.filter(pl.col("_ms").is_not_null()).select("line", shape="_shape", ms="_ms")
    iso = "%Y-%m-%dT%H:%M:%SZ"
    summary = {
        "processName": row["process"],
        "events": kept.height,
        "severe": int(row["severe"]),
        "warning": int(row["warning"]),
        "firstTime": row["received_at"].strftime(iso),
        "lastTime": row["processed_at"].strftime(iso),
        "documentCounts": counts.to_dicts(),
        "shapeDurations": durations.to_dicts(),
    }
    return events, summary


PARSER: Final = ProcessLog()
