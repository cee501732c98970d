"""Prices rising with inflation over a plan of several years, and the segment thresholds with them or not.

With ``fiscal_year.inflation_per_year`` every customer's ARR rises by it at the start of each plan year
after the first (year ``y``'s ARR is today's times :math:`(1 + i)^y`, :func:`capacity.formulas.growth.compounded`).
The thresholds between segments then either rise with it (``index_thresholds: true``: every account keeps
its segment, only ARR changes) or stay where they are (the default), so that accounts cross into higher
segments as their ARR passes a threshold: more of the book needs the higher segment's touchpoints.

:func:`drift_of` measures that crossing on today's book. An account's segment in year ``y`` is the one
its ARR times :math:`(1 + i)^y` falls in, the same as its ARR today against thresholds divided by
:math:`(1 + i)^y`. At the start of each year the fiscal plan moves each segment's customers (today's and
those who arrived since alike) to the segments today's accounts of that segment move to, in the same
shares (``Drift.moves``); each segment's recurring work per customer and ARR per customer are its
accounts' in that year (today's book at the year's thresholds, sized by the plan's own sizing core).
One-time work and programs stay as the plan has them. Without a book there is no account to cross a
threshold: the segments keep their customers (a note says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.formulas import growth
from capacity.model.accounts import segment_index
from capacity.model.sizing import Variants, size

__all__ = ["Drift", "drift_of", "moved"]


@dataclass(frozen=True)
class Drift:
    """How today's book crosses fixed thresholds as inflation raises its ARR, year by year of the plan.

    Attributes
    ----------
    moves : ndarray (Y, S, S)
        ``moves[y, s, r]``: the share of segment ``s``'s customers that are in segment ``r`` from the start of
        year ``y`` (the identity for year 0 and for a segment with no account) [-].
    hours_ratio : ndarray (Y, S)
        Each segment's recurring work per customer in year ``y`` against the plan's (year 0) [-].
    arr_per_customer : ndarray (Y, S)
        Each segment's ARR per customer in year ``y`` in today's prices (its accounts at the year's
        thresholds; the plan's where it has none) [currency/year].
    """

    moves: np.ndarray
    hours_ratio: np.ndarray
    arr_per_customer: np.ndarray


def drift_of(rows: Variants, years: int, rate: float, arr_per_customer: np.ndarray) -> Drift:
    """The crossing of ``rows``'s book (row 0, the plan's) over ``years`` plan years at inflation ``rate``.

    Parameters
    ----------
    rows : Variants
        The plan's variants (:func:`capacity.model.sizing.variants`) with a book.
    years : int
        Plan years to cover (the plan's and its look-ahead's).
    rate : float
        Inflation a year [1/year].
    arr_per_customer : array (S,)
        The plan's ARR per customer of each segment, for a segment without accounts in a year [currency/year].
    """
    scenario, book = rows.scenario, rows.book
    factors = growth.compounded(rate, np.arange(years))
    thresholds = rows.min_arr[:1] / factors[:, None]  # (Y, S): today's ARR against the year's thresholds
    by_year = rows.repeat(years).with_rows(min_arr=thresholds)
    sized = size(by_year)
    k = len(scenario.segments)
    recurring = sized.loads.recurring
    base = recurring[0]
    hours_ratio = np.divide(recurring, base, out=np.ones_like(recurring), where=base > 0)
    counts = sized.customers.astype(float)
    arr = np.asarray(sized.arr, dtype=float)
    per_customer = np.where(counts > 0, np.divide(arr, np.where(counts > 0, counts, 1.0)), arr_per_customer[None, :])
    moves = np.repeat(np.eye(k)[None], years, axis=0)
    previous = segment_index(scenario, book, thresholds[0])
    for y in range(1, years):
        current = segment_index(scenario, book, thresholds[y])
        flows = np.zeros((k, k))
        np.add.at(flows, (previous, current), 1.0)
        held = flows.sum(axis=1)
        moves[y] = np.where(held[:, None] > 0, flows / np.where(held > 0, held, 1.0)[:, None], np.eye(k))
        previous = current
    return Drift(moves=moves, hours_ratio=hours_ratio, arr_per_customer=per_customer)


def moved(customers: np.ndarray, drift: Drift, month: int) -> np.ndarray:
    """Customers (..., S) at the end of the month before ``month``, moved to their segments of ``month``'s year
    when ``month`` opens a plan year (unchanged otherwise)."""
    if month == 0 or month % 12 or month // 12 >= len(drift.moves):
        return customers
    return customers @ drift.moves[month // 12]
