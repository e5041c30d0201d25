"""findings.json's encoder gives exactly the text of json.dumps(indent=2), only faster.

``forensics.document.dumps_indented`` replaces ``json.dumps(value, indent=2,
ensure_ascii=True, allow_nan=False)`` for findings.json, which users snapshot
byte for byte; these tests hold it to the standard library's output on
arbitrary JSON values and to its errors on values JSON cannot hold.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics.document import dumps, dumps_indented
from forensics.findings import AnalysisResult, Evidence, Finding, Severity


def reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)


# Every code point, lone surrogates and controls included, with the awkward ones often.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF),
        st.sampled_from('\x00\x1f\x7f"\\/\n\r\t\u2028\ud800\udfff\ufeff{}[],: é€😀'),
    ),
    max_size=20,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-320, 1.5e300, 1e16, 0.1]),
    TEXT,
)
KEYS = st.one_of(
    TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=5),
    ),
    max_leaves=40,
)


@settings(max_examples=600, deadline=None)
@given(VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        [[]],
        {"a": {}},
        {"a": [], "b": [{}], "c": [[], {}]},
        [{"a": 1}, {}, {"b": [1, {"c": None}]}],
        {"k": [1, 2.5, "x", None, True, False]},
        {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},
        {"deep": [[[[{"x": [1]}]]]]},
        "top-level string \ud800",
        12345678901234567890123,
        -0.0,
        None,
    ],
)
def test_edge_cases(value: Any) -> None:
    assert dumps_indented(value) == reference(value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    "wrap",
    [
        lambda x: x,
        lambda x: [x],
        lambda x: {"a": x},
        lambda x: {"a": [1, {"b": x}], "c": {}},
        lambda x: {x: 1},
    ],
)
def test_non_finite_floats_raise(bad: float, wrap: Any) -> None:
    value = wrap(bad)
    with pytest.raises(ValueError):
        reference(value)
    with pytest.raises(ValueError):
        dumps_indented(value)


@pytest.mark.parametrize(
    "value", [object(), {"a": object()}, [1, {"b": {1, 2}}], {(1, 2): "tuple key"}]
)
def test_unencodable_values_raise_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        reference(value)
    with pytest.raises(TypeError):
        dumps_indented(value)


def test_circular_reference_raises() -> None:
    loop: list[Any] = [1]
    loop.append({"again": loop})
    with pytest.raises(ValueError):
        dumps_indented(loop)


def test_subclasses_encode_as_their_base_type() -> None:
    class Text(str):
        pass

    class Count(int):
        def __repr__(self) -> str:
            return "not used"

    class Ratio(float):
        def __repr__(self) -> str:
            return "not used"

    value = {Text("k"): [Text("v"), Count(3), Ratio(0.5), Severity.HIGH], "n": {Text("x"): 1}}
    assert dumps_indented(value) == reference(value)


def test_findings_document_unchanged() -> None:
    finding = Finding(
        id="0123456789ab",
        code="DLY001",
        detector="delays",
        severity=Severity.HIGH,
        title='late "delivery" \u202e é',
        flow="inventory_levels/update",
        entity=None,
        start=None,
        end=None,
        metrics={"records": 3, "max_lag_seconds": 125.5, "ok": True, "nested": {"a": []}},
        evidence=(Evidence("a.ndjson", 3, 3), Evidence("b\udc80.ndjson", 7, 6)),
        evidence_total=2,
        explanation="x\ny",
        recommendation="",
    )
    result = AnalysisResult(
        tool_version="t",
        config={"tz": "UTC", "empty": {}, "list": []},
        inputs=(),
        skipped=(),
        summary={"events": 0, "per_flow": []},
        findings=(finding, finding),
    )
    from forensics.document import to_document

    assert dumps(result) == reference(to_document(result)) + "\n"
