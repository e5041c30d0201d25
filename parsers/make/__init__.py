"""Make (formerly Integromat) export parsers, one module per format id.

The lead registers them in ``parsers.PARSERS``; ``MAKE_PARSERS`` gives the
recommended order. Their sniffers share one classifier (``_sniff.classify``), so
no two Make formats claim the same file.
"""

from __future__ import annotations

from typing import Final

from parsers._base import Parser
from parsers.make import blueprint, dlq, hook_logs, incomings, scenario_logs

# Fact producers first only for readability: sniffers never tie, and the loader
# runs every finalize after all files were read, so the order has no effect.
MAKE_PARSERS: Final[tuple[Parser, ...]] = (
    scenario_logs.PARSER,
    hook_logs.PARSER,
    incomings.PARSER,
    blueprint.PARSER,
    dlq.PARSER,
)

__all__ = ["MAKE_PARSERS"]
