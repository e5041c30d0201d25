"""Source-format parsers and their explicit registry.

Each format registers a content sniffer and a reader. A file goes to the format
whose sniffer is surest (ties go to the earlier entry in PARSERS, so the choice
is reproducible, as pygments' guess_lexer does); a file no sniffer accepts is
skipped with a reason.
"""

from __future__ import annotations

from typing import Final

from parsers import webhook
from parsers._base import SNIFF_BYTES, Fact, ParseContext, Parser, ParseResult
from parsers.boomi import BOOMI_PARSERS
from parsers.make import MAKE_PARSERS
from parsers.zapier import zap_runs

PARSERS: Final[tuple[Parser, ...]] = (
    webhook.PARSER,
    *MAKE_PARSERS,
    zap_runs.PARSER,
    *BOOMI_PARSERS,
)

__all__ = ["PARSERS", "Fact", "ParseContext", "ParseResult", "Parser", "by_id", "detect"]


def detect(data: bytes, name: str) -> Parser | None:
    """Return the parser surest that data is its format, or None when none accepts it."""
    head = data[:SNIFF_BYTES]
    best: Parser | None = None
    best_score = 0.0
    for parser in PARSERS:
        score = parser.sniff(head, name)
        if score > best_score:
            best, best_score = parser, score
    return best


def by_id(format_id: str) -> Parser:
    """Return the registered parser with this format id.

    Raises:
        KeyError: no parser has that id.
    """
    for parser in PARSERS:
        if parser.id == format_id:
            return parser
    raise KeyError(format_id)
