"""Shared pieces of the Make parsers: document walking, rejections and typing.

Every Make export is a JSON document (an API response saved to a file), so all
five readers share one shape of work:

1. ``walk_document`` frames the file with ``parsers._json.iter_document`` and
   turns records that are not JSON objects into rejections at once.
2. The reader pulls raw fields from each record into tuples (plain dict lookups
   only), preceded by the locator columns of ``LOCATOR_SCHEMA``.
3. ``Walk.frame`` builds one Polars frame and everything else is expressions:
   ``reject_rows`` drops records missing their essential fields (each becomes a
   rejection), ``parse_times`` / ``type_payload`` type timestamps and payload
   fields, ``finish`` selects the canonical columns plus helper columns.

``finalize`` steps use ``parsers.make._finalize``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA, Rejection, empty_events
from parsers._base import Fact, ParseContext, ParseResult
from parsers._json import DocItem, RecordError, iter_document, loads_value
from parsers._payload import as_id, find, header, lower_keys
from parsers._text import decode, to_utf8
from parsers._time import count_issues, parse_timestamps_with_issues

EXCERPT_CHARS: Final = 200
KEY_LISTS: Final = ("sku", "location", "quantity", "occurred_at", "event_id", "idempotency_key")
# Locators every raw frame starts with; `_start` is the character offset for excerpts.
LOCATOR_SCHEMA: Final = {
    "line": pl.UInt32,
    "record": pl.UInt32,
    "_offset": pl.Int64,
    "_start": pl.Int64,
}
# Raw payload columns produced by `payload_fields`, in its order.
PAYLOAD_SCHEMA: Final = {
    "sku": pl.String,
    "location": pl.String,
    "_quantity_raw": pl.String,
    "_occurred_raw": pl.String,
    "event_id": pl.String,
    "idempotency_key": pl.String,
    "_body_not_json": pl.Boolean,
}
_INT64_MAX: Final = 2**63 - 1


def scalar(value: object) -> object:
    """Keep a JSON scalar for typing in Polars; objects, lists and huge ints become text."""
    kind = type(value)
    if kind is dict:
        return "<object>"
    if kind is list:
        return "<array>"
    # NOTE: Polars cannot put a Python int beyond 64 bits into a frame, even as text.
    if kind is int and abs(value) > _INT64_MAX:  # type: ignore[arg-type]
        return str(value)
    return value


def key_lists(ctx: ParseContext) -> dict[str, tuple[str, ...]]:
    """Return the configured payload key lists the Make readers use."""
    return {name: tuple(ctx.payload.get(name, ())) for name in KEY_LISTS}


def split_payload(data: object) -> tuple[Any, dict[str, Any], bool]:
    """Find the request body and headers in a Make ``data`` value.

    Hook logs carry ``{"request": {"headers": ..., "body": ...}}``; queued items
    may carry the payload itself, or ``{"headers": ..., "body": ...}``. A body
    logged as a JSON string is decoded one level (RELIABILITY B35).

    Args:
        data: the record's ``data`` value, any JSON type.

    Returns:
        ``(body, headers, body_not_json)``: the decoded body (or the original
        string when it is not JSON), lower-cased headers, and whether the body
        was a string that is not JSON.
    """
    body: Any = data
    headers: Any = None
    if type(data) is dict:
        request = data.get("request")
        if type(request) is dict:
            body, headers = request.get("body"), request.get("headers")
        elif "body" in data and "headers" in data:
            body, headers = data.get("body"), data.get("headers")
    if isinstance(body, str):
        if not body.strip():
            return None, lower_keys(headers), False
        decoded = loads_value(body, Counter())
        if isinstance(decoded, RecordError):
            return body, lower_keys(headers), True
        body = decoded
    return body, lower_keys(headers), False


def payload_fields(
    body: Any, headers: Mapping[str, Any], keys: Mapping[str, tuple[str, ...]]
) -> tuple[Any, ...]:
    """Pull sku, location, quantity, occurred_at, event id and idempotency key.

    Args:
        body: a decoded payload (anything but a dict yields nulls).
        headers: lower-cased request headers (idempotency keys are also headers).
        keys: the payload key lists (see ``key_lists``).

    Returns:
        Values in ``PAYLOAD_SCHEMA`` order, without the final ``_body_not_json``.
    """
    idempotency = header(headers, *(k.lower() for k in keys["idempotency_key"]))
    if idempotency is None:
        idempotency = find(body, keys["idempotency_key"])
    return (
        as_id(find(body, keys["sku"])),
        as_id(find(body, keys["location"])),
        scalar(find(body, keys["quantity"])),
        scalar(find(body, keys["occurred_at"])),
        as_id(find(body, keys["event_id"])),
        as_id(idempotency),
    )


@dataclass(slots=True)
class Walk:
    """The object records of one Make JSON document and what was rejected on the way.

    Attributes:
        ctx: the file's parse context.
        text: the decoded document (excerpts are cut from it).
        shift: bytes removed from the front (a UTF-8 BOM), added to byte offsets.
        notes: counts of records read but flagged.
        items: records that decoded to JSON objects.
        rejections: records rejected so far.
        seen: every record the walk met, rejected or not.
    """

    ctx: ParseContext
    text: str
    shift: int
    notes: Counter[str]
    items: list[DocItem] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    seen: int = 0

    def excerpt(self, start: int) -> str:
        """Return the start of the raw record at character offset start."""
        return self.text[start : start + EXCERPT_CHARS]

    def locators(self, item: DocItem) -> tuple[int, int, int, int]:
        """Return the ``LOCATOR_SCHEMA`` values of an item."""
        return item.line, item.record, item.byte_offset + self.shift, item.offset

    def reject(self, item: DocItem, reason: str, detail: str) -> None:
        """Reject one record of the document."""
        line, record, offset, start = self.locators(item)
        self.rejections.append(
            Rejection(self.ctx.file, line, reason, detail, record, offset, self.excerpt(start))
        )

    def frame(self, rows: list[tuple[Any, ...]], schema: Mapping[str, Any]) -> pl.DataFrame:
        """Build the raw frame of the pulled rows (locator columns first)."""
        full = {**LOCATOR_SCHEMA, **schema}
        return pl.DataFrame(rows, schema=full, orient="row", strict=False)

    def result(
        self, events: pl.DataFrame | None, *, absorbed: int = 0, facts: Sequence[Fact] = ()
    ) -> ParseResult:
        """Wrap up: rejections in record order, notes and facts."""
        self.rejections.sort(key=lambda r: r.record or 0)
        return ParseResult(
            events=empty_events() if events is None else events,
            rejections=self.rejections,
            records_seen=self.seen,
            notes=self.notes,
            absorbed=absorbed,
            facts=list(facts),
        )


def walk_document(data: bytes, ctx: ParseContext, record_keys: tuple[str, ...]) -> Walk:
    """Frame a Make export into its records; non-objects and damage are rejected.

    Args:
        data: the whole file.
        ctx: file name, zone and payload key lists.
        record_keys: envelope keys holding the record list, e.g. ``("hookLogs",)``.

    Returns:
        The walk, with ``items`` holding every record that is a JSON object.
    """
    body, shift, notes = to_utf8(data)
    text, text_notes = decode(body)
    notes.update(text_notes)
    walk = Walk(ctx, text, shift, notes)
    for item in iter_document(text, notes, record_keys=record_keys):
        walk.seen += 1
        if item.error is not None:
            walk.reject(item, item.error.reason, item.error.detail)
        else:
            walk.items.append(item)
    return walk


def reject_rows(
    frame: pl.DataFrame, walk: Walk, checks: Sequence[tuple[pl.Expr, str, pl.Expr | str]]
) -> pl.DataFrame:
    """Reject the rows matching a check and return the others.

    Args:
        frame: raw rows with the ``LOCATOR_SCHEMA`` columns.
        walk: receives the rejections.
        checks: ``(condition, reason, detail)``; the first matching check wins.
            A detail may be an expression to name the bad value.

    Returns:
        The rows no check matched.
    """
    if not checks or frame.is_empty():
        return frame
    # One when/then chain per column, so the first matching check names the reason.
    reason: Any = pl
    detail: Any = pl
    for condition, code, text in checks:
        reason = reason.when(condition.fill_null(False)).then(pl.lit(code))
        detail = detail.when(condition.fill_null(False)).then(
            pl.lit(text) if isinstance(text, str) else text
        )
    frame = frame.with_columns(_reason=reason, _detail=detail)
    bad = frame.filter(pl.col("_reason").is_not_null())
    for line, record, offset, start, code, text in bad.select(
        *LOCATOR_SCHEMA, "_reason", "_detail"
    ).iter_rows():
        walk.rejections.append(
            Rejection(walk.ctx.file, line, code, text, record, offset, walk.excerpt(start))
        )
    return frame.filter(pl.col("_reason").is_null()).drop("_reason", "_detail")


def time_checks(
    raw: str, issue: str, what: str, record: str
) -> list[tuple[pl.Expr, str, pl.Expr | str]]:
    """Checks rejecting a record whose essential timestamp is absent or unusable.

    Args:
        raw: the raw timestamp column.
        issue: the issue column ``parse_times`` wrote for it.
        what: the field as the export names it, e.g. ``timestamp``.
        record: what the record is, e.g. ``scenario log``, for the detail sentence.
    """
    absent = pl.col(raw).is_null() | (pl.col(raw).str.strip_chars() == "")
    usable = pl.col(issue).is_null() | (pl.col(issue) == "naive_timestamp")
    detail = pl.format(
        "the {} {} is unusable ({}).",
        pl.lit(record),
        pl.lit(what),
        pl.col(issue).str.replace_all("_", " "),
    )
    return [
        (absent, "missing_field", f"the {record} has no {what}."),
        (~usable, "unparseable_timestamp", detail),
    ]


def parse_times(frame: pl.DataFrame, tz: Any, columns: Mapping[str, str]) -> pl.DataFrame:
    """Type raw timestamp columns; each output gets an ``_issue_<name>`` column.

    Args:
        frame: rows holding the raw columns.
        tz: the zone naive timestamps are read in.
        columns: output column name to raw column name.
    """
    added: dict[str, pl.Series] = {}
    for out, raw in columns.items():
        parsed = parse_timestamps_with_issues(frame.get_column(raw), tz)
        added[out] = parsed.get_column("value")
        added[f"_issue_{out}"] = parsed.get_column("issue")
    return frame.with_columns(**added)


def type_payload(frame: pl.DataFrame, tz: Any) -> pl.DataFrame:
    """Type the ``PAYLOAD_SCHEMA`` columns: quantity as Float64, occurred_at as UTC."""
    frame = parse_times(frame, tz, {"occurred_at": "_occurred_raw"})
    quantity = pl.col("_quantity_raw").str.strip_chars().cast(pl.Float64, strict=False)
    return frame.with_columns(
        quantity=pl.when(quantity.is_finite()).then(quantity),
        _note_quantity=pl.col("_quantity_raw").is_not_null()
        & ~quantity.is_finite().fill_null(False),
    )


def status(raw: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Map a Make status code (1 ok, 2 warning, 3 error, 0 pending) onto the canonical status.

    Returns:
        ``(status, unknown, missing)``: an outcome we cannot read is not evidence
        of success or failure, so it becomes warning and is flagged unknown.
    """
    code = pl.col(raw).str.strip_chars().cast(pl.Float64, strict=False)
    mapped = (
        pl.when(code == 1)
        .then(pl.lit("ok"))
        .when(code == 2)
        .then(pl.lit("warning"))
        .when(code == 3)
        .then(pl.lit("error"))
        .when(code == 0)
        .then(pl.lit("pending"))
    )
    missing = pl.col(raw).is_null()
    return mapped.fill_null("warning"), mapped.is_null() & ~missing, missing


