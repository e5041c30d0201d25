"""The numbers that open the report and findings.json: what was analysed, what was found."""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl

from forensics.detectors import DetectContext
from forensics.detectors.delays import shared_lag_stats
from forensics.detectors.sync_triggers import classify_flows
from forensics.findings import Finding, InputFile, Severity, Skipped, iso

_BEST_TIME = pl.coalesce("processed_at", "received_at", "occurred_at")


def summarize(
    events: pl.DataFrame,
    findings: list[Finding],
    inputs: tuple[InputFile, ...],
    skipped: tuple[Skipped, ...],
    drift: dict[str, Any] | None = None,
    ctx: DetectContext | None = None,
) -> dict[str, Any]:
    """Return the SPEC section 5 summary block.

    Args:
        events: canonical events of the analysis.
        findings: every finding.
        inputs: files read, with their accounting.
        skipped: files not read.
        drift: the drift verdict block from forensics.attribution.
        ctx: detector context; with it each flow gets its trigger type and lag
            percentiles.

    Returns:
        events, flows, skus, start, end, findings_by_severity, drift, plus file
        accounting and a per-flow breakdown.
    """
    lazy = events.lazy()
    # The distinct (flow, sku) pairs, hashed once, give both the SKUs of each
    # flow and the SKUs overall.
    pairs = lazy.select("flow", "sku").unique()
    flows = lazy.group_by("flow").agg(
        source=pl.col("source").first().cast(pl.String),
        events=pl.len(),
        start=_BEST_TIME.min(),
        end=_BEST_TIME.max(),
    )
    flow_skus = pairs.group_by("flow").agg(skus=pl.col("sku").drop_nulls().len())
    # One collect_all, so Polars runs the three side by side. NOTE: nulls_equal
    # because group_by makes rows without a flow one group, in both frames.
    span_frame, per_flow, skus_frame = pl.collect_all(
        [
            lazy.select(start=_BEST_TIME.min(), end=_BEST_TIME.max()),
            flows.join(flow_skus, on="flow", how="left", nulls_equal=True)
            .select("flow", "source", "events", "skus", "start", "end")
            .sort("flow"),
            pairs.select(pl.col("sku").drop_nulls().n_unique()),
        ]
    )
    span = span_frame.row(0, named=True)
    skus = skus_frame.item()
    if ctx is not None:
        per_flow = _with_timing(per_flow, events, ctx)
    by_severity = Counter(f.severity.label for f in findings)
    return {
        "events": events.height,
        "flows": per_flow.height,
        "skus": skus,
        "start": iso(span["start"]),
        "end": iso(span["end"]),
        "findings_by_severity": {
            s.label: by_severity.get(s.label, 0) for s in sorted(Severity, reverse=True)
        },
        "drift": drift or {},
        "files": len(inputs),
        "records": sum(i.records for i in inputs),
        "rejected": sum(i.rejected for i in inputs),
        "skipped_files": len(skipped),
        "per_flow": [
            {**row, "start": iso(row["start"]), "end": iso(row["end"])}
            for row in per_flow.iter_rows(named=True)
        ],
    }


# Per-flow timing shown in the summary: how the flow is triggered and how late it runs.
_TRIGGER_COLUMNS = ("trigger", "period_seconds", "records_per_run", "lag_window_seconds")
_LAG_COLUMNS = (
    "lag_p50_seconds",
    "lag_p95_seconds",
    "lag_p99_seconds",
    "lag_max_seconds",
    "ingest_p95_seconds",
    "queue_p95_seconds",
)


def _with_timing(per_flow: pl.DataFrame, events: pl.DataFrame, ctx: DetectContext) -> pl.DataFrame:
    # The detectors' events, so the trigger classification they built is reused.
    lazy = ctx.shared.bind(events)
    triggers = classify_flows(lazy, ctx).select("flow", *_TRIGGER_COLUMNS)
    lags = shared_lag_stats(lazy, ctx).select("flow", *_LAG_COLUMNS)
    timing = triggers.join(lags, on="flow", how="full", coalesce=True).collect()
    return per_flow.join(timing, on="flow", how="left").with_columns(pl.col(pl.Float64).round(3))
