"""What the Boomi readers share: fact kinds, QueryResult framing and the retry chain walk.

The three Boomi formats describe the same executions from different angles and
talk to each other only through ``Fact`` values (``parsers._base``):

* ``boomi.execution`` (key executionId) from every ExecutionRecord read;
* ``boomi.documents`` (key executionId) once per execution with document rows;
* ``boomi.process_log`` (key execution id) from every process log.

Retries: an ExecutionRecord whose ``executionType`` is ``retry_manual`` or
``retry_sched`` re-sends the documents of ``originalExecutionId``. Attempts
follow that chain back to the first execution through the records of all
files, as a join per level in Polars (``chains``), never a per-row loop.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from forensics.schema import Rejection
from parsers._base import Fact
from parsers._json import iter_document
from parsers._text import decode, to_utf8
from parsers.boomi._xml import read_records

EXECUTION_FACT: Final = "boomi.execution"
DOCUMENTS_FACT: Final = "boomi.documents"
PROCESS_LOG_FACT: Final = "boomi.process_log"
RETRY_TYPES: Final = ("retry_manual", "retry_sched")
# A chain longer than this is a cycle in the export (A retries B retries A).
MAX_CHAIN: Final = 64
EXCERPT_CHARS: Final = 200

_XML_START: Final = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<")


def scalar(value: object) -> str | None:
    """Render a raw JSON / XML field as text for typing in Polars.

    Boomi's JSON sometimes types longs as ``["Long", 4210]``: the value is the
    last element. Objects and other lists become ``<object>`` / ``<array>`` so
    that typing them fails visibly instead of reading as absent.

    Args:
        value: a decoded JSON value or XML text.

    Returns:
        The text, or None for null.
    """
    kind = type(value)
    if value is None:
        return None
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return repr(value)
    if kind is list and len(value) == 2 and isinstance(value[0], str):  # type: ignore[arg-type]
        return scalar(value[1])  # type: ignore[index]
    return "<object>" if kind is dict else "<array>"


def is_xml(head: bytes) -> bool:
    """Whether the bytes start an XML document (after an optional BOM and spaces)."""
    return _XML_START.match(head) is not None


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record of a QueryResult page, JSON or XML.

    Attributes:
        value: the record as a dict.
        line: 1-based line of its opening brace or start tag.
        record: 1-based position among the file's records.
        offset: byte offset in the file.
        start: character offset of the record in the decoded text (for excerpts).
    """

    value: dict[str, Any]
    line: int
    record: int
    offset: int
    start: int


@dataclass(slots=True)
class Framed:
    """The records of a file, the records it rejected while framing, and excerpts."""

    records: list[RawRecord]
    rejections: list[Rejection]
    seen: int
    notes: Counter[str]
    excerpt: Callable[[RawRecord], str]


def frame_query_result(data: bytes, file: str) -> Framed:
    """Split a QueryResult page (JSON envelope, bare JSON list or XML) into records.

    A JSON object that is itself a ``QueryResult`` without a result list is an
    empty page, not a record. XML records are the ``result`` children of the root.

    Args:
        data: the whole file.
        file: path used in rejections.

    Returns:
        The framed records; ``seen`` counts records and rejected units.
    """
    body, shift, notes = to_utf8(data)
    records: list[RawRecord] = []
    rejections: list[Rejection] = []
    if is_xml(body):
        lines: list[str] | None = None

        def line_excerpt(line: int) -> str:
            # NOTE: decoded only when an excerpt is needed; expat read the real encoding.
            nonlocal lines
            if lines is None:
                lines = body.decode("utf-8", errors="replace").split("\n")
            return lines[line - 1].strip()[:EXCERPT_CHARS] if 0 < line <= len(lines) else ""

        doc = read_records(data, frozenset({"result"}))
        for i, item in enumerate(doc.records, start=1):
            records.append(RawRecord(item.value, item.line, i, item.offset, 0))
        seen = len(records)
        if doc.failure is not None:
            seen += 1
            fail = doc.failure
            excerpt = line_excerpt(fail.line)
            rejections.append(
                Rejection(file, fail.line, fail.reason, fail.detail, seen, fail.offset, excerpt)
            )
        return Framed(records, rejections, seen, notes, lambda r: line_excerpt(r.line))
    body_text, text_notes = decode(body)
    notes.update(text_notes)
    seen = 0
    for item in iter_document(body_text, notes, record_keys=("result",)):
        value = item.value
        if item.error is None and value.get("@type") == "QueryResult" and item.key is None:
            continue
        seen += 1
        if item.error is not None:
            rejections.append(
                Rejection(
                    file,
                    item.line,
                    item.error.reason,
                    item.error.detail,
                    seen,
                    item.byte_offset + shift,
                    body_text[item.offset : item.offset + EXCERPT_CHARS],
                )
            )
            continue
        records.append(RawRecord(value, item.line, seen, item.byte_offset + shift, item.offset))
    return Framed(
        records,
        rejections,
        seen,
        notes,
        lambda r: body_text[r.start : r.start + EXCERPT_CHARS],
    )


