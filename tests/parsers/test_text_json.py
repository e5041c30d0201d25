"""Framing, decoding and JSON record/document reading (RELIABILITY 3.1-3.3)."""

from __future__ import annotations

import codecs
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics.schema import REJECTION_REASONS
from parsers._json import DocItem, RecordError, iter_document, loads_value, parse_record
from parsers._text import (
    UTF8_SAMPLE_BYTES,
    decode,
    decode_line,
    has_mixed_line_endings,
    iter_lines,
    mostly_not_utf8,
    to_utf8,
)


def lines_of(data: bytes) -> list[tuple[int, int, bytes]]:
    return [tuple(line) for line in iter_lines(data)]


# --- framing ---------------------------------------------------------------------------


def test_crlf_lines_lose_their_carriage_return_and_keep_byte_offsets() -> None:
    data = b'{"a":1}\r\n{"b":2}\r\n'
    assert lines_of(data) == [(1, 0, b'{"a":1}'), (2, 9, b'{"b":2}')]


def test_last_line_without_newline_is_still_a_line() -> None:
    assert lines_of(b'{"a":1}\n{"b":2}') == [(1, 0, b'{"a":1}'), (2, 8, b'{"b":2}')]


def test_u2028_and_nel_inside_a_string_do_not_split_the_record() -> None:
    record = '{"note": "a\u2028b\u2029c\x85d"}'
    data = (record + "\n").encode("utf-8")
    framed = lines_of(data)
    assert len(framed) == 1
    assert json.loads(framed[0][2]) == {"note": "a\u2028b\u2029c\x85d"}


def test_blank_and_whitespace_lines_are_not_records_but_keep_line_numbers() -> None:
    data = b'\n{"a":1}\n   \n\t\r\n{"b":2}\n\n'
    assert [(n, raw) for n, _, raw in lines_of(data)] == [(2, b'{"a":1}'), (5, b'{"b":2}')]


def test_lone_carriage_return_inside_a_line_is_data() -> None:
    assert lines_of(b'{"a":"x\ry"}\n') == [(1, 0, b'{"a":"x\ry"}')]


def test_mixed_line_endings_are_detected() -> None:
    assert has_mixed_line_endings(b"a\r\nb\nc\r\n")
    assert not has_mixed_line_endings(b"a\r\nb\r\n")
    assert not has_mixed_line_endings(b"a\nb\n")


# --- encoding --------------------------------------------------------------------------


