"""The what-if workbook: levers a CS leader moves, and the plan, curves and sentence they give.

Two layers, so the numbers can be tested without a browser:

* the model (no widgets): :class:`Levers` holds every slider value; a :class:`Workbench`
  is built once per scenario and book and precomputes what no slider changes (the book's
  sorted ARR and cumulative sums, the ARR histogram, each touchpoint's hours). Its
  :meth:`Workbench.recompute` returns the same :class:`~capacity.plan.Plan` that
  :func:`capacity.plan` gives on :meth:`Workbench.scenario_for` (the scenario with the
  levers applied); :meth:`Workbench.curve` sizes the team across a slider's whole range,
  vectorised, with the formulas of :mod:`capacity.workload`.
* the widgets (:func:`build_workbook`, :func:`open_workbook`): ipywidgets sliders wired to
  the model, plotly ``FigureWidget`` charts updated in place. Callbacks do no I/O. Sliders
  are selection sliders over exact values (:meth:`Workbench.slider_values`): a float or log
  slider snaps its starting value to its step grid in the browser and sends it back, which
  would quietly move a 25,000 threshold to 25,119 the moment the workbook opens.

How each lever maps onto the scenario:

* a touchpoint's frequency, in the unit the scenario gives it (per month or per year);
* ``customer_time_share``: the share of a CSM's working hours left for customers. When the
  scenario lists ``internal_activities`` instead, the slider starts at the share they
  leave, and moving it replaces the list by that share;
* each segment's ``min_arr`` except the lowest segment's (it catches every account), kept
  in order: a threshold cannot pass its neighbours (:meth:`Workbench.clamp_threshold`);
* ``loaded_cost_per_year`` of a CSM; segments with their own cost move in proportion, so a
  senior Enterprise CSM keeps the same premium.
"""

from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import workload
from .book import Book
from .context import Context, load_context
from .exceptions import ScenarioError
from .formatting import money, money_short, percent
from .plan import Plan, plan
from .scenario import Scenario
from .segments import segment_sizes, threshold_cents

__all__ = [
    "Lever",
    "Levers",
    "Curve",
    "BookHistogram",
    "Workbench",
    "summary_sentence",
    "resolve_path",
    "build_workbook",
    "open_workbook",
    "Workbook",
    "SPLIT",
    "COST",
    "segment_table_html",
    "lever_css_class",
]

#: Threshold slider steps within a decade of ARR: roughly even on a log scale, round in dollars.
_MANTISSAS = (1.0, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2.0, 2.2, 2.5, 2.8, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 7.5, 8.0, 9.0)
#: Histogram bins per decade of ARR in the book chart.
BINS_PER_DECADE = 20
#: The lowest a threshold slider goes [USD/year]: below it every account is in one tier anyway.
MIN_THRESHOLD = 100.0
#: A threshold stays this far [USD/year] from its neighbours, so thresholds stay distinct.
THRESHOLD_GAP = 1.0


@dataclass(frozen=True)
class Lever:
    """One slider: ``kind`` is ``split``, ``cost``, ``threshold`` (of ``segment``) or
    ``frequency`` (of ``segment``'s touchpoint number ``touchpoint``)."""

    kind: str
    segment: str | None = None
    touchpoint: int | None = None


SPLIT = Lever("split")
COST = Lever("cost")


@dataclass(frozen=True)
class Levers:
    """Every slider's value.

    Attributes
    ----------
    customer_time_share : float
        Share of working time spent on customers, in (0, 1] [-].
    loaded_cost_per_year : float
        A CSM's loaded cost [USD/year]; segment overrides scale with it.
    min_arr : tuple of float
        Each segment's threshold, in the scenario's segment order [USD/year].
    frequencies : tuple of tuple of float or None
        Per segment (scenario order), per touchpoint: occurrences in the touchpoint's own
        unit (per month, or per year when the scenario gives ``per_year``); None for
        one-time touchpoints, which have no frequency.
    """

    customer_time_share: float
    loaded_cost_per_year: float
    min_arr: tuple[float, ...]
    frequencies: tuple[tuple[float | None, ...], ...]

    def value(self, lever: Lever, scenario: Scenario) -> float:
        """The value of one lever (``scenario`` names the segments)."""
        if lever.kind == "split":
            return self.customer_time_share
        if lever.kind == "cost":
            return self.loaded_cost_per_year
        index = _segment_index(scenario, lever.segment)
        if lever.kind == "threshold":
            return self.min_arr[index]
        if lever.kind == "frequency":
            value = self.frequencies[index][lever.touchpoint]
            if value is None:
                raise ValueError(f"touchpoint {lever.touchpoint} of {lever.segment!r} is one-time: no frequency")
            return value
        raise ValueError(f"unknown lever kind {lever.kind!r}")

    def with_value(self, lever: Lever, value: float, scenario: Scenario) -> "Levers":
        """These levers with one of them set to ``value``."""
        value = float(value)
        if lever.kind == "split":
            return replace(self, customer_time_share=value)
        if lever.kind == "cost":
            return replace(self, loaded_cost_per_year=value)
        index = _segment_index(scenario, lever.segment)
        if lever.kind == "threshold":
            mins = list(self.min_arr)
            mins[index] = value
            return replace(self, min_arr=tuple(mins))
        if lever.kind == "frequency":
            freqs = [list(f) for f in self.frequencies]
            if freqs[index][lever.touchpoint] is None:
                raise ValueError(f"touchpoint {lever.touchpoint} of {lever.segment!r} is one-time: no frequency")
            freqs[index][lever.touchpoint] = value
            return replace(self, frequencies=tuple(tuple(f) for f in freqs))
        raise ValueError(f"unknown lever kind {lever.kind!r}")


def _segment_index(scenario: Scenario, name: str | None) -> int:
    for i, seg in enumerate(scenario.segments):
        if seg.name == name:
            return i
    raise KeyError(name)


