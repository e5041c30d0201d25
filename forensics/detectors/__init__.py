"""The explicit detector registry, checked when it is built.

Codes must be unique across detectors and shaped like ``OOS001``; every
required column must exist in the canonical schema; every documentation text
must be a full sentence. A violation is our bug and fails at import.
"""

from __future__ import annotations

from typing import Final

from forensics.detectors import (
    delays,
    drift,
    gaps,
    mappings,
    out_of_sequence,
    retries,
    sync_triggers,
)
from forensics.detectors._base import CODE_PATTERN, Code, DetectContext, Detector
from forensics.errors import DetectorDefinitionError
from forensics.schema import ROWED_EVENT_SCHEMA

__all__ = ["CODES", "DETECTORS", "Code", "DetectContext", "Detector", "build_registry"]


def build_registry(detectors: tuple[Detector, ...]) -> dict[str, tuple[Detector, Code]]:
    """Check the detectors and index their codes.

    Raises:
        DetectorDefinitionError: duplicate or malformed code, unknown column, or
            documentation that is empty or not a sentence.
    """
    codes: dict[str, tuple[Detector, Code]] = {}
    names: set[str] = set()
    for detector in detectors:
        if detector.name in names:
            raise DetectorDefinitionError(f"detector name {detector.name!r} is registered twice")
        names.add(detector.name)
        unknown = [c for c in detector.requires if c not in ROWED_EVENT_SCHEMA]
        if unknown:
            raise DetectorDefinitionError(f"{detector.name} requires unknown columns {unknown}")
        for code in detector.codes:
            if not CODE_PATTERN.match(code.code):
                raise DetectorDefinitionError(f"{code.code!r} is not shaped like ABC123")
            if code.code in codes:
                raise DetectorDefinitionError(f"code {code.code} is declared twice")
            for field in ("what", "why", "fix"):
                text = getattr(code, field).strip()
                if not text.endswith("."):
                    raise DetectorDefinitionError(f"{code.code}.{field} must be full sentences")
            codes[code.code] = (detector, code)
    return codes


DETECTORS: Final[tuple[Detector, ...]] = (
    gaps.DETECTOR,
    delays.DETECTOR,
    retries.DETECTOR,
    out_of_sequence.DETECTOR,
    mappings.DETECTOR,
    sync_triggers.DETECTOR,
    drift.DETECTOR,
)
CODES: Final = build_registry(DETECTORS)
