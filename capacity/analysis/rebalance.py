"""The fewest moves that balance today's team: an integer program solved by HiGHS.

Every CSM ends with a load (the hours a month of their accounts, as in :mod:`capacity.analysis.team`)
within ``[min, max]`` utilization of their customer hours, moving the fewest accounts, ARR or
hours. An account moves only between CSMs who serve its segment (who own one of its accounts
today, or were added for it), within its vertical pool when the segment pools by vertical,
and within its vertical with ``keep_verticals``. Accounts of pooled and digital segments do
not move (a pooled segment is one team; a digital one has no CSMs), nor do accounts without
an owner.

The model (a generalized assignment problem with lower bounds), with ``x[a, c] = 1`` when
account ``a`` ends with CSM ``c``::

    minimise    sum_a w_a (1 - x[a, owner(a)])
    subject to  sum_c x[a, c] = 1                                   for every account a
                min_u cap_c <= fixed_c + sum_a h_a x[a, c] <= max_u cap_c   for every CSM c

``w_a`` is 1, the ARR or the hours of ``a``. Large books are solved on the accounts that
can matter: every account of a CSM out of the band is a candidate only up to a few times
the hours it must shed, the others stay; the answer is then a feasible rebalance of the
whole book, and its gap is measured against a lower bound that holds for the whole book
(what each over-loaded CSM must at least shed, and each under-loaded CSM receive, as a
knapsack bound).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.inputs.book import Book
from capacity.exceptions import RebalanceInfeasible, ScenarioError
from capacity.inputs.scenario import Scenario, load_scenario
from capacity.analysis.team import AccountLoads, CSMLoad, account_loads, book_of, target_utilization, team_rows

__all__ = ["Assignment", "Move", "Rebalance", "solve_assignment", "rebalance", "MOVE_COSTS", "move_bound",
           "write_moves", "write_book"]

#: What a move costs: one account, its ARR [USD/year] or its hours [h/month].
MOVE_COSTS = ("accounts", "arr", "hours")
#: Above this many (account, CSM) pairs the model is built on the accounts that can matter.
FULL_MODEL_PAIRS = 40_000
_TOLERANCE = 1e-7


# -- the integer program --------------------------------------------------------------------


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
    from scipy.optimize import Bounds, LinearConstraint, milp

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
    constraints = [LinearConstraint(assign, 1, 1)]
    if len(bounded):
        constraints.append(LinearConstraint(load, lower[bounded], upper[bounded]))
    options = {"disp": False, "mip_rel_gap": rel_gap}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    result = milp(cost, integrality=np.ones(n), bounds=Bounds(0, 1), constraints=constraints, options=options)
    dual = getattr(result, "mip_dual_bound", None)
    if result.x is None:
        return Assignment(None, None, dual, "infeasible" if result.status == 2 else "no_solution", None)
    x = result.x > 0.5
    chosen = np.full(n_accounts, -1, dtype=np.int64)
    chosen[account[x]] = columns[x]
    objective = float(cost[x].sum())
    gap = getattr(result, "mip_gap", None)
    status = "optimal" if result.status == 0 else "time_limit"
    return Assignment(chosen, objective, dual, status, None if gap is None else float(gap))


def move_bound(hours: np.ndarray, worth: np.ndarray, need: float, move_cost: str) -> float:
    """The least a set of accounts with at least ``need`` hours can cost (a knapsack lower bound).

    At least ``k`` accounts must go, ``k`` the fewest whose hours reach ``need`` (the largest
    first). Fewest accounts: ``k``. Hours: the larger of ``need`` and the ``k`` smallest accounts'
    hours. ARR: the larger of the fractional knapsack (cheapest ARR per hour first) and the ``k``
    smallest ARRs. Infinite when the accounts cannot reach ``need``.
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


# -- the team's rebalance ---------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One account moving from one CSM to another."""

    account_id: str
    name: str
    from_csm: str
    to_csm: str
    hours_per_month: float
    arr: float