@dataclass(frozen=True)
class Curve:
    """The team across a range of one lever's values, the other levers held.

    ``headcount`` and ``cost_per_year`` are totals [people, USD/year];
    ``segment_headcount`` and ``customers_per_csm`` have one row per segment (scenario
    order) and one column per value; customers per CSM is ``inf`` where a customer needs
    no CSM time.
    """

    lever: Lever
    values: np.ndarray
    headcount: np.ndarray
    cost_per_year: np.ndarray
    segment_headcount: np.ndarray
    customers_per_csm: np.ndarray


@dataclass(frozen=True)
class BookHistogram:
    """Accounts per ARR bin, split by segment, for the book chart.

    Bins are equal in log10(ARR): ``lower`` and ``upper`` [USD/year]; the first bin
    starts at 0 so accounts without revenue are drawn too. ``counts`` has one row per
    segment (scenario order), one column per bin.
    """

    lower: np.ndarray
    upper: np.ndarray
    counts: np.ndarray

    @property
    def centers_log10(self) -> np.ndarray:
        """The middle of each bin on the chart's log10(ARR) axis."""
        low = np.log10(np.maximum(self.lower, self.upper / 10 ** (1 / BINS_PER_DECADE)))
        return (low + np.log10(self.upper)) / 2


class Workbench:
    """Everything the what-if needs that no slider changes, built once.

    Parameters
    ----------
    scenario : Scenario
    book : Book, optional
        Without one, the scenario's ``book`` file is read if it names one; else segment
        sizes come from the scenario and thresholds cannot move.
    """

    def __init__(self, scenario: Scenario | Context, book: Book | None = None):
        context = load_context(scenario, book)
        scenario, book = context.scenario, context.book
        self.context = context
        self.scenario = scenario
        self.book = book
        self.base = Levers(
            customer_time_share=scenario.csm.share,
            loaded_cost_per_year=scenario.csm.loaded_cost_per_year,
            min_arr=tuple(s.min_arr for s in scenario.segments),
            frequencies=tuple(
                tuple(None if tp.kind == "one_time" else (tp.per_month if tp.per_month is not None else tp.per_year)
                      for tp in seg.touchpoints)
                for seg in scenario.segments
            ),
        )
        self.working_hours = scenario.csm.working_hours_per_month
        self.pooled = any(s.pool_by == "vertical" for s in scenario.segments)
        self.names = tuple(s.name for s in scenario.segments)
        # Segments from the lowest threshold up: the lowest one's threshold is not a lever.
        self.order = np.argsort([s.min_arr for s in scenario.segments], kind="stable")
        if book is not None:
            self.sorted = book.sorted  # sorted once, with cumulative sums
            self._edges = _histogram_edges(self.sorted.cents)
            self._edge_index = np.searchsorted(self.sorted.cents, self._edges, side="left")
            if self.pooled:
                book.by_vertical  # noqa: B018  (sorted once per vertical, here rather than on a slider move)
        self.base_plan = self.recompute(self.base)

    # -- levers ----------------------------------------------------------------------

    @property
    def has_book(self) -> bool:
        """Whether thresholds can move (segment sizes come from accounts)."""
        return self.book is not None

    def threshold_levers(self) -> tuple[Lever, ...]:
        """One lever per segment boundary, lowest first (none without a book)."""
        if not self.has_book:
            return ()
        return tuple(Lever("threshold", self.names[i]) for i in self.order[1:])

    def frequency_levers(self, segment: str) -> tuple[Lever, ...]:
        """One lever per touchpoint of ``segment`` that has a frequency."""
        index = _segment_index(self.scenario, segment)
        return tuple(
            Lever("frequency", segment, t) for t, f in enumerate(self.base.frequencies[index]) if f is not None
        )

    def label(self, lever: Lever) -> str:
        """What a slider is called on screen."""
        if lever.kind == "split":
            return "Customer time share"
        if lever.kind == "cost":
            return "Loaded cost per CSM ($/year)"
        if lever.kind == "threshold":
            return f"{lever.segment} from ARR ($)"
        tp = self.scenario.segments[_segment_index(self.scenario, lever.segment)].touchpoints[lever.touchpoint]
        unit = "month" if tp.per_month is not None else "year"
        return f"{tp.name} (per {unit})"

    def slider_values(self, lever: Lever) -> np.ndarray:
        """Every value a slider offers, ascending, the scenario's own value among them.

        Sliders pick from these exact values (a selection slider), so opening the workbook
        never nudges a value to a step grid: a threshold of 25,000 stays 25,000. Thresholds
        share one log-ish grid (1, 1.1, 1.2 ... 9 x 10^k, from $100 up) plus the scenario's.
        """
        base = self.base.value(lever, self.scenario)
        if lever.kind == "split":
            grid = np.round(np.arange(20, 101) / 100, 2)
        elif lever.kind == "cost":
            grid = np.arange(25_000, max(400_000.0, 2 * base) + 1, 5_000, dtype=float)
        elif lever.kind == "frequency":
            tp = self.scenario.segments[_segment_index(self.scenario, lever.segment)].touchpoints[lever.touchpoint]
            high = max(4.0 if tp.per_month is not None else 12.0, 4 * base)
            step = 0.25 if high <= 8 else 1.0 if high <= 80 else 5.0
            grid = np.round(np.arange(0, high + step / 2, step), 2)
        elif lever.kind == "threshold":
            return self._threshold_grid
        else:
            raise ValueError(f"unknown lever kind {lever.kind!r}")
        return np.unique(np.append(grid, base))

    def slider_options(self, lever: Lever) -> list[tuple[str, float]]:
        """The slider's values with the readout text of each: ("67%", 0.67), ("$25,000", 25000.0)."""
        return [(_option_label(lever, float(v), self.scenario.currency), float(v)) for v in self.slider_values(lever)]

    @cached_property
    def _threshold_grid(self) -> np.ndarray:
        top = float(self.sorted.cents[-1]) / 100 if self.has_book else 0.0
        top = max([top, MIN_THRESHOLD * 10] + [float(m) for m in self.base.min_arr])
        decades = range(round(math.log10(MIN_THRESHOLD)), math.ceil(math.log10(top * 1.0001)) + 1)
        grid = [round(m * 10**d) for d in decades for m in _MANTISSAS]
        grid = [g for g in grid if MIN_THRESHOLD <= g <= 10 ** decades[-1]]
        mins = [self.base.min_arr[i] for i in self.order[1:]]
        return np.unique(np.array(grid + mins, dtype=float))

    def slider_range(self, lever: Lever, levers: Levers | None = None) -> tuple[float, float]:
        """The range a slider covers; for a threshold, the room between its neighbours."""
        if lever.kind == "threshold":
            return self._threshold_bounds(lever, self.base if levers is None else levers)
        values = self.slider_values(lever)
        return (float(values[0]), float(values[-1]))

    def _threshold_bounds(self, lever: Lever, levers: Levers) -> tuple[float, float]:
        """Lowest and highest value strictly between the neighbouring thresholds [USD/year]."""
        index = _segment_index(self.scenario, lever.segment)
        rank = int(np.flatnonzero(self.order == index)[0])
        below = levers.min_arr[self.order[rank - 1]]
        low = max(below + THRESHOLD_GAP, MIN_THRESHOLD)
        if rank + 1 < len(self.order):
            high = levers.min_arr[self.order[rank + 1]] - THRESHOLD_GAP
        else:
            high = float(self._threshold_grid[-1])
        return (low, max(high, low))

    def threshold_values(self, lever: Lever, levers: Levers) -> np.ndarray:
        """The slider's values that keep ``lever`` between its neighbours (and its current value)."""
        low, high = self._threshold_bounds(lever, levers)
        grid = self._threshold_grid
        inside = grid[(grid >= low) & (grid <= high)]
        return np.unique(np.append(inside, levers.value(lever, self.scenario)))

    def clamp_threshold(self, lever: Lever, value: float, levers: Levers) -> float:
        """The slider value nearest ``value`` that stays strictly between the neighbouring
        thresholds (so tiers keep their order); the current value if none does."""
        low, high = self._threshold_bounds(lever, levers)
        if low <= value <= high:
            return float(value)
        grid = self._threshold_grid
        inside = grid[(grid >= low) & (grid <= high)]
        if len(inside) == 0:
            return float(levers.value(lever, self.scenario))
        return float(inside[np.argmin(np.abs(np.log(inside) - math.log(max(value, MIN_THRESHOLD))))])

    # -- the plan ----------------------------------------------------------------------

    def scenario_for(self, levers: Levers) -> Scenario:
        """The scenario with the levers applied (frozen models copied, only what changed)."""
        base, scenario = self.base, self.scenario
        csm = scenario.csm
        if levers.customer_time_share != base.customer_time_share:
            csm = csm.model_copy(update={"customer_time_share": levers.customer_time_share, "internal_activities": None})
        ratio = None
        if levers.loaded_cost_per_year != base.loaded_cost_per_year:
            csm = csm.model_copy(update={"loaded_cost_per_year": levers.loaded_cost_per_year})
            if base.loaded_cost_per_year > 0:
                ratio = levers.loaded_cost_per_year / base.loaded_cost_per_year
        segments = []
        for i, seg in enumerate(scenario.segments):
            update = {}
            if levers.min_arr[i] != base.min_arr[i]:
                update["min_arr"] = levers.min_arr[i]
            if ratio is not None and seg.loaded_cost_per_year is not None:
                update["loaded_cost_per_year"] = seg.loaded_cost_per_year * ratio
            if levers.frequencies[i] != base.frequencies[i]:
                update["touchpoints"] = tuple(
                    tp if new == old else tp.model_copy(update={"per_month" if tp.per_month is not None else "per_year": new})
                    for tp, new, old in zip(seg.touchpoints, levers.frequencies[i], base.frequencies[i])
                )
            segments.append(seg.model_copy(update=update) if update else seg)
        changed = csm is not scenario.csm or any(a is not b for a, b in zip(segments, scenario.segments))
        if not changed:
            return scenario
        modified = scenario.model_copy(update={"csm": csm, "segments": tuple(segments)})
        modified._source = scenario.source
        return modified

    def recompute(self, levers: Levers) -> Plan:
        """The plan under ``levers``: :func:`capacity.plan` on :meth:`scenario_for`, with
        segment sizes from binary searches in the precomputed sorted ARR."""
        scenario = self.scenario_for(levers)
        sizes = segment_sizes(scenario, self.book, min_arr=levers.min_arr if self.has_book else None)
        # The book object (never its file) lets vertical pools count customers per vertical.
        return plan(scenario, self.book, sizes=sizes)

    # -- curves ------------------------------------------------------------------------

    def curve(self, lever: Lever, levers: Levers, values=None) -> Curve:
        """Headcount, cost and portfolio sizes across ``values`` of ``lever``, others held.

        Vectorised over the values with :mod:`capacity.workload`; equals
        :meth:`recompute` at each value (tests check it). ``values`` defaults to the
        slider's values (for a threshold, those between its neighbours).

        Returns
        -------
        Curve
        """
        if values is None:
            values = self.threshold_values(lever, levers) if lever.kind == "threshold" else self.slider_values(lever)
        values = np.asarray(values, dtype=float)
        if self.pooled:
            return self._pointwise_curve(lever, levers, values)
        scenario = self.scenario_for(levers)
        k = len(values)
        n_seg = len(scenario.segments)
        # Per segment: customers, hours per customer, program hours, cost per CSM, each (segments, values).
        if self.has_book:
            sizes = segment_sizes(scenario, self.book, min_arr=levers.min_arr)
        else:
            sizes = segment_sizes(scenario)
        customers = np.repeat(sizes.customers.astype(float)[:, None], k, axis=1)
        per_customer = np.empty((n_seg, k))
        program = np.empty((n_seg, k))
        for s, seg in enumerate(scenario.segments):
            hours_pc, hours_prog = self._touchpoint_hours(s, levers, lever, values)
            per_customer[s] = _ordered_sum(hours_pc, k)
            program[s] = _ordered_sum(hours_prog, k)
        cost_each = np.array([scenario.loaded_cost_of(s) for s in scenario.segments])[:, None] * np.ones(k)
        customer_hours = np.full(k, scenario.csm.customer_hours_per_month)
        if lever.kind == "split":
            customer_hours = workload.customer_hours_per_month(self.working_hours, values)
        elif lever.kind == "cost":
            base = self.base
            for s, seg in enumerate(self.scenario.segments):
                if seg.loaded_cost_per_year is None:
                    cost_each[s] = values
                elif base.loaded_cost_per_year > 0:
                    cost_each[s] = seg.loaded_cost_per_year * (values / base.loaded_cost_per_year)
        elif lever.kind == "threshold":
            customers = self._threshold_customers(lever, levers, values)
        fte = workload.fte(customers, per_customer, program, customer_hours)
        heads = workload.headcount(fte)
        cost = workload.annual_cost(heads, cost_each)
        return Curve(
            lever=lever,
            values=values,
            headcount=heads.sum(axis=0),
            cost_per_year=cost.sum(axis=0),
            segment_headcount=heads,
            customers_per_csm=workload.customers_per_csm(customer_hours, per_customer),
        )

    def _pointwise_curve(self, lever: Lever, levers: Levers, values: np.ndarray) -> Curve:
        """The curve by one :meth:`recompute` per value: vertical pools round up per pool,
        which the vectorised sum per segment does not model."""
        plans = [self.recompute(levers.with_value(lever, v, self.scenario)) for v in values]
        return Curve(
            lever=lever,
            values=values,
            headcount=np.array([p.totals.headcount for p in plans], dtype=np.int64),
            cost_per_year=np.array([p.totals.cost_per_year for p in plans]),
            segment_headcount=np.array([[s.headcount for s in p.segments] for p in plans], dtype=np.int64).T,
            customers_per_csm=np.array([[s.customers_per_csm for s in p.segments] for p in plans]).T,
        )

    def _touchpoint_hours(self, s: int, levers: Levers, lever: Lever, values: np.ndarray) -> tuple[list, list]:
        """Each touchpoint's hours per customer and program hours of segment ``s`` (as in
        :func:`capacity.plan.touchpoint_loads`), the moved touchpoint as an array."""
        seg = self.scenario.segments[s]
        moved = lever.touchpoint if lever.kind == "frequency" and lever.segment == seg.name else None
        per_customer, program = [], []
        for t, tp in enumerate(seg.touchpoints):
            if tp.kind == "one_time":
                hours = float(workload.one_time_hours_per_month(tp.minutes, seg.new_customer_rate))
            else:
                given = values if t == moved else levers.frequencies[s][t]
                per_month = given if tp.per_month is not None else np.divide(given, workload.MONTHS_PER_YEAR)
                hours = workload.activity_hours_per_month(tp.minutes, per_month)
                if not isinstance(hours, np.ndarray):
                    hours = float(hours)
            (program if tp.kind == "program" else per_customer).append(hours)
        return per_customer, program

    def _threshold_customers(self, lever: Lever, levers: Levers, values: np.ndarray) -> np.ndarray:
        """Customers per segment as one threshold runs over ``values`` (within its neighbours)."""
        index = _segment_index(self.scenario, lever.segment)
        mins = np.array(levers.min_arr, dtype=float)
        cents = np.repeat(threshold_cents(mins)[:, None], len(values), axis=1)
        cents[index] = threshold_cents(values)
        if not np.all(np.diff(cents[self.order], axis=0) > 0):
            raise ValueError(f"threshold values for {lever.segment!r} must stay between its neighbours")
        edges = np.searchsorted(self.sorted.cents, cents[self.order], side="left")
        edges = np.vstack([edges, np.full(len(values), len(self.sorted.cents))])
        counts_sorted = np.diff(edges, axis=0)
        counts = np.empty_like(counts_sorted)
        counts[self.order] = counts_sorted
        return counts.astype(float)

    # -- the book chart ------------------------------------------------------------------

    def histogram(self, levers: Levers) -> BookHistogram:
        """Accounts per ARR bin and segment under ``levers``' thresholds (binary searches only)."""
        if not self.has_book:
            raise ValueError("no book of accounts: nothing to draw")
        mins = np.array(levers.min_arr, dtype=float)
        tier_start = np.searchsorted(self.sorted.cents, threshold_cents(mins), side="left")
        n = len(self.sorted.cents)
        counts = np.zeros((len(mins), len(self._edges) - 1), dtype=np.int64)
        lo, hi = self._edge_index[:-1], self._edge_index[1:]
        for rank, s in enumerate(self.order):
            start = tier_start[s]
            stop = tier_start[self.order[rank + 1]] if rank + 1 < len(self.order) else n
            counts[s] = np.clip(np.minimum(hi, stop) - np.maximum(lo, start), 0, None)
        return BookHistogram(self._edges[:-1] / 100, self._edges[1:] / 100, counts)


