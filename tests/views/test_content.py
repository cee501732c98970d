"""The report's content: plain data (no HTML), every number from the plan, the fiscal plan or the sensitivity."""

from __future__ import annotations

import pickle

import pytest

from capacity import ReportError
from capacity.views import content
from capacity import formatting as fmt

from tests.conftest import DEFAULT_SCENARIO, ROOT


@pytest.fixture(scope="module")
def report():
    return content.build(DEFAULT_SCENARIO, current_headcount=15)


def test_sentences_are_spans_of_plain_text(report):
    sentences = [*report.summary_sentences(), *report.gap_sentences(), report.fiscal_intro().sentence]
    for sentence in sentences:
        assert sentence.spans and all(span.emphasis in ("", "strong", "code") for span in sentence.spans)
        assert "<" not in sentence.text and ">" not in sentence.text
    t = report.plan.totals
    first = report.summary_sentences()[0]
    assert [s.text for s in first.spans if s.emphasis == "strong"] == [
        f"{t.customers:,} customers", f"{fmt.money_short(t.arr)} of ARR", f"{t.headcount} CSMs",
        f"{fmt.money_short(t.cost_per_year)} a year"]


def test_kpis_are_the_plans_totals(report):
    kpis = {k.key: k for k in report.kpis()}
    t = report.plan.totals
    assert (kpis["headcount"].value, kpis["arr_per_csm"].value) == (t.headcount, t.arr_per_csm)
    assert kpis["hires_now"].value == t.headcount - 15
    assert [g.caption for g in report.kpi_groups()][1] == f"The fiscal year, {report.fiscal_span}"


def test_one_arr_per_csm_everywhere(report):
    t = report.plan.totals
    assert t.arr_per_csm == pytest.approx(t.arr / t.headcount)
    assert report.segments_table().frame["ARR per CSM"].iloc[-1] == t.arr_per_csm
    assert report.top_down_table().frame["ARR per CSM"].iloc[0] == t.arr_per_csm
    summary = report.summary_table().frame.set_index("Measure")
    assert summary.loc["ARR per CSM", "Value"] == t.arr_per_csm


def test_the_year_row_is_the_fiscal_plans(report):
    year = report.fiscal_months_table().frame.iloc[-1]
    totals = report.fiscal.year_totals()
    assert (year["Month"], year["Cost"], year["CSMs starting"], year["Customers"]) == (
        "Year", totals["cost"], totals["hires_started"], totals["customers"])
    detail = content.fiscal_months_table(report.fiscal, report.fiscal.segments[0], detail=True).frame
    assert {"New customers", "Target"} <= set(detail.columns)
    assert set(detail["Target"][:-1]) <= {"held", "ABOVE"}


def test_saved_content_loads_as_it_was(report, tmp_path):
    path = content.save(report, tmp_path / "content.pickle")
    again = content.load(content_path=path)
    assert again.kpis() == report.kpis() and again.summary_sentences() == report.summary_sentences()
    assert again.segments_table().frame.equals(report.segments_table().frame)
    assert again.prepared == report.prepared


def test_content_from_a_run_that_is_over_is_built_again(report, tmp_path):
    again = content.load(DEFAULT_SCENARIO, content_path=tmp_path / "gone.pickle", current_headcount=15)
    assert again.kpis() == report.kpis()


def test_unreadable_content_is_one_error_naming_the_file(tmp_path):
    bad = tmp_path / "content.pickle"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ReportError, match=r"content\.pickle: cannot read the built report content"):
        content.load(content_path=bad)
    bad.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ReportError, match=r"content\.pickle: does not hold report content"):
        content.load(content_path=bad)


def test_chart_series_come_from_the_results(report):
    by_kind = content.fte_by_kind(report.plan)
    assert list(by_kind) == list(content.TOUCHPOINT_KINDS)
    for i, segment in enumerate(report.plan.segments):
        assert sum(values[i] for values in by_kind.values()) == pytest.approx(segment.fte)
    months = content.fiscal_month_series(report.fiscal)
    assert list(months["month"]) == list(report.fiscal.months)
    assert list(months["capacity_at_target_fte"]) == pytest.approx(
        list(months["ramped_capacity_fte"] * report.fiscal.target_utilization))
    assert months["cost_so_far"].iloc[-1] == pytest.approx(report.fiscal.summary.total_cost)


def test_the_calendar_tables_and_the_summary_sentence(report):
    calendar = report.fiscal.calendar
    table = report.calendar_table()
    assert list(table.frame["Segment"]) == [*calendar.book.segments, "Total"]
    for name, hours in zip(calendar.book.segments, calendar.book.hours):
        row = table.frame[table.frame["Segment"] == name].iloc[0]
        assert [row[m] for m in calendar.book.months] == list(hours)
        assert row["Average month"] * 12 == pytest.approx(sum(hours))
    peaks = report.calendar_peaks_table().frame
    assert list(zip(peaks["Segment"], peaks["Month"])) == [(p.segment, p.month) for p in calendar.peaks]
    # the default year's quarter-end months run above the target: the executive summary says so
    worst = max((p for p in calendar.peaks if not p.absorbed), key=lambda p: p.fte_above_average)
    sentence = next(s.text for s in report.summary_sentences() if s.text.startswith("The calendar piles"))
    assert worst.month in sentence and f"{worst.fte_above_average:.1f} FTE above the average month" in sentence
    assert "When" in report.touchpoint_inputs_table().frame.columns


def test_no_calendar_no_calendar_content(example):
    plain = content.build(example)
    assert plain.calendar is None and plain.calendar_table() is None and plain.calendar_summary_sentences() == []
    assert "When" not in plain.touchpoint_inputs_table().frame.columns


def test_timing_in_words():
    from capacity import load_scenario

    scenario = load_scenario(DEFAULT_SCENARIO)
    words = {tp.name: content.timing_text(tp) for tp in scenario.segments[0].touchpoints}
    assert words["Renewal preparation"] == "renewal -90 days"
    assert words["Executive business review"] == "month 3 of each quarter"
    assert words["Onboarding"] == "over 3 months from arrival" and words["Kick-off"] == ""


def test_the_report_says_what_the_reader_set_aside_and_converted(tmp_path):
    # A Salesforce report with its footer and ARR in three currencies: the "Other inputs" table carries the same two
    # notes the command line prints on stderr; the sample's book has none.
    export = ROOT / "tests" / "fixtures" / "exports" / "salesforce-currencies.csv"
    data = {"version": 1, "name": "From a report", "book": str(export), "fx_rates": {"EUR": 1.08, "GBP": 1.27},
            "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 25, "customer_time_share": 0.6667,
                    "loaded_cost_per_year": 150000},
            "book_columns": {"account_id": "Account ID", "arr": "ARR", "currency": "Account Currency"},
            "segments": [{"name": "All", "min_arr": 0, "coverage": "dedicated",
                          "touchpoints": [{"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1}]}]}
    rows = content.build(data).other_inputs_table().frame
    notes = list(rows.loc[rows["Input"] == "Book of accounts: note", "Value"])
    assert notes == ["set aside 10 lines after the last account (a report footer: 'Grand Totals (300 records)', "
                     "'Confidential Information - Do Not Distribute', a copyright line, and 2 more)",
                     "converted 77 EUR accounts and 48 GBP accounts to USD at fx_rates (EUR 1.08, GBP 1.27)"]
    assert "Book of accounts: note" not in set(content.build(DEFAULT_SCENARIO).other_inputs_table().frame["Input"])
