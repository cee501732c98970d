"""Budgets of the fiscal-year plan."""

from __future__ import annotations

from capacity import load_scenario
from capacity.model.fiscal import fiscal_plan

from .harness import Measurement, budget, median_seconds


def _scenario(segments: int, months: int) -> dict:
    """``segments`` segments sized without a book, growing, churning, with attrition, managers and a raise."""
    return {
        "name": "Fiscal benchmark",
        "csm": {"customer_time_share": 0.6667, "loaded_cost_per_year": 150_000},
        "segments": [
            {
                "name": f"Segment {i}", "min_arr": i * 10_000.0, "customers": 50 * (i + 1), "arr": 2e6 * (i + 1),
                "new_customer_rate": 0.3, "churn_per_year": 0.1,
                "new_customers_per_month": [float(i + 1 + (m % 3)) for m in range(months)],
                "touchpoints": [
                    {"name": "Review", "kind": "recurring", "minutes": 60, "per_month": 1},
                    {"name": "Kick-off", "kind": "one_time", "minutes": 180},
                    {"name": "Escalations", "kind": "inbound", "minutes": 15, "per_month": 2},
                    {"name": "Webinar", "kind": "program", "minutes": 90, "per_month": 1},
                ],
            }
            for i in range(segments)
        ],
        "fiscal_year": {
            "start": "2027-02", "months": months, "hiring_lead_time_months": 2, "ramp_months": 3,
            "attrition_per_year": 0.15, "target_utilization": 0.85, "csms_per_manager": 8,
            "manager_loaded_cost_per_year": 210_000, "salary_increase": {"month": "2027-04", "rate": 0.03},
        },
    }


@budget("fiscal-year plan, 12 months x 10 segments (median)", limit=50, unit="ms")
def fiscal_year_plan(smoke: bool) -> Measurement:
    segments = 2 if smoke else 10
    scenario = load_scenario(_scenario(segments, 12))  # validated once, as a notebook or report holds it
    return Measurement(median_seconds(lambda: fiscal_plan(scenario), repeat=5 if smoke else 31) * 1000,
                       f"{segments} segments, 12 months, rows and summary included")


@budget("fiscal plan, 60 months x 10 segments (median)", limit=100, unit="ms")
def fiscal_five_years(smoke: bool) -> Measurement:
    segments = 2 if smoke else 10
    scenario = load_scenario(_scenario(segments, 60))
    return Measurement(median_seconds(lambda: fiscal_plan(scenario), repeat=5 if smoke else 31) * 1000,
                       f"{segments} segments, 60 months (five years), rows, years and summary included")


@budget("fiscal plan with a hiring block, 60 months x 10 segments (median)", limit=250, unit="ms")
def fiscal_five_years_recruiting(smoke: bool) -> Measurement:
    segments = 2 if smoke else 10
    data = _scenario(segments, 60)
    data["hiring"] = {"recruiters": 2, "hires_per_recruiter_per_month": 1.5, "hire_ahead_of_attrition": True,
                      "offer_acceptance_rate": 0.8, "funnel": {"application_to_interview": 0.1, "interview_to_offer": 0.3}}
    scenario = load_scenario(data)
    return Measurement(median_seconds(lambda: fiscal_plan(scenario), repeat=5 if smoke else 31) * 1000,
                       f"{segments} segments, 60 months, recruiting's limit (the plan run with and without it), "
                       "hiring ahead of attrition, the funnel")
