"""The scenario: what a CS leader decides (CSM time, segments, touchpoints), validated.

A scenario is read from YAML (``load_scenario(path)``) or given as a dict
(``load_scenario({...})``). The models are frozen pydantic models: once loaded, a
scenario cannot change, and every what-if is a new scenario made with
:meth:`Scenario.with_changes`, which validates it as a file with those edits would be.

Errors name the file and the key path, e.g.
``scenario.yaml: segments[1].touchpoints[0].minutes: must be >= 0 (got -5)``.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
import typing
from pathlib import Path
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError,
                      ValidationInfo, field_validator, model_validator)

from capacity.formulas import workload
from capacity.inputs.book_columns import mapping_problem
from capacity.exceptions import ScenarioError
from capacity.files import log_parse
from capacity.inputs.sources import DatabaseBook

__all__ = [
    "Touchpoint",
    "Automation",
    "RetentionByCoverage",
    "TouchpointMonths",
    "InternalActivity",
    "CSMTime",
    "Segment",
    "InboundService",
    "SalaryIncrease",
    "FiscalYear",
    "WorkloadMultipliers",
    "SegmentUncertainty",
    "Uncertainty",
    "Option",
    "TradeOff",
    "CSMRule",
    "BalanceWeights",
    "RebalanceSettings",
    "Scenario",
    "month_index",
    "month_label",
    "load_scenario",
    "read_yaml",
    "DEFAULT_TOP_DOWN_ARR_PER_CSM",
    "RULE_OF_THUMB_CUSTOMER_SHARE",
]

#: The classic guideposts: $1M and $2M ARR per CSM (Gainsight 2014), $8M for a team
#: that only works at-risk accounts.
DEFAULT_TOP_DOWN_ARR_PER_CSM = (1_000_000.0, 2_000_000.0, 8_000_000.0)
#: Two-thirds customer time, one-third company time (ChurnZero 2022).
RULE_OF_THUMB_CUSTOMER_SHARE = 2.0 / 3.0

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# Money above a trillion is a unit mistake (cents for dollars, an exponent), not a plan.
Money = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# A hundred million new customers a month is past any real business and keeps the fiscal simulation finite.
NewCustomers = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]


class _KeyedError(ValueError):
    """A check that names its own key path (which may hold spaces, such as a segment name)."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _as_month(value: Any) -> Any:
    """A month as ``"YYYY-MM"``: YAML gives ``2027-02`` as text; a date on the 1st is accepted too."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        if value.day != 1:
            raise ValueError(f"give a month as YYYY-MM (got the date {value.isoformat()})")
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str) and _MONTH.match(value.strip()):
        return value.strip()
    raise ValueError(f"give a month as YYYY-MM, e.g. 2027-02 (got {value!r})")


#: A calendar month, ``"YYYY-MM"``.
Month = Annotated[str, BeforeValidator(_as_month)]


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _as_day(value: Any) -> Any:
    """A day as a date: YAML gives ``2027-04-01`` as a date; text ``"2027-04-01"``, or a month ``2027-04`` (its 1st)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = _DAY.match(text)
        if match:
            try:
                return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                raise ValueError(f"{text!r} is not a calendar day") from None
        if _MONTH.match(text):
            return datetime.date(int(text[:4]), int(text[5:7]), 1)
        if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text):
            raise ValueError(f"{text!r} could be read day-first or month-first; write it as YYYY-MM-DD")
    raise ValueError(f"give a day as YYYY-MM-DD, e.g. 2027-04-01, or a month as YYYY-MM (got {value!r})")


#: A calendar day (a month stands for its first day).
Day = Annotated[datetime.date, BeforeValidator(_as_day)]


def month_index(month: str) -> int:
    """Months since year 0 of a ``"YYYY-MM"`` month, so months subtract: ``month_index(b) - month_index(a)``."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_label(index: int) -> str:
    """The ``"YYYY-MM"`` month of :func:`month_index` ``index``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        # YAML reads yes/no/on/off as true/false, and pydantic would take them as 1 and 0.
        if isinstance(data, dict):
            for key in _numeric_fields(cls):
                if isinstance(data.get(key), bool):
                    raise ValueError(f"{key}: must be a number (got {str(data[key]).lower()}); "
                                     "in YAML yes/no, on/off and true/false are not numbers")
        return data


class _Recurring(_Frozen):
    """Something that happens ``per_month`` or ``per_year`` times, ``minutes`` each."""

    name: Name
    # Bounds far above any real touchpoint (1,600 h each; hourly, all month long) that keep sums finite.
    minutes: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
    per_month: Annotated[float, Field(ge=0, le=1_000, allow_inf_nan=False)] | None = None
    per_year: Annotated[float, Field(ge=0, le=12_000, allow_inf_nan=False)] | None = None

    @property
    def frequency_per_month(self) -> float:
        """Occurrences per month [1/month]; zero for a one-time touchpoint."""
        if self.per_month is not None:
            return self.per_month
        if self.per_year is not None:
            return self.per_year / workload.MONTHS_PER_YEAR
        return 0.0

    def _check_one_frequency(self) -> None:
        if (self.per_month is None) == (self.per_year is None):
            given = "both" if self.per_month is not None else "neither"
            raise ValueError(f"give exactly one of per_month or per_year (got {given})")


class Automation(_Frozen):
    """Software that could take over part of a touchpoint: hire or automate.

    ``share`` is the share of the touchpoint's minutes the software takes over (AI-drafted review
    preparation, automated onboarding steps), or of its occurrences for an inbound touchpoint
    (questions deflected to a help centre or a bot). The tooling costs ``cost_per_year`` (a fixed
    fee) or ``cost_per_account_per_year`` times the segment's accounts; give one of the two.

    An automation is a candidate, like an option: the plan leaves it out, ``compare`` and ``fit``
    weigh it against headcount, and the what-if has a slider for it. ``adopted: true`` puts it in
    the plan: the touchpoint's CSM time drops by ``share`` and the tooling is counted in the
    segment's cost (see :mod:`capacity.model.automation`).
    """

    name: Name
    share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    cost_per_year: Money | None = None
    # A thousand dollars an account a month is past any tool; the bound keeps sums finite.
    cost_per_account_per_year: Annotated[float, Field(ge=0, le=12_000, allow_inf_nan=False)] | None = None
    adopted: bool = False

    @model_validator(mode="before")
    @classmethod
    def _listed(cls, data: Any) -> Any:
        # An option that adopts the automation of a touchpoint that lists none writes {adopted: true} here alone.
        if isinstance(data, dict) and "name" not in data and "share" not in data:
            raise ValueError("this touchpoint lists no automation to adopt or change; give it automation: "
                             "{name, share, cost_per_year or cost_per_account_per_year} first")
        return data

    @model_validator(mode="after")
    def _one_price(self) -> "Automation":
        if (self.cost_per_year is None) == (self.cost_per_account_per_year is None):
            given = "both" if self.cost_per_year is not None else "neither"
            raise ValueError(f"give exactly one of cost_per_year or cost_per_account_per_year (got {given}): "
                             "a fixed fee a year, or a fee per account a year")
        return self


