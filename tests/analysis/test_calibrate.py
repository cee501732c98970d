"""Designed versus actual: the log loader, planned against observed, and the calibrated scenario."""

from __future__ import annotations

import datetime
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import capacity
from capacity.analysis import calibrate as cal
from capacity.analysis.activity_synth import synthetic_activities
from capacity.inputs.book import Book
from capacity.apps.cli import main
from capacity.exceptions import ActivityLogError, OutputError, ScenarioError

from tests.conftest import DATA, ROOT

SMALL = {
    "name": "Calibration example",
    "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 25, "customer_time_share": 0.6,
            "loaded_cost_per_year": 100000},
    "segments": [
        {"name": "Key", "min_arr": 10000, "coverage": "dedicated", "new_customer_rate": 0.25, "touchpoints": [
            {"name": "Business review", "kind": "recurring", "minutes": 60, "per_year": 4},
            {"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1.5},
            {"name": "Kick-off", "kind": "one_time", "minutes": 120},
            {"name": "Escalations", "kind": "inbound", "minutes": 20, "per_month": 0.5},
            {"name": "Roundtable", "kind": "program", "minutes": 90, "per_month": 2},
        ]},
        {"name": "Rest", "min_arr": 0, "coverage": "pooled", "new_customer_rate": 0.5, "touchpoints": [
            {"name": "Health check", "kind": "recurring", "minutes": 15, "per_year": 2},
            {"name": "Questions", "kind": "inbound", "minutes": 10, "per_month": 1},
        ]},
    ],
    "activity_types": {"QBR": "Business review"},
}


def small_book(key: int = 100, rest: int = 200) -> Book:
    ids = [f"{k:04d}" for k in range(1, key + rest + 1)]
    arr = [50000.0] * key + [2000.0] * rest
    return Book.from_frame(pd.DataFrame({"account_id": ids, "arr": arr}))


def record(account, touchpoint, date, minutes, csm=None):
    row = {"account_id": account, "touchpoint": touchpoint, "date": date, "minutes": minutes}
    if csm is not None:
        row["csm"] = csm
    return row


# -- hand-worked ----------------------------------------------------------------------


