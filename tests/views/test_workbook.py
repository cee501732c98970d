"""The Excel workbook: one sheet per table, numbers as numbers, the same numbers as plan()."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from capacity import fiscal_plan, load_scenario, plan
from capacity.views.content import build
from capacity.views.workbook import (BOOKS_SHEETS, CALENDAR_SHEETS, EVIDENCE_SHEETS, FIT_SHEETS, OPTION_SHEETS,
                                      SHEETS, number_format, save_workbook)

from tests.conftest import DEFAULT_SCENARIO, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "small-scenario.yaml"


def rows(sheet):
    values = list(sheet.iter_rows(values_only=True))
    return values[0], [dict(zip(values[0], r)) for r in values[1:]]


@pytest.fixture(scope="module")
def default_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("workbook") / "plan.xlsx"
    save_workbook(build(DEFAULT_SCENARIO, current_headcount=15), path)
    return load_workbook(path)


def test_sheets_in_order(default_book, tmp_path):
    assert default_book.sheetnames == [s for s in SHEETS if s not in FIT_SHEETS]
    steady_only = load_workbook(save_workbook(build(FIXTURE), tmp_path / "fixture.xlsx"))
    assert steady_only.sheetnames == [s for s in SHEETS if not s.startswith("Fiscal") and s not in BOOKS_SHEETS
                                      and s not in OPTION_SHEETS + FIT_SHEETS + EVIDENCE_SHEETS + CALENDAR_SHEETS]
    # no owners, no options, no retention data or automations, no dated work


def test_segments_sheet_equals_the_plan(default_book):
    expected = plan(load_scenario(DEFAULT_SCENARIO))
    header, records = rows(default_book["Segments"])
    assert header[0] == "Segment"
    by_name = {r["Segment"]: r for r in records}
    for seg in expected.segments:
        row = by_name[seg.name]
        assert row["CSMs"] == seg.headcount
        assert row["FTE"] == pytest.approx(seg.fte)
        assert row["Cost a year"] == seg.cost_per_year
        assert row["Customers"] == seg.customers
        assert row["ARR"] == pytest.approx(seg.arr)
    assert by_name["Total"]["CSMs"] == expected.totals.headcount
    assert by_name["Total"]["Cost a year"] == expected.totals.cost_per_year


def test_summary_sheet_equals_the_plan(default_book):
    totals = plan(load_scenario(DEFAULT_SCENARIO)).totals
    _, records = rows(default_book["Summary"])
    values = {r["Measure"]: r["Value"] for r in records}
    assert values["CSMs needed now (steady state)"] == totals.headcount
    assert values["Cost a year"] == totals.cost_per_year
    assert values["Cost as a share of ARR"] == pytest.approx(totals.cost_pct_arr)
    assert values["CSMs today"] == 15
    fiscal = fiscal_plan(load_scenario(DEFAULT_SCENARIO)).summary
    assert values["Fiscal year 2027-02 to 2028-01: CSMs at year end"] == fiscal.year_end_headcount
    assert values["Fiscal year: cost, managers included"] == fiscal.total_cost


def test_cells_are_numbers_with_formats_and_a_frozen_bold_header(default_book):
    sheet = default_book["Segments"]
    header = [c.value for c in sheet[1]]
    cost = sheet.cell(row=2, column=header.index("Cost a year") + 1)
    assert isinstance(cost.value, (int, float)) and cost.number_format == '"$"#,##0'
    assert sheet.cell(row=2, column=header.index("CSMs") + 1).number_format == "#,##0"
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= len("Segment")
    summary = default_book["Summary"]
    share = next(r for r in summary.iter_rows(min_row=2) if r[0].value == "Cost as a share of ARR")
    assert share[1].number_format == "0.0%"


def test_inputs_sheet_lists_every_touchpoint(default_book):
    scenario = load_scenario(DEFAULT_SCENARIO)
    _, records = rows(default_book["Inputs"])
    minutes = [r["Value"] for r in records if r["Section"] == "Touchpoint" and r["Parameter"] == "minutes"]
    assert minutes == [tp.minutes for s in scenario.segments for tp in s.touchpoints]
    assert {"hours_per_week", "pto_days", "customer_time_share", "loaded_cost_per_year"} <= {
        r["Parameter"] for r in records if r["Section"] == "CSM time"}


def test_sensitivity_sheet_has_every_driver(default_book):
    report = build(DEFAULT_SCENARIO)
    _, records = rows(default_book["Sensitivity"])
    assert [r["Driver"] for r in records] == [i.driver.label for i in report.sensitivity.impacts]
    assert records[0]["CSMs at −20%"] == report.sensitivity.impacts[0].low_headcount


def test_other_currencies_and_unbounded_portfolios(tmp_path, example):
    assert number_format("money", "EUR") == '"€"#,##0'
    assert number_format("money", "CHF") == '#,##0 "CHF"'
    example["segments"][0]["touchpoints"] = [{"name": "Webinar", "kind": "program", "minutes": 60, "per_month": 1}]
    path = save_workbook(build(example), tmp_path / "x.xlsx")
    _, records = rows(load_workbook(path)["Segments"])
    assert records[0]["Customers per CSM"] is None  # no time per customer: unbounded, left blank


def test_a_failed_write_leaves_the_old_workbook(tmp_path, monkeypatch):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"previous")
    report = build(FIXTURE)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.Workbook.save", broken)
    with pytest.raises(OSError):
        save_workbook(report, path)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_calendar_sheets_are_the_fiscal_years_calendar(default_book):
    calendar = fiscal_plan(load_scenario(DEFAULT_SCENARIO)).calendar
    header, records = rows(default_book["Calendar"])
    assert header[0] == "Segment" and list(header[1:-1]) == list(calendar.book.months)
    for name, hours in zip(calendar.book.segments, calendar.book.hours):
        row = next(r for r in records if r["Segment"] == name)
        assert [row[m] for m in calendar.book.months] == pytest.approx(list(hours))
        assert row["Average month"] == pytest.approx(sum(hours) / 12)
    _, peaks = rows(default_book["Calendar peaks"])
    assert [(p["Segment"], p["Month"]) for p in peaks] == [(p.segment, p.month) for p in calendar.peaks]
    _, renewals = rows(default_book["Renewals by CSM"])
    assert {r["CSM"] for r in renewals} >= {"Alex Morgan", "SMB (pooled team)"}
