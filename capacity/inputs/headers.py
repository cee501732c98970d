"""The checks every table a user gives goes through before its rows are read.

A table is a CSV file or an Excel sheet with a header row: a book of accounts
(:mod:`capacity.inputs.book`) or an activity log (:mod:`capacity.inputs.activities`). Both
readers refuse, in the same words and with their own error (``error``, a
:class:`~capacity.exceptions.CapacityError` subclass):

- a file of another kind under a CSV name: an old Excel workbook (.xls), UTF-16 text (Excel's
  "Unicode Text"), a Parquet file, a zip or .xlsx file (:func:`refuse_other_formats`), and a
  workbook that cannot be opened (:func:`open_workbook`);
- an empty file or sheet (:func:`empty_file`, :func:`empty_sheet`);
- text that is not UTF-8, naming the byte and the row (:func:`not_utf8`, :func:`first_non_utf8`);
- a header separated by semicolons or tabs, where a decimal comma would be misread
  (:func:`refuse_separators`);
- a header a few rows down, below a title or notes (:func:`refuse_header_below`, :func:`header_below`; a book
  sets a title block aside instead, :mod:`capacity.inputs.book.report_lines`);
- a required column that is missing, naming the look-alike column that may hold it
  (:func:`missing_column`, :func:`look_alike`);
- two columns read as one name, "ARR" and "arr" (:func:`repeated_column`);
- a row with more filled cells than the header has names (:func:`header_width`, :func:`too_many_cells`).

Header cells are matched loosely: :func:`canonical` makes "Account ID" ``account_id``.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from capacity.exceptions import CapacityError

__all__ = ["EXCEL_SUFFIXES", "HEADER_SEARCH_ROWS", "LINE_BREAK", "canonical", "empty_file", "empty_sheet",
           "first_line", "first_non_utf8", "has_header", "header_below", "header_width", "look_alike", "missing_column",
           "not_utf8", "open_workbook", "refuse_header_below", "refuse_other_formats", "refuse_separators", "repeated_column",
           "too_many_cells"]

#: The suffixes of the Excel workbooks a table is read from (openpyxl reads these; not .xls).
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
#: How far down a header is looked for when the first row is not one.
HEADER_SEARCH_ROWS = 20
#: The line breaks of CSV (and of pyarrow's reader): not str.splitlines(), which also breaks at \f, \x1c, \u2028...
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def canonical(column: object) -> str:
    """A header as a canonical name would be written: trimmed, lower case, ``_`` for spaces and dashes.

    >>> canonical(" Account ID ")
    'account_id'
    """
    return re.sub(r"[\s\-]+", "_", str(column).strip().lstrip("\ufeff").lower())


def _listed(names: Sequence[str]) -> str:
    """"a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- what kind of file it is --------------------------------------------------------------------------------------


def refuse_other_formats(path: Path, error: type[CapacityError], parquet_hint: str) -> None:
    """Refuse a file that is not text before a CSV parser makes something of it.

    ``parquet_hint`` says what to do with a Parquet file (a book reads one by its extension; a log does not).
    """
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    if magic.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        raise error("is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8", file=path)
    if magic.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error("is UTF-16 text (Excel's \"Unicode Text\"); export the file as CSV UTF-8", file=path)
    if magic.startswith(b"PAR1"):
        raise error(f"is a Parquet file, not CSV text; {parquet_hint}", file=path)
    if magic.startswith(b"PK\x03\x04"):
        raise error("is a zip or Excel (.xlsx) file, not CSV text; give an Excel workbook the .xlsx extension",
                    file=path)


def open_workbook(path: Path, error: type[CapacityError], read_only: bool = True):
    """The workbook at ``path`` (openpyxl, values not formulas), or a one-line error."""
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=read_only, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise error(f"cannot open as an Excel workbook ({first_line(exc)}); save it from Excel as .xlsx, "
                    "or give a CSV file a .csv name", file=path) from None


def empty_file(path: Path, what: str, required: Sequence[str], error: type[CapacityError]) -> CapacityError:
    """"the file is empty; a book needs a header with account_id and arr, and rows"."""
    return error(f"the file is empty; a {what} needs a header with {_listed(required)}, and rows", file=path)


