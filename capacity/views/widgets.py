"""The what-if workbook's widgets: ipywidgets sliders and plotly charts on the what-if model.

:class:`Workbook` wires the sliders of a :class:`~capacity.analysis.whatif.Workbench` to a summary
sentence, three plotly ``FigureWidget`` charts (updated in place, never replaced) and a table.
Callbacks do no I/O and nothing that does not depend on the slider moved. Sliders are selection
sliders over exact values (:meth:`~capacity.analysis.whatif.Workbench.slider_values`): a float or log slider snaps its
starting value to its step grid in the browser and sends it back, which would quietly move a
25,000 threshold to 25,119 the moment the workbook opens.
"""

from __future__ import annotations

import html
import math
import os

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from capacity import sample
from capacity.inputs.book import Book
from capacity.inputs.context import Context, load_context
from capacity.formatting import currency_symbol, money_short, percent
from capacity.model.knobs import KINDS, Knob
from capacity.model.plan import Plan
from capacity.inputs.scenario import Scenario
from capacity.analysis.whatif import BINS_PER_DECADE, Curve, Workbench, _customers_per_csm_text, resolve_path, summary_sentence

__all__ = ["Workbook", "build_workbook", "open_workbook", "segment_table_html", "lever_css_class", "PALETTE"]

#: Segment colours, from the highest tier down (plotly's default qualitative palette).
PALETTE = ("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880")
_COLOURS = PALETTE
_GUIDE_DASH = ("dash", "dot", "dashdot", "longdash")


def segment_table_html(result: Plan) -> str:
    """Headcount and cost per segment as a small HTML table (with a total row)."""
    cur = result.currency
    rows = "".join(
        f"<tr><td>{html.escape(s.name)}</td><td>{s.customers:,}</td><td>{money_short(s.arr, cur)}</td>"
        f"<td>{html.escape(_customers_per_csm_text(s.customers_per_csm).removesuffix(' customers per CSM'))}</td>"
        f"<td>{s.headcount:,}</td><td>{money_short(s.cost_per_year, cur)}</td></tr>"
        for s in result.segments
    )
    t = result.totals
    total = (
        f"<tr class='total'><th>Total</th><th>{t.customers:,}</th><th>{money_short(t.arr, cur)}</th><th></th>"
        f"<th>{t.headcount:,}</th><th>{money_short(t.cost_per_year, cur)}</th></tr>"
    )
    head = (
        "<tr><th>Segment</th><th>Accounts</th><th>ARR</th><th>Customers per CSM</th>"
        "<th>CSMs</th><th>Cost a year</th></tr>"
    )
    return f"<table class='capacity-table'>{head}{rows}{total}</table>"






def lever_css_class(bench: Workbench, lever: Knob) -> str:
    """The CSS class a slider carries, so a browser test can find it."""
    if lever.kind == "time_split":
        return "capacity-lever-split"
    if lever.kind == "cost":
        return "capacity-lever-cost"
    if lever.kind == "threshold":
        return f"capacity-lever-threshold-{lever.segment}"
    if lever.kind == "service_level":
        return f"capacity-lever-service-{lever.segment}"
    if lever.kind == "automation":
        return f"capacity-lever-automation-{lever.segment}-{lever.touchpoint}"
    if lever.kind == "offset":
        return f"capacity-lever-offset-{lever.segment}-{lever.touchpoint}"
    return f"capacity-lever-frequency-{lever.segment}-{lever.touchpoint}"


#: Each slider's label on a line of its own above the track, and a readout as wide as its text:
#: ipywidgets caps a readout at a few dozen pixels and cuts a label with an ellipsis, which in a
#: narrow notebook (JupyterLab with its file browser open) left "66" of 66.67% and "$1" of $150,000.
_LEVER_STYLE = """<style>
.capacity-workbook .capacity-lever { flex-wrap: wrap; height: auto; }
.capacity-workbook .capacity-lever > .widget-label {
  flex: 0 0 100%; width: auto !important; max-width: none; margin: 0;
  text-align: left; white-space: normal; overflow: visible;
}
.capacity-workbook .capacity-lever > .slider-container { flex: 1 1 auto; min-width: 120px; }
.capacity-workbook .capacity-lever > .widget-readout {
  flex: 0 0 auto; min-width: 7em; max-width: none; overflow: visible; text-align: right;
}
</style>"""