# -- the calendar: when a touchpoint happens (optional; without it the plan spreads it evenly) ------


def _no_booleans_in(values: Any, key: str) -> Any:
    if isinstance(values, (list, tuple)) and any(isinstance(v, bool) for v in values):
        raise ValueError(f"{key}: must be whole numbers (got {list(values)!r}); in YAML yes/no and true/false are not numbers")
    return values


class TouchpointMonths(_Frozen):
    """``at: {months: [...]}`` (calendar months, 1 = January) or ``at: {months_of_quarter: [...]}``
    (1, 2 or 3: the months of each quarter of the fiscal year, counted from ``fiscal_year.start``;
    calendar quarters without a fiscal year). The year's occurrences are shared equally among those months."""

    months: Annotated[tuple[Annotated[int, Field(ge=1, le=12)], ...], Field(min_length=1)] | None = None
    months_of_quarter: Annotated[tuple[Annotated[int, Field(ge=1, le=3)], ...], Field(min_length=1)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _whole_months(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("months", "months_of_quarter"):
                _no_booleans_in(data.get(key), key)
        return data

    @model_validator(mode="after")
    def _one_list(self) -> "TouchpointMonths":
        if (self.months is None) == (self.months_of_quarter is None):
            raise ValueError("give one of months (calendar months, e.g. [3, 6, 9, 12]) or months_of_quarter "
                             "(e.g. [3] for the last month of each quarter)" + (", not both" if self.months else ""))
        for key in ("months", "months_of_quarter"):
            values = getattr(self, key) or ()
            twice = sorted({v for v in values if values.count(v) > 1})
            if twice:
                raise ValueError(f"{key}: {twice[0]} is listed twice")
        return self


def _as_timing(value: Any) -> Any:
    """``at``: the word ``renewal`` or a mapping of months; anything else is refused in one line.

    A mapping is validated here, so that its own error (a month out of range, an unknown key) reaches
    the user rather than the word it is not.
    """
    if value is None or isinstance(value, TouchpointMonths):
        return value
    if isinstance(value, dict):
        known = list(TouchpointMonths.model_fields)
        for key in value:
            if key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                raise _KeyedError(str(key), f"unknown key {key!r}" + (
                    f" (did you mean {hint[0]!r}?)" if hint else f"; at takes {' or '.join(known)}"))
        try:
            return TouchpointMonths.model_validate(value)
        except ValidationError as exc:
            inner = _translate(exc, None)
            if inner.where:
                raise _KeyedError(inner.where, inner.message) from None
            raise ValueError(inner.message) from None
    if isinstance(value, str) and value.strip().casefold() == "renewal":
        return "renewal"
    raise ValueError(f"must be renewal, or a mapping such as {{months: [3, 6, 9, 12]}} or {{months_of_quarter: [3]}} "
                     f"(got {value!r})")


#: When a touchpoint happens: at each account's renewal, or in given months.
Timing = Annotated[Literal["renewal"] | TouchpointMonths, BeforeValidator(_as_timing)]


class Touchpoint(_Recurring):
    """One kind of CSM work on a segment.

    ``kind`` is ``recurring`` (reviews, announcements: per customer), ``inbound``
    (escalations, questions: per customer), ``one_time`` (kick-off, onboarding: per new
    customer, no frequency) or ``program`` (one-to-many webinars, newsletters: per
    segment, whatever its size).

    The calendar (optional; the steady-state plan is the same with or without it): ``at: renewal``
    with ``offset_days`` places a recurring touchpoint at each account's renewal date plus the offset
    (every year, on the anniversary); ``at: {months: [...]}`` or ``{months_of_quarter: [...]}`` places a
    recurring touchpoint or a program in those months; ``spread_months`` spreads a one-time touchpoint
    over a new customer's first months. See :mod:`capacity.model.calendar`.

    ``automation`` (optional) is software that could take part of it over (:class:`Automation`).
    """

    kind: Literal["recurring", "one_time", "inbound", "program"]
    automation: Automation | None = None
    at: Timing | None = Field(
        default=None, description="When it happens: renewal (each account's renewal date, plus offset_days), "
        "or {months: [...]} / {months_of_quarter: [...]}. Default: evenly through the year.")
    offset_days: Annotated[int, Field(ge=-365, le=365)] | None = Field(
        default=None, description="With at: renewal, days from the renewal date (negative before it) [days].")
    spread_months: Annotated[int, Field(ge=1, le=24)] | None = Field(
        default=None, description="A one_time touchpoint spread evenly over a new customer's first months "
        "(default 1: the month they arrive) [months].")

    @property
    def automated_share(self) -> float:
        """The share of this touchpoint's CSM time that adopted software takes over [-]; 0 if none is adopted."""
        return self.automation.share if self.automation is not None and self.automation.adopted else 0.0

    @model_validator(mode="after")
    def _frequency_fits_kind(self) -> "Touchpoint":
        if self.kind == "one_time":
            if self.per_month is not None or self.per_year is not None:
                raise ValueError("a one_time touchpoint takes no per_month or per_year: it happens once per new customer")
        else:
            self._check_one_frequency()
        self._timing_fits_kind()
        return self

    def _timing_fits_kind(self) -> None:
        if self.spread_months is not None and self.kind != "one_time":
            raise ValueError("spread_months: only a one_time touchpoint is spread over a new customer's first months")
        if self.offset_days is not None and self.at != "renewal":
            raise ValueError("offset_days: needs at: renewal (the days from each account's renewal date)")
        if self.at is None:
            return
        if self.kind == "one_time":
            raise ValueError("at: a one_time touchpoint happens when a customer arrives; give spread_months to spread "
                             "it over their first months")
        if self.kind == "inbound":
            raise ValueError("at: inbound work comes when customers ask; only recurring touchpoints and programs take at")
        if self.at == "renewal" and self.kind == "program":
            raise ValueError("at: renewal places each account's touchpoint at its renewal, and a program is one-to-many; "
                             "give it months instead, e.g. at: {months: [5, 11]}")
        if self.per_month is not None:
            raise ValueError("per_month: with at, give per_year (the year's occurrences, all at the renewal or shared "
                             "among the months); a monthly frequency would read two ways")

    @property
    def dated(self) -> bool:
        """Whether the calendar places this touchpoint (``at`` or ``spread_months`` given)."""
        return self.at is not None or self.spread_months is not None


class InternalActivity(_Recurring):
    """Company work that takes a CSM's time: team meetings, email, 1:1s, training."""

    @model_validator(mode="after")
    def _one_frequency(self) -> "InternalActivity":
        self._check_one_frequency()
        return self


class CSMTime(_Frozen):
    """A CSM's working time and cost.

    Give ``customer_time_share`` or ``internal_activities``, not both; with neither, the
    two-thirds rule of thumb applies.
    """

    hours_per_week: Annotated[float, Field(gt=0, le=168, allow_inf_nan=False)] = 40.0
    weeks_per_year: Annotated[float, Field(gt=0, le=53, allow_inf_nan=False)] = 52.0
    pto_days: NonNegative = 25.0
    customer_time_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    internal_activities: tuple[InternalActivity, ...] | None = None
    loaded_cost_per_year: Money

    @model_validator(mode="after")
    def _consistent(self) -> "CSMTime":
        if self.customer_time_share is not None and self.internal_activities is not None:
            raise ValueError("give customer_time_share or internal_activities, not both")
        working_days = self.weeks_per_year * workload.WORKING_DAYS_PER_WEEK
        if self.pto_days >= working_days:
            raise ValueError(
                f"pto_days: {self.pto_days:g} days off leave no working time in a {working_days:g}-day working year "
                "(weeks_per_year x 5)"
            )
        if self.internal_activities is not None and self.customer_hours_per_month <= 0:
            raise ValueError(
                f"internal_activities: they take {self.internal_hours_per_month:.1f} h/month, "
                f"as much as or more than the {self.working_hours_per_month:.1f} working hours a CSM has; "
                "no time is left for customers"
            )
        return self

    @property
    def working_hours_per_month(self) -> float:
        """Working hours per CSM per month [h/month]."""
        return float(workload.working_hours_per_month(self.hours_per_week, self.weeks_per_year, self.pto_days))

    @property
    def internal_hours_per_month(self) -> float:
        """Company (non-customer) hours per CSM per month [h/month]."""
        if self.internal_activities is None:
            return self.working_hours_per_month * (1 - self.share)
        return float(sum(workload.activity_hours_per_month(a.minutes, a.frequency_per_month) for a in self.internal_activities))

    @property
    def share(self) -> float:
        """Customer time share in force: the given one, or the two-thirds rule."""
        if self.customer_time_share is not None:
            return self.customer_time_share
        if self.internal_activities is not None:
            return self.customer_hours_per_month / self.working_hours_per_month
        return RULE_OF_THUMB_CUSTOMER_SHARE

    @property
    def customer_hours_per_month(self) -> float:
        """Customer hours per CSM per month [h/month]."""
        working = self.working_hours_per_month
        if self.internal_activities is not None:
            return float(workload.customer_hours_after_internal(working, self.internal_hours_per_month))
        return float(workload.customer_hours_per_month(working, self.share))


#: The book's text columns that account-level work can be keyed on.
AccountColumn = Literal["health", "vertical", "csm"]


class WorkloadMultipliers(_Frozen):
    """How much more (or less) work an account is than an ordinary one, by a text column of the book.

    ``values`` maps the column's values (matched ignoring case and surrounding spaces) to a
    multiplier [dimensionless, >= 0] of the account's per-customer hours (recurring, inbound,
    one-time; not programs); ``default`` covers the values not listed (and blank cells).
    """

    column: AccountColumn = "health"
    values: dict[Name, Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]]
    default: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _values_distinct(self) -> "WorkloadMultipliers":
        seen: dict[str, str] = {}
        for value in self.values:
            key = value.strip().casefold()
            if key in seen:
                raise ValueError(f"values: {seen[key]!r} and {value!r} are the same value (case and spaces are ignored)")
            seen[key] = value
        return self


class InboundService(_Frozen):
    """A service target for a pooled segment's inbound touchpoints, staffed as a queue (Erlang C).

    ``service_level`` of contacts answered within ``answer_within_minutes``, with no agent
    busy more than ``max_occupancy`` of the time (see :mod:`capacity.formulas.queueing`).
    """

    answer_within_minutes: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
    service_level: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
    max_occupancy: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0


class Segment(_Frozen):
    """A tier of the book by ARR, with its coverage model and touchpoints.

    An account belongs to the segment with the largest ``min_arr`` at or below its ARR.
    ``customers`` and ``arr`` are used only when no book of accounts is given.
    """

    name: Name
    min_arr: Money
    coverage: Literal["dedicated", "pooled", "digital"] = "dedicated"
    new_customer_rate: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.0
    customers: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    arr: Money | None = None
    loaded_cost_per_year: Money | None = Field(
        default=None, description="Overrides csm.loaded_cost_per_year for this segment's CSMs [USD/year]."
    )
    touchpoints: tuple[Touchpoint, ...] = ()
    new_customers_per_month: NewCustomers | tuple[NewCustomers, ...] | None = Field(
        default=None,
        description="Fiscal plan: new customers arriving each month, one number or one per month of the "
        "fiscal year [customers/month]. Default: customers x new_customer_rate / 12.",
    )
    churn_per_year: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = Field(
        default=0.0, description="Fiscal plan: logo churn, share of customers lost in a year [1/year]."
    )
    pool_by: Literal["vertical"] | None = Field(
        default=None, description="Size this segment's CSMs per vertical of the book, each pool rounded up."
    )
    pool_verticals: tuple[Name, ...] | None = Field(
        default=None,
        description="With pool_by: vertical, only these verticals get a pool of their own; "
        "the others share one mixed pool. Default: every vertical its own pool.",
    )
    inbound_service: InboundService | None = Field(
        default=None,
        description="Pooled segments: staff the inbound touchpoints by a service level (Erlang C) "
        "instead of by their hours.",
    )

    serve_only: dict[AccountColumn, Annotated[tuple[Name, ...], Field(min_length=1)]] | None = Field(
        default=None,
        description="Only accounts whose column matches one of the values need CSM time (e.g. {health: [red, yellow]}); "
        "the others count as customers but need none. Needs a book.",
    )

    @model_validator(mode="after")
    def _pools_consistent(self) -> "Segment":
        if self.pool_verticals is not None:
            if self.pool_by != "vertical":
                raise ValueError("pool_verticals: needs pool_by: vertical")
            if len(set(self.pool_verticals)) != len(self.pool_verticals):
                raise ValueError("pool_verticals: a vertical is listed twice")
            if not self.pool_verticals:
                raise ValueError("pool_verticals: list at least one vertical, or leave it out for one pool per vertical")
        return self

    @model_validator(mode="after")
    def _inbound_service_fits(self) -> "Segment":
        # A queue is a shared team answering whoever calls; a named CSM or a digital tier is not one.
        if self.inbound_service is not None:
            if self.coverage != "pooled":
                raise ValueError(f"inbound_service: only a segment with coverage: pooled is staffed as a queue "
                                 f"(this one is {self.coverage})")
            if self.pool_by is not None:
                raise ValueError("inbound_service: cannot be combined with pool_by; give one or the other")
        return self


class SalaryIncrease(_Frozen):
    """A raise on every loaded cost (CSMs and managers) from ``month`` on."""

    month: Month
    rate: Annotated[float, Field(ge=-0.5, le=1, allow_inf_nan=False)]


class FiscalYear(_Frozen):
    """The fiscal-year plan's inputs: the months, today's team, and how hiring works.

    Counts are people, times are months, rates are shares per year, money is USD a year.
    """

    start: Month
    months: Annotated[int, Field(ge=1, le=60)] = 12
    starting_headcount: dict[Name, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict,
        description="CSMs on staff, fully ramped, when the year starts, per segment; a segment left out "
        "starts with its steady-state headcount.",
    )
    hiring_lead_time_months: Annotated[int, Field(ge=0, le=24)] = 2
    ramp_months: Annotated[int, Field(ge=0, le=24)] = 3
    attrition_per_year: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    target_utilization: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.85
    csms_per_manager: Annotated[int, Field(ge=1, le=1000)] | None = None
    manager_scope: Literal["team", "segment"] = Field(
        default="team",
        description="team: ceil(all CSMs / span) managers, shown against segments in proportion to their CSMs; "
        "segment: each segment's CSMs have their own ceil(CSMs / span) managers.",
    )
    manager_loaded_cost_per_year: Money | None = None
    salary_increase: SalaryIncrease | None = None
    size_for: Literal["average", "peak"] = Field(
        default="average",
        description="With dated touchpoints (the calendar): hire for the average month (the same work spread evenly "
        "over the year) or for each month's peak; the peak months are reported either way.")

    @model_validator(mode="after")
    def _managers_costed(self) -> "FiscalYear":
        if self.csms_per_manager is not None and self.manager_loaded_cost_per_year is None:
            raise ValueError("manager_loaded_cost_per_year: missing; managers are costed (give it with csms_per_manager)")
        if self.csms_per_manager is None and self.manager_loaded_cost_per_year is not None:
            raise ValueError("csms_per_manager: missing; managers are counted by span of control")
        return self

    @property
    def month_labels(self) -> tuple[str, ...]:
        """The fiscal year's months, ``"YYYY-MM"``."""
        first = month_index(self.start)
        return tuple(month_label(first + k) for k in range(self.months))


class _Spread(_Frozen):
    """A coefficient of variation: the standard deviation as a share of the plan's value (0: no uncertainty)."""

    cv: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _zero_or_measurable(self) -> "_Spread":
        if 0 < self.cv < 0.001:
            raise ValueError(f"cv: {self.cv:g} is too small to mean a spread; give 0 for none, or at least 0.001")
        return self


class _RateRange(_Frozen):
    """A rate's range a year: triangular from ``low`` to ``high``, the plan's value the most likely (mode)."""

    low: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]
    high: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _ordered(self) -> "_RateRange":
        if self.low > self.high:
            raise ValueError(f"low: {self.low:g} is above high {self.high:g}; give low <= high (equal for no uncertainty)")
        return self


