"""Boomi process logs (FORMATS.md "Boomi", boomi.process_log)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from forensics.config import PayloadKeys
from forensics.schema import REJECTION_REASONS, conform
from parsers._base import Fact, ParseContext, ParseResult
from parsers.boomi.process_log import PARSER

PAYLOAD = asdict(PayloadKeys())
EXECUTION = "execution-68523591-b704-4e4c-abf3-ad659798a7b6-2026.04.06"
FILE = f"boomi/{EXECUTION}/process_log.txt"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def tsv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def event(time: str, level: str, shape: str, message: str, extended: str = "") -> str:
    return f"2026-04-06T{time}Z\t{level}\t{shape}\t{extended}\t{message}"


def read(data: bytes, file: str = FILE) -> ParseResult:
    result = PARSER.read(data, ParseContext(file, ZoneInfo("UTC"), PAYLOAD))
    rows = result.events.height
    assert rows <= 1
    assert result.records_seen == rows + result.absorbed + len(result.rejections)
    assert all(r.reason in REJECTION_REASONS for r in result.rejections)
    conform(result.events, what="boomi.process_log read")
    return result


LOG = tsv(
    event("08:00:00", "INFO", "initializing...", "Executing Process WMS to ERP inventory sync"),
    event("08:00:00", "INFO", "Start", "Executing Start Shape", "NoData"),
    event("08:00:01", "INFO", "Start", "12 document(s) found for processing."),
    event("08:00:01", "INFO", "Start", "Shape executed successfully in 422 ms."),
    event("08:00:02", "WARNING", "Map", "Field OnHand is empty; defaulting to 0"),
    event("08:00:03", "INFO", "Connector", "Executing Connector Shape with 12 document(s)."),
    event("08:00:04", "SEVERE", "Connector", "Upsert failed: 2 record(s) rejected"),
    "java.lang.IllegalStateException: quantity must be >= 0",
    "\tat com.boomi.connector.netsuite.Upsert.execute(Upsert.java:88)",
    event("08:00:05", "INFO", "Stop", "Shape executed successfully in 3 ms."),
)


def test_events_are_absorbed_into_one_run_row() -> None:
    result = read(LOG)
    assert (result.records_seen, result.absorbed, result.rejections) == (8, 7, [])
    row = result.events.row(0, named=True)
    assert row["source"] == "boomi"
    assert row["format"] == "boomi.process_log"
    assert row["flow"] == "WMS to ERP inventory sync"
    assert row["run_id"] == EXECUTION
    assert row["received_at"] == utc(2026, 4, 6, 8, 0, 0)
    assert row["processed_at"] == utc(2026, 4, 6, 8, 0, 5)
    assert row["status"] == "error"
    assert (row["line"], row["record"], row["attempt"], row["sku"]) == (1, 1, 1, None)


def test_continuation_lines_belong_to_the_severe_event() -> None:
    result = read(LOG)
    # 10 lines, 8 events: the two stack-trace lines are part of event 7, not records.
    assert result.records_seen == 8
    assert result.rejections == []


@pytest.mark.parametrize(
    ("levels", "status"),
    [(("INFO", "FINE"), "ok"), (("INFO", "WARNING"), "warning"), (("WARNING", "SEVERE"), "error")],
)
def test_status_from_the_worst_level(levels: tuple[str, str], status: str) -> None:
    lines = [event("08:00:0" + str(i), level, "Start", "x") for i, level in enumerate(levels)]
    assert read(tsv(*lines)).events["status"].to_list() == [status]


def test_message_facts_become_a_process_log_fact() -> None:
    (fact,) = read(LOG).facts
    assert (fact.kind, fact.key, fact.file, fact.line) == ("boomi.process_log", EXECUTION, FILE, 1)
    values = fact.values
    assert values["processName"] == "WMS to ERP inventory sync"
    assert (values["events"], values["severe"], values["warning"]) == (8, 1, 1)
    assert (values["firstTime"], values["lastTime"]) == (
        "2026-04-06T08:00:00Z",
        "2026-04-06T08:00:05Z",
    )
    assert values["documentCounts"] == [
        {"line": 3, "shape": "Start", "count": 12, "kind": "found"},
        {"line": 6, "shape": "Connector Shape", "count": 12, "kind": "executing"},
    ]
    assert values["shapeDurations"] == [
        {"line": 4, "shape": "Start", "ms": 422},
        {"line": 10, "shape": "Stop", "ms": 3},
    ]


def test_message_with_tabs_stays_one_field() -> None:
    result = read(tsv(event("08:00:00", "INFO", "Start", "a\tb\tc")))
    assert result.rejections == []


def test_malformed_lines_are_rejected_with_their_line_numbers() -> None:
    data = tsv(
        "Process log exported by a script",  # no timestamp, no event yet
        event("08:00:00", "INFO", "initializing...", "Executing Process P"),
        "2026-04-06T08:00:01Z\tINFO\tStart",  # three fields
        "  continuation of the short line",  # part of the rejected record above
        event("08:00:02", "INFO", "Start", "ok"),
        "2026-04-06T25:61:00Z\tINFO\tStart\t\tbad time",
        "",
        event("08:00:03", "INFO", "Stop", "done"),
    )
    result = read(data)
    assert [(r.line, r.record, r.reason) for r in result.rejections] == [
        (1, 1, "missing_field"),
        (3, 3, "missing_field"),
        (6, 5, "unparseable_timestamp"),
    ]
    assert (result.records_seen, result.events.height, result.absorbed) == (6, 1, 2)
    assert result.rejections[1].detail == "the event line has 3 tab-separated field(s), not 5."
    assert result.rejections[2].excerpt.startswith("2026-04-06T25:61:00Z")


def test_file_without_execution_id_is_named_after_its_stem() -> None:
    result = read(LOG, "exports/nightly-sync.log")
    row = result.events.row(0, named=True)
    assert row["run_id"] == "process:nightly-sync"
    assert row["flow"] == "WMS to ERP inventory sync"
    assert result.notes["no_execution_id"] == 1
    nameless = read(tsv(event("08:00:00", "INFO", "Start", "x")), "exports/nightly-sync.log")
    assert nameless.events["flow"].to_list() == ["process:nightly-sync"]


def test_execution_id_from_the_file_name_itself() -> None:
    result = read(LOG, f"boomi/{EXECUTION}.log")
    assert result.events["run_id"].to_list() == [EXECUTION]


def test_log_without_process_name_is_noted() -> None:
    result = read(tsv(event("08:00:00", "INFO", "Start", "Executing Start Shape")))
    assert result.events["flow"].to_list() == [f"execution:{EXECUTION}"]
    assert result.notes["no_process_name"] == 1


def test_unknown_level_counts_as_info_with_a_note() -> None:
    result = read(tsv(event("08:00:00", "DEBUG", "Start", "x")))
    assert result.events["status"].to_list() == ["ok"]
    assert result.notes["unknown_level"] == 1


@pytest.mark.parametrize("kind", ["boomi.execution", "boomi.documents"])
def test_run_row_is_dropped_when_the_execution_is_read_elsewhere(kind: str) -> None:
    result = read(LOG)
    fact = Fact(kind, EXECUTION, {}, "boomi/executions.json", 3)
    assert PARSER.finalize(result.events, [*result.facts, fact]).is_empty()
    other = Fact(kind, "execution-other", {}, "boomi/executions.json", 3)
    assert PARSER.finalize(result.events, [*result.facts, other]).height == 1


XML_LOG = """<?xml version="1.0" encoding="UTF-8" ?>
<ExecutionLogModel>
<LogEvent level="INFO" time="2026-04-06T08:00:00Z" shapename="initializing..."
 shapetype="initializing..." shapelabel="" shapeextendedinfo="">
