"""The report's charts: one theme, one palette, figures drawn from the results.

Each builder takes :class:`~capacity.views.content.ReportContent` and returns a :class:`Chart`:
plotly traces and layout as plain JSON-able dicts, so nothing here imports plotly. Every
number a chart draws comes from the plan, the fiscal plan or the sensitivity, through the
content (:func:`~capacity.views.content.fte_by_kind`, :func:`~capacity.views.content.fiscal_month_series`:
the cost so far in the year is :meth:`~capacity.model.fiscal.FiscalPlan.cumulative_cost`); a chart computes only
positions (a bar's offset from its base) and the axis range that fits them.

:data:`PALETTE` is the project's one set of colours; the what-if workbook uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from capacity import formatting as fmt
from capacity.views.content import fiscal_month_series, fte_by_kind

if TYPE_CHECKING:
    from capacity.model.plan import Plan
    from capacity.views.content import ReportContent

__all__ = ["PALETTE", "KIND_COLORS", "Chart", "layout", "workload", "plan_workload", "top_down", "plan_top_down",
           "tornado", "fiscal_capacity", "fiscal_fan", "todays_books", "options", "fiscal_cost", "payback",
           "calendar_heatmap", "fiscal_years"]

#: The colours of every chart: text, secondary text, the plan's own line or bar, the low and
#: high ends of a range, grid lines, and fills for comparison (``neutral``) and background bars (``wash``).
PALETTE: dict[str, str] = {"ink": "#1f2937", "muted": "#6b7280", "accent": "#1d4ed8", "low": "#0f766e",
                           "high": "#b91c1c", "grid": "#e5e7eb", "neutral": "#9ca3af", "wash": "#dbeafe"}
#: One colour per kind of touchpoint, in the order recurring, one-time, inbound, program.
KIND_COLORS: dict[str, str] = {"recurring": "#1d4ed8", "one_time": "#60a5fa", "inbound": "#f59e0b",
                               "program": "#10b981"}
FONT = {"family": "-apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": PALETTE["ink"]}
_LEGEND_ON_TOP = {"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"}


@dataclass(frozen=True)
class Chart:
    """A plotly chart: ``data`` traces and ``layout`` as plotly JSON (``height`` in pixels)."""

    name: str
    data: tuple = field(repr=False)
    layout: dict = field(repr=False)

    @property
    def figure(self) -> dict:
        """The chart as a plotly figure dict (``plotly.graph_objects.Figure(chart.figure)`` validates it)."""
        return {"data": [dict(t) for t in self.data], "layout": dict(self.layout)}


def layout(height: int, **extra) -> dict:
    """The theme: white background, light grid, the project's font; ``extra`` merges into it key by key.

    A categorical y axis reads top to bottom (``autorange: reversed``) unless ``extra`` says otherwise.
    """
    axis = {"gridcolor": PALETTE["grid"], "zerolinecolor": PALETTE["grid"], "automargin": True}
    out = {
        "height": height, "margin": {"l": 10, "r": 30, "t": 10, "b": 40}, "plot_bgcolor": "white",
        "paper_bgcolor": "white", "hoverlabel": {"namelength": -1}, "font": dict(FONT),
        "xaxis": dict(axis), "yaxis": {**axis, "autorange": "reversed"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


_KIND_LABELS = {"recurring": "Recurring", "one_time": "One-time (new customers)", "inbound": "Inbound",
                "program": "Programs"}


def workload(content: "ReportContent") -> Chart:
    """FTE per segment, split by kind of touchpoint."""
    return plan_workload(content.plan)


def plan_workload(plan: "Plan") -> Chart:
    """:func:`workload` of a plan (the app's start page draws it beside its editors)."""
    names = [s.name for s in plan.segments]
    traces = []
    for kind, values in fte_by_kind(plan).items():
        label = _KIND_LABELS[kind]
        if any(values):
            traces.append({"type": "bar", "orientation": "h", "y": names, "x": values, "name": label,
                           "marker": {"color": KIND_COLORS[kind]},
                           "hovertemplate": "%{y}: %{x:.2f} FTE<extra>" + label + "</extra>"})
    return Chart("workload", tuple(traces), layout(100 + 45 * len(names), barmode="stack", margin={"t": 36},
                                                   legend={**_LEGEND_ON_TOP, "traceorder": "normal"},
                                                   xaxis={"title": {"text": "Full-time CSMs"}}))


def top_down(content: "ReportContent") -> Chart:
    """Headcount by method, bottom-up highlighted."""
    return plan_top_down(content.plan)


def plan_top_down(plan: "Plan") -> Chart:
    """:func:`top_down` of a plan."""
    labels = ["Bottom-up"] + [f"{fmt.money_short(td.arr_per_csm, plan.currency)} per CSM" for td in plan.top_down]
    values = [plan.totals.headcount] + [td.headcount for td in plan.top_down]
    colors = [PALETTE["accent"]] + [PALETTE["neutral"]] * len(plan.top_down)
    trace = {"type": "bar", "orientation": "h", "y": labels, "x": values, "marker": {"color": colors},
             "text": [str(v) for v in values], "textposition": "outside", "cliponaxis": False,
             "hovertemplate": "%{y}: %{x} CSMs<extra></extra>"}
    return Chart("top-down", (trace,), layout(70 + 42 * len(labels), showlegend=False, xaxis={"title": {"text": "CSMs"}}))


def tornado(content: "ReportContent", n: int = 12) -> Chart:
    """A tornado of headcount, the ``n`` drivers with the largest swing.

    Each driver is a bar from the planned headcount to its headcount with the driver moved
    down (one colour) and up (the other).
    """
    s = content.sensitivity
    impacts = list(s.impacts[:n])
    labels = [i.driver.label for i in impacts]
    base = s.base_headcount
    pct = f"{s.change:.0%}"
    traces = []
    for name, color, values, ftes in (
        (f"Driver −{pct}", PALETTE["low"], [i.low_headcount for i in impacts], [i.low_fte for i in impacts]),
        (f"Driver +{pct}", PALETTE["high"], [i.high_headcount for i in impacts], [i.high_fte for i in impacts]),
    ):
        traces.append({
            "type": "bar", "orientation": "h", "y": labels, "x": [v - base for v in values], "base": base,
            "name": name, "marker": {"color": color}, "customdata": [[v, round(f, 2)] for v, f in zip(values, ftes)],
            "hovertemplate": "%{y}<br>%{customdata[0]} CSMs (%{customdata[1]:.1f} FTE)<extra>" + name + "</extra>",
        })
    widest = max((abs(v - base) for i in impacts for v in (i.low_headcount, i.high_headcount)), default=1)
    return Chart("tornado", tuple(traces), layout(
        90 + 30 * len(labels), barmode="overlay", legend=_LEGEND_ON_TOP, margin={"t": 36},
        xaxis={"title": {"text": f"CSMs needed (as planned: {base})"}, "range": [base - widest - 0.5, base + widest + 0.5],
               **({"dtick": 1} if widest <= 6 else {})},
        shapes=[{"type": "line", "x0": base, "x1": base, "y0": 0, "y1": 1, "yref": "paper",
                 "line": {"color": PALETTE["ink"], "width": 1}}],
    ))


def fiscal_capacity(content: "ReportContent") -> Chart:
    """Demand against ramped capacity and the target line, month by month, all segments."""
    target = content.fiscal.target_utilization
    totals = fiscal_month_series(content.fiscal)
    months = list(totals["month"])
    line = {"type": "scatter", "mode": "lines+markers", "x": months}
    traces = [
        {"type": "bar", "x": months, "y": [int(v) for v in totals["headcount"]], "name": "CSMs on staff",
         "marker": {"color": PALETTE["wash"]}, "hovertemplate": "%{x}: %{y} CSMs<extra></extra>"},
        {**line, "y": [float(v) for v in totals["ramped_capacity_fte"]], "name": "Ramped capacity (FTE)",
         "line": {"color": PALETTE["accent"], "width": 3},
         "hovertemplate": "%{x}: %{y:.1f} FTE of capacity<extra></extra>"},
        {**line, "y": [float(v) for v in totals["capacity_at_target_fte"]],
         "name": f"Capacity at the {target:.0%} target", "line": {"color": PALETTE["accent"], "dash": "dot"},
         "hovertemplate": "%{x}: %{y:.1f} FTE<extra></extra>"},
        {**line, "y": [float(v) for v in totals["demand_fte"]], "name": "Demand (FTE)",
         "line": {"color": PALETTE["high"], "width": 3},
         "hovertemplate": "%{x}: %{y:.1f} FTE of work<extra></extra>"},
    ]
    return Chart("fiscal-capacity", tuple(traces), layout(
        340, margin={"t": 36}, barmode="overlay", legend=_LEGEND_ON_TOP,
        xaxis={"type": "category"}, yaxis={"autorange": True, "title": {"text": "FTE / CSMs"}}))


def fiscal_cost(content: "ReportContent") -> Chart:
    """CSMs starting each month, and the cost curve (monthly and cumulative)."""
    currency = content.currency
    totals = fiscal_month_series(content.fiscal)
    months = list(totals["month"])
    monthly = [float(v) for v in totals["cost"]]
    money_y = fmt.plotly_money_hover("y", currency)
    traces = [
        {"type": "bar", "x": months, "y": monthly, "name": "Cost in the month (+n: CSMs starting that month)",
         "marker": {"color": PALETTE["neutral"]}, "hovertemplate": f"%{{x}}: {money_y}<extra></extra>"},
        {"type": "scatter", "mode": "lines", "x": months, "y": [float(v) for v in totals["cost_so_far"]], "yaxis": "y2",
         "name": "Cost so far in the year", "line": {"color": PALETTE["ink"], "width": 3},
         "hovertemplate": f"%{{x}}: {money_y} so far<extra></extra>"},
        {"type": "scatter", "mode": "text", "x": months, "y": monthly,
         "text": [f"+{int(h)}" if h else "" for h in totals["hires_started"]], "textposition": "top center",
         "name": "CSMs starting", "textfont": {"color": PALETTE["accent"], "size": 14}, "showlegend": False,
         "cliponaxis": False, "hovertemplate": "%{x}: %{text} CSMs start<extra></extra>"},
    ]
    money_axis = fmt.plotly_money_axis(currency)
    return Chart("fiscal-cost", tuple(traces), layout(
        320, margin={"t": 36, "r": 80}, showlegend=True, legend=_LEGEND_ON_TOP, xaxis={"type": "category"},
        yaxis={"autorange": False, "range": [0, max(monthly) * 1.15], "title": {"text": "In the month"}, **money_axis},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero",
                "title": {"text": "So far in the year"}, **money_axis}))


