"""`capacity report` from a regular install: the wheel carries the report notebook and its template, and is
pure Python (``py3-none-any``: no compiled code, no C compiler needed).

The wheel is built from the package's files, installed into a new virtual environment
outside the repository (its dependencies come from this environment through a ``.pth``
line and ``JUPYTER_PATH``, so nothing is downloaded) and run from an empty folder, so the repository's own
``capacity`` cannot be the one imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from capacity import load_scenario, plan

from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.slow

# Run in the new environment: where capacity comes from, and the Python and capacity of the report's kernel.
_PROBE = """
import json, sys
import capacity
from capacity.apps.report import NOTEBOOK, TEMPLATES, _kernel_manager

manager = _kernel_manager()
manager.start_kernel()
client = manager.client()
client.start_channels()
try:
    client.wait_for_ready(timeout=60)
    printed = []
    client.execute_interactive("import sys, capacity; print(sys.executable); print(capacity.__file__)", timeout=60,
                               output_hook=lambda m: printed.append(m["content"].get("text", ""))
                               if m["msg_type"] == "stream" else None)
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
kernel_python, kernel_capacity = "".join(printed).split()
print(json.dumps({"python": sys.executable, "capacity": capacity.__file__, "notebook": str(NOTEBOOK),
                  "templates": str(TEMPLATES), "kernel_python": kernel_python, "kernel_capacity": kernel_capacity}))
"""


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, done.stderr
    return done


def test_the_wheel_renders_the_default_report_in_a_fresh_environment(tmp_path):
    source = tmp_path / "source"
    # The sources only, as a checkout holds them.
    shutil.copytree(ROOT / "capacity", source / "capacity", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", wheels,
        source)
    (wheel,) = wheels.glob("capacity-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name  # pure Python: one wheel for every platform
    assert not [name for name in zipfile.ZipFile(wheel).namelist() if name.endswith((".so", ".pyd", ".c"))]

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    # The dependencies: this environment's site-packages, appended to sys.path (its own .pth files, among
    # them the editable install of the repository, are not processed from there).
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", site, wheel)

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "data").mkdir(parents=True)
    for name in ("scenario.yaml", "book.csv"):
        shutil.copy(DATA / name, elsewhere / "data" / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # The dependencies' data files (nbconvert's base templates) live under their environment's prefix.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    probe = json.loads(run(python, "-c", _PROBE, cwd=elsewhere, env=env).stdout)
    for key in ("capacity", "notebook", "templates", "kernel_capacity"):
        assert Path(probe[key]).is_relative_to(site), (key, probe[key])
    assert Path(probe["python"]) == Path(probe["kernel_python"]) == python

    done = run(python, "-m", "capacity", "report", "data/scenario.yaml", "--out", "reports", cwd=elsewhere, env=env)
    assert done.stdout.split() == ["reports/scenario.html", "reports/scenario.xlsx", "reports/scenario.ipynb",
                                   "reports/scenario-model.xlsx"]
    page = (elsewhere / "reports" / "scenario.html").read_text(encoding="utf-8")
    headcount = plan(load_scenario(DATA / "scenario.yaml")).totals.headcount
    assert f'data-kpi="headcount" data-value="{headcount}"' in page
    assert "Plotly.newPlot(" in page and "<h2" in page
