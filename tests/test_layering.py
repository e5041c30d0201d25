"""Layering contracts (STYLE 4.2), checked by reading import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path.relative_to(REPO).as_posix()] = names
    return found


def offenders(package: str, allowed: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for module, names in imports_of(package).items():
        for name in names:
            if name.startswith(forbidden) and not name.startswith(allowed):
                bad.append(f"{module} imports {name}")
    return bad


def test_parsers_import_only_schema_and_errors_from_forensics() -> None:
    assert (
        offenders(
            "parsers", ("forensics.schema", "forensics.errors"), ("forensics", "reports", "click")
        )
        == []
    )


def test_engine_never_imports_reports_or_click() -> None:
    bad = [
        line
        for line in offenders("forensics", (), ("reports", "click"))
        if not line.startswith("forensics/cli.py")
    ]
    assert bad == []


@pytest.mark.parametrize("package", ["reports"])
def test_reports_never_import_detectors_engine_or_click(package: str) -> None:
    allowed = ("forensics.findings", "forensics.redact", "forensics.schema")
    assert offenders(package, allowed, ("forensics", "click", "parsers")) == []
