"""middleware-forensics: why inventory counts drift, from exported middleware logs."""

__version__ = "0.1.0"
