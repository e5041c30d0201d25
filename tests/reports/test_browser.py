"""Open the sample report in headless Chromium: no console message, no request, a screenshot.

Uses Debian's ``chromium`` package. When it is missing, the test installs it
once with apt-get, but only as root and only when CI or
FORENSICS_INSTALL_CHROMIUM=1 is set; otherwise it is skipped with a message
saying how to enable it. The report has no script, so any console message
(a CSP violation, "Refused to ...", an uncaught error) is a failure, and the
net log must hold no request from the page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from forensics.findings import AnalysisResult
from reports import render_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 60
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1280,2400",
)
# Chromium's own background services still show up in a net log even with the
# flags above; they are not requests from the page.
BROWSER_HOSTS = re.compile(r"^https?://([\w-]+\.)*(google\.com|googleapis\.com|gvt1\.com)/")
_CONSOLE = re.compile(r":CONSOLE[:(]")
_URL = re.compile(r'"url":"([^"]*)"')


def _find() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _install() -> str | None:
    allowed = os.environ.get("FORENSICS_INSTALL_CHROMIUM") == "1" or os.environ.get("CI")
    if not allowed or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    if shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        try:
            subprocess.run(
                command, check=True, env=env, timeout=INSTALL_TIMEOUT, capture_output=True
            )
        except (subprocess.SubprocessError, OSError):
            return None
    return _find()


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _find() or _install()
    if found is None:
        pytest.skip(
            "chromium is not installed and could not be installed here; install Debian's "
            "`chromium` package, or run as root with FORENSICS_INSTALL_CHROMIUM=1 (or CI=1) "
            "so the test installs it with apt-get"
        )
    return found


def _open(chromium: str, page: Path, screenshot: Path) -> tuple[list[str], list[str]]:
    """Load page headless; return its console lines and the URLs in the net log."""
    with tempfile.TemporaryDirectory() as profile:
        net_log = Path(profile) / "net.json"
        run = subprocess.run(
            [
                chromium,
                *FLAGS,
                f"--user-data-dir={profile}/data",
                f"--log-net-log={net_log}",
                f"--screenshot={screenshot}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        console = [line for line in run.stderr.splitlines() if _CONSOLE.search(line)]
        log = net_log.read_text(errors="replace") if net_log.exists() else ""
    urls = sorted(set(_URL.findall(log)))
    requests = [
        u for u in urls if not u.startswith(("file:", "data:")) and not BROWSER_HOSTS.match(u)
    ]
    return console, requests


def test_sample_report_loads_with_no_console_message_and_no_request(
    chromium: str, sample_result: AnalysisResult, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(sample_result), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    console, requests = _open(chromium, page, screenshot)
    assert console == []
    assert requests == []
    assert screenshot.exists() and screenshot.stat().st_size > 10_000


def test_the_check_sees_a_blocked_request_and_a_script(chromium: str, tmp_path: Path) -> None:
    # Negative control: a page that breaks the rules must fail both checks above.
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src '
        '\'none\'; img-src data:"><img src="http://example.invalid/x.png">'
        "<script>console.error('boom')</script>",
        encoding="utf-8",
    )
    console, _ = _open(chromium, page, tmp_path / "bad.png")
    assert any("Content Security Policy" in line for line in console)
