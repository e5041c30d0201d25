"""Compare findings with an earlier findings.json: new, unchanged and resolved.

Findings are matched by their fingerprint id alone (code, flow, entity, episode
start), so a baseline stays valid across machines, path separators and file
order, as bandit's baseline does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forensics.errors import ForensicsError
from forensics.findings import SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class Comparison:
    """Findings of a new run sorted into new, unchanged and resolved (JSON objects)."""

    new: tuple[dict[str, Any], ...]
    unchanged: tuple[dict[str, Any], ...]
    resolved: tuple[dict[str, Any], ...]


def read_findings(path: Path) -> list[dict[str, Any]]:
    """Read the findings of a findings.json written by `forensics analyze --json`.

    Raises:
        ForensicsError: the file is missing, not JSON, or not a findings document.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ForensicsError(f"{path}: no such findings file; check the path.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ForensicsError(f"{path}: cannot be read ({exc}).") from exc
    except json.JSONDecodeError as exc:
        raise ForensicsError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); pass a findings.json "
            "written by `forensics analyze --json`."
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise ForensicsError(
            f"{path}: not a findings.json (no findings list); pass a file written by "
            "`forensics analyze --json`."
        )
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ForensicsError(
            f"{path}: findings schema_version {version!r} is not {SCHEMA_VERSION}; "
            "re-run the analysis with this version to make a new baseline."
        )
    findings = document["findings"]
    if not all(isinstance(f, dict) and isinstance(f.get("id"), str) for f in findings):
        raise ForensicsError(f"{path}: a finding has no id; the file is damaged or hand-edited.")
    return findings


def compare(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> Comparison:
    """Sort new findings into new and unchanged, and list old ones no longer found.

    Order is kept from each input, which findings.json already sorts.
    """
    old_ids = {f["id"] for f in old}
    new_ids = {f["id"] for f in new}
    return Comparison(
        new=tuple(f for f in new if f["id"] not in old_ids),
        unchanged=tuple(f for f in new if f["id"] in old_ids),
        resolved=tuple(f for f in old if f["id"] not in new_ids),
    )
