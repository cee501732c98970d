"""What a capped team can still deliver: the trade-offs that fit a headcount or budget cap.

:func:`fit` chooses from a menu of trade-offs (the scenario's ``trade_offs:``, else
:func:`default_menu`) the combination that fits the cap (total CSMs <= N, or cost a year
<= AMOUNT) and gives up the fewest customer hours a month: baseline demand hours minus the
combination's, over the whole book, with the interplay between changes included. Ties go to
fewer trade-offs, then to lower cost. At most one trade-off of a ``group`` is taken.

The optimum is exact over the menu, not greedy:

* A trade-off that only sets numbers on touchpoints (``per_month``, ``per_year``, ``minutes``)
  that no trade-off of another group touches is *linear*: it changes a segment's hours per
  customer and program hours by fixed amounts, so the segment's FTE is linear in the choices.
  Segments interact only through the cap. These choices are a mixed-integer programme
  (``scipy.optimize.milp``, HiGHS): a binary per trade-off, at most one per group, an integer
  headcount per segment (per vertical pool) at or above its FTE, the cap on their sum (or their
  cost), solved lexicographically in two stages: the hours given up; then, among packages within
  :data:`TIE_HOURS` of the fewest, the number of trade-offs and the cost, with a trade-off weighing
  more than any cost within the cap can differ (an exact integer weight).
* Adopting an automation a touchpoint lists (:mod:`capacity.model.automation`; every automation not
  yet adopted is on the menu beside the trade-offs, named as itself) is linear too: it takes a fixed
  share of the touchpoint's CSM hours off its segment, gives up no customer hour (software delivers
  them) and adds its tooling, a fixed amount a year, to the cost the budget caps and the ties compare.
  With a budget, automations and trade-offs are chosen together, by the same programme.
* Every other trade-off (thresholds that move customers between segments, coverage, the time
  split, anything not linear) is enumerated: each combination of them is applied with
  :meth:`~capacity.inputs.scenario.Scenario.with_changes` and planned, and the programme above is solved on top of it.
* The chosen package is evaluated by :func:`capacity.analysis.options.variant_plan` (with_changes and
  plan): every number reported comes from that plan. A package the plan finds over the cap
  (rounding at a whole CSM) is cut off and the search repeated; so are the packages already
  found when looking for the next best ones.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from capacity import formatting as fmt
from capacity.inputs import keypath
from capacity.formulas import workload
from capacity.inputs.context import Context, load_context
from capacity.exceptions import CapacityError, FitError
from capacity.analysis.options import demand_hours_per_month, variant_plan
from capacity.formulas.payback import tooling_cost
from capacity.model import automation
from capacity.model.plan import Plan, plan, touchpoint_loads
from capacity.inputs.scenario import Scenario, TradeOff
from capacity.model.segments import threshold_cents

__all__ = [
    "Cap", "SegmentFit", "CoverageMove", "Package", "Fit", "fit", "default_menu", "combination_changes",
    "parse_budget", "menu_yaml", "is_adoption", "TIE_HOURS", "MAX_ENUMERATED",
]

#: Hours given up [h/month] within this of each other are a tie (then fewer trade-offs win).
TIE_HOURS = 1e-6
#: Combinations of non-linear trade-offs enumerated at most (each is one plan).
MAX_ENUMERATED = 4096
#: How far a threshold of the default menu is raised: by a fifth, to two significant figures.
THRESHOLD_STEP = 1.2
#: The default menu's frequency cuts: (fraction of today's frequency, how the name says it).
FREQUENCY_CUTS = ((0.75, "at 3/4"), (0.5, "at half"))
#: Coverage from the most to the least CSM time per account.
COVERAGE_RANK = {"dedicated": 2, "pooled": 1, "digital": 0}
_NUMERIC_KEYS = ("per_month", "per_year", "minutes")
#: The setting of a linear menu item that adopts a touchpoint's automation (or leaves it out).
_ADOPTED = "automation.adopted"
# The programme's headcount rows allow this much below the FTE (the plan's own ceiling tolerance);
# whatever HiGHS accepts beyond it is caught when the package is planned.
_FTE_TOLERANCE = 1e-9


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cap:
    """The CFO's limit: ``headcount`` CSMs, or ``budget`` a year (exactly one is given)."""

    headcount: int | None = None
    budget: float | None = None

    def __post_init__(self) -> None:
        if (self.headcount is None) == (self.budget is None):
            raise FitError("give a headcount cap or a budget cap, not both or neither", where="cap")
        if self.headcount is not None and (isinstance(self.headcount, bool) or not isinstance(self.headcount, int)
                                           or self.headcount < 0):
            raise FitError(f"must be a whole number of CSMs, 0 or more (got {self.headcount!r})", where="--headcount")
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget >= 0):
            raise FitError(f"must be an amount of 0 or more (got {self.budget!r})", where="--budget")

    def fits(self, plan: Plan) -> bool:
        """Whether ``plan`` is within the cap: its CSMs, or its cost a year with adopted tooling."""
        if self.headcount is not None:
            return plan.totals.headcount <= self.headcount
        return plan.totals.cost_with_tooling_per_year <= self.budget * (1 + 1e-12)

    def text(self, currency: str) -> str:
        if self.headcount is not None:
            return f"{self.headcount:,} CSM{'' if self.headcount == 1 else 's'}"
        return f"{fmt.money_short(self.budget, currency)} a year"

    @property
    def flag(self) -> str:
        """The command-line option that sets it, with its value."""
        return f"--headcount {self.headcount}" if self.headcount is not None else f"--budget {self.budget:g}"

    def to_dict(self) -> dict:
        return {"headcount": self.headcount, "budget": self.budget}


