"""Drift between systems per entity (DRF001).

Every flow joins two systems: from [flows."..."] in forensics.toml, else
inferred from its name ("WMS to ERP inventory sync" -> wms to erp). For each
entity, a destination system holds the quantity of the last applied write into
it (apply order across all flows into that system). The source of truth
([systems] source_of_truth, default wms) holds the value of the newest source
event (latest occurred_at) carried by flows out of it, read on the source side:
when the mappings table shows the source field that produced the written
quantity, its value, else the written quantity. An entity drifts when a
destination system disagrees with the source of truth at the end of the log.
One finding per drifting entity, on the flow whose last write disagrees most.

Null policy: flows whose systems are unknown, rows without sku or quantity,
and writes that were not applied are not evaluated. Entities without a
source-of-truth value (no flow out of the source system touched them) cannot
drift by definition and are counted as not evaluable by `drift_table`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import polars as pl

from forensics.detectors._base import Code, DetectContext, Detector
from forensics.detectors._windows import APPLY_ORDER, applied, metrics_json, with_apply_keys
from forensics.findings import Severity

DRF001 = Code(
    code="DRF001",
    title="{entity} disagrees with the source of truth ({source_value} vs {value})",
    severity=Severity.MEDIUM,
    what=(
        "At the end of the log a destination system holds a different quantity for the "
        "entity than the source of truth."
    ),
    why=(
        "Counts that disagree across systems oversell or strand stock; the findings that "
        "touch the entity usually explain the difference, and whatever they do not is "
        "unexplained drift to investigate."
    ),
    fix=(
        "Fix the findings attributed to the entity, then reconcile it from the source of "
        "truth with a full snapshot sync rather than another delta."
    ),
)

# Words that name a system in flow names; "shop"/"shopify" mean the storefront.
SYSTEM_WORDS: Final = {
    "wms": "wms",
    "erp": "erp",
    "storefront": "storefront",
    "shop": "storefront",
    "shopify": "storefront",
    "ecommerce": "storefront",
    "3pl": "3pl",
    "pos": "pos",
    "oms": "oms",
}
_WORDS: Final = "|".join(SYSTEM_WORDS)
# "<system> ... to|->|→ <system>": the first system named is the source.
_NAME_PATTERN: Final = re.compile(rf"(?i)\b({_WORDS})\b.*?(?:\bto\b|->|→)\s*\b({_WORDS})\b")


def infer_systems(flow: str) -> tuple[str, str] | None:
    """Read (from, to) systems from a flow name such as 'WMS to ERP inventory sync'."""
    match = _NAME_PATTERN.search(flow)
    if not match:
        return None
    return SYSTEM_WORDS[match.group(1).lower()], SYSTEM_WORDS[match.group(2).lower()]


def with_systems(writes: pl.LazyFrame, declared: Mapping[str, tuple[str, str]]) -> pl.LazyFrame:
    """Add ``from`` and ``to`` systems: declared in [flows] first, else read from the name."""
    table = pl.LazyFrame(
        [(flow, a.lower(), b.lower()) for flow, (a, b) in sorted(declared.items())],
        schema={"flow": pl.String, "_from": pl.String, "_to": pl.String},
        orient="row",
    )

    def word(group: int) -> pl.Expr:
        found = pl.col("flow").str.extract(_NAME_PATTERN.pattern, group).str.to_lowercase()
        return found.replace_strict(SYSTEM_WORDS, default=None, return_dtype=pl.String)

    # NOTE: the name is read once per flow, not once per write (a regex per row).
    systems = (
        writes.select("flow")
        .unique()
        .join(table, on="flow", how="left")
        .select(
            "flow",
            **{"from": pl.coalesce("_from", word(1)), "to": pl.coalesce("_to", word(2))},
        )
        .filter(pl.col("from").is_not_null(), pl.col("to").is_not_null())
    )
    return writes.join(systems, on="flow", how="inner", maintain_order="left")


def system_values(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Per entity: the source-of-truth value and each destination system's last value.

    Built once per analysis: the detector and the attribution read the same values.

    Returns:
        Long frame: _entity, sku, system, value, flow, row, at (apply time), is_truth.
    """
    return ctx.shared.frame(events, "drift.system_values", lambda e: _system_values(e, ctx))


