"""`forensics trace PATH SKU`: the end-to-end timeline of one SKU across flows (SPEC section 7).

Every delivery attempt that carried the SKU, on every flow, in the order it
reached its destination (processed_at, else received_at, else occurred_at;
ties by file order), with what the flow received (the source field and value
the log shows) and what it wrote (the destination field and value, or the
quantity), its status and the ``file:line`` to open. ``SKU@LOCATION`` narrows
the timeline to one location.

The text is for a terminal: control, bidi and zero-width characters from the
logs are shown as ``\\uXXXX`` escapes, never emitted.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from forensics.config import Config
from forensics.loader import load
from forensics.redact import Redactor

__all__ = ["Trace", "TraceStep", "load_trace", "render_trace", "trace_sku"]

MAX_SUGGESTIONS: Final = 5
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\u061c\ufeff]"
)
_BEST_TIME = pl.coalesce("processed_at", "received_at", "occurred_at")


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One delivery attempt of the SKU through one flow."""

    at: datetime | None
    flow: str
    source: str
    run_id: str
    attempt: int
    status: str
    location: str | None
    occurred_at: datetime | None
    received: str | None
    wrote: str | None
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Trace:
    """The timeline of one SKU, or close SKUs when it was not found."""

    sku: str
    location: str | None
    steps: tuple[TraceStep, ...]
    suggestions: tuple[str, ...] = ()

    def missing_message(self) -> str:
        """One sentence for an unknown SKU, naming close ones when there are."""
        what = _safe(self.sku) + (f"@{_safe(self.location)}" if self.location else "")
        text = f"no event carries SKU {what!r}"
        if self.suggestions:
            text += "; did you mean " + ", ".join(_safe(s) for s in self.suggestions) + "?"
        else:
            text += "; check the spelling (SKUs are matched exactly)."
        return text


def load_trace(path: Path, config: Config, sku: str, *, redact: bool = True) -> Trace:
    """Load the export at path and trace one SKU.

    Args:
        path: a folder, a file or a .zip.
        config: the effective configuration.
        sku: ``SKU`` or ``SKU@LOCATION``.
        redact: redact rejection excerpts while loading (nothing else is shown).

    Returns:
        The SKU's timeline.

    Raises:
        UnreadableInputError: the path is missing or unreadable.
    """
    loaded = load(path, config, redactor=Redactor(enabled=redact))
    return trace_sku(loaded.events, loaded.mappings, sku)


def trace_sku(events: pl.DataFrame, mappings: pl.DataFrame, sku: str) -> Trace:
    """Return every attempt that carried sku, in apply order, with its mappings.

    Args:
        events: canonical events with ``row``.
        mappings: the mappings table (``row``, ``src_field``, ``src_value``, ...).
        sku: ``SKU``, or ``SKU@LOCATION`` to keep one location.

    Returns:
        The trace; with no step, ``suggestions`` holds close SKUs.
    """
    location: str | None = None
    wanted = sku
    exact = events.filter(pl.col("sku") == sku)
    if exact.is_empty() and "@" in sku:
        wanted, location = sku.rsplit("@", 1)
        exact = events.filter(pl.col("sku") == wanted, pl.col("location") == location)
    if exact.is_empty():
        known = events.get_column("sku").drop_nulls().unique().sort().to_list()
        close = difflib.get_close_matches(wanted, known, n=MAX_SUGGESTIONS, cutoff=0.6)
        if not close:
            lowered = wanted.lower()
            close = [k for k in known if lowered in k.lower()][:MAX_SUGGESTIONS]
        return Trace(wanted, location, (), tuple(close))
    mapped = (
        mappings.filter(pl.col("row").is_in(exact.get_column("row").implode()))
        .sort("row", "src_field", "dst_field")
        .group_by("row", maintain_order=True)
        .agg(
            received=pl.concat_str(
                pl.col("src_field"), pl.lit("="), _number(pl.col("src_value")), ignore_nulls=True
            ).str.join(", "),
            wrote=pl.concat_str(
                pl.col("dst_field"), pl.lit("="), _number(pl.col("dst_value")), ignore_nulls=True
            ).str.join(", "),
        )
    )
    rows = (
        exact.join(mapped, on="row", how="left")
        .with_columns(_at=_BEST_TIME)
        .sort("_at", "row", nulls_last=True)
    )
    steps = tuple(
        TraceStep(
            at=r["_at"],
            flow=r["flow"],
            source=str(r["source"]),
            run_id=r["run_id"],
            attempt=int(r["attempt"]),
            status=str(r["status"]),
            location=r["location"],
            occurred_at=r["occurred_at"],
            received=r["received"] or None,
            wrote=r["wrote"] or (_quantity(r["quantity"]) if r["quantity"] is not None else None),
            file=r["file"],
            line=int(r["line"]),
        )
        for r in rows.iter_rows(named=True)
    )
    return Trace(wanted, location, steps)


def render_trace(trace: Trace) -> str:
    """Return the timeline as terminal text: a header, then two lines per attempt."""
    if not trace.steps:
        return trace.missing_message()
    steps = trace.steps
    flows = sorted({s.flow for s in steps})
    times = [s.at for s in steps if s.at is not None]
    what = _safe(trace.sku) + (f"@{_safe(trace.location)}" if trace.location else "")
    head = f"SKU {what}: {len(steps):,} attempt(s) on {len(flows)} flow(s)"
    if times:
        head += f", {_time(min(times))} -> {_time(max(times))} UTC"
    lines = [head, "Times are when each write reached its destination (UTC).", ""]
    for step in steps:
        where = f"@{_safe(step.location)}" if step.location else ""
        retry = f" attempt {step.attempt}" if step.attempt != 1 else ""
        lines.append(
            f"{_time(step.at) if step.at else '(no time)':<23}  {_safe(step.flow)} "
            f"[{_safe(step.source)}]{where}  {step.status.upper()}{retry}  run {_safe(step.run_id)}"
        )
        parts = []
        if step.received:
            parts.append(f"received {_safe(step.received)}")
        if step.wrote:
            parts.append(f"wrote {_safe(step.wrote)}")
        if step.occurred_at is not None and step.at is not None and step.occurred_at != step.at:
            parts.append(f"happened {_time(step.occurred_at)}")
        detail = "; ".join(parts) or "no quantity in the log"
        lines.append(f"{'':<23}  {detail}  ({_safe(step.file)}:{step.line})")
    return "\n".join(lines)


def _number(expr: pl.Expr) -> pl.Expr:
    """A float as text without a trailing .0 for whole numbers."""
    return (
        pl.when(expr == expr.round(0))
        .then(expr.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(expr.cast(pl.String))
    )


def _quantity(value: float) -> str:
    return f"quantity {int(value)}" if float(value).is_integer() else f"quantity {value:g}"


def _time(value: datetime) -> str:
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text


def _safe(text: object) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))