def todays_books(content: "ReportContent") -> Chart:
    """Utilization per CSM (or pooled team) of today's books, and after the rebalance when there is one, against
    the target."""
    target = content.team.summary["target_utilization"]
    moves = content.rebalance
    if moves is None or isinstance(moves, str):
        rows = [r for r in content.team.csms if r.utilization is not None]
        colors = [PALETTE["high"] if r.utilization > target else PALETTE["accent"] for r in rows]
        traces = ({"type": "bar", "orientation": "h", "y": [r.csm for r in rows], "x": [r.utilization for r in rows],
                   "marker": {"color": colors}, "name": "Utilization",
                   "hovertemplate": "%{y}: %{x:.0%}<extra></extra>"},)
        count = len(rows)
    else:
        before = {r.csm: r.utilization for r in moves.before}
        rows = [r for r in moves.after if r.utilization is not None or before.get(r.csm) is not None]
        names = [r.csm for r in rows]
        today = [before.get(r.csm) for r in rows]
        traces = ({"type": "bar", "orientation": "h", "y": names, "x": today, "name": "Today",
                   "marker": {"color": [PALETTE["high"] if v is not None and v > target else PALETTE["neutral"]
                                        for v in today]}, "hovertemplate": "%{y} today: %{x:.0%}<extra></extra>"},
                  {"type": "bar", "orientation": "h", "y": names, "x": [r.utilization for r in rows],
                   "name": "After the rebalance", "marker": {"color": PALETTE["accent"]},
                   "hovertemplate": "%{y} after: %{x:.0%}<extra></extra>"})
        count = 2 * len(rows)
    return Chart("todays-books", traces, layout(
        80 + 20 * count, barmode="group", legend=_LEGEND_ON_TOP,
        xaxis={"title": {"text": "Utilization of customer hours"}, "tickformat": ".0%"},
        shapes=[{"type": "line", "x0": target, "x1": target, "yref": "paper", "y0": 0, "y1": 1,
                 "line": {"color": PALETTE["muted"], "dash": "dash"}}]))


