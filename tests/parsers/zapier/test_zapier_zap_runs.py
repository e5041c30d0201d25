"""The Zapier Zap-runs reader: shapes, fields, statuses, sniffing and accounting."""

from __future__ import annotations

import codecs
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics.config import PayloadKeys
from forensics.schema import EVENT_SCHEMA, REJECTION_REASONS, conform
from parsers._base import ParseContext, ParseResult
from parsers.webhook import PARSER as WEBHOOK
from parsers.zapier.zap_runs import PARSER

PAYLOAD = asdict(PayloadKeys())


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run(run_id: object = "7d0c1f52-3b9e-4c61-9a77-2f5e8d41c0ab", **fields: Any) -> dict[str, Any]:
    """A ZapRun in the FORMATS.md shape; keyword arguments replace or add fields."""
    base: dict[str, Any] = {
        "id": run_id,
        "zap_id": 204418877,
        "zap_title": "3PL shipments -> ERP stock adjust",
        "status": "success",
        "start_time": "2026-04-06T10:04:12.512000Z",
        "end_time": "2026-04-06T10:04:14.020000Z",
        "steps": [
            {"status": "success", "start_time": "2026-04-06T10:04:12.512000Z"},
            {"status": "success", "start_time": "2026-04-06T10:04:13.101000Z"},
        ],
        "data_in": {
            "sku": "SKU-A",
            "warehouse": "DC1",
            "on_hand": 847,
            "updated_at": "2026-04-06T10:03:55Z",
        },
        "data_out": {"item": "SKU-A", "available": 847},
    }
    return {**base, **fields}


def envelope(*runs: Any) -> dict[str, Any]:
    return {"links": {"next": None, "prev": None}, "meta": {"count": len(runs)}, "data": list(runs)}


def ndjson(*records: Any) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


def read(data: bytes, file: str = "zapier/runs.json", tz: str = "UTC") -> ParseResult:
    result = PARSER.read(data, ParseContext(file, ZoneInfo(tz), PAYLOAD))
    assert result.records_seen == result.events.height + result.absorbed + len(result.rejections)
    conform(result.events, what="zapier.read")
    return result


def only_row(data: bytes, **kwargs: str) -> dict[str, Any]:
    result = read(data, **kwargs)
    assert result.rejections == []
    finalized = PARSER.finalize(result.events)
    assert finalized.height == 1
    return finalized.row(0, named=True)


# --- shapes ----------------------------------------------------------------------------

