"""Text helpers for the reports: show log-derived strings safely and format values.

Escaping for HTML is Jinja's job (autoescape); this module does what escaping
cannot: it makes invisible and direction-changing characters visible
(RELIABILITY H12), clips very long values (H13), and escapes text for Markdown,
which has no autoescape of its own (H16).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

# Characters that change how surrounding text is displayed or are not displayed
# at all: C0/C1 controls (incl. ESC of ANSI sequences), DEL, soft hyphen, the
# Arabic letter mark, bidi embeddings/overrides/isolates and marks, zero-width
# characters, line/paragraph separators, invisible operators, BOM, interlinear
# annotation, Unicode tag characters (ASCII smuggling), invisible fillers and
# lone surrogates (from surrogateescape decoding, which cannot be encoded).
# NOTE: an explicit list, not unicodedata categories, so that the output does
# not change with the Python build's Unicode version (determinism).
_ALWAYS_SHOWN: Final = (
    "\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e007f\ud800-\udfff"
)
# Tab is harmless layout; a line feed is an anomaly in a name but layout in an excerpt.
_INVISIBLE: Final = re.compile(f"[\x00-\x08\x0a-\x1f{_ALWAYS_SHOWN}]")
_INVISIBLE_MULTILINE: Final = re.compile(f"[\x00-\x08\x0b-\x1f{_ALWAYS_SHOWN}]")

DEFAULT_LIMIT: Final = 300
DASH: Final = "—"


def visible(value: object, *, limit: int = DEFAULT_LIMIT, multiline: bool = False) -> str:
    """Return a log-derived value as text safe to lay out: visible escapes, bounded length.

    Every log-derived string goes through this one function before it reaches a
    template, so a right-to-left override or an ANSI escape in a flow name shows
    up as ``⟨U+202E⟩`` or ``⟨U+001B⟩`` instead of reordering or hiding text.

    Args:
        value: the value; non-strings are converted with ``str``.
        limit: characters kept before the truncation marker.
        multiline: keep line feeds (CR LF and CR become LF) for ``<pre>`` blocks.

    Returns:
        The cleaned text, with ``… 12,345 more characters`` appended when clipped.
    """
    text = value if isinstance(value, str) else str(value)
    if multiline:
        text = text.replace("\r\n", "\n")
    # NOTE: clip first, so a megabyte of control characters is not expanded tenfold.
    rest = len(text) - limit
    if rest > 0:
        text = text[:limit]
    elif text.isascii() and text.isprintable():
        # Printable ASCII holds none of the characters below (the common case,
        # and much cheaper to test than to substitute).
        return text
    pattern = _INVISIBLE_MULTILINE if multiline else _INVISIBLE
    text = pattern.sub(_codepoint, text)
    if rest > 0:
        text = f"{text}… {rest:,} more character{'s' if rest != 1 else ''}"
    return text


def _codepoint(match: re.Match[str]) -> str:
    return f"⟨U+{ord(match.group(0)):04X}⟩"


def fmt_int(value: object) -> str:
    """Format a count with thousands separators; a dash when unknown."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    # NOTE: a summary built by hand may carry a float or text; show it, do not crash.
    return fmt_number(value)


def fmt_number(value: object, *, signed: bool = False) -> str:
    """Format a metric value: integers with separators, floats to 6 significant digits."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:+,}" if signed else f"{value:,}"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return fmt_number(int(value), signed=signed)
        return f"{value:+,.6g}" if signed else f"{value:,.6g}"
    if isinstance(value, str):
        return visible(value)
    # NOTE: lists or objects are unexpected in metrics; show them as sorted JSON text.
    return visible(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def fmt_duration(value: timedelta) -> str:
    """Format a duration for people: 350ms, 37s, 2m 37s, 3h 05m, 2d 4h."""
    seconds = value.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{sign}{round(seconds * 1000)}ms"
    whole = round(seconds)
    days, rem = divmod(whole, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    elif minutes:
        text = f"{minutes}m {secs:02d}s"
    else:
        text = f"{secs}s"
    return sign + text


def parse_iso(value: str | None) -> datetime | None:
    """Read an ISO 8601 timestamp from the summary; None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fmt_time(value: datetime) -> str:
    """Format a timestamp in UTC to the second (milliseconds only when set)."""
    value = value.astimezone(UTC)
    if value.year >= 1000:
        # NOTE: isoformat is cheaper than strftime and gives the same text once the
        # year has four digits (strftime does not pad smaller years); its
        # milliseconds are truncated like the ones below.
        if value.microsecond:
            return value.isoformat(" ", "milliseconds")[:23]
        return value.isoformat(" ", "seconds")[:19]
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text


