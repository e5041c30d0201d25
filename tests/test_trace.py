"""`forensics trace`: one SKU's attempts across flows, in apply order, with file:line."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from builders import SAMPLE_LOGS, events

from forensics.config import load_config
from forensics.schema import MAPPING_SCHEMA
from forensics.trace import load_trace, render_trace, trace_sku


def _frame() -> pl.DataFrame:
    return events(
        dict(
            flow=["WMS to ERP", "ERP to shop", "WMS to ERP", "ERP to shop"],
            source=["boomi", "make", "boomi", "make"],
            run_id=["b1", "m1", "b2", "m2"],
            sku=["A", "A", "B", "A"],
            location=["DC1", "DC1", "DC1", "STORE"],
            attempt=[1, 2, 1, 1],
            status=["ok", "ok", "ok", "error"],
            occurred_at=["09:00", "09:00", "09:00", "08:00"],
            processed_at=["09:05", "09:06", "09:05", None],
            received_at=[None, None, None, "08:01"],
            quantity=[10.0, 10.0, 4.0, None],
            file=["boomi/d.json", "make/h.json", "boomi/d.json", "make/h.json"],
            line=[12, 40, 30, 7],
        )
    )


def _mappings() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": [0],
            "flow": ["WMS to ERP"],
            "src_field": ["OnHand"],
            "src_value": [15.0],
            "dst_field": ["QuantityOnHand"],
            "dst_value": [10.0],
        },
        schema=MAPPING_SCHEMA,
    )


def test_trace_lists_every_attempt_of_the_sku_in_apply_order() -> None:
    trace = trace_sku(_frame(), _mappings(), "A")
    assert [(s.flow, s.file, s.line) for s in trace.steps] == [
        ("ERP to shop", "make/h.json", 7),  # received 08:01, no processed_at
        ("WMS to ERP", "boomi/d.json", 12),
        ("ERP to shop", "make/h.json", 40),
    ]
    assert trace.steps[1].received == "OnHand=15"
    assert trace.steps[1].wrote == "QuantityOnHand=10"
    assert trace.steps[2].wrote == "quantity 10"


def test_trace_text_names_flows_values_and_file_line() -> None:
    text = render_trace(trace_sku(_frame(), _mappings(), "A"))
    assert text.splitlines()[0] == (
        "SKU A: 3 attempt(s) on 2 flow(s), 2026-04-06 08:01:00 -> 2026-04-06 09:06:00 UTC"
    )
    assert "received OnHand=15; wrote QuantityOnHand=10" in text
    assert "(boomi/d.json:12)" in text
    assert "ERROR" in text and "attempt 2" in text


def test_sku_at_location_narrows_the_trace() -> None:
    trace = trace_sku(_frame(), _mappings(), "A@STORE")
    assert trace.location == "STORE"
    assert [s.line for s in trace.steps] == [7]


def test_unknown_sku_suggests_close_ones() -> None:
    trace = trace_sku(_frame(), _mappings(), "a")
    assert trace.steps == ()
    assert trace.suggestions == ("A",)
    assert render_trace(trace) == "no event carries SKU 'a'; did you mean A?"


def test_log_derived_text_cannot_drive_the_terminal() -> None:
    frame = _frame().with_columns(flow=pl.lit("F\x1b[2J\u202e"))
    text = render_trace(trace_sku(frame, _mappings(), "A"))
    assert "\x1b" not in text and "\u202e" not in text
    assert "F\\u001b[2J\\u202e" in text


@pytest.mark.skipif(not SAMPLE_LOGS.is_dir(), reason="sample_logs/ is missing")
def test_trace_of_a_sample_sku_crosses_flows() -> None:
    config = load_config(SAMPLE_LOGS, None, tz="UTC")
    trace = load_trace(Path(SAMPLE_LOGS), config, "SKU-1009")
    assert len({s.flow for s in trace.steps}) >= 2
    assert all(s.file and s.line >= 1 for s in trace.steps)
    times = [s.at for s in trace.steps if s.at is not None]
    assert times == sorted(times)
