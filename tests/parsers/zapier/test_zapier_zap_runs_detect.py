"""Recognising Zapier Zap-run exports, the platform's own sample included."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from forensics.config import PayloadKeys
from parsers._base import ParseContext
from parsers.zapier.zap_runs import PARSER

PAYLOAD = asdict(PayloadKeys())
REAL_SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "real-samples"


def run(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "7d0c1f52-3b9e-4c61-9a77-2f5e8d41c0ab",
        "zap_id": 204418877,
        "zap_title": "3PL shipments -> ERP stock adjust",
        "status": "success",
        "start_time": "2026-04-06T10:04:12.512000Z",
        "data_in": {"sku": "SKU-A", "on_hand": 847},
        "data_out": {"available": 847},
    }
    return {**base, **fields}


def envelope(*runs: Any) -> dict[str, Any]:
    return {"links": {"next": None, "prev": None}, "meta": {"count": len(runs)}, "data": list(runs)}


def ndjson(*records: Any) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


# --- the platform's own sample ---------------------------------------------------------


def test_real_zapier_sample_is_recognised_and_read_without_rejection() -> None:
    path = REAL_SAMPLES / "zapier" / "zap-runs.json"
    if not path.is_file():
        pytest.skip(f"real sample not found at {path}: the shared folder is not checked out")
    data = path.read_bytes()
    assert PARSER.sniff(data, path.name) > 0
    ctx = ParseContext("zapier/zap-runs.json", ZoneInfo("UTC"), PAYLOAD)
    result = PARSER.read(data, ctx)
    assert (result.records_seen, result.events.height, result.rejections) == (1, 1, [])
    row = PARSER.finalize(result.events).row(0, named=True)
    assert row["flow"] == "My Awesome Zap"
    assert row["run_id"] == "123e4567-e89b-12d3-a456-426614174000"
    assert (
        row["received_at"]
        == row["processed_at"]
        == datetime(2024, 10, 16, 6, 29, 10, 360000, tzinfo=UTC)
    )
    assert (row["status"], row["attempt"], row["sku"], row["quantity"]) == ("ok", 1, None, None)
    assert row["line"] == 9
    assert result.mappings.height == 0
    assert not result.notes


# --- sniffing --------------------------------------------------------------------------


def test_sniff_scores_partial_and_cut_records() -> None:
    assert PARSER.sniff(ndjson({"zap_title": "T", "status": "success"}), "x") == 0.8
    big = json.dumps(envelope(run(data_in={"blob": "x" * 70_000})), indent=2).encode()
    assert 0 < PARSER.sniff(big[: 64 * 1024], "x") < 0.9


def test_sniff_rejects_other_formats() -> None:
    webhook = {
        "received_at": "2026-04-06T09:12:04Z",
        "headers": {"X-Shopify-Topic": "inventory_levels/update"},
        "body": {"zap_id": 1, "status": "ok", "sku": "A"},
    }
    make = {"scenarioLogs": [{"imtId": "1_scenario.1.auto.x", "id": "x", "status": 1}], "pg": {}}
    boomi = {"@type": "QueryResult", "result": [{"@type": "ExecutionRecord", "status": "COMPLETE"}]}
    assert PARSER.sniff(ndjson(webhook), "x") == 0
    assert PARSER.sniff(json.dumps(make, indent=2).encode(), "x") == 0
    assert PARSER.sniff(json.dumps(boomi).encode(), "x") == 0
    assert PARSER.sniff(b"", "x") == PARSER.sniff(b"time,level\n", "x") == 0
    assert PARSER.sniff(json.dumps(envelope()).encode(), "x") == 0


def test_sniff_rejects_the_real_make_and_boomi_samples() -> None:
    files = sorted(
        p for p in REAL_SAMPLES.glob("*/**/*") if p.is_file() and "zapier" not in p.parts
    )
    if not files:
        pytest.skip(f"real samples not found under {REAL_SAMPLES}")
    assert {p.name: PARSER.sniff(p.read_bytes(), p.name) for p in files} == {
        p.name: 0 for p in files
    }
