"""Automation: software that takes over part of a touchpoint, weighed against hiring.

A touchpoint may list an ``automation`` (:class:`capacity.inputs.scenario.Automation`): a share of
its work software could take over and what the tooling costs a year. What the share is a share of
depends on the touchpoint's kind, in :data:`TAKES_OVER`: of the minutes of each occurrence (AI-drafted
review preparation, an automated onboarding step, a newsletter written by software), or of the
occurrences themselves for inbound work (questions deflected to a help centre or a bot). Either way
the touchpoint's CSM hours are multiplied by ``1 - share``; customers receive the same service, so the
hours software delivers are not hours given up (:func:`capacity.analysis.options.demand_hours_per_month`).

An automation is a candidate until the scenario says ``adopted: true``: the plan leaves it out,
:func:`menu` offers each one as a change (``...automation.adopted: true``) that ``compare`` sets beside
the plan and ``fit`` may choose, and the what-if turns its share with a slider
(:class:`capacity.model.knobs.AutomationShare`). Adopted, it is in the plan: the sizing core
(:mod:`capacity.model.sizing`) takes the share off the touchpoint's hours and adds the tooling,
:func:`capacity.formulas.payback.tooling_cost`, to the segment's cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from capacity.inputs.scenario import Automation, Scenario, TradeOff

__all__ = ["TAKES_OVER", "Automatable", "automatable", "menu", "bracket"]

#: What an automation's ``share`` is a share of, by the touchpoint's kind.
TAKES_OVER: dict[str, str] = {"recurring": "minutes", "one_time": "minutes", "program": "minutes",
                              "inbound": "occurrences"}


def bracket(name: str, index: int, names: list[str]) -> str:
    """How a key path names an item: by its name, or by its index when the name could be read two ways."""
    if "]" in name or name.strip() != name or name.isdigit() or names.count(name) != 1:
        return str(index)
    return name


@dataclass(frozen=True)
class Automatable:
    """One touchpoint that lists an automation, and where it sits in the scenario.

    Attributes
    ----------
    segment, touchpoint : int
        Indexes into ``scenario.segments`` and its ``touchpoints``.
    segment_name, touchpoint_name, kind : str
    path : str
        The automation's key path, by name where names are unambiguous:
        ``segments[Enterprise].touchpoints[EBR preparation].automation``.
    automation : Automation
    """

    segment: int
    touchpoint: int
    segment_name: str
    touchpoint_name: str
    kind: str
    path: str
    automation: Automation

    @property
    def name(self) -> str:
        return self.automation.name

    @property
    def takes_over(self) -> str:
        """``minutes`` or ``occurrences`` (see :data:`TAKES_OVER`)."""
        return TAKES_OVER[self.kind]

    def adoption(self, adopted: bool = True) -> dict:
        """The change that adopts it (or leaves it out), for :meth:`~capacity.inputs.scenario.Scenario.with_changes`."""
        return {f"{self.path}.adopted": adopted}


def automatable(scenario: Scenario) -> tuple[Automatable, ...]:
    """Every touchpoint of ``scenario`` that lists an automation, in scenario order."""
    out = []
    names = [s.name for s in scenario.segments]
    for s, seg in enumerate(scenario.segments):
        tp_names = [tp.name for tp in seg.touchpoints]
        for t, tp in enumerate(seg.touchpoints):
            if tp.automation is None:
                continue
            path = (f"segments[{bracket(seg.name, s, names)}].touchpoints[{bracket(tp.name, t, tp_names)}]"
                    ".automation")
            out.append(Automatable(s, t, seg.name, tp.name, tp.kind, path, tp.automation))
    return tuple(out)


def menu(scenario: Scenario) -> tuple[TradeOff, ...]:
    """Each automation not yet adopted, as an item ``fit`` may choose (and ``compare`` sets beside the plan).

    Named as the automation; its one change adopts it.
    """
    return tuple(TradeOff(name=a.name, changes=a.adoption()) for a in automatable(scenario)
                 if not a.automation.adopted)
