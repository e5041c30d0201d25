"""The published Make samples: each recognised by exactly its parser and read cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parsers.make import MAKE_PARSERS

REAL_SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "real-samples"
# File -> (format id, records seen, rows), from real-samples/README.md.
EXPECTED = {
    "scenario-logs-list.json": ("make.scenario_logs", 1, 1),
    "scenario-log-single.json": ("make.scenario_logs", 1, 1),
    "dlq-logs.json": ("make.scenario_logs", 2, 2),
    "hook-incomings.json": ("make.incomings", 2, 2),
    "blueprint.json": ("make.blueprint", 1, 0),
    "dlq-bundle.json": ("make.dlq", 1, 0),
}


def sample(name: str) -> bytes:
    path = REAL_SAMPLES / "make" / name
    if not path.is_file():
        pytest.skip(f"real sample {path} is absent (the shared folder is not mounted here)")
    return path.read_bytes()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_sample_is_claimed_by_exactly_its_parser_and_read_cleanly(kit: Any, name: str) -> None:
    data = sample(name)
    format_id, records, rows = EXPECTED[name]
    assert kit.detect(data, f"make/{name}") == [format_id]
    parser = next(p for p in MAKE_PARSERS if p.id == format_id)
    result = kit.read(parser, data, file=f"make/{name}")
    assert result.rejections == []
    assert (result.records_seen, result.events.height) == (records, rows)
    finalized = parser.finalize(result.events, result.facts)
    assert finalized.height == rows


def test_real_dlq_retries_are_attempts_two_and_three(kit: Any) -> None:
    data = sample("dlq-logs.json")
    rows = kit.export({"make/dlq-logs.json": data})["make.scenario_logs"].sort("record")
    # Newest first in the file: the later retry is the second one.
    assert rows.get_column("attempt").to_list() == [3, 2]
    assert rows.get_column("flow").to_list() == ["dlq:a07e16f2ad134bf49cf83a00aa95c0a5"] * 2


def test_real_bundle_has_key_unknown(kit: Any) -> None:
    parser = next(p for p in MAKE_PARSERS if p.id == "make.dlq")
    result = kit.read(parser, sample("dlq-bundle.json"), file="make/dlq-bundle.json")
    assert [(f.kind, f.key) for f in result.facts] == [("make.dlq_bundle", "unknown")]


@pytest.mark.parametrize(
    "path",
    [
        "zapier/zap-runs.json",
        "boomi/execution-68523591-b704-4e4c-abf3-ad659798a7b6-2024.06.04/process_log.xml",
        "boomi/execution-68523591-b704-4e4c-abf3-ad659798a7b6-2024.06.04/process_log.txt",
    ],
)
def test_other_platforms_samples_are_not_claimed(kit: Any, path: str) -> None:
    file = REAL_SAMPLES / path
    if not file.is_file():
        pytest.skip(f"real sample {file} is absent (the shared folder is not mounted here)")
    assert kit.detect(file.read_bytes(), path) == []
