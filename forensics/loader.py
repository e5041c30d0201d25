"""Load an export folder into the canonical event and mappings tables.

Walks the path, gives each file to the parser whose sniffer is surest, checks
every reader's accounting (rows + absorbed + rejected == records seen), runs
each format's cross-file finalize step, and numbers the events. A parser that
crashes on one file costs that file, never the run: it is listed as skipped
with the error, the one broad catch besides per-detector isolation.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forensics.config import Config
from forensics.errors import AccountingError, UnreadableInputError
from forensics.findings import MAX_REJECTIONS_LISTED, InputFile, Skipped
from forensics.redact import Redactor
from forensics.schema import (
    EVENT_SCHEMA,
    MAPPING_SCHEMA,
    NOTE_CODES,
    ROWED_EVENT_SCHEMA,
    Rejection,
    conform,
)
from parsers import Fact, ParseContext, Parser, ParseResult, by_id, detect
from parsers._base import in_file_order
from parsers._walk import Entry, Limits, WalkSkip, walk

_KEY = ["file", "record"]
# Files parsed at once: two keep both cores busy (bench/RESULTS.md) while only two
# files' bytes and intermediate frames are held.
_READERS = 2


@dataclass(frozen=True, slots=True)
class Loaded:
    """The canonical tables of one export, with per-file accounting."""

    events: pl.DataFrame
    mappings: pl.DataFrame
    inputs: tuple[InputFile, ...]
    skipped: tuple[Skipped, ...]
    facts: tuple[Fact, ...] = ()


@dataclass(slots=True)
class _FileRead:
    file: str
    parser: Parser
    result: ParseResult


def load(
    path: Path,
    config: Config,
    *,
    redactor: Redactor,
    limits: Limits | None = None,
    progress: Callable[[str], None] | None = None,
) -> Loaded:
    """Read every file under path into canonical tables.

    Args:
        path: a folder, a file, a .zip or a .gz.
        config: the effective configuration (payload keys, time zone).
        redactor: applied to rejection excerpts and details before they are kept.
        limits: archive and size caps for the walker.
        progress: called with each file name as it is read.

    Returns:
        Events numbered by ``row`` in (file, record) order, mappings citing them,
        and the inputs and skipped files.

    Raises:
        UnreadableInputError: the path does not exist or cannot be read.
        AccountingError: a reader lost records, or returned a note code outside
            ``NOTE_CODES`` (our bug).
    """
    if not path.exists():
        raise UnreadableInputError(f"{path}: no such file or folder; check the path and retry.")
    payload = {f.name: getattr(config.payload, f.name) for f in dataclasses.fields(config.payload)}
    reads: list[_FileRead] = []
    skipped: list[Skipped] = []
    # Notes on whole files that no reader raises: the walker's (truncated_gzip), and
    # duplicate_file on the first copy, once per later copy skipped as the same content.
    file_notes: dict[str, Counter[str]] = defaultdict(Counter)
    # NOTE: walk() is consumed lazily so each file's bytes are dropped once read;
    # holding every file of a multi-GB export at once doubled peak memory. Up to
    # _READERS files are parsed at once: a reader's single-threaded stretches
    # (framing, Python fallbacks) then overlap another file's Polars work.
    with ThreadPoolExecutor(max_workers=_READERS) as pool:
        pending: deque[tuple[str, Parser, Future[ParseResult]]] = deque()
        for entry in _entries(path, limits):
            if isinstance(entry, WalkSkip):
                skipped.append(Skipped(entry.file, entry.reason))
                if entry.duplicate_of is not None:
                    file_notes[entry.duplicate_of]["duplicate_file"] += 1
                continue
            if entry.notes:
                file_notes[entry.file].update(entry.notes)
            if progress:
                progress(entry.file)
            parser = detect(entry.data, entry.file)
            if parser is None:
                skipped.append(
                    Skipped(
                        entry.file, "no known export format recognised; run `forensics formats`"
                    )
                )
                continue
            ctx = ParseContext(file=entry.file, tz=config.zone, payload=payload)
            pending.append((entry.file, parser, pool.submit(parser.read, entry.data, ctx)))
            del entry
            while len(pending) >= _READERS:
                _collect(*pending.popleft(), reads, skipped)
        while pending:
            _collect(*pending.popleft(), reads, skipped)
    facts = tuple(
        sorted((f for r in reads for f in r.result.facts), key=lambda f: (f.file, f.line))
    )
    combined = _combine(reads, facts)
    # NOTE: the walker reads plain files before archives; inputs stay in path order.
    inputs = tuple(
        sorted(
            (
                _input_file(r, redactor, combined.notes.get(r.file), file_notes.get(r.file))
                for r in reads
            ),
            key=lambda i: i.file,
        )
    )
    ordered_skips = tuple(sorted(skipped, key=lambda s: s.file))
    return Loaded(combined.events, combined.mappings, inputs, ordered_skips, facts)


def _collect(
    file: str,
    parser: Parser,
    future: Future[ParseResult],
    reads: list[_FileRead],
    skipped: list[Skipped],
) -> None:
    """Wait for one file's reader; keep its result, or list the file as skipped."""
    try:
        result = future.result()
    except Exception as exc:
        skipped.append(
            Skipped(
                file,
                f"the {parser.id} reader failed ({type(exc).__name__}: {exc}); "
                "please report this file",
            )
        )
        return
    _check_accounting(file, parser.id, result)
    reads.append(_FileRead(file, parser, result))


