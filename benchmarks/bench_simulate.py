"""Budgets of the fiscal-year simulation: 10,000 draws of the default year with every output."""

from __future__ import annotations

import statistics
import time
import tracemalloc

from capacity import load_scenario
from capacity.model.fiscal import fiscal_plan
from capacity.model.plan import plan
from capacity.analysis.simulate import simulate

from .harness import Measurement, budget, median_seconds

_SCENARIO = "capacity/sample/scenario.yaml"


def _inputs(smoke: bool):
    scenario = load_scenario(_SCENARIO)  # the default: 12 months, 4 segments, every input uncertain
    return scenario, plan(scenario), fiscal_plan(scenario), (200 if smoke else 10_000)


@budget("simulation, 10,000 draws of the default year, all outputs and variance shares (median)", limit=1.0, unit="s")
def simulation_time(smoke: bool) -> Measurement:
    scenario, steady, base, draws = _inputs(smoke)
    cpu = []

    def run():
        start = time.process_time()
        simulate(scenario, draws=draws, steady=steady, base=base)
        cpu.append(time.process_time() - start)

    seconds = median_seconds(run, repeat=3 if smoke else 7)
    # CPU time beside the wall time: on a shared machine the difference is other processes' turn.
    return Measurement(seconds, f"{draws:,} draws, 12 months, 4 segments, 5 uncertain inputs; plans made once; "
                                f"median CPU time {statistics.median(cpu):.2f} s")


@budget("simulation, 10,000 draws of the default year, peak memory", limit=500, unit="MB")
def simulation_memory(smoke: bool) -> Measurement:
    scenario, steady, base, draws = _inputs(smoke)
    tracemalloc.start()
    simulate(scenario, draws=draws, steady=steady, base=base)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measurement(peak / 2**20, f"{draws:,} draws, numpy arrays traced (tracemalloc)")
