"""The generic webhook request-log parser (FORMATS.md "Generic webhooks")."""

from __future__ import annotations

import codecs
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics.config import PayloadKeys
from forensics.schema import EVENT_SCHEMA, REJECTION_REASONS, conform
from parsers._base import ParseContext, ParseResult
from parsers.webhook import PARSER, duplicates

PAYLOAD = asdict(PayloadKeys())
FILE = "webhooks/inventory.ndjson"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def ndjson(*records: dict[str, Any] | str) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


def read(data: bytes, file: str = FILE, tz: str = "UTC") -> ParseResult:
    result = PARSER.read(data, ParseContext(file, ZoneInfo(tz), PAYLOAD))
    assert result.records_seen == result.events.height + len(result.rejections)
    conform(result.events, what="webhook.read")
    return result


def only_row(data: bytes, **kwargs: str) -> dict[str, Any]:
    result = read(data, **kwargs)
    assert result.rejections == []
    finalized = PARSER.finalize(result.events)
    assert finalized.height == 1
    return finalized.row(0, named=True)


SHOPIFY = {
    "received_at": "2026-04-06T09:12:04.220Z",
    "endpoint": "/hooks/inventory",
    "status": 200,
    "headers": {
        "X-Shopify-Topic": "inventory_levels/update",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": "2026-04-06T09:12:03.995Z",
        "X-Shopify-Hmac-Sha256": "XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=",
    },
    "body": {
        "inventory_item_id": 808950810,
        "location_id": 905684977,
        "available": 830,
        "updated_at": "2026-04-06T05:12:03-04:00",
    },
}


def delivery(received_at: str, delivery_id: str, **extra: Any) -> dict[str, Any]:
    headers = {**SHOPIFY["headers"], "X-Shopify-Webhook-Id": delivery_id}
    return {**SHOPIFY, "received_at": received_at, "headers": headers, **extra}


# --- header families -------------------------------------------------------------------


def test_shopify_event_id_and_webhook_id_from_headers() -> None:
    row = only_row(ndjson(SHOPIFY))
    assert row["source"] == "webhook"
    assert row["format"] == "webhook.request_log"
    assert row["file"] == FILE
    assert (row["line"], row["record"]) == (1, 1)
    assert row["flow"] == "inventory_levels/update"
    assert row["event_id"] == "98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert row["run_id"] == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert row["idempotency_key"] == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert row["_delivery_key"] == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert (row["sku"], row["location"], row["quantity"]) == ("808950810", "905684977", 830.0)
    assert row["occurred_at"] == utc(2026, 4, 6, 9, 12, 3)
    assert row["received_at"] == utc(2026, 4, 6, 9, 12, 4, 220000)
    assert row["processed_at"] == row["received_at"]
    assert (row["status"], row["attempt"]) == ("ok", 1)


def test_shopify_triggered_at_is_occurred_at_when_the_body_has_no_timestamp() -> None:
    body = {"inventory_item_id": 1, "available": 3}
    row = only_row(ndjson({**SHOPIFY, "body": body}))
    assert row["occurred_at"] == utc(2026, 4, 6, 9, 12, 3, 995000)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in SHOPIFY["headers"].items()}
    row = only_row(ndjson({**SHOPIFY, "headers": headers}))
    assert row["event_id"] == "98880550-7158-44d4-b7cd-2c97c8a091b5"


def test_stripe_event_id_type_created_and_idempotency_key_from_body() -> None:
    record = {
        "received_at": "2026-04-06T09:12:05Z",
        "headers": {"Stripe-Signature": "t=1775466725,v1=abc"},
        "body": {
            "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
            "object": "event",
            "type": "inventory.updated",
            "created": 1775466723,
            "request": {"id": "req_1", "idempotency_key": "idem-42"},
            "data": {"object": {"sku": "SKU-A", "quantity": "12"}},
        },
    }
    row = only_row(ndjson(record))
    assert row["event_id"] == "evt_1NG8Du2eZvKYlo2CUI79vXWy"
    assert row["run_id"] == "evt_1NG8Du2eZvKYlo2CUI79vXWy"
    assert row["flow"] == "inventory.updated"
    assert row["idempotency_key"] == "idem-42"
    assert row["occurred_at"] == utc(2026, 4, 6, 9, 12, 3)
    assert (row["sku"], row["quantity"]) == ("SKU-A", 12.0)


