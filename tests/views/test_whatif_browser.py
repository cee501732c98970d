"""The what-if workbook as a person uses it: JupyterLab in Debian's chromium, driven by playwright.

Starts JupyterLab from the venv on a free local port with a random token and fresh
config, runtime and settings folders; opens a copy of the package's what-if notebook
(capacity/apps/notebooks/what-if.ipynb, whose default scenario is the packaged sample; so an
autosave can never write outputs into the repository); runs all cells from the Run
menu; moves a slider with the keyboard; and checks the summary sentence and the cost
chart's data against what ``capacity.analysis.whatif`` computes for the slider's new value.
A screenshot goes to test-artifacts/what-if.png.

Without chromium the test skips, except under CI (CI=true), where it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from capacity import load_book, load_scenario
from capacity.analysis.whatif import Workbench, summary_sentence
from capacity.apps.app import NOTEBOOK
from capacity.views.widgets import lever_css_class

from tests.browser import (ARTIFACTS, CHROMIUM_ARGS, free_port, keep_failure, move_slider, plot_data,
                           wait_for_cost_curve, wait_for_summary)
from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO, ROOT, chromium_path

pytestmark = pytest.mark.browser

KERNEL_TIMEOUT_MS = int(os.environ.get("WHATIF_KERNEL_MS", 180_000))
STEP_TIMEOUT_MS = int(os.environ.get('WHATIF_STEP_MS', 60_000))
def _get(url: str, timeout: float = 5) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server serving a copy of the notebook; yields (base url, token, notebook path)."""
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(NOTEBOOK, root / "notebooks" / "what-if.ipynb")
    settings = tmp_path / "settings"
    # No autosave, no news prompt: nothing but the notebook on screen.
    for plugin, values in {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    }.items():
        target = settings / plugin
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
            "--ip=127.0.0.1", "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{(tmp_path / 'jupyterlab.log').read_text()[-3000:]}")
            try:
                if _get(f"{base}/api/status?token={token}") == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 120 s:\n{(tmp_path / 'jupyterlab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        _start_kernel(base, token, "notebooks/what-if.ipynb")
        yield base, token, "notebooks/what-if.ipynb"
    finally:
        _stop(server, base, token)
        log.close()


def _api(base: str, token: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}{path}", method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _start_kernel(base: str, token: str, notebook: str) -> None:
    """Start the notebook's session and kernel before the page opens.

    JupyterLab then attaches to the running kernel instead of racing its own kernel start
    against the kernelspec list (which can pop up a "Select Kernel" dialog and drop a
    Run All). The page waits for the kernel to report idle.
    """
    session = _api(base, token, "/api/sessions",
                   {"path": notebook, "name": Path(notebook).name, "type": "notebook", "kernel": {"name": "python3"}})
    assert session["kernel"]["name"] == "python3", session


def _stop(server: subprocess.Popen, base: str, token: str) -> None:
    """Shut the server down with its kernels (they run in their own sessions), then make sure."""
    if server.poll() is None:
        try:
            request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST", data=b"")
            urllib.request.urlopen(request, timeout=10).close()
            server.wait(timeout=30)
        except Exception:
            pass
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _run_all_cells(page, attempts: int = 3) -> None:
    """Run > Run All Cells, until the last cell has run or is running.

    Right after a fresh kernel reports idle, JupyterLab sometimes drops the execute
    requests of a Run All (the prompts fall back to ``[ ]`` with the kernel idle); a
    person clicks again, and so does this. An error in a cell is not retried: its
    prompt shows a number.
    """
    ran = "() => { const p = document.querySelectorAll('.jp-CodeCell .jp-InputPrompt');" \
          " const last = p[p.length - 1]; return last && /\\[(\\d+|\\*)\\]/.test(last.innerText); }"
    for attempt in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(ran, timeout=20_000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise


def _open_file_browser(page) -> None:
    """Show JupyterLab's file browser in the left sidebar (a click on its tab toggles it)."""
    browser_panel = page.locator("#filebrowser")
    if not browser_panel.is_visible():
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']").click()
    browser_panel.wait_for(state="visible")
    assert browser_panel.bounding_box()["width"] > 150


def _assert_levers_fully_visible(page, bench: Workbench) -> None:
    """Every slider shown: its label and readout text whole, not cut by its box or the notebook."""
    shown = [*bench.frequency_levers("Enterprise"), bench.knob("time_split"), bench.knob("cost"),
             *bench.threshold_levers()]
    boxes = page.evaluate(
        """(classes) => classes.map((cls) => {
            const slider = document.querySelector('.' + cls);
            const notebook = slider.closest('.jp-WindowedPanel-outer, .jp-Notebook').getBoundingClientRect();
            const parts = {notebook: {left: notebook.left, right: notebook.right}};
            for (const [name, sel] of [['label', '.widget-label'], ['readout', '.widget-readout']]) {
                const el = slider.querySelector(sel);
                const box = el.getBoundingClientRect();
                parts[name] = {text: el.innerText.trim(), scroll: el.scrollWidth, client: el.clientWidth,
                               left: box.left, right: box.right};
            }
            const outer = slider.getBoundingClientRect();
            parts.slider = {left: outer.left, right: outer.right};
            return parts;
        })""",
        [lever_css_class(bench, lever) for lever in shown],
    )
    for lever, box in zip(shown, boxes):
        expected_readout = {v: k for k, v in bench.slider_options(lever)}[bench.base.value(lever)]
        assert box["readout"]["text"] == expected_readout, (lever, box)
        assert box["label"]["text"] == bench.label(lever), (lever, box)
        for part in ("label", "readout"):
            assert 0 < box[part]["scroll"] <= box[part]["client"], (lever, part, box)
            for outer in ("slider", "notebook"):  # inside its slider, and the slider on screen
                inside = box[outer]["left"] - 0.5 <= box[part]["left"] and box[part]["right"] <= box[outer]["right"] + 0.5
                assert inside, (lever, part, outer, box)


def test_moving_a_slider_in_jupyterlab_updates_summary_and_chart(jupyterlab):
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    base, token, notebook = jupyterlab
    scenario = load_scenario(DEFAULT_SCENARIO)
    bench = Workbench(scenario, load_book(DEFAULT_BOOK))
    lever = bench.knob("frequency", "Enterprise", 0)  # Success plan review, per month
    started = time.monotonic()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        # 1400 px with the file browser open: the narrowest notebook the sliders must fit.
        page = browser.new_page(viewport={"width": 1400, "height": 1900})
        errors = []  # e.g. "[anywidget] Failed to initialize model.": a chart that will not follow
        page.on("pageerror", lambda error: errors.append(error.message))
        try:
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(f"{base}/lab/tree/{notebook}?token={token}", timeout=KERNEL_TIMEOUT_MS)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=KERNEL_TIMEOUT_MS)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=KERNEL_TIMEOUT_MS)

            _open_file_browser(page)
            _run_all_cells(page)

            summary = page.locator(".capacity-summary")
            summary.wait_for(state="visible", timeout=KERNEL_TIMEOUT_MS)
            initial = summary_sentence(bench.base_plan, "Enterprise")
            wait_for_summary(page, initial)
            wait_for_cost_curve(page)
            before = plot_data(page, "capacity-chart-cost")
            _assert_levers_fully_visible(page, bench)

            value, pressed = move_slider(page, bench, lever, 4)  # four steps of 0.25: from once a month to twice
            assert value > 1.0
            levers = bench.base.with_value(lever, value)
            expected_plan = bench.recompute(levers)
            expected = summary_sentence(expected_plan, "Enterprise")
            assert expected != initial
            try:
                wait_for_summary(page, expected)
            finally:
                ARTIFACTS.mkdir(exist_ok=True)
                page.locator(".capacity-workbook").screenshot(path=str(ARTIFACTS / "what-if.png"))
            assert summary.inner_text().strip() == expected
            print(f"summary updated {time.monotonic() - pressed:.2f} s after the last key press")

            curve = bench.curve(lever, levers)
            wait_for_cost_curve(page, at=value)
            after = plot_data(page, "capacity-chart-cost")
            assert after[0]["x"] != before[0]["x"]
            np.testing.assert_allclose(after[0]["x"], curve.values)
            assert after[0]["y"] == list(curve.headcount), (after[0], before[0])
            assert after[1]["y"] == [expected_plan.totals.headcount]

            # The month axis: when renewal preparation happens moves the calendar chart, not the team.
            offset = bench.knob("offset", "Enterprise", 5)
            moved, _ = move_slider(page, bench, offset, 6)  # six steps of 15 days from 90 days before
            levers = levers.with_value(offset, moved)
            calendar = bench.calendar(levers)
            page.wait_for_function(
                "([cls, y]) => { const p = document.querySelector(`.${cls} .js-plotly-plot`);"
                " return !!p && !!p.data && p.data[0].y.length === y.length"
                " && Array.from(p.data[0].y).every((v, i) => Math.abs(v - y[i]) < 1e-6); }",
                arg=["capacity-chart-calendar", list(calendar.hours[0])])
            drawn = plot_data(page, "capacity-chart-calendar")
            np.testing.assert_allclose(drawn[0]["y"], calendar.hours[0])
            assert drawn[-1]["x"] == [calendar.peak().month]
            assert summary.inner_text().strip() == expected  # the same team
            # Hire or automate: the help centre's slider, six steps of 5% from not adopted to 30% of SMB questions.
            automation = bench.knob("automation", "SMB", "Inbound questions")
            move_slider(page, bench, automation, 6)
            readout = f".{lever_css_class(bench, automation)} .widget-readout"
            page.wait_for_function("(sel) => document.querySelector(sel).innerText.trim() === '30%'", arg=readout)
            share = 0.3
            levers = levers.with_value(automation, share)
            adopted = bench.recompute(levers)
            assert adopted.totals.tooling_cost_per_year == 1343 * 15
            wait_for_summary(page, summary_sentence(adopted, "Enterprise"))
            assert "of tooling" in summary.inner_text()
            curve = bench.curve(automation, levers)
            wait_for_cost_curve(page, at=share)
            drawn = plot_data(page, "capacity-chart-cost")
            np.testing.assert_allclose(drawn[2]["y"], curve.cost_with_tooling_per_year)  # cost with tooling
        except Exception:
            keep_failure(page, "what-if", errors)
            raise
        finally:
            browser.close()
    print(f"browser run took {time.monotonic() - started:.1f} s")
