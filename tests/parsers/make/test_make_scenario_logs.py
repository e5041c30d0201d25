"""make.scenario_logs: run-level rows from scenarioLogs / scenarioLog / dlqLogs exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from parsers.make.scenario_logs import PARSER

SCENARIO_FILE = "make/scenario_4711_logs.json"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def log(
    exec_id: str,
    timestamp: str = "2026-04-06T09:12:03.497Z",
    *,
    status: object = 1,
    imt: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One scenario log entry as the API returns it (FORMATS.md example)."""
    record = {
        "imtId": imt if imt is not None else f"1775466723497_scenario.4711.auto.{exec_id}",
        "id": exec_id,
        "status": status,
        "type": "auto",
        "instant": True,
        "authorId": None,
        "duration": 1840,
        "operations": 4,
        "transfer": 2210,
        "timestamp": timestamp,
    }
    record.update(extra)
    return {k: v for k, v in record.items() if v is not ...}


def retry(exec_id: str, dlq_id: str, timestamp: str, status: int = 1) -> dict[str, Any]:
    imt = f"1775466723497_dlq.{dlq_id}.auto.{exec_id}"
    return log(exec_id, timestamp, status=status, imt=imt, operations=3, transfer=120)


def page(*records: Any, key: str = "scenarioLogs") -> dict[str, Any]:
    return {key: list(records), "pg": {"sortBy": "imtId", "sortDir": "desc", "limit": 50}}


def test_list_envelope_gives_one_run_level_row_per_entry(kit: Any) -> None:
    result = kit.read(PARSER, page(log("0f3a9c2b"), log("1b2c3d4e", "2026-04-06T09:02:00Z")))
    assert result.rejections == []
    rows = PARSER.finalize(result.events).rows(named=True)
    first = rows[0]
    assert (first["source"], first["format"]) == ("make", "make.scenario_logs")
    assert (first["line"], first["record"]) == (3, 1)
    assert (rows[1]["line"], rows[1]["record"]) == (15, 2)
    assert first["run_id"] == "0f3a9c2b"
    assert first["flow"] == "scenario:4711"
    assert first["_scenario_id"] == "4711"
    assert first["received_at"] == utc(2026, 4, 6, 9, 12, 3, 497000)
    assert first["processed_at"] == utc(2026, 4, 6, 9, 12, 5, 337000)
    assert (first["status"], first["attempt"]) == ("ok", 1)
    assert [first[k] for k in ("sku", "location", "quantity", "event_id", "occurred_at")] == [
        None
    ] * 5


@pytest.mark.parametrize(
    ("status", "expected"),
    [(0, "pending"), (1, "ok"), (2, "warning"), (3, "error"), ("3", "error"), (3.0, "error")],
)
def test_status_codes(kit: Any, status: object, expected: str) -> None:
    result = kit.read(PARSER, page(log("a1", status=status)))
    assert result.events.row(0, named=True)["status"] == expected
    assert "unknown_status" not in result.notes


def test_unknown_and_missing_status_are_warnings_with_notes(kit: Any) -> None:
    data = page(log("a1", status=7), log("a2", status="done"), log("a3", status=...))
    result = kit.read(PARSER, data)
    assert result.events.get_column("status").to_list() == ["warning"] * 3
    assert result.notes["unknown_status"] == 2
    assert result.notes["status_missing"] == 1


def test_scenario_logs_holding_one_object_and_scenario_log_envelope(kit: Any) -> None:
    single = kit.read(PARSER, {"scenarioLogs": log("a1")})
    assert single.events.get_column("run_id").to_list() == ["a1"]
    one = kit.read(PARSER, {"scenarioLog": log("b2", status=3)})
    assert one.events.select("run_id", "status").row(0) == ("b2", "error")


def test_list_of_page_envelopes_in_one_file(kit: Any) -> None:
    result = kit.read(PARSER, [page(log("a1")), page(log("a2"), log("a3"))])
    assert result.events.get_column("record").to_list() == [1, 2, 3]


def test_bare_records_saved_without_the_envelope(kit: Any) -> None:
    assert kit.detect([log("a1"), log("a2")]) == ["make.scenario_logs"]
    result = kit.read(PARSER, [log("a1"), log("a2")])
    assert result.events.get_column("run_id").to_list() == ["a1", "a2"]
    assert kit.read(PARSER, log("b1")).events.get_column("run_id").to_list() == ["b1"]


def test_dlq_retries_are_numbered_by_timestamp_per_dlq_id(kit: Any) -> None:
    # Newest first, as exported; two incomplete executions interleaved.
    data = page(
        retry("e4", "dlqA", "2026-04-06T12:40:00Z"),
        retry("e3", "dlqB", "2026-04-06T10:30:00Z", status=3),
        retry("e2", "dlqA", "2026-04-06T09:23:00Z", status=3),
        retry("e1", "dlqA", "2026-04-06T09:13:00Z", status=3),
        key="dlqLogs",
    )
    result = kit.read(PARSER, data, file="make/dlq_logs.json")
    rows = PARSER.finalize(result.events).sort("record")
    assert rows.get_column("attempt").to_list() == [4, 2, 3, 2]
    assert rows.get_column("flow").to_list() == ["dlq:dlqA", "dlq:dlqB", "dlq:dlqA", "dlq:dlqA"]
    assert rows.get_column("_dlq_id").to_list() == ["dlqA", "dlqB", "dlqA", "dlqA"]
    # Retries re-send data, they are not liveness checks.
    assert "check_run" not in result.notes