def test_hand_worked_calibration():
    # 2 Key customers and 2 Rest customers, a window of February and March 2027 (2 months).
    book = small_book(2, 2)
    log = cal.ActivityLog.from_records([
        record("0001", "QBR", "2027-02-03", 50, "ann"),                 # Business review, through activity_types
        record("0002", "business  REVIEW", "2027-03-10", 70, "ann"),    # case and spaces ignored
        record("0001", "Check-in", "2027-02-04", 20, "ann"),
        record("0001", "Check-in", "2027-02-18", 30, "ann"),
        record("0002", "Check-in", "2027-03-01", 40, "bob"),
        record("0002", "Check-in", "2027-03-15", 50, "bob"),
        record("0001", "Kick-off", "2027-02-01", 150, "ann"),
        record("0002", "Roundtable", "2027-02-20", 90, "bob"),
        record("0003", "Questions", "2027-03-31", 12, "cy"),
        record("0003", "Check-in", "2027-02-05", 30, "cy"),             # Rest has no check-in: unmatched
        record("0004", "Lunch", "2027-02-06", 60, "cy"),                # no touchpoint anywhere: unmatched
        record("9999", "Check-in", "2027-02-07", 30, "cy"),             # not in the book
    ])
    result = cal.calibrate(SMALL, log, book)
    assert result.window.to_dict() == {"from": "2027-02-01", "until": "2027-03-31", "months": 2.0}
    key = result.segment("Key")
    by_name = {tp.name: tp for tp in key.touchpoints}
    review = by_name["Business review"]
    assert (review.count, review.planned_per_month) == (2, pytest.approx(4 / 12))
    assert review.observed_per_month == pytest.approx(2 / (2 * 2))            # 2 reviews / (2 customers x 2 months)
    assert review.observed_minutes == 60 and (review.observed_minutes_q1, review.observed_minutes_q3) == (55, 65)
    check = by_name["Check-in"]
    assert check.observed_per_month == pytest.approx(4 / 4)
    assert (check.observed_minutes, check.observed_minutes_q1, check.observed_minutes_q3) == (35, 27.5, 42.5)
    kickoff = by_name["Kick-off"]                                              # 2 x 0.25 x 2 / 12 new customers
    assert kickoff.frequency_unit == "per new customer" and kickoff.planned_per_month == 1.0
    assert kickoff.observed_per_month == pytest.approx(1 / (2 * 0.25 * 2 / 12))
    roundtable = by_name["Roundtable"]
    assert roundtable.frequency_unit == "per segment a month"
    assert roundtable.observed_per_month == pytest.approx(1 / 2)
    assert by_name["Escalations"].count == 0 and by_name["Escalations"].observed_minutes is None
    assert key.not_logged == ("Escalations",)
    # (50 + 70 + 20 + 30 + 40 + 50 + 150 + 90) min = 500 min = 8.33 h over 2 months; ann and bob logged it.
    assert key.logged_hours_per_month == pytest.approx(500 / 60 / 2)
    assert key.csms == 2 and key.logged_customer_hours_per_csm_per_month == pytest.approx(500 / 60 / 2 / 2)
    rest = result.segment("Rest")
    assert {tp.name: tp.count for tp in rest.touchpoints} == {"Health check": 0, "Questions": 1}
    assert result.unmatched.by_type == {"Check-in": 1, "Lunch": 1}
    assert result.unmatched.activities == 2
    assert (result.unmatched.accounts_not_in_book, result.unmatched.activities_of_accounts_not_in_book) == (1, 1)
    assert result.activities == 12
    assert result.csms == 3


def test_planned_hours_are_the_plans():
    book = small_book(2, 2)
    log = cal.ActivityLog.from_records([record("0001", "Check-in", "2027-02-03", 30)])
    result = cal.calibrate(SMALL, log, book)
    planned = capacity.plan(SMALL, book).segment("Key")
    seg = result.segment("Key")
    assert seg.planned_hours_per_month == pytest.approx(2 * planned.hours_per_customer_per_month
                                                        + planned.program_hours_per_month)
    assert seg.csms is None and result.csms is None  # no csm column


def test_window_counts_whole_and_partial_months():
    log = cal.ActivityLog.from_records([record("0001", "Check-in", "2027-01-20", 30),
                                        record("0001", "Check-in", "2027-04-02", 30)])
    assert cal.window_of(log).months == 4.0                                   # January to April
    assert cal.window_of(log, "2027-02", "2027-03").to_dict() == {"from": "2027-02-01", "until": "2027-03-31",
                                                                   "months": 2.0}
    half = cal.window_of(log, "2027-02-15", "2027-02-28")                     # 14 of February's 28 days
    assert half.months == pytest.approx(0.5)
    with pytest.raises(ScenarioError, match="--until: the window ends"):
        cal.window_of(log, "2027-03", "2027-02")
    with pytest.raises(ScenarioError, match=r"--from: '2027-13' is not a date"):
        cal.window_of(log, "2027-13")
    inside = cal.ActivityLog.from_records([record("0001", "Check-in", "2027-01-20", 30),
                                           record("0001", "Check-in", "2027-02-20", 30)])
    result = cal.calibrate(SMALL, inside, small_book(2, 2), start="2027-02", end="2027-03")
    assert (result.activities, result.unmatched.activities_outside_window) == (1, 1)


def test_a_window_without_activity_is_refused():
    log = cal.ActivityLog.from_records([record("0001", "Check-in", "2027-01-20", 30)])
    with pytest.raises(ScenarioError, match="no activity of the log falls in 2027-03-01 to 2027-03-31"):
        cal.calibrate(SMALL, log, small_book(2, 2), start="2027-03", end="2027-03")


