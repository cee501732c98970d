"""The book of accounts: read as CRMs export it, validated, ARR sorted once.

A book is a CSV or Excel file with one row per account: ``account_id`` and ``arr``
required; ``name``, ``vertical`` and ``renewal_date`` optional. Column names are
matched loosely ("Account ID", "ARR" work). ARR may be written as exports write it
("$12,500.00", " 12500 "). Account ids stay text, so leading zeros survive.

Reading and validating stay in Arrow columns (no Python object per account), so a
million-row book loads in about the time pandas takes to parse it. A :class:`Book`
keeps ARR in integer cents, sorted once, with cumulative sums, so segment counts and
ARR for any thresholds are two binary searches, not a scan: this is what keeps the
what-if sliders instant on a million accounts.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .exceptions import BookError

__all__ = ["Book", "SortedARR", "load_book", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "MAX_PLAUSIBLE_ARR",
           "UNASSIGNED_VERTICAL"]

REQUIRED_COLUMNS = ("account_id", "arr")
OPTIONAL_COLUMNS = ("name", "vertical", "renewal_date")
_TEXT_COLUMNS = ("account_id", "name", "vertical", "renewal_date")
#: One account above a trillion a year is a unit or export mistake, not a customer.
MAX_PLAUSIBLE_ARR = 1e12
#: The vertical given to accounts whose ``vertical`` cell is blank.
UNASSIGNED_VERTICAL = "Unassigned"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_VERTICAL_TYPE = pa.dictionary(pa.int32(), pa.string())
_FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1


@dataclass(frozen=True, eq=False)
class SortedARR:
    """ARR in ascending integer cents with cumulative sums (``cum[0] == 0``)."""

    cents: np.ndarray
    cum: np.ndarray

    @classmethod
    def of(cls, cents: np.ndarray) -> "SortedARR":
        ordered = np.sort(cents)
        cum = np.zeros(len(ordered) + 1, dtype=np.int64)
        np.cumsum(ordered, out=cum[1:])
        return cls(ordered, cum)

    def between(self, lower_bounds_cents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Count and ARR (cents) in ``[b_k, b_{k+1})`` for ascending bounds; the last bin is open.

        ``lower_bounds_cents`` is ``(S,)`` or ``(V, S)``: one set of bounds per row. Accounts
        below ``b_0`` are not counted; :func:`capacity.segments.segment_sizes` refuses them.
        """
        bounds = np.asarray(lower_bounds_cents)
        edges = np.searchsorted(self.cents, bounds, side="left")
        edges = np.concatenate([edges, np.full(edges.shape[:-1] + (1,), len(self.cents))], axis=-1)
        counts = np.diff(edges, axis=-1)
        sums = np.diff(self.cum[edges], axis=-1)
        return counts, sums


@dataclass(frozen=True, eq=False)
class Book:
    """A validated book of accounts.

    Attributes
    ----------
    table : pyarrow.Table
        The validated text columns in file order: ``account_id`` (trimmed), and ``name``,
        ``renewal_date`` and ``vertical`` (as read) when the file has them.
    arr_cents : numpy.ndarray
        ARR per account in integer cents, in file order.
    source : Path or None
        The file the book was read from.
    """

    table: pa.Table
    arr_cents: np.ndarray
    source: Path | None = None

    def __len__(self) -> int:
        return len(self.arr_cents)

    @cached_property
    def accounts(self) -> pd.DataFrame:
        """One row per account in file order: ``account_id`` (str), ``arr`` (float, USD/year),
        ``vertical`` (categorical, blank as "Unassigned"), and ``name`` / ``renewal_date`` when given.

        Built on first use: sizing a plan needs only the ARR, so a load does not pay for it.
        """
        frame = self.table.drop_columns([c for c in ("vertical",) if c in self.table.column_names]).to_pandas()
        frame.insert(1, "arr", self.arr_cents / 100)
        vertical = self.table.column("vertical") if "vertical" in self.table.column_names else None
        frame["vertical"] = _verticals(vertical, len(self))
        return frame

    @property
    def total_arr(self) -> float:
        """Total ARR of the book [USD/year], exact to the cent."""
        return int(self.sorted.cum[-1]) / 100

    @cached_property
    def sorted(self) -> SortedARR:
        """The whole book's ARR, sorted once."""
        return SortedARR.of(self.arr_cents)

    @cached_property
    def by_vertical(self) -> dict[str, SortedARR]:
        """Each vertical's ARR, sorted once (for vertical pools)."""
        codes, labels = pd.factorize(self.accounts["vertical"], sort=True)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
        grouped = self.arr_cents[order]
        return {str(label): SortedARR.of(grouped[bounds[i] : bounds[i + 1]]) for i, label in enumerate(labels)}

    def row_of(self, position: int) -> str:
        """How a user finds account ``position`` (0-based, file order): its row and id."""
        return _row(position, self.table.column("account_id")[position].as_py(), self.source)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str | Path | None = None) -> "Book":
        """Validate a table of accounts (as read from Excel, or built in code).

        Raises
        ------
        BookError
            Naming the row and column of the first problem.
        """
        source = None if source is None else Path(source)
        names = _canonical_names(frame.columns, source)
        columns = {}
        for column, name in zip(frame.columns, names):
            values = frame[column]
            if name == "arr" and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                columns[name] = pa.array(values.to_numpy(dtype=float, na_value=np.nan), type=pa.float64(), from_pandas=True)
            elif name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
                columns[name] = pa.array(values.astype("string").fillna(""), type=pa.string())
        return _book_from_columns(columns, len(frame), source)


