"""Erlang C against hand-worked cases, a maintained library's published values, and its invariants."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import capacity
from capacity.formulas import queueing
from capacity.apps.cli import main
from capacity.exceptions import ScenarioError

from tests.conftest import DATA


def _erlang_b_by_factorials(n: int, a: float) -> float:
    """The textbook form, fine for small n: (a^n / n!) / sum_k a^k / k!."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / sum(terms)


# -- hand-worked small cases ----------------------------------------------------------


def test_one_agent_is_the_m_m_1_queue():
    # M/M/1 with load a < 1: P(wait) = a, Wq = a h / (1 - a), SL(t) = 1 - a e^{-(1 - a) t / h}.
    a, h = 0.5, 6.0  # 5 contacts an hour of 6 min
    assert queueing.erlang_b(1, a) == pytest.approx(a / (1 + a))
    assert queueing.erlang_c_waiting_probability(1, a) == pytest.approx(0.5)
    assert queueing.erlang_c_expected_wait(1, 5, h) == pytest.approx(0.5 * 6 / 0.5)  # 6 min
    assert queueing.erlang_c_service_level(1, 5, h, 6) == pytest.approx(1 - 0.5 * math.exp(-0.5))


def test_two_agents_one_erlang_by_hand():
    # B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2; C = 2 x 0.2 / (2 - 1 x 0.8) = 1/3;
    # Wq = (1/3) x 3 min / (2 - 1) = 1 min; SL(3 min) = 1 - (1/3) e^{-1}.
    assert queueing.erlang_b(2, 1.0) == pytest.approx(0.2)
    assert queueing.erlang_c_waiting_probability(2, 1.0) == pytest.approx(1 / 3)
    assert queueing.erlang_c_expected_wait(2, 20, 3) == pytest.approx(1.0)
    assert queueing.erlang_c_service_level(2, 20, 3, 3) == pytest.approx(1 - math.exp(-1) / 3)
    # The fewest agents for 70% within 3 min: 2 agents give 87.7%, and 1 agent cannot hold a load of 1.
    assert capacity.erlang_c_agents(20, 3, 3, 0.7) == 2


def test_erlang_b_recursion_equals_the_factorial_form():
    for n in range(0, 25):
        for a in (0.1, 1.0, 3.7, 12.0):
            assert queueing.erlang_b(n, a) == pytest.approx(_erlang_b_by_factorials(n, a), rel=1e-12)


def test_unstable_and_empty_queues():
    assert queueing.erlang_c_waiting_probability(3, 3.0) == 1.0  # n <= a: everyone waits
    assert capacity.erlang_c_service_level(3, 60, 3, 10) == 0.0
    assert queueing.erlang_c_expected_wait(3, 60, 3) == math.inf
    assert capacity.erlang_c_service_level(0, 0, 3, 1) == 1.0  # no contacts
    assert capacity.erlang_c_agents(0, 3, 1, 0.8) == 0


def test_formulas_accept_arrays():
    levels = capacity.erlang_c_service_level(np.array([11, 12, 13, 14]), 200, 3, 0.33)
    assert levels.shape == (4,)
    assert list(np.diff(levels) > 0) == [True, True, True]
    np.testing.assert_allclose(queueing.erlang_b(np.array([1, 2]), np.array([0.5, 1.0])), [1 / 3, 0.2])


# -- published values -----------------------------------------------------------------
# pyworkforce (github.com/rodrigo-arenas/pyworkforce), pyworkforce/queuing/tests/test_erlang.py:
# ErlangC(transactions=100, asa=0.33, aht=3, interval=30): 100 contacts in 30 min (200 an hour) of
# 3 min, answered within 0.33 min. test_expected_erlangc_results: service_level 0.8, max_occupancy
# 0.85 -> raw_positions 14, service_level 0.888, occupancy 0.714, waiting_probability 0.174.
# test_over_occupancy_erlangc: max_occupancy 0.7 -> raw_positions 15, service level 0.941,
# occupancy 0.667, waiting_probability 0.102 (the occupancy cap binds).


def test_pyworkforce_expected_results():
    agents = capacity.erlang_c_agents(200, 3, 0.33, 0.8, max_occupancy=0.85)
    assert agents == 14
    assert round(capacity.erlang_c_service_level(agents, 200, 3, 0.33), 3) == 0.888
    assert round(queueing.traffic_erlangs(200, 3) / agents, 3) == 0.714
    assert round(queueing.erlang_c_waiting_probability(agents, 10.0), 3) == 0.174


def test_pyworkforce_over_occupancy_the_cap_binds():
    by_service_level = capacity.erlang_c_agents(200, 3, 0.33, 0.8)
    capped = capacity.erlang_c_agents(200, 3, 0.33, 0.8, max_occupancy=0.7)
    assert by_service_level == 14  # 10 / 14 = 71.4% occupancy, above a 70% cap
    assert capped == 15 == math.ceil(10 / 0.7)
    assert round(capacity.erlang_c_service_level(capped, 200, 3, 0.33), 3) == 0.941
    assert round(queueing.traffic_erlangs(200, 3) / capped, 3) == 0.667
    assert round(queueing.erlang_c_waiting_probability(capped, 10.0), 3) == 0.102


