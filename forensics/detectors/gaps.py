"""Timestamp gaps: silences a flow's own behaviour says should not be there (GAP001, GAP002).

Per flow, rows collapse to runs (run_id); a run's time is its earliest best
timestamp (processed_at, else received_at, else occurred_at) and its end the
latest. A silence runs from the latest end of the earlier runs to the next
run's start and is considered only when it lasts longer than ``gap_min``.

Expected runs in a silence come from the flow's own time-of-day behaviour: the
mean number of runs in the same clock window on the other days of the flow's
window (whole-day shifts that fit and do not overlap the silence); with no
other day (a one-day export), the rate in the hours before and after the
silence (max(silence, 1 h) each side) times its length.

A flow is *scheduled* when at least 4 intervals (start to start) are known and
at least 75% of them are within 20% of the median interval, its period. A
scheduled flow has a gap as soon as one run is missing, i.e. an interval over
1.5 periods, whatever ``gap_missed`` says; runs missed = round(interval /
period) - 1. So that a business-hours schedule is not blamed for its nights,
the time-of-day prediction must also expect at least one run there (when it
can be made). Any other flow is *event-driven* (irregular polls included) and
has a gap when at least ``gap_missed`` runs were expected: a quiet night is
not a gap when other nights (or the hours around it) were quiet too, while the
same silence at noon is.

GAP002: a silence of every flow at once (no run of any flow for longer than
``gap_min``) that at least two flows active before and after it would each
report as a gap is reported once, flow "(all flows)", and those flows' GAP001
gaps that contain it are dropped: a simultaneous stop of independent flows
points to missing export or retention, not to each flow.

Thresholds: silence strictly longer than ``gap_min``; interval strictly over
1.5 periods; expected runs at least ``gap_missed`` (inclusive). Severity is
medium; high when 3 or more scheduled runs were missed, when at least twice
``gap_missed`` event runs were expected, or when the silence outlasts
``delay_critical``.
Null policy: rows without any timestamp are not evaluable and are left out; a
flow with fewer than two runs has no interval and never a gap; an
event-driven flow with less than an hour of history around the silence and
no other day to compare has no prediction and no gap.
"""

from __future__ import annotations

import polars as pl

from forensics.detectors._base import Code, DetectContext, Detector
from forensics.detectors._timing import (
    expected_runs,
    human_duration,
    seconds,
    shared_runs,
    shared_schedules,
)
from forensics.detectors._windows import metrics_json
from forensics.findings import Severity

GAP001 = Code(
    code="GAP001",
    title="{flow} was silent for {duration} ({runs_expected} runs expected)",
    severity=Severity.MEDIUM,
    what=(
        "The flow logged no run for longer than its own schedule or its usual rate at that "
        "time of day allows: scheduled runs were missed, or events stopped arriving."
    ),
    why=(
        "Every update the flow should have carried in that window is missing or late at the "
        "destination, so counts drift until a later run catches up, if one does."
    ),
    fix=(
        "Check the platform's run history and error notifications for the window (scenario "
        "or Zap turned off, expired credentials, webhook subscription removed), replay what "
        "was missed, and alert on missed runs instead of relying on failed ones."
    ),
)

GAP002 = Code(
    code="GAP002",
    title="Every flow was silent for {duration}: missing export or retention likely",
    severity=Severity.MEDIUM,
    what=(
        "Several independent flows, each expected to run, all went silent over the same "
        "window, so the logs rather than the flows are the likely cause."
    ),
    why=(
        "A hole in the export or the platform's log retention hides whatever happened in "
        "that window, so this analysis cannot see drift, delays or retries there."
    ),
    fix=(
        "Re-export the logs covering the window (check the platform's retention period and "
        "export filters); if the logs are complete, treat it as a platform-wide outage."
    ),
)

