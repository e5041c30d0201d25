"""Helpers for users who snapshot-test their own regression runs (see README).

`analyze_folder` returns the findings document exactly as `forensics analyze
--json` writes it, which is deterministic for the same input, so it can be
compared with a syrupy snapshot or a stored file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forensics.analysis import analyze
from forensics.config import load_config
from forensics.document import to_document


def analyze_folder(
    path: str | Path,
    *,
    config: str | Path | None = None,
    tz: str = "UTC",
    baseline: str | Path | None = None,
) -> dict[str, Any]:
    """Analyse an export folder and return its findings.json document.

    Args:
        path: the folder, file or archive to analyse.
        config: a forensics.toml (default: the one in the folder, else defaults).
        tz: zone of naive timestamps.
        baseline: an earlier findings.json to mark findings new or unchanged.

    Returns:
        The findings document as plain JSON values (dicts, lists, strings, numbers).

    Raises:
        ForensicsError: the folder, configuration or baseline cannot be used.
    """
    folder = Path(path)
    settings = load_config(folder, Path(config) if config else None, tz=tz)
    result = analyze(folder, settings, baseline=Path(baseline) if baseline else None)
    return to_document(result)