def test_svix_id_and_timestamp_headers_with_event_type_in_body() -> None:
    record = {
        "received_at": "2026-04-06T09:12:05Z",
        "headers": {
            "svix-id": "msg_2Lk9",
            "svix-timestamp": "1775466723",
            "svix-signature": "v1,x",
        },
        "body": {"type": "stock.changed", "data": {"sku": "SKU-B", "on_hand": 5}},
    }
    row = only_row(ndjson(record))
    assert (row["event_id"], row["run_id"], row["flow"]) == (
        "msg_2Lk9",
        "msg_2Lk9",
        "stock.changed",
    )
    assert row["occurred_at"] == utc(2026, 4, 6, 9, 12, 3)
    assert (row["sku"], row["quantity"]) == ("SKU-B", 5.0)


def test_standard_webhooks_id_and_timestamp_headers() -> None:
    record = {
        "received_at": "2026-04-06T09:12:05Z",
        "headers": {"webhook-id": "msg_9", "webhook-timestamp": 1775466723},
        "body": {"type": "stock.changed", "data": {"sku": "SKU-B"}},
    }
    row = only_row(ndjson(record))
    assert (row["event_id"], row["flow"]) == ("msg_9", "stock.changed")
    assert row["occurred_at"] == utc(2026, 4, 6, 9, 12, 3)


def test_github_delivery_guid_and_event_header() -> None:
    record = {
        "received_at": "2026-04-06T09:12:05Z",
        "headers": {
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        },
        "body": {"ref": "refs/heads/main"},
    }
    row = only_row(ndjson(record))
    assert row["event_id"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert row["run_id"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert row["flow"] == "push"


def test_hookdeck_event_id_and_exported_attempt_number() -> None:
    records = [
        {
            "received_at": f"2026-04-06T09:1{n}:00Z",
            "endpoint": "/hooks/stock",
            "attempt_number": n,
            "trigger": "AUTOMATIC" if n < 3 else "MANUAL",
            "headers": {"X-Hookdeck-EventId": "evt_hd_1"},
            "body": {"sku": "SKU-C", "qty": 7},
        }
        for n in (3, 1, 2)
    ]
    result = read(ndjson(*records))
    events = PARSER.finalize(result.events)
    assert events.get_column("event_id").unique().to_list() == ["evt_hd_1"]
    assert events.get_column("attempt").to_list() == [3, 1, 2]
    assert events.get_column("flow").unique().to_list() == ["/hooks/stock"]


# --- field shapes ----------------------------------------------------------------------


def test_body_as_json_string_is_decoded_one_level() -> None:
    row = only_row(ndjson({**SHOPIFY, "body": json.dumps(SHOPIFY["body"])}))
    assert (row["sku"], row["quantity"]) == ("808950810", 830.0)


def test_body_string_that_is_not_json_is_kept_and_noted() -> None:
    result = read(ndjson({**SHOPIFY, "body": "sku=A&qty=3"}))
    assert result.events.height == 1
    assert result.events.row(0, named=True)["sku"] is None
    assert result.notes["body_not_json"] == 1


def test_request_headers_and_request_body_with_ts_and_response_status() -> None:
    record = {
        "ts": 1775466724220,
        "response_status": 502,
        "request": {
            "headers": {"Content-Type": "application/json", "Idempotency-Key": "k-1"},
            "body": {"SKU": "SKU-D", "warehouse": "DC2", "QuantityOnHand": 4, "movement_id": 9},
        },
    }
    row = only_row(ndjson(record))
    assert row["received_at"] == utc(2026, 4, 6, 9, 12, 4, 220000)
    assert row["status"] == "error"
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-D", "DC2", 4.0)
    assert (row["event_id"], row["idempotency_key"]) == ("9", "k-1")


def test_payload_key_and_payload_idempotency_key() -> None:
    record = {"timestamp": "2026-04-06T09:12:04Z", "payload": {"sku": "E", "idempotency_key": 77}}
    row = only_row(ndjson(record))
    assert (row["sku"], row["idempotency_key"]) == ("E", "77")


def test_platform_ids_stay_exact_strings() -> None:
    body = {"inventory_item_id": 18446744073709551617, "location_id": 905684977.0}
    row = only_row(ndjson({**SHOPIFY, "body": body}))
    assert (row["sku"], row["location"]) == ("18446744073709551617", "905684977")


def test_quantity_numeric_string_is_accepted_and_text_is_null_with_note() -> None:
    good = {**SHOPIFY, "body": {"sku": "A", "available": " 12.5 "}}
    bad = {**SHOPIFY, "body": {"sku": "A", "available": "many"}}
    result = read(ndjson(good, bad))
    assert result.events.get_column("quantity").to_list() == [12.5, None]
    assert result.notes["non_numeric_quantity"] == 1


def test_processed_at_field_is_used_when_present() -> None:
    row = only_row(ndjson({**SHOPIFY, "processed_at": "2026-04-06T09:12:06Z"}))
    assert row["processed_at"] == utc(2026, 4, 6, 9, 12, 6)


def test_unusable_processed_at_stays_null_and_is_noted_not_replaced() -> None:
    result = read(ndjson({**SHOPIFY, "processed_at": "soon"}, {**SHOPIFY, "processed_at": ""}))
    assert result.events.get_column("processed_at").to_list() == [
        None,
        utc(2026, 4, 6, 9, 12, 4, 220000),
    ]
    assert result.notes["unparseable_timestamp"] == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "ok"),
        (204, "ok"),
        ("201", "ok"),
        (302, "warning"),
        (404, "error"),
        (500, "error"),
        ("ok", "ok"),
        ("Success", "ok"),
        ("failed", "error"),
        ("ERROR", "error"),
        ("pending", "pending"),
        ("filtered", "filtered"),
        ("discarded", "discarded"),
        ("warning", "warning"),
    ],
)
def test_status_mapping(status: object, expected: str) -> None:
    assert only_row(ndjson({**SHOPIFY, "status": status}))["status"] == expected


