"""Make: the scenario's blueprint, execution logs, incomplete executions and hook logs."""

from __future__ import annotations

from samples.common import epoch_ms, iso_ms, render_records, render_single
from samples.files import Export, File
from samples.world import SHOPIFY_LOCATION, DlqItem, ErpEvent, MakeCall, World

SCENARIO_ID = 4711
SCENARIO = "ERP to storefront stock push"
HOOK_ID = 871234
ORGANIZATION_ID = 58213
TEAM_ID = 91247
ON_CALL_USER = 230417  # the engineer who retried the incomplete execution by hand
PAGE = 100


def blueprint(clean: bool = False) -> dict:
    # MAP001: on_hand mapped into Shopify's available; the clean week sets on hand.
    module, target = (
        ("shopify:setInventoryOnHand", "on_hand")
        if clean
        else ("shopify:setInventoryLevel", "available")
    )
    locations = "; ".join(f'"{loc}"; "{lid}"' for loc, lid in SHOPIFY_LOCATION.items())
    return {
        "code": "OK",
        "response": {
            "scenarioId": SCENARIO_ID,
            "blueprint": {
                "name": SCENARIO,
                "flow": [
                    {
                        "id": 1,
                        "module": "gateway:CustomWebHook",
                        "version": 1,
                        "parameters": {"hook": HOOK_ID, "maxResults": 1},
                        "mapper": {},
                        "metadata": {
                            "designer": {"x": 0, "y": 0},
                            "restore": {"parameters": {"hook": {"label": "ERP inventory changed"}}},
                        },
                    },
                    {
                        "id": 2,
                        "module": "shopify:searchProductVariants",
                        "version": 2,
                        "parameters": {"__IMTCONN__": 1184552},
                        "mapper": {"query": "sku:{{1.sku}}", "limit": "1"},
                        "metadata": {"designer": {"x": 300, "y": 0}},
                    },
                    {
                        "id": 3,
                        "module": module,
                        "version": 2,
                        "parameters": {"__IMTCONN__": 1184552},
                        "mapper": {
                            "inventory_item_id": "{{2.inventory_item_id}}",
                            "location_id": f"{{{{switch(1.location; {locations})}}}}",
                            target: "{{1.on_hand}}",
                        },
                        "metadata": {"designer": {"x": 600, "y": 0}},
                    },
                    {
                        "id": 4,
                        "module": "gateway:WebhookRespond",
                        "version": 1,
                        "parameters": {},
                        "mapper": {"status": "200", "body": "ok"},
                        "metadata": {"designer": {"x": 900, "y": 0}},
                    },
                ],
                "metadata": {
                    "instant": True,
                    "version": 1,
                    "scenario": {
                        "roundtrips": 1,
                        "maxErrors": 3,
                        "autoCommit": True,
                        "autoCommitTriggerLast": True,
                        "sequential": False,
                        "slots": None,
                        "confidential": False,
                        "dataloss": False,
                        "dlq": True,
                        "freshVariables": False,
                    },
                    "designer": {"orphans": []},
                    "zone": "us1.make.com",
                    "notes": [],
                },
            },
        },
    }


def body(ev: ErpEvent) -> dict:
    return {
        "event_id": ev.eid,
        "idempotency_key": ev.idem,
        "sku": ev.ent.sku,
        "location": ev.ent.loc,
        "on_hand": ev.on_hand,
        "committed": ev.committed,
        "reason": ev.reason,
        "updated_at": iso_ms(ev.t),
    }


def hook_log(c: MakeCall) -> dict:
    assert c.logged is not None
    return {
        "id": c.hook_log_id,
        "statusId": 1 if c.status == 1 else 3,
        "loggedAt": iso_ms(c.logged),
        "imtId": f"{epoch_ms(c.logged)}_{c.hook_imt}",
        "parser": "gateway-webhook",
        "data": {
            "request": {
                "method": "POST",
                "headers": {
                    "content-type": "application/json",
                    "user-agent": "NetSuite/2026.1 (SuiteScript inventory events)",
                    "x-ns-event": "inventory.changed",
                },
                "body": body(c.ev),
            }
        },
    }


def scenario_log(c: MakeCall) -> dict:
    return {
        "imtId": f"{epoch_ms(c.exec_ts)}_scenario.{SCENARIO_ID}.auto.{c.exec_id}",
        "id": c.exec_id,
        "type": "auto",
        "instant": True,
        "authorId": None,
        "duration": c.duration,
        "operations": c.operations,
        "transfer": c.transfer,
        "organizationId": ORGANIZATION_ID,
        "teamId": TEAM_ID,
        "timestamp": iso_ms(c.exec_ts),
        "status": c.status,
    }


