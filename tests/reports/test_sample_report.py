"""The sample_logs report: small enough to attach, complete, deterministic (SPEC 8)."""

from __future__ import annotations

import re

from forensics.findings import AnalysisResult
from reports import render_html, render_markdown

MAX_REPORT_BYTES = 1_000_000


def test_sample_report_is_under_one_megabyte(sample_result: AnalysisResult) -> None:
    assert len(render_html(sample_result).encode("utf-8")) < MAX_REPORT_BYTES


def test_sample_report_has_a_timeline_and_histogram_per_flow(
    sample_result: AnalysisResult,
) -> None:
    document = render_html(sample_result)
    flows = len(sample_result.timelines["flows"])
    assert flows >= 1
    assert document.count("<svg ") == 2 * flows
    assert document.count('class="span span-gap"') >= 1


def test_sample_report_shows_excerpts_for_cited_lines(sample_result: AnalysisResult) -> None:
    cited = {(e.file, e.line) for f in sample_result.findings for e in f.evidence}
    assert sample_result.excerpts
    assert set(sample_result.excerpts) <= cited
    assert render_html(sample_result).count('<code class="excerpt">') >= len(sample_result.excerpts)


def test_sample_report_opens_with_the_verdict(sample_result: AnalysisResult) -> None:
    markdown = render_markdown(sample_result)
    assert re.search(
        r"^\*\*Verdict: (Structural integration debt|Isolated problems|No drift)", markdown, re.M
    )
    assert "## What to fix first" in markdown


def test_sample_report_is_deterministic(sample_result: AnalysisResult) -> None:
    assert render_html(sample_result) == render_html(sample_result)
    assert render_markdown(sample_result) == render_markdown(sample_result)
