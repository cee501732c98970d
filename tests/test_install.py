"""The package as a user installs it: the wheel and its declared dependencies, nothing else.

Once per session (a module fixture, about a minute and a half from pip's cache), the wheel is built
from a copy of the package's sources, and a fresh virtual environment outside the repository installs
``capacity[all]`` from it: pip resolves the dependencies that pyproject.toml declares, from the
registry or its cache, and nothing of this environment is visible to it. Then, from an empty folder,
the three commands a new user types: ``capacity report`` (the sample's budget report),
``capacity plan --example`` (the sample's plan), ``capacity app --example`` (the what-if, served and fetched)
and ``capacity app`` (the start page).

Without the registry the install cannot happen: outside CI the tests then skip, naming pip's error;
with CI=true they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from capacity import plan, sample

from tests.browser import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# pip's words for a registry it cannot reach (anything else that fails is a defect of the package).
_OFFLINE = re.compile(r"NewConnectionError|Network is unreachable|Temporary failure in name resolution|"
                      r"Max retries exceeded|Could not fetch URL|ConnectTimeout|ReadTimeout")

# Run in the new environment: where capacity comes from, and the Python and capacity of the report's kernel.
_PROBE = """
import json, sys
import capacity
from capacity.apps.report import NOTEBOOK, TEMPLATES, _kernel_manager
from capacity.apps.app import NOTEBOOK as APP_NOTEBOOK

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
print(json.dumps({"python": sys.executable, "capacity": capacity.__file__, "sample": str(capacity.sample.SCENARIO),
                  "notebook": str(NOTEBOOK), "app_notebook": str(APP_NOTEBOOK), "templates": str(TEMPLATES),
                  "kernel_python": kernel_python, "kernel_capacity": kernel_capacity}))
"""


class Installed:
    """The fresh environment: its Python, its ``capacity`` command, its site-packages, an empty folder, the env."""

    def __init__(self, venv: Path, site: Path, elsewhere: Path, env: dict[str, str]):
        self.python = venv / "bin" / "python"
        self.capacity = venv / "bin" / "capacity"
        self.site = site
        self.elsewhere = elsewhere
        self.env = env

    def run(self, *args, timeout: float = 600) -> subprocess.CompletedProcess:
        done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=self.elsewhere,
                              env=self.env, timeout=timeout, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stderr[-3000:]}"
        return done


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)


def _cannot_install(step: str, done: subprocess.CompletedProcess) -> None:
    message = f"{step} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    if os.environ.get("CI", "").lower() != "true" and _OFFLINE.search(done.stderr):
        pytest.skip(f"the package registry cannot be reached: {message}")
    pytest.fail(message)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    # The sources only: no build output, caches or compiled files of the repository's editable install.
    shutil.copytree(ROOT / "capacity", source / "capacity",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp / "wheels"
    done = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                "-w", wheels, source)
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("capacity-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name  # pure Python: one wheel for every platform
    assert not [name for name in zipfile.ZipFile(wheel).namelist() if name.endswith((".so", ".pyd", ".c"))]

    # Nothing of this environment leaks in: no PYTHONPATH, no virtual environment, no Jupyter or IPython
    # folders of this user (a kernel registered there could run another Python).
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH", "PYTHONSTARTUP")
           and not k.startswith(("CAPACITY_", "JUPYTER_"))}
    for name, folder in (("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_DATA_DIR", "jupyter-data"),
                         ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython")):
        env[name] = str(tmp / folder)
    env["PYTHONNOUSERSITE"] = "1"
    venv = tmp / "venv"
    done = _run(sys.executable, "-m", "venv", venv, env=env)
    assert done.returncode == 0, done.stderr
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    # No byte-compiling of the ~150 packages: it is most of an install's time, and Python compiles what it imports.
    done = _run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", f"{wheel}[all]", env=env,
                timeout=1800)
    if done.returncode != 0:
        _cannot_install("pip install capacity[all]", done)
    done = _run(venv / "bin" / "python", "-m", "pip", "check", env=env)
    assert done.returncode == 0, f"the declared dependencies disagree:\n{done.stdout}{done.stderr}"

    site = Path(_run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     env=env).stdout.strip())
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return Installed(venv, site, elsewhere, env)


def test_the_installed_package_and_its_kernel_are_the_wheels(installed):
    probe = json.loads(installed.run(installed.python, "-c", _PROBE).stdout)
    for key in ("capacity", "sample", "notebook", "app_notebook", "templates", "kernel_capacity"):
        assert Path(probe[key]).is_relative_to(installed.site), (key, probe[key])
    assert Path(probe["python"]) == Path(probe["kernel_python"]) == installed.python
    assert Path(probe["sample"]).is_file() and Path(probe["app_notebook"]).is_file()


def test_capacity_plan_example_prints_the_samples_plan(installed):
    from capacity.apps.cli import main
    import contextlib
    import io

    done = installed.run(installed.capacity, "plan", "--example")
    here = io.StringIO()
    with contextlib.redirect_stdout(here):
        assert main(["plan", "--example"]) == 0
    assert done.stdout == here.getvalue()
    assert f"Total" in done.stdout and "FY2027 CS capacity (sample company)" in done.stdout
    assert list(installed.elsewhere.iterdir()) == []  # printed, nothing written


def test_capacity_report_renders_the_samples_budget_report(installed):
    done = installed.run(installed.capacity, "report")
    assert done.stdout.split() == ["reports/scenario.html", "reports/scenario.xlsx", "reports/scenario.ipynb",
                                   "reports/scenario-model.xlsx"]
    page = (installed.elsewhere / "reports" / "scenario.html").read_text(encoding="utf-8")
    headcount = plan(sample.SCENARIO).totals.headcount
    assert f'data-kpi="headcount" data-value="{headcount}"' in page
    assert "Plotly.newPlot(" in page and "<h2" in page
    assert "Traceback" not in page


def _serve(installed, *args: str) -> tuple[str, str, int]:
    """``capacity app ARGS`` of the installed wheel, fetched once: its line, the page and the launcher's exit code."""
    port = free_port()
    server = subprocess.Popen([str(installed.capacity), "app", *args, "--port", str(port)], cwd=installed.elsewhere,
                              env=installed.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        line = server.stdout.readline()
        assert line, f"the app printed nothing (exit {server.poll()}):\n{server.stderr.read()[-3000:]}"
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert url == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=300) as response:
            assert response.status == 200
            page = response.read().decode("utf-8")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    return line, page, code


def test_capacity_app_without_a_scenario_serves_the_start_page(installed):
    line, page, code = _serve(installed)
    assert "start page" in line
    assert "From your accounts to a CS capacity plan" in page  # the notebook shipped in the wheel, run
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "Traceback" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page
    assert code == 128 + signal.SIGTERM
    assert list(installed.elsewhere.iterdir()) in ([], [installed.elsewhere / "reports"])  # the app writes nothing


def test_capacity_app_serves_the_what_if(installed):
    line, page, code = _serve(installed, "--example")
    assert str(sample.SCENARIO.name) in line
    # The notebook ran in a kernel of the new environment: its heading, the workbook's widget, no error.
    assert "What-if: how many customers can a CSM carry" in page
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "Traceback" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page
    assert code == 128 + signal.SIGTERM
    assert list(installed.elsewhere.iterdir()) in ([], [installed.elsewhere / "reports"])  # the app writes nothing
