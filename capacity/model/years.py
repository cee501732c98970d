"""The fiscal plan year by year: what a board approves against a plan of several years.

:func:`plan_years` cuts a fiscal plan's months (:mod:`capacity.model.fiscal`) into its years, twelve
months each from ``fiscal_year.start`` (a last part-year keeps the months it has), and gives each year:

- stocks at the year's end: customers, ARR, CSMs, managers;
- flows over the year: new and churned customers, requisitions, starts, leavers, and the cost of CSMs,
  managers and adopted automations' tooling;
- ratios: cost as a share of year-end ARR and year-end ARR per CSM;
- the business case of the year (:func:`capacity.model.payback.payback_of`, the same formulas as the
  plan's): the ARR the year's cost must keep or add to pay back (cost / gross margin), that as a share
  of year-end ARR beside churn, and with the scenario's retention data the return.

A part-year's ratios and business case are on its cost *a year* (its cost x 12 / its months), so they
read like a whole year's; its flows are the months it has.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import pandas as pd

from capacity.formulas import workload
from capacity.inputs.scenario import Scenario
from capacity.model.payback import Payback, payback_of

__all__ = ["PlanYear", "plan_years", "years_frame"]


@dataclass(frozen=True)
class PlanYear:
    """One year of a fiscal plan; money in the scenario's currency.

    Attributes
    ----------
    year : int
        1 for the plan's first twelve months.
    first_month, last_month : str
    months : int
        12, or fewer for a last part-year.
    customers, arr, csms, managers
        At the year's end [customers, currency/year, people, people].
    new_customers, churned_customers, requisitions, hires, leavers
        Over the year [customers, requisitions, people].
    csm_cost, manager_cost, tooling_cost, cost
        Over the year; ``cost`` is the three together [currency].
    cost_per_year : float
        ``cost`` a year: x 12 / ``months`` [currency/year].
    cost_pct_arr : float or None
        ``cost_per_year`` over year-end ARR [-]; None without ARR.
    arr_per_csm : float or None
        Year-end ARR per year-end CSM [currency/year]; None without CSMs.
    payback : Payback
        The year's business case per segment and in total, on ``cost_per_year`` and year-end ARR.
    """

    year: int
    first_month: str
    last_month: str
    months: int
    customers: float
    arr: float
    csms: int
    managers: int
    new_customers: float
    churned_customers: float
    requisitions: int
    hires: int
    leavers: int
    csm_cost: float
    manager_cost: float
    tooling_cost: float
    cost: float
    cost_per_year: float
    cost_pct_arr: float | None
    arr_per_csm: float | None
    payback: Payback

    @property
    def label(self) -> str:
        """"Year 1 (2027-02 to 2028-01)"."""
        return f"Year {self.year} ({self.first_month} to {self.last_month})"

    def to_dict(self) -> dict:
        out = asdict(self)
        out["payback"] = self.payback.to_dict()
        return out


class _YearSegment(NamedTuple):
    """What :func:`capacity.model.payback.payback_of` reads of a segment, for one year."""

    name: str
    coverage: str
    headcount: int
    cost_per_year: float
    arr: float


def plan_years(scenario: Scenario, labels: tuple[str, ...], names: tuple[str, ...], *, customers, arr, new, churned,
               headcount, managers, requisitions, started, leavers, csm_cost, manager_cost, tooling) -> tuple[PlanYear, ...]:
    """Each year of a fiscal plan from its month arrays, (segments, months) each, segments in scenario order.

    Returns
    -------
    tuple of PlanYear
    """
    out = []
    months = len(labels)
    for y, first in enumerate(range(0, months, workload.MONTHS_PER_YEAR)):
        last = min(first + workload.MONTHS_PER_YEAR, months) - 1
        span = slice(first, last + 1)
        length = last - first + 1
        per_year = workload.MONTHS_PER_YEAR / length
        segment_cost = csm_cost[:, span].sum(axis=1) + manager_cost[:, span].sum(axis=1)
        segment_tooling = tooling[:, span].sum(axis=1)
        cost = float(segment_cost.sum() + segment_tooling.sum())
        year_arr = float(arr[:, last].sum())
        csms = int(headcount[:, last].sum())
        segments = [_YearSegment(n, seg.coverage, int(headcount[s, last]), float(segment_cost[s]) * per_year,
                                 float(arr[s, last])) for s, (n, seg) in enumerate(zip(names, scenario.segments))]
        out.append(PlanYear(
            year=y + 1, first_month=labels[first], last_month=labels[last], months=length,
            customers=float(customers[:, last].sum()), arr=year_arr, csms=csms, managers=int(managers[:, last].sum()),
            new_customers=float(new[:, span].sum()), churned_customers=float(churned[:, span].sum()),
            requisitions=int(requisitions[:, span].sum()), hires=int(started[:, span].sum()),
            leavers=int(leavers[:, span].sum()), csm_cost=float(csm_cost[:, span].sum()),
            manager_cost=float(manager_cost[:, span].sum()), tooling_cost=float(segment_tooling.sum()), cost=cost,
            cost_per_year=cost * per_year, cost_pct_arr=workload.safe_ratio(cost * per_year, year_arr),
            arr_per_csm=workload.safe_ratio(year_arr, csms),
            payback=payback_of(scenario, segments, [float(v) * per_year for v in segment_tooling]),
        ))
    return tuple(out)


def years_frame(years: tuple[PlanYear, ...]) -> pd.DataFrame:
    """One row per year: the year's figures and its total business case (break-even, churn, return)."""
    rows = []
    for y in years:
        t = y.payback.total
        row = {key: value for key, value in asdict(y).items() if key != "payback"}
        row.update(break_even_arr_per_year=t.break_even_arr_per_year, break_even_share_of_arr=t.break_even_share_of_arr,
                   churned_arr_per_year=t.churned_arr_per_year, arr_kept_per_year=t.arr_kept_per_year,
                   arr_kept_per_dollar=t.arr_kept_per_dollar, pays_back=t.pays_back)
        rows.append(row)
    return pd.DataFrame(rows)

