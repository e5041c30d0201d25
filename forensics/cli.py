"""Command line: the only place that prints or picks exit codes (SPEC section 7).

Exit codes: 0 done (nothing at or above --fail-on), 1 findings at or above
--fail-on, 2 usage error or nothing readable, 3 an internal error (our bug).
Errors are one sentence on stderr, never a traceback.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import click

from forensics import __version__
from forensics.analysis import analyze
from forensics.baseline import Comparison, compare, read_findings
from forensics.config import load_config
from forensics.document import dumps
from forensics.errors import ForensicsError, ImplementationError
from forensics.findings import AnalysisResult, Severity, iso
from forensics.trace import load_trace, render_trace
from parsers import PARSERS

FAIL_ON: Final = ("critical", "high", "medium", "low", "never")
EXIT_FINDINGS: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERNAL: Final = 3
_TOP: Final = 10
# C0/C1 controls (ANSI escapes start with ESC) and bidi/zero-width characters must
# not reach a terminal: a log line could otherwise rewrite or reorder the screen.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c]"
)


class _Failure(click.ClickException):
    """A one-sentence error with an explicit exit code (ClickException alone exits 1)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"forensics: error: {self.format_message()}", err=True)


def _safe(text: object) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="forensics")
def main() -> None:
    """Find why inventory counts drift, from exported middleware logs.

    \b
    Example:
      forensics analyze ./exported-logs --html report.html --json findings.json
    """


@main.command("analyze")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--html", "html_out", type=click.Path(path_type=Path), help="Write the HTML report.")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write findings.json.")
@click.option("--md", "md_out", type=click.Path(path_type=Path), help="Write a Markdown summary.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Configuration file (default: forensics.toml in the analysed folder).",
)
@click.option("--tz", default="UTC", show_default=True, help="Zone of naive timestamps.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON, case_sensitive=False),
    default="never",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity (for CI).",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="An earlier findings.json: mark findings new or unchanged and list resolved ones.",
)
@click.option("--no-redact", is_flag=True, help="Show secrets found in logs (not recommended).")
def analyze_command(
    path: Path,
    html_out: Path | None,
    json_out: Path | None,
    md_out: Path | None,
    config_path: Path | None,
    tz: str,
    fail_on: str,
    baseline: Path | None,
    no_redact: bool,
) -> None:
    """Analyse PATH (a folder, a file or a .zip) and report sync problems.

    \b
    Examples:
      forensics analyze ./exported-logs --html report.html --json findings.json
      forensics analyze logs.zip --tz Europe/Berlin --fail-on high
    """
    progress = _progress() if sys.stderr.isatty() else None
    try:
        config = load_config(path, config_path, tz=tz)
        result = analyze(
            path,
            config,
            redact=not no_redact,
            generated_at=_generated_at(),
            progress=progress,
            baseline=baseline,
        )
        written = _write_outputs(result, html_out, json_out, md_out, root=path)
    except ForensicsError as exc:
        raise _Failure(str(exc), EXIT_USAGE) from None
    except ImplementationError as exc:
        raise _Failure(f"internal error, please report it: {exc}", EXIT_INTERNAL) from None
    if progress:
        click.echo("", err=True)
    click.echo(render_summary(result, path, written))
    worst = result.worst()
    if fail_on.lower() != "never" and worst is not None and worst >= Severity.parse(fail_on):
        sys.exit(EXIT_FINDINGS)


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--fail-on-new", is_flag=True, help="Exit 1 when any finding is new (for CI).")
def diff_command(old: Path, new: Path, as_json: bool, fail_on_new: bool) -> None:
    """Compare two findings.json files: new, resolved and unchanged findings.

    \b
    Example:
      forensics diff before/findings.json after/findings.json --fail-on-new
    """
    try:
        comparison = compare(read_findings(old), read_findings(new))
    except ForensicsError as exc:
        raise _Failure(str(exc), EXIT_USAGE) from None
    if as_json:
        document = {
            "old": old.name,
            "new": new.name,
            "counts": {
                "new": len(comparison.new),
                "resolved": len(comparison.resolved),
                "unchanged": len(comparison.unchanged),
            },
            "new_findings": list(comparison.new),
            "resolved_findings": list(comparison.resolved),
            "unchanged_findings": list(comparison.unchanged),
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False))
    else:
        click.echo(render_diff(comparison, old, new))
    if fail_on_new and comparison.new:
        sys.exit(EXIT_FINDINGS)


