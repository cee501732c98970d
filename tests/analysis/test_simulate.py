"""The fiscal-year simulation: exact at zero variance, seeded, ordered percentiles, honest draws and shares.

Sampling tolerances: a seeded sample mean is compared with its input within four standard
errors (``4 * sd / sqrt(n)``). Under the null that the sampler is right, a fresh seed would
miss by that much with probability about 6e-5, so a failure means a biased sampler, not bad
luck; the seeds are fixed, so the outcome never flickers.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import ScenarioError, load_scenario
from capacity.apps.cli import main
from capacity.model.fiscal import fiscal_plan
from capacity.inputs.context import load_context
from capacity.analysis.simulate import (
    INPUTS,
    _draw,
    _model,
    _staff,
    _year_cost,
    _demand,
    _hiring_demand,
    binomial_quantile,
    discrete_triangular,
    first_order_shares,
    lognormal_factors,
    simulate,
    triangular_rates,
    whole_counts,
)

from tests.conftest import DATA, DEFAULT_SCENARIO

SIGMAS = 4.0


def _default(uncertainty: dict | None = None, scenario=DEFAULT_SCENARIO) -> dict:
    data = yaml.safe_load(scenario.read_text())
    data["book"] = str(DATA / data["book"]) if data.get("book") else None
    if data["book"] is None:
        del data["book"]
    data["uncertainty"] = uncertainty
    return data


def _zero(data: dict) -> dict:
    """An uncertainty block naming every input, each without spread."""
    fy = data["fiscal_year"]
    return {
        "draws": 64, "seed": 3,
        "new_customers_per_month": {"cv": 0},
        "touchpoint_minutes": {"cv": 0.0},
        "attrition_per_year": {"low": fy.get("attrition_per_year", 0.0), "high": fy.get("attrition_per_year", 0.0)},
        "hiring_lead_time_months": {"low": fy.get("hiring_lead_time_months", 2), "high": fy.get("hiring_lead_time_months", 2)},
        "segments": {s["name"]: {"churn_per_year": {"low": s.get("churn_per_year", 0.0), "high": s.get("churn_per_year", 0.0)}}
                     for s in data["segments"]},
    }


def _assert_is_the_plan(result, plan):
    """Every percentile of the simulation equals the deterministic plan's figure, exactly."""
    frame = plan.to_frame()
    for q in ("p10", "p50", "p90"):
        assert getattr(result.total_cost, q) == plan.summary.total_cost
        assert getattr(result.year_end_headcount, q) == plan.summary.year_end_headcount
        assert getattr(result.hires, q) == plan.summary.hires_total
    for m in result.months:
        rows = frame[frame["month"] == m.month]
        demand = capacity = 0.0
        for d, c in zip(rows["demand_fte"], rows["ramped_capacity_fte"]):  # the segment rows added in order
            demand, capacity = demand + d, capacity + c
        used = demand / capacity
        for q in ("p10", "p50", "p90"):
            assert getattr(m.demand_fte, q) == demand
            assert getattr(m.ramped_capacity_fte, q) == capacity
            assert getattr(m.utilization, q) == used
        assert m.p_above_target == (0.0 if rows["target_held"].all() else 1.0)
    growth = {label: int((rows["requisitions_opened"] - rows["backfill_requisitions"]).sum())
              for label, rows in frame.groupby("month", sort=False)}
    assert result.p90_plan.requisitions_by_month == growth
    assert result.p90_plan.years_covered == 1.0
    assert result.p90_plan.total_cost == plan.summary.total_cost
    assert result.variance_shares == {}


# -- no uncertainty: the plan itself -------------------------------------------------


@pytest.mark.parametrize("scenario", [DEFAULT_SCENARIO, DATA / "scenario-healthcare-pool.yaml"])
def test_no_uncertainty_gives_the_deterministic_plan_exactly(scenario):
    data = _default(None, scenario)
    data["uncertainty"] = _zero(data)
    s = load_scenario(data)
    result = simulate(s)
    assert result.uncertain == ()
    _assert_is_the_plan(result, fiscal_plan(s))