def fiscal_fan(content: "ReportContent") -> Chart:
    """Demand month by month as a fan (P10 to P90, P50 line) against the plan's ramped capacity and target."""
    sim, totals = content.simulation, fiscal_month_series(content.fiscal)
    months = [m.month for m in sim.months]
    target = content.fiscal.target_utilization
    line = {"type": "scatter", "mode": "lines", "x": months}
    traces = [
        {**line, "y": [m.demand_fte.p90 for m in sim.months], "name": "Demand P90 (FTE)",
         "line": {"color": PALETTE["high"], "width": 0}, "showlegend": False,
         "hovertemplate": "%{x}: P90 %{y:.1f} FTE<extra></extra>"},
        {**line, "y": [m.demand_fte.p10 for m in sim.months], "name": "Demand, P10 to P90",
         "fill": "tonexty", "fillcolor": "rgba(185, 28, 28, 0.18)", "line": {"color": PALETTE["high"], "width": 0},
         "hovertemplate": "%{x}: P10 %{y:.1f} FTE<extra></extra>"},
        {**line, "y": [m.demand_fte.p50 for m in sim.months], "name": "Demand P50 (FTE)",
         "line": {"color": PALETTE["high"], "width": 3}, "hovertemplate": "%{x}: P50 %{y:.1f} FTE<extra></extra>"},
        {**line, "y": [float(v) for v in totals["ramped_capacity_fte"]], "name": "The plan's ramped capacity (FTE)",
         "line": {"color": PALETTE["accent"], "width": 3},
         "hovertemplate": "%{x}: %{y:.1f} FTE of capacity<extra></extra>"},
        {**line, "y": [float(v) for v in totals["capacity_at_target_fte"]],
         "name": f"Capacity at the {target:.0%} target", "line": {"color": PALETTE["accent"], "dash": "dot"},
         "hovertemplate": "%{x}: %{y:.1f} FTE<extra></extra>"},
    ]
    return Chart("fiscal-fan", tuple(traces), layout(340, margin={"t": 36}, legend=_LEGEND_ON_TOP,
                                                     xaxis={"type": "category"},
                                                     yaxis={"autorange": True, "title": {"text": "FTE"}}))


