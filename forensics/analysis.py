"""One analysis from a path to an AnalysisResult: load, detect, summarise.

This is the library entry point the CLI and `forensics.testing` call; it prints
nothing and raises only ForensicsError for input the user can fix.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from forensics import __version__
from forensics.attribution import attribute
from forensics.baseline import compare, read_findings
from forensics.config import Config
from forensics.detectors import DetectContext
from forensics.engine import run_detectors
from forensics.errors import UnreadableInputError
from forensics.findings import AnalysisResult, BaselineMarks, sort_findings
from forensics.loader import Loaded, load
from forensics.redact import Redactor
from forensics.series import timeline_series
from forensics.summary import summarize


def analyze(
    path: Path,
    config: Config,
    *,
    redact: bool = True,
    generated_at: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    baseline: Path | None = None,
) -> AnalysisResult:
    """Analyse an export folder, file or archive.

    Args:
        path: what to analyse.
        config: the effective configuration.
        redact: redact secrets in everything shown (default on).
        generated_at: the report's "generated at"; None prints none.
        progress: called with each file name as it is read.
        baseline: an earlier findings.json; findings are then marked new or
            unchanged and the ones no longer found are listed as resolved.

    Returns:
        The findings, accounting and summary of the analysis.

    Raises:
        UnreadableInputError: the path is missing or no file in it could be read.
        ConfigError: the configuration is invalid.
    """
    # NOTE: read the baseline first so a bad baseline fails before a long analysis.
    old = read_findings(baseline) if baseline is not None else None
    redactor = Redactor(enabled=redact)
    loaded: Loaded = load(path, config, redactor=redactor, progress=progress)
    if not loaded.inputs:
        reason = loaded.skipped[0].reason if len(loaded.skipped) == 1 else None
        detail = f" ({loaded.skipped[0].file}: {reason})" if reason else ""
        raise UnreadableInputError(
            f"{path}: no readable export found in {len(loaded.skipped)} file(s){detail}; "
            "run `forensics formats` to see what is recognised."
        )
    ctx = detect_context(config, loaded)
    findings, errors = run_detectors(loaded.events, ctx)
    # NOTE: sorted first so the causes each drift finding lists come in report order,
    # not in whatever order the detectors returned them.
    findings, drift = attribute(loaded.events, ctx, sort_findings(findings))
    ordered = sort_findings(findings)
    marks = None
    if old is not None and baseline is not None:
        comparison = compare(old, [f.to_json() for f in ordered])
        statuses = {f["id"]: "unchanged" for f in comparison.unchanged}
        statuses.update({f["id"]: "new" for f in comparison.new})
        marks = BaselineMarks(baseline.name, statuses, comparison.resolved)
    return AnalysisResult(
        tool_version=__version__,
        config=config.to_json(),
        inputs=loaded.inputs,
        skipped=loaded.skipped,
        summary=summarize(loaded.events, ordered, loaded.inputs, loaded.skipped, drift, ctx),
        findings=tuple(ordered),
        errors=tuple(errors),
        redaction={"enabled": redact, "counts": dict(sorted(redactor.counts.items()))},
        generated_at=generated_at,
        baseline=marks,
        timelines=timeline_series(loaded.events, ctx=ctx),
    )


def detect_context(config: Config, loaded: Loaded) -> DetectContext:
    """What every detector is given besides the events: thresholds, systems, mappings, facts."""
    return DetectContext(
        thresholds=config.thresholds,
        source_of_truth=config.source_of_truth,
        flows={name: (s.source, s.destination) for name, s in config.flows},
        mappings=loaded.mappings.lazy(),
        facts=loaded.facts,
    )
