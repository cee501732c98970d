"""The book of accounts: read as CRMs export it, validated, ARR sorted once.

A book is a CSV or Excel file with one row per account: ``account_id`` and ``arr``
required; ``name``, ``vertical`` and ``renewal_date`` optional. Column names are
matched loosely ("Account ID", "ARR" work). ARR may be written as exports write it
("$12,500.00", " 12500 "). Account ids stay text, so leading zeros survive.

Reading and validating stay in Arrow columns (no Python object per account), so a
million-row book loads in about the time pandas takes to parse it. Ids and amounts of the
plain kinds ("ACC-0000001", "12500.50") are read straight from the reader's buffers by the
compiled scans of ``capacity/_book_scan.c``; everything else, and every book where they are
not built, goes through the general path below, which gives the same answers. A :class:`Book`
keeps ARR in integer cents, sorted once, with cumulative sums, so segment counts and
ARR for any thresholds are two binary searches, not a scan: this is what keeps the
what-if sliders instant on a million accounts.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from capacity.inputs.book_columns import column_names
from capacity.exceptions import BookError
from capacity.files import log_parse

try:  # compiled when the package is installed; without a C compiler, books take the general path below
    from capacity.inputs import _book_scan
except ImportError:  # built without a C compiler (tests take this path by setting it to None)
    _book_scan = None

__all__ = ["Book", "SortedARR", "load_book", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "MAX_PLAUSIBLE_ARR",
           "UNASSIGNED_VERTICAL"]

REQUIRED_COLUMNS = ("account_id", "arr")
OPTIONAL_COLUMNS = ("name", "vertical", "renewal_date", "csm", "health", "workload_multiplier", "locked",
                    "parent_account_id")
_TEXT_COLUMNS = ("account_id", "name", "vertical", "renewal_date", "csm", "health", "workload_multiplier", "locked",
                 "parent_account_id")
#: Text columns whose values are categories, matched ignoring case and surrounding spaces.
CATEGORY_COLUMNS = ("vertical", "csm", "health")
#: One account above a trillion a year is a unit or export mistake, not a customer.
MAX_PLAUSIBLE_ARR = 1e12
#: The vertical given to accounts whose ``vertical`` cell is blank.
UNASSIGNED_VERTICAL = "Unassigned"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_VERTICAL_TYPE = pa.dictionary(pa.int32(), pa.string())
_FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1
_NO_HEADER_ROW_SUFFIXES = {".parquet", ".pq"}
# The cores this process may run on. With two or more, the CSV reader parses blocks on threads and the
# checks of ids and of ARR run side by side (a quiet 2-core machine, 1M rows: 50 ms threaded against 86 ms).
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_CSV_THREADS = _CORES > 1


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
        below ``b_0`` are not counted; :func:`capacity.model.segments.segment_sizes` refuses them.
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
    source : Path, str or None
        The file the book was read from (a database book: its URL without password, and table).
    skipped : frozenset of str
        Columns the source has but that were left unread because the caller does not need them.
    """

    table: pa.Table
    arr_cents: np.ndarray
    source: Path | str | None = None
    #: Known columns the source has but that were not read (see ``needs`` of :func:`load_book`).
    skipped: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.arr_cents)

    @cached_property
    def accounts(self) -> pd.DataFrame:
        """One row per account in file order: ``account_id`` (str), ``arr`` (float, USD/year),
        ``vertical`` (categorical, blank as "Unassigned"), and ``name`` / ``renewal_date`` when given.

        Built on first use: sizing a plan needs only the ARR, so a load does not pay for it.
        """
        _require_read(self, "vertical")
        frame = self.table.drop_columns([c for c in CATEGORY_COLUMNS if c in self.table.column_names]).to_pandas()
        frame.insert(1, "arr", self.arr_cents / 100)
        vertical = self.table.column("vertical") if "vertical" in self.table.column_names else None
        frame["vertical"] = _verticals(vertical, len(self))
        for name in ("csm", "health"):
            if name in self.table.column_names:
                codes, labels = self.category(name)
                frame[name] = pd.Categorical.from_codes(codes, categories=list(labels))
        return frame

    @property
    def total_arr(self) -> float:
        """Total ARR of the book [USD/year], exact to the cent."""
        return self.total_cents / 100

    @cached_property
    def total_cents(self) -> int:
        """Total ARR of the book [cents/year]."""
        return int(self.arr_cents.sum())

    @cached_property
    def min_cents(self) -> int:
        """The lowest ARR in the book [cents/year]."""
        return int(self.sorted.cents[0]) if "sorted" in self.__dict__ else int(self.arr_cents.min())

    def between(self, lower_bounds_cents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Count and ARR (cents) in ``[b_k, b_{k+1})`` for ascending bounds, as :meth:`SortedARR.between`.

        A plan needs a few bins, not the order of a million accounts: unless the book is
        sorted already, each account is binned (a binary search among the bounds) and the
        bins summed, exactly, in integers.
        """
        bounds = np.asarray(lower_bounds_cents, dtype=np.int64)
        if "sorted" in self.__dict__ or (bounds.ndim == 2 and len(bounds) > 1):
            return self.sorted.between(bounds)  # many sets of bounds: binary searches in ARR sorted once
        if bounds.ndim == 2:
            counts, sums = self.between(bounds[0])
            return counts[None, :], sums[None, :]
        cents = self.arr_cents
        if _book_scan is not None and len(bounds) <= 16:  # one pass, half the book on each core
            def part_bins(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                counts, sums = np.zeros(len(bounds) + 1, np.int64), np.zeros(len(bounds) + 1, np.int64)
                _book_scan.bin_cents(np.ascontiguousarray(part), np.ascontiguousarray(bounds), counts, sums)
                return counts, sums

            parts = _in_parallel(*(lambda part=part: part_bins(part) for part in _halves(cents)))
            counts, sums = np.sum([c for c, _ in parts], axis=0), np.sum([s for _, s in parts], axis=0)
            return counts[1:], sums[1:]  # slot 0: below b_0, not counted
        slot = np.searchsorted(bounds, cents, side="right")
        width = len(bounds) + 1  # slot 0: below b_0, not counted
        counts = np.bincount(slot, minlength=width)[1:].astype(np.int64)
        if int(cents.sum()) < 2**52:  # float sums of whole cents are exact below 2**53
            sums = np.bincount(slot, weights=cents, minlength=width)[1:].astype(np.int64)
        else:  # each half of the cents sums exactly
            low_bits = 26
            high = np.bincount(slot, weights=cents >> low_bits, minlength=width)[1:].astype(np.int64)
            low = np.bincount(slot, weights=cents & ((1 << low_bits) - 1), minlength=width)[1:].astype(np.int64)
            sums = (high << low_bits) + low
        return counts, sums

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

    def has_column(self, name: str) -> bool:
        """True if the file gave column ``name`` (``csm``, ``health``, ``workload_multiplier``...)."""
        return name in self.table.column_names

    def category(self, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """A text category column as ``(codes, labels)``: ``labels[codes[i]]`` is account ``i``'s value.

        Values match ignoring case and surrounding spaces and are shown in the first spelling seen;
        a blank cell (or a missing column) has code -1. ``vertical`` keeps its blanks as
        :data:`UNASSIGNED_VERTICAL`, as in :attr:`accounts`. Cached per column.
        """
        cache = self._categories
        if name not in cache:
            if name == "vertical":
                verticals = self.accounts["vertical"].array
                cache[name] = (np.asarray(verticals.codes, dtype=np.int32), tuple(str(c) for c in verticals.categories))
            else:
                column = self.table.column(name) if name in self.table.column_names else None
                cache[name] = _category_codes(column, len(self))
        return cache[name]

    @cached_property
    def _categories(self) -> dict:
        return {}

    @property
    def workload_multiplier(self) -> np.ndarray | None:
        """The ``workload_multiplier`` column [dimensionless, >= 0; blank is 1], or None without one."""
        if "workload_multiplier" not in self.table.column_names:
            return None
        return self.table.column("workload_multiplier").to_numpy()

    def row_of(self, position: int) -> str:
        """How a user finds account ``position`` (0-based, file order): its row and id."""
        return _row(position, self.table.column("account_id")[position].as_py(), self.source)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str | Path | None = None,
                   columns: dict[str, str] | None = None) -> "Book":
        """Validate a table of accounts (as read from Excel, or built in code).

        ``columns`` maps canonical names to the frame's headers (a scenario's ``book_columns``).

        Raises
        ------
        BookError
            Naming the row and column of the first problem.
        """
        source = None if source is None else Path(source)
        names = _column_names(frame.columns, source, columns)
        columns = {}
        for column, name in zip(frame.columns, names):
            values = frame[column]
            if name == "arr" and values.dtype == object:
                values = values.map(_number_as_text)
            if name == "arr" and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                columns[name] = pa.array(values.to_numpy(dtype=float, na_value=np.nan), type=pa.float64(), from_pandas=True)
            elif name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
                columns[name] = pa.array(values.astype("string").fillna(""), type=pa.string())
        return _book_from_columns(columns, len(frame), source)


def load_book(path, *, columns: dict[str, str] | None = None, needs=None) -> Book:
    """Read and validate a book of accounts from CSV, Excel (.xlsx), Parquet or a database.

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

    Returns
    -------
    Book

    Raises
    ------
    BookError
        On an unreadable file or bad rows, naming the file and the row or column.
    """
    from capacity.inputs import sources

    header: list[str] = []

    def select(names: list[str], source) -> list[str]:
        header.extend(names)
        return _headers_to_read(names, source, columns, needs)

    if sources.is_database_book(path):
        spec = sources.DatabaseBook.of(path)
        log_parse("book", spec.label)
        table = sources.read_database(spec, lambda names: select(names, spec.label))
        return _book_from_arrow(table, spec.label, columns, needs, header)
    path = Path(path)
    if not path.exists():
        raise BookError("file not found", file=path)
    if path.is_dir():
        raise BookError("is a directory, not a book of accounts (CSV, .xlsx or .parquet)", file=path)
    log_parse("book", path)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        return Book.from_frame(_read_excel(path, columns), source=path, columns=columns)
    if path.suffix.lower() in sources.PARQUET_SUFFIXES:
        table = sources.read_parquet(path, lambda names: select(names, path))
        return _book_from_arrow(table, path, columns, needs, header)
    _refuse_other_formats(path)
    return _read_csv(path, columns, needs)


def _column_names(header, source, columns: dict[str, str] | None) -> list[str]:
    """Canonical names per header cell: loosely matched, or as a scenario's ``book_columns`` maps them."""
    if not columns:
        return _canonical_names(header, source)
    return column_names(header, columns, source)


