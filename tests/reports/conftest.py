"""Builders for report tests: findings and analysis results stated by what matters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from forensics.findings import AnalysisResult, Evidence, Finding, InputFile, Severity, Skipped
from forensics.schema import Rejection

GENERATED_AT = datetime(2026, 4, 7, tzinfo=UTC)


def _finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "id": "3f9c2a71b0de",
        "code": "OOS001",
        "detector": "out_of_sequence",
        "severity": Severity.HIGH,
        "title": "Out-of-order delivery left SKU-A@DC1 at a stale quantity",
        "flow": "ERP to storefront stock push",
        "entity": "SKU-A@DC1",
        "start": datetime(2026, 4, 6, 9, 12, 3, tzinfo=UTC),
        "end": datetime(2026, 4, 6, 9, 14, 40, tzinfo=UTC),
        "metrics": {"quantity_effect": -15, "stale_value": 815, "correct_value": 830},
        "evidence": (Evidence("make/logs.json", 120, 17), Evidence("make/logs.json", 131, 18)),
        "evidence_total": 2,
        "explanation": "A first attempt older than the applied value was written last.",
        "recommendation": "Apply writes in source-timestamp order or check a version.",
    }
    values.update(overrides)
    return Finding(**values)


def _result(**overrides: Any) -> AnalysisResult:
    rejection = Rejection(
        "make/logs.json", 7, "invalid_json", "Unexpected end of JSON.", 7, 812, '{"sku": "A",'
    )
    values: dict[str, Any] = {
        "tool_version": "0.1.0",
        "config": {
            "origin": "defaults",
            "tz": "UTC",
            "payload": {"sku": ["sku", "SKU"]},
            "thresholds": {"gap_missed": 6, "gap_min": "15m"},
            "systems": {"source_of_truth": "wms"},
            "flows": {},
        },
        "inputs": (
            InputFile(
                "make/logs.json",
                "make.scenario_logs",
                120,
                1,
                (rejection,),
                {"bom_stripped": 1},
                {"invalid_json": 1},
            ),
        ),
        "skipped": (Skipped("notes.txt", "no parser recognised the file"),),
        "summary": {
            "events": 118,
            "flows": 1,
            "skus": 5,
            "start": "2026-04-06T08:00:00Z",
            "end": "2026-04-06T18:00:00Z",
            "findings_by_severity": {},
            "drift": {},
            "files": 1,
            "records": 120,
            "rejected": 1,
            "skipped_files": 1,
            "per_flow": [
                {
                    "flow": "ERP to storefront stock push",
                    "source": "make",
                    "events": 118,
                    "skus": 5,
                    "start": "2026-04-06T08:00:00Z",
                    "end": "2026-04-06T18:00:00Z",
                }
            ],
        },
        "findings": (_finding(),),
        "redaction": {"enabled": True, "counts": {"bearer": 2, "email": 1}},
        "generated_at": GENERATED_AT,
    }
    values.update(overrides)
    return AnalysisResult(**values)


@pytest.fixture
def make_finding() -> Callable[..., Finding]:
    """Return a Finding builder: defaults for everything, keyword overrides."""
    return _finding


@pytest.fixture
def make_result() -> Callable[..., AnalysisResult]:
    """Return an AnalysisResult builder: one high finding, one file, one rejection."""
    return _result


@pytest.fixture(scope="session")
def sample_result() -> AnalysisResult:
    """The analysis of sample_logs/ with everything the report shows (timelines, excerpts).

    Until forensics.analysis fills ``timelines`` itself and the CLI attaches
    excerpts, this fixture does both, the way the integration will.
    """
    import dataclasses
    from pathlib import Path

    from forensics.analysis import analyze
    from forensics.config import load_config
    from forensics.loader import load
    from forensics.redact import Redactor
    from forensics.series import timeline_series
    from reports.evidence import attach_excerpts

    root = Path(__file__).resolve().parents[2] / "sample_logs"
    if not root.is_dir():
        pytest.skip("sample_logs/ is missing")
    config = load_config(root, None, tz="UTC")
    result = analyze(root, config, generated_at=GENERATED_AT)
    if not result.timelines:
        events = load(root, config, redactor=Redactor()).events
        result = dataclasses.replace(result, timelines=timeline_series(events))
    if not result.excerpts:
        result = attach_excerpts(result, root)
    return result
