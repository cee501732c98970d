"""The fiscal-year plan: hand-worked months, invariants (hypothesis), the CLI and JSON shape.

The tiny scenario makes the arithmetic checkable by hand: 40 h x 52 weeks, no PTO, a 0.6
customer share gives 2080 / 12 x 0.6 = 104 customer hours per CSM per month; a customer
costs 1 h a month (one 60-minute review), so 104 customers are exactly 1 FTE; a new
customer costs 2 h once (a 120-minute kick-off).
"""

import copy
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import ScenarioError, load_scenario, plan
from capacity.apps.cli import main
from capacity.model.fiscal import fiscal_plan

from tests.conftest import DEFAULT_SCENARIO

HOURS = 104.0  # customer hours per CSM per month in TINY


def tiny(customers=104, segment=None, **fiscal):
    seg = {
        "name": "Core", "min_arr": 0, "customers": customers, "arr": customers * 10_000.0,
        "touchpoints": [
            {"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 1},
            {"name": "Kick-off", "kind": "one_time", "minutes": 120},
        ],
        "new_customers_per_month": 0, "churn_per_year": 0,
    }
    seg.update(segment or {})
    fy = {"start": "2027-02", "months": 12, "starting_headcount": {"Core": 1}, "hiring_lead_time_months": 0,
          "ramp_months": 0, "attrition_per_year": 0, "target_utilization": 1.0}
    fy.update(fiscal)
    return {
        "name": "Tiny",
        "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 0.6,
                "loaded_cost_per_year": 120_000},
        "segments": [seg],
        "fiscal_year": fy,
    }


def column(result, name, segment="Core"):
    return list(result.segment_frame(segment)[name])


# -- the formulas, by hand -----------------------------------------------------------------


def test_tiny_customer_hours_are_104():
    assert load_scenario(tiny()).csm.customer_hours_per_month == pytest.approx(HOURS)


# -- hand-worked months ---------------------------------------------------------------------


def test_ramp_arithmetic():
    # 1 FTE of demand, nobody on staff, no lead time, a 3-month ramp: the hire opened in the
    # first month starts at once and gives 1/3, 2/3, then a whole CSM.
    result = fiscal_plan(tiny(starting_headcount={"Core": 0}, ramp_months=3))
    assert column(result, "requisitions_opened")[:3] == [1, 0, 0]
    assert column(result, "hires_started")[:3] == [1, 0, 0]
    assert column(result, "headcount")[:3] == [1, 1, 1]
    assert column(result, "ramped_capacity_fte")[:4] == pytest.approx([1 / 3, 2 / 3, 1, 1])
    assert column(result, "utilization")[:3] == pytest.approx([3.0, 1.5, 1.0])
    assert column(result, "target_held")[:3] == [False, False, True]
    (warning,) = result.summary.warnings
    assert warning.startswith("Core: utilization is above the 100% target in 2027-02 to 2027-03 (peak 300% in 2027-02)")
    # fully productive in month 3 of the ramp: a requisition two months before the year would have held it
    assert "1 more ramped CSM on day one, without counting on this year's hires: requisitions opened by 2026-12" in warning
    assert result.summary.day_one_shortfall == {"Core": 1}


def test_day_one_advice_does_not_count_on_hires_a_bigger_team_would_not_open():
    # 2.5 FTE, nobody on staff, a 3-month ramp: the plan's 3 hires give 1 and 2 FTE in the first two
    # months. With 2 more on day one the rule would open only 1 hire (2 + 1/3 < 2.5), so the advice is 3.
    result = fiscal_plan(tiny(customers=260, starting_headcount={"Core": 0}, ramp_months=3))
    assert column(result, "ramped_capacity_fte")[:3] == pytest.approx([1, 2, 3])
    assert result.summary.day_one_shortfall == {"Core": 3}
    with_two = fiscal_plan(tiny(customers=260, starting_headcount={"Core": 2}, ramp_months=3))
    assert column(with_two, "ramped_capacity_fte")[0] == pytest.approx(2 + 1 / 3)
    assert not column(with_two, "target_held")[0]
    with_three = fiscal_plan(tiny(customers=260, starting_headcount={"Core": 3}, ramp_months=3))
    assert all(column(with_three, "target_held"))


