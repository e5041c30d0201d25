"""The report view-model: everything the templates show, built in Python first.

Formatting, sorting, grouping and truncation all happen here, so templates only
lay out strings and both the HTML and the Markdown report show the same facts.
Every log-derived string (flow and file names, entities, reasons, details,
excerpts, metric values, error messages) passes through ``_text.visible`` once.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from forensics.findings import AnalysisResult, BaselineMarks, Finding, Severity, sort_findings
from forensics.redact import Redactor
from reports._appendix import (
    DataQuality,
    FileRow,
    RejectionExample,
    RejectionGroup,
    build_data_quality,
    rejected_lines,
)
from reports._charts import FlowChart, build_charts
from reports._text import (
    DASH,
    Stat,
    fmt_duration,
    fmt_int,
    fmt_number,
    fmt_time,
    fmt_window,
    parse_iso,
    plural,
    visible,
)

__all__ = [
    "DataQuality",
    "EvidenceRow",
    "FileRow",
    "FindingRow",
    "FindingView",
    "FlowChart",
    "FlowRow",
    "Header",
    "MoreFindings",
    "RejectionExample",
    "RejectionGroup",
    "ReportContext",
    "SeverityCount",
    "SeverityGroup",
    "Stat",
    "Verdict",
    "build_context",
]

TITLE: Final = "Inventory drift incident report"
TOP_FIXES: Final = 5
ERROR_LIMIT: Final = 2000
# Excerpts arrive clipped (reports.evidence); this only bounds a hand-built result.
EXCERPT_LIMIT: Final = 300
PROSE_LIMIT: Final = 2000
# The HTML lays out this many findings of one severity and code in full; the
# rest are one table row each (a report with thousands of full findings helps
# nobody, and each costs a template call). findings.json always has them all.
HTML_FULL_PER_CODE: Final = 25
EFFECT_METRIC: Final = "quantity_effect"
# Worst first, the order of the report's sections and badges.
SEVERITIES: Final = tuple(sorted(Severity, reverse=True))
LABELS: Final = frozenset(s.label for s in Severity)
_HEX_ID: Final = re.compile(r"[0-9a-f]{1,64}")


@dataclass(frozen=True, slots=True)
class SeverityCount:
    """How many findings have one severity; ``severity`` doubles as the CSS class."""

    severity: str
    count: int
    text: str


@dataclass(frozen=True, slots=True)
class Header:
    """The report's masthead: period, provenance and redaction mode."""

    title: str
    period: str
    generated_at: str | None
    tool_version: str
    redaction_enabled: bool
    redaction_line: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer first: counts by severity, the headline numbers and one sentence."""

    tone: str
    text: str
    counts: tuple[SeverityCount, ...]
    stats: tuple[Stat, ...]
    incomplete: str | None
    # "Structural integration debt", "Isolated problems", ... from the drift
    # block, and the share of entities and SKUs it rests on.
    headline: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One cited record: ``file:line``, its record position and, when re-read, its text."""

    location: str
    record: str
    excerpt: str | None = None


@dataclass(frozen=True, slots=True)
class FindingView:
    """One finding, every field formatted for display."""

    anchor: str
    id: str
    code: str
    detector: str
    severity: str
    title: str
    flow: str
    entity: str | None
    window: str
    metrics: tuple[Stat, ...]
    effect: str | None
    explanation: str
    recommendation: str
    evidence: tuple[EvidenceRow, ...]
    evidence_note: str | None
    baseline: str | None = None
    # Why it ranks where it does in "What to fix first": effect, records, duration.
    impact: str | None = None


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding beyond the ones laid out in full: a row of its code's table."""

    anchor: str
    id: str
    title: str
    flow: str
    entity: str
    window: str
    effect: str
    records: str


@dataclass(frozen=True, slots=True)
class MoreFindings:
    """The findings of one severity and code beyond HTML_FULL_PER_CODE, one row each."""

    code: str
    heading: str
    note: str
    rows: tuple[FindingRow, ...]


@dataclass(frozen=True, slots=True)
class ResolvedRow:
    """A baseline finding this run no longer reports."""

    id: str
    severity: str
    code: str
    title: str
    flow: str
    window: str


@dataclass(frozen=True, slots=True)
class BaselineView:
    """The comparison with ``--baseline``: counts and the resolved findings."""

    file: str
    text: str
    resolved: tuple[ResolvedRow, ...]


