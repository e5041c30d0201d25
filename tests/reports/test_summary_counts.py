"""The summary's counts of events and SKUs, per flow and overall, on tiny frames.

``forensics.summary.summarize`` counts SKUs from the distinct (flow, sku)
pairs; these tests pin what the counts mean: distinct, non-null, per flow and
across flows.
"""

from __future__ import annotations

from builders import events

from forensics.summary import summarize


def _per_flow(summary: dict) -> dict[str, tuple[int, int]]:
    return {row["flow"]: (row["events"], row["skus"]) for row in summary["per_flow"]}


def test_skus_are_distinct_non_null_per_flow_and_overall() -> None:
    frame = events(
        {
            "flow": ["F", "F", "F", "G", "G", "H", "H"],
            "sku": ["A", "A", None, "A", "B", None, None],
            "processed_at": ["09:00", "09:01", "09:02", "09:03", "09:04", "09:05", "09:06"],
        }
    )
    summary = summarize(frame, [], (), ())
    assert _per_flow(summary) == {"F": (3, 1), "G": (2, 2), "H": (2, 0)}
    assert summary["skus"] == 2
    assert summary["flows"] == 3
    assert summary["events"] == 7
    assert [row["flow"] for row in summary["per_flow"]] == ["F", "G", "H"]
    assert list(summary["per_flow"][0]) == ["flow", "source", "events", "skus", "start", "end"]
    assert (summary["start"], summary["end"]) == ("2026-04-06T09:00:00Z", "2026-04-06T09:06:00Z")


def test_a_sku_in_two_flows_counts_once_overall() -> None:
    frame = events({"flow": ["F", "G", "G"], "sku": ["A", "A", "A"]})
    summary = summarize(frame, [], (), ())
    assert _per_flow(summary) == {"F": (1, 1), "G": (2, 1)}
    assert summary["skus"] == 1


def test_events_without_a_flow_are_one_flow_of_their_own() -> None:
    # NOTE: the schema requires a flow; a hand-built frame may still lack one.
    frame = events({"flow": [None, None, "F"], "sku": ["A", "B", "A"]})
    summary = summarize(frame, [], (), ())
    assert [(row["flow"], row["events"], row["skus"]) for row in summary["per_flow"]] == [
        (None, 2, 2),
        ("F", 1, 1),
    ]
    assert summary["skus"] == 2


def test_no_events_gives_zero_counts() -> None:
    frame = events({"flow": ["F"]}).clear()
    summary = summarize(frame, [], (), ())
    assert summary["per_flow"] == []
    assert (summary["events"], summary["flows"], summary["skus"]) == (0, 0, 0)
    assert (summary["start"], summary["end"]) == (None, None)
