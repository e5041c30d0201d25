"""Zapier Zap run history (format id ``zapier.zap_runs``, FORMATS.md "Zapier").

Input shapes: an envelope ``{"links": ..., "meta": ..., "data": [ZapRun]}``, a
list of such envelopes (the API reference's own example), a bare list of
ZapRun, or NDJSON of ZapRun. The framing is told by content: a leading ``[``
or a first line that is not a whole JSON value (pretty-printed) is a document
walked record by record (each run gets the line of its opening brace); else
the file is read line by line, each line a run or a saved API page (its runs
are the records), so one damaged line costs only itself.

Row contract, one row per ZapRun:

- flow = ``zap_title``, else ``zap:<zap_id>`` (else ``zap:unknown``, note
  ``missing_zap``); run_id = ``id``; ids stay exact strings (``zap_id`` can
  exceed 2^53).
- received_at = ``start_time``; processed_at = ``end_time``, else the start_time
  of the last step that has one (an end_time present but unusable stays null).
- status: success -> ok; error, halted -> error; error_handled -> warning;
  filtered, skipped -> filtered; delayed, scheduled, pending, held, throttled ->
  pending; anything else, or none -> warning with note ``unknown_status``.
- ``data_in`` / ``data_out`` are objects, JSON strings or ``""`` (no data). A
  string that is not JSON is kept (note ``data_not_json``); JSON that is not an
  object has no fields (note ``data_not_object``). sku, location, occurred_at,
  event_id and idempotency_key come from data_in by the ``[payload]`` key lists
  (sku falls back to data_out); quantity from data_out, else data_in.
- Replays: key = ``event:<event_id>``, else ``data:<sha256 of the canonical JSON
  of data_in>`` when data_in is non-empty; ``finalize`` sets attempt = rank by
  received_at (ties by file, record) within (flow, key), and drops copies of
  an ``id`` already read (first by file, record). A step starting more than
  60 s after the run is noted ``replayed_steps`` (a replay re-runs failed steps
  later with the original trigger data).
- Mapping evidence: each numeric leaf of data_in (numbers and numeric strings,
  nested objects as dotted paths of up to 3 segments, lists ignored) paired
  with each numeric leaf of data_out is one ``mappings`` row.
- Rejected: a record that is not an object (``not_an_object``), without id or
  start_time (``missing_field``), with an object or list as id
  (``invalid_value``), or with an unusable start_time (``unparseable_timestamp``).

Other notes: ``non_numeric_quantity``, ``invalid_steps`` (steps not a list of
objects), ``unknown_keys`` (keys beyond the Zap Runs API fields, kept out of the
canonical columns), ``mapping_fields_capped``, and the timestamp issues of
``parsers._time``. Helper columns for ``finalize``: ``_replay_key``, ``_zap_id``,
``_replayed_steps``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, Rejection
from parsers._base import Fact, ParseContext, ParseResult
from parsers._json import RecordError, iter_document, parse_record
from parsers._text import decode, decode_line, has_mixed_line_endings, iter_lines, to_utf8
from parsers._time import count_issues
from parsers.zapier import _frames
from parsers.zapier._records import KEY_LISTS, pull

FORMAT_ID: Final = "zapier.zap_runs"
RECORD_KEYS: Final = ("data",)
EXCERPT_CHARS: Final = 200
# Lines of a head the sniffer tries when the first one is not a record.
SNIFF_LINES: Final = 20
# A step this long after the run's start is a replay of a failed step, not the run itself.
REPLAY_AFTER: Final = timedelta(seconds=60)

_LIST_OF_OBJECTS: Final = re.compile(rb"\[\s*[{\]]")
_TEXT_ZAP: Final = re.compile(r'"zap_(?:id|title)"\s*:')
_TEXT_RUN: Final = re.compile(r'"(?:start_time|status)"\s*:')

HELPER_COLUMNS: Final = {
    "_replay_key": pl.String,
    "_zap_id": pl.String,
    "_replayed_steps": pl.Boolean,
}


class ZapRuns:
    """Parser for Zapier Zap run history (Zap Runs API pages, lists or NDJSON)."""

    id: str = FORMAT_ID
    source: str = "zapier"
    description: str = (
        "Zapier Zap run history: Zap Runs API pages ({links, meta, data}), lists of "
        "pages, bare lists of ZapRun, or NDJSON of ZapRun."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score how sure we are that head starts a Zapier run export.

        Args:
            head: the first bytes of the file (64 KiB).
            name: the file's path, unused: the content decides.

        Returns:
            0.95 for a first record with ``id``, ``start_time`` and ``zap_id`` or
            ``zap_title``; 0.8 with a zap key and ``start_time`` or ``status``;
            0.4 when the first record is cut or garbled but those keys appear;
            else 0.
        """
        body, _, _ = to_utf8(head)
        text = body.decode("utf-8", errors="replace").lstrip()
        first = _first_record(text)
        if first is None:
            # The first record is longer than the head, or garbled: judge by its keys.
            return 0.4 if _TEXT_ZAP.search(text) and _TEXT_RUN.search(text) else 0.0
        if not ("zap_id" in first or "zap_title" in first):
            return 0.0
        if "id" in first and "start_time" in first:
            return 0.95
        return 0.8 if ("start_time" in first or "status" in first) else 0.0

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one file of Zap runs into canonical rows, mappings and rejections.

        Args:
            data: the whole file.
            ctx: file name, ``--tz`` zone and payload key lists.

        Returns:
            Rows (with the helper columns), mapping evidence indexing those rows,
            the rejections, the records seen (ZapRun elements or non-blank lines)
            and notes.
        """
        body, shift, notes = to_utf8(data)
        keys = {name: tuple(ctx.payload.get(name, ())) for name in KEY_LISTS}
        if _is_document(body):
            text, text_notes = decode(body)
            notes.update(text_notes)

            def excerpt(start: int) -> str:
                return text[start : start + EXCERPT_CHARS]

            reader = _Reader(ctx, keys, notes, shift, excerpt)
            reader.document(text)
        else:
            if has_mixed_line_endings(body):
                notes["mixed_line_endings"] += 1

            def excerpt(start: int) -> str:
                chunk = body[start : start + 4 * EXCERPT_CHARS].split(b"\n", 1)[0]
                return chunk.rstrip(b"\r").decode("utf-8", errors="replace")[:EXCERPT_CHARS]

            reader = _Reader(ctx, keys, notes, shift, excerpt)
            reader.lines(body)
        cols, rejections = reader.cols, reader.rejections
        frame = _frames.with_times(cols.frame(), cols.steps_frame(), ctx.tz)
        events, bad, row_notes = _to_events(frame, ctx)
        notes.update(row_notes)
        for line, record, offset, start, reason, detail in bad.iter_rows():
            rejections.append(
                Rejection(ctx.file, line, reason, detail, record, offset, excerpt(start))
            )
        rejections.sort(key=lambda r: r.record or 0)
        mappings = _frames.mappings(cols.leaves_frame(), events)
        return ParseResult(
            events=events.drop("_idx"),
            rejections=rejections,
            records_seen=reader.seen,
            mappings=mappings,
            notes=notes,
        )

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Drop runs exported twice and number replays across all Zapier files.

        Args:
            events: rows of every Zapier file, with the helper columns of ``read()``.
            facts: cross-file facts of the export; Zap runs need none.

        Returns:
            One row per run ``id`` (the first by file, then record), with
            ``attempt`` = 1-based rank by ``received_at`` (ties by file, then
            record) among rows of the same flow and ``_replay_key``; rows
            without a key are attempt 1.
        """
        events = _with_helpers(events).sort(["file", "record"], maintain_order=True)
        events = events.filter(pl.col("run_id").is_first_distinct())
        rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(
            ["flow", "_replay_key"], order_by=["received_at", "file", "record"]
        )
        attempt = pl.when(pl.col("_replay_key").is_not_null()).then(rank).otherwise(1)
        return events.with_columns(attempt=attempt.clip(1, 65535).cast(pl.UInt16))


