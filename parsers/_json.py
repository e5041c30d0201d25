"""Safe JSON decoding for log records: one record per line, or a whole document.

Both paths use the stdlib ``json`` C scanner and map every way a record can be
bad onto a closed rejection reason (``forensics.schema.REJECTION_REASONS``):

* ``line_too_long``   the line is over the byte cap (checked before decoding);
* ``truncated_record`` the text ends inside a value (writer killed mid-record);
* ``trailing_garbage`` a complete value followed by more content;
* ``too_deep``        nesting deep enough to exhaust the recursion limit;
* ``not_an_object``   valid JSON that is not an object;
* ``invalid_json``    anything else, including integers over 4300 digits.

Records that decode but carry oddities are kept with a note, each counted once
per record (codes from ``forensics.schema.NOTE_CODES``):

* ``nonfinite_number``     ``NaN`` / ``Infinity`` become None;
* ``lone_surrogate``       ``"\\ud800"`` becomes U+FFFD so writing the report cannot crash;
* ``bidi_control``         a key or value holds a bidi control (kept verbatim);
* ``duplicate_key``        an object repeats a key (the last value wins, as in Python);
* ``integer_out_of_range`` an integer outside signed 64-bit (kept as an exact int);
* ``schema_conflict``      a field path holds a scalar JSON type (string, number,
  boolean) other than the one it held earlier in the file; counted once per
  field per file. Records decoded with the same ``notes`` counter are one file's.

``iter_document`` walks a JSON document element by element with
``JSONDecoder.raw_decode`` so that each record gets the line of its opening
brace and a partly malformed document still yields the records before the
damage (RELIABILITY B02, B10).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from parsers._text import decode_line

# Default per-line cap (RELIABILITY B08): a longer line is skipped, the file continues.
MAX_RECORD_BYTES: Final = 8 * 1024 * 1024

_WS: Final = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LITERALS: Final = ("true", "false", "null", "NaN", "Infinity", "-Infinity")
# Bidirectional-text controls (Trojan Source, CVE-2021-42574): embeddings and
# overrides U+202A-U+202E, isolates U+2066-U+2069, marks U+200E/U+200F, U+061C.
BIDI_CONTROLS: Final = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI: Final = re.compile(f"[{BIDI_CONTROLS}]")
_BIDI_ESCAPE: Final = re.compile(r"\\u(?:20(?:2[a-eA-E]|6[6-9]|0[eEfF])|061[cC])")
# NOTE: a literal pattern is searched with a fast skip loop; records without any
# \u escape (nearly all) pay this one scan for both escape checks.
_ESCAPE: Final = re.compile(r"\\u")
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
# JSON type of each scalar Python type, for schema_conflict. Null is absence, not
# a type; objects and arrays are left out because a field that is an object in one
# record and a JSON string in the next is one value encoded two ways (B35), which
# readers decode, and real Zapier exports mix both.
SCALAR_KINDS: Final[dict[type, str]] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
}


class _OddityError(Exception):
    """Raised by the strict decoder at the first oddity, so the value is re-read noting them."""


def _raise_oddity(_name: str) -> Any:
    raise _OddityError


def _strict_int(digits: str) -> int:
    value = int(digits)
    # NOTE: 18 characters always fit in int64; only longer ones pay for the range test.
    if len(digits) > 18 and not _INT64_MIN <= value <= _INT64_MAX:
        raise _OddityError
    return value


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _OddityError
    return obj


# NOTE: the common path runs with a decoder that raises at the first non-finite
# literal, out-of-range integer or repeated key; only records holding one pay for
# a second decode that notes them all. This keeps each note exact (once per
# record) without a shared mutable flag.
_STRICT: Final = json.JSONDecoder(
    parse_constant=_raise_oddity, parse_int=_strict_int, object_pairs_hook=_strict_object
)
_DIGITS: Final = json.JSONDecoder(parse_constant=lambda _name: None, parse_int=str)
_NO_NOTES: Final[frozenset[str]] = frozenset()


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


def _decode_noting(text: str, idx: int) -> tuple[Any, int, set[str]]:
    """Decode one value as the strict decoder would, noting its oddities instead of raising.

    Non-finite numbers become None, repeated keys keep the last value, integers
    stay exact. Returns the value, the index after it and the note codes.
    """
    found: set[str] = set()

    def constant(_name: str) -> None:
        found.add("nonfinite_number")

    def integer(digits: str) -> int:
        value = int(digits)
        if not _INT64_MIN <= value <= _INT64_MAX:
            found.add("integer_out_of_range")
        return value

    def obj(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            found.add("duplicate_key")
        return out

    decoder = json.JSONDecoder(parse_constant=constant, parse_int=integer, object_pairs_hook=obj)
    value, end = decoder.raw_decode(text, idx)
    return value, end, found


def _has_bidi(value: Any) -> bool:
    """Whether any string or key in value holds a bidi control, without recursion."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _BIDI.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _raw_decode(text: str, idx: int, notes: Counter[str], *, raw_bidi: bool) -> tuple[Any, int]:
    """Decode one value at idx and count its notes once each.

    Args:
        text: the JSON text.
        idx: where the value starts.
        notes: counter that receives the value's notes.
        raw_bidi: whether text may hold a raw bidi control (False for ASCII text).

    Raises:
        _TooManyDigitsError: a well-formed value holds an integer over 4300 digits.
        json.JSONDecodeError, RecursionError, ValueError: as the json module does.
    """
    found: set[str] | frozenset[str]
    try:
        try:
            value, end = _STRICT.raw_decode(text, idx)
            found = _NO_NOTES
        except _OddityError:
            value, end, found = _decode_noting(text, idx)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError) or "digits" not in str(exc):
            raise
        # NOTE: the value is well-formed JSON that only int() refuses
        # (CVE-2020-10735). Find its end with a decoder that keeps integers as
        # text, so a document rejects this one record and reads on (B30).
        whole, end = _DIGITS.raw_decode(text, idx)
        raise _TooManyDigitsError(str(exc), whole, end) from exc
    # A raw control in text that decoded can only sit inside a key or a string.
    if raw_bidi and _BIDI.search(text, idx, end):
        found = {*found, "bidi_control"}
    escape = _ESCAPE.search(text, idx, end)
    if escape is not None:
        if _SURROGATE_ESCAPE.search(text, escape.start(), end):
            value, changed = _fix_surrogates(value)
            if changed:
                found = {*found, "lone_surrogate"}
        # NOTE: a match may follow an escaped backslash (JSON "\\u202e" is plain text),
        # so the decoded value decides.
        if (
            "bidi_control" not in found
            and _BIDI_ESCAPE.search(text, escape.start(), end)
            and _has_bidi(value)
        ):
            found = {*found, "bidi_control"}
    if found:
        notes.update(found)
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