@dataclass(frozen=True)
class CoverageMove:
    """Accounts that a package moves to lower-touch coverage (from one segment's coverage to another's)."""

    from_segment: str
    from_coverage: str
    to_segment: str
    to_coverage: str
    accounts: int
    arr: float


@dataclass(frozen=True)
class SegmentFit:
    """One segment before and after a package; hours are customer hours a month [h/month]."""

    name: str
    coverage_before: str
    coverage: str
    customers_before: int
    customers: int
    headcount_before: int
    headcount: int
    cost_per_year_before: float
    cost_per_year: float
    customer_hours_per_month_before: float
    customer_hours_per_month: float
    customer_hours_given_up_per_month: float
    accounts_to_lower_touch: int
    arr_to_lower_touch: float


@dataclass(frozen=True)
class Package:
    """A combination of trade-offs, with the plan it gives (every number below comes from it)."""

    chosen: tuple[str, ...]
    changes: dict
    plan: Plan = field(repr=False)
    customer_hours_given_up_per_month: float
    segments: tuple[SegmentFit, ...]
    moves: tuple[CoverageMove, ...]

    @property
    def headcount(self) -> int:
        return self.plan.totals.headcount

    @property
    def cost_per_year(self) -> float:
        """The CSMs' loaded cost a year."""
        return self.plan.totals.cost_per_year

    @property
    def tooling_cost_per_year(self) -> float:
        """The tooling of the automations adopted (by the package, or already by the scenario) a year."""
        return self.plan.totals.tooling_cost_per_year

    @property
    def cost_with_tooling_per_year(self) -> float:
        """What a budget cap limits and ties compare: CSMs and tooling a year."""
        return self.plan.totals.cost_with_tooling_per_year

    def summary_dict(self) -> dict:
        return {"chosen": list(self.chosen), "changes": dict(self.changes), "headcount": self.headcount,
                "cost_per_year": self.cost_per_year, "tooling_cost_per_year": self.tooling_cost_per_year,
                "customer_hours_given_up_per_month": self.customer_hours_given_up_per_month}


