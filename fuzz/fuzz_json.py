"""Fuzz target: the shared JSON framing (``parse_record`` and ``iter_document``)."""

from __future__ import annotations

from collections import Counter

from _harness import MAX_INPUT, instrumented, main

with instrumented():
    from parsers._json import RecordError, iter_document, parse_record
    from parsers._text import decode, iter_lines, to_utf8


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_INPUT:
        return
    notes: Counter[str] = Counter()
    body, _, _ = to_utf8(data)
    for line in iter_lines(body):
        value = parse_record(line.raw, notes)
        if not isinstance(value, dict | RecordError):
            raise AssertionError(f"parse_record returned {type(value).__name__}")
    text, _ = decode(data)
    items = list(iter_document(text, notes, record_keys=("data", "scenarioLogs")))
    failures = [item for item in items if item.error is not None and item.value is not None]
    if failures:
        raise AssertionError("an item carries both a value and an error")


if __name__ == "__main__":
    main(test_one_input)
