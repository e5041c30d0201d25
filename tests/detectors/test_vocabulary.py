"""Field-name vocabulary of quantity meanings: splitting, abbreviations, priorities."""

from __future__ import annotations

import polars as pl
import pytest

from forensics.detectors._vocabulary import LABELS, classify, label, meaning, words


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("QuantityOnHand", "quantity on hand"),
        ("qty_on_hand", "quantity on hand"),
        ("qty-on-hand", "quantity on hand"),
        ("payload.QtyOnHand", "payload quantity on hand"),
        ("ATPQty", "available to promise quantity"),
        ("qtyATP", "quantity available to promise"),
        ("QTYOnHand", "quantity on hand"),
        ("qoh", "quantity on hand"),
        ("avail_qty", "available quantity"),
    ],
)
def test_vocabulary_splits_camel_snake_kebab_dots_and_expands_abbreviations(
    name: str, expected: str
) -> None:
    assert pl.select(words(pl.lit(name))).item() == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("QuantityOnHand", "on_hand"),
        ("qty_on_hand", "on_hand"),
        ("OnHand", "on_hand"),
        ("qty_oh", "on_hand"),
        ("physical_count", "on_hand"),
        ("available", "available"),
        ("available_to_promise", "available"),
        ("ATP", "available"),
        ("ATPQty", "available"),
        ("qtyAvail", "available"),
        ("sellable_units", "available"),
        ("committed", "committed"),
        ("qtyReserved", "committed"),
        ("AllocatedQuantity", "committed"),
        ("incoming_qty", "incoming"),
        ("OnOrderQty", "incoming"),
        ("in-transit", "incoming"),
        ("SafetyStock", "safety_stock"),
        ("ss_qty", "safety_stock"),
        ("damaged_qty", "damaged"),
        ("dmg", "damaged"),
    ],
)
def test_vocabulary_classifies_quantity_meanings(name: str, expected: str) -> None:
    assert classify(name) == expected


def test_vocabulary_first_matching_meaning_wins() -> None:
    # "unsellable" is damaged, not sellable; committed on-hand is committed.
    assert classify("unsellable_qty") == "damaged"
    assert classify("non_sellable") == "damaged"
    assert classify("on_hand_committed") == "committed"


def test_vocabulary_last_segment_first_then_the_whole_path() -> None:
    assert classify("available.on_hand") == "on_hand"
    assert classify("available.qty") == "available"


@pytest.mark.parametrize(
    "name", ["quantity", "qty", "stock", "inventory_item_id", "location_id", "handle", "ohm"]
)
def test_vocabulary_names_without_a_quantity_meaning_are_null(name: str) -> None:
    assert classify(name) is None


def test_vocabulary_classifies_a_column_without_python_loops() -> None:
    frame = pl.DataFrame({"field": ["qty_on_hand", "ATP", "sku", None]})
    out = frame.select(m=meaning(pl.col("field")), text=label(meaning(pl.col("field"))))
    assert out["m"].to_list() == ["on_hand", "available", None, None]
    assert out["text"].to_list() == [LABELS["on_hand"], LABELS["available"], None, None]
