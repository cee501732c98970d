"""The rebalance integer program: brute force on small books, a published GAP case, the command line."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.inputs.book import load_book
from capacity.apps.cli import main
from capacity.exceptions import RebalanceInfeasible, ScenarioError
from capacity.analysis.rebalance import move_bound, rebalance, solve_assignment
from capacity.analysis.team import account_loads, team
from capacity.inputs.scenario import load_scenario

from tests.conftest import DEFAULT_SCENARIO, ROOT
from tests.team_fixtures import team_book, team_scenario

FIXTURES = ROOT / "tests" / "fixtures"


# -- the solver core -------------------------------------------------------------------------


def read_or_library_gap(path: Path):
    """OR-Library's GAP format (Beasley 1990): problems; per problem m agents, n jobs, the m x n costs,
    the m x n resources, the m capacities."""
    numbers = iter(int(x) for x in path.read_text().split())
    problems = []
    for _ in range(next(numbers)):
        m, n = next(numbers), next(numbers)
        cost = np.array([[next(numbers) for _ in range(n)] for _ in range(m)], dtype=float)
        resource = np.array([[next(numbers) for _ in range(n)] for _ in range(m)], dtype=float)
        capacity = np.array([next(numbers) for _ in range(m)], dtype=float)
        problems.append((cost, resource, capacity))
    return problems


# OR-Library gap1 (J.E. Beasley, http://people.brunel.ac.uk/~mastjjb/jeb/orlib/gapinfo.html), problems c515-1..5
# (Osman 1995; Cattrysse, Salomon and Van Wassenhove 1994): 5 agents, 15 jobs, optimal values as maximisation
# problems published in OR-Library's gapinfo: 336, 327, 339, 341, 326.
GAP1_OPTIMA = [336, 327, 339, 341, 326]


@pytest.mark.parametrize("problem", range(5), ids=[f"c515-{k + 1}" for k in range(5)])
def test_or_library_gap1_published_optima_reproduced(problem):
    cost, resource, capacity = read_or_library_gap(FIXTURES / "orlib_gap1.txt")[problem]
    m, n = cost.shape
    agent, job = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    agent, job = agent.ravel(), job.ravel()
    solution = solve_assignment(job, agent, resource[agent, job], -cost[agent, job], n,
                                np.full(m, -np.inf), capacity)
    assert solution.status == "optimal"
    assert -solution.objective == GAP1_OPTIMA[problem]
    chosen_agent = agent[solution.chosen]
    assert np.all(np.bincount(chosen_agent, weights=resource[chosen_agent, np.arange(n)], minlength=m) <= capacity)


def brute_force(n_accounts, units, eligible, weight, cost, lower, upper):
    """The cheapest assignment by enumeration, or None when none meets the bounds."""
    best = None
    for choice in itertools.product(range(units), repeat=n_accounts):
        if not all(eligible[a, u] for a, u in enumerate(choice)):
            continue
        load = np.zeros(units)
        for a, u in enumerate(choice):
            load[u] += weight[a, u]
        if np.all(load >= lower - 1e-9) and np.all(load <= upper + 1e-9):
            total = sum(cost[a, u] for a, u in enumerate(choice))
            best = total if best is None else min(best, total)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_solver_matches_brute_force(data):
    n = data.draw(st.integers(1, 6))
    units = data.draw(st.integers(2, 3))
    weight = np.array(data.draw(st.lists(st.lists(st.integers(1, 9), min_size=units, max_size=units),
                                         min_size=n, max_size=n)), dtype=float)
    cost = np.array(data.draw(st.lists(st.lists(st.integers(0, 20), min_size=units, max_size=units),
                                       min_size=n, max_size=n)), dtype=float)
    eligible = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=units, max_size=units),
                                           min_size=n, max_size=n)))
    upper = np.array(data.draw(st.lists(st.integers(0, 30), min_size=units, max_size=units)), dtype=float)
    lower = np.array([data.draw(st.integers(0, int(u))) for u in upper], dtype=float)
    account, unit = np.nonzero(eligible)
    solution = solve_assignment(account, unit, weight[account, unit], cost[account, unit], n, lower, upper)
    expected = brute_force(n, units, eligible, weight, cost, lower, upper)
    if expected is None:
        assert solution.chosen is None
    else:
        assert solution.status == "optimal"
        assert solution.objective == pytest.approx(expected)


def test_move_bound_by_hand():
    hours, arr = np.array([5.0, 3.0, 1.0]), np.array([100.0, 30.0, 50.0])
    assert move_bound(hours, arr, 6.0, "accounts") == 2  # 5 + 3
    assert move_bound(hours, arr, 6.0, "hours") == 6.0
    # ARR per hour: 10 (3 h), 20 (5 h), 50 (1 h): 3 h for 30, then 3 of the 5 h for 60.
    assert move_bound(hours, arr, 6.0, "arr") == pytest.approx(90.0)
    assert move_bound(hours, arr, 10.0, "accounts") == np.inf
    # Whole accounts: 3 h from accounts of 2 h each takes two of them, 4 h; and the two smallest ARRs.
    assert move_bound(np.array([2.0, 2.0, 2.0]), np.array([10.0, 1.0, 5.0]), 3.0, "hours") == 4.0
    assert move_bound(np.array([2.0, 2.0, 2.0]), np.array([10.0, 1.0, 5.0]), 3.0, "arr") == 6.0
    assert move_bound(hours, arr, 0.0, "arr") == 0.0


# -- the team's rebalance against brute force ------------------------------------------------------


def one_segment_scenario(customer_hours_per_week: float) -> dict:
    return {
        "name": "One segment",
        "csm": {"hours_per_week": customer_hours_per_week, "weeks_per_year": 48, "pto_days": 0,
                "customer_time_share": 1, "loaded_cost_per_year": 1},  # 4 x hours_per_week customer hours a month
        "segments": [{"name": "Key", "min_arr": 0, "coverage": "dedicated",
                      "touchpoints": [{"name": "Call", "kind": "recurring", "minutes": 60, "per_month": 1}]}],
    }


def brute_force_rebalance(loads, owners_of, lower, upper, worth):
    names = loads.units
    n = len(owners_of)
    best = None
    for choice in itertools.product(range(len(names)), repeat=n):
        load = np.bincount(np.array(choice), weights=loads.hours, minlength=len(names))
        if np.all(load >= lower - 1e-7) and np.all(load <= upper + 1e-7):
            total = sum(worth[a] for a in range(n) if choice[a] != owners_of[a])
            best = total if best is None else min(best, total)
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rebalance_matches_brute_force_on_small_books(data):
    n = data.draw(st.integers(1, 6), label="accounts")
    csms = ["Ann", "Bob", "Cy"][: data.draw(st.integers(2, 3), label="csms")]
    owners = [data.draw(st.sampled_from(csms)) for _ in range(n)]
    owners[0], owners[-1] = csms[0], csms[1] if n > 1 else csms[0]
    multipliers = [data.draw(st.integers(1, 6)) for _ in range(n)]
    arr = [data.draw(st.integers(1, 100)) * 1000 for _ in range(n)]
    move_cost = data.draw(st.sampled_from(["accounts", "arr", "hours"]))
    max_utilization = data.draw(st.sampled_from([0.5, 0.75, 1.0]))
    min_utilization = data.draw(st.sampled_from([0.0, 0.0, 0.25]))
    rows = [(f"A{i}", arr[i], owners[i], "") for i in range(n)]
    book = team_book(rows, workload_multiplier=multipliers)
    scenario = load_scenario(one_segment_scenario(2.5))  # 10 customer hours a month
    loads = account_loads(scenario, book)
    present = sorted(set(owners))
    lower = np.array([min_utilization * 10.0] * len(loads.units))
    upper = np.array([max_utilization * 10.0] * len(loads.units))
    owner_index = [loads.units.index(o) for o in owners]
    worth = {"accounts": [1.0] * n, "arr": arr, "hours": list(loads.hours)}[move_cost]
    expected = brute_force_rebalance(loads, owner_index, lower, upper, worth)
    assert len(present) == len(loads.units)
    if expected is None:
        with pytest.raises(RebalanceInfeasible):
            rebalance(scenario, book, min_utilization=min_utilization, max_utilization=max_utilization,
                      move_cost=move_cost)
        return
    result = rebalance(scenario, book, min_utilization=min_utilization, max_utilization=max_utilization,
                       move_cost=move_cost)
    assert result.status == "optimal" and result.gap == 0
    assert result.objective == pytest.approx(expected)
    assert all(min_utilization - 1e-6 <= row.utilization <= max_utilization + 1e-6 for row in result.after)
    # The restricted model (only the accounts that can matter) is never better than the optimum and says so.
    restricted = rebalance(scenario, book, min_utilization=min_utilization, max_utilization=max_utilization,
                           move_cost=move_cost, full_model_pairs=0)
    assert restricted.bound <= expected + 1e-9 <= restricted.objective + 2e-9
    if restricted.status == "optimal":
        assert restricted.objective == pytest.approx(expected)
    else:
        assert restricted.gap == pytest.approx((restricted.objective - restricted.bound) / restricted.objective)


# -- the sample data and the command line ----------------------------------------------------------


def test_the_sample_team_is_one_enterprise_csm_short_at_the_target(capsys):
    assert main(["rebalance", str(DEFAULT_SCENARIO)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: rebalance: no rebalance keeps every CSM within [0%, 85%] utilization: "
                          "Enterprise is 1 CSM short (80 accounts of which at most 13 fit one CSM")
    assert err.count("\n") == 1


def test_with_a_new_hire_every_csm_ends_within_the_band(tmp_path, capsys):
    moves_csv, new_book = tmp_path / "moves.csv", tmp_path / "book.csv"
    code = main(["rebalance", str(DEFAULT_SCENARIO), "--add-csm", "Jordan Lee:Enterprise", "--json",
                 "--out", str(moves_csv), "--out-book", str(new_book)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {"moves", "moved", "status", "gap", "after"} <= set(data)
    assert data["status"] == "optimal" and data["gap"] == 0
    assert all(row["utilization"] <= 0.85 + 1e-9 for row in data["after"] if row["utilization"] is not None)
    assert any(row["csm"] == "Jordan Lee" and row["accounts"] > 0 for row in data["after"])
    with moves_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["account_id"] for r in rows] == [m["account_id"] for m in data["moves"]]
    assert list(rows[0]) == ["account_id", "name", "from", "to", "hours_per_month", "arr"]
    assert data["moved"]["accounts"] == len(rows)
    # The new book: same accounts and ARR, the new owners; its team is the rebalanced one.
    rebalanced = load_book(new_book)
    original = load_book(DEFAULT_SCENARIO.parent / "book.csv")
    np.testing.assert_array_equal(rebalanced.arr_cents, original.arr_cents)
    after = {r.csm: r.utilization for r in team(DEFAULT_SCENARIO, rebalanced).csms}
    for row in data["after"]:
        assert after[row["csm"]] == pytest.approx(row["utilization"])
    owners = dict(zip(rebalanced.table.column("account_id").to_pylist(), rebalanced.accounts["csm"]))
    assert all(owners[m["account_id"]] == m["to"] for m in data["moves"])


def test_move_cost_arr_moves_no_more_arr_than_accounts():
    by_accounts = rebalance(DEFAULT_SCENARIO, add_csms=["Jordan Lee:Enterprise"])
    by_arr = rebalance(DEFAULT_SCENARIO, add_csms=["Jordan Lee:Enterprise"], move_cost="arr")
    assert by_arr.moved["arr"] <= by_accounts.moved["arr"] + 1e-6
    assert by_accounts.moved["accounts"] <= by_arr.moved["accounts"]


def test_keep_verticals_moves_within_verticals():
    result = rebalance(DEFAULT_SCENARIO, add_csms=["Jordan Lee:Enterprise"], keep_verticals=True,
                       max_utilization=0.9)
    book = load_book(DEFAULT_SCENARIO.parent / "book.csv")
    vertical = dict(zip(book.table.column("account_id").to_pylist(), book.accounts["vertical"]))
    owned = {}
    for account, owner in zip(book.table.column("account_id").to_pylist(), book.accounts["csm"]):
        owned.setdefault(owner, set()).add(vertical[account])
    for move in result.moves:
        assert move.to_csm == "Jordan Lee" or vertical[move.account_id] in owned[move.to_csm]


def test_vertical_pools_keep_accounts_in_their_pool():
    """Mid-Market pools Healthcare apart: its Healthcare accounts move only between CSMs of that pool."""
    pooled = DEFAULT_SCENARIO.parent / "scenario-healthcare-pool.yaml"
    result = rebalance(pooled, add_csms=["Jordan Lee:Enterprise"])
    book = load_book(DEFAULT_SCENARIO.parent / "book.csv")
    frame = book.accounts
    mid_market = frame[(frame["arr"] >= 25_000) & (frame["arr"] < 100_000)]
    in_pool = dict(zip(mid_market["account_id"], mid_market["vertical"] == "Healthcare"))
    pool_owners = set(mid_market.loc[mid_market["vertical"] == "Healthcare", "csm"].dropna())
    other_owners = set(mid_market.loc[mid_market["vertical"] != "Healthcare", "csm"].dropna())
    checked = 0
    for move in result.moves:
        if move.account_id in in_pool:
            assert move.to_csm in (pool_owners if in_pool[move.account_id] else other_owners)
            checked += 1
    assert checked > 0


def test_bad_flags_are_one_line_errors(capsys):
    assert main(["rebalance", str(DEFAULT_SCENARIO), "--add-csm", "Jo:Enterprize"]) == 2
    assert "--add-csm: unknown segment 'Enterprize' (did you mean 'Enterprise'?)" in capsys.readouterr().err
    assert main(["rebalance", str(DEFAULT_SCENARIO), "--add-csm", "Jo:Long tail"]) == 2
    assert "digital segment" in capsys.readouterr().err
    assert main(["rebalance", str(DEFAULT_SCENARIO), "--min-utilization", "0.9", "--max-utilization", "0.5"]) == 2
    assert "is empty" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="already owns accounts"):
        rebalance(DEFAULT_SCENARIO, add_csms=["Alex Morgan:Enterprise"])


def test_out_book_is_not_written_when_the_band_cannot_be_met(tmp_path):
    target = tmp_path / "book.csv"
    target.write_text("keep me", encoding="utf-8")
    assert main(["rebalance", str(DEFAULT_SCENARIO), "--out-book", str(target)]) == 2
    assert target.read_text(encoding="utf-8") == "keep me"


def test_nothing_to_move_when_everyone_is_within_the_band():
    result = rebalance(team_scenario(), team_book(), max_utilization=1.0)
    assert result.moves == () and result.status == "optimal" and result.gap == 0


def test_a_minimum_no_team_can_reach_says_which_segments_have_too_many(capsys):
    assert main(["rebalance", str(DEFAULT_SCENARIO), "--min-utilization", "0.8", "--max-utilization", "1.2"]) == 2
    err = capsys.readouterr().err
    assert "Mid-Market has 1 CSM more than 80% minimum utilization allows" in err
    assert err.rstrip().endswith("lower --min-utilization")


def test_csms_serving_two_segments_are_checked_together():
    """Bob serves both segments: Ann's extra Key account can go to him only if his Pool account goes to Cat."""
    scenario = team_scenario()
    scenario["segments"][1]["coverage"] = "dedicated"
    rows = [("K1", 100000, "Ann", ""), ("K2", 90000, "Ann", ""), ("K3", 80000, "Ann", ""), ("K4", 70000, "Bob", ""),
            ("P1", 20000, "Bob", ""), ("P2", 15000, "Cat", "")]
    # Every account is 2.5 h a month (Key: 2 h + 2 h of programs / 4; Pool: 0.5 h + 4 h / 2); at 4.5% of 130 h
    # a CSM holds two of them: Ann (3) must give one, Bob (2) can take it only by giving one away.
    result = rebalance(scenario, team_book(rows), max_utilization=0.045)
    assert result.status == "optimal" and result.moved["accounts"] == 2
    assert {(m.from_csm, m.to_csm) for m in result.moves} == {("Ann", "Bob"), ("Bob", "Cat")}
    assert [m.account_id for m in result.moves if m.to_csm == "Cat"] == ["P1"]
    assert all(r.accounts == 2 for r in result.after)