ALL_FLOWS = "(all flows)"
# How many missed scheduled runs, or how many times gap_missed expected event
# runs, make a gap high severity instead of medium.
HIGH_MISSED_RUNS = 3
HIGH_EXPECTED_FACTOR = 2.0


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return GAP001 and GAP002 episodes in EPISODE_SCHEMA."""
    t = ctx.thresholds
    # NOTE: cache() because the optimizer does not see that the many uses of
    # these frames are one subplan; without it the runs are rebuilt ~20 times.
    flow_runs = shared_runs(events, ctx).cache()
    gaps = _flow_gaps(flow_runs, shared_schedules(events, ctx, flow_runs), ctx).cache()
    shared = _shared_silences(events, flow_runs, gaps, gap_min=t.gap_min.total_seconds())
    explained = shared.select("flow", "seq").unique()
    gap001 = gaps.join(explained, on=["flow", "seq"], how="anti").select(
        code=pl.lit("GAP001"),
        flow=pl.col("flow"),
        entity=pl.lit(None, pl.String),
        start=pl.col("silence_start"),
        end=pl.col("at"),
        severity=pl.col("severity"),
        metrics=metrics_json(
            trigger=pl.when("scheduled")
            .then(pl.lit("scheduled"))
            .otherwise(pl.lit("event_driven")),
            duration_seconds=pl.col("duration_seconds"),
            duration=human_duration(pl.col("duration_seconds")),
            usual_interval_seconds=pl.col("median_interval_seconds"),
            runs_expected=pl.col("runs_expected"),
            expected_from=pl.when("scheduled")
            .then(pl.lit("schedule"))
            .otherwise(pl.col("expected_from")),
            days_compared=pl.col("days_compared"),
            interval_seconds=seconds(pl.col("interval")),
        ),
        evidence_rows=pl.concat_list("bound_row", "first_row"),
        evidence_total=pl.lit(2, pl.UInt32),
    )
    gap002 = (
        shared.group_by("g_start", "g_end")
        .agg(
            flows=pl.col("flow").sort(),
            sources=pl.col("source").unique().sort(),
            flows_spanning=pl.col("flows_spanning").first(),
            # Per flow, in name order: its last run before and first run after.
            evidence=pl.concat_list("bound_row", "first_row").sort_by("flow").explode(),
        )
        .with_columns(
            duration_seconds=seconds(pl.col("g_end") - pl.col("g_start")),
        )
        .select(
            code=pl.lit("GAP002"),
            flow=pl.lit(ALL_FLOWS),
            entity=pl.lit(None, pl.String),
            start=pl.col("g_start"),
            end=pl.col("g_end"),
            severity=pl.lit(None, pl.String),
            metrics=metrics_json(
                duration_seconds=pl.col("duration_seconds"),
                duration=human_duration(pl.col("duration_seconds")),
                flows_silent=pl.col("flows").list.len(),
                flows_spanning=pl.col("flows_spanning"),
                flows=pl.col("flows").list.join(", "),
                sources=pl.col("sources").cast(pl.List(pl.String)).list.join(", "),
            ),
            evidence_rows=pl.col("evidence"),
            evidence_total=pl.col("evidence").list.len().cast(pl.UInt32),
        )
    )
    return pl.concat([gap001, gap002], how="vertical")


def _flow_gaps(
    flow_runs: pl.LazyFrame, flow_schedules: pl.LazyFrame, ctx: DetectContext
) -> pl.LazyFrame:
    """Silences that are gaps for their own flow (GAP001 before GAP002 dedup)."""
    t = ctx.thresholds
    key = ["flow", "seq"]
    silences = flow_runs.with_columns(
        duration_seconds=seconds(pl.col("at") - pl.col("silence_start"))
    ).filter(pl.col("duration_seconds") > t.gap_min.total_seconds())
    predicted = expected_runs(silences, flow_runs, key)
    candidates = silences.join(flow_schedules, on="flow", how="left").join(
        predicted, on=key, how="left"
    )
    periods = seconds(pl.col("interval")) / pl.col("median_interval_seconds")
    # A scheduled flow misses a run at 1.5 periods; its time-of-day rate must
    # still predict a run there (business-hours schedules have quiet nights).
    scheduled_gap = (
        pl.col("scheduled") & (periods > 1.5) & (pl.col("expected_runs").fill_null(1) >= 1)
    )
    event_gap = ~pl.col("scheduled") & (pl.col("expected_runs") >= t.gap_missed)
    missed = pl.max_horizontal(periods.round(0, mode="half_away_from_zero") - 1, pl.lit(1.0))
    runs_expected = pl.when("scheduled").then(missed).otherwise(pl.col("expected_runs").round(1))
    high = (
        pl.when("scheduled")
        .then(pl.col("runs_expected") >= HIGH_MISSED_RUNS)
        .otherwise(pl.col("runs_expected") >= HIGH_EXPECTED_FACTOR * t.gap_missed)
    ) | (pl.col("duration_seconds") > t.delay_critical.total_seconds())
    return (
        candidates.filter(scheduled_gap | event_gap)
        .with_columns(runs_expected=runs_expected)
        .with_columns(severity=pl.when(high).then(pl.lit("high")).otherwise(pl.lit("medium")))
    )


def _shared_silences(
    events: pl.LazyFrame, flow_runs: pl.LazyFrame, gaps: pl.LazyFrame, *, gap_min: float
) -> pl.LazyFrame:
    """Flow gaps that contain a silence of every flow seen by at least two gapped flows.

    One row per (global silence, flow gap): g_start, g_end, flow, seq, source,
    bound_row, first_row, flows_spanning.
    """
    # NOTE: only a silence inside a flow gap counts, and it ends at a run's
    # start no later than the last gap's end; later runs change nothing
    # before them. So only the runs up to there are sorted, and none at all
    # when no flow has a gap (the usual case, ~0.1 CPU s at 1M runs).
    last_gap_end = gaps.select(_last=pl.col("at").max())
    silent = _export_silences(
        flow_runs.join(last_gap_end, how="cross").filter(pl.col("at") <= pl.col("_last")),
        gap_min=gap_min,
    )
    spans = flow_runs.group_by("flow").agg(first=pl.col("at").min(), last=pl.col("end").max())
    spanning = (
        silent.join_where(
            spans, pl.col("first") <= pl.col("g_start"), pl.col("last") >= pl.col("g_end")
        )
        .group_by("g_start", "g_end")
        .agg(flows_spanning=pl.len().cast(pl.UInt32))
    )
    # NOTE: unique() first: the text of each distinct source, not of every row.
    sources = events.group_by("flow").agg(source=pl.col("source").unique().cast(pl.String).min())
    # By construction a flow's silence around a global one contains it.
    contained = (
        gaps.select("flow", "seq", "silence_start", "at", "bound_row", "first_row")
        .join_where(
            silent, pl.col("silence_start") <= pl.col("g_start"), pl.col("at") >= pl.col("g_end")
        )
        .join(spanning, on=["g_start", "g_end"], how="inner")
        .join(sources, on="flow", how="left")
    )
    gapped = pl.col("flow").n_unique().over("g_start", "g_end")
    return contained.filter((gapped >= 2) & (pl.col("flows_spanning") >= 2))


def _export_silences(flow_runs: pl.LazyFrame, *, gap_min: float) -> pl.LazyFrame:
    """Silences of the whole export: no run of any flow between g_start and g_end.

    Runs in (at, flow, first_row) order; a run ends a silence when it starts
    more than ``gap_min`` seconds after the latest end of the runs before it
    (``g_start``). Columns: g_start, g_end (that run's start).

    NOTE: the runs are sorted by ``at`` alone (a sort by the flow text as well
    cost twice as much at 1M runs). Every run sharing one ``at`` has the runs
    of earlier times before it (``_before``, the same for all of them); only
    the order among runs of the same ``at`` needs the flow, and that is
    settled on the few times where ``_before`` leaves room for a silence.
    """
    first_at = pl.col("at").ne_missing(pl.col("at").shift(1))
    # Row order is the sort's: within one plan, with_columns and filter keep it.
    before = pl.when(first_at).then(pl.col("end").cum_max().shift(1)).forward_fill()
    # The latest end of the runs before this one among those of the same time.
    tied = pl.col("end").cum_max().shift(1).over("at", order_by=["flow", "first_row"])
    silence = seconds(pl.col("at") - pl.col("g_start")) > gap_min
    return (
        flow_runs.select("at", "end", "flow", "first_row")
        .sort("at")
        .with_columns(_before=before)
        # The first time has no earlier run: only its own ties can bound a silence.
        .filter(pl.col("_before").is_null() | (seconds(pl.col("at") - pl.col("_before")) > gap_min))
        .with_columns(g_start=pl.max_horizontal("_before", tied))
        .filter(silence)
        .select("g_start", g_end=pl.col("at"))
    )


DETECTOR = Detector(
    name="gaps",
    codes=(GAP001, GAP002),
    requires=(
        "row",
        "source",
        "flow",
        "run_id",
        "status",
        "occurred_at",
        "received_at",
        "processed_at",
    ),
    detect=detect,
)
