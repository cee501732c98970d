"""Reading books as CRMs export them, and refusing bad rows by row number."""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import Book, BookError, load_book
from capacity.inputs.book import UNASSIGNED_VERTICAL

from tests.conftest import DEFAULT_BOOK, write


def test_default_book():
    book = load_book(DEFAULT_BOOK)
    assert len(book) == 3000
    assert book.accounts["account_id"].iat[0] == "0000001"
    assert book.total_arr == pytest.approx(pd.read_csv(DEFAULT_BOOK)["arr"].sum())
    assert set(book.accounts["vertical"]) >= {"Healthcare", "Technology"}


def test_crm_style_arr_and_text_ids(tmp_path):
    path = write(tmp_path / "b.csv", 'account_id,name,arr\n00123,"Acme, Inc.","$12,500.00"\n0042,Beta, 1200.5 \n')
    book = load_book(path)
    assert list(book.accounts["account_id"]) == ["00123", "0042"]
    assert list(book.accounts["name"]) == ["Acme, Inc.", "Beta"]
    assert list(book.accounts["arr"]) == [12500.0, 1200.5]
    assert list(book.arr_cents) == [1250000, 120050]


def test_bom_crlf_and_loose_headers(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes("\ufeffAccount ID,ARR,Vertical\r\n1,100\r\n2,200,Healthcare\r\n".encode("utf-8"))
    book = load_book(path)
    assert list(book.accounts["account_id"]) == ["1", "2"]
    assert list(book.accounts["vertical"]) == [UNASSIGNED_VERTICAL, "Healthcare"]


def test_excel_book(tmp_path):
    path = tmp_path / "b.xlsx"
    pd.DataFrame({"Account ID": ["007", "008"], "ARR": [1000.0, 2500.5], "Vertical": ["Retail", None]}).to_excel(path, index=False)
    book = load_book(path)
    assert list(book.accounts["account_id"]) == ["007", "008"]
    assert book.total_arr == pytest.approx(3500.5)


def _error(path) -> str:
    with pytest.raises(BookError) as info:
        load_book(path)
    assert "\n" not in str(info.value)
    return str(info.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("account_id,arr\nA,1.2k\n", "row 2 (account_id 'A'), column arr: arr '1.2k' uses a suffix"),
        ("account_id,arr\nA,10\nB,(500)\n", "row 3 (account_id 'B'), column arr: arr '(500)' is negative"),
        ("account_id,arr\nA,N/A\n", "arr 'N/A' is not a number"),
        ("account_id,arr\nA,10\nB,\n", "row 3 (account_id 'B'), column arr: arr is blank"),
        ("account_id,arr\nA,-5\n", "arr '-5' is negative"),
        ("account_id,arr\nA,1e30\n", "is implausibly large"),
        ("account_id,arr\nA,inf\n", "is not a finite number"),
        ("account_id,arr\nA,10\nB,20\nA,30\n", "row 4: duplicate account_id 'A', first seen on row 2"),
        ("account_id,arr\n,10\n", "row 2: account_id is blank"),
        ("account_id,revenue\nA,10\n", "missing required column 'arr'"),
        ("account_id,arr\n", "no accounts: the file has a header but no rows"),
        ("", "the file is empty"),
        ("account_id;arr\nA;10\n", "row 1: the header is separated by semicolons"),
    ],
)
def test_bad_books_name_the_row(tmp_path, body, expected):
    path = write(tmp_path / "bad.csv", body)
    message = _error(path)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_not_found_directory_and_encoding(tmp_path):
    assert _error(tmp_path / "nope.csv").endswith("file not found")
    assert "is a directory" in _error(tmp_path)
    (tmp_path / "latin.csv").write_bytes("account_id,name,arr\n1,Caf\xe9,10\n".encode("latin-1"))
    assert "not UTF-8 text" in _error(tmp_path / "latin.csv")


