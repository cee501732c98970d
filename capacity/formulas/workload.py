"""The bottom-up workload formulas: a CSM's month, a customer's month, FTE.

Every function is pure and accepts Python scalars or numpy arrays alike. Hours are
hours per month unless a name says otherwise; money is per year.

The method follows ChurnZero's bottom-up coverage analysis ("Customer Success Manager
coverage ratio", 2022): add up per customer per month the time for recurring
touchpoints (frequency x duration), one-time touchpoints smoothed across the base and
inbound work; divide the CSM hours left for customers after internal work by it.
"""

from __future__ import annotations

import math

import numpy as np

MONTHS_PER_YEAR = 12
WORKING_DAYS_PER_WEEK = 5
# FTE is a ratio of float sums: 3.0000000000000004 must still round up to 3 CSMs.
_CEIL_TOLERANCE = 1e-9


def working_hours_per_month(hours_per_week, weeks_per_year, pto_days):
    r"""Hours a CSM works in an average month, after paid time off.

    .. math:: H_w = \frac{h_{week} \cdot w_{year} - d_{pto} \cdot h_{week} / 5}{12}

    Parameters
    ----------
    hours_per_week : float or array
        Contracted hours per week [h/week].
    weeks_per_year : float or array
        Weeks in the working year [weeks/year], usually 52.
    pto_days : float or array
        Working days off per year: holidays, vacation, sick [days/year].

    Returns
    -------
    float or array
        Working hours per CSM per month [h/month].

    Examples
    --------
    >>> float(working_hours_per_month(40, 52, 25))  # (2080 - 200) / 12
    156.66666666666666
    """
    hours_per_day = np.divide(hours_per_week, WORKING_DAYS_PER_WEEK)
    return (np.multiply(hours_per_week, weeks_per_year) - np.multiply(pto_days, hours_per_day)) / MONTHS_PER_YEAR


def customer_hours_per_month(working_hours, customer_time_share):
    r"""Hours a CSM has for customers per month, by the share rule.

    .. math:: H_c = H_w \cdot s

    The rule of thumb (ChurnZero 2022) is two-thirds customer time, one-third company time.

    Parameters
    ----------
    working_hours : float or array
        Working hours per CSM per month [h/month].
    customer_time_share : float or array
        Share of working time spent on customers, in (0, 1] [-].

    Returns
    -------
    float or array
        Customer hours per CSM per month [h/month].
    """
    return np.multiply(working_hours, customer_time_share)


def customer_hours_after_internal(working_hours, internal_hours):
    r"""Hours a CSM has for customers per month, by listing internal work.

    .. math:: H_c = H_w - \sum_i \frac{m_i}{60} f_i

    Parameters
    ----------
    working_hours : float or array
        Working hours per CSM per month [h/month].
    internal_hours : float or array
        Internal work (meetings, email, 1:1s) per CSM per month [h/month];
        see :func:`activity_hours_per_month`.

    Returns
    -------
    float or array
        Customer hours per CSM per month [h/month].
    """
    return np.subtract(working_hours, internal_hours)


def activity_hours_per_month(minutes, per_month):
    r"""Hours per month of an activity that recurs: a touchpoint, inbound work or internal work.

    .. math:: h = \frac{m}{60} f

    Parameters
    ----------
    minutes : float or array
        Duration of one occurrence [min].
    per_month : float or array
        Occurrences per month [1/month]; a yearly frequency is ``per_year / 12``.

    Returns
    -------
    float or array
        Hours per month [h/month], per customer for recurring and inbound touchpoints,
        per segment for one-to-many programs, per CSM for internal work.
    """
    return np.multiply(minutes, per_month) / 60.0


def one_time_hours_per_month(minutes, new_customer_rate):
    r"""A one-time touchpoint (kick-off, onboarding) smoothed across the whole base.

    .. math:: h = \frac{m}{60} \cdot \frac{r_{new}}{12}

    Only the new customers get it, and ``new_customer_rate`` of the base is new in a
    year, so on average each customer of the segment costs this much per month.

    Parameters
    ----------
    minutes : float or array
        Duration of the touchpoint, once per new customer [min].
    new_customer_rate : float or array
        Share of the segment's customers that are new in a year [1/year].

    Returns
    -------
    float or array
        Hours per customer per month [h/customer/month].

    Examples
    --------
    >>> float(one_time_hours_per_month(180, 0.25))  # 3 h x 0.25 / 12
    0.0625
    """
    return np.multiply(minutes, new_customer_rate) / 60.0 / MONTHS_PER_YEAR