def _entries(path: Path, limits: Limits | None) -> Iterator[Entry]:
    try:
        yield from walk(path, limits)
    except OSError as exc:
        raise UnreadableInputError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc


def _check_accounting(file: str, parser_id: str, result: ParseResult) -> None:
    rows = result.events.height
    if rows + result.absorbed + len(result.rejections) != result.records_seen:
        raise AccountingError(
            f"{file}: the {parser_id} reader saw {result.records_seen} records but returned "
            f"{rows} rows, {result.absorbed} absorbed and {len(result.rejections)} rejected."
        )


def _check_notes(file: str, parser_id: str, notes: Counter[str]) -> None:
    # Note codes are a closed set like rejection reasons: an unknown one is our bug,
    # and reporting it would show a code with no meaning.
    unknown = sorted(code for code in notes if code not in NOTE_CODES)
    if unknown:
        raise AccountingError(
            f"{file}: reading it as {parser_id} raised note code(s) {', '.join(unknown)} "
            "that are not in forensics.schema.NOTE_CODES."
        )


@dataclass(slots=True)
class _Combined:
    events: pl.DataFrame
    mappings: pl.DataFrame
    # Per file: notes raised by finalize (a ``_note`` helper column), including
    # rows it merged into others (page duplicates, Boomi runs carried by documents).
    notes: dict[str, Counter[str]]


def _combine(reads: list[_FileRead], facts: tuple[Fact, ...]) -> _Combined:
    by_format: dict[str, list[_FileRead]] = defaultdict(list)
    for r in reads:
        by_format[r.parser.id].append(r)
    frames: list[pl.DataFrame] = []
    mapping_frames: list[pl.DataFrame] = []
    notes: dict[str, Counter[str]] = defaultdict(Counter)
    for format_id in sorted(by_format):
        group = by_format[format_id]
        parsed = [r.result.events for r in group if r.result.events.height]
        if not parsed:
            continue
        # NOTE: readers return their rows in record order and the walk is nearly in
        # path order, so ordering whole files first usually leaves nothing to sort.
        parsed.sort(key=lambda frame: frame.get_column("file")[0])
        combined = in_file_order(pl.concat(parsed, how="diagonal_relaxed"))
        finalized = by_id(format_id).finalize(combined, facts)
        if "_note" in finalized.columns:
            counted = finalized.drop_nulls("_note").group_by("file", "_note").len()
            for file, note, n in counted.iter_rows():
                notes[file][note] += n
        frames.append(conform(finalized, EVENT_SCHEMA, what=f"the {format_id} parser"))
        for r in group:
            # NOTE: mappings cite rows of their own file; re-key them by (file, record)
            # so they survive finalize dropping or reordering rows.
            local = r.result.events.select(_KEY).with_row_index("row")
            mapping_frames.append(r.result.mappings.join(local, on="row", how="inner").drop("row"))
    if not frames:
        return _Combined(
            pl.DataFrame(schema=ROWED_EVENT_SCHEMA), pl.DataFrame(schema=MAPPING_SCHEMA), {}
        )
    events = (
        in_file_order(pl.concat(frames))
        .with_row_index("row")
        .pipe(conform, ROWED_EVENT_SCHEMA, what="the loader")
    )
    mappings = pl.concat(mapping_frames, how="diagonal_relaxed") if mapping_frames else None
    if mappings is None or mappings.is_empty():
        mappings_out = pl.DataFrame(schema=MAPPING_SCHEMA)
    else:
        # The event's flow wins: finalize may name a flow its file could not
        # (a Boomi document learns its process name from the execution record).
        mappings_out = conform(
            mappings.drop("flow").join(events.select("row", "flow", *_KEY), on=_KEY, how="inner"),
            MAPPING_SCHEMA,
            what="the loader",
        )
    rows_per_file = dict(events.group_by("file").len().iter_rows())
    for r in reads:
        merged = r.result.events.height - rows_per_file.get(r.file, 0)
        if merged > 0:
            notes[r.file]["merged_into_other_rows"] += merged
    return _Combined(events, mappings_out, dict(notes))


def _input_file(read: _FileRead, redactor: Redactor, *later: Counter[str] | None) -> InputFile:
    result = read.result
    notes = Counter(result.notes)
    for more in later:
        notes.update(more or {})
    _check_notes(read.file, read.parser.id, notes)
    ordered = sorted(result.rejections, key=lambda r: (r.line, r.record or 0))
    listed = tuple(_redacted(r, redactor) for r in ordered[:MAX_REJECTIONS_LISTED])
    return InputFile(
        file=read.file,
        format=read.parser.id,
        records=result.records_seen,
        rejected=len(result.rejections),
        rejections=listed,
        notes=dict(sorted(notes.items())),
        reasons=dict(sorted(Counter(r.reason for r in result.rejections).items())),
    )


def _redacted(rejection: Rejection, redactor: Redactor) -> Rejection:
    return dataclasses.replace(
        rejection,
        excerpt=redactor.text(rejection.excerpt),
        detail=redactor.text(rejection.detail),
    )