# -- invariants -----------------------------------------------------------------------


def test_hundreds_of_agents_stay_finite():
    # 2,900 Erlang: a^n / n! overflows a float long before; the recursion does not.
    assert 0 < queueing.erlang_b(3000, 2900.0) < 1
    agents = capacity.erlang_c_agents(58_000, 3, 0.33, 0.8)
    assert 2900 < agents < 3100
    assert capacity.erlang_c_service_level(agents, 58_000, 3, 0.33) >= 0.8
    assert capacity.erlang_c_service_level(agents - 1, 58_000, 3, 0.33) < 0.8


@settings(max_examples=200, deadline=None)
@given(
    agents=st.integers(min_value=0, max_value=400),
    arrivals=st.floats(min_value=0, max_value=5000),
    handle=st.floats(min_value=0.1, max_value=60),
    within=st.floats(min_value=0, max_value=240),
)
def test_more_agents_never_lower_the_service_level(agents, arrivals, handle, within):
    level = capacity.erlang_c_service_level(agents, arrivals, handle, within)
    more = capacity.erlang_c_service_level(agents + 1, arrivals, handle, within)
    assert 0.0 <= level <= more + 1e-12 <= 1.0 + 1e-12


@settings(max_examples=100, deadline=None)
@given(
    arrivals=st.floats(min_value=0.01, max_value=2000),
    handle=st.floats(min_value=0.5, max_value=60),
    within=st.floats(min_value=0, max_value=120),
    target=st.floats(min_value=0.05, max_value=0.99),
    cap=st.floats(min_value=0.3, max_value=1.0),
)
def test_agents_are_the_fewest_that_meet_the_target(arrivals, handle, within, target, cap):
    n = capacity.erlang_c_agents(arrivals, handle, within, target, cap)
    a = queueing.traffic_erlangs(arrivals, handle)
    assert n > a and a / n <= cap + 1e-9
    assert capacity.erlang_c_service_level(n, arrivals, handle, within) >= target
    fewer = n - 1
    assert fewer <= a or a / fewer > cap - 1e-9 or capacity.erlang_c_service_level(fewer, arrivals, handle, within) < target


def test_bad_targets_are_refused():
    for kwargs in ({"service_level": 1.0}, {"service_level": 0.0}, {"service_level": 0.8, "max_occupancy": 0.0}):
        with pytest.raises(ValueError):
            capacity.erlang_c_agents(100, 3, 1, **kwargs)
    with pytest.raises(ValueError):
        capacity.erlang_c_agents(100, 0, 1, 0.8)


# -- the inbound part of a pooled segment ----------------------------------------------


def test_inbound_sizing_hand_worked():
    # 1,200 customers x (1 contact of 10 min + 0.5 of 20 min) a month = 1,800 contacts; over 150 working
    # hours: 12 an hour, handled in (10 + 10) / 1.5 = 13.33 min: a = 12 x 13.33 / 60 = 2.667 Erlang.
    # By hours: 2.667 / 0.6 = 4.444 FTE (= 1,200 x 20 min / 60 / (150 x 0.6) h).
    sizing = queueing.inbound_sizing(1200, [10, 20], [1, 0.5], 150.0, 0.6, 60, 0.8, 0.85)
    assert sizing.contacts_per_month == pytest.approx(1800)
    assert sizing.arrivals_per_hour == pytest.approx(12)
    assert sizing.handle_minutes == pytest.approx(40 / 3)
    assert sizing.traffic_erlangs == pytest.approx(8 / 3)
    assert sizing.inbound_fte_by_hours == pytest.approx(1200 * 20 / 60 / 90)
    # The cap: 2.667 / 0.85 = 3.14 -> 4 agents; 4 agents answer far more than 80% within an hour.
    assert sizing.agents == capacity.erlang_c_agents(12, 40 / 3, 60, 0.8, 0.85) == 4
    assert sizing.inbound_fte_by_service_level == pytest.approx(4 / 0.6)
    assert sizing.queueing_headroom_fte == pytest.approx(4 / 0.6 - 8 / 3 / 0.6)
    assert sizing.expected_wait_minutes == pytest.approx(queueing.erlang_c_expected_wait(4, 12, 40 / 3))


def _small(inbound_service=None, coverage="pooled"):
    segment = {
        "name": "SMB", "min_arr": 0, "coverage": coverage, "customers": 1200, "arr": 6e6, "new_customer_rate": 0.3,
        "touchpoints": [
            {"name": "Health check", "kind": "recurring", "minutes": 20, "per_year": 4},
            {"name": "Welcome call", "kind": "one_time", "minutes": 60},
            {"name": "Questions", "kind": "inbound", "minutes": 10, "per_month": 1},
            {"name": "Escalations", "kind": "inbound", "minutes": 20, "per_month": 0.5},
            {"name": "Webinar", "kind": "program", "minutes": 60, "per_month": 4},
        ],
    }
    if inbound_service is not None:
        segment["inbound_service"] = inbound_service
    return {"csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 25, "customer_time_share": 0.6,
                    "loaded_cost_per_year": 120000}, "segments": [segment]}


