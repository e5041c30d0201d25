"""The README's regression recipe, verbatim in spirit: snapshot findings.json of a fixed folder.

If this test needs changing, the README section "Snapshot-testing a regression
run" needs the same change.
"""

from __future__ import annotations

from pathlib import Path

from syrupy.extensions.json import JSONSnapshotExtension

from forensics.testing import analyze_folder

FOLDER = Path(__file__).resolve().parent.parent / "sample_logs"


def test_findings_of_the_sample_export(snapshot):  # type: ignore[no-untyped-def]
    findings = analyze_folder(FOLDER)
    assert findings == snapshot(extension_class=JSONSnapshotExtension)
