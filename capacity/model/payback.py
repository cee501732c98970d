"""Does the team pay for itself? Each segment's CS cost against the ARR it must keep or add to pay back.

For every segment and in total (:class:`Payback`, carried by every :class:`capacity.model.plan.Plan`):

- the CS cost a year: the CSMs' loaded cost plus the tooling of adopted automations;
- the ARR a year it must retain or expand to pay back, ``cost / gross_margin``
  (:func:`capacity.formulas.payback.break_even_arr`), and that as points of the segment's ARR
  beside its churn (``churn_per_year``, the share lost a year today);
- with the user's own ``retention_by_coverage``, the return: the ARR the segment's coverage keeps a
  year beyond the lowest-touch coverage given (:func:`capacity.formulas.payback.arr_kept_by_coverage`),
  per dollar of CS cost, and whether that pays back.

No claim about causes: the break-even says how much would have to be CS's doing, the return what
the user's retention data say it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from capacity.formulas import payback as formulas
from capacity.formulas.workload import safe_ratio
from capacity.inputs.scenario import Scenario

__all__ = ["SegmentPayback", "Payback", "payback_of", "TOTAL"]

#: The name of the total row.
TOTAL = "Total"


@dataclass(frozen=True)
class SegmentPayback:
    """One segment's (or the total's) business case; money in the scenario's currency a year.

    Attributes
    ----------
    cost_per_year : float
        CS cost: CSMs' loaded cost plus adopted tooling [currency/year].
    break_even_arr_per_year : float
        ARR to retain or expand a year to pay back: cost / gross margin [currency/year].
    break_even_share_of_arr : float or None
        The same as a share of the segment's ARR [1/year] (0.068: 6.8 points); None without ARR.
    churn_per_year : float
        Share of customers (and ARR) the segment loses a year today [1/year]; for the total, the
        segments' rates weighted by ARR.
    churned_arr_per_year : float
        ARR that churn takes a year: ARR x churn [currency/year].
    retention : float or None
        Gross retention observed under the segment's coverage (``retention_by_coverage``); None without it.
        For the total, the segments' retention weighted by ARR.
    retained_arr_per_year : float or None
        ARR still there a year later at that retention: ARR x retention [currency/year].
    arr_kept_per_year : float or None
        ARR the coverage keeps a year beyond the lowest-touch coverage given [currency/year]; 0 for a
        segment on that coverage; None without retention data for its coverage.
    arr_kept_per_dollar : float or None
        ``arr_kept_per_year`` per dollar of CS cost; None where it cannot be measured (no data, the
        lowest-touch coverage itself, or no cost).
    pays_back : bool or None
        Whether the ARR kept covers the break-even; None where the return is not measured.
    """

    name: str
    coverage: str
    headcount: int
    cost_per_year: float
    arr: float
    break_even_arr_per_year: float
    break_even_share_of_arr: float | None
    churn_per_year: float
    churned_arr_per_year: float
    retention: float | None = None
    retained_arr_per_year: float | None = None
    arr_kept_per_year: float | None = None
    arr_kept_per_dollar: float | None = None
    pays_back: bool | None = None


@dataclass(frozen=True)
class Payback:
    """The business case of a plan: per segment and in total (``to_dict`` is the plan JSON's ``payback``).

    ``floor_coverage`` and ``floor_retention`` are what returns are measured against: the lowest-touch
    coverage of ``retention_by_coverage`` and its retention (None without retention data).
    """

    gross_margin: float
    floor_coverage: str | None
    floor_retention: float | None
    segments: tuple[SegmentPayback, ...]
    total: SegmentPayback

    @property
    def has_return(self) -> bool:
        """Whether the scenario gives retention data, so a return is measured."""
        return self.floor_coverage is not None

    def segment(self, name: str) -> SegmentPayback:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def to_dict(self) -> dict:
        return asdict(self)


def payback_of(scenario: Scenario, segments: Sequence, tooling: Sequence[float]) -> Payback:
    """The business case of a plan's segments.

    Parameters
    ----------
    scenario : Scenario
        For ``gross_margin``, each segment's ``churn_per_year`` and ``retention_by_coverage``.
    segments : sequence of SegmentPlan
        In scenario order: each one's ``name``, ``coverage``, ``headcount``, ``cost_per_year`` (CSMs) and ``arr``.
    tooling : sequence of float
        Each segment's adopted tooling a year [currency/year].

    Returns
    -------
    Payback
    """
    margin = scenario.gross_margin
    evidence = scenario.retention_by_coverage
    floor_coverage, floor = evidence.floor if evidence is not None else (None, None)
    rows = []
    for seg, plan_seg, tools in zip(scenario.segments, segments, tooling):
        cost = float(plan_seg.cost_per_year) + float(tools)
        arr = float(plan_seg.arr)
        retention = evidence.of(plan_seg.coverage) if evidence is not None else None
        kept = per_dollar = pays = None
        if retention is not None:
            kept = float(formulas.arr_kept_by_coverage(arr, retention, floor))
            if plan_seg.coverage != floor_coverage:
                per_dollar = safe_ratio(kept, cost)
                pays = bool(kept >= formulas.break_even_arr(cost, margin))
        rows.append(_row(plan_seg.name, plan_seg.coverage, int(plan_seg.headcount), cost, arr, seg.churn_per_year,
                         margin, retention, kept, per_dollar, pays))
    cost = sum(r.cost_per_year for r in rows)
    arr = sum(r.arr for r in rows)
    churned = sum(r.churned_arr_per_year for r in rows)
    churn = safe_ratio(churned, arr) or 0.0
    measured = evidence is not None and all(r.retention is not None for r in rows)
    kept = sum(r.arr_kept_per_year for r in rows) if measured else None
    retained = sum(r.retained_arr_per_year for r in rows) if measured else None
    total = _row(TOTAL, "", sum(r.headcount for r in rows), cost, arr, churn, margin,
                 safe_ratio(retained, arr) if measured else None, kept,
                 safe_ratio(kept, cost) if measured else None,
                 bool(kept >= formulas.break_even_arr(cost, margin)) if measured else None, churned=churned,
                 retained=retained)
    return Payback(margin, floor_coverage, floor, tuple(rows), total)


def _row(name, coverage, headcount, cost, arr, churn, margin, retention, kept, per_dollar, pays,
         churned: float | None = None, retained: float | None = None) -> SegmentPayback:
    if retained is None and retention is not None:
        retained = float(formulas.retained_arr(arr, retention))
    return SegmentPayback(
        name=name, coverage=coverage, headcount=headcount, cost_per_year=cost, arr=arr,
        break_even_arr_per_year=float(formulas.break_even_arr(cost, margin)),
        break_even_share_of_arr=safe_ratio(float(formulas.break_even_arr(cost, margin)), arr),
        churn_per_year=float(churn),
        churned_arr_per_year=float(formulas.churned_arr(arr, churn) if churned is None else churned),
        retention=retention, retained_arr_per_year=retained, arr_kept_per_year=kept, arr_kept_per_dollar=per_dollar,
        pays_back=pays)
