"""Write the Excel books of the bad-input corpus (run from the repository root).

The .xlsx files are committed so that the corpus test reads real workbooks; this script
is how they were made, and says what each one holds:

    .venv/bin/python tests/bad_inputs/make_xlsx.py
"""

from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def _book(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Accounts"
    for row in rows:
        sheet.append(row)
    return workbook, sheet


def merged_header():
    # A CRM report with a banner over two header cells: "Account" spans id and name.
    workbook, sheet = _book([["Account", None, "ARR"], ["0001", "Acme", 12000], ["0002", "Beta", 9000]])
    sheet.merge_cells("A1:B1")
    return workbook


def total_row():
    # A sheet someone totalled at the bottom with a formula.
    return _book([["account_id", "name", "arr"], ["0001", "Acme", 12000], ["0002", "Beta", 9000],
                  ["Total", None, "=SUM(C2:C3)"]])[0]


def header_not_first_row():
    # A row of two filled cells and a blank row above the table: data, not a report's title block (one filled
    # cell a row, which the reader sets aside).
    return _book([["Accounts export", "1 Nov 2026"], [], ["account_id", "name", "arr"], ["0001", "Acme", 12000]])[0]


def empty_sheet():
    return _book([])[0]


WORKBOOKS = {
    "xlsx_merged_header": merged_header,
    "xlsx_total_row": total_row,
    "xlsx_header_not_first_row": header_not_first_row,
    "xlsx_empty_sheet": empty_sheet,
}

if __name__ == "__main__":
    for case, build in WORKBOOKS.items():
        (HERE / case).mkdir(exist_ok=True)
        build().save(HERE / case / "book.xlsx")
    # Not a workbook at all: a CSV saved under an .xlsx name.
    (HERE / "xlsx_not_a_workbook").mkdir(exist_ok=True)
    (HERE / "xlsx_not_a_workbook" / "book.xlsx").write_text("account_id,arr\n0001,12000\n")
