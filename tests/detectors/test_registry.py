"""The detector registry refuses malformed definitions and documents every code."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from forensics.detectors import CODES, DETECTORS, build_registry
from forensics.detectors._base import Code, Detector
from forensics.errors import DetectorDefinitionError
from forensics.findings import Severity

GOOD = Code("ABC001", "t {entity}", Severity.LOW, "What.", "Why.", "Fix.")


def detector(*codes: Code, name: str = "d", requires: tuple[str, ...] = ("sku",)) -> Detector:
    return Detector(name, codes, requires, lambda events, ctx: pl.LazyFrame())


def test_every_registered_code_is_unique_and_documented() -> None:
    assert set(CODES) == {c.code for d in DETECTORS for c in d.codes}
    for _, code in CODES.values():
        assert code.what and code.why and code.fix and code.title


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(DetectorDefinitionError, match="declared twice"):
        build_registry((detector(GOOD, name="a"), detector(GOOD, name="b")))


def test_malformed_code_is_refused() -> None:
    with pytest.raises(DetectorDefinitionError, match="shaped like"):
        build_registry((detector(dataclasses.replace(GOOD, code="OOS1")),))


def test_unknown_required_column_is_refused() -> None:
    with pytest.raises(DetectorDefinitionError, match="unknown columns"):
        build_registry((detector(GOOD, requires=("nope",)),))


def test_documentation_must_be_sentences() -> None:
    with pytest.raises(DetectorDefinitionError, match="full sentences"):
        build_registry((detector(dataclasses.replace(GOOD, fix="do something")),))
