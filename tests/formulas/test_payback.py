"""The business-case formulas: break-even ARR, the return by coverage, tooling and what automation is worth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.formulas import payback

money = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)
margin = st.floats(0.01, 1.0, allow_nan=False)
share = st.floats(0.0, 1.0, allow_nan=False)


def test_break_even_by_hand():
    # Mid-Market of the default data: 8 CSMs at $150k = $1.2M; at an 80% margin, $1.2M / 0.8 = $1.5M of ARR a year.
    assert payback.break_even_arr(1_200_000, 0.8) == 1_500_000
    # $1.5M of $22,181,700 of ARR is 6.762 points.
    assert payback.break_even_share(1_200_000, 22_181_700, 0.8) == pytest.approx(1_500_000 / 22_181_700)
    assert round(float(payback.break_even_share(1_200_000, 22_181_700, 0.8)) * 100, 1) == 6.8
    # A 60% margin needs more ARR for the same cost: 1.2M / 0.6 = 2M.
    assert payback.break_even_arr(1_200_000, 0.6) == pytest.approx(2_000_000)


def test_break_even_share_of_no_arr_is_infinite_not_an_error():
    assert math.isinf(payback.break_even_share(100_000, 0, 0.8))


def test_churn_and_retention_by_hand():
    assert payback.churned_arr(22_181_700, 0.10) == pytest.approx(2_218_170)
    assert payback.retained_arr(10_000_000, 0.92) == pytest.approx(9_200_000)
    # 12 points of $10M: $1.2M kept a year beyond the lowest-touch coverage; per dollar of a $600k team, 2.
    assert payback.arr_kept_by_coverage(10_000_000, 0.92, 0.80) == pytest.approx(1_200_000)
    assert payback.arr_kept_per_dollar(1_200_000, 600_000) == pytest.approx(2.0)
    assert math.isinf(payback.arr_kept_per_dollar(1.0, 0.0))


def test_tooling_and_worth_by_hand():
    assert payback.tooling_cost(60_000, 0, 81) == 60_000
    assert payback.tooling_cost(0, 15, 1343) == 20_145  # $15 an account, 1,343 SMB accounts
    assert payback.worth_up_to(1.21, 175_000) == pytest.approx(211_750)  # "worth up to $212k a year"


def test_formulas_take_arrays():
    costs = np.array([875_000, 1_200_000, 600_000])
    arr = np.array([14_784_400, 22_181_700, 15_975_010])
    np.testing.assert_allclose(payback.break_even_arr(costs, 0.8), costs / 0.8)
    np.testing.assert_allclose(payback.break_even_share(costs, arr, 0.8), costs / 0.8 / arr)
    np.testing.assert_allclose(payback.arr_kept_by_coverage(arr, np.array([0.92, 0.92, 0.88]), 0.8),
                               arr * np.array([0.12, 0.12, 0.08]))


@given(money, margin)
def test_the_break_even_earns_exactly_the_cost(cost, gm):
    assert payback.break_even_arr(cost, gm) * gm == pytest.approx(cost, rel=1e-12, abs=1e-6)


@given(money, st.floats(1.0, 1e10), margin, margin)
def test_a_higher_margin_needs_less_arr(cost, arr, low, high):
    low, high = sorted((low, high))
    assert payback.break_even_share(cost, arr, high) <= payback.break_even_share(cost, arr, low) * (1 + 1e-12)


@given(money, share, share, share)
def test_arr_kept_adds_up_across_coverages(arr, a, b, floor):
    # Keeping a over the floor is keeping a over b plus b over the floor.
    total = payback.arr_kept_by_coverage(arr, a, floor)
    steps = payback.arr_kept_by_coverage(arr, a, b) + payback.arr_kept_by_coverage(arr, b, floor)
    assert total == pytest.approx(steps, abs=1e-3)
