"""Read the rendered files back the way the parsers are specified to, and check the story.

``rows`` re-parses every output file into canonical rows following the row
contract of the brief (SPEC section 3, FORMATS.md): one row per Boomi document,
per Boomi execution without documents, per Make scenario / dlq / hook log, per
Zap run, per parsed webhook line. The reference detectors below follow SPEC
section 6 (and, for gaps, the thresholds of ``forensics/detectors/gaps.py``); the
README's expected numbers come from them, so they describe the files as written.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from samples.common import HOUR, WEEK0
from samples.files import Export

GAP_MISSED = 6
GAP_MIN = 15 * 60_000
DELAY_WARN = 15 * 60_000
DELAY_CRITICAL = 24 * HOUR


def parse_ts(text: str) -> int:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    d = when - WEEK0
    return d.days * 86_400_000 + d.seconds * 1000 + d.microseconds // 1000


@dataclass
class Row:
    n: int
    source: str
    fmt: str
    file: str
    line: int
    record: int
    flow: str
    run_id: str
    event_id: str | None = None
    idem: str | None = None
    attempt: int = 1
    sku: str | None = None
    loc: str | None = None
    occurred: int | None = None
    received: int | None = None
    processed: int | None = None
    status: str = "ok"
    quantity: float | None = None
    gap_run: str = ""  # the run the gap detector collapses this row into

    @property
    def best(self) -> int | None:
        for t in (self.processed, self.received, self.occurred):
            if t is not None:
                return t
        return None

    @property
    def apply_at(self) -> int | None:
        return self.processed if self.processed is not None else self.received

    @property
    def entity(self) -> str | None:
        if self.sku is None:
            return None
        return f"{self.sku}@{self.loc}" if self.loc else self.sku

    @property
    def applied(self) -> bool:
        return self.status in ("ok", "warning")

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Mapping:
    row: Row
    flow: str
    src: str
    src_value: float
    dst: str
    dst_value: float


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    read: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    row_count: dict[str, int] = field(default_factory=dict)

    def add(self, **kw: object) -> Row:
        row = Row(n=len(self.rows), **kw)  # type: ignore[arg-type]
        self.rows.append(row)
        self.row_count[row.file] = self.row_count.get(row.file, 0) + 1
        return row


def _num(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _maybe_json(value: object) -> dict:
    if isinstance(value, str):
        return json.loads(value) if value.strip() else {}
    assert isinstance(value, dict)
    return value


ZAP_STATUS = {"success": "ok", "error": "error", "halted": "error"}
BOOMI_STATUS = {"COMPLETE": "ok", "COMPLETE_WARN": "warning", "ERROR": "error"}
MAKE_STATUS = {1: "ok", 2: "warning", 3: "error", 0: "pending"}


def rows(export: Export, scenario_name: str, webhook_flow: str) -> Parsed:
    """Canonical rows of the whole folder, in path order (the walker's order)."""
    out = Parsed()
    docs = {p: json.loads(f.text) for p, f in export.files.items() if p.endswith(".json")}
    for p, f in export.files.items():
        out.seen[p] = f.records
        out.rejected[p] = f.rejected
        out.read[p] = f.records - f.rejected
    paths = sorted(export.files)

    # Boomi: execution facts first (first copy of an id wins), then documents.
    execs: dict[str, dict] = {}
    exec_at: dict[str, tuple[str, int, int]] = {}
    for p in paths:
        if p.startswith("boomi/executions/"):
            for r, rec in enumerate(docs[p]["result"], 1):
                if rec["executionId"] not in execs:
                    execs[rec["executionId"]] = rec
                    exec_at[rec["executionId"]] = (
                        p,
                        export.where[("exec", rec["executionId"])][1],
                        r,
                    )

    def chain(eid: str) -> tuple[int, str]:
        n, root = 1, eid
        while execs.get(root, {}).get("originalExecutionId"):
            root = execs[root]["originalExecutionId"]
            n += 1
        return n, root

    with_docs: set[str] = set()
    for p in paths:
        if not p.startswith("boomi/documents/"):
            continue
        for r, rec in enumerate(docs[p]["result"], 1):
            line = export.where[("doc", rec["id"].removeprefix("connector-"))][1]
            ex = execs[rec["executionId"]]
            with_docs.add(rec["executionId"])
            tf = {x["name"]: x["value"] for x in rec["trackedFields"]["trackedField"]}
            attempt, _ = chain(rec["executionId"])
            row = out.add(
                source="boomi",
                fmt="boomi.documents",
                file=p,
                line=line,
                record=r,
                flow=ex["processName"],
                run_id=f"{rec['executionId']}#{rec['incrementalDocumentIndex']}",
                event_id=tf["MovementId"],
                idem=tf["IdempotencyKey"],
                attempt=attempt,
                sku=tf["SKU"],
                loc=tf["Location"],
                occurred=parse_ts(tf["SourceUpdatedAt"]),
                received=parse_ts(ex["executionTime"]),
                processed=parse_ts(rec["dateProcessed"]),
                status={"SUCCESS": "ok", "ERROR": "error"}[rec["status"]],
                quantity=float(tf["QuantityOnHand"]),
                gap_run=rec["executionId"],
            )
            out.mappings.append(
                Mapping(
                    row,
                    row.flow,
                    "trackedFields.OnHand",
                    float(tf["OnHand"]),
                    "trackedFields.QuantityOnHand",
                    float(tf["QuantityOnHand"]),
                )
            )
    for eid, ex in execs.items():
        if eid in with_docs:
            continue
        attempt, root = chain(eid)
        p, line, r = exec_at[eid]
        out.add(
            source="boomi",
            fmt="boomi.execution_records",
            file=p,
            line=line,
            record=r,
            flow=ex["processName"],
            run_id=eid,
            event_id=root if attempt > 1 else eid,
            attempt=attempt,
            received=parse_ts(ex["executionTime"]),
            processed=parse_ts(ex["recordedDate"]),
            status=BOOMI_STATUS[ex["status"]],
            gap_run=eid,
        )
    for p in paths:
        if p.endswith("process_log.txt"):
            eid = p.split("/")[1]
            assert eid in execs, "the process log's execution must be in the execution pages"

    # Make: dlq facts, then scenario logs, dlq logs, hook logs.
    dlq_items: dict[str, dict] = {}
    bundles: dict[str, dict] = {}
    for p in paths:
        if p == "make/dlqs.json":
            for item in docs[p]["dlqs"]:
                dlq_items[item["id"]] = item
        if p.startswith("make/dlq_") and p.endswith("_bundle.json"):
            bundles[p[len("make/dlq_") : -len("_bundle.json")]] = docs[p]["response"]["1"]
    seen_ids: set[str] = set()
    for p in paths:
        if not (p.startswith("make/scenario-") and "-logs-page-" in p):
            continue
        for r, rec in enumerate(docs[p]["scenarioLogs"], 1):
            if rec["id"] in seen_ids:
                continue
            seen_ids.add(rec["id"])
            ts = parse_ts(rec["timestamp"])
            out.add(
                source="make",
                fmt="make.scenario_logs",
                file=p,
                line=export.where[("scenario", rec["id"])][1],
                record=r,
                flow=scenario_name,
                run_id=rec["id"],
                received=ts,
                processed=ts + rec["duration"],
                status=MAKE_STATUS[rec["status"]],
                gap_run=rec["id"],
            )
    for p in paths:
        if not p.endswith("-dlq-logs.json"):
            continue
        logs = docs[p]["dlqLogs"]
        order = sorted(range(len(logs)), key=lambda i: logs[i]["timestamp"])
        rank: dict[int, int] = {}
        counts: dict[str, int] = defaultdict(int)
        for i in order:
            dlq_id = logs[i]["imtId"].split("_dlq.")[1].split(".")[0]
            counts[dlq_id] += 1
            rank[i] = counts[dlq_id] + 1
        for r, rec in enumerate(logs, 1):
            dlq_id = rec["imtId"].split("_dlq.")[1].split(".")[0]
            b = bundles[dlq_id]
            ts = parse_ts(rec["timestamp"])
            out.add(
                source="make",
                fmt="make.scenario_logs",
                file=p,
                line=export.where[("dlqlog", rec["id"])][1],
                record=r,
                flow=scenario_name,
                run_id=rec["id"],
                event_id=b["event_id"],
                idem=b["idempotency_key"],
                attempt=rank[r - 1],
                sku=b["sku"],
                loc=b["location"],
                occurred=parse_ts(b["updated_at"]),
                received=ts,
                processed=ts + rec["duration"],
                status=MAKE_STATUS[rec["status"]],
                quantity=float(b["on_hand"]),
                gap_run=rec["id"],
            )
    for p in paths:
        if not p.startswith("make/hooks/"):
            continue
        for r, rec in enumerate(docs[p]["hookLogs"], 1):
            b = rec["data"]["request"]["body"]
            out.add(
                source="make",
                fmt="make.hook_logs",
                file=p,
                line=export.where[("hook", rec["id"])][1],
                record=r,
                flow=scenario_name,
                run_id=rec["id"],
                event_id=b["event_id"],
                idem=b["idempotency_key"],
                sku=b["sku"],
                loc=b["location"],
                occurred=parse_ts(b["updated_at"]),
                received=parse_ts(rec["loggedAt"]),
                processed=None,
                status=MAKE_STATUS[rec["statusId"]],
                quantity=float(b["on_hand"]),
                gap_run=rec["id"],
            )

    # Zapier.
    zap_rows: list[Row] = []
    for p in paths:
        if not p.startswith("zapier/"):
            continue
        for r, rec in enumerate(docs[p]["data"], 1):
            din = _maybe_json(rec["data_in"])
            dout = _maybe_json(rec["data_out"])
            quantity = _num(dout.get("quantity")) if dout else _num(din.get("qty"))
            row = out.add(
                source="zapier",
                fmt="zapier.zap_runs",
                file=p,
                line=export.where[("zap", rec["id"])][1],
                record=r,
                flow=rec["zap_title"],
                run_id=rec["id"],
                event_id=din["event_id"],
                sku=din["sku"],
                loc=din["warehouse"],
                occurred=parse_ts(din["updated_at"]),
                received=parse_ts(rec["start_time"]),
                processed=parse_ts(rec["end_time"]),
                status=ZAP_STATUS[rec["status"]],
                quantity=quantity,
                gap_run=rec["id"],
            )
            zap_rows.append(row)
            for k_in, v_in in din.items():
                x = _num(v_in)
                if x is None:
                    continue
                for k_out, v_out in dout.items():
                    y = _num(v_out)
                    if y is not None:
                        out.mappings.append(
                            Mapping(row, row.flow, f"data_in.{k_in}", x, f"data_out.{k_out}", y)
                        )
    by_event: dict[str, list[Row]] = defaultdict(list)
    for row in zap_rows:
        by_event[row.event_id or ""].append(row)
    for group in by_event.values():
        group.sort(key=lambda x: (x.received or 0, x.file, x.record))
        for i, row in enumerate(group, 1):
            row.attempt = i

    # The storefront receiver's NDJSON (Shopify webhooks).
    for p in paths:
        if not p.endswith(".ndjson"):
            continue
        wh: list[Row] = []
        for line_no, line in enumerate(export.files[p].text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            h, b = rec["headers"], rec["body"]
            received = parse_ts(rec["received_at"])
            wh.append(
                out.add(
                    source="webhook",
                    fmt="webhook.request_log",
                    file=p,
                    line=line_no,
                    record=line_no,
                    flow=webhook_flow,
                    run_id=h["X-Shopify-Webhook-Id"],
                    event_id=h["X-Shopify-Event-Id"],
                    idem=h["X-Shopify-Webhook-Id"],
                    sku=str(b["inventory_item_id"]),
                    loc=str(b["location_id"]),
                    occurred=parse_ts(b["updated_at"]),
                    received=received,
                    processed=parse_ts(rec["processed_at"]) if "processed_at" in rec else received,
                    status="ok" if rec["status"] < 300 else "error",
                    quantity=float(b["available"]),
                    gap_run=h["X-Shopify-Webhook-Id"] + "@" + rec["received_at"],
                )
            )
        seen: dict[str, int] = defaultdict(int)
        for row in sorted(wh, key=lambda x: (x.received or 0, x.line)):
            seen[row.idem or ""] += 1
            row.attempt = seen[row.idem or ""]
    return out


# ------------------------------------------------------------------ gaps
@dataclass
class Run:
    flow: str
    key: str
    at: int
    end: int
    first: Row
    last: Row


@dataclass
class Gap:
    flow: str
    start: int
    end: int
    scheduled: bool
    period: float
    expected: float
    missed: int
    before: Row
    after: Row

    @property
    def duration(self) -> int:
        return self.end - self.start


def flow_runs(parsed: Parsed, doc_runs_per_document: bool = False) -> dict[str, list[Run]]:
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in parsed.rows:
        if row.best is None:
            continue
        key = row.run_id if doc_runs_per_document else row.gap_run
        groups[(row.flow, key)].append(row)
    out: dict[str, list[Run]] = defaultdict(list)
    for (flow, key), rs in groups.items():
        rs.sort(key=lambda x: (x.best, x.n))
        # A run starts when the middleware accepted it (its earliest receive
        # time), as the gap detector reads it, and ends at its last write.
        start = min(r.received if r.received is not None else r.best for r in rs)  # type: ignore[type-var]
        out[flow].append(Run(flow, key, start, rs[-1].best, rs[0], rs[-1]))  # type: ignore[arg-type]
    for flow in out:
        out[flow].sort(key=lambda r: (r.at, r.first.n))
    return out


def _schedule(runs: list[Run]) -> tuple[bool, float]:
    intervals = [b.at - a.at for a, b in itertools.pairwise(runs)]
    if len(intervals) < 4:
        return False, 0.0
    med = statistics.median(intervals)
    if med <= 0:
        return False, med
    share = sum(1 for x in intervals if abs(x - med) <= 0.2 * med) / len(intervals)
    return share >= 0.75, med


def _hour_parts(start: int, end: int) -> list[tuple[int, float]]:
    """(hour of day, overlap hours) of every clock hour touched by [start, end]."""
    parts = []
    t = start - start % HOUR
    while t <= end:
        a, b = max(start, t), min(end, t + HOUR)
        parts.append(((t // HOUR) % 24, max(0, b - a) / HOUR))
        t += HOUR
    return parts


def _expected(runs: list[Run], start: int, end: int) -> float | None:
    first, last = runs[0].at, max(r.end for r in runs)
    exposure: dict[int, float] = defaultdict(float)
    for h, o in _hour_parts(first, last):
        exposure[h] += o
    per_hour: dict[int, int] = defaultdict(int)
    for r in runs:
        per_hour[(r.at // HOUR) % 24] += 1
    window = (last - first) / HOUR
    parts = _hour_parts(start, end)
    silence = sum(o for _, o in parts)
    total = 0.0
    for h, o in parts:
        other = exposure[h] - o
        if other >= 1.0:
            rate = per_hour[h] / other
        elif window - silence >= 1.0:
            rate = len(runs) / (window - silence)
        else:
            return None
        total += o * rate
    return total


def gaps(parsed: Parsed, doc_runs_per_document: bool = False) -> tuple[list[Gap], list[dict]]:
    """GAP001 candidates per flow and GAP002 global silences (before deduplication)."""
    by_flow = flow_runs(parsed, doc_runs_per_document)
    found: list[Gap] = []
    for flow, runs in sorted(by_flow.items()):
        scheduled, period = _schedule(runs)
        latest = runs[0].end
        latest_row = runs[0].last
        for prev_i, run in enumerate(runs[1:]):
            start = latest
            if run.at - start > GAP_MIN:
                exp = _expected(runs, start, run.at)
                interval = run.at - runs[prev_i].at
                if scheduled:
                    periods = interval / period
                    if periods > 1.5 and exp is not None and exp >= 1:
                        missed = max(int(periods + 0.5) - 1, 1)
                        found.append(
                            Gap(
                                flow,
                                start,
                                run.at,
                                True,
                                period,
                                exp,
                                missed,
                                latest_row,
                                run.first,
                            )
                        )
                elif exp is not None and exp >= GAP_MISSED:
                    found.append(
                        Gap(flow, start, run.at, False, period, exp, 0, latest_row, run.first)
                    )
            if run.end >= latest:
                latest, latest_row = run.end, run.last
    everything = sorted(
        (r for runs in by_flow.values() for r in runs), key=lambda r: (r.at, r.flow, r.first.n)
    )
    spans = {f: (rs[0].at, max(r.end for r in rs)) for f, rs in by_flow.items()}
    shared: list[dict] = []
    g_start = everything[0].end
    for run in everything[1:]:
        if run.at - g_start > GAP_MIN:
            g_end = run.at
            spanning = [f for f, (a, b) in spans.items() if a <= g_start and b >= g_end]
            gapped = sorted({g.flow for g in found if g.start <= g_start and g.end >= g_end})
            if len(spanning) >= 2 and len(gapped) >= 2:
                shared.append(
                    {"start": g_start, "end": g_end, "flows": gapped, "spanning": len(spanning)}
                )
        g_start = max(g_start, run.end)
    return found, shared


def silences(parsed: Parsed, flow: str, min_ms: int) -> list[tuple[int, int, float | None]]:
    """Every silence of a flow longer than min_ms with the runs its rate predicts."""
    runs = flow_runs(parsed)[flow]
    out = []
    latest = runs[0].end
    for run in runs[1:]:
        if run.at - latest > min_ms:
            out.append((latest, run.at, _expected(runs, latest, run.at)))
        latest = max(latest, run.end)
    return out


# ------------------------------------------------------------------ delays
@dataclass
class Episode:
    flow: str
    rows: list[Row]

    @property
    def lags(self) -> list[int]:
        return [lag(r) for r in self.rows]  # type: ignore[misc]


def lag(row: Row) -> int | None:
    end = row.processed if row.processed is not None else row.received
    if end is None or row.occurred is None:
        return None
    return end - row.occurred


def delays(parsed: Parsed) -> list[Episode]:
    by_flow: dict[str, list[Row]] = defaultdict(list)
    for row in parsed.rows:
        if lag(row) is not None:
            by_flow[row.flow].append(row)
    out = []
    for flow, rs in sorted(by_flow.items()):
        rs.sort(key=lambda x: (x.apply_at, x.n))
        run: list[Row] = []
        for row in [*rs, None]:
            if row is not None and lag(row) > DELAY_WARN:  # type: ignore[operator]
                run.append(row)
            elif run:
                out.append(Episode(flow, run))
                run = []
    return out


# ------------------------------------------------------------------ retries / sequence
@dataclass
class Write:
    row: Row
    retry: bool
    stale: bool
    overwritten: Row | None
    newest: Row


def writes(parsed: Parsed) -> dict[tuple[str, str], list[Write]]:
    """Applied writes per (flow, entity) in apply order, with retry and staleness."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in parsed.rows:
        if row.entity is not None and row.applied and row.apply_at is not None:
            groups[(row.flow, row.entity)].append(row)
    out: dict[tuple[str, str], list[Write]] = {}
    for key, rs in groups.items():
        rs.sort(key=lambda x: (x.apply_at, x.n))
        applied_ids: set[str] = set()
        newest: Row | None = None
        prev: Row | None = None
        ws = []
        for row in rs:
            ident = row.event_id or row.idem
            retry = row.attempt > 1 or (ident is not None and ident in applied_ids)
            stale = (
                newest is not None
                and row.occurred is not None
                and newest.occurred is not None
                and row.occurred < newest.occurred
            )
            ws.append(Write(row, retry, stale, prev, newest or row))
            if ident is not None:
                applied_ids.add(ident)
            if row.occurred is not None and (newest is None or row.occurred >= newest.occurred):  # type: ignore[operator]
                newest = row
            prev = row
        out[key] = ws
    return out


def duplicates(parsed: Parsed) -> list[tuple[str, str, str, list[Row]]]:
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in parsed.rows:
        ident = row.event_id or row.idem
        if row.applied and ident is not None:
            groups[(row.flow, row.entity or "", ident)].append(row)
    return [(f, e, i, rs) for (f, e, i), rs in sorted(groups.items()) if len(rs) > 1]


def idempotency(parsed: Parsed) -> dict[str, dict]:
    out: dict[str, dict] = {}
    flows = sorted({r.flow for r in parsed.rows})
    for flow in flows:
        rs = [r for r in parsed.rows if r.flow == flow]
        records = [r for r in rs if r.sku or r.quantity is not None or r.event_id or r.idem]
        record_level = [r for r in rs if r.sku is not None]
        seen: set[tuple[str | None, str | None]] = set()
        redeliveries = 0
        for r in sorted(records, key=lambda x: (x.apply_at or 0, x.n)):
            ident = (r.entity, r.event_id or r.idem)
            if r.attempt > 1 or (ident[1] is not None and ident in seen):
                redeliveries += 1
            seen.add(ident)
        out[flow] = {
            "records": len(records),
            "without_key": sum(1 for r in records if r.idem is None),
            "record_level": len(record_level),
            "record_level_without_key": sum(1 for r in record_level if r.idem is None),
            "retries": redeliveries,
            "writes_quantities": any(r.applied and r.quantity is not None for r in rs),
        }
    return out
