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


def stale_writes(rows: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Applied writes per key in apply order, marked stale or not, with their repair.

    Keeps applied rows with a sku, an occurred_at and an apply time (rows must
    carry ``_apply_at``). Adds ``_newest`` (newest source event applied so far),
    ``_stale`` (this write is older than it), ``_newest_row`` (the write carrying
    that newest event: the value that should stand), and ``_repair_at`` /
    ``_repair_row`` (the next write that is not stale). OOS001 and RTY001 share
    this so they agree on what "stale" means and never report one write twice.
    """
    return (
        rows.filter(
            applied(),
            pl.col("sku").is_not_null(),
            pl.col("occurred_at").is_not_null(),
            pl.col("_apply_at").is_not_null(),
        )
        .with_columns(_newest=ordered(pl.col("occurred_at").cum_max(), key))
        .with_columns(
            _stale=pl.col("occurred_at") < pl.col("_newest"),
            _newest_row=ordered(
                pl.when(pl.col("occurred_at") == pl.col("_newest")).then("row").forward_fill(),
                key,
            ),
        )
        .with_columns(
            _repair_at=ordered(
                pl.when(~pl.col("_stale")).then("_apply_at").shift(-1).backward_fill(), key
            ),
            _repair_row=ordered(
                pl.when(~pl.col("_stale")).then("row").shift(-1).backward_fill(), key
            ),
        )
    )


def newest_values(writes: pl.LazyFrame) -> pl.LazyFrame:
    """Lookup of a stale episode's ``_newest_row``: the newest write's quantity and time."""
    return writes.select(
        _newest_row=pl.col("row"),
        _newest_qty=pl.col("quantity"),
        _newest_occurred=pl.col("occurred_at"),
    )


def stale_episode_aggs() -> dict[str, pl.Expr]:
    """Aggregations every stale-write episode reports (rows joined to newest_values()).

    start / last_at: apply times of its first and last stale write; repair_at /
    repair_row: the write that ended it; stale_rows, stale_qty (the last stale
    value), correct_qty (the newest source value then) and stale_by (how far
    behind the newest source event the stale data was).
    """
    order = [pl.col(c) for c in APPLY_ORDER]
    return {
        "start": pl.col("_apply_at").min(),
        "last_at": pl.col("_apply_at").max(),
        "repair_at": pl.col("_repair_at").sort_by(order).last(),
        "repair_row": pl.col("_repair_row").sort_by(order).last(),
        "stale_rows": pl.col("row").sort_by(order),
        "stale_qty": pl.col("quantity").sort_by(order).last(),
        "correct_qty": pl.col("_newest_qty").sort_by(order).last(),
        "stale_by": (pl.col("_newest_occurred") - pl.col("occurred_at")).max(),
    }
