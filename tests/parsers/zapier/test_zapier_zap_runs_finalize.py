"""The Zapier Zap-runs reader across files: replays, page duplicates and mapping evidence."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import parsers
from forensics.config import Config, PayloadKeys
from forensics.loader import load
from forensics.redact import Redactor
from forensics.schema import EVENT_SCHEMA, MAPPING_SCHEMA, conform
from parsers._base import ParseContext, ParseResult
from parsers.zapier.zap_runs import PARSER

PAYLOAD = asdict(PayloadKeys())
FLOW = "Shopify orders -> WMS"


def run(run_id: str, start: str, **fields: Any) -> dict[str, Any]:
    """A ZapRun started at 2026-04-06T<start>Z; keyword arguments replace or add fields."""
    base: dict[str, Any] = {
        "id": run_id,
        "zap_id": 204418877,
        "zap_title": FLOW,
        "status": "success",
        "start_time": f"2026-04-06T{start}Z",
        "end_time": f"2026-04-06T{start}Z",
        "steps": [{"status": "success", "start_time": f"2026-04-06T{start}Z"}],
        "data_in": {"sku": "SKU-A", "on_hand": 847},
        "data_out": {"available": 847},
    }
    return {**base, **fields}


def page(*runs: dict[str, Any]) -> bytes:
    return json.dumps({"links": {}, "meta": {"count": len(runs)}, "data": list(runs)}).encode()


def read(data: bytes, file: str = "zapier/page-1.json") -> ParseResult:
    result = PARSER.read(data, ParseContext(file, ZoneInfo("UTC"), PAYLOAD))
    assert result.records_seen == result.events.height + len(result.rejections)
    conform(result.mappings, MAPPING_SCHEMA, what="zapier.read mappings")
    return result


def finalized(*files: tuple[str, bytes]) -> pl.DataFrame:
    """Read page files and finalize them together, as the loader does."""
    frames = [read(data, file=name).events for name, data in files]
    events = PARSER.finalize(pl.concat(frames).sort(["file", "record"]))
    conform(events, EVENT_SCHEMA, what="zapier.finalize")
    return events


# --- replays ---------------------------------------------------------------------------


def test_replay_of_the_same_event_id_is_ranked_by_start_time_across_page_files() -> None:
    evt = {"sku": "SKU-A", "on_hand": 847, "event_id": "mv-1"}
    page1 = page(run("r-3", "12:00:00", data_in={**evt, "retry": 2}), run("r-9", "09:00:00"))
    page2 = page(
        run("r-1", "10:00:00", status="error", data_in=evt), run("r-2", "11:00:00", data_in=evt)
    )
    events = finalized(("zapier/page-1.json", page1), ("zapier/page-2.json", page2))
    assert events.select("run_id", "attempt").rows() == [
        ("r-3", 3),
        ("r-9", 1),
        ("r-1", 1),
        ("r-2", 2),
    ]


def test_replay_by_identical_data_in_object_or_string_in_any_key_order() -> None:
    same = json.dumps({"on_hand": 847, "sku": "SKU-A"})
    page1 = page(run("r-2", "10:05:00", data_in=same))
    page2 = page(
        run("r-1", "10:00:00"), run("r-3", "10:00:00", data_in={"sku": "SKU-A", "on_hand": 846})
    )
    events = finalized(("zapier/page-1.json", page1), ("zapier/page-2.json", page2))
    assert events.select("run_id", "attempt").rows() == [("r-2", 2), ("r-1", 1), ("r-3", 1)]
    keys = events.get_column("_replay_key").to_list()
    assert keys[0] == keys[1] != keys[2]
    assert keys[0].startswith("data:")


def test_replays_are_counted_within_one_flow_only() -> None:
    other = run("r-2", "10:05:00", zap_title="Other zap")
    events = finalized(("a.json", page(run("r-1", "10:00:00"), other)))
    assert events.select("flow", "attempt").rows() == [(FLOW, 1), ("Other zap", 1)]


def test_runs_without_trigger_data_are_never_replays() -> None:
    runs = (run(f"r-{i}", "10:00:00", data_in="", data_out="") for i in range(3))
    assert finalized(("a.json", page(*runs))).get_column("attempt").to_list() == [1, 1, 1]


def test_equal_start_times_rank_by_file_then_record() -> None:
    events = finalized(
        ("b.json", page(run("r-b1", "10:00:00"))),
        ("a.json", page(run("r-a1", "10:00:00"), run("r-a2", "10:00:00"))),
    )
    assert events.select("file", "run_id", "attempt").rows() == [
        ("a.json", "r-a1", 1),
        ("a.json", "r-a2", 2),
        ("b.json", "r-b1", 3),
    ]


def test_a_step_started_long_after_the_run_is_noted_as_replayed() -> None:
    steps = [
        {"status": "success", "start_time": "2026-04-06T10:00:00Z"},
        {"status": "success", "start_time": "2026-04-06T13:00:00Z"},
    ]
    quick = [{"status": "success", "start_time": "2026-04-06T10:01:00Z"}]
    result = read(
        page(
            run("r-1", "10:00:00", steps=steps, end_time=None), run("r-2", "10:00:00", steps=quick)
        )
    )
    assert result.events.get_column("_replayed_steps").to_list() == [True, False]
    assert result.notes["replayed_steps"] == 1
    assert result.events.row(0, named=True)["processed_at"].hour == 13


# --- duplicates across pages -----------------------------------------------------------


def test_run_exported_on_two_pages_is_kept_once_at_its_first_locator() -> None:
    shared = run("r-2", "10:05:00")
    events = finalized(
        ("zapier/page-2.json", page(shared, run("r-3", "10:10:00"))),
        ("zapier/page-1.json", page(run("r-1", "10:00:00"), shared)),
    )
    assert events.select("file", "record", "run_id").rows() == [
        ("zapier/page-1.json", 1, "r-1"),
        ("zapier/page-1.json", 2, "r-2"),
        ("zapier/page-2.json", 2, "r-3"),
    ]
    # The copy is not counted as a replay: r-3 is the third run of the same trigger data.
    assert events.get_column("attempt").to_list() == [1, 2, 3]


def test_overlapping_pages_in_one_list_of_envelopes_are_deduplicated() -> None:
    doc = json.dumps(
        [json.loads(page(run("r-1", "10:00:00"))), json.loads(page(run("r-1", "10:00:00")))]
    )
    events = finalized(("zapier/pages.json", doc.encode()))
    assert events.select("record", "run_id").rows() == [(1, "r-1")]


def test_finalize_of_no_rows_is_empty() -> None:
    events = PARSER.finalize(read(b"").events)
    assert conform(events, EVENT_SCHEMA, what="finalize").height == 0


# --- mapping evidence ------------------------------------------------------------------


def test_numeric_fields_of_data_in_pair_with_numeric_fields_of_data_out() -> None:
    data_in = {
        "sku": "SKU-A",
        "on_hand": 847,
        "committed": "12",
        "stock": {"pack": {"size": 12.0, "deeper": {"ignored": 1}}},
        "flags": {"active": True},
        "lines": [{"qty": 3}],
        "note": "twelve",
    }
    data_out = {"item": {"available_to_promise": "835", "code": "A-1"}, "n": None}
    result = read(
        page(
            run("r-0", "09:00:00", start_time=None),
            run("r-1", "10:00:00", data_in=data_in, data_out=json.dumps(data_out)),
        )
    )
    assert result.mappings.rows() == [
        (0, FLOW, "on_hand", 847.0, "item.available_to_promise", 835.0),
        (0, FLOW, "committed", 12.0, "item.available_to_promise", 835.0),
        (0, FLOW, "stock.pack.size", 12.0, "item.available_to_promise", 835.0),
    ]
    assert result.events.get_column("run_id").to_list() == ["r-1"]


def test_every_in_out_pair_is_a_row_and_runs_without_output_have_none() -> None:
    both = run("r-1", "10:00:00", data_in={"a": 1, "b": 2}, data_out={"x": 10, "y": "20.5"})
    no_out = run("r-2", "10:01:00", data_out="")
    result = read(page(both, no_out))
    pairs = result.mappings.select("row", "src_field", "dst_field").rows()
    assert pairs == [(0, "a", "x"), (0, "a", "y"), (0, "b", "x"), (0, "b", "y")]
    assert result.mappings.get_column("dst_value").to_list() == [10.0, 20.5, 10.0, 20.5]


def test_a_record_with_very_many_fields_is_capped_and_noted() -> None:
    wide = {f"f{i}": i for i in range(150)}
    result = read(page(run("r-1", "10:00:00", data_in=wide, data_out=wide)))
    assert result.mappings.height == 100 * 100
    assert result.notes["mapping_fields_capped"] == 1


# --- through the loader ----------------------------------------------------------------


def test_loader_accounts_for_pages_and_keeps_mappings_of_kept_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NOTE: the lead registers parsers; the test registers this one for itself.
    monkeypatch.setattr(parsers, "PARSERS", (*parsers.PARSERS, PARSER))
    folder = tmp_path / "zapier"
    folder.mkdir()
    shared = run("r-2", "10:05:00", data_out={"available": 840})
    (folder / "page-1.json").write_bytes(page(run("r-1", "10:00:00"), shared))
    (folder / "page-2.json").write_bytes(page(shared, run("r-3", "10:10:00", id=None)))
    loaded = load(tmp_path, Config(), redactor=Redactor())
    assert loaded.events.select("file", "run_id", "attempt").rows() == [
        ("zapier/page-1.json", "r-1", 1),
        ("zapier/page-1.json", "r-2", 2),
    ]
    assert loaded.mappings.select("row", "src_field", "dst_value").rows() == [
        (0, "on_hand", 847.0),
        (1, "on_hand", 840.0),
    ]
    inputs = {i.file: i for i in loaded.inputs}
    assert inputs["zapier/page-2.json"].reasons == {"missing_field": 1}
    # The copy read from page 2 is noted by the loader (the note name is the loader's).
    assert sum(inputs["zapier/page-2.json"].notes.values()) == 1