def test_an_empty_block_is_the_plan_too():
    s = load_scenario(_default({"draws": 10}))
    _assert_is_the_plan(simulate(s), fiscal_plan(s))


def _bookless(start: int = 3) -> dict:
    """The default data with customers and ARR given per segment instead of the book (quick to plan)."""
    data = yaml.safe_load((DATA / "scenario.yaml").read_text())
    data.pop("book")
    for seg, (customers, arr) in zip(data["segments"], [(81, 2e7), (492, 2.5e7), (1343, 8e6), (1084, 2e6)]):
        seg.update(customers=customers * start // 3 + 1, arr=arr)
        if isinstance(seg["new_customers_per_month"], list):
            seg["new_customers_per_month"] = float(sum(seg["new_customers_per_month"])) / 12
    return data


@settings(max_examples=25, deadline=None)
@given(lead=st.integers(0, 4), ramp=st.integers(0, 5), attrition=st.sampled_from([0.0, 0.1, 0.3, 0.6]),
       target=st.sampled_from([0.7, 0.85, 1.0]), scope=st.sampled_from(["team", "segment"]),
       months=st.integers(1, 18), start=st.sampled_from([1, 3, 8]))
def test_exact_at_zero_variance_whatever_the_fiscal_settings(lead, ramp, attrition, target, scope, months, start):
    data = _bookless(start)
    data["fiscal_year"].update(hiring_lead_time_months=lead, ramp_months=ramp, attrition_per_year=attrition,
                               target_utilization=target, manager_scope=scope, months=months,
                               starting_headcount={"Enterprise": start, "Mid-Market": 2 * start, "SMB": start})
    data["uncertainty"] = _zero(data)
    s = load_scenario(data)
    _assert_is_the_plan(simulate(s, draws=3), fiscal_plan(s))


def test_the_fast_capacity_is_the_plans_sum():
    """Off the zero-variance path ramped capacity is counted without the plan's matrix product: the same sum."""
    import dataclasses

    s = load_scenario(_default({"attrition_per_year": {"low": 0.05, "high": 0.5},
                                "hiring_lead_time_months": {"low": 0, "high": 4}}))
    model = _model(load_context(s), None, None)
    drawn = _draw(model, 500, 1, 0)
    demand = _demand(model, drawn)
    fast = _staff(dataclasses.replace(model, exact=False), demand, drawn, None)
    exact = _staff(dataclasses.replace(model, exact=True), demand, drawn, None)
    assert np.allclose(fast["capacity"], exact["capacity"], rtol=0, atol=1e-9)
    assert (fast["headcount"] == exact["headcount"]).all()
    assert (fast["capacity"] != 0).any()
    costs = [_year_cost(dataclasses.replace(model, exact=e), exact["headcount"]) for e in (False, True)]
    assert np.allclose(costs[0], costs[1], rtol=1e-12, atol=0)


# -- seeded, ordered -----------------------------------------------------------------


@pytest.fixture(scope="module")
def default_run():
    return simulate(DEFAULT_SCENARIO, draws=2000)


def test_the_same_seed_gives_identical_output(default_run):
    again = simulate(DEFAULT_SCENARIO, draws=2000)
    assert again.to_json() == default_run.to_json()
    assert again.shares_frame().equals(default_run.shares_frame())
    other = simulate(DEFAULT_SCENARIO, draws=2000, seed=default_run.seed + 1)
    assert other.to_dict()["percentiles"] != default_run.to_dict()["percentiles"]


def test_percentiles_are_ordered_everywhere(default_run):
    def ordered(p):
        assert p.p10 <= p.p50 <= p.p90

    for p in (default_run.total_cost, default_run.year_end_headcount, default_run.hires):
        ordered(p)
    for m in default_run.months:
        ordered(m.demand_fte), ordered(m.utilization), ordered(m.ramped_capacity_fte)
        assert 0.0 <= m.p_above_target <= 1.0
    assert default_run.total_cost.p10 < default_run.total_cost.p90  # the block does spread the year


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), cv=st.one_of(st.just(0.0), st.floats(0.001, 1.0)), high=st.floats(0.15, 0.9),
       lead_high=st.integers(2, 6))
