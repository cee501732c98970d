"""The calendar: work lands in the month it happens, and a touchpoint's year stays what the plan says."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity import Book, load_scenario, plan
from capacity.inputs.context import Context, load_context
from capacity.model.calendar import book_calendar, has_calendar
from capacity.model.fiscal import ALL_SEGMENTS, fiscal_plan

from tests.conftest import DATA


def _book(renewals: list[str], arr: list[float] | None = None, **columns) -> Book:
    arr = arr if arr is not None else [1000.0] * len(renewals)
    return Book.from_frame(pd.DataFrame({"account_id": [f"A{i:03d}" for i in range(len(renewals))], "arr": arr,
                                         "renewal_date": renewals, **columns}))


def _one_segment(touchpoints: list[dict], start: str = "2027-01", months: int = 12, **segment) -> dict:
    return {
        "name": "Calendar",
        "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 0.6,
                "loaded_cost_per_year": 120_000},
        "segments": [{"name": "Core", "min_arr": 0, "touchpoints": touchpoints, "new_customers_per_month": 0,
                      "churn_per_year": 0, **segment}],
        "fiscal_year": {"start": start, "months": months, "starting_headcount": {"Core": 1},
                        "hiring_lead_time_months": 0, "ramp_months": 0, "target_utilization": 1.0},
    }


PREP = {"name": "Renewal preparation", "kind": "recurring", "minutes": 240, "per_year": 1, "at": "renewal",
        "offset_days": -90}
TWELVE = ["2027-04-15"] * 4 + ["2027-05-20"] * 4 + ["2027-06-30"] * 4


# -- the hand-worked example ------------------------------------------------------------------


def test_twelve_accounts_renewing_in_three_months_to_the_minute():
    """12 accounts renew on 15 April, 20 May and 30 June 2027 (four each); renewal preparation takes 240 minutes,
    90 days before: 15 January, 19 February and 1 April. 4 x 240 min = 960 min = 16 h in each of those months,
    nothing in the others, 48 h in the year = 12 x 4 h."""
    context = load_context(_one_segment([PREP]), _book(TWELVE))
    minutes = np.array(book_calendar(context).hours[0]) * 60
    expected = np.zeros(12)
    expected[[0, 1, 3]] = 960.0
    assert minutes.tolist() == expected.tolist()  # to the minute, exactly
    assert minutes.sum() / 60 == 12 * 4
    assert plan(context).segments[0].hours_per_customer_per_month * 12 * 12 == pytest.approx(48)
    year = fiscal_plan(context)  # no churn, no arrivals: the fiscal year's dated demand is the same hours
    customer_hours = plan(context).csm.customer_hours_per_month
    demand_minutes = np.array(year.segment_frame("Core")["demand_fte"]) * customer_hours * 60
    assert demand_minutes == pytest.approx(expected, abs=1e-9)
    assert year.calendar.average_demand_fte["Core"] == pytest.approx([48 / 12 / customer_hours] * 12)


def test_past_and_far_renewal_dates_roll_to_the_anniversary_and_blanks_spread_evenly():
    renewals = ["2019-04-15", "2031-04-15", "2027-04-15", ""]
    context = load_context(_one_segment([PREP]), _book(renewals))
    hours = np.array(book_calendar(context).hours[0])
    assert hours[0] == pytest.approx(3 * 4 + 4 / 12)  # three dated accounts in January, the blank one a 12th
    assert hours[1:] == pytest.approx([4 / 12] * 11)
    assert book_calendar(context).undated_accounts == {"Core": 1}
    assert any("without a renewal date" in note for note in fiscal_plan(context).summary.notes)


def test_a_renewal_on_31_january_minus_30_days_is_in_january_minus_31_in_december():
    for offset, month in ((-30, 0), (-31, 11)):
        tp = {**PREP, "offset_days": offset}
        hours = book_calendar(load_context(_one_segment([tp]), _book(["2027-01-31"]))).hours[0]
        assert np.flatnonzero(hours).tolist() == [month]


@pytest.mark.parametrize("start, expected", [("2027-01", [2, 5, 8, 11]), ("2027-02", [2, 5, 8, 11]),
                                             ("2027-07", [2, 5, 8, 11])])
def test_the_last_month_of_each_fiscal_quarter_whatever_the_first_month(start, expected):
    review = {"name": "Business review", "kind": "recurring", "minutes": 60, "per_year": 4,
              "at": {"months_of_quarter": [3]}}
    context = load_context(_one_segment([review], start=start), _book(["2027-06-01"] * 6))
    hours = np.array(book_calendar(context).hours[0])
    assert np.flatnonzero(hours).tolist() == expected
    assert hours[expected] == pytest.approx([6.0] * 4)  # six customers, an hour each, every quarter


def test_calendar_months_and_programs():
    board = {"name": "Advisory board", "kind": "program", "minutes": 480, "per_year": 2, "at": {"months": [5, 11]}}
    context = load_context(_one_segment([board], start="2027-02"), _book(["2027-06-01"]))
    hours = np.array(book_calendar(context).hours[0])
    assert hours.tolist() == [0, 0, 0, 8.0, 0, 0, 0, 0, 0, 8.0, 0, 0]  # May and November of a year from February


def test_onboarding_spread_over_the_first_months_in_the_fiscal_year():
    onboarding = {"name": "Onboarding", "kind": "one_time", "minutes": 600, "spread_months": 3}
    data = _one_segment([onboarding], new_customers_per_month=[3, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0])
    context = load_context(data, _book(["2027-06-01"] * 10))
    year = fiscal_plan(context)
    customer_hours = plan(context).csm.customer_hours_per_month
    hours = np.array(year.segment_frame("Core")["demand_fte"]) * customer_hours
    # 3 customers x 10 h over January to March, 6 over May to July; none arrived in the year's last two months.
    assert hours == pytest.approx([10, 10, 10, 0, 20, 20, 20, 0, 0, 0, 0, 0], abs=1e-9)
    average = np.array(year.calendar.average_demand_fte["Core"]) * customer_hours
    assert average == pytest.approx([30, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0], abs=1e-9)  # in the month they arrive


def test_onboarding_of_the_months_before_the_year_reaches_into_it():
    onboarding = {"name": "Onboarding", "kind": "one_time", "minutes": 600, "spread_months": 3}
    data = _one_segment([onboarding], new_customers_per_month=[0] * 11 + [6])  # the schedule repeats: 6 last December
    context = load_context(data, _book(["2027-06-01"]))
    year = fiscal_plan(context)
    hours = np.array(year.segment_frame("Core")["demand_fte"]) * plan(context).csm.customer_hours_per_month
    assert hours == pytest.approx([20, 20] + [0] * 9 + [20], abs=1e-9)  # the whole 60 h within the year's months


def test_new_customers_prepare_their_first_renewal_a_year_after_they_arrive():
    data = _one_segment([PREP], months=24, new_customers_per_month=[31] + [0] * 23, customers=0, arr=0)
    year = fiscal_plan(Context(load_scenario(data), None))
    customer_hours = plan(Context(load_scenario(data), None)).csm.customer_hours_per_month
    hours = np.array(year.segment_frame("Core")["demand_fte"]) * customer_hours
    # 31 customers signed in January 2027, one a day: their renewals fall on 1-31 January 2028, prepared 90 days
    # before: 3 October to 2 November 2027 (29 of them in October), and again a year later.
    assert hours[9] == pytest.approx(29 * 4) and hours[10] == pytest.approx(2 * 4)
    assert hours[21] == pytest.approx(29 * 4) and hours[22] == pytest.approx(2 * 4)
    assert hours.sum() == pytest.approx(2 * 31 * 4)


def test_churn_thins_the_dated_work_of_todays_accounts_as_it_thins_the_customers():
    data = _one_segment([PREP], churn_per_year=0.3)
    context = load_context(data, _book(["2027-12-15"] * 10))
    row = fiscal_plan(context).segment_frame("Core")
    customer_hours = plan(context).csm.customer_hours_per_month
    hours = np.array(row["demand_fte"]) * customer_hours
    # 15 December - 90 days = 16 September: the accounts still there at September's end, 4 h each.
    assert hours[8] == pytest.approx(4 * row["customers"].iloc[8], rel=1e-12)
    assert row["customers"].iloc[8] < 10 and np.delete(hours, 8) == pytest.approx([0.0] * 11)


def test_size_for_peak_hires_for_the_peaks_and_average_for_the_average_month():
    review = {"name": "Business review", "kind": "recurring", "minutes": 600, "per_year": 4,
              "at": {"months_of_quarter": [3]}}
    data = _one_segment([review])
    data["fiscal_year"].update(target_utilization=0.85, starting_headcount={"Core": 1})
    book = _book(["2027-06-01"] * 40)
    average = fiscal_plan(load_context(data, book))
    data["fiscal_year"]["size_for"] = "peak"
    peak = fiscal_plan(load_context(data, book))
    assert average.calendar.size_for == "average" and peak.calendar.size_for == "peak"
    assert peak.summary.year_end_headcount > average.summary.year_end_headcount
    assert peak.to_frame()["target_held"].all()  # no lead time, no ramp: every peak is hired for
    assert not average.to_frame()["target_held"].all()
    worst = average.calendar.worst("Core")
    assert worst.month == "2027-03" and not worst.absorbed and worst.fte_above_average > 0
    assert any("the calendar puts" in w and "size_for: average" in w for w in average.summary.warnings)
    # the same demand either way; only the hiring differs
    assert average.to_frame()["demand_fte"].tolist() == peak.to_frame()["demand_fte"].tolist()


def test_without_a_calendar_nothing_changes():
    data = _one_segment([{**PREP, "at": None, "offset_days": None}])
    year = fiscal_plan(load_context(data, _book(TWELVE)))
    assert year.calendar is None and "calendar" not in year.to_dict() and "size_for" not in year.settings
    assert not has_calendar(load_scenario(data))


def test_a_book_without_renewal_dates_spreads_renewal_work_evenly_and_says_so():
    data = _one_segment([PREP])
    book = Book.from_frame(pd.DataFrame({"account_id": ["1", "2", "3"], "arr": 1000.0}))
    context = load_context(data, book)
    assert np.array(book_calendar(context).hours[0]) == pytest.approx([1.0] * 12)
    assert "the book has no renewal_date column: work at renewal is spread evenly over the year" in \
        fiscal_plan(context).summary.notes


def test_pools_take_their_share_of_the_segments_month():
    data = _one_segment([PREP], pool_by="vertical")
    book = _book(TWELVE, vertical=["Health"] * 6 + ["Retail"] * 6)
    year = fiscal_plan(load_context(data, book))
    pools = year.pools_frame()
    core = year.segment_frame("Core")
    assert np.allclose(pools.groupby("month", sort=False)["demand_fte"].sum().to_numpy(), core["demand_fte"])


# -- the year is the plan's year ------------------------------------------------------------------

renewal_days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31))
offsets = st.integers(-365, 365)
placements = st.one_of(
    st.builds(lambda o: {"kind": "recurring", "per_year": 1, "at": "renewal", "offset_days": o}, offsets),
    st.builds(lambda m, n: {"kind": "recurring", "per_year": n, "at": {"months": sorted(m)}},
              st.sets(st.integers(1, 12), min_size=1), st.sampled_from([1, 2, 4, 0.5])),
    st.builds(lambda q: {"kind": "recurring", "per_year": 4, "at": {"months_of_quarter": sorted(q)}},
              st.sets(st.integers(1, 3), min_size=1)),
    st.builds(lambda m: {"kind": "program", "per_year": 3, "at": {"months": sorted(m)}},
              st.sets(st.integers(1, 12), min_size=1)),
    st.builds(lambda n: {"kind": "one_time", "spread_months": n}, st.integers(1, 6)),
    st.just({"kind": "inbound", "per_month": 2}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(renewal_days | st.just(None), st.floats(100, 300_000)), min_size=1, max_size=40),
       st.lists(placements, min_size=1, max_size=4), st.integers(1, 12), st.integers(12, 30),
       st.booleans(), st.lists(st.integers(0, 20), min_size=1, max_size=1))
def test_every_touchpoints_year_is_the_plans_whatever_the_book_and_anchors(accounts, timings, first, months, weigh,
                                                                           schedule):
    """Each touchpoint's yearly hours are unchanged, so its monthly average is today's figure; and the
    steady-state plan is the plan without the calendar, number for number."""
    renewals = ["" if d is None else d.isoformat() for d, _ in accounts]
    health = ["red" if i % 3 == 0 else "green" for i in range(len(accounts))]
    book = _book(renewals, [a for _, a in accounts], health=health)
    touchpoints = [{"name": f"T{i}", "minutes": 45 + 15 * i, **t} for i, t in enumerate(timings)]
    data = _one_segment(touchpoints, start=f"2027-{first:02d}", months=months, new_customer_rate=0.3,
                        new_customers_per_month=[schedule[0] + (m % 3) for m in range(months)])
    data["segments"].append({"name": "Large", "min_arr": 150_000, "touchpoints": copy.deepcopy(touchpoints)})
    if weigh:
        data["workload_multipliers"] = {"column": "health", "values": {"red": 1.5, "green": 1.0}}
    context = load_context(data, book)
    steady = plan(context)
    calendar = book_calendar(context)
    hours = np.array(calendar.touchpoint_hours)
    flat = plan(Context(load_scenario(_without_dates(data)), book))
    assert steady.to_dict() == flat.to_dict()
    t = 0
    for seg in steady.segments:
        for tp in seg.touchpoints:
            monthly = tp.hours_per_customer_per_month * seg.customers + tp.program_hours_per_month
            for a in range(0, months - 11, 12):
                assert hours[t, a:a + 12].sum() == pytest.approx(12 * monthly, rel=1e-9, abs=1e-9)
            t += 1
    for s, seg in enumerate(steady.segments):
        for a in range(0, months - 11, 12):
            assert np.mean(calendar.hours[s][a:a + 12]) == pytest.approx(calendar.hours_per_month[s], rel=1e-9, abs=1e-9)


def _without_dates(data: dict) -> dict:
    data = copy.deepcopy(data)
    for seg in data["segments"]:
        for tp in seg["touchpoints"]:
            for key in ("at", "offset_days", "spread_months"):
                tp.pop(key, None)
    return data


@settings(max_examples=30, deadline=None)
@given(st.lists(renewal_days, min_size=1, max_size=30), offsets, st.integers(1, 12))
def test_with_neither_churn_nor_arrivals_the_fiscal_year_is_todays_calendar(renewals, offset, first):
    data = _one_segment([{**PREP, "offset_days": offset}], start=f"2027-{first:02d}")
    context = load_context(data, _book([d.isoformat() for d in renewals]))
    year = fiscal_plan(context)
    customer_hours = plan(context).csm.customer_hours_per_month
    dated = np.array(year.segment_frame("Core")["demand_fte"]) * customer_hours
    assert dated == pytest.approx(np.array(book_calendar(context).hours[0]), abs=1e-9)
    assert dated.sum() == pytest.approx(len(renewals) * 4)


# -- the default data -----------------------------------------------------------------------------


def test_the_default_data_dates_its_renewal_work_by_the_books_renewal_dates():
    context = load_context(DATA / "scenario.yaml")
    year = fiscal_plan(context)
    calendar = year.to_dict()["calendar"]
    steady = plan(context)
    for seg in steady.segments:  # today's book: each segment's twelve months are the plan's year
        book_hours = calendar["book"]["hours"][seg.name]
        assert sum(book_hours) == pytest.approx(12 * (seg.customers * seg.hours_per_customer_per_month
                                                      + seg.program_hours_per_month), rel=1e-12)
    mid_market = np.array(calendar["book"]["hours"]["Mid-Market"])
    assert mid_market.std() > 1.0  # the renewal calls follow the book's renewal dates
    shifted = _shift_renewals(context, days=120)
    assert np.abs(np.array(book_calendar(shifted).hours[1]) - mid_market).max() > 1.0
    demand = year.totals_frame()["demand_fte"]
    assert demand.std() > 0.2
    assert calendar["peak_month"][ALL_SEGMENTS] is not None


def _shift_renewals(context: Context, days: int) -> Context:
    frame = context.book.accounts.copy()
    frame["renewal_date"] = (pd.to_datetime(frame["renewal_date"]) + pd.Timedelta(days=days)).dt.strftime("%Y-%m-%d")
    frame["vertical"] = frame["vertical"].astype(str)
    return Context(context.scenario, Book.from_frame(frame[["account_id", "arr", "vertical", "renewal_date"]]))