def options(content: "ReportContent") -> Chart:
    """CSMs of the plan and of each option, the plan highlighted."""
    variants = content.comparison.variants
    heads = [v.plan.totals.headcount for v in variants]
    costs = [fmt.money_short(v.plan.totals.cost_per_year, content.currency) for v in variants]
    colors = [PALETTE["accent"]] + [PALETTE["neutral"]] * (len(variants) - 1)
    trace = {"type": "bar", "orientation": "h", "y": [v.name for v in variants], "x": heads,
             "marker": {"color": colors}, "text": [f"{h} CSMs, {c} a year" for h, c in zip(heads, costs)],
             "textposition": "outside", "cliponaxis": False, "hovertemplate": "%{y}: %{text}<extra></extra>"}
    # Room on the right for the "19 CSMs, $2.8M a year" labels.
    return Chart("options", (trace,), layout(70 + 42 * len(variants), showlegend=False, xaxis={"title": {"text": "CSMs"}},
                                             margin={"l": 10, "r": 170, "t": 10, "b": 40}))


def payback(content: "ReportContent") -> Chart:
    """Per segment: what CS costs a year against the ARR it must keep or add to pay back, beside the ARR churn
    takes a year today and, with the user's retention data, the ARR its coverage keeps."""
    pb, currency = content.plan.payback, content.currency
    names = [r.name for r in pb.segments]
    money_x = fmt.plotly_money_hover("x", currency)
    series = [("CS cost a year", PALETTE["neutral"], [r.cost_per_year for r in pb.segments]),
              ("ARR to keep or add a year to pay back", PALETTE["accent"],
               [r.break_even_arr_per_year for r in pb.segments])]
    if pb.has_return:
        series.append((f"ARR kept a year beyond {pb.floor_coverage} (your retention data)", PALETTE["low"],
                       [r.arr_kept_per_year for r in pb.segments]))
    series.append(("ARR lost to churn a year today", PALETTE["high"], [r.churned_arr_per_year for r in pb.segments]))
    traces = tuple({"type": "bar", "orientation": "h", "y": names,
                    "x": [float(v) if v is not None else None for v in values], "name": label,
                    "marker": {"color": color},
                    "hovertemplate": f"%{{y}}: {money_x}<extra>{label}</extra>"}
                   for label, color, values in series)
    return Chart("payback", traces, layout(120 + 28 * len(names) * len(series), barmode="group", margin={"t": 36},
                                           legend={**_LEGEND_ON_TOP, "traceorder": "normal"},
                                           xaxis={"title": {"text": "A year"}, **fmt.plotly_money_axis(currency)}))
