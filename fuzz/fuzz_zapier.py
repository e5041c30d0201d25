"""Fuzz target: Zapier Zap Runs pages."""

from __future__ import annotations

from _harness import MAX_INPUT, instrumented, main, read_checked

with instrumented():
    from parsers.zapier.zap_runs import PARSER

FAMILY = (PARSER,)
FILE = "zapier/fuzz.json"


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_INPUT:
        return
    for parser in FAMILY:
        read_checked(parser, data, FILE)


if __name__ == "__main__":
    main(test_one_input)
