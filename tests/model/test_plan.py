"""The plan: hand-worked numbers, the JSON shape, and the invariants (hypothesis)."""

import json
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from capacity import load_book, load_scenario, plan

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO

CUSTOMER_HOURS = 0.6667 * 1880 / 12  # 104.4497 h a month


def test_worked_example_by_hand(example):
    result = plan(example)
    seg = result.segments[0]
    # recurring 1 + 0.6667, inbound 1, one-time 3 h x 0.25 / 12 = 0.0625
    assert seg.hours_per_customer_per_month == pytest.approx(1 + 2 / 3 + 1 + 0.0625)
    assert seg.program_hours_per_month == pytest.approx(1.5)
    assert seg.customers_per_csm == pytest.approx(CUSTOMER_HOURS / 2.7291667, rel=1e-6)
    assert seg.fte == pytest.approx((40 * 2.7291667 + 1.5) / CUSTOMER_HOURS, rel=1e-6)
    assert seg.headcount == 2
    assert seg.cost_per_year == 300000
    assert seg.arr_per_csm == 4000000
    assert result.totals.cost_pct_arr == pytest.approx(300000 / 8000000)
    assert result.totals.arr_per_csm == 8000000 / 2
    assert [(t.arr_per_csm, t.headcount, t.cost_per_year) for t in result.top_down] == [
        (1e6, 8, 1.2e6), (2e6, 4, 6e5), (8e6, 1, 1.5e5)]


def test_touchpoint_breakdown_adds_up(example):
    result = plan(example)
    frame = result.touchpoints_frame()
    assert frame["fte"].sum() == pytest.approx(result.totals.fte)
    assert list(frame["name"]) == ["Success plan review", "Business review", "Kick-off", "Escalations", "Webinar"]


def test_strategic_account_needs_more_than_one_csm(example):
    example["segments"][0]["touchpoints"][0]["minutes"] = 60 * 150
    example["segments"][0]["customers"] = 1
    seg = plan(example).segments[0]
    assert seg.customers_per_csm < 1
    assert seg.headcount == 2


def test_unbounded_portfolio_is_json_null(example):
    example["segments"][0]["touchpoints"] = [{"name": "Webinar", "kind": "program", "minutes": 90, "per_month": 1}]
    result = plan(example)
    assert math.isinf(result.segments[0].customers_per_csm)
    assert result.to_dict()["segments"][0]["customers_per_csm"] is None
    assert json.loads(result.to_json())["segments"][0]["customers_per_csm"] is None


def test_json_shape():
    data = plan(load_scenario(DEFAULT_SCENARIO)).to_dict()
    assert {"scenario", "csm", "segments", "totals", "top_down"} <= set(data)
    assert set(data["csm"]) == {"working_hours_per_month", "customer_hours_per_month", "loaded_cost_per_year"}
    assert {"name", "coverage", "min_arr", "customers", "arr", "hours_per_customer_per_month",
            "program_hours_per_month", "customers_per_csm", "fte", "headcount", "cost_per_year",
            "arr_per_csm"} <= set(data["segments"][0])
    assert set(data["totals"]) == {"customers", "arr", "fte", "headcount", "cost_per_year", "cost_pct_arr", "arr_per_csm"}
    assert set(data["top_down"][0]) == {"arr_per_csm", "headcount", "cost_per_year"}


def test_book_overrides_scenario_counts(example):
    import pandas as pd
    from capacity import Book

    example["segments"][0]["min_arr"] = 0
    book = Book.from_frame(pd.DataFrame({"account_id": ["a", "b"], "arr": [1000.0, 2000.0]}))
    seg = plan(example, book).segments[0]
    assert (seg.customers, seg.arr) == (2, 3000.0)


def test_default_plan_totals_are_sums_and_frame_matches():
    result = plan(DEFAULT_SCENARIO, load_book(DEFAULT_BOOK))
    frame = result.to_frame()
    assert list(frame.index) == ["Enterprise", "Mid-Market", "SMB", "Long tail"]
    assert frame["headcount"].sum() == result.totals.headcount
    assert frame["cost_per_year"].sum() == result.totals.cost_per_year
    assert frame["customers"].sum() == result.totals.customers == 3000
    assert frame["arr"].sum() == pytest.approx(result.totals.arr)


# -- invariants ------------------------------------------------------------------------

positive = st.floats(min_value=0.0, max_value=600.0, allow_nan=False)
_recurring = st.fixed_dictionaries(
    {"name": st.just("t"), "kind": st.sampled_from(["recurring", "inbound", "program"]), "minutes": positive},
).flatmap(lambda tp: st.sampled_from(["per_month", "per_year"]).flatmap(
    lambda key: st.floats(min_value=0.0, max_value=30.0 if key == "per_month" else 360.0).map(
        lambda f: {**tp, key: f})))
