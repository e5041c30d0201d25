"""Format detection over real and sample exports, and the accounting contract per file."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from forensics.config import PayloadKeys
from parsers import PARSERS, ParseContext, detect
from parsers._walk import WalkedFile, walk

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "real-samples"
SAMPLE = REPO / "sample_logs"
PAYLOAD = {f.name: getattr(PayloadKeys(), f.name) for f in dataclasses.fields(PayloadKeys)}


def real_sample_table() -> list[tuple[str, str]]:
    """(file, format id) rows of real-samples/README.md, the platforms' own files."""
    if not REAL.is_dir():
        return []
    rows = []
    for line in (REAL / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| ([\w./…-]+) \| ([a-z]+\.[a-z_]+)", line)
        if match:
            rows.append((match.group(1), match.group(2)))
    return rows


def resolve(name: str) -> Path:
    if "…" not in name:
        return REAL / name
    pattern = name.replace("…", "*")
    (found,) = REAL.glob(pattern)
    return found


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-samples is not beside the repo")
@pytest.mark.parametrize(("name", "format_id"), real_sample_table())
def test_real_sample_is_read_by_its_format_with_no_rejection(name: str, format_id: str) -> None:
    path = resolve(name)
    data = path.read_bytes()
    parser = detect(data, path.relative_to(REAL).as_posix())
    assert parser is not None, f"{name}: no parser recognised it"
    assert parser.id == format_id
    result = parser.read(
        data, ParseContext(path.relative_to(REAL).as_posix(), ZoneInfo("UTC"), PAYLOAD)
    )
    assert result.rejections == []
    assert result.events.height + result.absorbed == result.records_seen


def sample_files() -> list[WalkedFile]:
    return [e for e in walk(SAMPLE) if isinstance(e, WalkedFile)]


@pytest.mark.parametrize("entry", sample_files(), ids=lambda e: e.file)
def test_every_sample_file_is_recognised_and_fully_accounted(entry: WalkedFile) -> None:
    parser = detect(entry.data, entry.file)
    assert parser is not None, f"{entry.file}: no parser recognised it"
    result = parser.read(entry.data, ParseContext(entry.file, ZoneInfo("UTC"), PAYLOAD))
    assert result.events.height + result.absorbed + len(result.rejections) == result.records_seen


@pytest.mark.parametrize("entry", sample_files(), ids=lambda e: e.file)
def test_no_two_parsers_are_equally_sure_of_a_sample_file(entry: WalkedFile) -> None:
    scores = sorted((p.sniff(entry.data[:65536], entry.file) for p in PARSERS), reverse=True)
    assert scores[0] > 0
    assert len(scores) == 1 or scores[1] < scores[0]
