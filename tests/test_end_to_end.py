"""sample_logs end to end: findings.json and the report, snapshotted and deterministic."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from forensics.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs"
FIXED_EPOCH = "1775520000"


def analyze(out: Path) -> dict[str, str]:
    runner = CliRunner(env={"SOURCE_DATE_EPOCH": FIXED_EPOCH})
    result = runner.invoke(
        main,
        [
            "analyze",
            str(SAMPLE),
            "--json",
            str(out / "findings.json"),
            "--html",
            str(out / "report.html"),
            "--md",
            str(out / "report.md"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return {
        name: (out / name).read_text(encoding="utf-8")
        for name in ("findings.json", "report.html", "report.md")
    }


def test_findings_json_snapshot(tmp_path: Path, snapshot_json: SnapshotAssertion) -> None:
    assert json.loads(analyze(tmp_path)["findings.json"]) == snapshot_json


def test_html_report_snapshot(tmp_path: Path, snapshot_html: SnapshotAssertion) -> None:
    assert analyze(tmp_path)["report.html"] == snapshot_html


def test_markdown_summary_snapshot(tmp_path: Path, snapshot_text: SnapshotAssertion) -> None:
    assert analyze(tmp_path)["report.md"] == snapshot_text


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert analyze(tmp_path / "a") == analyze(tmp_path / "b")


def test_sample_logs_planted_cases_are_found_with_evidence(tmp_path: Path) -> None:
    doc = json.loads(analyze(tmp_path)["findings.json"])
    oos = {f["entity"]: f for f in doc["findings"] if f["code"] == "OOS001"}
    assert set(oos) == {"44817175673@65011147124", "45599694571@74372833794"}
    repaired, stale = oos["44817175673@65011147124"], oos["45599694571@74372833794"]
    assert repaired["severity"] == "medium"
    assert (repaired["metrics"]["stale_value"], repaired["metrics"]["correct_value"]) == (40, 37)
    assert [e["line"] for e in repaired["evidence"]] == [75, 74, 94]
    assert stale["severity"] == "high"
    assert stale["metrics"]["quantity_effect"] == 3
    assert [e["line"] for e in stale["evidence"]] == [336, 335]
    (source,) = [i for i in doc["inputs"] if i["format"] == "webhook.request_log"]
    assert (source["records"], source["rejected"]) == (346, 1)
    assert source["rejections"][0]["line"] == 239


def test_no_planted_secret_reaches_any_output(tmp_path: Path) -> None:
    raw = (SAMPLE / "webhooks" / "storefront-receiver").glob("*.ndjson")
    secrets = set()
    for path in raw:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "shpat_" in line:
                token = line.split("shpat_", 1)[1][:32]
                secrets.add("shpat_" + token)
    assert secrets
    for text in analyze(tmp_path).values():
        for secret in secrets:
            assert secret not in text
