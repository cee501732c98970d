"""The planning context: a scenario and its book, loaded once.

Every step after loading (the plan, the fiscal year, the sensitivity, the what-if, the report,
options and variants) takes a :class:`Context`, never a path, so a run parses the scenario
once and the book once. :func:`load_context` holds the one rule for finding the book:

1. a book given explicitly (``--book``, a ``book`` argument) is used;
2. else the scenario's ``book`` key, a path relative to the scenario file;
3. else there is no book, and each segment gives its ``customers`` and ``arr``.

Results that cost something to compute (the plan, the fiscal plan, the sensitivity) are kept on
the context by the function that computes them (:meth:`Context.cached`): :func:`capacity.plan` of a
context is computed once, however many views ask for it. A variant of the context
(:meth:`Context.with_changes`) shares the loaded book and computes its own results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from capacity.inputs.book import Book, load_book
from capacity.exceptions import ScenarioError
from capacity.inputs.scenario import Scenario, load_scenario

#: The scenario's keys that say how its book is read: a change to one would leave the book read the old way (and
#: ``currency`` too, for a book with a currency column: its ARR was converted to the old one).
READS_THE_BOOK = ("book", "book_columns", "book_sheet", "fx_rates")

_Result = TypeVar("_Result")

__all__ = ["Context", "load_context"]


@dataclass(frozen=True, eq=False)
class Context:
    """A validated scenario and its book (None when segments give customers and ARR themselves).

    Build it with :func:`load_context`.
    """

    scenario: Scenario
    book: Book | None = None
    _results: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def with_changes(self, changes: Mapping[str, Any]) -> "Context":
        """The same book under ``scenario.with_changes(changes)``
        (see :meth:`~capacity.inputs.scenario.Scenario.with_changes`)."""
        if self.book is not None:
            from capacity.inputs import keypath

            for path in changes:
                key = keypath.parse(path)[0][1]
                if key in READS_THE_BOOK or (key == "currency" and self.book.has_column("currency")):
                    raise ScenarioError("changes how the book is read, and the book is read already; edit the "
                                        "scenario file", where=path)
        scenario = self.scenario.with_changes(changes)
        return self if scenario is self.scenario else Context(scenario, self.book)

    @property
    def source(self) -> Path | None:
        """The scenario file, if the scenario came from one."""
        return self.scenario.source

    def cached(self, compute: Callable[["Context"], _Result]) -> _Result:
        """``compute(self)``, computed on the first call and kept for this context.

        The key is the function itself, so each result has one home: :func:`capacity.plan`,
        :func:`capacity.fiscal_plan` and :func:`capacity.analysis.sensitivity.tornado` ask for
        themselves, and the context never names the layers above it.
        """
        try:
            return self._results[compute]
        except KeyError:
            result = self._results[compute] = compute(self)
            return result


def load_context(scenario: "Scenario | Context | Mapping | str | Path", book: "Book | str | Path | None" = None, *,
                 lean: bool = False) -> Context:
    """Load a scenario and find and load its book, once.

    Parameters
    ----------
    scenario : Scenario, Context, dict or path
        A scenario (see :func:`capacity.load_scenario`); a context is returned as it is
        unless ``book`` replaces its book.
    book : Book, path or database book, optional
        A book of accounts that replaces the scenario's ``book``: a CSV, .xlsx or .parquet file,
        or a database table or query (:class:`capacity.inputs.sources.DatabaseBook`, or a dict with
        ``url`` and ``table`` or ``query``).
    lean : bool
        Read only the book's columns a plan of the scenario uses
        (:func:`capacity.inputs.book_columns.needed_columns`): the command line's ``plan`` and ``fiscal``.
        By default every column the package knows is read (owners, health, names for the team,
        the rebalance and the report).

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
        if isinstance(scenario.book, Path) and not scenario.book.exists():
            raise ScenarioError(
                f"book file not found: {scenario.book} (a relative path is read from the scenario's folder)",
                file=scenario.source,
                where="book",
            )
        book = scenario.book
    if book is not None and not isinstance(book, Book):
        from capacity.inputs.book_columns import needed_columns

        book = load_book(book, columns=scenario.book_columns, needs=needed_columns(scenario) if lean else None,
                         currency=scenario.currency, fx_rates=scenario.fx_rates, sheet=scenario.book_sheet)
    return Context(scenario, book)
