"""capacity: how many CSMs do we need, what will they cost, and why?

Bottom-up Customer Success capacity planning, per segment, beside the top-down
ARR-per-CSM ratios. The public API:

>>> import capacity
>>> scenario = capacity.load_scenario("my-scenario.yaml")     # doctest: +SKIP
>>> result = capacity.plan(scenario)                          # doctest: +SKIP
>>> result.to_frame()                                         # doctest: +SKIP
>>> year = capacity.fiscal_plan(scenario)                     # doctest: +SKIP

The package is layered, lowest first: :mod:`capacity.formulas` (pure functions),
:mod:`capacity.inputs` (the scenario, the book), :mod:`capacity.model` (segments, sizing, the plan,
the fiscal year), :mod:`capacity.analysis` (sensitivity, simulation, options, fit, team, rebalance,
calibration), :mod:`capacity.views` (text, charts, report pages, Excel, widgets) and
:mod:`capacity.apps` (the command line, the report, the app). A layer imports only those below it.

The analyses and views named here are imported on first use, so that ``import capacity`` and a
plan load no solver, chart or spreadsheet library.
"""

import importlib

from capacity.exceptions import BookError, CapacityError, OutputError, ReportError, ScenarioError
from capacity.formulas.queueing import erlang_c_agents, erlang_c_service_level
from capacity.inputs.book import Book, load_book
from capacity.inputs.context import Context, load_context
from capacity.inputs.scenario import RULE_OF_THUMB_CUSTOMER_SHARE, InboundService, Scenario, load_scenario, read_yaml
from capacity.model.fiscal import FiscalPlan, fiscal_plan
from capacity.model.plan import Plan, plan, touchpoint_loads
from capacity.model.segments import assign_segments, segment_sizes

#: Public names imported on first use: name -> the module that defines it.
_ON_FIRST_USE = {
    "load_activities": "capacity.inputs.activities",
    "tornado": "capacity.analysis.sensitivity",
    "simulate": "capacity.analysis.simulate",
    "compare": "capacity.analysis.options",
    "fit": "capacity.analysis.fit",
    "default_menu": "capacity.analysis.fit",
    "menu_yaml": "capacity.analysis.fit",
    "business_case": "capacity.analysis.business_case",
    "hire_or_automate": "capacity.analysis.hire_or_automate",
    "team": "capacity.analysis.team",
    "rebalance": "capacity.analysis.rebalance",
    "calibrate": "capacity.analysis.calibrate",
    "practised_scenario": "capacity.analysis.calibrate",
    "render_plan": "capacity.views.text",
    "render_fiscal": "capacity.views.text",
    "render_comparison": "capacity.views.text",
    "render_fit": "capacity.views.text",
}

__all__ = [
    "Book",
    "BookError",
    "CapacityError",
    "Context",
    "FiscalPlan",
    "InboundService",
    "OutputError",
    "Plan",
    "RULE_OF_THUMB_CUSTOMER_SHARE",
    "ReportError",
    "Scenario",
    "ScenarioError",
    "assign_segments",
    "erlang_c_agents",
    "erlang_c_service_level",
    "fiscal_plan",
    "load_book",
    "load_context",
    "load_scenario",
    "plan",
    "read_yaml",
    "segment_sizes",
    "touchpoint_loads",
    *_ON_FIRST_USE,
]

__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _ON_FIRST_USE:
        value = getattr(importlib.import_module(_ON_FIRST_USE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'capacity' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_ON_FIRST_USE})