def test_the_plan_replaces_only_the_inbound_hours():
    target = {"answer_within_minutes": 60, "service_level": 0.8, "max_occupancy": 0.85}
    before = capacity.plan(_small()).segments[0]
    after = capacity.plan(_small(target)).segments[0]
    assert before.inbound is None
    q = after.inbound
    # 1,200 x (10 + 0.5 x 20) min / 60 = 400 h a month, over (1880 / 12) x 0.6 = 94 customer hours per CSM
    assert q.inbound_fte_by_hours == pytest.approx(400 / 94)
    assert after.fte == pytest.approx(before.fte - q.inbound_fte_by_hours + q.inbound_fte_by_service_level)
    assert after.headcount == math.ceil(after.fte)
    assert after.cost_per_year == after.headcount * 120000
    assert after.hours_per_customer_per_month == before.hours_per_customer_per_month
    data = capacity.plan(_small(target)).to_dict()["segments"][0]["inbound"]
    assert set(data) >= {"inbound_fte_by_hours", "inbound_fte_by_service_level", "queueing_headroom_fte",
                         "expected_wait_minutes"}


def test_without_inbound_service_nothing_changes(capsys):
    assert main(["plan", str(DATA / "scenario.yaml"), "--json"]) == 0
    segments = json.loads(capsys.readouterr().out)["segments"]
    assert all(s["inbound"] is None for s in segments)


def test_inbound_service_only_for_pooled_segments():
    with pytest.raises(ScenarioError, match=r"segments\[0\]\.inbound_service: only a segment with coverage: pooled"):
        capacity.load_scenario(_small({"answer_within_minutes": 60, "service_level": 0.8}, coverage="dedicated"))
    with pytest.raises(ScenarioError, match=r"segments\[0\]\.inbound_service\.service_level: must be less than 1"):
        capacity.load_scenario(_small({"answer_within_minutes": 60, "service_level": 1}))


def test_plan_text_shows_the_queue(tmp_path, capsys):
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_small({"answer_within_minutes": 60, "service_level": 0.8})))
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "SMB answers inbound contacts as a queue (Erlang C)" in out
    assert "queueing headroom" in out


def test_the_report_shows_the_queue_only_with_a_target():
    from capacity.views import sections

    report = sections.build(_small({"answer_within_minutes": 60, "service_level": 0.8, "max_occupancy": 0.85}))
    heading, intro, _ = report.queueing_section()
    smb = report.plan.segment("SMB").inbound
    assert "Erlang C" in intro and "service level" in heading
    row = report.content.queueing_table().frame.iloc[0]
    assert (row["Agents on the queue"], row["Queueing headroom (FTE)"]) == (smb.agents, smb.queueing_headroom_fte)
    assert row["Target"] == "80% within 60 min"
    assert sections.build(_small()).queueing_section() == []


def test_whatif_curves_with_a_queue_are_the_plan():
    from capacity.analysis.whatif import Workbench

    data = _small({"answer_within_minutes": 30, "service_level": 0.8, "max_occupancy": 0.95})
    bench = Workbench(capacity.load_scenario(data))
    for knob in bench.knobs[:3]:
        curve = bench.curve(knob, bench.base)
        assert list(curve.headcount) == [bench.recompute(bench.base.with_value(knob, v)).totals.headcount
                                         for v in curve.values]


def test_the_whatif_has_a_service_level_slider_for_a_segment_with_a_target():
    from capacity.analysis.whatif import Workbench
    from capacity.views.widgets import build_workbook

    data = _small({"answer_within_minutes": 30, "service_level": 0.8, "max_occupancy": 0.95})
    scenario = capacity.load_scenario(data)
    bench = Workbench(scenario)
    knob = bench.knob("service_level", "SMB")
    assert knob.path == "segments[0].inbound_service.service_level" and knob.value == 0.8
    assert 0.8 in bench.slider_values(knob) and dict(bench.slider_options(knob))["80%"] == 0.8
    curve = bench.curve(knob, bench.base)
    strict = bench.recompute(bench.base.with_value(knob, 0.99))
    loose = bench.recompute(bench.base.with_value(knob, 0.5))
    assert strict.segment("SMB").inbound.agents >= loose.segment("SMB").inbound.agents
    assert list(curve.headcount) == [bench.recompute(bench.base.with_value(knob, v)).totals.headcount
                                     for v in curve.values]
    workbook = build_workbook(scenario)
    workbook.sliders[knob].value = 0.95
    assert workbook.plan == capacity.plan(scenario.with_changes({knob.path: 0.95}))
    assert Workbench(capacity.load_scenario(_small())).knobs == tuple(
        k for k in Workbench(capacity.load_scenario(_small())).knobs if k.kind != "service_level")
