"""The detector interface: codes with their documentation, and the episode schema.

A detector is a pure function from the canonical events (a LazyFrame) and a
frozen context to a LazyFrame of episodes in EPISODE_SCHEMA. The engine, not
the detector, turns episodes into findings, so every detector gets the same
fingerprints, evidence bounds and ordering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from forensics.config import Thresholds
from forensics.findings import Severity
from forensics.schema import MAPPING_SCHEMA, UTC_US

CODE_PATTERN: Final = re.compile(r"^[A-Z]{3}\d{3}$")

# One row per incident. `severity` may be null (the code's default applies);
# `metrics` is JSON text so that each code can carry its own metrics and frames
# of different detectors still concatenate.
EPISODE_SCHEMA: Final = pl.Schema(
    {
        "code": pl.String(),
        "flow": pl.String(),
        "entity": pl.String(),
        "start": UTC_US,
        "end": UTC_US,
        "severity": pl.String(),
        "metrics": pl.String(),
        "evidence_rows": pl.List(pl.UInt32()),
        "evidence_total": pl.UInt32(),
    }
)


@dataclass(frozen=True, slots=True)
class Code:
    """A finding code and its documentation, shown in reports, JSON and README.

    Attributes:
        code: stable id such as ``OOS001``; never reused or renumbered.
        title: template filled from episode fields and metrics, e.g. ``{entity}``.
        severity: default severity; a detector may set another per episode.
        what: what the finding means, one or two sentences.
        why: why it matters for inventory counts.
        fix: what to change so it stops happening.
    """

    code: str
    title: str
    severity: Severity
    what: str
    why: str
    fix: str


@dataclass(frozen=True, slots=True)
class DetectContext:
    """Everything a detector may read besides the events.

    Attributes:
        thresholds: from [thresholds] in forensics.toml.
        source_of_truth: the authoritative system ([systems]).
        flows: flow name -> (from system, to system), from [flows."..."].
        mappings: the mappings table (MAPPING_SCHEMA): observed field pairs.
        facts: cross-file facts of the export (e.g. ``make.mapping`` declared in
            a blueprint), each with kind, key, values, file and line.
    """

    thresholds: Thresholds
    source_of_truth: str = "wms"
    flows: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    mappings: pl.LazyFrame = field(default_factory=lambda: pl.LazyFrame(schema=MAPPING_SCHEMA))
    facts: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Detector:
    """A registered detector family.

    Attributes:
        name: readable slug, e.g. ``out_of_sequence``.
        codes: the codes it may emit.
        requires: canonical columns it reads.
        detect: pure function from events to episodes.
    """

    name: str
    codes: tuple[Code, ...]
    requires: tuple[str, ...]
    detect: Callable[[pl.LazyFrame, DetectContext], pl.LazyFrame]
