"""Hire or automate: what each automation a touchpoint lists saves, net of its tooling, and what it is worth.

Each automation (:mod:`capacity.model.automation`) is weighed as an option: the plan with it adopted
alone against the plan (:func:`automation_case`, from those two plans; :func:`hire_or_automate` plans
them). The answer a CFO reads: the CSM hours software takes over, the CSMs and cost it saves in this
plan (whole people), the saving net of the tooling, and the break-even tooling price, the most the
tooling may cost a year and still pay for itself as the team grows:
:func:`capacity.formulas.payback.worth_up_to` (FTE taken over x a CSM's loaded cost).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from capacity.formulas import payback
from capacity.formulas.workload import safe_ratio
from capacity.inputs.context import Context, load_context
from capacity.model.automation import Automatable, automatable
from capacity.model.plan import Plan, plan

__all__ = ["AutomationCase", "automation_case", "hire_or_automate", "cases_frame"]


@dataclass(frozen=True)
class AutomationCase:
    """One automation adopted alone, against the plan. Money a year in the plan's currency.

    Attributes
    ----------
    name, segment, touchpoint : str
    takes_over : str
        ``minutes`` (of each occurrence) or ``occurrences`` (inbound questions deflected).
    share : float
        The share of them software takes over [-].
    hours_per_month : float
        CSM hours a month software takes over; customers still get them [h/month].
    fte_saved : float
        CSM time taken over [FTE] (queue staffing included for a segment with ``inbound_service``).
    csms_saved : int
        CSMs fewer in this plan (whole people: may be 0 for a small share, or more than ``fte_saved``
        rounds to).
    cost_saved_per_year : float
        The CSMs' loaded cost saved in this plan.
    tooling_cost_per_year : float
        What the tooling costs a year (a fixed fee, or a fee per account times the segment's accounts).
    net_saving_per_year : float
        ``cost_saved_per_year - tooling_cost_per_year``: negative when the tooling costs more than it saves.
    loaded_cost_per_year : float
        A CSM of the segment.
    worth_up_to_per_year : float
        The break-even tooling price: ``fte_saved x loaded_cost_per_year``.
    tooling_per_csm_saved : float or None
        The tooling a year per FTE taken over, to set beside ``loaded_cost_per_year``; None when it
        takes over no CSM time.
    """

    name: str
    segment: str
    touchpoint: str
    takes_over: str
    share: float
    hours_per_month: float
    fte_saved: float
    csms_saved: int
    cost_saved_per_year: float
    tooling_cost_per_year: float
    net_saving_per_year: float
    loaded_cost_per_year: float
    worth_up_to_per_year: float
    tooling_per_csm_saved: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def automation_case(item: Automatable, baseline: Plan, adopted: Plan) -> AutomationCase:
    """The case of one automation from the plan without it and the plan with it adopted alone.

    Parameters
    ----------
    item : Automatable
        The automation and its touchpoint (:func:`capacity.model.automation.automatable`).
    baseline : Plan
        The plan (the automation not adopted).
    adopted : Plan
        The plan of the scenario with ``item.adoption()`` applied.
    """
    before, after = baseline.segments[item.segment], adopted.segments[item.segment]
    fte_saved = baseline.totals.fte - adopted.totals.fte
    tooling = adopted.totals.tooling_cost_per_year - baseline.totals.tooling_cost_per_year
    cost_saved = baseline.totals.cost_per_year - adopted.totals.cost_per_year
    mine = after.automation.automated_hours_per_month if after.automation is not None else 0.0
    theirs = before.automation.automated_hours_per_month if before.automation is not None else 0.0
    return AutomationCase(
        name=item.name, segment=item.segment_name, touchpoint=item.touchpoint_name, takes_over=item.takes_over,
        share=item.automation.share, hours_per_month=mine - theirs, fte_saved=fte_saved,
        csms_saved=baseline.totals.headcount - adopted.totals.headcount, cost_saved_per_year=cost_saved,
        tooling_cost_per_year=tooling, net_saving_per_year=cost_saved - tooling,
        loaded_cost_per_year=before.loaded_cost_per_year,
        worth_up_to_per_year=float(payback.worth_up_to(fte_saved, before.loaded_cost_per_year)),
        tooling_per_csm_saved=safe_ratio(tooling, fte_saved) if fte_saved > 1e-12 else None,
    )


def hire_or_automate(context: Context | Any) -> tuple[AutomationCase, ...]:
    """Every automation of the scenario not yet adopted, each adopted alone against the plan.

    Each adopted plan is ``plan(scenario.with_changes(adoption))``, as every option's is
    (:func:`capacity.analysis.options.variant_plan`).
    """
    context = load_context(context)
    baseline = plan(context)
    return tuple(automation_case(item, baseline, plan(context.with_changes(item.adoption())))
                 for item in automatable(context.scenario) if not item.automation.adopted)


def cases_frame(cases: tuple[AutomationCase, ...]) -> pd.DataFrame:
    """One row per automation (the fields of :class:`AutomationCase`)."""
    columns = list(AutomationCase.__dataclass_fields__)
    return pd.DataFrame([c.to_dict() for c in cases], columns=columns)
