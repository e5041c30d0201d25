"""The rendered export: file texts plus where every record landed (file, line, record)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class File:
    path: str  # relative to sample_logs/
    text: str
    format_id: str
    records: int  # records seen (SPEC section 3)
    rejected: int = 0
    note: str = ""


@dataclass
class Export:
    files: dict[str, File] = field(default_factory=dict)
    # (kind, id) -> (path, line, record); the first copy wins (page duplicates).
    where: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)

    def add(self, f: File) -> None:
        assert f.path not in self.files, f.path
        self.files[f.path] = f

    def locate(self, kind: str, key: str, path: str, line: int, record: int) -> None:
        self.where.setdefault((kind, key), (path, line, record))

    def ref(self, kind: str, key: str) -> str:
        path, line, _ = self.where[(kind, key)]
        return f"{path}:{line}"
