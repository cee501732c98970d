"""Renewal dates as CRMs export them: read once, each form accepted, a date that reads two ways refused."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import Book, BookError, load_book
from capacity.inputs.renewals import renewal_dates

from tests.conftest import DEFAULT_BOOK, write


def _days(*texts: str) -> list[int]:
    return [(dt.date.fromisoformat(t) - dt.date(1970, 1, 1)).days for t in texts]


def _book(values, **columns) -> Book:
    return Book.from_frame(pd.DataFrame({"account_id": [f"A{i}" for i in range(len(values))], "arr": 1000.0,
                                         "renewal_date": values, **columns}))


def test_iso_dates_blanks_and_leap_days():
    dates = renewal_dates(_book(["2027-06-20", "", " 2028-02-29 ", None]))
    assert dates.reading == "ISO" and dates.has_column
    assert dates.dated.tolist() == [True, False, True, False] and dates.undated == 2
    assert dates.day[dates.dated].tolist() == _days("2027-06-20", "2028-02-29")


def test_read_once_per_book():
    book = _book(["2027-06-20"])
    assert renewal_dates(book) is renewal_dates(book)


def test_a_book_without_the_column_has_no_dates():
    book = Book.from_frame(pd.DataFrame({"account_id": ["1", "2"], "arr": [1.0, 2.0]}))
    dates = renewal_dates(book)
    assert not dates.has_column and dates.undated == 2 and dates.reading == "none"


def test_salesforce_export_month_first(tmp_path):
    path = write(tmp_path / "salesforce.csv", '"Account ID","Account Name","ARR","Renewal Date"\n'
                 '"0015g00000AbCdEAAB","Acme","12,500.00","6/20/2027"\n'
                 '"0015g00000AbCdFAAB","Birch","8,000.00","3/4/2027 12:00 AM"\n'
                 '"0015g00000AbCdGAAB","Cedar","9,000.00",""\n')
    dates = renewal_dates(load_book(path))
    assert dates.reading == "month first"
    assert dates.day[:2].tolist() == _days("2027-06-20", "2027-03-04") and dates.undated == 1


def test_hubspot_and_gainsight_exports(tmp_path):
    hubspot = write(tmp_path / "hubspot.csv", "Record ID,Company name,ARR,Renewal date\n"
                    "101,Acme,12500,2027-06-20 00:00\n102,Birch,8000,2027-01-05T00:00:00Z\n")
    assert renewal_dates(load_book(hubspot, columns={"account_id": "Record ID"})).day.tolist() == \
        _days("2027-06-20", "2027-01-05")
    gainsight = write(tmp_path / "gainsight.csv", "account_id,arr,renewal_date\nG-1,5000,2027/06/20\nG-2,5000,2027/1/5\n")
    dates = renewal_dates(load_book(gainsight))
    assert dates.reading == "year first" and dates.day.tolist() == _days("2027-06-20", "2027-01-05")


def test_european_excel_day_first(tmp_path):
    path = write(tmp_path / "europe.csv", "account_id,arr,renewal_date\n1,5000,20.06.2027\n2,5000,03.04.2027\n")
    dates = renewal_dates(load_book(path))
    assert dates.reading == "day first" and dates.day.tolist() == _days("2027-06-20", "2027-04-03")


def test_excel_date_cells(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Account ID", "ARR", "Renewal Date"])
    sheet.append(["1", 5000, dt.datetime(2027, 6, 20)])
    sheet.append(["2", 5000, dt.date(2028, 2, 29)])
    sheet.append(["3", 5000, None])
    workbook.save(tmp_path / "book.xlsx")
    dates = renewal_dates(load_book(tmp_path / "book.xlsx"))
    assert dates.day[:2].tolist() == _days("2027-06-20", "2028-02-29") and dates.dated.tolist() == [True, True, False]


def test_a_database_date_column():
    table = pa.table({"account_id": ["1", "2"], "renewal_date": pa.array([dt.date(2027, 6, 20), None], pa.date32())})
    dates = renewal_dates(Book(table=table, arr_cents=np.array([100, 200])))
    assert dates.reading == "dates" and dates.day[0] == _days("2027-06-20")[0] and dates.dated.tolist() == [True, False]


def test_the_default_book_has_a_date_for_every_account():
    dates = renewal_dates(load_book(DEFAULT_BOOK))
    assert dates.reading == "ISO" and dates.undated == 0


@pytest.mark.parametrize("values, message", [
    (["03/04/2027", "04/05/2027"], "row 2 (account_id 'A0'), column renewal_date: renewal_date '03/04/2027' could "
                                   "be read day-first or month-first, and no date of the column has a day above 12 to "
                                   "settle it; write the dates as YYYY-MM-DD, e.g. 2027-03-04"),
    (["20/06/2027", "6/21/2027"], "row 3 (account_id 'A1'), column renewal_date: renewal_date '6/21/2027' reads "
                                  "month-first, but row 2 (account_id 'A0') has '20/06/2027', which reads day-first; "
                                  "write every date one way, best as YYYY-MM-DD"),
    (["2027-06-20", "6/20/27"], "row 3 (account_id 'A1'), column renewal_date: renewal_date '6/20/27' has a two-digit "
                                "year; write the year in four digits, best as YYYY-MM-DD, e.g. 2027-06-20"),
    (["2027-06-20", "next June"], "row 3 (account_id 'A1'), column renewal_date: renewal_date 'next June' is not a "
                                  "date; write it as YYYY-MM-DD, e.g. 2027-06-20 (or leave it blank for an account "
                                  "without one)"),
    (["2027-02-29"], "row 2 (account_id 'A0'), column renewal_date: renewal_date '2027-02-29' is not a calendar day "
                     "(2027-02 has 28 days)"),
    (["2027-13-01"], "row 2 (account_id 'A0'), column renewal_date: renewal_date '2027-13-01' has no month 13; write it "
                     "as YYYY-MM-DD"),
    (["0027-06-20"], "row 2 (account_id 'A0'), column renewal_date: renewal_date '0027-06-20' is in the year 27; a "
                     "renewal date falls between 1900 and 2200"),
    (["46558"], "row 2 (account_id 'A0'), column renewal_date: renewal_date '46558' is not a date; write it as "
                "YYYY-MM-DD, e.g. 2027-06-20 (or leave it blank for an account without one)"),
])
def test_what_cannot_be_read_is_refused_naming_the_row(values, message):
    with pytest.raises(BookError) as caught:
        renewal_dates(_book(values))
    assert str(caught.value) == message


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2150, 12, 31)), min_size=1, max_size=30),
       st.sampled_from(["/", ".", "-"]), st.booleans(), st.booleans())
def test_day_and_month_first_columns_read_as_pythons_calendar(values, separator, day_first, with_a_time):
    if not any(v.day > 12 for v in values):
        values = values + [dt.date(2027, 6, 20)]  # a date that settles the reading
    texts = [f"{v.day}{separator}{v.month}{separator}{v.year}" if day_first else
             f"{v.month}{separator}{v.day}{separator}{v.year}" for v in values]
    if with_a_time:  # one cell with a time: the column is read by the patterns, not split
        texts[0] += " 00:00"
    dates = renewal_dates(_book(texts + [""]))
    assert dates.reading == ("day first" if day_first else "month first")
    assert dates.day[:-1].tolist() == _days(*(v.isoformat() for v in values)) and not dates.dated[-1]
