"""The report's "Today's books" section and Excel sheet read the team and the rebalance, adding no numbers."""

from __future__ import annotations

import pytest

from capacity import sections
from capacity.team import team
from capacity.workbook import save_workbook

from .conftest import DEFAULT_SCENARIO


@pytest.fixture(scope="module")
def report():
    return sections.build(DEFAULT_SCENARIO)


def test_the_section_shows_the_team_and_why_no_rebalance_fits(report):
    expected = team(DEFAULT_SCENARIO)
    table = report.todays_books_table()
    assert list(table.frame["CSM"]) == [r.csm for r in expected.csms]
    assert list(table.frame["Utilization"]) == [r.utilization for r in expected.csms]
    text = str(report.todays_books_html())
    assert "6 of 17 CSMs and teams are above the 85% target" in text
    assert "Enterprise is 1 CSM short" in text
    chart = report.todays_books_chart()
    assert chart.figure["data"][0]["x"] == [r.utilization for r in expected.csms if r.utilization is not None]
    assert len(report.todays_books_section()) == 3


def test_the_excel_sheet_holds_the_same_numbers(report, tmp_path):
    import openpyxl

    path = save_workbook(report, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["Today's books"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "CSM" and len(rows) == 1 + len(report.todays_team.csms)
    assert rows[1][6] == pytest.approx(report.todays_team.csms[0].utilization)
    assert sheet.cell(row=2, column=7).number_format == "0.0%"


def test_a_book_without_owners_has_no_section_but_a_note(tmp_path):
    book = tmp_path / "b.csv"
    book.write_text("account_id,arr\nA,200000\nB,30000\nC,6000\nD,100\n", encoding="utf-8")
    report = sections.build(DEFAULT_SCENARIO, book)
    assert report.todays_team is None and report.todays_books_table() is None
    assert "no csm column" in str(report.todays_books_html())
    import openpyxl

    path = save_workbook(report, tmp_path / "r.xlsx")
    assert "Today's books" not in openpyxl.load_workbook(path).sheetnames
