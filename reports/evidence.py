"""Excerpts of cited records: re-read the few lines findings cite, redact, clip.

Findings carry ``file:line`` evidence, not the text. For the report, each cited
record is read again from the analysed path, only as far as the last cited
line of each file, streaming (folders, plain files, ``a.zip!/member`` and
``.gz`` files, never extracted to disk), so a huge file is read at most once
and never held in memory. A pretty-printed JSON record starts on its opening
brace, so the excerpt continues over the following lines until the record's
braces balance, collapsed onto one line. Every excerpt is redacted with
``forensics.redact.Redactor`` before it is clipped, and clipped to
EXCERPT_CHARS characters.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Final

from forensics.findings import AnalysisResult, Evidence, Finding
from forensics.redact import Redactor

__all__ = ["EXCERPT_CHARS", "attach_excerpts", "read_excerpts"]

EXCERPT_CHARS: Final = 240
# Per finding, at most this many cited lines are re-read (findings keep <= 20 anyway).
MAX_PER_FINDING: Final = 20
# What one excerpt may collect before redaction: long enough that a secret cut
# at the end is still recognisable, short enough to bound memory per line.
COLLECT_CHARS: Final = 4096
# A JSON record that does not close within this many lines is cut there.
MAX_CONTINUATION_LINES: Final = 200
_READ_CHARS: Final = 8192
_ARCHIVE_SEP: Final = "!/"

Key = tuple[str, int]


def read_excerpts(
    root: Path,
    evidence: Iterable[Evidence],
    redactor: Redactor,
    *,
    limit: int = EXCERPT_CHARS,
) -> dict[Key, str]:
    """Re-read the cited lines under root and return their redacted, clipped text.

    Args:
        root: the analysed path (folder, file, .zip or .gz), as given to ``analyze``.
        evidence: the cited records; only their (file, line) is used.
        redactor: applied to each excerpt before it is clipped; its counts grow.
        limit: characters kept per excerpt; longer ones end with "…".

    Returns:
        (file, line) -> one-line excerpt, for every citation that could be read
        again; a file that vanished, changed or cannot be opened is left out.
    """
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in evidence:
        if e.line >= 1:
            wanted[e.file].add(e.line)
    base = root if root.is_dir() else root.parent
    out: dict[Key, str] = {}
    for file in sorted(wanted):
        try:
            with _open(base, file) as stream:
                if stream is None:
                    continue
                for line, raw in _collect(stream, sorted(wanted[file])):
                    out[(file, line)] = _clip(redactor.text(raw), limit)
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError, ValueError):
            # NOTE: an excerpt is a convenience; the citation stays without it.
            continue
    return out


def attach_excerpts(result: AnalysisResult, root: Path) -> AnalysisResult:
    """Return result with excerpts of its cited evidence (at most 20 per finding).

    Redaction follows the result's mode (``--no-redact``); what the excerpts'
    redaction replaced is added to the result's per-rule counts.

    Args:
        result: the analysis of root.
        root: the analysed path.

    Returns:
        A copy with ``excerpts`` filled and ``redaction.counts`` updated.
    """
    enabled = bool(result.redaction.get("enabled", True))
    redactor = Redactor(enabled=enabled)
    excerpts = read_excerpts(root, _cited(result.findings), redactor)
    counts = dict(result.redaction.get("counts") or {})
    for rule, n in redactor.counts.items():
        counts[rule] = int(counts.get(rule, 0)) + n
    redaction = {**result.redaction, "counts": dict(sorted(counts.items()))}
    return dataclasses.replace(result, excerpts=excerpts, redaction=redaction)


def _cited(findings: Iterable[Finding]) -> Iterator[Evidence]:
    for finding in findings:
        yield from finding.evidence[:MAX_PER_FINDING]


@contextmanager
def _open(base: Path, file: str) -> Iterator[IO[str] | None]:
    """Open the named file or archive member as text, streaming; None when it cannot be."""
    outer, sep, member = file.partition(_ARCHIVE_SEP)
    path = _inside(base, outer)
    if path is None or not path.is_file():
        yield None
        return
    if sep:
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            yield _text(handle)
    elif outer.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield _text(handle)
    else:
        with path.open("rb") as handle:
            yield _text(handle)


def _inside(base: Path, relative: str) -> Path | None:
    """The file named relative to base, refusing absolute paths and ``..``."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        return None
    return base.joinpath(*parts)


def _text(handle: IO[bytes]) -> IO[str]:
    """Decode as the parsers do: UTF-16 when it starts with its BOM, else UTF-8."""
    buffered = handle if hasattr(handle, "peek") else io.BufferedReader(handle)  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]  # type: ignore[attr-defined]
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    # NOTE: newline="\n" counts lines the way the parsers number them (LF only).
    return io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="\n")


def _lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """Yield (line number, at most COLLECT_CHARS of the line); the rest is skipped unread."""
    number = 0
    while True:
        chunk = stream.readline(_READ_CHARS)
        if not chunk:
            return
        number += 1
        head = chunk[:COLLECT_CHARS]
        while not chunk.endswith("\n"):
            chunk = stream.readline(_READ_CHARS)
            if not chunk:
                break
            if len(head) < COLLECT_CHARS:
                head += chunk[: COLLECT_CHARS - len(head)]
        yield number, head.rstrip("\r\n")


def _collect(stream: IO[str], wanted: list[int]) -> Iterator[tuple[int, str]]:
    """Yield (line, record text) for each wanted line; stop after the last one completes."""
    pending = iter(wanted)
    target = next(pending, None)
    open_records: list[_Record] = []
    for number, text in _lines(stream):
        for record in list(open_records):
            record.add(text)
            if record.done:
                open_records.remove(record)
                yield record.line, record.text()
        while target is not None and number == target:
            record = _Record(number, text)
            if record.done:
                yield record.line, record.text()
            else:
                open_records.append(record)
            target = next(pending, None)
        if target is None and not open_records:
            return
    for record in open_records:
        yield record.line, record.text()


class _Record:
    """The text of one cited record: its line, plus continuation lines of an open JSON value."""

    __slots__ = ("depth", "done", "in_string", "line", "lines", "parts", "size")

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.parts: list[str] = []
        self.size = 0
        self.lines = 0
        self.depth = 0
        self.in_string = False
        stripped = text.strip()
        # Only a line that opens a JSON value continues; NDJSON, CSV and text lines do not.
        self.done = not stripped.startswith(("{", "["))
        self._append(stripped)
        if self.size >= COLLECT_CHARS:
            self.done = True

    def add(self, text: str) -> None:
        self.lines += 1
        self._append(text.strip())
        if self.lines >= MAX_CONTINUATION_LINES or self.size >= COLLECT_CHARS:
            self.done = True

    def _append(self, text: str) -> None:
        if self.size < COLLECT_CHARS:
            piece = text[: COLLECT_CHARS - self.size]
            self.parts.append(piece)
            self.size += len(piece) + 1
        if not self.done or self.depth:
            self._scan(text)

    def _scan(self, text: str) -> None:
        escaped = False
        for ch in text:
            if self.in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    self.in_string = False
            elif ch == '"':
                self.in_string = True
            elif ch in "{[":
                self.depth += 1
            elif ch in "}]":
                self.depth -= 1
                if self.depth <= 0:
                    self.done = True
                    return

    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