def test_lead_time_delays_starts_and_capacity():
    # 2 FTE of demand, nobody on staff, 2-month lead time, no ramp.
    result = fiscal_plan(tiny(customers=208, starting_headcount={"Core": 0}, hiring_lead_time_months=2))
    assert column(result, "requisitions_opened")[:3] == [2, 0, 0]
    assert column(result, "hires_started")[:3] == [0, 0, 2]
    assert column(result, "headcount")[:3] == [0, 0, 2]
    assert column(result, "ramped_capacity_fte")[:3] == [0, 0, 2]
    assert column(result, "utilization")[:3] == [math.inf, math.inf, 1.0]
    assert result.to_dict()["rows"][0]["utilization"] is None
    assert "requisitions opened by 2026-12" in result.summary.warnings[0]
    assert result.summary.first_breach == {"Core": "2027-02"}


def test_growth_is_hired_lead_time_plus_ramp_ahead():
    # 52 new customers a month from month 0: demand 1.5, 2.0, 2.5 ... FTE. With a 1-month
    # lead and a 2-month ramp, month t looks at month t + 2.
    result = fiscal_plan(tiny(segment={"touchpoints": [{"name": "Review", "kind": "recurring", "minutes": 60,
                                                        "per_month": 1}], "new_customers_per_month": 52},
                              hiring_lead_time_months=1, ramp_months=2))
    demand = column(result, "demand_fte")
    assert demand[:3] == pytest.approx([1.5, 2.0, 2.5])
    # month 0 covers month 2 (2.5 FTE): projected 1 -> 2 requisitions, starting month 1
    assert column(result, "requisitions_opened")[0] == 2
    assert column(result, "hires_started")[:2] == [0, 2]
    assert column(result, "ramped_capacity_fte")[:3] == pytest.approx([1, 1 + 2 * 0.5, 3])
    # from month 2 on, the target is held every month
    assert all(column(result, "target_held")[2:])


def test_attrition_is_realised_in_whole_people_and_backfilled():
    # 10 CSMs, no demand, 1 - 0.9 ** 12 attrition a year: 10% a month expected.
    result = fiscal_plan(tiny(customers=0, starting_headcount={"Core": 10}, hiring_lead_time_months=2,
                              attrition_per_year=1 - 0.9**12))
    # expected 1.0, 0.9 (cum 1.9), 0.8 (cum 2.7), 0.8 (cum 3.5): rounded cum 1, 2, 3, 4
    assert column(result, "leavers")[:4] == [1, 1, 1, 1]
    assert column(result, "backfill_requisitions")[:4] == [1, 1, 1, 1]
    assert column(result, "requisitions_opened")[:4] == [1, 1, 1, 1]
    # each backfill starts 2 months after its leaver left
    assert column(result, "hires_started")[:4] == [0, 0, 1, 1]
    assert column(result, "headcount")[:4] == [9, 8, 8, 8]
    assert result.summary.leavers_total == sum(column(result, "leavers"))


def test_leavers_are_the_longest_serving():
    # 3 CSMs for 3.5 FTE... one leaves in month 0 and the ramped capacity drops by a whole CSM.
    result = fiscal_plan(tiny(customers=0, starting_headcount={"Core": 3}, ramp_months=3,
                              attrition_per_year=1 - (1 - 0.5 / 3) ** 12))
    assert column(result, "leavers")[0] == 1  # 3 x 1/6 = 0.5 expected rounds to 1
    # the backfill starts at once (no lead time) and ramps: 2 + 1/3
    assert column(result, "ramped_capacity_fte")[0] == pytest.approx(2 + 1 / 3)


