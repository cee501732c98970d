"""Hire or automate: each automation against the plan, worked by hand, and beside the options in compare."""

from __future__ import annotations

import copy

import pytest

from capacity import plan
from capacity.apps.cli import main
from capacity.analysis.hire_or_automate import cases_frame, hire_or_automate
from capacity.analysis.options import compare
from capacity.inputs.context import load_context

from tests.conftest import DEFAULT_SCENARIO, EXAMPLE

CUSTOMER_HOURS = (40 * 52 - 25 * 8) / 12 * 0.6667  # 104.449 h a month for customers


def test_a_deflection_by_hand():
    # The worked example (2 CSMs for 110.67 h a month); a bot deflects half of the escalations (15 min, 4 a month,
    # 40 customers): 20 h a month taken over, 0.1915 FTE; the team drops to 1 CSM ($150k saved) for 40 x $100 = $4,000
    # of tooling: $146,000 a year net. Worth up to 0.1915 x $150,000 = $28,722 a year as the team grows; the tooling
    # is $4,000 / 0.1915 = $20,889 per CSM of work.
    data = copy.deepcopy(EXAMPLE)
    data["segments"][0]["touchpoints"][3]["automation"] = {"name": "Bot", "share": 0.5,
                                                           "cost_per_account_per_year": 100}
    (case,) = hire_or_automate(load_context(data))
    assert (case.name, case.segment, case.touchpoint, case.takes_over, case.share) == (
        "Bot", "Enterprise", "Escalations", "occurrences", 0.5)
    assert case.hours_per_month == pytest.approx(20.0)
    assert case.fte_saved == pytest.approx(20 / CUSTOMER_HOURS)
    assert case.csms_saved == 1 and case.cost_saved_per_year == 150_000
    assert case.tooling_cost_per_year == 4_000 and case.net_saving_per_year == 146_000
    assert case.worth_up_to_per_year == pytest.approx(20 / CUSTOMER_HOURS * 150_000)
    assert round(case.worth_up_to_per_year) == 28_722
    assert case.tooling_per_csm_saved == pytest.approx(4_000 / (20 / CUSTOMER_HOURS))


def test_an_automation_that_saves_no_whole_csm_costs_its_tooling():
    # A tenth of the business reviews' minutes: 40 x 0.6667 h x 0.1 = 2.67 h a month, 0.026 FTE: 110.67 - 2.67 = 108 h
    # is still 1.03 FTE, 2 CSMs.
    data = copy.deepcopy(EXAMPLE)
    data["segments"][0]["touchpoints"][1]["automation"] = {"name": "AI prep", "share": 0.1, "cost_per_year": 12_000}
    (case,) = hire_or_automate(load_context(data))
    assert case.csms_saved == 0 and case.cost_saved_per_year == 0
    assert case.net_saving_per_year == -12_000
    assert case.worth_up_to_per_year == pytest.approx(40 * 2 * 4 / 12 * 0.1 / CUSTOMER_HOURS * 150_000)


def test_compare_on_the_default_data_sets_the_automations_beside_the_options_with_net_savings(capsys):
    context = load_context(DEFAULT_SCENARIO)
    result = compare(context)
    frame = result.to_frame()
    base = plan(context).totals
    # AI review prep: 40% of EBR preparation (180 min, 4 a year, 81 accounts): 81 x 3 h x 4 / 12 x 0.4 = 32.4 h a
    # month, 0.31 FTE; Enterprise stays at 5 CSMs (4.96 FTE -> 4.65): no saving, $60k of tooling.
    # Help-centre deflection: 30% of SMB's questions, 1,343 x 10 min x 0.3 = 67.15 h a month, 0.64 FTE: 5 -> 4 CSMs,
    # $120k saved for 1,343 x $15 = $20,145 of tooling: $99,855 a year net.
    ai, deflection = frame.loc["AI review prep"], frame.loc["Help-centre deflection"]
    assert ai["kind"] == "automation" and ai["headcount_change"] == 0
    assert ai["tooling_cost_per_year"] == 60_000 and ai["net_saving_per_year"] == -60_000
    assert deflection["headcount_change"] == -1 and deflection["tooling_cost_per_year"] == 20_145
    assert deflection["net_saving_per_year"] == 99_855
    assert frame.loc["SMB goes digital", "net_saving_per_year"] == 240_000  # an option: no tooling, its cost saved
    cases = {c.name: c for c in result.automations}
    assert cases["AI review prep"].hours_per_month == pytest.approx(81 * 3 * 4 / 12 * 0.4)
    assert cases["Help-centre deflection"].hours_per_month == pytest.approx(1343 * 10 / 60 * 0.3)
    worth = 81 * 3 * 4 / 12 * 0.4 / CUSTOMER_HOURS * 175_000
    assert cases["AI review prep"].worth_up_to_per_year == pytest.approx(worth)
    assert base.tooling_cost_per_year == 0
    assert main(["compare", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    assert "the plan and 3 option(s) and 2 automation(s) side by side" in out
    saving = next(line for line in out.splitlines() if line.startswith("Saving a year net of tooling"))
    assert saving.split()[-2:] == ["-$60k", "$99.9k"]
    tooling = next(line for line in out.splitlines() if line.startswith("Tooling a year"))
    assert tooling.split()[-2:] == ["$60k", "$20.1k"]
    assert ("Help-centre deflection deflects 30% of SMB's Inbound questions: 67 CSM hours a month (0.64 FTE). In this "
            "plan it saves 1 CSM ($120k a year), $99.9k a year net of its $20.1k of tooling; it is worth up to "
            "$77.1k a year as the team grows (0.64 FTE at $120k a CSM).") in out


def test_the_cases_frame_has_one_row_per_automation():
    frame = cases_frame(hire_or_automate(load_context(DEFAULT_SCENARIO)))
    assert list(frame["name"]) == ["AI review prep", "Help-centre deflection"]
    assert list(frame.columns)[:3] == ["name", "segment", "touchpoint"]