@dataclass(frozen=True)
class Rebalance:
    """A rebalance. ``to_dict()`` is the ``rebalance --json`` shape."""

    scenario: str
    currency: str
    min_utilization: float
    max_utilization: float
    move_cost: str
    moves: tuple[Move, ...]
    status: str
    gap: float | None
    bound: float | None
    objective: float
    after: tuple[CSMLoad, ...]
    before: tuple[CSMLoad, ...]
    candidates: int
    seconds: float
    owners: np.ndarray  # new owner name per account (file order), "" for none

    @property
    def moved(self) -> dict:
        return {"accounts": len(self.moves), "arr": float(sum(m.arr for m in self.moves)),
                "hours_per_month": float(sum(m.hours_per_month for m in self.moves))}

    def to_dict(self) -> dict:
        return {
            "moves": [{"account_id": m.account_id, "name": m.name, "from": m.from_csm, "to": m.to_csm,
                       "hours_per_month": m.hours_per_month, "arr": m.arr} for m in self.moves],
            "moved": self.moved,
            "status": self.status,
            "gap": self.gap,
            "after": [asdict(r) for r in self.after],
            "min_utilization": self.min_utilization,
            "max_utilization": self.max_utilization,
            "move_cost": self.move_cost,
            "bound": self.bound,
            "candidate_accounts": self.candidates,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def moves_frame(self) -> pd.DataFrame:
        """The move list: account, name, from, to, hours a month, ARR."""
        return pd.DataFrame([{"account_id": m.account_id, "name": m.name, "from": m.from_csm, "to": m.to_csm,
                              "hours_per_month": m.hours_per_month, "arr": m.arr} for m in self.moves],
                            columns=["account_id", "name", "from", "to", "hours_per_month", "arr"])


def _groups(scenario: Scenario, book: Book, loads: AccountLoads, keep_verticals: bool) -> np.ndarray:
    """Each account's group: segment, vertical pool (``pool_by: vertical``), vertical (``keep_verticals``)."""
    from capacity.model.sizing import pool_groups

    vertical, labels = book.category("vertical")
    pool = np.zeros(len(book), dtype=np.int64)
    groups_of = pool_groups(scenario, book) if any(seg.pool_by == "vertical" for seg in scenario.segments) else None
    for i, seg in enumerate(scenario.segments):
        if seg.pool_by != "vertical":
            continue
        pool_of_label = np.zeros(len(labels), dtype=np.int64)
        for p, (_, members) in enumerate(groups_of[i]):
            for v in members:
                if v in labels:  # a blank vertical ("Unassigned") has no label of its own
                    pool_of_label[labels.index(v)] = p
        in_segment = loads.segment == i
        pool[in_segment] = pool_of_label[vertical[in_segment]]
    key = np.stack([loads.segment, pool, vertical if keep_verticals else np.zeros_like(pool)], axis=1)
    _, group = np.unique(key, axis=0, return_inverse=True)
    return group.reshape(-1)


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


def rebalance(scenario: Scenario | dict | str | Path, book: Book | str | Path | None = None, *,
              min_utilization: float = 0.0, max_utilization: float | None = None, move_cost: str = "accounts",
              add_csms=(), keep_verticals: bool = False, time_limit: float = 60.0,
              full_model_pairs: int = FULL_MODEL_PAIRS) -> Rebalance:
    """The fewest moves (accounts, ARR or hours) that bring every CSM within the utilization band.

    Parameters
    ----------
    min_utilization, max_utilization : float
        The band [share of customer hours]; ``max_utilization`` defaults to the target
        (the fiscal year's, else 0.85).
    move_cost : {"accounts", "arr", "hours"}
    add_csms : iterable of "NAME:SEGMENT"
        New CSMs with empty books.
    keep_verticals : bool
        Move accounts only to CSMs who already own accounts of the same vertical in the segment.
    time_limit : float
        Seconds the solver may take; the answer's gap says how far from proven it is.

    Raises
    ------
    RebalanceInfeasible
        When no assignment meets the band, saying how many CSMs each segment is short.
    """
    start = time.perf_counter()
    scenario = load_scenario(scenario)
    if move_cost not in MOVE_COSTS:
        raise ScenarioError(f"must be one of {', '.join(MOVE_COSTS)} (got {move_cost!r})", where="--move-cost")
    upper_share = target_utilization(scenario) if max_utilization is None else float(max_utilization)
    lower_share = float(min_utilization)
    if not (0 <= lower_share <= upper_share) or not math.isfinite(upper_share) or upper_share <= 0:
        raise ScenarioError(f"the band [{lower_share:g}, {upper_share:g}] is empty or negative; give "
                            "0 <= min < max", where="--min-utilization/--max-utilization")
    if time_limit is None or not time_limit > 0:
        raise ScenarioError(f"must be more than 0 seconds (got {time_limit})", where="--time-limit")
    book = book_of(scenario, book)
    extra = _parse_added(scenario, add_csms)
    loads = account_loads(scenario, book, extra_csms=extra)
    before = team_rows(scenario, loads)
    n_units = len(loads.units)
    n_owners = len(loads.owners)
    capacity = loads.unit_capacity
    coverage = np.array([s.coverage for s in scenario.segments])
    movable = (loads.unit >= 0) & (loads.unit < n_owners) & (coverage[loads.segment] == "dedicated")
    movable &= capacity[np.maximum(loads.unit, 0)] > 0
    group = _groups(scenario, book, loads, keep_verticals)
    n_groups = int(group.max()) + 1 if len(group) else 0

    # Who serves which group: owners of its movable accounts, and the CSMs added for its segment.
    serves = np.zeros((n_groups, n_units), dtype=bool)
    serves[group[movable], loads.unit[movable]] = True
    group_segment = np.zeros(n_groups, dtype=np.int64)
    group_segment[group] = loads.segment
    names = [s.name for s in scenario.segments]
    for j, (name, seg_name) in enumerate(extra.items()):
        u = n_owners + int(loads.pooled_unit.sum()) + j
        if capacity[u] > 0:
            serves[group_segment == names.index(seg_name), u] = True

    bounded = capacity > 0
    lower = np.where(bounded, lower_share * capacity, -np.inf)
    upper = np.where(bounded, upper_share * capacity, np.inf)
    hours_now = np.bincount(loads.unit[loads.unit >= 0], weights=loads.hours[loads.unit >= 0], minlength=n_units)
    _refuse_short_segments(scenario, loads, movable, serves, group, hours_now, lower_share, upper_share)

    worth = {"accounts": np.ones(len(book)), "arr": loads.arr, "hours": loads.hours}[move_cost]
    bound = _whole_book_bound(loads, movable, serves, group, hours_now, lower, upper, worth, move_cost)
    positions = np.flatnonzero(movable)
    pair_count = int(serves[group[positions]].sum())
    factor = 2.0
    while True:
        if pair_count <= full_model_pairs:
            candidate = movable.copy()
        else:
            candidate = _candidates(loads, movable, serves, group, hours_now, lower, upper, worth, move_cost, factor)
        # On a large book only CSMs with room receive accounts (and owners keep theirs).
        receivers = None if pair_count <= full_model_pairs else hours_now < upper - _TOLERANCE
        solution, pairs = _solve(loads, candidate, serves, group, lower, upper, worth,
                                 time_limit - (time.perf_counter() - start), receivers)
        if solution.chosen is not None or pair_count <= full_model_pairs or factor > 50:
            break
        factor *= 4  # the accounts that could matter were too few: widen them
        if time.perf_counter() - start > time_limit:
            break
    if solution.chosen is None and not candidate[movable].all():
        # The accounts tried could not balance the team: the whole book decides.
        candidate = movable.copy()
        solution, pairs = _solve(loads, candidate, serves, group, lower, upper, worth,
                                 time_limit - (time.perf_counter() - start))
    if solution.chosen is None:
        if solution.status == "no_solution":
            raise RebalanceInfeasible(f"no rebalance found within the time limit of {time_limit:g} s; "
                                      "give a longer --time-limit or a wider band", where="rebalance")
        raise RebalanceInfeasible(
            f"no rebalance keeps every CSM within [{lower_share:.0%}, {upper_share:.0%}] utilization with whole "
            "accounts moved between CSMs who serve their segment; widen the band, allow other verticals, or "
            "add CSMs with --add-csm NAME:SEGMENT", where="rebalance")
    unit = loads.unit.copy()
    cand_positions = np.flatnonzero(candidate)
    unit[cand_positions] = pairs[1][solution.chosen]
    objective = float(worth[cand_positions][pairs[1][solution.chosen] != loads.unit[cand_positions]].sum())
    full = bool(candidate[movable].all())
    best_bound = bound
    if full and solution.dual_bound is not None and math.isfinite(solution.dual_bound):
        from_solver = float(solution.dual_bound)
        best_bound = max(bound, math.ceil(from_solver - 1e-9) if move_cost == "accounts" else from_solver)
    if full and solution.status == "optimal":
        best_bound = objective  # proven by HiGHS (within its 1e-9 relative tolerance)
    best_bound = min(best_bound, objective)
    gap = 0.0 if objective <= _TOLERANCE else max(0.0, (objective - best_bound) / objective)
    status = "optimal" if gap <= 1e-9 else "feasible"
    moves = _moves(book, loads, unit)
    after = team_rows(scenario, loads, unit)
    owners = _new_owners(loads, unit)
    return Rebalance(scenario.name, scenario.currency, lower_share, upper_share, move_cost, moves, status, gap,
                     best_bound, objective, after, before, int(candidate.sum()), time.perf_counter() - start, owners)


def _solve(loads, candidate, serves, group, lower, upper, worth, seconds, receivers=None):
    """The integer program on the candidate accounts; the others stay where they are."""
    n_units = len(loads.units)
    fixed_mask = (loads.unit >= 0) & ~candidate
    fixed = np.bincount(loads.unit[fixed_mask], weights=loads.hours[fixed_mask], minlength=n_units)
    positions = np.flatnonzero(candidate)
    eligible = serves[group[positions]]
    if receivers is not None:
        eligible &= receivers
    eligible[np.arange(len(positions)), loads.unit[positions]] = True
    account, unit = np.nonzero(eligible)
    weight = loads.hours[positions][account]
    cost = np.where(unit == loads.unit[positions][account], 0.0, worth[positions][account])
    involved = np.zeros(n_units, dtype=bool)
    involved[unit] = True
    lo = lower - fixed
    hi = upper - fixed
    # A CSM the model cannot touch must already be within the band.
    outside = ~involved & ((fixed < lower - _TOLERANCE) | (fixed > upper + _TOLERANCE))
    if outside.any():
        return Assignment(None, None, None, "infeasible", None), (account, unit)
    lo = np.where(involved, lo - _TOLERANCE, -np.inf)
    hi = np.where(involved, hi + _TOLERANCE, np.inf)
    solution = solve_assignment(account, unit, weight, cost, len(positions), lo, hi,
                                time_limit=max(seconds, 1.0), rel_gap=1e-9)
    return solution, (account, unit)


def _candidates(loads, movable, serves, group, hours_now, lower, upper, worth, move_cost, factor) -> np.ndarray:
    """The accounts that can matter: for each CSM out of the band, the most effective accounts to move
    (out of an over-loaded CSM; into an under-loaded one from the fullest CSMs of its groups)."""
    candidate = np.zeros(len(movable), dtype=bool)
    order_key = {"accounts": -loads.hours, "hours": loads.hours,
                 "arr": np.where(loads.hours > 0, loads.arr / np.maximum(loads.hours, 1e-12), np.inf)}[move_cost]
    positions = np.flatnonzero(movable)
    by_unit = pd.Series(positions).groupby(loads.unit[positions]).apply(np.asarray).to_dict()

    def take(u: int, need: float) -> None:
        mine = by_unit.get(u)
        if mine is None:
            return
        mine = mine[np.argsort(order_key[mine], kind="stable")]
        cum = np.cumsum(loads.hours[mine])
        k = int(np.searchsorted(cum, factor * need)) + 1
        candidate[mine[: max(k, 10)]] = True
        smallest = mine[np.argsort(loads.hours[mine], kind="stable")[:10]]  # fine-tuning
        candidate[smallest] = True

    excess = hours_now - upper
    for u in np.flatnonzero(excess > _TOLERANCE):
        take(int(u), float(excess[u]))
    deficit = lower - hours_now
    for u in np.flatnonzero(deficit > _TOLERANCE):
        groups = np.flatnonzero(serves[:, u])
        donors = np.flatnonzero(serves[groups].any(axis=0))
        donors = donors[donors != u]
        room = hours_now[donors] - lower[donors]
        for d in donors[np.argsort(-room)][:3]:
            take(int(d), float(deficit[u]))
    return candidate


def _whole_book_bound(loads, movable, serves, group, hours_now, lower, upper, worth, move_cost) -> float:
    """A lower bound on the cost of any rebalance of the whole book (see :func:`move_bound`).

    Each over-loaded CSM must shed at least its excess from its own movable accounts; each
    under-loaded one must receive at least its deficit from accounts of the groups it serves.
    The accounts shed by different CSMs are distinct, so those bounds add up; so do those
    received; an account may do both, hence the larger of the two sums.
    """
    shed = 0.0
    for u in np.flatnonzero(hours_now - upper > _TOLERANCE):
        mine = movable & (loads.unit == u)
        shed += move_bound(loads.hours[mine], worth[mine], float(hours_now[u] - upper[u]), move_cost)
    received = 0.0
    for u in np.flatnonzero(lower - hours_now > _TOLERANCE):
        theirs = movable & serves[group, u] & (loads.unit != u)
        received += move_bound(loads.hours[theirs], worth[theirs], float(lower[u] - hours_now[u]), move_cost)
    bound = max(shed, received)
    return bound if math.isfinite(bound) else 0.0


def _refuse_short_segments(scenario, loads, movable, serves, group, hours_now, lower_share, upper_share) -> None:
    """Refuse a band no assignment can meet because some CSMs have too few (or too many) colleagues for it.

    Accounts move only within a set of CSMs linked by the groups they serve (a segment's CSMs, or two
    segments' when someone serves both), so each such set must hold its own hours: at most ``max`` of
    each CSM's customer hours, whole accounts (no CSM holds more of them than the smallest that fit),
    and at least ``min`` of them. These are necessary conditions, so a refusal here is always right.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    names = [s.name for s in scenario.segments]
    cap = loads.customer_hours
    n_units, n_groups = len(loads.units), serves.shape[0]
    g, u = np.nonzero(serves)
    graph = coo_array((np.ones(len(g)), (g, n_groups + u)), shape=(n_groups + n_units,) * 2)
    _, component = connected_components(graph, directed=False)
    unit_component = component[n_groups:]
    group_segment = np.zeros(n_groups, dtype=np.int64)
    group_segment[group] = loads.segment
    carried = loads.unit >= 0
    shortages = []
    for c in np.unique(unit_component):
        mine = (unit_component == c) & (loads.unit_capacity > 0)
        if not mine.any() or cap <= 0:
            continue
        people = int(np.round(loads.unit_capacity[mine].sum() / cap))
        hours = float(hours_now[mine].sum())
        segs = sorted({names[i] for i in group_segment[component[:n_groups] == c]}
                      | {names[i] for i in loads.segment[carried & mine[np.maximum(loads.unit, 0)]]
                         if scenario.segments[i].coverage == "pooled"}, key=names.index)
        if not segs:
            continue
        who = segs[0] if len(segs) == 1 else " and ".join(segs) + " together"
        accounts = loads.hours[movable & mine[np.maximum(loads.unit, 0)]]
        by_hours = math.ceil(hours / (upper_share * cap) - 1e-9)
        by_accounts, fits = _csms_for_whole_accounts(accounts, upper_share * cap)
        need = max(by_hours, by_accounts)
        if need > people:
            why = (f"{hours:,.0f} h/month for {people} at {upper_share:.0%} of {cap:.1f} h" if by_hours >= by_accounts
                   else f"{len(accounts):,} accounts of which at most {fits} fit one CSM at {upper_share:.0%} of "
                        f"{cap:.1f} h")
            shortages.append(f"{who} {'is' if len(segs) == 1 else 'are'} {need - people} "
                             f"CSM{'s' if need - people != 1 else ''} short ({why})")
        elif lower_share > 0:
            most = math.floor(hours / (lower_share * cap) + 1e-9)
            if most < people:
                shortages.append(f"{who} {'has' if len(segs) == 1 else 'have'} {people - most} "
                                 f"CSM{'s' if people - most != 1 else ''} more than {lower_share:.0%} minimum "
                                 f"utilization allows ({hours:,.0f} h/month for {people})")
    if shortages:
        raise RebalanceInfeasible(
            f"no rebalance keeps every CSM within [{lower_share:.0%}, {upper_share:.0%}] utilization: "
            + "; ".join(shortages)
            + ("; add CSMs with --add-csm NAME:SEGMENT or widen the band" if any(" short (" in t for t in shortages)
               else "; lower --min-utilization"), where="rebalance")


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


def _moves(book: Book, loads: AccountLoads, unit: np.ndarray) -> tuple[Move, ...]:
    moved = np.flatnonzero(unit != loads.unit)
    ids = book.table.column("account_id")
    has_name = book.has_column("name")
    out = []
    for a in moved[np.lexsort((moved, -loads.hours[moved]))] if len(moved) else moved:
        a = int(a)
        out.append(Move(ids[a].as_py(), book.table.column("name")[a].as_py() if has_name else "",
                        loads.units[loads.unit[a]], loads.units[unit[a]], float(loads.hours[a]), float(loads.arr[a])))
    return tuple(out)


def _new_owners(loads: AccountLoads, unit: np.ndarray) -> np.ndarray:
    """Each account's owner after the moves ("" for none); a pooled team's accounts keep their owner."""
    names = np.array([""] + list(loads.owners), dtype=object)
    owners = names[loads.owner + 1]
    moved = unit != loads.unit
    owners[moved] = np.array(loads.units, dtype=object)[unit[moved]]
    return owners


def write_moves(result: Rebalance, path: str | Path) -> Path:
    """The move list as CSV, written atomically."""
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
