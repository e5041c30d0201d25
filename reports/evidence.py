"""Excerpts of cited records: re-read the few lines findings cite, redact, clip.

Findings carry ``file:line`` evidence, not the text. For the report, each cited
record is read again from the analysed path, only as far as the last cited
line of each file, streaming (folders, plain files, ``a.zip!/member`` and
``.gz`` files, never extracted to disk), so a huge file is read at most once
and never held in memory. UTF-8 files are read in blocks whose lines are only
counted until a cited one is reached, and only cited lines are decoded; UTF-16
files go through a text decoder line by line. A pretty-printed JSON record starts on its opening
brace, so the excerpt continues over the following lines until the record's
braces balance, collapsed onto one line. Every excerpt is redacted with
``forensics.redact.Redactor`` before it is clipped, and clipped to
EXCERPT_CHARS characters.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Final, Protocol

from forensics.findings import AnalysisResult, Evidence, Finding, sort_findings
from forensics.redact import Redactor
from reports.context import laid_out_in_full

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
# UTF-8 files are scanned in blocks of this many bytes; a line keeps at most
# _KEEP_BYTES of them, enough to decode COLLECT_CHARS characters (<= 4 bytes each).
_BLOCK_BYTES: Final = 1 << 20
_KEEP_BYTES: Final = 4 * COLLECT_CHARS + 8
_UTF8_BOM: Final = b"\xef\xbb\xbf"
# JSON structure: the rest of an open string (escapes skipped), and outside
# strings the characters that open a string or open / close a value.
_STRING_REST: Final = re.compile(r'(?:[^"\\]++|\\.)*+"', re.S)
_STRUCTURE: Final = re.compile(r'["{}\[\]]')
_STRING: Final = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)

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


def attach_excerpts(
    result: AnalysisResult, root: Path, *, per_code: int | None = None
) -> AnalysisResult:
    """Return result with excerpts of its cited evidence (at most 20 per finding).

    Redaction follows the result's mode (``--no-redact``); what the excerpts'
    redaction replaced is added to the result's per-rule counts.

    Args:
        result: the analysis of root.
        root: the analysed path.
        per_code: read only the evidence of the first per_code findings of each
            severity and code (the ones the HTML report lays out in full);
            None reads every finding's (the Markdown report shows them all).

    Returns:
        A copy with ``excerpts`` filled and ``redaction.counts`` updated.
    """
    enabled = bool(result.redaction.get("enabled", True))
    redactor = Redactor(enabled=enabled)
    findings = sort_findings(list(result.findings))
    shown = [findings[i] for i in laid_out_in_full(findings, per_code)]
    excerpts = read_excerpts(root, _cited(shown), redactor)
    counts = dict(result.redaction.get("counts") or {})
    for rule, n in redactor.counts.items():
        counts[rule] = int(counts.get(rule, 0)) + n
    redaction = {**result.redaction, "counts": dict(sorted(counts.items()))}
    return dataclasses.replace(result, excerpts=excerpts, redaction=redaction)


def _cited(findings: Iterable[Finding]) -> Iterator[Evidence]:
    for finding in findings:
        yield from finding.evidence[:MAX_PER_FINDING]


@contextmanager
def _open(base: Path, file: str) -> Iterator[_Lines | None]:
    """Open the named file or archive member for reading lines; None when it cannot be."""
    outer, sep, member = file.partition(_ARCHIVE_SEP)
    path = _inside(base, outer)
    if path is None or not path.is_file():
        yield None
        return
    if sep:
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            yield _line_source(handle)
    elif outer.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield _line_source(handle)
    else:
        with path.open("rb") as handle:
            yield _line_source(handle)


def _inside(base: Path, relative: str) -> Path | None:
    """The file named relative to base, refusing absolute paths and ``..``."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        return None
    return base.joinpath(*parts)


def _line_source(handle: IO[bytes]) -> _Lines:
    """Decode as the parsers do: UTF-16 when it starts with its BOM, else UTF-8."""
    buffered = handle if hasattr(handle, "peek") else io.BufferedReader(handle)  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]  # type: ignore[attr-defined]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # NOTE: newline="\n" counts lines the way the parsers number them (LF only).
        return _TextLines(
            io.TextIOWrapper(buffered, encoding="utf-16", errors="replace", newline="\n")
        )
    return _Utf8Lines(buffered)


class _Lines(Protocol):
    def line(self, at_least: int) -> tuple[int, str] | None:
        """The first line numbered at least ``at_least`` (the lines before it are skipped).

        Returns (line number, at most COLLECT_CHARS of the line without its end), or
        None at the end of the stream.
        """
        ...