def dlq_log(d: DlqItem) -> dict:
    kind = "auto" if d.auto else "manual"
    return {
        "imtId": f"{epoch_ms(d.retry_ts)}_dlq.{d.dlq_id}.{kind}.{d.retry_exec_id}",
        "duration": d.retry_duration,
        "transfer": d.call.transfer,
        "operations": 3,
        "centicredits": 300,
        "teamId": TEAM_ID,
        "id": d.retry_exec_id,
        "type": kind,
        "authorId": None if d.auto else ON_CALL_USER,
        "timestamp": iso_ms(d.retry_ts),
        "status": 1,
    }


def render(world: World, export: Export, item_ids: dict[str, int], *, clean: bool = False) -> None:
    export.add(
        File(
            "make/blueprint-erp-to-storefront.json",
            render_single(blueprint(clean)),
            "make.blueprint",
            1,
        )
    )
    live = [c for c in world.calls if c.logged is not None and not c.hidden]
    newest = sorted(live, key=lambda c: (c.exec_ts, c.exec_id), reverse=True)
    pages = [newest[i : i + PAGE] for i in range(0, len(newest), PAGE)]
    for n, page in enumerate(pages, 1):
        logs = [scenario_log(c) for c in page]
        env = {
            "scenarioLogs": logs,
            "pg": {
                "sortBy": "imtId",
                "sortDir": "desc",
                "last": logs[-1]["imtId"],
                "showLast": False,
                "limit": PAGE,
            },
        }
        text, lines = render_records(env, "scenarioLogs")
        path = f"make/scenario-{SCENARIO_ID}-logs-page-{n}.json"
        export.add(File(path, text, "make.scenario_logs", len(page)))
        for r, (line, c) in enumerate(zip(lines, page, strict=True), 1):
            export.locate("scenario", c.exec_id, path, line, r)
    dlqs = sorted(world.dlqs, key=lambda d: d.retry_ts, reverse=True)
    env = {
        "dlqLogs": [dlq_log(d) for d in dlqs],
        "pg": {"sortBy": "imtId", "sortDir": "desc", "limit": 50, "offset": 0},
    }
    text, lines = render_records(env, "dlqLogs")
    path = f"make/scenario-{SCENARIO_ID}-dlq-logs.json"
    export.add(File(path, text, "make.scenario_logs", len(dlqs)))
    for r, (line, d) in enumerate(zip(lines, dlqs, strict=True), 1):
        export.locate("dlqlog", d.retry_exec_id, path, line, r)
    items = sorted(world.dlqs, key=lambda d: d.created, reverse=True)
    env = {
        "dlqs": [
            {
                "id": d.dlq_id,
                "scenarioId": SCENARIO_ID,
                "created": iso_ms(d.created),
                "executionId": d.call.exec_id,
                "retry": d.auto,
                "attempts": 1,
                "resolved": True,
                "reason": d.reason,
                "size": 2_148 + len(d.reason),
            }
            for d in items
        ],
        "pg": {"sortBy": "created", "sortDir": "desc", "limit": 50, "offset": 0},
    }
    text, lines = render_records(env, "dlqs")
    path = "make/dlqs.json"
    export.add(File(path, text, "make.dlq", len(items)))
    for r, (line, d) in enumerate(zip(lines, items, strict=True), 1):
        export.locate("dlq", d.dlq_id, path, line, r)
    for d in items:
        ev = d.call.ev
        bundle = {
            "code": "OK",
            "response": {
                "1": body(ev),
                "2": {
                    "id": item_ids[ev.ent.sku] + 1_000_000_000,
                    "sku": ev.ent.sku,
                    "inventory_item_id": item_ids[ev.ent.sku],
                },
            },
        }
        path = f"make/dlq_{d.dlq_id}_bundle.json"
        export.add(File(path, render_single(bundle), "make.dlq", 1))
        export.locate("bundle", d.dlq_id, path, 1, 1)
    hooks = sorted(live, key=lambda c: (c.logged, c.hook_log_id), reverse=True)
    env = {
        "hookLogs": [hook_log(c) for c in hooks],
        "pg": {"sortBy": "loggedAt", "sortDir": "desc", "limit": 10000, "offset": 0},
    }
    text, lines = render_records(env, "hookLogs")
    path = f"make/hooks/{HOOK_ID}/hook-logs.json"
    export.add(File(path, text, "make.hook_logs", len(hooks)))
    for r, (line, c) in enumerate(zip(lines, hooks, strict=True), 1):
        export.locate("hook", c.hook_log_id, path, line, r)