class _MonthsRange(_Frozen):
    """Whole months from ``low`` to ``high``, the plan's value the most likely (discrete triangular)."""

    low: Annotated[int, Field(ge=0, le=24)]
    high: Annotated[int, Field(ge=0, le=24)]

    @model_validator(mode="after")
    def _ordered(self) -> "_MonthsRange":
        if self.low > self.high:
            raise ValueError(f"low: {self.low} is above high {self.high}; give low <= high (equal for no uncertainty)")
        return self


class SegmentUncertainty(_Frozen):
    """One segment's own uncertainty, replacing the block-wide value for that segment."""

    new_customers_per_month: _Spread | None = None
    churn_per_year: _RateRange | None = None
    touchpoint_minutes: _Spread | None = None


class Uncertainty(_Frozen):
    """How uncertain the fiscal plan's inputs are, for the simulation (:mod:`capacity.analysis.simulate`).

    Every key is optional (absent: the plan's value, no uncertainty); ``cv: 0`` and
    ``low == high`` also mean no uncertainty. A range must hold the plan's value, which is
    its most likely value. ``segments`` maps a segment's name to its own
    ``new_customers_per_month``, ``churn_per_year`` or ``touchpoint_minutes``.
    """

    draws: Annotated[int, Field(ge=1, le=1_000_000)] = 10_000
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    new_customers_per_month: _Spread | None = None
    churn_per_year: _RateRange | None = None
    attrition_per_year: _RateRange | None = None
    touchpoint_minutes: _Spread | None = None
    hiring_lead_time_months: _MonthsRange | None = None
    segments: dict[Name, SegmentUncertainty] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _segment_errors_name_the_segment(cls, data: Any) -> Any:
        # pydantic would say "segments.SMB.churn_per_year.low"; a segment name may hold spaces, so bracket it.
        if isinstance(data, dict) and isinstance(data.get("segments"), dict):
            for name, block in data["segments"].items():
                known = list(SegmentUncertainty.model_fields)
                for key in block if isinstance(block, dict) else ():
                    if key in ("attrition_per_year", "hiring_lead_time_months", "draws", "seed"):
                        raise _KeyedError(f"segments[{name}].{key}",
                                          f"{key} is one for the whole team, not per segment; give it under uncertainty")
                    if key not in known:
                        hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                        raise _KeyedError(f"segments[{name}].{key}", f"unknown key {key!r}" + (
                            f" (did you mean {hint[0]!r}?)" if hint else f"; a segment takes {', '.join(known)}"))
                try:
                    SegmentUncertainty.model_validate(block)
                except ValidationError as exc:
                    inner = _translate(exc, None)
                    where = f"segments[{name}]" + (f".{inner.where}" if inner.where else "")
                    raise _KeyedError(where, inner.message) from None
        return data

    def for_segment(self, name: str, key: str):
        """The uncertainty of ``key`` for segment ``name``: its own, else the block-wide one (or None)."""
        own = self.segments.get(name)
        value = getattr(own, key) if own is not None else None
        return value if value is not None else getattr(self, key)


