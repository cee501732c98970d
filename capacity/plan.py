"""The steady-state plan: per segment workload, customers per CSM, FTE, headcount, cost.

``plan(scenario, book)`` is the one call every view (CLI, report, what-if, walkthroughs)
makes, so a number shown anywhere is the same number. Results are frozen dataclasses
that convert to plain dicts (JSON) and DataFrames.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import workload
from .queueing import InboundSizing, apply_inbound_service
from .book import UNASSIGNED_VERTICAL, Book, load_book
from .exceptions import ScenarioError
from .scenario import Scenario, Segment, load_scenario
from .segments import SegmentSizes, segment_sizes, sizes_by_vertical

__all__ = [
    "TouchpointLoad", "PoolPlan", "SegmentPlan", "CSMCapacity", "Totals", "TopDown", "Plan", "plan",
    "touchpoint_loads", "MIXED_POOL",
]

#: The name of the pool that holds every vertical not listed in ``pool_verticals``.
MIXED_POOL = "Other verticals"


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

    ``vertical`` names the pool: a vertical, or :data:`MIXED_POOL` for the verticals
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
    #: Inbound touchpoints staffed by a service level (``inbound_service``); None when sized by hours.
    inbound: InboundSizing | None = None


@dataclass(frozen=True)
class Totals:
    """Sums over segments; ``cost_pct_arr`` is a fraction (0.07 is 7%), None without ARR."""

    customers: int
    arr: float
    fte: float
    headcount: int
    cost_per_year: float
    cost_pct_arr: float | None


@dataclass(frozen=True)
class TopDown:
    """One top-down guidepost: a CSM per ``arr_per_csm`` of ARR."""

    arr_per_csm: float
    headcount: int
    cost_per_year: float


@dataclass(frozen=True)
class Plan:
    """A complete steady-state plan. ``to_dict()`` is the CLI's ``--json`` shape."""

    scenario: str
    currency: str
    csm: CSMCapacity
    segments: tuple[SegmentPlan, ...]
    totals: Totals
    top_down: tuple[TopDown, ...]

    def segment(self, name: str) -> SegmentPlan:
        """The plan of the segment called ``name``."""
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def to_dict(self) -> dict:
        """Plain data for JSON: infinite customers per CSM becomes None."""
        data = asdict(self)
        for seg in data["segments"]:
            if not math.isfinite(seg["customers_per_csm"]):
                seg["customers_per_csm"] = None
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON text (strict: no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per segment, indexed by segment name (touchpoints left out)."""
        rows = [{k: v for k, v in asdict(seg).items() if k not in {"touchpoints", "pools", "inbound"}} for seg in self.segments]
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


def touchpoint_loads(segment: Segment) -> tuple[TouchpointLoad, ...]:
    """Hours per month of each touchpoint of a segment (see :mod:`capacity.workload`)."""
    loads = []
    for tp in segment.touchpoints:
        if tp.kind == "one_time":
            per_customer = float(workload.one_time_hours_per_month(tp.minutes, segment.new_customer_rate))
            frequency = segment.new_customer_rate / workload.MONTHS_PER_YEAR
        else:
            per_customer = float(workload.activity_hours_per_month(tp.minutes, tp.frequency_per_month))
            frequency = tp.frequency_per_month
        program = 0.0
        if tp.kind == "program":
            per_customer, program = 0.0, per_customer
        loads.append(TouchpointLoad(tp.name, tp.kind, tp.minutes, frequency, per_customer, program))
    return tuple(loads)


def plan(
    scenario: Scenario | dict | str | Path,
    book: Book | str | Path | None = None,
    *,
    sizes: SegmentSizes | None = None,
    vertical_sizes: dict[str, SegmentSizes] | None = None,
) -> Plan:
    """Size every segment bottom-up and compare with the top-down guideposts.

    Parameters
    ----------
    scenario : Scenario, dict or path
        See :func:`capacity.load_scenario`.
    book : Book or path, optional
        The accounts; without it, the scenario's ``book`` file is read if it names one,
        else each segment's ``customers`` and ``arr`` are used.
    sizes : SegmentSizes, optional
        Customers and ARR per segment already computed (what-if sliders reuse them).
    vertical_sizes : dict of SegmentSizes, optional
        The same per vertical (:func:`capacity.segments.sizes_by_vertical`), for segments
        with ``pool_by: vertical``; computed from the book when not given.

    Returns
    -------
    Plan

    Raises
    ------
    ScenarioError
        When a segment pools by vertical without a book to count verticals in, or names
        a vertical the book does not have.
    """
    scenario = load_scenario(scenario)
    pooled = any(seg.pool_by == "vertical" for seg in scenario.segments)
    if sizes is None or (pooled and vertical_sizes is None):
        if book is None and scenario.book is not None:
            book = scenario.book
            if not book.exists():
                raise ScenarioError(
                    f"book file not found: {book} (a relative path is read from the scenario's folder)",
                    file=scenario.source,
                    where="book",
                )
        if book is not None and not isinstance(book, Book):
            book = load_book(book)
    if sizes is None:
        sizes = segment_sizes(scenario, book)
    if pooled and vertical_sizes is None:
        vertical_sizes = _vertical_sizes(scenario, book)
    csm = scenario.csm
    customer_hours = csm.customer_hours_per_month
    _check_staffable(scenario, sizes, customer_hours)
    segments = tuple(
        _segment_plan(seg, int(sizes.customers[i]), float(sizes.arr[i]), customer_hours, scenario.loaded_cost_of(seg))
        for i, seg in enumerate(scenario.segments)
    )
    # Inbound service level (Erlang C): only segments with inbound_service change; see capacity.queueing.
    segments = tuple(
        apply_inbound_service(sp, seg, csm) if seg.inbound_service is not None else sp
        for sp, seg in zip(segments, scenario.segments)
    )
    if pooled:
        segments = tuple(
            _split_into_pools(scenario, i, sp, vertical_sizes, customer_hours) if sp_seg.pool_by == "vertical" else sp
            for i, (sp, sp_seg) in enumerate(zip(segments, scenario.segments))
        )
    total_arr = float(np.sum(sizes.arr))
    total_cost = sum(s.cost_per_year for s in segments)
    totals = Totals(
        customers=sum(s.customers for s in segments),
        arr=total_arr,
        fte=float(sum(s.fte for s in segments)),
        headcount=sum(s.headcount for s in segments),
        cost_per_year=total_cost,
        cost_pct_arr=workload.safe_ratio(total_cost, total_arr),
    )
    top_down = tuple(
        TopDown(
            arr_per_csm=ratio,
            headcount=(n := workload.top_down_headcount(total_arr, ratio)),
            cost_per_year=float(workload.annual_cost(n, csm.loaded_cost_per_year)),
        )
        for ratio in scenario.top_down_arr_per_csm
    )
    return Plan(
        scenario=scenario.name,
        currency=scenario.currency,
        csm=CSMCapacity(csm.working_hours_per_month, customer_hours, csm.loaded_cost_per_year),
        segments=segments,
        totals=totals,
        top_down=top_down,
    )


def _segment_plan(seg: Segment, customers: int, arr: float, customer_hours: float, cost_each: float) -> SegmentPlan:
    loads = touchpoint_loads(seg)
    per_customer = float(sum(t.hours_per_customer_per_month for t in loads))
    program = float(sum(t.program_hours_per_month for t in loads))
    need = float(workload.fte(customers, per_customer, program, customer_hours))
    heads = workload.headcount(need)
    return SegmentPlan(
        name=seg.name,
        coverage=seg.coverage,
        min_arr=seg.min_arr,
        customers=customers,
        arr=arr,
        hours_per_customer_per_month=per_customer,
        program_hours_per_month=program,
        customers_per_csm=workload.customers_per_csm(customer_hours, per_customer),
        fte=need,
        headcount=heads,
        cost_per_year=float(workload.annual_cost(heads, cost_each)),
        arr_per_csm=workload.safe_ratio(arr, heads),
        loaded_cost_per_year=cost_each,
        touchpoints=loads,
    )


def _vertical_sizes(scenario: Scenario, book: Book | None) -> dict[str, SegmentSizes]:
    first = next(i for i, seg in enumerate(scenario.segments) if seg.pool_by == "vertical")
    where = f"segments[{first}].pool_by"
    if book is None:
        raise ScenarioError(
            "pool_by: vertical needs a book of accounts with a vertical column to count customers per vertical",
            file=scenario.source, where=where,
        )
    by_vertical = sizes_by_vertical(scenario, book)
    if set(by_vertical) == {UNASSIGNED_VERTICAL}:
        raise ScenarioError(
            f"pool_by: vertical, but the book {'' if book.source is None else str(book.source) + ' '}has no verticals "
            "(every account is Unassigned); add a vertical column",
            file=scenario.source, where=where,
        )
    return by_vertical


def _pool_groups(scenario: Scenario, index: int, known: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(pool name, its verticals) for segment ``index``: one per vertical, or the listed ones and a mixed pool."""
    seg = scenario.segments[index]
    if seg.pool_verticals is None:
        return [(v, (v,)) for v in known]
    for j, vertical in enumerate(seg.pool_verticals):
        if vertical not in known:
            hint = difflib.get_close_matches(vertical, known, n=1, cutoff=0.6)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; the book's verticals are: {', '.join(known)}"
            raise ScenarioError(
                f"vertical {vertical!r} is not in the book{suggestion}",
                file=scenario.source, where=f"segments[{index}].pool_verticals[{j}]",
            )
    rest = tuple(v for v in known if v not in seg.pool_verticals)
    groups = [(v, (v,)) for v in seg.pool_verticals]
    return groups + ([(MIXED_POOL, rest)] if rest else [])


def _split_into_pools(
    scenario: Scenario, index: int, whole: SegmentPlan, vertical_sizes: dict[str, SegmentSizes], customer_hours: float
) -> SegmentPlan:
    """The segment's plan with CSMs sized per pool, each pool rounded up on its own."""
    if whole.customers == 0:
        return whole  # nothing to split; programs alone stay one team
    known = sorted(vertical_sizes)
    pools = []
    for name, verticals in _pool_groups(scenario, index, known):
        customers = int(sum(int(vertical_sizes[v].customers[index]) for v in verticals))
        if customers == 0 and name not in (scenario.segments[index].pool_verticals or ()):
            continue  # a vertical with no account in this segment needs no pool
        arr = float(sum(float(vertical_sizes[v].arr[index]) for v in verticals))
        program = whole.program_hours_per_month * workload.pool_share(customers, whole.customers)
        need = float(workload.fte(customers, whole.hours_per_customer_per_month, program, customer_hours))
        heads = workload.headcount(need)
        pools.append(PoolPlan(name, verticals, customers, arr, need, heads,
                              float(workload.annual_cost(heads, whole.loaded_cost_per_year))))
    heads = sum(p.headcount for p in pools)
    return dataclasses.replace(
        whole,
        headcount=heads,
        cost_per_year=float(sum(p.cost_per_year for p in pools)),
        arr_per_csm=workload.safe_ratio(whole.arr, heads),
        pools=tuple(pools),
        pool_split_extra_headcount=heads - whole.headcount,
    )


#: More CSMs than this in one segment is a unit mistake (minutes for hours, a frequency
#: per year typed per month), not a plan; it also keeps every figure finite.
MAX_PLAUSIBLE_FTE = 1e9


def _check_staffable(scenario: Scenario, sizes: SegmentSizes, customer_hours: float) -> None:
    """Refuse a scenario whose workload no team could staff, before it overflows into inf."""
    for i, seg in enumerate(scenario.segments):
        loads = touchpoint_loads(seg)
        per_customer = sum(t.hours_per_customer_per_month for t in loads)
        program = sum(t.program_hours_per_month for t in loads)
        need = float(workload.fte(int(sizes.customers[i]), per_customer, program, customer_hours))
        if not math.isfinite(need) or need > MAX_PLAUSIBLE_FTE:
            raise ScenarioError(
                f"the segment's workload needs {need:.3g} CSMs, more than any team could be; check the touchpoints' "
                "minutes, per_month and per_year, and the CSM's hours and customer_time_share",
                file=scenario.source,
                where=f"segments[{i}]",
            )
