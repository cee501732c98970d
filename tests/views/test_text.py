"""The command line's text tables: the content's numbers, formatted, nothing recomputed."""

from __future__ import annotations

import datetime

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


def test_the_rebalance_as_text_states_each_objective_and_each_move_with_its_reason():
    from capacity.analysis.rebalance import rebalance
    from capacity.views.text import render_rebalance
    from tests.rebalance_reference import Account, Case

    accounts = [Account("A1", 30_000, "Ann", 3, renewal=datetime.date(2027, 8, 1), health="Red"),
                Account("A2", 20_000, "Ann", 3), Account("A3", 10_000, "Ann", 3), Account("B1", 40_000, "Bob", 2)]
    case = Case(accounts, move_tolerance=0.0)
    result = rebalance(case.scenario(), case.book())
    text = render_rebalance(result)
    lines = text.splitlines()
    assert lines[0] == "One segment: book building as of 2027-01-01, band [0%, 85%] utilization"
    assert "  1. every CSM within [0%, 85%] utilization" in text and "Every CSM within the band (proven optimal)." in text
    assert f"Least move cost {result.objectives[1].value:,.2f} (proven optimal)" in text
    move = result.moves[0]
    row = next(line for line in lines if line.startswith(move.account_id))
    assert move.reason in row and "Ann" in row and "Bob" in row and move.effective in row
    assert "Renewals after Q1/Q2/Q3/Q4" in text
    assert any(line.split()[:4] == ["Key", "at-risk", "accounts", "(Red)"] for line in lines)
    assert "Moves: 1 account, $10k ARR, 3.0 h/month." in text
    assert lines[-1] == result.notes[-1]
