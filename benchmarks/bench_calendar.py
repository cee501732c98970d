"""Budgets of the calendar: a big book's dated work in its months, and the fiscal year with the calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from capacity import Book, load_scenario
from capacity.inputs.context import load_context
from capacity.inputs.renewals import _CACHE as _DATES
from capacity.inputs.scenario import month_index
from capacity.model.calendar import _PER_BOOK, calendar_inputs
from capacity.model.fiscal import fiscal_plan
from capacity.model.segments import segment_sizes

from .books import DEFAULT_SCENARIO
from .harness import Measurement, budget, median_seconds


def _book(accounts: int, form: str) -> Book:
    """A long-tailed book whose renewal dates fall in a year, written the way ``form`` says (as exports do)."""
    rng = np.random.default_rng(1)
    arr = np.round(np.exp(rng.normal(np.log(8000), 1.3, accounts)), -1)
    days = (np.datetime64("2026-02-01") + rng.integers(0, 730, accounts)).astype("datetime64[D]")
    if form == "ISO":
        text = np.datetime_as_string(days)
    else:  # Salesforce's United States export: 6/20/2027
        text = pd.Series(pd.to_datetime(days)).dt.strftime("%-m/%-d/%Y").to_numpy()
    table = pa.table({"account_id": pa.array(np.arange(accounts).astype(str)), "renewal_date": pa.array(text)})
    return Book(table=table, arr_cents=(arr * 100).astype(np.int64))


def _binning_seconds(accounts: int, form: str, repeat: int) -> float:
    """Median time to read the renewal dates of a loaded book and bin every dated touchpoint's work into the
    fiscal year's months (and the hiring rule's look-ahead), each run from a book nothing was kept for [s]."""
    scenario = load_scenario(DEFAULT_SCENARIO)
    book = _book(accounts, form)
    customers = segment_sizes(scenario, book).customers
    first, months = month_index(scenario.fiscal_year.start), 16

    def binned() -> None:
        _DATES.pop(book, None)  # nothing kept from the run before: the dates read and the months found again
        _PER_BOOK.pop(book, None)
        calendar_inputs(scenario, book, customers, first, months)

    return median_seconds(binned, repeat=repeat)


@budget("calendar: 1M accounts' dated work binned into months after loading, ISO dates (median)", limit=0.5,
        unit="s")
def binning(smoke: bool) -> Measurement:
    accounts = 20_000 if smoke else 1_000_000
    repeat = 3 if smoke else 7
    iso = _binning_seconds(accounts, "ISO", repeat)
    slashes = _binning_seconds(accounts, "month first", repeat)
    return Measurement(iso, f"{accounts:,} accounts: renewal dates read, 3 touchpoints at renewal over 16 months; "
                            f"month-first dates (6/20/2027) {slashes:.2f} s")


@budget("fiscal year with the calendar, default data (median)", limit=50, unit="ms")
def fiscal_year_with_calendar(smoke: bool) -> Measurement:
    context = load_context(DEFAULT_SCENARIO)
    scenario, book = context.scenario, context.book

    def year() -> None:
        fiscal_plan(scenario, book)  # a new context each time: nothing kept but the book's dates

    year()  # the book's renewal dates read once, as any run after loading has them
    return Measurement(median_seconds(year, repeat=5 if smoke else 31) * 1000,
                       "3,000 accounts, 12 months, rows, summary and calendar included")
