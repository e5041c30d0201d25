"""Make scenario execution logs (format id ``make.scenario_logs``).

Shapes read (FORMATS.md "Make"): ``{"scenarioLogs": [...], "pg": {...}}`` (the
vendor's own sample holds one object instead of a list), ``{"dlqLogs": [...]}``
(retry runs of incomplete executions) and ``{"scenarioLog": {...}}``; a list of
such envelopes (concatenated pages) is read too, and so are the bare records
(a list of them, or one) when saved without their envelope. Exports are newest first.

Row contract, one row per log entry:

- run_id = ``id``; received_at = ``timestamp``; processed_at = timestamp +
  ``duration`` ms (null when the duration is absent: note ``duration_missing``).
- status: 1 ok, 2 warning, 3 error, 0 pending; anything else warning with note
  ``unknown_status`` (absent: ``status_missing``).
- ``imtId`` is ``<ms>_scenario.<scenarioId>.<type>.<execId>`` (scenario id; a
  record's own ``scenarioId`` is the fallback) or ``<ms>_dlq.<dlqId>.<type>.<execId>``:
  a retry of a stored incomplete execution. A ``dlqLogs`` entry without a readable
  imtId takes the dlq id from the file name. Unreadable: note ``unparsed_imt_id``.
- Rows are run-level (sku null). Check runs (operations 1, transfer 0, not a
  retry) are liveness, not data: kept, noted ``check_run``.
- A record without ``id`` or ``timestamp`` is rejected ``missing_field``; an
  unusable timestamp ``unparseable_timestamp``.

``finalize`` (all files and Facts at once):

- drops copies of an ``id`` an earlier page file already holds;
- flow = the ``make.scenario`` Fact's name for the scenario id, else
  ``scenario:<id>``; a retry's scenario id comes from the ``make.dlq`` Fact of its
  dlq id (values ``scenarioId``, ``executionId``), else the flow is ``dlq:<dlqId>``;
- retries: attempt = 1 + rank by timestamp among retries of the same dlq id; the
  ``make.dlq_bundle`` Fact of the dlq id gives sku, location, quantity,
  occurred_at, event_id and idempotency_key (the data captured at failure time,
  which a late retry writes over newer stock); event_id defaults to the original
  ``executionId`` of the ``make.dlq`` Fact.

Helper columns ``_scenario_id`` and ``_dlq_id`` carry the ids to ``finalize``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from forensics.schema import EVENT_SCHEMA
from parsers._base import Fact, ParseContext, ParseResult
from parsers._payload import as_id
from parsers._time import parse_timestamps_with_issues
from parsers.make import _sniff
from parsers.make._common import (
    count_notes,
    finish,
    id_from_name,
    parse_times,
    reject_rows,
    scalar,
    status,
    time_checks,
    walk_document,
)
from parsers.make._finalize import drop_page_copies, facts_frame, with_helpers

FORMAT_ID: Final = "make.scenario_logs"
RECORD_KEYS: Final = ("scenarioLogs", "scenarioLog", "dlqLogs")
HELPER_COLUMNS: Final = {"_scenario_id": pl.String, "_dlq_id": pl.String}
IMT_ID: Final = (
    r"^(?P<ms>\d+)_(?P<kind>scenario|dlq)\.(?P<id>[^.]+)\.(?P<type>[^.]+)\.(?P<exec>.+)$"
)

_RAW_SCHEMA: Final = {
    "run_id": pl.String,
    "_imt": pl.String,
    "_received_raw": pl.String,
    "_duration_raw": pl.String,
    "_status_raw": pl.String,
    "_operations_raw": pl.String,
    "_transfer_raw": pl.String,
    "_scenario_field": pl.String,
    "_envelope": pl.String,
}
_BUNDLE_COLUMNS: Final = {
    "_b_sku": ("sku", pl.String),
    "_b_location": ("location", pl.String),
    "_b_quantity": ("quantity", pl.Float64),
    "_b_occurred": ("occurred_at", pl.String),
    "_b_event": ("event_id", pl.String),
    "_b_idempotency": ("idempotency_key", pl.String),
}


def _fields(record: dict[str, Any], envelope: str | None) -> tuple[Any, ...]:
    """Pull one log entry's raw fields, in ``_RAW_SCHEMA`` order."""
    get = record.get
    return (
        as_id(get("id")),
        as_id(get("imtId")),
        scalar(get("timestamp")),
        scalar(get("duration")),
        scalar(get("status")),
        scalar(get("operations")),
        scalar(get("transfer")),
        as_id(get("scenarioId")),
        envelope,
    )


def _number(raw: str) -> pl.Expr:
    return pl.col(raw).str.strip_chars().cast(pl.Float64, strict=False)


