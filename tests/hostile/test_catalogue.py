"""The bad-input catalogue B01-B62 (RELIABILITY section 3), one pinned behaviour per case.

Fixtures are built here, in memory or in tmp_path (zips with zipfile, symlinks
at test time). Expectations go through the public loader (or a parser's
read() where the loader's sniffing is not the point) and state exact counts,
reason codes, line numbers and skip reasons. Where the code does not yet do
what the catalogue asks, the case is an ``xfail(strict=True)`` so it flips
when fixed; see tests/hostile/README.md.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import shutil
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hostile._fixtures import (
    BOOMI_FOLDER,
    PAYLOAD,
    boomi_log,
    hook,
    hook_line,
    load_tree,
    ndjson,
    read_with,
    summary,
    write_tree,
    zap,
    zap_page,
)

from forensics.analysis import analyze
from forensics.config import Config
from parsers._base import ParseContext
from parsers._json import MAX_RECORD_BYTES
from parsers._time import parse_timestamps_with_issues
from parsers._walk import Limits
from parsers.webhook import PARSER as WEBHOOK
from reports import render_html, render_markdown

NDJ = "hooks.ndjson"
DOC = "zaps.json"


def one(tmp_path: Path, name: str, data: bytes, limits: Limits | None = None) -> Any:
    """Load a folder holding one file; return that file's summary entry."""
    found = summary(load_tree(write_tree(tmp_path, {name: data}), limits))
    assert list(found) == [name], found
    return found[name]


def counts(entry: dict[str, Any]) -> tuple[int, int, dict[str, int]]:
    return entry["records"], entry["rejected"], entry["reasons"]


# --- 3.1 framing: NDJSON webhook logs ------------------------------------------------


def test_b01_last_line_without_newline_is_read(tmp_path: Path) -> None:
    entry = one(tmp_path, NDJ, ndjson(hook_line(1), hook_line(2), end="\n")[:-1])
    assert counts(entry) == (2, 0, {})


def test_b02_last_line_cut_mid_object_is_truncated_record(tmp_path: Path) -> None:
    data = ndjson(hook_line(1), hook_line(2)) + hook_line(3)[:40].encode()
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (3, 1, {"truncated_record": 1})
    assert entry["where"] == [(3, "truncated_record")]


def test_b03_garbage_line_in_the_middle_costs_only_that_line(tmp_path: Path) -> None:
    data = ndjson(hook_line(1), '{"received_at": xx garbage', hook_line(3), hook_line(4))
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (4, 1, {"invalid_json": 1})
    assert entry["where"] == [(2, "invalid_json")]


def test_b04_crlf_is_ok_without_a_note(tmp_path: Path) -> None:
    entry = one(tmp_path, NDJ, ndjson(hook_line(1), hook_line(2), end="\r\n"))
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {}


def test_b05_mixed_endings_and_a_lone_cr_inside_a_record(tmp_path: Path) -> None:
    data = (hook_line(1) + "\r\n" + hook_line(2, note="a\rb") + "\n" + hook_line(3)).encode()
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (3, 0, {})
    assert entry["notes"] == {"mixed_line_endings": 1}


def test_b06_unicode_line_separators_inside_strings_do_not_split(tmp_path: Path) -> None:
    sku = "A\u2028B\u2029C\u0085D"
    data = json.dumps(hook(1, body={"sku": sku}), ensure_ascii=False) + "\n" + hook_line(2)
    loaded = load_tree(write_tree(tmp_path, {NDJ: data.encode()}))
    assert counts(summary(loaded)[NDJ]) == (2, 0, {})
    assert loaded.events.get_column("sku").to_list() == [sku, "SKU-1"]


def test_b07_blank_lines_are_not_records(tmp_path: Path) -> None:
    data = (hook_line(1) + "\n\n   \n\t\r\n" + hook_line(2) + "\n\n").encode()
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (2, 0, {})


def test_b08_over_long_line_is_skipped_and_the_file_continues(tmp_path: Path) -> None:
    huge = hook_line(2, blob="x" * (MAX_RECORD_BYTES + 10))
    entry = one(tmp_path, NDJ, ndjson(hook_line(1), huge, hook_line(3)))
    assert counts(entry) == (3, 1, {"line_too_long": 1})
    assert entry["where"] == [(2, "line_too_long")]


def test_b09_pretty_printed_json_in_an_ndjson_file_is_read_as_a_document(tmp_path: Path) -> None:
    data = json.dumps([hook(1), hook(2)], indent=2).encode()
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (2, 0, {})
    single = one(tmp_path / "single", "one.ndjson", json.dumps(hook(1), indent=2).encode())
    assert counts(single) == (1, 0, {})


def test_b10_top_level_array_gives_each_record_its_own_line(tmp_path: Path) -> None:
    data = json.dumps([hook(1), hook(2), hook(3)], indent=2).encode()
    result = read_with(WEBHOOK, data)
    assert result.events.get_column("record").to_list() == [1, 2, 3]
    lines = result.events.get_column("line").to_list()
    assert lines[0] == 2 and lines[0] < lines[1] < lines[2]


def test_b11_two_objects_on_one_line_is_trailing_garbage(tmp_path: Path) -> None:
    data = ndjson(hook_line(1) + hook_line(2), hook_line(3) + " trailing", hook_line(4))
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (3, 2, {"trailing_garbage": 2})
    assert entry["where"] == [(1, "trailing_garbage"), (2, "trailing_garbage")]


def test_b12_json5_style_lines_are_invalid_json_and_counted(tmp_path: Path) -> None:
    trailing_comma = hook_line(2)[:-1] + ",}"
    single_quotes = hook_line(3).replace('"', "'")
    data = ndjson(hook_line(1), trailing_comma, "// a comment", single_quotes, hook_line(5))
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (5, 3, {"invalid_json": 3})
    assert [line for line, _ in entry["where"]] == [2, 3, 4]


PREAMBLE = ["=== receiver started ===", "Traceback (most recent call last):", '  File "x"']


def test_b13_preamble_lines_are_rejected_one_by_one_when_read() -> None:
    result = read_with(WEBHOOK, ndjson(*PREAMBLE, hook_line(1), hook_line(2)))
    assert (result.records_seen, result.events.height) == (5, 2)
    assert [(r.line, r.reason) for r in result.rejections] == [
        (1, "invalid_json"),
        (2, "invalid_json"),
        (3, "invalid_json"),
    ]


