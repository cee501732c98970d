"""Shared fixtures: the embedded default data and small hand-checkable scenarios."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DEFAULT_SCENARIO = DATA / "scenario.yaml"
DEFAULT_BOOK = DATA / "book.csv"

# The worked example of the README: one segment, 40 customers.
EXAMPLE = {
    "name": "Worked example",
    "csm": {
        "hours_per_week": 40,
        "weeks_per_year": 52,
        "pto_days": 25,
        "customer_time_share": 0.6667,
        "loaded_cost_per_year": 150000,
    },
    "segments": [
        {
            "name": "Enterprise",
            "min_arr": 100000,
            "coverage": "dedicated",
            "new_customer_rate": 0.25,
            "customers": 40,
            "arr": 8000000,
            "touchpoints": [
                {"name": "Success plan review", "kind": "recurring", "minutes": 60, "per_month": 1},
                {"name": "Business review", "kind": "recurring", "minutes": 120, "per_year": 4},
                {"name": "Kick-off", "kind": "one_time", "minutes": 180},
                {"name": "Escalations", "kind": "inbound", "minutes": 15, "per_month": 4},
                {"name": "Webinar", "kind": "program", "minutes": 90, "per_month": 1},
            ],
        }
    ],
}


@pytest.fixture
def example() -> dict:
    """A fresh deep copy of the worked example, safe to edit."""
    return copy.deepcopy(EXAMPLE)


@pytest.fixture
def two_tier() -> dict:
    """Two segments for books: Large from 10,000, Small from 0."""
    return {
        "csm": {"customer_time_share": 0.5, "loaded_cost_per_year": 100000},
        "segments": [
            {"name": "Large", "min_arr": 10000, "touchpoints": [
                {"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 2}]},
            {"name": "Small", "min_arr": 0, "coverage": "pooled", "touchpoints": [
                {"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1}]},
        ],
    }


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def chromium_path() -> str:
    """Debian's chromium for browser tests: a skip on a developer's machine without it, a failure in CI."""
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pytest_collection_finish(session):
    """Refuse to run a parallel suite whose groups pytest-xdist cannot see: it would spread a file's tests
    over both workers, build its module fixtures twice and drive two browsers at once, saying nothing."""
    config = session.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        return
    ungrouped = [item.nodeid for item in session.items
                 if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid]
    if ungrouped:
        raise pytest.UsageError(f"pytest-xdist did not group {ungrouped[0]} (pytest {pytest.__version__}; see "
                                "pytest-xdist#1386 and the pin in requirements.txt)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Keep a test file on one worker of a parallel run (``-n auto --dist loadgroup``; a walkthrough's cells
    run in order in one kernel), and the browser tests on the same worker, one at a time: two headless
    browsers driving JupyterLab or Voila at once on a two-core machine starve each other past their timeouts.

    First of the hooks: pytest-xdist's worker reads the groups in its own hook, which would otherwise run
    before this one and see none, spreading a file's tests (and its module fixtures) over both workers.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            path = item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group("browser" if item.get_closest_marker("browser") else path))
