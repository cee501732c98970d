"""Reading books as CRMs export them, and refusing bad rows by row number."""

import numpy as np
import pandas as pd
import pytest

from capacity import Book, BookError, load_book
from capacity.book import UNASSIGNED_VERTICAL

from .conftest import DEFAULT_BOOK, write


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
        ("account_id;arr\nA;10\n", "looks semicolon-separated"),
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
