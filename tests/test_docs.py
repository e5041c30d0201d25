"""Docs cannot fall behind the code: README codes table, CLI help, tests per code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from forensics.cli import main
from forensics.detectors import CODES

REPO = Path(__file__).resolve().parent.parent


def codes_table() -> str:
    rows = [
        "| code | detector | default severity | what it means | fix |",
        "|---|---|---|---|---|",
    ]
    for code, (detector, doc) in sorted(CODES.items()):
        rows.append(f"| {code} | {detector.name} | {doc.severity.label} | {doc.what} | {doc.fix} |")
    return "\n".join(rows)


def test_readme_codes_table_matches_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- codes:start -->\n(.*?)\n<!-- codes:end -->", readme, re.S)
    assert block, "README.md lost its codes block"
    assert block.group(1) == codes_table(), "regenerate the README codes table from the registry"


def test_readme_quick_start_has_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make demo" in quick and "make test" in quick
    assert "make test" in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", [[], ["analyze"], ["diff"], ["formats"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_positive_and_negative_tests(code: str) -> None:
    names = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (REPO / "tests" / "detectors").glob("test_*.py")
    )
    tests = re.findall(rf"def (test_{code.lower()}_\w+)", names)
    assert any(re.search(r"not_|_no_|never|left_to", t) for t in tests), f"{code}: no negative test"
    assert any(not re.search(r"not_|_no_|never|left_to", t) for t in tests), (
        f"{code}: no positive test"
    )


def test_readme_demo_summary_is_what_make_demo_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- demo-summary:start -->\n```\n(.*?)\n```", readme, re.S)
    assert block, "README.md lost its demo summary block"
    monkeypatch.chdir(tmp_path)
    args = ["--html", "report.html", "--json", "findings.json", "--md", "report.md"]
    result = CliRunner().invoke(main, ["analyze", str(REPO / "sample_logs"), *args])
    assert result.exit_code == 0
    assert result.stdout.rstrip("\n") == block.group(1), "paste make demo's output into README"
