"""Zapier exports: Zap run history (``zapier.zap_runs``)."""

from __future__ import annotations
