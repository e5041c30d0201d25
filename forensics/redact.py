"""Secret and PII redaction, applied before any log-derived text reaches an output.

Three kinds of rule (RELIABILITY section 5): sensitive key names (JSON keys,
header names, query parameters), provider token shapes, and e-mail addresses.
Every pattern has bounded quantifiers and input is capped before matching, so
a hostile near-miss string cannot make matching slow (RELIABILITY section 8).
A rule's pattern only runs on text holding something all its matches contain
(a key name followed by a colon, ``eyJ``, ``@``...), which most text does not;
tests/reports/test_redaction_guards.py holds this to every rule run on all text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Final

# Text longer than this is cut before matching; excerpts are far shorter anyway.
MAX_SCAN_CHARS: Final = 64 * 1024

SENSITIVE_KEYS: Final = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "api_key",
    "apikey",
    "x-auth-token",
    "auth_token",
    "access_token",
    "refresh_token",
    "client_secret",
    "token",
    "secret",
    "password",
    "passwd",
    "private_key",
    "signature",
    "x-shopify-hmac-sha256",
    "stripe-signature",
    "svix-signature",
    "webhook-signature",
    "x-hub-signature",
    "x-hub-signature-256",
    "x-hookdeck-signature",
    "x-zapier-signature",
)

_KEY_ALTERNATION = "|".join(re.escape(k) for k in sorted(SENSITIVE_KEYS, key=len, reverse=True))

# "key": "value" in JSON text; the value alternation is unambiguous, so matching is linear.
_JSON_PAIR = re.compile(
    rf'("(?i:{_KEY_ALTERNATION})"\s{{0,8}}:\s{{0,8}})"(?:[^"\\]|\\.){{0,8192}}"',
)
# Headers whose whole value is secret even when it has spaces, commas or
# semicolons ("Bearer abc", "a=1; b=2", "t=1,v1=hex"): the rest of the line, up
# to a quote or an escaped line break, goes. Only the "Name: value" form.
WHOLE_VALUE_HEADERS: Final = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "stripe-signature",
    "svix-signature",
    "webhook-signature",
    "x-hub-signature",
    "x-hub-signature-256",
    "x-shopify-hmac-sha256",
    "x-hookdeck-signature",
    "x-zapier-signature",
    "signature",
)
_WHOLE_ALTERNATION = "|".join(
    re.escape(k) for k in sorted(WHOLE_VALUE_HEADERS, key=len, reverse=True)
)
_HEADER_WHOLE = re.compile(
    rf"(?i)(?<![\w-])((?:{_WHOLE_ALTERNATION})\s{{0,4}}:\s{{0,4}})[^\s\"'\\][^\r\n\"'\\]{{0,4095}}"
)
# Key: value in header dumps or key=value in query strings and form bodies.
_HEADER_LINE = re.compile(
    rf"(?i)\b((?:{_KEY_ALTERNATION})\s{{0,4}}[:=]\s{{0,4}})[^\s,;&\"']{{1,4096}}"
)
# What every match of each rule above contains, in lower case, to be searched
# for in lowered ASCII text: without (?i), lookbehind and the value, far cheaper
# to run, and a text in which it is absent cannot be changed by the rule.
_JSON_PAIR_PROBE = re.compile(rf'"(?:{_KEY_ALTERNATION})"\s{{0,8}}:')
_HEADER_WHOLE_PROBE = re.compile(rf"(?:{_WHOLE_ALTERNATION})\s{{0,4}}:")
_HEADER_LINE_PROBE = re.compile(rf"(?:{_KEY_ALTERNATION})\s{{0,4}}[:=]")

# Each rule with the literals one of which every match contains, and whether the
# literals are to be found case-insensitively (the rule is ``(?i)``). A text
# holding none of them is not matched at all: ``in`` scans text far faster than
# ``re`` tries a pattern at every position.
_PATTERNS: Final[tuple[tuple[str, re.Pattern[str], tuple[str, ...], bool], ...]] = (
    (
        "bearer",
        re.compile(r"(?i)\b(?:bearer|basic)\s{1,4}[A-Za-z0-9._~+/=-]{8,4096}"),
        ("bearer", "basic"),
        True,
    ),
    (
        "stripe_key",
        re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{10,247}\b"),
        ("k_live_", "k_test_"),
        False,
    ),
    ("stripe_webhook_secret", re.compile(r"\bwhsec_[0-9A-Za-z+/=]{10,128}"), ("whsec_",), False),
    ("shopify_token", re.compile(r"\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b"), ("shp",), False),
    (
        "github_token",
        re.compile(r"\b(?:gh[pousr]_[0-9A-Za-z]{36}|github_pat_\w{22,82})\b"),
        ("gh", "github_pat_"),
        False,
    ),
    ("slack_token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,128}"), ("xox",), False),
    ("aws_access_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), ("AKIA", "ASIA"), False),
    (
        "jwt",
        re.compile(r"\beyJ[0-9A-Za-z_-]{5,4096}\.eyJ[0-9A-Za-z_-]{5,8192}\.[0-9A-Za-z_-]{0,4096}"),
        ("eyJ",),
        False,
    ),
    # Capability URLs: the URL itself is the secret (RELIABILITY 5.1).
    (
        "webhook_url",
        re.compile(
            r"(?i)\bhttps?://(?:hooks\.slack\.com/(?:services|workflows|triggers)"
            r"|[\w.-]{1,128}\.webhook\.office\.com/webhookb2"
            r"|hooks\.zapier\.com/hooks/catch"
            r"|hook\.(?:[a-z]{2}\d\.)?(?:make|integromat)\.com)"
            r"/[^\s\"'<>]{1,512}"
        ),
        ("://",),
        False,
    ),
    (
        "url_userinfo",
        re.compile(r"(?i)(?<=://)[^/\s:@\"']{1,256}:[^/\s@\"']{1,256}@"),
        ("://",),
        False,
    ),
    (
        "email",
        re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}\b"),
        ("@",),
        False,
    ),
)


@dataclass(slots=True)
class Redactor:
    """Redacts text and counts what it redacted, per rule.

    Attributes:
        enabled: False for ``--no-redact``; text then passes through unchanged.
        counts: how many values each rule replaced, for the report's audit line.
    """

    enabled: bool = True
    counts: Counter[str] = field(default_factory=Counter)

    def text(self, value: str) -> str:
        """Return value with every secret replaced by ``[REDACTED:<rule>]``."""
        if not self.enabled or not value:
            return value
        value = value[:MAX_SCAN_CHARS]
        # NOTE: lowering is exact for ASCII only; under (?i) re also equates
        # some other characters with ASCII letters (see _may_hold).
        plain = value.isascii()
        if not plain or _JSON_PAIR_PROBE.search(value.lower()):
            value = _JSON_PAIR.sub(self._keyed_json, value)
        if not plain or _HEADER_WHOLE_PROBE.search(value.lower()):
            value = _HEADER_WHOLE.sub(self._keyed_header, value)
        if not plain or _HEADER_LINE_PROBE.search(value.lower()):
            value = _HEADER_LINE.sub(self._keyed_header, value)
        for rule, pattern, literals, folded in _PATTERNS:
            if not _may_hold(value, literals, folded=folded):
                continue
            value, n = pattern.subn(f"[REDACTED:{rule}]", value)
            if n:
                self.counts[rule] += n
        return value

    def _keyed_json(self, match: re.Match[str]) -> str:
        self.counts["sensitive_key"] += 1
        return f'{match.group(1)}"[REDACTED:sensitive_key]"'

    def _keyed_header(self, match: re.Match[str]) -> str:
        # NOTE: a value this redactor already replaced is left alone (and not
        # counted twice) when text passes through a second time.
        if match.group(0)[len(match.group(1)) :].startswith("[REDACTED:"):
            return match.group(0)
        self.counts["sensitive_key"] += 1
        return f"{match.group(1)}[REDACTED:sensitive_key]"


def _may_hold(text: str, literals: tuple[str, ...], *, folded: bool) -> bool:
    """Whether text may hold a match of a rule each of whose matches contains one of literals.

    With ``folded`` (a case-insensitive rule) the literals, in lower case, are
    looked for in the lowered text. That is exact for ASCII text only: under
    ``(?i)`` ``re`` also equates some other characters with ASCII letters
    (``ſ`` with ``s``, the Kelvin sign with ``k``) that ``str.lower`` leaves
    alone, so text that is not ASCII may always hold a match.
    """
    if folded:
        if not text.isascii():
            return True
        text = text.lower()
    return any(literal in text for literal in literals)
