"""The parser interface: a content sniffer, a per-file reader and a cross-file finalize.

A parser recognises a file by its content, never by its name alone (FORMATS.md).
`read()` turns one file into canonical event rows plus rejections and must
account for every physical record it saw. `finalize()` runs once over the rows
of all files of that format, for facts that span page files (retry attempts,
duplicates across pages).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
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
            lines that describe one run); they are parsed but yield no row.
    """

    events: pl.DataFrame
    rejections: list[Rejection]
    records_seen: int
    mappings: pl.DataFrame = field(default_factory=empty_mappings)
    notes: Counter[str] = field(default_factory=Counter)
    absorbed: int = 0

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

    def finalize(self, events: pl.DataFrame) -> pl.DataFrame:
        """Derive cross-file facts over all rows of this format (sorted by file, record)."""
        ...
