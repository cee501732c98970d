"""The start page's widgets without a browser: what an upload shows, edits through the fields, errors in the page."""

from __future__ import annotations

import pytest

from capacity.analysis.whatif import summary_sentence
from capacity.apps.session import Session
from capacity.views.start_page import NOT_READ, RECOGNISE, StartPage
from capacity.views.text import render_plan

from tests.conftest import ROOT

HUBSPOT = ROOT / "tests" / "fixtures" / "exports" / "hubspot-companies.csv"


def _receive_hubspot(page: StartPage) -> StartPage:
    """HubSpot's export: the page asks which column is ARR (its deals' or the company's revenue) and shows the
    dropdowns to answer; choosing the deals' ARR plans it."""
    page.receive(HUBSPOT.name, HUBSPOT.read_bytes())
    assert page.message_text.startswith("error: hubspot-companies.csv: 2 columns could hold ARR: 'Annual recurring "
                                        "revenue' and 'Annual Revenue'")
    assert page.export_area.layout.display is None and page.tiers_box.layout.display == "none"
    page.column_pickers["arr"].value = "Annual recurring revenue"
    assert page.message_text == ""
    return page


@pytest.fixture
def page(tmp_path) -> StartPage:
    return _receive_hubspot(StartPage(Session(tmp_path / "session")))


def _shows_the_sessions_plan(page: StartPage) -> None:
    result = page.session.plan
    assert summary_sentence(result) in page.summary.value
    assert render_plan(result).split("\n")[0] in page.plan_text.value
    workload = page.figures["workload"]
    assert list(workload.data[0].y) == [s.name for s in result.segments]
    book = page.figures["book"]
    counts = page.session.bench.histogram(page.session.bench.base).counts
    for i in range(len(page.session.segments)):
        assert list(book.data[i].y) == counts[i].tolist()


def test_before_an_upload_the_page_offers_the_sample_and_the_upload_only(tmp_path):
    shown = StartPage(Session(tmp_path / "session"))
    assert shown.export_area.layout.display == "none"
    assert "200 MB" in shown.picker.description and shown.picker.accept == ".csv,.xlsx"
    assert shown.figures == {"book": None, "workload": None, "top_down": None}


def test_an_upload_shows_its_columns_tiers_and_plan(page):
    assert page.message_text == ""
    assert page.export_area.layout.display is None
    assert page.column_pickers["arr"].value == "Annual recurring revenue"
    assert page.column_pickers["account_id"].value == "Record ID"
    assert page.column_pickers["health"].value == NOT_READ
    assert [w["name"].value for w in page.tiers] == [s.name for s in page.session.segments]
    assert [len(w["touchpoints"]) for w in page.tiers] == [len(s.touchpoints) for s in page.session.segments]
    assert "400 accounts" in page.export_title.value
    _shows_the_sessions_plan(page)


def test_edits_in_the_fields_follow_into_the_plan(page):
    before = page.session.plan.segments[0].fte
    figure = page.figures["workload"]
    page.tiers[0]["touchpoints"][0]["minutes"].value = 240
    assert page.session.segments[0].touchpoints[0].minutes == 240
    assert page.session.plan.segments[0].fte > before
    assert page.figures["workload"] is figure  # the same chart, redrawn in place
    _shows_the_sessions_plan(page)
    page.tiers[1]["touchpoints"][0]["kind"].value = "one_time"
    assert page.tiers[1]["touchpoints"][0]["frequency"].disabled
    page.tiers[0]["touchpoints"][1]["unit"].value = "per_month"
    assert page.session.segments[0].touchpoints[1].per_month == 4.0  # the same number, now a month
    page.tiers[2]["coverage"].value = "digital"
    assert page.session.plan.segments[2].coverage == "digital"
    _shows_the_sessions_plan(page)


def test_buttons_add_and_remove_tiers_and_touchpoints(page):
    count = len(page.tiers[1]["touchpoints"])
    page.tiers[1]["add_touchpoint"].click()
    assert len(page.tiers[1]["touchpoints"]) == count + 1
    assert page.tiers[1]["touchpoints"][-1]["name"].value == "New touchpoint"
    page.tiers[1]["touchpoints"][0]["remove"].click()
    assert len(page.tiers[1]["touchpoints"]) == count
    tiers = len(page.tiers)
    page.add_tier_button.click()
    assert len(page.tiers) == tiers + 1
    page.tiers[0]["remove"].click()
    assert len(page.tiers) == tiers
    assert page.message_text == ""
    _shows_the_sessions_plan(page)


