"""The report's "Options and trade-offs": the comparison and the fit of a cap, from capacity.analysis.options and capacity.analysis.fit."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from capacity.inputs.context import load_context
from capacity.exceptions import ReportError
from capacity.analysis.fit import fit
from capacity.analysis.options import compare
from capacity.apps.report import NOTEBOOK, parse_parameters
from capacity.views import charts, content
from capacity.views.content import check_parameters
from capacity.views.sections import BudgetReport
from capacity.views.workbook import FIT_SHEETS, OPTION_SHEETS, SHEETS, YEAR_SHEETS, save_workbook

from tests.conftest import DEFAULT_SCENARIO, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "small-scenario.yaml"


@pytest.fixture(scope="module")
def capped():
    return content.build(DEFAULT_SCENARIO, headcount_cap=15)


def test_the_section_holds_the_comparison_and_the_fit(capped):
    parts = BudgetReport(capped).options_section()
    assert str(parts[0]) == "<h2>Options and trade-offs</h2>"
    assert [type(p).__name__ for p in parts] == ["Html", "Html", "Html", "ChartView", "Html", "Html", "Html", "Html",
                                                "Html", "Html"]
    expected = fit(load_context(DEFAULT_SCENARIO), headcount=15)
    assert [sentence.text for sentence in capped.fit_sentences()] == list(expected.sentences())
    shown = str(parts[6])
    for line in expected.sentences():
        assert line.replace("'", "&#x27;") in shown


def test_the_options_table_is_the_comparison(capped):
    frame = capped.options_table().frame
    expected = compare(load_context(DEFAULT_SCENARIO))
    assert list(frame["Option"]) == [v.name for v in expected.variants]
    assert list(frame["CSMs"]) == [v.plan.totals.headcount for v in expected.variants]
    assert list(frame["Cost vs plan"]) == [v.plan.totals.cost_per_year - expected.baseline.plan.totals.cost_per_year
                                           for v in expected.variants]
    chart = charts.options(capped).figure
    assert chart["data"][0]["x"] == [v.plan.totals.headcount for v in expected.variants]


def test_the_fit_tables_are_the_fit(capped):
    expected = fit(load_context(DEFAULT_SCENARIO), headcount=15)
    rows = capped.fit_table().frame
    assert list(rows["CSMs after"]) == [s.headcount for s in expected.best.segments]
    assert list(rows["Customer hours given up"]) == [s.customer_hours_given_up_per_month for s in expected.best.segments]
    packages = capped.fit_packages_table().frame
    assert list(packages["CSMs"]) == [p.headcount for p in (expected.best, *expected.alternatives)]


def test_without_options_or_a_cap_there_is_no_section():
    built = content.build(FIXTURE)
    assert BudgetReport(built).options_section() == [] and built.options_table() is None and built.fit_table() is None


def test_a_cap_at_or_above_the_plan_says_nothing_needs_to_go():
    parts = BudgetReport(content.build(DEFAULT_SCENARIO, budget_cap="10M")).options_section()
    assert any("nothing needs to go" in str(part) for part in parts)


@pytest.mark.parametrize("values, expected", [
    ({"headcount_cap": 15}, {"headcount_cap": 15}),
    ({"budget_cap": 2100000}, {"budget_cap": 2100000.0}),
    ({"budget_cap": "2.1M"}, {"budget_cap": 2100000.0}),
])
def test_cap_parameters(values, expected):
    assert check_parameters(values) == expected


@pytest.mark.parametrize("values, message", [
    ({"headcount_cap": 2.5}, "^parameter headcount_cap: must be a whole number"),
    ({"headcount_cap": -1}, "^parameter headcount_cap: must be a whole number"),
    ({"budget_cap": "2,100,000"}, "^parameter budget_cap: must be an amount a year"),
    ({"budget_cap": True}, "^parameter budget_cap: must be an amount a year"),
    ({"headcount_cap": 15, "budget_cap": 1e6}, "^parameter budget_cap: give headcount_cap or budget_cap, not both"),
])
def test_bad_caps_name_the_parameter(values, message):
    with pytest.raises(ReportError, match=message):
        check_parameters(values)


def test_a_cap_out_of_reach_is_one_error_naming_the_parameter():
    with pytest.raises(ReportError, match=r"scenario.yaml: parameter headcount_cap 3: the trade-off menu cannot fit 3 CSMs"):
        content.build(DEFAULT_SCENARIO, headcount_cap=3)


def test_the_command_line_reads_a_budget_as_text():
    assert parse_parameters([("budget_cap", "2.1M")]) == {"budget_cap": 2100000.0}


def test_the_workbook_has_the_option_and_fit_sheets(capped, tmp_path):
    book = load_workbook(save_workbook(capped, tmp_path / "capped.xlsx"))
    assert book.sheetnames == [s for s in SHEETS if s not in YEAR_SHEETS]  # one year, no hiring block
    header = [c.value for c in book["Trade-offs"][1]]
    rows = list(book["Trade-offs"].iter_rows(min_row=2, values_only=True))
    after = header.index("CSMs after")
    assert sum(r[after] for r in rows) == capped.fit.best.headcount
    options = [r[0] for r in book["Options"].iter_rows(min_row=2, values_only=True)]
    assert options == [v.name for v in capped.comparison.variants]
    assert set(OPTION_SHEETS + FIT_SHEETS) <= set(book.sheetnames)


def test_the_notebook_passes_the_caps_and_shows_the_section():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert "headcount_cap = None" in sources[0] and "budget_cap = None" in sources[0]
    assert "headcount_cap=headcount_cap" in sources[1] and "budget_cap=budget_cap" in sources[1]
    assert any("display(*report.options_section())" in s for s in sources)
