"""Ranges, not a point: a seeded Monte Carlo of the fiscal year (P10 / P50 / P90).

``simulate(scenario)`` draws the uncertain inputs named in the scenario's ``uncertainty``
block many times (``draws``, default 10,000) and plays the fiscal year of
:func:`capacity.fiscal_plan` once per draw, all draws at once (arrays of shape
``(draws, segments, months)``; the only Python loop is over months). It uses the fiscal
plan's own formulas (:func:`capacity.formulas.staffing.requisitions_needed`, ``ramp_factor``,
``realised_leavers``, ``utilization``, ``monthly_cost`` ...), so with no uncertainty every
draw *is* the deterministic plan, number for number.

The distributions (one draw each per simulated year unless said otherwise):

- ``new_customers_per_month: {cv}``: each month's arrivals of each segment, independently,
  a gamma with mean the plan's value and coefficient of variation ``cv``, rounded to a whole
  number at random (``floor(y)`` plus one with probability ``y - floor(y)``), which keeps the
  mean exactly and adds at most 1/4 customer^2 of variance. Whole and never negative.
  ``cv: 0`` keeps the plan's value as given (which may be a fraction, such as the default
  ``customers x new_customer_rate / 12``).
- ``churn_per_year: {low, high}``: each segment's annual logo churn, triangular on
  ``[low, high]`` with the plan's value as the mode; the customers lost each month are its
  expectation (the plan's recursion with the drawn rate).
- ``attrition_per_year: {low, high}``: the team's annual attrition, triangular with the plan's
  value as the mode; with a range, leavers are whole people drawn each month, binomial on the
  CSMs on staff of each segment (or pool) with the drawn monthly rate. Without one (or with
  ``low == high``) leavers follow the plan's rule (expected leavers to date, rounded).
- ``touchpoint_minutes: {cv}``: every touchpoint's minutes times its own lognormal factor with
  mean 1 and coefficient of variation ``cv`` (how long the work really takes: one factor per
  touchpoint for the whole year).
- ``hiring_lead_time_months: {low, high}``: the team's lead time, whole months, discrete
  triangular: ``P(k)`` proportional to ``(k - low + 1) / (mode - low + 1)`` up to the mode and
  ``(high - k + 1) / (high - mode + 1)`` after it.

``segments: {NAME: {...}}`` replaces the arrivals, churn or minutes spread of one segment.

With dated touchpoints (the calendar, :mod:`capacity.model.calendar`) each draw's months are placed as
the plan places them, by the plan's own call (:func:`capacity.model.calendar.dated_hours`) on the draw's
arrivals, churn and minutes: demand, utilization and the chance a month runs above target are the dated
months'; the hiring rule sizes for the average month unless ``size_for: peak`` (as the plan does).

Two runs per set of draws:

- **the plan's hiring held fixed**: the deterministic plan's growth requisitions in their months
  (backfills still follow the leavers, as the scenario's rule says), demand drawn: per month the
  team's demand and utilization, and the probability that the month runs above target (some
  segment or pool above the target utilization, as the plan's ``target_held``);
- **the hiring rule reacting to each draw**: the hires, the year-end CSMs and the year's cost.

The **P90 plan**: per segment (or pool) and month, the 90th percentile over draws of the growth
requisitions the reacting rule has opened *to date*; differenced, these are the requisitions to
open each month so that by every month the team has asked for at least what the rule asks for
in 9 years out of 10. It is then played as a fixed plan on the same draws: ``years_covered`` is
the share of draws in which it has opened, by every month and in every segment, at least the
rule's requisitions (a joint event, so it can be below 90%).

**Variance shares** of the year's cost (reacting rule) are first-order Sobol indices per
uncertain input, by the pick-freeze design with Jansen's estimator (Saltelli et al. 2010,
"Variance based sensitivity analysis of model output", Table 2 (f)): two independent sets of
draws ``A`` and ``B`` and, per input ``i``, ``A`` with input ``i`` taken from ``B``;
``S_i = 1 - mean((f(B) - f(A_B^i))^2) / (2 Var f)``. With a single uncertain input ``A_B^i``
is ``B``, so its share is exactly 1. See :func:`first_order_shares` for the accuracy.

Percentiles are empirical quantiles (numpy's ``inverted_cdf``): each is a value some draw
took, so counts stay whole, and P10 <= P50 <= P90.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.formulas import workload
from capacity.inputs.book import Book
from capacity.exceptions import ScenarioError
from capacity.inputs.context import Context, load_context
from capacity.model.calendar import CalendarInputs, dated_hours, has_calendar, unit_hours
from capacity.model.fiscal import FiscalPlan, _inputs, _units, calendar_of, fiscal_plan
from capacity.model.plan import Plan, plan, touchpoint_loads
from capacity.inputs.scenario import Scenario, month_index
from capacity.model.sizing import size, variants
from capacity.formulas.staffing import (
    allocate_managers,
    customers_after_month,
    managers_needed,
    monthly_cost,
    monthly_demand_fte,
    monthly_rate,
    raise_factor,
    ramp_factor,
    realised_leavers,
    requisitions_needed,
    utilization,
)

__all__ = [
    "INPUTS",
    "Percentiles",
    "SimulatedMonth",
    "P90Plan",
    "FiscalSimulation",
    "simulate",
    "whole_counts",
    "triangular_rates",
    "lognormal_factors",
    "discrete_triangular",
    "binomial_quantile",
    "first_order_shares",
]

#: The uncertain inputs, in the order they are drawn and reported.
INPUTS = ("new_customers_per_month", "churn_per_year", "attrition_per_year", "touchpoint_minutes",
          "hiring_lead_time_months")
#: The largest base sample of the variance shares: their standard error is already below ~0.02 there.
SHARE_DRAWS = 4096
_STAFFING_ONLY = ("attrition_per_year", "hiring_lead_time_months")
_TOLERANCE = 1e-9
_QUANTILE = "inverted_cdf"


# -- distributions -------------------------------------------------------------------


def whole_counts(mean, cv, rng: np.random.Generator, size) -> np.ndarray:
    r"""Whole counts with a given mean and spread: a gamma, rounded at random.

    .. math:: Y \sim \Gamma(k = 1/cv^2,\ \theta = \mu\,cv^2), \quad
              X = \lfloor Y \rfloor + [U < Y - \lfloor Y \rfloor]

    so :math:`E[X] = \mu` exactly and :math:`Var[X] = (cv\,\mu)^2 + E[f(1-f)]` with
    :math:`f` the fractional part (at most 1/4 more than the gamma's).

    Parameters
    ----------
    mean : float or array
        The plan's value, :math:`\mu \ge 0` [count/month]; broadcast to ``size``.
    cv : float
        Coefficient of variation, > 0 [-].
    rng : numpy Generator
    size : tuple
        Shape of the draws.

    Returns
    -------
    array of float
        Whole, non-negative counts [count/month].
    """
    mean = np.broadcast_to(np.asarray(mean, dtype=float), size)
    shape = 1.0 / cv**2
    y = rng.gamma(shape, 1.0, size) * (mean * cv**2)
    whole = np.floor(y)
    return whole + (rng.random(size) < y - whole)


def triangular_rates(low: float, mode, high: float, rng: np.random.Generator, size) -> np.ndarray:
    r"""Triangular draws on ``[low, high]`` peaking at ``mode`` (the plan's value).

    Mean :math:`(low + mode + high) / 3`. ``low == high`` gives the mode exactly.

    Parameters
    ----------
    low, high : float
        The range [1/year].
    mode : float or array
        The most likely value, in ``[low, high]`` [1/year].
    rng : numpy Generator
    size : tuple

    Returns
    -------
    array of float
        Rates [1/year].
    """
    mode = np.broadcast_to(np.asarray(mode, dtype=float), size)
    if high <= low:
        return mode.copy()
    return rng.triangular(low, mode, high, size)


def lognormal_factors(cv, rng: np.random.Generator, size) -> np.ndarray:
    r"""Multipliers with mean 1 and coefficient of variation ``cv``: lognormal.

    .. math:: F = \exp(\sigma Z - \sigma^2 / 2), \quad \sigma^2 = \ln(1 + cv^2)

    Parameters
    ----------
    cv : float or array
        Coefficient of variation, >= 0 [-]; 0 gives exactly 1.
    rng : numpy Generator
    size : tuple

    Returns
    -------
    array of float
        Factors > 0 [-].
    """
    sigma = np.sqrt(np.log1p(np.square(np.asarray(cv, dtype=float))))
    return np.exp(sigma * rng.standard_normal(size) - sigma**2 / 2)


def discrete_triangular(low: int, mode: int, high: int, rng: np.random.Generator, size) -> np.ndarray:
    r"""Whole months from ``low`` to ``high``, most likely ``mode``.

    .. math:: P(k) \propto \frac{k - low + 1}{mode - low + 1} \ (k \le mode), \quad
              \frac{high - k + 1}{high - mode + 1} \ (k \ge mode)

    Parameters
    ----------
    low, mode, high : int
        [months], ``low <= mode <= high``.
    rng : numpy Generator
    size : int or tuple

    Returns
    -------
    array of int
        [months].

    Examples
    --------
    >>> [round(float(p), 3) for p in _discrete_triangular_pmf(1, 2, 4)]  # weights 1/2, 1, 2/3, 1/3
    [0.2, 0.4, 0.267, 0.133]
    """
    if high <= low:
        return np.full(size, mode, dtype=np.int64)
    return low + rng.choice(high - low + 1, size=size, p=_discrete_triangular_pmf(low, mode, high))


def _discrete_triangular_pmf(low: int, mode: int, high: int) -> np.ndarray:
    k = np.arange(low, high + 1)
    w = np.where(k <= mode, (k - low + 1) / (mode - low + 1), (high - k + 1) / (high - mode + 1))
    return w / w.sum()


def binomial_quantile(u, n, p) -> np.ndarray:
    r"""The binomial's inverse CDF: the smallest ``k`` with :math:`P(X \le k) \ge u`, :math:`X \sim B(n, p)`.

    A uniform ``u`` in, whole people out, so a draw's leavers are a fixed function of its
    noise (what the pick-freeze design of the variance shares needs). The CDF is summed term
    by term, :math:`p_k = p_{k-1} \frac{n - k + 1}{k} \frac{p}{1 - p}`, for as many terms as
    the largest answer (a few leavers a month).

    Parameters
    ----------
    u : array
        Uniforms in [0, 1) [-].
    n : array of int
        Trials, the CSMs on staff [people].
    p : float or array
        Chance each leaves this month, in [0, 1) [1/month].

    Returns
    -------
    array of int
        Leavers [people], in ``[0, n]``.
    """
    u = np.asarray(u, dtype=float)
    n = np.asarray(n, dtype=np.int64)
    p = np.broadcast_to(np.asarray(p, dtype=float), np.broadcast_shapes(u.shape, n.shape, np.shape(p)))
    shape = p.shape
    u, n, p = (np.broadcast_to(x, shape).ravel() for x in (u, n, p))
    pmf = np.power(1.0 - p, n)
    out = np.zeros(shape, dtype=np.int64).ravel()
    at = np.flatnonzero((u > pmf) & (n > 0))  # most months nobody leaves: carry on with the others only
    u, n, p, pmf = u[at], n[at], p[at], pmf[at]
    cdf = pmf.copy()
    odds = p / np.where(p < 1, 1.0 - p, 1.0)
    k = 0
    while at.size:
        k += 1
        out[at] += 1
        pmf = pmf * np.maximum(n - k + 1, 0) / k * odds
        cdf = cdf + pmf
        more = (u > cdf) & (k < n)
        at, u, n, pmf, cdf, odds = at[more], u[more], n[more], pmf[more], cdf[more], odds[more]
    return out.reshape(shape)


def first_order_shares(f_a: np.ndarray, f_b: np.ndarray, f_ab: dict[str, np.ndarray]) -> tuple[dict, dict]:
    r"""First-order Sobol indices from a pick-freeze design, Jansen's estimator.

    .. math:: S_i = 1 - \frac{\frac{1}{N}\sum_j (f(B)_j - f(A_B^i)_j)^2}{2\,\widehat{Var}(f)}

    with :math:`\widehat{Var}` the variance of :math:`f(A)` and :math:`f(B)` pooled.

    Accuracy: the estimate is a mean of ``N`` independent terms, so its standard error is
    ``std((f(B) - f(A_B^i))^2) / (2 Var sqrt(N))``, returned beside each share (about 0.01 to
    0.02 for the default year at ``N = 4096``; the tests check a model with known shares to
    within four of them). With ``A_B^i == B`` (the only uncertain input) the share is exactly 1.

    Parameters
    ----------
    f_a, f_b : array (N,)
        The output on the two independent sets of draws.
    f_ab : dict of arrays (N,)
        Per input, the output on ``A`` with that input's draws taken from ``B``.

    Returns
    -------
    shares, errors : dict, dict
        Per input, the share of the output's variance it explains alone [-], and its standard error [-].
        Zero variance gives zero shares.
    """
    var = float(np.var(np.concatenate([f_a, f_b])))
    n = len(f_b)
    shares, errors = {}, {}
    for name, f in f_ab.items():
        d2 = np.square(f_b - f)
        if var <= 0:
            shares[name], errors[name] = 0.0, 0.0
            continue
        shares[name] = float(1.0 - d2.mean() / (2 * var))
        errors[name] = float(d2.std() / (2 * var * math.sqrt(n)))
    return shares, errors


# -- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Percentiles:
    """P10, P50 and P90 of one figure over the draws (empirical quantiles)."""

    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: np.ndarray) -> "Percentiles":
        q = np.percentile(np.asarray(values), [10, 50, 90], method=_QUANTILE)
        return cls(float(q[0]), float(q[1]), float(q[2]))

    def to_dict(self) -> dict:
        return {k: (v if math.isfinite(v) else None) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class SimulatedMonth:
    """One month of the year with the plan's hiring held fixed, all segments."""

    month: str
    demand_fte: Percentiles
    utilization: Percentiles  # total demand over total ramped capacity; inf without capacity
    #: Share of draws in which some segment (or pool) runs above the target utilization.
    p_above_target: float
    ramped_capacity_fte: Percentiles


@dataclass(frozen=True)
class P90Plan:
    """The growth requisitions that keep up with the hiring rule in 9 years out of 10 (see the module)."""

    requisitions_by_month: dict[str, int]
    #: The same requisitions by the month they start, after the plan's lead time.
    starts_by_month: dict[str, int]
    requisitions_total: int
    requisitions_by_segment: dict[str, int]
    #: Share of draws in which the plan has opened, by every month and in every segment, at least the rule's requisitions.
    years_covered: float
    #: P50 over draws of the year with this plan (backfills follow the leavers).
    year_end_headcount: float
    total_cost: float
    #: Per month, the share of draws above the target with this plan.
    p_above_target: dict[str, float]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FiscalSimulation:
    """The fiscal year as ranges. ``to_dict()`` is the CLI's ``--simulate --json`` shape."""

    scenario: str
    currency: str
    draws: int
    seed: int
    target_utilization: float
    months: tuple[SimulatedMonth, ...]
    year_end_headcount: Percentiles
    total_cost: Percentiles
    hires: Percentiles
    p90_plan: P90Plan
    #: First-order Sobol index of the year's cost per uncertain input, and its standard error.
    variance_shares: dict[str, float]
    variance_share_errors: dict[str, float]
    #: Draws in the base sample of the variance shares.
    share_draws: int
    #: The uncertain inputs (those with a spread), in :data:`INPUTS` order.
    uncertain: tuple[str, ...]

    def to_dict(self) -> dict:
        """``{"draws", "seed", "percentiles", "months", "p90_plan", "variance_shares"}``; infinities become None."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "percentiles": {"year_end_headcount": self.year_end_headcount.to_dict(),
                            "total_cost": self.total_cost.to_dict(), "hires": self.hires.to_dict()},
            "months": [{"month": m.month, "demand_fte": m.demand_fte.to_dict(), "utilization": m.utilization.to_dict(),
                        "p_above_target": m.p_above_target} for m in self.months],
            "p90_plan": self.p90_plan.to_dict(),
            "variance_shares": dict(self.variance_shares),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per month: P10/P50/P90 of demand, ramped capacity and utilization, and P(above target)."""
        rows = []
        for m in self.months:
            row = {"month": m.month}
            for key in ("demand_fte", "ramped_capacity_fte", "utilization"):
                for q, v in asdict(getattr(m, key)).items():
                    row[f"{key}_{q}"] = v
            row["p_above_target"] = m.p_above_target
            rows.append(row)
        return pd.DataFrame(rows)

    def shares_frame(self) -> pd.DataFrame:
        """One row per uncertain input: its variance share of the year's cost and the share's standard error."""
        return pd.DataFrame([{"input": k, "share": v, "standard_error": self.variance_share_errors[k]}
                             for k, v in self.variance_shares.items()], columns=["input", "share", "standard_error"])


# -- the draws -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    """What every draw shares: the plan's inputs, the staffed units, the months."""

    scenario: Scenario
    steady: Plan
    base: FiscalPlan
    inputs: object
    units: object
    months: int
    horizon: int
    lead: int
    lead_max: int
    ramp: int
    target: float
    growth: np.ndarray  # (units, months) the plan's growth requisitions
    #: No input has a spread: every draw is the plan, computed in the plan's own order of float operations.
    exact: bool = False
    #: The calendar's inputs (None when every touchpoint is spread evenly) and each touchpoint's unit of work (T,).
    calendar: CalendarInputs | None = None
    touchpoint_hours: np.ndarray | None = None
    #: The hiring rule sizes for the dated months (size_for: peak) rather than the average month.
    size_for_peak: bool = False


def _model(context: Context, steady: Plan | None, base: FiscalPlan | None) -> _Model:
    scenario = context.scenario
    fiscal = scenario.fiscal_year
    steady = plan(context) if steady is None else steady
    base = fiscal_plan(context) if base is None else base
    rows = variants(scenario, context.book)
    unc = scenario.uncertainty
    lead, ramp = fiscal.hiring_lead_time_months, max(fiscal.ramp_months, 1)
    span = unc.hiring_lead_time_months
    lead_max = lead if span is None else max(span.high, lead)
    months = fiscal.months
    horizon = months + lead_max + ramp - 1
    sized = size(rows)
    inputs = _inputs(scenario, steady, sized.loads, horizon)
    units = _units(scenario, steady, inputs)
    cal = calendar_of(context, inputs.customers0, horizon) if has_calendar(scenario) else None
    growth = np.zeros((len(units.labels), months), dtype=np.int64)
    frame = base.to_frame()
    pools = base.pools_frame()
    for u, (s, pool) in enumerate(zip(units.owner, units.pools)):
        if pool is None:
            rows = frame[frame["segment"] == inputs.names[s]]
            growth[u] = (rows["requisitions_opened"] - rows["backfill_requisitions"]).to_numpy()
        else:  # a pool's backfills are its leavers (every leaver is backfilled)
            rows = pools[(pools["segment"] == inputs.names[s]) & (pools["pool"] == pool)]
            growth[u] = (rows["requisitions_opened"] - rows["leavers"]).to_numpy()
    return _Model(scenario, steady, base, inputs, units, months, horizon, lead, lead_max, ramp,
                  fiscal.target_utilization, growth, calendar=cal,
                  touchpoint_hours=None if cal is None else unit_hours(scenario, sized.loads, sized.workload_weight)[0],
                  size_for_peak=cal is not None and fiscal.size_for == "peak")


def _spread(unc, name: str, key: str) -> float:
    value = unc.for_segment(name, key)
    return 0.0 if value is None else value.cv


def _uncertain(model: _Model) -> tuple[str, ...]:
    unc = model.scenario.uncertainty
    names = model.inputs.names
    touchpoints = {s.name: bool(s.touchpoints) for s in model.scenario.segments}
    flags = {
        "new_customers_per_month": any(_spread(unc, n, "new_customers_per_month") > 0 for n in names),
        "churn_per_year": any((r := unc.for_segment(n, "churn_per_year")) is not None and r.high > r.low for n in names),
        "attrition_per_year": unc.attrition_per_year is not None and unc.attrition_per_year.high > unc.attrition_per_year.low,
        "touchpoint_minutes": any(_spread(unc, n, "touchpoint_minutes") > 0 and touchpoints[n] for n in names),
        "hiring_lead_time_months": unc.hiring_lead_time_months is not None
        and unc.hiring_lead_time_months.high > unc.hiring_lead_time_months.low,
    }
    return tuple(k for k in INPUTS if flags[k])


def _draw(model: _Model, draws: int, seed: int, sample: int) -> dict[str, dict[str, np.ndarray]]:
    """Every uncertain input for ``draws`` years, one independent stream per input (and per sample set)."""
    unc = model.scenario.uncertainty
    inputs, names = model.inputs, model.inputs.names
    segments, units, months, horizon = len(names), len(model.units.labels), model.months, model.horizon
    fiscal = model.scenario.fiscal_year

    def rng(i: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(sample, i)))

    out: dict[str, dict[str, np.ndarray]] = {}
    g = rng(0)
    new = np.broadcast_to(inputs.new[:, :horizon], (draws, segments, horizon))
    if any(_spread(unc, n, "new_customers_per_month") > 0 for n in names):
        new = new.copy()
        for s, n in enumerate(names):
            cv = _spread(unc, n, "new_customers_per_month")
            if cv > 0:
                new[:, s] = whole_counts(inputs.new[s, :horizon], cv, g, (draws, horizon))
    out["new_customers_per_month"] = {"new": new}

    g = rng(1)
    churn = np.broadcast_to(inputs.churn, (draws, segments))
    ranges = [unc.for_segment(n, "churn_per_year") for n in names]
    if any(r is not None and r.high > r.low for r in ranges):
        churn = churn.copy()
        for s, (seg, r) in enumerate(zip(model.scenario.segments, ranges)):
            if r is not None and r.high > r.low:
                churn[:, s] = monthly_rate(triangular_rates(r.low, seg.churn_per_year, r.high, g, draws))
    out["churn_per_year"] = {"churn": churn}

    g = rng(2)
    span = unc.attrition_per_year
    if span is not None and span.high > span.low:
        rate = monthly_rate(triangular_rates(span.low, fiscal.attrition_per_year, span.high, g, draws))
        out["attrition_per_year"] = {"rate": rate[:, None], "noise": g.random((draws, units, months))}
    else:
        out["attrition_per_year"] = {"rate": np.float64(monthly_rate(fiscal.attrition_per_year)), "noise": None}

    g = rng(3)
    per_customer = np.broadcast_to(inputs.hours_per_customer, (draws, segments))
    per_new = np.broadcast_to(inputs.hours_per_new_customer, (draws, segments))
    program = np.broadcast_to(inputs.program_hours, (draws, segments))
    # The calendar places each touchpoint on its own: its unit of work, drawn with the same factor.
    per_touchpoint = None if model.touchpoint_hours is None else np.broadcast_to(
        model.touchpoint_hours, (draws, len(model.touchpoint_hours)))
    if any(_spread(unc, n, "touchpoint_minutes") > 0 for n in names):
        per_customer, per_new, program = per_customer.copy(), per_new.copy(), program.copy()
        per_touchpoint = None if per_touchpoint is None else per_touchpoint.copy()
        first = 0
        for s, seg in enumerate(model.scenario.segments):
            cv = _spread(unc, seg.name, "touchpoint_minutes")
            loads = touchpoint_loads(seg)
            first, columns = first + len(loads), slice(first, first + len(loads))
            if cv <= 0 or not loads:
                continue
            f = lognormal_factors(cv, g, (draws, len(loads)))
            recurring = np.array([t.hours_per_customer_per_month if t.kind != "one_time" else 0.0 for t in loads])
            # One-time work of a new customer, less what adopted software takes over (as the plan's loads have it).
            once = np.array([float(workload.one_time_hours_per_new_customer(t.minutes)) * (1 - tp.automated_share)
                             if t.kind == "one_time" else 0.0 for t, tp in zip(loads, seg.touchpoints)])
            programs = np.array([t.program_hours_per_month for t in loads])
            per_customer[:, s], per_new[:, s], program[:, s] = f @ recurring, f @ once, f @ programs
            if per_touchpoint is not None:
                per_touchpoint[:, columns] = per_touchpoint[:, columns] * f
    out["touchpoint_minutes"] = {"per_customer": per_customer, "per_new": per_new, "program": program,
                                 "per_touchpoint": per_touchpoint}

    g = rng(4)
    span = unc.hiring_lead_time_months
    low, high = (model.lead, model.lead) if span is None else (span.low, span.high)
    out["hiring_lead_time_months"] = {"lead": discrete_triangular(low, model.lead, high, g, draws).astype(np.int64)}
    return out


def _mix(a: dict, b: dict, name: str) -> dict:
    """Draws ``a`` with input ``name`` taken from ``b``."""
    return {**a, name: b[name]}


# -- one run of the year, all draws at once ------------------------------------------


def _demand(model: _Model, drawn: dict, *, by_segment: bool = False, dated: bool = True) -> np.ndarray:
    """Demand of every unit (segment or pool), (draws, units, horizon) [FTE]; of every segment with ``by_segment``.

    With the calendar, ``dated`` gives each month's dated work (:func:`capacity.model.calendar.dated_hours`, the
    plan's own call), else the average month (every touchpoint spread evenly), which the hiring rule sizes for
    unless the scenario says ``size_for: peak``.
    """
    new = drawn["new_customers_per_month"]["new"]
    churn = drawn["churn_per_year"]["churn"]
    hours = drawn["touchpoint_minutes"]
    draws, segments, horizon = new.shape
    customers = np.empty((draws, segments, horizon))
    previous = np.broadcast_to(model.inputs.customers0, (draws, segments))
    for m in range(horizon):
        customers[:, :, m] = customers_after_month(previous, churn, new[:, :, m])
        previous = customers[:, :, m]
    if dated and model.calendar is not None:
        demand = dated_hours(model.calendar, hours["per_touchpoint"], customers, new, churn) \
            / model.steady.csm.customer_hours_per_month
    else:
        demand = monthly_demand_fte(customers, hours["per_customer"][:, :, None], new, hours["per_new"][:, :, None],
                                    hours["program"][:, :, None], model.steady.csm.customer_hours_per_month)
    return demand if by_segment else demand[:, model.units.owner] * model.units.share[:, None]


def _hiring_demand(model: _Model, drawn: dict, dated: np.ndarray) -> np.ndarray:
    """What the hiring rule sizes for: the dated months (size_for: peak, or no calendar), else the average month."""
    if model.calendar is None or model.size_for_peak:
        return dated
    return _demand(model, drawn, dated=False)


def _by_segment(model: _Model, values: np.ndarray) -> np.ndarray:
    """Units' figures summed per segment, (draws, segments, months), as :func:`capacity.fiscal_plan` sums pools."""
    units = model.units.owner
    if len(np.unique(units)) == len(units):
        return values
    owner = np.zeros((len(model.inputs.names), len(units)))
    owner[units, np.arange(len(units))] = 1.0
    return np.matmul(owner, values)


def _staff(model: _Model, demand: np.ndarray, drawn: dict, growth: np.ndarray | None) -> dict[str, np.ndarray]:
    """The fiscal plan's staffing (see :func:`capacity.model.fiscal._staff`) for every draw at once.

    ``growth`` (units, months) replays fixed growth requisitions; None lets the hiring rule
    open them. Backfills always follow the draw's leavers. At the month the rule looks at
    (``t + lead + ramp - 1``) everyone on staff or in the pipeline is fully ramped, so the
    projected capacity is a whole count of people; the month's ramped capacity is the plan's
    own product ``joined @ weights[t]``, so that a draw equal to the plan gives its numbers exactly.
    """
    draws, units, _ = demand.shape
    months, ramp, owner = model.months, model.ramp, model.units.owner
    lead = drawn["hiring_lead_time_months"]["lead"]
    fixed_lead = bool((lead == model.lead).all())
    attrition = drawn["attrition_per_year"]
    h = months + model.lead_max + ramp - 1
    k = np.arange(h)
    weights = ramp_factor(k[:, None] - k[None, :] + 1, ramp)
    # Month-first arrays, (months, draws, units): each month's slice is contiguous.
    looked_at = (np.arange(months)[None, :] + lead[:, None] + ramp - 1) if not fixed_lead else None
    if fixed_lead:
        needed_by = np.moveaxis(demand[:, :, model.lead + ramp - 1: model.lead + ramp - 1 + months], 2, 0)
    else:
        needed_by = np.moveaxis(np.take_along_axis(demand, looked_at[:, None, :], axis=2), 2, 0)
    needed_by = np.ascontiguousarray(needed_by)
    noise = None if attrition["noise"] is None else np.ascontiguousarray(np.moveaxis(attrition["noise"], 2, 0))
    tenured = np.broadcast_to(model.units.starting.astype(np.int64), (draws, units)).copy()
    joined = np.zeros((h, draws, units), dtype=np.int64)
    flat = joined.reshape(h, draws * units).reshape(-1)  # a view: joined[t + lead[d], d, u] is flat[at]
    cell = np.arange(draws * units).reshape(draws, units)
    pipeline = np.zeros((draws, units), dtype=np.int64)  # joined.sum(axis=0): started or to start
    expected = np.zeros((draws, units))
    gone = np.zeros((draws, units), dtype=np.int64)
    out = {key: np.zeros((months, draws, units), dtype=np.int64)
           for key in ("headcount", "started", "requisitions", "leavers")}
    out["capacity"] = np.zeros((months, draws, units))
    on_staff = tenured.copy()
    pooled = len(np.unique(owner)) < len(owner)
    for t in range(months):
        if noise is None:
            before = expected
            expected = expected + on_staff * attrition["rate"]
            leavers = (_pooled_leavers(before, expected, gone, on_staff, owner) if pooled
                       else np.minimum(realised_leavers(before, expected), on_staff))
        else:
            leavers = binomial_quantile(noise[t], on_staff, attrition["rate"])
        gone += leavers
        pipeline -= _remove_longest_serving(tenured, joined, leavers, t)
        if growth is None:
            new = requisitions_needed(needed_by[t], model.target, tenured + pipeline + leavers)
        else:
            new = np.broadcast_to(growth[:, t], (draws, units))
        if fixed_lead:
            joined[t + model.lead] += leavers + new
        else:
            flat[(t + lead)[:, None] * (draws * units) + cell] += leavers + new
        pipeline += leavers + new
        on_staff = on_staff - leavers + joined[t]
        out["leavers"][t] = leavers
        out["requisitions"][t] = leavers + new
        out["started"][t] = joined[t]
        out["headcount"][t] = on_staff
        if model.exact:
            out["capacity"][t] = tenured + np.moveaxis(joined, 0, -1) @ weights[t]
        else:  # the same sum: everyone on staff, less what those still ramping do not yet give
            capacity = on_staff.astype(float)
            for r in range(min(ramp - 1, t + 1)):
                capacity -= joined[t - r] * (1.0 - (r + 1) / ramp)
            out["capacity"][t] = capacity
    out["growth"] = out["requisitions"] - out["leavers"]
    return {key: np.moveaxis(value, 0, -1) for key, value in out.items()}  # (draws, units, months) views


def _remove_longest_serving(tenured: np.ndarray, joined: np.ndarray, leavers: np.ndarray, month: int) -> np.ndarray:
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


def _pooled_leavers(before, after, gone, on_staff, owner) -> np.ndarray:
    """:func:`capacity.model.fiscal._leavers` for every draw: a segment's leavers rounded as one team, each to the
    pool that has lost the fewest against its expectation."""
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


def _year_cost(model: _Model, heads_units: np.ndarray) -> np.ndarray:
    """The year's cost of every draw, as :func:`capacity.fiscal_plan` adds it up [USD]."""
    fiscal = model.scenario.fiscal_year
    draws, _, months = heads_units.shape
    segments = len(model.inputs.names)
    if len(np.unique(model.units.owner)) == len(model.units.owner):
        heads = heads_units[:, np.argsort(model.units.owner)]
    else:
        heads = np.zeros((draws, segments, months), dtype=np.int64)
        np.add.at(heads, (slice(None), model.units.owner), heads_units)
    first = month_index(fiscal.start)
    raise_at = None if fiscal.salary_increase is None else month_index(fiscal.salary_increase.month)
    rate = 0.0 if fiscal.salary_increase is None else fiscal.salary_increase.rate
    factor = raise_factor(np.arange(first, first + months), raise_at, rate)
    if fiscal.manager_scope == "team" and not model.exact:
        # The team's managers cost the same whichever segment they are shown against.
        team = managers_needed(heads.sum(axis=1), fiscal.csms_per_manager)
        mgr_cost = monthly_cost(team, fiscal.manager_loaded_cost_per_year or 0.0, factor[None, :])
        csm_cost = monthly_cost(heads, model.inputs.csm_cost[:, None], factor[None, :])
        return csm_cost.reshape(draws, -1).sum(axis=1) + mgr_cost.sum(axis=1)
    if fiscal.manager_scope == "team":
        columns = heads.transpose(1, 0, 2).reshape(segments, draws * months)
        mgrs = allocate_managers(columns, fiscal.csms_per_manager).reshape(segments, draws, months).transpose(1, 0, 2)
    else:
        mgrs = managers_needed(heads, fiscal.csms_per_manager)
    csm_cost = monthly_cost(heads, model.inputs.csm_cost[:, None], factor[None, :])
    mgr_cost = monthly_cost(mgrs, fiscal.manager_loaded_cost_per_year or 0.0, factor[None, :])
    return (np.ascontiguousarray(csm_cost).reshape(draws, -1).sum(axis=1)
            + np.ascontiguousarray(mgr_cost).reshape(draws, -1).sum(axis=1))


def _above_target(model: _Model, demand: np.ndarray, staffed: dict) -> np.ndarray:
    """(draws, months): some unit above the target utilization."""
    used = utilization(demand[:, :, : model.months], staffed["capacity"])
    return (used > model.target + _TOLERANCE).any(axis=1)


# -- the simulation ------------------------------------------------------------------


def simulate(scenario: Context | Scenario | dict | str | Path, book: Book | str | Path | None = None, *,
             draws: int | None = None, seed: int | None = None, steady: Plan | None = None,
             base: FiscalPlan | None = None) -> FiscalSimulation:
    """Simulate the fiscal year ``draws`` times: P10/P50/P90, the P90 plan and the variance shares.

    Parameters
    ----------
    scenario : Scenario, dict or path
        With ``fiscal_year`` and ``uncertainty`` blocks.
    book : Book or path, optional
        As for :func:`capacity.fiscal_plan`.
    draws, seed : int, optional
        Override the block's ``draws`` and ``seed``.
    steady, base : Plan and FiscalPlan, optional
        The scenario's steady-state and fiscal plans, when already made (the report has them).

    Returns
    -------
    FiscalSimulation

    Raises
    ------
    ScenarioError
        Without a ``fiscal_year`` or an ``uncertainty`` block, or for a bad ``draws`` or ``seed``.
    """
    context = load_context(scenario, book)
    scenario = context.scenario
    if scenario.fiscal_year is None:
        raise ScenarioError("missing: the simulation plays the fiscal year; add a fiscal_year block (see README)",
                            file=scenario.source, where="fiscal_year")
    if scenario.uncertainty is None:
        raise ScenarioError("missing: the simulation needs an uncertainty block saying what is uncertain (see README)",
                            file=scenario.source, where="uncertainty")
    draws = scenario.uncertainty.draws if draws is None else draws
    seed = scenario.uncertainty.seed if seed is None else seed
    if not 1 <= draws <= 1_000_000:
        raise ScenarioError(f"must be from 1 to 1,000,000 (got {draws})", where="draws")
    if seed < 0:
        raise ScenarioError(f"must be 0 or more (got {seed})", where="seed")
    model = _model(context, steady, base)
    uncertain = _uncertain(model)
    model = dataclasses.replace(model, exact=not uncertain)
    labels = scenario.fiscal_year.month_labels

    a = _draw(model, draws, seed, 0)
    demand = _demand(model, a)
    hiring = _hiring_demand(model, a, demand)
    fixed = _staff(model, hiring, a, model.growth)
    reacting = _staff(model, hiring, a, None)
    cost_a = _year_cost(model, reacting["headcount"])

    segment_demand = _demand(model, a, by_segment=True) if len(model.units.owner) > len(model.inputs.names) else demand
    total_demand = segment_demand[:, :, : model.months].sum(axis=1)
    total_capacity = _by_segment(model, fixed["capacity"]).sum(axis=1)
    used = utilization(total_demand, total_capacity)
    above = _above_target(model, demand, fixed)
    months = tuple(
        SimulatedMonth(month=labels[m], demand_fte=Percentiles.of(total_demand[:, m]),
                       utilization=Percentiles.of(used[:, m]), p_above_target=float(above[:, m].mean()),
                       ramped_capacity_fte=Percentiles.of(total_capacity[:, m]))
        for m in range(model.months)
    )

    # The P90 plan: the 90th percentile of the rule's growth requisitions to date, differenced.
    to_date = np.cumsum(reacting["growth"], axis=2)
    p90_to_date = np.percentile(to_date, 90, axis=0, method=_QUANTILE).astype(np.int64)
    p90_growth = np.diff(p90_to_date, axis=1, prepend=0)
    p90_run = _staff(model, hiring, a, p90_growth)
    covered = (to_date <= p90_to_date[None]).all(axis=(1, 2))
    p90_above = _above_target(model, demand, p90_run)
    starts = {label: 0 for label in labels}
    for m in range(model.months):
        if m + model.lead < model.months:
            starts[labels[m + model.lead]] = int(p90_growth[:, m].sum())
    names = model.inputs.names
    p90 = P90Plan(
        requisitions_by_month={labels[m]: int(p90_growth[:, m].sum()) for m in range(model.months)},
        starts_by_month=starts,
        requisitions_total=int(p90_growth.sum()),
        requisitions_by_segment={n: int(p90_growth[model.units.owner == s].sum()) for s, n in enumerate(names)},
        years_covered=float(covered.mean()),
        year_end_headcount=Percentiles.of(p90_run["headcount"][:, :, -1].sum(axis=1)).p50,
        total_cost=Percentiles.of(_year_cost(model, p90_run["headcount"])).p50,
        p_above_target={labels[m]: float(p90_above[:, m].mean()) for m in range(model.months)},
    )

    shares, errors, share_draws = {}, {}, 0
    if uncertain:
        share_draws = min(draws, SHARE_DRAWS)
        a_s = {k: _head(v, share_draws) for k, v in a.items()}
        b = _draw(model, share_draws, seed, 1)

        demand_a = hiring[:share_draws]

        def cost(drawn: dict, demand: np.ndarray | None = None) -> np.ndarray:
            demand = _demand(model, drawn, dated=model.calendar is None or model.size_for_peak) if demand is None \
                else demand
            return _year_cost(model, _staff(model, demand, drawn, None)["headcount"])

        f_b = cost(b)
        # Attrition and lead time do not move demand: A's demand serves their mixes.
        f_ab = {name: cost(_mix(a_s, b, name), demand_a if name in _STAFFING_ONLY else None) for name in uncertain}
        shares, errors = first_order_shares(cost_a[:share_draws], f_b, f_ab)

    return FiscalSimulation(
        scenario=scenario.name, currency=scenario.currency, draws=draws, seed=seed,
        target_utilization=model.target, months=months,
        year_end_headcount=Percentiles.of(reacting["headcount"][:, :, -1].sum(axis=1)),
        total_cost=Percentiles.of(cost_a), hires=Percentiles.of(reacting["started"].sum(axis=(1, 2))),
        p90_plan=p90, variance_shares=shares, variance_share_errors=errors, share_draws=share_draws,
        uncertain=uncertain,
    )


def _head(group: dict, n: int) -> dict:
    """The first ``n`` draws of one input's arrays (scalars stay)."""
    return {k: (v[:n] if isinstance(v, np.ndarray) and v.ndim > 0 else v) for k, v in group.items()}
