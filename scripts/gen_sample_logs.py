#!/usr/bin/env python3
"""Generate the demo export folder ``sample_logs/`` (stdlib only, deterministic).

One week, 2026-04-06 (Mon) to 2026-04-12 (Sun) UTC, of a retailer's inventory
middleware, in the real export shapes of each platform:

- Boomi "WMS to ERP inventory sync" (15-minute batch): execution-record and
  document query pages, one process log;
- Make "ERP to storefront stock push" (instant webhook scenario): blueprint,
  scenario logs, incomplete executions with bundles and retry logs, hook logs;
- Zapier "3PL shipments -> ERP stock adjust": Zap run pages;
- Monday's Shopify ``inventory_levels/update`` receiver log (the first demo,
  byte-identical);
- ``forensics.toml`` and ``README.md``.

Every detector of SPEC section 6 has its planted case, plus decoys and normal
traffic that must not be reported. The story is simulated in ``samples/world.py``
and rendered by ``samples/{boomi,make,zapier,shopify}.py``; ``samples/analysis.py``
re-reads the rendered files by the row contract and runs reference detectors,
``samples/story.py`` asserts that exactly the planted cases are in the data, and
``samples/readme.py`` writes the README from those results. The whole folder is
built twice in memory and must be byte-identical; it must stay under 5 MB.

    python3 scripts/gen_sample_logs.py          # write sample_logs/
    python3 scripts/gen_sample_logs.py --check  # build and verify only, write nothing
    python3 scripts/gen_sample_logs.py --clean --out DIR

``--clean`` writes the same week with every planted problem removed into DIR
(never into sample_logs/): no safety-stock offset (MAP003), Boomi outage (GAP001)
or export hole (GAP002), ERP queue backlog (DLY001) or webhook outage (the lost
Thursday updates), pack-size change (MAP002 k 12 -> 6), decimal metres (MAP004),
failed-and-replayed, duplicated or auto-replayed Zap runs (DLY001, RTY002, IDM001),
stale Make retry (RTY001), on_hand-into-available blueprint (MAP001: the clean
scenario sets Shopify's on hand), Monday receiver log (OOS001); and a 10-minute
Boomi batch, whose lag window stays under delay_warn (SYN001). Benign decoys stay
(Make's 429 auto-retry, Boomi's retried document, the execution record exported
twice). It is checked for determinism, not against the README's story, and gets a
short README of its own. With the planted problems gone the analyzer must find no
drift and give the "isolated problems" verdict (tests/test_clean_variant.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from samples import build, readme, story

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "sample_logs"


def render_all() -> tuple[dict[str, bytes], build.Built, story.Expect]:
    built = build.build()
    expect = story.expect(built)
    story.check(built, expect)
    files = {path: f.text.encode() for path, f in built.export.files.items()}
    files["forensics.toml"] = built.toml.encode()
    size = sum(len(v) for v in files.values())
    # The README's own size is part of the total it states: settle it in two passes.
    text = readme.write(built, expect, size)
    for _ in range(3):
        total = size + len(text.encode())
        text = readme.write(built, expect, total)
        if size + len(text.encode()) == total:
            break
    files["README.md"] = text.encode()
    total = sum(len(v) for v in files.values())
    assert total < story.MAX_BYTES, f"sample_logs would be {total:,} bytes"
    return files, built, expect


CLEAN_README = """# Clean variant of the demo week (generated)

The week of sample_logs/ with every planted problem removed, written by
`python3 scripts/gen_sample_logs.py --clean --out DIR` (see that script's
docstring for what is removed). Analysing it must report no drift and the
"isolated problems" verdict. Not committed; regenerate it when needed.
"""


def render_clean() -> dict[str, bytes]:
    """The clean week's files (relative path -> bytes); not checked against the story."""
    built = build.build(clean=True)
    files = {path: f.text.encode() for path, f in built.export.files.items()}
    files["forensics.toml"] = built.toml.encode()
    files["README.md"] = CLEAN_README.encode()
    return files


def write_clean(out: Path) -> dict[str, bytes]:
    """Build the clean week twice, check it is deterministic and write it into ``out``."""
    if out.resolve() == OUT_DIR.resolve():
        raise SystemExit("--clean never writes into sample_logs/: give another --out DIR")
    files = render_clean()
    assert render_clean() == files, "two clean builds differ: the generator is not deterministic"
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"--out {out} is not empty")
    for rel, data in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def main(argv: list[str]) -> int:
    if "--clean" in argv:
        if "--out" not in argv or argv.index("--out") + 1 >= len(argv):
            print("usage: gen_sample_logs.py --clean --out DIR", file=sys.stderr)
            return 2
        out = Path(argv[argv.index("--out") + 1])
        files = write_clean(out)
        total = sum(len(v) for v in files.values())
        print(f"wrote {out}: clean week, {len(files)} files, {total:,} bytes")
        return 0
    files, _, expect = render_all()
    again, _, _ = render_all()
    assert again == files, "two builds differ: the generator is not deterministic"
    total = sum(len(v) for v in files.values())
    if "--check" in argv:
        print(f"ok: {len(files)} files, {total:,} bytes, byte-identical on a second build")
        return 0
    for child in OUT_DIR.iterdir() if OUT_DIR.exists() else ():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    for rel, data in sorted(files.items()):
        path = OUT_DIR / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    written = {
        p.relative_to(OUT_DIR).as_posix(): p.read_bytes() for p in OUT_DIR.rglob("*") if p.is_file()
    }
    assert written == files, "sample_logs/ does not hold exactly the generated files"
    print(f"wrote sample_logs/: {len(files)} files, {total:,} bytes")
    for name, info in expect.flows.items():
        print(f"  {name}: {info['rows']} rows {info['by_format']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
