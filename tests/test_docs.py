"""The front door and the documentation site: the README stays short and true, the site builds with no warning.

The README's figures are the package's (its plan block is ``capacity plan --example`` as printed); the method
page's worked example is worked by :func:`capacity.plan`. The site is built as ``make docs`` builds it,
offline, nitpicky and with warnings as errors, into a temporary folder.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys

import pytest

import capacity
from capacity import formatting as fmt
from capacity import sample
from capacity.apps.cli import main

from tests.conftest import EXAMPLE, ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_readme_is_at_most_12_kb_and_shows_the_report_and_the_app():
    assert README.stat().st_size <= 12 * 1024, README.stat().st_size
    text = _text(README)
    for picture in ("docs/report.png", "docs/app.png"):
        assert f"]({picture})" in text and (ROOT / picture).is_file(), picture
    assert "capacity report" in text and "capacity app" in text


def test_every_relative_link_of_the_readme_and_the_pages_exists():
    pages = [README, *sorted(DOCS.glob("*.md"))]
    checked = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)\)", _text(page)):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: {target}"
            checked += 1
    assert checked > 20


def test_the_readmes_plan_is_the_samples_plan_as_printed():
    block = re.search(r"capacity plan --example\n```\n\n```text\n(.*?)```", _text(README), re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["plan", "--example"]) == 0
    assert block == printed.getvalue()


def test_the_readmes_year_is_the_samples_year():
    year = capacity.fiscal_plan(sample.SCENARIO)
    s = year.summary
    backfills = year.to_frame()["backfill_requisitions"].sum()
    text = " ".join(_text(README).split())
    assert (f"{sum(s.starting_headcount.values())} CSMs today, {s.hires_total} hires ({s.requisitions_total} "
            f"requisitions, {backfills} of them backfills), {s.year_end_headcount} CSMs and {s.year_end_managers} "
            f"managers at year end, ${s.total_cost / 1e6:.2f}M") in text
    result = capacity.plan(sample.SCENARIO)
    assert (f"{result.totals.headcount} CSMs, {fmt.money_short(result.totals.cost_per_year)} a year, "
            f"{fmt.percent(result.totals.cost_pct_arr)} of ARR") in text


def test_the_api_reference_lists_every_module_of_the_package():
    import pkgutil

    listed = set(re.findall(r"^   (capacity[\w.]*)$", _text(DOCS / "api" / "modules.rst"), re.M)) | {"capacity"}
    modules = {m.name for m in pkgutil.walk_packages(capacity.__path__, prefix="capacity.")
               if not m.name.split(".")[-1].startswith("_")} | {"capacity"}
    assert sorted(modules - listed) == [] and sorted(listed - modules) == []


def test_the_api_reference_lists_the_public_api():
    listed = set(re.findall(r"^   (\w+)$", _text(DOCS / "api" / "index.rst"), re.M))
    assert sorted(set(capacity.__all__) - listed) == []


def test_the_method_pages_worked_example_is_the_plans():
    result = capacity.plan(EXAMPLE)
    segment = result.segments[0]
    text = " ".join(_text(DOCS / "method.md").split())
    csm = result.csm
    assert f"= {csm.working_hours_per_month:.1f} working hours, {csm.customer_hours_per_month:.1f} of them" in text
    assert f"= {segment.hours_per_customer_per_month:.2f} h a month" in text
    assert f"a CSM carries 104.4 / {segment.hours_per_customer_per_month:.2f} = " \
           f"{segment.customers_per_csm:.0f} customers" in text
    assert f"= {segment.fte:.2f} FTE: {segment.headcount} CSMs, ${segment.cost_per_year:,.0f} a year" in text


@pytest.mark.slow
def test_the_docs_build_with_no_warning(tmp_path):
    """``make docs``, into a temporary folder: offline, nitpicky, every warning an error."""
    out = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
                           "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-5000:]
    assert done.stderr == "", done.stderr[-5000:]
    # Every page, the API reference of capacity.__all__ and of every module, the walkthroughs with their charts.
    for page in DOCS.glob("*.md"):
        assert (out / f"{page.stem}.html").is_file(), page.name
    for name in capacity.__all__:
        assert (out / "api" / "generated" / f"capacity.{name}.html").is_file(), name
    plan_page = _text(out / "api" / "generated" / "capacity.plan.html")
    assert "Parameters" in plan_page and "Returns" in plan_page
    assert (out / "api" / "generated" / "capacity.formulas.workload.html").is_file()
    for notebook in sorted((ROOT / "notebooks" / "walkthroughs").glob("[0-9][0-9]-*.ipynb")):
        assert (out / "walkthroughs" / f"{notebook.stem}.html").is_file(), notebook.name
    fiscal = _text(out / "walkthroughs" / "03-budgeting-the-fiscal-year.html")
    charts = re.findall(r'<img[^>]+src="\.\./(_images/[^"]+\.png)"', fiscal)
    assert charts and all((out / chart).is_file() for chart in charts)
    cli = _text(out / "cli.html")
    assert "--example" in cli and "usage: capacity plan" in cli
    # Offline: nothing on a page is fetched from a network but MathJax, which typesets the walkthroughs' formulas.
    for page in out.rglob("*.html"):
        fetched = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', _text(page))
        assert all("mathjax" in url for url in fetched), (page.name, fetched)
