"""Options side by side: the plan, each named option applied alone, each automation, and other scenario files.

An option is a named set of changes in the key paths of :meth:`~capacity.inputs.scenario.Scenario.with_changes`
(``options:`` in the scenario file); an automation a touchpoint lists (hire or automate,
:mod:`capacity.model.automation`) is one too, its change adopting it. :func:`compare` sizes the
baseline, every option and every automation with :func:`variant_plan`, the one evaluator of a
variant (so an option's numbers are ``plan(scenario.with_changes(changes))``), and puts them side
by side with the change from the baseline and the saving net of tooling. :class:`PinBoard` is the
what-if's comparison: the sliders' states pinned as named options beside the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from capacity.analysis.hire_or_automate import AutomationCase, automation_case
from capacity.inputs.context import Context, load_context
from capacity.model.automation import automatable
from capacity.model.plan import Plan, SegmentPlan, plan

__all__ = [
    "BASELINE", "Variant", "Comparison", "compare", "variant_plan", "demand_hours_per_month",
    "PinBoard", "arr_per_csm", "KINDS",
]

#: The name of the plan as the scenario stands, first in every comparison.
BASELINE = "Baseline"


def variant_plan(context: Context, changes: Mapping[str, Any]) -> Plan:
    """The plan of the scenario with ``changes`` applied, on the context's book.

    The one place options, trade-offs and pins are evaluated: ``plan(scenario.with_changes(changes))``.

    Raises
    ------
    ScenarioError
        When a change is not valid for the scenario (naming the key path).
    """
    return plan(context.with_changes(dict(changes)))


def demand_hours_per_month(segment: SegmentPlan) -> float:
    r"""The customer hours a segment's customers receive in a month [h/month].

    .. math:: H = N \, h_{cust} + h_{prog} + h_{auto}

    with :math:`N` customers, :math:`h_{cust}` CSM hours per customer a month, :math:`h_{prog}`
    the segment's program hours a month (see :mod:`capacity.formulas.workload`) and :math:`h_{auto}` the
    hours adopted software delivers instead of CSMs (:class:`capacity.model.plan.AutomationUse`).
    Summed over segments it is the book's demand, what a trade-off gives up when it lowers it;
    automating a touchpoint gives up none of it.
    """
    automated = segment.automation.automated_hours_per_month if segment.automation is not None else 0.0
    return segment.customers * segment.hours_per_customer_per_month + segment.program_hours_per_month + automated


#: What a variant of a comparison is: the plan, one of the scenario's options, one of its automations
#: adopted alone, or another scenario file.
KINDS = ("baseline", "option", "automation", "scenario")


@dataclass(frozen=True)
class Variant:
    """One column of a comparison: a name, the changes that make it (None for another file), its plan.

    ``kind`` is one of :data:`~capacity.analysis.options.KINDS`.
    """

    name: str
    changes: dict | None
    plan: Plan = field(repr=False)
    source: str | None = None
    kind: str = "option"

    def to_dict(self) -> dict:
        """``{"name", "kind", "changes", ...plan.to_dict() keys}`` (plus ``source`` for another scenario file)."""
        out = {"name": self.name, "kind": self.kind, "changes": self.changes, **self.plan.to_dict()}
        if self.source is not None:
            out["source"] = self.source
        return out


def arr_per_csm(plan: Plan) -> float | None:
    """ARR per CSM of a plan [currency/CSM]: total ARR / total headcount; None without a CSM."""
    t = plan.totals
    return t.arr / t.headcount if t.headcount else None


@dataclass(frozen=True)
class Comparison:
    """The baseline and its variants, side by side. ``variants[0]`` is the baseline.

    ``automations`` holds the hire-or-automate case of each automation variant
    (:class:`capacity.analysis.hire_or_automate.AutomationCase`), in their order.
    """

    variants: tuple[Variant, ...]
    automations: tuple[AutomationCase, ...] = ()

    @property
    def baseline(self) -> Variant:
        return self.variants[0]

    @property
    def currency(self) -> str:
        return self.baseline.plan.currency

    @property
    def segment_names(self) -> tuple[str, ...]:
        """Every segment of any variant, the baseline's first, in order."""
        names: list[str] = []
        for variant in self.variants:
            names += [s.name for s in variant.plan.segments if s.name not in names]
        return tuple(names)

    def to_dict(self) -> dict:
        """The CLI's ``--json``: ``{"options": [{"name", "kind", "changes", ...plan keys}], "automations": [...]}``,
        baseline first; each automation's case as :class:`~capacity.analysis.hire_or_automate.AutomationCase` has it."""
        return {"options": [v.to_dict() for v in self.variants], "automations": [a.to_dict() for a in self.automations]}

    def to_frame(self) -> pd.DataFrame:
        """One row per variant (index: name): its kind, CSMs, cost (CSMs), cost % ARR, ARR per CSM, the change
        of CSMs and cost from the baseline, the tooling of adopted automations and the saving a year net of it
        (the baseline's cost with tooling less the variant's), and per segment customers per CSM and hours
        per customer a month (columns ``customers_per_csm[<segment>]``, ``hours_per_customer_per_month[<segment>]``)."""
        base = self.baseline.plan.totals
        rows = []
        for variant in self.variants:
            t = variant.plan.totals
            row = {
                "name": variant.name,
                "kind": variant.kind,
                "headcount": t.headcount,
                "headcount_change": t.headcount - base.headcount,
                "cost_per_year": t.cost_per_year,
                "cost_change": t.cost_per_year - base.cost_per_year,
                "cost_pct_arr": t.cost_pct_arr,
                "arr_per_csm": arr_per_csm(variant.plan),
                "tooling_cost_per_year": t.tooling_cost_per_year,
                "net_saving_per_year": base.cost_with_tooling_per_year - t.cost_with_tooling_per_year,
            }
            by_name = {s.name: s for s in variant.plan.segments}
            for name in self.segment_names:
                seg = by_name.get(name)
                row[f"customers_per_csm[{name}]"] = seg.customers_per_csm if seg else math.nan
                row[f"hours_per_customer_per_month[{name}]"] = seg.hours_per_customer_per_month if seg else math.nan
            rows.append(row)
        return pd.DataFrame(rows).set_index("name")


