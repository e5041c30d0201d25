"""Boomi ExecutionRecord pages (FORMATS.md "Boomi", boomi.execution_records)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from forensics.config import PayloadKeys
from forensics.schema import REJECTION_REASONS, conform
from parsers._base import Fact, ParseContext, ParseResult
from parsers.boomi.execution_records import PARSER

PAYLOAD = asdict(PayloadKeys())
PROCESS = "WMS to ERP inventory sync"


def eid(n: int) -> str:
    return f"execution-5b1e2c7a-9f0d-4d3e-8a21-{n:012d}-2026.04.06"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def record(n: int, **fields: Any) -> dict[str, Any]:
    """An ExecutionRecord as Boomi's JSON API returns it; None removes a field."""
    base: dict[str, Any] = {
        "@type": "ExecutionRecord",
        "executionId": eid(n),
        "executionType": "exec_sched",
        "processName": PROCESS,
        "atomName": "prod-molecule",
        "status": "COMPLETE",
        "executionTime": "2026-04-06T08:00:00Z",
        "recordedDate": "2026-04-06T08:00:04Z",
        "executionDuration": 4210,
        "inboundDocumentCount": 3,
        "message": "",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def retry(n: int, original: int, kind: str = "retry_sched", **fields: Any) -> dict[str, Any]:
    return record(n, executionType=kind, originalExecutionId=eid(original), **fields)


def page(*records: dict[str, Any]) -> bytes:
    envelope = {
        "@type": "QueryResult",
        "result": list(records),
        "numberOfResults": len(records),
        "queryToken": "EXAMPLE-TOKEN",
    }
    return json.dumps(envelope, indent=2).encode()


def read(data: bytes, file: str = "boomi/executions-1.json") -> ParseResult:
    result = PARSER.read(data, ParseContext(file, ZoneInfo("UTC"), PAYLOAD))
    rows = result.events.height
    assert result.records_seen == rows + result.absorbed + len(result.rejections)
    assert all(r.reason in REJECTION_REASONS for r in result.rejections)
    conform(result.events, what="boomi.execution_records read")
    return result


def load(files: dict[str, bytes], extra: list[Fact] | None = None) -> pl.DataFrame:
    """Read page files and finalize them as the loader does."""
    results = [read(data, name) for name, data in files.items()]
    facts = sorted(
        [f for r in results for f in r.facts] + (extra or []), key=lambda f: (f.file, f.line)
    )
    events = pl.concat([r.events for r in results if r.events.height], how="diagonal_relaxed")
    out = PARSER.finalize(events.sort(["file", "record"], maintain_order=True), facts)
    return conform(out, what="boomi.execution_records finalize")


# --- rows -------------------------------------------------------------------------------


def test_execution_record_becomes_one_run_level_row() -> None:
    row = load({"p.json": page(record(1))}).row(0, named=True)
    assert row["source"] == "boomi"
    assert row["format"] == "boomi.execution_records"
    assert row["flow"] == PROCESS
    assert row["run_id"] == eid(1)
    assert row["event_id"] == eid(1)
    assert row["attempt"] == 1
    assert row["sku"] is None and row["quantity"] is None
    assert row["received_at"] == utc(2026, 4, 6, 8, 0, 0)
    assert row["processed_at"] == utc(2026, 4, 6, 8, 0, 4)
    assert row["status"] == "ok"


@pytest.mark.parametrize(
    ("boomi_status", "status"),
    [
        ("COMPLETE", "ok"),
        ("COMPLETE_WARN", "warning"),
        ("ERROR", "error"),
        ("ABORTED", "error"),
        ("DISCARDED", "discarded"),
        ("INPROCESS", "pending"),
        ("STARTED", "pending"),
        ("ENQUEUED", "pending"),
        ("ABORTED_RECOVERING", "pending"),
    ],
)
def test_every_documented_status_maps(boomi_status: str, status: str) -> None:
    result = read(page(record(1, status=boomi_status)))
    assert result.events["status"].to_list() == [status]
    assert "unknown_status" not in result.notes


def test_unknown_status_is_a_warning_with_a_note() -> None:
    result = read(page(record(1, status="PAUSED"), record(2, status=None)))
    assert result.events["status"].to_list() == ["warning", "warning"]
    assert result.notes["unknown_status"] == 2


def test_missing_recorded_date_falls_back_to_time_plus_duration() -> None:
    result = read(page(record(1, recordedDate=None, executionDuration=4210)))
    assert result.events["processed_at"].to_list() == [datetime(2026, 4, 6, 8, 0, 4, 210000, UTC)]


def test_long_typed_duration_is_read() -> None:
    # Boomi's JSON may type longs as ["Long", n].
    result = read(page(record(1, recordedDate=None, executionDuration=["Long", 1500])))
    assert result.events["processed_at"].to_list() == [datetime(2026, 4, 6, 8, 0, 1, 500000, UTC)]


def test_pending_execution_without_end_has_no_processed_at() -> None:
    data = page(record(1, status="INPROCESS", recordedDate=None, executionDuration=None))
    assert read(data).events["processed_at"].to_list() == [None]


def test_envelope_and_bare_list_give_the_same_rows_with_brace_lines() -> None:
    records = [record(1), record(2, executionTime="2026-04-06T08:05:00Z")]
    bare = json.dumps(records, indent=2).encode()
    enveloped = read(page(*records)).events
    listed = read(bare).events
    assert listed.drop("line").equals(enveloped.drop("line"))
    # Each record's line is the line of its opening brace.
    text = bare.decode().split("\n")
    assert [text[n - 1].strip() for n in listed["line"].to_list()] == ["{", "{"]


def test_empty_page_has_no_records() -> None:
    result = read(json.dumps({"@type": "QueryResult", "numberOfResults": 0}).encode())
    assert (result.records_seen, result.events.height) == (0, 0)


def test_every_record_read_emits_an_execution_fact() -> None:
    result = read(page(record(1), retry(2, 1, status="ERROR")))
    facts = {f.key: f for f in result.facts}
    assert set(facts) == {eid(1), eid(2)}
    fact = facts[eid(2)]
    assert fact.kind == "boomi.execution"
    assert fact.values["processName"] == PROCESS
    assert fact.values["executionType"] == "retry_sched"
    assert fact.values["originalExecutionId"] == eid(1)
    assert fact.values["status"] == "ERROR"
    assert fact.values["executionTime"].startswith("2026-04-06T08:00:00")
    assert fact.line == result.events.filter(pl.col("run_id") == eid(2))["line"][0]


def test_process_id_names_the_flow_when_the_name_is_missing() -> None:
    result = read(page(record(1, processName=None, processId="a1b2")))
    assert result.events["flow"].to_list() == ["process:a1b2"]
    assert result.notes["no_process_name"] == 1


# --- retries, duplicates, ties ----------------------------------------------------------


def test_retry_chains_of_depth_one_to_three_across_two_pages() -> None:
    # Page 2 holds the first executions, page 1 the retries (newest first, as Boomi pages).
    first = {
        "p1.json": page(
            retry(4, 3, "retry_manual"),  # 4 -> 3 -> 2 -> 1: depth 3
            retry(3, 2),  # depth 2
            retry(12, 99),  # original 99 is not in the export: one step
            retry(13, 12),  # 13 -> 12 -> (99): depth 2
        ),
        "p2.json": page(retry(2, 1), record(1)),
    }
    out = load(first).select("run_id", "attempt", "event_id")
    got = {run: (attempt, event) for run, attempt, event in out.iter_rows()}
    assert got == {
        eid(1): (1, eid(1)),
        eid(2): (2, eid(1)),
        eid(3): (3, eid(1)),
        eid(4): (4, eid(1)),
        eid(12): (2, eid(99)),
        eid(13): (3, eid(99)),
    }


def test_retry_without_original_is_still_a_retry() -> None:
    result = read(page(record(1, executionType="retry_manual")))
    assert result.notes["retry_without_original"] == 1
    assert load({"p.json": page(record(1, executionType="retry_manual"))})["attempt"][0] == 2


def test_non_retry_with_original_id_is_a_first_execution() -> None:
    # sub_process runs name their caller elsewhere; only retry types carry documents again.
    data = page(record(2, executionType="exec_manual", originalExecutionId=eid(1)))
    row = load({"p.json": data}).row(0, named=True)
    assert (row["attempt"], row["event_id"]) == (1, eid(2))


def test_duplicates_across_pages_keep_the_first_locator() -> None:
    out = load(
        {
            "p1.json": page(record(1), record(2, status="INPROCESS")),
            "p2.json": page(record(2, status="COMPLETE"), record(3)),
        }
    )
    assert out["run_id"].to_list() == [eid(1), eid(2), eid(3)]
    kept = out.filter(pl.col("run_id") == eid(2)).row(0, named=True)
    assert (kept["file"], kept["status"]) == ("p1.json", "pending")


def test_whole_second_ties_keep_file_order() -> None:
    same = "2026-04-06T08:00:00Z"
    records = [record(n, executionTime=same, recordedDate=same) for n in (5, 3, 9, 1)]
    out = load({"p.json": page(*records)})
    assert out["run_id"].to_list() == [eid(5), eid(3), eid(9), eid(1)]
    assert out["record"].to_list() == [1, 2, 3, 4]


def test_execution_row_is_dropped_when_its_documents_exist() -> None:
    documents = Fact("boomi.documents", eid(2), {"documents": 3}, "docs.json", 4)
    out = load({"p.json": page(record(1), record(2))}, [documents])
    assert out["run_id"].to_list() == [eid(1)]


# --- XML -------------------------------------------------------------------------------

XML_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<{p}:QueryResult xmlns:{p}="http://api.platform.boomi.com/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" numberOfResults="2">
  <{p}:result xsi:type="{p}:ExecutionRecord">
    <{p}:executionId>{one}</{p}:executionId>
    <{p}:processName>{process}</{p}:processName>
    <{p}:status>COMPLETE</{p}:status>
    <{p}:executionType>exec_sched</{p}:executionType>
    <{p}:executionTime>2026-04-06T08:00:00Z</{p}:executionTime>
    <{p}:recordedDate>2026-04-06T08:00:04Z</{p}:recordedDate>
    <{p}:executionDuration>4210</{p}:executionDuration>
  </{p}:result>
  <{p}:result xsi:type="{p}:ExecutionRecord">
    <{p}:executionId>{two}</{p}:executionId>
    <{p}:originalExecutionId>{one}</{p}:originalExecutionId>
    <{p}:processName>{process}</{p}:processName>
    <{p}:status>ERROR</{p}:status>
    <{p}:executionType>retry_manual</{p}:executionType>
    <{p}:executionTime>2026-04-06T08:10:00Z</{p}:executionTime>
    <{p}:executionDuration>1500</{p}:executionDuration>
  </{p}:result>
  <{p}:queryToken>EXAMPLE-TOKEN</{p}:queryToken>
</{p}:QueryResult>
"""


@pytest.mark.parametrize("prefix", ["bns", "ns2"])
def test_xml_query_result_with_any_prefix_reads_like_json(prefix: str) -> None:
    xml = XML_PAGE.format(p=prefix, one=eid(1), two=eid(2), process=PROCESS).encode()
    assert PARSER.sniff(xml, "page.xml") > 0.9
    result = read(xml, "page.xml")
    assert result.rejections == []
    assert result.events["line"].to_list() == [4, 13]  # the result start tags
    out = load({"page.xml": xml})
    assert out.select("run_id", "attempt", "event_id", "status").rows() == [
        (eid(1), 1, eid(1), "ok"),
        (eid(2), 2, eid(1), "error"),
    ]
    assert out["processed_at"][1] == datetime(2026, 4, 6, 8, 10, 1, 500000, UTC)


# --- malformed records ------------------------------------------------------------------


def test_malformed_records_are_rejected_with_their_lines() -> None:
    records = [
        record(1),
        record(2, executionId=None),
        record(3, executionTime=None),
        record(4, executionTime="yesterday-ish"),
        record(5, processName=None),
        record(6),
    ]
    data = page(*records)
    result = read(data)
    assert result.records_seen == 6
    assert result.events["run_id"].to_list() == [eid(1), eid(6)]
    lines = [n + 1 for n, text in enumerate(data.decode().split("\n")) if text == "    {"]
    got = [(r.line, r.record, r.reason) for r in result.rejections]
    assert got == [
        (lines[1], 2, "missing_field"),
        (lines[2], 3, "missing_field"),
        (lines[3], 4, "unparseable_timestamp"),
        (lines[4], 5, "missing_field"),
    ]
    assert all(r.excerpt.startswith("{") for r in result.rejections)
    assert [f.key for f in result.facts] == [eid(1), eid(6)]


def test_truncated_page_keeps_the_records_before_the_damage() -> None:
    full = page(record(1), record(2))
    data = full[: full.rindex(b'"inboundDocumentCount"')]  # the writer died inside record 2
    result = read(data)
    assert result.events["run_id"].to_list() == [eid(1)]
    (rejection,) = result.rejections
    assert rejection.reason == "truncated_record"
    assert rejection.line == full[: full.rindex(b"    {")].count(b"\n") + 1
    assert result.records_seen == 2


def test_malformed_xml_keeps_earlier_records_and_rejects_the_rest() -> None:
    xml = XML_PAGE.format(p="bns", one=eid(1), two=eid(2), process=PROCESS)
    broken = xml.replace("<bns:status>ERROR</bns:status>", "<bns:status>ERROR</bns:stat>")
    result = read(broken.encode(), "page.xml")
    assert result.events["run_id"].to_list() == [eid(1)]
    (rejection,) = result.rejections
    assert (rejection.line, rejection.reason) == (13, "invalid_xml")
    assert "line 17" in rejection.detail
