"""The engine isolates failing detectors and turns episodes into bounded findings."""

from __future__ import annotations

import time

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext, out_of_sequence
from forensics.detectors._base import EPISODE_SCHEMA, Detector
from forensics.engine import run_detectors
from forensics.findings import Severity

CTX = DetectContext(thresholds=Thresholds())
STALE = events(
    dict(
        file="w.ndjson",
        line=[10, 11],
        record=[10, 11],
        occurred_at=["09:00", "09:01"],
        processed_at=["09:03", "09:02"],
        quantity=[12, 9],
    )
)


def _boom(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    raise RuntimeError("kaput\nsecond line")


def test_failing_detector_is_recorded_and_the_others_still_report() -> None:
    broken = Detector("broken", (), ("sku",), _boom)
    findings, errors = run_detectors(STALE, CTX, (broken, out_of_sequence.DETECTOR))
    assert [f.code for f in findings] == ["OOS001"]
    assert len(errors) == 1
    assert errors[0].startswith("The broken detector failed (RuntimeError: kaput)")


def test_detector_returning_the_wrong_schema_is_an_error_not_a_crash() -> None:
    wrong = Detector("wrong", (), ("sku",), lambda e, c: pl.LazyFrame({"x": [1]}))
    findings, errors = run_detectors(STALE, CTX, (wrong,))
    assert findings == []
    assert "wrong detector failed (TypeError" in errors[0]


def test_episode_becomes_a_finding_with_evidence_locations_and_docs() -> None:
    (finding,), errors = run_detectors(STALE, CTX, (out_of_sequence.DETECTOR,))
    assert errors == []
    assert finding.severity is Severity.HIGH
    assert finding.title == "Out-of-order delivery left A at a stale quantity"
    assert [(e.file, e.line) for e in finding.evidence] == [("w.ndjson", 11), ("w.ndjson", 10)]
    assert finding.metrics["quantity_effect"] == 3
    assert isinstance(finding.metrics["quantity_effect"], int)
    assert finding.recommendation == out_of_sequence.OOS001.fix
    assert finding.explanation.startswith(out_of_sequence.OOS001.what)


def test_evidence_is_bounded_to_twenty_rows_with_the_total_kept() -> None:
    n = 30
    frame = events(
        dict(
            occurred_at=["10:00", *[f"09:{i:02d}" for i in range(n)]],
            processed_at=["10:00:01", *[f"10:{i + 1:02d}" for i in range(n)]],
            quantity=list(range(n + 1)),
        )
    )
    (finding,), _ = run_detectors(frame, CTX, (out_of_sequence.DETECTOR,))
    assert len(finding.evidence) == 20
    assert finding.evidence_total == n + 1


def _reading(name: str, built: list[str]) -> Detector:
    """A detector whose episodes come from a preparation every instance shares."""

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        built.append(name)
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return frame.select("row")

    def detect(frame: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
        rows = ctx.shared.frame(frame, "rows", build)
        nothing = [pl.lit(None, dtype).alias(column) for column, dtype in EPISODE_SCHEMA.items()]
        return rows.with_columns(nothing).select(EPISODE_SCHEMA.names()).filter(False)

    return Detector(name, (), ("row",), detect)


def test_concurrent_detectors_build_a_shared_preparation_once() -> None:
    built: list[str] = []
    ctx = DetectContext(thresholds=Thresholds())
    readers = [_reading(f"reader{i}", built) for i in range(4)]
    findings, errors = run_detectors(STALE, ctx, readers)
    assert (findings, errors) == ([], [])
    assert len(built) == 1


def test_findings_and_errors_keep_detector_order_whatever_finishes_first() -> None:
    def slow_boom(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
        time.sleep(0.1)
        raise RuntimeError("slow")

    detectors = (
        Detector("slow", (), ("sku",), slow_boom),
        out_of_sequence.DETECTOR,
        Detector("broken", (), ("sku",), _boom),
        out_of_sequence.DETECTOR,
    )
    findings, errors = run_detectors(STALE, DetectContext(thresholds=Thresholds()), detectors)
    assert [f.code for f in findings] == ["OOS001", "OOS001"]
    assert [e.split(" detector")[0] for e in errors] == ["The slow", "The broken"]


def test_a_failing_shared_preparation_is_an_error_of_each_detector_that_reads_it() -> None:
    def broken_build(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.select(pl.col("no_such_column"))

    def reads_broken(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
        return ctx.shared.frame(events, "broken", broken_build)

    detectors = (
        Detector("first", (), ("sku",), reads_broken),
        out_of_sequence.DETECTOR,
        Detector("second", (), ("sku",), reads_broken),
    )
    findings, errors = run_detectors(STALE, DetectContext(thresholds=Thresholds()), detectors)
    assert [f.code for f in findings] == ["OOS001"]
    assert [e.split(" (")[0] for e in errors] == [
        "The first detector failed",
        "The second detector failed",
    ]
    assert all("ColumnNotFoundError" in e for e in errors)
