"""Generic webhook receiver request logs (format id ``webhook.request_log``).

A receiver's request log is NDJSON (one delivery per line) or a JSON list of
deliveries, each with at least a receive time plus headers and a body
(FORMATS.md "Generic webhooks"). Reading happens in three steps:

1. Framing: NDJSON lines via ``parsers._text.iter_lines``, or the records of a
   JSON document via ``parsers._json.iter_document`` (line of each opening brace).
2. Per record, plain dict lookups fill column lists: the receive time, the
   header family's ids (Shopify, Stripe, Svix / Standard Webhooks, GitHub,
   Hookdeck), the topic, and sku / location / quantity / occurred_at found in
   the body by the ``[payload]`` key lists.
3. One Polars frame is built and everything else is expressions: timestamps
   (``parsers._time``), status mapping, quantity casting, run ids. A record
   whose receive time is absent or unusable is rejected.

Attempts need all page files at once, so ``read()`` carries ``_delivery_key``
(delivery id, else event id) and ``_attempt_hint`` (Hookdeck's attempt number)
and ``finalize()`` ranks deliveries of the same key by receive time and drops
exact duplicates exported twice across page files.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, Rejection
from parsers._base import Fact, ParseContext, ParseResult
from parsers._json import RecordError, iter_document, loads_value, parse_record
from parsers._payload import as_id, find, header, lower_keys
from parsers._text import Line, decode, has_mixed_line_endings, iter_lines, to_utf8
from parsers._time import count_issues, parse_timestamps_with_issues

FORMAT_ID: Final = "webhook.request_log"
RECEIVE_KEYS: Final = ("received_at", "timestamp", "time", "ts")
CONTENT_KEYS: Final = ("headers", "request", "body", "payload")
# Keys that mark another platform's export; such a file is not a webhook log.
FOREIGN_KEYS: Final = (
    "scenarioLogs",
    "scenarioLog",
    "dlqLogs",
    "hookLogs",
    "incomings",
    "dlqs",
    "imtId",
    "zap_id",
    "zap_title",
    "@type",
    "executionId",
)
EXCERPT_CHARS: Final = 200
# NDJSON files with at least this many lines take the vectorised path (read_fast).
FAST_MIN_LINES: Final = 2048

_OK_WORDS: Final = ("ok", "success", "succeeded", "successful", "delivered", "accepted", "done")
_ERROR_WORDS: Final = ("error", "failed", "failure", "fail", "timeout", "timed_out", "rejected")
_PENDING_WORDS: Final = ("pending", "queued", "scheduled", "retrying", "in_progress")
_FILTERED_WORDS: Final = ("filtered", "skipped", "ignored")
_DISCARDED_WORDS: Final = ("discarded", "dropped", "cancelled", "canceled")
_WARNING_WORDS: Final = ("warning", "warn", "partial")

_LIST_OF_OBJECTS: Final = re.compile(rb"\[\s*[{\]]")
_TEXT_TIME: Final = re.compile(r'"(?:received_at|timestamp|time|ts)"\s*:')
_TEXT_CONTENT: Final = re.compile(r'"(?:headers|request|body|payload)"\s*:')
_TEXT_FOREIGN: Final = re.compile("|".join(rf'"{re.escape(k)}"\s*:' for k in FOREIGN_KEYS))

# Raw per-record columns, as Python values straight from the JSON (strings for
# timestamps, statuses and quantities so Polars does all the typing).
_RAW_SCHEMA: Final = {
    "line": pl.UInt32,
    "record": pl.UInt32,
    "_offset": pl.Int64,
    "_start": pl.Int64,
    "_received_raw": pl.String,
    "_occurred_raw": pl.String,
    "_processed_raw": pl.String,
    "_status_raw": pl.String,
    "_topic": pl.String,
    "_endpoint": pl.String,
    "event_id": pl.String,
    "_delivery_id": pl.String,
    "idempotency_key": pl.String,
    "sku": pl.String,
    "location": pl.String,
    "_quantity_raw": pl.String,
    "_hint_raw": pl.String,
    "_body_not_json": pl.Boolean,
}
HELPER_COLUMNS: Final = {"_delivery_key": pl.String, "_attempt_hint": pl.UInt16}
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


def _scalar(value: object) -> object:
    """Keep JSON scalars for typing in Polars; objects and lists become unparseable text."""
    kind = type(value)
    if kind is dict:
        return "<object>"
    if kind is int and not _INT64_MIN <= value <= _INT64_MAX:  # type: ignore[operator]
        # NOTE: Polars cannot build a column from a Python int past Int64.
        return str(value)
    return "<array>" if kind is list else value


def _body(record: dict[str, Any], request: dict[str, Any]) -> tuple[Any, bool]:
    """Return the decoded body and whether it was a string that is not JSON."""
    for value in (record.get("body"), record.get("payload"), request.get("body")):
        if value is None:
            continue
        if isinstance(value, str):
            if not value.strip():
                return None, False
            # Receivers often log the raw body as a string: decode one level.
            decoded = loads_value(value, Counter())
            if isinstance(decoded, RecordError):
                return value, True
            return decoded, False
        return value, False
    return None, False


def _fields(record: dict[str, Any], keys: dict[str, tuple[str, ...]]) -> tuple[Any, ...]:
    """Pull one delivery's raw fields, in ``_RAW_SCHEMA`` order after the locators."""
    request = record.get("request")
    request = request if isinstance(request, dict) else {}
    received = None
    for key in RECEIVE_KEYS:
        received = record.get(key)
        if received is not None:
            break
    raw_headers = record.get("headers")
    h = lower_keys(raw_headers if raw_headers is not None else request.get("headers"))
    body, body_not_json = _body(record, request)
    obj = body if isinstance(body, dict) else {}

    # Header families (FORMATS.md table). Shopify's webhook id is shared by its
    # retries, so it is the delivery id and the idempotency key.
    topic = header(h, "x-shopify-topic", "x-github-event")
    event = header(h, "x-shopify-event-id", "x-github-delivery", "svix-id", "webhook-id")
    delivery = header(h, "x-shopify-webhook-id")
    idempotency = delivery
    sent = header(h, "x-shopify-triggered-at", "svix-timestamp", "webhook-timestamp")
    if obj.get("object") == "event" or "stripe-signature" in h:
        event = event if event is not None else obj.get("id")
        sent = sent if sent is not None else obj.get("created")
        topic = topic if topic is not None else obj.get("type")
        stripe_request = obj.get("request")
        if idempotency is None and isinstance(stripe_request, dict):
            idempotency = stripe_request.get("idempotency_key")
    elif "svix-id" in h or "webhook-id" in h:
        topic = topic if topic is not None else obj.get("type")
    hint = record.get("attempt_number")
    if event is None:
        event = header(h, "x-hookdeck-eventid")
        if event is None and hint is not None:
            event = record.get("event_id")
    if hint is None:
        hint = header(h, "x-hookdeck-attempt-count")
    if idempotency is None:
        idempotency = header(h, "idempotency-key", "x-idempotency-key")
    if idempotency is None:
        idempotency = find(obj, keys.get("idempotency_key", ()))
    if event is None:
        event = find(obj, keys.get("event_id", ()))
    occurred = find(obj, keys.get("occurred_at", ()))
    status = record.get("status")
    return (
        _scalar(received),
        _scalar(occurred if occurred is not None else sent),
        _scalar(record.get("processed_at")),
        _scalar(status if status is not None else record.get("response_status")),
        as_id(topic),
        as_id(record.get("endpoint")),
        as_id(event),
        as_id(delivery),
        as_id(idempotency),
        as_id(find(obj, keys.get("sku", ()))),
        as_id(find(obj, keys.get("location", ()))),
        _scalar(find(obj, keys.get("quantity", ()))),
        _scalar(hint),
        body_not_json,
    )


