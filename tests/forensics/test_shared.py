"""Shared preparations: one analysis builds them once and finds what each detector finds alone."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import polars as pl
import pytest
from builders import SAMPLE_LOGS, events

from forensics.analysis import detect_context
from forensics.config import Thresholds, load_config
from forensics.detectors import DETECTORS, DetectContext
from forensics.engine import run_detectors
from forensics.findings import sort_findings
from forensics.loader import Loaded, load
from forensics.redact import Redactor
from forensics.summary import summarize


@cache
def sample() -> Loaded:
    return load(SAMPLE_LOGS, load_config(SAMPLE_LOGS), redactor=Redactor(enabled=True))


def fresh_context() -> DetectContext:
    return detect_context(load_config(SAMPLE_LOGS), sample())


def test_detectors_sharing_one_context_find_what_each_finds_alone() -> None:
    loaded = sample()
    shared = fresh_context()
    together, errors = run_detectors(loaded.events, shared)
    assert errors == []
    alone = []
    for detector in DETECTORS:
        found, errors = run_detectors(loaded.events, fresh_context(), [detector])
        assert errors == []
        alone += found
    assert [f.to_json() for f in sort_findings(together)] == [
        f.to_json() for f in sort_findings(alone)
    ]


def test_summary_reusing_the_detectors_preparations_equals_a_fresh_one() -> None:
    loaded = sample()
    shared = fresh_context()
    findings, _ = run_detectors(loaded.events, shared)
    ordered = sort_findings(findings)
    args = (loaded.events, ordered, loaded.inputs, loaded.skipped, None)
    assert summarize(*args, shared) == summarize(*args, fresh_context())


def test_a_preparation_is_built_once_for_the_bound_events() -> None:
    ctx = DetectContext(thresholds=Thresholds())
    lazy = ctx.shared.bind(events(dict(sku=["A", "B"])))
    builds = []

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        builds.append(1)
        return frame.select("sku")

    first = ctx.shared.frame(lazy, "skus", build).collect()
    again = ctx.shared.frame(lazy, "skus", build).collect()
    assert first.equals(again)
    assert len(builds) == 1


def test_other_events_never_see_the_bound_events_preparation() -> None:
    ctx = DetectContext(thresholds=Thresholds())
    bound = events(dict(sku=["A", "B"]))
    ctx.shared.frame(ctx.shared.bind(bound), "skus", lambda f: f.select("sku")).collect()
    other = events(dict(sku=["C"]))
    # A frame that is not the bound one is prepared in its own plan ...
    alone = ctx.shared.frame(other.lazy(), "skus", lambda f: f.select("sku")).collect()
    assert alone["sku"].to_list() == ["C"]
    # ... and binding other events drops what was built for the earlier ones.
    rebound = ctx.shared.frame(ctx.shared.bind(other), "skus", lambda f: f.select("sku"))
    assert rebound.collect()["sku"].to_list() == ["C"]


def test_concurrent_requests_wait_for_one_build() -> None:
    ctx = DetectContext(thresholds=Thresholds())
    lazy = ctx.shared.bind(events(dict(sku=["A", "B"])))
    builds = []

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        builds.append(1)
        time.sleep(0.05)  # the other threads ask while this one builds
        return frame.select("sku")

    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda _: ctx.shared.frame(lazy, "skus", build).collect(), range(4)))
    assert len(builds) == 1
    assert all(frame["sku"].to_list() == ["A", "B"] for frame in got)


def test_a_failed_build_stores_nothing_and_the_next_request_builds_again() -> None:
    ctx = DetectContext(thresholds=Thresholds())
    lazy = ctx.shared.bind(events(dict(sku=["A"])))
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        ctx.shared.frame(lazy, "skus", lambda f: f.select("no_such_column"))
    again = ctx.shared.frame(lazy, "skus", lambda f: f.select("sku")).collect()
    assert again["sku"].to_list() == ["A"]
