"""The HTML report is one file that loads nothing from anywhere (SPEC 8, RELIABILITY H07-H10)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from importlib import resources

import pytest

from forensics.findings import AnalysisResult, Finding
from reports import CSP, render_html

EXPECTED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


class _Head(HTMLParser):
    """Record the elements inside <head> in order, and the text of <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""
        self.attribute_values: list[str] = []
        self._depth = 0
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attribute_values.extend(v for _, v in attrs if v is not None)
        if tag == "head":
            self._depth = 1
        elif self._depth:
            self.head.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._depth = 0
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


@pytest.fixture
def document(make_result: Callable[..., AnalysisResult]) -> str:
    return render_html(make_result())


def _head(document: str) -> _Head:
    parser = _Head()
    parser.feed(document)
    parser.close()
    return parser


def test_starts_with_doctype(document: str) -> None:
    assert document.startswith("<!doctype html>\n")


def test_csp_meta_is_the_first_element_of_head(document: str) -> None:
    tag, attrs = _head(document).head[0]
    assert tag == "meta"
    assert attrs == {"http-equiv": "Content-Security-Policy", "content": EXPECTED_CSP}
    assert CSP == EXPECTED_CSP


def test_head_sets_charset_and_no_referrer(document: str) -> None:
    metas = [attrs for tag, attrs in _head(document).head if tag == "meta"]
    assert {"charset": "utf-8"} in metas
    assert {"name": "referrer", "content": "no-referrer"} in metas


def test_no_external_resource_or_script(document: str) -> None:
    assert "http://" not in document
    assert "https://" not in document
    assert "<link" not in document
    assert "src=" not in document
    assert "<script" not in document
    assert "url(" not in document
    assert "@import" not in document
    assert "@font-face" not in document


def test_stylesheet_is_inlined_in_style(document: str) -> None:
    css = resources.files("reports").joinpath("static").joinpath("report.css").read_text("utf-8")
    assert _head(document).style.strip() == css.strip()
    assert "@media print" in css


def test_urls_in_data_stay_text(
    make_result: Callable[..., AnalysisResult], make_finding: Callable[..., Finding]
) -> None:
    url = "https://attacker.example/x?token=1"
    result = make_result(findings=(make_finding(flow=url, entity=f"http://{url}"),))
    document = render_html(result)
    parser = _head(document)
    assert url in document
    assert all("://" not in value for value in parser.attribute_values)
    assert not re.search(r"""(?:href|src|action)\s*=\s*["']?\w+:""", document)


def test_templates_and_stylesheet_ship_inside_the_package() -> None:
    package = resources.files("reports")
    for name in (
        "report.html.j2",
        "report.md.j2",
        "_macros.html.j2",
        "_summary.html.j2",
        "_finding.html.j2",
        "_data_quality.html.j2",
    ):
        assert package.joinpath("templates").joinpath(name).is_file(), name
    assert package.joinpath("static").joinpath("report.css").is_file()
