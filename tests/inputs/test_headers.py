"""The header checks books and activity logs share: the same file gets the same words from both readers."""

from __future__ import annotations

import pytest

from capacity.exceptions import ActivityLogError, BookError
from capacity.inputs.activities import load_activities
from capacity.inputs.book import load_book
from capacity.inputs.headers import canonical, header_width, look_alike

BOOK = ("account_id", "arr")
LOG = ("account_id", "touchpoint", "date", "minutes")
ROW = {BOOK: "A1,100", LOG: "A1,QBR,2027-02-03,30"}


def _message(read, error, path) -> str:
    with pytest.raises(error) as caught:
        read(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}: ")
    return line.removeprefix(f"{path}: ")


READERS = [pytest.param(load_book, BookError, BOOK, id="book"), pytest.param(load_activities, ActivityLogError, LOG,
                                                                             id="log")]


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
@pytest.mark.parametrize(("content", "expected"), [
    (b"\xff\xfea\x00", "is UTF-16 text (Excel's \"Unicode Text\"); export the file as CSV UTF-8"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8"),
    (b"PK\x03\x04rest", "is a zip or Excel (.xlsx) file, not CSV text; give an Excel workbook the .xlsx extension"),
    (b"  \n", "the file is empty; a {what} needs a header with {listed}, and rows"),
])
def test_other_formats_and_empty_files_get_the_same_words(tmp_path, read, error, columns, content, expected):
    path = tmp_path / "table.csv"
    path.write_bytes(content)
    what, listed = ("book", "account_id and arr") if columns == BOOK else ("log", "account_id, touchpoint, date and "
                                                                                 "minutes")
    assert _message(read, error, path) == expected.format(what=what, listed=listed)


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_a_parquet_file_under_a_csv_name_is_named(tmp_path, read, error, columns):
    path = tmp_path / "table.csv"
    path.write_bytes(b"PAR1" + b"\x00" * 16)
    hint = "give it the .parquet extension" if columns == BOOK else "export the log as CSV UTF-8 or .xlsx"
    assert _message(read, error, path) == f"is a Parquet file, not CSV text; {hint}"


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
@pytest.mark.parametrize(("separator", "expected"), [
    (";", "row 1: the header is separated by semicolons; export the file comma-separated, with a dot for decimals "
          "(\"CSV UTF-8\" in Excel), so that no decimal comma is misread"),
    ("\t", "row 1: the header is separated by tabs; export the file comma-separated (\"CSV UTF-8\" in Excel)"),
])
def test_semicolons_and_tabs_are_refused_alike(tmp_path, read, error, columns, separator, expected):
    path = tmp_path / "table.csv"
    path.write_text(separator.join(columns) + "\n" + ROW[columns].replace(",", separator) + "\n")
    assert _message(read, error, path) == expected


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_text_that_is_not_utf8_names_its_byte_and_row(tmp_path, read, error, columns):
    path = tmp_path / "table.csv"
    head = (",".join(columns) + "\n").encode()
    path.write_bytes(head + ROW[columns].replace("A1", "Caf\xe9").encode("latin-1") + b"\n")
    assert _message(read, error, path) == f"row 2: not UTF-8 text (byte {len(head) + 3}, 0xe9); export the file as " \
                                          "CSV UTF-8"


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_a_header_below_a_title_is_found_and_named(tmp_path, read, error, columns):
    # A row of two filled cells above the header: data, not a report's title block (which a book sets aside,
    # tests/inputs/test_report_lines.py).
    path = tmp_path / "table.csv"
    path.write_text("Export of,2026-11-01\n\n" + ",".join(columns) + "\n" + ROW[columns] + "\n")
    assert _message(read, error, path) == (f"the header ({', '.join(columns)}) is on row 3, not row 1; delete the 2 "
                                           "rows above it")


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_a_missing_column_names_its_look_alike(tmp_path, read, error, columns):
    path = tmp_path / "table.csv"
    last = columns[-1]
    header = [*columns[:-1], f"{last.title()} (USD)"]
    path.write_text(",".join(header) + "\n" + ROW[columns] + "\n")
    found = ", ".join(repr(c) for c in header)
    hint = f"; if '{header[-1]}' holds it, rename that column to {last}"
    if columns == LOG:
        hint += f" or map it in the scenario with activity_columns: {{{last}: {header[-1]}}}"
    assert _message(read, error, path) == f"missing required column {last!r} (columns found: {found}){hint}"


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_two_columns_read_as_one_are_refused(tmp_path, read, error, columns):
    path = tmp_path / "table.csv"
    last = columns[-1]
    path.write_text(",".join([*columns, last.upper()]) + "\n" + ROW[columns] + ",5\n")
    expected = f"row 1: 2 columns are read as {last!r} ({last!r}, {last.upper()!r}); keep one"
    assert _message(read, error, path) == expected


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_a_row_with_too_many_cells_is_refused(tmp_path, read, error, columns):
    path = tmp_path / "table.csv"
    path.write_text(",".join(columns) + ",\n" + ROW[columns] + ",,50\n")
    width = len(columns)
    assert _message(read, error, path).startswith(f"row 2: has {width + 2} cells but the header has {width} columns; "
                                                  "put quotes around a value that holds a comma")


@pytest.mark.parametrize(("read", "error", "columns"), READERS)
def test_a_workbook_that_cannot_be_opened_is_named(tmp_path, read, error, columns):
    path = tmp_path / "table.xlsx"
    path.write_bytes(b"not a workbook")
    assert _message(read, error, path).startswith("cannot open as an Excel workbook (")
    assert _message(read, error, path).endswith("); save it from Excel as .xlsx, or give a CSV file a .csv name")


def test_header_cells_are_matched_loosely():
    assert canonical("\ufeffAccount-ID ") == canonical(" account  id") == "account_id"
    assert look_alike("arr", ["Account ID", "Annual revenue", "ARR (USD)"]) == "ARR (USD)"
    assert look_alike("account_id", ["AccountID"]) == "AccountID"
    assert look_alike("minutes", ["minute"]) == "minute"
    assert look_alike("arr", ["revenue", "Duration"]) is None
    assert header_width(["a", "b", "", None, " "]) == 2
    assert header_width(["", ""]) == 0
