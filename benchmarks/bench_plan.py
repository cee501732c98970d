"""Budgets of recomputing the steady-state plan after one lever moves (the what-if's core).

Thresholds are searched in the book's sorted ARR; frequency and split changes do not touch
the accounts at all, so their time must not grow with the book: the notes print the median
at 10k, 100k and 1M accounts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from capacity import Book, Scenario, load_scenario, plan
from capacity.segments import segment_sizes

from .harness import Measurement, budget, median_seconds

DEFAULT_SCENARIO = "data/scenario.yaml"
SIZES = (10_000, 100_000, 1_000_000)
SMOKE_SIZES = (1_000, 10_000)


def _book(accounts: int) -> Book:
    rng = np.random.default_rng(1)
    arr = np.round(np.exp(rng.normal(np.log(8000), 1.3, accounts)), -1)
    book = Book.from_frame(pd.DataFrame({"account_id": np.arange(accounts).astype(str), "arr": arr}))
    book.sorted  # built once when the book is opened, as the what-if does
    return book


def _frequency(scenario: Scenario, factor: float) -> Scenario:
    segment = scenario.segments[0]
    first = segment.touchpoints[0]
    changed = first.model_copy(update={"per_month": first.frequency_per_month * factor, "per_year": None})
    segment = segment.model_copy(update={"touchpoints": (changed, *segment.touchpoints[1:])})
    return scenario.model_copy(update={"segments": (segment, *scenario.segments[1:])})


def _split(scenario: Scenario, factor: float) -> Scenario:
    share = min(1.0, scenario.csm.share * factor)
    return scenario.model_copy(update={"csm": scenario.csm.model_copy(update={"customer_time_share": share})})


def _medians(recompute: Callable[[Scenario, Book, float], object], sizes) -> list[float]:
    scenario = load_scenario(DEFAULT_SCENARIO)
    medians = []
    for accounts in sizes:
        book = _book(accounts)
        factors = iter(np.linspace(0.5, 1.5, 1000))
        medians.append(median_seconds(lambda: recompute(scenario, book, next(factors)), repeat=21) * 1000)
    return medians


def _measure(recompute, smoke: bool) -> Measurement:
    sizes = SMOKE_SIZES if smoke else SIZES
    medians = _medians(recompute, sizes)
    note = ", ".join(f"{n:,}: {m:.2f} ms" for n, m in zip(sizes, medians))
    return Measurement(medians[-1], f"median at {note}")


@budget("plan after a threshold change, 1M accounts (median)", limit=50, unit="ms")
def threshold_recompute(smoke: bool) -> Measurement:
    def recompute(scenario, book, factor):
        mins = np.array([s.min_arr for s in scenario.segments]) * factor
        plan(scenario, sizes=segment_sizes(scenario, book, min_arr=mins))

    return _measure(recompute, smoke)


@budget("plan after a touchpoint frequency change, 1M accounts (median)", limit=50, unit="ms")
def frequency_recompute(smoke: bool) -> Measurement:
    return _measure(lambda scenario, book, factor: plan(_frequency(scenario, factor), book), smoke)


@budget("plan after a customer/company split change, 1M accounts (median)", limit=50, unit="ms")
def split_recompute(smoke: bool) -> Measurement:
    return _measure(lambda scenario, book, factor: plan(_split(scenario, factor), book), smoke)
