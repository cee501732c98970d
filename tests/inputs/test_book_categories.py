"""The book's category columns (vertical, csm, health) and the workload_multiplier column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.inputs.book import Book, load_book
from capacity.exceptions import BookError
from capacity.model.plan import plan
from capacity.model.segments import sizes_by_vertical
from capacity.inputs.scenario import load_scenario

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO


def write(tmp_path, text: str):
    path = tmp_path / "book.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_verticals_match_ignoring_case_and_spaces_in_the_first_spelling_seen(tmp_path):
    book = load_book(write(tmp_path, "account_id,arr,vertical\nA,10,healthcare\nB,20,Healthcare\nC,30, HEALTHCARE \n"
                                     "D,40,Retail\n"))
    assert list(book.accounts["vertical"]) == ["healthcare"] * 3 + ["Retail"]
    assert set(book.by_vertical) == {"healthcare", "Retail"}
    assert book.by_vertical["healthcare"].cum[-1] == 6000


def test_owner_and_health_codes_blank_as_missing(tmp_path):
    book = load_book(write(tmp_path, "account_id,arr,csm,health\nA,1,Ann Lee,Red\nB,2, ann lee ,red\nC,3,,GREEN\n"
                                     "D,4,Bob,\n"))
    codes, labels = book.category("csm")
    assert labels == ("Ann Lee", "Bob") and list(codes) == [0, 0, -1, 1]
    codes, labels = book.category("health")
    assert labels == ("GREEN", "Red") and list(codes) == [1, 1, 0, -1]
    assert list(book.accounts["csm"].astype(object).fillna("")) == ["Ann Lee", "Ann Lee", "", "Bob"]
    assert book.category("csm") is book.category("csm")  # cached


def test_categories_from_a_frame_and_excel_alike():
    frame = pd.DataFrame({"account_id": ["1", "2"], "arr": [5, 6], "CSM": ["x", "X"], "Health": [" a", "A "]})
    book = Book.from_frame(frame)
    assert book.category("csm")[1] == ("x",) and book.category("health")[1] == ("a",)


def test_workload_multiplier_column_reads_numbers_and_blank_as_one(tmp_path):
    book = load_book(write(tmp_path, "account_id,arr,workload_multiplier\nA,1,1.5\nB,2,\nC,3, 0 \n"))
    np.testing.assert_array_equal(book.workload_multiplier, [1.5, 1.0, 0.0])
    assert load_book(write(tmp_path, "account_id,arr\nA,1\n")).workload_multiplier is None


@pytest.mark.parametrize("value, problem", [
    ("high", "is not a number"), ("-1", "is negative"), ("1e6", "is implausibly large"), ("nan", "is not a number")])
def test_bad_workload_multiplier_names_row_and_column(tmp_path, value, problem):
    path = write(tmp_path, f"account_id,arr,workload_multiplier\nA,1,1\nB,2,{value}\n")
    with pytest.raises(BookError, match=rf"row 3 \(account_id 'B'\), column workload_multiplier: "
                                        rf"workload_multiplier '{value}' {problem}"):
        load_book(path)


def test_the_sample_book_has_owners_and_health_and_keeps_its_plan():
    book = load_book(DEFAULT_BOOK)
    owners = book.category("csm")[1]
    assert len(owners) == 22
    health = book.category("health")[1]
    assert health == ("Green", "Red", "Yellow")  # "green" typed in lower case merges into "Green"
    scenario = load_scenario(DEFAULT_SCENARIO)
    assert set(sizes_by_vertical(scenario, book)) == {"Technology", "Financial Services", "Healthcare", "Retail",
                                                      "Manufacturing", "Public Sector"}
    assert plan(scenario, book).totals.headcount == 19
