"""The starting scenario of `capacity init`: tiers proposed from a book's ARR, written as an editable scenario."""

from __future__ import annotations

import datetime
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import capacity
from capacity.inputs.starter import (MIN_ACCOUNTS_PER_TIER, TIER_SHARES, SegmentDraft, TouchpointDraft, drafts, library,
                                     nice_amount, propose_segments, scenario_yaml, tier_sizes)

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO


@pytest.mark.parametrize("value, expected", [
    (100_000, 100_000), (92_000, 100_000), (70_800, 100_000), (70_700, 50_000),  # sqrt(50k x 100k) = 70,711
    (35_400, 50_000), (35_300, 25_000), (15_900, 25_000), (15_800, 10_000), (1, 1), (0.4, 0.5), (0, 0), (-5, 0),
])
def test_nice_amount_is_the_nearest_of_1_2_5_and_5_on_a_log_scale(value, expected):
    # Between 25k and 50k the log midpoint is sqrt(25k x 50k) = 35,355; between 10k and 25k, 15,811.
    assert nice_amount(value) == expected


def test_nice_amount_takes_arrays_as_scalars():
    values = np.array([92_000, 21_300, 3_700, 0])
    assert nice_amount(values).tolist() == [nice_amount(v) for v in values] == [100_000, 25_000, 5_000, 0]


def test_the_sample_book_gives_the_sample_companys_tiers():
    book = capacity.load_book(DEFAULT_BOOK)
    proposed = propose_segments(book.arr_cents)
    assert [(s.name, s.min_arr, s.coverage) for s in proposed] == [
        ("Enterprise", 100_000, "dedicated"), ("Mid-Market", 25_000, "dedicated"), ("SMB", 5_000, "pooled"),
        ("Long tail", 0, "digital")]
    # The same cut as the sample scenario's own thresholds.
    sizes = capacity.plan(DEFAULT_SCENARIO).segments
    assert [s.accounts for s in proposed] == [s.customers for s in sizes] == [81, 492, 1343, 1084]
    assert sum(s.arr for s in proposed) == pytest.approx(book.total_arr, abs=0.005)


def test_a_hand_worked_book():
    # 100 accounts: 5 at 300k, 15 at 60k, 40 at 8k, 40 at 1k. Top 3% is the 3rd account (300k -> 250k);
    # top 20% the 20th (60k -> 50k); top 65% the 65th (1k -> 1k).
    cents = np.array([300_000] * 5 + [60_000] * 15 + [8_000] * 40 + [1_000] * 40) * 100
    proposed = propose_segments(cents)
    # Thresholds 250k, 50k, 1k. The 250k tier holds 5 accounts (< 10): it joins the 50k tier below. The bottom
    # tier (below 1k) holds none: it joins the 1k tier above, which then starts at 0.
    assert [(s.name, s.min_arr, s.coverage, s.accounts, s.arr) for s in proposed] == [
        ("Enterprise", 50_000, "dedicated", 20, 5 * 300_000 + 15 * 60_000),
        ("SMB", 0, "pooled", 80, 40 * 8_000 + 40 * 1_000)]


@given(st.lists(st.integers(min_value=0, max_value=5_000_000_00), min_size=1, max_size=400))
@settings(max_examples=200, deadline=None)
def test_every_proposal_is_a_partition_of_the_book(cents):
    cents = np.array(cents, dtype=np.int64)
    proposed = propose_segments(cents)
    bounds = [s.min_arr for s in proposed]
    assert bounds[-1] == 0 and all(a > b for a, b in zip(bounds, bounds[1:]))
    assert sum(s.accounts for s in proposed) == len(cents)
    assert sum(round(s.arr * 100) for s in proposed) == int(cents.sum())
    if len(proposed) > 1:
        assert all(s.accounts >= MIN_ACCOUNTS_PER_TIER for s in proposed)
    for s, top in zip(proposed, [math.inf, *bounds]):
        inside = (cents >= round(s.min_arr * 100)) & (cents < top * 100)
        assert int(inside.sum()) == s.accounts
        assert s.min_arr == 0 or nice_amount(s.min_arr) == s.min_arr
    assert len(proposed) <= len(TIER_SHARES) + 1


def test_small_and_narrow_books_get_fewer_tiers():
    assert [s.name for s in propose_segments(np.full(8, 5_000_00))] == ["Customers"]
    plg = propose_segments(np.linspace(100, 20_000, 500).round().astype(np.int64) * 100)
    assert plg[0].min_arr < 25_000 and plg[-1].coverage in ("pooled", "digital")
    enterprise_only = propose_segments(np.linspace(200_000, 5_000_000, 300).round().astype(np.int64) * 100)
    assert enterprise_only[0].min_arr >= 1_000_000 and all(s.accounts >= 10 for s in enterprise_only)


