"""Book building: the moves that balance today's team, always an answer, with a reason for each move.

Each CSM's load is the hours a month of their accounts (as in :mod:`capacity.analysis.team`)
against their customer hours. Three objectives, in order (lexicographic; each stated in the
output with its value, its bound and whether it is proven):

1. **Hours within the band** ``[min, max]`` utilization; when no assignment fits it, the
   smallest worst overload (in points of utilization above ``max``; and then the smallest
   worst shortfall below ``min``), and how many CSMs the band needs.
2. **The least move cost**: each move costs 1 plus the account's ARR over its segment's
   average (``weighted``, the default: a bigger relationship costs more to move), or one per
   account, its ARR or its hours.
3. **Balance** across the CSMs of each segment: of hours, of ARR, of renewals in each quarter
   of the year (``renewal_date``) and of at-risk accounts (``health``); the model minimises the sum of
   their relative mean absolute deviations (linear, 0 exactly when the team is even), and the
   output gives each measure's coefficient of variation and max/min ratio before and after.

They are solved one after another (preemptive, not weighted): each stage is an integer
program (``scipy.optimize.milp``, HiGHS) whose constraints keep the earlier stages at their
optimum, up to the tolerances ``overload_tolerance`` (points of utilization) and
``move_tolerance`` (share of the least move cost spent on balance). One program with weights
would be exact only with weights so far apart that HiGHS's tolerances blur them; in sequence
each optimum is exact to the solver's gap, which is reported.

What must not move: accounts ``locked`` in the book, accounts renewing within ``freeze_days``
of ``as_of`` (:mod:`capacity.analysis.book_rules`), and a ``parent_account_id`` hierarchy moves
whole or not at all (a hierarchy split between CSMs today stays as it is unless it moves
whole to one CSM). Accounts of pooled and digital segments do not move (a pooled segment is
one team; a digital one has no CSMs). Each CSM may carry the segments (and vertical pools)
they carry today, or those their rule in the scenario's ``csms:`` list names, within its
verticals and maximum number of accounts; a CSM with a ``leave`` date hands their whole book
over (locks and freezes do not keep an account with someone who leaves), and a new hire's
accounts move from their ``start`` month as they ramp. Accounts without an owner are assigned.

The model, with ``x[i, o] = 1`` when item ``i`` (an account, or a hierarchy) takes option
``o`` (a CSM, or for a hierarchy split today, staying as it is)::

    sum_o x[i, o] = 1                                                for every item i
    load_c <= (max_c + z_k) cap_c,   load_c >= (min_c - y_k) cap_c   for every CSM c of component k
    accounts_c <= max_accounts_c

``max_c`` is the band's top, or the load that the CSM's locked and frozen accounts alone
already make (an overload no move can cure is not blamed on the others); ``z_k`` and ``y_k``
are a component's (CSMs linked by the accounts they may exchange) worst overload and shortfall.

Large books are solved on the accounts that can matter (those of CSMs out of the band, of the
CSMs at the extremes of each balance measure, and every account that must move); the others
stay, and the move cost's gap is measured against a bound that holds for the whole book.
"""

from __future__ import annotations

import datetime
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.analysis import book_rules
from capacity.analysis.team import AccountLoads, account_loads, book_of, target_utilization, utilization
from capacity.exceptions import RebalanceInfeasible, ScenarioError
from capacity.formulas.balance import coefficient_of_variation, max_min_ratio, relative_mean_absolute_deviation
from capacity.inputs.book import Book
from capacity.inputs.scenario import RebalanceSettings, Scenario, load_scenario

__all__ = ["Assignment", "Move", "CSMBook", "Objective", "Fairness", "Shortage", "Rebalance", "solve_assignment",
           "rebalance", "MOVE_COSTS", "move_bound", "move_weights", "write_moves", "write_book", "MOVES_COLUMNS"]

#: What a move costs: 1 + ARR over the segment's average ARR, one per account, its ARR [USD/year] or its hours [h/month].
MOVE_COSTS = ("weighted", "accounts", "arr", "hours")
#: Above this many (item, CSM) options the model is built on the items that can matter.
FULL_MODEL_PAIRS = 40_000
#: The move list's columns, as a CRM import takes them.
MOVES_COLUMNS = ("account_id", "account_name", "from_csm", "to_csm", "reason", "effective_date")
_TOLERANCE = 1e-7
#: Ramp of a new hire without fiscal_year.ramp_months or their own ramp_months.
DEFAULT_RAMP_MONTHS = 3


# -- the integer program core -----------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """The solver's answer: the chosen pair of every account, objective, status and gap."""

    chosen: np.ndarray | None     # index into the pairs, one per account; None without a solution
    objective: float | None
    dual_bound: float | None
    status: str                   # "optimal", "time_limit" (a solution, not proven), "infeasible", "no_solution"
    gap: float | None


def solve_assignment(account: np.ndarray, unit: np.ndarray, weight: np.ndarray, cost: np.ndarray, n_accounts: int,
                     lower: np.ndarray, upper: np.ndarray, *, time_limit: float | None = None,
                     rel_gap: float = 1e-9) -> Assignment:
    """Minimise the cost of assigning every account to one unit, each unit's weight within its bounds.

    ``min sum_p cost_p x_p`` over binary ``x`` with ``sum_{p: account_p = a} x_p = 1`` for every
    account ``a`` and ``lower_u <= sum_{p: unit_p = u} weight_p x_p <= upper_u`` for every unit
    ``u`` (``-inf`` / ``inf`` for no bound): the generalized assignment problem (Ross and Soland
    1975) with lower bounds, solved by ``scipy.optimize.milp`` (HiGHS branch and cut).

    Parameters
    ----------
    account, unit : array of int
        The candidate pairs ``(account_p, unit_p)``.
    weight, cost : array of float
        What pair ``p`` loads on its unit, and what choosing it costs.
    n_accounts : int
    lower, upper : array of float
        Each unit's bounds on its load.
    time_limit : float, optional
        Seconds HiGHS may take; the best solution found is returned with its gap.
    rel_gap : float
        Relative optimality gap at which HiGHS stops.
    """
    from scipy import sparse

    n = len(account)
    if n_accounts == 0:
        return Assignment(np.zeros(0, dtype=np.int64), 0.0, 0.0, "optimal", 0.0)
    if n == 0 or len(np.unique(account)) < n_accounts:
        return Assignment(None, None, None, "infeasible", None)
    columns = np.arange(n)
    assign = sparse.csr_array((np.ones(n), (account, columns)), shape=(n_accounts, n))
    bounded = np.flatnonzero(np.isfinite(lower) | np.isfinite(upper))
    row_of = np.full(len(lower), -1)
    row_of[bounded] = np.arange(len(bounded))
    keep = row_of[unit] >= 0
    load = sparse.csr_array((weight[keep], (row_of[unit[keep]], columns[keep])), shape=(len(bounded), n))
    blocks = [assign] + ([load] if len(bounded) else [])
    lo = np.concatenate([np.ones(n_accounts)] + ([lower[bounded]] if len(bounded) else []))
    hi = np.concatenate([np.ones(n_accounts)] + ([upper[bounded]] if len(bounded) else []))
    solved = _milp(np.asarray(cost, dtype=float), sparse.vstack(blocks).tocsr(), lo, hi, np.ones(n), np.zeros(n),
                   np.ones(n), time_limit, rel_gap)
    if solved.x is None:
        return Assignment(None, None, solved.dual_bound, solved.status, None)
    x = solved.x > 0.5
    chosen = np.full(n_accounts, -1, dtype=np.int64)
    chosen[account[x]] = columns[x]
    return Assignment(chosen, float(cost[x].sum()), solved.dual_bound, solved.status, solved.gap)


@dataclass(frozen=True)
class _Solved:
    x: np.ndarray | None
    objective: float | None
    dual_bound: float | None
    status: str
    gap: float | None


def _milp(c, A, lo, hi, integrality, lb, ub, time_limit, rel_gap) -> _Solved:
    """One call of HiGHS through ``scipy.optimize.milp``."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    options = {"disp": False, "mip_rel_gap": rel_gap}
    if time_limit is not None:
        options["time_limit"] = float(max(time_limit, 0.5))
    constraints = [LinearConstraint(A, lo, hi)] if A.shape[0] else []
    result = milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=constraints, options=options)
    dual = getattr(result, "mip_dual_bound", None)
    dual = None if dual is None or not np.isfinite(dual) else float(dual)
    if result.x is None:
        return _Solved(None, None, dual, "infeasible" if result.status == 2 else "no_solution", None)
    gap = getattr(result, "mip_gap", None)
    return _Solved(np.asarray(result.x), float(result.fun), dual, "optimal" if result.status == 0 else "time_limit",
                   None if gap is None or not np.isfinite(gap) else float(gap))


#: Above this many binary columns a stage is solved by its linear relaxation first (see :func:`_solve_mip`),
#: and stops once within this share of the relaxation's bound.
LP_FIRST_COLUMNS = 6_000
LP_FIRST_GAP = 5e-3


def _lp(c, A, lo, hi, lb, ub, time_limit) -> _Solved:
    """A linear program by HiGHS's interior point method with crossover (a basic solution): much faster than
    the simplex method on the balance stage's degenerate programs."""
    from scipy import sparse
    from scipy.optimize import linprog

    equal = np.isfinite(lo) & np.isfinite(hi) & (np.abs(hi - lo) <= 1e-12 * np.maximum(1.0, np.abs(lo)))
    upper = np.isfinite(hi) & ~equal
    lower = np.isfinite(lo) & ~equal
    A = sparse.csr_array(A)
    A_ub = sparse.vstack([A[upper], -A[lower]]).tocsr()
    b_ub = np.concatenate([hi[upper], -lo[lower]])
    result = linprog(c, A_ub=A_ub if A_ub.shape[0] else None, b_ub=b_ub if A_ub.shape[0] else None,
                     A_eq=A[equal] if equal.any() else None, b_eq=lo[equal] if equal.any() else None,
                     bounds=np.column_stack([lb, ub]), method="highs-ipm",
                     options={"time_limit": float(max(time_limit, 0.5)), "disp": False})
    if result.status == 0:
        return _Solved(np.asarray(result.x), float(result.fun), float(result.fun), "optimal", 0.0)
    return _Solved(None, None, None, "infeasible" if result.status == 2 else "no_solution", None)


def _solve_mip(c, A, lo, hi, integrality, lb, ub, seconds, rel_gap, item_of, interior: bool = True) -> _Solved:
    """A stage's integer program; a large one through its linear relaxation first.

    The relaxation (one LP) bounds the optimum from below; its solution is integral but for a few items
    (a basic solution of an assignment problem has at most as many fractional items as it has load
    rows). Items the relaxation places whole keep that option; HiGHS then decides the rest. The answer
    is feasible for the whole stage, and its gap is measured against the relaxation's bound. When
    fixing leaves nothing feasible, the items that share a CSM with the undecided ones are freed too,
    and as a last resort the whole program is solved.
    """
    n = len(c)
    binary = np.flatnonzero(integrality > 0)
    clock = time.perf_counter()
    if len(binary) <= LP_FIRST_COLUMNS:
        return _milp(c, A, lo, hi, integrality, lb, ub, seconds, rel_gap)
    relaxed = (_lp(c, A, lo, hi, lb, ub, seconds * 0.5) if interior else
               _milp(c, A, lo, hi, np.zeros(n), lb, ub, seconds * 0.5, rel_gap))
    if relaxed.x is None:
        if relaxed.status == "infeasible":
            return relaxed
        return _milp(c, A, lo, hi, integrality, lb, ub, max(0.5, seconds - (time.perf_counter() - clock)), rel_gap)
    bound = relaxed.objective
    x = relaxed.x
    fractional = binary[(x[binary] > 1e-6) & (x[binary] < 1 - 1e-6)]
    if len(fractional) == 0:
        return _Solved(x.round(9), float(c @ x), bound, "optimal", 0.0)
    undecided = np.unique(item_of[fractional])
    best: _Solved | None = None
    good_enough = max(rel_gap, LP_FIRST_GAP)

    def gap_of(value: float) -> float:
        if value <= bound + 1e-7 + 1e-9 * abs(bound):
            return 0.0
        return (value - bound) / abs(value) if value else 0.0

    # Free first the options the relaxation uses, then every option of the undecided items, then every item
    # that shares a CSM with them; keep the best answer, and stop once it is within the gap.
    for attempt in range(3):
        if time.perf_counter() - clock > seconds:
            break
        if attempt == 2 and best is not None and best.gap <= 0.02:
            break  # freeing every neighbour costs more than it usually gains
        free = np.isin(item_of[binary], undecided)
        if attempt == 0:
            free &= x[binary] > 1e-6
        if attempt == 2:
            touched = np.unique(A[:, fractional].tocsc().indices)
            cols = np.unique(A[touched].tocsr().indices)
            cols = cols[np.isin(cols, binary)]
            free = np.isin(item_of[binary], np.unique(np.concatenate([undecided, item_of[cols]])))
        lb2, ub2 = lb.copy(), ub.copy()
        pinned = binary[~free]
        lb2[pinned] = np.where(x[pinned] > 0.5, 1.0, 0.0)
        ub2[pinned] = lb2[pinned]
        left = max(0.5, seconds - (time.perf_counter() - clock))
        solved = _milp(c, A, lo, hi, integrality, lb2, ub2, left * (0.5 if attempt < 2 else 1.0), rel_gap)
        if solved.x is not None and (best is None or solved.objective < best.objective):
            gap = gap_of(solved.objective)
            best = _Solved(solved.x, solved.objective, bound, "optimal" if gap <= rel_gap else "time_limit", gap)
            if gap <= good_enough:
                return best
    if best is not None:
        return best
    left = max(0.5, seconds - (time.perf_counter() - clock))
    solved = _milp(c, A, lo, hi, integrality, lb, ub, left, rel_gap)
    if solved.x is not None:
        solved = _Solved(solved.x, solved.objective, max(bound, solved.dual_bound or -np.inf), solved.status,
                         solved.gap)
    return solved


def move_bound(hours: np.ndarray, worth: np.ndarray, need: float, move_cost: str) -> float:
    """The least a set of accounts with at least ``need`` hours can cost (a knapsack lower bound).

    At least ``k`` accounts must go, ``k`` the fewest whose hours reach ``need`` (the largest
    first). Fewest accounts: ``k``. Hours: the larger of ``need`` and the ``k`` smallest accounts'
    hours. ARR (and any other worth): the larger of the fractional knapsack (cheapest worth per
    hour first) and the ``k`` smallest worths. Infinite when the accounts cannot reach ``need``.
    """
    if need <= _TOLERANCE:
        return 0.0
    if hours.sum() < need - _TOLERANCE:
        return math.inf
    largest = np.cumsum(np.sort(hours)[::-1])
    k = int(np.searchsorted(largest, need - _TOLERANCE) + 1)
    if move_cost == "accounts":
        return float(k)
    if move_cost == "hours":
        return float(max(need, np.sort(hours)[:k].sum()))
    positive = hours > 0
    ratio = np.where(positive, worth / np.where(positive, hours, 1), np.inf)
    order = np.argsort(ratio, kind="stable")
    h, w = hours[order], worth[order]
    cum = np.cumsum(h)
    j = int(np.searchsorted(cum, need - _TOLERANCE))
    before = cum[j - 1] if j > 0 else 0.0
    fractional = float(w[:j].sum() + (need - before) / h[j] * w[j]) if h[j] > 0 else float(w[:j].sum())
    return max(fractional, float(np.sort(worth)[:k].sum()))


