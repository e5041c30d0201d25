"""Drift verdict and attribution: which findings explain each drifting entity (SPEC section 6).

Runs after every detector: a DRF001 finding gets the findings that touch its
entity (the same entity on any flow, or a flow-level finding on a flow that
wrote the entity and that was still going on at, or came after, the entity's
last write on it), with the part of the delta each explains where it can be
computed (a stale write still standing: its quantity_effect; a safety-stock
offset at the posting layer: minus the offset). What they do not explain is shown as
unexplained. The share of active entities that drift decides the verdict:
above ``debt_share`` structural integration debt, else isolated problems.

Each DRF001 finding also gets the integration-versus-process indicator of its
entity on the disagreeing system (forensics.indicators: ``indicator``,
``cycles``, ``consistent_share``), and the drift block counts findings per
indicator (``indicators``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

import polars as pl

from forensics.detectors import DetectContext
from forensics.detectors._windows import applied, with_apply_keys
from forensics.detectors.drift import system_values
from forensics.findings import Finding
from forensics.indicators import INDICATORS, UNCLEAR, indicators

TOP_DRIFTING: Final = 10
DEBT: Final = "structural integration debt"
ISOLATED: Final = "isolated problems"
NOT_EVALUATED: Final = "not evaluated"


def attribute(
    events: pl.DataFrame, ctx: DetectContext, findings: list[Finding]
) -> tuple[list[Finding], dict[str, Any]]:
    """Attribute drifting entities to findings and compute the drift summary.

    Args:
        events: canonical events.
        ctx: thresholds, systems and mappings.
        findings: every finding of the run.

    Returns:
        The findings with DRF001 metrics completed, and the summary's drift block.
    """
    # The detectors' events, so the drift detector's system values are reused.
    values = system_values(ctx.shared.bind(events), ctx).collect()
    truth = values.filter("is_truth")
    active = values.get_column("_entity").n_unique()
    evaluable = truth.height
    drifting = [f for f in findings if f.code == "DRF001"]
    others = _Causes([f for f in findings if f.code != "DRF001"])
    # NOTE: loops over findings (incidents, bounded), never over events.
    last_writes = _last_writes(events) if drifting else {}
    kinds = _indicators(events, ctx) if drifting else {}
    completed = {
        f.id: _with_indicator(_with_causes(f, others, last_writes), kinds) for f in drifting
    }
    share = len(drifting) / evaluable if evaluable else 0.0
    if not evaluable:
        # Without a value from the source of truth nothing can be said to drift.
        verdict = NOT_EVALUATED
    elif share > ctx.thresholds.debt_share:
        verdict = DEBT
    else:
        verdict = ISOLATED
    top = sorted(
        completed.values(),
        key=lambda f: (-abs(f.metrics.get("quantity_effect") or 0), f.entity or ""),
    )[:TOP_DRIFTING]
    summary = {
        "source_of_truth": ctx.source_of_truth,
        "active_entities": active,
        "evaluated_entities": evaluable,
        "drifting_entities": len(drifting),
        "share": round(share, 4),
        "debt_share": ctx.thresholds.debt_share,
        "verdict": verdict,
        "indicators": {
            kind: sum(1 for f in completed.values() if f.metrics.get("indicator") == kind)
            for kind in INDICATORS
        },
        "top": [_top_row(f, values) for f in top],
    }
    if verdict == NOT_EVALUATED:
        summary["reason"] = (
            f"no flow out of the source of truth ({ctx.source_of_truth}) wrote a quantity; "
            'name flows "WMS to ERP ..." or declare them in [flows] of forensics.toml'
        )
    return [completed.get(f.id, f) for f in findings], summary


def _last_writes(events: pl.DataFrame) -> dict[tuple[str, str], Any]:
    """(entity, flow) -> apply time of the entity's last applied write on that flow."""
    # NOTE: read from the events, not the per-system last values: two flows can
    # write one system, and a flow-level finding on the earlier one still counts.
    table = (
        with_apply_keys(events.lazy())
        .filter(applied(), pl.col("sku").is_not_null())
        .group_by("_entity", "flow")
        .agg(at=pl.col("_apply_at").max())
        .collect()
    )
    return {(e, f): at for e, f, at in table.iter_rows()}


