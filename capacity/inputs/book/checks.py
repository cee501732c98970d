"""The checks that refuse a book, in the order a book goes through them (:func:`~capacity.inputs.book.checks.validated`).

Every reader (CSV, Excel, Parquet, databases) hands its columns to :func:`~capacity.inputs.book.checks.validated`, which

1. drops rows at the end with every cell blank (spreadsheets leave ",,," lines behind);
2. refuses a book without rows, and a last row that totals the others (:func:`refuse_total_row`);
3. reads the account ids, refusing a blank or repeated one (:mod:`capacity.inputs.book.ids`);
4. reads ARR in cents, refusing what is not an amount or reads two ways (:mod:`capacity.inputs.book.amounts`);
5. reads workload multipliers (:mod:`capacity.inputs.book.multipliers`).

A CSV file is checked before that for rows its columns do not line up with: values under a header
cell that is blank (:func:`refuse_values_without_header`) and rows with more cells than the header
has names (:func:`refuse_ragged_rows`); both mean an unquoted comma has shifted a row.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from capacity.exceptions import BookError
from capacity.inputs.book.amounts import arr_cents
from capacity.inputs.book.ids import account_ids
from capacity.inputs.book.multipliers import workload_multipliers
from capacity.inputs.book.rows import row_of
from capacity.inputs.book.typed_cells import as_text
from capacity.inputs.book_columns import TEXT_COLUMNS
from capacity.inputs.headers import header_width, too_many_cells

__all__ = ["refuse_ragged_rows", "refuse_total_row", "refuse_values_without_header", "validated"]

Columns = dict[str, pa.Array | pa.ChunkedArray]


def validated(columns: Columns, rows: int, source: Path | str | None) -> tuple[pa.Table, np.ndarray]:
    """The book's text columns (``account_id`` trimmed) and its ARR in cents, or a one-line error.

    ``columns`` maps canonical names to the source's columns of ``rows`` cells: ``account_id`` and
    ``arr`` always, the others when read.
    """
    columns, rows = _without_trailing_blank_rows(columns, rows)
    if rows == 0:
        raise BookError("no accounts: the file has a header but no rows", file=source)
    refuse_total_row(columns, rows, source)
    ids = account_ids(columns["account_id"], source)
    cents = arr_cents(columns["arr"], ids, source)
    kept = {name: columns[name] for name in TEXT_COLUMNS if name in columns}
    kept["account_id"] = ids
    if "workload_multiplier" in kept:
        kept["workload_multiplier"] = workload_multipliers(kept["workload_multiplier"], ids, source)
    return pa.table(kept), cents


def _blank_at(column: pa.Array | pa.ChunkedArray, position: int) -> bool:
    value = column[position].as_py()
    return value is None or (isinstance(value, str) and value.strip() == "")


def _without_trailing_blank_rows(columns: Columns, rows: int) -> tuple[Columns, int]:
    """Drop rows at the end with every known cell blank."""
    kept = rows
    while kept > 0 and all(_blank_at(column, kept - 1) for column in columns.values()):
        kept -= 1
    if kept == rows:
        return columns, rows
    return {name: column.slice(0, kept) for name, column in columns.items()}, kept


# "Total", "Grand total", "Totals:", "Sum", "Subtotal": what a spreadsheet's last row is called.
# The whole cell, so that an account called "Total Wine" is not taken for one.
_TOTAL_LABEL = re.compile(r"^\s*((grand\s+|sub\s*)?totals?|sum)\s*:?\s*$", re.IGNORECASE)


def refuse_total_row(columns: Columns, rows: int, source: Path | str | None) -> None:
    """Refuse a last row that totals the others: it would count the book's ARR twice.

    A last row is a total when its account_id says so ("Total", "Grand total"), or when
    its account_id is blank and its ARR equals the sum of the rows above (to 0.5%).
    Only the last row is looked at, so this costs nothing on a good book.
    """
    if rows < 2:
        return
    label = columns["account_id"][rows - 1].as_py()
    label = "" if label is None else str(label).strip()
    if label and not _TOTAL_LABEL.match(label):
        return
    try:
        cents = arr_cents(columns["arr"], as_text(columns["account_id"]), source)
    except BookError:
        cents = None
    if cents is not None:
        above, last = int(cents[:-1].sum()), int(cents[-1])
        if abs(last - above) <= 0.005 * above:
            raise BookError(
                f"looks like a total row: its arr {last / 100:,.2f} is the sum of the {rows - 1:,} rows above; "
                "delete it so that ARR is not counted twice",
                file=source,
                where=row_of(rows - 1, label, source),
            )
    if label:
        raise BookError(
            f"looks like a total row (account_id {label!r}); delete it so that ARR is not counted twice", file=source,
            where=row_of(rows - 1, source=source),
        )


def refuse_values_without_header(table: pa.Table, header: list[str], path: Path) -> None:
    """Refuse values in a column whose header cell is blank.

    A trailing comma on the header line makes a nameless column; if rows put values
    there, an unquoted comma has shifted them ("$1,200.50" read as "$1" and "200.50").
    ``table`` holds at least the nameless columns, each under the key ``c<index>``.
    """
    for index, name in enumerate(header):
        key = f"c{index}"
        if name.strip() != "" or key not in table.column_names:
            continue
        column = table.column(key)
        if column.null_count < len(column):
            position = int(np.argmax(~column.is_null().to_numpy(zero_copy_only=False)))
            raise BookError(
                f"column {index + 1} has no name in the header but holds {column[position].as_py()!r}; name the "
                "column, or put quotes around a value that holds a comma (\"$1,200.50\")",
                file=path,
                where=row_of(position, source=path),
            )


def refuse_ragged_rows(path: Path, header: list[str]) -> None:
    """Refuse a row with more filled cells than the header has names.

    Without this, pandas takes the extra first cells as an index when every row has one
    too many ("A,1200,50" with a decimal comma), and reads the wrong columns without a word.
    Fewer cells are fine: exports leave trailing blank cells out. Cells under a blank
    header name count as extra.
    """
    width = header_width(header)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for number, cells in enumerate(reader, start=2):
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                raise BookError(
                    too_many_cells(len(cells), width, " (\"Acme, Inc.\") and write ARR without a decimal comma"),
                    file=path,
                    where=f"row {number}",
                )
