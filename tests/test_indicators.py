"""Integration-versus-process indicators of drifting entities (forensics.indicators)."""

from __future__ import annotations

from typing import Any

import polars as pl
from builders import events

from forensics.attribution import attribute
from forensics.config import Thresholds
from forensics.detectors import DetectContext
from forensics.detectors import drift as drift_module
from forensics.engine import run_detectors
from forensics.indicators import INTEGRATION, PROCESS, UNCLEAR, indicators

WMS_ERP = "WMS to ERP inventory sync"
ERP_SHOP = "ERP to storefront stock push"
POS_SHOP = "POS to storefront sales"
CTX = DetectContext(thresholds=Thresholds())


def history(cycles: list[tuple[str, float, float]], flows: list[str] | None = None) -> pl.DataFrame:
    """Per cycle (HH:MM, WMS value, storefront value): a WMS->ERP write at HH:MM and
    a storefront write a minute later (on ``flows[i]``, default ERP to storefront)."""
    spec: dict[str, list[Any]] = {"flow": [], "processed_at": [], "quantity": []}
    for i, (time, wms, shop) in enumerate(cycles):
        spec["flow"] += [WMS_ERP, flows[i] if flows else ERP_SHOP]
        spec["processed_at"] += [f"{time}:00", f"{time}:59"]
        spec["quantity"] += [wms, shop]
    spec["occurred_at"] = spec["processed_at"]
    return events({**spec, "sku": "SKU-A", "location": "DC1"})


def classify(frame: pl.DataFrame) -> dict[str, Any]:
    table = indicators(frame.lazy(), CTX).collect()
    (row,) = table.filter(pl.col("system") == "storefront").to_dicts()
    return row


def test_same_magnitude_and_direction_every_cycle_is_integration() -> None:
    cycles = [(f"{h:02d}:00", 100 - h, 100 - h - 5) for h in range(9, 15)]
    row = classify(history(cycles))
    assert row["indicator"] == INTEGRATION
    assert row["cycles"] == 6
    assert row["consistent_share"] == 1.0
    assert row["median_delta"] == -5


def test_integration_tolerates_one_unit_and_a_minority_of_other_cycles() -> None:
    deltas = [-5, -4, -6, -5, -5, -5, -5, -5, -5, 3]  # 9 of 10 within +-1 of -5
    cycles = [(f"{9 + i:02d}:00", 100, 100 + d) for i, d in enumerate(deltas)]
    row = classify(history(cycles))
    assert row["indicator"] == INTEGRATION
    assert row["consistent_share"] == 0.9


def test_deltas_that_vary_and_concentrate_in_one_hour_are_process() -> None:
    # Right all day; wrong by varying amounts, either way, in the evening shift's hour.
    right = [(f"{h:02d}:00", 50, 50) for h in range(9, 17)]
    evening = [("18:05", 50, 53), ("18:20", 50, 48), ("18:40", 50, 57)]
    row = classify(history(right + evening))
    assert row["indicator"] == PROCESS
    assert row["cycles"] == 11
    assert row["consistent_share"] == 0.0  # the median delta is 0


def test_deltas_that_vary_and_concentrate_on_one_channel_are_process() -> None:
    times = [f"{h:02d}:{m:02d}" for h in range(9, 15) for m in (10, 40)]
    flows = [ERP_SHOP, POS_SHOP] * 6
    # The POS channel is off in most of its writes, by different amounts; ERP never.
    off = {1: 2, 3: -3, 5: 4, 9: -1}
    cycles = [(t, 40, 40 + off.get(i, 0)) for i, t in enumerate(times)]
    row = classify(history(cycles, flows))
    assert row["indicator"] == PROCESS


def test_decoy_varying_deltas_spread_over_hours_and_one_channel_are_unclear() -> None:
    deltas = [3, -2, 1, -4, 2, -3]
    cycles = [(f"{9 + i:02d}:00", 60, 60 + d) for i, d in enumerate(deltas)]
    assert classify(history(cycles))["indicator"] == UNCLEAR


def test_decoy_off_cycles_where_all_the_traffic_is_are_not_concentrated() -> None:
    # Every write happens in one hour: the hour explains nothing.
    deltas = [0, 3, 0, -2, 0, 5]
    cycles = [(f"10:{5 * i:02d}", 60, 60 + d) for i, d in enumerate(deltas)]
    assert classify(history(cycles))["indicator"] == UNCLEAR


def test_decoy_too_few_cycles_are_unclear() -> None:
    row = classify(history([("09:00", 20, 15), ("10:00", 18, 13)]))
    assert (row["indicator"], row["cycles"]) == (UNCLEAR, 2)


def test_writes_before_any_source_of_truth_value_are_not_cycles() -> None:
    frame = events(
        dict(
            flow=[ERP_SHOP, WMS_ERP, ERP_SHOP],
            sku="SKU-A",
            occurred_at=["08:00", "09:00", "09:01"],
            processed_at=["08:00", "09:00", "09:01"],
            quantity=[7, 20, 15],
        )
    )
    assert classify(frame)["cycles"] == 1


def test_drift_findings_carry_the_indicator_and_the_summary_counts_them() -> None:
    cycles = [(f"{h:02d}:00", 100 - h, 100 - h - 5) for h in range(9, 15)]
    frame = history(cycles)
    found, errors = run_detectors(frame, CTX, [drift_module.DETECTOR])
    assert errors == []
    completed, summary = attribute(frame, CTX, found)
    (drift,) = completed
    assert drift.metrics["system"] == "storefront"
    assert drift.metrics["indicator"] == INTEGRATION
    assert drift.metrics["cycles"] == 6
    assert drift.metrics["consistent_share"] == 1.0
    assert summary["indicators"] == {INTEGRATION: 1, PROCESS: 0, UNCLEAR: 0}
