"""Budgets of the steady-state plan."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity import Book, load_scenario, plan
from capacity.segments import segment_sizes

from .harness import Measurement, budget, median_seconds

DEFAULT_SCENARIO = "data/scenario.yaml"


def _book(accounts: int) -> Book:
    rng = np.random.default_rng(1)
    arr = np.round(np.exp(rng.normal(np.log(8000), 1.3, accounts)), -1)
    return Book.from_frame(pd.DataFrame({"account_id": np.arange(accounts).astype(str), "arr": arr}))


@budget("plan recompute after a threshold change, 1M accounts (median)", limit=50, unit="ms")
def threshold_recompute(smoke: bool) -> Measurement:
    accounts = 10_000 if smoke else 1_000_000
    scenario = load_scenario(DEFAULT_SCENARIO)
    book = _book(accounts)
    plan(scenario, book)  # the book's sorted ARR is built once, as the what-if does on open
    mins = np.array([s.min_arr for s in scenario.segments])
    shifted = iter(np.linspace(0.5, 1.5, 1000))

    def move_threshold() -> None:
        sizes = segment_sizes(scenario, book, min_arr=mins * next(shifted))
        plan(scenario, sizes=sizes)

    return Measurement(median_seconds(move_threshold, repeat=21) * 1000, f"{accounts:,} accounts")
