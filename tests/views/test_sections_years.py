"""The report of a plan of several years with a hiring block: the years side by side (table, chart, Years sheet),
recruiting month by month and the months it cannot meet; the headline speaks of the plan, not a year."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from capacity import fiscal_plan, load_scenario
from capacity.views import charts
from capacity.views.content import build
from capacity.views.sections import BudgetReport
from capacity.views.workbook import save_workbook

from tests.conftest import three_year_sample


@pytest.fixture(scope="module")
def content():
    data = three_year_sample()
    data["uncertainty"]["draws"] = 200  # the section's ranges, quickly
    return build(load_scenario(data))


def test_the_years_table_is_the_plans_years_side_by_side(content):
    table = content.fiscal_years_table()
    years = content.fiscal.years
    frame = table.frame.set_index("Measure")
    assert list(frame.columns) == ["Year 1", "Year 2", "Year 3"]
    for k, year in enumerate(years):
        column = frame[f"Year {k + 1}"]
        assert column["ARR at year end"] == year.arr and column["CSMs at year end"] == year.csms
        assert column["Cost, managers and tooling"] == year.cost
        assert column["Cost as a share of year-end ARR"] == year.cost_pct_arr
        assert column["ARR per CSM at year end"] == year.arr_per_csm
        assert column["Pays back: ARR to keep or add a year (cost / gross margin)"] == \
            year.payback.total.break_even_arr_per_year
        assert column["Leavers"] == year.leavers and column["CSMs starting"] == year.hires
    # Money reads as money, shares as shares, in any year's column.
    row = list(frame.index).index("Cost as a share of year-end ARR")
    assert table.kind_at(row, "Year 2") == "percent"
    assert table.cell_text("Year 2", frame["Year 2"]["ARR at year end"], table.kind_at(4, "Year 2")).startswith("$")


def test_the_section_shows_years_and_recruiting(content):
    report = BudgetReport(content)
    text = " ".join(p for p in report.fiscal_section() if isinstance(p, str))
    assert "<h3>Year by year</h3>" in text and "<h3>Recruiting</h3>" in text
    chart = charts.fiscal_years(content)
    go.Figure(chart.figure)
    bars = {t["name"]: t for t in chart.data}
    assert bars["Cost, managers and tooling"]["y"] == [y.cost for y in content.fiscal.years]
    assert bars["Cost, managers and tooling"]["x"] == ["Year 1", "Year 2", "Year 3"]


def test_the_headline_speaks_of_the_plan(content):
    (steady, plan_group) = content.kpi_groups()
    assert plan_group.caption == "The plan, 2027-02 to 2030-01 (3 years)"
    kpis = {k.key: k for k in plan_group.kpis}
    last = content.fiscal.years[-1]
    assert kpis["last_year_cost_pct"].value == last.cost_pct_arr
    assert kpis["fiscal_cost"].value == content.fiscal.summary.total_cost
    summary = " ".join(s.text for s in content.summary_sentences())
    assert "Over the plan's 3 years (2027-02 to 2030-01)" in summary
    assert f"year 3 costs {content.money(last.cost)}" in summary
    assert "Recruiting can close 1 hire a month" in summary  # the limit binds: said up front


def test_recruiting_tables_are_the_hiring_block(content):
    hiring = content.fiscal.hiring
    table = content.recruiting_table()
    frame = table.frame
    assert list(frame["Month"]) == list(content.fiscal.months)
    assert list(frame["Hires recruiting can close"]) == [1] * 36
    assert list(frame["CSMs starting"]) == [m.hires_started for m in hiring.months]
    assert frame["Applications"].sum() == pytest.approx(hiring.applications)
    short = content.shortfalls_table().frame
    assert len(short) == len(hiring.shortfalls)
    assert set(short["Cause"]) == {"recruiting", ""}


def test_the_workbook_has_the_years_and_recruiting_sheets(content, tmp_path):
    book = load_workbook(save_workbook(content, tmp_path / "years.xlsx"))
    assert {"Years", "Recruiting", "Months short"} <= set(book.sheetnames)
    rows = list(book["Years"].iter_rows(values_only=True))
    assert rows[0] == ("Measure", "Year 1", "Year 2", "Year 3")
    cost = next(r for r in rows if r[0] == "Cost, managers and tooling")
    assert list(cost[1:]) == pytest.approx([y.cost for y in content.fiscal.years])


def test_a_one_year_plan_has_no_years_section():
    data = three_year_sample(hiring=False)
    data["fiscal_year"]["months"] = 12
    data["uncertainty"] = None
    report = BudgetReport(build(load_scenario(data)))
    assert report.years_section() == [] and report.recruiting_section() == []
    assert report.content.fiscal_years_table() is None
    assert fiscal_plan(load_scenario(data)).years[0].months == 12