def calendar_heatmap(content: "ReportContent") -> Chart:
    """Today's book, segment by month: the plan's hours in the months they fall (the text), coloured by the
    month against the segment's average month (white: an average month; red above, teal below)."""
    book = content.calendar.book
    ratio = book.against_average()
    hours = [[round(float(v)) for v in row] for row in book.hours]
    trace = {
        "type": "heatmap", "x": list(book.months), "y": list(book.segments),
        "z": [[round(float(v), 4) for v in row] for row in ratio.to_numpy()],
        "text": [[f"{v:,}" for v in row] for row in hours], "texttemplate": "%{text}",
        "zmid": 1.0, "colorscale": [[0.0, PALETTE["low"]], [0.5, "#ffffff"], [1.0, PALETTE["high"]]],
        "colorbar": {"title": {"text": "x the average month"}, "tickformat": ".2f"},
        "hovertemplate": "%{y}, %{x}: %{text} h (%{z:.2f} x the average month)<extra></extra>", "xgap": 2, "ygap": 2,
    }
    return Chart("calendar-heatmap", (trace,), layout(
        80 + 46 * len(book.segments), margin={"t": 10}, xaxis={"type": "category", "showgrid": False},
        yaxis={"showgrid": False}))


def fiscal_years(content: "ReportContent") -> Chart:
    """The plan's years side by side: each year's cost (managers and tooling included) beside the ARR it must keep
    or add to pay back, bars; cost as a share of year-end ARR, a line on its own axis."""
    currency = content.currency
    years = content.fiscal.years
    labels = [f"Year {y.year}" for y in years]
    money_y = fmt.plotly_money_hover("y", currency)
    traces = [
        {"type": "bar", "x": labels, "y": [y.cost for y in years], "name": "Cost, managers and tooling",
         "marker": {"color": PALETTE["accent"]}, "hovertemplate": f"%{{x}}: {money_y}<extra></extra>"},
        {"type": "bar", "x": labels, "y": [y.payback.total.break_even_arr_per_year for y in years],
         "name": "ARR to keep or add to pay back", "marker": {"color": PALETTE["neutral"]},
         "hovertemplate": f"%{{x}}: {money_y}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": labels, "y": [y.cost_pct_arr for y in years], "yaxis": "y2",
         "name": "Cost as a share of year-end ARR", "line": {"color": PALETTE["ink"], "width": 3},
         "hovertemplate": "%{x}: %{y:.1%} of ARR<extra></extra>"},
    ]
    return Chart("fiscal-years", tuple(traces), layout(
        320, margin={"t": 36, "r": 80}, showlegend=True, legend=_LEGEND_ON_TOP, barmode="group",
        xaxis={"type": "category"}, yaxis={"rangemode": "tozero", **fmt.plotly_money_axis(currency)},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero", "tickformat": ".0%",
                "title": {"text": "Share of ARR"}}))