def test_b13_preamble_does_not_decide_format_detection(tmp_path: Path) -> None:
    entry = one(tmp_path, NDJ, ndjson(*PREAMBLE, hook_line(1), hook_line(2)))
    assert counts(entry) == (5, 3, {"invalid_json": 3})
    assert entry["format"] == "webhook.request_log"


@pytest.mark.parametrize(
    "preamble",
    [["# exported by receiver v2.1"], ["[2026-04-06 09:00:00] INFO receiver started"]],
    ids=["comment", "bracketed_banner"],
)
def test_b13_comment_and_bracketed_banner_preambles(tmp_path: Path, preamble: list[str]) -> None:
    entry = one(tmp_path, NDJ, ndjson(*preamble, hook_line(1)))
    assert entry["format"] == "webhook.request_log"
    assert counts(entry) == (2, 1, {"invalid_json": 1})


def test_b13_preamble_is_bounded_and_lowers_the_sniff_score() -> None:
    plain = WEBHOOK.sniff(ndjson(hook_line(1)), NDJ)
    after_banner = WEBHOOK.sniff(ndjson(*PREAMBLE, hook_line(1)), NDJ)
    assert 0 < after_banner < plain
    assert WEBHOOK.sniff(ndjson(*["banner"] * 64, hook_line(1)), NDJ) > 0
    # Past 64 non-JSON lines the file is text, not a request log with a banner.
    assert WEBHOOK.sniff(ndjson(*["banner"] * 65, hook_line(1)), NDJ) == 0


def test_b14_stack_trace_lines_are_rejected_by_the_json_reader(tmp_path: Path) -> None:
    trace = ["java.lang.IllegalStateException: boom", "\tat a.b.C.d(C.java:1)", "\t... 3 more"]
    entry = one(tmp_path, NDJ, ndjson(hook_line(1), *trace, hook_line(2)))
    assert counts(entry) == (5, 3, {"invalid_json": 3})
    assert [line for line, _ in entry["where"]] == [2, 3, 4]


def test_b14_stack_trace_lines_continue_the_previous_event_in_a_text_log(tmp_path: Path) -> None:
    data = boomi_log(
        "2026-04-08T13:45:00Z\tINFO\tinitializing...\t\tExecuting Process Sync",
        "2026-04-08T13:45:31Z\tSEVERE\tStart\tDB\tError executing Start Shape: OOM",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
        "\t... 14 more",
        "2026-04-08T13:45:32Z\tSEVERE\tinitializing...\t\tProcess execution failed",
    )
    entry = one(tmp_path, f"{BOOMI_FOLDER}/process_log.txt", data)
    assert entry["format"] == "boomi.process_log"
    assert counts(entry) == (3, 0, {})


def test_b15_nul_in_the_first_8_kib_makes_the_file_binary(tmp_path: Path) -> None:
    data = ndjson(hook_line(1)).replace(b"SKU-1", b"SKU\x001") + ndjson(hook_line(2))
    assert one(tmp_path, NDJ, data) == "skip: binary file, not a text log"


def test_b15_escaped_control_characters_are_data(tmp_path: Path) -> None:
    line = hook_line(1, body={"sku": "A\u0000B\u0007C"})  # written as \u0000 and \u0007
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(line, hook_line(2))}))
    entry = summary(loaded)[NDJ]
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {}
    assert loaded.events.sort("record").get_column("sku").to_list() == ["A\x00B\x07C", "SKU-1"]


@pytest.mark.parametrize("control", ["\x01", "\x1f", "\t", "\x00"], ids=["soh", "us", "tab", "nul"])
def test_b15_raw_control_character_inside_a_string_rejects_only_its_line(
    tmp_path: Path, control: str
) -> None:
    # RFC 8259 requires control characters in strings to be escaped; the strict
    # decoder refuses them. A raw NUL past the first 8 KiB is not taken for binary.
    filler = [hook_line(i) for i in range(2, 62)]
    bad = hook_line(1, body={"sku": "A@B"}).replace("@", control)
    entry = one(tmp_path, NDJ, ndjson(*filler, bad, hook_line(99)))
    assert counts(entry) == (62, 1, {"invalid_json": 1})
    assert entry["where"] == [(61, "invalid_json")] and entry["notes"] == {}


# --- 3.1 framing: a JSON document format (Zapier Zap Runs pages) ----------------------


def test_b01_b10_document_without_final_newline_reads_every_record(tmp_path: Path) -> None:
    entry = one(tmp_path, DOC, zap_page(zap(1), zap(2), zap(3)).encode())
    assert entry["format"] == "zapier.zap_runs"
    assert counts(entry) == (3, 0, {})


def test_b02_document_cut_off_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    text = zap_page(zap(1), zap(2), zap(3))
    cut = text[: text.index('"id": "r3"') + 5]
    entry = one(tmp_path, DOC, cut.encode())
    assert counts(entry) == (3, 1, {"truncated_record": 1})


def test_b03_garbage_inside_a_document_rejects_the_rest_and_keeps_the_start(
    tmp_path: Path,
) -> None:
    text = zap_page(zap(1), zap(2), zap(3)).replace('"id": "r2"', '"id": "r2" garbage')
    entry = one(tmp_path, DOC, text.encode())
    assert counts(entry) == (2, 1, {"invalid_json": 1})
    ((line, _),) = entry["where"]
    assert text.splitlines()[line - 1].strip() == "{"  # the damaged record's opening brace


def test_b04_crlf_document(tmp_path: Path) -> None:
    text = zap_page(zap(1), zap(2)).replace("\n", "\r\n")
    assert counts(one(tmp_path, DOC, text.encode())) == (2, 0, {})


def test_b11_trailing_garbage_after_the_document(tmp_path: Path) -> None:
    entry = one(tmp_path, DOC, (zap_page(zap(1)) + "\n}{ garbage").encode())
    assert counts(entry) == (2, 1, {"trailing_garbage": 1})


def test_b12_trailing_comma_in_a_document(tmp_path: Path) -> None:
    text = zap_page(zap(1), zap(2)).replace("\n  ]\n}", ",\n  ]\n}")
    entry = one(tmp_path, DOC, text.encode())
    assert counts(entry) == (3, 1, {"invalid_json": 1})


# --- 3.2 encoding --------------------------------------------------------------------