def _uncertainty_fits_scenario(value: Uncertainty | None, info: ValidationInfo) -> Uncertainty | None:
    """Ranges hold the plan's values, and every segment named exists (checked against the rest of the scenario)."""
    if value is None:
        return value
    segments, fiscal = info.data.get("segments"), info.data.get("fiscal_year")
    if segments is None or "fiscal_year" not in info.data:
        return value  # an error elsewhere is reported first
    if fiscal is None:
        return value  # inert: only the simulation reads the block, and it asks for a fiscal_year block first
    names = [s.name for s in segments]
    for name in value.segments:
        if name not in names:
            hint = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; segments are: {', '.join(names)}"
            raise _KeyedError(f"segments[{name}]", f"unknown segment {name!r}{suggestion}")
    for seg in segments:
        own = value.segments.get(seg.name)
        span = own.churn_per_year if own is not None and own.churn_per_year is not None else value.churn_per_year
        if span is not None and not span.low <= seg.churn_per_year <= span.high:
            shared = span is value.churn_per_year
            raise _KeyedError(
                "churn_per_year" if shared else f"segments[{seg.name}].churn_per_year",
                f"{seg.name}'s churn_per_year {seg.churn_per_year:g} is outside [{span.low:g}, {span.high:g}]; "
                "the range must hold the plan's value"
                + (f" (or give {seg.name} its own range under uncertainty.segments)" if shared else ""),
            )
    for key, plan_value in (("attrition_per_year", fiscal.attrition_per_year),
                            ("hiring_lead_time_months", fiscal.hiring_lead_time_months)):
        span = getattr(value, key)
        if span is not None and not span.low <= plan_value <= span.high:
            raise _KeyedError(key, f"fiscal_year.{key} {plan_value:g} is outside [{span.low:g}, {span.high:g}]; "
                                   "the range must hold the plan's value")
    return value


# -- the business case --------------------------------------------------------------------

