"""Shared pieces of the sample generator: week clock, ids, JSON rendering with line numbers.

Times inside the generator are integer milliseconds since the start of the week,
2026-04-06T00:00:00Z (a Monday). Everything is deterministic: fixed seeds, one
random stream per purpose, no wall clock, no dict-order or hash-seed dependence.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

WEEK0 = datetime(2026, 4, 6, tzinfo=UTC)
SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
WEEK = 7 * DAY
EPOCH_MS_WEEK0 = int(WEEK0.timestamp()) * 1000
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def at(day: int, h: int = 0, m: int = 0, s: int = 0, milli: int = 0) -> int:
    """Milliseconds since the start of the week for day 0 (Mon) .. 6 (Sun)."""
    return day * DAY + ((h * 60 + m) * 60 + s) * SEC + milli


def dt(t: int) -> datetime:
    return WEEK0 + timedelta(milliseconds=t)


def iso_ms(t: int) -> str:
    """2026-04-06T09:12:03.497Z"""
    return dt(t).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t % 1000:03d}Z"


def iso_s(t: int) -> str:
    """2026-04-06T09:12:03Z (whole seconds: the value must already be whole)."""
    assert t % 1000 == 0, t
    return dt(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_us(t: int) -> str:
    """Zapier's 2026-04-06T10:04:12.512000Z."""
    return dt(t).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t % 1000:03d}000Z"


def short(t: int) -> str:
    """Mon 09:12:03 for prose and tables."""
    return f"{DAY_NAMES[t // DAY]} {dt(t).strftime('%H:%M:%S')}"


def epoch_ms(t: int) -> int:
    return EPOCH_MS_WEEK0 + t


def floor_s(t: int) -> int:
    return t - t % 1000


def human(d_ms: int) -> str:
    """2 h 15 min 3 s / 14 min 58 s / 41 s."""
    s = round(d_ms / 1000)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    parts = []
    if h:
        parts.append(f"{h} h")
    if m or (h and s):
        parts.append(f"{m} min")
    if s or not parts:
        parts.append(f"{s} s")
    return " ".join(parts)


class Ids:
    """Deterministic ids from one random stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, n: int) -> str:
        return "".join(f"{self.rng.getrandbits(4):x}" for _ in range(n))

    def alnum(self, n: int) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(n))


def render_records(envelope: dict[str, Any], key: str) -> tuple[str, list[int]]:
    """Pretty-print a JSON document (indent 2) and return it with the 1-based line of
    the opening brace of every element of ``envelope[key]`` (the record list).

    The envelope must be a top-level object whose record list sits directly under
    ``key``; records are objects. The record openings are the lines that are
    exactly four spaces and ``{`` (deeper objects are indented further, and the
    other top-level members are scalars or flat objects).
    """
    text = json.dumps(envelope, indent=2, ensure_ascii=False) + "\n"
    lines = [n for n, line in enumerate(text.split("\n"), 1) if line == "    {"]
    assert len(lines) == len(envelope[key]), (key, len(lines), len(envelope[key]))
    return text, lines


def render_single(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
