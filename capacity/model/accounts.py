"""Account-level work: some accounts need more of a CSM than others, and some need none.

Two scenario keys weigh the work of each account of the book:

- ``workload_multipliers: {column: health, values: {red: 1.5, yellow: 1.2, green: 1.0}, default: 1.0}``
  multiplies an account's per-customer hours (recurring, inbound and one-time touchpoints; programs
  are per segment and stay as they are); a ``workload_multiplier`` column of the book multiplies on top.
- ``serve_only: {health: [red, yellow]}`` on a segment: only matching accounts need CSM time; the
  others still count as customers (and ARR) of the segment.

A segment's hours per customer then become the average over its accounts: the segment's
*workload weight* times the hours of an ordinary customer. Without either key (and without a
``workload_multiplier`` column) every weight is exactly 1 and the plan is unchanged.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from capacity.inputs.book import Book
from capacity.exceptions import ScenarioError
from capacity.inputs.scenario import Scenario

__all__ = [
    "WorkloadWeights", "uses_account_work", "segment_index", "account_multipliers", "served_accounts",
    "workload_weight", "workload_weights", "weighted_loads",
]


@dataclass(frozen=True)
class WorkloadWeights:
    """Per segment (scenario order): customers, customers served, and the workload weight [dimensionless]."""

    customers: np.ndarray
    served_customers: np.ndarray
    weight: np.ndarray


def uses_account_work(scenario: Scenario, book: Book | None = None) -> bool:
    """True if the scenario or the book weighs accounts (multipliers, ``serve_only`` or the column)."""
    return (
        scenario.workload_multipliers is not None
        or any(seg.serve_only for seg in scenario.segments)
        or (book is not None and book.has_column("workload_multiplier"))
    )


def workload_weight(multiplier_sum, customers):
    """A segment's workload weight: the average work of its accounts against an ordinary one.

    ``weight = sum(m_a for served accounts a) / customers`` [dimensionless]; 1 for a segment
    without customers (its hours per customer stay those of an ordinary customer).
    Scalars or arrays alike.
    """
    multiplier_sum = np.asarray(multiplier_sum, dtype=float)
    customers = np.asarray(customers, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(customers > 0, multiplier_sum / np.where(customers > 0, customers, 1), 1.0)
    return out if out.ndim else float(out)


def segment_index(scenario: Scenario, book: Book, min_arr=None) -> np.ndarray:
    """Each account's segment, as an index into ``scenario.segments`` (file order)."""
    from capacity.model.segments import segment_sizes, threshold_cents

    segment_sizes(scenario, book, min_arr)  # refuses accounts below every threshold
    mins = np.array([s.min_arr for s in scenario.segments]) if min_arr is None else np.asarray(min_arr, dtype=float)
    order = np.argsort(mins, kind="stable")
    bins = np.searchsorted(threshold_cents(mins[order]), book.arr_cents, side="right") - 1
    return order[bins]


def _need_book(scenario: Scenario, book: Book | None, where: str) -> Book:
    if book is None:
        raise ScenarioError(f"{where.split('.')[-1].split('[')[0]} needs a book of accounts (book: in the scenario, "
                            "or --book)", file=scenario.source, where=where)
    return book


def _column(scenario: Scenario, book: Book, column: str, where: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if column != "vertical" and not book.has_column(column):
        shown = "" if book.source is None else f" {book.source}"
        raise ScenarioError(f"the book{shown} has no {column!r} column", file=scenario.source, where=where)
    return book.category(column)


def _key(text: str) -> str:
    return text.strip().casefold()


def account_multipliers(scenario: Scenario, book: Book) -> np.ndarray:
    """Each account's workload multiplier [dimensionless]: the scenario's by column, times the book's column.

    Raises
    ------
    ScenarioError
        When a value of the column has no multiplier and there is no ``default``.
    """
    out = np.ones(len(book))
    rule = scenario.workload_multipliers
    if rule is not None:
        codes, labels = _column(scenario, book, rule.column, "workload_multipliers.column")
        given = {_key(k): v for k, v in rule.values.items()}
        per_label = np.empty(len(labels) + 1)
        for i, label in enumerate(labels):
            value = given.get(_key(label), rule.default)
            if value is None:
                position = int(np.argmax(codes == i))
                raise ScenarioError(
                    f"the book's {rule.column} value {label!r} (first on {book.row_of(position)}) has no multiplier "
                    "and there is no default; add it to values or give a default",
                    file=scenario.source, where="workload_multipliers.values",
                )
            per_label[i] = value
        if rule.default is None and (codes < 0).any():
            position = int(np.argmax(codes < 0))
            raise ScenarioError(
                f"{rule.column} is blank on {book.row_of(position)} and there is no default; "
                "fill it in or give a default",
                file=scenario.source, where="workload_multipliers.default",
            )
        per_label[-1] = np.nan if rule.default is None else rule.default
        out = per_label[codes]  # code -1 picks the default
    column = book.workload_multiplier
    return out if column is None else out * column


def served_accounts(scenario: Scenario, book: Book, segments: np.ndarray) -> np.ndarray:
    """True for each account that needs CSM time: every account, unless its segment has ``serve_only``.

    ``segments`` is :func:`segment_index` of the book.
    """
    served = np.ones(len(book), dtype=bool)
    for i, seg in enumerate(scenario.segments):
        if not seg.serve_only:
            continue
        in_segment = segments == i
        keep = np.ones(len(book), dtype=bool)
        for column, values in seg.serve_only.items():
            where = f"segments[{i}].serve_only.{column}"
            codes, labels = _column(scenario, book, column, where)
            known = {_key(label): j for j, label in enumerate(labels)}
            wanted = []
            for k, value in enumerate(values):
                if _key(value) not in known:
                    hint = difflib.get_close_matches(_key(value), list(known), n=1, cutoff=0.6)
                    said = f" (did you mean {labels[known[hint[0]]]!r}?)" if hint else (
                        f"; its values are: {', '.join(labels)}" if labels else "; the column is blank")
                    raise ScenarioError(f"no account of the book has {column} {value!r}{said}",
                                        file=scenario.source, where=f"{where}[{k}]")
                wanted.append(known[_key(value)])
            keep &= np.isin(codes, wanted)
        served[in_segment] = keep[in_segment]
    return served


def workload_weights(scenario: Scenario, book: Book | None, min_arr=None) -> WorkloadWeights:
    """Customers, served customers and workload weight of every segment (see :func:`workload_weight`)."""
    if scenario.workload_multipliers is not None:
        book = _need_book(scenario, book, "workload_multipliers")
    for i, seg in enumerate(scenario.segments):
        if seg.serve_only:
            book = _need_book(scenario, book, f"segments[{i}].serve_only")
    segments = segment_index(scenario, book, min_arr)
    k = len(scenario.segments)
    served = served_accounts(scenario, book, segments)
    multipliers = account_multipliers(scenario, book)
    customers = np.bincount(segments, minlength=k)
    served_customers = np.bincount(segments, weights=served, minlength=k).astype(np.int64)
    total = np.bincount(segments, weights=np.where(served, multipliers, 0.0), minlength=k)
    return WorkloadWeights(customers, served_customers, np.atleast_1d(workload_weight(total, customers)))


def weighted_loads(loads: tuple, weight: float) -> tuple:
    """Touchpoint loads with each per-customer figure times ``weight``; programs unchanged."""
    import dataclasses

    return tuple(dataclasses.replace(t, hours_per_customer_per_month=t.hours_per_customer_per_month * weight)
                 for t in loads)