def test_calibrating_needs_a_book():
    scenario = {**SMALL, "segments": [{**s, "customers": 1, "arr": 1e5} for s in SMALL["segments"]]}
    log = cal.ActivityLog.from_records([record("0001", "Check-in", "2027-01-20", 30)])
    with pytest.raises(ScenarioError, match="book: calibrating needs a book of accounts"):
        cal.calibrate(scenario, log)


# -- recovering a known practice ------------------------------------------------------

PRACTICE = {
    ("Key", "Business review"): {"per_year": 2, "log_as": "QBR"},
    ("Key", "Check-in"): {"minutes": 45},
    ("Key", "Escalations"): {"per_month": 1, "minutes": 35},
    ("Rest", "Questions"): {"minutes": 12},
}
# What each touchpoint should come back as: (observed per month, observed minutes). Frequencies per
# customer a month (recurring, inbound), per segment a month (program), per new customer (one-time).
EXPECTED = {
    ("Key", "Business review"): (2 / 12, 60), ("Key", "Check-in"): (1.5, 45), ("Key", "Kick-off"): (1.0, 120),
    ("Key", "Escalations"): (1.0, 35), ("Key", "Roundtable"): (2.0, 90),
    ("Rest", "Health check"): (2 / 12, 15), ("Rest", "Questions"): (1.0, 12),
}


def _observed(result):
    return {(seg.name, tp.name): (tp.observed_per_month, tp.observed_minutes)
            for seg in result.segments for tp in seg.touchpoints}


def _log_of(frame) -> cal.ActivityLog:
    return cal.ActivityLog.from_records(frame.to_dict("records"))


def test_a_log_without_noise_is_recovered_exactly():
    # 100 Key and 200 Rest customers over 12 months: every expected count is a whole number
    # (e.g. 100 x 2/12 x 12 = 200 reviews, 100 x 0.25 = 25 kick-offs, 2 x 12 = 24 roundtables).
    book = small_book(100, 200)
    frame = synthetic_activities(SMALL, book, start="2026-01", months=12, practice=PRACTICE, exact=True,
                                 minutes_sigma=0)
    result = cal.calibrate(SMALL, _log_of(frame), book)
    assert result.window.months == 12.0
    observed = _observed(result)
    for key, (frequency, minutes) in EXPECTED.items():
        assert observed[key][0] == pytest.approx(frequency, rel=1e-12), key
        assert observed[key][1] == minutes, key


# Expected counts of the noisy log below (2,000 Key and 4,000 Rest customers, 12 months).
EXPECTED_COUNTS = {
    ("Key", "Business review"): 2000 * 2, ("Key", "Check-in"): 2000 * 1.5 * 12, ("Key", "Kick-off"): 2000 * 0.25,
    ("Key", "Escalations"): 2000 * 12, ("Key", "Roundtable"): 2 * 12,
    ("Rest", "Health check"): 4000 * 2, ("Rest", "Questions"): 4000 * 12,
}


@pytest.mark.parametrize("seed", [11, 12])
def test_a_seeded_noisy_log_is_recovered_within_three_standard_errors(seed):
    # Counts are Poisson, so an observed frequency has a relative standard error of 1 / sqrt(n) for n
    # expected activities (1.6% at the 4,000 business reviews, 0.5% at the 48,000 questions, 20% at the
    # 24 roundtables). Minutes are lognormal (sigma 0.35) and logged in whole minutes: the median's
    # relative standard error is sqrt(pi / 2) x sigma / sqrt(n), plus up to half a minute of rounding.
    # Three standard errors on each: a correct estimator is outside on a given seed about 0.3% of the
    # time, a wrong denominator (months, customers, new customers) is far outside.
    book = small_book(2000, 4000)
    frame = synthetic_activities(SMALL, book, start="2026-01", months=12, practice=PRACTICE, seed=seed,
                                 minutes_sigma=0.35)
    result = cal.calibrate(SMALL, _log_of(frame), book)
    observed = _observed(result)
    for key, (frequency, minutes) in EXPECTED.items():
        n = EXPECTED_COUNTS[key]
        assert observed[key][0] == pytest.approx(frequency, rel=3 / math.sqrt(n)), key
        spread = 3 * math.sqrt(math.pi / 2) * 0.35 / math.sqrt(n) + 0.5 / minutes
        assert observed[key][1] == pytest.approx(minutes, rel=spread), key


