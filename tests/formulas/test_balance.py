"""Coefficient of variation, max/min ratio and relative mean absolute deviation, by hand and as properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.formulas.balance import coefficient_of_variation, max_min_ratio, relative_mean_absolute_deviation


def test_by_hand():
    # 2, 4, 6: mean 4, population standard deviation sqrt(8/3), mean absolute deviation 4/3.
    assert coefficient_of_variation([2.0, 4.0, 6.0]) == pytest.approx(math.sqrt(8 / 3) / 4)
    assert max_min_ratio([2.0, 4.0, 6.0]) == 3.0
    assert relative_mean_absolute_deviation([2.0, 4.0, 6.0]) == pytest.approx((4 / 3) / 4)
    assert relative_mean_absolute_deviation([2.0, 4.0, 6.0], scale=8.0) == pytest.approx((4 / 3) / 8)


def test_even_empty_and_zero_teams():
    assert coefficient_of_variation([5.0, 5.0]) == 0.0 and max_min_ratio([5.0, 5.0]) == 1.0
    assert coefficient_of_variation([0.0, 0.0]) == 0.0 and max_min_ratio([0.0, 0.0]) == 1.0
    assert max_min_ratio([0.0, 3.0]) == math.inf
    assert math.isnan(coefficient_of_variation([])) and math.isnan(max_min_ratio([]))


def test_rows_of_a_matrix():
    np.testing.assert_allclose(max_min_ratio(np.array([[1.0, 2.0], [3.0, 3.0]])), [2.0, 1.0])


values = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12)


@given(values)
def test_the_linear_measure_is_zero_with_the_coefficient_of_variation_and_never_above_it(v):
    cv, mad = coefficient_of_variation(v), relative_mean_absolute_deviation(v)
    assert mad <= cv + 1e-9
    if min(v) == max(v):
        assert cv <= 1e-12 and mad <= 1e-12
    else:
        assert cv > 0 and mad > 0


@given(values, st.floats(0.01, 1000))
def test_scale_free(v, k):
    cv = coefficient_of_variation(v)
    if not math.isnan(cv):
        assert coefficient_of_variation([x * k for x in v]) == pytest.approx(cv, rel=1e-6, abs=1e-9)
