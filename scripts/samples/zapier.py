"""Zapier: Zap run history pages of the 3PL adjustment Zap."""

from __future__ import annotations

import json

from samples.common import iso_s, iso_us, render_records
from samples.files import Export, File
from samples.world import TPL, World, ZapRun

ZAP_ID = 12_384_091_272_630_149  # beyond 2**53: must stay an exact integer
ZAP_TITLE = "3PL shipments -> ERP stock adjust"
PAGE = 100
API = "https://api.zapier.com/v2/zap-runs"


def number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def data_in(r: ZapRun) -> dict:
    ev = r.ev
    out: dict = {
        "event_id": ev.eid,
        "type": ev.kind,
        "reference": ev.ref,
        "sku": ev.ent.sku,
        "warehouse": TPL,
    }
    if ev.ent.uom == "CS":
        out["qty_cases"] = number(ev.qty)
    else:
        out["qty"] = number(ev.qty)
    out["uom"] = ev.ent.uom
    out["updated_at"] = iso_s(ev.t)
    return out


def data_out(r: ZapRun) -> dict | str:
    if r.written is None:
        return ""
    return {
        "id": r.adj_id,
        "item": r.ev.ent.sku,
        "location": TPL,
        "quantity": number(r.written),
        "memo": f"3PL {r.ev.kind} {r.ev.ref}",
    }


def zap_run(r: ZapRun) -> dict:
    din: dict | str = data_in(r)
    dout = data_out(r)
    if r.as_string:
        din = json.dumps(din)
        dout = json.dumps(dout) if isinstance(dout, dict) else dout
    return {
        "id": r.run_id,
        "zap_id": ZAP_ID,
        "zap_title": ZAP_TITLE,
        "status": r.status,
        "start_time": iso_us(r.start),
        "end_time": iso_us(r.end),
        "steps": [{"status": s, "start_time": iso_us(t)} for s, t in r.steps],
        "data_in": din,
        "data_out": dout,
    }


def render(world: World, export: Export) -> None:
    newest = sorted(world.zap_runs, key=lambda r: (r.start, r.run_id), reverse=True)
    total = len(newest)
    for n, i in enumerate(range(0, total, PAGE), 1):
        chunk = newest[i : i + PAGE]
        env = {
            "links": {
                "next": f"{API}?offset={i + PAGE}&limit={PAGE}" if i + PAGE < total else None,
                "prev": f"{API}?offset={i - PAGE}&limit={PAGE}" if i else None,
            },
            "meta": {"count": total, "limit": PAGE, "offset": i},
            "data": [zap_run(r) for r in chunk],
        }
        text, lines = render_records(env, "data")
        path = f"zapier/zap-runs-page-{n}.json"
        export.add(File(path, text, "zapier.zap_runs", len(chunk)))
        for rec, (line, r) in enumerate(zip(lines, chunk, strict=True), 1):
            export.locate("zap", r.run_id, path, line, rec)
