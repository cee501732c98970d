"""capacity: how many CSMs do we need, what will they cost, and why?

Bottom-up Customer Success capacity planning, per segment, beside the top-down
ARR-per-CSM ratios. The public API:

>>> import capacity
>>> scenario = capacity.load_scenario("data/scenario.yaml")   # doctest: +SKIP
>>> result = capacity.plan(scenario)                          # doctest: +SKIP
>>> result.to_frame()                                         # doctest: +SKIP
>>> year = capacity.fiscal_plan(scenario)                     # doctest: +SKIP
"""

from .book import Book, load_book
from .context import Context, load_context
from .exceptions import BookError, CapacityError, OutputError, ReportError, ScenarioError
from .fiscal import FiscalPlan, fiscal_plan
from .plan import Plan, plan
from .queueing import erlang_c_agents, erlang_c_service_level
from .scenario import Scenario, load_scenario
from .segments import assign_segments, segment_sizes

__all__ = [
    "Book",
    "BookError",
    "CapacityError",
    "Context",
    "FiscalPlan",
    "OutputError",
    "Plan",
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
    "segment_sizes",
]

__version__ = "0.1.0"
