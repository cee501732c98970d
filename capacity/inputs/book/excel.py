"""Books in Excel workbooks (.xlsx, .xlsm): which sheet, which header, each cell as text.

Which sheet: the one a scenario's ``book_sheet`` names; else the one sheet whose header names
account_id and arr (an export with a cover sheet first), or the first sheet when none does. A
workbook with a sheet per region, several sheets with that header, is refused naming them: which
one (or all) is the book is the user's call, never guessed.

Which header: the row naming account_id and arr (by the canonical names or the scenario's
``book_columns``) among the first rows. A formatted report's title block above it (the report's
name, "Filtered By:", "As of ...", one filled cell a row) and its footer below the accounts (a
grand total followed by the confidentiality and copyright lines) are set aside with a note each
(:mod:`capacity.inputs.book.report_lines`). Merged header cells are refused (a column would lose
its name). Rows with every cell blank are dropped (formatting far below a table reads as blank
rows). Text columns are read as a CSV would hold them
(:func:`capacity.inputs.book.typed_cells.excel_text`); ARR cells stay numbers where Excel stores
numbers. The columns are validated as every book's are
(:meth:`capacity.inputs.book.book.Book.of_columns`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from capacity.exceptions import BookError
from capacity.inputs.book.book import Book, frame_columns
from capacity.inputs.book.report_lines import filled_cells, footer_size, header_index, title_note
from capacity.inputs.book.rows import Origin
from capacity.inputs.book.typed_cells import excel_text
from capacity.inputs.book_columns import REQUIRED_COLUMNS, TEXT_COLUMNS, column_names, is_book_header
from capacity.inputs.headers import HEADER_SEARCH_ROWS, empty_sheet, open_workbook

__all__ = ["book_sheet", "read_excel"]


def read_excel(path: Path, columns: Mapping[str, str] | None = None, needs=None, *, sheet: str | None = None,
               currency: str = "USD", fx_rates: Mapping[str, float] | None = None) -> Book:
    """Read and validate the book on a workbook's sheet (see :func:`capacity.inputs.book.load.load_book`).

    ``needs`` is accepted for the readers' common signature; a sheet is read whole.
    """
    workbook = open_workbook(path, BookError, read_only=False)  # merged cells are known only when not read-only
    chosen = book_sheet(workbook, path, columns, sheet)
    rows = list(chosen.iter_rows(values_only=True))
    if not any(filled_cells(row) for row in rows[:HEADER_SEARCH_ROWS]):
        raise empty_sheet(path, chosen.title, "book", REQUIRED_COLUMNS, BookError)
    found = header_index(rows, lambda row: _is_header(row, columns))
    title = None
    if found is None:  # the missing-column error names the first row's cells
        found = 0
    else:
        title = title_note(rows[:found], REQUIRED_COLUMNS, path, unit="rows")
    for merged in chosen.merged_cells.ranges:
        if merged.min_row <= found + 1 <= merged.max_row:
            raise BookError(f"merged header cells {merged.coord} on sheet {chosen.title!r}; unmerge them so each "
                            "column has one name", file=path, where=f"row {found + 1}")
    header = ["" if cell is None else str(cell) for cell in rows[found]]
    below = rows[found + 1:]
    count = footer_size(below)
    footer = tuple(tuple(row) for row in below[len(below) - count:]) if count else ()
    body = [row for row in below[: len(below) - count] if filled_cells(row)]
    frame = pd.DataFrame([list(row) + [None] * (len(header) - len(row)) for row in body], columns=header,
                         dtype=object)
    for index, name in enumerate(column_names(header, columns, path)):
        if name in TEXT_COLUMNS:
            frame.isetitem(index, frame.iloc[:, index].map(excel_text))
    origin = Origin(path, chosen.title, found + 1)
    return Book.of_columns(frame_columns(frame, columns, path), len(frame), origin,
                           notes=() if title is None else (title,), footer=footer, unit="rows", currency=currency,
                           fx_rates=fx_rates)


def book_sheet(workbook, path: Path, columns: Mapping[str, str] | None = None, sheet: str | None = None):
    """The sheet ``sheet`` names; else the one sheet with the book's header, or the first when none has it.

    Raises
    ------
    BookError
        When ``sheet`` is not a sheet of the workbook, or several sheets have the header (naming them).
    """
    if sheet is not None:
        if sheet not in workbook.sheetnames:
            raise BookError(f"no sheet {sheet!r}; the sheets are: {', '.join(map(repr, workbook.sheetnames))}",
                            file=path, where="book_sheet")
        return workbook[sheet]
    holding = [s for s in workbook.worksheets if _has_book_header(s, columns)]
    if len(holding) > 1:
        names = ", ".join(repr(s.title) for s in holding)
        raise BookError(f"sheets {names} all have an account_id and arr header; name the one to read with "
                        f"book_sheet: {holding[0].title} in the scenario (capacity init --sheet), or put the accounts "
                        "on one sheet", file=path)
    return holding[0] if holding else workbook.worksheets[0]


def _is_header(row, columns: Mapping[str, str] | None) -> bool:
    return is_book_header(row, columns) or is_book_header(row)


def _has_book_header(sheet, columns: Mapping[str, str] | None) -> bool:
    rows = sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS)
    return header_index(list(rows), lambda row: _is_header(row, columns)) is not None
