"""Attribution links a drifting entity to the findings on every flow that wrote it."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import events

from forensics.attribution import attribute
from forensics.config import Thresholds
from forensics.detectors import DetectContext, drift
from forensics.engine import run_detectors
from forensics.findings import Finding, Severity

CTX = DetectContext(thresholds=Thresholds())
WMS_ERP = "WMS to ERP inventory sync"
ZAP = "3PL shipments -> ERP stock adjust"
POS = "POS sales to ERP"


def gap_on(flow: str, start: str, end: str) -> Finding:
    day = "2026-04-06T"
    return Finding(
        id="g" * 12,
        code="GAP001",
        detector="gaps",
        severity=Severity.HIGH,
        title="t",
        flow=flow,
        entity=None,
        start=datetime.fromisoformat(day + start).replace(tzinfo=UTC),
        end=datetime.fromisoformat(day + end).replace(tzinfo=UTC),
        metrics={},
        evidence=(),
        evidence_total=0,
        explanation="e.",
        recommendation="r.",
    )


def test_flow_level_finding_on_an_earlier_writer_of_the_same_system_is_attributed() -> None:
    # POS and the Zap both write the ERP after the WMS sync; the Zap wrote last,
    # and the POS flow went silent after its last write of the SKU.
    frame = events(
        dict(
            flow=[WMS_ERP, POS, ZAP],
            sku="A",
            occurred_at=["09:00", "09:20", "09:30"],
            processed_at=["09:00:05", "09:20:05", "09:30:05"],
            quantity=[10, 8, 7],
        )
    )
    found, _ = run_detectors(frame, CTX, (drift.DETECTOR,))
    findings, summary = attribute(frame, CTX, [*found, gap_on(POS, "09:25", "10:00")])
    (drifting,) = [f for f in findings if f.code == "DRF001"]
    assert drifting.metrics["explained_by"] == "GAP001 gggggggggggg"
    assert summary["drifting_entities"] == 1


def test_flow_level_finding_that_ended_before_the_last_write_is_not_attributed() -> None:
    frame = events(
        dict(
            flow=[WMS_ERP, POS, ZAP],
            sku="A",
            occurred_at=["09:00", "09:20", "09:30"],
            processed_at=["09:00:05", "09:20:05", "09:30:05"],
            quantity=[10, 8, 7],
        )
    )
    found, _ = run_detectors(frame, CTX, (drift.DETECTOR,))
    findings, _ = attribute(frame, CTX, [*found, gap_on(POS, "08:00", "08:30")])
    (drifting,) = [f for f in findings if f.code == "DRF001"]
    assert drifting.metrics["explained_by"] is None