@dataclass(frozen=True)
class Fit:
    """The answer to "what does this cap buy": the best package and the next two best.

    ``nothing_needed`` is true when the plan already fits; ``best`` is then the plan itself,
    with no trade-off chosen. ``default_menu`` says the menu was built by :func:`default_menu`.
    """

    cap: Cap
    baseline: Plan = field(repr=False)
    menu: tuple[TradeOff, ...]
    default_menu: bool
    best: Package
    alternatives: tuple[Package, ...]
    nothing_needed: bool

    @property
    def trade_offs(self) -> tuple[TradeOff, ...]:
        """The menu without its automations: the trade-offs (what ``menu_yaml`` prints to copy and edit)."""
        return tuple(item for item in self.menu if not is_adoption(item))

    def to_dict(self) -> dict:
        """The CLI's ``--json``."""
        best = self.best
        return {
            "cap": self.cap.to_dict(),
            "chosen": list(best.chosen),
            "changes": dict(best.changes),
            "headcount": best.headcount,
            "cost_per_year": best.cost_per_year,
            "tooling_cost_per_year": best.tooling_cost_per_year,
            "customer_hours_given_up_per_month": best.customer_hours_given_up_per_month,
            "segments": [asdict(s) for s in best.segments],
            "alternatives": [p.summary_dict() for p in self.alternatives],
        }

    def to_frame(self) -> pd.DataFrame:
        """The best package's segments, one row each (index: name)."""
        return pd.DataFrame([asdict(s) for s in self.best.segments]).set_index("name")

    def packages_frame(self) -> pd.DataFrame:
        """The best package and the alternatives, one row each."""
        rows = []
        for rank, package in enumerate((self.best, *self.alternatives), start=1):
            rows.append({"rank": rank, "trade_offs": "; ".join(package.chosen) or "(none)",
                         "count": len(package.chosen), "headcount": package.headcount,
                         "cost_per_year": package.cost_per_year, "tooling_cost_per_year": package.tooling_cost_per_year,
                         "customer_hours_given_up_per_month": package.customer_hours_given_up_per_month})
        return pd.DataFrame(rows)

    def sentences(self) -> list[str]:
        """The answer in words a CFO reads."""
        cur = self.baseline.currency
        base = self.baseline.totals
        best = self.best
        cap = self.cap.text(cur)
        if self.nothing_needed:
            return [f"The plan needs {base.headcount:,} CSMs at {fmt.money_short(base.cost_per_year, cur)} a year: "
                    f"it fits {cap} as it stands, so nothing needs to go."]
        out = [f"To fit {cap}, make {len(best.chosen)} change{'s' if len(best.chosen) != 1 else ''}: "
               + "; ".join(best.chosen) + "."]
        share = fmt.percent(best.plan.totals.cost_pct_arr)
        tooling = (f" plus {fmt.money_short(best.tooling_cost_per_year, cur)} of tooling"
                   if best.tooling_cost_per_year else "")
        before = (f" plus {fmt.money_short(base.tooling_cost_per_year, cur)} of tooling"
                  if base.tooling_cost_per_year else "")
        out.append(f"The team is then {best.headcount:,} CSMs (from {base.headcount:,}) at "
                   f"{fmt.money_short(best.cost_per_year, cur)} a year{tooling} "
                   f"(from {fmt.money_short(base.cost_per_year, cur)}{before}), {share} of ARR.")
        total = sum(demand_hours_per_month(s) for s in self.baseline.segments)
        given = [f"{s.name} {s.customer_hours_given_up_per_month:,.0f}" for s in best.segments
                 if round(s.customer_hours_given_up_per_month) != 0]
        out.append(f"Customers get {best.customer_hours_given_up_per_month:,.0f} fewer CSM hours a month "
                   f"({fmt.percent(workload.safe_ratio(best.customer_hours_given_up_per_month, total))} of "
                   f"{total:,.0f})" + (": " + ", ".join(given) + "." if given else "."))
        if best.moves:
            accounts = sum(m.accounts for m in best.moves)
            arr = sum(m.arr for m in best.moves)
            parts = [f"{m.accounts:,} from {m.from_segment} ({m.from_coverage}) to {m.to_segment} ({m.to_coverage})"
                     for m in best.moves]
            out.append(f"{accounts:,} accounts with {fmt.money_short(arr, cur)} of ARR move to lower-touch coverage: "
                       + "; ".join(parts) + ".")
        else:
            out.append("No account moves to lower-touch coverage.")
        for rank, alt in enumerate(self.alternatives, start=2):
            tooling = (f" plus {fmt.money_short(alt.tooling_cost_per_year, cur)} of tooling"
                       if alt.tooling_cost_per_year else "")
            out.append(f"Next best ({rank}): {'; '.join(alt.chosen)}: {alt.headcount:,} CSMs, "
                       f"{fmt.money_short(alt.cost_per_year, cur)} a year{tooling}, "
                       f"{alt.customer_hours_given_up_per_month:,.0f} customer hours a month given up.")
        return out


# -- the menu -------------------------------------------------------------------------------------


def _bracket(name: str, index: int, names: list[str]) -> str:
    if "]" in name or name.strip() != name or name.isdigit() or names.count(name) != 1:
        return str(index)
    return name


def _round_up_two_figures(value: float) -> float:
    if value <= 0:
        return value
    scale = 10 ** (math.floor(math.log10(value)) - 1)
    return float(math.ceil(round(value / scale, 9)) * scale)


def default_menu(scenario: Scenario, has_book: bool = True) -> tuple[TradeOff, ...]:
    """A menu built from the scenario, for a cap without ``trade_offs:``.

    Each recurring and inbound touchpoint with a frequency at 3/4 and at half of it (one group per
    touchpoint: at most one of the two is taken); with a book, each segment's threshold but the
    lowest raised by a fifth (rounded up to two significant figures) while it stays below the next
    one (its accounts move to the segment below).
    """
    menu: list[TradeOff] = []
    names = [s.name for s in scenario.segments]
    for i, seg in enumerate(scenario.segments):
        where = f"segments[{_bracket(seg.name, i, names)}]"
        tp_names = [tp.name for tp in seg.touchpoints]
        for t, tp in enumerate(seg.touchpoints):
            if tp.kind not in ("recurring", "inbound"):
                continue
            key = "per_month" if tp.per_month is not None else "per_year"
            value = getattr(tp, key)
            if not value:
                continue
            group = f"{seg.name}: {tp.name}"
            for fraction, words in FREQUENCY_CUTS:
                new = round(value * fraction, 6)
                unit = "a month" if key == "per_month" else "a year"
                menu.append(TradeOff(name=f"{group} {words} ({new:g} {unit})"[:200], group=group[:200],
                                     changes={f"{where}.touchpoints[{_bracket(tp.name, t, tp_names)}].{key}": new}))
    if has_book:
        ordered = sorted(range(len(scenario.segments)), key=lambda k: scenario.segments[k].min_arr)
        for rank, i in enumerate(ordered[1:], start=1):
            seg = scenario.segments[i]
            new = _round_up_two_figures(seg.min_arr * THRESHOLD_STEP)
            above = ordered[rank + 1] if rank + 1 < len(ordered) else None
            if above is not None and threshold_cents(new) >= threshold_cents(scenario.segments[above].min_arr):
                continue
            if new <= seg.min_arr:
                continue
            below = scenario.segments[ordered[rank - 1]].name
            group = f"{seg.name} threshold"
            menu.append(TradeOff(
                name=f"{seg.name} from {fmt.money_short(new, scenario.currency)} of ARR (the rest to {below})"[:200],
                group=group[:200], changes={f"segments[{_bracket(seg.name, i, names)}].min_arr": new}))
    return tuple(menu)