<Message>Executing Process WMS to ERP inventory sync</Message>
</LogEvent>
<LogEvent level="SEVERE" time="2026-04-06T08:00:04Z" shapename="shape4" shapetype="Connector"
 shapelabel="" shapeextendedinfo="">
<Message>Upsert failed
java.lang.IllegalStateException: quantity must be &gt;= 0</Message>
</LogEvent>
<LogEvent level="INFO" shapename="shape5" shapetype="Stop" shapelabel="" shapeextendedinfo="">
<Message>no time attribute</Message>
</LogEvent>
<LogEvent level="INFO" time="2026-04-06T08:00:05Z" shapename="shape5" shapetype="Stop"
 shapelabel="" shapeextendedinfo="">
<Message>Shape executed successfully in 3 ms.</Message>
</LogEvent>
</ExecutionLogModel>
"""


def test_xml_process_log() -> None:
    data = XML_LOG.encode()
    assert PARSER.sniff(data, "process_log.xml") > 0.9
    result = read(data, f"boomi/{EXECUTION}/process_log.xml")
    assert [(r.line, r.reason) for r in result.rejections] == [(12, "missing_field")]
    assert (result.records_seen, result.absorbed) == (4, 2)
    row = result.events.row(0, named=True)
    assert (row["line"], row["flow"], row["status"]) == (3, "WMS to ERP inventory sync", "error")
    assert row["processed_at"] == utc(2026, 4, 6, 8, 0, 5)
    assert result.facts[0].values["shapeDurations"] == [{"line": 15, "shape": "Stop", "ms": 3}]


def test_crlf_and_bom_are_tolerated() -> None:
    data = b"\xef\xbb\xbf" + LOG.replace(b"\n", b"\r\n")
    assert PARSER.sniff(data, "x") > 0.9
    result = read(data)
    assert (result.records_seen, result.rejections) == (8, [])
    assert result.events["flow"].to_list() == ["WMS to ERP inventory sync"]


def test_only_rejected_events_give_no_row() -> None:
    result = read(tsv("2026-04-06T99:00:00Z\tINFO\tStart\t\tx"))
    assert (result.events.height, result.absorbed, result.facts) == (0, 0, [])
    assert [r.reason for r in result.rejections] == ["unparseable_timestamp"]
