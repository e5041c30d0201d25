"""The CLI: exit codes, one-sentence errors, outputs written, summary on stdout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from forensics.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs"
FIXED_EPOCH = "1775520000"


def run(*args: str) -> tuple[int, str, str]:
    runner = CliRunner(env={"SOURCE_DATE_EPOCH": FIXED_EPOCH})
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_missing_path_exits_2_with_one_sentence_and_no_traceback() -> None:
    code, out, err = run("analyze", "/nonexistent")
    assert code == 2
    assert out == ""
    assert err == (
        "forensics: error: /nonexistent: no such file or folder; check the path and retry.\n"
    )


def test_folder_with_nothing_readable_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    code, _, err = run("analyze", str(tmp_path))
    assert code == 2
    assert "no readable export found in 1 file(s)" in err
    assert "notes.txt: no known export format recognised" in err
    assert err.count("\n") == 1


def test_bad_config_exits_2_naming_the_file(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "logs")
    (tmp_path / "logs" / "forensics.toml").write_text("[thresholds]\ngap_mins = 1\n")
    code, _, err = run("analyze", str(tmp_path / "logs"))
    assert code == 2
    assert "logs/forensics.toml: [thresholds] has unknown key(s) gap_mins" in err


def test_unknown_fail_on_is_a_usage_error() -> None:
    code, _, err = run("analyze", str(SAMPLE), "--fail-on", "sometimes")
    assert code == 2
    assert "Invalid value for '--fail-on'" in err


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("never", 0), ("critical", 1), ("high", 1), ("medium", 1), ("low", 1)],
)
def test_fail_on_exits_1_only_at_or_above_the_threshold(fail_on: str, expected: int) -> None:
    code, _, _ = run("analyze", str(SAMPLE), "--fail-on", fail_on)
    assert code == expected


def test_analyze_writes_all_three_outputs(tmp_path: Path) -> None:
    html, js, md = tmp_path / "r.html", tmp_path / "f.json", tmp_path / "r.md"
    code, out, _ = run(
        "analyze", str(SAMPLE), "--html", str(html), "--json", str(js), "--md", str(md)
    )
    assert code == 0
    assert html.read_text().startswith("<!doctype html>")
    assert json.loads(js.read_text())["schema_version"] == 1
    assert md.read_text().startswith("#")
    assert f"Report: {html}" in out


def test_unwritable_output_is_one_sentence(tmp_path: Path) -> None:
    code, _, err = run("analyze", str(SAMPLE), "--json", str(tmp_path / "no" / "such" / "f.json"))
    assert code == 2
    assert "cannot write the findings" in err
    assert err.count("\n") == 1


def test_summary_on_stdout(
    monkeypatch: pytest.MonkeyPatch, snapshot_text: SnapshotAssertion
) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run("analyze", "sample_logs")
    assert code == 0
    assert out == snapshot_text


def test_formats_lists_every_registered_format() -> None:
    code, out, _ = run("formats")
    assert code == 0
    assert "webhook.request_log" in out
