"""Prices rising with inflation over several years: ARR rises, and accounts cross fixed thresholds (or keep their
segment when the thresholds are indexed). A four-account book makes every move checkable by hand."""

import json

import numpy as np
import pytest

from capacity import load_scenario
from capacity.apps.cli import main
from capacity.model.fiscal import fiscal_plan

HOURS = 104.0  # customer hours per CSM a month


def scenario(tmp_path, **fiscal) -> dict:
    """SMB from 0 and Mid-Market from 10,000 of ARR; accounts at 5,000, 9,600, 9,800 and 20,000; no churn, no arrivals.

    At 3% a year, year 2 sees each ARR x 1.03 against the fixed 10,000: 9,800 x 1.03 = 10,094 crosses, 9,600 x 1.03
    = 9,888 does not; year 3 (x 1.0609): 9,600 x 1.0609 = 10,184.64 crosses too.
    """
    book = tmp_path / "book.csv"
    book.write_text("account_id,arr\nA1,5000\nA2,9600\nA3,9800\nA4,20000\n", encoding="utf-8")
    return {
        "name": "Inflation",
        "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 0.6,
                "loaded_cost_per_year": 120_000},
        "book": str(book),
        "segments": [
            {"name": "SMB", "min_arr": 0, "touchpoints": [{"name": "Check-in", "kind": "recurring", "minutes": 60,
                                                          "per_month": 1}],
             "new_customers_per_month": 0},
            {"name": "Mid-Market", "min_arr": 10_000, "touchpoints": [{"name": "Review", "kind": "recurring",
                                                                      "minutes": 120, "per_month": 1}],
             "new_customers_per_month": 0},
        ],
        "fiscal_year": {"start": "2027-01", "months": 36, "hiring_lead_time_months": 0, "ramp_months": 0,
                        "starting_headcount": {"SMB": 1, "Mid-Market": 1}, **fiscal},
    }


def by_segment(result, column: str, month: str) -> list[float]:
    frame = result.to_frame()
    return frame[frame["month"] == month].set_index("segment")[column].reindex(["SMB", "Mid-Market"]).tolist()


def test_accounts_cross_fixed_thresholds_as_prices_rise(tmp_path):
    result = fiscal_plan(load_scenario(scenario(tmp_path, inflation_per_year=0.03)))
    assert by_segment(result, "customers", "2027-12") == [3, 1]  # year 1: today's segments
    assert by_segment(result, "customers", "2028-01") == pytest.approx([2, 2])  # 9,800 has crossed
    assert by_segment(result, "customers", "2029-01") == pytest.approx([1, 3])  # 9,600 too
    # ARR: today's in year 1, x 1.03 in year 2, x 1.0609 in year 3; a crossing account brings its own ARR along.
    assert by_segment(result, "arr", "2027-12") == pytest.approx([5_000 + 9_600 + 9_800, 20_000])
    assert by_segment(result, "arr", "2028-01") == pytest.approx([(5_000 + 9_600) * 1.03, (9_800 + 20_000) * 1.03])
    assert by_segment(result, "arr", "2029-01") == pytest.approx([5_000 * 1.0609, (9_600 + 9_800 + 20_000) * 1.0609])
    # The work follows the segment: a Mid-Market customer takes 2 h a month, an SMB one 1 h.
    assert by_segment(result, "demand_fte", "2029-01") == pytest.approx([1 / HOURS, 3 * 2 / HOURS])
    assert "Mid-Market 0.0%" not in result.summary.notes[-1]
    assert result.summary.notes[-1].startswith("Prices rise 3.0% a year and the thresholds stay")
    assert "SMB 33.3%" in result.summary.notes[-1]  # one of SMB's three accounts moves up in year 2
    years = result.years
    assert [y.arr for y in years] == pytest.approx([44_400, 44_400 * 1.03, 44_400 * 1.0609])


def test_indexed_thresholds_keep_every_account_in_its_segment(tmp_path):
    result = fiscal_plan(load_scenario(scenario(tmp_path, inflation_per_year=0.03, index_thresholds=True)))
    for month in ("2027-12", "2028-01", "2029-12"):
        assert by_segment(result, "customers", month) == [3, 1]
    assert by_segment(result, "arr", "2029-12") == pytest.approx([24_400 * 1.0609, 20_000 * 1.0609])
    assert result.settings["inflation_per_year"] == 0.03 and result.settings["index_thresholds"] is True


def test_without_inflation_nothing_moves_and_the_settings_read_as_before(tmp_path):
    result = fiscal_plan(load_scenario(scenario(tmp_path)))
    assert by_segment(result, "arr", "2029-12") == [24_400, 20_000]
    assert "inflation_per_year" not in result.settings and "index_thresholds" not in result.settings


def test_without_a_book_segments_keep_their_customers_and_say_so(tmp_path):
    data = scenario(tmp_path, inflation_per_year=0.05)
    del data["book"]
    data["segments"][0].update(customers=3, arr=24_400)
    data["segments"][1].update(customers=1, arr=20_000)
    result = fiscal_plan(load_scenario(data))
    assert by_segment(result, "customers", "2029-12") == [3, 1]
    assert by_segment(result, "arr", "2029-12") == pytest.approx([24_400 * 1.1025, 20_000 * 1.1025])
    assert any(note.startswith("No book of accounts: with inflation_per_year") for note in result.summary.notes)


def test_the_json_and_the_simulation_agree_with_the_crossing(tmp_path, capsys):
    from capacity.analysis.simulate import simulate

    data = scenario(tmp_path, inflation_per_year=0.03, attrition_per_year=0.2)
    data["uncertainty"] = {"draws": 4}
    path = tmp_path / "inflation.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["fiscal", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["years"]) == 3 and out["settings"]["inflation_per_year"] == 0.03
    s = load_scenario(data)
    sim = simulate(s)
    plan = fiscal_plan(s)
    assert sim.total_cost.p50 == plan.summary.total_cost
    assert np.isclose(sim.months[-1].demand_fte.p50, plan.totals_frame()["demand_fte"].iloc[-1], rtol=0, atol=0)
