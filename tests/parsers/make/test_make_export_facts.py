"""Facts-driven flow naming through finalize, across the five Make formats of one export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

DLQ_A = "a07e16f2ad134bf49cf83a00aa95c0a5"
DLQ_B = "b17e16f2ad134bf49cf83a00aa95c0a5"
DLQ_C = "c27e16f2ad134bf49cf83a00aa95c0a5"
ORIGINAL_B = "5c1e0d2a-8f3b-4c7e-9a1d-2b3c4d5e6f70"

BLUEPRINT = {
    "response": {
        "scenarioId": 4711,
        "blueprint": {
            "name": "Stock sync",
            "flow": [
                {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"hook": 123}},
                {
                    "id": 2,
                    "module": "shopify:setInventory",
                    "mapper": {"available": "{{1.on_hand}}"},
                },
            ],
            "metadata": {"scenario": {"sequential": False, "dlq": True}},
        },
    }
}


def run(exec_id: str, timestamp: str, *, dlq: str | None = None, status: int = 1) -> dict[str, Any]:
    imt = f"1_dlq.{dlq}.auto.{exec_id}" if dlq else f"1_scenario.4711.auto.{exec_id}"
    return {
        "imtId": imt,
        "id": exec_id,
        "status": status,
        "duration": 1000,
        "operations": 3,
        "transfer": 100,
        "timestamp": timestamp,
    }


FILES: dict[str, Any] = {
    "make/blueprint_4711.json": BLUEPRINT,
    "make/scenario_logs.json": {
        "scenarioLogs": [
            run("r3", "2026-04-06T12:00:00Z", dlq=DLQ_A),
            run("r2", "2026-04-06T10:00:00Z", dlq=DLQ_B),
            run("r1", "2026-04-06T09:00:00Z", dlq=DLQ_A, status=3),
            run("s1", "2026-04-06T08:00:00Z", status=3),
            run("c1", "2026-04-06T08:30:00Z", dlq=DLQ_C),
        ]
    },
    "make/dlqs.json": {
        "dlqs": [
            {"id": DLQ_A, "scenarioId": 4711, "executionId": "s1"},
            {"id": DLQ_B, "scenarioId": 4711, "executionId": ORIGINAL_B},
        ]
    },
    f"make/dlqs/{DLQ_A}/bundle.json": {
        "code": "OK",
        "response": {
            "1": {
                "sku": "SKU-A",
                "location": "DC1",
                "on_hand": 847,
                "updated_at": "2026-04-06T07:59:00Z",
                "event_id": "mv-1",
            }
        },
    },
    "make/hook_123.json": {
        "hookLogs": [
            {
                "id": "h1",
                "statusId": 1,
                "loggedAt": "2026-04-06T07:59:01Z",
                "data": {"request": {"body": {"sku": "SKU-A", "on_hand": 847}}},
            }
        ]
    },
    "make/hooks/123/incomings.json": {
        "incomings": [{"id": "q1", "created": "2026-04-06T07:59:02Z"}]
    },
    "make/hooks/999/incomings.json": {
        "incomings": [{"id": "q2", "created": "2026-04-06T07:59:03Z"}]
    },
}


def test_blueprint_names_scenario_runs_and_dlq_facts_name_retries(kit: Any) -> None:
    rows = kit.export(FILES)["make.scenario_logs"].sort("record")
    assert rows.select("run_id", "flow", "attempt").rows() == [
        ("r3", "Stock sync", 3),
        ("r2", "Stock sync", 2),
        ("r1", "Stock sync", 2),
        ("s1", "Stock sync", 1),
        # No make.dlq fact for this dlq id: the flow cannot be named after a scenario.
        ("c1", f"dlq:{DLQ_C}", 2),
    ]


def test_dlq_bundle_gives_the_retry_rows_their_record_data(kit: Any) -> None:
    rows = {r["run_id"]: r for r in kit.export(FILES)["make.scenario_logs"].rows(named=True)}
    for run_id in ("r1", "r3"):
        retry = rows[run_id]
        assert (retry["sku"], retry["location"], retry["quantity"]) == ("SKU-A", "DC1", 847.0)
        assert retry["occurred_at"] == datetime(2026, 4, 6, 7, 59, tzinfo=UTC)
        assert retry["event_id"] == "mv-1"
    # Without a bundle the retry still carries the original execution id as its event.
    assert (rows["r2"]["sku"], rows["r2"]["event_id"]) == (None, ORIGINAL_B)
    assert (rows["s1"]["sku"], rows["s1"]["event_id"]) == (None, None)


def test_hook_fact_names_hook_logs_and_incomings(kit: Any) -> None:
    out = kit.export(FILES)
    assert out["make.hook_logs"].get_column("flow").to_list() == ["Stock sync"]
    assert out["make.incomings"].select("run_id", "flow").rows() == [
        ("q1", "Stock sync"),
        ("q2", "hook:999"),
    ]
    assert "make.blueprint" not in out
    assert "make.dlq" not in out


def test_without_facts_flows_fall_back_to_platform_ids(kit: Any) -> None:
    files = {k: v for k, v in FILES.items() if "blueprint" not in k and "dlq" not in k}
    out = kit.export(files)
    flows = out["make.scenario_logs"].sort("record").get_column("flow").to_list()
    assert flows == [
        f"dlq:{DLQ_A}",
        f"dlq:{DLQ_B}",
        f"dlq:{DLQ_A}",
        "scenario:4711",
        f"dlq:{DLQ_C}",
    ]
    assert out["make.hook_logs"].get_column("flow").to_list() == ["hook:123"]
