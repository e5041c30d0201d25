"""Suspicious field mappings (MAP001-MAP004), from the mappings table and declared mappings.

Samples are the rows of the ``mappings`` table, one per (event row, source
field, destination field); their time is the apply time of the event they cite
(processed_at, else received_at, else occurred_at). Per pair (flow, src_field,
dst_field), ``_relations.relate`` fits identity, a constant ratio or a constant
offset. A relationship may change once in the window: the split point that best
separates samples fitting the pair's relationship from those that do not (and
classifies more samples than the relationship alone) is tried, both sides are
refitted, and the split is kept when each side holds at
least MIN_REGIME samples and their relationships differ (the change time is the
first sample of the second side). A pair explains its destination when it has
MIN_SAMPLES samples and MIN_FIT_SHARE of them fit their side's relationship.

Which pairs are judged: for a destination field with a declared mapping (a
``make.mapping`` Fact from a blueprint), the observed pair whose source has the
declared source's last path segment (case-insensitive); otherwise, the source
field that best explains the destination (highest fit share, then same field
name, then same meaning, then name order). Zapier logs pair every numeric input
with every numeric output, so this is what keeps coincidental pairs out.

MAP001 fires on a judged pair, or on a declared mapping even with no observed
values, whose source and destination have different known quantity meanings
(``_vocabulary``). MAP002, MAP003 and MAP004 fire on a judged pair's ratio,
offset and lossy-identity sides holding MIN_FIT_SHARE of their samples; both
sides of a change with the same code make one finding (k or c after the change,
the relationship before it in the metrics), and a changed ratio is high. A
declared formula alone (``round(1.on_hand / 12)``) is shown in the metrics of
the matching finding but raises no MAP002 / MAP003 by itself. Findings are
flow-level with entity ``src_field -> dst_field`` (several mappings of one flow
stay separate findings with their own fingerprints; no SKU is ever confused with
it); start / end span the fitting samples. Evidence: the last record before and
the first after a change, FIT_EXAMPLES fitting records, then the exceptions
(MAP004: the lossy records, then the exceptions).

Null policy: samples with a null or non-finite destination value are not
evaluated. A null source fits only the lossy identity "null -> 0" and counts as
an exception of any other relationship. Samples whose event has no time sort
first. Thresholds are module constants; a ``Thresholds`` carrying
``mapping_min_samples`` / ``mapping_min_fit`` overrides the first two.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import polars as pl

from forensics.detectors._base import EPISODE_SCHEMA, Code, DetectContext, Detector
from forensics.detectors._relations import number_text, relate
from forensics.detectors._vocabulary import label, meaning
from forensics.detectors._windows import metrics_json
from forensics.findings import Severity

# A pair needs this many samples with a destination value to be judged at all.
MIN_SAMPLES: Final = 20
# Share of a pair's samples that must fit for the relationship to be reported.
MIN_FIT_SHARE: Final = 0.9
# Samples each side of a change point must hold.
MIN_REGIME: Final = 5
# Distinct destination values a relationship's fitting samples must show.
MIN_DISTINCT: Final = 3
# Evidence: fitting examples cited before the exceptions; at most MAX_ROWS in all.
FIT_EXAMPLES: Final = 5
MAX_ROWS: Final = 20
MAPPING_FACT_KINDS: Final = ("make.mapping",)

PAIR: Final = ["flow", "src_field", "dst_field"]
ORDER: Final = ["_at", "row"]

MAP001 = Code(
    code="MAP001",
    title="Field meaning mismatch: {src_meaning} mapped into {dst_meaning} ({entity})",
    severity=Severity.HIGH,
    what=(
        "A field with one quantity meaning (on hand, available, committed, incoming, "
        "safety stock, damaged) is mapped into a field with another meaning."
    ),
    why=(
        "The destination shows a different quantity than its field promises, e.g. physical "
        "stock published as sellable stock oversells every unit that is committed or damaged."
    ),
    fix=(
        "Map the destination from the source field of the same meaning, or compute it "
        "explicitly (available = on hand - committed - safety stock) in the mapping."
    ),
)
MAP002 = Code(
    code="MAP002",
    title="Destination written as {k} x the source on {entity}",
    severity=Severity.MEDIUM,
    what="The destination field is a constant multiple (k other than 1) of the source field.",
    why=(
        "A unit-of-measure or pack-size conversion sits in the handoff: counts in eaches and "
        "cases disagree by that factor, and a changed factor silently rescales stock."
    ),
    fix=(
        "Confirm the units on both sides and keep the conversion in one documented place; "
        "when k changed, find the configuration change at that time and correct the "
        "quantities written since."
    ),
)
MAP003 = Code(
    code="MAP003",
    title="Destination written as the source minus {offset} on {entity}",
    severity=Severity.MEDIUM,
    what="The destination field equals the source field minus a constant.",
    why=(
        "A safety-stock or buffer deduction is applied at the posting layer, so the systems "
        "disagree by that constant on every record and nobody sees it in either system."
    ),
    fix=(
        "Hold safety stock as its own field in the system that owns it and publish it "
        "explicitly instead of deducting it inside the integration."
    ),
)
MAP004 = Code(
    code="MAP004",
    title="Lossy coercion ({lossy}) on {entity}",
    severity=Severity.MEDIUM,
    what=(
        "The destination copies the source but drops information: decimals truncated, "
        "negative quantities clipped to 0 or missing values written as 0."
    ),
    why=(
        "Clipping hides oversold stock, a null written as 0 wipes the stock of a record the "
        "source never counted, and truncation loses fractional units on every write."
    ),
    fix=(
        "Carry nulls and negatives through (or reject the record) and use a numeric type "
        "with the source's precision in the mapping."
    ),
)

DECLARED_SCHEMA: Final = pl.Schema(
    {
        "flow": pl.String(),
        "src_field": pl.String(),
        "dst_field": pl.String(),
        "expression": pl.String(),
        "kind": pl.String(),
        "operator": pl.String(),
        "constant": pl.Float64(),
        "declared_in": pl.String(),
    }
)
_OPERATORS: Final = ("*", "/", "+", "-")
_MODULE_PREFIX: Final = re.compile(r"^\d+\.")


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return str(value)
    return None


def declared_mappings(facts: Iterable[Any]) -> pl.DataFrame:
    """Read declared mappings from Facts into DECLARED_SCHEMA rows.

    Reads Facts whose ``kind`` is in MAPPING_FACT_KINDS (the Make blueprint
    parser's ``make.mapping``). Keys read from ``values``, all optional:

    - ``flow``, else ``name``, else ``scenario:<fact key>``;
    - ``dst_field``;
    - ``src_field``, else the one entry of ``sources`` (``{"field": ...}``); a
      leading module id (``1.on_hand``) is dropped;
    - ``expression`` and ``kind`` (``reference``, ``formula``, ...), shown as is;
    - ``operator`` (one of ``* / + -``) and ``constant`` (a finite number): the
      declared ratio or offset of a simple formula such as ``round(1.on_hand / 12)``.

    ``declared_in`` is the Fact's ``file:line``. A Fact lacking a flow, a
    destination or exactly one source (literals, variables, templates mixing
    fields) is skipped, as is one whose values are not a mapping; a missing or
    mistyped key never raises. The first declaration of a (flow, source,
    destination) wins; the loader hands facts over sorted by file and line.
    """
    rows: list[tuple[Any, ...]] = []
    for fact in facts:
        if getattr(fact, "kind", None) not in MAPPING_FACT_KINDS:
            continue
        values = getattr(fact, "values", None)
        if not isinstance(values, Mapping):
            continue
        key = _text(getattr(fact, "key", None))
        flow = (
            _text(values.get("flow"))
            or _text(values.get("name"))
            or (f"scenario:{key}" if key else None)
        )
        src = _text(values.get("src_field"))
        sources = values.get("sources")
        if src is None and isinstance(sources, list) and len(sources) == 1:
            only = sources[0]
            src = _text(only.get("field")) if isinstance(only, Mapping) else None
        dst = _text(values.get("dst_field"))
        if not (flow and src and dst):
            continue
        operator = values.get("operator")
        constant = values.get("constant")
        numeric = isinstance(constant, int | float) and not isinstance(constant, bool)
        if not numeric or not math.isfinite(constant):
            constant = None
        if operator not in _OPERATORS or constant is None:
            operator = constant = None
        rows.append(
            (
                flow,
                _MODULE_PREFIX.sub("", src),
                dst,
                _text(values.get("expression")),
                _text(values.get("kind")),
                operator,
                None if constant is None else float(constant),
                f"{getattr(fact, 'file', '?')}:{getattr(fact, 'line', '?')}",
            )
        )
    frame = pl.DataFrame(rows, schema=DECLARED_SCHEMA, orient="row")
    return frame.unique(["flow", "src_field", "dst_field"], keep="first", maintain_order=True)


def _declared_relationship() -> pl.Expr:
    """The declared formula as a relationship: ``dst = src x 1/12``, ``dst = src - 5``."""
    op, c = pl.col("operator"), number_text(pl.col("constant"))
    return (
        pl.when(op == "/")
        .then(pl.format("dst = src x 1/{}", c))
        .when(op == "*")
        .then(pl.format("dst = src x {}", c))
        .when(op == "-")
        .then(pl.format("dst = src - {}", c))
        .when(op == "+")
        .then(pl.format("dst = src + {}", c))
        .when(pl.col("kind") == "reference")
        .then(pl.lit("dst = src"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _declared(declared: pl.DataFrame) -> pl.LazyFrame:
    """Declared mappings keyed by flow and the last segments of both fields."""
    return (
        declared.lazy()
        .with_columns(_src_leaf=_leaf("src_field"), _dst_leaf=_leaf("dst_field"))
        .unique(["flow", "_src_leaf", "_dst_leaf"], keep="first", maintain_order=True)
        .select(
            "flow",
            "_src_leaf",
            "_dst_leaf",
            "declared_in",
            _d_src="src_field",
            _d_dst="dst_field",
            declared_expression="expression",
            declared_relationship=_declared_relationship(),
        )
    )


def _thresholds(ctx: DetectContext) -> tuple[int, float]:
    """MIN_SAMPLES and MIN_FIT_SHARE, unless the thresholds carry mapping overrides."""
    samples = getattr(ctx.thresholds, "mapping_min_samples", None)
    fit = getattr(ctx.thresholds, "mapping_min_fit", None)
    return (int(samples) if samples else MIN_SAMPLES, float(fit) if fit else MIN_FIT_SHARE)


def _leaf(column: str) -> pl.Expr:
    """Last dotted segment, lower-cased: how declared and observed names are matched."""
    return pl.col(column).str.replace(r"^.*\.", "").str.to_lowercase()


def _samples(events: pl.LazyFrame, mappings: pl.LazyFrame) -> pl.LazyFrame:
    observed = mappings.filter(pl.col("dst_value").is_finite())
    # NOTE: only the rows that carry a mapping (few or none in most exports):
    # a semi join first, so the join's table is not built from every event.
    times = (
        events.select("row", "processed_at", "received_at", "occurred_at")
        .join(observed.select("row"), on="row", how="semi")
        .select("row", _at=pl.coalesce("processed_at", "received_at", "occurred_at"))
    )
    source = pl.col("src_value")
    return (
        observed.join(times, on="row", how="left")
        .select(
            *PAIR,
            "row",
            "_at",
            s=pl.when(source.is_finite()).then(source),
            d=pl.col("dst_value"),
        )
        # NOTE: windows keyed by one integer pair id are about twice as fast as
        # windows keyed by the three string columns, and there are dozens.
        .with_columns(_g=pl.struct(PAIR).rank("dense"))
        .with_columns(
            _i=pl.int_range(1, pl.len() + 1).over("_g", order_by=ORDER),
            _n=pl.len().over("_g"),
        )
    )


# Columns relate() adds: the first pass keeps them under a ``_p`` prefix.
_RELATED: Final = (
    "_kind",
    "_k",
    "_k_p",
    "_k_q",
    "_k_text",
    "_c",
    "_rel",
    "_fit",
    "_lossy",
    "_clipped",
)


def _fit(samples: pl.LazyFrame) -> pl.LazyFrame:
    """Fit each pair, allowing one change of relationship (see the module docstring).

    Returns the samples with ``_regime`` (0, or 1 after a kept change point) and
    the relationship columns of relate() for their side.
    """
    primary = relate(samples, ["_g"], min_distinct=MIN_DISTINCT)
    fitting = pl.col("_fit").cast(pl.Int64)
    before = fitting.cum_sum().over("_g", order_by=ORDER)  # fits among the first _i samples
    total = fitting.sum().over("_g")
    i, n = pl.col("_i"), pl.col("_n")
    # Samples a split after _i classifies right: "misfit, then fit" or "fit, then misfit";
    # a split must beat the relationship alone (score > total) to be tried.
    score = pl.max_horizontal((i - before) + (total - before), before + (n - i) - (total - before))
    candidate = (i >= MIN_REGIME) & (n - i >= MIN_REGIME) & (score > total)
    best = pl.col("_score") == pl.col("_score").max()
    sided = (
        primary.with_columns(_score=pl.when(candidate).then(score))
        .with_columns(_split=pl.col("_i").filter(best).min().over("_g"))
        .with_columns(_regime=(pl.col("_i") > pl.col("_split")).fill_null(False).cast(pl.UInt8))
        .rename({name: f"_p{name}" for name in _RELATED})
    )
    refit = relate(sided, ["_g", "_regime"], min_distinct=MIN_DISTINCT)
    # A split stands when both sides exist and hold different relationships.
    keep = (pl.col("_regime").n_unique().over("_g") == 2) & (
        pl.col("_rel").n_unique().over("_g") == 2
    )
    return refit.with_columns(_keep=keep).select(
        *PAIR,
        "row",
        "_at",
        "s",
        "d",
        _regime=pl.when("_keep").then("_regime").otherwise(pl.lit(0, dtype=pl.UInt8)),
        **{
            name: pl.when("_keep").then(pl.col(name)).otherwise(pl.col(f"_p{name}"))
            for name in _RELATED
        },
    )


def _rows(mask: pl.Expr, limit: int) -> pl.Expr:
    """Event rows of the samples matching mask, in time order, at most limit."""
    order = [pl.col(c) for c in ORDER]
    return pl.col("row").sort_by(order).filter(mask.sort_by(order)).head(limit)


def _regime_stats(fitted: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (pair, side): its relationship, counts, span and example rows."""
    fit, lossy = pl.col("_fit"), pl.col("_lossy")
    order = [pl.col(c) for c in ORDER]
    return (
        fitted.group_by([*PAIR, "_regime"])
        .agg(
            pl.col("_kind", "_k", "_k_text", "_c", "_rel").first(),
            _n=pl.len(),
            _fits=fit.sum(),
            _start=pl.col("_at").filter(fit).min(),
            _end=pl.col("_at").filter(fit).max(),
            _first_at=pl.col("_at").min(),
            _first_row=pl.col("row").sort_by(order).first(),
            _last_row=pl.col("row").sort_by(order).last(),
            _fit_rows=_rows(fit, FIT_EXAMPLES),
            _exc_rows=_rows(~fit, MAX_ROWS),
            _lossy_rows=_rows(lossy.is_not_null(), MAX_ROWS),
            _n_lossy=lossy.is_not_null().sum(),
            _n_null=(lossy == "null_to_zero").sum(),
            _n_negative=(lossy == "negative_clipped").sum(),
            _n_decimals=(lossy == "decimals_dropped").sum(),
            _lossy_effect=(pl.col("d") - pl.col("s")).filter(lossy.is_not_null()).sum(),
            _n_clipped=pl.col("_clipped").sum(),
        )
        .with_columns(_share=pl.col("_fits") / pl.col("_n"))
    )


def _pair_stats(regimes: pl.LazyFrame, min_samples: int, min_fit: float) -> pl.LazyFrame:
    """One row per pair: totals, whether and when its relationship changed."""
    first, second = pl.col("_regime") == 0, pl.col("_regime") == 1
    by_side = pl.col("_regime")
    return (
        regimes.group_by(PAIR)
        .agg(
            _n_total=pl.col("_n").sum(),
            _fit_total=pl.col("_fits").sum(),
            _changed=pl.len() == 2,
            _changed_at=pl.col("_first_at").filter(second).first(),
            _rel_before=pl.col("_rel").filter(first).first(),
            _rel_after=pl.col("_rel").filter(second).first(),
            # The relationship that holds: the later side's, unless it holds none.
            _rel_last=pl.col("_rel")
            .sort_by(by_side)
            .filter((pl.col("_kind") != "none").sort_by(by_side))
            .last(),
            _before_row=pl.col("_last_row").filter(first).first(),
            _after_row=pl.col("_first_row").filter(second).first(),
            _span_start=pl.col("_start").min(),
            _span_end=pl.col("_end").max(),
            _pair_fit_rows=pl.col("_fit_rows")
            .sort_by(by_side)
            .list.explode(keep_nulls=False, empty_as_null=False),
        )
        .with_columns(_share_total=pl.col("_fit_total") / pl.col("_n_total"))
        .with_columns(
            _explains=(pl.col("_n_total") >= min_samples) & (pl.col("_share_total") >= min_fit),
            _rel_before=pl.when("_changed").then("_rel_before"),
            _rel_after=pl.when("_changed").then("_rel_after"),
            _changed_at=pl.when("_changed").then("_changed_at"),
            _before_row=pl.when("_changed").then("_before_row"),
            _after_row=pl.when("_changed").then("_after_row"),
        )
    )


def _judged(pairs: pl.LazyFrame, declared: pl.LazyFrame, rows: pl.LazyFrame) -> pl.LazyFrame:
    """The pairs judged for each destination: the declared source, else the best explainer.

    ``rows`` lists the records (``row``) of every pair. Explainers of one
    destination compete only on records they share; on disjoint records each
    keeps its own relationship.

    The judged pairs carry their declaration (``declared_in``, ...) when there is one.
    """
    keys = declared.select("flow", "_dst_leaf", "_src_leaf")
    has_declaration = keys.select("flow", "_dst_leaf").unique().with_columns(_has_decl=pl.lit(True))
    is_declared = keys.with_columns(_is_decl=pl.lit(True))
    candidates = (
        pairs.filter("_explains")
        .with_columns(
            _src_leaf=_leaf("src_field"),
            _dst_leaf=_leaf("dst_field"),
            _src_meaning=meaning(pl.col("src_field")),
            _dst_meaning=meaning(pl.col("dst_field")),
        )
        .join(has_declaration, on=["flow", "_dst_leaf"], how="left")
        .join(is_declared, on=["flow", "_dst_leaf", "_src_leaf"], how="left")
        .filter(pl.col("_has_decl").is_null() | pl.col("_is_decl").fill_null(False))
    )
    # Rank the explainers of each destination: best fit, then the same field
    # name, then the same meaning, then the name (so the choice is stable).
    rank = pl.int_range(pl.len()).over(
        "flow",
        "dst_field",
        order_by=[
            -pl.col("_share_total"),
            pl.col("_src_leaf") != pl.col("_dst_leaf"),
            ~(pl.col("_src_meaning") == pl.col("_dst_meaning")).fill_null(False),
            pl.col("src_field"),
        ],
    )
    ranked = candidates.with_columns(_rank=rank)
    # NOTE: explainers compete only where they explain the same records: a Zap
    # whose runs carry either qty (eaches) or qty_cases writes one quantity from
    # two sources, and both relationships are real.
    cited = rows.join(ranked.select(*PAIR, "_rank"), on=PAIR, how="inner")
    beaten = (
        cited.join(cited, on=["flow", "dst_field", "row"], suffix="_other")
        .filter(pl.col("_rank_other") < pl.col("_rank"))
        .select(PAIR)
        .unique()
    )
    return (
        ranked.join(beaten, on=PAIR, how="anti")
        .drop("_rank")
        .join(declared, on=["flow", "_src_leaf", "_dst_leaf"], how="left")
    )


def _entity(src: str = "src_field", dst: str = "dst_field") -> pl.Expr:
    return pl.format("{} -> {}", pl.col(src), pl.col(dst))


def _iso(column: str) -> pl.Expr:
    return pl.col(column).dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")


def _episodes(frame: pl.LazyFrame, code: str, **columns: pl.Expr) -> pl.LazyFrame:
    return frame.select(code=pl.lit(code), **columns).select(
        pl.col(name).cast(dtype) for name, dtype in EPISODE_SCHEMA.items()
    )


def _evidence(*lists: str) -> pl.Expr:
    return (
        pl.concat_list(*lists)
        .list.drop_nulls()
        .list.unique(maintain_order=True)
        .list.head(MAX_ROWS)
    )


def _map001(judged: pl.LazyFrame, declared: pl.LazyFrame) -> pl.LazyFrame:
    """Judged pairs and declared mappings whose two fields have different meanings."""
    keys = ["flow", "_src_leaf", "_dst_leaf"]
    stated_only = declared.join(judged, on=keys, how="anti").rename(
        {"_d_src": "src_field", "_d_dst": "dst_field"}
    )
    both = (
        pl.concat([judged, stated_only], how="diagonal_relaxed")
        .with_columns(_m_src=meaning(pl.col("src_field")), _m_dst=meaning(pl.col("dst_field")))
        .filter(
            pl.col("_m_src").is_not_null(),
            pl.col("_m_dst").is_not_null(),
            pl.col("_m_src") != pl.col("_m_dst"),
        )
    )
    evidence = _evidence("_pair_fit_rows")
    return _episodes(
        both,
        "MAP001",
        flow=pl.col("flow"),
        entity=_entity(),
        start=pl.col("_span_start"),
        end=pl.col("_span_end"),
        severity=pl.lit(None, dtype=pl.String),
        metrics=metrics_json(
            src_meaning=label(pl.col("_m_src")),
            dst_meaning=label(pl.col("_m_dst")),
            src_field=pl.col("src_field"),
            dst_field=pl.col("dst_field"),
            relationship=pl.col("_rel_last"),
            fit_share=pl.col("_share_total"),
            samples=pl.col("_n_total"),
            **_change_metrics(),
            **_declaration(),
        ),
        evidence_rows=evidence.fill_null([]),
        evidence_total=pl.col("_fit_total").fill_null(0),
    )


def _sides(regimes: pl.LazyFrame, judged: pl.LazyFrame, which: pl.Expr) -> pl.LazyFrame:
    """Merge the judged pairs' sides selected by ``which`` into one row per pair."""
    side = pl.col("_regime")
    return (
        regimes.join(judged, on=PAIR, how="semi")
        .filter(which)
        .group_by(PAIR)
        .agg(
            _start=pl.col("_start").min(),
            _end=pl.col("_end").max(),
            _k=pl.col("_k").sort_by(side).last(),
            _k_text=pl.col("_k_text").sort_by(side).last(),
            _c=pl.col("_c").sort_by(side).last(),
            _n=pl.col("_n").sum(),
            _fits=pl.col("_fits").sum(),
            _n_lossy=pl.col("_n_lossy").sum(),
            _n_null=pl.col("_n_null").sum(),
            _n_negative=pl.col("_n_negative").sum(),
            _n_decimals=pl.col("_n_decimals").sum(),
            _n_clipped=pl.col("_n_clipped").sum(),
            _lossy_effect=pl.col("_lossy_effect").sum(),
            **{
                name: pl.col(name).sort_by(side).list.explode(keep_nulls=False, empty_as_null=False)
                for name in ("_fit_rows", "_exc_rows", "_lossy_rows")
            },
        )
        .join(judged, on=PAIR, how="inner")
    )


def _declaration() -> dict[str, pl.Expr]:
    return {
        "declared": pl.col("declared_in").is_not_null(),
        "declared_in": pl.col("declared_in"),
        "declared_expression": pl.col("declared_expression"),
        "declared_relationship": pl.col("declared_relationship"),
    }


def _change_metrics() -> dict[str, pl.Expr]:
    return {
        "changed": pl.col("_changed"),
        "changed_at": _iso("_changed_at"),
        "relationship_before": pl.col("_rel_before"),
        "relationship_after": pl.col("_rel_after"),
    }


def _counts() -> dict[str, pl.Expr]:
    return {
        "fit_share": pl.col("_fits") / pl.col("_n"),
        "samples": pl.col("_n"),
        "fitting": pl.col("_fits"),
        "exceptions": pl.col("_n") - pl.col("_fits"),
    }


def _relationship_codes(
    regimes: pl.LazyFrame, judged: pl.LazyFrame, min_fit: float
) -> list[pl.LazyFrame]:
    holds = pl.col("_share") >= min_fit
    kind = pl.col("_kind")
    shown = _evidence("_before_row", "_after_row", "_fit_rows", "_exc_rows")
    common = {
        "flow": pl.col("flow"),
        "entity": _entity(),
        "start": pl.col("_start"),
        "end": pl.col("_end"),
        "evidence_rows": shown,
        "evidence_total": pl.col("_n"),
    }
    ratio = _episodes(
        _sides(regimes, judged, (kind == "ratio") & holds),
        "MAP002",
        severity=pl.when("_changed").then(pl.lit("high")).otherwise(pl.lit(None, dtype=pl.String)),
        metrics=metrics_json(
            k=pl.col("_k_text"),
            k_value=pl.col("_k"),
            k_changed=pl.col("_changed"),
            **{k: v for k, v in _change_metrics().items() if k != "changed"},
            **_counts(),
            **_declaration(),
        ),
        **common,
    )
    offset = _episodes(
        _sides(regimes, judged, (kind == "offset") & holds),
        "MAP003",
        severity=pl.lit(None, dtype=pl.String),
        metrics=metrics_json(
            offset=pl.col("_c"),
            clipped_at_zero=pl.col("_n_clipped"),
            **_change_metrics(),
            **_counts(),
            **_declaration(),
        ),
        **common,
    )
    parts = [
        pl.when(pl.col(count) > 0).then(pl.lit(text))
        for count, text in (
            ("_n_decimals", "decimals truncated"),
            ("_n_negative", "negatives clipped to 0"),
            ("_n_null", "null to 0"),
        )
    ]
    lossy = _episodes(
        _sides(regimes, judged, (kind == "identity") & holds & (pl.col("_n_lossy") > 0)),
        "MAP004",
        severity=pl.lit(None, dtype=pl.String),
        metrics=metrics_json(
            lossy=pl.concat_str(parts, separator=", ", ignore_nulls=True),
            lossy_records=pl.col("_n_lossy"),
            decimals_dropped=pl.col("_n_decimals"),
            negative_clipped=pl.col("_n_negative"),
            null_to_zero=pl.col("_n_null"),
            quantity_effect=pl.col("_lossy_effect"),
            **_change_metrics(),
            **_counts(),
            **_declaration(),
        ),
        **{
            **common,
            "evidence_rows": _evidence("_lossy_rows", "_exc_rows"),
            "evidence_total": pl.col("_n_lossy") + pl.col("_n") - pl.col("_fits"),
        },
    )
    return [ratio, offset, lossy]


def detect(events: pl.LazyFrame, ctx: DetectContext) -> pl.LazyFrame:
    """Return MAP001-MAP004 episodes in EPISODE_SCHEMA."""
    min_samples, min_fit = _thresholds(ctx)
    stated = declared_mappings(ctx.facts)
    # NOTE: with no mapping observed or declared there is nothing to judge, and
    # optimising the full plan alone costs ~0.2 s whatever the data. The mapping
    # table is in memory, so counting it is the one (cheap) collect here.
    if stated.is_empty() and ctx.mappings.select(pl.len()).collect().item() == 0:
        return pl.LazyFrame(schema=EPISODE_SCHEMA)
    declared = _declared(stated)
    # NOTE: cache() the frames read by several branches; without it the nested
    # plan is re-expanded per branch and planning time grows exponentially.
    samples = _samples(events, ctx.mappings).cache()
    regimes = _regime_stats(_fit(samples)).cache()
    rows = samples.select(*PAIR, "row")
    judged = _judged(_pair_stats(regimes, min_samples, min_fit), declared, rows).cache()
    return pl.concat([_map001(judged, declared), *_relationship_codes(regimes, judged, min_fit)])


DETECTOR = Detector(
    name="mappings",
    codes=(MAP001, MAP002, MAP003, MAP004),
    requires=("row", "occurred_at", "received_at", "processed_at"),
    detect=detect,
)