def render_diff(comparison: Comparison, old: Path, new: Path) -> str:
    """Return the text comparison of two findings files."""
    lines = [
        f"{_safe(old)} -> {_safe(new)}: {len(comparison.new)} new, "
        f"{len(comparison.resolved)} resolved, {len(comparison.unchanged)} unchanged"
    ]
    for label, findings in (
        ("NEW", comparison.new),
        ("RESOLVED", comparison.resolved),
        ("UNCHANGED", comparison.unchanged),
    ):
        for f in findings:
            lines.append(
                f"  {label:<9} {str(f.get('severity', '?')).upper():<8} {f.get('code', '?')}  "
                f"{_safe(f.get('title', ''))}  [{f['id']}]"
            )
    if comparison.new:
        lines.append("Next: read the new findings in the new report; they were not in the old run.")
    elif comparison.resolved:
        lines.append("No new findings; the resolved ones no longer appear in the new run.")
    return "\n".join(lines)


@main.command("trace")
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("sku")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Configuration file (default: forensics.toml in the analysed folder).",
)
@click.option("--tz", default="UTC", show_default=True, help="Zone of naive timestamps.")
def trace_command(path: Path, sku: str, config_path: Path | None, tz: str) -> None:
    """Print the end-to-end timeline of one SKU (or SKU@LOCATION) across flows.

    \b
    Example:
      forensics trace ./exported-logs SKU-1009@STORE-BK
    """
    try:
        trace = load_trace(path, load_config(path, config_path, tz=tz), sku)
    except ForensicsError as exc:
        raise _Failure(str(exc), EXIT_USAGE) from None
    except ImplementationError as exc:
        raise _Failure(f"internal error, please report it: {exc}", EXIT_INTERNAL) from None
    if not trace.steps:
        raise _Failure(trace.missing_message(), EXIT_USAGE)
    click.echo(render_trace(trace))


@main.command("formats")
def formats_command() -> None:
    """List the export formats recognised, and how each is recognised."""
    click.echo("Formats recognised by content (file names do not matter):")
    for parser in PARSERS:
        click.echo(f"  {parser.id:<24} {parser.source:<8} {parser.description}")


def _progress() -> Callable[[str], None]:
    def show(name: str) -> None:
        click.echo(f"\rreading {_safe(name)[:70]:<70}", err=True, nl=False)

    return show


def _generated_at() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise _Failure(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds; unset or fix it.",
                EXIT_USAGE,
            ) from None
    return datetime.now(UTC)


def _write_outputs(
    result: AnalysisResult,
    html_out: Path | None,
    json_out: Path | None,
    md_out: Path | None,
    *,
    root: Path,
) -> list[tuple[str, Path]]:
    with _cyclic_gc_paused():
        return _render_outputs(result, html_out, json_out, md_out, root=root)


