"""Boomi per-document tracking (FORMATS.md "Boomi", boomi.documents)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from forensics.config import PayloadKeys
from forensics.schema import MAPPING_SCHEMA, REJECTION_REASONS, conform
from parsers._base import Fact, ParseContext, ParseResult
from parsers.boomi import execution_records
from parsers.boomi.documents import PARSER

PAYLOAD = asdict(PayloadKeys())
PROCESS = "WMS to ERP inventory sync"


def eid(n: int) -> str:
    return f"execution-1a2b3c4d-0000-4e5f-8a9b-{n:012d}-2026.04.06"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def doc(
    execution: int, index: int | None, tracked: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """A GenericConnectorRecord with tracked fields; None removes a field."""
    base: dict[str, Any] = {
        "@type": "GenericConnectorRecord",
        "id": f"conn-rec-{execution}-{index}",
        "executionId": eid(execution),
        "connectionName": "NetSuite",
        "operationName": "Upsert inventory",
        "actionType": "Send",
        "dateProcessed": "2026-04-06T08:00:03Z",
        "status": "SUCCESS",
        "retryable": True,
        "incrementalDocumentIndex": index,
        "trackedFields": {"trackedField": [{"name": k, "value": v} for k, v in tracked.items()]},
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


STOCK = {"SKU": "SKU-A", "LocationCode": "DC1", "OnHand": "847", "QuantityOnHand": "835"}


def page(*records: dict[str, Any]) -> bytes:
    return json.dumps({"@type": "QueryResult", "result": list(records)}, indent=2).encode()


def execution(n: int, **fields: Any) -> dict[str, Any]:
    base = {
        "@type": "ExecutionRecord",
        "executionId": eid(n),
        "executionType": "exec_sched",
        "processName": PROCESS,
        "status": "COMPLETE",
        "executionTime": "2026-04-06T07:59:58Z",
        "recordedDate": "2026-04-06T08:00:05Z",
    }
    base.update(fields)
    return base


def read(data: bytes, file: str = "boomi/documents-1.json", **payload: Any) -> ParseResult:
    ctx = ParseContext(file, ZoneInfo("UTC"), {**PAYLOAD, **payload})
    result = PARSER.read(data, ctx)
    rows = result.events.height
    assert result.records_seen == rows + result.absorbed + len(result.rejections)
    assert all(r.reason in REJECTION_REASONS for r in result.rejections)
    conform(result.events, what="boomi.documents read")
    conform(result.mappings, MAPPING_SCHEMA, what="boomi.documents mappings")
    return result


def execution_facts(*records: dict[str, Any]) -> list[Fact]:
    ctx = ParseContext("boomi/executions.json", ZoneInfo("UTC"), PAYLOAD)
    data = json.dumps({"@type": "QueryResult", "result": list(records)}, indent=2).encode()
    return execution_records.PARSER.read(data, ctx).facts


def load(files: dict[str, bytes], facts: list[Fact] | None = None) -> pl.DataFrame:
    results = [read(data, name) for name, data in files.items()]
    every = sorted([f for r in results for f in r.facts] + (facts or []), key=lambda f: f.file)
    events = pl.concat([r.events for r in results if r.events.height], how="diagonal_relaxed")
    out = PARSER.finalize(events.sort(["file", "record"], maintain_order=True), every)
    conform(out, what="boomi.documents finalize")
    return out


# --- rows -------------------------------------------------------------------------------


def test_document_with_tracked_fields_becomes_a_record_level_row() -> None:
    tracked = {**STOCK, "updated_at": "2026-04-06T07:59:00Z", "movement_id": "mv-1"}
    row = read(page(doc(1, 1, tracked))).events.row(0, named=True)
    assert row["source"] == "boomi"
    assert row["format"] == "boomi.documents"
    assert row["run_id"] == eid(1)
    assert row["_document_key"] == f"{eid(1)}#1"
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-A", "DC1", 835.0)
    assert row["occurred_at"] == utc(2026, 4, 6, 7, 59)
    assert row["event_id"] == "mv-1"
    assert row["processed_at"] == utc(2026, 4, 6, 8, 0, 3)
    assert row["status"] == "ok"


@pytest.mark.parametrize(
    ("boomi_status", "status", "noted"),
    [("SUCCESS", "ok", 0), ("ERROR", "error", 0), ("RETRYING", "warning", 1)],
)
def test_document_statuses_map(boomi_status: str, status: str, noted: int) -> None:
    result = read(page(doc(1, 1, STOCK, status=boomi_status)))
    assert result.events["status"].to_list() == [status]
    assert result.notes["unknown_status"] == noted


def test_document_key_falls_back_to_the_record_id_then_the_position() -> None:
    result = read(page(doc(1, None, STOCK), doc(1, None, STOCK, id=None)))
    assert result.events["run_id"].to_list() == [eid(1), eid(1)]
    keys = result.events["_document_key"].to_list()
    assert keys == [f"{eid(1)}#conn-rec-1-None", f"{eid(1)}#record2"]
    assert result.notes["no_document_index"] == 1


def test_tracked_names_match_case_and_separator_insensitively() -> None:
    tracked = {"sku": "SKU-B", "WAREHOUSE": "DC2", "Qty": "4"}
    row = read(page(doc(1, 1, tracked))).events.row(0, named=True)
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-B", "DC2", 4.0)


# --- quantity rule and mapping evidence -------------------------------------------------


def test_destination_quantity_wins_and_the_source_maps_into_it() -> None:
    result = read(page(doc(1, 1, {"SKU": "A"}), doc(1, 2, STOCK)))
    assert result.events["quantity"].to_list() == [None, 835.0]
    assert result.mappings.rows() == [
        (1, f"execution:{eid(1)}", "trackedFields.OnHand", 847.0,
         "trackedFields.QuantityOnHand", 835.0),
    ]  # fmt: skip


def test_every_source_quantity_pairs_with_the_destination() -> None:
    tracked = {"SKU": "A", "Qty": "10", "OnHand": "12", "QuantityOnHand": "10", "Note": "7"}
    result = read(page(doc(1, 1, tracked)))
    assert result.events["quantity"].to_list() == [10.0]
    pairs = result.mappings.select("src_field", "dst_field").rows()
    assert pairs == [
        ("trackedFields.Qty", "trackedFields.QuantityOnHand"),
        ("trackedFields.OnHand", "trackedFields.QuantityOnHand"),
    ]


def test_fields_of_the_same_side_give_no_mapping() -> None:
    # Which of qty / available was written is unknown: no direction, no evidence.
    result = read(page(doc(1, 1, {"SKU": "A", "available": "9", "qty": "8"})))
    assert result.events["quantity"].to_list() == [8.0]  # list order: qty before available
    assert result.mappings.is_empty()


def test_configured_quantity_field_is_the_destination() -> None:
    tracked = {"SKU": "A", "Stock": "50", "ErpQty": "48"}
    result = read(page(doc(1, 1, tracked)), quantity=("ErpQty",))
    assert result.events["quantity"].to_list() == [48.0]
    assert result.mappings.select("src_field", "dst_field").rows() == [
        ("trackedFields.Stock", "trackedFields.ErpQty")
    ]


def test_marked_source_and_target_fields() -> None:
    tracked = {"SKU": "A", "SourceQty": "20", "TargetQty": "18"}
    result = read(page(doc(1, 1, tracked)))
    assert result.events["quantity"].to_list() == [18.0]
    assert result.mappings.select("src_value", "dst_value").rows() == [(20.0, 18.0)]


def test_non_numeric_quantity_is_noted_not_written() -> None:
    result = read(page(doc(1, 1, {"SKU": "A", "QuantityOnHand": "n/a"})))
    assert result.events["quantity"].to_list() == [None]
    assert result.notes["non_numeric_quantity"] == 1


def test_mapping_rows_index_the_file_events_after_rejections() -> None:
    data = page(doc(1, 1, STOCK, executionId=None), doc(1, 2, STOCK))
    result = read(data)
    assert result.events.height == 1
    assert result.mappings["row"].to_list() == [0]


# --- execution records ------------------------------------------------------------------


def test_document_takes_flow_time_attempt_and_event_from_its_execution() -> None:
    facts = execution_facts(
        execution(1),
        execution(2, executionType="retry_sched", originalExecutionId=eid(1),
                  executionTime="2026-04-06T08:30:00Z"),
    )  # fmt: skip
    out = load({"d.json": page(doc(1, 1, STOCK), doc(2, 1, STOCK))}, facts)
    assert out.select("flow", "received_at", "attempt", "event_id").rows() == [
        (PROCESS, utc(2026, 4, 6, 7, 59, 58), 1, eid(1)),
        (PROCESS, utc(2026, 4, 6, 8, 30), 2, eid(1)),
    ]
    assert out["_note"].to_list() == [None, None]


def test_document_without_execution_record_is_kept_and_marked() -> None:
    out = load({"d.json": page(doc(7, 1, STOCK))})
    row = out.row(0, named=True)
    assert row["flow"] == f"execution:{eid(7)}"
    assert row["received_at"] == row["processed_at"] == utc(2026, 4, 6, 8, 0, 3)
    assert (row["attempt"], row["event_id"], row["_note"]) == (1, eid(7), "no_execution_record")


def test_documents_fact_once_per_execution() -> None:
    result = read(page(doc(1, 1, STOCK), doc(1, 2, STOCK, status="ERROR"), doc(2, 1, STOCK)))
    assert [(f.kind, f.key, dict(f.values)) for f in result.facts] == [
        ("boomi.documents", eid(1), {"documents": 2, "errors": 1}),
        ("boomi.documents", eid(2), {"documents": 1, "errors": 0}),
    ]
    assert [f.line for f in result.facts] == result.events["line"].to_list()[::2]


def test_documents_exported_on_two_pages_are_kept_once() -> None:
    out = load({"a.json": page(doc(1, 1, STOCK)), "b.json": page(doc(1, 1, STOCK), doc(1, 2, {}))})
    assert out.select("file", "record", "run_id").rows() == [
        ("a.json", 1, eid(1)),
        ("b.json", 2, eid(1)),
    ]


def test_whole_second_ties_keep_file_order() -> None:
    records = [doc(1, i, {"SKU": f"S{i}"}) for i in (3, 1, 2)]
    out = load({"d.json": page(*records)}, execution_facts(execution(1)))
    assert out["sku"].to_list() == ["S3", "S1", "S2"]


# --- XML and malformed records ----------------------------------------------------------

XML = """<?xml version="1.0" encoding="UTF-8"?>
<bns:QueryResult xmlns:bns="http://api.platform.boomi.com/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <bns:result xsi:type="bns:GenericConnectorRecord">
    <bns:executionId>{eid}</bns:executionId>
    <bns:incrementalDocumentIndex>1</bns:incrementalDocumentIndex>
    <bns:dateProcessed>2026-04-06T08:00:03Z</bns:dateProcessed>
    <bns:status>SUCCESS</bns:status>
    <bns:trackedFields>
      <bns:trackedField><bns:name>SKU</bns:name><bns:value>SKU-A</bns:value></bns:trackedField>
      <bns:trackedField><bns:name>OnHand</bns:name><bns:value>847</bns:value></bns:trackedField>
      <bns:trackedField name="QuantityOnHand" value="835"/>
    </bns:trackedFields>
  </bns:result>
</bns:QueryResult>
"""


def test_xml_documents_read_like_json() -> None:
    data = XML.format(eid=eid(1)).encode()
    assert PARSER.sniff(data, "d.xml") > 0.9
    result = read(data, "d.xml")
    assert result.events.select("line", "sku", "quantity").rows() == [(4, "SKU-A", 835.0)]
    assert result.mappings.select("src_value", "dst_value").rows() == [(847.0, 835.0)]


def test_malformed_documents_are_rejected_with_their_lines() -> None:
    data = page(
        doc(1, 1, STOCK, executionId=None),
        doc(1, 2, STOCK, dateProcessed=None),
        doc(1, 3, STOCK, dateProcessed="not a date"),
        doc(1, 4, STOCK),
    )
    result = read(data)
    lines = [n + 1 for n, text in enumerate(data.decode().split("\n")) if text == "    {"]
    assert [(r.line, r.record, r.reason) for r in result.rejections] == [
        (lines[0], 1, "missing_field"),
        (lines[1], 2, "missing_field"),
        (lines[2], 3, "unparseable_timestamp"),
    ]
    assert result.events["_document_key"].to_list() == [f"{eid(1)}#4"]