#: Coverage models from the most CSM time per account to the least.
COVERAGES = ("dedicated", "pooled", "digital")
Retention = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class RetentionByCoverage(_Frozen):
    """The user's own observed gross revenue retention under each coverage model (share of ARR kept a year).

    Evidence, not a law: with it, the business case turns a break-even into a return, the ARR a
    coverage keeps beyond what the lowest-touch coverage given keeps (see
    :func:`capacity.formulas.payback.arr_kept_by_coverage`). At least two coverages are needed: a
    return is what one coverage keeps over another.
    """

    dedicated: Retention | None = None
    pooled: Retention | None = None
    digital: Retention | None = None

    @model_validator(mode="after")
    def _two_or_more(self) -> "RetentionByCoverage":
        given = [c for c in COVERAGES if getattr(self, c) is not None]
        if len(given) < 2:
            raise ValueError(f"give the retention of at least two coverages (got {', '.join(given) or 'none'}): "
                             "the return of coverage is what one keeps over another")
        return self

    def of(self, coverage: str) -> float | None:
        """The retention observed under ``coverage``, or None when not given."""
        return getattr(self, coverage)

    @property
    def floor(self) -> tuple[str, float]:
        """The lowest-touch coverage given and its retention: what the others are measured against."""
        coverage = next(c for c in reversed(COVERAGES) if getattr(self, c) is not None)
        return coverage, getattr(self, coverage)


# -- options and trade-offs ------------------------------------------------------------
# Named sets of changes to the scenario (key paths of Scenario.with_changes). Plan and fiscal
# plan ignore them: `python -m capacity compare` puts each option beside the plan, and
# `python -m capacity fit` picks trade-offs from the menu to fit a headcount or budget cap.

#: Top-level keys an option may not change: the menus themselves, and the book (compare another
#: book with --book, or another scenario file).
# An option or trade-off is the same book under other inputs: what reads the book is not theirs to change.
_NOT_CHANGEABLE = ("options", "trade_offs", "book", "book_columns", "book_sheet", "fx_rates")


class Option(_Frozen):
    """A named variant of the scenario: key path -> new value, as in :meth:`Scenario.with_changes`."""

    name: Name
    changes: dict[str, Any]


class TradeOff(Option):
    """An item of the menu ``fit`` chooses from; at most one trade-off of a ``group`` is taken."""

    group: Name | None = None


# -- the rebalance's rules: each CSM's, and the book building's own ---------------------------


class CSMRule(_Frozen):
    """What one CSM may carry in a rebalance, and when they start or leave (``csms:`` list).

    A name the book's ``csm`` column does not hold is a new CSM with an empty book (``segments``
    then required). A pooled segment's CSM joins its team; a digital segment has no CSMs.
    """

    name: Name
    segments: Annotated[tuple[Name, ...], Field(min_length=1)] | None = Field(
        default=None, description="The segments whose accounts this CSM may carry (default: those they carry today).")
    verticals: Annotated[tuple[Name, ...], Field(min_length=1)] | None = Field(
        default=None, description="The verticals whose accounts this CSM may carry (default: any).")
    max_accounts: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None, description="The most accounts this CSM may carry after the rebalance.")
    start: Day | None = Field(
        default=None, description="A new hire's first day: their accounts move from that month, as they ramp.")
    leave: Day | None = Field(
        default=None, description="The CSM's last day: their whole book is handed over, effective that day.")
    ramp_months: Annotated[int, Field(ge=0, le=24)] | None = Field(
        default=None, description="Months a new hire takes to carry a full book (default: fiscal_year.ramp_months, else 3).")

    @model_validator(mode="after")
    def _dates_in_order(self) -> "CSMRule":
        if self.start is not None and self.leave is not None and self.leave < self.start:
            raise ValueError(f"leave: {self.leave.isoformat()} is before start {self.start.isoformat()}")
        for key in ("segments", "verticals"):
            values = getattr(self, key) or ()
            folded = [v.strip().casefold() for v in values]
            if len(set(folded)) != len(folded):
                raise ValueError(f"{key}: a value is listed twice (case and spaces are ignored)")
        return self


class BalanceWeights(_Frozen):
    """How much each balance measure counts in the rebalance's third objective (0 leaves it out)."""

    hours: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 1.0
    arr: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 1.0
    renewals: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 1.0
    at_risk: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 1.0


class RebalanceSettings(_Frozen):
    """The book building's settings (``rebalance:`` block); the command line's flags override them.

    Objectives, in order: (1) every CSM within ``[min_utilization, max_utilization]``, else the
    smallest worst overload; (2) the least move cost; (3) the most even ARR, renewals per quarter
    and at-risk accounts across each segment's CSMs. ``overload_tolerance`` is how far (in points
    of utilization) objective 2 may let the worst overload exceed its least; ``move_tolerance``
    the share of move cost above the least that objective 3 may spend on balance.
    """

    min_utilization: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.0
    max_utilization: Annotated[float, Field(gt=0, le=5, allow_inf_nan=False)] | None = Field(
        default=None, description="Default: the fiscal year's target utilization, else 0.85.")
    move_cost: Literal["weighted", "accounts", "arr", "hours"] = Field(
        default="weighted", description="weighted: 1 + the account's ARR over its segment's average ARR.")
    freeze_days: Annotated[int, Field(ge=0, le=3660)] = Field(
        default=90, description="Accounts renewing within this many days of as_of do not move.")
    as_of: Day | None = Field(default=None, description="The day the plan is made (default: today).")
    overload_tolerance: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.0
    move_tolerance: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.1
    balance: BalanceWeights = Field(default_factory=BalanceWeights)
    at_risk: Annotated[tuple[Name, ...], Field(min_length=1)] = Field(
        default=("Red",), description="The health values that count an account as at risk (case ignored).")
    keep_verticals: bool = False
    time_limit: Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)] = 60.0

    @model_validator(mode="after")
    def _band_not_empty(self) -> "RebalanceSettings":
        if self.max_utilization is not None and self.min_utilization > self.max_utilization:
            raise ValueError(f"min_utilization: {self.min_utilization:g} is above max_utilization "
                             f"{self.max_utilization:g}; give min <= max")
        return self


def _check_menus(scenario: "Scenario") -> None:
    """Every option and trade-off applies to the scenario: each is one valid ``with_changes``.

    Checked on the scenario without its menus, so checking a change never checks the menus again.
    """
    if not scenario.options and not scenario.trade_offs:
        return
    from capacity.inputs import keypath

    bare = scenario.without_menus()
    for key in ("options", "trade_offs"):
        names: dict[str, int] = {}
        for i, item in enumerate(getattr(scenario, key)):
            label = f"{key}[{i}] ({item.name})"
            if item.name in names:
                raise ScenarioError(f"the name {item.name!r} is also {key}[{names[item.name]}]'s; give each its own name",
                                    file=scenario.source, where=f"{label}.name")
            names[item.name] = i
            if not item.changes:
                raise ScenarioError("is empty: give at least one key path and its new value, e.g. "
                                    "{\"segments[SMB].touchpoints[Quarterly health check].per_year\": 2}",
                                    file=scenario.source, where=f"{label}.changes")
            try:
                for path in item.changes:
                    first = keypath.parse(path)[0][1]
                    if first in _NOT_CHANGEABLE:
                        raise ScenarioError(f"an option cannot change {first}", where=path)
                bare.with_changes(item.changes)
            except ScenarioError as exc:
                message = f"{exc.where}: {exc.message}" if exc.where else exc.message
                raise ScenarioError(message, file=scenario.source, where=f"{label}.changes") from None


