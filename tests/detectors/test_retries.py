"""RTY001, RTY002 and IDM001 semantics on hand-built histories, with their decoys."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext, build_registry, out_of_sequence, retries
from forensics.detectors._base import EPISODE_SCHEMA

CTX = DetectContext(thresholds=Thresholds())


def detect(frame: pl.DataFrame, code: str, detector: Any = retries) -> list[dict[str, Any]]:
    episodes = detector.detect(frame.lazy(), CTX).collect()
    assert episodes.schema == EPISODE_SCHEMA
    rows = episodes.filter(pl.col("code") == code).sort("flow", "entity", "start").to_dicts()
    for row in rows:
        row["metrics"] = json.loads(row["metrics"])
    return rows


def test_retries_detector_passes_the_registry_checks() -> None:
    codes = build_registry((out_of_sequence.DETECTOR, retries.DETECTOR))
    assert {"RTY001", "RTY002", "IDM001"} <= set(codes)
    assert retries.DETECTOR.name == "retries"


# --- RTY001 stale retry overwrite -------------------------------------------------


def test_rty001_late_retry_after_a_newer_write_never_repaired_is_high() -> None:
    # e1 (09:00, 10 units) failed, e2 (09:01, 8) applied, e1's retry lands at 09:30.
    frame = events(
        dict(
            event_id=["e1", "e2", "e1"],
            attempt=[1, 1, 2],
            status=["error", "ok", "ok"],
            occurred_at=["09:00", "09:01", "09:00"],
            received_at=["09:00:01", "09:01:01", "09:30"],
            processed_at=[None, "09:01:02", "09:30:01"],
            quantity=[10, 8, 10],
        )
    )
    (episode,) = detect(frame, "RTY001")
    assert episode["severity"] == "high"
    assert episode["entity"] == "A"
    metrics = episode["metrics"]
    assert metrics["quantity_effect"] == 2  # wrote 10 over 8
    assert metrics["stale_value"] == 10
    assert metrics["overwritten_value"] == 8
    assert metrics["correct_value"] == 8
    assert metrics["attempt"] == 2
    assert metrics["original_at"] == "2026-04-06T09:00:01Z"  # the failed first attempt
    assert metrics["original_applied_at"] is None  # it never landed
    assert metrics["repaired"] is False
    assert metrics["stood_seconds"] is None
    assert metrics["stale_by_seconds"] == 60
    # Evidence: the newer write overwritten, the original attempt, the stale retry.
    assert episode["evidence_rows"] == [1, 0, 2]
    assert str(episode["start"]).startswith("2026-04-06 09:30:01")
    assert str(episode["end"]).startswith("2026-04-06 09:30:01")


def test_rty001_stale_retry_repaired_by_a_later_update_is_medium_with_time_stood() -> None:
    frame = events(
        dict(
            event_id=["e1", "e2", "e1", "e3"],
            attempt=[1, 1, 2, 1],
            occurred_at=["09:00", "09:01", "09:00", "10:00"],
            processed_at=["09:00:01", "09:01:01", "09:10:01", "10:00:01"],
            quantity=[10, 8, 10, 7],
        )
    )
    (episode,) = detect(frame, "RTY001")
    assert episode["severity"] == "medium"
    assert episode["metrics"]["repaired"] is True
    assert episode["metrics"]["stood_seconds"] == 50 * 60
    assert episode["metrics"]["original_applied_at"] == "2026-04-06T09:00:01Z"
    assert episode["evidence_rows"] == [1, 0, 2, 3]
    assert str(episode["end"]).startswith("2026-04-06 10:00:01")


def test_rty001_quantity_effect_is_negative_when_the_retry_writes_less() -> None:
    # A receipt raised stock to 50; the late retry of an earlier sale writes 42 over it.
    frame = events(
        dict(
            attempt=[1, 2],
            occurred_at=["09:05", "09:00"],
            processed_at=["09:05:01", "09:20"],
            quantity=[50, 42],
        )
    )
    (episode,) = detect(frame, "RTY001")
    assert episode["metrics"]["quantity_effect"] == -8
    assert episode["metrics"]["overwritten_value"] == 50
    assert episode["metrics"]["stale_value"] == 42


def test_rty001_benign_retry_with_nothing_newer_in_between_is_not_reported() -> None:
    # The sample's decoy: HTTP 500, then Shopify's retry a minute later succeeds.
    frame = events(
        dict(
            idempotency_key="wh-1",
            event_id="ev-1",
            attempt=[1, 2],
            status=["error", "ok"],
            occurred_at="13:59:54",
            received_at=["14:00:00", "14:01:01"],
            processed_at=[None, "14:01:02"],
            quantity=129,
        )
    )
    assert detect(frame, "RTY001") == []
    assert detect(frame, "RTY002") == []
    assert detect(frame, "OOS001", out_of_sequence) == []


def test_rty001_retry_of_an_event_that_is_still_the_newest_is_not_reported() -> None:
    # e2 failed first, was retried after e1 had landed: e2 is still the newest event.
    frame = events(
        dict(
            event_id=["e1", "e2", "e2"],
            attempt=[1, 1, 2],
            status=["ok", "error", "ok"],
            occurred_at=["09:00", "09:01", "09:01"],
            processed_at=["09:00:01", "09:01:01", "09:15"],
            quantity=[10, 8, 8],
        )
    )
    assert detect(frame, "RTY001") == []


def test_rty001_repeat_of_an_applied_event_id_is_a_retry_even_at_attempt_one() -> None:
    # A replay the platform did not number: same event id, already applied before e2.
    frame = events(
        dict(
            event_id=["e1", "e2", "e1"],
            occurred_at=["09:00", "09:01", "09:00"],
            processed_at=["09:00:01", "09:01:01", "09:30"],
            quantity=[10, 8, 10],
        )
    )
    (episode,) = detect(frame, "RTY001")
    assert episode["metrics"]["attempt"] == 1
    assert episode["metrics"]["original_applied_at"] == "2026-04-06T09:00:01Z"
    assert detect(frame, "OOS001", out_of_sequence) == []


def test_rty001_consecutive_stale_retries_form_one_episode() -> None:
    frame = events(
        dict(
            attempt=[1, 2, 2, 1],
            occurred_at=["09:03", "09:00", "09:01", "09:04"],
            processed_at=["09:03:01", "09:05", "09:06", "09:07"],
            quantity=[7, 10, 9, 6],
        )
    )
    (episode,) = detect(frame, "RTY001")
    assert episode["metrics"]["stale_writes"] == 2
    assert episode["metrics"]["overwritten_value"] == 7
    assert episode["metrics"]["stale_value"] == 9
    assert episode["metrics"]["quantity_effect"] == 2
    assert episode["evidence_rows"] == [0, 1, 2, 3]
    assert episode["severity"] == "medium"


def test_rty001_entity_is_sku_at_location_and_flows_are_judged_separately() -> None:
    frame = events(
        dict(
            flow=["F", "G", "F", "F"],
            sku="SKU-A",
            location=["DC1", "DC1", "ST1", "DC1"],
            attempt=[1, 1, 1, 2],
            occurred_at=["09:00", "09:05", "09:05", "08:59"],
            processed_at=["09:00:01", "09:05:01", "09:05:01", "09:10"],
            quantity=[5, 4, 3, 6],
        )
    )
    (episode,) = detect(frame, "RTY001")
    assert (episode["flow"], episode["entity"]) == ("F", "SKU-A@DC1")
    assert episode["metrics"]["quantity_effect"] == 1


def test_rty001_rows_without_source_time_are_not_evaluated() -> None:
    frame = events(
        dict(
            attempt=[1, 2],
            occurred_at=["09:05", None],
            processed_at=["09:05:01", "09:20"],
            quantity=[50, 42],
        )
    )
    assert detect(frame, "RTY001") == []


def test_rty001_stale_first_delivery_is_left_to_oos001() -> None:
    frame = events(
        dict(
            event_id=["e2", "e1"],
            occurred_at=["09:01", "09:00"],
            processed_at=["09:01:01", "09:02"],
            quantity=[8, 10],
        )
    )
    assert detect(frame, "RTY001") == []
    assert len(detect(frame, "OOS001", out_of_sequence)) == 1


def test_rty001_and_oos001_never_report_the_same_write() -> None:
    # One entity: a stale first delivery (row 2, OOS001), a repair (row 3), then a
    # late retry of e1 (row 4, RTY001) and a replay of e2 at attempt 1 (row 5, RTY001).
    frame = events(
        dict(
            event_id=["e1", "e3", "e2", "e4", "e1", "e2"],
            attempt=[1, 1, 1, 1, 2, 1],
            occurred_at=["09:00", "09:02", "09:01", "09:03", "09:00", "09:01"],
            processed_at=["09:00:01", "09:02:01", "09:02:30", "09:03:01", "09:10", "09:11"],
            quantity=[10, 8, 9, 7, 10, 9],
        )
    )
    oos = detect(frame, "OOS001", out_of_sequence)
    rty = detect(frame, "RTY001")
    assert len(oos) == 1 and len(rty) == 1

    def stale_writes(found: list[dict[str, Any]], stale: set[int]) -> set[int]:
        return {row for e in found for row in e["evidence_rows"] if row in stale}

    stale = {2, 4, 5}
    assert stale_writes(oos, stale) == {2}
    assert stale_writes(rty, stale) == {4, 5}
    assert rty[0]["metrics"]["stale_writes"] == 2
    assert rty[0]["severity"] == "high"


# --- RTY002 duplicate application ---------------------------------------------------


def test_rty002_exact_duplicate_applied_twice_is_reported() -> None:
    frame = events(
        dict(
            event_id="mv-1",
            attempt=[1, 2],
            occurred_at="09:00",
            processed_at=["09:00:01", "09:05"],
            quantity=12,
        )
    )
    (episode,) = detect(frame, "RTY002")
    assert episode["entity"] == "A"
    assert episode["severity"] == "low"  # an absolute level written twice moves nothing
    assert episode["metrics"] == {
        "event": "mv-1",
        "times_applied": 2,
        "extra_applications": 1,
        "quantity_per_application": 12,
        "same_quantity_each_time": True,
        "adjustment": False,
        "quantity_effect": None,
    }
    assert episode["evidence_rows"] == [0, 1]
    assert episode["evidence_total"] == 2


def test_rty002_adjustment_applied_three_times_doubles_the_effect() -> None:
    frame = events(
        dict(
            flow="3PL shipments -> ERP stock adjust",
            idempotency_key="ship-77",
            attempt=[1, 2, 3],
            status=["ok", "warning", "ok"],
            occurred_at="10:00",
            processed_at=["10:00:05", "10:05", "10:35"],
            quantity=-5,
        )
    )
    (episode,) = detect(frame, "RTY002")
    assert episode["severity"] == "high"
    assert episode["metrics"]["times_applied"] == 3
    assert episode["metrics"]["extra_applications"] == 2
    assert episode["metrics"]["adjustment"] is True
    assert episode["metrics"]["quantity_effect"] == -10
    assert str(episode["start"]).startswith("2026-04-06 10:00:05")
    assert str(episode["end"]).startswith("2026-04-06 10:35")


def test_rty002_one_failed_and_one_successful_delivery_is_not_a_duplicate() -> None:
    frame = events(
        dict(
            event_id="mv-1",
            attempt=[1, 2],
            status=["error", "ok"],
            occurred_at="09:00",
            processed_at=["09:00:01", "09:05"],
            quantity=12,
        )
    )
    assert detect(frame, "RTY002") == []


def test_rty002_same_id_on_another_flow_is_not_a_duplicate() -> None:
    # Shopify sends one event to every subscribed endpoint: one application per flow.
    frame = events(
        dict(
            flow=["ERP push", "WMS push"],
            event_id="ev-9",
            occurred_at="09:00",
            processed_at=["09:00:01", "09:00:02"],
            quantity=12,
        )
    )
    assert detect(frame, "RTY002") == []
    assert detect(frame, "RTY001") == []


def test_rty002_one_event_carrying_several_entities_is_not_a_duplicate() -> None:
    frame = events(
        dict(
            sku=["A", "B"],
            event_id="batch-3",
            occurred_at="09:00",
            processed_at="09:00:01",
            quantity=[1, 2],
        )
    )
    assert detect(frame, "RTY002") == []
    assert detect(frame, "IDM001") == []


# --- IDM001 missing idempotency -----------------------------------------------------


def test_idm001_retrying_flow_without_keys_is_reported() -> None:
    frame = events(
        dict(
            sku=["A", "B", "A", "C"],
            idempotency_key=[None, None, None, "k-4"],
            attempt=[1, 1, 2, 1],
            occurred_at=["09:00", "09:01", "09:00", "09:02"],
            processed_at=["09:00:01", "09:01:01", "09:10", "09:02:01"],
            quantity=[1, 2, 1, 3],
        )
    )
    (episode,) = detect(frame, "IDM001")
    assert episode["entity"] is None
    assert episode["severity"] is None  # the code's default (medium)
    assert episode["metrics"] == {
        "share_without_key": 0.75,
        "records": 4,
        "records_without_key": 3,
        "retries_seen": 1,
    }
    assert episode["evidence_rows"] == [2]
    assert str(episode["start"]).startswith("2026-04-06 09:00:01")
    assert str(episode["end"]).startswith("2026-04-06 09:10")


def test_idm001_repeated_event_ids_count_as_retries() -> None:
    frame = events(
        dict(
            event_id=["e1", "e1"],
            status=["error", "ok"],
            processed_at=["09:00:01", "09:05"],
            quantity=4,
        )
    )
    (episode,) = detect(frame, "IDM001")
    assert episode["metrics"]["retries_seen"] == 1
    assert episode["evidence_rows"] == [1]


def test_idm001_flow_with_keys_is_not_reported() -> None:
    frame = events(
        dict(
            idempotency_key=["k-1", "k-1"],
            attempt=[1, 2],
            status=["error", "ok"],
            processed_at=["09:00:01", "09:05"],
            quantity=4,
        )
    )
    assert detect(frame, "IDM001") == []


def test_idm001_exactly_half_without_key_is_not_reported() -> None:
    frame = events(
        dict(
            sku=["A", "A", "B", "C"],
            idempotency_key=[None, None, "k-3", "k-4"],
            attempt=[1, 2, 1, 1],
            processed_at=["09:00:01", "09:05", "09:06", "09:07"],
            quantity=[4, 4, 5, 6],
        )
    )
    assert detect(frame, "IDM001") == []


def test_idm001_flow_with_no_quantities_is_not_reported() -> None:
    frame = events(dict(attempt=[1, 2], status=["error", "ok"], processed_at=["09:00:01", "09:05"]))
    assert detect(frame, "IDM001") == []


def test_idm001_flow_without_retries_is_not_reported() -> None:
    frame = events(dict(sku=["A", "B"], processed_at=["09:00:01", "09:05"], quantity=[1, 2]))
    assert detect(frame, "IDM001") == []


def test_idm001_bare_run_summaries_do_not_count_as_records() -> None:
    # Three keyed records and five run summaries without record detail: 0% keyless.
    frame = events(
        dict(
            sku=["A", "A", "B", None, None, None, None, None],
            idempotency_key=["k-1", "k-1", "k-2", None, None, None, None, None],
            attempt=[1, 2, 1, 1, 1, 1, 1, 1],
            status=["error", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
            processed_at="09:00",
            quantity=[4, 4, 5, None, None, None, None, None],
        )
    )
    assert detect(frame, "IDM001") == []
