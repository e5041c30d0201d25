"""Generate a large Shopify-style generic-webhook export for benchmarks.

Writes ``N`` deliveries of ``inventory_levels/update`` as NDJSON files of about
250k lines under ``OUT/webhooks/storefront-receiver/``, in the shape of
``sample_logs/webhooks/storefront-receiver/*.ndjson`` (received_at,
processed_at, endpoint, status, X-Shopify-* headers with ids and HMAC, a body
with inventory_item_id, location_id, available and updated_at at -04:00).

Anomalies at realistic rates (fixed seed, no clock, so the output is
byte-identical for the same arguments):

* ~0.1% out-of-order writes: a stalled worker applies an older update of an
  entity after a newer one (the OOS001 shape);
* ~0.5% deliveries answered 5xx, retried by Shopify 1-5 minutes later with the
  same webhook id, event id and payload, and answered 200;
* ~0.01% malformed lines: a line cut mid-record (receiver crash) or a plain
  text banner;
* one file in four written by a receiver that lower-cases header names.

Usage: python bench/gen.py N OUT [--seed S] [--lines-per-file L]
Standard library only; about 5 us per line.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 4, 1, tzinfo=UTC)
SHOP_OFFSET = timedelta(hours=-4)
HEADER_NAMES = (
    "X-Shopify-Topic",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
    "X-Shopify-Hmac-Sha256",
)
LOCATIONS = (65011147124, 74372833794, 81020011315, 90377100421)
ITEMS = 25_000
OUT_OF_ORDER = 0.001
SERVER_ERROR = 0.005
MALFORMED = 0.0001


class _Clock:
    """Format epoch milliseconds as ISO text, caching the per-second prefix."""

    def __init__(self) -> None:
        self._utc: dict[int, str] = {}
        self._local: dict[int, str] = {}

    def utc(self, ms: int) -> str:
        sec, rem = divmod(ms, 1000)
        prefix = self._utc.get(sec)
        if prefix is None:
            if len(self._utc) > 4096:
                self._utc.clear()
            prefix = (START + timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%S")
            self._utc[sec] = prefix
        return f"{prefix}.{rem:03d}Z"

    def local(self, ms: int) -> str:
        sec = ms // 1000
        text = self._local.get(sec)
        if text is None:
            if len(self._local) > 4096:
                self._local.clear()
            text = (START + SHOP_OFFSET + timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%S")
            text += "-04:00"
            self._local[sec] = text
        return text


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _line(clock: _Clock, d: dict, names: tuple[str, ...]) -> str:
    topic, webhook, event, triggered, hmac = names
    return (
        f'{{"received_at": "{clock.utc(d["received"])}", '
        f'"processed_at": "{clock.utc(d["processed"])}", '
        f'"endpoint": "/hooks/inventory", "status": {d["status"]}, '
        f'"headers": {{"{topic}": "inventory_levels/update", '
        f'"{webhook}": "{d["webhook"]}", "{event}": "{d["event"]}", '
        f'"{triggered}": "{clock.utc(d["triggered"])}", "{hmac}": "{d["hmac"]}"}}, '
        f'"body": {{"inventory_item_id": {d["item"]}, "location_id": {d["location"]}, '
        f'"available": {d["available"]}, "updated_at": "{clock.local(d["updated"])}"}}}}'
    )


def generate(n: int, out: Path, *, seed: int = 20260406, lines_per_file: int = 250_000) -> dict:
    """Write n deliveries under out; return counts of what was planted."""
    rng = random.Random(seed)
    clock = _Clock()
    folder = out / "webhooks" / "storefront-receiver"
    folder.mkdir(parents=True, exist_ok=True)
    lower = tuple(name.lower() for name in HEADER_NAMES)
    last_updated: dict[tuple[int, int], int] = {}
    stock: dict[tuple[int, int], int] = {}
    pending: list[dict] = []  # retries waiting for their receive time, in time order
    planted = {"deliveries": 0, "out_of_order": 0, "server_errors": 0, "malformed": 0, "files": 0}
    now = 0
    written = 0
    file_index = 0
    handle = None
    names = HEADER_NAMES

    def emit(text: str) -> None:
        nonlocal handle, file_index, written, names
        if handle is None or written % lines_per_file == 0:
            if handle is not None:
                handle.close()
            file_index += 1
            names = lower if file_index % 4 == 0 else HEADER_NAMES
            path = folder / f"inventory-levels-part-{file_index:05d}.ndjson"
            handle = path.open("w", encoding="utf-8", newline="\n")
            planted["files"] += 1
        handle.write(text)
        handle.write("\n")
        written += 1

    while planted["deliveries"] < n:
        now += rng.randint(20, 500)
        if pending and pending[0]["received"] <= now:
            d = pending.pop(0)
            emit(_line(clock, d, names))
            planted["deliveries"] += 1
            continue
        if rng.random() < MALFORMED:
            planted["malformed"] += 1
            planted["deliveries"] += 1
            if rng.random() < 0.8:
                item = 40_000_000_000 + rng.randrange(ITEMS) * 7919
                d = _fresh(rng, now, item, rng.choice(LOCATIONS), 10, now - 300)
                text = _line(clock, d, names)
                emit(text[: rng.randint(40, len(text) - 20)])
            else:
                emit(f"[{clock.utc(now)}] receiver restarted (worker pool 8)")
            continue
        item = 40_000_000_000 + int(rng.paretovariate(1.2) * 37) % ITEMS * 7919
        location = rng.choice(LOCATIONS)
        key = (item, location)
        level = stock.get(key, rng.randint(20, 400))
        level = max(0, level + rng.choice((-3, -2, -1, -1, -1, 1, 5, 24)))
        stock[key] = level
        previous = last_updated.get(key)
        # Shopify stamps updated_at shortly before sending; per entity it only grows.
        updated = max(now - rng.randint(150, 900), (previous or 0) + 1)
        if previous is not None and rng.random() < OUT_OF_ORDER:
            # A stalled worker applies an update older than one already applied.
            updated = previous - rng.randint(1_000, 600_000)
            planted["out_of_order"] += 1
        else:
            last_updated[key] = updated
        d = _fresh(rng, now, item, location, level, updated)
        if rng.random() < SERVER_ERROR:
            planted["server_errors"] += 1
            d["status"] = rng.choice((500, 502, 503))
            retry = dict(d, status=200)
            retry["received"] = now + rng.randint(60_000, 300_000)
            retry["processed"] = retry["received"] + rng.randint(200, 1500)
            pending.append(retry)
            pending.sort(key=lambda r: r["received"])
        emit(_line(clock, d, names))
        planted["deliveries"] += 1
    if handle is not None:
        handle.close()
    planted["lines"] = written
    return planted


def _fresh(
    rng: random.Random, now: int, item: int, location: int, level: int, updated: int
) -> dict:
    return {
        "received": now,
        "processed": now + rng.randint(200, 1500),
        "triggered": updated + rng.randint(100, 400),
        "updated": updated,
        "status": 200,
        "webhook": _uuid(rng),
        "event": _uuid(rng),
        "hmac": base64.b64encode(rng.randbytes(32)).decode(),
        "item": item,
        "location": location,
        "available": level,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="deliveries to write")
    parser.add_argument("out", type=Path, help="output folder (created)")
    parser.add_argument("--seed", type=int, default=20260406)
    parser.add_argument("--lines-per-file", type=int, default=250_000)
    args = parser.parse_args(argv)
    planted = generate(args.n, args.out, seed=args.seed, lines_per_file=args.lines_per_file)
    print(" ".join(f"{k}={v}" for k, v in planted.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
