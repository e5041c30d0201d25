"""Shared helpers for the Make parser tests: read with accounting checks, run an export."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from forensics.config import PayloadKeys
from forensics.schema import EVENT_SCHEMA, conform
from parsers._base import Fact, ParseContext, Parser, ParseResult
from parsers.make import MAKE_PARSERS

PAYLOAD = asdict(PayloadKeys())


def as_bytes(data: Any) -> bytes:
    """Encode a fixture: bytes as is, text as UTF-8, anything else pretty-printed JSON."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    return json.dumps(data, indent=2).encode()


class MakeKit:
    """Read Make fixtures the way the loader does, checking accounting at every step."""

    def read(
        self, parser: Parser, data: Any, file: str = "make/export.json", tz: str = "UTC"
    ) -> ParseResult:
        """Read one file with one parser; assert the record accounting and the schema."""
        result = parser.read(as_bytes(data), ParseContext(file, ZoneInfo(tz), PAYLOAD))
        rows = result.events.height
        assert result.records_seen == rows + result.absorbed + len(result.rejections)
        conform(result.events, what=parser.id)
        for rejection in result.rejections:
            assert rejection.file == file
            assert rejection.record is not None and rejection.offset is not None
        return result

    def detect(self, data: Any, name: str = "x.json") -> list[str]:
        """Return the ids of the Make parsers whose sniffer accepts the data."""
        head = as_bytes(data)[: 64 * 1024]
        return [p.id for p in MAKE_PARSERS if p.sniff(head, name) > 0]

    def export(self, files: dict[str, Any], tz: str = "UTC") -> dict[str, pl.DataFrame]:
        """Read a whole export: each file by the one Make parser that claims it, then finalize.

        Returns:
            Finalized, schema-checked rows per format id (formats without rows are absent).
        """
        results: dict[str, list[ParseResult]] = defaultdict(list)
        parsers = {p.id: p for p in MAKE_PARSERS}
        for file, data in files.items():
            claimed = self.detect(data, file)
            assert len(claimed) == 1, f"{file} claimed by {claimed}"
            results[claimed[0]].append(self.read(parsers[claimed[0]], data, file, tz))
        facts: list[Fact] = sorted(
            (f for group in results.values() for r in group for f in r.facts),
            key=lambda f: (f.file, f.line),
        )
        out = {}
        for format_id, group in results.items():
            frames = [r.events for r in group if r.events.height]
            if not frames:
                continue
            combined = pl.concat(frames, how="diagonal_relaxed").sort(["file", "record"])
            finalized = parsers[format_id].finalize(combined, facts)
            conform(finalized, EVENT_SCHEMA, what=format_id)
            out[format_id] = finalized
        return out


@pytest.fixture
def kit() -> MakeKit:
    return MakeKit()
