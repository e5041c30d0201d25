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

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, Rejection
from parsers._base import Fact, ParseContext, ParseResult, in_file_order
from parsers._json import (
    RecordError,
    iter_document,
    loads_value,
    note_field_kinds,
    parse_record,
)
from parsers._payload import as_id, find, header, lower_keys
from parsers._text import Line, decode, has_mixed_line_endings, iter_lines, to_utf8
from parsers._time import count_issues, parse_timestamps_with_issues
from parsers._webhook_fast import KEY_LISTS, RECEIVE_KEYS, FastRead, read_fast

FORMAT_ID: Final = "webhook.request_log"
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
            record is cut by the sniff window but its keys match, else 0;
            half of that when non-JSON lines precede the first record.
        """
        body, _, _ = to_utf8(head)
        text = body.decode("utf-8", errors="replace").lstrip()
        first, start = _first_value(text)
        # NOTE: a preamble makes the file less surely ours, so a format that
        # recognises the file from its first line still wins it.
        weight = 0.5 if start else 1.0
        if not isinstance(first, dict):
            # The first record may be longer than the sniff window: judge by its keys.
            rest = text[start:]
            plausible = rest.startswith(("{", "[")) and not _TEXT_FOREIGN.search(rest)
            if plausible and _TEXT_TIME.search(rest) and _TEXT_CONTENT.search(rest):
                return 0.4 * weight
            return 0.0
        if any(k in first for k in FOREIGN_KEYS):
            return 0.0
        if not any(first.get(k) is not None for k in RECEIVE_KEYS):
            return 0.0
        if not any(k in first for k in CONTENT_KEYS):
            return 0.0
        request = first.get("request")
        has_headers = "headers" in first or (isinstance(request, dict) and "headers" in request)
        return (0.9 if has_headers else 0.7) * weight

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
        keys = {name: tuple(ctx.payload.get(name, ())) for name in KEY_LISTS}
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
            # NOTE: each search is a pass over the body; framing reuses their answers.
            carriage = b"\r" in body
            if carriage and has_mixed_line_endings(body):
                notes["mixed_line_endings"] += 1
            if self.fast_min_lines is not None:
                newlines = body.count(b"\n")
                if newlines + 1 >= self.fast_min_lines:
                    fast = read_fast(body, keys, newlines, carriage=carriage)
            if fast is None:
                seen = self._read_lines(iter_lines(body), shift, ctx, keys, rows, rejections, notes)
            else:
                seen = fast.seen
                note_field_kinds(notes, fast.kinds)
                slow = ((n, r, o, body[o : o + length]) for n, r, o, length in fast.slow)
                self._read_lines(slow, shift, ctx, keys, rows, rejections, notes)

            def excerpt(start: int) -> str:
                chunk = body[start : start + 4 * EXCERPT_CHARS].split(b"\n", 1)[0]
                return chunk.rstrip(b"\r").decode("utf-8", errors="replace")[:EXCERPT_CHARS]

        frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row", strict=False)
        if fast is not None:
            # NOTE: both parts are in record order and hold different records, so
            # a merge replaces a sort. Typing one chunk costs ~15% less CPU than
            # typing the fast path's slices, which is more than the copy costs.
            fast_rows = fast.frame.cast(_RAW_SCHEMA)
            frame = (fast_rows.merge_sorted(frame, key="record") if rows else fast_rows).rechunk()
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
            events: rows of every webhook file, with the helper columns of ``read()``,
                in any order; rows already in (file, record) order, as the loader
                passes them, are not sorted again.
            facts: cross-file facts of the export; webhook logs need none.

        Returns:
            The rows without copies of a delivery already read from an earlier
            file (same delivery key, receive time and run id), with ``attempt``
            set: the Hookdeck attempt number when logged, else the 1-based rank
            by ``received_at`` (ties by file, then record) among deliveries of
            the same ``_delivery_key``; rows without a key are attempt 1.
        """
        events = in_file_order(_with_helpers(events))
        rank = pl.repeat(1, events.height, dtype=pl.UInt32, eager=True)
        copies = None
        at = _shared_key_rows(events)
        if not at.is_empty():
            # NOTE: copies and retries share a delivery key, so only rows whose key
            # may occur twice need the windows; every other key is its own attempt 1.
            # The rows keep their file order, so first() still finds the earliest file.
            shared = events.select(*_COPY_KEY, "file", "record").gather(at)
            shared = shared.with_columns(_at=at, _copy=_repeated_copy())
            copies = shared.filter("_copy").get_column("_at")
            kept = shared.filter(~pl.col("_copy")).select(
                "_at",
                pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(
                    "_delivery_key", order_by=["received_at", "file", "record"]
                ),
            )
            rank = rank.scatter(kept.get_column("_at"), kept.to_series(1))
        attempt = (
            pl.when(pl.col("_attempt_hint").is_not_null())
            .then(pl.col("_attempt_hint").cast(pl.UInt32))
            .when(pl.col("_delivery_key").is_not_null())
            .then(rank)
            .otherwise(1)
        )
        events = events.with_columns(attempt=attempt.clip(1, 65535).cast(pl.UInt16))
        if copies is None or copies.is_empty():
            return events
        return events.filter(pl.repeat(True, events.height, eager=True).scatter(copies, False))