def test_missing_and_unknown_status_are_noted() -> None:
    missing = {k: v for k, v in SHOPIFY.items() if k != "status"}
    result = read(ndjson(missing, {**SHOPIFY, "status": "mystery"}))
    assert result.events.get_column("status").cast(pl.String).to_list() == ["ok", "warning"]
    assert (result.notes["status_missing"], result.notes["unknown_status"]) == (1, 1)


def test_flow_falls_back_to_endpoint_then_folder_then_file_name() -> None:
    plain = {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "A"}}
    assert only_row(ndjson({**plain, "endpoint": "/hooks/x"}))["flow"] == "/hooks/x"
    assert only_row(ndjson(plain), file="exports/shop-a/log.ndjson")["flow"] == "exports/shop-a"
    assert only_row(ndjson(plain), file="log.ndjson")["flow"] == "log.ndjson"


def test_run_id_falls_back_to_file_and_line() -> None:
    plain = {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "A"}}
    result = read(ndjson(plain, plain))
    assert result.events.get_column("run_id").to_list() == [f"{FILE}:1", f"{FILE}:2"]
    assert result.events.get_column("_delivery_key").to_list() == [None, None]


def test_tz_reads_naive_receive_times_in_that_zone() -> None:
    record = {**SHOPIFY, "received_at": "2026-04-06 05:12:04"}
    utc_row = only_row(ndjson(record))
    ny = read(ndjson(record), tz="America/New_York")
    assert utc_row["received_at"] == utc(2026, 4, 6, 5, 12, 4)
    assert ny.events.row(0, named=True)["received_at"] == utc(2026, 4, 6, 9, 12, 4)
    assert ny.notes["naive_timestamp"] == 1


# --- accounting and rejections ---------------------------------------------------------


