"""The budget report's content: tables, charts and sentences for a CFO.

:func:`build` makes one :class:`BudgetReport` from a scenario and a book: the plan (one
``plan()`` call that every number of the report comes from), the sensitivity of the
headcount to each driver and, when the scenario has a fiscal year, the fiscal plan.
Its methods return :class:`Table` objects (numbers plus how to show them), which the
notebook shows as HTML and :mod:`capacity.workbook` writes to Excel, and :class:`Chart`
objects (plotly figures shown without loading plotly.js: the report pipeline embeds it
once in the page).

Nothing here reads or writes a file except through :func:`build` (scenario and book).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from . import formatting as fmt
from .book import Book
from .context import Context, load_context
from .exceptions import ReportError
from .plan import Plan
from .scenario import Scenario
from .sensitivity import Sensitivity

__all__ = ["PARAMETERS", "check_parameters", "Table", "RowKindTable", "Chart", "Html", "BudgetReport", "build"]

Kind = Literal["text", "count", "number", "money", "percent", "decimal", "hours", "share"]

#: The notebook's parameters that ``-p NAME VALUE`` may set, with what each takes.
#: ``scenario_path`` and ``book_path`` are set by the command's SCENARIO and --book.
PARAMETERS: dict[str, str] = {
    "title": "text: the report's title (default: Customer Success budget)",
    "fiscal_year": "a year such as 2027: the fiscal year the budget is for (a label)",
    "currency": "a three-letter code such as USD or EUR (default: the scenario's)",
    "current_headcount": "a whole number: CSMs today (default: the fiscal year's start)",
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
    from .exceptions import FitError
    from .fit import parse_budget

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


class Html(str):
    """HTML text that Jupyter shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


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

    def to_html(self) -> Html:
        """An HTML table, numbers right-aligned, the total row in bold."""
        columns = list(self.frame.columns)
        head = "".join(
            f'<th class="{"num" if self.kind(c) != "text" else "txt"}">{_esc(c)}</th>' for c in columns
        )
        rows = []
        records = self.frame.to_dict("records")
        for i, record in enumerate(records):
            css = ' class="total"' if self.total_row and i == len(records) - 1 else ""
            cells = "".join(
                f'<td class="{"num" if self.kind_at(i, c) != "text" else "txt"}">'
                f"{_esc(self.cell_text(c, record[c], self.kind_at(i, c)))}</td>"
                for c in columns
            )
            rows.append(f"<tr{css}>{cells}</tr>")
        note = f'<p class="table-note">{_esc(self.note)}</p>' if self.note else ""
        return Html(
            f'<div class="table-wrap"><table class="report-table" data-table="{_esc(self.name)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}</div>"
        )

    def _repr_html_(self) -> str:
        return str(self.to_html())


# -- charts ---------------------------------------------------------------------------

_COLORS = {"ink": "#1f2937", "muted": "#6b7280", "accent": "#1d4ed8", "low": "#0f766e", "high": "#b91c1c",
           "grid": "#e5e7eb", "kinds": ("#1d4ed8", "#60a5fa", "#f59e0b", "#10b981")}


@dataclass(frozen=True)
class Chart:
    """A plotly chart (``data`` traces and ``layout`` as plotly JSON), shown without plotly.js.

    The report pipeline inlines plotly.js once in the page head, so a chart is a ``<div>``
    and one ``Plotly.newPlot`` call: a few kilobytes, no network, and no plotly import in
    the kernel. In JupyterLab the plotly mimetype renders it.
    """

    name: str
    data: tuple = field(repr=False)
    layout: dict = field(repr=False)

    @property
    def figure(self) -> dict:
        """The chart as a plotly figure dict (``plotly.graph_objects.Figure(chart.figure)`` validates it)."""
        return {"data": [dict(t) for t in self.data], "layout": dict(self.layout)}

    def to_html(self) -> str:
        div = f"chart-{self.name}"
        payload = ", ".join(_script_json(x) for x in (list(self.data), self.layout, _CHART_CONFIG))
        return (f'<div id="{_esc(div)}" class="plotly-graph-div" style="height:{int(self.layout["height"])}px; width:100%;">'
                f'</div><script type="text/javascript">Plotly.newPlot("{_esc(div)}", {payload});</script>')

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {
            "application/vnd.plotly.v1+json": {**self.figure, "config": _CHART_CONFIG},
            "text/html": f'<div class="chart" data-chart="{_esc(self.name)}">{self.to_html()}</div>',
        }


