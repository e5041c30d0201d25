"""Small hostile-input builders shared by the catalogue, property and end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from forensics.config import Config, PayloadKeys
from forensics.loader import Loaded, load
from forensics.redact import Redactor
from parsers._base import ParseContext, Parser, ParseResult
from parsers._walk import Limits

PAYLOAD = asdict(PayloadKeys())

WEBHOOK: dict[str, Any] = {
    "received_at": "2026-04-06T09:12:04Z",
    "status": 200,
    "headers": {"X-Shopify-Topic": "inventory_levels/update", "X-Shopify-Webhook-Id": "d0"},
    "body": {"sku": "SKU-1", "location": "WH-1", "available": 3},
}

ZAP_RUN: dict[str, Any] = {
    "id": "r0",
    "zap_id": 1,
    "zap_title": "Z",
    "status": "success",
    "start_time": "2026-04-12T21:48:22Z",
    "data_in": {"sku": "SKU-1"},
    "data_out": {"quantity": 1},
}

BOOMI_FOLDER = "execution-7ca09889-2eb7-4be9-bf28-3ebeb658f416-2026.04.08"


def hook(i: int = 1, **extra: Any) -> dict[str, Any]:
    """One webhook delivery with its own delivery id; extra keys override or add."""
    record = json.loads(json.dumps(WEBHOOK))
    record["headers"]["X-Shopify-Webhook-Id"] = f"d{i}"
    record.update(extra)
    return record


def hook_line(i: int = 1, **extra: Any) -> str:
    return json.dumps(hook(i, **extra))


def ndjson(*lines: str, end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode()


def zap(i: int = 1, **extra: Any) -> dict[str, Any]:
    return {**ZAP_RUN, "id": f"r{i}", **extra}


def zap_page(*records: Any) -> str:
    """A Zapier Zap Runs API page, pretty-printed like a real export."""
    return json.dumps(
        {"links": {}, "meta": {"count": len(records)}, "data": list(records)}, indent=2
    )


def boomi_log(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def read_with(parser: Parser, data: bytes, file: str = "hostile/input") -> ParseResult:
    """Call a parser's read() directly and check its accounting."""
    result = parser.read(data, ParseContext(file, ZoneInfo("UTC"), PAYLOAD))
    assert result.events.height + result.absorbed + len(result.rejections) == result.records_seen
    return result


