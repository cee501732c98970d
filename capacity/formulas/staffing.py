"""The fiscal year's formulas: churn and attrition by month, ramp, hiring, utilization, managers, cost.

Every function is pure and accepts Python scalars or numpy arrays alike, like
:mod:`capacity.formulas.workload` (a CSM's month and a customer's); :mod:`capacity.model.fiscal` runs the
year with them. Counts are people or customers, rates are shares, months are months, money
is per year unless a name says a month.
"""

from __future__ import annotations

import math

import numpy as np

from capacity.formulas import growth, workload

__all__ = [
    "monthly_rate",
    "ramp_factor",
    "customers_after_month",
    "monthly_demand_fte",
    "realised_leavers",
    "requisitions_needed",
    "utilization",
    "managers_needed",
    "allocate_managers",
    "raise_factor",
    "monthly_cost",
]

# Float sums of ramp fractions (1/3 + 2/3) must still count as one whole CSM.
_TOLERANCE = 1e-9


def monthly_rate(annual_rate):
    r"""The monthly rate that compounds to an annual rate (logo churn, CSM attrition).

    .. math:: r_m = 1 - (1 - r_y)^{1/12}

    Source: the compound-rate conversion of actuarial practice (a rate per year applied monthly so that twelve months leave the same survivors); used for logo churn and CSM attrition alike.

    Parameters
    ----------
    annual_rate : float or array
        Share lost in a year, in [0, 1) [1/year].

    Returns
    -------
    float or array
        Share lost in a month [1/month]; twelve months of it leave ``1 - annual_rate``.

    Examples
    --------
    >>> round(float(monthly_rate(0.19)), 6)  # 1 - 0.81 ** (1/12) = 1 - 0.9 ** (1/6)
    0.017407
    """
    survivors = 1.0 - np.asarray(annual_rate, dtype=float)
    # The C library's pow, value by value, not np.power: numpy takes other code paths on other processors
    # (SVML on AVX-512), whose last bits differ, and the fiscal year must not move with the machine.
    return 1.0 - np.asarray(_POW(survivors, 1.0 / workload.MONTHS_PER_YEAR), dtype=float)


_POW = np.frompyfunc(math.pow, 2, 1)


def ramp_factor(months_on_staff, ramp_months):
    r"""Share of a full CSM's capacity a new CSM gives in their ``k``-th month on staff.

    .. math:: f(k) = \min(k / R, 1) \text{ for } k \ge 1, \quad 0 \text{ for } k \le 0

    Capacity rises linearly from ``1/R`` in the start month to full in month ``R``; a ramp
    of 0 or 1 month is full from the start.

    Source: the linear ramp to full productivity of sales and Customer Success capacity models; this package's convention, stated in README (Fiscal-year plan).

    Parameters
    ----------
    months_on_staff : int or array
        1 in the month the CSM starts, 2 the month after; 0 or less before they start [months].
    ramp_months : int
        Months to full productivity, ``R`` [months].

    Returns
    -------
    float or array
        Capacity share in [0, 1] [FTE per CSM].

    Examples
    --------
    >>> [round(float(ramp_factor(k, 3)), 3) for k in (0, 1, 2, 3, 4)]
    [0.0, 0.333, 0.667, 1.0, 1.0]
    """
    k = np.asarray(months_on_staff, dtype=float)
    return np.where(k >= 1, np.minimum(k / max(ramp_months, 1), 1.0), 0.0)


def customers_after_month(customers, monthly_churn, new_customers):
    r"""Month-end customers: last month's, less this month's churn, plus this month's arrivals.

    .. math:: C_m = C_{m-1} (1 - c_m) + N_m

    Source: a stock-and-flow balance of the book, month-end counts as expected values (this package's convention, README).

    Parameters
    ----------
    customers : float or array
        Customers at the end of the previous month, :math:`C_{m-1}` [customers].
    monthly_churn : float or array
        Monthly logo churn rate, see :func:`monthly_rate` [1/month].
    new_customers : float or array
        Customers arriving this month [customers/month].

    Returns
    -------
    float or array
        Customers at the end of the month [customers] (an expected value, not rounded).
    """
    return np.multiply(customers, 1.0 - np.asarray(monthly_churn)) + new_customers