def test_the_default_log_shows_the_telling_differences():
    result = cal.calibrate(DATA / "scenario.yaml", DATA / "activities.csv")
    enterprise = {tp.name: tp for tp in result.segment("Enterprise").touchpoints}
    # EBRs: designed 4 a year, held 2 (162 expected events: about 8% standard error).
    assert 1.5 / 12 < enterprise["Executive business review"].observed_per_month < 2.5 / 12
    assert enterprise["Escalations and requests"].observed_minutes > 40        # designed 30, practised 50
    assert "Renewal call" in result.segment("Mid-Market").not_logged
    assert "Office hours" in result.segment("SMB").not_logged
    assert set(result.unmatched.by_type) == {"Internal account sync", "Support ticket review"}
    assert result.unmatched.accounts_not_in_book == 4
    assert result.window.to_dict() == {"from": "2026-02-01", "until": "2027-01-31", "months": 12.0}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["0001", "0002", "0003", "0004", "7777"]),
                          st.sampled_from(["QBR", "check-in", "Kick-off", "Questions", "Health Check", "Lunch",
                                           "Roundtable", "Escalations"]),
                          st.dates(datetime.date(2027, 1, 1), datetime.date(2027, 6, 30)),
                          st.floats(0, 600)), min_size=1, max_size=60))
def test_every_activity_is_counted_once(rows):
    log = cal.ActivityLog.from_records([record(a, t, d.isoformat(), m) for a, t, d, m in rows])
    result = cal.calibrate(SMALL, log, small_book(2, 2))
    matched = sum(tp.count for seg in result.segments for tp in seg.touchpoints)
    u = result.unmatched
    assert matched + u.activities + u.activities_of_accounts_not_in_book == result.activities == len(rows)
    assert sum(u.by_type.values()) == u.activities
    hours = sum(seg.logged_hours_per_month for seg in result.segments)
    assert hours == pytest.approx(sum(tp.logged_hours_per_month for seg in result.segments for tp in seg.touchpoints))
    for seg in result.segments:
        for tp in seg.touchpoints:
            if tp.count:
                assert tp.observed_minutes_q1 <= tp.observed_minutes <= tp.observed_minutes_q3


# -- the calibrated scenario ----------------------------------------------------------


def test_the_calibrated_scenario_round_trips(tmp_path):
    out = tmp_path / "as-practised" / "calibrated.yaml"
    result = cal.calibrate(DATA / "scenario.yaml", DATA / "activities.csv")
    cal.write_calibrated(DATA / "scenario.yaml", result, out)
    written = capacity.load_scenario(out)
    design = capacity.load_scenario(DATA / "scenario.yaml")
    values = cal.calibrated_values(result, design)
    assert values  # something was calibrated
    for (i, j), changed in values.items():
        tp = written.segments[i].touchpoints[j]
        for key, value in changed.items():
            assert getattr(tp, key) == value
    # Touchpoints nobody logged keep their design; everything but touchpoints is as it was.
    renewal = next(tp for tp in written.segments[1].touchpoints if tp.name == "Renewal call")
    assert renewal == next(tp for tp in design.segments[1].touchpoints if tp.name == "Renewal call")
    assert written.fiscal_year == design.fiscal_year and written.csm == design.csm
    assert written.book.resolve() == (DATA / "book.csv").resolve()            # re-pointed from the new folder
    text = out.read_text()
    assert "# the two-thirds rule: one third goes to company work" in text   # the file's own comments kept
    assert "calibrated from 2,792 logged: minutes 30 -> 50" in text
    assert "nobody logged 'Renewal call'" in text
    # The plan as practised beside the plan as designed.
    assert capacity.plan(written).totals.headcount != capacity.plan(design).totals.headcount
    # Calibrating the calibrated scenario against the same log changes nothing more than rounding.
    again = cal.calibrate(out, DATA / "activities.csv")
    assert [s.customers for s in again.segments] == [s.customers for s in result.segments]