_one_time = st.fixed_dictionaries({"name": st.just("o"), "kind": st.just("one_time"), "minutes": positive})
touchpoint = st.one_of(_recurring, _recurring, _one_time)
segment = st.fixed_dictionaries({
    "customers": st.integers(min_value=0, max_value=50_000),
    "arr": st.floats(min_value=0, max_value=1e9),
    "new_customer_rate": st.floats(min_value=0, max_value=2),
    "touchpoints": st.lists(touchpoint, min_size=1, max_size=5),
})
segments_strategy = st.lists(segment, min_size=1, max_size=4)


def _scenario(segments, share=2 / 3, hours_per_week=40.0, **csm):
    return {
        "csm": {"customer_time_share": share, "hours_per_week": hours_per_week, "loaded_cost_per_year": 100000, **csm},
        "segments": [dict(s, name=f"S{i}", min_arr=i * 1000,
                          touchpoints=s["touchpoints"] + [{"name": "k", "kind": "one_time", "minutes": 60}])
                     for i, s in enumerate(segments)],
    }


def _copy(data):
    return json.loads(json.dumps(data))


@settings(max_examples=150, deadline=None)
@given(segments_strategy, st.data())
def test_more_touchpoint_time_never_needs_fewer_csms(segments, data):
    """Monotone in every touchpoint's minutes and frequency (per month or per year), of every kind."""
    base = _scenario(segments)
    i = data.draw(st.integers(0, len(segments) - 1))
    touchpoints = base["segments"][i]["touchpoints"]
    j = data.draw(st.integers(0, len(touchpoints) - 1))
    field = data.draw(st.sampled_from([k for k in ("minutes", "per_month", "per_year") if k in touchpoints[j]]))
    more = _copy(base)
    more["segments"][i]["touchpoints"][j][field] += data.draw(st.floats(min_value=0.01, max_value=100))
    before, after = plan(base), plan(more)
    assert after.segments[i].fte >= before.segments[i].fte
    assert after.segments[i].headcount >= before.segments[i].headcount
    assert after.totals.headcount >= before.totals.headcount
    others = [k for k in range(len(segments)) if k != i]
    assert [after.segments[k].fte for k in others] == [before.segments[k].fte for k in others]


@settings(max_examples=100, deadline=None)
@given(segments_strategy, st.floats(0.05, 1.0), st.floats(0.05, 1.0))
def test_more_customer_time_never_needs_more_csms(segments, share_a, share_b):
    low, high = sorted((share_a, share_b))
    assert plan(_scenario(segments, share=high)).totals.fte <= plan(_scenario(segments, share=low)).totals.fte + 1e-9


@settings(max_examples=100, deadline=None)
@given(segments_strategy, st.floats(5, 80), st.floats(5, 80))
def test_longer_weeks_never_need_more_csms(segments, hours_a, hours_b):
    """Antitone in hours_per_week, segment by segment, in FTE and in headcount."""
    short, long = (plan(_scenario(segments, hours_per_week=h)) for h in sorted((hours_a, hours_b)))
    for a, b in zip(long.segments, short.segments):
        assert a.fte <= b.fte + 1e-9
        assert a.headcount <= b.headcount


@settings(max_examples=100, deadline=None)
@given(segments_strategy, st.floats(0, 60), st.floats(0, 60), st.floats(40, 52), st.floats(40, 52))
def test_more_time_off_never_needs_fewer_csms(segments, pto_a, pto_b, weeks_a, weeks_b):
    """Monotone in pto_days, antitone in weeks_per_year."""
    low, high = sorted((pto_a, pto_b))
    more_off, less_off = plan(_scenario(segments, pto_days=high)), plan(_scenario(segments, pto_days=low))
    assert more_off.totals.fte >= less_off.totals.fte - 1e-9
    few, many = sorted((weeks_a, weeks_b))
    assert (plan(_scenario(segments, weeks_per_year=many)).totals.fte
            <= plan(_scenario(segments, weeks_per_year=few)).totals.fte + 1e-9)


@settings(max_examples=100, deadline=None)
@given(segments_strategy, st.floats(0, 2), st.floats(0, 2))
def test_more_new_customers_never_need_fewer_csms(segments, rate_a, rate_b):
    low, high = sorted((rate_a, rate_b))
    with_low = [dict(s, new_customer_rate=low) for s in segments]
    with_high = [dict(s, new_customer_rate=high) for s in segments]
    assert plan(_scenario(with_high)).totals.fte >= plan(_scenario(with_low)).totals.fte - 1e-9


