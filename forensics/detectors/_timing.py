"""Shared timing expressions: runs, schedule regularity, expected runs, lags.

Used by the gaps, delays and sync_triggers detectors so that they agree on what
a run is, when it happened and whether a flow runs on a schedule. Every
order-dependent window states its order with ``over(..., order_by=...)``.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from forensics.detectors._base import DetectContext
from forensics.detectors._windows import (
    applied,
    apply_at,
    maybe_repeated,
    row_of,
    time_then_row,
)

# A run's order within its flow: its time, then its first row in file order (ties).
RUN_ORDER: Final = ("at", "first_row")

# A flow is scheduled when at least this many intervals between runs are known
# and at least SCHEDULE_SHARE of them are within SCHEDULE_TOLERANCE of the median.
MIN_SCHEDULE_INTERVALS: Final = 4
SCHEDULE_TOLERANCE: Final = 0.2
SCHEDULE_SHARE: Final = 0.75

# The nearby-hours prediction needs at least this much history around the silence,
# and looks at least this far (in hours) before and after it.
MIN_EXPOSURE_HOURS: Final = 1.0


def best_time() -> pl.Expr:
    """The best timestamp of a row: processed_at, else received_at, else occurred_at."""
    return pl.coalesce("processed_at", "received_at", "occurred_at")


def seconds(expr: pl.Expr) -> pl.Expr:
    """A duration in (fractional) seconds."""
    return expr.dt.total_seconds(fractional=True)


def hours(expr: pl.Expr) -> pl.Expr:
    """A duration in fractional hours."""
    return seconds(expr) / 3600.0


def human_duration(secs: pl.Expr) -> pl.Expr:
    """Render seconds as short text for titles: ``3 d 4 h``, ``2 h``, ``2 h 5 min``, ``90 s``."""
    s = secs.round(0).cast(pl.Int64)
    d, h, m, r = s // 86400, (s % 86400) // 3600, (s % 3600) // 60, s % 60
    return (
        pl.when((s >= 86400) & (h == 0))
        .then(pl.format("{} d", d))
        .when(s >= 86400)
        .then(pl.format("{} d {} h", d, h))
        .when((s >= 3600) & (m == 0))
        .then(pl.format("{} h", h))
        .when(s >= 3600)
        .then(pl.format("{} h {} min", h, m))
        .when((s >= 60) & (r == 0))
        .then(pl.format("{} min", m))
        .when(s >= 60)
        .then(pl.format("{} min {} s", m, r))
        .otherwise(pl.format("{} s", r))
    )


def runs(events: pl.LazyFrame) -> pl.LazyFrame:
    """Collapse events to runs, one row per (flow, run_id), in run order per flow.

    Columns: flow, run_id, at (when the run started: its earliest receive time,
    else best time), end (when it finished: its latest best time), earliest
    (its earliest best time, where the report's timelines place it), records,
    first_row / last_row (in time order), latest_occurred (the newest
    occurred_at of its records), failed (any of its timed rows is an
    error: the report's timelines count those runs), seq (0-based order in the flow), interval
    (start to start from the previous run), silence_start (the latest end of
    any earlier run of the flow) and bound_row (the row that ended that
    earlier activity). Rows without any timestamp are not evaluable and left
    out; a run with none at all disappears.
    """
    # NOTE: a run's first and last rows in (_t, row) order are the min and max
    # of one packed integer: no sort per group (~0.2 CPU s at 1M runs).
    packed = time_then_row("_t")
    # NOTE: a run starts when the middleware accepted it (a Boomi execution's
    # executionTime, a Make run's timestamp) and ends when it finished writing,
    # so its duration is the real run time, not the spread of its write times.
    started = pl.coalesce("received_at", "_t")
    key = ["flow", "run_id"]
    timed = (
        events.with_columns(_t=best_time())
        .filter(pl.col("_t").is_not_null())
        .select(*key, "row", "received_at", "occurred_at", "status", "_t")
        .with_columns(_repeated=maybe_repeated(key))
    )
    # NOTE: most runs of a webhook or event-driven export are one record each:
    # those rows are their own runs, and only the others are grouped by the
    # (string) key, which was most of the collapse's cost (~0.3 CPU s at 1M).
    # Each single-row value below is what the aggregation gives one row.
    single = timed.filter(~pl.col("_repeated")).select(
        *key,
        at=started,
        end=pl.col("_t"),
        earliest=pl.col("_t"),
        records=pl.lit(1, pl.UInt32),
        first_row=pl.col("row"),
        last_row=pl.col("row"),
        latest_occurred=pl.col("occurred_at"),
        failed=(pl.col("status") == "error").fill_null(False),
    )
    grouped = (
        timed.filter("_repeated")
        .group_by(key)
        .agg(
            at=started.min(),
            end=pl.col("_t").max(),
            earliest=pl.col("_t").min(),
            records=pl.len().cast(pl.UInt32),
            first_row=row_of(packed.min()),
            last_row=row_of(packed.max()),
            latest_occurred=pl.col("occurred_at").max(),
            failed=(pl.col("status") == "error").any(),
        )
    )
    collapsed = pl.concat([single, grouped], how="vertical")

    def in_flow(expr: pl.Expr) -> pl.Expr:
        return expr.over("flow", order_by=list(RUN_ORDER))

    # NOTE: a run may outlast the next one's start (overlapping batches), so the
    # silence starts at the latest end so far, not at the previous run's end.
    latest_end = pl.col("end").cum_max()
    return collapsed.with_columns(
        seq=in_flow(pl.int_range(pl.len(), dtype=pl.UInt32)),
        interval=in_flow(pl.col("at") - pl.col("at").shift(1)),
        silence_start=in_flow(latest_end.shift(1)),
        bound_row=in_flow(
            pl.when(pl.col("end") == latest_end).then("last_row").forward_fill().shift(1)
        ),
    )


def shared_runs(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """``runs`` of the events, collapsed once per analysis for gaps, triggers and the summary."""
    return ctx.shared.frame(events, "runs", runs)


def shared_schedules(
    events: pl.LazyFrame, ctx: DetectContext, flow_runs: pl.LazyFrame
) -> pl.LazyFrame:
    """``schedules`` of the shared runs, judged once per analysis.

    Args:
        events: the events a detector was given.
        ctx: the detector's context.
        flow_runs: ``shared_runs(events, ctx)`` as the caller holds it (cached
            in its plan when the events are not the shared ones).
    """
    return ctx.shared.frame(events, "schedules", lambda _: schedules(flow_runs))


def schedules(flow_runs: pl.LazyFrame) -> pl.LazyFrame:
    """Judge per flow whether runs come on a schedule.

    Columns: flow, runs, intervals, median_interval_seconds, on_schedule_share
    (share of intervals within SCHEDULE_TOLERANCE of the median), interval_cv
    (std / mean of intervals) and scheduled (enough intervals, median above
    zero, and at least SCHEDULE_SHARE on schedule). A scheduled flow that
    missed a few runs stays scheduled: each miss is one long interval.
    """
    gap = seconds(pl.col("interval"))
    median = gap.median()
    return (
        flow_runs.group_by("flow")
        .agg(
            runs=pl.len().cast(pl.UInt32),
            intervals=gap.count().cast(pl.UInt32),
            median_interval_seconds=median,
            on_schedule_share=((gap - median).abs() <= SCHEDULE_TOLERANCE * median).mean(),
            interval_cv=gap.std() / gap.mean(),
        )
        .with_columns(
            scheduled=(pl.col("intervals") >= MIN_SCHEDULE_INTERVALS)
            & (pl.col("median_interval_seconds") > 0)
            & (pl.col("on_schedule_share") >= SCHEDULE_SHARE)
        )
    )


def _count_runs(
    frame: pl.LazyFrame, upto: pl.LazyFrame, lo: str, hi: str, name: str, *, closed: bool
) -> pl.LazyFrame:
    """Add ``name``: runs of the row's flow with time in [lo, hi] (closed) or (lo, hi) (open).

    Read from the running count of runs per flow (``upto``: flow, _t, _n) as
    runs up to hi minus runs up to lo, so no run is compared with every window.
    """
    # NOTE: each side is sorted on the asof key right before its join; Polars
    # cannot verify that within `by` groups, hence check_sortedness=False.
    return (
        frame.sort(hi)
        .join_asof(
            upto,
            left_on=hi,
            right_on="_t",
            by="flow",
            allow_exact_matches=closed,
            check_sortedness=False,
        )
        .rename({"_n": "_n_hi"})
        .drop("_t")
        .sort(lo)
        .join_asof(
            upto,
            left_on=lo,
            right_on="_t",
            by="flow",
            allow_exact_matches=not closed,
            check_sortedness=False,
        )
        .drop("_t")
        .with_columns((pl.col("_n_hi").fill_null(0) - pl.col("_n").fill_null(0)).alias(name))
        .drop("_n_hi", "_n")
    )


def expected_runs(silences: pl.LazyFrame, flow_runs: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Runs the flow's own time-of-day behaviour predicts strictly inside each silence.

    The silence [silence_start, at] is shifted by whole days onto the other
    days of the flow's window (first run to last activity), keeping shifts
    that fit inside the window and do not overlap the silence itself; the
    prediction is the mean number of runs strictly inside those same clock
    windows (``other_days``). This is the flow's hour-of-day rate integrated
    over the silence, at the resolution of the silence itself, so a quiet
    night predicts what other nights had. With no other day to compare, the
    rate in the hours around the silence applies (``nearby_hours``: runs
    within max(silence, 1 h) before and after it, over that time), if at
    least MIN_EXPOSURE_HOURS of it lies inside the window; else the prediction
    is null.

    Returns:
        key + expected_runs (float, nullable), expected_from (``other_days``
        or ``nearby_hours``) and days_compared.
    """
    window = flow_runs.group_by("flow").agg(first=pl.col("at").min(), last=pl.col("end").max())
    # NOTE: cache() both: each is read by several joins below, and the
    # optimizer otherwise builds each again per join (four times for upto).
    candidates = (
        silences.select(*key, "silence_start", "at").join(window, on="flow", how="left").cache()
    )
    # Only the flows with a silence are counted (most runs belong to none of them).
    upto = (
        flow_runs.join(candidates.select("flow").unique(), on="flow", how="semi")
        .select("flow", _t=pl.col("at"), _n=pl.col("seq").cast(pl.Int64) + 1)
        .sort("_t", "_n")
        .cache()
    )
    silence = pl.col("at") - pl.col("silence_start")
    span_days = (seconds(pl.col("last") - pl.col("first")) // 86400).cast(pl.Int64)
    shift = pl.duration(days=pl.col("_k"))
    shifted = (
        candidates.with_columns(_k=pl.int_ranges(-span_days, span_days + 1))
        .explode("_k")
        .filter(pl.col("_k") != 0)
        .with_columns(_a=pl.col("silence_start") + shift, _b=pl.col("at") + shift)
        .filter(
            pl.col("_a") >= pl.col("first"),
            pl.col("_b") <= pl.col("last"),
            pl.col("_k").abs() * 86400 >= seconds(silence),
        )
    )
    other_days = (
        _count_runs(shifted, upto, "_a", "_b", "_runs", closed=False)
        .group_by(key)
        .agg(_other=pl.col("_runs").mean(), days_compared=pl.len().cast(pl.UInt32))
    )
    reach = pl.max_horizontal(silence, pl.duration(hours=MIN_EXPOSURE_HOURS))
    around = candidates.with_columns(
        _lo=pl.max_horizontal(pl.col("first"), pl.col("silence_start") - reach),
        _hi=pl.min_horizontal(pl.col("last"), pl.col("at") + reach),
    )
    nearby = _count_runs(around, upto, "_lo", "_hi", "_near", closed=True).with_columns(
        _near_hours=hours(pl.col("_hi") - pl.col("_lo") - silence)
    )
    rate = pl.when(pl.col("_near_hours") >= MIN_EXPOSURE_HOURS).then(
        pl.col("_near") / pl.col("_near_hours")
    )
    return nearby.join(other_days, on=key, how="left").select(
        *key,
        expected_runs=pl.coalesce(pl.col("_other").cast(pl.Float64), rate * hours(silence)),
        expected_from=pl.when(pl.col("_other").is_not_null())
        .then(pl.lit("other_days"))
        .when(rate.is_not_null())
        .then(pl.lit("nearby_hours")),
        days_compared=pl.col("days_compared").fill_null(0),
    )


def applied_lags(events: pl.LazyFrame) -> pl.LazyFrame:
    """Applied writes with a measurable lag, plus ``_apply_at`` and lags in seconds.

    Keeps rows with status ok or warning, an occurred_at and an apply time;
    adds ``lag`` (apply time - occurred), ``ingest_lag`` (received - occurred)
    and ``queue_lag`` (processed - received), the last two null when either
    side is missing.
    """
    # NOTE: some logs only show when the middleware received a record (a Make
    # webhook log has no write time): the lag to receipt is then the measurable
    # part of the end-to-end lag, and a backlog upstream still shows.
    return (
        events.with_columns(_apply_at=apply_at())
        .filter(
            applied(),
            pl.col("occurred_at").is_not_null(),
            pl.col("_apply_at").is_not_null(),
        )
        .with_columns(
            lag=seconds(pl.col("_apply_at") - pl.col("occurred_at")),
            ingest_lag=seconds(pl.col("received_at") - pl.col("occurred_at")),
            queue_lag=seconds(pl.col("processed_at") - pl.col("received_at")),
        )
    )
