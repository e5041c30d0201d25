"""Record fields from Boomi tracked fields: sku, location, quantity and mapping evidence.

A GenericConnectorRecord carries ``trackedFields`` ``{"trackedField": [{"name",
"value"}, ...]}``: whatever the integrator chose to expose. The tracked fields
of a whole file are one long frame (``_doc``, ``_pos``, ``_name``, ``_value``)
and everything below is joins and expressions over it.

Name matching: a tracked field matches a ``[payload]`` key when both are equal
after lower-casing and removing ``_``, ``-``, ``.`` and spaces (so ``on_hand``
matches ``OnHand``, ``SKU`` matches ``sku``); for each field the earliest key of
its list wins, then the earliest tracked field.

Quantity rule (the quantity written to the destination). Numeric tracked
fields are classified by name into sides:

* 0 destination: ``QuantityOnHand`` (Boomi integrators conventionally track
  the source as ``OnHand`` and the destination as ``QuantityOnHand``) or a
  quantity word behind a destination marker (``dst``, ``dest``, ``destination``,
  ``target``, ``new``, ``written``, ``output``: ``TargetQty``);
* 1 configured: in the ``quantity`` key list (``quantity``, ``qty``,
  ``available``, ``on_hand``, ...);
* 2 vocabulary: a quantity word not in the list (``Stock``, ``ATP``, ...);
* 3 source: a quantity word behind a source marker (``src``, ``source``,
  ``from``, ``old``, ``orig``, ``original``, ``prev``, ``previous``).

``quantity`` is the value of the side 0 or 1 field with the lowest (side, list
position, field position); fields of sides 2 and 3 are never taken as the
written value. Mapping evidence: the chosen field is the destination, and every
other numeric quantity field of a strictly higher side is a source mapped into
it (``trackedFields.OnHand`` -> ``trackedFields.QuantityOnHand``). Fields of the
same side give no mapping, because which one was written is not known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

TRACKED_SCHEMA: Final = {
    "_doc": pl.UInt32,
    "_pos": pl.UInt32,
    "_name": pl.String,
    "_value": pl.String,
}
# Record-level fields taken from tracked fields, besides quantity.
PICKED: Final = ("sku", "location", "occurred_at", "event_id", "idempotency_key")

_VOCABULARY: Final = (
    "quantity",
    "qty",
    "onhand",
    "quantityonhand",
    "onhandqty",
    "onhandquantity",
    "available",
    "availableqty",
    "availablequantity",
    "quantityavailable",
    "availabletopromise",
    "atp",
    "stock",
    "stockqty",
    "inventory",
    "inventoryqty",
)
_WORDS: Final = "|".join(_VOCABULARY)
_DESTINATION: Final = rf"^(?:dst|dest|destination|target|new|written|output)(?:{_WORDS})$"
_SOURCE: Final = rf"^(?:src|source|from|old|orig|original|prev|previous)(?:{_WORDS})$"


def normalized(name: pl.Expr) -> pl.Expr:
    """Lower-case a field name and drop ``_ - .`` and spaces, for matching."""
    return name.str.to_lowercase().str.replace_all(r"[\s_.\-]", "")


def key_frame(payload: Mapping[str, tuple[str, ...]], kinds: tuple[str, ...]) -> pl.DataFrame:
    """Return the configured key lists as rows ``_kind``, ``_norm``, ``_prio``."""
    rows = [(kind, key, i) for kind in kinds for i, key in enumerate(payload.get(kind, ()))]
    frame = pl.DataFrame(
        rows, schema={"_kind": pl.String, "_key": pl.String, "_prio": pl.UInt32}, orient="row"
    )
    return (
        frame.with_columns(_norm=normalized(pl.col("_key")))
        .unique(["_kind", "_norm"], keep="first", maintain_order=True)
        .drop("_key")
    )


def pick(tracked: pl.DataFrame, payload: Mapping[str, tuple[str, ...]]) -> pl.DataFrame:
    """Pick sku, location, occurred_at, event_id and idempotency_key per document.

    Args:
        tracked: the long tracked-field frame (``TRACKED_SCHEMA``).
        payload: the configured key lists.

    Returns:
        ``_doc`` plus one String column per name in ``PICKED`` (missing -> null).
    """
    keys = key_frame(payload, PICKED)
    matched = (
        tracked.filter(pl.col("_value").str.strip_chars().fill_null("") != "")
        .with_columns(_norm=normalized(pl.col("_name")))
        .join(keys, on="_norm", how="inner")
        .sort(["_doc", "_kind", "_prio", "_pos"])
        .group_by(["_doc", "_kind"], maintain_order=True)
        .first()
    )
    out = tracked.select("_doc").unique(maintain_order=True)
    for kind in PICKED:
        column = matched.filter(pl.col("_kind") == kind).select(
            "_doc", pl.col("_value").str.strip_chars().alias(kind)
        )
        out = out.join(column, on="_doc", how="left", maintain_order="left")
    return out


def quantities(
    tracked: pl.DataFrame, payload: Mapping[str, tuple[str, ...]]
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Choose the written quantity per document and pair it with its sources.

    Args:
        tracked: the long tracked-field frame (``TRACKED_SCHEMA``).
        payload: the configured key lists (``quantity`` is used).

    Returns:
        ``(chosen, pairs, non_numeric)``: ``chosen`` has ``_doc`` and
        ``quantity``; ``pairs`` has ``_doc``, ``_src_pos``, ``src_field``, ``src_value``,
        ``dst_field``, ``dst_value`` (field paths ``trackedFields.<name>``);
        ``non_numeric`` counts configured quantity fields whose value is not a number.
    """
    keys = key_frame(payload, ("quantity",)).select("_norm", _qprio="_prio")
    norm = pl.col("_norm")
    fields = (
        tracked.with_columns(
            _norm=normalized(pl.col("_name")),
            _num=pl.col("_value").str.strip_chars().cast(pl.Float64, strict=False),
        )
        .join(keys, on="_norm", how="left", maintain_order="left")
        .with_columns(
            _side=pl.when((norm == "quantityonhand") | norm.str.contains(_DESTINATION))
            .then(0)
            .when(norm.str.contains(_SOURCE))
            .then(3)
            .when(pl.col("_qprio").is_not_null())
            .then(1)
            .when(norm.is_in(_VOCABULARY))
            .then(2)
        )
    )
    numeric = pl.col("_num").is_finite().fill_null(False)
    non_numeric = fields.filter(pl.col("_qprio").is_not_null() & ~numeric).height
    candidates = fields.filter(numeric & pl.col("_side").is_not_null())
    chosen = (
        candidates.filter(pl.col("_side") <= 1)
        .sort(["_doc", "_side", "_qprio", "_pos"], nulls_last=True)
        .group_by("_doc", maintain_order=True)
        .first()
        .select(
            "_doc",
            quantity=pl.col("_num"),
            _dst_name=pl.col("_name"),
            _dst_side=pl.col("_side"),
            _dst_pos=pl.col("_pos"),
        )
    )
    pairs = (
        candidates.join(chosen, on="_doc", how="inner", maintain_order="left")
        .filter((pl.col("_pos") != pl.col("_dst_pos")) & (pl.col("_side") > pl.col("_dst_side")))
        .select(
            "_doc",
            _src_pos=pl.col("_pos"),
            src_field=pl.format("trackedFields.{}", pl.col("_name")),
            src_value=pl.col("_num"),
            dst_field=pl.format("trackedFields.{}", pl.col("_dst_name")),
            dst_value=pl.col("quantity"),
        )
    )
    return chosen.select("_doc", "quantity"), pairs, non_numeric