def _system_values(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    writes = with_systems(
        with_apply_keys(events).filter(
            applied(), pl.col("sku").is_not_null(), pl.col("quantity").is_not_null()
        ),
        ctx.flows,
    )
    order = [pl.col(c) for c in APPLY_ORDER]
    destinations = (
        writes.group_by("_entity", "to")
        .agg(
            sku=pl.col("sku").first(),
            value=pl.col("quantity").sort_by(order).last(),
            flow=pl.col("flow").sort_by(order).last(),
            row=pl.col("row").sort_by(order).last(),
            at=pl.col("_apply_at").sort_by(order).last(),
        )
        .rename({"to": "system"})
        .with_columns(is_truth=pl.lit(False))
    )
    # The source side of each write: the mapped source value that produced the
    # quantity written, when the mappings table shows it.
    source_side = (
        ctx.mappings.filter(pl.col("src_value").is_not_null())
        .group_by("row")
        .agg(source_value=pl.col("src_value").sort_by("src_field").first())
    )
    truth_order = [pl.col("occurred_at"), *order]
    truth = (
        writes.filter(pl.col("from") == ctx.source_of_truth.lower())
        .join(source_side, on="row", how="left")
        .with_columns(value=pl.coalesce("source_value", "quantity"))
        .group_by("_entity")
        .agg(
            sku=pl.col("sku").first(),
            value=pl.col("value").sort_by(truth_order).last(),
            flow=pl.col("flow").sort_by(truth_order).last(),
            row=pl.col("row").sort_by(truth_order).last(),
            at=pl.col("_apply_at").sort_by(truth_order).last(),
        )
        .with_columns(system=pl.lit(ctx.source_of_truth.lower()), is_truth=pl.lit(True))
    )
    columns = ["_entity", "sku", "system", "value", "flow", "row", "at", "is_truth"]
    return pl.concat([truth.select(columns), destinations.select(columns)])


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return DRF001 episodes in EPISODE_SCHEMA."""
    values = system_values(events, ctx)
    truth = values.filter("is_truth").select(
        "_entity",
        source_value=pl.col("value"),
        source_row=pl.col("row"),
        source_flow=pl.col("flow"),
    )
    deltas = (
        values.filter(~pl.col("is_truth"))
        .join(truth, on="_entity", how="inner")
        .with_columns(delta=pl.col("value") - pl.col("source_value"))
    )
    worst = (
        deltas.filter(pl.col("delta") != 0)
        .sort("_entity", pl.col("delta").abs(), "system", descending=[False, True, False])
        .group_by("_entity", maintain_order=True)
        .agg(
            flow=pl.col("flow").first(),
            system=pl.col("system").first(),
            value=pl.col("value").first(),
            source_value=pl.col("source_value").first(),
            delta=pl.col("delta").first(),
            at=pl.col("at").first(),
            rows=pl.concat_list(pl.col("source_row").first(), pl.col("row")).first(),
            systems_disagreeing=pl.len(),
        )
    )
    end = events.select(end=pl.coalesce("processed_at", "received_at", "occurred_at").max())
    evidence = pl.col("rows").list.unique(maintain_order=True)
    return worst.join(end, how="cross").select(
        code=pl.lit("DRF001"),
        flow=pl.col("flow"),
        entity=pl.col("_entity"),
        start=pl.col("at"),
        end=pl.col("end"),
        severity=pl.lit(None, dtype=pl.String),
        metrics=metrics_json(
            quantity_effect=pl.col("delta"),
            value=pl.col("value"),
            source_value=pl.col("source_value"),
            system=pl.col("system"),
            source_system=pl.lit(ctx.source_of_truth.lower()),
            systems_disagreeing=pl.col("systems_disagreeing").cast(pl.Int64),
        ),
        evidence_rows=evidence,
        evidence_total=evidence.list.len().cast(pl.UInt32),
    )


DETECTOR = Detector(
    name="drift",
    codes=(DRF001,),
    requires=(
        "row",
        "flow",
        "sku",
        "location",
        "status",
        "occurred_at",
        "received_at",
        "processed_at",
        "quantity",
    ),
    detect=detect,
)
