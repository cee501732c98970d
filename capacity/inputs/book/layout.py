"""Where an export's table is: its header row, whatever the column names are.

``capacity init`` reads an export before anyone has said which column is which, so its header
cannot be found by the canonical names. :func:`export_header` gives the header row's cells of any
source a book can come from: the first row of a CSV file or of an Excel workbook's sheet (the first,
or the one named) that has two filled cells or more (a report's title block above it has one a row,
:mod:`capacity.inputs.book.report_lines`), the column names of a Parquet file or a database table or
query.
"""

from __future__ import annotations

import csv
from pathlib import Path

from capacity.exceptions import BookError
from capacity.inputs import sources
from capacity.inputs.book.report_lines import filled_cells
from capacity.inputs.book_columns import REQUIRED_COLUMNS
from capacity.inputs.headers import (EXCEL_SUFFIXES, HEADER_SEARCH_ROWS, LINE_BREAK, empty_file, empty_sheet, not_utf8,
                                     open_workbook, refuse_other_formats, refuse_separators)

__all__ = ["export_header"]


def export_header(source, sheet: str | None = None) -> list[str]:
    """The header row's cells of an export (CSV, .xlsx, Parquet, or a database table or query).

    Raises
    ------
    BookError
        For a missing, empty or unreadable export, a sheet it does not have, or a CSV header separated by
        semicolons or tabs.
    """
    if sources.is_database_book(source):
        return _database_header(sources.DatabaseBook.of(source))
    path = Path(source)
    if not path.exists():
        raise BookError("file not found", file=path)
    if path.is_dir():
        raise BookError("is a directory, not an export of accounts (CSV, .xlsx or .parquet)", file=path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        workbook = open_workbook(path, BookError)
        if sheet is not None and sheet not in workbook.sheetnames:
            raise BookError(f"no sheet {sheet!r}; the sheets are: {', '.join(repr(s) for s in workbook.sheetnames)}",
                            file=path)
        chosen = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = list(chosen.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS))
        if not any(filled_cells(row) for row in rows):
            raise empty_sheet(path, chosen.title, "book", REQUIRED_COLUMNS, BookError)
        return ["" if cell is None else str(cell) for cell in _header_row(rows)]
    if path.suffix.lower() in sources.PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            return list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise BookError(f"cannot read as Parquet ({str(exc).splitlines()[0] if str(exc) else exc})",
                            file=path) from None
    refuse_other_formats(path, BookError, parquet_hint="give it the .parquet extension")
    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise empty_file(path, "book", REQUIRED_COLUMNS, BookError)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise not_utf8(path, head, exc.start, BookError) from None
        text = head[: exc.start].decode("utf-8-sig")
    lines = LINE_BREAK.split(text)[:HEADER_SEARCH_ROWS]
    rows = [next(csv.reader([line]), []) for line in lines]
    header = _header_row(rows)
    refuse_separators(lines[rows.index(header)], path, BookError)
    return header


def _header_row(rows: list) -> list:
    """The first of ``rows`` with two filled cells or more (below a title block), else the first."""
    return next((row for row in rows if len(filled_cells(row)) > 1), rows[0])


def _database_header(spec) -> list[str]:
    names: list[str] = []

    def select(found: list[str]) -> list[str]:
        names.extend(found)
        return found

    sources.read_database(spec, select)
    return names
