"""The steady-state plan: per segment workload, customers per CSM, FTE, headcount, cost.

``plan(scenario, book)`` is the one call every view (CLI, report, what-if, walkthroughs)
makes, so a number shown anywhere is the same number. The numbers come from the sizing core
(:mod:`capacity.model.sizing`); this module turns one variant of it into frozen dataclasses that
convert to plain dicts (JSON) and DataFrames.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.formulas import workload
from capacity.inputs.book import Book
from capacity.formulas.queueing import InboundSizing, apply_inbound_service
from capacity.inputs.context import Context, load_context
from capacity.exceptions import ScenarioError
from capacity.inputs.scenario import Scenario, Segment
from capacity.model.payback import Payback, payback_of
from capacity.model.sizing import MIXED_POOL, Sizing, Variants, pool_groups, size, touchpoint_hours, variants

__all__ = [
    "TouchpointLoad", "PoolPlan", "AutomationUse", "SegmentPlan", "CSMCapacity", "Totals", "TopDown", "Plan", "plan",
    "plan_of", "touchpoint_loads", "MIXED_POOL",
]


@dataclass(frozen=True)
class TouchpointLoad:
    """What one touchpoint costs a segment per month.

    ``hours_per_customer_per_month`` is zero for programs; ``program_hours_per_month`` is
    zero for everything else.
    """

    name: str
    kind: str
    minutes: float
    frequency_per_month: float
    hours_per_customer_per_month: float
    program_hours_per_month: float


@dataclass(frozen=True)
class PoolPlan:
    """One vertical pool of a segment sized with ``pool_by: vertical``.

    ``vertical`` names the pool: a vertical, or :data:`~capacity.model.sizing.MIXED_POOL` for the verticals
    that share one mixed pool (listed in ``verticals``). ``fte`` carries the pool's share
    of the segment's program hours (its share of customers), so pool FTEs add up to the
    segment's FTE and the split costs only the rounding up of each pool.
    """

    vertical: str
    verticals: tuple[str, ...]
    customers: int
    arr: float
    fte: float
    headcount: int
    cost_per_year: float


@dataclass(frozen=True)
class AutomationUse:
    """A segment's adopted automations (``automation: {adopted: true}``, :mod:`capacity.model.automation`).

    ``automated_hours_per_month`` is the customer hours a month software delivers instead of CSMs
    (the segment's hours per customer and program hours are CSM hours, after automation);
    ``tooling_cost_per_year`` what the tooling costs a year [currency/year].
    """

    names: tuple[str, ...]
    automated_hours_per_month: float
    tooling_cost_per_year: float


@dataclass(frozen=True)
class CSMCapacity:
    """One CSM's month [h/month] and yearly cost [USD/year]."""

    working_hours_per_month: float
    customer_hours_per_month: float
    loaded_cost_per_year: float


@dataclass(frozen=True)
class SegmentPlan:
    """The bottom-up answer for one segment."""

    name: str
    coverage: str
    min_arr: float
    customers: int
    arr: float
    hours_per_customer_per_month: float
    program_hours_per_month: float
    customers_per_csm: float  # inf when a customer needs no CSM time
    fte: float
    headcount: int
    cost_per_year: float
    arr_per_csm: float | None  # None without CSMs
    loaded_cost_per_year: float
    touchpoints: tuple[TouchpointLoad, ...]
    #: Vertical pools (``pool_by: vertical``); empty for one unsplit team.
    pools: tuple[PoolPlan, ...] = ()
    #: CSMs the split into pools costs against one unsplit team: sum of ceil(pool FTE) - ceil(FTE).
    pool_split_extra_headcount: int = 0
    #: Account-level work (:mod:`capacity.model.accounts`): the average work of the segment's accounts against an
    #: ordinary one, and how many of them need CSM time; None (and left out of to_dict) when not used.
    workload_weight: float | None = None
    served_customers: int | None = None
    #: Inbound touchpoints staffed by a service level (``inbound_service``); None when sized by hours.
    inbound: InboundSizing | None = None
    #: Adopted automations; None (and left out of to_dict) when the segment has none.
    automation: AutomationUse | None = None


@dataclass(frozen=True)
class Totals:
    """Sums over segments; ``cost_pct_arr`` is a fraction (0.07 is 7%), None without ARR."""

    customers: int
    arr: float
    fte: float
    headcount: int
    cost_per_year: float
    cost_pct_arr: float | None
    #: ARR over headcount [currency/CSM]; None without CSMs.
    arr_per_csm: float | None = None
    #: Tooling of adopted automations a year (left out of to_dict when none is adopted) [currency/year].
    tooling_cost_per_year: float = 0.0

    @property
    def cost_with_tooling_per_year(self) -> float:
        """What CS costs a year: the CSMs' ``cost_per_year`` plus adopted tooling [currency/year]."""
        return self.cost_per_year + self.tooling_cost_per_year


@dataclass(frozen=True)
class TopDown:
    """One top-down guidepost: a CSM per ``arr_per_csm`` of ARR."""

    arr_per_csm: float
    headcount: int
    cost_per_year: float


@dataclass(frozen=True)
class Plan:
    """A complete steady-state plan. ``to_dict()`` is the CLI's ``--json`` shape.

    ``payback`` is the business case (:mod:`capacity.model.payback`): per segment and in total, the
    CS cost against the ARR it must keep or add to pay back.
    """

    scenario: str
    currency: str
    csm: CSMCapacity
    segments: tuple[SegmentPlan, ...]
    totals: Totals
    top_down: tuple[TopDown, ...]
    payback: Payback | None = None

    def segment(self, name: str) -> SegmentPlan:
        """The plan of the segment called ``name``."""
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def to_dict(self) -> dict:
        """Plain data for JSON: infinite customers per CSM becomes None."""
        data = asdict(self)
        automating = any(seg.automation is not None for seg in self.segments)
        for seg in data["segments"]:
            if not math.isfinite(seg["customers_per_csm"]):
                seg["customers_per_csm"] = None
            _drop_unused_account_work(seg)
            if seg.get("automation") is None:
                seg.pop("automation", None)
        if not automating:
            data["totals"].pop("tooling_cost_per_year")
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON text (strict: no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per segment, indexed by segment name (touchpoints left out)."""
        rows = [{k: v for k, v in asdict(seg).items() if k not in {"touchpoints", "pools", "inbound", "automation"}}
                for seg in self.segments]
        for row in rows:
            _drop_unused_account_work(row)
        return pd.DataFrame(rows).set_index("name")

    def pools_frame(self) -> pd.DataFrame:
        """One row per vertical pool of the segments sized with ``pool_by: vertical``."""
        rows = [
            {"segment": seg.name, **{k: v for k, v in asdict(pool).items() if k != "verticals"},
             "verticals": ", ".join(pool.verticals)}
            for seg in self.segments
            for pool in seg.pools
        ]
        columns = ["segment", "vertical", "verticals", "customers", "arr", "fte", "headcount", "cost_per_year"]
        return pd.DataFrame(rows, columns=columns)

    def touchpoints_frame(self) -> pd.DataFrame:
        """One row per segment and touchpoint, with hours and the FTE each one drives."""
        hours = self.csm.customer_hours_per_month
        rows = []
        for seg in self.segments:
            for tp in seg.touchpoints:
                monthly = tp.hours_per_customer_per_month * seg.customers + tp.program_hours_per_month
                rows.append({"segment": seg.name, **asdict(tp), "hours_per_month": monthly, "fte": monthly / hours})
        return pd.DataFrame(rows)


def _drop_unused_account_work(row: dict) -> None:
    if row.get("workload_weight") is None:
        row.pop("workload_weight", None)
        row.pop("served_customers", None)


def touchpoint_loads(segment: Segment) -> tuple[TouchpointLoad, ...]:
    """CSM hours per month of each touchpoint of a segment (see :func:`capacity.model.sizing.touchpoint_hours`),
    after adopted automation (as :func:`capacity.model.sizing.loads` takes it off)."""
    loads = []
    for tp in segment.touchpoints:
        frequency = 0.0 if tp.kind == "one_time" else tp.frequency_per_month
        hours, frequency = touchpoint_hours(tp.kind, tp.minutes, frequency, segment.new_customer_rate)
        if tp.automated_share:
            kept = 1.0 - tp.automated_share
            hours, frequency = hours * kept, (frequency * kept if tp.kind == "inbound" else frequency)
        per_customer, program = (0.0, float(hours)) if tp.kind == "program" else (float(hours), 0.0)
        loads.append(TouchpointLoad(tp.name, tp.kind, tp.minutes, float(frequency), per_customer, program))
    return tuple(loads)


def plan(scenario: Context | Scenario | dict | str | Path, book: Book | str | Path | None = None) -> Plan:
    """Size every segment bottom-up and compare with the top-down guideposts.

    Parameters
    ----------
    scenario : Context, Scenario, dict or path
        A loaded context (:func:`capacity.inputs.context.load_context`), or a scenario to load one from.
        A context's plan is computed once and kept on it (:meth:`~capacity.inputs.context.Context.cached`).
    book : Book or path, optional
        The accounts; without it, the scenario's ``book`` file is read if it names one,
        else each segment's ``customers`` and ``arr`` are used (see :mod:`capacity.inputs.context`).

    Returns
    -------
    Plan

    Raises
    ------
    ScenarioError
        When a segment pools by vertical without a book to count verticals in, names a
        vertical the book does not have, or needs more CSMs than any team could be.
    """
    return load_context(scenario, book).cached(_plan)


def _plan(context: Context) -> Plan:
    rows = variants(context.scenario, context.book)
    return plan_of(rows, size(rows))


def plan_of(rows: Variants, sized: Sizing, row: int = 0) -> Plan:
    """The :class:`Plan` of one variant ``row`` of a sizing (:func:`capacity.model.sizing.size`).

    Raises
    ------
    ScenarioError
        When a segment's workload needs more CSMs than any team could be (a unit mistake).
    """
    scenario = rows.scenario
    _check_staffable(scenario, sized.fte[row])
    load = sized.loads
    columns = np.cumsum([0] + [len(seg.touchpoints) for seg in scenario.segments])
    customer_hours = float(rows.customer_hours[row])
    segments = []
    for s, seg in enumerate(scenario.segments):
        touchpoints = tuple(
            TouchpointLoad(tp.name, tp.kind, float(rows.minutes[row, t]), float(load.frequency[row, t]),
                           0.0 if tp.kind == "program" else float(load.touchpoint[row, t]),
                           float(load.touchpoint[row, t]) if tp.kind == "program" else 0.0)
            for t, tp in zip(range(columns[s], columns[s + 1]), seg.touchpoints)
        )
        customers, arr = int(sized.customers[row, s]), float(sized.arr[row, s])
        heads = int(sized.headcount[row, s])
        cost_each = float(rows.cost_each[row, s])
        pools = ()
        if sized.pooled[s] and customers > 0:
            named = seg.pool_verticals or ()
            pools = tuple(
                PoolPlan(name, verticals, int(sized.pool_customers[row, s, p]), float(sized.pool_arr[row, s, p]),
                         float(sized.pool_fte[row, s, p]), int(sized.pool_headcount[row, s, p]),
                         float(sized.pool_cost[row, s, p]))
                for p, (name, verticals) in enumerate(pool_groups(scenario, rows.book)[s])
                # A vertical with no account in this segment needs no pool; a listed one is always shown.
                if sized.pool_customers[row, s, p] > 0 or name in named
            )
        segments.append(SegmentPlan(
            name=seg.name,
            coverage=seg.coverage,
            min_arr=float(rows.min_arr[row, s]),
            customers=customers,
            arr=arr,
            hours_per_customer_per_month=float(load.per_customer[row, s]),
            program_hours_per_month=float(load.program[row, s]),
            customers_per_csm=float(sized.customers_per_csm[row, s]),
            fte=float(sized.fte[row, s]),
            headcount=heads,
            cost_per_year=float(sized.cost_per_year[row, s]),
            arr_per_csm=workload.safe_ratio(arr, heads),
            loaded_cost_per_year=cost_each,
            touchpoints=touchpoints,
            pools=pools,
            pool_split_extra_headcount=heads - int(sized.unsplit_headcount[row, s]) if pools else 0,
            workload_weight=None if sized.workload_weight is None else float(sized.workload_weight[row, s]),
            served_customers=None if sized.workload_weight is None else int(sized.served_customers[row, s]),
            automation=_automation_use(rows, sized, row, s, range(columns[s], columns[s + 1]), customers),
        ))
    total_arr = float(sized.total_arr[row])
    total_cost = float(sized.total_cost[row])
    csm_cost = float(rows.csm_cost[row])
    total_fte, total_headcount = float(sized.total_fte[row]), int(sized.total_headcount[row])
    # Inbound service level (Erlang C): only segments with inbound_service change; see capacity.formulas.queueing.
    if any(seg.inbound_service is not None for seg in scenario.segments):
        working_hours = float(rows.working_hours[row])
        segments = [apply_inbound_service(sp, seg, working_hours, customer_hours / working_hours)
                    if seg.inbound_service is not None else sp for sp, seg in zip(segments, scenario.segments)]
        total_fte = float(sum(sp.fte for sp in segments))
        total_headcount = sum(sp.headcount for sp in segments)
        total_cost = float(sum(sp.cost_per_year for sp in segments))
    totals = Totals(
        customers=int(sized.total_customers[row]),
        arr=total_arr,
        fte=total_fte,
        headcount=total_headcount,
        cost_per_year=total_cost,
        cost_pct_arr=workload.safe_ratio(total_cost, total_arr),
        arr_per_csm=workload.safe_ratio(total_arr, int(sized.total_headcount[row])),
        tooling_cost_per_year=float(sized.total_tooling[row]),
    )
    top_down = tuple(
        TopDown(
            arr_per_csm=ratio,
            headcount=(n := workload.top_down_headcount(total_arr, ratio)),
            cost_per_year=float(workload.annual_cost(n, csm_cost)),
        )
        for ratio in scenario.top_down_arr_per_csm
    )
    return Plan(
        scenario=scenario.name,
        currency=scenario.currency,
        csm=CSMCapacity(float(rows.working_hours[row]), customer_hours, csm_cost),
        segments=tuple(segments),
        totals=totals,
        top_down=top_down,
        payback=payback_of(scenario, segments, [float(t) for t in sized.tooling[row]]),
    )


def _automation_use(rows: Variants, sized: Sizing, row: int, s: int, columns: range,
                    customers: int) -> AutomationUse | None:
    """Segment ``s``'s adopted automations in variant ``row``, or None when it has none."""
    touchpoints = rows.scenario.segments[s].touchpoints
    names = tuple(touchpoints[t - columns.start].automation.name for t in columns if rows.automated[row, t] > 0)
    if not names:
        return None
    load = sized.loads
    hours = customers * float(load.automated_per_customer[row, s]) + float(load.automated_program[row, s])
    return AutomationUse(names, hours, float(sized.tooling[row, s]))


#: More CSMs than this in one segment is a unit mistake (minutes for hours, a frequency
#: per year typed per month), not a plan; it also keeps every figure finite.
MAX_PLAUSIBLE_FTE = 1e9


def _check_staffable(scenario: Scenario, fte: np.ndarray) -> None:
    """Refuse a scenario whose workload no team could staff, before it overflows into inf."""
    for i, need in enumerate(fte):
        need = float(need)
        if not math.isfinite(need) or need > MAX_PLAUSIBLE_FTE:
            raise ScenarioError(
                f"the segment's workload needs {need:.3g} CSMs, more than any team could be; check the touchpoints' "
                "minutes, per_month and per_year, and the CSM's hours and customer_time_share",
                file=scenario.source,
                where=f"segments[{i}]",
            )
