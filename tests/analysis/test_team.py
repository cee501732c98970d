"""Today's team: per-CSM loads worked by hand, the plan's hours all accounted for, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from capacity.apps.cli import main
from capacity.exceptions import BookError
from capacity.model.plan import plan
from capacity.analysis.team import team, utilization

from tests.conftest import DEFAULT_SCENARIO
from tests.team_fixtures import team_book, team_scenario

CUSTOMER_HOURS = 40 * 52 / 12 * 0.75  # 130 h/month


def rows_by_name(result):
    return {row.csm: row for row in result.csms}


def test_utilization_is_hours_over_capacity_and_nan_without_capacity():
    assert utilization(65.0, 130.0) == 0.5
    assert np.isnan(utilization(5.0, 0.0))
    np.testing.assert_allclose(utilization(np.array([13.0, 0.0]), np.array([130.0, 130.0])), [0.1, 0.0])


def test_loads_worked_by_hand():
    result = team(team_scenario(), team_book())
    rows = rows_by_name(result)
    assert set(rows) == {"Ann", "Bob", "Pool (pooled team)"}  # Cat is a member of the pool, not a row
    # Key: 2 h per customer; its 2 h/month of programs shared by the 3 owned Key accounts (A1, A2, A3).
    ann = rows["Ann"]
    assert ann.accounts == 2 and ann.arr == 180000 and ann.segments == ("Key",)
    assert ann.hours_per_month == pytest.approx(2 * (2 + 2 / 3))
    assert ann.capacity_hours_per_month == pytest.approx(CUSTOMER_HOURS)
    assert ann.utilization == pytest.approx(2 * (2 + 2 / 3) / CUSTOMER_HOURS)
    # Bob: A3 (Key) and A7 (Digital: no per-customer work; its programs are left out).
    bob = rows["Bob"]
    assert bob.accounts == 2 and bob.segments == ("Key", "Digital")
    assert bob.hours_per_month == pytest.approx(2 + 2 / 3)
    # The pool carries every Pool account, owned or not: 3 x 0.5 h + 4 h of programs, one member (Cat).
    pool = rows["Pool (pooled team)"]
    assert pool.accounts == 3 and pool.hours_per_month == pytest.approx(5.5)
    assert pool.capacity_hours_per_month == pytest.approx(CUSTOMER_HOURS)
    assert result.summary["pooled_teams"] == [{"team": "Pool (pooled team)", "members": ["Cat"]}]
    # A8 has no owner: its 2 h of touchpoints, no program share.
    assert result.unassigned["accounts"] == 1 and result.unassigned["arr"] == 55000
    assert result.unassigned["hours_per_month"] == pytest.approx(2.0)
    assert result.unassigned["account_ids"] == ["A8"]
    assert result.summary["digital_owners"] == [{"csm": "Bob", "segment": "Digital", "accounts": 1, "arr": 500.0}]
    assert result.summary["programs_left_out_hours_per_month"] == {"Digital": 1.0}
    assert result.summary["csms"] == 3


def test_health_multipliers_weigh_each_account():
    scenario = team_scenario(workload_multipliers={"column": "health", "values": {"red": 1.5, "yellow": 1.2, "green": 1}})
    rows = rows_by_name(team(scenario, team_book()))
    assert rows["Ann"].hours_per_month == pytest.approx(2 * 1.5 + 2 * 1.0 + 2 * 2 / 3)
    assert rows["Bob"].hours_per_month == pytest.approx(2 * 1.2 + 2 / 3)
    # The book's own column multiplies on top (A1: 1.5 x 2).
    book = team_book(workload_multiplier=[2, None, None, None, None, None, None, None])
    rows = rows_by_name(team(scenario, book))
    assert rows["Ann"].hours_per_month == pytest.approx(2 * 1.5 * 2 + 2 * 1.0 + 2 * 2 / 3)


def test_over_and_under_loaded_against_the_target():
    small = team_scenario(csm={"hours_per_week": 1.2, "weeks_per_year": 50, "pto_days": 0, "customer_time_share": 1,
                               "loaded_cost_per_year": 1})  # 5 h a month: Ann (5.33 h, 107%) over, Bob (2.67 h, 53%) under
    result = team(small, team_book())
    assert result.summary["target_utilization"] == 0.85
    assert "Ann" in result.summary["over"]
    assert "Bob" in result.summary["under"]  # 53% is more than 25 points below the 85% target
    assert result.summary["under_loaded_below"] == pytest.approx(0.60)
    frame = result.to_frame()
    assert frame.set_index("csm").loc["Ann", "status"] == "over"


def test_every_hour_of_the_plan_is_carried_by_a_csm_a_pool_or_an_unowned_account():
    scenario = team_scenario()
    result = team(scenario, team_book())
    planned = plan(scenario, team_book())
    non_digital = sum(s.customers * s.hours_per_customer_per_month + s.program_hours_per_month
                      for s in planned.segments if s.coverage != "digital")
    carried = sum(r.hours_per_month for r in result.csms) + result.unassigned["hours_per_month"]
    assert carried == pytest.approx(non_digital)


def test_default_data_team_sums_to_the_plan_and_json_has_the_documented_shape(capsys):
    assert main(["team", str(DEFAULT_SCENARIO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"csms", "unassigned", "summary"}
    assert all(set(row) == {"csm", "segments", "accounts", "arr", "hours_per_month", "capacity_hours_per_month",
                            "utilization"} for row in data["csms"])
    planned = plan(DEFAULT_SCENARIO)
    dedicated_and_pooled = sum(s.customers * s.hours_per_customer_per_month + s.program_hours_per_month
                               for s in planned.segments if s.coverage != "digital")
    digital_direct = sum(s.customers for s in planned.segments if s.coverage == "digital")  # owned Long tail work
    carried = sum(r["hours_per_month"] for r in data["csms"]) + data["unassigned"]["hours_per_month"]
    # Unowned accounts carry no program share; owned digital accounts add their few minutes.
    assert carried <= dedicated_and_pooled + digital_direct
    assert carried > 0.98 * dedicated_and_pooled
    assert data["summary"]["over"] and data["summary"]["under"]  # the sample book is imbalanced
    assert data["unassigned"]["accounts"] > 0 and data["summary"]["digital_owners"]


def test_text_output_names_the_over_loaded(capsys):
    assert main(["team", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    assert "Over-loaded:" in out and "Alex Morgan" in out and "SMB (pooled team)" in out


def test_a_book_without_owners_is_refused(tmp_path):
    book = tmp_path / "b.csv"
    book.write_text("account_id,arr\nA,100\n", encoding="utf-8")
    with pytest.raises(BookError, match="has no csm column"):
        team(team_scenario(), book)