def load_book(path: str | Path) -> Book:
    """Read and validate a book of accounts from CSV or Excel (.xlsx).

    Parameters
    ----------
    path : str or Path
        A comma-separated file (UTF-8, with or without a byte-order mark, any line ends)
        or an Excel workbook whose first sheet holds the table (or, behind a cover sheet, the
        one sheet whose first row names account_id and arr).

    Returns
    -------
    Book

    Raises
    ------
    BookError
        On an unreadable file or bad rows, naming the file and the row or column.
    """
    path = Path(path)
    if not path.exists():
        raise BookError("file not found", file=path)
    if path.is_dir():
        raise BookError("is a directory, not a book of accounts (CSV or .xlsx)", file=path)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        return Book.from_frame(_read_excel(path), source=path)
    _refuse_other_formats(path)
    return _read_csv(path)


# -- reading -----------------------------------------------------------------------


def _refuse_other_formats(path: Path) -> None:
    """Refuse files that are not text before a CSV parser makes something of them."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise BookError(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    if magic.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        raise BookError("is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8", file=path)
    if magic.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BookError("is UTF-16 text (Excel's \"Unicode Text\"); export the file as CSV UTF-8", file=path)
    if magic.startswith(b"PK\x03\x04"):
        raise BookError(
            "is a zip or Excel (.xlsx) file, not CSV text; give an Excel workbook the .xlsx extension", file=path
        )


def _read_csv(path: Path) -> Book:
    header = _csv_header(path)
    names = _canonical_names(header, path)
    # Text columns are declared as text so that ids keep their leading zeros; only a blank
    # cell is missing: "N/A" in an ARR cell is a user's note, to be reported, not skipped.
    # A vertical has a handful of values: reading it dictionary-encoded leaves only those to clean.
    types = {raw: _VERTICAL_TYPE if name == "vertical" else pa.string()
             for raw, name in zip(header, names) if name in _TEXT_COLUMNS}
    convert = pacsv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = pacsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid:
        # pyarrow is strict (ragged rows, newlines inside quotes): pandas reads what it can
        # and says where it cannot.
        return Book.from_frame(_read_csv_with_pandas(path), source=path)
    _refuse_values_without_header(table, header, path)
    columns = {name: table.column(i) for i, name in enumerate(names) if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    return _book_from_columns(columns, table.num_rows, path)


def _csv_header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise BookError("the file is empty; a book needs a header with account_id and arr, and rows", file=path)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            raise _not_utf8(path, head, exc.start) from None
        text = head[: exc.start].decode("utf-8-sig")
    lines = _LINE_BREAK.split(text)
    first_line = lines[0]
    if first_line.count(";") > first_line.count(",") and first_line.count(";") >= 1:
        # Refused, not guessed: in a semicolon file "1.234" may be 1234 or 1.234.
        raise BookError(
            "the header is separated by semicolons; export the file comma-separated, with a dot for decimals "
            "(\"CSV UTF-8\" in Excel), so that no decimal comma is misread",
            file=path,
            where="row 1",
        )
    if "\t" in first_line and "," not in first_line:
        raise BookError(
            "the header is separated by tabs; export the file comma-separated (\"CSV UTF-8\" in Excel)",
            file=path,
            where="row 1",
        )
    header = next(csv.reader([first_line]))
    if not {_canonical(c) for c in header} >= set(REQUIRED_COLUMNS):
        _refuse_header_below(list(csv.reader(lines[:_HEADER_SEARCH_ROWS])), path)
    return header


_HEADER_SEARCH_ROWS = 20
# The line breaks of CSV (and of pyarrow's reader): not str.splitlines(), which also breaks at \f, \x1c, \u2028...
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _refuse_values_without_header(table: pa.Table, header: list[str], path: Path) -> None:
    """Refuse values in a column whose header cell is blank, or a header pyarrow read otherwise.

    A trailing comma on the header line makes a nameless column; if rows put values
    there, an unquoted comma has shifted them ("$1,200.50" read as "$1" and "200.50").
    """
    if table.num_columns != len(header):
        raise BookError(f"the header has {len(header)} names but the rows have {table.num_columns} cells",
                        file=path, where="row 1")
    for index, name in enumerate(header):
        column = table.column(index)
        if name.strip() == "" and column.null_count < len(column):
            position = int(np.argmax(~column.is_null().to_numpy(zero_copy_only=False)))
            raise BookError(
                f"column {index + 1} has no name in the header but holds {column[position].as_py()!r}; name the "
                "column, or put quotes around a value that holds a comma (\"$1,200.50\")",
                file=path,
                where=_row(position, source=path),
            )


def _refuse_header_below(rows: list, path: Path) -> None:
    """Say so when the header is a few rows down (a title or notes above it), instead of "missing column"."""
    for number, row in enumerate(rows[1:], start=2):
        if {_canonical(c) for c in row if c is not None} >= set(REQUIRED_COLUMNS):
            raise BookError(
                f"the header (account_id, arr) is on row {number}, not row 1; "
                f"delete the {number - 1} row{'s' if number > 2 else ''} above it",
                file=path,
            )


def _not_utf8(path: Path, data: bytes, position: int, offset: int = 0, row: int | None = None) -> BookError:
    """A non-UTF-8 byte at ``position`` of ``data``: which row, which byte, and what to do."""
    row = data[:position].count(b"\n") + 1 if row is None else row
    return BookError(
        f"not UTF-8 text (byte {offset + position}, 0x{data[position]:02x}); export the file as CSV UTF-8",
        file=path,
        where=f"row {row}",
    )


def _first_non_utf8(path: Path) -> BookError | None:
    """Find the first byte that is not UTF-8 in a file of any size, with its row."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, rows = 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder may hold up to 3 bytes of the previous chunk; good enough for a message.
                start = max(exc.start, 0)
                return _not_utf8(path, chunk, start, offset, rows + chunk[:start].count(b"\n") + 1)
            offset += len(chunk)
            rows += chunk.count(b"\n")
    return None