def compare(context: Context | Any, extra_scenarios: Iterable[Any] = ()) -> Comparison:
    """The baseline, each of the scenario's ``options`` applied alone, each automation adopted alone,
    and each extra scenario's plan.

    Parameters
    ----------
    context : Context
        The scenario and its book (:func:`capacity.inputs.context.load_context`; a path or scenario is loaded).
    extra_scenarios : iterable of Context, Scenario or path
        Other scenarios to set beside it, each with its own book unless given as a context.

    Returns
    -------
    Comparison
        ``variants[0]`` is the baseline (named :data:`~capacity.analysis.options.BASELINE`), then the options in file order, then
        the automations not yet adopted in scenario order (:func:`capacity.model.automation.menu`), then
        the extra scenarios, named by their file (else their ``name``).
    """
    context = load_context(context)
    variants = [Variant(BASELINE, {}, plan(context), kind="baseline")]
    for option in context.scenario.options:
        variants.append(Variant(option.name, dict(option.changes), variant_plan(context, option.changes)))
    cases = []
    for item in automatable(context.scenario):
        if item.automation.adopted:
            continue
        adopted = variant_plan(context, item.adoption())
        variants.append(Variant(item.name, item.adoption(), adopted, kind="automation"))
        cases.append(automation_case(item, variants[0].plan, adopted))
    taken = {v.name for v in variants}
    for extra in extra_scenarios:
        other = load_context(extra)
        source = other.source
        name = source.name if source is not None else other.scenario.name
        unique, k = name, 2
        while unique in taken:
            unique, k = f"{name} ({k})", k + 1
        taken.add(unique)
        variants.append(Variant(unique, None, plan(other), None if source is None else str(source), kind="scenario"))
    return Comparison(tuple(variants), tuple(cases))


# -- the what-if's pins ----------------------------------------------------------------------


@dataclass(frozen=True)
class PinBoard:
    """Plans pinned as named options beside the baseline (the what-if's "Pin as option").

    Frozen: :meth:`pin` and :meth:`cleared` return a new board, so a pin never moves when the
    sliders do afterwards.
    """

    baseline: Plan = field(repr=False)
    pins: tuple[Variant, ...] = ()

    def pin(self, plan: Plan, changes: Mapping[str, Any], name: str | None = None) -> "PinBoard":
        """This board with ``plan`` (made by ``changes``) pinned as ``name`` (default "Option N");
        a name already taken gets a number."""
        name = " ".join(str(name or "").split()) or f"Option {len(self.pins) + 1}"
        taken = {BASELINE, *(p.name for p in self.pins)}
        unique, k = name, 2
        while unique in taken:
            unique, k = f"{name} ({k})", k + 1
        return PinBoard(self.baseline, (*self.pins, Variant(unique, dict(changes), plan)))

    def cleared(self) -> "PinBoard":
        """The board without pins."""
        return PinBoard(self.baseline)

    def comparison(self) -> Comparison:
        """The baseline and the pins, in pinning order."""
        return Comparison((Variant(BASELINE, {}, self.baseline, kind="baseline"), *self.pins))