class ScenarioLogs:
    """Parser for Make scenario and incomplete-execution (DLQ) run logs."""

    id: str = FORMAT_ID
    source: str = "make"
    description: str = (
        "Make scenario run logs (scenarioLogs, scenarioLog, dlqLogs API responses), "
        "one run-level row per execution, retries of incomplete executions included."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score a head by its envelope keys; the name is not used.

        Returns:
            0.95 for a decodable scenarioLogs / scenarioLog / dlqLogs document,
            0.6 when only its text shows the envelope, else 0.
        """
        return _sniff.score(head, _sniff.SCENARIO_LOGS)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one log export into run-level rows, rejections and notes.

        Args:
            data: the whole file.
            ctx: file name, ``--tz`` zone and payload key lists.

        Returns:
            Rows with the helper columns ``_scenario_id`` and ``_dlq_id``.
        """
        walk = walk_document(data, ctx, RECORD_KEYS)
        rows = [(*walk.locators(i), *_fields(i.value, i.key)) for i in walk.items]
        frame = walk.frame(rows, _RAW_SCHEMA)
        frame = parse_times(frame, ctx.tz, {"received_at": "_received_raw"})
        frame = reject_rows(
            frame,
            walk,
            [
                (pl.col("run_id").is_null(), "missing_field", "the scenario log has no id."),
                *time_checks("_received_raw", "_issue_received_at", "timestamp", "scenario log"),
            ],
        )
        parts = pl.col("_imt").str.extract_groups(IMT_ID)
        frame = frame.with_columns(
            _kind=parts.struct.field("kind"), _imt_id=parts.struct.field("id")
        )
        named_dlq = id_from_name(ctx.file, "dlq", "dlqs", hex32=True)
        kind = pl.col("_kind")
        dlq_id = (
            pl.when(kind == "dlq")
            .then(pl.col("_imt_id"))
            .when(kind.is_null() & (pl.col("_envelope") == "dlqLogs"))
            .then(pl.lit(named_dlq, dtype=pl.String))
        )
        scenario_id = (
            pl.when(kind == "scenario").then(pl.col("_imt_id")).otherwise("_scenario_field")
        )
        duration = _number("_duration_raw")
        usable = duration.is_finite() & (duration >= 0)
        code, unknown, missing = status("_status_raw")
        frame = frame.with_columns(_dlq_id=dlq_id, _scenario_id=scenario_id).with_columns(
            status=code,
            processed_at=pl.when(usable).then(
                pl.col("received_at")
                + (duration * 1000).round(0).cast(pl.Int64).cast(pl.Duration("us"))
            ),
            flow=_fallback_flow(),
            attempt=pl.when(pl.col("_dlq_id").is_not_null()).then(2).otherwise(1),
            event_id=pl.lit(None, pl.String),
            idempotency_key=pl.lit(None, pl.String),
            sku=pl.lit(None, pl.String),
            location=pl.lit(None, pl.String),
            occurred_at=pl.lit(None, EVENT_SCHEMA["occurred_at"]),
            quantity=pl.lit(None, pl.Float64),
            _n_unknown=unknown,
            _n_missing=missing,
            _n_duration=~usable.fill_null(False),
            _n_imt=kind.is_null(),
            _n_check=(_number("_operations_raw") == 1)
            & (_number("_transfer_raw") == 0)
            & pl.col("_dlq_id").is_null(),
        )
        walk.notes.update(
            count_notes(
                frame,
                ["_issue_received_at"],
                {
                    "unknown_status": "_n_unknown",
                    "status_missing": "_n_missing",
                    "duration_missing": "_n_duration",
                    "unparsed_imt_id": "_n_imt",
                    "check_run": "_n_check",
                },
            )
        )
        return walk.result(finish(frame, ctx, FORMAT_ID, HELPER_COLUMNS))

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Dedupe page copies, name flows from Facts, and number and fill DLQ retries.

        Args:
            events: rows of every scenario-log file, sorted by (file, record).
            facts: every Fact of the export; uses ``make.scenario``, ``make.dlq``
                and ``make.dlq_bundle``.

        Returns:
            The rows kept, with flow, attempt and retry record data set.
        """
        events = drop_page_copies(with_helpers(events, HELPER_COLUMNS), ["run_id"])
        dlq = facts_frame(
            facts,
            "make.dlq",
            {"_f_scenario": ("scenarioId", pl.String), "_f_exec": ("executionId", pl.String)},
        )
        names = facts_frame(facts, "make.scenario", {"_f_name": ("name", pl.String)})
        bundle = facts_frame(facts, "make.dlq_bundle", _BUNDLE_COLUMNS)
        occurred = parse_timestamps_with_issues(bundle.get_column("_b_occurred"), "UTC")
        bundle = bundle.with_columns(_b_occurred=occurred.get_column("value"))

        events = (
            events.join(dlq, left_on="_dlq_id", right_on="_key", how="left", maintain_order="left")
            .with_columns(_scenario_id=pl.coalesce("_scenario_id", "_f_scenario"))
            .join(names, left_on="_scenario_id", right_on="_key", how="left", maintain_order="left")
            .join(bundle, left_on="_dlq_id", right_on="_key", how="left", maintain_order="left")
        )
        retry = pl.col("_dlq_id").is_not_null()
        rank = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(
            "_dlq_id", order_by=["received_at", "file", "record"]
        )
        events = events.with_columns(
            flow=pl.coalesce(pl.col("_f_name"), _fallback_flow()),
            attempt=pl.when(retry).then(rank + 1).otherwise(1).clip(1, 65535),
            sku=pl.coalesce("_b_sku", "sku"),
            location=pl.coalesce("_b_location", "location"),
            quantity=pl.coalesce("_b_quantity", "quantity"),
            occurred_at=pl.coalesce("_b_occurred", "occurred_at"),
            event_id=pl.coalesce("_b_event", "event_id", pl.when(retry).then("_f_exec")),
            idempotency_key=pl.coalesce("_b_idempotency", "idempotency_key"),
        )
        return events.select(
            *(pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()),
            *HELPER_COLUMNS,
        )


def _fallback_flow() -> pl.Expr:
    """``scenario:<id>``, else ``dlq:<dlqId>`` for a retry, else ``scenario:unknown``."""
    return (
        pl.when(pl.col("_scenario_id").is_not_null())
        .then(pl.format("scenario:{}", "_scenario_id"))
        .when(pl.col("_dlq_id").is_not_null())
        .then(pl.format("dlq:{}", "_dlq_id"))
        .otherwise(pl.lit("scenario:unknown"))
    )


PARSER: Final = ScenarioLogs()
