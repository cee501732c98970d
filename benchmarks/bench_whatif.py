"""Budgets of the what-if workbook: a slider move recomputes at once, on any size of book."""

from __future__ import annotations

import numpy as np

from capacity import load_scenario
from capacity.model.knobs import Knob
from capacity.analysis.whatif import Workbench
from capacity.views.widgets import build_workbook

from .books import DEFAULT_SCENARIO, in_memory_book
from .harness import Measurement, budget, median_seconds

# Sliders by kind, segment and touchpoint (looked up on each workbench).
THRESHOLD = ("threshold", "Mid-Market")
FREQUENCY = ("frequency", "Enterprise", 0)
SPLIT = ("time_split",)
AUTOMATION = ("automation", "SMB", "Inbound questions")


def _recompute_ms(bench: Workbench, spec: tuple, repeat: int = 21) -> float:
    """Median time of the model's work for one move of a slider: the plan and nothing drawn [ms]."""
    lever = bench.knob(*spec)
    values = iter(np.resize(_values(bench, lever), 1000))

    def move() -> None:
        bench.recompute(bench.base.with_value(lever, next(values)))

    return median_seconds(move, repeat=repeat) * 1000


def _values(bench: Workbench, lever: Knob) -> np.ndarray:
    if lever.kind == "threshold":
        return bench.threshold_values(lever, bench.base)
    return bench.slider_values(lever)


def _recompute_budget(lever: tuple, smoke: bool, note_sizes: bool) -> Measurement:
    scenario = load_scenario(DEFAULT_SCENARIO)
    sizes = (2_000,) if smoke else (10_000, 100_000, 1_000_000)
    medians = {}
    for accounts in sizes:
        bench = Workbench(scenario, in_memory_book(accounts))  # sorts the book once, as opening the workbook does
        medians[accounts] = _recompute_ms(bench, lever)
    note = f"{sizes[-1]:,} accounts"
    if note_sizes:
        note += "; medians " + ", ".join(f"{n:,}: {ms:.2f} ms" for n, ms in medians.items())
    return Measurement(medians[sizes[-1]], note)


@budget("what-if recompute after a threshold move, 1M accounts (median)", limit=50, unit="ms")
def threshold_move(smoke: bool) -> Measurement:
    return _recompute_budget(THRESHOLD, smoke, note_sizes=False)


@budget("what-if recompute after a touchpoint frequency move, 1M accounts (median)", limit=50, unit="ms")
def frequency_move(smoke: bool) -> Measurement:
    return _recompute_budget(FREQUENCY, smoke, note_sizes=True)


@budget("what-if recompute after a time-split move, 1M accounts (median)", limit=50, unit="ms")
def split_move(smoke: bool) -> Measurement:
    return _recompute_budget(SPLIT, smoke, note_sizes=True)


@budget("what-if recompute after an automation share move, 1M accounts (median)", limit=50, unit="ms")
def automation_move(smoke: bool) -> Measurement:
    return _recompute_budget(AUTOMATION, smoke, note_sizes=True)


@budget("what-if automation slider callback with every chart updated, 100k accounts (median)", limit=1000, unit="ms")
def automation_callback(smoke: bool) -> Measurement:
    accounts = 2_000 if smoke else 100_000
    workbook = build_workbook(load_scenario(DEFAULT_SCENARIO), in_memory_book(accounts))
    lever = workbook.bench.knob(*AUTOMATION)
    moves = iter(list(_values(workbook.bench, lever)) * 10)

    def move() -> None:
        workbook.sliders[lever].value = next(moves)

    return Measurement(median_seconds(move, repeat=21) * 1000,
                       f"{accounts:,} accounts, the help centre's share 0 to 100%")


@budget("what-if slider callback with every chart updated, 100k accounts (median)", limit=1000, unit="ms")
def full_callback(smoke: bool) -> Measurement:
    """A slider moved on the built widgets: plan, curves, histogram, table, sentence and the
    FigureWidget traces updated in place (no browser attached: the drawing itself is the
    browser's and is not timed here)."""
    accounts = 2_000 if smoke else 100_000
    workbook = build_workbook(load_scenario(DEFAULT_SCENARIO), in_memory_book(accounts))
    moves = []
    for spec in (THRESHOLD, FREQUENCY, SPLIT):
        lever = workbook.bench.knob(*spec)
        values = _values(workbook.bench, lever)
        moves += [(lever, v) for v in values[:: max(1, len(values) // 7)]]
    moves = iter(moves * 10)

    def move() -> None:
        lever, value = next(moves)
        workbook.sliders[lever].value = value

    return Measurement(median_seconds(move, repeat=21) * 1000, f"{accounts:,} accounts, threshold/frequency/split moves")
