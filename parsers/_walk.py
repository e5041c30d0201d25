"""Walk a folder, a file, a .zip or a .gz and yield each file's relative path and bytes.

We are a reader, not an extractor (RELIABILITY section 4): archive members are
read in memory with caps on member count and decompressed bytes, enforced while
decompressing (never trusting a header's declared size). Nested archives are
listed, not opened. Symlinks are not followed. Everything not read is yielded
as a skip with its reason, so nothing vanishes.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

OS_METADATA: Final = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"})
# Archives inside archives are listed, not opened (42.zip-style nesting).
ARCHIVE_SUFFIXES: Final = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")
# Our own outputs and configuration sit beside logs; they are not logs.
NOT_LOGS: Final = frozenset({"forensics.toml", "readme.md", "readme.txt", "readme"})
_CHUNK: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep a hostile archive from exhausting memory or time."""

    max_members: int = 10_000
    max_member_bytes: int = 1 << 30
    max_total_bytes: int = 4 << 30
    max_depth: int = 32


@dataclass(frozen=True, slots=True)
class WalkedFile:
    """A file to offer to the parsers."""

    file: str
    data: bytes


@dataclass(frozen=True, slots=True)
class WalkSkip:
    """A file or member that is not read, and why (one sentence)."""

    file: str
    reason: str


Entry = WalkedFile | WalkSkip


