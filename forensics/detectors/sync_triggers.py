"""Sync trigger audit: batch-only paths whose lag window hides a moving source (SYN001).

Each flow is classified from its runs (rows collapsed by run_id, as for gaps):
- ``scheduled_batch``: regular intervals (at least 4 intervals, 75% within 20%
  of the median, the period) carrying more than 1.5 records per run (median),
  or about one record per run that waited more than a quarter period (or
  whose lag is unknown);
- ``event_driven``: about one record per run (median at most 1.5) arriving
  irregularly, or regularly but with a median lag under a quarter period;
- ``on_demand_poll``: irregular runs carrying several records each;
- ``undetermined``: one run, or several records per run but too few runs to
  tell a schedule from a poll.
The lag window is how stale the destination can be: for a batch its period
plus its median run duration, for a poll its median interval plus its median
run duration, otherwise the p95 lag. SYN001 flags a batch or poll whose lag
window is strictly over ``delay_warn`` while the source keeps moving (in at
least half of the runs, some record occurred after the previous run started,
so changes pile up between runs), unless [flows] declares an event-driven
flow between the same two systems (then the batch is a backstop, not the
only path). Severity is medium; high when the lag window exceeds
``delay_critical`` (a daily batch for a source that moves all day).

Null policy: rows without any timestamp do not count toward runs; lags use
applied writes with occurred_at and processed_at only; runs whose records
have no occurred_at say nothing about the source moving, and a flow without
any such run is never flagged.
"""

from __future__ import annotations

import polars as pl

from forensics.detectors._base import Code, DetectContext, Detector
from forensics.detectors._timing import (
    MIN_SCHEDULE_INTERVALS,
    human_duration,
    seconds,
    shared_runs,
    shared_schedules,
)
from forensics.detectors._windows import metrics_json
from forensics.detectors.delays import shared_lag_stats
from forensics.findings import Severity

SYN001 = Code(
    code="SYN001",
    title="{flow} is a batch-only path with a {lag_window} lag window",
    severity=Severity.MEDIUM,
    what=(
        "The flow moves data only in batch runs, so a source change waits up to its lag "
        "window (the period plus the run time) before the destination sees it, and the "
        "source kept changing between runs."
    ),
    why=(
        "Inside the lag window every system downstream reads stale counts, so drift of up "
        "to one window's worth of movements is built into the architecture, not an error."
    ),
    fix=(
        "Add an event-driven path (webhook or change feed) for stock changes and keep the "
        "batch as a reconciliation backstop, or shorten the schedule until the lag window "
        "is under delay_warn; declare both flows under [flows] so the audit sees the pair."
    ),
)

# About one record per run.
SINGLE_RECORD_RUNS = 1.5
# A regular flow whose median lag is under this share of its period reacts to
# events; over it, records wait for the next run.
EVENT_LAG_SHARE = 0.25
# Share of runs that carry a change made after the previous run started.
MOVING_SHARE = 0.5
BATCH_TRIGGERS = ("scheduled_batch", "on_demand_poll")


