"""Segments: which accounts fall in which ARR tier, and how many customers and ARR each has.

An account belongs to the segment with the largest ``min_arr`` at or below its ARR.
With a book, counts come from binary searches in the book's sorted ARR (no scan of the
accounts), so changing thresholds costs the same on ten or ten million accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .book import Book, SortedARR
from .exceptions import BookError, ScenarioError
from .scenario import Scenario

__all__ = ["SegmentSizes", "threshold_cents", "segment_sizes", "assign_segments", "sizes_by_vertical"]


@dataclass(frozen=True)
class SegmentSizes:
    """Customers and ARR per segment, in the scenario's segment order."""

    names: tuple[str, ...]
    customers: np.ndarray
    arr: np.ndarray


def threshold_cents(min_arr) -> np.ndarray:
    """``min_arr`` in whole cents, rounded up: an account needs at least this many cents to qualify."""
    return np.ceil(np.round(np.asarray(min_arr, dtype=float) * 100, 6)).astype(np.int64)


def _order(scenario: Scenario, min_arr: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    mins = np.array([s.min_arr for s in scenario.segments]) if min_arr is None else np.asarray(min_arr, dtype=float)
    order = np.argsort(mins, kind="stable")
    return mins, order


def _check_lowest(book: Book, lowest_cents: int, scenario: Scenario, lowest_index: int) -> None:
    below = book.arr_cents < lowest_cents
    if below.any():
        position = int(np.argmax(below))
        segment = scenario.segments[lowest_index]
        raise BookError(
            f"arr {book.arr_cents[position] / 100:,.2f} is below every segment threshold "
            f"(lowest: {segment.name!r} at min_arr {segment.min_arr:,.0f}); add a segment with min_arr: 0",
            file=book.source,
            where=book.row_of(position),
        )


def _sizes_from_sorted(arr: SortedARR, mins: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts_sorted, sums_sorted = arr.between(threshold_cents(mins[order]))
    counts = np.empty_like(counts_sorted)
    sums = np.empty_like(sums_sorted)
    counts[order] = counts_sorted
    sums[order] = sums_sorted
    return counts, sums


def segment_sizes(scenario: Scenario, book: Book | None = None, min_arr=None) -> SegmentSizes:
    """Customers and ARR per segment, from the book or else from the scenario.

    Parameters
    ----------
    scenario : Scenario
    book : Book, optional
        When given, overrides the scenario's ``customers`` and ``arr``.
    min_arr : array-like, optional
        Thresholds to use instead of the scenario's (same order as its segments), for
        what-if sliders; must be distinct.

    Raises
    ------
    ScenarioError
        Without a book, when a segment lacks ``customers`` or ``arr``.
    BookError
        When an account's ARR is below every threshold.
    """
    names = tuple(s.name for s in scenario.segments)
    if book is None:
        for i, seg in enumerate(scenario.segments):
            for key in ("customers", "arr"):
                if getattr(seg, key) is None:
                    raise ScenarioError(
                        f"missing {key}: without a book of accounts each segment needs customers and arr",
                        file=scenario.source,
                        where=f"segments[{i}].{key}",
                    )
        return SegmentSizes(
            names,
            np.array([s.customers for s in scenario.segments], dtype=np.int64),
            np.array([s.arr for s in scenario.segments], dtype=float),
        )
    mins, order = _order(scenario, min_arr)
    if len(np.unique(mins)) != len(mins):
        raise ScenarioError("segment thresholds must be distinct", file=scenario.source, where="segments[].min_arr")
    lowest = int(order[0])
    if book.min_cents < threshold_cents(mins[lowest]):
        _check_lowest(book, int(threshold_cents(mins[lowest])), scenario, lowest)
    counts, sums = _sizes_from_sorted(book, mins, order)  # a Book bins without sorting
    return SegmentSizes(names, counts.astype(np.int64), sums / 100)


def sizes_by_vertical(scenario: Scenario, book: Book, min_arr=None) -> dict[str, SegmentSizes]:
    """Customers and ARR per segment within each vertical of the book (for vertical pools)."""
    segment_sizes(scenario, book, min_arr)  # validates thresholds and the lowest tier once
    mins, order = _order(scenario, min_arr)
    names = tuple(s.name for s in scenario.segments)
    out = {}
    for vertical, arr in book.by_vertical.items():
        counts, sums = _sizes_from_sorted(arr, mins, order)
        out[vertical] = SegmentSizes(names, counts.astype(np.int64), sums / 100)
    return out


def assign_segments(scenario: Scenario, book: Book, min_arr=None) -> np.ndarray:
    """The segment name of every account, in the book's file order.

    Returns
    -------
    numpy.ndarray of str (object)
    """
    segment_sizes(scenario, book, min_arr)
    mins, order = _order(scenario, min_arr)
    bin_index = np.searchsorted(threshold_cents(mins[order]), book.arr_cents, side="right") - 1
    names = np.array([scenario.segments[i].name for i in order], dtype=object)
    return names[bin_index]