def test_the_calibrated_scenario_never_replaces_the_design(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text((DATA / "scenario.yaml").read_text().replace("book: book.csv", f"book: {DATA / 'book.csv'}"))
    result = cal.calibrate(scenario, DATA / "activities.csv")
    before = scenario.read_bytes()
    with pytest.raises(OutputError, match="is the scenario being calibrated"):
        cal.write_calibrated(scenario, result, scenario)
    with pytest.raises(OutputError, match="is a folder"):
        cal.write_calibrated(scenario, result, tmp_path)
    assert scenario.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]            # no half-written file left


# -- the command line -----------------------------------------------------------------


def test_cli_json_has_the_documented_shape(capsys, tmp_path):
    out = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(DATA / "scenario.yaml"), "--activities", str(DATA / "activities.csv"),
                 "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["window"]) == {"from", "until", "months"}
    seg = data["segments"][0]
    assert {"name", "customers", "touchpoints"} <= set(seg)
    assert {"name", "kind", "planned_per_month", "observed_per_month", "planned_minutes", "observed_minutes",
            "count"} <= set(seg["touchpoints"][0])
    assert data["unmatched"]["by_type"]["Internal account sync"] > 0
    capacity.load_scenario(out)


def test_cli_text(capsys):
    assert main(["calibrate", str(DATA / "scenario.yaml"), "--activities", str(DATA / "activities.csv"),
                 "--from", "2026-07", "--until", "2026-12"]) == 0
    text = capsys.readouterr().out
    assert "designed versus actual, 2026-07-01 to 2026-12-31 (6.00 months" in text
    assert "Nobody logs: Renewal call" in text
    assert "Accounts in the log but not in the book: " in text


# -- reading logs ---------------------------------------------------------------------


