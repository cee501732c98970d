"""The report's "Today's books" section and Excel sheets read the team and the rebalance, adding no numbers."""

from __future__ import annotations

import pytest

from capacity.analysis.rebalance import rebalance
from capacity.analysis.team import team
from capacity.views import charts, content, sections
from capacity.views.workbook import save_workbook

from tests.conftest import DEFAULT_SCENARIO


@pytest.fixture(scope="module")
def built():
    return content.build(DEFAULT_SCENARIO)


def test_the_section_shows_the_books_before_and_after_and_the_moves(built):
    expected = team(DEFAULT_SCENARIO)
    moves = built.rebalance
    assert not isinstance(moves, str)
    table = built.todays_books_table()
    assert list(table.frame["CSM"]) == [r.csm for r in moves.after]
    today = {r.csm: r.utilization for r in expected.csms}
    assert [today[c] for c in table.frame["CSM"]] == list(table.frame["Utilization today"])
    assert list(table.frame["Utilization after"]) == [r.utilization for r in moves.after]
    text = built.todays_books_sentence().text
    assert "6 of 17 CSMs and teams are above the 85% target" in text
    assert "Enterprise needs 7 CSMs" in text and "1 CSM short" in text
    assert f"{len(moves.moves):,} moves" in text
    listed = built.rebalance_moves_table()
    assert list(listed.frame["Account"]) == [m.account_id for m in moves.moves]
    assert list(listed.frame["Reason"]) == [m.reason for m in moves.moves]
    objectives = built.rebalance_objectives_table()
    assert list(objectives.frame["Value"]) == [o.value for o in moves.objectives]
    chart = charts.todays_books(built)
    assert chart.figure["data"][1]["x"] == [r.utilization for r in moves.after]
    section = sections.BudgetReport(built).todays_books_section()
    assert "6 of 17 CSMs" in str(section[0]) and any("The moves" in str(part) for part in section)
    assert 'data-table="todays-renewals"' in str(section[3]) and "Q1 (Feb-Apr) accounts" in str(section[3])


def test_the_renewals_table_is_the_teams_calendar(built):
    expected = team(DEFAULT_SCENARIO).calendar
    frame = built.todays_renewals_table().frame
    assert list(frame["CSM"]) == [c.csm for c in expected.csms]
    assert list(frame["Q3 (Aug-Oct) accounts"]) == [c.renewals[2].accounts for c in expected.csms]
    assert list(frame["Busiest month"]) == [c.busiest_month for c in expected.csms]


def test_the_report_rebalances_as_the_command_line_does(built):
    """The same answer as rebalance() on the scenario, on the day the report is made."""
    alone = rebalance(DEFAULT_SCENARIO, as_of=built.rebalance.as_of)
    assert [m.account_id for m in alone.moves] == [m.account_id for m in built.rebalance.moves]


def test_the_excel_sheets_hold_the_same_numbers(built, tmp_path):
    import openpyxl

    path = save_workbook(built, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    rows = list(book["Today's books"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[0] == "CSM" and len(rows) == 1 + len(built.rebalance.after)
    column = header.index("Utilization after")
    assert rows[1][column] == pytest.approx(built.rebalance.after[0].utilization)
    assert book["Today's books"].cell(row=2, column=column + 1).number_format == "0.0%"
    moves = list(book["Moves"].iter_rows(values_only=True))
    assert moves[0][:5] == ("Account", "Name", "Segment", "From", "To")
    assert [r[0] for r in moves[1:]] == [m.account_id for m in built.rebalance.moves]
    assert "Balance" in book.sheetnames and "Rebalance objectives" in book.sheetnames


def test_a_book_without_owners_has_no_section_but_a_note(tmp_path):
    book = tmp_path / "b.csv"
    book.write_text("account_id,arr\nA,200000\nB,30000\nC,6000\nD,100\n", encoding="utf-8")
    built = content.build(DEFAULT_SCENARIO, book)
    assert built.team is None and built.todays_books_table() is None and built.rebalance_moves_table() is None
    assert "no csm column" in built.todays_books_sentence().text
    section = sections.BudgetReport(built).todays_books_section()
    assert len(section) == 1 and "no <code>csm</code> column" in str(section[0])
    import openpyxl

    path = save_workbook(built, tmp_path / "r.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert "Today's books" not in names and "Moves" not in names
