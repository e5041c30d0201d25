"""Tell the five Make export shapes apart by content, once per file head.

Every Make sniffer asks ``classify`` and scores only its own shape, so no two
Make formats can claim the same file. A head that decodes as JSON is judged by
its top-level keys (0.95); a head cut by the sniff window, or damaged, is judged
by the text of its envelope keys (0.6), so a partly malformed export still
reaches its reader and its bad records are reported instead of the file being
skipped. Files of other platforms carry none of these keys and score 0.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any, Final

from parsers._json import RecordError, loads_value
from parsers._text import to_utf8

SCENARIO_LOGS: Final = "scenario_logs"
HOOK_LOGS: Final = "hook_logs"
INCOMINGS: Final = "incomings"
BLUEPRINT: Final = "blueprint"
DLQ: Final = "dlq"
DLQ_BUNDLE: Final = "dlq_bundle"

SURE: Final = 0.95
TEXT_ONLY: Final = 0.6

# Envelope keys holding record lists, per shape.
ENVELOPES: Final = {
    "scenarioLogs": SCENARIO_LOGS,
    "scenarioLog": SCENARIO_LOGS,
    "dlqLogs": SCENARIO_LOGS,
    "hookLogs": HOOK_LOGS,
    "incomings": INCOMINGS,
    "dlqs": DLQ,
    "dlq": DLQ,
}
# Fields only an incomplete-execution record has; `{"dlq": {...}}` alone is too generic.
_DLQ_FIELDS: Final = ("executionId", "reason", "retry", "attempts", "resolved", "scenarioId")

_ENVELOPE_TEXT: Final = re.compile(r'"(' + "|".join(ENVELOPES) + r')"\s*:\s*[\[{]')
_RUN_IMT: Final = re.compile(r"\d+_(?:scenario|dlq)\.")
_BLUEPRINT_TEXT: Final = re.compile(r'"flow"\s*:\s*\[\s*\{')
_MODULE_TEXT: Final = re.compile(r'"module"\s*:\s*"[\w.-]+:[\w.-]+"')
_BUNDLE_TEXT: Final = re.compile(r'"response"\s*:\s*\{\s*"\d+"\s*:')


def unwrap_blueprint(value: dict[str, Any]) -> tuple[dict[str, Any] | None, Any]:
    """Return the blueprint inside a document and the scenario id stated beside it.

    Accepts a bare blueprint ``{"name", "flow", "metadata"}``, the API response
    ``{"response": {"blueprint": {...}, "scenarioId": N}}`` and ``{"blueprint": {...}}``;
    a ``scenarioId`` may sit at the top level or inside ``response``.

    Returns:
        ``(blueprint, scenario id)``; the blueprint is None when the value is not one.
    """
    outer_id = value.get("scenarioId")
    response = value.get("response")
    if type(response) is dict and type(response.get("blueprint")) is dict:
        inner_id = response.get("scenarioId")
        return response["blueprint"], inner_id if inner_id is not None else outer_id
    if type(value.get("blueprint")) is dict:
        return value["blueprint"], outer_id
    if type(value.get("flow")) is list and ("name" in value or "metadata" in value):
        return value, outer_id
    return None, outer_id


def is_bundle(value: dict[str, Any]) -> bool:
    """Whether a document is an incomplete execution's bundle ``{"code", "response"}``."""
    response = value.get("response")
    if type(response) is not dict or "blueprint" in response:
        return False
    # Module outputs are keyed by module id; an empty bundle is known by its `code`.
    if response:
        return all(str(k).isdigit() for k in response)
    return "code" in value


def shape_of(value: dict[str, Any]) -> str | None:
    """Classify a decoded top-level object (or the first element of a list).

    Besides the envelopes, a bare log record (an envelope's records saved on
    their own, e.g. with ``jq .scenarioLogs``) is recognised when its keys are
    Make's own: an ``imtId`` naming a scenario or dlq run, or ``loggedAt`` with
    ``statusId``.
    """
    for key, shape in ENVELOPES.items():
        inner = value.get(key)
        if type(inner) is list or type(inner) is dict:
            if key == "dlq" and not any(k in inner for k in _DLQ_FIELDS):
                continue
            return shape
    imt = value.get("imtId")
    if isinstance(imt, str) and _RUN_IMT.match(imt) and "timestamp" in value:
        return SCENARIO_LOGS
    if "loggedAt" in value and "statusId" in value:
        return HOOK_LOGS
    if unwrap_blueprint(value)[0] is not None:
        return BLUEPRINT
    if is_bundle(value):
        return DLQ_BUNDLE
    return None


def _shape_of_text(text: str) -> str | None:
    """Classify a head that does not decode, by its first envelope key."""
    match = _ENVELOPE_TEXT.search(text)
    if match:
        return ENVELOPES[match.group(1)]
    if _BLUEPRINT_TEXT.search(text) and _MODULE_TEXT.search(text):
        return BLUEPRINT
    if _BUNDLE_TEXT.search(text):
        return DLQ_BUNDLE
    return None


@lru_cache(maxsize=16)
def classify(head: bytes) -> tuple[str | None, float]:
    """Return the Make shape of a file head and how sure we are.

    Args:
        head: the first bytes of the file (the sniff window).

    Returns:
        ``(shape, confidence)``; ``(None, 0.0)`` for anything that is not Make.
    """
    body, _, _ = to_utf8(head)
    text = body.decode("utf-8", errors="replace").lstrip()
    if not text.startswith(("{", "[")):
        return None, 0.0
    value = loads_value(text, Counter())
    if type(value) is list:
        value = value[0] if value else None
    if type(value) is dict:
        shape = shape_of(value)
        return (shape, SURE) if shape else (None, 0.0)
    if not isinstance(value, RecordError):
        return None, 0.0
    shape = _shape_of_text(text)
    return (shape, TEXT_ONLY) if shape else (None, 0.0)


def score(head: bytes, *shapes: str) -> float:
    """Return the confidence that head is one of shapes, else 0."""
    shape, confidence = classify(head)
    return confidence if shape in shapes else 0.0