def _refuse_ragged_rows(path: Path) -> None:
    """Refuse a row with more filled cells than the header has names.

    Without this, pandas takes the extra first cells as an index when every row has one
    too many ("A,1200,50" with a decimal comma), and reads the wrong columns without a word.
    Fewer cells are fine: exports leave trailing blank cells out. Cells under a blank
    header name count as extra.
    """
    header = _csv_header(path)
    width = len(header)
    while width > 0 and header[width - 1].strip() == "":
        width -= 1
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for number, row in enumerate(reader, start=2):
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                raise BookError(
                    f"has {len(row)} cells but the header has {width} columns; put quotes around a value "
                    "that holds a comma (\"Acme, Inc.\") and write ARR without a decimal comma",
                    file=path,
                    where=f"row {number}",
                )


def _read_csv_with_pandas(path: Path) -> pd.DataFrame:
    try:
        _refuse_ragged_rows(path)
        return pd.read_csv(
            path, dtype=str, encoding="utf-8-sig", skipinitialspace=True, keep_default_na=False, na_values=[""],
            index_col=False,
        )
    except UnicodeDecodeError:
        raise (_first_non_utf8(path) or BookError("not UTF-8 text; export the file as CSV UTF-8", file=path)) from None
    except csv.Error as exc:
        raise BookError(f"cannot parse CSV: {_first_line(exc)}", file=path) from None
    except pd.errors.EmptyDataError:
        raise BookError("the file is empty; a book needs a header with account_id and arr, and rows", file=path) from None
    except pd.errors.ParserError as exc:
        raise _parser_problem(exc, path) from None


