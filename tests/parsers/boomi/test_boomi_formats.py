"""Boomi formats together: sniffing, hardened XML, real samples and the loader."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parsers
from forensics.config import Config, PayloadKeys
from forensics.loader import load
from forensics.redact import Redactor
from parsers import webhook
from parsers._base import ParseContext, Parser
from parsers.boomi import PARSERS as BOOMI
from parsers.boomi import documents, execution_records, process_log

PAYLOAD = asdict(PayloadKeys())
SHARED = Path(__file__).resolve().parents[3].parent / "shared"
REAL = SHARED / "real-samples"
EXECUTION = "execution-68523591-b704-4e4c-abf3-ad659798a7b6-2026.04.06"
OTHER = "execution-00000000-0000-4000-8000-000000000002-2026.04.06"


def execution_page(*ids: str) -> bytes:
    records = [
        {
            "@type": "ExecutionRecord",
            "executionId": execution_id,
            "processName": "WMS to ERP inventory sync",
            "executionType": "exec_sched",
            "status": "COMPLETE",
            "executionTime": "2026-04-06T08:00:00Z",
            "recordedDate": "2026-04-06T08:00:04Z",
        }
        for execution_id in ids
    ]
    return json.dumps({"@type": "QueryResult", "result": records}, indent=2).encode()


def document_page(execution_id: str) -> bytes:
    tracked = [
        {"name": "SKU", "value": "SKU-A"},
        {"name": "OnHand", "value": "847"},
        {"name": "QuantityOnHand", "value": "835"},
    ]
    record = {
        "@type": "GenericConnectorRecord",
        "executionId": execution_id,
        "incrementalDocumentIndex": 1,
        "dateProcessed": "2026-04-06T08:00:03Z",
        "status": "SUCCESS",
        "trackedFields": {"trackedField": tracked},
    }
    return json.dumps({"@type": "QueryResult", "result": [record]}, indent=2).encode()


PROCESS_TSV = (
    b"2026-04-06T08:00:00Z\tINFO\tinitializing...\t\tExecuting Process WMS to ERP inventory sync\n"
    b"2026-04-06T08:00:01Z\tINFO\tStart\tNoData\t1 document(s) found for processing.\n"
)
PROCESS_XML = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<ExecutionLogModel>\n'
    b'<LogEvent level="INFO" time="2026-04-06T08:00:00Z" shapename="s" shapetype="Start">'
    b"<Message>Executing Process P</Message></LogEvent>\n</ExecutionLogModel>\n"
)
EXEC_XML = (
    b'<bns:QueryResult xmlns:bns="http://api.platform.boomi.com/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    b'<bns:result xsi:type="bns:ExecutionRecord"><bns:executionId>x</bns:executionId>'
    b"</bns:result></bns:QueryResult>"
)
DOCS_XML = EXEC_XML.replace(b"bns:ExecutionRecord", b"bns:GenericConnectorRecord")

OWNERS = {
    "execution JSON": (execution_page(EXECUTION), "boomi.execution_records"),
    "execution bare list": (
        json.dumps(json.loads(execution_page(EXECUTION))["result"]).encode(),
        "boomi.execution_records",
    ),
    "execution XML": (EXEC_XML, "boomi.execution_records"),
    "documents JSON": (document_page(EXECUTION), "boomi.documents"),
    "documents XML": (DOCS_XML, "boomi.documents"),
    "process log text": (PROCESS_TSV, "boomi.process_log"),
    "process log XML": (PROCESS_XML, "boomi.process_log"),
}


@pytest.mark.parametrize("kind", sorted(OWNERS))
def test_each_boomi_file_is_claimed_by_its_format_only(kind: str) -> None:
    data, owner = OWNERS[kind]
    scores = {p.id: p.sniff(data, "f") for p in BOOMI}
    assert {fid for fid, score in scores.items() if score > 0} == {owner}
    assert webhook.PARSER.sniff(data, "f") == 0.0


@pytest.mark.parametrize(
    "data",
    [
        b'{"received_at": "2026-04-06T09:12:04Z", "headers": {}, "body": {"sku": "A"}}\n',
        b'{"scenarioLogs": [{"imtId": "1_scenario.1.auto.x", "id": "x", "status": 1}]}',
        b'{"dlqs": [{"id": "d", "scenarioId": 1, "executionId": "abc", "created": "x"}]}',
        b'{"data": [{"id": "r", "zap_id": 1, "status": "success", "start_time": "x"}]}',
        b"2026-04-06 09:00:00 INFO something happened\n",
        b"<html><body>QueryResult ExecutionRecord</body></html>",
    ],
    ids=["webhook", "make", "make-dlq", "zapier", "plain-text", "html"],
)
def test_other_exports_are_not_claimed(data: bytes) -> None:
    assert [p.sniff(data, "f") for p in BOOMI] == [0.0, 0.0, 0.0]


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real samples not found at {REAL}")
def test_real_samples_only_process_log_claims_boomi_and_nothing_else_claims_others() -> None:
    files = sorted(p for p in REAL.rglob("*") if p.is_file() and p.name != "README.md")
    boomi_files = [p for p in files if p.relative_to(REAL).parts[0] == "boomi"]
    assert len(boomi_files) == 2
    for path in files:
        name = path.relative_to(REAL).as_posix()
        data = path.read_bytes()
        claimed = {p.id for p in BOOMI if p.sniff(data[: parsers.SNIFF_BYTES], name) > 0}
        if path not in boomi_files:
            assert claimed == set(), name
            continue
        assert claimed == {"boomi.process_log"}, name
        result = process_log.PARSER.read(data, ParseContext(name, ZoneInfo("UTC"), PAYLOAD))
        assert result.rejections == []
        assert (result.records_seen, result.events.height, result.absorbed) == (4, 1, 3)
        row = result.events.row(0, named=True)
        assert row["flow"] == "5 min process"
        assert row["run_id"] == "execution-68523591-b704-4e4c-abf3-ad659798a7b6-2024.06.04"


# --- hardened XML -----------------------------------------------------------------------

LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)  # 10^9 "lol"s once expanded
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]>
<bns:QueryResult xmlns:bns="http://api.platform.boomi.com/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <bns:result xsi:type="bns:ExecutionRecord">
    <bns:executionId>&lol9;</bns:executionId>
  </bns:result>
</bns:QueryResult>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bns:QueryResult xmlns:bns="http://api.platform.boomi.com/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <bns:result xsi:type="bns:GenericConnectorRecord">
    <bns:executionId>&xxe;</bns:executionId>
  </bns:result>
</bns:QueryResult>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE ExecutionLogModel SYSTEM "http://attacker.invalid/log.dtd">
<ExecutionLogModel><LogEvent level="INFO" time="2026-04-06T08:00:00Z">
<Message>x</Message></LogEvent></ExecutionLogModel>
"""


