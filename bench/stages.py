"""Time each stage of one `forensics analyze` run: read, combine, every detector, outputs.

    .venv/bin/python bench/stages.py /tmp/forensics-bench/1000000

Prints one line per stage with wall and CPU seconds, so RESULTS.md can say
where the time goes without a profiler's overhead. The stages are the ones
`forensics.analysis.analyze` and the CLI run, called in the same order.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from forensics import loader
from forensics.analysis import detect_context
from forensics.attribution import attribute
from forensics.config import load_config
from forensics.detectors import DETECTORS
from forensics.document import dumps
from forensics.engine import run_detectors
from forensics.findings import AnalysisResult, sort_findings
from forensics.redact import Redactor
from forensics.series import timeline_series
from forensics.summary import summarize

ROWS: list[tuple[str, float, float]] = []


@contextmanager
def stage(name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    ROWS.append((name, time.perf_counter() - wall, time.process_time() - cpu))


def timed_reads() -> Callable[[], None]:
    """Wrap every parser's read() so the read time is summed per format."""
    from parsers import PARSERS

    totals: dict[str, list[float]] = {}
    originals: list[tuple[Any, Any]] = []
    for parser in PARSERS:
        original = parser.read

        def read(data: bytes, ctx: Any, _orig: Any = original, _id: str = parser.id) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _orig(data, ctx)
            finally:
                slot = totals.setdefault(_id, [0.0, 0.0])
                slot[0] += time.perf_counter() - wall
                slot[1] += time.process_time() - cpu

        originals.append((parser, original))
        parser.read = read  # type: ignore[method-assign]

    def report() -> None:
        for parser, original in originals:
            parser.read = original  # type: ignore[method-assign]
        for name, (wall, cpu) in sorted(totals.items()):
            ROWS.append((f"  read {name}", wall, cpu))

    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    config = load_config(args.path)
    redactor = Redactor(enabled=True)
    report_reads = timed_reads()
    with stage("load (walk + read + combine)"):
        loaded = loader.load(args.path, config, redactor=redactor)
    report_reads()
    events = loaded.events
    ctx = detect_context(config, loaded)
    findings = []
    for detector in DETECTORS:
        with stage(f"detect {detector.name}"):
            found, errors = run_detectors(events, ctx, [detector])
        findings += found
        if errors:
            print(errors, file=sys.stderr)
    # The CLI runs the detectors together, two at a time (forensics.engine); a
    # fresh context so nothing is shared with the runs above. Not in the total.
    with stage("  all detectors together, as the CLI runs them"):
        run_detectors(events, detect_context(config, loaded))
    with stage("attribute"):
        findings, drift = attribute(events, ctx, findings)
    ordered = sort_findings(findings)
    with stage("summarize + timelines"):
        result = AnalysisResult(
            tool_version="bench",
            config=config.to_json(),
            inputs=loaded.inputs,
            skipped=loaded.skipped,
            summary=summarize(events, ordered, loaded.inputs, loaded.skipped, drift, ctx),
            findings=tuple(ordered),
            errors=(),
            redaction={"enabled": True, "counts": dict(redactor.counts)},
            generated_at=None,
            baseline=None,
            timelines=timeline_series(events, ctx=ctx),
        )
    from reports import HTML_FULL_PER_CODE, render_html
    from reports.evidence import attach_excerpts

    with stage("excerpts"):
        report = attach_excerpts(result, args.path, per_code=HTML_FULL_PER_CODE)
    with tempfile.TemporaryDirectory() as tmp:
        with stage("html"):
            Path(tmp, "r.html").write_text(render_html(report), encoding="utf-8")
        with stage("json"):
            Path(tmp, "f.json").write_text(dumps(result), encoding="utf-8")
    total_wall = sum(w for n, w, _ in ROWS if not n.startswith("  "))
    total_cpu = sum(c for n, _, c in ROWS if not n.startswith("  "))
    print(f"{events.height:,} events, {len(ordered):,} findings, Polars {pl.__version__}")
    print(f"{'stage':<40} {'wall s':>8} {'cpu s':>8}")
    for name, wall, cpu in ROWS:
        print(f"{name:<40} {wall:8.2f} {cpu:8.2f}")
    print(f"{'total':<40} {total_wall:8.2f} {total_cpu:8.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
