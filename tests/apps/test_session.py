"""A start-page session without a browser: an upload, its columns, edits kept or refused, the files taken away."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from capacity import load_scenario, plan
from capacity.apps import session as session_module
from capacity.apps.cli import main
from capacity.apps.session import Session
from capacity.exceptions import BookError, CapacityError, ScenarioError

from tests.conftest import ROOT

EXPORTS = ROOT / "tests" / "fixtures" / "exports"
HUBSPOT = EXPORTS / "hubspot-companies.csv"


def _upload_hubspot(found: Session, name: str = HUBSPOT.name) -> Session:
    """HubSpot's export: its deals' "Annual recurring revenue" beside the company's "Annual Revenue" is asked about
    (the session keeps the header), and naming the ARR column plans it, as ``capacity init --map`` does."""
    with pytest.raises(BookError) as raised:
        found.upload(name, HUBSPOT.read_bytes())
    assert "2 columns could hold ARR: 'Annual recurring revenue' and 'Annual Revenue'" in str(raised.value)
    assert found.header and found.plan is None
    found.remap("arr", "Annual recurring revenue")
    return found


@pytest.fixture
def session(tmp_path) -> Session:
    return _upload_hubspot(Session(tmp_path / "session"))


def _cli_error(tmp_path: Path, name: str, content: bytes, capsys, monkeypatch, *args: str) -> str:
    """What ``capacity init NAME`` prints for the same bytes, run beside the file."""
    folder = tmp_path / "cli"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    monkeypatch.chdir(folder)
    assert main(["init", name, *args]) == 2
    return capsys.readouterr().err.strip()


def test_an_upload_is_recognised_and_planned_in_the_sessions_folder_only(session, tmp_path):
    assert session.header[:3] == ("Record ID", "Company name", "Company owner")
    mapping = session.start.book_columns
    assert mapping["account_id"] == "Record ID" and mapping["arr"] == "Annual recurring revenue"
    assert [s.name for s in session.segments] == ["Enterprise", "Mid-Market", "SMB", "Long tail"]
    assert sum(s.accounts for s in session.segments) == 400 == len(session.start.book)
    assert session.plan.totals.headcount > 0
    assert [p.name for p in tmp_path.iterdir()] == ["session"]
    assert [p.name for p in session.folder.iterdir()] == [HUBSPOT.name]


def test_the_downloaded_scenario_plans_to_the_sessions_plan_beside_the_export(session):
    session.set_touchpoint(0, 0, minutes=95)
    name, path = session.scenario_file()
    assert name == "hubspot-companies-scenario.yaml" and path.parent == session.folder
    assert plan(load_scenario(path)).to_dict() == session.plan.to_dict()


def test_a_column_named_by_hand_reads_the_export_again(session):
    before = session.start.book.total_arr
    session.remap("arr", "ARR (billing)")
    assert session.overrides == {"arr": "ARR (billing)"}
    assert session.start.book_columns["arr"] == "ARR (billing)"
    assert session.start.book.total_arr > before  # billing's ARR: deals lag it for some companies
    _, path = session.scenario_file()
    assert plan(load_scenario(path)).to_dict() == session.plan.to_dict()
    session.remap("arr", "Annual recurring revenue")  # back to the deals' ARR
    assert session.start.book.total_arr == before
    with pytest.raises(BookError, match="2 columns could hold ARR"):  # left to capacity, it asks again
        session.remap("arr", None)


def test_a_refused_column_keeps_the_header_to_settle_it(session):
    with pytest.raises(BookError) as raised:
        session.remap("arr", "Company name")
    assert session.line(raised.value) == ("error: hubspot-companies.csv: row 2 (account_id '5800000000'), column arr: "
                                          "arr 'Company 001 Inc.' is not a number")
    assert session.start is None and session.plan is None
    assert session.header and session.overrides == {"arr": "Company name"}
    session.remap("arr", "ARR (billing)")
    assert session.plan is not None


def test_an_edit_the_scenario_refuses_leaves_the_session_as_it_was(session):
    before = session.segments
    planned = session.plan.to_dict()
    with pytest.raises(CapacityError):
        session.set_touchpoint(0, 0, minutes=-5)
    with pytest.raises(ScenarioError):
        session.set_touchpoint(0, 0, kind="weekly")
    with pytest.raises(CapacityError):
        session.set_tier(1, name=session.segments[0].name)  # two tiers of one name
    assert session.segments == before and session.plan.to_dict() == planned


def test_edits_of_tiers_and_touchpoints(session):
    enterprise = session.plan.segments[0].fte
    session.set_touchpoint(0, 0, frequency=4, unit="per_month")
    tp = session.segments[0].touchpoints[0]
    assert (tp.per_month, tp.per_year, tp.source) == (4.0, None, None)
    assert session.plan.segments[0].fte > enterprise
    count = len(session.segments[1].touchpoints)
    session.add_touchpoint(1)
    assert len(session.segments[1].touchpoints) == count + 1
    assert session.segments[1].touchpoints[-1].name == "New touchpoint"
    session.add_touchpoint(1)
    assert session.segments[1].touchpoints[-1].name == "New touchpoint 2"
    session.set_touchpoint(1, count, name="Quarterly roadmap call", kind="recurring", minutes=45, frequency=4,
                           unit="per_year")
    session.remove_touchpoint(1, count + 1)
    assert [t.name for t in session.segments[1].touchpoints][-1] == "Quarterly roadmap call"
    # A threshold moved: the accounts recounted.
    session.set_tier(1, min_arr=50_000)
    assert session.segments[1].min_arr == 50_000
    assert session.segments[1].accounts == int(((session.start.book.arr_cents >= 5_000_000)
                                                & (session.start.book.arr_cents < 10_000_000)).sum())
    session.set_tier(2, coverage="digital")
    assert session.plan.segments[2].coverage == "digital"
    tiers = len(session.segments)
    session.add_tier()
    assert len(session.segments) == tiers + 1 and session.segments[-1].min_arr == 0
    session.remove_tier(len(session.segments) - 1)
    assert len(session.segments) == tiers and session.segments[-1].min_arr == 0


def test_a_file_that_is_not_a_book_gets_the_command_lines_line(tmp_path, capsys, monkeypatch):
    content = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    expected = _cli_error(tmp_path, "export.xlsx", content, capsys, monkeypatch)
    found = Session(tmp_path / "session")
    with pytest.raises(CapacityError) as raised:
        found.upload("export.xlsx", content)
    assert found.line(raised.value) == expected
    assert found.header == () and found.export is None
    assert list(found.folder.iterdir()) == []  # the refused file is not kept


def test_a_book_the_checks_refuse_gets_the_command_lines_line(tmp_path, capsys, monkeypatch):
    content = b"Account ID,Account Name,ARR\n001A,Acme,1000\n,Beta,2000\n001C,Gamma,3000\n"
    expected = _cli_error(tmp_path, "accounts.csv", content, capsys, monkeypatch)
    assert expected.startswith("error: accounts.csv")
    found = Session(tmp_path / "session")
    with pytest.raises(CapacityError) as raised:
        found.upload("accounts.csv", content)
    assert found.line(raised.value) == expected
    assert found.header == ("Account ID", "Account Name", "ARR") and found.plan is None
    _upload_hubspot(found)  # the session keeps working
    assert found.plan is not None
    assert [p.name for p in found.folder.iterdir()] == [HUBSPOT.name]


def test_an_upload_over_the_limit_is_refused_naming_the_limit(tmp_path, monkeypatch):
    found = Session(tmp_path / "session")
    monkeypatch.setattr(session_module, "UPLOAD_LIMIT_BYTES", 1000)
    with pytest.raises(BookError) as raised:
        found.upload("big.csv", b"x" * 1001)
    line = found.line(raised.value)
    assert line.startswith("error: big.csv: ") and f"({session_module.UPLOAD_LIMIT_MB} MB)" in line
    assert "capacity init big.csv" in line and len(line.splitlines()) == 1
    assert list(found.folder.iterdir()) == []


def test_an_uploaded_name_stays_inside_the_folder(tmp_path):
    found = Session(tmp_path / "session")
    _upload_hubspot(found, "../../etc/.hubspot companies.csv")
    assert found.export.parent == found.folder and found.export.name == "hubspot companies.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session"]


def test_a_sessions_own_folder_is_made_under_the_apps_and_removed_with_it(tmp_path, monkeypatch):
    monkeypatch.setenv(session_module.SESSIONS_VARIABLE, str(tmp_path / "sessions"))
    found = Session()
    assert found.folder.parent == (tmp_path / "sessions").resolve() and found.folder.name.startswith("session-")
    _upload_hubspot(found)
    found.close()
    assert not found.folder.exists()


def test_the_excel_model_and_the_budget_report_are_written_in_the_sessions_folder(session, tmp_path):
    home = sorted(os.listdir(Path.home()))
    name, path = session.model_file()
    assert name == "hubspot-companies-model.xlsx" and path.parent == session.folder and path.stat().st_size > 0
    name, path = session.report_file()
    assert name == "hubspot-companies-budget-report.html"
    assert path.is_relative_to(session.folder)
    from capacity.analysis.whatif import summary_sentence

    text = path.read_text()
    assert "<html" in text.lower() and f"{session.plan.totals.headcount}" in text
    assert not (session.folder / "tmp").exists()
    assert sorted(os.listdir(Path.home())) == home
    assert summary_sentence(session.plan)  # the plan the report was made of is still the session's


def test_an_excel_export_plans_as_its_csv(session, tmp_path):
    import io

    import pandas as pd

    frame = pd.read_csv(HUBSPOT, dtype=str).dropna(how="all")
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    found = Session(tmp_path / "excel")
    with pytest.raises(BookError, match="2 columns could hold ARR"):
        found.upload("hubspot-companies.xlsx", buffer.getvalue())
    found.remap("arr", "Annual recurring revenue")
    assert found.header == session.header
    csv_plan = {**session.plan.to_dict(), "scenario": "CS capacity from hubspot-companies.xlsx"}  # only the name
    assert found.plan.to_dict() == csv_plan
    _, path = found.scenario_file()
    assert plan(load_scenario(path)).to_dict() == csv_plan


def test_a_workbook_with_a_sheet_per_region_is_read_from_the_sheet_chosen(tmp_path, capsys, monkeypatch):
    content = (EXPORTS / "regions.xlsx").read_bytes()
    expected = _cli_error(tmp_path, "regions.xlsx", content, capsys, monkeypatch)
    found = Session(tmp_path / "session")
    with pytest.raises(CapacityError) as raised:
        found.upload("regions.xlsx", content)
    assert found.line(raised.value) == expected
    assert found.sheets == ("AMER", "EMEA", "APAC") and found.header
    found.set_sheet("EMEA")
    assert found.sheet == "EMEA" and found.plan is not None
    _, path = found.scenario_file()
    assert "book_sheet: EMEA" in path.read_text()
    assert plan(load_scenario(path)).to_dict() == found.plan.to_dict()


def test_a_book_in_several_currencies_is_refused_then_converted_at_the_rates_given(tmp_path, capsys, monkeypatch):
    content = (EXPORTS / "salesforce-currencies.csv").read_bytes()
    expected = _cli_error(tmp_path, "salesforce-currencies.csv", content, capsys, monkeypatch)
    found = Session(tmp_path / "session")
    with pytest.raises(CapacityError) as raised:
        found.upload("salesforce-currencies.csv", content)
    assert found.line(raised.value) == expected and "--fx EUR=" in expected
    with pytest.raises(ScenarioError):
        found.set_fx_rates("EUR 1.08")
    assert found.fx_rates == {} and found.plan is None
    found.set_fx_rates("EUR=1.08, GBP = 1.27")
    assert found.fx_rates == {"EUR": 1.08, "GBP": 1.27} and found.plan is not None
    _, path = found.scenario_file()
    assert "fx_rates: {EUR: 1.08, GBP: 1.27}" in path.read_text()
    assert plan(load_scenario(path)).to_dict() == found.plan.to_dict()


@pytest.mark.parametrize(("text", "rates"), [("", {}), ("EUR=1.08", {"EUR": 1.08}),
                                             (" EUR = 1.08 ;GBP=1.27 ", {"EUR": 1.08, "GBP": 1.27})])
def test_exchange_rates_as_a_person_types_them(text, rates):
    assert session_module.fx_rates_of(text) == rates


@pytest.mark.parametrize("text", ["eur=1.08", "EUR=0", "EUR=-1", "EUR=x", "EURO=1.1", "EUR", "EUR=inf"])
def test_exchange_rates_that_are_not_refused_in_one_line(text):
    with pytest.raises(ScenarioError) as raised:
        session_module.fx_rates_of(text)
    assert str(raised.value).startswith("fx_rates: must be CODE=RATE") and "\n" not in str(raised.value)


def test_another_upload_removes_the_files_of_the_export_before(session):
    session.scenario_file()
    session.model_file()
    assert len(list(session.folder.iterdir())) == 3
    other = EXPORTS / "gainsight-companies.csv"
    session.upload(other.name, other.read_bytes())
    assert [p.name for p in session.folder.iterdir()] == [other.name]
