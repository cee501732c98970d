"""Recognising an export's columns from its headers: the exports CS teams have, and what is asked, not guessed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.exceptions import BookError
from capacity.inputs.recognise import dictionary, header_key, recognise

# Header rows as the tools write them (column order and the columns around the ones capacity reads included).
SALESFORCE_REPORT = ["Account Owner", "Account Name", "Account ID", "Industry", "Type", "Billing Country",
                     "Annual Revenue", "ARR", "Contract End Date", "Account Currency"]
SALESFORCE_DATA_EXPORT = ["Id", "Name", "OwnerId", "Industry", "AnnualRevenue", "CurrencyIsoCode", "ARR__c",
                          "Contract_End_Date__c"]
HUBSPOT = ["Record ID", "Company name", "Company owner", "Create Date", "Phone Number", "Last Activity Date", "City",
           "Country/Region", "Industry", "Annual Revenue", "Number of Employees"]
GAINSIGHT = ["GSID", "Name", "ARR", "MRR", "Industry", "Renewal Date", "CSM", "Overall Score", "Stage"]
DYNAMICS = ["(Do Not Modify) Account", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On", "Account Name",
            "Main Phone", "Address 1: City", "Primary Contact", "Owner", "Industry", "Annual Revenue", "Currency"]
PIPEDRIVE = ["Organization - ID", "Organization - Name", "Organization - Owner", "Organization - ARR",
             "Organization - Industry", "Organization - People"]
ZOHO = ["Record Id", "Account Owner", "Account Name", "Industry", "Annual Revenue", "Currency", "Created Time"]
CHURNZERO = ["Account External ID", "Account Name", "Owner Name", "ARR", "Next Renewal Date", "ChurnScore"]
PLANHAT = ["External ID", "Name", "Owner", "ARR", "MRR", "Renewal Date", "Health", "Phase"]
SPREADSHEET = ["Customer", "Customer ID", "Annual Contract Value", "Vertical", "CSM", "Renewal Date"]


def mapping(header, **overrides):
    return recognise(header, overrides).mapping


def test_a_salesforce_report_reads_arr_not_the_company_revenue_and_says_the_owner_may_be_the_ae():
    result = recognise(SALESFORCE_REPORT)
    assert result.mapping == {"account_id": "Account ID", "arr": "ARR", "name": "Account Name", "vertical": "Industry",
                              "renewal_date": "Contract End Date", "csm": "Account Owner",
                              "currency": "Account Currency"}
    assert result.column("arr").note is None and "Salesforce" in " ".join(result.column("arr").tools)
    assert "account executive" in result.column("csm").note
    assert result.unread == ("Type", "Billing Country", "Annual Revenue")


def test_a_salesforce_data_export_reads_api_names_and_custom_fields():
    assert mapping(SALESFORCE_DATA_EXPORT) == {
        "account_id": "Id", "arr": "ARR__c", "name": "Name", "vertical": "Industry",
        "renewal_date": "Contract_End_Date__c", "currency": "CurrencyIsoCode"}


def test_hubspot_annual_revenue_is_read_only_because_nothing_better_exists_and_the_note_says_so():
    result = recognise(HUBSPOT)
    assert result.mapping == {"account_id": "Record ID", "arr": "Annual Revenue", "name": "Company name",
                              "vertical": "Industry", "csm": "Company owner"}
    arr = result.column("arr")
    assert arr.tier == "company revenue (not ARR)" and "HubSpot" in arr.tools
    assert "company's own revenue, not what it pays you" in arr.note and "--map arr=" in arr.note


@pytest.mark.parametrize("header, expected", [
    (GAINSIGHT, {"account_id": "GSID", "arr": "ARR", "name": "Name", "vertical": "Industry",
                 "renewal_date": "Renewal Date", "csm": "CSM", "health": "Overall Score"}),
    (DYNAMICS, {"account_id": "(Do Not Modify) Account", "arr": "Annual Revenue", "name": "Account Name",
                "vertical": "Industry", "csm": "Owner", "currency": "Currency"}),
    (PIPEDRIVE, {"account_id": "Organization - ID", "arr": "Organization - ARR", "name": "Organization - Name",
                 "vertical": "Organization - Industry", "csm": "Organization - Owner"}),
    (ZOHO, {"account_id": "Record Id", "arr": "Annual Revenue", "name": "Account Name", "vertical": "Industry",
            "csm": "Account Owner", "currency": "Currency"}),
    (CHURNZERO, {"account_id": "Account External ID", "arr": "ARR", "name": "Account Name",
                 "renewal_date": "Next Renewal Date", "csm": "Owner Name", "health": "ChurnScore"}),
    (PLANHAT, {"account_id": "External ID", "arr": "ARR", "name": "Name", "renewal_date": "Renewal Date",
               "csm": "Owner", "health": "Health"}),
    (SPREADSHEET, {"account_id": "Customer ID", "arr": "Annual Contract Value", "name": "Customer",
                   "vertical": "Vertical", "renewal_date": "Renewal Date", "csm": "CSM"}),
    (["account_id", "name", "arr", "vertical", "renewal_date", "csm", "health", "workload_multiplier"],
     {c: c for c in ["account_id", "arr", "name", "vertical", "renewal_date", "csm", "health", "workload_multiplier"]}),
])
def test_the_exports_cs_teams_have(header, expected):
    assert mapping(header) == expected


def test_the_best_tier_wins_and_a_lower_one_stays_unread():
    # A CSM column beside the account owner: the CSM is read, the owner left alone, with no note.
    result = recognise(["Account ID", "ARR", "Account Owner", "CSM"])
    assert result.mapping["csm"] == "CSM" and result.column("csm").note is None
    assert result.unread == ("Account Owner",)


@pytest.mark.parametrize("header, message", [
    (["Account ID", "ARR", "Total ARR"],
     "2 columns could hold ARR: 'ARR' and 'Total ARR'; say which one with --map arr=ARR "
     "(or book_columns: {arr: ARR} in the scenario)"),
    (["Account ID", "Record ID", "ARR"],
     "2 columns could hold account ids: 'Account ID' and 'Record ID'; say which one with "
     "--map account_id=\"Account ID\" (or book_columns: {account_id: Account ID} in the scenario)"),
    (["Account ID", "ARR", "Industry", "Vertical"],
     "2 columns could hold the vertical: 'Industry' and 'Vertical'; say which one with --map vertical=Industry "
     "(or book_columns: {vertical: Industry} in the scenario)"),
    (["Account ID", "Company", "MRR"],
     "'MRR' is recurring revenue a month, and capacity reads ARR a year: add a column of 12 x MRR to the export, "
     "or name a column that holds ARR with --map arr=HEADER (or book_columns: {arr: HEADER} in the scenario)"),
    (["Account ID", "Annual Revenue", "Monthly Recurring Revenue"],
     "'Monthly Recurring Revenue' is recurring revenue a month, and capacity reads ARR a year: add a column of "
     "12 x Monthly Recurring Revenue to the export, or name a column that holds ARR with --map arr=HEADER "
     "(or book_columns: {arr: HEADER} in the scenario)"),
    (["Company", "Booking amount", "Region"],
     "no column is recognised as the account id; columns found: 'Company', 'Booking amount', 'Region'; name it "
     "with --map account_id=HEADER (or book_columns: {account_id: HEADER} in the scenario)"),
    (["SFDC Id", "Company", "Booking amount"],
     "no column is recognised as the account id; candidates: 'SFDC Id'; name it with --map account_id=\"SFDC Id\" "
     "(or book_columns: {account_id: SFDC Id} in the scenario)"),
    (["Account ID", "Company", "Booking amount"],
     "no column is recognised as ARR; candidates: 'Booking amount'; name it with --map arr=\"Booking amount\" "
     "(or book_columns: {arr: Booking amount} in the scenario)"),
])
def test_what_could_be_read_two_ways_or_is_missing_is_asked_in_one_line(header, message):
    with pytest.raises(BookError) as caught:
        recognise(header, source="export.csv")
    assert str(caught.value) == f"export.csv: {message}"


def test_the_command_line_settles_what_the_headers_cannot():
    assert mapping(["Account ID", "ARR", "Total ARR"], arr="Total ARR")["arr"] == "Total ARR"
    assert mapping(["Company", "Booking amount"], account_id="company", arr="Booking amount") == {
        "account_id": "Company", "arr": "Booking amount"}
    result = recognise(["Account ID", "ARR", "Industry", "Vertical"], {"vertical": ""})
    assert "vertical" not in result.mapping and result.unread == ("Industry", "Vertical")
    assert recognise(["Account ID", "ARR", "Total ARR"], {"arr": "Total ARR"}).column("arr").mapped


@pytest.mark.parametrize("overrides, message", [
    ({"revenue": "ARR"}, "--map revenue: unknown book column; the columns are: account_id, arr, name, vertical, "
                         "renewal_date, csm, health, workload_multiplier, locked, parent_account_id, currency"),
    ({"ar": "ARR"}, "--map ar: unknown book column; did you mean 'arr'?"),
    ({"arr": "Total ARR"}, "--map arr: the export has no column 'Total ARR'; did you mean 'Total AR'?"),
    ({"arr": ""}, "--map arr: a book needs its arr column; name its header"),
    ({"arr": "Account ID"}, "--map arr: 'Account ID' is already read as another column"),
])
def test_bad_overrides(overrides, message):
    header = ["Account ID", "Total AR"]
    if "arr" in overrides and overrides["arr"] == "Account ID":
        overrides = {"account_id": "Account ID", **overrides}
    with pytest.raises(BookError) as caught:
        recognise(header, overrides)
    assert caught.value.message == message


def test_the_dictionary_is_data_and_each_header_has_one_column():
    known = dictionary()
    assert {"account_id", "arr", "monthly", "name", "csm", "vertical", "renewal_date", "health", "currency"} <= set(known)
    keys = [header_key(entry.header) for tiers in known.values() for tier in tiers for entry in tier.headers]
    assert len(keys) == len(set(keys))
    tools = {tool.split()[0] for tiers in known.values() for tier in tiers for e in tier.headers for tool in e.tools}
    assert {"Salesforce", "HubSpot", "Gainsight", "Dynamics", "Pipedrive", "Zoho", "ChurnZero", "Planhat",
            "Vitally", "plain"} <= tools


@given(st.lists(st.sampled_from(["Account ID", "ARR", "Account Name", "Industry", "CSM", "Renewal Date", "Notes",
                                 "Region", "Health", "Currency"]), min_size=2, max_size=10, unique=True))
def test_the_mapping_does_not_depend_on_column_order(header):
    try:
        forward = recognise(header).mapping
    except BookError as error:
        with pytest.raises(BookError) as again:
            recognise(list(reversed(header)))
        assert type(again.value) is type(error)
        return
    assert recognise(list(reversed(header))).mapping == forward
