"""The numbers that open the report and findings.json: what was analysed, what was found."""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl

from forensics.findings import Finding, InputFile, Severity, Skipped, iso

_BEST_TIME = pl.coalesce("processed_at", "received_at", "occurred_at")


def summarize(
    events: pl.DataFrame,
    findings: list[Finding],
    inputs: tuple[InputFile, ...],
    skipped: tuple[Skipped, ...],
) -> dict[str, Any]:
    """Return the SPEC section 5 summary block.

    Args:
        events: canonical events of the analysis.
        findings: every finding.
        inputs: files read, with their accounting.
        skipped: files not read.

    Returns:
        events, flows, skus, start, end, findings_by_severity, drift, plus file
        accounting and a per-flow breakdown.
    """
    span = events.select(start=_BEST_TIME.min(), end=_BEST_TIME.max()).row(0, named=True)
    per_flow = (
        events.group_by("flow")
        .agg(
            source=pl.col("source").cast(pl.String).first(),
            events=pl.len(),
            skus=pl.col("sku").drop_nulls().n_unique(),
            start=_BEST_TIME.min(),
            end=_BEST_TIME.max(),
        )
        .sort("flow")
    )
    by_severity = Counter(f.severity.label for f in findings)
    skus = events.select(pl.col("sku").drop_nulls().n_unique()).item()
    return {
        "events": events.height,
        "flows": per_flow.height,
        "skus": skus,
        "start": iso(span["start"]),
        "end": iso(span["end"]),
        "findings_by_severity": {
            s.label: by_severity.get(s.label, 0) for s in sorted(Severity, reverse=True)
        },
        # NOTE: drift attribution (DRF001) is not implemented yet; active SKUs are
        # the denominator it will use.
        "drift": {"active_skus": skus},
        "files": len(inputs),
        "records": sum(i.records for i in inputs),
        "rejected": sum(i.rejected for i in inputs),
        "skipped_files": len(skipped),
        "per_flow": [
            {**row, "start": iso(row["start"]), "end": iso(row["end"])}
            for row in per_flow.iter_rows(named=True)
        ],
    }