def test_churn_compounds_monthly():
    # 100 customers, 19% churn a year, no arrivals: 0.9 ** (1/6) a month, 90 after 6 months, 81 after 12.
    result = fiscal_plan(tiny(customers=100, segment={"churn_per_year": 0.19}))
    customers = column(result, "customers")
    assert customers[5] == pytest.approx(90.0)
    assert customers[11] == pytest.approx(81.0)
    assert column(result, "churned_customers")[0] == pytest.approx(100 * (1 - 0.9 ** (1 / 6)))
    # ARR follows customers at today's average ARR per customer
    assert column(result, "arr")[11] == pytest.approx(81 * 10_000.0)


def test_one_time_work_lands_in_the_month_customers_arrive():
    arrivals = [0, 10] + [0] * 10
    result = fiscal_plan(tiny(segment={"new_customers_per_month": arrivals}))
    demand = column(result, "demand_fte")
    assert demand[0] == pytest.approx(104 / 104)
    assert demand[1] == pytest.approx((114 * 1 + 10 * 2) / 104)  # kick-offs this month
    assert demand[2] == pytest.approx(114 / 104)  # only their recurring work after
    assert column(result, "new_customers") == arrivals


def test_managers_counted_and_costed_with_salary_increase():
    result = fiscal_plan(tiny(customers=0, starting_headcount={"Core": 9}, csms_per_manager=8,
                              manager_loaded_cost_per_year=180_000,
                              salary_increase={"month": "2027-04", "rate": 0.03}))
    assert set(column(result, "managers")) == {2}
    base = 9 * 120_000 / 12 + 2 * 180_000 / 12  # 90,000 + 30,000
    assert column(result, "cost")[:2] == pytest.approx([base, base])  # 2027-02, 2027-03
    assert column(result, "cost")[2:] == pytest.approx([base * 1.03] * 10)  # from 2027-04
    assert column(result, "manager_cost")[0] == pytest.approx(30_000)
    assert result.summary.total_cost == pytest.approx(base * 2 + base * 1.03 * 10)
    assert result.summary.year_end_managers == 2


def test_manager_scope_team_or_segment():
    two = tiny(customers=0, starting_headcount={"Core": 9, "Digital": 1}, csms_per_manager=8,
               manager_loaded_cost_per_year=180_000)
    two["segments"].append(dict(two["segments"][0], name="Digital", min_arr=1000))
    team = fiscal_plan(two)
    assert column(team, "managers", "Core")[0] == 2 and column(team, "managers", "Digital")[0] == 0
    assert team.summary.year_end_managers == 2  # ceil(10 / 8)
    two["fiscal_year"]["manager_scope"] = "segment"
    per_segment = fiscal_plan(two)
    assert column(per_segment, "managers", "Digital")[0] == 1  # ceil(1 / 8)
    assert per_segment.summary.year_end_managers == 3
    assert per_segment.summary.total_cost - team.summary.total_cost == pytest.approx(180_000)


def test_first_breach_without_hires():
    # 1 CSM, 13 new customers a month (no one-time work): demand 1 + 0.125 m; target 85%.
    result = fiscal_plan(tiny(segment={"touchpoints": [{"name": "Review", "kind": "recurring", "minutes": 60,
                                                        "per_month": 1}], "new_customers_per_month": 13},
                              starting_headcount={"Core": 2}, target_utilization=0.85))
    # (104 + 13 (m + 1)) / 104 > 1.7 first when m + 1 > 5.6: m = 5, 2027-07
    assert result.summary.first_breach == {"Core": "2027-07"}


def test_defaults_starting_headcount_and_new_customers_from_steady_state():
    data = tiny(segment={"new_customers_per_month": None, "new_customer_rate": 0.3}, starting_headcount={})
    result = fiscal_plan(data)
    steady = plan(data).segments[0]
    assert result.summary.starting_headcount == {"Core": steady.headcount}
    assert column(result, "new_customers") == pytest.approx([104 * 0.3 / 12] * 12)
    assert any("starting_headcount not given for Core" in n for n in result.summary.notes)
    assert any("new_customers_per_month not given" in n for n in result.summary.notes)