def test_b16_bom_in_a_text_log_and_a_document_is_stripped_with_a_note(tmp_path: Path) -> None:
    log = codecs.BOM_UTF8 + boomi_log(
        "2026-04-08T13:45:00Z\tINFO\tinitializing...\t\tExecuting Process Sync"
    )
    files = {
        f"{BOOMI_FOLDER}/process_log.txt": log,
        DOC: codecs.BOM_UTF8 + zap_page(zap(1)).encode(),
    }
    found = summary(load_tree(write_tree(tmp_path, files)))
    assert counts(found[DOC]) == (1, 0, {}) and found[DOC]["notes"] == {"bom_stripped": 1}
    boomi = found[f"{BOOMI_FOLDER}/process_log.txt"]
    assert counts(boomi) == (1, 0, {})


def test_b17_bom_before_ndjson(tmp_path: Path) -> None:
    entry = one(tmp_path, NDJ, codecs.BOM_UTF8 + ndjson(hook_line(1), hook_line(2)))
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"bom_stripped": 1}


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_b18_utf16_with_bom_is_transcoded(tmp_path: Path, bom: bytes, codec: str) -> None:
    data = bom + (hook_line(1) + "\n" + hook_line(2) + "\n").encode(codec)
    entry = one(tmp_path, NDJ, data)
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"utf16_transcoded": 1}


def test_b18_utf16_without_bom_is_a_file_error_with_a_hint(tmp_path: Path) -> None:
    data = (hook_line(1) + "\n").encode("utf-16-le")
    entry = one(tmp_path, NDJ, data)
    assert entry.startswith("skip: ") and "UTF-16" in entry and "UTF-8" in entry


def test_b19_a_few_invalid_bytes_keep_the_record_with_a_note(tmp_path: Path) -> None:
    bad = json.dumps(hook(1, body={"sku": "caf@"})).encode().replace(b"@", b"\xe9")
    loaded = load_tree(write_tree(tmp_path, {NDJ: bad + b"\n" + hook_line(2).encode()}))
    entry = summary(loaded)[NDJ]
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"invalid_utf8": 1}
    assert loaded.events.get_column("sku").to_list() == ["caf\ufffd", "SKU-1"]


def cp1252_file(bad: int, good: int) -> bytes:
    """NDJSON with ``bad`` lines encoded in cp1252 (an é each), then ``good`` UTF-8 lines."""
    lines = [
        json.dumps(hook(i, body={"sku": "café"}), ensure_ascii=False).encode("cp1252")
        for i in range(bad)
    ]
    lines += [hook_line(bad + i).encode() for i in range(good)]
    return b"\n".join(lines) + b"\n"


def test_b21_mostly_non_utf8_file_is_a_file_error(tmp_path: Path) -> None:
    entry = one(tmp_path, NDJ, cp1252_file(bad=3, good=2))
    assert entry == (
        "skip: not UTF-8 text (3 of its first 5 lines hold invalid bytes, likely a "
        "Windows-1252 or Latin-1 export), not read; re-save it with UTF-8 encoding and run again"
    )


@pytest.mark.parametrize(
    ("bad", "good"), [(2, 2), (2, 0), (3, 3)], ids=["half", "below_minimum", "half_of_six"]
)
def test_b21_a_few_bad_lines_are_read_lossily_with_a_note(
    tmp_path: Path, bad: int, good: int
) -> None:
    # The rule: more than half of the non-blank lines, and at least three, are invalid.
    entry = one(tmp_path, NDJ, cp1252_file(bad, good))
    assert counts(entry) == (bad + good, 0, {}) and entry["notes"] == {"invalid_utf8": bad}


def test_b21_cp1252_inside_a_gzip_is_a_file_error_too(tmp_path: Path) -> None:
    entry = one(tmp_path, NDJ + ".gz", gzip.compress(cp1252_file(bad=4, good=0)))
    assert entry.startswith("skip: not UTF-8 text (4 of its first 4 lines")


def test_b22_mixed_encodings_are_decoded_per_line_with_a_note_each(tmp_path: Path) -> None:
    utf8 = [json.dumps(hook(i, body={"sku": "café"}), ensure_ascii=False).encode() for i in (1, 2)]
    cp1252 = json.dumps(hook(3, body={"sku": "café"}), ensure_ascii=False).encode("cp1252")
    latin1 = json.dumps(hook(4, body={"sku": "naïve"}), ensure_ascii=False).encode("latin-1")
    data = b"\n".join([utf8[0], cp1252, utf8[1], latin1, hook_line(5).encode()]) + b"\n"
    loaded = load_tree(write_tree(tmp_path, {NDJ: data}))
    entry = summary(loaded)[NDJ]
    # Per line: the bad lines are read lossily and each is noted; no line ranges are reported.
    assert counts(entry) == (5, 0, {}) and entry["notes"] == {"invalid_utf8": 2}
    skus = loaded.events.sort("record").get_column("sku").to_list()
    assert skus == ["café", "caf\ufffd", "café", "na\ufffdve", "SKU-1"]


def test_b23_lone_surrogate_escape_is_replaced_with_a_note(tmp_path: Path) -> None:
    line = hook_line(1, body={"sku": "A@B"}).replace("@", "\\ud800")
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(line, hook_line(2))}))
    entry = summary(loaded)[NDJ]
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"lone_surrogate": 1}
    assert loaded.events.get_column("sku").to_list() == ["A\ufffdB", "SKU-1"]


BIDI = "SKU\u202e1-UKS\u2066x\u2069"
ANSI = "\x1b[31mSKU\x1b]0;title\x07"


@pytest.mark.parametrize("sku", [BIDI, ANSI], ids=["b24_bidi", "b25_ansi"])
def test_b24_b25_control_characters_are_kept_as_data(tmp_path: Path, sku: str) -> None:
    data = json.dumps(hook(1, body={"sku": sku})) + "\n"
    loaded = load_tree(write_tree(tmp_path, {NDJ: data.encode()}))
    assert counts(summary(loaded)[NDJ]) == (1, 0, {})
    assert loaded.events.get_column("sku").to_list() == [sku]


# --- 3.3 JSON semantics --------------------------------------------------------------


def test_b26_duplicate_keys_last_wins(tmp_path: Path) -> None:
    line = hook_line(1)[:-1] + ', "status": 500}'
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(line)}))
    assert loaded.events.get_column("status").to_list() == ["error"]