def _finite_or_none(values: np.ndarray) -> list:
    return [float(v) if math.isfinite(v) else None for v in values]


class Workbook(widgets.VBox):
    """The what-if workbook: sliders, a summary sentence, three charts and a table.

    Built by :func:`build_workbook`. Attributes a test (or a curious user) can reach:
    ``bench`` (the :class:`~capacity.analysis.whatif.Workbench`), ``levers`` and ``plan`` (current), ``sliders``
    (lever -> slider), ``segment_picker``, ``reset_button``, ``summary`` (HTML widget with
    class ``capacity-summary``), ``table``, ``note``, and the figures
    ``portfolio_figure``, ``cost_figure``, ``book_figure``, ``calendar_figure`` (today's book month by
    month, with the busiest month marked, when the scenario dates some work) (plotly FigureWidgets whose
    traces are updated in place, never replaced).
    """

    def __init__(self, bench: Workbench):
        super().__init__()
        self.bench = bench
        self.levers = bench.base
        self.plan = bench.base_plan
        scenario = bench.scenario
        self.segment = scenario.segments[0].name
        split = bench.knob("time_split")
        self.cost_lever = split  # the lever the cost curve runs along: the last one moved
        self.portfolio_lever = split  # the last split or frequency lever moved
        self._holding = False

        self.sliders: dict[Knob, widgets.Widget] = {}
        self.frequency_boxes: dict[str, widgets.VBox] = {}
        for seg in scenario.segments:
            self.frequency_boxes[seg.name] = widgets.VBox(
                [self._slider(lever) for lever in (*bench.frequency_levers(seg.name), *bench.timing_levers(seg.name))]
            )
        self.segment_picker = widgets.Dropdown(
            options=list(bench.names), value=self.segment, description="Segment",
            style={"description_width": "90px"},
        )
        self.segment_picker.observe(self._picked, names="value")
        self.frequency_area = widgets.VBox([self.frequency_boxes[self.segment]])
        split = self._slider(bench.knob("time_split"))
        cost = self._slider(bench.knob("cost"))
        thresholds = [self._slider(lever) for lever in reversed(bench.threshold_levers())]
        service = [self._slider(lever) for lever in bench.knobs if lever.kind == "service_level"]
        automation = [self._slider(lever) for lever in bench.knobs if lever.kind == "automation"]
        self.reset_button = widgets.Button(description="Reset to scenario", icon="undo", layout=widgets.Layout(width="180px"))
        self.reset_button.add_class("capacity-reset")
        self.reset_button.on_click(lambda _button: self.reset())
        self.note = widgets.HTML("")
        self.note.add_class("capacity-note")
        self.summary = widgets.HTML("")
        self.summary.add_class("capacity-summary")
        self.table = widgets.HTML("")
        self.table.add_class("capacity-table")

        self.portfolio_figure = self._portfolio_figure()
        self.cost_figure = self._cost_figure()
        self.book_figure = self._book_figure() if bench.has_book else None
        self.calendar_figure = self._calendar_figure() if bench.has_calendar else None

        def heading(text: str) -> widgets.HTML:
            return widgets.HTML(f"<b>{html.escape(text)}</b>")

        controls = [
            heading("Touchpoints of a segment"), self.segment_picker, self.frequency_area,
            heading("Time split and cost"), split, cost,
        ]
        if thresholds:
            controls += [heading("Segment thresholds (ARR)"), *thresholds]
        if service:
            controls += [heading("Inbound service levels (pooled queues)"), *service]
        if automation:
            controls += [heading("Hire or automate (share software takes over; 0: not adopted)"), *automation]
        controls += [self.reset_button, self.note]
        if bench.can_simulate:
            controls += [self._fan_button()]
        left = widgets.VBox(controls, layout=widgets.Layout(width="480px", min_width="420px"))
        charts = widgets.VBox(
            [_boxed(self.portfolio_figure, "capacity-chart-portfolio"), _boxed(self.cost_figure, "capacity-chart-cost")]
        )
        lower = [self.table]
        if self.book_figure is not None:
            lower = [_boxed(self.book_figure, "capacity-chart-book"), self.table]
        if self.calendar_figure is not None:
            lower = [_boxed(self.calendar_figure, "capacity-chart-calendar"), *lower]
        self.children = [widgets.HTML(_LEVER_STYLE), self.summary, widgets.HBox([left, charts]), *lower]
        self.children = [*self.children, self._options_area()]
        self.add_class("capacity-workbook")
        self.refresh(book=True)

    def _repr_mimebundle_(self, **kwargs):
        # plotly copies a FigureWidget's traces and layout into the widget state it syncs only
        # when the figure itself is displayed; nested in this box it is not, so a front-end that
        # reads the state after the cell ran (Voila, a reloaded page) would draw empty charts.
        # The app serves plotly's widget module at one URL: each figure would otherwise carry the
        # 5 MB module in its state and the page compile it once per figure, and a figure whose
        # module is not loaded within anywidget's 2 s drops every later update.
        module_url = os.environ.get("CAPACITY_PLOTLY_ESM_URL")
        for figure in (self.portfolio_figure, self.cost_figure, self.book_figure, self.calendar_figure):
            if figure is not None:
                if module_url:
                    figure._esm = module_url
                figure._repr_mimebundle_()
        return super()._repr_mimebundle_(**kwargs)

    # -- building ----------------------------------------------------------------------

    def _slider(self, lever: Knob) -> widgets.SelectionSlider:
        bench = self.bench
        slider = widgets.SelectionSlider(
            options=bench.slider_options(lever), value=bench.base.value(lever), description=bench.label(lever),
            continuous_update=True, style={"description_width": "initial"}, layout=widgets.Layout(width="100%"),
        )
        slider.add_class("capacity-lever")
        slider.add_class(lever_css_class(bench, lever))
        slider.observe(lambda change, lever=lever: self._moved(lever, change["new"]), names="value")
        self.sliders[lever] = slider
        return slider

    def _portfolio_figure(self) -> go.FigureWidget:
        fig = go.FigureWidget()
        for i, name in enumerate(self.bench.names):
            fig.add_scatter(x=[], y=[], mode="lines", name=name, line={"color": _COLOURS[i % len(_COLOURS)]})
        fig.add_scatter(x=[], y=[], mode="markers", name="now", marker={"color": "black", "size": 9}, showlegend=False)
        fig.update_layout(
            title="Customers per CSM", height=330, width=640, margin={"l": 60, "r": 20, "t": 50, "b": 50},
            yaxis={"type": "log", "title": {"text": "customers per CSM (log)"}},
        )
        return fig

    def _cost_figure(self) -> go.FigureWidget:
        fig = go.FigureWidget(make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08))
        fig.add_scatter(x=[], y=[], mode="lines", line_shape="hv", name="bottom-up CSMs",
                        line={"color": "#636EFA"}, row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="markers", name="now", marker={"color": "black", "size": 9},
                        showlegend=False, row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="lines", line_shape="hv", name="cost a year",
                        line={"color": "#EF553B"}, row=2, col=1)
        fig.add_scatter(x=[], y=[], mode="markers", name="now", marker={"color": "black", "size": 9},
                        showlegend=False, row=2, col=1)
        for i, guide in enumerate(self.plan.top_down):
            dash = _GUIDE_DASH[i % len(_GUIDE_DASH)]
            label = f"{money_short(guide.arr_per_csm, self.plan.currency)} ARR per CSM"
            fig.add_scatter(x=[], y=[], mode="lines", name=label, line={"color": "grey", "dash": dash},
                            legendgroup=label, row=1, col=1)
            fig.add_scatter(x=[], y=[], mode="lines", name=label, line={"color": "grey", "dash": dash},
                            legendgroup=label, showlegend=False, row=2, col=1)
        fig.update_layout(title="Team size and cost", height=420, width=640,
                          margin={"l": 60, "r": 20, "t": 50, "b": 50})
        fig.update_yaxes(title_text="CSMs", row=1, col=1)
        fig.update_yaxes(title_text="cost a year", tickprefix=currency_symbol(self.bench.scenario.currency), row=2, col=1)
        return fig

    def _book_figure(self) -> go.FigureWidget:
        bench = self.bench
        hist = bench.histogram(self.levers)
        centers = hist.centers_log10
        low = np.log10(np.maximum(hist.lower, hist.upper / 10 ** (1 / BINS_PER_DECADE)))
        widths = np.log10(hist.upper) - low
        fig = go.FigureWidget()
        for i, name in enumerate(bench.names):
            fig.add_bar(x=centers, y=hist.counts[i], width=widths, name=name,
                        marker={"color": _COLOURS[i % len(_COLOURS)], "line": {"width": 0}})
        for lever in bench.threshold_levers():
            fig.add_scatter(x=[], y=[], mode="lines", name=f"{lever.segment} threshold", showlegend=False,
                            line={"color": "black", "dash": "dash", "width": 1})
        decades = np.arange(math.floor(low[0]), math.ceil(np.log10(hist.upper[-1])) + 1)
        fig.update_layout(
            title="The book by ARR: accounts per band, coloured by segment", barmode="stack", bargap=0,
            height=330, width=1120, margin={"l": 60, "r": 20, "t": 50, "b": 50},
            xaxis={"title": {"text": "ARR (log scale; the first band includes accounts below it)"},
                   "tickvals": decades.tolist(),
                   "ticktext": [money_short(10.0 ** d, bench.scenario.currency) for d in decades]},
            yaxis={"title": {"text": "accounts"}},
        )
        return fig

    def _calendar_figure(self) -> go.FigureWidget:
        fig = go.FigureWidget()
        for i, name in enumerate(self.bench.names):
            fig.add_bar(x=[], y=[], name=name, marker={"color": _COLOURS[i % len(_COLOURS)], "line": {"width": 0}})
        fig.add_scatter(x=[], y=[], mode="lines", name="the average month", line={"color": "black", "dash": "dot"})
        fig.add_scatter(x=[], y=[], mode="lines", name="the plan's CSMs' customer hours",
                        line={"color": "grey", "dash": "dash"})
        fig.add_scatter(x=[], y=[], mode="markers+text", name="busiest month", textposition="top center",
                        marker={"color": "black", "size": 10, "symbol": "triangle-down"}, showlegend=False)
        fig.update_layout(title="When the work lands", barmode="stack", height=360, width=1120,
                          margin={"l": 60, "r": 20, "t": 50, "b": 50},
                          xaxis={"type": "category", "title": {"text": "month (today's book, the plan's hours)"}},
                          yaxis={"title": {"text": "customer hours in the month"}})
        return fig

    def _draw_calendar(self) -> None:
        """Today's book month by month under the sliders, the average month, the plan's CSMs' hours and the peak."""
        fig = self.calendar_figure
        cal = self.bench.calendar(self.levers)
        months = list(cal.months)
        n = len(self.bench.names)
        peak = cal.peak()
        average = float(sum(cal.hours_per_month))
        capacity = self.bench.calendar_capacity(self.plan)
        with fig.batch_update():
            for i in range(n):
                fig.data[i].x, fig.data[i].y = months, list(cal.hours[i])
            fig.data[n].x, fig.data[n].y = months, [average] * len(months)
            fig.data[n + 1].x, fig.data[n + 1].y = months, [capacity] * len(months)
            fig.data[n + 2].x, fig.data[n + 2].y = [peak.month], [peak.hours]
            fig.data[n + 2].text = [f"{peak.month}: {peak.share_above:+.0%}"]
            fig.layout.title.text = (f"When the work lands: the busiest month is {peak.month}, "
                                     f"{peak.share_above:.0%} above the average month")

    # -- reacting ------------------------------------------------------------------------

    def _picked(self, change) -> None:
        self.segment = change["new"]
        self.frequency_area.children = [self.frequency_boxes[self.segment]]
        self.summary.value = self._summary_html()

    def _moved(self, lever: Knob, value: float) -> None:
        if self._holding:
            return
        bench = self.bench
        note = ""
        if lever.kind == "threshold":
            kept = bench.clamp_threshold(lever, value, self.levers)
            if kept != value:
                cur = bench.scenario.currency
                low, high = bench.slider_range(lever, self.levers)
                note = (f"{bench.names[lever.segment]}'s threshold stays between its neighbours "
                        f"({money_short(low, cur)} to {money_short(high, cur)}); held at {money_short(kept, cur)}.")
                self._set_quietly(self.sliders[lever], kept)
                value = kept
        self.note.value = html.escape(note)
        self.levers = self.levers.with_value(lever, value)
        if KINDS[lever.kind].sizes_team:  # a date moves the calendar, not the team: the curves stay where they are
            self.cost_lever = lever
        if lever.kind in ("time_split", "frequency", "automation"):
            self.portfolio_lever = lever
        self.refresh(book=lever.kind == "threshold")

    def _set_quietly(self, slider: widgets.Widget, value: float) -> None:
        self._holding = True
        try:
            slider.value = value
        finally:
            self._holding = False

    def reset(self) -> None:
        """Every slider back to the scenario's value; the charts follow."""
        self._holding = True
        try:
            for lever, slider in self.sliders.items():
                slider.value = self.bench.base.value(lever)
        finally:
            self._holding = False
        self.levers = self.bench.base
        self.cost_lever = self.portfolio_lever = self.bench.knob("time_split")
        self.note.value = ""
        self.refresh(book=True)

    def _summary_html(self) -> str:
        return f"<span style='font-size:1.25em;font-weight:600'>{html.escape(self.summary_text)}</span>"

    @property
    def summary_text(self) -> str:
        """The summary sentence of the current plan."""
        return summary_sentence(self.plan, self.segment)

    def refresh(self, book: bool = False) -> None:
        """Recompute the plan and update every chart's traces in place (no I/O)."""
        bench = self.bench
        self.plan = bench.recompute(self.levers)
        self.summary.value = self._summary_html()
        self.table.value = segment_table_html(self.plan)
        cost_curve = bench.curve(self.cost_lever, self.levers)
        portfolio_curve = (
            cost_curve if self.portfolio_lever == self.cost_lever else bench.curve(self.portfolio_lever, self.levers)
        )
        self._draw_portfolio(portfolio_curve)
        self._draw_cost(cost_curve)
        if book and self.book_figure is not None:
            self._draw_book()
        if self.calendar_figure is not None:
            self._draw_calendar()

    def _axis_style(self, lever: Knob) -> dict:
        style = {"title": {"text": self.bench.label(lever)}, "type": "linear", "tickformat": "", "tickprefix": ""}
        symbol = currency_symbol(self.bench.scenario.currency)
        if lever.kind in ("time_split", "service_level", "automation"):
            style["tickformat"] = ".0%"
        elif lever.kind == "threshold":
            style.update(type="log", tickprefix=symbol)
        elif lever.kind == "cost":
            style["tickprefix"] = symbol
        return style

    def _draw_portfolio(self, curve: Curve) -> None:
        fig = self.portfolio_figure
        now = self.levers.value(curve.lever)
        x = curve.values.tolist()
        with fig.batch_update():
            for i in range(len(self.bench.names)):
                fig.data[i].x = x
                fig.data[i].y = _finite_or_none(curve.customers_per_csm[i])
            fig.data[-1].x = [now] * len(self.plan.segments)
            fig.data[-1].y = _finite_or_none(np.array([s.customers_per_csm for s in self.plan.segments]))
            fig.layout.xaxis.update(self._axis_style(curve.lever))
            fig.layout.title.text = f"Customers per CSM as {self.bench.label(curve.lever).lower()} changes"

    def _draw_cost(self, curve: Curve) -> None:
        fig = self.cost_figure
        now = self.levers.value(curve.lever)
        x = curve.values.tolist()
        ends = [x[0], x[-1]]
        style = self._axis_style(curve.lever)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = x, curve.headcount.tolist()
            fig.data[1].x, fig.data[1].y = [now], [self.plan.totals.headcount]
            # What CS costs: the CSMs and any adopted tooling (an automation slider trades one for the other).
            fig.data[2].x, fig.data[2].y = x, curve.cost_with_tooling_per_year.tolist()
            fig.data[3].x, fig.data[3].y = [now], [self.plan.totals.cost_with_tooling_per_year]
            for i, guide in enumerate(self.plan.top_down):
                fig.data[4 + 2 * i].x, fig.data[4 + 2 * i].y = ends, [guide.headcount] * 2
                fig.data[5 + 2 * i].x, fig.data[5 + 2 * i].y = ends, [guide.cost_per_year] * 2
            fig.layout.xaxis2.update(style)
            fig.layout.xaxis.update(type=style["type"])
            fig.layout.title.text = f"Team size and cost across {self.bench.label(curve.lever).lower()}"

    def _draw_book(self) -> None:
        fig = self.book_figure
        hist = self.bench.histogram(self.levers)
        top = float(hist.counts.sum(axis=0).max()) if hist.counts.size else 1.0
        with fig.batch_update():
            for i in range(len(self.bench.names)):
                fig.data[i].y = hist.counts[i].tolist()
            for j, lever in enumerate(self.bench.threshold_levers()):
                at = math.log10(self.levers.value(lever))
                trace = fig.data[len(self.bench.names) + j]
                trace.x, trace.y = [at, at], [0, top]

    # -- the fiscal year as a range, on demand ------------------------------------------

    def _fan_button(self) -> widgets.Button:
        self.fan_figure = None
        self.fan_button = widgets.Button(description="Show the year's range", icon="area-chart",
                                         layout=widgets.Layout(width="220px"))
        self.fan_button.add_class("capacity-fan")
        self.fan_button.on_click(lambda _button: self.show_fan())
        self.fan_area = widgets.VBox([])
        return widgets.VBox([self.fan_button, self.fan_area])

    def show_fan(self) -> None:
        """Simulate the fiscal year under the sliders and draw demand as a fan (P10 to P90, P50) against the
        plan's ramped capacity: seconds of work, so only when asked."""
        sim = self.bench.fiscal_range(self.levers)
        months = [m.month for m in sim.months]
        fig = go.FigureWidget()
        fig.add_scatter(x=months, y=[m.demand_fte.p90 for m in sim.months], mode="lines", name="Demand P90",
                        line={"color": PALETTE[1], "width": 0}, showlegend=False)
        fig.add_scatter(x=months, y=[m.demand_fte.p10 for m in sim.months], mode="lines", name="Demand, P10 to P90",
                        fill="tonexty", line={"color": PALETTE[1], "width": 0})
        fig.add_scatter(x=months, y=[m.demand_fte.p50 for m in sim.months], mode="lines", name="Demand P50",
                        line={"color": PALETTE[1], "width": 3})
        fig.add_scatter(x=months, y=[m.ramped_capacity_fte.p50 for m in sim.months], mode="lines",
                        name="Ramped capacity P50", line={"color": PALETTE[0], "width": 3})
        fig.update_layout(title=f"The fiscal year in {sim.draws:,} simulated years (demand, FTE)", height=330,
                          width=640, margin={"l": 60, "r": 20, "t": 50, "b": 50})
        self.fan_figure, self.fan_simulation = fig, sim
        self.fan_area.children = [_boxed(fig, "capacity-chart-fan")]

    # -- options: pins and a cap ---------------------------------------------------------

    def _options_area(self) -> widgets.VBox:
        """"Pin as option" keeps the sliders' state as a named column beside the baseline; a cap field
        shows the best package of the scenario's trade-off menu for that cap (:mod:`capacity.analysis.fit`)."""
        from capacity.analysis.options import PinBoard

        self.pins = PinBoard(self.bench.base_plan)
        self.pin_name = widgets.Text(placeholder="name of the option", description="Option",
                                     style={"description_width": "60px"}, layout=widgets.Layout(width="300px"))
        self.pin_button = widgets.Button(description="Pin as option", icon="thumb-tack", layout=widgets.Layout(width="160px"))
        self.pin_button.add_class("capacity-pin")
        self.pin_button.on_click(lambda _button: self.pin())
        self.clear_pins_button = widgets.Button(description="Clear pins", icon="times", layout=widgets.Layout(width="130px"))
        self.clear_pins_button.add_class("capacity-clear-pins")
        self.clear_pins_button.on_click(lambda _button: self.clear_pins())
        self.pins_table = widgets.HTML("")
        self.pins_table.add_class("capacity-pins")
        self.cap_field = widgets.BoundedIntText(value=0, min=0, max=1_000_000, description="Headcount cap",
                                                style={"description_width": "100px"}, layout=widgets.Layout(width="220px"))
        self.cap_field.add_class("capacity-cap")
        self.cap_field.observe(lambda change: self.show_cap(change["new"]), names="value")
        self.cap_result = widgets.HTML("<i>Give the CSMs the CFO allows to see what to trade off.</i>")
        self.cap_result.add_class("capacity-cap-result")
        self._draw_pins()
        return widgets.VBox([
            widgets.HTML("<b>Options side by side</b>"),
            widgets.HBox([self.pin_name, self.pin_button, self.clear_pins_button]), self.pins_table,
            widgets.HTML("<b>What a capped team can still deliver</b> (from the scenario's trade-off menu)"),
            self.cap_field, self.cap_result,
        ])

    def pin(self, name: str | None = None) -> None:
        """Keep the sliders' current plan as a named option beside the baseline."""
        changes = self.levers.changes()
        self.pins = self.pins.pin(self.plan, changes, name if name is not None else self.pin_name.value)
        self.pin_name.value = ""
        self._draw_pins()

    def clear_pins(self) -> None:
        """Remove every pinned option."""
        self.pins = self.pins.cleared()
        self._draw_pins()

    def show_cap(self, headcount: int) -> None:
        """The best package of the menu for a cap of ``headcount`` CSMs (nothing for 0)."""
        from capacity.exceptions import CapacityError
        from capacity.analysis.fit import fit

        if not headcount:
            self.cap_result.value = "<i>Give the CSMs the CFO allows to see what to trade off.</i>"
            return
        try:
            result = fit(self.bench.context, headcount=int(headcount))
        except CapacityError as exc:
            self.cap_result.value = f"<span class='capacity-cap-error'>{html.escape(exc.message)}</span>"
            return
        self.cap_fit = result
        items = "".join(f"<li>{html.escape(line)}</li>" for line in result.sentences())
        self.cap_result.value = f"<ul>{items}</ul>"

    def _draw_pins(self) -> None:
        comparison = self.pins.comparison()
        cur = self.bench.scenario.currency
        variants = comparison.variants
        head = "".join(f"<th>{html.escape(v.name)}</th>" for v in variants)
        base = comparison.baseline.plan.totals

        def cells(values) -> str:
            return "".join(f"<td>{html.escape(v)}</td>" for v in values)

        def change(value: float, base_value: float, text) -> str:
            return "" if value == base_value else f" ({'+' if value > base_value else '-'}{text(abs(value - base_value))})"

        rows = [
            ("CSMs", [f"{v.plan.totals.headcount:,}{change(v.plan.totals.headcount, base.headcount, lambda d: f'{d:,}')}"
                      for v in variants]),
            ("Cost a year", [f"{money_short(v.plan.totals.cost_per_year, cur)}"
                             f"{change(v.plan.totals.cost_per_year, base.cost_per_year, lambda d: money_short(d, cur))}"
                             for v in variants]),
            ("Cost % of ARR", [percent(v.plan.totals.cost_pct_arr) for v in variants]),
        ]
        if any(v.plan.totals.tooling_cost_per_year for v in variants):  # an automation slider was moved
            rows.append(("Tooling a year", [money_short(v.plan.totals.tooling_cost_per_year, cur) for v in variants]))
        for name in comparison.segment_names:
            rows.append((f"{name}: customers per CSM",
                         [_customers_per_csm_text(s.customers_per_csm).removesuffix(" customers per CSM")
                          if (s := next((x for x in v.plan.segments if x.name == name), None)) else "" for v in variants]))
        body = "".join(f"<tr><th>{html.escape(label)}</th>{cells(values)}</tr>" for label, values in rows)
        self.pins_table.value = f"<table class='capacity-table'><tr><th></th>{head}</tr>{body}</table>"


def _boxed(widget: widgets.Widget, css_class: str) -> widgets.Box:
    box = widgets.Box([widget])
    box.add_class(css_class)
    return box


def build_workbook(scenario: Scenario | Context, book: Book | None = None) -> Workbook:
    """The what-if workbook for a scenario (and book): display it in a notebook.

    Everything that does not depend on a slider is computed here, once.
    """
    return Workbook(Workbench(scenario, book))


def open_workbook(scenario_path: str | os.PathLike[str] | None = None,
                  book_path: str | os.PathLike[str] | None = None) -> Workbook:
    """Read the scenario (and book) wherever the notebook runs, and build the workbook.

    A relative path is relative to the current folder (see
    :func:`capacity.analysis.whatif.resolve_path`); without a scenario, the sample shipped with the
    package (:data:`capacity.sample.SCENARIO`). ``book_path`` overrides the scenario's ``book``.
    """
    scenario = sample.SCENARIO if scenario_path is None else resolve_path(scenario_path, "scenario")
    context = load_context(scenario, resolve_path(book_path, "book") if book_path else None)
    return build_workbook(context)