def empty_sheet(path: Path, title: str, what: str, required: Sequence[str],
                error: type[CapacityError]) -> CapacityError:
    """"sheet 'Accounts' is empty; a book needs a header row with account_id and arr"."""
    return error(f"sheet {title!r} is empty; a {what} needs a header row with {_listed(required)}", file=path)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (a library's may run over several)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- text that is not UTF-8 ---------------------------------------------------------------------------------------


def not_utf8(path: Path, data: bytes, position: int, error: type[CapacityError], offset: int = 0,
             row: int | None = None) -> CapacityError:
    """A non-UTF-8 byte at ``position`` of ``data`` (``offset`` bytes into the file): which row, which byte."""
    row = data[:position].count(b"\n") + 1 if row is None else row
    return error(f"not UTF-8 text (byte {offset + position}, 0x{data[position]:02x}); export the file as CSV UTF-8",
                 file=path, where=f"row {row}")


def first_non_utf8(path: Path, error: type[CapacityError]) -> CapacityError | None:
    """The error for the first byte of ``path`` that is not UTF-8, with its row (a file of any size), or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, rows = 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder may hold up to 3 bytes of the previous chunk; good enough for a message.
                start = max(exc.start, 0)
                return not_utf8(path, chunk, start, error, offset, rows + chunk[:start].count(b"\n") + 1)
            offset += len(chunk)
            rows += chunk.count(b"\n")
    return None


# -- the header row -----------------------------------------------------------------------------------------------


def refuse_separators(first: str, path: Path, error: type[CapacityError], row: int = 1) -> None:
    """Refuse a header line (on ``row``) separated by semicolons or tabs, not commas.

    Refused, not guessed: in a semicolon file "1.234" may be 1234 or 1.234.
    """
    if first.count(";") > first.count(",") and first.count(";") >= 1:
        raise error("the header is separated by semicolons; export the file comma-separated, with a dot for decimals "
                    "(\"CSV UTF-8\" in Excel), so that no decimal comma is misread", file=path, where=f"row {row}")
    if "\t" in first and "," not in first:
        raise error("the header is separated by tabs; export the file comma-separated (\"CSV UTF-8\" in Excel)",
                    file=path, where=f"row {row}")


def has_header(row: Iterable[object], required: Sequence[str]) -> bool:
    """True if ``row`` names every required column (loosely)."""
    return {canonical(c) for c in row if c is not None} >= set(required)


def refuse_header_below(rows: Sequence[Sequence[object]], required: Sequence[str], path: Path,
                        error: type[CapacityError]) -> None:
    """Say so when the header is a few rows down (a title or notes above it), instead of "missing column".

    ``rows`` are the table's first rows, the first of which is not a header.
    """
    for number, row in enumerate(rows[1:HEADER_SEARCH_ROWS], start=2):
        if has_header(row, required):
            raise header_below(number, required, path, error)


def header_below(number: int, required: Sequence[str], path: Path | str | None,
                 error: type[CapacityError]) -> CapacityError:
    """"the header (account_id, arr) is on row 3, not row 1; delete the 2 rows above it"."""
    return error(f"the header ({', '.join(required)}) is on row {number}, not row 1; "
                 f"delete the {number - 1} row{'s' if number > 2 else ''} above it", file=path)


def look_alike(wanted: str, header: Iterable[object]) -> str | None:
    """The first header cell that looks like the canonical name ``wanted`` ("ARR (USD)" for ``arr``), or None.

    A cell looks like it when, without spaces, dashes and underscores, it starts with the name or is close to it.

    >>> look_alike("arr", ["Account ID", "ARR (USD)"])
    'ARR (USD)'
    """
    target = wanted.replace("_", "")
    for cell in header:
        name = canonical(cell).replace("_", "")
        if name.startswith(target) or difflib.SequenceMatcher(None, target, name).ratio() >= 0.8:
            return str(cell)
    return None


def missing_column(wanted: str, header: Sequence[object], hint: str = "") -> str:
    """"missing required column 'arr' (columns found: 'id', 'revenue')" and the reader's ``hint``."""
    shown = ", ".join(repr(str(c)) for c in list(header)[:8])
    return f"missing required column {wanted!r} (columns found: {shown}){hint}"


def repeated_column(wanted: str, cells: Sequence[object], hint: str = "") -> str:
    """"2 columns are read as 'arr' ('ARR', 'arr'); keep one" and the reader's ``hint``."""
    shown = ", ".join(repr(str(c)) for c in cells)
    return f"{len(cells)} columns are read as {wanted!r} ({shown}); keep one{hint}"


# -- rows against the header --------------------------------------------------------------------------------------


def header_width(header: Sequence[object]) -> int:
    """How many columns the header names: its cells up to the last one that is not blank."""
    width = len(header)
    while width > 0 and (header[width - 1] is None or str(header[width - 1]).strip() == ""):
        width -= 1
    return width


def too_many_cells(cells: int, width: int, hint: str = "") -> str:
    """The message for a row with more filled cells than the header has names (an unquoted comma shifted it)."""
    return (f"has {cells} cells but the header has {width} columns; put quotes around a value that holds a "
            f"comma{hint}")