def test_year_totals_sum_flows_and_take_stocks_at_year_end():
    # One CSM at 120,000 a year, no growth: 10,000 a month, 120,000 in the year.
    flat = fiscal_plan(tiny())
    assert flat.cumulative_cost() == tuple(10_000.0 * m for m in range(1, 13))
    year = flat.year_totals()
    assert (year["cost"], year["headcount"], year["customers"], year["hires_started"]) == (120_000.0, 1, 104, 0)
    # 26 new customers a month (a quarter CSM of work each month): hires follow, flows add up.
    growing = fiscal_plan(tiny(segment={"new_customers_per_month": 26}))
    year = growing.year_totals("Core")
    assert year["new_customers"] == 26 * 12
    assert year["customers"] == column(growing, "customers")[-1] == 104 + 26 * 12
    assert year["hires_started"] == sum(column(growing, "hires_started")) == growing.summary.hires_total > 0
    assert year["headcount"] == growing.summary.year_end_headcount
    assert year["cost"] == pytest.approx(growing.summary.total_cost)
    assert growing.cumulative_cost()[-1] == pytest.approx(growing.summary.total_cost)
    assert set(year) >= {"arr", "managers", "leavers", "requisitions_opened"} and "utilization" not in year


def test_summary_reconciles_with_rows():
    result = fiscal_plan(DEFAULT_SCENARIO)
    frame = result.to_frame()
    s = result.summary
    assert len(frame) == 12 * 4
    assert list(frame["month"].unique()) == list(result.months)
    assert s.total_cost == pytest.approx(frame["cost"].sum())
    assert s.hires_total == frame["hires_started"].sum() == sum(s.hires_by_month.values())
    assert s.requisitions_total == frame["requisitions_opened"].sum()
    last = frame[frame["month"] == result.months[-1]]
    assert s.year_end_headcount == last["headcount"].sum()
    assert s.ending_arr == pytest.approx(last["arr"].sum())
    assert s.cost_pct_ending_arr == pytest.approx(s.total_cost / s.ending_arr)
    for name, cost in s.cost_by_segment.items():
        assert cost == pytest.approx(frame.loc[frame["segment"] == name, "cost"].sum())
    assert (frame["cost"] == frame["csm_cost"] + frame["manager_cost"]).all()
    # headcount moves only by starts and leavers
    for name in result.segments:
        seg = result.segment_frame(name)
        start = s.starting_headcount[name]
        assert list(seg["headcount"]) == list(start + (seg["hires_started"] - seg["leavers"]).cumsum())


def test_default_scenario_steady_state_is_unchanged_and_hiring_shows():
    import yaml

    raw = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    raw["book"] = str(DEFAULT_SCENARIO.parent / raw["book"])
    del raw["fiscal_year"]
    for seg in raw["segments"]:
        del seg["new_customers_per_month"], seg["churn_per_year"]
    # The fiscal keys change no steady-state number; churn_per_year is only set beside the break-even (payback).
    with_fiscal, without = plan(DEFAULT_SCENARIO).to_dict(), plan(raw).to_dict()
    for data in (with_fiscal, without):
        for row in (*data["payback"]["segments"], data["payback"]["total"]):
            del row["churn_per_year"], row["churned_arr_per_year"]
    assert with_fiscal == without
    assert [s.churn_per_year for s in plan(DEFAULT_SCENARIO).payback.segments] == [0.06, 0.10, 0.18, 0.30]
    result = fiscal_plan(DEFAULT_SCENARIO)
    assert result.summary.hires_total > 0
    assert result.summary.warnings  # the first months cannot hold 85%
    assert json.loads(result.to_json()) == json.loads(json.dumps(result.to_dict()))


def test_without_fiscal_year_is_an_error(example):
    with pytest.raises(ScenarioError, match=r"^fiscal_year: missing: the fiscal-year plan needs a fiscal_year block"):
        fiscal_plan(example)


# -- invariants -------------------------------------------------------------------------

recurring = st.fixed_dictionaries({
    "name": st.just("t"),
    "kind": st.sampled_from(["recurring", "inbound", "program"]),
    "minutes": st.floats(0, 240),
    "per_month": st.floats(0, 8),
})
segment = st.fixed_dictionaries({
    "customers": st.integers(0, 3000),
    "arr": st.floats(0, 1e8),
    "touchpoints": st.lists(recurring, min_size=1, max_size=4),
})