def menu_yaml(menu: Sequence[TradeOff]) -> str:
    """The menu as a ``trade_offs:`` block to copy into the scenario file and edit."""
    import yaml

    items = []
    for item in menu:
        entry: dict[str, Any] = {"name": item.name}
        if item.group is not None:
            entry["group"] = item.group
        entry["changes"] = dict(item.changes)
        items.append(entry)
    return yaml.safe_dump({"trade_offs": items}, sort_keys=False, allow_unicode=True, width=10_000)


def is_adoption(item: TradeOff) -> bool:
    """Whether a menu item only adopts automations (:func:`capacity.model.automation.menu`)."""
    return bool(item.changes) and all(str(path).endswith(".automation.adopted") for path in item.changes)


def combination_changes(menu: Sequence[TradeOff], chosen: Sequence[int]) -> dict:
    """The changes of the chosen trade-offs, merged in menu order (a later one wins on a shared key)."""
    merged: dict = {}
    for k in sorted(chosen):
        merged.update(menu[k].changes)
    return merged


_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_budget(text: str) -> float:
    """A budget as the command line takes it: ``2100000``, ``2.1M`` or ``900k`` [currency a year].

    Raises
    ------
    FitError
        For anything else (``2,100,000`` could be read two ways, so it is refused).
    """
    match = _AMOUNT.match(str(text))
    if match is None:
        raise FitError(f"must be an amount a year such as 2100000, 2.1M or 900k (got {text!r})", where="--budget")
    scale = {"": 1.0, "k": 1e3, "m": 1e6}[match.group(2).lower()]
    value = float(match.group(1)) * scale
    if value > 1e12:
        raise FitError(f"must be at most 1,000,000,000,000 (got {text!r})", where="--budget")
    return value


# -- the search ------------------------------------------------------------------------------------


@dataclass
class _Linear:
    """A linear trade-off: the touchpoints it sets, per segment index: {touchpoint index: {key: value}}
    (a key of :data:`_NUMERIC_KEYS`, or :data:`_ADOPTED`)."""

    index: int
    settings: dict[int, dict[int, dict[str, Any]]]


def _is_adoption(shape: list, value: Any) -> bool:
    """Whether a change's steps set ``segments[i].touchpoints[j].automation.adopted`` to true or false."""
    return (len(shape) == 6 and shape[0] == "segments" and shape[1] is None and shape[2] == "touchpoints"
            and shape[3] is None and shape[4] == "automation" and shape[5] == "adopted" and isinstance(value, bool))


def _classify(scenario: Scenario, menu: Sequence[TradeOff]) -> tuple[list[_Linear], list[int]]:
    """Split the menu into linear trade-offs and the rest (see the module docstring)."""
    linear: dict[int, _Linear] = {}
    paths: dict[int, list[tuple]] = {}
    for k, item in enumerate(menu):
        steps_all = []
        settings: dict[int, dict[int, dict[str, float]]] = {}
        ok = True
        for path, value in item.changes.items():
            steps = tuple((s.key, s.index) for s in keypath.resolve(scenario, path).steps)
            steps_all.append(steps)
            shape = [s[0] for s in steps]
            if _is_adoption(shape, value):
                if scenario.segments[steps[1][1]].touchpoints[steps[3][1]].automation is None:
                    ok = False  # with_changes refuses it; the enumeration reports the error
                    continue
                settings.setdefault(steps[1][1], {}).setdefault(steps[3][1], {})[_ADOPTED] = value
                continue
            if not (len(steps) == 5 and shape[0] == "segments" and shape[1] is None and shape[2] == "touchpoints"
                    and shape[3] is None and shape[4] in _NUMERIC_KEYS
                    and isinstance(value, (int, float)) and not isinstance(value, bool)):
                ok = False
                continue
            settings.setdefault(steps[1][1], {}).setdefault(steps[3][1], {})[shape[4]] = float(value)
        paths[k] = steps_all
        if ok:
            linear[k] = _Linear(k, settings)
    group = _groups(menu)
    # A touchpoint set by trade-offs of two groups: the hours multiply or override, so neither is linear.
    touched: dict[tuple[int, int], set[int]] = {}
    for k, item in linear.items():
        for s, tps in item.settings.items():
            for t in tps:
                touched.setdefault((s, t), set()).add(k)
    coupled: set[int] = set()
    for owners in touched.values():
        if len({group[k] for k in owners}) > 1:
            coupled |= owners
    for k in range(len(menu)):
        if k in linear:
            continue
        for steps in paths[k]:
            for j, item in linear.items():
                if group[j] == group[k]:
                    continue
                for s, tps in item.settings.items():
                    for t in tps:
                        unit = (("segments", None), ("", s), ("touchpoints", None), ("", t))
                        if _overlaps(steps, unit):
                            coupled.add(j)
    linear_items = [item for k, item in linear.items() if k not in coupled]
    others = [k for k in range(len(menu)) if k not in linear or k in coupled]
    return linear_items, others


