"""Fingerprints and ordering: the same incident has the same id everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from forensics.findings import Evidence, Finding, Severity, fingerprint, iso, sort_findings

START = datetime(2026, 4, 6, 9, 12, 3, tzinfo=UTC)


def finding(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "id": "x",
        "code": "OOS001",
        "detector": "out_of_sequence",
        "severity": Severity.HIGH,
        "title": "t",
        "flow": "F",
        "entity": "A",
        "start": START,
        "end": START,
        "metrics": {},
        "evidence": (Evidence("a.ndjson", 1, 1),),
        "evidence_total": 1,
        "explanation": "e.",
        "recommendation": "r.",
    }
    fields.update(changes)
    return Finding(**fields)  # type: ignore[arg-type]


def test_fingerprint_is_a_pinned_hash_of_code_flow_entity_and_start() -> None:
    # Pinned: a change here changes every user's baseline, so it must be deliberate.
    assert fingerprint("OOS001", "F", "A", START) == "e31cb5290010"


def test_fingerprint_differs_when_any_identifying_part_differs() -> None:
    base = fingerprint("OOS001", "F", "A", START)
    assert fingerprint("RTY001", "F", "A", START) != base
    assert fingerprint("OOS001", "G", "A", START) != base
    assert fingerprint("OOS001", "F", "B", START) != base
    assert fingerprint("OOS001", "F", None, START) != base
    assert fingerprint("OOS001", "F", "A", START.replace(second=4)) != base


def test_fingerprint_cannot_collide_by_moving_text_between_parts() -> None:
    assert fingerprint("OOS001", "F@", "A", START) != fingerprint("OOS001", "F", "@A", START)


def test_fingerprint_is_the_same_for_the_same_instant_in_another_zone() -> None:
    from zoneinfo import ZoneInfo

    other = START.astimezone(ZoneInfo("America/New_York"))
    assert fingerprint("OOS001", "F", "A", other) == fingerprint("OOS001", "F", "A", START)


def test_findings_sort_by_severity_then_code_flow_entity_start() -> None:
    items = [
        finding(id="4", severity=Severity.MEDIUM),
        finding(id="3", entity="B"),
        finding(id="2", flow="E"),
        finding(id="1", code="DLY001", severity=Severity.CRITICAL),
        finding(id="5", entity=None),
    ]
    assert [f.id for f in sort_findings(items)] == ["1", "2", "5", "3", "4"]


def test_iso_is_utc_with_z_and_keeps_only_the_precision_needed() -> None:
    assert iso(START) == "2026-04-06T09:12:03Z"
    assert iso(START.replace(microsecond=497000)) == "2026-04-06T09:12:03.497Z"
    assert iso(START.replace(microsecond=12)) == "2026-04-06T09:12:03.000012Z"
    assert iso(None) is None


def test_finding_json_has_the_spec_fields_in_order() -> None:
    assert list(finding().to_json()) == [
        "id",
        "code",
        "detector",
        "severity",
        "title",
        "flow",
        "entity",
        "start",
        "end",
        "metrics",
        "evidence",
        "evidence_total",
        "explanation",
        "recommendation",
    ]