def test_from_frame_builds_the_same_book():
    frame = pd.DataFrame({"account_id": ["a", "b", "c"], "arr": [3.0, 1.0, 2.0]})
    book = Book.from_frame(frame)
    np.testing.assert_array_equal(book.sorted.cents, [100, 200, 300])
    np.testing.assert_array_equal(book.sorted.cum, [0, 100, 300, 600])
    assert book.source is None


def test_padded_and_non_ascii_ids_are_trimmed(tmp_path):
    path = write(tmp_path / "b.csv", "account_id,arr,vertical\n 007 ,10, Retail\n\u00a0008\u00a0,20,Retail \n009,30,\n")
    book = load_book(path)
    assert list(book.accounts["account_id"]) == ["007", "008", "009"]
    assert list(book.accounts["vertical"]) == ["Retail", "Retail", UNASSIGNED_VERTICAL]


def test_duplicate_found_among_many_ids(tmp_path):
    # Ids of mixed lengths take the general path of the duplicate search.
    ids = [f"{i:0{1 + i % 9}d}" for i in range(5000)]
    ids.append(ids[1234])
    frame = pd.DataFrame({"account_id": ids, "arr": 1.0})
    with pytest.raises(BookError, match=rf"row 5002: duplicate account_id '{ids[1234]}', first seen on row 1236"):
        Book.from_frame(frame)
    assert len(Book.from_frame(frame.iloc[:-1])) == 5000


# -- what real exports look like -------------------------------------------------------


def test_excel_as_a_crm_exports_it(tmp_path):
    """Ids typed as numbers, dates as dates, ARR as text with a currency sign, padded
    header names, and formatted but empty rows and columns after the table."""
    import datetime

    import openpyxl

    path = tmp_path / "export.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([" Account ID ", "Name", "ARR", "Renewal Date", "Vertical"])
    sheet.append([123, "Acme, Inc.", "$1,200.50", datetime.datetime(2027, 3, 31), "Retail"])
    sheet.append(["0042", "Beta", 2500, datetime.datetime(2027, 1, 15), None])
    sheet.append([7.0, "Gamma", 99.999, None, " Retail "])
    sheet["H10"].number_format = "0.00"  # formatting far below and right: openpyxl reads it as blank cells
    sheet["H10"].value = None
    sheet.append([])
    workbook.save(path)
    book = load_book(path)
    assert list(book.accounts["account_id"]) == ["123", "0042", "7"]
    assert list(book.arr_cents) == [120050, 250000, 10000]
    assert list(book.accounts["renewal_date"]) == ["2027-03-31", "2027-01-15", ""]
    assert list(book.accounts["vertical"]) == ["Retail", UNASSIGNED_VERTICAL, "Retail"]
    assert list(book.accounts["name"]) == ["Acme, Inc.", "Beta", "Gamma"]


def test_csv_as_spreadsheets_save_it(tmp_path):
    """Padded ids and cells, a quoted name holding a comma and a line break, a trailing
    comma on every row, and blank ",," rows left at the end."""
    path = tmp_path / "b.csv"
    path.write_bytes(
        b'account_id,name,arr,\r\n'
        b'" 0042 ","Acme, Inc.\r\nEMEA"," $1,200.50 ",\r\n'
        b'0043,Beta,"$12,500.00",\r\n'
        b',,,\r\n,,,\r\n'
    )
    book = load_book(path)
    assert list(book.accounts["account_id"]) == ["0042", "0043"]
    assert list(book.accounts["name"]) == ["Acme, Inc.\r\nEMEA", "Beta"]
    assert list(book.arr_cents) == [120050, 1250000]


