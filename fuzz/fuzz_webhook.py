"""Fuzz target: generic webhook request logs (NDJSON per-line and vectorised paths)."""

from __future__ import annotations

from _harness import MAX_INPUT, instrumented, main, read_checked

with instrumented():
    from parsers.webhook import WebhookRequestLog

PER_LINE = WebhookRequestLog(fast_min_lines=None)
VECTORISED = WebhookRequestLog(fast_min_lines=1)


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_INPUT:
        return
    read_checked(PER_LINE, data, "hooks/fuzz.ndjson")
    read_checked(VECTORISED, data, "hooks/fuzz.ndjson")


if __name__ == "__main__":
    main(test_one_input)
