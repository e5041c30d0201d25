"""Builders for tiny canonical frames: a test states only what matters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from forensics.schema import ROWED_EVENT_SCHEMA

REPO = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = REPO / "sample_logs"
# 2026-04-07T00:00:00Z: the report's "generated at" in snapshots.
FIXED_EPOCH = "1775520000"

_DAY = "2026-04-06"
_DEFAULTS: dict[str, Any] = {
    "source": "webhook",
    "format": "test.events",
    "file": "test.ndjson",
    "flow": "F",
    "run_id": None,
    "event_id": None,
    "idempotency_key": None,
    "attempt": 1,
    "sku": "A",
    "location": None,
    "occurred_at": None,
    "received_at": None,
    "processed_at": None,
    "status": "ok",
    "quantity": None,
}
_TIMES = ("occurred_at", "received_at", "processed_at")


def _when(value: Any) -> datetime | None:
    """Read "09:00", "09:00:30" or a full ISO timestamp as a UTC datetime."""
    if value is None or isinstance(value, datetime):
        return value
    text = str(value)
    if len(text) <= 8:
        text = f"{_DAY}T{text}"
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def events(spec: dict[str, Any]) -> pl.DataFrame:
    """Build a canonical event frame stating only what matters.

    Scalars are broadcast; lists give one value per row. Times may be "HH:MM[:SS]".
    """
    height = max((len(v) for v in spec.values() if isinstance(v, list)), default=1)
    columns: dict[str, list[Any]] = {}
    for name in ROWED_EVENT_SCHEMA:
        if name == "row":
            columns[name] = list(range(height))
            continue
        if name in ("line", "record"):
            value = spec.get(name, [i + 1 for i in range(height)])
        else:
            value = spec.get(name, _DEFAULTS.get(name))
        values = value if isinstance(value, list) else [value] * height
        if name in _TIMES:
            values = [_when(v) for v in values]
        if name == "run_id":
            values = [v if v is not None else f"run-{i + 1}" for i, v in enumerate(values)]
        columns[name] = values
    return pl.DataFrame(columns, schema=ROWED_EVENT_SCHEMA)
