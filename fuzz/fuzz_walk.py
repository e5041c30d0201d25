"""Fuzz target: the folder / zip / gz walker on hostile archive bytes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _harness import MAX_INPUT, instrumented, main

with instrumented():
    from parsers._walk import Limits, WalkedFile, WalkSkip, walk

LIMITS = Limits(max_members=64, max_member_bytes=1 << 20, max_total_bytes=4 << 20)


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_INPUT:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("export.zip", "logs.ndjson.gz", "plain.ndjson"):
            path = Path(tmp) / name
            path.write_bytes(data)
            total = 0
            for entry in walk(path, LIMITS):
                if isinstance(entry, WalkedFile):
                    total += len(entry.data)
                elif not isinstance(entry, WalkSkip) or not entry.reason:
                    raise AssertionError("walk yielded something that is not an entry")
            if total > LIMITS.max_total_bytes:
                raise AssertionError(f"{name}: read {total} bytes past the total cap")


if __name__ == "__main__":
    main(test_one_input)