def test_malformed_lines_are_rejected_with_exact_accounting() -> None:
    data = (
        b"\xef\xbb\xbf"
        + ndjson(
            SHOPIFY,
            "",
            '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": ',
            "   ",
            "not json at all",
            "[1, 2]",
            {**SHOPIFY, "received_at": None},
            {**SHOPIFY, "received_at": "yesterday-ish"},
            {**SHOPIFY, "received_at": "1970-01-01T00:00:00Z"},
            '{"a": 1}{"b": 2}',
            SHOPIFY,
        )
        + b"\n"
    )
    result = read(data)
    assert result.records_seen == 9
    assert result.events.height == 2
    assert result.events.get_column("line").to_list() == [1, 11]
    assert [(r.line, r.record, r.reason) for r in result.rejections] == [
        (3, 2, "truncated_record"),
        (5, 3, "invalid_json"),
        (6, 4, "not_an_object"),
        (7, 5, "missing_field"),
        (8, 6, "unparseable_timestamp"),
        (9, 7, "unparseable_timestamp"),
        (10, 8, "trailing_garbage"),
    ]
    assert "sentinel" in result.rejections[5].detail
    assert all(r.file == FILE and r.detail.endswith(".") for r in result.rejections)
    first_bad = result.rejections[0]
    assert first_bad.offset == data.index(b'{"received_at": "2026-04-06T09:12:04Z", "body"')
    assert first_bad.excerpt.startswith('{"received_at"')
    assert result.notes["bom_stripped"] == 1


@pytest.mark.parametrize(
    "stamp", ["2026-04-06T09:12:04+24:00", "0001-01-01T00:00:00+00:60", "9999-12-31T23:59:59-23:59"]
)
def test_offset_python_cannot_apply_rejects_its_line_not_the_file(stamp: str) -> None:
    # dateutil reads these; converting them to UTC raised and cost the whole file.
    result = read(ndjson(SHOPIFY, {**SHOPIFY, "received_at": stamp}, SHOPIFY))
    assert result.events.get_column("line").to_list() == [1, 3]
    # 0001-01-01 is a sentinel date, rejected as one before its offset is read.
    assert [r.line for r in result.rejections] == [2]


def test_bracketed_banner_line_is_rejected_alone_not_read_as_a_json_list() -> None:
    result = read(ndjson("[2026-04-06 00:00:00] export started", SHOPIFY))
    assert result.events.get_column("line").to_list() == [2]
    assert [(r.line, r.reason) for r in result.rejections] == [(1, "invalid_json")]


def test_crlf_file_reads_and_excerpts_without_carriage_returns() -> None:
    data = ndjson(SHOPIFY, {**SHOPIFY, "received_at": "never"}).replace(b"\n", b"\r\n")
    result = read(data + b"\r\n")
    assert result.events.height == 1
    assert not result.rejections[0].excerpt.endswith("\r")
    assert "mixed_line_endings" not in result.notes


def test_excerpt_is_at_most_200_characters() -> None:
    result = read(ndjson("x" * 1000))
    assert len(result.rejections[0].excerpt) == 200


def test_empty_file_has_no_records() -> None:
    result = read(b"\n  \n")
    assert (result.records_seen, result.events.height, result.rejections) == (0, 0, [])


def test_json_list_gives_the_line_of_each_opening_brace() -> None:
    records = [SHOPIFY, {"oops": True}, delivery("2026-04-06T09:13:00Z", "w-2")]
    text = "[\n" + ",\n".join(json.dumps(r, indent=2) for r in records) + "\n]\n"
    result = read(text.encode(), file="webhooks/page-1.json")
    starts = [i + 1 for i, line in enumerate(text.split("\n")) if line == "{"]
    assert result.records_seen == 3
    assert result.events.get_column("line").to_list() == [starts[0], starts[2]]
    assert result.events.get_column("record").to_list() == [1, 3]
    assert [(r.line, r.record, r.reason) for r in result.rejections] == [
        (starts[1], 2, "missing_field")
    ]


