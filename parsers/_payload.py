"""Finding record-level fields in decoded payloads and headers.

Payload key lists come from ``[payload]`` in forensics.toml (``ParseContext.payload``):
the first key present wins. Senders nest the record (Stripe puts it under
``data.object``), so a key missing at the top level is looked for in nested
objects, breadth first, a few levels down. Header names are case-insensitive
(RFC 9110), so header mappings are lower-cased once and looked up in lower case.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

# How many levels below the top a payload key is looked for (data.object.sku is level 2).
MAX_DEPTH: Final = 3


def find(obj: object, keys: Iterable[str], *, max_depth: int = MAX_DEPTH) -> Any:
    """Return the value of the first key present, searching nested objects breadth first.

    At each level the keys are tried in list order, and at the top level that
    decides; only when no key is present does the search go one level deeper
    into nested objects (not into lists). A key holding null counts as absent.

    Args:
        obj: a decoded JSON value; anything but a dict yields None.
        keys: key names in priority order.
        max_depth: how many levels below the top to search.

    Returns:
        The value found, or None.
    """
    if type(obj) is not dict:
        return None
    keys = keys if isinstance(keys, tuple) else tuple(keys)
    # Fast path: nearly every payload has the key at the top level.
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    level: list[dict[str, Any]] = [obj]
    for _ in range(max_depth):
        level = [child for node in level for child in node.values() if type(child) is dict]
        if not level:
            return None
        for key in keys:
            for node in level:
                value = node.get(key)
                if value is not None:
                    return value
    return None


def lower_keys(headers: object) -> dict[str, Any]:
    """Return headers as a dict with lower-cased names.

    Accepts a mapping, a list of ``[name, value]`` pairs or a list of
    ``{"name": ..., "value": ...}`` objects (both appear in receiver logs). A
    header logged with several values keeps the first.

    Args:
        headers: the logged headers in any of those shapes; anything else is empty.

    Returns:
        Lower-cased header name to value.
    """
    if type(headers) is dict:
        # JSON object keys are always strings: one comprehension, no per-key checks.
        return {name.lower(): value for name, value in headers.items()}
    if isinstance(headers, Mapping):
        pairs: Iterable[Any] = headers.items()
    elif isinstance(headers, list):
        pairs = (
            (h.get("name") or h.get("key"), h.get("value")) if isinstance(h, dict) else h
            for h in headers
            if isinstance(h, dict) or (isinstance(h, list | tuple) and len(h) == 2)
        )
    else:
        return {}
    out: dict[str, Any] = {}
    for name, value in pairs:
        if isinstance(name, str):
            out.setdefault(name.strip().lower(), value)
    return out


def header(headers: Mapping[str, Any], *names: str) -> Any:
    """Return the first of names present in lower-cased headers (see ``lower_keys``)."""
    for name in names:
        value = headers.get(name)
        if type(value) is list:
            value = value[0] if value else None
        if value is not None and value != "":
            return value
    return None


def as_id(value: object) -> str | None:
    """Render a platform id or key as a string, exactly.

    JSON integers are exact Python ints and print in full (Shopify ids overflow
    53-bit floats); whole floats print without ``.0``; objects and lists are not ids.

    Args:
        value: a decoded JSON scalar.

    Returns:
        The id as text, or None for null, empty text and non-scalars.
    """
    kind = type(value)
    if kind is str:
        return value.strip() or None  # type: ignore[union-attr]
    if kind is int:
        return str(value)
    if value is None or kind is dict or kind is list:
        return None
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return text or None
