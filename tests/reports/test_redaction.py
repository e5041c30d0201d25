"""One positive and one near-miss negative case per redaction rule (RELIABILITY 5.2, 5.3)."""

from __future__ import annotations

import pytest

from forensics.redact import Redactor

# (rule, text holding a secret, the secret that must disappear)
POSITIVE = [
    ("authorization", "Authorization: Bearer abcDEF123456ghiJKL", "abcDEF123456ghiJKL"),
    ("authorization_basic", "authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ("cookie", "Cookie: session=s3cr3t-sess; csrftoken=tok-99", "csrftoken=tok-99"),
    ("set_cookie", "Set-Cookie: id=a3fWa; Expires=Thu, 31 Oct 2026; Secure", "a3fWa"),
    (
        "stripe_signature",
        "Stripe-Signature: t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e7",
        "v1=5257a869e7ecebeda32affa62cdca3fa51cad7e7",
    ),
    (
        "shopify_hmac",
        "X-Shopify-Hmac-Sha256: XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=",
        "XWmrwMey",
    ),
    ("hub_signature", "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a", "757107ea"),
    ("api_key_header", "X-API-Key: 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
    ("api_key_query", "GET /stock?api_key=9f8e7d6c5b4a&sku=A", "9f8e7d6c5b4a"),
    ("json_field", '{"client_secret": "cs_9f8e7d6c5b4a", "sku": "A"}', "cs_9f8e7d6c5b4a"),
    ("json_signature", '{"signature": "t=1,v1=abcdef"}', "v1=abcdef"),
    (
        "bearer_in_text",
        "retrying with bearer eyJhbGciOiJIUzI1NiJ9abcdefgh",
        "eyJhbGciOiJIUzI1NiJ9abcdefgh",
    ),
    ("sk_live", "key sk_live_4eC39HqLyjWDarjtT1zdp7dc used", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("rk_live", "restricted rk_live_51HcQwERTYuiop12345", "rk_live_51HcQwERTYuiop12345"),
    (
        "whsec",
        "endpoint secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ),
    (
        "shpat",
        "token shpat_0123456789abcdef0123456789abcdef ok",
        "shpat_0123456789abcdef0123456789abcdef",
    ),
    ("github", "ghp_" + "a" * 36, "ghp_" + "a" * 36),
    ("slack_token", "xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"),
    ("aws", "AKIAIOSFODNN7EXAMPLE in env", "AKIAIOSFODNN7EXAMPLE"),
    ("email", "customer jane.doe+shop@example.co.uk ordered", "jane.doe+shop@example.co.uk"),
    ("url_userinfo", "https://svc:hunter2@erp.example/api", "hunter2"),
    ("slack_webhook", "https://hooks.slack.com/services/T000/B000/XXXXXXXX", "T000/B000/XXXXXXXX"),
    ("make_hook", "posted to https://hook.eu1.make.com/abcdefghijklmnop", "abcdefghijklmnop"),
]

# Near misses: look like a rule's shape but are not secrets; must stay intact.
NEGATIVE = [
    ("authorization", "authorization failed for SKU-1009, retrying"),
    ("cookie", "cookies-and-cream flavour restocked"),
    ("stripe_signature", "stripe signature check passed"),
    ("sk_live", "sk_live_short"),
    ("sk_prefix", "task_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("whsec", "whsec_short"),
    ("shpat", "shpat_0123456789abcdef"),
    ("shpat_not_hex", "shpat_ghijklmnopqrstuvwxyzghijklmnopqr"),
    ("email", "SKU-1009@STORE-BK"),
    ("email_no_tld", "ops@localhost"),
    ("bearer", "bearer of bad news"),
    ("slack_webhook", "https://slack.com/services"),
    ("url", "https://erp.example/api/stock?sku=A&qty=3"),
    ("json_key", '{"sku": "SKU-1009", "token_count": 3}'),
]


@pytest.mark.parametrize(("rule", "text", "secret"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_secret_is_redacted(rule: str, text: str, secret: str) -> None:
    redactor = Redactor()
    out = redactor.text(text)
    assert secret not in out
    assert "[REDACTED:" in out
    assert sum(redactor.counts.values()) >= 1


@pytest.mark.parametrize(("rule", "text"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_near_miss_is_kept(rule: str, text: str) -> None:
    redactor = Redactor()
    assert redactor.text(text) == text
    assert not redactor.counts


def test_no_redact_passes_text_through() -> None:
    text = POSITIVE[0][1]
    assert Redactor(enabled=False).text(text) == text


def test_header_line_redaction_keeps_the_next_header() -> None:
    out = Redactor().text("Authorization: Bearer abcdefghijkl\nX-Request-Id: 42")
    assert out == "Authorization: [REDACTED:sensitive_key]\nX-Request-Id: 42"


def test_second_pass_does_not_count_again() -> None:
    redactor = Redactor()
    once = redactor.text("Cookie: a=b; c=d")
    twice = redactor.text(once)
    assert once == twice
    assert redactor.counts["sensitive_key"] == 1


def test_hostile_near_miss_input_is_fast_and_bounded() -> None:
    # Bounded quantifiers: a long near-miss is matched linearly and capped (RELIABILITY 8).
    out = Redactor().text("authorization:" + " " * 50_000 + "x" * 100_000)
    assert len(out) <= 64 * 1024