def _as_json_types(value):
    """What JSON gives back for a Python value: tuples become lists."""
    if isinstance(value, dict):
        return {k: _as_json_types(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json_types(v) for v in value]
    return value


@settings(max_examples=100, deadline=None)
@given(segments_strategy)
def test_totals_are_sums_and_headcount_is_ceil(segments):
    result = plan(_scenario(segments))
    assert result.totals.headcount == sum(s.headcount for s in result.segments)
    assert result.totals.fte == pytest.approx(sum(s.fte for s in result.segments))
    assert result.totals.cost_per_year == sum(s.cost_per_year for s in result.segments)
    assert result.totals.customers == sum(s.customers for s in result.segments)
    for s in result.segments:
        assert s.headcount == max(0, math.ceil(s.fte - 1e-9))
        assert s.headcount >= s.fte - 1e-9 and (s.headcount == 0 or s.headcount - 1 < s.fte + 1e-9)
    assume(result.totals.arr > 0)
    ratio = result.totals.cost_per_year / result.totals.arr
    # A ratio too large for a float (ARR of a fraction of a cent) is None, like no ARR at all.
    assert result.totals.cost_pct_arr == (pytest.approx(ratio) if math.isfinite(ratio) else None)


@settings(max_examples=100, deadline=None)
@given(segments_strategy, st.booleans())
def test_json_round_trips_exactly(segments, unbounded):
    """Every number comes back from the JSON bit for bit; an unbounded portfolio is null."""
    if unbounded:  # a segment with programs only: no per-customer time, infinite customers per CSM
        segments = [dict(segments[0], new_customer_rate=0.0,
                         touchpoints=[{"name": "p", "kind": "program", "minutes": 60, "per_month": 1}]), *segments[1:]]
        data = _scenario(segments)
        data["segments"][0]["touchpoints"] = data["segments"][0]["touchpoints"][:1]
    else:
        data = _scenario(segments)
    result = plan(data)
    text = result.to_json()
    assert json.loads(text) == _as_json_types(result.to_dict())
    assert json.loads(result.to_json(indent=None)) == json.loads(text)
    if unbounded:
        assert json.loads(text)["segments"][0]["customers_per_csm"] is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10**10), min_size=1, max_size=300),
       st.lists(st.integers(1, 10**8), max_size=3, unique=True))
def test_plan_on_a_book_counts_every_account_once(arr_cents, thresholds):
    """Bottom-up on a book: customers add up to the book, ARR to the cent, top-down from the same ARR."""
    import numpy as np
    import pandas as pd

    from capacity import Book

    book = Book.from_frame(pd.DataFrame({"account_id": [f"{i:06d}" for i in range(len(arr_cents))],
                                         "arr": np.array(arr_cents) / 100}))
    review = {"name": "r", "kind": "recurring", "minutes": 30, "per_month": 1}
    scenario = {
        "csm": {"loaded_cost_per_year": 100000},
        "segments": [{"name": f"S{i}", "min_arr": m, "touchpoints": [review]} for i, m in enumerate([0, *thresholds])],
    }
    result = plan(scenario, book)
    assert result.totals.customers == len(arr_cents)
    assert round(result.totals.arr * 100) == sum(arr_cents)
    for guide in result.top_down:
        assert guide.headcount == math.ceil(sum(arr_cents) / 100 / guide.arr_per_csm - 1e-9)


# -- vertical pools ----------------------------------------------------------------------

POOL_HOURS = 104.0  # 40 h x 52 weeks, no PTO, 0.6 for customers: 2080 / 12 x 0.6


def _pooled(pool_verticals=None, customers=None):
    seg = {"name": "Core", "min_arr": 0, "pool_by": "vertical", "touchpoints": [
        {"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 1},
        {"name": "Webinar", "kind": "program", "minutes": 624, "per_month": 1}]}  # 10.4 h a month
    if pool_verticals is not None:
        seg["pool_verticals"] = pool_verticals
    if customers is not None:
        seg.update(customers=customers, arr=customers * 1000.0)
    return {"csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 0.6,
                    "loaded_cost_per_year": 120_000}, "segments": [seg]}


def _vertical_book(counts: dict[str, int]):
    import pandas as pd
    from capacity import Book

    verticals = [v for v, n in counts.items() for _ in range(n)]
    return Book.from_frame(pd.DataFrame({"account_id": [str(i) for i in range(len(verticals))],
                                         "arr": 1000.0, "vertical": verticals}))


POOL_BOOK = {"Healthcare": 150, "Retail": 60, "Technology": 10}