def test_b27_nonfinite_numbers_become_null_with_a_note(tmp_path: Path) -> None:
    line = hook_line(1, body={"sku": "S"})[:-2] + ', "available": NaN}}'
    ndj = one(tmp_path / "a", NDJ, ndjson(line, hook_line(2)))
    assert counts(ndj) == (2, 0, {}) and ndj["notes"] == {"nonfinite_number": 1}
    text = zap_page(zap(1), zap(2)).replace('"zap_id": 1', '"zap_id": Infinity', 1)
    doc = one(tmp_path / "b", DOC, text.encode())
    assert counts(doc) == (2, 0, {}) and doc["notes"]["nonfinite_number"] == 1


def test_b28_ids_past_int64_stay_exact_strings(tmp_path: Path) -> None:
    big = 123456789012345678901234567890
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(json.dumps(hook(1, body={"sku": big})))}))
    assert loaded.events.get_column("sku").to_list() == [str(big)]


def test_b30_number_over_4300_digits_rejects_only_its_line(tmp_path: Path) -> None:
    line = hook_line(1)[:-1] + ', "big": ' + "1" * 100_000 + "}"
    entry = one(tmp_path, NDJ, ndjson(line, hook_line(2)))
    assert counts(entry) == (2, 1, {"invalid_json": 1})
    assert entry["where"] == [(1, "invalid_json")]


def test_b30_number_over_4300_digits_in_a_document_rejects_only_its_record(
    tmp_path: Path,
) -> None:
    text = zap_page(zap(1), zap(2), zap(3)).replace('"zap_id": 1', '"zap_id": ' + "9" * 5000, 1)
    entry = one(tmp_path, DOC, text.encode())
    assert counts(entry) == (3, 1, {"invalid_json": 1})
    big = hook_line(1)[:-1] + ', "n": ' + "1" * 5000 + "}"
    listed = "[\n" + ",\n".join([big, hook_line(2), hook_line(3)]) + "\n]\n"
    result = read_with(WEBHOOK, listed.encode())
    assert [(r.line, r.reason) for r in result.rejections] == [(2, "invalid_json")]
    assert result.events.get_column("line").to_list() == [3, 4]


@pytest.mark.parametrize(
    "deep",
    ["[" * 100_000 + "]" * 100_000, "[" * 100_000, '{"a":' * 50_000],
    ids=["closed", "unclosed", "objects"],
)
def test_b31_deep_nesting_is_too_deep_never_a_crash(tmp_path: Path, deep: str) -> None:
    line = hook_line(1)[:-1] + ', "deep": ' + deep
    entry = one(tmp_path, NDJ, ndjson(line, hook_line(2)))
    assert counts(entry) == (2, 1, {"too_deep": 1})


def test_b31_deep_nesting_inside_a_document(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = zap_page(zap(1), zap(2)).replace('"data_in": {', f'"deep": {deep}, "data_in": {{', 1)
    entry = one(tmp_path, DOC, text.encode())
    assert entry["reasons"] == {"too_deep": 1}


def test_b32_values_that_are_not_objects(tmp_path: Path) -> None:
    ndj = one(tmp_path / "a", NDJ, ndjson(hook_line(1), "[1, 2]", "42", '"s"', "null", "true"))
    assert counts(ndj) == (6, 5, {"not_an_object": 5})
    doc = one(tmp_path / "b", DOC, zap_page(zap(1), 42, "x", [1], zap(2)).encode())
    assert counts(doc) == (5, 3, {"not_an_object": 3})


def test_b33_key_first_seen_late_is_kept_on_the_vectorised_path(tmp_path: Path) -> None:
    lines = [json.dumps(hook(i, body={"sku": f"S{i}"})) for i in range(3000)]
    lines.append(json.dumps(hook(3000, body={"sku": "late", "location": "L9", "available": 1})))
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(*lines)}))
    assert counts(summary(loaded)[NDJ]) == (3001, 0, {})
    last = loaded.events.filter(pl.col("sku") == "late").row(0, named=True)
    assert last["location"] == "L9" and last["line"] == 3001


def test_b33_key_first_seen_late_in_a_document(tmp_path: Path) -> None:
    records = [zap(i) for i in range(300)] + [zap(300, data_in={"sku": "late", "location": "L9"})]
    loaded = load_tree(write_tree(tmp_path, {DOC: zap_page(*records).encode()}))
    row = loaded.events.filter(pl.col("run_id") == "r300").row(0, named=True)
    assert (row["sku"], row["location"]) == ("late", "L9")


def test_b34_type_drift_in_quantity_is_read(tmp_path: Path) -> None:
    lines = [
        json.dumps(hook(1, body={"sku": "A", "available": 12})),
        json.dumps(hook(2, body={"sku": "B", "available": "12.00"})),
        json.dumps(hook(3, body={"sku": "C", "available": None})),
    ]
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(*lines)}))
    assert loaded.events.sort("record").get_column("quantity").to_list() == [12.0, 12.0, None]


def test_b35_body_logged_as_a_json_string_is_decoded_one_level(tmp_path: Path) -> None:
    lines = [hook_line(1, body='{"sku": "Q", "available": 1}'), hook_line(2, body="{not json")]
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(*lines)}))
    entry = summary(loaded)[NDJ]
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"body_not_json": 1}
    assert loaded.events.sort("record").get_column("sku").to_list() == ["Q", None]


def test_b36_missing_null_and_empty_keys_never_drop_the_record(tmp_path: Path) -> None:
    records = [zap(1, data_in={"sku": None}), zap(2, data_in={"sku": ""}), zap(3, data_in={})]
    entry = one(tmp_path, DOC, zap_page(*records).encode())
    assert counts(entry) == (3, 0, {})


def test_b37_header_names_match_whatever_their_case(tmp_path: Path) -> None:
    lines = [
        json.dumps({**hook(1), "headers": {"x-shopify-webhook-id": "d1"}}),
        json.dumps({**hook(2), "headers": {"X-SHOPIFY-WEBHOOK-ID": "d1"}}),
    ]
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(*lines)}))
    # Headers are case-insensitive (RFC 9110): both lines are deliveries of d1.
    assert loaded.events.sort("record").get_column("attempt").to_list() == [1, 2]
    assert set(loaded.events.get_column("run_id")) == {"d1"}