def test_percentiles_are_ordered_for_any_block(seed, cv, high, lead_high):
    data = _bookless()
    data["uncertainty"] = {"seed": seed, "new_customers_per_month": {"cv": cv}, "touchpoint_minutes": {"cv": cv},
                           "attrition_per_year": {"low": 0.0, "high": high},
                           "hiring_lead_time_months": {"low": 0, "high": lead_high}}
    result = simulate(load_scenario(data), draws=50)
    frame = result.to_frame()
    for key in ("demand_fte", "ramped_capacity_fte", "utilization"):
        assert (frame[f"{key}_p10"] <= frame[f"{key}_p50"]).all() and (frame[f"{key}_p50"] <= frame[f"{key}_p90"]).all()
    for p in (result.total_cost, result.year_end_headcount, result.hires):
        assert p.p10 <= p.p50 <= p.p90
    assert sum(result.p90_plan.requisitions_by_month.values()) == result.p90_plan.requisitions_total
    assert all(n >= 0 for n in result.p90_plan.requisitions_by_month.values())


# -- the draws: within sampling error of the inputs ----------------------------------


@pytest.mark.parametrize("mean, cv", [(36.0, 0.25), (1.0, 0.5), (2.5, 0.1), (12.0, 1.0)])
def test_whole_counts_keep_the_mean_and_the_spread(mean, cv):
    n = 200_000
    x = whole_counts(mean, cv, np.random.default_rng(11), (n,))
    assert (x == np.floor(x)).all() and (x >= 0).all()
    gamma_var = (cv * mean) ** 2
    assert abs(x.mean() - mean) <= SIGMAS * math.sqrt(gamma_var + 0.25) / math.sqrt(n)
    # the rounding adds at most 1/4 customer^2 of variance to the gamma's
    assert gamma_var * 0.98 - 0.01 <= x.var() <= gamma_var * 1.02 + 0.25


def test_simulated_arrivals_and_leavers_match_their_inputs():
    s = load_scenario(_default({"new_customers_per_month": {"cv": 0.3},
                                "attrition_per_year": {"low": 0.10, "high": 0.25}}))
    draws = 4000
    model = _model(load_context(s), None, None)
    drawn = _draw(model, draws, 5, 0)
    new = drawn["new_customers_per_month"]["new"][:, :, : model.months]
    planned = model.inputs.new[:, : model.months]
    # each segment's year of arrivals: the mean of draws against the plan's total
    for s_ in range(new.shape[1]):
        year = new[:, s_].sum(axis=1)
        assert abs(year.mean() - planned[s_].sum()) <= SIGMAS * year.std() / math.sqrt(draws)
    # the drawn annual attrition: triangular(0.10, 0.15, 0.25) has mean 0.1667
    annual = 1 - (1 - drawn["attrition_per_year"]["rate"][:, 0]) ** 12
    assert abs(annual.mean() - (0.10 + 0.15 + 0.25) / 3) <= SIGMAS * annual.std() / math.sqrt(draws)
    # leavers: whole people, and on average the monthly rate times the CSMs on staff the month before
    staffed = _staff(model, _demand(model, drawn), drawn, None)
    leavers = staffed["leavers"]
    assert leavers.dtype.kind == "i" and (leavers >= 0).all()
    previous = np.concatenate([np.broadcast_to(model.units.starting, (draws, len(model.units.starting)))[:, :, None],
                               staffed["headcount"][:, :, :-1]], axis=2)
    expected = (previous * drawn["attrition_per_year"]["rate"][:, :, None]).sum(axis=(1, 2))
    got = leavers.sum(axis=(1, 2))
    assert abs(got.mean() - expected.mean()) <= SIGMAS * (got - expected).std() / math.sqrt(draws)


