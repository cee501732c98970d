"""Recruiting's formulas: hand-worked examples, and the scheduling rule against brute force on small cases."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.formulas.recruiting import funnel, recruiting_slots, starts_now


def test_slots_by_hand():
    assert recruiting_slots(2, 3).tolist() == [2, 2, 2]
    assert recruiting_slots(1.5, 4).tolist() == [1, 2, 1, 2]  # floor(1.5), floor(3) - 1, floor(4.5) - 3, 6 - 4
    assert recruiting_slots(0.25, 8).tolist() == [0, 0, 0, 1, 0, 0, 0, 1]
    assert recruiting_slots(0.1, 30).sum() == 3  # 0.1 x 30 = 3 despite float sums (0.1 + 0.1 + 0.1 < 0.3)
    assert recruiting_slots(0, 5).tolist() == [0] * 5


@given(rate=st.floats(0, 20, allow_nan=False), months=st.integers(1, 60))
def test_slots_to_date_are_the_rate_rounded_down(rate, months):
    slots = recruiting_slots(rate, months)
    assert (slots >= 0).all()
    assert np.array_equal(np.cumsum(slots), np.floor(rate * np.arange(1, months + 1) + 1e-9))


def test_funnel_by_hand():
    offers, interviews, applications = funnel(np.array([0, 2, 3]), 0.75, 0.3, 0.12)
    assert offers.tolist() == pytest.approx([0, 2 / 0.75, 4])
    assert interviews.tolist() == pytest.approx([0, 2 / 0.75 / 0.3, 4 / 0.3])
    assert applications.tolist() == pytest.approx([0, 2 / 0.75 / 0.3 / 0.12, 4 / 0.3 / 0.12])


def _feasible(now: np.ndarray, required: np.ndarray, free: np.ndarray) -> bool:
    """Whether, after ``now`` starts per unit in month 0, every unit's later starts fit ``free`` (months 1 on) by
    their deadlines: every assignment of the jobs to the free hires tried (small cases only)."""
    units, months = required.shape
    jobs = []  # the deadline of each start still to schedule: the k-th start of a unit is due when its need reaches k
    for u in range(units):
        for k in range(int(now[u]) + 1, int(required[u, -1]) + 1):
            jobs.append(int(np.argmax(required[u] >= k)))
    if any(deadline == 0 for deadline in jobs):
        return False
    slots = [j for j in range(1, months) for _ in range(int(free[j]))]
    if len(jobs) > len(slots):
        return False
    return any(all(slot <= deadline for slot, deadline in zip(chosen, jobs))
               for chosen in itertools.permutations(slots, len(jobs)))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_starts_now_is_the_fewest_that_keep_every_deadline(data):
    units = data.draw(st.integers(1, 2))
    months = data.draw(st.integers(1, 4))
    steps = data.draw(st.lists(st.lists(st.integers(0, 2), min_size=months, max_size=months), min_size=units,
                               max_size=units))
    required = np.cumsum(np.array(steps), axis=1)
    free = np.array(data.draw(st.lists(st.integers(0, 2), min_size=months, max_size=months)))
    x = starts_now(required, free)
    assert x.sum() <= free[0]
    feasible_now = [np.array(c) for c in itertools.product(*(range(int(free[0]) + 1) for _ in range(units)))
                    if sum(c) <= free[0] and _feasible(np.array(c), required, free)]
    if feasible_now:
        # Some split of month 0's hires keeps every deadline: starts_now finds one, with the fewest starts.
        assert _feasible(x, required, free)
        assert x.sum() == min(int(c.sum()) for c in feasible_now)
    else:
        # None does: month 0's hires are all used, never more.
        assert x.sum() == free[0]


def test_starts_now_by_hand_and_for_every_draw_at_once():
    required = np.array([[1, 1, 3], [0, 1, 1]])
    assert starts_now(required, np.array([2, 1, 1])).tolist() == [1, 1]
    assert starts_now(required, np.array([4, 4, 4])).tolist() == [1, 0]  # room later: only what is due now
    assert starts_now(required, np.array([4, 0, 0])).tolist() == [3, 1]  # nothing later: everything now
    draws = np.stack([required, required])
    free = np.array([[2, 1, 1], [4, 0, 0]])
    assert starts_now(draws, free).tolist() == [[1, 1], [3, 1]]
