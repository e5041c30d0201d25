"""Fuzz target: Boomi execution records, documents and process logs (text and XML)."""

from __future__ import annotations

from _harness import MAX_INPUT, instrumented, main, read_checked

with instrumented():
    from parsers.boomi import BOOMI_PARSERS as FAMILY

FILE = "boomi/execution-7ca09889-2eb7-4be9-bf28-3ebeb658f416-2026.04.08/process_log.txt"


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_INPUT:
        return
    for parser in FAMILY:
        read_checked(parser, data, FILE)


if __name__ == "__main__":
    main(test_one_input)