@dataclass(frozen=True, slots=True)
class SeverityGroup:
    """The findings of one severity, in report order.

    ``findings`` are laid out in full; with a per-code limit (``build_context``'s
    ``full_per_code``) the others of each code are rows of ``more``.
    """

    severity: str
    heading: str
    findings: tuple[FindingView, ...]
    more: tuple[MoreFindings, ...] = ()


@dataclass(frozen=True, slots=True)
class FlowRow:
    """One row of the per-flow table."""

    flow: str
    source: str
    events: str
    skus: str
    window: str
    trigger: str = "—"
    lag_window: str = "—"
    lag_p50: str = "—"
    lag_p95: str = "—"
    lag_max: str = "—"


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One drifting entity: each system's number side by side, and its causes."""

    entity: str
    values: tuple[str, ...]
    effect: str
    causes: str
    unexplained: str


@dataclass(frozen=True, slots=True)
class DriftView:
    """The drift verdict and the top drifting entities (WMS 847 / ERP 812 / storefront 830)."""

    verdict: str
    text: str
    systems: tuple[str, ...]
    rows: tuple[DriftRow, ...]


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything report.html.j2 and report.md.j2 lay out."""

    header: Header
    verdict: Verdict
    errors: tuple[str, ...]
    top: tuple[FindingView, ...]
    groups: tuple[SeverityGroup, ...]
    findings: tuple[FindingView, ...]
    flows: tuple[FlowRow, ...]
    drift: DriftView
    data_quality: DataQuality
    baseline: BaselineView | None = None
    charts: tuple[FlowChart, ...] = ()


def build_context(result: AnalysisResult, *, full_per_code: int | None = None) -> ReportContext:
    """Build the view-model of one analysis.

    Args:
        result: what the engine produced; its strings are already redacted.
        full_per_code: lay out at most this many findings of one severity and
            code in full (``findings``); the rest become rows of the groups'
            ``more`` tables. None (the default) lays out every finding in full.

    Returns:
        The frozen view-model; two calls on equal results give equal contexts.
    """
    # NOTE: a second redaction pass over free-text messages (errors, reasons,
    # details, excerpts) is a safety net for a caller that forgot one; names
    # and ids are left alone so they match findings.json.
    scrub = Redactor(enabled=bool(result.redaction.get("enabled", True))).text
    marks = result.baseline
    statuses = marks.statuses if marks is not None else {}
    excerpts = _Excerpts(result.excerpts, scrub)
    ordered = sort_findings(list(result.findings))

    def view(finding: Finding) -> FindingView:
        return _finding(finding, statuses.get(finding.id) if marks is not None else None, excerpts)

    full = laid_out_in_full(ordered, full_per_code)
    views = {i: view(ordered[i]) for i in full}
    groups = tuple(
        SeverityGroup(
            severity=severity.label,
            heading=f"{severity.label.capitalize()} ({len(members)})",
            findings=tuple(views[i] for i in members if i in views),
            more=_more_findings(ordered, [i for i in members if i not in views], severity),
        )
        for severity in SEVERITIES
        if (members := [i for i, f in enumerate(ordered) if f.severity == severity])
    )
    errors = tuple(visible(scrub(e), limit=ERROR_LIMIT, multiline=True) for e in result.errors)
    # NOTE: the position in report order breaks ties as sort_key would, without
    # formatting every finding's start again.
    ranked = sorted(range(len(ordered)), key=lambda i: (*_impact_key(ordered[i]), i))
    worst = [i for i in ranked if ordered[i].severity != Severity.INFO][:TOP_FIXES]
    top = tuple(views[i] if i in views else view(ordered[i]) for i in worst)
    return ReportContext(
        header=_header(result),
        verdict=_verdict(result, ordered),
        errors=errors,
        top=top,
        groups=groups,
        findings=tuple(views[i] for i in full),
        flows=_flows(result.summary.get("per_flow") or ()),
        drift=_drift(result.summary.get("drift") or {}),
        data_quality=build_data_quality(result, scrub),
        baseline=_baseline(marks) if marks is not None else None,
        charts=build_charts(result.timelines or {}, ordered, _anchor),
    )


class _Excerpts:
    """Excerpts made visible (second redaction pass, control characters shown) on first use.

    Only the excerpts of findings laid out in full are shown, so only those pay
    for the pass; each (file, line) is processed once however often it is cited.
    """

    __slots__ = ("_done", "_raw", "_scrub")

    def __init__(self, raw: Mapping[tuple[str, int], str], scrub: Callable[[str], str]) -> None:
        self._raw = raw
        self._scrub = scrub
        self._done: dict[tuple[str, int], str] = {}

    def get(self, key: tuple[str, int]) -> str | None:
        if key in self._done:
            return self._done[key]
        text = self._raw.get(key)
        if text is None:
            return None
        shown = self._done[key] = visible(self._scrub(text), limit=EXCERPT_LIMIT)
        return shown


def laid_out_in_full(ordered: list[Finding], per_code: int | None) -> list[int]:
    """Positions of the findings laid out in full: the first per_code of each severity and code."""
    if per_code is None:
        return list(range(len(ordered)))
    seen: Counter[tuple[Severity, str]] = Counter()
    full = []
    for i, finding in enumerate(ordered):
        seen[(finding.severity, finding.code)] += 1
        if seen[(finding.severity, finding.code)] <= per_code:
            full.append(i)
    return full


def _more_findings(
    ordered: list[Finding], rest: list[int], severity: Severity
) -> tuple[MoreFindings, ...]:
    """One table per code of the findings of a severity not laid out in full, in report order."""
    by_code: dict[str, list[Finding]] = {}
    for i in rest:
        by_code.setdefault(ordered[i].code, []).append(ordered[i])
    tables = []
    for code, members in by_code.items():
        shown = sum(1 for f in ordered if f.severity == severity and f.code == code) - len(members)
        n = len(members)
        tables.append(
            MoreFindings(
                code=visible(code),
                heading=f"{n:,} more {severity.label} {visible(code)} finding{plural(n)}",
                note=(
                    f"The first {shown:,} are shown in full above; these {n:,} are listed "
                    "one per row without their metrics and evidence. Every finding, with "
                    "its metrics and evidence, is in the JSON findings file "
                    "(findings.json, written with --json)."
                ),
                rows=tuple(_finding_row(f) for f in members),
            )
        )
    return tuple(tables)


def _finding_row(finding: Finding) -> FindingRow:
    metrics = finding.metrics or {}
    effect = _metric(EFFECT_METRIC, metrics[EFFECT_METRIC]) if EFFECT_METRIC in metrics else DASH
    n = finding.evidence_total
    return FindingRow(
        anchor=_anchor(finding.id),
        id=visible(finding.id),
        title=visible(finding.title),
        flow=visible(finding.flow),
        entity=visible(finding.entity) if finding.entity is not None else DASH,
        window=fmt_window(finding.start, finding.end),
        effect=effect,
        records=f"{n:,}",
    )


def _baseline(marks: BaselineMarks) -> BaselineView:
    new, unchanged, resolved = marks.count("new"), marks.count("unchanged"), len(marks.resolved)
    rows = tuple(
        ResolvedRow(
            id=visible(str(f.get("id", ""))),
            severity=str(f.get("severity", "info")) if f.get("severity") in LABELS else "info",
            code=visible(str(f.get("code", ""))),
            title=visible(str(f.get("title", ""))),
            flow=visible(str(f.get("flow", ""))),
            window=fmt_window(parse_iso(f.get("start")), parse_iso(f.get("end"))),
        )
        for f in marks.resolved
    )
    text = f"{new:,} new, {unchanged:,} unchanged, {resolved:,} resolved since the baseline"
    return BaselineView(file=visible(marks.file), text=text, resolved=rows)


def _header(result: AnalysisResult) -> Header:
    summary = result.summary
    start, end = parse_iso(summary.get("start")), parse_iso(summary.get("end"))
    period = fmt_window(start, end) if start or end else "no timestamped events"
    enabled = bool(result.redaction.get("enabled", True))
    counts = {str(k): int(v) for k, v in (result.redaction.get("counts") or {}).items() if v}
    if not enabled:
        line = "Redaction is OFF: this report may contain secrets"
    elif counts:
        # NOTE: most frequent rule first; the name breaks ties so dict order never shows.
        rules = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        listed = ", ".join(f"{visible(rule)} ×{n:,}" for rule, n in rules)
        total = sum(counts.values())
        line = f"Secrets redacted ({total:,} value{plural(total)}: {listed})"
    else:
        line = "Secrets redacted (no values matched a redaction rule)"
    return Header(
        title=TITLE,
        period=period,
        generated_at=fmt_time(result.generated_at) + " UTC" if result.generated_at else None,
        tool_version=visible(result.tool_version),
        redaction_enabled=enabled,
        redaction_line=line,
    )


def _verdict(result: AnalysisResult, findings: list[Finding]) -> Verdict:
    by_severity = Counter(f.severity.label for f in findings)
    counts = tuple(
        SeverityCount(s.label, by_severity[s.label], fmt_int(by_severity[s.label]))
        for s in SEVERITIES
    )
    attention = [c for c in counts if c.count and c.severity != Severity.INFO.label]
    n_attention = sum(c.count for c in attention)
    info = by_severity[Severity.INFO.label]
    if n_attention:
        parts = ", ".join(f"{c.text} {c.severity}" for c in attention)
        verb = "needs" if n_attention == 1 else "need"
        text = f"{n_attention:,} finding{plural(n_attention)} {verb} attention: {parts}"
        if info:
            text += f" (and {info:,} informational)"
    elif info:
        text = f"No problems found: {info:,} informational finding{plural(info)}"
    else:
        text = "No findings: the analysed flows look consistent"
    worst = result.worst()
    if worst is not None and worst >= Severity.HIGH:
        tone = "bad"
    elif n_attention:
        tone = "warn"
    else:
        tone = "ok"
    incomplete = None
    if result.errors:
        n = len(result.errors)
        incomplete = (
            f"Results are incomplete: {n} detector{plural(n)} failed internally "
            "and reported nothing; see the errors below."
        )
        text += " (incomplete: a detector failed)"
    summary = result.summary
    stats = [
        Stat("events", fmt_int(summary.get("events", 0))),
        Stat("flows", fmt_int(summary.get("flows", 0))),
        Stat("SKUs", fmt_int(summary.get("skus", 0))),
        Stat("files", fmt_int(summary.get("files", len(result.inputs)))),
        Stat("rejected lines", fmt_int(summary.get("rejected", rejected_lines(result.inputs)))),
    ]
    skipped = summary.get("skipped_files", len(result.skipped))
    if skipped:
        stats.append(Stat("skipped files", fmt_int(skipped)))
    headline, scope = _verdict_headline(summary.get("drift") or {}, result.findings, summary)
    return Verdict(tone, text, counts, tuple(stats), incomplete, headline, scope)


def _verdict_headline(
    drift: dict[str, Any], findings: tuple[Finding, ...], summary: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The drift verdict as a headline, and the share of entities and SKUs behind it."""
    verdict = str(drift.get("verdict") or "")
    parts = []
    if verdict and verdict != "not evaluated":
        evaluated = int(drift.get("evaluated_entities") or 0)
        drifting = int(drift.get("drifting_entities") or 0)
        truth = visible(str(drift.get("source_of_truth") or "wms")).upper()
        share = float(drift.get("share") or 0.0)
        debt = drift.get("debt_share")
        text = (
            f"{drifting:,} of {evaluated:,} SKU-locations checked against {truth} "
            f"({share:.0%}) disagree with it at the end of the log"
        )
        if isinstance(debt, int | float) and not isinstance(debt, bool):
            text += f"; above {debt:.0%} counts as structural"
        parts.append(text)
    skus = summary.get("skus")
    named = {f.entity.split("@", 1)[0] for f in findings if f.entity}
    if isinstance(skus, int) and skus and named:
        n = min(len(named), skus)
        parts.append(f"{n:,} of {skus:,} SKUs ({n / skus:.0%}) are named in a finding")
    headline = visible(verdict).capitalize() if verdict else None
    scope = "; ".join(parts) + "." if parts else None
    return headline, scope