def move_weights(move_cost: str, arr: np.ndarray, hours: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """What moving each account costs [dimensionless, USD/year or h/month].

    ``weighted``: ``1 + arr / mean arr of its segment`` (an average account costs 2, one three times
    the average 4); ``accounts``: 1; ``arr``: its ARR; ``hours``: its hours a month.
    """
    if move_cost == "accounts":
        return np.ones(len(arr))
    if move_cost == "arr":
        return np.asarray(arr, dtype=float)
    if move_cost == "hours":
        return np.asarray(hours, dtype=float)
    k = int(segment.max()) + 1 if len(segment) else 0
    total = np.bincount(segment, weights=arr, minlength=k)
    count = np.bincount(segment, minlength=k)
    mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 + np.where(mean[segment] > 0, arr / np.where(mean[segment] > 0, mean[segment], 1.0), 0.0)


# -- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One account changing owner, why, and from when."""

    account_id: str
    name: str
    from_csm: str          # "" for an account without an owner
    to_csm: str            # "" when a leaver's digital account is left to the programs
    hours_per_month: float
    arr: float
    reason: str
    effective: str         # YYYY-MM-DD
    segment: str
    hierarchy: str = ""    # the hierarchy's first account id, when the account moves with its hierarchy


@dataclass(frozen=True)
class CSMBook:
    """One CSM's (or pooled team's) book: accounts, ARR [USD/year], hours [h/month], renewals, at-risk."""

    csm: str
    segments: tuple[str, ...]
    accounts: int
    arr: float
    hours_per_month: float
    capacity_hours_per_month: float
    utilization: float | None
    renewals_by_quarter: tuple[int, ...]
    at_risk: int
    note: str = ""


@dataclass(frozen=True)
class Objective:
    """One stage of the lexicographic objective: what it is, its value, its bound and whether it is proven."""

    rank: int
    name: str
    statement: str
    value: float
    bound: float | None
    status: str            # "optimal", "feasible" (within gap of bound), "heuristic" (no solver answer in time), "skipped"
    gap: float | None
    scope: str = "whole book"  # what the bound holds for: the whole book, or the accounts a large book decided


@dataclass(frozen=True)
class Fairness:
    """How evenly one measure is spread over a segment's CSMs, before and after."""

    segment: str
    measure: str
    cv_before: float | None
    cv_after: float | None
    max_min_before: float | None
    max_min_after: float | None
    csms_before: int
    csms_after: int


@dataclass(frozen=True)
class Shortage:
    """CSMs a component (usually one segment) has against what the band needs."""

    segments: tuple[str, ...]
    csms: int
    needed: int
    exact: bool            # True: proven the fewest that fit; False: a lower bound ("at least")
    worst_overload: float  # [points of utilization above the band's top] at the optimum
    hours_per_month: float
    sentence: str


@dataclass(frozen=True)
class Rebalance:
    """A rebalance. ``to_dict()`` is the ``rebalance --json`` shape."""

    scenario: str
    currency: str
    as_of: str
    min_utilization: float
    max_utilization: float
    move_cost: str
    freeze_days: int
    overload_tolerance: float
    move_tolerance: float
    objectives: tuple[Objective, ...]
    moves: tuple[Move, ...]
    before: tuple[CSMBook, ...]
    after: tuple[CSMBook, ...]
    fairness: tuple[Fairness, ...]
    shortages: tuple[Shortage, ...]
    kept: dict
    notes: tuple[str, ...]
    quarters: tuple[str, ...]
    status: str
    gap: float | None
    bound: float | None
    objective: float
    spent: float           # the move cost of the plan (stage 2's least, plus what stage 3 spends on balance)
    candidates: int
    seconds: float
    owners: np.ndarray = field(repr=False)  # new owner name per account (file order), "" for none

    @property
    def moved(self) -> dict:
        return {"accounts": len(self.moves), "arr": float(sum(m.arr for m in self.moves)),
                "hours_per_month": float(sum(m.hours_per_month for m in self.moves))}

    @property
    def within_band(self) -> bool:
        """True when every CSM the rebalance could move ends within the band."""
        return not self.shortages and self.objectives[0].value <= _TOLERANCE

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of,
            "min_utilization": self.min_utilization,
            "max_utilization": self.max_utilization,
            "move_cost": self.move_cost,
            "freeze_days": self.freeze_days,
            "overload_tolerance": self.overload_tolerance,
            "move_tolerance": self.move_tolerance,
            "objectives": [asdict(o) for o in self.objectives],
            "status": self.status,
            "gap": self.gap,
            "bound": self.bound,
            "objective": self.objective,
            "spent": self.spent,
            "moves": [{"account_id": m.account_id, "name": m.name, "from": m.from_csm, "to": m.to_csm,
                       "hours_per_month": m.hours_per_month, "arr": m.arr, "reason": m.reason,
                       "effective": m.effective, "segment": m.segment, "hierarchy": m.hierarchy} for m in self.moves],
            "moved": self.moved,
            "shortages": [asdict(s) for s in self.shortages],
            "before": [_row_dict(r) for r in self.before],
            "after": [_row_dict(r) for r in self.after],
            "quarters": list(self.quarters),
            "fairness": [{k: _finite(v) for k, v in asdict(f).items()} for f in self.fairness],
            "kept": self.kept,
            "notes": list(self.notes),
            "candidate_accounts": self.candidates,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def moves_frame(self) -> pd.DataFrame:
        """The move list as a CRM import takes it: account id, account name, from, to, reason, effective date."""
        return pd.DataFrame([(m.account_id, m.name, m.from_csm, m.to_csm, m.reason, m.effective) for m in self.moves],
                            columns=list(MOVES_COLUMNS))

    def books_frame(self) -> pd.DataFrame:
        """Each CSM before and after: accounts, ARR, hours, utilization, renewals per quarter, at-risk."""
        before = {r.csm: r for r in self.before}
        rows = []
        for r in self.after:
            b = before.get(r.csm)
            row = {"csm": r.csm, "segments": ", ".join(r.segments), "note": r.note,
                   "accounts_before": b.accounts if b else 0, "accounts_after": r.accounts,
                   "arr_before": b.arr if b else 0.0, "arr_after": r.arr,
                   "hours_before": b.hours_per_month if b else 0.0, "hours_after": r.hours_per_month,
                   "utilization_before": b.utilization if b else None, "utilization_after": r.utilization,
                   "at_risk_before": b.at_risk if b else 0, "at_risk_after": r.at_risk}
            for q, label in enumerate(self.quarters):
                row[f"renewals_{label}_before"] = b.renewals_by_quarter[q] if b else 0
                row[f"renewals_{label}_after"] = r.renewals_by_quarter[q]
            rows.append(row)
        return pd.DataFrame(rows)


def _finite(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _row_dict(row: CSMBook) -> dict:
    out = asdict(row)
    out["renewals_by_quarter"] = list(row.renewals_by_quarter)
    out["segments"] = list(row.segments)
    return out


# -- settings and rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    min_utilization: float
    max_utilization: float
    move_cost: str
    freeze_days: int
    as_of: datetime.date
    overload_tolerance: float
    move_tolerance: float
    weights: dict
    at_risk: tuple[str, ...]
    keep_verticals: bool
    time_limit: float


def _settings(scenario: Scenario, **given) -> _Settings:
    """The scenario's ``rebalance:`` block, with each argument that is not None in place of its key."""
    block = scenario.rebalance or RebalanceSettings()
    flags = {"min_utilization": "--min-utilization", "max_utilization": "--max-utilization",
             "move_cost": "--move-cost", "freeze_days": "--freeze-days", "as_of": "--as-of",
             "overload_tolerance": "--overload-tolerance", "move_tolerance": "--move-tolerance",
             "time_limit": "--time-limit"}
    values = {key: getattr(block, key) for key in ("min_utilization", "max_utilization", "move_cost", "freeze_days",
                                                   "as_of", "overload_tolerance", "move_tolerance", "keep_verticals",
                                                   "time_limit")}
    for key, value in given.items():
        if value is not None:
            values[key] = value
    if values["max_utilization"] is None:
        values["max_utilization"] = target_utilization(scenario)
    if values["move_cost"] not in MOVE_COSTS:
        raise ScenarioError(f"must be one of {', '.join(MOVE_COSTS)} (got {values['move_cost']!r})", where="--move-cost")
    low, high = float(values["min_utilization"]), float(values["max_utilization"])
    if not (math.isfinite(low) and math.isfinite(high)) or not 0 <= low <= high or high <= 0:
        raise ScenarioError(f"the band [{low:g}, {high:g}] is empty or negative; give 0 <= min <= max and max > 0",
                            where="--min-utilization/--max-utilization")
    for key in ("overload_tolerance", "move_tolerance"):
        if not (math.isfinite(float(values[key])) and float(values[key]) >= 0):
            raise ScenarioError(f"must be 0 or more (got {values[key]})", where=flags[key])
    if not (values["time_limit"] is not None and math.isfinite(float(values["time_limit"]))
            and float(values["time_limit"]) > 0):
        raise ScenarioError(f"must be more than 0 seconds (got {values['time_limit']})", where="--time-limit")
    if int(values["freeze_days"]) < 0:
        raise ScenarioError(f"must be 0 or more (got {values['freeze_days']})", where="--freeze-days")
    as_of = values["as_of"]
    if as_of is None:
        as_of = datetime.date.today()
    elif isinstance(as_of, str):
        as_of = _parse_day(as_of, "--as-of")
    weights = {"hours": block.balance.hours, "arr": block.balance.arr, "renewals": block.balance.renewals,
               "at_risk": block.balance.at_risk}
    return _Settings(low, high, values["move_cost"], int(values["freeze_days"]), as_of,
                     float(values["overload_tolerance"]), float(values["move_tolerance"]), weights, block.at_risk,
                     bool(values["keep_verticals"]), float(values["time_limit"]))


def _parse_day(text: str, where: str) -> datetime.date:
    import re

    text = text.strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ScenarioError(f"{text!r} is not a calendar day", where=where) from None
    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text):
        raise ScenarioError(f"{text!r} could be read day-first or month-first; write it as YYYY-MM-DD", where=where)
    raise ScenarioError(f"give a day as YYYY-MM-DD, e.g. 2027-02-01 (got {text!r})", where=where)


@dataclass(frozen=True)
class _Rule:
    """A CSM's rule, from the scenario's ``csms:`` or ``--add-csm``."""

    name: str
    segments: tuple[str, ...] | None
    verticals: tuple[str, ...] | None
    max_accounts: int | None
    start: datetime.date | None
    leave: datetime.date | None
    ramp_months: int
    where: str


def _parse_added(scenario: Scenario, added) -> dict[str, str]:
    import difflib

    out: dict[str, str] = {}
    names = [s.name for s in scenario.segments]
    for text in added or ():
        name, sep, segment = str(text).rpartition(":")
        name, segment = name.strip(), segment.strip()
        if not sep or not name or not segment:
            raise ScenarioError(f"give NAME:SEGMENT (got {text!r})", where="--add-csm")
        if segment not in names:
            hint = difflib.get_close_matches(segment, names, n=1, cutoff=0.6)
            said = f" (did you mean {hint[0]!r}?)" if hint else f"; segments are: {', '.join(names)}"
            raise ScenarioError(f"unknown segment {segment!r}{said}", where="--add-csm")
        if next(s for s in scenario.segments if s.name == segment).coverage == "digital":
            raise ScenarioError(f"{segment!r} is a digital segment: it has no CSMs to add", where="--add-csm")
        if name in out:
            raise ScenarioError(f"{name!r} is added twice", where="--add-csm")
        out[name] = segment
    return out


def _rules(scenario: Scenario, book: Book, added: dict[str, str]) -> tuple[dict[str, _Rule], dict[str, str]]:
    """Each rule by the name it goes under (an owner's as the book spells it), and the new CSMs ``{name: segment}``."""
    _, owners = book.category("csm")
    by_key = {o.strip().casefold(): o for o in owners}
    ramp = DEFAULT_RAMP_MONTHS if scenario.fiscal_year is None else scenario.fiscal_year.ramp_months
    rules: dict[str, _Rule] = {}
    extra: dict[str, str] = {}
    coverage = {s.name: s.coverage for s in scenario.segments}
    for i, rule in enumerate(scenario.csms):
        name = by_key.get(rule.name.strip().casefold())
        where = f"csms[{i}]"
        for segment in rule.segments or ():
            if coverage[segment] == "digital":
                raise ScenarioError(f"{segment!r} is a digital segment: it has no CSMs", file=scenario.source,
                                    where=f"{where}.segments")
            if coverage[segment] == "pooled" and len(rule.segments) > 1:
                raise ScenarioError(f"{segment!r} is a pooled team; its CSMs carry only its accounts, so list it alone",
                                    file=scenario.source, where=f"{where}.segments")
        if name is None:
            if not rule.segments:
                import difflib

                hint = difflib.get_close_matches(rule.name, list(owners), n=1, cutoff=0.6)
                said = (f" (did you mean {hint[0]!r}?)" if hint else
                        "; a new CSM needs the segments they carry (segments: [...])")
                raise ScenarioError(f"{rule.name!r} owns no account in the book{said}", file=scenario.source,
                                    where=f"{where}.name")
            name = rule.name.strip()
            extra[name] = rule.segments[0]
        rules[name] = _Rule(name, rule.segments, rule.verticals, rule.max_accounts, rule.start, rule.leave,
                            ramp if rule.ramp_months is None else rule.ramp_months, where)
    for name, segment in added.items():
        if name.strip().casefold() in {k.strip().casefold() for k in rules}:
            raise ScenarioError(f"{name!r} is also in the scenario's csms: list; give the new CSM there or here, "
                                "not both", where="--add-csm")
        extra[name] = segment
        rules[name] = _Rule(name, (segment,), None, None, None, None, ramp, "--add-csm")
    return rules, extra


# -- the facts of the book ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Facts:
    """Per account (file order) and per unit, what the model is built from."""

    loads: AccountLoads
    hours: np.ndarray          # [h/month] after: programs shared by the accounts carried after the rebalance
    worth: np.ndarray          # the cost of moving each account
    locked: np.ndarray
    frozen: np.ndarray
    days: np.ndarray           # days to the next renewal, -1 for none
    quarter: np.ndarray        # renewal quarter 0..3, -1 for none
    risk: np.ndarray           # at-risk, bool
    has_renewals: bool
    has_health: bool
    hierarchy: np.ndarray      # hierarchy label (smallest position)
    spv: np.ndarray            # (segment, pool, vertical) key per account
    spv_segment: np.ndarray
    spv_sp: np.ndarray
    spv_vertical: np.ndarray
    verticals: tuple[str, ...]
    dedicated: np.ndarray      # account in a dedicated segment
    capacity: np.ndarray       # per unit after the rebalance [h/month]
    leaving: np.ndarray        # per unit
    rule: tuple                # per unit: _Rule or None
    eligible: np.ndarray       # (spv, unit): may the unit carry accounts of this key after the rebalance
    home: np.ndarray           # per unit: the segment whose CSMs it is balanced with, -1 for none
    max_accounts: np.ndarray   # per unit, -1 for no limit


def _leads(hierarchy: np.ndarray, arr: np.ndarray, dedicated: np.ndarray) -> np.ndarray:
    """Each account's hierarchy lead: the hierarchy's account of largest ARR in a dedicated segment (the first in
    the file among equals); an account alone, or outside dedicated segments, leads itself."""
    lead = np.arange(len(hierarchy))
    members = np.flatnonzero(dedicated)
    if len(members) == 0:
        return lead
    order = members[np.lexsort((members, -arr[members], hierarchy[members]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = hierarchy[order][1:] != hierarchy[order][:-1]
    head_of = np.repeat(order[first], np.diff(np.flatnonzero(np.append(first, True))))
    lead[order] = head_of
    return lead


def _pools(scenario: Scenario, book: Book, segment: np.ndarray) -> np.ndarray:
    """Each account's vertical pool within its segment (0 unless the segment pools by vertical)."""
    pool = np.zeros(len(book), dtype=np.int64)
    if not any(seg.pool_by == "vertical" for seg in scenario.segments):
        return pool
    from capacity.model.sizing import pool_groups

    vertical, labels = book.category("vertical")
    groups_of = pool_groups(scenario, book)
    for i, seg in enumerate(scenario.segments):
        if seg.pool_by != "vertical":
            continue
        pool_of_label = np.zeros(len(labels), dtype=np.int64)
        for p, (_, members) in enumerate(groups_of[i]):
            for v in members:
                if v in labels:
                    pool_of_label[labels.index(v)] = p
        in_segment = segment == i
        pool[in_segment] = pool_of_label[vertical[in_segment]]
    return pool


def _after_hours(scenario: Scenario, loads: AccountLoads, assigned: np.ndarray) -> np.ndarray:
    """Each account's hours with programs shared by the accounts carried after the rebalance (``assigned``:
    accounts without an owner that get one), as :func:`capacity.analysis.team.account_loads` would on the new book."""
    from capacity.model.plan import touchpoint_loads

    k = len(scenario.segments)
    program = np.array([sum(t.program_hours_per_month for t in touchpoint_loads(s)) for s in scenario.segments])
    coverage = np.array([s.coverage for s in scenario.segments])
    seg = loads.segment
    pooled = coverage[seg] == "pooled"
    digital = coverage[seg] == "digital"
    carries = (((loads.owner >= 0) | assigned) & ~pooled) | pooled
    carries &= ~digital
    carried = np.bincount(seg, weights=carries, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(carried > 0, program / np.where(carried > 0, carried, 1), 0.0)
    return loads.direct_hours + np.where(carries, share[seg], 0.0)


def _facts(scenario: Scenario, book: Book, settings: _Settings, rules: dict[str, _Rule],
           extra: dict[str, str]) -> _Facts:
    import difflib

    loads = account_loads(scenario, book, extra_csms=extra)
    n, n_units, n_owners = len(book), len(loads.units), len(loads.owners)
    names = [s.name for s in scenario.segments]
    coverage = np.array([s.coverage for s in scenario.segments])
    seg = loads.segment
    dedicated = coverage[seg] == "dedicated"
    unit = loads.unit

    # Rules per unit; leavers' capacity is gone (a pooled team loses the member).
    rule = [rules.get(u) for u in loads.units]
    capacity = loads.unit_capacity.astype(float).copy()
    leaving = np.array([r is not None and r.leave is not None for r in rule], dtype=bool)
    for u, members in enumerate(loads.unit_members):
        if loads.pooled_unit[u]:
            gone = sum(1 for m in members if m in rules and rules[m].leave is not None)
            capacity[u] = max(0.0, capacity[u] - gone * loads.customer_hours)
    capacity[leaving] = 0.0

    # Keys: (segment, vertical pool, vertical).
    vertical, verticals = book.category("vertical")
    pool = _pools(scenario, book, seg)
    n_v, n_p = max(len(verticals), 1), int(pool.max()) + 1 if n else 1
    sp_key = seg * n_p + pool
    sp_values, sp = np.unique(sp_key, return_inverse=True)
    spv_values, spv = np.unique(sp * n_v + vertical, return_inverse=True)
    spv_sp = spv_values // n_v
    spv_vertical = spv_values % n_v
    sp_segment = sp_values // n_p
    spv_segment = sp_segment[spv_sp]
    n_sp, n_spv = len(sp_values), len(spv_values)

    # A hierarchy goes where its lead (its largest account in a dedicated segment) may go: a subsidiary
    # of another segment follows its parent, and does not make its CSM one of that segment's.
    hierarchy = book_rules.hierarchies(book)
    lead = _leads(hierarchy, loads.arr, dedicated)
    follower = sp != sp[lead]

    # Who serves which (segment, pool): owners of its accounts today, or the segments their rule names.
    owns = dedicated & (unit >= 0) & (unit < n_owners) & (loads.unit_capacity[np.maximum(unit, 0)] > 0) & ~follower
    serves = np.zeros((n_sp, n_units), dtype=bool)
    serves[sp[owns], unit[owns]] = True
    owns_segment = np.zeros((len(names), n_units), dtype=bool)
    owns_segment[seg[owns], unit[owns]] = True
    owns_vertical = np.zeros((len(names), n_v, n_units), dtype=bool)
    owns_vertical[seg[owns], vertical[owns], unit[owns]] = True
    label_key = {v.strip().casefold(): i for i, v in enumerate(verticals)}
    vertical_ok = np.ones((n_spv, n_units), dtype=bool)
    for u, r in enumerate(rule):
        if r is None:
            continue
        if r.segments is not None:
            wanted = {names.index(s) for s in r.segments}
            for j in range(n_sp):
                s = int(sp_segment[j])
                serves[j, u] = s in wanted and (serves[j, u] or not owns_segment[s, u])
        if r.verticals is not None:
            keep = np.zeros(n_v, dtype=bool)
            for v in r.verticals:
                index = label_key.get(v.strip().casefold())
                if index is None:
                    # A vertical the book does not have yet is allowed; one that is nearly a book's is a typo.
                    hint = difflib.get_close_matches(v, list(verticals), n=1, cutoff=0.75)
                    if hint:
                        raise ScenarioError(f"no account in the book has the vertical {v!r} (did you mean {hint[0]!r}?)",
                                            file=scenario.source, where=f"{r.where}.verticals")
                    continue
                keep[index] = True
            vertical_ok[:, u] = keep[spv_vertical]
    active = (capacity > 0) & ~loads.pooled_unit & ~leaving
    eligible = serves[spv_sp] & vertical_ok & active[None, :]
    if settings.keep_verticals:
        new = ~np.isin(np.arange(n_units), unit[owns])  # a CSM with no accounts yet may take any vertical
        keep = owns_vertical[spv_segment, spv_vertical]  # (spv, unit)
        eligible &= keep | new[None, :]

    spv = spv[lead]  # each account is carried by whoever may carry its hierarchy's lead

    # Book columns.
    lock = book_rules.locked(book)
    dates = book_rules.renewal_dates(book)
    first_month = 1 if scenario.fiscal_year is None else int(scenario.fiscal_year.start[5:7])
    if dates is None or np.isnat(dates).all():
        days = np.full(n, -1, dtype=np.int64)
        quarter = np.full(n, -1, dtype=np.int64)
    else:
        days = book_rules.days_to_renewal(dates, settings.as_of)
        quarter = book_rules.renewal_quarter(dates, first_month)
    frozen = (days >= 0) & (days <= settings.freeze_days)
    risk = book_rules.at_risk(book, settings.at_risk)
    has_health = risk is not None
    if risk is None:
        risk = np.zeros(n, dtype=bool)

    # Accounts without an owner in a dedicated segment are assigned when someone may carry them.
    unowned = dedicated & (unit < 0)
    assigned = unowned & eligible[spv].any(axis=1)
    hours = _after_hours(scenario, loads, assigned)
    worth = move_weights(settings.move_cost, loads.arr, hours, seg)

    # Home segment (whose CSMs each CSM is balanced with): the rule's first, else where most of their hours are.
    home = np.full(n_units, -1, dtype=np.int64)
    if owns.any():
        by_segment = np.zeros((n_units, len(names)))
        np.add.at(by_segment, (unit[owns], seg[owns]), loads.hours[owns])
        has = by_segment.sum(axis=1) > 0
        home[has] = np.argmax(by_segment[has], axis=1)
    for u, r in enumerate(rule):
        if r is not None and r.segments:
            home[u] = names.index(r.segments[0])
    home[~active] = -1
    max_accounts = np.array([-1 if r is None or r.max_accounts is None else r.max_accounts for r in rule],
                            dtype=np.int64)
    return _Facts(loads, hours, worth, lock, frozen, days, quarter, risk, dates is not None and not np.isnat(dates).all(),
                  has_health, hierarchy, spv, spv_segment, spv_sp, spv_vertical, verticals, dedicated, capacity, leaving,
                  tuple(rule), eligible, home, max_accounts)


# -- the model: items, options, contributions -----------------------------------------------------


@dataclass(eq=False)
class _Model:
    """Items (an account or a hierarchy) that the rebalance decides, their options and what each option loads."""

    n_units: int
    item_start: np.ndarray      # CSR of item -> member accounts
    item_accounts: np.ndarray
    opt_item: np.ndarray
    opt_unit: np.ndarray        # target unit, -1: a split hierarchy stays as it is
    opt_cost: np.ndarray
    con_opt: np.ndarray         # contributions: option, unit, and per measure
    con_unit: np.ndarray
    con_hours: np.ndarray
    con_count: np.ndarray
    con_arr: np.ndarray
    con_quarter: np.ndarray     # (contributions, 4) renewals per quarter
    con_risk: np.ndarray
    fixed_unit: np.ndarray      # per account: the unit it ends with when it is no item's (-1: none)
    in_item: np.ndarray         # per account
    stuck: np.ndarray           # per account: kept although its owner may not keep it (no one else may carry it)
    forced: np.ndarray          # per item: has no option of zero cost (must move, or is being assigned)
    limited: bool = False       # only the accounts that can matter are decided (a large book)
    stage3_scope: int | None = None  # items stage 3 could move on a large block (None: every item)

    @property
    def n_items(self) -> int:
        return len(self.item_start) - 1

    @property
    def n_options(self) -> int:
        return len(self.opt_item)


def _build(facts: _Facts, candidate: np.ndarray | None = None, rank: np.ndarray | None = None,
           receivers: int | None = None, hierarchies_only: bool = False) -> _Model:
    """The items and options; ``candidate`` (per account) limits the decided items to those touching a
    candidate account (the others stay), and ``receivers`` the CSMs each may go to: its owner and the
    ``receivers`` eligible ones of lowest ``rank`` (per unit)."""
    loads = facts.loads
    unit = loads.unit
    n = len(unit)
    owned = unit >= 0
    owner_leaving = owned & facts.leaving[np.maximum(unit, 0)]
    movable = facts.dedicated.copy()
    fixed = movable & owned & (facts.locked | facts.frozen) & ~owner_leaving
    eligible = facts.eligible
    keep_ok = np.zeros(n, dtype=bool)
    keep_ok[owned] = eligible[facts.spv[owned], unit[owned]]

    labels = facts.hierarchy
    mov = np.flatnonzero(movable)
    _, group, counts = np.unique(labels[mov], return_inverse=True, return_counts=True)
    size = counts[group]
    single = mov[size == 1]
    multi = mov[size > 1]

    # A hierarchy is decided when any of its accounts is a candidate, an account alone when it is.
    in_play = np.ones(n, dtype=bool) if candidate is None else candidate.copy()
    must = movable & ((~owned) | (owned & ~keep_ok & ~fixed))  # must move (or be assigned) whatever happens
    if not hierarchies_only:
        in_play |= must

    fixed_unit = np.where(owned, unit, -1).astype(np.int64)
    in_item = np.zeros(n, dtype=bool)
    stuck = np.zeros(n, dtype=bool)
    elig_rows = eligible

    # Accounts alone: vectorised.
    decide = single[~fixed[single] & in_play[single] & (not hierarchies_only)]
    rows = elig_rows[facts.spv[decide]].copy()
    if receivers is not None and rows.shape[1] > receivers:
        rows = _lowest(rows, rank, receivers)
    own = owned[decide]
    rows[np.flatnonzero(own & keep_ok[decide]), unit[decide][own & keep_ok[decide]]] = True
    has = rows.any(axis=1)
    stuck[decide[~has & own]] = True
    decide, rows = decide[has], rows[has]
    a_idx, u_idx = np.nonzero(rows)
    accounts = decide[a_idx]
    item_starts = [np.arange(len(decide) + 1)]
    item_accounts = [decide]
    opt_item = [a_idx]
    opt_unit = [u_idx]
    cost = np.where(owned[accounts] & (unit[accounts] != u_idx), facts.worth[accounts], 0.0)
    opt_cost = [cost]
    con = _contributions(facts, accounts, u_idx, np.arange(len(accounts)))
    in_item[decide] = True
    n_items, n_opts = len(decide), len(accounts)
    cons = [con]

    # Hierarchies: one at a time.
    if len(multi):
        order = np.argsort(labels[multi], kind="stable")
        multi = multi[order]
        bounds = np.flatnonzero(np.diff(labels[multi])) + 1
        extra_start, extra_accounts, extra_item, extra_unit, extra_cost = [], [], [], [], []
        extra_con_acc, extra_con_unit, extra_con_opt = [], [], []
        for members in np.split(multi, bounds):
            if not in_play[members].any():
                continue
            m_owned = owned[members]
            m_fixed = fixed[members]
            free = members[~m_fixed]
            joint = elig_rows[facts.spv[free]].all(axis=0) if len(free) else np.ones(facts.capacity.shape[0], bool)
            joint = joint & (facts.capacity > 0) & ~facts.leaving & ~loads.pooled_unit
            if receivers is not None and joint.sum() > receivers:
                joint = _lowest(joint[None, :], rank, receivers)[0]
            if m_fixed.any():  # locked or frozen accounts hold the hierarchy with their owner
                holders = np.unique(unit[members[m_fixed]])
                keep = np.zeros_like(joint)
                if len(holders) == 1:
                    keep[holders[0]] = joint[holders[0]]
                joint = keep
            stay_ok = m_owned.all() and bool((keep_ok[members] | m_fixed).all())
            holders_now = np.unique(unit[members[m_owned]])
            if stay_ok and len(holders_now) == 1:
                joint = joint.copy()
                joint[holders_now[0]] = True
            targets = np.flatnonzero(joint)
            options = [(int(t), float(facts.worth[members[m_owned & (unit[members] != t)]].sum())) for t in targets]
            if stay_ok and len(holders_now) > 1:
                options.append((-1, 0.0))
            if not options:
                stuck[members[m_owned]] = True
                continue
            item = n_items
            n_items += 1
            extra_start.append(len(members))
            extra_accounts.append(members)
            in_item[members] = True
            for target, c in options:
                extra_item.append(item)
                extra_unit.append(target)
                extra_cost.append(c)
                if target >= 0:
                    extra_con_acc.append(members)
                    extra_con_unit.append(np.full(len(members), target))
                else:
                    extra_con_acc.append(members)
                    extra_con_unit.append(unit[members])
                extra_con_opt.append(np.full(len(members), n_opts))
                n_opts += 1
        if extra_accounts:
            item_accounts.append(np.concatenate(extra_accounts))
            item_starts.append(item_starts[0][-1] + np.cumsum(extra_start))
            opt_item.append(np.array(extra_item, dtype=np.int64))
            opt_unit.append(np.array(extra_unit, dtype=np.int64))
            opt_cost.append(np.array(extra_cost))
            acc = np.concatenate(extra_con_acc)
            cons.append(_contributions(facts, acc, np.concatenate(extra_con_unit), np.concatenate(extra_con_opt),
                                       aggregate=True))
    item_start = np.concatenate(item_starts).astype(np.int64)
    opt_item_all = np.concatenate(opt_item).astype(np.int64)
    opt_cost_all = np.concatenate(opt_cost).astype(float)
    least = np.full(n_items, np.inf)
    np.minimum.at(least, opt_item_all, opt_cost_all)
    forced_items = least > 0
    # An unowned account's assignment costs nothing, but it must be assigned all the same.
    accounts_all = np.concatenate(item_accounts).astype(np.int64)
    item_of = np.repeat(np.arange(n_items), np.diff(item_start))
    unowned_items = np.zeros(n_items, dtype=bool)
    unowned_items[item_of[~owned[accounts_all]]] = True
    return _Model(
        n_units=len(facts.capacity), item_start=item_start, item_accounts=accounts_all,
        opt_item=opt_item_all, opt_unit=np.concatenate(opt_unit).astype(np.int64), opt_cost=opt_cost_all,
        con_opt=np.concatenate([c[0] for c in cons]).astype(np.int64),
        con_unit=np.concatenate([c[1] for c in cons]).astype(np.int64),
        con_hours=np.concatenate([c[2] for c in cons]), con_count=np.concatenate([c[3] for c in cons]),
        con_arr=np.concatenate([c[4] for c in cons]), con_quarter=np.concatenate([c[5] for c in cons]),
        con_risk=np.concatenate([c[6] for c in cons]),
        fixed_unit=fixed_unit, in_item=in_item, stuck=stuck, forced=forced_items | unowned_items,
        limited=candidate is not None)


def _lowest(rows: np.ndarray, rank: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """``rows`` (items x units, bool) keeping in each row its ``k`` True units of lowest ``rank``, and ``k`` more
    drawn among the others (seeded per row), so that the items of one CSM do not all crowd the same few."""
    score = np.where(rows, rank[None, :], np.inf)
    pick = np.argpartition(score, k - 1, axis=1)[:, :k]
    keep = np.zeros_like(rows)
    keep[np.arange(len(rows))[:, None], pick] = True
    rng = np.random.default_rng(seed + len(rows))
    noise = np.where(rows & ~keep, rng.random(rows.shape), np.inf)
    more = np.argpartition(noise, k - 1, axis=1)[:, :k]
    spare = np.zeros_like(rows)
    spare[np.arange(len(rows))[:, None], more] = True
    return rows & (keep | spare)


def _contributions(facts: _Facts, accounts: np.ndarray, units: np.ndarray, options: np.ndarray,
                   aggregate: bool = False):
    """What each (option, unit) carries: hours, accounts, ARR, renewals per quarter, at-risk."""
    q = facts.quarter[accounts]
    quarter = np.zeros((len(accounts), book_rules.QUARTERS))
    has = q >= 0
    quarter[np.flatnonzero(has), q[has]] = 1.0
    values = [facts.hours[accounts], np.ones(len(accounts)), facts.loads.arr[accounts], quarter,
              facts.risk[accounts].astype(float)]
    if not aggregate or len(accounts) == 0:
        return (options, units, *values)
    key = options.astype(np.int64) * (facts.capacity.shape[0] + 1) + units
    uniq, inverse = np.unique(key, return_inverse=True)
    out_opt = uniq // (facts.capacity.shape[0] + 1)
    out_unit = uniq % (facts.capacity.shape[0] + 1)
    summed = []
    for v in values:
        if v.ndim == 1:
            summed.append(np.bincount(inverse, weights=v, minlength=len(uniq)))
        else:
            summed.append(np.stack([np.bincount(inverse, weights=v[:, j], minlength=len(uniq))
                                    for j in range(v.shape[1])], axis=1))
    return (out_opt, out_unit, *summed)


# -- the stages -----------------------------------------------------------------------------------

#: Relative gaps at which HiGHS stops: the band and the moves exactly, the balance to a thousandth.
_GAP_STRICT = 1e-9
_GAP_BALANCE = 1e-3


@dataclass(eq=False)
class _Program:
    """The model as matrices: what each option loads on each unit, the units' bounds, the components."""

    model: _Model
    hours: object            # sparse (units, options)
    count: object
    fixed_hours: np.ndarray  # per unit
    fixed_count: np.ndarray
    capacity: np.ndarray
    bounded: np.ndarray      # unit indices with a band row
    top: np.ndarray          # per bounded unit: the band's top, or what its locked and frozen accounts make
    bottom: np.ndarray       # per bounded unit: the band's bottom, or the most it could carry
    component: np.ndarray    # per bounded unit: its component
    n_components: int
    item_component: np.ndarray
    count_units: np.ndarray  # units with a maximum number of accounts
    count_limit: np.ndarray
    lower_rows: bool


def _immovable(facts: _Facts) -> np.ndarray:
    """Accounts no rebalance moves: of pooled and digital segments, and locked or frozen with an owner who stays."""
    unit = facts.loads.unit
    owned = unit >= 0
    leaving = owned & facts.leaving[np.maximum(unit, 0)]
    return owned & (~facts.dedicated | ((facts.locked | facts.frozen) & ~leaving))


def _program(model: _Model, facts: _Facts, settings: _Settings) -> _Program:
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n_units, n_opt = model.n_units, model.n_options
    hours = sparse.csr_array((model.con_hours, (model.con_unit, model.con_opt)), shape=(n_units, n_opt))
    count = sparse.csr_array((model.con_count, (model.con_unit, model.con_opt)), shape=(n_units, n_opt))
    rest = ~model.in_item & (model.fixed_unit >= 0)
    fixed_hours = np.bincount(model.fixed_unit[rest], weights=facts.hours[rest], minlength=n_units)
    fixed_count = np.bincount(model.fixed_unit[rest], minlength=n_units).astype(float)
    capacity = facts.capacity
    involved = np.zeros(n_units, dtype=bool)
    involved[model.con_unit] = True
    bounded = np.flatnonzero(involved & (capacity > 0))

    # What a unit must carry whatever the choice (an item whose every option loads it), and the most it can.
    n_options_of = np.bincount(model.opt_item, minlength=model.n_items)
    con_item = model.opt_item[model.con_opt]
    key = con_item * n_units + model.con_unit
    uniq, inverse = np.unique(key, return_inverse=True)
    times = np.bincount(inverse, minlength=len(uniq))
    least = np.full(len(uniq), np.inf)
    np.minimum.at(least, inverse, model.con_hours)
    most = np.zeros(len(uniq))
    np.maximum.at(most, inverse, model.con_hours)
    least_count = np.full(len(uniq), np.inf)
    np.minimum.at(least_count, inverse, model.con_count)
    always = times == n_options_of[uniq // n_units]
    units_of = uniq % n_units
    forced_hours = np.bincount(units_of[always], weights=least[always], minlength=n_units)
    forced_count = np.bincount(units_of[always], weights=least_count[always], minlength=n_units)
    reach = np.bincount(units_of, weights=most, minlength=n_units)
    cap = capacity[bounded]
    # A CSM's own floor: what the accounts no one may move (and the items that can only go to them) make.
    stay = (_immovable(facts) | model.stuck) & ~model.in_item  # an item's accounts count through its options
    floor_hours = np.bincount(facts.loads.unit[stay], weights=facts.hours[stay], minlength=n_units)
    top = np.maximum(settings.max_utilization, (floor_hours[bounded] + forced_hours[bounded]) / cap)
    bottom = np.minimum(settings.min_utilization, (fixed_hours[bounded] + reach[bounded]) / cap)

    # Components: units linked by the items they may exchange.
    graph = sparse.coo_array((np.ones(len(con_item)), (con_item, model.n_items + model.con_unit)),
                             shape=(model.n_items + n_units,) * 2)
    _, label = connected_components(graph, directed=False)
    unit_label = label[model.n_items:][bounded]
    names, component = np.unique(unit_label, return_inverse=True)
    lookup = np.full(label.max() + 1 if len(label) else 1, -1)
    lookup[names] = np.arange(len(names))
    item_component = lookup[label[: model.n_items]]
    limited = np.flatnonzero(involved & (facts.max_accounts >= 0))
    limit = np.maximum(facts.max_accounts[limited], fixed_count[limited] + forced_count[limited]) - fixed_count[limited]
    return _Program(model, hours, count, fixed_hours, fixed_count, capacity, bounded, top, bottom, component,
                    len(names), item_component, limited, limit, settings.min_utilization > 0)


def _stage_matrix(program: _Program):
    """The rows every stage shares (assignment, band, accounts) over the columns x | z (overload) | y (shortfall),
    and each row's component."""
    from scipy import sparse

    model = program.model
    n_opt, k = model.n_options, program.n_components
    width = n_opt + 2 * k
    b = program.bounded
    cap = program.capacity[b]
    rows = np.arange(len(b))
    load = sparse.hstack([program.hours[b], sparse.csr_array((len(b), 2 * k))]).tocsr()
    blocks = [sparse.csr_array((np.ones(n_opt), (model.opt_item, np.arange(n_opt))), shape=(model.n_items, width)),
              (load + sparse.csr_array((-cap, (rows, n_opt + program.component)), shape=(len(b), width))).tocsr()]
    lo = [np.ones(model.n_items), np.full(len(b), -np.inf)]
    hi = [np.ones(model.n_items), program.top * cap - program.fixed_hours[b]]
    label = [program.item_component, program.component]
    if program.lower_rows:
        blocks.append((load + sparse.csr_array((cap, (rows, n_opt + k + program.component)),
                                               shape=(len(b), width))).tocsr())
        lo.append(program.bottom * cap - program.fixed_hours[b])
        hi.append(np.full(len(b), np.inf))
        label.append(program.component)
    if len(program.count_units):
        local = np.full(model.n_units, -1)
        local[b] = np.arange(len(b))
        counted = sparse.hstack([program.count[program.count_units],
                                 sparse.csr_array((len(program.count_units), 2 * k))]).tocsr()
        blocks.append(counted)
        lo.append(np.full(len(program.count_units), -np.inf))
        hi.append(program.count_limit.astype(float))
        at = local[program.count_units]
        label.append(np.where(at >= 0, program.component[np.maximum(at, 0)], -1))
    return sparse.vstack(blocks).tocsr(), np.concatenate(lo), np.concatenate(hi), np.concatenate(label)


@dataclass
class _StageResult:
    x: np.ndarray | None
    value: float
    bound: float | None
    status: str
    gap: float | None
    per_component: np.ndarray | None = None


def _overload_floor(program: _Program) -> np.ndarray:
    """A lower bound on each component's worst overload [points of utilization], from whole accounts.

    With overload ``z`` a CSM has room for ``(top + z) cap - fixed`` hours, so for at most
    ``n(z)`` of the accounts that may go to them (the smallest first); every decided item goes to
    someone, so the components's CSMs need ``sum n(z) >= items`` and ``sum room(z) >= hours``. The
    least such ``z`` bounds the optimum from below; given to HiGHS as the variable's lower bound, it
    proves an optimum that meets it at once (the usual case: accounts of a segment alike in hours).
    """
    model = program.model
    k = program.n_components
    floor = np.zeros(k)
    if k == 0 or model.n_items == 0:
        return floor
    b = program.bounded
    local = np.full(model.n_units, -1)
    local[b] = np.arange(len(b))
    con_item = model.opt_item[model.con_opt]
    at = local[model.con_unit]
    keep = (at >= 0) & (model.con_hours > 0)
    # Each item's smallest load on each CSM it may go to.
    key = con_item[keep] * len(b) + at[keep]
    uniq, inverse = np.unique(key, return_inverse=True)
    smallest = np.full(len(uniq), np.inf)
    np.minimum.at(smallest, inverse, model.con_hours[keep])
    unit_of = uniq % len(b)
    order = np.lexsort((smallest, unit_of))
    unit_sorted, size_sorted = unit_of[order], smallest[order]
    starts = np.searchsorted(unit_sorted, np.arange(len(b) + 1))
    cum = [np.cumsum(size_sorted[starts[j]: starts[j + 1]]) for j in range(len(b))]
    cap = program.capacity[b]
    base = program.top * cap - program.fixed_hours[b]
    item_hours = _item_hours(program, np.arange(model.n_items))
    zero_items = np.zeros(model.n_items, dtype=bool)
    zero_items[model.opt_item[model.con_opt[model.con_hours > 0]]] = True
    for c in range(k):
        units = np.flatnonzero(program.component == c)
        items = np.flatnonzero((program.item_component == c) & zero_items)
        need, hours = len(items), float(item_hours[items].sum())
        fluid = max(0.0, (hours - base[units].sum()) / cap[units].sum())
        # Candidate overloads: where some CSM's room reaches one more account.
        points = [fluid]
        for j in units:
            if len(cum[j]):
                points.append((cum[j] - base[j]) / cap[j])
        points = np.unique(np.maximum(np.concatenate([np.atleast_1d(p) for p in points]), fluid))

        def fits(z: float) -> bool:
            room = base[units] + z * cap[units] + 1e-9
            return sum(int(np.searchsorted(cum[j], room[i], side="right")) for i, j in enumerate(units)) >= need

        lo, hi = 0, len(points) - 1
        if not fits(points[hi]):
            floor[c] = fluid
            continue
        while lo < hi:
            mid = (lo + hi) // 2
            if fits(points[mid]):
                hi = mid
            else:
                lo = mid + 1
        floor[c] = max(0.0, float(points[lo]) - 1e-9)
    return floor


def _zero_cost_start(program: _Program, items: np.ndarray, units: np.ndarray, x: np.ndarray) -> bool:
    """Set ``x`` to today's books (every item's cost-free option) for ``items`` when they already fit the band and the
    account limits of ``units`` (bounded positions); False (``x`` untouched) otherwise."""
    model = program.model
    opts = np.flatnonzero(np.isin(model.opt_item, items) & (model.opt_cost <= 0))
    first = np.full(model.n_items, -1)
    first[model.opt_item[opts[::-1]]] = opts[::-1]
    if (first[items] < 0).any() or model.forced[items].any():
        return False
    trial = np.zeros(model.n_options)
    trial[first[items]] = 1.0
    b = program.bounded[units]
    load = program.hours[b] @ trial + program.fixed_hours[b]
    cap = program.capacity[b]
    if (load > program.top[units] * cap + _TOLERANCE).any():
        return False
    if program.lower_rows and (load < program.bottom[units] * cap - _TOLERANCE).any():
        return False
    limited = np.isin(program.count_units, b)
    if limited.any() and (program.count[program.count_units[limited]] @ trial
                          > program.count_limit[limited] + _TOLERANCE).any():
        return False
    x[first[items]] = 1.0
    return True


@dataclass(eq=False)
class _Group:
    """One balance measure over one segment's CSMs."""

    segment: int
    units: np.ndarray
    name: str
    con_values: np.ndarray   # per contribution
    fixed: np.ndarray        # per unit of the group: what it carries outside the decided items
    scale: float             # the group's mean today: deviations are shares of it
    weight: float
    mean: float | None       # the group's mean after, when no decided item can leave or join the group


def _balance_groups(program: _Program, facts: _Facts, settings: _Settings) -> list[_Group]:
    model = program.model
    loads = facts.loads
    today = loads.unit
    carried = today >= 0
    n_units = model.n_units
    measures = []  # (name, per contribution, per account today, per account after, weight)
    w = settings.weights
    if w["hours"] > 0:
        measures.append(("hours", model.con_hours, loads.hours, facts.hours, w["hours"]))
    if w["arr"] > 0:
        measures.append(("ARR", model.con_arr, loads.arr, loads.arr, w["arr"]))
    if facts.has_renewals and w["renewals"] > 0:
        for q in range(book_rules.QUARTERS):
            renews = (facts.quarter == q).astype(float)
            measures.append((f"renewals {q}", model.con_quarter[:, q], renews, renews,
                             w["renewals"] / book_rules.QUARTERS))
    if facts.has_health and w["at_risk"] > 0:
        risk = facts.risk.astype(float)
        measures.append(("at-risk", model.con_risk, risk, risk, w["at_risk"]))
    rest = ~model.in_item & (model.fixed_unit >= 0)
    con_item = model.opt_item[model.con_opt]
    groups = []
    for s in np.unique(facts.home[facts.home >= 0]):
        units = np.flatnonzero(facts.home == s)
        if len(units) < 2:
            continue
        member = np.zeros(n_units, dtype=bool)
        member[units] = True
        touching = np.unique(con_item[member[model.con_unit]])
        inside = not (np.isin(con_item, touching) & ~member[model.con_unit]).any()
        for name, con_values, account_values, after_values, weight in measures:
            now = np.bincount(today[carried], weights=account_values[carried], minlength=n_units)[units]
            scale = float(now.mean())
            if scale <= 0:
                continue
            fixed = np.bincount(model.fixed_unit[rest], weights=after_values[rest], minlength=n_units)[units]
            mean = None
            if inside:
                per_option = np.bincount(model.con_opt, weights=con_values, minlength=model.n_options)
                first = np.full(model.n_items, -1)
                first[model.opt_item[::-1]] = np.arange(model.n_options)[::-1]
                mean = float((fixed.sum() + per_option[first[touching]].sum()) / len(units))
            groups.append(_Group(int(s), units, name, con_values, fixed, scale, weight, mean))
    return groups


def _balance_value(program: _Program, groups: list[_Group], x: np.ndarray) -> float:
    """The third objective for options ``x``: the weighted sum of relative mean absolute deviations."""
    model = program.model
    total = 0.0
    for g in groups:
        values = g.fixed + np.bincount(model.con_unit, weights=g.con_values * x[model.con_opt],
                                       minlength=model.n_units)[g.units]
        total += g.weight * relative_mean_absolute_deviation(values, g.scale)
    return float(total)


def _solve_stages(program: _Program, facts: _Facts, settings: _Settings, deadline: float):
    """The three objectives in turn, block by block (components that share nothing are solved apart).

    Returns the chosen columns (x | z | y) and one :class:`_StageResult` per stage.
    """
    from scipy.sparse.csgraph import connected_components
    from scipy import sparse

    model = program.model
    n_opt, k = model.n_options, program.n_components
    A, lo, hi, row_label = _stage_matrix(program)
    groups = _balance_groups(program, facts, settings)
    # Components tied by a balance group whose mean moves with the solution are solved together.
    local = np.full(model.n_units, -1)
    local[program.bounded] = np.arange(len(program.bounded))
    links_a, links_b = [], []
    for g in groups:
        if g.mean is None:
            at = local[g.units]
            comps = np.unique(program.component[at[at >= 0]])
            links_a += [comps[0]] * (len(comps) - 1)
            links_b += list(comps[1:])
    graph = sparse.coo_array((np.ones(len(links_a)), (links_a, links_b)), shape=(k, k))
    _, block_of = connected_components(graph, directed=False) if k else (0, np.zeros(0, dtype=np.int64))
    x = np.zeros(n_opt + 2 * k)
    zstar = np.zeros(k)
    opt_comp = program.item_component[model.opt_item]
    size = np.bincount(opt_comp, minlength=k).astype(float)
    blocks = [np.flatnonzero(block_of == b) for b in range(int(block_of.max()) + 1 if k else 0)]
    blocks.sort(key=lambda comps: -size[comps].sum())
    left = float(size.sum())
    stage = [[], [], []]  # per block: (value, bound, status, gap)
    for comps in blocks:
        share = size[comps].sum() / left if left > 0 else 1.0
        left -= size[comps].sum()
        seconds = max(1.0, (deadline - time.perf_counter()) * share)
        results = _solve_block(program, facts, settings, comps, A, lo, hi, row_label, groups, local, x,
                               time.perf_counter() + seconds, zstar)
        for j in range(3):
            stage[j].append(results[j])
    first = _StageResult(x, float(zstar.max()) if k else 0.0, None, _worst_status([r[2] for r in stage[0]]),
                         max([r[3] or 0.0 for r in stage[0]], default=0.0), zstar)
    cost = float(sum(r[0] for r in stage[1]))  # stage 2's optimum; stage 3 may spend up to move_tolerance more
    bound2 = sum(r[1] if r[1] is not None else 0.0 for r in stage[1])
    second = _StageResult(x, cost, min(bound2, cost), _worst_status([r[2] for r in stage[1]]),
                          None if cost <= _TOLERANCE else max(0.0, (cost - bound2) / cost))
    value3 = _balance_value(program, groups, x[:n_opt])
    solved3 = [r for r in stage[2] if r[2] != "skipped"]
    status3 = _worst_status([r[2] for r in solved3]) if solved3 else "skipped"
    gap3 = max([r[3] or 0.0 for r in solved3], default=0.0) if solved3 else None
    third = _StageResult(x, value3, None if gap3 is None else value3 * (1 - gap3), status3, gap3)
    return x, first, second, third


def _worst_status(statuses: list[str]) -> str:
    for status in ("heuristic", "feasible", "optimal"):
        if status in statuses:
            return status
    return "optimal"


def _solve_block(program, facts, settings, comps, A, lo, hi, row_label, groups, local, x, deadline, zstar):
    """Stages 1 to 3 on the components ``comps``; writes the block's columns of ``x``."""
    model = program.model
    n_opt, k = model.n_options, program.n_components
    in_block = np.zeros(k, dtype=bool)
    in_block[comps] = True
    items = np.flatnonzero(in_block[program.item_component])
    opts = np.flatnonzero(in_block[program.item_component[model.opt_item]])
    units = np.flatnonzero(in_block[program.component])
    cols = np.concatenate([opts, n_opt + comps, n_opt + k + comps])
    rows = np.flatnonzero((row_label >= 0) & in_block[np.maximum(row_label, 0)])
    sub = A[rows][:, cols].tocsr()
    slo, shi = lo[rows], hi[rows]
    m, kb = len(opts), len(comps)
    integrality = np.concatenate([np.ones(m), np.zeros(2 * kb)])
    item_of = np.concatenate([model.opt_item[opts], np.full(2 * kb, -1)])
    lb = np.zeros(m + 2 * kb)
    ub = np.concatenate([np.ones(m), np.full(2 * kb, np.inf)])
    if not program.lower_rows:
        ub[m + kb:] = 0.0

    def remaining(share: float) -> float:
        return max(0.5, (deadline - time.perf_counter()) * share)

    start = np.zeros(n_opt)
    if _zero_cost_start(program, items, units, start):
        xb = np.concatenate([start[opts], np.zeros(2 * kb)])
        first = second = (0.0, 0.0, "optimal", 0.0)
    else:
        # Stage 1: the smallest worst overload of each component, then the smallest worst shortfall.
        floor = _overload_floor(program)[comps]
        c = np.concatenate([np.zeros(m), np.ones(kb), np.zeros(kb)])
        lb[m: m + kb] = floor
        solved = _solve_mip(c, sub, slo, shi, integrality, lb, ub, remaining(0.35), _GAP_STRICT, item_of)
        lb[m: m + kb] = 0.0
        if solved.x is None:
            if solved.status == "infeasible":
                raise RebalanceInfeasible(_why_infeasible(program, facts), where="rebalance")
            xb = _greedy(program, opts, items, comps)
            first = (float(xb[m: m + kb].sum()), float(floor.sum()), "heuristic", None)
        else:
            xb = solved.x
            first = (solved.objective, solved.dual_bound, _status(solved), solved.gap)
        zstar[comps] = np.maximum(xb[m: m + kb], 0.0)
        zstar[comps] = np.where(zstar[comps] <= 1e-7, 0.0, zstar[comps])
        ub[m: m + kb] = np.maximum(xb[m: m + kb], 0.0) + settings.overload_tolerance + 1e-7
        if program.lower_rows and first[2] != "heuristic":
            c = np.concatenate([np.zeros(m + kb), np.ones(kb)])
            solved = _solve_mip(c, sub, slo, shi, integrality, lb, ub, remaining(0.3), _GAP_STRICT, item_of)
            if solved.x is not None:
                xb = solved.x
        if program.lower_rows:
            ub[m + kb:] = np.maximum(xb[m + kb:], 0.0) + settings.overload_tolerance + 1e-7
        # Stage 2: the least move cost that keeps them.
        c = np.concatenate([model.opt_cost[opts], np.zeros(2 * kb)])
        solved = _solve_mip(c, sub, slo, shi, integrality, lb, ub, remaining(0.6), _GAP_STRICT, item_of)
        if solved.x is not None and solved.objective <= float(c @ xb) + 1e-9:
            xb = solved.x
            second = (float(c @ xb), float(c @ xb) if solved.status == "optimal" else solved.dual_bound,
                      _status(solved), solved.gap)
        else:
            second = (float(c @ xb), solved.dual_bound, "heuristic", None)
    x[cols] = xb
    third = _balance_block(program, settings, comps, opts, cols, sub, slo, shi, integrality, lb, ub, groups, local,
                           x, remaining(1.0))
    return first, second, third


def _balance_block(program, settings, comps, opts, cols, sub, slo, shi, integrality, lb, ub, groups, local, x,
                   seconds):
    """Stage 3 on one block: the least weighted relative mean absolute deviation, within the move budget."""
    from scipy import sparse

    model = program.model
    m, kb = len(opts), len(comps)
    in_block = np.zeros(program.n_components, dtype=bool)
    in_block[comps] = True
    rows, rlo, rhi, costs = [], [], [], []
    n_extra = 0
    pieces = []
    for g in groups:
        at = local[g.units]
        inside = (at >= 0) & in_block[program.component[np.maximum(at, 0)]]
        if g.mean is None:
            if not inside.any():
                continue
            chosen = np.arange(len(g.units))  # the whole group: its mean moves with the block's choices
        else:
            chosen = np.flatnonzero(inside)
        if len(chosen) == 0:
            continue
        pieces.append((g, chosen))
        n_extra += len(chosen) + (1 if g.mean is None else 0)
    if not pieces or m == 0:
        return 0.0, None, "skipped", None
    width = m + 2 * kb + n_extra
    col_of = np.full(model.n_options, -1)
    col_of[opts] = np.arange(m)
    con_in = col_of[model.con_opt] >= 0
    at = m + 2 * kb
    cost = np.zeros(width)
    for g, chosen in pieces:
        units = g.units[chosen]
        n = len(units)
        row_of_unit = np.full(model.n_units, -1)
        row_of_unit[units] = np.arange(n)
        r = row_of_unit[model.con_unit]
        keep = con_in & (r >= 0)
        M = sparse.csr_array((g.con_values[keep] / g.scale, (r[keep], col_of[model.con_opt[keep]])), shape=(n, width))
        dev = sparse.csr_array((np.ones(n), (np.arange(n), at + np.arange(n))), shape=(n, width))
        f = g.fixed[chosen] / g.scale
        size = len(g.units)
        cost[at: at + n] = g.weight / size
        if g.mean is None:
            mu_col = at + n
            mu = sparse.csr_array((np.ones(n), (np.arange(n), np.full(n, mu_col))), shape=(n, width))
            rows += [(dev - M + mu).tocsr(), (dev + M - mu).tocsr()]
            rlo += [f, -f]
            total = sparse.csr_array(np.asarray(M.sum(axis=0)).reshape(1, -1))
            rows.append((sparse.csr_array(([float(n)], ([0], [mu_col])), shape=(1, width)) - total).tocsr())
            rlo.append(np.array([f.sum()]))
            rhi += [np.full(n, np.inf), np.full(n, np.inf), np.array([f.sum()])]
            at += n + 1
        else:
            mean = g.mean / g.scale
            rows += [(dev - M).tocsr(), (dev + M).tocsr()]
            rlo += [f - mean, mean - f]
            rhi += [np.full(n, np.inf), np.full(n, np.inf)]
            at += n
    # The move budget: at most (1 + move_tolerance) times stage 2's cost, per component.
    spent = np.bincount(np.searchsorted(comps, program.item_component[model.opt_item[opts]]),
                        weights=model.opt_cost[opts] * x[opts], minlength=kb)
    budget = sparse.csr_array((model.opt_cost[opts], (np.searchsorted(comps, program.item_component[model.opt_item[opts]]),
                                                      np.arange(m))), shape=(kb, width))
    rows.append(budget)
    rlo.append(np.full(kb, -np.inf))
    rhi.append((1 + settings.move_tolerance) * spent + 1e-7 * np.maximum(1.0, spent))
    base = sparse.hstack([sub, sparse.csr_array((sub.shape[0], n_extra))]).tocsr()
    A3 = sparse.vstack([base] + rows).tocsr()
    lo3 = np.concatenate([slo] + rlo)
    hi3 = np.concatenate([shi] + rhi)
    integrality3 = np.concatenate([integrality, np.zeros(n_extra)])
    mu_free = np.zeros(n_extra, dtype=bool)
    at = 0
    for g, chosen in pieces:
        at += len(chosen)
        if g.mean is None:
            mu_free[at] = True
            at += 1
    lb3 = np.concatenate([lb, np.where(mu_free, -np.inf, 0.0)])
    ub3 = np.concatenate([ub, np.full(n_extra, np.inf)])
    before = _balance_value(program, [g for g, _ in pieces], x[: model.n_options])
    item_of = np.concatenate([model.opt_item[opts], np.full(2 * kb + n_extra, -1)])
    free_cols = None
    if m > LP_FIRST_COLUMNS:
        # A large block: only the items that can matter to balance are free, the others keep stage 2's option.
        free_items = _balance_candidates(program, settings, pieces, opts, x)
        free_cols = np.concatenate([np.flatnonzero(np.isin(model.opt_item[opts], free_items)),
                                    np.arange(m, width)])
        keep = np.zeros(width, dtype=bool)
        keep[free_cols] = True
        fixed_values = np.concatenate([x[cols], np.zeros(n_extra)])
        constant = A3[:, ~keep] @ fixed_values[~keep]
        A3, lo3, hi3 = A3[:, keep].tocsr(), lo3 - constant, hi3 - constant
        cost, integrality3, lb3, ub3, item_of = cost[keep], integrality3[keep], lb3[keep], ub3[keep], item_of[keep]
        program.model.stage3_scope = int(len(free_items))
    solved = _solve_mip(cost, A3, lo3, hi3, integrality3, lb3, ub3, seconds, _GAP_BALANCE, item_of, interior=True)
    if solved.x is None:
        return before, None, "heuristic", None
    full_x = solved.x if free_cols is None else _unpin(solved.x, free_cols, width, np.concatenate([x[cols],
                                                                                                   np.zeros(n_extra)]))
    trial = x.copy()
    trial[cols] = full_x[: m + 2 * kb]
    after = _balance_value(program, [g for g, _ in pieces], trial[: model.n_options])
    if after <= before + 1e-12:
        x[cols] = full_x[: m + 2 * kb]
    return solved.objective, solved.dual_bound, _status(solved), solved.gap


def _unpin(free_x: np.ndarray, free_cols: np.ndarray, width: int, fixed: np.ndarray) -> np.ndarray:
    out = fixed.copy()
    out[free_cols] = free_x
    return out


#: On a large block, at most this many items stay free in stage 3 (the others keep stage 2's choice).
BALANCE_ITEMS = 1_500


def _balance_candidates(program: _Program, settings: _Settings, pieces, opts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The items stage 3 may still move on a large block: those stage 2 moves (retargeting them costs nothing
    more), and for each balance measure the items of the CSMs furthest above their group's mean that carry
    most of it per move cost."""
    model = program.model
    chosen = opts[x[opts] > 0.5]
    moved_options = chosen[model.opt_cost[chosen] > 0]
    moved_items = model.opt_item[moved_options]
    picked = []
    # Each item's unit and contribution per measure under its current option.
    con_chosen = x[model.con_opt] > 0.5
    per_item_cost = np.full(model.n_items, 0.0)
    np.maximum.at(per_item_cost, model.opt_item[opts], model.opt_cost[opts])
    share = max(5, BALANCE_ITEMS // 2 // max(1, len(pieces)) // 3)
    for g, chosen_units in pieces:
        values = g.fixed + np.bincount(model.con_unit, weights=g.con_values * x[model.con_opt],
                                       minlength=model.n_units)[g.units]
        mean = values.mean()
        for j in np.argsort(-values)[:3]:
            if values[j] <= mean:
                continue
            u = g.units[j]
            on_u = con_chosen & (model.con_unit == u)
            items = model.opt_item[model.con_opt[on_u]]
            weight = g.con_values[on_u] / (1.0 + per_item_cost[items])
            order = np.argsort(-weight, kind="stable")
            picked.append(items[order[:share]])
    picked = np.unique(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)
    room = max(0, BALANCE_ITEMS - len(picked))
    if len(moved_items) > room:  # the moved items that carry the most ARR
        moved_items = moved_items[np.argsort(-model.opt_cost[moved_options], kind="stable")[:room]]
    return np.union1d(picked, moved_items)


def _status(solved: _Solved) -> str:
    return "optimal" if solved.status == "optimal" else "feasible"


def _greedy(program: _Program, opts: np.ndarray, items: np.ndarray, comps: np.ndarray) -> np.ndarray:
    """A block's answer without the solver: every item's cheapest option, ties to the least utilized CSM."""
    model = program.model
    m, kb = len(opts), len(comps)
    load = program.fixed_hours.copy()
    xb = np.zeros(m + 2 * kb)
    position = {o: j for j, o in enumerate(opts)}
    cap = np.where(program.capacity > 0, program.capacity, np.inf)
    by_item: dict[int, list[int]] = {}
    for o in opts:
        by_item.setdefault(int(model.opt_item[o]), []).append(int(o))
    for i in items:
        options = np.array(by_item[int(i)])
        targets = model.opt_unit[options]
        util = np.where(targets >= 0, load[np.maximum(targets, 0)] / cap[np.maximum(targets, 0)], 0.0)
        best = int(options[np.lexsort((util, model.opt_cost[options]))[0]])
        xb[position[best]] = 1.0
        load += program.hours[:, [best]].toarray().ravel()
    b = program.bounded
    over = np.maximum(load[b] / program.capacity[b] - program.top, 0.0)
    z = np.zeros(program.n_components)
    np.maximum.at(z, program.component, over)
    xb[m: m + kb] = z[comps]
    return xb


def _why_infeasible(program: _Program, facts: _Facts) -> str:
    names = [facts.loads.units[u] for u in program.count_units]
    if names:
        return ("no assignment keeps every CSM within their max_accounts: " + ", ".join(names)
                + " cannot take the accounts that must move; raise their max_accounts or add CSMs")
    return "no assignment places every account that must move; check the csms: rules"


# -- the rebalance --------------------------------------------------------------------------------


def rebalance(scenario: Scenario | dict | str | Path, book: Book | str | Path | None = None, *,
              min_utilization: float | None = None, max_utilization: float | None = None,
              move_cost: str | None = None, add_csms=(), keep_verticals: bool | None = None,
              time_limit: float | None = None, freeze_days: int | None = None,
              as_of: datetime.date | str | None = None, overload_tolerance: float | None = None,
              move_tolerance: float | None = None, full_model_pairs: int = FULL_MODEL_PAIRS) -> Rebalance:
    """Build today's books again: the band (or the least worst overload), the least move cost, then balance.

    Every argument left None takes the scenario's ``rebalance:`` block's value, else its default
    (:class:`capacity.inputs.scenario.RebalanceSettings`). See the module docstring for the model.

    Parameters
    ----------
    min_utilization, max_utilization : float
        The band [share of customer hours]; ``max_utilization`` defaults to the target (the fiscal
        year's, else 0.85).
    move_cost : {"weighted", "accounts", "arr", "hours"}
    add_csms : iterable of "NAME:SEGMENT"
        New CSMs with empty books (as a ``csms:`` entry with one segment).
    keep_verticals : bool
        Move accounts only to CSMs who already own accounts of the same vertical in the segment.
    time_limit : float
        Seconds all three stages may take together; each stage's gap says how far from proven it is.
    freeze_days : int
        Accounts whose next renewal is within this many days of ``as_of`` do not move.
    as_of : date or "YYYY-MM-DD"
        The day the plan is made (default: today): the freeze window and the effective dates count from it.
    overload_tolerance, move_tolerance : float
        How much of stage 1's optimum (points of utilization) stage 2 may give up, and of stage 2's
        (a share of the least move cost) stage 3 may spend on balance.
    full_model_pairs : int
        Above this many (account, CSM) options only the accounts that can matter are decided.

    Raises
    ------
    RebalanceInfeasible
        Only when the CSMs' ``max_accounts`` leave no place for an account that must move.
    """
    clock = time.perf_counter()
    scenario = load_scenario(scenario)
    settings = _settings(scenario, min_utilization=min_utilization, max_utilization=max_utilization,
                         move_cost=move_cost, keep_verticals=keep_verticals, time_limit=time_limit,
                         freeze_days=freeze_days, as_of=as_of, overload_tolerance=overload_tolerance,
                         move_tolerance=move_tolerance)
    # The stages stop early enough for the whole-book bound and the answer to fit in the time limit.
    deadline = clock + settings.time_limit - min(8.0, 0.12 * settings.time_limit)
    book = book_of(scenario, book)
    rules, extra = _rules(scenario, book, _parse_added(scenario, add_csms))
    facts = _facts(scenario, book, settings, rules, extra)

    options = _option_count(facts)
    if options <= full_model_pairs:
        model = _build(facts)
    else:
        model = _build(facts, *_candidates(facts, settings))
    program = _program(model, facts, settings)
    x, first, second, third = _solve_stages(program, facts, settings, deadline)
    if model.limited and first.value > 1e-7 and time.perf_counter() < deadline:
        # The accounts tried could not meet the band: try more of them, then (if it is not too large) all.
        wider = _build(facts, *_candidates(facts, settings, factor=8.0, receivers=4 * RECEIVERS))
        if options <= 10 * max(full_model_pairs, 1):
            wider = _build(facts)
        wider_program = _program(wider, facts, settings)
        attempt = _solve_stages(wider_program, facts, settings, max(deadline, time.perf_counter() + 1.0))
        if attempt[1].value < first.value - 1e-9:
            model, program, (x, first, second, third) = wider, wider_program, attempt
    candidates = int(model.in_item.sum())
    chosen = _chosen(model, x[: model.n_options])
    after_unit = _after_units(model, chosen)
    bound = _moves_bound(program, facts, settings, x, second)
    objectives = _objectives(program, settings, first, second, third, bound, full=not model.limited)
    shortages = _shortages(scenario, program, facts, settings, x, first, deadline)
    owners_after, moved_by_handover = _owners_after(facts, after_unit)
    moves = _moves(scenario, book, facts, settings, program, after_unit, owners_after, moved_by_handover, model)
    before = _books(scenario, facts, facts.loads.unit, today=True)
    after = _books(scenario, facts, after_unit, today=False)
    fairness = _fairness(scenario, facts, settings, after_unit)
    kept, notes = _kept_and_notes(scenario, facts, settings, model, program, after_unit, moves)
    first_month = 1 if scenario.fiscal_year is None else int(scenario.fiscal_year.start[5:7])
    stage2 = objectives[1]
    return Rebalance(
        scenario=scenario.name, currency=scenario.currency, as_of=settings.as_of.isoformat(),
        min_utilization=settings.min_utilization, max_utilization=settings.max_utilization,
        move_cost=settings.move_cost, freeze_days=settings.freeze_days,
        overload_tolerance=settings.overload_tolerance, move_tolerance=settings.move_tolerance,
        objectives=objectives, moves=moves, before=before, after=after, fairness=fairness, shortages=shortages,
        kept=kept, notes=notes, quarters=book_rules.quarter_months(first_month),
        status="optimal" if all(o.status in ("optimal", "skipped") for o in objectives) else "feasible",
        gap=stage2.gap, bound=stage2.bound, objective=stage2.value,
        spent=float(model.opt_cost @ x[: model.n_options]), candidates=candidates,
        seconds=time.perf_counter() - clock, owners=owners_after)


#: On a large book, how many CSMs each decided account may go to besides its owner: as many of the least
#: utilized, and as many drawn among the others.
RECEIVERS = 5
#: On a large book, at most this many accounts of one CSM enter the model for one balance measure.
BALANCE_OFFER = 60


def _option_count(facts: _Facts) -> int:
    """How many (account, CSM) options the whole book's model would have (before hierarchies merge accounts)."""
    decided = facts.dedicated & ~_immovable(facts)
    per_key = facts.eligible.sum(axis=1)
    return int(per_key[facts.spv[decided]].sum())


def _candidates(facts: _Facts, settings: _Settings, factor: float = 2.0,
                receivers: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """The accounts that can matter on a large book, and how receivers are ranked.

    Today's books with every account that must move taken out: each CSM above the band offers its
    cheapest accounts per hour up to ``factor`` times its excess (and its smallest, to fine-tune); a CSM
    below the band takes from the three fullest CSMs who serve its accounts; a CSM over its
    ``max_accounts`` offers its cheapest; for each balance measure the three CSMs furthest above their
    segment's mean offer the accounts that carry most of it. Every account that must move is in.
    Receivers are ranked by utilization (lowest first).
    """
    loads = facts.loads
    unit = loads.unit
    n_units = len(loads.units)
    owned = unit >= 0
    immovable = _immovable(facts)
    keep_ok = np.zeros(len(unit), dtype=bool)
    keep_ok[owned] = facts.eligible[facts.spv[owned], unit[owned]]
    must = facts.dedicated & ~immovable & (~owned | ~keep_ok)
    # A hierarchy with an account that must move moves whole.
    must |= facts.dedicated & np.isin(facts.hierarchy, facts.hierarchy[must])
    stays = owned & ~must
    free = stays & facts.dedicated & ~immovable
    hours = np.bincount(unit[stays], weights=facts.hours[stays], minlength=n_units)
    count = np.bincount(unit[stays], minlength=n_units)
    cap = facts.capacity
    # The accounts that must move land somewhere: on the least utilized CSM who may take each, in turn.
    safe_cap = np.where(cap > 0, cap, 1.0)
    arriving = np.flatnonzero(must)
    _, group = np.unique(facts.hierarchy[arriving], return_inverse=True)  # a hierarchy lands whole
    sizes = np.bincount(group, weights=facts.hours[arriving]) if len(arriving) else np.zeros(0)
    for g in np.argsort(-sizes, kind="stable"):
        members = arriving[group == g]
        takers = np.flatnonzero(facts.eligible[facts.spv[members[0]]])
        if len(takers) == 0:
            continue
        u = takers[np.argmin(hours[takers] / safe_cap[takers])]
        hours[u] += facts.hours[members].sum()
        count[u] += len(members)
    util = np.where(cap > 0, hours / safe_cap, np.inf)
    candidate = must.copy()
    worth = np.maximum(facts.worth, 1e-12)
    positions = np.flatnonzero(free)
    by_unit = pd.Series(positions).groupby(unit[positions]).apply(np.asarray).to_dict() if len(positions) else {}

    def offer(u: int, need: float, key: np.ndarray, amount: np.ndarray, extra: int = 10, most: int | None = None) -> None:
        mine = by_unit.get(u)
        if mine is None or need <= 0:
            return
        mine = mine[np.argsort(key[mine], kind="stable")]
        cum = np.cumsum(amount[mine])
        k = int(np.searchsorted(cum, factor * need)) + 1
        k = max(k, extra) if most is None else min(max(k, extra), int(most * factor / 2))
        candidate[mine[:k]] = True
        candidate[mine[np.argsort(facts.hours[mine], kind="stable")[:extra]]] = True

    per_hour = worth / np.maximum(facts.hours, 1e-12)
    top = settings.max_utilization * cap
    for u in np.flatnonzero((cap > 0) & (hours > top + _TOLERANCE)):
        offer(int(u), float(hours[u] - top[u]), per_hour, facts.hours)
    if settings.min_utilization > 0:
        for u in np.flatnonzero((cap > 0) & (hours < settings.min_utilization * cap - _TOLERANCE)):
            keys = np.flatnonzero(facts.eligible[:, u])
            donors = np.flatnonzero(facts.eligible[keys].any(axis=0))
            donors = donors[donors != u]
            for d in donors[np.argsort(-util[donors])][:3]:
                offer(int(d), float(settings.min_utilization * cap[u] - hours[u]), per_hour, facts.hours)
    for u in np.flatnonzero(facts.max_accounts >= 0):
        offer(int(u), float(count[u] - facts.max_accounts[u]), worth, np.ones(len(unit)), extra=5)
    # Balance: the CSMs furthest above their segment's mean of each measure.
    measures = [(settings.weights["hours"], facts.hours), (settings.weights["arr"], loads.arr)]
    if facts.has_renewals and settings.weights["renewals"] > 0:
        measures += [(settings.weights["renewals"], (facts.quarter == q).astype(float))
                     for q in range(book_rules.QUARTERS)]
    if facts.has_health and settings.weights["at_risk"] > 0:
        measures.append((settings.weights["at_risk"], facts.risk.astype(float)))
    for s in np.unique(facts.home[facts.home >= 0]):
        units = np.flatnonzero(facts.home == s)
        if len(units) < 2:
            continue
        for weight, values in measures:
            if weight <= 0:
                continue
            totals = np.bincount(unit[stays], weights=values[stays], minlength=n_units)[units]
            mean = totals.mean()
            for j in np.argsort(-totals)[:3]:
                if totals[j] > mean:
                    offer(int(units[j]), float(totals[j] - mean), -values / worth, values, extra=5, most=BALANCE_OFFER)
    rank = np.where(cap > 0, util, np.inf)
    return candidate, rank, receivers or RECEIVERS


def _chosen(model: _Model, x: np.ndarray) -> np.ndarray:
    """The option each item takes."""
    picked = np.flatnonzero(x > 0.5)
    chosen = np.full(model.n_items, -1, dtype=np.int64)
    chosen[model.opt_item[picked]] = picked
    if (chosen < 0).any():  # a solver answer within tolerance of a fraction: the largest share
        for i in np.flatnonzero(chosen < 0):
            options = np.flatnonzero(model.opt_item == i)
            chosen[i] = options[np.argmax(x[options])]
    return chosen


def _after_units(model: _Model, chosen: np.ndarray) -> np.ndarray:
    unit = model.fixed_unit.copy()
    item_of = np.repeat(np.arange(model.n_items), np.diff(model.item_start))
    target = model.opt_unit[chosen][item_of]
    members = model.item_accounts
    unit[members] = np.where(target >= 0, target, model.fixed_unit[members])
    return unit


# -- objectives, bounds and shortages -------------------------------------------------------------

_COST_WORDS = {"weighted": "each move 1 + its ARR over its segment's average ARR", "accounts": "one per account",
               "arr": "the ARR moved", "hours": "the hours a month moved"}


def _moves_bound(program: _Program, facts: _Facts, settings: _Settings, x: np.ndarray, second: _StageResult) -> float:
    """A lower bound on the least move cost of the whole book given stage 1's overloads."""
    if second.status == "optimal" and not program.model.limited:
        return second.value
    bound = second.bound if second.bound is not None and not program.model.limited else 0.0
    return float(min(max(bound, _whole_book_bound(program, facts, settings, x)), second.value))


def _objectives(program: _Program, settings: _Settings, first: _StageResult, second: _StageResult,
                third: _StageResult, bound: float, full: bool) -> tuple[Objective, ...]:
    k = program.n_components
    z = first.per_component if first.per_component is not None else np.zeros(k)
    worst = float(z.max()) if len(z) else 0.0
    band = (f"every CSM within [{settings.min_utilization:.0%}, {settings.max_utilization:.0%}] utilization; where "
            "no assignment fits, the smallest worst overload (points above the band; a CSM's locked and frozen "
            "accounts alone are not counted against the others)")
    restricted = program.model.limited
    status1, bound1 = first.status, (worst if first.status == "optimal" else None)
    if restricted and worst > 1e-7:  # the accounts left out might have done better: not proven
        status1, bound1 = "feasible", None
    one = Objective(1, "band", band, worst, bound1, status1, 0.0 if status1 == "optimal" else first.gap)
    value2 = float(second.value)
    gap2 = 0.0 if value2 <= _TOLERANCE else max(0.0, (value2 - bound) / value2)
    status2 = "optimal" if gap2 <= 1e-9 else "feasible"
    tolerance = ("" if settings.overload_tolerance <= 0 else
                 f", letting the worst overload exceed its least by up to {settings.overload_tolerance:.1%}")
    two = Objective(2, "moves", f"the least move cost ({_COST_WORDS[settings.move_cost]}) that keeps objective 1"
                    + tolerance, value2, bound, status2, gap2)
    three_statement = ("the most even hours, ARR, renewals per quarter and at-risk accounts across each segment's CSMs "
                       "(the weighted sum of their relative mean absolute deviations), spending at most "
                       f"{settings.move_tolerance:.0%} more move cost than objective 2's")
    scope3 = "whole book"
    if program.model.stage3_scope is not None or restricted:
        decided = program.model.stage3_scope if program.model.stage3_scope is not None else program.model.n_items
        scope3 = f"{decided:,} accounts and hierarchies that can matter"
    status3 = third.status if scope3 == "whole book" or third.status != "optimal" else "feasible"
    three = Objective(3, "balance", three_statement, float(third.value), third.bound, status3, third.gap, scope3)
    return one, two, three


def _whole_book_bound(program: _Program, facts: _Facts, settings: _Settings, x: np.ndarray) -> float:
    """A lower bound on the least move cost of the whole book, whichever accounts the model decided.

    The accounts that must move (their CSM leaves, or may not keep them) cost their worth, and with them
    the rest of a hierarchy one CSM holds. The others move in blocks (an account, or a hierarchy one CSM
    holds whole; a hierarchy held by a locked or frozen account does not move): each CSM still above the
    band's top (plus the overload stage 1 allows) must shed at least its excess hours, and each CSM over
    its ``max_accounts`` its excess accounts, from its own blocks (an exact covering knapsack each,
    :func:`_least_shed`); and the hours that leave must fit where they may go (:func:`_flow_bound`).
    """
    loads = facts.loads
    unit = loads.unit
    n_units = len(loads.units)
    owned = unit >= 0
    immovable = _immovable(facts)
    keep_ok = np.zeros(len(unit), dtype=bool)
    keep_ok[owned] = facts.eligible[facts.spv[owned], unit[owned]]
    labels = facts.hierarchy
    mine = facts.dedicated & owned
    frame = pd.DataFrame({"label": labels[mine], "unit": unit[mine], "held": immovable[mine],
                          "all": np.ones(mine.sum(), dtype=bool)})
    grouped = frame.groupby("label")
    holders = grouped["unit"].nunique()
    whole = holders.index[holders.to_numpy() == 1].to_numpy()       # hierarchies one CSM holds
    held = grouped["held"].any()
    held = held.index[held.to_numpy()].to_numpy()                    # ... with an account that cannot move
    in_whole = mine & np.isin(labels, whole)
    whole_labels, whole_size = np.unique(labels[facts.dedicated], return_counts=True)
    alone = facts.dedicated & np.isin(labels, whole_labels[whole_size == 1])
    # What must move whatever the answer: an account alone its CSM may not keep and someone else may
    # carry; a hierarchy one CSM holds (none of it immovable, none without an owner) when one of its
    # accounts must and some other CSM may carry all of it. Anything less certain counts as free.
    others = facts.eligible[facts.spv].copy()
    others[np.flatnonzero(owned), unit[owned]] = False
    must = alone & owned & ~immovable & ~keep_ok & others.any(axis=1)
    unowned_labels = labels[facts.dedicated & ~owned]
    candidates = in_whole & ~np.isin(labels, held) & ~np.isin(labels, unowned_labels) & ~keep_ok & ~immovable
    for label in np.unique(labels[candidates]):
        members = np.flatnonzero(in_whole & (labels == label))
        joint = others[members].all(axis=0)
        if joint.any():
            must[members] = True
    must_cost = float(facts.worth[must].sum())
    # Hierarchies split between CSMs or with accounts without an owner enter with their own options.
    multi = facts.dedicated & ~alone
    complex_ = multi & ~(in_whole & ~np.isin(labels, unowned_labels))
    explicit = _build(facts, candidate=complex_, hierarchies_only=True) if complex_.any() else None
    if explicit is not None:
        complex_ = np.zeros(len(unit), dtype=bool)
        complex_[explicit.item_accounts] = True
    free = mine & ~immovable & ~must & ~(in_whole & np.isin(labels, held)) & ~complex_
    stays = owned & ~must & ~complex_
    hours_now = np.bincount(unit[stays], weights=facts.hours[stays], minlength=n_units)
    count_now = np.bincount(unit[stays], minlength=n_units)
    k = program.n_components
    z = x[program.model.n_options: program.model.n_options + k]
    top = np.full(n_units, np.inf)
    top[program.bounded] = (program.top + z[program.component]) * program.capacity[program.bounded]
    limit = np.where(facts.max_accounts >= 0, facts.max_accounts, np.iinfo(np.int64).max)
    # Blocks: a hierarchy one CSM holds whole, else the account alone.
    F = np.flatnonzero(free)
    block_key = np.where(in_whole[F], labels[F], len(unit) + F)
    _, block = np.unique(block_key, return_inverse=True)
    n_blocks = int(block.max()) + 1 if len(F) else 0
    blocks = {"hours": np.bincount(block, weights=facts.hours[F], minlength=n_blocks),
              "worth": np.bincount(block, weights=facts.worth[F], minlength=n_blocks),
              "count": np.bincount(block, minlength=n_blocks).astype(float),
              "unit": np.zeros(n_blocks, dtype=np.int64)}
    blocks["unit"][block] = unit[F]
    kind = _bound_kind(settings)
    shed = 0.0
    cuts = {}
    over = np.flatnonzero((hours_now - top > _TOLERANCE) | (count_now > limit))
    ends = time.perf_counter() + min(5.0, 0.08 * settings.time_limit)  # exact knapsacks while time allows
    for u in over:
        own = blocks["unit"] == u
        need = float(hours_now[u] - top[u]) if hours_now[u] - top[u] > _TOLERANCE else 0.0
        excess = int(count_now[u] - limit[u]) if count_now[u] > limit[u] else 0
        left = min(0.5, ends - time.perf_counter())
        least = _least_shed(blocks["hours"][own], blocks["worth"][own], need, excess, kind, blocks["count"][own], left)
        shed += least
        cuts[int(u)] = least
    bound = shed + must_cost
    bound = bound if math.isfinite(bound) else must_cost
    flow = _flow_bound(program, facts, settings, x, must, F, block, blocks, hours_now, count_now, top, limit, cuts,
                       explicit, complex_)
    return max(bound, flow)


def _flow_bound(program, facts, settings, x, must, F, block, blocks, hours_now, count_now, top, limit, cuts,
                explicit: _Model | None = None, explicit_accounts: np.ndarray | None = None) -> float:
    """The whole book's move cost as a linear program over hours rather than accounts (a lower bound).

    A move's cost does not depend on where the account goes, so the relaxation needs no destinations:
    each block that may move (:func:`_whole_book_bound`) leaves a share ``m_b`` of itself (cost
    ``w_b m_b``), each CSM receives hours ``r_vg`` of the (segment, pool, vertical) keys it may carry,
    and the hours leaving a key (with those that must move and those without an owner) are the hours
    arriving. Each CSM stays within its top (plus stage 1's overload) and its ``max_accounts``, and
    sheds at least its exact covering knapsack in cost. Every rebalance is a point of it (whole
    accounts and one CSM per hierarchy aside), so its optimum bounds the least move cost from below.
    """
    from scipy import sparse

    loads = facts.loads
    unit = loads.unit
    n_units = len(loads.units)
    cap = facts.capacity
    active = (cap > 0) & ~facts.leaving & ~loads.pooled_unit
    n_blocks = len(blocks["hours"])
    g_of = facts.spv
    n_keys = facts.eligible.shape[0]
    key_unit = np.argwhere(facts.eligible & active[None, :])   # (key, unit) pairs that may receive
    n_r = len(key_unit)
    n_x = 0 if explicit is None else explicit.n_options
    n = n_blocks + n_r + n_x
    k = program.n_components
    z = x[program.model.n_options: program.model.n_options + k]
    z_all = float(z.max()) if k else 0.0
    top_all = np.where(np.isfinite(top), top, (settings.max_utilization + z_all) * cap)
    units = np.flatnonzero(active)
    row_of = np.full(n_units, -1)
    row_of[units] = np.arange(len(units))
    r_unit = row_of[blocks["unit"]]
    ok = r_unit >= 0
    A_units = sparse.csr_array((np.concatenate([-blocks["hours"][ok], np.ones(n_r)]),
                                (np.concatenate([r_unit[ok], row_of[key_unit[:, 1]]]),
                                 np.concatenate([np.flatnonzero(ok), n_blocks + np.arange(n_r)]))),
                               shape=(len(units), n))
    if n_x:
        keep = row_of[explicit.con_unit] >= 0
        A_units = A_units + sparse.csr_array(
            (explicit.con_hours[keep], (row_of[explicit.con_unit[keep]], n_blocks + n_r + explicit.con_opt[keep])),
            shape=(len(units), n))
    hi_units = top_all[units] - hours_now[units]
    incoming = must | (facts.dedicated & (unit < 0) & facts.eligible[g_of].any(axis=1))
    if explicit_accounts is not None:
        incoming &= ~explicit_accounts
    supply = np.bincount(g_of[incoming], weights=facts.hours[incoming], minlength=n_keys)
    A_keys = sparse.csr_array((np.concatenate([facts.hours[F], -np.ones(n_r)]),
                               (np.concatenate([g_of[F], key_unit[:, 0]]),
                                np.concatenate([block, n_blocks + np.arange(n_r)]))), shape=(n_keys, n))
    rows = [A_units, A_keys]
    lo = [np.full(len(units), -np.inf), -supply]
    hi = [hi_units, -supply]
    if n_x:
        rows.append(sparse.csr_array((np.ones(n_x), (explicit.opt_item, n_blocks + n_r + np.arange(n_x))),
                                     shape=(explicit.n_items, n)))
        lo.append(np.ones(explicit.n_items))
        hi.append(np.ones(explicit.n_items))
    limited = units[limit[units] < np.iinfo(np.int64).max]
    if len(limited):
        r_lim = np.full(n_units, -1)
        r_lim[limited] = np.arange(len(limited))
        rl = r_lim[blocks["unit"]]
        okl = rl >= 0
        count_rows = sparse.csr_array((-blocks["count"][okl], (rl[okl], np.flatnonzero(okl))), shape=(len(limited), n))
        if n_x:
            keep = r_lim[explicit.con_unit] >= 0
            count_rows = count_rows + sparse.csr_array(
                (explicit.con_count[keep], (r_lim[explicit.con_unit[keep]], n_blocks + n_r + explicit.con_opt[keep])),
                shape=(len(limited), n))
        rows.append(count_rows)
        lo.append(np.full(len(limited), -np.inf))
        hi.append((limit[limited] - count_now[limited]).astype(float))
    cut_rows, cut_lo = [], []
    for u, least in cuts.items():
        own = np.flatnonzero(blocks["unit"] == u)
        if math.isfinite(least) and least > 0 and len(own):
            cut_rows.append(sparse.csr_array((blocks["worth"][own], (np.zeros(len(own), dtype=np.int64), own)),
                                             shape=(1, n)))
            cut_lo.append(least)
    if cut_rows:
        rows.append(sparse.vstack(cut_rows))
        lo.append(np.array(cut_lo))
        hi.append(np.full(len(cut_lo), np.inf))
    A = sparse.vstack(rows).tocsr()
    c = np.concatenate([blocks["worth"], np.zeros(n_r)] + ([explicit.opt_cost] if n_x else []))
    solved = _milp(c, A, np.concatenate(lo), np.concatenate(hi), np.zeros(n), np.zeros(n),
                   np.concatenate([np.ones(n_blocks), np.full(n_r, np.inf), np.ones(n_x)]), 20.0, 1e-9)
    if solved.status != "optimal":
        return 0.0
    return float(solved.objective) + float(facts.worth[must].sum())


def _least_shed(hours: np.ndarray, worth: np.ndarray, need: float, count: int, kind: str,
                sizes: np.ndarray | None = None, seconds: float = 2.0) -> float:
    """The least worth of a set of blocks with at least ``need`` hours and ``count`` accounts (``sizes``: accounts
    per block, 1 each by default): a covering knapsack, solved exactly (a two-row integer program); a
    relaxation's value when it is too large."""
    from scipy import sparse

    sizes = np.ones(len(hours)) if sizes is None else sizes
    if need <= _TOLERANCE and count <= 0:
        return 0.0
    if hours.sum() < need - _TOLERANCE or sizes.sum() < count:
        return math.inf
    quick = move_bound(hours, worth, need, kind) if (sizes == 1).all() else 0.0
    if len(hours) > 20_000 or seconds <= 0:
        return quick
    A = sparse.csr_array(np.vstack([hours, sizes]))
    solved = _milp(worth, A, np.array([need - _TOLERANCE, count]), np.array([np.inf, np.inf]), np.ones(len(hours)),
                   np.zeros(len(hours)), np.ones(len(hours)), seconds, 1e-6)
    if solved.dual_bound is not None:
        return max(quick, solved.dual_bound)
    if solved.status == "optimal":
        return max(quick, float(solved.objective) * (1 - 1e-6))
    return quick


def _bound_kind(settings: _Settings) -> str:
    return "arr" if settings.move_cost == "weighted" else settings.move_cost


def _component_segments(program: _Program, facts: _Facts, scenario: Scenario, c: int) -> list[str]:
    names = [s.name for s in scenario.segments]
    model = program.model
    items = np.flatnonzero(program.item_component == c)
    members = np.concatenate([model.item_accounts[model.item_start[i]: model.item_start[i + 1]] for i in items]) \
        if len(items) else np.zeros(0, dtype=np.int64)
    segs = set(facts.loads.segment[members].tolist())
    return [n for i, n in enumerate(names) if i in segs]


def _shortages(scenario: Scenario, program: _Program, facts: _Facts, settings: _Settings, x: np.ndarray,
               first: _StageResult, deadline: float) -> tuple[Shortage, ...]:
    """For each component that cannot meet the band: how many CSMs it has and how many the band needs."""
    model = program.model
    k = program.n_components
    z = first.per_component if first.per_component is not None else np.zeros(k)
    out = []
    cap1 = facts.loads.customer_hours
    for c in range(k):
        if z[c] <= 1e-6:
            continue
        units = program.bounded[program.component == c]
        people = len(units)
        items = np.flatnonzero(program.item_component == c)
        item_hours = _item_hours(program, items)
        hours = float(program.fixed_hours[units].sum() + item_hours.sum())
        top = settings.max_utilization * cap1
        segs = _component_segments(program, facts, scenario, c)
        who = segs[0] if len(segs) == 1 else " and ".join(segs) + " together"
        largest = float(item_hours.max()) if len(item_hours) else 0.0
        if largest > top + _TOLERANCE:
            sentence = (f"{who}: an account (or hierarchy) of {largest:.1f} h/month is more than one CSM's band "
                        f"({top:.1f} h at {settings.max_utilization:.0%}); no number of CSMs keeps it within the band. "
                        f"The worst overload is {z[c]:.1%} above the band")
            out.append(Shortage(tuple(segs), people, people, False, float(z[c]), hours, sentence))
            continue
        by_hours = math.ceil(hours / top - 1e-9) if top > 0 else people
        by_accounts, _ = _csms_for_whole_accounts(item_hours, top)
        needed = max(by_hours, by_accounts, people + 1)
        exact = False
        for extra in range(needed - people, needed - people + 4):
            if time.perf_counter() > deadline + 30:
                break
            fits_now = _fits_with(program, facts, settings, c, extra, min(10.0, max(2.0, deadline - time.perf_counter())))
            if fits_now is None:
                break
            if fits_now:
                needed, exact = people + extra, True
                break
        short = needed - people
        sentence = (f"{who} {'needs' if exact else 'needs at least'} {needed} CSMs to keep everyone within "
                    f"{settings.max_utilization:.0%} utilization ({hours:,.0f} h/month in whole accounts, at most "
                    f"{top:.1f} h each); it has {people}: {short} CSM{'s' if short != 1 else ''} short. Until then "
                    f"the worst overload is {z[c]:.1%} above the band")
        out.append(Shortage(tuple(segs), people, needed, exact, float(z[c]), hours, sentence))
    return tuple(out)


def _item_hours(program: _Program, items: np.ndarray) -> np.ndarray:
    """Each item's hours a month (what any of its options loads in all)."""
    model = program.model
    per_option = np.bincount(model.con_opt, weights=model.con_hours, minlength=model.n_options)
    first = np.full(model.n_items, -1)
    first[model.opt_item[::-1]] = np.arange(model.n_options)[::-1]
    return per_option[first[items]] if len(items) else np.zeros(0)


def _fits_with(program: _Program, facts: _Facts, settings: _Settings, c: int, extra: int, seconds: float):
    """Whether component ``c`` meets the band's top with ``extra`` more CSMs (new, no rules); None when unknown."""
    from scipy import sparse

    model = program.model
    units = program.bounded[program.component == c]
    items = np.flatnonzero(program.item_component == c)
    if len(items) * (len(units) + extra) > 200_000:
        return None
    opts = np.flatnonzero(np.isin(model.opt_item, items))
    item_index = np.full(model.n_items, -1)
    item_index[items] = np.arange(len(items))
    local_unit = np.full(model.n_units, -1)
    local_unit[units] = np.arange(len(units))
    # Items held by locked or frozen accounts stay off the new CSMs.
    held = np.zeros(len(items), dtype=bool)
    fixed = facts.dedicated & (facts.loads.unit >= 0) & (facts.locked | facts.frozen)
    for j, i in enumerate(items):
        held[j] = fixed[model.item_accounts[model.item_start[i]: model.item_start[i + 1]]].any()
    movable_items = np.flatnonzero(~held)
    hours_items = _item_hours(program, items)
    n_old = len(opts)
    n_new = len(movable_items) * extra
    n = n_old + n_new
    n_u = len(units) + extra
    col_opt = {o: j for j, o in enumerate(opts)}
    con = np.isin(model.con_opt, opts)
    con_cols = np.array([col_opt[o] for o in model.con_opt[con]], dtype=np.int64)
    rows_u = local_unit[model.con_unit[con]]
    keep = rows_u >= 0
    hours = sparse.csr_array((model.con_hours[con][keep], (rows_u[keep], con_cols[keep])), shape=(n_u, n))
    new_items = np.repeat(movable_items, extra)
    new_units = np.tile(np.arange(extra), len(movable_items)) + len(units)
    hours = hours + sparse.csr_array((hours_items[new_items], (new_units, n_old + np.arange(n_new))), shape=(n_u, n))
    assign_rows = np.concatenate([item_index[model.opt_item[opts]], new_items])
    assign = sparse.csr_array((np.ones(n), (assign_rows, np.arange(n))), shape=(len(items), n))
    cap = np.concatenate([program.capacity[units], np.full(extra, facts.loads.customer_hours)])
    top_rel = np.concatenate([program.top[program.component == c], np.full(extra, settings.max_utilization)])
    fixed_h = np.concatenate([program.fixed_hours[units], np.zeros(extra)])
    A = sparse.vstack([assign, hours]).tocsr()
    lo = np.concatenate([np.ones(len(items)), np.full(n_u, -np.inf)])
    hi = np.concatenate([np.ones(len(items)), top_rel * cap - fixed_h + 1e-7])
    solved = _milp(np.zeros(n), A, lo, hi, np.ones(n), np.zeros(n), np.ones(n), seconds, _GAP_STRICT)
    if solved.x is not None:
        return True
    return False if solved.status == "infeasible" else None


def _csms_for_whole_accounts(hours: np.ndarray, most: float) -> tuple[int, int]:
    """CSMs needed to hold ``hours`` (one per account) as whole accounts, each at most ``most`` [h/month].

    No CSM can hold more accounts than the smallest ones that fit in ``most``, so at least
    ``ceil(accounts / that many)`` CSMs are needed (a lower bound; an account above ``most`` fits nobody).
    Returns that bound and how many accounts fit one CSM.
    """
    if len(hours) == 0:
        return 0, 0
    cum = np.cumsum(np.sort(hours))
    fits = int(np.searchsorted(cum, most + _TOLERANCE, side="right"))
    return (len(hours) * 10**6 if fits == 0 else math.ceil(len(hours) / fits)), fits


# -- the answer: owners, moves with their reasons, books before and after --------------------------


def _owners_after(facts: _Facts, after_unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each account's owner after the rebalance ("" for none), and which accounts a leaver hands over outside the
    model (their accounts of a pooled team go to the member with the fewest, of a digital segment to no one)."""
    loads = facts.loads
    today = np.array([""] + list(loads.owners), dtype=object)[loads.owner + 1]
    owners = today.copy()
    names = np.array(list(loads.units) + [""], dtype=object)
    dedicated = facts.dedicated
    owners[dedicated] = names[np.where(after_unit[dedicated] >= 0, after_unit[dedicated], len(loads.units))]
    handed = np.zeros(len(owners), dtype=bool)
    leavers = {loads.units[u] for u in np.flatnonzero(facts.leaving)} | {
        r.name for r in facts.rule if r is not None and r.leave is not None}
    if not leavers:
        return owners, handed
    for a in np.flatnonzero(~dedicated & np.isin(today, list(leavers))):
        u = loads.unit[a]
        if u >= 0 and loads.pooled_unit[u]:
            members = [m for m in loads.unit_members[u] if m not in leavers]
            if members:
                counts = {m: int(np.sum(owners == m)) for m in members}
                owners[a] = min(members, key=lambda m: (counts[m], m))
            else:
                owners[a] = ""
        else:
            owners[a] = ""
        handed[a] = True
    return owners, handed


def _unit_totals(facts: _Facts, unit: np.ndarray, hours: np.ndarray, capacity: np.ndarray) -> dict:
    n = len(facts.loads.units)
    carried = unit >= 0
    u = unit[carried]
    hours_u = np.bincount(u, weights=hours[carried], minlength=n)
    quarter = facts.quarter[carried]
    renewals = np.zeros((n, book_rules.QUARTERS), dtype=np.int64)
    has = quarter >= 0
    np.add.at(renewals, (u[has], quarter[has]), 1)
    return {"hours": hours_u, "count": np.bincount(u, minlength=n),
            "arr": np.bincount(u, weights=facts.loads.arr[carried], minlength=n), "renewals": renewals,
            "risk": np.bincount(u, weights=facts.risk[carried], minlength=n).astype(np.int64),
            "util": utilization(hours_u, capacity), "capacity": capacity}


def _phase_in(facts: _Facts, settings: _Settings, receiver: int, accounts: np.ndarray, priority: np.ndarray,
              earliest: np.ndarray) -> np.ndarray:
    """Effective days of the accounts moving to a new hire: from their start month, as they ramp (k/ramp of a full
    book in their k-th month), the accounts of the fullest CSMs first; a hierarchy in one month."""
    rule = facts.rule[receiver]
    start = max(rule.start, settings.as_of)
    first_month = rule.start.year * 12 + rule.start.month - 1
    now = start.year * 12 + start.month - 1
    ramp = max(rule.ramp_months, 0)
    full = settings.max_utilization * facts.capacity[receiver]
    labels = facts.hierarchy[accounts]
    order = np.lexsort((accounts, -priority))
    seen: dict[int, int] = {}
    out = np.empty(len(accounts), dtype="datetime64[D]")
    carried = 0.0
    month = now
    for j in order:
        label = int(labels[j])
        if label in seen:
            chosen = seen[label]
        else:
            group = labels == label
            hours = float(facts.hours[accounts[group]].sum())
            while ramp > 0:
                k = month - first_month + 1
                allowed = min(k / ramp, 1.0) * full
                if carried + hours <= allowed + 1e-9 or k >= ramp:
                    break
                month += 1
            carried += hours
            chosen = seen[label] = month
        day = np.datetime64(f"{chosen // 12:04d}-{chosen % 12 + 1:02d}-01", "D")
        out[j] = max(day, np.datetime64(start, "D"), earliest[j])
    return out


def _moves(scenario: Scenario, book: Book, facts: _Facts, settings: _Settings, program: _Program,
           after_unit: np.ndarray, owners_after: np.ndarray, handed: np.ndarray, model: _Model) -> tuple[Move, ...]:
    loads = facts.loads
    names = [s.name for s in scenario.segments]
    today_names = np.array([""] + list(loads.owners), dtype=object)[loads.owner + 1]
    moved = np.flatnonzero(owners_after != today_names)
    if len(moved) == 0:
        return ()
    before = _unit_totals(facts, loads.unit, loads.hours, loads.unit_capacity)
    after = _unit_totals(facts, after_unit, facts.hours, facts.capacity)
    quarters = book_rules.quarter_months(1 if scenario.fiscal_year is None else int(scenario.fiscal_year.start[5:7]))
    means = _group_means(facts, before)
    ids = book.table.column("account_id")
    has_name = book.has_column("name")
    item_size = np.zeros(len(loads.unit), dtype=np.int64)
    item_size[model.item_accounts] = np.repeat(np.diff(model.item_start), np.diff(model.item_start))
    owned = loads.unit >= 0
    keep_ok = np.zeros(len(loads.unit), dtype=bool)
    keep_ok[owned] = facts.eligible[facts.spv[owned], loads.unit[owned]]
    as_of = np.datetime64(settings.as_of, "D")
    effective = np.full(len(moved), as_of)
    reasons = []
    for j, a in enumerate(moved):
        donor, receiver = int(loads.unit[a]), int(after_unit[a])
        rule = facts.rule[donor] if donor >= 0 else None
        if handed[a]:
            effective[j] = max(as_of, np.datetime64(rule.leave, "D"))
            where = "pooled team" if owners_after[a] else "digital segment: no CSM"
            reasons.append(f"leaves {rule.leave:%Y-%m} ({where})")
            continue
        if donor >= 0 and facts.leaving[donor]:
            effective[j] = max(as_of, np.datetime64(rule.leave, "D"))
        reasons.append(_reason(a, donor, receiver, facts, settings, before, after, means, quarters, keep_ok, names,
                               scenario.currency))
        if item_size[a] > 1:
            reasons[-1] += f"; with its hierarchy ({item_size[a]} accounts)"
    # New hires take their accounts from their start month, as they ramp.
    for receiver in np.unique(after_unit[moved]):
        rule = facts.rule[receiver] if receiver >= 0 else None
        if rule is None or rule.start is None:
            continue
        mine = np.flatnonzero((after_unit[moved] == receiver) & ~handed[moved])
        donors = loads.unit[moved[mine]]
        priority = np.where(donors >= 0, np.nan_to_num(before["util"][np.maximum(donors, 0)], nan=0.0), 0.0)
        effective[mine] = _phase_in(facts, settings, int(receiver), moved[mine], priority, effective[mine])
    out = []
    for j, a in enumerate(moved):
        a = int(a)
        label = int(facts.hierarchy[a])
        out.append(Move(ids[a].as_py(), book.table.column("name")[a].as_py() if has_name else "",
                        str(today_names[a]), str(owners_after[a]), float(facts.hours[a]), float(loads.arr[a]),
                        reasons[j], str(effective[j]), names[int(loads.segment[a])],
                        ids[label].as_py() if item_size[a] > 1 else ""))
    out.sort(key=lambda m: (m.effective, m.from_csm, m.to_csm, m.account_id))
    return tuple(out)


def _group_means(facts: _Facts, totals: dict) -> dict:
    """Per home segment, the mean ARR, renewals per quarter and at-risk accounts of its CSMs today."""
    out = {}
    for s in np.unique(facts.home[facts.home >= 0]):
        units = np.flatnonzero(facts.home == s)
        out[int(s)] = {"hours": float(totals["hours"][units].mean()), "arr": float(totals["arr"][units].mean()),
                       "renewals": totals["renewals"][units].mean(axis=0),
                       "risk": float(totals["risk"][units].mean())}
    return out


def _reason(a, donor, receiver, facts, settings, before, after, means, quarters, keep_ok, names, currency) -> str:
    from capacity import formatting as fmt

    loads = facts.loads
    if donor < 0:
        return "unowned"
    rule = facts.rule[donor]
    if facts.leaving[donor]:
        return f"leaves {rule.leave:%Y-%m}"
    if not keep_ok[a] and rule is not None:
        segment = names[int(loads.segment[a])]
        if rule.segments is not None and segment not in rule.segments:
            return f"outside {loads.units[donor]}'s segments ({', '.join(rule.segments)})"
        if rule.verticals is not None:
            return f"outside {loads.units[donor]}'s verticals ({', '.join(rule.verticals)})"
    if rule is not None and rule.max_accounts is not None and before["count"][donor] > rule.max_accounts:
        return f"over {rule.max_accounts} accounts ({before['count'][donor]} -> {after['count'][donor]})"
    u_before, u_after = before["util"][donor], after["util"][donor]
    if np.isfinite(u_before) and u_before > settings.max_utilization + 1e-9:
        return f"over {fmt.percent(u_before, 0)} -> {fmt.percent(u_after, 0)}"
    r_before = before["util"][receiver] if receiver >= 0 else np.nan
    if receiver >= 0 and np.isfinite(r_before) and r_before < settings.min_utilization - 1e-9:
        return f"under {fmt.percent(r_before, 0)} -> {fmt.percent(after['util'][receiver], 0)} at {loads.units[receiver]}"
    receiver_rule = facts.rule[receiver] if receiver >= 0 else None
    hire = "" if receiver_rule is None or receiver_rule.start is None else f"; new hire from {receiver_rule.start:%Y-%m}"
    group = means.get(int(facts.home[donor])) if facts.home[donor] >= 0 else None
    if group is not None:
        options = []
        q = int(facts.quarter[a])
        if facts.has_renewals and q >= 0 and settings.weights["renewals"] > 0 and group["renewals"][q] > 0:
            options.append((before["renewals"][donor, q] / group["renewals"][q],
                            f"frees a renewal-heavy {quarters[q].split(' ')[0]} ({before['renewals'][donor, q]} -> "
                            f"{after['renewals'][donor, q]} renewals)"))
        if facts.has_health and facts.risk[a] and settings.weights["at_risk"] > 0 and group["risk"] > 0:
            options.append((before["risk"][donor] / group["risk"],
                            f"spreads at-risk accounts ({before['risk'][donor]} -> {after['risk'][donor]})"))
        if settings.weights["hours"] > 0 and group["hours"] > 0:
            options.append((before["hours"][donor] / group["hours"],
                            f"evens hours ({before['hours'][donor]:.1f} -> {after['hours'][donor]:.1f} h/month)"))
        if settings.weights["arr"] > 0 and group["arr"] > 0:
            options.append((before["arr"][donor] / group["arr"],
                            f"evens ARR ({fmt.money_short(before['arr'][donor], currency)} -> "
                            f"{fmt.money_short(after['arr'][donor], currency)})"))
        options = [o for o in options if o[0] > 1 + 1e-9]
        if options:
            return max(options, key=lambda o: o[0])[1] + hire
    if hire:
        return hire[2:]
    return f"makes room at {loads.units[donor]} ({fmt.percent(u_before, 0)} -> {fmt.percent(u_after, 0)})"


def _books(scenario: Scenario, facts: _Facts, unit: np.ndarray, *, today: bool) -> tuple[CSMBook, ...]:
    """Each CSM's and pooled team's book, today's (``today``) or after the rebalance."""
    loads = facts.loads
    capacity = loads.unit_capacity if today else facts.capacity
    hours = loads.hours if today else facts.hours
    totals = _unit_totals(facts, unit, hours, capacity)
    names = [s.name for s in scenario.segments]
    carried = unit >= 0
    n, k = len(loads.units), len(names)
    pairs = np.bincount(unit[carried] * k + loads.segment[carried], minlength=n * k).reshape(n, k)
    rows = []
    for u, name in enumerate(loads.units):
        rule = facts.rule[u]
        is_new = name not in loads.owners and not loads.pooled_unit[u]
        if loads.unit_capacity[u] == 0 and totals["count"][u] == 0 and not loads.pooled_unit[u]:
            continue  # a pool member: carried by the team row
        if is_new and today and False:
            continue
        note = []
        if rule is not None and rule.start is not None:
            note.append(f"new hire from {rule.start.isoformat()}")
        elif is_new:
            note.append("new CSM")
        if rule is not None and rule.leave is not None:
            note.append(f"leaves {rule.leave.isoformat()}")
        if loads.pooled_unit[u]:
            note.append("pooled team")
        util = totals["util"][u]
        rows.append(CSMBook(name, tuple(names[i] for i in np.flatnonzero(pairs[u])), int(totals["count"][u]),
                            float(totals["arr"][u]), float(totals["hours"][u]), float(capacity[u]),
                            None if not np.isfinite(util) else float(util),
                            tuple(int(v) for v in totals["renewals"][u]), int(totals["risk"][u]), "; ".join(note)))
    return tuple(rows)


def _fairness(scenario: Scenario, facts: _Facts, settings: _Settings, after_unit: np.ndarray) -> tuple[Fairness, ...]:
    """Coefficient of variation and max/min ratio of each measure across each segment's CSMs, before and after."""
    loads = facts.loads
    names = [s.name for s in scenario.segments]
    before = _unit_totals(facts, loads.unit, loads.hours, loads.unit_capacity)
    after = _unit_totals(facts, after_unit, facts.hours, facts.capacity)
    # Today's home segment of every CSM who carries a dedicated book (leavers included).
    owns = facts.dedicated & (loads.unit >= 0)
    home_before = np.full(len(loads.units), -1)
    if owns.any():
        by_segment = np.zeros((len(loads.units), len(names)))
        np.add.at(by_segment, (loads.unit[owns], loads.segment[owns]), loads.hours[owns])
        has = by_segment.sum(axis=1) > 0
        home_before[has] = np.argmax(by_segment[has], axis=1)
    quarters = book_rules.quarter_months(1 if scenario.fiscal_year is None else int(scenario.fiscal_year.start[5:7]))
    measures = [("hours", lambda t: t["hours"]), ("ARR", lambda t: t["arr"])]
    if facts.has_renewals:
        measures += [(f"renewals {label}", lambda t, q=q: t["renewals"][:, q]) for q, label in enumerate(quarters)]
    if facts.has_health:
        measures.append((f"at-risk accounts ({', '.join(settings.at_risk)})", lambda t: t["risk"]))
    out = []
    for s in sorted(set(home_before[home_before >= 0]) | set(facts.home[facts.home >= 0])):
        was = np.flatnonzero(home_before == s)
        now = np.flatnonzero(facts.home == s)
        if len(was) < 2 and len(now) < 2:
            continue
        for label, of in measures:
            b, a = of(before)[was].astype(float), of(after)[now].astype(float)
            out.append(Fairness(names[s], label, _num(coefficient_of_variation(b)), _num(coefficient_of_variation(a)),
                                _num(max_min_ratio(b)), _num(max_min_ratio(a)), len(was), len(now)))
    return tuple(out)


def _num(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _kept_and_notes(scenario, facts, settings, model, program, after_unit, moves) -> tuple[dict, tuple[str, ...]]:
    """What stayed and why, and what the leader should know, in sentences."""
    from capacity import formatting as fmt

    loads = facts.loads
    unit = loads.unit
    owned = unit >= 0
    leaving_owner = owned & facts.leaving[np.maximum(unit, 0)]
    kept_locked = facts.dedicated & owned & facts.locked & ~leaving_owner
    kept_frozen = facts.dedicated & owned & facts.frozen & ~facts.locked & ~leaving_owner
    labels = facts.hierarchy[facts.dedicated]
    uniq, counts = np.unique(labels, return_counts=True)
    groups = uniq[counts > 1]
    in_groups = facts.dedicated & np.isin(facts.hierarchy, groups)
    split = 0
    for g in groups:
        holders = set(unit[(facts.hierarchy == g) & facts.dedicated & owned].tolist())
        split += len(holders) > 1
    still_split = 0
    for g in groups:
        holders = set(after_unit[(facts.hierarchy == g) & facts.dedicated & (after_unit >= 0)].tolist())
        still_split += len(holders) > 1
    unassigned = facts.dedicated & (after_unit < 0)
    kept = {"locked": int(kept_locked.sum()), "frozen": int(kept_frozen.sum()), "hierarchies": int(len(groups)),
            "hierarchy_accounts": int(in_groups.sum()), "split_hierarchies_today": int(split),
            "split_hierarchies_after": int(still_split), "stuck": int(model.stuck.sum()),
            "unassigned": int(unassigned.sum()),
            "not_movable": int((~facts.dedicated).sum())}
    notes = []
    if kept["locked"]:
        notes.append(f"{kept['locked']:,} locked accounts stay with their CSM.")
    if facts.has_renewals:
        until = settings.as_of + datetime.timedelta(days=settings.freeze_days)
        notes.append(f"{kept['frozen']:,} accounts renewing by {until.isoformat()} (within {settings.freeze_days} days "
                     f"of {settings.as_of.isoformat()}) stay with their CSM.")
    else:
        notes.append("The book has no renewal_date column: no freeze window, and renewals are not balanced.")
    if not facts.has_health:
        notes.append("The book has no health column: at-risk accounts are not balanced.")
    if kept["hierarchies"]:
        notes.append(f"{kept['hierarchies']:,} hierarchies ({kept['hierarchy_accounts']:,} accounts) move whole or "
                     f"not at all" + (f"; {split} split between CSMs today, {still_split} still split after"
                                      if split else "") + ".")
    if kept["stuck"]:
        notes.append(f"{kept['stuck']:,} accounts stay with a CSM whose rules exclude them: no other CSM may carry them.")
    if kept["unassigned"]:
        notes.append(f"{kept['unassigned']:,} accounts without an owner stay unassigned: no CSM may carry them.")
    # CSMs out of the band the rebalance cannot touch, or held there by their own locked and frozen accounts.
    after = _unit_totals(facts, after_unit, facts.hours, facts.capacity)
    for j, u in enumerate(program.bounded):
        if program.top[j] > settings.max_utilization + 1e-9:
            notes.append(f"{loads.units[u]} stays at {fmt.percent(after['util'][u], 0)}: their locked, frozen and "
                         f"unmovable accounts alone make {fmt.percent(program.top[j], 0)}.")
    involved = np.zeros(len(loads.units), dtype=bool)
    involved[program.bounded] = True
    for u in np.flatnonzero(~involved & (facts.capacity > 0)):
        util = after["util"][u]
        if np.isfinite(util) and util > settings.max_utilization + 1e-9:
            why = ("a pooled team's accounts do not move" if loads.pooled_unit[u]
                   else "none of their accounts may move")
            notes.append(f"{loads.units[u]} stays at {fmt.percent(util, 0)}: {why}.")
    for u, rule in enumerate(facts.rule):
        if rule is None:
            continue
        if rule.leave is not None:
            handed = sum(1 for m in moves if m.from_csm == loads.units[u])
            notes.append(f"{loads.units[u]} leaves on {rule.leave.isoformat()}: {handed:,} accounts handed over.")
        if rule.start is not None:
            mine = [m for m in moves if m.to_csm == loads.units[u]]
            by_month: dict[str, int] = {}
            for m in mine:
                by_month[m.effective[:7]] = by_month.get(m.effective[:7], 0) + 1
            phased = ", ".join(f"{c} from {month}" for month, c in sorted(by_month.items()))
            notes.append(f"{loads.units[u]} starts on {rule.start.isoformat()} and ramps over {rule.ramp_months} months: "
                         f"{len(mine):,} accounts" + (f" ({phased})" if phased else "") + ".")
    return kept, tuple(notes)


# -- files ------------------------------------------------------------------------------------------


def write_moves(result: Rebalance, path: str | Path) -> Path:
    """The move list as CSV for a CRM import (account id, account name, from, to, reason, effective date), atomically."""
    from capacity.files import write_text

    return write_text(path, result.moves_frame().to_csv(index=False))


def write_book(book: Book, result: Rebalance, path: str | Path) -> Path:
    """The book with its new owners in the csm column, as CSV, written atomically."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from capacity.files import atomic_path

    table = book.table
    columns = {name: table.column(name) for name in table.column_names if name != "csm"}
    frame = pa.table({"account_id": columns.pop("account_id"), "arr": pa.array(book.arr_cents / 100),
                      **columns, "csm": pa.array(list(result.owners), type=pa.string())})
    with atomic_path(path) as temporary:
        pacsv.write_csv(frame, temporary, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return Path(path)
