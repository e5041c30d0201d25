"""The week's story as data: stock movements, syncs, pushes and every planted problem.

Northwind Outfitters, one week (Mon 2026-04-06 .. Sun 2026-04-12, UTC):

- the WMS holds physical stock at DC1 (New Jersey distribution centre) and
  STORE-BK (Brooklyn store); it is the source of truth;
- "WMS to ERP inventory sync" (Boomi) copies the on-hand of every entity that
  moved into the ERP every 15 minutes, deducting 5 units of safety stock (MAP003);
- "3PL shipments -> ERP stock adjust" (Zapier) posts the 3PL's (Harbor Logistics,
  location 3PL-NJ) receipts and shipments as ERP stock adjustments, converting
  cases to eaches (MAP002) and truncating decimals (MAP004);
- the ERP calls a Make webhook on every inventory change (stock syncs, 3PL
  adjustments, online-order allocations); "ERP to storefront stock push" (Make)
  writes the change's ``on_hand`` into Shopify's ``available`` (MAP001).

This module only simulates; ``boomi``, ``make`` and ``zapier`` render the files.
Everything is integer milliseconds since 2026-04-06T00:00:00Z.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from samples.common import DAY, HOUR, MIN, SEC, WEEK, Ids, at

# ------------------------------------------------------------------ catalogue
DC, STORE, TPL = "DC1", "STORE-BK", "3PL-NJ"
SHOPIFY_LOCATION = {DC: 65011147124, STORE: 74372833794, TPL: 71208815462}

# sku, name, locations, unit, popularity
CATALOGUE = (
    ("SKU-1001", "Ridgeline 2 trail runner, men's 10", (DC, STORE), "EA", 1.2),
    ("SKU-1002", "Ridgeline 2 trail runner, women's 8", (DC, STORE), "EA", 1.1),
    ("SKU-1003", "Alpine merino base layer crew, M", (DC, STORE), "EA", 1.0),
    ("SKU-1004", "Alpine merino base layer crew, L", (DC, STORE), "EA", 0.8),
    ("SKU-1005", "Stormshell rain jacket, M", (DC, STORE), "EA", 1.0),
    ("SKU-1006", "Canyon 28 L daypack", (DC, STORE), "EA", 0.9),
    ("SKU-1007", "Summit insulated bottle 750 ml", (DC, STORE), "EA", 1.3),
    ("SKU-1008", "Trailhead wool hiking socks, 3-pack", (DC, STORE), "EA", 1.4),
    ("SKU-1009", "Cascade trekking poles (pair)", (DC, STORE), "EA", 0.5),
    ("SKU-1010", "Pathfinder headlamp 400 lm", (DC, STORE), "EA", 0.9),
    ("SKU-1011", "Basecamp fleece quarter-zip, S", (DC,), "EA", 0.7),
    ("SKU-1012", "Firelight ultralight tent, 2P", (DC,), "EA", 0.6),
    ("SKU-1013", "Summit down jacket, M", (DC,), "EA", 0.7),
    ("SKU-1014", "Firelight tent footprint, 2P (discontinued)", (DC,), "EA", 0.15),
    ("SKU-1015", "Glacier 0 °C sleeping bag", (DC,), "EA", 0.6),
    ("SKU-1016", "Summit fuel canister 230 g", (TPL,), "EA", 0.6),
    ("SKU-1017", "Trailfuel chili mac, freeze-dried", (TPL,), "CS", 1.0),
    ("SKU-1018", "Trailfuel pad thai, freeze-dried", (TPL,), "CS", 1.0),
    ("SKU-1019", "Trailfuel oatmeal & berries, freeze-dried", (TPL,), "CS", 0.9),
    ("SKU-1020", "Paracord 550, by the metre", (TPL,), "M", 0.8),
)
TRAILFUEL = ("SKU-1017", "SKU-1018", "SKU-1019")

SAFETY_STOCK = 5  # MAP003: the Boomi map deducts this on every document
MIN_WMS_LEVEL = 8  # physical stock never drops below this (so QuantityOnHand > 0)
BOOMI_PERIOD = 15 * MIN
TICK_QUIET = 15 * SEC  # no WMS movement in the first seconds after a schedule tick
LAST_MOVEMENT = 7 * DAY - 16 * MIN  # the last Boomi run of the week sees every movement

# Planted windows and moments.
BOOMI_FAILED_TICK = at(2, 13, 45)  # Wed: the run that dies with OutOfMemoryError
BOOMI_DOWN = (at(2, 14, 0), at(2, 16, 0))  # Wed: no scheduled run fires (8 ticks)
BOOMI_RETRY_TICK = at(1, 10, 15)  # Tue: one document fails, retried 5 min later
EXPORT_HOLE = (at(5, 2, 0), at(5, 5, 0))  # Sat: nothing of any platform exported
ERP_BACKLOG = (at(1, 13, 40), at(1, 14, 50), at(1, 15, 40))  # Tue: start, peak, end
ERP_BACKLOG_PEAK = 38 * MIN
ERP_SUBSCRIPTION_DOWN = (at(3, 12, 0), at(3, 13, 30))  # Thu: ERP sends no webhook
REBOX = at(2, 19, 0)  # Wed evening: the 3PL starts shipping Trailfuel in 6-packs
ZAP_PACK_TABLE_FIX = at(3, 9, 30)  # Thu: someone sets the Zap's pack size to 6


@dataclass(frozen=True)
class Entity:
    sku: str
    name: str
    loc: str
    uom: str
    weight: float

    @property
    def key(self) -> str:
        return f"{self.sku}@{self.loc}"

    @property
    def kind(self) -> str:
        return {DC: "dc", STORE: "store", TPL: "3pl"}[self.loc]


def catalogue() -> list[Entity]:
    out = []
    for sku, name, locs, uom, weight in CATALOGUE:
        for loc in locs:
            out.append(Entity(sku, name, loc, uom, weight * (0.7 if loc == STORE else 1.0)))
    return out


# ------------------------------------------------------------------ records
@dataclass
class Movement:
    """A physical stock change recorded by the WMS (DC1 / STORE-BK)."""

    t: int  # whole seconds
    ent: Entity
    delta: int
    kind: str  # pick, sale, receipt, transfer_in, transfer_out, count
    level: int = 0  # on-hand after the movement
    mid: str = ""
    tag: str = ""


@dataclass
class BoomiDoc:
    ent: Entity
    on_hand: int
    qoh: int
    source_t: int
    mid: str
    idem: str
    index: int = 0
    processed: int = 0
    status: str = "SUCCESS"
    error: str = ""
    doc_id: str = ""
    size: int = 0
    tag: str = ""


@dataclass
class BoomiExec:
    tick: int
    time: int  # executionTime (whole seconds)
    recorded: int = 0
    duration: int = 0
    etype: str = "exec_sched"
    status: str = "COMPLETE"
    message: str = ""
    original: BoomiExec | None = None
    docs: list[BoomiDoc] = field(default_factory=list)
    exec_id: str = ""
    hidden: bool = False  # inside the export hole
    tag: str = ""
    node: str = "prod-molecule-01"


@dataclass
class TplEvent:
    """A receipt or shipment reported by the 3PL (one Zap trigger)."""

    t: int  # updated_at, whole seconds
    ent: Entity
    kind: str  # receipt, shipment
    qty: float  # cases for Trailfuel, eaches / metres otherwise; signed
    eid: str = ""
    ref: str = ""
    tag: str = ""


@dataclass
class ZapRun:
    ev: TplEvent
    start: int
    steps: list[tuple[str, int]]
    end: int
    status: str
    factor: int | None  # cases -> eaches factor the Zap used (None: not a case SKU)
    written: float | None  # data_out.quantity (None when nothing was written)
    run_id: str = ""
    adj_id: str = ""
    as_string: bool = False
    tag: str = ""


@dataclass
class ErpEvent:
    """An ERP inventory change; the ERP calls the Make webhook for each one."""

    t: int  # updated_at (ms)
    ent: Entity
    on_hand: int
    committed: int
    reason: str
    eid: str = ""
    idem: str = ""
    tag: str = ""


@dataclass
class MakeCall:
    ev: ErpEvent
    logged: int | None  # None: never reached Make (ERP subscription down)
    hook_log_id: str = ""
    hook_imt: str = ""
    exec_id: str = ""
    exec_ts: int = 0
    duration: int = 0
    status: int = 1  # scenario log status; hook statusId mirrors it (1 ok, 3 failed)
    operations: int = 3
    transfer: int = 0
    hidden: bool = False
    tag: str = ""


@dataclass
class DlqItem:
    call: MakeCall
    dlq_id: str
    created: int
    reason: str
    auto: bool
    retry_ts: int
    retry_duration: int
    retry_exec_id: str = ""
    tag: str = ""


@dataclass
class World:
    ents: list[Entity]
    movements: list[Movement]
    execs: list[BoomiExec]
    tpl_events: list[TplEvent]
    zap_runs: list[ZapRun]
    erp_events: list[ErpEvent]
    calls: list[MakeCall]
    dlqs: list[DlqItem]
    wms_final: dict[str, int]
    erp_final: dict[str, float]
    store_final: dict[str, float]
    tpl_truth: dict[str, float]
    erp_history: dict[str, list[tuple[int, float, str]]]
    tags: dict[str, object]


# ------------------------------------------------------------------ rates (per UTC hour)
def dc_rate(day: int, hour: int) -> float:
    """WMS movements at DC1: 09:00-02:00 UTC (05:00-22:00 EDT) every day; the early crew
    starts with putaways just after 09:00, then the shifts ramp up."""
    del day
    table = {9: 2.0, 10: 4.0, 11: 4.0, 12: 4.0, 13: 4.0, 22: 3.0, 23: 3.0, 0: 3.0, 1: 3.0}
    if hour in table:
        return table[hour]
    return 6.0 if 14 <= hour < 22 else 0.0


def store_rate(day: int, hour: int) -> float:
    """Brooklyn store sales: open 09:00-20:00 EDT = 13:00-24:00 UTC."""
    if hour < 13:
        return 0.0
    return 4.0 if day >= 5 else 3.0


def order_rate(day: int, hour: int) -> float:
    """Online orders (ERP allocations at DC1): US evening is UTC night."""
    if day == 1 and 13 <= hour < 16:
        return 12.0  # Tuesday afternoon promotion
    table = {0: 5, 1: 4, 2: 3, 3: 2, 4: 0.1, 9: 1, 10: 2, 11: 3, 12: 6, 13: 6}
    if hour in table:
        return float(table[hour])
    if 5 <= hour <= 8:
        return 0.02
    return 8.0


def tpl_rate(day: int, hour: int) -> float:
    """3PL movements: day shift 12:00-22:00 UTC, lighter at weekends; a receiving wave on
    Wednesday afternoon."""
    if day == 2 and 13 <= hour < 17:
        return 8.0
    if not 12 <= hour < 22:
        return 0.0
    return 2.0 if day >= 5 else 3.0


def stratified(
    rng: random.Random, start: int, rate: float, lo: float = 0.3, hi: float = 0.7
) -> list[int]:
    """Event times in the hour from ``start``: ``rate`` per hour, one per equal sub-slot,
    placed between ``lo`` and ``hi`` of it (so no silence inside a busy hour is long)."""
    width_ms = HOUR
    expected = rate * width_ms / HOUR
    n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
    out = []
    for i in range(n):
        u = lo + (hi - lo) * rng.random()
        out.append(start + int((i + u) * width_ms / n))
    return out


def off_tick(t: int, quiet: int, period: int = BOOMI_PERIOD) -> int:
    """Move a time out of the first ``quiet`` ms after a schedule tick (every ``period``)."""
    t = t - t % SEC
    if t % period < quiet:
        t += quiet - t % period + SEC
    return t


# ------------------------------------------------------------------ simulation
class Sim:
    def __init__(self, clean: bool = False) -> None:
        # clean: the same week with every planted problem removed (gen_sample_logs.py
        # --clean): no safety-stock offset, outage, backlog, export hole, pack-size
        # change, truncation, replay, duplicate, stale retry; a 10-minute batch.
        self.clean = clean
        self.safety = 0 if clean else SAFETY_STOCK
        self.period = 10 * MIN if clean else BOOMI_PERIOD
        self.ents = catalogue()
        self.by_key = {e.key: e for e in self.ents}
        self.ids = Ids(2026_04_06_01)
        self.rng_wms = random.Random(2026_04_06_02)
        self.rng_orders = random.Random(2026_04_06_03)
        self.rng_tpl = random.Random(2026_04_06_04)
        self.rng_boomi = random.Random(2026_04_06_05)
        self.rng_make = random.Random(2026_04_06_06)
        self.rng_zap = random.Random(2026_04_06_07)
        self.tags: dict[str, object] = {}
        # Levels at the start and the end of the week, filled in by the steps below.
        self.start_wms: dict[str, int] = {}
        self.start_tpl: dict[str, float] = {}
        self.start_erp: dict[str, float] = {}
        self.wms_final: dict[str, int] = {}
        self.tpl_truth: dict[str, float] = {}
        # Per entity: windows without background traffic, and a time after which
        # nothing happens to it any more (planted stories need quiet around them).
        self.blackout: dict[str, list[tuple[int, int]]] = {
            "SKU-1003@DC1": [(at(0, 10, 40), at(0, 11, 20))],
            "SKU-1005@DC1": [(at(1, 10, 0), at(1, 10, 35))],
            "SKU-1009@STORE-BK": [(at(5, 15, 40), WEEK)],
            "SKU-1009@DC1": [(at(5, 15, 40), at(5, 16, 0))],
            "SKU-1014@DC1": [(at(3, 11, 30), WEEK)],
            "SKU-1016@3PL-NJ": [(at(1, 15, 0), at(2, 18, 10))],
            "SKU-1017@3PL-NJ": [(at(2, 19, 20), at(2, 20, 5))],
            "SKU-1018@3PL-NJ": [(at(0, 16, 25), at(0, 17, 0))],
            "SKU-1019@3PL-NJ": [(at(4, 14, 5), at(4, 14, 45))],
            "SKU-1020@3PL-NJ": [
                (at(1, 13, 0), at(1, 13, 50)),
                (at(3, 15, 0), at(3, 15, 50)),
                (at(4, 17, 0), at(4, 17, 50)),
            ],
        }

    def free(self, ent: Entity, t: int) -> bool:
        return not any(a <= t < b for a, b in self.blackout.get(ent.key, ()))

    # -------------------------------------------------------------- WMS
    def movements(self) -> list[Movement]:
        rng = self.rng_wms
        levels: dict[str, int] = {}
        for e in self.ents:
            if e.loc == DC:
                levels[e.key] = rng.randint(18, 45) * 10
            elif e.loc == STORE:
                levels[e.key] = rng.randint(14, 36)
        self.start_wms = dict(levels)
        slots: list[tuple[int, str]] = []
        for day in range(7):
            for hour in range(24):
                base = at(day, hour)
                # The morning crews start with putaways right after the hour.
                early = (0.04, 0.4) if 9 <= hour <= 11 else (0.3, 0.7)
                slots += [(t, DC) for t in stratified(rng, base, dc_rate(day, hour), *early)]
                slots += [(t, STORE) for t in stratified(rng, base, store_rate(day, hour))]
        forced = {
            # Mon: the DC pick whose ERP change fails in Make with HTTP 429 (decoy).
            (at(0, 10, 52, 30), "SKU-1003@DC1"): (-2, "pick", "dlq_decoy"),
            # Tue: the pick whose Boomi document fails once and is retried.
            (at(1, 10, 11, 40), "SKU-1005@DC1"): (-1, "pick", "boomi_retry"),
            # Thu: cycle count of the discontinued footprint during the Make outage.
            (at(3, 12, 37, 21), "SKU-1014@DC1"): (6, "count", "gap_stale"),
            # Sat: the store is restocked with poles, then sells twice (RTY001 story).
            (at(5, 15, 50, 10), "SKU-1009@DC1"): (-12, "transfer_out", ""),
            (at(5, 15, 52, 40), "SKU-1009@STORE-BK"): (12, "transfer_in", ""),
            (at(5, 17, 11, 8), "SKU-1009@STORE-BK"): (-1, "sale", "rty1_old"),
            (at(5, 18, 22, 47), "SKU-1009@STORE-BK"): (-2, "sale", "rty1_new"),
        }
        last_move: dict[str, int] = {}
        out: list[Movement] = []
        events = sorted(
            [
                (off_tick(t, TICK_QUIET, self.period), loc, "")
                for t, loc in slots
                if t < LAST_MOVEMENT
            ]
            + [(t, key, "forced") for (t, key) in forced],
            key=lambda x: (x[0], x[1]),
        )
        for t, what, mode in events:
            if mode == "forced":
                ent = self.by_key[what]
                delta, kind, tag = forced[(t, what)]
                levels[ent.key] += delta
                out.append(Movement(t, ent, delta, kind, levels[ent.key], tag=tag))
                last_move[ent.key] = t
                continue
            loc = what
            pool = [
                e
                for e in self.ents
                if e.loc == loc and self.free(e, t) and t - last_move.get(e.key, -HOUR) >= 3 * MIN
            ]
            if not pool:
                continue
            ent = rng.choices(pool, [e.weight for e in pool])[0]
            level = levels[ent.key]
            if loc == DC:
                if rng.random() < 0.03:
                    delta = rng.choice((-2, -1, 1, 2, 3))
                    kind = "count"
                else:
                    delta = -rng.randint(1, 4)
                    kind = "pick"
                if level + delta < MIN_WMS_LEVEL + 30 and rng.random() < 0.7:
                    delta = rng.choice((48, 96, 144))
                    kind = "receipt"
                if level + delta < MIN_WMS_LEVEL:
                    delta = rng.choice((96, 144))
                    kind = "receipt"
                levels[ent.key] += delta
                out.append(Movement(t, ent, delta, kind))
                last_move[ent.key] = t
            else:
                delta = -rng.randint(1, 2)
                if level + delta < MIN_WMS_LEVEL + 2:
                    # Low on the shelf: the DC sends a case of 12 instead of a sale.
                    qty = 12
                    dc_twin = self.by_key.get(f"{ent.sku}@{DC}")
                    t2 = off_tick(t + rng.randint(40, 200) * SEC, TICK_QUIET, self.period)
                    if (
                        dc_twin is not None
                        and t2 < LAST_MOVEMENT
                        and self.free(dc_twin, t)
                        and self.free(ent, t2)
                        and levels[dc_twin.key] - qty >= MIN_WMS_LEVEL + 20
                        and t - last_move.get(dc_twin.key, -HOUR) >= 3 * MIN
                    ):
                        levels[dc_twin.key] -= qty
                        out.append(Movement(t, dc_twin, -qty, "transfer_out"))
                        last_move[dc_twin.key] = t
                        levels[ent.key] += qty
                        out.append(Movement(t2, ent, qty, "transfer_in"))
                        last_move[ent.key] = t2
                    continue
                levels[ent.key] += delta
                out.append(Movement(t, ent, delta, "sale"))
                last_move[ent.key] = t
        out.sort(key=lambda m: (m.t, m.ent.key))
        # Levels were assigned in generation order; transfers-in were delayed, so
        # recompute levels per entity in time order and check they stay sane.
        running = dict(self.start_wms)
        for n, m in enumerate(out):
            running[m.ent.key] += m.delta
            m.level = running[m.ent.key]
            m.mid = f"MV-{4_410_000 + n + 1}"
            assert m.level >= MIN_WMS_LEVEL, (m.ent.key, m.t, m.level)
        self.wms_final = running
        return out

    # -------------------------------------------------------------- Boomi
    def boomi(self, movements: list[Movement]) -> list[BoomiExec]:
        rng = self.rng_boomi
        execs: list[BoomiExec] = []
        last_query = 0
        pending = sorted(movements, key=lambda m: m.t)
        i = 0
        for k in range(WEEK // self.period):
            tick = k * self.period
            if not self.clean and BOOMI_DOWN[0] <= tick < BOOMI_DOWN[1]:
                continue
            ex = BoomiExec(tick=tick, time=tick)
            if not self.clean and tick == BOOMI_FAILED_TICK:
                ex.status = "ERROR"
                ex.message = (
                    "java.lang.OutOfMemoryError: GC overhead limit exceeded"
                    " (Start shape: Database \u2013 WMS inventory movements)"
                )
                ex.duration = 31_204
                ex.recorded = ex.time + 32 * SEC
                ex.tag = "oom"
                self.tags["boomi_oom"] = ex
                execs.append(ex)
                continue  # died before querying the WMS: the window carries over
            query = ex.time
            moved: dict[str, Movement] = {}
            while i < len(pending) and pending[i].t < query:
                if pending[i].t >= last_query:
                    moved[pending[i].ent.key] = pending[i]
                i += 1
            last_query = query
            docs = sorted(
                (
                    BoomiDoc(
                        ent=m.ent,
                        on_hand=m.level,
                        qoh=m.level - self.safety,
                        source_t=m.t,
                        mid=m.mid,
                        idem=f"wms-{m.mid}",
                        tag=m.tag,
                    )
                    for m in moved.values()
                ),
                key=lambda d: (d.source_t, d.ent.key),
            )
            clock = ex.time + SEC + rng.randint(0, 400)
            for n, d in enumerate(docs, 1):
                d.index = n
                d.processed = clock - clock % SEC
                clock += rng.randint(350, 1100)
            last = docs[-1].processed if docs else ex.time
            ex.recorded = last + SEC
            ex.duration = (ex.recorded - ex.time) - rng.randint(50, 900)
            ex.docs = docs
            if not self.clean and EXPORT_HOLE[0] <= tick < EXPORT_HOLE[1]:
                ex.hidden = True
            if not self.clean and tick == at(2, 16, 0):
                ex.tag = "catch_up"
                self.tags["boomi_catch_up"] = ex
            if tick == at(2, 13, 30):
                self.tags["boomi_before_oom"] = ex
            execs.append(ex)
            if tick == BOOMI_RETRY_TICK:
                failing = next(d for d in docs if d.tag == "boomi_retry")
                failing.status = "ERROR"
                failing.error = (
                    "NetSuite upsert failed: RCRD_HAS_BEEN_CHANGED - Record has been changed"
                    " since it was read (inventory item SKU-1005, location DC1)"
                )
                ex.status = "ERROR"
                ex.message = f"1 of {len(docs)} document(s) failed in shape Connector: NetSuite"
                retry = BoomiExec(
                    tick=tick + 5 * MIN,
                    time=tick + 5 * MIN,
                    etype="retry_sched",
                    original=ex,
                    tag="retry",
                )
                rd = BoomiDoc(
                    ent=failing.ent,
                    on_hand=failing.on_hand,
                    qoh=failing.qoh,
                    source_t=failing.source_t,
                    mid=failing.mid,
                    idem=failing.idem,
                    index=1,
                    processed=retry.time + 2 * SEC,
                    tag="boomi_retry_doc",
                )
                retry.docs = [rd]
                retry.recorded = rd.processed + SEC
                retry.duration = 2_641
                execs.append(retry)
                self.tags["boomi_retry_orig"] = ex
                self.tags["boomi_retry"] = retry
                self.tags["boomi_retry_failed_doc"] = failing
                self.tags["boomi_retry_doc"] = rd
        execs.sort(key=lambda e: (e.time, e.etype))
        for e in execs:
            day = e.time // DAY
            e.exec_id = f"execution-{self.ids.uuid4()}-2026.04.{6 + day:02d}"
            for d in e.docs:
                d.doc_id = self.ids.uuid4()
                d.size = 412 + len(d.ent.sku) * 3 + self.rng_boomi.randint(0, 60)
        return execs

    # -------------------------------------------------------------- 3PL
    def tpl(self) -> list[TplEvent]:
        rng = self.rng_tpl
        tpl_ents = [e for e in self.ents if e.loc == TPL]
        truth: dict[str, float] = {}
        for e in tpl_ents:
            if e.uom == "CS":
                truth[e.key] = rng.randint(30, 60) * 12
            elif e.uom == "M":
                truth[e.key] = float(rng.randint(40, 60) * 10)
            else:
                truth[e.key] = rng.randint(40, 80) * 12
        self.start_tpl = dict(truth)
        forced = {
            (at(0, 16, 40, 18), "SKU-1018@3PL-NJ"): ("shipment", -2, "zap_autoreplay"),
            (at(1, 13, 21, 42), "SKU-1020@3PL-NJ"): ("receipt", 30.5, "trunc_1"),
            (at(1, 15, 19, 37), "SKU-1016@3PL-NJ"): ("shipment", -24, "zap_late"),
            (at(2, 19, 41, 6), "SKU-1017@3PL-NJ"): ("receipt", 10, "rebox_receipt"),
            (at(3, 15, 23, 11), "SKU-1020@3PL-NJ"): ("receipt", 45.25, "trunc_2"),
            (at(4, 14, 21, 55), "SKU-1019@3PL-NJ"): ("receipt", 8, "zap_dup"),
            (at(4, 17, 8, 3), "SKU-1020@3PL-NJ"): ("receipt", 7.5, "trunc_3"),
        }
        times: list[int] = []
        for day in range(7):
            for hour in range(24):
                times += stratified(rng, at(day, hour), tpl_rate(day, hour))
        events: list[TplEvent] = []
        last: dict[str, int] = {}
        plan = sorted([(t - t % SEC, "") for t in times] + [(t, k) for (t, k) in forced])
        for t, key in plan:
            if key:
                ent = self.by_key[key]
                kind, qty, tag = forced[(t, key)]
                if self.clean:
                    # Whole metres, and no failed, replayed or duplicated run.
                    qty, tag = (float(int(qty)) if isinstance(qty, float) else qty), ""
                ev = TplEvent(t, ent, kind, qty, tag=tag)
            else:
                pool = [
                    e for e in tpl_ents if self.free(e, t) and t - last.get(e.key, -HOUR) >= 8 * MIN
                ]
                if not pool:
                    continue
                ent = rng.choices(pool, [e.weight for e in pool])[0]
                if ent.uom == "CS":
                    low = truth[ent.key] < 15 * 12
                    qty = rng.randint(12, 20) if low else -rng.randint(1, 4)
                elif ent.uom == "M":
                    low = truth[ent.key] < 150
                    qty = float(rng.choice((50, 100))) if low else -float(rng.randint(3, 25))
                else:
                    low = truth[ent.key] < 120
                    qty = rng.choice((240, 360)) if low else -rng.choice((6, 12, 18, 24))
                kind = "receipt" if qty > 0 else "shipment"
                ev = TplEvent(t, ent, kind, qty)
            pack = 12 if self.clean or ev.t < REBOX else 6
            unit = pack if ev.ent.uom == "CS" else 1
            truth[ev.ent.key] += ev.qty * unit
            assert truth[ev.ent.key] >= 0, (ev.ent.key, ev.t)
            last[ev.ent.key] = ev.t
            events.append(ev)
        for n, ev in enumerate(events, 1):
            ev.eid = f"hbr-evt-{80_100 + n}"
            prefix = "ASN" if ev.kind == "receipt" else "SO"
            ev.ref = f"{prefix}-{26_000 + 37 * n}"
            if ev.tag:
                self.tags["tpl_" + ev.tag] = ev
        self.tpl_truth = truth
        return events

    def zap_runs(self, events: list[TplEvent]) -> list[ZapRun]:
        rng = self.rng_zap
        runs: list[ZapRun] = []

        def factor(ev: TplEvent, when: int) -> int | None:
            if ev.ent.uom != "CS":
                return None
            return 12 if self.clean or when < ZAP_PACK_TABLE_FIX else 6

        def written(ev: TplEvent, f: int | None) -> float:
            if f is not None:
                return int(ev.qty) * f
            return int(ev.qty)  # the ERP quantity field is an integer: truncation

        for ev in events:
            start = ev.t + rng.randint(2_000, 14_000)
            s2 = start + rng.randint(300, 900)
            s3 = s2 + rng.randint(400, 1_200)
            end = s3 + rng.randint(700, 2_200)
            f = factor(ev, start)
            run = ZapRun(
                ev,
                start,
                [("success", start), ("success", s2), ("success", s3)],
                end,
                "success",
                f,
                written(ev, f),
            )
            if ev.tag == "zap_late":
                # The ERP timed out on the adjustment; Zapier stopped the run (error).
                run.steps[2] = ("error", s3)
                run.end = s3 + 30_000 + rng.randint(0, 400)
                run.status = "error"
                run.written = None
                run.tag = "late_original"
                runs.append(run)
                # Replayed from Zap history by ops the next evening, > 24 h later.
                r_start = at(2, 17, 50, 12, 318)
                r2 = r_start + 611
                r3 = r2 + 874
                replay = ZapRun(
                    ev,
                    r_start,
                    [("success", r_start), ("success", r2), ("success", r3)],
                    r3 + 1_492,
                    "success",
                    factor(ev, r_start),
                    written(ev, factor(ev, r_start)),
                    tag="late_replay",
                )
                runs.append(replay)
                continue
            if ev.tag == "zap_autoreplay":
                # The ERP step failed once; Zapier's autoreplay re-ran it 5 min later.
                s3 = s2 + 5 * MIN + rng.randint(1_000, 9_000)
                run.steps[2] = ("success", s3)
                run.end = s3 + rng.randint(900, 1_800)
                run.tag = "autoreplay"
            if ev.tag == "zap_dup":
                run.tag = "dup_first"
                runs.append(run)
                d_start = start + 4 * MIN + rng.randint(1_000, 20_000)
                d2 = d_start + rng.randint(300, 900)
                d3 = d2 + rng.randint(400, 1_200)
                dup = ZapRun(
                    ev,
                    d_start,
                    [("success", d_start), ("success", d2), ("success", d3)],
                    d3 + rng.randint(700, 2_200),
                    "success",
                    factor(ev, d_start),
                    written(ev, factor(ev, d_start)),
                    tag="dup_second",
                )
                runs.append(dup)
                continue
            runs.append(run)
        runs.sort(key=lambda r: (r.start, r.ev.eid))
        plain = [r for r in runs if not r.tag and not r.ev.tag]
        for n, r in enumerate(plain):
            if n % 9 == 4:
                r.as_string = True
        for r in runs:
            r.run_id = self.ids.uuid4()
            if r.written is not None:
                r.adj_id = f"IA-{104_000 + len([x for x in runs if x.adj_id]) + 1}"
            if r.tag:
                self.tags["zap_" + r.tag] = r
        return runs

    # -------------------------------------------------------------- ERP and Make
    def orders(self) -> list[tuple[int, Entity, int]]:
        rng = self.rng_orders
        dc_ents = [e for e in self.ents if e.loc == DC]
        out: list[tuple[int, Entity, int]] = []
        last: dict[str, int] = {}
        for day in range(7):
            for hour in range(24):
                for t in stratified(rng, at(day, hour), order_rate(day, hour)):
                    t = off_tick(t, 40 * SEC, self.period) + rng.randint(0, 999)
                    pool = [
                        e
                        for e in dc_ents
                        if self.free(e, t) and t - last.get(e.key, -HOUR) >= 2 * MIN
                    ]
                    ent = rng.choices(pool, [e.weight for e in pool])[0]
                    last[ent.key] = t
                    out.append((t, ent, rng.randint(1, 3)))
        return out

    def erp(
        self, execs: list[BoomiExec], runs: list[ZapRun], orders: list[tuple[int, Entity, int]]
    ) -> tuple[list[ErpEvent], dict[str, float], dict[str, list[tuple[int, float, str]]]]:
        rng = self.rng_make
        on_hand: dict[str, float] = {}
        for e in self.ents:
            if e.loc == TPL:
                on_hand[e.key] = self.start_tpl[e.key]
            else:
                on_hand[e.key] = self.start_wms[e.key] - self.safety
        self.start_erp = dict(on_hand)
        committed = {e.key: rng.randint(0, 4) for e in self.ents}
        # (time, kind, payload) of every write into the ERP, applied in time order.
        writes: list[tuple[int, int, str, object]] = []
        for ex in execs:
            for d in ex.docs:
                if d.status == "SUCCESS":
                    writes.append((d.processed, 0, "stock_sync", d))
        for r in runs:
            if r.status == "success":
                writes.append((r.end, 1, "3pl_adjustment", r))
        for t, ent, qty in orders:
            writes.append((t, 2, "order_allocated", (ent, qty)))
        writes.sort(key=lambda w: (w[0], w[1]))
        events: list[ErpEvent] = []
        history: dict[str, list[tuple[int, float, str]]] = {e.key: [] for e in self.ents}
        for t, _, reason, what in writes:
            if isinstance(what, BoomiDoc):
                ent = what.ent
                on_hand[ent.key] = what.qoh
                committed[ent.key] = max(0, committed[ent.key] - rng.randint(0, 2))
                tag = what.tag
                when = t + rng.randint(400, 1_800)
            elif isinstance(what, ZapRun):
                ent = what.ev.ent
                on_hand[ent.key] += what.written
                tag = what.tag or what.ev.tag
                when = t + rng.randint(300, 1_500)
            else:
                ent, qty = what
                committed[ent.key] += qty
                tag = ""
                when = t
            history[ent.key].append((when, on_hand[ent.key], reason))
            events.append(
                ErpEvent(when, ent, int(on_hand[ent.key]), committed[ent.key], reason, tag=tag)
            )
        events.sort(key=lambda e: (e.t, e.ent.key))
        version: dict[str, int] = {}
        for ev in events:
            version[ev.ent.key] = version.get(ev.ent.key, 1000) + 1
            ev.eid = f"ic_{self.ids.hex(16)}"
            ev.idem = f"{ev.ent.key}#v{version[ev.ent.key]}"
        return events, on_hand, history

    def backlog(self, t: int) -> int:
        """Extra delay of the ERP's outbound webhook queue on Tuesday afternoon."""
        a, peak, b = ERP_BACKLOG
        if self.clean:
            return 0
        if a <= t < peak:
            return int(ERP_BACKLOG_PEAK * (t - a) / (peak - a))
        if peak <= t < b:
            return int(ERP_BACKLOG_PEAK * (b - t) / (b - peak))
        return 0

    def make(self, events: list[ErpEvent]) -> tuple[list[MakeCall], list[DlqItem]]:
        rng = self.rng_make
        calls: list[MakeCall] = []
        for ev in events:
            if not self.clean and ERP_SUBSCRIPTION_DOWN[0] <= ev.t < ERP_SUBSCRIPTION_DOWN[1]:
                calls.append(MakeCall(ev, None, tag="dropped"))
                continue
            logged = ev.t + rng.randint(250, 1_600) + self.backlog(ev.t)
            call = MakeCall(ev, logged)
            call.exec_ts = logged + rng.randint(8, 60)
            call.duration = rng.randint(900, 2_400)
            call.transfer = 1_900 + rng.randint(0, 700)
            if not self.clean and EXPORT_HOLE[0] <= logged < EXPORT_HOLE[1]:
                call.hidden = True
            calls.append(call)
        calls.sort(key=lambda c: (c.logged if c.logged is not None else c.ev.t, c.ev.eid))
        dlqs: list[DlqItem] = []
        decoy = next(c for c in calls if c.ev.tag == "dlq_decoy")
        stale = next(c for c in calls if c.ev.tag == "rty1_old")
        planted = (
            (
                decoy,
                True,
                "RateLimitError: [429] Exceeded 2 calls per second for api client."
                " Reduce request rates to resume uninterrupted service.",
                rng.randint(58_000, 64_000),
                "decoy",
            ),
            (
                stale,
                False,
                "DataError: [422] Inventory item is not stocked at the location"
                " (location_id 74372833794)",
                3 * HOUR + rng.randint(60_000, 240_000),
                "stale",
            ),
        )
        # The clean week keeps the benign auto-retry, not the stale manual one.
        for call, auto, reason, delay, tag in planted[:1] if self.clean else planted:
            call.status = 3
            call.operations = 2
            call.tag = "dlq_" + tag
            created = call.exec_ts + call.duration
            item = DlqItem(
                call,
                self.ids.hex(32),
                created,
                reason,
                auto,
                created + delay,
                rng.randint(1_100, 2_200),
                tag=tag,
            )
            dlqs.append(item)
            self.tags["dlq_" + tag] = item
        for c in calls:
            if c.logged is None:
                continue
            c.hook_log_id = self.ids.hex(10)
            c.hook_imt = self.ids.alnum(5)
            c.exec_id = self.ids.hex(32)
        for item in dlqs:
            item.retry_exec_id = self.ids.hex(32)
        return calls, dlqs


