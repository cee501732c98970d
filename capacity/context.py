"""The planning context: a scenario and its book, loaded once.

Every step after loading (the plan, the fiscal year, the sensitivity, the what-if, the report,
options and variants) takes a :class:`Context`, never a path, so a run parses the scenario
once and the book once. :func:`load_context` holds the one rule for finding the book:

1. a book given explicitly (``--book``, a ``book`` argument) is used;
2. else the scenario's ``book`` key, a path relative to the scenario file;
3. else there is no book, and each segment gives its ``customers`` and ``arr``.

Results that cost something to compute (the plan, the fiscal plan, the sensitivity) are
computed on first use and kept. A variant of the context (:meth:`Context.with_changes`) shares
the loaded book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .book import Book, load_book
from .exceptions import ScenarioError
from .scenario import Scenario, load_scenario

if TYPE_CHECKING:  # the results import this module; only their names are needed here
    from .fiscal import FiscalPlan
    from .plan import Plan
    from .sensitivity import Sensitivity

__all__ = ["Context", "load_context"]


@dataclass(frozen=True, eq=False)
class Context:
    """A validated scenario and its book (None when segments give customers and ARR themselves).

    Build it with :func:`load_context`.
    """

    scenario: Scenario
    book: Book | None = None

    def with_changes(self, changes: Mapping[str, Any]) -> "Context":
        """The same book under ``scenario.with_changes(changes)`` (see :meth:`Scenario.with_changes`)."""
        scenario = self.scenario.with_changes(changes)
        return self if scenario is self.scenario else Context(scenario, self.book)

    @property
    def source(self) -> Path | None:
        """The scenario file, if the scenario came from one."""
        return self.scenario.source

    @cached_property
    def plan(self) -> "Plan":
        """The steady-state plan (:func:`capacity.plan.plan`)."""
        from .plan import plan

        return plan(self)

    @cached_property
    def fiscal(self) -> "FiscalPlan | None":
        """The fiscal-year plan, or None when the scenario has no ``fiscal_year`` block."""
        if self.scenario.fiscal_year is None:
            return None
        from .fiscal import fiscal_plan

        return fiscal_plan(self)

    @cached_property
    def sensitivity(self) -> "Sensitivity":
        """Headcount with every driver moved 20% down and up (:func:`capacity.sensitivity.tornado`)."""
        from .sensitivity import tornado

        return tornado(self, base=self.plan)


def load_context(scenario: "Scenario | Context | Mapping | str | Path", book: "Book | str | Path | None" = None) -> Context:
    """Load a scenario and find and load its book, once.

    Parameters
    ----------
    scenario : Scenario, Context, dict or path
        A scenario (see :func:`capacity.load_scenario`); a context is returned as it is
        unless ``book`` replaces its book.
    book : Book or path, optional
        A book of accounts that replaces the scenario's ``book``.

    Returns
    -------
    Context

    Raises
    ------
    ScenarioError
        When the scenario is invalid, or its ``book`` names a file that does not exist.
    BookError
        When the book cannot be read or fails validation.
    """
    if isinstance(scenario, Context):
        if book is None:
            return scenario
        scenario = scenario.scenario
    scenario = load_scenario(scenario)
    if book is None and scenario.book is not None:
        if not scenario.book.exists():
            raise ScenarioError(
                f"book file not found: {scenario.book} (a relative path is read from the scenario's folder)",
                file=scenario.source,
                where="book",
            )
        book = scenario.book
    if book is not None and not isinstance(book, Book):
        book = load_book(book)
    return Context(scenario, book)
