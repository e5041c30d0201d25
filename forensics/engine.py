"""Run the detectors and turn their episodes into findings.

Each detector runs in isolation: one that raises or returns a frame of the
wrong schema becomes a recorded internal error and the others still report
(sqlfluff's per-rule isolation). Detectors run concurrently, each in its own
thread, and their findings are gathered in detector order. Fingerprints,
evidence bounds and titles are made here, once, so every detector's findings
look and sort alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from forensics.detectors import CODES, DETECTORS, DetectContext, Detector
from forensics.detectors._base import EPISODE_SCHEMA
from forensics.findings import MAX_EVIDENCE, Evidence, Finding, Severity, fingerprint


def run_detectors(
    events: pl.DataFrame,
    ctx: DetectContext,
    detectors: Iterable[Detector] = DETECTORS,
) -> tuple[list[Finding], list[str]]:
    """Run every detector over the events.

    Args:
        events: canonical events with their ``row`` numbers.
        ctx: thresholds and systems.
        detectors: which detectors to run (all by default).

    Returns:
        The findings (unsorted) and one sentence per detector that failed.
    """
    lazy = ctx.shared.bind(events)

    def run(detector: Detector) -> tuple[list[Finding], str | None]:
        try:
            episodes = detector.detect(lazy, ctx).collect()
            if episodes.schema != EPISODE_SCHEMA:
                raise TypeError(f"returned columns {dict(episodes.schema)}")
            return _findings(detector, episodes, events), None
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return [], (
                f"The {detector.name} detector failed ({type(exc).__name__}: {first}); "
                "its findings are missing from this report, please report the bug."
            )

    # NOTE: detectors run in threads: much of their work (a group_by over ~1M
    # string keys, a sort, a window) runs on one core inside Polars, which
    # releases the GIL while it collects, so two detectors keep both cores
    # busy. More threads than Polars' own only add contention. map() returns
    # in detector order, so findings and errors keep their order.
    workers = max(1, pl.thread_pool_size())
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detector") as pool:
        outcomes = list(pool.map(run, detectors))
    findings = [finding for found, _ in outcomes for finding in found]
    errors = [error for _, error in outcomes if error is not None]
    return findings, errors


def _findings(detector: Detector, episodes: pl.DataFrame, events: pl.DataFrame) -> list[Finding]:
    if episodes.is_empty():
        return []
    cited = (
        episodes.select(pl.col("evidence_rows").list.head(MAX_EVIDENCE).explode().alias("row"))
        .drop_nulls()
        .unique()
        .join(events.select("row", "file", "line", "record"), on="row", how="inner")
    )
    locate = {row: Evidence(file, line, record) for row, file, line, record in cited.iter_rows()}
    out = []
    # NOTE: one iteration per incident (few by construction), never per event.
    for episode in episodes.iter_rows(named=True):
        owner, code = CODES[episode["code"]]
        if owner is not detector:
            raise TypeError(f"emitted {episode['code']}, which belongs to {owner.name}")
        metrics = _metrics(episode["metrics"])
        rows = (episode["evidence_rows"] or [])[:MAX_EVIDENCE]
        severity = Severity.parse(episode["severity"]) if episode["severity"] else code.severity
        fields = {"flow": episode["flow"], "entity": episode["entity"] or "the flow", **metrics}
        out.append(
            Finding(
                id=fingerprint(code.code, episode["flow"], episode["entity"], episode["start"]),
                code=code.code,
                detector=detector.name,
                severity=severity,
                title=code.title.format_map(_Blank(fields)),
                flow=episode["flow"],
                entity=episode["entity"],
                start=episode["start"],
                end=episode["end"],
                metrics=metrics,
                evidence=tuple(locate[r] for r in rows if r in locate),
                evidence_total=int(episode["evidence_total"] or 0),
                explanation=f"{code.what} {code.why}",
                recommendation=code.fix,
            )
        )
    return out


class _Blank(dict[str, Any]):
    """Title fields; a missing one renders as '?' instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


def _metrics(text: str | None) -> dict[str, Any]:
    """Decode a metrics JSON text; whole floats become ints so JSON reads naturally."""
    if not text:
        return {}
    return {key: _tidy(value) for key, value in json.loads(text).items()}


def _tidy(value: Any) -> Any:
    # NOTE: findings.json metrics are scalars (its schema says so): a list or
    # object a detector emits is flattened to text rather than breaking readers.
    if isinstance(value, list):
        return ", ".join(str(_tidy(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            return int(value)
        return round(value, 6)
    return value
