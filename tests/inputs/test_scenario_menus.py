"""The scenario's options: and trade_offs: menus, checked against the scenario when it loads."""

from __future__ import annotations

import pytest
import yaml

from capacity import ScenarioError, load_scenario
from capacity.inputs.context import load_context

from tests.conftest import DEFAULT_SCENARIO


def _with(example: dict, key: str, items: list) -> dict:
    return {**example, key: items}


def _error(data) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    return str(caught.value)


def test_menus_load_as_frozen_items_in_file_order(example):
    data = _with(example, "trade_offs", [
        {"name": "Reviews twice a year", "group": "Reviews",
         "changes": {"segments[Enterprise].touchpoints[Business review].per_year": 2}},
        {"name": "No webinar", "changes": {"segments[0].touchpoints[Webinar].per_month": 0}},
    ])
    data["options"] = [{"name": "Pooled", "changes": {"segments[Enterprise].coverage": "pooled"}}]
    scenario = load_scenario(data)
    assert [t.name for t in scenario.trade_offs] == ["Reviews twice a year", "No webinar"]
    assert scenario.trade_offs[0].group == "Reviews" and scenario.trade_offs[1].group is None
    assert scenario.options[0].changes == {"segments[Enterprise].coverage": "pooled"}
    assert scenario.without_menus().options == () and scenario.without_menus().trade_offs == ()


@pytest.mark.parametrize("changes, expected", [
    ({"segments[Entreprise].coverage": "digital"},
     "trade_offs[0] (Go digital).changes: segments[Entreprise].coverage: unknown segment 'Entreprise' "
     "(did you mean 'Enterprise'?)"),
    ({"segments[Enterprise].touchpoints[Webinar].minuts": 5},
     "trade_offs[0] (Go digital).changes: segments[Enterprise].touchpoints[Webinar].minuts: unknown key 'minuts' "
     "(did you mean 'minutes'?)"),
    ({"segments[Enterprise].coverage": "none"},
     "trade_offs[0] (Go digital).changes: segments[Enterprise].coverage: must be one of 'dedicated', 'pooled' or "
     "'digital' (got 'none')"),
    ({"segments[Enterprise].touchpoints[Webinar].per_month": -1},
     "trade_offs[0] (Go digital).changes: segments[Enterprise].touchpoints[Webinar].per_month: must be 0 or more "
     "(got -1)"),
    ({}, "trade_offs[0] (Go digital).changes: is empty: give at least one key path and its new value, e.g. "
         '{"segments[SMB].touchpoints[Quarterly health check].per_year": 2}'),
    ({"book": "other.csv"}, "trade_offs[0] (Go digital).changes: book: an option cannot change book"),
    ({"trade_offs": []}, "trade_offs[0] (Go digital).changes: trade_offs: an option cannot change trade_offs"),
])
def test_a_bad_trade_off_is_one_line_naming_it(example, changes, expected):
    assert _error(_with(example, "trade_offs", [{"name": "Go digital", "changes": changes}])) == expected


def test_a_bad_option_names_the_option_and_the_file(tmp_path, example):
    data = _with(example, "options", [
        {"name": "Fine", "changes": {"segments[0].coverage": "pooled"}},
        {"name": "EBRs 2 a year", "changes": {"segments[Enterprise].touchpoints[EBR].per_year": 2}},
    ])
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert _error(path) == (
        f"{path}: options[1] (EBRs 2 a year).changes: segments[Enterprise].touchpoints[EBR].per_year: "
        "unknown touchpoint 'EBR'; touchpoints are: Success plan review, Business review, Kick-off, Escalations, Webinar")


def test_two_items_of_a_menu_with_one_name_are_refused(example):
    item = {"name": "Same", "changes": {"segments[0].coverage": "pooled"}}
    assert _error(_with(example, "options", [item, item])) == (
        "options[1] (Same).name: the name 'Same' is also options[0]'s; give each its own name")


def test_a_change_that_breaks_the_scenario_names_the_trade_off(two_tier):
    data = _with(two_tier, "trade_offs", [{"name": "Merge", "changes": {"segments[Large].min_arr": 0}}])
    assert _error(data).startswith("trade_offs[0] (Merge).changes: segments[Large].min_arr: threshold 0 is also")


def test_with_changes_keeps_the_menus_and_checks_them_only_when_a_change_edits_them(example):
    data = _with(example, "options", [{"name": "No webinar", "changes": {"segments[0].touchpoints[Webinar].per_month": 0}}])
    scenario = load_scenario(data)
    changed = scenario.with_changes({"currency": "EUR"})
    assert changed.options == scenario.options and changed.currency == "EUR"
    # An edit of the menus themselves is checked as a file with that menu would be.
    with pytest.raises(ScenarioError, match=r"segments\[9\]\.coverage: there is 1 segment .*options\[0\] \(Bad\)"):
        scenario.with_changes({"options": [{"name": "Bad", "changes": {"segments[9].coverage": "pooled"}}]})


def test_the_plan_ignores_the_menus(example):
    from capacity import plan

    bare = plan(load_scenario(example))
    data = _with(example, "options", [{"name": "No webinar", "changes": {"segments[0].touchpoints[Webinar].per_month": 0}}])
    assert plan(load_scenario(data)) == bare


def test_the_default_scenario_has_options_and_a_menu_that_apply():
    context = load_context(DEFAULT_SCENARIO)
    assert len(context.scenario.options) >= 2 and len(context.scenario.trade_offs) >= 5
    groups = [t.group for t in context.scenario.trade_offs if t.group is not None]
    assert any(groups.count(g) > 1 for g in groups)  # a group with a choice in it
