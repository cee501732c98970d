"""The budget report as an Excel workbook, for finance to take the numbers into their model.

One sheet per table of the report's content (:mod:`capacity.views.content`), the inputs on their own
sheet; the fiscal-year sheets only when the scenario has a fiscal year. Cells hold numbers, not text: each column has a number format (money in the
plan's currency, percentages, counts), the header row is bold and frozen, and columns
are wide enough to read.
"""

from __future__ import annotations

import math
from pathlib import Path

from capacity import formatting as fmt
from capacity.views.content import Kind, ReportContent, Table
from capacity.files import atomic_path

__all__ = ["SHEETS", "BOOKS_SHEETS", "OPTION_SHEETS", "FIT_SHEETS", "EVIDENCE_SHEETS", "CALENDAR_SHEETS",
           "number_format", "write_workbook", "save_workbook"]

#: Sheet names in workbook order (the fiscal sheets only with a fiscal year, the ranges only with an uncertainty block).
SHEETS = ("Summary", "Segments", "Touchpoints", "Top-down", "Top-down gap", "Sensitivity", "Fiscal", "Fiscal by segment",
          "Calendar", "Calendar peaks", "Today's books", "Renewals by CSM", "Moves", "Rebalance objectives", "Balance",
          "Fiscal ranges", "Fiscal ranges by month", "Fiscal variance shares", "Options", "Option changes", "Trade-offs",
          "Trade-off packages", "Pays back", "Coverage changes", "Automations", "Inputs")
#: The calendar's sheets (only when the scenario dates some work) and the renewals (only with owners and dates).
CALENDAR_SHEETS = ("Calendar", "Calendar peaks")
#: The sheets of today's books and their rebalance (only when the book names each account's owner).
BOOKS_SHEETS = ("Today's books", "Renewals by CSM", "Moves", "Rebalance objectives", "Balance")
#: The sheets of the scenario's options (only when it has some) and of a cap's trade-offs (only with a cap).
OPTION_SHEETS = ("Options", "Option changes")
FIT_SHEETS = ("Trade-offs", "Trade-off packages")
#: The business case's sheets that need the scenario's retention data or automations (``Pays back`` is always there).
EVIDENCE_SHEETS = ("Coverage changes", "Automations")


def number_format(kind: Kind, currency: str = "USD") -> str:
    """The Excel number format of a column kind (see :class:`capacity.views.content.Table`)."""
    if kind == "money":
        return fmt.excel_money_format(currency)
    return {"count": "#,##0", "percent": "0.0%", "share": "0.0%", "hours": "0.00", "decimal": "#,##0.00"}.get(kind, "General")


def _cell(value):
    """A value Excel can hold: no NaN or infinity (an unbounded portfolio is left blank)."""
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _tables(report: ReportContent) -> list[tuple[str, Table]]:
    return [
        ("Summary", report.summary_table()),
        ("Segments", report.segments_table()),
        ("Touchpoints", report.touchpoints_table()),
        ("Top-down", report.top_down_table()),
        ("Top-down gap", report.gap_table()),
        ("Sensitivity", report.sensitivity_table()),
    ] + ([("Fiscal", report.fiscal_months_table()), ("Fiscal by segment", report.fiscal_rows_table())]
         if report.fiscal is not None else []) + _calendar(report) + _todays_books(report) + _simulation_tables(report) \
        + _option_tables(report) + _payback_tables(report)


def _calendar(report: ReportContent) -> list[tuple[str, Table]]:
    """Today's book month by month and the months above the average, when the scenario dates some work."""
    if report.calendar is None:
        return []
    return [("Calendar", report.calendar_table()), ("Calendar peaks", report.calendar_peaks_table())]


def _payback_tables(report: ReportContent) -> list[tuple[str, Table]]:
    """Does it pay back: the break-even, the coverage changes (with retention data), the automations (with some)."""
    tables = [("Pays back", report.payback_table()), ("Coverage changes", report.coverage_changes_table()),
              ("Automations", report.automations_table())]
    return [(name, table) for name, table in tables if table is not None]


def _option_tables(report: ReportContent) -> list[tuple[str, Table]]:
    """The options and, with a cap, its trade-offs."""
    tables = [("Options", report.options_table()), ("Option changes", report.options_changes_table())]
    if report.fit is not None and not report.fit.nothing_needed:
        tables += [("Trade-offs", report.fit_table()), ("Trade-off packages", report.fit_packages_table())]
    return [(name, table) for name, table in tables if table is not None]


def _simulation_tables(report: ReportContent) -> list[tuple[str, Table]]:
    """The simulated year's sheets, with an ``uncertainty`` block: the ranges, the months, the variance shares."""
    if report.simulation is None:
        return []
    out = [("Fiscal ranges", report.fiscal_ranges_table()), ("Fiscal ranges by month", report.fiscal_ranges_months_table())]
    if report.simulation.variance_shares:
        out.append(("Fiscal variance shares", report.fiscal_variance_table()))
    return out


def _todays_books(report: ReportContent) -> list[tuple[str, Table]]:
    """The "Today's books" sheet (before and after), the renewals by CSM, and the rebalance's moves, objectives and
    balance, when the book names each account's owner."""
    tables = [("Today's books", report.todays_books_table()), ("Renewals by CSM", report.todays_renewals_table()),
              ("Moves", report.rebalance_moves_table()), ("Rebalance objectives", report.rebalance_objectives_table()),
              ("Balance", report.rebalance_balance_table())]
    return [(name, table) for name, table in tables if table is not None]


def write_workbook(report: ReportContent, path: str | Path) -> Path:
    """Write the workbook to ``path`` (not atomically: see :func:`save_workbook`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet_name, table in [*_tables(report), ("Inputs", report.inputs_table())]:
        sheet = book.create_sheet(sheet_name)
        columns = list(table.frame.columns)
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = bold
        for r, record in enumerate(table.frame.itertuples(index=False)):
            sheet.append([_cell(v) for v in record])
            for c, column in enumerate(columns):
                kind = table.kind_at(r, column)
                if kind != "text":
                    sheet.cell(row=r + 2, column=c + 1).number_format = number_format(kind, report.currency)
            if table.total_row and r == len(table.frame) - 1:
                for cell in sheet[r + 2]:
                    cell.font = bold
        sheet.freeze_panes = "A2"
        for c, column in enumerate(columns):
            longest = max([len(str(column))] + [len(table.cell_text(column, v, table.kind_at(r, column)))
                                                for r, v in enumerate(table.frame[column])])
            sheet.column_dimensions[get_column_letter(c + 1)].width = min(max(10, longest + 2), 60)
    book.properties.title = report.title
    book.save(path)
    return Path(path)


def save_workbook(report: ReportContent, destination: str | Path) -> Path:
    """Write the workbook to ``destination`` atomically (a failed write leaves the old file)."""
    with atomic_path(destination) as temporary:
        write_workbook(report, temporary)
    return Path(destination)
