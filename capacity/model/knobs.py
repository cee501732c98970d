"""Knobs: the inputs of a scenario a CS leader can turn, in one registry.

A :class:`Knob` names one number of a scenario (its key path, label, unit and value) and knows
how to turn it three ways, all of them the same change:

- :meth:`Knob.changes`: the changes :meth:`capacity.inputs.scenario.Scenario.with_changes` takes to set it
  (the what-if sliders, the tornado's ends, options);
- :meth:`Knob.apply`: the same on the sizing core's arrays, one value per variant
  (:mod:`capacity.model.sizing`: a what-if curve across a slider's range in one call);
- :meth:`Knob.moved`: a relative move, ``+0.2`` for 20% up (the tornado; how each kind caps it).

Each kind of knob is a :class:`KnobKind` that registers itself with :func:`register`; a new kind
(a service level, a multiplier) is one class here, and every view that lists knobs has it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from capacity.formulas import workload
from capacity.formatting import currency_symbol
from capacity.inputs.scenario import Scenario
from capacity.model.automation import automatable
from capacity.model.sizing import Variants

__all__ = ["Knob", "KnobKind", "KINDS", "register", "knobs_of", "tornado_knobs", "slider_knobs", "find", "AutomationShare",
           "OffsetDays"]

#: Every kind of knob, by name, in the order views list them.
KINDS: dict[str, "KnobKind"] = {}


def register(kind: type["KnobKind"]) -> type["KnobKind"]:
    """Class decorator: add a kind of knob to :data:`KINDS`."""
    KINDS[kind.name] = kind()
    return kind


@dataclass(frozen=True)
class Knob:
    """One turnable number of a scenario.

    Attributes
    ----------
    kind : str
        A name in :data:`KINDS` (``frequency``, ``minutes``, ``time_split``, ``pto_days``,
        ``new_customer_rate``, ``threshold``, ``cost``, ``service_level``, ``automation``, ``offset``).
    path : str
        Where it sits in the scenario, by index: ``segments[0].touchpoints[2].per_month``.
    label : str
        What it is called in a list of every knob: "Enterprise: Business review, times a year".
    short_label : str
        What it is called beside its segment's other knobs (a slider): "Business review (per year)".
    unit : str
        The unit of ``value``: "times a year", "minutes", "share of working time", "USD/year".
    value : float
        The scenario's value, in ``unit``.
    segment, touchpoint : int or None
        Indexes into ``scenario.segments`` and its ``touchpoints`` where they apply.
    extra : tuple
        What the kind needs to apply itself on arrays (for a cost: the segments' own costs).
    """

    kind: str
    path: str
    label: str
    short_label: str
    unit: str
    value: float
    segment: int | None = None
    touchpoint: int | None = None
    extra: tuple = field(default=(), repr=False)

    @property
    def parameter(self) -> str:
        """The kind, as the sensitivity tables name it."""
        return self.kind

    @property
    def key(self) -> str:
        """The key path (as the sensitivity tables name it)."""
        return self.path

    def changes(self, value: float) -> dict[str, Any]:
        """The changes that set this knob to ``value`` (for :meth:`~capacity.inputs.scenario.Scenario.with_changes`)."""
        return KINDS[self.kind].changes(self, float(value))

    def moved(self, fraction: float) -> float:
        """The value moved by ``fraction`` (``0.2`` is 20% up), capped as the kind says."""
        return KINDS[self.kind].moved(self, fraction)

    def apply(self, rows: Variants, values) -> Variants:
        """``rows`` repeated once per value (rows of one variant) with this knob set to ``values``."""
        values = np.asarray(values, dtype=float)
        return KINDS[self.kind].apply(self, rows.repeat(len(values)), values)

    def grid(self) -> np.ndarray:
        """The values a slider of this knob offers, ascending, the scenario's own among them."""
        return np.unique(np.append(KINDS[self.kind].grid(self), self.value))


class KnobKind:
    """How one kind of knob is found in a scenario and turned. Subclasses register themselves."""

    name: ClassVar[str] = ""
    #: Listed in the sensitivity tornado (:func:`tornado_knobs`).
    in_tornado: ClassVar[bool] = True
    #: Offered as a what-if slider (:func:`slider_knobs`).
    slider: ClassVar[bool] = False
    #: Moves the team's size: the what-if draws headcount and cost along it (a date moves only the calendar).
    sizes_team: ClassVar[bool] = True

    def find(self, scenario: Scenario) -> list[Knob]:
        """This kind's knobs of ``scenario``, in scenario order."""
        raise NotImplementedError

    def changes(self, knob: Knob, value: float) -> dict[str, Any]:
        return {knob.path: value}

    def moved(self, knob: Knob, fraction: float) -> float:
        r"""The relative move: :math:`v (1 + f)`."""
        return knob.value * (1.0 + fraction)

    def apply(self, knob: Knob, rows: Variants, values: np.ndarray) -> Variants:
        raise NotImplementedError

    def grid(self, knob: Knob) -> np.ndarray:
        """A slider's values around the scenario's own (which :meth:`Knob.grid` adds)."""
        high = max(4.0 * knob.value, 1.0)
        return np.linspace(0.0, high, 41)


def _column(rows: Variants, name: str, index: int, values: np.ndarray) -> Variants:
    array = getattr(rows, name).copy()
    array[:, index] = values
    return rows.with_rows(**{name: array})


@register
class Frequency(KnobKind):
    """How often a recurring, inbound or program touchpoint happens, in the unit the scenario gives it."""

    name = "frequency"
    slider = True

    def find(self, scenario):
        out = []
        for s, seg in enumerate(scenario.segments):
            for t, tp in enumerate(seg.touchpoints):
                if tp.kind == "one_time":
                    continue  # it happens once per new customer: its frequency is the new-customer rate
                key = "per_month" if tp.per_month is not None else "per_year"
                unit = "month" if key == "per_month" else "year"
                out.append(Knob(self.name, f"segments[{s}].touchpoints[{t}].{key}",
                                f"{seg.name}: {tp.name}, times a {unit}", f"{tp.name} (per {unit})",
                                f"times a {unit}", float(getattr(tp, key)), s, t))
        return out

    def apply(self, knob, rows, values):
        per_month = values if knob.path.endswith("per_month") else np.divide(values, workload.MONTHS_PER_YEAR)
        return _column(rows, "per_month", rows.touchpoint_index(knob.segment, knob.touchpoint), per_month)

    def grid(self, knob):
        per_month = knob.path.endswith("per_month")
        high = max(4.0 if per_month else 12.0, 4 * knob.value)
        step = 0.25 if high <= 8 else 1.0 if high <= 80 else 5.0
        return np.round(np.arange(0, high + step / 2, step), 2)


@register
class Minutes(KnobKind):
    """How long one occurrence of a touchpoint takes."""

    name = "minutes"

    def find(self, scenario):
        return [Knob(self.name, f"segments[{s}].touchpoints[{t}].minutes", f"{seg.name}: {tp.name}, minutes",
                     f"{tp.name} (minutes)", "minutes", float(tp.minutes), s, t)
                for s, seg in enumerate(scenario.segments) for t, tp in enumerate(seg.touchpoints)]

    def apply(self, knob, rows, values):
        return _column(rows, "minutes", rows.touchpoint_index(knob.segment, knob.touchpoint), values)


@register
class TimeSplit(KnobKind):
    """The share of a CSM's working hours left for customers.

    A scenario that lists ``internal_activities`` starts at the share they leave; turning the knob
    replaces the list by that share.
    """

    name = "time_split"
    slider = True

    def find(self, scenario):
        return [Knob(self.name, "csm.customer_time_share", "Share of CSM time on customers", "Customer time share",
                     "share of working time", float(scenario.csm.share))]

    def changes(self, knob, value):
        return {"csm.customer_time_share": value, "csm.internal_activities": None}

    def moved(self, knob, fraction):
        return min(knob.value * (1.0 + fraction), 1.0)  # a share of working time: at most all of it

    def apply(self, knob, rows, values):
        return rows.with_rows(customer_hours=workload.customer_hours_per_month(rows.working_hours, values))

    def grid(self, knob):
        return np.round(np.arange(20, 101) / 100, 2)


@register
class PTODays(KnobKind):
    """Working days off a year."""

    name = "pto_days"

    def find(self, scenario):
        return [Knob(self.name, "csm.pto_days", "PTO days a year", "PTO days a year", "working days a year",
                     float(scenario.csm.pto_days), extra=(scenario.csm,))]

    def apply(self, knob, rows, values):
        csm = knob.extra[0]
        working = workload.working_hours_per_month(csm.hours_per_week, csm.weeks_per_year, values)
        if csm.internal_activities is not None:
            customer = workload.customer_hours_after_internal(working, csm.internal_hours_per_month)
        else:
            customer = workload.customer_hours_per_month(working, csm.share)
        return rows.with_rows(working_hours=np.asarray(working, dtype=float), customer_hours=np.asarray(customer))


@register
class NewCustomerRate(KnobKind):
    """The share of a segment's customers new in a year, which one-time touchpoints follow."""

    name = "new_customer_rate"

    def find(self, scenario):
        return [Knob(self.name, f"segments[{s}].new_customer_rate", f"{seg.name}: new-customer rate",
                     "New-customer rate", "share a year", float(seg.new_customer_rate), s)
                for s, seg in enumerate(scenario.segments) if any(tp.kind == "one_time" for tp in seg.touchpoints)]

    def apply(self, knob, rows, values):
        return _column(rows, "new_customer_rate", knob.segment, values)


#: Threshold slider steps within a decade of ARR: roughly even on a log scale, round in dollars.
MANTISSAS = (1.0, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2.0, 2.2, 2.5, 2.8, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 7.5, 8.0, 9.0)
#: The lowest a threshold slider goes [USD/year]: below it every account is in one tier anyway.
MIN_THRESHOLD = 100.0


@register
class Threshold(KnobKind):
    """A segment's ``min_arr``: the ARR from which an account belongs to it (needs a book)."""

    name = "threshold"
    slider = True

    def find(self, scenario):
        symbol = currency_symbol(scenario.currency)
        return [Knob(self.name, f"segments[{s}].min_arr", f"{seg.name}: ARR threshold", f"{seg.name} from ARR ({symbol})",
                     f"{scenario.currency}/year", float(seg.min_arr), s)
                for s, seg in enumerate(scenario.segments) if seg.min_arr > 0]

    def apply(self, knob, rows, values):
        return _column(rows, "min_arr", knob.segment, values)

    def grid(self, knob, top: float = 0.0):
        top = max(top, MIN_THRESHOLD * 10, knob.value)
        decades = range(round(math.log10(MIN_THRESHOLD)), math.ceil(math.log10(top * 1.0001)) + 1)
        grid = [round(m * 10**d) for d in decades for m in MANTISSAS]
        return np.array([g for g in grid if MIN_THRESHOLD <= g <= 10 ** decades[-1]], dtype=float)


@register
class Cost(KnobKind):
    """A CSM's loaded cost a year; segments with their own cost move in proportion, keeping their premium."""

    name = "cost"
    in_tornado = False  # cost follows headcount; it moves no headcount
    slider = True

    def find(self, scenario):
        own = tuple((s, seg.loaded_cost_per_year) for s, seg in enumerate(scenario.segments)
                    if seg.loaded_cost_per_year is not None)
        symbol = currency_symbol(scenario.currency)
        return [Knob(self.name, "csm.loaded_cost_per_year", "Loaded cost per CSM", f"Loaded cost per CSM ({symbol}/year)",
                     f"{scenario.currency}/year", float(scenario.csm.loaded_cost_per_year), extra=own)]

    def _scaled(self, knob, own, value):
        return own * (value / knob.value)

    def changes(self, knob, value):
        out = {knob.path: value}
        if knob.value > 0 and value != knob.value:
            out.update({f"segments[{s}].loaded_cost_per_year": self._scaled(knob, own, value) for s, own in knob.extra})
        return out

    def apply(self, knob, rows, values):
        cost_each = rows.cost_each.copy()
        own = dict(knob.extra)
        for s in range(cost_each.shape[1]):
            if s not in own:
                cost_each[:, s] = values
            elif knob.value > 0:
                cost_each[:, s] = np.where(values != knob.value, self._scaled(knob, own[s], values), own[s])
        return rows.with_rows(cost_each=cost_each, csm_cost=values.copy())

    def grid(self, knob):
        return np.arange(25_000, max(400_000.0, 2 * knob.value) + 1, 5_000, dtype=float)


@register
class ServiceLevel(KnobKind):
    """The share of a pooled segment's inbound contacts answered in time (``inbound_service.service_level``)."""

    name = "service_level"
    in_tornado = False  # the core sizes inbound work by its hours; the queue is sized plan by plan
    slider = True

    def find(self, scenario):
        return [Knob(self.name, f"segments[{s}].inbound_service.service_level",
                     f"{seg.name}: inbound answered within {seg.inbound_service.answer_within_minutes:g} min",
                     f"{seg.name} inbound answered in time", "share of contacts",
                     float(seg.inbound_service.service_level), s)
                for s, seg in enumerate(scenario.segments) if seg.inbound_service is not None]

    def moved(self, knob, fraction):
        return min(knob.value * (1.0 + fraction), 0.999)  # a service level below all of the contacts

    def apply(self, knob, rows, values):
        raise NotImplementedError("a queue's agents are whole people: size each value with its own plan")

    def grid(self, knob):
        return np.round(np.arange(50, 100) / 100, 2)


@register
class AutomationShare(KnobKind):
    """The share of a touchpoint's work adopted software takes over (``automation``: hire or automate).

    Its value is the share in force: the automation's ``share`` when the scenario adopts it, else 0.
    Turned above 0 it adopts the automation at that share, tooling included (a fixed fee does not
    depend on the share); turned to 0 it leaves it out. See :mod:`capacity.model.automation`.
    """

    name = "automation"
    in_tornado = False  # adopting software is a decision, not an estimate that could be off
    slider = True

    def find(self, scenario):
        out = []
        for a in automatable(scenario):
            seg, tp = scenario.segments[a.segment], scenario.segments[a.segment].touchpoints[a.touchpoint]
            what = "questions" if a.takes_over == "occurrences" else "minutes"
            prefix = f"segments[{a.segment}].touchpoints[{a.touchpoint}].automation"
            out.append(Knob(self.name, f"{prefix}.share",
                            f"{seg.name}: {tp.name}, share of its {what} automated ({a.name})",
                            f"{a.name}: share of {tp.name} {what} automated", f"share of {what}",
                            float(tp.automated_share), a.segment, a.touchpoint,
                            extra=(prefix, a.automation.cost_per_year or 0.0,
                                   a.automation.cost_per_account_per_year or 0.0)))
        return out

    def changes(self, knob, value):
        prefix = knob.extra[0]
        if value <= 0:
            return {f"{prefix}.adopted": False}
        return {f"{prefix}.share": value, f"{prefix}.adopted": True}

    def moved(self, knob, fraction):
        return min(knob.value * (1.0 + fraction), 1.0)  # a share of the touchpoint: at most all of it

    def apply(self, knob, rows, values):
        column = rows.touchpoint_index(knob.segment, knob.touchpoint)
        _, fixed, per_account = knob.extra
        on = values > 0
        rows = _column(rows, "automated", column, np.where(on, values, 0.0))
        rows = _column(rows, "tooling_fixed", column, np.where(on, fixed, 0.0))
        return _column(rows, "tooling_per_account", column, np.where(on, per_account, 0.0))

    def grid(self, knob):
        return np.round(np.arange(0, 21) / 20, 2)


@register
class OffsetDays(KnobKind):
    """When a touchpoint at renewal happens: its days from each account's renewal date (``offset_days``).

    It moves the calendar (which months the work lands in), not the team: every variant sizes the same.
    """

    name = "offset"
    in_tornado = False  # the steady state does not depend on when work happens
    slider = True
    sizes_team = False

    def find(self, scenario):
        return [Knob(self.name, f"segments[{s}].touchpoints[{t}].offset_days", f"{seg.name}: {tp.name}, days from renewal",
                     f"{tp.name} (days from renewal)", "days", float(tp.offset_days or 0), s, t)
                for s, seg in enumerate(scenario.segments) for t, tp in enumerate(seg.touchpoints) if tp.at == "renewal"]

    def changes(self, knob, value):
        return {knob.path: int(round(value))}

    def moved(self, knob, fraction):
        return knob.value

    def apply(self, knob, rows, values):
        return rows  # no sizing number depends on it

    def grid(self, knob):
        return np.arange(-180.0, 181.0, 15.0)


def knobs_of(scenario: Scenario) -> list[Knob]:
    """Every knob of ``scenario``, kind by kind in :data:`KINDS` order."""
    return [knob for kind in KINDS.values() for knob in kind.find(scenario)]


def tornado_knobs(scenario: Scenario, *, with_thresholds: bool = True) -> list[Knob]:
    """The knobs the sensitivity moves, in its order: each touchpoint's frequency then minutes, segment by
    segment; then the time split and PTO; then each segment's new-customer rate; then thresholds (with a book)."""
    found = {name: kind.find(scenario) for name, kind in KINDS.items() if kind.in_tornado}
    by_touchpoint = sorted(found["frequency"] + found["minutes"],
                           key=lambda k: (k.segment, k.touchpoint, k.kind != "frequency"))
    out = by_touchpoint + found["time_split"] + found["pto_days"] + found["new_customer_rate"]
    if with_thresholds:
        out += found["threshold"]
    listed = {"frequency", "minutes", "time_split", "pto_days", "new_customer_rate", "threshold"}
    out += [k for name, knobs in found.items() if name not in listed for k in knobs]  # kinds added later
    return out


def slider_knobs(scenario: Scenario) -> list[Knob]:
    """The knobs the what-if offers as sliders, kind by kind."""
    return [knob for kind in KINDS.values() if kind.slider for knob in kind.find(scenario)]


def find(scenario: Scenario, kind: str, segment: str | int | None = None, touchpoint: str | int | None = None) -> Knob:
    """One knob by kind, segment and touchpoint (names or indexes).

    Raises
    ------
    KeyError
        When the scenario has no such knob.
    """
    def index(value, items):
        if value is None or isinstance(value, int):
            return value
        return next((i for i, item in enumerate(items) if item.name == value), -1)

    s = index(segment, scenario.segments)
    t = index(touchpoint, scenario.segments[s].touchpoints) if s is not None and s >= 0 else touchpoint
    for knob in KINDS[kind].find(scenario):
        if knob.segment == s and knob.touchpoint == t:
            return knob
    raise KeyError((kind, segment, touchpoint))
