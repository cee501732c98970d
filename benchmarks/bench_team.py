"""Budgets of today's team: the team on a million accounts, and the rebalance integer program."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from capacity import Book, load_scenario
from capacity.model.plan import touchpoint_loads
from capacity.analysis.rebalance import rebalance
from capacity.analysis.team import team

from .books import DEFAULT_SCENARIO
from .harness import Measurement, budget, median_seconds

HEALTH = {"column": "health", "values": {"red": 1.5, "yellow": 1.2, "green": 1.0}, "default": 1.0}


def team_book(accounts: int, csms: int, seed: int = 7, mean_utilization: float = 0.72):
    """A scenario and an imbalanced book of ``accounts`` accounts owned by ``csms`` dedicated CSMs.

    The sample scenario with SMB dedicated (every non-digital segment has named owners), CSMs per
    segment in proportion to its hours, each CSM's share of the segment's accounts drawn unevenly
    (half to one and a half times the even share), and every touchpoint's minutes scaled so that the
    team is at ``mean_utilization`` on average: some CSMs well above the target, some well below.
    """
    rng = np.random.default_rng(seed)
    base = load_scenario(DEFAULT_SCENARIO)
    segments = tuple(s.model_copy(update={"coverage": "dedicated"}) if s.coverage == "pooled" else s
                     for s in base.segments)
    arr = np.clip(np.round(np.exp(rng.normal(np.log(8000), 1.3, accounts)), -1), 600, 2_500_000)
    mins = np.array([s.min_arr for s in segments])
    order = np.argsort(mins)
    seg = order[np.searchsorted(mins[order], arr, side="right") - 1]
    hours = np.array([sum(t.hours_per_customer_per_month for t in touchpoint_loads(s)) for s in segments])
    dedicated = np.array([s.coverage == "dedicated" for s in segments])
    demand = np.bincount(seg, weights=hours[seg], minlength=len(segments)) * dedicated
    people = np.maximum(1, np.round(demand / demand.sum() * csms)).astype(int) * dedicated
    people[np.argmax(people)] += csms - people.sum()
    owner = np.full(accounts, "", dtype=object)
    for i in np.flatnonzero(dedicated):
        names = np.array([f"{segments[i].name} CSM {k + 1:03d}" for k in range(people[i])], dtype=object)
        shares = rng.uniform(0.5, 1.5, people[i])
        in_segment = np.flatnonzero(seg == i)
        owner[in_segment] = names[rng.choice(people[i], size=len(in_segment), p=shares / shares.sum())]
    health = np.array(["Green", "Yellow", "Red"], dtype=object)[rng.choice(3, size=accounts, p=[0.62, 0.25, 0.13])]
    frame = pd.DataFrame({"account_id": np.char.zfill(np.arange(1, accounts + 1).astype(str), 8), "arr": arr,
                          "csm": owner, "health": health})
    book = Book.from_frame(frame)
    # Touchpoint minutes scaled so that the team is at ``mean_utilization`` on average.
    scale = csms * mean_utilization * base.csm.customer_hours_per_month / float(np.sum(hours[seg] * dedicated[seg]))
    segments = tuple(s.model_copy(update={"touchpoints": tuple(t.model_copy(update={"minutes": t.minutes * scale})
                                                               for t in s.touchpoints)}) for s in segments)
    scenario = base.model_copy(update={"segments": segments, "fiscal_year": None})
    return scenario, book


def _fresh(book: Book) -> Book:
    """The same accounts with nothing cached: what a just-loaded book has."""
    return Book(table=book.table, arr_cents=book.arr_cents, source=None)


@budget("team of 1M accounts after loading (health multipliers, median of 3)", limit=2.0, unit="s")
def team_million(smoke: bool) -> Measurement:
    accounts, csms = (20_000, 20) if smoke else (1_000_000, 400)
    scenario, book = team_book(accounts, csms)
    scenario = scenario.model_copy(update={"workload_multipliers": load_scenario(
        {"csm": {"loaded_cost_per_year": 1}, "segments": [{"name": "x", "min_arr": 0}],
         "workload_multipliers": HEALTH}).workload_multipliers})
    seconds = median_seconds(lambda: team(scenario, _fresh(book)), repeat=3)
    return Measurement(seconds, f"{accounts:,} accounts, {csms} CSMs")


VERTICALS = np.array(["Technology", "Financial Services", "Healthcare", "Retail", "Manufacturing", "Public Sector"],
                     dtype=object)


def constrained_team_book(accounts: int, csms: int, seed: int = 7, as_of: str = "2027-01-15"):
    """:func:`team_book` with every rule of book building at work.

    Verticals; renewal dates spread over the year from ``as_of`` (a quarter of the book inside the 90-day
    freeze window); 2% of accounts locked; 6% of accounts children of another (families of two to four,
    nine in ten with their parent's CSM, some across segments); 2% without an owner; and per dedicated
    segment a CSM who leaves on 2027-03-31, a new hire from 2027-03-01, a CSM with a maximum of 90% of
    today's accounts and a CSM who may carry two verticals only.
    """
    rng = np.random.default_rng(seed + 1)
    scenario, book = team_book(accounts, csms, seed)
    frame = pd.DataFrame({"account_id": book.table.column("account_id").to_pylist(), "arr": book.arr_cents / 100,
                          "csm": book.table.column("csm").to_pylist(), "health": book.table.column("health").to_pylist()})
    n = len(frame)
    frame["vertical"] = VERTICALS[rng.choice(6, size=n, p=[0.25, 0.2, 0.18, 0.15, 0.14, 0.08])]
    frame["renewal_date"] = (np.datetime64(as_of) + rng.integers(0, 365, n)).astype(str)
    frame["locked"] = np.where(rng.random(n) < 0.02, "yes", "")
    ids = frame["account_id"].to_numpy()
    children = rng.choice(n, size=int(0.06 * n), replace=False)
    heads = rng.choice(np.setdiff1d(np.arange(n), children), size=max(1, len(children) // 2))
    parent_of = heads[np.arange(len(children)) % len(heads)]
    parent = np.full(n, "", dtype=object)
    parent[children] = ids[parent_of]
    same = rng.random(len(children)) < 0.9
    owners = frame["csm"].to_numpy().copy()
    owners[children[same]] = owners[parent_of[same]]
    owners[rng.random(n) < 0.02] = ""
    frame["csm"] = owners
    frame["parent_account_id"] = parent
    book = Book.from_frame(frame)
    counts = frame["csm"].value_counts()
    rules = []
    by_segment: dict[str, list[str]] = {}
    for name in sorted(set(owners) - {""}):
        by_segment.setdefault(name.split(" CSM ")[0], []).append(name)
    for segment, names in by_segment.items():
        if len(names) < 3:
            continue
        rules += [{"name": names[0], "leave": "2027-03-31"},
                  {"name": f"{segment} new hire", "segments": [segment], "start": "2027-03-01"},
                  {"name": names[1], "max_accounts": int(counts[names[1]] * 0.9)},
                  {"name": names[2], "verticals": ["Technology", "Healthcare"]}]
    data = scenario.model_dump(exclude_unset=True)
    data.update(csms=rules, rebalance={"as_of": as_of}, options=[], trade_offs=[])
    return load_scenario(data), book


def _rebalance_note(result, accounts: int, csms: int) -> str:
    band, moves, balance = result.objectives
    return (f"{accounts:,} accounts x {csms} CSMs, every rule: band {band.status}"
            f" (worst overload {band.value:.1%}), moves {moves.status} within {moves.gap or 0:.2%} of the whole-book "
            f"bound ({result.moved['accounts']:,} moves), balance {balance.status}"
            + ("" if balance.gap is None else f" within {balance.gap:.1%}") + f" on {balance.scope}; "
            f"{result.candidates:,} accounts decided")


@budget("rebalance 10k accounts x 50 CSMs with every rule, optimal or within 1% of the bound", limit=10.0, unit="s")
def rebalance_10k(smoke: bool) -> Measurement:
    accounts, csms = (2_000, 10) if smoke else (10_000, 50)
    scenario, book = constrained_team_book(accounts, csms)
    start = time.perf_counter()
    result = rebalance(scenario, book, time_limit=8.0)
    seconds = time.perf_counter() - start
    band, moves, _ = result.objectives
    proven = band.status == "optimal" and moves.gap is not None and moves.gap <= 0.01
    return Measurement(seconds if proven or smoke else float("inf"), _rebalance_note(result, accounts, csms))


@budget("rebalance 100k accounts x 100 CSMs with every rule and a time limit, gap reported", limit=60.0, unit="s")
def rebalance_100k(smoke: bool) -> Measurement:
    accounts, csms = (5_000, 20) if smoke else (100_000, 100)
    scenario, book = constrained_team_book(accounts, csms)
    start = time.perf_counter()
    result = rebalance(scenario, book, time_limit=50.0)
    return Measurement(time.perf_counter() - start, _rebalance_note(result, accounts, csms))
