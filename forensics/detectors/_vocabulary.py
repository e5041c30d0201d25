"""What an inventory quantity field means, read from its name (used by MAP001).

A field name is split into lower-case words: camelCase and acronym runs
(``QuantityOnHand``, ``ATPQty``), snake_case, kebab-case, dots and any other
punctuation all become word breaks. Common abbreviations are then expanded
word by word (``qty`` -> quantity, ``oh`` / ``qoh`` -> on hand, ``atp`` ->
available to promise, ...), and the words are matched against one pattern per
meaning, in the priority order of ``MEANINGS`` (the first that matches wins, so
``unsellable`` is damaged, not available, and ``on_hand_committed`` is
committed). The last path segment is classified first; only when it has no
meaning (``stock.qty``) is the whole dotted path tried.

A name with no meaning (``quantity``, ``stock``, ``count``) is null: it cannot
be said to differ from anything, so MAP001 never fires on it. Everything is a
Polars string expression, so classifying a large mappings table needs no
Python loop.
"""

from __future__ import annotations

from typing import Final

import polars as pl

# Word -> expansion; applied to single words after splitting.
ABBREVIATIONS: Final[dict[str, str]] = {
    "qty": "quantity",
    "qnty": "quantity",
    "qtty": "quantity",
    "quan": "quantity",
    "oh": "on hand",
    "onhand": "on hand",
    "qoh": "quantity on hand",
    "soh": "stock on hand",
    "phys": "physical",
    "atp": "available to promise",
    "ats": "available to sell",
    "avail": "available",
    "avl": "available",
    "avlbl": "available",
    "alloc": "allocated",
    "rsv": "reserved",
    "resv": "reserved",
    "rsvd": "reserved",
    "commit": "committed",
    "cmt": "committed",
    "ss": "safety stock",
    "dmg": "damaged",
    "dmgd": "damaged",
    "intransit": "in transit",
    "onorder": "on order",
}

# (slug, label, pattern over the expanded words), highest priority first.
MEANINGS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "damaged",
        "damaged / unsellable",
        r"\b(damaged?|defective|broken|quarantined?|scrap|scrapped|unsellable|unsaleable"
        r"|(non|not) (sellable|saleable))\b",
    ),
    ("safety_stock", "safety stock", r"\b(safety|buffer)\b"),
    (
        "committed",
        "committed / reserved / allocated",
        r"\b(committed|commited|reserved|reservations?|allocated|allocations?|on hold|held)\b",
    ),
    (
        "incoming",
        "incoming / on order",
        r"\b(incoming|inbound|on order|in transit|expected|arriving)\b",
    ),
    (
        "available",
        "available / ATP / sellable",
        r"\b(available|availability|sellable|saleable|orderable|free to sell|free stock)\b",
    ),
    ("on_hand", "on hand / physical", r"\b(on hand|physical|in stock)\b"),
)
LABELS: Final[dict[str, str]] = {slug: label for slug, label, _ in MEANINGS}


def words(name: pl.Expr) -> pl.Expr:
    """Split a field name into lower-case words with abbreviations expanded.

    ``QuantityOnHand`` and ``qty_on_hand`` both give ``quantity on hand``.
    """
    spaced = (
        # NOTE: acronym runs first (ATPQty -> ATP Qty), then lower->Upper (qtyATP -> qty ATP).
        name.str.replace_all(r"([A-Z]+)([A-Z][a-z])", "${1} ${2}")
        .str.replace_all(r"([a-z0-9])([A-Z])", "${1} ${2}")
        .str.replace_all(r"[^A-Za-z0-9]+", " ")
        .str.to_lowercase()
        .str.strip_chars()
    )
    return spaced.str.split(" ").list.eval(pl.element().replace(ABBREVIATIONS)).list.join(" ")


def _match(text: pl.Expr) -> pl.Expr:
    """The slug of the first meaning whose pattern matches the words, else null."""
    (slug, _, pattern), *rest = MEANINGS
    chain = pl.when(text.str.contains(pattern)).then(pl.lit(slug))
    for slug, _, pattern in rest:
        chain = chain.when(text.str.contains(pattern)).then(pl.lit(slug))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


def meaning(name: pl.Expr) -> pl.Expr:
    """Classify a dotted field path: its last segment first, else the whole path."""
    leaf = name.str.replace(r"^.*\.", "")
    return pl.coalesce(_match(words(leaf)), _match(words(name)))


def label(slug: pl.Expr) -> pl.Expr:
    """Readable label of a meaning slug (null stays null)."""
    return slug.replace_strict(LABELS, default=None, return_dtype=pl.String)


def classify(name: str) -> str | None:
    """Classify one field name (for tests and ad-hoc use; detectors use ``meaning``)."""
    return pl.select(meaning(pl.lit(name, dtype=pl.String))).item()
