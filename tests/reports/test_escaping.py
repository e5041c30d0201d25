"""Hostile log-derived strings in every field stay text, in HTML and in Markdown (H01-H17)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest

from forensics.findings import AnalysisResult, Evidence, Finding, InputFile, Severity, Skipped
from forensics.schema import Rejection
from reports import render_html, render_markdown

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
IFRAME = "<iframe src=javascript:alert(1)></iframe>"
STYLE_END = "</style>"
TEMPLATE = "{{7*7}}"
JS_URL = "javascript:alert(1)"
COMMENT = "<!--"
LINK = "[click](http://evil.example/x)"
URL = "https://evil.example/a_b"
WWW = "www.evil.example"
EMAIL = "ops@evil.example"
LS = "\u2028"
RLO = "\u202e"
ANSI = "\x1b[31m"
HOSTILE = " ".join(
    (
        *(SCRIPT, IMG, SVG, IFRAME, STYLE_END, TEMPLATE, JS_URL, COMMENT, LINK, URL, WWW, EMAIL),
        *(f"a{LS}b", f"{RLO}gpj.exe", f"{ANSI}red"),
    )
)
FORBIDDEN_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "link", "base", "form"}
# The report's own charts are inline SVG; data may never open one (see test below).
CHART_SVGS_PER_FLOW = 2


class _Collector(HTMLParser):
    """Record every start tag with its attributes, and the text outside <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


def _parse(document: str) -> _Collector:
    collector = _Collector()
    collector.feed(document)
    collector.close()
    return collector


def _hostile(text: str = HOSTILE) -> AnalysisResult:
    """An analysis whose every log-derived string is hostile."""
    finding = Finding(
        id=text,
        code="OOS001",
        detector="out_of_sequence",
        severity=Severity.HIGH,
        title=f"Stale quantity for {text}",
        flow=text,
        entity=text,
        start=None,
        end=None,
        metrics={"quantity_effect": -15, "stale_value": text, text: 3},
        evidence=(Evidence(text, 12, 3),),
        evidence_total=30,
        explanation=f"Explained: {text}",
        recommendation=f"Fix: {text}",
    )
    rejection = Rejection(text, 7, "invalid_json", text, 7, 0, text)
    return AnalysisResult(
        tool_version="0.1.0",
        config={"origin": text, "tz": text, "flows": {text: {"from": text, "to": "erp"}}},
        inputs=(InputFile(text, text, 10, 1, (rejection,), {text: 2}, {"invalid_json": 1}),),
        skipped=(Skipped(text, text),),
        summary={
            "events": 10,
            "flows": 1,
            "skus": 1,
            "start": text,
            "end": None,
            "drift": {text: text},
            "per_flow": [{"flow": text, "source": text, "events": 10, "skus": 1}],
        },
        findings=(finding,),
        errors=(f"detector x failed: {text}",),
        redaction={"enabled": False, "counts": {}},
        excerpts={(text, 12): text},
        timelines={
            "start": "2026-04-06T00:00:00Z",
            "end": "2026-04-07T00:00:00Z",
            "bucket_seconds": 3600,
            "buckets": 24,
            "lag_labels": [text] * 7,
            "flows": {text: {"runs": [1] * 24, "failed": [0] * 24, "lags": [1] * 7, "lagged": 7}},
        },
    )


@pytest.fixture(scope="module")
def html_doc() -> str:
    return render_html(_hostile())


@pytest.fixture(scope="module")
def markdown_doc() -> str:
    return render_markdown(_hostile())


def test_html_has_no_active_element_from_data(html_doc: str) -> None:
    tags = [(tag, attrs) for tag, attrs in _parse(html_doc).tags]
    assert not {tag for tag, _ in tags} & (FORBIDDEN_TAGS - {"svg"})
    # The only <svg> elements are the hostile flow's timeline and histogram.
    svgs = [dict(attrs) for tag, attrs in tags if tag == "svg"]
    assert len(svgs) == CHART_SVGS_PER_FLOW
    assert all(a.get("role") == "img" and "onload" not in a for a in svgs)


