"""Every hostile fixture in one folder, analysed by the CLI end to end (step 4).

The run must finish with exit 0 or 1 and no traceback, write strict JSON, and
account for every walked file: each one is an input or a skip, and each
input's counts add up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hostile._fixtures import hook_line, hostile_corpus, ndjson, write_tree

from forensics.findings import MAX_REJECTIONS_LISTED
from forensics.schema import NOTE_CODES
from parsers._walk import walk


def _no_constants(name: str) -> Any:
    raise AssertionError(f"findings.json holds the non-standard constant {name}")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    base = tmp_path_factory.mktemp("hostile")
    root = write_tree(base / "export", hostile_corpus())
    secret = base / "outside.ndjson"
    secret.write_bytes(ndjson(hook_line(1)))
    (root / "b49_link.ndjson").symlink_to(secret)
    (root / "b50_loop").symlink_to(root)
    out = base / "out"
    out.mkdir()
    command = [
        sys.executable,
        "-m",
        "forensics",
        "analyze",
        str(root),
        "--json",
        str(out / "findings.json"),
        "--html",
        str(out / "report.html"),
        "--md",
        str(out / "report.md"),
    ]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    return root, done


def test_cli_finishes_without_a_traceback(analysed: tuple[Path, Any]) -> None:
    _, done = analysed
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_findings_account_for_every_walked_file(analysed: tuple[Path, Any]) -> None:
    root, _ = analysed
    text = (root.parent / "out" / "findings.json").read_text(encoding="utf-8")
    document = json.loads(text, parse_constant=_no_constants)
    inputs = {item["file"]: item for item in document["inputs"]}
    skipped = {item["file"] for item in document["skipped"]}
    walked = {entry.file for entry in walk(root)}
    assert walked <= set(inputs) | skipped
    for item in inputs.values():
        assert 0 <= item["rejected"] <= item["records"], item["file"]
        assert sum(item["reasons"].values()) == item["rejected"], item["file"]
        assert len(item["rejections"]) == min(item["rejected"], MAX_REJECTIONS_LISTED)
    # Spot checks that the hostile cases really went through the readers.
    assert inputs["b03_garbage.ndjson"]["reasons"] == {"invalid_json": 1}
    assert inputs["b31_deep.ndjson"]["reasons"] == {"too_deep": 1}
    assert inputs["zapier/b30_digits.json"]["reasons"] == {"invalid_json": 1}
    assert "b54_slip.zip!/../evil.ndjson" in skipped
    assert "b49_link.ndjson" in skipped


def test_reports_are_written_and_escape_hostile_values(analysed: tuple[Path, Any]) -> None:
    root, _ = analysed
    html = (root.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert (root.parent / "out" / "report.md").stat().st_size > 0


def test_notes_are_counted_in_findings_and_explained_in_the_report(
    analysed: tuple[Path, Any],
) -> None:
    root, _ = analysed
    document = json.loads((root.parent / "out" / "findings.json").read_text(encoding="utf-8"))
    inputs = {item["file"]: item for item in document["inputs"]}
    # Copies of one delivery across the corpus files also add merged_into_other_rows.
    assert inputs["b24_bidi_xss.ndjson"]["notes"]["bidi_control"] == 1
    assert inputs["b26_dupkey.ndjson"]["notes"]["duplicate_key"] == 1
    assert inputs["b27_nan.ndjson"]["notes"]["nonfinite_number"] == 1
    html = (root.parent / "out" / "report.html").read_text(encoding="utf-8")
    for code in ("bidi_control", "duplicate_key", "nonfinite_number"):
        assert code in html and NOTE_CODES[code] in html