def _parser_problem(exc: Exception, path: Path) -> BookError:
    text = _first_line(exc)
    unclosed = re.search(r"EOF inside string starting at row (\d+)", text)
    if unclosed:  # pandas counts rows from 0, the header included
        return BookError(
            "a quote (\") opened in this row is never closed; close it, or remove it if it is part of a name",
            file=path,
            where=f"row {int(unclosed.group(1)) + 1}",
        )
    return BookError(f"cannot parse CSV: {text}", file=path)


def _read_excel(path: Path) -> pd.DataFrame:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise BookError(
            f"cannot open as an Excel workbook ({_first_line(exc)}); save it from Excel as .xlsx, "
            "or give a CSV file a .csv name",
            file=path,
        ) from None
    sheet = _book_sheet(workbook, path)
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == 1:
            raise BookError(
                f"merged header cells {merged.coord} on sheet {sheet.title!r}; unmerge them so each column has one name",
                file=path,
                where="row 1",
            )
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or all(cell is None for cell in rows[0]):
        raise BookError(f"sheet {sheet.title!r} is empty; a book needs a header row with account_id and arr", file=path)
    header = ["" if cell is None else str(cell) for cell in rows[0]]
    if not {_canonical(c) for c in header} >= set(REQUIRED_COLUMNS):
        _refuse_header_below(rows[:_HEADER_SEARCH_ROWS], path)
    body = [row for row in rows[1:] if any(cell is not None and str(cell).strip() != "" for cell in row)]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    for column in frame.columns:
        if _canonical(column) in _TEXT_COLUMNS:
            frame[column] = frame[column].map(_excel_text)
    return frame


def _has_book_header(sheet) -> bool:
    first = next(sheet.iter_rows(values_only=True, max_row=1), ())
    return {_canonical(c) for c in first if c is not None} >= set(REQUIRED_COLUMNS)


def _book_sheet(workbook, path: Path):
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


def _excel_text(value) -> object:
    # Excel stores 00123 typed as a number as 123.0; a whole float is shown without ".0".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # A date cell is a datetime at midnight: the date is what the user typed.
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return None if value is None else str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- validating ---------------------------------------------------------------------


def _canonical(column: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(column).strip().lstrip("\ufeff").lower())


def _canonical_names(columns, source: Path | None) -> list[str]:
    names = [_canonical(c) for c in columns]
    for wanted in REQUIRED_COLUMNS:
        if wanted not in names:
            shown = ", ".join(repr(str(c)) for c in list(columns)[:8])
            raise BookError(f"missing required column {wanted!r} (columns found: {shown}){_rename_hint(wanted, columns)}",
                            file=source)
    for wanted in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        if names.count(wanted) > 1:
            shown = ", ".join(repr(str(c)) for c, name in zip(columns, names) if name == wanted)
            raise BookError(f"{names.count(wanted)} columns are read as {wanted!r} ({shown}); keep one",
                            file=source, where="row 1")
    return names


def _rename_hint(wanted: str, columns) -> str:
    """"; rename 'ARR (USD)' to arr" when a column looks like the missing one."""
    squashed = {str(c): _canonical(c).replace("_", "") for c in columns}
    target = wanted.replace("_", "")
    like = [c for c, name in squashed.items()
            if name.startswith(target) or difflib.SequenceMatcher(None, target, name).ratio() >= 0.8]
    return f"; if {like[0]!r} holds it, rename that column to {wanted}" if like else ""


def _book_from_columns(columns: dict[str, pa.ChunkedArray | pa.Array], rows: int, source: Path | None) -> Book:
    columns, rows = _without_trailing_blank_rows(columns, rows)
    if rows == 0:
        raise BookError("no accounts: the file has a header but no rows", file=source)
    _refuse_total_row(columns, rows, source)
    ids = _account_ids(columns["account_id"], source)
    arr_cents = _arr_cents(columns["arr"], ids, source)
    kept = {name: columns[name] for name in _TEXT_COLUMNS if name in columns}
    kept["account_id"] = ids
    return Book(table=pa.table(kept), arr_cents=arr_cents, source=source)


def _blank_at(column, position: int) -> bool:
    value = column[position].as_py()
    return value is None or (isinstance(value, str) and value.strip() == "")


def _without_trailing_blank_rows(columns: dict, rows: int) -> tuple[dict, int]:
    """Drop rows at the end with every known cell blank (spreadsheets leave ",,," lines behind)."""
    kept = rows
    while kept > 0 and all(_blank_at(column, kept - 1) for column in columns.values()):
        kept -= 1
    if kept == rows:
        return columns, rows
    return {name: column.slice(0, kept) for name, column in columns.items()}, kept


