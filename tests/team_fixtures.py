"""A small hand-checkable team: three segments, three CSMs, eight accounts (see tests/analysis/test_team.py)."""

from __future__ import annotations

import copy

import pandas as pd

from capacity.inputs.book import Book

# A CSM's month: 40 h x 52 weeks / 12 = 173.33 working hours, 75% for customers = 130 h.
TEAM_SCENARIO = {
    "name": "Small team",
    "csm": {"hours_per_week": 40, "weeks_per_year": 52, "pto_days": 0, "customer_time_share": 0.75,
            "loaded_cost_per_year": 120000},
    "segments": [
        {"name": "Key", "min_arr": 50000, "coverage": "dedicated",
         "touchpoints": [{"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 2},       # 2 h/customer
                         {"name": "Council", "kind": "program", "minutes": 120, "per_month": 1}]},     # 2 h/month
        {"name": "Pool", "min_arr": 10000, "coverage": "pooled",
         "touchpoints": [{"name": "Check-in", "kind": "recurring", "minutes": 30, "per_month": 1},     # 0.5 h/customer
                         {"name": "Webinar", "kind": "program", "minutes": 60, "per_month": 4}]},      # 4 h/month
        {"name": "Digital", "min_arr": 0, "coverage": "digital",
         "touchpoints": [{"name": "Newsletter", "kind": "program", "minutes": 60, "per_month": 1}]},
    ],
}

TEAM_ROWS = [
    # account_id, arr, csm, health
    ("A1", 100000, "Ann", "Red"),
    ("A2", 80000, "ann ", "green"),   # the same owner, typed differently
    ("A3", 60000, "Bob", "Yellow"),
    ("A4", 20000, "Cat", "Green"),
    ("A5", 15000, "Cat", "Green"),
    ("A6", 12000, "", "Green"),
    ("A7", 500, "Bob", "Green"),
    ("A8", 55000, "", "green"),
]


def team_book(rows=TEAM_ROWS, **extra_columns) -> Book:
    frame = pd.DataFrame(rows, columns=["account_id", "arr", "csm", "health"])
    for name, values in extra_columns.items():
        frame[name] = values
    return Book.from_frame(frame)


def team_scenario(**changes) -> dict:
    scenario = copy.deepcopy(TEAM_SCENARIO)
    scenario.update(changes)
    return scenario