class _TextLines:
    """Lines of a decoded text stream, read one by one (the UTF-16 path)."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines = _text_lines(stream)

    def line(self, at_least: int) -> tuple[int, str] | None:
        for number, text in self._lines:
            if number >= at_least:
                return number, text
        return None


def _text_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
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


class _Utf8Lines:
    """Lines of a UTF-8 byte stream: skipped lines are only counted, never decoded.

    Lines before a wanted one are skipped with ``bytes.count`` over a window
    sized from the line length seen so far, so the bytes are scanned in C and
    no line object is made for them. Only the first _KEEP_BYTES of a line are
    kept, and bytes are read in blocks, so one huge line never sits in memory.
    Decoding a line on its own gives the text a stream decoder would (a
    newline byte never occurs inside a UTF-8 sequence; invalid bytes become
    U+FFFD either way); a UTF-8 BOM at the start of the file is dropped.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._buf = b""  # bytes read; those from _pos on are not consumed yet
        self._pos = 0
        self._started = False
        self._eof = False
        self._stride = 256  # guessed bytes per line, to size the skipping window
        self.number = 0  # lines consumed (returned or skipped) so far

    def line(self, at_least: int) -> tuple[int, str] | None:
        self._skip(at_least - 1 - self.number)
        if self.number < at_least - 1:
            return None
        return self._next_line()

    def _fill(self) -> bool:
        """Append the next block to the bytes not consumed; False at the end of the stream."""
        if self._eof:
            return False
        data = self._handle.read(_BLOCK_BYTES)
        if not self._started:
            self._started = True
            data = data.removeprefix(_UTF8_BOM)
        if not data:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + data
        self._pos = 0
        return True

    def _skip(self, count: int) -> None:
        """Consume count lines (fewer at the end of the stream) without looking at them."""
        while count > 0:
            buf, pos = self._buf, self._pos
            end = min(len(buf), pos + count * self._stride)
            found = buf.count(b"\n", pos, end)
            if found > count:
                self._stride = max(1, self._stride // 2)
            elif found:
                self._pos = buf.rindex(b"\n", pos, end) + 1
                self.number += found
                count -= found
                self._stride = max(1, (self._pos - pos) // found)
            elif end < len(buf):
                # No line ends in the window: all of it belongs to the line being skipped.
                self._pos = end
                self._stride *= 2
            else:
                # The rest of the buffer starts a line being skipped: drop it, read on.
                self._buf, self._pos = b"", 0
                if not self._fill():
                    return

    def _next_line(self) -> tuple[int, str] | None:
        """Consume the next line and decode at most _KEEP_BYTES of it; None at the end."""
        head = b""
        seen = False
        while True:
            buf, pos = self._buf, self._pos
            newline = buf.find(b"\n", pos)
            stop = newline if newline >= 0 else len(buf)
            seen = seen or newline >= 0 or stop > pos
            if len(head) < _KEEP_BYTES:
                head += buf[pos : min(stop, pos + _KEEP_BYTES - len(head))]
            if newline >= 0:
                self._pos = newline + 1
                break
            self._buf, self._pos = b"", 0
            if not self._fill():
                if not seen:
                    return None
                break
        self.number += 1
        return self.number, _decode(head)


def _decode(raw: bytes) -> str:
    return raw[:_KEEP_BYTES].decode("utf-8", errors="replace")[:COLLECT_CHARS].rstrip("\r\n")


def _collect(lines: _Lines, wanted: list[int]) -> Iterator[tuple[int, str]]:
    """Yield (line, record text) for each wanted line; stop after the last one completes."""
    pending = iter(wanted)
    target = next(pending, None)
    open_records: list[_Record] = []
    number = 0
    while target is not None or open_records:
        # An open record needs the very next line; otherwise skip to the next cited one.
        found = lines.line(number + 1 if open_records or target is None else target)
        if found is None:
            break
        number, text = found
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
        if not self.in_string and self._scan_whole(text):
            return
        # Jump from one structural character to the next instead of visiting every
        # character; an escape is skipped inside a string only, and (as for a
        # character-by-character scan) does not carry over to the next line.
        pos = 0
        while True:
            if self.in_string:
                rest = _STRING_REST.match(text, pos)
                if rest is None:
                    return
                pos = rest.end()
                self.in_string = False
            found = _STRUCTURE.search(text, pos)
            if found is None:
                return
            pos = found.end()
            ch = found.group()
            if ch == '"':
                self.in_string = True
            elif ch in "{[":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth <= 0:
                    self.done = True
                    return

    def _scan_whole(self, text: str) -> bool:
        """Scan a line whose strings all close by counting brackets; False when it cannot.

        The depth reaches zero somewhere in the line when it ends at or below zero
        after a closing bracket (the last close is followed by opens only); with no
        close at all it only grows. Anything else goes through the full scan.
        """
        rest = _STRING.sub("", text)
        if '"' in rest:
            return False
        opens = rest.count("{") + rest.count("[")
        closes = rest.count("}") + rest.count("]")
        if closes and self.depth + opens - closes <= 0:
            self.done = True
            return True
        if not closes:
            self.depth += opens
            return True
        return False

    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