def storefront(calls: list[MakeCall], dlqs: list[DlqItem]) -> dict[str, float]:
    """What Shopify holds per entity: the last successful write, by finish time."""
    writes = [
        (c.exec_ts + c.duration, c.ev.ent.key, c.ev.on_hand)
        for c in calls
        if c.logged is not None and c.status == 1
    ]
    writes += [(d.retry_ts + d.retry_duration, d.call.ev.ent.key, d.call.ev.on_hand) for d in dlqs]
    out: dict[str, float] = {}
    for _, key, value in sorted(writes):
        out[key] = value
    return out


def build(clean: bool = False) -> World:
    sim = Sim(clean)
    movements = sim.movements()
    execs = sim.boomi(movements)
    tpl_events = sim.tpl()
    runs = sim.zap_runs(tpl_events)
    orders = sim.orders()
    events, erp_final, history = sim.erp(execs, runs, orders)
    calls, dlqs = sim.make(events)
    store = storefront(calls, dlqs)
    for e in sim.ents:
        store.setdefault(e.key, sim.start_erp[e.key])
    world = World(
        ents=sim.ents,
        movements=movements,
        execs=execs,
        tpl_events=tpl_events,
        zap_runs=runs,
        erp_events=events,
        calls=calls,
        dlqs=dlqs,
        wms_final=sim.wms_final,
        erp_final=erp_final,
        store_final=store,
        tpl_truth=sim.tpl_truth,
        erp_history=history,
        tags=sim.tags,
    )
    return world