def _profiles(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Per flow classification with evidence, plus run span and run rows.

    Built once per analysis: the detector and the summary (``classify_flows``)
    read the same profiles.
    """
    return ctx.shared.frame(events, "sync_triggers.profiles", lambda e: _classify(e, ctx))


def _classify(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    # NOTE: cache() so the runs used by three aggregations are built once when
    # they are not already collected (a detector run on its own).
    flow_runs = shared_runs(events, ctx).cache()
    shape = flow_runs.group_by("flow").agg(
        records_per_run=pl.col("records").median(),
        median_run_seconds=seconds(pl.col("end") - pl.col("at")).median(),
        first=pl.col("at").min(),
        last=pl.col("end").max(),
        # seq numbers the flow's runs in RUN_ORDER: one integer key to sort by.
        run_rows=pl.col("first_row").sort_by("seq"),
    )
    lag = shared_lag_stats(events, ctx).select(
        "flow", "median_lag_seconds", p95_lag_seconds="lag_p95_seconds"
    )
    # A run shows the source moving when it carries a change made after the
    # previous run started: that change waited for this run. Runs without an
    # occurred_at or a previous run compare as null and the mean skips them.
    prev_at = pl.col("at") - pl.col("interval")
    moving = flow_runs.group_by("flow").agg(
        moving_share=(pl.col("latest_occurred") > prev_at).mean()
    )
    profile = (
        shared_schedules(events, ctx, flow_runs)
        .join(shape, on="flow", how="left")
        .join(lag, on="flow", how="left")
        .join(moving, on="flow", how="left")
    )
    period = pl.col("median_interval_seconds")
    single = pl.col("records_per_run") <= SINGLE_RECORD_RUNS
    quick = pl.col("median_lag_seconds") <= EVENT_LAG_SHARE * period
    trigger = (
        pl.when(pl.col("runs") < 2)
        .then(pl.lit("undetermined"))
        .when(pl.col("scheduled") & (~single | ~quick.fill_null(False)))
        .then(pl.lit("scheduled_batch"))
        .when(single)
        .then(pl.lit("event_driven"))
        .when(pl.col("intervals") < MIN_SCHEDULE_INTERVALS)
        .then(pl.lit("undetermined"))
        .otherwise(pl.lit("on_demand_poll"))
    )
    run_time = pl.col("median_run_seconds")
    window = (
        pl.when(pl.col("trigger").is_in(BATCH_TRIGGERS))
        .then(period + run_time)
        .otherwise(pl.col("p95_lag_seconds"))
    )
    classified = (
        profile.with_columns(trigger=trigger)
        .with_columns(
            period_seconds=pl.when(pl.col("trigger") == "scheduled_batch").then(period),
            lag_window_seconds=window,
            source_moving=(pl.col("moving_share") >= MOVING_SHARE).fill_null(False),
        )
        .with_columns(
            exceeds_delay_warn=(
                pl.col("lag_window_seconds") > ctx.thresholds.delay_warn.total_seconds()
            ).fill_null(False)
        )
    )
    return _with_cover(classified, ctx)


def _with_cover(classified: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Add ``covered_by``: an event-driven flow [flows] declares between the same systems."""
    systems = pl.LazyFrame(
        {
            "flow": list(ctx.flows),
            "from_system": [pair[0] for pair in ctx.flows.values()],
            "to_system": [pair[1] for pair in ctx.flows.values()],
        },
        schema={"flow": pl.String, "from_system": pl.String, "to_system": pl.String},
    )
    pair = ["from_system", "to_system"]
    event_paths = (
        classified.filter(pl.col("trigger") == "event_driven")
        .join(systems, on="flow", how="inner")
        .group_by(pair)
        .agg(covered_by=pl.col("flow").min())
    )
    return (
        classified.join(systems, on="flow", how="left")
        .join(event_paths, on=pair, how="left")
        .drop(pair)
    )


PUBLIC_COLUMNS = (
    "flow",
    "trigger",
    "period_seconds",
    "records_per_run",
    "lag_window_seconds",
    "exceeds_delay_warn",
    "runs",
    "median_interval_seconds",
    "on_schedule_share",
    "interval_cv",
    "median_run_seconds",
    "median_lag_seconds",
    "p95_lag_seconds",
    "moving_share",
    "source_moving",
    "covered_by",
)


def classify_flows(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Classify every flow's trigger and give its lag window, for the summary.

    Args:
        events: canonical events.
        ctx: thresholds (delay_warn) and [flows] systems.

    Returns:
        One row per flow, sorted by flow: flow, trigger (scheduled_batch,
        event_driven, on_demand_poll or undetermined), period_seconds (batches
        only), records_per_run (median), lag_window_seconds, exceeds_delay_warn,
        and the evidence: runs, median_interval_seconds, on_schedule_share,
        interval_cv, median_run_seconds, median_lag_seconds, p95_lag_seconds,
        moving_share, source_moving, covered_by.
    """
    return _profiles(events, ctx).select(PUBLIC_COLUMNS).sort("flow")


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return SYN001 episodes in EPISODE_SCHEMA."""
    critical = ctx.thresholds.delay_critical.total_seconds()
    flagged = _profiles(events, ctx).filter(
        pl.col("trigger").is_in(BATCH_TRIGGERS),
        pl.col("exceeds_delay_warn"),
        pl.col("source_moving"),
        pl.col("covered_by").is_null(),
    )
    window = pl.col("lag_window_seconds")
    return flagged.select(
        code=pl.lit("SYN001"),
        flow=pl.col("flow"),
        entity=pl.lit(None, pl.String),
        start=pl.col("first"),
        end=pl.col("last"),
        severity=pl.when(window > critical).then(pl.lit("high")).otherwise(pl.lit("medium")),
        metrics=metrics_json(
            trigger=pl.col("trigger"),
            lag_window_seconds=window,
            lag_window=human_duration(window),
            period_seconds=pl.col("period_seconds"),
            median_interval_seconds=pl.col("median_interval_seconds"),
            median_run_seconds=pl.col("median_run_seconds"),
            records_per_run=pl.col("records_per_run"),
            runs=pl.col("runs"),
            on_schedule_share=pl.col("on_schedule_share").round(3),
            interval_cv=pl.col("interval_cv").round(3),
            median_lag_seconds=pl.col("median_lag_seconds"),
            p95_lag_seconds=pl.col("p95_lag_seconds"),
            moving_share=pl.col("moving_share").round(3),
        ),
        # Evidence: the first record of each run, in run order.
        evidence_rows=pl.col("run_rows"),
        evidence_total=pl.col("runs"),
    )


DETECTOR = Detector(
    name="sync_triggers",
    codes=(SYN001,),
    requires=("row", "flow", "run_id", "status", "occurred_at", "received_at", "processed_at"),
    detect=detect,
)