RUNS = (run("r-1"), run("r-2", status="error"), run("r-3", status="filtered"))
SHAPES = {
    "envelope": json.dumps(envelope(*RUNS), indent=2).encode(),
    "minified-envelope": json.dumps(envelope(*RUNS)).encode(),
    "list-of-envelopes": json.dumps([envelope(*RUNS[:2]), envelope(RUNS[2])], indent=2).encode(),
    "bare-list": json.dumps(list(RUNS), indent=1).encode(),
    "ndjson": ndjson(*RUNS),
    "ndjson-of-pages": ndjson(envelope(*RUNS[:2]), envelope(RUNS[2])),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_yields_one_row_per_run(shape: str) -> None:
    result = read(SHAPES[shape])
    assert result.rejections == []
    rows = result.events.select("record", "run_id", "status").rows()
    assert rows == [(1, "r-1", "ok"), (2, "r-2", "error"), (3, "r-3", "filtered")]
    assert PARSER.sniff(SHAPES[shape], "runs") >= 0.9
    assert WEBHOOK.sniff(SHAPES[shape], "runs") == 0


def test_pretty_printed_document_gives_the_line_of_each_opening_brace() -> None:
    text = SHAPES["list-of-envelopes"].decode()
    braces = [i + 1 for i, line in enumerate(text.split("\n")) if line == "      {"]
    assert read(SHAPES["list-of-envelopes"]).events.get_column("line").to_list() == braces


def test_ndjson_of_pages_locates_runs_on_their_line() -> None:
    result = read(SHAPES["ndjson-of-pages"])
    assert result.events.select("line", "record").rows() == [(1, 1), (1, 2), (2, 3)]


def test_single_pretty_printed_run_is_one_record() -> None:
    assert read(json.dumps(run(), indent=2).encode()).events.height == 1


# --- fields ----------------------------------------------------------------------------


def test_fields_of_the_formats_example() -> None:
    row = only_row(ndjson(run()))
    assert (row["source"], row["format"], row["file"]) == (
        "zapier",
        "zapier.zap_runs",
        "zapier/runs.json",
    )
    assert row["flow"] == "3PL shipments -> ERP stock adjust"
    assert row["run_id"] == "7d0c1f52-3b9e-4c61-9a77-2f5e8d41c0ab"
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-A", "DC1", 847.0)
    assert row["occurred_at"] == utc(2026, 4, 6, 10, 3, 55)
    assert row["received_at"] == utc(2026, 4, 6, 10, 4, 12, 512000)
    assert row["processed_at"] == utc(2026, 4, 6, 10, 4, 14, 20000)
    assert (row["event_id"], row["idempotency_key"], row["attempt"]) == (None, None, 1)
    assert row["_zap_id"] == "204418877"
    assert row["_replayed_steps"] is False


def test_event_id_idempotency_key_and_nested_fields_come_from_data_in() -> None:
    data_in = {
        "event_id": "mv-88121",
        "idempotency_key": "idem-1",
        "record": {"sku": "SKU-B", "location": "DC2"},
    }
    row = only_row(ndjson(run(data_in=data_in, data_out={"qty": "12.5"})))
    assert (row["event_id"], row["idempotency_key"]) == ("mv-88121", "idem-1")
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-B", "DC2", 12.5)
    assert row["_replay_key"] == "event:mv-88121"


def test_sku_falls_back_to_data_out_and_quantity_to_data_in() -> None:
    row = only_row(ndjson(run(data_in={"on_hand": 40}, data_out={"sku": "SKU-C", "note": "x"})))
    assert (row["sku"], row["quantity"]) == ("SKU-C", 40.0)


def test_quantity_comes_from_data_out_even_when_data_in_has_one() -> None:
    row = only_row(ndjson(run(data_in={"sku": "A", "on_hand": 847}, data_out={"available": 835})))
    assert row["quantity"] == 835.0


def test_non_numeric_quantity_is_null_and_noted_without_falling_back() -> None:
    result = read(ndjson(run(data_out={"available": "lots"})))
    assert result.events.get_column("quantity").to_list() == [None]
    assert result.notes["non_numeric_quantity"] == 1


@pytest.mark.parametrize("encode", [lambda d: d, json.dumps], ids=["object", "json-string"])
def test_data_as_object_or_json_string_reads_the_same(encode: Any) -> None:
    source = run()
    row = only_row(
        ndjson(run(data_in=encode(source["data_in"]), data_out=encode(source["data_out"])))
    )
    assert (row["sku"], row["location"], row["quantity"]) == ("SKU-A", "DC1", 847.0)
    assert row["_replay_key"] == only_row(ndjson(source))["_replay_key"]


def test_empty_string_data_is_no_data_and_not_an_error() -> None:
    result = read(ndjson(run(data_in="", data_out="")))
    row = result.events.row(0, named=True)
    assert (row["sku"], row["quantity"], row["_replay_key"]) == (None, None, None)
    assert (result.rejections, result.mappings.height, dict(result.notes)) == ([], 0, {})


def test_data_that_is_not_json_is_kept_and_noted() -> None:
    result = read(ndjson(run(data_in="sku=A;qty=3", data_out="<ok/>")))
    assert result.events.height == 1
    assert result.events.row(0, named=True)["_replay_key"].startswith("data:")
    assert result.notes["data_not_json"] == 1


def test_data_that_is_json_but_not_an_object_has_no_fields_and_is_noted() -> None:
    result = read(ndjson(run(data_in="[1, 2]", data_out=7)))
    assert result.events.select("sku", "quantity").row(0) == (None, None)
    assert result.notes["data_not_object"] == 1


def test_missing_end_time_falls_back_to_the_last_step_with_a_start_time() -> None:
    steps = [
        {"status": "success", "start_time": "2026-04-06T10:04:12Z"},
        {"status": "success", "start_time": "2026-04-06T10:04:13Z"},
        {"status": "pending"},
    ]
    row = only_row(ndjson({k: v for k, v in run(steps=steps).items() if k != "end_time"}))
    assert row["processed_at"] == utc(2026, 4, 6, 10, 4, 13)
    row = only_row(ndjson(run(end_time=None, steps=[])))
    assert row["processed_at"] is None


def test_unusable_end_time_stays_null_and_is_noted_not_replaced() -> None:
    result = read(ndjson(run(end_time="soon")))
    assert result.events.get_column("processed_at").to_list() == [None]
    assert result.notes["unparseable_timestamp"] == 1


def test_flow_falls_back_to_zap_id_then_unknown() -> None:
    no_title = {k: v for k, v in run().items() if k != "zap_title"}
    assert only_row(ndjson(no_title))["flow"] == "zap:204418877"
    assert only_row(ndjson(run(zap_title="")))["flow"] == "zap:204418877"
    result = read(ndjson({**no_title, "zap_id": None}))
    assert result.events.get_column("flow").to_list() == ["zap:unknown"]
    assert result.notes["missing_zap"] == 1


@pytest.mark.parametrize("zap_id", [2**53 + 1, 2**70, 10**30])
def test_huge_zap_id_is_kept_exact(zap_id: int) -> None:
    text = json.dumps({k: v for k, v in run(zap_id=zap_id).items() if k != "zap_title"})
    row = only_row(text.encode())
    assert row["flow"] == f"zap:{zap_id}"
    assert row["_zap_id"] == str(zap_id)


def test_numeric_run_id_becomes_an_exact_string() -> None:
    assert only_row(ndjson(run(run_id=2**64 + 3)))["run_id"] == str(2**64 + 3)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("success", "ok"),
        ("error", "error"),
        ("halted", "error"),
        ("error_handled", "warning"),
        ("filtered", "filtered"),
        ("skipped", "filtered"),
        ("delayed", "pending"),
        ("scheduled", "pending"),
        ("pending", "pending"),
        ("held", "pending"),
        ("throttled", "pending"),
        (" SUCCESS ", "ok"),
    ],
)
def test_status_mapping(status: str, expected: str) -> None:
    result = read(ndjson(run(status=status)))
    assert result.events.get_column("status").to_list() == [expected]
    assert "unknown_status" not in result.notes


