"""Shared expressions: entity keys, apply order and episode numbering.

Every order-dependent window states its order with ``over(..., order_by=...)``
because a lazy plan does not promise physical row order.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from forensics.schema import APPLIED_STATUSES

# Apply order: when the destination got the write; ties by file order (`row`),
# which is what Boomi's whole-second timestamps need (FORMATS.md).
APPLY_ORDER: Final = ("_apply_at", "row")


def entity() -> pl.Expr:
    """``sku@location`` when the location is known, else ``sku``."""
    return (
        pl.when(pl.col("location").is_not_null())
        .then(pl.concat_str(pl.col("sku"), pl.lit("@"), pl.col("location")))
        .otherwise(pl.col("sku"))
    )


def apply_at() -> pl.Expr:
    """When the write reached the destination: processed_at, else received_at."""
    return pl.coalesce("processed_at", "received_at")


def applied() -> pl.Expr:
    """Rows whose write reached the destination (they set its value)."""
    return pl.col("status").cast(pl.String).is_in(APPLIED_STATUSES)


def with_apply_keys(events: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``_entity`` and ``_apply_at`` helper columns."""
    return events.with_columns(_entity=entity(), _apply_at=apply_at())


def ordered(expr: pl.Expr, key: list[str]) -> pl.Expr:
    """Evaluate expr per key in apply order."""
    return expr.over(key, order_by=list(APPLY_ORDER))


def metrics_json(**fields: pl.Expr) -> pl.Expr:
    """Encode named metric expressions as one JSON text column, keys in the given order."""
    return pl.struct(**fields).struct.json_encode().alias("metrics")
