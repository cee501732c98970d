"""What importing and planning loads: no widget, plotting, notebook or Excel library until a view needs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO

HEAVY = ("ipywidgets", "anywidget", "plotly", "IPython", "ipykernel", "nbformat", "nbconvert", "papermill", "openpyxl",
         "scipy", "sqlalchemy", "jupyter_client", "matplotlib")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [m for m in json.loads(done.stdout.splitlines()[-1]) if m in HEAVY]


def test_planning_on_a_csv_book_loads_no_heavy_library():
    assert DEFAULT_BOOK.suffix == ".csv"
    assert loaded_after(f"import capacity\ncapacity.plan({str(DEFAULT_SCENARIO)!r}, {str(DEFAULT_BOOK)!r})") == []


def test_the_command_line_plan_and_fiscal_year_load_no_heavy_library():
    code = ("from capacity.apps.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['plan', {str(DEFAULT_SCENARIO)!r}]) == 0\n"
            f"    assert main(['fiscal', {str(DEFAULT_SCENARIO)!r}]) == 0")
    assert loaded_after(code) == []


@pytest.mark.parametrize("view", ["views.sections", "views.content", "views.charts", "views.html", "views.text",
                                  "analysis.whatif"])
def test_the_report_views_import_no_heavy_library(view):
    assert loaded_after(f"import capacity.{view}") == []


def test_the_report_page_is_built_without_plotly():
    """The kernel shows charts as plotly JSON: only the pipeline's parent imports plotly, for plotly.js. The
    default report rebalances today's books and fits nothing without a cap: only scipy's solver is imported."""
    code = (f"from capacity.views import sections\nr = sections.build({str(DEFAULT_SCENARIO)!r})\n"
            "[r.workload_chart()._repr_mimebundle_(), r.summary_html(), r.fiscal_section()]")
    assert loaded_after(code) == ["scipy"]