def _ordered_sum(parts: list, k: int) -> np.ndarray:
    """Sum in list order, as :func:`capacity.plan.plan` adds touchpoints (same rounding)."""
    total = np.zeros(k)
    for part in parts:
        total = total + part
    return total


def _histogram_edges(cents: np.ndarray) -> np.ndarray:
    """Bin edges [cents]: 0, then equal steps in log10 from the smallest positive ARR up."""
    positive = cents[cents > 0]
    if len(positive) == 0:
        return np.array([0, 100], dtype=np.int64)
    low = math.floor(math.log10(max(positive[0], 100) / 100))
    high = max(math.ceil(math.log10(cents[-1] / 100 * 1.0001)), low + 1)
    exponents = np.linspace(low, high, (high - low) * BINS_PER_DECADE + 1)
    edges = np.unique(np.round(10.0 ** exponents * 100).astype(np.int64))
    edges[0] = 0
    # The last edge is above every account so the top bin holds the largest one.
    edges[-1] = max(edges[-1], int(cents[-1]) + 1)
    return edges


# -- words ---------------------------------------------------------------------------


def _customers_per_csm_text(value: float) -> str:
    if math.isinf(value):
        return "no per-customer CSM time"
    shown = f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
    return f"{shown} customers per CSM"


def summary_sentence(result: Plan, segment: str | None = None) -> str:
    """The plan as one sentence: "38 CSMs, $5.7M a year, 14% of ARR; Enterprise: 32 customers per CSM".

    Parameters
    ----------
    result : Plan
    segment : str, optional
        The segment whose portfolio size ends the sentence (default: the first).
    """
    totals = result.totals
    heads = totals.headcount
    share = totals.cost_pct_arr
    pct = percent(share, digits=0 if share is not None and share >= 0.10 else 1)
    seg = result.segment(segment) if segment is not None else result.segments[0]
    return (
        f"{heads:,} CSM{'' if heads == 1 else 's'}, {money_short(totals.cost_per_year, result.currency)} a year, "
        f"{pct} of ARR; {seg.name}: {_customers_per_csm_text(seg.customers_per_csm)}"
    )


