"""Account-level work: multipliers and serve_only turn into a per-segment workload weight in the plan."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.model.accounts import account_multipliers, segment_index, served_accounts, workload_weight, workload_weights
from capacity.exceptions import ScenarioError
from capacity.model.plan import plan, touchpoint_loads
from capacity.inputs.scenario import load_scenario

from tests.conftest import DATA
from tests.team_fixtures import team_book, team_scenario

HEALTH = {"column": "health", "values": {"red": 1.5, "yellow": 1.2, "green": 1.0}}


def test_workload_weight_is_the_average_multiplier_and_one_without_customers():
    assert workload_weight(4.7, 4) == pytest.approx(1.175)
    assert workload_weight(0.0, 0) == 1.0
    np.testing.assert_allclose(workload_weight(np.array([3.0, 0.0]), np.array([2, 0])), [1.5, 1.0])


def test_multipliers_by_health_ignoring_case_and_spaces():
    scenario = load_scenario(team_scenario(workload_multipliers=HEALTH))
    np.testing.assert_allclose(account_multipliers(scenario, team_book()), [1.5, 1, 1.2, 1, 1, 1, 1, 1])


def test_plan_hours_per_customer_become_the_average_over_accounts():
    base = plan(team_scenario(), team_book())
    weighted = plan(team_scenario(workload_multipliers=HEALTH), team_book())
    key, key_base = weighted.segment("Key"), base.segment("Key")
    # Key: A1 red 1.5, A2 green 1, A3 yellow 1.2, A8 green 1 -> (1.5 + 1 + 1.2 + 1) / 4 = 1.175
    assert key.workload_weight == pytest.approx(1.175)
    assert key.hours_per_customer_per_month == pytest.approx(2 * 1.175)
    assert key.program_hours_per_month == key_base.program_hours_per_month == 2
    assert key.fte == pytest.approx((4 * 2 * 1.175 + 2) / 130)
    assert key.served_customers == 4
    # Touchpoints add up to the segment's hours, as without weights.
    assert sum(t.hours_per_customer_per_month for t in key.touchpoints) == pytest.approx(key.hours_per_customer_per_month)


def test_serve_only_counts_customers_but_not_their_time():
    scenario = team_scenario()
    scenario["segments"][0]["serve_only"] = {"health": ["RED", " yellow"]}
    key = plan(scenario, team_book()).segment("Key")
    assert key.customers == 4 and key.served_customers == 2
    assert key.workload_weight == pytest.approx(2 / 4)
    assert key.hours_per_customer_per_month == pytest.approx(1.0)
    assert key.arr == 295000


def test_serve_only_and_multipliers_together():
    scenario = team_scenario(workload_multipliers=HEALTH)
    scenario["segments"][0]["serve_only"] = {"health": ["red"]}
    assert plan(scenario, team_book()).segment("Key").workload_weight == pytest.approx(1.5 / 4)


def test_a_value_without_multiplier_and_no_default_is_an_error_naming_it():
    rule = {"column": "health", "values": {"red": 1.5, "yellow": 1.2}}
    with pytest.raises(ScenarioError, match=r"workload_multipliers.values: the book's health value 'green' \(first on "
                                            r"row 3 \(account_id 'A2'\)\) has no multiplier and there is no default"):
        plan(team_scenario(workload_multipliers=rule), team_book())
    weights = plan(team_scenario(workload_multipliers={**rule, "default": 0.5}), team_book()).segment("Key")
    assert weights.workload_weight == pytest.approx((1.5 + 0.5 + 1.2 + 0.5) / 4)


def test_account_work_needs_a_book():
    scenario = team_scenario(workload_multipliers=HEALTH)
    scenario["segments"] = [{**seg, "customers": 1, "arr": 1} for seg in scenario["segments"]]
    with pytest.raises(ScenarioError, match="workload_multipliers: workload_multipliers needs a book"):
        plan(scenario)


def test_serve_only_value_not_in_the_book_suggests_one():
    scenario = team_scenario()
    scenario["segments"][0]["serve_only"] = {"health": ["redd"]}
    with pytest.raises(ScenarioError, match=r"segments\[0\].serve_only.health\[0\]: no account of the book has health "
                                            r"'redd' \(did you mean 'Red'\?\)"):
        plan(scenario, team_book())


def test_a_missing_column_is_named():
    scenario = team_scenario(workload_multipliers=HEALTH)
    book = team_book()
    from capacity.inputs.book import Book

    no_health = Book.from_frame(book.accounts[["account_id", "arr"]])
    with pytest.raises(ScenarioError, match="workload_multipliers.column: the book has no 'health' column"):
        plan(scenario, no_health)


def test_duplicate_values_ignoring_case_are_refused():
    with pytest.raises(ScenarioError, match="'red' and 'Red ' are the same value"):
        load_scenario(team_scenario(workload_multipliers={"values": {"red": 1, "Red ": 2}}))


@pytest.mark.parametrize("name", ["scenario", "scenario-healthcare-pool"])
def test_without_either_key_the_plan_has_no_new_keys_and_weights_of_one_give_the_same_numbers(name):
    data = plan(DATA / f"{name}.yaml").to_dict()
    assert all("workload_weight" not in seg for seg in data["segments"])
    # Every multiplier 1: the same numbers, with the weight shown.
    scenario = load_scenario(DATA / f"{name}.yaml")
    ones = scenario.model_copy(update={"workload_multipliers": load_scenario(
        team_scenario(workload_multipliers={"values": {"green": 1}, "default": 1})).workload_multipliers})
    weighted = plan(ones).to_dict()
    for before, after in zip(data["segments"], weighted["segments"]):
        assert after.pop("workload_weight") == 1.0
        assert after.pop("served_customers") == before["customers"]
        assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200_000), st.sampled_from(["red", "Yellow", "green "]),
                          st.floats(0, 5, allow_nan=False)), min_size=1, max_size=30))
def test_segment_hours_equal_the_sum_of_account_hours(rows):
    """Property: customers x hours per customer = sum over accounts of base hours x multiplier."""
    frame_rows = [(f"A{i}", arr, "", health) for i, (arr, health, _) in enumerate(rows)]
    book = team_book(frame_rows, workload_multiplier=[m for _, _, m in rows])
    scenario = load_scenario(team_scenario(workload_multipliers=HEALTH))
    result = plan(scenario, book)
    multipliers = account_multipliers(scenario, book)
    segments = segment_index(scenario, book)
    served = served_accounts(scenario, book, segments)
    for i, seg in enumerate(result.segments):
        base = sum(t.hours_per_customer_per_month for t in touchpoint_loads(scenario.segments[i]))
        expected = base * float(np.sum(multipliers[(segments == i) & served]))
        assert seg.customers * seg.hours_per_customer_per_month == pytest.approx(expected, abs=1e-9)
    weights = workload_weights(scenario, book)
    assert weights.customers.sum() == len(rows)


def test_the_plan_command_shows_the_weights(tmp_path, capsys):
    import yaml

    from capacity.apps.cli import main

    data = yaml.safe_load((DATA / "scenario.yaml").read_text(encoding="utf-8"))
    data["book"] = str(DATA / "book.csv")
    data["workload_multipliers"] = HEALTH
    data["segments"][0]["serve_only"] = {"health": ["red", "yellow"]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    enterprise = plan(path).segment("Enterprise")
    assert f"Enterprise {enterprise.workload_weight:.3g} ({enterprise.served_customers:,} of 81 customers served)" in out
    assert enterprise.served_customers < 81 and enterprise.headcount < 5  # at-risk accounts only: fewer CSMs
    assert main(["plan", str(path), "--json"]) == 0
    segments = json.loads(capsys.readouterr().out)["segments"]
    assert segments[0]["workload_weight"] == enterprise.workload_weight
