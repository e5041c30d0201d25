"""Fit one value relationship per group of (source value, destination value) samples.

Input: a LazyFrame of samples with the group key columns, ``row``, ``_at`` (apply
time), ``s`` (source value, nullable) and ``d`` (destination value, not null).
Output: the same samples with the group's chosen relationship and whether each
sample fits it. Three relationships are tried:

- identity ``d = s``, together with lossy coercions of it (null -> 0, a negative
  -> 0, decimals dropped: ``d`` whole and less than 1 away from a fractional
  ``s``), which MAP004 reports;
- ratio ``d = k x s``: ``k`` is first guessed as the median of ``d / s``; each
  sample within 25% of the guess bounds ``k`` by what a whole ``d`` may be of
  ``k x s`` (rounded: +-0.5; floored: [d, d + 1); ceiled; any of them: +-1) or,
  for a fractional ``d``, by rounding to cents (+-0.0051). The first of those
  intersections over the samples that is not empty (rounding first, as it is
  the tightest) brackets ``k``; with exceptions in the band, the 80 / 20 %
  quantiles of the +-1 bounds do. ``k`` is the simplest fraction ``p/q`` in the
  bracket (smallest ``q`` <= 32, else the smallest ``1/n``: pack sizes such as
  1/144), else its middle. A sample fits when ``|d - k x s| < t`` with ``t`` = 1
  for a whole ``d`` and 0.0051 otherwise;
- offset ``d = s - c``: ``c`` is the median of ``s - d``; a sample fits when
  equal, or when ``d`` is 0 because ``s - c`` went negative (clipped at zero).

The relationship with the most fitting samples wins (ties: identity, ratio,
offset). A ratio of 1 or an offset of 0 is identity, not a ratio or offset; a
relationship whose fitting samples hold fewer than ``min_distinct`` distinct
destination values is not a relationship (a constant destination explains
nothing). No relationship: ``_kind`` = "none" and no sample fits.
"""

from __future__ import annotations

from typing import Final

import polars as pl

MAX_DENOMINATOR: Final = 32
MAX_RECIPROCAL: Final = 100_000
WHOLE_SLACK: Final = 1.0
DECIMAL_SLACK: Final = 0.0051
RATIO_BAND: Final = 0.25
# Relative tolerance of "equal" for float values read from logs.
EPS: Final = 1e-9

KINDS: Final = ("identity", "ratio", "offset", "none")

_S = pl.col("s")
_D = pl.col("d")


def _close(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a - b).abs() <= EPS * pl.max_horizontal(pl.lit(1.0), a.abs(), b.abs())


def _whole(value: pl.Expr) -> pl.Expr:
    return value.round() == value


def _slack() -> pl.Expr:
    return pl.when(_whole(_D)).then(pl.lit(WHOLE_SLACK)).otherwise(pl.lit(DECIMAL_SLACK))


def _ratio_samples() -> pl.Expr:
    return _S.is_not_null() & (_S != 0) & (_D != 0) & ((_D / _S) > 0)


