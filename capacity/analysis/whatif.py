"""The what-if model: slider values a CS leader moves, and the plan, curves and sentence they give.

No widgets here (:mod:`capacity.views.widgets` draws them), so the numbers are tested without a
browser. A :class:`Workbench` is built once per context (scenario and book) and precomputes
what no slider changes (the book's sorted ARR, the histogram bins). Every slider is a knob of
:mod:`capacity.model.knobs`; :class:`Levers` holds their values. :meth:`Workbench.scenario_for` is
the scenario with the levers applied through :meth:`~capacity.inputs.scenario.Scenario.with_changes`,
:meth:`Workbench.recompute` its plan (the same :func:`capacity.model.plan` as everywhere), and
:meth:`Workbench.curve` sizes the team across a slider's whole range in one call of the
sizing core (:mod:`capacity.model.sizing`), vertical pools included.

How each slider maps onto the scenario (see each knob kind for the rule):

* a touchpoint's frequency, in the unit the scenario gives it (per month or per year);
* ``customer_time_share``: the share of a CSM's working hours left for customers. When the
  scenario lists ``internal_activities`` instead, the slider starts at the share they
  leave, and moving it replaces the list by that share;
* each segment's ``min_arr`` except the lowest segment's (it catches every account), kept
  in order: a threshold cannot pass its neighbours (:meth:`Workbench.clamp_threshold`);
* ``loaded_cost_per_year`` of a CSM; segments with their own cost move in proportion, so a
  senior Enterprise CSM keeps the same premium;
* each automation a touchpoint lists: the share of its minutes (or inbound questions) software
  takes over, 0 leaving it out; above 0 its tooling is counted (hire or automate,
  :class:`capacity.model.knobs.AutomationShare`).
* a touchpoint at renewal's ``offset_days``: it moves the calendar (:meth:`Workbench.calendar`, today's
  book month by month), not the team.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from capacity.inputs.book import Book
from capacity.inputs.context import Context, load_context
from capacity.exceptions import ScenarioError
from capacity.formatting import money, money_short, percent
from capacity.model.calendar import BookCalendar, book_calendar, has_calendar
from capacity.model.knobs import MIN_THRESHOLD, Knob, find, slider_knobs
from capacity.model.plan import Plan, plan
from capacity.inputs.scenario import Scenario
from capacity.model.segments import threshold_cents
from capacity.model.sizing import size, variants

__all__ = [
    "Levers",
    "Curve",
    "BookHistogram",
    "Workbench",
    "summary_sentence",
    "option_label",
    "resolve_path",
]

#: Histogram bins per decade of ARR in the book chart.
BINS_PER_DECADE = 20
#: A threshold stays this far [USD/year] from its neighbours, so thresholds stay distinct.
THRESHOLD_GAP = 1.0


@dataclass(frozen=True)
class Levers:
    """Every slider's value: one per knob of a :class:`Workbench`'s ``knobs``, in that order.

    Attributes
    ----------
    knobs : tuple of Knob
        The sliders' knobs (each with the scenario's value as ``knob.value``).
    values : tuple of float
        Each knob's value now, in the knob's unit.
    base_min_arr : tuple of float
        Every segment's threshold in the scenario (the lowest has no slider).
    """

    knobs: tuple[Knob, ...]
    values: tuple[float, ...]
    base_min_arr: tuple[float, ...]

    @classmethod
    def of(cls, scenario: Scenario, knobs: tuple[Knob, ...]) -> "Levers":
        """The scenario's own values."""
        return cls(knobs, tuple(k.value for k in knobs), tuple(s.min_arr for s in scenario.segments))

    def _index(self, knob: Knob) -> int:
        for i, k in enumerate(self.knobs):
            if k.path == knob.path:
                return i
        raise KeyError(knob.path)

    def value(self, knob: Knob) -> float:
        """The value of one slider."""
        return self.values[self._index(knob)]

    def with_value(self, knob: Knob, value: float) -> "Levers":
        """These levers with one of them set to ``value``."""
        values = list(self.values)
        values[self._index(knob)] = float(value)
        return replace(self, values=tuple(values))

    @property
    def min_arr(self) -> tuple[float, ...]:
        """Each segment's threshold under these levers, in scenario order."""
        mins = list(self.base_min_arr)
        for knob, value in zip(self.knobs, self.values):
            if knob.kind == "threshold":
                mins[knob.segment] = value
        return tuple(mins)

    def changes(self) -> dict:
        """What :meth:`~capacity.inputs.scenario.Scenario.with_changes` takes for the sliders moved off the
        scenario's values."""
        out: dict = {}
        for knob, value in zip(self.knobs, self.values):
            if value != knob.value:
                out.update(knob.changes(value))
        return out


