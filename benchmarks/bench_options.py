"""Budgets of options and trade-offs: compare five options (and the scenario's automations), fit a cap or a budget
with automations on the menu, pin the what-if's state."""

from __future__ import annotations

import time

from capacity.inputs.context import load_context
from capacity.analysis.fit import default_menu, fit
from capacity.analysis.options import compare

from .books import DEFAULT_SCENARIO
from .harness import Measurement, budget, median_seconds

#: Five options of the kind a CS leader sets beside the plan.
FIVE_OPTIONS = [
    {"name": "SMB goes digital", "changes": {"segments[SMB].coverage": "digital",
                                             "segments[SMB].touchpoints[Quarterly health check].per_year": 0}},
    {"name": "Two EBRs a year", "changes": {"segments[Enterprise].touchpoints[Executive business review].per_year": 2}},
    {"name": "Mid-Market from $35k", "changes": {"segments[Mid-Market].min_arr": 35000}},
    {"name": "Time split 70%", "changes": {"csm.customer_time_share": 0.7}},
    {"name": "Monthly check-in every other month",
     "changes": {"segments[Mid-Market].touchpoints[Monthly check-in].per_month": 0.5}},
]


@budget("fit a 15-CSM cap on the default scenario and its default menu (median, after loading)", limit=1.0, unit="s")
def fit_default(smoke: bool) -> Measurement:
    context = load_context(DEFAULT_SCENARIO)
    menu = default_menu(context.scenario)
    fit(context, headcount=15, menu=menu)  # scipy imported once, as in a session
    seconds = median_seconds(lambda: fit(load_context(context.scenario, context.book), headcount=15, menu=menu),
                             repeat=1 if smoke else 5)
    # The processor time of one run beside the wall time: on a shared machine the two part ways.
    started = time.process_time()
    fit(load_context(context.scenario, context.book), headcount=15, menu=menu)
    return Measurement(seconds, f"{len(menu)} trade-offs; {time.process_time() - started:.2f} s of processor time")


@budget("compare 5 options on the default scenario (median, after loading)", limit=100, unit="ms")
def compare_five(smoke: bool) -> Measurement:
    context = load_context(DEFAULT_SCENARIO).with_changes({"options": FIVE_OPTIONS})

    def run() -> None:
        # A fresh context each time: nothing planned is reused from the run before.
        compare(load_context(context.scenario, context.book))

    automations = len(compare(context).automations)
    return Measurement(median_seconds(run, repeat=3 if smoke else 11) * 1000,
                       f"5 options, {automations} automations and the baseline")


@budget("fit a $2.4M budget on the default scenario's menu and automations (median, after loading)",
        limit=1.0, unit="s")
def fit_budget_with_automations(smoke: bool) -> Measurement:
    context = load_context(DEFAULT_SCENARIO)
    fit(context, budget=2_400_000)  # scipy imported once, as in a session
    seconds = median_seconds(lambda: fit(load_context(context.scenario, context.book), budget=2_400_000),
                             repeat=1 if smoke else 5)
    result = fit(load_context(context.scenario, context.book), budget=2_400_000)
    return Measurement(seconds, f"{len(result.menu)} items, {len(result.menu) - len(result.trade_offs)} of them "
                                f"automations; chose {len(result.best.chosen)}")


@budget("the business case of the default scenario: coverage changes and automations (median, after loading)",
        limit=300, unit="ms")
def business_case_default(smoke: bool) -> Measurement:
    from capacity.analysis.business_case import business_case

    context = load_context(DEFAULT_SCENARIO)

    def run() -> None:
        business_case(load_context(context.scenario, context.book))

    return Measurement(median_seconds(run, repeat=3 if smoke else 11) * 1000,
                       "options and trade-offs that change coverage, each automation adopted alone")


@budget("pin the what-if's sliders as an option, comparison table redrawn (median)", limit=50, unit="ms")
def pin_option(smoke: bool) -> Measurement:
    from capacity.views.widgets import build_workbook

    workbook = build_workbook(load_context(DEFAULT_SCENARIO))
    workbook.sliders[workbook.bench.knob("frequency", "Enterprise", 0)].value = 2.0

    def pin() -> None:
        workbook.pin("Twice a month")
        if len(workbook.pins.pins) > 5:
            workbook.clear_pins()

    return Measurement(median_seconds(pin, repeat=5 if smoke else 51) * 1000, "the widget's pin: changes, plan kept, table")
