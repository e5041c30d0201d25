"""Safe JSON decoding for log records: one record per line, or a whole document.

Both paths use the stdlib ``json`` C scanner and map every way a record can be
bad onto a closed rejection reason (``forensics.schema.REJECTION_REASONS``):

* ``line_too_long``   the line is over the byte cap (checked before decoding);
* ``truncated_record`` the text ends inside a value (writer killed mid-record);
* ``trailing_garbage`` a complete value followed by more content;
* ``too_deep``        nesting deep enough to exhaust the recursion limit;
* ``not_an_object``   valid JSON that is not an object;
* ``invalid_json``    anything else, including integers over 4300 digits.

Records that decode but carry oddities are kept with a note: ``nonfinite_number``
(``NaN`` / ``Infinity`` become None) and ``lone_surrogate`` (``"\\ud800"`` becomes
U+FFFD so writing the report cannot crash later).

``iter_document`` walks a JSON document element by element with
``JSONDecoder.raw_decode`` so that each record gets the line of its opening
brace and a partly malformed document still yields the records before the
damage (RELIABILITY B02, B10).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, Final

from parsers._text import decode_line

# Default per-line cap (RELIABILITY B08): a longer line is skipped, the file continues.
MAX_RECORD_BYTES: Final = 8 * 1024 * 1024

_WS: Final = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LITERALS: Final = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


class _NonFiniteError(Exception):
    """Raised by the strict decoder on NaN / Infinity so the record is re-read leniently."""


def _raise_nonfinite(name: str) -> Any:
    raise _NonFiniteError(name)


# NOTE: the common path runs with a decoder that raises on non-finite literals;
# only records that contain them pay for a second, lenient decode. This keeps
# the note exact (one per record) without a shared mutable flag.
_STRICT: Final = json.JSONDecoder(parse_constant=_raise_nonfinite)
_LENIENT: Final = json.JSONDecoder(parse_constant=lambda _name: None)
_DIGITS: Final = json.JSONDecoder(parse_constant=lambda _name: None, parse_int=str)


class _TooManyDigitsError(ValueError):
    """A well-formed value holding an integer int() refuses.

    Carries the value (integers as text) and the index after it.
    """

    def __init__(self, message: str, value: Any, end: int) -> None:
        super().__init__(message)
        self.value = value
        self.end = end


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why a record could not be decoded.

    Attributes:
        reason: one of ``forensics.schema.REJECTION_REASONS``.
        detail: one sentence for the data-quality report.
    """

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class DocItem:
    """One record of a JSON document, or the rejection that ends the document.

    Attributes:
        value: the decoded record (a dict) when ``error`` is None.
        line: 1-based line of the record's first character (its opening brace).
        record: 1-based position of the record in the file.
        offset: character offset of the record in the decoded text.
        byte_offset: byte offset of the record in the UTF-8 text.
        key: the envelope key the record list came from (``scenarioLogs``), if any.
        error: why the record (or the rest of the document) was rejected.
    """

    value: Any
    line: int
    record: int
    offset: int
    byte_offset: int
    key: str | None = None
    error: RecordError | None = None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "value"


