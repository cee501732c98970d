"""Books in CSV files: the header found and checked, the columns needed read by pyarrow, as text.

A CSV book is UTF-8 text (with or without a byte-order mark, any line ends), comma-separated,
with its header on row 1. Before the rows are read, the header is checked
(:mod:`capacity.inputs.headers`): other formats under a .csv name, an empty file, text that is not
UTF-8, a header separated by semicolons or tabs, a header a few rows down, missing or repeated
columns. Then pyarrow reads only the columns the caller needs, every one as text: ids keep their
leading zeros, and ARR is text too ("120.000" may be 120 or 120,000, which a float cannot tell
apart; :mod:`capacity.inputs.book.amounts` decides). A category (vertical, csm, health) is read
dictionary-encoded: it has a handful of values, so only those are cleaned.

pyarrow's reader is strict: a row with more cells than the header, or a line break inside quotes,
fails it. Such a file is read again by pandas, which says where it cannot parse, after a row with
too many filled cells is refused (:func:`capacity.inputs.book.checks.refuse_ragged_rows`).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from capacity.exceptions import BookError
from capacity.inputs.book.book import Book
from capacity.inputs.book.checks import refuse_ragged_rows, refuse_values_without_header, validated
from capacity.inputs.book_columns import BOOK_COLUMNS, CATEGORY_COLUMNS, REQUIRED_COLUMNS, column_names, columns_to_read
from capacity.inputs.headers import (HEADER_SEARCH_ROWS, LINE_BREAK, empty_file, first_line, first_non_utf8,
                                     has_header, not_utf8, refuse_header_below, refuse_separators)

__all__ = ["csv_header", "read_csv"]

_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def read_csv(path: Path, columns: dict[str, str] | None = None, needs=None) -> Book:
    """Read and validate a CSV book (see :func:`capacity.inputs.book.load.load_book`)."""
    header = csv_header(path)
    names = column_names(header, columns, path)
    wanted = columns_to_read(needs)
    # Columns are read by position under names of their own: headers may repeat or be blank.
    keys = [f"c{index}" for index in range(len(header))]
    read = [index for index, name in enumerate(names) if name in wanted]
    # A column without a header name is read too (it is blank in a good file, so cheap): values in
    # it mean shifted rows.
    nameless = [index for index, raw in enumerate(header) if raw.strip() == "" and index not in read]
    convert = pacsv.ConvertOptions(
        column_types={keys[index]: _DICTIONARY if names[index] in CATEGORY_COLUMNS else pa.string() for index in read},
        # Only a blank cell is missing: "N/A" in an ARR cell is a user's note, to be reported, not skipped.
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        include_columns=[keys[index] for index in read + nameless],
    )
    try:
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=keys, skip_rows=1),
                               convert_options=convert)
    except pa.ArrowInvalid:  # ragged rows, a line break inside quotes, text that is not UTF-8
        return Book.from_frame(_read_with_pandas(path, header), source=path, columns=columns)
    refuse_values_without_header(table, header, path)
    arrays = {names[index]: table.column(keys[index]) for index in read}
    skipped = frozenset(name for name in names if name in BOOK_COLUMNS) - set(arrays)
    text, cents = validated(arrays, table.num_rows, path)
    return Book(table=text, arr_cents=cents, source=path, skipped=skipped)


def csv_header(path: Path) -> list[str]:
    """The header row's cells, after the checks of :mod:`capacity.inputs.headers`."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise empty_file(path, "book", REQUIRED_COLUMNS, BookError)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            raise not_utf8(path, head, exc.start, BookError) from None
        text = head[: exc.start].decode("utf-8-sig")
    lines = LINE_BREAK.split(text)
    refuse_separators(lines[0], path, BookError)
    header = next(csv.reader([lines[0]]))
    if not has_header(header, REQUIRED_COLUMNS):
        refuse_header_below(list(csv.reader(lines[:HEADER_SEARCH_ROWS])), REQUIRED_COLUMNS, path, BookError)
    return header


def _read_with_pandas(path: Path, header: list[str]) -> pd.DataFrame:
    """Every cell as text, by pandas' more forgiving reader, or a one-line error saying where it fails."""
    try:
        refuse_ragged_rows(path, header)
        return pd.read_csv(
            path, dtype=str, encoding="utf-8-sig", skipinitialspace=True, keep_default_na=False, na_values=[""],
            index_col=False,
        )
    except UnicodeDecodeError:
        raise (first_non_utf8(path, BookError) or BookError("not UTF-8 text; export the file as CSV UTF-8",
                                                            file=path)) from None
    except csv.Error as exc:
        raise BookError(f"cannot parse CSV: {first_line(exc)}", file=path) from None
    except pd.errors.EmptyDataError:
        raise empty_file(path, "book", REQUIRED_COLUMNS, BookError) from None
    except pd.errors.ParserError as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", first_line(exc))
        if unclosed:  # pandas counts rows from 0, the header included
            raise BookError("a quote (\") opened in this row is never closed; close it, or remove it if it is part "
                            "of a name", file=path, where=f"row {int(unclosed.group(1)) + 1}") from None
        raise BookError(f"cannot parse CSV: {first_line(exc)}", file=path) from None
