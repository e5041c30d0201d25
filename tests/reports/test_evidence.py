"""Excerpts: cited lines re-read from folders, zip members and .gz files, redacted, clipped."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forensics.findings import AnalysisResult, Evidence, Finding
from forensics.redact import Redactor
from reports import render_html, render_markdown
from reports.evidence import EXCERPT_CHARS, attach_excerpts, read_excerpts

PRETTY = json.dumps(
    [{"sku": "A", "quantity": 3, "note": "x"}, {"sku": "B", "quantity": 4}], indent=2
)


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_ndjson_line_is_read_as_is(tmp_path: Path) -> None:
    _write(tmp_path, "hooks/a.ndjson", '{"sku": "A"}\n{"sku": "B", "qty": 2}\n')
    out = read_excerpts(tmp_path, [Evidence("hooks/a.ndjson", 2, 2)], Redactor())
    assert out == {("hooks/a.ndjson", 2): '{"sku": "B", "qty": 2}'}


def test_pretty_json_record_continues_until_its_braces_close(tmp_path: Path) -> None:
    _write(tmp_path, "make/logs.json", PRETTY)
    out = read_excerpts(tmp_path, [Evidence("make/logs.json", 2, 1)], Redactor())
    assert out[("make/logs.json", 2)] == '{ "sku": "A", "quantity": 3, "note": "x" },'


def test_braces_inside_strings_do_not_end_the_record(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", '{\n  "note": "} not the end {",\n  "sku": "A"\n}\n{"next": 1}\n')
    out = read_excerpts(tmp_path, [Evidence("a.json", 1, 1)], Redactor())
    assert out[("a.json", 1)] == '{ "note": "} not the end {", "sku": "A" }'


def test_text_line_does_not_continue(tmp_path: Path) -> None:
    _write(tmp_path, "p.txt", "INFO first\nWARN second {\nINFO third\n")
    out = read_excerpts(tmp_path, [Evidence("p.txt", 2, 2)], Redactor())
    assert out[("p.txt", 2)] == "WARN second {"


def test_zip_member_is_read_in_place(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("make/logs.ndjson", '{"a": 1}\n{"b": 2}\n')
    out = read_excerpts(tmp_path, [Evidence("export.zip!/make/logs.ndjson", 2, 2)], Redactor())
    assert out == {("export.zip!/make/logs.ndjson", 2): '{"b": 2}'}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.zip"]


def test_zip_given_as_the_root_itself(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("x.ndjson", '{"a": 1}\n')
    out = read_excerpts(
        tmp_path / "export.zip", [Evidence("export.zip!/x.ndjson", 1, 1)], Redactor()
    )
    assert out == {("export.zip!/x.ndjson", 1): '{"a": 1}'}


def test_gzip_file_is_streamed(tmp_path: Path) -> None:
    (tmp_path / "w.ndjson.gz").write_bytes(gzip.compress(b'{"a": 1}\n{"b": 2}\n{"c": 3}\n'))
    out = read_excerpts(tmp_path, [Evidence("w.ndjson.gz", 3, 3)], Redactor())
    assert out == {("w.ndjson.gz", 3): '{"c": 3}'}


def test_only_cited_lines_are_returned_and_reading_stops_after_the_last(tmp_path: Path) -> None:
    # Bytes after the last cited line are never decoded: invalid UTF-8 there is harmless.
    (tmp_path / "big.ndjson").write_bytes(b'{"a": 1}\n{"b": 2}\n' + b"\xff" * 10_000)
    out = read_excerpts(
        tmp_path, [Evidence("big.ndjson", 1, 1), Evidence("big.ndjson", 1, 1)], Redactor()
    )
    assert out == {("big.ndjson", 1): '{"a": 1}'}


def test_secret_is_redacted_before_clipping(tmp_path: Path) -> None:
    line = json.dumps({"headers": {"Authorization": "Bearer sekrit-token-123"}, "pad": "x" * 600})
    _write(tmp_path, "h.ndjson", line + "\n")
    redactor = Redactor()
    text = read_excerpts(tmp_path, [Evidence("h.ndjson", 1, 1)], redactor)[("h.ndjson", 1)]
    assert "sekrit" not in text
    assert "[REDACTED:sensitive_key]" in text
    assert len(text) == EXCERPT_CHARS
    assert text.endswith("…")
    assert redactor.counts["sensitive_key"] == 1


def test_a_huge_single_line_is_clipped_without_being_held(tmp_path: Path) -> None:
    (tmp_path / "min.json").write_text('[{"sku": "A"' + ', "x": 1' * 500_000 + "}]\n")
    out = read_excerpts(tmp_path, [Evidence("min.json", 1, 1)], Redactor())
    assert out[("min.json", 1)].startswith('[{"sku": "A", "x": 1')
    assert len(out[("min.json", 1)]) <= EXCERPT_CHARS


@pytest.mark.parametrize("name", ["missing.json", "../outside.json", "/etc/passwd", "a.zip!/x"])
def test_unreadable_or_escaping_citations_are_left_out(tmp_path: Path, name: str) -> None:
    (tmp_path.parent / "outside.json").write_text('{"a": 1}\n')
    (tmp_path / "a.zip").write_bytes(b"not a zip")
    assert read_excerpts(tmp_path, [Evidence(name, 1, 1)], Redactor()) == {}


def test_attach_excerpts_follows_no_redact_and_adds_counts(
    tmp_path: Path,
    make_result: Callable[..., AnalysisResult],
    make_finding: Callable[..., Finding],
) -> None:
    _write(tmp_path, "make/logs.json", "\n" * 119 + '{"Cookie": "sid=1", "sku": "A"}\n')
    finding = make_finding(evidence=(Evidence("make/logs.json", 120, 17),), evidence_total=1)
    result = attach_excerpts(make_result(findings=(finding,)), tmp_path)
    assert result.excerpts == {
        ("make/logs.json", 120): '{"Cookie": "[REDACTED:sensitive_key]", "sku": "A"}'
    }
    assert result.redaction["counts"] == {"bearer": 2, "email": 1, "sensitive_key": 1}
    raw = attach_excerpts(
        make_result(findings=(finding,), redaction={"enabled": False, "counts": {}}), tmp_path
    )
    assert raw.excerpts[("make/logs.json", 120)] == '{"Cookie": "sid=1", "sku": "A"}'


def test_excerpts_for_the_html_alone_read_only_the_findings_it_lays_out_in_full(
    tmp_path: Path,
    make_result: Callable[..., AnalysisResult],
    make_finding: Callable[..., Finding],
) -> None:
    # The HTML folds findings past the first per_code of a severity and code into
    # one table without evidence, so their cited lines are never read.
    _write(tmp_path, "hooks/a.ndjson", "".join(f'{{"n": {i}}}\n' for i in range(1, 6)))
    findings = tuple(
        make_finding(id=f"id{i}", entity=f"SKU-{i}", evidence=(Evidence("hooks/a.ndjson", i, i),))
        for i in range(1, 6)
    )
    folded = attach_excerpts(make_result(findings=findings), tmp_path, per_code=2)
    everything = attach_excerpts(make_result(findings=findings), tmp_path)
    assert len(folded.excerpts) == 2
    assert set(folded.excerpts) < set(everything.excerpts)
    assert len(everything.excerpts) == 5


PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</style><style>body{display:none}",
    "\u202egpj.exe",
    "\x1b[31mred\x1b[0m",
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_hostile_excerpts_are_inert_in_html_and_markdown(
    tmp_path: Path,
    make_result: Callable[..., AnalysisResult],
    make_finding: Callable[..., Finding],
) -> None:
    # Raw, not json.dumps: the control characters must be in the file as bytes.
    lines = ['{"sku": "' + p + '"}' for p in PAYLOADS]
    _write(tmp_path, "evil.ndjson", "\n".join(lines) + "\n")
    evidence = tuple(Evidence("evil.ndjson", i, i) for i in range(1, len(PAYLOADS) + 1))
    finding = make_finding(evidence=evidence, evidence_total=len(evidence))
    result = attach_excerpts(make_result(findings=(finding,)), tmp_path)
    assert len(result.excerpts) == len(PAYLOADS)
    document = render_html(result)
    parser = _Tags()
    parser.feed(document)
    assert not {"script", "img"} & set(parser.tags)
    assert parser.tags.count("style") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "\u202e" not in document and "⟨U+202E⟩" in document
    assert "\x1b" not in document and "⟨U+001B⟩" in document
    markdown = render_markdown(result)
    assert "<" not in markdown
    assert "\x1b" not in markdown and "\u202e" not in markdown
