"""The app's start page: the sample's what-if, or an export uploaded, its columns, tiers and touchpoints edited.

``capacity app`` without a scenario serves ``notebooks/start.ipynb``, which displays a :class:`StartPage`
(:func:`capacity.apps.session.open_start_page`). The page draws and forwards; a session does the work
(:class:`capacity.apps.session.Session`: the upload, the recognition, the edits, the files) and every number
shown comes from it: the plan (:func:`capacity.model.plan` of the scenario the download saves), the summary
sentence (:func:`~capacity.analysis.whatif.summary_sentence`), the book chart
(:meth:`~capacity.analysis.whatif.Workbench.histogram`), the report's workload and top-down charts
(:func:`~capacity.views.charts.plan_workload`, :func:`~capacity.views.charts.plan_top_down`) and the plan as
``capacity plan`` prints it (:func:`~capacity.views.text.render_plan`).

After an upload the page shows

- the columns: a dropdown per column capacity reads, set to the header recognised (or "not read"); a
  recognition refused (two ARR columns, say) shows the one-line error and the same dropdowns to settle it;
- the tiers: name, threshold, coverage and new-customer rate, with add and remove;
- each tier's touchpoints as an editable table: name, kind, minutes, how often (a month or a year), with add
  and remove;
- download buttons for the scenario, the budget report and the live Excel model;
- the plan: the sentence (kept in sight at the top while the page scrolls), the table per segment, three charts,
  and the plan's text.

Every edit goes to the session; the plan, the sentence and the charts follow (charts updated in place). An edit
the scenario refuses shows the error's line and puts the field back. A session is anything with the methods
this module calls (see :class:`capacity.apps.session.Session`); the page imports nothing from the apps.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from capacity.analysis.whatif import BINS_PER_DECADE, summary_sentence
from capacity.exceptions import CapacityError
from capacity.formatting import money_short
from capacity.inputs.book_columns import BOOK_COLUMNS, REQUIRED_COLUMNS
from capacity.inputs.scenario import COVERAGES
from capacity.views.charts import plan_top_down, plan_workload
from capacity.views.file_widgets import DownloadButton, FilePicker
from capacity.views.text import render_plan
from capacity.views.widgets import PALETTE, segment_table_html

__all__ = ["StartPage", "COLUMN_LABELS", "NOT_READ", "RECOGNISE"]

#: What each column capacity reads is called on the page.
COLUMN_LABELS = {
    "account_id": "Account id", "arr": "ARR (a year)", "name": "Account name", "vertical": "Vertical (industry)",
    "renewal_date": "Renewal date", "csm": "CSM (owner)", "health": "Health", "workload_multiplier": "Workload multiplier",
    "locked": "Locked (do not move)", "parent_account_id": "Parent account id", "currency": "Currency of the amount",
}
#: A column's dropdown choice: let capacity recognise the column (no mapping of the person's).
RECOGNISE = None
#: A column's dropdown choice: leave an optional column unread.
NOT_READ = ""
_KIND_LABELS = {"recurring": "recurring", "one_time": "one-time (new customers)", "inbound": "inbound",
                "program": "program (one-to-many)"}
_UNIT_LABELS = {"per_month": "a month", "per_year": "a year"}

_STYLE = """<style>
.capacity-start .capacity-error { color: #b91c1c; font-family: monospace; white-space: pre-wrap; }
.capacity-start .capacity-status { color: #374151; }
.capacity-start .capacity-muted { color: #6b7280; font-size: 0.9em; }
.capacity-start .capacity-tier { border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.capacity-start .capacity-grid-head { font-weight: 600; color: #374151; }
.capacity-start pre.capacity-plan-text { font-size: 12px; line-height: 1.35; overflow-x: auto; }
.capacity-start .capacity-sticky { position: sticky; top: 0; z-index: 5; background: white;
  border-bottom: 1px solid #e5e7eb; padding: 4px 0; }
.capacity-start .capacity-section { font-size: 1.15em; font-weight: 600; margin-top: 14px; }
</style>"""


def _html(text: str, css: str | None = None) -> widgets.HTML:
    out = widgets.HTML(text)
    if css:
        out.add_class(css)
    return out


def _classed(widget: widgets.Widget, *classes: str) -> widgets.Widget:
    for css in classes:
        widget.add_class(css)
    return widget


class StartPage(widgets.VBox):
    """The start page of a session.

    Attributes a test can reach: ``session``; ``message`` (the status or error line, class ``capacity-message``);
    ``sample_button``; ``picker`` (the upload); ``column_pickers`` (column -> dropdown); ``currency``; ``tiers``
    (per tier a dict of its widgets: ``name``, ``min_arr``, ``coverage``, ``rate``, ``remove``, ``add_touchpoint``
    and ``touchpoints``, a list of dicts ``name``, ``kind``, ``minutes``, ``frequency``, ``unit``, ``remove``);
    ``add_tier_button``; ``downloads`` (``scenario``, ``report``, ``model``); ``summary``, ``table``, ``plan_text``;
    ``figures`` (``book``, ``workload``, ``top_down``: plotly FigureWidgets, None before the first plan);
    ``workbook`` (the sample's what-if, once chosen).
    """

    def __init__(self, session):
        super().__init__()
        self.session = session
        self._quiet = False
        self._shape: tuple | None = None
        self.workbook = None
        self.message = _html("", "capacity-message")
        self.sample_button = _classed(widgets.Button(description="Use the sample", icon="play",
                                                     layout=widgets.Layout(width="170px")), "capacity-use-sample")
        self.sample_button.on_click(lambda _button: self.use_sample())
        limit = session.upload_limit_mb
        self.picker = _classed(FilePicker(f"Upload an export (CSV or .xlsx, up to {limit} MB)",
                                          accept=",".join(session.export_types),
                                          limit_bytes=session.upload_limit_bytes, on_file=self.receive,
                                          on_too_large=self.refuse_too_large, on_sending=self._sending),
                               "capacity-upload")

        # The export: its columns, tiers, downloads and plan (shown once an upload's header is read).
        self.export_title = _html("")
        self.column_pickers: dict[str, widgets.Dropdown] = {}
        self.column_grid = widgets.GridBox(layout=widgets.Layout(grid_template_columns="180px 260px auto",
                                                                 grid_gap="2px 10px"))
        self.column_notes = _html("", "capacity-column-notes")
        self.currency = _classed(widgets.Text(value=session.currency, description="Currency",
                                              continuous_update=False, layout=widgets.Layout(width="180px")),
                                 "capacity-currency")
        self.currency.observe(self._currency_changed, names="value")
        self.fx_rates = _classed(widgets.Text(value="", description="Exchange rates", continuous_update=False,
                                              placeholder="EUR=1.08, GBP=1.27",
                                              layout=widgets.Layout(width="360px"),
                                              style={"description_width": "110px"}), "capacity-fx-rates")
        self.fx_rates.observe(self._fx_rates_changed, names="value")
        self.sheet = _classed(widgets.Dropdown(options=[("(the one capacity finds)", None)], value=None,
                                               description="Sheet", layout=widgets.Layout(width="360px")),
                              "capacity-sheet")
        self.sheet.observe(self._sheet_changed, names="value")
        self.columns_box = widgets.VBox([
            _html("<div class='capacity-section'>Columns</div><div class='capacity-muted'>Which column of the "
                  "export is which. Change one and the export is read again (and its tiers proposed again).</div>"),
            self.sheet, self.column_grid, self.column_notes,
            widgets.HBox([self.currency, self.fx_rates]),
            _html("<div class='capacity-muted'>The currency of the amounts and of the plan. With a currency column "
                  "in the export, rows in other currencies are converted at the exchange rates given (units of "
                  "the currency per unit of each), or refused without them.</div>"),
        ])
        self.tiers: list[dict] = []
        self.tiers_area = widgets.VBox([])
        self.add_tier_button = _classed(widgets.Button(description="Add a tier", icon="plus",
                                                       layout=widgets.Layout(width="140px")), "capacity-add-tier")
        self.add_tier_button.on_click(lambda _button: self._apply(self.session.add_tier))
        self.tiers_box = widgets.VBox([
            _html("<div class='capacity-section'>Tiers and touchpoints</div><div class='capacity-muted'>Tiers by "
                  "ARR, highest first: an account belongs to the first tier whose threshold it reaches. "
                  "Minutes are per occurrence; how often is per customer (one-time: per new customer; "
                  "program: per tier). A removed tier's accounts join the tier below.</div>"),
            self.tiers_area, self.add_tier_button,
        ])
        self.downloads = {
            "scenario": DownloadButton("Scenario (YAML)", self.session.scenario_file, on_error=self._error,
                                       mime="application/x-yaml", busy_description="Writing the scenario..."),
            "report": DownloadButton("Budget report (HTML)", self.session.report_file, on_error=self._error,
                                     mime="text/html", busy_description="Rendering the report (about 20 s)..."),
            "model": DownloadButton("Excel model (.xlsx)", self.session.model_file, on_error=self._error,
                                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                    busy_description="Writing the model..."),
        }
        for key, button in self.downloads.items():
            button.add_class(f"capacity-download-{key}")
        self.downloads_box = widgets.VBox([
            _html("<div class='capacity-section'>Take it with you</div><div class='capacity-muted'>The scenario "
                  "loads in the command line (keep it beside the export: <code>capacity plan</code> on it gives "
                  "this plan); the report is the budget report as <code>capacity report</code> renders it; the "
                  "model is the plan as Excel formulas.</div>"),
            widgets.HBox(list(self.downloads.values())),
        ])
        self.summary = _html("", "capacity-summary")
        self.table = _html("", "capacity-table")
        self.plan_text = _html("", "capacity-plan")
        self.figures: dict[str, go.FigureWidget | None] = {"book": None, "workload": None, "top_down": None}
        self.charts_box = widgets.VBox([])
        # The sentence stays in sight while the person scrolls through the tiers (sticky at the top).
        self.summary_bar = _classed(widgets.VBox([self.summary]), "capacity-sticky")
        self.plan_box = widgets.VBox([
            _html("<div class='capacity-section'>The plan</div>"), self.table, self.charts_box,
            self.plan_text,
        ])
        self.export_area = widgets.VBox([self.export_title, self.summary_bar, self.columns_box, self.tiers_box,
                                         self.downloads_box, self.plan_box])
        self.sample_area = widgets.VBox([])
        self.children = [
            _html(_STYLE),
            widgets.HBox([self.sample_button, self.picker], layout=widgets.Layout(grid_gap="12px")),
            self.message, self.export_area, self.sample_area,
        ]
        self.add_class("capacity-start")
        self.draw()

    def _repr_mimebundle_(self, **kwargs):
        for figure in self.figures.values():
            if figure is not None:
                _sync(figure)
        return super()._repr_mimebundle_(**kwargs)

    # -- messages ----------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A status line (not an error)."""
        self.message.value = f"<span class='capacity-status'>{html.escape(text)}</span>" if text else ""

    def _error(self, exc: CapacityError) -> None:
        self.message.value = f"<div class='capacity-error'>{html.escape(self.session.line(exc))}</div>"

    @property
    def message_text(self) -> str:
        """The message line as the page shows it (no markup)."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.message.value))

    # -- choosing ----------------------------------------------------------------------

    def use_sample(self) -> None:
        """Show the sample's what-if workbook (built once)."""
        from capacity.views.widgets import open_workbook

        self.say("")
        if self.workbook is None:
            self.workbook = open_workbook()
            self.workbook._repr_mimebundle_()  # its charts' state, synced as when the what-if notebook shows it
            self.sample_area.children = [
                _html("<div class='capacity-section'>The sample company's what-if</div>"), self.workbook]
        _show(self.export_area, False)
        _show(self.sample_area, True)

    def _sending(self, name: str, size: int) -> None:
        self.say(f"Receiving {name} ({size / 1024 / 1024:,.1f} MB)...")

    def refuse_too_large(self, name: str, size: int) -> None:
        """An upload over the limit: the page says so (the browser sent nothing)."""
        self._error(self.session.too_large(name, size))

    def receive(self, name: str, content: bytes) -> None:
        """An uploaded export: read, recognised and planned, or the error's line with what could be read."""
        _show(self.sample_area, False)
        try:
            self.session.upload(name, content)
        except CapacityError as exc:
            self._error(exc)
        else:
            self.say("")
        self._shape = None
        self._build_column_pickers()
        self.draw()

    # -- drawing -----------------------------------------------------------------------

    def draw(self) -> None:
        """Everything from the session's state: the columns, the tiers, the plan."""
        session = self.session
        _show(self.export_area, bool(session.header))
        if not session.header:
            return
        start = session.start
        label = html.escape(session.export.name) if session.export is not None else ""
        if start is not None:
            book = start.book
            self.export_title.value = (f"<div class='capacity-section'>{label}: {len(book):,} accounts, "
                                       f"{html.escape(money_short(book.total_arr, session.currency))} ARR</div>")
        else:
            self.export_title.value = f"<div class='capacity-section'>{label}</div>"
        self._sync_columns()
        for box in (self.summary_bar, self.tiers_box, self.downloads_box, self.plan_box):
            _show(box, start is not None)
        if start is None:
            return
        self._draw_tiers()
        self._draw_plan()

    def _build_column_pickers(self) -> None:
        session = self.session
        self._quiet = True
        try:
            self.sheet.options = [("(the one capacity finds)", None)] + [(name, name) for name in session.sheets]
            self.sheet.value = session.sheet
        finally:
            self._quiet = False
        _show(self.sheet, len(session.sheets) > 1)
        header = self.session.header
        for picker in self.column_pickers.values():
            picker.close()
        self.column_pickers = {}
        if not header:
            self.column_grid.children = []
            return
        cells = [_html("Column", "capacity-grid-head"), _html("Header in the export", "capacity-grid-head"),
                 _html("Where it comes from", "capacity-grid-head")]
        self._column_sources: dict[str, widgets.HTML] = {}
        for column in BOOK_COLUMNS:
            options = [("(recognise it)", RECOGNISE)]
            if column not in REQUIRED_COLUMNS:
                options.append(("not read", NOT_READ))
            options += [(h, h) for h in header]
            picker = _classed(widgets.Dropdown(options=options, value=RECOGNISE, layout=widgets.Layout(width="250px")),
                              "capacity-map", f"capacity-map-{column}")
            picker.observe(lambda change, column=column: self._remapped(column, change["new"]), names="value")
            self.column_pickers[column] = picker
            source = _html("", "capacity-muted")
            self._column_sources[column] = source
            cells += [_html(html.escape(COLUMN_LABELS.get(column, column))), picker, source]
        self.column_grid.children = cells

    def _sync_columns(self) -> None:
        session = self.session
        recognition = session.start.recognition if session.start is not None else None
        self._quiet = True
        try:
            for column, picker in self.column_pickers.items():
                found = recognition.column(column) if recognition is not None else None
                if recognition is not None:
                    value = found.header if found is not None else NOT_READ
                else:
                    value = session.overrides.get(column, RECOGNISE)
                if value not in {v for _, v in picker.options}:  # a required column is never "not read"
                    value = RECOGNISE
                picker.value = value
                if found is None:
                    where = "" if recognition is None or column in session.overrides else "no header recognised"
                elif found.mapped:
                    where = "named by you"
                else:
                    where = ", ".join(found.tools) + ("" if found.note is None else " (fallback)")
                self._column_sources[column].value = html.escape(where)
            self.currency.value = session.currency
            self.fx_rates.value = ", ".join(f"{code}={rate:g}" for code, rate in session.fx_rates.items())
        finally:
            self._quiet = False
        lines = []
        if recognition is not None:
            lines += [f"Note: {c.header!r} {c.note}." for c in recognition.columns if c.note]
            if recognition.unread:
                lines.append("Not read: " + ", ".join(repr(h) for h in recognition.unread) + ".")
        lines += [f"{note[:1].upper()}{note[1:]}." for note in session.notes]  # "set aside 7 lines after ..."
        self.column_notes.value = "".join(f"<div class='capacity-muted'>{html.escape(line)}</div>" for line in lines)

    def _remapped(self, column: str, value) -> None:
        if self._quiet:
            return
        self._apply(lambda: self.session.remap(column, value), columns_changed=True)

    def _fx_rates_changed(self, change) -> None:
        if self._quiet:
            return
        self._apply(lambda: self.session.set_fx_rates(change["new"]))

    def _sheet_changed(self, change) -> None:
        if self._quiet or change["new"] == self.session.sheet:
            return
        def read_the_sheet() -> None:
            try:
                self.session.set_sheet(change["new"])
            finally:  # another header (or the same, when the sheet is refused): its dropdowns
                self._build_column_pickers()

        self._apply(read_the_sheet, columns_changed=True)

    def _currency_changed(self, change) -> None:
        if self._quiet or change["new"] == self.session.currency:
            return
        self._apply(lambda: self.session.set_currency(change["new"]))

    # -- tiers and touchpoints ----------------------------------------------------------

    def _draw_tiers(self) -> None:
        segments = self.session.segments
        shape = tuple((s.name, len(s.touchpoints)) for s in segments)
        if shape != self._shape:
            self._build_tiers()
            self._shape = shape
        self._sync_tiers()

    def _build_tiers(self) -> None:
        for box in self.tiers_area.children:
            box.close()
        self.tiers = []
        boxes = []
        segments = self.session.segments
        for i, segment in enumerate(segments):
            lowest = i == len(segments) - 1
            w = {
                "name": _classed(widgets.Text(description="Tier", continuous_update=False,
                                              layout=widgets.Layout(width="230px"),
                                              style={"description_width": "40px"}), "capacity-tier-name"),
                "min_arr": _classed(widgets.BoundedFloatText(min=0, max=1e12, step=1000, description="from ARR",
                                                             disabled=lowest, layout=widgets.Layout(width="200px"),
                                                             style={"description_width": "70px"}),
                                    "capacity-tier-threshold"),
                "coverage": _classed(widgets.Dropdown(options=list(COVERAGES), description="coverage",
                                                      layout=widgets.Layout(width="200px"),
                                                      style={"description_width": "70px"}), "capacity-tier-coverage"),
                "rate": _classed(widgets.BoundedFloatText(min=0, max=10, step=0.05, description="new a year",
                                                          tooltip="new customers a year as a share of the tier",
                                                          layout=widgets.Layout(width="170px"),
                                                          style={"description_width": "80px"}), "capacity-tier-rate"),
                "info": _html("", "capacity-tier-info"),
                "remove": _classed(widgets.Button(description="Remove tier", icon="trash",
                                                  layout=widgets.Layout(width="130px")), "capacity-remove-tier"),
                "add_touchpoint": _classed(widgets.Button(description="Add a touchpoint", icon="plus",
                                                          layout=widgets.Layout(width="170px")),
                                           "capacity-add-touchpoint"),
                "touchpoints": [],
            }
            for key, field in (("name", "name"), ("min_arr", "min_arr"), ("coverage", "coverage"),
                               ("rate", "new_customer_rate")):
                w[key].observe(self._tier_handler(i, field), names="value")
            w["remove"].on_click(lambda _b, i=i: self._apply(lambda: self.session.remove_tier(i)))
            w["add_touchpoint"].on_click(lambda _b, i=i: self._apply(lambda: self.session.add_touchpoint(i)))
            cells = [_html(text, "capacity-grid-head") for text in
                     ("Touchpoint", "Kind", "Minutes", "How often", "", "")]
            for j, _tp in enumerate(segment.touchpoints):
                row = {
                    "name": widgets.Text(continuous_update=False, layout=widgets.Layout(width="240px")),
                    "kind": widgets.Dropdown(options=[(_KIND_LABELS[k], k) for k in self.session.kinds],
                                             layout=widgets.Layout(width="190px")),
                    "minutes": widgets.BoundedFloatText(min=0, max=100_000, step=5, layout=widgets.Layout(width="90px")),
                    "frequency": widgets.BoundedFloatText(min=0, max=1e6, step=0.25, layout=widgets.Layout(width="90px")),
                    "unit": widgets.Dropdown(options=[(_UNIT_LABELS[u], u) for u in self.session.units],
                                             layout=widgets.Layout(width="100px")),
                    "remove": widgets.Button(icon="times", tooltip="remove this touchpoint",
                                             layout=widgets.Layout(width="40px")),
                }
                for key, widget in row.items():
                    _classed(widget, f"capacity-tp-{key}", f"capacity-tp-{i}-{j}")
                for key in ("name", "kind", "minutes", "frequency", "unit"):
                    row[key].observe(self._touchpoint_handler(i, j, key), names="value")
                row["remove"].on_click(lambda _b, i=i, j=j: self._apply(lambda: self.session.remove_touchpoint(i, j)))
                w["touchpoints"].append(row)
                cells += [row[k] for k in ("name", "kind", "minutes", "frequency", "unit", "remove")]
            grid = widgets.GridBox(cells, layout=widgets.Layout(grid_template_columns="250px 200px 100px 100px 110px 50px",
                                                                grid_gap="2px 6px"))
            box = _classed(widgets.VBox([
                widgets.HBox([w["name"], w["min_arr"], w["coverage"], w["rate"], w["remove"]]),
                w["info"], grid, w["add_touchpoint"],
            ]), "capacity-tier", f"capacity-tier-{i}")
            self.tiers.append(w)
            boxes.append(box)
        self.tiers_area.children = boxes

    def _sync_tiers(self) -> None:
        session = self.session
        currency = session.currency
        self._quiet = True
        try:
            for w, segment in zip(self.tiers, session.segments):
                w["name"].value = segment.name
                w["min_arr"].value = segment.min_arr
                w["coverage"].value = segment.coverage
                w["rate"].value = segment.new_customer_rate
                w["info"].value = (f"<span class='capacity-muted'>{segment.accounts:,} accounts, "
                                   f"{html.escape(money_short(segment.arr, currency))} ARR</span>")
                for row, tp in zip(w["touchpoints"], segment.touchpoints):
                    row["name"].value = tp.name
                    row["name"].tooltip = f"source: {tp.source}" if tp.source else "your own"
                    row["kind"].value = tp.kind
                    row["minutes"].value = tp.minutes
                    once = tp.kind == "one_time"
                    row["unit"].value = "per_year" if tp.per_month is None and tp.per_year is not None else "per_month"
                    frequency = tp.per_month if tp.per_month is not None else tp.per_year
                    row["frequency"].value = 0.0 if once or frequency is None else frequency
                    row["frequency"].disabled = row["unit"].disabled = once
        finally:
            self._quiet = False

    def _tier_handler(self, i: int, field: str) -> Callable:
        def changed(change) -> None:
            if not self._quiet:
                self._apply(lambda: self.session.set_tier(i, **{field: change["new"]}))
        return changed

    def _touchpoint_handler(self, i: int, j: int, field: str) -> Callable:
        def changed(change) -> None:
            if not self._quiet:
                self._apply(lambda: self.session.set_touchpoint(i, j, **{field: change["new"]}))
        return changed

    def _apply(self, action: Callable[[], None], columns_changed: bool = False) -> None:
        """Run an edit on the session; show the outcome, or the error's line with the fields put back."""
        try:
            action()
        except CapacityError as exc:
            self._error(exc)
        else:
            self.say("")
        if columns_changed:
            self._shape = None
        self.draw()

    # -- the plan ----------------------------------------------------------------------

    def _draw_plan(self) -> None:
        session = self.session
        result = session.plan
        self.summary.value = (f"<span style='font-size:1.25em;font-weight:600'>"
                              f"{html.escape(summary_sentence(result))}</span>")
        self.table.value = segment_table_html(result)
        self.plan_text.value = ("<details><summary>The plan as <code>capacity plan</code> prints it</summary>"
                                f"<pre class='capacity-plan-text'>{html.escape(render_plan(result))}</pre></details>")
        workload, top_down = plan_workload(result), plan_top_down(result)
        charts = {
            "book": _book_chart(session.bench, result.currency),
            "workload": (workload.data, {**workload.layout, "width": 620,
                                         "title": {"text": "Full-time CSMs per tier, by kind of work"},
                                         "margin": {**workload.layout["margin"], "t": 70}}),
            "top_down": (top_down.data, {**top_down.layout, "width": 520,
                                         "title": {"text": "Bottom-up against the top-down ratios"},
                                         "margin": {**top_down.layout["margin"], "t": 50}}),
        }
        new = False
        for key, (data, layout) in charts.items():
            figure = self.figures[key]
            if figure is None:
                figure = self.figures[key] = go.FigureWidget()
                new = True
            _draw(figure, data, layout)
        if new:
            for figure in self.figures.values():
                _sync(figure)
            self.charts_box.children = [
                _classed(widgets.Box([self.figures["book"]]), "capacity-chart-book"),
                widgets.HBox([_classed(widgets.Box([self.figures["workload"]]), "capacity-chart-workload"),
                              _classed(widgets.Box([self.figures["top_down"]]), "capacity-chart-top-down")]),
            ]


def _show(widget: widgets.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _sync(figure: go.FigureWidget) -> None:
    """Put a figure's traces and layout into the state its front-end reads, and point it at the app's plotly module.

    As :class:`capacity.views.widgets.Workbook` does for its charts: a figure nested in a box is not displayed
    itself, so plotly would not sync its state; the app serves plotly's widget module at one URL.
    """
    module_url = os.environ.get("CAPACITY_PLOTLY_ESM_URL")
    if module_url:
        figure._esm = module_url
    figure._repr_mimebundle_()


def _draw(figure: go.FigureWidget, data, layout: dict) -> None:
    """Replace a figure's traces and layout in place (the same widget: the page keeps its chart)."""
    data = [dict(trace) for trace in data]
    same = len(figure.data) == len(data) and all(t.type == d.get("type", "scatter") for t, d in zip(figure.data, data))
    if same:
        with figure.batch_update():
            for trace, new in zip(figure.data, data):
                trace.update(new, overwrite=True)
            figure.layout.update(layout, overwrite=True)
    else:
        figure.data = ()
        if data:
            figure.add_traces(data)
        figure.layout.update(layout, overwrite=True)


def _book_chart(bench, currency: str) -> tuple[list[dict], dict]:
    """The book by ARR: accounts per band coloured by tier (:meth:`~capacity.analysis.whatif.Workbench.histogram`),
    the thresholds drawn; as the what-if draws it."""
    hist = bench.histogram(bench.base)
    low = np.log10(np.maximum(hist.lower, hist.upper / 10 ** (1 / BINS_PER_DECADE)))
    widths = (np.log10(hist.upper) - low).tolist()
    centers = hist.centers_log10.tolist()
    top = float(hist.counts.sum(axis=0).max()) if hist.counts.size else 1.0
    data = [{"type": "bar", "x": centers, "y": hist.counts[i].tolist(), "width": widths, "name": name,
             "marker": {"color": PALETTE[i % len(PALETTE)], "line": {"width": 0}}}
            for i, name in enumerate(bench.names)]
    for segment in bench.scenario.segments:
        if segment.min_arr > 0:
            at = math.log10(segment.min_arr)
            data.append({"type": "scatter", "x": [at, at], "y": [0, top], "mode": "lines", "showlegend": False,
                         "name": f"{segment.name} threshold", "line": {"color": "black", "dash": "dash", "width": 1}})
    decades = np.arange(math.floor(low[0]), math.ceil(np.log10(hist.upper[-1])) + 1)
    layout = {
        "title": {"text": "The book by ARR: accounts per band, coloured by tier"}, "barmode": "stack", "bargap": 0,
        "height": 330, "width": 1140, "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "xaxis": {"title": {"text": "ARR (log scale; the first band includes accounts below it)"},
                  "tickvals": decades.tolist(), "ticktext": [money_short(10.0 ** d, currency) for d in decades]},
        "yaxis": {"title": {"text": "accounts"}},
    }
    return data, layout
