"""Sensitivity: drivers, one driver moved, the tornado; hand-worked on the worked example."""

from __future__ import annotations

import copy
import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import Book, ScenarioError, load_scenario, plan
from capacity.model.knobs import Knob, tornado_knobs
from capacity.analysis.sensitivity import moved_scenario, tornado


def drivers(scenario, **options):
    return tornado_knobs(scenario, **options)

# The worked example (conftest.EXAMPLE): a CSM's month is (40 x 52 - 25 x 40 / 5) / 12 working hours.
WORKING_HOURS = (40 * 52 - 25 * 40 / 5) / 12
# Per customer a month: review 60 min x 1, business review 120 min x 4 / 12, kick-off 180 min x 0.25 / 12,
# escalations 15 min x 4; the webinar (90 min x 1) is for the whole segment.
PER_CUSTOMER = 60 / 60 * 1 + 120 / 60 * 4 / 12 + 180 / 60 * 0.25 / 12 + 15 / 60 * 4
PROGRAM = 90 / 60 * 1


def fte(per_customer=PER_CUSTOMER, share=0.6667, pto=25, customers=40, program=PROGRAM):
    customer_hours = (40 * 52 - pto * 40 / 5) / 12 * share
    return (customers * per_customer + program) / customer_hours


def by_key(result):
    return {i.driver.key: i for i in result.impacts}


def test_drivers_of_the_worked_example(example):
    scenario = load_scenario(example)
    listed = drivers(scenario, with_thresholds=False)
    keys = [d.key for d in listed]
    # Four touchpoints with a frequency, five with minutes, then time split, PTO, new-customer rate.
    assert keys == [
        "segments[0].touchpoints[0].per_month", "segments[0].touchpoints[0].minutes",
        "segments[0].touchpoints[1].per_year", "segments[0].touchpoints[1].minutes",
        "segments[0].touchpoints[2].minutes",
        "segments[0].touchpoints[3].per_month", "segments[0].touchpoints[3].minutes",
        "segments[0].touchpoints[4].per_month", "segments[0].touchpoints[4].minutes",
        "csm.customer_time_share", "csm.pto_days", "segments[0].new_customer_rate",
    ]
    assert listed[2].value == 4 and listed[2].label == "Enterprise: Business review, times a year"
    assert listed[9].value == 0.6667


def test_thresholds_are_drivers_only_above_zero(two_tier):
    scenario = load_scenario(two_tier)
    thresholds = [d for d in drivers(scenario) if d.parameter == "threshold"]
    assert [(d.key, d.value) for d in thresholds] == [("segments[0].min_arr", 10000.0)]
    assert not [d for d in drivers(scenario, with_thresholds=False) if d.parameter == "threshold"]


def test_apply_change_makes_a_new_validated_scenario(example):
    scenario = load_scenario(example)
    frequency = drivers(scenario)[2]  # business review, 4 a year
    moved = moved_scenario(scenario, frequency, 0.2)
    assert moved.segments[0].touchpoints[1].per_year == pytest.approx(4.8)
    assert moved.segments[0].touchpoints[1].per_month is None
    assert scenario.segments[0].touchpoints[1].per_year == 4  # the original is untouched
    assert moved.segments[0].touchpoints[0] == scenario.segments[0].touchpoints[0]
    minutes = moved_scenario(scenario, drivers(scenario)[1], -0.2)
    assert minutes.segments[0].touchpoints[0].minutes == pytest.approx(48)


def test_time_split_is_capped_at_all_of_the_time():
    driver = Knob("time_split", "csm.customer_time_share", "Share of CSM time on customers", "Customer time share",
                  "share of working time", 0.9)
    assert driver.moved(0.2) == 1.0
    assert driver.moved(-0.2) == pytest.approx(0.72)


def test_time_split_of_internal_activities_becomes_a_share(example):
    example["csm"].pop("customer_time_share")
    example["csm"]["internal_activities"] = [{"name": "Team meeting", "minutes": 60, "per_month": 4}]
    scenario = load_scenario(example)
    split = next(d for d in drivers(scenario) if d.parameter == "time_split")
    # 4 hours of the working month are internal: the share is (W - 4) / W.
    assert split.value == pytest.approx((WORKING_HOURS - 4) / WORKING_HOURS)
    moved = moved_scenario(scenario, split, -0.1)
    assert moved.csm.internal_activities is None
    assert moved.csm.customer_time_share == pytest.approx(split.value * 0.9)
    assert moved_scenario(scenario, split, 0.1).csm.customer_time_share == 1.0


def test_a_move_that_makes_thresholds_meet_is_an_error_naming_the_key(two_tier):
    two_tier["segments"][1]["min_arr"] = 12000
    two_tier["segments"].append({"name": "Tail", "min_arr": 0})
    scenario = load_scenario(two_tier)
    large = next(d for d in drivers(scenario) if d.key == "segments[0].min_arr")
    with pytest.raises(ScenarioError, match=r"segments\[0\]\.min_arr: moved by \+20%"):
        moved_scenario(scenario, large, 0.2)  # 10,000 x 1.2 = 12,000, the next threshold
    book = Book.from_frame(pd.DataFrame({"account_id": ["a", "b", "c"], "arr": [500.0, 11000.0, 30000.0]}))
    keys = [i.driver.key for i in tornado(scenario, book).impacts]
    assert "segments[0].min_arr" not in keys and "segments[1].min_arr" in keys


