"""Content sniffing: every Make shape goes to exactly one Make parser, nothing else does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers._base import SNIFF_BYTES
from parsers.make import MAKE_PARSERS
from parsers.make._sniff import classify

REPO = Path(__file__).resolve().parents[3]
LOG = {
    "imtId": "1775466723497_scenario.4711.auto.0f3a",
    "id": "0f3a",
    "status": 1,
    "timestamp": "2026-04-06T09:12:03.497Z",
}
BLUEPRINT = {"name": "S", "flow": [{"id": 1, "module": "gateway:CustomWebHook"}], "metadata": {}}

SHAPES: list[tuple[Any, str]] = [
    ({"scenarioLogs": [LOG], "pg": {}}, "make.scenario_logs"),
    ({"pg": {}, "scenarioLogs": LOG}, "make.scenario_logs"),
    ({"scenarioLog": LOG}, "make.scenario_logs"),
    ({"dlqLogs": []}, "make.scenario_logs"),
    ([{"scenarioLogs": [LOG]}, {"scenarioLogs": []}], "make.scenario_logs"),
    ([LOG, LOG], "make.scenario_logs"),
    (LOG, "make.scenario_logs"),
    ({"hookLogs": [{"id": "1", "loggedAt": "2026-04-06T09:00:00Z"}]}, "make.hook_logs"),
    ([{"id": "1", "statusId": 1, "loggedAt": "2026-04-06T09:00:00Z"}], "make.hook_logs"),
    ({"incomings": [{"id": "1", "created": "2026-04-06T09:00:00Z"}]}, "make.incomings"),
    (BLUEPRINT, "make.blueprint"),
    ({"response": {"blueprint": BLUEPRINT, "scenarioId": 1}}, "make.blueprint"),
    ({"code": "OK", "response": {"blueprint": BLUEPRINT}}, "make.blueprint"),
    ({"dlqs": [{"id": "x"}]}, "make.dlq"),
    ({"dlq": {"id": "x", "executionId": "y"}}, "make.dlq"),
    ({"code": "OK", "response": {"1": {"value": 1}}}, "make.dlq"),
]
FOREIGN: list[Any] = [
    {"received_at": "2026-04-06T09:00:00Z", "headers": {}, "body": {"sku": "A"}},
    [{"received_at": "2026-04-06T09:00:00Z", "body": {"imtId": "x"}}],
    [{"id": 1, "zap_id": 2, "status": "success", "steps": []}],
    {"dlq": {"name": "a queue setting, not an incomplete execution"}},
    {"flow": [1, 2], "other": True},
    {"response": {"name": "x"}},
    {"code": "OK"},
    [{"imtId": "1775466723101_k2j4h", "timestamp": "2026-04-06T09:00:00Z"}],
    "<QueryResult><result>1</result></QueryResult>",
    "2026-04-06 09:00:00 INFO started",
    "",
]


def encode(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


def claimed(data: bytes) -> list[str]:
    return [p.id for p in MAKE_PARSERS if p.sniff(data[:SNIFF_BYTES], "x.json") > 0]


@pytest.mark.parametrize(("value", "format_id"), SHAPES)
def test_each_shape_is_claimed_by_exactly_one_parser(value: Any, format_id: str) -> None:
    assert claimed(encode(value)) == [format_id]


@pytest.mark.parametrize("value", FOREIGN)
def test_other_files_are_claimed_by_none(value: Any) -> None:
    assert claimed(encode(value)) == []


def test_the_shipped_webhook_sample_is_not_claimed() -> None:
    for path in (REPO / "sample_logs").rglob("*.ndjson"):
        assert claimed(path.read_bytes()) == []


@pytest.mark.parametrize(
    ("key", "format_id"),
    [("scenarioLogs", "make.scenario_logs"), ("hookLogs", "make.hook_logs")],
)
def test_a_head_cut_by_the_sniff_window_is_judged_by_its_text(key: str, format_id: str) -> None:
    records = [{**LOG, "id": str(i), "padding": "x" * 200} for i in range(400)]
    data = json.dumps({key: records}, indent=2).encode()
    assert len(data) > SNIFF_BYTES
    assert classify(data[:SNIFF_BYTES])[1] == 0.6
    assert claimed(data) == [format_id]


def test_utf8_bom_does_not_hide_the_shape() -> None:
    assert claimed(b"\xef\xbb\xbf" + encode(SHAPES[0][0])) == ["make.scenario_logs"]


def test_names_do_not_decide() -> None:
    data = encode({"hookLogs": []})
    assert [p.sniff(data, "scenario_logs.json") > 0 for p in MAKE_PARSERS] == [
        False,
        True,
        False,
        False,
        False,
    ]
