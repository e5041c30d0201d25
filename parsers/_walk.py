"""Walk a folder, a file, a .zip or a .gz and yield each file's relative path and bytes.

We are a reader, not an extractor (RELIABILITY section 4): archive members are
read in memory with caps on member count and decompressed bytes, enforced while
decompressing (never trusting a header's declared size). Nested archives are
listed, not opened. Symlinks are not followed. Everything not read is yielded
as a skip with its reason, so nothing vanishes.

The same content reachable twice (a folder and a zip of it, two copies of a
page file) is read once (RELIABILITY B52): a later copy is yielded as a skip
that names the first. Plain files are walked before archives, so the first
copy is the unpacked one and a folder analysed beside its zip reads as the
folder alone. Only files whose size another file shares can be copies, so
only those are hashed (BLAKE2b, while decompressing where possible): sizes
come from the folder listing, the zip central directories and the gzip size
trailers before anything is read, and hashing every byte of a multi-GB export
would cost about as much as parsing it at the target speed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from parsers._text import mostly_not_utf8

OS_METADATA: Final = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"})
# Archives inside archives are listed, not opened (42.zip-style nesting).
ARCHIVE_SUFFIXES: Final = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")
# Archives read in place; they are walked after plain files (see the module docstring).
_OPENED_SUFFIXES: Final = (".zip", ".gz")
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
    """A file to offer to the parsers.

    Attributes:
        file: path relative to the walked root (archive members as ``a.zip!/x``).
        data: the (decompressed) content.
        digest: hash of data, equal for the same content; None when no other
            file of the walk has this size, so none can be a copy.
        notes: note codes about the file as a whole, e.g. ``truncated_gzip``.
    """

    file: str
    data: bytes
    digest: bytes | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WalkSkip:
    """A file or member that is not read, and why (one sentence).

    Attributes:
        file: path relative to the walked root.
        reason: what is wrong and what to do about it.
        duplicate_of: for a copy of an earlier file, that file's path.
    """

    file: str
    reason: str
    duplicate_of: str | None = None


Entry = WalkedFile | WalkSkip


# Sizes are compared modulo 2**32, the range of a gzip size trailer.
_SIZE_MASK: Final = 0xFFFFFFFF


class _Budget:
    """Decompressed bytes still allowed in this run, and which sizes to hash."""

    def __init__(self, limits: Limits, shared_sizes: frozenset[int] = frozenset()) -> None:
        self.limits = limits
        self.remaining = limits.max_total_bytes
        self.shared_sizes = shared_sizes

    def hashes(self, size: int) -> bool:
        """Whether content of this size may have a copy in the walk, so needs a hash."""
        return size & _SIZE_MASK in self.shared_sizes


def walk(path: Path, limits: Limits | None = None) -> Iterator[Entry]:
    """Yield every file under path (recursively) as bytes, or as a skip with its reason.

    Paths are relative to path (a folder) or the file name (a single file), with
    forward slashes; archive members are named ``outer.zip!/inner/path``. The
    order is sorted by relative path, plain files before archives, so runs are
    reproducible. A file whose content was already yielded is yielded as a
    skip naming the first copy.

    Args:
        path: a folder, a file, a .zip or a .gz.
        limits: archive and size caps.

    Yields:
        WalkedFile or WalkSkip entries.
    """
    limits = limits or Limits()
    plan = _plan_dir(path, limits) if path.is_dir() else [(path.name, path)]
    sizes = Counter(size for _, item in plan if isinstance(item, Path) for size in _sizes(item))
    budget = _Budget(limits, frozenset(size for size, n in sizes.items() if n > 1))
    first_copy: dict[bytes, str] = {}
    for entry in _read_plan(plan, budget):
        if isinstance(entry, WalkedFile) and entry.digest is not None:
            first = first_copy.setdefault(entry.digest, entry.file)
            if first != entry.file:
                yield WalkSkip(
                    entry.file,
                    f"same content as {first}, so its records are counted once, from that "
                    "copy; remove one of the two if they should differ",
                    duplicate_of=first,
                )
                continue
        yield entry


def _read_plan(plan: list[tuple[str, Path | WalkSkip]], budget: _Budget) -> Iterator[Entry]:
    # NOTE: files are read one at a time as the caller consumes them; holding
    # every file's bytes before yielding the first cost a multi-GB export its size in RAM.
    for rel, item in plan:
        if isinstance(item, WalkSkip):
            yield item
        else:
            yield from _read_file(item, rel, budget)


def _sizes(full: Path) -> list[int]:
    """The content sizes a file will yield, as far as they are known before reading it.

    A gzip trailer holds the size of its last member only, so a concatenated
    .gz may be missed as a copy; anything unreadable here is found out, and
    reported, when it is read.
    """
    lower = full.name.lower()
    try:
        if lower.endswith(".zip"):
            with zipfile.ZipFile(full) as archive:
                return [m.file_size & _SIZE_MASK for m in archive.infolist() if not m.is_dir()]
        if lower.endswith(".gz"):
            with full.open("rb") as handle:
                handle.seek(-4, os.SEEK_END)
                return [int.from_bytes(handle.read(4), "little")]
        return [full.lstat().st_size & _SIZE_MASK]
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return []


def _plan_dir(root: Path, limits: Limits) -> list[tuple[str, Path | WalkSkip]]:
    """Every file to read and every folder skipped, in reading order."""
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
            elif depth + 1 > limits.max_depth:
                dirnames.remove(name)
                skipped.append(WalkSkip(rel + "/", "folder nested too deep, not read"))
        for name in filenames:
            rel = _join(rel_dir, name)
            if name.startswith("."):
                continue
            found.append((rel, here / name))
    plan: list[tuple[bool, str, Path | WalkSkip]] = [(False, s.file, s) for s in skipped]
    plan += [(rel.lower().endswith(_OPENED_SUFFIXES), rel, full) for rel, full in found]
    return [(rel, item) for _, rel, item in sorted(plan, key=lambda p: (p[0], p[1]))]


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
            yield _checked(rel, full.read_bytes(), budget)
    except OSError as exc:
        yield WalkSkip(rel, f"cannot be read ({exc.strerror or exc})")


def _checked(
    rel: str,
    data: bytes,
    budget: _Budget,
    digest: bytes | None = None,
    notes: tuple[str, ...] = (),
) -> Entry:
    """Skip what is not a text log; else the file, hashed here if no digest came while reading."""
    # NOTE: isspace() stops at the first other byte; strip() would copy the whole file.
    if not data or data.isspace():
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
    foreign = mostly_not_utf8(data)
    if foreign:
        invalid, lines = foreign
        # NOTE: RELIABILITY B21: hundreds of records full of U+FFFD would read as
        # data; one clear file error is what the user can act on.
        return WalkSkip(
            rel,
            f"not UTF-8 text ({invalid:,} of its first {lines:,} lines hold invalid bytes, "
            "likely a Windows-1252 or Latin-1 export), not read; re-save it with UTF-8 "
            "encoding and run again",
        )
    if digest is None and budget.hashes(len(data)):
        # NOTE: the size known before reading was wrong (a concatenated .gz's trailer
        # holds its last member's size); the bytes are in memory, so this is one more
        # pass over RAM, not a second read.
        digest = hashlib.blake2b(data, digest_size=32).digest()
    return WalkedFile(rel, data, digest, notes)


def _looks_like_bomless_utf16(head: bytes) -> bool:
    """Whether head is ASCII-range text stored as UTF-16 LE or BE without a BOM."""
    even, odd = head[0::2], head[1::2]
    for zeros, text in ((odd, even), (even, odd)):
        if len(zeros) >= 2 and zeros.count(0) == len(zeros) and 0 not in text:
            return text.isascii()
    return False


def _read_gzip(raw: bytes, rel: str, budget: _Budget) -> Iterator[Entry]:
    decomp = zlib.decompressobj(wbits=31)
    # The size trailer: right for the usual single-member file; _checked covers the rest.
    trailer = int.from_bytes(raw[-4:], "little")
    hasher = hashlib.blake2b(digest_size=32) if budget.hashes(trailer) else None
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
                if hasher is not None:
                    hasher.update(chunk)
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
    notes: tuple[str, ...] = ()
    if not decomp.eof:
        if not size:
            yield WalkSkip(
                rel,
                "gzip file is truncated before its first line (no end-of-stream marker); "
                "copy or download it again",
            )
            return
        # NOTE: RELIABILITY B61: keep what was decoded before the cut; the reader
        # rejects the record the cut went through, and the note says the end is missing.
        notes = ("truncated_gzip",)
    digest = hasher.digest() if hasher is not None else None
    yield _checked(rel, b"".join(parts), budget, digest, notes)


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
    if base.lower() in NOT_LOGS:
        yield WalkSkip(member, "documentation or configuration, not a log")
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
    hasher = hashlib.blake2b(digest_size=32) if budget.hashes(info.file_size) else None
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
                if hasher is not None:
                    hasher.update(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        yield WalkSkip(member, f"corrupt or unsupported member ({exc})")
        return
    budget.remaining -= size
    digest = hasher.digest() if hasher is not None else None
    yield _checked(member, b"".join(parts), budget, digest)
