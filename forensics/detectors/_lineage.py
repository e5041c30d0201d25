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

from forensics.detectors._base import DetectContext
from forensics.detectors._windows import (
    GROUP,
    applied,
    apply_keys,
    maybe_repeated,
    stale_writes,
)

# Per flow and entity (null entity is a group of its own: rows without record detail).
ENTITY_KEY = ["flow", "_entity"]
# The event columns the lineage is built from (what RTY and OOS both read).
LINEAGE_COLUMNS = (
    "row",
    "flow",
    "event_id",
    "idempotency_key",
    "attempt",
    "sku",
    "location",
    "status",
    "occurred_at",
    "received_at",
    "processed_at",
    "quantity",
)


def identity() -> pl.Expr:
    """What identifies the carried event: event_id, else idempotency_key."""
    return pl.coalesce("event_id", "idempotency_key")


def with_retries(events: pl.LazyFrame) -> pl.LazyFrame:
    """Mark retries per (flow, entity) in apply order.

    Returns the rows of ``apply_keys(events, ENTITY_KEY)``, in no particular
    order (so ``_entity``, ``_apply_at``, ``_g`` and ``_order``), plus
    ``_identity``, ``_retry``, ``_redelivery`` and ``_copies``. ``_retry``:
    attempt > 1, or the identity was already applied on this (flow, entity).
    ``_redelivery``: attempt > 1, or the identity was already seen on this
    (flow, entity) whatever the earlier outcome (what IDM001 counts).
    ``_copies``: rows of the identity on this (flow, entity), whatever their
    outcome (null identities count together).

    NOTE: the rows are not sorted by apply order: "earlier" within a group is
    a smaller ``_order``, and moving ~1M rows with their string columns cost
    more than everything else here. What needs the order sorts only its few
    numeric columns (``stale_writes``).
    """
    key = [GROUP, "_identity"]
    # Applied rows placed in apply order; a row without an apply time cannot be placed.
    counted = applied() & pl.col("_apply_at").is_not_null()
    known = pl.col("_identity").is_not_null()
    # NOTE: "already applied / seen" is "an earlier place than the group's first
    # applied / first row": one aggregation per identity instead of a running
    # count in apply order, which costs a sort per group for ~1 row per group.
    # A row without an apply time still has a place (first in its group).
    # when/then rather than filter: a filter inside a window takes Polars' slow path.
    place = pl.col("_order")
    applied_before = (place > pl.when(counted).then(place).min().over(key)).fill_null(False)
    seen_before = place > place.min().over(key)
    retry = (pl.col("attempt") > 1) | (known & applied_before)
    redelivery = (pl.col("attempt") > 1) | (known & seen_before)
    keyed = apply_keys(events.with_columns(_identity=identity()), ENTITY_KEY).with_columns(
        _repeated=maybe_repeated(key)
    )
    # NOTE: most identities occur once on their entity; such a row has no
    # earlier copy, so both marks reduce to attempt > 1 (nulls alike). Only
    # the other rows take the windows over the (string) identity, which cost
    # more than the rest of the lineage at 1M rows. The rows' order changes,
    # which nothing here promises anyway.
    once = keyed.filter(~pl.col("_repeated")).with_columns(
        _retry=pl.col("attempt") > 1,
        _redelivery=pl.col("attempt") > 1,
        _copies=pl.lit(1, pl.UInt32),
    )
    # NOTE: the three windows share one partition, which Polars computes once.
    again = keyed.filter("_repeated").with_columns(
        _retry=retry,
        _redelivery=redelivery,
        _copies=pl.len().over(key).cast(pl.UInt32),
    )
    return pl.concat([once, again], how="vertical").drop("_repeated")


def lineage(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """``with_retries`` of the events, built once per analysis (``SharedFrames``).

    The rows are in no particular order (see ``with_retries``). The raw
    columns that helper columns stand for are dropped: ``_entity`` is null
    exactly when sku is, ``_identity`` exactly when event_id and
    idempotency_key both are, and ``_apply_at`` replaces the two times.
    """
    return ctx.shared.frame(
        events,
        "lineage",
        lambda frame: with_retries(frame.select(LINEAGE_COLUMNS)).drop(
            "sku", "location", "event_id", "received_at", "processed_at"
        ),
    )


def lineage_writes(events: pl.LazyFrame, ctx: DetectContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """``stale_writes`` of the lineage (with ``_retry``), built once per analysis.

    OOS001 and RTY001 read it. Its rows are in apply order and carry no
    string column: ``write_detail`` adds them to the rows a detector reports.

    Args:
        events: the events a detector was given.
        ctx: the detector's context.
        rows: ``lineage(events, ctx)`` as the caller holds it (cached in its
            plan when the events are not the shared ones).
    """
    return ctx.shared.frame(events, "stale_writes", lambda _: stale_writes(rows, ("_retry",)))


def write_detail(writes: pl.LazyFrame, rows: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Add lineage ``columns`` (flow, _entity, ...) to some rows of ``lineage_writes``, by row.

    Only for the few rows a detector reports. The writes keep their order.
    """
    # NOTE: a semi join first, so that the left join's table is built from the
    # few rows asked for, not from every row of the lineage.
    found = rows.join(writes.select("row"), on="row", how="semi").select("row", *columns)
    return writes.join(found, on="row", how="left", maintain_order="left")


def with_originals(rows: pl.LazyFrame, lineage: pl.LazyFrame) -> pl.LazyFrame:
    """Add the first delivery of each row's event: ``_original_row``, ``_original_at``
    and ``_original_applied_at`` (null when no earlier delivery is in the log).

    The event is found by identity, else by the same occurred_at on the same
    (flow, entity): Make, Zapier and Boomi retries re-send the data captured at
    the first attempt, so the source timestamp is the lineage when no id is logged.

    Args:
        rows: some rows of ``lineage`` (the few whose original is asked for).
        lineage: every row, as ``with_retries`` returns them.
    """
    # NOTE: the occurred_at text only where there is no identity (a cast of the
    # whole column would cost more than everything else here).
    without_identity = pl.when(pl.col("_identity").is_null()).then("occurred_at")
    event = pl.coalesce(pl.col("_identity"), without_identity.cast(pl.String))
    key = [GROUP, "_lineage"]
    at = pl.col("_apply_at")
    rows = rows.with_columns(_lineage=event)
    # Only the lineages of rows are searched, so the aggregation is over a few groups.
    # NOTE: the groups first (an integer key), so that the text key is built
    # only for the rows of the few groups asked for.
    firsts = (
        lineage.join(rows.select(GROUP).unique(), on=GROUP, how="semi")
        .with_columns(_lineage=event)
        .join(rows.select(key).unique(), on=key, how="semi")
        .group_by(key)
        .agg(
            # The first placed delivery in apply order: the earliest apply time (min
            # skips the rows without one, which cannot be placed), ties by row.
            _first_at=at.min(),
            _first_row=pl.col("row").filter(at == at.min()).min(),
            _first_applied_at=at.filter(applied()).min(),
        )
    )
    earlier = pl.col("_lineage").is_not_null() & (pl.col("_first_row") != pl.col("row"))
    return (
        rows.join(firsts, on=key, how="left")
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
