"""The report's content as HTML: tables, sentences, headline cards and charts.

Every function takes a content object (:mod:`capacity.views.content`) or a chart
(:mod:`capacity.views.charts`) and returns :class:`Html`, which Jupyter shows as HTML. All text is
escaped here and only here; a strong span is ``<b>``, a code span ``<code>``.

A chart is a ``<div>`` and one ``Plotly.newPlot`` call: the report pipeline inlines
plotly.js once in the page head, so a chart costs a few kilobytes, needs no network and no
plotly import in the kernel. :class:`ChartView` also offers the plotly mimetype, which
JupyterLab renders.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from capacity.views.charts import Chart
from capacity.views.content import Header, Kpi, KpiGroup, Paragraph, Sentence, Table

__all__ = ["Html", "ChartView", "escape", "table", "sentence", "sentence_list", "paragraph", "kpi", "kpi_cards",
           "header", "warnings", "chart"]

#: How a chart behaves in the page: no toolbar, resized with the window.
CHART_CONFIG = {"displayModeBar": False, "responsive": True}
_EMPHASIS_TAGS = {"strong": "b", "code": "code"}


class Html(str):
    """HTML text that Jupyter shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def escape(text: object) -> str:
    """Text safe in an element or an attribute value."""
    return html.escape(str(text), quote=True)


def table(t: Table) -> Html:
    """An HTML table, numbers right-aligned, the total row in bold, the note below it."""
    columns = list(t.frame.columns)
    head = "".join(f'<th class="{"num" if t.kind(c) != "text" else "txt"}">{escape(c)}</th>' for c in columns)
    rows = []
    cells = t.cells()
    for i, row in enumerate(cells):
        css = ' class="total"' if t.total_row and i == len(cells) - 1 else ""
        body = "".join(f'<td class="{"num" if kind != "text" else "txt"}">{escape(t.cell_text(c, value, kind))}</td>'
                       for c, (value, kind) in zip(columns, row))
        rows.append(f"<tr{css}>{body}</tr>")
    note = f'<p class="table-note">{escape(t.note)}</p>' if t.note else ""
    return Html(f'<div class="table-wrap"><table class="report-table" data-table="{escape(t.name)}">'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}</div>")


def sentence(s: Sentence) -> Html:
    """A sentence's spans, escaped, each emphasis in its tag."""
    # Element text: quotes stay as written ("today's"); <, > and & are escaped.
    return Html("".join(f"<{_EMPHASIS_TAGS[e]}>{html.escape(text, quote=False)}</{_EMPHASIS_TAGS[e]}>" if e
                        else html.escape(text, quote=False) for text, e in s.spans))


def sentence_list(sentences: Iterable[Sentence]) -> Html:
    """Sentences as the report's bullet list."""
    return Html('<ul class="summary">' + "".join(f"<li>{sentence(s)}</li>" for s in sentences) + "</ul>")


def paragraph(p: Paragraph) -> Html:
    """A paragraph; a note in the smaller style."""
    css = ' class="note"' if p.note else ""
    return Html(f"<p{css}>{sentence(p.sentence)}</p>")


def kpi(k: Kpi) -> Html:
    """A headline number with its exact value in ``data-value`` (what tests and scripts read)."""
    value = "" if k.value is None else repr(float(k.value) if isinstance(k.value, float) else k.value)
    return Html(f'<span class="kpi" data-kpi="{escape(k.key)}" data-value="{escape(value)}">{escape(k.text)}</span>')


def kpi_cards(groups: Iterable[KpiGroup]) -> Html:
    """Headline numbers as cards, a grid per group (captioned when there is more than one)."""
    groups = list(groups)
    return Html("".join(
        (f'<p class="kpi-caption">{escape(g.caption)}</p>' if len(groups) > 1 else "")
        + '<div class="kpi-grid">'
        + "".join(f'<div class="kpi-card"><div class="kpi-value">{kpi(k)}</div>'
                  f'<div class="kpi-label">{escape(k.label)}</div></div>' for k in g.kpis)
        + "</div>"
        for g in groups
    ))


def header(h: Header) -> Html:
    """The report's title and subtitle."""
    return Html(f'<header class="report-header"><h1>{escape(h.title)}</h1>'
                f'<p class="subtitle">{escape(h.subtitle)}</p></header>')


def warnings(items: Iterable[str], *, heading: str = "Where the year runs hot") -> Html:
    """Warnings as a list under a heading."""
    return Html(f'<h3>{escape(heading)}</h3><ul class="warnings">'
                + "".join(f"<li>{escape(w)}</li>" for w in items) + "</ul>")


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</`` to end it early."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def chart(c: Chart) -> Html:
    """A chart as a ``<div>`` and the ``Plotly.newPlot`` call that draws it (plotly.js loaded by the page)."""
    div = f"chart-{c.name}"
    payload = ", ".join(_script_json(x) for x in (list(c.data), c.layout, CHART_CONFIG))
    return Html(f'<div id="{escape(div)}" class="plotly-graph-div" style="height:{int(c.layout["height"])}px; '
                f'width:100%;"></div><script type="text/javascript">Plotly.newPlot("{escape(div)}", {payload});</script>')


class ChartView:
    """A chart as Jupyter shows it: the plotly mimetype for JupyterLab, :func:`chart` HTML for the page."""

    def __init__(self, c: Chart):
        self.chart = c

    def __repr__(self) -> str:
        return f"ChartView({self.chart.name!r})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {
            "application/vnd.plotly.v1+json": {**self.chart.figure, "config": CHART_CONFIG},
            "text/html": f'<div class="chart" data-chart="{escape(self.chart.name)}">{chart(self.chart)}</div>',
        }