def _written(tmp_path, **kwargs):
    book = capacity.load_book(DEFAULT_BOOK)
    (tmp_path / "book.csv").write_bytes(DEFAULT_BOOK.read_bytes())
    text = scenario_yaml(drafts(propose_segments(book.arr_cents)), book="book.csv",
                         book_columns={"account_id": "account_id", "arr": "arr", "csm": "csm"},
                         column_notes={"csm": "Gainsight, Vitally, plain spreadsheet"}, export_name="book.csv",
                         today=datetime.date(2026, 12, 5), **kwargs)
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path, text


def test_the_written_scenario_loads_plans_and_cites_its_sources(tmp_path):
    path, text = _written(tmp_path)
    scenario = capacity.load_scenario(path)
    assert [s.name for s in scenario.segments] == ["Enterprise", "Mid-Market", "SMB", "Long tail"]
    assert scenario.book_columns == {"account_id": "account_id", "arr": "arr", "csm": "csm"}
    result = capacity.plan(scenario)
    assert result.totals.customers == 3000
    # Every touchpoint line says where it comes from; every library touchpoint is written.
    lines = [line for line in text.splitlines() if line.strip().startswith("- {name:")]
    assert len(lines) == sum(len(scenario.segments[i].touchpoints) for i in range(4))
    sources = set(library()["sources"].values())
    assert all(re.search(r"#\s+(.+)$", line).group(1) in sources for line in lines)
    assert "csm: csm" in text and "# Gainsight, Vitally, plain spreadsheet" in text
    assert "ChurnZero 2022 is \"Mythbuster monthly" in text and "Gainsight 2014 is" in text


def test_the_fiscal_year_and_uncertainty_blocks_switch_on_by_removing_the_comment_marks(tmp_path):
    path, text = _written(tmp_path, starting_headcount={"Enterprise": 4, "SMB": 2})
    assert capacity.load_scenario(path).fiscal_year is None
    on = re.sub(r"^# (fiscal_year:|uncertainty:|  )", r"\1", text, flags=re.M)
    path.write_text(on)
    scenario = capacity.load_scenario(path)
    assert scenario.fiscal_year.start == "2027-01"
    assert scenario.fiscal_year.starting_headcount == {"Enterprise": 4, "Mid-Market": 0, "SMB": 2, "Long tail": 0}
    assert scenario.uncertainty.draws == 10000
    year = capacity.fiscal_plan(scenario)
    assert len(year.months) == 12


def test_currency_and_a_database_book(tmp_path):
    book = capacity.load_book(DEFAULT_BOOK)
    text = scenario_yaml(drafts(propose_segments(book.arr_cents)), book={"url": "sqlite:///accounts.db", "table": "accounts"},
                         book_columns={"account_id": "Id", "arr": "ARR"}, column_notes={}, export_name="accounts",
                         currency="EUR", today=datetime.date(2026, 1, 1))
    assert "currency: EUR" in text and "book: {url: 'sqlite:///accounts.db', table: accounts}" in text
    assert "money in EUR a year" in text and "start: 2027-01" in text


def test_edited_drafts_are_written_as_edited(tmp_path):
    (tmp_path / "book.csv").write_bytes(DEFAULT_BOOK.read_bytes())
    book = capacity.load_book(DEFAULT_BOOK)
    proposed = drafts(propose_segments(book.arr_cents))
    counts, arrs = tier_sizes(book.arr_cents, [150_000, 0])
    assert counts[0] + counts[1] == 3000 and sum(arrs) == pytest.approx(book.total_arr, abs=0.005)
    mine = TouchpointDraft("Quarterly roadmap call", "recurring", 45, per_year=4)
    edited = (SegmentDraft("Strategic", 150_000, "dedicated", 0.1, (*proposed[0].touchpoints[:2], mine), counts[0],
                           arrs[0]),
              SegmentDraft("Everyone else", 0, "pooled", 0.3, (), counts[1], arrs[1]))
    text = scenario_yaml(edited, book="book.csv", book_columns={"account_id": "account_id", "arr": "arr"},
                         column_notes={}, export_name="book.csv", today=datetime.date(2026, 12, 5))
    assert "      - {name: Quarterly roadmap call, kind: recurring, minutes: 45, per_year: 4}\n" in text
    assert "    touchpoints: []\n" in text
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    scenario = capacity.load_scenario(path)
    assert [(s.name, s.min_arr, s.coverage, len(s.touchpoints)) for s in scenario.segments] == [
        ("Strategic", 150_000, "dedicated", 3), ("Everyone else", 0, "pooled", 0)]
    result = capacity.plan(scenario)
    assert [s.customers for s in result.segments] == counts