# Object shapes remembered per path; past this, a new shape is compared but not kept.
_MAX_SHAPES: Final = 64

_Kinds = tuple[type, ...]


class _Shape:
    """The objects seen at one path: their keys and value types, and which keys nest objects."""

    __slots__ = ("keys", "kinds", "nested", "path", "seen")

    def __init__(self, path: tuple[str, ...]) -> None:
        self.path = path
        # The shape of the last object here, and its keys that hold objects.
        self.keys: tuple[str, ...] = ()
        self.kinds: _Kinds | None = None
        self.nested: tuple[tuple[str, _Shape], ...] = ()
        self.seen: dict[tuple[tuple[str, ...], _Kinds], tuple[tuple[str, _Shape], ...]] = {}


class _FieldTypes:
    """The JSON type each field path first held in one file's records (B34, schema_conflict).

    A field path is the keys from the record down through nested objects
    (``("body", "available")``); array elements are not followed. A field
    drifts when it holds a scalar type (string, number, boolean) other than the
    first it held; null, objects and arrays do not count. Each drifted field is
    counted once per file, so the whole check needs no second pass.
    """

    __slots__ = ("_drifted", "_first", "_root", "_shapes")

    def __init__(self) -> None:
        self._first: dict[tuple[str, ...], str] = {}
        self._drifted: set[tuple[str, ...]] = set()
        self._root = _Shape(())
        self._shapes: dict[tuple[str, ...], _Shape] = {(): self._root}

    def add(self, record: dict[str, Any]) -> int:
        """Merge one record's field types; return how many fields drifted for the first time."""
        drifted = 0
        shape, obj = self._root, record
        todo: list[tuple[_Shape, dict[str, Any]]] = []
        while True:
            kinds = tuple(map(type, obj.values()))
            # NOTE: records of one file mostly repeat the previous record's shape (keys
            # and value types per object); then there is nothing new to compare.
            if kinds != shape.kinds or tuple(obj) != shape.keys:
                drifted += self._reshape(shape, tuple(obj), kinds)
            for key, nested in shape.nested:
                todo.append((nested, obj[key]))
            if not todo:
                return drifted
            shape, obj = todo.pop()

    def _reshape(self, shape: _Shape, keys: tuple[str, ...], kinds: _Kinds) -> int:
        """Make keys and kinds the last shape at its path; merge it if it is new there."""
        shape.keys, shape.kinds = keys, kinds
        nested = shape.seen.get((keys, kinds))
        if nested is not None:
            shape.nested = nested
            return 0
        path = shape.path
        shape.nested = tuple(
            (key, self._shape((*path, key)))
            for key, kind in zip(keys, kinds, strict=True)
            if kind is dict
        )
        if len(shape.seen) < _MAX_SHAPES:
            shape.seen[keys, kinds] = shape.nested
        drifted = 0
        for key, kind in zip(keys, kinds, strict=True):
            name = SCALAR_KINDS.get(kind)
            if name is None:
                continue
            field = (*path, key)
            if self._first.setdefault(field, name) != name and field not in self._drifted:
                self._drifted.add(field)
                drifted += 1
        return drifted

    def _shape(self, path: tuple[str, ...]) -> _Shape:
        shape = self._shapes.get(path)
        if shape is None:
            shape = self._shapes[path] = _Shape(path)
        return shape