def _wanted(needs) -> tuple[str, ...]:
    """The known columns to read: all of them, or those needed (ids and ARR always)."""
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    if needs is None:
        return known
    return tuple(name for name in known if name in REQUIRED_COLUMNS or name in set(needs))


def _headers_to_read(header: list[str], source, columns, needs) -> list[str]:
    names = _column_names(header, source, columns)
    wanted = _wanted(needs)
    return [raw for raw, name in zip(header, names) if name in wanted]


def _book_from_arrow(table: pa.Table, source, columns, needs, header: list[str]) -> Book:
    """Validate the columns of a Parquet file or a database result, typed as their source types them.

    ``table`` holds the columns picked from the source's ``header``.
    """
    names = _column_names(table.column_names, source, columns)
    wanted = _wanted(needs)
    read = {}
    for index, name in enumerate(names):
        if name in wanted:
            column = table.column(index)
            read[name] = _arrow_amount(column) if name == "arr" else _arrow_text(column)
    present = _column_names(header, source, columns) if header else names
    skipped = frozenset(name for name in present if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS) - set(read)
    return _book_from_columns(read, table.num_rows, source, skipped=skipped)


def _arrow_amount(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # A NUMERIC(12, 3) "120.000" is a number, not text to second-guess for separators.
    if pa.types.is_decimal(column.type):
        return pc.cast(column, pa.float64())
    return column


def _arrow_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed column as the text a CSV would hold: 123 for an integer id, a date as 2027-01-31."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = kind.value_type
    if pa.types.is_floating(kind):
        values = pc.drop_null(column)
        whole = len(values) == 0 or pc.all(pc.equal(values, pc.floor(values))).as_py()
        if whole and (len(values) == 0 or pc.max(pc.abs(values)).as_py() < 2**53):
            column = pc.cast(column, pa.int64())
    elif pa.types.is_timestamp(kind):
        dates = pc.cast(column, pa.date32(), safe=False)
        if pc.all(pc.equal(pc.cast(dates, kind), column)).as_py() in (True, None):
            column = dates
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


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
    if magic.startswith(b"PAR1"):
        raise BookError("is a Parquet file, not CSV text; give it the .parquet extension", file=path)
    if magic.startswith(b"PK\x03\x04"):
        raise BookError(
            "is a zip or Excel (.xlsx) file, not CSV text; give an Excel workbook the .xlsx extension", file=path
        )


def _read_csv(path: Path, columns: dict[str, str] | None = None, needs=None) -> Book:
    header = _csv_header(path)
    names = _column_names(header, path, columns)
    wanted = _wanted(needs)
    # Columns are read by position under names of their own: headers may repeat or be blank.
    keys = [f"c{index}" for index in range(len(header))]
    read = [index for index, name in enumerate(names) if name in wanted]
    # A column without a header name is read too (it is blank in a good file, so cheap): values in
    # it mean shifted rows. A row with more or fewer cells than the header fails the parse below.
    nameless = [index for index, raw in enumerate(header) if raw.strip() == "" and index not in read]
    # Text columns are declared as text so that ids keep their leading zeros; only a blank
    # cell is missing: "N/A" in an ARR cell is a user's note, to be reported, not skipped.
    # ARR is read as text too: "120.000" may be 120 or 120,000, which a float cannot tell apart.
    # A vertical has a handful of values: reading it dictionary-encoded leaves only those to clean.
    types = {keys[index]: _VERTICAL_TYPE if names[index] in CATEGORY_COLUMNS else pa.string()
             for index in read if names[index] in _TEXT_COLUMNS + ("arr",)}
    convert = pacsv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        include_columns=[keys[index] for index in read + nameless],
        # Checked below, where it costs less: ids of a prefix and digits and amounts that parse
        # as numbers are ASCII, as their checks show byte by byte.
        check_utf8=False,
    )
    try:
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=keys, skip_rows=1,
                                                                    use_threads=_CSV_THREADS),
                               convert_options=convert)
    except pa.ArrowInvalid:
        # pyarrow is strict (ragged rows, newlines inside quotes): pandas reads what it can
        # and says where it cannot.
        return Book.from_frame(_read_csv_with_pandas(path), source=path, columns=columns)
    arrays = {names[index]: table.column(keys[index]) for index in read}
    skipped = frozenset(name for name in names if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS) - set(arrays)
    try:
        for name, column in arrays.items():
            if name not in ("account_id", "arr"):  # those two are checked as they are validated
                column.validate(full=True)
        _refuse_values_without_header(table, header, path)
        return _book_from_columns(arrays, table.num_rows, path, skipped=skipped, utf8_checked=False)
    except (pa.ArrowInvalid, UnicodeDecodeError):  # not UTF-8: pandas' reader says at which byte and row
        return Book.from_frame(_read_csv_with_pandas(path), source=path, columns=columns)


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


