"""The report page's sections: parameters, headline numbers, tables and charts, all from one plan()."""

from __future__ import annotations

import html
import math
import re

import plotly.graph_objects as go
import pytest

from capacity import ReportError, ScenarioError, fiscal_plan, load_scenario, plan
from capacity import formatting as fmt
from capacity.views import html as report_html
from capacity.views.content import PARAMETERS, Table, check_parameters
from capacity.views.sections import build

from tests.conftest import DEFAULT_SCENARIO, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "small-scenario.yaml"


@pytest.fixture(scope="module")
def default_report():
    return build(DEFAULT_SCENARIO, current_headcount=15, fiscal_year=2027)


def kpi_values(text: str) -> dict[str, tuple[str, str]]:
    return {k: (v, html.unescape(t)) for k, v, t in
            re.findall(r'<span class="kpi" data-kpi="([^"]+)" data-value="([^"]*)">([^<]*)</span>', text)}


def test_parameters_are_checked_with_a_did_you_mean():
    assert check_parameters({"current_headcount": 12, "title": " Board pack ", "currency": "EUR"}) == {
        "current_headcount": 12, "title": "Board pack", "currency": "EUR"}
    with pytest.raises(ReportError, match=r"^-p curent_headcount: unknown parameter 'curent_headcount' "
                                          r"\(did you mean 'current_headcount'\?\)$"):
        check_parameters({"curent_headcount": 3}, where="-p")
    with pytest.raises(ReportError, match="give it as SCENARIO or --book"):
        check_parameters({"book_path": "x.csv"}, where="-p")
    with pytest.raises(ReportError, match="expected one of: " + ", ".join(PARAMETERS)):
        check_parameters({"zzz": 1})


@pytest.mark.parametrize("name, value, message", [
    ("current_headcount", -1, "whole number"),
    ("current_headcount", 2.5, "whole number"),
    ("current_headcount", True, "whole number"),
    ("fiscal_year", "FY27", "a year such as 2027"),
    ("fiscal_year", 27, "a year such as 2027"),
    ("currency", "usd", "three-letter"),
    ("currency", "DOLLARS", "three-letter"),
    ("title", "", "one line"),
    ("title", "two\nlines", "one line"),
])
def test_bad_parameter_values_name_the_parameter(name, value, message):
    with pytest.raises(ReportError, match=f"^parameter {name}: .*{message}"):
        check_parameters({name: value})


def test_headline_numbers_are_the_plan(default_report):
    expected = plan(load_scenario(DEFAULT_SCENARIO)).totals
    found = kpi_values(default_report.summary_html())
    assert found["headcount"] == (str(expected.headcount), str(expected.headcount))
    assert float(found["cost_per_year"][0]) == expected.cost_per_year
    assert found["cost_per_year"][1] == fmt.money_short(expected.cost_per_year)
    assert float(found["cost_pct_arr"][0]) == expected.cost_pct_arr
    assert float(found["arr_per_csm"][0]) == pytest.approx(expected.arr / expected.headcount)
    assert found["current_headcount"][0] == "15"
    assert int(found["hires_now"][0]) == expected.headcount - 15


def test_summary_table_matches_the_plan(default_report):
    totals = default_report.plan.totals
    summary = default_report.content.summary_table().frame
    values = dict(zip(summary["Measure"], summary["Value"]))
    assert values["CSMs needed now (steady state)"] == totals.headcount
    assert values["Cost a year"] == totals.cost_per_year
    assert values["CSMs short of the need today (negative: above it)"] == totals.headcount - 15
    assert values["Top-down at $2M ARR per CSM"] == next(td.headcount for td in default_report.plan.top_down
                                                         if td.arr_per_csm == 2_000_000)


def test_segments_table_has_a_row_per_segment_and_a_total(default_report):
    table = default_report.content.segments_table()
    p = default_report.plan
    assert list(table.frame["Segment"]) == [s.name for s in p.segments] + ["Total"]
    assert list(table.frame["CSMs"]) == [s.headcount for s in p.segments] + [p.totals.headcount]
    assert table.frame["Cost a year"].iloc[-1] == p.totals.cost_per_year
    long_tail = table.frame.set_index("Segment").loc["Long tail"]
    # A digital segment: a program-only workload still has a finite portfolio here (inbound escalations).
    assert long_tail["Customers per CSM"] == p.segment("Long tail").customers_per_csm
    assert 'class="total"' in report_html.table(table) == default_report.segments_table()


def test_touchpoint_fte_adds_up_to_the_segment(default_report):
    frame = default_report.content.touchpoints_table().frame
    for seg in default_report.plan.segments:
        assert frame[frame["Segment"] == seg.name]["FTE"].sum() == pytest.approx(seg.fte)
        assert frame[frame["Segment"] == seg.name]["Share of segment FTE"].sum() == pytest.approx(1.0)