@pytest.mark.parametrize(
    ("text", "parser"),
    [
        (BILLION_LAUGHS, execution_records.PARSER),
        (EXTERNAL, documents.PARSER),
        (BILLION_LAUGHS.replace("ExecutionRecord", "GenericConnectorRecord"), documents.PARSER),
        (EXTERNAL_DTD, process_log.PARSER),
    ],
    ids=["billion-laughs", "external-entity", "billion-laughs-documents", "external-dtd"],
)
def test_documents_with_a_dtd_are_refused_without_expansion(text: str, parser: Parser) -> None:
    data = text.encode()
    assert parser.sniff(data, "x.xml") > 0.9
    result = parser.read(data, ParseContext(f"{EXECUTION}/x.xml", ZoneInfo("UTC"), PAYLOAD))
    assert (result.records_seen, result.events.height, result.facts) == (1, 0, [])
    (rejection,) = result.rejections
    assert (rejection.line, rejection.reason) == (2, "dtd_refused")
    assert "DOCTYPE" in rejection.detail
    assert "root:" not in rejection.excerpt + rejection.detail


def test_undeclared_entity_is_malformed_xml_not_expanded() -> None:
    data = EXEC_XML.replace(b">x<", b">&xxe;<")
    result = execution_records.PARSER.read(data, ParseContext("x.xml", ZoneInfo("UTC"), PAYLOAD))
    assert [r.reason for r in result.rejections] == ["invalid_xml"]


