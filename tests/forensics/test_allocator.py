"""Allocator settings reach Polars only when set before it loads; the user's always win."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from forensics._allocator import JEMALLOC_CONF, tune_allocator

_PROBE = (
    "import json, os, sys; import forensics; import polars; "
    "print(json.dumps({k: os.environ.get(k) for k in ('POLARS_THP', '_RJEM_MALLOC_CONF')}))"
)


def _probe(**env: str) -> dict[str, str | None]:
    clean = {k: v for k, v in os.environ.items() if k not in ("POLARS_THP", "_RJEM_MALLOC_CONF")}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_importing_forensics_first_configures_polars_allocator() -> None:
    seen = _probe()
    assert seen["POLARS_THP"] == "1"
    # Polars puts its own defaults first and appends ours, so ours win in jemalloc.
    conf = seen["_RJEM_MALLOC_CONF"] or ""
    assert conf.endswith("," + JEMALLOC_CONF)
    assert "thp:always" in conf


def test_user_settings_win() -> None:
    seen = _probe(POLARS_THP="0", _RJEM_MALLOC_CONF="dirty_decay_ms:0")
    assert seen["POLARS_THP"] == "0"
    assert (seen["_RJEM_MALLOC_CONF"] or "").endswith(",dirty_decay_ms:0")
    assert JEMALLOC_CONF not in (seen["_RJEM_MALLOC_CONF"] or "")


def test_nothing_changes_once_polars_is_loaded() -> None:
    import polars  # noqa: F401  (the test process has it loaded already)

    env: dict[str, str] = {}
    assert tune_allocator(env) is False
    assert env == {}