def _folder(file: str) -> str:
    """Name a flow after the file's folder, or the file itself at the root."""
    path = PurePosixPath(file)
    return str(path.parent) if str(path.parent) not in ("", ".") else path.name


def _status(raw: pl.Expr) -> pl.Expr:
    """Map HTTP codes and outcome words onto the canonical status; null when unknown."""
    word = raw.str.strip_chars().str.to_lowercase()
    code = word.cast(pl.Float64, strict=False)
    return (
        pl.when(code.is_between(200, 299, closed="both"))
        .then(pl.lit("ok"))
        .when(code.is_between(300, 399, closed="both"))
        .then(pl.lit("warning"))
        .when(code.is_between(400, 599, closed="both"))
        .then(pl.lit("error"))
        .when(word.is_in(_OK_WORDS) | word.is_null())
        .then(pl.lit("ok"))
        .when(word.is_in(_ERROR_WORDS))
        .then(pl.lit("error"))
        .when(word.is_in(_PENDING_WORDS))
        .then(pl.lit("pending"))
        .when(word.is_in(_FILTERED_WORDS))
        .then(pl.lit("filtered"))
        .when(word.is_in(_DISCARDED_WORDS))
        .then(pl.lit("discarded"))
        .when(word.is_in(_WARNING_WORDS))
        .then(pl.lit("warning"))
    )