def _scenario(segments, **fiscal):
    fy = {"start": "2027-02", "hiring_lead_time_months": 2, "ramp_months": 3, "target_utilization": 0.85}
    fy.update(fiscal)
    return {
        "csm": {"customer_time_share": 0.6, "loaded_cost_per_year": 100_000},
        "segments": [dict(s, name=f"S{i}", min_arr=i * 1000) for i, s in enumerate(segments)],
        "fiscal_year": fy,
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(segment, min_size=1, max_size=4), st.integers(0, 6), st.integers(0, 6))
def test_zero_growth_churn_and_attrition_equals_the_steady_state(segments, lead, ramp):
    flat = [dict(s, new_customers_per_month=0, churn_per_year=0) for s in segments]
    data = _scenario(flat, hiring_lead_time_months=lead, ramp_months=ramp, target_utilization=1.0)
    steady = plan(data)
    result = fiscal_plan(data)
    for seg in steady.segments:
        months = result.segment_frame(seg.name)
        assert np.allclose(months["customers"], seg.customers)
        assert np.allclose(months["arr"], seg.arr, rtol=1e-12, atol=1e-6)
        assert np.allclose(months["demand_fte"], seg.fte, rtol=1e-12)
        assert (months["headcount"] == seg.headcount).all()
        assert (months["requisitions_opened"] == 0).all() and (months["leavers"] == 0).all()
        assert months["cost"].sum() == pytest.approx(seg.cost_per_year)
    assert result.summary.total_cost == pytest.approx(steady.totals.cost_per_year)
    assert result.summary.warnings == ()


growing = st.fixed_dictionaries({
    "customers": st.integers(0, 2000),
    "arr": st.floats(0, 1e8),
    "new_customer_rate": st.floats(0, 1),
    "new_customers_per_month": st.one_of(st.floats(0, 200), st.lists(st.floats(0, 200), min_size=12, max_size=12)),
    "churn_per_year": st.floats(0, 0.5),
    "touchpoints": st.lists(recurring, min_size=1, max_size=3).map(
        lambda t: t + [{"name": "k", "kind": "one_time", "minutes": 120}]),
})
hiring = st.fixed_dictionaries({
    "hiring_lead_time_months": st.integers(0, 5),
    "ramp_months": st.integers(0, 5),
    "attrition_per_year": st.floats(0, 0.4),
    "target_utilization": st.floats(0.5, 1.0),
    "starting_headcount": st.just({}),
})


@settings(max_examples=80, deadline=None)
@given(st.lists(growing, min_size=1, max_size=3), hiring, st.integers(1, 4))
def test_longer_lead_time_never_lowers_the_worst_utilization(segments, fiscal, extra):
    short = fiscal_plan(_scenario(segments, **fiscal))
    longer = fiscal_plan(_scenario(segments, **dict(fiscal, hiring_lead_time_months=fiscal["hiring_lead_time_months"] + extra)))
    assert longer.to_frame()["utilization"].max() >= short.to_frame()["utilization"].max() - 1e-9


@settings(max_examples=80, deadline=None)
@given(st.lists(growing, min_size=1, max_size=3), hiring, st.data())
def test_more_growth_never_lowers_cost(segments, fiscal, data):
    """More arrivals never cost less over the year.

    Year-end headcount is monotone only without attrition: leavers are whole people, and in
    the larger team the cumulative expected leavers can cross a whole person in the last
    month, before that backfill starts (see the test below).
    """
    i = data.draw(st.integers(0, len(segments) - 1))
    more = copy.deepcopy(segments)
    added = data.draw(st.floats(0.5, 100))
    monthly = more[i]["new_customers_per_month"]
    more[i]["new_customers_per_month"] = [m + added for m in monthly] if isinstance(monthly, list) else monthly + added
    base = fiscal_plan(_scenario(segments, **fiscal))
    grown = fiscal_plan(_scenario(more, **fiscal))
    assert grown.summary.total_cost >= base.summary.total_cost - 1e-6
    if fiscal["attrition_per_year"] == 0:
        assert grown.summary.year_end_headcount >= base.summary.year_end_headcount