def test_gap_sentences_compare_each_guidepost(default_report):
    sentences = [report_html.sentence(s) for s in default_report.content.gap_sentences()]
    p = default_report.plan
    assert len(sentences) == len(p.top_down)
    for td, sentence in zip(p.top_down, sentences):
        diff = td.headcount - p.totals.headcount
        assert f"top-down says {td.headcount} CSMs" in sentence
        assert f"<b>{abs(diff)} {'more' if diff > 0 else 'fewer'}</b>" in sentence


def test_cells_are_formatted_by_kind():
    import pandas as pd

    table = Table("t", pd.DataFrame({"a": [1234.5]}), {"a": "money"}, currency="EUR")
    assert table.cell_text("a", 1234.6) == "€1,235"
    assert table.cell_text("a", math.inf, "decimal") == "unbounded"
    assert table.cell_text("a", 0.123, "percent") == "12.3%"
    assert table.cell_text("a", None) == ""
    assert table.cell_text("a", 1234567.0, "count") == "1,234,567"


def test_html_escapes_user_text(example):
    example["segments"][0]["name"] = "<script>alert(1)</script>"
    report = build(example, title="A & B")
    assert "<script>alert" not in report.segments_table()
    assert "A &amp; B" in report.header_html()


def test_charts_are_valid_plotly_figures(default_report):
    for view in (default_report.workload_chart(), default_report.top_down_chart(), default_report.tornado_chart()):
        chart = view.chart
        go.Figure(chart.figure)  # raises on an invalid property
        bundle = view._repr_mimebundle_()
        assert "application/vnd.plotly.v1+json" in bundle
        assert f'id="chart-{chart.name}"' in bundle["text/html"] and "Plotly.newPlot" in bundle["text/html"]
        assert "<script src" not in bundle["text/html"]


def test_tornado_shows_the_largest_swings(default_report):
    chart = default_report.tornado_chart(n=5).chart
    low, high = chart.data
    assert list(low["y"]) == [i.driver.label for i in default_report.sensitivity.impacts[:5]]
    assert low["base"] == default_report.plan.totals.headcount
    assert [low["base"] + x for x in low["x"]] == [i.low_headcount for i in default_report.sensitivity.impacts[:5]]
    assert [high["base"] + x for x in high["x"]] == [i.high_headcount for i in default_report.sensitivity.impacts[:5]]


def test_currency_parameter_changes_the_money_shown():
    report = build(FIXTURE, currency="USD")
    assert report.plan.currency == "USD"
    assert "$" in report.summary_html() and "€" not in report.summary_html()
    assert report.scenario.source == FIXTURE


def test_inputs_list_every_touchpoint(default_report):
    inputs = default_report.content.inputs_frame()
    scenario = default_report.scenario
    minutes = inputs[(inputs["Section"] == "Touchpoint") & (inputs["Parameter"] == "minutes")]
    assert len(minutes) == sum(len(s.touchpoints) for s in scenario.segments)
    assert list(minutes["Value"]) == [tp.minutes for s in scenario.segments for tp in s.touchpoints]
    assert (inputs["Parameter"] == "min_arr").sum() == len(scenario.segments)


