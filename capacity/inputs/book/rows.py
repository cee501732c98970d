"""Where an account is in its source: the row a message names, as the user sees it.

The readers skip blank rows, so account ``k`` is not always on row ``k + 2``. A message names
the row the file shows: in a CSV file or a sheet, the header is row 1 and blank rows count; a
Parquet file or a database result has no header row and counts its rows from 1. Finding the row
may read the file again: it is only done to word an error.
"""

from __future__ import annotations

import csv
from pathlib import Path

from capacity.exceptions import BookError
from capacity.inputs.book.excel import book_sheet
from capacity.inputs.headers import EXCEL_SUFFIXES
from capacity.inputs.sources import PARQUET_SUFFIXES

__all__ = ["FIRST_DATA_ROW", "row_of", "source_row"]

FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1


def row_of(position: int, account_id: str | None = None, source: Path | str | None = None) -> str:
    """"row 17 (account_id 'ACC-15')": how a user finds account ``position`` (0-based, file order)."""
    text = f"row {source_row(source, position)}"
    if account_id:
        text += f" (account_id {account_id!r})"
    return text


def source_row(source: Path | str | None, position: int) -> int:
    """The row of account ``position`` (0-based) in ``source``, counting the blank rows the readers skip."""
    simple = position + FIRST_DATA_ROW
    if source is None:
        return simple
    if not isinstance(source, Path) or source.suffix.lower() in PARQUET_SUFFIXES:
        return position + 1  # a database result or a Parquet file: rows count from 1, no header row
    if not source.is_file():
        return simple
    try:
        if source.suffix.lower() in EXCEL_SUFFIXES:
            import openpyxl

            sheet = book_sheet(openpyxl.load_workbook(source, read_only=True, data_only=True), source)
            rows = sheet.iter_rows(values_only=True)
            filled = (i == 0 or any(c is not None and str(c).strip() != "" for c in cells)
                      for i, cells in enumerate(rows))
            return _nth_filled(filled, position + 1, simple)
        with source.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            return _nth_filled((bool(record) for record in csv.reader(handle)), position + 1, simple)
    except (OSError, csv.Error, ValueError, KeyError, BookError):  # the message falls back to the plain count
        return simple


def _nth_filled(filled, n: int, default: int) -> int:
    """The 1-based number of the ``n``-th (0-based) True in ``filled``."""
    seen = -1
    for number, is_filled in enumerate(filled, start=1):
        seen += is_filled
        if is_filled and seen == n:
            return number
    return default
