"""Byte-level reading shared by the parsers: encoding detection and line framing.

Readers get a whole file as bytes. ``to_utf8`` turns it into UTF-8 bytes (a
UTF-8 BOM is stripped, UTF-16 with a BOM is transcoded) and ``iter_lines``
frames it on ``\\n`` only, with the 1-based line number and byte offset of every
line, so a rejection can always say where the record was. ``decode`` does the
same for readers that want the whole file as one string (JSON documents).

NOTE: lines are split on ``b"\\n"`` only, never with ``str.splitlines()``:
U+2028, U+2029 and U+0085 are legal raw characters inside JSON strings and
splitting on them cuts one record in two (RELIABILITY B06).
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Iterator
from typing import Final, NamedTuple

UTF8_BOM: Final = codecs.BOM_UTF8
_UTF16_BOMS: Final = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class Line(NamedTuple):
    """One physical line of a file.

    Attributes:
        number: 1-based line number.
        offset: byte offset of the line's first byte in the (UTF-8) data.
        raw: the line's bytes without the trailing ``\\n`` and ``\\r``.
    """

    number: int
    offset: int
    raw: bytes


def to_utf8(data: bytes) -> tuple[bytes, int, Counter[str]]:
    """Return the file as UTF-8 bytes without a BOM.

    Args:
        data: the raw file content.

    Returns:
        ``(body, shift, notes)``: the UTF-8 bytes to frame, the number of bytes
        removed from the front (add it to offsets in ``body`` to get offsets in
        the file), and notes ``bom_stripped`` / ``utf16_transcoded``.

    NOTE: after UTF-16 transcoding, offsets are positions in the transcoded
    UTF-8 text, not in the original file; line numbers are unaffected.
    """
    notes: Counter[str] = Counter()
    if data.startswith(UTF8_BOM):
        notes["bom_stripped"] += 1
        return data[len(UTF8_BOM) :], len(UTF8_BOM), notes
    for bom, codec in _UTF16_BOMS:
        if data.startswith(bom):
            notes["utf16_transcoded"] += 1
            text = data[len(bom) :].decode(codec, errors="replace")
            # NOTE: lone surrogates from broken UTF-16 must not crash the encoder.
            return text.encode("utf-8", errors="replace"), 0, notes
    return data, 0, notes


def decode(data: bytes) -> tuple[str, Counter[str]]:
    """Decode a whole file to text.

    A UTF-8 BOM is stripped (note ``bom_stripped``), UTF-16 LE/BE with a BOM is
    transcoded (note ``utf16_transcoded``), anything else is read as UTF-8 with
    invalid bytes replaced by U+FFFD (note ``invalid_utf8``, counted once per file).

    Args:
        data: the raw file content.

    Returns:
        The text and the notes.
    """
    body, _, notes = to_utf8(data)
    try:
        return body.decode("utf-8"), notes
    except UnicodeDecodeError:
        notes["invalid_utf8"] += 1
        return body.decode("utf-8", errors="replace"), notes


def decode_line(raw: bytes) -> tuple[str, str | None]:
    """Decode one line as UTF-8, replacing invalid bytes.

    Args:
        raw: the line's bytes.

    Returns:
        The text and a note code, or None when the line was valid UTF-8:
        ``truncated_codepoint`` when only the last character is cut (a writer
        stopped mid-character), else ``invalid_utf8``.
    """
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        cut_at_end = exc.reason == "unexpected end of data" and exc.end == len(raw)
        note = "truncated_codepoint" if cut_at_end else "invalid_utf8"
        return raw.decode("utf-8", errors="replace"), note


def iter_lines(data: bytes, *, start_offset: int = 0) -> Iterator[Line]:
    r"""Frame bytes into lines on ``\n`` only, skipping blank lines.

    A trailing ``\r`` (CRLF files) is removed; a lone ``\r`` inside a line is
    data. A final line without a newline is still a line. Blank or
    whitespace-only lines are not records and are not yielded, but they keep
    their line numbers.

    Args:
        data: UTF-8 bytes (see ``to_utf8``).
        start_offset: added to every offset, e.g. the length of a stripped BOM.

    Yields:
        One ``Line`` per non-blank line.
    """
    offset = start_offset
    for number, chunk in enumerate(data.split(b"\n"), start=1):
        line_offset = offset
        offset += len(chunk) + 1
        if not chunk.strip():
            continue
        yield Line(number, line_offset, chunk[:-1] if chunk.endswith(b"\r") else chunk)


def has_mixed_line_endings(data: bytes) -> bool:
    r"""Return whether some lines end in ``\r\n`` and others in a bare ``\n``."""
    if b"\r" not in data:
        return False  # NOTE: memchr; counting a two-byte pattern is several times slower.
    newlines = data.count(b"\n")
    crlf = data.count(b"\r\n")
    return 0 < crlf < newlines


# The encoding check reads this much of a file: thousands of lines, about a millisecond.
UTF8_SAMPLE_BYTES: Final = 1 << 20
# Fewer bad lines than this are a few corrupt bytes (B19), not a file in another encoding.
MIN_INVALID_LINES: Final = 3


def mostly_not_utf8(data: bytes) -> tuple[int, int] | None:
    """Judge from its first lines whether a file is in another encoding than UTF-8.

    A Windows-1252 or Latin-1 export decodes as UTF-8 only lossily, line after
    line; reading it would fill the tables with U+FFFD (RELIABILITY B21). The
    file is judged on the non-blank lines that fit in ``UTF8_SAMPLE_BYTES``: it
    is mostly not UTF-8 when more than half of them, and at least
    ``MIN_INVALID_LINES``, hold invalid UTF-8. Files with a BOM are not judged
    here: a UTF-8 BOM is stripped first, UTF-16 with a BOM is transcoded.

    Args:
        data: the raw file content.

    Returns:
        ``(invalid, lines)`` when the file is mostly not UTF-8, else None.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    sample = data[start : start + UTF8_SAMPLE_BYTES]
    if sample.isascii():
        return None
    cut = len(data) - start > len(sample)
    try:
        sample.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if cut and exc.reason == "unexpected end of data":
            return None  # only the character the sample cut in two
    lines = sample.split(b"\n")
    if cut:
        lines.pop()  # NOTE: the sample cut it; its missing end would read as invalid.
    invalid = total = 0
    for line in lines:
        if not line.strip():
            continue
        total += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
    if invalid >= MIN_INVALID_LINES and invalid * 2 > total:
        return invalid, total
    return None