def segment_table_html(result: Plan) -> str:
    """Headcount and cost per segment as a small HTML table (with a total row)."""
    cur = result.currency
    rows = "".join(
        f"<tr><td>{html.escape(s.name)}</td><td>{s.customers:,}</td><td>{money_short(s.arr, cur)}</td>"
        f"<td>{html.escape(_customers_per_csm_text(s.customers_per_csm).removesuffix(' customers per CSM'))}</td>"
        f"<td>{s.headcount:,}</td><td>{money_short(s.cost_per_year, cur)}</td></tr>"
        for s in result.segments
    )
    t = result.totals
    total = (
        f"<tr class='total'><th>Total</th><th>{t.customers:,}</th><th>{money_short(t.arr, cur)}</th><th></th>"
        f"<th>{t.headcount:,}</th><th>{money_short(t.cost_per_year, cur)}</th></tr>"
    )
    head = (
        "<tr><th>Segment</th><th>Accounts</th><th>ARR</th><th>Customers per CSM</th>"
        "<th>CSMs</th><th>Cost a year</th></tr>"
    )
    return f"<table class='capacity-table'>{head}{rows}{total}</table>"


# -- paths ----------------------------------------------------------------------------

_REPO = Path(__file__).resolve().parents[1]


def resolve_path(path: str | os.PathLike[str], kind: str = "scenario") -> Path:
    """Find a file named relative to wherever the notebook runs.

    Tried in order: as given (absolute, or relative to the current folder: JupyterLab
    runs a notebook in its own folder), relative to the repository's ``notebooks/``
    folder (papermill run from elsewhere), relative to the repository root.

    Raises
    ------
    ScenarioError
        When none exists, naming the places looked in.
    """
    given = Path(path).expanduser()
    candidates = [given] if given.is_absolute() else [Path.cwd() / given, _REPO / "notebooks" / given, _REPO / given]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    looked = ", ".join(str(c) for c in candidates)
    raise ScenarioError(f"{kind} file not found (looked in: {looked})", file=str(path))


