"""What book building reads from the book: locks, hierarchies, renewal dates and quarters, at-risk accounts."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.analysis import book_rules
from capacity.exceptions import BookError
from capacity.inputs.book import Book, load_book


def book(**columns) -> Book:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)], "arr": [1000] * n, **columns})
    return Book.from_frame(frame)


def test_locked_reads_the_usual_yes_and_no_cells():
    cells = ["true", "Yes", " Y ", "1", "x", "TRUE", "false", "No", "n", "0", "", "FALSE"]
    assert book_rules.locked(book(locked=cells)).tolist() == [True] * 6 + [False] * 6
    assert not book_rules.locked(book(csm=["a", "b"])).any()  # no column: nothing locked


def test_a_locked_cell_that_is_neither_is_refused_naming_the_row():
    with pytest.raises(BookError, match=r"row 3 \(account_id 'A1'\), column locked: locked 'maybe' is neither yes nor no"):
        book_rules.locked(book(locked=["yes", "maybe"]))


def test_locked_from_an_excel_checkbox_and_a_parquet_boolean(tmp_path):
    frame = pd.DataFrame({"account_id": ["A", "B"], "arr": [1, 2], "locked": [True, False]})
    path = tmp_path / "b.xlsx"
    frame.to_excel(path, index=False)
    assert book_rules.locked(load_book(path)).tolist() == [True, False]
    frame.to_parquet(tmp_path / "b.parquet")
    assert book_rules.locked(load_book(tmp_path / "b.parquet")).tolist() == [True, False]


def test_hierarchies_join_parents_their_parents_and_siblings():
    # A1 -> A0, A2 -> A1 (a chain); A4 and A5 share a parent not in the book; A3 alone; A6 is its own parent.
    labels = book_rules.hierarchies(book(parent_account_id=["", "A0", "A1", "", "P9", "P9", "A6"]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4, 6]
    assert book_rules.hierarchies(book(csm=["a", "b"])).tolist() == [0, 1]


def test_hierarchy_ids_are_matched_as_written_after_trimming():
    labels = book_rules.hierarchies(book(parent_account_id=["", " A0 ", "a0"]))
    assert labels.tolist() == [0, 0, 2]  # "a0" is another id: ids are not case-folded


def test_renewal_dates_read_iso_days_and_refuse_the_ambiguous():
    dates = book_rules.renewal_dates(book(renewal_date=["2027-03-04", "", "2027-03-04 00:00:00"]))
    assert dates.astype(str).tolist() == ["2027-03-04", "NaT", "2027-03-04"]
    with pytest.raises(BookError, match="could be read day-first or month-first"):
        book_rules.renewal_dates(book(renewal_date=["03/04/2027"]))
    with pytest.raises(BookError, match="'2027-02-30' is not a calendar day"):
        book_rules.renewal_dates(book(renewal_date=["2027-02-30"]))
    with pytest.raises(BookError, match="'next spring' is not a date"):
        book_rules.renewal_dates(book(renewal_date=["next spring"]))
    assert book_rules.renewal_dates(book(csm=["a"])) is None


def test_next_renewal_by_hand():
    as_of = datetime.date(2026, 12, 5)
    d = np.array(["2026-12-05", "2026-12-04", "2027-03-05", "2020-02-29", "2028-06-30", "NaT"], dtype="datetime64[D]")
    assert book_rules.next_renewal(d, as_of).astype(str).tolist() == [
        "2026-12-05", "2027-12-04", "2027-03-05", "2027-02-28", "2028-06-30", "NaT"]
    assert book_rules.days_to_renewal(d, as_of).tolist() == [0, 364, 90, 85, 573, -1]


@given(st.dates(datetime.date(2000, 1, 1), datetime.date(2040, 12, 31)),
       st.dates(datetime.date(2000, 1, 1), datetime.date(2040, 12, 31)))
def test_the_next_renewal_is_the_date_or_an_anniversary_within_a_year(day, as_of):
    ahead = book_rules.next_renewal(np.array([day], dtype="datetime64[D]"), as_of)[0].astype(object)
    assert ahead >= as_of
    if day >= as_of:
        assert ahead == day
    else:
        assert (ahead - as_of).days < 366 and ahead.month == day.month
        assert ahead.day == day.day or (day.month, day.day, ahead.day) == (2, 29, 28)


def test_renewal_quarters_of_a_calendar_and_a_fiscal_year():
    d = np.array(["2027-01-31", "2027-04-01", "2027-08-01", "2027-12-31", "NaT"], dtype="datetime64[D]")
    assert book_rules.renewal_quarter(d).tolist() == [0, 1, 2, 3, -1]
    assert book_rules.renewal_quarter(d, first_month=2).tolist() == [3, 0, 2, 3, -1]
    assert book_rules.quarter_months(2) == ("Q1 (Feb-Apr)", "Q2 (May-Jul)", "Q3 (Aug-Oct)", "Q4 (Nov-Jan)")


def test_at_risk_matches_health_ignoring_case_and_spaces():
    b = book(health=["Red", " red", "Yellow", "", "Green"])
    assert book_rules.at_risk(b, ["RED"]).tolist() == [True, True, False, False, False]
    assert book_rules.at_risk(b, ["red", "yellow"]).tolist() == [True, True, True, False, False]
    assert book_rules.at_risk(book(csm=["a"]), ["red"]) is None