def test_bad_inputs_raise_the_usual_errors(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        build(tmp_path / "missing.yaml")


def test_fiscal_headline_numbers_are_the_fiscal_plan(default_report):
    expected = fiscal_plan(load_scenario(DEFAULT_SCENARIO)).summary
    found = kpi_values(default_report.summary_html())
    assert int(found["year_end_headcount"][0]) == expected.year_end_headcount
    assert int(found["hires"][0]) == expected.hires_total
    assert float(found["fiscal_cost"][0]) == expected.total_cost
    assert found["fiscal_cost"][1] == fmt.money_short(expected.total_cost)
    assert float(found["fiscal_cost_pct"][0]) == expected.cost_pct_ending_arr


def test_todays_headcount_defaults_to_the_fiscal_plans_start():
    report = build(DEFAULT_SCENARIO)
    start = sum(fiscal_plan(load_scenario(DEFAULT_SCENARIO)).summary.starting_headcount.values())
    found = kpi_values(report.summary_html())
    assert int(found["current_headcount"][0]) == start
    assert int(found["hires_now"][0]) == report.plan.totals.headcount - start


def test_fiscal_months_table_adds_up(default_report):
    fiscal = default_report.fiscal
    table = default_report.content.fiscal_months_table().frame
    totals = fiscal.totals_frame()
    assert list(table["Month"]) == list(fiscal.months) + ["Year"]
    year = table.iloc[-1]
    assert year["Cost"] == pytest.approx(fiscal.summary.total_cost)
    assert year["CSMs starting"] == fiscal.summary.hires_total
    assert year["CSMs"] == fiscal.summary.year_end_headcount
    assert list(table["CSMs"][:-1]) == list(totals["headcount"])
    segments = default_report.content.fiscal_segments_table().frame.set_index("Segment")
    assert segments["CSMs at year end"].to_dict() == fiscal.summary.year_end_headcount_by_segment
    assert segments["Cost in the year"].sum() == pytest.approx(fiscal.summary.total_cost)


def test_fiscal_charts_follow_the_months(default_report):
    fiscal = default_report.fiscal
    _, capacity_view, cost_view, *_ = default_report.fiscal_section()
    capacity_chart, cost_chart = capacity_view.chart, cost_view.chart
    for chart in (capacity_chart, cost_chart):
        go.Figure(chart.figure)
    totals = fiscal.totals_frame()
    demand = next(t for t in capacity_chart.data if t["name"] == "Demand (FTE)")
    assert demand["x"] == list(fiscal.months) and demand["y"] == pytest.approx(list(totals["demand_fte"]))
    so_far = next(t for t in cost_chart.data if t["name"] == "Cost so far in the year")
    assert so_far["y"][-1] == pytest.approx(fiscal.summary.total_cost)
    starts = next(t for t in cost_chart.data if t["name"] == "CSMs starting")
    assert starts["text"] == [f"+{n}" if n else "" for n in fiscal.summary.hires_by_month.values()]


def test_without_a_fiscal_year_section_5_says_so():
    report = build(FIXTURE)
    assert report.fiscal is None and report.content.fiscal_kpis() == ()
    (only,) = report.fiscal_section()
    assert "no <code>fiscal_year</code> block" in only
    assert "year_end_headcount" not in report.summary_html()


def test_fiscal_inputs_are_listed(default_report):
    fy = default_report.scenario.fiscal_year
    inputs = default_report.content.inputs_frame()
    fiscal = inputs[inputs["Section"] == "Fiscal year"].set_index("Parameter")
    assert fiscal.loc["start", "Value"] == fy.start
    assert fiscal.loc["attrition_per_year", "Value"] == fy.attrition_per_year
    starting = inputs[(inputs["Section"] == "Fiscal year") & (inputs["Parameter"] == "starting_headcount")]
    assert dict(zip(starting["Segment"], starting["Value"])) == fy.starting_headcount
    churn = inputs[inputs["Parameter"] == "churn_per_year"]
    assert list(churn["Value"]) == [s.churn_per_year for s in default_report.scenario.segments]
    assert "Fiscal inputs" in [t.name for t in default_report.content.inputs_tables()]
    assert "Fiscal inputs" not in [t.name for t in build(FIXTURE).content.inputs_tables()]


# -- the fiscal year as ranges -------------------------------------------------------


def test_the_range_section_shows_the_simulation(default_report):
    from capacity.views import charts

    c = default_report.content
    sim = c.simulation
    assert sim is not None and sim.draws == c.scenario.uncertainty.draws
    section = default_report.fiscal_range_section()
    assert len(section) == 6 and "How sure is the plan?" in section[0]
    assert [type(x).__name__ for x in section[2:]] == ["ChartView", "Html", "Html", "Html"]
    fan = charts.fiscal_fan(c)
    go.Figure(fan.figure)
    by_name = {t["name"]: t for t in fan.data}
    assert by_name["Demand P50 (FTE)"]["y"] == [m.demand_fte.p50 for m in sim.months]
    assert by_name["Demand, P10 to P90"]["y"] == [m.demand_fte.p10 for m in sim.months]
    assert by_name["Demand P90 (FTE)"]["y"] == [m.demand_fte.p90 for m in sim.months]
    assert by_name["The plan's ramped capacity (FTE)"]["y"] == pytest.approx(
        list(c.fiscal.totals_frame()["ramped_capacity_fte"]))
    ranges = c.fiscal_ranges_table().frame.set_index("")
    assert ranges.loc["P90", "Cost of the year"] == sim.total_cost.p90
    assert ranges.loc["The plan", "Cost of the year"] == c.fiscal.summary.total_cost
    shares = c.fiscal_variance_table().frame
    assert shares["Share of the cost's variance"].tolist() == sorted(sim.variance_shares.values(), reverse=True)
    assert "Touchpoint minutes" in c.uncertainty_inputs_table().frame["Input"].tolist()


def test_without_an_uncertainty_block_there_are_no_ranges(tmp_path):
    import yaml

    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data.pop("uncertainty")
    data["book"] = str(DEFAULT_SCENARIO.parent / data["book"])
    report = build(data)
    assert report.content.simulation is None and report.fiscal_range_section() == []


def test_the_fiscal_section_shows_when_the_work_lands(default_report):
    parts = default_report.fiscal_section()
    heading = next(i for i, p in enumerate(parts) if str(p) == "<h3>When the work lands</h3>")
    intro, heat_map, peaks = parts[heading + 1: heading + 4]
    assert "size_for: average" in intro and "renewal" in intro
    assert heat_map.chart.name == "calendar-heatmap"
    bundle = heat_map._repr_mimebundle_()
    assert 'data-chart="calendar-heatmap"' in bundle["text/html"]
    assert 'data-table="Calendar peaks"' in peaks
    assert build(FIXTURE).calendar_section() == []


def test_the_executive_summary_names_the_peak_month_above_the_target(default_report):
    worst = max((p for p in default_report.fiscal.calendar.peaks if not p.absorbed), key=lambda p: p.fte_above_average)
    assert f"in <b>{worst.month}</b>" in default_report.summary_html()
