"""Where an account is in its source: the row a message names, as the user sees it.

The readers skip blank rows and set aside a report's title block and footer
(:mod:`capacity.inputs.book.report_lines`), so account ``k`` is not always on row ``k + 2``. A
message names the row the file shows: in a CSV file or a sheet, rows count from the file's first
line (a title block above the header counts, and so do blank rows); a Parquet file or a database
result has no header row and counts its rows from 1. Finding the row may read the file again: it
is only done to word an error.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from capacity.exceptions import BookError
from capacity.inputs.headers import EXCEL_SUFFIXES
from capacity.inputs.sources import PARQUET_SUFFIXES

__all__ = ["FIRST_DATA_ROW", "Origin", "row_of", "source_row"]

FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1


@dataclass(frozen=True)
class Origin:
    """Where a book's rows come from: the file, the sheet, the header's row.

    Attributes
    ----------
    file : Path, str or None
        The file (a database book: its label; None for a table built in code).
    sheet : str, optional
        The workbook's sheet the accounts are on.
    header_row : int
        The header's row in the file or sheet, from 1 (below a title block of three lines: 4).
    """

    file: Path | str | None = None
    sheet: str | None = None
    header_row: int = 1


def row_of(position: int, account_id: str | None = None, origin: Origin | None = None) -> str:
    """"row 17 (account_id 'ACC-15')": how a user finds account ``position`` (0-based, file order)."""
    text = f"row {source_row(origin or Origin(), position)}"
    if account_id:
        text += f" (account_id {account_id!r})"
    return text


def source_row(origin: Origin, position: int) -> int:
    """The row of account ``position`` (0-based) in its source, counting the rows the readers skip."""
    simple = position + origin.header_row + 1
    source = origin.file
    if source is None:
        return simple
    if not isinstance(source, Path) or source.suffix.lower() in PARQUET_SUFFIXES:
        return position + 1  # a database result or a Parquet file: rows count from 1, no header row
    if not source.is_file():
        return simple
    try:
        if source.suffix.lower() in EXCEL_SUFFIXES:
            import openpyxl

            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
            sheet = workbook[origin.sheet] if origin.sheet is not None else workbook.worksheets[0]
            rows = sheet.iter_rows(min_row=origin.header_row, values_only=True)
            filled = (i == 0 or any(c is not None and str(c).strip() != "" for c in cells)
                      for i, cells in enumerate(rows))
            return origin.header_row - 1 + _nth_filled(filled, position + 1, simple - origin.header_row + 1)
        with source.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            records = islice(csv.reader(handle), origin.header_row - 1, None)
            filled = (i == 0 or bool(record) for i, record in enumerate(records))
            return origin.header_row - 1 + _nth_filled(filled, position + 1, simple - origin.header_row + 1)
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