def test_b37_body_keys_are_case_sensitive_and_dots_are_not_paths(tmp_path: Path) -> None:
    bodies = [
        {"Sku": "A", "QTY": 1},  # neither spelling is in the [payload] key lists
        {"sku": "B", "inventory.qty": 2},  # a dotted key is a plain key
        {"sku": "C", "inventory": {"qty": 3}},  # found by the nested search for "qty"
    ]
    lines = [json.dumps(hook(i, body=body)) for i, body in enumerate(bodies, start=1)]
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(*lines)}))
    rows = loaded.events.sort("record")
    assert rows.get_column("sku").to_list() == [None, "B", "C"]
    assert rows.get_column("quantity").to_list() == [None, None, 3.0]
    dotted = {**PAYLOAD, "quantity": ("inventory.qty",)}
    result = WEBHOOK.read(ndjson(*lines), ParseContext("x.ndjson", ZoneInfo("UTC"), dotted))
    assert result.events.sort("record").get_column("quantity").to_list() == [None, 2.0, None]


CATALOGUE_NOTES = [
    pytest.param(ndjson(hook_line(1, body={"sku": BIDI})), "bidi_control", id="b24_bidi_note"),
    pytest.param(
        ndjson(hook_line(1)[:-1] + ', "status": 500}'), "duplicate_key", id="b26_duplicate_key_note"
    ),
    pytest.param(
        ndjson(hook_line(1, body={"sku": "S", "available": 2**70})),
        "integer_out_of_range",
        id="b28_integer_out_of_range_note",
    ),
    pytest.param(
        ndjson(
            hook_line(1, body={"sku": "A", "available": 12}),
            hook_line(2, body={"sku": "B", "available": "12.00"}),
        ),
        "schema_conflict",
        id="b34_schema_conflict_note",
    ),
]


@pytest.mark.parametrize(("data", "note"), CATALOGUE_NOTES)
def test_notes_the_catalogue_asks_for(tmp_path: Path, data: bytes, note: str) -> None:
    entry = one(tmp_path, NDJ, data)
    assert entry["notes"] == {note: 1} and entry["rejected"] == 0


def test_b24_bidi_controls_escaped_or_in_keys_are_noted_once_per_record(tmp_path: Path) -> None:
    escaped = hook_line(1, body={"sku": "A\u202eB"})  # json.dumps writes the escape \u202e
    in_key = json.dumps(hook(2, body={"sku": "S", "n\u2066ote": 1}), ensure_ascii=False)
    several = json.dumps(hook(3, body={"sku": BIDI, "location": "\u200fL"}), ensure_ascii=False)
    literal = hook_line(4, body={"sku": "A\\u202eB"})  # an escaped backslash: plain text
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(escaped, in_key, several, literal)}))
    assert summary(loaded)[NDJ]["notes"] == {"bidi_control": 3}
    skus = loaded.events.sort("record").get_column("sku").to_list()
    assert skus == ["A\u202eB", "S", BIDI, "A\\u202eB"]


def test_b24_bidi_control_in_a_document(tmp_path: Path) -> None:
    page = zap_page(zap(1, data_in={"sku": BIDI}), zap(2)).encode()
    assert one(tmp_path, DOC, page)["notes"] == {"bidi_control": 1}


@pytest.mark.parametrize("ascii_only", [False, True], ids=["raw", "escaped"])
def test_b24_bidi_control_in_json_logged_as_a_string_is_noted_once(
    tmp_path: Path, ascii_only: bool
) -> None:
    data_in = json.dumps({"sku": BIDI}, ensure_ascii=ascii_only)
    page = json.dumps({"data": [zap(1, data_in=data_in)]}, ensure_ascii=False)
    assert one(tmp_path, DOC, page.encode())["notes"] == {"bidi_control": 1}


def test_b26_duplicate_keys_anywhere_are_noted_once_per_record(tmp_path: Path) -> None:
    nested = hook_line(1, body={"sku": "A"})[:-2] + ', "sku": "B"}}'
    twice = hook_line(2)[:-1] + ', "status": 500, "status": 502}'
    case_only = hook_line(3)[:-1] + ', "Status": 500}'  # keys differ by case: not duplicates
    loaded = load_tree(write_tree(tmp_path, {NDJ: ndjson(nested, twice, case_only)}))
    assert summary(loaded)[NDJ]["notes"] == {"duplicate_key": 2}
    rows = loaded.events.sort("record")
    assert rows.get_column("sku").to_list() == ["B", "SKU-1", "SKU-1"]  # last wins
    assert rows.get_column("status").to_list() == ["ok", "error", "ok"]


def test_b26_duplicate_key_in_a_document(tmp_path: Path) -> None:
    text = zap_page(zap(1), zap(2)).replace(
        '"zap_title": "Z"', '"zap_title": "Z", "zap_title": "Y"', 1
    )
    entry = one(tmp_path, DOC, text.encode())
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"duplicate_key": 1}


def test_b27_b26_b28_notes_of_one_record_are_each_counted_once() -> None:
    line = hook_line(1, body={"sku": "S", "a": 2**64, "b": -(2**63) - 1})[:-2]
    line += ', "c": NaN, "d": Infinity, "sku": "T", "sku": "U"}}'
    result = read_with(WEBHOOK, ndjson(line))
    assert dict(result.notes) == {
        "nonfinite_number": 1,
        "integer_out_of_range": 1,
        "duplicate_key": 1,
    }
    assert result.events.get_column("sku").to_list() == ["U"]


@pytest.mark.parametrize(
    ("value", "noted"),
    [(2**63 - 1, False), (-(2**63), False), (2**63, True), (-(2**63) - 1, True)],
    ids=["int64_max", "int64_min", "past_max", "past_min"],
)
def test_b28_integer_out_of_range_is_past_signed_64_bit(
    tmp_path: Path, value: int, noted: bool
) -> None:
    data = ndjson(hook_line(1, body={"sku": "S", "ids": [1, value]}))
    entry = one(tmp_path, NDJ, data)
    assert entry["notes"] == ({"integer_out_of_range": 1} if noted else {})


def test_b28_integer_out_of_range_in_a_document(tmp_path: Path) -> None:
    page = zap_page(zap(1), zap(2, data_in={"sku": "S", "n": -(2**64)})).encode()
    entry = one(tmp_path, DOC, page)
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"integer_out_of_range": 1}


