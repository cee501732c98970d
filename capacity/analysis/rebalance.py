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

A hierarchy goes where its lead (its largest account in a dedicated segment) may go: a subsidiary
of another segment follows its parent. Each move has a reason ("unowned", "leaves 2027-03", "over
110% -> 96%", "frees a renewal-heavy Q3", ...) and an effective day: the plan's day, a leaver's last
day, or for a new hire the month their ramp has room for it.

The integer program and its bounds are :mod:`capacity.analysis.book_program`; the solver core
:mod:`capacity.analysis.assignment`. Large books are solved on the accounts that can matter; the
move cost's gap is then measured against a bound that holds for the whole book.
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
from capacity.analysis.assignment import Assignment, move_bound, solve_assignment
from capacity.analysis.book_program import (RECEIVERS, Facts, Model, Program, Rule, Settings, StageResult, after_units,
                                            build, candidate_accounts, chosen_options, component_segments,
                                            csms_for_whole_accounts, fits_with, item_hours, make_program,
                                            may_stay, moves_bound, option_count, solve_stages)
from capacity.analysis.team import AccountLoads, account_loads, book_of, target_utilization, utilization
from capacity.exceptions import ScenarioError
from capacity.formulas.balance import coefficient_of_variation, max_min_ratio
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


def _settings(scenario: Scenario, **given) -> Settings:
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
    return Settings(low, high, values["move_cost"], int(values["freeze_days"]), as_of,
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


def _rules(scenario: Scenario, book: Book, added: dict[str, str]) -> tuple[dict[str, Rule], dict[str, str]]:
    """Each rule by the name it goes under (an owner's as the book spells it), and the new CSMs ``{name: segment}``."""
    _, owners = book.category("csm")
    by_key = {o.strip().casefold(): o for o in owners}
    ramp = DEFAULT_RAMP_MONTHS if scenario.fiscal_year is None else scenario.fiscal_year.ramp_months
    rules: dict[str, Rule] = {}
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
        rules[name] = Rule(name, rule.segments, rule.verticals, rule.max_accounts, rule.start, rule.leave,
                            ramp if rule.ramp_months is None else rule.ramp_months, where)
    for name, segment in added.items():
        if name.strip().casefold() in {k.strip().casefold() for k in rules}:
            raise ScenarioError(f"{name!r} is also in the scenario's csms: list; give the new CSM there or here, "
                                "not both", where="--add-csm")
        extra[name] = segment
        rules[name] = Rule(name, (segment,), None, None, None, None, ramp, "--add-csm")
    return rules, extra


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


def _facts(scenario: Scenario, book: Book, settings: Settings, rules: dict[str, Rule],
           extra: dict[str, str]) -> Facts:
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
    return Facts(loads, hours, worth, lock, frozen, days, quarter, risk, dates is not None and not np.isnat(dates).all(),
                  has_health, hierarchy, spv, spv_segment, spv_sp, spv_vertical, verticals, dedicated, capacity, leaving,
                  tuple(rule), eligible, home, max_accounts)


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

    options = option_count(facts)
    if options <= full_model_pairs:
        model = build(facts)
    else:
        model = build(facts, *candidate_accounts(facts, settings))
    program = make_program(model, facts, settings)
    x, first, second, third = solve_stages(program, facts, settings, deadline)
    if model.limited and first.value > 1e-7 and deadline - time.perf_counter() > 0.25 * settings.time_limit:
        # The accounts tried could not meet the band: try more of them, then (if it is not too large) all.
        wider = build(facts, *candidate_accounts(facts, settings, factor=8.0, receivers=4 * RECEIVERS))
        if options <= 10 * max(full_model_pairs, 1):
            wider = build(facts)
        wider_program = make_program(wider, facts, settings)
        attempt = solve_stages(wider_program, facts, settings, deadline)
        if attempt[1].value < first.value - 1e-9:
            model, program, (x, first, second, third) = wider, wider_program, attempt
    candidates = int(model.in_item.sum())
    chosen = chosen_options(model, x[: model.n_options])
    after_unit = after_units(model, chosen)
    bound = moves_bound(program, facts, settings, x, second)
    objectives = _objectives(program, settings, first, second, third, bound, full=not model.limited)
    shortages = _shortages(scenario, program, facts, settings, x, first, clock + settings.time_limit)
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


_COST_WORDS = {"weighted": "each move 1 + its ARR over its segment's average ARR", "accounts": "one per account",
               "arr": "the ARR moved", "hours": "the hours a month moved"}


def _objectives(program: Program, settings: Settings, first: StageResult, second: StageResult,
                third: StageResult, bound: float, full: bool) -> tuple[Objective, ...]:
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


def _shortages(scenario: Scenario, program: Program, facts: Facts, settings: Settings, x: np.ndarray,
               first: StageResult, deadline: float) -> tuple[Shortage, ...]:
    """For each component that cannot meet the band: how many CSMs it has and how many the band needs."""
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
        hours_of = item_hours(program, items)
        hours = float(program.fixed_hours[units].sum() + hours_of.sum())
        top = settings.max_utilization * cap1
        segs = component_segments(program, facts, [s.name for s in scenario.segments], c)
        who = segs[0] if len(segs) == 1 else " and ".join(segs) + " together"
        largest = float(hours_of.max()) if len(hours_of) else 0.0
        if largest > top + _TOLERANCE:
            sentence = (f"{who}: an account (or hierarchy) of {largest:.1f} h/month is more than one CSM's band "
                        f"({top:.1f} h at {settings.max_utilization:.0%}); no number of CSMs keeps it within the band. "
                        f"The worst overload is {z[c] * 100:.1f} points above the band")
            out.append(Shortage(tuple(segs), people, people, False, float(z[c]), hours, sentence))
            continue
        by_hours = math.ceil(hours / top - 1e-9) if top > 0 else people
        by_accounts, _ = csms_for_whole_accounts(hours_of, top)
        needed = max(by_hours, by_accounts, people + 1)
        exact = False
        for extra in range(needed - people, needed - people + 4):
            left = deadline - time.perf_counter()
            if left < 0.5:  # no time left to prove it: a lower bound, said so
                break
            fits_now = fits_with(program, facts, settings, c, extra, min(10.0, left))
            if fits_now is None:
                break
            if fits_now:
                needed, exact = people + extra, True
                break
        short = needed - people
        verb = ("needs" if len(segs) == 1 else "need") + ("" if exact else " at least")
        sentence = (f"{who} {verb} {needed} CSMs to keep everyone within "
                    f"{settings.max_utilization:.0%} utilization ({hours:,.0f} h/month in whole accounts, at most "
                    f"{top:.1f} h each); it has {people}: {short} CSM{'s' if short != 1 else ''} short. Until then "
                    f"the worst overload is {z[c] * 100:.1f} points above the band")
        out.append(Shortage(tuple(segs), people, needed, exact, float(z[c]), hours, sentence))
    return tuple(out)


def _owners_after(facts: Facts, after_unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _unit_totals(facts: Facts, unit: np.ndarray, hours: np.ndarray, capacity: np.ndarray) -> dict:
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


def _phase_in(facts: Facts, settings: Settings, receiver: int, accounts: np.ndarray, priority: np.ndarray,
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


def _moves(scenario: Scenario, book: Book, facts: Facts, settings: Settings, program: Program,
           after_unit: np.ndarray, owners_after: np.ndarray, handed: np.ndarray, model: Model) -> tuple[Move, ...]:
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
    keep_ok = may_stay(facts)
    as_of = np.datetime64(settings.as_of, "D")
    effective = np.full(len(moved), as_of)
    reasons = []
    for j, a in enumerate(moved):
        donor, receiver = int(loads.unit[a]), int(after_unit[a])
        rule = facts.rule[donor] if donor >= 0 else None
        if handed[a]:  # the owner is a unit of their own even inside a pooled team
            rule = facts.rule[int(loads.owner[a])]
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


def _group_means(facts: Facts, totals: dict) -> dict:
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


def _books(scenario: Scenario, facts: Facts, unit: np.ndarray, *, today: bool) -> tuple[CSMBook, ...]:
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


def _fairness(scenario: Scenario, facts: Facts, settings: Settings, after_unit: np.ndarray) -> tuple[Fairness, ...]:
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


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 account``, ``3 accounts``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


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
        notes.append(f"{_count(kept['locked'], 'locked account')} stay with their CSM.")
    if facts.has_renewals:
        until = settings.as_of + datetime.timedelta(days=settings.freeze_days)
        notes.append(f"{_count(kept['frozen'], 'account')} renewing by {until.isoformat()} (within {settings.freeze_days} days "
                     f"of {settings.as_of.isoformat()}) stay with their CSM.")
    else:
        notes.append("The book has no renewal_date column: no freeze window, and renewals are not balanced.")
    if not facts.has_health:
        notes.append("The book has no health column: at-risk accounts are not balanced.")
    if kept["hierarchies"]:
        notes.append(f"{_count(kept['hierarchies'], 'hierarchy', 'hierarchies')} ({kept['hierarchy_accounts']:,} accounts) move whole or "
                     f"not at all" + (f"; {split} split between CSMs today, {still_split} still split after"
                                      if split else "") + ".")
    if kept["stuck"]:
        notes.append(f"{_count(kept['stuck'], 'account')} stay with a CSM whose rules exclude them: no other CSM may carry them.")
    if kept["unassigned"]:
        notes.append(f"{_count(kept['unassigned'], 'account')} without an owner stay unassigned: no CSM may carry them.")
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
            notes.append(f"{loads.units[u]} leaves on {rule.leave.isoformat()}: {_count(handed, 'account')} handed over.")
        if rule.start is not None:
            mine = [m for m in moves if m.to_csm == loads.units[u]]
            by_month: dict[str, int] = {}
            for m in mine:
                by_month[m.effective[:7]] = by_month.get(m.effective[:7], 0) + 1
            phased = ", ".join(f"{c} from {month}" for month, c in sorted(by_month.items()))
            notes.append(f"{loads.units[u]} starts on {rule.start.isoformat()} and ramps over {rule.ramp_months} months: "
                         f"{_count(len(mine), 'account')}" + (f" ({phased})" if phased else "") + ".")
    return kept, tuple(notes)


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
