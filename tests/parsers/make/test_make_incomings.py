"""make.incomings: pending rows for the items queued on a Make webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from parsers.make.incomings import PARSER

REAL_SHAPE = {
    "incomings": [
        {"id": "a17c1163", "scope": "hook", "size": 1, "created": "2021-02-03T09:59:36.260Z"},
        {"id": "73b56c93", "scope": "hook", "size": 1, "created": "2021-02-03T09:59:38.594Z"},
    ],
    "pg": {"sortBy": "created", "limit": 10000, "sortDir": "asc", "offset": 0},
}
PAYLOAD = {"sku": "SKU-A", "location": "DC1", "qty": 12, "event_id": "mv-7"}


def item(item_id: str, data: Any = ..., created: Any = "2026-04-06T09:00:00Z") -> dict[str, Any]:
    record = {"id": item_id, "scope": "hook", "size": 1, "created": created, "data": data}
    return {k: v for k, v in record.items() if v is not ...}


def test_items_without_data_are_run_level_pending_rows(kit: Any) -> None:
    result = kit.read(PARSER, REAL_SHAPE, file="make/hooks/321/incomings.json")
    assert result.rejections == []
    rows = PARSER.finalize(result.events)
    assert rows.select("run_id", "flow", "status", "attempt", "sku").rows() == [
        ("a17c1163", "hook:321", "pending", 1, None),
        ("73b56c93", "hook:321", "pending", 1, None),
    ]
    assert rows.get_column("received_at").to_list()[0] == datetime(
        2021, 2, 3, 9, 59, 36, 260000, tzinfo=UTC
    )
    assert rows.get_column("processed_at").to_list() == [None, None]
    assert "unknown_status" not in result.notes


def test_data_as_object_json_string_or_request_body_is_record_level(kit: Any) -> None:
    data = {
        "incomings": [
            item("i1", PAYLOAD),
            item("i2", json.dumps(PAYLOAD)),
            item("i3", {"request": {"headers": {"X-Idempotency-Key": "k1"}, "body": PAYLOAD}}),
            item("i4", {"headers": {}, "body": json.dumps(PAYLOAD)}),
        ]
    }
    result = kit.read(PARSER, data, file="make/hook_321_queue.json")
    got = result.events.select("sku", "location", "quantity", "event_id", "idempotency_key")
    assert got.rows() == [("SKU-A", "DC1", 12.0, "mv-7", None)] * 2 + [
        ("SKU-A", "DC1", 12.0, "mv-7", "k1"),
        ("SKU-A", "DC1", 12.0, "mv-7", None),
    ]


def test_items_without_id_or_created_are_rejected(kit: Any) -> None:
    data = {
        "incomings": [item("i1"), {"created": "2026-04-06T09:00:00Z"}, item("i3", created=None)]
    }
    result = kit.read(PARSER, data, file="make/hook_1.json")
    assert result.events.get_column("run_id").to_list() == ["i1"]
    assert [(r.record, r.reason, r.detail) for r in result.rejections] == [
        (2, "missing_field", "the queued item has no id."),
        (3, "missing_field", "the queued item has no created."),
    ]


def test_page_copies_are_dropped_per_hook(kit: Any) -> None:
    files = {
        "make/hooks/1/p1.json": {"incomings": [item("i1"), item("i2")]},
        "make/hooks/1/p2.json": {"incomings": [item("i2"), item("i3")]},
        "make/hooks/2/p1.json": {"incomings": [item("i2")]},
    }
    rows = kit.export(files)["make.incomings"]
    assert rows.select("file", "run_id").rows() == [
        ("make/hooks/1/p1.json", "i1"),
        ("make/hooks/1/p1.json", "i2"),
        ("make/hooks/1/p2.json", "i3"),
        ("make/hooks/2/p1.json", "i2"),
    ]