def test_b34_schema_conflict_is_counted_once_per_field_per_file(tmp_path: Path) -> None:
    lines = [
        hook_line(1, body={"sku": "A", "available": 12, "location": 7}),
        hook_line(2, body={"sku": "B", "available": "12.00", "location": 7}),
        hook_line(3, body={"sku": "C", "available": "3", "location": "WH-7"}),
        hook_line(4, body={"sku": "D", "available": None, "location": None}),
        hook_line(5, status="ok", body={"sku": "E", "available": 1}),
    ]
    entry = one(tmp_path, NDJ, ndjson(*lines))
    # available, location and status drift; each is one conflict however often it drifts.
    assert counts(entry) == (5, 0, {}) and entry["notes"] == {"schema_conflict": 3}


def test_b34_null_and_json_logged_as_a_string_are_not_schema_conflicts(tmp_path: Path) -> None:
    lines = [
        hook_line(1, body={"sku": "A", "available": 1}),
        hook_line(2, body={"sku": "B", "available": None}),
        hook_line(3, body='{"sku": "C", "available": 2}'),
    ]
    entry = one(tmp_path, NDJ, ndjson(*lines))
    assert counts(entry) == (3, 0, {}) and entry["notes"] == {}


def test_b34_schema_conflict_in_a_document_and_per_file(tmp_path: Path) -> None:
    drift = zap_page(zap(1, data_in={"qty": 1}), zap(2, data_in={"qty": "1"}))
    files = {DOC: drift.encode(), "other.json": zap_page(zap(3, data_in={"qty": "2"})).encode()}
    found = summary(load_tree(write_tree(tmp_path, files)))
    assert found[DOC]["notes"] == {"schema_conflict": 1}
    assert found["other.json"]["notes"] == {}


# --- 3.5 files and folders -----------------------------------------------------------


def test_b46_empty_and_whitespace_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    found = summary(load_tree(write_tree(tmp_path, {"empty.ndjson": b"", "ws.json": b" \n\t\n"})))
    assert found == {
        "empty.ndjson": "skip: empty file",
        "ws.json": "skip: only whitespace, no records",
    }


def test_b47_extension_does_not_decide_the_format(tmp_path: Path) -> None:
    files = {"deliveries.log": ndjson(hook_line(1)), "table.json": b"id,sku\n1,A\n"}
    found = summary(load_tree(write_tree(tmp_path, files)))
    assert found["deliveries.log"]["format"] == "webhook.request_log"
    assert found["table.json"].startswith("skip: no known export format recognised")


def test_b48_binary_files_and_os_metadata_are_skipped(tmp_path: Path) -> None:
    files = {
        "report.pdf": b"%PDF-1.4\n\x00\x01\x02\x03binary",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "Thumbs.db": b"\xd0\xcf\x11\xe0",
        "__MACOSX/._hooks.ndjson": b"\x00\x05\x16\x07",
        NDJ: ndjson(hook_line(1)),
    }
    found = summary(load_tree(write_tree(tmp_path, files)))
    assert found["report.pdf"] == "skip: binary file, not a text log"
    assert found["Thumbs.db"] == "skip: operating-system metadata, not a log"
    assert found["__MACOSX/"] == "skip: operating-system metadata, not a log"
    assert counts(found[NDJ]) == (1, 0, {})
    assert ".DS_Store" not in found  # dot files are hidden, like the shell does


def test_b49_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.ndjson"
    secret.write_bytes(ndjson(hook_line(1)))
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.ndjson").symlink_to(secret)
    (root / "dirlink").symlink_to(tmp_path)
    found = summary(load_tree(root))
    assert found == {
        "dirlink/": "skip: symbolic link, not followed",
        "link.ndjson": "skip: symbolic link, not followed",
    }