def _overlaps(steps: tuple, unit: tuple) -> bool:
    """Whether a path lies inside the touchpoint ``unit`` or contains it (segment and touchpoint indexes)."""
    def norm(path):
        return tuple(key if key is not None else ("#", index) for key, index in path)

    a = norm(steps)
    b = tuple(("#", u[1]) if u[0] == "" else u[0] for u in unit)
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _groups(menu: Sequence[TradeOff]) -> list[Any]:
    """Each trade-off's group: its ``group``, else a group of its own."""
    return [item.group if item.group is not None else ("alone", k) for k, item in enumerate(menu)]


def _non_linear_combinations(others: list[int], group: list[Any]):
    """Every combination of the non-linear trade-offs with at most one per group."""
    by_group: dict[Any, list[int]] = {}
    for k in others:
        by_group.setdefault(group[k], []).append(k)
    choices = [[None, *members] for members in by_group.values()]
    count = math.prod(len(c) for c in choices)
    if count > MAX_ENUMERATED:
        raise FitError(f"the menu has {len(others)} trade-offs that are not linear in touchpoint numbers "
                       f"(thresholds, coverage, time split...), {count:,} combinations of them, more than the "
                       f"{MAX_ENUMERATED:,} this search plans one by one; group them or list fewer", where="trade_offs")
    for pick in itertools.product(*choices):
        yield tuple(sorted(k for k in pick if k is not None))


@dataclass
class _Model:
    """The linear programme on top of one combination of non-linear trade-offs."""

    fixed: tuple[int, ...]
    plan: Plan
    lin: list[int]  # menu indexes of the binaries
    coef_fte: np.ndarray  # (units, binaries): FTE change of each unit per binary
    base_fte: np.ndarray  # (units,)
    unit_cost: np.ndarray  # (units,)
    hours_saved: np.ndarray  # (binaries,): customer hours a month each binary takes away
    fixed_given_up: float  # hours given up by the fixed trade-offs
    groups: list[list[int]]  # binary positions per group
    tooling: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (binaries,): tooling a year each adds
    fixed_tooling: float = 0.0  # tooling a year of the plan under the fixed trade-offs
    cuts: list[tuple[int, ...]] = field(default_factory=list)  # binary positions of excluded packages


def _segment_hours(seg) -> tuple[float, float, float, float]:
    """CSM hours per customer and program hours of a segment a month, then the same delivered to
    customers (CSM hours plus what adopted software delivers)."""
    loads = touchpoint_loads(seg)
    manual = seg.model_copy(update={"touchpoints": tuple(tp.model_copy(update={"automation": None})
                                                         for tp in seg.touchpoints)})
    delivered = touchpoint_loads(manual)
    return (float(sum(t.hours_per_customer_per_month for t in loads)),
            float(sum(t.program_hours_per_month for t in loads)),
            float(sum(t.hours_per_customer_per_month for t in delivered)),
            float(sum(t.program_hours_per_month for t in delivered)))


def _updated(touchpoint, values: dict):
    """A touchpoint with a linear item's settings applied (numbers, or its automation adopted)."""
    numbers = {k: v for k, v in values.items() if k != _ADOPTED}
    if _ADOPTED in values:
        numbers["automation"] = touchpoint.automation.model_copy(update={"adopted": values[_ADOPTED]})
    return touchpoint.model_copy(update=numbers)


def _item_tooling(seg, tps: dict, customers: int) -> float:
    """The tooling a year a linear item adds to a segment (adopting automations), or takes off (leaving them out)."""
    total = 0.0
    for t, values in tps.items():
        if _ADOPTED not in values:
            continue
        tool = seg.touchpoints[t].automation
        cost = float(tooling_cost(tool.cost_per_year or 0.0, tool.cost_per_account_per_year or 0.0, customers))
        if values[_ADOPTED] and not tool.adopted:
            total += cost
        elif not values[_ADOPTED] and tool.adopted:
            total -= cost
    return total


