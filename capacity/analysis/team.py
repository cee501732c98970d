"""Today's team: each CSM's book as it is, sized bottom-up with the plan's hours.

A book with a ``csm`` column names each account's owner. Each account needs the hours a
month of an ordinary customer of its segment (the plan's recurring, inbound and one-time
touchpoints), times its workload multiplier, and none when its segment serves only some
accounts and it is not one of them (:mod:`capacity.model.accounts`). A segment's programs are
shared by the accounts that carry them (each of them ``program hours / accounts carried``):
the owned accounts of a dedicated segment, every account of a pooled one; a digital
segment's programs are left out (no account owner runs them). A CSM's load is the sum
over their accounts against the plan's customer hours per CSM; a pooled segment is one
team whose capacity is the CSMs who own only its accounts.

The hours of the plan's non-digital segments are all accounted for: by the CSMs, by the
pooled teams, and (without programs) by accounts that have no owner.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.formulas.calendar import month_of, position_quarter, spread_arrivals
from capacity.model import accounts as account_work
from capacity.inputs.book import Book, load_book
from capacity.inputs.renewals import renewal_dates
from capacity.exceptions import BookError, ScenarioError
from capacity.model.calendar import MONTH_NAMES, account_positions, calendar_inputs, calendar_window, has_calendar
from capacity.model.plan import touchpoint_loads
from capacity.inputs.scenario import Scenario, load_scenario, month_label

__all__ = ["AccountLoads", "CSMLoad", "QuarterRenewals", "CSMCalendar", "TeamCalendar", "Team", "account_loads", "team",
           "team_calendar", "utilization", "DEFAULT_TARGET_UTILIZATION",
           "UNDER_LOADED_MARGIN", "PROGRAMS_NOTE"]

#: The target when the scenario has no fiscal_year block: the usual 85% of capacity.
DEFAULT_TARGET_UTILIZATION = 0.85
#: A CSM more than this many points below the target has room for another book's worth of accounts.
UNDER_LOADED_MARGIN = 0.25
PROGRAMS_NOTE = (
    "programs are shared by each segment's accounts that carry them (owned accounts of a dedicated segment, "
    "every account of a pooled one); digital segments' programs are left out"
)


def utilization(hours, capacity):
    """Utilization [share]: ``hours / capacity`` [h/month over h/month]; NaN without capacity.

    Scalars or arrays alike.
    """
    hours = np.asarray(hours, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(capacity > 0, hours / np.where(capacity > 0, capacity, 1.0), np.nan)
    return out if out.ndim else float(out)


@dataclass(frozen=True, eq=False)
class AccountLoads:
    """Every account's segment, owner, hours and team, in the book's file order.

    ``unit`` is the team that carries the account: an index into ``units`` (a CSM's name, or a
    pooled segment's team), -1 for an account without an owner outside pooled segments.
    """

    segment: np.ndarray          # index into scenario.segments
    owner: np.ndarray            # index into owners, -1 for none
    owners: tuple[str, ...]
    hours: np.ndarray            # [h/month] touchpoints x multiplier, plus the program share
    direct_hours: np.ndarray     # [h/month] touchpoints x multiplier only
    arr: np.ndarray              # [USD/year]
    unit: np.ndarray
    units: tuple[str, ...]
    unit_capacity: np.ndarray    # [h/month]
    unit_members: tuple[tuple[str, ...], ...]
    pooled_unit: np.ndarray      # bool per unit
    customer_hours: float        # a CSM's customer hours [h/month]
    programs_left_out: dict
    #: Each account's work against an ordinary customer's (multipliers, served), and whether it carries its
    #: segment's programs: what the calendar needs to place the hours (:func:`team_calendar`).
    weight: np.ndarray | None = None
    carries: np.ndarray | None = None


def pooled_team_name(segment: str) -> str:
    """The name a pooled segment's team is shown under."""
    return f"{segment} (pooled team)"


def account_loads(scenario: Scenario, book: Book, *, extra_csms: dict[str, str] | None = None) -> AccountLoads:
    """Each account's hours a month and the team that carries it (see the module docstring).

    Parameters
    ----------
    extra_csms : dict, optional
        ``{name: segment}``: CSMs with no accounts yet (a planned hire), shown with an empty book.

    Raises
    ------
    ScenarioError
        When the book has no ``csm`` column.
    """
    if not book.has_column("csm"):
        raise BookError("the book has no csm column; the team needs each account's owner (a csm column of names)",
                        file=book.source)
    segments = account_work.segment_index(scenario, book)
    k = len(scenario.segments)
    per_customer = np.array([sum(t.hours_per_customer_per_month for t in touchpoint_loads(s)) for s in scenario.segments])
    program = np.array([sum(t.program_hours_per_month for t in touchpoint_loads(s)) for s in scenario.segments])
    if account_work.uses_account_work(scenario, book):
        weight = account_work.account_multipliers(scenario, book) * account_work.served_accounts(scenario, book, segments)
        direct = per_customer[segments] * weight
    else:
        weight = None
        direct = per_customer[segments]
    owner, owners = book.category("csm")
    coverage = np.array([s.coverage for s in scenario.segments])
    pooled_seg = coverage == "pooled"
    digital_seg = coverage == "digital"
    is_pooled = pooled_seg[segments]
    owned = owner >= 0
    carries = (owned & ~is_pooled) | is_pooled
    carries &= ~digital_seg[segments]
    carried = np.bincount(segments, weights=carries, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(carried > 0, program / np.where(carried > 0, carried, 1), 0.0)
    hours = direct + np.where(carries, share[segments], 0.0)
    left_out = {scenario.segments[i].name: float(program[i]) for i in range(k)
                if program[i] > 0 and (digital_seg[i] or carried[i] == 0)}

    # Units: every owner, then one team per pooled segment, then planned hires.
    pooled_ids = np.flatnonzero(pooled_seg)
    n_owners = len(owners)
    extra = dict(extra_csms or {})
    for name, seg_name in extra.items():
        if name in owners:
            raise ScenarioError(f"{name!r} already owns accounts in the book; give the new CSM another name",
                                where="--add-csm")
    units = list(owners) + [pooled_team_name(scenario.segments[i].name) for i in pooled_ids] + list(extra)
    unit = np.where(owned, owner, -1).astype(np.int64)
    for j, i in enumerate(pooled_ids):
        unit[segments == i] = n_owners + j
    # An owner whose accounts are all in pooled (or digital) segments is a member of the pool they own most in.
    outside = np.bincount(owner[owned & ~is_pooled & ~digital_seg[segments]], minlength=n_owners) > 0
    capacity = np.full(len(units), scenario.csm.customer_hours_per_month)
    members: list[tuple[str, ...]] = [(name,) for name in owners] + [() for _ in pooled_ids] + [(n,) for n in extra]
    if len(pooled_ids):
        pool_owned = owned & is_pooled
        counts = np.zeros((n_owners, len(pooled_ids)), dtype=np.int64)
        np.add.at(counts, (owner[pool_owned], np.searchsorted(pooled_ids, segments[pool_owned])), 1)
        pool_members: list[list[str]] = [[] for _ in pooled_ids]
        for c in range(n_owners):
            if not outside[c] and counts[c].sum() > 0:
                pool = int(np.argmax(counts[c]))
                pool_members[pool].append(owners[c])
                unit[(owner == c) & ~is_pooled] = n_owners + pool  # their digital accounts go with them
                capacity[c] = 0.0
                members[c] = ()
        for j, names in enumerate(pool_members):
            capacity[n_owners + j] = len(names) * scenario.csm.customer_hours_per_month
            members[n_owners + j] = tuple(names)
    for j, (name, seg_name) in enumerate(extra.items()):
        seg = next((s for s in scenario.segments if s.name == seg_name), None)
        if seg is not None and seg.coverage == "pooled":
            pool_index = n_owners + int(np.searchsorted(pooled_ids, scenario.segments.index(seg)))
            capacity[pool_index] += scenario.csm.customer_hours_per_month
            members[pool_index] = members[pool_index] + (name,)
            capacity[n_owners + len(pooled_ids) + j] = 0.0
            members[n_owners + len(pooled_ids) + j] = ()
    pooled_unit = np.zeros(len(units), dtype=bool)
    pooled_unit[n_owners : n_owners + len(pooled_ids)] = True
    return AccountLoads(segments, owner, owners, hours, direct, book.arr_cents / 100, unit, tuple(units), capacity,
                        tuple(members), pooled_unit, scenario.csm.customer_hours_per_month, left_out,
                        weight=np.ones(len(book)) if weight is None else weight, carries=carries)


@dataclass(frozen=True)
class CSMLoad:
    """One CSM's (or pooled team's) book: accounts, ARR [USD/year], hours [h/month] against capacity."""

    csm: str
    segments: tuple[str, ...]
    accounts: int
    arr: float
    hours_per_month: float
    capacity_hours_per_month: float
    utilization: float | None  # None without capacity (a pooled team with no members)


@dataclass(frozen=True)
class QuarterRenewals:
    """Accounts renewing in one quarter of the year and their ARR [USD/year]."""

    quarter: str
    accounts: int
    arr: float


@dataclass(frozen=True)
class CSMCalendar:
    """One CSM's (or pooled team's) year: renewals per quarter, and the busiest month's load against capacity.

    ``busiest_month`` and its hours and utilization are given when the scenario dates some work (the
    calendar); without it every month carries the same hours.
    """

    csm: str
    renewals: tuple[QuarterRenewals, ...]
    accounts_without_date: int
    busiest_month: str | None = None
    busiest_hours: float | None = None
    busiest_utilization: float | None = None


@dataclass(frozen=True)
class TeamCalendar:
    """Renewals per quarter (quarters of the fiscal year, else calendar quarters) per CSM, and each one's
    busiest month; ``unassigned`` is the renewals of accounts with no owner (outside pooled segments)."""

    quarters: tuple[str, ...]
    months: tuple[str, ...]
    csms: tuple[CSMCalendar, ...]
    unassigned: tuple[QuarterRenewals, ...]
    dated: bool

    def to_dict(self) -> dict:
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per CSM: accounts and ARR renewing per quarter, accounts without a date, the busiest month."""
        rows = []
        for c in self.csms:
            row = {"csm": c.csm}
            for q in c.renewals:
                row[f"{q.quarter}: accounts"] = q.accounts
                row[f"{q.quarter}: ARR"] = q.arr
            row.update(accounts_without_date=c.accounts_without_date, busiest_month=c.busiest_month,
                       busiest_hours=c.busiest_hours, busiest_utilization=c.busiest_utilization)
            rows.append(row)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Team:
    """Today's team. ``to_dict()`` is the ``team --json`` shape."""

    scenario: str
    currency: str
    csms: tuple[CSMLoad, ...]
    unassigned: dict
    summary: dict = field(default_factory=dict)
    #: Renewals per quarter and the busiest month per CSM (:func:`team_calendar`); None when the book has no
    #: renewal dates and the scenario dates no work.
    calendar: TeamCalendar | None = None

    def to_dict(self) -> dict:
        out = {"csms": [asdict(c) for c in self.csms], "unassigned": self.unassigned, "summary": self.summary}
        if self.calendar is not None:
            out["calendar"] = self.calendar.to_dict()
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per CSM or pooled team, with its status against the target."""
        frame = pd.DataFrame([asdict(c) for c in self.csms],
                             columns=["csm", "segments", "accounts", "arr", "hours_per_month",
                                      "capacity_hours_per_month", "utilization"])
        frame["segments"] = frame["segments"].map(", ".join)
        over, under = set(self.summary["over"]), set(self.summary["under"])
        frame["status"] = ["over" if c in over else "under" if c in under else "within" for c in frame["csm"]]
        return frame


def loads_by_unit(loads: AccountLoads, assignment: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hours [h/month], accounts and ARR [USD/year] per unit, for ``assignment`` (default: today's)."""
    unit = loads.unit if assignment is None else assignment
    carried = unit >= 0
    n = len(loads.units)
    hours = np.bincount(unit[carried], weights=loads.hours[carried], minlength=n)
    count = np.bincount(unit[carried], minlength=n)
    arr = np.bincount(unit[carried], weights=loads.arr[carried], minlength=n)
    return hours, count, arr


def team_rows(scenario: Scenario, loads: AccountLoads, assignment: np.ndarray | None = None) -> tuple[CSMLoad, ...]:
    """One :class:`CSMLoad` per CSM and pooled team (pool members appear only in their team)."""
    unit = loads.unit if assignment is None else assignment
    hours, count, arr = loads_by_unit(loads, unit)
    carried = unit >= 0
    n = len(loads.units)
    k = len(scenario.segments)
    pairs = np.bincount(unit[carried] * k + loads.segment[carried], minlength=n * k).reshape(n, k)
    names = [s.name for s in scenario.segments]
    util = utilization(hours, loads.unit_capacity)
    rows = []
    for u, name in enumerate(loads.units):
        if loads.unit_capacity[u] == 0 and count[u] == 0 and not loads.pooled_unit[u]:
            continue  # a pool member: carried by the team row
        rows.append(CSMLoad(
            csm=name,
            segments=tuple(names[i] for i in np.flatnonzero(pairs[u])),
            accounts=int(count[u]),
            arr=float(arr[u]),
            hours_per_month=float(hours[u]),
            capacity_hours_per_month=float(loads.unit_capacity[u]),
            utilization=None if math.isnan(util[u]) else float(util[u]),
        ))
    return tuple(rows)


def target_utilization(scenario: Scenario) -> float:
    """The fiscal year's target utilization, else :data:`DEFAULT_TARGET_UTILIZATION`."""
    return DEFAULT_TARGET_UTILIZATION if scenario.fiscal_year is None else scenario.fiscal_year.target_utilization


def team(scenario: Scenario | dict | str | Path, book: Book | str | Path | None = None, *,
         under_margin: float = UNDER_LOADED_MARGIN) -> Team:
    """Today's team from the book's owners: each CSM's load against capacity and the target.

    Returns
    -------
    Team
        Over-loaded: utilization above the target; under-loaded: more than ``under_margin``
        below it.
    """
    scenario = load_scenario(scenario)
    book = book_of(scenario, book)
    loads = account_loads(scenario, book)
    rows = team_rows(scenario, loads)
    target = target_utilization(scenario)
    under_line = max(target - under_margin, 0.0)
    over = [r.csm for r in rows if r.utilization is None and r.hours_per_month > 0
            or r.utilization is not None and r.utilization > target]
    under = [r.csm for r in rows if r.utilization is not None and r.utilization < under_line]
    names = [s.name for s in scenario.segments]
    pooled = np.array([s.coverage == "pooled" for s in scenario.segments])
    digital = np.array([s.coverage == "digital" for s in scenario.segments])
    no_owner = (loads.owner < 0) & ~pooled[loads.segment]
    unassigned_dedicated = no_owner & ~digital[loads.segment]
    by_segment = np.bincount(loads.segment[unassigned_dedicated], minlength=len(names))
    unassigned = {
        "accounts": int(unassigned_dedicated.sum()),
        "arr": float(loads.arr[unassigned_dedicated].sum()),
        "hours_per_month": float(loads.hours[unassigned_dedicated].sum()),
        "by_segment": {names[i]: int(by_segment[i]) for i in np.flatnonzero(by_segment)},
        "account_ids": _ids(book, np.flatnonzero(unassigned_dedicated)[:20]),
    }
    owned_digital = (loads.owner >= 0) & digital[loads.segment]
    digital_owners = []
    for i in np.flatnonzero(digital):
        in_seg = owned_digital & (loads.segment == i)
        counts = np.bincount(loads.owner[in_seg], minlength=len(loads.owners))
        arr = np.bincount(loads.owner[in_seg], weights=loads.arr[in_seg], minlength=len(loads.owners))
        digital_owners += [{"csm": loads.owners[c], "segment": names[i], "accounts": int(counts[c]), "arr": float(arr[c])}
                           for c in np.flatnonzero(counts)]
    hours = sum(r.hours_per_month for r in rows)
    capacity = sum(r.capacity_hours_per_month for r in rows)
    summary = {
        "target_utilization": target,
        "under_loaded_below": under_line,
        "customer_hours_per_csm": loads.customer_hours,
        "csms": int(sum(len(m) for m in loads.unit_members)),
        "accounts": int(sum(r.accounts for r in rows)),
        "arr": float(sum(r.arr for r in rows)),
        "hours_per_month": float(hours),
        "capacity_hours_per_month": float(capacity),
        "utilization": None if capacity == 0 else float(hours / capacity),
        "over": over,
        "under": under,
        "pooled_teams": [{"team": loads.units[u], "members": list(loads.unit_members[u])}
                         for u in np.flatnonzero(loads.pooled_unit)],
        "digital_owners": digital_owners,
        "programs": PROGRAMS_NOTE,
        "programs_left_out_hours_per_month": loads.programs_left_out,
    }
    return Team(scenario.name, scenario.currency, rows, unassigned, summary, team_calendar(scenario, book, loads, rows))


def team_calendar(scenario: Scenario, book: Book, loads: AccountLoads, rows: tuple[CSMLoad, ...]) -> TeamCalendar | None:
    """Each CSM's renewals per quarter and busiest month (see :class:`TeamCalendar`).

    Quarters are three months each from the fiscal year's first month (January without a fiscal
    year); a renewal counts in the quarter of its anniversary. The busiest month places each account's
    hours as the calendar does (:mod:`capacity.model.calendar`): dated touchpoints in their months,
    one-time work with the segment's arrivals, the rest evenly; the twelve months of a CSM add up to
    twelve times their hours a month. Accounts without an owner outside pooled segments are left out
    of the CSMs (their renewals are counted under ``unassigned``).

    Returns
    -------
    TeamCalendar or None
        None when the book has no ``renewal_date`` column and the scenario dates no work.
    """
    dated = has_calendar(scenario)
    if not book.has_column("renewal_date") and not dated:
        return None
    first, _ = calendar_window(scenario)
    renewals = renewal_dates(book)
    quarter = np.where(renewals.dated, position_quarter(np.asarray(month_of(renewals.day)) - first), -1)
    labels = tuple(f"Q{q + 1} ({MONTH_NAMES[(first + 3 * q) % 12]}-{MONTH_NAMES[(first + 3 * q + 2) % 12]})"
                   for q in range(4))
    n = len(loads.units)
    carried = (loads.unit >= 0) & (quarter >= 0)
    cell = loads.unit[carried] * 4 + quarter[carried]
    counts = np.bincount(cell, minlength=n * 4).reshape(n, 4)
    arr = np.bincount(cell, weights=loads.arr[carried], minlength=n * 4).reshape(n, 4)
    undated = np.bincount(loads.unit[(loads.unit >= 0) & ~renewals.dated], minlength=n)
    months = tuple(month_label(first + m) for m in range(12))
    hours = _unit_months(scenario, book, loads, first) if dated else None
    shown = {r.csm for r in rows}
    out = []
    for u, name in enumerate(loads.units):
        if name not in shown:
            continue
        busiest = dict()
        if hours is not None:
            m = int(np.argmax(hours[u]))
            used = utilization(hours[u, m], loads.unit_capacity[u])
            busiest = dict(busiest_month=months[m], busiest_hours=float(hours[u, m]),
                           busiest_utilization=None if math.isnan(used) else float(used))
        out.append(CSMCalendar(name, tuple(QuarterRenewals(labels[q], int(counts[u, q]), float(arr[u, q]))
                                           for q in range(4)), int(undated[u]), **busiest))
    pooled = np.array([s.coverage == "pooled" for s in scenario.segments])
    digital = np.array([s.coverage == "digital" for s in scenario.segments])
    orphan = (loads.owner < 0) & ~pooled[loads.segment] & ~digital[loads.segment] & (quarter >= 0)
    unassigned = tuple(QuarterRenewals(labels[q], int((orphan & (quarter == q)).sum()),
                                       float(loads.arr[orphan & (quarter == q)].sum())) for q in range(4))
    return TeamCalendar(labels, months, tuple(out), unassigned, dated)


def _unit_months(scenario: Scenario, book: Book, loads: AccountLoads, first: int) -> np.ndarray:
    """Each unit's hours in each of the twelve months from ``first``, (units, 12) [h]: the calendar's placement
    of every touchpoint, account by account (its twelve months add up to twelve times the unit's month)."""
    n = len(loads.units)
    customers = np.bincount(loads.segment, minlength=len(scenario.segments)).astype(float)
    cal = calendar_inputs(scenario, book, customers, first, 12)
    widest = cal.shape.shape[1] - 12
    out = np.zeros((n, 12))
    owned = loads.unit >= 0
    t = -1
    for s, seg in enumerate(scenario.segments):
        in_segment = owned & (loads.segment == s)
        carried = np.count_nonzero(loads.carries & (loads.segment == s))
        for tp, load in zip(seg.touchpoints, touchpoint_loads(seg)):
            t += 1
            place = cal.placements[t]
            if place == "program":
                if not carried:
                    continue  # a digital segment's programs: no account owner runs them
                takes = in_segment & loads.carries
                amount = np.full(int(takes.sum()), load.program_hours_per_month / carried)
            else:
                takes = in_segment
                amount = load.hours_per_customer_per_month * loads.weight[takes]
            units = loads.unit[takes]
            each = np.bincount(units, weights=amount, minlength=n)
            if place == "renewal":
                positions = account_positions(book, tp.offset_days or 0, first, 12)[takes, 0]
                falls = positions >= 0
                out += np.bincount(units[falls] * 12 + positions[falls], weights=12 * amount[falls],
                                   minlength=n * 12).reshape(n, 12)
                out += np.bincount(units[~falls], weights=amount[~falls], minlength=n)[:, None]
            elif place == "arrival":
                nmonths = int(cal.spread[t])
                before = cal.shape[s, widest - (nmonths - 1): widest] if nmonths > 1 else None
                out += each[:, None] * spread_arrivals(cal.shape[s, widest:], nmonths, before)[None, :]
            else:  # evenly, in months, or a program: its factors (1 each month for work with no date)
                out += each[:, None] * cal.factors[t][None, :]
    return out


def _ids(book: Book, positions: np.ndarray) -> list[str]:
    column = book.table.column("account_id")
    return [column[int(p)].as_py() for p in positions]


def book_of(scenario: Scenario, book: Book | str | Path | None) -> Book:
    """``book`` loaded, or the scenario's book; an error when there is neither."""
    if book is None:
        if scenario.book is None:
            raise ScenarioError("the team needs a book of accounts with a csm column (book: in the scenario, or --book)",
                                file=scenario.source, where="book")
        if not scenario.book.exists():
            raise ScenarioError(f"book file not found: {scenario.book} (a relative path is read from the scenario's "
                                "folder)", file=scenario.source, where="book")
        book = scenario.book
    return book if isinstance(book, Book) else load_book(book)
