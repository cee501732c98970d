"""Sensitivity: how far the headcount moves when one driver moves by a fraction.

A *driver* is one number of the scenario a CS leader estimated: a touchpoint's
frequency or minutes, the customer time split, paid time off, a segment's new-customer
rate or a segment threshold: the knobs of :func:`capacity.model.knobs.tornado_knobs`.
:func:`moved_scenario` moves one of them by ``+/- fraction`` through
:meth:`~capacity.inputs.scenario.Scenario.with_changes`; :func:`tornado` does that for every
driver, both ways, sizes every end in one call of the sizing core, and reports the
steady-state headcount and cost of each (the data of a tornado chart).

Everything here is pure: no I/O, the scenario and book are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from capacity.inputs.book import Book
from capacity.inputs.context import Context, load_context
from capacity.exceptions import ScenarioError
from capacity.model.knobs import Knob, tornado_knobs
from capacity.model.plan import Plan, _check_staffable, plan
from capacity.inputs.scenario import Scenario
from capacity.model.sizing import size, variants

__all__ = ["DriverImpact", "Sensitivity", "moved_scenario", "tornado", "DEFAULT_CHANGE"]

#: The default move: every driver 20% down and 20% up.
DEFAULT_CHANGE = 0.20


@dataclass(frozen=True)
class DriverImpact:
    """Steady-state headcount and cost with one driver moved down (``low_``) and up (``high_``)."""

    driver: Knob
    low_value: float
    high_value: float
    low_headcount: int
    high_headcount: int
    low_cost: float
    high_cost: float
    low_fte: float
    high_fte: float

    @property
    def swing(self) -> int:
        """Headcount between the two ends [people]: the length of the tornado bar."""
        return abs(self.high_headcount - self.low_headcount)

    @property
    def fte_swing(self) -> float:
        """FTE between the two ends [FTE]: ranks drivers whose headcount swing ties."""
        return abs(self.high_fte - self.low_fte)


@dataclass(frozen=True)
class Sensitivity:
    """Every driver moved by ``+/- change``, largest headcount swing first."""

    change: float
    base_headcount: int
    base_cost: float
    base_fte: float
    impacts: tuple[DriverImpact, ...]

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "change": self.change,
            "base_headcount": self.base_headcount,
            "base_cost": self.base_cost,
            "base_fte": self.base_fte,
            "impacts": [
                {**{f.name: getattr(i, f.name) for f in fields(i) if f.name != "driver"}, **_driver_dict(i.driver),
                 "swing": i.swing}
                for i in self.impacts
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per driver: driver, low/base/high headcount, low/base/high cost, swing."""
        rows = [
            {
                "driver": i.driver.label,
                "parameter": i.driver.parameter,
                "key": i.driver.key,
                "value": i.driver.value,
                "low_value": i.low_value,
                "high_value": i.high_value,
                "low_headcount": i.low_headcount,
                "base_headcount": self.base_headcount,
                "high_headcount": i.high_headcount,
                "low_cost": i.low_cost,
                "base_cost": self.base_cost,
                "high_cost": i.high_cost,
                "low_fte": i.low_fte,
                "base_fte": self.base_fte,
                "high_fte": i.high_fte,
                "swing": i.swing,
            }
            for i in self.impacts
        ]
        columns = ["driver", "parameter", "key", "value", "low_value", "high_value", "low_headcount",
                   "base_headcount", "high_headcount", "low_cost", "base_cost", "high_cost", "low_fte", "base_fte", "high_fte", "swing"]
        return pd.DataFrame(rows, columns=columns)


def _driver_dict(driver: Knob) -> dict:
    return {"driver": driver.label, "parameter": driver.parameter, "key": driver.key, "value": driver.value}


def moved_scenario(scenario: Scenario, knob: Knob, fraction: float) -> Scenario:
    """``scenario`` with ``knob`` moved by ``fraction`` (``0.2`` is +20%), through
    :meth:`~capacity.inputs.scenario.Scenario.with_changes`.

    Moving the time split of a scenario that lists ``internal_activities`` replaces them with
    the equivalent ``customer_time_share``, moved.

    Raises
    ------
    ScenarioError
        When the moved value is not a valid scenario (e.g. two thresholds meet), naming the knob's key.
    """
    try:
        return scenario.with_changes(knob.changes(knob.moved(fraction)))
    except ScenarioError as exc:
        raise ScenarioError(f"moved by {fraction:+.0%}: {exc.message}", file=scenario.source, where=knob.path) from None


def tornado(scenario: Context | Scenario | dict | str, book: Book | str | None = None, *, change: float = DEFAULT_CHANGE,
            base: Plan | None = None) -> Sensitivity:
    """Steady-state headcount and cost with each driver moved by ``-change`` and ``+change``.

    Drivers whose move would make an invalid scenario (two thresholds meeting, PTO
    filling the year) are left out. Customers and ARR per segment are computed once and
    reused, except for threshold moves, which re-split the book.

    Parameters
    ----------
    scenario : Scenario, dict or path
    book : Book or path, optional
        As for :func:`capacity.model.plan`; the scenario's own book when omitted.
    change : float
        Relative move of every driver, in (0, 1) [-]; 0.2 is +/-20%.
    base : Plan, optional
        The plan of ``scenario`` and ``book`` if already computed.

    Returns
    -------
    Sensitivity
        Impacts sorted by headcount swing (largest first), then FTE swing, then scenario order.
    """
    if not 0 < change < 1:
        raise ScenarioError(f"must be between 0 and 1 (got {change!r})", where="change")
    context = load_context(scenario, book)
    scenario, book = context.scenario, context.book
    base = base if base is not None else plan(context)
    kept, ends = [], []
    for knob in tornado_knobs(scenario, with_thresholds=book is not None):
        try:
            ends += [variants(moved_scenario(scenario, knob, -change), book),
                     variants(moved_scenario(scenario, knob, +change), book)]
        except ScenarioError:
            continue
        kept.append(knob)
    # Every end of every bar in one call of the sizing core: rows 2k and 2k + 1 are knob k's.
    sized = size(ends[0].stack(ends[1:])) if ends else None
    impacts = []
    for k, knob in enumerate(kept):
        low, high = 2 * k, 2 * k + 1
        _check_staffable(scenario, sized.fte[low])
        _check_staffable(scenario, sized.fte[high])
        impacts.append(
            DriverImpact(
                driver=knob,
                low_value=knob.moved(-change),
                high_value=knob.moved(+change),
                low_headcount=int(sized.total_headcount[low]),
                high_headcount=int(sized.total_headcount[high]),
                low_cost=float(sized.total_cost[low]),
                high_cost=float(sized.total_cost[high]),
                low_fte=float(sized.total_fte[low]),
                high_fte=float(sized.total_fte[high]),
            )
        )
    order = sorted(range(len(impacts)), key=lambda i: (-impacts[i].swing, -impacts[i].fte_swing, i))
    totals = base.totals
    return Sensitivity(change, totals.headcount, totals.cost_per_year, totals.fte, tuple(impacts[i] for i in order))