def _model(context: Context, menu, linear: list[_Linear], fixed: tuple[int, ...], group, base_hours: float) -> _Model | None:
    taken_groups = {group[k] for k in fixed}
    try:
        plan = _evaluate(context, menu, fixed)
    except CapacityError:
        return None  # a combination that cannot be planned (a threshold leaving accounts below every tier)
    scenario = context.with_changes(combination_changes(menu, fixed)).scenario
    ch = plan.csm.customer_hours_per_month
    units: list[tuple[int, float, float]] = []  # (segment index, customers, program share)
    for s, seg in enumerate(plan.segments):
        if seg.pools:
            for pool in seg.pools:
                units.append((s, pool.customers, float(workload.pool_share(pool.customers, seg.customers))))
        else:
            units.append((s, seg.customers, 1.0))
    free = [item for item in linear if group[item.index] not in taken_groups]
    coef = np.zeros((len(units), len(free)))
    saved = np.zeros(len(free))
    tooling = np.zeros(len(free))
    for j, item in enumerate(free):
        for s, tps in item.settings.items():
            seg = scenario.segments[s]
            touchpoints = list(seg.touchpoints)
            for t, values in tps.items():
                touchpoints[t] = _updated(touchpoints[t], values)
            hpc0, prog0, given0, given_prog0 = _segment_hours(seg)
            changed = seg.model_copy(update={"touchpoints": tuple(touchpoints)})
            hpc1, prog1, given1, given_prog1 = _segment_hours(changed)
            for u, (us, customers, share) in enumerate(units):
                if us == s:
                    change = customers * (hpc1 - hpc0) + share * (prog1 - prog0)
                    coef[u, j] += change / ch
            # Customer hours: software delivers what it takes over, so adopting it gives up none.
            saved[j] -= plan.segments[s].customers * (given1 - given0) + (given_prog1 - given_prog0)
            tooling[j] += _item_tooling(seg, tps, plan.segments[s].customers)
    base_fte = np.zeros(len(units))
    for u, (s, customers, share) in enumerate(units):
        seg = plan.segments[s]
        base_fte[u] = (customers * seg.hours_per_customer_per_month + share * seg.program_hours_per_month) / ch
    cost = np.array([plan.segments[s].loaded_cost_per_year for s, _, _ in units])
    by_group: dict[Any, list[int]] = {}
    for j, item in enumerate(free):
        by_group.setdefault(group[item.index], []).append(j)
    fixed_given_up = base_hours - sum(demand_hours_per_month(s) for s in plan.segments)
    return _Model(fixed, plan, [item.index for item in free], coef, base_fte, cost, saved, fixed_given_up,
                  [g for g in by_group.values() if len(g) > 1], tooling, plan.totals.tooling_cost_per_year)