def test_more_growth_can_end_the_year_one_leaver_down_but_costs_more():
    """The case hypothesis found: 7 -> 8 arrivals a month, 23% attrition, 2-month lead time."""
    touchpoints = [
        {"name": "Call", "kind": "recurring", "minutes": 1.0, "per_month": 2.0},
        {"name": "Review", "kind": "recurring", "minutes": 166.0, "per_month": 0.515625},
        {"name": "Kick-off", "kind": "one_time", "minutes": 120},
    ]
    segment = {"customers": 258, "arr": 0.0, "new_customers_per_month": 7.0, "churn_per_year": 0.125,
               "touchpoints": touchpoints}
    fiscal = {"hiring_lead_time_months": 2, "ramp_months": 0, "attrition_per_year": 0.234375,
              "target_utilization": 0.8125, "starting_headcount": {}}
    base = fiscal_plan(_scenario([segment], **fiscal))
    grown = fiscal_plan(_scenario([dict(segment, new_customers_per_month=8.0)], **fiscal))
    assert grown.summary.total_cost > base.summary.total_cost
    assert (base.summary.year_end_headcount, grown.summary.year_end_headcount) == (7, 6)
    last = grown.to_frame().iloc[-1]
    assert last["leavers"] == 1 and last["requisitions_opened"] >= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(growing, min_size=1, max_size=3), hiring)
def test_target_held_once_hiring_can_reach_it_without_attrition(segments, fiscal):
    """And the day-one advice, taken, holds it in the months before."""
    fiscal = dict(fiscal, attrition_per_year=0)
    result = fiscal_plan(_scenario(segments, **fiscal))
    first = fiscal["hiring_lead_time_months"] + max(fiscal["ramp_months"], 1) - 1
    frame = result.to_frame()
    late = frame[frame["month"].isin(result.months[first:])]
    assert late["target_held"].all()
    advised = {f"S{i}": result.summary.starting_headcount[f"S{i}"] + result.summary.day_one_shortfall[f"S{i}"]
               for i in range(len(segments))}
    followed = fiscal_plan(_scenario(segments, **dict(fiscal, starting_headcount=advised)))
    assert followed.to_frame()["target_held"].all()
    assert followed.summary.warnings == ()


# -- the command line -------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return line.split()


