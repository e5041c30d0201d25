"""Out-of-sequence delivery under last-write-wins (OOS001).

Per (flow, entity), applied writes are put in apply order (processed_at, else
received_at; ties by file order). The newest source event applied so far is
the running maximum of occurred_at. A write is stale when its occurred_at is
older than that maximum: under last-write-wins it replaced newer state with
older data. Consecutive stale first deliveries form one episode. Retries
(attempt > 1, or a repeat of an event id / idempotency key already applied on
the flow and entity, as ``_lineage`` defines them) are the retry detector's
RTY001, so one write is never reported twice. The
episode is repaired by the next applied write that is not stale; if none
comes, the entity ends the log at a stale quantity (high), otherwise the wrong
value stood for a while (medium).

Null policy: only applied writes (status ok or warning) with a sku, an
occurred_at and an apply time are evaluated; others cannot set or reveal the
destination's value and are ignored. Equal occurred_at is not out of order.
"""

from __future__ import annotations

import polars as pl

from forensics.detectors._base import Code, DetectContext, Detector
from forensics.detectors._lineage import (
    LINEAGE_COLUMNS,
    lineage,
    lineage_writes,
    write_detail,
)
from forensics.detectors._windows import (
    APPLY_ORDER,
    GROUP,
    flagged_groups,
    metrics_json,
    same_group,
    stale_episode_aggs,
)
from forensics.findings import Severity

OOS001 = Code(
    code="OOS001",
    title="Out-of-order delivery left {entity} at a stale quantity",
    severity=Severity.HIGH,
    what=(
        "A first delivery carrying an older source event was applied after a newer one "
        "for the same entity, so last-write-wins kept the older quantity."
    ),
    why=(
        "The destination disagrees with the source until a newer update happens to land; "
        "when none does, the drift is permanent and looks like lost units."
    ),
    fix=(
        "Apply writes in source order: compare the event's occurred_at (or a version "
        "number) with the destination's and reject older writes, or process each "
        "entity's updates sequentially instead of in parallel workers."
    ),
)

KEY = ["flow", "_entity"]


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return OOS001 episodes in EPISODE_SCHEMA."""
    # OOS001 has no thresholds: any older write applied last is stale.
    # NOTE: cache() so that the lineage is built once when it is not shared.
    rows = lineage(events, ctx).cache()
    writes = (
        lineage_writes(events, ctx, rows)
        # A stale retry is RTY001's; only first deliveries are out of sequence here.
        .with_columns(_flag=pl.col("_stale") & ~pl.col("_retry"))
        # Only entities with a stale first delivery can have an episode.
        .filter(flagged_groups())
        # With the group in the key, runs numbered over the whole column are
        # the runs within each group.
        .with_columns(_episode=pl.col("_flag").rle_id())
    )
    # What the destination ends with, and what it should end with: each group's
    # last write (rows are in apply order, so where the next row is another group).
    # NOTE: a filter and a join on the few flagged rows instead of two windows
    # over every write of the flagged groups.
    finals = writes.filter(~same_group(-1)).select(
        GROUP, _final_qty="quantity", _final_newest_qty="_newest_qty"
    )
    order = [pl.col(c) for c in APPLY_ORDER]
    episodes = (
        write_detail(writes.filter("_flag"), rows, KEY)
        .join(finals, on=GROUP, how="left")
        .group_by([*KEY, "_episode"])
        .agg(
            **stale_episode_aggs(),
            overwritten_row=pl.col("_newest_row").sort_by(order).first(),
            final_qty=pl.col("_final_qty").first(),
            final_newest_qty=pl.col("_final_newest_qty").first(),
        )
    )
    repaired = pl.col("repair_at").is_not_null()
    stale_value = pl.when(repaired).then("stale_qty").otherwise("final_qty")
    correct_value = pl.when(repaired).then("correct_qty").otherwise("final_newest_qty")
    # Evidence: the newer write that was overwritten, the stale writes, the repair.
    evidence = pl.concat_list("overwritten_row", "stale_rows", "repair_row").list.drop_nulls()
    return episodes.select(
        code=pl.lit("OOS001"),
        flow=pl.col("flow"),
        entity=pl.col("_entity"),
        start=pl.col("start"),
        end=pl.coalesce("repair_at", "last_at"),
        severity=pl.when(repaired).then(pl.lit("medium")).otherwise(pl.lit("high")),
        metrics=metrics_json(
            quantity_effect=stale_value - correct_value,
            stale_value=stale_value,
            correct_value=correct_value,
            stale_writes=pl.col("stale_rows").list.len(),
            repaired=repaired,
            stood_seconds=(pl.col("repair_at") - pl.col("start")).dt.total_seconds(fractional=True),
            source_lag_seconds=pl.col("stale_by").dt.total_seconds(fractional=True),
        ),
        evidence_rows=evidence,
        evidence_total=evidence.list.len().cast(pl.UInt32),
    )


DETECTOR = Detector(
    name="out_of_sequence",
    codes=(OOS001,),
    requires=LINEAGE_COLUMNS,
    detect=detect,
)
