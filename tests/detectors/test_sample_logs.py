"""One snapshot per detector family of its findings on sample_logs/ (ruff's snapshot per code)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from forensics.analysis import analyze
from forensics.config import load_config
from forensics.detectors import DETECTORS
from forensics.findings import AnalysisResult

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"


@cache
def sample_result() -> AnalysisResult:
    return analyze(SAMPLE, load_config(SAMPLE))


@pytest.mark.parametrize("name", [d.name for d in DETECTORS])
def test_findings(name: str, snapshot_json: SnapshotAssertion) -> None:
    result = sample_result()
    assert result.errors == ()
    found = [f.to_json() for f in result.findings if f.detector == name]
    assert found == snapshot_json
