"""Recruiting's formulas: the hires it can close each month, the starts to schedule now, the candidates a hire needs.

Every function is pure and accepts Python scalars or numpy arrays alike (the scheduling function takes
any leading axes, such as a simulation's draws). :mod:`capacity.model.recruiting` runs the fiscal plan's
hiring with them. Counts are people, months are months.
"""

from __future__ import annotations

import numpy as np

__all__ = ["recruiting_slots", "starts_now", "funnel"]

# Float sums of a fractional rate (0.1 + 0.1 + ...) must still reach a whole hire.
_TOLERANCE = 1e-9


def recruiting_slots(hires_per_month, months):
    r"""Whole hires recruiting can close in each month, a fractional rate carried from month to month.

    .. math:: s_m = \lfloor c (m + 1) \rfloor - \lfloor c\, m \rfloor

    so that the hires closed by the end of month :math:`m` are always the rate's to date, rounded down
    (1.5 a month closes 1, 2, 1, 2 ...).

    Source: recruiting capacity as recruiters x hires each closes a month (a recruiter's "req load"), in
    whole hires by the cumulative floor, like :func:`capacity.formulas.staffing.realised_leavers`.

    Parameters
    ----------
    hires_per_month : float
        Hires recruiting can close a month, ``c`` >= 0 [hires/month].
    months : int
        How many months, from the plan's first [months].

    Returns
    -------
    array of int, shape (months,)
        Hires that can start in each month [hires].

    Examples
    --------
    >>> recruiting_slots(1.5, 4).tolist()
    [1, 2, 1, 2]
    >>> recruiting_slots(0.4, 5).tolist()  # one hire every two and a half months
    [0, 0, 1, 0, 1]
    """
    edges = np.floor(hires_per_month * np.arange(months + 1) + _TOLERANCE)
    return np.diff(edges).astype(np.int64)


def starts_now(required, free):
    r"""The fewest starts to schedule in the first month so that every later deadline can still be met.

    ``required[..., u, j]`` is how many more starts unit ``u`` (a segment or pool) needs by the ``j``-th
    month from now (``j = 0`` is now), cumulative and never falling; ``free[..., j]`` the starts the
    shared recruiting team can still close in month ``j`` (``free[..., 0]`` is not read). Starting
    :math:`x` now leaves a feasible schedule of the rest exactly when

    .. math:: x \ge T_0 \quad\text{and}\quad x \ge T_j - \sum_{i=1}^{j} f_i \ \ (j \ge 1),
              \qquad T_j = \sum_u R_{u,j}

    (the starts due by month ``j`` beyond what the months after now can close). The smallest such
    :math:`x`, but no more than month 0 can close (``free[..., 0]``: a start that cannot be in month 0 can
    be scheduled next month as well), is shared among units earliest deadline first: the starts due
    soonest, units in order at a tie. Scheduling the rest as late as it can go is optimal for unit jobs
    with deadlines on one shared resource (earliest deadline first, Jackson 1955), so ``x`` is the
    latest-start plan's first month: nothing is hired earlier than recruiting's limit requires. When
    month 0 cannot close :math:`T_0` the deadlines cannot all be met (the plan reports the months short).

    Source: J. R. Jackson, "Scheduling a production line to minimize maximum tardiness", Management
    Science Research Project 43, UCLA (1955): earliest-due-date order; the feasibility condition is the
    cumulative form of it for a capacity per period.

    Parameters
    ----------
    required : array of int (..., units, J)
        Cumulative starts due by each month [hires], non-decreasing along the last axis.
    free : array of int (..., J)
        Starts recruiting can still close each month [hires].

    Returns
    -------
    array of int (..., units)
        Starts to schedule in the first month [hires], at most ``free[..., 0]`` in all.

    Examples
    --------
    Two segments; recruiting closes two hires now and one a month after. A needs 1 by month 0 and 3 by
    month 2, B 1 by month 1: by month 2, 4 starts are due and months 1 and 2 close 2, so 2 must start now,
    the two due soonest (A's first, B's); A's other two start in months 1 and 2.

    >>> starts_now(np.array([[1, 1, 3], [0, 1, 1]]), np.array([2, 1, 1])).tolist()
    [1, 1]

    With one hire free now, only A's first can start now: the deadlines cannot all be met.

    >>> starts_now(np.array([[1, 1, 3], [0, 1, 1]]), np.array([1, 1, 1])).tolist()
    [1, 0]
    """
    required = np.asarray(required, dtype=np.int64)
    free = np.asarray(free, dtype=np.int64)
    total = required.sum(axis=-2)  # (..., J)
    later = np.cumsum(free, axis=-1) - free[..., :1]  # slots in months 1..j
    x = np.maximum(np.max(total - later, axis=-1), total[..., 0])
    x = np.clip(x, 0, np.maximum(free[..., 0], 0))
    # Earliest deadline first: the first month j whose cumulative total reaches x, the earlier months' jobs in full.
    reached = total >= x[..., None]
    j = np.where(reached.any(axis=-1), np.argmax(reached, axis=-1), total.shape[-1] - 1)
    before = np.take_along_axis(required, np.maximum(j - 1, 0)[..., None, None], axis=-1)[..., 0]
    before = np.where((j > 0)[..., None], before, 0)
    at = np.take_along_axis(required, j[..., None, None], axis=-1)[..., 0] - before
    left = x - before.sum(axis=-1)
    ahead = np.cumsum(at, axis=-1) - at  # the units before each one at the tie
    return before + np.clip(left[..., None] - ahead, 0, at)


def funnel(hires, offer_acceptance_rate, interview_to_offer, application_to_interview):
    r"""Candidates a number of hires needs at each stage of the recruiting funnel.

    .. math:: O = \frac{H}{a}, \quad I = \frac{O}{r_{io}}, \quad A = \frac{I}{r_{ai}}

    Expected counts (not rounded): 2 hires at an 80% acceptance rate need 2.5 offers.

    Source: the recruiting funnel (applications, interviews, offers, hires) with a conversion rate
    between stages, as recruiting teams plan it.

    Parameters
    ----------
    hires : float or array
        Hires (accepted offers) [people].
    offer_acceptance_rate : float
        Share of offers accepted, in (0, 1] [-].
    interview_to_offer : float
        Share of interviewed candidates offered, in (0, 1] [-].
    application_to_interview : float
        Share of applicants interviewed, in (0, 1] [-].

    Returns
    -------
    offers, interviews, applications : float or array
        Candidates needed at each stage [people].

    Examples
    --------
    >>> [round(float(v), 6) for v in funnel(2, 0.8, 0.25, 0.1)]
    [2.5, 10.0, 100.0]
    """
    offers = np.divide(hires, offer_acceptance_rate)
    interviews = np.divide(offers, interview_to_offer)
    applications = np.divide(interviews, application_to_interview)
    return offers, interviews, applications