def _render_outputs(
    result: AnalysisResult,
    html_out: Path | None,
    json_out: Path | None,
    md_out: Path | None,
    *,
    root: Path,
) -> list[tuple[str, Path]]:
    # NOTE: reports is imported here, not at module level, so `forensics formats`
    # and `--help` stay fast and the engine never depends on templates.
    from reports import HTML_FULL_PER_CODE, render_html, render_markdown
    from reports.evidence import attach_excerpts

    # Excerpts of cited lines (re-read, redacted, clipped) are for the reports
    # only; findings.json cites file:line and stays independent of --html/--md.
    # NOTE: the HTML report shows the evidence of HTML_FULL_PER_CODE findings per
    # severity and code; the Markdown report shows every finding's.
    per_code = None if md_out else HTML_FULL_PER_CODE
    report = attach_excerpts(result, root, per_code=per_code) if html_out or md_out else result

    outputs: list[tuple[str, Path, Callable[[AnalysisResult], str]]] = []
    if html_out:
        outputs.append(("Report", html_out, render_html))
    if json_out:
        outputs.append(("Findings", json_out, dumps))
    if md_out:
        outputs.append(("Ticket summary", md_out, render_markdown))
    written = []
    for label, target, render in outputs:
        text = render(result if render is dumps else report)
        try:
            target.write_text(text, encoding="utf-8", newline="\n")
        except OSError as exc:
            raise ForensicsError(
                f"{target}: cannot write the {label.lower()} ({exc.strerror or exc}); "
                "choose a writable path."
            ) from exc
        written.append((label, target))
    return written


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its previous state on the way out.

    Rendering allocates a few hundred thousand short-lived containers (the
    findings' JSON objects, the report's rows) that reference counting frees;
    each time their count crosses a threshold the collector would walk them,
    and now and then the whole heap, finding nothing: ~0.07 s at 1M deliveries.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_summary(result: AnalysisResult, path: Path, written: list[tuple[str, Path]]) -> str:
    """Return the one-screen summary printed to stdout."""
    s = result.summary
    lines = [f"middleware-forensics {result.tool_version}: {_safe(path.name or path)}"]
    lines.append(
        f"  {s['files']} file(s) read, {s['skipped_files']} skipped; "
        f"{s['records']:,} records, {s['rejected']:,} rejected; "
        f"{s['events']:,} events on {s['flows']} flow(s), {s['skus']} SKU(s)"
    )
    if s["start"]:
        lines.append(
            f"  window {s['start']} -> {s['end']} (naive times read as {result.config['tz']})"
        )
    drift = s.get("drift") or {}
    if drift.get("verdict") == "not evaluated":
        lines.append("  drift: not evaluated (no flow carries the source of truth)")
    elif drift.get("verdict"):
        lines.append(
            f"  Verdict: {drift['verdict']}: {drift['drifting_entities']} of "
            f"{drift['evaluated_entities']} entities ({drift['share']:.0%}) disagree with "
            f"{str(drift['source_of_truth']).upper()} at the end of the log"
        )
    lines.append("")
    counts = s["findings_by_severity"]
    found = [f"{n} {label}" for label, n in counts.items() if n]
    lines.append(f"Findings: {', '.join(found)}" if found else "Findings: none")
    for finding in result.findings[:_TOP]:
        effect = finding.metrics.get("quantity_effect")
        effect_text = f" (effect {effect:+g})" if isinstance(effect, int | float) else ""
        lines.append(
            f"  {finding.severity.label.upper():<8} {finding.code}  {_safe(finding.title)}"
            f"{effect_text}"
        )
        window = f"{iso(finding.start)} -> {iso(finding.end)}" if finding.start else "no window"
        if finding.metrics.get("repaired") is False:
            window = f"since {iso(finding.start)}, still wrong at the end of the log"
        lines.append(f"  {'':<8} {'':<6}  flow {_safe(finding.flow)}, {window}")
    if len(result.findings) > _TOP:
        lines.append(f"  ... and {len(result.findings) - _TOP} more in the report")
    for error in result.errors:
        lines.append(f"  WARNING: {_safe(error)}")
    if result.baseline is not None:
        marks = result.baseline
        lines.append(
            f"  compared with {_safe(marks.file)}: {marks.count('new')} new, "
            f"{marks.count('unchanged')} unchanged, {len(marks.resolved)} resolved"
        )
    if s["rejected"] or s["skipped_files"]:
        reasons: dict[str, int] = {}
        for item in result.inputs:
            for reason, n in item.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
        detail = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
        lines.append("")
        lines.append(
            f"Data quality: {s['rejected']} record(s) rejected"
            f"{f' ({detail})' if detail else ''}, {s['skipped_files']} file(s) skipped; "
            "see the data-quality section of the report."
        )
    lines.append("")
    for label, target in written:
        lines.append(f"{label}: {_safe(target)}")
    if not written:
        lines.append("Next: add --html report.html --json findings.json to keep the results.")
    elif result.findings:
        lines.append(
            "Next: open the report and start with the first finding under 'What to fix first'."
        )
    return "\n".join(lines)
