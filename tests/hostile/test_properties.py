"""Property tests for the accounting contract (RELIABILITY section 2 and 10.2).

Fixed seed (``derandomize``) and small example counts, so CI is reproducible
and fast; raise ``max_examples`` locally to search harder.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hostile._fixtures import BOOMI_FOLDER, hook, read_with, zap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import PARSERS
from parsers._base import SNIFF_BYTES
from parsers.webhook import WebhookRequestLog
from parsers.zapier import zap_runs

CI = settings(
    derandomize=True,
    database=None,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Lines that are not webhook records: text (no newline), JSON fragments, other values.
GARBAGE = st.one_of(
    st.text(st.characters(blacklist_characters="\n"), max_size=40),
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "[]",
            "{}",
            "null",
            "42",
            '"text"',
            '{"a": 1,}',
            "{'a': 1}",
            '{"received_at": "nope", "body": {}}',
            '{"received_at": "2026-04-06T09:12:04Z"} tail',
            "NaN",
            "\ufeff{}",
            "\x00\x01\x02",
            "   \t ",
            '{"a": ' + "[" * 2000,
        ]
    ),
)


@st.composite
def ndjson_mix(draw: st.DrawFn) -> tuple[bytes, set[int], int]:
    """A valid delivery first (so the file frames as NDJSON), then a random mixture.

    Returns the bytes, the 1-based line numbers of the valid deliveries, and the
    count of non-blank lines (the records, SPEC section 3).
    """
    kinds = draw(st.lists(st.booleans(), min_size=0, max_size=25))
    lines = [json.dumps(hook(0))]
    valid = {1}
    for n, is_valid in enumerate(kinds, start=1):
        if is_valid:
            lines.append(json.dumps(hook(n, body={"sku": f"S{n}", "available": n})))
            valid.add(n + 1)
        else:
            lines.append(draw(GARBAGE))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    data = ending.join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data += ending.encode()
    total = sum(1 for line in data.split(b"\n") if line.strip())
    return data, valid, total


@pytest.mark.parametrize("fast_min_lines", [None, 1], ids=["per_line", "vectorised"])
@CI
@given(case=ndjson_mix())
def test_ndjson_mixture_accounts_for_every_line(
    fast_min_lines: int | None, case: tuple[bytes, set[int], int]
) -> None:
    data, valid, total = case
    result = read_with(WebhookRequestLog(fast_min_lines=fast_min_lines), data)
    assert result.records_seen == total
    assert result.events.height + len(result.rejections) == total
    assert valid <= set(result.events.get_column("line").to_list())
    rejected_lines = [r.line for r in result.rejections]
    assert len(rejected_lines) == len(set(rejected_lines))
    assert not valid & set(rejected_lines)


@st.composite
def damaged_document(draw: st.DrawFn) -> tuple[str, set[str]]:
    """A Zapier page with random text inserted anywhere.

    Returns the text and the ids of the records that end before the damage:
    those must be read whatever follows them.
    """
    count = draw(st.integers(min_value=1, max_value=8))
    records = [json.dumps(zap(i), indent=2) for i in range(count)]
    head = '{\n  "links": {},\n  "meta": {"count": ' + str(count) + '},\n  "data": [\n'
    spans: list[tuple[str, int]] = []
    text = head
    for i, record in enumerate(records):
        text += record
        spans.append((f"r{i}", len(text)))
        text += ",\n" if i < count - 1 else "\n"
    text += "  ]\n}\n"
    at = draw(st.integers(min_value=0, max_value=len(text)))
    garbage = draw(GARBAGE.filter(lambda g: g.strip() != ""))
    before = {rid for rid, end in spans if end <= at}
    return text[:at] + garbage + text[at:], before


@CI
@given(case=damaged_document())
def test_garbage_inside_a_document_keeps_the_records_before_it(case: tuple[str, set[str]]) -> None:
    text, before = case
    result = read_with(zap_runs.PARSER, text.encode("utf-8", errors="surrogatepass"))
    assert before <= set(result.events.get_column("run_id").to_list())
    assert len(result.rejections) <= result.records_seen


PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"[",
    b"{",
    b'{"scenarioLogs": [',
    b'{"data": [{"id": "r1", "start_time": ',
    b'{"received_at": "2026-04-06T09:12:04Z", "headers": {}, "body": ',
    b"<?xml version='1.0'?><ProcessLog>",
    b"2026-04-08T13:45:00Z\tINFO\tStart\t\t",
]


@pytest.mark.parametrize("parser", PARSERS, ids=[p.id for p in PARSERS])
@settings(CI, max_examples=25)
@given(prefix=st.sampled_from(PREFIXES), data=st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(parser: Any, prefix: bytes, data: bytes) -> None:
    blob = prefix + data
    score = parser.sniff(blob[:SNIFF_BYTES], "hostile.json")
    assert 0.0 <= score <= 1.0
    result = read_with(parser, blob, file=f"{BOOMI_FOLDER}/hostile.json")
    assert result.records_seen >= 0
    assert isinstance(result.notes, Counter)