@pytest.mark.parametrize("status", ["active", None, 3, {"x": 1}])
def test_unknown_or_missing_status_is_a_warning_with_a_note(status: object) -> None:
    result = read(ndjson(run(status=status)))
    assert result.events.get_column("status").to_list() == ["warning"]
    assert result.notes["unknown_status"] == 1


def test_naive_start_time_is_read_in_tz() -> None:
    result = read(
        ndjson(run(start_time="2026-04-06 06:04:12", end_time=None, steps=None)),
        tz="America/New_York",
    )
    assert result.events.get_column("received_at").to_list() == [utc(2026, 4, 6, 10, 4, 12)]
    assert result.notes["naive_timestamp"] == 1


def test_unknown_keys_and_malformed_steps_are_noted_and_kept_out_of_columns() -> None:
    result = read(
        ndjson(run(account_id=99, steps="x"), run(run_id="r-2", steps=[1, {"start_time": None}]))
    )
    assert result.events.height == 2
    assert (result.notes["unknown_keys"], result.notes["invalid_steps"]) == (1, 2)


# --- rejections and accounting ---------------------------------------------------------


def test_malformed_ndjson_records_are_rejected_with_exact_accounting() -> None:
    no_id = {k: v for k, v in run().items() if k != "id"}
    no_start = {k: v for k, v in run("r-6").items() if k != "start_time"}
    data = codecs.BOM_UTF8 + ndjson(
        run("r-1"),
        "",
        '{"id": "r-2", "zap_id": 1, "start_time": "2026-04-06T10:00:00Z", "data_in": {',
        "not json",
        "[1, 2]",
        no_id,
        "   ",
        no_start,
        run("r-7", start_time="yesterday-ish"),
        run("r-8", start_time="1970-01-01T00:00:00Z"),
        run({"x": 1}),
        '{"id": "r-10"}{"id": "r-11"}',
        run("r-12"),
    )
    result = read(data)
    assert (result.records_seen, result.events.height) == (11, 2)
    assert result.events.select("line", "record", "run_id").rows() == [
        (1, 1, "r-1"),
        (13, 11, "r-12"),
    ]
    assert [(r.line, r.record, r.reason) for r in result.rejections] == [
        (3, 2, "truncated_record"),
        (4, 3, "invalid_json"),
        (5, 4, "not_an_object"),
        (6, 5, "missing_field"),
        (8, 6, "missing_field"),
        (9, 7, "unparseable_timestamp"),
        (10, 8, "unparseable_timestamp"),
        (11, 9, "invalid_value"),
        (12, 10, "trailing_garbage"),
    ]
    assert all(r.reason in REJECTION_REASONS and r.detail.endswith(".") for r in result.rejections)
    assert "sentinel" in result.rejections[6].detail
    assert result.rejections[3].detail == "the run has no id."
    assert result.rejections[4].detail == "the run has no start_time."
    first = result.rejections[0]
    assert first.offset == data.index(b'{"id": "r-2"')
    assert first.excerpt.startswith('{"id": "r-2"')
    assert result.notes["bom_stripped"] == 1


