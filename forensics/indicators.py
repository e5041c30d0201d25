"""Integration-versus-process indicators of a drifting entity (SPEC section 6, DRF001).

The field guide: the same magnitude and direction per SKU across sync cycles
points to integration (a mapping, an offset, a conversion applied on every
handoff); variance by channel, shift or time of day points to process (people,
a channel or a shift doing something differently).

A sync cycle is one applied write of a quantity into a destination system (a
system other than the source of truth) for the entity. Its delta is the value
written minus the source of truth's value as of the write's apply time: the
value of the newest source-of-truth event (by occurred_at, else apply time)
at or before the write was applied, read on the source side as DRF001 reads it
(the mapped source value when the mappings table shows it, else the written
quantity). Writes before the first source-of-truth value have no delta and are
not cycles. Per (entity, destination system):

- ``integration``: at least MIN_CYCLES cycles, the median delta is non-zero and
  at least CONSISTENT_SHARE (80 %) of the cycles have a delta of the median's
  sign within +-TOLERANCE (1 unit) of the median;
- ``process``: not integration, at least MIN_OFF_CYCLES cycles with a non-zero
  delta, and those off cycles concentrate in one hour of the day (UTC) or one
  flow (channel): the bucket holding the most off cycles holds at least
  CONCENTRATION (60 %) of them and at least LIFT (1.5) times its share of all
  cycles (off cycles are over-represented there, not merely where the traffic is);
- ``mixed/unclear``: anything else, including too few cycles to tell.

``consistent_share`` is the share of cycles within the tolerance of the median
delta (0 when the median is 0). A lag between the source and the destination
shows up as cycles off the median, so a batch path whose source moves between
the read and the write lowers the share; the tolerance absorbs rounding only.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from forensics.detectors import DetectContext
from forensics.detectors._windows import applied, with_apply_keys
from forensics.detectors.drift import with_systems

INTEGRATION: Final = "integration"
PROCESS: Final = "process"
UNCLEAR: Final = "mixed/unclear"
INDICATORS: Final = (INTEGRATION, PROCESS, UNCLEAR)

MIN_CYCLES: Final = 3
CONSISTENT_SHARE: Final = 0.8
TOLERANCE: Final = 1.0
MIN_OFF_CYCLES: Final = 2
CONCENTRATION: Final = 0.6
LIFT: Final = 1.5

SCHEMA: Final = pl.Schema(
    {
        "_entity": pl.String,
        "system": pl.String,
        "indicator": pl.String,
        "cycles": pl.UInt32,
        "consistent_share": pl.Float64,
        "median_delta": pl.Float64,
    }
)


def cycles(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """One row per applied destination write with its delta to the source of truth.

    Returns:
        _entity, system, flow, hour (UTC hour of the apply time), delta.
    """
    truth_system = ctx.source_of_truth.lower()
    writes = with_systems(
        with_apply_keys(events).filter(
            applied(),
            pl.col("sku").is_not_null(),
            pl.col("quantity").is_not_null(),
            pl.col("_apply_at").is_not_null(),
        ),
        ctx.flows,
    )
    source_side = (
        ctx.mappings.filter(pl.col("src_value").is_not_null())
        .group_by("row")
        .agg(source_value=pl.col("src_value").sort_by("src_field").first())
    )
    truth = (
        writes.filter(pl.col("from") == truth_system)
        .join(source_side, on="row", how="left")
        .select(
            "_entity",
            _at=pl.coalesce("occurred_at", "_apply_at"),
            _row=pl.col("row"),
            truth=pl.coalesce("source_value", "quantity"),
        )
        # Ties at one instant: the last in file order is the value as of then.
        .sort("_at", "_row")
        .unique(subset=["_entity", "_at"], keep="last", maintain_order=True)
        .drop("_row")
    )
    destination = (
        writes.filter(pl.col("to") != truth_system)
        .select(
            "_entity",
            system=pl.col("to"),
            flow=pl.col("flow"),
            _at=pl.col("_apply_at"),
            value=pl.col("quantity"),
        )
        .sort("_at")
    )
    return (
        # Both sides are sorted by _at above, hence within every _entity group too.
        destination.join_asof(
            truth, on="_at", by="_entity", strategy="backward", check_sortedness=False
        )
        .filter(pl.col("truth").is_not_null())
        .select(
            "_entity",
            "system",
            "flow",
            hour=pl.col("_at").dt.hour(),
            delta=pl.col("value") - pl.col("truth"),
        )
    )


def _concentrated(table: pl.LazyFrame, bucket: str) -> pl.LazyFrame:
    """Per (entity, system): whether its off cycles concentrate in one ``bucket``."""
    key = ["_entity", "system"]
    per_bucket = (
        table.group_by(*key, bucket)
        .agg(n=pl.len(), off=(pl.col("delta") != 0).sum())
        .with_columns(
            total=pl.col("n").sum().over(key),
            off_total=pl.col("off").sum().over(key),
        )
        .with_columns(
            off_share=pl.col("off") / pl.col("off_total"),
            traffic_share=pl.col("n") / pl.col("total"),
        )
        .with_columns(
            hit=(pl.col("off_total") > 0)
            & (pl.col("off_share") >= CONCENTRATION)
            & (pl.col("off_share") >= LIFT * pl.col("traffic_share"))
        )
    )
    return per_bucket.group_by(key).agg(pl.col("hit").any().alias(f"by_{bucket}"))


def indicators(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Classify every (entity, destination system) with cycles (rule in the module docstring).

    Returns:
        A frame in SCHEMA.
    """
    key = ["_entity", "system"]
    table = cycles(events, ctx)
    median = pl.col("delta").median().over(key)
    consistent = (
        (median != 0)
        & (pl.col("delta").sign() == median.sign())
        & ((pl.col("delta") - median).abs() <= TOLERANCE)
    )
    stats = (
        table.with_columns(_consistent=consistent)
        .group_by(key)
        .agg(
            cycles=pl.len().cast(pl.UInt32),
            consistent_share=pl.col("_consistent").mean().cast(pl.Float64),
            median_delta=pl.col("delta").median().cast(pl.Float64),
            off=(pl.col("delta") != 0).sum(),
        )
    )
    hour = _concentrated(table, "hour")
    flow = _concentrated(table, "flow")
    integration = (
        (pl.col("cycles") >= MIN_CYCLES)
        & (pl.col("median_delta") != 0)
        & (pl.col("consistent_share") >= CONSISTENT_SHARE)
    )
    process = (pl.col("off") >= MIN_OFF_CYCLES) & (pl.col("by_hour") | pl.col("by_flow"))
    return (
        stats.join(hour, on=key, how="left")
        .join(flow, on=key, how="left")
        .with_columns(
            indicator=pl.when(integration)
            .then(pl.lit(INTEGRATION))
            .when(process)
            .then(pl.lit(PROCESS))
            .otherwise(pl.lit(UNCLEAR)),
            consistent_share=pl.col("consistent_share").round(4),
        )
        .select(*SCHEMA)
        .cast(dict(SCHEMA))  # type: ignore[arg-type]
        .sort(key)
    )
