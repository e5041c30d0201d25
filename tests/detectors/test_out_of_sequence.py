"""OOS001 semantics on hand-built histories: what is stale, what is repaired, what is not."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext, out_of_sequence
from forensics.detectors._base import EPISODE_SCHEMA

CTX = DetectContext(thresholds=Thresholds())


def detect(frame: pl.DataFrame) -> list[dict[str, Any]]:
    episodes = out_of_sequence.detect(frame.lazy(), CTX).collect()
    assert episodes.schema == EPISODE_SCHEMA
    rows = episodes.sort("flow", "entity", "start").to_dicts()
    for row in rows:
        row["metrics"] = json.loads(row["metrics"])
    return rows


def test_oos001_older_first_attempt_applied_last_and_never_repaired_is_high() -> None:
    found = detect(
        events(
            dict(
                occurred_at=["21:40:05", "21:40:09"],
                processed_at=["21:40:20", "21:40:12"],
                quantity=[12, 9],
            )
        )
    )
    assert len(found) == 1
    (episode,) = found
    assert episode["severity"] == "high"
    assert episode["metrics"]["quantity_effect"] == 3
    assert episode["metrics"]["stale_value"] == 12
    assert episode["metrics"]["correct_value"] == 9
    assert episode["metrics"]["repaired"] is False
    assert episode["metrics"]["stood_seconds"] is None
    # Evidence: the newer write it overwrote (row 1), then the stale write (row 0).
    assert episode["evidence_rows"] == [1, 0]
    assert str(episode["start"]).startswith("2026-04-06 21:40:20")


def test_oos001_stale_write_repaired_by_a_later_update_is_medium_with_time_stood() -> None:
    found = detect(
        events(
            dict(
                occurred_at=["10:15:00", "10:15:20", "11:00:00"],
                processed_at=["10:15:41", "10:15:21", "11:00:01"],
                quantity=[40, 37, 35],
            )
        )
    )
    (episode,) = found
    assert episode["severity"] == "medium"
    assert episode["metrics"]["stale_value"] == 40
    assert episode["metrics"]["correct_value"] == 37
    assert episode["metrics"]["quantity_effect"] == 3
    assert episode["metrics"]["repaired"] is True
    assert episode["metrics"]["stood_seconds"] == 44 * 60 + 20
    assert episode["evidence_rows"] == [1, 0, 2]
    assert str(episode["end"]).startswith("2026-04-06 11:00:01")


def test_oos001_in_order_writes_are_not_reported() -> None:
    frame = events(
        dict(
            occurred_at=["09:00", "09:01", "09:02"],
            processed_at=["09:00:05", "09:01:05", "09:02:05"],
            quantity=[3, 2, 1],
        )
    )
    assert detect(frame) == []


def test_oos001_equal_occurred_at_is_not_out_of_order() -> None:
    frame = events(
        dict(
            occurred_at=["09:00", "09:00"],
            processed_at=["09:00:05", "09:00:06"],
            quantity=[28, 27],
        )
    )
    assert detect(frame) == []


def test_oos001_equal_apply_time_is_ordered_by_file_position() -> None:
    # Same processed_at: row order decides. Older event first in the file: in order.
    in_order = events(dict(occurred_at=["09:00", "09:01"], processed_at="09:05", quantity=[5, 4]))
    assert detect(in_order) == []
    # Newer event first in the file, older one second: the older one lands last.
    swapped = events(dict(occurred_at=["09:01", "09:00"], processed_at="09:05", quantity=[4, 5]))
    (episode,) = detect(swapped)
    assert episode["evidence_rows"] == [0, 1]
    assert episode["metrics"]["quantity_effect"] == 1


def test_oos001_retries_are_left_to_the_retry_detector() -> None:
    frame = events(
        dict(
            occurred_at=["09:00", "09:01", "09:00"],
            processed_at=["09:00:01", "09:01:01", "09:03"],
            attempt=[1, 1, 2],
            quantity=[10, 8, 10],
        )
    )
    assert detect(frame) == []


def test_oos001_failed_deliveries_do_not_set_the_destination_value() -> None:
    # The newer event failed (HTTP 500), so the older one landing later is not stale.
    frame = events(
        dict(
            occurred_at=["09:00", "09:01"],
            processed_at=["09:00:30", "09:00:10"],
            status=["ok", "error"],
            quantity=[10, 8],
        )
    )
    assert detect(frame) == []


def test_oos001_entities_and_flows_are_judged_separately() -> None:
    # Interleaved updates of two locations and two flows: each key is in order.
    frame = events(
        dict(
            flow=["F", "F", "G", "G"],
            location=["DC1", "ST1", "DC1", "DC1"],
            occurred_at=["09:01", "09:00", "09:05", "09:06"],
            processed_at=["09:01:01", "09:02", "09:05:01", "09:06:01"],
            quantity=[1, 2, 3, 4],
        )
    )
    assert detect(frame) == []


def test_oos001_entity_is_sku_at_location_when_location_known() -> None:
    frame = events(
        dict(
            sku="SKU-A",
            location="DC1",
            occurred_at=["09:01", "09:00"],
            processed_at=["09:02", "09:03"],
            quantity=[815, 830],
        )
    )
    (episode,) = detect(frame)
    assert episode["entity"] == "SKU-A@DC1"
    assert episode["flow"] == "F"


def test_oos001_rows_without_sku_or_source_time_are_not_evaluated() -> None:
    frame = events(
        dict(
            sku=[None, "A", "A"],
            occurred_at=["08:00", None, "09:00"],
            processed_at=["09:10", "09:11", "09:00:01"],
            quantity=[1, 2, 3],
        )
    )
    assert detect(frame) == []


def test_oos001_consecutive_stale_writes_form_one_episode() -> None:
    frame = events(
        dict(
            occurred_at=["09:03", "09:00", "09:01", "09:04"],
            processed_at=["09:03:01", "09:05", "09:06", "09:07"],
            quantity=[7, 10, 9, 6],
        )
    )
    (episode,) = detect(frame)
    assert episode["metrics"]["stale_writes"] == 2
    assert episode["evidence_rows"] == [0, 1, 2, 3]
    assert episode["severity"] == "medium"


def test_oos001_two_separate_episodes_on_one_entity_are_two_findings() -> None:
    frame = events(
        dict(
            occurred_at=["09:01", "09:00", "09:02", "10:01", "10:00"],
            processed_at=["09:01:01", "09:01:30", "09:02:01", "10:01:01", "10:01:30"],
            quantity=[5, 6, 4, 3, 4],
        )
    )
    found = detect(frame)
    assert [e["severity"] for e in found] == ["medium", "high"]
    assert found[1]["metrics"]["quantity_effect"] == 1


def test_oos001_null_quantities_still_report_the_episode_without_an_effect() -> None:
    frame = events(
        dict(occurred_at=["09:01", "09:00"], processed_at=["09:02", "09:03"], quantity=None)
    )
    (episode,) = detect(frame)
    assert episode["metrics"]["quantity_effect"] is None


def test_oos001_received_at_is_the_apply_time_when_processed_at_is_missing() -> None:
    frame = events(
        dict(occurred_at=["09:01", "09:00"], received_at=["09:02", "09:03"], quantity=[1, 2])
    )
    (episode,) = detect(frame)
    assert episode["metrics"]["quantity_effect"] == 1


def test_oos001_redelivered_event_id_is_left_to_the_retry_detector() -> None:
    # A replay at attempt 1 of an event id already applied is a retry (RTY001), not OOS001.
    frame = events(
        dict(
            event_id=["e1", "e2", "e1"],
            occurred_at=["09:00", "09:01", "09:00"],
            processed_at=["09:00:01", "09:01:01", "09:03"],
            quantity=[10, 8, 10],
        )
    )
    assert detect(frame) == []


def test_oos001_same_event_id_on_other_entities_is_still_a_first_delivery() -> None:
    # One batch event for two SKUs: the second SKU's write is not a repeat.
    frame = events(
        dict(
            sku=["B", "A", "A"],
            event_id=["batch-1", "batch-2", "batch-1"],
            occurred_at=["09:00", "09:01", "09:00"],
            processed_at=["09:00:01", "09:01:01", "09:03"],
            quantity=[1, 8, 10],
        )
    )
    (episode,) = detect(frame)
    assert episode["entity"] == "A"
    assert episode["evidence_rows"] == [1, 2]
