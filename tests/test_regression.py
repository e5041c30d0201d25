"""Regression workflow: stable ids, diff, --baseline and the findings.json schema."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from forensics.cli import main
from forensics.testing import analyze_folder

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs"
WEBHOOK_LOG = next(SAMPLE.rglob("shopify-inventory-levels-*.ndjson"))
SCHEMA = json.loads(files("forensics").joinpath("findings.schema.json").read_text("utf-8"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def ids(document: dict[str, Any]) -> set[str]:
    return {f["id"] for f in document["findings"]}


@pytest.fixture(scope="module")
def original() -> dict[str, Any]:
    return analyze_folder(SAMPLE)


def copy_sample(tmp_path: Path) -> tuple[Path, Path]:
    target = tmp_path / "logs"
    shutil.copytree(SAMPLE, target)
    return target, target / WEBHOOK_LOG.relative_to(SAMPLE)


def edit_line(path: Path, number: int, change: Any) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = change(lines[number - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def stale_write_line(document: dict[str, Any], severity: str) -> int:
    """The line of the stale write of the planted OOS001 finding of this severity."""
    (finding,) = [
        f
        for f in document["findings"]
        if f["code"] == "OOS001" and f["severity"] == severity and f["flow"].startswith("inventory")
    ]
    return finding["evidence"][1]["line"]


def first_in_order_pair(path: Path, skip: set[str]) -> tuple[int, int]:
    """Two consecutive applied updates of one entity, not a planted case: (earlier, later).

    The two are minutes apart, so holding back the earlier one past the later one
    makes it land out of order without also being late enough to be a delay.
    """
    last: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, text in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            continue
        if record.get("status") != 200 or "processed_at" not in record:
            continue
        body = record["body"]
        entity = f"{body['inventory_item_id']}@{body['location_id']}"
        if entity in skip:
            continue
        if entity in last:
            before = datetime.fromisoformat(last[entity][1]["processed_at"])
            if datetime.fromisoformat(record["processed_at"]) - before < timedelta(minutes=5):
                return last[entity][0], number
        last[entity] = (number, record)
    raise AssertionError("no in-order pair found")


def test_findings_json_matches_the_shipped_schema(original: dict[str, Any]) -> None:
    jsonschema.validate(original, SCHEMA)


def test_schema_rejects_a_finding_without_an_id(original: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(original))
    del broken["findings"][0]["id"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_ids_do_not_depend_on_paths_or_file_order(tmp_path: Path, original: dict[str, Any]) -> None:
    # The same export under another root, deeper, with a file that sorts first.
    moved = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(SAMPLE, moved)
    (moved / "000-first.ndjson").write_text(
        '{"received_at": "2026-04-05T00:00:00Z", "endpoint": "/other", "headers": {}, "body": {}}\n'
    )
    assert ids(analyze_folder(moved)) == ids(original)


def test_removing_the_stale_write_resolves_exactly_that_finding(
    tmp_path: Path, original: dict[str, Any]
) -> None:
    folder, log = copy_sample(tmp_path)
    line = stale_write_line(original, "high")
    edit_line(log, line, lambda _: "")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(original))
    changed = analyze_folder(folder, baseline=old)
    (resolved,) = changed["baseline"]["resolved"]
    assert resolved["severity"] == "high" and resolved["code"] == "OOS001"
    assert changed["baseline"]["new"] == 0
    assert changed["baseline"]["unchanged"] == len(original["findings"]) - 1
    assert {f["baseline"] for f in changed["findings"]} == {"unchanged"}
    jsonschema.validate(changed, SCHEMA)


def test_one_delayed_write_shows_exactly_one_new_finding(
    tmp_path: Path, original: dict[str, Any]
) -> None:
    folder, log = copy_sample(tmp_path)
    planted = {f["entity"] for f in original["findings"]}
    earlier, later = first_in_order_pair(log, planted)
    later_done = json.loads(log.read_text(encoding="utf-8").split("\n")[later - 1])["processed_at"]
    stalled = datetime.fromisoformat(later_done).astimezone(UTC) + timedelta(seconds=5)

    def delay(text: str) -> str:
        record = json.loads(text)
        record["processed_at"] = stalled.isoformat().replace("+00:00", "Z")
        return json.dumps(record)

    edit_line(log, earlier, delay)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(original))
    code, _, _ = run("analyze", str(folder), "--json", str(new), "--baseline", str(old))
    assert code == 0
    document = json.loads(new.read_text())
    fresh = [f for f in document["findings"] if f["baseline"] == "new"]
    assert len(fresh) == 1 and fresh[0]["code"] == "OOS001"
    assert document["baseline"]["resolved"] == []

    code, out, _ = run("diff", str(old), str(new))
    assert code == 0
    assert out.splitlines()[0] == (
        f"{old} -> {new}: 1 new, 0 resolved, {len(original['findings'])} unchanged"
    )
    assert f"NEW       {fresh[0]['severity'].upper()}" in out
    code, out, _ = run("diff", str(old), str(new), "--json", "--fail-on-new")
    assert code == 1
    comparison = json.loads(out)
    assert comparison["counts"] == {
        "new": 1,
        "resolved": 0,
        "unchanged": len(original["findings"]),
    }
    assert [f["id"] for f in comparison["new_findings"]] == [fresh[0]["id"]]


def test_diff_of_identical_files_is_all_unchanged_and_exit_0(
    tmp_path: Path, original: dict[str, Any]
) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(original))
    code, out, _ = run("diff", str(path), str(path), "--fail-on-new")
    assert code == 0
    assert f": 0 new, 0 resolved, {len(original['findings'])} unchanged" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"a": 1}', "not a findings.json"),
        ('{"schema_version": 9, "findings": []}', "schema_version 9 is not 1"),
    ],
)
def test_diff_of_a_bad_file_is_one_sentence_and_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out, err = run("diff", str(bad), str(bad))
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_missing_baseline_fails_before_the_analysis(tmp_path: Path) -> None:
    code, _, err = run("analyze", str(SAMPLE), "--baseline", str(tmp_path / "nope.json"))
    assert code == 2
    assert "no such findings file" in err


def test_baseline_marks_show_in_html_and_markdown(tmp_path: Path, original: dict[str, Any]) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps(original))
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    code, out, _ = run(
        "analyze", str(SAMPLE), "--baseline", str(old), "--html", str(html), "--md", str(md)
    )
    assert code == 0
    n = len(original["findings"])
    assert f"compared with old.json: 0 new, {n} unchanged, 0 resolved" in out
    assert "Compared with" in html.read_text() and "badge-unchanged" in html.read_text()
    assert f"0 new, {n} unchanged, 0 resolved since the baseline." in md.read_text()