def test_tornado_hand_worked_on_the_worked_example(example):
    result = tornado(example)
    assert fte() == pytest.approx(plan(example).totals.fte)
    assert result.base_headcount == math.ceil(fte()) == 2
    impacts = by_key(result)

    share = impacts["csm.customer_time_share"]
    assert share.low_fte == pytest.approx(fte(share=0.6667 * 0.8))
    assert share.high_fte == pytest.approx(fte(share=0.6667 * 1.2))
    assert (share.low_headcount, share.high_headcount) == (math.ceil(fte(share=0.6667 * 0.8)), math.ceil(fte(share=0.6667 * 1.2)))
    assert (share.low_headcount, share.high_headcount) == (2, 1)
    assert share.low_cost == 2 * 150000 and share.high_cost == 1 * 150000

    review = impacts["segments[0].touchpoints[0].per_month"]  # 1 h per customer a month, moved to 0.8 h and 1.2 h
    assert review.low_fte == pytest.approx(fte(per_customer=PER_CUSTOMER - 0.2))
    assert review.high_fte == pytest.approx(fte(per_customer=PER_CUSTOMER + 0.2))
    assert (review.low_headcount, review.high_headcount) == (1, 2)

    webinar = impacts["segments[0].touchpoints[4].minutes"]  # a program: whole-segment hours
    assert webinar.high_fte == pytest.approx(fte(program=PROGRAM * 1.2))

    pto = impacts["csm.pto_days"]
    assert pto.low_fte == pytest.approx(fte(pto=20)) and pto.high_fte == pytest.approx(fte(pto=30))

    rate = impacts["segments[0].new_customer_rate"]  # moves only the kick-off: 180 min x rate / 12
    assert rate.high_fte == pytest.approx(fte(per_customer=PER_CUSTOMER + 180 / 60 * 0.25 * 0.2 / 12))

    # Largest headcount swing first, then largest FTE swing.
    order = [(i.swing, i.fte_swing) for i in result.impacts]
    assert order == sorted(order, key=lambda o: (-o[0], -o[1]))
    assert result.impacts[0].driver.key == "csm.customer_time_share"


def test_threshold_moves_re_split_the_book(two_tier):
    # Large from 10,000 (review 60 min x 2 = 2 h per customer), Small below (check-in 30 min x 1 = 0.5 h);
    # a CSM has (40 x 52 - 25 x 8) / 12 x 0.5 hours for customers.
    book = Book.from_frame(pd.DataFrame({"account_id": list("abcd"), "arr": [5000.0, 9000.0, 11000.0, 20000.0]}))
    customer_hours = WORKING_HOURS * 0.5
    impact = by_key(tornado(two_tier, book))["segments[0].min_arr"]
    assert (impact.low_value, impact.high_value) == (8000, 12000)
    assert impact.low_fte == pytest.approx((3 * 2 + 1 * 0.5) / customer_hours)  # 9,000 joins Large
    assert impact.high_fte == pytest.approx((1 * 2 + 3 * 0.5) / customer_hours)  # 11,000 leaves it
    assert (impact.low_headcount, impact.high_headcount) == (2, 2)


def test_tables_and_json(example):
    result = tornado(example)
    frame = result.to_frame()
    assert list(frame["driver"]) == [i.driver.label for i in result.impacts]
    assert set(frame["base_headcount"]) == {result.base_headcount}
    assert {"low_headcount", "high_headcount", "low_cost", "high_cost", "swing"} <= set(frame.columns)
    assert json.loads(json.dumps(result.to_dict()))["impacts"][0]["key"] == result.impacts[0].driver.key


def test_change_must_be_a_fraction(example):
    with pytest.raises(ScenarioError, match="change: must be between 0 and 1"):
        tornado(example, change=1.5)


# -- properties ---------------------------------------------------------------------------


@st.composite
def scenarios(draw):
    touchpoints = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["recurring", "inbound", "one_time", "program"]))
        tp = {"name": f"T{i}", "kind": kind, "minutes": draw(st.floats(1, 600))}
        if kind != "one_time":
            tp[draw(st.sampled_from(["per_month", "per_year"]))] = draw(st.floats(0.1, 30))
        touchpoints.append(tp)
    data = copy.deepcopy({
        "csm": {"customer_time_share": draw(st.floats(0.2, 1.0)), "pto_days": draw(st.floats(0, 40)),
                "loaded_cost_per_year": 100000},
        "segments": [{"name": "Only", "min_arr": 0, "new_customer_rate": draw(st.floats(0, 1)),
                      "customers": draw(st.integers(0, 5000)), "arr": 1e6, "touchpoints": touchpoints}],
    })
    return load_scenario(data)


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.floats(0.01, 0.9))
def test_more_work_never_needs_fewer_csms_and_more_customer_time_never_more(scenario, change):
    result = tornado(scenario, change=change)
    for impact in result.impacts:
        parameter = impact.driver.parameter
        if parameter in ("frequency", "minutes", "new_customer_rate", "pto_days"):
            assert impact.low_headcount <= result.base_headcount <= impact.high_headcount, impact
            assert impact.low_fte <= result.base_fte + 1e-9 and result.base_fte <= impact.high_fte + 1e-9
        elif parameter == "time_split":
            assert impact.high_headcount <= result.base_headcount <= impact.low_headcount, impact
            assert impact.high_value <= 1.0


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.floats(-0.9, 0.9))
def test_every_move_is_a_valid_scenario_with_the_value_moved(scenario, fraction):
    for driver in drivers(scenario):
        moved = moved_scenario(scenario, driver, fraction)
        assert next(d for d in drivers(moved) if d.key == driver.key).value == pytest.approx(driver.moved(fraction))
        assert 0 < moved.csm.share <= 1
