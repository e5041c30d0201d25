"""The data-quality appendix of the view-model: what was read, what was not, and how.

Per-file accounting, rejected lines grouped by reason with their first examples,
skipped files, and the effective configuration in words. Split from
``reports.context`` only to keep modules small; ``context`` re-exports it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from forensics.findings import AnalysisResult, InputFile
from forensics.schema import NOTE_CODES, Rejection
from reports._text import DASH, Stat, flatten, fmt_int, plural, visible

REJECTION_EXAMPLES: Final = 3
EXCERPT_LIMIT: Final = 2000
DETAIL_LIMIT: Final = 500

# Redacts a free-text message (the identity when redaction is off).
Scrub = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class FileRow:
    """One input file's accounting."""

    file: str
    format: str
    records: str
    rejected: str
    notes: str


@dataclass(frozen=True, slots=True)
class NoteRow:
    """One note code over all files: how often it was raised and what it means."""

    code: str
    count: str
    meaning: str


@dataclass(frozen=True, slots=True)
class RejectionExample:
    """One rejected line shown as an example of its reason."""

    location: str
    detail: str
    excerpt: str | None


@dataclass(frozen=True, slots=True)
class RejectionGroup:
    """Rejected lines of one reason: the count over all files and the first examples."""

    reason: str
    count: str
    examples: tuple[RejectionExample, ...]


@dataclass(frozen=True, slots=True)
class DataQuality:
    """The appendix: what was read, what was not, and with which configuration."""

    summary: str
    files: tuple[FileRow, ...]
    totals: FileRow
    rejections: tuple[RejectionGroup, ...]
    rejections_note: str | None
    skipped: tuple[Stat, ...]
    timezone: str
    config_origin: str
    config: tuple[Stat, ...]
    notes: tuple[NoteRow, ...] = ()


def build_data_quality(result: AnalysisResult, scrub: Scrub) -> DataQuality:
    """Build the appendix; files, reasons and skipped files are sorted, never in dict order.

    Args:
        result: the analysis.
        scrub: redaction applied to free-text messages (details, excerpts, reasons).

    Returns:
        The appendix view-model.
    """
    inputs = sorted(result.inputs, key=lambda f: (f.file, f.format, f.records, f.rejected))
    files = tuple(
        FileRow(
            file=visible(f.file),
            format=visible(f.format),
            records=fmt_int(f.records),
            rejected=fmt_int(f.rejected),
            notes=", ".join(f"{visible(code)} ×{k:,}" for code, k in sorted(f.notes.items()))
            or DASH,
        )
        for f in inputs
    )
    n, skipped = len(inputs), len(result.skipped)
    records, rejected = sum(f.records for f in inputs), rejected_lines(inputs)
    groups, note = _rejections(inputs, scrub)
    timezone, origin, config = _configuration(result.config or {})
    return DataQuality(
        summary=(
            f"{n:,} file{plural(n)} read: {records:,} record{plural(records)}, "
            f"{rejected:,} rejected line{plural(rejected)}, "
            f"{skipped:,} skipped file{plural(skipped)}."
        ),
        files=files,
        totals=FileRow(f"{n:,} file{plural(n)}", "", fmt_int(records), fmt_int(rejected), ""),
        rejections=groups,
        rejections_note=note,
        skipped=tuple(
            Stat(visible(s.file), visible(scrub(s.reason), limit=DETAIL_LIMIT))
            for s in sorted(result.skipped, key=lambda s: (s.file, s.reason))
        ),
        timezone=timezone,
        config_origin=origin,
        config=config,
        notes=_notes(inputs),
    )


def rejected_lines(inputs: Iterable[InputFile]) -> int:
    """Return the number of rejected lines over all files."""
    return sum(f.rejected for f in inputs)


def _notes(inputs: Iterable[InputFile]) -> tuple[NoteRow, ...]:
    """Each note code raised, with its count over all files and its meaning, by code."""
    counts: Counter[str] = Counter()
    for f in inputs:
        counts.update(f.notes)
    return tuple(
        NoteRow(visible(code), fmt_int(n), NOTE_CODES.get(code, ""))
        for code, n in sorted(counts.items())
        if n
    )


def _configuration(config: dict[str, Any]) -> tuple[str, str, tuple[Stat, ...]]:
    """Say the assumed time zone and the config's origin in words, and list every setting."""
    tz = visible(config.get("tz") or "UTC")
    origin = config.get("origin") or "defaults"
    timezone = (
        f"Naive timestamps were read as {tz}; timestamps with an offset were converted. "
        "All times in this report are UTC."
    )
    if origin == "defaults":
        where = "Built-in defaults (no forensics.toml)."
    else:
        where = f"Read from {visible(origin)}."
    return timezone, where, tuple(flatten("", config))


def _rejections(
    inputs: list[InputFile], scrub: Scrub
) -> tuple[tuple[RejectionGroup, ...], str | None]:
    """Group rejected lines by reason: the count over all lines, the first examples."""
    counts: Counter[str] = Counter()
    listed: list[Rejection] = []
    for f in inputs:
        # NOTE: `reasons` counts every rejected line; `rejections` keeps only the
        # first few per file, so counting those would understate large files.
        counts.update(f.reasons or Counter(r.reason for r in f.rejections))
        listed.extend(f.rejections)
    listed.sort(key=lambda r: (r.reason, r.file, r.line, r.record or 0, r.detail, r.excerpt))
    groups = tuple(
        RejectionGroup(
            reason=visible(reason),
            count=fmt_int(count),
            examples=tuple(
                _example(r, scrub)
                for r in [r for r in listed if r.reason == reason][:REJECTION_EXAMPLES]
            ),
        )
        # Most frequent reason first; the name breaks ties.
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    total = rejected_lines(inputs)
    note = None
    if len(listed) < total:
        note = (
            "Examples come from the first rejected lines of each file "
            f"({len(listed):,} of {total:,} are kept)."
        )
    return groups, note


def _example(rejection: Rejection, scrub: Scrub) -> RejectionExample:
    where = f"{visible(rejection.file)}:{rejection.line}"
    if rejection.record is not None:
        where += f" (record {rejection.record:,})"
    # NOTE: redact before clipping, so a cut can never leave half a secret unmatched.
    excerpt = scrub(rejection.excerpt) if rejection.excerpt else ""
    return RejectionExample(
        location=where,
        detail=visible(scrub(rejection.detail), limit=DETAIL_LIMIT),
        excerpt=visible(excerpt, limit=EXCERPT_LIMIT, multiline=True) if excerpt else None,
    )