def test_csv_with_bom_crlf_blank_rows_and_loose_headers(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes("\ufeffAccount ID,Touchpoint,Date,Minutes\r\n0001,QBR,2027-02-03,50\r\n,,,\r\n\r\n"
                     "0002,\"Check-in\",2027-02-04T10:30:00,20.5\r\n".encode())
    log = cal.load_activities(path)
    assert list(log.account_id) == ["0001", "0002"]
    assert list(log.minutes) == [50.0, 20.5]
    assert list(log.rows) == [2, 5]
    assert log.date[1] == np.datetime64("2027-02-04")
    assert log.csm is None


def test_old_mac_line_ends_and_mapped_headers(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"Acct,Type,When,Duration (min),Owner\r0001,QBR,2027-02-03,50,ann\r")
    columns = {"account_id": "Acct", "touchpoint": "type", "date": "When", "minutes": "Duration (min)",
               "csm": "Owner"}
    log = cal.load_activities(path, columns)
    assert list(log.csm) == ["ann"] and list(log.touchpoint) == ["QBR"]


def test_xlsx_with_dates_and_numeric_ids(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["account_id", "touchpoint", "date", "minutes"])
    sheet.append([1, "QBR", datetime.datetime(2027, 2, 3), 45])
    sheet.append([None, None, None, None])
    sheet.append(["0002", "Check-in", "2027-02-04", 30.0])
    path = tmp_path / "log.xlsx"
    workbook.save(path)
    log = cal.load_activities(path)
    assert list(log.account_id) == ["1", "0002"]
    assert list(log.rows) == [2, 4]
    assert log.date[0] == np.datetime64("2027-02-03")


@pytest.mark.parametrize("body, message", [
    ("account_id,touchpoint,date,minutes\n0001,QBR,03/04/2027,30\n",
     "row 2 (account_id '0001'), column date: date '03/04/2027' could be read day-first or month-first"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-30,30\n", "date '2027-02-30' is not a calendar day"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,1:30\n", "looks like a clock time or h:mm"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,\"12,5\"\n", "has a decimal comma"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,45 min\n", "is not a number; give the number"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,-5\n", "is negative"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,nan\n", "is not a finite number"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,1e6\n", "implausibly long"),
    ("account_id,touchpoint,date,minutes\n,QBR,2027-02-03,5\n", "row 2, column account_id: account_id is blank"),
    ("account_id,touchpoint,date,minutes\n0001,,2027-02-03,5\n", "column touchpoint: touchpoint is blank"),
    ("account_id,touchpoint,date,minutes\n\n\n0001,QBR,,5\n", "row 4 (account_id '0001'), column date: date is blank"),
    ("account_id,touchpoint,date,minutes\n0001,QBR,2027-02-03,5,extra\n", "row 2: has 5 cells"),
    ("account_id,touchpoint,date,duration\n0001,QBR,2027-02-03,5\n", "missing required column 'minutes'"),
    ("account_id,touchpoint,date,minute\n0001,QBR,2027-02-03,5\n", "if 'minute' holds it, rename that column"),
    ("account_id;touchpoint;date;minutes\n0001;QBR;2027-02-03;5\n", "row 1: the header is separated by semicolons"),
    ("account_id,touchpoint,date,minutes\n", "no activities: the file has a header but no rows"),
    ("", "the file is empty"),
    ("account_id,Account ID,touchpoint,date,minutes\n1,1,QBR,2027-02-03,5\n", "2 columns are read as 'account_id'"),
])
def test_bad_logs_get_one_line(tmp_path, body, message):
    path = tmp_path / "log.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ActivityLogError) as caught:
        cal.load_activities(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(str(path))
    assert message in line


def test_a_mapped_header_that_is_not_there(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("account_id,touchpoint,date,Duration\n0001,QBR,2027-02-03,5\n")
    with pytest.raises(ActivityLogError, match=r"no column 'Duration \(min\)', which the scenario's "
                                               r"activity_columns.minutes names \(did you mean 'Duration'\?\)"):
        cal.load_activities(path, {"minutes": "Duration (min)"})


def test_not_utf8_names_the_row(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"account_id,touchpoint,date,minutes\n0001,Caf\xe9,2027-02-03,5\n")
    with pytest.raises(ActivityLogError, match="row 2: not UTF-8 text"):
        cal.load_activities(path)


def test_scenario_keys_are_checked():
    with pytest.raises(ScenarioError, match=r"activity_types.QBR: no segment has a touchpoint called "
                                            r"'Busines review' \(did you mean 'Business review'\?\)"):
        capacity.load_scenario({**SMALL, "activity_types": {"QBR": "Busines review"}})
    with pytest.raises(ScenarioError, match=r"activity_columns.minuts: unknown column 'minuts' \(did you mean "
                                            r"'minutes'\?\)"):
        capacity.load_scenario({**SMALL, "activity_columns": {"minuts": "Duration"}})


def test_the_sample_log_regenerates_byte_for_byte(tmp_path):
    out = tmp_path / "activities.csv"
    assert main(["synth-activities", str(DATA / "scenario.yaml"), "--out", str(out)]) == 0
    assert out.read_bytes() == (DATA / "activities.csv").read_bytes()


def test_the_docs_document_the_verb():
    page = (ROOT / "docs" / "calibrate.md").read_text()
    assert "capacity calibrate" in page and "--activities" in page


def test_the_practised_scenario_in_memory_equals_the_written_one(tmp_path):
    result = cal.calibrate(DATA / "scenario.yaml", DATA / "activities.csv")
    out = tmp_path / "calibrated.yaml"
    cal.write_calibrated(DATA / "scenario.yaml", result, out)
    practised = cal.practised_scenario(DATA / "scenario.yaml", result)
    assert practised.segments == capacity.load_scenario(out).segments
    assert capacity.plan(practised).to_dict() == capacity.plan(out).to_dict()


# -- the budget report's section ------------------------------------------------------


def test_the_report_section_is_the_calibration():
    from capacity.views import content, sections

    built = content.build(DATA / "scenario.yaml", activities_path=str(DATA / "activities.csv"))
    expected = cal.calibrate(DATA / "scenario.yaml", DATA / "activities.csv")
    assert built.calibration.to_dict() == expected.to_dict()
    practised = capacity.plan(cal.practised_scenario(DATA / "scenario.yaml", expected))
    assert built.practised_plan.totals.headcount == practised.totals.headcount
    heading, sentences, table, hours = sections.BudgetReport(built).designed_versus_actual_section()
    assert heading.startswith("<h2>8. Designed versus actual</h2>")
    assert f"the plan needs <b>{practised.totals.headcount} CSMs</b>" in sentences
    assert "Mid-Market: Renewal call" in sentences
    assert len(built.designed_versus_actual_table().frame) == sum(len(s.touchpoints) for s in expected.segments)
    assert list(built.designed_versus_actual_hours_table().frame["Logged hours a month"]) == \
        [s.logged_hours_per_month for s in expected.segments]
    assert sections.build(DATA / "scenario.yaml").designed_versus_actual_section() == []


def test_the_report_parameter_is_checked():
    from capacity.exceptions import ReportError
    from capacity.views.sections import check_parameters

    with pytest.raises(ReportError, match="-p activities_path: activity log not found"):
        check_parameters({"activities_path": "no-such-log.csv"}, where="-p")
    assert check_parameters({"activities_path": str(DATA / "activities.csv")})["activities_path"] == \
        str((DATA / "activities.csv").resolve())


@pytest.mark.slow
def test_the_rendered_report_has_the_section(tmp_path):
    import html
    import re
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "capacity", "report", "tests/fixtures/../../capacity/sample/scenario.yaml",
                           "--out", str(tmp_path), "-p", "activities_path", "capacity/sample/activities.csv"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "scenario.html").read_text(encoding="utf-8")
    headings = [html.unescape(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", text)]
    assert [h.split(".")[0] for h in headings] == ["1", "2", "3", "4", "5", "6", "Options and trade-offs",
                                                    "Does it pay back?", "7", "8"], headings
    assert 'data-table="Designed versus actual"' in text


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('account_id,touchpoint,date,minutes\n0001,"Check-in\nwith a note",2027-02-03,5\n\n'
                    "0002,QBR,2027-02-31,5\n")
    with pytest.raises(ActivityLogError, match=r"row 4 \(account_id '0002'\), column date"):
        cal.load_activities(path)


def test_shared_anchors_are_refused_not_half_calibrated(tmp_path):
    scenario = tmp_path / "anchored.yaml"
    scenario.write_text("""\
csm: {customer_time_share: 0.6, loaded_cost_per_year: 100000}
book: book.csv
segments:
  - name: Key
    min_arr: 10000
    touchpoints: &shared
      - {name: Check-in, kind: recurring, minutes: 30, per_month: 1}
  - name: Rest
    min_arr: 0
    touchpoints: *shared
""")
    (tmp_path / "book.csv").write_text("account_id,arr\n0001,50000\n0002,2000\n")
    loaded = capacity.load_scenario(scenario)
    assert loaded.segments[0].touchpoints == loaded.segments[1].touchpoints
    log = cal.ActivityLog.from_records([record("0001", "Check-in", "2027-02-03", 40),
                                        record("0002", "Check-in", "2027-02-03", 20)])
    result = cal.calibrate(scenario, log)
    with pytest.raises(OutputError, match="YAML anchors"):
        cal.write_calibrated(scenario, result, tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()
