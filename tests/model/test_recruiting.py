"""A hiring plan recruiting can deliver: recruiting's limit, requisitions opened early, hiring ahead of attrition,
the funnel, and time to fill drawn in the simulation (exact at zero variance)."""

import copy
import json

import numpy as np
import pytest
import yaml

from capacity import load_scenario
from capacity.analysis.simulate import simulate
from capacity.apps.cli import main
from capacity.model.fiscal import fiscal_plan
from capacity.model.recruiting import attrition_gap

from tests.analysis.test_simulate import _assert_is_the_plan, _zero
from tests.conftest import DATA
from tests.model.test_fiscal import column, tiny

# 312 customers arrive in month 6 (2027-08): 3 FTE more from then on, over 1 on staff with 1 FTE of demand.
JUMP = {"touchpoints": [{"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 1}],
        "new_customers_per_month": [0] * 6 + [312] + [0] * 5}


def jump(**hiring) -> dict:
    data = tiny(segment=JUMP, hiring_lead_time_months=1, ramp_months=1)
    if hiring:
        data["hiring"] = hiring
    return data


def default(scenario: str = "scenario.yaml", **hiring) -> dict:
    data = yaml.safe_load((DATA / scenario).read_text())
    data["book"] = str(DATA / data["book"])
    if hiring:
        data["hiring"] = hiring
    return data


@pytest.fixture(scope="module")
def default_plan():
    return fiscal_plan(load_scenario(default()))


# -- without a limit, the block changes nothing ------------------------------------------------------


def test_an_empty_block_is_the_plan_without_one(default_plan):
    with_block = fiscal_plan(load_scenario(default(funnel={"application_to_interview": 0.1, "interview_to_offer": 0.3},
                                                   offer_acceptance_rate=0.8)))
    assert with_block.rows == default_plan.rows
    assert with_block.summary == default_plan.summary
    assert with_block.hiring.shortfalls and not with_block.hiring.unmet  # short months, none for want of recruiters


def test_time_to_fill_most_likely_is_the_lead_time():
    lead = fiscal_plan(jump())
    data = jump()
    del data["fiscal_year"]["hiring_lead_time_months"]
    data["hiring"] = {"time_to_fill_months": {"low": 0, "most_likely": 1, "high": 3}}
    filled = fiscal_plan(data)
    assert filled.rows == lead.rows
    assert filled.hiring_lead_time_months == 1 and filled.settings["hiring_lead_time_months"] == 1
    assert filled.hiring.time_to_fill_months == (0, 1, 3)


# -- recruiting's limit -------------------------------------------------------------------------------


def test_requisitions_open_early_enough_to_meet_the_limit():
    # Without a limit the 3 hires are opened in month 5 and start in month 6 (1-month lead, no ramp).
    free = fiscal_plan(jump())
    assert column(free, "requisitions_opened")[4:7] == [0, 3, 0]
    assert column(free, "hires_started")[5:7] == [0, 3]
    # One hire a month: the latest schedule that still has 3 more CSMs by month 6 starts one in each of months 4, 5
    # and 6, so it opens one requisition in each of months 3, 4 and 5. The target holds every month.
    limited = fiscal_plan(jump(recruiters=1, hires_per_recruiter_per_month=1))
    assert column(limited, "requisitions_opened") == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert column(limited, "hires_started") == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert all(column(limited, "target_held"))
    assert limited.hiring.unmet == () and limited.summary.warnings == ()
    assert [m.recruiting_capacity for m in limited.hiring.months] == [1] * 12


def test_a_limit_that_binds_shows_the_months_it_cannot_meet_and_by_how_much(capsys, tmp_path):
    # A quarter of a hire a month: hires can start in months 3, 7 and 11 only (the cumulative 0.25 x (m + 1)
    # reaches a whole hire). The plan takes month 3's (opened in month 2, as early as the rule looks ahead) and
    # then each one as it comes: 2, 3, then 4 CSMs against 4 FTE of demand from month 6 on.
    data = jump(recruiters=1, hires_per_recruiter_per_month=0.25)
    result = fiscal_plan(data)
    assert [m.recruiting_capacity for m in result.hiring.months] == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert column(result, "hires_started") == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert column(result, "ramped_capacity_fte") == [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4]
    # Short of the target: 4 - 2 = 2 FTE in 2027-08, 4 - 3 = 1 in 2027-09 to 2027-12; with recruiting unlimited, none.
    unmet = [(s.segment, s.month, s.short_fte, s.short_fte_without_limit) for s in result.hiring.unmet]
    assert unmet == [("Core", "2027-08", 2.0, 0.0)] + [("Core", m, 1.0, 0.0)
                                                       for m in ("2027-09", "2027-10", "2027-11", "2027-12")]
    (warning,) = result.summary.warnings
    assert warning == ("Core: utilization is above the 100% target in 2027-08 to 2027-12 (peak 200% in 2027-08): "
                       "recruiting can close only 0.25 hires a month (1 recruiter x 0.25), so CSMs start too late: "
                       "2.0 FTE short of the target at most, none with recruiting unlimited.")
    path = tmp_path / "limited.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["fiscal", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Months recruiting cannot meet" in out and "Core     2027-08   2.00       0.00" in out
    assert main(["fiscal", str(path), "--json"]) == 0
    hiring = json.loads(capsys.readouterr().out)["hiring"]
    assert [s["month"] for s in hiring["shortfalls"] if s["recruiting_bound"]] == ["2027-08", "2027-09", "2027-10",
                                                                                  "2027-11", "2027-12"]


def test_a_need_recruiting_cannot_meet_is_asked_for_once():
    # Half a hire a month against the default data's growth: requisitions follow the hires that can start,
    # they do not pile up month after month for the same need.
    result = fiscal_plan(load_scenario(default(recruiters=1, hires_per_recruiter_per_month=0.5)))
    assert result.summary.requisitions_total <= result.summary.hires_total + result.summary.leavers_total + 2
    assert result.hiring.unmet


def test_the_funnel_counts_candidates_for_each_months_starts():
    data = jump(recruiters=1, hires_per_recruiter_per_month=0.25, offer_acceptance_rate=0.75,
                funnel={"application_to_interview": 0.1, "interview_to_offer": 0.25})
    hiring = fiscal_plan(data).hiring
    # One start in month 3: 1 / 0.75 offers, / 0.25 interviews, / 0.1 applications.
    may = hiring.months[3]
    assert (may.month, may.hires_started) == ("2027-05", 1)
    assert (may.offers, may.interviews, may.applications) == pytest.approx((4 / 3, 16 / 3, 160 / 3))
    assert hiring.months[4].applications == 0
    assert (hiring.offers, hiring.interviews, hiring.applications) == pytest.approx((4, 16, 160))  # 3 starts


# -- hiring ahead of attrition ------------------------------------------------------------------------


def test_hiring_ahead_of_attrition_removes_the_default_plans_capacity_dips(default_plan):
    # Without the key every leaver is backfilled when they go: the default plan's four leavers each open a dip of
    # lead time plus ramp (1 FTE for 2 months, then 2/3 and 1/3 as the backfill ramps).
    gap = default_plan.attrition_gap_frame()
    dips = gap[gap["gap_fte"] > 1e-9]
    assert set(zip(dips["segment"], dips["month"])) >= {("Mid-Market", "2027-06"), ("Enterprise", "2027-08"),
                                                        ("SMB", "2027-08"), ("Mid-Market", "2028-01")}
    assert dips["gap_fte"].max() == pytest.approx(1.0)
    assert any("left shortly before" in w for w in default_plan.summary.warnings)
    ahead = fiscal_plan(load_scenario(default(hire_ahead_of_attrition=True)))
    assert ahead.summary.leavers_total == default_plan.summary.leavers_total
    assert (ahead.attrition_gap_frame()["gap_fte"] == 0).all()
    assert not any("left shortly before" in w for w in ahead.summary.warnings)
    # Each replacement is opened lead + ramp - 1 = 4 months before its leaver goes, and is fully ramped then.
    opened = sum(m.opened_ahead for m in ahead.hiring.months)
    assert opened == ahead.summary.leavers_total
    frame = ahead.to_frame()
    for segment, month in (("Mid-Market", "2027-06"), ("Enterprise", "2027-08"), ("SMB", "2027-08")):
        rows = frame[frame["segment"] == segment].reset_index(drop=True)
        m = int(rows.index[rows["month"] == month][0])
        assert rows["leavers"][m] == 1
        assert rows["ramped_capacity_fte"][m] >= rows["ramped_capacity_fte"][m - 1] - 1e-9 - 2 / 3  # no dip below
        assert rows["ramped_capacity_fte"][m] + 1e-9 >= rows["headcount"][m - 1] - rows["hires_started"][m - 2: m].sum()
    # The overlap costs: replacements are on staff before their leavers go.
    assert ahead.summary.total_cost > default_plan.summary.total_cost


def test_hiring_ahead_also_works_for_vertical_pools():
    pooled = fiscal_plan(load_scenario(default("scenario-healthcare-pool.yaml")))
    assert (pooled.attrition_gap_frame()["gap_fte"] > 0).any()
    ahead = fiscal_plan(load_scenario(default("scenario-healthcare-pool.yaml", hire_ahead_of_attrition=True)))
    assert (ahead.attrition_gap_frame()["gap_fte"] == 0).all()


def test_attrition_gap_by_hand():
    # Two leavers in month 0 backfilled to start in month 2 (lead 2), ramp 2: 2, 2, 1, 0.
    assert attrition_gap(np.array([2, 0, 0, 0]), np.array([0, 0, 2, 0]), 2).tolist() == [2, 2, 1, 0]
    # Replaced a month ahead, fully ramped by the month they go (ramp 2): no gap.
    assert attrition_gap(np.array([0, 0, 1, 0]), np.array([1, 0, 0, 0]), 2).tolist() == [0, 0, 0, 0]


# -- the simulation draws time to fill ----------------------------------------------------------------


def _simulated(hiring: dict, months: int = 12) -> dict:
    data = default(**hiring)
    data["fiscal_year"]["months"] = months
    data["uncertainty"] = _zero(data)
    del data["uncertainty"]["hiring_lead_time_months"]
    if "time_to_fill_months" in hiring:
        del data["fiscal_year"]["hiring_lead_time_months"]
    return data


@pytest.mark.parametrize("hiring", [
    {"recruiters": 1, "hires_per_recruiter_per_month": 1.5, "hire_ahead_of_attrition": True,
     "time_to_fill_months": {"low": 2, "most_likely": 2, "high": 2}},
    {"hire_ahead_of_attrition": True},
    {"recruiters": 2, "hires_per_recruiter_per_month": 0.5},
], ids=["limit-ahead-fill", "ahead", "limit"])
def test_no_spread_is_the_plan_exactly_with_a_hiring_block(hiring):
    s = load_scenario(_simulated(hiring, months=24))
    result = simulate(s, draws=8)
    assert result.uncertain == ()
    _assert_is_the_plan(result, fiscal_plan(s))


def test_time_to_fill_is_drawn_from_its_distribution():
    hiring = {"recruiters": 1, "hires_per_recruiter_per_month": 2, "hire_ahead_of_attrition": True,
              "time_to_fill_months": {"low": 1, "most_likely": 2, "high": 5}}
    data = _simulated(hiring)
    data["uncertainty"] = None  # the time to fill's range is enough to simulate
    s = load_scenario(data)
    result = simulate(s, draws=400, seed=3)
    assert result.uncertain == ("time_to_fill_months",)
    assert result.variance_shares == {"time_to_fill_months": 1.0}
    assert result.hires.p10 <= result.hires.p50 <= result.hires.p90
    assert result.total_cost.p10 < result.total_cost.p90  # the time to fill spreads the year's cost
    assert simulate(s, draws=400, seed=3).to_json() == result.to_json()  # seeded
    # A time to fill of exactly 3 months is the plan with a 3-month lead time.
    fixed = copy.deepcopy(data)
    fixed["hiring"]["time_to_fill_months"] = {"low": 3, "most_likely": 3, "high": 3}
    fixed["uncertainty"] = {"draws": 5}
    s3 = load_scenario(fixed)
    _assert_is_the_plan(simulate(s3), fiscal_plan(s3))


# -- invariants -----------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from capacity.formulas.recruiting import recruiting_slots  # noqa: E402
from tests.analysis.test_simulate import _bookless  # noqa: E402


def _settings(data, lead, ramp, attrition, target, months, start):
    data["uncertainty"] = None  # the plan's own settings, whatever the sample's ranges say
    data["fiscal_year"].update(hiring_lead_time_months=lead, ramp_months=ramp, attrition_per_year=attrition,
                               target_utilization=target, months=months,
                               starting_headcount={"Enterprise": start, "Mid-Market": 2 * start, "SMB": start})
    return data


@settings(max_examples=20, deadline=None)
@given(lead=st.integers(0, 3), ramp=st.integers(0, 4), attrition=st.sampled_from([0.0, 0.15, 0.4]),
       target=st.sampled_from([0.75, 1.0]), months=st.integers(1, 40), start=st.sampled_from([1, 3]))
def test_a_block_without_a_limit_or_hiring_ahead_hires_as_the_rule_does(lead, ramp, attrition, target, months, start):
    data = _settings(_bookless(start), lead, ramp, attrition, target, months, start)
    without = fiscal_plan(load_scenario(data))
    data["hiring"] = {"offer_acceptance_rate": 0.9}
    assert fiscal_plan(load_scenario(data)).rows == without.rows


@settings(max_examples=20, deadline=None)
@given(lead=st.integers(0, 3), ramp=st.integers(0, 4), attrition=st.sampled_from([0.0, 0.15, 0.4]),
       rate=st.sampled_from([0.3, 1.0, 2.5]), months=st.integers(1, 40), ahead=st.booleans())
def test_starts_never_exceed_what_recruiting_can_close(lead, ramp, attrition, rate, months, ahead):
    data = _settings(_bookless(3), lead, ramp, attrition, 0.85, months, 3)
    data["hiring"] = {"recruiters": 1, "hires_per_recruiter_per_month": rate, "hire_ahead_of_attrition": ahead}
    result = fiscal_plan(load_scenario(data))
    slots = recruiting_slots(rate, months)
    starts = np.array([m.hires_started for m in result.hiring.months])
    assert (starts <= slots).all()
    assert [m.recruiting_capacity for m in result.hiring.months] == slots.tolist()
    totals = result.totals_frame()
    # Nobody is laid off: headcount falls only by leavers.
    assert (np.diff(totals["headcount"]) >= -totals["leavers"].to_numpy()[1:]).all()
    # Every month short of the target is listed, and a recruiting-bound one is shorter without the limit.
    short = {(s.segment, s.month) for s in result.hiring.shortfalls}
    above = {(r.segment, r.month) for r in result.rows if not r.target_held}
    assert above <= short
    assert all(s.short_fte > s.short_fte_without_limit for s in result.hiring.unmet)


@settings(max_examples=15, deadline=None)
@given(lead=st.integers(0, 3), ramp=st.integers(1, 4), months=st.integers(13, 36))
def test_hiring_ahead_leaves_no_gap_once_hiring_can_reach(lead, ramp, months):
    # Without a limit, every leaver from the first month hiring can reach on has a ramped replacement when they go.
    data = _settings(_bookless(3), lead, ramp, 0.3, 0.85, months, 3)
    data["hiring"] = {"hire_ahead_of_attrition": True}
    result = fiscal_plan(load_scenario(data))
    reach = lead + ramp - 1
    gap = np.array(result.gap)
    assert (gap[:, reach:] <= 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(ramp=st.integers(0, 6), horizon=st.integers(1, 14), data=st.data())
def test_ramped_capacity_is_the_ramp_factor_weighted_sum_of_starts(ramp, horizon, data):
    from capacity.formulas.staffing import ramp_factor
    from capacity.model.recruiting import ramped

    joined = np.array(data.draw(st.lists(st.integers(0, 5), min_size=horizon * 2, max_size=horizon * 2))).reshape(
        horizon, 1, 2)
    first = data.draw(st.integers(0, horizon - 1))
    count = data.draw(st.integers(1, horizon - first))
    months = np.arange(first, first + count)
    weights = ramp_factor(months[:, None] - np.arange(horizon)[None, :] + 1, ramp)
    expected = np.einsum("mk,kdu->mdu", weights, joined)
    np.testing.assert_allclose(ramped(joined, first, count, ramp), expected, rtol=0, atol=1e-12)