class Scenario(_Frozen):
    """A whole capacity scenario, as in the YAML file (version 1)."""

    version: Literal[1] = 1
    name: Annotated[str, Field(max_length=200)] = "CS capacity plan"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    csm: CSMTime
    book: Path | DatabaseBook | None = None
    book_columns: dict[str, str] | None = Field(
        default=None, description="Canonical book column -> the book's header, e.g. {account_id: Record ID}.")
    book_sheet: Name | None = Field(
        default=None, description="The workbook's sheet the accounts are on, when several sheets hold accounts "
        "(a sheet per region).")
    fx_rates: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Positive] | None = Field(
        default=None, description="Units of the scenario's currency per unit of another currency, e.g. "
        "{EUR: 1.08, GBP: 1.27} with currency USD: a book's ARR in those currencies (its currency column) is "
        "converted at these rates.")
    top_down_arr_per_csm: tuple[Positive, ...] = DEFAULT_TOP_DOWN_ARR_PER_CSM
    segments: Annotated[tuple[Segment, ...], Field(min_length=1)]
    fiscal_year: FiscalYear | None = None
    workload_multipliers: WorkloadMultipliers | None = Field(
        default=None, description="Per-account workload by a text column of the book (needs a book)."
    )
    activity_columns: dict[Name, Name] | None = Field(
        default=None,
        description="Activity log (capacity.analysis.calibrate): the log's header for each column the calibration reads, "
        "e.g. {account_id: Account ID, touchpoint: Activity type}.",
    )
    activity_types: dict[Name, Name] | None = Field(
        default=None,
        description="Activity log: the touchpoint each of the log's activity types stands for, "
        "e.g. {QBR: Business review}; other types match touchpoint names ignoring case and spaces.",
    )
    uncertainty: Annotated[Uncertainty | None, AfterValidator(_uncertainty_fits_scenario)] = None
    gross_margin: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        default=0.8,
        description="Gross profit as a share of revenue [-]: the business case's break-even ARR is "
        "cost / gross_margin.")
    retention_by_coverage: RetentionByCoverage | None = Field(
        default=None,
        description="The user's own observed gross retention per coverage (dedicated, pooled, digital) [share of ARR "
        "kept a year]; turns the break-even into a return.")
    options: tuple[Option, ...] = ()
    trade_offs: tuple[TradeOff, ...] = ()
    csms: tuple[CSMRule, ...] = Field(
        default=(), description="Rebalance: rules per CSM (segments and verticals carried, max accounts, start, leave).")
    rebalance: RebalanceSettings | None = Field(
        default=None, description="Rebalance: band, freeze window, as-of day, move cost, tolerances, balance weights.")

    _source: Path | None = PrivateAttr(default=None)

    @field_validator("book", mode="before")
    @classmethod
    def _database_book(cls, value: Any) -> Any:
        # Validated here rather than as a union member, so that its own errors reach the user.
        if not isinstance(value, dict):
            return value
        try:
            return DatabaseBook.model_validate(value)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            key = ".".join(str(part) for part in err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                hint = difflib.get_close_matches(key, list(DatabaseBook.model_fields), n=1, cutoff=0.6)
                message = f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else
                                                    "; a database book has url and table, or url and query")
            elif err["type"] == "missing":
                message = "missing required key"
            elif not key and ": " in message:
                key, message = message.split(": ", 1)
            if key:
                raise _KeyedError(key, message) from None
            raise ValueError(message) from None

    @field_validator("book_columns")
    @classmethod
    def _book_columns_known(cls, mapping: dict[str, str] | None) -> dict[str, str] | None:
        problem = None if mapping is None else mapping_problem(mapping)
        if problem is not None:
            raise _KeyedError(*problem)
        return mapping

    @model_validator(mode="after")
    def _fx_rates_foreign(self) -> "Scenario":
        rate = (self.fx_rates or {}).get(self.currency)
        if rate is not None and rate != 1:
            raise _KeyedError(f"fx_rates.{self.currency}", f"is the scenario's own currency, whose rate is 1; remove "
                              f"it (rates are {self.currency} per unit of each other currency)")
        return self

    @model_validator(mode="after")
    def _segments_consistent(self) -> "Scenario":
        names = [s.name for s in self.segments]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"segments[{i}].name: segment name {name!r} is used twice")
        seen: dict[float, int] = {}
        for i, seg in enumerate(self.segments):
            if seg.min_arr in seen:
                raise ValueError(
                    f"segments[{i}].min_arr: threshold {seg.min_arr:,.0f} is also segments[{seen[seg.min_arr]}]'s; "
                    "thresholds must be distinct"
                )
            seen[seg.min_arr] = i
        if self.fiscal_year is not None:
            self._fiscal_consistent(names)
        self._activity_keys_consistent()
        self._automation_names_distinct()
        self._csm_rules_consistent(names)
        return self

    def _automation_names_distinct(self) -> None:
        """Each automation is an option of compare and an item of fit's menu, so its name is its own."""
        taken = {item.name: "an option's" for item in self.options}
        taken.update({item.name: "a trade-off's" for item in self.trade_offs})
        for s, seg in enumerate(self.segments):
            for t, tp in enumerate(seg.touchpoints):
                if tp.automation is None:
                    continue
                name = tp.automation.name
                if name in taken:
                    raise _KeyedError(f"segments[{s}].touchpoints[{t}].automation.name",
                                      f"{name!r} is also {taken[name]} name; give each automation a name of its own")
                taken[name] = f"the automation of {seg.name}: {tp.name}'s"

    def _csm_rules_consistent(self, names: list[str]) -> None:
        """Each CSM is listed once and names segments the scenario has (their coverage is checked by the
        rebalance, as an option may change it)."""
        seen: dict[str, int] = {}
        for i, rule in enumerate(self.csms):
            key = rule.name.strip().casefold()
            if key in seen:
                raise _KeyedError(f"csms[{i}].name", f"{rule.name!r} is also csms[{seen[key]}]; list each CSM once")
            seen[key] = i
            for segment in rule.segments or ():
                if segment not in names:
                    hint = difflib.get_close_matches(segment, names, n=1, cutoff=0.6)
                    suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; segments are: {', '.join(names)}"
                    raise _KeyedError(f"csms[{i}].segments", f"unknown segment {segment!r}{suggestion}")

    def _activity_keys_consistent(self) -> None:
        """Activity-log keys name the log's known columns and touchpoints some segment has."""
        from capacity.inputs.activities import ACTIVITY_COLUMNS, same_name  # the log's columns live with the log

        for key in self.activity_columns or {}:
            if key not in ACTIVITY_COLUMNS:
                hint = difflib.get_close_matches(key, ACTIVITY_COLUMNS, n=1, cutoff=0.6)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; columns are: {', '.join(ACTIVITY_COLUMNS)}"
                raise _KeyedError(f"activity_columns.{key}", f"unknown column {key!r}{suggestion}")
        touchpoints = sorted({tp.name for seg in self.segments for tp in seg.touchpoints})
        for kind, name in (self.activity_types or {}).items():
            if not any(same_name(name, tp) for tp in touchpoints):
                hint = difflib.get_close_matches(name, touchpoints, n=1, cutoff=0.6)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise _KeyedError(f"activity_types.{kind}", f"no segment has a touchpoint called {name!r}{suggestion}")

    def _fiscal_consistent(self, names: list[str]) -> None:
        fiscal = self.fiscal_year
        for name in fiscal.starting_headcount:
            if name not in names:
                hint = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; segments are: {', '.join(names)}"
                raise _KeyedError(f"fiscal_year.starting_headcount.{name}", f"unknown segment {name!r}{suggestion}")
        for i, seg in enumerate(self.segments):
            monthly = seg.new_customers_per_month
            if isinstance(monthly, tuple) and len(monthly) != fiscal.months:
                raise _KeyedError(
                    f"segments[{i}].new_customers_per_month",
                    f"a list needs exactly {fiscal.months} numbers, one per month of fiscal_year (got {len(monthly)})",
                )

    @property
    def source(self) -> Path | None:
        """The YAML file this scenario was read from, if any."""
        return self._source

    @property
    def segments_by_threshold(self) -> tuple[Segment, ...]:
        """Segments from the lowest ``min_arr`` to the highest."""
        return tuple(sorted(self.segments, key=lambda s: s.min_arr))

    def loaded_cost_of(self, segment: Segment) -> float:
        """Loaded cost of one of ``segment``'s CSMs: its own, else ``csm.loaded_cost_per_year`` [USD/year]."""
        return self.csm.loaded_cost_per_year if segment.loaded_cost_per_year is None else segment.loaded_cost_per_year

    def with_changes(self, changes: Mapping[str, Any]) -> "Scenario":
        """A new scenario with the values at some key paths changed: the one way to derive a scenario.

        Parameters
        ----------
        changes : mapping of str to value
            Key path to new value. A path is written as the error messages write it
            (``csm.customer_time_share``, ``segments[1].min_arr``,
            ``segments[0].touchpoints[2].per_year``); a bracket may hold a segment's or
            touchpoint's name instead of its index
            (``segments[Mid-Market].touchpoints[Business review].per_year``). Values are what the
            YAML file would hold there (a number, text, a list, a mapping, or None to leave a key out).

        Returns
        -------
        Scenario
            Validated as a file with those edits would be on loading, with the same source file
            (so a relative book stays where it was). No change returns this scenario itself.

        Raises
        ------
        ScenarioError
            Naming the path as given: an unknown key, segment or touchpoint, a bad value, or a
            change that makes the scenario invalid (two thresholds meeting, say).

        Examples
        --------
        >>> base = load_scenario({"csm": {"loaded_cost_per_year": 100000}, "segments": [
        ...     {"name": "SMB", "min_arr": 0, "customers": 10, "arr": 1e5, "touchpoints": [
        ...         {"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1}]}]})
        >>> base.with_changes({"segments[SMB].touchpoints[Check-in].per_month": 2}).segments[0].touchpoints[0].per_month
        2.0
        """
        from capacity.inputs import keypath

        if not changes:
            return self
        resolved = [keypath.resolve(self, path) for path in changes]
        data = self.model_dump(exclude_unset=True)
        for place, value in zip(resolved, changes.values()):
            keypath.assign(data, place, value)
        try:
            # The menus are checked again only when a change edits them.
            return _validate(data, source=self.source,
                             menus=any(place.steps[0].key in ("options", "trade_offs") for place in resolved))
        except ScenarioError as exc:
            raise _name_the_change(exc, resolved, self.source) from None

    def without_menus(self) -> "Scenario":
        """This scenario without its ``options`` and ``trade_offs`` (the plan is the same)."""
        if not self.options and not self.trade_offs:
            return self
        bare = self.model_copy(update={"options": (), "trade_offs": ()})
        bare._source = self._source
        return bare


