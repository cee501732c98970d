"""The benchmark harness: budgets are declared where they are measured.

A benchmark module ``benchmarks/bench_<topic>.py`` declares functions with
:func:`budget`; each takes ``smoke: bool`` (small sizes, for ``make test``) and returns
the measured figure in the budget's unit. ``python -m benchmarks`` runs them all and
prints one line per budget; it exits 1 when a budget fails (not in ``--smoke`` runs,
where sizes are too small for the budgets to mean anything and only breakage fails).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Budget", "budget", "REGISTRY", "median_seconds", "Measurement"]


@dataclass(frozen=True)
class Budget:
    name: str
    limit: float
    unit: str
    run: Callable[[bool], "float | Measurement"]


@dataclass(frozen=True)
class Measurement:
    """A figure and a short note printed beside it (sizes, medians at other sizes)."""

    value: float
    note: str = ""


REGISTRY: list[Budget] = []


def budget(name: str, limit: float, unit: str):
    """Declare that the decorated function's figure must stay at or below ``limit`` ``unit``."""

    def register(run):
        REGISTRY.append(Budget(name, limit, unit, run))
        return run

    return register


def median_seconds(call: Callable[[], object], repeat: int = 7) -> float:
    """Median wall time of ``call`` over ``repeat`` runs [s]."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
