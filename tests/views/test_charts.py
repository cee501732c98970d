"""The charts: one palette, every number from the results."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from capacity.views import charts, content

from tests.conftest import DEFAULT_SCENARIO, ROOT


@pytest.fixture(scope="module")
def report():
    return content.build(DEFAULT_SCENARIO)


def test_every_chart_is_a_valid_figure_in_the_palette(report):
    colours = set(charts.PALETTE.values()) | set(charts.KIND_COLORS.values())
    for chart in (charts.workload(report), charts.top_down(report), charts.tornado(report),
                  charts.fiscal_capacity(report), charts.fiscal_cost(report)):
        go.Figure(chart.figure)
        for trace in chart.data:
            for colour in (trace.get("marker", {}).get("color"), trace.get("line", {}).get("color")):
                assert colour is None or set([colour] if isinstance(colour, str) else colour) <= colours, chart.name


def test_the_cost_curve_is_the_fiscal_plans(report):
    chart = charts.fiscal_cost(report)
    so_far = next(t for t in chart.data if t["name"] == "Cost so far in the year")
    assert so_far["y"] == list(report.fiscal.cumulative_cost())
    monthly = next(t for t in chart.data if t["type"] == "bar")
    assert monthly["y"] == list(report.fiscal.totals_frame()["cost"])


def test_money_axes_follow_the_currency():
    euros = charts.fiscal_cost(content.build(DEFAULT_SCENARIO, currency="EUR"))
    assert euros.layout["yaxis"]["tickprefix"] == "€" and "ticksuffix" not in euros.layout["yaxis"]
    assert "€%{y:,.0f}" in euros.data[0]["hovertemplate"]
    crowns = charts.fiscal_cost(content.build(DEFAULT_SCENARIO, currency="NOK"))
    assert crowns.layout["yaxis2"]["ticksuffix"] == " NOK" and crowns.layout["yaxis2"]["tickprefix"] == ""


def test_workload_bars_add_up_to_each_segments_fte():
    report = content.build(ROOT / "tests" / "fixtures" / "small-scenario.yaml")
    chart = charts.workload(report)
    for i, segment in enumerate(report.plan.segments):
        assert sum(trace["x"][i] for trace in chart.data) == pytest.approx(segment.fte)


def test_the_calendar_heat_map_is_todays_book(report):
    chart = charts.calendar_heatmap(report)
    go.Figure(chart.figure)
    book = report.fiscal.calendar.book
    trace = chart.data[0]
    assert trace["x"] == list(book.months) and trace["y"] == list(book.segments)
    assert trace["text"][0] == [f"{round(v):,}" for v in book.hours[0]]  # the hours, as shown
    ratio = book.against_average().to_numpy()
    assert trace["z"] == [[round(float(v), 4) for v in row] for row in ratio]  # coloured against the average month
    assert trace["zmid"] == 1.0 and {c for _, c in trace["colorscale"]} <= {charts.PALETTE["low"], "#ffffff",
                                                                            charts.PALETTE["high"]}
