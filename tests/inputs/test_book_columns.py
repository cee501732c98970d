"""A scenario's book_columns: a CRM export loads as it is, and a wrong name says which one to use."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from capacity import BookError, ScenarioError, load_book, load_scenario, plan
from capacity.inputs.book_columns import BOOK_COLUMNS, column_names, needed_columns

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO

EXPORT_HEADERS = {"account_id": "Record ID", "name": "Company name", "arr": "Annual recurring revenue",
                  "vertical": "Industry", "renewal_date": "Renewal"}


@pytest.fixture
def export(tmp_path):
    """The default book as a CRM exports it: its own headers, in its own order, and an unrelated 'ARR' column."""
    frame = pd.read_csv(DEFAULT_BOOK, dtype=str, keep_default_na=False).rename(columns=EXPORT_HEADERS)
    frame.insert(0, "ARR", "not this one")  # would be read as arr without a mapping
    path = tmp_path / "hubspot-export.csv"
    frame[["Company name", "ARR", "Industry", "Annual recurring revenue", "Record ID"]].to_csv(path, index=False)
    return path


def _scenario(book, mapping) -> dict:
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data.update(book=str(book), book_columns=mapping)
    return data


def test_a_mapped_export_gives_the_plan_of_the_book(export):
    mapping = {"account_id": "Record ID", "arr": "Annual recurring revenue", "vertical": "Industry"}
    mapped = plan(load_scenario(_scenario(export, mapping)))
    assert mapped.to_json() == plan(DEFAULT_SCENARIO, load_book(DEFAULT_BOOK)).to_json()
    book = load_book(export, columns=mapping)
    assert book.table.column("account_id")[0].as_py() == "0000001"  # text, leading zeros kept
    # Unmapped names are still matched loosely: "Company name" is not "name", so there is none.
    assert "name" not in book.table.column_names
    assert list(book.accounts["vertical"][:2]) == ["Retail", "Financial Services"]


def test_headers_are_found_ignoring_case_and_surrounding_spaces():
    names = column_names([" record id ", "ARR (USD)", "Owner"], {"account_id": "Record ID", "arr": "arr (usd)",
                                                                  "csm": "owner"}, "x.csv")
    assert names == ["account_id", "arr", "csm"]


def test_a_header_missing_from_the_file_is_named_with_the_nearest(export):
    with pytest.raises(BookError) as caught:
        load_book(export, columns={"account_id": "Record Id#", "arr": "Annual recurring revenue"})
    assert str(caught.value) == (f"{export}: book_columns.account_id is 'Record Id#', but the book has no such column; "
                                 "did you mean 'Record ID'?")
    with pytest.raises(BookError, match=r"book_columns.arr is 'Revenue', but the book has no such column; "
                                        r"columns found: 'Company name', 'ARR', 'Industry', "):
        load_book(export, columns={"account_id": "Record ID", "arr": "Revenue"})


def test_a_required_column_neither_mapped_nor_found(export, tmp_path):
    with pytest.raises(BookError, match=r"hubspot-export.csv: missing required column 'account_id' \(columns found: "
                                        r"'Company name', 'ARR', 'Industry', 'Annual recurring revenue', 'Record ID'\)$"):
        load_book(export, columns={"arr": "Annual recurring revenue"})
    other = tmp_path / "other.csv"
    other.write_text("Account ID (CRM),Revenue\nA1,100\n")
    with pytest.raises(BookError, match=r"if 'Account ID \(CRM\)' holds it, rename that column to account_id or map "
                                        r"it in the scenario's book_columns \(account_id: Account ID \(CRM\)\)$"):
        load_book(other, columns={"arr": "Revenue"})


def test_an_unknown_canonical_name_is_a_scenario_error_with_a_suggestion(export):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_scenario(export, {"acount_id": "Record ID", "arr": "Annual recurring revenue"}))
    assert caught.value.where == "book_columns.acount_id"
    assert caught.value.message == "unknown book column 'acount_id'; did you mean 'account_id'?"
    with pytest.raises(ScenarioError, match=r"book_columns.arr: 'Record ID' is also book_columns.account_id's column"):
        load_scenario(_scenario(export, {"account_id": "Record ID", "arr": "Record ID"}))
    with pytest.raises(BookError, match=r"book_columns.revenue: unknown book column 'revenue'; the columns are: "):
        load_book(export, columns={"revenue": "Annual recurring revenue"})


def test_every_canonical_name_may_be_mapped(export):
    mapping = {name: f"col {name}" for name in BOOK_COLUMNS}
    assert load_scenario(_scenario(export, mapping)).book_columns == mapping


def test_a_mapped_excel_export_keeps_ids_as_text(tmp_path):
    import openpyxl

    path = tmp_path / "export.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Record ID", "Annual recurring revenue"])
    workbook.active.append([123, 1200.5])
    workbook.active.append(["0042", "$2,500"])
    workbook.save(path)
    book = load_book(path, columns={"account_id": "Record ID", "arr": "Annual recurring revenue"})
    assert list(book.accounts["account_id"]) == ["123", "0042"]
    assert list(book.arr_cents) == [120050, 250000]


def test_a_plan_reads_verticals_only_for_vertical_pools_and_weighing_columns_when_accounts_are_weighed():
    # A workload_multiplier column always multiplies an account's hours: a plan reads it whenever a book has it;
    # the default scenario dates renewal work, so it reads the renewal dates too.
    assert needed_columns(load_scenario(DEFAULT_SCENARIO)) == ("account_id", "arr", "workload_multiplier",
                                                               "renewal_date")
    pooled = load_scenario(DEFAULT_SCENARIO.parent / "scenario-healthcare-pool.yaml")
    assert needed_columns(pooled) == ("account_id", "arr", "workload_multiplier", "renewal_date", "vertical")
    weighed = load_scenario(DEFAULT_SCENARIO).with_changes({
        "workload_multipliers": {"column": "health", "values": {"red": 1.5}, "default": 1.0},
        "segments[Enterprise].serve_only": {"csm": ["Ana Ruiz"]}})
    assert needed_columns(weighed) == ("account_id", "arr", "workload_multiplier", "renewal_date", "health", "csm")
    undated = load_scenario(DEFAULT_SCENARIO).with_changes({
        f"segments[{s}].touchpoints[{t}].{key}": None for s, t in (("Enterprise", "Renewal preparation"),
                                                                   ("Mid-Market", "Renewal call"),
                                                                   ("SMB", "Renewal outreach"))
        for key in ("at", "offset_days")})
    assert "renewal_date" not in needed_columns(undated)
    assert plan(pooled, load_book(DEFAULT_BOOK, needs=needed_columns(pooled))).to_json() == \
        plan(pooled, load_book(DEFAULT_BOOK)).to_json()


def test_locked_and_parent_account_id_are_known_columns_and_may_be_mapped(tmp_path):
    assert {"locked", "parent_account_id"} <= set(BOOK_COLUMNS)
    path = tmp_path / "salesforce.csv"
    path.write_text("Account ID,ARR,Parent Account ID,Do Not Reassign\n001A,1000,,true\n001B,2000,001A,false\n",
                    encoding="utf-8")
    loose = load_book(path)  # "Parent Account ID" is parent_account_id without a mapping
    assert loose.table.column("parent_account_id").to_pylist() == ["", "001A"]
    mapped = load_book(path, columns={"locked": "Do Not Reassign"})
    assert mapped.table.column("locked").to_pylist() == ["true", "false"]
