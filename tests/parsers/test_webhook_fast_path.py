"""The vectorised NDJSON path of the webhook reader matches the per-line path exactly.

Both paths read the same bytes; the frames, rejections (line, record, offset,
reason, excerpt), notes and record counts must be identical. The inputs mix
every header family, header-name casings, bodies logged as strings, and bad
lines, so lines of both paths interleave in one file.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from forensics.config import PayloadKeys
from parsers._base import ParseContext, ParseResult
from parsers.webhook import WebhookRequestLog, read_fast

PAYLOAD = asdict(PayloadKeys())
KEYS = {name: tuple(keys) for name, keys in PAYLOAD.items()}
PYTHON = WebhookRequestLog(fast_min_lines=None)
FAST = WebhookRequestLog(fast_min_lines=0)

SHOPIFY: dict[str, Any] = {
    "received_at": "2026-04-06T09:12:04.220Z",
    "processed_at": "2026-04-06T09:12:05.001Z",
    "endpoint": "/hooks/inventory",
    "status": 200,
    "headers": {
        "X-Shopify-Topic": "inventory_levels/update",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": "2026-04-06T09:12:03.995Z",
        "X-Shopify-Hmac-Sha256": "XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=",
    },
    "body": {
        "inventory_item_id": 808950810,
        "location_id": 905684977,
        "available": 830,
        "updated_at": "2026-04-06T05:12:03-04:00",
    },
}


def shopify(i: int, **changes: Any) -> dict[str, Any]:
    record = json.loads(json.dumps(SHOPIFY))
    record["headers"]["X-Shopify-Webhook-Id"] = f"wh-{i}"
    record["body"]["available"] = i
    record.update(changes)
    return record


def lowered(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "headers": {k.lower(): v for k, v in record["headers"].items()}}


def shouted(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "headers": {k.upper(): v for k, v in record["headers"].items()}}


VARIED: list[dict[str, Any] | str] = [
    shopify(1),
    lowered(shopify(2)),
    shouted(shopify(3)),
    shopify(4, status="ok", processed_at=None),
    shopify(5, status=503),
    shopify(6, body=json.dumps(SHOPIFY["body"])),  # body logged as a JSON string
    shopify(7, body="not json at all"),
    shopify(8, body=None, payload={"sku": "A-1", "qty": "7", "location": "DC"}),
    {
        "timestamp": 1775466724,
        "response_status": 200,
        "headers": {"Stripe-Signature": "t=1,v1=x"},
        "body": {"id": "evt_1", "object": "event", "type": "x.updated", "created": 1775466720},
    },
    {
        "time": "2026-04-06T09:12:04Z",
        "status": 200,
        "headers": {"svix-id": "msg_1", "svix-timestamp": "1775466720"},
        "body": {"type": "stock.changed", "sku": "B-2", "quantity": 3},
    },
    {
        "ts": "2026-04-06 09:12:04",
        "headers": {"webhook-id": "msg_2", "webhook-timestamp": 1775466720},
        "body": {"sku": "B-3"},
    },
    {
        "received_at": "2026-04-06T09:12:04Z",
        "headers": {"X-GitHub-Event": "push", "X-GitHub-Delivery": "guid-1"},
        "body": {"sku": "C-1", "quantity": 1},
    },
    {
        "received_at": "2026-04-06T09:12:04Z",
        "attempt_number": 2,
        "event_id": "evt_h",
        "headers": {"X-Hookdeck-EventId": "", "x-hookdeck-attempt-count": "3"},
        "body": {"sku": "D-1"},
    },
    {
        "received_at": "2026-04-06T09:12:04Z",
        "headers": {"Idempotency-Key": "k-1"},
        "body": {"sku": "E-1", "idempotency_key": "k-2", "event_id": "m-1"},
    },
    {"received_at": "2026-04-06T09:12:04Z", "request": {"headers": {"X-Shopify-Topic": "t"}}},
    {"received_at": "2026-04-06T09:12:04Z", "headers": {}, "body": {"data": {"sku": "nested"}}},
    {"received_at": "2026-04-06T09:12:04Z", "headers": {"X-Shopify-Topic": ["a", "b"]}},
    {"received_at": "2026-04-06T09:12:04Z", "headers": {"x-shopify-topic": " "}, "body": {}},
    {"received_at": "2026-04-06T09:12:04Z", "headers": {"X-Shopify-Topic": "x-github-event"}},
    {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": 12.0, "quantity": 1.5}},
    {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": 123456789012345678901234}},
    {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": True, "quantity": False}},
    {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "  padded  ", "quantity": "-0"}},
    {"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "\u00e9t\u00e9", "location": ""}},
    {"received_at": "", "headers": {}},
    {"received_at": "yesterday", "headers": {}},
    {"received_at": {"nested": 1}, "headers": {}},
    {"headers": {"X-Shopify-Topic": "t"}, "body": {"sku": "no-time"}},
    {"received_at": 1775466724123, "status": "weird", "headers": {}},
    {"received_at": "2026-04-06T09:12:04Z", "status": None, "endpoint": "  "},
    '{"received_at": "2026-04-06T09:12:04Z", "received_at": "2026-04-07T00:00:00Z"}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "a", "sku": "b"}}',
    '{"received_at": "2026-04-06T09:12:04Z", "headers": {"X-Shopify-Topic": "a", '
    '"x-shopify-topic": "b"}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "a", "sku": null}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"quantity": NaN}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "\\ud800"}}',
    '{"received_at": "2026-04-06T09:12:04Z", "headers": {"X-Shopify-\\u0054opic": "esc"}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"quantity": 1e400}}',
    '{"received_at": "2026-04-06T09:12:04Z", "status": 200, "status" : 500}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "A\\u202eB", "quantity": 2}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "A\u202eB", "quantity": 2}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "a\\\\", "quantity": 2}}',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "say \\"hi\\"", "quantity": 2}}',
    '{"received_at": "2026-04-06T09:12:04Z", "status": "200", "endpoint": "a:b{c}"}',
    '{"received_at": "2026-04-06T09:12:04Z"} trailing',
    '{"received_at": "2026-04-06T09:12:04Z", "body": {"sku": "x"}}}',
    '{"received_at": "2026-04-06T09:12:04Z", "headers": {"X-Shopify-Topic": "cut',
    "[2026-04-06 09:12:04] receiver restarted",
    "[1, 2]",
    '"just a string"',
    "   ",
    "",
]


def both(data: bytes) -> tuple[ParseResult, ParseResult]:
    ctx = ParseContext("hooks/log.ndjson", ZoneInfo("America/New_York"), PAYLOAD)
    return PYTHON.read(data, ctx), FAST.read(data, ctx)


def assert_same(data: bytes) -> None:
    slow, fast = both(data)
    assert_frame_equal(slow.events, fast.events)
    assert slow.rejections == fast.rejections
    assert slow.notes == fast.notes
    assert slow.records_seen == fast.records_seen


def lines(records: list[dict[str, Any] | str]) -> list[bytes]:
    return [(r if isinstance(r, str) else json.dumps(r)).encode() for r in records]


def test_varied_lines_read_the_same_on_both_paths() -> None:
    assert_same(b"\n".join(lines(VARIED)))


def test_crlf_blank_lines_bom_and_invalid_utf8_read_the_same() -> None:
    invalid = b'{"received_at": "2026-04-06T09:12:04Z", "x": "\xff"}'
    body = [*lines(VARIED[:12]), b"", b" \t", invalid]
    assert_same(b"\xef\xbb\xbf" + b"\r\n".join(body) + b"\r\n")
    assert_same(b"\n".join(body) + b"\n\n")
    assert_same(b"\n".join(body[:5]) + b"\r\n" + b"\n".join(body[5:]))


def test_plain_shopify_lines_take_the_fast_path_and_bad_lines_do_not() -> None:
    records = [shopify(i) for i in range(50)] + [lowered(shopify(99))]
    body = b"\n".join([*lines(records), b'{"received_at": "cut'])
    fast = read_fast(body, KEYS)
    assert fast.frame.height == 51
    assert fast.slow == [(52, 52, len(body) - len(b'{"received_at": "cut'), 20)]
    assert_same(body)


def test_a_bad_line_that_passes_the_text_checks_costs_only_its_chunk() -> None:
    # Invalid JSON that starts with '{' and ends with '}' reaches the Polars decode.
    records = lines([shopify(i) for i in range(600)])
    records[300] = b'{"received_at": "2026-04-06T09:12:04Z", "status": 200 "x": 1}'
    body = b"\n".join(records)
    fast = read_fast(body, KEYS)
    assert 1 <= len(fast.slow) <= 600
    assert fast.frame.height + len(fast.slow) == 600
    assert_same(body)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(VARIED), min_size=1, max_size=40), st.sampled_from(["\n", "\r\n"]))
def test_any_mix_of_lines_reads_the_same(records: list[dict[str, Any] | str], eol: str) -> None:
    assert_same(eol.encode().join(lines(records)))


def test_a_type_drift_after_the_sample_is_noted_as_on_the_per_line_path() -> None:
    # The decode schema is learnt from the head and a spread of lines; a line far
    # from them whose status is a string, not a number, must still be noted.
    records = [shopify(i) for i in range(900)]
    records[777] = shopify(777, status="200")
    body = b"\n".join(lines(records))
    slow, fast = both(body)
    assert slow.notes["schema_conflict"] == 1
    assert fast.notes == slow.notes
    assert read_fast(body, KEYS).frame.height == 899


def test_lines_of_another_shape_than_the_sample_go_to_the_per_line_path() -> None:
    records = lines([shopify(i) for i in range(900)])
    # An unknown key, a key with a space before its colon that duplicates one
    # decoded, and a null value go slow; so does a colon in a value the sample
    # never saw holding one, while more colons in a value it did see are counted.
    records[500] = records[500][:-1] + b', "extra": "x"}'
    records[501] = records[501][:-1] + b', "status" : 500}'
    records[502] = records[502].replace(b'"status": 200', b'"status": null')
    records[503] = records[503].replace(b'"endpoint": "/hooks/inventory"', b'"endpoint": "a:b"')
    records[504] = records[504].replace(b'"09:12:04.220Z"', b'"09:12:04:99.220Z"')
    records[505] = records[505].replace(b'04.220Z"', b'04.220+00:00"')
    body = b"\n".join(records)
    fast = read_fast(body, KEYS)
    assert [line for line, *_ in fast.slow] == [501, 502, 503, 504]
    assert_same(body)


def test_a_colon_the_counted_values_do_not_explain_sends_the_line_slow() -> None:
    # Colons are counted only in values the sample saw holding one; an unknown
    # key whose colon would balance a colon in an uncounted value must not pass.
    records = lines([shopify(i) for i in range(900)])
    records[400] = records[400].replace(b'"/hooks/inventory"', b'"/hooks:inventory"')
    records[401] = (
        records[401]
        .replace(b'"/hooks/inventory"', b'"/hooks:x"')
        .replace(b'"status": 200', b'"status": 200, "x": 1')
    )
    body = b"\n".join(records)
    fast = read_fast(body, KEYS)
    assert [line for line, *_ in fast.slow] == [401, 402]
    assert_same(body)


def test_numbers_polars_prints_otherwise_go_to_the_per_line_path() -> None:
    # Polars prints a decoded number from its value: a fraction, -0.0, and a
    # whole float past 2**53 in an id would differ from the per-line path's text.
    records = [shopify(i) for i in range(900)]
    # NOTE: none of these is in the sample (the head and every ninth line).
    at = [i for i in range(401, 420) if i % 9][:9]
    records[at[0]]["body"]["inventory_item_id"] = 36028797018963971.0  # sku, past 2**53
    records[at[1]]["body"]["inventory_item_id"] = 12.5
    records[at[2]]["body"]["location_id"] = -0.0
    records[at[3]]["body"]["available"] = 1e-07
    records[at[4]]["body"]["available"] = 1234567890123456789  # 19 digits
    records[at[5]]["status"] = True  # a boolean where a number is learnt
    records[at[6]]["body"]["inventory_item_id"] = 808950810.0  # whole and small: prints alike
    records[at[7]]["body"]["available"] = 12345678901234567.0  # not an id: prints alike
    records[at[8]]["headers"]["X-Shopify-Topic"] = "1.50"  # a string is not a number
    body = b"\n".join(lines(records))
    assert_same(body)
    fast = read_fast(body, KEYS)
    assert [line for line, *_ in fast.slow] == [i + 1 for i in at[:6]]


def test_bisected_pieces_come_back_in_record_order() -> None:
    # The reader relies on the fast rows being in record order (no sort); a
    # failed decode is bisected, and the pieces that decode must keep that order.
    records = lines([shopify(i) for i in range(1200)])
    records[300:600] = [b'{"received_at": "2026-04-06T09:12:04Z", "status": 200 "x": 1}'] * 300
    body = b"\n".join(records)
    fast = read_fast(body, KEYS)
    assert fast.frame.height == 900
    assert fast.frame.get_column("record").is_sorted()
    assert_same(body)