def test_cli_table_totals_reconcile_with_rows(capsys):
    assert main(["fiscal", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    result = fiscal_plan(DEFAULT_SCENARIO)
    frame = result.to_frame()
    lines = out.splitlines()
    all_segments = lines.index("All segments")
    year = next(line for line in lines[all_segments:] if line.startswith("Year"))
    cells = _cells(year)
    # Year: customers, new, ARR, CSMs, reqs, starts, leavers, managers, cost
    last = frame[frame["month"] == result.months[-1]]
    assert cells[1] == f"{last['customers'].sum():,.0f}"
    assert cells[2] == f"{frame['new_customers'].sum():,.0f}"
    assert int(cells[4]) == last["headcount"].sum() == result.summary.year_end_headcount
    assert int(cells[5]) == frame["requisitions_opened"].sum()
    assert int(cells[6]) == frame["hires_started"].sum()
    assert int(cells[7]) == frame["leavers"].sum()
    assert int(cells[8]) == last["managers"].sum()
    assert cells[9] == f"${frame['cost'].sum():,.0f}"
    assert f"Total cost: ${result.summary.total_cost:,.0f}" in out
    # 12 month rows under "All segments", each the sum of the segments' rows
    month_lines = [line for line in lines[all_segments:] if line[:4].isdigit()]
    assert [line.split()[0] for line in month_lines] == list(result.months)
    for line, (month, rows) in zip(month_lines, frame.groupby("month", sort=False)):
        assert int(_cells(line)[5]) == rows["headcount"].sum()
    for name in result.segments:
        assert f"\n{name}\n" in out
    assert "Warnings" in out


def test_cli_json_and_csv(tmp_path, capsys):
    assert main(["fiscal", str(DEFAULT_SCENARIO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(fiscal_plan(DEFAULT_SCENARIO).to_json())
    assert {"months", "segments", "rows", "summary", "settings"} <= set(data)
    assert {"month", "segment", "customers", "arr", "demand_fte", "headcount", "ramped_capacity_fte", "utilization",
            "hires_started", "requisitions_opened", "leavers", "managers", "cost"} <= set(data["rows"][0])
    assert {"hires_by_month", "year_end_headcount", "total_cost", "cost_pct_ending_arr", "first_breach",
            "warnings"} <= set(data["summary"])
    out = tmp_path / "months.csv"
    assert main(["fiscal", str(DEFAULT_SCENARIO), "--csv", str(out)]) == 0
    import pandas as pd

    frame = pd.read_csv(out)
    assert len(frame) == 48
    assert frame["cost"].sum() == pytest.approx(data["summary"]["total_cost"])
    assert [p.name for p in tmp_path.iterdir()] == ["months.csv"]


def test_cli_without_fiscal_year(tmp_path, example, capsys):
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(example))
    assert main(["fiscal", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: fiscal_year: missing") and len(err.splitlines()) == 1


# -- vertical pools in the fiscal year ----------------------------------------------------


def _pool_book():
    import pandas as pd
    from capacity import Book

    verticals = ["Healthcare"] * 150 + ["Retail"] * 60 + ["Technology"] * 10
    return Book.from_frame(pd.DataFrame({"account_id": [str(i) for i in range(220)], "arr": 1000.0,
                                         "vertical": verticals}))


def _pooled_tiny(**fiscal):
    data = tiny(segment={"pool_by": "vertical", "customers": None, "arr": None}, **fiscal)
    del data["segments"][0]["customers"], data["segments"][0]["arr"]
    return data


def test_pools_are_hired_for_separately_and_add_up_to_the_segment():
    # 220 customers at 1 h: Healthcare 150/104 = 1.44 -> 2, Retail 0.58 -> 1, Technology 0.10 -> 1 (steady: 4, not 3)
    data = _pooled_tiny(starting_headcount={})
    result = fiscal_plan(data, _pool_book())
    steady = plan(data, _pool_book()).segments[0]
    assert [p.headcount for p in steady.pools] == [2, 1, 1]
    assert result.summary.starting_headcount == {"Core": 4}
    pools = result.pools_frame()
    assert list(pools["pool"].unique()) == ["Healthcare", "Retail", "Technology"]
    first = pools[pools["month"] == "2027-02"]
    assert list(first["customers"]) == pytest.approx([150, 60, 10])
    assert list(first["demand_fte"]) == pytest.approx([150 / 104, 60 / 104, 10 / 104])
    core = result.segment_frame("Core")
    for column_name in ("headcount", "hires_started", "requisitions_opened", "leavers"):
        assert list(pools.groupby("month", sort=False)[column_name].sum()) == list(core[column_name])
    assert list(core["headcount"]) == [4] * 12  # no growth: the steady-state pools all year
    assert list(core["worst_pool_utilization"]) == pytest.approx([150 / 104 / 2] * 12)
    assert any("staffed in vertical pools" in n for n in result.summary.notes)


def test_explicit_starting_headcount_is_split_across_pools_by_their_steady_state_size():
    result = fiscal_plan(_pooled_tiny(starting_headcount={"Core": 3}, hiring_lead_time_months=2,
                                      target_utilization=1.0), _pool_book())
    first = result.pools_frame().query("month == '2027-02'")
    # 3 across steady-state weights 2:1:1 = 1.5, 0.75, 0.75: floors 1, 0, 0, then the two largest remainders
    assert list(first["headcount"]) == [1, 1, 1]
    assert result.summary.starting_headcount == {"Core": 3}
    # Healthcare: 150 customers on 1 CSM is 144%: the segment is not held although 220 / 312 h would be
    core = result.segment_frame("Core")
    assert core["utilization"].iloc[0] == pytest.approx(220 / 104 / 3)
    assert core["worst_pool_utilization"].iloc[0] == pytest.approx(150 / 104)
    assert not core["target_held"].iloc[0]
    assert any(w.startswith("Core (Healthcare pool): utilization is above the 100% target") for w in result.summary.warnings)


def test_pooled_segment_rounds_leavers_as_one_team():
    # 4 CSMs in pools of 2, 1, 1 at 10% a month: 0.4 expected in month 0 (nobody), 0.8 by month 1 (one
    # leaver, from Healthcare: 0.4 expected of its 2 against 0.2 of each single). Rounded per pool,
    # nobody would leave before month 2.
    result = fiscal_plan(_pooled_tiny(starting_headcount={}, hiring_lead_time_months=2,
                                      attrition_per_year=1 - 0.9**12), _pool_book())
    assert column(result, "leavers")[:2] == [0, 1]
    month1 = result.pools_frame().query("month == '2027-03'")
    assert list(month1["leavers"]) == [1, 0, 0]


def test_a_dedicated_pool_costs_more_over_the_year_than_one_team():
    from tests.conftest import DATA

    mixed = fiscal_plan(DEFAULT_SCENARIO)
    split = fiscal_plan(DATA / "scenario-healthcare-pool.yaml")
    assert split.summary.total_cost >= mixed.summary.total_cost
    assert split.to_frame()["demand_fte"].tolist() == pytest.approx(mixed.to_frame()["demand_fte"].tolist())
    assert set(split.pools_frame()["pool"]) == {"Healthcare", "Other verticals"}
    assert mixed.pools_frame().empty


def test_the_docs_state_the_default_fiscal_summary():
    import capacity
    from capacity import formatting as fmt

    from tests.conftest import ROOT

    year = capacity.fiscal_plan(DEFAULT_SCENARIO)
    s = year.summary
    frame = year.to_frame()
    readme = " ".join((ROOT / "docs" / "fiscal-year.md").read_text().split())
    expected = (
        f"{sum(s.starting_headcount.values())} CSMs today against a steady-state need of "
        f"{capacity.plan(DEFAULT_SCENARIO).totals.headcount} and an 85% target), the year hires {s.hires_total} CSMs "
        f"({s.requisitions_total} requisitions, {frame['backfill_requisitions'].sum()} of them backfills for "
        f"{s.leavers_total} leavers), ends with {s.year_end_headcount} CSMs and {s.year_end_managers} managers, and costs "
        f"${s.total_cost / 1e6:.2f}M, {fmt.percent(s.cost_pct_ending_arr)} of the ending ARR of "
        f"{fmt.money_short(s.ending_arr)}."
    )
    assert expected in readme


def test_cli_bad_fiscal_key_is_one_line(tmp_path, capsys):
    import yaml

    data = tiny(starting_headcount={"Corr": 1})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["fiscal", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {path}: fiscal_year.starting_headcount.Corr: unknown segment 'Corr' "
                   "(did you mean 'Core'?)\n")


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B", "C"]), st.integers(1, 300), min_size=1),
       st.floats(0, 60), st.floats(0, 0.4), hiring)
def test_pool_rows_add_up_to_segment_rows(counts, new, churn, fiscal):
    import pandas as pd
    from capacity import Book

    verticals = [v for v, n in counts.items() for _ in range(n)]
    book = Book.from_frame(pd.DataFrame({"account_id": [str(i) for i in range(len(verticals))], "arr": 1000.0,
                                         "vertical": verticals}))
    data = _pooled_tiny(**fiscal)
    data["segments"][0].update(new_customers_per_month=new, churn_per_year=churn)
    result = fiscal_plan(data, book)
    pools = result.pools_frame()
    core = result.segment_frame("Core")
    for name in ("customers", "demand_fte", "ramped_capacity_fte"):
        assert np.allclose(pools.groupby("month", sort=False)[name].sum().to_numpy(), core[name].to_numpy())
    for name in ("headcount", "hires_started", "requisitions_opened", "leavers"):
        assert (pools.groupby("month", sort=False)[name].sum().to_numpy() == core[name].to_numpy()).all()
    assert (core["target_held"] == pools.groupby("month", sort=False)["target_held"].all().to_numpy()).all()
