"""Exception tree: user-facing input errors versus our own implementation bugs.

Per-record problems are data (``Rejection``), never exceptions. Exceptions are
for "cannot continue with this input" or "the code is wrong".
"""

from __future__ import annotations


class ForensicsError(Exception):
    """Anything a user can fix; the message is one sentence that says what to do."""


class UnreadableInputError(ForensicsError):
    """The path to analyse does not exist, cannot be read, or holds nothing readable."""


class UnsupportedArchiveError(ForensicsError):
    """An archive given as the analysed path cannot be opened."""


class ConfigError(ForensicsError):
    """forensics.toml or a command-line option has an invalid value."""


class ImplementationError(Exception):
    """Our bug: a definition or invariant of the code itself is broken."""


class SchemaMismatchError(ImplementationError):
    """A parser or detector produced a frame that does not match the declared schema."""


class DetectorDefinitionError(ImplementationError):
    """A detector is registered with duplicate codes, bad docs or unknown columns."""


class AccountingError(ImplementationError):
    """A reader lost records: parsed + rejected differs from the records it saw."""
