"""Budget of the budget report: its wall time against the pipeline's own floor.

The floor is the same command on a notebook holding only the report's parameters cell:
``python -m capacity report`` pays for Python, papermill, nbconvert, a kernel start, the
input checks and the workbook whatever the notebook does, and the budget is about what the
report notebook adds. Both are timed as a user runs them (a fresh process each), alternating
so that both see the same load, and the medians are compared.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .harness import Measurement, budget

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "capacity" / "sample" / "scenario.yaml"


def floor_notebook(folder: Path) -> Path:
    """The report notebook with every cell but the parameters cell removed (and no preload)."""
    import nbformat

    from capacity.apps.report import NOTEBOOK

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    nb.metadata.pop("capacity", None)  # an empty notebook has nothing for the kernel to preload
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


def _timed_report(out: Path, notebook: Path | None) -> tuple[float, float]:
    """Wall time of one ``python -m capacity report`` [s], and the time it reports for rendering [s]."""
    command = [sys.executable, "-m", "capacity", "report", str(DEFAULT_SCENARIO), "--out", str(out)]
    if notebook is not None:
        command += ["--notebook", str(notebook)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"report failed: {done.stderr.strip()}")
    rendered = re.search(r"done in ([0-9.]+) s", done.stderr)
    return wall, float(rendered.group(1)) if rendered else float("nan")


@budget("budget report wall time / empty-notebook floor, default data (median)", limit=1.5, unit="x")
def report_over_floor(smoke: bool) -> Measurement:
    repeat = 1 if smoke else 5
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        floor_nb = floor_notebook(folder)
        reports, floors, inner_reports, inner_floors = [], [], [], []
        for _ in range(repeat):
            wall, inner = _timed_report(folder / "floor", floor_nb)
            floors.append(wall)
            inner_floors.append(inner)
            if smoke:  # this harness checked on the floor alone: tests/apps/test_report.py renders the report
                reports.append(wall)
                inner_reports.append(inner)
                continue
            wall, inner = _timed_report(folder / "report", None)
            reports.append(wall)
            inner_reports.append(inner)
    report, floor = statistics.median(reports), statistics.median(floors)
    inner = statistics.median(inner_reports) / statistics.median(inner_floors)
    return Measurement(
        report / floor,
        f"report {report:.2f} s, floor {floor:.2f} s; render() alone {inner:.2f}x",
    )
