"""Findings, their fingerprints and order, and the findings.json document (SPEC section 5).

A finding is an incident, not a log row. Its id is a hash of what identifies
the incident (code, flow, entity, episode start) and nothing else, so the same
incident has the same id on every run, machine and file order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Final

from forensics.schema import Rejection

SCHEMA_VERSION: Final = 1
MAX_EVIDENCE: Final = 20
MAX_REJECTIONS_LISTED: Final = 20


class Severity(IntEnum):
    """Ordered severities; a higher value is worse."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The lower-case name used in JSON, CLI options and reports."""
        return self.name.lower()

    @classmethod
    def parse(cls, label: str) -> Severity:
        """Return the severity named by label (case-insensitive)."""
        return cls[label.upper()]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a cited record starts: file, line, and record position in the file."""

    file: str
    line: int
    record: int

    def to_json(self) -> dict[str, Any]:
        """Return the SPEC section 5 evidence object."""
        return {"file": self.file, "line": self.line, "record": self.record}


@dataclass(frozen=True, slots=True)
class Finding:
    """One incident: a flow (and entity) in one contiguous episode."""

    id: str
    code: str
    detector: str
    severity: Severity
    title: str
    flow: str
    entity: str | None
    start: datetime | None
    end: datetime | None
    metrics: dict[str, Any]
    evidence: tuple[Evidence, ...]
    evidence_total: int
    explanation: str
    recommendation: str

    def sort_key(self) -> tuple[Any, ...]:
        """Severity (worst first), code, flow, entity, start: a total order."""
        return (
            -int(self.severity),
            self.code,
            self.flow,
            self.entity or "",
            iso(self.start) or "",
            self.id,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the SPEC section 5 finding object."""
        return {
            "id": self.id,
            "code": self.code,
            "detector": self.detector,
            "severity": self.severity.label,
            "title": self.title,
            "flow": self.flow,
            "entity": self.entity,
            "start": iso(self.start),
            "end": iso(self.end),
            "metrics": self.metrics,
            "evidence": [e.to_json() for e in self.evidence],
            "evidence_total": self.evidence_total,
            "explanation": self.explanation,
            "recommendation": self.recommendation,
        }


def iso(value: datetime | None) -> str | None:
    """Format a UTC datetime as ISO 8601 with a Z suffix; keep sub-seconds only when set."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    spec = "microseconds" if value.microsecond % 1000 else "milliseconds"
    if value.microsecond == 0:
        spec = "seconds"
    return value.isoformat(timespec=spec).replace("+00:00", "Z")


def fingerprint(code: str, flow: str, entity: str | None, start: datetime | None) -> str:
    """Return the 12-hex-digit id of an incident: a hash of code, flow, entity and start."""
    parts = (code, flow, entity or "", iso(start) or "")
    # NOTE: a unit separator cannot occur in any part, so no two tuples collide by joining.
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:12]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Return findings in the deterministic report order."""
    return sorted(findings, key=Finding.sort_key)


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file that a parser read, with its accounting.

    ``rejections`` holds the first MAX_REJECTIONS_LISTED; ``reasons`` counts all
    of them by reason, ``notes`` counts records read but flagged.
    """

    file: str
    format: str
    records: int
    rejected: int
    rejections: tuple[Rejection, ...]
    notes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file no parser read, and why."""

    file: str
    reason: str


@dataclass(frozen=True, slots=True)
class BaselineMarks:
    """How this run's findings compare with an earlier findings.json (``--baseline``).

    Attributes:
        file: the baseline file's name (never an absolute path: output stays stable).
        statuses: finding id -> "new" or "unchanged".
        resolved: findings of the baseline that this run no longer reports (JSON objects).
    """

    file: str
    statuses: dict[str, str]
    resolved: tuple[dict[str, Any], ...]

    def count(self, status: str) -> int:
        """How many findings of this run have the status."""
        return sum(1 for s in self.statuses.values() if s == status)


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """Everything one analysis produced; reports and findings.json are built from it."""

    tool_version: str
    config: dict[str, Any]
    inputs: tuple[InputFile, ...]
    skipped: tuple[Skipped, ...]
    summary: dict[str, Any]
    findings: tuple[Finding, ...]
    errors: tuple[str, ...] = ()
    redaction: dict[str, Any] = field(default_factory=lambda: {"enabled": True, "counts": {}})
    generated_at: datetime | None = None
    baseline: BaselineMarks | None = None
    # Report-only extras, never in findings.json. excerpts: (file, line) -> the
    # cited record's redacted, clipped text (reports.evidence.attach_excerpts).
    # timelines: per-flow run and lag series (forensics.series.timeline_series).
    excerpts: dict[tuple[str, int], str] = field(default_factory=dict)
    timelines: dict[str, Any] = field(default_factory=dict)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, if any."""
        return max((f.severity for f in self.findings), default=None)