def count_notes(
    frame: pl.DataFrame, issues: Iterable[str], flags: Mapping[str, str]
) -> Counter[str]:
    """Count timestamp issues and boolean flag columns of the kept rows.

    Args:
        frame: the kept rows.
        issues: ``_issue_*`` columns from ``parse_times``.
        flags: note code to Boolean column name.
    """
    notes: Counter[str] = Counter()
    for column in issues:
        notes.update(count_issues(frame.get_column(column)))
    if flags and frame.height:
        sums = frame.select(pl.col(c).sum().alias(n) for n, c in flags.items()).row(0, named=True)
        notes.update({code: int(n) for code, n in sums.items() if n})
    return notes


def finish(
    frame: pl.DataFrame, ctx: ParseContext, format_id: str, helpers: Mapping[str, Any]
) -> pl.DataFrame:
    """Select the canonical columns, then the helper columns, with their dtypes."""
    frame = frame.with_columns(
        source=pl.lit("make"), format=pl.lit(format_id), file=pl.lit(ctx.file)
    )
    return frame.select(
        *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()),
        *(pl.col(name).cast(dtype) for name, dtype in helpers.items()),
    )


_HEX32: Final = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32}(?![0-9A-Fa-f])")


def id_from_name(file: str, singular: str, plural: str, *, hex32: bool = False) -> str | None:
    """Take a platform id from a file or folder name.

    Tried from the file name up through its folders: ``<singular>_<id>...`` or
    ``<singular>-<id>...`` (the id holds a digit, so ``hook-incomings.json`` names
    none), then a folder ``<plural>/<id>/``; with ``hex32``, lastly any 32-hex id.

    Args:
        file: path relative to the analysed folder (archive members included).
        singular: e.g. ``hook``.
        plural: e.g. ``hooks``.
        hex32: whether a bare 32-hex id anywhere in the path counts.

    Returns:
        The id, or None when the name carries none.
    """
    parts = [p for p in re.split(r"[/\\!]", file) if p]
    named = re.compile(
        rf"(?<![A-Za-z0-9]){re.escape(singular)}[_-]([A-Za-z0-9]*[0-9][A-Za-z0-9]*)", re.IGNORECASE
    )
    found: str | None = None
    for i in range(len(parts) - 1, -1, -1):
        match = named.search(parts[i])
        if match:
            found = match.group(1)
            break
        if 0 < i < len(parts) - 1 and parts[i - 1].lower() == plural:
            found = parts[i]
            break
    if found is None and hex32:
        found = next(iter(reversed(_HEX32.findall(file))), None)
    # Make writes hex ids in lower case (imtId, API paths); a renamed file may not.
    if found is not None and hex32 and _HEX32.fullmatch(found):
        found = found.lower()
    return found
