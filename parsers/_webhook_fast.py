"""The vectorised NDJSON path of the webhook reader (``read_fast``).

Lines are framed and decoded by Polars with an explicit schema, never an
inferred one: the keys a sample of the file's lines uses, all as strings, with
the objects among them (headers, body, ...) as structs of their keys. A line is
kept from this path only when cheap checks prove that Polars read it exactly as
the per-line Python path does; any other line (bad JSON, nested objects, a body
logged as a string, any backslash escape, numbers Polars prints differently,
duplicate keys, keys the sample did not show, ...) is handed to the per-line
path with its line number, record number and offset, so rejections and notes
stay the per-line path's. A range that Polars fails to decode is bisected and
only its smallest failing pieces go to the per-line path.

The proof that a decoded line lost nothing is three byte counts. Every ``:``
in valid JSON is a key's separator or sits inside a string, so when the line's
colons equal the non-null fields decoded plus the colons inside the decoded
values, every key was decoded (none unknown, duplicated or null) and no string
Polars skipped holds a colon. With no escapes, every ``"`` is two per key and
two per string value, so the string values are as many as the fields the
sample saw as strings, and a decoded number or boolean must read as one: a
value that changed kind goes to the per-line path, which notes
``schema_conflict``. (Only a line where a string field holds a number while a
number field holds a numeric string at once would pass.) Every ``{`` must be an
object decoded, so there is no nested object the Python path would search.
Counting single bytes is what makes the checks cheap (bench/RESULTS.md).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Final

import polars as pl

from parsers._json import SCALAR_KINDS

RECEIVE_KEYS: Final = ("received_at", "timestamp", "time", "ts")
KEY_LISTS: Final = ("sku", "location", "quantity", "occurred_at", "event_id", "idempotency_key")

_DECODE_CHUNK: Final = 65_536
_BISECT_FLOOR: Final = 256
# Lines of the head, and lines spread over the file, that teach the decode schema.
_SAMPLE_HEAD: Final = 200
_SAMPLE_SPREAD: Final = 100
_SAMPLE_LINE_CHARS: Final = 1 << 16
_NOT_BLANK: Final = r"[^ \t\n\r\x0b\x0c]"  # what bytes.strip() keeps
# Objects whose keys the per-line path reads (a request object is read through
# its nested headers and body, so it is never decoded here).
_CONTAINERS: Final = ("headers", "body", "payload")
_NEVER_DECODED: Final = frozenset({"request"})
# Top-level keys the reader takes as scalars: an object there is text to it.
_SCALAR_KEYS: Final = frozenset(
    (*RECEIVE_KEYS, "processed_at", "status", "response_status", "endpoint", "attempt_number")
) | {"event_id"}
# Text that sends a line to the per-line path before decoding. Any backslash:
# Polars decodes a lone surrogate escape to NUL where Python gives U+FFFD and a
# note, and with no escapes every '"' in a line is structural, which the quote
# count relies on. Bidi controls, which the per-line path notes, are looked for
# only in a file that is not pure ASCII.
_BACKSLASH: Final = "\\"
_BIDI: Final = tuple("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# A decoded value the per-line path may print differently: Python keeps a JSON
# float as a float (1e-07, -0.0, 1e+300) where Polars prints its own digits.
_FLOAT_TEXT: Final = r"^-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)$|^-?\d+\.\d*$|^-0$"


@dataclass(frozen=True, slots=True)
class FastRead:
    """What the vectorised path read from one NDJSON body.

    Attributes:
        frame: raw rows (the webhook reader's ``_RAW_SCHEMA`` columns) for the
            lines it decoded.
        slow: ``(line, record, offset, length)`` of the non-blank lines left to
            the per-line path, in file order.
        seen: non-blank lines (records) in the body.
        kinds: the JSON kind of every field path the decoded lines hold, as
            ``parsers._json`` names them; the per-line path compares the lines
            it reads against them for ``schema_conflict``.
    """

    frame: pl.DataFrame
    slow: list[tuple[int, int, int, int]]
    seen: int
    kinds: dict[tuple[str, ...], str]


def read_fast(
    body: bytes, keys: dict[str, tuple[str, ...]], newlines: int | None = None
) -> FastRead | None:
    """Decode the NDJSON lines of body that the vectorised path can read exactly.

    Args:
        body: UTF-8 bytes without a BOM (``parsers._text.to_utf8``).
        keys: the payload key lists.
        newlines: ``body.count(b"\\n")`` when the caller has counted already.

    Returns:
        The raw rows of the decoded lines and the locations of the rest, or
        None when no line of the sample decodes (the per-line path reads all).
    """
    lines = _frame(body, body.count(b"\n") if newlines is None else newlines)
    lines = lines.with_columns(
        line=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32),
        _start=(pl.col("length").cast(pl.Int64) + 1).cum_sum() - pl.col("length") - 1,
    )
    if b"\r" in body:
        lines = lines.with_columns(pl.col("text").str.strip_suffix("\r"))
    # NOTE: a search for the first non-blank byte stops at once on a record; strip
    # would copy every line.
    blank = (pl.col("length") == 0) | ~pl.col("text").str.contains(_NOT_BLANK).fill_null(True)
    lines = _chunked(
        lines.filter(~blank).with_columns(record=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32))
    )
    shape = _Shape.learn(_sample(lines))
    if not shape.schema:
        return None  # no sample line is an object: nothing to decode with
    text = pl.col("text")
    # NOTE: a container the sample saw logged as a string is checked before the
    # decode: Python decodes it one level, and the decode would fail on it; one
    # the sample never saw as a string is left to the bisection.
    slow_text = [
        *(() if body.isascii() else _BIDI),
        *(f'"{c}":{s}"' for c in shape.string_containers for s in ("", " ")),
    ]
    slow = text.str.contains(_BACKSLASH, literal=True)
    if slow_text:
        slow = slow | text.str.contains_any(slow_text)
    # NOTE: eager frames do not share subexpressions, so the brace count that two
    # checks use is a column first.
    checked = lines.with_columns(
        _opens=text.str.count_matches("{", literal=True),
        _colons=text.str.count_matches(":", literal=True),
        _quotes=text.str.count_matches('"', literal=True),
    ).with_columns(
        _fast=(
            text.str.starts_with("{")
            & text.str.ends_with("}")
            & (text.str.count_matches("}", literal=True) == pl.col("_opens"))
            & ~slow
        ).fill_null(False),
    )
    candidates = checked.filter("_fast").drop("_fast")
    decoded = _decode(candidates, shape.schema)
    columns = _raw_columns(keys, shape)
    # NOTE: one lazy query, so the struct fields that the checks and the columns
    # both read are extracted once (eager frames do not share subexpressions).
    raw = (
        decoded.lazy()
        .filter(_accounted(shape) & ~_off_kind(shape) & ~_out_of_range(shape))
        .select(*columns, *_leaf_columns(shape))
    )
    strings = raw.select(c.meta.output_name() for c in columns).collect_schema()
    raw = raw.filter(~_prints_differently(strings)).collect()
    leaves = f"^{_LEAF_PREFIX}.*$"
    held = raw.select(pl.col(leaves).is_not_null().any())
    held_by = held.row(0, named=True) if held.width else {}
    kinds = {p: k for p, k in shape.kinds.items() if held_by.get(_leaf_name(p))}
    raw = raw.select(pl.exclude(leaves))
    slow = (
        lines.select("line", "record", "_start", "length")
        .join(raw.select("record"), on="record", how="anti")
        .sort("record")
        .rows()
    )
    return FastRead(raw, slow, lines.height, kinds)


def _frame(body: bytes, newlines: int) -> pl.DataFrame:
    """Split body on ``\\n`` into ``text`` (String, null when not UTF-8) and ``length``.

    ``newlines`` is ``body.count(b"\\n")``: a pass over the whole body, made once.
    """
    expected = newlines + (0 if body.endswith(b"\n") else 1)
    if body and b"\r" not in body and b"\x1f" not in body:
        # NOTE: Polars' CSV reader with no quoting and an absent separator is a
        # parallel line splitter; it keeps blank lines as nulls. The row count is
        # checked, and any doubt (CR, unit separator, bad UTF-8) takes the split below.
        try:
            lines = pl.read_csv(
                io.BytesIO(body),
                has_header=False,
                separator="\x1f",
                quote_char=None,
                schema={"text": pl.String},
                comment_prefix=None,
            )
        except pl.exceptions.PolarsError:
            lines = None
        if lines is not None and lines.height == expected:
            return lines.with_columns(length=pl.col("text").str.len_bytes().fill_null(0))
    parts = body.split(b"\n")[:expected]
    try:
        texts: list[str | None] = body.decode("utf-8").split("\n")[:expected]
    except UnicodeDecodeError:
        # NOTE: only a file with invalid UTF-8 pays for this loop; its bad lines
        # (null text) go to the per-line path, which notes them.
        texts = [_utf8_or_none(p) for p in parts]
    return pl.DataFrame(
        {
            "text": pl.Series(texts, dtype=pl.String),
            "length": pl.Series([len(p) for p in parts], dtype=pl.UInt32),
        }
    )


def _utf8_or_none(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _chunked(frame: pl.DataFrame) -> pl.DataFrame:
    """Zero-copy slices of frame as separate chunks, so string kernels use every core."""
    # NOTE: Polars runs one string expression over one chunk on one thread; a
    # filter leaves a single chunk, which halved the reader's speed on 2 cores.
    size = max(_DECODE_CHUNK // 4, -(-frame.height // (4 * pl.thread_pool_size())))
    if frame.height <= size:
        return frame
    return pl.concat([frame.slice(s, size) for s in range(0, frame.height, size)], rechunk=False)


def _sample(lines: pl.DataFrame) -> list[str]:
    step = max(1, lines.height // _SAMPLE_SPREAD)
    texts = pl.concat([lines.head(_SAMPLE_HEAD), lines.gather_every(step)]).get_column("text")
    return [t for t in texts if t is not None]


@dataclass(frozen=True, slots=True)
class _Shape:
    """The keys a file's lines use and their JSON kinds, learnt from a sample.

    Attributes:
        schema: top-level keys as strings, objects of scalars as structs of
            their keys (all strings). A key seen holding an array, a nested
            object, or two kinds of value is left out, and so are lines using it.
        kinds: the JSON kind (string, number, boolean) of every decoded scalar,
            by field path; a line whose values are of other kinds goes slow.
        spellings: per lower-case header name, the spellings in ``headers``.
        string_containers: containers the sample saw logged as a string.
    """

    schema: dict[str, pl.DataType]
    kinds: dict[tuple[str, ...], str]
    spellings: dict[str, tuple[str, ...]]
    string_containers: tuple[str, ...]

    @classmethod
    def learn(cls, sample: list[str]) -> _Shape:
        kinds: dict[tuple[str, ...], set[str]] = {}
        objects: dict[str, dict[str, None]] = {}
        excluded: set[str] = set(_NEVER_DECODED)
        for text in sample:
            if len(text) > _SAMPLE_LINE_CHARS or not text.startswith("{"):
                continue
            try:
                record = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if type(record) is not dict:
                continue
            for key, value in record.items():
                if type(value) is dict and key not in _SCALAR_KEYS:
                    objects.setdefault(key, {}).update(dict.fromkeys(value))
                    for name, inner in value.items():
                        kinds.setdefault((key, name), set()).add(_kind(inner))
                elif value is not None:
                    kinds.setdefault((key,), set()).add(_kind(value))
        strings = {path[0] for path, seen in kinds.items() if len(path) == 1 and "string" in seen}
        # NOTE: a field of two kinds in the sample drifts (schema_conflict), an
        # array or object is not read as a scalar; the per-line path takes those.
        single = {path: seen.pop() for path, seen in kinds.items() if len(seen) == 1}
        single = {path: kind for path, kind in single.items() if kind != "other"}
        excluded |= {k for (k, *rest) in kinds if not rest and k in objects}
        excluded |= {k for (k, *rest) in kinds if not rest and (k,) not in single}
        schema: dict[str, pl.DataType] = {
            k: pl.String for (k, *rest) in sorted(single) if not rest and k not in excluded
        }
        for key in sorted(objects.keys() - excluded):
            fields = [name for name in objects[key] if (key, name) in single]
            if fields:  # NOTE: Polars cannot decode into a struct without fields
                schema[key] = pl.Struct(dict.fromkeys(fields, pl.String))
        spellings: dict[str, tuple[str, ...]] = {}
        for name in (
            schema["headers"].fields if isinstance(schema.get("headers"), pl.Struct) else ()
        ):
            spellings[name.name.lower()] = (*spellings.get(name.name.lower(), ()), name.name)
        decoded = {
            path: kind
            for path, kind in single.items()
            if path[0] in schema and (len(path) == 1 or path[1] in _names(schema[path[0]]))
        }
        return cls(schema, decoded, spellings, tuple(c for c in _CONTAINERS if c in strings))

    def fields(self, struct: str) -> set[str]:
        return _names(self.schema.get(struct))

    def leaves(self) -> dict[tuple[str, ...], pl.Expr]:
        """Every decoded scalar, top-level or in a struct, by field path."""
        return {
            path: _json(path[0]) if len(path) == 1 else _json(path[0]).struct.field(path[1])
            for path in self.kinds
        }


_LEAF_PREFIX: Final = "_leaf\x1f"


def _leaf_name(path: tuple[str, ...]) -> str:
    return _LEAF_PREFIX + "\x1f".join(path)


def _leaf_columns(shape: _Shape) -> list[pl.Expr]:
    """Every decoded scalar under a column name that no raw column can take."""
    return [v.alias(_leaf_name(path)) for path, v in shape.leaves().items()]


def _kind(value: object) -> str:
    # NOTE: the names schema_conflict tracking uses, so fast and slow lines compare.
    return SCALAR_KINDS.get(type(value), "other")


def _names(dtype: pl.DataType | None) -> set[str]:
    return {f.name for f in dtype.fields} if isinstance(dtype, pl.Struct) else set()


def _decode(lines: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Decode ``text`` with the schema; a range Polars cannot decode is bisected."""
    struct = pl.Struct(schema)
    decode = pl.col("text").str.json_decode(struct).alias("_json")
    out: list[pl.DataFrame] = []
    pending = [(0, lines.height)]
    while pending:
        start, size = pending.pop()
        part = lines.slice(start, size)
        try:
            out.append(part.with_columns(decode).drop("text"))
        except pl.exceptions.PolarsError:
            # NOTE: the text checks let through only lines that start and end
            # like an object; one that is still not JSON costs its smallest piece.
            if size > _BISECT_FLOOR:
                half = size // 2
                pending += [(start, half), (start + half, size - half)]
    if not out:
        return pl.DataFrame(schema={**lines.drop("text").schema, "_json": struct})
    return pl.concat(out, rechunk=False) if len(out) > 1 else out[0]


def _json(name: str) -> pl.Expr:
    """A top-level field of the decoded line (kept in one struct so no key shadows a column)."""
    return pl.col("_json").struct.field(name)


def _accounted(shape: _Shape) -> pl.Expr:
    """True when the decoded fields account for every colon, quote and brace of the text."""
    structs = [
        _json(name).is_not_null().cast(pl.UInt32)
        for name, dtype in shape.schema.items()
        if isinstance(dtype, pl.Struct)
    ]
    leaves = shape.leaves()
    present = {path: v.is_not_null().cast(pl.UInt32) for path, v in leaves.items()}
    fields = [*present.values(), *structs]
    inside = [v.str.count_matches(":", literal=True).fill_null(0) for v in leaves.values()]
    strings = [present[path] for path, kind in shape.kinds.items() if kind == "string"]
    ok = (
        (pl.col("_opens") == pl.sum_horizontal(pl.lit(1, pl.UInt32), *structs))
        & (pl.col("_colons") == pl.sum_horizontal(*fields, *inside))
        # Two quotes per key and per string value: every value is of its learnt kind.
        & (pl.col("_quotes") == 2 * pl.sum_horizontal(*fields, *strings))
    )
    # Python lower-cases header names and keeps the last of two spellings;
    # a line holding two spellings of one header is left to it.
    headers = _json("headers").struct
    for variants in shape.spellings.values():
        if len(variants) > 1:
            both = pl.sum_horizontal(headers.field(s).is_not_null() for s in variants)
            ok = ok & (both <= 1).fill_null(True)
    return ok


def _prints_differently(raw: pl.Schema) -> pl.Expr:
    values = [c for c, dtype in raw.items() if dtype == pl.String]
    return pl.any_horizontal(pl.col(c).str.contains(_FLOAT_TEXT).fill_null(False) for c in values)


def _off_kind(shape: _Shape) -> pl.Expr:
    """A number or boolean field holding another kind (quotes cannot tell these apart)."""
    checks = [pl.lit(False)]
    for path, value in shape.leaves().items():
        if shape.kinds[path] == "number":
            checks.append(~value.str.contains(r"^-?\d").fill_null(True))
        elif shape.kinds[path] == "boolean":
            checks.append(~value.is_in(["true", "false"]).fill_null(True))
    return pl.any_horizontal(checks)


def _out_of_range(shape: _Shape) -> pl.Expr:
    """An integer of 19 digits or more may be past Int64, which the per-line path notes."""
    numbers = [v for path, v in shape.leaves().items() if shape.kinds[path] == "number"]
    return pl.any_horizontal(
        pl.lit(False), *(v.str.contains(r"^-?\d{19}").fill_null(False) for v in numbers)
    )


def _raw_columns(keys: dict[str, tuple[str, ...]], shape: _Shape) -> list[pl.Expr]:
    """The per-line path's ``_fields`` as expressions over the decoded struct columns."""
    schema = shape.schema
    none = pl.lit(None, pl.String)

    def top(name: str) -> pl.Expr:
        return _json(name) if schema.get(name) == pl.String else none

    def member(struct: str, name: str) -> pl.Expr:
        return _json(struct).struct.field(name) if name in shape.fields(struct) else none

    # Python reads the body when one is logged (whatever its type), else the payload.
    has_body = _json("body").is_not_null() if "body" in schema else pl.lit(False)

    def field(name: str) -> pl.Expr:  # obj.get(name)
        return pl.when(has_body).then(member("body", name)).otherwise(member("payload", name))

    def find_expr(name: str) -> pl.Expr:
        return pl.coalesce([*(field(k) for k in keys[name]), none])

    def header_value(name: str) -> pl.Expr:
        return pl.coalesce([*(member("headers", s) for s in shape.spellings.get(name, ())), none])

    def header_expr(*names: str) -> pl.Expr:
        values = [header_value(n) for n in names]
        return pl.coalesce([pl.when(v != "").then(v) for v in values])

    def as_id(value: pl.Expr) -> pl.Expr:
        stripped = value.str.strip_chars()
        return pl.when(stripped != "").then(stripped)

    stripe = (field("object") == "event").fill_null(False) | header_value(
        "stripe-signature"
    ).is_not_null()
    svix = header_value("svix-id").is_not_null() | header_value("webhook-id").is_not_null()
    topic = header_expr("x-shopify-topic", "x-github-event")
    event = header_expr("x-shopify-event-id", "x-github-delivery", "svix-id", "webhook-id")
    delivery = header_expr("x-shopify-webhook-id")
    sent = header_expr("x-shopify-triggered-at", "svix-timestamp", "webhook-timestamp")
    event = pl.when(stripe).then(pl.coalesce(event, field("id"))).otherwise(event)
    sent = pl.when(stripe).then(pl.coalesce(sent, field("created"))).otherwise(sent)
    topic = pl.when(stripe | svix).then(pl.coalesce(topic, field("type"))).otherwise(topic)
    hint = top("attempt_number")
    hookdeck = pl.coalesce(
        header_expr("x-hookdeck-eventid"), pl.when(hint.is_not_null()).then(top("event_id"))
    )
    event = pl.coalesce(event, hookdeck, find_expr("event_id"))
    hint = pl.coalesce(hint, header_expr("x-hookdeck-attempt-count"))
    idempotency = pl.coalesce(
        delivery, header_expr("idempotency-key", "x-idempotency-key"), find_expr("idempotency_key")
    )
    return [
        pl.col("line"),
        pl.col("record"),
        pl.col("_start").alias("_offset"),
        pl.col("_start"),
        pl.coalesce([top(k) for k in RECEIVE_KEYS]).alias("_received_raw"),
        pl.coalesce(find_expr("occurred_at"), sent).alias("_occurred_raw"),
        top("processed_at").alias("_processed_raw"),
        pl.coalesce(top("status"), top("response_status")).alias("_status_raw"),
        as_id(topic).alias("_topic"),
        as_id(top("endpoint")).alias("_endpoint"),
        as_id(event).alias("event_id"),
        as_id(delivery).alias("_delivery_id"),
        as_id(idempotency).alias("idempotency_key"),
        as_id(find_expr("sku")).alias("sku"),
        as_id(find_expr("location")).alias("location"),
        find_expr("quantity").alias("_quantity_raw"),
        hint.alias("_hint_raw"),
        pl.lit(False).alias("_body_not_json"),
    ]
