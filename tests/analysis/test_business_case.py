"""The business case: which coverage change pays back most, by the user's retention data, worked by hand."""

from __future__ import annotations

import csv

import pytest

from capacity.analysis.business_case import business_case
from capacity.inputs.context import load_context

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO


def test_the_default_options_that_change_coverage_by_hand():
    # Retention: dedicated 92%, pooled 88%, digital 80%; gross margin 80%.
    # Mid-Market from $35k moves the accounts from $25k to $35k from dedicated Mid-Market to pooled SMB: 4 points of
    # their ARR lost a year; the plan drops from 19 to 16 CSMs ($450k a year).
    with open(DEFAULT_BOOK, newline="", encoding="utf-8") as f:
        moved = sum(float(r["arr"]) for r in csv.DictReader(f) if 25_000 <= float(r["arr"]) < 35_000)
    case = business_case(load_context(DEFAULT_SCENARIO))
    changes = {c.name: c for c in case.coverage_changes}
    assert set(changes) == {"Mid-Market from $35k", "SMB goes digital"}  # Two EBRs a year moves no ARR
    mid = changes["Mid-Market from $35k"]
    assert mid.source == "option"  # listed once, though the trade-off menu has it too
    assert mid.arr_kept_change_per_year == pytest.approx(-0.04 * moved)
    assert mid.gross_profit_change_per_year == pytest.approx(-0.8 * 0.04 * moved)
    assert mid.cost_change_per_year == -450_000
    assert mid.net_per_year == pytest.approx(450_000 - 0.8 * 0.04 * moved)
    # SMB goes digital: all of SMB's $15,975,010 from 88% to 80% kept: -$1,278,000.80 a year, -$1,022,400.64 of gross
    # profit, for $240k a year saved: -$782,400.64 net. It does not pay back; Mid-Market from $35k pays back most.
    smb = changes["SMB goes digital"]
    assert smb.arr_kept_change_per_year == pytest.approx(-1_278_000.8)
    assert smb.net_per_year == pytest.approx(-1_022_400.64 + 240_000)
    assert case.best_change is mid and case.coverage_changes[0] is mid
    # Moving SMB whole to dedicated keeps 4 points more ($639,000.40 a year): worth up to $511,200.32 a year more of
    # CS cost.
    up = next(m for m in case.moves if m.name == "SMB: pooled to dedicated")
    assert up.arr_kept_change_per_year == pytest.approx(639_000.4) and up.cost_change_per_year is None
    assert up.break_even_cost_change_per_year == pytest.approx(511_200.32) and up.net_per_year is None
    assert up.changes == {"segments[SMB].coverage": "dedicated"}
    assert len(case.moves) == 4 * 2  # each segment to each of the two other coverages
    assert [a.name for a in case.automations] == ["AI review prep", "Help-centre deflection"]


def test_without_retention_data_there_is_no_coverage_change_to_rank(example):
    example["options"] = [{"name": "Pooled", "changes": {"segments[Enterprise].coverage": "pooled"}}]
    case = business_case(load_context(example))
    assert case.coverage_changes == () and case.moves == () and case.best_change is None
    assert case.changes_frame().empty


def test_an_option_that_adds_coverage_pays_back_when_the_profit_beats_the_cost():
    data = {"csm": {"customer_time_share": 0.5, "loaded_cost_per_year": 100_000}, "gross_margin": 0.75,
            "retention_by_coverage": {"dedicated": 0.95, "pooled": 0.90},
            "segments": [{"name": "Mid", "min_arr": 0, "coverage": "pooled", "customers": 100, "arr": 10_000_000,
                          "touchpoints": [{"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1}]}],
            "options": [{"name": "Dedicated", "changes": {"segments[Mid].coverage": "dedicated",
                                                          "segments[Mid].touchpoints[Check-in].per_month": 4}}]}
    # Pooled: 100 x 0.5 h = 50 h / (156.67 x 0.5 = 78.33 h) -> 1 CSM. Dedicated, four check-ins: 200 h -> 2.55 FTE
    # -> 3 CSMs, $200k a year more; it keeps 5 points of $10M, $500k a year, $375k of gross profit: $175k net.
    (change,) = business_case(load_context(data)).coverage_changes
    assert change.cost_change_per_year == 200_000
    assert change.arr_kept_change_per_year == pytest.approx(500_000)
    assert change.net_per_year == pytest.approx(175_000)
