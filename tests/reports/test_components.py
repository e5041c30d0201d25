"""The view-model and the partials, checked piece by piece."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from jinja2 import UndefinedError

from forensics.findings import AnalysisResult, Evidence, Finding, InputFile, Severity, Skipped
from forensics.schema import Rejection
from reports import _html_environment, render_html, render_markdown
from reports._text import fmt_duration, fmt_number, fmt_window, markdown_escape, visible
from reports.context import HTML_FULL_PER_CODE, build_context

MakeResult = Callable[..., AnalysisResult]
MakeFinding = Callable[..., Finding]
T0 = datetime(2026, 4, 6, 9, 12, 3, tzinfo=UTC)


# --- grouping and order -----------------------------------------------------------


def test_findings_are_grouped_by_severity_worst_first(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    findings = (
        make_finding(id="aa", severity=Severity.MEDIUM, code="DLY001"),
        make_finding(id="bb", severity=Severity.HIGH, code="RTY001"),
        make_finding(id="cc", severity=Severity.INFO, code="SYN001"),
        make_finding(id="dd", severity=Severity.HIGH, code="OOS001"),
    )
    context = build_context(make_result(findings=findings))
    assert [g.severity for g in context.groups] == ["high", "medium", "info"]
    assert [g.heading for g in context.groups] == ["High (2)", "Medium (1)", "Info (1)"]
    assert [f.code for f in context.groups[0].findings] == ["OOS001", "RTY001"]


def test_what_to_fix_first_leaves_out_info_and_links_to_cards(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    findings = (
        *(make_finding(id=f"{i:02x}", severity=Severity.LOW, flow=f"F{i}") for i in range(6)),
        make_finding(id="ff", severity=Severity.INFO),
    )
    result = make_result(findings=findings)
    context = build_context(result)
    assert [f.anchor for f in context.top] == [f"f-{i:02x}" for i in range(5)]
    document = render_html(result)
    assert '<a href="#f-00">' in document
    assert 'id="f-00"' in document


def test_html_lays_out_the_first_findings_of_a_code_and_lists_the_rest(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    n = HTML_FULL_PER_CODE + 3
    findings = (
        *(make_finding(id=f"{i:04x}", code="RTY001", entity=f"SKU-{i:03d}") for i in range(n)),
        make_finding(id="ffff", code="OOS001"),
    )
    result = make_result(findings=findings)
    group = build_context(result, full_per_code=HTML_FULL_PER_CODE).groups[0]
    assert group.heading == f"High ({n + 1})"
    assert [f.code for f in group.findings] == ["OOS001"] + ["RTY001"] * HTML_FULL_PER_CODE
    (more,) = group.more
    assert more.heading == "3 more high RTY001 findings"
    assert "findings.json" in more.note
    assert [row.entity for row in more.rows] == [f"SKU-{i:03d}" for i in range(n - 3, n)]
    document = render_html(result)
    assert document.count('<article class="finding') == HTML_FULL_PER_CODE + 1
    # Every finding keeps its anchor, so "What to fix first" and the charts can link to it.
    assert all(f'id="f-{i:04x}"' in document for i in range(n))
    # Without a limit (the Markdown report) every finding is laid out in full.
    assert len(build_context(result).groups[0].findings) == n + 1


# --- finding cards ----------------------------------------------------------------


def test_evidence_note_says_showing_20_of_n(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    evidence = tuple(Evidence("make/logs.json", 100 + i, i + 1) for i in range(20))
    finding = make_finding(evidence=evidence, evidence_total=1234)
    view = build_context(make_result(findings=(finding,))).findings[0]
    assert view.evidence_note == "showing 20 of 1,234"
    assert view.evidence[0].location == "make/logs.json:100"
    assert view.evidence[0].record == "record 1"
    assert "(showing 20 of 1,234)" in render_html(make_result(findings=(finding,)))


def test_evidence_note_is_absent_when_all_evidence_is_shown(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    view = build_context(make_result(findings=(make_finding(),))).findings[0]
    assert view.evidence_note is None


def test_metrics_put_the_effect_apart_and_sort_the_rest(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    finding = make_finding(metrics={"z": 0.125, "quantity_effect": 15, "a_b": None})
    view = build_context(make_result(findings=(finding,))).findings[0]
    assert view.effect == "+15"
    assert [(m.label, m.value) for m in view.metrics] == [("a b", "—"), ("z", "0.125")]


def test_seconds_metrics_also_read_as_durations(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    finding = make_finding(metrics={"stood_seconds": 2696, "lag_seconds": 4})
    view = build_context(make_result(findings=(finding,))).findings[0]
    assert [(m.label, m.value) for m in view.metrics] == [
        ("lag seconds", "4"),
        ("stood seconds", "2,696 s (44m 56s)"),
    ]
    assert view.effect is None


def test_partial_renders_alone_and_undefined_is_an_error(
    make_result: MakeResult,
) -> None:
    template = _html_environment().get_template("_finding.html.j2")
    view = build_context(make_result()).findings[0]
    card = template.render(finding=view)
    assert card.startswith('<article class="finding sev-border-high" id="f-3f9c2a71b0de">')
    assert '<div class="fix">' in card
    with pytest.raises(UndefinedError):
        template.render()


# --- formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(milliseconds=350), "350ms"),
        (timedelta(seconds=37), "37s"),
        (timedelta(minutes=2, seconds=37), "2m 37s"),
        (timedelta(hours=3, minutes=5, seconds=20), "3h 05m"),
        (timedelta(days=2, hours=4, minutes=59), "2d 4h"),
        (timedelta(seconds=-90), "-1m 30s"),
    ],
)
def test_durations_read_like_people_write_them(delta: timedelta, text: str) -> None:
    assert fmt_duration(delta) == text


def test_windows_show_start_end_and_duration() -> None:
    same_day = fmt_window(T0, T0 + timedelta(minutes=2, seconds=37))
    assert same_day == "2026-04-06 09:12:03 → 09:14:40 UTC (2m 37s)"
    next_day = fmt_window(T0, T0 + timedelta(days=1))
    assert next_day == "2026-04-06 09:12:03 → 2026-04-07 09:12:03 UTC (1d 0h)"
    assert fmt_window(T0, None) == "from 2026-04-06 09:12:03 UTC"
    assert fmt_window(None, None) == "time not known"


def test_numbers_are_grouped_and_signed_where_asked() -> None:
    assert fmt_number(12345) == "12,345"
    assert fmt_number(-15, signed=True) == "-15"
    assert fmt_number(2.0) == "2"
    assert fmt_number(True) == "yes"
    assert fmt_number(None) == "—"


def test_visible_escapes_bidi_zero_width_and_controls() -> None:
    assert visible("a\u202eb\u200bc\x1b[31md\x85") == "a⟨U+202E⟩b⟨U+200B⟩c⟨U+001B⟩[31md⟨U+0085⟩"
    assert visible("line\nbreak") == "line⟨U+000A⟩break"
    assert visible("line\r\nbreak\tok", multiline=True) == "line\nbreak\tok"


def test_visible_truncates_with_an_explicit_marker() -> None:
    assert visible("x" * 12_645, limit=300) == "x" * 300 + "… 12,345 more characters"


def test_markdown_escape_neutralises_markup_and_links() -> None:
    assert markdown_escape("[a](b) <i>") == "\\[a\\](b) &lt;i&gt;"
    assert markdown_escape("see http://x.example") == "see http\\[:\\]//x.example"
    assert markdown_escape("- item") == "\\- item"
    assert markdown_escape("1. item") == "1\\. item"
    assert markdown_escape("-15 at 0.1.0") == "-15 at 0.1.0"
    assert markdown_escape("a|b\nc") == "a\\|b c"


# --- verdict and header -----------------------------------------------------------


def test_verdict_without_findings(make_result: MakeResult) -> None:
    verdict = build_context(make_result(findings=())).verdict
    assert verdict.text == "No findings: the analysed flows look consistent"
    assert verdict.tone == "ok"
    assert all(c.count == 0 for c in verdict.counts)


def test_verdict_with_mixed_findings(make_result: MakeResult, make_finding: MakeFinding) -> None:
    findings = (
        make_finding(id="aa", severity=Severity.HIGH),
        make_finding(id="bb", severity=Severity.MEDIUM, code="DLY001"),
        make_finding(id="cc", severity=Severity.INFO, code="SYN001"),
    )
    verdict = build_context(make_result(findings=findings)).verdict
    assert verdict.text == "2 findings need attention: 1 high, 1 medium (and 1 informational)"
    assert verdict.tone == "bad"
    assert [(c.severity, c.text) for c in verdict.counts] == [
        ("critical", "0"),
        ("high", "1"),
        ("medium", "1"),
        ("low", "0"),
        ("info", "1"),
    ]


def test_detector_errors_make_the_verdict_incomplete(make_result: MakeResult) -> None:
    result = make_result(errors=("gaps: ValueError: boom",))
    context = build_context(result)
    assert context.verdict.incomplete is not None
    assert context.verdict.text.endswith("(incomplete: a detector failed)")
    document = render_html(result)
    assert 'id="detector-errors"' in document
    assert "gaps: ValueError: boom" in document


def test_header_states_redaction_counts_and_generated_at(make_result: MakeResult) -> None:
    header = build_context(make_result()).header
    assert header.redaction_line == "Secrets redacted (3 values: bearer ×2, email ×1)"
    assert header.generated_at == "2026-04-07 00:00:00 UTC"
    assert header.period == "2026-04-06 08:00:00 → 18:00:00 UTC (10h 00m)"


def test_no_generated_at_means_none_printed(make_result: MakeResult) -> None:
    document = render_html(make_result(generated_at=None))
    assert "Generated 20" not in document
    assert "Generated:" not in render_markdown(make_result(generated_at=None))


def test_redaction_off_shows_a_banner(make_result: MakeResult) -> None:
    result = make_result(redaction={"enabled": False, "counts": {}})
    assert '<p class="banner banner-danger" role="alert">Redaction is OFF' in render_html(result)
    assert "> **Redaction is OFF: this report may contain secrets**" in render_markdown(result)


# --- data quality -------------------------------------------------------------------


def test_rejections_are_grouped_by_reason_with_first_examples(make_result: MakeResult) -> None:
    rejections = (
        *(Rejection("a.json", line, "invalid_json", "bad", line) for line in (9, 3, 5, 7)),
        Rejection("a.json", 4, "missing_field", "no sku", 4),
    )
    inputs = (
        InputFile(
            "a.json",
            "make.scenario_logs",
            50,
            40,
            rejections,
            {},
            {"invalid_json": 38, "missing_field": 2},
        ),
    )
    dq = build_context(make_result(inputs=inputs)).data_quality
    assert [(g.reason, g.count) for g in dq.rejections] == [
        ("invalid_json", "38"),
        ("missing_field", "2"),
    ]
    assert [e.location for e in dq.rejections[0].examples] == [
        "a.json:3 (record 3)",
        "a.json:5 (record 5)",
        "a.json:7 (record 7)",
    ]
    assert dq.rejections_note == (
        "Examples come from the first rejected lines of each file (5 of 40 are kept)."
    )


def test_configuration_names_the_time_zone_in_words(make_result: MakeResult) -> None:
    dq = build_context(make_result()).data_quality
    assert dq.timezone.startswith("Naive timestamps were read as UTC")
    labels = [s.label for s in dq.config]
    assert labels == sorted(labels)
    assert ("thresholds.gap_min", "15m") in [(s.label, s.value) for s in dq.config]


# --- determinism --------------------------------------------------------------------


def test_two_renders_give_the_same_bytes(make_result: MakeResult) -> None:
    assert render_html(make_result()) == render_html(make_result())
    assert render_markdown(make_result()) == render_markdown(make_result())


def test_input_order_and_dict_order_do_not_change_the_output(
    make_result: MakeResult, make_finding: MakeFinding
) -> None:
    files = (
        InputFile("b.json", "zapier.zap_runs", 5, 0, (), {"y": 1, "x": 2}),
        InputFile("a.json", "make.scenario_logs", 7, 0, (), {}),
    )
    skipped = (Skipped("z.txt", "unknown"), Skipped("m.txt", "empty"))
    findings = (make_finding(id="aa"), make_finding(id="bb", severity=Severity.LOW))
    first = make_result(
        inputs=files,
        skipped=skipped,
        findings=findings,
        redaction={"enabled": True, "counts": {"email": 1, "bearer": 1}},
    )
    second = make_result(
        inputs=files[::-1],
        skipped=skipped[::-1],
        findings=findings[::-1],
        redaction={"enabled": True, "counts": {"bearer": 1, "email": 1}},
    )
    assert render_html(first) == render_html(second)
    assert render_markdown(first) == render_markdown(second)
