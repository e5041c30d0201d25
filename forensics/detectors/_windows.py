"""Shared expressions: entity keys, apply order and episode numbering.

Every order-dependent window states its order with ``over(..., order_by=...)``
because a lazy plan does not promise physical row order, with one exception:
the rows ``in_apply_order`` and ``stale_writes`` return.

NOTE: per-entity windows over the full event table were the detectors' main
cost. ``apply_keys`` numbers the key's groups (``_g``, an integer) and
``in_apply_order`` (or ``stale_writes``, for its few columns) sorts the rows
once by group and apply order: a window over ``_g`` costs a fraction of one
over the string key columns. The sort is part of the same lazy plan (or of
the frame the engine shares, see ``SharedFrames``), and filter and
with_columns keep row order, so on its rows (and any filter of them) a
shift, fill or run id over the whole column sees each group's rows together
and in apply order; comparing ``_g`` with the neighbouring row's marks where
a group ends (``same_group``), and a window over ``_g`` needs no
``order_by`` (``grouped``). Those whole-column steps cost about nothing,
while a window with ``order_by`` costs a hash partition and a sort per group.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from forensics.schema import APPLIED_STATUSES

# Apply order: when the destination got the write; ties by file order (`row`),
# which is what Boomi's whole-second timestamps need (FORMATS.md).
APPLY_ORDER: Final = ("_apply_at", "row")
# The group number ``in_apply_order`` gives each value of its key.
GROUP: Final = "_g"
# Row numbers are UInt32, so below this: a time in microseconds and a row pack
# into one Int128 (``time_then_row``).
ROW_SPAN: Final = 1 << 32
# Below every time a Datetime can hold: where a null time packs.
_BEFORE_ANY_TIME: Final = -(1 << 63) - 1


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
    # NOTE: no cast to String: the status Enum answers is_in on its codes,
    # while a cast builds a string per row (~0.03 s per use at 1M rows).
    return pl.col("status").is_in(APPLIED_STATUSES)


def with_apply_keys(events: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``_entity`` and ``_apply_at`` helper columns."""
    return events.with_columns(_entity=entity(), _apply_at=apply_at())


def time_then_row(time: str) -> pl.Expr:
    """One Int128 per row that orders as (``time``, ``row``), null times first.

    Unique per row; times are whole microseconds (UTC_US), so none is lost.
    NOTE: one integer to sort by, or to take a group's min or max of, instead
    of two columns: Polars sorts by several columns through a row encoding,
    and ``sort_by`` in an aggregation sorts every group.
    """
    at = pl.col(time).dt.epoch("us").cast(pl.Int128)
    at = at.fill_null(pl.lit(_BEFORE_ANY_TIME, dtype=pl.Int128))
    return at * ROW_SPAN + pl.col("row").cast(pl.Int128)


