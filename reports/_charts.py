"""Per-flow charts of the view-model: a run timeline and a delay histogram, as SVG geometry.

Built from ``AnalysisResult.timelines`` (plain lists from ``forensics.series``)
and the findings: GAP001 / GAP002 windows and DLY001 episodes become shaded
spans over the runs. Only numbers and already-cleaned text leave this module;
``_timeline.html.j2`` lays them out as inline SVG under autoescape, so no
markup is built from strings here. Coordinates are formatted to two decimals
so the output is byte-stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from forensics.findings import Finding, sort_findings
from reports._text import fmt_duration, fmt_int, fmt_window, parse_iso, plural, visible

__all__ = ["Bar", "FlowChart", "HistogramRow", "Span", "Tick", "build_charts"]

# Timeline geometry (SVG user units; the SVG scales to the page width).
WIDTH: Final = 960
LEFT: Final = 8
RIGHT: Final = 8
TOP: Final = 6
PLOT_HEIGHT: Final = 64
AXIS_HEIGHT: Final = 18
MIN_SPAN: Final = 3.0
# Histogram geometry.
H_WIDTH: Final = 420
H_LABEL: Final = 78
H_COUNT: Final = 64
H_ROW: Final = 18
SPAN_CODES: Final = {"GAP001": "gap", "GAP002": "gap", "DLY001": "delay"}
ALL_FLOWS: Final = "(all flows)"
MAX_TICKS: Final = 10
_TICK_STEPS: Final = (3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400)
_UNIT_NAMES: Final = {60: "minute", 3600: "hour", 86400: "day"}


@dataclass(frozen=True, slots=True)
class Bar:
    """Runs in one time bucket; ``failed_y``/``failed_height`` the part with an error."""

    x: str
    y: str
    width: str
    height: str
    failed_y: str
    failed_height: str
    title: str


@dataclass(frozen=True, slots=True)
class Span:
    """A shaded episode: a gap (GAP001/GAP002) or a delay episode (DLY001)."""

    kind: str
    x: str
    width: str
    title: str
    anchor: str
    text: str


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis label."""

    x: str
    label: str


@dataclass(frozen=True, slots=True)
class HistogramRow:
    """One lag bucket of the delay histogram."""

    label: str
    y: str
    text_y: str
    width: str
    count: str


@dataclass(frozen=True, slots=True)
class FlowChart:
    """The timeline and delay histogram of one flow."""

    id: str
    flow: str
    title: str
    description: str
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    plot_right: int
    bars: tuple[Bar, ...]
    spans: tuple[Span, ...]
    ticks: tuple[Tick, ...]
    scale: str
    histogram_title: str
    histogram_width: int
    histogram_height: int
    histogram_bar_x: int
    histogram_count_x: str
    histogram: tuple[HistogramRow, ...]
    histogram_note: str


def build_charts(
    timelines: Mapping[str, Any], findings: Iterable[Finding], anchor: Any
) -> tuple[FlowChart, ...]:
    """Build one chart per flow of the series, in flow order.

    Args:
        timelines: ``forensics.series.timeline_series`` output (may be empty).
        findings: every finding; GAP001/GAP002/DLY001 are drawn as spans.
        anchor: finding id -> in-page anchor (``context._anchor``).

    Returns:
        The charts; none when there is no series.
    """
    start, end = parse_iso(timelines.get("start")), parse_iso(timelines.get("end"))
    n = int(timelines.get("buckets") or 0)
    flows = timelines.get("flows") or {}
    if start is None or end is None or end <= start or n <= 0 or not flows:
        return ()
    width_s = int(timelines.get("bucket_seconds") or 0) or int((end - start).total_seconds() / n)
    labels = [visible(str(x), limit=40) for x in timelines.get("lag_labels") or ()]
    # In time order, the order a reader follows along the chart.
    # NOTE: filtered before the report-order sort (which breaks ties here): the
    # same order, without computing the sort key of every finding of the report.
    marked = sorted(
        sort_findings([f for f in findings if f.code in SPAN_CODES and f.start]),
        key=lambda f: (f.start, f.code, f.id),
    )
    charts = []
    for index, flow in enumerate(sorted(flows, key=str), start=1):
        series = flows[flow]
        spans = tuple(
            _span(f, start, end, anchor(f.id))
            for f in marked
            if f.flow == flow or (f.code == "GAP002" and f.flow == ALL_FLOWS)
        )
        charts.append(
            _chart(index, str(flow), series, spans, start, end, n, width_s, labels),
        )
    return tuple(charts)


def _x(at: datetime, start: datetime, end: datetime) -> float:
    total = (end - start).total_seconds()
    share = min(max((at - start).total_seconds() / total, 0.0), 1.0)
    return LEFT + share * (WIDTH - LEFT - RIGHT)


