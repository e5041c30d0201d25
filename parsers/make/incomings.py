"""Make webhook queue items (format id ``make.incomings``).

Shape read (FORMATS.md "Make"): ``{"incomings": [...], "pg": {...}}``, the items
waiting in a scheduled webhook's queue: ``id``, ``created`` (queued at),
``size``, and ``data`` (the payload) when exported per item.

Row contract, one row per item:

- run_id = ``id``; received_at = ``created``; processed_at null; status pending
  (queued, not yet processed); attempt 1.
- Record-level when ``data`` is present: sku, location, quantity, occurred_at,
  event_id and idempotency_key from the payload (``data`` itself, or its
  ``request.body`` / ``body``, objects or JSON strings) by the ``[payload]`` key
  lists; else the record fields are null.
- The hook id comes from the file or folder name (``hook_<id>...``,
  ``hook-<id>...``, ``hooks/<id>/...``) as the helper column ``_hook_id``.
- A record without ``id`` or ``created`` is rejected ``missing_field``; an
  unusable ``created`` ``unparseable_timestamp``.

``finalize``: drops copies of a (hook id, id) an earlier page file holds; flow =
the scenario name of the ``make.hook`` Fact for the hook id, else ``hook:<id>``
or ``hook:unknown``. **forensics**: queue delay = run start - ``created``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from parsers._base import Fact, ParseContext, ParseResult
from parsers.make import _sniff
from parsers.make._hooks import finalize_hooks, read_hook_records

FORMAT_ID: Final = "make.incomings"


class Incomings:
    """Parser for the queued items of a Make webhook (``incomings``)."""

    id: str = FORMAT_ID
    source: str = "make"
    description: str = (
        "Make webhook queue items (incomings API responses), one pending row per queued "
        "item, record-level when the item's data was exported."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score a head by its ``incomings`` envelope; the name is not used.

        Returns:
            0.95 for a decodable incomings document, 0.6 from its text alone, else 0.
        """
        return _sniff.score(head, _sniff.INCOMINGS)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one queue export into pending rows, rejections and notes.

        Args:
            data: the whole file.
            ctx: file name (gives the hook id), ``--tz`` zone and payload key lists.

        Returns:
            Rows with the helper column ``_hook_id``.
        """
        return read_hook_records(
            data,
            ctx,
            format_id=FORMAT_ID,
            record_keys=("incomings",),
            fields=("id", "created", None),
            record="queued item",
        )

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Dedupe page copies and name flows from ``make.hook`` Facts.

        Args:
            events: rows of every incomings file, sorted by (file, record).
            facts: every Fact of the export; uses ``make.hook``.

        Returns:
            The rows kept, with flow set.
        """
        return finalize_hooks(events, facts, rank_redeliveries=False)


PARSER: Final = Incomings()
