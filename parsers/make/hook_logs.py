"""Make webhook request logs (format id ``make.hook_logs``).

Shape read (FORMATS.md "Make"): ``{"hookLogs": [...], "pg": {...}}``, the
requests that reached a Make webhook, exported with detail (bare records saved
without the envelope are read too).

Row contract, one record-level row per entry:

- run_id = ``id``; received_at = ``loggedAt`` (when Make received the request);
  processed_at null (the scenario run that consumed it is logged elsewhere).
- status from ``statusId``: 1 ok, 3 error (2 warning, 0 pending); anything else
  warning with note ``unknown_status`` (absent: ``status_missing``).
- sku, location, quantity, occurred_at, event_id and idempotency_key come from
  ``data.request.body`` (an object, or a JSON string decoded one level; note
  ``body_not_json`` when it is not JSON) by the ``[payload]`` key lists; the
  idempotency key is also looked up in ``data.request.headers`` (first). A
  record without ``data`` is kept with null record fields.
- The hook id is not in the records: it comes from the file or folder name
  (``hook_<id>...``, ``hook-<id>...``, ``hooks/<id>/...``; the id holds a digit)
  and is carried as the helper column ``_hook_id`` (note ``hook_id_unknown``).
- A record without ``id`` or ``loggedAt`` is rejected ``missing_field``; an
  unusable ``loggedAt`` ``unparseable_timestamp``.

``finalize``: drops copies of a (hook id, id) an earlier page file holds; flow =
the scenario name of the ``make.hook`` Fact for the hook id (emitted by
blueprints with a ``gateway:CustomWebHook`` module), else ``hook:<id>`` or
``hook:unknown``; attempt = rank by loggedAt among rows of the same hook and
event_id (redeliveries), 1 when the event id is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from parsers._base import Fact, ParseContext, ParseResult
from parsers.make import _sniff
from parsers.make._hooks import finalize_hooks, read_hook_records

FORMAT_ID: Final = "make.hook_logs"


class HookLogs:
    """Parser for Make webhook request logs (``hookLogs``)."""

    id: str = FORMAT_ID
    source: str = "make"
    description: str = (
        "Make webhook request logs (hookLogs API responses), one record-level row per "
        "request, the hook id taken from the file or folder name."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score a head by its ``hookLogs`` envelope; the name is not used.

        Returns:
            0.95 for a decodable hookLogs document, 0.6 from its text alone, else 0.
        """
        return _sniff.score(head, _sniff.HOOK_LOGS)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read one hook-log export into record-level rows, rejections and notes.

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
            record_keys=("hookLogs",),
            fields=("id", "loggedAt", "statusId"),
            record="hook log",
        )

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Dedupe page copies, name flows from ``make.hook`` Facts, rank redeliveries.

        Args:
            events: rows of every hook-log file, sorted by (file, record).
            facts: every Fact of the export; uses ``make.hook``.

        Returns:
            The rows kept, with flow and attempt set.
        """
        return finalize_hooks(events, facts, rank_redeliveries=True)


PARSER: Final = HookLogs()
