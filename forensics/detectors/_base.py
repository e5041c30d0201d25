"""The detector interface: codes with their documentation, and the episode schema.

A detector is a pure function from the canonical events (a LazyFrame) and a
frozen context to a LazyFrame of episodes in EPISODE_SCHEMA. The engine, not
the detector, turns episodes into findings, so every detector gets the same
fingerprints, evidence bounds and ordering.

Several detectors and the summary start from the same preparation of the
events (the retry marks and the stale writes in apply order, the run
collapse, the trigger classification, the lag statistics). ``SharedFrames``
on the context builds each of them once per analysis, on first use.
"""

from __future__ import annotations

import re
import threading
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


class SharedFrames:
    """Preparations of one analysis' events that several detectors read, each built once.

    The engine passes every detector the same LazyFrame (``bind``); a
    detector asks for a preparation with ``frame``. For those events the
    first request collects the preparation and later ones read the result;
    for any other frame (a detector called on its own, as tests do) the
    preparation stays part of the caller's lazy plan, so a detector's result
    never depends on whether another ran before it.

    Detectors may ask from several threads at once (the engine runs them
    concurrently): a request for a preparation another thread is building
    waits for it instead of building it again. A build that raises stores
    nothing, so the next request builds again and fails in its own detector.

    NOTE: collecting here is the one exception to "no collect() in a
    detector" (besides the mapping detector counting its in-memory table):
    without it each detector sorts or collapses the ~1M events again, since
    separate collects share no cache() node.
    """

    __slots__ = ("_events", "_frames", "_guard", "_lazy")

    def __init__(self) -> None:
        self._events: pl.DataFrame | None = None
        self._lazy: pl.LazyFrame | None = None
        self._frames: dict[str, _Once] = {}
        self._guard = threading.Lock()

    def bind(self, events: pl.DataFrame) -> pl.LazyFrame:
        """Return the LazyFrame of events whose preparations are shared.

        Binding other events drops the preparations of the previous ones, so
        one context never holds more than one analysis' frames.
        """
        with self._guard:
            if events is not self._events or self._lazy is None:
                self._events, self._lazy, self._frames = events, events.lazy(), {}
            return self._lazy

    def frame(
        self, events: pl.LazyFrame, name: str, build: Callable[[pl.LazyFrame], pl.LazyFrame]
    ) -> pl.LazyFrame:
        """Return ``build(events)``, computed once per bound events and name.

        Args:
            events: the events a detector was given.
            name: names the preparation; one name, one build function.
            build: the preparation as a lazy plan over the events.
        """
        with self._guard:
            once = self._frames.setdefault(name, _Once()) if events is self._lazy else None
        # NOTE: builds run outside the guard: a build may ask for other preparations.
        if once is None:
            return build(events)
        return once.get(lambda: build(events).collect()).lazy()


class _Once:
    """One preparation: built by the first caller while later ones wait for it."""

    __slots__ = ("_frame", "_lock")

    def __init__(self) -> None:
        self._frame: pl.DataFrame | None = None
        self._lock = threading.Lock()

    def get(self, make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        # NOTE: no deadlock as long as no build asks for a preparation whose
        # build asks for its own (the builds' requests form no cycle).
        with self._lock:
            if self._frame is None:
                self._frame = make()
            return self._frame


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
        shared: preparations of the events shared by detectors and the summary.
    """

    thresholds: Thresholds
    source_of_truth: str = "wms"
    flows: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    mappings: pl.LazyFrame = field(default_factory=lambda: pl.LazyFrame(schema=MAPPING_SCHEMA))
    facts: tuple[Any, ...] = ()
    # NOTE: not an init field, so dataclasses.replace() (other thresholds or
    # flows) gets empty preparations instead of ones built for this context.
    shared: SharedFrames = field(
        default_factory=SharedFrames, init=False, compare=False, repr=False
    )


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