def test_dlq_log_without_imt_id_takes_the_dlq_id_from_the_file_name(kit: Any) -> None:
    entry = {**retry("e1", "x", "2026-04-06T09:13:00Z")}
    del entry["imtId"]
    result = kit.read(PARSER, page(entry, key="dlqLogs"), file="dlqs/abc123/logs.json")
    row = PARSER.finalize(result.events).row(0, named=True)
    assert (row["_dlq_id"], row["flow"], row["attempt"]) == ("abc123", "dlq:abc123", 2)
    assert result.notes["unparsed_imt_id"] == 1


def test_check_runs_are_kept_and_noted(kit: Any) -> None:
    data = page(log("c1", operations=1, transfer=0), log("c2"), log("c3", operations=1, transfer=5))
    result = kit.read(PARSER, data)
    assert result.events.height == 3
    assert result.notes["check_run"] == 1


def test_unreadable_imt_id_falls_back_to_the_records_scenario_id(kit: Any) -> None:
    data = page(
        log("a1", imt="garbage"), log("a2", imt="garbage", scenarioId=99), log("a3", imt=...)
    )
    result = kit.read(PARSER, data)
    assert result.events.get_column("flow").to_list() == [
        "scenario:unknown",
        "scenario:99",
        "scenario:unknown",
    ]
    assert result.notes["unparsed_imt_id"] == 3


def test_missing_duration_leaves_processed_at_null_with_a_note(kit: Any) -> None:
    result = kit.read(PARSER, page(log("a1", duration=...), log("a2", duration="n/a")))
    assert result.events.get_column("processed_at").to_list() == [None, None]
    assert result.notes["duration_missing"] == 2


def test_ids_stay_exact_strings(kit: Any) -> None:
    big = 2**70 + 1
    text = json.dumps(page(log("x"))).replace('"id": "x"', f'"id": {big}')
    result = kit.read(PARSER, text)
    assert result.events.get_column("run_id").to_list() == [str(big)]


def test_naive_timestamps_are_read_in_the_given_zone(kit: Any) -> None:
    result = kit.read(PARSER, page(log("a1", "2026-04-06 11:12:03")), tz="Europe/Berlin")
    assert result.events.get_column("received_at").to_list() == [utc(2026, 4, 6, 9, 12, 3)]
    assert result.notes["naive_timestamp"] == 1


def test_malformed_records_are_rejected_with_exact_accounting(kit: Any) -> None:
    data = page(
        log("ok1"),
        log("no-id", id=...),
        log("no-time", timestamp=...),
        log("bad-time", timestamp="yesterday-ish"),
        log("sentinel", timestamp="1970-01-01T00:00:00Z"),
        42,
        log("ok2"),
    )
    result = kit.read(PARSER, data)
    assert result.records_seen == 7
    assert result.events.get_column("run_id").to_list() == ["ok1", "ok2"]
    reasons = [(r.record, r.reason) for r in result.rejections]
    assert reasons == [
        (2, "missing_field"),
        (3, "missing_field"),
        (4, "unparseable_timestamp"),
        (5, "unparseable_timestamp"),
        (6, "not_an_object"),
    ]
    details = [r.detail for r in result.rejections]
    assert details[0] == "the scenario log has no id."
    assert details[1] == "the scenario log has no timestamp."
    assert "sentinel timestamp" in details[3]
    assert result.rejections[0].excerpt.startswith("{")


def test_document_cut_part_way_keeps_the_records_before(kit: Any) -> None:
    text = json.dumps(page(log("a1"), log("a2")), indent=2)
    cut = text[: text.index('"a2"') + 10]
    result = kit.read(PARSER, cut)
    assert result.events.get_column("run_id").to_list() == ["a1"]
    assert [r.reason for r in result.rejections] == ["truncated_record"]


def test_minified_one_line_export_numbers_records(kit: Any) -> None:
    data = json.dumps(page(log("a1"), {"id": "a2"}, log("a3"))).encode()
    result = kit.read(PARSER, b"\xef\xbb\xbf" + data)
    assert result.events.select("line", "record").rows() == [(1, 1), (1, 3)]
    (rejection,) = result.rejections
    assert (rejection.line, rejection.record, rejection.reason) == (1, 2, "missing_field")
    # Byte offsets count the stripped BOM.
    assert rejection.offset == data.index(b'{"id": "a2"}') + 3


def test_duplicates_across_page_files_keep_the_first_locator(kit: Any) -> None:
    first = page(log("a3", "2026-04-06T09:30:00Z"), log("a2", "2026-04-06T09:20:00Z"))
    second = page(log("a2", "2026-04-06T09:20:00Z"), log("a1", "2026-04-06T09:10:00Z"))
    rows = kit.export({"make/logs-1.json": first, "make/logs-2.json": second})
    frame = rows["make.scenario_logs"]
    assert frame.select("file", "record", "run_id").rows() == [
        ("make/logs-1.json", 1, "a3"),
        ("make/logs-1.json", 2, "a2"),
        ("make/logs-2.json", 2, "a1"),
    ]


def test_empty_list_has_no_records(kit: Any) -> None:
    result = kit.read(PARSER, page())
    assert (result.records_seen, result.events.height) == (0, 0)
