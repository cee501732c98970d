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




def three_year_sample(*, hiring: bool = True) -> dict:
    """The sample company planned over three years: its 12-month arrivals repeated and grown 15% a year, prices up
    3% a year across fixed thresholds, and (``hiring``) one recruiter closing a hire a month, replacements hired
    ahead of attrition, a time to fill of 1 to 4 months and a funnel."""
    import yaml

    data = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    data["book"] = str(DATA / data["book"])
    data["fiscal_year"]["months"] = 36
    data["fiscal_year"]["inflation_per_year"] = 0.03
    for seg in data["segments"]:
        seg["new_customers_growth_per_year"] = 0.15
    if hiring:
        del data["fiscal_year"]["hiring_lead_time_months"]
        del data["uncertainty"]["hiring_lead_time_months"]
        data["hiring"] = {"recruiters": 1, "hires_per_recruiter_per_month": 1, "offer_acceptance_rate": 0.8,
                          "time_to_fill_months": {"low": 1, "most_likely": 2, "high": 4},
                          "hire_ahead_of_attrition": True,
                          "funnel": {"application_to_interview": 0.1, "interview_to_offer": 0.3}}
    return data
