"""The calendar's date arithmetic against Python's own calendar, by hand and by brute force."""

from __future__ import annotations

import calendar as pycal
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.formulas.calendar import (
    anniversary,
    cohort_occurrences,
    day_of_month,
    days_in_month,
    first_day,
    is_leap_year,
    month_factors,
    month_of,
    occurrence_positions,
    position_quarter,
    quarter_months,
    spread_arrivals,
)

EPOCH = dt.date(1970, 1, 1)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2150, 12, 31))
offsets = st.integers(-365, 365)
months_of_year = st.integers(1, 12)


def day(value: dt.date | str) -> int:
    value = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return (value - EPOCH).days


def date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def index(year: int, month: int) -> int:
    return year * 12 + month - 1


def brute_anniversary(value: dt.date, start: int) -> dt.date:
    """Python's calendar: the date's month and day in the twelve months from month index ``start``."""
    for k in range(12):
        year, month = divmod(start + k, 12)
        if month + 1 == value.month:
            return dt.date(year, month + 1, min(value.day, pycal.monthrange(year, month + 1)[1]))
    raise AssertionError("no anniversary")


# -- months and days ----------------------------------------------------------------


@given(dates)
def test_month_and_day_of_a_date_are_pythons(value):
    d = day(value)
    assert month_of(d) == index(value.year, value.month)
    assert day_of_month(d) == value.day
    assert first_day(month_of(d)) == day(value.replace(day=1))
    assert days_in_month(month_of(d)) == pycal.monthrange(value.year, value.month)[1]


def test_leap_years_by_hand():
    assert [bool(is_leap_year(y)) for y in (1900, 2000, 2024, 2027, 2028, 2100)] == [False, True, True, False, True,
                                                                                     False]
    assert [int(days_in_month(index(y, 2))) for y in (1900, 2000, 2027, 2028)] == [28, 29, 28, 29]
    years = np.arange(1900, 2200)
    assert is_leap_year(years).tolist() == [pycal.isleap(int(y)) for y in years]


def test_arrays_and_scalars_alike():
    values = np.array([day("2027-01-31"), day("2028-02-29")])
    assert month_of(values).tolist() == [index(2027, 1), index(2028, 2)]
    assert isinstance(month_of(values[0]), int)


# -- anniversaries -------------------------------------------------------------------


def test_anniversaries_by_hand():
    feb_2027 = index(2027, 2)
    assert date(anniversary(day("2028-02-29"), index(2029, 1))) == dt.date(2029, 2, 28)  # a common year
    assert date(anniversary(day("2028-02-29"), index(2032, 1))) == dt.date(2032, 2, 29)  # a leap year again
    assert date(anniversary(day("2024-02-29"), feb_2027)) == dt.date(2027, 2, 28)
    assert date(anniversary(day("2025-06-20"), feb_2027)) == dt.date(2027, 6, 20)  # in the past: rolled forward
    assert date(anniversary(day("2031-06-20"), feb_2027)) == dt.date(2027, 6, 20)  # years ahead: the same day
    assert date(anniversary(day("2027-01-31"), feb_2027)) == dt.date(2028, 1, 31)  # January closes the year
    assert date(anniversary(day("2027-02-01"), feb_2027)) == dt.date(2027, 2, 1)


@settings(max_examples=300)
@given(dates, st.integers(index(1995, 1), index(2140, 12)))
def test_an_anniversary_is_the_dates_month_and_day_within_the_year(value, start):
    got = date(anniversary(day(value), start))
    assert got == brute_anniversary(value, start)
    assert day(got) >= first_day(start) and day(got) < first_day(start + 12)


# -- touchpoints at renewal plus an offset ------------------------------------------------


