"""HTML and Markdown incident reports rendered from an AnalysisResult (SPEC section 8).

Both renderers build the same view-model (``reports.context``) and lay it out
with Jinja2 templates shipped inside this package. The HTML environment
autoescapes unconditionally; the Markdown environment passes every expression
through a Markdown escaper as its ``finalize``, so no template can emit data
unescaped by forgetting a filter (RELIABILITY H01, H16).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from forensics.findings import AnalysisResult
from reports._text import markdown_escape
from reports.context import HTML_FULL_PER_CODE, build_context

__all__ = ["render_html", "render_markdown"]

CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def render_html(result: AnalysisResult) -> str:
    """Render the self-contained HTML incident report.

    Args:
        result: the analysis; its log-derived strings are already redacted.

    Returns:
        One HTML document with inline CSS, no scripts and no external resources;
        the same result always gives the same text. Per severity and code, the
        first HTML_FULL_PER_CODE findings are laid out in full and the rest are
        one table row each, pointing to findings.json for their evidence.
    """
    template = _html_environment().get_template("report.html.j2")
    report = build_context(result, full_per_code=HTML_FULL_PER_CODE)
    return template.render(report=report, css=_stylesheet(), csp=CSP)


def render_markdown(result: AnalysisResult) -> str:
    """Render the Markdown summary meant to be pasted into a ticket.

    Args:
        result: the analysis; its log-derived strings are already redacted.

    Returns:
        GitHub-flavoured Markdown in which every value is escaped: no HTML, link
        or autolink can come from log data (URLs are shown as ``http[:]//host``).
    """
    template = _markdown_environment().get_template("report.md.j2")
    return template.render(report=build_context(result))


def _refuse_none(value: Any) -> Any:
    """Fail on None: the view-model formats absent values, so None here is a bug."""
    if value is None:
        raise TypeError("a template printed None; format the value in reports.context")
    return value


def _finalize_markdown(value: Any) -> str:
    """Escape every printed expression for Markdown (constant template text is untouched)."""
    return markdown_escape(_refuse_none(value))


def _environment(**options: Any) -> Environment:
    return Environment(
        loader=PackageLoader("reports", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # NOTE: the templates ship inside the package; without this every include
        # (one per finding) stats its file to see whether it changed.
        auto_reload=False,
        **options,
    )


@functools.cache
def _html_environment() -> Environment:
    # NOTE: autoescape=True, not select_autoescape: the choice must not depend
    # on a template's file name (RELIABILITY H01).
    return _environment(autoescape=True, finalize=_refuse_none)


@functools.cache
def _markdown_environment() -> Environment:
    # NOTE: HTML autoescape would double-escape here; _finalize_markdown is the
    # one escaper, and it runs on every {{ expression }}.
    return _environment(autoescape=False, finalize=_finalize_markdown)


@functools.cache
def _stylesheet() -> Markup:
    """Return the packaged stylesheet, marked safe to inline in <style>.

    Markup is sound here only because the stylesheet is a constant shipped in
    the package, never data; it is still checked so that an edit cannot close
    the <style> element early.
    """
    text = resources.files("reports").joinpath("static").joinpath("report.css").read_text("utf-8")
    if "<" in text or "://" in text:
        raise RuntimeError("reports/static/report.css must not contain '<' or URLs")
    return Markup(text)
