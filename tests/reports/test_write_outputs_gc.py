"""The CLI pauses the cyclic garbage collector while it renders, and always restores it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import reports
from forensics.cli import _write_outputs
from forensics.errors import ForensicsError
from forensics.findings import AnalysisResult


@pytest.fixture
def gc_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_collector_is_paused_while_rendering_and_enabled_after(
    make_result: Callable[..., AnalysisResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    gc_state: None,
) -> None:
    seen: list[bool] = []
    render = reports.render_html

    def spy(result: AnalysisResult) -> str:
        seen.append(gc.isenabled())
        return render(result)

    monkeypatch.setattr(reports, "render_html", spy)
    gc.enable()
    written = _write_outputs(
        make_result(), tmp_path / "r.html", tmp_path / "f.json", None, root=tmp_path
    )
    assert seen == [False]
    assert gc.isenabled()
    assert [label for label, _ in written] == ["Report", "Findings"]
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_collector_is_enabled_again_when_writing_fails(
    make_result: Callable[..., AnalysisResult], tmp_path: Path, gc_state: None
) -> None:
    gc.enable()
    with pytest.raises(ForensicsError):
        _write_outputs(make_result(), None, tmp_path / "missing" / "f.json", None, root=tmp_path)
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled(
    make_result: Callable[..., AnalysisResult], tmp_path: Path, gc_state: None
) -> None:
    gc.disable()
    _write_outputs(make_result(), None, tmp_path / "f.json", None, root=tmp_path)
    assert not gc.isenabled()