_CHART_CONFIG = {"displayModeBar": False, "responsive": True}


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</`` to end it early."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _layout(height: int, **extra) -> dict:
    axis = {"gridcolor": _COLORS["grid"], "zerolinecolor": _COLORS["grid"], "automargin": True}
    layout = {
        "height": height, "margin": {"l": 10, "r": 30, "t": 10, "b": 40}, "plot_bgcolor": "white",
        "paper_bgcolor": "white", "hoverlabel": {"namelength": -1},
        "font": {"family": "-apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": _COLORS["ink"]},
        "xaxis": dict(axis), "yaxis": {**axis, "autorange": "reversed"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


# -- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetReport:
    """Everything the budget report shows, from one ``plan()`` call.

    Attributes
    ----------
    scenario : Scenario
        As read, with the ``currency`` parameter applied.
    plan : Plan
        The steady-state plan: every headline number.
    sensitivity : Sensitivity
        Headcount with each driver moved by +/-20%.
    title, fiscal_year, current_headcount
        The report's parameters (``None`` where not given).
    book_accounts : int or None
        Accounts in the book, when the plan came from a book.
    book_source : Path or None
    fiscal : object or None
        The fiscal-year plan, when the scenario has a fiscal year (see :mod:`capacity.fiscal`).
    """

    scenario: Scenario
    plan: Plan
    sensitivity: Sensitivity
    title: str
    fiscal_year: int | None = None
    current_headcount: int | None = None
    book_accounts: int | None = None
    book_source: Path | None = None
    fiscal: Any = None
    parameters: dict = field(default_factory=dict)

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

    def kpis(self) -> dict[str, dict]:
        """The steady-state headline numbers: key -> {value, text, label}, all from ``self.plan``."""
        t = self.plan.totals
        arr_per_csm = t.arr / t.headcount if t.headcount else None
        out: dict[str, dict] = {
            "headcount": {"value": t.headcount, "text": f"{t.headcount:,}", "label": "CSMs needed now"},
            "cost_per_year": {"value": t.cost_per_year, "text": self.money(t.cost_per_year), "label": "Cost a year"},
            "cost_pct_arr": {"value": t.cost_pct_arr, "text": fmt.percent(t.cost_pct_arr), "label": "Cost as a share of ARR"},
            "arr_per_csm": {"value": arr_per_csm, "text": self.money(arr_per_csm), "label": "ARR per CSM"},
        }
        today = self.todays_headcount
        if today is not None:
            gap = t.headcount - today
            out["current_headcount"] = {"value": today, "text": f"{today:,}", "label": "CSMs today"}
            out["hires_now"] = {"value": gap, "text": f"{abs(gap):,}",
                                "label": "CSMs short of the need" if gap >= 0 else "CSMs above the need"}
        return out

    def fiscal_kpis(self) -> dict[str, dict]:
        """The fiscal year's headline numbers (empty without a fiscal year), all from ``self.fiscal``."""
        if self.fiscal is None:
            return {}
        s = self.fiscal.summary
        return {
            "year_end_headcount": {"value": s.year_end_headcount, "text": f"{s.year_end_headcount:,}",
                                   "label": f"CSMs at year end ({self.fiscal.months[-1]})"},
            "hires": {"value": s.hires_total, "text": f"{s.hires_total:,}", "label": "CSMs starting in the year"},
            "fiscal_cost": {"value": s.total_cost, "text": self.money(s.total_cost),
                            "label": "Cost in the year, managers included"},
            "fiscal_cost_pct": {"value": s.cost_pct_ending_arr, "text": fmt.percent(s.cost_pct_ending_arr),
                                "label": "Of ARR at year end"},
        }

    @property
    def fiscal_span(self) -> str:
        """The fiscal year's months, e.g. "2027-02 to 2028-01"."""
        months = self.fiscal.months
        return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"

    def _kpi_span(self, key: str, info: dict) -> str:
        value = "" if info["value"] is None else repr(float(info["value"]) if isinstance(info["value"], float) else info["value"])
        return f'<span class="kpi" data-kpi="{key}" data-value="{_esc(value)}">{_esc(info["text"])}</span>'

    def header_html(self) -> Html:
        """Title, what the report covers and where its numbers come from."""
        t = self.plan.totals
        year = f"FY{self.fiscal_year} · " if self.fiscal_year else ""
        source = (f"{self.book_accounts:,} accounts from {self.book_source.name}" if self.book_source is not None
                  else "customer counts given in the scenario")
        return Html(
            f'<header class="report-header"><h1>{_esc(self.title)}</h1>'
            f'<p class="subtitle">{_esc(year)}{_esc(self.scenario.name)} · {t.customers:,} customers, '
            f"{_esc(self.money(t.arr))} ARR ({_esc(source)}) · prepared {_dt.date.today():%d %B %Y}</p></header>"
        )

    def summary_html(self) -> Html:
        """Section 1: headline numbers as cards, then the story in a few sentences."""
        rows = [("The team the book needs today (steady state)", self.kpis())]
        if self.fiscal is not None:
            rows.append((f"The fiscal year, {self.fiscal_span}", self.fiscal_kpis()))
        grids = "".join(
            (f'<p class="kpi-caption">{_esc(caption)}</p>' if len(rows) > 1 else "")
            + '<div class="kpi-grid">'
            + "".join(f'<div class="kpi-card"><div class="kpi-value">{self._kpi_span(key, info)}</div>'
                      f'<div class="kpi-label">{_esc(info["label"])}</div></div>' for key, info in kpis.items())
            + "</div>"
            for caption, kpis in rows
        )
        sentences = "".join(f"<li>{s}</li>" for s in self.summary_sentences())
        return Html(f'{grids}<ul class="summary">{sentences}</ul>')

    def summary_sentences(self) -> list[str]:
        """The executive summary as HTML sentences, numbers from the plan."""
        p, t, cur = self.plan, self.plan.totals, self.currency
        out = [
            f"To serve <b>{t.customers:,} customers</b> and <b>{_esc(self.money(t.arr))} of ARR</b> the way this plan "
            f"describes, Customer Success needs <b>{t.headcount} CSMs</b> ({t.fte:.1f} full-time equivalents, "
            f"rounded up per segment), costing <b>{_esc(self.money(t.cost_per_year))} a year</b>, "
            f"{_esc(fmt.percent(t.cost_pct_arr))} of ARR."
        ]
        today = self.todays_headcount
        if today is not None:
            gap = t.headcount - today
            if gap > 0:
                out.append(f"The team has {today} CSMs today: <b>{gap} short</b> of what the book needs now.")
            elif gap < 0:
                out.append(f"The team has {today} CSMs today, <b>{-gap} more than the book needs now</b>.")
            else:
                out.append(f"The team has {today} CSMs today: exactly what the book needs now.")
        if self.fiscal is not None:
            fs = self.fiscal.summary
            end = self.fiscal.to_frame()
            end = end[end["month"] == self.fiscal.months[-1]]
            out.append(
                f"Over the fiscal year ({_esc(self.fiscal_span)}) the book grows to {end['customers'].sum():,.0f} customers "
                f"and {_esc(self.money(fs.ending_arr))} of ARR. Hiring ahead of that growth, "
                f"<b>{fs.hires_total} CSMs start</b> ({fs.requisitions_total} requisitions, {fs.leavers_total} leavers "
                f"backfilled), ending the year at <b>{fs.year_end_headcount} CSMs</b>"
                + (f" and {fs.year_end_managers} managers" if fs.year_end_managers else "")
                + f", for <b>{_esc(self.money(fs.total_cost))} in the year</b> "
                f"({_esc(fmt.percent(fs.cost_pct_ending_arr))} of year-end ARR)."
            )
            if fs.warnings:
                out.append(f"{len(fs.warnings)} stretch{'es' if len(fs.warnings) != 1 else ''} of the year run the "
                           "team above its target utilization; section 5 says where and why.")
        by_size = sorted(p.segments, key=lambda s: s.headcount, reverse=True)
        biggest = by_size[0]
        out.append(
            f"{_esc(biggest.name)} takes the most people: {biggest.headcount} CSMs for {biggest.customers:,} customers "
            f"({_esc(self.money(biggest.arr))} ARR)."
        )
        if p.top_down:
            ratios = ", ".join(f"{td.headcount} at {_esc(fmt.money_short(td.arr_per_csm, cur))} per CSM" for td in p.top_down)
            out.append(f"The top-down rules of thumb would say {ratios}; section 3 shows where the bottom-up answer differs.")
        if self.sensitivity.impacts:
            top = self.sensitivity.impacts[0]
            pct = f"{self.sensitivity.change:.0%}"
            out.append(
                f"The answer is most sensitive to <b>{_esc(top.driver.label)}</b>: "
                f"{pct} lower gives {top.low_headcount} CSMs, {pct} higher gives {top.high_headcount}."
            )
        return out

    def summary_table(self) -> Table:
        """Section 1 as rows of (measure, value, unit), for the Summary sheet."""
        t = self.plan.totals
        rows = [
            ("CSMs needed now (steady state)", t.headcount, "people", "count"),
            ("Full-time equivalents", t.fte, "FTE", "decimal"),
            ("Cost a year", t.cost_per_year, f"{self.currency}/year", "money"),
            ("Cost as a share of ARR", t.cost_pct_arr, "share", "percent"),
            ("Customers", t.customers, "customers", "count"),
            ("ARR", t.arr, f"{self.currency}/year", "money"),
            ("ARR per CSM", t.arr / t.headcount if t.headcount else None, f"{self.currency}/year", "money"),
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
                     ("Fiscal year: cost, managers included", fs.total_cost, self.currency, "money"),
                     ("Fiscal year: ARR at year end", fs.ending_arr, f"{self.currency}/year", "money"),
                     ("Fiscal year: cost as a share of ARR at year end", fs.cost_pct_ending_arr, "share", "percent")]
        for td in self.plan.top_down:
            rows.append((f"Top-down at {fmt.money_short(td.arr_per_csm, self.currency)} ARR per CSM", td.headcount,
                         "people", "count"))
        frame = pd.DataFrame([r[:3] for r in rows], columns=["Measure", "Value", "Unit"])
        return RowKindTable("Summary", frame, {"Value": "decimal"}, self.currency, row_kinds=tuple(r[3] for r in rows))

    # -- section 2: bottom-up per segment ---------------------------------------------

    def segments_table(self) -> Table:
        """Section 2: one row per segment and a total."""
        rows = [
            {"Segment": s.name, "Coverage": s.coverage, "Min ARR": s.min_arr, "Customers": s.customers, "ARR": s.arr,
             "Hours per customer a month": s.hours_per_customer_per_month,
             "Program hours a month": s.program_hours_per_month, "Customers per CSM": s.customers_per_csm,
             "FTE": s.fte, "CSMs": s.headcount, "Cost a year": s.cost_per_year, "ARR per CSM": s.arr_per_csm}
            for s in self.plan.segments
        ]
        t = self.plan.totals
        rows.append({"Segment": "Total", "Coverage": "", "Min ARR": None, "Customers": t.customers, "ARR": t.arr,
                     "Hours per customer a month": None, "Program hours a month": None, "Customers per CSM": None,
                     "FTE": t.fte, "CSMs": t.headcount, "Cost a year": t.cost_per_year,
                     "ARR per CSM": t.arr / t.headcount if t.headcount else None})
        kinds: dict[str, Kind] = {"Min ARR": "money", "Customers": "count", "ARR": "money",
                                  "Hours per customer a month": "hours", "Program hours a month": "decimal",
                                  "Customers per CSM": "decimal", "FTE": "decimal", "CSMs": "count",
                                  "Cost a year": "money", "ARR per CSM": "money"}
        return Table("Segments", pd.DataFrame(rows), kinds, self.currency, total_row=True,
                     note="CSMs are the FTE rounded up per segment; a digital segment's FTE is the people running its programs.")

    def touchpoints_table(self) -> Table:
        """Section 2: every touchpoint of every segment with the hours and FTE it drives."""
        frame = self.plan.touchpoints_frame()
        fte_by_segment = {s.name: s.fte for s in self.plan.segments}
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
        return Table("Touchpoints", out, kinds, self.currency,
                     note="Times a month of a one-time touchpoint is the share of customers that are new in a month; "
                          "a program's hours are for the whole segment, whatever its size.")

    def workload_chart(self) -> Chart:
        """Section 2: FTE per segment, split by kind of touchpoint."""
        frame = self.plan.touchpoints_frame()
        names = [s.name for s in self.plan.segments]
        labels = {"recurring": "Recurring", "one_time": "One-time (new customers)", "inbound": "Inbound", "program": "Programs"}
        traces = []
        for color, (kind, label) in zip(_COLORS["kinds"], labels.items()):
            by_segment = frame[frame["kind"] == kind].groupby("segment")["fte"].sum()
            values = [float(by_segment.get(n, 0.0)) for n in names]
            if any(values):
                traces.append({"type": "bar", "orientation": "h", "y": names, "x": values, "name": label,
                               "marker": {"color": color},
                               "hovertemplate": "%{y}: %{x:.2f} FTE<extra>" + label + "</extra>"})
        layout = _layout(100 + 45 * len(names), barmode="stack", margin={"t": 36},
                         legend={"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
                                 "traceorder": "normal"},
                         xaxis={"title": {"text": "Full-time CSMs"}})
        return Chart("workload", tuple(traces), layout)

    # -- section 3: bottom-up against top-down ----------------------------------------

    def top_down_table(self) -> Table:
        """Section 3: the bottom-up answer beside each top-down guidepost."""
        t, cur = self.plan.totals, self.currency
        rows = [{"Method": "Bottom-up (this plan)", "ARR per CSM": t.arr / t.headcount if t.headcount else None,
                 "CSMs": t.headcount, "Cost a year": t.cost_per_year, "CSMs more than bottom-up": 0}]
        for td in self.plan.top_down:
            rows.append({"Method": f"Top-down: one CSM per {fmt.money_short(td.arr_per_csm, cur)} of ARR",
                         "ARR per CSM": td.arr_per_csm, "CSMs": td.headcount, "Cost a year": td.cost_per_year,
                         "CSMs more than bottom-up": td.headcount - t.headcount})
        kinds: dict[str, Kind] = {"ARR per CSM": "money", "CSMs": "count", "Cost a year": "money",
                                  "CSMs more than bottom-up": "count"}
        return Table("Top-down", pd.DataFrame(rows), kinds, cur,
                     note="Top-down cost uses the default loaded cost per CSM.")

    def gap_table(self) -> Table:
        """Section 3: per segment, bottom-up FTE against the FTE each guidepost gives its ARR."""
        rows = []
        for s in self.plan.segments:
            row = {"Segment": s.name, "Coverage": s.coverage, "ARR": s.arr, "Bottom-up FTE": s.fte}
            for td in self.plan.top_down:
                row[f"Top-down FTE at {fmt.money_short(td.arr_per_csm, self.currency)}"] = s.arr / td.arr_per_csm
            rows.append(row)
        frame = pd.DataFrame(rows)
        kinds: dict[str, Kind] = {c: "decimal" for c in frame.columns if "FTE" in c}
        kinds["ARR"] = "money"
        return Table("Gap by segment", frame, kinds, self.currency,
                     note="Top-down FTE is the segment's ARR divided by the guidepost; a positive gap means the rule of "
                          "thumb gives the segment more people than its touchpoints need.")

    def gap_sentences(self) -> list[str]:
        """Section 3: for each guidepost, which segments make the difference with bottom-up."""
        out = []
        t = self.plan.totals
        for td in self.plan.top_down:
            ratio = fmt.money_short(td.arr_per_csm, self.currency)
            diff = td.headcount - t.headcount
            gaps = sorted(((s.arr / td.arr_per_csm - s.fte, s) for s in self.plan.segments), key=lambda g: -abs(g[0]))
            top = [g for g in gaps if abs(g[0]) >= 0.05][:2]
            if diff == 0:
                head = f"At {_esc(ratio)} per CSM, top-down agrees with bottom-up on {td.headcount} CSMs"
            else:
                head = (f"At {_esc(ratio)} per CSM, top-down says {td.headcount} CSMs, "
                        f"<b>{abs(diff)} {'more' if diff > 0 else 'fewer'}</b> than bottom-up")
            parts = [
                f"{_esc(s.name)} ({'+' if g > 0 else '−'}{abs(g):.1f} FTE: {s.arr / td.arr_per_csm:.1f} by ARR, "
                f"{s.fte:.1f} by its touchpoints)"
                for g, s in top
            ]
            out.append(head + (": most of the difference is " + " and ".join(parts) if parts else "") + ".")
        return out

    def gap_html(self) -> Html:
        """Section 3: :meth:`gap_sentences` as a list."""
        return Html('<ul class="summary">' + "".join(f"<li>{s}</li>" for s in self.gap_sentences()) + "</ul>")

    def top_touchpoints_table(self, n: int = 8) -> Table:
        """Section 3: the touchpoints that drive the most CSM time, across segments."""
        frame = self.plan.touchpoints_frame().sort_values("fte", ascending=False, kind="stable").head(n)
        total = self.plan.totals.fte
        out = pd.DataFrame({"Segment": frame["segment"], "Touchpoint": frame["name"],
                            "Hours a month": frame["hours_per_month"], "FTE": frame["fte"],
                            "Share of all FTE": frame["fte"] / total if total else None})
        return Table("Top touchpoints", out.reset_index(drop=True),
                     {"Hours a month": "decimal", "FTE": "hours", "Share of all FTE": "share"}, self.currency)

    def top_down_chart(self) -> Chart:
        """Section 3: headcount by method, bottom-up highlighted."""
        t = self.plan.totals
        labels = ["Bottom-up"] + [f"{fmt.money_short(td.arr_per_csm, self.currency)} per CSM" for td in self.plan.top_down]
        values = [t.headcount] + [td.headcount for td in self.plan.top_down]
        colors = [_COLORS["accent"]] + ["#9ca3af"] * len(self.plan.top_down)
        trace = {"type": "bar", "orientation": "h", "y": labels, "x": values, "marker": {"color": colors},
                 "text": [str(v) for v in values], "textposition": "outside", "cliponaxis": False,
                 "hovertemplate": "%{y}: %{x} CSMs<extra></extra>"}
        layout = _layout(70 + 42 * len(labels), showlegend=False, xaxis={"title": {"text": "CSMs"}})
        return Chart("top-down", (trace,), layout)

    # -- section 4: sensitivity -------------------------------------------------------

    def sensitivity_table(self, n: int | None = None, *, with_fte: bool = True) -> Table:
        """Section 4: headcount and cost with each driver 20% down and up, largest swing first.

        ``n`` keeps the first rows; ``with_fte`` adds the unrounded FTE at both ends.
        """
        s = self.sensitivity
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
        return Table("Sensitivity", frame, kinds, self.currency)

    def tornado_chart(self, n: int = 12) -> Chart:
        """Section 4: a tornado of headcount, the ``n`` drivers with the largest swing.

        Each driver is a bar from the planned headcount to its headcount 20% down (one
        colour) and 20% up (the other).
        """
        s = self.sensitivity
        impacts = list(s.impacts[:n])
        labels = [i.driver.label for i in impacts]
        base = s.base_headcount
        pct = f"{s.change:.0%}"
        traces = []
        for name, color, values, ftes in (
            (f"Driver −{pct}", _COLORS["low"], [i.low_headcount for i in impacts], [i.low_fte for i in impacts]),
            (f"Driver +{pct}", _COLORS["high"], [i.high_headcount for i in impacts], [i.high_fte for i in impacts]),
        ):
            traces.append({
                "type": "bar", "orientation": "h", "y": labels, "x": [v - base for v in values], "base": base,
                "name": name, "marker": {"color": color}, "customdata": [[v, round(f, 2)] for v, f in zip(values, ftes)],
                "hovertemplate": "%{y}<br>%{customdata[0]} CSMs (%{customdata[1]:.1f} FTE)<extra>" + name + "</extra>",
            })
        widest = max((abs(v - base) for i in impacts for v in (i.low_headcount, i.high_headcount)), default=1)
        layout = _layout(
            90 + 30 * len(labels), barmode="overlay",
            legend={"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"},
            margin={"t": 36},
            xaxis={"title": {"text": f"CSMs needed (as planned: {base})"}, "range": [base - widest - 0.5, base + widest + 0.5],
                   **({"dtick": 1} if widest <= 6 else {})},
            shapes=[{"type": "line", "x0": base, "x1": base, "y0": 0, "y1": 1, "yref": "paper",
                     "line": {"color": _COLORS["ink"], "width": 1}}],
        )
        return Chart("tornado", tuple(traces), layout)

    # -- section 5: the fiscal year ----------------------------------------------------

    def fiscal_intro_html(self) -> Html:
        """Section 5: how the year is planned, or why there is no fiscal year in this report."""
        if self.fiscal is None:
            return Html('<p class="note">This scenario has no <code>fiscal_year</code> block, so the report shows the '
                        "steady state only. Add one (start month, today's team per segment, hiring lead time, ramp, "
                        "attrition, target utilization) to plan the year month by month.</p>")
        f = self.fiscal
        fy = self.scenario.fiscal_year
        managers = (f" One manager per {fy.csms_per_manager} CSMs "
                    f"({'across the team' if fy.manager_scope == 'team' else 'in each segment'}) at "
                    f"{_esc(fmt.money(fy.manager_loaded_cost_per_year, self.currency))} a year."
                    if fy.csms_per_manager else "")
        raise_ = (f" Loaded costs rise {fy.salary_increase.rate:.0%} from {fy.salary_increase.month}."
                  if fy.salary_increase else "")
        return Html(
            f"<p>The year runs {_esc(self.fiscal_span)}, starting from today's "
            f"{sum(f.summary.starting_headcount.values())} CSMs. Each month the book grows by its new customers "
            f"and loses its churn; a requisition takes {f.hiring_lead_time_months} months to fill and a new CSM "
            f"{f.ramp_months} months to ramp to full capacity; {f.attrition_per_year:.0%} of CSMs leave in a year "
            f"and are backfilled. The plan hires to keep demand within {f.target_utilization:.0%} of ramped "
            f"capacity.{managers}{raise_}</p>"
        )

    def fiscal_capacity_chart(self) -> Chart:
        """Section 5: demand against ramped capacity and the target line, month by month, all segments."""
        totals = self.fiscal.totals_frame()
        months = list(totals["month"])
        target = self.fiscal.target_utilization
        line = {"type": "scatter", "mode": "lines+markers", "x": months}
        traces = [
            {"type": "bar", "x": months, "y": [int(v) for v in totals["headcount"]], "name": "CSMs on staff",
             "marker": {"color": "#dbeafe"}, "hovertemplate": "%{x}: %{y} CSMs<extra></extra>"},
            {**line, "y": [float(v) for v in totals["ramped_capacity_fte"]], "name": "Ramped capacity (FTE)",
             "line": {"color": _COLORS["accent"], "width": 3},
             "hovertemplate": "%{x}: %{y:.1f} FTE of capacity<extra></extra>"},
            {**line, "y": [float(v) * target for v in totals["ramped_capacity_fte"]],
             "name": f"Capacity at the {target:.0%} target", "line": {"color": _COLORS["accent"], "dash": "dot"},
             "hovertemplate": "%{x}: %{y:.1f} FTE<extra></extra>"},
            {**line, "y": [float(v) for v in totals["demand_fte"]], "name": "Demand (FTE)",
             "line": {"color": _COLORS["high"], "width": 3},
             "hovertemplate": "%{x}: %{y:.1f} FTE of work<extra></extra>"},
        ]
        layout = _layout(340, margin={"t": 36}, barmode="overlay",
                         legend={"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"},
                         xaxis={"type": "category"}, yaxis={"autorange": True, "title": {"text": "FTE / CSMs"}})
        return Chart("fiscal-capacity", tuple(traces), layout)

    def fiscal_cost_chart(self) -> Chart:
        """Section 5: CSMs starting each month, and the cost curve (monthly and cumulative)."""
        totals = self.fiscal.totals_frame()
        months = list(totals["month"])
        cumulative = totals["cost"].cumsum()
        traces = [
            {"type": "bar", "x": months, "y": [float(v) for v in totals["cost"]],
             "name": "Cost in the month (+n: CSMs starting that month)",
             "marker": {"color": "#9ca3af"}, "hovertemplate": "%{x}: %{y:$,.0f}<extra></extra>"},
            {"type": "scatter", "mode": "lines", "x": months, "y": [float(v) for v in cumulative], "yaxis": "y2",
             "name": "Cost so far in the year", "line": {"color": _COLORS["ink"], "width": 3},
             "hovertemplate": "%{x}: %{y:$,.0f} so far<extra></extra>"},
            {"type": "scatter", "mode": "text", "x": months, "y": [float(v) for v in totals["cost"]],
             "text": [f"+{int(h)}" if h else "" for h in totals["hires_started"]], "textposition": "top center",
             "name": "CSMs starting", "textfont": {"color": _COLORS["accent"], "size": 14}, "showlegend": False,
             "cliponaxis": False,
             "hovertemplate": "%{x}: %{text} CSMs start<extra></extra>"},
        ]
        symbol = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}.get(self.currency, "")
        money_axis = {"tickprefix": symbol, "tickformat": "~s", "tickmode": "auto", "nticks": 6}
        layout = _layout(320, margin={"t": 36, "r": 80}, showlegend=True,
                         legend={"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"},
                         xaxis={"type": "category"},
                         yaxis={"autorange": False, "range": [0, float(totals["cost"].max()) * 1.15],
                                "title": {"text": "In the month"}, **money_axis},
                         yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero",
                                 "title": {"text": "So far in the year"}, **money_axis})
        if not symbol:
            for axis in ("yaxis", "yaxis2"):
                layout[axis]["ticksuffix"] = f" {self.currency}"
        for trace in traces:
            trace["hovertemplate"] = trace["hovertemplate"].replace("$", symbol)
        return Chart("fiscal-cost", tuple(traces), layout)

    def fiscal_months_table(self) -> Table:
        """Section 5: the year month by month, all segments, with a year row."""
        totals = self.fiscal.totals_frame()
        frame = pd.DataFrame({
            "Month": totals["month"], "Customers": totals["customers"], "ARR": totals["arr"],
            "Demand (FTE)": totals["demand_fte"], "CSMs": totals["headcount"],
            "Ramped capacity (FTE)": totals["ramped_capacity_fte"], "Utilization": totals["utilization"],
            "Requisitions opened": totals["requisitions_opened"], "CSMs starting": totals["hires_started"],
            "Leavers": totals["leavers"], "Managers": totals["managers"], "Cost": totals["cost"],
        })
        last = frame.iloc[-1]
        year = {"Month": "Year", "Customers": last["Customers"], "ARR": last["ARR"], "Demand (FTE)": None,
                "CSMs": last["CSMs"], "Ramped capacity (FTE)": None, "Utilization": None,
                "Requisitions opened": frame["Requisitions opened"].sum(), "CSMs starting": frame["CSMs starting"].sum(),
                "Leavers": frame["Leavers"].sum(), "Managers": last["Managers"], "Cost": frame["Cost"].sum()}
        frame = pd.concat([frame, pd.DataFrame([year])], ignore_index=True)
        kinds: dict[str, Kind] = {"Customers": "count", "ARR": "money", "Demand (FTE)": "decimal", "CSMs": "count",
                                  "Ramped capacity (FTE)": "decimal", "Utilization": "percent",
                                  "Requisitions opened": "count", "CSMs starting": "count", "Leavers": "count",
                                  "Managers": "count", "Cost": "money"}
        return Table("Fiscal months", frame, kinds, self.currency, total_row=True,
                     note="Customers, ARR, CSMs and managers are at month end (the year row: at year end); "
                          "requisitions, starts, leavers and cost are summed over the year.")

    def fiscal_segments_table(self) -> Table:
        """Section 5: the year per segment: start, end, hires, leavers, worst month, cost."""
        s = self.fiscal.summary
        rows = []
        for name in self.fiscal.segments:
            frame = self.fiscal.segment_frame(name)
            rows.append({
                "Segment": name, "CSMs at start": s.starting_headcount.get(name, 0),
                "CSMs at year end": s.year_end_headcount_by_segment.get(name, 0),
                "CSMs starting": int(frame["hires_started"].sum()), "Leavers": int(frame["leavers"].sum()),
                "Highest utilization": s.worst_utilization.get(name),
                "First month above target without hiring": s.first_breach.get(name) or "never",
                "Ramped CSMs missing on day one": s.day_one_shortfall.get(name, 0),
                "Cost in the year": s.cost_by_segment.get(name, 0.0),
            })
        kinds: dict[str, Kind] = {"CSMs at start": "count", "CSMs at year end": "count", "CSMs starting": "count",
                                  "Leavers": "count", "Highest utilization": "percent",
                                  "Ramped CSMs missing on day one": "count", "Cost in the year": "money"}
        return Table("Fiscal segments", pd.DataFrame(rows), kinds, self.currency,
                     note="Cost includes each segment's share of the managers.")

    def fiscal_rows_table(self) -> Table:
        """The fiscal plan's rows, one per month and segment (the Excel "Fiscal by segment" sheet)."""
        frame = self.fiscal.to_frame()
        names = {"month": "Month", "segment": "Segment", "customers": "Customers", "new_customers": "New customers",
                 "churned_customers": "Churned customers", "arr": "ARR", "demand_fte": "Demand (FTE)",
                 "headcount": "CSMs", "ramped_capacity_fte": "Ramped capacity (FTE)", "utilization": "Utilization",
                 "worst_pool_utilization": "Highest pool utilization", "target_held": "Target held",
                 "hires_started": "CSMs starting", "requisitions_opened": "Requisitions opened",
                 "backfill_requisitions": "Backfill requisitions", "leavers": "Leavers", "managers": "Managers",
                 "csm_cost": "CSM cost", "manager_cost": "Manager cost", "cost": "Cost"}
        frame = frame.rename(columns=names)
        kinds: dict[str, Kind] = {"Customers": "decimal", "New customers": "decimal", "Churned customers": "decimal",
                                  "ARR": "money", "Demand (FTE)": "decimal", "CSMs": "count",
                                  "Ramped capacity (FTE)": "decimal", "Utilization": "percent",
                                  "Highest pool utilization": "percent", "CSMs starting": "count",
                                  "Requisitions opened": "count", "Backfill requisitions": "count", "Leavers": "count",
                                  "Managers": "count", "CSM cost": "money", "Manager cost": "money", "Cost": "money"}
        return Table("Fiscal by segment", frame, kinds, self.currency)

    def fiscal_warnings_html(self) -> Html:
        """Section 5: the fiscal plan's warnings, in plain English (nothing when the year holds its target)."""
        if self.fiscal is None or not self.fiscal.summary.warnings:
            return Html('<p class="note">Every segment stays within its target utilization all year.</p>'
                        if self.fiscal is not None else "")
        items = "".join(f"<li>{_esc(w)}</li>" for w in self.fiscal.summary.warnings)
        return Html(f'<h3>Where the year runs hot</h3><ul class="warnings">{items}</ul>')

    def fiscal_section(self) -> list:
        """Section 5, everything in order (only the explanation without a fiscal year)."""
        if self.fiscal is None:
            return [self.fiscal_intro_html()]
        return [self.fiscal_intro_html(), self.fiscal_capacity_chart(), self.fiscal_cost_chart(),
                self.fiscal_months_table(), self.fiscal_segments_table(), self.fiscal_warnings_html()]

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
        frame = pd.DataFrame([r[:3] for r in rows], columns=["Input", "Value", "Unit"])
        return RowKindTable("CSM time", frame, {"Value": "decimal"}, self.currency, row_kinds=tuple(r[3] for r in rows))

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
        frame = pd.DataFrame([r[:3] for r in rows], columns=["Input", "Value", "Unit"])
        return RowKindTable("Fiscal inputs", frame, {"Value": "text"}, self.currency, row_kinds=tuple(r[3] for r in rows))

    def inputs_tables(self) -> list[Table]:
        """Section 6, every inputs table in order."""
        tables = [self.csm_inputs_table(), self.segment_inputs_table(), self.touchpoint_inputs_table(),
                  self.fiscal_inputs_table(), self.other_inputs_table()]
        return [t for t in tables if t is not None]

    def touchpoint_inputs_table(self) -> Table:
        """Section 6: every touchpoint exactly as the scenario gives it."""
        rows = [
            {"Segment": s.name, "Touchpoint": tp.name, "Kind": tp.kind.replace("_", "-"), "Minutes": tp.minutes,
             "Times a month": tp.per_month, "Times a year": tp.per_year}
            for s in self.scenario.segments for tp in s.touchpoints
        ]
        frame = pd.DataFrame(rows, columns=["Segment", "Touchpoint", "Kind", "Minutes", "Times a month", "Times a year"])
        return Table("Touchpoint inputs", frame, {"Minutes": "number", "Times a month": "number",
                                                  "Times a year": "number"}, self.currency)

    def other_inputs_table(self) -> Table:
        """Section 6: where the data came from, the guideposts and the report's parameters."""
        rows = [("Scenario", self.scenario.name, "text"),
                ("Scenario file", str(self.scenario.source.name) if self.scenario.source else "(given in code)", "text"),
                ("Book of accounts", f"{self.book_source.name} ({self.book_accounts:,} accounts)"
                 if self.book_source is not None else "none: customers and ARR given per segment", "text"),
                ("Currency", self.currency, "text")]
        rows += [(f"Top-down guidepost {i + 1} (ARR per CSM)", r, "money")
                 for i, r in enumerate(self.scenario.top_down_arr_per_csm)]
        rows += [("Sensitivity: every driver moved by ±", self.sensitivity.change, "share")]
        for name, value in self.parameters.items():
            if value is not None:
                rows.append((f"Report parameter {name}", value, "text"))
        frame = pd.DataFrame([r[:2] for r in rows], columns=["Input", "Value"])
        return RowKindTable("Other inputs", frame, {"Value": "text"}, self.currency, row_kinds=tuple(r[2] for r in rows))

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
        if self.book_source is not None:
            rows.append(("Book", "", str(self.book_source.name), "accounts", self.book_accounts, "accounts"))
        for name, value in self.parameters.items():
            if value is not None:
                rows.append(("Report parameter", "", "", name, value, ""))
        return pd.DataFrame(rows, columns=["Section", "Segment", "Item", "Parameter", "Value", "Unit"])

    # -- options and trade-offs -------------------------------------------------------

    #: The scenario's options beside the plan (:func:`capacity.options.compare`), None without options.
    comparison: Any = None
    #: What the ``headcount_cap`` or ``budget_cap`` parameter buys (:func:`capacity.fit.fit`), None without one.
    fit: Any = None

    def options_table(self) -> Table | None:
        """The plan and each option side by side, with the change from the plan."""
        if self.comparison is None:
            return None
        frame = self.comparison.to_frame()
        out = pd.DataFrame({"Option": frame.index, "CSMs": frame["headcount"].to_numpy(),
                            "CSMs vs plan": frame["headcount_change"].to_numpy(),
                            "Cost a year": frame["cost_per_year"].to_numpy(),
                            "Cost vs plan": frame["cost_change"].to_numpy(),
                            "Cost % of ARR": frame["cost_pct_arr"].to_numpy(),
                            "ARR per CSM": frame["arr_per_csm"].to_numpy()})
        kinds: dict[str, Kind] = {"CSMs": "count", "CSMs vs plan": "count", "Cost a year": "money",
                                  "Cost vs plan": "money", "Cost % of ARR": "percent", "ARR per CSM": "money"}
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

    def options_chart(self) -> Chart | None:
        """CSMs of the plan and of each option, the plan highlighted."""
        if self.comparison is None:
            return None
        variants = self.comparison.variants
        heads = [v.plan.totals.headcount for v in variants]
        costs = [fmt.money_short(v.plan.totals.cost_per_year, self.currency) for v in variants]
        colors = [_COLORS["accent"]] + ["#9ca3af"] * (len(variants) - 1)
        trace = {"type": "bar", "orientation": "h", "y": [v.name for v in variants], "x": heads,
                 "marker": {"color": colors}, "text": [f"{h} CSMs, {c} a year" for h, c in zip(heads, costs)],
                 "textposition": "outside", "cliponaxis": False, "hovertemplate": "%{y}: %{text}<extra></extra>"}
        # Room on the right for the "19 CSMs, $2.8M a year" labels.
        layout = _layout(70 + 42 * len(variants), showlegend=False, xaxis={"title": {"text": "CSMs"}},
                         margin={"l": 10, "r": 170, "t": 10, "b": 40})
        return Chart("options", (trace,), layout)

    def fit_html(self) -> Html:
        """What the cap buys, in sentences (nothing without a cap)."""
        if self.fit is None:
            return Html("")
        items = "".join(f"<li>{_esc(line)}</li>" for line in self.fit.sentences())
        menu = ("a default menu built from the scenario (each recurring and inbound touchpoint at 3/4 and half of its "
                "frequency, each threshold raised by a fifth)" if self.fit.default_menu else
                f"the scenario's {len(self.fit.menu)} trade-offs")
        return Html(f"<h3>What {_esc(self.fit.cap.text(self.currency))} buys</h3><ul class=\"fit\">{items}</ul>"
                    f'<p class="note">Chosen from {_esc(menu)}: of every combination that fits, the one that gives up '
                    "the fewest customer hours a month; ties go to fewer changes, then to the lower cost.</p>")

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

    def options_section(self) -> list:
        """The section "Options and trade-offs", everything in order (empty without options or a cap)."""
        if self.comparison is None and self.fit is None:
            return []
        out: list = [Html("<h2>Options and trade-offs</h2>")]
        if self.comparison is not None:
            out += [Html('<p>The plan beside each option of the scenario, each applied on its own.</p>'),
                    self.options_table(), self.options_chart(), self.options_changes_table()]
        if self.fit is not None:
            out.append(self.fit_html())
            if not self.fit.nothing_needed:
                out += [self.fit_table(), self.fit_packages_table()]
        return out


