"""Per-flow series for the report's timelines and delay histograms (SPEC section 8).

The report draws runs over time and the delay distribution of every flow. It
gets them as small plain lists computed here in Polars, never the event
table: ``reports`` stays free of Polars and the HTML stays small whatever the
number of events.

Runs are the gap detector's runs (one per flow and run_id, at its earliest
best timestamp; the detectors' collapse is reused when their context is
given), counted per time bucket of a "round" width (1 min … 1 day)
chosen so that the analysed window has at most MAX_BUCKETS buckets, aligned
to UTC. A run with any error attempt also counts as failed. Lags are the
delay detector's applied lags (processed_at - occurred_at of applied writes),
counted in log-scale buckets; a negative lag (clock skew) counts as "< 1 s".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import polars as pl

from forensics.detectors import DetectContext
from forensics.detectors._timing import applied_lags, best_time, runs, shared_runs
from forensics.findings import iso

__all__ = ["BUCKET_WIDTHS", "LAG_EDGES_SECONDS", "LAG_LABELS", "MAX_BUCKETS", "timeline_series"]

MAX_BUCKETS: Final = 200
BUCKET_WIDTHS: Final = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
# Upper edges (exclusive) of the lag buckets: < 1 s, 1-10 s, 10-60 s, 1-15 min,
# 15-60 min, 1-24 h, and >= 24 h.
LAG_EDGES_SECONDS: Final = (1, 10, 60, 900, 3600, 86400)
LAG_LABELS: Final = ("< 1 s", "1–10 s", "10–60 s", "1–15 min", "15–60 min", "1–24 h", "> 24 h")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def timeline_series(
    events: pl.DataFrame,
    *,
    max_buckets: int = MAX_BUCKETS,
    ctx: DetectContext | None = None,
) -> dict[str, Any]:
    """Aggregate runs per time bucket and lags per lag bucket, per flow.

    Args:
        events: canonical events (with ``row``).
        max_buckets: most buckets over the analysed window.
        ctx: the detectors' context; with it the runs the gap detector
            collapsed are reused instead of collapsed again.

    Returns:
        Plain JSON values: ``start`` and ``end`` (ISO, bucket-aligned),
        ``bucket_seconds``, ``buckets``, ``lag_edges_seconds``, ``lag_labels``
        and ``flows``: flow -> {"runs": [...], "failed": [...], "lags": [...],
        "lagged": n}, lists of ints. Empty ``flows`` when no event has a time.
    """
    lazy = ctx.shared.bind(events) if ctx is not None else events.lazy()
    span = lazy.select(lo=best_time().min(), hi=best_time().max()).collect().row(0)
    lo, hi = span
    flows: dict[str, dict[str, Any]] = {}
    if lo is None or hi is None:
        return _document(None, None, 0, 0, flows)
    width = _width((hi - lo).total_seconds(), max_buckets)
    first = _floor(lo, width)
    n = max(1, int((hi - first).total_seconds() // width) + 1)
    step = pl.duration(seconds=width)
    bucket = ((pl.col("earliest") - pl.lit(first)) / step).cast(pl.Int64).clip(0, n - 1)
    collapsed = shared_runs(lazy, ctx) if ctx is not None else runs(lazy)
    # NOTE: the collapse marks a run failed when any of its timed rows is an
    # error, so no row of the export is matched back to its run here.
    counts = (
        collapsed.group_by("flow", bucket.alias("bucket"))
        .agg(runs=pl.len(), failed=pl.col("failed").sum())
        .sort("flow", "bucket")
        .collect()
    )
    for flow, slot, count, failures in counts.iter_rows():
        entry = flows.setdefault(flow, _empty(n))
        entry["runs"][slot] = int(count)
        entry["failed"][slot] = int(failures or 0)
    index = pl.sum_horizontal(
        *[(pl.col("lag") >= edge).cast(pl.Int32) for edge in LAG_EDGES_SECONDS]
    )
    lags = (
        applied_lags(lazy)
        .group_by("flow", index.alias("bin"))
        .agg(n=pl.len())
        .sort("flow", "bin")
        .collect()
    )
    for flow, bin_, count in lags.iter_rows():
        entry = flows.setdefault(flow, _empty(n))
        entry["lags"][bin_] = int(count)
        entry["lagged"] += int(count)
    ordered = {flow: flows[flow] for flow in sorted(flows)}
    return _document(first, first + timedelta(seconds=width * n), width, n, ordered)


def _document(
    start: datetime | None, end: datetime | None, width: int, n: int, flows: dict[str, Any]
) -> dict[str, Any]:
    return {
        "start": iso(start),
        "end": iso(end),
        "bucket_seconds": width,
        "buckets": n,
        "lag_edges_seconds": list(LAG_EDGES_SECONDS),
        "lag_labels": list(LAG_LABELS),
        "flows": flows,
    }


def _empty(n: int) -> dict[str, Any]:
    return {"runs": [0] * n, "failed": [0] * n, "lags": [0] * len(LAG_LABELS), "lagged": 0}


def _width(span_seconds: float, max_buckets: int) -> int:
    """The narrowest round bucket width that fits the span into max_buckets buckets."""
    for width in BUCKET_WIDTHS:
        # +1: the window starts on a bucket boundary before the first event.
        if span_seconds / width + 1 <= max_buckets:
            return width
    return -(-int(span_seconds) // (max_buckets - 1) // 86400 + 1) * 86400


def _floor(value: datetime, width: int) -> datetime:
    seconds = (value.astimezone(UTC) - _EPOCH).total_seconds()
    return _EPOCH + timedelta(seconds=seconds // width * width)