def brute_positions(value: dt.date, offset: int, first: int, months: int) -> list[int]:
    """Each year of the plan: the anniversary in it plus the offset, its month wrapped into the same year."""
    out = []
    for k in range(-(-months // 12)):
        start = first + 12 * k
        falls = brute_anniversary(value, start) + dt.timedelta(days=offset)
        position = 12 * k + (index(falls.year, falls.month) - start) % 12
        out.append(position if position < months else -1)
    return out


def test_month_ends_and_offsets_by_hand():
    jan = index(2027, 1)
    assert occurrence_positions([day("2027-01-31")], -30, jan, 12).tolist() == [[0]]   # 1 January
    assert occurrence_positions([day("2027-01-31")], -31, jan, 12).tolist() == [[11]]  # 31 December: the year's
    assert occurrence_positions([day("2027-01-30")], -30, jan, 12).tolist() == [[11]]  # 31 December
    assert occurrence_positions([day("2027-03-31")], -30, jan, 12).tolist() == [[2]]   # 1 March
    feb = index(2027, 2)  # a fiscal year from February
    assert occurrence_positions([day("2027-05-15")], -90, feb, 12).tolist() == [[0]]   # 14 February
    assert occurrence_positions([day("2027-03-15")], -90, feb, 12).tolist() == [[10]]  # December, for next March
    assert occurrence_positions([day("2027-06-20")], 0, feb, 24).tolist() == [[4, 16]]  # one a year
    assert occurrence_positions([day("2027-06-20")], 0, feb, 16).tolist() == [[4, -1]]  # past the window


def test_leap_day_renewals_by_hand():
    # 29 February 2028, prepared 30 days before: 30 January in 2028, 29 January in 2029 (a common year).
    assert occurrence_positions([day("2028-02-29")], -30, index(2028, 1), 24).tolist() == [[0, 12]]
    # Renewing 1 March, the day before is 29 February in 2028 and 28 February in 2027: February both years.
    assert occurrence_positions([day("2027-03-01")], -1, index(2027, 1), 24).tolist() == [[1, 13]]
    # 10 March minus 38 days is 31 January in a common year and 1 February in a leap year.
    assert occurrence_positions([day("2027-03-10")], -38, index(2027, 1), 12).tolist() == [[0]]
    assert occurrence_positions([day("2027-03-10")], -38, index(2028, 1), 12).tolist() == [[1]]


@settings(max_examples=400)
@given(dates, offsets, st.integers(index(2000, 1), index(2100, 12)), st.integers(1, 60))
def test_positions_are_pythons_calendar_in_any_fiscal_year(value, offset, first, months):
    got = occurrence_positions([day(value)], offset, first, months)[0].tolist()
    assert got == brute_positions(value, offset, first, months)
    # exactly one occurrence in every whole year of the plan, in that year
    for k in range(months // 12):
        assert 12 * k <= got[k] < 12 * (k + 1)


# -- new customers ---------------------------------------------------------------------


def brute_cohort(first: int, months: int, offset: int) -> np.ndarray:
    out = np.zeros((months, months))
    for k in range(months):
        year, month = divmod(first + k, 12)
        length = pycal.monthrange(year, month + 1)[1]
        for x in range(1, length + 1):
            for y in range(1, months // 12 + 2):
                renewal = dt.date(year + y, month + 1, min(x, pycal.monthrange(year + y, month + 1)[1]))
                falls = renewal + dt.timedelta(days=offset)
                m = index(falls.year, falls.month) - first
                if 0 <= m < months:
                    out[k, m] += 1 / length
    return out


@pytest.mark.parametrize("first, months, offset", [(index(2027, 2), 16, -90), (index(2028, 1), 26, 0),
                                                   (index(2027, 11), 14, -30), (index(2027, 3), 30, 45)])
def test_new_customers_renew_on_the_anniversaries_of_their_first_day(first, months, offset):
    got = cohort_occurrences(first, months, offset)
    assert np.allclose(got, brute_cohort(first, months, offset), atol=1e-12)
    assert (np.triu(got) == got).all()  # never before they arrive


def test_a_january_cohort_prepares_its_renewal_in_october_and_november():
    p = cohort_occurrences(index(2027, 1), 24, -90)
    assert p[0, 9] == pytest.approx(29 / 31) and p[0, 10] == pytest.approx(2 / 31)  # 1 Jan 2028 - 90 d = 3 Oct
    assert p[0, :9].sum() == 0 and p[0, :12].sum() == pytest.approx(1.0)  # one a year
    assert p[0, 21] == pytest.approx(29 / 31) and p[0].sum() == pytest.approx(2.0)  # and again in October 2028


# -- months, quarters, spreads ---------------------------------------------------------


@pytest.mark.parametrize("start, listed, expected", [((2027, 1), [3], (3, 6, 9, 12)), ((2027, 2), [3], (1, 4, 7, 10)),
                                                    ((2027, 4), [1], (1, 4, 7, 10)), ((2027, 11), [1, 2], (2, 3, 5, 6, 8, 9, 11, 12))])
def test_months_of_each_quarter_of_any_fiscal_year(start, listed, expected):
    assert quarter_months(listed, index(*start)) == expected


@given(st.integers(index(2000, 1), index(2100, 12)), st.sets(months_of_year, min_size=1), st.integers(12, 40))
def test_month_factors_keep_a_year_in_every_twelve_months(first, listed, months):
    factors = month_factors(sorted(listed), first, months)
    for a in range(months - 11):
        assert factors[a:a + 12].sum() == pytest.approx(12.0)
    assert set(np.flatnonzero(factors)) == {m for m in range(months) if (first + m) % 12 + 1 in listed}


def test_quarters_of_positions():
    assert [int(position_quarter(p)) for p in range(14)] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 0]


def test_spread_arrivals_by_hand_and_keeps_every_customer():
    assert spread_arrivals(np.array([3.0, 0.0, 0.0, 6.0]), 3, np.array([0.0, 0.0])).tolist() == [1.0, 1.0, 1.0, 2.0]
    assert spread_arrivals(np.array([3.0, 6.0]), 1).tolist() == [3.0, 6.0]
    cyclic = np.array([1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 3.0])
    spread = spread_arrivals(cyclic, 3, cyclic[-2:])  # the months before are the schedule's last
    assert spread.sum() == pytest.approx(cyclic.sum())
    draws = np.stack([cyclic, 2 * cyclic])  # leading axes kept
    assert spread_arrivals(draws, 3, cyclic[-2:]).shape == (2, 12)


@given(dates)
def test_days_from_a_calendar_date_are_pythons(value):
    from capacity.formulas.calendar import days_from_civil

    assert days_from_civil(value.year, value.month, value.day) == day(value)
    assert days_from_civil(np.array([value.year, 1970]), np.array([value.month, 1]), np.array([value.day, 1])).tolist() \
        == [day(value), 0]


@settings(max_examples=200)
@given(st.lists(dates, min_size=1, max_size=20), offsets, st.integers(index(2000, 1), index(2100, 12)),
       st.integers(1, 40))
def test_the_lookup_table_is_the_positions_of_every_date(values, offset, first, months):
    from capacity.formulas.calendar import occurrence_table

    table = occurrence_table(offset, first, months)
    looked_up = np.array([table[:, v.month - 1, v.day] for v in values])
    assert looked_up.tolist() == occurrence_positions([day(v) for v in values], offset, first, months).tolist()