def test_b50_symlink_loop_and_deep_tree_terminate(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    (deep / NDJ).write_bytes(ndjson(hook_line(1)))
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    found = summary(load_tree(tmp_path, Limits(max_depth=2)))
    assert found == {
        "a/b/c/": "skip: folder nested too deep, not read",
        "a/loop/": "skip: symbolic link, not followed",
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_b51_unreadable_file_is_skipped_and_others_continue(tmp_path: Path) -> None:
    write_tree(tmp_path, {"locked.ndjson": ndjson(hook_line(1)), NDJ: ndjson(hook_line(2))})
    (tmp_path / "locked.ndjson").chmod(0)
    found = summary(load_tree(tmp_path))
    assert found["locked.ndjson"].startswith("skip: cannot be read")
    assert counts(found[NDJ]) == (1, 0, {})


def test_b52_identical_files_are_read_once_and_the_copies_name_the_first(
    tmp_path: Path,
) -> None:
    data = ndjson(hook_line(1), hook_line(2))
    # The .gz sorts first by name, but plain files are read first, so it is the copy.
    files = {"a.ndjson.gz": gzip.compress(data), "b.ndjson": data, "sub/b-copy.ndjson": data}
    loaded = load_tree(write_tree(tmp_path, files))
    found = summary(loaded)
    assert counts(found["b.ndjson"]) == (2, 0, {})
    assert found["b.ndjson"]["notes"] == {"duplicate_file": 2}
    for copy in ("a.ndjson.gz", "sub/b-copy.ndjson"):
        assert found[copy] == (
            "skip: same content as b.ndjson, so its records are counted once, from that "
            "copy; remove one of the two if they should differ"
        )
    assert loaded.events.height == 2


def test_b52_a_folder_and_its_zip_read_as_the_folder_alone(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "sample_logs"
    alone, both = tmp_path / "alone", tmp_path / "both"
    for root in (alone, both):
        shutil.copytree(sample, root / "export")
    with zipfile.ZipFile(both / "export.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((both / "export").rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(both / "export").as_posix())
    once = analyze(alone, Config())
    twice = analyze(both, Config())
    assert twice.summary["events"] == once.summary["events"] > 0
    assert [f.to_json() for f in twice.findings] == [f.to_json() for f in once.findings]
    # Accounting: the same inputs, each first copy noting its one copy in the zip.
    assert [(i.file, i.records, i.rejected) for i in twice.inputs] == [
        (i.file, i.records, i.rejected) for i in once.inputs
    ]
    assert {i.notes.get("duplicate_file") for i in twice.inputs} == {1}
    copies = {s.file: s.reason for s in twice.skipped if s.file.startswith("export.zip!/")}
    assert copies.pop("export.zip!/README.md") == "documentation or configuration, not a log"
    assert copies.pop("export.zip!/forensics.toml") == "documentation or configuration, not a log"
    assert copies == {
        "export.zip!/" + i.file.removeprefix("export/"): (
            f"same content as {i.file}, so its records are counted once, from that copy; "
            "remove one of the two if they should differ"
        )
        for i in once.inputs
    }
    first = once.inputs[0].file
    assert f"same content as {first}" in render_markdown(twice)
    assert "duplicate_file ×1" in render_html(twice)


# --- 3.6 archives --------------------------------------------------------------------


def make_zip(path: Path, members: dict[str, bytes], *, infos: list[zipfile.ZipInfo] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for info in infos:
            z.writestr(info, b"{}\n")
    return path


def patch_flags(raw: bytes, *, set_bits: int = 0, clear_bits: int = 0) -> bytes:
    """Set or clear general-purpose flag bits in every local and central header.

    zipfile.writestr() rewrites flag_bits itself, so an encrypted-member flag or
    a missing UTF-8 flag has to be patched into the bytes afterwards.
    """
    out = bytearray(raw)
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := raw.find(signature, start)) != -1:
            flags = int.from_bytes(out[found + at : found + at + 2], "little")
            flags = (flags | set_bits) & ~clear_bits
            out[found + at : found + at + 2] = flags.to_bytes(2, "little")
            start = found + 4
    return bytes(out)


def test_b53_zero_byte_and_truncated_zip(tmp_path: Path) -> None:
    whole = make_zip(tmp_path / "w.zip", {NDJ: ndjson(hook_line(1))}).read_bytes()
    (tmp_path / "w.zip").unlink()
    write_tree(tmp_path, {"empty.zip": b"", "cut.zip": whole[: len(whole) // 2]})
    found = summary(load_tree(tmp_path))
    assert found["empty.zip"].startswith("skip: not a readable zip archive")
    assert found["cut.zip"].startswith("skip: not a readable zip archive")


def test_b54_traversal_absolute_and_drive_names_are_refused(tmp_path: Path) -> None:
    members = {
        "../evil.ndjson": ndjson(hook_line(1)),
        "a/../../evil2.ndjson": ndjson(hook_line(2)),
        "/etc/evil.ndjson": ndjson(hook_line(3)),
        "C:/evil.ndjson": ndjson(hook_line(4)),
        "ok/hooks.ndjson": ndjson(hook_line(5)),
    }
    make_zip(tmp_path / "x.zip", members)
    backslash = zipfile.ZipInfo("placeholder")
    with zipfile.ZipFile(tmp_path / "x.zip", "a") as z:
        backslash.filename = "\\windows\\evil.ndjson"  # set after the constructor's normalising
        z.writestr(backslash, ndjson(hook_line(6)))
    found = summary(load_tree(tmp_path))
    refused = {k: v for k, v in found.items() if isinstance(v, str)}
    assert refused == {
        "x.zip!/../evil.ndjson": "skip: refused: member path escapes the archive (..)",
        "x.zip!/a/../../evil2.ndjson": "skip: refused: member path escapes the archive (..)",
        "x.zip!//etc/evil.ndjson": "skip: refused: absolute member path",
        "x.zip!/C:/evil.ndjson": "skip: refused: absolute member path",
        "x.zip!/\\windows\\evil.ndjson": "skip: refused: absolute member path",
    }
    assert counts(found["x.zip!/ok/hooks.ndjson"]) == (1, 0, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.zip"]  # nothing extracted


def test_b55_tar_is_not_opened_and_zip_symlink_members_are_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.ndjson")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    make_zip(tmp_path / "x.zip", {}, infos=[link])
    write_tree(tmp_path, {"logs.tar": b"\x00" * 1024, "logs.tar.gz": gzip.compress(b"x")})
    found = summary(load_tree(tmp_path))
    assert found["x.zip!/link.ndjson"] == "skip: refused: symbolic link member"
    assert found["logs.tar"] == "skip: archive type not supported; extract it or zip it"
    assert found["logs.tar.gz"] == "skip: archive type not supported; extract it or zip it"


def test_b56_bomb_stops_at_the_member_and_total_caps(tmp_path: Path) -> None:
    bomb = b"0" * 5_000_000  # deflates about 1000:1
    make_zip(tmp_path / "bomb.zip", {"big.ndjson": bomb, "small.ndjson": ndjson(hook_line(1))})
    found = summary(load_tree(tmp_path, Limits(max_member_bytes=100_000)))
    assert (
        found["bomb.zip!/big.ndjson"] == "skip: decompresses to more than 100,000 bytes; not read"
    )
    assert counts(found["bomb.zip!/small.ndjson"]) == (1, 0, {})
    found = summary(load_tree(tmp_path, Limits(max_total_bytes=50_000)))
    assert found["bomb.zip!/big.ndjson"] == "skip: decompresses to more than 50,000 bytes; not read"


def test_b57_nested_archive_is_listed_not_opened(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr(NDJ, ndjson(hook_line(1)))
    make_zip(tmp_path / "outer.zip", {"inner.zip": inner.getvalue(), "x.ndjson.gz": b"\x1f\x8b"})
    found = summary(load_tree(tmp_path))
    reason = "skip: nested archive, not opened; extract it next to the others"
    assert found == {"outer.zip!/inner.zip": reason, "outer.zip!/x.ndjson.gz": reason}


def test_b58_member_count_cap_reads_the_first_members_and_says_so(tmp_path: Path) -> None:
    make_zip(tmp_path / "many.zip", {f"m{i:02}.ndjson": ndjson(hook_line(i)) for i in range(12)})
    found = summary(load_tree(tmp_path, Limits(max_members=3)))
    assert found["many.zip"] == (
        "skip: holds 12 members, more than the limit of 3; only the first ones were read"
    )
    assert sorted(k for k in found if "!" in k) == [
        "many.zip!/m00.ndjson",
        "many.zip!/m01.ndjson",
        "many.zip!/m02.ndjson",
    ]


def test_b59_encrypted_member_is_refused_without_prompting(tmp_path: Path) -> None:
    secret = make_zip(tmp_path / "secret.zip", {NDJ: ndjson(hook_line(1))})
    secret.write_bytes(patch_flags(secret.read_bytes(), set_bits=0x1))
    make_zip(tmp_path / "plain.zip", {NDJ: ndjson(hook_line(2))})
    found = summary(load_tree(tmp_path))
    assert found[f"secret.zip!/{NDJ}"] == "skip: refused: encrypted member"
    assert counts(found[f"plain.zip!/{NDJ}"]) == (1, 0, {})


def test_b60_cp437_member_name_is_decoded(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "x.zip", {"cafXX.ndjson": ndjson(hook_line(1))})
    # An ASCII name carries no UTF-8 flag (bit 11), so zipfile reads the name as
    # cp437, where 0x82 is é; same length, so the headers stay consistent.
    raw = archive.read_bytes().replace(b"cafXX", b"caf\x82\x82")
    archive.write_bytes(patch_flags(raw, clear_bits=0x800))
    found = summary(load_tree(tmp_path))
    assert counts(found["x.zip!/caf\u00e9\u00e9.ndjson"]) == (1, 0, {})


def test_b61_fake_and_concatenated_gzip(tmp_path: Path) -> None:
    files = {
        "fake.ndjson.gz": b"this is not gzip",
        "multi.ndjson.gz": gzip.compress(ndjson(hook_line(1)))
        + gzip.compress(ndjson(hook_line(2))),
    }
    found = summary(load_tree(write_tree(tmp_path, files)))
    assert found["fake.ndjson.gz"] == "skip: not a valid gzip file"
    assert counts(found["multi.ndjson.gz"]) == (2, 0, {})


def test_b61_truncated_gzip_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    lines = [hook_line(i) for i in range(500)]
    whole = gzip.compress(ndjson(*lines))
    loaded = load_tree(write_tree(tmp_path, {"cut.ndjson.gz": whole[: len(whole) // 2]}))
    entry = summary(loaded)["cut.ndjson.gz"]
    seen = entry["records"]
    assert 0 < seen < 500
    # Every line before the cut is read; the one the cut went through is rejected.
    assert counts(entry) == (seen, 1, {"truncated_record": 1})
    assert entry["where"] == [(seen, "truncated_record")]
    assert entry["notes"] == {"truncated_gzip": 1}
    assert loaded.events.height == seen - 1


def test_b61_gzip_cut_at_a_line_end_still_says_it_is_truncated(tmp_path: Path) -> None:
    stream = zlib.compressobj(wbits=31)
    head = stream.compress(ndjson(hook_line(1), hook_line(2))) + stream.flush(zlib.Z_SYNC_FLUSH)
    entry = one(tmp_path, "cut.ndjson.gz", head)
    assert counts(entry) == (2, 0, {}) and entry["notes"] == {"truncated_gzip": 1}


def test_b61_gzip_cut_before_any_data_is_skipped_with_a_reason(tmp_path: Path) -> None:
    entry = one(tmp_path, "cut.ndjson.gz", gzip.compress(ndjson(hook_line(1)))[:12])
    assert entry == (
        "skip: gzip file is truncated before its first line (no end-of-stream marker); "
        "copy or download it again"
    )


# --- 3.7 timestamps ------------------------------------------------------------------


def issues(values: list[object], tz: str = "Europe/Berlin") -> list[str | None]:
    return parse_timestamps_with_issues(values, tz).get_column("issue").to_list()


def test_b62_each_timestamp_trap_gets_its_code() -> None:
    values: list[object] = [
        "03/04/2026 09:12",  # day/month ambiguous
        "2026-04-06T09:12:00",  # no zone
        "2026-03-29T02:30:00",  # DST gap in Berlin
        "2026-10-25T02:30:00",  # DST overlap in Berlin
        "1970-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
        "2038-01-19T03:14:07Z",
        "not a time",
        "2026-04-06T09:12:00Z",
    ]
    assert issues(values) == [
        "ambiguous_timestamp",
        "naive_timestamp",
        "nonexistent_local_time",
        "ambiguous_timestamp",
        "sentinel_timestamp",
        "sentinel_timestamp",
        "sentinel_timestamp",
        "sentinel_timestamp",
        "unparseable_timestamp",
        None,
    ]


def test_b62_epoch_units_are_told_apart_by_magnitude() -> None:
    epochs = [1775466723, 1775466723000, 1775466723000000, 1775466723000000000]
    result = parse_timestamps_with_issues(epochs, "UTC")
    assert result.get_column("issue").to_list() == [None] * 4
    assert result.get_column("value").n_unique() == 1


def test_b62_a_bad_field_timestamp_does_not_reject_the_record(tmp_path: Path) -> None:
    lines = [
        hook_line(1, body={"sku": "A", "updated_at": "not a time"}),
        hook_line(2, received_at="not a time"),
    ]
    entry = one(tmp_path, NDJ, ndjson(*lines))
    assert counts(entry) == (2, 1, {"unparseable_timestamp": 1})
    assert entry["where"] == [(2, "unparseable_timestamp")]


def test_b62_day_month_order_is_decided_per_column() -> None:
    assert issues(["13/04/2026 09:12", "03/04/2026 09:12"], "UTC") == [
        "naive_timestamp",
        "naive_timestamp",
    ]


@pytest.mark.parametrize(
    "column",
    [
        ["13/04/2026 09:12", "03/04/2026 09:12"],
        ["04/13/2026 09:12", "04/03/2026 09:12"],
        ["25.12.2026 10:00", "03.04.2026 09:12Z"],
        ["12/25/2026 10:00", "04/03/2026 09:12 UTC"],
    ],
    ids=["day_first", "month_first", "dotted_day_first", "month_first_with_zone"],
)
def test_b62_the_proven_order_reads_the_ambiguous_values(column: list[str]) -> None:
    # The second value of each column is the 3rd of April in the order the first proves.
    values = parse_timestamps_with_issues(column, "UTC").get_column("value").to_list()
    assert values[1] is not None and (values[1].month, values[1].day) == (4, 3)


def test_b62_without_proof_or_with_proof_both_ways_ambiguous_values_stay_null() -> None:
    assert issues(["03/04/2026 09:12", "05/06/2026 09:12"], "UTC") == ["ambiguous_timestamp"] * 2
    mixed = issues(["13/04/2026 09:12", "04/13/2026 09:12", "03/04/2026 09:12"], "UTC")
    assert mixed == ["naive_timestamp", "naive_timestamp", "ambiguous_timestamp"]
