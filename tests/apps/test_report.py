"""The report pipeline end to end: papermill + nbconvert on the default data and a small fixture.

Each papermill run costs seconds, so the runs are module fixtures shared by the tests:
the CLI on the default data, ``render()`` twice on the fixture, and one failing notebook.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from capacity import ReportError, fiscal_plan, load_scenario, plan
from capacity import formatting as fmt
from capacity.apps.report import NOTEBOOK, parse_parameters, render
from capacity.views.workbook import BOOKS_SHEETS, CALENDAR_SHEETS, EVIDENCE_SHEETS, FIT_SHEETS, OPTION_SHEETS, SHEETS

from tests.conftest import DEFAULT_SCENARIO, ROOT, chromium_path

pytestmark = pytest.mark.slow

FIXTURE = ROOT / "tests" / "fixtures" / "small-scenario.yaml"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capacity", "report", *args], capture_output=True, text=True, cwd=ROOT)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default-report")
    done = run_cli(str(DEFAULT_SCENARIO), "--out", str(out), "-p", "current_headcount", "15")
    assert done.returncode == 0, done.stderr
    return out, done


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    """The fixture rendered twice into the same folder: the second run replaces the first."""
    out = tmp_path_factory.mktemp("fixture-report")
    first = render(FIXTURE, out_dir=out, parameters={"title": "First draft"})
    second = render(FIXTURE, out_dir=out, parameters={"title": "Small board pack", "fiscal_year": 2027})
    return out, first, second


class Page(HTMLParser):
    """Every tag with its attributes, and the text of each inline script."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def kpis(text: str) -> dict[str, tuple[str, str]]:
    return {k: (v, html.unescape(t)) for k, v, t in
            re.findall(r'<span class="kpi" data-kpi="([^"]+)" data-value="([^"]*)">([^<]*)</span>', text)}


def html_of(request, which: str) -> tuple[str, object]:
    """(HTML text, the plan of the same inputs) for the default run or the fixture run."""
    if which == "default":
        out, _ = request.getfixturevalue("default_run")
        return (out / "scenario.html").read_text(encoding="utf-8"), plan(load_scenario(DEFAULT_SCENARIO))
    out, _, second = request.getfixturevalue("fixture_run")
    return second.html.read_text(encoding="utf-8"), plan(load_scenario(FIXTURE))


def test_cli_writes_the_page_the_workbook_and_the_executed_notebook(default_run):
    out, done = default_run
    assert done.stdout.splitlines() == [str(out / n) for n in ("scenario.html", "scenario.xlsx", "scenario.ipynb",
                                                               "scenario-model.xlsx")]
    # Not a terminal: a message per step instead of a progress bar.
    steps = done.stderr.splitlines()
    assert steps[0] == "report: running budget-report.ipynb with papermill"
    assert all(line.startswith("report: ") for line in steps), done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["scenario-model.xlsx", "scenario.html", "scenario.ipynb",
                                                     "scenario.xlsx"]


@pytest.mark.parametrize("which", ["default", "fixture"])
def test_headline_numbers_in_the_page_are_the_plan(request, which):
    text, expected = html_of(request, which)
    found = kpis(text)
    t = expected.totals
    assert found["headcount"] == (str(t.headcount), f"{t.headcount:,}")
    assert float(found["cost_per_year"][0]) == t.cost_per_year
    assert found["cost_per_year"][1] == fmt.money_short(t.cost_per_year, expected.currency)
    assert float(found["cost_pct_arr"][0]) == t.cost_pct_arr
    assert found["cost_pct_arr"][1] == fmt.percent(t.cost_pct_arr)
    assert float(found["arr_per_csm"][0]) == pytest.approx(t.arr / t.headcount)
    # The segment table and top-down table carry the same plan.
    for seg in expected.segments:
        assert re.search(rf"<td class=\"txt\">{re.escape(html.escape(seg.name))}</td>.*?"
                         rf"<td class=\"num\">{seg.headcount}</td><td class=\"num\">{re.escape(fmt.money(seg.cost_per_year, expected.currency))}</td>",
                         text), seg.name
    for td in expected.top_down:
        assert f"top-down says {td.headcount} CSMs" in text or f"agrees with bottom-up on {td.headcount} CSMs" in text


