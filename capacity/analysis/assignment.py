"""The integer programs of book building, and how HiGHS (``scipy.optimize.milp``) solves them.

:func:`solve_assignment` is the generalized assignment problem with lower bounds (Ross and Soland
1975); it reproduces OR-Library's published GAP optima. :func:`solve_relaxation_first` is how a
large stage of the rebalance is solved: its linear relaxation first (HiGHS's interior point method
with crossover, a basic solution), the items it places whole fixed, HiGHS's branch and cut on the
rest; the answer's gap is measured against the relaxation's bound. :func:`move_bound` is the
knapsack bound on what shedding some hours must cost.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["Assignment", "Solved", "solve_assignment", "run_milp", "run_lp", "solve_relaxation_first", "move_bound",
           "LP_FIRST_COLUMNS", "LP_FIRST_GAP"]

_TOLERANCE = 1e-7


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
    solved = run_milp(np.asarray(cost, dtype=float), sparse.vstack(blocks).tocsr(), lo, hi, np.ones(n), np.zeros(n),
                   np.ones(n), time_limit, rel_gap)
    if solved.x is None:
        return Assignment(None, None, solved.dual_bound, solved.status, None)
    x = solved.x > 0.5
    chosen = np.full(n_accounts, -1, dtype=np.int64)
    chosen[account[x]] = columns[x]
    return Assignment(chosen, float(cost[x].sum()), solved.dual_bound, solved.status, solved.gap)


@dataclass(frozen=True)
class Solved:
    x: np.ndarray | None
    objective: float | None
    dual_bound: float | None
    status: str
    gap: float | None


def run_milp(c, A, lo, hi, integrality, lb, ub, time_limit, rel_gap) -> Solved:
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
        return Solved(None, None, dual, "infeasible" if result.status == 2 else "no_solution", None)
    gap = getattr(result, "mip_gap", None)
    return Solved(np.asarray(result.x), float(result.fun), dual, "optimal" if result.status == 0 else "time_limit",
                   None if gap is None or not np.isfinite(gap) else float(gap))


#: Above this many binary columns a stage is solved by its linear relaxation first (see :func:`solve_relaxation_first`),
#: and stops once within this share of the relaxation's bound.
LP_FIRST_COLUMNS = 6_000
LP_FIRST_GAP = 5e-3


def run_lp(c, A, lo, hi, lb, ub, time_limit) -> Solved:
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
        return Solved(np.asarray(result.x), float(result.fun), float(result.fun), "optimal", 0.0)
    return Solved(None, None, None, "infeasible" if result.status == 2 else "no_solution", None)


def solve_relaxation_first(c, A, lo, hi, integrality, lb, ub, seconds, rel_gap, item_of, interior: bool = True) -> Solved:
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
        return run_milp(c, A, lo, hi, integrality, lb, ub, seconds, rel_gap)
    relaxed = (run_lp(c, A, lo, hi, lb, ub, seconds * 0.5) if interior else
               run_milp(c, A, lo, hi, np.zeros(n), lb, ub, seconds * 0.5, rel_gap))
    if relaxed.x is None:
        if relaxed.status == "infeasible":
            return relaxed
        return run_milp(c, A, lo, hi, integrality, lb, ub, max(0.5, seconds - (time.perf_counter() - clock)), rel_gap)
    bound = relaxed.objective
    x = relaxed.x
    fractional = binary[(x[binary] > 1e-6) & (x[binary] < 1 - 1e-6)]
    if len(fractional) == 0:
        return Solved(x.round(9), float(c @ x), bound, "optimal", 0.0)
    undecided = np.unique(item_of[fractional])
    best: Solved | None = None
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
        solved = run_milp(c, A, lo, hi, integrality, lb2, ub2, left * (0.5 if attempt < 2 else 1.0), rel_gap)
        if solved.x is not None and (best is None or solved.objective < best.objective):
            gap = gap_of(solved.objective)
            best = Solved(solved.x, solved.objective, bound, "optimal" if gap <= rel_gap else "time_limit", gap)
            if gap <= good_enough:
                return best
    if best is not None:
        return best
    left = max(0.5, seconds - (time.perf_counter() - clock))
    solved = run_milp(c, A, lo, hi, integrality, lb, ub, left, rel_gap)
    if solved.x is not None:
        solved = Solved(solved.x, solved.objective, max(bound, solved.dual_bound or -np.inf), solved.status,
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
