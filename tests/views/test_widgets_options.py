"""The what-if's "Pin as option" and cap field: pins keep the plan they were pinned with."""

from __future__ import annotations

import pytest

from capacity import plan
from capacity.inputs.context import load_context
from capacity.analysis.fit import fit
from capacity.views.widgets import build_workbook

from tests.conftest import DEFAULT_SCENARIO


@pytest.fixture(scope="module")
def context():
    return load_context(DEFAULT_SCENARIO)


def test_a_pin_keeps_the_sliders_plan_beside_the_baseline_after_further_moves(context):
    workbook = build_workbook(context)
    review = workbook.bench.knob("frequency", "Enterprise", 0)
    workbook.sliders[review].value = 2.0
    pinned_plan = workbook.plan
    workbook.pin_name.value = "Reviews twice a month"
    workbook.pin_button.click()
    workbook.sliders[review].value = 0.5
    workbook.pin()  # unnamed: "Option 2"
    variants = workbook.pins.comparison().variants
    assert [v.name for v in variants] == ["Baseline", "Reviews twice a month", "Option 2"]
    assert variants[1].plan is pinned_plan and variants[1].plan != workbook.plan
    for variant in variants[1:]:
        assert variant.plan.totals == plan(context.scenario.with_changes(variant.changes), context.book).totals
    assert variants[1].changes == {"segments[0].touchpoints[0].per_month": 2.0}
    table = workbook.pins_table.value
    assert "Reviews twice a month" in table and "Option 2" in table
    assert f"<td>{variants[1].plan.totals.headcount:,} (+" in table
    workbook.clear_pins_button.click()
    assert workbook.pins.comparison().variants[1:] == ()
    assert "Reviews twice a month" not in workbook.pins_table.value


def test_the_cap_field_shows_the_best_package_of_the_menu(context):
    workbook = build_workbook(context)
    workbook.cap_field.value = 15
    expected = fit(context, headcount=15)
    assert workbook.cap_fit.best.chosen == expected.best.chosen
    assert expected.sentences()[0] in workbook.cap_result.value
    workbook.cap_field.value = 2
    assert "cannot fit 2 CSMs" in workbook.cap_result.value
    workbook.cap_field.value = 0
    assert "Give the CSMs" in workbook.cap_result.value
