"""Redaction skips a rule only when the text cannot hold a match: same text, same counts.

``forensics.redact.Redactor`` looks for what every match of a rule contains (a
literal, or for the key rules a cheaper pattern) before it runs the rule's
regular expression. These tests hold the guarded
redactor to every rule applied unconditionally, on texts built from fragments
of secrets, key names in odd case and the non-ASCII letters ``re`` folds onto
ASCII ones, and on every line of sample_logs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics import redact
from forensics.redact import Redactor


def unguarded(text: str) -> tuple[str, Counter[str]]:
    """Every rule applied in order without its literal pre-check (the reference)."""
    redactor = Redactor()
    value = text[: redact.MAX_SCAN_CHARS]
    value = redact._JSON_PAIR.sub(redactor._keyed_json, value)
    value = redact._HEADER_WHOLE.sub(redactor._keyed_header, value)
    value = redact._HEADER_LINE.sub(redactor._keyed_header, value)
    for rule, pattern, _literals, _folded in redact._PATTERNS:
        value, n = pattern.subn(f"[REDACTED:{rule}]", value)
        if n:
            redactor.counts[rule] += n
    return value, redactor.counts


def guarded(text: str) -> tuple[str, Counter[str]]:
    redactor = Redactor()
    return redactor.text(text), redactor.counts


FRAGMENTS = [
    *redact.SENSITIVE_KEYS,
    "AUTHORIZATION",
    "X-Shopify-Hmac-Sha256",
    "ToKen",
    "Cookie",
    "baſic ",
    "ſecret",
    "toKen",
    "Bearer ",
    "BASIC ",
    "abcdefghijklmnop",
    "sk_live_",
    "rk_test_",
    "4eC39HqLyjWDarjtT1zdp7dc",
    "whsec_",
    "shpat_",
    "0123456789abcdef0123456789abcdef",
    "ghp_",
    "github_pat_",
    "a" * 36,
    "xoxb-",
    "AKIA",
    "ASIA",
    "IOSFODNN7EXAMPLE",
    "eyJ",
    "eyJhbGciOi",
    ".",
    "https://",
    "HTTPS://",
    "hooks.slack.com/services/",
    "hook.eu1.make.com/",
    "svc:hunter2@",
    "@",
    "jane.doe@example.com",
    '"',
    '": "',
    ": ",
    "=",
    " ",
    "\n",
    "\x1c",
    "\t",
    "    ",
    "\\",
    "é",
    "…",
]
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=12).map(
    "".join
)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_guarded_redaction_equals_every_rule_applied(text: str) -> None:
    assert guarded(text) == unguarded(text)


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abcDEF123456ghiJKL",
        "x baſic abcdefghijklmnop",  # ſ matches s under (?i); lower() leaves it alone
        "toKen=abc",  # Kelvin sign
        '{"X-Shopify-Hmac-Sha256": "cvv/3npnX32CmoGKAC2t4DJKn22NW/pN2RphJtPrFPI="}',
        "github_pat_" + "a" * 30,
        "rk_test_51HcQwERTYuiop12345",
        "https://svc:hunter2@erp.example/api",
        "plain text with nothing to redact",
        '{"Token"        :        "abc"}',  # \s{0,8} on both sides of the colon
        "Cookie\x1c\t\x0b: a=1; b=2",  # ASCII whitespace beyond space and tab
        "X-API-KEY    =secret-value",
        '"signature":"t=1,v1=abcdef"',
    ],
)
def test_guarded_redaction_equals_every_rule_applied_on_edge_cases(text: str) -> None:
    assert guarded(text) == unguarded(text)


def test_non_ascii_text_is_matched_case_insensitively_as_re_does() -> None:
    text, counts = guarded("Authorization: baſic dXNlcjpwYXNzd29yZA==")
    assert "dXNlcjpwYXNzd29yZA==" not in text
    assert counts["sensitive_key"] == 1
    text, counts = guarded("see toKen=abc123")
    assert text == "see toKen=[REDACTED:sensitive_key]"


def test_guarded_redaction_equals_every_rule_applied_on_the_sample_logs() -> None:
    root = Path(__file__).resolve().parents[2] / "sample_logs"
    lines = [
        line
        for path in sorted(root.rglob("*"))
        if path.is_file()
        for line in path.read_bytes().decode("utf-8", errors="replace").splitlines()
    ]
    assert len(lines) > 1000
    assert [guarded(line) for line in lines] == [unguarded(line) for line in lines]