def test_a_refused_edit_shows_the_line_and_puts_the_field_back(page):
    planned = page.session.plan.to_dict()
    page.tiers[1]["name"].value = page.tiers[0]["name"].value
    assert page.message_text.startswith("error: ")
    assert page.tiers[1]["name"].value == page.session.segments[1].name != page.session.segments[0].name
    assert page.session.plan.to_dict() == planned
    page.tiers[0]["touchpoints"][0]["minutes"].value = 75  # the page keeps working; the message goes
    assert page.message_text == "" and page.session.segments[0].touchpoints[0].minutes == 75


def test_a_column_changed_in_its_dropdown_reads_the_export_again(page):
    before = page.session.start.book.total_arr
    page.column_pickers["arr"].value = "ARR (billing)"
    assert page.session.start.book.total_arr > before
    assert page.column_pickers["arr"].value == "ARR (billing)"
    page.column_pickers["arr"].value = "Company name"  # not amounts: the line, the dropdowns to settle it
    assert page.message_text.startswith("error: hubspot-companies.csv: row 2")
    assert page.tiers_box.layout.display == "none" and page.column_pickers["arr"].value == "Company name"
    page.column_pickers["arr"].value = RECOGNISE  # left to capacity, it asks again
    assert page.message_text.startswith("error: hubspot-companies.csv: 2 columns could hold ARR")
    page.column_pickers["arr"].value = "Annual recurring revenue"
    assert page.message_text == "" and page.session.start.book.total_arr == before
    _shows_the_sessions_plan(page)


def test_bad_uploads_show_their_line_and_the_page_keeps_working(page):
    page.refuse_too_large("huge.csv", 300 * 1024 * 1024)
    assert page.message_text == ("error: huge.csv: 300 MB is more than the app takes (200 MB); run `capacity init "
                                 "huge.csv` on the command line, which reads an export of any size")
    page.receive("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert page.message_text.startswith("error: photo.csv")
    assert page.export_area.layout.display == "none"
    _receive_hubspot(page)
    _shows_the_sessions_plan(page)


def test_the_scenario_download_sends_the_file_the_session_wrote(page):
    sent = []
    page.downloads["scenario"].send = lambda content, buffers=None: sent.append((content, buffers))
    name, path = page.downloads["scenario"].download()
    assert name == "hubspot-companies-scenario.yaml"
    assert sent == [({"event": "file", "name": name, "mime": "application/x-yaml"}, [path.read_bytes()])]


def test_use_the_sample_shows_the_samples_what_if(tmp_path):
    shown = StartPage(Session(tmp_path / "session"))
    shown.sample_button.click()
    assert shown.workbook is not None and shown.workbook in shown.sample_area.children
    assert shown.sample_area.layout.display is None


def test_the_sheet_and_the_exchange_rates_settle_what_the_export_leaves_open(tmp_path):
    exports = HUBSPOT.parent
    shown = StartPage(Session(tmp_path / "session"))
    shown.receive("regions.xlsx", (exports / "regions.xlsx").read_bytes())
    assert shown.message_text.startswith("error: regions.xlsx: sheets 'AMER', 'EMEA', 'APAC'")
    assert shown.sheet.layout.display is None and [v for _, v in shown.sheet.options] == [None, "AMER", "EMEA", "APAC"]
    shown.sheet.value = "APAC"
    assert shown.message_text == "" and shown.session.sheet == "APAC"
    _shows_the_sessions_plan(shown)
    shown.receive("salesforce-currencies.csv", (exports / "salesforce-currencies.csv").read_bytes())
    assert shown.sheet.layout.display == "none"
    assert "give --fx EUR=<USD per EUR> --fx GBP=<USD per GBP>" in shown.message_text  # as capacity init says
    shown.fx_rates.value = "EUR 1.08"
    assert shown.message_text.startswith("error: fx_rates: must be CODE=RATE") and shown.fx_rates.value == ""
    shown.fx_rates.value = "EUR=1.08; GBP=1.27"
    assert shown.message_text == "" and shown.fx_rates.value == "EUR=1.08, GBP=1.27"
    _shows_the_sessions_plan(shown)
