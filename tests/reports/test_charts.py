"""Per-flow timelines and delay histograms: series from Polars, SVG geometry, spans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from builders import events

from forensics.findings import AnalysisResult, Finding, Severity
from forensics.series import LAG_LABELS, timeline_series
from reports import render_html
from reports._charts import build_charts
from reports.context import build_context


def _series() -> dict:
    frame = events(
        dict(
            flow=["F", "F", "F", "G"],
            run_id=["r1", "r1", "r2", "g1"],
            status=["ok", "error", "ok", "ok"],
            occurred_at=["09:00", "09:00", "10:59:58", "09:00"],
            processed_at=["2026-04-06T09:00:00.500", "09:00:30", "11:00", "2026-04-07T11:00:00"],
        )
    )
    return timeline_series(frame)


def test_series_counts_runs_per_round_bucket_and_lags_per_log_bucket() -> None:
    series = _series()
    assert series["bucket_seconds"] == 600  # 26 h window -> 10-minute buckets (<= 200)
    assert series["start"] == "2026-04-06T09:00:00Z"
    assert series["lag_labels"] == list(LAG_LABELS)
    f = series["flows"]["F"]
    assert sum(f["runs"]) == 2 and f["runs"][0] == 1 and f["runs"][12] == 1
    assert f["failed"][0] == 1 and sum(f["failed"]) == 1
    # lags: 0.5 s (< 1 s) and 2 s (1-10 s); the error attempt is not an applied write
    assert f["lags"] == [1, 1, 0, 0, 0, 0, 0]
    assert series["flows"]["G"]["lags"][-1] == 1  # 26 h: > 24 h
    assert list(series["flows"]) == ["F", "G"]


def test_series_of_events_without_time_is_empty() -> None:
    assert timeline_series(events(dict(flow="F")))["flows"] == {}


def _gap(make_finding: Callable[..., Finding], **kw: object) -> Finding:
    values: dict[str, object] = dict(
        id="aaaaaaaaaaaa",
        code="GAP001",
        severity=Severity.HIGH,
        flow="F",
        entity=None,
        start=datetime(2026, 4, 6, 9, 30, tzinfo=UTC),
        end=datetime(2026, 4, 6, 10, 30, tzinfo=UTC),
    )
    values.update(kw)
    return make_finding(**values)


def test_gaps_and_delays_become_spans_on_their_flow(make_finding: Callable[..., Finding]) -> None:
    findings = [
        _gap(make_finding),
        _gap(
            make_finding,
            id="bbbbbbbbbbbb",
            code="DLY001",
            start=datetime(2026, 4, 6, 11, tzinfo=UTC),
            end=None,
        ),
        _gap(make_finding, id="cccccccccccc", code="GAP002", flow="(all flows)"),
        _gap(make_finding, id="dddddddddddd", code="OOS001"),
    ]
    charts = build_charts(_series(), findings, lambda i: f"f-{i}")
    f, g = charts
    assert [(s.kind, s.anchor) for s in f.spans] == [
        ("gap", "f-aaaaaaaaaaaa"),  # in time order, then by code
        ("gap", "f-cccccccccccc"),
        ("delay", "f-bbbbbbbbbbbb"),
    ]
    assert [s.anchor for s in g.spans] == ["f-cccccccccccc"]
    # An instant episode still gets a visible width.
    assert float(f.spans[2].width) >= 3
    assert f.description.startswith("2 runs, 1 with an error; 2 gaps and 1 delay episode")


def test_report_draws_one_timeline_and_one_histogram_per_flow(
    make_result: Callable[..., AnalysisResult],
) -> None:
    document = render_html(make_result(timelines=_series()))
    assert document.count("<svg ") == 4
    assert '<title id="flow-1-t">Runs of F per 10 minutes' in document
    assert "<script" not in document
    assert build_context(make_result()).charts == ()


def test_charts_are_deterministic(make_result: Callable[..., AnalysisResult]) -> None:
    assert render_html(make_result(timelines=_series())) == render_html(
        make_result(timelines=_series())
    )