def monthly_demand_fte(customers, hours_per_customer, new_customers, hours_per_new_customer, program_hours, customer_hours):
    r"""CSM demand in one month, with one-time work in the month customers arrive.

    .. math:: D_m = \frac{C_m h_{cust} + N_m h_{new} + h_{program}}{H_c}

    Source: the bottom-up method of :mod:`capacity.formulas.workload` (ChurnZero 2022) applied month by month, with one-time work in the month customers arrive instead of smoothed.

    Parameters
    ----------
    customers : float or array
        Customers served in the month, :math:`C_m` [customers].
    hours_per_customer : float or array
        Recurring and inbound work per customer per month (no one-time work) [h/customer/month].
    new_customers : float or array
        Customers arriving in the month, :math:`N_m` [customers/month].
    hours_per_new_customer : float or array
        One-time work per new customer, see :func:`capacity.formulas.workload.one_time_hours_per_new_customer`
        [h/new customer].
    program_hours : float or array
        One-to-many program hours of the segment [h/month].
    customer_hours : float
        Customer hours per CSM per month [h/month].

    Returns
    -------
    float or array
        Demand [FTE].
    """
    hours = np.multiply(customers, hours_per_customer) + np.multiply(new_customers, hours_per_new_customer) + program_hours
    return hours / customer_hours


def realised_leavers(cumulative_expected_before, cumulative_expected_after):
    r"""Whole people who leave in a month, from cumulative expected leavers.

    .. math:: L_m = \lfloor E_m + 1/2 \rfloor - \lfloor E_{m-1} + 1/2 \rfloor

    so that leavers to date are always the expected leavers to date rounded to the
    nearest person (10 CSMs at 15% a year: 1.5 expected in a year, 1 or 2 realised).

    Source: rounding cumulative expectations, the cumulative form of the largest-remainder method, so that no month's rounding loses or invents a leaver.

    Parameters
    ----------
    cumulative_expected_before, cumulative_expected_after : float or array
        Expected leavers since the year started, before and after this month [people].

    Returns
    -------
    int or array of int
        Leavers this month [people].
    """
    before = np.floor(np.asarray(cumulative_expected_before) + 0.5 + _TOLERANCE)
    after = np.floor(np.asarray(cumulative_expected_after) + 0.5 + _TOLERANCE)
    return (after - before).astype(np.int64)


def requisitions_needed(demand_fte, target_utilization, projected_capacity_fte):
    r"""Requisitions that bring a month's ramped capacity up to demand at the target utilization.

    .. math:: n = \max\left(0, \left\lceil \frac{D_p}{u^*} - K_p \right\rceil\right)

    Source: staffing to a target utilization (occupancy), as in workforce planning: capacity is sized so that demand uses at most the target share of it.

    Parameters
    ----------
    demand_fte : float or array
        Demand projected for the month the new hires are fully productive [FTE].
    target_utilization : float
        Share of ramped capacity demand may use, :math:`u^*` in (0, 1] [-].
    projected_capacity_fte : float or array
        Ramped capacity that month from staff and requisitions already open [FTE].

    Returns
    -------
    int or array of int
        Requisitions to open [people].
    """
    gap = np.divide(demand_fte, target_utilization) - np.asarray(projected_capacity_fte)
    return np.ceil(np.maximum(gap - _TOLERANCE, 0.0)).astype(np.int64)