# What makes two rows the same delivery exported twice.
_COPY_KEY: Final = ("_delivery_key", "received_at", "run_id")


def _repeated_copy() -> pl.Expr:
    """True for a row whose (delivery key, receive time, run id) an earlier file already holds."""
    # NOTE: only copies in *other* files are duplicates: page exports overlap at
    # their edges, while one file listing a delivery twice is the log's own content.
    first_file = pl.col("file").first().over(_COPY_KEY)
    return pl.col("_delivery_key").is_not_null() & (pl.col("file") != first_file)


def _shared_key_rows(events: pl.DataFrame) -> pl.Series:
    """Positions of the rows whose delivery key may be another row's too.

    A superset is fine (the windows run on it exactly); a row left out must hold
    a key no other row holds, or none: a row without a key is never a copy and
    is attempt 1. Hashing first avoids a hash table of strings.
    """
    keys = events.get_column("_delivery_key")
    hashes = keys.hash()
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    return (hashes.is_in(repeated.unique()) & keys.is_not_null()).arg_true()


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
    events = in_file_order(_with_helpers(events))
    return (
        events.with_columns(
            first_file=pl.col("file").first().over(_COPY_KEY),
            first_line=pl.col("line").first().over(_COPY_KEY),
        )
        .filter(_repeated_copy())
        .select("file", "line", "record", "first_file", "first_line")
    )


