"""HTML of the content: escaping in one place, emphasis as tags, exact values in data attributes."""

from __future__ import annotations

import pandas as pd

from capacity.views import html
from capacity.views.charts import Chart
from capacity.views.content import Kpi, Paragraph, Sentence, Span, Table


def test_a_sentence_escapes_text_and_tags_emphasis():
    s = Sentence((Span("A <b> & "), Span("12 CSMs", "strong"), Span(" in "), Span("fiscal_year", "code"), Span("'s")))
    assert html.sentence(s) == "A &lt;b&gt; &amp; <b>12 CSMs</b> in <code>fiscal_year</code>'s"
    assert html.paragraph(Paragraph(s, note=True)).startswith('<p class="note">A &lt;b&gt;')


def test_a_kpi_keeps_the_exact_value():
    out = html.kpi(Kpi("cost", 0.1 + 0.2, "30.0%", "Cost"))
    assert out == '<span class="kpi" data-kpi="cost" data-value="0.30000000000000004">30.0%</span>'


def test_a_table_marks_numbers_the_total_and_the_note():
    table = Table("t", pd.DataFrame({"Name": ["x", "<Total>"], "Cost": [1234.4, 2000.0]}), {"Cost": "money"},
                  currency="GBP", total_row=True, note="a & b")
    out = html.table(table)
    assert '<tr class="total"><td class="txt">&lt;Total&gt;</td><td class="num">£2,000</td></tr>' in out
    assert '<td class="num">£1,234</td>' in out and '<p class="table-note">a &amp; b</p>' in out


def test_a_chart_is_a_div_and_one_newplot_call_with_no_script_end_inside():
    chart = Chart("c", ({"type": "bar", "x": [1], "y": [2], "name": "</script>"},), {"height": 200})
    out = html.chart(chart)
    assert out.startswith('<div id="chart-c" class="plotly-graph-div" style="height:200px; width:100%;"></div>')
    assert out.count("</script>") == 1 and 'Plotly.newPlot("chart-c", ' in out
    bundle = html.ChartView(chart)._repr_mimebundle_()
    assert bundle["application/vnd.plotly.v1+json"]["data"] == [dict(chart.data[0])]
