"""The report's "Does it pay back?": sentences, table, chart, workbook and command-line text, all from the plan's
payback."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from capacity import plan
from capacity.apps.cli import main
from capacity.views import charts, content
from capacity.views.sections import BudgetReport
from capacity.views.workbook import save_workbook

from tests.conftest import DEFAULT_SCENARIO, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "small-scenario.yaml"


@pytest.fixture(scope="module")
def report():
    return content.build(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def bare():
    """A scenario without retention data or automations."""
    return content.build(FIXTURE)


def test_each_segment_reads_as_the_cfo_sentence(report):
    texts = [s.text for s in report.payback_sentences()]
    assert texts[1] == ("Mid-Market's 8 CSMs cost $1.2M: they pay back if they keep 6.8 points of the segment's ARR "
                        "($1.5M a year) from churning or add it in expansion; the segment churns 10% a year today "
                        "($2.2M).")
    assert texts[3].startswith("Long tail's 1 CSM costs $110k: it pays back if it keeps 5.0 points")
    assert texts[-1].startswith("The whole team (19 CSMs, $2.8M a year) pays back if it keeps 6.3 points of the book's "
                                "ARR ($3.5M a year)")


def test_the_return_is_measured_with_retention_data_and_asked_for_without(report, bare):
    texts = [s.text for s in report.payback_return_sentences()]
    assert texts[1].startswith("By your retention data, Mid-Market's dedicated coverage (92% kept a year) keeps "
                               "$2.7M of ARR a year more than digital coverage (80% kept a year): $2.22 per CS "
                               "dollar; it pays back")
    assert "nothing to measure its return against" in texts[3]
    (ask,) = bare.payback_return_sentences()
    assert "retention_by_coverage" in [span.text for span in ask.spans if span.emphasis == "code"]
    assert "needs your own retention data" in ask.text
    assert bare.coverage_changes_table() is None and bare.automations_table() is None


def test_the_table_is_the_plans_payback(report, bare):
    frame = report.payback_table().frame
    pb = plan(DEFAULT_SCENARIO).payback
    assert list(frame["Segment"]) == [*(r.name for r in pb.segments), "Total"]
    rows = (*pb.segments, pb.total)
    assert list(frame["ARR to keep or add a year to pay back"]) == [r.break_even_arr_per_year for r in rows]
    assert list(frame["ARR kept a year beyond digital"]) == [r.arr_kept_per_year for r in (*pb.segments, pb.total)]
    assert list(frame["Pays back"]) == ["yes", "yes", "yes", "", "yes"]
    assert "Retention (your data)" not in bare.payback_table().frame.columns


def test_the_summary_carries_the_break_even_and_the_return(report, bare):
    texts = [s.text for s in report.summary_sentences()]
    assert ("At a gross margin of 80% the team pays back if it keeps 6.3 points of ARR ($3.5M a year) from churning or "
            "adds it in expansion; churn takes 12.2% a year today.") in texts
    assert any(t.startswith("By your retention data it keeps $5.7M of ARR a year more than digital coverage would: "
                            "$2.05 per CS dollar") for t in texts)
    assert "Hire or automate: Help-centre deflection saves $99.9k a year net of its tooling (1 CSM fewer)." in texts
    assert any("Whether it does needs your own retention by coverage." in s.text for s in bare.summary_sentences())
    rows = dict(zip(report.summary_table().frame["Measure"], report.summary_table().frame["Value"]))
    assert rows["Pays back: ARR to keep or add a year (CS cost / gross margin)"] == 3_481_250
    assert rows["ARR kept per CS dollar"] == pytest.approx(5_713_932.8 / 2_785_000)


def test_the_chart_draws_cost_against_the_arr_to_keep(report, bare):
    chart = charts.payback(report)
    go.Figure(chart.figure)
    pb = report.plan.payback
    by_name = {t["name"]: t for t in chart.data}
    assert by_name["CS cost a year"]["x"] == [r.cost_per_year for r in pb.segments]
    assert by_name["ARR to keep or add a year to pay back"]["x"] == [r.break_even_arr_per_year for r in pb.segments]
    kept = by_name["ARR kept a year beyond digital (your retention data)"]
    assert kept["x"] == [r.arr_kept_per_year for r in pb.segments]
    assert [t["name"] for t in charts.payback(bare).data] == ["CS cost a year", "ARR to keep or add a year to pay back",
                                                              "ARR lost to churn a year today"]
    colours = set(charts.PALETTE.values())
    assert {t["marker"]["color"] for t in chart.data} <= colours


def test_the_section_in_order(report, bare):
    parts = BudgetReport(report).payback_section()
    assert str(parts[0]) == "<h2>Does it pay back?</h2>"
    assert [type(p).__name__ for p in parts] == ["Html", "Html", "Html", "ChartView", "Html", "Html",
                                                "Html", "Html", "Html", "Html", "Html", "Html"]
    shown = "".join(str(p) for p in parts if type(p).__name__ == "Html")
    assert "<h3>Which coverage change pays back most</h3>" in shown and "<h3>Hire or automate</h3>" in shown
    assert "Mid-Market from $35k</b> pays back most" in shown
    assert len(BudgetReport(bare).payback_section()) == 6  # the break-even, the chart, the table, what a return needs


def test_the_workbook_has_the_sheets(report, tmp_path):
    book = load_workbook(save_workbook(report, tmp_path / "r.xlsx"))
    header, *rows = list(book["Pays back"].iter_rows(values_only=True))
    values = [dict(zip(header, r)) for r in rows]
    assert values[-1]["Segment"] == "Total" and values[-1]["ARR to keep or add a year to pay back"] == 3_481_250
    header, *rows = list(book["Automations"].iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["AI review prep", "Help-centre deflection"]
    assert dict(zip(header, rows[1]))["Net saving a year"] == 99_855
    assert "Coverage changes" in book.sheetnames


def test_the_plan_text_ends_with_the_business_case(capsys):
    assert main(["plan", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    tail = out[out.index("Does it pay back?"):]
    assert "Mid-Market's 8 CSMs cost $1.2M: they pay back if they keep 6.8 points" in tail
    assert "$2.05 per CS dollar; it pays back." in tail


def test_the_assumptions_list_the_business_case_inputs(report, bare):
    table = report.business_case_inputs_table().frame
    assert list(table["Input"])[:4] == ["Gross margin", "Retention under dedicated coverage (your data)",
                                        "Retention under pooled coverage (your data)",
                                        "Retention under digital coverage (your data)"]
    assert list(table["Value"])[-1] == "30% of its questions, $15 an account a year, a candidate"
    assert "Business case inputs" in [t.name for t in report.inputs_tables()]
    assert list(bare.business_case_inputs_table().frame["Value"])[1] == "not given: only the break-even is shown"
    inputs = report.inputs_frame()
    automation = inputs[inputs["Section"] == "Automation"]
    assert list(automation["Parameter"]) == ["name", "share", "cost_per_year", "adopted"] + [
        "name", "share", "cost_per_account_per_year", "adopted"]
    assert inputs[inputs["Parameter"] == "gross_margin"]["Value"].item() == 0.8