def _clean_str(text: str) -> str | None:
    """Return text with lone surrogates replaced, or None when it had none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return None


def _fix_surrogates(value: Any) -> tuple[Any, bool]:
    """Replace lone surrogates in every string and key, without recursion."""
    if isinstance(value, str):
        fixed = _clean_str(value)
        return (value, False) if fixed is None else (fixed, True)
    changed = False
    stack = [value]
    while stack:
        node = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, item in items:
            if isinstance(item, str):
                fixed = _clean_str(item)
                if fixed is not None:
                    node[key], changed = fixed, True
            elif isinstance(item, dict | list):
                stack.append(item)
            if isinstance(node, dict) and isinstance(key, str):
                fixed_key = _clean_str(key)
                if fixed_key is not None:
                    node[fixed_key] = node.pop(key)
                    changed = True
    return value, changed


def _looks_cut(text: str, start: int, exc: json.JSONDecodeError) -> bool:
    """Whether a decode error means the text ended inside a value."""
    if text[start : start + 1] not in ("{", "["):
        return False
    rest = text[exc.pos :].rstrip()
    if not rest or exc.msg.startswith("Unterminated string"):
        return True
    # A literal cut mid-word: '{"ok": tru'.
    return any(lit.startswith(rest) and lit != rest for lit in _LITERALS)


def _raw_decode(text: str, idx: int, notes: Counter[str]) -> tuple[Any, int]:
    """Decode one value at idx; non-finite numbers become None with a note.

    Raises:
        _TooManyDigitsError: a well-formed value holds an integer over 4300 digits.
        json.JSONDecodeError, RecursionError, ValueError: as the json module does.
    """
    try:
        value, end = _STRICT.raw_decode(text, idx)
    except _NonFiniteError:
        value, end = _LENIENT.raw_decode(text, idx)
        notes["nonfinite_number"] += 1
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError) or "digits" not in str(exc):
            raise
        # NOTE: the value is well-formed JSON that only int() refuses
        # (CVE-2020-10735). Find its end with a decoder that keeps integers as
        # text, so a document rejects this one record and reads on (B30).
        whole, end = _DIGITS.raw_decode(text, idx)
        raise _TooManyDigitsError(str(exc), whole, end) from exc
    if _SURROGATE_ESCAPE.search(text, idx, end):
        value, changed = _fix_surrogates(value)
        if changed:
            notes["lone_surrogate"] += 1
    return value, end


def _error_for(text: str, start: int, exc: Exception) -> RecordError:
    """Map a decoder exception onto a rejection reason."""
    if isinstance(exc, RecursionError):
        return RecordError("too_deep", "the JSON nests deeper than the decoder's recursion limit.")
    if isinstance(exc, json.JSONDecodeError):
        where = f"line {exc.lineno} column {exc.colno}"
        if _looks_cut(text, start, exc):
            return RecordError("truncated_record", f"the record ends early ({exc.msg} at {where}).")
        return RecordError("invalid_json", f"not valid JSON: {exc.msg} at {where}.")
    if "digits" in str(exc):
        return RecordError("invalid_json", "a number has more than 4300 digits.")
    return RecordError("invalid_json", f"not valid JSON: {str(exc).splitlines()[0]}.")


def loads_value(text: str, notes: Counter[str]) -> Any:
    """Decode one complete JSON value of any type, never raising.

    Args:
        text: the JSON text (surrounding whitespace allowed).
        notes: counter that receives ``nonfinite_number`` / ``lone_surrogate``.

    Returns:
        The value, or a ``RecordError`` saying why it is not one JSON value.
    """
    start = _WS.match(text).end()  # type: ignore[union-attr]
    if start == len(text):
        return RecordError("invalid_json", "the text is empty.")
    try:
        value, end = _raw_decode(text, start, notes)
    except (ValueError, RecursionError) as exc:
        return _error_for(text, start, exc)
    after = _WS.match(text, end).end()  # type: ignore[union-attr]
    if after != len(text):
        return RecordError(
            "trailing_garbage", f"content follows the JSON value at character {after + 1}."
        )
    return value


def parse_record(
    raw: bytes | str, notes: Counter[str], *, max_bytes: int = MAX_RECORD_BYTES
) -> dict[str, Any] | RecordError:
    """Decode one NDJSON line into an object, never raising.

    Args:
        raw: the line (bytes are decoded as UTF-8, invalid bytes replaced with a note).
        notes: counter that receives the record's notes.
        max_bytes: lines longer than this are rejected as ``line_too_long``.

    Returns:
        The object, or a ``RecordError``.
    """
    if len(raw) > max_bytes:
        return RecordError(
            "line_too_long", f"the line is {len(raw)} bytes, over the {max_bytes}-byte limit."
        )
    if isinstance(raw, bytes):
        text, note = decode_line(raw)
        if note:
            notes[note] += 1
    else:
        text = raw
    value = loads_value(text, notes)
    if isinstance(value, RecordError | dict):
        return value
    return RecordError("not_an_object", f"the line is a JSON {_kind(value)}, not an object.")


class _Document:
    """Cursor over a JSON document that tracks line and byte positions in linear time."""

    def __init__(self, text: str, notes: Counter[str], record_keys: tuple[str, ...]) -> None:
        self.text = text
        self.notes = notes
        self.keys = frozenset(record_keys)
        self.record = 0
        self._ascii = text.isascii()
        self._line = 1
        self._pos = 0
        self._bytes = 0

    def skip_ws(self, idx: int) -> int:
        return _WS.match(self.text, idx).end()  # type: ignore[union-attr]

    def locate(self, pos: int) -> tuple[int, int]:
        """Return (line, byte offset) of pos; positions must not decrease."""
        # NOTE: counting only the stretch since the last call keeps the walk linear.
        self._line += self.text.count("\n", self._pos, pos)
        if not self._ascii:
            self._bytes += len(self.text[self._pos : pos].encode("utf-8", "surrogatepass"))
        self._pos = pos
        return self._line, pos if self._ascii else self._bytes

    def item(self, value: Any, pos: int, key: str | None) -> DocItem:
        self.record += 1
        line, byte = self.locate(pos)
        if isinstance(value, dict):
            return DocItem(value, line, self.record, pos, byte, key)
        error = RecordError("not_an_object", f"the record is a JSON {_kind(value)}, not an object.")
        return DocItem(None, line, self.record, pos, byte, key, error)

    def reject(self, pos: int, error: RecordError, key: str | None) -> DocItem:
        """Reject the one record at pos; the document goes on after it."""
        self.record += 1
        line, byte = self.locate(pos)
        return DocItem(None, line, self.record, pos, byte, key, error)

    def fail(self, pos: int, reason: str, what: str, key: str | None) -> DocItem:
        """Reject the rest of the document as one record starting at pos."""
        self.record += 1
        line, byte = self.locate(pos)
        detail = f"the JSON document is {what} from here on; the records before it were read."
        return DocItem(None, line, self.record, pos, byte, key, RecordError(reason, detail))

    def fail_decode(self, pos: int, exc: Exception, key: str | None) -> DocItem:
        """Reject the rest of the document after a decoder exception at pos."""
        error = _error_for(self.text, pos, exc)
        what = {"truncated_record": "cut off", "too_deep": "nested too deep"}.get(
            error.reason, "malformed"
        )
        return self.fail(pos, error.reason, f"{what} ({error.detail.rstrip('.')})", key)

    def is_envelope(self, value: Any) -> bool:
        return isinstance(value, dict) and any(
            isinstance(value.get(k), list | dict) for k in self.keys if k in value
        )


def _iter_array(
    doc: _Document, idx: int, key: str | None, envelopes: bool
) -> Generator[DocItem, None, int | None]:
    """Yield the elements of the array opening at idx; return the index after it."""
    text, end = doc.text, len(doc.text)
    idx = doc.skip_ws(idx + 1)
    if text.startswith("]", idx):
        return idx + 1
    while True:
        if idx >= end:
            yield doc.fail(idx, "truncated_record", "cut off", key)
            return None
        if envelopes and doc.keys and text.startswith("{", idx):
            after = yield from _iter_record_or_envelope(doc, idx, key)
        else:
            try:
                value, after = _raw_decode(text, idx, doc.notes)
            except _TooManyDigitsError as exc:
                yield doc.reject(idx, _error_for(text, idx, exc), key)
                after = exc.end
            except (ValueError, RecursionError) as exc:
                yield doc.fail_decode(idx, exc, key)
                return None
            else:
                yield doc.item(value, idx, key)
        if after is None:
            return None
        idx = doc.skip_ws(after)
        if text.startswith("]", idx):
            return idx + 1
        if not text.startswith(",", idx):
            if idx >= end:
                yield doc.fail(idx, "truncated_record", "cut off", key)
            else:
                yield doc.fail(idx, "invalid_json", "malformed (expected ',' or ']')", key)
            return None
        idx = doc.skip_ws(idx + 1)
        if text.startswith("]", idx):
            yield doc.fail(idx, "invalid_json", "malformed (trailing comma)", key)
            return None


def _iter_record_or_envelope(
    doc: _Document, idx: int, key: str | None
) -> Generator[DocItem, None, int | None]:
    """Yield the object at idx as one record, or the records of the envelope it is."""
    # NOTE: notes go to a scratch counter first: an envelope is decoded again
    # record by record below, and counting both passes noted one NaN twice.
    scratch: Counter[str] = Counter()
    try:
        value, after = _raw_decode(doc.text, idx, scratch)
    except _TooManyDigitsError as exc:
        if doc.is_envelope(exc.value):
            return (yield from _iter_object(doc, idx))
        yield doc.reject(idx, _error_for(doc.text, idx, exc), key)
        return exc.end
    except (ValueError, RecursionError):
        # A damaged envelope still yields the records before the damage.
        return (yield from _iter_object(doc, idx))
    if doc.is_envelope(value):
        # NOTE: decoded twice, but only envelopes (a few per file), to get each
        # record's own line; plain records keep the C decoder's speed.
        return (yield from _iter_object(doc, idx))
    doc.notes.update(scratch)
    yield doc.item(value, idx, key)
    return after


def _iter_object(doc: _Document, start: int) -> Generator[DocItem, None, int | None]:
    """Walk an object key by key: record lists are yielded, else the object is a record.

    Returns the index after the object, or None when the document failed.
    """
    text, end = doc.text, len(doc.text)
    pairs: dict[str, Any] = {}
    envelope = False
    idx = doc.skip_ws(start + 1)
    if text.startswith("}", idx):
        yield doc.item(pairs, start, None)
        return idx + 1
    while True:
        try:
            name, idx = _raw_decode(text, idx, doc.notes)
            idx = doc.skip_ws(idx)
            if not isinstance(name, str) or not text.startswith(":", idx):
                raise json.JSONDecodeError("Expecting property name and ':'", text, idx)
            idx = doc.skip_ws(idx + 1)
            if name in doc.keys and text.startswith("[", idx):
                envelope = True
                idx = yield from _iter_array(doc, idx, name, envelopes=False)
                if idx is None:
                    return None
            elif name in doc.keys and text.startswith("{", idx):
                envelope = True
                value, after = _raw_decode(text, idx, doc.notes)
                yield doc.item(value, idx, name)
                idx = after
            else:
                pairs[name], idx = _raw_decode(text, idx, doc.notes)
        except (ValueError, RecursionError) as exc:
            fail_at = start if not envelope else min(idx, end)
            yield doc.fail_decode(fail_at, exc, None)
            return None
        idx = doc.skip_ws(idx)
        if text.startswith("}", idx):
            if not envelope:
                yield doc.item(pairs, start, None)
            return idx + 1
        if not text.startswith(",", idx):
            what = "cut off" if idx >= end else "malformed (expected ',' or '}')"
            reason = "truncated_record" if idx >= end else "invalid_json"
            yield doc.fail(start if not envelope else idx, reason, what, None)
            return None
        idx = doc.skip_ws(idx + 1)


def iter_document(
    text: str, notes: Counter[str], *, record_keys: tuple[str, ...] = ()
) -> Iterator[DocItem]:
    """Yield the records of a JSON document with their positions.

    The document is a top-level array of records, an envelope object whose key
    in ``record_keys`` holds the record list (or one record object), an array of
    such envelopes, a single record object, or several of these concatenated.
    Each element is decoded on its own with ``raw_decode`` and newlines are
    counted incrementally, so the walk is linear in the document size. When the
    document is malformed part-way, the records before the damage are yielded
    and the rest becomes one item with an ``error``; iteration then stops.

    Args:
        text: the decoded document (see ``parsers._text.decode``).
        notes: counter that receives record notes (``nonfinite_number`` ...).
        record_keys: envelope keys that hold record lists, e.g. ``("scenarioLogs",)``.

    Yields:
        One ``DocItem`` per record; non-objects are items with a ``not_an_object`` error.
    """
    doc = _Document(text, notes, record_keys)
    idx = doc.skip_ws(0)
    seen_value = False
    while idx < len(text):
        if text.startswith("[", idx):
            after = yield from _iter_array(doc, idx, None, envelopes=True)
        elif text.startswith("{", idx) and doc.keys:
            after = yield from _iter_record_or_envelope(doc, idx, None)
        else:
            try:
                value, after = _raw_decode(text, idx, notes)
            except _TooManyDigitsError as exc:
                yield doc.reject(idx, _error_for(text, idx, exc), None)
                seen_value, idx = True, doc.skip_ws(exc.end)
                continue
            except (ValueError, RecursionError) as exc:
                if seen_value and isinstance(exc, json.JSONDecodeError) and exc.pos == idx:
                    yield doc.fail(idx, "trailing_garbage", "followed by non-JSON content", None)
                else:
                    yield doc.fail_decode(idx, exc, None)
                return
            yield doc.item(value, idx, None)
        if after is None:
            return
        seen_value = True
        idx = doc.skip_ws(after)
