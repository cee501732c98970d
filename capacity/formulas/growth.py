"""Year-on-year change over a plan of several years: which year a month is in, and rates compounded by year.

A plan's years are its months in twelves from the first (``fiscal_year.start``), whatever the calendar
says: year 0 is months 0 to 11, year 1 months 12 to 23. Anything that changes "each year" (arrivals
growing, prices rising with inflation, thresholds indexed to it) steps at the start of a plan year and
holds for its twelve months; a raise steps on its own month (:func:`capacity.formulas.staffing.raise_factor`).
Every function is pure and accepts Python scalars or numpy arrays alike.
"""

from __future__ import annotations

import numpy as np

from capacity.formulas import workload

__all__ = ["year_of_month", "compounded", "arrivals_by_year"]


def year_of_month(months_since_start):
    r"""The plan year a month falls in: :math:`y = \lfloor m / 12 \rfloor`.

    Source: this package's convention (a plan's years are its months in twelves from its first month).

    Parameters
    ----------
    months_since_start : int or array
        Months since the plan's first month, 0 for the first [months].

    Returns
    -------
    int or array of int
        0 for the first year, 1 for the second [years].

    Examples
    --------
    >>> year_of_month(np.array([0, 11, 12, 35, 36])).tolist()
    [0, 0, 1, 2, 3]
    """
    out = np.floor_divide(np.asarray(months_since_start, dtype=np.int64), workload.MONTHS_PER_YEAR)
    return out if out.ndim else int(out)


def compounded(rate, years):
    r"""A yearly rate compounded over whole years: :math:`(1 + r)^y`.

    Computed by repeated multiplication (:math:`1 \cdot (1 + r) \cdot (1 + r) \cdots`), not ``pow``,
    so that one year gives exactly ``1 + r`` and every machine the same bits.

    Source: compound growth, the usual convention for a yearly rate (salary increases, price inflation,
    bookings growth).

    Parameters
    ----------
    rate : float
        The yearly change, 0.03 for 3% [1/year]; above -1.
    years : int or array of int
        Whole years, 0 or more [years].

    Returns
    -------
    float or array
        The multiplier [-]: 1 at zero years.

    Examples
    --------
    >>> compounded(0.03, np.array([0, 1, 2])).tolist()
    [1.0, 1.03, 1.0609]
    """
    years = np.asarray(years, dtype=np.int64)
    most = int(years.max(initial=0))
    powers = np.empty(most + 1)
    value = 1.0
    for y in range(most + 1):
        powers[y] = value
        value = value * (1.0 + rate)
    out = powers[years]
    return out if out.ndim else float(out)


def arrivals_by_year(per_month, growth_per_year, months_since_start):
    r"""New customers arriving in a month, the first year's monthly figure grown each year.

    .. math:: N_m = n_{m \bmod P} \, (1 + g)^{\lfloor m / 12 \rfloor}

    with :math:`n` one year's arrivals month by month (``P`` months of them, repeating) and :math:`g`
    the growth a year. A yearly figure (one number per year) is the same with :math:`g = 0` and
    :math:`n` the year's figure; see :func:`capacity.model.growth.arrivals`.

    Source: compound growth by year (:func:`compounded`), the first year's seasonal pattern kept.

    Parameters
    ----------
    per_month : array (P,)
        The first year's arrivals, month by month, repeating every ``P`` months [customers/month].
    growth_per_year : float
        Growth of the arrivals a year, 0.2 for 20% [1/year].
    months_since_start : array of int
        The months wanted, 0 for the plan's first [months].

    Returns
    -------
    array
        Arrivals in each month wanted [customers/month].

    Examples
    --------
    >>> arrivals_by_year(np.array([10.0]), 0.2, np.array([0, 11, 12, 24])).round(6).tolist()
    [10.0, 10.0, 12.0, 14.4]
    """
    per_month = np.asarray(per_month, dtype=float)
    months = np.asarray(months_since_start, dtype=np.int64)
    return per_month[months % len(per_month)] * compounded(growth_per_year, year_of_month(months))
