"""The rebalance by enumeration, written from its definition, for books small enough to try every assignment.

One dedicated segment, each account one hour a month times its ``workload_multiplier``, every CSM
ten customer hours a month. The rules, as the issue states them: an account renewing within the
freeze window or locked stays with an owner who stays; a leaver keeps nothing and takes nothing; a
CSM takes only the verticals their rule allows (a hierarchy goes where its lead, its largest
account, may go); a hierarchy either stays exactly as it is (when every account of it may stay)
or goes whole to one CSM; accounts without an owner are placed; a CSM carries at most
``max_accounts``. Then, in order: the least worst overload above the band (a CSM's own floor, what
no answer can take from them, is not counted), the least move cost, the least balance measure
within the move tolerance.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from capacity.inputs.book import Book

CAPACITY = 10.0  # customer hours a month of every CSM in ONE_SEGMENT
ONE_SEGMENT = {
    "name": "One segment",
    "csm": {"hours_per_week": 2.5, "weeks_per_year": 48, "pto_days": 0, "customer_time_share": 1,
            "loaded_cost_per_year": 1},
    "segments": [{"name": "Key", "min_arr": 0, "coverage": "dedicated",
                  "touchpoints": [{"name": "Call", "kind": "recurring", "minutes": 60, "per_month": 1}]}],
}
AS_OF = datetime.date(2027, 1, 1)


@dataclass
class Account:
    account_id: str
    arr: float
    csm: str = ""
    hours: float = 1.0
    locked: bool = False
    parent: str = ""
    renewal: datetime.date | None = None
    health: str = "Green"
    vertical: str = "Retail"


@dataclass
class Case:
    accounts: list[Account]
    rules: list[dict] = field(default_factory=list)
    min_utilization: float = 0.0
    max_utilization: float = 0.85
    freeze_days: int = 30
    move_cost: str = "weighted"
    move_tolerance: float = 0.1
    overload_tolerance: float = 0.0
    balance: dict = field(default_factory=lambda: {"hours": 1.0, "arr": 1.0, "renewals": 1.0, "at_risk": 1.0})

    def book(self) -> Book:
        frame = pd.DataFrame({
            "account_id": [a.account_id for a in self.accounts], "arr": [a.arr for a in self.accounts],
            "csm": [a.csm for a in self.accounts], "workload_multiplier": [a.hours for a in self.accounts],
            "locked": ["yes" if a.locked else "" for a in self.accounts],
            "parent_account_id": [a.parent for a in self.accounts],
            "renewal_date": ["" if a.renewal is None else a.renewal.isoformat() for a in self.accounts],
            "health": [a.health for a in self.accounts], "vertical": [a.vertical for a in self.accounts]})
        return Book.from_frame(frame)

    def scenario(self) -> dict:
        import copy

        scenario = copy.deepcopy(ONE_SEGMENT)
        scenario["csms"] = self.rules
        scenario["rebalance"] = {"as_of": AS_OF.isoformat(), "freeze_days": self.freeze_days,
                                 "min_utilization": self.min_utilization, "max_utilization": self.max_utilization,
                                 "move_cost": self.move_cost, "move_tolerance": self.move_tolerance,
                                 "overload_tolerance": self.overload_tolerance, "balance": self.balance}
        return scenario


@dataclass
class Reference:
    units: list[str]
    feasible: list[tuple]          # assignments meeting the rules and the account limits
    worst: float                   # stage 1: least worst overload
    short: float                   # and then the least worst shortfall
    cost: float                    # stage 2
    balance: float                 # stage 3
    rule_feasible: list[tuple]     # assignments meeting the rules alone


def _next_renewal(day: datetime.date) -> datetime.date:
    if day >= AS_OF:
        return day
    for year in (AS_OF.year, AS_OF.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:  # 29 February
            candidate = datetime.date(year, 2, 28)
        if candidate >= AS_OF:
            return candidate
    raise AssertionError


def solve(case: Case) -> Reference:
    accounts = case.accounts
    n = len(accounts)
    owners = sorted({a.csm for a in accounts if a.csm})
    rules = {r["name"]: r for r in case.rules}
    units = owners + [r["name"] for r in case.rules if r["name"] not in owners]
    leaving = {u: "leave" in rules.get(u, {}) for u in units}
    active = [u for u in units if not leaving[u]]
    owner = [a.csm or None for a in accounts]

    def may_carry(u: str, a: int) -> bool:
        lead = leads[a]
        allowed = rules.get(u, {}).get("verticals")
        return not leaving[u] and (allowed is None or accounts[lead].vertical in allowed)

    # Hierarchies: an account, its parent, their parents, siblings under one parent.
    label = list(range(n))

    def find(i):
        while label[i] != i:
            label[i] = label[label[i]]
            i = label[i]
        return i

    ids = {a.account_id: i for i, a in enumerate(accounts)}
    by_parent: dict[str, int] = {}
    for i, a in enumerate(accounts):
        if a.parent:
            j = ids.get(a.parent)
            if j is None:
                j = by_parent.setdefault(a.parent, i)
            label[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    leads = [0] * n
    for members in groups.values():
        lead = sorted(members, key=lambda i: (-accounts[i].arr, i))[0]
        for i in members:
            leads[i] = lead

    frozen = [a.renewal is not None and (_next_renewal(a.renewal) - AS_OF).days <= case.freeze_days
              for a in accounts]
    immovable = [owner[i] is not None and not leaving[owner[i]] and (accounts[i].locked or frozen[i])
                 for i in range(n)]
    keep = [owner[i] is not None and (immovable[i] or may_carry(owner[i], i)) for i in range(n)]

    # Each hierarchy (an account alone is one) either stays exactly as it is, when every account of it may
    # stay, or goes whole to one CSM who may carry its lead and holds its locked and frozen accounts; when
    # neither is possible it stays as it is (an account without an owner then stays without one).
    placements = []
    for members in groups.values():
        ways = []
        if all(keep[i] for i in members):
            ways.append({i: owner[i] for i in members})
        holders = {owner[i] for i in members if immovable[i]}
        for u in active:
            if holders and holders != {u}:
                continue
            if may_carry(u, members[0]) or all(immovable[i] for i in members):
                way = {i: u for i in members}
                if way not in ways:
                    ways.append(way)
        placements.append(ways or [{i: owner[i] for i in members}])
    rule_feasible = []
    for combo in itertools.product(*placements):
        choice = [None] * n
        for way in combo:
            for i, u in way.items():
                choice[i] = u
        rule_feasible.append(tuple(choice))
    hours = np.array([a.hours for a in accounts])

    def load(choice, u):
        return sum(hours[i] for i in range(n) if choice[i] == u)

    def count(choice, u):
        return sum(1 for i in range(n) if choice[i] == u)

    floor = {u: min(load(c, u) for c in rule_feasible) for u in active}
    reach = {u: max(load(c, u) for c in rule_feasible) for u in active}
    top = {u: max(case.max_utilization, floor[u] / CAPACITY) for u in active}
    bottom = {u: min(case.min_utilization, reach[u] / CAPACITY) for u in active}
    limit = {u: max(rules.get(u, {}).get("max_accounts", 10**9), min(count(c, u) for c in rule_feasible))
             for u in active}
    feasible = [c for c in rule_feasible if all(count(c, u) <= limit[u] for u in active)]

    def over(c):
        return max([0.0] + [load(c, u) / CAPACITY - top[u] for u in active])

    def under(c):
        if case.min_utilization <= 0:
            return 0.0
        return max([0.0] + [bottom[u] - load(c, u) / CAPACITY for u in active])

    arr = np.array([a.arr for a in accounts])
    mean_arr = arr.mean()
    worth = {"weighted": 1 + arr / mean_arr, "accounts": np.ones(n), "arr": arr, "hours": hours}[case.move_cost]

    def cost(c):
        return float(sum(worth[i] for i in range(n) if owner[i] is not None and c[i] != owner[i]))

    worst = min(over(c) for c in feasible)
    kept = [c for c in feasible if over(c) <= worst + 1e-7]
    short = min(under(c) for c in kept)
    band = [c for c in feasible if over(c) <= worst + case.overload_tolerance + 1e-7
            and under(c) <= short + case.overload_tolerance + 1e-7]
    least = min(cost(c) for c in band)
    budget = [c for c in band if cost(c) <= (1 + case.move_tolerance) * least + 1e-7 * max(1.0, least)]

    # Balance across the active CSMs (one segment): relative mean absolute deviation of each measure.
    measures = []
    if case.balance.get("hours", 1.0) > 0:
        measures.append((case.balance.get("hours", 1.0), hours))
    if case.balance["arr"] > 0:
        measures.append((case.balance["arr"], arr))
    has_dates = any(a.renewal is not None for a in accounts)
    if has_dates and case.balance["renewals"] > 0:
        quarter = [None if a.renewal is None else (a.renewal.month - 1) // 3 for a in accounts]
        for q in range(4):
            measures.append((case.balance["renewals"] / 4, np.array([float(x == q) for x in quarter])))
    if case.balance["at_risk"] > 0:
        measures.append((case.balance["at_risk"], np.array([float(a.health == "Red") for a in accounts])))
    today = tuple(owner)

    def balance(c):
        if len(active) < 2:
            return 0.0
        total = 0.0
        for weight, values in measures:
            now = np.array([sum(values[i] for i in range(n) if today[i] == u) for u in active])
            scale = now.mean()
            if scale <= 0:
                continue
            after = np.array([sum(values[i] for i in range(n) if c[i] == u) for u in active])
            total += weight * np.abs(after - after.mean()).mean() / scale
        return total

    best = min(balance(c) for c in budget)
    return Reference(units, feasible, worst, short, least, best, rule_feasible)


def check_answer(case: Case, reference: Reference, owners_after) -> None:
    """The model's answer keeps every rule and every stage's optimum (within its tolerance)."""
    choice = tuple(o or None for o in owners_after)
    assert choice in reference.rule_feasible, f"the answer breaks a rule: {choice}"
    assert choice in reference.feasible, f"the answer breaks an account limit: {choice}"