def _with_helpers(events: pl.DataFrame) -> pl.DataFrame:
    """Add the helper columns as nulls when the rows did not come from read()."""
    missing = [pl.lit(None, dtype).alias(n) for n, dtype in HELPER_COLUMNS.items()]
    return events.with_columns(e for e in missing if e.meta.output_name() not in events.columns)


def _first_record(text: str) -> dict[str, Any] | None:
    """Decode the first ZapRun of a head: in an envelope, a list, or the first JSON line."""
    for item in iter_document(text, Counter(), record_keys=RECORD_KEYS):
        if isinstance(item.value, dict):
            return item.value
        break
    # NOTE: a banner or damaged first line must not decide the format (RELIABILITY B13).
    for line in text.split("\n", SNIFF_LINES)[1:SNIFF_LINES]:
        if isinstance(parse_record(line, Counter()), dict):
            first = next(iter_document(line, Counter(), record_keys=RECORD_KEYS), None)
            return first.value if first is not None and isinstance(first.value, dict) else None
    return None


def _is_document(body: bytes) -> bool:
    """Whether the file is a JSON document (list, pretty-printed object) rather than lines."""
    head = body[:4096].lstrip()
    if head.startswith(b"["):
        # A list of runs or pages, not a bracketed banner line such as "[2026-04-06] ...".
        return _LIST_OF_OBJECTS.match(head) is not None or len(head) == 1
    if not head.startswith(b"{"):
        return False
    lines = iter_lines(body)
    if not isinstance(parse_record(next(lines).raw, Counter()), RecordError):
        return False
    second = next(lines, None)
    # NOTE: an NDJSON line starts with '{'; a pretty-printed object continues with a key.
    return second is None or not second.raw.lstrip().startswith(b"{")