def _impact_key(finding: Finding) -> tuple[Any, ...]:
    """Rank by impact: severity, then the size of the quantity effect, then records affected.

    Ties are left to the caller (build_context breaks them by report order).
    """
    effect = finding.metrics.get(EFFECT_METRIC)
    size = abs(effect) if isinstance(effect, int | float) and not isinstance(effect, bool) else 0
    return (-int(finding.severity), -size, -finding.evidence_total)


def _impact(finding: Finding) -> str:
    parts = []
    effect = finding.metrics.get(EFFECT_METRIC)
    if isinstance(effect, int | float) and not isinstance(effect, bool):
        parts.append(f"effect {_metric(EFFECT_METRIC, effect)}")
    if finding.evidence_total:
        n = finding.evidence_total
        parts.append(f"{n:,} record{plural(n)} cited")
    if finding.start and finding.end and finding.end > finding.start:
        parts.append(f"over {fmt_duration(finding.end - finding.start)}")
    return ", ".join(parts)


def _finding(
    finding: Finding,
    baseline: str | None = None,
    excerpts: _Excerpts | None = None,
) -> FindingView:
    metrics = finding.metrics or {}
    # The effect is shown on its own as the headline; the rest by name.
    shown = tuple(
        Stat(visible(str(name)).replace("_", " "), _metric(str(name), metrics[name]))
        for name in sorted(metrics, key=str)
        if name != EFFECT_METRIC
    )
    effect = _metric(EFFECT_METRIC, metrics[EFFECT_METRIC]) if EFFECT_METRIC in metrics else None
    note = None
    if finding.evidence_total > len(finding.evidence):
        note = f"showing {len(finding.evidence):,} of {finding.evidence_total:,}"
    return FindingView(
        anchor=_anchor(finding.id),
        id=visible(finding.id),
        code=visible(finding.code),
        detector=visible(finding.detector),
        severity=finding.severity.label,
        title=visible(finding.title),
        flow=visible(finding.flow),
        entity=visible(finding.entity) if finding.entity is not None else None,
        window=fmt_window(finding.start, finding.end),
        metrics=shown,
        effect=effect,
        explanation=visible(finding.explanation, limit=PROSE_LIMIT, multiline=True),
        recommendation=visible(finding.recommendation, limit=PROSE_LIMIT, multiline=True),
        evidence=tuple(
            EvidenceRow(
                f"{visible(e.file)}:{e.line}",
                f"record {e.record:,}",
                excerpts.get((e.file, e.line)) if excerpts is not None else None,
            )
            for e in finding.evidence
        ),
        evidence_note=note,
        baseline=baseline,
        impact=_impact(finding) or None,
    )


