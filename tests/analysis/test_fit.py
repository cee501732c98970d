"""What a cap buys: the exact optimum over the trade-off menu, checked by hand and by brute force."""

from __future__ import annotations

import copy
import itertools
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from capacity import Book, CapacityError, ScenarioError, load_scenario, plan
from capacity.apps.cli import main
from capacity.inputs.context import load_context
from capacity.exceptions import FitError
from capacity.analysis.fit import TIE_HOURS, default_menu, fit, menu_yaml, parse_budget
from capacity.views.text import render_fit
from capacity.analysis.options import demand_hours_per_month

from tests.conftest import DEFAULT_SCENARIO

# Hand-worked: a CSM works 30 h x 48 weeks / 12 = 120 h a month, half of it with customers: 60 h.
# Enterprise: 50 customers x (Review 60 min x 2 + Call 30 min x 2 = 3 h) = 150 h -> 2.5 FTE -> 3 CSMs at $200k.
# SMB: 300 customers x (Check-in 20 min x 1 + Questions 10 min x 1.2 = 0.5333 h) = 160 h -> 2.67 FTE -> 3 at $100k.
# The plan: 6 CSMs, $900k, 310 customer hours a month.
TWO_SEGMENTS = {
    "name": "Two segments",
    "csm": {"hours_per_week": 30, "weeks_per_year": 48, "pto_days": 0, "customer_time_share": 0.5,
            "loaded_cost_per_year": 100000},
    "segments": [
        {"name": "Enterprise", "min_arr": 100000, "customers": 50, "arr": 10_000_000, "loaded_cost_per_year": 200000,
         "touchpoints": [{"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 2},
                         {"name": "Call", "kind": "recurring", "minutes": 30, "per_month": 2}]},
        {"name": "SMB", "min_arr": 0, "customers": 300, "arr": 3_000_000, "coverage": "pooled",
         "touchpoints": [{"name": "Check-in", "kind": "recurring", "minutes": 20, "per_month": 1},
                         {"name": "Questions", "kind": "inbound", "minutes": 10, "per_month": 1.2}]},
    ],
    "trade_offs": [
        # Hours each gives up, by hand: 50 x 1 h = 50; 50 x 1.5 h = 75; 50 x 0.5 h = 25; 300 x 1/6 h = 50; 300 x 0.1 h = 30.
        {"name": "Reviews monthly", "group": "Reviews",
         "changes": {"segments[Enterprise].touchpoints[Review].per_month": 1}},
        {"name": "Reviews every other month", "group": "Reviews",
         "changes": {"segments[Enterprise].touchpoints[Review].per_month": 0.5}},
        {"name": "Calls monthly", "changes": {"segments[Enterprise].touchpoints[Call].per_month": 1}},
        {"name": "Check-ins every other month", "changes": {"segments[SMB].touchpoints[Check-in].per_month": 0.5}},
        {"name": "Fewer questions", "changes": {"segments[SMB].touchpoints[Questions].per_month": 0.6}},
    ],
}


@pytest.fixture
def two_segments():
    return load_context(copy.deepcopy(TWO_SEGMENTS))


def test_the_hand_worked_plan(two_segments):
    base = plan(two_segments)
    assert [s.headcount for s in base.segments] == [3, 3]
    assert base.totals.cost_per_year == 900_000
    assert sum(demand_hours_per_month(s) for s in base.segments) == pytest.approx(310)


def test_five_csms_ties_on_hours_and_count_and_goes_to_the_lower_cost(two_segments):
    # Reviews monthly (Enterprise 100 h -> 2 CSMs) and Check-ins every other month (SMB 110 h -> 2) both give up
    # 50 h with one trade-off; the first costs 2 x 200k + 3 x 100k = 700k, the second 3 x 200k + 2 x 100k = 800k.
    result = fit(two_segments, headcount=5)
    assert result.best.chosen == ("Reviews monthly",)
    assert result.best.headcount == 5 and result.best.cost_per_year == 700_000
    assert result.best.customer_hours_given_up_per_month == pytest.approx(50)
    # Next: the other 50 h package, then 75 h with one trade-off (Reviews every other month) before 75 h with
    # two (Calls monthly + Check-ins every other month).
    assert [a.chosen for a in result.alternatives] == [("Check-ins every other month",), ("Reviews every other month",)]
    assert [a.cost_per_year for a in result.alternatives] == [800_000, 700_000]
    segments = {s.name: s for s in result.best.segments}
    assert segments["Enterprise"].customer_hours_given_up_per_month == pytest.approx(50)
    assert segments["SMB"].customer_hours_given_up_per_month == pytest.approx(0)
    assert (segments["Enterprise"].headcount_before, segments["Enterprise"].headcount) == (3, 2)


def test_four_csms_two_ways_at_100_hours_and_the_cheaper_wins(two_segments):
    # Enterprise to 1 CSM needs <= 60 h: Reviews every other month + Calls monthly (75 + 25 = 100 h) -> 50 h,
    # $500k. Both segments to 2: Reviews monthly + Check-ins every other month, also 100 h, $600k.
    result = fit(two_segments, headcount=4)
    assert result.best.chosen == ("Reviews every other month", "Calls monthly")
    assert result.best.cost_per_year == 500_000
    assert result.best.customer_hours_given_up_per_month == pytest.approx(100)
    assert result.alternatives[0].chosen == ("Reviews monthly", "Check-ins every other month")
    # Then 125 h: two trade-offs (Reviews every other month + Check-ins) before three.
    assert result.alternatives[1].chosen == ("Reviews every other month", "Check-ins every other month")
    assert result.alternatives[1].customer_hours_given_up_per_month == pytest.approx(125)


def test_a_budget_cap(two_segments):
    result = fit(two_segments, budget=750_000)
    assert result.best.chosen == ("Reviews monthly",) and result.best.cost_per_year == 700_000
    assert result.to_dict()["cap"] == {"headcount": None, "budget": 750_000}


def test_a_cap_out_of_reach_says_the_best_the_menu_reaches(two_segments):
    # Everything but one of the two review cuts: Enterprise 50 h -> 1 CSM, SMB 80 h -> 2 CSMs: 3 CSMs, $400k.
    with pytest.raises(FitError) as caught:
        fit(two_segments, headcount=2)
    assert str(caught.value) == (
        "--headcount 2: the trade-off menu cannot fit 2 CSMs (the plan needs 6 CSMs, $900k a year); "
        "the best it reaches is 3 CSMs ($400k a year), taking 4 of its 5 trade-offs")


def test_at_or_above_the_plan_nothing_needs_to_go(two_segments):
    result = fit(two_segments, headcount=6)
    assert result.nothing_needed and result.best.chosen == () and result.alternatives == ()
    assert result.best.customer_hours_given_up_per_month == 0
    assert "nothing needs to go" in result.sentences()[0]


def test_every_reported_number_is_the_plan_of_the_changes(two_segments):
    result = fit(two_segments, headcount=4)
    for package in (result.best, *result.alternatives):
        expected = plan(two_segments.scenario.with_changes(package.changes))
        assert package.plan == expected
        assert package.headcount == expected.totals.headcount
        base = sum(demand_hours_per_month(s) for s in plan(two_segments).segments)
        assert package.customer_hours_given_up_per_month == pytest.approx(
            base - sum(demand_hours_per_month(s) for s in expected.segments), abs=1e-9)


def test_the_json_has_exactly_the_documented_keys(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(TWO_SEGMENTS), encoding="utf-8")
    assert main(["fit", str(path), "--headcount", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["cap", "chosen", "changes", "headcount", "cost_per_year", "tooling_cost_per_year",
                          "customer_hours_given_up_per_month", "segments", "alternatives"]
    assert data["tooling_cost_per_year"] == 0
    assert data["chosen"] == ["Reviews monthly"]
    assert data["changes"] == {"segments[Enterprise].touchpoints[Review].per_month": 1}
    assert data["cap"] == {"headcount": 5, "budget": None}
    assert [s["name"] for s in data["segments"]] == ["Enterprise", "SMB"]
    assert [a["chosen"] for a in data["alternatives"]] == [["Check-ins every other month"], ["Reviews every other month"]]


def test_the_text_reads_for_a_cfo(two_segments):
    text = render_fit(fit(two_segments, headcount=5))
    assert "To fit 5 CSMs, make 1 change: Reviews monthly." in text
    assert "The team is then 5 CSMs (from 6) at $700k a year (from $900k)" in text
    assert "Customers get 50 fewer CSM hours a month (16.1% of 310): Enterprise 50." in text
    assert "No account moves to lower-touch coverage." in text
    assert "Next best (2): Check-ins every other month" in text


def test_accounts_moving_to_lower_touch_coverage_and_their_arr():
    data = {
        "csm": {"customer_time_share": 0.5, "loaded_cost_per_year": 100000},
        "segments": [
            {"name": "Enterprise", "min_arr": 100000, "touchpoints": [
                {"name": "Review", "kind": "recurring", "minutes": 600, "per_month": 4}]},
            {"name": "Mid-Market", "min_arr": 25000, "touchpoints": [
                {"name": "Review", "kind": "recurring", "minutes": 600, "per_month": 4}]},
            {"name": "SMB", "min_arr": 0, "coverage": "pooled", "touchpoints": [
                {"name": "Check", "kind": "recurring", "minutes": 60, "per_month": 4}]},
        ],
        "trade_offs": [{"name": "Mid-Market from $35k and SMB digital",
                        "changes": {"segments[Mid-Market].min_arr": 35000, "segments[SMB].coverage": "digital",
                                    "segments[SMB].touchpoints[Check].per_month": 0}}],
    }
    book = Book.from_frame(pd.DataFrame({"account_id": list("abcde"), "arr": [1000, 2000, 30000, 40000, 150000]}))
    context = load_context(data, book)
    result = fit(context, headcount=plan(context).totals.headcount - 1)
    moves = {(m.from_segment, m.to_segment): (m.accounts, m.arr, m.from_coverage, m.to_coverage)
             for m in result.best.moves}
    # The $30k account leaves dedicated Mid-Market for SMB, which is now digital; SMB's own two go digital.
    assert moves == {("Mid-Market", "SMB"): (1, 30000.0, "dedicated", "digital"),
                     ("SMB", "SMB"): (2, 3000.0, "pooled", "digital")}
    rows = {s.name: s for s in result.best.segments}
    assert (rows["Mid-Market"].accounts_to_lower_touch, rows["Mid-Market"].arr_to_lower_touch) == (1, 30000.0)
    assert "3 accounts with $33k of ARR move to lower-touch coverage" in " ".join(result.sentences())


# -- the default menu -------------------------------------------------------------------------


def test_the_default_menu_cuts_each_recurring_and_inbound_frequency_and_raises_thresholds():
    scenario = load_scenario(DEFAULT_SCENARIO)
    menu = default_menu(scenario, has_book=True)
    frequency = [tp for seg in scenario.segments for tp in seg.touchpoints
                 if tp.kind in ("recurring", "inbound") and tp.frequency_per_month > 0]
    assert len([t for t in menu if "touchpoints" in next(iter(t.changes))]) == 2 * len(frequency)
    by_name = {t.name: t for t in menu}
    assert by_name["Enterprise: Executive business review at half (2 a year)"].changes == {
        "segments[Enterprise].touchpoints[Executive business review].per_year": 2.0}
    assert by_name["Enterprise: Executive business review at 3/4 (3 a year)"].group == \
        "Enterprise: Executive business review"
    thresholds = {next(iter(t.changes)): next(iter(t.changes.values())) for t in menu if "min_arr" in next(iter(t.changes))}
    assert thresholds == {"segments[SMB].min_arr": 6000.0, "segments[Mid-Market].min_arr": 30000.0,
                          "segments[Enterprise].min_arr": 120000.0}
    assert not [t for t in default_menu(scenario, has_book=False) if "min_arr" in next(iter(t.changes))]


def test_the_printed_default_menu_loads_back_as_the_same_menu(tmp_path):
    scenario = load_scenario(DEFAULT_SCENARIO)
    menu = default_menu(scenario)
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    data.pop("options"), data.pop("trade_offs")
    data["book"] = str(DEFAULT_SCENARIO.parent / "book.csv")
    data.update(yaml.safe_load(menu_yaml(menu)))
    assert load_scenario(data).trade_offs == menu


def test_without_a_menu_the_cli_uses_the_default_one_and_prints_it(tmp_path, capsys):
    data = copy.deepcopy(TWO_SEGMENTS)
    data.pop("trade_offs")
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["fit", str(path), "--headcount", "5"]) == 0
    out = capsys.readouterr().out
    assert "copy it into the scenario to edit it" in out
    printed = yaml.safe_load(out[out.index("\ntrade_offs:"):])
    assert [t["name"] for t in printed["trade_offs"]][:2] == ["Enterprise: Review at 3/4 (1.5 a month)",
                                                               "Enterprise: Review at half (1 a month)"]


@pytest.mark.parametrize("text, value", [("2100000", 2_100_000.0), ("2.1M", 2_100_000.0), ("900k", 900_000.0)])
def test_budget_amounts(text, value):
    assert parse_budget(text) == value


@pytest.mark.parametrize("text", ["2,100,000", "2.1.0", "-5", "lots", "1e20"])
def test_a_budget_that_could_be_read_two_ways_or_is_no_amount_is_refused(text):
    with pytest.raises(FitError, match="--budget"):
        parse_budget(text)


# -- against brute force ------------------------------------------------------------------------


def _brute_force(context, menu, cap_headcount=None, cap_budget=None):
    """Every combination with at most one trade-off per group, planned; ranked as fit ranks them."""
    groups = [t.group if t.group is not None else ("alone", k) for k, t in enumerate(menu)]
    base_hours = sum(demand_hours_per_month(s) for s in plan(context).segments)
    found = []
    for size in range(len(menu) + 1):
        for combo in itertools.combinations(range(len(menu)), size):
            if len({groups[k] for k in combo}) < len(combo):
                continue
            changes = {}
            for k in combo:
                changes.update(menu[k].changes)
            try:
                result = plan(context.scenario.with_changes(changes), context.book)
            except CapacityError:
                continue
            fits = (result.totals.headcount <= cap_headcount if cap_headcount is not None
                    else result.totals.cost_per_year <= cap_budget)
            if fits:
                hours = base_hours - sum(demand_hours_per_month(s) for s in result.segments)
                found.append((hours, len(combo), result.totals.cost_per_year, combo))
    return found


def _headcount(context, menu, combo) -> int:
    changes = {}
    for k in combo:
        changes.update(menu[k].changes)
    return plan(context.scenario.with_changes(changes), context.book).totals.headcount


def _best(found):
    hours = min(f[0] for f in found) + TIE_HOURS
    tied = [f for f in found if f[0] <= hours]
    count = min(f[1] for f in tied)
    tied = [f for f in tied if f[1] == count]
    return min(tied, key=lambda f: f[2])


_touchpoint = st.fixed_dictionaries({
    "minutes": st.sampled_from([10, 15, 20, 30, 45, 60, 90, 120]),
    "per_month": st.sampled_from([0.5, 1, 2, 3, 4]),
    "kind": st.sampled_from(["recurring", "inbound"]),
})


@st.composite
def scenarios_and_menus(draw):
    n_segments = draw(st.integers(1, 3))
    segments = []
    for i in range(n_segments):
        tps = draw(st.lists(_touchpoint, min_size=1, max_size=3))
        segments.append({
            "name": f"S{i}", "min_arr": [0, 20000, 100000][i],
            "coverage": draw(st.sampled_from(["dedicated", "pooled"])),
            "loaded_cost_per_year": draw(st.sampled_from([90000, 120000, 150000, 200000])),
            "touchpoints": [{**tp, "name": f"T{j}"} for j, tp in enumerate(tps)],
        })
    menu = []
    for k in range(draw(st.integers(1, 6))):
        s = draw(st.integers(0, n_segments - 1))
        kind = draw(st.sampled_from(["frequency", "frequency", "minutes", "threshold", "coverage", "split"]))
        t = draw(st.integers(0, len(segments[s]["touchpoints"]) - 1))
        if kind == "frequency":
            changes = {f"segments[S{s}].touchpoints[T{t}].per_month": draw(st.sampled_from([0, 0.25, 0.5, 1, 1.5]))}
        elif kind == "minutes":
            changes = {f"segments[S{s}].touchpoints[T{t}].minutes": draw(st.sampled_from([5, 10, 20, 40]))}
        elif kind == "threshold" and s > 0:
            changes = {f"segments[S{s}].min_arr": draw(st.sampled_from([[0, 30000, 150000][s], [0, 50000, 200000][s]]))}
        elif kind == "coverage":
            changes = {f"segments[S{s}].coverage": "digital",
                       f"segments[S{s}].touchpoints[T{t}].per_month": draw(st.sampled_from([0, 0.5]))}
        else:
            changes = {"csm.customer_time_share": draw(st.sampled_from([0.7, 0.75]))}
        group = draw(st.sampled_from([None, None, "A", "B"]))
        menu.append({"name": f"M{k}", "changes": changes, **({"group": group} if group else {})})
    data = {"csm": {"customer_time_share": 0.6, "loaded_cost_per_year": 100000}, "segments": segments,
            "trade_offs": menu}
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    arr = np.round(np.exp(rng.normal(np.log(15000), 1.4, draw(st.integers(20, 400)))), -1)
    book = Book.from_frame(pd.DataFrame({"account_id": [str(i) for i in range(len(arr))], "arr": arr}))
    return data, book, draw(st.floats(0.0, 1.0)), draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_and_menus())
def test_fit_is_the_brute_force_optimum_and_its_next_two(case):
    data, book, where, by_budget = case
    try:
        context = load_context(data, book)
    except ScenarioError:
        assume(False)
    menu = context.scenario.trade_offs
    every = _brute_force(context, menu, cap_headcount=10**9)
    base = plan(context).totals
    heads = sorted({_headcount(context, menu, f[3]) for f in every})
    assume(len(heads) > 1)
    if by_budget:
        costs = sorted({f[2] for f in every})
        cap = {"cap_budget": costs[min(int(where * len(costs)), len(costs) - 1)]}
    else:
        cap = {"cap_headcount": heads[min(int(where * len(heads)), len(heads) - 1)]}
    assume(not (cap.get("cap_headcount", 10**9) >= base.headcount and cap.get("cap_budget", 1e18) >= base.cost_per_year))
    found = _brute_force(context, menu, **cap)
    assert found  # the cap was picked among what some combination reaches
    result = fit(context, headcount=cap.get("cap_headcount"), budget=cap.get("cap_budget"))
    remaining = list(found)
    for package in (result.best, *result.alternatives):
        expected = _best(remaining)
        assert package.customer_hours_given_up_per_month == pytest.approx(expected[0], abs=1e-6)
        assert len(package.chosen) == expected[1]
        assert package.cost_per_year == pytest.approx(expected[2])
        chosen = tuple(k for k, t in enumerate(menu) if t.name in package.chosen)
        remaining = [f for f in remaining if f[3] != chosen]
    assert len(result.alternatives) == min(2, len(found) - 1)


def test_vertical_pools_round_up_per_pool_and_fit_still_finds_the_brute_force_optimum():
    context = load_context(DEFAULT_SCENARIO.parent / "scenario-healthcare-pool.yaml")
    menu = [t for t in default_menu(context.scenario) if t.group and t.group.startswith("Mid-Market")][:5]
    menu += [t for t in default_menu(context.scenario) if t.group == "SMB threshold"]
    assert any(s.pools for s in plan(context).segments)
    for cap in (plan(context).totals.headcount - 1, plan(context).totals.headcount - 2):
        found = _brute_force(context, menu, cap_headcount=cap)
        result = fit(context, headcount=cap, menu=menu)
        expected = _best(found)
        assert result.best.customer_hours_given_up_per_month == pytest.approx(expected[0], abs=1e-6)
        assert (len(result.best.chosen), result.best.cost_per_year) == (expected[1], expected[2])


# The 0-1 knapsack of Rosetta Code ("Knapsack problem/0-1"): 22 items, weight limit 400; the published optimum
# keeps 12 items of total weight 396 and value 1030. As a fit: each item is a segment of one customer whose
# touchpoint takes `value` hours a month (one CSM, costing `weight` a year); a trade-off drops the item (its hours
# to 0: no CSM, no cost). The budget is the weight limit, and the fewest hours given up is the most value kept.
KNAPSACK = [("map", 9, 150), ("compass", 13, 35), ("water", 153, 200), ("sandwich", 50, 160), ("glucose", 15, 60),
            ("tin", 68, 45), ("banana", 27, 60), ("apple", 39, 40), ("cheese", 23, 30), ("beer", 52, 10),
            ("suntan cream", 11, 70), ("camera", 32, 30), ("T-shirt", 24, 15), ("trousers", 48, 10),
            ("umbrella", 73, 40), ("waterproof trousers", 42, 70), ("waterproof overclothes", 43, 75),
            ("note-case", 22, 80), ("sunglasses", 7, 20), ("towel", 18, 12), ("socks", 4, 50), ("book", 30, 10)]
KNAPSACK_KEPT = {"map", "compass", "water", "sandwich", "glucose", "banana", "suntan cream", "waterproof trousers",
                 "waterproof overclothes", "note-case", "sunglasses", "socks"}


def test_the_published_knapsack_optimum():
    data = {
        "csm": {"hours_per_week": 168, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 1,
                "loaded_cost_per_year": 1},
        "segments": [{"name": name, "min_arr": 1000 * i, "customers": 1, "arr": 1000, "loaded_cost_per_year": weight,
                      "touchpoints": [{"name": "Work", "kind": "recurring", "minutes": 60 * value, "per_month": 1}]}
                     for i, (name, weight, value) in enumerate(KNAPSACK)],
        "trade_offs": [{"name": f"Drop {name}", "changes": {f"segments[{name}].touchpoints[Work].per_month": 0}}
                       for name, _, _ in KNAPSACK],
    }
    result = fit(load_context(data), budget=400)
    dropped = {name.removeprefix("Drop ") for name in result.best.chosen}
    assert {name for name, _, _ in KNAPSACK} - dropped == KNAPSACK_KEPT
    assert result.best.cost_per_year == 396
    total_value = sum(value for _, _, value in KNAPSACK)
    assert result.best.customer_hours_given_up_per_month == pytest.approx(total_value - 1030)


# -- hire or automate: automations on the menu ---------------------------------------------------


def _with_a_help_centre(share: float = 1.0, cost: float = 20_000) -> dict:
    data = copy.deepcopy(TWO_SEGMENTS)
    data["segments"][1]["touchpoints"][1]["automation"] = {"name": "Help centre", "share": share, "cost_per_year": cost}
    return data


def test_an_automation_gives_up_no_customer_hour_and_fits_first():
    # The help centre answers every SMB question (300 x 0.2 h = 60 h a month): SMB 100 h -> 1.67 FTE -> 2 CSMs, $100k
    # saved for $20k of tooling. For 5 CSMs it fits alone, giving up nothing (Reviews monthly would give up 50 h).
    context = load_context(_with_a_help_centre())
    result = fit(context, headcount=5)
    assert result.best.chosen == ("Help centre",)
    assert result.best.customer_hours_given_up_per_month == pytest.approx(0)
    assert (result.best.headcount, result.best.cost_per_year, result.best.tooling_cost_per_year) == (5, 800_000, 20_000)
    assert len(result.menu) == 6
    assert [t.name for t in result.trade_offs] == [t["name"] for t in TWO_SEGMENTS["trade_offs"]]
    text = "\n".join(result.sentences())
    assert "make 1 change: Help centre." in text and "$800k a year plus $20k of tooling" in text
    assert "Customers get 0 fewer CSM hours a month" in text


def test_a_budget_counts_the_tooling():
    context = load_context(_with_a_help_centre())
    # $820k: the help centre alone costs 800k + 20k and gives up nothing.
    assert fit(context, budget=820_000).best.chosen == ("Help centre",)
    # $819k: it no longer fits alone, and no package with it beats Reviews monthly (50 h given up, $700k).
    tighter = fit(context, budget=819_000)
    assert tighter.best.chosen == ("Reviews monthly",) and tighter.best.cost_with_tooling_per_year == 700_000
    found = _brute_force_with_tooling(context, cap_budget=819_000)
    expected = _best(found)
    assert tighter.best.customer_hours_given_up_per_month == pytest.approx(expected[0], abs=1e-6)
    assert (len(tighter.best.chosen), tighter.best.cost_with_tooling_per_year) == (expected[1], expected[2])


def test_an_automation_on_a_touchpoint_a_trade_off_also_sets_is_planned_with_it():
    # Fewer questions (0.6 a month) and the help centre on the same touchpoint multiply: neither is linear alone.
    context = load_context(_with_a_help_centre(share=0.5, cost=5_000))
    for cap in (4, 5):
        found = _brute_force_with_tooling(context, cap_headcount=cap)
        result = fit(context, headcount=cap)
        expected = _best(found)
        assert result.best.customer_hours_given_up_per_month == pytest.approx(expected[0], abs=1e-6)
        assert (len(result.best.chosen), result.best.cost_with_tooling_per_year) == (expected[1], expected[2])


def _brute_force_with_tooling(context, cap_headcount=None, cap_budget=None, menu=None):
    """Every combination of the menu and the automations, planned; cost with tooling; ranked as fit ranks them."""
    from capacity.model import automation

    menu = menu if menu is not None else (*context.scenario.trade_offs, *automation.menu(context.scenario))
    groups = [t.group if t.group is not None else ("alone", k) for k, t in enumerate(menu)]
    base_hours = sum(demand_hours_per_month(s) for s in plan(context).segments)
    found = []
    for size in range(len(menu) + 1):
        for combo in itertools.combinations(range(len(menu)), size):
            if len({groups[k] for k in combo}) < len(combo):
                continue
            changes = {}
            for k in combo:
                changes.update(menu[k].changes)
            try:
                result = plan(context.scenario.with_changes(changes), context.book)
            except CapacityError:
                continue
            cost = result.totals.cost_with_tooling_per_year
            fits = (result.totals.headcount <= cap_headcount if cap_headcount is not None
                    else cost <= cap_budget * (1 + 1e-12))
            if fits:
                hours = base_hours - sum(demand_hours_per_month(s) for s in result.segments)
                found.append((hours, len(combo), cost, combo))
    return found


# A menu written for this test only (not the scenario's): five touchpoint trade-offs and a threshold on the default
# data, and the default data's two automations beside them.
HELD_OUT = [
    {"name": "Mid-Market renewal call dropped",
     "changes": {"segments[Mid-Market].touchpoints[Renewal call].per_year": 0}},
    {"name": "Mid-Market success plan review twice a year",
     "changes": {"segments[Mid-Market].touchpoints[Success plan review].per_year": 2}},
    {"name": "Mid-Market onboarding in 3 hours",
     "changes": {"segments[Mid-Market].touchpoints[Onboarding].minutes": 180}},
    {"name": "SMB office hours twice a month", "changes": {"segments[SMB].touchpoints[Office hours].per_month": 2}},
    {"name": "Enterprise health check every three weeks",
     "changes": {"segments[Enterprise].touchpoints[Health check and account planning].per_month": 1.5}},
    {"name": "SMB from $6k", "changes": {"segments[SMB].min_arr": 6000}},
]


@pytest.mark.parametrize("budget", [2_520_000, 2_540_000, 2_640_000, 2_700_000])
def test_fit_budget_on_a_held_out_menu_with_automations_is_the_brute_force_optimum(budget, tmp_path, capsys):
    raw = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    raw["book"] = str(DEFAULT_SCENARIO.parent / raw["book"])
    raw["trade_offs"] = HELD_OUT
    path = tmp_path / "held-out.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    assert main(["fit", str(path), "--budget", str(budget), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    found = _brute_force_with_tooling(load_context(path), cap_budget=budget)
    remaining = list(found)
    context = load_context(path)
    from capacity.model import automation

    menu = (*context.scenario.trade_offs, *automation.menu(context.scenario))
    for package in [data, *data["alternatives"]]:
        expected = _best(remaining)
        assert package["customer_hours_given_up_per_month"] == pytest.approx(expected[0], abs=1e-6)
        assert len(package["chosen"]) == expected[1]
        assert package["cost_per_year"] + package["tooling_cost_per_year"] == pytest.approx(expected[2])
        assert package["cost_per_year"] + package["tooling_cost_per_year"] <= budget
        chosen = tuple(k for k, t in enumerate(menu) if t.name in package["chosen"])
        remaining = [f for f in remaining if f[3] != chosen]
    if budget == 2_540_000:  # automation and trade-offs together
        assert data["chosen"] == ["Mid-Market renewal call dropped", "Mid-Market success plan review twice a year",
                                  "Help-centre deflection"]
        assert data["tooling_cost_per_year"] == 20_145


@st.composite
def scenarios_menus_and_automations(draw):
    data, book, where, by_budget = draw(scenarios_and_menus())
    for s, seg in enumerate(data["segments"]):
        for t, tp in enumerate(seg["touchpoints"]):
            if draw(st.integers(0, 2)) == 0:
                price = ({"cost_per_year": draw(st.sampled_from([0, 15000, 60000]))} if draw(st.booleans())
                         else {"cost_per_account_per_year": draw(st.sampled_from([10, 100, 400]))})
                tp["automation"] = {"name": f"Auto S{s} T{t}", "share": draw(st.sampled_from([0.2, 0.5, 1.0])), **price}
    return data, book, where, by_budget


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_menus_and_automations())
def test_fit_with_automations_is_the_brute_force_optimum(case):
    data, book, where, by_budget = case
    try:
        context = load_context(data, book)
    except ScenarioError:
        assume(False)
    every = _brute_force_with_tooling(context, cap_headcount=10**9)
    base = plan(context).totals
    if by_budget:
        costs = sorted({f[2] for f in every})
        cap = {"cap_budget": costs[min(int(where * len(costs)), len(costs) - 1)]}
    else:
        from capacity.model import automation

        menu = (*context.scenario.trade_offs, *automation.menu(context.scenario))
        heads = sorted({_headcount(context, menu, f[3]) for f in every})
        cap = {"cap_headcount": heads[min(int(where * len(heads)), len(heads) - 1)]}
    assume(not (cap.get("cap_headcount", 10**9) >= base.headcount
                and cap.get("cap_budget", 1e18) >= base.cost_with_tooling_per_year))
    found = _brute_force_with_tooling(context, **cap)
    assert found
    result = fit(context, headcount=cap.get("cap_headcount"), budget=cap.get("cap_budget"))
    expected = _best(found)
    assert result.best.customer_hours_given_up_per_month == pytest.approx(expected[0], abs=1e-6)
    assert len(result.best.chosen) == expected[1]
    assert result.best.cost_with_tooling_per_year == pytest.approx(expected[2])
