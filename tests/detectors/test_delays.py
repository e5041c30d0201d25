"""DLY001 semantics and lag statistics on hand-built deliveries."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext, delays
from forensics.detectors._base import EPISODE_SCHEMA

CTX = DetectContext(thresholds=Thresholds())


def detect(spec: dict[str, Any], ctx: DetectContext = CTX) -> list[dict[str, Any]]:
    episodes = delays.detect(events(spec).lazy(), ctx).collect()
    assert episodes.schema == EPISODE_SCHEMA
    rows = episodes.sort("flow", "start").to_dicts()
    for row in rows:
        row["metrics"] = json.loads(row["metrics"])
    return rows


def test_dly001_consecutive_late_records_form_one_episode_with_the_lag_split() -> None:
    found = detect(
        dict(
            sku=["A", "B", "C", "D"],
            occurred_at=["09:00", "09:00", "09:01", "09:45"],
            received_at=["09:00:02", "09:01", "09:02", "09:45:01"],
            processed_at=["09:00:05", "09:20", "09:41", "09:45:03"],
        )
    )
    (episode,) = found
    assert episode["code"] == "DLY001"
    assert episode["entity"] is None
    assert episode["severity"] == "medium"
    assert str(episode["start"]).startswith("2026-04-06 09:20")
    assert str(episode["end"]).startswith("2026-04-06 09:41")
    assert episode["evidence_rows"] == [1, 2]
    assert episode["evidence_total"] == 2
    metrics = episode["metrics"]
    assert metrics["records"] == 2
    assert metrics["max_lag_seconds"] == 40 * 60
    assert metrics["max_lag"] == "40 min"
    assert metrics["median_lag_seconds"] == 30 * 60
    assert metrics["ingest_lag_median_seconds"] == 60
    assert metrics["queue_lag_median_seconds"] == 29 * 60
    assert metrics["lag_mostly_in"] == "queue"
    assert metrics["critical_records"] == 0
    assert metrics["likely_dropped_then_retried"] is False
    assert metrics["skus"] == 2


def test_dly001_episodes_are_split_by_an_on_time_record() -> None:
    found = detect(
        dict(
            occurred_at=["09:00", "09:35", "09:20", "09:30"],
            processed_at=["09:30", "09:36", "09:50", "10:00"],
        )
    )
    assert [e["evidence_rows"] for e in found] == [[0], [2, 3]]


def test_dly001_episodes_follow_apply_order_not_file_order() -> None:
    # The on-time record is second in the file but applied first, so it splits nothing.
    found = detect(
        dict(
            occurred_at=["09:00", "09:10", "09:20", "09:30"],
            processed_at=["09:30", "09:11", "09:50", "10:00"],
        )
    )
    assert [e["evidence_rows"] for e in found] == [[0, 2, 3]]


def test_dly001_lag_over_delay_critical_is_critical_and_says_likely_dropped() -> None:
    found = detect(
        dict(
            occurred_at=["2026-04-05T08:00", "09:00"],
            received_at=["2026-04-05T08:00:01", "09:00:01"],
            processed_at=["2026-04-06T09:00", "09:40"],
        )
    )
    (episode,) = found
    assert episode["severity"] == "critical"
    assert episode["metrics"]["critical_records"] == 1
    assert episode["metrics"]["likely_dropped_then_retried"] is True
    assert "likely dropped" in episode["metrics"]["diagnosis"]
    assert episode["metrics"]["max_lag"] == "1 d 1 h"


def test_dly001_lag_of_exactly_delay_warn_is_not_late() -> None:
    assert detect(dict(occurred_at="09:00", processed_at="09:15")) == []


def test_dly001_lag_one_second_over_delay_warn_is_late() -> None:
    (episode,) = detect(dict(occurred_at="09:00", processed_at="09:15:01"))
    assert episode["metrics"]["max_lag_seconds"] == 901


def test_dly001_lag_of_exactly_delay_critical_stays_medium() -> None:
    (episode,) = detect(dict(occurred_at="2026-04-05T09:00", processed_at="2026-04-06T09:00"))
    assert episode["severity"] == "medium"


def test_dly001_records_without_occurred_at_are_skipped_and_keep_the_episode_whole() -> None:
    found = detect(
        dict(
            occurred_at=["09:00", None, "09:02"],
            processed_at=["09:30", "09:31", "09:32"],
        )
    )
    (episode,) = found
    assert episode["evidence_rows"] == [0, 2]


def test_dly001_receipt_is_the_apply_time_when_the_log_shows_no_write_time() -> None:
    (episode,) = detect(dict(occurred_at="09:00", received_at="10:00", processed_at=None))
    assert episode["metrics"]["max_lag_seconds"] == 3600


def test_dly001_records_with_no_time_after_the_source_event_are_not_evaluated() -> None:
    assert detect(dict(occurred_at="09:00", received_at=None, processed_at=None)) == []


def test_dly001_failed_or_filtered_attempts_are_not_lag() -> None:
    spec = dict(
        occurred_at="09:00",
        processed_at=["10:00", "10:01", "10:02"],
        status=["error", "filtered", "pending"],
    )
    assert detect(spec) == []


def test_dly001_negative_lag_from_clock_skew_is_not_flagged() -> None:
    assert detect(dict(occurred_at="10:00", processed_at="09:00")) == []


def test_dly001_flows_are_judged_separately() -> None:
    found = detect(
        dict(
            flow=["F", "G", "F"],
            occurred_at=["09:00", "09:00", "09:30"],
            processed_at=["09:30", "09:31", "10:00"],
        )
    )
    assert [(e["flow"], e["evidence_rows"]) for e in found] == [("F", [0, 2]), ("G", [1])]


def test_dly001_run_summaries_without_sku_are_evaluated() -> None:
    (episode,) = detect(dict(sku=None, occurred_at="09:00", processed_at="10:00"))
    assert episode["metrics"]["skus"] == 0


def test_dly001_thresholds_come_from_the_config() -> None:
    ctx = DetectContext(thresholds=Thresholds(delay_warn=timedelta(minutes=1)))
    assert len(detect(dict(occurred_at="09:00", processed_at="09:05"), ctx)) == 1


def test_lag_stats_gives_percentiles_of_total_ingest_and_queue_lag_per_flow() -> None:
    frame = events(
        dict(
            flow=["F"] * 5 + ["G"],
            occurred_at=["09:00"] * 6,
            received_at=["09:01", "09:02", "09:03", "09:04", None, "09:00:30"],
            processed_at=["09:01", "09:03", "09:05", "09:07", "09:10", "09:01"],
            status=["ok", "ok", "ok", "warning", "ok", "ok"],
        )
    )
    stats = delays.lag_stats(frame.lazy()).collect()
    assert stats["flow"].to_list() == ["F", "G"]
    f = stats.row(0, named=True)
    assert f["records"] == 5
    assert f["lag_p50_seconds"] == 300
    assert f["lag_max_seconds"] == 600
    assert f["lag_p95_seconds"] == pytest.approx(600 - 0.05 * 4 * 180)
    assert f["ingest_p50_seconds"] == 150
    assert f["ingest_max_seconds"] == 240
    assert f["queue_p50_seconds"] == 90
    assert f["queue_max_seconds"] == 180
    assert set(stats.columns) == {
        "flow",
        "records",
        *(
            f"{part}_{stat}_seconds"
            for part in ("lag", "ingest", "queue")
            for stat in ("p50", "p95", "p99", "max")
        ),
    }


def test_lag_stats_of_no_measurable_rows_is_empty() -> None:
    frame = events(dict(occurred_at=None, processed_at="09:00"))
    assert delays.lag_stats(frame.lazy()).collect().height == 0
    assert isinstance(delays.lag_stats(frame.lazy()), pl.LazyFrame)


def test_shared_lag_stats_are_lag_stats_plus_the_unrounded_median() -> None:
    frame = events(
        dict(
            flow=["F", "F", "G"],
            occurred_at=["09:00"] * 3,
            processed_at=["2026-04-06T09:00:00.000400", "2026-04-06T09:00:00.000900", "09:01"],
        )
    )
    ctx = DetectContext(thresholds=Thresholds())
    shared = delays.shared_lag_stats(ctx.shared.bind(frame), ctx).collect()
    assert shared.drop("median_lag_seconds").equals(delays.lag_stats(frame.lazy()).collect())
    # The median is not rounded to milliseconds like the percentiles.
    assert shared["median_lag_seconds"].to_list() == [pytest.approx(0.00065), 60.0]
    assert shared["lag_p50_seconds"].to_list() == [0.001, 60.0]
