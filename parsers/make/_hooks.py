"""What the two Make webhook formats (hook logs, queued incomings) share.

Neither record names its webhook: the hook id comes from the file or folder
name, travels as the helper column ``_hook_id``, and ``finalize`` names the flow
after the scenario whose blueprint listens on that hook (``make.hook`` Fact).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA
from parsers._base import Fact, ParseContext, ParseResult
from parsers._payload import as_id
from parsers.make._common import (
    PAYLOAD_SCHEMA,
    count_notes,
    finish,
    id_from_name,
    key_lists,
    parse_times,
    payload_fields,
    reject_rows,
    scalar,
    split_payload,
    status,
    time_checks,
    type_payload,
    walk_document,
)
from parsers.make._finalize import drop_page_copies, facts_frame, with_helpers

HELPER_COLUMNS: Final = {"_hook_id": pl.String}
_RAW_SCHEMA: Final = {
    "run_id": pl.String,
    "_received_raw": pl.String,
    "_status_raw": pl.String,
    **PAYLOAD_SCHEMA,
}


def hook_id(file: str) -> str | None:
    """Return the hook id named by ``hook_<id>...``, ``hook-<id>...`` or ``hooks/<id>/...``."""
    return id_from_name(file, "hook", "hooks")


def fallback_flow(hook: str | None) -> str:
    """Name a hook's flow before Facts are known: ``hook:<id>`` or ``hook:unknown``."""
    return f"hook:{hook}" if hook is not None else "hook:unknown"


def read_hook_records(
    data: bytes,
    ctx: ParseContext,
    *,
    format_id: str,
    record_keys: tuple[str, ...],
    fields: tuple[str, str, str | None],
    record: str,
) -> ParseResult:
    """Read hook logs or queued incomings into record-level rows.

    Args:
        data: the whole file.
        ctx: file name, ``--tz`` zone and payload key lists.
        format_id: the parser's id.
        record_keys: envelope keys holding the records.
        fields: the record's id, receive-time and status keys (status None: pending).
        record: what a record is called in rejection details, e.g. ``hook log``.

    Returns:
        Rows with the helper column ``_hook_id``.
    """
    walk = walk_document(data, ctx, record_keys)
    keys = key_lists(ctx)
    id_key, time_key, status_key = fields
    rows: list[tuple[Any, ...]] = []
    for item in walk.items:
        value = item.value
        body, headers, not_json = split_payload(value.get("data"))
        rows.append(
            (
                *walk.locators(item),
                as_id(value.get(id_key)),
                scalar(value.get(time_key)),
                scalar(value.get(status_key)) if status_key else 0,
                *payload_fields(body, headers, keys),
                not_json,
            )
        )
    frame = walk.frame(rows, _RAW_SCHEMA)
    frame = parse_times(frame, ctx.tz, {"received_at": "_received_raw"})
    frame = reject_rows(
        frame,
        walk,
        [
            (pl.col("run_id").is_null(), "missing_field", f"the {record} has no {id_key}."),
            *time_checks("_received_raw", "_issue_received_at", time_key, record),
        ],
    )
    hook = hook_id(ctx.file)
    code, unknown, missing = status("_status_raw")
    frame = type_payload(frame, ctx.tz).with_columns(
        status=code,
        flow=pl.lit(fallback_flow(hook)),
        attempt=pl.lit(1),
        processed_at=pl.lit(None, EVENT_SCHEMA["processed_at"]),
        _hook_id=pl.lit(hook, pl.String),
        _n_unknown=unknown,
        _n_missing=missing,
    )
    flags = {
        "unknown_status": "_n_unknown",
        "status_missing": "_n_missing",
        "non_numeric_quantity": "_note_quantity",
        "body_not_json": "_body_not_json",
    }
    walk.notes.update(count_notes(frame, ["_issue_received_at", "_issue_occurred_at"], flags))
    if hook is None and frame.height:
        walk.notes["hook_id_unknown"] += frame.height
    return walk.result(finish(frame, ctx, format_id, HELPER_COLUMNS))


def finalize_hooks(
    events: pl.DataFrame, facts: Sequence[Fact], *, rank_redeliveries: bool
) -> pl.DataFrame:
    """Drop page copies, name flows from ``make.hook`` Facts, rank redeliveries.

    Args:
        events: rows of every file of one hook format, sorted by (file, record).
        facts: every Fact of the export.
        rank_redeliveries: whether attempt = rank by received_at among rows of
            the same hook and event_id (hook logs); else every row is attempt 1.

    Returns:
        The rows kept, with flow and attempt set.
    """
    events = drop_page_copies(with_helpers(events, HELPER_COLUMNS), ["_hook_id", "run_id"])
    names = facts_frame(facts, "make.hook", {"_f_name": ("name", pl.String)})
    events = events.join(
        names, left_on="_hook_id", right_on="_key", how="left", maintain_order="left"
    )
    fallback = (
        pl.when(pl.col("_hook_id").is_not_null())
        .then(pl.format("hook:{}", "_hook_id"))
        .otherwise(pl.lit("hook:unknown"))
    )
    attempt: pl.Expr = pl.lit(1)
    if rank_redeliveries:
        rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(
            ["_hook_id", "event_id"], order_by=["received_at", "file", "record"]
        )
        attempt = pl.when(pl.col("event_id").is_not_null()).then(rank).otherwise(1)
    events = events.with_columns(
        flow=pl.coalesce("_f_name", fallback), attempt=attempt.clip(1, 65535)
    )
    return events.select(
        *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()), *HELPER_COLUMNS
    )
