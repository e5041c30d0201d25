"""Retry overwrites and missing idempotency (RTY001, RTY002, IDM001).

Per (flow, entity), writes are put in apply order (processed_at, else
received_at; ties by file order); the entity is sku@location when the location
is known. A retry is attempt > 1, or a repeat of an event id (else idempotency
key) already applied on that flow and entity (see ``_lineage``).

RTY001: as in OOS001, a write is stale when its occurred_at is older than the
newest occurred_at applied so far; a stale write that is a retry is RTY001
(a stale first delivery is OOS001). Consecutive stale retries are one episode,
repaired by the next write that is not stale (medium) or still stale at the end
of the log (high). RTY002: one identity applied more than once on one flow and
entity; when the flow writes adjustments (its name says adjust / delta /
increment / decrement / movement) every extra application moves stock again.
IDM001: per flow, quantities written, retries seen, and more than half of the
records without an idempotency key.

Null policy: RTY001 evaluates applied writes (status ok or warning) with a sku,
an occurred_at and an apply time, like OOS001; others are ignored. RTY002
counts applied rows with an event id or idempotency key (a null sku is its own
entity group); rows without either cannot be matched. IDM001 counts a flow's
records: rows with a sku, quantity, event id or key (bare run summaries carry
no record and are not counted). A null quantity leaves its metrics null.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from forensics.detectors._base import Code, DetectContext, Detector
from forensics.detectors._lineage import (
    ENTITY_KEY,
    LINEAGE_COLUMNS,
    lineage,
    lineage_writes,
    with_originals,
    write_detail,
)
from forensics.detectors._windows import (
    APPLY_ORDER,
    applied,
    flagged_groups,
    metrics_json,
    same_group,
    stale_episode_aggs,
)
from forensics.findings import Severity

RTY001 = Code(
    code="RTY001",
    title="Late retry overwrote {entity} with stale data",
    severity=Severity.HIGH,
    what=(
        "A retry of an older event was applied after a newer event for the same entity, "
        "so it overwrote newer state with the quantity captured at the first attempt."
    ),
    why=(
        "Retries re-send the original data minutes or hours later; under last-write-wins "
        "the destination goes back in time and stays wrong until the next update lands."
    ),
    fix=(
        "Make the destination reject writes older than its current version (compare the "
        "event's occurred_at or a version field), or drop retries whose event has been "
        "superseded instead of replaying them."
    ),
)

RTY002 = Code(
    code="RTY002",
    title="The same event was applied {times_applied} times to {entity}",
    severity=Severity.HIGH,
    what=(
        "One event id or idempotency key was applied successfully more than once on the "
        "same flow; for adjustment writes the stock moved once per application."
    ),
    why=(
        "A retry after a timeout or a replay of a run that had in fact succeeded writes "
        "again; adjustments are then double counted, absolute writes only waste a write."
    ),
    fix=(
        "Send the event id as an idempotency key and have the destination ignore a key it "
        "has already applied, or write absolute quantities instead of adjustments."
    ),
)

IDM001 = Code(
    code="IDM001",
    title="{flow} retries quantity writes without an idempotency key",
    severity=Severity.MEDIUM,
    what=(
        "The flow writes quantities and retries deliveries, but most of its records carry "
        "no idempotency key the destination could deduplicate on."
    ),
    why=(
        "Without a key a retry of a write that actually succeeded is applied again, and a "
        "late retry cannot be told apart from a new event."
    ),
    fix=(
        "Attach a stable idempotency key (the source event or movement id) to every write "
        "and have the destination store and check it."
    ),
)

KEY = ENTITY_KEY
# Flow names that say the flow posts stock movements rather than absolute levels.
ADJUSTMENT_FLOW: Final = r"(?i)adjust|delta|increment|decrement|movement"


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return RTY001, RTY002 and IDM001 episodes in EPISODE_SCHEMA."""
    # No thresholds: any stale retry, duplicate or keyless retrying flow counts.
    # NOTE: cache() so that the three codes share one sort and one lineage when
    # the lineage is not already collected (a detector run on its own).
    rows = lineage(events, ctx).cache()
    return pl.concat(
        [
            _stale_retries(lineage_writes(events, ctx, rows), rows),
            _duplicates(rows),
            _missing_keys(rows),
        ],
        how="vertical",
    )