def test_html_chart_text_and_excerpts_are_escaped(html_doc: str) -> None:
    # In <title>, <text> and the excerpt <code>: escaped like everywhere else.
    assert html_doc.count("<title") >= 3
    assert re.search(r"<title id=\"flow-1-t\">Runs of [^<]*&lt;script&gt;", html_doc)
    assert re.search(r'<code class="excerpt">[^<]*&lt;script&gt;alert\(1\)', html_doc)
    assert re.search(r'<text class="h-label"[^>]*>[^<]*&lt;script&gt;', html_doc)


def test_html_has_no_event_handler_or_external_attribute(html_doc: str) -> None:
    for tag, attrs in _parse(html_doc).tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "src", tag
            if name == "href":
                assert value is not None and re.fullmatch(r"#[a-z0-9-]+", value), value


def test_html_shows_the_literal_text_escaped(html_doc: str) -> None:
    text = "".join(_parse(html_doc).text)
    for payload in (SCRIPT, IMG, SVG, IFRAME, STYLE_END, JS_URL, COMMENT, URL):
        assert payload in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_doc
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html_doc
    # The one real </style> closes the stylesheet; the one in data is escaped.
    assert html_doc.count("</style>") == 1
    assert "<!--" not in html_doc


def test_html_keeps_template_syntax_literal(html_doc: str) -> None:
    text = "".join(_parse(html_doc).text)
    assert TEMPLATE in text
    assert "49" not in text


def test_html_shows_invisible_characters_as_escapes(html_doc: str) -> None:
    for char, shown in ((RLO, "⟨U+202E⟩"), (LS, "⟨U+2028⟩"), ("\x1b", "⟨U+001B⟩")):
        assert char not in html_doc
        assert shown in html_doc


def test_html_non_hex_finding_id_becomes_a_hashed_anchor(html_doc: str) -> None:
    ids = [value for _, attrs in _parse(html_doc).tags for name, value in attrs if name == "id"]
    assert any(value and re.fullmatch(r"f-[0-9a-f]{12}", value) for value in ids)


def test_html_truncates_a_100_kb_value_with_a_marker() -> None:
    document = render_html(_hostile("x" * 100_000))
    assert "x" * 100_000 not in document
    assert "… 99,700 more characters" in document


def test_html_redaction_off_banner_is_visible(html_doc: str) -> None:
    assert 'class="banner banner-danger"' in html_doc
    assert "Redaction is OFF: this report may contain secrets" in html_doc


def test_markdown_has_no_html_from_data(markdown_doc: str) -> None:
    assert "<" not in markdown_doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown_doc


def test_markdown_has_no_link_or_autolink_from_data(markdown_doc: str) -> None:
    assert not re.search(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(", markdown_doc)
    assert "://" not in markdown_doc
    assert "www." not in markdown_doc
    assert "@evil.example" not in markdown_doc
    assert "https\\[:\\]//evil.example" in markdown_doc


def test_markdown_keeps_template_syntax_literal(markdown_doc: str) -> None:
    assert "{{7\\*7}}" in markdown_doc
    assert "49" not in markdown_doc


def test_markdown_shows_invisible_characters_as_escapes(markdown_doc: str) -> None:
    for char in (RLO, LS, "\x1b"):
        assert char not in markdown_doc
    assert "⟨U+202E⟩" in markdown_doc


def test_markdown_table_rows_keep_their_column_count(markdown_doc: str) -> None:
    # An unescaped pipe or line break from data would add or split cells.
    tables: list[list[str]] = []
    previous = ""
    for line in markdown_doc.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    assert tables
    for rows in tables:
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows


@pytest.mark.parametrize(
    "field",
    ["flow", "entity", "title", "explanation", "recommendation"],
)
def test_every_finding_field_is_escaped(
    field: str, make_result: Callable[..., AnalysisResult], make_finding: Callable[..., Finding]
) -> None:
    overrides: dict[str, Any] = {field: SCRIPT + IMG}
    result = make_result(findings=(make_finding(**overrides),))
    tags = {tag for tag, _ in _parse(render_html(result)).tags}
    assert not tags & FORBIDDEN_TAGS
    assert "<" not in render_markdown(result)