def _solve(model: _Model, cap: Cap, objective: str, hours_max: float | None = None, count_max: int | None = None):
    """One stage of the programme: (objective value, binaries chosen) or None when infeasible.

    ``objective`` is ``hours`` (given up, including the fixed trade-offs'), ``count`` (trade-offs,
    fixed included), ``count_cost`` (trade-offs, then cost: the value is the pair), ``cost`` [a year]
    or ``headcount``; ``cap`` None leaves the cap out (not for ``count_cost``).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    nb, nu = len(model.lin), len(model.base_fte)
    size = nb + nu
    rows, lower, upper = [], [], []

    def row(coefficients_x=None, coefficients_n=None, lo=-np.inf, hi=np.inf):
        r = np.zeros(size)
        if coefficients_x is not None:
            r[:nb] = coefficients_x
        if coefficients_n is not None:
            r[nb:] = coefficients_n
        rows.append(r)
        lower.append(lo)
        upper.append(hi)

    for u in range(nu):  # n_u - sum_j coef[u, j] x_j >= base_fte[u] - tolerance
        n = np.zeros(nu)
        n[u] = 1.0
        row(-model.coef_fte[u], n, lo=model.base_fte[u] - _FTE_TOLERANCE)
    if cap is not None:
        if cap.headcount is not None:
            row(None, np.ones(nu), hi=cap.headcount)
        else:
            row(model.tooling, model.unit_cost, hi=cap.budget - model.fixed_tooling)
    for members in model.groups:
        x = np.zeros(nb)
        x[members] = 1.0
        row(x, None, hi=1.0)
    for cut in model.cuts:  # sum_{j in cut} (1 - x_j) + sum_{j not in cut} x_j >= 1
        x = np.ones(nb)
        x[list(cut)] = -1.0
        row(x, None, lo=1.0 - len(cut))
    if hours_max is not None:
        row(model.hours_saved, None, hi=hours_max - model.fixed_given_up)
    if count_max is not None:
        row(np.ones(nb), None, hi=count_max - len(model.fixed))
    c = np.zeros(size)
    if objective == "hours":
        c[:nb] = model.hours_saved
    elif objective == "count":
        c[:nb] = 1.0
    elif objective == "cost":
        c[:nb] = model.tooling
        c[nb:] = model.unit_cost
    elif objective == "count_cost":
        # Fewer trade-offs first, then lower cost (tooling included), in one programme: a trade-off weighs
        # more than any cost within the cap can differ.
        most = (cap.budget if cap.budget is not None else
                cap.headcount * float(np.max(model.unit_cost, initial=0.0)) + float(np.abs(model.tooling).sum()))
        c[:nb] = most + 1.0 + model.tooling
        c[nb:] = model.unit_cost
    else:
        c[nb:] = 1.0
    top = np.concatenate([np.ones(nb), np.full(nu, np.inf)])
    constraints = [LinearConstraint(np.array(rows), lower, upper)] if rows else []
    result = milp(c, integrality=np.ones(size), bounds=Bounds(np.zeros(size), top), constraints=constraints,
                  options={"mip_rel_gap": 0.0})
    if result.status != 0 or result.x is None:
        return None
    x = np.round(result.x[:nb]).astype(int)
    chosen = tuple(int(j) for j in np.flatnonzero(x))
    if objective == "hours":
        return model.fixed_given_up + float(model.hours_saved[list(chosen)].sum()), chosen
    if objective == "count":
        return len(model.fixed) + len(chosen), chosen
    if objective == "count_cost":
        heads = np.round(result.x[nb:])
        return (len(model.fixed) + len(chosen),
                float(model.unit_cost @ heads) + float(model.tooling[list(chosen)].sum()) + model.fixed_tooling), chosen
    if objective == "cost":
        return float(result.fun) + model.fixed_tooling, chosen
    return float(result.fun), chosen


def _lexicographic(models: list[_Model], cap: Cap, first: dict):
    """The best (model, binaries) over every model: fewest hours given up, then fewest trade-offs, then cost.

    ``first`` keeps each model's first stage (hours) between calls; a model whose cuts changed is
    dropped from it by the caller.
    """
    for m in models:
        if id(m) not in first:
            first[id(m)] = _solve(m, cap, "hours")
    stage = [(m, first[id(m)]) for m in models if first[id(m)] is not None]
    if not stage:
        return None
    hours = min(r[0] for _, r in stage) + TIE_HOURS
    second = [(m, _solve(m, cap, "count_cost", hours_max=hours)) for m, r in stage if r[0] <= hours]
    second = [(m, r) for m, r in second if r is not None]
    model, (_, chosen) = min(second, key=lambda mr: mr[1][0])
    return model, chosen


def _evaluate(context: Context, menu, chosen: Sequence[int]) -> Plan:
    try:
        return variant_plan(context, combination_changes(menu, chosen))
    except CapacityError as exc:
        names = "; ".join(menu[k].name for k in sorted(chosen))
        raise type(exc)(f"with {names}: {exc.message}", file=exc.file, where=exc.where) from None


def _package(context: Context, baseline: Plan, menu, chosen: Sequence[int], plan: Plan) -> Package:
    base_hours = sum(demand_hours_per_month(s) for s in baseline.segments)
    segments = []
    moves = _coverage_moves(context, menu, chosen, baseline, plan)
    aligned = list(zip(baseline.segments, plan.segments)) if len(baseline.segments) == len(plan.segments) else [
        (b, plan.segment(b.name)) for b in baseline.segments]
    for before, after in aligned:
        leaving = [m for m in moves if m.from_segment == before.name]
        h0, h1 = demand_hours_per_month(before), demand_hours_per_month(after)
        segments.append(SegmentFit(
            before.name, before.coverage, after.coverage, before.customers, after.customers, before.headcount,
            after.headcount, before.cost_per_year, after.cost_per_year, h0, h1, h0 - h1,
            sum(m.accounts for m in leaving), float(sum(m.arr for m in leaving))))
    given_up = base_hours - sum(demand_hours_per_month(s) for s in plan.segments)
    return Package(tuple(menu[k].name for k in sorted(chosen)), combination_changes(menu, chosen), plan, given_up,
                   tuple(segments), moves)


def _coverage_moves(context: Context, menu, chosen, baseline: Plan, plan: Plan) -> tuple[CoverageMove, ...]:
    """Accounts whose coverage is lower-touch under the package than in the plan, by (from, to) segment."""
    before = context.scenario
    after = context.with_changes(combination_changes(menu, chosen)).scenario
    if len(before.segments) != len(after.segments):
        return ()
    found: dict[tuple[int, int], list] = {}
    book = context.book
    if book is None:
        for s, (b, a) in enumerate(zip(before.segments, after.segments)):
            if COVERAGE_RANK[a.coverage] < COVERAGE_RANK[b.coverage]:
                seg = baseline.segments[s]
                found[(s, s)] = [seg.customers, seg.arr]
    else:
        old = threshold_cents([s.min_arr for s in before.segments])
        new = threshold_cents([s.min_arr for s in after.segments])
        bounds = np.unique(np.concatenate([old, new]))
        counts, sums = book.sorted.between(bounds)
        old_order, new_order = np.argsort(old, kind="stable"), np.argsort(new, kind="stable")
        for lower, count, total in zip(bounds, counts, sums):
            if count == 0:
                continue
            at_old = np.searchsorted(old[old_order], lower, side="right") - 1
            at_new = np.searchsorted(new[new_order], lower, side="right") - 1
            if at_old < 0 or at_new < 0:
                continue
            b, a = int(old_order[at_old]), int(new_order[at_new])
            if COVERAGE_RANK[after.segments[a].coverage] < COVERAGE_RANK[before.segments[b].coverage]:
                entry = found.setdefault((b, a), [0, 0])
                entry[0] += int(count)
                entry[1] += int(total)
        found = {k: [v[0], v[1] / 100] for k, v in found.items()}
    return tuple(
        CoverageMove(before.segments[b].name, before.segments[b].coverage, after.segments[a].name,
                     after.segments[a].coverage, int(v[0]), float(v[1]))
        for (b, a), v in sorted(found.items()))


def fit(context: Context | Any, headcount: int | None = None, budget: float | None = None,
        menu: Sequence[TradeOff] | None = None, alternatives: int = 2) -> Fit:
    """The trade-offs that fit a cap and give up the fewest customer hours, and the next best packages.

    Parameters
    ----------
    context : Context
        The scenario and its book (a path or scenario is loaded).
    headcount : int, optional
        Total CSMs at most.
    budget : float, optional
        Cost a year at most [the scenario's currency]. Give ``headcount`` or ``budget``.
    menu : sequence of TradeOff, optional
        Default: the scenario's ``trade_offs``, else :func:`default_menu`; then every automation not yet
        adopted (:func:`capacity.model.automation.menu`). A menu given is used as it is.
    alternatives : int
        How many next best distinct packages to find (fewer when fewer fit).

    Returns
    -------
    Fit

    Raises
    ------
    FitError
        When no combination of the menu fits the cap, saying the fewest CSMs (or the lowest cost) it reaches.
    """
    context = load_context(context)
    cap = Cap(headcount=headcount, budget=budget)
    scenario = context.scenario
    baseline = plan(context)
    is_default = menu is None and not scenario.trade_offs
    if menu is None:
        menu = (*(scenario.trade_offs or default_menu(scenario, has_book=context.book is not None)),
                *automation.menu(scenario))
    menu = tuple(menu)
    if cap.fits(baseline):
        package = _package(context, baseline, menu, (), baseline)
        return Fit(cap, baseline, menu, is_default, package, (), True)
    base_hours = sum(demand_hours_per_month(s) for s in baseline.segments)
    group = _groups(menu)
    linear, others = _classify(scenario, menu)
    models = [m for fixed in _non_linear_combinations(others, group)
              if (m := _model(context, menu, linear, fixed, group, base_hours)) is not None]
    found: list[Package] = []
    first: dict = {}
    while len(found) < 1 + alternatives:
        best = _lexicographic(models, cap, first)
        if best is None:
            break
        model, binaries = best
        chosen = tuple(sorted((*model.fixed, *(model.lin[j] for j in binaries))))
        model.cuts.append(binaries)
        first.pop(id(model))
        candidate = _evaluate(context, menu, chosen)
        if cap.fits(candidate):
            found.append(_package(context, baseline, menu, chosen, candidate))
    if not found:
        raise _out_of_reach(context, cap, menu, models, baseline)
    return Fit(cap, baseline, menu, is_default, found[0], tuple(found[1:]), False)


def _out_of_reach(context: Context, cap: Cap, menu, models: list[_Model], baseline: Plan) -> FitError:
    """The error for a cap no combination reaches: the fewest CSMs (or lowest cost) the menu gets to."""
    cur = baseline.currency
    objective = "headcount" if cap.headcount is not None else "cost"
    best = None
    for model in models:
        model.cuts.clear()
        result = _solve(model, None, objective)
        if result is not None and (best is None or result[0] < best[0][0]):
            best = (result, model)
    plan = baseline
    chosen: tuple[int, ...] = ()
    if best is not None:
        (_, binaries), model = best
        chosen = tuple(sorted((*model.fixed, *(model.lin[j] for j in binaries))))
        plan = _evaluate(context, menu, chosen)
    tooling = plan.totals.tooling_cost_per_year
    reach = (f"{plan.totals.headcount:,} CSMs ({fmt.money_short(plan.totals.cost_per_year, cur)} a year"
             + (f" plus {fmt.money_short(tooling, cur)} of tooling)" if tooling else ")")
             if cap.headcount is not None else
             f"{fmt.money_short(plan.totals.cost_with_tooling_per_year, cur)} a year ({plan.totals.headcount:,} CSMs"
             + (" and tooling)" if tooling else ")"))
    automations = {item.name for item in automation.menu(context.scenario)}
    noun = "trade-offs and automations" if any(item.name in automations for item in menu) else "trade-offs"
    taking = f"taking {len(chosen)} of its {len(menu)} {noun}" if chosen else "with no trade-off helping"
    return FitError(f"the trade-off menu cannot fit {cap.text(cur)} (the plan needs {baseline.totals.headcount:,} CSMs, "
                    f"{fmt.money_short(baseline.totals.cost_per_year, cur)} a year); the best it reaches is {reach}, "
                    f"{taking}", file=context.source, where=cap.flag)
