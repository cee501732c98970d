"""Does it pay back: each segment's CS cost against the ARR it must keep or add, worked by hand on the default data."""

from __future__ import annotations

import csv
import json

import pytest

from capacity import load_scenario, plan
from capacity.apps.cli import main
from capacity.model.payback import TOTAL

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO

THRESHOLDS = {"Enterprise": 100_000, "Mid-Market": 25_000, "SMB": 5_000, "Long tail": 0}


def book_arr() -> dict[str, float]:
    """Each segment's ARR summed from capacity/sample/book.csv by hand (an account belongs to the highest threshold at or
    below it)."""
    out = dict.fromkeys(THRESHOLDS, 0.0)
    with open(DEFAULT_BOOK, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            arr = float(row["arr"])
            out[next(name for name, low in THRESHOLDS.items() if arr >= low)] += arr
    return out


def test_the_default_plan_json_has_the_hand_worked_break_even(capsys):
    # The default data: gross_margin 0.8, retention_by_coverage {dedicated: 0.92, pooled: 0.88, digital: 0.80},
    # and two automations listed but not adopted (AI review prep, Help-centre deflection): they leave the plan as it is.
    arr = book_arr()
    assert arr == {"Enterprise": 14_784_400, "Mid-Market": 22_181_700, "SMB": 15_975_010, "Long tail": 2_741_800}
    # A CSM's customer hours: (40 h x 52 weeks - 25 days x 8 h) / 12 = 156.667 h a month, x 0.6667 = 104.449 h.
    # Mid-Market, by hand: per customer a month, success plan review 45 min x 4 / 12 = 0.25 h, business review
    # 60 x 2 / 12 = 0.1667 h, check-in 0.5 h, renewal call 60 / 12 = 0.0833 h, kick-off 90 min x 0.30 / 12 = 0.0375 h,
    # onboarding 240 x 0.30 / 12 = 0.1 h, questions 15 min x 2 = 0.5 h: 1.6375 h; x 492 customers + the 1 h webinar
    # = 806.65 h a month / 104.449 = 7.72 FTE -> 8 CSMs x $150,000 = $1,200,000.
    # Enterprise 5 CSMs x $175,000, SMB 5 x $120,000, Long tail 1 x $110,000 (sized as the golden plan has them).
    cost = {"Enterprise": 875_000, "Mid-Market": 1_200_000, "SMB": 600_000, "Long tail": 110_000}
    churn = {"Enterprise": 0.06, "Mid-Market": 0.10, "SMB": 0.18, "Long tail": 0.30}
    retention = {"Enterprise": 0.92, "Mid-Market": 0.92, "SMB": 0.88, "Long tail": 0.80}
    # Break-even ARR = cost / 0.8: Enterprise 1,093,750; Mid-Market 1,500,000 (6.76 points of 22,181,700: "they pay
    # back if they keep 6.8 points"); SMB 750,000; Long tail 137,500. ARR kept beyond digital (80%): Enterprise
    # 14,784,400 x 0.12 = 1,774,128 ($2.03 per CS dollar); Mid-Market 2,661,804 ($2.22); SMB 15,975,010 x 0.08 =
    # 1,278,000.80 ($2.13); Long tail is digital itself: 0 kept, no return to measure.
    expected_kept = {"Enterprise": 1_774_128, "Mid-Market": 2_661_804, "SMB": 1_278_000.8, "Long tail": 0.0}
    assert main(["plan", str(DEFAULT_SCENARIO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["payback"]
    assert data["gross_margin"] == 0.8 and data["floor_coverage"] == "digital" and data["floor_retention"] == 0.8
    rows = {r["name"]: r for r in data["segments"]}
    assert list(rows) == list(THRESHOLDS)
    for name in THRESHOLDS:
        r = rows[name]
        assert r["cost_per_year"] == cost[name]
        assert r["arr"] == arr[name]
        assert r["break_even_arr_per_year"] == pytest.approx(cost[name] / 0.8, rel=1e-15)
        assert r["break_even_share_of_arr"] == pytest.approx(cost[name] / 0.8 / arr[name], rel=1e-15)
        assert r["churn_per_year"] == churn[name]
        assert r["churned_arr_per_year"] == pytest.approx(arr[name] * churn[name])
        assert r["retention"] == retention[name]
        assert r["arr_kept_per_year"] == pytest.approx(expected_kept[name])
    assert rows["Enterprise"]["break_even_arr_per_year"] == 1_093_750
    assert rows["Mid-Market"]["break_even_arr_per_year"] == 1_500_000
    assert round(rows["Mid-Market"]["break_even_share_of_arr"] * 100, 1) == 6.8
    assert rows["Enterprise"]["arr_kept_per_dollar"] == pytest.approx(1_774_128 / 875_000)
    assert rows["Mid-Market"]["arr_kept_per_dollar"] == pytest.approx(2.21817)
    assert rows["SMB"]["arr_kept_per_dollar"] == pytest.approx(1_278_000.8 / 600_000)
    assert [rows[n]["pays_back"] for n in THRESHOLDS] == [True, True, True, None]
    assert rows["Long tail"]["arr_kept_per_dollar"] is None
    total = data["total"]
    assert total["name"] == TOTAL and total["headcount"] == 19
    assert total["cost_per_year"] == 2_785_000 and total["break_even_arr_per_year"] == 3_481_250
    assert total["arr"] == 55_682_910
    assert total["break_even_share_of_arr"] == pytest.approx(3_481_250 / 55_682_910)
    # The book's churn: ARR lost a year over ARR, (887,064 + 2,218,170 + 2,875,501.8 + 822,540) / 55,682,910.
    assert total["churned_arr_per_year"] == pytest.approx(6_803_275.8)
    assert total["churn_per_year"] == pytest.approx(6_803_275.8 / 55_682_910)
    assert total["arr_kept_per_year"] == pytest.approx(5_713_932.8)
    assert total["arr_kept_per_dollar"] == pytest.approx(5_713_932.8 / 2_785_000) and total["pays_back"] is True


def test_an_adopted_automation_adds_its_tooling_to_the_cost_that_must_pay_back(capsys):
    # Help-centre deflection adopted: 30% of SMB's inbound questions (10 min, once a month) never reach a CSM.
    # SMB per customer: health check 20 min x 4 / 12 = 0.1111 h, renewal outreach 15 / 12 min = 0.0208 h, welcome call
    # 60 min x 0.35 / 12 = 0.0292 h, questions 10 min x 1 x 0.7 = 0.1167 h: 0.2778 h x 1,343 + 8 h of programs
    # = 381.1 h / 104.449 = 3.65 FTE -> 4 CSMs (5 without it). Cost 4 x 120,000 + tooling 1,343 x $15 = 500,145;
    # break-even 500,145 / 0.8 = 625,181.25.
    adopt = "segments[SMB].touchpoints[Inbound questions].automation.adopted=true"
    assert main(["plan", str(DEFAULT_SCENARIO), "--json", "--set", adopt]) == 0
    data = json.loads(capsys.readouterr().out)
    smb = next(s for s in data["segments"] if s["name"] == "SMB")
    assert smb["headcount"] == 4 and smb["cost_per_year"] == 480_000
    assert smb["automation"] == {"names": ["Help-centre deflection"],
                                 "automated_hours_per_month": pytest.approx(1343 * 10 / 60 * 0.3),
                                 "tooling_cost_per_year": 20_145}
    assert smb["hours_per_customer_per_month"] == pytest.approx(20 * 4 / 12 / 60 + 15 / 12 / 60 + 60 * 0.35 / 12 / 60
                                                               + 10 / 60 * 0.7)
    row = next(r for r in data["payback"]["segments"] if r["name"] == "SMB")
    assert row["cost_per_year"] == 500_145 and row["break_even_arr_per_year"] == 625_181.25
    assert data["totals"]["tooling_cost_per_year"] == 20_145
    assert data["payback"]["total"]["cost_per_year"] == 2_785_000 - 120_000 + 20_145


def test_the_gross_margin_is_read(example):
    example["gross_margin"] = 0.6
    result = plan(example)
    cost = result.totals.cost_per_year
    assert result.payback.total.break_even_arr_per_year == pytest.approx(cost / 0.6)
    assert result.payback.total.break_even_share_of_arr == pytest.approx(cost / 0.6 / 8_000_000)


def test_without_retention_data_there_is_a_break_even_and_no_return(example):
    result = plan(example).payback
    assert not result.has_return and result.floor_coverage is None
    seg = result.segments[0]
    assert (seg.retention, seg.arr_kept_per_year, seg.arr_kept_per_dollar, seg.pays_back) == (None, None, None, None)
    assert seg.break_even_arr_per_year == pytest.approx(seg.cost_per_year / 0.8)


def test_a_coverage_the_data_leave_out_has_no_return_and_the_total_none():
    data = {"csm": {"customer_time_share": 0.5, "loaded_cost_per_year": 100_000},
            "retention_by_coverage": {"dedicated": 0.95, "digital": 0.85},
            "segments": [
                {"name": "Large", "min_arr": 50_000, "customers": 20, "arr": 2_000_000, "touchpoints": [
                    {"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 2}]},
                {"name": "Small", "min_arr": 0, "coverage": "pooled", "customers": 200, "arr": 1_000_000,
                 "churn_per_year": 0.2, "touchpoints": [
                     {"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1}]}]}
    result = plan(data).payback
    large, small = result.segments
    # Large: 20 x 2 h = 40 h a month / (156.67 x 0.5) = 0.51 FTE -> 1 CSM, $100k; keeps 2M x (0.95 - 0.85) = 200k.
    assert large.arr_kept_per_year == pytest.approx(200_000) and large.arr_kept_per_dollar == pytest.approx(2.0)
    assert large.pays_back is True  # 200k >= 100k / 0.8 = 125k
    assert small.retention is None and small.arr_kept_per_year is None
    assert result.total.arr_kept_per_year is None and result.total.pays_back is None
    assert result.total.churn_per_year == pytest.approx(0.2 * 1_000_000 / 3_000_000)


def test_a_segment_that_keeps_less_than_its_break_even_does_not_pay_back():
    data = {"csm": {"customer_time_share": 0.5, "loaded_cost_per_year": 100_000}, "gross_margin": 0.5,
            "retention_by_coverage": {"dedicated": 0.90, "digital": 0.88},
            "segments": [{"name": "Only", "min_arr": 0, "customers": 20, "arr": 2_000_000, "touchpoints": [
                {"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 2}]}]}
    seg = plan(data).payback.segments[0]
    # 1 CSM at $100k needs $200k kept at a 50% margin; 2 points of $2M is $40k: $0.40 per CS dollar.
    assert seg.break_even_arr_per_year == 200_000 and seg.arr_kept_per_year == pytest.approx(40_000)
    assert seg.arr_kept_per_dollar == pytest.approx(0.4) and seg.pays_back is False


def test_every_option_carries_its_own_break_even():
    scenario = load_scenario(DEFAULT_SCENARIO)
    digital = plan(scenario.with_changes(scenario.options[0].changes))
    smb = digital.payback.segment("SMB")
    assert smb.coverage == "digital" and smb.retention == 0.80 and smb.arr_kept_per_year == 0
    assert smb.cost_per_year == digital.segment("SMB").cost_per_year