def _is_envelope(value: dict[str, Any]) -> bool:
    """Whether a decoded object is an API page holding runs rather than a run."""
    # A run that grew a "data" field is still a run: pages carry no run fields.
    if "start_time" in value or "zap_id" in value:
        return False
    return any(isinstance(value.get(k), list | dict) for k in RECORD_KEYS)


@dataclass(slots=True)
class _Reader:
    """Frames one file into records: rejections for bad ones, raw columns for runs."""

    ctx: ParseContext
    keys: dict[str, tuple[str, ...]]
    notes: Counter[str]
    shift: int
    excerpt: Callable[[int], str]
    cols: _frames.Columns = field(default_factory=_frames.Columns)
    rejections: list[Rejection] = field(default_factory=list)
    seen: int = 0

    def reject(self, line: int, offset: int, start: int, error: RecordError) -> None:
        """Reject the current record; offset is in bytes, start as ``excerpt`` expects."""
        self.rejections.append(
            Rejection(
                self.ctx.file,
                line,
                error.reason,
                error.detail,
                self.seen,
                offset + self.shift,
                self.excerpt(start),
            )
        )

    def add(self, line: int, offset: int, start: int, run: dict[str, Any]) -> None:
        """Pull the current record's raw fields into the columns."""
        self.cols.add(
            (line, self.seen, offset + self.shift, start), pull(run, self.keys, self.notes)
        )

    def lines(self, body: bytes) -> None:
        """Read NDJSON: a ZapRun per non-blank line, or an API page per line."""
        for line in iter_lines(body):
            value = parse_record(line.raw, self.notes)
            if isinstance(value, RecordError) or not _is_envelope(value):
                self.seen += 1
                if isinstance(value, RecordError):
                    self.reject(line.number, line.offset, line.offset, value)
                else:
                    self.add(line.number, line.offset, line.offset, value)
                continue
            # A saved API page per line: its runs are the records. The line already
            # decoded once, so its notes are counted; this pass only finds positions.
            text = decode_line(line.raw)[0]
            for item in iter_document(text, Counter(), record_keys=RECORD_KEYS):
                self.seen += 1
                at = line.offset + item.byte_offset
                if item.error is not None:
                    self.reject(line.number, at, at, item.error)
                else:
                    self.add(line.number, at, at, item.value)

    def document(self, text: str) -> None:
        """Read the ZapRun elements of a JSON document (pages, lists, one run)."""
        for item in iter_document(text, self.notes, record_keys=RECORD_KEYS):
            self.seen += 1
            if item.error is not None:
                self.reject(item.line, item.byte_offset, item.offset, item.error)
            else:
                self.add(item.line, item.byte_offset, item.offset, item.value)