def utilization(demand_fte, capacity_fte):
    r"""Share of ramped capacity that demand uses: :math:`u = D / K`.

    Source: the usual definition of utilization (occupancy) in workforce planning.

    Parameters
    ----------
    demand_fte, capacity_fte : float or array
        Demand and ramped capacity [FTE].

    Returns
    -------
    float or array
        Utilization [-]: 0 without demand (below 1e-9 FTE, the headcount rounding's
        tolerance), ``inf`` with demand and no capacity.
    """
    demand = np.asarray(demand_fte, dtype=float)
    capacity = np.asarray(capacity_fte, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(demand > _TOLERANCE, np.where(capacity > 0, demand / np.where(capacity > 0, capacity, 1.0), np.inf), 0.0)
    return u if u.ndim else float(u)


def managers_needed(csms, csms_per_manager):
    r"""Front-line managers for a team: :math:`M = \lceil N / span \rceil`.

    Source: span of control, one front-line manager per so many CSMs.

    Parameters
    ----------
    csms : int or array
        CSMs on the team [people].
    csms_per_manager : int or None
        Span of control [CSMs per manager]; None counts no managers.

    Returns
    -------
    int or array of int
        Managers [people].

    Examples
    --------
    >>> managers_needed(9, 8), managers_needed(8, 8), managers_needed(0, 8)
    (2, 1, 0)
    """
    csms = np.asarray(csms)
    if csms_per_manager is None:
        out = np.zeros_like(csms, dtype=np.int64)
    else:
        out = np.ceil(csms / csms_per_manager - _TOLERANCE).astype(np.int64)
    return out if out.ndim else int(out)


def allocate_managers(csms, csms_per_manager):
    r"""One management team for all segments: its managers, shown against segments by their CSMs.

    .. math:: M = \lceil \textstyle\sum_s N_s / span \rceil, \quad M_s \approx M \frac{N_s}{\sum_s N_s}

    The total is :func:`managers_needed` of all CSMs; it is split in whole managers by the
    largest-remainder method, so the segment rows add up to the total exactly (ties go to
    the earlier segment).

    Source: the largest-remainder (Hamilton) method of apportionment.

    Parameters
    ----------
    csms : array of int, shape (segments,) or (segments, months)
        CSMs per segment [people].
    csms_per_manager : int or None
        Span of control [CSMs per manager]; None counts no managers.

    Returns
    -------
    array of int, same shape
        Managers per segment [people].

    Examples
    --------
    >>> allocate_managers([9, 1], 8).tolist()  # ceil(10 / 8) = 2: 1.8 and 0.2 -> 2 and 0
    [2, 0]
    """
    csms = np.asarray(csms, dtype=np.int64)
    column = csms.ndim == 1
    n = csms[:, None] if column else csms
    total = np.asarray(managers_needed(n.sum(axis=0), csms_per_manager))
    sums = n.sum(axis=0)
    exact = total * n / np.where(sums > 0, sums, 1)
    base = np.floor(exact + _TOLERANCE).astype(np.int64)
    left = total - base.sum(axis=0)
    order = np.argsort(-(exact - base), axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n.shape[0])[:, None].repeat(n.shape[1], axis=1), axis=0)
    out = base + (rank < left)
    return out[:, 0] if column else out


def raise_factor(month, raise_month, rate):
    r"""Multiplier on loaded costs: :math:`1 + r` from the raise's month, compounding every twelve months after.

    .. math:: f(m) = (1 + r)^{n(m)}, \quad n(m) = \lfloor (m - m_r) / 12 \rfloor + 1 \ (m \ge m_r), \ 0 \ (m < m_r)

    In a plan of a year the raise happens once (:math:`1 + r` from its month on); a longer plan gives
    it again on each anniversary (:func:`capacity.formulas.growth.compounded`).

    Source: a merit increase on all loaded costs in a given month, every year (the scenario's ``salary_increase``).

    Parameters
    ----------
    month : int or array
        Month, as :func:`capacity.inputs.scenario.month_index` [months].
    raise_month : int or None
        The month the first increase takes effect, same scale; None for no raise.
    rate : float
        The increase, 0.03 for 3% [-].

    Returns
    -------
    float or array
        Cost multiplier [-].

    Examples
    --------
    >>> raise_factor(np.array([5, 6, 17, 18, 30]), 6, 0.03).tolist()
    [1.0, 1.03, 1.03, 1.0609, 1.092727]
    """
    if raise_month is None:
        return np.ones_like(np.asarray(month), dtype=float) if np.ndim(month) else 1.0
    since = np.asarray(month) - raise_month
    raises = np.where(since >= 0, np.floor_divide(since, workload.MONTHS_PER_YEAR) + 1, 0)
    factor = np.asarray(growth.compounded(rate, raises))
    return factor if factor.ndim else float(factor)


def monthly_cost(people, loaded_cost_per_year, factor=1.0):
    r"""What people on staff for one month cost: :math:`C_m = N \cdot c_{loaded} / 12 \cdot f`.

    Source: loaded cost (salary, benefits, overhead) spread evenly over the months of a year.

    Parameters
    ----------
    people : int or array
        People on staff in the month [people].
    loaded_cost_per_year : float or array
        Salary, benefits and overhead of one person [USD/year].
    factor : float or array
        Salary-increase multiplier, see :func:`raise_factor` [-].

    Returns
    -------
    float or array
        Cost of the month [USD/month].
    """
    return np.multiply(people, loaded_cost_per_year) / workload.MONTHS_PER_YEAR * factor
