"""Notes are a closed, documented set, like rejection reasons (RELIABILITY section 2).

``forensics.schema.NOTE_CODES`` maps each code to the one line the report shows;
the loader refuses a code outside it (our bug, an ``AccountingError``), and
findings.schema.json enumerates the same codes.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hostile._fixtures import hook_line, hostile_corpus, load_tree, ndjson, write_tree

from forensics import loader
from forensics.errors import AccountingError, ImplementationError
from forensics.schema import NOTE_CODES
from parsers._base import ParseContext, ParseResult
from parsers._json import iter_document, parse_record
from parsers.webhook import PARSER as WEBHOOK

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"
SCHEMA = json.loads(files("forensics").joinpath("findings.schema.json").read_text("utf-8"))


def noted(root: Path) -> set[str]:
    return {code for item in load_tree(root).inputs for code in item.notes}


def test_note_codes_are_low_cardinality_names_with_a_one_line_meaning() -> None:
    for code, meaning in NOTE_CODES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert meaning and "\n" not in meaning and len(meaning) <= 100, code


def test_findings_schema_enumerates_the_note_codes() -> None:
    notes = SCHEMA["$defs"]["input"]["properties"]["notes"]
    assert notes["propertyNames"]["enum"] == list(NOTE_CODES)


def test_every_note_of_the_sample_export_is_a_known_code() -> None:
    # The loader would raise on an unknown code; this also says which codes the sample uses.
    assert noted(SAMPLE) <= set(NOTE_CODES)


def test_every_note_of_the_hostile_corpus_is_a_known_code(tmp_path: Path) -> None:
    found = noted(write_tree(tmp_path, hostile_corpus()))
    assert found <= set(NOTE_CODES)
    # The corpus reaches the JSON reader's notes, so a renamed code would show here.
    expected = {
        "bom_stripped",
        "utf16_transcoded",
        "invalid_utf8",
        "mixed_line_endings",
        "lone_surrogate",
        "bidi_control",
        "duplicate_key",
        "nonfinite_number",
        "body_not_json",
    }
    assert expected <= found


class _Inventive:
    """The webhook reader, plus a note code nobody declared."""

    id = WEBHOOK.id

    def sniff(self, head: bytes, name: str) -> float:
        return 1.0

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        result = WEBHOOK.read(data, ctx)
        result.notes["looked_odd"] += 1
        return result

    def finalize(self, events: Any, facts: Any = ()) -> Any:
        return WEBHOOK.finalize(events, facts)


def test_an_unknown_note_code_is_refused_as_our_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "detect", lambda data, name: _Inventive())
    root = write_tree(tmp_path, {"hooks.ndjson": ndjson(hook_line(1))})
    with pytest.raises(AccountingError, match="looked_odd") as raised:
        load_tree(root)
    assert isinstance(raised.value, ImplementationError)
    assert "NOTE_CODES" in str(raised.value)


def schema_conflicts(*lines: object) -> int:
    notes: Counter[str] = Counter()
    for line in lines:
        assert isinstance(parse_record(json.dumps(line), notes), dict)
    return notes["schema_conflict"]


def test_schema_conflict_follows_key_paths_not_key_names() -> None:
    first = {"a": {"x": 1}, "b": {"x": "s"}, "a.x": True}
    assert schema_conflicts(first, {"a": {"x": 2}, "b": {"x": "t"}, "a.x": False}) == 0
    # Swapping the types of a.x and b.x drifts both; the dotted key "a.x" is its own field.
    assert schema_conflicts(first, {"a": {"x": "s"}, "b": {"x": 1}, "a.x": "yes"}) == 3


def test_schema_conflict_is_counted_once_however_often_shapes_alternate() -> None:
    number, text, empty = {"q": 1, "n": None}, {"n": "x", "q": "1"}, {"q": None}
    assert schema_conflicts(number, text, number, empty, text, number) == 1


def test_schema_conflict_compares_records_of_one_envelope_key_in_one_document() -> None:
    notes: Counter[str] = Counter()
    text = json.dumps({"scenarioLogs": [{"id": 1}, {"id": 2}], "dlqLogs": [{"id": "d1"}]})
    assert len(list(iter_document(text, notes, record_keys=("scenarioLogs", "dlqLogs")))) == 3
    assert notes["schema_conflict"] == 0
    assert schema_conflicts({"id": 1}) == schema_conflicts({"id": "1"}) == 0