def test_minified_json_list_numbers_records_and_keeps_run_ids_unique() -> None:
    plain = {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "A"}}
    result = read(json.dumps([plain, plain]).encode(), file="w.json")
    assert result.events.select("line", "record", "run_id").rows() == [
        (1, 1, "w.json:1#1"),
        (1, 2, "w.json:1#2"),
    ]


def test_json_list_cut_part_way_keeps_the_records_before() -> None:
    text = "[" + json.dumps(SHOPIFY) + ",\n" + json.dumps(SHOPIFY)[:50]
    result = read(text.encode())
    assert (result.records_seen, result.events.height) == (2, 1)
    assert [(r.line, r.reason) for r in result.rejections] == [(2, "truncated_record")]


def test_pretty_printed_single_delivery_is_one_record() -> None:
    result = read(json.dumps(SHOPIFY, indent=2).encode())
    assert (result.records_seen, result.events.height) == (1, 1)


# --- finalize: attempts and duplicates -------------------------------------------------


def combined(*files: tuple[str, bytes]) -> pl.DataFrame:
    frames = [read(data, file=name).events for name, data in files]
    return pl.concat(frames).sort(["file", "record"])


def test_attempts_rank_redeliveries_by_receive_time_across_files() -> None:
    page1 = ndjson(
        delivery("2026-04-06T10:00:00Z", "w-1"),
        delivery("2026-04-06T09:00:00Z", "w-2"),
    )
    page2 = ndjson(
        delivery("2026-04-06T09:30:00Z", "w-1"),
        delivery("2026-04-06T09:00:00Z", "w-1"),
        {"received_at": "2026-04-06T09:00:00Z", "body": {"sku": "A"}},
    )
    events = PARSER.finalize(combined(("a.ndjson", page1), ("b.ndjson", page2)))
    assert events.select("file", "record", "_delivery_key", "attempt").rows() == [
        ("a.ndjson", 1, "w-1", 3),
        ("a.ndjson", 2, "w-2", 1),
        ("b.ndjson", 1, "w-1", 2),
        ("b.ndjson", 2, "w-1", 1),
        ("b.ndjson", 3, None, 1),
    ]
    assert conform(events, EVENT_SCHEMA, what="finalize").height == 5


def test_equal_receive_time_in_two_files_is_a_duplicate_not_a_retry() -> None:
    same = "2026-04-06T09:00:00Z"
    page_b = ndjson(delivery(same, "w-1", status=500), delivery(same, "w-1", status=200))
    page_a = ndjson(delivery(same, "w-1", status=503))
    events = PARSER.finalize(combined(("b.ndjson", page_b), ("a.ndjson", page_a)))
    # Same key, receive time and run id: b's rows repeat the copy already read from a.
    assert events.select("file", "record", "attempt").rows() == [("a.ndjson", 1, 1)]


def test_attempt_ties_at_equal_receive_time_go_by_file_then_record() -> None:
    same = utc(2026, 4, 6, 9)
    rows = combined(("x.ndjson", ndjson(SHOPIFY))).head(0)
    frame = pl.concat(
        [
            rows,
            pl.DataFrame(
                {
                    "file": ["b.ndjson", "a.ndjson", "a.ndjson"],
                    "record": [1, 2, 1],
                    "run_id": ["r3", "r2", "r1"],
                    "received_at": [same, same, same],
                    "_delivery_key": ["k", "k", "k"],
                }
            ),
        ],
        how="diagonal_relaxed",
    )
    events = PARSER.finalize(frame)
    assert events.select("file", "record", "attempt").rows() == [
        ("a.ndjson", 1, 1),
        ("a.ndjson", 2, 2),
        ("b.ndjson", 1, 3),
    ]


def test_attempt_ties_within_one_file_go_by_record() -> None:
    same = "2026-04-06T09:00:00Z"
    events = PARSER.finalize(
        read(ndjson(delivery(same, "w-1", status=500), delivery(same, "w-1"))).events
    )
    assert events.select("record", "attempt").rows() == [(1, 1), (2, 2)]