def test_total_rows_are_refused_but_look_alikes_load(tmp_path):
    named = write(tmp_path / "named.csv", "account_id,arr\nA,10\nB,20\nGrand Total:,30\n")
    assert _error(named).endswith("row 4 (account_id 'Grand Total:'): looks like a total row: its arr 30.00 is "
                                  "the sum of the 2 rows above; delete it so that ARR is not counted twice")
    # An account called "Total Wine" is an account; a blank id that is not a total is just a blank id.
    book = load_book(write(tmp_path / "wine.csv", "account_id,arr\nA,10\nB,20\nTotal Wine,30\n"))
    assert book.total_arr == 60
    assert _error(write(tmp_path / "blank.csv", "account_id,arr\nA,10\nB,20\n,31\n")).endswith(
        "row 4: account_id is blank; every account needs one")


def test_rows_with_too_many_cells_are_refused_not_shifted(tmp_path):
    # pandas alone reads this as index A, B with account_id 1200 and arr 50: every column wrong.
    path = write(tmp_path / "b.csv", "account_id,arr\nA,1200,50\nB,300,00\n")
    assert _error(path).endswith("row 2: has 3 cells but the header has 2 columns; put quotes around a value that "
                                 "holds a comma (\"Acme, Inc.\") and write ARR without a decimal comma")


@pytest.mark.parametrize(("body", "expected"), [
    # A trailing comma on the header makes a nameless column, which would take "200.50".
    ("account_id,arr,\nA,$1,200.50\nB,$2,300.00\n",
     "row 2: column 3 has no name in the header but holds 200.5; name the column, or put quotes"),
    # The same through the slower reader (a quoted line break sends the file there).
    ('account_id,name,arr,\n"0042","Acme\nEMEA", $1,200.50 ,\n', "row 2: has 5 cells but the header has 3 columns"),
])
def test_values_under_a_nameless_column_are_refused(tmp_path, body, expected):
    assert expected in _error(write(tmp_path / "b.csv", body))


@pytest.mark.parametrize("amount", ["1200,50", "1.234,50", "12,34,567", "1,2"])
def test_decimal_commas_are_refused_not_multiplied(tmp_path, amount):
    path = write(tmp_path / "b.csv", f'account_id,arr\nA,"{amount}"\n')
    assert f"arr {amount!r} has a comma that is not a thousands separator" in _error(path)


def test_not_utf8_past_the_first_block_names_its_row(tmp_path):
    rows = "".join(f"{i},Name {i},{i}\n" for i in range(1, 5001))
    path = tmp_path / "late.csv"
    path.write_bytes(("account_id,name,arr\n" + rows).encode() + "5001,Caf\xe9,10\n".encode("latin-1"))
    expected = f"row 5002: not UTF-8 text (byte {len(rows) + 28}, 0xe9); export the file as CSV UTF-8"
    assert _error(path) == f"{path}: {expected}"


def test_other_formats_are_named(tmp_path):
    xlsx_as_csv = tmp_path / "book.csv"
    pd.DataFrame({"account_id": ["a"], "arr": [1.0]}).to_excel(tmp_path / "real.xlsx", index=False)
    xlsx_as_csv.write_bytes((tmp_path / "real.xlsx").read_bytes())
    assert "is a zip or Excel (.xlsx) file, not CSV text" in _error(xlsx_as_csv)


# -- ARR as exports write it: exact to the cent ------------------------------------------



def _export_style(cents: int, style: int) -> str:
    whole, part = divmod(cents, 100)  # exact: no float on the way to the text
    return [f"{whole}.{part:02d}", f"${whole:,}.{part:02d}", f" {whole}.{part:02d} ", f"USD {whole:,}.{part:02d}",
            f" ${whole:,}.{part:02d} ", f"{whole:,}"][style] if style < 5 or part == 0 else f"{whole}.{part:02d}"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**13), st.integers(0, 5)), min_size=1, max_size=40))
def test_export_styled_arr_reads_to_the_cent(tmp_path_factory, amounts):
    path = tmp_path_factory.mktemp("arr") / "b.csv"
    rows = "".join(f'{i:05d},"{_export_style(c, style)}"\n' for i, (c, style) in enumerate(amounts))
    path.write_text("account_id,arr\n" + rows)
    book = load_book(path)
    assert list(book.arr_cents) == [c for c, _ in amounts]
    assert list(book.accounts["account_id"]) == [f"{i:05d}" for i in range(len(amounts))]


