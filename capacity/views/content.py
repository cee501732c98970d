"""The budget report's content as plain data: headline numbers, tables and sentences.

:func:`build` loads a :class:`~capacity.inputs.context.Context` once and keeps its plan, fiscal
plan and sensitivity in a :class:`ReportContent`; every number the report, its Excel
workbook and the command line's text show comes from those three results. Nothing here
knows how it is shown:

- a :class:`Table` is a DataFrame plus the kind of each column (money, count, share...)
  and a note; a :class:`RowKindTable` varies the kind by row;
- a :class:`Sentence` is a tuple of :class:`Span` (text and an emphasis: ``"strong"`` for a
  number the reader should see, ``"code"`` for a scenario key), never HTML;
- a :class:`Kpi` is one headline number with its text and label.

:mod:`capacity.views.html` renders them as the report page, :mod:`capacity.views.workbook` as Excel,
:mod:`capacity.views.text` as the command line's tables and :mod:`capacity.views.charts` draws the
charts from the same results. The module-level table functions take a result (a plan, a
fiscal plan, a sensitivity), so the command line shows the same tables without building
a whole report.
"""

from __future__ import annotations

import datetime as _dt
import math
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pandas as pd

from capacity import formatting as fmt
from capacity import sample
from capacity.exceptions import ReportError
from capacity.model.fiscal import ALL_SEGMENTS  # the whole team's name in the calendar's peaks

if TYPE_CHECKING:  # only the names: the results are handed in
    from capacity.analysis.business_case import BusinessCase
    from capacity.inputs.context import Context
    from capacity.model.fiscal import FiscalPlan
    from capacity.model.plan import Plan, SegmentPlan
    from capacity.inputs.scenario import Scenario
    from capacity.analysis.sensitivity import Sensitivity

__all__ = ["PARAMETERS", "check_parameters", "Kind", "Table", "RowKindTable", "Span", "Sentence", "Kpi", "KpiGroup",
           "Header", "Paragraph", "ReportContent", "build", "load", "save", "segments_table", "pools_table",
           "touchpoints_table", "top_down_table", "TOUCHPOINT_KINDS", "fte_by_kind", "fiscal_month_series", "gap_table", "top_touchpoints_table", "sensitivity_table",
           "fiscal_months_table", "fiscal_segments_table", "fiscal_rows_table", "timing_text", "calendar_table",
           "calendar_peaks_table", "fiscal_years_table", "recruiting_table", "shortfalls_table", "recruiting_sentences"]

Kind = Literal["text", "count", "number", "money", "percent", "decimal", "hours", "share"]

#: The notebook's parameters that ``-p NAME VALUE`` may set, with what each takes.
#: ``scenario_path`` and ``book_path`` are set by the command's SCENARIO and --book.
PARAMETERS: dict[str, str] = {
    "title": "text: the report's title (default: Customer Success budget)",
    "fiscal_year": "a year such as 2027: the fiscal year the budget is for (a label)",
    "currency": "a three-letter code such as USD or EUR (default: the scenario's)",
    "current_headcount": "a whole number: CSMs today (default: the fiscal year's start)",
    "activities_path": "an activity log (CSV or .xlsx): adds a Designed versus actual section",
    "headcount_cap": "a whole number: the CSMs the CFO allows; the report shows what that cap buys",
    "budget_cap": "an amount a year such as 2100000 or 2.1M: the budget the CFO allows; the report shows what it buys",
}


def check_parameters(values: dict[str, Any], where: str = "parameter") -> dict[str, Any]:
    """Validate report parameters; return them normalised (``None`` means "use the default").

    Parameters
    ----------
    values : dict
        Parameter name to value, as Python values (the CLI parses ``-p`` text as YAML scalars).
    where : str
        How the user set them, for error messages (``-p`` on the command line).

    Raises
    ------
    ReportError
        Naming the parameter, with a did-you-mean for unknown names.
    """
    import difflib

    out: dict[str, Any] = {}
    for name, value in values.items():
        spot = f"{where} {name}"
        if name not in PARAMETERS:
            hint = difflib.get_close_matches(name, list(PARAMETERS), n=1, cutoff=0.5)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; expected one of: {', '.join(PARAMETERS)}"
            if name in ("scenario_path", "book_path"):
                suggestion = "; give it as SCENARIO or --book instead"
            raise ReportError(f"unknown parameter {name!r}{suggestion}", where=f"{where} {name}")
        if value is None:
            out[name] = None
        elif name == "title":
            text = str(value).strip()
            if not text or len(text) > 200 or "\n" in text:
                raise ReportError(f"must be one line of 1 to 200 characters (got {str(value)[:40]!r})", where=spot)
            out[name] = text
        elif name == "fiscal_year":
            if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
                raise ReportError(f"must be a year such as 2027 (got {value!r})", where=spot)
            out[name] = value
        elif name == "currency":
            if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()):
                raise ReportError(f"must be a three-letter currency code such as USD (got {value!r})", where=spot)
            out[name] = value
        elif name == "current_headcount":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ReportError(f"must be a whole number of CSMs, 0 or more (got {value!r})", where=spot)
            out[name] = value
        elif name == "activities_path":
            # Resolved here: the notebook's kernel runs in another folder.
            path = Path(str(value)).expanduser()
            if not path.is_file():
                raise ReportError("activity log not found" if not path.exists() else "is not a file", file=path,
                                  where=spot)
            out[name] = str(path.resolve())
        elif name in ("headcount_cap", "budget_cap"):
            out[name] = _check_cap(name, value, spot)
    if out.get("headcount_cap") is not None and out.get("budget_cap") is not None:
        raise ReportError("give headcount_cap or budget_cap, not both", where=f"{where} budget_cap")
    return out


def _check_cap(name: str, value: Any, spot: str) -> int | float:
    """A headcount cap (a whole number) or a budget cap (a number, or text such as 2.1M)."""
    if name == "headcount_cap":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ReportError(f"must be a whole number of CSMs, 0 or more (got {value!r})", where=spot)
        return value
    from capacity.exceptions import FitError
    from capacity.analysis.fit import parse_budget

    if isinstance(value, bool):
        raise ReportError(f"must be an amount a year such as 2100000 or 2.1M (got {value!r})", where=spot)
    if isinstance(value, (int, float)):
        if not (math.isfinite(value) and 0 <= value <= 1e12):
            raise ReportError(f"must be an amount a year from 0 to 1,000,000,000,000 (got {value!r})", where=spot)
        return float(value)
    try:
        return parse_budget(str(value))
    except FitError:
        raise ReportError(f"must be an amount a year such as 2100000 or 2.1M (got {value!r})", where=spot) from None


