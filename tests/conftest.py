"""Shared fixtures: the embedded default data and small hand-checkable scenarios."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "capacity" / "sample"  # the sample company, shipped in the package (capacity.sample)
DEFAULT_SCENARIO = DATA / "scenario.yaml"
DEFAULT_BOOK = DATA / "book.csv"

# The worked example of the method page (docs/method.md): one segment, 40 customers.
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