def test_row_numbers_count_the_blank_rows_readers_skip(tmp_path):
    """The row a message names is the row the user sees in the file, blank rows included."""
    import openpyxl

    csv_path = write(tmp_path / "b.csv", "account_id,arr\n\nA,1\n\nB,x\n")
    assert _error(csv_path) == f"{csv_path}: row 5 (account_id 'B'), column arr: arr 'x' is not a number"
    duplicate = write(tmp_path / "d.csv", "account_id,arr\nA,1\n\n\nA,2\n")
    assert _error(duplicate) == f"{duplicate}: row 5: duplicate account_id 'A', first seen on row 2"
    workbook = openpyxl.Workbook()
    for row in [["account_id", "arr"], ["A", 1], [], [None, " "], ["B", "x"]]:
        workbook.active.append(row)
    workbook.save(tmp_path / "b.xlsx")
    assert _error(tmp_path / "b.xlsx").endswith("row 5 (account_id 'B'), column arr: arr 'x' is not a number")


@pytest.mark.parametrize(("header", "hint"), [
    ("Account ID,ARR (USD)", "; if 'ARR (USD)' holds it, rename that column to arr"),
    ("AccountID,ARR", "; if 'AccountID' holds it, rename that column to account_id"),
    ("account_id,Annual Revenue", ""),
])
def test_missing_column_suggests_a_look_alike(tmp_path, header, hint):
    path = write(tmp_path / "b.csv", f"{header}\n1,2\n")
    found = ", ".join(repr(c) for c in header.split(","))
    wanted = "account_id" if "AccountID" in header else "arr"
    assert _error(path) == f"{path}: missing required column {wanted!r} (columns found: {found}){hint}"