def _read_excel(path: Path, columns: dict[str, str] | None = None) -> pd.DataFrame:
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
    names = [_canonical(c) for c in header] if not columns else _column_names(header, path, columns)
    for index, name in enumerate(names):
        if name in _TEXT_COLUMNS:
            frame.isetitem(index, frame.iloc[:, index].map(_excel_text))
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


def _book_from_columns(columns: dict[str, pa.ChunkedArray | pa.Array], rows: int, source: Path | None,
                       skipped: frozenset[str] = frozenset(), utf8_checked: bool = True) -> Book:
    """Validate the columns of a book. Unless ``utf8_checked``, text that is not UTF-8 raises
    ``pa.ArrowInvalid`` or ``UnicodeDecodeError`` (the caller says where it is)."""
    columns, rows = _without_trailing_blank_rows(columns, rows)
    if rows == 0:
        raise BookError("no accounts: the file has a header but no rows", file=source)
    _refuse_total_row(columns, rows, source)
    # Independent checks, side by side on two cores; an id problem is reported first, as if in turn.
    ids, amounts = _in_parallel(lambda: _account_ids(columns["account_id"], source, utf8_checked),
                                lambda: _amounts(columns["arr"]))
    arr_cents = amounts if isinstance(amounts, np.ndarray) else _checked_cents(amounts, columns["arr"], ids, source)
    kept = {name: columns[name] for name in _TEXT_COLUMNS if name in columns}
    kept["account_id"] = ids
    kept = _with_workload_multipliers(kept, ids, source)
    return Book(table=pa.table(kept), arr_cents=arr_cents, source=source, skipped=skipped)


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
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in column.chunks])
    labels = _first_spellings(labels, codes)
    categories, relabel = np.unique(labels, return_inverse=True)  # trimming may merge " Retail" and "Retail"
    return pd.Categorical.from_codes(relabel[codes], categories=categories)