# -- loading ------------------------------------------------------------------------


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file; errors name the file (and the line for syntax errors)."""
    path = Path(path)
    log_parse("scenario", path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("file not found", file=path) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a YAML file", file=path) from None
    except PermissionError:
        raise ScenarioError("permission denied", file=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text (byte {exc.start}, 0x{raw[exc.start]:02x}); save the file as UTF-8",
            file=path,
            where=f"line {line}",
        ) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        mark = exc.problem_mark
        raise ScenarioError(exc.problem, file=path, where=f"line {mark.line + 1}, column {mark.column + 1}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and mark and exc.context_mark.line != mark.line:
            # "expected ',' or ']'" is found a line late; say where the unclosed thing began.
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        if "'\\t'" in problem:
            problem += "; indent with spaces, not tabs"
        raise ScenarioError(f"YAML syntax error: {problem}", file=path, where=where) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(
            f"character U+{exc.character:04X} is not allowed in YAML; delete it", file=path, where=f"line {line}"
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {' '.join(str(exc).split())}", file=path) from None


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice is an error, not "the last one wins"."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the base class says so
                    continue
                if first is not key_node:
                    raise _DuplicateKey(
                        problem=f"key {key!r} is given twice (first on line {first.start_mark.line + 1}); keep one",
                        problem_mark=key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)


def load_scenario(path_or_dict: str | Path | dict | Scenario) -> Scenario:
    """Read and validate a scenario from a YAML file or a dict.

    Parameters
    ----------
    path_or_dict : str, Path, dict or Scenario
        A YAML file (version 1, see README), or the same structure as a dict.
        A relative ``book`` path is taken relative to the YAML file.

    Returns
    -------
    Scenario
        Frozen and validated.

    Raises
    ------
    ScenarioError
        On any malformed or inconsistent input, naming the file and key.
    """
    if isinstance(path_or_dict, Scenario):
        return path_or_dict
    if isinstance(path_or_dict, dict):
        return _validate(path_or_dict, source=None)
    path = Path(path_or_dict)
    data = read_yaml(path)
    if data is None:
        raise ScenarioError("the file is empty; a scenario needs at least csm and segments", file=path)
    if not isinstance(data, dict):
        got = {"str": "text", "list": "a list", "int": "a number", "float": "a number"}.get(
            type(data).__name__, type(data).__name__)
        raise ScenarioError(
            f"the top level must be a mapping of keys such as csm: and segments: (got {got}); "
            "is this the scenario YAML file?",
            file=path,
        )
    book = data.get("book")
    if isinstance(book, str) and book.strip():
        data = {**data, "book": str(path.parent / book)}
    return _validate(data, source=path)


def _validate(data: dict, source: Path | None, menus: bool = True) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, source) from None
    scenario._source = source
    if menus:
        _check_menus(scenario)
    return scenario


def _name_the_change(exc: ScenarioError, changed: list, source: Path | None) -> ScenarioError:
    """The validation error of a changed scenario, named by the change that caused it.

    The change whose place contains the error's place (or lies inside it) is named; where none
    does (the error is elsewhere, such as a threshold now equal to another segment's), every
    change is named. The error's own place follows the message when it differs.
    """
    where = exc.where or ""

    def related(place) -> bool:
        path = place.canonical
        return bool(where) and (where == path or where.startswith((path + ".", path + "["))
                                or path.startswith((where + ".", where + "[")))

    named = [place for place in changed if related(place)] or list(changed)
    at = "" if len(named) == 1 and named[0].canonical == where else (f" (at {where})" if where else "")
    return ScenarioError(f"{exc.message}{at}", file=source, where=", ".join(place.given for place in named))


def _translate(exc: ValidationError, source: Path | None) -> ScenarioError:
    """The first pydantic error as one line: key path, what is wrong, what was given.

    An unknown key is reported before a missing one: a misspelt key makes both, and
    "did you mean" is the useful half. A list "too short after validation" only echoes
    a bad item in it, so the item's own error comes first.
    """
    errors = _matching_union_member(exc.errors(include_url=False))
    err = min(errors, key=_rank)
    loc = tuple(err["loc"])
    kind = err["type"]
    msg = err["msg"]
    if kind == "value_error":
        keyed = (err.get("ctx") or {}).get("error")
        if isinstance(keyed, _KeyedError):
            prefix = _path(loc)
            return ScenarioError(keyed.message, file=source, where=f"{prefix}.{keyed.where}" if prefix else keyed.where)
        msg = msg.removeprefix("Value error, ")
        # Model-level checks name their own sub-key as "key: message".
        head, sep, rest = msg.partition(": ")
        if sep and " " not in head:
            return ScenarioError(rest, file=source, where=_path(loc + (head,)) if loc else head)
        return ScenarioError(msg, file=source, where=_path(loc) or None)
    where = _path(loc) or None
    if kind == "extra_forbidden":
        key = loc[-1]
        known = _fields_at(loc[:-1])
        hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else (f"; expected one of: {', '.join(known)}" if known else "")
        return ScenarioError(f"unknown key {key!r}{suggestion}", file=source, where=where)
    if kind == "missing":
        return ScenarioError("missing required key", file=source, where=where)
    given = err.get("input")
    if isinstance(given, dict):
        shown = "a mapping of keys"
    elif isinstance(given, (list, tuple)):
        shown = f"a list of {len(given)}" if given else "an empty list"
    else:
        shown = repr(given)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    text = f"{_plain(kind, err.get('ctx') or {}, msg)} (got {shown})"
    hint = _HINTS.get(str(loc[-1])) if loc and kind in _HINTED else None
    if loc and loc[0] == "fx_rates" and len(loc) > 1 and kind in _HINTED:  # fx_rates.EUR: its key, or its rate
        hint = _HINTS["currency" if loc[-1] == "[key]" else "fx_rates"]
    if kind == "string_type" and isinstance(given, (int, float, bool)):
        hint = "put it in quotes"
    return ScenarioError(f"{text}; {hint}" if hint else text, file=source, where=where)


_TYPE_TAGS = {"float", "int", "str", "bool", "none", "list", "tuple", "dict"}


def _is_tag(part: Any) -> bool:
    """A step of pydantic's error location that names a type (a union member), not a key."""
    text = str(part)
    return not isinstance(part, int) and (
        "[" in text or text.startswith(("constrained-", "function-")) or text in _TYPE_TAGS
    )


def _matching_union_member(errors: list[dict]) -> list[dict]:
    """For a key that takes one of several shapes (a number or a list), keep the errors of
    the shape the user wrote: the member whose errors go deepest into the value."""
    def head(loc: tuple) -> tuple:
        for i, part in enumerate(loc):
            if _is_tag(part) and not str(part).startswith("function-"):
                return loc[:i]
        return loc

    deepest: dict[tuple, int] = {}
    for err in errors:
        key = head(tuple(err["loc"]))
        deepest[key] = max(deepest.get(key, 0), len(err["loc"]))
    return [e for e in errors if len(e["loc"]) == deepest[head(tuple(e["loc"]))]]


def _rank(err: dict) -> int:
    if err["type"] == "extra_forbidden":
        return 0
    if err["type"] == "missing":
        return 2
    if err["type"] == "too_short" and "after validation" in err["msg"]:
        return 3
    return 1


@functools.cache
def _numeric_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, field in model.model_fields.items() if _is_numeric(field.annotation))


