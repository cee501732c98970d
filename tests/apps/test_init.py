"""`capacity init`: from a CRM export as it comes to a scenario that loads and plans to the plan it printed."""

import json
import shutil

import pytest
import yaml

from capacity import load_book, load_scenario, plan
from capacity.apps.cli import main
from capacity.views.text import render_plan

from tests.conftest import ROOT, write

EXPORTS = ROOT / "tests" / "fixtures" / "exports"


def _init(capsys, *args) -> tuple[int, str, str]:
    code = main(["init", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _plan_json(capsys, scenario) -> dict:
    assert main(["plan", str(scenario), "--json"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out)


@pytest.mark.parametrize(("export", "recognised", "footer"), [
    ("salesforce-report.csv",
     [("account_id", "Account ID", "Salesforce report"), ("arr", "ARR", "Salesforce"),
      ("name", "Account Name", "Salesforce report"), ("vertical", "Industry", "Salesforce"),
      ("renewal_date", "Contract End Date", "Salesforce report"), ("csm", "Account Owner", "Salesforce report")],
     "set aside 10 lines after the last account (a report footer: 'Grand Totals (300 records)', 'Confidential "
     "Information - Do Not Distribute', a copyright line, and 2 more)"),
    ("hubspot-companies-sf-footer.csv",
     [("account_id", "Record ID", "HubSpot"), ("arr", "Annual recurring revenue", "HubSpot"),
      ("name", "Company name", "HubSpot"), ("csm", "Company owner", "HubSpot")],
     "set aside 7 lines after the last account (a report footer: 'Grand Totals (400 records)', 'Confidential "
     "Information - Do Not Distribute', a copyright line)"),
    ("hubspot-companies.csv", [("account_id", "Record ID", "HubSpot"), ("arr", "Annual recurring revenue", "HubSpot")],
     None),
    ("gainsight-companies.csv",
     [("account_id", "GSID", "Gainsight"), ("arr", "ARR", "Gainsight"), ("csm", "CSM", "Gainsight"),
      ("health", "Overall Score", "Gainsight")], None),
])
def test_init_writes_a_scenario_that_plans_as_printed(tmp_path, capsys, export, recognised, footer):
    out = tmp_path / "my-scenario.yaml"
    code, text, err = _init(capsys, EXPORTS / export, "--out", out)
    assert code == 0, err
    # What it recognised, column by column, with the tool each header comes from.
    table = text.split("Columns recognised:")[1].split("Tiers proposed")[0]
    lines = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    for column, header, tool in recognised:
        assert header in lines[column] and tool in lines[column].split(header, 1)[1]
    # The rows set aside, once on stderr and in the text.
    if footer is None:
        assert err == "" and "Set aside" not in text
    else:
        assert err == f"note: {EXPORTS / export}: {footer}\n"
        assert f"  {footer[0].upper()}{footer[1:]}.\n" in text
    # The scenario written loads and plans, as `capacity plan` would, to the plan printed.
    written = load_scenario(out)
    result = plan(out)
    assert render_plan(result) in text
    assert json.loads(result.to_json()) == _plan_json(capsys, out)
    book = load_book(EXPORTS / export, columns=written.book_columns)
    assert sum(s.customers for s in result.segments) == len(book)


def test_init_json_plan_is_the_plan_of_the_file(tmp_path, capsys):
    out = tmp_path / "s.yaml"
    code, text, _ = _init(capsys, EXPORTS / "salesforce-report.csv", "--out", out, "--json")
    assert code == 0
    printed = json.loads(text)
    assert printed["plan"] == _plan_json(capsys, out)
    assert printed["recognised"]


@pytest.mark.parametrize(("header", "rows", "message"), [
    ("Account ID,ARR,Total ARR", ["1,100,100", "2,200,200"],
     "2 columns could hold ARR: 'ARR' and 'Total ARR'; say which one with --map arr=ARR (or book_columns: "
     "{arr: ARR} in the scenario)"),
    ("Account Name,ARR", ["A,1000", "B,2000"],
     "no column is recognised as the account id; columns found: 'Account Name', 'ARR'; name it with --map "
     "account_id=HEADER (or book_columns: {account_id: HEADER} in the scenario)"),
    ("Account ID,MRR", ["1,100", "2,200"],
     "'MRR' is recurring revenue a month, and capacity reads ARR a year: add a column of 12 x MRR to the export, "
     "or name a column that holds ARR with --map arr=HEADER (or book_columns: {arr: HEADER} in the scenario)"),
])
def test_a_header_read_two_ways_is_asked_not_guessed(tmp_path, capsys, header, rows, message):
    export = write(tmp_path / "export.csv", "\n".join([header, *rows]) + "\n")
    out = tmp_path / "s.yaml"
    code, text, err = _init(capsys, export, "--out", out)
    assert code == 2 and text == ""
    assert err == f"error: {export}: {message}\n"
    assert not out.exists()


def test_map_settles_what_was_asked(tmp_path, capsys):
    export = write(tmp_path / "export.csv", "Account ID,ARR,Total ARR\n1,100,150\n2,200,250\n")
    out = tmp_path / "s.yaml"
    code, _, err = _init(capsys, export, "--out", out, "--map", "arr=Total ARR")
    assert code == 0, err
    assert load_scenario(out).book_columns["arr"] == "Total ARR"
    assert plan(out).segments[-1].arr + sum(s.arr for s in plan(out).segments[:-1]) == 400


def test_annual_revenue_only_when_nothing_better_and_said(tmp_path, capsys):
    export = write(tmp_path / "export.csv", "Record ID,Company name,Annual Revenue\n1,A,1000000\n2,B,2000000\n")
    code, text, _ = _init(capsys, export, "--out", tmp_path / "a.yaml")
    assert code == 0
    assert "Note: 'Annual Revenue' is the company's own revenue, not what it pays you a year; read as ARR only " \
           "because the export has no ARR column" in text
    assert "# " in (tmp_path / "a.yaml").read_text().split("arr: Annual Revenue", 1)[1].splitlines()[0]
    export = write(tmp_path / "both.csv", "Record ID,Annual Revenue,ARR\n1,1000000,100\n2,2000000,200\n")
    code, text, _ = _init(capsys, export, "--out", tmp_path / "b.yaml")
    assert code == 0 and load_scenario(tmp_path / "b.yaml").book_columns["arr"] == "ARR"
    assert "Not read: 'Annual Revenue'." in text


def test_currency(tmp_path, capsys):
    out = tmp_path / "eur.yaml"
    code, text, _ = _init(capsys, EXPORTS / "gainsight-companies.csv", "--out", out, "--currency", "EUR")
    assert code == 0
    assert load_scenario(out).currency == "EUR" and "€" in text
    code, _, err = _init(capsys, EXPORTS / "gainsight-companies.csv", "--out", tmp_path / "x.yaml", "--currency", "eur")
    assert code == 2 and err == "error: --currency: must be a three-letter code such as USD or EUR (got 'eur')\n"


def test_an_export_in_several_currencies_is_refused_or_converted(tmp_path, capsys):
    export = EXPORTS / "salesforce-currencies.csv"
    code, _, err = _init(capsys, export, "--out", tmp_path / "s.yaml")
    assert code == 2 and not (tmp_path / "s.yaml").exists()
    assert err == (f"error: {export}: column currency: ARR is in more than one currency (77 EUR accounts, 48 GBP "
                   "accounts, 175 USD accounts) and --currency is USD; give --fx EUR=<USD per EUR> --fx GBP=<USD per "
                   "GBP>, so that they are converted and not summed as USD\n")
    code, text, err = _init(capsys, export, "--out", tmp_path / "s.yaml", "--fx", "EUR=1.08", "--fx", "GBP=1.27")
    assert code == 0, err
    assert err.splitlines()[-1] == (f"note: {export}: converted 77 EUR accounts and 48 GBP accounts to USD at "
                                    "fx_rates (EUR 1.08, GBP 1.27)")
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.fx_rates == {"EUR": 1.08, "GBP": 1.27} and scenario.book_columns["currency"] == "Account Currency"
    same = load_book(EXPORTS / "salesforce-report.csv", columns={"account_id": "Account ID", "arr": "ARR"})
    assert sum(s.arr for s in plan(tmp_path / "s.yaml").segments) == pytest.approx(same.total_arr, abs=1.0)
    code, _, err = _init(capsys, export, "--out", tmp_path / "t.yaml", "--fx", "EUR=1.08")
    assert code == 2 and err.endswith("give --fx GBP=<USD per GBP>, so that they are converted and not summed as USD\n")
    code, _, err = _init(capsys, export, "--out", tmp_path / "t.yaml", "--fx", "EUR:1.08")
    assert code == 2 and err.startswith("error: --fx: must be CODE=RATE")


def test_excel_report_and_a_sheet_per_region(tmp_path, capsys):
    code, text, err = _init(capsys, EXPORTS / "salesforce-report.xlsx", "--out", tmp_path / "x.yaml")
    assert code == 0, err
    assert len(err.splitlines()) == 2 and "above the header (a report title block: 'Accounts with ARR'" in err
    from_csv = load_book(EXPORTS / "salesforce-report.csv", columns={"account_id": "Account ID", "arr": "ARR"})
    segments = plan(tmp_path / "x.yaml").segments
    assert sum(s.customers for s in segments) == 300
    assert sum(s.arr for s in segments) == pytest.approx(from_csv.total_arr)
    code, _, err = _init(capsys, EXPORTS / "regions.xlsx", "--out", tmp_path / "r.yaml")
    assert code == 2 and "sheets 'AMER', 'EMEA', 'APAC' all have an account_id and arr header" in err
    code, text, err = _init(capsys, EXPORTS / "regions.xlsx", "--out", tmp_path / "r.yaml", "--sheet", "EMEA")
    assert code == 0, err
    assert load_scenario(tmp_path / "r.yaml").book_sheet == "EMEA"
    assert sum(s.customers for s in plan(tmp_path / "r.yaml").segments) == 100


def test_an_existing_out_is_never_overwritten(tmp_path, capsys):
    out = write(tmp_path / "mine.yaml", "# my edited scenario\n")
    code, text, err = _init(capsys, EXPORTS / "salesforce-report.csv", "--out", out)
    assert code == 2 and text == ""
    assert err == f"error: {out}: exists; give another --out, or --force to replace it\n"
    assert out.read_text() == "# my edited scenario\n"
    code, _, _ = _init(capsys, EXPORTS / "salesforce-report.csv", "--out", out, "--force")
    assert code == 0 and load_scenario(out).book_columns["account_id"] == "Account ID"


def test_the_book_path_is_relative_to_the_scenario(tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(EXPORTS / "salesforce-report.csv", folder / "report.csv")
    (tmp_path / "plans").mkdir()
    code, _, err = _init(capsys, folder / "report.csv", "--out", tmp_path / "plans" / "s.yaml")
    assert code == 0, err
    assert yaml.safe_load((tmp_path / "plans" / "s.yaml").read_text())["book"] == "../exports/report.csv"
