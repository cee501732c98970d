"""The what-if app as a person uses it: ``python -m capacity.apps.app`` (what ``make app`` runs) in
Debian's chromium, driven by playwright.

The app is started once for the module on a free local port, with fresh Jupyter config,
data and runtime folders, and opened once: Voila starts a kernel and runs the notebook for
every page load, which is the slow part. The tests check that the page shows widgets and
prose but no code, loads nothing from outside this machine, draws the charts' traces (the
data plotly holds in the page, against ``capacity.analysis.whatif``'s own numbers), and follows a
slider moved with the keyboard. A screenshot goes to test-artifacts/app.png (docs/app.png,
which the README shows, is a copy).

Without chromium the tests skip, except under CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import numpy as np
import pytest

from capacity import load_book, load_scenario
from capacity.analysis.whatif import Workbench, summary_sentence

from tests.browser import (ARTIFACTS, CHROMIUM_ARGS, free_port, keep_failure, move_slider, plot_data, stop_server,
                           wait_for_cost_curve, wait_for_summary)
from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO, ROOT, chromium_path

pytestmark = pytest.mark.browser

SCREENSHOT = ARTIFACTS / "app.png"  # docs/app.png is a copy of it, for the README
PAGE_TIMEOUT_MS = int(os.environ.get("APP_PAGE_MS", 240_000))
STEP_TIMEOUT_MS = int(os.environ.get("APP_STEP_MS", 60_000))
URL_LINE = re.compile(r"(http://127\.0\.0\.1:\d+/)")


@pytest.fixture(scope="module")
def bench() -> Workbench:
    return Workbench(load_scenario(DEFAULT_SCENARIO), load_book(DEFAULT_BOOK))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app of the default scenario, as ``make app PORT=<free port>`` starts it; yields its URL."""
    chromium_path()  # no browser: skip (or fail in CI) before starting a server
    tmp = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop("CAPACITY_SCENARIO_PATH", None)
    env.pop("CAPACITY_BOOK_PATH", None)
    log_path = tmp / "app.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "capacity.apps.app", str(DEFAULT_SCENARIO), "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
    )
    try:
        line = server.stdout.readline()  # the launcher prints the URL once Voila answers
        found = URL_LINE.search(line)
        if not found:
            server.wait(timeout=30)
            pytest.fail(f"no URL printed (exit {server.returncode}): {line!r}\n{log_path.read_text()[-3000:]}")
        assert found.group(1) == f"http://127.0.0.1:{port}/"
        yield found.group(1)
    finally:
        stop_server(server, log)


@pytest.fixture(scope="module")
def page(app_url):
    """One browser page on the app, loaded until the summary sentence is there; records every request."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1700})
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        # A widget's front-end that fails (anywidget gives a module 2 s to load) shows here.
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(error.message))
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(app_url, timeout=PAGE_TIMEOUT_MS)
            page.wait_for_selector(".capacity-summary", state="visible", timeout=PAGE_TIMEOUT_MS)
            # The three charts are drawn (with or without traces: the tests look at those).
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3",
                                   timeout=PAGE_TIMEOUT_MS)
            yield page
        except Exception:
            keep_failure(page, "app", page.errors)
            raise
        finally:
            browser.close()


def test_app_shows_the_workbook_without_code_and_offline(page, bench):
    try:
        assert page.locator(".capacity-summary").inner_text().strip() == summary_sentence(bench.base_plan, "Enterprise")
        # Widgets and prose, no code: no editor, no input prompt, no source text.
        automations = [k for k in bench.knobs if k.kind == "automation"]  # hire or automate: one slider each
        assert page.locator(".capacity-lever").count() == len(bench.threshold_levers()) + 2 + len(
            bench.frequency_levers("Enterprise")) + len(automations) + len(bench.timing_levers("Enterprise"))
        assert len(automations) == 2
        assert page.locator(".cm-editor, .jp-InputArea-editor, .jp-InputPrompt, .CodeMirror").count() == 0
        text = page.locator("body").inner_text()
        assert "What-if: how many customers can a CSM carry" in text
        for source in ("open_workbook", "scenario_path", "import "):
            assert source not in text
        # The charts draw the plan's traces: the cost chart runs along the time share at first.
        curve = bench.curve(bench.knob("time_split"), bench.base)
        wait_for_cost_curve(page)
        cost = plot_data(page, "capacity-chart-cost")
        np.testing.assert_allclose(cost[0]["x"], curve.values)
        assert cost[0]["y"] == curve.headcount.tolist()
        assert cost[1]["y"] == [bench.base_plan.totals.headcount]
        assert cost[3]["y"] == [bench.base_plan.totals.cost_per_year]
        book = plot_data(page, "capacity-chart-book")
        counts = bench.histogram(bench.base).counts
        for i in range(len(bench.names)):
            assert book[i]["y"] == counts[i].tolist()
        # Everything came from the app itself: no CDN, no font or script from outside.
        outside = [url for url in page.requested
                   if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"]
        assert page.requested and outside == []
        assert page.errors == []
    except Exception:
        keep_failure(page, "app", page.errors)
        raise


def test_moving_a_slider_in_the_app_updates_summary_and_chart(page, bench):
    lever = bench.knob("frequency", "Enterprise", 0)  # Success plan review, per month
    try:
        value, pressed = move_slider(page, bench, lever, 4)  # four steps of 0.25: from once a month to twice
        assert value > 1.0
        levers = bench.base.with_value(lever, value)
        expected_plan = bench.recompute(levers)
        expected = summary_sentence(expected_plan, "Enterprise")
        assert expected != summary_sentence(bench.base_plan, "Enterprise")
        wait_for_summary(page, expected)
        print(f"summary updated {time.monotonic() - pressed:.2f} s after the last key press")

        curve = bench.curve(lever, levers)
        wait_for_cost_curve(page, at=value)
        cost = plot_data(page, "capacity-chart-cost")
        np.testing.assert_allclose(cost[0]["x"], curve.values)
        assert cost[0]["y"] == curve.headcount.tolist()
        assert cost[1]["y"] == [expected_plan.totals.headcount]
        assert cost[2]["y"] == curve.cost_per_year.tolist()
        portfolio = plot_data(page, "capacity-chart-portfolio")
        enterprise = bench.names.index("Enterprise")
        np.testing.assert_allclose(portfolio[enterprise]["y"], curve.customers_per_csm[enterprise])
        page.wait_for_timeout(500)  # let plotly finish its transition before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".capacity-workbook").screenshot(path=str(SCREENSHOT))
    except Exception:
        keep_failure(page, "app", page.errors)
        raise