def _to_events(
    frame: pl.DataFrame, ctx: ParseContext
) -> tuple[pl.DataFrame, pl.DataFrame, Counter[str]]:
    """Type the timed raw columns; return (events with ``_idx``, rejected locators, notes)."""
    reason, detail = _frames.rejection()
    frame = frame.with_columns(_reason=reason, _detail=detail)
    rejected = frame.filter(pl.col("_reason").is_not_null()).select(
        "line", "record", "_offset", "_start", "_reason", "_detail"
    )
    kept = frame.filter(pl.col("_reason").is_null())

    quantity = pl.col("_quantity_raw").str.strip_chars().cast(pl.Float64, strict=False)
    quantity = pl.when(quantity.is_finite()).then(quantity)
    status, known = _frames.status(pl.col("_status_raw"))
    kept = kept.with_columns(
        quantity=quantity,
        status=status,
        flow=pl.coalesce("_title", pl.format("zap:{}", "_zap_id"), pl.lit("zap:unknown")),
        run_id=pl.col("_id"),
        _replay_key=pl.when(pl.col("event_id").is_not_null())
        .then(pl.format("event:{}", "event_id"))
        .when(pl.col("_replay_data").is_not_null())
        .then(pl.format("data:{}", "_replay_data")),
        _replayed_steps=(pl.col("_latest_step") > pl.col("received_at") + REPLAY_AFTER).fill_null(
            False
        ),
        _note_quantity=pl.col("_quantity_raw").is_not_null() & quantity.is_null(),
        _note_status=~known,
        _note_zap=pl.col("_title").is_null() & pl.col("_zap_id").is_null(),
    )
    notes = Counter[str]()
    for column in ("_received_issue", "_occurred_issue", "_processed_issue"):
        notes.update(count_issues(kept.get_column(column)))
    notes.update(count_issues(kept.get_column("_step_issues").explode()))
    flags = kept.select(
        non_numeric_quantity=pl.col("_note_quantity").sum(),
        unknown_status=pl.col("_note_status").sum(),
        missing_zap=pl.col("_note_zap").sum(),
        unknown_keys=pl.col("_unknown_keys").sum(),
        replayed_steps=pl.col("_replayed_steps").sum(),
        data_not_json=pl.col("_data_not_json").sum(),
        data_not_object=pl.col("_data_not_object").sum(),
        invalid_steps=pl.col("_steps_invalid").sum(),
        mapping_fields_capped=pl.col("_leaves_capped").sum(),
    ).row(0, named=True)
    notes.update({code: int(n) for code, n in flags.items() if n})
    events = kept.with_columns(
        source=pl.lit("zapier"),
        format=pl.lit(FORMAT_ID),
        file=pl.lit(ctx.file),
        attempt=pl.lit(1),
    ).select(
        *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()),
        *(pl.col(name).cast(dtype) for name, dtype in HELPER_COLUMNS.items()),
        "_idx",
    )
    return events, rejected, notes


PARSER: Final = ZapRuns()
