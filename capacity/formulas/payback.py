"""The business-case formulas: what a CS team must keep or add to pay for itself, and what software is worth.

Every function is pure and accepts Python scalars or numpy arrays alike, so a plan, a fiscal year
or each year of a longer plan uses the same formula. Money is per year in the scenario's currency;
shares are fractions (0.8 is 80%).

The break-even is the accounting identity behind "does CS pay for itself": revenue kept or added
pays back a cost when the gross profit on it covers that cost (gross profit = revenue x gross margin,
so the revenue needed is cost / gross margin; see any management-accounting text on break-even
revenue, e.g. Horngren, *Cost Accounting*, "CVP analysis": required revenue = fixed costs / contribution
margin ratio). Nothing here claims that CS causes the revenue: it says how much would have to be its
doing for the spend to pay back. A *return* needs evidence: the retention the user observes under each
coverage model (:func:`arr_kept_by_coverage`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["break_even_arr", "break_even_share", "churned_arr", "arr_kept_by_coverage", "arr_kept_per_dollar",
           "retained_arr", "tooling_cost", "worth_up_to"]


def break_even_arr(cost_per_year, gross_margin):
    r"""The ARR a year that a cost must retain or add to pay back.

    .. math:: A_{be} = \frac{C}{g}

    ARR kept from churning, or added in expansion, earns gross profit :math:`g A`; it pays back the
    cost :math:`C` when :math:`g A \ge C`.

    Parameters
    ----------
    cost_per_year : float or array
        What the team costs a year: CSMs' loaded cost (and any tooling) [currency/year].
    gross_margin : float or array
        Gross profit as a share of revenue, in (0, 1] [-]: what is left of a dollar of ARR after
        hosting, support and the other costs of delivering the service.

    Returns
    -------
    float or array
        ARR to keep or add a year [currency/year].

    Examples
    --------
    >>> float(break_even_arr(1_200_000, 0.8))
    1500000.0
    """
    return np.divide(cost_per_year, gross_margin)


def break_even_share(cost_per_year, arr, gross_margin):
    r"""The break-even ARR as a share of the ARR it is kept from: points of the book that must not churn.

    .. math:: s_{be} = \frac{C}{g \, A}

    Compare it with the segment's churn (a share of its ARR lost a year): CS pays back if it keeps
    this many points of ARR that would otherwise churn, or adds them in expansion.

    Parameters
    ----------
    cost_per_year : float or array
        [currency/year].
    arr : float or array
        The ARR the team serves [currency/year]; a zero ARR gives ``inf`` (``nan`` with no cost).
    gross_margin : float or array
        In (0, 1] [-].

    Returns
    -------
    float or array
        A share of ARR a year [1/year]: 0.068 is 6.8 points.

    Examples
    --------
    >>> round(float(break_even_share(1_200_000, 22_000_000, 0.8)), 4)
    0.0682
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(break_even_arr(cost_per_year, gross_margin), arr)


def churned_arr(arr, churn_per_year):
    r"""ARR lost a year at a churn rate: :math:`A \, c`.

    Parameters
    ----------
    arr : float or array
        [currency/year].
    churn_per_year : float or array
        Share of customers (and, at an even spread of ARR, of ARR) lost in a year, in [0, 1) [1/year].

    Returns
    -------
    float or array
        [currency/year].
    """
    return np.multiply(arr, churn_per_year)


def retained_arr(arr, retention):
    r"""ARR still there a year later at a gross retention rate: :math:`A \, r`.

    Parameters
    ----------
    arr : float or array
        [currency/year].
    retention : float or array
        Gross revenue retention, the share of ARR kept a year (no expansion), in [0, 1] [-].

    Returns
    -------
    float or array
        [currency/year].
    """
    return np.multiply(arr, retention)


def arr_kept_by_coverage(arr, retention, floor_retention):
    r"""ARR a coverage model keeps a year beyond what the lowest-touch coverage keeps.

    .. math:: K = A \, (r_c - r_{floor})

    With the user's own observed gross retention by coverage (dedicated, pooled, digital), the ARR a
    segment keeps because it is covered as it is, rather than at the lowest-touch coverage observed.
    This is the evidence that turns a break-even into a return; it assumes the segment's accounts
    would retain like the lowest-touch cohort without the extra coverage (the user's data, not a law).

    Parameters
    ----------
    arr : float or array
        The segment's ARR [currency/year].
    retention : float or array
        Gross retention observed under the segment's coverage [-].
    floor_retention : float or array
        Gross retention observed under the lowest-touch coverage [-].

    Returns
    -------
    float or array
        [currency/year]; negative when the data say the coverage keeps less.

    Examples
    --------
    >>> float(arr_kept_by_coverage(10_000_000, 0.92, 0.80))  # 12 points of 10M
    1200000.0
    """
    return np.multiply(arr, np.subtract(retention, floor_retention))


def arr_kept_per_dollar(arr_kept_per_year, cost_per_year):
    r"""ARR kept a year per dollar of CS cost: :math:`K / C`.

    The spend pays back when it is at least :math:`1 / g` (a dollar of cost needs :math:`1/g` dollars of
    ARR at gross margin :math:`g`).

    Parameters
    ----------
    arr_kept_per_year : float or array
        [currency/year].
    cost_per_year : float or array
        [currency/year]; zero gives ``inf`` (or ``nan`` with nothing kept).

    Returns
    -------
    float or array
        [currency of ARR per currency of cost].
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(arr_kept_per_year, cost_per_year)


def tooling_cost(cost_per_year, cost_per_account_per_year, accounts):
    r"""What an automation's tooling costs a year: a fixed fee plus a fee per account.

    .. math:: T = F + p \, N

    Parameters
    ----------
    cost_per_year : float or array
        Fixed fee [currency/year] (0 when priced per account).
    cost_per_account_per_year : float or array
        Fee per account [currency/account/year] (0 when a fixed fee).
    accounts : int or array
        Accounts of the segment the tooling serves [accounts].

    Returns
    -------
    float or array
        [currency/year].

    Examples
    --------
    >>> float(tooling_cost(0, 40, 1343))
    53720.0
    """
    return np.add(cost_per_year, np.multiply(cost_per_account_per_year, accounts))


def worth_up_to(fte_saved, loaded_cost_per_year):
    r"""The break-even tooling price of an automation: the CSM time it takes over, at a CSM's loaded cost.

    .. math:: W = \Delta FTE \cdot c_{CSM}

    Tooling that costs less than this a year pays for itself as the team grows (each FTE of work
    taken over is a CSM not hired); in a plan of today's size the saving is in whole CSMs, so it may
    be more or less in a given year.

    Parameters
    ----------
    fte_saved : float or array
        CSM time the automation takes over [FTE].
    loaded_cost_per_year : float or array
        Loaded cost of one of the segment's CSMs [currency/year].

    Returns
    -------
    float or array
        [currency/year].

    Examples
    --------
    >>> float(worth_up_to(1.21, 175_000))
    211750.0
    """
    return np.multiply(fte_saved, loaded_cost_per_year)
