"""How the book grows: each segment's new customers month by month, over a plan of one year or several.

A segment's arrivals are given one of these ways (:class:`capacity.inputs.scenario.Segment`), each read one way:

- ``new_customers_per_month: 12``: every month alike;
- ``new_customers_per_month: [...]``: one number per month of the plan, or, in a plan longer than a year,
  12 numbers: one year's months, repeated each year;
- ``new_customers_per_month_by_year: [40, 50, 60]``: one monthly figure per year of the plan;
- nothing: today's customers x ``new_customer_rate`` / 12 a month.

``new_customers_growth_per_year`` grows the first three by year (each year's arrivals the year before's
times ``1 + g``, :func:`capacity.formulas.growth.arrivals_by_year`). Past the plan's end (the hiring rule
looks a few months ahead) a per-month list repeats from its first month, a yearly list holds its last
year, and a growth rate keeps growing.
"""

from __future__ import annotations

import numpy as np

from capacity.formulas import growth, workload
from capacity.inputs.scenario import Scenario

__all__ = ["arrival_pattern", "arrivals", "arrivals_note"]


def arrival_pattern(scenario: Scenario, s: int, customers: float) -> np.ndarray:
    """Segment ``s``'s first year of arrivals, month by month, as it repeats (before the plan too).

    ``customers`` are its customers today (for the default rate). A list given per month is returned
    as given; a number (or a yearly list's first year) fills the plan's months.
    """
    fiscal = scenario.fiscal_year
    seg = scenario.segments[s]
    monthly = seg.new_customers_per_month
    if isinstance(monthly, tuple):
        return np.array(monthly, dtype=float)
    if seg.new_customers_per_month_by_year is not None:
        return np.full(fiscal.months, float(seg.new_customers_per_month_by_year[0]))
    if monthly is None:
        return np.full(fiscal.months, customers * seg.new_customer_rate / workload.MONTHS_PER_YEAR)
    return np.full(fiscal.months, float(monthly))


def arrivals(scenario: Scenario, s: int, customers: float, horizon: int) -> np.ndarray:
    """Segment ``s``'s new customers in each of the plan's first ``horizon`` months [customers/month].

    See the module for how each way of giving them is read; ``customers`` are the segment's today.
    """
    seg = scenario.segments[s]
    months = np.arange(horizon)
    by_year = seg.new_customers_per_month_by_year
    if by_year is not None:
        years = np.minimum(growth.year_of_month(months), len(by_year) - 1)
        return np.array(by_year, dtype=float)[years]
    pattern = arrival_pattern(scenario, s, customers)
    if seg.new_customers_growth_per_year is None:
        return pattern[months % len(pattern)]
    return growth.arrivals_by_year(pattern, seg.new_customers_growth_per_year, months)


def arrivals_note(scenario: Scenario, s: int, customers: int) -> str | None:
    """What the plan assumed for a segment that gives no arrivals of its own (None when it gives them)."""
    seg = scenario.segments[s]
    if seg.new_customers_per_month is not None or seg.new_customers_per_month_by_year is not None:
        return None
    if seg.new_customer_rate <= 0:
        return None
    each = customers * seg.new_customer_rate / workload.MONTHS_PER_YEAR
    grown = ("" if seg.new_customers_growth_per_year is None
             else f", growing {seg.new_customers_growth_per_year:.0%} a year")
    return (f"{seg.name}: new_customers_per_month not given; {each:.1f} a month assumed "
            f"({customers:,} customers x new_customer_rate {seg.new_customer_rate:g} / 12){grown}.")
