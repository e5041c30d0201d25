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
Polars skipped holds a colon. Only the string values the sample saw holding a
colon are counted: the colons counted can only fall short of the line's, never
exceed them, so a colon anywhere else (a value, a key, an unknown string) fails
the equality and sends the line slow. With no escapes, every ``"`` is two per
key and two per string value, so the string values are as many as the fields
the sample saw as strings, and a decoded number or boolean must read as one: a
value that changed kind goes to the per-line path, which notes
``schema_conflict``. (Only a line where a string field holds a number while a
number field holds a numeric string at once would pass.) Every ``{`` must be an
object decoded, so there is no nested object the Python path would search.
Counting single bytes is what makes the checks cheap (bench/RESULTS.md).

Polars prints a decoded number from its value, not its text (``1.50`` as
``1.5``), so a number field is kept only when it holds an integer that the
per-line path prints alike (``_plain_scalars``). A string field is not checked:
the quote count proves it held a string, which Polars keeps as written, so a
text such as "1.50" stays on this path. (In the one line shape above that the
quote count lets through, a string field holding a fraction now stays too,
where a check of every column's text used to send it slow.)
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
# Longest decoded number kept (``_plain_scalars``): 19 digits may be past Int64;
# 15 digits stay below 2**53, where a whole float prints as the integer it holds.
_NUMBER_CHARS: Final = 18
_ID_NUMBER_CHARS: Final = 15
# Raw columns the per-line path fills with ``as_id``: stripped, null when empty.
_ID_COLUMNS: Final = (
    "_topic",
    "_endpoint",
    "event_id",
    "_delivery_id",
    "idempotency_key",
    "sku",
    "location",
)
# The payload key lists whose values the per-line path reads through ``as_id``.
_ID_KEY_LISTS: Final = ("event_id", "idempotency_key", "sku", "location")


@dataclass(frozen=True, slots=True)
class FastRead:
    """What the vectorised path read from one NDJSON body.

    Attributes:
        frame: raw rows (the webhook reader's ``_RAW_SCHEMA`` columns) for the
            lines it decoded, in record order.
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
    body: bytes,
    keys: dict[str, tuple[str, ...]],
    newlines: int | None = None,
    *,
    carriage: bool | None = None,
) -> FastRead | None:
    """Decode the NDJSON lines of body that the vectorised path can read exactly.

    Args:
        body: UTF-8 bytes without a BOM (``parsers._text.to_utf8``).
        keys: the payload key lists.
        newlines: ``body.count(b"\\n")`` when the caller has counted already.
        carriage: ``b"\\r" in body`` when the caller has looked already.

    Returns:
        The raw rows of the decoded lines and the locations of the rest, or
        None when no line of the sample decodes (the per-line path reads all).
    """
    carriage = b"\r" in body if carriage is None else carriage
    lines = _frame(body, body.count(b"\n") if newlines is None else newlines, carriage)
    lines = lines.with_columns(
        line=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32),
        _start=(pl.col("length").cast(pl.Int64) + 1).cum_sum() - pl.col("length") - 1,
    )
    if carriage:
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
        .filter(_accounted(shape) & _plain_scalars(shape, _id_leaves(shape, keys)))
        .select(*columns, *_leaf_columns(shape))
        .collect()
    )
    leaves = f"^{_LEAF_PREFIX}.*$"
    held = raw.select(pl.col(leaves).is_not_null().any(), pl.col(_ID_COLUMNS).eq("").any())
    held_by = held.row(0, named=True)
    kinds = {p: k for p, k in shape.kinds.items() if held_by.get(_leaf_name(p))}
    raw = raw.select(pl.exclude(leaves)).with_columns(
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in _ID_COLUMNS if held_by[c]
    )
    slow = (
        lines.select("line", "record", "_start", "length")
        .join(raw.select("record"), on="record", how="anti")
        .sort("record")
        .rows()
    )
    return FastRead(raw, slow, lines.height, kinds)


def _frame(body: bytes, newlines: int, carriage: bool) -> pl.DataFrame:
    """Split body on ``\\n`` into ``text`` (String, null when not UTF-8) and ``length``.

    ``newlines`` is ``body.count(b"\\n")`` and ``carriage`` is ``b"\\r" in body``:
    passes over the whole body, made once.
    """
    expected = newlines + (0 if body.endswith(b"\n") else 1)
    if body and not carriage and b"\x1f" not in body:
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
        colons: the string scalars the sample saw holding a colon. Only their
            colons are counted (``_accounted``); a line with a colon in another
            value goes to the per-line path.
    """

    schema: dict[str, pl.DataType]
    kinds: dict[tuple[str, ...], str]
    spellings: dict[str, tuple[str, ...]]
    string_containers: tuple[str, ...]
    colons: frozenset[tuple[str, ...]]

    @classmethod
    def learn(cls, sample: list[str]) -> _Shape:
        kinds: dict[tuple[str, ...], set[str]] = {}
        objects: dict[str, dict[str, None]] = {}
        excluded: set[str] = set(_NEVER_DECODED)
        colons: set[tuple[str, ...]] = set()
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
                        if type(inner) is str and ":" in inner:
                            colons.add((key, name))
                elif value is not None:
                    kinds.setdefault((key,), set()).add(_kind(value))
                    if type(value) is str and ":" in value:
                        colons.add((key,))
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
        containers = tuple(c for c in _CONTAINERS if c in strings)
        return cls(schema, decoded, spellings, containers, frozenset(colons))

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
                # NOTE: the first half is popped first, so the pieces stay in
                # record order and the reader need not sort them.
                pending += [(start + half, size - half), (start, half)]
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
    # NOTE: colons are counted only in the string values the sample saw holding
    # one. Leaving a value out cannot let a line through wrongly: the counted
    # colons can only fall short of the text's, so a colon elsewhere fails the test.
    inside = [
        v.str.count_matches(":", literal=True).fill_null(0)
        for path, v in leaves.items()
        if shape.kinds[path] == "string" and path in shape.colons
    ]
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


def _id_leaves(shape: _Shape, keys: dict[str, tuple[str, ...]]) -> set[tuple[str, ...]]:
    """The decoded scalars that may reach an id column (``as_id`` on the per-line path).

    A superset is fine: it only tightens ``_plain_scalars`` for them.
    """
    named = {"id", "type", *(k for name in _ID_KEY_LISTS for k in keys.get(name, ()))}
    return {
        path
        for path in shape.kinds
        if path in (("endpoint",), ("event_id",))
        or (len(path) == 2 and path[0] == "headers")
        or (len(path) == 2 and path[0] in ("body", "payload") and path[1] in named)
    }


def _plain_scalars(shape: _Shape, ids: set[tuple[str, ...]]) -> pl.Expr:
    """True when every number reads as the per-line path prints it, and every boolean is one.

    Polars prints a decoded number from its value, never from the text: ``1.50``
    as ``1.5``, ``1e5`` and ``100000.0`` as ``100000``, ``-0.0`` as ``-0``. The
    per-line path keeps ints and floats and prints them the same way (Polars'
    own text of the float, for raw columns typed later), except through
    ``as_id``: a fraction by Python's ``repr`` (``1e-07``), ``-0.0`` as ``0``,
    and a whole float past 2**53 by its exact value, not its shortest digits.
    So a kept number is an integer text (a valid Int64, so no fraction, no
    ``true``, nothing past Int64), not ``-0``, of at most 18 characters (19
    digits may be past Int64, which the per-line path notes), and at most 15
    where it may reach an id: below 2**53 a whole float and an integer print alike.
    The quote count cannot tell a boolean from a number, hence both kinds' checks.
    """
    checks = [pl.lit(True)]
    for path, value in shape.leaves().items():
        kind = shape.kinds[path]
        if kind == "number":
            most = _ID_NUMBER_CHARS if path in ids else _NUMBER_CHARS
            # NOTE: a cast and a length are cheaper than an anchored regex per value.
            plain = (
                value.cast(pl.Int64, strict=False).is_not_null()
                & (value.str.len_bytes() <= most)
                & (value != "-0")
            )
            checks.append(value.is_null() | plain)
        elif kind == "boolean":
            checks.append(value.is_null() | value.is_in(["true", "false"]))
    return pl.all_horizontal(checks)


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

    def field(name: str) -> pl.Expr | None:  # obj.get(name); None when never present
        in_body, in_payload = name in shape.fields("body"), name in shape.fields("payload")
        if not in_payload:
            # NOTE: a member of a null body is null, so no condition is needed.
            return member("body", name) if in_body else None
        return pl.when(has_body).then(member("body", name)).otherwise(member("payload", name))

    def find_expr(name: str) -> pl.Expr:
        return pl.coalesce([*(f for k in keys[name] if (f := field(k)) is not None), none])

    def field_or_none(name: str) -> pl.Expr:
        found = field(name)
        return none if found is None else found

    def header_value(name: str) -> pl.Expr:
        return pl.coalesce([*(member("headers", s) for s in shape.spellings.get(name, ())), none])

    def header_expr(*names: str) -> pl.Expr:
        values = [header_value(n) for n in names if shape.spellings.get(n)]
        return pl.coalesce([*(pl.when(v != "").then(v) for v in values), none])

    def as_id(value: pl.Expr) -> pl.Expr:
        # NOTE: an id the strip leaves empty is made null after the collect in
        # read_fast, and only in a column that holds one: a condition on every
        # value of every id column cost more than the check.
        return value.str.strip_chars()

    stripe = (field_or_none("object") == "event").fill_null(False) | header_value(
        "stripe-signature"
    ).is_not_null()
    svix = header_value("svix-id").is_not_null() | header_value("webhook-id").is_not_null()
    topic = header_expr("x-shopify-topic", "x-github-event")
    event = header_expr("x-shopify-event-id", "x-github-delivery", "svix-id", "webhook-id")
    delivery = header_expr("x-shopify-webhook-id")
    sent = header_expr("x-shopify-triggered-at", "svix-timestamp", "webhook-timestamp")
    event = pl.when(stripe).then(pl.coalesce(event, field_or_none("id"))).otherwise(event)
    sent = pl.when(stripe).then(pl.coalesce(sent, field_or_none("created"))).otherwise(sent)
    topic = pl.when(stripe | svix).then(pl.coalesce(topic, field_or_none("type"))).otherwise(topic)
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
