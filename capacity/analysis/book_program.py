"""The rebalance's integer program: the items it decides, their options, the three stages, the bounds.

An item is an account, or a hierarchy (``parent_account_id``) that moves whole; its options are the
CSMs who may take it (and, for a hierarchy split between CSMs today, staying as it is). Each option
loads its CSMs with hours, accounts, ARR, renewals per quarter and at-risk accounts. The model, with
``x[i, o] = 1`` when item ``i`` takes option ``o``::

    sum_o x[i, o] = 1                                                for every item i
    load_c <= (top_c + z_k) cap_c,   load_c >= (bottom_c - y_k) cap_c   for every CSM c of component k
    accounts_c <= max_accounts_c

``top_c`` is the band's top, or what the CSM's locked and frozen accounts (and the items only they
may take) already make; ``z_k`` and ``y_k`` are the worst overload and shortfall of a component (the
CSMs linked by the items they may exchange). Stage 1 minimises ``sum z_k`` (then ``sum y_k``);
stage 2 the move cost with ``z`` and ``y`` held at their optimum (plus the overload tolerance);
stage 3 the weighted relative mean absolute deviation of each balance measure across each segment's
CSMs (``dev_c >= |m_c - mean|``, linear) with the move cost held within the move tolerance. Each
stage is solved exactly (to the solver's gap) under the constraints of the ones before it:
preemptive, not weighted, so no weight has to dwarf another.

Components that share no item and no balance group are solved apart. On a large book only the
accounts that can matter are decided (:func:`candidate_accounts`); the move cost's gap is then
measured against :func:`moves_bound`, a lower bound that holds for the whole book.
"""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capacity.analysis import book_rules
from capacity.analysis.assignment import LP_FIRST_COLUMNS, Solved, move_bound, run_milp, solve_relaxation_first
from capacity.analysis.team import AccountLoads
from capacity.exceptions import RebalanceInfeasible
from capacity.formulas.balance import relative_mean_absolute_deviation

__all__ = ["Settings", "Rule", "Facts", "Model", "Program", "StageResult", "build", "make_program", "solve_stages",
           "option_count", "candidate_accounts", "chosen_options", "after_units", "moves_bound", "immovable_accounts", "may_stay",
           "component_segments", "item_hours", "fits_with", "csms_for_whole_accounts", "RECEIVERS", "BALANCE_ITEMS"]

_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Settings:
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


@dataclass(frozen=True)
class Rule:
    """A CSM's rule, from the scenario's ``csms:`` or ``--add-csm``."""

    name: str
    segments: tuple[str, ...] | None
    verticals: tuple[str, ...] | None
    max_accounts: int | None
    start: datetime.date | None
    leave: datetime.date | None
    ramp_months: int
    where: str


@dataclass(frozen=True, eq=False)
class Facts:
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
    rule: tuple                # per unit: Rule or None
    eligible: np.ndarray       # (spv, unit): may the unit carry accounts of this key after the rebalance
    home: np.ndarray           # per unit: the segment whose CSMs it is balanced with, -1 for none
    max_accounts: np.ndarray   # per unit, -1 for no limit


@dataclass(eq=False)
class Model:
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


