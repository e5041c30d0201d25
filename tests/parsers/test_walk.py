"""The walker: folders, archives read in place, caps, and skips with reasons."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from parsers._walk import Limits, WalkedFile, WalkSkip, walk


def entries(path: Path, limits: Limits | None = None) -> dict[str, str | bytes]:
    """Map each walked name to its bytes, or to 'skip: <reason>'."""
    out: dict[str, str | bytes] = {}
    for entry in walk(path, limits):
        out[entry.file] = entry.data if isinstance(entry, WalkedFile) else f"skip: {entry.reason}"
    return out


def test_folder_is_walked_recursively_in_sorted_order_with_posix_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.ndjson").write_bytes(b"{}\n")
    (tmp_path / "a.ndjson").write_bytes(b"{}\n")
    assert list(entries(tmp_path)) == ["a.ndjson", "b/z.ndjson"]


def test_single_file_is_named_by_its_file_name(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "logs.ndjson"
    target.parent.mkdir()
    target.write_bytes(b'{"a": 1}\n')
    assert entries(target) == {"logs.ndjson": b'{"a": 1}\n'}


def test_empty_binary_and_metadata_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "blank.json").write_bytes(b"\n  \n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "Thumbs.db").write_bytes(b"\x00\x01")
    (tmp_path / "README.md").write_text("notes")
    found = entries(tmp_path)
    assert found["empty.json"] == "skip: empty file"
    assert found["blank.json"] == "skip: only whitespace, no records"
    assert found["image.png"] == "skip: binary file, not a text log"
    assert found["README.md"] == "skip: documentation or configuration, not a log"
    assert found["Thumbs.db"] == "skip: operating-system metadata, not a log"


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("password=hunter2")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.ndjson").symlink_to(outside)
    (root / "loop").symlink_to(tmp_path)
    found = entries(root)
    assert found["link.ndjson"] == "skip: symbolic link, not followed"
    assert found["loop/"] == "skip: symbolic link, not followed"


def test_zip_members_are_read_in_place_and_named_with_a_bang(tmp_path: Path) -> None:
    archive = tmp_path / "exports.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("make/logs.json", b'{"x": 1}')
        z.writestr("../evil.json", b"{}")
        z.writestr("inner.zip", b"PK")
        z.writestr("__MACOSX/._logs.json", b"\x00")
    found = entries(archive)
    assert found["exports.zip!/make/logs.json"] == b'{"x": 1}'
    assert found["exports.zip!/../evil.json"] == (
        "skip: refused: member path escapes the archive (..)"
    )
    assert str(found["exports.zip!/inner.zip"]).startswith("skip: nested archive")
    assert str(found["exports.zip!/__MACOSX/._logs.json"]).startswith("skip: operating-system")
    assert not (tmp_path / "make").exists()  # nothing extracted


def test_zip_member_over_the_size_cap_is_skipped_while_decompressing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.ndjson", b"{}\n" * 400_000)
        z.writestr("small.ndjson", b"{}\n")
    found = entries(archive, Limits(max_member_bytes=100_000))
    assert str(found["bomb.zip!/big.ndjson"]).startswith("skip: decompresses to more than")
    assert found["bomb.zip!/small.ndjson"] == b"{}\n"


def test_zip_member_count_cap_reads_the_first_members_and_says_so(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(5):
            z.writestr(f"m{i}.ndjson", b"{}\n")
    found = entries(archive, Limits(max_members=2))
    assert str(found["many.zip"]).startswith("skip: holds 5 members, more than the limit of 2")
    members = [k for k in found if k.startswith("many.zip!/")]
    assert members == ["many.zip!/m0.ndjson", "many.zip!/m1.ndjson"]


def test_total_decompressed_budget_spans_archives(tmp_path: Path) -> None:
    for name in ("a.zip", "b.zip"):
        with zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("x.ndjson", b"{}\n" * 20_000)
    found = entries(tmp_path, Limits(max_total_bytes=80_000))
    assert found["a.zip!/x.ndjson"] == b"{}\n" * 20_000
    assert str(found["b.zip!/x.ndjson"]).startswith("skip: decompresses to more than")


def test_corrupt_zip_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    assert str(entries(tmp_path)["broken.zip"]).startswith("skip: not a readable zip archive")


def test_gzip_is_read_in_place_including_concatenated_members(tmp_path: Path) -> None:
    data = gzip.compress(b'{"a": 1}\n') + gzip.compress(b'{"a": 2}\n')
    (tmp_path / "logs.ndjson.gz").write_bytes(data)
    assert entries(tmp_path)["logs.ndjson.gz"] == b'{"a": 1}\n{"a": 2}\n'


def test_truncated_gzip_yields_what_was_decoded_with_a_note(tmp_path: Path) -> None:
    whole = gzip.compress(b"".join(b'{"a": %d}\n' % i for i in range(1000)))
    (tmp_path / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "fake.ndjson.gz").write_bytes(b"not gzip at all")
    (tmp_path / "header.ndjson.gz").write_bytes(whole[:10])
    found = {e.file: e for e in walk(tmp_path)}
    cut = found["cut.ndjson.gz"]
    assert isinstance(cut, WalkedFile) and cut.notes == ("truncated_gzip",)
    assert cut.data and b"".join(b'{"a": %d}\n' % i for i in range(1000)).startswith(cut.data)
    assert found["fake.ndjson.gz"] == WalkSkip("fake.ndjson.gz", "not a valid gzip file")
    header = found["header.ndjson.gz"]
    assert isinstance(header, WalkSkip) and header.reason.startswith(
        "gzip file is truncated before its first line"
    )


def test_plain_files_are_read_before_archives_and_copies_name_the_first(tmp_path: Path) -> None:
    data = b'{"a": 1}\n'
    with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.ndjson", data)
        z.writestr("y.ndjson", b'{"a": 2}\n')
    (tmp_path / "b.ndjson.gz").write_bytes(gzip.compress(data))
    (tmp_path / "c.ndjson").write_bytes(data)
    (tmp_path / "d.ndjson").write_bytes(b'{"a": 10}\n')
    walked = list(walk(tmp_path))
    assert [e.file for e in walked] == [
        "c.ndjson",
        "d.ndjson",
        "a.zip!/x.ndjson",
        "a.zip!/y.ndjson",
        "b.ndjson.gz",
    ]
    first, unique, copy_in_zip, other, copy_in_gz = walked
    assert isinstance(first, WalkedFile) and isinstance(other, WalkedFile)
    assert first.digest is not None and other.digest is not None
    assert first.digest != other.digest
    # No other file has its size, so it cannot be a copy and is not hashed.
    assert isinstance(unique, WalkedFile) and unique.digest is None
    for copy in (copy_in_zip, copy_in_gz):
        assert isinstance(copy, WalkSkip) and copy.duplicate_of == "c.ndjson"
        assert copy.reason.startswith("same content as c.ndjson")


def test_a_gzip_whose_size_trailer_misleads_is_hashed_once_its_real_size_is_known(
    tmp_path: Path,
) -> None:
    content = b'{"a": 1}\n{"b": 22}\n'
    # Two members: the trailer holds the second one's size, not the content's.
    (tmp_path / "a.ndjson.gz").write_bytes(gzip.compress(content[:9]) + gzip.compress(content[9:]))
    (tmp_path / "c.ndjson").write_bytes(content)
    (tmp_path / "d.ndjson").write_bytes(b'{"a": 2}\n{"b": 33}\n')  # same size, other content
    found = {e.file: e for e in walk(tmp_path)}
    assert isinstance(found["d.ndjson"], WalkedFile)
    copy = found["a.ndjson.gz"]
    assert isinstance(copy, WalkSkip) and copy.duplicate_of == "c.ndjson"


def test_files_are_read_one_at_a_time_as_they_are_consumed(tmp_path: Path) -> None:
    (tmp_path / "a.ndjson").write_bytes(b'{"a": 1}\n')
    (tmp_path / "b.ndjson").write_bytes(b'{"b": 1}\n')
    walked = walk(tmp_path)
    assert next(walked).file == "a.ndjson"
    # A walker that read every file before yielding the first would still hold b's bytes.
    (tmp_path / "b.ndjson").unlink()
    rest = list(walked)
    assert len(rest) == 1 and isinstance(rest[0], WalkSkip)
    assert rest[0].reason.startswith("cannot be read")


def test_mostly_non_utf8_file_is_skipped_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "latin.ndjson").write_bytes('{"sku": "café"}\n'.encode("cp1252") * 3)
    with zipfile.ZipFile(tmp_path / "docs.zip", "w") as z:
        z.writestr("README.md", b"# notes")
    found = entries(tmp_path)
    assert str(found["latin.ndjson"]).startswith("skip: not UTF-8 text (3 of its first 3 lines")
    assert str(found["latin.ndjson"]).endswith("re-save it with UTF-8 encoding and run again")
    assert found["docs.zip!/README.md"] == "skip: documentation or configuration, not a log"


def test_gzip_over_the_cap_is_skipped(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as handle:
        handle.write(b"0" * 500_000)
    (tmp_path / "bomb.gz").write_bytes(buffer.getvalue())
    found = entries(tmp_path, Limits(max_member_bytes=10_000))
    assert str(found["bomb.gz"]).startswith("skip: decompresses to more than 10,000 bytes")


def test_walk_yields_skips_as_walkskip(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    (only,) = list(walk(tmp_path))
    assert isinstance(only, WalkSkip)
