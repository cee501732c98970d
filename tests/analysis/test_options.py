"""Options side by side: each option's numbers are the plan of the scenario with its changes."""

from __future__ import annotations

import json

import pytest

from capacity import load_scenario, plan
from capacity.apps.cli import main
from capacity.inputs.context import load_context
from capacity.analysis.options import BASELINE, PinBoard, compare, demand_hours_per_month, variant_plan
from capacity.views.text import render_comparison

from tests.conftest import DATA, DEFAULT_SCENARIO


@pytest.fixture(scope="module")
def default_context():
    return load_context(DEFAULT_SCENARIO)


def test_each_option_equals_the_plan_of_the_scenario_with_its_changes(default_context):
    scenario = load_scenario(DEFAULT_SCENARIO)
    result = compare(default_context)
    automations = ["AI review prep", "Help-centre deflection"]  # the touchpoints' automations, after the options
    assert [v.name for v in result.variants] == [BASELINE, *[o.name for o in scenario.options], *automations]
    assert [v.kind for v in result.variants] == ["baseline"] + ["option"] * len(scenario.options) + ["automation"] * 2
    assert result.baseline.plan == plan(scenario)
    for option, variant in zip(scenario.options, result.variants[1:]):
        assert variant.changes == option.changes
        assert variant.plan == plan(scenario.with_changes(option.changes))
    for variant in result.variants[-2:]:
        assert variant.plan == plan(scenario.with_changes(variant.changes))


def test_the_json_is_the_baseline_then_each_option_with_its_plan_keys(default_context, capsys):
    assert main(["compare", str(DEFAULT_SCENARIO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    result = compare(default_context)
    assert list(data) == ["options", "automations"]
    assert data["options"][0]["name"] == "Baseline" and data["options"][0]["changes"] == {}
    assert [a["name"] for a in data["automations"]] == [c.name for c in result.automations]
    assert data["automations"] == json.loads(json.dumps([c.to_dict() for c in result.automations]))
    for entry, variant in zip(data["options"], result.variants):
        expected = json.loads(json.dumps(variant.plan.to_dict()))
        assert {k: entry[k] for k in expected} == expected
        assert entry["name"] == variant.name


def test_the_frame_has_the_changes_from_the_baseline_and_per_segment_figures(two_tier):
    data = {**two_tier, "segments": [{**two_tier["segments"][0], "customers": 30, "arr": 600000},
                                     {**two_tier["segments"][1], "customers": 200, "arr": 400000}]}
    data["options"] = [{"name": "Monthly reviews", "changes": {"segments[Large].touchpoints[Review].per_month": 1}}]
    context = load_context(data)
    frame = compare(context).to_frame()
    # Hand-worked: a CSM has (40 x 52 - 25 x 8) / 12 = 156.67 working hours, half for customers: 78.33 h.
    # Large: 30 customers x 2 reviews x 1 h = 60 h -> 0.77 FTE -> 1 CSM; monthly: 30 h -> 1 CSM.
    base, option = frame.loc[BASELINE], frame.loc["Monthly reviews"]
    assert base["hours_per_customer_per_month[Large]"] == pytest.approx(2.0)
    assert option["hours_per_customer_per_month[Large]"] == pytest.approx(1.0)
    assert option["customers_per_csm[Large]"] == pytest.approx(78.333333, rel=1e-6)
    assert option["headcount_change"] == option["headcount"] - base["headcount"]
    assert option["cost_change"] == option["cost_per_year"] - base["cost_per_year"]
    assert base["arr_per_csm"] == pytest.approx(1_000_000 / base["headcount"])
    assert base["cost_pct_arr"] == pytest.approx(base["cost_per_year"] / 1_000_000)


def test_another_scenario_file_is_named_by_its_file_and_planned_on_its_own_book(default_context):
    other = DATA / "scenario-healthcare-pool.yaml"
    result = compare(default_context, [other])
    assert result.variants[-1].name == "scenario-healthcare-pool.yaml"
    assert result.variants[-1].changes is None
    assert result.variants[-1].plan == plan(other)
    text = render_comparison(result)
    assert "scenario-healthcare-pool.yaml" in text and "CSMs" in text


def test_the_text_shows_every_variant_and_its_change(default_context, capsys):
    assert main(["compare", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    result = compare(default_context)
    for variant in result.variants:
        assert variant.name in out
    smb = result.variants[1].plan.totals.headcount - result.baseline.plan.totals.headcount
    assert f"({smb:+d})" in out


def test_a_scenario_without_options_compares_the_baseline_alone(example):
    result = compare(load_context(example))
    assert len(result.variants) == 1
    assert "lists no options" in render_comparison(result)


def test_demand_hours_are_customers_times_hours_plus_programs(example):
    seg = plan(load_scenario(example)).segments[0]
    assert demand_hours_per_month(seg) == pytest.approx(seg.fte * plan(load_scenario(example)).csm.customer_hours_per_month)


def test_variant_plan_of_no_change_is_the_plan(default_context):
    assert variant_plan(default_context, {}) is plan(default_context)


# -- pins --------------------------------------------------------------------------------


def test_pins_stay_as_pinned_and_clear(default_context):
    board = PinBoard(plan(default_context))
    first = variant_plan(default_context, {"segments[SMB].touchpoints[Quarterly health check].per_year": 2})
    board = board.pin(first, {"segments[SMB].touchpoints[Quarterly health check].per_year": 2}, "Fewer SMB checks")
    board = board.pin(plan(default_context), {}, "")
    board = board.pin(plan(default_context), {}, "Fewer SMB checks")
    names = [v.name for v in board.comparison().variants]
    assert names == [BASELINE, "Fewer SMB checks", "Option 2", "Fewer SMB checks (2)"]
    assert board.comparison().variants[1].plan is first
    assert board.cleared().comparison().variants[1:] == ()


def test_the_levers_as_changes_give_the_what_ifs_plan(default_context):
    from capacity.analysis.whatif import Workbench

    bench = Workbench(default_context)
    levers = bench.base
    for spec, value in ((("time_split",), 0.55), (("cost",), 160_000.0), (("threshold", "Mid-Market"), 30_000.0),
                        (("frequency", "Enterprise", 1), 2.0), (("frequency", "SMB", 0), 1.0)):
        levers = levers.with_value(bench.knob(*spec), value)
    changes = levers.changes()
    assert changes["segments[1].min_arr"] == 30_000.0
    assert changes["segments[0].touchpoints[1].per_year"] == 2.0
    assert plan(default_context.scenario.with_changes(changes), default_context.book) == bench.recompute(levers)
    assert bench.base.changes() == {}