def fmt_window(start: datetime | None, end: datetime | None) -> str:
    """Format an episode window: ``2026-04-06 09:12:03 → 09:14:40 UTC (2m 37s)``."""
    if start is None:
        return "time not known" if end is None else f"until {fmt_time(end)} UTC"
    if end is None:
        return f"from {fmt_time(start)} UTC"
    first, last = fmt_time(start), fmt_time(end)
    if first == last:
        return f"{first} UTC"
    if first[:10] == last[:10]:
        last = last[11:]
    return f"{first} → {last} UTC ({fmt_duration(end - start)})"


# ---------------------------------------------------------------------------
# Markdown

# Characters with inline meaning anywhere in CommonMark / GFM (emphasis, code,
# link and image brackets, table cells, strikethrough, math); a backslash makes
# each literal. "(" and "!" need no escape once "[" and "]" are escaped, and an
# underscore inside a word (inventory_levels) is never emphasis in GFM, so those
# stay as they are and ticket text stays readable.
_MD_SPECIAL: Final = re.compile(r"([\\`*\[\]|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# At the start of a line these open a block: a heading ("# x"), a list item
# ("- x", "+ x", "1. x"), a thematic break ("---") or a setext underline ("===").
# "-15" or "0.1.0" do not.
_MD_LEADING: Final = re.compile(r"^(?:([-=+#])(?=[-=+#\s]|$)|(\d{1,9})([.)])(?=\s|$))")
_LINE_BREAKS: Final = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# NOTE: GFM turns bare URLs, www. hosts and e-mail addresses into live links;
# "defanging" them the way threat-intel reports do keeps them readable but dead:
# http://x -> http[:]//x, www.x -> www[.]x, a@b.com -> a[@]b.com.
_SCHEME: Final = re.compile(r"://")
_WWW: Final = re.compile(r"(?i)\b(www)\.")
_EMAIL_AT: Final = re.compile(r"@(?=[A-Za-z0-9_-]+\.[A-Za-z0-9])")


def markdown_escape(value: object) -> str:
    """Escape a value so Markdown shows it as literal text on one line.

    HTML-escapes ``<``, ``>`` and ``&``, backslash-escapes inline specials and
    block openers, collapses line breaks (a table cell is one line), and
    defangs autolinks so no link can come from data.

    Args:
        value: the value; non-strings are converted with ``str``.

    Returns:
        Markdown source that renders as exactly the value's text.
    """
    text = value if isinstance(value, str) else str(value)
    text = _LINE_BREAKS.sub(" ", text).strip()
    text = _SCHEME.sub("[:]//", text)
    text = _WWW.sub(r"\1[.]", text)
    text = _EMAIL_AT.sub("[@]", text)
    text = html.escape(text, quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LEADING.sub(_escape_leading, text, count=1)


def _escape_leading(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


# ---------------------------------------------------------------------------
# Labelled values


@dataclass(frozen=True, slots=True)
class Stat:
    """A labelled, formatted value: a headline number, a setting, a drift figure."""

    label: str
    value: str


def flatten(prefix: str, value: Any) -> list[Stat]:
    """Flatten nested configuration or drift data into dotted, sorted label/value pairs."""
    if isinstance(value, dict):
        if not value:
            return [Stat(prefix, "none")] if prefix else []
        out: list[Stat] = []
        for key in sorted(value, key=str):
            label = f"{prefix}.{visible(str(key))}" if prefix else visible(str(key))
            out.extend(flatten(label, value[key]))
        return out
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return [Stat(prefix, ", ".join(fmt_number(v) for v in value) or "none")]
        return [Stat(prefix, fmt_number(list(value)))]
    return [Stat(prefix, fmt_number(value))]


def plural(n: int) -> str:
    """Return the plural suffix for a count: "" for one, "s" otherwise."""
    return "" if n == 1 else "s"
