"""Queue delays: records that reached the destination long after they happened (DLY001).

Lag is processed_at - occurred_at (received_at - occurred_at when the log
shows no write time, as a Make webhook log does), split into ingest lag
(received_at - occurred_at) and queue lag (processed_at - received_at) when
both are known. Per flow, records are put in apply order (processed_at; ties by file
order) and consecutive records with a lag strictly over ``delay_warn`` form
one episode; a record at or under it ends the episode. An episode with any
record strictly over ``delay_critical`` is critical: lags that long rarely
come from a slow queue; usually the original delivery was dropped and a late
retry or replay carried data that was stale by the time it landed. Other
episodes are medium. Metrics give the episode's max and median lag, the
ingest / queue split (medians), the flow's p95 lag and a diagnosis.

Null policy: only applied writes (status ok or warning) with an occurred_at
and an apply time (processed_at, else received_at) are evaluated; rows
without them have no measurable lag, are skipped, and do not split an episode.
Failed, filtered or pending attempts did not change the destination and are
not lag. A negative lag (clock skew between
systems) is kept in the statistics and never flagged.
"""

from __future__ import annotations

import polars as pl

from forensics.detectors._base import Code, DetectContext, Detector
from forensics.detectors._timing import applied_lags, human_duration
from forensics.detectors._windows import APPLY_ORDER, metrics_json, ordered
from forensics.findings import Severity

DLY001 = Code(
    code="DLY001",
    title="{flow} delivered {records} record(s) in a row up to {max_lag} late",
    severity=Severity.MEDIUM,
    what=(
        "Consecutive records of the flow reached the destination later than delay_warn "
        "after they happened at the source."
    ),
    why=(
        "While they wait, the destination shows old quantities and can oversell or "
        "double-order; a lag beyond delay_critical usually means the original delivery "
        "was dropped and a late retry or replay carried stale data, overwriting newer state."
    ),
    fix=(
        "Find where the time is spent (ingest lag: the source or webhook sender; queue "
        "lag: the middleware's queue, concurrency or rate limits), alert on lag rather "
        "than on failures, and make late retries check the destination's version before "
        "writing."
    ),
)

QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


def lag_stats(events: pl.LazyFrame) -> pl.LazyFrame:
    """Per flow lag distribution for the summary and the report's delay chart.

    Only applied writes with occurred_at and processed_at count (module null
    policy); ingest and queue lags use the subset that also has received_at.
    Quantiles interpolate linearly and are rounded to milliseconds.

    Args:
        events: canonical events.

    Returns:
        One row per flow, sorted by flow: flow, records, then lag_, ingest_ and
        queue_ each with p50_seconds, p95_seconds, p99_seconds, max_seconds.
    """
    return _per_flow(events)


def shared_lag_stats(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """``lag_stats`` plus ``median_lag_seconds`` (not rounded), built once per analysis.

    The delay detector (the flow's p95), the trigger classification (median
    and p95) and the summary read the same distribution of the same rows.
    """
    return ctx.shared.frame(
        events,
        "lag_stats",
        lambda frame: _per_flow(frame, median_lag_seconds=pl.col("lag").median()),
    )


def _per_flow(events: pl.LazyFrame, **extra: pl.Expr) -> pl.LazyFrame:
    """``lag_stats``'s aggregation, with ``extra`` aggregations in the same pass."""
    stats: dict[str, pl.Expr] = {"records": pl.len().cast(pl.UInt32)}
    for name in ("lag", "ingest_lag", "queue_lag"):
        prefix = "lag" if name == "lag" else name.removesuffix("_lag")
        for label, q in QUANTILES.items():
            stats[f"{prefix}_{label}_seconds"] = (
                pl.col(name).quantile(q, interpolation="linear").round(3)
            )
        stats[f"{prefix}_max_seconds"] = pl.col(name).max()
    return applied_lags(events).group_by("flow").agg(**stats, **extra).sort("flow")


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return DLY001 episodes in EPISODE_SCHEMA."""
    warn = ctx.thresholds.delay_warn.total_seconds()
    critical = ctx.thresholds.delay_critical.total_seconds()
    rows = applied_lags(events).with_columns(_late=pl.col("lag") > warn)
    p95 = shared_lag_stats(events, ctx).select("flow", flow_p95="lag_p95_seconds")
    order = [pl.col(c) for c in APPLY_ORDER]
    episodes = (
        rows.with_columns(_episode=ordered(pl.col("_late").rle_id(), ["flow"]))
        .filter("_late")
        .group_by("flow", "_episode")
        .agg(
            start=pl.col("_apply_at").min(),
            end=pl.col("_apply_at").max(),
            records=pl.len().cast(pl.UInt32),
            critical_records=(pl.col("lag") > critical).sum().cast(pl.UInt32),
            max_lag=pl.col("lag").max(),
            median_lag=pl.col("lag").median(),
            ingest=pl.col("ingest_lag").median(),
            queue=pl.col("queue_lag").median(),
            skus=pl.col("sku").drop_nulls().n_unique().cast(pl.UInt32),
            evidence=pl.col("row").sort_by(order),
        )
        .join(p95, on="flow", how="left")
    )
    critical_episode = pl.col("critical_records") > 0
    # Where the time went: whichever part of the split holds most of the median lag.
    mostly_in = (
        pl.when(pl.col("queue") >= pl.col("ingest"))
        .then(pl.lit("queue"))
        .when(pl.col("ingest") > pl.col("queue"))
        .then(pl.lit("ingest"))
    )
    diagnosis = (
        pl.when(critical_episode)
        .then(pl.lit("original delivery likely dropped; a late retry carried stale data"))
        .otherwise(pl.lit("backlog: records waited before reaching the destination"))
    )
    return episodes.select(
        code=pl.lit("DLY001"),
        flow=pl.col("flow"),
        entity=pl.lit(None, pl.String),
        start=pl.col("start"),
        end=pl.col("end"),
        severity=pl.when(critical_episode).then(pl.lit("critical")).otherwise(pl.lit("medium")),
        metrics=metrics_json(
            records=pl.col("records"),
            critical_records=pl.col("critical_records"),
            max_lag_seconds=pl.col("max_lag"),
            max_lag=human_duration(pl.col("max_lag")),
            median_lag_seconds=pl.col("median_lag"),
            ingest_lag_median_seconds=pl.col("ingest"),
            queue_lag_median_seconds=pl.col("queue"),
            lag_mostly_in=mostly_in,
            flow_p95_lag_seconds=pl.col("flow_p95"),
            skus=pl.col("skus"),
            likely_dropped_then_retried=critical_episode,
            diagnosis=diagnosis,
        ),
        evidence_rows=pl.col("evidence"),
        evidence_total=pl.col("records"),
    )


DETECTOR = Detector(
    name="delays",
    codes=(DLY001,),
    requires=(
        "row",
        "flow",
        "sku",
        "status",
        "occurred_at",
        "received_at",
        "processed_at",
    ),
    detect=detect,
)