# -- tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table of numbers and how to show each column.

    ``kinds`` maps a column to ``count`` (whole numbers), ``number`` (as given, up to two
    decimals: an input such as 60 minutes or 0.25 a year), ``money`` (in ``currency``),
    ``percent`` (a fraction shown as %), ``share`` (a fraction shown as %, one decimal),
    ``decimal`` (one or two decimals), ``hours`` (two decimals) or ``text``.
    ``total_row`` marks the last row as a total.
    """

    name: str
    frame: pd.DataFrame
    kinds: dict[str, Kind]
    currency: str = "USD"
    total_row: bool = False
    note: str = ""

    def kind(self, column: str) -> Kind:
        return self.kinds.get(column, "text")

    def kind_at(self, row: int, column: str) -> Kind:
        """The kind of one cell (a column's kind, unless the table varies it by row)."""
        return self.kind(column)

    def cell_text(self, column: str, value: object, kind: Kind | None = None) -> str:
        """A cell as the report shows it."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        kind = self.kind(column) if kind is None else kind
        if kind == "text":
            return str(value)
        number = float(value)
        if math.isinf(number):
            return "unbounded"
        if kind == "count":
            return f"{number:,.0f}"
        if kind == "money":
            return fmt.money(number, self.currency)
        if kind in ("percent", "share"):
            return fmt.percent(number)
        if kind == "hours":
            return f"{number:,.2f}"
        if kind == "number":
            return f"{number:,.2f}".rstrip("0").rstrip(".")
        return f"{number:,.2f}" if abs(number) < 100 else f"{number:,.1f}"

    def cells(self) -> list[list[tuple[Any, Kind]]]:
        """Every row as (value, kind) pairs, in column order."""
        columns = list(self.frame.columns)
        return [[(record[c], self.kind_at(i, c)) for c in columns] for i, record in enumerate(self.frame.to_dict("records"))]


@dataclass(frozen=True)
class RowKindTable(Table):
    """A (measure, value, unit) table whose ``Value`` column's kind varies by row (``row_kinds``).

    ``value_columns`` names the columns whose kind is the row's (``("Value",)``; the years of a years table).
    """

    row_kinds: tuple = ()
    value_columns: tuple = ("Value",)

    def kind_at(self, row: int, column: str) -> Kind:
        return self.row_kinds[row] if column in self.value_columns else self.kind(column)


def _measures(name: str, rows: list[tuple], columns: list[str], currency: str, value_kind: Kind) -> RowKindTable:
    """A table of (label, value[, unit], kind) rows; the last item of each row is its value's kind."""
    frame = pd.DataFrame([r[:-1] for r in rows], columns=columns)
    return RowKindTable(name, frame, {"Value": value_kind}, currency, row_kinds=tuple(r[-1] for r in rows))


# -- sentences and headline numbers ---------------------------------------------------------


class Span(NamedTuple):
    """A run of text; ``emphasis`` is ``""``, ``"strong"`` (a number to notice) or ``"code"`` (a scenario key)."""

    text: str
    emphasis: str = ""


@dataclass(frozen=True)
class Sentence:
    """A sentence as spans of text, each with its emphasis."""

    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        """The sentence as plain text."""
        return "".join(s.text for s in self.spans)

    def __str__(self) -> str:
        return self.text


def _sentence(*parts: str | Span) -> Sentence:
    """Plain strings and :func:`_strong` / :func:`_code` spans, in order."""
    return Sentence(tuple(p if isinstance(p, Span) else Span(p) for p in parts if p))


def _strong(text: str) -> Span:
    return Span(text, "strong")


def _code(text: str) -> Span:
    return Span(text, "code")


@dataclass(frozen=True)
class Paragraph:
    """Prose of one or more sentences; a ``note`` is an aside (shown smaller)."""

    sentence: Sentence
    note: bool = False


@dataclass(frozen=True)
class Kpi:
    """One headline number: ``value`` as computed, ``text`` as shown, and what it is."""

    key: str
    value: Any
    text: str
    label: str


@dataclass(frozen=True)
class KpiGroup:
    """Headline numbers shown together under a caption."""

    caption: str
    kpis: tuple[Kpi, ...]


@dataclass(frozen=True)
class Header:
    """The report's title and the line under it."""

    title: str
    subtitle: str


# -- tables of one result ---------------------------------------------------------------


def segments_table(plan: "Plan") -> Table:
    """The plan's segments, one row each, and a total."""
    rows = [
        {"Segment": s.name, "Coverage": s.coverage, "Min ARR": s.min_arr, "Customers": s.customers, "ARR": s.arr,
         "Hours per customer a month": s.hours_per_customer_per_month,
         "Program hours a month": s.program_hours_per_month, "Customers per CSM": s.customers_per_csm,
         "FTE": s.fte, "CSMs": s.headcount, "Cost a year": s.cost_per_year, "ARR per CSM": s.arr_per_csm}
        for s in plan.segments
    ]
    t = plan.totals
    rows.append({"Segment": "Total", "Coverage": "", "Min ARR": None, "Customers": t.customers, "ARR": t.arr,
                 "Hours per customer a month": None, "Program hours a month": None, "Customers per CSM": None,
                 "FTE": t.fte, "CSMs": t.headcount, "Cost a year": t.cost_per_year, "ARR per CSM": t.arr_per_csm})
    kinds: dict[str, Kind] = {"Min ARR": "money", "Customers": "count", "ARR": "money",
                              "Hours per customer a month": "hours", "Program hours a month": "decimal",
                              "Customers per CSM": "decimal", "FTE": "decimal", "CSMs": "count",
                              "Cost a year": "money", "ARR per CSM": "money"}
    return Table("Segments", pd.DataFrame(rows), kinds, plan.currency, total_row=True,
                 note="CSMs are the FTE rounded up per segment; a digital segment's FTE is the people running its programs.")


def pools_table(segment: "SegmentPlan", currency: str) -> Table:
    """The vertical pools of a segment sized by pool (empty for a segment sized as one team)."""
    rows = [{"Pool": p.vertical, "Customers": p.customers, "ARR": p.arr, "FTE": p.fte, "CSMs": p.headcount,
             "Cost a year": p.cost_per_year} for p in segment.pools]
    frame = pd.DataFrame(rows, columns=["Pool", "Customers", "ARR", "FTE", "CSMs", "Cost a year"])
    return Table(f"Pools of {segment.name}", frame, {"Customers": "count", "ARR": "money", "FTE": "decimal",
                                                     "CSMs": "count", "Cost a year": "money"}, currency)


#: Kinds of touchpoint in the order the report shows them.
TOUCHPOINT_KINDS = ("recurring", "one_time", "inbound", "program")


def fte_by_kind(plan: "Plan") -> dict[str, list[float]]:
    """Each kind of touchpoint's FTE in each segment [FTE], segments in the plan's order."""
    frame = plan.touchpoints_frame()
    names = [s.name for s in plan.segments]
    out = {}
    for kind in TOUCHPOINT_KINDS:
        by_segment = frame[frame["kind"] == kind].groupby("segment")["fte"].sum()
        out[kind] = [float(by_segment.get(n, 0.0)) for n in names]
    return out


def fiscal_month_series(fiscal: "FiscalPlan") -> pd.DataFrame:
    """The year's months, all segments: staff, ramped capacity and the capacity the target allows [FTE],
    demand [FTE], starts [people], the month's cost and the cost so far in the year [currency]."""
    totals = fiscal.totals_frame()
    return pd.DataFrame({
        "month": totals["month"], "headcount": totals["headcount"],
        "ramped_capacity_fte": totals["ramped_capacity_fte"],
        "capacity_at_target_fte": totals["ramped_capacity_fte"] * fiscal.target_utilization,
        "demand_fte": totals["demand_fte"], "hires_started": totals["hires_started"], "cost": totals["cost"],
        "cost_so_far": fiscal.cumulative_cost(),
    })


def touchpoints_table(plan: "Plan") -> Table:
    """Every touchpoint of every segment with the hours and FTE it drives."""
    frame = plan.touchpoints_frame()
    fte_by_segment = {s.name: s.fte for s in plan.segments}
    out = pd.DataFrame({
        "Segment": frame["segment"],
        "Touchpoint": frame["name"],
        "Kind": frame["kind"].str.replace("_", "-"),
        "Minutes": frame["minutes"],
        "Times a month": frame["frequency_per_month"],
        "Hours per customer a month": frame["hours_per_customer_per_month"],
        "Hours a month, whole segment": frame["hours_per_month"],
        "FTE": frame["fte"],
        "Share of segment FTE": [
            f / fte_by_segment[s] if fte_by_segment[s] else None for f, s in zip(frame["fte"], frame["segment"])
        ],
    })
    kinds: dict[str, Kind] = {"Minutes": "number", "Times a month": "hours", "Hours per customer a month": "hours",
                              "Hours a month, whole segment": "decimal", "FTE": "hours", "Share of segment FTE": "share"}
    return Table("Touchpoints", out, kinds, plan.currency,
                 note="Times a month of a one-time touchpoint is the share of customers that are new in a month; "
                      "a program's hours are for the whole segment, whatever its size.")


def top_down_table(plan: "Plan") -> Table:
    """The bottom-up answer beside each top-down guidepost."""
    t, cur = plan.totals, plan.currency
    rows = [{"Method": "Bottom-up (this plan)", "ARR per CSM": t.arr_per_csm,
             "CSMs": t.headcount, "Cost a year": t.cost_per_year, "CSMs more than bottom-up": 0}]
    for td in plan.top_down:
        rows.append({"Method": f"Top-down: one CSM per {fmt.money_short(td.arr_per_csm, cur)} of ARR",
                     "ARR per CSM": td.arr_per_csm, "CSMs": td.headcount, "Cost a year": td.cost_per_year,
                     "CSMs more than bottom-up": td.headcount - t.headcount})
    kinds: dict[str, Kind] = {"ARR per CSM": "money", "CSMs": "count", "Cost a year": "money",
                              "CSMs more than bottom-up": "count"}
    return Table("Top-down", pd.DataFrame(rows), kinds, cur, note="Top-down cost uses the default loaded cost per CSM.")


def gap_table(plan: "Plan") -> Table:
    """Per segment, bottom-up FTE against the FTE each guidepost gives its ARR."""
    rows = []
    for s in plan.segments:
        row = {"Segment": s.name, "Coverage": s.coverage, "ARR": s.arr, "Bottom-up FTE": s.fte}
        for td in plan.top_down:
            row[f"Top-down FTE at {fmt.money_short(td.arr_per_csm, plan.currency)}"] = s.arr / td.arr_per_csm
        rows.append(row)
    frame = pd.DataFrame(rows)
    kinds: dict[str, Kind] = {c: "decimal" for c in frame.columns if "FTE" in c}
    kinds["ARR"] = "money"
    return Table("Gap by segment", frame, kinds, plan.currency,
                 note="Top-down FTE is the segment's ARR divided by the guidepost; a positive gap means the rule of "
                      "thumb gives the segment more people than its touchpoints need.")


def top_touchpoints_table(plan: "Plan", n: int = 8) -> Table:
    """The ``n`` touchpoints that drive the most CSM time, across segments."""
    frame = plan.touchpoints_frame().sort_values("fte", ascending=False, kind="stable").head(n)
    total = plan.totals.fte
    out = pd.DataFrame({"Segment": frame["segment"], "Touchpoint": frame["name"],
                        "Hours a month": frame["hours_per_month"], "FTE": frame["fte"],
                        "Share of all FTE": frame["fte"] / total if total else None})
    return Table("Top touchpoints", out.reset_index(drop=True),
                 {"Hours a month": "decimal", "FTE": "hours", "Share of all FTE": "share"}, plan.currency)


def sensitivity_table(sensitivity: "Sensitivity", currency: str, n: int | None = None, *, with_fte: bool = True) -> Table:
    """Headcount and cost with each driver moved down and up, largest swing first.

    ``n`` keeps the first rows; ``with_fte`` adds the unrounded FTE at both ends.
    """
    s = sensitivity
    pct = f"{s.change:.0%}"
    impacts = s.impacts if n is None else s.impacts[:n]
    rows = []
    for i in impacts:
        row = {"Driver": i.driver.label, "Value": i.driver.value, f"Value −{pct}": i.low_value,
               f"Value +{pct}": i.high_value, f"CSMs at −{pct}": i.low_headcount, "CSMs as planned": s.base_headcount,
               f"CSMs at +{pct}": i.high_headcount, f"Cost at −{pct}": i.low_cost, f"Cost at +{pct}": i.high_cost}
        if with_fte:
            row.update({f"FTE at −{pct}": i.low_fte, "FTE as planned": s.base_fte, f"FTE at +{pct}": i.high_fte})
        rows.append(row)
    frame = pd.DataFrame(rows)
    kinds: dict[str, Kind] = {c: "number" for c in frame.columns if c.startswith("Value")}
    kinds.update({c: "count" for c in frame.columns if c.startswith("CSMs")})
    kinds.update({c: "money" for c in frame.columns if c.startswith("Cost")})
    kinds.update({c: "decimal" for c in frame.columns if c.startswith("FTE")})
    return Table("Sensitivity", frame, kinds, currency)


#: Month-row columns of the fiscal tables: source column -> table column (``detail`` only where marked).
_FISCAL_MONTH_COLUMNS = (("month", "Month", "text"), ("customers", "Customers", "count"),
                         ("new_customers", "New customers", "count", "detail"), ("arr", "ARR", "money"),
                         ("demand_fte", "Demand (FTE)", "decimal"), ("headcount", "CSMs", "count"),
                         ("ramped_capacity_fte", "Ramped capacity (FTE)", "decimal"),
                         ("utilization", "Utilization", "percent"), ("target", "Target", "text", "detail"),
                         ("requisitions_opened", "Requisitions opened", "count"),
                         ("hires_started", "CSMs starting", "count"), ("leavers", "Leavers", "count"),
                         ("managers", "Managers", "count"), ("cost", "Cost", "money"))


def fiscal_months_table(fiscal: "FiscalPlan", segment: str | None = None, *, detail: bool = False) -> Table:
    """The year month by month (all segments, or one), then a "Year" row from
    :meth:`~capacity.model.fiscal.FiscalPlan.year_totals`.

    ``detail`` adds the new customers of each month and whether the month holds the target
    utilization (in every segment, for the totals).
    """
    months = fiscal.totals_frame() if segment is None else fiscal.segment_frame(segment)
    months = months.assign(target=_target_verdicts(months))
    columns = [c for c in _FISCAL_MONTH_COLUMNS if detail or len(c) == 3]
    frame = pd.DataFrame({name: months[source] for source, name, *_ in columns})
    label = "Year" if len(fiscal.months) <= 12 else f"All {len(fiscal.months)} months"
    year = {"month": label, **fiscal.year_totals(segment)}
    frame = pd.concat([frame, pd.DataFrame([{name: year.get(source) if source != "target" else ""
                                             for source, name, *_ in columns}])], ignore_index=True)
    kinds: dict[str, Kind] = {name: kind for _, name, kind, *_ in columns if kind != "text"}
    return Table("Fiscal months" if segment is None else f"Fiscal months: {segment}", frame, kinds, fiscal.currency,
                 total_row=True,
                 note="Customers, ARR, CSMs and managers are at month end (the year row: at year end); "
                      "requisitions, starts, leavers and cost are summed over the year.")


def _target_verdicts(months: pd.DataFrame) -> list[str]:
    """Per month: "held", or the segments above target (totals) or "ABOVE" (one segment)."""
    if "segments_above_target" in months:
        return ["held" if n == 0 else f"{n} above" for n in months["segments_above_target"]]
    return ["held" if held else "ABOVE" for held in months["target_held"]]


def fiscal_segments_table(fiscal: "FiscalPlan") -> Table:
    """The year per segment: start, end, hires, leavers, worst month, cost."""
    s = fiscal.summary
    rows = []
    for name in fiscal.segments:
        year = fiscal.year_totals(name)
        rows.append({
            "Segment": name, "CSMs at start": s.starting_headcount.get(name, 0),
            "CSMs at year end": s.year_end_headcount_by_segment.get(name, 0),
            "CSMs starting": int(year["hires_started"]), "Leavers": int(year["leavers"]),
            "Highest utilization": s.worst_utilization.get(name),
            "First month above target without hiring": s.first_breach.get(name) or "never",
            "Ramped CSMs missing on day one": s.day_one_shortfall.get(name, 0),
            "Cost in the year": s.cost_by_segment.get(name, 0.0),
        })
    kinds: dict[str, Kind] = {"CSMs at start": "count", "CSMs at year end": "count", "CSMs starting": "count",
                              "Leavers": "count", "Highest utilization": "percent",
                              "Ramped CSMs missing on day one": "count", "Cost in the year": "money"}
    return Table("Fiscal segments", pd.DataFrame(rows), kinds, fiscal.currency,
                 note="Cost includes each segment's share of the managers.")


def fiscal_rows_table(fiscal: "FiscalPlan") -> Table:
    """The fiscal plan's rows, one per month and segment (the Excel "Fiscal by segment" sheet)."""
    frame = fiscal.to_frame()
    names = {"month": "Month", "segment": "Segment", "customers": "Customers", "new_customers": "New customers",
             "churned_customers": "Churned customers", "arr": "ARR", "demand_fte": "Demand (FTE)",
             "headcount": "CSMs", "ramped_capacity_fte": "Ramped capacity (FTE)", "utilization": "Utilization",
             "worst_pool_utilization": "Highest pool utilization", "target_held": "Target held",
             "hires_started": "CSMs starting", "requisitions_opened": "Requisitions opened",
             "backfill_requisitions": "Backfill requisitions", "leavers": "Leavers", "managers": "Managers",
             "csm_cost": "CSM cost", "manager_cost": "Manager cost", "cost": "Cost", "tooling_cost": "Tooling"}
    frame = frame.rename(columns=names)
    kinds: dict[str, Kind] = {"Customers": "decimal", "New customers": "decimal", "Churned customers": "decimal",
                              "ARR": "money", "Demand (FTE)": "decimal", "CSMs": "count",
                              "Ramped capacity (FTE)": "decimal", "Utilization": "percent",
                              "Highest pool utilization": "percent", "CSMs starting": "count",
                              "Requisitions opened": "count", "Backfill requisitions": "count", "Leavers": "count",
                              "Managers": "count", "CSM cost": "money", "Manager cost": "money", "Cost": "money",
                              "Tooling": "money"}
    return Table("Fiscal by segment", frame, kinds, fiscal.currency)


# -- several years, and recruiting -----------------------------------------------------------


def fiscal_years_table(fiscal: "FiscalPlan") -> RowKindTable:
    """The plan's years side by side: one column per year, one row per measure (the stocks at each year's end,
    the flows over it, the cost with managers and tooling, its ratios and the year's business case)."""
    years = fiscal.years
    cur = fiscal.currency
    columns = [f"Year {y.year}" for y in years]

    def total(y, key):
        return getattr(y.payback.total, key)

    rows = [
        ("Months", [f"{y.first_month} to {y.last_month}" for y in years], "text"),
        ("Customers at year end", [y.customers for y in years], "count"),
        ("New customers", [y.new_customers for y in years], "count"),
        ("Churned customers", [y.churned_customers for y in years], "count"),
        ("ARR at year end", [y.arr for y in years], "money"),
        ("CSMs at year end", [y.csms for y in years], "count"),
        ("Managers at year end", [y.managers for y in years], "count"),
        ("Requisitions opened", [y.requisitions for y in years], "count"),
        ("CSMs starting", [y.hires for y in years], "count"),
        ("Leavers", [y.leavers for y in years], "count"),
        ("CSM cost", [y.csm_cost for y in years], "money"),
        ("Manager cost", [y.manager_cost for y in years], "money"),
    ]
    if any(y.tooling_cost for y in years):
        rows.append(("Tooling of adopted automations", [y.tooling_cost for y in years], "money"))
    rows += [
        ("Cost, managers and tooling", [y.cost for y in years], "money"),
        ("Cost as a share of year-end ARR", [y.cost_pct_arr for y in years], "percent"),
        ("ARR per CSM at year end", [y.arr_per_csm for y in years], "money"),
        ("Pays back: ARR to keep or add a year (cost / gross margin)",
         [total(y, "break_even_arr_per_year") for y in years], "money"),
        ("Pays back: as a share of year-end ARR", [total(y, "break_even_share_of_arr") for y in years], "percent"),
        ("ARR churn takes a year", [total(y, "churned_arr_per_year") for y in years], "money"),
    ]
    if years and years[0].payback.total.arr_kept_per_dollar is not None:
        floor = years[0].payback.floor_coverage
        rows += [(f"ARR kept a year beyond {floor} coverage (your retention data)",
                  [total(y, "arr_kept_per_year") for y in years], "money"),
                 ("ARR kept per CS dollar", [total(y, "arr_kept_per_dollar") for y in years], "decimal"),
                 ("Pays back", ["yes" if total(y, "pays_back") else "no" for y in years], "text")]
    frame = pd.DataFrame([{"Measure": label, **dict(zip(columns, values))} for label, values, _ in rows],
                         columns=["Measure", *columns])
    part = [y for y in years if y.months < 12]
    note = ("Customers, ARR, CSMs and managers at each year's end; the rest over the year. The business case is the "
            "plan's own (cost / gross margin against year-end ARR).")
    if part:
        note += (f" Year {part[0].year} has {part[0].months} months: its share of ARR and business case are on its "
                 "cost a year (x 12 / its months).")
    return RowKindTable("Fiscal years", frame, {}, cur, note=note, row_kinds=tuple(kind for *_, kind in rows),
                        value_columns=tuple(columns))


def recruiting_table(fiscal: "FiscalPlan") -> Table:
    """With a hiring block, month by month: what recruiting can close, the requisitions opened (and of those the
    replacements, and those opened ahead of leavers), the starts, those waiting for a recruiter, the candidates the
    starts need at each stage (with the funnel), the capacity leavers have taken and the capacity short of the target."""
    hiring = fiscal.hiring
    frame = hiring.months_frame()
    names = {"month": "Month", "recruiting_capacity": "Hires recruiting can close",
             "requisitions_opened": "Requisitions opened", "replacements_opened": "Replacing leavers",
             "opened_ahead": "Opened ahead of leavers", "hires_started": "CSMs starting",
             "delayed": "Starting late (no recruiter free)", "offers": "Offers", "interviews": "Interviews",
             "applications": "Applications", "attrition_gap_fte": "Capacity leavers took (FTE)",
             "short_fte": "Short of the target (FTE)"}
    drop = [c for c in ("recruiting_capacity", "offers", "interviews", "applications") if frame[c].isna().all()]
    frame = frame.drop(columns=drop).rename(columns=names)
    kinds: dict[str, Kind] = {name: "count" for key, name in names.items()
                              if key not in ("month", "offers", "interviews", "applications", "attrition_gap_fte",
                                             "short_fte")}
    kinds.update({"Offers": "decimal", "Interviews": "decimal", "Applications": "decimal",
                  "Capacity leavers took (FTE)": "decimal", "Short of the target (FTE)": "decimal"})
    return Table("Recruiting", frame, {k: v for k, v in kinds.items() if k in frame.columns}, fiscal.currency,
                 note="Candidates are what each month's starts need at each stage (offers = starts / acceptance rate, "
                      "interviews = offers / interview-to-offer rate, applications = interviews / "
                      "application-to-interview rate), expected counts.")


def shortfalls_table(fiscal: "FiscalPlan") -> Table | None:
    """With a hiring block, every month a segment (or pool) cannot hold the target and by how much, beside the same
    with recruiting unlimited; None when every month holds."""
    hiring = fiscal.hiring
    if hiring is None or not hiring.shortfalls:
        return None
    frame = hiring.shortfalls_frame()
    frame["recruiting_bound"] = ["recruiting" if b else "" for b in frame["recruiting_bound"]]
    frame = frame.rename(columns={"segment": "Segment", "month": "Month", "short_fte": "Short of the target (FTE)",
                                  "short_fte_without_limit": "Short with recruiting unlimited (FTE)",
                                  "recruiting_bound": "Cause"})
    return Table("Months short of the target", frame,
                 {"Short of the target (FTE)": "decimal", "Short with recruiting unlimited (FTE)": "decimal"},
                 fiscal.currency,
                 note="Short: ramped capacity missing to hold the target utilization (demand / target - capacity). "
                      "Cause \"recruiting\": the plan without recruiting's limit would be shorter of it.")


def recruiting_sentences(fiscal: "FiscalPlan") -> list[Sentence]:
    """With a hiring block: what recruiting can close, the months it cannot meet demand, hiring ahead, the funnel."""
    hiring = fiscal.hiring
    if hiring is None:
        return []
    out = []
    low, likely, high = hiring.time_to_fill_months
    fill = (_plural(likely, "month") if low == high else f"{_plural(likely, 'month')} most likely ({low} to {high})")
    if hiring.hires_per_month is not None:
        unmet = hiring.unmet
        head = [f"Recruiting can close {_plural(hiring.hires_per_month, 'hire')} a month "
                f"({_plural(hiring.recruiters, 'recruiter')} x {hiring.hires_per_recruiter_per_month:g}); a requisition "
                f"takes {fill} to fill. "]
        if not unmet:
            out.append(_sentence(*head, "Opening requisitions early enough, the plan's starts fit within it every "
                                 "month."))
        else:
            months = sorted({s.month for s in unmet})
            worst = max(unmet, key=lambda s: s.short_fte - s.short_fte_without_limit)
            out.append(_sentence(*head, "Even opening requisitions as early as it can, recruiting cannot start CSMs "
                                 "in time in ", _strong(f"{len(months)} month{'s' if len(months) != 1 else ''}"),
                                 f" ({_span_text(months)}): at worst {worst.segment} in {worst.month}, ",
                                 _strong(f"{worst.short_fte:.1f} FTE short"), " of the target "
                                 f"({worst.short_fte_without_limit:.1f} with recruiting unlimited)."))
    else:
        out.append(_sentence(f"Recruiting has no limit in the scenario; a requisition takes {fill} to fill."))
    if hiring.hire_ahead_of_attrition:
        ahead = sum(m.opened_ahead for m in hiring.months)
        gap = max(m.attrition_gap_fte for m in hiring.months)
        out.append(_sentence("Hiring ahead of attrition: ", _strong(f"{ahead} requisitions"),
                             " open before the leavers they replace go, so each replacement is ramped when they leave"
                             + (f"; leavers still take up to {gap:.1f} FTE where a replacement starts late "
                                "(recruiting's limit, or the first months, which hiring cannot reach in time)."
                                if gap > 1e-9 else "; no departure opens a dip in capacity.")))
    if hiring.applications is not None:
        out.append(_sentence(f"The plan's {fiscal.summary.hires_total} starts need about ",
                             _strong(f"{hiring.applications:,.0f} applications"),
                             f", {hiring.interviews:,.0f} interviews and {hiring.offers:,.0f} offers."))
    elif hiring.offers is not None:
        out.append(_sentence(f"The plan's {fiscal.summary.hires_total} starts need about {hiring.offers:,.0f} offers."))
    return out


def _plural(value: float, noun: str) -> str:
    """"1 hire", "2.5 hires"."""
    return f"{value:g} {noun}{'' if value == 1 else 's'}"


def _span_text(months: list[str]) -> str:
    """The months listed, the first six then "..."."""
    if len(months) > 6:
        return ", ".join(months[:6]) + ", ..."
    return ", ".join(months)


# -- does it pay back? (the business case) -------------------------------------------------


def _rate(fraction: float) -> str:
    """A rate as the scenario would write it: "10%", "12.2%"."""
    return fmt.percent(fraction, 0 if round(fraction * 100, 6).is_integer() else 1)


def _points(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{fraction * 100:.1f} points"


def _people(headcount: int) -> str:
    return f"{headcount:,} CSM{'' if headcount == 1 else 's'}"


def payback_table(plan: "Plan") -> Table:
    """Per segment and in total: CS cost, the ARR to keep or add to pay back, churn, and (with retention data)
    the return."""
    pb, cur = plan.payback, plan.currency
    rows = []
    for r in (*pb.segments, pb.total):
        row = {"Segment": r.name, "Coverage": r.coverage, "CSMs": r.headcount, "CS cost a year": r.cost_per_year,
               "ARR": r.arr, "ARR to keep or add a year to pay back": r.break_even_arr_per_year,
               "As a share of ARR": r.break_even_share_of_arr, "Churn a year today": r.churn_per_year,
               "ARR lost to churn a year": r.churned_arr_per_year}
        if pb.has_return:
            row.update({"Retention (your data)": r.retention,
                        f"ARR kept a year beyond {pb.floor_coverage}": r.arr_kept_per_year,
                        "ARR kept per CS dollar": r.arr_kept_per_dollar,
                        "Pays back": "" if r.pays_back is None else "yes" if r.pays_back else "no"})
        rows.append(row)
    kinds: dict[str, Kind] = {"CSMs": "count", "CS cost a year": "money", "ARR": "money",
                              "ARR to keep or add a year to pay back": "money", "As a share of ARR": "share",
                              "Churn a year today": "share", "ARR lost to churn a year": "money",
                              "Retention (your data)": "share", f"ARR kept a year beyond {pb.floor_coverage}": "money",
                              "ARR kept per CS dollar": "decimal"}
    note = (f"ARR to keep or add = CS cost / gross margin ({_rate(pb.gross_margin)}). CS cost is "
            "the CSMs' loaded cost plus the tooling of adopted automations.")
    if pb.has_return:
        note += (f" ARR kept: ARR x (the coverage's retention - {pb.floor_coverage}'s "
                 f"{_rate(pb.floor_retention)}); it pays back at {1 / pb.gross_margin:.2f} of ARR per CS dollar.")
    return Table("Pays back", pd.DataFrame(rows), kinds, cur, total_row=True, note=note)


def payback_sentences(plan: "Plan") -> list[Sentence]:
    """Each segment's break-even beside its churn, then the whole team's."""
    pb, cur = plan.payback, plan.currency
    out = []
    for r in pb.segments:
        if r.cost_per_year <= 0:
            out.append(_sentence(f"{r.name} has no CS cost: nothing to pay back."))
            continue
        tooled = plan.segment(r.name).automation is not None
        one = r.headcount == 1 and not tooled
        team = f"{r.name}'s {_people(r.headcount)}" + (" and tooling" if tooled else "")
        cost, they, pay, keep, add = (("costs", "it", "pays", "keeps", "adds") if one else
                                      ("cost", "they", "pay", "keep", "add"))
        if r.break_even_share_of_arr is None:
            out.append(_sentence(f"{team} {cost} {fmt.money_short(r.cost_per_year, cur)} a year: {they} {pay} back if "
                                 f"{they} {add} ", _strong(f"{fmt.money_short(r.break_even_arr_per_year, cur)} of ARR"),
                                 " a year in expansion; the segment has no ARR today."))
            continue
        out.append(_sentence(
            f"{team} {cost} {fmt.money_short(r.cost_per_year, cur)}: {they} {pay} back if {they} {keep} ",
            _strong(_points(r.break_even_share_of_arr)),
            f" of the segment's ARR ({fmt.money_short(r.break_even_arr_per_year, cur)} a year) from churning or "
            f"{add} it in expansion; " + _churn_today(r, "the segment churns", cur) + "."))
    t = pb.total
    out.append(_sentence(
        f"The whole team ({_people(t.headcount)}, {fmt.money_short(t.cost_per_year, cur)} a year) pays back if it "
        "keeps ",
        _strong(_points(t.break_even_share_of_arr)),
        f" of the book's ARR ({fmt.money_short(t.break_even_arr_per_year, cur)} a year) or adds it in expansion, at a "
        f"gross margin of {_rate(pb.gross_margin)}; " + _churn_today(t, "churn takes", cur, "of ARR ") + "."))
    return out


def _churn_today(row, verb: str, currency: str, what: str = "", with_amount: bool = True) -> str:
    """Today's churn beside a break-even; a scenario that gives no churn rate is said to give none, not to churn 0%."""
    if not row.churn_per_year:
        return "the scenario gives no churn rate (churn_per_year) to set it against"
    amount = f" ({fmt.money_short(row.churned_arr_per_year, currency)})" if with_amount else ""
    return f"{verb} {_rate(row.churn_per_year)} {what}a year today{amount}"


def payback_return_sentences(plan: "Plan") -> list[Sentence]:
    """The return the user's retention data give, segment by segment; or what it needs without them."""
    pb, cur = plan.payback, plan.currency
    if not pb.has_return:
        return [_sentence("Whether the team does keep that much needs your own retention data: give ",
                          _code("retention_by_coverage"), " (the share of ARR kept a year under dedicated, pooled "
                          "and digital coverage, e.g. {dedicated: 0.92, pooled: 0.88, digital: 0.80}) and the report "
                          "measures the return: ARR kept a year per CS dollar.")]
    floor = f"{pb.floor_coverage} coverage ({_rate(pb.floor_retention)} kept a year)"
    out = []
    for r in pb.segments:
        if r.retention is None:
            out.append(_sentence(f"{r.name} ({r.coverage}): your retention data give no figure for {r.coverage} "
                                 "coverage, so its return is not measured."))
        elif r.arr_kept_per_dollar is None and r.coverage == pb.floor_coverage:
            out.append(_sentence(f"{r.name} is on {floor}, the lowest-touch coverage in your retention data: there is "
                                 "nothing to measure its return against."))
        elif r.arr_kept_per_dollar is None:
            out.append(_sentence(f"{r.name} keeps {fmt.money_short(r.arr_kept_per_year, cur)} of ARR a year beyond "
                                 f"{floor} at no CS cost."))
        else:
            verdict = "it pays back" if r.pays_back else "it does not pay back"
            out.append(_sentence(
                f"By your retention data, {r.name}'s {r.coverage} coverage ({_rate(r.retention)} kept a year) keeps ",
                _strong(f"{fmt.money_short(r.arr_kept_per_year, cur)} of ARR"), f" a year more than {floor}: ",
                _strong(_per_dollar(r.arr_kept_per_dollar, cur)),
                f" per CS dollar; {verdict} ({_per_dollar(1 / pb.gross_margin, cur)} per dollar breaks even)."))
    t = pb.total
    if t.arr_kept_per_dollar is not None:
        out.append(_sentence(
            f"The whole team keeps {fmt.money_short(t.arr_kept_per_year, cur)} of ARR a year more than if every "
            f"account were on {floor}: ", _strong(f"{_per_dollar(t.arr_kept_per_dollar, cur)} per CS dollar"),
            f"; {'it pays back' if t.pays_back else 'it does not pay back'}."))
    return out


def _per_dollar(value: float, currency: str) -> str:
    """ARR per unit of cost: "$2.05"."""
    symbol = fmt.currency_symbol(currency)
    return f"{symbol}{value:,.2f}" if len(symbol) == 1 else f"{value:,.2f} {currency}"


def coverage_changes_table(case: "BusinessCase") -> Table:
    """The options and trade-offs that change coverage, then each segment moved whole, with what each keeps
    and costs."""
    rows = [{"Change": c.name, "From": c.source, "ARR kept a year (change)": c.arr_kept_change_per_year,
             "Gross profit a year (change)": c.gross_profit_change_per_year,
             "CS cost a year (change)": c.cost_change_per_year, "Net a year": c.net_per_year,
             "Breaks even at a cost change of": c.break_even_cost_change_per_year}
            for c in (*case.coverage_changes, *case.moves)]
    columns = ["Change", "From", "ARR kept a year (change)", "Gross profit a year (change)", "CS cost a year (change)",
               "Net a year", "Breaks even at a cost change of"]
    kinds: dict[str, Kind] = {c: "money" for c in columns[2:]}
    return Table("Coverage changes", pd.DataFrame(rows, columns=columns), kinds, case.currency,
                 note="ARR kept: retained ARR a year (ARR x the retention of its coverage, over every segment) "
                      "under the change less the plan's. Net: the gross profit on it less the change of CS cost. A "
                      "move of a whole segment has no cost in the scenario: it pays back if its cost changes by less "
                      "than the break-even (for a move that loses ARR, if it saves more than minus it).")


def coverage_change_sentences(case: "BusinessCase") -> list[Sentence]:
    """Which coverage change pays back most, in words (empty without retention data)."""
    if not case.payback.has_return:
        return []
    cur = case.currency
    best = case.best_change
    out = []
    if best is None:
        out.append(_sentence("No option or trade-off of the scenario changes which coverage any ARR gets; the table "
                             "shows what moving a whole segment would keep or lose."))
    else:
        saves = (f"saves {fmt.money_short(-best.cost_change_per_year, cur)} a year" if best.cost_change_per_year < 0
                 else f"costs {fmt.money_short(best.cost_change_per_year, cur)} a year more")
        keeps = (f"keeps {fmt.money_short(best.arr_kept_change_per_year, cur)} more ARR a year"
                 if best.arr_kept_change_per_year > 0 else
                 f"loses {fmt.money_short(-best.arr_kept_change_per_year, cur)} of retained ARR a year")
        lead = ("Of the options and trade-offs that change coverage, " if best.net_per_year > 0 else
                "None of the options and trade-offs that change coverage pays back; the least costly is ")
        out.append(_sentence(lead, _strong(best.name), f" {'pays back most: it ' if best.net_per_year > 0 else ': it '}"
                             f"{saves} and {keeps} ({fmt.money_short(abs(best.gross_profit_change_per_year), cur)} of "
                             "gross profit), ", _strong(f"{fmt.money_short(best.net_per_year, cur)} a year net"), "."))
        for other in case.coverage_changes:
            if other is not best and other.net_per_year < 0:
                verb = "saves" if other.cost_change_per_year < 0 else "costs"
                out.append(_sentence(f"{other.name} does not pay back: "
                                     f"{fmt.money_short(other.net_per_year, cur)} a year net (it {verb} "
                                     f"{fmt.money_short(abs(other.cost_change_per_year), cur)} a year and "
                                     f"{'keeps' if other.arr_kept_change_per_year > 0 else 'loses'} "
                                     f"{fmt.money_short(abs(other.arr_kept_change_per_year), cur)} of retained ARR)."))
    ups = [m for m in case.moves if m.arr_kept_change_per_year > 0]
    if ups:
        top = max(ups, key=lambda m: m.gross_profit_change_per_year)
        out.append(_sentence(f"More coverage: {top.name} would keep "
                             f"{fmt.money_short(top.arr_kept_change_per_year, cur)} more ARR a year; it pays back "
                             "if it costs less than ",
                             _strong(f"{fmt.money_short(top.gross_profit_change_per_year, cur)} a year"), " more."))
    return out


def automations_table(cases, currency: str) -> Table:
    """Hire or automate: each automation adopted alone against the plan."""
    rows = [{"Automation": c.name, "Segment": c.segment, "Touchpoint": c.touchpoint,
             "Takes over": f"{_rate(c.share)} of {'questions' if c.takes_over == 'occurrences' else 'minutes'}",
             "CSM hours a month": c.hours_per_month, "FTE taken over": c.fte_saved, "CSMs saved": c.csms_saved,
             "Cost saved a year": c.cost_saved_per_year, "Tooling a year": c.tooling_cost_per_year,
             "Net saving a year": c.net_saving_per_year, "Worth up to a year": c.worth_up_to_per_year,
             "Tooling per CSM of work": c.tooling_per_csm_saved}
            for c in cases]
    columns = ["Automation", "Segment", "Touchpoint", "Takes over", "CSM hours a month", "FTE taken over", "CSMs saved",
               "Cost saved a year", "Tooling a year", "Net saving a year", "Worth up to a year",
               "Tooling per CSM of work"]
    kinds: dict[str, Kind] = {"CSM hours a month": "decimal", "FTE taken over": "hours", "CSMs saved": "count",
                              "Cost saved a year": "money", "Tooling a year": "money", "Net saving a year": "money",
                              "Worth up to a year": "money", "Tooling per CSM of work": "money"}
    return Table("Automations", pd.DataFrame(rows, columns=columns), kinds, currency,
                 note="Each automation adopted alone against the plan. Net saving: the CSMs' cost saved in this plan "
                      "(whole people) less the tooling. Worth up to: the break-even tooling price, the FTE it takes "
                      "over at a CSM's loaded cost; tooling per CSM of work sets the price beside that cost.")


def automation_sentences(cases, currency: str) -> list[Sentence]:
    """Each automation in words: what it takes over, what it saves net of tooling, what it is worth."""
    out = []
    for c in cases:
        what = (f"deflects {_rate(c.share)} of {c.segment}'s {c.touchpoint}" if c.takes_over == "occurrences" else
                f"takes over {_rate(c.share)} of the minutes of {c.segment}'s {c.touchpoint}")
        head = f"{c.name} {what}: {c.hours_per_month:,.0f} CSM hours a month ({c.fte_saved:.2f} FTE). "
        if c.csms_saved > 0:
            saved = (f"In this plan it saves {_people(c.csms_saved)} "
                     f"({fmt.money_short(c.cost_saved_per_year, currency)} a year), ")
            net = (f"{fmt.money_short(c.net_saving_per_year, currency)} a year net of its "
                   f"{fmt.money_short(c.tooling_cost_per_year, currency)} of tooling"
                   if c.net_saving_per_year >= 0 else
                   f"less than its {fmt.money_short(c.tooling_cost_per_year, currency)} of tooling "
                   f"({fmt.money_short(c.net_saving_per_year, currency)} a year net)")
        else:
            saved = "In this plan it saves no whole CSM, "
            net = f"so its {fmt.money_short(c.tooling_cost_per_year, currency)} of tooling is a cost"
        worth = (f"; it is worth up to {fmt.money_short(c.worth_up_to_per_year, currency)} a year as the team grows "
                 f"({c.fte_saved:.2f} FTE at {fmt.money_short(c.loaded_cost_per_year, currency)} a CSM).")
        out.append(_sentence(head, saved, _strong(net), worth))
    return out
def timing_text(tp) -> str:
    """When a touchpoint happens, as the scenario says it ("renewal -90 days", "months 3, 6", ""), for tables."""
    if tp.at == "renewal":
        return f"renewal {tp.offset_days or 0:+d} days" if tp.offset_days else "renewal"
    if tp.at is not None:
        return (f"calendar months {', '.join(str(m) for m in tp.at.months)}" if tp.at.months is not None else
                f"month {', '.join(str(m) for m in tp.at.months_of_quarter)} of each quarter")
    if tp.spread_months is not None:
        return f"over {tp.spread_months} month{'s' if tp.spread_months != 1 else ''} from arrival"
    return ""


def calendar_table(fiscal: "FiscalPlan") -> Table:
    """Today's book with the plan's hours placed in the months they fall: one row per segment and a total [h]."""
    book = fiscal.calendar.book
    frame = book.to_frame().reset_index().rename(columns={"segment": "Segment"})
    frame["Average month"] = list(book.hours_per_month)
    total = {"Segment": "Total", **{m: float(v) for m, v in zip(book.months, book.total)},
             "Average month": float(sum(book.hours_per_month))}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    kinds: dict[str, Kind] = {c: "decimal" for c in frame.columns if c != "Segment"}
    return Table("Calendar", frame, kinds, fiscal.currency, total_row=True,
                 note="Hours of today's customers in each month; each segment's twelve months add up to twelve "
                      "average months (the steady-state plan's hours).")


def calendar_peaks_table(fiscal: "FiscalPlan") -> Table:
    """Every month whose dated work runs above the average month, per segment and for the whole team."""
    peaks = fiscal.calendar.peaks_frame()
    frame = pd.DataFrame({
        "Segment": peaks["segment"], "Month": peaks["month"], "Demand (FTE)": peaks["demand_fte"],
        "Average month (FTE)": peaks["average_demand_fte"], "Above the average (FTE)": peaks["fte_above_average"],
        "Utilization": peaks["utilization"],
        "Within the target": ["yes" if held else "no" for held in peaks["absorbed"]],
    })
    kinds: dict[str, Kind] = {"Demand (FTE)": "decimal", "Average month (FTE)": "decimal",
                              "Above the average (FTE)": "decimal", "Utilization": "percent"}
    return Table("Calendar peaks", frame, kinds, fiscal.currency,
                 note=f"The average month is the same work spread evenly over the year; within the target: the plan's "
                      f"team holds {fiscal.target_utilization:.0%} utilization that month.")


# -- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContent:
    """Everything the budget report says, from one loaded context.

    Attributes
    ----------
    scenario : Scenario
        As read, with the ``currency`` parameter applied.
    plan : Plan
        The steady-state plan: every headline number.
    sensitivity : Sensitivity
        Headcount with each driver moved by +/-20%.
    fiscal : FiscalPlan or None
        The fiscal-year plan, when the scenario has a fiscal year.
    title, fiscal_year, current_headcount
        The report's parameters (``None`` where not given).
    book_accounts : int or None
        Accounts in the book, when the plan came from a book.
    book_source : Path or None
    book_notes : tuple of str
        What the reader set aside or converted (a report's footer, title block, other currencies).
    parameters : dict
        The report's parameters as checked (see :data:`PARAMETERS`).
    prepared : date
        When the content was built (the header's "prepared" date).
    """

    scenario: "Scenario"
    plan: "Plan"
    sensitivity: "Sensitivity"
    title: str
    fiscal_year: int | None = None
    current_headcount: int | None = None
    book_accounts: int | None = None
    book_source: Path | None = None
    book_notes: tuple[str, ...] = ()
    fiscal: "FiscalPlan | None" = None
    parameters: dict = field(default_factory=dict)
    prepared: _dt.date = field(default_factory=_dt.date.today)
    #: Today's team from the book's owners (:func:`capacity.analysis.team.team`), None without a ``csm`` column.
    team: Any = None
    #: Today's books rebuilt (:func:`capacity.analysis.rebalance.rebalance`), or why there is none (text).
    rebalance: Any = None
    #: Designed versus actual (:func:`capacity.analysis.calibrate.calibrate`) and the plan as practised, given an activity log.
    calibration: Any = None
    practised_plan: Any = None
    #: The fiscal year simulated (:func:`capacity.analysis.simulate.simulate`), with ``fiscal_year`` and ``uncertainty`` blocks.
    simulation: Any = None
    #: The scenario's options beside the plan (:func:`capacity.analysis.options.compare`), None without options.
    comparison: Any = None
    #: What the ``headcount_cap`` or ``budget_cap`` parameter buys (:func:`capacity.analysis.fit.fit`), None without one.
    fit: Any = None
    #: Does it pay back, and hire or automate (:func:`capacity.analysis.business_case.business_case`).
    business_case: Any = None
    #: Today's book with the plan's hours placed month by month (:func:`capacity.model.calendar.book_calendar`),
    #: None when the scenario dates no work.
    book_calendar: Any = None

    @property
    def currency(self) -> str:
        return self.plan.currency

    def money(self, value: float | None) -> str:
        return fmt.money_short(value, self.currency)

    # -- headline numbers -------------------------------------------------------------

    @property
    def todays_headcount(self) -> int | None:
        """CSMs on the team today: the ``current_headcount`` parameter, else the fiscal plan's start."""
        if self.current_headcount is not None:
            return self.current_headcount
        if self.fiscal is not None:
            return int(sum(self.fiscal.summary.starting_headcount.values()))
        return None

    @property
    def fiscal_span(self) -> str:
        """The fiscal year's months, e.g. "2027-02 to 2028-01"."""
        months = self.fiscal.months
        return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"

    def kpis(self) -> tuple[Kpi, ...]:
        """The steady-state headline numbers, all from ``self.plan``."""
        t = self.plan.totals
        out = [
            Kpi("headcount", t.headcount, f"{t.headcount:,}", "CSMs needed now"),
            Kpi("cost_per_year", t.cost_per_year, self.money(t.cost_per_year), "Cost a year"),
            Kpi("cost_pct_arr", t.cost_pct_arr, fmt.percent(t.cost_pct_arr), "Cost as a share of ARR"),
            Kpi("arr_per_csm", t.arr_per_csm, self.money(t.arr_per_csm), "ARR per CSM"),
        ]
        today = self.todays_headcount
        if today is not None:
            gap = t.headcount - today
            out += [Kpi("current_headcount", today, f"{today:,}", "CSMs today"),
                    Kpi("hires_now", gap, f"{abs(gap):,}", "CSMs short of the need" if gap >= 0 else "CSMs above the need")]
        return tuple(out)

    def fiscal_kpis(self) -> tuple[Kpi, ...]:
        """The fiscal year's headline numbers (none without a fiscal year), all from ``self.fiscal``."""
        if self.fiscal is None:
            return ()
        s = self.fiscal.summary
        if self.multi_year:
            last = self.fiscal.years[-1]
            years = len(self.fiscal.years)
            return (
                Kpi("year_end_headcount", s.year_end_headcount, f"{s.year_end_headcount:,}",
                    f"CSMs at the end ({self.fiscal.months[-1]})"),
                Kpi("hires", s.hires_total, f"{s.hires_total:,}", f"CSMs starting over the {years} years"),
                Kpi("fiscal_cost", s.total_cost, self.money(s.total_cost),
                    f"Cost over the {years} years, managers and tooling included"),
                Kpi("last_year_cost_pct", last.cost_pct_arr, fmt.percent(last.cost_pct_arr),
                    f"Year {last.year}'s cost, of its ARR"),
            )
        return (
            Kpi("year_end_headcount", s.year_end_headcount, f"{s.year_end_headcount:,}",
                f"CSMs at year end ({self.fiscal.months[-1]})"),
            Kpi("hires", s.hires_total, f"{s.hires_total:,}", "CSMs starting in the year"),
            Kpi("fiscal_cost", s.total_cost, self.money(s.total_cost), "Cost in the year, managers included"),
            Kpi("fiscal_cost_pct", s.cost_pct_ending_arr, fmt.percent(s.cost_pct_ending_arr), "Of ARR at year end"),
        )

    def kpi_groups(self) -> tuple[KpiGroup, ...]:
        """Section 1's headline numbers: the steady state, then the fiscal year if there is one."""
        groups = [KpiGroup("The team the book needs today (steady state)", self.kpis())]
        if self.fiscal is not None:
            name = (f"The plan, {self.fiscal_span} ({len(self.fiscal.years)} years)" if self.multi_year
                    else f"The fiscal year, {self.fiscal_span}")
            groups.append(KpiGroup(name, self.fiscal_kpis()))
        return tuple(groups)

    def header(self) -> Header:
        """Title, what the report covers and where its numbers come from."""
        t = self.plan.totals
        year = f"FY{self.fiscal_year} · " if self.fiscal_year else ""
        source = (f"{self.book_accounts:,} accounts from {self.book_source.name}" if self.book_source is not None
                  else "customer counts given in the scenario")
        return Header(self.title, f"{year}{self.scenario.name} · {t.customers:,} customers, {self.money(t.arr)} ARR "
                                  f"({source}) · prepared {self.prepared:%d %B %Y}")

    # -- section 1: summary -----------------------------------------------------------

    def summary_sentences(self) -> list[Sentence]:
        """The executive summary, numbers from the plan, the fiscal plan and the sensitivity."""
        p, t, cur = self.plan, self.plan.totals, self.currency
        out = [_sentence(
            "To serve ", _strong(f"{t.customers:,} customers"), " and ", _strong(f"{self.money(t.arr)} of ARR"),
            " the way this plan describes, Customer Success needs ", _strong(f"{t.headcount} CSMs"),
            f" ({t.fte:.1f} full-time equivalents, rounded up per segment), costing ",
            _strong(f"{self.money(t.cost_per_year)} a year"), f", {fmt.percent(t.cost_pct_arr)} of ARR.")]
        today = self.todays_headcount
        if today is not None:
            gap = t.headcount - today
            if gap > 0:
                out.append(_sentence(f"The team has {today} CSMs today: ", _strong(f"{gap} short"),
                                     " of what the book needs now."))
            elif gap < 0:
                out.append(_sentence(f"The team has {today} CSMs today, ", _strong(f"{-gap} more than the book needs now"),
                                     "."))
            else:
                out.append(_sentence(f"The team has {today} CSMs today: exactly what the book needs now."))
        if self.multi_year:
            out += self._years_summary()
        elif self.fiscal is not None:
            fs = self.fiscal.summary
            year = self.fiscal.year_totals()
            out.append(_sentence(
                f"Over the fiscal year ({self.fiscal_span}) the book grows to {year['customers']:,.0f} customers "
                f"and {self.money(fs.ending_arr)} of ARR. Hiring ahead of that growth, ",
                _strong(f"{fs.hires_total} CSMs start"),
                f" ({fs.requisitions_total} requisitions, {fs.leavers_total} leavers backfilled), ending the year at ",
                _strong(f"{fs.year_end_headcount} CSMs"),
                f" and {fs.year_end_managers} managers" if fs.year_end_managers else "",
                ", for ", _strong(f"{self.money(fs.total_cost)} in the year"),
                f" ({fmt.percent(fs.cost_pct_ending_arr)} of year-end ARR)."))
            if fs.warnings:
                out.append(_sentence(f"{len(fs.warnings)} stretch{'es' if len(fs.warnings) != 1 else ''} of the year "
                                     "run the team above its target utilization; section 5 says where and why."))
            out += self.calendar_summary_sentences()
        if self.fiscal is not None and self.fiscal.hiring is not None and self.fiscal.hiring.unmet:
            out.append(self.recruiting_sentences()[0])
        biggest = sorted(p.segments, key=lambda s: s.headcount, reverse=True)[0]
        out.append(_sentence(f"{biggest.name} takes the most people: {biggest.headcount} CSMs for "
                             f"{biggest.customers:,} customers ({self.money(biggest.arr)} ARR)."))
        if p.top_down:
            ratios = ", ".join(f"{td.headcount} at {fmt.money_short(td.arr_per_csm, cur)} per CSM" for td in p.top_down)
            out.append(_sentence(f"The top-down rules of thumb would say {ratios}; section 3 shows where the "
                                 "bottom-up answer differs."))
        out += self._payback_summary()
        if self.sensitivity.impacts:
            top = self.sensitivity.impacts[0]
            pct = f"{self.sensitivity.change:.0%}"
            out.append(_sentence("The answer is most sensitive to ", _strong(top.driver.label),
                                 f": {pct} lower gives {top.low_headcount} CSMs, {pct} higher gives "
                                 f"{top.high_headcount}."))
        return out

    def _years_summary(self) -> list[Sentence]:
        """The executive summary of a plan longer than a year: where it ends, what its last year costs."""
        f = self.fiscal
        fs, last = f.summary, f.years[-1]
        out = [_sentence(
            f"Over the plan's {len(f.years)} years ({self.fiscal_span}) the book grows to {last.customers:,.0f} "
            f"customers and {self.money(last.arr)} of ARR. Hiring ahead of that growth, ",
            _strong(f"{fs.hires_total} CSMs start"),
            f" ({fs.requisitions_total} requisitions, {fs.leavers_total} leavers replaced), ending at ",
            _strong(f"{fs.year_end_headcount} CSMs"), f" and {fs.year_end_managers} managers" if fs.year_end_managers
            else "", f"; year {last.year} costs ", _strong(self.money(last.cost)),
            f" ({fmt.percent(last.cost_pct_arr)} of its ARR), {self.money(fs.total_cost)} over the {len(f.years)} years.")]
        if fs.warnings:
            out.append(_sentence(f"{len(fs.warnings)} stretch{'es' if len(fs.warnings) != 1 else ''} of the plan "
                                 "run the team above its target utilization; section 5 says where and why."))
        out += self.calendar_summary_sentences()
        return out

    def _payback_summary(self) -> list[Sentence]:
        """The executive summary's business case: the break-even beside churn, the return, the best automation."""
        pb, cur = self.plan.payback, self.currency
        t = pb.total
        out = [_sentence(
            f"At a gross margin of {_rate(pb.gross_margin)} the team pays back if it keeps ",
            _strong(f"{_points(t.break_even_share_of_arr)} of ARR"),
            f" ({self.money(t.break_even_arr_per_year)} a year) from churning or adds it in expansion; "
            + _churn_today(t, "churn takes", cur, with_amount=False) + "."
            + ("" if pb.has_return else " Whether it does needs your own retention by coverage."))]
        if t.arr_kept_per_dollar is not None:
            out.append(_sentence(f"By your retention data it keeps {self.money(t.arr_kept_per_year)} of ARR a year "
                                 f"more than {pb.floor_coverage} coverage would: ",
                                 _strong(f"{_per_dollar(t.arr_kept_per_dollar, cur)} per CS dollar"),
                                 f", so it {'pays back' if t.pays_back else 'does not pay back'}."))
        cases = self.business_case.automations if self.business_case is not None else ()
        if cases:
            best = max(cases, key=lambda c: c.net_saving_per_year)
            if best.net_saving_per_year > 0:
                out.append(_sentence("Hire or automate: ", _strong(best.name), f" saves "
                                     f"{self.money(best.net_saving_per_year)} a year net of its tooling "
                                     f"({_people(best.csms_saved)} fewer)."))
            else:
                out.append(_sentence(f"Hire or automate: none of the {len(cases)} automations saves a whole CSM's cost "
                                     "net of its tooling in this plan."))
        return out

    def summary_table(self) -> Table:
        """Section 1 as rows of (measure, value, unit), for the Summary sheet."""
        t, cur = self.plan.totals, self.currency
        rows = [
            ("CSMs needed now (steady state)", t.headcount, "people", "count"),
            ("Full-time equivalents", t.fte, "FTE", "decimal"),
            ("Cost a year", t.cost_per_year, f"{cur}/year", "money"),
            ("Cost as a share of ARR", t.cost_pct_arr, "share", "percent"),
            ("Customers", t.customers, "customers", "count"),
            ("ARR", t.arr, f"{cur}/year", "money"),
            ("ARR per CSM", t.arr_per_csm, f"{cur}/year", "money"),
        ]
        today = self.todays_headcount
        if today is not None:
            rows += [("CSMs today", today, "people", "count"),
                     ("CSMs short of the need today (negative: above it)", t.headcount - today, "people", "count")]
        if self.fiscal is not None:
            fs = self.fiscal.summary
            rows += [(f"Fiscal year {self.fiscal_span}: CSMs at year end", fs.year_end_headcount, "people", "count"),
                     ("Fiscal year: managers at year end", fs.year_end_managers, "people", "count"),
                     ("Fiscal year: CSMs starting", fs.hires_total, "people", "count"),
                     ("Fiscal year: requisitions opened", fs.requisitions_total, "requisitions", "count"),
                     ("Fiscal year: leavers", fs.leavers_total, "people", "count"),
                     ("Fiscal year: cost, managers included", fs.total_cost, cur, "money"),
                     ("Fiscal year: ARR at year end", fs.ending_arr, f"{cur}/year", "money"),
                     ("Fiscal year: cost as a share of ARR at year end", fs.cost_pct_ending_arr, "share", "percent")]
        for td in self.plan.top_down:
            rows.append((f"Top-down at {fmt.money_short(td.arr_per_csm, cur)} ARR per CSM", td.headcount,
                         "people", "count"))
        pb = self.plan.payback
        rows += [("Pays back: ARR to keep or add a year (CS cost / gross margin)", pb.total.break_even_arr_per_year,
                  f"{cur}/year", "money"),
                 ("Pays back: as a share of ARR", pb.total.break_even_share_of_arr, "share", "percent"),
                 ("ARR lost to churn a year today", pb.total.churned_arr_per_year, f"{cur}/year", "money")]
        if pb.total.arr_kept_per_dollar is not None:
            rows += [(f"ARR kept a year beyond {pb.floor_coverage} coverage (your retention data)",
                      pb.total.arr_kept_per_year, f"{cur}/year", "money"),
                     ("ARR kept per CS dollar", pb.total.arr_kept_per_dollar, f"{cur} per {cur}", "decimal")]
        return _measures("Summary", rows, ["Measure", "Value", "Unit"], cur, "decimal")

    # -- sections 2 and 3: bottom-up, against top-down -------------------------------

    def segments_table(self) -> Table:
        """Section 2: one row per segment and a total."""
        return segments_table(self.plan)

    def touchpoints_table(self) -> Table:
        """Section 2: every touchpoint with the hours and FTE it drives."""
        return touchpoints_table(self.plan)

    def top_down_table(self) -> Table:
        """Section 3: the bottom-up answer beside each top-down guidepost."""
        return top_down_table(self.plan)

    def gap_table(self) -> Table:
        """Section 3: per segment, bottom-up FTE against each guidepost's."""
        return gap_table(self.plan)

    def top_touchpoints_table(self, n: int = 8) -> Table:
        """Section 3: the touchpoints that drive the most CSM time."""
        return top_touchpoints_table(self.plan, n)

    def gap_sentences(self) -> list[Sentence]:
        """Section 3: for each guidepost, which segments make the difference with bottom-up."""
        out = []
        t = self.plan.totals
        for td in self.plan.top_down:
            ratio = fmt.money_short(td.arr_per_csm, self.currency)
            diff = td.headcount - t.headcount
            gaps = sorted(((s.arr / td.arr_per_csm - s.fte, s) for s in self.plan.segments), key=lambda g: -abs(g[0]))
            top = [g for g in gaps if abs(g[0]) >= 0.05][:2]
            if diff == 0:
                head = [f"At {ratio} per CSM, top-down agrees with bottom-up on {td.headcount} CSMs"]
            else:
                head = [f"At {ratio} per CSM, top-down says {td.headcount} CSMs, ",
                        _strong(f"{abs(diff)} {'more' if diff > 0 else 'fewer'}"), " than bottom-up"]
            parts = [f"{s.name} ({'+' if g > 0 else '−'}{abs(g):.1f} FTE: {s.arr / td.arr_per_csm:.1f} by ARR, "
                     f"{s.fte:.1f} by its touchpoints)" for g, s in top]
            out.append(_sentence(*head, (": most of the difference is " + " and ".join(parts)) if parts else "", "."))
        return out

    # -- section 4: sensitivity -------------------------------------------------------

    def sensitivity_table(self, n: int | None = None, *, with_fte: bool = True) -> Table:
        """Section 4: headcount and cost with each driver 20% down and up, largest swing first."""
        return sensitivity_table(self.sensitivity, self.currency, n, with_fte=with_fte)

    # -- section 5: the fiscal year ----------------------------------------------------

    def fiscal_intro(self) -> Paragraph:
        """Section 5: how the year is planned, or why there is no fiscal year in this report."""
        if self.fiscal is None:
            return Paragraph(_sentence(
                "This scenario has no ", _code("fiscal_year"), " block, so the report shows the steady state only. "
                "Add one (start month, today's team per segment, hiring lead time, ramp, attrition, target "
                "utilization) to plan the year month by month."), note=True)
        f = self.fiscal
        fy = self.scenario.fiscal_year
        managers = (f" One manager per {fy.csms_per_manager} CSMs "
                    f"({'across the team' if fy.manager_scope == 'team' else 'in each segment'}) at "
                    f"{fmt.money(fy.manager_loaded_cost_per_year, self.currency)} a year."
                    if fy.csms_per_manager else "")
        again = " and again every twelve months" if self.multi_year else ""
        raise_ = (f" Loaded costs rise {fy.salary_increase.rate:.0%} from {fy.salary_increase.month}{again}."
                  if fy.salary_increase else "")
        hiring = self.scenario.hiring
        fill = hiring.time_to_fill_months if hiring is not None else None
        takes = (_plural(f.hiring_lead_time_months, "month") if fill is None or not fill.spread else
                 f"{_plural(fill.most_likely, 'month')} most likely ({fill.low} to {fill.high})")
        replaced = ("are replaced ahead of leaving" if hiring is not None and hiring.hire_ahead_of_attrition
                    else "are backfilled")
        return Paragraph(_sentence(
            f"The {'plan' if self.multi_year else 'year'} runs {self.fiscal_span}, starting from today's "
            f"{sum(f.summary.starting_headcount.values())} CSMs. Each month the book grows by its new customers "
            f"and loses its churn; a requisition takes {takes} to fill and a new CSM "
            f"{f.ramp_months} months to ramp to full capacity; {f.attrition_per_year:.0%} of CSMs leave in a year "
            f"and {replaced}. The plan hires to keep demand within {f.target_utilization:.0%} of ramped "
            f"capacity.{managers}{raise_}"))

    def fiscal_warnings(self) -> tuple[str, ...]:
        """Section 5: the fiscal plan's warnings, in plain English (none when the year holds its target)."""
        return () if self.fiscal is None else tuple(self.fiscal.summary.warnings)

    def fiscal_all_clear(self) -> Paragraph | None:
        """Section 5: the note shown instead of warnings when every segment holds its target all year."""
        if self.fiscal is None or self.fiscal.summary.warnings:
            return None
        return Paragraph(_sentence("Every segment stays within its target utilization all year."), note=True)

    def fiscal_months_table(self) -> Table:
        """Section 5: the year month by month, all segments, with a year row."""
        return fiscal_months_table(self.fiscal)

    def fiscal_segments_table(self) -> Table:
        """Section 5: the year per segment."""
        return fiscal_segments_table(self.fiscal)

    def fiscal_rows_table(self) -> Table:
        """The fiscal plan's rows, one per month and segment."""
        return fiscal_rows_table(self.fiscal)

    # -- section 5: several years, and recruiting --------------------------------------------

    @property
    def multi_year(self) -> bool:
        """Whether the fiscal plan runs longer than a year (its years are then shown side by side)."""
        return self.fiscal is not None and len(self.fiscal.months) > 12

    def years_intro(self) -> Paragraph | None:
        """Section 5: what the years table shows (None for a plan of a year or less)."""
        if not self.multi_year:
            return None
        f, fy = self.fiscal, self.scenario.fiscal_year
        first, last = f.years[0], f.years[-1]
        parts = [f"The plan runs {len(f.months)} months, {len(f.years)} years side by side: from "
                 f"{self.money(first.arr)} of ARR and {first.csms} CSMs at the end of year 1 to ",
                 _strong(f"{self.money(last.arr)} and {last.csms} CSMs"), f" at the end of year {last.year}, for ",
                 _strong(f"{self.money(last.cost)}"), f" in year {last.year} ({fmt.percent(last.cost_pct_arr)} of its ARR)."]
        if fy.salary_increase is not None:
            parts.append(f" Loaded costs rise {_rate(fy.salary_increase.rate)} from {fy.salary_increase.month} and "
                         "again every twelve months.")
        grown = [seg.name for seg in self.scenario.segments
                 if seg.new_customers_growth_per_year is not None or seg.new_customers_per_month_by_year is not None]
        if grown:
            parts.append(f" New customers grow by year in {', '.join(grown)}.")
        if fy.inflation_per_year is not None:
            parts.append(f" Prices rise {_rate(fy.inflation_per_year)} a year; the thresholds "
                         + ("rise with them." if fy.index_thresholds else "stay, so accounts cross into higher "
                            "segments."))
        return Paragraph(_sentence(*parts))

    def fiscal_years_table(self) -> RowKindTable | None:
        """Section 5 and the "Years" sheet: the plan's years side by side (None for a plan of a year or less)."""
        return fiscal_years_table(self.fiscal) if self.multi_year else None

    def recruiting_sentences(self) -> list[Sentence]:
        """Section 5: what recruiting can deliver (nothing without a hiring block)."""
        return [] if self.fiscal is None else recruiting_sentences(self.fiscal)

    def recruiting_table(self) -> Table | None:
        """Section 5 and the "Recruiting" sheet: recruiting month by month (None without a hiring block)."""
        return None if self.fiscal is None or self.fiscal.hiring is None else recruiting_table(self.fiscal)

    def shortfalls_table(self) -> Table | None:
        """Section 5 and the "Months short" sheet: the months short of the target (None without a hiring block or
        when every month holds)."""
        return None if self.fiscal is None else shortfalls_table(self.fiscal)

    # -- section 5: the calendar (dated touchpoints) ---------------------------------------

    @property
    def calendar(self):
        """The fiscal year's calendar (:class:`capacity.model.fiscal.FiscalCalendar`), None without dated work."""
        return None if self.fiscal is None else self.fiscal.calendar

    def calendar_intro(self) -> Paragraph | None:
        """Section 5: what the heat map shows and how the plan sizes for it (None without dated work)."""
        cal = self.calendar
        if cal is None:
            return None
        sized = (["The plan hires for the average month (", _code("size_for: average"), "); ",
                  _code("size_for: peak"), " would hire for the dated months."] if cal.size_for == "average" else
                 ["The plan hires for each month's dated work (", _code("size_for: peak"), ")."])
        return Paragraph(_sentence(
            "Work lands in the month it happens: touchpoints at renewal on each account's renewal date plus their "
            "offset, reviews in their months, onboarding over a new customer's first months. The map shows today's "
            "book with the plan's hours placed in the months they fall (each segment's twelve months add up to the "
            "plan's year), coloured against the segment's average month. ", *sized))

    def calendar_table(self) -> Table | None:
        """Section 5 and the "Calendar" sheet: today's book, each segment's hours month by month."""
        return None if self.calendar is None else calendar_table(self.fiscal)

    def calendar_peaks_table(self) -> Table | None:
        """Section 5 and the "Calendar peaks" sheet: the months above the average month."""
        return None if self.calendar is None else calendar_peaks_table(self.fiscal)

    def calendar_summary_sentences(self) -> list[Sentence]:
        """Section 1: the calendar's worst month of the team when it runs above the target (none otherwise)."""
        cal = self.calendar
        if cal is None:
            return []
        missed = [p for p in cal.peaks if not p.absorbed]
        if not missed:
            return []
        worst = max(missed, key=lambda p: p.fte_above_average)
        months = sorted({p.month for p in missed if p.segment == worst.segment})
        who = "the team" if worst.segment == ALL_SEGMENTS else worst.segment
        return [_sentence(
            "The calendar piles work into some months: in ", _strong(worst.month), f" {who}'s dated work runs ",
            _strong(f"{worst.fte_above_average:.1f} FTE above the average month"),
            f" at {fmt.percent(worst.utilization, 0)} utilization, above the {fmt.percent(self.fiscal.target_utilization, 0)} "
            f"target ({len(months)} month{'s' if len(months) != 1 else ''} in all: {', '.join(months)}); "
            + ("the plan hires for the average month; section 5 shows when the work lands."
               if cal.size_for == "average" else "section 5 shows when the work lands."))]

    # -- section 6: assumptions -------------------------------------------------------

    def csm_inputs_table(self) -> Table:
        """Section 6: a CSM's time and cost, as given and as derived."""
        c = self.scenario.csm
        rows = [
            ("Hours a week", c.hours_per_week, "h/week", "number"),
            ("Weeks a year", c.weeks_per_year, "weeks/year", "number"),
            ("Paid time off", c.pto_days, "working days/year", "number"),
        ]
        if c.internal_activities is not None:
            for a in c.internal_activities:
                per = (f"{a.per_month:g} a month" if a.per_month is not None else f"{a.per_year:g} a year")
                rows.append((f"Internal: {a.name} ({per})", a.minutes, "minutes each", "number"))
        else:
            rows.append(("Share of time on customers" + ("" if c.customer_time_share is not None else " (rule of thumb)"),
                         c.share, "share", "share"))
        rows += [
            ("Loaded cost per CSM", c.loaded_cost_per_year, f"{self.currency}/year", "money"),
            ("Working hours a month (derived)", c.working_hours_per_month, "h/month", "hours"),
            ("Customer hours a month (derived)", c.customer_hours_per_month, "h/month", "hours"),
        ]
        return _measures("CSM time", rows, ["Input", "Value", "Unit"], self.currency, "decimal")

    def segment_inputs_table(self) -> Table:
        """Section 6: each segment's threshold, coverage, new-customer rate and cost."""
        c = self.scenario.csm
        rows = []
        for s in self.scenario.segments:
            row = {"Segment": s.name, "Min ARR": s.min_arr, "Coverage": s.coverage,
                   "New customers a year (share)": s.new_customer_rate,
                   "Loaded cost per CSM": s.loaded_cost_per_year if s.loaded_cost_per_year is not None else c.loaded_cost_per_year}
            if self.book_source is None:
                row["Customers (given)"] = s.customers
                row["ARR (given)"] = s.arr
            if any(seg.pool_by for seg in self.scenario.segments):
                row["Pooled by"] = s.pool_by or ""
            if self.fiscal is not None:
                monthly = s.new_customers_per_month
                row["New customers a month (fiscal)"] = (
                    "from the rate" if monthly is None else
                    ", ".join(f"{v:g}" for v in monthly) if isinstance(monthly, tuple) else f"{monthly:g}")
                row["Churn a year (fiscal)"] = s.churn_per_year
            rows.append(row)
        kinds: dict[str, Kind] = {"Min ARR": "money", "New customers a year (share)": "share",
                                  "Loaded cost per CSM": "money", "Customers (given)": "count", "ARR (given)": "money",
                                  "Churn a year (fiscal)": "share"}
        return Table("Segment inputs", pd.DataFrame(rows), kinds, self.currency)

    def touchpoint_inputs_table(self) -> Table:
        """Section 6: every touchpoint exactly as the scenario gives it."""
        rows = [
            {"Segment": s.name, "Touchpoint": tp.name, "Kind": tp.kind.replace("_", "-"), "Minutes": tp.minutes,
             "Times a month": tp.per_month, "Times a year": tp.per_year, "When": timing_text(tp)}
            for s in self.scenario.segments for tp in s.touchpoints
        ]
        columns = ["Segment", "Touchpoint", "Kind", "Minutes", "Times a month", "Times a year"]
        if any(row["When"] for row in rows):  # the calendar's column only when some touchpoint is dated
            columns.append("When")
        frame = pd.DataFrame(rows, columns=columns)
        return Table("Touchpoint inputs", frame, {"Minutes": "number", "Times a month": "number",
                                                  "Times a year": "number"}, self.currency)

    def fiscal_inputs_table(self) -> Table | None:
        """Section 6: the fiscal_year block as given (None without one)."""
        fy = self.scenario.fiscal_year
        if fy is None:
            return None
        rows = [("First month", fy.start, "", "text"), ("Months", fy.months, "months", "count")]
        rows += [(f"CSMs at the start: {name}", n, "people", "count") for name, n in fy.starting_headcount.items()]
        rows += [("Hiring lead time", fy.hiring_lead_time_months, "months", "count"),
                 ("Ramp to full capacity", fy.ramp_months, "months", "count"),
                 ("Attrition", fy.attrition_per_year, "share a year", "share"),
                 ("Target utilization", fy.target_utilization, "share of ramped capacity", "share")]
        if fy.csms_per_manager is not None:
            rows += [("CSMs per manager", fy.csms_per_manager, f"people ({fy.manager_scope})", "count"),
                     ("Loaded cost per manager", fy.manager_loaded_cost_per_year, f"{self.currency}/year", "money")]
        if fy.salary_increase is not None:
            rows.append((f"Salary increase from {fy.salary_increase.month}", fy.salary_increase.rate, "share", "share"))
        if self.calendar is not None:
            rows.append(("Hire for (size_for)", fy.size_for, "the average month or the dated peaks", "text"))
        return _measures("Fiscal inputs", rows, ["Input", "Value", "Unit"], self.currency, "text")

    def other_inputs_table(self) -> Table:
        """Section 6: where the data came from, the guideposts and the report's parameters."""
        rows = [("Scenario", self.scenario.name, "text"),
                ("Scenario file", str(self.scenario.source.name) if self.scenario.source else "(given in code)", "text"),
                ("Book of accounts", f"{self.book_source.name} ({self.book_accounts:,} accounts)"
                 if self.book_source is not None else "none: customers and ARR given per segment", "text"),
                *(("Book of accounts: note", note, "text") for note in self.book_notes),
                ("Currency", self.currency, "text")]
        rows += [(f"Top-down guidepost {i + 1} (ARR per CSM)", r, "money")
                 for i, r in enumerate(self.scenario.top_down_arr_per_csm)]
        rows += [("Sensitivity: every driver moved by ±", self.sensitivity.change, "share")]
        for name, value in self.parameters.items():
            if value is not None:
                rows.append((f"Report parameter {name}", value, "text"))
        return _measures("Other inputs", rows, ["Input", "Value"], self.currency, "text")

    # -- options and trade-offs -------------------------------------------------------

    def options_table(self) -> Table | None:
        """The plan and each option side by side, with the change from the plan."""
        if self.comparison is None:
            return None
        frame = self.comparison.to_frame()
        out = pd.DataFrame({"Option": frame.index, "CSMs": frame["headcount"].to_numpy(),
                            "CSMs vs plan": frame["headcount_change"].to_numpy(),
                            "Cost a year": frame["cost_per_year"].to_numpy(),
                            "Cost vs plan": frame["cost_change"].to_numpy(),
                            "Tooling a year": frame["tooling_cost_per_year"].to_numpy(),
                            "Saving a year net of tooling": frame["net_saving_per_year"].to_numpy(),
                            "Cost % of ARR": frame["cost_pct_arr"].to_numpy(),
                            "ARR per CSM": frame["arr_per_csm"].to_numpy()})
        kinds: dict[str, Kind] = {"CSMs": "count", "CSMs vs plan": "count", "Cost a year": "money",
                                  "Cost vs plan": "money", "Tooling a year": "money",
                                  "Saving a year net of tooling": "money", "Cost % of ARR": "percent",
                                  "ARR per CSM": "money"}
        for name in self.comparison.segment_names:
            out[f"{name}: customers per CSM"] = frame[f"customers_per_csm[{name}]"].to_numpy()
            out[f"{name}: hours per customer a month"] = frame[f"hours_per_customer_per_month[{name}]"].to_numpy()
            kinds[f"{name}: customers per CSM"] = "decimal"
            kinds[f"{name}: hours per customer a month"] = "hours"
        return Table("Options", out, kinds, self.currency)

    def options_changes_table(self) -> Table | None:
        """What each option changes, key path by key path."""
        if self.comparison is None:
            return None
        rows = [{"Option": v.name, "Key path": path, "New value": str(value)}
                for v in self.comparison.variants[1:] for path, value in (v.changes or {}).items()]
        return Table("Option changes", pd.DataFrame(rows, columns=["Option", "Key path", "New value"]), {}, self.currency)

    def fit_sentences(self) -> list[Sentence]:
        """What the cap buys, in sentences (empty without a cap)."""
        return [] if self.fit is None else [_sentence(line) for line in self.fit.sentences()]

    def fit_note(self) -> Paragraph:
        """Which menu the fit chose from, and its rule."""
        automations = len(self.fit.menu) - len(self.fit.trade_offs)
        menu = ("a default menu built from the scenario (each recurring and inbound touchpoint at 3/4 and half of its "
                "frequency, each threshold raised by a fifth)" if self.fit.default_menu else
                f"the scenario's {len(self.fit.trade_offs)} trade-offs")
        if automations:
            menu += (f" and its {automations} automation{'s' if automations != 1 else ''} "
                     "(which give up no customer hour)")
        return Paragraph(_sentence(f"Chosen from {menu}: of every combination that fits, the one that gives up the "
                                   "fewest customer hours a month; ties go to fewer changes, then to the lower cost."),
                         note=True)

    def fit_table(self) -> Table | None:
        """Each segment before and after the chosen trade-offs."""
        if self.fit is None:
            return None
        rows = [{"Segment": s.name, "CSMs before": s.headcount_before, "CSMs after": s.headcount,
                 "Cost before": s.cost_per_year_before, "Cost after": s.cost_per_year,
                 "Customer hours a month before": s.customer_hours_per_month_before,
                 "Customer hours a month after": s.customer_hours_per_month,
                 "Customer hours given up": s.customer_hours_given_up_per_month,
                 "Accounts to lower-touch coverage": s.accounts_to_lower_touch,
                 "Their ARR": s.arr_to_lower_touch} for s in self.fit.best.segments]
        kinds: dict[str, Kind] = {"CSMs before": "count", "CSMs after": "count", "Cost before": "money",
                                  "Cost after": "money", "Customer hours a month before": "decimal",
                                  "Customer hours a month after": "decimal", "Customer hours given up": "decimal",
                                  "Accounts to lower-touch coverage": "count", "Their ARR": "money"}
        return Table("Trade-offs", pd.DataFrame(rows), kinds, self.currency)

    def fit_packages_table(self) -> Table | None:
        """The chosen package and the next best ones."""
        if self.fit is None:
            return None
        frame = self.fit.packages_frame()
        out = pd.DataFrame({"Rank": frame["rank"], "Trade-offs": frame["trade_offs"], "Changes": frame["count"],
                            "CSMs": frame["headcount"], "Cost a year": frame["cost_per_year"],
                            "Customer hours given up a month": frame["customer_hours_given_up_per_month"]})
        return Table("Trade-off packages", out, {"Rank": "count", "Changes": "count", "CSMs": "count",
                                                 "Cost a year": "money", "Customer hours given up a month": "decimal"},
                     self.currency)

    # -- does it pay back? (the business case) -----------------------------------------

    def payback_intro(self) -> Paragraph:
        """What the break-even means and where it comes from."""
        pb = self.plan.payback
        return Paragraph(_sentence(
            "A segment's CS spend pays back when the ARR its customers keep (rather than churn) or add (in expansion) "
            f"because of it earns at least that spend in gross profit: at a gross margin of {_rate(pb.gross_margin)} "
            "(", _code("gross_margin"), f"), the CS cost divided by {pb.gross_margin:g}. Nothing here says what "
            "causes churn: the break-even says how much would have to be CS's doing, set beside the ARR each segment "
            "loses to churn today."))

    def payback_sentences(self) -> list[Sentence]:
        """Each segment's break-even beside its churn, and the whole team's."""
        return payback_sentences(self.plan)

    def payback_table(self) -> Table:
        return payback_table(self.plan)

    def payback_return_sentences(self) -> list[Sentence]:
        """The return by the user's retention data, or what it needs."""
        return payback_return_sentences(self.plan)

    def coverage_change_sentences(self) -> list[Sentence]:
        return [] if self.business_case is None else coverage_change_sentences(self.business_case)

    def coverage_changes_table(self) -> Table | None:
        """Coverage changes and moves (None without retention data)."""
        case = self.business_case
        if case is None or not (case.coverage_changes or case.moves):
            return None
        return coverage_changes_table(case)

    def automation_sentences(self) -> list[Sentence]:
        return [] if self.business_case is None else automation_sentences(self.business_case.automations, self.currency)

    def automations_table(self) -> Table | None:
        """Hire or automate (None without an automation)."""
        if self.business_case is None or not self.business_case.automations:
            return None
        return automations_table(self.business_case.automations, self.currency)

    # -- the fiscal year as ranges (with an uncertainty block) --------------------------

    #: How the report names the simulation's uncertain inputs.
    UNCERTAIN_LABELS = {"new_customers_per_month": "New customers a month", "churn_per_year": "Logo churn",
                        "attrition_per_year": "CSM attrition", "touchpoint_minutes": "Touchpoint minutes",
                        "hiring_lead_time_months": "Hiring lead time"}

    def fiscal_ranges_intro(self) -> Paragraph:
        """What the fan and the ranges say, in words."""
        sim = self.simulation
        reachable = sim.months[min(self.fiscal.hiring_lead_time_months + self.fiscal.ramp_months - 1,
                                   len(sim.months) - 1):]
        worst = max(reachable, key=lambda m: m.p_above_target)
        return Paragraph(_sentence(
            f"The inputs above are estimates. {sim.draws:,} simulated years draw new customers, churn, attrition, "
            "touchpoint time and hiring lead time from the ranges below. With the plan's hiring held fixed, the "
            "shaded band holds demand in 8 years out of 10 (P10 to P90). Once hiring in the year can act, the month "
            f"most likely to run above the target is {worst.month} ({worst.p_above_target:.0%} of the years). A P50 "
            "budget is over in half the years and under in the other half; a P90 budget is short in only one year of ten."))

    def fiscal_ranges_table(self) -> Table:
        """P10 / P50 / P90 of the year (hiring rule reacting), beside the plan and the P90 plan."""
        sim, s = self.simulation, self.fiscal.summary
        p90 = sim.p90_plan
        rows = [{"": "The plan", "CSMs starting": s.hires_total, "CSMs at year end": s.year_end_headcount,
                 "Cost of the year": s.total_cost}]
        rows += [{"": q.upper(), "CSMs starting": getattr(sim.hires, q), "CSMs at year end": getattr(sim.year_end_headcount, q),
                  "Cost of the year": getattr(sim.total_cost, q)} for q in ("p10", "p50", "p90")]
        frame = pd.DataFrame(rows, columns=["", "CSMs starting", "CSMs at year end", "Cost of the year"])
        opened = ", ".join(f"{m} {n}" for m, n in p90.requisitions_by_month.items() if n) or "none"
        return Table(
            "Fiscal ranges", frame, {"CSMs starting": "count", "CSMs at year end": "count", "Cost of the year": "money"},
            self.currency,
            note=f"{sim.draws:,} simulated years (seed {sim.seed}), the hiring rule reacting to each. To keep up with "
                 f"the rule in 9 years out of 10, open {p90.requisitions_total} growth requisitions ({opened}) and "
                 f"backfill leavers: P50 cost {fmt.money(p90.total_cost, self.currency)}; it covers the rule in "
                 f"{p90.years_covered:.0%} of the years.")

    def fiscal_ranges_months_table(self) -> Table:
        """The simulated months: P10 / P50 / P90 of demand, capacity and utilization, and P(above target)."""
        frame = self.simulation.to_frame()
        kinds: dict[str, Kind] = {c: ("text" if c == "month" else "percent" if c.startswith(("utilization", "p_above"))
                                      else "decimal") for c in frame.columns}
        return Table("Fiscal ranges by month", frame, kinds, self.currency)

    def fiscal_variance_table(self) -> Table:
        """Which uncertain input drives the spread of the year's cost (first-order variance shares)."""
        sim = self.simulation
        rows = [{"Uncertain input": self.UNCERTAIN_LABELS.get(k, k), "Share of the cost's variance": v,
                 "Standard error": sim.variance_share_errors[k]}
                for k, v in sorted(sim.variance_shares.items(), key=lambda kv: -kv[1])]
        frame = pd.DataFrame(rows, columns=["Uncertain input", "Share of the cost's variance", "Standard error"])
        return Table("Fiscal variance shares", frame, {"Share of the cost's variance": "share",
                                                        "Standard error": "share"}, self.currency,
                     note="First-order Sobol indices: the share of the variance of the year's cost each input "
                          "explains on its own; what is left is their interplay.")

    def uncertainty_inputs_table(self) -> Table:
        """The ranges the simulation draws from, as the scenario gives them."""
        unc = self.scenario.uncertainty
        rows = [("All segments", "draws", f"{unc.draws:,}"), ("All segments", "seed", str(unc.seed))]

        def spread(value) -> str:
            return f"cv {value.cv:g}" if hasattr(value, "cv") else f"{value.low:g} to {value.high:g}"

        for key, label in self.UNCERTAIN_LABELS.items():
            if getattr(unc, key) is not None:
                rows.append(("All segments", label, spread(getattr(unc, key))))
        for name, own in unc.segments.items():
            for key in ("new_customers_per_month", "churn_per_year", "touchpoint_minutes"):
                if getattr(own, key) is not None:
                    rows.append((name, self.UNCERTAIN_LABELS[key], spread(getattr(own, key))))
        return Table("Uncertainty inputs", pd.DataFrame(rows, columns=["Applies to", "Input", "Range"]), {},
                     self.currency, note="cv: standard deviation over the plan's value; a range is triangular "
                     "(whole months for the lead time) with the plan's value most likely.")

    # -- pooled inbound by service level (segments with inbound_service) -----------------

    def queueing_table(self) -> Table | None:
        """Each segment's inbound queue (Erlang C): contacts, agents, service level, wait, headroom; None without one."""
        queued = [s for s in self.plan.segments if s.inbound is not None]
        if not queued:
            return None
        targets = {seg.name: seg.inbound_service for seg in self.scenario.segments}
        rows = [{"Segment": s.name, "Contacts a month": s.inbound.contacts_per_month,
                 "Minutes each": s.inbound.handle_minutes,
                 "Target": f"{targets[s.name].service_level:.0%} within {targets[s.name].answer_within_minutes:g} min",
                 "Agents on the queue": s.inbound.agents, "Service level reached": s.inbound.service_level,
                 "Occupancy": s.inbound.occupancy, "Expected wait (min)": s.inbound.expected_wait_minutes,
                 "Inbound FTE by hours": s.inbound.inbound_fte_by_hours,
                 "Inbound FTE by service level": s.inbound.inbound_fte_by_service_level,
                 "Queueing headroom (FTE)": s.inbound.queueing_headroom_fte}
                for s in queued]
        kinds: dict[str, Kind] = {"Contacts a month": "count", "Minutes each": "number", "Agents on the queue": "count",
                                  "Service level reached": "share", "Occupancy": "share", "Expected wait (min)": "decimal",
                                  "Inbound FTE by hours": "hours", "Inbound FTE by service level": "hours",
                                  "Queueing headroom (FTE)": "hours"}
        return Table("Inbound queues", pd.DataFrame(rows), kinds, self.currency)

    def queueing_intro(self) -> Paragraph:
        return Paragraph(_sentence(
            "A pooled team answering inbound questions is a queue: it is staffed with the fewest people who answer "
            "the target share of questions in time without being busier than the occupancy cap (Erlang C). The "
            "headroom is what that costs over sizing the questions by their hours; it is included in the segment's "
            "FTE above."))

    # -- designed versus actual (an activity log: -p activities_path) ---------------------

    def designed_versus_actual_sentences(self) -> list[Sentence]:
        """What the log says, in sentences (empty without a log)."""
        c = self.calibration
        if c is None:
            return []
        w = c.window
        designed, practised = self.plan.totals, self.practised_plan.totals
        delta = practised.headcount - designed.headcount
        change = "the same" if delta == 0 else f"{abs(delta)} {'more' if delta > 0 else 'fewer'}"
        gaps = [f"{seg.name}: {', '.join(seg.not_logged)}" for seg in c.segments if seg.not_logged]
        u = c.unmatched
        return [
            _sentence(f"The CSMs logged {c.activities:,} activities from {w.start.isoformat()} to {w.end.isoformat()} "
                      f"({w.months:.0f} months). With the frequencies and minutes they practise in place of the designed "
                      "ones, the plan needs ", _strong(f"{practised.headcount} CSMs"),
                      f" ({self.money(practised.cost_per_year)} a year), {change} than the {designed.headcount} as designed."),
            _sentence("Not logged at all: " + "; ".join(gaps) + ". These keep their designed values: not logging a "
                      "touchpoint is not the same as not doing it." if gaps else "Every touchpoint was logged."),
            _sentence(f"{u.activities:,} activities matched no touchpoint"
                      + (" (" + ", ".join(f"{k}: {v:,}" for k, v in u.by_type.items()) + ")" if u.by_type else "")
                      + f"; {u.accounts_not_in_book:,} accounts in the log are not in the book "
                        f"({u.activities_of_accounts_not_in_book:,} activities, not counted)."),
        ]

    def designed_versus_actual_table(self) -> Table:
        """Every touchpoint: planned against observed frequency and minutes, and how many were logged."""
        per = {"per customer a month": "customer a month", "per segment a month": "segment a month",
               "per new customer": "new customer"}
        rows = [
            {"Segment": seg.name, "Touchpoint": tp.name, "Kind": tp.kind.replace("_", "-"),
             "Times per": per[tp.frequency_unit], "Planned times": tp.planned_per_month,
             "Observed times": tp.observed_per_month, "Planned minutes": tp.planned_minutes,
             "Observed minutes (median)": tp.observed_minutes,
             "Middle half of minutes": "" if tp.observed_minutes_q1 is None else
             f"{tp.observed_minutes_q1:g} to {tp.observed_minutes_q3:g}",
             "Logged": tp.count}
            for seg in self.calibration.segments for tp in seg.touchpoints
        ]
        kinds: dict[str, Kind] = {"Planned times": "hours", "Observed times": "hours", "Planned minutes": "number",
                                  "Observed minutes (median)": "number", "Logged": "count"}
        return Table("Designed versus actual", pd.DataFrame(rows), kinds, self.currency,
                     note="Observed times are logged activities per customer (or per segment, or per new customer) and "
                          "month of the window; minutes are the median logged, with the middle half of them.")

    def designed_versus_actual_hours_table(self) -> Table:
        """Per segment: hours a month logged against planned, and per CSM when the log names them."""
        rows = [{"Segment": seg.name, "Planned hours a month": seg.planned_hours_per_month,
                 "Logged hours a month": seg.logged_hours_per_month, "CSMs logging": seg.csms,
                 "Logged hours per CSM a month": seg.logged_customer_hours_per_csm_per_month,
                 "Planned customer hours per CSM a month": seg.planned_customer_hours_per_csm_per_month}
                for seg in self.calibration.segments]
        kinds: dict[str, Kind] = {"Planned hours a month": "decimal", "Logged hours a month": "decimal",
                                  "CSMs logging": "count", "Logged hours per CSM a month": "decimal",
                                  "Planned customer hours per CSM a month": "decimal"}
        return Table("Logged hours", pd.DataFrame(rows), kinds, self.currency,
                     note="Logged hours count the activities that match a touchpoint.")

    # -- today's books -------------------------------------------------------------------

    def todays_books_table(self) -> Table | None:
        """Each CSM's (or pooled team's) book today and after the rebalance: accounts, hours, utilization, ARR,
        at-risk accounts and renewals per quarter (None without owners in the book). Without a rebalance
        (the CSMs' rules contradict each other), today's books alone."""
        if self.team is None:
            return None
        target = self.team.summary["target_utilization"]
        moves = self.rebalance
        if moves is None or isinstance(moves, str):
            frame = self.team.to_frame().rename(columns={
                "csm": "CSM", "segments": "Segments", "accounts": "Accounts", "arr": "ARR",
                "hours_per_month": "Hours/month", "capacity_hours_per_month": "Capacity hours/month",
                "utilization": "Utilization", "status": "Status"})
            kinds: dict[str, Kind] = {"Accounts": "count", "ARR": "money", "Hours/month": "decimal",
                                      "Capacity hours/month": "decimal", "Utilization": "percent"}
            return Table("todays-books", frame, kinds, self.currency,
                         note=f"Status against the {fmt.percent(target, 0)} target utilization; "
                              f"{self.team.summary['programs']}.")
        status = {r.csm: ("over" if r.csm in self.team.summary["over"] else
                          "under" if r.csm in self.team.summary["under"] else "within") for r in self.team.csms}
        before = {r.csm: r for r in moves.before}
        quarters = [q.split(" ")[0] for q in moves.quarters]
        rows = []
        for r in moves.after:
            b = before.get(r.csm)
            row = {"CSM": r.csm, "Segments": ", ".join(r.segments), "Note": r.note,
                   "Status today": status.get(r.csm, "new"),
                   "Accounts today": b.accounts if b else 0, "Accounts after": r.accounts,
                   "Hours/month today": b.hours_per_month if b else 0.0, "Hours/month after": r.hours_per_month,
                   "Capacity hours/month after": r.capacity_hours_per_month,
                   "Utilization today": None if b is None else b.utilization, "Utilization after": r.utilization,
                   "ARR today": b.arr if b else 0.0, "ARR after": r.arr,
                   "At-risk today": b.at_risk if b else 0, "At-risk after": r.at_risk}
            for q, label in enumerate(quarters):
                row[f"Renewals {label} after"] = r.renewals_by_quarter[q]
            rows.append(row)
        frame = pd.DataFrame(rows)
        kinds = {c: "count" for c in frame.columns if c.startswith(("Accounts", "At-risk", "Renewals"))}
        kinds.update({c: "decimal" for c in frame.columns if c.startswith(("Hours", "Capacity"))})
        kinds.update({c: "percent" for c in frame.columns if c.startswith("Utilization")})
        kinds.update({c: "money" for c in frame.columns if c.startswith("ARR")})
        return Table("todays-books", frame, kinds, self.currency,
                     note=f"Today's status against the {fmt.percent(target, 0)} target utilization; after: once the "
                          f"moves are made ({', '.join(moves.quarters)}); {self.team.summary['programs']}.")

    def rebalance_moves_table(self) -> Table | None:
        """The rebalance's moves: account, name, from, to, effective day, reason, ARR and hours (None without one)."""
        moves = self.rebalance
        if moves is None or isinstance(moves, str):
            return None
        frame = pd.DataFrame([{"Account": m.account_id, "Name": m.name, "Segment": m.segment,
                               "From": m.from_csm or "(none)", "To": m.to_csm or "(none)", "Effective": m.effective,
                               "Reason": m.reason, "ARR": m.arr, "Hours/month": m.hours_per_month}
                              for m in moves.moves],
                             columns=["Account", "Name", "Segment", "From", "To", "Effective", "Reason", "ARR",
                                      "Hours/month"])
        return Table("rebalance-moves", frame, {"ARR": "money", "Hours/month": "decimal"}, self.currency,
                     note="The same list as the command line's rebalance --moves, for a CRM import.")

    def rebalance_balance_table(self) -> Table | None:
        """How evenly each segment's CSMs carry each measure, before and after (None without a rebalance)."""
        moves = self.rebalance
        if moves is None or isinstance(moves, str) or not moves.fairness:
            return None
        frame = pd.DataFrame([{"Segment": f.segment, "Measure": f.measure, "CV today": f.cv_before,
                               "CV after": f.cv_after, "Max/min today": f.max_min_before,
                               "Max/min after": f.max_min_after} for f in moves.fairness])
        kinds: dict[str, Kind] = {"CV today": "decimal", "CV after": "decimal", "Max/min today": "decimal",
                                  "Max/min after": "decimal"}
        return Table("rebalance-balance", frame, kinds, self.currency,
                     note="Coefficient of variation (standard deviation over mean) and the largest over the smallest "
                          "across each segment's CSMs; 0 and 1 are perfectly even, 'unbounded' is a CSM with none.")

    def rebalance_objectives_table(self) -> Table | None:
        """The rebalance's objectives in order: what each is, its value, its bound and whether it is proven."""
        moves = self.rebalance
        if moves is None or isinstance(moves, str):
            return None
        frame = pd.DataFrame([{"Rank": o.rank, "Objective": o.statement, "Value": o.value, "Bound": o.bound,
                               "Status": o.status, "Gap": o.gap, "Bound holds for": o.scope}
                              for o in moves.objectives])
        return Table("rebalance-objectives", frame, {"Rank": "count", "Value": "number", "Bound": "number",
                                                     "Gap": "share"}, self.currency,
                     note="Solved one after another: each keeps the ones before it at their optimum (within the "
                          "scenario's rebalance tolerances).")

    def todays_renewals_table(self) -> Table | None:
        """Each CSM's renewals per quarter (accounts and ARR) and, with dated work, their busiest month
        (None without owners or renewal dates)."""
        cal = None if self.team is None else self.team.calendar
        if cal is None:
            return None
        rows, kinds = [], {}
        for c in cal.csms:
            row = {"CSM": c.csm}
            for q in c.renewals:
                row[f"{q.quarter} accounts"], row[f"{q.quarter} ARR"] = q.accounts, q.arr
                kinds[f"{q.quarter} accounts"], kinds[f"{q.quarter} ARR"] = "count", "money"
            row["No renewal date"] = c.accounts_without_date
            if cal.dated:
                row.update({"Busiest month": c.busiest_month, "Busiest month hours": c.busiest_hours,
                            "Busiest month utilization": c.busiest_utilization})
            rows.append(row)
        kinds.update({"No renewal date": "count", "Busiest month hours": "decimal", "Busiest month utilization": "percent"})
        note = "Renewals by the quarter of their anniversary; the busiest month places each account's hours as the calendar does."
        return Table("todays-renewals", pd.DataFrame(rows), kinds, self.currency, note=note)

    def todays_books_sentence(self) -> Sentence:
        """Today's books in words: who is over and under, accounts without an owner, and the rebalance."""
        team = self.team
        if team is None:
            return _sentence("The book has no ", _code("csm"), " column, so today's books are not shown.")
        s, u = team.summary, team.unassigned
        parts = [f"{len(s['over'])} of {len(team.csms)} CSMs and teams are above the "
                 f"{fmt.percent(s['target_utilization'], 0)} target"
                 + (f" ({', '.join(s['over'])})" if s["over"] else "")
                 + f"; {len(s['under'])} are below {fmt.percent(s['under_loaded_below'], 0)}. "]
        if u["accounts"]:
            parts.append(f"{u['accounts']:,} accounts ({self.money(u['arr'])} ARR) have no owner. ")
        if s["digital_owners"]:
            parts.append(f"{len(s['digital_owners'])} CSMs own accounts of a digital segment. ")
        moves = self.rebalance
        if isinstance(moves, str):
            parts.append(f"No rebalance: {moves}.")
        elif moves is not None:
            m = moves.moved
            band = moves.objectives[0]
            if moves.within_band:
                parts.append(f"A rebalance brings every CSM within [{fmt.percent(moves.min_utilization, 0)}, "
                             f"{fmt.percent(moves.max_utilization, 0)}] utilization with ")
            else:
                parts.append("No assignment keeps every CSM within the band; the rebalance keeps the worst overload "
                             f"to {band.value * 100:.1f} points with ")
            parts += [_strong(f"{m['accounts']:,} moves"),
                      f" ({self.money(m['arr'])} ARR, {m['hours_per_month']:.0f} hours a month), the least move cost "
                      f"{moves.objectives[1].status}"
                      + ("" if not moves.objectives[1].gap else
                         f" within {fmt.percent(moves.objectives[1].gap)} of the bound")
                      + f", then as even as {fmt.percent(moves.move_tolerance, 0)} more move cost allows. "]
            for shortage in moves.shortages:
                parts.append(shortage.sentence + ". ")
            kept = moves.kept
            stayed = [f"{kept['locked']:,} locked" if kept["locked"] else "",
                      f"{kept['frozen']:,} renewing within {moves.freeze_days} days of {moves.as_of}"
                      if kept["frozen"] else "",
                      f"{kept['hierarchy_accounts']:,} in {kept['hierarchies']:,} hierarchies moved whole or not at all"
                      if kept["hierarchies"] else ""]
            stayed = [t for t in stayed if t]
            if stayed:
                parts.append("Accounts kept with their CSM: " + "; ".join(stayed) + ".")
        return _sentence(*parts)

    def inputs_tables(self) -> list[Table]:
        """Section 6, every inputs table in order."""
        tables = [self.csm_inputs_table(), self.segment_inputs_table(), self.touchpoint_inputs_table(),
                  self.fiscal_inputs_table(), self.business_case_inputs_table(), self.other_inputs_table()]
        return [t for t in tables if t is not None]

    def inputs_frame(self) -> pd.DataFrame:
        """Every input number in one long table (the Excel "Inputs" sheet):
        section, segment, item, parameter, value, unit."""
        c, cur = self.scenario.csm, self.currency
        rows = [("CSM time", "", "", "hours_per_week", c.hours_per_week, "h/week"),
                ("CSM time", "", "", "weeks_per_year", c.weeks_per_year, "weeks/year"),
                ("CSM time", "", "", "pto_days", c.pto_days, "working days/year")]
        if c.internal_activities is not None:
            for a in c.internal_activities:
                rows.append(("Internal activity", "", a.name, "minutes", a.minutes, "min"))
                rows.append(("Internal activity", "", a.name, "per_month" if a.per_month is not None else "per_year",
                             a.per_month if a.per_month is not None else a.per_year, "times"))
        else:
            rows.append(("CSM time", "", "", "customer_time_share", c.share, "share"))
        rows.append(("CSM time", "", "", "loaded_cost_per_year", c.loaded_cost_per_year, f"{cur}/year"))
        for s in self.scenario.segments:
            rows += [("Segment", s.name, "", "min_arr", s.min_arr, f"{cur}/year"),
                     ("Segment", s.name, "", "coverage", s.coverage, ""),
                     ("Segment", s.name, "", "new_customer_rate", s.new_customer_rate, "share/year")]
            if s.loaded_cost_per_year is not None:
                rows.append(("Segment", s.name, "", "loaded_cost_per_year", s.loaded_cost_per_year, f"{cur}/year"))
            if self.book_source is None:
                rows += [("Segment", s.name, "", "customers", s.customers, "customers"),
                         ("Segment", s.name, "", "arr", s.arr, f"{cur}/year")]
            for tp in s.touchpoints:
                rows += [("Touchpoint", s.name, tp.name, "kind", tp.kind, ""),
                         ("Touchpoint", s.name, tp.name, "minutes", tp.minutes, "min")]
                if tp.per_month is not None:
                    rows.append(("Touchpoint", s.name, tp.name, "per_month", tp.per_month, "times/month"))
                if tp.per_year is not None:
                    rows.append(("Touchpoint", s.name, tp.name, "per_year", tp.per_year, "times/year"))
                if tp.dated:
                    rows.append(("Touchpoint", s.name, tp.name, "when", timing_text(tp), ""))
        for r in self.scenario.top_down_arr_per_csm:
            rows.append(("Top-down", "", "", "arr_per_csm", r, f"{cur}/year"))
        for s in self.scenario.segments:
            if s.pool_by is not None:
                rows.append(("Segment", s.name, "", "pool_by", s.pool_by, ""))
                if s.pool_verticals is not None:
                    rows.append(("Segment", s.name, "", "pool_verticals", ", ".join(s.pool_verticals), ""))
            if self.scenario.fiscal_year is not None:
                monthly = s.new_customers_per_month
                if isinstance(monthly, tuple):
                    rows += [("Fiscal segment", s.name, month, "new_customers_per_month", v, "customers/month")
                             for month, v in zip(self.scenario.fiscal_year.month_labels, monthly)]
                elif monthly is not None:
                    rows.append(("Fiscal segment", s.name, "", "new_customers_per_month", monthly, "customers/month"))
                rows.append(("Fiscal segment", s.name, "", "churn_per_year", s.churn_per_year, "share/year"))
        fy = self.scenario.fiscal_year
        if fy is not None:
            rows += [("Fiscal year", "", "", "start", fy.start, "month"),
                     ("Fiscal year", "", "", "months", fy.months, "months")]
            rows += [("Fiscal year", name, "", "starting_headcount", n, "people") for name, n in fy.starting_headcount.items()]
            rows += [("Fiscal year", "", "", "hiring_lead_time_months", fy.hiring_lead_time_months, "months"),
                     ("Fiscal year", "", "", "ramp_months", fy.ramp_months, "months"),
                     ("Fiscal year", "", "", "attrition_per_year", fy.attrition_per_year, "share/year"),
                     ("Fiscal year", "", "", "target_utilization", fy.target_utilization, "share")]
            if fy.csms_per_manager is not None:
                rows += [("Fiscal year", "", "", "csms_per_manager", fy.csms_per_manager, "people"),
                         ("Fiscal year", "", "", "manager_scope", fy.manager_scope, ""),
                         ("Fiscal year", "", "", "manager_loaded_cost_per_year", fy.manager_loaded_cost_per_year,
                          f"{cur}/year")]
            if fy.salary_increase is not None:
                rows += [("Fiscal year", "", "", "salary_increase.month", fy.salary_increase.month, "month"),
                         ("Fiscal year", "", "", "salary_increase.rate", fy.salary_increase.rate, "share")]
            if self.calendar is not None:
                rows.append(("Fiscal year", "", "", "size_for", fy.size_for, ""))
        rows += self._business_case_inputs()
        if self.book_source is not None:
            rows.append(("Book", "", str(self.book_source.name), "accounts", self.book_accounts, "accounts"))
        for name, value in self.parameters.items():
            if value is not None:
                rows.append(("Report parameter", "", "", name, value, ""))
        return pd.DataFrame(rows, columns=["Section", "Segment", "Item", "Parameter", "Value", "Unit"])

    def _business_case_inputs(self) -> list[tuple]:
        """The business case's inputs as (section, segment, item, parameter, value, unit) rows."""
        sc, cur = self.scenario, self.currency
        rows: list[tuple] = [("Business case", "", "", "gross_margin", sc.gross_margin, "share")]
        evidence = sc.retention_by_coverage
        for coverage in ("dedicated", "pooled", "digital"):
            if evidence is not None and evidence.of(coverage) is not None:
                rows.append(("Business case", "", coverage, "retention_by_coverage", evidence.of(coverage),
                             "share/year"))
        for seg in sc.segments:
            for tp in seg.touchpoints:
                a = tp.automation
                if a is None:
                    continue
                rows += [("Automation", seg.name, tp.name, "name", a.name, ""),
                         ("Automation", seg.name, tp.name, "share", a.share, "share")]
                if a.cost_per_year is not None:
                    rows.append(("Automation", seg.name, tp.name, "cost_per_year", a.cost_per_year, f"{cur}/year"))
                else:
                    rows.append(("Automation", seg.name, tp.name, "cost_per_account_per_year",
                                 a.cost_per_account_per_year, f"{cur}/account/year"))
                rows.append(("Automation", seg.name, tp.name, "adopted", a.adopted, ""))
        return rows

    def business_case_inputs_table(self) -> Table:
        """Section 6: the gross margin, the retention data and each automation, as given."""
        sc, cur = self.scenario, self.currency
        rows = [("Gross margin", sc.gross_margin, "share of revenue", "share")]
        evidence = sc.retention_by_coverage
        if evidence is None:
            rows.append(("Retention by coverage", "not given: only the break-even is shown", "", "text"))
        else:
            rows += [(f"Retention under {c} coverage (your data)", evidence.of(c), "share of ARR kept a year", "share")
                     for c in ("dedicated", "pooled", "digital") if evidence.of(c) is not None]
        for seg in sc.segments:
            for tp in seg.touchpoints:
                a = tp.automation
                if a is None:
                    continue
                price = (fmt.money(a.cost_per_year, cur) + " a year" if a.cost_per_year is not None else
                         fmt.money(a.cost_per_account_per_year, cur) + " an account a year")
                what = "questions" if tp.kind == "inbound" else "minutes"
                rows.append((f"Automation: {a.name} ({seg.name}: {tp.name})",
                             f"{_rate(a.share)} of its {what}, {price}, {'adopted' if a.adopted else 'a candidate'}",
                             "", "text"))
        return _measures("Business case inputs", rows, ["Input", "Value", "Unit"], cur, "text")

    def inputs_table(self) -> Table:
        """:meth:`inputs_frame` as a table (the Excel "Inputs" sheet)."""
        return Table("Inputs", self.inputs_frame(), {}, self.currency)


def build(scenario: "str | Path | Scenario | dict | Context", book: str | Path | None = None, *,
          title: str | None = None, fiscal_year: int | None = None, currency: str | None = None,
          current_headcount: int | None = None, activities_path: str | Path | None = None,
          headcount_cap: int | None = None, budget_cap: float | str | None = None) -> ReportContent:
    """Load the inputs once and compute the plan, the fiscal plan and the sensitivity: the report's content.

    Parameters
    ----------
    scenario : path, dict, Scenario or Context
    book : path, optional
        Overrides the scenario's ``book``.
    title, fiscal_year, currency, current_headcount
        The report's parameters; see :data:`PARAMETERS`.

    Raises
    ------
    CapacityError
        For a bad scenario, book or parameter.
    """
    from capacity.analysis.sensitivity import tornado
    from capacity.inputs.book import Book
    from capacity.inputs.context import load_context
    from capacity.model.plan import plan

    parameters = check_parameters({"title": title, "fiscal_year": fiscal_year, "currency": currency,
                                   "current_headcount": current_headcount, "activities_path": activities_path,
                                   "headcount_cap": headcount_cap, "budget_cap": budget_cap})
    context = load_context(scenario, book)
    if parameters["currency"] is not None:
        context = context.with_changes({"currency": parameters["currency"]})
    loaded = context.book if isinstance(context.book, Book) else None
    team, moves = _todays_books(context.scenario, loaded)
    calibration, practised = _designed_versus_actual(context, parameters["activities_path"])
    return ReportContent(
        scenario=context.scenario,
        plan=plan(context),
        sensitivity=context.cached(tornado),
        title=parameters["title"] or "Customer Success budget",
        fiscal_year=parameters["fiscal_year"],
        current_headcount=parameters["current_headcount"],
        book_accounts=None if loaded is None else len(loaded),
        book_source=None if loaded is None else loaded.source,
        book_notes=() if loaded is None else tuple(loaded.notes),
        fiscal=_fiscal_or_none(context),
        parameters=parameters,
        team=team,
        rebalance=moves,
        calibration=calibration,
        practised_plan=practised,
        simulation=_simulation(context),
        business_case=_business_case(context),
        **_options_and_fit(context, parameters),
        book_calendar=_book_calendar(context),
    )


def _business_case(context: "Context"):
    """Does it pay back, and hire or automate (:func:`capacity.analysis.business_case.business_case`)."""
    from capacity.analysis.business_case import business_case

    return business_case(context)
def _book_calendar(context: "Context"):
    """Today's book placed month by month, when the scenario dates some work (the fiscal plan's own, if any)."""
    from capacity.model.calendar import book_calendar, has_calendar

    return book_calendar(context) if has_calendar(context.scenario) else None


def _fiscal_or_none(context: "Context") -> "FiscalPlan | None":
    """The fiscal plan of a scenario with a ``fiscal_year`` block; None without one."""
    if context.scenario.fiscal_year is None:
        return None
    from capacity.model.fiscal import fiscal_plan

    return fiscal_plan(context)


def _options_and_fit(context: "Context", parameters: dict) -> dict:
    """The comparison of the scenario's options (when it has any) and the fit of a cap (when one is given)."""
    from capacity.analysis.options import compare
    from capacity.model.automation import automatable

    listed = context.scenario.options or any(not a.automation.adopted for a in automatable(context.scenario))
    out: dict[str, Any] = {"comparison": compare(context) if listed else None, "fit": None}
    if parameters.get("headcount_cap") is not None or parameters.get("budget_cap") is not None:
        from capacity.exceptions import FitError
        from capacity.analysis.fit import fit

        try:
            out["fit"] = fit(context, headcount=parameters.get("headcount_cap"), budget=parameters.get("budget_cap"))
        except FitError as exc:
            name = "headcount_cap" if parameters.get("headcount_cap") is not None else "budget_cap"
            raise ReportError(exc.message, file=exc.file, where=f"parameter {name} {parameters[name]:g}") from None
    return out


def _simulation(context: "Context"):
    """The simulated fiscal year, with ``fiscal_year`` and ``uncertainty`` blocks; else None (from the context's plans)."""
    if context.scenario.fiscal_year is None or context.scenario.uncertainty is None:
        return None
    from capacity.analysis.simulate import simulate

    return simulate(context)  # on the context's own plan and fiscal plan


def _designed_versus_actual(context: "Context", activities_path: str | None):
    """The calibration and the plan as practised, when the report is given an activity log; else (None, None)."""
    if activities_path is None:
        return None, None
    from capacity.analysis.calibrate import calibrate, practised_scenario
    from capacity.inputs.context import Context
    from capacity.model.plan import plan

    calibration = calibrate(context.scenario, activities_path, context.book)
    return calibration, plan(Context(practised_scenario(context.scenario, calibration), context.book))


def _todays_books(scenario: "Scenario", book) -> tuple[Any, Any]:
    """Today's team and its rebalance when the book names each account's owner; (None, None) otherwise."""
    if book is None or not book.has_column("csm"):
        return None, None
    from capacity.exceptions import RebalanceInfeasible
    from capacity.analysis.rebalance import rebalance
    from capacity.analysis.team import team

    try:
        # The scenario's rebalance: block (its as_of, else today); at most 30 s in a report.
        limit = 30.0 if scenario.rebalance is None else min(30.0, scenario.rebalance.time_limit)
        moves = rebalance(scenario, book, time_limit=limit)
    except RebalanceInfeasible as exc:  # the CSMs' max_accounts leave an account nowhere to go
        moves = exc.message
    return team(scenario, book), moves


def save(content: ReportContent, path: str | Path) -> Path:
    """Keep built content in a file for :func:`load` (a pickle: for a process of the same run, not an archive)."""
    from capacity.files import write_bytes

    return write_bytes(path, pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL))


def load(scenario: "str | Path | Scenario | dict | Context | None" = None, book: str | Path | None = None, *,
         content_path: str | Path | None = None, **parameters: Any) -> ReportContent:
    """The report's content: read from ``content_path`` when given (built by the process that ran
    the report), else built from ``scenario`` (by default the sample shipped with the package,
    :data:`capacity.sample.SCENARIO`) and ``book`` with ``parameters`` (see :func:`build`).

    The file at ``content_path`` lives as long as the report run: an executed notebook opened
    again later names a file that is gone, and builds its content from its inputs instead.

    Raises
    ------
    ReportError
        When ``content_path`` exists but cannot be read as report content.
    """
    if content_path is None or not Path(content_path).exists():
        return build(sample.SCENARIO if scenario is None else scenario, book, **parameters)
    try:
        content = pickle.loads(Path(content_path).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise ReportError(f"cannot read the built report content: {exc}", file=content_path) from None
    if not isinstance(content, ReportContent):
        raise ReportError("does not hold report content", file=content_path)
    return content
