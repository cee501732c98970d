"""Three years ahead: a plan worked by hand, to the cent, against ``capacity fiscal --json`` and ``--years``.

The scenario (``three_years``) is small enough to work on paper:

- a CSM has 40 h x 52 weeks / 12 x 0.6 = 104 customer hours a month and costs 120,000 a year (10,000 a month);
  one manager for up to 10 CSMs costs 180,000 a year (15,000 a month); no attrition, no lead time, no ramp,
  a 100% target, so the team in each month is the demand rounded up (the plan never lays anyone off);
- **Enterprise**: 104 customers at 100,000 ARR, one 60-minute review a month (1 h: 104 customers are 1 FTE);
  new customers by year: 2, 4 and 6 a month (``new_customers_per_month_by_year``);
- **SMB**: 208 customers at 10,000 ARR, one 30-minute check-in a month (0.5 h: 208 customers are 1 FTE);
  8 new customers a month growing 50% a year (``new_customers_growth_per_year``): 8, 12, 18 a month;
- a 5% raise from 2027-07 (month 6), again every twelve months: 1, 1.05, 1.1025, 1.157625.
"""

import json

import pytest

from capacity import load_scenario
from capacity.apps.cli import main
from capacity.model.fiscal import fiscal_plan

CENT = 0.005


