"""Sensitivity: how far the headcount moves when one driver moves by a fraction.

A *driver* is one number of the scenario a CS leader estimated: a touchpoint's
frequency or minutes, the customer time split, paid time off, a segment's new-customer
rate or a segment threshold. :func:`apply_change` moves one of them by ``+/- fraction``
and returns a new, validated :class:`~capacity.scenario.Scenario`; :func:`tornado` does
that for every driver, both ways, and reports the steady-state headcount and cost of
each (the data of a tornado chart).

Everything here is pure: no I/O, the scenario and book are never changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd
from pydantic import ValidationError

from .book import Book, load_book
from .exceptions import ScenarioError
from .plan import Plan, plan
from .scenario import Scenario, load_scenario
from .segments import segment_sizes

__all__ = ["Driver", "DriverImpact", "Sensitivity", "drivers", "apply_change", "moved_value", "tornado"]

Parameter = Literal["frequency", "minutes", "time_split", "pto_days", "new_customer_rate", "threshold"]

#: The move of the issue: every driver 20% down and 20% up.
DEFAULT_CHANGE = 0.20


@dataclass(frozen=True)
class Driver:
    """One estimated number of a scenario.

    ``segment`` and ``touchpoint`` are indexes into ``scenario.segments`` and its
    ``touchpoints`` (None where they do not apply); ``field`` is a frequency's key
    (``per_month`` or ``per_year``); ``value`` is the number as the
    scenario has it, in the unit of ``parameter`` (times per month or per year, minutes,
    share of working time, days a year, share of customers new a year, USD of ARR).
    """

    parameter: Parameter
    label: str
    value: float
    segment: int | None = None
    touchpoint: int | None = None
    field: str = ""

    @property
    def key(self) -> str:
        """Where the driver sits in the scenario file, e.g. ``segments[0].touchpoints[2].per_month``."""
        if self.parameter == "time_split":
            return "csm.customer_time_share"
        if self.parameter == "pto_days":
            return "csm.pto_days"
        if self.parameter == "new_customer_rate":
            return f"segments[{self.segment}].new_customer_rate"
        if self.parameter == "threshold":
            return f"segments[{self.segment}].min_arr"
        return f"segments[{self.segment}].touchpoints[{self.touchpoint}].{self.field or self.parameter}"


@dataclass(frozen=True)
class DriverImpact:
    """Steady-state headcount and cost with one driver moved down (``low_``) and up (``high_``)."""

    driver: Driver
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
                {**{k: v for k, v in asdict(i).items() if k != "driver"}, **_driver_dict(i.driver), "swing": i.swing}
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


def _driver_dict(driver: Driver) -> dict:
    return {"driver": driver.label, "parameter": driver.parameter, "key": driver.key, "value": driver.value}


def drivers(scenario: Scenario, *, with_thresholds: bool = True) -> tuple[Driver, ...]:
    """Every driver of a scenario that can move its headcount.

    Listed: each touchpoint's frequency (not for one-time touchpoints, which happen once
    per new customer) and minutes; the customer time split; PTO days; the new-customer
    rate of each segment that has a one-time touchpoint; and the ``min_arr`` of each
    segment above zero (only meaningful with a book of accounts: ``with_thresholds``).

    Parameters
    ----------
    scenario : Scenario
    with_thresholds : bool
        List the segment thresholds (False when customers and ARR come from the scenario).

    Returns
    -------
    tuple of Driver
        In scenario order: touchpoints by segment, then CSM time, then rates, then thresholds.
    """
    out: list[Driver] = []
    for s, seg in enumerate(scenario.segments):
        for t, tp in enumerate(seg.touchpoints):
            if tp.kind != "one_time":
                key = "per_month" if tp.per_month is not None else "per_year"
                unit = "a month" if tp.per_month is not None else "a year"
                out.append(Driver("frequency", f"{seg.name}: {tp.name}, times {unit}", float(getattr(tp, key)), s, t, key))
            out.append(Driver("minutes", f"{seg.name}: {tp.name}, minutes", float(tp.minutes), s, t))
    out.append(Driver("time_split", "Share of CSM time on customers", float(scenario.csm.share)))
    out.append(Driver("pto_days", "PTO days a year", float(scenario.csm.pto_days)))
    for s, seg in enumerate(scenario.segments):
        if any(tp.kind == "one_time" for tp in seg.touchpoints):
            out.append(Driver("new_customer_rate", f"{seg.name}: new-customer rate", float(seg.new_customer_rate), s))
    if with_thresholds:
        for s, seg in enumerate(scenario.segments):
            if seg.min_arr > 0:
                out.append(Driver("threshold", f"{seg.name}: ARR threshold", float(seg.min_arr), s))
    return tuple(out)


def moved_value(driver: Driver, fraction: float) -> float:
    r"""The driver's value moved by ``fraction``: :math:`v (1 + f)`.

    The customer time split is a share of working time and is capped at 1.

    Parameters
    ----------
    driver : Driver
    fraction : float
        Relative change, e.g. ``0.2`` for +20% or ``-0.2`` for -20% [-].

    Returns
    -------
    float
        In the unit of ``driver.value``.
    """
    value = driver.value * (1.0 + fraction)
    if driver.parameter == "time_split":
        value = min(value, 1.0)
    return value


def apply_change(scenario: Scenario, driver: Driver, fraction: float) -> Scenario:
    """A new scenario with ``driver`` moved by ``fraction`` (``0.2`` is +20%); validated.

    Moving the time split of a scenario that lists ``internal_activities`` replaces them
    with the equivalent ``customer_time_share``, moved.

    Raises
    ------
    ScenarioError
        When the moved value is not a valid scenario (e.g. two thresholds meet), naming
        the driver's key.
    """
    data = scenario.model_dump()
    value = moved_value(driver, fraction)
    if driver.parameter == "time_split":
        data["csm"]["customer_time_share"] = value
        data["csm"]["internal_activities"] = None
    elif driver.parameter == "pto_days":
        data["csm"]["pto_days"] = value
    elif driver.parameter == "new_customer_rate":
        data["segments"][driver.segment]["new_customer_rate"] = value
    elif driver.parameter == "threshold":
        data["segments"][driver.segment]["min_arr"] = value
    else:
        touchpoint = data["segments"][driver.segment]["touchpoints"][driver.touchpoint]
        if driver.parameter == "minutes":
            touchpoint["minutes"] = value
        elif touchpoint["per_month"] is not None:
            touchpoint["per_month"] = value
        else:
            touchpoint["per_year"] = value
    try:
        moved = Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError(f"moved by {fraction:+.0%}: {first}", file=scenario.source, where=driver.key) from None
    moved._source = scenario.source
    return moved


def tornado(scenario: Scenario | dict | str, book: Book | str | None = None, *, change: float = DEFAULT_CHANGE,
            base: Plan | None = None) -> Sensitivity:
    """Steady-state headcount and cost with each driver moved by ``-change`` and ``+change``.

    Drivers whose move would make an invalid scenario (two thresholds meeting, PTO
    filling the year) are left out. Customers and ARR per segment are computed once and
    reused, except for threshold moves, which re-split the book.

    Parameters
    ----------
    scenario : Scenario, dict or path
    book : Book or path, optional
        As for :func:`capacity.plan`; the scenario's own book when omitted.
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
    scenario = load_scenario(scenario)
    if book is None and scenario.book is not None:
        book = scenario.book
    if book is not None and not isinstance(book, Book):
        book = load_book(book, columns=scenario.book_columns)
    sizes = segment_sizes(scenario, book)
    base = base if base is not None else plan(scenario, sizes=sizes)
    impacts = []
    for driver in drivers(scenario, with_thresholds=book is not None):
        try:
            low = apply_change(scenario, driver, -change)
            high = apply_change(scenario, driver, +change)
        except ScenarioError:
            continue
        if driver.parameter == "threshold":
            low_plan, high_plan = plan(low, book), plan(high, book)
        else:
            low_plan, high_plan = plan(low, sizes=sizes), plan(high, sizes=sizes)
        impacts.append(
            DriverImpact(
                driver=driver,
                low_value=moved_value(driver, -change),
                high_value=moved_value(driver, +change),
                low_headcount=low_plan.totals.headcount,
                high_headcount=high_plan.totals.headcount,
                low_cost=low_plan.totals.cost_per_year,
                high_cost=high_plan.totals.cost_per_year,
                low_fte=low_plan.totals.fte,
                high_fte=high_plan.totals.fte,
            )
        )
    order = sorted(range(len(impacts)), key=lambda i: (-impacts[i].swing, -impacts[i].fte_swing, i))
    totals = base.totals
    return Sensitivity(change, totals.headcount, totals.cost_per_year, totals.fte, tuple(impacts[i] for i in order))