# -- widgets ----------------------------------------------------------------------------

#: Segment colours, from the highest tier down (plotly's default qualitative palette).
_COLOURS = ("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880")
_GUIDE_DASH = ("dash", "dot", "dashdot", "longdash")


def lever_css_class(bench: Workbench, lever: Lever) -> str:
    """The CSS class a lever's slider carries, so a browser test can find it."""
    if lever.kind in ("split", "cost"):
        return f"capacity-lever-{lever.kind}"
    index = _segment_index(bench.scenario, lever.segment)
    if lever.kind == "threshold":
        return f"capacity-lever-threshold-{index}"
    return f"capacity-lever-frequency-{index}-{lever.touchpoint}"


def _option_label(lever: Lever, value: float, currency: str) -> str:
    """How a slider's readout shows a value: "67%", "2.5", "$25,000"."""
    if lever.kind == "split":
        return f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.2%}"
    if lever.kind in ("cost", "threshold"):
        return money(value, currency)
    return f"{value:g}"


def _finite_or_none(values: np.ndarray) -> list:
    return [float(v) if math.isfinite(v) else None for v in values]


class Workbook(widgets.VBox):
    """The what-if workbook: sliders, a summary sentence, three charts and a table.

    Built by :func:`build_workbook`. Attributes a test (or a curious user) can reach:
    ``bench`` (the :class:`Workbench`), ``levers`` and ``plan`` (current), ``sliders``
    (lever -> slider), ``segment_picker``, ``reset_button``, ``summary`` (HTML widget with
    class ``capacity-summary``), ``table``, ``note``, and the figures
    ``portfolio_figure``, ``cost_figure``, ``book_figure`` (plotly FigureWidgets whose
    traces are updated in place, never replaced).
    """

    def __init__(self, bench: Workbench):
        super().__init__()
        self.bench = bench
        self.levers = bench.base
        self.plan = bench.base_plan
        scenario = bench.scenario
        self.segment = scenario.segments[0].name
        self.cost_lever = SPLIT  # the lever the cost curve runs along: the last one moved
        self.portfolio_lever = SPLIT  # the last split or frequency lever moved
        self._holding = False

        self.sliders: dict[Lever, widgets.Widget] = {}
        self.frequency_boxes: dict[str, widgets.VBox] = {}
        for seg in scenario.segments:
            self.frequency_boxes[seg.name] = widgets.VBox(
                [self._slider(lever) for lever in bench.frequency_levers(seg.name)]
            )
        self.segment_picker = widgets.Dropdown(
            options=list(bench.names), value=self.segment, description="Segment",
            style={"description_width": "90px"},
        )
        self.segment_picker.observe(self._picked, names="value")
        self.frequency_area = widgets.VBox([self.frequency_boxes[self.segment]])
        split = self._slider(SPLIT)
        cost = self._slider(COST)
        thresholds = [self._slider(lever) for lever in reversed(bench.threshold_levers())]
        self.reset_button = widgets.Button(description="Reset to scenario", icon="undo", layout=widgets.Layout(width="180px"))
        self.reset_button.add_class("capacity-reset")
        self.reset_button.on_click(lambda _button: self.reset())
        self.note = widgets.HTML("")
        self.note.add_class("capacity-note")
        self.summary = widgets.HTML("")
        self.summary.add_class("capacity-summary")
        self.table = widgets.HTML("")
        self.table.add_class("capacity-table")

        self.portfolio_figure = self._portfolio_figure()
        self.cost_figure = self._cost_figure()
        self.book_figure = self._book_figure() if bench.has_book else None

        def heading(text: str) -> widgets.HTML:
            return widgets.HTML(f"<b>{html.escape(text)}</b>")

        controls = [
            heading("Touchpoints of a segment"), self.segment_picker, self.frequency_area,
            heading("Time split and cost"), split, cost,
        ]
        if thresholds:
            controls += [heading("Segment thresholds (ARR)"), *thresholds]
        controls += [self.reset_button, self.note]
        left = widgets.VBox(controls, layout=widgets.Layout(width="480px", min_width="420px"))
        charts = widgets.VBox(
            [_boxed(self.portfolio_figure, "capacity-chart-portfolio"), _boxed(self.cost_figure, "capacity-chart-cost")]
        )
        lower = [self.table]
        if self.book_figure is not None:
            lower = [_boxed(self.book_figure, "capacity-chart-book"), self.table]
        self.children = [self.summary, widgets.HBox([left, charts]), *lower]
        self.children = [*self.children, self._options_area()]
        self.add_class("capacity-workbook")
        self.refresh(book=True)

    # -- building ----------------------------------------------------------------------

    def _slider(self, lever: Lever) -> widgets.SelectionSlider:
        bench = self.bench
        slider = widgets.SelectionSlider(
            options=bench.slider_options(lever), value=bench.base.value(lever, bench.scenario), description=bench.label(lever),
            continuous_update=True, style={"description_width": "230px"}, layout=widgets.Layout(width="470px"),
        )
        slider.add_class("capacity-lever")
        slider.add_class(lever_css_class(bench, lever))
        slider.observe(lambda change, lever=lever: self._moved(lever, change["new"]), names="value")
        self.sliders[lever] = slider
        return slider

    def _portfolio_figure(self) -> go.FigureWidget:
        fig = go.FigureWidget()
        for i, name in enumerate(self.bench.names):
            fig.add_scatter(x=[], y=[], mode="lines", name=name, line={"color": _COLOURS[i % len(_COLOURS)]})
        fig.add_scatter(x=[], y=[], mode="markers", name="now", marker={"color": "black", "size": 9}, showlegend=False)
        fig.update_layout(
            title="Customers per CSM", height=330, width=640, margin={"l": 60, "r": 20, "t": 50, "b": 50},
            yaxis={"type": "log", "title": {"text": "customers per CSM (log)"}},
        )
        return fig

    def _cost_figure(self) -> go.FigureWidget:
        fig = go.FigureWidget(make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08))
        fig.add_scatter(x=[], y=[], mode="lines", line_shape="hv", name="bottom-up CSMs",
                        line={"color": "#636EFA"}, row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="markers", name="now", marker={"color": "black", "size": 9},
                        showlegend=False, row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="lines", line_shape="hv", name="cost a year",
                        line={"color": "#EF553B"}, row=2, col=1)
        fig.add_scatter(x=[], y=[], mode="markers", name="now", marker={"color": "black", "size": 9},
                        showlegend=False, row=2, col=1)
        for i, guide in enumerate(self.plan.top_down):
            dash = _GUIDE_DASH[i % len(_GUIDE_DASH)]
            label = f"{money_short(guide.arr_per_csm, self.plan.currency)} ARR per CSM"
            fig.add_scatter(x=[], y=[], mode="lines", name=label, line={"color": "grey", "dash": dash},
                            legendgroup=label, row=1, col=1)
            fig.add_scatter(x=[], y=[], mode="lines", name=label, line={"color": "grey", "dash": dash},
                            legendgroup=label, showlegend=False, row=2, col=1)
        fig.update_layout(title="Team size and cost", height=420, width=640,
                          margin={"l": 60, "r": 20, "t": 50, "b": 50})
        fig.update_yaxes(title_text="CSMs", row=1, col=1)
        fig.update_yaxes(title_text="cost a year", tickprefix="$", row=2, col=1)
        return fig

    def _book_figure(self) -> go.FigureWidget:
        bench = self.bench
        hist = bench.histogram(self.levers)
        centers = hist.centers_log10
        low = np.log10(np.maximum(hist.lower, hist.upper / 10 ** (1 / BINS_PER_DECADE)))
        widths = np.log10(hist.upper) - low
        fig = go.FigureWidget()
        for i, name in enumerate(bench.names):
            fig.add_bar(x=centers, y=hist.counts[i], width=widths, name=name,
                        marker={"color": _COLOURS[i % len(_COLOURS)], "line": {"width": 0}})
        for lever in bench.threshold_levers():
            fig.add_scatter(x=[], y=[], mode="lines", name=f"{lever.segment} threshold", showlegend=False,
                            line={"color": "black", "dash": "dash", "width": 1})
        decades = np.arange(math.floor(low[0]), math.ceil(np.log10(hist.upper[-1])) + 1)
        fig.update_layout(
            title="The book by ARR: accounts per band, coloured by segment", barmode="stack", bargap=0,
            height=330, width=1120, margin={"l": 60, "r": 20, "t": 50, "b": 50},
            xaxis={"title": {"text": "ARR (log scale; the first band includes accounts below it)"},
                   "tickvals": decades.tolist(),
                   "ticktext": [money_short(10.0 ** d, bench.scenario.currency) for d in decades]},
            yaxis={"title": {"text": "accounts"}},
        )
        return fig

    # -- reacting ------------------------------------------------------------------------

    def _picked(self, change) -> None:
        self.segment = change["new"]
        self.frequency_area.children = [self.frequency_boxes[self.segment]]
        self.summary.value = self._summary_html()

    def _moved(self, lever: Lever, value: float) -> None:
        if self._holding:
            return
        bench = self.bench
        note = ""
        if lever.kind == "threshold":
            kept = bench.clamp_threshold(lever, value, self.levers)
            if kept != value:
                cur = bench.scenario.currency
                low, high = bench.slider_range(lever, self.levers)
                note = (f"{lever.segment}'s threshold stays between its neighbours "
                        f"({money_short(low, cur)} to {money_short(high, cur)}); held at {money_short(kept, cur)}.")
                self._set_quietly(self.sliders[lever], kept)
                value = kept
        self.note.value = html.escape(note)
        self.levers = self.levers.with_value(lever, value, bench.scenario)
        self.cost_lever = lever
        if lever.kind in ("split", "frequency"):
            self.portfolio_lever = lever
        self.refresh(book=lever.kind == "threshold")

    def _set_quietly(self, slider: widgets.Widget, value: float) -> None:
        self._holding = True
        try:
            slider.value = value
        finally:
            self._holding = False

    def reset(self) -> None:
        """Every slider back to the scenario's value; the charts follow."""
        self._holding = True
        try:
            for lever, slider in self.sliders.items():
                slider.value = self.bench.base.value(lever, self.bench.scenario)
        finally:
            self._holding = False
        self.levers = self.bench.base
        self.cost_lever = self.portfolio_lever = SPLIT
        self.note.value = ""
        self.refresh(book=True)

    def _summary_html(self) -> str:
        return f"<span style='font-size:1.25em;font-weight:600'>{html.escape(self.summary_text)}</span>"

    @property
    def summary_text(self) -> str:
        """The summary sentence of the current plan."""
        return summary_sentence(self.plan, self.segment)

    def refresh(self, book: bool = False) -> None:
        """Recompute the plan and update every chart's traces in place (no I/O)."""
        bench = self.bench
        self.plan = bench.recompute(self.levers)
        self.summary.value = self._summary_html()
        self.table.value = segment_table_html(self.plan)
        cost_curve = bench.curve(self.cost_lever, self.levers)
        portfolio_curve = (
            cost_curve if self.portfolio_lever == self.cost_lever else bench.curve(self.portfolio_lever, self.levers)
        )
        self._draw_portfolio(portfolio_curve)
        self._draw_cost(cost_curve)
        if book and self.book_figure is not None:
            self._draw_book()

    def _axis_style(self, lever: Lever) -> dict:
        style = {"title": {"text": self.bench.label(lever)}, "type": "linear", "tickformat": "", "tickprefix": ""}
        if lever.kind == "split":
            style["tickformat"] = ".0%"
        elif lever.kind == "threshold":
            style.update(type="log", tickprefix="$")
        elif lever.kind == "cost":
            style["tickprefix"] = "$"
        return style

    def _draw_portfolio(self, curve: Curve) -> None:
        fig = self.portfolio_figure
        now = self.levers.value(curve.lever, self.bench.scenario)
        x = curve.values.tolist()
        with fig.batch_update():
            for i in range(len(self.bench.names)):
                fig.data[i].x = x
                fig.data[i].y = _finite_or_none(curve.customers_per_csm[i])
            fig.data[-1].x = [now] * len(self.plan.segments)
            fig.data[-1].y = _finite_or_none(np.array([s.customers_per_csm for s in self.plan.segments]))
            fig.layout.xaxis.update(self._axis_style(curve.lever))
            fig.layout.title.text = f"Customers per CSM as {self.bench.label(curve.lever).lower()} changes"

    def _draw_cost(self, curve: Curve) -> None:
        fig = self.cost_figure
        now = self.levers.value(curve.lever, self.bench.scenario)
        x = curve.values.tolist()
        ends = [x[0], x[-1]]
        style = self._axis_style(curve.lever)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = x, curve.headcount.tolist()
            fig.data[1].x, fig.data[1].y = [now], [self.plan.totals.headcount]
            fig.data[2].x, fig.data[2].y = x, curve.cost_per_year.tolist()
            fig.data[3].x, fig.data[3].y = [now], [self.plan.totals.cost_per_year]
            for i, guide in enumerate(self.plan.top_down):
                fig.data[4 + 2 * i].x, fig.data[4 + 2 * i].y = ends, [guide.headcount] * 2
                fig.data[5 + 2 * i].x, fig.data[5 + 2 * i].y = ends, [guide.cost_per_year] * 2
            fig.layout.xaxis2.update(style)
            fig.layout.xaxis.update(type=style["type"])
            fig.layout.title.text = f"Team size and cost across {self.bench.label(curve.lever).lower()}"

    def _draw_book(self) -> None:
        fig = self.book_figure
        hist = self.bench.histogram(self.levers)
        top = float(hist.counts.sum(axis=0).max()) if hist.counts.size else 1.0
        with fig.batch_update():
            for i in range(len(self.bench.names)):
                fig.data[i].y = hist.counts[i].tolist()
            for j, lever in enumerate(self.bench.threshold_levers()):
                at = math.log10(self.levers.value(lever, self.bench.scenario))
                trace = fig.data[len(self.bench.names) + j]
                trace.x, trace.y = [at, at], [0, top]


    # -- options: pins and a cap ---------------------------------------------------------

    def _options_area(self) -> widgets.VBox:
        """"Pin as option" keeps the sliders' state as a named column beside the baseline; a cap field
        shows the best package of the scenario's trade-off menu for that cap (:mod:`capacity.fit`)."""
        from .options import PinBoard

        self.pins = PinBoard(self.bench.base_plan)
        self.pin_name = widgets.Text(placeholder="name of the option", description="Option",
                                     style={"description_width": "60px"}, layout=widgets.Layout(width="300px"))
        self.pin_button = widgets.Button(description="Pin as option", icon="thumb-tack", layout=widgets.Layout(width="160px"))
        self.pin_button.add_class("capacity-pin")
        self.pin_button.on_click(lambda _button: self.pin())
        self.clear_pins_button = widgets.Button(description="Clear pins", icon="times", layout=widgets.Layout(width="130px"))
        self.clear_pins_button.add_class("capacity-clear-pins")
        self.clear_pins_button.on_click(lambda _button: self.clear_pins())
        self.pins_table = widgets.HTML("")
        self.pins_table.add_class("capacity-pins")
        self.cap_field = widgets.BoundedIntText(value=0, min=0, max=1_000_000, description="Headcount cap",
                                                style={"description_width": "100px"}, layout=widgets.Layout(width="220px"))
        self.cap_field.add_class("capacity-cap")
        self.cap_field.observe(lambda change: self.show_cap(change["new"]), names="value")
        self.cap_result = widgets.HTML("<i>Give the CSMs the CFO allows to see what to trade off.</i>")
        self.cap_result.add_class("capacity-cap-result")
        self._draw_pins()
        return widgets.VBox([
            widgets.HTML("<b>Options side by side</b>"),
            widgets.HBox([self.pin_name, self.pin_button, self.clear_pins_button]), self.pins_table,
            widgets.HTML("<b>What a capped team can still deliver</b> (from the scenario's trade-off menu)"),
            self.cap_field, self.cap_result,
        ])

    def pin(self, name: str | None = None) -> None:
        """Keep the sliders' current plan as a named option beside the baseline."""
        from .options import changes_from_levers

        changes = changes_from_levers(self.bench.scenario, self.bench.base, self.levers)
        self.pins = self.pins.pin(self.plan, changes, name if name is not None else self.pin_name.value)
        self.pin_name.value = ""
        self._draw_pins()

    def clear_pins(self) -> None:
        """Remove every pinned option."""
        self.pins = self.pins.cleared()
        self._draw_pins()

    def show_cap(self, headcount: int) -> None:
        """The best package of the menu for a cap of ``headcount`` CSMs (nothing for 0)."""
        from .exceptions import CapacityError
        from .fit import fit

        if not headcount:
            self.cap_result.value = "<i>Give the CSMs the CFO allows to see what to trade off.</i>"
            return
        try:
            result = fit(self.bench.context, headcount=int(headcount))
        except CapacityError as exc:
            self.cap_result.value = f"<span class='capacity-cap-error'>{html.escape(exc.message)}</span>"
            return
        self.cap_fit = result
        items = "".join(f"<li>{html.escape(line)}</li>" for line in result.sentences())
        self.cap_result.value = f"<ul>{items}</ul>"

    def _draw_pins(self) -> None:
        comparison = self.pins.comparison()
        cur = self.bench.scenario.currency
        variants = comparison.variants
        head = "".join(f"<th>{html.escape(v.name)}</th>" for v in variants)
        base = comparison.baseline.plan.totals

        def cells(values) -> str:
            return "".join(f"<td>{html.escape(v)}</td>" for v in values)

        def change(value: float, base_value: float, text) -> str:
            return "" if value == base_value else f" ({'+' if value > base_value else '-'}{text(abs(value - base_value))})"

        rows = [
            ("CSMs", [f"{v.plan.totals.headcount:,}{change(v.plan.totals.headcount, base.headcount, lambda d: f'{d:,}')}"
                      for v in variants]),
            ("Cost a year", [f"{money_short(v.plan.totals.cost_per_year, cur)}"
                             f"{change(v.plan.totals.cost_per_year, base.cost_per_year, lambda d: money_short(d, cur))}"
                             for v in variants]),
            ("Cost % of ARR", [percent(v.plan.totals.cost_pct_arr) for v in variants]),
        ]
        for name in comparison.segment_names:
            rows.append((f"{name}: customers per CSM",
                         [_customers_per_csm_text(s.customers_per_csm).removesuffix(" customers per CSM")
                          if (s := next((x for x in v.plan.segments if x.name == name), None)) else "" for v in variants]))
        body = "".join(f"<tr><th>{html.escape(label)}</th>{cells(values)}</tr>" for label, values in rows)
        self.pins_table.value = f"<table class='capacity-table'><tr><th></th>{head}</tr>{body}</table>"


def _boxed(widget: widgets.Widget, css_class: str) -> widgets.Box:
    box = widgets.Box([widget])
    box.add_class(css_class)
    return box


def build_workbook(scenario: Scenario | Context, book: Book | None = None) -> Workbook:
    """The what-if workbook for a scenario (and book): display it in a notebook.

    Everything that does not depend on a slider is computed here, once.
    """
    return Workbook(Workbench(scenario, book))


def open_workbook(scenario_path: str | os.PathLike[str], book_path: str | os.PathLike[str] | None = None) -> Workbook:
    """Read the scenario (and book) wherever the notebook runs, and build the workbook.

    A relative path is looked up as :func:`resolve_path` says; ``book_path`` overrides
    the scenario's ``book``.
    """
    context = load_context(resolve_path(scenario_path, "scenario"), resolve_path(book_path, "book") if book_path else None)
    return build_workbook(context)