def test_fiscal_headline_numbers_in_the_page_are_the_fiscal_plan(request):
    text, _ = html_of(request, "default")
    expected = fiscal_plan(load_scenario(DEFAULT_SCENARIO)).summary
    found = kpis(text)
    assert int(found["year_end_headcount"][0]) == expected.year_end_headcount
    assert found["year_end_headcount"][1] == str(expected.year_end_headcount)
    assert int(found["hires"][0]) == expected.hires_total
    assert float(found["fiscal_cost"][0]) == expected.total_cost
    assert float(found["fiscal_cost_pct"][0]) == expected.cost_pct_ending_arr
    shown = html.unescape(text)
    for warning in expected.warnings:
        assert warning in shown


def test_the_fixture_without_a_fiscal_year_says_so(request):
    text, _ = html_of(request, "fixture")
    assert "no <code>fiscal_year</code> block" in text
    assert "year_end_headcount" not in text


def test_todays_headcount_is_compared(request):
    text, expected = html_of(request, "default")
    found = kpis(text)
    assert found["current_headcount"][0] == "15"
    assert int(found["hires_now"][0]) == expected.totals.headcount - 15


@pytest.mark.parametrize("which", ["default", "fixture"])
def test_the_page_loads_nothing_from_a_network(request, which):
    from plotly.offline import get_plotlyjs

    text, _ = html_of(request, which)
    page = Page(text)
    for tag, attrs in page.tags:
        if tag in ("script", "iframe", "img", "embed", "audio", "video", "source"):
            assert not attrs.get("src") or attrs["src"].startswith("data:"), (tag, attrs)
        if tag == "link":
            assert not re.match(r"(https?:)?//", attrs.get("href", "")), attrs
    # plotly.js itself names URLs (for map tiles this report never draws); everything else names none.
    plotly_js = get_plotlyjs()
    rest = text.replace(plotly_js, "")
    assert not re.search(r"https?://|//cdn|cdn\.", rest), re.search(r".{60}(https?://|cdn\.).{60}", rest)
    assert not re.search(r"require(\.min)?\.js|requirejs|mathjax|mermaid", rest, re.IGNORECASE)
    assert "@import" not in rest


@pytest.mark.parametrize("which", ["default", "fixture"])
def test_plotly_js_is_embedded_once_and_the_charts_use_it(request, which):
    from plotly.offline import get_plotlyjs

    text, _ = html_of(request, which)
    assert text.count(get_plotlyjs()) == 1
    assert text.index(get_plotlyjs()) < text.index("Plotly.newPlot(")
    charts = [a.get("id") for tag, a in Page(text).tags if tag == "div" and "plotly-graph-div" in a.get("class", "")]
    # The default data has an uncertainty block (its fiscal section ends with the demand fan), owners in its book
    # and options.
    # and its touchpoints dated (the calendar's heat map after the cost curve).
    fiscal = ["chart-fiscal-capacity", "chart-fiscal-cost", "chart-calendar-heatmap", "chart-fiscal-fan"] \
        if which == "default" else []
    books = ["chart-todays-books"] if which == "default" else []  # the fixture's book names no owners
    options = ["chart-options"] if which == "default" else []  # the default scenario lists options
    # "Does it pay back?" always draws cost against the ARR to keep.
    assert charts == ["chart-workload", "chart-top-down", "chart-tornado", *fiscal, *books, *options, "chart-payback"]
    assert all(f'Plotly.newPlot("{c}"' in text for c in charts)