def test_triangular_and_lognormal_draws():
    rng = np.random.default_rng(2)
    n = 100_000
    rates = triangular_rates(0.05, 0.08, 0.2, rng, (n,))
    assert rates.min() >= 0.05 and rates.max() <= 0.2
    assert abs(rates.mean() - 0.11) <= SIGMAS * rates.std() / math.sqrt(n)
    assert (triangular_rates(0.1, 0.1, 0.1, rng, (5,)) == 0.1).all()
    f = lognormal_factors(0.15, rng, (n,))
    assert abs(f.mean() - 1) <= SIGMAS * f.std() / math.sqrt(n)
    assert abs(f.std() - 0.15) < 0.005
    assert (lognormal_factors(0.0, rng, (5,)) == 1.0).all()


def test_discrete_triangular_by_hand():
    # low 1, mode 2, high 4: weights 1/2, 1, 2/3, 1/3 -> 0.2, 0.4, 0.2667, 0.1333
    n = 200_000
    k = discrete_triangular(1, 2, 4, np.random.default_rng(4), n)
    for month, p in zip((1, 2, 3, 4), (0.2, 0.4, 4 / 15, 2 / 15)):
        share = (k == month).mean()
        assert abs(share - p) <= SIGMAS * math.sqrt(p * (1 - p) / n)
    assert (discrete_triangular(3, 3, 3, np.random.default_rng(4), 4) == 3).all()


def test_binomial_quantile_by_hand_and_against_scipy():
    # n = 2, p = 1/2: CDF 0.25, 0.75, 1
    assert binomial_quantile([0.2, 0.25, 0.5, 0.75, 0.9], [2] * 5, 0.5).tolist() == [0, 0, 1, 1, 2]

    def brute(u, n, p):  # the CDF term by term with exact binomial coefficients
        cdf = 0.0
        for k in range(n + 1):
            cdf += math.comb(n, k) * p**k * (1 - p) ** (n - k)
            if u <= cdf:
                return k
        return n

    rng = np.random.default_rng(9)
    u = rng.random(3000)
    n = rng.integers(0, 40, 3000)
    p = rng.choice([0.0, 0.0135, 0.05, 0.3], 3000)
    got = binomial_quantile(u, n, p)
    want = np.array([brute(a, int(b), c) for a, b, c in zip(u, n, p)])
    assert (got == want).all()


# -- variance shares -----------------------------------------------------------------


def test_first_order_shares_of_a_model_with_known_answer():
    # Y = X1 + 2 X2 + X1 X3 with X iid N(0,1): Var Y = 1 + 4 + 1 = 6; S1 = 1/6, S2 = 4/6, S3 = 0
    rng = np.random.default_rng(1)
    n = 4096
    a, b = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))

    def f(x):
        return x[:, 0] + 2 * x[:, 1] + x[:, 0] * x[:, 2]

    mixed = {}
    for i in range(3):
        x = a.copy()
        x[:, i] = b[:, i]
        mixed[f"x{i + 1}"] = f(x)
    shares, errors = first_order_shares(f(a), f(b), mixed)
    for name, truth in (("x1", 1 / 6), ("x2", 4 / 6), ("x3", 0.0)):
        assert abs(shares[name] - truth) <= SIGMAS * errors[name]
        assert errors[name] < 0.03


