"""What the browser tests share: chromium's flags, a free port, and the waits on the what-if's page.

The JupyterLab test (tests/views/test_whatif_browser.py) and the app test
(tests/apps/test_app_browser.py) drive the same workbook, so they move a slider, wait for the
sentence and read the charts' traces the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plot_data(page, chart_class: str) -> list[dict] | None:
    """The x and y of every trace of the plot inside ``.chart_class``; None before it is drawn."""
    return page.evaluate(
        """(cls) => {
            const plot = document.querySelector(`.${cls} .js-plotly-plot`);
            return plot && plot.data ? plot.data.map(t => ({x: Array.from(t.x || []), y: Array.from(t.y || [])})) : null;
        }""",
        chart_class,
    )


def wait_for_summary(page, text: str, timeout: float | None = None) -> None:
    """Until the summary sentence reads ``text`` (it may not be on the page yet)."""
    page.wait_for_function(
        "(t) => { const e = document.querySelector('.capacity-summary'); return !!e && e.innerText.trim() === t; }",
        arg=text, **({} if timeout is None else {"timeout": timeout}),
    )


def wait_for_cost_curve(page, at: float | None = None, timeout: float | None = None) -> None:
    """Until the cost chart draws its curve, and with ``at``, its marker at that slider value.

    The predicate cannot throw on a plot that is not drawn yet (no element, no data, no trace).
    """
    page.wait_for_function(
        "(n) => { const p = document.querySelector('.capacity-chart-cost .js-plotly-plot');"
        " if (!(p && p.data && p.data.length && p.data[0].x && p.data[0].x.length > 1)) return false;"
        " return n === null || !!(p.data.length > 1 && p.data[1].x && p.data[1].x[0] === n); }",
        arg=at, **({} if timeout is None else {"timeout": timeout}),
    )


def move_slider(page, bench, lever, presses: int) -> tuple[float, float]:
    """Focus ``lever``'s slider, press the right arrow ``presses`` times and wait for its readout to move.

    Returns the slider's new value (read off its readout) and the time of the last key press.
    """
    from capacity.views.widgets import lever_css_class

    slider = "." + lever_css_class(bench, lever)
    readout = page.locator(f"{slider} .widget-readout")
    shown = readout.inner_text().strip()
    handle = page.locator(f"{slider} .noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    pressed = time.monotonic()
    page.wait_for_function("([sel, before]) => document.querySelector(sel).innerText.trim() !== before",
                           arg=[f"{slider} .widget-readout", shown])
    return dict(bench.slider_options(lever))[readout.inner_text().strip()], pressed


def keep_failure(page, name: str, errors: list[str] = ()) -> None:
    """What the page showed when a test went wrong, for the CI log's artifacts: a screenshot, the HTML, the errors."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"))
    (ARTIFACTS / f"{name}-failure.html").write_text(page.content())
    (ARTIFACTS / f"{name}-failure-errors.txt").write_text("\n".join(errors))


def stop_server(server: subprocess.Popen, log) -> None:
    """Stop an app's launcher (it stops Voila and its kernels), killing its process group if it hangs; close its log."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    log.close()
