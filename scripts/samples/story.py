"""The expected findings, computed from the files as written, and the checks that pin them.

``expect`` runs the reference analysis over the re-parsed rows and collects every
number the README states; ``check`` asserts that the planted cases (and nothing
else) are in the data. Both run on every generation.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field

from samples import analysis, boomi, make, zapier
from samples.build import WEBHOOK_FLOW, Built
from samples.common import DAY, HOUR, MIN, SEC, at
from samples.world import (
    ERP_SUBSCRIPTION_DOWN,
    EXPORT_HOLE,
    SAFETY_STOCK,
    TPL,
    TRAILFUEL,
    ZAP_PACK_TABLE_FIX,
    BoomiDoc,
    BoomiExec,
    DlqItem,
    TplEvent,
    ZapRun,
)

MAX_BYTES = 5_000_000
MONDAY_SHA256 = "9d676d43954c603b2f794615b6a93f5033fc3f2436b878b250d1eb49c1e70463"


@dataclass
class Expect:
    flows: dict[str, dict] = field(default_factory=dict)
    gaps: list[analysis.Gap] = field(default_factory=list)
    shared: list[dict] = field(default_factory=list)
    monday_gaps: list[analysis.Gap] = field(default_factory=list)
    delays: list[analysis.Episode] = field(default_factory=list)
    stale: list[analysis.Write] = field(default_factory=list)
    dups: list[tuple[str, str, str, list[analysis.Row]]] = field(default_factory=list)
    idm: dict[str, dict] = field(default_factory=dict)
    maps: dict[tuple[str, str, str], list[analysis.Mapping]] = field(default_factory=dict)
    drift: list[dict] = field(default_factory=list)
    busy_pause: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    closest: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    night: dict[str, tuple[int, int, float]] = field(default_factory=dict)


def expect(b: Built) -> Expect:
    p = b.parsed
    e = Expect()
    for name, platform, src, dst in (
        (boomi.PROCESS, "Boomi", "wms", "erp"),
        (make.SCENARIO, "Make", "erp", "storefront"),
        (zapier.ZAP_TITLE, "Zapier", "3pl", "erp"),
        (WEBHOOK_FLOW, "webhook", "storefront", "erp"),
    ):
        rows = [r for r in p.rows if r.flow == name]
        by_fmt: dict[str, int] = defaultdict(int)
        for r in rows:
            by_fmt[r.fmt] += 1
        e.flows[name] = {"platform": platform, "from": src, "to": dst, "rows": len(rows)}
        e.flows[name]["by_format"] = dict(sorted(by_fmt.items()))
    found, shared = analysis.gaps(p)
    e.gaps = [g for g in found if g.flow != WEBHOOK_FLOW]
    e.monday_gaps = [g for g in found if g.flow == WEBHOOK_FLOW]
    e.shared = shared
    e.delays = analysis.delays(p)
    ws = analysis.writes(p)
    e.stale = [w for lst in ws.values() for w in lst if w.stale]
    e.stale.sort(key=lambda w: (w.row.flow, w.row.apply_at))
    e.dups = analysis.duplicates(p)
    for _, _, _, rs in e.dups:
        rs.sort(key=lambda r: (r.apply_at, r.n))
    e.idm = analysis.idempotency(p)
    maps: dict[tuple[str, str, str], list[analysis.Mapping]] = defaultdict(list)
    for m in p.mappings:
        maps[(m.flow, m.src, m.dst)].append(m)
    for ms in maps.values():
        ms.sort(key=lambda m: (m.row.apply_at, m.row.n))
    e.maps = dict(sorted(maps.items()))
    for flow in (make.SCENARIO, zapier.ZAP_TITLE, boomi.PROCESS):
        # The longest silence busy enough to be a gap, the silence longer than gap_min
        # that predicts the most runs, and the longest night-time silence: all must
        # stay clear of the thresholds.
        busy = (0, 0, 0.0)
        closest = (0, 0, 0.0)
        night = (0, 0, 0.0)
        for a, z, x in analysis.silences(p, flow, 5 * MIN):
            if x is None or _planted_silence(flow, a, z):
                continue
            if x >= 0.85 * analysis.GAP_MISSED and z - a > busy[1] - busy[0]:
                busy = (a, z, x)
            if z - a > analysis.GAP_MIN and x > closest[2]:
                closest = (a, z, x)
            covers_4am = (a - 4 * HOUR) // DAY < (z - 4 * HOUR) // DAY
            if covers_4am and z - a > night[1] - night[0]:
                night = (a, z, x)
        e.busy_pause[flow] = busy
        e.closest[flow] = closest
        e.night[flow] = night
    e.drift = drift(b, ws)
    return e


def _planted_silence(flow: str, a: int, z: int) -> bool:
    hole = a <= EXPORT_HOLE[0] + 5 * MIN and z >= EXPORT_HOLE[1]
    if flow == make.SCENARIO:
        return hole or (a <= ERP_SUBSCRIPTION_DOWN[0] and z >= ERP_SUBSCRIPTION_DOWN[1])
    if flow == boomi.PROCESS:
        return hole or (a <= at(2, 14) and z >= at(2, 16))
    return False


def drift(b: Built, ws: dict[tuple[str, str], list[analysis.Write]]) -> list[dict]:
    """Per entity: the source-of-truth value and the last value written into each system."""
    w = b.world
    wms: dict[str, analysis.Row] = {}
    wms_src: dict[str, float] = {}
    for m in b.parsed.mappings:
        if m.flow != boomi.PROCESS or not m.row.applied:
            continue
        key = m.row.entity
        cur = wms.get(key)
        if cur is None or (m.row.occurred, m.row.n) > (cur.occurred, cur.n):
            wms[key] = m.row
            wms_src[key] = m.src_value
    last: dict[tuple[str, str], analysis.Row] = {}
    for (flow, ent), lst in ws.items():
        system = {
            boomi.PROCESS: "erp",
            zapier.ZAP_TITLE: "erp",
            WEBHOOK_FLOW: "erp",
            make.SCENARIO: "storefront",
        }[flow]
        row = lst[-1].row
        cur = last.get((system, ent))
        if cur is None or (row.apply_at, row.n) > (cur.apply_at, cur.n):
            last[(system, ent)] = row
    out = []
    for ent in w.ents:
        erp_row = last.get(("erp", ent.key))
        shop_row = last.get(("storefront", ent.key))
        out.append(
            {
                "ent": ent,
                "wms": wms_src.get(ent.key),
                "wms_row": wms.get(ent.key),
                "erp_log": erp_row.quantity if erp_row else None,
                "erp_row": erp_row,
                "shop": shop_row.quantity if shop_row else None,
                "shop_row": shop_row,
                "erp_model": w.erp_final[ent.key],
                "shop_model": w.store_final[ent.key],
                "truth": w.wms_final[ent.key] if ent.loc != TPL else w.tpl_truth[ent.key],
            }
        )
    return out


# ------------------------------------------------------------------ checks
def check(b: Built, e: Expect) -> None:
    w, x = b.world, b.export
    # Files: JSON loads, record counts, size, the Monday log unchanged.

    for path, f in x.files.items():
        if path.endswith(".json"):
            doc = json.loads(f.text)
            key = next(
                (
                    k
                    for k in ("result", "scenarioLogs", "dlqLogs", "dlqs", "hookLogs", "data")
                    if k in doc
                ),
                None,
            )
            assert (len(doc[key]) if key else 1) == f.records, path
            assert f.text.startswith("{\n  "), path  # pretty-printed, indent 2
    monday = x.files[next(p for p in x.files if p.endswith(".ndjson"))]
    assert hashlib.sha256(monday.text.encode()).hexdigest() == MONDAY_SHA256
    # One execution record exported twice across adjacent pages, nothing else.
    ids: list[str] = []
    for path in sorted(x.files):
        if path.startswith("boomi/executions/"):
            ids += [r["executionId"] for r in json.loads(x.files[path].text)["result"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert len(dup) == 1 and len(ids) == len(set(ids)) + 1, dup

    # Row counts per flow, independently from the model.
    visible = [ex for ex in w.execs if not ex.hidden]
    n_docs = sum(len(ex.docs) for ex in visible)
    n_bare = sum(1 for ex in visible if not ex.docs)
    calls = [c for c in w.calls if c.logged is not None and not c.hidden]
    assert e.flows[boomi.PROCESS]["rows"] == n_docs + n_bare
    assert e.flows[make.SCENARIO]["rows"] == 2 * len(calls) + len(w.dlqs)
    assert e.flows[zapier.ZAP_TITLE]["rows"] == len(w.zap_runs)
    assert e.flows[WEBHOOK_FLOW]["rows"] == 345

    # Gaps: Boomi Wed (8 missed), Make Thu, and the Saturday hole once (GAP002).
    oom = w.tags["boomi_oom"]
    assert isinstance(oom, BoomiExec)
    got = sorted((g.flow, g.scheduled, g.missed) for g in e.gaps)
    boomi_wed = [g for g in e.gaps if g.flow == boomi.PROCESS and g.start < at(3)]
    make_thu = [g for g in e.gaps if g.flow == make.SCENARIO and at(3) <= g.start < at(4)]
    assert len(boomi_wed) == 1 and boomi_wed[0].missed == 8 and boomi_wed[0].scheduled, got
    assert len(make_thu) == 1 and not make_thu[0].scheduled, got
    assert (
        make_thu[0].start < ERP_SUBSCRIPTION_DOWN[0] and make_thu[0].end >= ERP_SUBSCRIPTION_DOWN[1]
    )
    assert len(e.shared) == 1, e.shared
    hole = e.shared[0]
    assert hole["flows"] == sorted([boomi.PROCESS, make.SCENARIO]), hole
    assert hole["start"] < EXPORT_HOLE[0] and hole["end"] >= EXPORT_HOLE[1]
    in_hole = [g for g in e.gaps if g.start <= hole["start"] and g.end >= hole["end"]]
    assert len(e.gaps) == 2 + len(in_hole) and len(in_hole) == 2, got
    for flow, (a, z, _) in e.busy_pause.items():
        # Silences busy enough to be gaps are at least 90 s short of gap_min...
        assert z - a < analysis.GAP_MIN - 90 * SEC, (flow, a, z)
    for flow, (_, _, exp) in e.closest.items():
        # ...and silences longer than gap_min predict well under gap_missed runs.
        assert exp < 0.85 * analysis.GAP_MISSED, (flow, exp)
    for r in b.parsed.rows:
        t = r.best
        assert t is None or not EXPORT_HOLE[0] <= t < EXPORT_HOLE[1], r.where

    # Delays: exactly the planted episodes and their consequences.
    eps = {(ep.flow, ep.rows[0].apply_at // DAY): ep for ep in e.delays}
    assert len(eps) == len(e.delays) == 4, [(ep.flow, len(ep.rows)) for ep in e.delays]
    tue = eps[(make.SCENARIO, 1)]
    assert len(tue.rows) >= 20 and 30 * MIN <= max(tue.lags) <= 40 * MIN
    assert all(r.fmt == "make.hook_logs" for r in tue.rows)
    late = eps[(zapier.ZAP_TITLE, 2)]
    assert len(late.rows) == 1 and late.lags[0] > analysis.DELAY_CRITICAL
    sat = eps[(make.SCENARIO, 5)]
    assert len(sat.rows) == 1 and sat.rows[0].attempt == 2
    wed = eps[(boomi.PROCESS, 2)]
    catch = w.tags["boomi_catch_up"]
    assert isinstance(catch, BoomiExec)
    assert {r.run_id.split("#")[0] for r in wed.rows} == {catch.exec_id}

    # SYN001: the Boomi batch runs every 15 min, takes time, and the WMS keeps moving.
    sched = [ex for ex in w.execs if not ex.hidden and ex.etype == "exec_sched"]
    run_times = sorted(ex.recorded - ex.time for ex in sched)
    assert run_times[len(run_times) // 2] >= SEC
    with_docs = [ex for ex in sched if ex.docs and ex is not catch]
    moving = [ex for ex in with_docs if any(d.source_t > ex.time - 15 * MIN for d in ex.docs)]
    assert len(moving) == len(with_docs) and len(with_docs) > len(sched) / 2

    # Retries and sequence: one stale retry (Make), two stale first deliveries (Monday).
    kinds = sorted((s.row.flow, s.retry) for s in e.stale)
    assert kinds == [(make.SCENARIO, True), (WEBHOOK_FLOW, False), (WEBHOOK_FLOW, False)], kinds
    assert len(e.dups) == 1 and e.dups[0][0] == zapier.ZAP_TITLE
    assert all(r.status == "ok" for r in e.dups[0][3]) and len(e.dups[0][3]) == 2
    zap = e.idm[zapier.ZAP_TITLE]
    assert zap["without_key"] == zap["records"] and zap["retries"] >= 2
    for flow in (boomi.PROCESS, make.SCENARIO, WEBHOOK_FLOW):
        assert e.idm[flow]["record_level_without_key"] == 0
        assert e.idm[flow]["without_key"] / e.idm[flow]["records"] < 0.5

    # Mappings.
    b_map = e.maps[(boomi.PROCESS, "trackedFields.OnHand", "trackedFields.QuantityOnHand")]
    assert len(b_map) >= 20 and all(m.dst_value == m.src_value - SAFETY_STOCK for m in b_map)
    cases = e.maps[(zapier.ZAP_TITLE, "data_in.qty_cases", "data_out.quantity")]
    ratios = [m.dst_value / m.src_value for m in cases]
    first6 = ratios.index(6.0)
    assert set(ratios[:first6]) == {12.0} and set(ratios[first6:]) == {6.0}
    assert cases[first6].row.received >= ZAP_PACK_TABLE_FIX > cases[first6 - 1].row.received
    units = e.maps[(zapier.ZAP_TITLE, "data_in.qty", "data_out.quantity")]
    lossy = [m for m in units if m.dst_value != m.src_value]
    assert len(lossy) == 3 and all(m.dst_value == int(m.src_value) for m in lossy)
    assert all(m.src_value > 0 for m in lossy)
    assert set(e.maps) == {
        (boomi.PROCESS, "trackedFields.OnHand", "trackedFields.QuantityOnHand"),
        (zapier.ZAP_TITLE, "data_in.qty_cases", "data_out.quantity"),
        (zapier.ZAP_TITLE, "data_in.qty", "data_out.quantity"),
    }
    bp = json.loads(x.files["make/blueprint-erp-to-storefront.json"].text)
    mapper = bp["response"]["blueprint"]["flow"][2]["mapper"]
    assert mapper["available"] == "{{1.on_hand}}"
    assert bp["response"]["blueprint"]["metadata"]["scenario"]["sequential"] is False

    # Drift: the log says what the model says; WMS entities differ only as planted.
    for d in e.drift:
        ent = d["ent"]
        assert d["shop"] == d["shop_model"], (ent.key, d["shop"], d["shop_model"])
        if ent.loc == TPL:
            assert d["wms"] is None
            assert d["erp_model"] >= 0 and d["truth"] >= 0
            continue
        assert d["wms"] == d["truth"], (ent.key, d["wms"], d["truth"])
        assert d["erp_log"] == d["erp_model"] == d["wms"] - SAFETY_STOCK, ent.key
    odd = sorted(d["ent"].key for d in e.drift if d["ent"].loc != TPL and d["shop"] != d["erp_log"])
    assert odd == ["SKU-1009@STORE-BK", "SKU-1014@DC1"], odd
    tpl_off = sorted(
        d["ent"].key for d in e.drift if d["ent"].loc == TPL and d["erp_model"] != d["truth"]
    )
    assert tpl_off == [f"{s}@{TPL}" for s in (*TRAILFUEL, "SKU-1020")], tpl_off

    # Per entity, Make events are far enough apart that executions never overlap.
    runs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for c in w.calls:
        if c.logged is not None:
            runs[c.ev.ent.key].append((c.exec_ts, c.exec_ts + c.duration))
    for key, spans in runs.items():
        spans.sort()
        assert all(nxt[0] > cur[1] for cur, nxt in itertools.pairwise(spans)), key
    # Physical and ERP levels are never negative.
    for hist in w.erp_history.values():
        assert all(v >= 0 for _, v, _ in hist)
    for m in w.movements:
        assert m.level >= 8
    # The planted records are all in the export.
    for tag in ("dlq_decoy", "dlq_stale"):
        item = w.tags[tag]
        assert isinstance(item, DlqItem) and not item.call.hidden
    for tag in ("tpl_zap_late", "tpl_zap_dup", "tpl_rebox_receipt"):
        assert isinstance(w.tags[tag], TplEvent)
    for tag in ("zap_late_replay", "zap_dup_second"):
        assert isinstance(w.tags[tag], ZapRun)
    assert isinstance(w.tags["boomi_retry_doc"], BoomiDoc)