def build(facts: Facts, candidate: np.ndarray | None = None, rank: np.ndarray | None = None,
           receivers: int | None = None, hierarchies_only: bool = False) -> Model:
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
    keep_ok = may_stay(facts)

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
    return Model(
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


def _contributions(facts: Facts, accounts: np.ndarray, units: np.ndarray, options: np.ndarray,
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


#: Relative gaps at which HiGHS stops: the band and the moves exactly, the balance to a thousandth.
_GAP_STRICT = 1e-9
_GAP_BALANCE = 1e-3


@dataclass(eq=False)
class Program:
    """The model as matrices: what each option loads on each unit, the units' bounds, the components."""

    model: Model
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


def immovable_accounts(facts: Facts) -> np.ndarray:
    """Accounts no rebalance moves: of pooled and digital segments, and locked or frozen with an owner who stays."""
    unit = facts.loads.unit
    owned = unit >= 0
    leaving = owned & facts.leaving[np.maximum(unit, 0)]
    return owned & (~facts.dedicated | ((facts.locked | facts.frozen) & ~leaving))


def may_stay(facts: Facts) -> np.ndarray:
    """Accounts whose owner today may keep them (owned, and the owner eligible for the account's segment and
    vertical): the others must move."""
    unit = facts.loads.unit
    owned = unit >= 0
    out = np.zeros(len(unit), dtype=bool)
    out[owned] = facts.eligible[facts.spv[owned], unit[owned]]
    return out


def make_program(model: Model, facts: Facts, settings: Settings) -> Program:
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
    stay = (immovable_accounts(facts) | model.stuck) & ~model.in_item  # an item's accounts count through its options
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
    return Program(model, hours, count, fixed_hours, fixed_count, capacity, bounded, top, bottom, component,
                    len(names), item_component, limited, limit, settings.min_utilization > 0)


def _stage_matrix(program: Program):
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
class StageResult:
    x: np.ndarray | None
    value: float
    bound: float | None
    status: str
    gap: float | None
    per_component: np.ndarray | None = None


def _overload_floor(program: Program) -> np.ndarray:
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
    hours_of = item_hours(program, np.arange(model.n_items))
    zero_items = np.zeros(model.n_items, dtype=bool)
    zero_items[model.opt_item[model.con_opt[model.con_hours > 0]]] = True
    for c in range(k):
        units = np.flatnonzero(program.component == c)
        items = np.flatnonzero((program.item_component == c) & zero_items)
        need, hours = len(items), float(hours_of[items].sum())
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


def _zero_cost_start(program: Program, items: np.ndarray, units: np.ndarray, x: np.ndarray) -> bool:
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


def _balance_groups(program: Program, facts: Facts, settings: Settings) -> list[_Group]:
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


def _balance_value(program: Program, groups: list[_Group], x: np.ndarray) -> float:
    """The third objective for options ``x``: the weighted sum of relative mean absolute deviations."""
    model = program.model
    total = 0.0
    for g in groups:
        values = g.fixed + np.bincount(model.con_unit, weights=g.con_values * x[model.con_opt],
                                       minlength=model.n_units)[g.units]
        total += g.weight * relative_mean_absolute_deviation(values, g.scale)
    return float(total)


def solve_stages(program: Program, facts: Facts, settings: Settings, deadline: float):
    """The three objectives in turn, block by block (components that share nothing are solved apart).

    Returns the chosen columns (x | z | y) and one :class:`StageResult` per stage.
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
    first = StageResult(x, float(zstar.max()) if k else 0.0, None, _worst_status([r[2] for r in stage[0]]),
                         max([r[3] or 0.0 for r in stage[0]], default=0.0), zstar)
    cost = float(sum(r[0] for r in stage[1]))  # stage 2's optimum; stage 3 may spend up to move_tolerance more
    bound2 = sum(r[1] if r[1] is not None else 0.0 for r in stage[1])
    second = StageResult(x, cost, min(bound2, cost), _worst_status([r[2] for r in stage[1]]),
                          None if cost <= _TOLERANCE else max(0.0, (cost - bound2) / cost))
    value3 = _balance_value(program, groups, x[:n_opt])
    solved3 = [r for r in stage[2] if r[2] != "skipped"]
    status3 = _worst_status([r[2] for r in solved3]) if solved3 else "skipped"
    gap3 = (max([r[3] or 0.0 for r in solved3], default=0.0)
            if solved3 and all(r[3] is not None for r in solved3) else None)
    third = StageResult(x, value3, None if gap3 is None else value3 * (1 - gap3), status3, gap3)
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
        solved = solve_relaxation_first(c, sub, slo, shi, integrality, lb, ub, remaining(0.35), _GAP_STRICT, item_of)
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
            solved = solve_relaxation_first(c, sub, slo, shi, integrality, lb, ub, remaining(0.3), _GAP_STRICT, item_of)
            if solved.x is not None:
                xb = solved.x
        if program.lower_rows:
            ub[m + kb:] = np.maximum(xb[m + kb:], 0.0) + settings.overload_tolerance + 1e-7
        # Stage 2: the least move cost that keeps them.
        c = np.concatenate([model.opt_cost[opts], np.zeros(2 * kb)])
        solved = solve_relaxation_first(c, sub, slo, shi, integrality, lb, ub, remaining(0.6), _GAP_STRICT, item_of)
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
    rows, rlo, rhi = [], [], []
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
    solved = solve_relaxation_first(cost, A3, lo3, hi3, integrality3, lb3, ub3, seconds, _GAP_BALANCE, item_of, interior=True)
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


def _balance_candidates(program: Program, settings: Settings, pieces, opts: np.ndarray, x: np.ndarray) -> np.ndarray:
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


def _status(solved: Solved) -> str:
    return "optimal" if solved.status == "optimal" else "feasible"


def _greedy(program: Program, opts: np.ndarray, items: np.ndarray, comps: np.ndarray) -> np.ndarray:
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


def _why_infeasible(program: Program, facts: Facts) -> str:
    names = [facts.loads.units[u] for u in program.count_units]
    if names:
        return ("no assignment keeps every CSM within their max_accounts: " + ", ".join(names)
                + " cannot take the accounts that must move; raise their max_accounts or add CSMs")
    return "no assignment places every account that must move; check the csms: rules"


#: On a large book, how many CSMs each decided account may go to besides its owner: as many of the least
#: utilized, and as many drawn among the others.
RECEIVERS = 5
#: On a large book, at most this many accounts of one CSM enter the model for one balance measure.
BALANCE_OFFER = 60


def option_count(facts: Facts) -> int:
    """How many (account, CSM) options the whole book's model would have (before hierarchies merge accounts)."""
    decided = facts.dedicated & ~immovable_accounts(facts)
    per_key = facts.eligible.sum(axis=1)
    return int(per_key[facts.spv[decided]].sum())


def candidate_accounts(facts: Facts, settings: Settings, factor: float = 2.0,
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
    immovable = immovable_accounts(facts)
    keep_ok = may_stay(facts)
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


def chosen_options(model: Model, x: np.ndarray) -> np.ndarray:
    """The option each item takes."""
    picked = np.flatnonzero(x > 0.5)
    chosen = np.full(model.n_items, -1, dtype=np.int64)
    chosen[model.opt_item[picked]] = picked
    if (chosen < 0).any():  # a solver answer within tolerance of a fraction: the largest share
        for i in np.flatnonzero(chosen < 0):
            options = np.flatnonzero(model.opt_item == i)
            chosen[i] = options[np.argmax(x[options])]
    return chosen


def after_units(model: Model, chosen: np.ndarray) -> np.ndarray:
    unit = model.fixed_unit.copy()
    item_of = np.repeat(np.arange(model.n_items), np.diff(model.item_start))
    target = model.opt_unit[chosen][item_of]
    members = model.item_accounts
    unit[members] = np.where(target >= 0, target, model.fixed_unit[members])
    return unit


def moves_bound(program: Program, facts: Facts, settings: Settings, x: np.ndarray, second: StageResult) -> float:
    """A lower bound on the least move cost of the whole book given stage 1's overloads."""
    if second.status == "optimal" and not program.model.limited:
        return second.value
    bound = second.bound if second.bound is not None and not program.model.limited else 0.0
    return float(min(max(bound, _whole_book_bound(program, facts, settings, x)), second.value))


def _whole_book_bound(program: Program, facts: Facts, settings: Settings, x: np.ndarray) -> float:
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
    immovable = immovable_accounts(facts)
    keep_ok = may_stay(facts)
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
    explicit = build(facts, candidate=complex_, hierarchies_only=True) if complex_.any() else None
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
                explicit: Model | None = None, explicit_accounts: np.ndarray | None = None) -> float:
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
    solved = run_milp(c, A, np.concatenate(lo), np.concatenate(hi), np.zeros(n), np.zeros(n),
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
    solved = run_milp(worth, A, np.array([need - _TOLERANCE, count]), np.array([np.inf, np.inf]), np.ones(len(hours)),
                   np.zeros(len(hours)), np.ones(len(hours)), seconds, 1e-6)
    if solved.dual_bound is not None:
        return max(quick, solved.dual_bound)
    if solved.status == "optimal":
        return max(quick, float(solved.objective) * (1 - 1e-6))
    return quick


def _bound_kind(settings: Settings) -> str:
    return "arr" if settings.move_cost == "weighted" else settings.move_cost


def component_segments(program: Program, facts: Facts, names: list[str], c: int) -> list[str]:
    """The segments (by name, in the scenario's order) of the accounts component ``c`` decides."""
    model = program.model
    items = np.flatnonzero(program.item_component == c)
    members = np.concatenate([model.item_accounts[model.item_start[i]: model.item_start[i + 1]] for i in items]) \
        if len(items) else np.zeros(0, dtype=np.int64)
    segs = set(facts.loads.segment[members].tolist())
    return [n for i, n in enumerate(names) if i in segs]


def item_hours(program: Program, items: np.ndarray) -> np.ndarray:
    """Each item's hours a month (what any of its options loads in all)."""
    model = program.model
    per_option = np.bincount(model.con_opt, weights=model.con_hours, minlength=model.n_options)
    first = np.full(model.n_items, -1)
    first[model.opt_item[::-1]] = np.arange(model.n_options)[::-1]
    return per_option[first[items]] if len(items) else np.zeros(0)


def fits_with(program: Program, facts: Facts, settings: Settings, c: int, extra: int, seconds: float):
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
    hours_items = item_hours(program, items)
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
    solved = run_milp(np.zeros(n), A, lo, hi, np.ones(n), np.zeros(n), np.ones(n), seconds, _GAP_STRICT)
    if solved.x is not None:
        return True
    return False if solved.status == "infeasible" else None


def csms_for_whole_accounts(hours: np.ndarray, most: float) -> tuple[int, int]:
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
