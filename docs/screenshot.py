"""Screenshot the first screen of a rendered report for the README: ``python docs/screenshot.py``.

Renders the default report (``make report``) first if ``reports/scenario.html`` is missing,
then opens it in Debian's chromium (headless, every network request refused) and writes
``docs/report.png``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "reports" / "scenario.html"
OUT = ROOT / "docs" / "report.png"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not PAGE.exists():
        subprocess.run([sys.executable, "-m", "capacity", "report", "--out", "reports"],
                       cwd=ROOT, check=True)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("error: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(PAGE.as_uri(), wait_until="load")
        page.wait_for_selector(".plotly-graph-div .main-svg")
        page.screenshot(path=str(OUT))
        browser.close()
    print(OUT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
