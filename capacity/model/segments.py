"""Segments: which accounts fall in which ARR tier, and how many customers and ARR each has.

An account belongs to the segment with the largest ``min_arr`` at or below its ARR.
With a book, counts come from binary searches in the book's sorted ARR (no scan of the
accounts), so changing thresholds costs the same on ten or ten million accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.inputs.book import Book, SortedARR
from capacity.exceptions import BookError, ScenarioError
from capacity.inputs.scenario import Scenario

__all__ = ["SegmentSizes", "threshold_cents", "counts_at", "check_thresholds", "segment_sizes", "assign_segments", "sizes_by_vertical"]


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


def check_thresholds(scenario: Scenario, book: Book, min_arr) -> None:
    """Refuse thresholds that meet, or that leave an account of the book below the lowest segment.

    ``min_arr`` is ``(S,)`` or ``(V, S)`` (one set of thresholds per row), in the scenario's segment order.

    Raises
    ------
    ScenarioError
        When two thresholds of a set are equal.
    BookError
        Naming the row of the first account below every threshold of a set.
    """
    mins = np.atleast_2d(np.asarray(min_arr, dtype=float))
    if (np.diff(np.sort(mins, axis=1), axis=1) <= 0).any():
        raise ScenarioError("segment thresholds must be distinct", file=scenario.source, where="segments[].min_arr")
    lowest = np.argmin(mins, axis=1)
    cents = threshold_cents(mins[np.arange(len(mins)), lowest])
    below = book.min_cents < cents
    if below.any():
        row = int(np.argmax(below))
        position = int(np.argmax(book.arr_cents < cents[row]))
        segment = scenario.segments[int(lowest[row])]
        raise BookError(
            f"arr {book.arr_cents[position] / 100:,.2f} is below every segment threshold "
            f"(lowest: {segment.name!r} at min_arr {float(mins[row, lowest[row]]):,.0f}); add a segment with min_arr: 0",
            file=book.source,
            where=book.row_of(position),
        )


def counts_at(arr: "SortedARR | Book", min_arr) -> tuple[np.ndarray, np.ndarray]:
    """Customers and ARR [USD/year] of each segment at thresholds ``min_arr``, by binary searches.

    ``min_arr`` is ``(S,)`` in the scenario's segment order, or ``(V, S)`` for many sets of
    thresholds at once (what-if curves, tornado ends); the thresholds of one set are distinct
    but need not be in order.
    """
    mins = np.asarray(min_arr, dtype=float)
    order = np.argsort(mins, axis=-1, kind="stable")
    counts_sorted, sums_sorted = arr.between(np.take_along_axis(threshold_cents(mins), order, axis=-1))
    counts, sums = np.empty_like(counts_sorted), np.empty_like(sums_sorted)
    np.put_along_axis(counts, order, counts_sorted, axis=-1)
    np.put_along_axis(sums, order, sums_sorted, axis=-1)
    return counts.astype(np.int64), sums / 100


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
    mins, _ = _order(scenario, min_arr)
    check_thresholds(scenario, book, mins)
    counts, arr = counts_at(book, mins)
    return SegmentSizes(names, counts, arr)


def sizes_by_vertical(scenario: Scenario, book: Book, min_arr=None) -> dict[str, SegmentSizes]:
    """Customers and ARR per segment within each vertical of the book (for vertical pools)."""
    segment_sizes(scenario, book, min_arr)  # validates thresholds and the lowest tier once
    mins, _ = _order(scenario, min_arr)
    names = tuple(s.name for s in scenario.segments)
    return {vertical: SegmentSizes(names, *counts_at(arr, mins)) for vertical, arr in book.by_vertical.items()}


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
