"""Automation in the plan: adopted software takes its share of a touchpoint's CSM hours and adds its tooling."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity import load_scenario, plan
from capacity.inputs.context import load_context
from capacity.model.automation import TAKES_OVER, automatable, menu
from capacity.model.knobs import KINDS, find, slider_knobs, tornado_knobs
from capacity.model.sizing import size, variants
from capacity.analysis.whatif import Workbench

from tests.conftest import DEFAULT_SCENARIO, EXAMPLE

# The worked example: a CSM has (40 x 52 - 25 x 8) / 12 = 156.667 working hours a month, x 0.6667 = 104.449 for
# customers. Enterprise, 40 customers, per customer a month: success plan review 1 h, business review
# 120 min x 4 / 12 = 0.6667 h, kick-off 180 min x 0.25 / 12 = 0.0625 h, escalations 15 min x 4 = 1 h: 2.7292 h;
# and a 90-minute webinar a month, 1.5 h. 40 x 2.7292 + 1.5 = 110.67 h -> 1.06 FTE -> 2 CSMs.
CUSTOMER_HOURS = (40 * 52 - 25 * 8) / 12 * 0.6667
ESCALATIONS = "segments[Enterprise].touchpoints[Escalations].automation"


def _automated(touchpoint: int, automation: dict) -> dict:
    data = copy.deepcopy(EXAMPLE)
    data["segments"][0]["touchpoints"][touchpoint]["automation"] = automation
    return data


def test_what_the_share_is_a_share_of_is_said_for_every_kind():
    from typing import get_args

    from capacity.inputs.scenario import Touchpoint

    assert set(TAKES_OVER) == set(get_args(Touchpoint.model_fields["kind"].annotation))
    assert TAKES_OVER["inbound"] == "occurrences" and TAKES_OVER["recurring"] == "minutes"


def test_the_hand_worked_plan_and_a_deflection_adopted():
    base = plan(EXAMPLE)
    assert base.segments[0].hours_per_customer_per_month == pytest.approx(2.729167, rel=1e-6)
    assert base.totals.headcount == 2 and base.segments[0].automation is None
    data = _automated(3, {"name": "Bot", "share": 0.5, "cost_per_account_per_year": 100, "adopted": True})
    result = plan(data)
    seg = result.segments[0]
    # Half the escalations never reach a CSM: 1 h -> 0.5 h per customer; 40 x 2.2292 + 1.5 = 90.67 h -> 0.87 FTE -> 1.
    assert seg.hours_per_customer_per_month == pytest.approx(2.229167, rel=1e-6)
    assert seg.fte == pytest.approx(90.666667 / CUSTOMER_HOURS, rel=1e-6)
    assert seg.headcount == 1 and seg.cost_per_year == 150_000
    escalations = seg.touchpoints[3]
    assert escalations.minutes == 15 and escalations.frequency_per_month == 2  # occurrences deflected, minutes kept
    assert seg.automation.names == ("Bot",)
    assert seg.automation.automated_hours_per_month == pytest.approx(20.0)  # 40 customers x 0.5 h
    assert seg.automation.tooling_cost_per_year == 4_000  # $100 x 40 accounts
    assert result.totals.tooling_cost_per_year == 4_000
    assert result.totals.cost_with_tooling_per_year == 154_000
    assert result.payback.total.cost_per_year == 154_000


def test_a_share_of_minutes_keeps_the_frequency_and_a_program_can_be_automated():
    data = _automated(1, {"name": "AI prep", "share": 0.25, "cost_per_year": 9_000, "adopted": True})
    data["segments"][0]["touchpoints"][4]["automation"] = {"name": "AI webinar", "share": 0.5, "cost_per_year": 1_000,
                                                           "adopted": True}
    seg = plan(data).segments[0]
    review, webinar = seg.touchpoints[1], seg.touchpoints[4]
    assert review.frequency_per_month == pytest.approx(4 / 12)
    assert review.hours_per_customer_per_month == pytest.approx(120 / 60 * 4 / 12 * 0.75)
    assert webinar.program_hours_per_month == pytest.approx(0.75) and seg.program_hours_per_month == pytest.approx(0.75)
    # Taken over: 40 x 0.6667 x 0.25 = 6.667 h of reviews and 0.75 h of webinar.
    assert seg.automation.automated_hours_per_month == pytest.approx(40 * 2 * 4 / 12 * 0.25 + 0.75)
    assert seg.automation.tooling_cost_per_year == 10_000
    assert seg.automation.names == ("AI prep", "AI webinar")


def test_a_candidate_changes_nothing_and_the_json_leaves_automation_out():
    data = _automated(3, {"name": "Bot", "share": 0.5, "cost_per_year": 1_000})
    assert plan(data).to_dict() | {"payback": None} == plan(EXAMPLE).to_dict() | {"payback": None}
    assert "automation" not in plan(data).to_dict()["segments"][0]
    assert "tooling_cost_per_year" not in plan(data).to_dict()["totals"]


def test_one_time_work_of_a_new_customer_shrinks_too():
    data = _automated(2, {"name": "Automated kick-off", "share": 0.5, "cost_per_year": 1_000, "adopted": True})
    loads = size(variants(load_scenario(data))).loads
    assert loads.per_new_customer[0, 0] == pytest.approx(1.5)  # 180 min x 0.5
    assert loads.automated_per_customer[0, 0] == pytest.approx(3 * 0.25 / 12 * 0.5)


def test_a_queue_sees_only_the_questions_not_deflected():
    data = {"csm": {"customer_time_share": 0.6, "loaded_cost_per_year": 100_000},
            "segments": [{"name": "SMB", "min_arr": 0, "coverage": "pooled", "customers": 2000, "arr": 2e7,
                          "inbound_service": {"answer_within_minutes": 60, "service_level": 0.8},
                          "touchpoints": [{"name": "Questions", "kind": "inbound", "minutes": 10, "per_month": 1,
                                           "automation": {"name": "Help centre", "share": 0.4, "cost_per_year": 5000,
                                                          "adopted": True}}]}]}
    queue = plan(data).segments[0].inbound
    assert queue.contacts_per_month == pytest.approx(2000 * 0.6)


@st.composite
def automated_scenarios(draw):
    kinds = ["recurring", "inbound", "one_time", "program"]
    touchpoints = []
    for j in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        tp = {"name": f"T{j}", "kind": kind, "minutes": draw(st.sampled_from([5, 15, 30, 60, 120]))}
        if kind != "one_time":
            tp["per_month"] = draw(st.sampled_from([0.25, 1, 2, 4]))
        if draw(st.booleans()):
            price = ({"cost_per_year": draw(st.sampled_from([0, 1000, 60000]))} if draw(st.booleans())
                     else {"cost_per_account_per_year": draw(st.sampled_from([0, 5, 40]))})
            tp["automation"] = {"name": f"A{j}", "share": draw(st.sampled_from([0.1, 0.3, 0.5, 1.0])),
                                "adopted": draw(st.booleans()), **price}
        touchpoints.append(tp)
    return {"csm": {"customer_time_share": 0.6, "loaded_cost_per_year": 100_000},
            "segments": [{"name": "S", "min_arr": 0, "customers": draw(st.integers(0, 3000)), "arr": 1e7,
                          "new_customer_rate": 0.3, "touchpoints": touchpoints}]}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(automated_scenarios())
def test_csm_hours_and_software_hours_add_up_to_the_work_and_tooling_is_its_price(data):
    automated = plan(data).segments[0]
    manual_data = copy.deepcopy(data)
    for tp in manual_data["segments"][0]["touchpoints"]:
        tp.pop("automation", None)
    manual = plan(manual_data).segments[0]
    taken = automated.automation.automated_hours_per_month if automated.automation else 0.0
    assert (automated.customers * automated.hours_per_customer_per_month + automated.program_hours_per_month + taken
            == pytest.approx(manual.customers * manual.hours_per_customer_per_month + manual.program_hours_per_month,
                             rel=1e-9, abs=1e-9))
    assert automated.fte <= manual.fte + 1e-12
    expected = sum((tp["automation"].get("cost_per_year", 0) + tp["automation"].get("cost_per_account_per_year", 0)
                    * automated.customers) for tp in data["segments"][0]["touchpoints"]
                   if "automation" in tp and tp["automation"]["adopted"])
    assert (automated.automation.tooling_cost_per_year if automated.automation else 0.0) == pytest.approx(expected)


# -- the menu and the what-if's knob ---------------------------------------------------------------


def test_the_default_data_lists_two_automations_by_name():
    scenario = load_scenario(DEFAULT_SCENARIO)
    found = automatable(scenario)
    assert [(a.name, a.segment_name, a.touchpoint_name, a.takes_over) for a in found] == [
        ("AI review prep", "Enterprise", "EBR preparation", "minutes"),
        ("Help-centre deflection", "SMB", "Inbound questions", "occurrences")]
    assert found[0].path == "segments[Enterprise].touchpoints[EBR preparation].automation"
    assert [item.changes for item in menu(scenario)] == [{f"{a.path}.adopted": True} for a in found]
    adopted = scenario.with_changes(found[0].adoption())
    assert [item.name for item in menu(adopted)] == ["Help-centre deflection"]  # an adopted one is no longer a choice


def test_a_path_names_an_item_by_index_when_its_name_could_be_read_two_ways(example):
    example["segments"][0]["touchpoints"].append({
        "name": "Escalations", "kind": "inbound", "minutes": 5, "per_month": 1,
        "automation": {"name": "Bot", "share": 0.2, "cost_per_year": 1}})
    (item,) = automatable(load_scenario(example))
    assert item.path == "segments[Enterprise].touchpoints[5].automation"
    load_scenario(example).with_changes(item.adoption())


def test_the_automation_knob_is_a_slider_not_a_tornado_bar():
    scenario = load_scenario(DEFAULT_SCENARIO)
    knobs = [k for k in slider_knobs(scenario) if k.kind == "automation"]
    assert [k.value for k in knobs] == [0.0, 0.0]  # not adopted: nothing taken over
    assert "automation" in KINDS and not any(k.kind == "automation" for k in tornado_knobs(scenario))
    knob = find(scenario, "automation", "SMB", "Inbound questions")
    assert knob.changes(0.5) == {"segments[2].touchpoints[3].automation.share": 0.5,
                                 "segments[2].touchpoints[3].automation.adopted": True}
    assert knob.changes(0.0) == {"segments[2].touchpoints[3].automation.adopted": False}
    assert knob.grid()[0] == 0 and knob.grid()[-1] == 1 and knob.moved(0.2) == 0.0


def test_the_slider_curve_is_the_plan_at_every_share_tooling_included():
    bench = Workbench(load_context(DEFAULT_SCENARIO))
    for spec in (("automation", "SMB", "Inbound questions"), ("automation", "Enterprise", "EBR preparation")):
        knob = bench.knob(*spec)
        curve = bench.curve(knob, bench.base)
        for i, value in enumerate(curve.values):
            expected = bench.recompute(bench.base.with_value(knob, value))
            assert curve.headcount[i] == expected.totals.headcount
            assert curve.cost_per_year[i] == expected.totals.cost_per_year
            assert curve.tooling_cost_per_year[i] == expected.totals.tooling_cost_per_year
            np.testing.assert_array_equal(curve.segment_headcount[:, i], [s.headcount for s in expected.segments])
    smb = bench.knob("automation", "SMB", "Inbound questions")
    levers = bench.base.with_value(smb, 0.3)
    assert bench.recompute(levers).totals.tooling_cost_per_year == 1343 * 15
    assert bench.recompute(levers) == plan(load_scenario(DEFAULT_SCENARIO).with_changes(
        {"segments[SMB].touchpoints[Inbound questions].automation.adopted": True}))


def test_an_adopted_automation_starts_its_slider_at_its_share_and_zero_leaves_it_out():
    scenario = load_scenario(DEFAULT_SCENARIO).with_changes(
        {"segments[SMB].touchpoints[Inbound questions].automation.adopted": True})
    bench = Workbench(load_context(scenario))
    knob = bench.knob("automation", "SMB", "Inbound questions")
    assert knob.value == 0.3 and bench.base_plan.totals.tooling_cost_per_year == 20_145
    off = bench.recompute(bench.base.with_value(knob, 0.0))
    assert off.totals.tooling_cost_per_year == 0 and off.totals.headcount == bench.base_plan.totals.headcount + 1