def one_time_hours_per_new_customer(minutes):
    r"""A one-time touchpoint (kick-off, onboarding) for one new customer, in the month it arrives.

    .. math:: h = \frac{m}{60}

    The fiscal-year plan charges one-time work to the month customers arrive, where the
    steady-state plan smooths it (:func:`one_time_hours_per_month`); over a year with
    ``new_customer_rate`` of the base arriving, both give the same hours.

    Parameters
    ----------
    minutes : float or array
        Duration of the touchpoint, once per new customer [min].

    Returns
    -------
    float or array
        Hours per new customer [h/new customer].

    Examples
    --------
    >>> float(one_time_hours_per_new_customer(180))
    3.0
    """
    return np.divide(minutes, 60.0)


def pool_share(customers_in_pool, customers_in_segment):
    r"""A pool's share of its segment's one-to-many program hours: its share of customers.

    .. math:: s_v = N_v / N

    Programs (webinars, newsletters) run once for the segment, so splitting it into
    vertical pools divides the hours, not multiplies them. A segment without customers
    gives every pool a zero share.

    Parameters
    ----------
    customers_in_pool : int or array
        Customers of the segment in the pool's verticals [customers].
    customers_in_segment : int or array
        Customers of the whole segment [customers].

    Returns
    -------
    float or array
        Share in [0, 1] [-].
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(np.asarray(customers_in_segment) > 0, np.divide(customers_in_pool, np.maximum(customers_in_segment, 1)), 0.0)
    return share if share.ndim else float(share)


def customers_per_csm(customer_hours, hours_per_customer):
    r"""Portfolio size: how many customers one CSM can carry.

    .. math:: n = H_c / h_{cust}

    Below 1 means a strategic account needs more than one CSM; that is valid.

    Parameters
    ----------
    customer_hours : float or array
        Customer hours per CSM per month [h/month].
    hours_per_customer : float or array
        Workload per customer per month [h/customer/month].

    Returns
    -------
    float or array
        Customers per CSM [customers]; ``inf`` when a customer needs no time.
    """
    with np.errstate(divide="ignore", over="ignore"):
        result = np.divide(customer_hours, hours_per_customer)
    return result if isinstance(result, np.ndarray) else float(result)


def fte(customers, hours_per_customer, program_hours, customer_hours):
    r"""Full-time CSMs a segment needs.

    .. math:: FTE = \frac{N \cdot h_{cust} + h_{program}}{H_c}

    Parameters
    ----------
    customers : float or array
        Customers in the segment [customers].
    hours_per_customer : float or array
        Workload per customer per month [h/customer/month].
    program_hours : float or array
        One-to-many program hours of the segment per month, independent of its size [h/month].
    customer_hours : float or array
        Customer hours per CSM per month [h/month].

    Returns
    -------
    float or array
        Full-time equivalents [FTE].
    """
    return (np.multiply(customers, hours_per_customer) + program_hours) / customer_hours


def headcount(fte_value):
    r"""Whole CSMs to hire for a fractional need: :math:`\lceil FTE \rceil`.

    A tolerance of 1e-9 FTE absorbs floating-point noise, so 3.0000000000000004 FTE is 3.

    Parameters
    ----------
    fte_value : float or array
        Full-time equivalents [FTE].

    Returns
    -------
    int or array of int
        Headcount [people].
    """
    rounded = np.ceil(np.maximum(np.asarray(fte_value, dtype=float) - _CEIL_TOLERANCE, 0.0)).astype(np.int64)
    return rounded if rounded.ndim else int(rounded)


def top_down_headcount(total_arr, arr_per_csm):
    r"""The old top-down ratio: one CSM per so much ARR.

    .. math:: N_{csm} = \lceil ARR / ARR_{per\,csm} \rceil

    Parameters
    ----------
    total_arr : float or array
        Annual recurring revenue of the book [USD/year].
    arr_per_csm : float or array
        Guidepost, such as 1,000,000 or 2,000,000 (Gainsight 2014) [USD/year per CSM].

    Returns
    -------
    int or array of int
        Headcount [people].
    """
    return headcount(np.divide(total_arr, arr_per_csm))


def annual_cost(headcount_value, loaded_cost_per_year):
    r"""Yearly cost of a team: :math:`C = N \cdot c_{loaded}`.

    Parameters
    ----------
    headcount_value : int or array
        People [people].
    loaded_cost_per_year : float or array
        Salary, benefits and overhead of one person [USD/year].

    Returns
    -------
    float or array
        Cost [USD/year].
    """
    return np.multiply(headcount_value, loaded_cost_per_year) * 1.0


def safe_ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None (JSON null) when it is undefined or overflows.

    A zero denominator gives None, and so does one so small that the ratio is infinite
    (an ARR of 1e-320 dollars is no basis for a percentage).
    """
    if denominator == 0 or not math.isfinite(denominator):
        return None
    with np.errstate(over="ignore"):
        ratio = np.divide(float(numerator), float(denominator))
    return float(ratio) if math.isfinite(ratio) else None