def _indicators(events: pl.DataFrame, ctx: DetectContext) -> dict[tuple[str, str], dict[str, Any]]:
    """(entity, system) -> indicator, cycles and consistent share."""
    table = indicators(events.lazy(), ctx).collect()
    return {
        (row["_entity"], row["system"]): {
            "indicator": row["indicator"],
            "cycles": row["cycles"],
            "consistent_share": row["consistent_share"],
        }
        for row in table.iter_rows(named=True)
    }


def _with_indicator(drift: Finding, kinds: dict[tuple[str, str], dict[str, Any]]) -> Finding:
    found = kinds.get((drift.entity or "", str(drift.metrics.get("system"))))
    extra = found or {"indicator": UNCLEAR, "cycles": 0, "consistent_share": None}
    return dataclasses.replace(drift, metrics={**drift.metrics, **extra})


def _flow_level(cause: Finding) -> bool:
    # Mapping findings name a field pair, not an entity: they touch every entity
    # their flow writes.
    return cause.entity is None or cause.code.startswith("MAP")


def _touches(cause: Finding, entity: str, last_writes: dict[tuple[str, str], Any]) -> bool:
    if not _flow_level(cause):
        return cause.entity == entity
    at = last_writes.get((entity, cause.flow))
    if at is None:
        return False
    # A flow-level incident matters if it was still going on at, or came after,
    # the entity's last write on the flow: a gap after it lost the next update.
    return cause.end is None or cause.end >= at


def _explains(cause: Finding) -> float | None:
    """The part of a drift a cause accounts for, where it can be computed."""
    effect = cause.metrics.get("quantity_effect")
    if not _flow_level(cause):
        # A stale write still standing at the end of the log.
        if cause.metrics.get("repaired") is not True and isinstance(effect, int | float):
            return effect
        return None
    offset = cause.metrics.get("offset")
    if cause.code == "MAP003" and isinstance(offset, int | float):
        return -offset
    return None


class _Causes:
    """The findings that may explain a drift, indexed by entity (in their original order).

    A drifting entity is checked against its own entity-level findings and the
    flow-level ones only, not against every finding of the run.
    """

    __slots__ = ("_by_entity", "_flow_level")

    def __init__(self, findings: list[Finding]) -> None:
        self._by_entity: dict[str | None, list[tuple[int, Finding]]] = {}
        self._flow_level: list[tuple[int, Finding]] = []
        for i, cause in enumerate(findings):
            if _flow_level(cause):
                self._flow_level.append((i, cause))
            else:
                self._by_entity.setdefault(cause.entity, []).append((i, cause))

    def touching(self, entity: str, last_writes: dict[tuple[str, str], Any]) -> list[Finding]:
        """The findings that touch entity, in the order they were given."""
        candidates = sorted([*self._by_entity.get(entity, ()), *self._flow_level])
        return [c for _, c in candidates if _touches(c, entity, last_writes)]


def _with_causes(
    drift: Finding, others: _Causes, last_writes: dict[tuple[str, str], Any]
) -> Finding:
    entity = drift.entity or ""
    causes = others.touching(entity, last_writes)
    parts = [part for c in causes if (part := _explains(c)) is not None]
    explained = sum(parts) if parts else None
    delta = drift.metrics.get("quantity_effect")
    unexplained = None
    if isinstance(delta, int | float):
        unexplained = delta - (explained or 0)
    metrics = {
        **drift.metrics,
        "explained_by": ", ".join(f"{c.code} {c.id}" for c in causes) or None,
        "explained_quantity": explained,
        "unexplained_quantity": unexplained,
    }
    return dataclasses.replace(drift, metrics=metrics)


def _top_row(finding: Finding, values: pl.DataFrame) -> dict[str, Any]:
    systems = (
        values.filter(pl.col("_entity") == finding.entity)
        .sort("system")
        .select("system", "value")
        .iter_rows()
    )
    return {
        "entity": finding.entity,
        "values": {system: _number(value) for system, value in systems},
        "quantity_effect": finding.metrics.get("quantity_effect"),
        "explained_by": finding.metrics.get("explained_by"),
        "unexplained_quantity": finding.metrics.get("unexplained_quantity"),
    }


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