# -- categories and multipliers -----------------------------------------------------------


def _first_spellings(labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each label replaced by the first spelling seen in the file of the labels equal to it ignoring case.

    ``labels`` are trimmed dictionary values and ``codes`` the accounts' indices into them, in file
    order. Only labels that clash ignoring case cost a look at the codes.
    """
    keys = np.array([str(label).casefold() for label in labels], dtype=object)
    unique_keys, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    if len(unique_keys) == len(labels) or len(codes) == 0:
        return labels
    present, first_position = np.unique(codes, return_index=True)
    first_seen = np.full(len(labels), len(codes), dtype=np.int64)
    first_seen[present] = first_position
    out = labels.copy()
    for group in np.flatnonzero(counts > 1):
        members = np.flatnonzero(inverse == group)
        out[members] = labels[members[np.argmin(first_seen[members])]]
    return out


def _category_codes(column, rows: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(codes, labels)`` of a text category: trimmed, merged ignoring case, blank as code -1, labels sorted."""
    if column is None:
        return np.full(rows, -1, dtype=np.int32), ()
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(_as_text(column))
    column = (column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])).unify_dictionaries()
    if column.num_chunks == 0:
        return np.full(rows, -1, dtype=np.int32), ()
    labels = pc.utf8_trim_whitespace(pc.fill_null(column.chunk(0).dictionary, "")).to_numpy(zero_copy_only=False)
    labels = labels.astype(object)
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in column.chunks]).astype(np.int64)
    nulls = np.concatenate([chunk.is_null().to_numpy(zero_copy_only=False) for chunk in column.chunks])
    labels = _first_spellings(labels, codes[~nulls]) if nulls.any() else _first_spellings(labels, codes)
    blank = labels == ""
    categories, relabel = np.unique(np.where(blank, "", labels).astype(str), return_inverse=True)
    relabel = relabel.astype(np.int64)
    if blank.any():
        empty = int(np.searchsorted(categories, ""))  # "" sorts first
        categories = np.delete(categories, empty)
        relabel = np.where(blank, -1, relabel - (relabel > empty))
    out = np.where(nulls, -1, relabel[np.where(nulls, 0, codes)]).astype(np.int32)
    return out, tuple(str(c) for c in categories)


def _with_workload_multipliers(kept: dict, ids: pa.Array, source: Path | None) -> dict:
    """The ``workload_multiplier`` column as numbers >= 0 (a blank cell is 1), or a one-line error."""
    if "workload_multiplier" not in kept:
        return kept
    column = kept["workload_multiplier"]
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        text = None
        blank = column.is_null().to_numpy(zero_copy_only=False)
    else:
        text = pc.utf8_trim_whitespace(_as_text(column))
        blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
        values = pd.to_numeric(pd.Series(text, dtype="string"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    values = np.where(blank, 1.0, values)
    bad = ~np.isfinite(values) | (values < 0) | (values > MAX_WORKLOAD_MULTIPLIER)
    if bad.any():
        position = int(np.argmax(bad))
        shown = f"{values[position]:g}" if text is None else text[position].as_py()
        where = _row(position, ids[position].as_py(), source) + ", column workload_multiplier"
        if np.isfinite(values[position]) and values[position] > MAX_WORKLOAD_MULTIPLIER:
            problem = f"is implausibly large (above {MAX_WORKLOAD_MULTIPLIER:g})"
        elif np.isfinite(values[position]) and values[position] < 0:
            problem = "is negative; a workload multiplier is 0 or more (1 for an ordinary account)"
        else:
            problem = "is not a number; give a number 0 or more (1 for an ordinary account), or leave it blank"
        raise BookError(f"workload_multiplier {shown!r} {problem}", file=source, where=where)
    return {**kept, "workload_multiplier": pa.array(values, type=pa.float64())}


#: An account a thousand times the work of an ordinary one is a typo, not a customer.
MAX_WORKLOAD_MULTIPLIER = 1000.0


#: Below this many rows, work is not worth handing to a second thread.
_PARALLEL_ROWS = 100_000


def _in_parallel(*calls):
    """The results of ``calls``, run side by side on threads when this process has more than one core.

    Arrow and numpy release the GIL in their loops, so two threads use two cores. Every
    call runs to its end; the error of the first failing call, in argument order, is raised.
    """
    if len(calls) == 1 or _CORES == 1:
        return [call() for call in calls]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls) - 1) as pool:
        others = [pool.submit(call) for call in calls[1:]]
        try:
            first = calls[0]()
        except BaseException as exc:  # raised after the others have run, as a serial run would have
            first = exc
    outcomes = [first] + [other.exception() or other.result() for other in others]
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def _as_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pc.fill_null(column, "")
    return pc.fill_null(pc.cast(column, pa.string()), "")