# "Total", "Grand total", "Totals:", "Sum", "Subtotal": what a spreadsheet's last row is called.
# The whole cell, so that an account called "Total Wine" is not taken for one.
_TOTAL_LABEL = re.compile(r"^\s*((grand\s+|sub\s*)?totals?|sum)\s*:?\s*$", re.IGNORECASE)


def _refuse_total_row(columns: dict, rows: int, source: Path | None) -> None:
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
        cents = _arr_cents(columns["arr"], _as_text(columns["account_id"]), source)
    except BookError:
        cents = None
    where = _row(rows - 1, label, source)
    if cents is not None:
        above, last = int(cents[:-1].sum()), int(cents[-1])
        if abs(last - above) <= 0.005 * above:
            raise BookError(
                f"looks like a total row: its arr {last / 100:,.2f} is the sum of the {rows - 1:,} rows above; "
                "delete it so that ARR is not counted twice",
                file=source,
                where=where,
            )
    if label:
        raise BookError(
            f"looks like a total row (account_id {label!r}); delete it so that ARR is not counted twice", file=source,
            where=_row(rows - 1, source=source),
        )


def _verticals(column, rows: int) -> pd.Categorical:
    """Verticals as a categorical: trimmed, blank as :data:`UNASSIGNED_VERTICAL`."""
    if column is None:
        return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[UNASSIGNED_VERTICAL])
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(_as_text(column))
    column = (column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])).unify_dictionaries()
    labels = pc.utf8_trim_whitespace(pc.fill_null(column.chunk(0).dictionary, "")).to_numpy(zero_copy_only=False)
    labels = np.where(labels == "", UNASSIGNED_VERTICAL, labels).astype(object)
    categories, relabel = np.unique(labels, return_inverse=True)  # trimming may merge " Retail" and "Retail"
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in column.chunks])
    return pd.Categorical.from_codes(relabel[codes], categories=categories)


def _as_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pc.fill_null(column, "")
    return pc.fill_null(pc.cast(column, pa.string()), "")


def _row(position: int, account_id: str | None = None, source: Path | None = None) -> str:
    row = f"row {_source_row(source, position)}"
    if account_id:
        row += f" (account_id {account_id!r})"
    return row


def _source_row(source: Path | None, position: int) -> int:
    """The spreadsheet row of account ``position`` (0-based), counting the blank rows the readers skip.

    Only called to word an error, so it may read the file again.
    """
    simple = position + _FIRST_DATA_ROW
    if source is None or not source.is_file():
        return simple
    try:
        if source.suffix.lower() in _EXCEL_SUFFIXES:
            import openpyxl

            sheet = _book_sheet(openpyxl.load_workbook(source, read_only=True, data_only=True), source)
            rows = sheet.iter_rows(values_only=True)
            filled = (i == 0 or any(c is not None and str(c).strip() != "" for c in row) for i, row in enumerate(rows))
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


def _account_ids(column, source: Path | None) -> pa.Array:
    ids = _as_text(column)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    offsets, lengths = _string_layout(ids)
    if _may_have_padding(ids, offsets, lengths):
        ids = pc.utf8_trim_whitespace(ids)
        offsets, lengths = _string_layout(ids)
    if (lengths == 0).any():
        raise BookError("account_id is blank; every account needs one", file=source,
                        where=_row(int(np.argmax(lengths == 0)), source=source))
    duplicate = _first_duplicate(ids, offsets, lengths)
    if duplicate is not None:
        first, second = duplicate
        value = ids[second].as_py()
        raise BookError(f"duplicate account_id {value!r}, first seen on {_row(first, source=source)}", file=source,
                        where=_row(second, source=source))
    return ids