@dataclass(frozen=True)
class Curve:
    """The team across a range of one lever's values, the other levers held.

    ``headcount`` and ``cost_per_year`` are totals [people, USD/year] (cost: the CSMs'),
    ``tooling_cost_per_year`` the adopted automations' tooling [USD/year];
    ``segment_headcount`` and ``customers_per_csm`` have one row per segment (scenario
    order) and one column per value; customers per CSM is ``inf`` where a customer needs
    no CSM time.
    """

    lever: Knob
    values: np.ndarray
    headcount: np.ndarray
    cost_per_year: np.ndarray
    segment_headcount: np.ndarray
    customers_per_csm: np.ndarray
    tooling_cost_per_year: np.ndarray | None = None

    @property
    def cost_with_tooling_per_year(self) -> np.ndarray:
        """What CS costs at each value: the CSMs and the tooling [USD/year]."""
        if self.tooling_cost_per_year is None:
            return self.cost_per_year
        return self.cost_per_year + self.tooling_cost_per_year


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
    scenario : Context, Scenario, dict or path
    book : Book or path, optional
        Without one, the scenario's book is read if it names one (:func:`capacity.inputs.context.load_context`);
        else segment sizes come from the scenario and thresholds cannot move.
    """

    def __init__(self, scenario: Scenario | Context, book: Book | None = None):
        self.context = load_context(scenario, book)
        self.scenario = scenario = self.context.scenario
        self.book = book = self.context.book
        self.names = tuple(s.name for s in scenario.segments)
        # Segments from the lowest threshold up: the lowest one's threshold is not a lever.
        self.order = np.argsort([s.min_arr for s in scenario.segments], kind="stable")
        found = slider_knobs(scenario)
        lowest = int(self.order[0])
        thresholds = {k.segment: k for k in found if k.kind == "threshold"}
        keep = [k for k in found if k.kind not in ("threshold",)]
        if book is not None:
            keep += [thresholds[int(s)] for s in self.order[1:] if int(s) in thresholds and int(s) != lowest]
        self.knobs: tuple[Knob, ...] = tuple(keep)
        self.base = Levers.of(scenario, self.knobs)
        self._last: tuple[str, Context] | None = None
        if book is not None:
            self.sorted = book.sorted  # sorted once, with cumulative sums
            self._edges = _histogram_edges(self.sorted.cents)
            self._edge_index = np.searchsorted(self.sorted.cents, self._edges, side="left")
            if any(s.pool_by == "vertical" for s in scenario.segments):
                book.by_vertical  # noqa: B018  (sorted once per vertical, here rather than on a slider move)
        self.base_plan = self.recompute(self.base)

    # -- levers ----------------------------------------------------------------------

    @property
    def has_book(self) -> bool:
        """Whether thresholds can move (segment sizes come from accounts)."""
        return self.book is not None

    def knob(self, kind: str, segment: str | None = None, touchpoint: int | None = None) -> Knob:
        """The slider's knob of a kind (``time_split``, ``cost``, ``threshold``, ``frequency``), by segment name
        and touchpoint index."""
        wanted = find(self.scenario, kind, segment, touchpoint)
        for knob in self.knobs:
            if knob.path == wanted.path:
                return knob
        raise KeyError((kind, segment, touchpoint))

    def threshold_levers(self) -> tuple[Knob, ...]:
        """One slider per segment boundary, lowest first (none without a book)."""
        return tuple(k for k in self.knobs if k.kind == "threshold")

    def frequency_levers(self, segment: str) -> tuple[Knob, ...]:
        """One slider per touchpoint of ``segment`` that has a frequency."""
        index = self.names.index(segment)
        return tuple(k for k in self.knobs if k.kind == "frequency" and k.segment == index)

    def timing_levers(self, segment: str) -> tuple[Knob, ...]:
        """One slider per touchpoint of ``segment`` at renewal: its days from the renewal date (the calendar's anchor)."""
        index = self.names.index(segment)
        return tuple(k for k in self.knobs if k.kind == "offset" and k.segment == index)

    def label(self, knob: Knob) -> str:
        """What a slider is called on screen."""
        return knob.short_label

    def slider_values(self, knob: Knob) -> np.ndarray:
        """Every value a slider offers, ascending, the scenario's own value among them.

        Sliders pick from these exact values (a selection slider), so opening the workbook
        never nudges a value to a step grid: a threshold of 25,000 stays 25,000. Thresholds
        share one log-ish grid (1, 1.1, 1.2 ... 9 x 10^k, from $100 up) plus the scenario's.
        """
        if knob.kind == "threshold":
            return self._threshold_grid
        return knob.grid()

    def slider_options(self, knob: Knob) -> list[tuple[str, float]]:
        """The slider's values with the readout text of each: ("67%", 0.67), ("$25,000", 25000.0)."""
        return [(option_label(knob, float(v), self.scenario.currency), float(v)) for v in self.slider_values(knob)]

    @cached_property
    def _threshold_grid(self) -> np.ndarray:
        from capacity.model.knobs import KINDS

        top = float(self.sorted.cents[-1]) / 100 if self.has_book else 0.0
        mins = [self.base.base_min_arr[i] for i in self.order[1:]]
        top = max([top] + [float(m) for m in self.base.base_min_arr])
        grid = KINDS["threshold"].grid(self.threshold_levers()[0], top) if self.threshold_levers() else np.array([])
        return np.unique(np.append(grid, mins))

    def slider_range(self, knob: Knob, levers: Levers | None = None) -> tuple[float, float]:
        """The range a slider covers; for a threshold, the room between its neighbours."""
        if knob.kind == "threshold":
            return self._threshold_bounds(knob, self.base if levers is None else levers)
        values = self.slider_values(knob)
        return (float(values[0]), float(values[-1]))

    def _threshold_bounds(self, knob: Knob, levers: Levers) -> tuple[float, float]:
        """Lowest and highest value strictly between the neighbouring thresholds [USD/year]."""
        rank = int(np.flatnonzero(self.order == knob.segment)[0])
        mins = levers.min_arr
        below = mins[self.order[rank - 1]]
        low = max(below + THRESHOLD_GAP, MIN_THRESHOLD)
        if rank + 1 < len(self.order):
            high = mins[self.order[rank + 1]] - THRESHOLD_GAP
        else:
            high = float(self._threshold_grid[-1])
        return (low, max(high, low))

    def threshold_values(self, knob: Knob, levers: Levers) -> np.ndarray:
        """The slider's values that keep ``knob`` between its neighbours (and its current value)."""
        low, high = self._threshold_bounds(knob, levers)
        grid = self._threshold_grid
        inside = grid[(grid >= low) & (grid <= high)]
        return np.unique(np.append(inside, levers.value(knob)))

    def clamp_threshold(self, knob: Knob, value: float, levers: Levers) -> float:
        """The slider value nearest ``value`` that stays strictly between the neighbouring
        thresholds (so tiers keep their order); the current value if none does."""
        low, high = self._threshold_bounds(knob, levers)
        if low <= value <= high:
            return float(value)
        grid = self._threshold_grid
        inside = grid[(grid >= low) & (grid <= high)]
        if len(inside) == 0:
            return float(levers.value(knob))
        return float(inside[np.argmin(np.abs(np.log(inside) - math.log(max(value, MIN_THRESHOLD))))])

    # -- the plan ----------------------------------------------------------------------

    def scenario_for(self, levers: Levers) -> Scenario:
        """The scenario with the levers applied (:meth:`~capacity.inputs.scenario.Scenario.with_changes`; the
        scenario itself if none moved)."""
        return self.scenario.with_changes(levers.changes())

    def context_for(self, levers: Levers) -> Context:
        """The scenario under ``levers`` with the loaded book; the last one is kept, so that the plan and the
        calendar of one slider move are computed once."""
        key = repr(sorted(levers.changes().items()))
        if self._last is None or self._last[0] != key:
            self._last = (key, Context(self.scenario_for(levers), self.book))
        return self._last[1]

    def recompute(self, levers: Levers) -> Plan:
        """The plan under ``levers``: :func:`capacity.model.plan` on :meth:`scenario_for` with the loaded book."""
        return plan(self.context_for(levers))

    @property
    def has_calendar(self) -> bool:
        """Whether the scenario dates some work (``at``, ``spread_months``), so the months differ."""
        return has_calendar(self.scenario)

    def calendar(self, levers: Levers) -> BookCalendar:
        """Today's book under ``levers`` with the plan's hours placed in the months they fall
        (:func:`capacity.model.calendar.book_calendar`): the month axis of the what-if."""
        return book_calendar(self.context_for(levers))

    def calendar_capacity(self, result: Plan) -> float:
        """The customer hours a month of the plan's CSMs, all of them (the steady state sizes at full use) [h/month]."""
        return float(result.totals.headcount * result.csm.customer_hours_per_month)

    @property
    def can_simulate(self) -> bool:
        """Whether the scenario says what is uncertain about its fiscal year (``fiscal_year`` and ``uncertainty``)."""
        return self.scenario.fiscal_year is not None and self.scenario.uncertainty is not None

    def fiscal_range(self, levers: Levers):
        """The fiscal year under ``levers`` as P10 / P50 / P90 (:func:`capacity.analysis.simulate.simulate`), on demand:
        a simulation is seconds of work, not a slider's."""
        from capacity.analysis.simulate import simulate

        return simulate(Context(self.scenario_for(levers), self.book))

    # -- curves ------------------------------------------------------------------------

    def curve(self, knob: Knob, levers: Levers, values=None) -> Curve:
        """Headcount, cost and portfolio sizes across ``values`` of ``knob``, the other levers held.

        One call of the sizing core over every value (:meth:`~capacity.model.knobs.Knob.apply`); equals
        :meth:`recompute` at each value (tests check it). ``values`` defaults to the slider's
        values (for a threshold, those between its neighbours).

        Returns
        -------
        Curve
        """
        if values is None:
            values = self.threshold_values(knob, levers) if knob.kind == "threshold" else self.slider_values(knob)
        values = np.asarray(values, dtype=float)
        if any(seg.inbound_service is not None for seg in self.scenario.segments):
            # The core sizes inbound work by its hours; a queue staffs whole agents (capacity.formulas.queueing): plan by plan.
            plans = [self.recompute(levers.with_value(knob, v)) for v in values]
            return Curve(
                lever=knob,
                values=values,
                headcount=np.array([p.totals.headcount for p in plans], dtype=np.int64),
                cost_per_year=np.array([p.totals.cost_per_year for p in plans]),
                segment_headcount=np.array([[s.headcount for s in p.segments] for p in plans], dtype=np.int64).T,
                customers_per_csm=np.array([[s.customers_per_csm for s in p.segments] for p in plans]).T,
                tooling_cost_per_year=np.array([p.totals.tooling_cost_per_year for p in plans]),
            )
        rows = variants(self.scenario_for(levers), self.book)
        sized = size(knob.apply(rows, values))
        return Curve(
            lever=knob,
            values=values,
            headcount=sized.total_headcount,
            cost_per_year=sized.total_cost,
            segment_headcount=sized.headcount.T,
            customers_per_csm=sized.customers_per_csm.T,
            tooling_cost_per_year=sized.total_tooling,
        )

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
    tooling = (f" and {money_short(totals.tooling_cost_per_year, result.currency)} of tooling"
               if totals.tooling_cost_per_year else "")
    return (
        f"{heads:,} CSM{'' if heads == 1 else 's'}, {money_short(totals.cost_per_year, result.currency)} a year"
        f"{tooling}, "
        f"{pct} of ARR; {seg.name}: {_customers_per_csm_text(seg.customers_per_csm)}"
    )


def option_label(knob: Knob, value: float, currency: str) -> str:
    """How a slider's readout shows a value: "67%", "2.5", "$25,000"."""
    if knob.kind in ("time_split", "service_level", "automation"):
        return f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.2%}"
    if knob.kind in ("cost", "threshold"):
        return money(value, currency)
    return f"{value:g}"


# -- paths ----------------------------------------------------------------------------


def resolve_path(path: str | os.PathLike[str], kind: str = "scenario") -> Path:
    """The file ``path`` names, absolute: as given, or relative to the current folder.

    JupyterLab and Voila run a notebook in its own folder; papermill in the folder it is started
    from (or its ``--cwd``). Nothing is looked up anywhere else: a name that could mean two files
    is never guessed at.

    Raises
    ------
    ScenarioError
        When there is no such file, naming where it was looked for.
    """
    given = Path(path).expanduser()
    candidate = given if given.is_absolute() else Path.cwd() / given
    if candidate.is_file():
        return candidate.resolve()
    raise ScenarioError(f"{kind} file not found (looked in: {candidate})", file=str(path))