class WebhookRequestLog:
    """Parser for generic webhook receiver request logs (NDJSON or a JSON list).

    Args:
        fast_min_lines: NDJSON files with at least this many lines are decoded
            by the vectorised path (``read_fast``; lines of an
            unusual shape still go through the per-line path); None disables it.
    """

    def __init__(self, fast_min_lines: int | None = FAST_MIN_LINES) -> None:
        self.fast_min_lines = fast_min_lines

    id: str = FORMAT_ID
    source: str = "webhook"
    description: str = (
        "Webhook receiver request logs (NDJSON or a JSON list) with Shopify, Stripe, "
        "Svix, GitHub and Hookdeck header families."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score how sure we are that head starts a webhook request log.

        Args:
            head: the first bytes of the file (64 KiB).
            name: the file's path, unused: the content decides.

        Returns:
            0.9 for a delivery with headers, 0.7 without, 0.4 when the first
            record is cut by the sniff window but its keys match, else 0.
        """
        body, _, _ = to_utf8(head)
        text = body.decode("utf-8", errors="replace").lstrip()
        first = _first_value(text)
        if not isinstance(first, dict):
            # The first record may be longer than the sniff window: judge by its keys.
            plausible = text.startswith(("{", "[")) and not _TEXT_FOREIGN.search(text)
            if plausible and _TEXT_TIME.search(text) and _TEXT_CONTENT.search(text):
                return 0.4
            return 0.0
        if any(k in first for k in FOREIGN_KEYS):
            return 0.0
        if not any(first.get(k) is not None for k in RECEIVE_KEYS):
            return 0.0
        if not any(k in first for k in CONTENT_KEYS):
            return 0.0
        request = first.get("request")
        has_headers = "headers" in first or (isinstance(request, dict) and "headers" in request)
        return 0.9 if has_headers else 0.7

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one request log into canonical rows and rejections.

        Args:
            data: the whole file.
            ctx: file name, ``--tz`` zone and payload key lists.

        Returns:
            Rows with helper columns ``_delivery_key`` and ``_attempt_hint``, the
            rejections, the records seen (non-blank lines or document records),
            and notes.
        """
        body, shift, notes = to_utf8(data)
        keys = {name: tuple(ctx.payload.get(name, ())) for name in _KEY_LISTS}
        rows: list[tuple[Any, ...]] = []
        rejections: list[Rejection] = []
        fast: FastRead | None = None
        if _is_document(body):
            text, text_notes = decode(body)
            notes.update(text_notes)
            seen = self._read_document(text, shift, ctx, keys, rows, rejections, notes)

            def excerpt(start: int) -> str:
                return text[start : start + EXCERPT_CHARS]
        else:
            if has_mixed_line_endings(body):
                notes["mixed_line_endings"] += 1
            if self.fast_min_lines is not None and body.count(b"\n") + 1 >= self.fast_min_lines:
                fast = read_fast(body, keys)
            if fast is None:
                seen = self._read_lines(iter_lines(body), shift, ctx, keys, rows, rejections, notes)
            else:
                seen = fast.seen
                slow = ((n, r, o, body[o : o + length]) for n, r, o, length in fast.slow)
                self._read_lines(slow, shift, ctx, keys, rows, rejections, notes)

            def excerpt(start: int) -> str:
                chunk = body[start : start + 4 * EXCERPT_CHARS].split(b"\n", 1)[0]
                return chunk.rstrip(b"\r").decode("utf-8", errors="replace")[:EXCERPT_CHARS]

        frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row", strict=False)
        if fast is not None:
            frame = pl.concat([fast.frame.cast(_RAW_SCHEMA), frame]).sort("record")
        events, bad, row_notes = _to_events(frame, ctx)
        notes.update(row_notes)
        for line, record, offset, start, raw, issue in bad.iter_rows():
            absent = raw is None or not raw.strip()
            reason = "missing_field" if absent else "unparseable_timestamp"
            detail = (
                "the delivery has no receive time (received_at, timestamp, time or ts)."
                if absent
                else f"the receive time is unusable ({issue.replace('_', ' ')})."
            )
            rejections.append(
                Rejection(ctx.file, line, reason, detail, record, offset, excerpt(start))
            )
        rejections.sort(key=lambda r: r.record or 0)
        return ParseResult(events=events, rejections=rejections, records_seen=seen, notes=notes)

    def _read_lines(
        self,
        lines: Iterable[Line | tuple[int, int, int, bytes]],
        shift: int,
        ctx: ParseContext,
        keys: dict[str, tuple[str, ...]],
        rows: list[tuple[Any, ...]],
        rejections: list[Rejection],
        notes: Counter[str],
    ) -> int:
        """Read NDJSON lines one by one in Python; return the records seen.

        ``lines`` are the non-blank lines of a file (``iter_lines``), or
        ``(number, record, offset, raw)`` tuples of the lines the fast path
        left to this path (raw may still end in ``\\r``).
        """
        seen = 0
        for item in lines:
            if isinstance(item, Line):
                seen += 1
                line = item
            else:
                number, seen, offset, raw = item
                line = Line(number, offset, raw[:-1] if raw.endswith(b"\r") else raw)
            value = parse_record(line.raw, notes)
            if isinstance(value, RecordError):
                excerpt = line.raw[: 4 * EXCERPT_CHARS].decode("utf-8", errors="replace")
                rejections.append(
                    Rejection(
                        ctx.file,
                        line.number,
                        value.reason,
                        value.detail,
                        seen,
                        line.offset + shift,
                        excerpt[:EXCERPT_CHARS],
                    )
                )
                continue
            locators = (line.number, seen, line.offset + shift, line.offset)
            rows.append((*locators, *_fields(value, keys)))
        return seen

    def _read_document(
        self,
        text: str,
        shift: int,
        ctx: ParseContext,
        keys: dict[str, tuple[str, ...]],
        rows: list[tuple[Any, ...]],
        rejections: list[Rejection],
        notes: Counter[str],
    ) -> int:
        """Read a JSON list (or concatenated objects) of deliveries; return the records seen."""
        seen = 0
        for item in iter_document(text, notes):
            seen += 1
            if item.error is not None:
                rejections.append(
                    Rejection(
                        ctx.file,
                        item.line,
                        item.error.reason,
                        item.error.detail,
                        item.record,
                        item.byte_offset + shift,
                        text[item.offset : item.offset + EXCERPT_CHARS],
                    )
                )
                continue
            rows.append(
                (
                    item.line,
                    item.record,
                    item.byte_offset + shift,
                    item.offset,
                    *_fields(item.value, keys),
                )
            )
        return seen

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Derive attempts across all webhook files and drop page-file duplicates.

        Args:
            events: rows of every webhook file, with the helper columns of ``read()``.
            facts: cross-file facts of the export; webhook logs need none.

        Returns:
            The rows without copies of a delivery already read from an earlier
            file (same delivery key, receive time and run id), with ``attempt``
            set: the Hookdeck attempt number when logged, else the 1-based rank
            by ``received_at`` (ties by file, then record) among deliveries of
            the same ``_delivery_key``; rows without a key are attempt 1.
        """
        events = _with_helpers(events).sort(["file", "record"], maintain_order=True)
        has_key = pl.col("_delivery_key").is_not_null()
        events = events.filter(~_repeated_copy())
        rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(
            "_delivery_key", order_by=["received_at", "file", "record"]
        )
        attempt = (
            pl.when(pl.col("_attempt_hint").is_not_null())
            .then(pl.col("_attempt_hint").cast(pl.UInt32))
            .when(has_key)
            .then(rank)
            .otherwise(1)
        )
        return events.with_columns(attempt=attempt.clip(1, 65535).cast(pl.UInt16))


_KEY_LISTS: Final = ("sku", "location", "quantity", "occurred_at", "event_id", "idempotency_key")


def _repeated_copy() -> pl.Expr:
    """True for a row whose (delivery key, receive time, run id) an earlier file already holds."""
    # NOTE: only copies in *other* files are duplicates: page exports overlap at
    # their edges, while one file listing a delivery twice is the log's own content.
    group = pl.struct("_delivery_key", "received_at", "run_id")
    first_file = pl.col("file").first().over(group)
    return pl.col("_delivery_key").is_not_null() & (pl.col("file") != first_file)


def _with_helpers(events: pl.DataFrame) -> pl.DataFrame:
    """Add the helper columns as nulls when the rows did not come from read()."""
    missing = [pl.lit(None, dtype).alias(n) for n, dtype in HELPER_COLUMNS.items()]
    return events.with_columns(e for e in missing if e.meta.output_name() not in events.columns)


def duplicates(events: pl.DataFrame) -> pl.DataFrame:
    """List the rows ``finalize`` drops as exported twice, with the copy they repeat.

    Args:
        events: rows of every webhook file, with the helper columns of ``read()``.

    Returns:
        ``file``, ``line``, ``record`` of each dropped row and ``first_file``,
        ``first_line`` of the row kept, so the loader can report them.
    """
    events = _with_helpers(events).sort(["file", "record"], maintain_order=True)
    group = pl.struct("_delivery_key", "received_at", "run_id")
    return (
        events.with_columns(
            first_file=pl.col("file").first().over(group),
            first_line=pl.col("line").first().over(group),
        )
        .filter(_repeated_copy())
        .select("file", "line", "record", "first_file", "first_line")
    )


def _first_value(text: str) -> Any:
    """Decode the first record of a head: line one, or the first list element."""
    notes: Counter[str] = Counter()
    if text.startswith("["):
        for item in iter_document(text, notes):
            return item.value
        return None
    first_line = text.split("\n", 1)[0]
    value = loads_value(first_line, notes)
    if isinstance(value, RecordError):
        value = next(iter(iter_document(text, notes)), None)
        return None if value is None else value.value
    return value


def _is_document(body: bytes) -> bool:
    """Whether the file is a JSON document (list, pretty-printed objects) rather than NDJSON."""
    head = body[:4096].lstrip()
    if head.startswith(b"["):
        # A list of deliveries, not a bracketed banner line such as "[2026-04-06] ...".
        return _LIST_OF_OBJECTS.match(head) is not None or len(head) == 1
    if not head.startswith(b"{"):
        return False
    first, second = [*_first_lines(body, 2), None, None][:2]
    if first is None or not isinstance(parse_record(first, Counter()), RecordError):
        return False
    # NOTE: an NDJSON line always starts with '{'; a pretty-printed object
    # continues with a key, a closing bracket or a value.
    return second is not None and not second.lstrip().startswith(b"{")


def _first_lines(body: bytes, count: int) -> list[bytes]:
    """The first non-blank lines as ``iter_lines`` frames them, without splitting the file."""
    out: list[bytes] = []
    start = 0
    while len(out) < count and start <= len(body):
        end = body.find(b"\n", start)
        end = len(body) if end == -1 else end
        chunk = body[start:end]
        if chunk.strip():
            out.append(chunk[:-1] if chunk.endswith(b"\r") else chunk)
        start = end + 1
    return out


def _to_events(
    frame: pl.DataFrame, ctx: ParseContext
) -> tuple[pl.DataFrame, pl.DataFrame, Counter[str]]:
    """Type the raw columns; return (events, rejected locators, notes)."""
    received = parse_timestamps_with_issues(frame.get_column("_received_raw"), ctx.tz)
    occurred = parse_timestamps_with_issues(frame.get_column("_occurred_raw"), ctx.tz)
    processed = parse_timestamps_with_issues(frame.get_column("_processed_raw"), ctx.tz)
    frame = frame.with_columns(
        received_at=received.get_column("value"),
        _received_issue=received.get_column("issue"),
        occurred_at=occurred.get_column("value"),
        _occurred_issue=occurred.get_column("issue"),
        processed_at=processed.get_column("value"),
        _processed_issue=processed.get_column("issue"),
    )
    rejected = frame.filter(pl.col("received_at").is_null()).select(
        "line", "record", "_offset", "_start", "_received_raw", "_received_issue"
    )
    kept = frame.filter(pl.col("received_at").is_not_null())

    quantity = pl.col("_quantity_raw").str.strip_chars().cast(pl.Float64, strict=False)
    quantity = pl.when(quantity.is_finite()).then(quantity)
    status = _status(pl.col("_status_raw"))
    # A run id must be unique per delivery: minified lists share line 1.
    locator = pl.format("{}:{}", pl.lit(ctx.file), pl.col("line"))
    locator = (
        pl.when(pl.col("line").is_duplicated())
        .then(pl.format("{}#{}", locator, pl.col("record")))
        .otherwise(locator)
    )
    kept = kept.with_columns(
        quantity=quantity,
        # NOTE: an outcome we cannot read is not evidence of success or failure;
        # it is kept as warning and counted as unknown_status.
        status=status.fill_null("warning"),
        flow=pl.coalesce("_topic", "_endpoint", pl.lit(_folder(ctx.file))),
        run_id=pl.coalesce("_delivery_id", "event_id", locator),
        # An absent (or empty) processed_at falls back; an unusable one stays null.
        processed_at=pl.when(
            pl.col("processed_at").is_null() & pl.col("_processed_issue").is_null()
        )
        .then(pl.col("received_at"))
        .otherwise(pl.col("processed_at")),
        _delivery_key=pl.coalesce("_delivery_id", "event_id"),
        _attempt_hint=pl.col("_hint_raw")
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
        .pipe(lambda n: pl.when((n >= 1) & (n <= 65535)).then(n))
        .cast(pl.UInt16),
        _note_quantity=pl.col("_quantity_raw").is_not_null() & quantity.is_null(),
        _note_status_missing=pl.col("_status_raw").is_null(),
        _note_status_unknown=status.is_null(),
    )
    notes = Counter[str]()
    for column in ("_received_issue", "_occurred_issue", "_processed_issue"):
        notes.update(count_issues(kept.get_column(column)))
    flags = kept.select(
        non_numeric_quantity=pl.col("_note_quantity").sum(),
        status_missing=pl.col("_note_status_missing").sum(),
        unknown_status=pl.col("_note_status_unknown").sum(),
        body_not_json=pl.col("_body_not_json").sum(),
    ).row(0, named=True)
    notes.update({code: int(n) for code, n in flags.items() if n})
    events = kept.with_columns(
        source=pl.lit("webhook"),
        format=pl.lit(FORMAT_ID),
        file=pl.lit(ctx.file),
        attempt=pl.coalesce(pl.col("_attempt_hint"), pl.lit(1)),
    ).select(
        *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()),
        *(pl.col(name).cast(dtype) for name, dtype in HELPER_COLUMNS.items()),
    )
    return events, rejected, notes


# --- the vectorised NDJSON path --------------------------------------------------------
#
# Lines are framed and decoded by Polars with an explicit schema, never an
# inferred one. A line is decoded here only when cheap text checks prove that
# Polars reads it exactly as the per-line path does; any other line (bad JSON,
# arrays, nested objects, a body logged as a string, \u escapes, fractional
# numbers, duplicate keys, ...) is handed to the per-line Python path with its
# line number, record number and offset, so rejections and notes stay the
# per-line path's. A chunk that Polars still fails to decode is bisected and
# only its smallest failing pieces go to the per-line path.

_DECODE_CHUNK: Final = 65_536
_BISECT_FLOOR: Final = 256
_BLANK: Final = " \t\n\r\x0b\x0c"  # what bytes.strip() removes
_TOP: Final = (*RECEIVE_KEYS, "processed_at", "status", "response_status", "endpoint")
_TOP_MORE: Final = ("attempt_number", "event_id")
_HEADERS: Final = (
    "x-shopify-topic",
    "x-github-event",
    "x-shopify-event-id",
    "x-github-delivery",
    "svix-id",
    "webhook-id",
    "x-shopify-webhook-id",
    "x-shopify-triggered-at",
    "svix-timestamp",
    "webhook-timestamp",
    "stripe-signature",
    "x-hookdeck-eventid",
    "x-hookdeck-attempt-count",
    "idempotency-key",
    "x-idempotency-key",
)
# Headers whose mere presence changes the reading (a null value still counts).
_PRESENCE: Final = ("stripe-signature", "svix-id", "webhook-id")
_BODY_FIXED: Final = ("object", "id", "created", "type")
# Keys whose value decides the shape; a line using them differently goes slow.
_CONTAINERS: Final = ("headers", "body", "payload")


@dataclass(frozen=True, slots=True)
class FastRead:
    """What the vectorised path read from one NDJSON body.

    Attributes:
        frame: raw rows in ``_RAW_SCHEMA`` for the lines it decoded.
        slow: ``(line, record, offset, length)`` of the non-blank lines left to
            the per-line path, in file order.
        seen: non-blank lines (records) in the body.
    """

    frame: pl.DataFrame
    slow: list[tuple[int, int, int, int]]
    seen: int


def _frame(body: bytes) -> pl.DataFrame:
    """Split body on ``\\n`` into ``text`` (String, null when not UTF-8) and ``length``."""
    expected = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if body and b"\r" not in body and b"\x1f" not in body:
        # NOTE: Polars' CSV reader with no quoting and an absent separator is a
        # parallel line splitter; it keeps blank lines as nulls. The row count is
        # checked, and any doubt (CR, unit separator, bad UTF-8) takes the split below.
        try:
            lines = pl.read_csv(
                io.BytesIO(body),
                has_header=False,
                separator="\x1f",
                quote_char=None,
                schema={"text": pl.String},
                comment_prefix=None,
            )
        except pl.exceptions.PolarsError:
            lines = None
        if lines is not None and lines.height == expected:
            return lines.with_columns(length=pl.col("text").str.len_bytes().fill_null(0))
    parts = body.split(b"\n")[:expected]
    try:
        texts: list[str | None] = body.decode("utf-8").split("\n")[:expected]
    except UnicodeDecodeError:
        # NOTE: only a file with invalid UTF-8 pays for this loop; its bad lines
        # (null text) go to the per-line path, which notes them.
        texts = [_utf8_or_none(p) for p in parts]
    return pl.DataFrame(
        {
            "text": pl.Series(texts, dtype=pl.String),
            "length": pl.Series([len(p) for p in parts], dtype=pl.UInt32),
        }
    )


def _utf8_or_none(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _payload_keys(keys: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(k for name in _KEY_LISTS for k in keys[name])


def _alternation(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


def _schema(keys: dict[str, tuple[str, ...]]) -> dict[str, pl.DataType]:
    body_names = dict.fromkeys((*_BODY_FIXED, *_payload_keys(keys)))
    body = pl.Struct(dict.fromkeys(body_names, pl.String))
    return {
        **dict.fromkeys((*_TOP, *_TOP_MORE), pl.String),
        "headers": pl.Struct(dict.fromkeys(_HEADERS, pl.String)),
        "body": body,
        "payload": body,
    }


def _relevant(keys: dict[str, tuple[str, ...]]) -> str:
    """A regex for every key the decode reads, at any level, followed by its colon."""
    names = (*_TOP, *_TOP_MORE, *_HEADERS, *_CONTAINERS, "request", *_BODY_FIXED)
    return f'"(?:{_alternation((*names, *_payload_keys(keys)))})"\\s*:'


# One pass for everything that sends a (header-normalised) line to the per-line path:
# arrays, backslash escapes (keys spelt in \u escapes, surrogates), the Kelvin sign
# (lower-cases to "k"), a request object, null values (a duplicate key set to null
# hides from the key count), numbers Polars prints differently (fractions,
# exponents, past Int64, -0, NaN), a header name used as a value (the normalisation
# would rewrite it) and idempotency keys (case-sensitive in a body, not in headers).
_SLOW_TEXT: Final = "|".join(
    (
        r"[\[\\\u212a]",
        r'"request"\s*:',
        r":\s*null\s*[,}]",
        r'":\s*(?:-?\d+[.eE]|-?\d{19}|-0\s*[,}]|-?(?:NaN|Infinity))',
        rf':\s*"(?:{_alternation(_HEADERS)})"',
        r'idempotency-key"',
        rf'"(?:{_alternation(_CONTAINERS)})"\s*:\s*[^{{\s]',
    )
)


def _eligible(text: pl.Expr) -> pl.Expr:
    """Cheap checks that a (header-normalised) line decodes in Polars as in Python.

    Duplicate keys (Python keeps the last, Polars the first) are caught after
    the decode, by comparing the key count with the fields decoded.
    """
    opens = text.str.count_matches("{", literal=True)
    expected = pl.lit(1, pl.UInt32)
    for name in _CONTAINERS:
        expected = expected + pl.col(f"_has_{name}").cast(pl.UInt32)
    return (
        text.str.starts_with("{")
        & text.str.ends_with("}")
        # Only the top object, headers, body and payload are objects, and flat.
        & (opens == expected)
        & (text.str.count_matches("}", literal=True) == opens)
        & ~text.str.contains(_SLOW_TEXT)
    )


def _decode(lines: pl.Series, schema: dict[str, pl.DataType]) -> list[tuple[int, pl.DataFrame]]:
    """Decode lines (positions 0..n-1) in chunks; return (start, frame) of those that decoded."""
    out: list[tuple[int, pl.DataFrame]] = []
    pending = [
        (start, min(_DECODE_CHUNK, lines.len() - start))
        for start in range(0, lines.len(), _DECODE_CHUNK)
    ]
    while pending:
        start, size = pending.pop()
        buffer = lines.slice(start, size).str.join("\n").item().encode()
        try:
            out.append((start, pl.read_ndjson(buffer, schema=schema)))
        except pl.exceptions.PolarsError:
            if size > _BISECT_FLOOR:
                half = size // 2
                pending += [(start, half), (start + half, size - half)]
    return out


def read_fast(body: bytes, keys: dict[str, tuple[str, ...]]) -> FastRead:
    """Decode the NDJSON lines of body that the vectorised path can read exactly.

    Args:
        body: UTF-8 bytes without a BOM (``to_utf8``).
        keys: the payload key lists.

    Returns:
        The raw rows of the decoded lines and the locations of the rest.
    """
    lines = _frame(body).with_row_index("_i")
    lines = lines.with_columns(
        line=(pl.col("_i") + 1).cast(pl.UInt32),
        _start=(pl.col("length").cast(pl.Int64) + 1).cum_sum() - pl.col("length") - 1,
        text=pl.col("text").str.strip_suffix("\r"),
    )
    blank = (pl.col("length") == 0) | (
        pl.col("text").str.strip_chars(_BLANK).str.len_bytes() == 0
    ).fill_null(False)
    lines = lines.filter(~blank).with_columns(record=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32))
    normal = pl.col("text").str.replace_many(
        [f'"{h}"' for h in _HEADERS], [f'"{h}"' for h in _HEADERS], ascii_case_insensitive=True
    )
    text = pl.col("text")
    lines = (
        lines.with_columns(text=normal)
        .with_columns(
            **{f"_has_{c}": text.str.contains(rf'"{c}"\s*:\s*\{{') for c in _CONTAINERS},
            **{f"_named_{h}": text.str.contains(f'"{h}"', literal=True) for h in _PRESENCE},
            _keys=text.str.count_matches(_relevant(keys)),
        )
        .with_columns(_fast=text.is_not_null() & _eligible(text).fill_null(False))
    )
    candidates = lines.filter("_fast").drop("_fast")
    schema = _schema(keys)
    if b'"payload"' not in body:
        # NOTE: every key the decode reads widens it; a file that never names a
        # payload object does not pay for a second body struct.
        del schema["payload"]
    parts = [
        pl.concat([candidates.slice(start, frame.height).drop("text"), frame], how="horizontal")
        for start, frame in _decode(candidates.get_column("text"), schema)
    ]
    if parts:
        frame = pl.concat(parts)
    else:
        frame = pl.DataFrame(schema={**candidates.drop("text").schema, **schema})
    # The objects Polars decoded are the ones the text checks counted, and no
    # presence-only header hides behind a null value.
    ok = pl.lit(True)
    for c in _CONTAINERS:
        decoded = pl.col(c).is_not_null() if c in schema else pl.lit(False)
        ok = ok & (decoded == pl.col(f"_has_{c}"))
    for h in _PRESENCE:
        ok = ok & (pl.col(f"_named_{h}").not_() | pl.col("headers").struct.field(h).is_not_null())
    # Every key occurrence was decoded into its own field: no duplicates, none elsewhere.
    ok = ok & (pl.col("_keys") == _decoded_count(schema))
    frame = frame.filter(ok)
    raw = frame.select(_raw_columns(keys, schema))
    slow = (
        lines.select("line", "record", "_start", "length")
        .join(frame.select("record"), on="record", how="anti")
        .sort("record")
        .rows()
    )
    return FastRead(raw, slow, lines.height)


def _decoded_count(schema: dict[str, pl.DataType]) -> pl.Expr:
    counts = []
    for name, dtype in schema.items():
        counts.append(pl.col(name).is_not_null().cast(pl.UInt32))
        if isinstance(dtype, pl.Struct):
            struct = pl.col(name).struct
            counts += [struct.field(f.name).is_not_null().cast(pl.UInt32) for f in dtype.fields]
    return pl.sum_horizontal(counts)


def _raw_columns(keys: dict[str, tuple[str, ...]], schema: dict[str, pl.DataType]) -> list[pl.Expr]:
    """The per-line path's ``_fields`` as expressions over the decoded struct columns."""
    top = pl.col
    has_body = pl.col("body").is_not_null()
    payload = pl.col("payload") if "payload" in schema else pl.lit(None, schema["body"])
    headers = pl.col("headers").struct

    def field(name: str) -> pl.Expr:  # obj.get(name): the body if logged, else the payload
        return (
            pl.when(has_body)
            .then(pl.col("body").struct.field(name))
            .otherwise(payload.struct.field(name))
        )

    def find_expr(name: str) -> pl.Expr:
        return pl.coalesce([*(field(k) for k in keys[name]), pl.lit(None, pl.String)])

    def header_expr(*names: str) -> pl.Expr:
        return pl.coalesce([pl.when(headers.field(n) != "").then(headers.field(n)) for n in names])

    def as_id(value: pl.Expr) -> pl.Expr:
        stripped = value.str.strip_chars()
        return pl.when(stripped != "").then(stripped)

    stripe = (field("object") == "event").fill_null(False) | headers.field(
        "stripe-signature"
    ).is_not_null()
    svix = headers.field("svix-id").is_not_null() | headers.field("webhook-id").is_not_null()
    topic = header_expr("x-shopify-topic", "x-github-event")
    event = header_expr("x-shopify-event-id", "x-github-delivery", "svix-id", "webhook-id")
    delivery = header_expr("x-shopify-webhook-id")
    sent = header_expr("x-shopify-triggered-at", "svix-timestamp", "webhook-timestamp")
    event = pl.when(stripe).then(pl.coalesce(event, field("id"))).otherwise(event)
    sent = pl.when(stripe).then(pl.coalesce(sent, field("created"))).otherwise(sent)
    topic = pl.when(stripe | svix).then(pl.coalesce(topic, field("type"))).otherwise(topic)
    hint = top("attempt_number")
    hookdeck = pl.coalesce(
        header_expr("x-hookdeck-eventid"), pl.when(hint.is_not_null()).then(top("event_id"))
    )
    event = pl.coalesce(event, hookdeck, find_expr("event_id"))
    hint = pl.coalesce(hint, header_expr("x-hookdeck-attempt-count"))
    idempotency = pl.coalesce(
        delivery, header_expr("idempotency-key", "x-idempotency-key"), find_expr("idempotency_key")
    )
    return [
        pl.col("line"),
        pl.col("record"),
        pl.col("_start").alias("_offset"),
        pl.col("_start"),
        pl.coalesce([top(k) for k in RECEIVE_KEYS]).alias("_received_raw"),
        pl.coalesce(find_expr("occurred_at"), sent).alias("_occurred_raw"),
        top("processed_at").alias("_processed_raw"),
        pl.coalesce(top("status"), top("response_status")).alias("_status_raw"),
        as_id(topic).alias("_topic"),
        as_id(top("endpoint")).alias("_endpoint"),
        as_id(event).alias("event_id"),
        as_id(delivery).alias("_delivery_id"),
        as_id(idempotency).alias("idempotency_key"),
        as_id(find_expr("sku")).alias("sku"),
        as_id(find_expr("location")).alias("location"),
        find_expr("quantity").alias("_quantity_raw"),
        hint.alias("_hint_raw"),
        pl.lit(False).alias("_body_not_json"),
    ]


PARSER: Final = WebhookRequestLog()
