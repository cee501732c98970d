"""The fiscal-year plan: month by month customers, demand, hiring, ramp, attrition, managers, cost.

The formulas live in :mod:`capacity.formulas.staffing` (the year) and :mod:`capacity.formulas.workload` (the month);
this module runs the year with them.

``fiscal_plan(scenario, book)`` turns the steady-state plan into a year. It uses the same
per-customer hours as :func:`capacity.model.plan` (so a number is the same number everywhere),
except that one-time work (kick-off, onboarding) is charged to the month the customers
arrive instead of being smoothed across the base.

Conventions (month 0 is ``fiscal_year.start``; every count is for one segment):

- **Customers are month-end counts**: ``C[m] = C[m-1] * (1 - c) + N[m]`` with ``C[-1]`` the
  customers the book (or the scenario) has today, ``c`` the monthly churn rate and ``N[m]``
  the month's new customers. A customer who churns in a month is not served in it; one who
  arrives is (kick-off, onboarding and the recurring work). Customers are expected values,
  kept fractional so that 8% churn on 40 customers shows (0.28 a month), not rounded away.
- **ARR** is customers times today's average ARR per customer of the segment.
- **Staff**: leavers leave on the first day of a month; a requisition opened in month ``t``
  starts on the first day of month ``t + lead_time``; in their ``k``-th month on staff a new
  CSM gives ``min(k / ramp, 1)`` of a full CSM's capacity (1/3, 2/3, 1 for a 3-month ramp).
  Today's team (``starting_headcount``) is fully ramped.
- **Attrition**: each month ``H[m-1] * a`` CSMs are expected to leave (``a`` the monthly
  rate); the realised leavers are whole people: cumulative leavers are the cumulative
  expected leavers rounded to the nearest person. Leavers are the longest-serving CSMs
  (fully ramped), and every leaver is backfilled by a requisition opened the month they go.
  A segment split into vertical pools rounds its leavers as one team (each goes to the
  pool that has lost the fewest against its expectation), so pooling hides no attrition.
- **Hiring rule**: in month ``t`` the plan looks at month ``p = t + lead_time + ramp - 1``,
  the first month a requisition opened now is fully productive, and opens as many
  requisitions as it takes for ramped capacity (today's team, hires started, requisitions
  in the pipeline, this month's backfills) times ``target_utilization`` to cover the
  demand projected for ``p``. Months before the first such ``p`` cannot be fixed by hiring
  in the year; the summary says so and by when requisitions should have been opened.
  Demand after the year end (for the last months' look-ahead) continues the year's
  arrivals and churn, the new-customer schedule repeating from its first month.
  The plan never lays anyone off.
- **The calendar** (touchpoints with ``at`` or ``spread_months``; :mod:`capacity.model.calendar`): each
  month's ``demand_fte`` is the work that falls in it: today's accounts' renewal work on their renewal
  dates (thinned by churn as the customers are), new customers' a year after they arrive, work in
  months in those months, one-time work spread over ``spread_months``. The hiring rule then sizes for
  the *average month* (the same work spread evenly, the demand without the calendar) unless
  ``size_for: peak`` makes it size for the dated months; utilization, the target and the warnings
  are the dated months' either way, and a run above the target that the average month holds is
  said to be the calendar's. :class:`FiscalCalendar` gives the average month, the peak months (at
  least :data:`PEAK_SHARE` above it) and today's book month by month. Without a dated touchpoint
  the plan is exactly the one without the calendar.
- **Managers**: ``ceil(all CSMs / csms_per_manager)`` for the whole team, shown against
  segments in whole managers by their share of CSMs (``manager_scope: team``, the default);
  or ``ceil(CSMs / csms_per_manager)`` per segment (``manager_scope: segment``).
- **Cost** per month: people on staff x loaded cost per year / 12, times ``1 + rate`` from
  the salary increase's month on.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.formulas import workload
from capacity.inputs.book import Book
from capacity.exceptions import ScenarioError
from capacity.model.plan import Plan, plan_of
from capacity.inputs.context import Context, load_context
from capacity.inputs.scenario import Scenario, month_index, month_label
from capacity.model.calendar import (BookCalendar, CalendarInputs, book_calendar, calendar_inputs, dated_hours,
                                     has_calendar, unit_hours)
from capacity.model.sizing import Loads, size, variants
from capacity.formulas.staffing import (
    _TOLERANCE,
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

__all__ = ["FiscalRow", "FiscalPoolRow", "FiscalSummary", "CalendarPeak", "FiscalCalendar", "FiscalPlan", "fiscal_plan",
           "calendar_of", "ALL_SEGMENTS", "PEAK_SHARE"]


# -- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class FiscalRow:
    """One segment in one month. Money in USD for that month; FTE and people as named."""

    month: str
    segment: str
    customers: float
    new_customers: float
    churned_customers: float
    arr: float
    demand_fte: float
    headcount: int
    ramped_capacity_fte: float
    utilization: float  # inf with demand and no capacity
    #: The highest utilization of the segment's vertical pools (its utilization when not pooled).
    worst_pool_utilization: float
    target_held: bool
    hires_started: int
    requisitions_opened: int
    backfill_requisitions: int
    leavers: int
    managers: int
    csm_cost: float
    manager_cost: float
    cost: float


@dataclass(frozen=True)
class FiscalPoolRow:
    """One vertical pool of a segment (``pool_by: vertical``) in one month: hired for on its own."""

    month: str
    segment: str
    pool: str
    customers: float
    demand_fte: float
    headcount: int
    ramped_capacity_fte: float
    utilization: float
    target_held: bool
    hires_started: int
    requisitions_opened: int
    leavers: int


@dataclass(frozen=True)
class FiscalSummary:
    """The year in a few numbers; ``cost_pct_ending_arr`` is a fraction (0.05 is 5%)."""

    hires_by_month: dict[str, int]
    requisitions_by_month: dict[str, int]
    hires_total: int
    requisitions_total: int
    leavers_total: int
    starting_headcount: dict[str, int]
    year_end_headcount: int
    year_end_headcount_by_segment: dict[str, int]
    year_end_managers: int
    total_cost: float
    cost_by_segment: dict[str, float]
    ending_arr: float
    cost_pct_ending_arr: float | None
    worst_utilization: dict[str, float]
    #: Extra ramped CSMs on the first day that would hold the target in the months hiring in the
    #: year cannot reach (lead time + ramp - 1 months), without counting on the year's hires.
    day_one_shortfall: dict[str, int]
    #: The first month each segment would run above the target if nobody were hired.
    first_breach: dict[str, str | None]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


#: The name of the whole team in the calendar's peaks.
ALL_SEGMENTS = "All segments"
#: A month is a peak when its dated work runs at least this share above the average month: smaller
#: differences are renewal dates evening out over the book, not a month to plan for.
PEAK_SHARE = 0.01


@dataclass(frozen=True)
class CalendarPeak:
    """A month whose dated work runs above the average month (by :data:`PEAK_SHARE` or more), for one segment or
    :data:`ALL_SEGMENTS`.

    The average month is the same work spread evenly over the year (what the plan would carry without
    the calendar); ``absorbed`` is whether the plan's team holds the target utilization that month (every
    pool of the segment, every segment for the whole team).
    """

    segment: str
    month: str
    demand_fte: float
    average_demand_fte: float
    fte_above_average: float
    utilization: float
    absorbed: bool


@dataclass(frozen=True)
class FiscalCalendar:
    """The fiscal year's calendar: the average month beside each month's dated work, and the peaks.

    ``average_demand_fte`` has one list per segment (the months in order) [FTE]; ``peaks`` every month
    above the average (by :data:`PEAK_SHARE` or more), segment by segment then the whole team, months in
    order; ``peak_month`` each one's month furthest above its average (None when no month is). ``book`` is today's book with the
    plan's hours placed (:func:`capacity.model.calendar.book_calendar`): every twelve months of it add up
    to the steady-state plan's year.
    """

    size_for: str
    average_demand_fte: dict[str, list[float]]
    peaks: tuple[CalendarPeak, ...]
    peak_month: dict[str, str | None]
    book: BookCalendar

    def peaks_frame(self) -> pd.DataFrame:
        """One row per month above the average, per segment and for the whole team."""
        return pd.DataFrame([asdict(p) for p in self.peaks], columns=list(CalendarPeak.__dataclass_fields__))

    def worst(self, segment: str = ALL_SEGMENTS) -> CalendarPeak | None:
        """The month furthest above the average of a segment (default: the whole team), or None."""
        month = self.peak_month.get(segment)
        return next((p for p in self.peaks if p.segment == segment and p.month == month), None)

    def to_dict(self) -> dict:
        out = {"size_for": self.size_for, "average_demand_fte": self.average_demand_fte,
               "peak_month": self.peak_month, "peaks": [asdict(p) for p in self.peaks], "book": self.book.to_dict()}
        for peak in out["peaks"]:
            if not math.isfinite(peak["utilization"]):
                peak["utilization"] = None
        return out


#: Columns of a fiscal year's month rows read at year end (stocks) and summed over the year (flows).
_YEAR_STOCKS = ("customers", "arr", "headcount", "managers")
_YEAR_FLOWS = ("new_customers", "churned_customers", "requisitions_opened", "backfill_requisitions", "hires_started",
               "leavers", "csm_cost", "manager_cost", "cost")


@dataclass(frozen=True)
class FiscalPlan:
    """A month-by-month plan of a fiscal year. ``to_dict()`` is the CLI's ``--json`` shape."""

    scenario: str
    currency: str
    months: tuple[str, ...]
    segments: tuple[str, ...]
    target_utilization: float
    hiring_lead_time_months: int
    ramp_months: int
    attrition_per_year: float
    rows: tuple[FiscalRow, ...]
    summary: FiscalSummary
    #: Month rows of each vertical pool, for segments with ``pool_by: vertical`` (their sums are the segment rows).
    pool_rows: tuple[FiscalPoolRow, ...] = ()
    settings: dict = field(default_factory=dict)
    #: The calendar's months (dated touchpoints), None when every touchpoint is spread evenly.
    calendar: "FiscalCalendar | None" = None

    def to_frame(self) -> pd.DataFrame:
        """One row per month and segment, months in order, segments in scenario order."""
        return pd.DataFrame([asdict(r) for r in self.rows], columns=list(FiscalRow.__dataclass_fields__))

    def pools_frame(self) -> pd.DataFrame:
        """One row per month and vertical pool of the segments pooled by vertical (empty otherwise)."""
        return pd.DataFrame([asdict(r) for r in self.pool_rows], columns=list(FiscalPoolRow.__dataclass_fields__))

    def totals_frame(self) -> pd.DataFrame:
        """One row per month, summed over segments.

        ``utilization`` is total demand over total ramped capacity; ``target_held`` is True
        only when every segment (and pool) holds it, ``segments_above_target`` counts those that don't.
        """
        frame = self.to_frame()
        summed = ["customers", "new_customers", "churned_customers", "arr", "demand_fte", "headcount",
                  "ramped_capacity_fte", "hires_started", "requisitions_opened", "backfill_requisitions",
                  "leavers", "managers", "csm_cost", "manager_cost", "cost"]
        totals = frame.groupby("month", sort=False)[summed].sum().reset_index()
        totals["utilization"] = utilization(totals["demand_fte"].to_numpy(), totals["ramped_capacity_fte"].to_numpy())
        above = (~frame["target_held"]).groupby(frame["month"], sort=False).sum()
        totals["segments_above_target"] = above.to_numpy().astype(int)
        totals["target_held"] = totals["segments_above_target"] == 0
        return totals

    def year_totals(self, segment: str | None = None) -> dict[str, float]:
        """The year in one row: flows summed over the months, stocks as at year end.

        Flows (new and churned customers, requisitions, starts, leavers, costs) add up over
        the year; stocks (customers, ARR, CSMs, managers) are read in the last month. Demand,
        capacity and utilization are monthly rates with no year figure and are left out.

        Parameters
        ----------
        segment : str, optional
            One segment's year; all segments summed when omitted.

        Returns
        -------
        dict
            Column of :meth:`totals_frame` -> the year's value.
        """
        frame = self.totals_frame() if segment is None else self.segment_frame(segment)
        last = frame.iloc[-1]
        out = {column: last[column] for column in _YEAR_STOCKS}
        out.update({column: frame[column].sum() for column in _YEAR_FLOWS})
        return out

    def cumulative_cost(self, segment: str | None = None) -> tuple[float, ...]:
        """Cost so far in the year at the end of each month [currency], managers included."""
        frame = self.totals_frame() if segment is None else self.segment_frame(segment)
        return tuple(float(v) for v in frame["cost"].cumsum())

    def segment_frame(self, name: str) -> pd.DataFrame:
        """The months of one segment."""
        if name not in self.segments:
            raise KeyError(name)
        frame = self.to_frame()
        return frame[frame["segment"] == name].reset_index(drop=True)

    def to_dict(self) -> dict:
        """Plain data for JSON: an infinite utilization (demand, no capacity) becomes None."""
        data = asdict(self)
        data.pop("calendar")
        if self.calendar is not None:
            data["calendar"] = self.calendar.to_dict()
        for row in data["rows"] + data["pool_rows"]:
            for key in ("utilization", "worst_pool_utilization"):
                if key in row and not math.isfinite(row[key]):
                    row[key] = None
        worst = data["summary"]["worst_utilization"]
        for name, value in worst.items():
            if not math.isfinite(value):
                worst[name] = None
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON text (strict: no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


# -- the simulation ------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """Per segment arrays (scenario order) and the months to simulate."""

    names: tuple[str, ...]
    customers0: np.ndarray
    arr0: np.ndarray
    arr_per_customer: np.ndarray
    hours_per_customer: np.ndarray  # recurring + inbound
    hours_per_new_customer: np.ndarray  # one-time
    program_hours: np.ndarray
    churn: np.ndarray  # monthly
    new: np.ndarray  # (segments, horizon)
    starting: np.ndarray  # people
    csm_cost: np.ndarray  # USD/year per CSM
    notes: tuple[str, ...]


def fiscal_plan(scenario: Context | Scenario | dict | str | Path, book: Book | str | Path | None = None) -> FiscalPlan:
    """Plan the fiscal year month by month: customers, demand, hiring, ramp, attrition, cost.

    Parameters
    ----------
    scenario : Context, Scenario, dict or path
        A loaded context, or a scenario with a ``fiscal_year`` block (see README, "Fiscal-year plan").
        A context's fiscal plan is computed once and kept on it (:meth:`~capacity.inputs.context.Context.cached`).
    book : Book or path, optional
        The accounts, as for :func:`capacity.model.plan`.

    Returns
    -------
    FiscalPlan

    Raises
    ------
    ScenarioError
        When the scenario has no ``fiscal_year`` block.
    """
    context = load_context(scenario, book)
    if context.scenario.fiscal_year is None:
        raise ScenarioError(
            "missing: the fiscal-year plan needs a fiscal_year block (start, months, starting_headcount, ...; see README)",
            file=context.scenario.source, where="fiscal_year",
        )
    return context.cached(_fiscal_plan)


def _fiscal_plan(context: Context) -> FiscalPlan:
    scenario = context.scenario
    fiscal = scenario.fiscal_year
    rows = variants(context.scenario, context.book)
    sized = size(rows)
    steady = plan_of(rows, sized)
    lead, ramp = fiscal.hiring_lead_time_months, max(fiscal.ramp_months, 1)
    months = fiscal.months
    horizon = months + lead + ramp - 1
    inputs = _inputs(scenario, steady, sized.loads, horizon)

    customers, churned = _customers(inputs, horizon)
    demand = monthly_demand_fte(
        customers, inputs.hours_per_customer[:, None], inputs.new, inputs.hours_per_new_customer[:, None],
        inputs.program_hours[:, None], steady.csm.customer_hours_per_month,
    )
    units = _units(scenario, steady, inputs)
    # With the calendar, each month's demand is its dated work; the average month (every touchpoint
    # spread evenly, the demand above) is what the hiring rule sizes for unless size_for: peak.
    average = demand
    cal = calendar_of(context, inputs.customers0, horizon) if has_calendar(scenario) else None
    if cal is not None:
        hours = unit_hours(scenario, sized.loads, sized.workload_weight)[0]
        demand = dated_hours(cal, hours[None], customers[None], inputs.new[None], inputs.churn[None])[0] \
            / steady.csm.customer_hours_per_month
    sizing = demand if fiscal.size_for == "peak" else average
    unit_demand = demand[units.owner] * units.share[:, None]
    unit_sizing = unit_demand if sizing is demand else sizing[units.owner] * units.share[:, None]
    target = fiscal.target_utilization
    staffed_units = _staff(unit_sizing, units.starting, fiscal.attrition_per_year, target, lead, ramp, months,
                           hire=True, owner=units.owner)
    unhired_units = _staff(unit_sizing, units.starting, fiscal.attrition_per_year, target, lead, ramp, months,
                           hire=False, owner=units.owner)
    # Segment rows sum their pools; a segment holds the target only when every pool does.
    owner = np.zeros((len(inputs.names), len(units.labels)))
    owner[units.owner, np.arange(len(units.labels))] = 1.0
    staffed = {key: (owner @ value).astype(value.dtype) for key, value in staffed_units.items()}
    unit_used = utilization(unit_demand[:, :months], staffed_units["capacity"])
    unit_held = unit_used <= target + _TOLERANCE
    worst_pool = np.full((len(inputs.names), months), -np.inf)
    np.maximum.at(worst_pool, units.owner, unit_used)
    held = worst_pool <= target + _TOLERANCE
    unhired_breach = utilization(unit_demand[:, :months], unhired_units["capacity"]) > target + _TOLERANCE

    labels = fiscal.month_labels
    first = month_index(fiscal.start)
    raise_at = None if fiscal.salary_increase is None else month_index(fiscal.salary_increase.month)
    rate = 0.0 if fiscal.salary_increase is None else fiscal.salary_increase.rate
    factor = raise_factor(np.arange(first, first + months), raise_at, rate)  # (months,)
    heads = staffed["headcount"]
    if fiscal.manager_scope == "team":
        mgrs = allocate_managers(heads, fiscal.csms_per_manager)
    else:
        mgrs = managers_needed(heads, fiscal.csms_per_manager)
    csm_cost = monthly_cost(heads, inputs.csm_cost[:, None], factor[None, :])
    mgr_cost = monthly_cost(mgrs, fiscal.manager_loaded_cost_per_year or 0.0, factor[None, :])
    used = utilization(demand[:, :months], staffed["capacity"])
    # A segment given ARR but no customers (scenario without a book) keeps its ARR: nobody to churn.
    arr = np.where(inputs.customers0[:, None] > 0, customers * inputs.arr_per_customer[:, None], inputs.arr0[:, None])

    rows = tuple(
        FiscalRow(
            month=labels[m], segment=name, customers=float(customers[s, m]), new_customers=float(inputs.new[s, m]),
            churned_customers=float(churned[s, m]), arr=float(arr[s, m]), demand_fte=float(demand[s, m]),
            headcount=int(heads[s, m]), ramped_capacity_fte=float(staffed["capacity"][s, m]),
            utilization=float(used[s, m]), worst_pool_utilization=float(worst_pool[s, m]), target_held=bool(held[s, m]),
            hires_started=int(staffed["started"][s, m]), requisitions_opened=int(staffed["requisitions"][s, m]),
            backfill_requisitions=int(staffed["backfills"][s, m]), leavers=int(staffed["leavers"][s, m]),
            managers=int(mgrs[s, m]), csm_cost=float(csm_cost[s, m]), manager_cost=float(mgr_cost[s, m]),
            cost=float(csm_cost[s, m] + mgr_cost[s, m]),
        )
        for m in range(months)
        for s, name in enumerate(inputs.names)
    )
    pool_rows = tuple(
        FiscalPoolRow(
            month=labels[m], segment=inputs.names[units.owner[u]], pool=units.pools[u],
            customers=float(customers[units.owner[u], m] * units.share[u]), demand_fte=float(unit_demand[u, m]),
            headcount=int(staffed_units["headcount"][u, m]), ramped_capacity_fte=float(staffed_units["capacity"][u, m]),
            utilization=float(unit_used[u, m]), target_held=bool(unit_held[u, m]),
            hires_started=int(staffed_units["started"][u, m]), requisitions_opened=int(staffed_units["requisitions"][u, m]),
            leavers=int(staffed_units["leavers"][u, m]),
        )
        for m in range(months)
        for u in range(len(units.labels))
        if units.pools[u] is not None
    )
    sizing_held = unit_held
    if unit_sizing is not unit_demand:
        sizing_held = utilization(unit_sizing[:, :months], staffed_units["capacity"]) <= target + _TOLERANCE
    shortfall = _day_one_shortfall(unit_sizing[:, :months], sizing_held, unhired_units["capacity"], target,
                                   lead + ramp - 1)
    warnings = _warnings(units.labels, labels, first, staffed_units, unit_used, unit_held, shortfall, target, lead, ramp,
                         sizing_held=sizing_held, excess=unit_demand[:, :months] - unit_sizing[:, :months])
    notes = inputs.notes + units.notes
    calendar = None
    if cal is not None:
        notes = notes + cal.notes
        calendar = _fiscal_calendar(context, fiscal.size_for, labels, inputs.names, demand[:, :months],
                                    average[:, :months], staffed["capacity"], used, held, target)
    total_cost = float(csm_cost.sum() + mgr_cost.sum())
    ending_arr = float(arr[:, months - 1].sum())
    summary = FiscalSummary(
        hires_by_month={labels[m]: int(staffed["started"][:, m].sum()) for m in range(months)},
        requisitions_by_month={labels[m]: int(staffed["requisitions"][:, m].sum()) for m in range(months)},
        hires_total=int(staffed["started"].sum()),
        requisitions_total=int(staffed["requisitions"].sum()),
        leavers_total=int(staffed["leavers"].sum()),
        starting_headcount={n: int(owner[s] @ units.starting) for s, n in enumerate(inputs.names)},
        year_end_headcount=int(heads[:, -1].sum()),
        year_end_headcount_by_segment={n: int(heads[s, -1]) for s, n in enumerate(inputs.names)},
        year_end_managers=int(mgrs[:, -1].sum()),
        total_cost=total_cost,
        cost_by_segment={n: float(csm_cost[s].sum() + mgr_cost[s].sum()) for s, n in enumerate(inputs.names)},
        ending_arr=ending_arr,
        cost_pct_ending_arr=workload.safe_ratio(total_cost, ending_arr),
        worst_utilization={n: float(worst_pool[s].max()) for s, n in enumerate(inputs.names)},
        day_one_shortfall={n: int(shortfall[units.owner == s].sum()) for s, n in enumerate(inputs.names)},
        first_breach={
            n: next((labels[m] for m in range(months) if unhired_breach[units.owner == s, m].any()), None)
            for s, n in enumerate(inputs.names)
        },
        warnings=warnings,
        notes=notes,
    )
    return FiscalPlan(
        scenario=scenario.name,
        currency=scenario.currency,
        months=labels,
        segments=inputs.names,
        target_utilization=fiscal.target_utilization,
        hiring_lead_time_months=fiscal.hiring_lead_time_months,
        ramp_months=fiscal.ramp_months,
        attrition_per_year=fiscal.attrition_per_year,
        rows=rows,
        pool_rows=pool_rows,
        summary=summary,
        # size_for is a setting of the calendar: a plan without one reads as it always has.
        settings=fiscal.model_dump(mode="json", exclude=None if cal is not None else {"size_for"}),
        calendar=calendar,
    )


def calendar_of(context: Context, customers, horizon: int) -> CalendarInputs:
    """Where the fiscal year's dated work falls: :func:`capacity.model.calendar.calendar_inputs` from the year's
    first month over ``horizon`` months (the year and the hiring rule's look-ahead)."""
    return calendar_inputs(context.scenario, context.book, customers, month_index(context.scenario.fiscal_year.start),
                           horizon)


def _fiscal_calendar(context: Context, size_for: str, labels, names, demand: np.ndarray, average: np.ndarray,
                     capacity: np.ndarray, used: np.ndarray, held: np.ndarray, target: float) -> FiscalCalendar:
    """The months above the average, per segment and for the whole team (segments' demand and capacity summed)."""
    peaks, worst = [], {}
    series = [(name, demand[s], average[s], used[s], held[s]) for s, name in enumerate(names)]
    total = demand.sum(axis=0)
    series.append((ALL_SEGMENTS, total, average.sum(axis=0), utilization(total, capacity.sum(axis=0)), held.all(axis=0)))
    for name, dated, even, used_by_month, held_by_month in series:
        above = dated - even
        peak = (above > _TOLERANCE) & (above >= PEAK_SHARE * even)
        worst[name] = labels[int(np.argmax(np.where(peak, above, -np.inf)))] if peak.any() else None
        peaks += [CalendarPeak(name, labels[m], float(dated[m]), float(even[m]), float(above[m]),
                               float(used_by_month[m]), bool(held_by_month[m]))
                  for m in np.flatnonzero(peak)]
    return FiscalCalendar(size_for, {name: [float(v) for v in average[s]] for s, name in enumerate(names)},
                          tuple(peaks), worst, book_calendar(context))


def _inputs(scenario: Scenario, steady: Plan, loads: Loads, horizon: int) -> _Inputs:
    fiscal = scenario.fiscal_year
    names = tuple(seg.name for seg in scenario.segments)
    notes = []
    new_rows = []
    defaulted_headcount = []
    for seg, sp in zip(scenario.segments, steady.segments):
        monthly = seg.new_customers_per_month
        if monthly is None:
            each = sp.customers * seg.new_customer_rate / workload.MONTHS_PER_YEAR
            schedule = np.full(fiscal.months, each)
            if seg.new_customer_rate > 0:
                notes.append(
                    f"{seg.name}: new_customers_per_month not given; {each:.1f} a month assumed "
                    f"({sp.customers:,} customers x new_customer_rate {seg.new_customer_rate:g} / 12)."
                )
        elif isinstance(monthly, tuple):
            schedule = np.array(monthly, dtype=float)
        else:
            schedule = np.full(fiscal.months, float(monthly))
        # Past the year end (look-ahead only) the schedule repeats from its first month.
        new_rows.append(np.resize(schedule, horizon))
        if seg.name not in fiscal.starting_headcount:
            defaulted_headcount.append(f"{seg.name} {sp.headcount}")
    if defaulted_headcount:
        notes.append(
            "starting_headcount not given for " + ", ".join(defaulted_headcount)
            + ": the steady-state plan's headcount is assumed on staff, fully ramped."
        )
    customers0 = np.array([sp.customers for sp in steady.segments], dtype=float)
    arr0 = np.array([sp.arr for sp in steady.segments], dtype=float)
    return _Inputs(
        names=names,
        customers0=customers0,
        arr0=arr0,
        arr_per_customer=np.divide(arr0, customers0, out=np.zeros_like(arr0), where=customers0 > 0),
        hours_per_customer=loads.recurring[0].copy(),
        hours_per_new_customer=loads.per_new_customer[0].copy(),
        program_hours=loads.program[0].copy(),
        churn=monthly_rate(np.array([seg.churn_per_year for seg in scenario.segments])),
        new=np.array(new_rows, dtype=float),
        starting=np.array([fiscal.starting_headcount.get(seg.name, sp.headcount)
                           for seg, sp in zip(scenario.segments, steady.segments)], dtype=np.int64),
        csm_cost=np.array([sp.loaded_cost_per_year for sp in steady.segments], dtype=float),
        notes=tuple(notes),
    )


def _customers(inputs: _Inputs, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Month-end customers and the month's churned customers, (segments, horizon)."""
    customers = np.empty((len(inputs.names), horizon))
    churned = np.empty_like(customers)
    previous = inputs.customers0
    for m in range(horizon):
        customers[:, m] = customers_after_month(previous, inputs.churn, inputs.new[:, m])
        churned[:, m] = previous * inputs.churn
        previous = customers[:, m]
    return customers, churned


def _staff(demand: np.ndarray, starting: np.ndarray, attrition: float, target: float, lead: int, ramp: int,
           months: int, *, hire: bool, owner: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Month by month staffing of every unit (segment or pool): leavers, backfills, requisitions, hires, capacity.

    ``joined[u, k]`` counts CSMs (and open requisitions) of unit ``u`` who start in month
    ``k``; ``tenured[u]`` the starting team still on staff. ``weights[p, k]`` is the ramp
    share in month ``p`` of someone who started in month ``k``. ``owner[u]`` is the
    segment of unit ``u``: leavers are rounded per segment (see :func:`_leavers`).
    """
    units, horizon = demand.shape
    owner = np.arange(units) if owner is None else owner
    k = np.arange(horizon)
    weights = ramp_factor(k[:, None] - k[None, :] + 1, ramp)
    tenured = starting.astype(np.int64).copy()
    joined = np.zeros((units, horizon), dtype=np.int64)
    rate = float(monthly_rate(attrition))
    expected = np.zeros(units)
    gone = np.zeros(units, dtype=np.int64)
    out = {key: np.zeros((units, months), dtype=np.int64)
           for key in ("headcount", "started", "requisitions", "backfills", "leavers")}
    out["capacity"] = np.zeros((units, months))
    on_staff = tenured.copy()
    for t in range(months):
        before = expected.copy()
        expected = expected + on_staff * rate
        leavers = _leavers(before, expected, gone, on_staff, owner)
        gone += leavers
        for u in np.flatnonzero(leavers):
            _remove_longest_serving(tenured, joined, u, int(leavers[u]), t)
        backfills = leavers if hire else np.zeros_like(leavers)
        joined[:, t + lead] += backfills
        growth = np.zeros_like(leavers)
        target_month = t + lead + ramp - 1
        if hire:
            projected = tenured + joined @ weights[target_month]
            growth = requisitions_needed(demand[:, target_month], target, projected)
            joined[:, t + lead] += growth
        on_staff = tenured + joined[:, : t + 1].sum(axis=1)
        out["leavers"][:, t] = leavers
        out["backfills"][:, t] = backfills
        out["requisitions"][:, t] = backfills + growth
        out["started"][:, t] = joined[:, t]
        out["headcount"][:, t] = on_staff
        out["capacity"][:, t] = tenured + joined @ weights[t]
    return out


def _leavers(before: np.ndarray, after: np.ndarray, gone: np.ndarray, on_staff: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """This month's whole leavers per unit, rounded per segment so that pooling loses no attrition.

    A segment's leavers are :func:`realised_leavers` of its units' summed expectations
    (rounding per pool would let a two-person pool never lose anyone); each goes to the
    unit that has lost the fewest against its own expectation, among those with staff.
    """
    if len(np.unique(owner)) == len(owner):
        return np.minimum(realised_leavers(before, after), on_staff)
    segments = int(owner.max()) + 1
    due = realised_leavers(np.bincount(owner, before, segments), np.bincount(owner, after, segments))
    leavers = np.zeros_like(on_staff)
    for s in np.flatnonzero(due):
        members = np.flatnonzero(owner == s)
        for _ in range(int(due[s])):
            staffed = members[on_staff[members] - leavers[members] > 0]
            if staffed.size == 0:
                break
            owed = after[staffed] - gone[staffed] - leavers[staffed]
            leavers[staffed[int(np.argmax(owed))]] += 1
    return leavers


def _remove_longest_serving(tenured: np.ndarray, joined: np.ndarray, s: int, count: int, month: int) -> None:
    """Take ``count`` leavers out of segment ``s``: the starting team first, then the earliest hires."""
    take = min(count, int(tenured[s]))
    tenured[s] -= take
    count -= take
    for k in range(month):  # only those who started before this month can leave in it
        if count == 0:
            break
        take = min(count, int(joined[s, k]))
        joined[s, k] -= take
        count -= take


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) month of each run of True."""
    runs, start = [], None
    for m, flag in enumerate(flags):
        if flag and start is None:
            start = m
        if not flag and start is not None:
            runs.append((start, m - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def _span(labels: tuple[str, ...], first: int, last: int) -> str:
    return labels[first] if first == last else f"{labels[first]} to {labels[last]}"


def _day_one_shortfall(demand: np.ndarray, held: np.ndarray, unhired_capacity: np.ndarray, target: float,
                       fixable_from: int) -> np.ndarray:
    """Extra ramped CSMs per unit on the first day that hold the target in the months hiring cannot reach.

    Counted against the team without this year's hires (a bigger team would open fewer of
    them), so the figure is enough on its own; zero where the plan holds those months.
    """
    early = min(fixable_from, demand.shape[1])
    out = np.zeros(demand.shape[0], dtype=np.int64)
    if early == 0:
        return out
    gap = np.max(demand[:, :early] / target - unhired_capacity[:, :early], axis=1)
    breached = (~held[:, :early]).any(axis=1)
    out[breached] = np.maximum(1, np.ceil(gap[breached] - _TOLERANCE)).astype(np.int64)
    return out


def _warnings(names, labels, first_month, staffed, used, held, shortfall, target, lead, ramp, *,
              sizing_held=None, excess=None) -> tuple[str, ...]:
    """Plain English for every run of months above the target, and what would have held it.

    With the calendar sized for the average month, ``sizing_held`` says where the average month holds
    the target and ``excess`` is each month's demand above the average [FTE]: a run the average
    month holds is the calendar's peak, said so.
    """
    fixable_from = lead + ramp - 1  # the first month a requisition opened in the year is fully productive
    out = []
    for s, name in enumerate(names):
        runs = []
        for a, b in _runs(~held[s]):  # a run across the first fixable month is two stories
            runs += [(a, fixable_from - 1), (fixable_from, b)] if a < fixable_from <= b else [(a, b)]
        for a, b in runs:
            peak = a + int(np.argmax(used[s, a : b + 1]))
            head = (f"{name}: utilization is above the {target:.0%} target in {_span(labels, a, b)} "
                    f"(peak {_pct(used[s, peak])} in {labels[peak]})")
            if sizing_held is not None and sizing_held is not held and sizing_held[s, a : b + 1].all():
                out.append(f"{head}: the calendar puts {excess[s, peak]:.1f} FTE of dated work above the average "
                           "month there, and the plan hires for the average month (size_for: average; size_for: "
                           "peak hires for the peaks).")
                continue
            if a < fixable_from:
                extra = int(shortfall[s])
                out.append(
                    f"{head}. Hiring in the year cannot hold it there: a requisition opened in {labels[0]} starts "
                    f"after the {lead}-month lead time and is fully productive only after the {ramp}-month ramp, "
                    f"in {month_label(first_month + fixable_from)}. Holding the target until then needs "
                    f"{extra} more ramped CSM{'s' if extra > 1 else ''} on day one, without counting on this "
                    f"year's hires: requisitions opened by {month_label(first_month - fixable_from)}."
                )
            else:
                window = staffed["leavers"][s, max(0, a - fixable_from) : b + 1].sum()
                reason = (f"{window} CSM{'s' if window > 1 else ''} left shortly before and the backfills are "
                          "still in lead time or ramp") if window else "hires are still ramping"
                out.append(f"{head}: {reason}.")
    return tuple(out)


def _pct(value: float) -> str:
    return "no capacity" if not math.isfinite(value) else f"{value:.0%}"


@dataclass(frozen=True)
class _Units:
    """What is staffed: each segment, or each vertical pool of a segment pooled by vertical."""

    owner: np.ndarray  # segment index of each unit
    share: np.ndarray  # the unit's share of its segment's customers (and demand)
    pools: tuple[str | None, ...]  # pool name, None for a whole segment
    labels: tuple[str, ...]  # "Mid-Market" or "Mid-Market (Healthcare pool)"
    starting: np.ndarray
    notes: tuple[str, ...]


def _units(scenario: Scenario, steady: Plan, inputs: _Inputs) -> _Units:
    owner, share, pools, labels, starting, notes = [], [], [], [], [], []
    given = scenario.fiscal_year.starting_headcount
    for s, (seg, sp) in enumerate(zip(scenario.segments, steady.segments)):
        if not sp.pools:
            owner.append(s), share.append(1.0), pools.append(None), labels.append(seg.name)
            starting.append(int(inputs.starting[s]))
            continue
        steady_heads = [p.headcount for p in sp.pools]
        heads = _allocate(given[seg.name], steady_heads) if seg.name in given else steady_heads
        for pool, n in zip(sp.pools, heads):
            owner.append(s), pools.append(pool.vertical), labels.append(f"{seg.name} ({pool.vertical} pool)")
            share.append(float(workload.pool_share(pool.customers, sp.customers)))
            starting.append(n)
        split = ", ".join(f"{p.vertical} {n}" for p, n in zip(sp.pools, heads))
        notes.append(
            f"{seg.name} is staffed in vertical pools ({split} at the start), each hired for and rounded up on its own; "
            f"the steady-state split costs {sp.pool_split_extra_headcount:+d} CSM against one team."
        )
    return _Units(np.array(owner), np.array(share), tuple(pools), tuple(labels),
                  np.array(starting, dtype=np.int64), tuple(notes))


def _allocate(total: int, weights: list[int]) -> list[int]:
    """``total`` people across pools in proportion to ``weights`` (largest remainder; equal shares without weights)."""
    w = np.asarray(weights, dtype=float)
    w = w if w.sum() > 0 else np.ones_like(w)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: total - out.sum()]:
        out[i] += 1
    return out.tolist()