def _row(position: int, account_id: str | None = None, source: Path | None = None) -> str:
    row = f"row {_source_row(source, position)}"
    if account_id:
        row += f" (account_id {account_id!r})"
    return row


def _source_row(source: Path | str | None, position: int) -> int:
    """The spreadsheet row of account ``position`` (0-based), counting the blank rows the readers skip.

    Only called to word an error, so it may read the file again.
    """
    simple = position + _FIRST_DATA_ROW
    if source is None:
        return simple
    if not isinstance(source, Path) or source.suffix.lower() in _NO_HEADER_ROW_SUFFIXES:
        return position + 1  # a database result or a Parquet file: rows count from 1, no header row
    if not source.is_file():
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


def _account_ids(column, source: Path | None, utf8_checked: bool = True) -> pa.Array:
    """The ids, trimmed, or a one-line error on a blank or repeated one.

    Unless ``utf8_checked``, ids that are not a prefix and digits (which are read byte by
    byte, see :func:`_prefixed_id_numbers`) are checked to be UTF-8, raising ``pa.ArrowInvalid``.
    """
    ids = _as_text(column)
    # Ids that are the first id's prefix (so UTF-8) and digits end in a digit and none is blank: unless
    # the prefix starts with a space, nothing needs trimming. They are read chunk by chunk as the reader
    # left them, not joined first.
    chunks = ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids]
    keys = _prefixed_id_numbers(chunks)
    if keys is None:
        # Other ids are hashed as the reader left them while the other core checks that they are UTF-8
        # (raising first if they are not): both only read them.
        keys, _ = _in_parallel(lambda: _scanned_id_hashes(chunks), lambda: utf8_checked or _check_utf8(chunks))
    if keys is None:  # the general path: ids that may need trimming, or no compiled scans
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        offsets, lengths = _string_layout(ids)
        if _may_have_padding(ids, offsets, lengths):
            ids = pc.utf8_trim_whitespace(ids)
            offsets, lengths = _string_layout(ids)
        if (lengths == 0).any():
            raise BookError("account_id is blank; every account needs one", file=source,
                            where=_row(int(np.argmax(lengths == 0)), source=source))
        keys = _id_numbers(ids)
        if keys is None:
            keys = _id_hashes(ids, offsets, lengths)
    duplicate = _first_duplicate(ids, keys)
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
    if len(strings) == 0 or strings.buffers()[2] is None:
        return False
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)
    width = int(lengths[0])
    if width > 0 and lengths.min() == lengths.max():  # one width: every first and last byte is a stride apart
        rows = data[offsets[0] : offsets[-1]].reshape(len(strings), width)
        starts, ends = rows[:, 0], rows[:, -1]
    elif lengths.min() > 0:
        starts, ends = data[offsets[:-1]], data[offsets[1:] - 1]
    else:
        filled = lengths > 0
        starts, ends = data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]
    return bool(((starts - np.uint8(0x21)) >= np.uint8(0x5F)).any() or ((ends - np.uint8(0x21)) >= np.uint8(0x5F)).any())


def _first_duplicate(ids: pa.StringArray | pa.ChunkedArray, keys: np.ndarray) -> tuple[int, int] | None:
    """Positions (first, second) of the earliest repeated id in file order, or None.

    ``keys`` holds a 64-bit key per id, equal for equal ids: its number when the ids are a
    common prefix and digits ("ACC-0000001", "100234"; :func:`_prefixed_id_numbers`), else a hash of
    its bytes (:func:`_scanned_id_hashes`, or :func:`_id_hashes` on the general path). Keys are
    checked for repeats with a flag per value when they span a small range, else with a hash
    table; no sort. Equal keys are only candidates, checked exactly, so the answer is exact.
    """
    repeated = _repeated(keys)
    if repeated is None:
        return None
    seen: dict[str, int] = {}
    for position in np.flatnonzero(repeated):  # ascending: file order
        value = ids[int(position)].as_py()
        if value in seen:
            return seen[value], int(position)
        seen[value] = int(position)
    return None


def _id_prefix(first: bytes) -> bytes | None:
    """The prefix of an id read as a prefix and a number ("ACC-" of "ACC-0000001", "" of "100234"), or None.

    The prefix must be UTF-8 and start with printable ASCII: then ids that start with it
    are UTF-8 and have no padding before them.
    """
    digits = re.search(rb"[0-9]{1,18}$", first)
    if digits is None or not 0x21 <= first[0] < 0x80:
        return None
    prefix = first[: digits.start()]
    try:
        prefix.decode()
    except UnicodeDecodeError:
        return None
    return prefix


