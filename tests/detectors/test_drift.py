"""DRF001: per-entity comparison of each system's last value with the source of truth."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext
from forensics.detectors import drift as drift_module
from forensics.detectors._base import EPISODE_SCHEMA
from forensics.schema import MAPPING_SCHEMA

WMS_ERP = "WMS to ERP inventory sync"
ERP_SHOP = "ERP to storefront stock push"


def detect(frame: pl.DataFrame, **context: Any) -> list[dict[str, Any]]:
    ctx = DetectContext(thresholds=Thresholds(), **context)
    episodes = drift_module.detect(frame.lazy(), ctx).collect()
    assert episodes.schema == EPISODE_SCHEMA
    rows = episodes.sort("entity").to_dicts()
    for row in rows:
        row["metrics"] = json.loads(row["metrics"])
    return rows


def history(erp: float, shop: float, *, wms: float = 847) -> pl.DataFrame:
    return events(
        dict(
            flow=[WMS_ERP, WMS_ERP, ERP_SHOP],
            sku="SKU-A",
            location="DC1",
            occurred_at=["09:00", "10:00", "10:01"],
            processed_at=["09:00:05", "10:00:05", "10:01:05"],
            quantity=[900, erp, shop],
        )
    ).with_columns(
        quantity=pl.when(pl.col("row") == 1).then(pl.lit(wms)).otherwise(pl.col("quantity"))
    )


def test_drf001_destination_that_disagrees_with_the_source_of_truth_is_reported() -> None:
    frame = history(erp=847, shop=830)
    (episode,) = detect(frame)
    assert episode["entity"] == "SKU-A@DC1"
    assert episode["flow"] == ERP_SHOP
    assert episode["metrics"]["system"] == "storefront"
    assert episode["metrics"]["source_value"] == 847
    assert episode["metrics"]["value"] == 830
    assert episode["metrics"]["quantity_effect"] == -17
    assert episode["evidence_rows"] == [1, 2]


def test_drf001_systems_that_agree_are_not_reported() -> None:
    assert detect(history(erp=847, shop=847)) == []


def test_drf001_largest_disagreement_names_the_flow_and_counts_the_systems() -> None:
    frame = history(erp=812, shop=830)
    # The ERP value is what WMS->ERP wrote last (812), so WMS is read on the source side.
    mappings = pl.DataFrame(
        {
            "row": [1],
            "flow": [WMS_ERP],
            "src_field": ["trackedFields.OnHand"],
            "src_value": [847.0],
            "dst_field": ["trackedFields.QuantityOnHand"],
            "dst_value": [812.0],
        },
        schema=MAPPING_SCHEMA,
    )
    frame = frame.with_columns(
        quantity=pl.when(pl.col("row") == 1).then(812.0).otherwise(pl.col("quantity"))
    )
    (episode,) = detect(frame, mappings=mappings.lazy())
    assert episode["metrics"]["source_value"] == 847
    assert episode["metrics"]["system"] == "erp"
    assert episode["metrics"]["quantity_effect"] == -35
    assert episode["metrics"]["systems_disagreeing"] == 2


def test_drf001_declared_flow_systems_override_names() -> None:
    frame = events(
        dict(
            flow=["inbound", "outbound"],
            sku="A",
            occurred_at=["09:00", "09:05"],
            processed_at=["09:00:01", "09:05:01"],
            quantity=[10, 7],
        )
    )
    assert detect(frame) == []  # names say nothing about systems
    (episode,) = detect(frame, flows={"inbound": ("wms", "erp"), "outbound": ("erp", "storefront")})
    assert episode["metrics"]["system"] == "storefront"
    assert episode["metrics"]["quantity_effect"] == -3


def test_drf001_entities_without_a_source_of_truth_value_are_not_evaluated() -> None:
    frame = events(
        dict(
            flow=ERP_SHOP,
            sku="A",
            occurred_at=["09:00"],
            processed_at=["09:00:01"],
            quantity=[5],
        )
    )
    assert detect(frame) == []


def test_drf001_failed_writes_do_not_set_a_system_value() -> None:
    frame = history(erp=847, shop=830).with_columns(
        status=pl.when(pl.col("row") == 2).then(pl.lit("error")).otherwise(pl.col("status"))
    )
    assert detect(frame) == []


def test_flow_names_name_their_systems() -> None:
    assert drift_module.infer_systems("WMS to ERP inventory sync") == ("wms", "erp")
    assert drift_module.infer_systems("3PL shipments -> ERP stock adjust") == ("3pl", "erp")
    assert drift_module.infer_systems("Shopify → ERP") == ("storefront", "erp")
    assert drift_module.infer_systems("inventory_levels/update") is None
