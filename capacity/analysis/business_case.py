"""The business case: does the team pay for itself, which coverage change pays back most, hire or automate.

:func:`business_case` puts together what a CFO asks after "how many":

- the plan's break-even per segment and in total (:class:`capacity.model.payback.Payback`, on the plan);
- with the user's ``retention_by_coverage``, the coverage changes of the scenario's options and
  trade-offs (each applied alone) that change which coverage some ARR gets, each with the ARR it
  keeps or loses a year (retained ARR: ARR x the retention of its coverage, summed over segments),
  its change of CS cost, and the net a year at the gross margin (gross profit on the ARR kept less the
  extra cost); and each segment moved whole to each other coverage, whose cost the scenario does not
  say, with the most extra CS cost a year the move could take and still pay back;
- each automation's hire-or-automate case (:mod:`capacity.analysis.hire_or_automate`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from capacity.analysis.hire_or_automate import AutomationCase, hire_or_automate
from capacity.analysis.options import variant_plan
from capacity.formulas import payback as formulas
from capacity.inputs.context import Context, load_context
from capacity.inputs.scenario import COVERAGES
from capacity.model.automation import bracket
from capacity.model.payback import Payback
from capacity.model.plan import Plan, plan

__all__ = ["CoverageChange", "BusinessCase", "business_case"]


@dataclass(frozen=True)
class CoverageChange:
    """A change of which coverage some ARR gets, and whether it pays back. Money a year.

    Attributes
    ----------
    name : str
        The option's or trade-off's name, or "SMB: pooled to dedicated" for a segment moved whole.
    source : str
        ``option``, ``trade-off`` or ``move`` (a segment moved whole to another coverage).
    changes : dict
        The key paths that make it.
    arr_kept_change_per_year : float
        Retained ARR a year under the change less the plan's (negative: ARR lost).
    gross_profit_change_per_year : float
        That at the gross margin.
    cost_change_per_year : float or None
        CS cost a year (CSMs and tooling) under the change less the plan's; None for a move, whose
        cost the scenario does not say.
    net_per_year : float or None
        ``gross_profit_change_per_year - cost_change_per_year``: positive pays back.
    """

    name: str
    source: str
    changes: dict
    arr_kept_change_per_year: float
    gross_profit_change_per_year: float
    cost_change_per_year: float | None
    net_per_year: float | None

    @property
    def break_even_cost_change_per_year(self) -> float:
        """The CS cost change a year at which it breaks even: more cost than this (or, for a change that
        loses ARR, a saving smaller than minus this) does not pay back."""
        return self.gross_profit_change_per_year


@dataclass(frozen=True)
class BusinessCase:
    """What the team must earn to pay for itself, what the retention data say it earns, and hire or automate."""

    currency: str
    payback: Payback
    coverage_changes: tuple[CoverageChange, ...]
    moves: tuple[CoverageChange, ...]
    automations: tuple[AutomationCase, ...]

    @property
    def best_change(self) -> CoverageChange | None:
        """The option or trade-off that pays back most (highest net a year), or None without one."""
        return max(self.coverage_changes, key=lambda c: c.net_per_year, default=None)

    def to_dict(self) -> dict:
        return {"payback": self.payback.to_dict(),
                "coverage_changes": [asdict(c) for c in self.coverage_changes],
                "moves": [asdict(c) for c in self.moves],
                "automations": [a.to_dict() for a in self.automations]}

    def changes_frame(self) -> pd.DataFrame:
        """The coverage changes then the moves, one row each."""
        columns = list(CoverageChange.__dataclass_fields__)
        return pd.DataFrame([asdict(c) for c in (*self.coverage_changes, *self.moves)], columns=columns)


def _cost(result: Plan) -> float:
    return result.totals.cost_with_tooling_per_year


def business_case(context: Context | Any) -> BusinessCase:
    """The business case of a scenario (see the module docstring).

    Coverage changes and moves need ``retention_by_coverage`` (empty without it, and for a change
    that gives some ARR a coverage the data do not cover).
    """
    context = load_context(context)
    scenario = context.scenario
    base = plan(context)
    evidence = scenario.retention_by_coverage
    changes: list[CoverageChange] = []
    moves: list[CoverageChange] = []
    if evidence is not None and base.payback.total.retained_arr_per_year is not None:
        margin = scenario.gross_margin
        kept0 = base.payback.total.retained_arr_per_year
        seen: set[tuple] = set()
        for source, items in (("option", scenario.options), ("trade-off", scenario.trade_offs)):
            for item in items:
                key = (item.name, tuple(sorted((k, repr(v)) for k, v in item.changes.items())))
                if key in seen:
                    continue
                seen.add(key)
                result = variant_plan(context, item.changes)
                kept = result.payback.total.retained_arr_per_year
                if kept is None or abs(kept - kept0) < 0.005:
                    continue  # a coverage the data do not cover, or no ARR changes coverage
                profit = float(margin * (kept - kept0))
                cost = _cost(result) - _cost(base)
                changes.append(CoverageChange(item.name, source, dict(item.changes), kept - kept0, profit, cost,
                                              profit - cost))
        names = [seg.name for seg in scenario.segments]
        for s, seg in enumerate(base.payback.segments):
            if seg.retention is None:
                continue
            for coverage in COVERAGES:
                other = evidence.of(coverage)
                if coverage == seg.coverage or other is None:
                    continue
                gained = float(formulas.retained_arr(seg.arr, other) - formulas.retained_arr(seg.arr, seg.retention))
                path = f"segments[{bracket(seg.name, s, names)}].coverage"
                moves.append(CoverageChange(f"{seg.name}: {seg.coverage} to {coverage}", "move", {path: coverage},
                                            gained, float(margin * gained), None, None))
    changes.sort(key=lambda c: -c.net_per_year)
    return BusinessCase(base.currency, base.payback, tuple(changes), tuple(moves), hire_or_automate(context))
