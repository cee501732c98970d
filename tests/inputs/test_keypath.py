"""Key paths and Scenario.with_changes: names or indexes in brackets, always validated, errors name the change."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import ScenarioError, load_scenario
from capacity.inputs.keypath import canonical, parse, value_at
from capacity.inputs.scenario import read_yaml

from tests.conftest import DATA, DEFAULT_SCENARIO

RAW = read_yaml(DEFAULT_SCENARIO)
RAW["book"] = str(DATA / "book.csv")  # absolute, so a copy loads the same book from anywhere
BASE = load_scenario(RAW)


def test_parse_keys_and_brackets():
    assert parse("segments[Mid-Market].touchpoints[Business review].per_year") == [
        ("key", "segments"), ("item", "Mid-Market"), ("key", "touchpoints"), ("item", "Business review"),
        ("key", "per_year")]
    assert parse("fiscal_year.starting_headcount.Long tail") == [
        ("key", "fiscal_year"), ("key", "starting_headcount"), ("key", "Long tail")]
    for bad in ("", "[0].min_arr", "segments..min_arr", "segments[0"):
        with pytest.raises(ScenarioError):
            parse(bad)


def test_names_and_indexes_name_the_same_place():
    assert canonical(BASE, "segments[Mid-Market].touchpoints[Business review].per_year") == \
        "segments[1].touchpoints[1].per_year"
    assert canonical(BASE, "segments[mid-market].touchpoints[business  review].per_year") == \
        "segments[1].touchpoints[1].per_year"
    assert value_at(BASE, "segments[1].touchpoints[1].per_year") == 2
    assert value_at(BASE, "fiscal_year.starting_headcount[Long tail]") == 1
    assert value_at(BASE, "csm.customer_time_share") == 0.6667


def test_with_changes_by_name_equals_by_index_and_keeps_the_source():
    scenario = load_scenario(DEFAULT_SCENARIO)
    by_name = scenario.with_changes({"segments[Mid-Market].touchpoints[Business review].per_year": 3})
    by_index = scenario.with_changes({"segments[1].touchpoints[1].per_year": 3})
    assert by_name == by_index and by_name.source == scenario.source == DEFAULT_SCENARIO
    assert by_name.segments[1].touchpoints[1].per_year == 3
    assert scenario.segments[1].touchpoints[1].per_year == 2  # the original is untouched
    assert by_name.book == scenario.book
    assert scenario.with_changes({}) is scenario


def test_with_changes_equals_editing_the_file_and_loading_it(tmp_path):
    raw = read_yaml(DEFAULT_SCENARIO)
    raw["segments"][2]["coverage"] = "digital"
    raw["segments"][2]["touchpoints"][0]["per_year"] = 0
    raw["csm"].pop("customer_time_share")
    raw["csm"]["internal_activities"] = [{"name": "Team meeting", "minutes": 60, "per_month": 4}]
    (tmp_path / "book.csv").write_bytes((DATA / "book.csv").read_bytes())
    edited = tmp_path / "scenario.yaml"
    edited.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    copied = tmp_path / "original.yaml"
    copied.write_text(DEFAULT_SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    changed = load_scenario(copied).with_changes({
        "segments[SMB].coverage": "digital",
        "segments[SMB].touchpoints[Quarterly health check].per_year": 0,
        "csm.customer_time_share": None,
        "csm.internal_activities": [{"name": "Team meeting", "minutes": 60, "per_month": 4}],
    })
    assert changed.model_dump() == load_scenario(edited).model_dump()


@pytest.mark.parametrize("changes, where, message", [
    ({"segments[Mid Market].min_arr": 1}, "segments[Mid Market].min_arr", "unknown segment 'Mid Market' (did you mean 'Mid-Market'?)"),
    ({"segments[0].touchpoints[0].minuts": 5}, "segments[0].touchpoints[0].minuts", "unknown key 'minuts' (did you mean 'minutes'?)"),
    ({"segments[SMB].touchpoints[Welcome].minutes": 5}, "segments[SMB].touchpoints[Welcome].minutes",
     "unknown touchpoint 'Welcome'"),
    ({"segments[9].coverage": "digital"}, "segments[9].coverage", "there are 4 segments (0 to 3)"),
    ({"segments[SMB].coverage": "robot"}, "segments[SMB].coverage", "must be one of 'dedicated', 'pooled' or 'digital' (got 'robot')"),
    ({"segments[1].min_arr": 5000}, "segments[1].min_arr", "threshold 5,000 is also segments[1]'s; thresholds must be distinct (at segments[2].min_arr)"),
    ({"csm.customer_time_share": 1.5}, "csm.customer_time_share", "must be 1 or less (got 1.5)"),
    ({"csm.pto_days": True}, "csm.pto_days", "must be a number (got true)"),
    ({"csm.customer_time_share.share": 1}, "csm.customer_time_share.share", "customer_time_share has no key 'share'"),
])
def test_a_bad_change_is_one_error_naming_the_path(changes, where, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(DEFAULT_SCENARIO).with_changes(changes)
    assert caught.value.file == str(DEFAULT_SCENARIO)
    assert caught.value.where == where
    assert caught.value.message.startswith(message)


def test_a_name_that_is_also_another_index_is_refused():
    raw = copy.deepcopy(RAW)
    raw["segments"][3]["name"] = "0"
    raw["fiscal_year"] = None
    with pytest.raises(ScenarioError, match="both segment number 0 and the name of segment number 3"):
        load_scenario(raw).with_changes({"segments[0].min_arr": 1})


# Every numeric place of the default scenario, as (path by index, path by name, where in the raw YAML dict).
def _numeric_places():
    places = [("csm.hours_per_week", "csm.hours_per_week", ("csm", "hours_per_week")),
              ("csm.pto_days", "csm.pto_days", ("csm", "pto_days")),
              ("csm.customer_time_share", "csm.customer_time_share", ("csm", "customer_time_share")),
              ("csm.loaded_cost_per_year", "csm.loaded_cost_per_year", ("csm", "loaded_cost_per_year"))]
    for i, seg in enumerate(RAW["segments"]):
        for key in ("min_arr", "new_customer_rate", "churn_per_year"):
            places.append((f"segments[{i}].{key}", f"segments[{seg['name']}].{key}", ("segments", i, key)))
        for j, tp in enumerate(seg["touchpoints"]):
            for key in ("minutes", "per_month", "per_year"):
                if key in tp:
                    places.append((f"segments[{i}].touchpoints[{j}].{key}",
                                   f"segments[{seg['name']}].touchpoints[{tp['name']}].{key}",
                                   ("segments", i, "touchpoints", j, key)))
    return places


PLACES = _numeric_places()


def _edit(raw: dict, where: tuple, value) -> dict:
    edited = copy.deepcopy(raw)
    node = edited
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    return edited


@settings(max_examples=150, deadline=None)
@given(place=st.sampled_from(PLACES), by_name=st.booleans(),
       value=st.one_of(st.floats(-10, 200_000, allow_nan=False), st.integers(-5, 300_000)))
def test_with_changes_equals_editing_the_yaml_and_loading_it(place, by_name, value):
    index_path, name_path, where = place
    path = name_path if by_name else index_path
    try:
        expected = load_scenario(_edit(RAW, where, value))
    except ScenarioError as refused:
        with pytest.raises(ScenarioError) as caught:
            BASE.with_changes({path: value})
        assert caught.value.where == path  # the error names the path as given
        assert refused.message in caught.value.message
        return
    assert BASE.with_changes({path: value}).model_dump() == expected.model_dump()