def test_the_stated_standard_error_is_honest():
    """Over 300 seeds, the spread of the estimates is the standard error the estimator reports."""
    n, estimates, stated = 512, [], []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        a, b = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
        mixed = a.copy()
        mixed[:, 0] = b[:, 0]
        shares, errors = first_order_shares(a[:, 0] + a[:, 1], b[:, 0] + b[:, 1], {"x1": mixed[:, 0] + mixed[:, 1]})
        estimates.append(shares["x1"])
        stated.append(errors["x1"])
    assert 0.8 <= np.std(estimates) / np.mean(stated) <= 1.25
    assert abs(np.mean(estimates) - 0.5) <= SIGMAS * np.std(estimates) / math.sqrt(300)


@pytest.mark.parametrize("name, block", [
    ("new_customers_per_month", {"new_customers_per_month": {"cv": 0.3}}),
    ("churn_per_year", {"segments": {"SMB": {"churn_per_year": {"low": 0.1, "high": 0.3}}}}),
    ("attrition_per_year", {"attrition_per_year": {"low": 0.05, "high": 0.3}}),
    ("touchpoint_minutes", {"touchpoint_minutes": {"cv": 0.2}}),
    ("hiring_lead_time_months", {"hiring_lead_time_months": {"low": 1, "high": 4}}),
])
def test_one_uncertain_input_explains_all_the_variance(name, block):
    result = simulate(load_scenario(_default(block)), draws=1000)
    assert result.uncertain == (name,)
    assert set(result.variance_shares) == {name}
    assert result.variance_shares[name] == pytest.approx(1.0, abs=1e-12)
    assert result.total_cost.p10 < result.total_cost.p90


def test_shares_of_the_default_year(default_run):
    shares = default_run.variance_shares
    assert set(shares) == set(INPUTS)
    assert default_run.share_draws == 2000
    assert sum(shares.values()) <= 1 + SIGMAS * math.sqrt(sum(e**2 for e in default_run.variance_share_errors.values()))
    assert all(-SIGMAS * default_run.variance_share_errors[k] <= v for k, v in shares.items())


# -- the P90 plan --------------------------------------------------------------------


def test_the_p90_plan_is_the_smallest_that_keeps_up_in_nine_years_of_ten():
    """Brute force on one segment: by each month the P90 plan has opened at least the rule's growth
    requisitions to date in >= 90% of the draws, and one fewer would not."""
    data = _default({"seed": 2, "new_customers_per_month": {"cv": 0.4}, "touchpoint_minutes": {"cv": 0.2}})
    data.pop("book")
    data["segments"] = [dict(data["segments"][1], min_arr=0, customers=492, arr=2.5e7)]
    for key in ("activity_types", "options", "trade_offs"):  # they name touchpoints of the segments left out
        data.pop(key, None)
    data["fiscal_year"]["starting_headcount"] = {"Mid-Market": 7}
    s = load_scenario(data)
    draws = 400
    result = simulate(s, draws=draws)
    model = _model(load_context(s), None, None)
    drawn = _draw(model, draws, 2, 0)
    hiring = _hiring_demand(model, drawn, _demand(model, drawn))  # with the calendar, the average month
    rule = np.cumsum(_staff(model, hiring, drawn, None)["growth"][:, 0], axis=1)  # (draws, months)
    plan_to_date = np.cumsum(list(result.p90_plan.requisitions_by_month.values()))
    for m in range(model.months):
        assert (rule[:, m] <= plan_to_date[m]).mean() >= 0.9
        assert (rule[:, m] <= plan_to_date[m] - 1).mean() < 0.9
    assert result.p90_plan.years_covered == (rule <= plan_to_date[None]).all(axis=1).mean()
    assert result.p90_plan.starts_by_month[s.fiscal_year.month_labels[model.lead]] == result.p90_plan.requisitions_by_month[
        s.fiscal_year.month_labels[0]]


# -- shape, CLI and errors -----------------------------------------------------------