class _Budget:
    """Decompressed bytes still allowed in this run."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.remaining = limits.max_total_bytes


def walk(path: Path, limits: Limits | None = None) -> Iterator[Entry]:
    """Yield every file under path (recursively) as bytes, or as a skip with its reason.

    Paths are relative to path (a folder) or the file name (a single file), with
    forward slashes; archive members are named ``outer.zip!/inner/path``. The
    order is sorted by relative path, so runs are reproducible.

    Args:
        path: a folder, a file, a .zip or a .gz.
        limits: archive and size caps.

    Yields:
        WalkedFile or WalkSkip entries.
    """
    budget = _Budget(limits or Limits())
    if path.is_dir():
        yield from _walk_dir(path, budget)
    else:
        yield from _read_file(path, path.name, budget)


def _walk_dir(root: Path, budget: _Budget) -> Iterator[Entry]:
    found: list[tuple[str, Path]] = []
    skipped: list[WalkSkip] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        depth = 0 if rel_dir == "." else rel_dir.count("/") + 1
        for name in list(dirnames):
            rel = _join(rel_dir, name)
            if name in OS_METADATA or name.startswith("."):
                dirnames.remove(name)
                if name in OS_METADATA:
                    skipped.append(WalkSkip(rel + "/", "operating-system metadata, not a log"))
            elif (here / name).is_symlink():
                dirnames.remove(name)
                skipped.append(WalkSkip(rel + "/", "symbolic link, not followed"))
            elif depth + 1 > budget.limits.max_depth:
                dirnames.remove(name)
                skipped.append(WalkSkip(rel + "/", "folder nested too deep, not read"))
        for name in filenames:
            rel = _join(rel_dir, name)
            if name.startswith("."):
                continue
            found.append((rel, here / name))
    entries: list[Entry] = list(skipped)
    for rel, full in sorted(found):
        entries.extend(_read_file(full, rel, budget))
    yield from sorted(entries, key=lambda e: e.file)


def _join(rel_dir: str, name: str) -> str:
    return name if rel_dir == "." else f"{rel_dir}/{name}"


def _read_file(full: Path, rel: str, budget: _Budget) -> Iterator[Entry]:
    name = PurePosixPath(rel).name
    if name in OS_METADATA:
        yield WalkSkip(rel, "operating-system metadata, not a log")
        return
    if name.lower() in NOT_LOGS:
        yield WalkSkip(rel, "documentation or configuration, not a log")
        return
    try:
        info = full.lstat()
    except OSError as exc:
        yield WalkSkip(rel, f"cannot be read ({exc.strerror or exc})")
        return
    if stat.S_ISLNK(info.st_mode):
        yield WalkSkip(rel, "symbolic link, not followed")
        return
    if not stat.S_ISREG(info.st_mode):
        yield WalkSkip(rel, "not a regular file")
        return
    lower = name.lower()
    try:
        if lower.endswith(".zip"):
            yield from _read_zip(full, rel, budget)
        elif lower.endswith((".tar", ".tar.gz", ".tgz", ".7z", ".rar")):
            yield WalkSkip(rel, "archive type not supported; extract it or zip it")
        elif lower.endswith(".gz"):
            yield from _read_gzip(full.read_bytes(), rel, budget)
        else:
            data = full.read_bytes()
            yield _checked(rel, data)
    except OSError as exc:
        yield WalkSkip(rel, f"cannot be read ({exc.strerror or exc})")


def _checked(rel: str, data: bytes) -> Entry:
    if not data.strip():
        return WalkSkip(rel, "empty file" if not data else "only whitespace, no records")
    head = data[:8192]
    # NOTE: UTF-16 text has NUL bytes too; it starts with a BOM, so let it through.
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if _looks_like_bomless_utf16(head):
            # NOTE: RELIABILITY B18: say which encoding it is and what to do,
            # instead of calling a Windows export "binary".
            return WalkSkip(
                rel, "UTF-16 text without a byte-order mark, not read; re-save it as UTF-8"
            )
        return WalkSkip(rel, "binary file, not a text log")
    return WalkedFile(rel, data)


def _looks_like_bomless_utf16(head: bytes) -> bool:
    """Whether head is ASCII-range text stored as UTF-16 LE or BE without a BOM."""
    even, odd = head[0::2], head[1::2]
    for zeros, text in ((odd, even), (even, odd)):
        if len(zeros) >= 2 and zeros.count(0) == len(zeros) and 0 not in text:
            return text.isascii()
    return False


def _read_gzip(raw: bytes, rel: str, budget: _Budget) -> Iterator[Entry]:
    inner = rel[:-3]
    decomp = zlib.decompressobj(wbits=31)
    parts: list[bytes] = []
    size = 0
    cap = min(budget.limits.max_member_bytes, budget.remaining)
    data = raw
    try:
        while data:
            chunk = decomp.decompress(data, _CHUNK)
            while chunk:
                size += len(chunk)
                if size > cap:
                    yield WalkSkip(rel, f"decompresses to more than {cap:,} bytes; not read")
                    return
                parts.append(chunk)
                chunk = decomp.decompress(decomp.unconsumed_tail, _CHUNK)
            # NOTE: concatenated gzip members are valid; start a new stream after each end.
            data = decomp.unused_data
            if decomp.eof and data:
                decomp = zlib.decompressobj(wbits=31)
            elif not decomp.eof:
                break
    except zlib.error:
        yield WalkSkip(rel, "not a valid gzip file")
        return
    budget.remaining -= size
    if not decomp.eof:
        yield WalkSkip(rel, "gzip file is truncated (no end-of-stream marker); not read")
        return
    entry = _checked(inner, b"".join(parts))
    yield entry if isinstance(entry, WalkSkip) else WalkedFile(rel, entry.data)


def _unsafe_member(name: str) -> str | None:
    if not name or name.strip("/") == "":
        return "empty member name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute member path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "member path escapes the archive (..)"
    return None


def _read_zip(full: Path, rel: str, budget: _Budget) -> Iterator[Entry]:
    try:
        archive = zipfile.ZipFile(full)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        yield WalkSkip(rel, f"not a readable zip archive ({exc})")
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > budget.limits.max_members:
            yield WalkSkip(
                rel,
                f"holds {len(members):,} members, more than the limit of "
                f"{budget.limits.max_members:,}; only the first ones were read",
            )
            members = members[: budget.limits.max_members]
        for info in sorted(members, key=lambda m: m.filename):
            yield from _read_member(archive, info, rel, budget)


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, rel: str, budget: _Budget
) -> Iterator[Entry]:
    name = info.filename
    member = f"{rel}!/{name}"
    problem = _unsafe_member(name)
    if problem:
        yield WalkSkip(member, f"refused: {problem}")
        return
    base = PurePosixPath(name).name
    if base in OS_METADATA or any(p in OS_METADATA for p in PurePosixPath(name).parts):
        yield WalkSkip(member, "operating-system metadata, not a log")
        return
    if info.flag_bits & 0x1:
        yield WalkSkip(member, "refused: encrypted member")
        return
    if stat.S_ISLNK(info.external_attr >> 16):
        yield WalkSkip(member, "refused: symbolic link member")
        return
    if base.lower().endswith(ARCHIVE_SUFFIXES):
        yield WalkSkip(member, "nested archive, not opened; extract it next to the others")
        return
    cap = min(budget.limits.max_member_bytes, budget.remaining)
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > cap:
                    yield WalkSkip(member, f"decompresses to more than {cap:,} bytes; not read")
                    return
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        yield WalkSkip(member, f"corrupt or unsupported member ({exc})")
        return
    budget.remaining -= size
    yield _checked(member, b"".join(parts))