def test_pool_per_vertical_by_hand():
    result = plan(_pooled(), _vertical_book(POOL_BOOK))
    seg = result.segments[0]
    # one team: (220 x 1 h + 10.4 h) / 104 = 2.215 FTE -> 3 CSMs
    assert seg.fte == pytest.approx(230.4 / 104)
    pools = {p.vertical: p for p in seg.pools}
    assert list(pools) == ["Healthcare", "Retail", "Technology"]
    # each pool carries its customers' share of the program hours
    assert pools["Healthcare"].fte == pytest.approx((150 + 10.4 * 150 / 220) / 104)  # 1.51 -> 2
    assert pools["Retail"].fte == pytest.approx((60 + 10.4 * 60 / 220) / 104)  # 0.60 -> 1
    assert pools["Technology"].fte == pytest.approx((10 + 10.4 * 10 / 220) / 104)  # 0.10 -> 1
    assert [p.headcount for p in seg.pools] == [2, 1, 1]
    assert sum(p.fte for p in seg.pools) == pytest.approx(seg.fte)
    assert (seg.headcount, seg.pool_split_extra_headcount) == (4, 1)
    assert seg.cost_per_year == 4 * 120_000 == result.totals.cost_per_year
    assert pools["Healthcare"].customers == 150 and pools["Healthcare"].arr == 150_000


def test_one_pool_split_out_from_a_mixed_pool():
    result = plan(_pooled(["Healthcare"]), _vertical_book(POOL_BOOK))
    seg = result.segments[0]
    assert [(p.vertical, p.verticals, p.customers, p.headcount) for p in seg.pools] == [
        ("Healthcare", ("Healthcare",), 150, 2),
        ("Other verticals", ("Retail", "Technology"), 70, 1),  # (70 + 3.31) / 104 = 0.70 -> 1
    ]
    assert seg.pool_split_extra_headcount == 0
    frame = result.pools_frame()
    assert list(frame["vertical"]) == ["Healthcare", "Other verticals"]
    assert frame["headcount"].sum() == seg.headcount
    data = result.to_dict()["segments"][0]
    assert data["pool_split_extra_headcount"] == 0 and list(data["pools"][1]["verticals"]) == ["Retail", "Technology"]


def test_unpooled_segments_have_no_pools():
    seg = plan(DEFAULT_SCENARIO).segments[0]
    assert (seg.pools, seg.pool_split_extra_headcount) == ((), 0)
    assert plan(DEFAULT_SCENARIO).pools_frame().empty


@pytest.mark.parametrize(
    ("data", "book", "expected"),
    [
        (_pooled(customers=10), None, "segments[0].pool_by: pool_by: vertical needs a book of accounts"),
        (_pooled(["Helthcare"]), POOL_BOOK, "segments[0].pool_verticals[0]: vertical 'Helthcare' is not in the book "
                                            "(did you mean 'Healthcare'?)"),
        (_pooled(), {"": 3}, "has no verticals (every account is Unassigned)"),
    ],
)
def test_pool_errors_name_the_key(data, book, expected):
    from capacity import ScenarioError

    with pytest.raises(ScenarioError) as info:
        plan(data, None if book is None else _vertical_book(book))
    assert expected in str(info.value)


def test_pool_verticals_needs_pool_by():
    from capacity import ScenarioError

    data = _pooled(["Healthcare"])
    del data["segments"][0]["pool_by"]
    with pytest.raises(ScenarioError, match=r"segments\[0\].pool_verticals: needs pool_by: vertical"):
        load_scenario(data)


def test_healthcare_pool_scenario_is_the_default_with_one_change():
    import yaml

    from tests.conftest import DATA

    default = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    pooled = yaml.safe_load((DATA / "scenario-healthcare-pool.yaml").read_text())
    mid = pooled["segments"][1]
    assert (mid.pop("pool_by"), mid.pop("pool_verticals")) == ("vertical", ["Healthcare"])
    assert pooled.pop("name") != default.pop("name")
    assert pooled == default
    split = plan(DATA / "scenario-healthcare-pool.yaml").segment("Mid-Market")
    whole = plan(DEFAULT_SCENARIO).segment("Mid-Market")
    assert split.fte == pytest.approx(whole.fte)
    assert split.headcount == whole.headcount + split.pool_split_extra_headcount
    assert [p.vertical for p in split.pools] == ["Healthcare", "Other verticals"]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B", "C", "D"]), st.integers(0, 400), min_size=1),
       st.floats(0, 600), st.floats(0, 2000), st.booleans())
def test_pools_add_up_and_split_costs_at_most_one_csm_per_pool(counts, minutes, program_minutes, split_one):
    present = sorted(v for v, n in counts.items() if n)
    assume(present)
    data = _pooled([present[0]] if split_one else None)
    data["segments"][0]["touchpoints"][0]["minutes"] = minutes
    data["segments"][0]["touchpoints"][1]["minutes"] = program_minutes
    seg = plan(data, _vertical_book(counts)).segments[0]
    whole = math.ceil(seg.fte - 1e-9)
    assert sum(p.fte for p in seg.pools) == pytest.approx(seg.fte)
    assert sum(p.customers for p in seg.pools) == seg.customers
    assert seg.headcount == sum(p.headcount for p in seg.pools)
    assert 0 <= seg.pool_split_extra_headcount == seg.headcount - whole < max(len(seg.pools), 1)
