"""Retry lineage: which deliveries are retries, and which delivery they repeat.

Shared by the retry detector (RTY001, RTY002, IDM001) and the out-of-sequence
detector (OOS001) so that both agree on what a retry is: one write is then a
retry (RTY001) or a first delivery (OOS001), never both.

A row's identity is its event_id, else its idempotency_key (an event id names
the business event; a key such as Stripe's request key may be shared by several
events). A row is a retry when attempt > 1, or when a row with the same
identity was already applied earlier, in apply order, on the same flow and
entity. Rows without an apply time never count as "already applied".
"""

from __future__ import annotations

import polars as pl

from forensics.detectors._windows import applied, ordered, with_apply_keys

# Per flow and entity (null entity is a group of its own: rows without record detail).
ENTITY_KEY = ["flow", "_entity"]


def identity() -> pl.Expr:
    """What identifies the carried event: event_id, else idempotency_key."""
    return pl.coalesce("event_id", "idempotency_key")


def with_retries(events: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``_entity``, ``_apply_at``, ``_identity``, ``_retry`` and ``_redelivery``.

    ``_retry``: attempt > 1, or the identity was already applied on this
    (flow, entity). ``_redelivery``: attempt > 1, or the identity was already
    seen on this (flow, entity) whatever the earlier outcome (what IDM001 counts).
    """
    key = [*ENTITY_KEY, "_identity"]
    # Applied rows placed in apply order; a row without an apply time cannot be placed.
    counted = (applied() & pl.col("_apply_at").is_not_null()).cast(pl.UInt32)
    known = pl.col("_identity").is_not_null()
    return (
        with_apply_keys(events)
        .with_columns(_identity=identity())
        .with_columns(
            _applied_before=ordered(counted.cum_sum() - counted, key),
            # NOTE: position in the group, not a comparison of times, so that a
            # row without an apply time still counts once in the total.
            _seen_before=ordered(pl.int_range(pl.len()), key),
        )
        .with_columns(
            _retry=(pl.col("attempt") > 1) | (known & (pl.col("_applied_before") > 0)),
            _redelivery=(pl.col("attempt") > 1) | (known & (pl.col("_seen_before") > 0)),
        )
        .drop("_applied_before", "_seen_before")
    )


def with_originals(events: pl.LazyFrame) -> pl.LazyFrame:
    """Add the first delivery of each row's event: ``_original_row``, ``_original_at``
    and ``_original_applied_at`` (null when no earlier delivery is in the log).

    The event is found by identity, else by the same occurred_at on the same
    (flow, entity): Make, Zapier and Boomi retries re-send the data captured at
    the first attempt, so the source timestamp is the lineage when no id is logged.
    Expects the columns of ``with_retries``.
    """
    lineage = pl.coalesce(pl.col("_identity"), pl.col("occurred_at").cast(pl.String))
    key = [*ENTITY_KEY, "_lineage"]
    placed = pl.col("_apply_at").is_not_null()
    first_row = ordered(pl.col("row").filter(placed).first(), key)
    earlier = pl.col("_lineage").is_not_null() & (first_row != pl.col("row"))
    return (
        events.with_columns(_lineage=lineage)
        .with_columns(
            _first_row=first_row,
            _first_at=ordered(pl.col("_apply_at").filter(placed).first(), key),
            _first_applied_at=ordered(pl.col("_apply_at").filter(placed & applied()).first(), key),
        )
        .with_columns(
            _original_row=pl.when(earlier).then("_first_row"),
            _original_at=pl.when(earlier).then("_first_at"),
            # Only an application before this row counts as the original's.
            _original_applied_at=pl.when(
                earlier & (pl.col("_first_applied_at") < pl.col("_apply_at"))
            ).then("_first_applied_at"),
        )
        .drop("_lineage", "_first_row", "_first_at", "_first_applied_at")
    )