def fact_keys(facts: Iterable[Fact], *kinds: str) -> list[str]:
    """Return the distinct keys of the facts of the given kinds, in first-seen order."""
    return list(dict.fromkeys(f.key for f in facts if f.kind in kinds))


EXECUTION_FRAME_SCHEMA: Final = {
    "executionId": pl.String,
    "processName": pl.String,
    "processId": pl.String,
    "executionType": pl.String,
    "originalExecutionId": pl.String,
    "executionTime": pl.String,
}


def execution_frame(facts: Sequence[Fact]) -> pl.DataFrame:
    """Return one row per executionId from the ``boomi.execution`` facts (first wins).

    Args:
        facts: every fact of the export, in (file, line) order.

    Returns:
        A frame with the columns of ``EXECUTION_FRAME_SCHEMA``.
    """
    rows = [
        (f.key, *(scalar(f.values.get(name)) for name in list(EXECUTION_FRAME_SCHEMA)[1:]))
        for f in facts
        if f.kind == EXECUTION_FACT
    ]
    frame = pl.DataFrame(rows, schema=EXECUTION_FRAME_SCHEMA, orient="row")
    return frame.unique("executionId", keep="first", maintain_order=True)


def chains(links: pl.DataFrame) -> pl.DataFrame:
    """Walk each execution's retry chain back to the first execution.

    A retry (executionType ``retry_manual`` / ``retry_sched``) steps to its
    ``originalExecutionId``; the walk goes on while that original is itself a
    retry found in ``links``. An original missing from the export still counts
    as one step. One join per level, so the cost is rows x chain depth.

    Args:
        links: ``executionId``, ``originalExecutionId``, ``executionType``
            (duplicates allowed; the first row of an id wins).

    Returns:
        ``executionId``, ``attempt`` (UInt16: 1 + steps, at least 2 for any
        retry) and ``root`` (the first execution reached; own id for firsts).
    """
    is_retry = pl.col("executionType").str.strip_chars().str.to_lowercase().is_in(RETRY_TYPES)
    original = pl.col("originalExecutionId")
    links = links.unique("executionId", keep="first", maintain_order=True).with_columns(
        _retry=is_retry.fill_null(False),
        _parent=pl.when(
            is_retry.fill_null(False) & original.is_not_null() & (original != pl.col("executionId"))
        ).then(original),
    )
    parents = links.select(_node=pl.col("executionId"), _up=pl.col("_parent"))
    state = links.select(
        "executionId",
        "_retry",
        root=pl.col("executionId"),
        _node=pl.col("_parent"),
        _steps=pl.lit(0, dtype=pl.UInt32),
    )
    for _ in range(MAX_CHAIN):
        if state.get_column("_node").null_count() == state.height:
            break
        stepping = pl.col("_node").is_not_null()
        state = (
            state.with_columns(
                _steps=pl.col("_steps") + stepping.cast(pl.UInt32),
                root=pl.coalesce("_node", "root"),
            )
            .join(parents, on="_node", how="left", maintain_order="left")
            .with_columns(_node=pl.col("_up"))
            .drop("_up")
        )
    attempt = pl.max_horizontal(pl.col("_steps") + 1, pl.when(pl.col("_retry")).then(2))
    return state.select(
        "executionId", attempt=attempt.clip(1, 65535).cast(pl.UInt16), root=pl.col("root")
    )


_XML_QUERY_ROOT: Final = re.compile(r"<(?:[\w.-]+:)?QueryResult\b")


def sniff_query_result(head: bytes, record_type: str, untyped_keys: Sequence[str]) -> float:
    """Score a head as a Boomi QueryResult page of ``record_type`` records.

    Returns:
        0.95 when the records are typed (``@type`` in JSON, ``xsi:type`` in XML),
        0.8 for untyped JSON records carrying every one of ``untyped_keys``,
        else 0.
    """
    body, _, _ = to_utf8(head)
    text = body.decode("utf-8", errors="replace")
    name = re.escape(record_type)
    if is_xml(body):
        typed = re.search(rf"""type\s*=\s*["'](?:[\w.-]+:)?{name}["']""", text)
        return 0.95 if _XML_QUERY_ROOT.search(text) and typed else 0.0
    if not text.lstrip().startswith(("{", "[")):
        return 0.0
    if re.search(rf'"@type"\s*:\s*"{name}"', text):
        return 0.95
    keys = (re.search(rf'"{re.escape(k)}"\s*:', text) for k in untyped_keys)
    return 0.8 if all(keys) else 0.0
