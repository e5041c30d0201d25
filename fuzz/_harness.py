"""Shared plumbing for the atheris fuzz targets (run by ``make fuzz``, never by ``make test``).

Each ``fuzz_<family>.py`` defines ``test_one_input(data: bytes)`` that feeds the
bytes to one parser family and lets any exception escape: libFuzzer then saves
the input as a crash file, which becomes a regression fixture in tests/hostile.

Without atheris installed, ``python fuzz/fuzz_<family>.py [FILE ...]`` replays the
given files once each (or a few hundred seeded random inputs), so a crash file
can be reproduced without the fuzzer.
"""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Bigger inputs only slow the fuzzer down; the caps themselves are tested in tests/hostile.
MAX_INPUT = 256 * 1024


def instrumented() -> contextlib.AbstractContextManager[Any]:
    """Instrument our own modules imported inside the block when atheris is present."""
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        return contextlib.nullcontext()
    # NOTE: only our packages: Polars builds its Series.str methods by checking that
    # the stub bodies are empty bytecode, so instrumented Polars returns None from them.
    return atheris.instrument_imports(include=["parsers", "forensics"])


with instrumented():
    from forensics.config import PayloadKeys
    from parsers._base import SNIFF_BYTES, ParseContext, Parser

PAYLOAD = {name: tuple(keys) for name, keys in asdict(PayloadKeys()).items()}


def read_checked(parser: Parser, data: bytes, file: str) -> None:
    """Sniff and read data with one parser; fail on any exception or lost record."""
    score = parser.sniff(data[:SNIFF_BYTES], file)
    if not 0.0 <= score <= 1.0:
        raise AssertionError(f"{parser.id}: sniff score {score} outside 0..1")
    result = parser.read(data, ParseContext(file, ZoneInfo("UTC"), PAYLOAD))
    rows = result.events.height
    if rows + result.absorbed + len(result.rejections) != result.records_seen:
        raise AssertionError(f"{parser.id}: accounting broken on a {len(data)}-byte input")


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Run under atheris when installed, else replay files or seeded random inputs."""
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        atheris = None
    if atheris is not None:
        atheris.Setup(sys.argv, test_one_input)
        atheris.Fuzz()
        return
    paths = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    files = [p for path in paths for p in (sorted(path.iterdir()) if path.is_dir() else [path])]
    if files:
        for path in files:
            test_one_input(path.read_bytes())
        return
    rng = random.Random(0)
    seeds = [b"", b"{", b"[", b'{"received_at": "2026-04-06T09:12:04Z", "headers": {}}\n']
    for _ in range(300):
        seed = rng.choice(seeds)
        test_one_input(seed + rng.randbytes(rng.randrange(0, 512)))
