"""make.hook_logs: record-level rows from hookLogs exports, hook id from the file name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from parsers.make._hooks import hook_id
from parsers.make.hook_logs import PARSER

FILE = "make/hook_123.json"
BODY = {
    "sku": "SKU-A",
    "location": "DC1",
    "on_hand": 847,
    "event_id": "mv-88121",
    "updated_at": "2026-04-06T09:11:58Z",
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def entry(
    log_id: str,
    logged_at: str = "2026-04-06T09:12:03.101Z",
    *,
    body: Any = BODY,
    headers: Any = None,
    status: object = 1,
    **extra: Any,
) -> dict[str, Any]:
    """One hook log entry (FORMATS.md example)."""
    record: dict[str, Any] = {
        "id": log_id,
        "statusId": status,
        "loggedAt": logged_at,
        "imtId": "1775466723101_k2j4h",
        "parser": "gateway-webhook",
        "data": {
            "request": {
                "headers": headers or {"content-type": "application/json"},
                "body": body,
            }
        },
    }
    record.update(extra)
    return {k: v for k, v in record.items() if v is not ...}


def logs(*records: Any) -> dict[str, Any]:
    return {"hookLogs": list(records), "pg": {"sortDir": "desc"}}


def test_formats_example_gives_a_record_level_row(kit: Any) -> None:
    result = kit.read(PARSER, logs(entry("6f1c9e20d4")), file=FILE)
    assert result.rejections == []
    row = PARSER.finalize(result.events).row(0, named=True)
    assert (row["format"], row["run_id"], row["flow"], row["_hook_id"]) == (
        "make.hook_logs",
        "6f1c9e20d4",
        "hook:123",
        "123",
    )
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-A", "DC1", 847.0)
    assert (row["event_id"], row["idempotency_key"]) == ("mv-88121", None)
    assert row["occurred_at"] == utc(2026, 4, 6, 9, 11, 58)
    assert row["received_at"] == utc(2026, 4, 6, 9, 12, 3, 101000)
    assert row["processed_at"] is None
    assert (row["status"], row["attempt"]) == ("ok", 1)


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("hook_123.json", "123"),
        ("make/hook-77-page2.json", "77"),
        ("make/hooks/4242/logs.json", "4242"),
        ("exports.zip!/make/hooks/9/page-1.json", "9"),
        ("make/hook_5/logs.json", "5"),
        ("make/HOOK_88_logs.json", "88"),
        ("make/hooklogs.json", None),
        ("make/webhook_55.json", None),
        ("make/hook-incomings.json", None),
        ("make/hooks/logs.json", None),
    ],
)
def test_hook_id_from_file_and_folder_names(file: str, expected: str | None) -> None:
    assert hook_id(file) == expected


def test_unknown_hook_id_is_noted(kit: Any) -> None:
    result = kit.read(PARSER, logs(entry("a"), entry("b")), file="make/logs.json")
    assert result.events.get_column("flow").to_list() == ["hook:unknown"] * 2
    assert result.notes["hook_id_unknown"] == 2


def test_body_as_json_string_and_idempotency_key_header(kit: Any) -> None:
    headers = {"Idempotency-Key": "idem-1", "content-type": "application/json"}
    record = entry("a", body=json.dumps(BODY), headers=headers)
    row = kit.read(PARSER, logs(record), file=FILE).events.row(0, named=True)
    assert (row["sku"], row["quantity"], row["idempotency_key"]) == ("SKU-A", 847.0, "idem-1")


def test_idempotency_key_from_the_body_when_no_header(kit: Any) -> None:
    record = entry("a", body={**BODY, "idempotency_key": "k-9"})
    row = kit.read(PARSER, logs(record), file=FILE).events.row(0, named=True)
    assert row["idempotency_key"] == "k-9"


def test_body_string_that_is_not_json_and_missing_data(kit: Any) -> None:
    data = logs(entry("a", body="sku=SKU-A&qty=3"), entry("b", data=...), entry("c", body=None))
    result = kit.read(PARSER, data, file=FILE)
    assert result.events.height == 3
    assert result.events.get_column("sku").to_list() == [None, None, None]
    assert result.notes["body_not_json"] == 1


def test_non_numeric_quantity_is_null_with_a_note(kit: Any) -> None:
    result = kit.read(PARSER, logs(entry("a", body={**BODY, "on_hand": "lots"})), file=FILE)
    assert result.events.get_column("quantity").to_list() == [None]
    assert result.notes["non_numeric_quantity"] == 1


@pytest.mark.parametrize(
    ("status", "expected", "note"),
    [
        (1, "ok", None),
        (3, "error", None),
        (9, "warning", "unknown_status"),
        (..., "warning", "status_missing"),
    ],
)
def test_status_ids(kit: Any, status: object, expected: str, note: str | None) -> None:
    result = kit.read(PARSER, logs(entry("a", status=status)), file=FILE)
    assert result.events.get_column("status").to_list() == [expected]
    if note:
        assert result.notes[note] == 1


def test_missing_fields_are_rejected_with_exact_accounting(kit: Any) -> None:
    data = logs(
        entry("a"),
        entry(
            ...,
        ),
        entry("c", logged_at=...),
        entry("d", logged_at="soon"),
        [1],
    )
    result = kit.read(PARSER, data, file=FILE)
    assert result.records_seen == 5
    assert result.events.get_column("run_id").to_list() == ["a"]
    assert [(r.record, r.reason) for r in result.rejections] == [
        (2, "missing_field"),
        (3, "missing_field"),
        (4, "unparseable_timestamp"),
        (5, "not_an_object"),
    ]
    assert result.rejections[0].detail == "the hook log has no id."
    assert result.rejections[1].detail == "the hook log has no loggedAt."


def test_redeliveries_are_ranked_by_logged_at_per_hook_and_event(kit: Any) -> None:
    newer = logs(entry("r3", "2026-04-06T10:00:00Z"), entry("r2", "2026-04-06T09:30:00Z"))
    older = logs(entry("r2", "2026-04-06T09:30:00Z"), entry("r1", "2026-04-06T09:00:00Z"))
    other_hook = logs(entry("x1", "2026-04-06T11:00:00Z"))
    no_event = logs(entry("n1", body={"sku": "SKU-B"}), entry("n2", body={"sku": "SKU-B"}))
    rows = kit.export(
        {
            "make/hook_123-p1.json": newer,
            "make/hook_123-p2.json": older,
            "make/hook_456.json": other_hook,
            "make/hook_789.json": no_event,
        }
    )["make.hook_logs"]
    got = rows.select("file", "run_id", "attempt").rows()
    assert got == [
        ("make/hook_123-p1.json", "r3", 3),
        ("make/hook_123-p1.json", "r2", 2),
        ("make/hook_123-p2.json", "r1", 1),
        ("make/hook_456.json", "x1", 1),
        ("make/hook_789.json", "n1", 1),
        ("make/hook_789.json", "n2", 1),
    ]