def test_deeply_nested_xml_is_refused() -> None:
    deep = b"<a>" * 500 + b"</a>" * 500
    data = EXEC_XML.replace(b"<bns:executionId>x</bns:executionId>", deep)
    result = execution_records.PARSER.read(data, ParseContext("x.xml", ZoneInfo("UTC"), PAYLOAD))
    assert [r.reason for r in result.rejections] == ["too_deep"]
    assert result.records_seen == 1


# --- through the loader -----------------------------------------------------------------


def test_loader_reads_an_export_with_every_boomi_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsers, "PARSERS", (*parsers.PARSERS, *BOOMI))
    (tmp_path / "executions-1.json").write_bytes(execution_page(EXECUTION, OTHER))
    (tmp_path / "executions-2.json").write_bytes(execution_page(OTHER))
    (tmp_path / "documents.json").write_bytes(document_page(EXECUTION))
    # Two executions log different times: byte-identical logs would be one file
    # reached twice, read once (RELIABILITY B52).
    for execution_id, log in (
        (EXECUTION, PROCESS_TSV),
        (
            "execution-99999999-0000-4000-8000-000000000009-2026.04.06",
            PROCESS_TSV.replace(b"08:00:01Z", b"08:00:02Z"),
        ),
    ):
        folder = tmp_path / execution_id
        folder.mkdir()
        (folder / "process_log.txt").write_bytes(log)
    loaded = load(tmp_path, Config(), redactor=Redactor())
    formats = {i.file: (i.format, i.records, i.rejected) for i in loaded.inputs}
    assert formats["documents.json"] == ("boomi.documents", 1, 0)
    assert formats["executions-1.json"] == ("boomi.execution_records", 2, 0)
    events = loaded.events.select("file", "run_id", "sku", "quantity", "flow").rows()
    flow = "WMS to ERP inventory sync"
    other_log = "execution-99999999-0000-4000-8000-000000000009-2026.04.06"
    # The documented execution has document rows only; its log and run row only add facts.
    assert events == [
        ("documents.json", EXECUTION, "SKU-A", 835.0, flow),
        (f"{other_log}/process_log.txt", other_log, None, None, flow),
        ("executions-1.json", OTHER, None, None, flow),
    ]
    assert loaded.mappings.select("row", "src_field", "dst_field").rows() == [
        (0, "trackedFields.OnHand", "trackedFields.QuantityOnHand")
    ]


# --- robustness -------------------------------------------------------------------------

HEADS = [data[:120] for data, _ in OWNERS.values()]


@settings(max_examples=60, deadline=None)
@given(head=st.sampled_from(HEADS), tail=st.binary(max_size=200))
def test_damaged_files_never_raise_and_stay_accounted(head: bytes, tail: bytes) -> None:
    data = head + tail
    for parser in BOOMI:
        result = parser.read(data, ParseContext(f"{EXECUTION}/f", ZoneInfo("UTC"), PAYLOAD))
        rows = result.events.height
        assert result.records_seen == rows + result.absorbed + len(result.rejections)


def test_unknown_xml_encoding_is_rejected_not_raised() -> None:
    data = b'<?xml version="1.0" encoding="X-NOPE"?>' + EXEC_XML
    result = execution_records.PARSER.read(data, ParseContext("x.xml", ZoneInfo("UTC"), PAYLOAD))
    assert [(r.line, r.reason) for r in result.rejections] == [(1, "invalid_xml")]