def _is_numeric(annotation: Any) -> bool:
    if annotation in (float, int):
        return True
    return any(_is_numeric(arg) for arg in typing.get_args(annotation) if not isinstance(arg, (str, int, float)))


def _number(value: Any) -> str:
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:g}"


# pydantic's wording ("input should be a valid number, unable to parse string as a number")
# in a CS leader's words.
_PLAIN = {
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "tuple_type": "must be a list, one '- ' item per line",
    "list_type": "must be a list, one '- ' item per line",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
    "path_type": "must be a file path",
    "string_pattern_mismatch": "is not in the expected form",
}


def _plain(kind: str, ctx: dict, msg: str) -> str:
    if kind == "greater_than":
        return f"must be more than {_number(ctx['gt'])}"
    if kind == "greater_than_equal":
        return f"must be {_number(ctx['ge'])} or more"
    if kind == "less_than":
        return f"must be less than {_number(ctx['lt'])}"
    if kind == "less_than_equal":
        return f"must be {_number(ctx['le'])} or less"
    if kind == "literal_error":
        expected = str(ctx["expected"])
        return f"must be one of {expected}" if " or " in expected else f"must be {expected}"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} item{'s' if ctx['min_length'] != 1 else ''}"
    if kind == "string_too_short":
        return "must not be blank"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind in _PLAIN:
        return _PLAIN[kind]
    return msg[0].lower() + msg[1:] if msg else msg


# What a key means, for the errors where knowing it is the fix.
_HINTS = {
    "customer_time_share": "it is the share of a CSM's working time spent with customers, "
    "a number above 0 and at most 1, e.g. 0.6667 for two-thirds",
    "currency": "write a three-letter code in capitals, such as USD or EUR",
    "fx_rates": "it is units of the scenario's currency per unit of that currency, e.g. EUR: 1.08 when a euro is "
                "1.08 US dollars",
    "pto_days": "it is working days off a year: holidays, vacation and sick days",
    "service_level": "it is the share of contacts answered within answer_within_minutes, e.g. 0.8 for 80%",
    "max_occupancy": "it is the highest share of an agent's time spent on contacts, e.g. 0.85 for 85%",
    "gross_margin": "it is gross profit as a share of revenue, e.g. 0.8 for 80%",
    "share": "it is the share of the touchpoint's minutes (of its occurrences, for inbound) the software takes over, "
             "e.g. 0.4 for 40%",
    **{coverage: "it is the share of ARR kept a year under this coverage (gross retention), e.g. 0.92 for 92%"
       for coverage in ("dedicated", "pooled", "digital")},
}
_HINTED = {"float_parsing", "float_type", "greater_than", "less_than_equal", "greater_than_equal",
           "string_pattern_mismatch", "less_than"}


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _is_tag(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _fields_at(loc: tuple) -> list[str]:
    """Field names of the model found at ``loc`` below :class:`Scenario` (for did-you-mean)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = _inner_model(field.annotation)
    return list(getattr(model, "model_fields", {}).keys())


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None