def _string_layout(strings: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (n + 1) and lengths (n) of an Arrow string array, without copying it."""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32, count=len(strings) + 1, offset=strings.offset * 4)
    return offsets, np.diff(offsets)


def _may_have_padding(strings: pa.StringArray, offsets: np.ndarray, lengths: np.ndarray) -> bool:
    """True if any string may start or end with whitespace (ASCII, or a non-ASCII byte such as a NBSP).

    Looking at two bytes per string is much cheaper than trimming a million strings that need none.
    """
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)
    filled = lengths > 0
    edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
    return bool(((edges <= 0x20) | (edges >= 0x80)).any())


def _first_duplicate(ids: pa.StringArray, offsets: np.ndarray, lengths: np.ndarray) -> tuple[int, int] | None:
    """Positions (first, second) of the earliest repeated id in file order, or None.

    Hashing a million strings through Python or pandas takes longer than parsing the
    file. Instead each id's bytes are packed into 64-bit words and mixed into one hash in
    numpy; equal hashes are only candidates, checked exactly, so the answer is exact.
    """
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    width = -(-int(lengths.max()) // 8) * 8
    padded = np.zeros((len(ids), width), dtype=np.uint8)
    if lengths.min() == lengths.max():
        padded[:, : lengths[0]] = data.reshape(len(ids), -1)
    else:
        padded[np.arange(width) < lengths[:, None]] = data
    words = padded.view(np.uint64)
    digest = lengths.astype(np.uint64)
    with np.errstate(over="ignore"):
        for k in range(words.shape[1]):
            digest = (digest ^ words[:, k]) * np.uint64(0x100000001B3)
            digest ^= digest >> np.uint64(29)
    ordered = np.sort(digest)
    if not (ordered[1:] == ordered[:-1]).any():
        return None
    clashing = np.intersect1d(digest, ordered[1:][ordered[1:] == ordered[:-1]])
    candidates = np.flatnonzero(np.isin(digest, clashing))  # ascending: file order
    seen: dict[str, int] = {}
    for position in candidates:
        value = ids[int(position)].as_py()
        if value in seen:
            return seen[value], int(position)
        seen[value] = int(position)
    return None


_CURRENCY = r"^\s*([$€£¥]|USD|EUR|GBP)?\s*"


def _arr_cents(column, ids: pa.Array, source: Path | None) -> np.ndarray:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        shown = None
    else:
        raw = pc.utf8_trim_whitespace(_as_text(column))
        amount = pc.replace_substring_regex(raw, _CURRENCY, "")
        cleaned = pc.replace_substring(amount, ",", "")
        values = pd.to_numeric(pd.Series(cleaned, dtype="string"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values[_misplaced_commas(amount)] = np.nan
        shown = raw
    blank = column.is_null().to_numpy(zero_copy_only=False)
    bad = blank | ~np.isfinite(values) | (values < 0) | (values > MAX_PLAUSIBLE_ARR)
    if bad.any():
        position = int(np.argmax(bad))
        text = "" if blank[position] else (f"{values[position]:.15g}" if shown is None else shown[position].as_py())
        where = _row(position, ids[position].as_py(), source) + ", column arr"
        raise BookError(_arr_problem(text, values[position]), file=source, where=where)
    return np.round(values * 100).astype(np.int64)


# A comma in an amount is a thousands separator only between groups of three digits.
_THOUSANDS = r"^[-+]?\d{1,3}(,\d{3})*(\.\d*)?$"


def _misplaced_commas(amount: pa.Array) -> np.ndarray:
    """True where a comma cannot be a thousands separator ("1200,50", "1.234,50").

    Dropping such a comma would read a decimal comma as a factor of 100 or more, so
    these amounts are refused rather than guessed.
    """
    has_comma = pc.match_substring(amount, ",")
    grouped = pc.match_substring_regex(amount, _THOUSANDS)
    return pc.and_(has_comma, pc.invert(grouped)).to_numpy(zero_copy_only=False)


def _arr_problem(text: str, value: float) -> str:
    if text == "":
        return "arr is blank; give 0 for an account without revenue"
    if np.isnan(value):
        if text.lower() in {"nan", "n/a", "na", "none", "null", "-", "#n/a"}:
            return f"arr {text!r} is not a number; give 0 for an account without revenue"
        if re.fullmatch(r"\(.*\)", text):
            return f"arr {text!r} is negative (accounting parentheses); ARR must be 0 or more"
        if "," in text and re.fullmatch(r"\D{0,3}\s*[-+]?[\d.,\s]*\d[\d.,\s]*", text):
            return f"arr {text!r} has a comma that is not a thousands separator; write amounts with a dot " \
                   "for decimals, e.g. 1200.50"
        if re.search(r"\d\s*[kKmMbB]$", text):
            return f"arr {text!r} uses a suffix; write the full amount, e.g. 1200 for 1.2k"
        return f"arr {text!r} is not a number"
    if np.isinf(value):
        return f"arr {text!r} is not a finite number"
    if value < 0:
        return f"arr {text!r} is negative; ARR must be 0 or more"
    return f"arr {text!r} is implausibly large (above {MAX_PLAUSIBLE_ARR:.0e} a year); check the units"
