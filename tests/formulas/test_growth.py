"""Year-on-year change: which year a month is in, compounding by whole years, arrivals grown by year, raises."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.formulas.growth import arrivals_by_year, compounded, year_of_month
from capacity.formulas.staffing import raise_factor


def test_years_and_compounding_by_hand():
    assert year_of_month(np.arange(0, 61, 12)).tolist() == [0, 1, 2, 3, 4, 5]
    assert year_of_month(11) == 0 and year_of_month(12) == 1
    assert compounded(0.05, np.array([0, 1, 2, 3])).tolist() == [1.0, 1.05, 1.05 * 1.05, 1.05 * 1.05 * 1.05]
    assert compounded(0.05, 1) == 1.05  # exactly 1 + r, not pow's last bits
    assert compounded(-0.5, 2) == 0.25


def test_arrivals_grow_by_year_and_keep_the_seasons():
    # A year of 1, 2, 3 repeated (a 3-month pattern), 50% more each year.
    months = np.arange(0, 27, 3)
    assert arrivals_by_year(np.array([1.0, 2.0, 3.0]), 0.5, months).tolist() == [1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5, 2.25]
    twelve = np.arange(1.0, 13.0)
    grown = arrivals_by_year(twelve, 0.1, np.arange(36))
    assert grown[:12].tolist() == twelve.tolist()
    assert grown[12:24] == pytest.approx(twelve * 1.1)
    assert grown[24:] == pytest.approx(twelve * 1.21)


def test_a_raise_compounds_on_its_anniversaries():
    # A 4% raise in month 3 (months counted as month_index does): 1 before, 1.04 from month 3, 1.0816 from month 15.
    months = np.array([0, 2, 3, 14, 15, 26, 27])
    assert raise_factor(months, 3, 0.04).tolist() == [1.0, 1.0, 1.04, 1.04, 1.04 * 1.04, 1.04 * 1.04,
                                                       1.04 * 1.04 * 1.04]
    assert raise_factor(np.array([5, 6, 7]), 6, 0.03).tolist() == [1.0, 1.03, 1.03]  # a year: once, as before
    assert raise_factor(7, None, 0.03) == 1.0


@given(rate=st.floats(-0.5, 1.0, allow_nan=False), years=st.integers(0, 5))
def test_compounding_multiplies_year_by_year(rate, years):
    assert compounded(rate, years + 1) == pytest.approx(compounded(rate, years) * (1 + rate), rel=1e-12, abs=1e-300)
