#!/usr/bin/env python3
"""Shopify ``inventory_levels/update`` deliveries of Monday 2026-04-06 (the original demo).

Kept exactly as the first demo generated it (byte-identical file, same line
numbers): one day of deliveries logged by the storefront team's receiver
``/hooks/inventory``, which hands each delivery to parallel workers that write
``available`` to the ERP with last-write-wins. Planted: two OOS001 stalls, a
benign HTTP 500 retry, a same-second tie, one truncated line and a bearer-token
canary. ``check`` verifies the story; ``section`` writes its README part.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

SEED = 20260406
DAY = datetime(2026, 4, 6, tzinfo=UTC)
SHOP_TZ = timezone(timedelta(hours=-4))  # America/New_York in April (EDT)
SHOP_DOMAIN = "northwind-outfitters.myshopify.com"
API_VERSION = "2026-04"
TOPIC = "inventory_levels/update"
ENDPOINT = "/hooks/inventory"

LOG_REL = "webhooks/storefront-receiver/shopify-inventory-levels-2026-04-06.ndjson"

# Expected deliveries per UTC hour: sparse at night, busy 08:00-20:00.
HOURLY = (3, 3, 2, 2, 2, 3, 4, 8, 18, 22, 24, 24, 26, 26, 26, 26, 24, 24, 22, 20, 12, 8, 5, 3)

# The store (Brooklyn, 09:00-20:00 local) only moves stock while open: 13:00-24:00 UTC.
STORE_OPEN_MS = 13 * 3600_000

ITEM_NAMES = (
    "Ridgeline 2 trail runner, men's 10",
    "Ridgeline 2 trail runner, women's 8",
    "Alpine merino base layer crew, M",
    "Alpine merino base layer crew, L",
    "Stormshell rain jacket, M",
    "Canyon 28 L daypack",
    "Summit insulated bottle 750 ml",
    "Trailhead wool hiking socks, 3-pack",
    "Basecamp fleece quarter-zip, S",
    "Pathfinder headlamp 400 lm",
    "Cascade trekking poles (pair)",
    "Firelight ultralight tent, 2P",
)


def ms(h: int, m: int = 0, s: int = 0, milli: int = 0) -> int:
    """Milliseconds since 2026-04-06T00:00:00Z."""
    return ((h * 60 + m) * 60 + s) * 1000 + milli


def iso_utc(t_ms: int) -> str:
    dt = DAY + timedelta(milliseconds=t_ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"


def iso_shop(t_ms: int) -> str:
    """Shopify's updated_at: whole seconds, in the shop's offset."""
    dt = (DAY + timedelta(milliseconds=t_ms)).astimezone(SHOP_TZ)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + "-04:00"


def hms(t_ms: int) -> str:
    return iso_utc(t_ms)[11:23]


def duration(d_ms: int) -> str:
    s = round(d_ms / 1000)
    return f"{s // 60} min {s % 60:02d} s"


@dataclass
class Entity:
    key: str  # "<inventory_item_id>@<location_id>"
    item_id: int
    location_id: int
    item_name: str
    is_dc: bool
    weight: float


@dataclass
class Event:
    """One source inventory change in Shopify (one webhook event)."""

    ent: Entity
    t: int  # updated_at, ms since midnight UTC, whole seconds
    tag: str = ""  # story tag, "" for background traffic
    value: int | None = None
    triggered: int = 0
    webhook_id: str = ""
    event_id: str = ""


@dataclass
class Delivery:
    """One logged delivery attempt of an event."""

    ev: Event
    received: int
    processed: int | None
    status: int
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False
    line: int = 0


class Gen:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.hmac_secret = bytes(self.rng.getrandbits(8) for _ in range(32))

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # ---------------------------------------------------------------- catalogue
    def entities(self) -> tuple[list[Entity], int, int]:
        rng = self.rng
        dc_id = rng.randint(60_000_000_000, 79_999_999_999)
        store_id = rng.randint(60_000_000_000, 79_999_999_999)
        item_ids: list[int] = []
        while len(item_ids) < len(ITEM_NAMES):
            candidate = rng.randint(40_000_000_000, 49_999_999_999)
            if candidate not in item_ids:
                item_ids.append(candidate)
        ents = []
        for item_id, name in zip(item_ids, ITEM_NAMES, strict=True):
            popularity = 0.6 + rng.random()
            for loc, is_dc in ((dc_id, True), (store_id, False)):
                ents.append(Entity(f"{item_id}@{loc}", item_id, loc, name, is_dc, popularity))
        return ents, dc_id, store_id

    # ---------------------------------------------------------------- schedule
    def slots(self) -> list[int]:
        """Background event times: stratified within each hour so no busy-hour silence."""
        out = []
        for hour, n in enumerate(HOURLY):
            width = 3600_000 / n
            for i in range(n):
                t = hour * 3600_000 + (i + 0.1 + 0.8 * self.rng.random()) * width
                out.append(int(t) // 1000 * 1000)
        return out


def build() -> tuple[list[Delivery], dict, list[Entity], int, int]:
    g = Gen()
    rng = g.rng
    ents, dc_id, store_id = g.entities()
    by_key = {e.key: e for e in ents}

    def pick(is_dc: bool, index: int) -> Entity:
        return [e for e in ents if e.is_dc == is_dc][index]

    e_oos_repaired = pick(True, 4)  # Stormshell rain jacket @ DC
    e_oos_stale = pick(False, 9)  # Pathfinder headlamp @ store
    e_retry = pick(True, 6)  # Summit bottle @ DC
    e_tie = pick(False, 1)  # Ridgeline women's @ store

    # Story events (updated_at times in whole seconds).
    story: list[Event] = [
        Event(e_oos_repaired, ms(10, 15, 2), "oos1_old", 40),
        Event(e_oos_repaired, ms(10, 15, 22), "oos1_new", 37),
        Event(e_oos_repaired, ms(11, 0, 39), "oos1_repair", 35),
        Event(e_retry, ms(13, 59, 54), "retry"),
        Event(e_tie, ms(15, 22, 41), "tie_a"),
        Event(e_tie, ms(15, 22, 41), "tie_b"),
        Event(e_oos_stale, ms(21, 40, 10), "oos2_old", 12),
        Event(e_oos_stale, ms(21, 40, 14), "oos2_new", 9),
    ]
    # No background traffic for a story entity inside these windows.
    quiet = {
        e_oos_repaired.key: [(ms(10, 12), ms(11, 3))],
        e_oos_stale.key: [(ms(21, 37), ms(24))],
        e_retry.key: [(ms(13, 57), ms(14, 4))],
        e_tie.key: [(ms(15, 20), ms(15, 25))],
    }
    min_gap = 120_000  # background updates of one entity are >= 2 min apart

    times: dict[str, list[int]] = {e.key: [] for e in ents}
    for ev in story:
        times[ev.ent.key].append(ev.t)
    events: list[Event] = list(story)
    for t in g.slots():
        eligible = []
        weights = []
        for e in ents:
            if not e.is_dc and t < STORE_OPEN_MS:
                continue
            if any(a <= t < b for a, b in quiet.get(e.key, [])):
                continue
            if any(abs(t - u) < min_gap for u in times[e.key]):
                continue
            eligible.append(e)
            weights.append(e.weight * (1.0 if e.is_dc else 1.3))
        e = rng.choices(eligible, weights)[0]
        times[e.key].append(t)
        events.append(Event(e, t))

    # Quantities per entity, in source order.
    for e in ents:
        seq = sorted((ev for ev in events if ev.ent is e), key=lambda ev: (ev.t, ev.tag))
        assign_quantities(rng, e, seq)

    # Delivery timing and ids, in source order so the RNG stream is fixed.
    events.sort(key=lambda ev: (ev.t, ev.tag, ev.ent.key))
    deliveries: list[Delivery] = []
    for ev in events:
        ev.webhook_id = g.uuid4()
        ev.event_id = g.uuid4()
        ev.triggered = ev.t + rng.randint(180, 900)
        received = ev.triggered + ingest_lag(rng)
        processed = received + work_time(rng)
        if ev.tag == "oos1_new":
            continue  # timed below together with its partner
        if ev.tag == "retry":
            # First attempt fails to enqueue (500, never processed); Shopify redelivers
            # the same webhook ~60 s later with the original headers and payload.
            deliveries.append(Delivery(ev, received, None, 500))
            retry_rx = received + 60_000 + rng.randint(300, 2500)
            deliveries.append(Delivery(ev, retry_rx, retry_rx + work_time(rng), 200))
            continue
        deliveries.append(Delivery(ev, received, processed, 200))

    # Story 1: both arrive in order; the first one's worker stalls ~20 s past the second.
    old1 = next(d for d in deliveries if d.ev.tag == "oos1_old")
    new1 = next(ev for ev in events if ev.tag == "oos1_new")
    new1_rx = new1.triggered + 640
    new1_done = new1_rx + 585
    deliveries.append(Delivery(new1, new1_rx, new1_done, 200))
    old1.processed = new1_done + 20_000 + 312
    # Story 2: in order again; the older one's worker finishes a few seconds late.
    old2 = next(d for d in deliveries if d.ev.tag == "oos2_old")
    new2 = next(d for d in deliveries if d.ev.tag == "oos2_new")
    old2.processed = max(old2.processed, new2.processed + 2_000) + 471
    # Story 4: the tie is delivered and applied in order.
    tie_a = next(d for d in deliveries if d.ev.tag == "tie_a")
    tie_b = next(d for d in deliveries if d.ev.tag == "tie_b")
    tie_a.ev.triggered = tie_a.ev.t + 262
    tie_a.received = tie_a.ev.triggered + 377
    tie_a.processed = tie_a.received + 468
    tie_b.ev.triggered = tie_a.ev.t + 571
    tie_b.received = max(tie_b.ev.triggered + 420, tie_a.received + 250)
    tie_b.processed = max(tie_b.received + 390, tie_a.processed + 180)

    deliveries.sort(key=lambda d: (d.received, d.ev.webhook_id))

    # Story 5: the first ordinary delivery logged after 16:30 whose item updates again.
    def is_plain(d: Delivery) -> bool:
        return d.ev.tag == "" and d.status == 200 and d.ev.ent.key not in quiet

    def updates_later(d: Delivery) -> bool:
        return any(o.ev.ent is d.ev.ent and o.ev.t > d.ev.t for o in deliveries)

    crash = next(
        d for d in deliveries if d.received >= ms(16, 30) and is_plain(d) and updates_later(d)
    )
    crash.truncated = True
    # Story 6: the first ordinary delivery logged after 11:30 carries a bearer token.
    canary = next(d for d in deliveries if d.received >= ms(11, 30) and is_plain(d))
    token = "shpat_" + "".join(f"{rng.getrandbits(4):x}" for _ in range(32))
    canary.extra_headers.append(("Authorization", f"Bearer {token}"))

    for n, d in enumerate(deliveries, 1):
        d.line = n
    meta = {"by_key": by_key, "secret": g.hmac_secret, "token": token}
    return deliveries, meta, ents, dc_id, store_id


def ingest_lag(rng: random.Random) -> int:
    """Triggered -> received: usually under a second, now and then a few seconds."""
    if rng.random() < 0.08:
        return rng.randint(1500, 4200)
    return rng.randint(120, 950)


def work_time(rng: random.Random) -> int:
    """Received -> processed (worker wrote to the ERP): 0.2-2 s, mostly well under 1 s."""
    return min(2000, 200 + int(rng.lognormvariate(math.log(350), 0.6)))


def assign_quantities(rng: random.Random, e: Entity, seq: list[Event]) -> None:
    """Mostly sales (down), occasional restocks (up), never negative; keeps story values."""
    sale_max = 5 if e.is_dc else 2
    anchored = [i for i, ev in enumerate(seq) if ev.value is not None]
    if anchored:
        # Walk back from the first story value: earlier levels were higher (sales only).
        first = anchored[0]
        level = seq[first].value
        for i in range(first - 1, -1, -1):
            level += rng.randint(1, sale_max)
            seq[i].value = level
        start = anchored[-1] + 1
        level = seq[anchored[-1]].value
    else:
        level = rng.randint(140, 420) if e.is_dc else rng.randint(14, 36)
        start = 0
    for i in range(start, len(seq)):
        ev = seq[i]
        if ev.value is not None:
            level = ev.value
            continue
        low = level <= (25 if e.is_dc else 3)
        if (low and rng.random() < 0.6) or rng.random() < 0.05:
            level += rng.choice((96, 120, 144)) if e.is_dc else rng.choice((6, 12, 18))
        else:
            level -= min(level, rng.randint(1, sale_max))
        ev.value = level


# -------------------------------------------------------------------- rendering
def body_of(ev: Event) -> dict:
    return {
        "inventory_item_id": ev.ent.item_id,
        "location_id": ev.ent.location_id,
        "available": ev.value,
        "updated_at": iso_shop(ev.t),
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{ev.ent.location_id}?inventory_item_id={ev.ent.item_id}"
        ),
    }


def render(d: Delivery, secret: bytes) -> str:
    body = body_of(d.ev)
    raw = json.dumps(body, separators=(",", ":")).encode()
    signature = base64.b64encode(hmac.new(secret, raw, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Topic": TOPIC,
        "X-Shopify-Shop-Domain": SHOP_DOMAIN,
        "X-Shopify-Webhook-Id": d.ev.webhook_id,
        "X-Shopify-Event-Id": d.ev.event_id,
        "X-Shopify-Triggered-At": iso_utc(d.ev.triggered),
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-API-Version": API_VERSION,
        "Content-Type": "application/json",
    }
    for name, value in d.extra_headers:
        headers[name] = value
    rec: dict = {"received_at": iso_utc(d.received)}
    if d.processed is not None:
        rec["processed_at"] = iso_utc(d.processed)
    rec.update({"endpoint": ENDPOINT, "status": d.status, "headers": headers, "body": body})
    text = json.dumps(rec)
    if d.truncated:
        # The process died mid-write, inside "body" just after the location id.
        cut = text.index('"location_id": ') + len('"location_id": ') + 4
        text = text[:cut]
    return text + "\n"


# ----------------------------------------------------------------------- checks
def applied_final(deliveries: list[Delivery]) -> dict[str, tuple[Delivery, Delivery]]:
    """Per entity: (last applied delivery, delivery of the newest source event)."""
    out: dict[str, tuple[Delivery, Delivery]] = {}
    keys = sorted({d.ev.ent.key for d in deliveries})
    for key in keys:
        ok = [d for d in deliveries if d.ev.ent.key == key and d.status == 200]
        last = max(ok, key=lambda d: d.processed)
        newest = max(ok, key=lambda d: (d.ev.t, d.ev.triggered))
        out[key] = (last, newest)
    return out


def check(deliveries: list[Delivery], text: str, tags: dict[str, Delivery]) -> None:
    lines = text.split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == len(deliveries)
    assert 250 <= len(lines) <= 400, len(lines)
    bad = []
    parsed = []
    for n, line in enumerate(lines, 1):
        try:
            parsed.append((n, json.loads(line)))
        except json.JSONDecodeError:
            bad.append(n)
    assert bad == [tags["crash"].line], bad
    assert [r["received_at"] for _, r in parsed] == sorted(r["received_at"] for _, r in parsed)

    # Per entity, every applied (status 200) delivery lands in source order, except the
    # two planted stalls; ties in updated_at are applied in delivery order.
    inversions = []
    for key in sorted({d.ev.ent.key for d in deliveries}):
        ok = sorted(
            (d for d in deliveries if d.ev.ent.key == key and d.status == 200),
            key=lambda d: d.processed,
        )
        newest = -1
        for d in ok:
            if d.ev.t < newest:
                inversions.append(d.ev.tag)
            newest = max(newest, d.ev.t)
            assert d.ev.value >= 0
            assert d.processed - d.received >= 200
            assert d.received > d.ev.triggered > d.ev.t
    assert sorted(inversions) == ["oos1_old", "oos2_old"], inversions
    assert all(d.processed is None or d.processed < ms(24) for d in deliveries)
    assert all(ms(0) <= d.ev.t for d in deliveries)

    # Webhook ids are unique per event; only the retry repeats one.
    ids = [d.ev.webhook_id for d in deliveries]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert dup == [tags["retry_1"].ev.webhook_id], dup
    assert len({d.ev.event_id for d in deliveries}) == len(deliveries) - 1

    o_old, o_new, o_rep = tags["oos1_old"], tags["oos1_new"], tags["oos1_repair"]
    assert o_old.received < o_new.received < o_new.processed < o_old.processed < o_rep.processed
    assert 19_000 <= o_old.processed - o_new.processed <= 22_000
    key1 = o_old.ev.ent.key
    between = [
        d
        for d in deliveries
        if d.ev.ent.key == key1 and o_old.processed < (d.processed or 0) < o_rep.processed
    ]
    assert between == []
    assert 40 * 60_000 <= o_rep.processed - o_old.processed <= 50 * 60_000

    s_old, s_new = tags["oos2_old"], tags["oos2_new"]
    assert s_old.received < s_new.received < s_new.processed < s_old.processed
    assert max(d.ev.t for d in deliveries if d.ev.ent is s_old.ev.ent) == s_new.ev.t

    r1, r2 = tags["retry_1"], tags["retry_2"]
    assert r1.status == 500 and r1.processed is None and r2.status == 200
    assert render(r1, b"k").split('"headers"')[1] == render(r2, b"k").split('"headers"')[1]
    assert 55_000 <= r2.received - r1.received <= 65_000
    assert not [
        d
        for d in deliveries
        if d.ev.ent is r1.ev.ent and d not in (r1, r2) and r1.ev.t <= d.ev.t
        if d.received < r2.processed + 120_000
    ]

    ta, tb = tags["tie_a"], tags["tie_b"]
    assert ta.ev.t == tb.ev.t and ta.ev.value != tb.ev.value
    assert ta.received < tb.received and ta.processed < tb.processed
    assert ta.ev.triggered < tb.ev.triggered
    assert any(d.ev.ent is ta.ev.ent and d.ev.t > ta.ev.t for d in deliveries)

    finals = applied_final(deliveries)
    drifting = sorted(k for k, (last, newest) in finals.items() if last is not newest)
    assert drifting == [s_old.ev.ent.key], drifting
    assert tags["crash"].ev.ent.key not in drifting

    # Night sparse, day busy; no silence in busy hours close to the 15 min gap threshold.
    rx = sorted(d.received for d in deliveries)
    busy = [b - a for a, b in itertools.pairwise(rx) if ms(8) <= a < ms(20)]
    assert max(busy) < 12 * 60_000, max(busy)


# ----------------------------------------------------------------------- entry points
@dataclass
class Monday:
    deliveries: list[Delivery]
    tags: dict[str, Delivery]
    ents: list[Entity]
    dc_id: int
    store_id: int
    token: str
    text: str

    @property
    def item_ids(self) -> dict[str, int]:
        """Shopify inventory_item_id per product name."""
        return {e.item_name: e.item_id for e in self.ents}


def generate() -> Monday:
    deliveries, meta, ents, dc_id, store_id = build()
    tags: dict[str, Delivery] = {}
    for d in deliveries:
        if d.ev.tag == "retry":
            tags["retry_2" if "retry_1" in tags else "retry_1"] = d
        elif d.ev.tag:
            tags[d.ev.tag] = d
        if d.truncated:
            tags["crash"] = d
        if d.extra_headers:
            tags["canary"] = d
    text = "".join(render(d, meta["secret"]) for d in deliveries)
    check(deliveries, text, tags)
    return Monday(deliveries, tags, ents, dc_id, store_id, meta["token"], text)


def section(m: Monday, sku_of: dict[str, str]) -> list[str]:
    """The README part about Monday's Shopify log (line numbers computed above)."""
    deliveries, tags = m.deliveries, m.tags
    o_old, o_new, o_rep = tags["oos1_old"], tags["oos1_new"], tags["oos1_repair"]
    s_old, s_new = tags["oos2_old"], tags["oos2_new"]
    r1, r2 = tags["retry_1"], tags["retry_2"]
    ta, tb = tags["tie_a"], tags["tie_b"]
    crash, canary = tags["crash"], tags["canary"]
    k1, k2 = o_old.ev.ent.key, s_old.ev.ent.key
    stood = o_rep.processed - o_old.processed
    night = sum(1 for d in deliveries if not ms(8) <= d.received < ms(20))
    finals = applied_final(deliveries)
    f = f"`{LOG_REL}`"

    def sku(e: Entity) -> str:
        return sku_of.get(e.item_name, "-")

    out = [
        f"The receiver logged {len(deliveries)} deliveries on Monday: a few an hour at night",
        f"({night} outside 08:00-20:00 UTC), 18-26 an hour through the day; the store",
        "only moves stock while open (13:00-24:00 UTC). Entities are Shopify ids",
        f"`<inventory_item_id>@<location_id>` (DC `{m.dc_id}`, Brooklyn store",
        f"`{m.store_id}`); the table at the end maps them to SKUs. Every line is one JSON",
        "object in the order the receiver logged them (`received_at`); `processed_at` is",
        "when the worker finished the ERP write (the HTTP 500 delivery has none);",
        "timestamps are UTC except the body's `updated_at`, which carries the shop's",
        "offset (-04:00).",
        "",
        "| code | entity | window (UTC) | stale value | correct value | quantity effect |"
        " severity | evidence (file:line) |",
        "|---|---|---|---|---|---|---|---|",
        f"| OOS001 | `{k1}` ({o_old.ev.ent.item_name}, DC) |"
        f" {iso_utc(o_old.processed)} to {iso_utc(o_rep.processed)}"
        f" (stood {duration(stood)}) | {o_old.ev.value} | {o_new.ev.value} |"
        f" {o_old.ev.value - o_new.ev.value:+d} while it stood, 0 after the repair"
        f" (repaired to {o_rep.ev.value}) | medium |"
        f" {f}:{o_new.line} (newer write, overwritten), :{o_old.line} (stale write),"
        f" :{o_rep.line} (repair) |",
        f"| OOS001 | `{k2}` ({s_old.ev.ent.item_name}, store) |"
        f" {iso_utc(s_old.processed)} to end of log (still stale) | {s_old.ev.value} |"
        f" {s_new.ev.value} | {s_old.ev.value - s_new.ev.value:+d} (final applied"
        f" {s_old.ev.value} - newest source {s_new.ev.value}) | high |"
        f" {f}:{s_new.line} (newer write, overwritten), :{s_old.line} (stale write) |",
        "",
        f"- `{k1}`: Shopify `updated_at` {iso_shop(o_old.ev.t)} (available"
        f" {o_old.ev.value}) and {iso_shop(o_new.ev.t)} ({o_new.ev.value}), received in"
        f" order at {hms(o_old.received)} and {hms(o_new.received)}; the newer one was"
        f" applied at {hms(o_new.processed)}, the older one at {hms(o_old.processed)}"
        f" ({(o_old.processed - o_new.processed) / 1000:.1f} s later). The next update,"
        f" {iso_shop(o_rep.ev.t)} ({o_rep.ev.value}), applied at {hms(o_rep.processed)},"
        " repaired it.",
        f"- `{k2}`: `updated_at` {iso_shop(s_old.ev.t)} ({s_old.ev.value}) and"
        f" {iso_shop(s_new.ev.t)} ({s_new.ev.value}), received in order at"
        f" {hms(s_old.received)} and {hms(s_new.received)}; the newer one was applied at"
        f" {hms(s_new.processed)}, the older one at {hms(s_old.processed)}. No later"
        " update of this entity that day.",
        "",
        "Monday's decoys and data-quality lines (must NOT be reported as out-of-order):",
        "",
        "| what | entity | lines | why it is benign / what to expect |",
        "|---|---|---|---|",
        f"| benign retry | `{r1.ev.ent.key}` | {r1.line} (HTTP 500, no `processed_at`),"
        f" {r2.line} (retry, 200) | same X-Shopify-Webhook-Id `{r1.ev.webhook_id}`, same"
        f" event id and identical body (available {r1.ev.value}, `updated_at`"
        f" {iso_shop(r1.ev.t)}), {(r2.received - r1.received) / 1000:.1f} s apart; no"
        " newer update of the item in between. Attempt 2, applied once: no RTY001,"
        " RTY002 or OOS001. |",
        f"| tie | `{ta.ev.ent.key}` | {ta.line}, {tb.line} | two sales in the same second:"
        f" both `updated_at` {iso_shop(ta.ev.t)} (available {ta.ev.value} then"
        f" {tb.ev.value}), triggered, received and applied in that order; later updates"
        " follow. Equal timestamps are not out of order. |",
        f"| malformed line | `{crash.ev.ent.key}` | {crash.line} | truncated inside"
        ' `"body"` (receiver crashed while writing); must be rejected with its line'
        " number, the following lines parse normally. The item updates again later,"
        " so no drift follows from it. |",
        f"| secret in the clear | `{canary.ev.ent.key}` | {canary.line} | header"
        f' `"Authorization": "Bearer shpat_..."` (token `{m.token[:10]}...`): a canary;'
        " the report must redact it (as well as every `X-Shopify-Hmac-Sha256`). |",
        "",
        "Nothing else on Monday's storefront log is anomalous: every other delivery is",
        "applied 0.2-2 s after receipt, in source order per entity.",
        "",
        "Final quantity per Shopify entity on Monday: ERP = the `available` of the last",
        "applied write (latest `processed_at`, status 200); Shopify = the `available` of",
        "the newest source event (latest `updated_at`).",
        "",
        "| entity | SKU | product | location | parsed lines | ERP (last applied) |"
        " Shopify (newest) | drift |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in m.ents:
        last, newest = finals[e.key]
        n = sum(1 for d in deliveries if d.ev.ent is e and not d.truncated)
        drift = last.ev.value - newest.ev.value
        out.append(
            f"| `{e.key}` | {sku(e)} | {e.item_name} | {'DC' if e.is_dc else 'store'} | {n} |"
            f" {last.ev.value} | {newest.ev.value} | {f'{drift:+d}' if drift else '0'} |"
        )
    return out