def _prefixed_id_numbers(chunks: list[pa.StringArray]) -> np.ndarray | None:
    """The number after the first id's prefix of every id, read by the compiled scan chunk by chunk;
    None if an id does not read so (or the scan is not built).

    Ids of a prefix and digits need no trimming, cannot be blank and are UTF-8: the
    general path's checks are not needed for them.
    """
    chunks = [chunk for chunk in chunks if len(chunk)]
    if _book_scan is None or not chunks or chunks[0].null_count or chunks[0].buffers()[2] is None:
        return None
    offsets, _ = _string_layout(chunks[0])
    prefix = _id_prefix(np.frombuffer(chunks[0].buffers()[2], np.uint8)[offsets[0] : offsets[1]].tobytes())
    if prefix is None:
        return None
    numbers = np.empty(sum(len(chunk) for chunk in chunks), dtype=np.int64)
    return numbers if _scanned(_book_scan.prefixed_numbers, chunks, numbers, prefix) else None


def _scanned_id_hashes(chunks: list[pa.StringArray]) -> np.ndarray | None:
    """A 64-bit hash of each id's bytes by the compiled scan, chunk by chunk, when none is blank and none
    starts or ends with anything but printable ASCII (so none needs trimming); else None (or when the
    scan is not built)."""
    rows = sum(len(chunk) for chunk in chunks)
    if _book_scan is None or rows == 0 or any(chunk.null_count for chunk in chunks):
        return None
    hashes = np.empty(rows, dtype=np.uint64)
    return hashes if _scanned(_book_scan.string_hashes, chunks, hashes) else None


def _check_utf8(chunks: list[pa.StringArray]) -> None:
    """Raise ``pa.ArrowInvalid`` if a string of ``chunks`` is not UTF-8."""
    for chunk in chunks:
        chunk.validate(full=True)


def _scanned(scan, chunks, out: np.ndarray, *arguments) -> bool:
    """Run a compiled scan of :mod:`capacity._book_scan` over string ``chunks`` in place, each writing its
    rows' slice of ``out``: True if it read every chunk, False once it refuses one (or a chunk's strings
    are all empty, so that it has no bytes to read)."""
    start = 0
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if chunk.buffers()[2] is None:
            return False
        offsets, _ = _string_layout(chunk)
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        if not scan(data, offsets, *arguments, out[start : start + len(chunk)]):
            return False
        start += len(chunk)
    return True


def _id_numbers(ids: pa.StringArray) -> np.ndarray | None:
    """The number after the common prefix of every id ("ACC-0000001" -> 1), or None if they have none.

    The general path of :func:`_prefixed_id_numbers`, through Arrow's string functions.
    """
    prefix = _id_prefix(ids[0].as_py().encode())
    if prefix is None:
        return None
    text = ids
    if prefix:
        if not pc.all(pc.starts_with(ids, prefix.decode())).as_py():
            return None
        text = pc.utf8_slice_codeunits(ids, len(prefix.decode()))
    try:
        return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # not digits, or more than int64 holds
        return None


