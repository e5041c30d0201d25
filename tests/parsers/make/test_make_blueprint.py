"""make.blueprint: no rows, Facts for the scenario, its webhooks and its field mappings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parsers._base import Fact
from parsers.make._mapper import parse_expression
from parsers.make.blueprint import PARSER

BLUEPRINT: dict[str, Any] = {
    "name": "Stock sync WMS to Shopify",
    "flow": [
        {
            "id": 1,
            "module": "gateway:CustomWebHook",
            "version": 1,
            "parameters": {"hook": 123, "maxResults": 1},
            "mapper": {},
        },
        {
            "id": 2,
            "module": "builtin:BasicRouter",
            "routes": [
                {
                    "flow": [
                        {
                            "id": 3,
                            "module": "shopify:updateInventoryLevel",
                            "mapper": {
                                "available_to_promise": "{{1.on_hand}}",
                                "inventory": {"cases": "{{round(1.on_hand / 12)}}"},
                                "sku": "{{1.sku}}",
                            },
                            "onerror": [
                                {
                                    "id": 6,
                                    "module": "builtin:Break",
                                    "mapper": {"retry": True, "count": 3},
                                }
                            ],
                        }
                    ]
                },
                {
                    "flow": [
                        {
                            "id": 4,
                            "module": "http:ActionSendData",
                            "mapper": {
                                "lines": [{"qty": "{{1.qty * 12}}"}],
                                "note": "Hello, {{var.input.name}}!",
                                "sellable": "{{max(0; 1.on_hand - 5)}}",
                            },
                        }
                    ]
                },
            ],
        },
    ],
    "metadata": {"instant": True, "scenario": {"sequential": False, "dlq": True}},
}


def by_kind(facts: list[Fact], kind: str) -> list[Fact]:
    return [f for f in facts if f.kind == kind]


def test_bare_blueprint_is_one_absorbed_record_with_facts(kit: Any) -> None:
    result = kit.read(PARSER, BLUEPRINT, file="make/blueprint.json")
    assert (result.records_seen, result.absorbed, result.events.height) == (1, 1, 0)
    assert result.rejections == []
    (scenario,) = by_kind(result.facts, "make.scenario")
    assert scenario.key == "Stock sync WMS to Shopify"
    assert dict(scenario.values) == {
        "name": "Stock sync WMS to Shopify",
        "scenarioId": None,
        "sequential": False,
        "dlq": True,
        "instant": True,
    }
    assert (scenario.file, scenario.line) == ("make/blueprint.json", 1)
    (hook,) = by_kind(result.facts, "make.hook")
    assert (hook.key, dict(hook.values)) == (
        "123",
        {"name": "Stock sync WMS to Shopify", "scenarioId": None, "module": "1"},
    )


def test_mappings_through_routes_and_error_handlers_with_dotted_paths(kit: Any) -> None:
    result = kit.read(PARSER, BLUEPRINT)
    mappings = by_kind(result.facts, "make.mapping")
    got = {(m.values["module"], m.values["dst_field"]): m.values for m in mappings}
    assert sorted(got) == [
        ("3", "available_to_promise"),
        ("3", "inventory.cases"),
        ("3", "sku"),
        ("4", "lines.0.qty"),
        ("4", "note"),
        ("4", "sellable"),
        ("6", "count"),
        ("6", "retry"),
    ]
    direct = got[("3", "available_to_promise")]
    assert direct["flow"] == "Stock sync WMS to Shopify"
    assert direct["app"] == "shopify:updateInventoryLevel"
    assert (direct["kind"], direct["src_module"], direct["src_field"]) == (
        "reference",
        "1",
        "on_hand",
    )
    assert (direct["operator"], direct["constant"]) == (None, None)
    cases = got[("3", "inventory.cases")]
    assert (cases["kind"], cases["src_field"], cases["functions"]) == (
        "formula",
        "on_hand",
        ["round"],
    )
    assert (cases["operator"], cases["constant"]) == ("/", 12.0)
    assert (got[("4", "lines.0.qty")]["operator"], got[("4", "lines.0.qty")]["constant"]) == (
        "*",
        12.0,
    )
    sellable = got[("4", "sellable")]
    assert (sellable["operator"], sellable["constant"], sellable["functions"]) == (
        "-",
        5.0,
        ["max"],
    )
    note = got[("4", "note")]
    assert (note["kind"], note["sources"], note["src_field"]) == ("template", [], None)
    assert (got[("6", "count")]["kind"], got[("6", "count")]["expression"]) == ("literal", "3")
    assert all(m.key == "Stock sync WMS to Shopify" for m in mappings)


@pytest.mark.parametrize(
    ("expression", "kind", "field", "operator", "constant"),
    [
        ("{{1.on_hand}}", "reference", "on_hand", None, None),
        ("{{1.payload.on_hand}}", "reference", "payload.on_hand", None, None),
        ("{{1.`on hand`}}", "reference", "on hand", None, None),
        ("{{round(1.on_hand / 12)}}", "formula", "on_hand", "/", 12.0),
        ("{{1.qty * 12}}", "formula", "qty", "*", 12.0),
        ("{{12 * 1.qty}}", "formula", "qty", "*", 12.0),
        ("{{floor(1.on_hand * 0.9)}}", "formula", "on_hand", "*", 0.9),
        ("{{1.on_hand - 5}}", "formula", "on_hand", "-", 5.0),
        ("{{100 - 1.qty}}", "formula", "qty", None, None),
        ("{{1.qty * 12 - 5}}", "formula", "qty", None, None),
        ('{{parseNumber(1.qty; ".")}}', "formula", "qty", None, None),
        ("{{var.input.name}}", "variable", None, None, None),
        ("{{1.qty}} units", "template", "qty", None, None),
        ("42", "literal", None, None, None),
        (42, "literal", None, None, None),
        (None, "literal", None, None, None),
    ],
)
def test_expression_forms(
    expression: Any, kind: str, field: str | None, operator: str | None, constant: float | None
) -> None:
    parsed = parse_expression(expression)
    assert (parsed["kind"], parsed["src_field"], parsed["operator"], parsed["constant"]) == (
        kind,
        field,
        operator,
        constant,
    )


def test_several_sources_give_no_single_source_or_operator() -> None:
    parsed = parse_expression("{{1.a + 2.b}}")
    assert parsed["sources"] == [{"module": "1", "field": "a"}, {"module": "2", "field": "b"}]
    assert (parsed["src_field"], parsed["operator"]) == (None, None)


@pytest.mark.parametrize(
    "document",
    [
        {"response": {"blueprint": BLUEPRINT, "scenarioId": 4711}},
        {"code": "OK", "scenarioId": 4711, "response": {"blueprint": BLUEPRINT}},
        {"blueprint": BLUEPRINT, "scenarioId": "4711"},
        {**BLUEPRINT, "scenarioId": 4711},
    ],
)
def test_wrapped_blueprints_are_keyed_by_scenario_id(kit: Any, document: dict[str, Any]) -> None:
    result = kit.read(PARSER, document)
    assert kit.detect(document) == ["make.blueprint"]
    (scenario,) = by_kind(result.facts, "make.scenario")
    assert (scenario.key, scenario.values["scenarioId"]) == ("4711", "4711")
    assert {m.key for m in by_kind(result.facts, "make.mapping")} == {"4711"}
    assert by_kind(result.facts, "make.hook")[0].values["scenarioId"] == "4711"


def test_scenario_id_from_the_file_name_and_unnamed_blueprint(kit: Any) -> None:
    unnamed = {k: v for k, v in BLUEPRINT.items() if k != "name"}
    result = kit.read(PARSER, unnamed, file="make/scenarios/88/blueprint.json")
    (scenario,) = by_kind(result.facts, "make.scenario")
    assert (scenario.key, scenario.values["name"]) == ("88", "scenario:88")


def test_list_of_blueprints_and_malformed_documents(kit: Any) -> None:
    other = {**BLUEPRINT, "name": "Other"}
    text = json.dumps([BLUEPRINT, {"name": "no flow", "metadata": {}}, 7, other])
    result = kit.read(PARSER, text)
    assert (result.records_seen, result.absorbed) == (4, 2)
    assert [(r.record, r.reason) for r in result.rejections] == [
        (2, "missing_field"),
        (3, "not_an_object"),
    ]
    names = [f.key for f in by_kind(result.facts, "make.scenario")]
    assert names == ["Stock sync WMS to Shopify", "Other"]


def test_cut_blueprint_is_one_rejected_record(kit: Any) -> None:
    text = json.dumps(BLUEPRINT, indent=2)[:-40]
    assert kit.detect(text) == ["make.blueprint"]
    result = kit.read(PARSER, text)
    assert (result.records_seen, result.absorbed, result.facts) == (1, 0, [])
    assert [r.reason for r in result.rejections] == ["truncated_record"]
