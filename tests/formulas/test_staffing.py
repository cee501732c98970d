"""The fiscal year's formulas, each against a hand-worked example."""

import math

import numpy as np
import pytest

from capacity.formulas.staffing import (
    allocate_managers,
    managers_needed,
    monthly_cost,
    monthly_demand_fte,
    monthly_rate,
    ramp_factor,
    raise_factor,
    realised_leavers,
    requisitions_needed,
    utilization,
)

HOURS = 104.0  # customer hours per CSM per month: 40 h x 52 weeks / 12 x 0.6


def test_formulas_by_hand():
    assert monthly_rate(0.19) == pytest.approx(1 - 0.9 ** (1 / 6))
    assert (1 - monthly_rate(0.19)) ** 12 == pytest.approx(0.81)
    assert list(ramp_factor(np.array([0, 1, 2, 3, 4]), 3)) == pytest.approx([0, 1 / 3, 2 / 3, 1, 1])
    assert list(ramp_factor(np.array([0, 1, 2]), 0)) == [0, 1, 1]
    # 114 customers x 1 h + 10 new x 2 h + 6 h of programs, over 104 h
    assert monthly_demand_fte(114, 1.0, 10, 2.0, 6.0, HOURS) == pytest.approx(140 / 104)
    assert list(realised_leavers(np.array([0.0, 0.4, 1.45]), np.array([0.4, 1.45, 1.5]))) == [0, 1, 1]
    assert requisitions_needed(4.25, 0.85, 3.0) == 2  # 5 - 3
    assert requisitions_needed(4.25, 0.85, 5.0) == 0
    assert requisitions_needed(1.0, 1.0, 1 / 3 + 2 / 3) == 0  # ramp fractions add up to a whole CSM
    assert utilization(0.0, 0.0) == 0.0 and math.isinf(utilization(1.0, 0.0)) and utilization(3.0, 4.0) == 0.75
    assert managers_needed(9, 8) == 2 and managers_needed(16, 8) == 2 and managers_needed(5, None) == 0
    # ceil(10 / 8) = 2 managers; 9/10 x 2 = 1.8 and 0.2: floors 1, 0, the larger remainder gets the second
    assert allocate_managers([9, 1], 8).tolist() == [2, 0]
    # months in columns: 3 + 3 + 3 = 9 CSMs -> 2 managers (0.67 each: ties to the earlier segments)
    assert allocate_managers(np.array([[3, 8], [3, 0], [3, 0]]), 8).tolist() == [[1, 1], [1, 0], [0, 0]]
    assert allocate_managers([0, 0], 8).tolist() == [0, 0]
    assert allocate_managers([4, 4], None).tolist() == [0, 0]
    assert raise_factor(np.array([5, 6, 7]), 6, 0.03).tolist() == [1.0, 1.03, 1.03]
    assert monthly_cost(9, 120_000, 1.03) == pytest.approx(9 * 10_000 * 1.03)