def _stale_retries(stale: pl.LazyFrame, lineage: pl.LazyFrame) -> pl.LazyFrame:
    """RTY001: retries applied after a newer event, one episode per run of them."""
    writes = (
        stale.with_columns(_flag=pl.col("_stale") & pl.col("_retry"))
        # Only entities with a stale retry can have an episode.
        .filter(flagged_groups())
        .with_columns(
            # The destination's value just before this write: the previous write's.
            _prev_qty=pl.when(same_group(1)).then(pl.col("quantity").shift(1)),
            _prev_row=pl.when(same_group(1)).then(pl.col("row").shift(1)),
            # With the group in the key, runs numbered over the whole column are
            # the runs within each group.
            _episode=pl.col("_flag").rle_id(),
        )
    )
    order = [pl.col(c) for c in APPLY_ORDER]
    flagged = write_detail(writes.filter("_flag"), lineage, [*KEY, "_identity", "attempt"])
    episodes = (
        with_originals(flagged, lineage)
        .group_by([*KEY, "_episode"])
        .agg(
            **stale_episode_aggs(),
            overwritten_row=pl.col("_prev_row").sort_by(order).first(),
            overwritten_qty=pl.col("_prev_qty").sort_by(order).first(),
            newest_row=pl.col("_newest_row").sort_by(order).last(),
            original_row=pl.col("_original_row").sort_by(order).first(),
            original_at=pl.col("_original_at").sort_by(order).first(),
            original_applied_at=pl.col("_original_applied_at").sort_by(order).first(),
            attempt=pl.col("attempt").sort_by(order).first(),
        )
    )
    repaired = pl.col("repair_at").is_not_null()
    # Evidence: the newer write overwritten, the original delivery, the stale
    # retries, the write carrying the correct value, the repair.
    evidence = (
        pl.concat_list("overwritten_row", "original_row", "stale_rows", "newest_row", "repair_row")
        .list.drop_nulls()
        .list.unique(maintain_order=True)
    )
    return episodes.select(
        code=pl.lit("RTY001"),
        flow=pl.col("flow"),
        entity=pl.col("_entity"),
        start=pl.col("start"),
        end=pl.coalesce("repair_at", "last_at"),
        severity=pl.when(repaired).then(pl.lit("medium")).otherwise(pl.lit("high")),
        metrics=metrics_json(
            quantity_effect=pl.col("stale_qty") - pl.col("overwritten_qty"),
            stale_value=pl.col("stale_qty"),
            overwritten_value=pl.col("overwritten_qty"),
            correct_value=pl.col("correct_qty"),
            attempt=pl.col("attempt").cast(pl.Int64),
            original_at=_iso("original_at"),
            original_applied_at=_iso("original_applied_at"),
            stale_writes=pl.col("stale_rows").list.len(),
            repaired=repaired,
            stood_seconds=(pl.col("repair_at") - pl.col("start")).dt.total_seconds(fractional=True),
            stale_by_seconds=pl.col("stale_by").dt.total_seconds(fractional=True),
        ),
        evidence_rows=evidence,
        evidence_total=evidence.list.len().cast(pl.UInt32),
    )


