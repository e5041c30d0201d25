"""Pull the raw fields of one ZapRun into plain Python values (no typing, no status logic).

This is the only per-record Python of the Zapier reader: dict lookups, one
level of JSON-string decoding for ``data_in`` / ``data_out``, the canonical
hash of the trigger data, and the numeric-looking leaves of both sides for
mapping evidence. Everything else (timestamps, statuses, quantities, attempts)
is typed later in Polars, so values leave here as text or None.

NOTE: integers are rendered with ``str()`` here rather than handed to Polars:
Polars' row and column builders fail or null integers beyond 64 / 128 bits,
while JSON ids and quantities may be arbitrarily large.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from parsers._json import RecordError, loads_value
from parsers._payload import as_id, find

# Field names of a ZapRun in the Zap Runs API (GET /v2/zap-runs); others are "unknown".
KNOWN_KEYS: Final = frozenset(
    (
        "id",
        "zap_id",
        "zap_title",
        "status",
        "start_time",
        "end_time",
        "steps",
        "data_in",
        "data_out",
    )
)
KEY_LISTS: Final = ("sku", "location", "quantity", "occurred_at", "event_id", "idempotency_key")
# Mapping evidence: dotted paths of at most this many segments (``a.b.c``), lists ignored.
MAX_PATH_SEGMENTS: Final = 3
# Leaves kept per side and record: bounds the in x out pairs one hostile record can produce.
MAX_LEAVES: Final = 100
# A numeric string is short; longer text is never a number and is not worth carrying.
MAX_NUMERIC_TEXT: Final = 40

# Canonical JSON: sorted keys, no spaces, ASCII; built once, not per call as json.dumps does.
_CANONICAL: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"))

# Columns pulled per record, in the order ``pull`` returns them (after the locators).
FIELD_NAMES: Final = (
    "_id",
    "_id_invalid",
    "_zap_id",
    "_title",
    "_start_raw",
    "_end_raw",
    "_status_raw",
    "_steps_invalid",
    "_unknown_keys",
    "event_id",
    "idempotency_key",
    "sku",
    "location",
    "_occurred_raw",
    "_quantity_raw",
    "_replay_data",
    "_data_not_json",
    "_data_not_object",
    "_leaves_capped",
)


class Pulled(NamedTuple):
    """What one ZapRun yields before typing.

    Attributes:
        fields: values in ``FIELD_NAMES`` order.
        in_leaves: data_in leaves as ``(dotted path, text)``.
        out_leaves: data_out leaves as ``(dotted path, text)``.
        steps: each step's raw start_time, in step order.
    """

    fields: tuple[Any, ...]
    in_leaves: list[tuple[str, str]]
    out_leaves: list[tuple[str, str]]
    steps: list[str | None]


def text(value: object) -> str | None:
    """Render a JSON scalar as text for typing in Polars; objects and lists as markers."""
    kind = type(value)
    if value is None or kind is str:
        return value  # type: ignore[return-value]
    if kind is dict:
        return "<object>"
    if kind is list:
        return "<array>"
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return repr(value)
    return str(value)


def _data(value: object, notes: Counter[str]) -> tuple[Any, str | None]:
    """Decode data_in / data_out; return (value, note) with None for "no data"."""
    if isinstance(value, str):
        if not value.strip():
            # The API writes "" for a run that carried no data: absent, not an error.
            return None, None
        decoded = loads_value(value, notes)
        if isinstance(decoded, RecordError):
            return value, "data_not_json"
        value = decoded
    if value is None or type(value) is dict:
        return value, None
    return value, "data_not_object"


def _replay_hash(data_in: object) -> str | None:
    """Stable digest of the trigger data, the replay key when there is no event id."""
    if data_in is None or data_in in ("", {}, []):
        return None
    # NOTE: hashlib, not Polars' hash: the key must not change across library versions.
    canonical = _CANONICAL.encode(data_in)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:24]


def _leaves(obj: Mapping[str, Any], prefix: str, depth: int, out: list[tuple[str, str]]) -> bool:
    """Collect scalar number / short text leaves as (dotted path, text); True when capped."""
    for key, value in obj.items():
        kind = type(value)
        if kind is dict:
            if depth < MAX_PATH_SEGMENTS and _leaves(value, f"{prefix}{key}.", depth + 1, out):
                return True
            continue
        if kind is str and len(value) > MAX_NUMERIC_TEXT:
            continue
        if kind is int or kind is float or kind is str:
            if len(out) >= MAX_LEAVES:
                return True
            out.append((f"{prefix}{key}", text(value)))  # type: ignore[arg-type]
    return False


def leaves(data: object) -> tuple[list[tuple[str, str]], bool]:
    """Return the candidate numeric leaves of a decoded data object and whether capped.

    Booleans and lists are skipped; Polars later keeps only the leaves that
    read as finite numbers (numbers and numeric strings).

    Args:
        data: decoded ``data_in`` or ``data_out``; anything but a dict has no leaves.

    Returns:
        ``(leaves, capped)`` with leaves as ``(dotted path, text)`` in document order.
    """
    out: list[tuple[str, str]] = []
    if type(data) is not dict:
        return out, False
    return out, _leaves(data, "", 1, out)


def _step_times(steps: object) -> tuple[list[str | None], bool]:
    """Return each step's raw start_time, and whether steps had the wrong shape."""
    if steps is None:
        return [], False
    if type(steps) is not list:
        return [], True
    times = [text(s.get("start_time")) if type(s) is dict else None for s in steps]
    return times, any(type(s) is not dict for s in steps)


def pull(run: dict[str, Any], keys: Mapping[str, tuple[str, ...]], notes: Counter[str]) -> Pulled:
    """Pull one ZapRun's raw fields.

    Args:
        run: the decoded ZapRun object.
        keys: payload key lists by field name (see ``KEY_LISTS``).
        notes: the file's note counter (JSON-string data may add ``nonfinite_number``).

    Returns:
        The values named by ``FIELD_NAMES``, the data_in and data_out leaves for
        mapping evidence, and each step's raw start_time.
    """
    data_in, in_note = _data(run.get("data_in"), notes)
    data_out, out_note = _data(run.get("data_out"), notes)
    steps, steps_invalid = _step_times(run.get("steps"))
    in_leaves, in_capped = leaves(data_in)
    out_leaves, out_capped = leaves(data_out)
    raw_id = run.get("id")
    event_id = as_id(find(data_in, keys["event_id"]))
    sku = find(data_in, keys["sku"])
    quantity = find(data_out, keys["quantity"])
    if quantity is None:
        # The value the action wrote is what counts; the trigger's only when none was logged.
        quantity = find(data_in, keys["quantity"])
    fields = (
        as_id(raw_id),
        type(raw_id) in (dict, list),
        as_id(run.get("zap_id")),
        as_id(run.get("zap_title")),
        text(run.get("start_time")),
        text(run.get("end_time")),
        text(run.get("status")),
        steps_invalid,
        not KNOWN_KEYS.issuperset(run),
        event_id,
        as_id(find(data_in, keys["idempotency_key"])),
        as_id(sku if sku is not None else find(data_out, keys["sku"])),
        as_id(find(data_in, keys["location"])),
        text(find(data_in, keys["occurred_at"])),
        text(quantity),
        # The event id is the replay key when present; hashing is then not needed.
        _replay_hash(data_in) if event_id is None else None,
        "data_not_json" in (in_note, out_note),
        "data_not_object" in (in_note, out_note),
        in_capped or out_capped,
    )
    return Pulled(fields, in_leaves, out_leaves, steps)
