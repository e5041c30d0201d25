"""SYN001 semantics and flow trigger classification on hand-built runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any

from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext, sync_triggers
from forensics.detectors._base import EPISODE_SCHEMA

CTX = DetectContext(thresholds=Thresholds())
DAY = datetime(2026, 4, 6, tzinfo=UTC)


def batch(
    period: timedelta,
    runs: int,
    records: int = 5,
    *,
    flow: str = "F",
    start: datetime = DAY,
    occurred: str = "moving",
    gaps: tuple[float, ...] = (),
) -> dict[str, list[Any]]:
    """Runs every `period` (or after the given irregular gaps in hours), `records` each.

    Records take 10 s each to write. `occurred` says when their source events
    happened: "moving" spreads them over the interval before the run, "stale"
    puts them a week earlier, "none" leaves occurred_at null.
    """
    starts = [start + period * i for i in range(runs)]
    if gaps:
        starts = [start]
        for hours, _ in zip(cycle(gaps), range(runs - 1), strict=False):
            starts.append(starts[-1] + timedelta(hours=hours))
    spec: dict[str, list[Any]] = {k: [] for k in ("flow", "run_id", "sku")}
    spec |= {"occurred_at": [], "processed_at": []}
    for i, run_at in enumerate(starts):
        previous = starts[i - 1] if i else run_at - period
        for k in range(records):
            spread = (run_at - previous) * (k + 0.5) / records
            spec["flow"].append(flow)
            spec["run_id"].append(f"{flow}-{i}")
            spec["sku"].append(f"SKU-{k}")
            spec["processed_at"].append(run_at + timedelta(seconds=10 * k))
            spec["occurred_at"].append(
                {"moving": previous + spread, "stale": run_at - timedelta(days=7), "none": None}[
                    occurred
                ]
            )
    return spec


def webhooks(runs: int, *, flow: str = "Shop webhooks") -> dict[str, list[Any]]:
    """Irregular single-record deliveries a couple of seconds after each event."""
    steps = cycle((3, 11, 6, 17, 8))
    times, now = [], DAY
    for _ in range(runs):
        times.append(now)
        now += timedelta(minutes=next(steps))
    return {
        "flow": [flow] * runs,
        "run_id": [f"{flow}-{i}" for i in range(runs)],
        "sku": ["A"] * runs,
        "occurred_at": times,
        "processed_at": [t + timedelta(seconds=2) for t in times],
    }


def merge(*specs: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {key: [v for spec in specs for v in spec[key]] for key in specs[0]}


def detect(spec: dict[str, Any], ctx: DetectContext = CTX) -> list[dict[str, Any]]:
    episodes = sync_triggers.detect(events(spec).lazy(), ctx).collect()
    assert episodes.schema == EPISODE_SCHEMA
    rows = episodes.sort("flow").to_dicts()
    for row in rows:
        row["metrics"] = json.loads(row["metrics"])
    return rows


def classify(spec: dict[str, Any], ctx: DetectContext = CTX) -> dict[str, dict[str, Any]]:
    frame = sync_triggers.classify_flows(events(spec).lazy(), ctx).collect()
    return {row["flow"]: row for row in frame.to_dicts()}


HOUR = timedelta(hours=1)


def test_syn001_hourly_batch_with_a_moving_source_is_flagged() -> None:
    (episode,) = detect(batch(HOUR, runs=8))
    assert episode["code"] == "SYN001"
    assert (episode["flow"], episode["entity"]) == ("F", None)
    assert episode["severity"] == "medium"
    assert episode["start"] == DAY
    assert episode["end"] == DAY + 7 * HOUR + timedelta(seconds=40)
    metrics = episode["metrics"]
    assert metrics["trigger"] == "scheduled_batch"
    assert metrics["period_seconds"] == 3600
    assert metrics["median_run_seconds"] == 40
    assert metrics["lag_window_seconds"] == 3640
    assert metrics["lag_window"] == "1 h"
    assert metrics["records_per_run"] == 5
    assert metrics["runs"] == 8
    assert metrics["moving_share"] == 1
    # Evidence: the first record of each run.
    assert episode["evidence_rows"] == [5 * i for i in range(8)]
    assert episode["evidence_total"] == 8


def test_syn001_event_driven_flow_is_not_flagged() -> None:
    spec = webhooks(60)
    assert detect(spec) == []
    flow = classify(spec)["Shop webhooks"]
    assert flow["trigger"] == "event_driven"
    assert flow["lag_window_seconds"] == 2
    assert flow["period_seconds"] is None


def test_syn001_batch_whose_lag_window_is_under_delay_warn_is_not_flagged() -> None:
    assert detect(batch(timedelta(minutes=5), runs=12)) == []


def same_second_batch() -> dict[str, list[Any]]:
    """A 15-minute batch whose records are all written in the same second: window = 900 s."""
    spec = batch(timedelta(minutes=15), runs=10)
    spec["processed_at"] = [t.replace(second=0) for t in spec["processed_at"]]
    return spec


def test_syn001_lag_window_of_exactly_delay_warn_is_not_flagged() -> None:
    spec = same_second_batch()
    assert classify(spec)["F"]["lag_window_seconds"] == 900
    assert detect(spec) == []


def test_syn001_lag_window_one_second_over_delay_warn_is_flagged() -> None:
    spec = same_second_batch()
    # The last record of each run is written one second after the others.
    spec["processed_at"] = [
        t + timedelta(seconds=1 if i % 5 == 4 else 0) for i, t in enumerate(spec["processed_at"])
    ]
    (episode,) = detect(spec)
    assert episode["metrics"]["lag_window_seconds"] == 901


def test_syn001_batch_of_a_source_that_did_not_move_is_not_flagged() -> None:
    spec = batch(HOUR, runs=8, occurred="stale")
    assert detect(spec) == []
    assert classify(spec)["F"]["moving_share"] == 0


def test_syn001_batch_without_occurred_at_is_never_flagged() -> None:
    spec = batch(HOUR, runs=8, occurred="none")
    assert detect(spec) == []
    flow = classify(spec)["F"]
    assert flow["trigger"] == "scheduled_batch"
    assert flow["moving_share"] is None and flow["source_moving"] is False


def test_syn001_batch_backed_by_an_event_driven_flow_between_the_same_systems_is_not_flagged() -> (
    None
):
    spec = merge(batch(HOUR, runs=8, flow="ERP nightly"), webhooks(60, flow="ERP webhooks"))
    ctx = DetectContext(
        thresholds=Thresholds(),
        flows={"ERP nightly": ("wms", "erp"), "ERP webhooks": ("wms", "erp")},
    )
    assert detect(spec, ctx) == []
    assert classify(spec, ctx)["ERP nightly"]["covered_by"] == "ERP webhooks"


def test_syn001_batch_with_an_undeclared_event_flow_alongside_is_flagged() -> None:
    # Without [flows] saying both join wms and erp, the batch is the only known path.
    spec = merge(batch(HOUR, runs=8, flow="ERP nightly"), webhooks(60, flow="ERP webhooks"))
    assert [e["flow"] for e in detect(spec)] == ["ERP nightly"]


def test_syn001_daily_batch_is_high() -> None:
    (episode,) = detect(batch(timedelta(days=1), runs=6))
    assert episode["severity"] == "high"
    assert episode["metrics"]["lag_window"] == "1 d"


def test_syn001_on_demand_poll_with_long_waits_is_flagged() -> None:
    spec = batch(HOUR, runs=9, gaps=(0.5, 2.0, 1.0, 3.0, 1.5))
    (episode,) = detect(spec)
    assert episode["metrics"]["trigger"] == "on_demand_poll"
    assert episode["metrics"]["period_seconds"] is None
    # Median of the intervals 0.5, 0.5, 1, 1, 1.5, 2, 2, 3 hours, plus the run time.
    assert episode["metrics"]["lag_window_seconds"] == 1.25 * 3600 + 40


def test_classify_flows_gives_one_row_per_flow_with_its_evidence() -> None:
    spec = merge(
        batch(HOUR, runs=8, flow="Batch"),
        webhooks(60, flow="Hooks"),
        batch(HOUR, runs=9, flow="Poll", gaps=(0.5, 2.0, 1.0, 3.0, 1.5)),
        batch(HOUR, runs=1, flow="Once"),
    )
    frame = sync_triggers.classify_flows(events(spec).lazy(), CTX).collect()
    assert frame.columns == list(sync_triggers.PUBLIC_COLUMNS)
    assert frame["flow"].to_list() == ["Batch", "Hooks", "Once", "Poll"]
    assert frame["trigger"].to_list() == [
        "scheduled_batch",
        "event_driven",
        "undetermined",
        "on_demand_poll",
    ]
    batch_row = frame.row(0, named=True)
    assert batch_row["on_schedule_share"] == 1
    assert batch_row["interval_cv"] == 0
    assert batch_row["exceeds_delay_warn"] is True


def test_classify_flows_regular_single_records_with_quick_lag_are_event_driven() -> None:
    # A sensor-like source changing every 5 minutes, pushed within seconds: events, not a batch.
    times = [DAY + timedelta(minutes=5 * i) for i in range(20)]
    spec = {
        "run_id": [f"r{i}" for i in range(20)],
        "occurred_at": times,
        "processed_at": [t + timedelta(seconds=3) for t in times],
    }
    assert classify(spec)["F"]["trigger"] == "event_driven"
    # The same cadence carrying changes that waited for the run is a batch of one.
    spec["occurred_at"] = [t - timedelta(minutes=3) for t in times]
    assert classify(spec)["F"]["trigger"] == "scheduled_batch"
