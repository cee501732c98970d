"""Every error the package raises on bad input.

All of them subclass :class:`CapacityError`, itself a :class:`ValueError`, and carry
the file and the place in it (a key path such as ``segments[0].touchpoints[1].minutes``
or a row such as ``row 17``) so that one line tells the user what to fix. The CLI is the
only place that turns them into ``error: ...`` lines and exit code 2.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["CapacityError", "ScenarioError", "BookError", "CurrencyRatesError", "ActivityLogError", "ReportError",
           "OutputError", "RebalanceInfeasible", "FitError"]


class CapacityError(ValueError):
    """Bad input: names the file, the place in it, and what is wrong.

    Parameters
    ----------
    message : str
        What is wrong, in the user's terms.
    file : str or path-like, optional
        The file the input came from; omitted for inputs given as Python objects.
    where : str, optional
        The key path, row or column inside the file.
    """

    def __init__(self, message: str, *, file: str | PathLike[str] | None = None, where: str | None = None):
        self.message = message
        self.file = None if file is None else str(file)
        self.where = where
        super().__init__(self._line())

    def _line(self) -> str:
        parts = [p for p in (self.file, self.where) if p]
        # One line, always: a user's value may hold a newline.
        text = ": ".join(parts + [self.message])
        return " ".join(text.split("\n"))

    def __str__(self) -> str:
        return self._line()


class ScenarioError(CapacityError):
    """The scenario (YAML file or dict) is malformed or inconsistent."""


class BookError(CapacityError):
    """The book of accounts (CSV or Excel) cannot be read or fails validation."""


class CurrencyRatesError(BookError):
    """A book's ARR is in currencies the scenario has no ``fx_rates`` for.

    ``counts`` are the accounts in each currency of the book, ``currency`` the scenario's, ``missing`` the
    currencies without a rate: what a program words its own way (``capacity init`` asks for ``--fx``).
    """

    def __init__(self, message: str, *, counts: dict[str, int], currency: str, missing: tuple[str, ...],
                 file: str | PathLike[str] | None = None, where: str | None = None):
        self.counts, self.currency, self.missing = dict(counts), currency, tuple(missing)
        super().__init__(message, file=file, where=where)


class ActivityLogError(CapacityError):
    """The activity log (CSV or Excel of logged CSM work) cannot be read or fails validation."""


class ReportError(CapacityError):
    """A report cannot be rendered, for example because of a bad parameter."""


class OutputError(CapacityError, OSError):
    """A result cannot be written where the user asked (a folder, no permission, a full disk).

    Also an :class:`OSError`, so code that catches a failed write as one still does.
    """


class RebalanceInfeasible(CapacityError):
    """No rebalance of today's team meets the utilization band asked for (too few CSMs, or too lumpy)."""


class FitError(CapacityError):
    """A headcount or budget cap that no combination of the trade-off menu reaches (or a cap that is no number)."""