def test_the_json_shape(capsys):
    assert main(["fiscal", str(DEFAULT_SCENARIO), "--simulate", "300", "--seed", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["draws", "seed", "percentiles", "months", "p90_plan", "variance_shares"]
    assert data["draws"] == 300 and data["seed"] == 4
    assert set(data["percentiles"]) == {"year_end_headcount", "total_cost", "hires"}
    for value in data["percentiles"].values():
        assert list(value) == ["p10", "p50", "p90"]
    assert len(data["months"]) == 12
    assert list(data["months"][0]) == ["month", "demand_fte", "utilization", "p_above_target"]
    assert set(data["variance_shares"]) == set(INPUTS)
    assert data["p90_plan"]["requisitions_total"] == sum(data["p90_plan"]["requisitions_by_month"].values())


def test_the_text_table(capsys):
    assert main(["fiscal", str(DEFAULT_SCENARIO), "--simulate", "200"]) == 0
    out = capsys.readouterr().out
    assert "200 simulated years (seed 7)" in out
    assert "Cost of the year" in out and "P(above)" in out and "P90 plan" in out
    assert "touchpoint_minutes" in out


def test_the_block_gives_draws_and_seed():
    s = load_scenario(_default({"draws": 123, "seed": 9, "new_customers_per_month": {"cv": 0.2}}))
    result = simulate(s)
    assert (result.draws, result.seed) == (123, 9)


def test_simulate_alone_takes_the_blocks_draws(tmp_path, capsys):
    data = _bookless()
    data["uncertainty"] = {"draws": 37, "seed": 5, "new_customers_per_month": {"cv": 0.2}}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["fiscal", str(path), "--simulate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["draws"], out["seed"]) == (37, 5)


@pytest.mark.parametrize("argv, where", [
    (["--simulate", "0"], "--simulate"),
    (["--simulate", "-5"], "--simulate"),
    (["--simulate", "10", "--seed", "-1"], "--seed"),
    (["--seed", "3"], "--seed"),
])
def test_cli_bad_draws_and_seed(argv, where, capsys):
    code = main(["fiscal", str(DEFAULT_SCENARIO), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {where}: ") and len(err.splitlines()) == 1


def test_no_block_or_no_fiscal_year_is_refused():
    data = _default(None)
    with pytest.raises(ScenarioError, match="uncertainty: missing"):
        simulate(load_scenario(data))
    data = _default({"draws": 10})
    data.pop("fiscal_year")
    steady_only = load_scenario(data)  # the plan ignores the block; only the simulation needs the year
    with pytest.raises(ScenarioError, match="fiscal_year: missing"):
        simulate(steady_only)


def test_the_plan_ignores_the_block():
    with_block = load_scenario(_default({"new_customers_per_month": {"cv": 0.5}}))
    without = load_scenario(_default(None))
    assert fiscal_plan(with_block).to_json() == fiscal_plan(without).to_json()


@pytest.mark.parametrize("size_for", ["average", "peak"])
def test_the_calendar_is_drawn_and_exact_at_zero_variance(size_for):
    """The default data dates its work (renewals, quarter-end reviews, onboarding spread): a draw without
    spread is the plan, month for month, whichever the hiring rule sizes for."""
    data = _default(None)
    data["fiscal_year"]["size_for"] = size_for
    data["uncertainty"] = _zero(data)
    s = load_scenario(data)
    plan = fiscal_plan(s)
    assert plan.calendar is not None and plan.calendar.size_for == size_for
    _assert_is_the_plan(simulate(s), plan)


def test_with_the_calendar_the_simulated_months_follow_the_dates():
    data = _default({"draws": 400, "seed": 4, "touchpoint_minutes": {"cv": 0.2}, "new_customers_per_month": {"cv": 0.3}})
    result = simulate(load_scenario(data))
    demand = [m.demand_fte.p50 for m in result.months]
    plan = fiscal_plan(load_scenario(data)).totals_frame()["demand_fte"].tolist()
    # the quarter-end months of the business reviews stand out in the draws as in the plan
    assert np.argmax(demand) == np.argmax(plan)
    assert np.corrcoef(demand, plan)[0, 1] > 0.95