def test_delivery_exported_twice_across_pages_is_kept_once() -> None:
    shared = delivery("2026-04-06T09:00:00Z", "w-9")
    page1 = ndjson(delivery("2026-04-06T08:00:00Z", "w-8"), shared)
    page2 = ndjson(shared, delivery("2026-04-06T09:05:00Z", "w-9"))
    both = combined(("page-1.ndjson", page1), ("page-2.ndjson", page2))
    events = PARSER.finalize(both)
    assert events.select("file", "record", "attempt").rows() == [
        ("page-1.ndjson", 1, 1),
        ("page-1.ndjson", 2, 1),
        ("page-2.ndjson", 2, 2),
    ]
    assert duplicates(both).rows() == [("page-2.ndjson", 1, 1, "page-1.ndjson", 2)]


def test_finalize_of_no_rows_is_empty() -> None:
    events = PARSER.finalize(read(b"").events)
    assert events.height == 0
    assert conform(events, what="finalize").height == 0


# --- sniffing --------------------------------------------------------------------------


def test_sniff_accepts_ndjson_and_json_list_webhook_logs() -> None:
    assert PARSER.sniff(ndjson(SHOPIFY, SHOPIFY), "x.ndjson") >= 0.9
    assert PARSER.sniff(json.dumps([SHOPIFY], indent=2).encode(), "x.json") >= 0.9
    bom = codecs.BOM_UTF8 + ndjson(SHOPIFY)
    assert PARSER.sniff(bom, "x.log") >= 0.9
    no_headers = {"ts": 1775466724, "payload": {"sku": "A"}}
    assert 0 < PARSER.sniff(ndjson(no_headers), "x") < 0.9


def test_sniff_accepts_a_first_record_longer_than_the_window() -> None:
    big = {**SHOPIFY, "body": {"blob": "x" * 70_000}}
    head = ndjson(big)[: 64 * 1024]
    assert 0 < PARSER.sniff(head, "x.ndjson") < 0.9


def test_sniff_rejects_a_make_scenario_logs_document() -> None:
    doc = {
        "scenarioLogs": [
            {
                "imtId": "1775466723497_scenario.4711.auto.0f3a",
                "id": "0f3a",
                "status": 1,
                "timestamp": "2026-04-06T09:12:03.497Z",
                "body": {},
            }
        ],
        "pg": {"limit": 50},
    }
    assert PARSER.sniff(json.dumps(doc, indent=2).encode(), "logs.json") == 0


def test_sniff_rejects_a_zapier_run_and_a_boomi_record() -> None:
    zap = {
        "id": "7d0c1f52",
        "zap_id": 204418877,
        "status": "success",
        "timestamp": "2026-04-06T10:04:12Z",
        "data_in": {"sku": "A"},
        "payload": {},
    }
    boomi = {"@type": "ExecutionRecord", "time": "2026-04-06T08:00:00Z", "request": {}}
    assert PARSER.sniff(ndjson(zap), "runs.ndjson") == 0
    assert PARSER.sniff(json.dumps([boomi]).encode(), "boomi.json") == 0


def test_sniff_rejects_csv_and_text() -> None:
    csv = b"received_at,endpoint,status,body\n2026-04-06T09:12:04Z,/hooks,200,{}\n"
    assert PARSER.sniff(csv, "hooks.csv") == 0
    assert PARSER.sniff(b"2026-04-06T08:00:00Z\tINFO\tStart\t\tExecuting Process\n", "x") == 0
    assert PARSER.sniff(b"", "empty") == 0


# --- robustness ------------------------------------------------------------------------

LINES = st.one_of(
    st.just(json.dumps(SHOPIFY)),
    st.just('{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": '),
    st.just("[1, 2]"),
    st.just(""),
    st.text(max_size=40),
    st.builds(lambda s: json.dumps({**SHOPIFY, "received_at": s}), st.text(max_size=20)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINES, max_size=12), st.sampled_from(["", "[", "\ufeff"]))
def test_any_mix_of_lines_keeps_the_accounting(lines: list[str], prefix: str) -> None:
    result = read((prefix + "\n".join(lines)).encode("utf-8", errors="surrogatepass"))
    assert all(r.reason in REJECTION_REASONS for r in result.rejections)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    read(data)
    PARSER.sniff(data, "x")