def test_code_is_hidden_and_sections_are_in_order(request):
    text, _ = html_of(request, "default")
    assert "from capacity.views import sections" not in text and "report.summary_html()" not in text
    assert "jp-InputArea-editor" not in text and "hl-ipython3" not in text
    headings = [html.unescape(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", text)]
    numbers = [h.split(".")[0] for h in headings]
    # "Options and trade-offs" is shown (unnumbered) only when the scenario lists options or a cap is given;
    # "Does it pay back?" (unnumbered) always.
    assert numbers == ["1", "2", "3", "4", "5", "6", "Options and trade-offs", "Does it pay back?", "7"], headings


def test_the_executed_notebook_ran_cleanly(default_run):
    out, _ = default_run
    nb = nbformat.read(out / "scenario.ipynb", as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type in ("display_data", "execute_result"), output
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f"scenario_path = {str(DEFAULT_SCENARIO)!r}" in injected.source or str(DEFAULT_SCENARIO) in injected.source


def test_the_workbook_beside_the_page_is_the_plan(default_run):
    out, _ = default_run
    book = load_workbook(out / "scenario.xlsx")
    expected = plan(load_scenario(DEFAULT_SCENARIO)).totals
    values = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert values["CSMs needed now (steady state)"] == expected.headcount
    assert values["Cost a year"] == expected.cost_per_year
    assert book.sheetnames == [s for s in SHEETS if s not in FIT_SHEETS]
    fiscal = fiscal_plan(load_scenario(DEFAULT_SCENARIO))
    months = {r[0]: r for r in book["Fiscal"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in book["Fiscal"][1]]
    assert months["Year"][header.index("Cost")] == pytest.approx(fiscal.summary.total_cost)
    assert months["Year"][header.index("CSMs")] == fiscal.summary.year_end_headcount
    rows = list(book["Fiscal by segment"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(fiscal.months) * len(fiscal.segments)


def test_the_live_model_beside_the_workbook_is_the_excel_command_s(default_run, tmp_path):
    out, _ = default_run
    from capacity.views.excel import write_model

    expected = write_model(DEFAULT_SCENARIO, path=tmp_path / "model.xlsx")
    written, alone = load_workbook(out / "scenario-model.xlsx"), load_workbook(expected.path)
    assert written.sheetnames == alone.sheetnames == ["Summary", "Inputs", "Calculation", "Calendar"]
    for name in written.sheetnames:
        assert [[c.value for c in row] for row in written[name].iter_rows()] == \
               [[c.value for c in row] for row in alone[name].iter_rows()], name
    assert {n: d.attr_text for n, d in written.defined_names.items()} == expected.names


def test_the_fixture_workbook_has_no_fiscal_sheets(fixture_run):
    _, _, second = fixture_run
    assert load_workbook(second.workbook).sheetnames == [
        s for s in SHEETS if not s.startswith("Fiscal") and s not in BOOKS_SHEETS  # its book has no owners
        and s not in OPTION_SHEETS + FIT_SHEETS + EVIDENCE_SHEETS + CALENDAR_SHEETS]  # nor retention data,
        # automations or dated work


def test_a_second_run_replaces_the_report(fixture_run):
    out, first, second = fixture_run
    assert first.html == second.html
    text = second.html.read_text(encoding="utf-8")
    assert "<h1>Small board pack</h1>" in text and "First draft" not in text
    assert "<title>Small board pack</title>" in text
    assert "FY2027" in text
    assert sorted(p.name for p in out.iterdir()) == ["small-scenario-model.xlsx", "small-scenario.html",
                                                     "small-scenario.ipynb", "small-scenario.xlsx"]
    assert "€" in text  # the fixture's currency


@pytest.mark.parametrize("args, message", [
    (["-p", "curent_headcount", "3"], "error: -p curent_headcount: unknown parameter 'curent_headcount' "
                                      "(did you mean 'current_headcount'?)"),
    (["-p", "fiscal_year", "FY27"], "error: -p fiscal_year: must be a year such as 2027 (got 'FY27')"),
    (["-p", "current_headcount", "-2"], "error: -p current_headcount: must be a whole number of CSMs, 0 or more (got -2)"),
    (["-p", "current_headcount"], None),  # argparse: -p needs NAME and VALUE
])
def test_a_bad_parameter_leaves_the_earlier_report_intact(default_run, args, message):
    out, _ = default_run
    before = snapshot(out)
    done = run_cli(str(DEFAULT_SCENARIO), "--out", str(out), *args)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    if message is not None:
        assert lines[0] == message
    assert done.stdout == ""
    assert snapshot(out) == before


def test_a_bad_scenario_or_book_leaves_the_earlier_report_intact(default_run, tmp_path):
    out, _ = default_run
    before = snapshot(out)
    bad = tmp_path / "scenario.yaml"
    bad.write_text(DEFAULT_SCENARIO.read_text().replace("minutes: 60", "minuts: 60", 1))
    done = run_cli(str(bad), "--out", str(out))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: segments[0].touchpoints[0]."), done.stderr
    done = run_cli(str(DEFAULT_SCENARIO), "--out", str(out), "--book", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "missing.csv" in done.stderr
    assert snapshot(out) == before


def test_a_notebook_that_fails_leaves_the_earlier_report_intact(fixture_run, tmp_path):
    out, _, _ = fixture_run
    before = snapshot(out)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("the chart broke")'))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(ReportError, match=r"broken\.ipynb: cell \d+ failed: RuntimeError: the chart broke$"):
        render(FIXTURE, out_dir=out, notebook=broken)
    assert snapshot(out) == before  # nothing replaced, no temporary file left behind


def test_parameters_from_the_command_line_are_yaml_scalars():
    assert parse_parameters([("current_headcount", "12"), ("fiscal_year", "2027"), ("title", "2027"),
                             ("currency", "NOK")]) == {"current_headcount": 12, "fiscal_year": 2027, "title": "2027",
                                                       "currency": "NOK"}
    assert parse_parameters([("current_headcount", "null")]) == {"current_headcount": None}
    with pytest.raises(ReportError, match="^-p current_headcount: given twice$"):
        parse_parameters([("current_headcount", "1"), ("current_headcount", "2")])
    with pytest.raises(ReportError, match="whole number"):
        parse_parameters([("current_headcount", "[1, 2]")])


# -- the page in a browser ------------------------------------------------------------------


@pytest.mark.browser
def test_the_page_draws_its_charts_offline(default_run):
    """Open the report with every network request refused: the charts still draw."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    out, _ = default_run
    requested: list[str] = []
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=flags)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda route: (requested.append(route.request.url), route.continue_()
                                              if route.request.url.startswith("file:") else route.abort()))
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto((out / "scenario.html").as_uri(), wait_until="load")
            page.wait_for_selector("#chart-tornado .main-svg", timeout=20000)
            assert page.locator(".plotly-graph-div .main-svg").count() >= 3
            assert page.locator('[data-kpi="headcount"]').inner_text() == str(plan(load_scenario(DEFAULT_SCENARIO)).totals.headcount)
            assert errors == []
        finally:
            browser.close()
    assert [u for u in requested if not u.startswith("file:")] == []


def test_preload_metadata_takes_module_names_only(tmp_path):
    from capacity.apps.report import _preload_modules

    assert _preload_modules(NOTEBOOK) == ["capacity.views.sections"]
    nb = nbformat.v4.new_notebook()
    nb.metadata["capacity"] = {"preload": ["os; import shutil"]}
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ReportError, match="bad.ipynb: metadata.capacity.preload must be a list of module names"):
        _preload_modules(path)
    nb.metadata["capacity"] = {}
    nbformat.write(nb, path)
    assert _preload_modules(path) == []


def test_a_report_run_parses_the_scenario_once_and_the_book_once(tmp_path, monkeypatch):
    """The parent builds the content, writes the workbook from it and hands it to the kernel."""
    from capacity.files import PARSE_LOG

    log = tmp_path / "parses.log"
    monkeypatch.setenv(PARSE_LOG, str(log))
    rendered = render(DEFAULT_SCENARIO, out_dir=tmp_path / "out", parameters={"current_headcount": 15})
    parses = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    book = load_scenario(DEFAULT_SCENARIO).book
    assert parses == [["scenario", str(DEFAULT_SCENARIO)], ["book", str(book)]]
    # The kernel showed the parent's content: the same numbers, no parse of its own.
    assert kpis(rendered.html.read_text(encoding="utf-8"))["current_headcount"][0] == "15"


def test_the_notebook_on_its_own_builds_from_its_parameters(tmp_path, monkeypatch):
    """Without ``content_path`` (JupyterLab, or papermill by hand) the same call parses the inputs itself."""
    import papermill

    from capacity.files import PARSE_LOG

    log = tmp_path / "parses.log"
    monkeypatch.setenv(PARSE_LOG, str(log))
    executed = papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "run.ipynb"), kernel_name="python3",
                                          parameters={"scenario_path": str(DEFAULT_SCENARIO)}, progress_bar=False,
                                          cwd=str(tmp_path))
    assert [line.split("\t")[0] for line in log.read_text(encoding="utf-8").splitlines()] == ["scenario", "book"]
    shown = "".join(str(o.get("data", {}).get("text/html", "")) for c in executed.cells for o in c.get("outputs", []))
    assert f'data-kpi="headcount" data-value="{plan(load_scenario(DEFAULT_SCENARIO)).totals.headcount}"' in shown