def test_utf8_bom_is_stripped_and_noted_with_offset_shift() -> None:
    body, shift, notes = to_utf8(codecs.BOM_UTF8 + b'{"a":1}\n')
    assert (body, shift, notes) == (b'{"a":1}\n', 3, Counter(bom_stripped=1))
    assert lines_of(body) == [(1, 0, b'{"a":1}')]
    assert [line.offset for line in iter_lines(body, start_offset=shift)] == [3]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_transcoded_and_noted(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    data = bom + '{"sku": "Ä-1"}\n{"sku": "B"}\n'.encode(codec)
    text, notes = decode(data)
    assert text == '{"sku": "Ä-1"}\n{"sku": "B"}\n'
    assert notes == Counter(utf16_transcoded=1)
    body, _, _ = to_utf8(data)
    assert [json.loads(line.raw) for line in iter_lines(body)] == [{"sku": "Ä-1"}, {"sku": "B"}]


def test_invalid_utf8_is_replaced_and_noted() -> None:
    text, notes = decode(b'{"a": "caf\xe9"}')
    assert text == '{"a": "caf\ufffd"}'
    assert notes == Counter(invalid_utf8=1)


LATIN = '{"sku": "caf\u00e9"}\n'.encode("cp1252")
GOOD = b'{"sku": "caf\xc3\xa9"}\n'


@pytest.mark.parametrize(
    ("data", "verdict"),
    [
        (LATIN * 3, (3, 3)),
        (LATIN * 3 + GOOD * 2 + b"\n \n", (3, 5)),  # blank lines are not counted
        (codecs.BOM_UTF8 + LATIN * 4, (4, 4)),
        (LATIN * 2, None),  # under the minimum: a few bad bytes, read lossily
        (LATIN * 3 + GOOD * 3, None),  # half, not more than half
        (GOOD * 10, None),
        (b'{"a": 1}\n' * 10, None),
        (codecs.BOM_UTF16_LE + "caf\u00e9\n".encode("utf-16-le") * 5, None),
    ],
    ids=["all", "most", "bom", "two", "half", "utf8", "ascii", "utf16"],
)
def test_mostly_not_utf8_needs_more_than_half_and_three_lines(
    data: bytes, verdict: tuple[int, int] | None
) -> None:
    assert mostly_not_utf8(data) == verdict


def test_mostly_not_utf8_judges_only_the_head_and_ignores_the_line_it_cuts() -> None:
    filler = b'{"a": "\xc3\xa9"}\n' * (UTF8_SAMPLE_BYTES // 14)
    # Past the sample: not judged. A UTF-8 character cut by the sample: not invalid.
    assert mostly_not_utf8(filler + LATIN * 100) is None
    cut_in_char = b"x" * (UTF8_SAMPLE_BYTES - 1) + "\u00e9".encode() + b"\n"
    assert mostly_not_utf8(cut_in_char) is None
    assert mostly_not_utf8(LATIN * (UTF8_SAMPLE_BYTES // len(LATIN) + 10)) is not None


def test_codepoint_cut_at_line_end_is_told_apart_from_corruption() -> None:
    assert decode_line("é".encode()[:1]) == ("\ufffd", "truncated_codepoint")
    assert decode_line(b"a\xffb") == ("a\ufffdb", "invalid_utf8")
    assert decode_line(b"ok") == ("ok", None)


# --- one record per line ---------------------------------------------------------------


def reason_of(raw: bytes, **kwargs: int) -> str:
    result = parse_record(raw, Counter(), **kwargs)
    assert isinstance(result, RecordError), result
    assert result.reason in REJECTION_REASONS
    assert result.detail.endswith(".")
    return result.reason


def test_valid_object_line_decodes() -> None:
    assert parse_record(b' {"a": [1, 2]} ', Counter()) == {"a": [1, 2]}


def test_truncated_last_line_is_truncated_record() -> None:
    assert reason_of(b'{"sku": "A", "qty": 4') == "truncated_record"
    assert reason_of(b'{"sku": "A", "note": "cut') == "truncated_record"
    assert reason_of(b'{"sku": "A", "ok": tru') == "truncated_record"


def test_two_objects_on_one_line_is_trailing_garbage() -> None:
    assert reason_of(b'{"a":1}{"b":2}') == "trailing_garbage"
    assert reason_of(b'{"a":1} xyz') == "trailing_garbage"


def test_garbage_and_json5_are_invalid_json() -> None:
    assert reason_of(b"hello world") == "invalid_json"
    assert reason_of(b'{"a":1,}') == "invalid_json"
    assert reason_of(b"{'a': 1}") == "invalid_json"


def test_non_object_line_is_not_an_object() -> None:
    assert reason_of(b"[1, 2]") == "not_an_object"
    assert reason_of(b'"text"') == "not_an_object"
    assert reason_of(b"42") == "not_an_object"


def test_nan_and_infinity_become_null_with_one_note_per_record() -> None:
    notes: Counter[str] = Counter()
    assert parse_record(b'{"a": NaN, "b": Infinity, "c": -Infinity}', notes) == {
        "a": None,
        "b": None,
        "c": None,
    }
    assert notes == Counter(nonfinite_number=1)


def test_100000_opening_brackets_are_too_deep_not_a_crash() -> None:
    assert reason_of(b"[" * 100_000) == "too_deep"
    assert reason_of(b'{"a":' * 100_000) == "too_deep"


def test_integer_over_4300_digits_is_rejected_not_raised() -> None:
    result = parse_record(b'{"qty": ' + b"1" * 5000 + b"}", Counter())
    assert isinstance(result, RecordError)
    assert result.reason == "invalid_json"
    assert "4300 digits" in result.detail


def test_big_platform_ids_stay_exact() -> None:
    assert parse_record(b'{"id": 18446744073709551617}', Counter()) == {"id": 18446744073709551617}


def test_line_over_the_cap_is_line_too_long() -> None:
    assert reason_of(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50) == "line_too_long"


def test_lone_surrogate_is_replaced_and_noted() -> None:
    notes: Counter[str] = Counter()
    value = parse_record(b'{"a": "x\\ud800y", "\\udc00k": 1, "ok": "\\ud83d\\ude00"}', notes)
    assert value == {"a": "x\ufffdy", "\ufffdk": 1, "ok": "\U0001f600"}
    assert notes == Counter(lone_surrogate=1)


def test_loads_value_accepts_any_json_value() -> None:
    assert loads_value(' [1, "a"] ', Counter()) == [1, "a"]
    assert isinstance(loads_value("", Counter()), RecordError)


# --- documents -------------------------------------------------------------------------


def positions(items: list[DocItem]) -> list[tuple[int, int, int]]:
    return [(i.line, i.record, i.offset) for i in items]


def test_pretty_printed_array_gives_the_line_of_each_opening_brace() -> None:
    text = '[\n  {"a": 1},\n  {\n    "a": 2\n  },\n\n  {"a": 3}\n]\n'
    items = list(iter_document(text, Counter()))
    assert [i.value for i in items] == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert [(i.line, i.record) for i in items] == [(2, 1), (3, 2), (7, 3)]
    assert all(text[i.offset] == "{" for i in items)


def test_minified_one_line_array_shares_line_one_with_distinct_records() -> None:
    text = '[{"a":1},{"a":2},{"a":3}]'
    items = list(iter_document(text, Counter()))
    assert positions(items) == [(1, 1, 1), (1, 2, 9), (1, 3, 17)]


def test_byte_offsets_count_multibyte_characters() -> None:
    text = '[{"s":"é"},\n{"s":"x"}]'
    items = list(iter_document(text, Counter()))
    assert [i.byte_offset for i in items] == [1, len('[{"s":"é"},\n'.encode())]


def test_document_cut_part_way_keeps_earlier_records_and_rejects_the_rest_once() -> None:
    text = '[\n{"a": 1},\n{"a": 2},\n{"a": 3, "b": \n'
    items = list(iter_document(text, Counter()))
    assert [i.value for i in items[:2]] == [{"a": 1}, {"a": 2}]
    last = items[2]
    assert last.error is not None
    assert (last.error.reason, last.line, last.record) == ("truncated_record", 4, 3)
    assert "from here on" in last.error.detail
    assert len(items) == 3


def test_document_malformed_between_elements_is_one_invalid_json_rejection() -> None:
    items = list(iter_document('[{"a": 1} {"a": 2}]', Counter()))
    assert [i.error.reason if i.error else None for i in items] == [None, "invalid_json"]


def test_non_object_elements_are_rejected_individually() -> None:
    items = list(iter_document('[{"a": 1}, 5, {"a": 2}]', Counter()))
    assert [i.error.reason if i.error else i.value for i in items] == [
        {"a": 1},
        "not_an_object",
        {"a": 2},
    ]


def test_content_after_the_document_is_trailing_garbage() -> None:
    items = list(iter_document('[{"a": 1}]\nthis is not json', Counter()))
    assert items[-1].error is not None
    assert (items[-1].error.reason, items[-1].line) == ("trailing_garbage", 2)


def test_envelope_key_holds_the_record_list() -> None:
    text = '{"pg": {"limit": 50},\n "scenarioLogs": [\n  {"id": "a"},\n  {"id": "b"}\n ]}'
    items = list(iter_document(text, Counter(), record_keys=("scenarioLogs",)))
    assert [(i.value, i.line, i.record, i.key) for i in items] == [
        ({"id": "a"}, 3, 1, "scenarioLogs"),
        ({"id": "b"}, 4, 2, "scenarioLogs"),
    ]


def test_envelope_key_holding_one_object_is_one_record() -> None:
    items = list(
        iter_document('{"scenarioLogs": {"id": "a"}}', Counter(), record_keys=("scenarioLogs",))
    )
    assert [(i.value, i.record) for i in items] == [({"id": "a"}, 1)]


def test_list_of_envelopes_numbers_records_across_envelopes() -> None:
    text = '[{"meta": {}, "data": [{"id": 1}, {"id": 2}]},\n {"meta": {}, "data": [{"id": 3}]}]'
    items = list(iter_document(text, Counter(), record_keys=("data",)))
    assert [(i.value["id"], i.line, i.record) for i in items] == [(1, 1, 1), (2, 1, 2), (3, 2, 3)]


def test_object_without_envelope_key_is_a_record() -> None:
    items = list(iter_document('{"id": 1, "data": 5}', Counter(), record_keys=("data",)))
    assert [i.value for i in items] == [{"id": 1, "data": 5}]


def test_cut_envelope_keeps_the_records_before_the_cut() -> None:
    text = '{"scenarioLogs": [\n {"id": "a"},\n {"id": "b"},\n {"id": "c", "st'
    items = list(iter_document(text, Counter(), record_keys=("scenarioLogs",)))
    assert [i.value for i in items[:2]] == [{"id": "a"}, {"id": "b"}]
    assert items[2].error is not None
    assert (items[2].error.reason, items[2].line, items[2].record) == ("truncated_record", 4, 3)


def test_concatenated_pretty_printed_objects_are_records() -> None:
    text = '{\n  "a": 1\n}\n{\n  "a": 2\n}\n'
    assert [(i.value, i.line) for i in iter_document(text, Counter())] == [
        ({"a": 1}, 1),
        ({"a": 2}, 4),
    ]


def test_deep_document_is_rejected_as_too_deep() -> None:
    items = list(iter_document("[" * 100_000, Counter()))
    assert [i.error.reason for i in items if i.error] == ["too_deep"]


def test_nan_inside_a_document_record_is_noted() -> None:
    notes: Counter[str] = Counter()
    items = list(iter_document('[{"a": NaN}, {"a": 1}]', notes))
    assert [i.value for i in items] == [{"a": None}, {"a": 1}]
    assert notes == Counter(nonfinite_number=1)


def test_empty_array_and_blank_document_have_no_records() -> None:
    assert list(iter_document("[]", Counter())) == []
    assert list(iter_document("  \n ", Counter())) == []


RECORDS = st.lists(
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5) | st.none()),
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(RECORDS, st.sampled_from([None, 0, 2]), st.booleans())
def test_document_walk_agrees_with_json_loads(
    records: list[dict[str, object]], indent: int | None, enveloped: bool
) -> None:
    text = json.dumps({"meta": 1, "data": records} if enveloped else records, indent=indent)
    items = list(iter_document(text, Counter(), record_keys=("data",)))
    assert [i.value for i in items] == records
    assert [i.record for i in items] == list(range(1, len(records) + 1))
    assert all(text[i.offset] == "{" for i in items)
    assert [i.line for i in items] == [text.count("\n", 0, i.offset) + 1 for i in items]


@settings(max_examples=80, deadline=None)
@given(RECORDS.filter(bool), st.data())
def test_cut_document_keeps_a_prefix_and_rejects_the_rest_once(
    records: list[dict[str, object]], data: st.DataObject
) -> None:
    text = json.dumps(records, indent=1)
    cut = data.draw(st.integers(min_value=1, max_value=len(text) - 1))
    items = list(iter_document(text[:cut], Counter()))
    good = [i.value for i in items if i.error is None]
    assert good == records[: len(good)]
    assert [i.error is not None for i in items].count(True) <= 1
    assert all(i.error is None for i in items[:-1])