def row_of(packed: pl.Expr) -> pl.Expr:
    """The row of a ``time_then_row`` value (floor division: times before 1970 too)."""
    return (packed - packed // ROW_SPAN * ROW_SPAN).cast(pl.UInt32)


def apply_rank() -> pl.Expr:
    """Each row's place (1, 2, ...) in apply order over the whole frame.

    Apply order is ``APPLY_ORDER``: ``_apply_at`` with rows without one first,
    ties by ``row`` (``time_then_row``, unique, so an "ordinal" rank is exact).
    """
    return time_then_row("_apply_at").rank("ordinal").cast(pl.UInt64)


def apply_keys(events: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Add ``_entity``, ``_apply_at``, the key's group number ``_g`` and ``_order``, rows unmoved.

    ``_order`` is one integer per row, unique, that sorts the rows by group
    then apply order: within a group a smaller ``_order`` was applied earlier
    (rows without an apply time first, as ``over(..., order_by=...)`` puts
    them). Comparing ``_order`` within a group therefore answers "applied
    earlier?" without moving any row (``in_apply_order`` sorts by it).

    NOTE: ``_g`` is the position of the group's first row in the input, not
    a rank of the key: one window over the (string) key columns costs a
    fraction of sorting by them. So groups follow each other in no
    meaningful order; nothing may depend on the order of groups, only on the
    order within one. ``_order`` packs ``_g`` and the apply rank (each is
    below the row count n, so ``_g * (n + 1) + rank`` fits in 64 bits for
    any n under 4e9): Polars sorts by several columns through a row
    encoding that costs several times a sort by one integer column.
    """
    # NOTE: the row numbers come first, in their own step: inside the window
    # they would count within each group (every group would be 0). min() is
    # the first row; a window's first() takes a path several times slower.
    packed = pl.col(GROUP).cast(pl.UInt64) * (pl.len().cast(pl.UInt64) + 1) + apply_rank()
    return (
        with_apply_keys(events)
        .with_columns(_pos=pl.int_range(pl.len(), dtype=pl.UInt32))
        .with_columns(_g=pl.col("_pos").min().over(key))
        .with_columns(_order=packed)
        .drop("_pos")
    )


def in_apply_order(events: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """``apply_keys`` of the events, sorted by group then apply order.

    ``_pos`` is the row's position in the sorted order, so that within a
    group a smaller ``_pos`` was applied earlier. Windows per key then run
    over ``_g`` (see ``grouped``).
    """
    return (
        apply_keys(events, key)
        .sort("_order")
        .drop("_order")
        .with_columns(_pos=pl.int_range(pl.len(), dtype=pl.UInt32))
    )


def ordered(expr: pl.Expr, key: list[str]) -> pl.Expr:
    """Evaluate expr per key in apply order."""
    return expr.over(key, order_by=list(APPLY_ORDER))


def grouped(expr: pl.Expr) -> pl.Expr:
    """Evaluate expr per group of ``in_apply_order`` (``_g``) in apply order.

    Only on rows of ``in_apply_order`` (in its order): a window keeps the
    frame's row order within each group, and there that is apply order, so
    no ``order_by`` (a sort per group) is needed.
    """
    return expr.over(GROUP)


def maybe_repeated(key: list[str]) -> pl.Expr:
    """Rows whose key may occur on another row too: every repeated key, and perhaps a few more.

    Splits a frame whose key is mostly unique (run ids, event ids) so that
    only the repeated rows are grouped by the key itself; a row whose key
    occurs once is its own group.

    NOTE: counts one 64-bit hash of the key columns instead of the keys:
    a window over one integer column costs a fraction of one over strings.
    Equal keys hash alike, so no repeated key is missed (nulls included); a
    collision only marks a few more rows, which then take the exact path.
    """
    hashed = [pl.col(name).hash(seed=seed) for seed, name in enumerate(key)]
    combined = hashed[0]
    for more in hashed[1:]:
        combined = combined.xor(more)
    return pl.len().over(combined) > 1


def flagged_groups(flag: str = "_flag") -> pl.Expr:
    """Rows of a group (``_g``) with at least one flagged row.

    NOTE: a membership test against the few flagged groups, not a window:
    ``any().over(_g)`` partitions every row.
    """
    return pl.col(GROUP).is_in(pl.col(GROUP).filter(pl.col(flag)).unique().implode())


def same_group(offset: int) -> pl.Expr:
    """On rows of ``in_apply_order``: the row ``offset`` rows away is in the same group."""
    return pl.col(GROUP).shift(offset).eq_missing(pl.col(GROUP))


def metrics_json(**fields: pl.Expr) -> pl.Expr:
    """Encode named metric expressions as one JSON text column, keys in the given order."""
    return pl.struct(**fields).struct.json_encode().alias("metrics")


def stale_writes(rows: pl.LazyFrame, keep: tuple[str, ...] = ()) -> pl.LazyFrame:
    """Applied writes per group in apply order, marked stale or not, with their repair.

    Expects rows of ``apply_keys`` (in any order). Keeps applied rows with a
    sku (an ``_entity``), an occurred_at and an apply time, sorted by group
    then apply order, with the columns ``row``, ``_g``, ``occurred_at``,
    ``_apply_at``, ``quantity`` and ``keep``. Adds ``_newest`` (newest source
    event applied so far), ``_stale`` (this write is older than it),
    ``_newest_row`` / ``_newest_qty`` (the write carrying that newest event:
    the value that should stand), and ``_repair_at`` / ``_repair_row`` (the
    next write that is not stale). OOS001 and RTY001 share this so they agree
    on what "stale" means and never report one write twice. Their rows are in
    apply order, so ``grouped`` and ``same_group`` apply to them and to any
    filter of them.

    NOTE: only these few numeric columns are sorted: moving the string
    columns (flow, entity, ids) cost most of the sort. A caller joins them
    back by ``row`` on the few rows it reports.
    """
    # NOTE: the first write of a group always carries its newest event so far,
    # so filling forward never reaches into the group before. A struct is null
    # only where the condition is false, never for a null quantity.
    newest_write = (
        pl.when(pl.col("occurred_at") == pl.col("_newest"))
        .then(pl.struct(row=pl.col("row"), qty=pl.col("quantity")))
        .forward_fill()
    )
    # The next write that is not stale, anywhere below; it repairs only in the group.
    next_fresh = (
        pl.when(~pl.col("_stale"))
        .then(pl.struct(at=pl.col("_apply_at"), row=pl.col("row"), g=pl.col(GROUP)))
        .shift(-1)
        .backward_fill()
    )
    repairs = pl.col("_r").struct.field("g") == pl.col(GROUP)
    return (
        rows.filter(
            applied(),
            pl.col("_entity").is_not_null(),
            pl.col("occurred_at").is_not_null(),
            pl.col("_apply_at").is_not_null(),
        )
        .select("row", GROUP, "occurred_at", "_apply_at", "quantity", *keep, "_order")
        .sort("_order")
        .drop("_order")
        .with_columns(_newest=grouped(pl.col("occurred_at").cum_max()))
        .with_columns(_stale=pl.col("occurred_at") < pl.col("_newest"), _w=newest_write)
        .with_columns(_r=next_fresh)
        .with_columns(
            _newest_row=pl.col("_w").struct.field("row"),
            _newest_qty=pl.col("_w").struct.field("qty"),
            _repair_at=pl.when(repairs).then(pl.col("_r").struct.field("at")),
            _repair_row=pl.when(repairs).then(pl.col("_r").struct.field("row")),
        )
        .drop("_w", "_r")
    )


def stale_episode_aggs() -> dict[str, pl.Expr]:
    """Aggregations every stale-write episode reports (rows of ``stale_writes``).

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
        "stale_by": (pl.col("_newest") - pl.col("occurred_at")).max(),
    }
