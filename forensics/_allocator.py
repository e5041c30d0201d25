"""Allocator settings for one batch analysis, applied before Polars is imported.

Polars is built with jemalloc and, when imported, tells it to hand freed pages
back to the OS after 0.5 s (dirty) and 1 s (muzzy) (pola-rs/polars#18088),
then appends ``_RJEM_MALLOC_CONF`` to those settings. An analysis allocates and
frees frames of hundreds of MB per file and per detector in bursts a few
seconds apart, so with those defaults the same pages are returned and faulted
in again: at 1M deliveries, 1.3M minor page faults and 4.6 s of system time,
a sixth of the run (bench/RESULTS.md). Keeping freed pages a little longer
and letting jemalloc use transparent huge pages (``POLARS_THP``, Polars' own
switch; a no-op where the kernel disables them) cuts both, for a peak RSS
that stays within the bench targets.

A value the user already set for either variable wins, and nothing changes
once Polars is loaded (a library caller that imported it first).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import Final

JEMALLOC_CONF: Final = "dirty_decay_ms:1000,muzzy_decay_ms:2000"


def tune_allocator(environ: MutableMapping[str, str] | None = None) -> bool:
    """Set Polars' allocator variables unless the user set them or Polars is loaded.

    Args:
        environ: the environment to change; ``os.environ`` by default.

    Returns:
        Whether the settings were applied (False once Polars is imported).
    """
    if "polars" in sys.modules:
        return False
    env = os.environ if environ is None else environ
    env.setdefault("POLARS_THP", "1")
    env.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)
    return True
