"""The command line's text tables: the content's numbers, formatted, nothing recomputed."""

from __future__ import annotations

from capacity import fiscal_plan, load_scenario, plan
from capacity import formatting as fmt
from capacity.views.text import render_fiscal, render_plan

from tests.conftest import DATA, DEFAULT_SCENARIO


def test_plan_total_row_shows_the_plans_totals():
    result = plan(load_scenario(DEFAULT_SCENARIO))
    total = next(line for line in render_plan(result).splitlines() if line.startswith("Total")).split()
    t = result.totals
    assert total == ["Total", f"{t.customers:,}", fmt.money_short(t.arr), f"{t.fte:.2f}", str(t.headcount),
                     fmt.money_short(t.cost_per_year), fmt.money_short(t.arr_per_csm)]


def test_fiscal_year_rows_are_the_fiscal_plans_year_totals():
    for path in (DEFAULT_SCENARIO, DATA / "scenario-healthcare-pool.yaml"):
        result = fiscal_plan(load_scenario(path))
        years = [line.split() for line in render_fiscal(result).splitlines() if line.startswith("Year ")]
        assert len(years) == len(result.segments) + 1  # one per segment, then all segments
        for name, shown in zip([*result.segments, None], years):
            year = result.year_totals(name)
            assert shown == ["Year", f"{year['customers']:,.0f}", f"{year['new_customers']:,.0f}",
                             fmt.money_short(year["arr"]), f"{year['headcount']:,}",
                             *(f"{year[k]:,}" for k in ("requisitions_opened", "hires_started", "leavers", "managers")),
                             fmt.money(year["cost"])]
        assert years[-1][-1] == fmt.money(result.summary.total_cost)
