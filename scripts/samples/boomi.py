"""Boomi: ExecutionRecord and GenericConnectorRecord query pages, one process log."""

from __future__ import annotations

from samples.common import DAY, iso_s, render_records
from samples.files import Export, File
from samples.world import BoomiDoc, BoomiExec, World

PROCESS = "WMS to ERP inventory sync"
PROCESS_ID = "4b7e3f0a-91c2-4d58-a6e4-2f9b8c1d7e55"
ACCOUNT = "northwindoutfitters-K7Q2XG"
ATOM_NAME = "prod-molecule"
ATOM_ID = "c3a1d9e2-5f64-4b7a-8e21-9d0f6b3c4a18"
CONNECTION_ID = "8d2f6a41-07be-4c93-b5d1-3e9a7c0f2b64"
OPERATION_ID = "e61b0c9d-3a72-4f18-9c45-7d2e8b1a6f03"
PAGE = 100
DUP_AT = 300  # the record at this position is exported again at the top of the next page


def execution_record(ex: BoomiExec) -> dict:
    errors = sum(1 for d in ex.docs if d.status == "ERROR")
    rec = {
        "@type": "ExecutionRecord",
        "executionId": ex.exec_id,
        "account": ACCOUNT,
        "executionTime": iso_s(ex.time),
        "status": ex.status,
        "executionType": ex.etype,
        "processName": PROCESS,
        "processId": PROCESS_ID,
        "atomName": ATOM_NAME,
        "atomId": ATOM_ID,
        "nodeId": ex.node,
        "inboundDocumentCount": len(ex.docs),
        "inboundErrorDocumentCount": errors,
        "outboundDocumentCount": len(ex.docs) - errors,
        "executionDuration": ex.duration,
        "recordedDate": iso_s(ex.recorded),
    }
    if ex.original is not None:
        rec["originalExecutionId"] = ex.original.exec_id
    rec["message"] = ex.message
    return rec


def connector_record(ex: BoomiExec, d: BoomiDoc) -> dict:
    return {
        "@type": "GenericConnectorRecord",
        "id": f"connector-{d.doc_id}",
        "executionConnectorId": f"{ex.exec_id}-shape7",
        "executionId": ex.exec_id,
        "connectionId": CONNECTION_ID,
        "connectionName": "NetSuite",
        "operationId": OPERATION_ID,
        "operationName": "Upsert Inventory",
        "actionType": "UPDATE",
        "connectorType": "officialboomi-X3979C-netsui-prod",
        "dateProcessed": iso_s(d.processed),
        "status": d.status,
        "errorMessage": d.error,
        "retryable": d.status == "ERROR",
        "documentIndex": d.index - 1,
        "incrementalDocumentIndex": d.index,
        "size": d.size,
        "trackedFields": {
            "trackedField": [
                {"name": "SKU", "value": d.ent.sku},
                {"name": "Location", "value": d.ent.loc},
                {"name": "OnHand", "value": str(d.on_hand)},
                {"name": "QuantityOnHand", "value": str(d.qoh)},
                {"name": "SourceUpdatedAt", "value": iso_s(d.source_t)},
                {"name": "MovementId", "value": d.mid},
                {"name": "IdempotencyKey", "value": d.idem},
            ]
        },
    }


def process_log(ex: BoomiExec) -> tuple[str, int]:
    """The process log of the execution that died (tab-separated, SEVERE continues)."""
    t0 = iso_s(ex.time)
    t_fail = iso_s(ex.recorded - 1000)
    start = "Database: WMS inventory movements"
    lines = [
        (t0, "INFO", "initializing...", "", f"Executing Process {PROCESS}"),
        (t0, "INFO", "initializing...", "", "Process Type: Scheduled; Atom: prod-molecule"),
        (t0, "INFO", "Start", start, "Executing Start Shape"),
        (
            t_fail,
            "SEVERE",
            "Start",
            start,
            "Error executing Start Shape: java.lang.OutOfMemoryError: GC overhead limit exceeded",
        ),
    ]
    trace = [
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
        "\tat java.base/java.lang.StringBuilder.append(StringBuilder.java:179)",
        "\tat com.boomi.connector.database.ResultSetReader.readRow(ResultSetReader.java:212)",
        "\tat com.boomi.connector.database.DatabaseGetOperation.executeQuery"
        "(DatabaseGetOperation.java:96)",
        "\tat com.boomi.process.shape.StartShape.execute(StartShape.java:141)",
        "\t... 14 more",
    ]
    tail = [
        (
            t_fail,
            "SEVERE",
            "initializing...",
            "",
            "Process execution failed: java.lang.OutOfMemoryError: GC overhead limit exceeded",
        ),
        (
            t_fail,
            "WARNING",
            "initializing...",
            "",
            "Node prod-molecule-01 is low on memory; the node will be restarted",
        ),
    ]
    out = ["\t".join(f) for f in lines] + trace + ["\t".join(f) for f in tail]
    return "\n".join(out) + "\n", len(lines) + len(tail)


def render(world: World, export: Export) -> None:
    visible = [ex for ex in world.execs if not ex.hidden]
    records = [execution_record(ex) for ex in visible]
    owners = list(visible)
    records.insert(DUP_AT, records[DUP_AT - 1])
    owners.insert(DUP_AT, visible[DUP_AT - 1])
    total = len(visible)
    pages = [records[i : i + PAGE] for i in range(0, len(records), PAGE)]
    for n, page in enumerate(pages, 1):
        env: dict = {"@type": "QueryResult", "result": page, "numberOfResults": total}
        if n < len(pages):
            env["queryToken"] = f"EXQ-{ACCOUNT}-20260406-{n:03d}"
        text, lines = render_records(env, "result")
        path = f"boomi/executions/executions-page-{n:02d}.json"
        export.add(File(path, text, "boomi.execution_records", len(page)))
        for r, (line, ex) in enumerate(zip(lines, owners[(n - 1) * PAGE :], strict=False), 1):
            export.locate("exec", ex.exec_id, path, line, r)
    docs = [(ex, d) for ex in visible for d in ex.docs]
    for n, i in enumerate(range(0, len(docs), PAGE), 1):
        chunk = docs[i : i + PAGE]
        env = {
            "@type": "QueryResult",
            "result": [connector_record(ex, d) for ex, d in chunk],
            "numberOfResults": len(docs),
        }
        if i + PAGE < len(docs):
            env["queryToken"] = f"DCQ-{ACCOUNT}-20260406-{n:03d}"
        text, lines = render_records(env, "result")
        path = f"boomi/documents/documents-page-{n:02d}.json"
        export.add(File(path, text, "boomi.documents", len(chunk)))
        for r, (line, (_, d)) in enumerate(zip(lines, chunk, strict=True), 1):
            export.locate("doc", d.doc_id, path, line, r)
    oom = world.tags.get("boomi_oom")
    if oom is None:  # the clean week: no run died, no process log was downloaded
        return
    assert isinstance(oom, BoomiExec)
    assert oom.time // DAY == 2
    text, events = process_log(oom)
    path = f"boomi/{oom.exec_id}/process_log.txt"
    export.add(File(path, text, "boomi.process_log", events))
