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
    assert set(data) == {"csms", "unassigned", "summary", "calendar"}  # the book has renewal dates
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


# -- the calendar: renewals per quarter and the busiest month ---------------------------------------

RENEWALS = ["2027-02-10", "2027-05-01", "2027-04-30", "2027-11-20", "2026-08-15", "2027-06-30", "", "2028-01-31"]


def _dated(**fiscal):
    scenario = team_scenario(fiscal_year={"start": "2027-02", "starting_headcount": {}, **fiscal})
    scenario["segments"][0]["touchpoints"].append(
        {"name": "Renewal prep", "kind": "recurring", "minutes": 240, "per_year": 1, "at": "renewal",
         "offset_days": -90})
    return scenario


def test_renewals_per_quarter_of_the_fiscal_year_by_hand():
    result = team(team_scenario(fiscal_year={"start": "2027-02"}), team_book(renewal_date=RENEWALS))
    cal = result.calendar
    assert cal.quarters == ("Q1 (Feb-Apr)", "Q2 (May-Jul)", "Q3 (Aug-Oct)", "Q4 (Nov-Jan)")
    assert not cal.dated and all(c.busiest_month is None for c in cal.csms)
    by_csm = {c.csm: c for c in cal.csms}
    # Ann: A1 10 Feb (Q1), A2 1 May (Q2); Bob: A3 30 April (Q1), and A7 (his digital account) has no date
    assert [(q.accounts, q.arr) for q in by_csm["Ann"].renewals] == [(1, 100000), (1, 80000), (0, 0), (0, 0)]
    assert [(q.accounts, q.arr) for q in by_csm["Bob"].renewals] == [(1, 60000), (0, 0), (0, 0), (0, 0)]
    assert by_csm["Bob"].accounts_without_date == 1
    # The pooled team: A4 20 November (Q4), A5 15 August 2026 (a past date: Q3), A6 30 June (Q2, no owner but pooled)
    pool = by_csm["Pool (pooled team)"]
    assert [q.accounts for q in pool.renewals] == [0, 1, 1, 1] and pool.accounts_without_date == 0
    # A8, a Key account with no owner, renews 31 January 2028: the year's last month, Q4
    assert [(q.accounts, q.arr) for q in cal.unassigned] == [(0, 0), (0, 0), (0, 0), (1, 55000)]


def test_calendar_quarters_without_a_fiscal_year_are_calendar_quarters():
    cal = team(team_scenario(), team_book(renewal_date=RENEWALS)).calendar
    assert cal.quarters == ("Q1 (Jan-Mar)", "Q2 (Apr-Jun)", "Q3 (Jul-Sep)", "Q4 (Oct-Dec)")
    ann = next(c for c in cal.csms if c.csm == "Ann")
    assert [q.accounts for q in ann.renewals] == [1, 1, 0, 0]


def test_the_busiest_month_places_the_renewal_work_by_hand():
    result = team(_dated(), team_book(renewal_date=RENEWALS))
    cal = result.calendar
    assert cal.dated
    ann = next(c for c in cal.csms if c.csm == "Ann")
    # Ann's month: 2 Key accounts x 2 h of reviews + the Council (2 h/month shared by Ann's 2 and Bob's 1 Key
    # accounts: 4/3 h) + renewal prep 4 h a year each, spread 1/3 h a month: 4 + 4/3 + 2/3 = 6 h a month.
    row = next(r for r in result.csms if r.csm == "Ann")
    assert row.hours_per_month == pytest.approx(6.0)
    # In the calendar the prep lands whole: A1 renews 10 Feb (prep 12 Nov), A2 1 May (prep 31 Jan).
    assert ann.busiest_month in ("2027-11", "2028-01")
    assert ann.busiest_hours == pytest.approx(4 + 4 / 3 + 4)
    assert ann.busiest_utilization == pytest.approx((4 + 4 / 3 + 4) / 130)


def test_each_csms_twelve_months_are_twelve_of_their_months():
    from capacity.analysis.team import _unit_months, account_loads, loads_by_unit
    from capacity.inputs.context import load_context
    from capacity.model.calendar import calendar_window

    context = load_context(DEFAULT_SCENARIO)
    loads = account_loads(context.scenario, context.book)
    hours, _, _ = loads_by_unit(loads)
    months = _unit_months(context.scenario, context.book, loads, calendar_window(context.scenario)[0])
    assert months.sum(axis=1) == pytest.approx(12 * hours, rel=1e-12, abs=1e-9)
    assert (months.max(axis=1) > hours + 1).any()  # the dated work makes some months heavier


def test_a_book_without_renewal_dates_and_a_scenario_without_dates_has_no_calendar(capsys):
    result = team(team_scenario(), team_book())
    assert result.calendar is None and "calendar" not in result.to_dict()


def test_the_default_team_shows_renewals_per_quarter_per_csm(capsys):
    assert main(["team", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    assert "Renewals per quarter (accounts, ARR) and the busiest month" in out
    assert "Q1 (Feb-Apr)" in out and "Q4 (Nov-Jan)" in out and "Busiest month" in out
    assert main(["team", str(DEFAULT_SCENARIO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["calendar"]
    assert main(["team", str(DEFAULT_SCENARIO), "--json"]) == 0
    team_data = json.loads(capsys.readouterr().out)
    renewing = sum(q["accounts"] for c in data["csms"] for q in c["renewals"]) + \
        sum(q["accounts"] for q in data["unassigned"])
    # every account a CSM, a pool or nobody (outside the digital tier) carries, by its renewal quarter
    assert renewing == sum(r["accounts"] for r in team_data["csms"]) + team_data["unassigned"]["accounts"]
    assert all(len(c["renewals"]) == 4 and c["busiest_month"] for c in data["csms"])
