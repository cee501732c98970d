"""Books in Excel workbooks (.xlsx, .xlsm): which sheet, which header, each cell as text.

The book is the first sheet, unless another sheet alone has the account_id and arr header (an
export with a cover sheet first). Merged header cells are refused (a column would lose its
name), as is a sheet whose header is a few rows down. Rows with every cell blank are dropped
(formatting far below a table reads as blank rows). Text columns are read as a CSV would hold
them (:func:`capacity.inputs.book.typed_cells.excel_text`); ARR cells stay numbers where Excel
stores numbers. The table is validated as every book is (:meth:`capacity.inputs.book.book.Book.from_frame`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from capacity.exceptions import BookError
from capacity.inputs.book.typed_cells import excel_text
from capacity.inputs.book_columns import REQUIRED_COLUMNS, TEXT_COLUMNS, column_names
from capacity.inputs.headers import empty_sheet, has_header, open_workbook, refuse_header_below

__all__ = ["book_sheet", "read_excel"]

def read_excel(path: Path, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """The book's sheet as a frame: the header row's names, text columns as text, blank rows dropped."""
    workbook = open_workbook(path, BookError, read_only=False)  # merged cells are known only when not read-only
    sheet = book_sheet(workbook, path)
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == 1:
            raise BookError(f"merged header cells {merged.coord} on sheet {sheet.title!r}; unmerge them so each "
                            "column has one name", file=path, where="row 1")
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or all(cell is None for cell in rows[0]):
        raise empty_sheet(path, sheet.title, "book", REQUIRED_COLUMNS, BookError)
    header = ["" if cell is None else str(cell) for cell in rows[0]]
    if not has_header(header, REQUIRED_COLUMNS):
        refuse_header_below(rows, REQUIRED_COLUMNS, path, BookError)
    body = [row for row in rows[1:] if any(cell is not None and str(cell).strip() != "" for cell in row)]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    for index, name in enumerate(column_names(header, columns, path)):
        if name in TEXT_COLUMNS:
            frame.isetitem(index, frame.iloc[:, index].map(excel_text))
    return frame


def book_sheet(workbook, path: Path):
    """The first sheet, unless another one alone has the account_id and arr header (a cover sheet first)."""
    first = workbook.worksheets[0]
    if _has_book_header(first):
        return first
    others = [sheet for sheet in workbook.worksheets[1:] if _has_book_header(sheet)]
    if len(others) > 1:
        names = " and ".join(repr(sheet.title) for sheet in others)
        raise BookError(f"sheets {names} both have an account_id and arr header; keep the book on the first sheet",
                        file=path)
    return others[0] if others else first


def _has_book_header(sheet) -> bool:
    return has_header(next(sheet.iter_rows(values_only=True, max_row=1), ()), REQUIRED_COLUMNS)
