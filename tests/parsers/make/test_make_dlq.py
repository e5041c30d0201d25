"""make.dlq: incomplete executions and their bundles, read into Facts."""

from __future__ import annotations

from typing import Any

import pytest

from parsers.make.dlq import PARSER

DLQ_ID = "a07e16f2ad134bf49cf83a00aa95c0a5"
ITEM = {
    "id": DLQ_ID,
    "scenarioId": 4711,
    "executionId": "5c1e0d2a-8f3b-4c7e-9a1d-2b3c4d5e6f70",
    "created": "2026-04-06T09:12:05.000Z",
    "retry": True,
    "attempts": 2,
    "resolved": False,
    "reason": "Rate limit exceeded",
    "size": 1,
}
BUNDLE = {
    "code": "OK",
    "response": {
        "3": {"available_to_promise": 70, "created_at": "2026-04-06T09:12:04Z"},
        "1": {
            "sku": "SKU-A",
            "location": "DC1",
            "on_hand": "847",
            "updated_at": "2026-04-06 11:11:58",
            "event_id": "mv-88121",
            "headers": {"idempotency_key": "idem-5"},
        },
    },
}


def test_dlq_list_gives_one_fact_per_incomplete_execution(kit: Any) -> None:
    second = {**ITEM, "id": "b" * 32, "executionId": "f241ee9b0d344964a5ce54356b9ed98e"}
    result = kit.read(PARSER, {"dlqs": [ITEM, second], "pg": {"limit": 50}})
    assert (result.records_seen, result.absorbed, result.events.height) == (2, 2, 0)
    first = result.facts[0]
    assert (first.kind, first.key, first.line) == ("make.dlq", DLQ_ID, 3)
    assert dict(first.values) == {
        "scenarioId": "4711",
        "executionId": "5c1e0d2a-8f3b-4c7e-9a1d-2b3c4d5e6f70",
        "created": "2026-04-06T09:12:05.000Z",
        "retry": True,
        "attempts": 2,
        "resolved": False,
        "reason": "Rate limit exceeded",
    }
    assert result.facts[1].values["executionId"] == "f241ee9b0d344964a5ce54356b9ed98e"


def test_single_dlq_and_records_without_id(kit: Any) -> None:
    assert [f.key for f in kit.read(PARSER, {"dlq": ITEM}).facts] == [DLQ_ID]
    data = {"dlqs": [ITEM, {**ITEM, "id": None}, "x"]}
    result = kit.read(PARSER, data)
    assert (result.records_seen, result.absorbed) == (3, 1)
    assert [(r.record, r.reason, r.detail) for r in result.rejections] == [
        (2, "missing_field", "the incomplete execution has no id."),
        (3, "not_an_object", "the record is a JSON string, not an object."),
    ]


@pytest.mark.parametrize(
    ("file", "key"),
    [
        (f"make/dlq_{DLQ_ID}.json", DLQ_ID),
        ("make/dlq-42-bundle.json", "42"),
        (f"make/dlqs/{DLQ_ID}/bundle.json", DLQ_ID),
        (f"make/bundle-{DLQ_ID.upper()}.json", DLQ_ID),
        (f"exports.zip!/make/{DLQ_ID}/bundle.json", DLQ_ID),
        ("make/dlq-bundle.json", "unknown"),
    ],
)
def test_bundle_is_keyed_by_the_dlq_id_in_its_name(kit: Any, file: str, key: str) -> None:
    result = kit.read(PARSER, BUNDLE, file=file)
    assert (result.records_seen, result.absorbed, result.rejections) == (1, 1, [])
    (fact,) = result.facts
    assert (fact.kind, fact.key) == ("make.dlq_bundle", key)
    assert result.notes["dlq_id_unknown"] == (1 if key == "unknown" else 0)


def test_bundle_values_come_from_module_outputs_lowest_module_first(kit: Any) -> None:
    result = kit.read(PARSER, BUNDLE, file=f"make/dlq_{DLQ_ID}.json", tz="Europe/Berlin")
    (fact,) = result.facts
    assert dict(fact.values) == {
        "sku": "SKU-A",
        "location": "DC1",
        "event_id": "mv-88121",
        "idempotency_key": "idem-5",
        "quantity": 847.0,
        "occurred_at": "2026-04-06T09:11:58.000000+00:00",
        "modules": ["1", "3"],
    }
    assert result.notes["naive_timestamp"] == 1


def test_bundle_outputs_may_be_lists_and_quantities_text(kit: Any) -> None:
    bundle = {"code": "OK", "response": {"2": [{"sku": "S-2", "qty": "many"}]}}
    result = kit.read(PARSER, bundle, file="make/dlq_9.json")
    (fact,) = result.facts
    assert (fact.values["sku"], fact.values["quantity"], fact.values["occurred_at"]) == (
        "S-2",
        None,
        None,
    )
    assert result.notes["non_numeric_quantity"] == 1


def test_empty_bundle_is_still_one_absorbed_record(kit: Any) -> None:
    result = kit.read(PARSER, {"code": "OK", "response": {}}, file="make/dlq_9.json")
    assert (result.records_seen, result.absorbed, len(result.facts)) == (1, 1, 1)
    assert kit.detect({"code": "OK", "response": {}}) == ["make.dlq"]