def _id_hashes(ids: pa.StringArray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each id's bytes, computed in numpy (hashing a million strings in Python is slow)."""
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
    return digest


def _repeated(keys: np.ndarray) -> np.ndarray | None:
    """True for each key that occurs more than once, or None when none does."""
    if len(keys) < 2:
        return None
    if _book_scan is not None and _book_scan.all_distinct(np.ascontiguousarray(keys)):
        return None  # else a key repeats: the general path below says which
    if keys.dtype == np.int64:
        if (keys[1:] > keys[:-1]).all():  # ids in ascending order, as exports often list them
            return None
        low, high = int(keys.min()), int(keys.max())
        if high - low <= 4 * len(keys) + 1024:
            slots = np.subtract(keys, low)
            # A flag per value fits in the processor's cache where a count per value would not.
            seen = np.zeros(high - low + 1, dtype=bool)
            seen[slots] = True
            if np.count_nonzero(seen) == len(keys):
                return None
            return np.bincount(slots)[slots] > 1
    index = pd.Index(keys)
    if not index.has_duplicates:
        return None
    return index.duplicated(keep=False)


_CURRENCY = r"^\s*([$€£¥]|USD|EUR|GBP)?\s*"
#: The currency signs and codes of :data:`_CURRENCY`, and what its ``\s`` matches (RE2's and Python's
#: ASCII whitespace, without the vertical tab).
_CURRENCY_TOKENS = ("$", "€", "£", "¥", "USD", "EUR", "GBP")
_PATTERN_SPACE = "\t\n\f\r "


def _without_currency(text: pa.Array) -> pa.Array:
    """Trimmed amounts without a leading currency sign or code and the spaces after it.

    What ``replace_substring_regex(text, _CURRENCY, "")`` gives, with string functions:
    a regular expression per cell costs several times as much on a million amounts.
    """
    if len(text) == 0 or text.buffers()[2] is None:
        return text
    offsets, lengths = _string_layout(text)
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    firsts = set(np.unique(data[offsets[:-1][lengths > 0]]).tolist())
    out = text
    for token in _CURRENCY_TOKENS:
        if token.encode()[0] not in firsts:
            continue
        starts = pc.starts_with(text, token)  # one token at most starts a cell: the masks are disjoint
        if pc.any(starts).as_py():
            stripped = pc.utf8_ltrim(pc.utf8_slice_codeunits(text, len(token)), characters=_PATTERN_SPACE)
            out = pc.if_else(starts, stripped, out)
    return out


def _arr_cents(column, ids: pa.Array, source: Path | None) -> np.ndarray:
    """ARR per account in integer cents, or a one-line error naming the first bad cell's row."""
    return _checked_cents(_arr_amounts(column), column, ids, source)


def _amounts(column) -> np.ndarray | tuple[np.ndarray, pa.Array | None]:
    """ARR in integer cents when every amount is plain (:func:`_plain_cents`), else the ``(values, shown)``
    of :func:`_arr_amounts`, for :func:`_checked_cents`."""
    cents = _plain_cents(column)
    return _arr_amounts(column) if cents is None else cents


def _plain_cents(column) -> np.ndarray | None:
    """ARR in integer cents, read by the compiled scan, when every amount is plain ("12500", "12500.5",
    "12500.50") and at most :data:`MAX_PLAUSIBLE_ARR`; else None (or when the scan is not built).

    Plain amounts are exact in cents: no float, no rounding, nothing that reads two ways.
    Any other amount, good or bad, is left to :func:`_arr_amounts`.
    """
    if _book_scan is None or column.null_count or not pa.types.is_string(column.type):
        return None
    cents = np.empty(len(column), dtype=np.int64)
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if not _scanned(_book_scan.amount_cents, chunks, cents):
        return None
    if len(cents) and cents.max() > round(MAX_PLAUSIBLE_ARR * 100):
        return None
    return cents


def _arr_amounts(column) -> tuple[np.ndarray, pa.Array | None]:
    """``(values, shown)``: each amount as a float (NaN where it cannot be read, or reads two ways),
    and the text to quote in an error (None: quote the number itself)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False), None
    raw = _as_text(column)
    plain = _plain_amounts(raw)
    if plain is not None:
        values, ambiguous = plain
    else:  # each cell cleaned on its own, so a long column is cleaned in two halves side by side
        cleaned = _in_parallel(*(lambda part=part: _cleaned_amounts(part) for part in _halves(raw)))
        values = np.concatenate([part_values for part_values, _, _ in cleaned])
        ambiguous = np.concatenate([part_ambiguous for _, part_ambiguous, _ in cleaned])
        raw = pa.concat_arrays([trimmed for _, _, trimmed in cleaned])
    values[ambiguous] = np.nan
    # A column of plain numbers shows a bad one as the number it is ("1e+30"), an ambiguous one as written.
    return values, (None if plain and not ambiguous.any() else raw)


def _half_ranges(rows: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the two halves of ``rows`` rows, or of all of them when too few to share."""
    if rows < _PARALLEL_ROWS:
        return [(0, rows)]
    return [(0, rows // 2), (rows // 2, rows)]


def _halves(values):
    """A long Arrow or numpy array as its two halves (slices, no copy), a short one whole."""
    return [values[start:stop] for start, stop in _half_ranges(len(values))]


def _cleaned_amounts(raw: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """``(values, ambiguous, trimmed)`` of amounts written as exports write them ("$1,200.50", " 1200 "):
    trimmed, without a currency sign or code and thousands separators. NaN where a cell is not
    an amount or its comma is not a thousands separator; ``ambiguous`` as :func:`_dot_thousands`."""
    raw.validate(full=True)  # a CSV's text is checked here (pa.ArrowInvalid): only numbers are ASCII
    trimmed = pc.utf8_trim_whitespace(raw)
    amount = _without_currency(trimmed)
    has_comma = pc.match_substring(amount, ",").to_numpy(zero_copy_only=False)
    cleaned = pc.replace_substring(amount, ",", "") if has_comma.any() else amount
    values = _floats(cleaned)  # every cleaned cell a number: Arrow's parse, as for plain numbers
    if values is None:  # the cells that are not become NaN
        values = pd.to_numeric(pd.Series(cleaned, dtype="string"), errors="coerce").to_numpy(dtype=float,
                                                                                            na_value=np.nan)
    else:
        values = values.copy()
    values[_misplaced_commas(amount, has_comma)] = np.nan
    return values, _dot_thousands(amount), trimmed


def _checked_cents(amounts: tuple[np.ndarray, pa.Array | None], column, ids: pa.Array,
                   source: Path | None) -> np.ndarray:
    """The amounts of :func:`_arr_amounts` in integer cents, or a one-line error naming the first bad cell."""
    values, shown = amounts
    blank = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else None
    cents = np.empty(len(values), dtype=np.int64)

    def good(start: int, stop: int) -> np.ndarray:
        # One comparison each: NaN fails both, -inf the first and +inf the second.
        part = values[start:stop]
        fine = (part >= 0) & (part <= MAX_PLAUSIBLE_ARR)
        return fine if blank is None else fine & ~blank[start:stop]

    def convert(start: int, stop: int) -> bool:
        # A bad amount's cents are not kept: the book is refused.
        with np.errstate(invalid="ignore", over="ignore"):
            cents[start:stop] = np.round(values[start:stop] * 100)
        return bool(good(start, stop).all())

    ranges = _half_ranges(len(values))
    if not all(_in_parallel(*(lambda start=start, stop=stop: convert(start, stop) for start, stop in ranges))):
        position = int(np.argmin(good(0, len(values))))
        text = "" if blank is not None and blank[position] else (
            f"{values[position]:.15g}" if shown is None else shown[position].as_py())
        where = _row(position, ids[position].as_py(), source) + ", column arr"
        raise BookError(_arr_problem(text, values[position]), file=source, where=where)
    return cents


def _plain_amounts(text: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """``(values, ambiguous)`` when every cell is a plain number ("1200.5"), else None.

    ``values`` are the amounts as floats and ``ambiguous`` flags those that read two ways
    (:func:`_dot_thousands`). Exports mostly write plain numbers; parsing them in Arrow
    skips the cleaning of currency signs and separators, which costs more than the parse.
    A long column is parsed in two halves side by side.
    """
    if len(text) == 0:
        return None

    def parse(part: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
        values = _floats(part)
        return None if values is None else (values, _dot_thousands(part))

    # Arrow refuses blanks, padding, currency signs and separators: those take the cleaning path.
    parsed = _in_parallel(*(lambda part=part: parse(part) for part in _halves(text)))
    if any(result is None for result in parsed):
        return None
    return np.concatenate([values for values, _ in parsed]), np.concatenate([flags for _, flags in parsed])


#: Rows parsed first, on their own, before a whole column: a failing parse of a million costs a full one.
_PROBE_ROWS = 1024


def _floats(text: pa.Array) -> np.ndarray | None:
    """Each text as a float (read-only), or None if one is not a number as Arrow reads numbers."""
    try:
        if len(text) > _PROBE_ROWS:
            pc.cast(text.slice(0, _PROBE_ROWS), pa.float64())
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


# A dot before exactly three digits, after one to three digits (not a leading zero): "1.200" is
# 1.2 where a dot is the decimal point and 1,200 where it separates thousands (much of Europe).
_DOT_THOUSANDS = r"^[-+]?[1-9]\d{0,2}\.\d{3}$"


def _dot_thousands(amount: pa.Array) -> np.ndarray:
    """True where an amount reads two ways ("120.000", "1.200"), so that it is refused, not guessed.

    Only an amount of 5 to 8 bytes ("1.200" to "-999.999") with a dot fourth from its end
    can be one; the regular expression runs on those alone, found from Arrow's buffers.
    """
    if isinstance(amount, pa.ChunkedArray):
        amount = amount.combine_chunks()
    found = np.zeros(len(amount), dtype=bool)
    data = None if len(amount) == 0 or amount.buffers()[2] is None else np.frombuffer(amount.buffers()[2], np.uint8)
    if data is None or len(data) < 5:
        return found
    offsets, _ = _string_layout(amount)
    # The byte fourth from each end (an amount shorter than that looks at its neighbour's: the length test drops it).
    where = np.flatnonzero(data[np.maximum(offsets[1:] - 4, 0)] == ord("."))
    lengths = offsets[where + 1] - offsets[where]
    where = where[(lengths >= 5) & (lengths <= 8)]
    if len(where):
        matched = pc.fill_null(pc.match_substring_regex(amount.take(pa.array(where)), _DOT_THOUSANDS), False)
        found[where] = matched.to_numpy(zero_copy_only=False)
    return found


# A comma in an amount is a thousands separator only between groups of three digits.
_THOUSANDS = r"^[-+]?\d{1,3}(,\d{3})*(\.\d*)?$"


def _misplaced_commas(amount: pa.Array, has_comma: np.ndarray) -> np.ndarray:
    """True where a comma cannot be a thousands separator ("1200,50", "1.234,50").

    Dropping such a comma would read a decimal comma as a factor of 100 or more, so
    these amounts are refused rather than guessed. ``has_comma`` flags the amounts with a
    comma: only those are matched against the pattern.
    """
    found = np.zeros(len(amount), dtype=bool)
    where = np.flatnonzero(has_comma)
    if len(where):
        grouped = pc.match_substring_regex(amount.take(pa.array(where)), _THOUSANDS)
        found[where] = ~grouped.to_numpy(zero_copy_only=False)
    return found


def _arr_problem(text: str, value: float) -> str:
    if text == "":
        return "arr is blank; give 0 for an account without revenue"
    if np.isnan(value):
        ambiguous = _dot_thousands_problem(text)
        if ambiguous:
            return ambiguous
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


def _dot_thousands_problem(text: str) -> str | None:
    """The message for an amount such as "120.000" that :func:`_dot_thousands` refuses, else None."""
    amount = re.sub(_CURRENCY, "", text).strip()
    if not re.fullmatch(_DOT_THOUSANDS, amount):
        return None
    as_thousands, as_decimal = int(amount.replace(".", "")), float(amount)
    return (f"arr {text!r} may mean {abs(as_thousands):,} (a dot separating thousands) or {abs(as_decimal):g}; "
            f"write it without separators ({abs(as_thousands)}) or with two decimals ({abs(as_decimal):.2f})")


def _require_read(book: Book, column: str) -> None:
    if column in book.skipped:
        raise ValueError(f"the book was loaded without its {column!r} column; load it with needs including "
                         f"{column!r} (see capacity.inputs.book_columns.needed_columns)")


def _number_as_text(value: object) -> object:
    """A number cell among text cells, as text that reads back as that number and never as "1.200"."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        text = repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
        # A number is not text to second-guess: 1.125 stays 1.125, not 1,125.
        return text + "0" if re.fullmatch(_DOT_THOUSANDS, text) else text
    return value