def write_tree(root: Path, files: Mapping[str, bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def load_tree(root: Path, limits: Limits | None = None) -> Loaded:
    return load(root, Config(), redactor=Redactor(), limits=limits)


def summary(loaded: Loaded) -> dict[str, Any]:
    """Per file: records, reasons, notes and (line, reason) pairs; skips by file."""
    out: dict[str, Any] = {}
    for item in loaded.inputs:
        out[item.file] = {
            "format": item.format,
            "records": item.records,
            "rejected": item.rejected,
            "reasons": item.reasons,
            "notes": item.notes,
            "where": [(r.line, r.reason) for r in item.rejections],
        }
    for skip in loaded.skipped:
        out[skip.file] = f"skip: {skip.reason}"
    return out


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


def _zip(members: Mapping[str, bytes], *, flags: int = 0) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    if flags:
        # writestr() rewrites flag bits itself, so patch them into both headers.
        for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = 0
            while (found := raw.find(signature, start)) != -1:
                raw[found + at] |= flags
                start = found + 4
    return bytes(raw)


def hostile_corpus() -> dict[str, bytes]:
    """One small file per applicable catalogue case, for the end-to-end run (step 4)."""
    good = [json.dumps(hook(i, body={"sku": f"S{i}", "available": i})) for i in range(3)]
    deep = "[" * 100_000 + "]" * 100_000
    bidi = json.dumps(hook(9, body={"sku": "A\u202eB\u2066<script>alert(1)</script>"}))
    surrogate = hook_line(8, body={"sku": "A@B"}).replace("@", "\\ud800")
    log_lines = (
        "2026-04-08T13:45:00Z\tINFO\tinitializing...\t\tExecuting Process Sync",
        "2026-04-08T13:45:31Z\tSEVERE\tStart\tDB\tError: OOM",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
    )
    files: dict[str, bytes] = {
        "b01_no_final_newline.ndjson": "\n".join(good).encode(),
        "b02_truncated.ndjson": ndjson(*good) + good[0][:30].encode(),
        "b03_garbage.ndjson": ndjson(good[0], '{"x": garbage', good[1]),
        "b04_crlf.ndjson": ndjson(*good, end="\r\n"),
        "b05_mixed.ndjson": (good[0] + "\r\n" + good[1] + "\n" + good[2]).encode(),
        "b07_blank.ndjson": (good[0] + "\n\n  \n" + good[1]).encode(),
        "b09_pretty.ndjson": json.dumps([hook(1), hook(2)], indent=2).encode(),
        "b11_trailing.ndjson": ndjson(good[0] + good[1], good[2]),
        "b12_json5.ndjson": ndjson(good[0], good[1][:-1] + ",}", "// c", good[2]),
        "b13_preamble.ndjson": ndjson("=== started ===", *good),
        "b17_bom.ndjson": b"\xef\xbb\xbf" + ndjson(*good),
        "b18_utf16.ndjson": b"\xff\xfe" + "\n".join(good).encode("utf-16-le"),
        "b18_utf16_nobom.ndjson": "\n".join(good).encode("utf-16-le"),
        "b19_invalid_utf8.ndjson": ndjson(*good).replace(b"S1", b"S\xe9"),
        "b21_cp1252.ndjson": "\n".join(good).replace("S1", "café").encode("cp1252"),
        "b23_surrogate.ndjson": ndjson(surrogate, good[0]),
        "b24_bidi_xss.ndjson": ndjson(bidi),
        "b25_ansi.ndjson": ndjson(json.dumps(hook(7, body={"sku": "\x1b[31mX\x1b]0;t\x07"}))),
        "b26_dupkey.ndjson": ndjson(good[0][:-1] + ', "status": 500}'),
        "b27_nan.ndjson": ndjson(good[0][:-2] + ', "available": NaN}}'),
        "b30_digits.ndjson": ndjson(good[0][:-1] + ', "n": ' + "1" * 10_000 + "}", good[1]),
        "b31_deep.ndjson": ndjson(good[0][:-1] + ', "d": ' + deep + "}", good[1]),
        "b32_scalars.ndjson": ndjson(good[0], "[1]", "42", "null"),
        "b35_string_body.ndjson": ndjson(hook_line(5, body='{"sku": "Q"}'), hook_line(6, body="{")),
        "zapier/b02_cut.json": zap_page(zap(1), zap(2))[:-40].encode(),
        "zapier/b30_digits.json": zap_page(zap(1), zap(2))
        .replace('"zap_id": 1', '"zap_id": ' + "9" * 5000, 1)
        .encode(),
        "zapier/b32_scalars.json": zap_page(zap(3), 42, "x", zap(4)).encode(),
        f"boomi/{BOOMI_FOLDER}/process_log.txt": boomi_log(*log_lines),
        "b46_empty.ndjson": b"",
        "b47_csv_in.json": b"id,sku\n1,A\n",
        "b48_binary.pdf": b"%PDF-1.4\n\x00\x01\x02",
        "__MACOSX/._x.ndjson": b"\x00\x05",
        "Thumbs.db": b"\xd0\xcf",
        "b53_cut.zip": _zip({"x.ndjson": ndjson(*good)})[:40],
        "b54_slip.zip": _zip({"../evil.ndjson": ndjson(*good), "ok.ndjson": ndjson(*good)}),
        "b57_nested.zip": _zip({"inner.zip": _zip({"x.ndjson": ndjson(*good)})}),
        "b59_encrypted.zip": _zip({"x.ndjson": ndjson(*good)}, flags=0x1),
        "b61_multi.ndjson.gz": _gzip(ndjson(good[0])) + _gzip(ndjson(good[1])),
        "b61_cut.ndjson.gz": _gzip(ndjson(*good))[:30],
        "b61_fake.ndjson.gz": b"not gzip",
        "logs.tar": b"\x00" * 512,
    }
    return files
