"""GAP001 / GAP002 semantics: missed schedules, silences at busy hours, export holes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext
from forensics.detectors import gaps as gaps_detector
from forensics.detectors._base import EPISODE_SCHEMA

CTX = DetectContext(thresholds=Thresholds())
DAY = datetime(2026, 4, 6, tzinfo=UTC)
# Irregular spacing in minutes: median 8, only one in five within 20% of it.
IRREGULAR = (3, 11, 6, 17, 8)


def at(hour: float, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour)


def every(minutes: float, start: datetime, end: datetime) -> list[datetime]:
    """Run times every `minutes` from start to end inclusive."""
    count = int((end - start) / timedelta(minutes=minutes)) + 1
    return [start + timedelta(minutes=minutes * i) for i in range(count)]


def irregular(start: datetime, end: datetime) -> list[datetime]:
    """Irregularly spaced run times from start up to end."""
    out, now = [], start
    for step in cycle(IRREGULAR):
        if now > end:
            return out
        out.append(now)
        now += timedelta(minutes=step)
    raise AssertionError("unreachable")


def daytime(days: int, skip: tuple[datetime, datetime] | None = None) -> list[datetime]:
    """Irregular event traffic 07:00-21:00 on each day, none at night, minus a skipped window."""
    times = [t for d in range(days) for t in irregular(at(7, d), at(21, d))]
    if skip:
        times = [t for t in times if not skip[0] < t < skip[1]]
    return times


def flow_runs(times: list[datetime], flow: str = "F") -> dict[str, list[Any]]:
    """One single-record run per time."""
    return {
        "flow": [flow] * len(times),
        "run_id": [f"{flow}-{i}" for i in range(len(times))],
        "processed_at": list(times),
    }


def merge(*specs: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {key: [v for spec in specs for v in spec[key]] for key in specs[0]}


def detect(spec: dict[str, Any], ctx: DetectContext = CTX) -> list[dict[str, Any]]:
    episodes = gaps_detector.detect(events(spec).lazy(), ctx).collect()
    assert episodes.schema == EPISODE_SCHEMA
    rows = episodes.sort("code", "flow", "start").to_dicts()
    for row in rows:
        row["metrics"] = json.loads(row["metrics"])
    return rows


# -- scheduled flows ---------------------------------------------------------------------------


def test_gap001_scheduled_flow_missing_one_run_is_a_gap() -> None:
    times = [t for t in every(15, at(8), at(12)) if t != at(10)]
    (gap,) = detect(flow_runs(times))
    assert gap["code"] == "GAP001"
    assert gap["entity"] is None
    assert (gap["start"], gap["end"]) == (at(9.75), at(10.25))
    assert gap["severity"] == "medium"
    assert gap["metrics"] == {
        "trigger": "scheduled",
        "duration_seconds": 1800,
        "duration": "30 min",
        "usual_interval_seconds": 900,
        "runs_expected": 1,
        "expected_from": "schedule",
        "days_compared": 0,
        "interval_seconds": 1800,
    }
    # Evidence: the last run before the silence, the first after it.
    assert gap["evidence_rows"] == [7, 8]
    assert gap["evidence_total"] == 2


def test_gap001_scheduled_jitter_of_seconds_is_not_a_gap() -> None:
    jitter = cycle((0, 7, -5, 3, -8, 6))
    times = [t + timedelta(seconds=next(jitter)) for t in every(15, at(8), at(12))]
    assert detect(flow_runs(times)) == []


def test_gap001_interval_of_exactly_one_and_a_half_periods_is_not_a_gap() -> None:
    # 15-minute schedule that slips by half a period once: 22.5 minutes is not "over 1.5".
    times = every(15, at(8), at(10)) + every(15, at(10, 0) + timedelta(minutes=22.5), at(12))
    assert detect(flow_runs(times)) == []


def test_gap001_interval_just_over_one_and_a_half_periods_is_a_gap() -> None:
    late = at(10) + timedelta(minutes=22.5, seconds=1)
    (gap,) = detect(flow_runs(every(15, at(8), at(10)) + every(15, late, at(12))))
    assert gap["metrics"]["trigger"] == "scheduled"
    assert gap["metrics"]["runs_expected"] == 1


def test_gap001_silence_of_exactly_gap_min_is_not_a_gap() -> None:
    # 5-minute schedule missing two runs: 15 minutes of silence is not longer than gap_min.
    times = every(5, at(8), at(9)) + every(5, at(9) + timedelta(minutes=15), at(10))
    assert detect(flow_runs(times)) == []


def test_gap001_silence_just_over_gap_min_on_a_schedule_is_a_gap() -> None:
    times = every(5, at(8), at(9)) + every(5, at(9) + timedelta(minutes=15, seconds=1), at(10))
    (gap,) = detect(flow_runs(times))
    assert gap["metrics"]["runs_expected"] == 2
    assert gap["metrics"]["duration_seconds"] == 901


def test_gap001_three_missed_scheduled_runs_are_high() -> None:
    times = [t for t in every(15, at(8), at(12)) if not at(9.9) < t < at(10.7)]
    (gap,) = detect(flow_runs(times))
    assert gap["metrics"]["runs_expected"] == 3
    assert gap["severity"] == "high"


def test_gap001_business_hours_schedule_is_not_a_gap_at_night() -> None:
    # Every 15 minutes 08:00-18:00 on three days: the nights are quiet every night.
    times = [t for d in range(3) for t in every(15, at(8, d), at(18, d))]
    assert detect(flow_runs(times)) == []


def test_gap001_business_hours_schedule_missing_a_run_by_day_is_a_gap() -> None:
    times = [t for d in range(3) for t in every(15, at(8, d), at(18, d)) if t != at(10, 1)]
    (gap,) = detect(flow_runs(times))
    assert (gap["start"], gap["end"]) == (at(9.75, 1), at(10.25, 1))
    assert gap["metrics"]["runs_expected"] == 1


# -- event-driven flows ------------------------------------------------------------------------


def test_gap001_event_flow_quiet_nights_are_not_gaps() -> None:
    assert detect(flow_runs(daytime(3))) == []


def test_gap001_event_flow_silence_at_noon_is_a_gap() -> None:
    times = daytime(3, skip=(at(11, 1), at(13, 1)))
    (gap,) = detect(flow_runs(times))
    metrics = gap["metrics"]
    assert metrics["trigger"] == "event_driven"
    assert metrics["usual_interval_seconds"] == 8 * 60
    # Predicted from the same clock window on the two other days.
    assert (metrics["expected_from"], metrics["days_compared"]) == ("other_days", 2)
    # About 6.7 runs an hour at that time on the other days, over about two hours.
    assert 12 <= metrics["runs_expected"] <= 15
    assert gap["severity"] == "high"
    assert at(10.8, 1) <= gap["start"] <= at(11, 1) <= at(13, 1) <= gap["end"] <= at(13.3, 1)
    before, after = gap["evidence_rows"]
    assert times[before] == gap["start"] and times[after] == gap["end"]


def one_day(skip: tuple[datetime, datetime]) -> list[datetime]:
    """One or two runs an hour at night (00:00-07:00, 21:00-24:00), busy 07:00-21:00."""
    night = cycle((31, 46, 38, 52))
    times, now = [], at(0)
    while now < at(24):
        times.append(now)
        busy = at(7) <= now < at(21)
        now += timedelta(minutes=next(night) if not busy else IRREGULAR[len(times) % 5])
    return [t for t in times if not skip[0] < t < skip[1]]


def test_gap001_one_day_export_quiet_night_is_not_a_gap() -> None:
    assert detect(flow_runs(one_day(skip=(at(2.5), at(4))))) == []


def test_gap001_one_day_export_same_silence_at_noon_is_a_gap() -> None:
    (gap,) = detect(flow_runs(one_day(skip=(at(11.5), at(13)))))
    assert gap["metrics"]["expected_from"] == "nearby_hours"
    assert gap["metrics"]["runs_expected"] >= 6


def test_gap001_irregular_healthy_traffic_with_longer_waits_is_not_a_gap() -> None:
    # One day of irregular traffic with a few 20-25 minute pauses: few runs expected in each.
    times = daytime(1)
    for pause in (at(9), at(12), at(16)):
        times = [t for t in times if not pause < t < pause + timedelta(minutes=22)]
    assert detect(flow_runs(times)) == []


def test_gap001_gap_missed_is_inclusive() -> None:
    # One day, silent 10:00-11:00. With no other day to compare, the rate of the
    # hour before and the hour after applies: 6 + 6 runs in those 2 hours = 6 expected.
    def runs_from(hour: int, minutes: tuple[int, ...]) -> list[datetime]:
        return [at(hour) + timedelta(minutes=m) for m in minutes]

    times = (
        runs_from(8, (0, 7, 19, 26, 41, 50))
        + runs_from(9, (3, 14, 22, 37, 51, 60))
        + runs_from(11, (0, 8, 17, 29, 44, 56))
        + runs_from(12, (5, 18, 27, 39, 52, 60))
    )
    spec = flow_runs(times)
    (gap,) = detect(spec, DetectContext(thresholds=Thresholds(gap_missed=6)))
    assert gap["metrics"]["runs_expected"] == 6
    assert gap["metrics"]["expected_from"] == "nearby_hours"
    assert gap["severity"] == "medium"
    assert detect(spec, DetectContext(thresholds=Thresholds(gap_missed=7))) == []


def test_gap001_flow_with_a_single_run_never_has_a_gap() -> None:
    spec = {"run_id": "only", "processed_at": [at(8), at(9), at(12)], "sku": ["A", "B", "C"]}
    assert detect(spec) == []


def test_gap001_flow_with_one_record_never_has_a_gap() -> None:
    assert detect({"processed_at": at(8)}) == []


def test_gap001_rows_without_timestamps_are_skipped() -> None:
    times = [t for t in every(15, at(8), at(12)) if t != at(10)]
    spec = flow_runs([*times, None, None])
    (gap,) = detect(spec)
    assert gap["evidence_rows"] == [7, 8]


def test_gap001_runs_collapse_by_run_id_with_occurred_at_as_last_resort() -> None:
    # Each run carries three records; the time of a run is its earliest best timestamp.
    times = [t for t in every(15, at(8), at(12)) if t != at(10)]
    spec = {
        "run_id": [f"r{i}" for i in range(len(times)) for _ in range(3)],
        "occurred_at": [t + timedelta(seconds=s) for t in times for s in (0, 20, 40)],
    }
    (gap,) = detect(spec)
    assert gap["metrics"]["runs_expected"] == 1
    assert gap["start"] == at(9.75) + timedelta(seconds=40)
    assert gap["metrics"]["interval_seconds"] == 1800


# -- silences of every flow --------------------------------------------------------------------


def test_gap002_silence_across_all_flows_is_reported_once_instead_of_per_flow() -> None:
    batch = [t for t in every(15, at(7), at(21)) if not at(11) < t < at(13)]
    spec = merge(
        flow_runs(batch, flow="ERP batch"),
        flow_runs(daytime(1, skip=(at(11), at(13))), flow="Shop webhooks"),
    )
    (gap,) = detect(spec)
    assert gap["code"] == "GAP002"
    assert gap["flow"] == "(all flows)"
    assert gap["entity"] is None
    assert gap["severity"] is None  # the code's default (medium)
    assert at(10.8) <= gap["start"] <= at(11) and at(13) <= gap["end"] <= at(13.3)
    assert gap["metrics"]["flows"] == "ERP batch, Shop webhooks"
    assert gap["metrics"]["flows_silent"] == 2
    assert gap["metrics"]["flows_spanning"] == 2
    assert gap["metrics"]["sources"] == "webhook"
    assert gap["evidence_total"] == 4
    # Per flow, the last run before and the first run after: ERP batch, then webhooks.
    before, after = gap["evidence_rows"][:2]
    assert spec["processed_at"][before] == at(11) and spec["processed_at"][after] == at(13)


def test_gap002_not_reported_when_another_flow_kept_running() -> None:
    batch = [t for t in every(15, at(7), at(21)) if not at(11) < t < at(13)]
    spec = merge(flow_runs(batch, flow="ERP batch"), flow_runs(daytime(1), flow="Shop webhooks"))
    (gap,) = detect(spec)
    assert (gap["code"], gap["flow"]) == ("GAP001", "ERP batch")


def test_gap002_never_for_a_single_flow() -> None:
    found = detect(flow_runs([t for t in every(15, at(8), at(12)) if not at(9) < t < at(11)]))
    assert [g["code"] for g in found] == ["GAP001"]


def test_gap002_not_reported_when_only_one_flow_expected_runs() -> None:
    # A scheduled flow misses runs while the other, sparse flow was quiet anyway.
    batch = [t for t in every(15, at(7), at(21)) if not at(11) < t < at(13)]
    sparse = [at(7), at(9.5), at(14), at(18), at(21)]
    spec = merge(flow_runs(batch, flow="ERP batch"), flow_runs(sparse, flow="Returns"))
    assert [(g["code"], g["flow"]) for g in detect(spec)] == [("GAP001", "ERP batch")]


def test_gap002_empty_input_has_no_findings() -> None:
    frame = events({"processed_at": at(8)}).clear()
    assert gaps_detector.detect(frame.lazy(), CTX).collect().height == 0


def _export_silences(runs: list[tuple[float, float, str, int]]) -> list[tuple[float, float]]:
    """Export silences of runs given as (start hour, end hour, flow, first_row), in hours."""
    frame = pl.LazyFrame(
        {
            "at": [at(r[0]) for r in runs],
            "end": [at(r[1]) for r in runs],
            "flow": [r[2] for r in runs],
            "first_row": [r[3] for r in runs],
        }
    )
    found = gaps_detector._export_silences(frame, gap_min=3600).collect()
    hours = [[(t - DAY) / timedelta(hours=1) for t in found[c]] for c in ("g_start", "g_end")]
    return sorted(zip(*hours, strict=True))


def test_export_silence_runs_of_one_time_follow_flow_then_first_row() -> None:
    # Three runs start at 12:00. One logged its end (10:00) before its start,
    # so whether it counts before the others' silence depends on the order:
    # flow first (A before B), then first row, whatever the rows' own order.
    early, before = (9.0, 9.1, "B", 0), (12.0, 10.0, "A", 5)
    others = [(12.0, 12.5, "B", 1), (12.0, 12.2, "B", 2)]
    assert _export_silences([early, *others, before]) == [(9.1, 12.0), (10.0, 12.0)]
    # As flow C (after B), the early-ending run comes last and bounds nothing.
    last = (12.0, 10.0, "C", 0)
    assert _export_silences([early, last, *others]) == [(9.1, 12.0)]


def test_export_silence_among_the_first_runs_of_the_export() -> None:
    # The first runs have nothing before them; among runs of the same first
    # time, an earlier one in order can still bound a silence.
    first = [(6.0, 4.0, "A", 1), (6.0, 6.5, "B", 0)]
    assert _export_silences(first) == [(4.0, 6.0)]
    assert _export_silences([(6.0, 4.0, "B", 1), (6.0, 6.5, "A", 0)]) == []
    assert _export_silences([(6.0, 6.5, "A", 0), (8.0, 8.0, "A", 1)]) == [(6.5, 8.0)]


def test_gap002_silence_ending_where_the_last_flow_gap_ends() -> None:
    # Both flows resume at the same instant: the export silence ends exactly
    # where the last flow gap ends, and runs up to there are all it needs.
    batch = [t for t in every(15, at(7), at(21)) if not at(11) < t < at(13)]
    spec = merge(flow_runs(batch, flow="ERP batch"), flow_runs(batch, flow="WMS batch"))
    (gap,) = detect(spec)
    assert (gap["code"], gap["start"], gap["end"]) == ("GAP002", at(11), at(13))
    assert gap["metrics"]["flows"] == "ERP batch, WMS batch"


def test_gap002_runs_after_the_last_flow_gap_do_not_change_it() -> None:
    batch = [t for t in every(15, at(7), at(21)) if not at(11) < t < at(13)]
    spec = merge(flow_runs(batch, flow="ERP batch"), flow_runs(batch, flow="WMS batch"))
    # A third flow that only starts after the silence (so it spans none of it).
    later = flow_runs(every(15, at(14), at(21)), flow="Shop batch")
    assert detect(merge(spec, later)) == detect(spec)