def _first_value(text: str, max_preamble: int = 64) -> tuple[Any, int]:
    """Decode the first record of a head: line one, or the first list element.

    Up to ``max_preamble`` lines that cannot start a record (a banner, an
    ``# exported by`` comment, a stack trace) are stepped over first, so the
    first line alone does not decide the format (RELIABILITY B13).

    Args:
        text: the decoded head, without leading whitespace.
        max_preamble: how many such lines to step over at most.

    Returns:
        The decoded value (None when none could be decoded) and the index in
        text where it starts: 0 unless a preamble was stepped over.
    """
    notes: Counter[str] = Counter()
    # NOTE: "[" opens a record list only before "{" or "]"; a line such as
    # "[2026-04-06 09:00] receiver started" is a banner.
    opener = re.compile(r"\s*(?=\{|\[\s*[{\]])")
    start = 0
    for _ in range(max_preamble + 1):
        found = opener.match(text, start)
        if found:
            start = found.end()
            break
        newline = text.find("\n", start)
        if newline == -1:
            return None, 0
        start = newline + 1
    else:
        return None, 0
    rest = text[start:] if start else text
    if rest.startswith("["):
        for item in iter_document(rest, notes):
            return item.value, start
        return None, start
    value = loads_value(rest.split("\n", 1)[0], notes)
    if isinstance(value, RecordError):
        item = next(iter(iter_document(rest, notes)), None)
        return (None if item is None else item.value), start
    return value, start


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
    times = {
        name: parse_timestamps_with_issues(frame.get_column(f"_{name}_raw"), ctx.tz)
        for name in ("received", "occurred", "processed")
    }
    frame = frame.with_columns(
        column
        for name, parsed in times.items()
        for column in (
            parsed.get_column("value").alias(f"{name}_at"),
            parsed.get_column("issue").alias(f"_{name}_issue"),
        )
    )
    located = ("line", "record", "_offset", "_start", "_received_raw", "_received_issue")
    if frame.get_column("received_at").has_nulls():
        rejected = frame.filter(pl.col("received_at").is_null()).select(located)
        kept = frame.filter(pl.col("received_at").is_not_null())
    else:
        # NOTE: the usual file rejects nothing; two filters would copy every column.
        rejected, kept = frame.select(located).clear(), frame

    # Eager frames do not share subexpressions: each value used twice is a column.
    quantity = pl.col("_quantity_raw").str.strip_chars().cast(pl.Float64, strict=False)
    kept = kept.with_columns(
        quantity=pl.when(quantity.is_finite()).then(quantity),
        _status=_statuses(kept.get_column("_status_raw")),
        _delivery_key=pl.coalesce("_delivery_id", "event_id"),
    )
    run_id = pl.col("_delivery_key")
    if kept.get_column("_delivery_key").has_nulls():
        # A run id must be unique per delivery: minified lists share line 1.
        locator = pl.format("{}:{}", pl.lit(ctx.file), pl.col("line"))
        locator = (
            pl.when(pl.col("line").is_duplicated())
            .then(pl.format("{}#{}", locator, pl.col("record")))
            .otherwise(locator)
        )
        run_id = pl.coalesce(run_id, locator)
    kept = kept.with_columns(
        # NOTE: an outcome we cannot read is not evidence of success or failure;
        # it is kept as warning and counted as unknown_status.
        status=pl.col("_status").fill_null("warning"),
        flow=pl.coalesce("_topic", "_endpoint", pl.lit(_folder(ctx.file))),
        run_id=run_id,
        # An absent (or empty) processed_at falls back; an unusable one stays null.
        processed_at=pl.when(
            pl.col("processed_at").is_null() & pl.col("_processed_issue").is_null()
        )
        .then(pl.col("received_at"))
        .otherwise(pl.col("processed_at")),
        _attempt_hint=pl.col("_hint_raw")
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
        .pipe(lambda n: pl.when((n >= 1) & (n <= 65535)).then(n))
        .cast(pl.UInt16),
    )
    notes = Counter[str]()
    for column in ("_received_issue", "_occurred_issue", "_processed_issue"):
        notes.update(count_issues(kept.get_column(column)))
    flags = kept.select(
        non_numeric_quantity=(
            pl.col("_quantity_raw").is_not_null() & pl.col("quantity").is_null()
        ).sum(),
        status_missing=pl.col("_status_raw").is_null().sum(),
        unknown_status=pl.col("_status").is_null().sum(),
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


def _statuses(raw: pl.Series) -> pl.Series:
    """The canonical status of each raw status, mapped once per distinct value."""
    # NOTE: a log holds a handful of distinct statuses; the word rules cost a few
    # string passes per row, a join on the distinct values one hash probe.
    distinct = raw.unique().to_frame().with_columns(_status=_status(pl.col(raw.name)))
    return (
        raw.to_frame()
        .join(distinct, on=raw.name, how="left", nulls_equal=True, maintain_order="left")
        .get_column("_status")
    )


PARSER: Final = WebhookRequestLog()
