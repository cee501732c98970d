r"""The calendar's date arithmetic: in which month a dated touchpoint falls.

Every function is pure and accepts Python scalars or numpy arrays alike. Two scales are used:

- a **day** is a whole number of days since 1970-01-01 (numpy's ``datetime64[D]`` as an integer);
- a **month** is a month index as :func:`capacity.inputs.scenario.month_index` counts it,
  ``year * 12 + month - 1`` (2027-02 is 24325), so months subtract.

A plan's months are *positions*: 0 is its first month (``fiscal_year.start``), and position ``p``
lies in its *year* ``p // 12`` (months 0-11 are the first year, 12-23 the second, whatever month
the fiscal year starts in).

The rules (each function says which it implements):

- **A renewal's anniversary** in a year of the plan is the day of the same month and day of the
  month in that year; a day the month lacks is its last day (29 February is 28 February in a
  common year, 31 March stays 31 March). Every year of twelve months holds exactly one.
- **A touchpoint at renewal plus an offset** falls on the anniversary plus ``offset_days``
  (31 January minus 30 days is 1 January; minus 31 days is 31 December). The month it falls in is
  taken within the same year of the plan, so each account has exactly one occurrence a year: a
  renewal early in the year whose preparation falls before the year starts is prepared in the same
  month of the year (for next year's renewal). A date in the past or years ahead is the same
  anniversary (rolled to the year).
- **A new customer** arriving in a month signs on a day of it, each day alike; their renewals are
  the anniversaries of that day, from one year on.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EPOCH_MONTH",
    "month_of",
    "days_from_civil",
    "first_day",
    "days_in_month",
    "is_leap_year",
    "day_of_month",
    "anniversary",
    "occurrence_positions",
    "occurrence_table",
    "cohort_occurrences",
    "quarter_months",
    "month_factors",
    "position_quarter",
    "spread_arrivals",
]

#: The month index of 1970-01, the first month of numpy's day count.
EPOCH_MONTH = 1970 * 12


def _days(day) -> np.ndarray:
    return np.asarray(day, dtype=np.int64)


def _out(value):
    value = np.asarray(value)
    return value if value.ndim else value.item()


def month_of(day):
    r"""The month index of a day: :math:`12\,y + m - 1` of its calendar year :math:`y` and month :math:`m`.

    Source: the Gregorian calendar, as numpy's ``datetime64`` counts it.

    Parameters
    ----------
    day : int or array of int
        Days since 1970-01-01 [days].

    Returns
    -------
    int or array of int
        Month index [months].

    Examples
    --------
    >>> month_of(0) == 1970 * 12, month_of(31) == 1970 * 12 + 1   # 1 January and 1 February 1970
    (True, True)
    """
    return _out(_days(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + EPOCH_MONTH)


def days_from_civil(year, month, day):
    r"""Days since 1970-01-01 of a calendar date, in whole-number arithmetic (fast on a million dates).

    .. math:: y' = y - [m \le 2], \quad
              N = 146097 \lfloor y'/400 \rfloor + 365\,e + \lfloor e/4 \rfloor - \lfloor e/100 \rfloor
                  + \left\lfloor \frac{153\,((m + 9) \bmod 12) + 2}{5} \right\rfloor + d - 1 - 719468

    with :math:`e = y' \bmod 400` the year of the 400-year era (March-based years, so the leap day ends one).

    Source: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (days_from_civil), the proleptic
    Gregorian calendar.

    Parameters
    ----------
    year, month, day : int or array of int
        A valid date (month 1 to 12, day within the month).

    Returns
    -------
    int or array of int
        Days since 1970-01-01 [days].

    Examples
    --------
    >>> [int(days_from_civil(*d)) for d in ((1970, 1, 1), (2000, 3, 1), (2028, 2, 29))]
    [0, 11017, 21243]
    """
    month = np.asarray(month, dtype=np.int64)
    y = np.asarray(year, dtype=np.int64) - (month <= 2)
    era = np.floor_divide(y, 400)
    y -= era * 400  # the year of the era, 0 to 399
    out = (month + 9) % 12  # March is 0: the leap day closes the year
    out *= 153
    out += 2
    out //= 5
    out += np.asarray(day, dtype=np.int64) - 1 - 719468 + y * 365 + y // 4 - y // 100
    out += era * 146097
    return _out(out)


def first_day(month):
    r"""The first day of a month index [days since 1970-01-01]: :func:`days_from_civil` of its 1st.

    Examples
    --------
    >>> int(first_day(2027 * 12 + 1)) == int(np.datetime64("2027-02-01").astype(np.int64))
    True
    """
    month = np.asarray(month, dtype=np.int64)
    return days_from_civil(month // 12, month % 12 + 1, 1)


#: Days of each month of a common year, January first.
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def days_in_month(month):
    r"""Days in a month: 28 to 31, 29 in the February of a leap year (:func:`is_leap_year`).

    Source: the Gregorian calendar.

    Examples
    --------
    >>> [int(days_in_month(12 * y + 1)) for y in (2027, 2028, 2100, 2000)]   # February
    [28, 29, 28, 29]
    """
    month = np.asarray(month, dtype=np.int64)
    return _out(_MONTH_DAYS[month % 12] + ((month % 12 == 1) & np.asarray(is_leap_year(month // 12))))


def is_leap_year(year):
    r"""Whether a year has a 29 February: divisible by 4, except centuries not divisible by 400.

    Source: the Gregorian calendar.

    Examples
    --------
    >>> [bool(is_leap_year(y)) for y in (2027, 2028, 2100, 2000)]
    [False, True, False, True]
    """
    year = np.asarray(year, dtype=np.int64)
    return _out((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)))


def day_of_month(day):
    r"""The day of the month of a day, 1 to 31.

    Examples
    --------
    >>> int(day_of_month(np.datetime64("2027-01-31").astype(np.int64)))
    31
    """
    day = _days(day)
    return _out(day - np.asarray(first_day(month_of(day))) + 1)


def anniversary(day, year_start):
    r"""A date's anniversary in the twelve months from ``year_start``: same month and day, clamped to the month's end.

    .. math:: M_a = S + ((M - S) \bmod 12), \quad
              a = \mathrm{first\_day}(M_a) + \min(d, D(M_a)) - 1

    with :math:`M` the date's month, :math:`d` its day and :math:`S` the year's first month, so a date
    in the past or years ahead gives the anniversary in that year ("rolled" to it).

    Source: how contracts renew on the same day each year; a 29 February renewal falls on 28 February
    in a common year (this package's convention, the usual one for anniversaries).

    Parameters
    ----------
    day : int or array of int
        The date, e.g. a renewal date [days since 1970-01-01].
    year_start : int or array of int
        The first month of the year of twelve months [month index].

    Returns
    -------
    int or array of int
        The anniversary [days since 1970-01-01].

    Examples
    --------
    >>> d = lambda text: int(np.datetime64(text).astype(np.int64))
    >>> str(np.datetime64(anniversary(d("2028-02-29"), 2029 * 12), "D"))   # year from January 2029
    '2029-02-28'
    >>> str(np.datetime64(anniversary(d("2025-06-20"), 2027 * 12 + 1), "D"))   # past, rolled to Feb 2027-Jan 2028
    '2027-06-20'
    """
    day = _days(day)
    start = np.asarray(year_start, dtype=np.int64)
    month = start + (np.asarray(month_of(day)) - start) % 12
    dom = np.minimum(np.asarray(day_of_month(day)), np.asarray(days_in_month(month)))
    return _out(np.asarray(first_day(month)) + dom - 1)


def occurrence_positions(day, offset_days: int, first_month: int, months: int):
    r"""Where a touchpoint at a date's anniversary plus an offset falls in a plan's months, one position a year.

    .. math:: p_k = 12k + \left((\mathrm{month\_of}(a_k + \delta) - (F + 12k)) \bmod 12\right)

    with :math:`a_k` the anniversary (:func:`anniversary`) in year :math:`k` of the plan (its months
    :math:`F + 12k` to :math:`F + 12k + 11`) and :math:`\delta` the offset in days. Each year of the plan
    holds exactly one occurrence per date; a position past the plan's last month is -1.

    Source: the module's rules (a renewal's anniversary, the touchpoint in the same year of the plan).

    Parameters
    ----------
    day : int or array of int, shape (n,)
        Renewal dates [days since 1970-01-01].
    offset_days : int
        Days from the renewal, negative before it [days].
    first_month : int
        The plan's first month, :math:`F` [month index].
    months : int
        The plan's months (any number) [months].

    Returns
    -------
    array of int, shape (n, years)
        Positions in ``[0, months)``, or -1 past the plan's end; ``years = ceil(months / 12)``.

    Examples
    --------
    >>> d = lambda text: int(np.datetime64(text).astype(np.int64))
    >>> jan = 2027 * 12   # a year from January 2027
    >>> occurrence_positions([d("2027-01-31")], -30, jan, 12).tolist()   # 1 January
    [[0]]
    >>> occurrence_positions([d("2027-01-31")], -31, jan, 12).tolist()   # 31 December: the year's December
    [[11]]
    """
    day = _days(day).reshape(-1)
    years = -(-int(months) // 12)
    out = np.empty((len(day), years), dtype=np.int64)
    for k in range(years):
        start = int(first_month) + 12 * k
        falls = np.asarray(month_of(np.asarray(anniversary(day, start)) + int(offset_days)))
        position = 12 * k + (falls - start) % 12
        out[:, k] = np.where(position < months, position, -1)
    return out


def occurrence_table(offset_days: int, first_month: int, months: int) -> np.ndarray:
    r""":func:`occurrence_positions` of every month and day of the year: a table to look a million dates up in.

    A date's occurrences depend only on its month and its day of the month (the year is rolled away),
    so the positions of all dates are ``table[:, month - 1, day]``: the 12 x 31 possible renewal days
    computed once instead of every account.

    Parameters
    ----------
    offset_days, first_month, months
        As for :func:`occurrence_positions`.

    Returns
    -------
    array of int, shape (years, 12, 32)
        ``table[k, m - 1, d]``: the position in year ``k`` of the plan of a date in calendar month ``m``
        on day ``d`` (1 to 31; 29, 30 and 31 also where the month lacks them, clamped as an anniversary
        is), -1 past the plan's end; day 0 unused.

    Examples
    --------
    >>> table = occurrence_table(-30, 2027 * 12, 12)   # a year from January 2027
    >>> int(table[0, 0, 31]), int(table[0, 0, 30])      # 31 January - 30 days: 1 January; 30 January: 31 December
    (0, 11)
    """
    days = np.arange(32)
    dates = [first_day(2000 * 12 + m) + np.minimum(np.maximum(days, 1), days_in_month(2000 * 12 + m)) - 1
             for m in range(12)]  # 2000 is a leap year: 29 February is a day to look up
    positions = occurrence_positions(np.concatenate(dates), offset_days, first_month, months)
    return np.ascontiguousarray(positions.reshape(12, 32, -1).transpose(2, 0, 1))


def cohort_occurrences(first_month: int, months: int, offset_days: int) -> np.ndarray:
    r"""Where new customers' touchpoints at renewal plus an offset fall: the share of each month's arrivals per month.

    .. math:: P_{k,m} = \frac{1}{D(F+k)} \sum_{x=1}^{D(F+k)} \sum_{y \ge 1}
              \left[\mathrm{month\_of}(a_y(x) + \delta) = F + m\right]

    A customer arriving on day :math:`x` of month :math:`F + k` renews on the anniversaries
    :math:`a_y(x)` of that day, :math:`y = 1, 2, \ldots` years on (:func:`anniversary`); each day of the
    month alike. The real dates are used (no rolling within a year).

    Source: the module's rules (a new customer's contract starts on the day they arrive).

    Parameters
    ----------
    first_month : int
        The plan's first month :math:`F` [month index].
    months : int
        The plan's months [months].
    offset_days : int
        Days from the renewal, negative before it, within a year [days].

    Returns
    -------
    array, shape (months, months)
        ``P[k, m]``: the share of month ``k``'s new customers whose touchpoint falls in month ``m``
        (each year's occurrence counted) [occurrences per new customer].

    Examples
    --------
    >>> p = cohort_occurrences(2027 * 12, 24, -90)   # January 2027 arrivals renew in January 2028
    >>> [round(float(v), 3) for v in p[0, 9:11]]      # days 1-29: October (29/31); 30-31: November (2/31)
    [0.935, 0.065]
    """
    out = np.zeros((months, months))
    for k in range(months):
        arrival = int(first_month) + k
        days = np.asarray(first_day(arrival)) + np.arange(int(days_in_month(arrival)))
        for y in range(1, months // 12 + 2):
            falls = np.asarray(month_of(np.asarray(anniversary(days, arrival + 12 * y)) + int(offset_days))) - first_month
            inside = (falls >= 0) & (falls < months)
            np.add.at(out[k], falls[inside], 1.0 / len(days))
    return out


def quarter_months(months_of_quarter, first_month: int) -> tuple[int, ...]:
    r"""The calendar months (1 to 12) that are the given months of each quarter of a year starting at ``first_month``.

    .. math:: c = ((F \bmod 12) + 3q + j - 1) \bmod 12 + 1, \quad q = 0..3

    Source: quarters of a fiscal year, three months each from its first month.

    Parameters
    ----------
    months_of_quarter : sequence of int
        1, 2 or 3: the first, second or last month of each quarter.
    first_month : int
        The year's first month [month index]; only its month of the year matters.

    Returns
    -------
    tuple of int
        Calendar months, ascending.

    Examples
    --------
    >>> quarter_months([3], 2027 * 12 + 1)   # a year from February: April, July, October, January
    (1, 4, 7, 10)
    """
    start = int(first_month) % 12
    return tuple(sorted({(start + 3 * q + j - 1) % 12 + 1 for q in range(4) for j in months_of_quarter}))


def month_factors(calendar_months, first_month: int, months: int) -> np.ndarray:
    r"""Each month's share of a touchpoint's year, times 12: :math:`12 / n` in the ``n`` listed calendar months, 0 elsewhere.

    .. math:: f_m = \frac{12}{n} \left[\left((F + m) \bmod 12\right) + 1 \in L\right]

    so a touchpoint's monthly hours :math:`h` become :math:`h f_m` in month :math:`m` and twelve months
    add up to :math:`12 h`, the year's hours.

    Source: the year's occurrences shared equally among the months they happen in (this package's convention).

    Parameters
    ----------
    calendar_months : sequence of int
        Calendar months 1 to 12, :math:`L`.
    first_month : int
        The plan's first month :math:`F` [month index].
    months : int
        The plan's months [months].

    Returns
    -------
    array, shape (months,)
        Factors [-].

    Examples
    --------
    >>> month_factors([3, 6, 9, 12], 2027 * 12, 6).tolist()
    [0.0, 0.0, 3.0, 0.0, 0.0, 3.0]
    """
    listed = np.zeros(12, dtype=bool)
    listed[np.asarray(list(calendar_months), dtype=np.int64) - 1] = True
    of_year = (int(first_month) + np.arange(int(months))) % 12
    return np.where(listed[of_year], 12.0 / int(listed.sum()), 0.0)


def position_quarter(position):
    r"""The quarter (0 to 3) of a plan's year a position (or a month of the year relative to the start) is in.

    .. math:: q = (p \bmod 12) \,//\, 3

    Examples
    --------
    >>> [int(position_quarter(p)) for p in (0, 2, 3, 11, 12)]
    [0, 0, 1, 3, 0]
    """
    return _out((np.asarray(position, dtype=np.int64) % 12) // 3)


def spread_arrivals(new, spread_months: int, before=None):
    r"""New customers in their first ``n`` months: each month's arrivals share one-time work over ``n`` months.

    .. math:: E_m = \sum_{j=0}^{n-1} \frac{N_{m-j}}{n}

    With :math:`n = 1` this is :math:`N_m` itself: the work in the month customers arrive.

    Source: one-time work (onboarding) spread evenly over a customer's first months (this package's convention).

    Parameters
    ----------
    new : array, shape (..., months)
        New customers each month, :math:`N_m` [customers/month].
    spread_months : int
        :math:`n`, 1 or more [months].
    before : array, shape (..., n - 1), optional
        New customers of the ``n - 1`` months before the first, oldest first (zeros when not given).

    Returns
    -------
    array, shape (..., months)
        New customers whose one-time work falls in each month, each counted as :math:`1/n` [customers].

    Examples
    --------
    >>> spread_arrivals(np.array([3.0, 0.0, 0.0, 6.0]), 3, np.array([0.0, 0.0])).tolist()
    [1.0, 1.0, 1.0, 2.0]
    """
    new = np.asarray(new, dtype=float)
    n = int(spread_months)
    if n == 1:
        return new
    earlier = np.zeros(new.shape[:-1] + (n - 1,)) if before is None else np.broadcast_to(
        np.asarray(before, dtype=float), new.shape[:-1] + (n - 1,))
    padded = np.concatenate([earlier, new], axis=-1)
    months = new.shape[-1]
    out = np.zeros_like(new)
    for j in range(n):
        out = out + padded[..., n - 1 - j: n - 1 - j + months] / n
    return out