def _f(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _span(finding: Finding, start: datetime, end: datetime, anchor: str) -> Span:
    assert finding.start is not None
    x0 = _x(finding.start, start, end)
    x1 = _x(finding.end or finding.start, start, end)
    width = max(x1 - x0, MIN_SPAN)
    x0 = min(x0, WIDTH - RIGHT - width)
    kind = SPAN_CODES[finding.code]
    window = fmt_window(finding.start, finding.end)
    what = "gap" if kind == "gap" else "delay episode"
    return Span(
        kind=kind,
        x=_f(x0),
        width=_f(width),
        title=f"{finding.code} {what}: {window}",
        anchor=anchor,
        text=f"{visible(finding.code)} {what}, {window}: {visible(finding.title)}",
    )


def _chart(
    index: int,
    flow: str,
    series: Mapping[str, Any],
    spans: tuple[Span, ...],
    start: datetime,
    end: datetime,
    n: int,
    width_s: int,
    labels: list[str],
) -> FlowChart:
    runs = [int(v) for v in (series.get("runs") or [])][:n]
    failed = [int(v) for v in (series.get("failed") or [])][:n]
    runs += [0] * (n - len(runs))
    failed += [0] * (n - len(failed))
    top = max(runs, default=0) or 1
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / n
    bottom = TOP + PLOT_HEIGHT
    unit = _unit(width_s)
    bars = []
    for i, (count, bad) in enumerate(zip(runs, failed, strict=True)):
        if not count:
            continue
        h = max(count / top * PLOT_HEIGHT, 1.0)
        fh = min(max(bad / top * PLOT_HEIGHT, 1.0), h) if bad else 0.0
        at = start + timedelta(seconds=i * width_s)
        title = f"{at.strftime('%Y-%m-%d %H:%M')} UTC: {count:,} run{plural(count)}"
        if bad:
            title += f", {bad:,} with an error"
        bars.append(
            Bar(
                x=_f(LEFT + i * step),
                y=_f(bottom - h),
                width=_f(max(step - 0.5, 0.5)),
                height=_f(h),
                failed_y=_f(bottom - fh),
                failed_height=_f(fh),
                title=title,
            )
        )
    total_runs = sum(runs)
    gaps = sum(1 for s in spans if s.kind == "gap")
    delays = len(spans) - gaps
    name = visible(flow)
    title = f"Runs of {name} per {unit}, {fmt_window(start, end)}"
    description = (
        f"{total_runs:,} run{plural(total_runs)}, {sum(failed):,} with an error; "
        f"{gaps} gap{plural(gaps)} and {delays} delay episode{plural(delays)} marked."
    )
    lags = [int(v) for v in (series.get("lags") or [])]
    lags += [0] * (len(labels) - len(lags))
    lag_top = max(lags, default=0) or 1
    bar_space = H_WIDTH - H_LABEL - H_COUNT
    rows = tuple(
        HistogramRow(
            label=label,
            y=_f(4 + i * H_ROW),
            text_y=_f(4 + i * H_ROW + H_ROW * 0.7),
            width=_f(count / lag_top * bar_space if count else 0),
            count=fmt_int(count),
        )
        for i, (label, count) in enumerate(zip(labels, lags, strict=False))
    )
    lagged = int(series.get("lagged") or sum(lags))
    note = (
        f"Lag (processed − occurred) of {lagged:,} applied write{plural(lagged)}."
        if lagged
        else "No applied write with both times known: no lag to show."
    )
    return FlowChart(
        id=f"flow-{index}",
        flow=name,
        title=title,
        description=description,
        width=WIDTH,
        height=TOP + PLOT_HEIGHT + AXIS_HEIGHT,
        plot_top=TOP,
        plot_bottom=bottom,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        bars=tuple(bars),
        spans=spans,
        ticks=_ticks(start, end),
        scale=f"tallest bar: {top:,} run{plural(top)} per {unit}",
        histogram_title=f"Delay histogram of {name}",
        histogram_width=H_WIDTH,
        histogram_height=8 + len(rows) * H_ROW,
        histogram_bar_x=H_LABEL,
        histogram_count_x=_f(H_LABEL + bar_space + 6),
        histogram=rows,
        histogram_note=note,
    )


def _unit(width_s: int) -> str:
    """The bucket width in words: "hour", "15 minutes", "2 days"."""
    if width_s in _UNIT_NAMES:
        return _UNIT_NAMES[width_s]
    for seconds, name in sorted(_UNIT_NAMES.items(), reverse=True):
        if width_s % seconds == 0:
            return f"{width_s // seconds} {name}s"
    return fmt_duration(timedelta(seconds=width_s))


def _ticks(start: datetime, end: datetime) -> tuple[Tick, ...]:
    total = (end - start).total_seconds()
    step = next((s for s in _TICK_STEPS if total / s <= MAX_TICKS), _TICK_STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = epoch + timedelta(seconds=-(-(start - epoch).total_seconds() // step) * step)
    ticks = []
    at = first
    while at < end:
        label = at.strftime("%b %d") if step >= 86400 else at.strftime("%d %H:%M")
        if at.hour == 0 and step < 86400:
            label = at.strftime("%b %d")
        ticks.append(Tick(_f(_x(at, start, end)), label))
        at += timedelta(seconds=step)
    return tuple(ticks)
