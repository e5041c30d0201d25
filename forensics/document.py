"""findings.json: the stable document that regression runs snapshot (SPEC section 5).

Key order is fixed by construction, never by dict iteration of data; no NaN
(strict JSON readers reject it), no wall-clock time, no absolute path.
"""

from __future__ import annotations

import json
from json import encoder as _json_encoder
from typing import Any, Final

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
    return dumps_indented(to_document(result)) + "\n"


# Exactly these types are encoded by the C encoder inside a container of scalars;
# subclasses (bool aside, which is exact) take the general path like json does.
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_INDENT: Final = "  "
_c_escape = _json_encoder.c_encode_basestring_ascii or _json_encoder.py_encode_basestring_ascii


def dumps_indented(value: Any) -> str:
    """Return ``json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)``, faster.

    With ``indent`` set, CPython's json uses its pure-Python encoder, which passes
    every token up a chain of nested generators: at 1M deliveries findings.json
    took 0.45-0.7 CPU s that way. Here the nesting is walked in Python once per
    container, appending to one list, and every container holding only scalars
    (evidence objects, metrics) is encoded whole by the C encoder with the
    separator of its depth, so the text is the same byte for byte (the property
    test in tests/reports/test_document_json.py compares the two).

    Raises:
        ValueError: a float is NaN or infinite, or a container contains itself.
        TypeError: a value or key json cannot encode.
    """
    if _json_encoder.c_make_encoder is None:  # pragma: no cover - CPython always has _json
        return json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)
    out: list[str] = []
    _encode(value, 0, out, set())
    return "".join(out)


def _leaf_encoder(depth: int) -> Any:
    """The C encoder for a container of scalars at depth: items one per line, indented."""
    while len(_LEAF_ENCODERS) <= depth:
        separator = ",\n" + _INDENT * (len(_LEAF_ENCODERS) + 1)
        _LEAF_ENCODERS.append(
            _json_encoder.c_make_encoder(
                None, None, _c_escape, None, ": ", separator, False, False, False
            )
        )
    return _LEAF_ENCODERS[depth]


_LEAF_ENCODERS: list[Any] = []


def _scalar(value: Any) -> str:
    """Encode a non-container value as json.dumps does (same checks, same order)."""
    if isinstance(value, str):
        return _c_escape(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
        return float.__repr__(value)
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _key(key: Any) -> str:
    """Encode a dict key as json.dumps does: str, or a scalar turned into a string."""
    if isinstance(key, str):
        return _c_escape(key)
    if isinstance(key, float) or key is True or key is False or key is None:
        return _c_escape(_scalar(key))
    if isinstance(key, int):
        return _c_escape(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _encode(value: Any, depth: int, out: list[str], path: set[int]) -> None:
    """Append value's indented encoding at depth to out; path holds the open containers' ids."""
    if isinstance(value, dict):
        items: Any = value.values()
        opening, closing = "{", "}"
    elif isinstance(value, list | tuple):
        items = value
        opening, closing = "[", "]"
    else:
        out.append(_scalar(value))
        return
    if not value:
        out.append(opening + closing)
        return
    inner = "\n" + _INDENT * (depth + 1)
    scalars, escape = _SCALARS, _c_escape
    if scalars.issuperset(map(type, items)):
        text = _leaf_encoder(depth)(value, 0)[0]
        out.append(opening + inner + text[1:-1] + "\n" + _INDENT * depth + closing)
        return
    marker = id(value)
    if marker in path:
        raise ValueError("Circular reference detected")
    path.add(marker)
    separator = opening + inner
    child, inner_child = _leaf_encoder(depth + 1), inner + _INDENT
    # NOTE: members of an object and items of a list differ only by the key
    # before them, so one loop writes both.
    if opening == "{":
        heads: Any = (
            ((escape(key) if type(key) is str else _key(key)) + ": ", item)
            for key, item in value.items()
        )
    else:
        heads = (("", item) for item in value)
    for name, item in heads:
        head = separator + name
        separator = "," + inner
        if type(item) is str:
            out.append(head + escape(item))
        elif type(item) in scalars:
            out.append(head + _scalar(item))
        elif type(item) is dict and item and scalars.issuperset(map(type, item.values())):
            # An object of scalars (metrics, evidence): encoded whole, without recursing.
            text = child(item, 0)[0]
            out.append(head + "{" + inner_child + text[1:-1] + inner + "}")
        else:
            out.append(head)
            _encode(item, depth + 1, out, path)
    path.discard(marker)
    out.append("\n" + _INDENT * depth + closing)