def _note_fields(notes: Counter[str], record: dict[str, Any], key: str | None = None) -> None:
    """Count the fields of record that drift from their type in earlier records of the file.

    Records from different envelope keys (``scenarioLogs`` / ``dlqLogs``) are
    different kinds of record, so each key has its own field types.
    """
    # NOTE: a reader passes one notes counter per file, so the file's field types
    # ride on it: schema_conflict needs no new argument from the readers and no
    # second pass over the file.
    state = vars(notes)
    per_key: dict[str | None, _FieldTypes] | None = state.get("_field_types")
    if per_key is None:
        per_key = state["_field_types"] = {}
    types = per_key.get(key)
    if types is None:
        types = per_key[key] = _FieldTypes()
    drifted = types.add(record)
    if drifted:
        notes["schema_conflict"] += drifted


def loads_value(text: str, notes: Counter[str]) -> Any:
    """Decode one complete JSON value of any type, never raising.

    Readers use this for JSON logged as a string inside a record (a webhook
    body, Zapier's data_in). A raw bidi control in such a string was already in
    the record's own text and noted there, so only an escaped one (``\\u202e``)
    is noted here.

    Args:
        text: the JSON text (surrounding whitespace allowed).
        notes: counter that receives the value's notes (``nonfinite_number``,
            ``lone_surrogate``, ``bidi_control``, ``duplicate_key``,
            ``integer_out_of_range``), each at most once.

    Returns:
        The value, or a ``RecordError`` saying why it is not one JSON value.
    """
    return _loads(text, notes, raw_bidi=False)


def _loads(text: str, notes: Counter[str], *, raw_bidi: bool) -> Any:
    start = _WS.match(text).end()  # type: ignore[union-attr]
    if start == len(text):
        return RecordError("invalid_json", "the text is empty.")
    try:
        value, end = _raw_decode(text, start, notes, raw_bidi=raw_bidi)
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
        notes: counter that receives the record's notes. Pass one counter per
            file: the records decoded with it are compared for ``schema_conflict``.
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
    value = _loads(text, notes, raw_bidi=not text.isascii())
    if isinstance(value, dict):
        _note_fields(notes, value)
        return value
    if isinstance(value, RecordError):
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
        # One scan of a non-ASCII document spares each record its own.
        self.raw_bidi = not self._ascii and _BIDI.search(text) is not None
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
            _note_fields(self.notes, value, key)
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
                value, after = _raw_decode(text, idx, doc.notes, raw_bidi=doc.raw_bidi)
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
        value, after = _raw_decode(doc.text, idx, scratch, raw_bidi=doc.raw_bidi)
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
            name, idx = _raw_decode(text, idx, doc.notes, raw_bidi=doc.raw_bidi)
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
                value, after = _raw_decode(text, idx, doc.notes, raw_bidi=doc.raw_bidi)
                yield doc.item(value, idx, name)
                idx = after
            else:
                pairs[name], idx = _raw_decode(text, idx, doc.notes, raw_bidi=doc.raw_bidi)
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
                value, after = _raw_decode(text, idx, notes, raw_bidi=doc.raw_bidi)
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


# A value of each kind, to stand for records another reader decoded.
_KIND_VALUES: Final[dict[str, Any]] = {"string": "", "number": 0, "boolean": False}


def note_field_kinds(notes: Counter[str], kinds: Mapping[tuple[str, ...], str]) -> None:
    """Count records decoded elsewhere in a file's ``schema_conflict`` tracking.

    The vectorised webhook path decodes most lines in Polars and knows each
    field's JSON kind without Python values; this records those kinds as if one
    such record had been read, so a line the per-line path reads later with
    another kind drifts exactly as it would have.

    Args:
        notes: the file's notes counter (the one its records are read with).
        kinds: field path (``("body", "available")``) to ``string``, ``number``
            or ``boolean``.
    """
    record: dict[str, Any] = {}
    for path, kind in kinds.items():
        node = record
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = _KIND_VALUES[kind]
    _note_fields(notes, record)
