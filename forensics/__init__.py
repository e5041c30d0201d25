"""middleware-forensics: why inventory counts drift, from exported middleware logs."""

from forensics._allocator import tune_allocator

tune_allocator()

__version__ = "0.1.0"
