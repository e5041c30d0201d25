"""findings.json: the stable document that regression runs snapshot (SPEC section 5).

Key order is fixed by construction, never by dict iteration of data; no NaN
(strict JSON readers reject it), no wall-clock time, no absolute path.
"""

from __future__ import annotations

import json
from typing import Any

from forensics.findings import SCHEMA_VERSION, AnalysisResult, InputFile
from forensics.schema import Rejection

TOOL_NAME = "middleware-forensics"


def to_document(result: AnalysisResult) -> dict[str, Any]:
    """Return findings.json as plain JSON values."""
    findings = [f.to_json() for f in result.findings]
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": result.tool_version},
        "config": result.config,
        "redaction": result.redaction,
        "inputs": [_input(i) for i in result.inputs],
        "skipped": [{"file": s.file, "reason": s.reason} for s in result.skipped],
        "summary": result.summary,
        "errors": list(result.errors),
        "findings": findings,
    }
    marks = result.baseline
    if marks is not None:
        for finding in findings:
            finding["baseline"] = marks.statuses.get(finding["id"], "new")
        document["baseline"] = {
            "file": marks.file,
            "new": marks.count("new"),
            "unchanged": marks.count("unchanged"),
            "resolved": list(marks.resolved),
        }
    return document


def _input(item: InputFile) -> dict[str, Any]:
    return {
        "file": item.file,
        "format": item.format,
        "records": item.records,
        "rejected": item.rejected,
        "reasons": item.reasons,
        "notes": item.notes,
        "rejections": [_rejection(r) for r in item.rejections],
    }


def _rejection(r: Rejection) -> dict[str, Any]:
    return {
        "file": r.file,
        "line": r.line,
        "record": r.record,
        "offset": r.offset,
        "reason": r.reason,
        "detail": r.detail,
        "excerpt": r.excerpt,
    }


def dumps(result: AnalysisResult) -> str:
    """Serialise findings.json: two-space indent, UTF-8 text, trailing newline."""
    # NOTE: ensure_ascii keeps lone surrogates from log data encodable as \\udXXX.
    text = json.dumps(to_document(result), indent=2, ensure_ascii=True, allow_nan=False)
    return text + "\n"
