"""The parser interface: a content sniffer, a per-file reader and a cross-file finalize.

A parser recognises a file by its content, never by its name alone (FORMATS.md).
`read()` turns one file into canonical event rows plus rejections and must
account for every physical record it saw. `finalize()` runs once over the rows
of all files of that format, for facts that span page files (retry attempts,
duplicates across pages) or other formats of the same export (a Make scenario
named by its blueprint file, a Boomi run already read from its execution record).
Those cross-file facts travel as `Fact` values: any reader may emit them, every
finalize sees all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import polars as pl

from forensics.schema import Rejection, empty_mappings

# How much of a file a sniffer sees: enough for the first records of any export.
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a reader needs besides the bytes.

    Attributes:
        file: path relative to the analysed folder, used in rows and rejections.
        tz: zone naive timestamps are read in (``--tz``).
        payload: configured key lists, e.g. ``{"sku": ("sku", "SKU", ...)}``.
    """

    file: str
    tz: ZoneInfo
    payload: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a file says about the export beyond its own rows.

    Attributes:
        kind: namespaced fact type, e.g. ``make.scenario`` or ``boomi.execution``.
        key: what the fact is about, e.g. a scenario or execution id.
        values: the fact itself (JSON-like values).
        file: the file that said it.
        line: where in that file.
    """

    kind: str
    key: str
    values: Mapping[str, Any]
    file: str
    line: int


@dataclass(slots=True)
class ParseResult:
    """What one file yielded.

    Attributes:
        events: canonical event rows; may carry helper columns prefixed with ``_``
            that the parser's finalize step consumes.
        rejections: records that could not be read, with file and line.
        records_seen: every physical record the reader saw in the file.
        mappings: field-level evidence; its ``row`` indexes into ``events``.
        notes: counts of records read but flagged (e.g. ``naive_timestamp``).
        absorbed: records read into the facts of another row (e.g. process-log
            lines that describe one run) or into a Fact (a blueprint); they are
            parsed but yield no row.
        facts: cross-file facts for the finalize steps of every format.
    """

    events: pl.DataFrame
    rejections: list[Rejection]
    records_seen: int
    mappings: pl.DataFrame = field(default_factory=empty_mappings)
    notes: Counter[str] = field(default_factory=Counter)
    absorbed: int = 0
    facts: list[Fact] = field(default_factory=list)

    @property
    def parsed(self) -> int:
        """Records read into rows (or into the facts of a row)."""
        return self.records_seen - len(self.rejections)


class Parser(Protocol):
    """One source format, registered in ``parsers.PARSERS``."""

    id: str
    source: str
    description: str

    def sniff(self, head: bytes, name: str) -> float:
        """Return how sure we are (0..1) that a file starting with head is this format."""
        ...

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one whole file; never raise for a bad record, reject it instead."""
        ...

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact]) -> pl.DataFrame:
        """Derive cross-file facts over all rows of this format (sorted by file, record).

        ``facts`` holds every Fact of every file of the export, in (file, line) order.
        """
        ...


def in_file_order(rows: pl.DataFrame) -> pl.DataFrame:
    """Return rows sorted by (file, record), keeping the order of equal rows.

    Rows that are already in that order, as readers and the loader produce
    them, come back as they are: checking costs a fraction of a sort, and a
    stable sort of sorted rows would change nothing.
    """
    file, record = pl.col("file"), pl.col("record")
    ascending = (file < file.shift(-1)) | ((file == file.shift(-1)) & (record <= record.shift(-1)))
    in_order = rows.select(
        ascending.fill_null(True).all() & file.is_not_null().all() & record.is_not_null().all()
    ).item()
    return rows if in_order else rows.sort(["file", "record"], maintain_order=True)
