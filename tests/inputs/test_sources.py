"""Books from Parquet files and databases (SQLite, and a real PostgreSQL server) give the CSV's plan."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from capacity import BookError, ScenarioError, load_book, load_scenario, plan
from capacity.inputs.sources import DatabaseBook, book_from_arguments, expand_environment

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO, ROOT
from tests.postgres import postgres_server


@pytest.fixture(scope="module")
def accounts() -> pd.DataFrame:
    """The default book as typed columns: text ids (leading zeros), ARR as a number, dates as dates."""
    frame = pd.read_csv(DEFAULT_BOOK, dtype=str, keep_default_na=False)
    frame["arr"] = frame["arr"].astype(float)
    return frame


@pytest.fixture(scope="module")
def csv_plan() -> str:
    return plan(DEFAULT_SCENARIO, load_book(DEFAULT_BOOK)).to_json()


def _scenario_with(book, **extra) -> dict:
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["book"] = book
    data.update(extra)
    return data


def _same_plan(book, csv_plan: str, **extra) -> None:
    scenario = load_scenario(_scenario_with(book, **extra))
    result = plan(scenario)
    assert result.totals.customers == 3000
    # The scenario's name and every number: the JSON of the CSV's plan, byte for byte.
    assert result.to_json() == csv_plan


def test_parquet_book_gives_the_csv_plan(tmp_path, accounts, csv_plan):
    path = tmp_path / "accounts.parquet"
    table = pa.Table.from_pandas(accounts, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("renewal_date"), "renewal_date",
                             pa.array(pd.to_datetime(accounts["renewal_date"]).dt.date))
    pq.write_table(table, path)
    _same_plan(str(path), csv_plan)
    book = load_book(path)
    assert book.table.column("account_id")[0].as_py() == "0000001"
    assert book.table.column("renewal_date")[0].as_py() == accounts["renewal_date"][0]


def test_parquet_reads_only_the_columns_asked_for(tmp_path, accounts):
    path = tmp_path / "accounts.parquet"
    pq.write_table(pa.Table.from_pandas(accounts, preserve_index=False), path)
    book = load_book(path, needs=("account_id", "arr"))
    assert book.table.column_names == ["account_id"]
    assert {"name", "vertical", "renewal_date"} <= book.skipped
    with pytest.raises(ValueError, match="without its 'vertical' column"):
        book.accounts  # noqa: B018


def test_parquet_errors_name_the_file_and_row(tmp_path):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"account_id": ["a", "b", "a"], "arr": [1.0, 2.0, 3.0]}), path)
    with pytest.raises(BookError, match=r"bad\.parquet: row 3: duplicate account_id 'a', first seen on row 1"):
        load_book(path)
    path.write_bytes(b"not parquet at all")
    with pytest.raises(BookError, match=r"bad\.parquet: cannot read as Parquet"):
        load_book(path)


def _sqlite_book(tmp_path, accounts, columns=None) -> str:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:
        frame = accounts if columns is None else accounts.rename(columns=columns)
        frame.to_sql("accounts", connection, index=False)
    return str(path)


def test_sqlite_table_and_query_give_the_csv_plan(tmp_path, accounts, csv_plan):
    path = _sqlite_book(tmp_path, accounts)
    _same_plan({"url": f"sqlite:///{path}", "table": "accounts"}, csv_plan)
    _same_plan({"url": f"sqlite:///{path}", "query": "SELECT account_id, arr FROM accounts ORDER BY arr"}, csv_plan)


def test_database_book_columns_are_mapped_as_a_csv_s(tmp_path, accounts, csv_plan):
    path = _sqlite_book(tmp_path, accounts, columns={"account_id": "Record ID", "arr": "Annual recurring revenue"})
    mapping = {"account_id": "Record ID", "arr": "Annual recurring revenue"}
    _same_plan({"url": f"sqlite:///{path}", "table": "accounts"}, csv_plan, book_columns=mapping)
    with pytest.raises(BookError, match=r"book_columns.arr is 'Annual revenue', but the book has no such column; "
                                        r"did you mean 'Annual recurring revenue'\?"):
        load_book({"url": f"sqlite:///{path}", "table": "accounts"}, columns={**mapping, "arr": "Annual revenue"})


def test_database_rows_are_validated_as_a_csv_s(tmp_path):
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE accounts (account_id TEXT, arr TEXT)")
        connection.executemany("INSERT INTO accounts VALUES (?, ?)", [("A1", "1200"), ("A2", "1.200"), ("A3", None)])
    url = f"sqlite:///{path}"
    with pytest.raises(BookError) as caught:
        load_book({"url": url, "table": "accounts"})
    assert str(caught.value) == (f"{url} table accounts: row 2 (account_id 'A2'), column arr: arr '1.200' may mean 1,200 "
                                 "(a dot separating thousands) or 1.2; write it without separators (1200) or with two "
                                 "decimals (1.20)")
    with pytest.raises(BookError, match=r"query: row 1 \(account_id 'A3'\), column arr: arr is blank"):
        load_book({"url": url, "query": "SELECT * FROM accounts WHERE account_id = 'A3'"})


def test_environment_variables_in_the_url(tmp_path, accounts, csv_plan, monkeypatch):
    path = _sqlite_book(tmp_path, accounts)
    monkeypatch.setenv("CAPACITY_TEST_DB", path)
    _same_plan({"url": "sqlite:///${CAPACITY_TEST_DB}", "table": "accounts"}, csv_plan)
    monkeypatch.delenv("CAPACITY_TEST_DB")
    with pytest.raises(BookError, match=r"book.url: the url uses \$\{CAPACITY_TEST_DB\} but the environment variable "
                                        r"CAPACITY_TEST_DB is not set"):
        load_book({"url": "sqlite:///${CAPACITY_TEST_DB}", "table": "accounts"})
    assert expand_environment("a://${X}:${Y}@h", {"X": "u", "Y": "p"}) == "a://u:p@h"


def test_database_problems_are_one_line(tmp_path, accounts):
    path = _sqlite_book(tmp_path, accounts)
    url = f"sqlite:///{path}"
    with pytest.raises(BookError, match=r"book.table: no table 'acounts' in the database; did you mean 'accounts'\?"):
        load_book({"url": url, "table": "acounts"})
    with pytest.raises(BookError, match=r"book.query: the query failed: near \"SELEC\": syntax error$"):
        load_book({"url": url, "query": "SELEC 1"})
    with pytest.raises(BookError, match=r"database file not found: .*nope\.db$"):
        load_book({"url": f"sqlite:///{tmp_path / 'nope.db'}", "table": "accounts"})
    with pytest.raises(BookError, match=r"no database driver|not a database URL"):
        load_book({"url": "nosuchdb://host/db", "table": "accounts"})


def test_a_connection_failure_does_not_show_the_password(tmp_path):
    url = f"postgresql://analyst:s3cr%40t-pw@/crm?host={tmp_path}"
    with pytest.raises(BookError) as caught:
        load_book({"url": url, "table": "accounts"})
    line = str(caught.value)
    assert "cannot connect to the database" in line and "\n" not in line
    assert "s3cr" not in line and "analyst:***@" in line


def test_database_book_in_a_scenario_is_checked_as_the_scenario_loads():
    with pytest.raises(ScenarioError, match=r"book.tabel: unknown key 'tabel' \(did you mean 'table'\?\)"):
        load_scenario(_scenario_with({"url": "sqlite:///x.db", "tabel": "accounts"}))
    with pytest.raises(ScenarioError, match=r"book: a database book needs table \(a table name\) or query"):
        load_scenario(_scenario_with({"url": "sqlite:///x.db"}))
    with pytest.raises(ScenarioError, match=r"book: give table or query, not both"):
        load_scenario(_scenario_with({"url": "sqlite:///x.db", "table": "a", "query": "SELECT 1"}))
    scenario = load_scenario(_scenario_with({"url": "postgresql://u:${PW}@h/db", "table": "accounts"}))
    assert scenario.book == DatabaseBook(url="postgresql://u:${PW}@h/db", table="accounts")
    assert scenario.book.label == "postgresql://u:${PW}@h/db table accounts"


def test_command_line_book_arguments():
    assert book_from_arguments("sqlite:///x.db", "accounts") == DatabaseBook(url="sqlite:///x.db", table="accounts")
    assert book_from_arguments("x.csv") == __import__("pathlib").Path("x.csv")
    with pytest.raises(BookError, match="needs --book-table TABLE or --book-query SQL"):
        book_from_arguments("sqlite:///x.db")
    with pytest.raises(BookError, match="go with a database URL, not a file"):
        book_from_arguments("x.csv", "accounts")


def test_cli_plan_from_a_database_matches_the_csv(tmp_path, accounts):
    path = _sqlite_book(tmp_path, accounts)

    def run(*book: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "capacity", "plan", str(DEFAULT_SCENARIO), "--json", *book],
                              capture_output=True, text=True, cwd=ROOT)

    from_csv, from_db = run("--book", str(DEFAULT_BOOK)), run("--book", f"sqlite:///{path}", "--book-table", "accounts")
    assert from_db.returncode == 0, from_db.stderr
    assert from_db.stdout == from_csv.stdout
    failed = run("--book", f"sqlite:///{path}", "--book-query", "SELECT missing_column FROM accounts")
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("error: sqlite:///") and "no such column: missing_column" in failed.stderr
    assert len(failed.stderr.splitlines()) == 1


def test_sqlalchemy_is_imported_only_for_a_database_book(tmp_path):
    code = ("import sys, capacity; capacity.plan(capacity.load_scenario(sys.argv[1]), capacity.load_book(sys.argv[2])); "
            "print('sqlalchemy' in sys.modules, 'psycopg' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(DEFAULT_SCENARIO), str(DEFAULT_BOOK)],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


# -- a real PostgreSQL server -----------------------------------------------------------


@pytest.fixture(scope="module")
def postgres(accounts):
    """A server with database ``crm``: table ``accounts`` (ARR as NUMERIC(14, 2), renewal as DATE)."""
    import psycopg

    with postgres_server() as socket:
        with psycopg.connect(f"host={socket} user=postgres dbname=postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE crm")
        with psycopg.connect(f"host={socket} user=postgres dbname=crm") as connection:
            connection.execute("CREATE TABLE accounts (account_id TEXT PRIMARY KEY, name TEXT, arr NUMERIC(14, 2), "
                               "vertical TEXT, renewal_date DATE)")
            with connection.cursor().copy("COPY accounts FROM STDIN") as copy:
                for row in accounts.itertuples(index=False):
                    copy.write_row((row.account_id, row.name, row.arr, row.vertical, row.renewal_date))
        yield socket


def test_postgresql_table_and_query_give_the_csv_plan(postgres, csv_plan, monkeypatch):
    monkeypatch.setenv("CAPACITY_TEST_PGHOST", str(postgres))
    url = "postgresql://postgres@/crm?host=${CAPACITY_TEST_PGHOST}"
    _same_plan({"url": url, "table": "accounts"}, csv_plan)
    _same_plan({"url": url, "query": "SELECT account_id, arr, vertical FROM accounts WHERE arr >= 0"}, csv_plan)
    book = load_book({"url": url, "table": "public.accounts"})
    assert len(book) == 3000
    assert book.table.column("renewal_date")[0].as_py() == "2027-06-20"


def test_postgresql_errors_are_one_line_without_the_password(postgres):
    url = f"postgresql://postgres:hunter2secret@/nosuchdb?host={postgres}"
    with pytest.raises(BookError) as caught:
        load_book({"url": url, "table": "accounts"})
    line = str(caught.value)
    assert line.startswith("postgresql://postgres:***@/nosuchdb")
    assert "cannot connect to the database" in line and 'database "nosuchdb" does not exist' in line
    assert "hunter2secret" not in line and "\n" not in line
    with pytest.raises(BookError, match=r"book.query: the query failed: .*relation \"acounts\" does not exist"):
        load_book({"url": f"postgresql://postgres@/crm?host={postgres}", "query": "SELECT * FROM acounts"})


def test_a_parquet_file_with_another_extension_says_so(tmp_path):
    path = tmp_path / "accounts.csv"
    pq.write_table(pa.table({"account_id": ["a"], "arr": [1.0]}), path)
    with pytest.raises(BookError, match=r"accounts\.csv: is a Parquet file, not CSV text; give it the \.parquet extension"):
        load_book(path)


def test_the_report_content_reads_a_database_book(tmp_path, accounts):
    from capacity.views import sections
    from capacity.apps.report import _book_parameter

    path = _sqlite_book(tmp_path, accounts)
    given = DatabaseBook(url=f"sqlite:///{path}", table="accounts")
    parameter = _book_parameter(given)  # what papermill hands the notebook
    assert parameter == {"url": f"sqlite:///{path}", "table": "accounts"}
    from_db = sections.build(DEFAULT_SCENARIO, parameter)
    from_csv = sections.build(DEFAULT_SCENARIO, DEFAULT_BOOK)
    assert from_db.plan.to_json() == from_csv.plan.to_json()