def lossy_kind() -> pl.Expr:
    """How the destination lost information relative to the source, else null."""
    return (
        pl.when(_S.is_null() & (_D == 0))
        .then(pl.lit("null_to_zero"))
        .when((_S < 0) & (_D == 0))
        .then(pl.lit("negative_clipped"))
        .when(~_whole(_S) & _whole(_D) & ((_D - _S).abs() < 1))
        .then(pl.lit("decimals_dropped"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _bounds(below: pl.Expr, above: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The k interval ``[(d - below) / s, (d + above) / s]`` of one sample (s may be negative)."""
    a, b = (_D - below) / _S, (_D + above) / _S
    return pl.min_horizontal(a, b), pl.max_horizontal(a, b)


def _ratio(key: list[str]) -> tuple[list[pl.Expr], ...]:
    """Column steps that add ``_k`` (Float64) and ``_k_p`` / ``_k_q`` (a simple fraction)."""
    k_mid = pl.col("_k_mid")
    band = _ratio_samples() & ((_D / _S - k_mid).abs() <= RATIO_BAND * k_mid)
    whole = _whole(_D)
    cents = pl.lit(DECIMAL_SLACK)
    # How a whole d may come from k x s: rounded, floored, ceiled, or any of them.
    modes = [
        (pl.when(whole).then(0.5).otherwise(cents), pl.when(whole).then(0.5).otherwise(cents)),
        (pl.when(whole).then(0.0).otherwise(cents), pl.when(whole).then(1.0).otherwise(cents)),
        (pl.when(whole).then(1.0).otherwise(cents), pl.when(whole).then(0.0).otherwise(cents)),
        (_slack(), _slack()),
    ]
    intersections = []
    for below, above in modes:
        low, high = _bounds(below, above)
        intersections.append((low.filter(band).max().over(key), high.filter(band).min().over(key)))
    # NOTE: the first mode whose intersection is not empty wins (rounding first:
    # its interval is the tightest). With exceptions inside the band every
    # intersection is empty; the 80 / 20 % quantiles still bracket k when most
    # samples fit.
    low, high = _bounds(_slack(), _slack())
    lo_q = low.filter(band).quantile(0.8, "nearest").over(key)
    hi_q = high.filter(band).quantile(0.2, "nearest").over(key)
    (lo_0, hi_0), *others = intersections
    pick_lo = pl.when(lo_0 <= hi_0).then(lo_0)
    pick_hi = pl.when(lo_0 <= hi_0).then(hi_0)
    for lo_m, hi_m in others:
        pick_lo = pick_lo.when(lo_m <= hi_m).then(lo_m)
        pick_hi = pick_hi.when(lo_m <= hi_m).then(hi_m)
    lo, hi = pl.col("_lo"), pl.col("_hi")
    # Fractions only for plausible conversion factors; others show k as a decimal.
    usable = (lo > 0) & (lo <= hi) & (hi < 1e12)
    # Smallest q <= MAX_DENOMINATOR with an integer p such that lo <= p/q <= hi.
    smallest_q = pl.coalesce(
        [
            pl.when(
                ((lo * q * (1 - EPS)).ceil() >= 1)
                & ((lo * q * (1 - EPS)).ceil() / q <= hi * (1 + EPS))
            ).then(pl.lit(q, dtype=pl.Int64))
            for q in range(1, MAX_DENOMINATOR + 1)
        ]
    )
    # Else the smallest n with lo <= 1/n <= hi (pack sizes such as 1/144).
    # NOTE: strict=False: an absurd k (1e-30) must not overflow Int64 and fail the run.
    reciprocal = (1 / hi * (1 - EPS)).ceil().cast(pl.Int64, strict=False)
    reciprocal_ok = (
        (hi < 1)
        & (1 / reciprocal.cast(pl.Float64) >= lo * (1 - EPS))
        & (reciprocal <= MAX_RECIPROCAL)
    )
    q = pl.coalesce(smallest_q, pl.when(reciprocal_ok).then(reciprocal))
    fraction = pl.col("_k_p").cast(pl.Float64) / pl.col("_k_q").cast(pl.Float64)
    middle = pl.when(lo <= hi).then((lo + hi) / 2)
    return (
        [_k_mid_expr(key)],
        [pick_lo.otherwise(lo_q).alias("_lo"), pick_hi.otherwise(hi_q).alias("_hi")],
        [pl.when(usable).then(q).alias("_k_q")],
        [
            (lo * pl.col("_k_q").cast(pl.Float64) * (1 - EPS))
            .ceil()
            .cast(pl.Int64, strict=False)
            .alias("_k_p")
        ],
        [pl.coalesce(fraction, middle, k_mid).alias("_k")],
    )


def _k_mid_expr(key: list[str]) -> pl.Expr:
    return (_D / _S).filter(_ratio_samples()).quantile(0.5, "nearest").over(key).alias("_k_mid")


def k_text(k: pl.Expr, p: pl.Expr, q: pl.Expr) -> pl.Expr:
    """``12``, ``1/12``, ``3/2`` for a simple fraction, else k to 4 significant digits."""
    return (
        pl.when(q == 1)
        .then(p.cast(pl.String))
        .when(q.is_not_null())
        .then(pl.format("{}/{}", p, q))
        .otherwise(k.round_sig_figs(4).cast(pl.String))
    )


def number_text(value: pl.Expr) -> pl.Expr:
    """A number without a trailing ``.0`` when it is whole."""
    return (
        pl.when(_whole(value) & (value.abs() < 1e15))
        .then(value.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(value.round_sig_figs(6).cast(pl.String))
    )


def relationship_text() -> pl.Expr:
    """``dst = src``, ``dst = src x 1/12``, ``dst = src - 5`` or ``none``."""
    c = pl.col("_c")
    return (
        pl.when(pl.col("_kind") == "identity")
        .then(pl.lit("dst = src"))
        .when(pl.col("_kind") == "ratio")
        .then(pl.format("dst = src x {}", pl.col("_k_text")))
        .when((pl.col("_kind") == "offset") & (c >= 0))
        .then(pl.format("dst = src - {}", number_text(c)))
        .when(pl.col("_kind") == "offset")
        .then(pl.format("dst = src + {}", number_text(-c)))
        .otherwise(pl.lit("none"))
    )


def relate(samples: pl.LazyFrame, key: list[str], *, min_distinct: int) -> pl.LazyFrame:
    """Return the samples with their group's relationship and per-sample fit.

    Added columns: ``_kind`` (one of KINDS), ``_k`` / ``_k_p`` / ``_k_q`` /
    ``_k_text`` (ratio), ``_c`` (offset), ``_rel`` (readable relationship),
    ``_fit`` (the sample fits ``_kind``), ``_lossy`` (lossy coercion kind of a
    fitting identity sample, else null), ``_clipped`` (a fitting offset sample
    clipped at zero). Helper columns ``_k_mid``, ``_lo``, ``_hi`` and ``_f_*``
    are dropped.

    NOTE: every group statistic is a window (``over(key)``), not a group_by
    joined back: the plan stays one chain, so relating relate's output (the
    change-point pass) does not re-plan the first pass once per branch.
    """
    both = _S.is_not_null()
    frame = samples.with_columns(_c=(_S - _D).filter(both).quantile(0.5, "nearest").over(key))
    for step in _ratio(key):
        frame = frame.with_columns(step)
    k, c = pl.col("_k"), pl.col("_c")
    frame = frame.with_columns(
        _f_identity=both & _close(_D, _S),
        _f_lossy=lossy_kind(),
        _f_ratio=both & k.is_not_null() & ((_D - k * _S).abs() < _slack()),
        _f_offset=both & c.is_not_null() & (_close(_S - _D, c) | ((_D == 0) & (_S - c < 0))),
    )
    identity_fit = pl.col("_f_identity") | pl.col("_f_lossy").is_not_null()

    def score(fits: pl.Expr, valid: pl.Expr) -> pl.Expr:
        distinct = _D.filter(fits).n_unique().over(key)
        return pl.when(valid & (distinct >= min_distinct)).then(fits.sum().over(key)).otherwise(0)

    frame = frame.with_columns(
        _s_identity=score(identity_fit, pl.lit(True)),
        _s_ratio=score(pl.col("_f_ratio"), k.is_not_null() & ((k - 1).abs() > 1e-3)),
        _s_offset=score(pl.col("_f_offset"), c.is_not_null() & (c != 0)),
    )
    best = pl.max_horizontal("_s_identity", "_s_ratio", "_s_offset")
    frame = frame.with_columns(
        _kind=pl.when(best <= 0)
        .then(pl.lit("none"))
        .when(pl.col("_s_identity") == best)
        .then(pl.lit("identity"))
        .when(pl.col("_s_ratio") == best)
        .then(pl.lit("ratio"))
        .otherwise(pl.lit("offset")),
        _k_text=k_text(k, pl.col("_k_p"), pl.col("_k_q")),
    ).with_columns(_rel=relationship_text())
    kind = pl.col("_kind")
    fit = (
        pl.when(kind == "identity")
        .then(identity_fit)
        .when(kind == "ratio")
        .then(pl.col("_f_ratio"))
        .when(kind == "offset")
        .then(pl.col("_f_offset"))
        .otherwise(pl.lit(False))
    )
    return frame.with_columns(
        _fit=fit,
        _lossy=pl.when(kind == "identity").then(pl.col("_f_lossy")),
        _clipped=(kind == "offset") & pl.col("_f_offset") & ~_close(_S - _D, c),
    ).drop(
        "_k_mid",
        "_lo",
        "_hi",
        "_f_identity",
        "_f_lossy",
        "_f_ratio",
        "_f_offset",
        "_s_identity",
        "_s_ratio",
        "_s_offset",
    )
