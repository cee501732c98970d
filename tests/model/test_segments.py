"""Segments partition the book: every account once, ARR conserved to the cent."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import Book, BookError, ScenarioError, assign_segments, load_book, load_scenario, segment_sizes
from capacity.model.segments import sizes_by_vertical

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO


def _book(arr, verticals=None) -> Book:
    frame = pd.DataFrame({"account_id": [str(i) for i in range(len(arr))], "arr": arr})
    if verticals is not None:
        frame["vertical"] = verticals
    return Book.from_frame(frame)


def test_boundaries_belong_to_the_higher_segment(two_tier):
    scenario = load_scenario(two_tier)
    book = _book([0.0, 9999.99, 10000.0, 25000.0])
    sizes = segment_sizes(scenario, book)
    assert list(sizes.customers) == [2, 2]  # Large, Small: scenario order
    assert list(sizes.arr) == [35000.0, 9999.99]
    assert list(assign_segments(scenario, book)) == ["Small", "Small", "Large", "Large"]


def test_thresholds_override_for_what_if(two_tier):
    scenario = load_scenario(two_tier)
    book = _book([0.0, 9999.99, 10000.0, 25000.0])
    sizes = segment_sizes(scenario, book, min_arr=[20000, 0])
    assert list(sizes.customers) == [1, 3]


def test_account_below_every_threshold(two_tier):
    two_tier["segments"][1]["min_arr"] = 500
    with pytest.raises(BookError, match=r"row 3 \(account_id '1'\): arr 100.00 is below every segment threshold"):
        segment_sizes(load_scenario(two_tier), _book([600.0, 100.0]))


def test_without_book_needs_customers(two_tier):
    with pytest.raises(ScenarioError, match=r"segments\[0\].customers: missing customers"):
        segment_sizes(load_scenario(two_tier))


def test_default_book_partition_matches_pandas():
    scenario = load_scenario(DEFAULT_SCENARIO)
    book = load_book(DEFAULT_BOOK)
    sizes = segment_sizes(scenario, book)
    labels = assign_segments(scenario, book)
    by_label = book.accounts.groupby(labels)["arr"].agg(["count", "sum"])
    for name, count, arr in zip(sizes.names, sizes.customers, sizes.arr):
        assert by_label.loc[name, "count"] == count
        assert by_label.loc[name, "sum"] == pytest.approx(arr, abs=0.005)
    assert sizes.customers.sum() == len(book)


def test_vertical_sizes_add_up_to_segment_sizes():
    scenario = load_scenario(DEFAULT_SCENARIO)
    book = load_book(DEFAULT_BOOK)
    total = segment_sizes(scenario, book)
    per_vertical = sizes_by_vertical(scenario, book)
    assert "Healthcare" in per_vertical
    np.testing.assert_array_equal(sum(v.customers for v in per_vertical.values()), total.customers)
    np.testing.assert_allclose(sum(v.arr for v in per_vertical.values()), total.arr)


cents = st.integers(min_value=0, max_value=10**11)


@settings(max_examples=200, deadline=None)
@given(
    arr_cents=st.lists(cents, min_size=1, max_size=200),
    thresholds=st.lists(st.integers(min_value=1, max_value=10**9), min_size=0, max_size=5, unique=True),
)
def test_segments_partition_the_book(arr_cents, thresholds):
    mins = [0] + thresholds
    scenario = load_scenario({
        "csm": {"loaded_cost_per_year": 1},
        "segments": [{"name": f"S{i}", "min_arr": m} for i, m in enumerate(mins)],
    })
    book = _book(np.array(arr_cents) / 100)
    sizes = segment_sizes(scenario, book)
    labels = assign_segments(scenario, book)
    assert sizes.customers.sum() == len(arr_cents)
    # ARR conserved to the cent: integer cents add up exactly.
    assert round(sizes.arr.sum() * 100) == sum(arr_cents)
    for i, m in enumerate(mins):
        upper = min([x for x in mins if x > m], default=np.inf)
        inside = [c for c in arr_cents if m * 100 <= c < upper * 100]
        assert sizes.customers[i] == len(inside) == int(np.sum(labels == f"S{i}"))


@settings(max_examples=100, deadline=None)
@given(
    accounts=st.lists(st.tuples(cents, st.sampled_from(["Retail", "Health", " Retail ", ""])), min_size=1,
                      max_size=150),
    thresholds=st.lists(st.integers(min_value=1, max_value=10**9), min_size=0, max_size=4, unique=True),
    moved=st.lists(st.integers(min_value=1, max_value=10**9), min_size=4, max_size=4, unique=True),
)
def test_partition_holds_per_vertical_and_for_moved_thresholds(accounts, thresholds, moved):
    """What-if thresholds and vertical pools partition the same book: every account once, ARR to the cent."""
    mins = [0] + thresholds
    scenario = load_scenario({
        "csm": {"loaded_cost_per_year": 1},
        "segments": [{"name": f"S{i}", "min_arr": m} for i, m in enumerate(mins)],
    })
    book = _book(np.array([c for c, _ in accounts]) / 100, [v for _, v in accounts])
    override = [0] + moved[: len(thresholds)]
    total = segment_sizes(scenario, book, min_arr=override)
    per_vertical = sizes_by_vertical(scenario, book, min_arr=override)
    labels = assign_segments(scenario, book, min_arr=override)
    assert set(per_vertical) <= {"Retail", "Health", "Unassigned"}
    np.testing.assert_array_equal(sum(v.customers for v in per_vertical.values()), total.customers)
    assert round(sum(v.arr.sum() for v in per_vertical.values()) * 100) == sum(c for c, _ in accounts)
    assert total.customers.sum() == len(accounts)
    for i, name in enumerate(total.names):
        in_segment = labels == name
        assert int(in_segment.sum()) == total.customers[i]
        assert int(book.arr_cents[in_segment].sum()) == round(total.arr[i] * 100)
