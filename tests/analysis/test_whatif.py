"""The what-if workbook without a browser: levers, plan, curves, histogram, widget callbacks."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import capacity
from capacity import Book, load_book, load_scenario
from capacity.exceptions import ScenarioError
from capacity.model.segments import assign_segments, segment_sizes
from capacity.analysis.whatif import Workbench, resolve_path, summary_sentence
from capacity.views.widgets import build_workbook, open_workbook

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO, EXAMPLE, ROOT

from capacity.apps.app import NOTEBOOK  # the what-if notebook, shipped in the package


@pytest.fixture(scope="module")
def default_scenario():
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def default_book():
    return load_book(DEFAULT_BOOK)


@pytest.fixture(scope="module")
def bench(default_scenario, default_book):
    return Workbench(default_scenario, default_book)


def small_book(arrs) -> Book:
    return Book.from_frame(pd.DataFrame({"account_id": [str(i) for i in range(len(arrs))], "arr": arrs}))


def Lever(*spec) -> tuple:
    """A slider named by kind, segment and touchpoint; :func:`K` finds its knob on a workbench."""
    return spec


SPLIT, COST = Lever("time_split"), Lever("cost")


def K(bench: Workbench, spec: tuple):
    return bench.knob(*spec)


def enterprise_review() -> tuple:
    return Lever("frequency", "Enterprise", 0)  # Success plan review, 1 per month


# -- the model ---------------------------------------------------------------------------


def test_base_levers_give_the_scenario_plan(bench, default_scenario, default_book):
    assert bench.scenario_for(bench.base) is default_scenario
    assert bench.recompute(bench.base) == capacity.plan(default_scenario, default_book)


@pytest.mark.parametrize(
    "lever, value",
    [
        (SPLIT, 0.5),
        (COST, 200_000.0),
        (Lever("threshold", "Enterprise"), 60_000.0),
        (Lever("threshold", "SMB"), 8_000.0),
        (Lever("frequency", "Enterprise", 0), 2.0),
        (Lever("frequency", "Enterprise", 1), 6.0),  # per year
        (Lever("frequency", "SMB", 4), 8.0),  # a program: per segment, not per customer
    ],
)
def test_each_lever_equals_the_plan_of_the_modified_scenario(bench, default_book, lever, value):
    levers = bench.base.with_value(K(bench, lever), value)
    modified = bench.scenario_for(levers)
    assert bench.recompute(levers) == capacity.plan(modified, default_book)
    assert bench.recompute(levers) != bench.base_plan


def test_modified_scenario_carries_each_lever(bench):
    levers = bench.base
    for lever, value in [(SPLIT, 0.5), (COST, 300_000.0), (Lever("threshold", "Mid-Market"), 30_000.0),
                         (Lever("frequency", "Enterprise", 0), 2.0), (Lever("frequency", "Enterprise", 1), 6.0)]:
        levers = levers.with_value(K(bench, lever), value)
    modified = bench.scenario_for(levers)
    assert modified.csm.customer_time_share == 0.5
    assert modified.csm.loaded_cost_per_year == 300_000
    enterprise = modified.segments[0]
    # Segment costs move in proportion: 175,000 x 300,000 / 150,000.
    assert enterprise.loaded_cost_per_year == pytest.approx(350_000)
    assert modified.segments[1].min_arr == 30_000
    assert enterprise.touchpoints[0].per_month == 2.0
    assert enterprise.touchpoints[1].per_year == 6.0 and enterprise.touchpoints[1].per_month is None
    # The original scenario is untouched.
    assert bench.scenario.segments[0].touchpoints[0].per_month == 1
    assert bench.scenario.csm.loaded_cost_per_year == 150_000


def test_frequency_lever_hand_worked(two_tier):
    # Large: one 60-minute review twice a month = 2 h per customer; a CSM has 156.67 x 0.5 h.
    scenario = load_scenario(two_tier)
    book = small_book([500, 2_000, 12_000, 15_000, 30_000])
    bench = Workbench(scenario, book)
    customer_hours = (40 * 52 - 25 * 8) / 12 * 0.5
    assert bench.base_plan.segment("Large").customers_per_csm == pytest.approx(customer_hours / 2)
    levers = bench.base.with_value(K(bench, Lever("frequency", "Large", 0)), 1.0)
    assert bench.recompute(levers).segment("Large").customers_per_csm == pytest.approx(customer_hours / 1)
    levers = levers.with_value(K(bench, SPLIT), 0.25)
    assert bench.recompute(levers).segment("Large").customers_per_csm == pytest.approx(customer_hours / 2)


def test_threshold_moves_accounts_between_segments(two_tier):
    scenario = load_scenario(two_tier)
    book = small_book([500, 2_000, 12_000, 15_000, 30_000])
    bench = Workbench(scenario, book)
    assert [s.customers for s in bench.base_plan.segments] == [3, 2]
    levers = bench.base.with_value(K(bench, Lever("threshold", "Large")), 20_000)
    moved = bench.recompute(levers)
    assert [s.customers for s in moved.segments] == [1, 4]
    assert [s.arr for s in moved.segments] == [30_000, 29_500]
    names = assign_segments(bench.scenario_for(levers), book)
    assert list(names) == ["Small", "Small", "Small", "Small", "Large"]


def test_threshold_is_held_between_its_neighbours(bench):
    levers = bench.base
    mid = Lever("threshold", "Mid-Market")
    # Mid-Market sits between SMB (5,000) and Enterprise (100,000).
    assert bench.clamp_threshold(K(bench, mid), 150_000, levers) < 100_000
    assert bench.clamp_threshold(K(bench, mid), 1_000, levers) > 5_000
    assert bench.clamp_threshold(K(bench, mid), 40_000, levers) == 40_000


def test_one_time_touchpoints_have_no_lever(bench):
    assert bench.scenario.segments[0].touchpoints[6].kind == "one_time"
    assert 6 not in [k.touchpoint for k in bench.frequency_levers("Enterprise")]
    with pytest.raises(KeyError):
        bench.knob("frequency", "Enterprise", 6)


@pytest.mark.parametrize(
    "lever",
    [SPLIT, COST, Lever("threshold", "Enterprise"), Lever("threshold", "Mid-Market"), Lever("threshold", "SMB"),
     Lever("frequency", "Enterprise", 0), Lever("frequency", "Mid-Market", 7), Lever("frequency", "Long tail", 0)],
)
def test_curve_equals_point_recomputes(bench, lever):
    levers = bench.base.with_value(K(bench, Lever("frequency", "SMB", 0)), 6.0)  # not at the scenario
    curve = bench.curve(K(bench, lever), levers)
    assert len(curve.values) > 10
    for k in range(0, len(curve.values), 6):
        point = bench.recompute(levers.with_value(K(bench, lever), curve.values[k]))
        assert curve.headcount[k] == point.totals.headcount
        assert curve.cost_per_year[k] == pytest.approx(point.totals.cost_per_year, rel=1e-12)
        assert list(curve.segment_headcount[:, k]) == [s.headcount for s in point.segments]
        np.testing.assert_allclose(curve.customers_per_csm[:, k], [s.customers_per_csm for s in point.segments],
                                   rtol=1e-12)


def test_cost_curve_grows_with_frequency_and_falls_with_time_share(bench):
    up = bench.curve(K(bench, enterprise_review()), bench.base)
    assert np.all(np.diff(up.headcount) >= 0) and up.headcount[-1] > up.headcount[0]
    down = bench.curve(K(bench, SPLIT), bench.base)
    assert np.all(np.diff(down.headcount) <= 0) and down.headcount[-1] < down.headcount[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrs=st.lists(st.integers(0, 200_000), min_size=1, max_size=60), threshold=st.integers(1, 199_999))
def test_threshold_curve_and_histogram_match_segment_sizes(arrs, threshold, two_tier):
    scenario = load_scenario(two_tier)
    bench = Workbench(scenario, small_book(arrs))
    lever = Lever("threshold", "Large")
    levers = bench.base.with_value(K(bench, lever), threshold)
    sizes = segment_sizes(scenario, bench.book, min_arr=levers.min_arr)
    hist = bench.histogram(levers)
    assert list(hist.counts.sum(axis=1)) == list(sizes.customers)
    curve = bench.curve(K(bench, lever), levers)
    assert threshold in curve.values
    for k, value in enumerate(curve.values):
        point = bench.recompute(levers.with_value(K(bench, lever), value))
        assert list(curve.segment_headcount[:, k]) == [s.headcount for s in point.segments]


def test_without_a_book_thresholds_do_not_move(example):
    bench = Workbench(load_scenario(example))
    assert bench.threshold_levers() == ()
    assert bench.recompute(bench.base) == capacity.plan(example)
    workbook = build_workbook(load_scenario(example))
    assert workbook.book_figure is None
    assert workbook.summary_text == summary_sentence(capacity.plan(example))


def test_internal_activities_are_replaced_by_the_share_once_moved(example):
    del example["csm"]["customer_time_share"]
    example["csm"]["internal_activities"] = [{"name": "Team meeting", "minutes": 60, "per_month": 4}]
    scenario = load_scenario(example)
    bench = Workbench(scenario)
    assert bench.base.value(bench.knob("time_split")) == pytest.approx(scenario.csm.share)
    assert bench.scenario_for(bench.base) is scenario
    levers = bench.base.with_value(K(bench, SPLIT), 0.5)
    modified = bench.scenario_for(levers)
    assert modified.csm.internal_activities is None and modified.csm.customer_time_share == 0.5


# -- words --------------------------------------------------------------------------------


def test_summary_sentence_hand_worked():
    # EXAMPLE: 104.45 customer hours per CSM / 2.729 h per customer = 38.3 customers per CSM;
    # (40 x 2.729 + 1.5) / 104.45 = 1.06 FTE -> 2 CSMs x $150,000 = $300k, of $6M ARR = 5.0%.
    data = copy.deepcopy(EXAMPLE)
    data["segments"][0]["arr"] = 6_000_000
    assert summary_sentence(capacity.plan(data)) == "2 CSMs, $300k a year, 5.0% of ARR; Enterprise: 38 customers per CSM"
    data["segments"][0]["arr"] = 2_000_000
    data["segments"][0]["customers"] = 10  # (10 x 2.729 + 1.5) / 104.45 = 0.28 FTE -> 1 CSM, 7.5% of $2M
    assert summary_sentence(capacity.plan(data)) == "1 CSM, $150k a year, 7.5% of ARR; Enterprise: 38 customers per CSM"
    data["segments"][0]["arr"] = 1_000_000  # 15%
    assert summary_sentence(capacity.plan(data)).startswith("1 CSM, $150k a year, 15% of ARR")


def test_summary_names_the_chosen_segment(bench):
    text = summary_sentence(bench.base_plan, "SMB")
    smb = bench.base_plan.segment("SMB")
    assert text.endswith(f"SMB: {smb.customers_per_csm:,.0f} customers per CSM")


# -- paths ---------------------------------------------------------------------------------


def test_resolve_path_is_relative_to_the_folder_the_notebook_runs_in(tmp_path, monkeypatch):
    monkeypatch.chdir(DEFAULT_SCENARIO.parent)
    assert resolve_path("scenario.yaml") == DEFAULT_SCENARIO.resolve()
    assert resolve_path(DEFAULT_BOOK, "book") == DEFAULT_BOOK.resolve()
    monkeypatch.chdir(tmp_path)  # nothing is looked for anywhere else (the repository, the sample)
    with pytest.raises(ScenarioError, match=f"scenario file not found \\(looked in: {tmp_path / 'scenario.yaml'}\\)"):
        resolve_path("scenario.yaml")
    with pytest.raises(ScenarioError, match="book file not found"):
        resolve_path("../no-such.csv", "book")


# -- the widgets ---------------------------------------------------------------------------


@pytest.fixture
def workbook(default_scenario, default_book):
    return build_workbook(default_scenario, default_book)


def _trace_y(fig, i):
    return list(fig.data[i].y)


def test_initial_workbook_shows_the_scenario_plan(workbook, default_scenario, default_book):
    expected = capacity.plan(default_scenario, default_book)
    assert workbook.plan == expected
    assert workbook.summary_text == summary_sentence(expected, "Enterprise")
    assert workbook.summary_text in workbook.summary.value
    assert "capacity-summary" in workbook.summary._dom_classes
    cost = workbook.cost_figure
    assert list(cost.data[1].y) == [expected.totals.headcount]
    # Top-down guideposts: $1M, $2M, $8M per CSM.
    assert [cost.data[4 + 2 * i].y[0] for i in range(3)] == [t.headcount for t in expected.top_down]


def test_frequency_slider_updates_summary_and_charts_in_place(workbook, default_book):
    lever = enterprise_review()
    portfolio, cost = workbook.portfolio_figure, workbook.cost_figure
    cost_trace = cost.data[0]
    before_cost_x = list(cost.data[0].x)
    workbook.sliders[K(workbook.bench, lever)].value = 3.0
    assert workbook.portfolio_figure is portfolio and workbook.cost_figure is cost
    assert cost.data[0] is cost_trace
    bench = workbook.bench
    levers = bench.base.with_value(K(bench, lever), 3.0)
    expected = capacity.plan(bench.scenario_for(levers), default_book)
    assert workbook.plan == expected
    assert workbook.summary_text == summary_sentence(expected, "Enterprise")
    curve = bench.curve(K(bench, lever), levers)
    assert list(cost.data[0].x) == list(curve.values) != before_cost_x
    assert list(cost.data[0].y) == list(curve.headcount)
    assert list(cost.data[2].y) == list(curve.cost_per_year)
    assert list(cost.data[1].x) == [3.0] and list(cost.data[1].y) == [expected.totals.headcount]
    enterprise_curve = [v for v in curve.customers_per_csm[0]]
    assert _trace_y(portfolio, 0) == pytest.approx(enterprise_curve)
    assert portfolio.data[-1].y[0] == pytest.approx(expected.segment("Enterprise").customers_per_csm)


def test_split_and_cost_sliders(workbook, default_book):
    bench = workbook.bench
    workbook.sliders[K(workbook.bench, SPLIT)].value = 0.5
    workbook.sliders[K(workbook.bench, COST)].value = 200_000
    levers = bench.base.with_value(K(bench, SPLIT), 0.5).with_value(K(bench, COST), 200_000)
    expected = capacity.plan(bench.scenario_for(levers), default_book)
    assert workbook.plan == expected
    assert list(workbook.cost_figure.data[2].y) == list(bench.curve(K(bench, COST), levers).cost_per_year)
    # The portfolio chart stays on the last frequency or split lever: cost does not change portfolios.
    assert list(workbook.portfolio_figure.data[0].x) == list(bench.curve(K(bench, SPLIT), levers).values)


def test_threshold_slider_recolours_the_book(workbook, default_book):
    bench = workbook.bench
    lever = Lever("threshold", "Enterprise")
    book_fig = workbook.book_figure
    enterprise_bars = book_fig.data[0]
    before = list(enterprise_bars.y)
    workbook.sliders[K(workbook.bench, lever)].value = 50_000
    assert workbook.book_figure is book_fig and book_fig.data[0] is enterprise_bars
    levers = bench.base.with_value(K(bench, lever), 50_000)
    hist = bench.histogram(levers)
    assert list(book_fig.data[0].y) == list(hist.counts[0]) != before
    assert sum(book_fig.data[0].y) == workbook.plan.segment("Enterprise").customers
    threshold_line = book_fig.data[len(bench.names) + 2]  # the thresholds are drawn lowest first
    assert list(threshold_line.x) == pytest.approx([np.log10(50_000)] * 2)
    assert workbook.plan == capacity.plan(bench.scenario_for(levers), default_book)


def test_threshold_slider_past_a_neighbour_is_held_and_said(workbook):
    lever = Lever("threshold", "Mid-Market")
    workbook.sliders[K(workbook.bench, lever)].value = 500_000  # above Enterprise's 100,000
    held = workbook.sliders[K(workbook.bench, lever)].value
    assert held < 100_000
    assert workbook.levers.value(K(workbook.bench, lever)) == held
    assert "Mid-Market" in workbook.note.value and "neighbours" in workbook.note.value
    mins = workbook.levers.min_arr
    assert mins[2] < mins[1] < mins[0]


def test_reset_restores_the_scenario(workbook):
    initial = {name: [list(t.y) for t in getattr(workbook, name).data]
               for name in ("portfolio_figure", "cost_figure", "book_figure", "calendar_figure")}
    bench = workbook.bench
    workbook.sliders[K(workbook.bench, enterprise_review())].value = 3.0
    workbook.sliders[K(workbook.bench, SPLIT)].value = 0.4
    workbook.sliders[K(workbook.bench, Lever("threshold", "SMB"))].value = 9_000
    workbook.sliders[K(workbook.bench, Lever("offset", "Enterprise", 5))].value = 0.0
    assert workbook.plan != bench.base_plan
    workbook.reset_button.click()
    assert workbook.levers == bench.base
    assert workbook.plan == bench.base_plan
    for lever, slider in workbook.sliders.items():
        assert slider.value == pytest.approx(bench.base.value(lever))
    for name, traces in initial.items():
        assert [list(t.y) for t in getattr(workbook, name).data] == traces


def test_segment_picker_switches_sliders_and_summary(workbook):
    workbook.segment_picker.value = "SMB"
    shown = workbook.frequency_area.children[0].children
    assert [s.description for s in shown] == [workbook.bench.label(l) for l in (*workbook.bench.frequency_levers("SMB"),
                                                                                 *workbook.bench.timing_levers("SMB"))]
    assert shown[-1].description == "Renewal outreach (days from renewal)"
    assert workbook.summary_text == summary_sentence(workbook.plan, "SMB")


def test_open_workbook_reads_relative_paths_and_defaults_to_the_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(DEFAULT_SCENARIO.parent.parent)
    workbook = open_workbook(f"{DEFAULT_SCENARIO.parent.name}/scenario.yaml", f"{DEFAULT_SCENARIO.parent.name}/book.csv")
    assert workbook.plan.totals.customers == len(load_book(DEFAULT_BOOK))
    monkeypatch.chdir(tmp_path)
    assert open_workbook().plan.to_dict() == capacity.plan(DEFAULT_SCENARIO).to_dict()


# -- the notebook ----------------------------------------------------------------------------


def test_notebook_is_clean_and_has_a_kernel_and_parameters():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb.metadata
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "scenario_path" in tagged[0].source and "book_path" in tagged[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_notebook_runs_headless_with_papermill(tmp_path):
    out = tmp_path / "what-if.out.ipynb"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), str(NOTEBOOK), str(out), "-k", "python3",
         "-p", "book_path", str(DEFAULT_BOOK), "--cwd", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    import nbformat

    nb = nbformat.read(out, as_version=4)
    outputs = nb.cells[-1].outputs
    assert outputs and "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]


def test_every_slider_offers_the_scenario_value_exactly(workbook):
    bench = workbook.bench
    assert workbook.levers == bench.base
    for lever, slider in workbook.sliders.items():
        values = [v for _, v in slider.options]
        assert values == sorted(values)
        assert bench.base.value(lever) in values
        assert slider.value == bench.base.value(lever)


def test_slider_readouts(bench):
    split = dict(bench.slider_options(K(bench, SPLIT)))
    assert split["66.67%"] == 0.6667 and split["50%"] == 0.5
    thresholds = dict(bench.slider_options(K(bench, Lever("threshold", "Mid-Market"))))
    assert thresholds["$25,000"] == 25_000 and thresholds["$100"] == 100
    review = dict(bench.slider_options(K(bench, enterprise_review())))
    assert review["1"] == 1.0 and review["1.25"] == 1.25


def test_threshold_curve_stays_between_neighbours(bench):
    curve = bench.curve(K(bench, Lever("threshold", "Mid-Market")), bench.base)
    assert curve.values.min() > 5_000 and curve.values.max() < 100_000
    assert 25_000 in curve.values


def test_vertical_pools_follow_the_levers(default_book):
    import yaml

    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["book"] = str(DEFAULT_BOOK)
    data["segments"][2]["pool_by"] = "vertical"  # SMB: one pool per vertical
    scenario = load_scenario(data)
    bench = Workbench(scenario, default_book)
    assert bench.base_plan.segment("SMB").pools
    lever = Lever("threshold", "SMB")
    levers = bench.base.with_value(K(bench, lever), 8_000)
    assert bench.recompute(levers) == capacity.plan(bench.scenario_for(levers), default_book)
    curve = bench.curve(K(bench, lever), levers)
    for k in range(0, len(curve.values), 5):
        point = bench.recompute(levers.with_value(K(bench, lever), curve.values[k]))
        assert curve.headcount[k] == point.totals.headcount


def test_the_fiscal_range_is_simulated_on_demand_for_the_sliders_state(default_scenario, default_book):
    from capacity.analysis.simulate import simulate

    assert default_scenario.uncertainty is not None
    scenario = default_scenario.with_changes({"uncertainty.draws": 500})
    workbook = build_workbook(scenario, default_book)
    assert workbook.fan_figure is None  # nothing is simulated until asked
    review = workbook.bench.knob("frequency", "Enterprise", 0)
    workbook.sliders[review].value = 2.0
    workbook.fan_button.click()
    expected = simulate(capacity.Context(scenario.with_changes({review.path: 2.0}), default_book))
    assert list(workbook.fan_figure.data[2].y) == [m.demand_fte.p50 for m in expected.months]
    assert list(workbook.fan_figure.data[1].y) == [m.demand_fte.p10 for m in expected.months]
    assert not build_workbook(load_scenario(EXAMPLE)).bench.can_simulate



# -- the month axis: the calendar under the sliders ------------------------------------------------


def test_the_offset_lever_moves_the_calendar_not_the_team(bench, default_book):
    from capacity.inputs.context import Context
    from capacity.model.calendar import book_calendar

    lever = K(bench, Lever("offset", "Enterprise", 5))  # Renewal preparation, 90 days before
    assert lever.value == -90 and lever.path == "segments[0].touchpoints[5].offset_days"
    moved = bench.base.with_value(lever, 0.0)
    assert bench.scenario_for(moved).segments[0].touchpoints[5].offset_days == 0
    assert bench.recompute(moved) == bench.base_plan  # the same team
    before, after = bench.calendar(bench.base), bench.calendar(moved)
    assert after == book_calendar(Context(bench.scenario_for(moved), default_book))
    assert np.array(after.hours[0]) != pytest.approx(np.array(before.hours[0]))  # Enterprise's months move
    assert sum(after.hours[0]) == pytest.approx(sum(before.hours[0]))  # its year does not
    assert after.hours[1:] == before.hours[1:]
    assert (bench.curve(lever, moved).headcount == bench.base_plan.totals.headcount).all()


def test_the_calendar_follows_a_frequency_lever(bench):
    reviews = K(bench, Lever("frequency", "Enterprise", 1))  # Executive business review, 4 a year, quarter ends
    doubled = bench.calendar(bench.base.with_value(reviews, 8.0))
    base = bench.calendar(bench.base)
    quarter_ends = [m for m, month in enumerate(base.months) if month[5:] in ("04", "07", "10", "01")]
    others = [m for m in range(12) if m not in quarter_ends]
    extra = [doubled.hours[0][m] - base.hours[0][m] for m in range(12)]
    customers = bench.base_plan.segment("Enterprise").customers
    assert [extra[m] for m in quarter_ends] == pytest.approx([customers * 2.0] * 4)  # 81 customers x 2 h more
    assert [extra[m] for m in others] == pytest.approx([0.0] * 8)


def test_the_calendar_chart_shows_the_peak_and_follows_the_sliders(workbook, default_book):
    fig = workbook.calendar_figure
    bars = fig.data[0]
    bench = workbook.bench
    cost_lever = workbook.cost_lever
    workbook.sliders[K(bench, Lever("offset", "Mid-Market", 3))].value = 90.0  # the renewal call after the renewal
    assert workbook.calendar_figure is fig and fig.data[0] is bars  # updated in place
    calendar = bench.calendar(workbook.levers)
    assert list(fig.data[1].y) == list(calendar.hours[1])
    peak = calendar.peak()
    assert list(fig.data[-1].x) == [peak.month] and list(fig.data[-1].y) == [peak.hours]
    assert peak.month in fig.layout.title.text and f"{peak.share_above:.0%}" in fig.layout.title.text
    assert workbook.cost_lever is cost_lever  # a date does not move the team's curves
    capacity_line = fig.data[len(bench.names) + 1]
    assert list(capacity_line.y)[0] == pytest.approx(bench.calendar_capacity(workbook.plan))
