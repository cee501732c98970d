"""Books in CSV files: the table found in the file, the columns needed read by pyarrow, as text.

A CSV book is UTF-8 text (with or without a byte-order mark, any line ends), comma-separated. Its
header is found by the canonical names or the scenario's ``book_columns`` headers among the first
rows, below a report's title block if there is one; a report's footer is found from the end of the
file (:mod:`capacity.inputs.book.report_lines`: both are set aside, with a note). Before the rows are
read, the header is checked (:mod:`capacity.inputs.headers`): other formats under a .csv name, an
empty file, text that is not UTF-8, a header separated by semicolons or tabs, rows of data above it,
missing or repeated columns.

Then pyarrow reads the table's bytes alone (a slice of the memory-mapped file, between the header and
the footer, so that a footer costs nothing on a million rows) and only the columns the caller needs,
every one as text: ids keep their leading zeros, and ARR is text too ("120.000" may be 120 or 120,000,
which a float cannot tell apart; :mod:`capacity.inputs.book.amounts` decides). A category (vertical,
csm, health) is read dictionary-encoded: it has a handful of values, so only those are cleaned.

pyarrow's reader is strict: a row with more cells than the header, or a line break inside quotes,
fails it. Such a table is read again by pandas, which says where it cannot parse, after a row with
too many filled cells is refused (:func:`capacity.inputs.book.checks.refuse_ragged_rows`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from capacity.exceptions import BookError
from capacity.inputs.book.book import Book
from capacity.inputs.book.checks import refuse_ragged_rows, refuse_values_without_header
from capacity.inputs.book.report_lines import footer_size, header_index, title_note, trailing_lines
from capacity.inputs.book.rows import Origin
from capacity.inputs.book_columns import (BOOK_COLUMNS, CATEGORY_COLUMNS, REQUIRED_COLUMNS, column_names,
                                          columns_to_read, is_book_header)
from capacity.inputs.headers import (HEADER_SEARCH_ROWS, empty_file, first_line, first_non_utf8, not_utf8,
                                     refuse_separators)

__all__ = ["CsvLayout", "csv_layout", "read_csv"]

_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
#: CSV's line breaks, in bytes (those of :data:`capacity.inputs.headers.LINE_BREAK`).
_BREAK = re.compile(rb"\r\n|\r|\n")
#: Bytes read from the start to find the header, and first from the end to find a footer.
_HEAD = _TAIL = 65536
#: Past this many bytes of lines at the end that are not accounts, the rest is read as rows (and checked as rows).
_MAX_TAIL = 1 << 22


@dataclass(frozen=True)
class CsvLayout:
    """Where a CSV file's table is.

    Attributes
    ----------
    header : list of str
        The header row's cells.
    header_row : int
        Its line, from 1.
    data_start, data_end : int
        The bytes of the rows below the header, up to the footer (the file's size without one).
    title : str, optional
        The note for the title block set aside above the header.
    footer : tuple of tuple of str
        The lines set aside below the accounts, as cells.
    """

    header: list[str]
    header_row: int
    data_start: int
    data_end: int
    title: str | None = None
    footer: tuple[tuple[str, ...], ...] = ()


def read_csv(path: Path, columns: Mapping[str, str] | None = None, needs=None, *, currency: str = "USD",
             fx_rates: Mapping[str, float] | None = None) -> Book:
    """Read and validate a CSV book (see :func:`capacity.inputs.book.load.load_book`)."""
    layout = csv_layout(path, columns)
    header = layout.header
    names = column_names(header, columns, path)
    origin = Origin(path, header_row=layout.header_row)
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
    kept = {"notes": () if layout.title is None else (layout.title,), "footer": layout.footer, "currency": currency,
            "fx_rates": fx_rates}
    with pa.memory_map(str(path)) as mapped:
        data = mapped.read_buffer().slice(layout.data_start, layout.data_end - layout.data_start)
        try:
            table = _parse(data, keys, convert)
        except pa.ArrowInvalid:  # ragged rows, a line break inside quotes, text that is not UTF-8
            arrays, rows = _read_with_pandas(path, data.to_pybytes(), header, names, origin)
            return Book.of_columns(arrays, rows, origin, **kept)
    refuse_values_without_header(table, header, origin)
    arrays = {names[index]: table.column(keys[index]) for index in read}
    skipped = frozenset(name for name in names if name in BOOK_COLUMNS) - set(arrays)
    return Book.of_columns(arrays, table.num_rows, origin, skipped=skipped, **kept)


def _parse(data: pa.Buffer, keys: list[str], convert: pacsv.ConvertOptions) -> pa.Table:
    if data.size == 0 or (data.size < 4096 and not data.to_pybytes().strip()):
        return pa.table({key: pa.array([], type=pa.string()) for key in convert.include_columns})
    return pacsv.read_csv(pa.BufferReader(data), read_options=pacsv.ReadOptions(column_names=keys),
                          convert_options=convert)


def csv_layout(path: Path, columns: Mapping[str, str] | None = None) -> CsvLayout:
    """The header (found by the canonical names or ``columns``' headers), the title block and footer set aside.

    Raises
    ------
    BookError
        For an empty file, text that is not UTF-8, a header separated by semicolons or tabs, or rows of data
        above the header.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if not head.strip():
        raise empty_file(path, "book", REQUIRED_COLUMNS, BookError)
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            raise not_utf8(path, head, exc.start, BookError) from None
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    lines = _lines(head, start, complete=size <= len(head))[: HEADER_SEARCH_ROWS]
    rows = [_cells(text) for text, _ in lines]
    found = header_index(rows, lambda row: is_book_header(row, columns) or is_book_header(row))
    title = None
    if found is None:  # the missing-column error names row 1's cells
        found = 0
        refuse_separators(lines[0][0], path, BookError)
    else:
        refuse_separators(lines[found][0], path, BookError, row=found + 1)
        title = title_note(rows[:found], REQUIRED_COLUMNS, path)
    data_start = lines[found][1]
    data_end, footer = _footer(path, size, data_start)
    return CsvLayout(rows[found], found + 1, data_start, data_end, title, footer)


def _lines(data: bytes, start: int, complete: bool, offset: int = 0) -> list[tuple[str, int]]:
    """The lines of ``data`` from byte ``start``, each as text with the byte (plus ``offset``) where the next
    begins. The last line counts only if ``data`` is ``complete`` (the rest of the file) or ends with a break."""
    out = []
    for match in _BREAK.finditer(data, start):
        out.append((data[start: match.start()].decode("utf-8", errors="replace"), offset + match.end()))
        start = match.end()
    if start < len(data) and complete:
        out.append((data[start:].decode("utf-8", errors="replace"), offset + len(data)))
    return out


def _cells(line: str) -> list[str]:
    """One line's cells, as CSV reads them (the line itself if it cannot be read)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return [line]


def _footer(path: Path, size: int, data_start: int) -> tuple[int, tuple[tuple[str, ...], ...]]:
    """Where the footer starts (``size`` without one) and its lines, read from the end of the file.

    The end is read in growing blocks until a line of data is among them: a footer is a few lines.
    """
    span = _TAIL
    while True:
        start = max(data_start, size - span)
        with path.open("rb") as handle:
            handle.seek(start)
            tail = handle.read(size - start)
        first = 0
        if start > data_start:  # the block starts inside a line: from the next one
            cut = _BREAK.search(tail)
            first = len(tail) if cut is None else cut.end()
        lines = _lines(tail, first, complete=True, offset=start)
        rows = [_cells(text) for text, _ in lines]
        if trailing_lines(rows) < len(rows) or start == data_start or span >= _MAX_TAIL:
            count = footer_size(rows)
            if count == 0:
                return size, ()
            begins = lines[-count - 1][1] if count < len(lines) else start + first
            return begins, tuple(tuple(row) for row in rows[-count:])
        span *= 4


def _read_with_pandas(path: Path, data: bytes, header: list[str], names: list[str],
                      origin: Origin) -> tuple[dict[str, pa.Array], int]:
    """Every known column as text by pandas' more forgiving reader, or a one-line error saying where it fails."""
    keys = [f"c{index}" for index in range(len(header))]
    try:
        text = data.decode("utf-8")
        refuse_ragged_rows(io.StringIO(text, newline=""), header, origin)
        if not text.strip():
            frame = pd.DataFrame({key: pd.Series([], dtype=object) for key in keys})
        else:
            frame = pd.read_csv(io.StringIO(text, newline=""), header=None, names=keys, dtype=str,
                                skipinitialspace=True, keep_default_na=False, na_values=[""], index_col=False)
    except UnicodeDecodeError:
        raise (first_non_utf8(path, BookError) or BookError("not UTF-8 text; export the file as CSV UTF-8",
                                                            file=path)) from None
    except csv.Error as exc:
        raise BookError(f"cannot parse CSV: {first_line(exc)}", file=path) from None
    except pd.errors.ParserError as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", first_line(exc))
        if unclosed:  # pandas counts the rows below the header from 0
            raise BookError("a quote (\") opened in this row is never closed; close it, or remove it if it is part "
                            "of a name", file=path,
                            where=f"row {int(unclosed.group(1)) + origin.header_row + 1}") from None
        raise BookError(f"cannot parse CSV: {first_line(exc)}", file=path) from None
    arrays = {name: pa.array(frame[key].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
              for key, name in zip(keys, names) if name in BOOK_COLUMNS}
    return arrays, len(frame)
