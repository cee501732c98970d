"""Each formula against a hand-worked example, and on arrays."""

import math

import numpy as np
import pytest

from capacity.formulas import workload


def test_working_hours_hand_worked():
    # 40 h x 52 weeks = 2080 h; 25 days off x 8 h = 200 h; (2080 - 200) / 12 = 156.67 h a month
    assert workload.working_hours_per_month(40, 52, 25) == pytest.approx(1880 / 12)


def test_working_hours_part_time_days_scale_with_week():
    # A 20 h week has 4 h days: 20 x 52 - 10 x 4 = 1000 h a year
    assert workload.working_hours_per_month(20, 52, 10) == pytest.approx(1000 / 12)


def test_customer_hours_by_share():
    assert workload.customer_hours_per_month(150.0, 2 / 3) == pytest.approx(100.0)


def test_customer_hours_after_internal_work():
    # Team meeting 60 min x 4 + email 30 min x 20 = 4 h + 10 h = 14 h a month
    internal = workload.activity_hours_per_month(60, 4) + workload.activity_hours_per_month(30, 20)
    assert internal == pytest.approx(14.0)
    assert workload.customer_hours_after_internal(1880 / 12, internal) == pytest.approx(1880 / 12 - 14)


def test_recurring_and_inbound_hours():
    assert workload.activity_hours_per_month(60, 1) == pytest.approx(1.0)
    assert workload.activity_hours_per_month(120, 4 / 12) == pytest.approx(2 / 3)
    assert workload.activity_hours_per_month(15, 4) == pytest.approx(1.0)


def test_one_time_smoothed_across_base():
    # A 3 h kick-off, a quarter of the base new each year: 3 x 0.25 / 12 = 0.0625 h per customer a month
    assert workload.one_time_hours_per_month(180, 0.25) == pytest.approx(0.0625)
    assert workload.one_time_hours_per_month(180, 0.0) == 0.0


def test_customers_per_csm():
    assert workload.customers_per_csm(104.0, 2.0) == pytest.approx(52.0)
    assert workload.customers_per_csm(104.0, 0.0) == math.inf
    # A strategic account needing 150 h a month takes more than one CSM
    assert workload.customers_per_csm(100.0, 150.0) == pytest.approx(2 / 3)


def test_fte_and_headcount_hand_worked():
    # 40 customers x 2.7291667 h + 1.5 program h = 110.6667 h; / 104.4497 h = 1.0595 FTE -> 2 CSMs
    customer_hours = 0.6667 * 1880 / 12
    per_customer = 1 + 2 / 3 + 0.0625 + 1
    need = workload.fte(40, per_customer, 1.5, customer_hours)
    assert need == pytest.approx((40 * per_customer + 1.5) / customer_hours)
    assert need == pytest.approx(1.05952, abs=1e-5)
    assert workload.headcount(need) == 2
    assert workload.annual_cost(2, 150000) == 300000


def test_headcount_rounds_up_but_absorbs_float_noise():
    assert workload.headcount(0.0) == 0
    assert workload.headcount(0.01) == 1
    assert workload.headcount(3.0000000000000004) == 3
    assert workload.headcount(3.000001) == 4
    assert isinstance(workload.headcount(2.5), int)


def test_top_down():
    assert workload.top_down_headcount(55_682_910, 1_000_000) == 56
    assert workload.top_down_headcount(55_682_910, 2_000_000) == 28
    assert workload.top_down_headcount(8_000_000, 8_000_000) == 1


def test_formulas_accept_arrays():
    share = np.array([0.5, 2 / 3, 1.0])
    hours = workload.customer_hours_per_month(150.0, share)
    np.testing.assert_allclose(hours, [75.0, 100.0, 150.0])
    np.testing.assert_allclose(workload.customers_per_csm(hours, 2.5), [30.0, 40.0, 60.0])
    np.testing.assert_array_equal(workload.headcount(np.array([0.0, 1.2, 2.0])), [0, 2, 2])
    np.testing.assert_array_equal(workload.customers_per_csm(np.array([10.0]), np.array([0.0])), [np.inf])


def test_safe_ratio():
    assert workload.safe_ratio(1.0, 4.0) == 0.25
    assert workload.safe_ratio(1.0, 0) is None


def test_safe_ratio_overflow_is_none():
    assert workload.safe_ratio(150000.0, 5e-324) is None