def _duplicates(lineage: pl.LazyFrame) -> pl.LazyFrame:
    """RTY002: one finding per identity applied more than once on a flow and entity."""
    order = [pl.col(c) for c in APPLY_ORDER]
    groups = (
        # Most identities occur once: drop them before the per-group sorts
        # (``times`` below then counts only the applied copies).
        lineage.filter(applied(), pl.col("_identity").is_not_null(), pl.col("_copies") > 1)
        .with_columns(_at=pl.coalesce("_apply_at", "occurred_at"))
        .group_by([*KEY, "_identity"])
        .agg(
            times=pl.len(),
            start=pl.col("_at").min(),
            end=pl.col("_at").max(),
            rows=pl.col("row").sort_by(order),
            qty=pl.col("quantity").sort_by(order).first(),
            same_qty=pl.col("quantity").n_unique() == 1,
        )
        .filter(pl.col("times") > 1)
    )
    adjustment = pl.col("flow").str.contains(ADJUSTMENT_FLOW)
    extra = pl.col("times") - 1
    return groups.select(
        code=pl.lit("RTY002"),
        flow=pl.col("flow"),
        entity=pl.col("_entity"),
        start=pl.col("start"),
        end=pl.col("end"),
        severity=pl.when(adjustment).then(pl.lit("high")).otherwise(pl.lit("low")),
        metrics=metrics_json(
            event=pl.col("_identity"),
            times_applied=pl.col("times").cast(pl.Int64),
            extra_applications=extra.cast(pl.Int64),
            quantity_per_application=pl.col("qty"),
            same_quantity_each_time=pl.col("same_qty"),
            adjustment=adjustment,
            # Only an adjustment moves stock again on every extra application.
            quantity_effect=pl.when(adjustment).then(pl.col("qty") * extra),
        ),
        evidence_rows=pl.col("rows").cast(pl.List(pl.UInt32)),
        evidence_total=pl.col("times").cast(pl.UInt32),
    )


def _missing_keys(lineage: pl.LazyFrame) -> pl.LazyFrame:
    """IDM001: flows that write quantities and retry, with no key on most records."""
    # A sku, quantity, event id or key: _entity stands for sku and _identity
    # for the two ids (null exactly when they are).
    record = pl.any_horizontal(pl.col("_entity", "quantity", "_identity").is_not_null())
    ordered_redeliveries = [pl.col(c).filter("_redelivery") for c in APPLY_ORDER]
    flows = (
        lineage.filter(record)
        .with_columns(_at=pl.coalesce("_apply_at", "occurred_at"))
        .group_by("flow")
        .agg(
            records=pl.len(),
            without_key=pl.col("idempotency_key").is_null().sum(),
            retries=pl.col("_redelivery").sum(),
            writes_quantities=(applied() & pl.col("quantity").is_not_null()).any(),
            start=pl.col("_at").min(),
            end=pl.col("_at").max(),
            rows=pl.col("row").filter("_redelivery").sort_by(ordered_redeliveries),
        )
        .with_columns(share=pl.col("without_key") / pl.col("records"))
        .filter("writes_quantities", pl.col("retries") > 0, pl.col("share") > 0.5)
    )
    return flows.select(
        code=pl.lit("IDM001"),
        flow=pl.col("flow"),
        entity=pl.lit(None, dtype=pl.String),
        start=pl.col("start"),
        end=pl.col("end"),
        severity=pl.lit(None, dtype=pl.String),
        metrics=metrics_json(
            share_without_key=pl.col("share").round(4),
            records=pl.col("records").cast(pl.Int64),
            records_without_key=pl.col("without_key").cast(pl.Int64),
            retries_seen=pl.col("retries").cast(pl.Int64),
        ),
        evidence_rows=pl.col("rows").cast(pl.List(pl.UInt32)),
        evidence_total=pl.col("retries").cast(pl.UInt32),
    )


def _iso(name: str) -> pl.Expr:
    """A UTC timestamp as ISO text with a Z, sub-seconds only when set (as findings.iso)."""
    col = pl.col(name)
    micros = col.dt.microsecond()
    return (
        pl.when(micros == 0)
        .then(col.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .when(micros % 1000 == 0)
        .then(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
        .otherwise(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    )


DETECTOR = Detector(
    name="retries",
    codes=(RTY001, RTY002, IDM001),
    requires=LINEAGE_COLUMNS,
    detect=detect,
)