@dataclass(frozen=True)
class RowKindTable(Table):
    """A (measure, value, unit) table whose ``Value`` column's kind varies by row (``row_kinds``)."""

    row_kinds: tuple = ()

    def kind_at(self, row: int, column: str) -> Kind:
        return self.row_kinds[row] if column == "Value" else self.kind(column)


def build(scenario_path: str | Path | Scenario | dict | Context, book_path: str | Path | None = None, *, title: str | None = None,
          fiscal_year: int | None = None, currency: str | None = None, current_headcount: int | None = None,
          headcount_cap: int | None = None, budget_cap: float | str | None = None) -> BudgetReport:
    """Read the inputs, make the one plan and the sensitivity: everything the report shows.

    Parameters
    ----------
    scenario_path : path, dict or Scenario
    book_path : path, optional
        Overrides the scenario's ``book``.
    title, fiscal_year, currency, current_headcount
        The report's parameters; see :data:`PARAMETERS`.

    Raises
    ------
    CapacityError
        For a bad scenario, book or parameter.
    """
    parameters = check_parameters({"title": title, "fiscal_year": fiscal_year, "currency": currency,
                                   "current_headcount": current_headcount, "headcount_cap": headcount_cap,
                                   "budget_cap": budget_cap})
    context = load_context(scenario_path, book_path)
    if parameters["currency"] is not None:
        context = context.with_changes({"currency": parameters["currency"]})
    scenario, book = context.scenario, context.book
    result = context.plan
    sensitivity = context.sensitivity
    fiscal = context.fiscal
    return BudgetReport(
        scenario=scenario,
        plan=result,
        sensitivity=sensitivity,
        title=parameters["title"] or "Customer Success budget",
        fiscal_year=parameters["fiscal_year"],
        current_headcount=parameters["current_headcount"],
        book_accounts=len(book) if isinstance(book, Book) else None,
        book_source=book.source if isinstance(book, Book) else None,
        fiscal=fiscal,
        parameters=parameters,
        **_options_and_fit(context, parameters),
    )


def _options_and_fit(context: Context, parameters: dict) -> dict:
    """The comparison of the scenario's options (when it has any) and the fit of a cap (when one is given)."""
    from .options import compare

    out: dict[str, Any] = {"comparison": compare(context) if context.scenario.options else None, "fit": None}
    if parameters.get("headcount_cap") is not None or parameters.get("budget_cap") is not None:
        from .exceptions import FitError
        from .fit import fit

        try:
            out["fit"] = fit(context, headcount=parameters.get("headcount_cap"), budget=parameters.get("budget_cap"))
        except FitError as exc:
            name = "headcount_cap" if parameters.get("headcount_cap") is not None else "budget_cap"
            raise ReportError(exc.message, file=exc.file, where=f"parameter {name} {parameters[name]:g}") from None
    return out

