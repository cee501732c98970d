"""The fiscal plan's hiring with a ``hiring`` block: what recruiting can close, and hiring ahead of attrition.

Without a ``hiring`` block the fiscal plan (:mod:`capacity.model.fiscal`) opens its requisitions by its
hiring rule and every requisition starts after the lead time. With one, :func:`staff` runs the same
rule month by month with three more things, for one plan or for a simulation's draws at once (arrays
``(draws, units, months)``; the plan is one draw):

- **Recruiting's limit** (``recruiters`` x ``hires_per_recruiter_per_month``): at most
  :func:`capacity.formulas.recruiting.recruiting_slots` hires start in a month, all segments together. A
  requisition starts in the first month, from its ready month (opened + time to fill) on, that recruiting
  still has a hire free; requisitions take the free hires in the order they are opened (replacements of
  leavers first, then growth, segments in scenario order). So that starts meet demand within the limit,
  each month the rule looks past its usual month (``t + lead + ramp - 1``) to the next :data:`LOOK_AHEAD`
  months and opens now the fewest requisitions that still leave every later month's need reachable
  (:func:`capacity.formulas.recruiting.starts_now`): requisitions are opened early, never later than
  the rule without a limit would open them. When even that cannot hold the target, the plan says which
  months fall short and by how much (:mod:`capacity.model.fiscal`'s ``hiring`` block).
- **Hiring ahead of attrition** (``hire_ahead_of_attrition: true``): the plan forecasts each month's
  leavers as it rounds them (the expected leavers to date, rounded; :func:`forecast_leavers`) and opens a
  replacement for each one ``lead + ramp - 1`` months before they go, so that the replacement is fully
  ramped in the month they leave; the hiring rule counts the forecast leavers out of the capacity it
  projects (beyond that month, when it looks further ahead for recruiting's limit, at the monthly rate,
  unrounded). A leaver the forecast missed (a whole person more than it said) is backfilled when they go,
  as without the key; a replacement for a leaver who did not go is a CSM more. Leavers in the plan's
  first ``lead + ramp - 1`` months cannot be replaced in time; their replacements are opened in the
  first month.
- **Time to fill drawn** (the simulation): each month's requisitions of a segment (or pool) start
  after their own draw of months instead of the most likely (``fills``).

With none of the three (no limit, no hiring ahead, the most likely time to fill) the months are the
rule's as :mod:`capacity.model.fiscal` runs it without the block.

The **attrition gap** of a month (:func:`attrition_gap`) is the capacity leavers have taken that their
replacements do not yet give: leavers to date less the ramped capacity of every replacement started
(0 when each replacement is fully ramped by the month its leaver goes). It is the "capacity dip" of a
departure: lead time plus ramp long without hiring ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from capacity.formulas.recruiting import recruiting_slots, starts_now
from capacity.formulas.staffing import ramp_factor, realised_leavers, requisitions_needed
from capacity.inputs.scenario import Scenario

#: How many months past its usual one (``t + lead + ramp - 1``) the hiring rule looks when recruiting's limit may
#: make it open requisitions early: a year.
LOOK_AHEAD = 12

__all__ = ["LOOK_AHEAD", "Recruiting", "recruiting_of", "Staffing", "staff", "forecast_leavers", "pooled_leavers",
           "remove_longest_serving", "attrition_gap", "ramped", "HiringMonth", "Shortfall", "HiringPlan"]


@dataclass(frozen=True)
class Recruiting:
    """How the plan hires: its rule's months and recruiting's limits.

    Attributes
    ----------
    lead : int
        Months from opening a requisition to the start the rule plans with (the time to fill's most likely).
    ramp : int
        Months to full capacity (at least 1).
    target : float
        Target utilization.
    slots : ndarray of int (H,) or None
        Hires recruiting can close in each month from the plan's first; None without a limit.
    hire_ahead : bool
        Whether replacements of forecast leavers are opened ahead of them.
    """

    lead: int
    ramp: int
    target: float
    slots: np.ndarray | None = None
    hire_ahead: bool = False


def recruiting_of(scenario: Scenario, horizon: int) -> Recruiting:
    """The recruiting rule of a scenario with a fiscal year, over ``horizon`` months (slots beyond are free)."""
    fiscal = scenario.fiscal_year
    hiring = scenario.hiring
    rate = None if hiring is None else hiring.hires_per_month
    return Recruiting(lead=scenario.hiring_lead_time_months, ramp=max(fiscal.ramp_months, 1),
                      target=fiscal.target_utilization,
                      slots=None if rate is None else recruiting_slots(rate, horizon),
                      hire_ahead=hiring is not None and hiring.hire_ahead_of_attrition)


@dataclass(frozen=True)
class Staffing:
    """The months of every unit (segment or pool) and draw, arrays ``(draws, units, months)`` unless said.

    ``requisitions`` = ``replacements`` (backfills and requisitions opened ahead of forecast leavers)
    + ``growth``; ``delayed`` counts the requisitions opened that month that start after their ready
    month because recruiting had no hire free then. ``anticipated`` (draws, units, H) is the replacements
    opened ahead for each month's leavers; ``replaced`` (draws, units, H) the replacements starting in each
    month (for :func:`attrition_gap`).
    """

    headcount: np.ndarray
    started: np.ndarray
    requisitions: np.ndarray
    replacements: np.ndarray
    ahead: np.ndarray
    growth: np.ndarray
    leavers: np.ndarray
    capacity: np.ndarray
    delayed: np.ndarray
    anticipated: np.ndarray
    replaced: np.ndarray

    def to_fiscal(self, draw: int = 0) -> dict[str, np.ndarray]:
        """One draw in :func:`capacity.model.fiscal`'s shape: key -> (units, months)."""
        return {"headcount": self.headcount[draw], "started": self.started[draw],
                "requisitions": self.requisitions[draw], "backfills": self.replacements[draw],
                "leavers": self.leavers[draw], "capacity": self.capacity[draw]}


def pooled_leavers(before, after, gone, on_staff, owner) -> np.ndarray:
    """A segment's leavers rounded as one team, each to the pool that has lost the fewest against its expectation,
    for every draw (``(draws, units)`` arrays; the fiscal plan's own rule, for many draws at once)."""
    draws, units = on_staff.shape
    segments = int(owner.max()) + 1
    member = np.zeros((units, segments))
    member[np.arange(units), owner] = 1.0
    due = realised_leavers(before @ member, after @ member)
    leavers = np.zeros_like(on_staff)
    rows = np.arange(draws)
    for s in range(segments):
        members = np.flatnonzero(owner == s)
        for r in range(int(due[:, s].max(initial=0))):
            staffed = on_staff[:, members] - leavers[:, members] > 0
            owed = np.where(staffed, after[:, members] - gone[:, members] - leavers[:, members], -np.inf)
            pick = members[np.argmax(owed, axis=1)]
            take = (due[:, s] > r) & staffed.any(axis=1)
            leavers[rows[take], pick[take]] += 1
    return leavers


def remove_longest_serving(tenured: np.ndarray, joined: np.ndarray, leavers: np.ndarray, month: int) -> np.ndarray:
    """Take the leavers out: the starting team first, then the earliest hires (who started before ``month``).

    ``joined`` is (months, draws, units). Returns how many were taken from the hires, per draw and unit.
    """
    take = np.minimum(leavers, tenured)
    tenured -= take
    rest = leavers - take
    if month == 0 or not rest.any():
        return rest
    hit = np.flatnonzero(rest.any(axis=1))
    cohorts = joined[:month, hit]
    before = np.cumsum(cohorts, axis=0) - cohorts
    joined[:month, hit] = cohorts - np.clip(rest[hit][None] - before, 0, cohorts)
    return rest


def _rounded(before, after, gone, on_staff, owner, pooled: bool) -> np.ndarray:
    if pooled:
        return pooled_leavers(before, after, gone, on_staff, owner)
    return np.minimum(realised_leavers(before, after), on_staff)


def forecast_leavers(expected, gone, on_staff, joined, first: int, last: int, rate, owner) -> np.ndarray:
    """Leavers the plan's rule would round in months ``first`` to ``last``, (draws, units, last - first + 1).

    From the expected leavers to date (``expected``), those gone, the CSMs on staff at the end of month
    ``first - 1`` and the starts already scheduled (``joined``, (months, draws, units)): each month adds
    its staff times the monthly rate to the expectation and rounds it as :func:`capacity.model.fiscal`
    does. Starts not yet scheduled are not counted (they add a fraction of a leaver).
    """
    pooled = len(np.unique(owner)) < len(owner)
    out = np.zeros(on_staff.shape + (max(last - first + 1, 0),), dtype=np.int64)
    e, g, staff_now = expected, gone.copy(), on_staff.copy()
    for i, m in enumerate(range(first, last + 1)):
        before, e = e, e + staff_now * rate
        leaving = _rounded(before, e, g, staff_now, owner, pooled)
        g += leaving
        staff_now = staff_now - leaving + (joined[m] if m < joined.shape[0] else 0)
        out[..., i] = leaving
    return out


def staff(demand: np.ndarray, starting: np.ndarray, months: int, rule: Recruiting, rate, owner: np.ndarray, *,
          fills: np.ndarray | None = None, leavers_of: Callable | None = None,
          fixed: "Staffing | None" = None) -> Staffing:
    """The months of every unit and draw under ``rule`` (see the module).

    Parameters
    ----------
    demand : array (draws, units, H)
        What the rule sizes for, each month of the horizon (the plan's months and the rule's look-ahead) [FTE].
    starting : array of int (units,)
        Today's team, fully ramped [people].
    months : int
        The plan's months.
    rule : Recruiting
    rate : float or array (draws, 1)
        Monthly attrition [1/month].
    owner : array of int (units,)
        Each unit's segment (a segment's leavers are rounded as one team).
    fills : array of int (draws, units, months), optional
        Months each month's requisitions take to fill (the simulation's draws); default ``rule.lead``.
    leavers_of : callable, optional
        ``leavers_of(t, on_staff) -> (draws, units)`` leavers drawn (the simulation); default the rule's
        rounding of the expected leavers.
    fixed : Staffing, optional
        Replay this plan's growth and replacements opened ahead (its draw 0) instead of the rule: leavers
        beyond those replaced ahead are backfilled when they go.

    Returns
    -------
    Staffing
    """
    draws, units, horizon = demand.shape
    lead, ramp, target = rule.lead, rule.ramp, rule.target
    longest = lead if fills is None else max(lead, int(fills.max(initial=lead)))
    span = max(horizon, months + longest + 1)  # months a start can fall in (and be counted)
    slots = None
    if rule.slots is not None:
        slots = np.zeros(span, dtype=np.int64)
        slots[: min(span, len(rule.slots))] = rule.slots[:span]
    tenured = np.broadcast_to(np.asarray(starting, dtype=np.int64), (draws, units)).copy()
    joined = np.zeros((span, draws, units), dtype=np.int64)
    replaced = np.zeros((span, draws, units), dtype=np.int64)
    anticipated = np.zeros((span, draws, units), dtype=np.int64)
    if fixed is not None:
        kept = min(span, fixed.anticipated.shape[-1])
        anticipated[:kept] = np.moveaxis(fixed.anticipated[:1, :, :kept], -1, 0)
    used = np.zeros((draws, span), dtype=np.int64)
    expected = np.zeros((draws, units))
    gone = np.zeros((draws, units), dtype=np.int64)
    waiting = np.zeros((draws, units), dtype=np.int64)
    out = {key: np.zeros((months, draws, units), dtype=np.int64)
           for key in ("headcount", "started", "requisitions", "replacements", "ahead", "growth", "leavers", "delayed")}
    capacity = np.zeros((months, draws, units))
    on_staff = tenured.copy()
    pooled = len(np.unique(owner)) < len(owner)

    def place(count: np.ndarray, t: int, replacement: bool) -> np.ndarray:
        """Schedule ``count`` (draws, units) requisitions opened in month ``t``; returns those starting late.

        One that finds no hire free before the horizon's end stays open, waiting (``waiting``): the rule counts it
        as covering its need, so that a need recruiting cannot meet is asked for once, not every month.
        """
        late = np.zeros((draws, units), dtype=np.int64)
        if not count.any():
            return late
        if slots is None and fills is None:  # every requisition starts after the lead time
            joined[t + lead] += count
            if replacement:
                replaced[t + lead] += count
            return late
        ready = np.full((draws, units), t + lead) if fills is None else t + fills[:, :, t]
        for u in range(units):
            if not count[:, u].any():
                continue
            left = count[:, u].copy()
            month = ready[:, u].copy()
            while True:
                active = np.flatnonzero((left > 0) & (month < span))
                if active.size == 0:
                    break
                at = month[active]
                take = left[active] if slots is None else np.minimum(left[active], slots[at] - used[active, at])
                used[active, at] += take
                joined[at, active, u] += take
                if replacement:
                    replaced[at, active, u] += take
                late[active, u] += np.where(at > ready[active, u], take, 0)
                left[active] -= take
                month[active] += 1
            waiting[:, u] += left
        return late

    for t in range(months):
        before, expected = expected, expected + on_staff * rate
        if leavers_of is None:
            leavers = _rounded(before, expected, gone, on_staff, owner, pooled)
        else:
            leavers = leavers_of(t, on_staff)
        gone += leavers
        remove_longest_serving(tenured, joined, leavers, t)
        backfill = np.maximum(leavers - anticipated[t], 0) if (rule.hire_ahead or fixed is not None) else leavers
        p = t + lead + ramp - 1
        forecast = None
        if rule.hire_ahead and fixed is None:
            forecast = forecast_leavers(expected, gone, on_staff - leavers + joined[t], joined, t + 1, p, rate, owner)
        if fixed is not None:
            ahead = np.broadcast_to(fixed.ahead[0, :, t], (draws, units)).copy()
        elif forecast is not None:
            want = forecast[..., : p - t]
            have = np.moveaxis(anticipated[t + 1: p + 1], 0, -1)
            extra = np.maximum(want - have, 0)
            anticipated[t + 1: p + 1] += np.moveaxis(extra, -1, 0)
            ahead = extra.sum(axis=-1)
        else:
            ahead = np.zeros((draws, units), dtype=np.int64)
        replacements = backfill + ahead
        late = place(replacements, t, True)
        if fixed is not None:
            growth = np.broadcast_to(fixed.growth[0, :, t], (draws, units)).copy()
        elif slots is None:
            projected = tenured + ramped(joined, p, 1, ramp)[0] + waiting
            if forecast is not None:
                projected = projected - forecast[..., : p - t].sum(axis=-1)
            growth = requisitions_needed(demand[:, :, p], target, projected)
        else:
            looked = np.arange(p, min(horizon, p + LOOK_AHEAD + 1))
            projected = (tenured + waiting)[..., None] + np.moveaxis(ramped(joined, p, len(looked), ramp), 0, -1)
            if forecast is not None:
                # Leavers through p as the rule rounds them; after p, the team at p times the monthly rate, unrounded
                # (the look-ahead only asks when recruiting must start, and a month's rounding does not move it).
                after = np.arange(len(looked)) * np.asarray(rate)[..., None]
                staff_p = tenured + joined[: p + 1].sum(axis=0) - forecast.sum(axis=-1)
                projected = projected - forecast.sum(axis=-1)[..., None] - staff_p[..., None] * after
            need = requisitions_needed(demand[:, :, looked[0]: looked[-1] + 1], target, projected)
            first = t + lead
            free = slots[first: first + len(looked)][None, :] - used[:, first: first + len(looked)]
            growth = starts_now(np.maximum.accumulate(need, axis=-1), free)
        late += place(growth, t, False)
        if forecast is not None:
            # The starts just scheduled raise the expected leavers a little: replace any whole one more now.
            again = forecast_leavers(expected, gone, on_staff - leavers + joined[t], joined, t + 1, p, rate, owner)
            extra = np.maximum(again - np.moveaxis(anticipated[t + 1: p + 1], 0, -1), 0)
            if extra.any():
                anticipated[t + 1: p + 1] += np.moveaxis(extra, -1, 0)
                more = extra.sum(axis=-1)
                late += place(more, t, True)
                ahead = ahead + more
                replacements = replacements + more
        on_staff = on_staff - leavers + joined[t]
        out["leavers"][t] = leavers
        out["replacements"][t] = replacements
        out["ahead"][t] = ahead
        out["growth"][t] = growth
        out["requisitions"][t] = replacements + growth
        out["delayed"][t] = late
        out["started"][t] = joined[t]
        out["headcount"][t] = on_staff
        capacity[t] = tenured + ramped(joined, t, 1, ramp)[0]
    arrays = {key: np.moveaxis(value, 0, -1) for key, value in out.items()}
    return Staffing(capacity=np.moveaxis(capacity, 0, -1), anticipated=np.moveaxis(anticipated, 0, -1),
                    replaced=np.moveaxis(replaced, 0, -1), **arrays)


def ramped(joined: np.ndarray, first: int, count: int, ramp: int) -> np.ndarray:
    """The ramped capacity in months ``first`` to ``first + count - 1`` of the starts in ``joined`` (months, draws,
    units), (count, draws, units) [FTE]: each start weighted by its ramp share in that month
    (:func:`capacity.formulas.staffing.ramp_factor`), summed as the fiscal plan sums it (one product with the
    weights), so that a block without a limit and a draw equal to the plan give the plan's numbers exactly."""
    months = np.arange(first, first + count)
    weights = ramp_factor(months[:, None] - np.arange(joined.shape[0])[None, :] + 1, ramp)  # (count, H)
    if count == 1:  # a product with one vector, as the plan's own month by month
        return (np.moveaxis(joined, 0, -1) @ weights[0])[None]
    return np.moveaxis(np.moveaxis(joined, 0, -1) @ weights.T, -1, 0)


def attrition_gap(leavers: np.ndarray, replaced: np.ndarray, ramp: int) -> np.ndarray:
    r"""The capacity leavers have taken that their replacements do not yet give, each month [FTE].

    .. math:: G_m = \max\Big(0,\ \sum_{k \le m} L_k - \sum_k R_k\, f(m - k + 1)\Big)

    with :math:`L` the leavers, :math:`R` the replacements starting each month and :math:`f` the ramp
    (:func:`capacity.formulas.staffing.ramp_factor`).

    Parameters
    ----------
    leavers : array (..., months)
        Leavers each month [people].
    replaced : array (..., H)
        Replacements starting each month, H >= months [people].
    ramp : int
        Months to full capacity.

    Returns
    -------
    array (..., months)
        [FTE]; 0 where every leaver's replacement is fully ramped.

    Examples
    --------
    One leaver in month 1, backfilled to start in month 3 with a 3-month ramp:

    >>> attrition_gap(np.array([0, 1, 0, 0, 0, 0]), np.array([0, 0, 0, 1, 0, 0]), 3).round(3).tolist()
    [0.0, 1.0, 1.0, 0.667, 0.333, 0.0]
    """
    months = leavers.shape[-1]
    k = np.arange(replaced.shape[-1])
    weights = ramp_factor(np.arange(months)[:, None] - k[None, :] + 1, ramp)  # (months, H)
    given = np.asarray(replaced, dtype=float) @ weights.T
    return np.maximum(np.cumsum(leavers, axis=-1) - given, 0.0)


# -- what the fiscal plan reports -------------------------------------------------------------


@dataclass(frozen=True)
class HiringMonth:
    """One month of recruiting, all segments.

    ``recruiting_capacity`` is the hires recruiting can close (None without a limit);
    ``requisitions_opened`` of which ``replacements_opened`` replace leavers (``opened_ahead`` of those
    before they go); ``delayed`` the month's requisitions that start after their ready month (no hire
    free then); ``offers``, ``interviews`` and ``applications`` what the month's starts need at each stage
    (None without the funnel); ``attrition_gap_fte`` the capacity leavers have taken that replacements do
    not yet give; ``short_fte`` the ramped capacity missing to hold the target (every segment and pool
    that falls short, added up).
    """

    month: str
    recruiting_capacity: int | None
    requisitions_opened: int
    replacements_opened: int
    opened_ahead: int
    hires_started: int
    delayed: int
    offers: float | None
    interviews: float | None
    applications: float | None
    attrition_gap_fte: float
    short_fte: float


@dataclass(frozen=True)
class Shortfall:
    """A month a segment (or pool) cannot hold the target utilization, and by how much.

    ``short_fte`` is the ramped capacity missing (demand / target - ramped capacity) [FTE];
    ``short_fte_without_limit`` the same with recruiting unlimited (the plan's own rule, no cap), so a
    month where it is smaller is one recruiting's limit costs (``recruiting_bound``).
    """

    segment: str
    month: str
    short_fte: float
    short_fte_without_limit: float
    recruiting_bound: bool


@dataclass(frozen=True)
class HiringPlan:
    """What recruiting delivers for the fiscal plan (the fiscal JSON's ``hiring``).

    Attributes
    ----------
    hires_per_month : float or None
        Recruiting's limit, recruiters x hires each closes a month; None without one.
    time_to_fill_months : tuple of int
        (low, most likely, high); the plan hires with the most likely.
    hire_ahead_of_attrition : bool
    offer_acceptance_rate, application_to_interview, interview_to_offer : float or None
    months : tuple of HiringMonth
    shortfalls : tuple of Shortfall
        Every month a segment or pool falls short of its target, in month order.
    offers, interviews, applications : float or None
        The plan's whole candidates at each stage (None without the funnel).
    """

    hires_per_month: float | None
    recruiters: float | None
    hires_per_recruiter_per_month: float | None
    time_to_fill_months: tuple[int, int, int]
    hire_ahead_of_attrition: bool
    offer_acceptance_rate: float | None
    application_to_interview: float | None
    interview_to_offer: float | None
    months: tuple[HiringMonth, ...]
    shortfalls: tuple[Shortfall, ...]
    offers: float | None
    interviews: float | None
    applications: float | None

    @property
    def unmet(self) -> tuple[Shortfall, ...]:
        """The shortfalls recruiting's limit causes (the plan without it would do better there)."""
        return tuple(s for s in self.shortfalls if s.recruiting_bound)

    def months_frame(self) -> pd.DataFrame:
        """One row per month."""
        return pd.DataFrame([asdict(m) for m in self.months], columns=list(HiringMonth.__dataclass_fields__))

    def shortfalls_frame(self) -> pd.DataFrame:
        """One row per segment (or pool) and month that falls short of the target."""
        return pd.DataFrame([asdict(s) for s in self.shortfalls], columns=list(Shortfall.__dataclass_fields__))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["time_to_fill_months"] = dict(zip(("low", "most_likely", "high"), self.time_to_fill_months))
        return out
