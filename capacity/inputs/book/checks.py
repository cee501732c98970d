"""The checks that refuse a book, in the order a book goes through them (:func:`~capacity.inputs.book.checks.validated`).

Every reader (CSV, Excel, Parquet, databases) hands its columns to :func:`~capacity.inputs.book.checks.validated`, which

1. drops rows at the end with every cell blank (spreadsheets leave ",,," lines behind);
2. refuses a book without rows, and a last row that totals the others (:func:`refuse_total_row`); the
   readers of CSV and Excel have set a report's footer aside already
   (:mod:`capacity.inputs.book.report_lines`), and the note says what they set aside;
3. reads the account ids, refusing a blank or repeated one (:mod:`capacity.inputs.book.ids`);
4. reads ARR in cents, refusing what is not an amount or reads two ways (:mod:`capacity.inputs.book.amounts`);
5. converts ARR in other currencies than the scenario's, or refuses it (:mod:`capacity.inputs.book.currencies`);
6. reads workload multipliers (:mod:`capacity.inputs.book.multipliers`).

A CSV file is checked before that for rows its columns do not line up with: values under a header
cell that is blank (:func:`refuse_values_without_header`) and rows with more cells than the header
has names (:func:`refuse_ragged_rows`); both mean an unquoted comma has shifted a row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from capacity.exceptions import BookError
from capacity.inputs.book.amounts import arr_cents
from capacity.inputs.book.currencies import in_currency
from capacity.inputs.book.ids import account_ids
from capacity.inputs.book.multipliers import workload_multipliers
from capacity.inputs.book.report_lines import footer_note, is_total_label
from capacity.inputs.book.rows import Origin, row_of
from capacity.inputs.book.typed_cells import as_text
from capacity.inputs.book_columns import TEXT_COLUMNS
from capacity.inputs.headers import header_width, too_many_cells

__all__ = ["Checked", "refuse_ragged_rows", "refuse_total_row", "refuse_values_without_header", "validated"]

Columns = dict[str, pa.Array | pa.ChunkedArray]


@dataclass(frozen=True)
class Checked:
    """A book's columns once checked: the text columns, ARR in cents (in the scenario's currency), the notes."""

    table: pa.Table
    cents: np.ndarray
    notes: tuple[str, ...]


def validated(columns: Columns, rows: int, origin: Origin, *, footer: Sequence[Sequence[object]] = (),
              unit: str = "lines", currency: str = "USD", fx_rates: Mapping[str, float] | None = None) -> Checked:
    """The book's text columns (``account_id`` trimmed), its ARR in cents and its notes, or a one-line error.

    ``columns`` maps canonical names to the source's columns of ``rows`` cells: ``account_id`` and
    ``arr`` always, the others when read. ``footer`` are the lines the reader set aside below the
    accounts (``unit``: what the source calls them, lines or rows). ARR in another currency than
    ``currency`` (a ``currency`` column) is converted with ``fx_rates``.
    """
    columns, rows = _without_trailing_blank_rows(columns, rows)
    note = footer_note(footer, unit=unit)
    if rows == 0:
        below = "" if note is None else \
            "; below it, " + note.removeprefix("set aside ").replace(" after the last account", "", 1)
        raise BookError("no accounts: the file has a header but no rows" + below, file=origin.file)
    refuse_total_row(columns, rows, origin)
    ids = account_ids(columns["account_id"], origin)
    cents = arr_cents(columns["arr"], ids, origin)
    kept = {name: columns[name] for name in TEXT_COLUMNS if name in columns}
    kept["account_id"] = ids
    notes = [] if note is None else [note]
    if "currency" in kept:
        cents, kept["currency"], converted = in_currency(cents, kept["currency"], ids, origin, currency, fx_rates)
        notes += [] if converted is None else [converted]
    if "workload_multiplier" in kept:
        kept["workload_multiplier"] = workload_multipliers(kept["workload_multiplier"], ids, origin)
    return Checked(pa.table(kept), cents, tuple(notes))


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


def refuse_total_row(columns: Columns, rows: int, origin: Origin) -> None:
    """Refuse a last row that totals the others: it would count the book's ARR twice.

    A last row is a total when its account_id says so ("Total", "Grand total"), or when its
    account_id is blank and its ARR equals the sum of the rows above (to 0.5%). It is refused, not
    set aside: a report's footer, which the readers set aside, is told by its blank line or its
    footer phrases (:mod:`capacity.inputs.book.report_lines`); a total row alone below the accounts is
    a table someone totalled by hand, and deleting it is theirs to do. Only the last row is looked
    at, so this costs nothing on a good book.
    """
    if rows < 2:
        return
    label = columns["account_id"][rows - 1].as_py()
    label = "" if label is None else str(label).strip()
    if label and not is_total_label(label):
        return
    try:
        cents = arr_cents(columns["arr"], as_text(columns["account_id"]), origin)
    except BookError:
        cents = None
    if cents is not None:
        above, last = int(cents[:-1].sum()), int(cents[-1])
        if abs(last - above) <= 0.005 * above:
            raise BookError(
                f"looks like a total row: its arr {last / 100:,.2f} is the sum of the {rows - 1:,} rows above; "
                "delete it so that ARR is not counted twice",
                file=origin.file,
                where=row_of(rows - 1, label, origin),
            )
    if label:
        raise BookError(
            f"looks like a total row (account_id {label!r}); delete it so that ARR is not counted twice",
            file=origin.file, where=row_of(rows - 1, origin=origin),
        )


def refuse_values_without_header(table: pa.Table, header: list[str], origin: Origin) -> None:
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
                file=origin.file,
                where=row_of(position, origin=origin),
            )


def refuse_ragged_rows(lines: Iterable[str], header: list[str], origin: Origin) -> None:
    """Refuse a row with more filled cells than the header has names.

    ``lines`` are the text below the header. Without this, pandas takes the extra first cells as an
    index when every row has one too many ("A,1200,50" with a decimal comma), and reads the wrong
    columns without a word. Fewer cells are fine: exports leave trailing blank cells out. Cells under
    a blank header name count as extra.
    """
    width = header_width(header)
    for number, cells in enumerate(csv.reader(lines), start=origin.header_row + 1):
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise BookError(
                too_many_cells(len(cells), width, " (\"Acme, Inc.\") and write ARR without a decimal comma"),
                file=origin.file,
                where=f"row {number}",
            )
