"""The budget report's sections as the notebook shows them, in order.

A :class:`BudgetReport` puts together the content (:mod:`capacity.views.content`: numbers,
tables, sentences), the charts (:mod:`capacity.views.charts`) and their HTML
(:mod:`capacity.views.html`): each method returns something Jupyter displays. It adds nothing of
its own; the notebook is a parameters cell, :func:`load`, and one call per section.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capacity.views import charts
from capacity.views import content as _content
from capacity.views import html
from capacity.views.content import PARAMETERS, ReportContent, RowKindTable, Table, check_parameters

__all__ = ["PARAMETERS", "check_parameters", "Table", "RowKindTable", "BudgetReport", "build", "load"]


@dataclass(frozen=True)
class BudgetReport:
    """The report page of one :class:`~capacity.views.content.ReportContent`."""

    content: ReportContent

    @property
    def scenario(self):
        return self.content.scenario

    @property
    def plan(self):
        return self.content.plan

    @property
    def fiscal(self):
        return self.content.fiscal

    @property
    def sensitivity(self):
        return self.content.sensitivity

    @property
    def title(self) -> str:
        return self.content.title

    def header_html(self) -> html.Html:
        """Title, what the report covers and where its numbers come from."""
        return html.header(self.content.header())

    def summary_html(self) -> html.Html:
        """Section 1: headline numbers as cards, then the story in a few sentences."""
        return html.Html(html.kpi_cards(self.content.kpi_groups()) + html.sentence_list(self.content.summary_sentences()))

    def segments_table(self) -> html.Html:
        """Section 2: one row per segment and a total."""
        return html.table(self.content.segments_table())

    def workload_chart(self) -> html.ChartView:
        """Section 2: FTE per segment, split by kind of touchpoint."""
        return html.ChartView(charts.workload(self.content))

    def touchpoints_table(self) -> html.Html:
        """Section 2: every touchpoint with the hours and FTE it drives."""
        return html.table(self.content.touchpoints_table())

    def top_down_table(self) -> html.Html:
        """Section 3: the bottom-up answer beside each top-down guidepost."""
        return html.table(self.content.top_down_table())

    def top_down_chart(self) -> html.ChartView:
        """Section 3: headcount by method, bottom-up highlighted."""
        return html.ChartView(charts.top_down(self.content))

    def gap_html(self) -> html.Html:
        """Section 3: for each guidepost, which segments make the difference."""
        return html.sentence_list(self.content.gap_sentences())

    def gap_table(self) -> html.Html:
        """Section 3: per segment, bottom-up FTE against each guidepost's."""
        return html.table(self.content.gap_table())

    def top_touchpoints_table(self, n: int = 8) -> html.Html:
        """Section 3: the touchpoints that drive the most CSM time."""
        return html.table(self.content.top_touchpoints_table(n))

    def tornado_chart(self, n: int = 12) -> html.ChartView:
        """Section 4: a tornado of headcount, the ``n`` drivers with the largest swing."""
        return html.ChartView(charts.tornado(self.content, n))

    def sensitivity_table(self, n: int | None = None, *, with_fte: bool = True) -> html.Html:
        """Section 4: headcount and cost with each driver moved down and up."""
        return html.table(self.content.sensitivity_table(n, with_fte=with_fte))

    def fiscal_section(self) -> list:
        """Section 5, everything in order (only the explanation without a fiscal year)."""
        intro = html.paragraph(self.content.fiscal_intro())
        if self.content.fiscal is None:
            return [intro]
        all_clear = self.content.fiscal_all_clear()
        warnings = html.warnings(self.content.fiscal_warnings()) if all_clear is None else html.paragraph(all_clear)
        return [intro, html.ChartView(charts.fiscal_capacity(self.content)),
                html.ChartView(charts.fiscal_cost(self.content)), html.table(self.content.fiscal_months_table()),
                html.table(self.content.fiscal_segments_table()), *self.calendar_section(), warnings,
                *self.fiscal_range_section()]

    def calendar_section(self) -> list:
        """When the work lands: the calendar heat map and the months above the average (nothing without dated work)."""
        c = self.content
        if c.calendar is None:
            return []
        return [html.Html("<h3>When the work lands</h3>"), html.paragraph(c.calendar_intro()),
                html.ChartView(charts.calendar_heatmap(c)), html.table(c.calendar_peaks_table())]

    def fiscal_range_section(self) -> list:
        """The fiscal year as ranges (P10 / P50 / P90): nothing without an ``uncertainty`` block."""
        c = self.content
        if c.simulation is None:
            return []
        out = [html.Html("<h3>How sure is the plan?</h3>"), html.paragraph(c.fiscal_ranges_intro()),
               html.ChartView(charts.fiscal_fan(c)), html.table(c.fiscal_ranges_table())]
        if c.simulation.variance_shares:
            out.append(html.table(c.fiscal_variance_table()))
        return out + [html.table(c.uncertainty_inputs_table())]

    def queueing_section(self) -> list:
        """The inbound queue of each segment with a service target (empty without one)."""
        table = self.content.queueing_table()
        if table is None:
            return []
        return [html.Html("<h3>Pooled inbound questions, staffed by a service level</h3>"),
                html.paragraph(self.content.queueing_intro()), html.table(table)]

    def designed_versus_actual_section(self) -> list:
        """Designed versus actual, everything in order (empty without an activity log)."""
        if self.content.calibration is None:
            return []
        return [html.Html("<h2>8. Designed versus actual</h2>"),
                html.sentence_list(self.content.designed_versus_actual_sentences()),
                html.table(self.content.designed_versus_actual_table()),
                html.table(self.content.designed_versus_actual_hours_table())]

    def todays_books_section(self) -> list:
        """Today's books and the rebalance: in words; utilization per CSM today and after; each CSM's book before
        and after; the moves with their reasons; the objectives and how far each got; the balance before and after."""
        c = self.content
        sentences = html.paragraph(_content.Paragraph(c.todays_books_sentence(), note=c.team is None))
        if c.team is None:
            return [sentences]
        renewals = c.todays_renewals_table()
        out = [sentences, html.ChartView(charts.todays_books(c)), html.table(c.todays_books_table()),
               *([] if renewals is None else [html.table(renewals)])]
        for title, table in (("The moves", c.rebalance_moves_table()),
                             ("The objectives, in order", c.rebalance_objectives_table()),
                             ("Balance across each segment's CSMs", c.rebalance_balance_table())):
            if table is not None:
                out += [html.Html(f"<h3>{title}</h3>"), html.table(table)]
        return out

    def options_section(self) -> list:
        """Options and trade-offs: the options side by side and what a cap buys (empty without either)."""
        c = self.content
        if c.comparison is None and c.fit is None:
            return []
        out: list = [html.Html("<h2>Options and trade-offs</h2>")]
        if c.comparison is not None:
            out += [html.paragraph(_content.Paragraph(_content._sentence(
                        "The plan beside each option of the scenario, each applied on its own."))),
                    html.table(c.options_table()), html.ChartView(charts.options(c)), html.table(c.options_changes_table())]
        if c.fit is not None:
            out += [html.Html(f"<h3>What {html.escape(c.fit.cap.text(c.currency))} buys</h3>"),
                    html.sentence_list(c.fit_sentences()), html.paragraph(c.fit_note())]
            if not c.fit.nothing_needed:
                out += [html.table(c.fit_table()), html.table(c.fit_packages_table())]
        return out

    def payback_section(self) -> list:
        """Does it pay back? The break-even per segment beside churn, the chart, the return (or what it needs),
        the coverage changes, and hire or automate."""
        c = self.content
        out: list = [html.Html("<h2>Does it pay back?</h2>"), html.paragraph(c.payback_intro()),
                     html.sentence_list(c.payback_sentences()), html.ChartView(charts.payback(c)),
                     html.table(c.payback_table()), html.sentence_list(c.payback_return_sentences())]
        changes = c.coverage_changes_table()
        if changes is not None:
            out += [html.Html("<h3>Which coverage change pays back most</h3>"),
                    html.sentence_list(c.coverage_change_sentences()), html.table(changes)]
        automations = c.automations_table()
        if automations is not None:
            out += [html.Html("<h3>Hire or automate</h3>"), html.sentence_list(c.automation_sentences()),
                    html.table(automations)]
        return out

    def inputs_tables(self) -> list[html.Html]:
        """The assumptions: every inputs table in order."""
        return [html.table(t) for t in self.content.inputs_tables()]


def build(scenario: Any, book: str | Path | None = None, **parameters: Any) -> BudgetReport:
    """The report page of freshly built content (see :func:`capacity.views.content.build`)."""
    return BudgetReport(_content.build(scenario, book, **parameters))


def load(scenario: Any = None, book: str | Path | None = None, *, content_path: str | Path | None = None,
         **parameters: Any) -> BudgetReport:
    """The report page of the content the report run built (``content_path``), or built here from the inputs.

    The notebook's one call: under ``capacity report`` the run hands the kernel its content;
    opened on its own, the notebook builds it from ``scenario`` (see :func:`capacity.views.content.load`).
    """
    return BudgetReport(_content.load(scenario, book, content_path=content_path, **parameters))
