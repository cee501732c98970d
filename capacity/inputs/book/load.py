"""Loading a book from wherever it lives: CSV, Excel, Parquet or a database, by the path or spec given.

:func:`load_book` picks the reader: a database spec (:mod:`capacity.inputs.sources`), an Excel
workbook (:mod:`capacity.inputs.book.excel`), a Parquet file, or CSV text
(:mod:`capacity.inputs.book.csv_file`), after refusing a missing file, a folder, and a file of
another kind under a CSV name. Each reader reads only the columns the caller needs (``needs``)
and hands them to the same checks (:func:`capacity.inputs.book.checks.validated`). Parquet
files and databases type their columns: those are written as the text a CSV would hold first
(:mod:`capacity.inputs.book.typed_cells`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from capacity.exceptions import BookError
from capacity.files import log_parse
from capacity.inputs import sources
from capacity.inputs.book.book import Book
from capacity.inputs.book.csv_file import read_csv
from capacity.inputs.book.excel import read_excel
from capacity.inputs.book.rows import Origin
from capacity.inputs.book.typed_cells import arrow_amount, arrow_text
from capacity.inputs.book_columns import BOOK_COLUMNS, column_names, columns_to_read
from capacity.inputs.headers import EXCEL_SUFFIXES, refuse_other_formats

__all__ = ["NOTES", "load_book"]

#: The logger each book's notes go to, one record a note, "FILE: NOTE" (the command line prints them as
#: ``note: FILE: NOTE`` on stderr): what a reader set aside or converted, said once, where the user sees it.
NOTES = logging.getLogger("capacity.book")


def load_book(path, *, columns: Mapping[str, str] | None = None, needs=None, currency: str = "USD",
              fx_rates: Mapping[str, float] | None = None, sheet: str | None = None) -> Book:
    """Read and validate a book of accounts from CSV, Excel (.xlsx), Parquet or a database.

    What the reader set aside or converted (the book's ``notes``) also goes to the logger ``NOTES``, one
    record a note.

    Parameters
    ----------
    path : str, Path, DatabaseBook or dict
        A comma-separated file (UTF-8, with or without a byte-order mark, any line ends),
        an Excel workbook whose first sheet holds the table (or, behind a cover sheet, the
        one sheet whose first row names account_id and arr), a ``.parquet`` file, or a
        database table or query (:class:`capacity.inputs.sources.DatabaseBook`, or a dict with
        ``url`` and ``table`` or ``query``).
    columns : dict, optional
        Canonical column name -> the source's header (a scenario's ``book_columns``).
    needs : iterable of str, optional
        The canonical columns the caller uses (``account_id`` and ``arr`` always are);
        others are not parsed (see :func:`capacity.inputs.book_columns.needed_columns`). By
        default every known column is read.
    currency : str
        The scenario's currency: ARR in others (a ``currency`` column) is converted with ``fx_rates``
        (:mod:`capacity.inputs.book.currencies`), or refused without a rate.
    fx_rates : mapping, optional
        Units of ``currency`` per unit of each other currency (a scenario's ``fx_rates``).
    sheet : str, optional
        The workbook's sheet the accounts are on (a scenario's ``book_sheet``); needed when several
        sheets hold accounts.

    Returns
    -------
    Book

    Raises
    ------
    BookError
        On an unreadable file or bad rows, naming the file and the row or column.
    """
    book = _read(path, columns, needs, currency, fx_rates, sheet)
    for note in book.notes:
        NOTES.info("%s: %s", book.source, note)
    return book


def _read(path, columns, needs, currency, fx_rates, sheet) -> Book:
    header: list[str] = []
    money = {"currency": currency, "fx_rates": fx_rates}

    def select(names: list[str], source) -> list[str]:
        """The source's headers to read, of all its ``names``."""
        header.extend(names)
        wanted = columns_to_read(needs)
        return [raw for raw, name in zip(names, column_names(names, columns, source)) if name in wanted]

    if sources.is_database_book(path):
        spec = sources.DatabaseBook.of(path)
        log_parse("book", spec.label)
        table = sources.read_database(spec, lambda names: select(names, spec.label))
        return _typed_book(table, spec.label, columns, needs, header, money)
    path = Path(path)
    if not path.exists():
        raise BookError("file not found", file=path)
    if path.is_dir():
        raise BookError("is a directory, not a book of accounts (CSV, .xlsx or .parquet)", file=path)
    log_parse("book", path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return read_excel(path, columns, needs, sheet=sheet, **money)
    if path.suffix.lower() in sources.PARQUET_SUFFIXES:
        table = sources.read_parquet(path, lambda names: select(names, path))
        return _typed_book(table, path, columns, needs, header, money)
    refuse_other_formats(path, BookError, parquet_hint="give it the .parquet extension")
    return read_csv(path, columns, needs, **money)


def _typed_book(table: pa.Table, source, columns, needs, header: list[str], money: dict) -> Book:
    """Validate the columns of a Parquet file or a database result, typed as their source types them.

    ``table`` holds the columns picked from the source's ``header``.
    """
    names = column_names(table.column_names, columns, source)
    wanted = columns_to_read(needs)
    read = {}
    for index, name in enumerate(names):
        if name in wanted:
            column = table.column(index)
            read[name] = arrow_amount(column) if name == "arr" else arrow_text(column)
    present = column_names(header, columns, source) if header else names
    skipped = frozenset(name for name in present if name in BOOK_COLUMNS) - set(read)
    return Book.of_columns(read, table.num_rows, Origin(source), unit="rows", skipped=skipped, **money)