def test_malformed_runs_inside_a_document_are_rejected_at_their_line() -> None:
    doc = envelope(run("r-1"), 42, {"zap_id": 1, "status": "success"}, run("r-4"))
    text = json.dumps(doc, indent=2)
    result = read(text.encode())
    lines = text.split("\n")
    forty_two = next(i + 1 for i, line in enumerate(lines) if line.strip() == "42,")
    assert result.records_seen == 4
    assert result.events.get_column("record").to_list() == [1, 4]
    reasons = [(r.record, r.reason) for r in result.rejections]
    assert reasons == [(2, "not_an_object"), (3, "missing_field")]
    assert result.rejections[0].line == forty_two
    assert result.rejections[1].excerpt.startswith("{")


def test_document_cut_part_way_keeps_the_runs_before() -> None:
    text = json.dumps(envelope(run("r-1"), run("r-2")))
    result = read(text[: text.index('"r-2"') + 10].encode())
    assert (result.records_seen, result.events.height) == (2, 1)
    assert [r.reason for r in result.rejections] == ["truncated_record"]


def test_empty_files_and_empty_pages_have_no_records() -> None:
    for data in (b"", b"\n \n", json.dumps(envelope()).encode(), b"[]"):
        result = read(data)
        assert (result.records_seen, result.events.height, result.rejections) == (0, 0, [])


LINES = st.one_of(
    st.just(json.dumps(run())),
    st.just(json.dumps(envelope(run("p"), 3))),
    st.just('{"id": "x", "start_time": '),
    st.just(""),
    st.text(max_size=30),
    st.builds(lambda s: json.dumps(run(start_time=s)), st.text(max_size=20)),
    st.builds(lambda s: json.dumps(run(data_in=s, data_out=s)), st.text(max_size=20)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINES, max_size=10), st.sampled_from(["", "[", "\ufeff"]))
def test_any_mix_of_lines_keeps_the_accounting(lines: list[str], prefix: str) -> None:
    result = read((prefix + "\n".join(lines)).encode("utf-8", errors="surrogatepass"))
    assert all(r.reason in REJECTION_REASONS for r in result.rejections)
    conform(PARSER.finalize(result.events), EVENT_SCHEMA, what="zapier.finalize")


def test_a_banner_line_neither_hides_the_format_nor_costs_more_than_itself() -> None:
    data = ndjson("export started 2026-04-06", run("r-1"), run("r-2"))
    assert PARSER.sniff(data, "x") >= 0.9
    result = read(data)
    assert result.events.get_column("line").to_list() == [2, 3]
    assert [(r.line, r.reason) for r in result.rejections] == [(1, "invalid_json")]


def test_a_run_with_a_data_field_on_its_line_is_a_run_not_a_page() -> None:
    result = read(ndjson(run("r-1", data={"extra": [1]})))
    assert result.events.get_column("run_id").to_list() == ["r-1"]
    assert result.notes["unknown_keys"] == 1


def test_configured_payload_keys_are_honoured() -> None:
    payload = {**PAYLOAD, "sku": ("ItemNumber",), "quantity": ("QtyPosted",)}
    data = ndjson(run(data_in={"ItemNumber": "IT-9", "sku": "no"}, data_out={"QtyPosted": 5}))
    result = PARSER.read(data, ParseContext("x.ndjson", ZoneInfo("UTC"), payload))
    assert result.events.select("sku", "quantity").row(0) == ("IT-9", 5.0)
