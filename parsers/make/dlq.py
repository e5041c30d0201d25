"""Make incomplete executions and their bundles (format id ``make.dlq``).

Shapes read (FORMATS.md "Make"): ``{"dlqs": [...]}`` / ``{"dlq": {...}}``, the
stored incomplete executions of a scenario, and a bundle file ``{"code": "OK",
"response": {"<moduleId>": {...}}}`` holding the data captured at failure time.

No rows: every record is absorbed into a Fact (line = the record's opening brace).

- ``make.dlq`` per incomplete execution, key = ``id`` (a record without one is
  rejected ``missing_field``); values ``scenarioId``, ``executionId`` (the
  original run; may be a dashed UUID, kept as text), ``created``, ``retry``,
  ``attempts``, ``resolved``, ``reason``.
- ``make.dlq_bundle`` per bundle, key = the dlq id from the file or folder name
  (``dlq_<id>...``, ``dlq-<id>...``, ``dlqs/<id>/...``, else a 32-hex id anywhere
  in the path), else ``unknown`` (note ``dlq_id_unknown``); values ``sku``,
  ``location``, ``quantity`` (float), ``occurred_at`` (ISO 8601 in UTC, read in
  ``--tz`` when naive), ``event_id``, ``idempotency_key`` found by the
  ``[payload]`` key lists in the module outputs, lowest module id first (the
  trigger's data is the business event being carried), and ``modules`` (ids).

``make.scenario_logs`` consumes both: a ``_dlq.`` retry run takes its scenario
from ``make.dlq`` and its record data from ``make.dlq_bundle``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from parsers._base import Fact, ParseContext, ParseResult
from parsers._json import DocItem
from parsers._payload import as_id, find
from parsers._time import count_issues, parse_timestamps_with_issues
from parsers.make import _sniff
from parsers.make._common import Walk, id_from_name, key_lists, scalar, walk_document

FORMAT_ID: Final = "make.dlq"
RECORD_KEYS: Final = ("dlqs", "dlq")
DLQ_VALUES: Final = ("created", "retry", "attempts", "resolved", "reason")
_ID_FIELDS: Final = ("sku", "location", "event_id", "idempotency_key")


def _module_order(key: object) -> tuple[int, int, str]:
    text = str(key)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def bundle_values(response: dict[str, Any], keys: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Find the record fields in a bundle's module outputs, lowest module id first.

    Args:
        response: module id to that module's output (an object or a list of bundles).
        keys: the payload key lists.

    Returns:
        Raw values: ids as text, ``quantity`` and ``occurred_at`` as found.
    """
    outputs: list[dict[str, Any]] = []
    for _, output in sorted(response.items(), key=lambda kv: _module_order(kv[0])):
        if type(output) is dict:
            outputs.append(output)
        elif type(output) is list:
            outputs.extend(o for o in output if type(o) is dict)
    found: dict[str, Any] = {}
    for name in (*_ID_FIELDS, "quantity", "occurred_at"):
        value = next((v for o in outputs if (v := find(o, keys[name])) is not None), None)
        found[name] = as_id(value) if name in _ID_FIELDS else scalar(value)
    found["modules"] = sorted((str(k) for k in response), key=_module_order)
    return found


class IncompleteExecutions:
    """Parser for Make incomplete executions (DLQ items) and their bundles."""

    id: str = FORMAT_ID
    source: str = "make"
    description: str = (
        "Make incomplete executions (dlqs / dlq API responses) and their bundles, read "
        "into facts that name retry runs and give the data they re-send."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score a head by its ``dlqs`` / ``dlq`` envelope or bundle shape; the name is unused.

        Returns:
            0.95 for a decodable document, 0.6 from its text alone, else 0.
        """
        return _sniff.score(head, _sniff.DLQ, _sniff.DLQ_BUNDLE)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read incomplete executions and bundles into Facts; every record read is absorbed.

        Args:
            data: the whole file.
            ctx: file name (gives a bundle's dlq id), ``--tz`` zone and payload key lists.

        Returns:
            No rows, the Facts, and rejections of records without an id.
        """
        walk = walk_document(data, ctx, RECORD_KEYS)
        keys = key_lists(ctx)
        facts: list[Fact] = []
        bundles: list[tuple[DocItem, dict[str, Any]]] = []
        for item in walk.items:
            value = item.value
            if item.key is None and type(value.get("response")) is dict:
                bundles.append((item, bundle_values(value["response"], keys)))
                continue
            dlq_id = as_id(value.get("id"))
            if dlq_id is None:
                walk.reject(item, "missing_field", "the incomplete execution has no id.")
                continue
            values = {
                "scenarioId": as_id(value.get("scenarioId")),
                "executionId": as_id(value.get("executionId")),
                **{k: value.get(k) for k in DLQ_VALUES},
            }
            facts.append(Fact("make.dlq", dlq_id, values, ctx.file, item.line))
        facts.extend(self._bundle_facts(bundles, walk))
        absorbed = walk.seen - len(walk.rejections)
        return walk.result(None, absorbed=absorbed, facts=facts)

    @staticmethod
    def _bundle_facts(bundles: list[tuple[DocItem, dict[str, Any]]], walk: Walk) -> list[Fact]:
        """Type quantity and occurred_at of all bundles at once; one Fact per bundle."""
        if not bundles:
            return []
        key = id_from_name(walk.ctx.file, "dlq", "dlqs", hex32=True)
        if key is None:
            walk.notes["dlq_id_unknown"] += len(bundles)
        raw = pl.DataFrame(
            {
                "quantity": [v["quantity"] for _, v in bundles],
                "occurred": [v["occurred_at"] for _, v in bundles],
            },
            schema={"quantity": pl.String, "occurred": pl.String},
            strict=False,
        )
        times = parse_timestamps_with_issues(raw.get_column("occurred"), walk.ctx.tz)
        walk.notes.update(count_issues(times.get_column("issue")))
        number = pl.col("quantity").str.strip_chars().cast(pl.Float64, strict=False)
        typed = raw.select(
            quantity=pl.when(number.is_finite()).then(number),
            bad=pl.col("quantity").is_not_null() & ~number.is_finite().fill_null(False),
        )
        if typed.get_column("bad").any():
            walk.notes["non_numeric_quantity"] += int(typed.get_column("bad").sum())
        quantity = typed.get_column("quantity")
        iso = times.get_column("value").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        facts = []
        for (item, values), q, when in zip(bundles, quantity, iso, strict=True):
            typed = {**values, "quantity": q, "occurred_at": when}
            facts.append(Fact("make.dlq_bundle", key or "unknown", typed, walk.ctx.file, item.line))
        return facts

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Return the rows unchanged: incomplete executions yield none."""
        return events


PARSER: Final = IncompleteExecutions()