def three_years() -> dict:
    return {
        "name": "Three years",
        "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 0.6,
                "loaded_cost_per_year": 120_000},
        "segments": [
            {"name": "Enterprise", "min_arr": 50_000, "customers": 104, "arr": 10_400_000,
             "touchpoints": [{"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 1}],
             "new_customers_per_month_by_year": [2, 4, 6]},
            {"name": "SMB", "min_arr": 0, "customers": 208, "arr": 2_080_000,
             "touchpoints": [{"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1}],
             "new_customers_per_month": 8, "new_customers_growth_per_year": 0.5},
        ],
        "fiscal_year": {"start": "2027-01", "months": 36, "starting_headcount": {"Enterprise": 1, "SMB": 1},
                        "hiring_lead_time_months": 0, "ramp_months": 0, "attrition_per_year": 0,
                        "target_utilization": 1.0, "csms_per_manager": 10, "manager_loaded_cost_per_year": 180_000,
                        "salary_increase": {"month": "2027-07", "rate": 0.05}},
    }


# -- by hand ---------------------------------------------------------------------------------------
# Customers at month end (t = 0 is 2027-01): Enterprise 104 + 2 (t + 1) in year 1 (128 at its end), + 4 a month
# in year 2 (176), + 6 a month in year 3 (248); SMB 208 + 8 (t + 1) in year 1 (304), + 12 a month (448), + 18 a
# month (664).
# CSMs = demand rounded up: Enterprise needs C / 104 FTE: 106 / 104 > 1 in month 0, so 2; more than 208 customers
# (3 CSMs) from 176 + 6 x 6 = 212 in month 29 (2029-06). SMB needs C / 208: 216 / 208 > 1 in month 0, so 2; more
# than 416 from 304 + 12 x 10 = 424 in month 21 (2028-10), 3; more than 624 from 448 + 18 x 10 = 628 in month 33
# (2029-10), 4. The team: 4 CSMs in months 0-20, 5 in 21-28, 6 in 29-32, 7 in 33-35; always 1 manager.
# A month costs (CSMs x 10,000 + 15,000) x the raise factor.
YEAR_1_COST = 6 * (4 * 10_000 + 15_000) * 1.0 + 6 * (4 * 10_000 + 15_000) * 1.05            # 330,000 + 346,500
YEAR_2_COST = (6 * 55_000 * 1.05                                                             # months 12-17: 346,500
               + 3 * 55_000 * 1.1025                                                         # months 18-20: 181,912.50
               + 3 * 65_000 * 1.1025)                                                        # months 21-23: 214,987.50
YEAR_3_COST = (5 * 65_000 * 1.1025                                                           # months 24-28: 358,312.50
               + 1 * 75_000 * 1.1025                                                         # month 29: 82,687.50
               + 3 * 75_000 * 1.157625                                                       # months 30-32: 260,465.625
               + 3 * 85_000 * 1.157625)                                                      # months 33-35: 295,194.375
HAND = [
    # customers, ARR (100,000 and 10,000 each), CSMs, hires, cost
    {"customers": 128 + 304, "arr": 128 * 100_000 + 304 * 10_000, "csms": 4, "hires": 2, "cost": YEAR_1_COST},
    {"customers": 176 + 448, "arr": 176 * 100_000 + 448 * 10_000, "csms": 5, "hires": 1, "cost": YEAR_2_COST},
    {"customers": 248 + 664, "arr": 248 * 100_000 + 664 * 10_000, "csms": 7, "hires": 2, "cost": YEAR_3_COST},
]


def test_the_hand_worked_costs_are_what_the_comments_say():
    assert YEAR_1_COST == pytest.approx(676_500.00, abs=CENT)
    assert YEAR_2_COST == pytest.approx(743_400.00, abs=CENT)
    assert YEAR_3_COST == pytest.approx(996_660.00, abs=CENT)


def test_three_years_by_hand_match_fiscal_json_to_the_cent(tmp_path, capsys):
    path = tmp_path / "three-years.yaml"
    path.write_text(json.dumps(three_years()), encoding="utf-8")  # JSON is YAML
    assert main(["fiscal", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    years = data["years"]
    assert [(y["year"], y["first_month"], y["last_month"], y["months"]) for y in years] == [
        (1, "2027-01", "2027-12", 12), (2, "2028-01", "2028-12", 12), (3, "2029-01", "2029-12", 12)]
    for year, hand in zip(years, HAND):
        assert year["customers"] == pytest.approx(hand["customers"], abs=1e-9)
        assert year["arr"] == pytest.approx(hand["arr"], abs=CENT)
        assert year["csms"] == hand["csms"]
        assert year["managers"] == 1
        assert year["hires"] == hand["hires"]
        assert year["leavers"] == 0
        assert year["cost"] == pytest.approx(hand["cost"], abs=CENT)
        assert year["manager_cost"] + year["csm_cost"] == pytest.approx(hand["cost"], abs=CENT)
        assert year["tooling_cost"] == 0
        assert year["cost_pct_arr"] == pytest.approx(hand["cost"] / hand["arr"], abs=1e-12)
        assert year["arr_per_csm"] == pytest.approx(hand["arr"] / hand["csms"], abs=CENT)
        # The business case of the year: cost / gross margin (0.8 by default), and that as a share of ARR.
        total = year["payback"]["total"]
        assert total["break_even_arr_per_year"] == pytest.approx(hand["cost"] / 0.8, abs=CENT)
        assert total["break_even_share_of_arr"] == pytest.approx(hand["cost"] / 0.8 / hand["arr"], abs=1e-12)
    # 845,625.00, 929,250.00 and 1,245,825.00 a year to keep or add
    assert [round(y["payback"]["total"]["break_even_arr_per_year"], 2) for y in years] == [845_625.0, 929_250.0,
                                                                                             1_245_825.0]
    assert data["summary"]["total_cost"] == pytest.approx(YEAR_1_COST + YEAR_2_COST + YEAR_3_COST, abs=CENT)
    assert data["summary"]["year_end_headcount"] == 7
    # The months behind the years: arrivals grow by year, the raise compounds on its anniversaries.
    rows = {(r["month"], r["segment"]): r for r in data["rows"]}
    assert [rows[(m, "Enterprise")]["new_customers"] for m in ("2027-12", "2028-01", "2029-01")] == [2, 4, 6]
    assert [rows[(m, "SMB")]["new_customers"] for m in ("2027-12", "2028-01", "2029-01")] == [8, 12, 18]
    assert [rows[(m, "SMB")]["headcount"] for m in ("2028-09", "2028-10", "2029-09", "2029-10")] == [2, 3, 3, 4]
    assert rows[("2029-06", "Enterprise")]["headcount"] == 3 and rows[("2029-05", "Enterprise")]["headcount"] == 2
    assert rows[("2029-12", "SMB")]["csm_cost"] == pytest.approx(4 * 10_000 * 1.157625, abs=CENT)


def test_fiscal_years_prints_the_years_side_by_side(tmp_path, capsys):
    path = tmp_path / "three-years.yaml"
    path.write_text(json.dumps(three_years()), encoding="utf-8")
    assert main(["fiscal", str(path), "--years"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("Measure"))
    assert "Year 1" in header and "Year 2" in header and "Year 3" in header
    assert any(line.startswith("Cost, managers and tooling") and "$676,500" in line and "$743,400" in line
               and "$996,660" in line for line in lines)
    assert any(line.startswith("CSMs at year end") and line.split()[-3:] == ["4", "5", "7"] for line in lines)
    assert main(["fiscal", str(path), "--years", "--json"]) == 0
    years = json.loads(capsys.readouterr().out)
    assert [y["csms"] for y in years] == [4, 5, 7]


def test_a_one_year_plan_keeps_its_shape_and_has_one_year():
    data = three_years()
    data["fiscal_year"]["months"] = 12
    data["segments"][0]["new_customers_per_month_by_year"] = [2]
    result = fiscal_plan(load_scenario(data))
    assert "years" not in result.to_dict()
    (year,) = result.years
    assert year.cost == pytest.approx(YEAR_1_COST, abs=CENT) and year.csms == 4


def test_a_part_year_is_costed_a_year_for_its_ratios():
    data = three_years()
    data["fiscal_year"]["months"] = 18
    data["segments"][0]["new_customers_per_month_by_year"] = [2, 4]
    result = fiscal_plan(load_scenario(data))
    first, second = result.years
    assert (second.months, second.first_month, second.last_month) == (6, "2028-01", "2028-06")
    assert second.cost == pytest.approx(6 * 55_000 * 1.05, abs=CENT)
    assert second.cost_per_year == pytest.approx(second.cost * 2, abs=CENT)
    assert second.payback.total.break_even_arr_per_year == pytest.approx(second.cost * 2 / 0.8, abs=CENT)
    assert second.cost_pct_arr == pytest.approx(second.cost * 2 / second.arr, abs=1e-12)


def test_adopted_tooling_is_in_the_cost_of_each_month_and_year(tmp_path, capsys):
    # Software takes half of SMB's check-ins at 6 a customer a year: 0.5 a customer a month. Year 1's SMB customers
    # at month end are 216, 224, ... 304 (208 + 8 (t + 1)): 12 x 208 + 8 x 78 = 3,120 customer-months, 1,560.
    data = three_years()
    data["segments"][1]["touchpoints"][0]["automation"] = {"name": "Bot", "share": 0.5, "cost_per_account_per_year": 6,
                                                          "adopted": True}
    result = fiscal_plan(load_scenario(data))
    first = result.years[0]
    assert first.tooling_cost == pytest.approx(1_560.0, abs=CENT)
    assert first.cost == pytest.approx(first.csm_cost + first.manager_cost + 1_560.0, abs=CENT)
    smb = result.segment_frame("SMB")
    assert smb["tooling_cost"][0] == pytest.approx(216 * 6 / 12, abs=1e-9)
    assert (smb["cost"] == smb["csm_cost"] + smb["manager_cost"] + smb["tooling_cost"]).all()
    assert result.summary.total_cost == pytest.approx(sum(y.cost for y in result.years), abs=CENT)
    assert "tooling_cost" in result.to_dict()["rows"][0]
    assert "tooling_cost" not in fiscal_plan(load_scenario(three_years())).to_dict()["rows"][0]
    assert first.payback.total.cost_per_year == pytest.approx(first.cost, abs=CENT)
