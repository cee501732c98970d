"""The report's "Today's books" section and Excel sheet read the team and the rebalance, adding no numbers."""

from __future__ import annotations

import pytest

from capacity.views import charts, content, sections
from capacity.analysis.team import team
from capacity.views.workbook import save_workbook

from tests.conftest import DEFAULT_SCENARIO


@pytest.fixture(scope="module")
def built():
    return content.build(DEFAULT_SCENARIO)


def test_the_section_shows_the_team_and_why_no_rebalance_fits(built):
    expected = team(DEFAULT_SCENARIO)
    table = built.todays_books_table()
    assert list(table.frame["CSM"]) == [r.csm for r in expected.csms]
    assert list(table.frame["Utilization"]) == [r.utilization for r in expected.csms]
    text = built.todays_books_sentence().text
    assert "6 of 17 CSMs and teams are above the 85% target" in text
    assert "Enterprise is 1 CSM short" in text
    chart = charts.todays_books(built)
    assert chart.figure["data"][0]["x"] == [r.utilization for r in expected.csms if r.utilization is not None]
    section = sections.BudgetReport(built).todays_books_section()
    assert len(section) == 4 and "6 of 17 CSMs" in str(section[0])
    assert 'data-table="todays-renewals"' in str(section[3]) and "Q1 (Feb-Apr) accounts" in str(section[3])


def test_the_renewals_table_is_the_teams_calendar(built):
    expected = team(DEFAULT_SCENARIO).calendar
    frame = built.todays_renewals_table().frame
    assert list(frame["CSM"]) == [c.csm for c in expected.csms]
    assert list(frame["Q3 (Aug-Oct) accounts"]) == [c.renewals[2].accounts for c in expected.csms]
    assert list(frame["Busiest month"]) == [c.busiest_month for c in expected.csms]


def test_the_excel_sheet_holds_the_same_numbers(built, tmp_path):
    import openpyxl

    path = save_workbook(built, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["Today's books"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "CSM" and len(rows) == 1 + len(built.team.csms)
    assert rows[1][6] == pytest.approx(built.team.csms[0].utilization)
    assert sheet.cell(row=2, column=7).number_format == "0.0%"


def test_a_book_without_owners_has_no_section_but_a_note(tmp_path):
    book = tmp_path / "b.csv"
    book.write_text("account_id,arr\nA,200000\nB,30000\nC,6000\nD,100\n", encoding="utf-8")
    built = content.build(DEFAULT_SCENARIO, book)
    assert built.team is None and built.todays_books_table() is None
    assert "no csm column" in built.todays_books_sentence().text
    section = sections.BudgetReport(built).todays_books_section()
    assert len(section) == 1 and "no <code>csm</code> column" in str(section[0])
    import openpyxl

    path = save_workbook(built, tmp_path / "r.xlsx")
    assert "Today's books" not in openpyxl.load_workbook(path).sheetnames