def _metric(name: str, value: object) -> str:
    # NOTE: a signed effect makes the direction of the drift readable at a glance.
    text = fmt_number(value, signed=name == EFFECT_METRIC)
    # Seconds beyond a minute are easier to read as a duration too: "2,696 s (44m 56s)".
    if (
        name.endswith("_seconds")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 60 <= abs(value) < 1e9
    ):
        text = f"{text} s ({fmt_duration(timedelta(seconds=value))})"
    return text


def _anchor(finding_id: str) -> str:
    """Return the in-page anchor of a finding; non-hex ids are hashed to stay attribute-safe."""
    if _HEX_ID.fullmatch(finding_id):
        return f"f-{finding_id}"
    return "f-" + hashlib.sha256(finding_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _flows(per_flow: Any) -> tuple[FlowRow, ...]:
    rows = [
        FlowRow(
            flow=visible(item.get("flow", "")),
            source=visible(item.get("source", "")),
            events=fmt_int(item.get("events")),
            skus=fmt_int(item.get("skus")),
            window=fmt_window(parse_iso(item.get("start")), parse_iso(item.get("end"))),
            trigger=visible(str(item.get("trigger") or "—")).replace("_", " "),
            lag_window=_seconds(item.get("lag_window_seconds")),
            lag_p50=_seconds(item.get("lag_p50_seconds")),
            lag_p95=_seconds(item.get("lag_p95_seconds")),
            lag_max=_seconds(item.get("lag_max_seconds")),
        )
        for item in per_flow
    ]
    return tuple(sorted(rows, key=lambda r: (r.flow, r.source, r.window, r.events, r.skus)))


def _seconds(value: object) -> str:
    """A lag in seconds as a short duration ("3.5 s", "44m 57s"); "—" when unknown."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    if abs(value) < 60:
        return f"{value:,.1f} s"
    return fmt_duration(timedelta(seconds=value))


def _drift(block: dict[str, Any]) -> DriftView:
    verdict = str(block.get("verdict") or "not evaluated")
    evaluated = int(block.get("evaluated_entities") or 0)
    drifting = int(block.get("drifting_entities") or 0)
    truth = visible(str(block.get("source_of_truth") or "wms")).upper()
    if verdict == "not evaluated":
        text = "Drift not evaluated: " + visible(str(block.get("reason") or "no source of truth"))
    else:
        share = float(block.get("share") or 0.0)
        text = (
            f"{drifting:,} of {evaluated:,} entities disagree with the source of truth "
            f"({truth}) at the end of the log: {share:.1%}. Verdict: {visible(verdict)}."
        )
    top = block.get("top") or []
    source = str(block.get("source_of_truth") or "wms")
    names = sorted({str(k) for row in top for k in (row.get("values") or {})})
    systems = tuple(sorted(names, key=lambda n: (n != source, n)))
    rows = tuple(
        DriftRow(
            entity=visible(str(row.get("entity") or "")),
            values=tuple(fmt_number((row.get("values") or {}).get(n)) for n in systems),
            effect=fmt_number(row.get("quantity_effect"), signed=True),
            causes=visible(str(row.get("explained_by") or "none found")),
            unexplained=fmt_number(row.get("unexplained_quantity"), signed=True),
        )
        for row in top
    )
    return DriftView(visible(verdict), text, tuple(visible(n).upper() for n in systems), rows)
