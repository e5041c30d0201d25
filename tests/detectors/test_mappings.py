"""MAP001-MAP004 semantics on hand-built mapping evidence and declared mappings."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from builders import events

from forensics.config import Thresholds
from forensics.detectors import DetectContext, mappings
from forensics.detectors._base import EPISODE_SCHEMA
from forensics.schema import MAPPING_SCHEMA
from parsers import Fact
from parsers.make.blueprint import blueprint_facts

T0 = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
# Distinct, irregular whole source quantities (53 and 389 are coprime).
SOURCE = [37.0 + (i * 53) % 389 for i in range(60)]

Pair = tuple[float | None, float | None]


def at(i: int) -> datetime:
    return T0 + timedelta(minutes=i)


def history(n: int = 40) -> pl.DataFrame:
    """n events, one a minute from 08:00, rows 0..n-1."""
    return events(dict(processed_at=[at(i) for i in range(n)]))


def evidence(src: str, dst: str, values: list[Pair], flow: str = "F") -> list[tuple[Any, ...]]:
    """Mapping rows citing events 0..len(values)-1, one per value pair."""
    return [(i, flow, src, s, dst, d) for i, (s, d) in enumerate(values)]


def detect(
    rows: list[tuple[Any, ...]],
    facts: tuple[Any, ...] = (),
    thresholds: Any = None,
    n: int | None = None,
) -> list[dict[str, Any]]:
    height = n if n is not None else max((r[0] for r in rows), default=0) + 1
    ctx = DetectContext(
        thresholds=thresholds or Thresholds(),
        mappings=pl.DataFrame(rows, schema=MAPPING_SCHEMA, orient="row").lazy(),
        facts=facts,
    )
    episodes = mappings.detect(history(max(height, 1)).lazy(), ctx).collect()
    assert episodes.schema == EPISODE_SCHEMA
    found = episodes.sort("code", "flow", "entity", "start").to_dicts()
    for episode in found:
        episode["metrics"] = json.loads(episode["metrics"])
    return found


def of(found: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [f for f in found if f["code"] == code]


def mapping_fact(values: dict[str, Any], line: int = 7) -> Fact:
    return Fact("make.mapping", "4711", values, "make/blueprint.json", line)


# MAP001 ---------------------------------------------------------------------


def test_map001_on_hand_copied_into_available_is_flagged_from_observed_pairs() -> None:
    # Zapier pairs every numeric input with every numeric output: the source that
    # explains `available` is on_hand; location_id is a coincidental numeric field.
    rows = evidence("on_hand", "available", [(s, s) for s in SOURCE[:30]])
    rows += evidence("location_id", "available", [(905684977.0, s) for s in SOURCE[:30]])
    found = detect(rows)
    (finding,) = of(found, "MAP001")
    assert finding["entity"] == "on_hand -> available"
    assert finding["flow"] == "F"
    assert finding["metrics"]["src_meaning"] == "on hand / physical"
    assert finding["metrics"]["dst_meaning"] == "available / ATP / sellable"
    assert finding["metrics"]["relationship"] == "dst = src"
    assert finding["metrics"]["fit_share"] == 1.0
    assert finding["metrics"]["declared"] is False
    assert finding["start"] == at(0) and finding["end"] == at(29)
    assert finding["evidence_rows"] == [0, 1, 2, 3, 4]
    assert finding["evidence_total"] == 30
    assert of(found, "MAP002") == of(found, "MAP003") == of(found, "MAP004") == []


def test_map001_committed_into_on_hand_is_flagged_from_a_declared_mapping_alone() -> None:
    fact = mapping_fact(
        {
            "flow": "ERP to WMS",
            "dst_field": "QuantityOnHand",
            "src_field": "committed_qty",
            "expression": "{{1.committed_qty}}",
            "kind": "reference",
        }
    )
    (finding,) = detect([], facts=(fact,), n=1)
    assert finding["code"] == "MAP001"
    assert finding["flow"] == "ERP to WMS"
    assert finding["entity"] == "committed_qty -> QuantityOnHand"
    assert finding["metrics"]["src_meaning"] == "committed / reserved / allocated"
    assert finding["metrics"]["dst_meaning"] == "on hand / physical"
    assert finding["metrics"]["declared_in"] == "make/blueprint.json:7"
    assert finding["metrics"]["declared_relationship"] == "dst = src"
    assert finding["metrics"]["samples"] is None
    assert finding["start"] is None and finding["evidence_rows"] == []


def test_map001_declared_and_observed_mapping_is_one_finding_with_both() -> None:
    facts = tuple(
        blueprint_facts(
            {
                "name": "F",
                "flow": [
                    {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"hook": 9}},
                    {
                        "id": 3,
                        "module": "shopify:setInventory",
                        "mapper": {"available_to_promise": "{{1.on_hand}}"},
                    },
                ],
            },
            "4711",
            "make/blueprint.json",
            1,
        )
    )
    rows = evidence("body.on_hand", "available_to_promise", [(s, s) for s in SOURCE[:25]])
    (finding,) = detect(rows, facts=facts)
    assert finding["code"] == "MAP001"
    assert finding["entity"] == "body.on_hand -> available_to_promise"
    assert finding["metrics"]["declared"] is True
    assert finding["metrics"]["declared_expression"] == "{{1.on_hand}}"
    assert finding["metrics"]["samples"] == 25
    assert finding["start"] == at(0)


def test_map001_declared_source_overrides_the_best_observed_explainer() -> None:
    # `available` (same name) would explain the destination as well, but the
    # blueprint says on_hand is what is mapped.
    values = [(s, s) for s in SOURCE[:25]]
    rows = evidence("available", "available", values) + evidence("on_hand", "available", values)
    fact = mapping_fact({"flow": "F", "dst_field": "available", "src_field": "1.on_hand"})
    (finding,) = detect(rows, facts=(fact,))
    assert finding["entity"] == "on_hand -> available"
    assert finding["metrics"]["declared"] is True
    assert finding["metrics"]["samples"] == 25


def test_map001_not_raised_when_meanings_match() -> None:
    # Boomi tracked fields: OnHand -> QuantityOnHand, both on hand (the offset is MAP003).
    rows = evidence(
        "trackedFields.OnHand",
        "trackedFields.QuantityOnHand",
        [(s, s - 12) for s in SOURCE[:30]],
    )
    found = detect(rows)
    assert of(found, "MAP001") == []
    (offset,) = of(found, "MAP003")
    assert offset["entity"] == "trackedFields.OnHand -> trackedFields.QuantityOnHand"


def test_map001_not_raised_for_fields_without_a_known_meaning() -> None:
    rows = evidence("quantity", "qty", [(s, s) for s in SOURCE[:30]])
    fact = mapping_fact({"flow": "F", "dst_field": "stock", "src_field": "on_hand"})
    assert detect(rows, facts=(fact,)) == []


def test_map001_coincidental_equality_on_a_few_rows_is_not_a_mapping() -> None:
    # available is copied from `available`; on_hand equals it on 3 rows only.
    on_hand = [s + 7 if i % 10 else s for i, s in enumerate(SOURCE[:30])]
    rows = evidence("available", "available", [(s, s) for s in SOURCE[:30]])
    rows += evidence("on_hand", "available", list(zip(on_hand, SOURCE[:30], strict=True)))
    assert detect(rows) == []


def test_map001_never_inferred_when_a_same_named_source_explains_equally() -> None:
    # With no commitments, on_hand == available in the source: the data cannot
    # tell which was mapped, so the same-named field is assumed.
    values = [(s, s) for s in SOURCE[:30]]
    rows = evidence("on_hand", "available", values) + evidence("available", "available", values)
    assert detect(rows) == []


def test_map001_not_raised_for_too_few_observed_samples() -> None:
    rows = evidence("on_hand", "available", [(s, s) for s in SOURCE[:19]])
    assert detect(rows) == []


# MAP002 ---------------------------------------------------------------------


def test_map002_pack_size_ratio_is_reported_as_a_fraction() -> None:
    rows = evidence("qty", "cases", [(s, float(round(s / 12))) for s in SOURCE[:30]])
    (finding,) = detect(rows)
    assert finding["code"] == "MAP002"
    assert finding["entity"] == "qty -> cases"
    assert finding["metrics"]["k"] == "1/12"
    assert math.isclose(finding["metrics"]["k_value"], 1 / 12)
    assert finding["metrics"]["k_changed"] is False
    assert finding["metrics"]["changed_at"] is None
    assert finding["metrics"]["fit_share"] == 1.0
    assert finding["metrics"]["exceptions"] == 0
    assert finding["severity"] is None
    assert (finding["start"], finding["end"]) == (at(0), at(29))


def test_map002_source_on_its_own_records_is_judged_apart_from_another_source() -> None:
    # Runs 0-29 carry qty_cases (x12), runs 30-59 carry qty (copied 1:1): one
    # destination, two sources on disjoint records, both relationships real.
    cases = [(i, "F", "qty_cases", s, "quantity", s * 12) for i, s in enumerate(SOURCE[:30])]
    eaches = [(30 + i, "F", "qty", s, "quantity", s) for i, s in enumerate(SOURCE[30:60])]
    found = detect(cases + eaches)
    (ratio,) = of(found, "MAP002")
    assert ratio["entity"] == "qty_cases -> quantity"
    assert ratio["metrics"]["k"] == "12"


def test_map002_floored_and_integer_ratios_are_recognised() -> None:
    floored = evidence("qty", "cases", [(s, float(s // 24)) for s in SOURCE[:30]])
    eaches = evidence("cases", "eaches", [(s, s * 12) for s in SOURCE[:30]])
    found = detect(floored + eaches)
    assert {f["entity"]: f["metrics"]["k"] for f in of(found, "MAP002")} == {
        "qty -> cases": "1/24",
        "cases -> eaches": "12",
    }


def test_map002_exceptions_are_counted_and_cited() -> None:
    values = [(s, s * 12) for s in SOURCE[:40]]
    values[7] = (SOURCE[7], SOURCE[7])  # written unconverted
    values[31] = (SOURCE[31], 0.0)
    (finding,) = detect(evidence("cases", "eaches", values))
    assert finding["metrics"]["k"] == "12"
    assert finding["metrics"]["exceptions"] == 2
    assert finding["metrics"]["fit_share"] == 38 / 40
    # First fitting examples, then the exceptions.
    assert finding["evidence_rows"] == [0, 1, 2, 3, 4, 7, 31]
    assert finding["evidence_total"] == 40


def test_map002_ratio_that_starts_mid_window_is_reported_with_the_change_time() -> None:
    values = [(s, s) if i < 25 else (s, float(round(s / 12))) for i, s in enumerate(SOURCE[:40])]
    (finding,) = detect(evidence("on_hand", "on_hand", values))
    assert finding["code"] == "MAP002"
    assert finding["severity"] == "high"
    assert finding["metrics"]["k"] == "1/12"
    assert finding["metrics"]["k_changed"] is True
    assert finding["metrics"]["changed_at"] == "2026-04-06T08:25:00Z"
    assert finding["metrics"]["relationship_before"] == "dst = src"
    assert finding["metrics"]["relationship_after"] == "dst = src x 1/12"
    assert finding["metrics"]["samples"] == 15
    assert (finding["start"], finding["end"]) == (at(25), at(39))
    # The last record before the change and the first after it lead the evidence.
    assert finding["evidence_rows"][:2] == [24, 25]


def test_map002_changed_pack_size_is_one_finding_with_before_and_after() -> None:
    values = [
        (s, float(round(s / 12))) if i < 20 else (s, float(round(s / 24)))
        for i, s in enumerate(SOURCE[:40])
    ]
    (finding,) = detect(evidence("qty", "cases", values))
    assert finding["metrics"]["k"] == "1/24"
    assert finding["metrics"]["relationship_before"] == "dst = src x 1/12"
    assert finding["metrics"]["changed_at"] == "2026-04-06T08:20:00Z"
    assert finding["metrics"]["samples"] == 40
    assert (finding["start"], finding["end"]) == (at(0), at(39))


def test_map002_not_reported_for_identity() -> None:
    assert detect(evidence("qty", "qty", [(s, s) for s in SOURCE[:30]])) == []


def test_map002_not_reported_with_too_few_samples() -> None:
    assert detect(evidence("qty", "cases", [(s, s * 12) for s in SOURCE[:19]])) == []


def test_map002_not_reported_for_noise() -> None:
    noise = [(s, float((s * 7919) % 501)) for s in SOURCE[:40]]
    assert detect(evidence("qty", "cases", noise)) == []


def test_map002_not_reported_when_under_the_minimum_fit_share() -> None:
    values = [(s, s * 12) if i % 5 else (s, s * 3 + 1) for i, s in enumerate(SOURCE[:40])]
    assert detect(evidence("cases", "eaches", values)) == []


def test_map002_never_from_a_constant_destination() -> None:
    # A destination stuck at one value fits "round(s / 1000)" but explains nothing.
    assert detect(evidence("qty", "cases", [(s, 0.0) for s in SOURCE[:30]])) == []


def test_map002_min_samples_and_fit_can_be_overridden_by_thresholds() -> None:
    @dataclass(frozen=True)
    class MappingThresholds(Thresholds):
        mapping_min_samples: int = 10
        mapping_min_fit: float = 0.8

    values = [(s, s * 12) for s in SOURCE[:12]]
    values[3] = (SOURCE[3], 1.0)
    rows = evidence("cases", "eaches", values)
    assert detect(rows) == []
    (finding,) = detect(rows, thresholds=MappingThresholds())
    assert finding["metrics"]["fit_share"] == 11 / 12


# MAP003 ---------------------------------------------------------------------


def test_map003_safety_stock_offset_is_reported_with_clipping_at_zero() -> None:
    values = [(s, s - 15) for s in SOURCE[:28]] + [(9.0, 0.0), (4.0, 0.0)]
    (finding,) = detect(evidence("on_hand", "on_hand", values))
    assert finding["code"] == "MAP003"
    assert finding["metrics"]["offset"] == 15
    assert finding["metrics"]["clipped_at_zero"] == 2
    assert finding["metrics"]["fit_share"] == 1.0
    assert finding["metrics"]["changed"] is False


def test_map003_not_reported_for_identity_or_a_ratio() -> None:
    rows = evidence("a", "b", [(s, s) for s in SOURCE[:30]])
    rows += evidence("c", "d", [(s, s * 2) for s in SOURCE[:30]])
    assert of(detect(rows), "MAP003") == []


def test_map003_not_reported_for_an_offset_that_holds_on_few_records() -> None:
    values = [(s, s - 12) if i % 3 == 0 else (s, s + (i % 7) + 1) for i, s in enumerate(SOURCE)]
    assert detect(evidence("a", "b", values)) == []


# MAP004 ---------------------------------------------------------------------


def test_map004_negatives_clipped_and_null_written_as_zero_are_reported() -> None:
    values: list[Pair] = [(s, s) for s in SOURCE[:30]]
    values[4] = (-3.0, 0.0)
    values[9] = (-8.0, 0.0)
    values[20] = (None, 0.0)
    (finding,) = detect(evidence("available", "available", values))
    assert finding["code"] == "MAP004"
    assert finding["metrics"]["lossy"] == "negatives clipped to 0, null to 0"
    assert finding["metrics"]["negative_clipped"] == 2
    assert finding["metrics"]["null_to_zero"] == 1
    assert finding["metrics"]["quantity_effect"] == 11
    assert finding["evidence_rows"] == [4, 9, 20]
    assert finding["evidence_total"] == 3


def test_map004_truncated_decimals_are_reported() -> None:
    values = [(s + 0.75, s) for s in SOURCE[:30]]
    (finding,) = detect(evidence("weight_kg", "weight_kg", values))
    assert finding["metrics"]["lossy"] == "decimals truncated"
    assert finding["metrics"]["decimals_dropped"] == 30
    assert finding["metrics"]["quantity_effect"] == -22.5


def test_map004_not_reported_for_exact_copies() -> None:
    values = [(s, s) for s in SOURCE[:30]] + [(-4.0, -4.0), (2.5, 2.5), (0.0, 0.0)]
    assert detect(evidence("available", "available", values)) == []


def test_map004_not_reported_for_a_ratio_that_rounds() -> None:
    # Rounding inside a pack-size conversion is MAP002, not lossy coercion.
    found = detect(evidence("qty", "cases", [(s, float(round(s / 12))) for s in SOURCE[:30]]))
    assert of(found, "MAP004") == []


# Declared mappings adapter -----------------------------------------------------


def test_declared_mappings_reads_make_blueprint_facts() -> None:
    facts = blueprint_facts(
        {
            "name": "WMS to storefront",
            "flow": [
                {
                    "id": 3,
                    "module": "shopify:setInventory",
                    "mapper": {
                        "available_to_promise": "{{1.on_hand}}",
                        "cases": "{{round(1.on_hand / 12)}}",
                        "note": "constant text",
                        "inventory": {"posted": "{{1.qty - 5}}"},
                    },
                }
            ],
        },
        "4711",
        "make/blueprint.json",
        3,
    )
    frame = mappings.declared_mappings(facts)
    assert frame.select("src_field", "dst_field", "operator", "constant").rows() == [
        ("on_hand", "available_to_promise", None, None),
        ("on_hand", "cases", "/", 12.0),
        ("qty", "inventory.posted", "-", 5.0),
    ]
    assert frame["flow"].unique().to_list() == ["WMS to storefront"]
    assert frame["declared_in"].unique().to_list() == ["make/blueprint.json:3"]


def test_declared_mappings_tolerate_missing_and_mistyped_keys() -> None:
    facts = (
        # No flow: the name, else the scenario key; the source from `sources`.
        mapping_fact({"name": "Named", "dst_field": "a", "sources": [{"field": "1.b"}]}),
        mapping_fact({"dst_field": "c", "src_field": "d", "constant": "12", "operator": "/"}),
        # Skipped: no source, two sources, no destination, values not a mapping.
        mapping_fact({"flow": "F", "dst_field": "x", "kind": "literal"}),
        mapping_fact({"flow": "F", "dst_field": "y", "sources": [{"field": "p"}, {"field": "q"}]}),
        mapping_fact({"flow": "F", "src_field": "z"}),
        Fact("make.mapping", "1", None, "f", 1),  # type: ignore[arg-type]
        Fact("make.scenario", "1", {"name": "F", "dst_field": "a", "src_field": "b"}, "f", 1),
        object(),
    )
    frame = mappings.declared_mappings(facts)
    assert frame.select("flow", "src_field", "dst_field", "operator", "constant").rows() == [
        ("Named", "b", "a", None, None),
        ("scenario:4711", "d", "c", None, None),
    ]


def test_declared_mappings_of_no_facts_is_an_empty_frame() -> None:
    frame = mappings.declared_mappings(())
    assert frame.is_empty()
    assert frame.schema == mappings.DECLARED_SCHEMA


def test_map001_reports_the_declared_ratio_next_to_the_meanings() -> None:
    fact = mapping_fact(
        {
            "flow": "F",
            "dst_field": "atp_cases",
            "src_field": "on_hand",
            "expression": "{{round(1.on_hand / 12)}}",
            "operator": "/",
            "constant": 12.0,
        }
    )
    rows = evidence("on_hand", "atp_cases", [(s, float(round(s / 12))) for s in SOURCE[:30]])
    found = detect(rows, facts=(fact,))
    (mismatch,) = of(found, "MAP001")
    assert mismatch["metrics"]["declared_relationship"] == "dst = src x 1/12"
    assert mismatch["metrics"]["relationship"] == "dst = src x 1/12"
    (ratio,) = of(found, "MAP002")
    assert ratio["metrics"]["declared_expression"] == "{{round(1.on_hand / 12)}}"


def test_map002_findings_of_different_flows_and_pairs_stay_separate() -> None:
    values = [(s, s * 12) for s in SOURCE[:25]]
    rows = evidence("cases", "eaches", values, flow="F") + evidence(
        "cases", "eaches", values, flow="G"
    )
    rows += evidence("cases", "units", values, flow="F")
    found = detect(rows)
    assert [(f["flow"], f["entity"]) for f in found] == [
        ("F", "cases -> eaches"),
        ("F", "cases -> units"),
        ("G", "cases -> eaches"),
    ]


def test_map002_gross_pack_size_is_shown_as_a_reciprocal() -> None:
    values = [(s * 10, float(round(s * 10 / 144))) for s in SOURCE[:40]]
    (finding,) = detect(evidence("units", "gross", values))
    assert finding["metrics"]["k"] == "1/144"


def test_map002_null_destinations_are_not_evaluated() -> None:
    # 38 records, but only 19 carry a destination value: too few to judge.
    values: list[Pair] = [(s, s * 12 if i % 2 else None) for i, s in enumerate(SOURCE[:38])]
    assert detect(evidence("cases", "eaches", values)) == []


def test_map003_changed_offset_reports_the_change_time() -> None:
    values = [(s, s - 5) if i < 20 else (s, s - 10) for i, s in enumerate(SOURCE[:40])]
    (finding,) = detect(evidence("on_hand", "on_hand", values))
    assert finding["code"] == "MAP003"
    assert finding["metrics"]["offset"] == 10
    assert finding["metrics"]["changed_at"] == "2026-04-06T08:20:00Z"
    assert finding["metrics"]["relationship_before"] == "dst = src - 5"


def test_map001_no_findings_without_mapping_evidence_or_facts() -> None:
    assert detect([], n=1) == []