def test_excel_book_behind_a_cover_sheet(tmp_path):
    """An export whose first sheet is a summary: the one sheet with the header is the book."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Summary"
    workbook.active.append(["Exported", "2026-11-01"])
    accounts = workbook.create_sheet("Accounts")
    for row in [["account_id", "arr"], ["A", 10], [], ["B", "x"]]:
        accounts.append(row)
    workbook.save(tmp_path / "cover.xlsx")
    assert _error(tmp_path / "cover.xlsx").endswith("row 4 (account_id 'B'), column arr: arr 'x' is not a number")
    accounts["B4"] = 20
    workbook.create_sheet("Notes").append(["Notes"])
    workbook.save(tmp_path / "cover.xlsx")
    assert load_book(tmp_path / "cover.xlsx").total_arr == 30
    workbook.copy_worksheet(accounts).title = "Accounts (2)"
    workbook.save(tmp_path / "two.xlsx")
    assert _error(tmp_path / "two.xlsx").endswith(
        "sheets 'Accounts', 'Accounts (2)' all have an account_id and arr header; name the one to read with "
        "book_sheet: Accounts in the scenario (capacity init --sheet), or put the accounts on one sheet")
    assert load_book(tmp_path / "two.xlsx", sheet="Accounts (2)").total_arr == 30


# -- amounts with a dot before three digits; what is read; repeated ids ---------------


@pytest.mark.parametrize("amount", ["120.000", "€1.200", "\"$ 999.999\"", "-1.200", "EUR 5.000"])
def test_a_dot_before_exactly_three_digits_is_refused_not_guessed(tmp_path, amount):
    path = write(tmp_path / "b.csv", f"account_id,arr\nA1,1000\nA2,{amount}\n")
    with pytest.raises(BookError, match=r"row 3 \(account_id 'A2'\), column arr: arr '.*' may mean .* \(a dot "
                                        r"separating thousands\) or .*; write it without separators"):
        load_book(path)


def test_the_dot_thousands_message_says_both_readings(tmp_path):
    path = write(tmp_path / "b.csv", "account_id,arr\nA1,120.000\n")
    with pytest.raises(BookError) as caught:
        load_book(path)
    assert caught.value.message == ("arr '120.000' may mean 120,000 (a dot separating thousands) or 120; write it "
                                    "without separators (120000) or with two decimals (120.00)")


@pytest.mark.parametrize(("amount", "cents"), [("\"$1,200\"", 120000), ("\"1,200.50\"", 120050), ("0.500", 50),
                                               ("1200.000", 120000), ("12.5", 1250), ("1.20", 120), ("1.2345", 123),
                                               ("\"€1,200.000\"", 120000), ("100", 10000)])
def test_amounts_that_read_one_way_still_read(tmp_path, amount, cents):
    path = write(tmp_path / "b.csv", f"account_id,arr\nA1,{amount}\n")
    assert list(load_book(path).arr_cents) == [cents]


def test_a_number_cell_is_not_second_guessed(tmp_path):
    import openpyxl

    path = tmp_path / "b.xlsx"
    workbook = openpyxl.Workbook()
    for row in (["account_id", "arr"], ["A1", 1.125], ["A2", "$1,000"], ["A3", 1200]):
        workbook.active.append(row)
    workbook.save(path)
    assert list(load_book(path).arr_cents) == [112, 100000, 120000]  # 1.125 is a number: 112.5 cents, rounded even


def test_columns_not_needed_are_not_read_but_shifted_rows_are_still_refused(tmp_path):
    path = write(tmp_path / "b.csv", "account_id,name,arr,vertical\nA1,Acme,100,Retail\nA2,Beta,200,Health\n")
    book = load_book(path, needs=("account_id", "arr"))
    assert book.table.column_names == ["account_id"] and book.skipped == {"name", "vertical"}
    assert list(book.arr_cents) == [10000, 20000]
    # A trailing comma makes a nameless column; an unquoted comma in a name fills it.
    shifted = write(tmp_path / "s.csv", "account_id,name,arr,\nA1,Acme,100,\nA2,Acme, Inc.,200\n")
    with pytest.raises(BookError, match=r"row 3: column 4 has no name in the header but holds 200;"):
        load_book(shifted, needs=("account_id", "arr"))
    ragged = write(tmp_path / "r.csv", "account_id,name,arr\nA1,Acme,100\nA2,Acme, Inc.,200\n")
    with pytest.raises(BookError, match=r"row 3: has 4 cells but the header has 3 columns"):
        load_book(ragged, needs=("account_id", "arr"))


_ID_PATTERNS = st.sampled_from(["ACC-{:07d}", "{:d}", "{:09d}", "salesforce-emea-account-{:012d}", "C{:d}x",
                                "Customer {:d}", "{:018d}"])
# Ids that need no trimming and that no total-row label ("Total", "Sum") can be spelled from.
_OTHER_IDS = st.text(alphabet="abcXYZ-_ 0123456789éü", min_size=1, max_size=12).filter(lambda t: t.strip() == t)


@given(pattern=_ID_PATTERNS, numbers=st.lists(st.integers(0, 10**6), min_size=1, max_size=60),
       extra=st.lists(_OTHER_IDS, max_size=3))
@settings(max_examples=150, deadline=None)
def test_the_first_repeated_id_is_found_as_by_brute_force(pattern, numbers, extra):
    ids = [pattern.format(n) for n in numbers] + extra
    expected, seen = None, {}
    for position, value in enumerate(ids):
        if value in seen:
            expected = (seen[value], position)
            break
        seen[value] = position
    frame = pd.DataFrame({"account_id": ids, "arr": 1.0})
    if expected is None:
        assert Book.from_frame(frame).table.column("account_id").to_pylist() == ids
    else:
        first, second = expected
        with pytest.raises(BookError) as caught:
            Book.from_frame(frame)
        assert str(caught.value) == (f"row {second + 2}: duplicate account_id {ids[second]!r}, first seen on row "
                                     f"{first + 2}")


@pytest.mark.parametrize(("ids", "expected"), [
    (["A1", "A2", "A3"], None),  # ascending: distinct without a hash table
    (["A1", "A2", "A2", "A3"], "row 4: duplicate account_id 'A2', first seen on row 3"),  # ascending but for a repeat
    (["A3", "A1", "A2"], None),
    (["A3", "A1", "A3", "A1"], "row 4: duplicate account_id 'A3', first seen on row 2"),
])
def test_repeats_in_sorted_and_unsorted_ids(ids, expected):
    frame = pd.DataFrame({"account_id": ids, "arr": 1.0})
    if expected is None:
        assert len(Book.from_frame(frame)) == len(ids)
    else:
        with pytest.raises(BookError, match=f"^{re.escape(expected)}$"):
            Book.from_frame(frame)


def test_an_id_problem_is_reported_before_an_arr_problem_of_an_earlier_row(tmp_path):
    path = write(tmp_path / "b.csv", "account_id,arr\nA,x\nB,10\nA,20\n")
    assert _error(path) == f"{path}: row 4: duplicate account_id 'A', first seen on row 2"


@given(cents=st.lists(st.integers(0, 10**14), min_size=1, max_size=200),
       bounds=st.lists(st.integers(0, 10**14), min_size=1, max_size=20, unique=True))
@settings(max_examples=150, deadline=None)
def test_binning_a_book_equals_the_sorted_counts(cents, bounds):
    from capacity.inputs.book import SortedARR

    cents = np.array(cents, dtype=np.int64)
    bounds = np.sort(np.array(bounds, dtype=np.int64))
    book = Book(table=None, arr_cents=cents)
    counts, sums = book.between(bounds)
    want_counts, want_sums = SortedARR.of(cents).between(bounds)
    assert counts.tolist() == want_counts.tolist() and sums.tolist() == want_sums.tolist()


def test_a_long_book_is_binned_exactly_past_what_a_float_holds():
    from capacity.inputs.book import SortedARR

    rng = np.random.default_rng(7)
    cents = rng.integers(0, 10**12, 200_003)  # the total passes 2**53 cents: a float sum would round it
    bounds = np.array([0, 10**6, 5 * 10**10, 2 * 10**11, 10**12 + 1])  # the first below every account, the last above
    counts, sums = Book(table=None, arr_cents=cents).between(bounds)
    want_counts, want_sums = SortedARR.of(cents).between(bounds)
    assert counts.tolist() == want_counts.tolist() and sums.tolist() == want_sums.tolist()
    assert counts.sum() == len(cents) and int(sums.sum()) == sum(int(c) for c in cents) > 2**53


# -- long files, bytes that are not UTF-8, amounts as exports write them --------------------------------


@pytest.mark.parametrize(("rows", "where"), [
    (b"ACC-0000001,100\nACC-00000\xe92,200\n", "row 3: not UTF-8 text (byte 40, 0xe9)"),  # in an id's digits
    (b"ACC-0000001,100\nAC\xe9-0000002,200\n", "row 3: not UTF-8 text (byte 33, 0xe9)"),  # in one id's prefix
    (b"AC\xe9-0000001,100\nAC\xe9-0000002,200\n", "row 2: not UTF-8 text (byte 17, 0xe9)"),  # in every prefix
    (b"A1,100\nA2,2\xe900\n", "row 3: not UTF-8 text (byte 26, 0xe9)"),  # in an amount
])
@pytest.mark.parametrize("needs", [None, ("account_id", "arr")])
def test_text_that_is_not_utf8_is_refused_in_the_columns_read(tmp_path, rows, where, needs):
    path = tmp_path / "b.csv"
    path.write_bytes(b"account_id,arr\n" + rows)
    with pytest.raises(BookError) as caught:
        load_book(path, needs=needs)
    assert str(caught.value).endswith(f"{where}; export the file as CSV UTF-8")


@given(st.lists(st.from_regex(r"[-+]?[0-9]{0,4}(\.[0-9]{0,4})?|[0-9]\.[0-9]{3}[0-9]?|x?|€?1\.200", fullmatch=True),
                min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_amounts_that_read_two_ways_are_found_as_the_pattern_finds_them(texts):
    import re

    import pyarrow as pa

    from capacity.inputs.book.amounts import _DOT_THOUSANDS, reads_two_ways

    expected = [re.fullmatch(_DOT_THOUSANDS, text) is not None for text in texts]
    amounts = pa.array(texts, type=pa.string())
    assert reads_two_ways(amounts).tolist() == expected
    assert reads_two_ways(amounts.slice(1)).tolist() == expected[1:]  # a slice looks into a shared buffer


def test_a_long_column_of_amounts_reads_as_a_short_one(tmp_path):
    rows = 200_001  # pyarrow reads a file this long in several chunks
    amounts = [f"{(k * 7919) % 100_000}.{k % 100:02d}" for k in range(rows)]
    amounts[rows - 5] = "120.000"
    path = tmp_path / "b.csv"
    path.write_text("account_id,arr\n" + "".join(f"A{k},{a}\n" for k, a in enumerate(amounts)))
    where = rf"row {rows - 3} \(account_id 'A{rows - 5}'\), column arr"
    with pytest.raises(BookError, match=rf"{where}: arr '120.000' may mean"):
        load_book(path)
    amounts[rows - 5] = "120.00"
    path.write_text("account_id,arr\n" + "".join(f"A{k},{a}\n" for k, a in enumerate(amounts)))
    assert load_book(path).arr_cents.tolist() == [round(float(a) * 100) for a in amounts]


_AMOUNT_TEXT = st.builds(lambda *parts: "".join(parts),
                         st.sampled_from(["", "$", "€", "£", "¥", "USD", "EUR", "GBP", "US", "$$"]),
                         st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\x0b"]),
                         st.sampled_from(["", "-", "+", "("]),
                         st.text(alphabet="0123456789,.", max_size=10),
                         st.sampled_from(["", ")", "k", " "]))


@given(st.lists(_AMOUNT_TEXT, min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_currency_is_taken_off_as_the_pattern_takes_it(texts):
    import pyarrow as pa
    import pyarrow.compute as pc

    from capacity.inputs.book.amounts import _CURRENCY, _without_currency

    trimmed = pc.utf8_trim_whitespace(pa.array(texts, type=pa.string()))
    assert _without_currency(trimmed).to_pylist() == pc.replace_substring_regex(trimmed, _CURRENCY, "").to_pylist()


@given(st.lists(_AMOUNT_TEXT, min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_amounts_read_as_the_plain_reading_of_each_cleaned_cell(texts):
    """Each cell trimmed, without one currency sign or code (as Arrow's pattern engine takes it off) and
    without thousands separators, as pandas reads that text (the first reading of this loader): a book is
    refused on the first cell that is not then an amount, 0 or more, whose comma separates thousands and
    whose dot does not read two ways; else each reads to the cent."""
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    from capacity.inputs.book.amounts import _CURRENCY, _DOT_THOUSANDS, _THOUSANDS

    expected = []
    for text in texts:
        kept = text.strip(" \t\n\r\f\v\u00a0")
        amount = pc.replace_substring_regex(pa.array([kept]), _CURRENCY, "")[0].as_py()
        value = pd.to_numeric(pd.Series([amount.replace(",", "")], dtype="string"), errors="coerce").iloc[0]
        bad = (pd.isna(value) or value < 0 or ("," in amount and not re.fullmatch(_THOUSANDS, amount))
               or re.fullmatch(_DOT_THOUSANDS, amount))
        expected.append(None if bad else round(float(value) * 100))
    frame = pd.DataFrame({"account_id": [f"A{k}" for k in range(len(texts))], "arr": texts})
    if None in expected:
        first_bad = expected.index(None)
        with pytest.raises(BookError) as caught:
            Book.from_frame(frame)
        assert str(caught.value).startswith(f"row {first_bad + 2} (account_id 'A{first_bad}'), column arr: arr ")
    else:
        assert Book.from_frame(frame).arr_cents.tolist() == expected


_BOOK_IDS = st.sampled_from(["ACC-{:07d}", "ACC-{:d}", "{:d}", "{:09d}", "salesforce-emea-account-{:012d}",
                             "Customer {:d}", " ACC-{:d}", "0015g{:013d}AAB"])
_PLAIN_AMOUNTS = st.one_of(
    st.integers(0, 10**9).map(str),
    st.builds("{}.{:02d}".format, st.integers(0, 10**9), st.integers(0, 99)),
    st.builds("{}.{}".format, st.integers(0, 10**6), st.integers(0, 9)),
)
#: Other amounts, and their cents (None: refused).
_OTHER_AMOUNTS = {"120.000": None, "1.200": None, "$1,200.50": 120050, "-5": None, "": None, "1e3": 100000,
                  "12.345": None, "9999999999999.99": None, "N/A": None, " 7 ": 700, "0012.50": 1250,
                  "10000000000000": None}


def _plain_cents(amount: str) -> int:
    whole, _, part = amount.partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


@given(pattern=_BOOK_IDS, numbers=st.lists(st.integers(0, 10**6), min_size=1, max_size=40),
       amounts=st.lists(_PLAIN_AMOUNTS, min_size=40, max_size=40),
       other=st.none() | st.tuples(st.integers(0, 39), st.sampled_from(sorted(_OTHER_AMOUNTS))))
@settings(max_examples=150, deadline=None)
def test_csv_books_of_crm_ids_load_their_ids_cents_and_bins(tmp_path_factory, pattern, numbers, amounts, other):
    """Ids as CRMs write them and amounts as exports do: the ids trimmed, the cents exact, the bins the
    sums of those cents; or the first problem's row (a repeated id before any amount)."""
    import csv

    amounts = amounts[: len(numbers)]
    cents = [_plain_cents(a) for a in amounts]
    if other is not None and other[0] < len(amounts):
        amounts[other[0]] = other[1]
        cents[other[0]] = _OTHER_AMOUNTS[other[1]]
    ids = [pattern.format(n) for n in numbers]
    path = tmp_path_factory.mktemp("crm") / "b.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "arr"])
        writer.writerows(zip(ids, amounts))
    trimmed = [i.strip() for i in ids]
    repeated = next((k for k, i in enumerate(trimmed) if i in trimmed[:k]), None)
    if repeated is not None:
        with pytest.raises(BookError, match=rf"row {repeated + 2}: duplicate account_id {trimmed[repeated]!r}, first "
                                            rf"seen on row {trimmed.index(trimmed[repeated]) + 2}$"):
            load_book(path)
    elif None in cents:
        bad = cents.index(None)
        with pytest.raises(BookError, match=rf"row {bad + 2} \(account_id '{trimmed[bad]}'\), column arr: "):
            load_book(path)
    else:
        book = load_book(path)
        assert book.table.column("account_id").to_pylist() == trimmed
        assert book.arr_cents.tolist() == cents
        bounds = np.array([0, 500_000, 2_500_000, 10**9], dtype=np.int64)
        slots = np.searchsorted(bounds, cents, side="right") - 1
        counts, sums = book.between(bounds)
        assert counts.tolist() == [int((slots == k).sum()) for k in range(len(bounds))]
        assert sums.tolist() == [sum(c for c, s in zip(cents, slots) if s == k) for k in range(len(bounds))]
