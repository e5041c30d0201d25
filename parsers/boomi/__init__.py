"""Boomi formats: execution records, per-document tracking and process logs.

Recommended registry order (``parsers.PARSERS``): ``execution_records``,
``documents``, ``process_log``. The sniffers do not overlap, so the order only
matters as the documented tie-break.
"""

from __future__ import annotations

from typing import Final

from parsers._base import Parser
from parsers.boomi import documents, execution_records, process_log

PARSERS: Final[tuple[Parser, ...]] = (
    execution_records.PARSER,
    documents.PARSER,
    process_log.PARSER,
)
# The name the registry imports, like ``parsers.make.MAKE_PARSERS``.
BOOMI_PARSERS: Final = PARSERS

__all__ = ["BOOMI_PARSERS", "PARSERS"]
