"""The calendar: every touchpoint's work in the month it happens.

The steady-state plan spreads each touchpoint evenly over the year. A scenario may say when one
happens (see :class:`capacity.inputs.scenario.Touchpoint`):

- ``at: renewal`` with ``offset_days``: each account's touchpoint at its renewal date plus the
  offset, every year on the anniversary (:func:`capacity.formulas.calendar.occurrence_positions`);
  accounts without a date (and segments sized without a book) have theirs spread evenly, counted;
- ``at: {months: [...]}`` or ``{months_of_quarter: [...]}``: the year's occurrences shared equally
  among those calendar months, or those months of each quarter of the fiscal year;
- ``spread_months: n`` on a one-time touchpoint: each new customer's one-time work spread evenly over
  the month they arrive and the ``n - 1`` after it.

A touchpoint's year is unchanged by its placement: every twelve months of :func:`book_calendar` add up
to the plan's hours of a year, touchpoint by touchpoint, so the monthly average is the plan's figure.
How a touchpoint is placed is a :class:`Placement`, registered in :data:`PLACEMENTS`; each places
its hours two ways:

- **today's book** (:func:`book_calendar`, the report's heat map, the what-if, the Excel model):
  the plan's hours in the months they happen, customers as they are today;
- **the fiscal year** (:func:`dated_hours`, :mod:`capacity.model.fiscal` and the simulation): with the
  year's customers. Today's accounts renew on their dates and churn as the fiscal plan churns them
  (month-end counts, the plan's monthly churn); a new customer renews on the anniversaries of the
  day they arrived (each day of their month alike, :func:`capacity.formulas.calendar.cohort_occurrences`),
  so their renewal work comes a year on; one-time work of the months before the first is the
  arrival schedule's (it repeats, as it does after the year end).

A vertical pool takes its share of its segment's month, as it takes its share of the demand.
"""

from __future__ import annotations

import datetime
import functools
import weakref
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd

from capacity.formulas import calendar as dates
from capacity.formulas import workload
from capacity.inputs.book import Book
from capacity.inputs.renewals import renewal_dates
from capacity.inputs.scenario import Scenario, Touchpoint, month_index, month_label

__all__ = ["Placement", "PLACEMENTS", "placement_of", "has_calendar", "calendar_window", "touchpoint_months",
           "CalendarInputs", "calendar_inputs", "unit_hours", "dated_hours", "BookCalendar", "book_calendar",
           "account_positions", "BusiestMonth", "MONTH_NAMES"]

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def has_calendar(scenario: Scenario) -> bool:
    """Whether any touchpoint says when it happens (``at`` or ``spread_months``)."""
    return any(tp.dated for seg in scenario.segments for tp in seg.touchpoints)


def calendar_window(scenario: Scenario) -> tuple[int, int]:
    """The first month (a month index) and the number of months the calendar covers.

    The fiscal year's, with a ``fiscal_year`` block; else the twelve months from January of the
    year it runs in (months and quarters are then calendar ones).
    """
    fiscal = scenario.fiscal_year
    if fiscal is not None:
        return month_index(fiscal.start), fiscal.months
    return datetime.date.today().year * 12, 12


def touchpoint_months(tp: Touchpoint, first_month: int) -> tuple[int, ...]:
    """The calendar months (1 to 12) of a touchpoint placed in months; () for any other."""
    at = tp.at
    if at is None or at == "renewal":
        return ()
    if at.months is not None:
        return tuple(sorted(at.months))
    return dates.quarter_months(at.months_of_quarter, first_month)


# -- what the calendar knows about a scenario and its book ---------------------------------


@dataclass(frozen=True, eq=False)
class CalendarInputs:
    """Where each touchpoint's work falls over ``months`` months from ``first_month``, touchpoints in scenario order.

    Attributes
    ----------
    first_month, months : int
        The window [month index, months].
    placements : tuple of str
        Each touchpoint's :class:`Placement` name.
    segment_of : ndarray (T,)
        Each touchpoint's segment.
    factors : ndarray (T, months)
        A touchpoint placed in months: :func:`capacity.formulas.calendar.month_factors`; 1 otherwise [-].
    book : ndarray (T, months)
        A touchpoint at renewal: today's accounts whose occurrence falls in each month, times 12, each
        weighed by its work against the segment's average account, plus every account without a date
        once a month; 0 otherwise [customers].
    cohorts : tuple
        A touchpoint at renewal: ``(k, m, share)`` arrays of :func:`capacity.formulas.calendar.cohort_occurrences`
        (new customers of month ``k`` whose occurrence falls in month ``m``); None otherwise.
    spread : ndarray (T,)
        A one-time touchpoint's ``spread_months`` (1 otherwise).
    before : ndarray (S, w)
        New customers of the ``w`` months before the first, oldest first (the schedule, repeating).
    shape : ndarray (S, w + months)
        Each segment's arrivals against its average month, a year of the schedule repeating (1 without one),
        the ``w`` months before the first included, for today's book.
    customers : ndarray (S,)
        Today's customers of each segment.
    undated : dict
        Per segment with a touchpoint at renewal, its accounts without a renewal date.
    notes : tuple of str
    """

    first_month: int
    months: int
    placements: tuple[str, ...]
    segment_of: np.ndarray
    factors: np.ndarray
    book: np.ndarray
    cohorts: tuple
    spread: np.ndarray
    before: np.ndarray
    shape: np.ndarray
    customers: np.ndarray
    undated: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class Placement:
    """How one kind of touchpoint is placed in the months. Subclasses register themselves in :data:`PLACEMENTS`.

    ``hours`` is the touchpoint's unit of work (:func:`unit_hours`): a month's hours per customer, per
    segment (a program), or per new customer (one-time work).
    """

    name: ClassVar[str] = ""

    def matches(self, tp: Touchpoint) -> bool:
        raise NotImplementedError

    def today(self, cal: CalendarInputs, t: int) -> np.ndarray:
        """Units of work in each month for today's book, (months,): customers, occurrences or programs."""
        raise NotImplementedError

    def year(self, cal: CalendarInputs, t: int, year: "_Year") -> np.ndarray:
        """Units of work in each month of the fiscal year, (..., months), from its customers and arrivals."""
        raise NotImplementedError


#: Every placement, by name, in the order they are tried (the first that matches places a touchpoint).
PLACEMENTS: dict[str, Placement] = {}


def register(kind: type[Placement]) -> type[Placement]:
    """Class decorator: add a placement to :data:`PLACEMENTS`."""
    PLACEMENTS[kind.name] = kind()
    return kind


def placement_of(tp: Touchpoint) -> Placement:
    """The placement of a touchpoint: the first registered one that matches."""
    for placement in PLACEMENTS.values():
        if placement.matches(tp):
            return placement
    raise ValueError(f"no placement for touchpoint {tp.name!r}")


@dataclass(frozen=True)
class _Year:
    """The fiscal year's customers, for :meth:`Placement.year`: arrays with any leading axes (draws)."""

    customers: np.ndarray  # (..., S, months) month-end customers
    new: np.ndarray  # (..., S, months)
    survivors: np.ndarray  # (..., S, months) share of today's customers still there at month end
    powers: np.ndarray  # (..., S, months) (1 - churn) ** d, d = 0..months-1


@register
class AtRenewal(Placement):
    """``at: renewal``: each account at its renewal date plus ``offset_days``."""

    name = "renewal"

    def matches(self, tp):
        return tp.at == "renewal"

    def today(self, cal, t):
        return cal.book[t]

    def year(self, cal, t, year):
        s = cal.segment_of[t]
        out = year.survivors[..., s, :] * cal.book[t]
        arrivals = np.zeros_like(out)
        k, m, share = cal.cohorts[t]
        for i in range(len(k)):  # a few pairs a year; one order everywhere, so a draw equal to the plan is the plan
            arrivals[..., m[i]] = arrivals[..., m[i]] + year.new[..., s, k[i]] * year.powers[..., s, m[i] - k[i]] * share[i]
        return out + workload.MONTHS_PER_YEAR * arrivals


@register
class InMonths(Placement):
    """``at: {months: [...]}`` or ``{months_of_quarter: [...]}`` on a recurring touchpoint."""

    name = "months"

    def matches(self, tp):
        return tp.at is not None and tp.kind != "program"

    def today(self, cal, t):
        return cal.customers[cal.segment_of[t]] * cal.factors[t]

    def year(self, cal, t, year):
        return year.customers[..., cal.segment_of[t], :] * cal.factors[t]


@register
class Program(Placement):
    """A one-to-many program: the segment's, each month or in its months."""

    name = "program"

    def matches(self, tp):
        return tp.kind == "program"

    def today(self, cal, t):
        return cal.factors[t].copy()

    def year(self, cal, t, year):
        return np.broadcast_to(cal.factors[t], year.customers.shape[:-2] + (cal.months,))


@register
class AtArrival(Placement):
    """One-time work: in the month a customer arrives, or spread over ``spread_months``."""

    name = "arrival"

    def matches(self, tp):
        return tp.kind == "one_time"

    def today(self, cal, t):
        s, n = cal.segment_of[t], int(cal.spread[t])
        widest = cal.shape.shape[1] - cal.months
        shape = cal.shape[s, widest:]
        before = cal.shape[s, widest - (n - 1): widest] if n > 1 else None
        return cal.customers[s] * dates.spread_arrivals(shape, n, before)

    def year(self, cal, t, year):
        s, n = cal.segment_of[t], int(cal.spread[t])
        before = cal.before[s, cal.before.shape[1] - (n - 1):] if n > 1 else None
        return dates.spread_arrivals(year.new[..., s, :], n, before)


@register
class Evenly(Placement):
    """Recurring and inbound work with no date: every month alike."""

    name = "even"

    def matches(self, tp):
        return True

    def today(self, cal, t):
        return np.full(cal.months, float(cal.customers[cal.segment_of[t]]))

    def year(self, cal, t, year):
        return year.customers[..., cal.segment_of[t], :]


def unit_hours(scenario: Scenario, loads, workload_weight=None) -> np.ndarray:
    """Each touchpoint's unit of work, (V, T): a month's hours per customer (recurring, inbound), per segment
    (programs), or per new customer (one-time); account-level work weighs all but programs.

    ``loads`` is :class:`capacity.model.sizing.Loads`; ``workload_weight`` its variants' (V, S), or None.
    """
    kinds = [tp.kind for seg in scenario.segments for tp in seg.touchpoints]
    minutes = np.array([tp.minutes for seg in scenario.segments for tp in seg.touchpoints], dtype=float)
    segment_of = np.array([s for s, seg in enumerate(scenario.segments) for _ in seg.touchpoints], dtype=np.int64)
    out = np.array(loads.touchpoint, dtype=float, copy=True)
    for t, kind in enumerate(kinds):
        if kind == "one_time":
            once = workload.one_time_hours_per_new_customer(minutes[t])
            out[:, t] = once if workload_weight is None else once * workload_weight[:, segment_of[t]]
    return out


# -- today's accounts ------------------------------------------------------------------------

#: What is kept per book while it lives: each account's renewal month and day, its months per offset and window,
#: and (for the last few thresholds) which segment it is in and its work.
_PER_BOOK: "weakref.WeakKeyDictionary[Book, dict]" = weakref.WeakKeyDictionary()
#: Threshold sets whose segments are kept per book (a what-if's threshold slider makes a new one each move).
_KEPT_THRESHOLDS = 4


def account_positions(book: Book, offset_days: int, first_month: int, months: int) -> np.ndarray:
    """Where each account's touchpoint at renewal plus ``offset_days`` falls, (accounts, years); -1 without a
    date or past the window (:func:`capacity.formulas.calendar.occurrence_positions`). Kept per book."""
    cache = _PER_BOOK.setdefault(book, {})
    key = (int(offset_days), int(first_month), int(months))
    if key not in cache:
        if "month and day" not in cache:  # a renewal's month and day of the month decide where it falls
            renewals = renewal_dates(book)
            month = np.asarray(dates.month_of(renewals.day))
            day = np.asarray(renewals.day) - np.asarray(dates.first_day(month)) + 1
            cache["month and day"] = (np.where(renewals.dated, month % 12, 12), np.where(renewals.dated, day, 0))
        month, day = cache["month and day"]
        table = dates.occurrence_table(offset_days, first_month, months)
        # Month 12 stands for no date: its row of the table is -1 throughout.
        table = np.concatenate([table, np.full((table.shape[0], 1, 32), -1, dtype=table.dtype)], axis=1)
        positions = np.empty((len(month), table.shape[0]), dtype=np.int16)
        for year in range(table.shape[0]):
            positions[:, year] = table[year][month, day]
        positions.setflags(write=False)
        cache[key] = positions
    return cache[key]


def _account_ratios(scenario: Scenario, book: Book, segments: np.ndarray, k: int) -> np.ndarray | None:
    """Each account's work against its segment's average account; None without account-level work (every one 1)."""
    from capacity.model import accounts

    if not accounts.uses_account_work(scenario, book):
        return None
    weight = accounts.account_multipliers(scenario, book) * accounts.served_accounts(scenario, book, segments)
    total = np.bincount(segments, weights=weight, minlength=k)
    count = np.bincount(segments, minlength=k)
    average = np.divide(total, count, out=np.ones(k), where=(count > 0) & (total > 0))
    return np.where(total[segments] > 0, weight / average[segments], 1.0)


@functools.lru_cache(maxsize=64)
def _cohorts(first_month: int, months: int, offset_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`capacity.formulas.calendar.cohort_occurrences` as its non-zero (k, m, share), by k then m."""
    matrix = dates.cohort_occurrences(first_month, months, offset_days)
    k, m = np.nonzero(matrix)
    return k, m, matrix[k, m]


def _schedule(scenario: Scenario, s: int, customers: float) -> np.ndarray | None:
    """A segment's new customers month by month as the fiscal plan has them, or None without a fiscal year."""
    fiscal = scenario.fiscal_year
    if fiscal is None:
        return None
    segment = scenario.segments[s]
    monthly = segment.new_customers_per_month
    if monthly is None:
        return np.full(fiscal.months, customers * segment.new_customer_rate / workload.MONTHS_PER_YEAR)
    if isinstance(monthly, tuple):
        return np.array(monthly, dtype=float)
    return np.full(fiscal.months, float(monthly))


def calendar_inputs(scenario: Scenario, book: Book | None, customers, first_month: int, months: int, *,
                    min_arr=None) -> CalendarInputs:
    """Where every touchpoint's work falls over ``months`` months from ``first_month``.

    Parameters
    ----------
    scenario : Scenario
    book : Book or None
        Today's accounts (their renewal dates, segments and work); without one, every customer of a
        segment with a touchpoint at renewal is counted without a date.
    customers : array (S,)
        Today's customers of each segment (the plan's).
    first_month, months : int
        The window [month index, months].
    min_arr : array (S,), optional
        Thresholds other than the scenario's (a what-if), for which accounts are in which segment.
    """
    from capacity.model.accounts import segment_index

    segments = scenario.segments
    touchpoints = [tp for seg in segments for tp in seg.touchpoints]
    segment_of = np.array([s for s, seg in enumerate(segments) for _ in seg.touchpoints], dtype=np.int64)
    count = len(touchpoints)
    k = len(segments)
    customers = np.asarray(customers, dtype=float)
    placements = tuple(placement_of(tp).name for tp in touchpoints)
    factors = np.ones((count, months))
    book_rows = np.zeros((count, months))
    cohorts: list = [None] * count
    spread = np.ones(count, dtype=np.int64)
    undated: dict[str, int] = {}
    notes: list[str] = []
    renewing = sorted({segment_of[t] for t in range(count) if placements[t] == "renewal"})
    account_segment = ratios = renewals = None
    if renewing and book is not None:
        mins = tuple(float(v) for v in (min_arr if min_arr is not None else [seg.min_arr for seg in segments]))
        # Which account is in which segment, and its work, depend on the thresholds and the account-level keys
        # only: kept per book, so that a what-if slider that moves neither does not redo them.
        key = (mins, repr(scenario.workload_multipliers), tuple(repr(seg.serve_only) for seg in segments))
        kept = _PER_BOOK.setdefault(book, {}).setdefault("segments", {})
        if key not in kept:
            found = segment_index(scenario, book, min_arr)
            kept[key] = (found, _account_ratios(scenario, book, found, k))  # ratios None: every account alike
            while len(kept) > _KEPT_THRESHOLDS:
                kept.pop(next(iter(kept)))
        account_segment, ratios = kept[key]
        renewals = renewal_dates(book)
    by_offset: dict[int, np.ndarray] = {}
    for t, tp in enumerate(touchpoints):
        s = int(segment_of[t])
        if tp.at is not None and tp.at != "renewal":
            factors[t] = dates.month_factors(touchpoint_months(tp, first_month), first_month, months)
        if tp.kind == "one_time":
            spread[t] = tp.spread_months or 1
        if placements[t] != "renewal":
            continue
        offset = int(tp.offset_days or 0)
        cohorts[t] = _cohorts(int(first_month), int(months), offset)
        if book is None:
            book_rows[t] = customers[s]
            continue
        if offset not in by_offset:
            by_offset[offset] = _accounts_by_month(account_positions(book, offset, first_month, months),
                                                   account_segment, ratios, renewals.dated, k, months)
        book_rows[t] = by_offset[offset][s]
    for s in renewing:
        name = segments[s].name
        if book is None:
            undated[name] = int(customers[s])
        else:
            undated[name] = int((~renewals.dated[account_segment == s]).sum())
    if renewing and book is None:
        notes.append("no book of accounts: work at renewal is spread evenly over the year")
    elif renewing and not renewals.has_column:
        notes.append("the book has no renewal_date column: work at renewal is spread evenly over the year")
    elif renewing and sum(undated.values()):
        notes.append("accounts without a renewal date have their work at renewal spread evenly: "
                     + ", ".join(f"{n} {c:,}" for n, c in undated.items() if c))
    widest = int(spread.max()) - 1 if count else 0
    before = np.zeros((k, widest))
    shape = np.ones((k, widest + months))
    for s in range(k):
        schedule = _schedule(scenario, s, customers[s])
        if schedule is None or len(schedule) == 0:
            continue
        before[s] = schedule[np.arange(-widest, 0) % len(schedule)]  # the schedule repeats, before as after
        # Today's book: a year of arrivals (the schedule's first twelve months), so that any twelve months
        # hold the year's one-time work, whatever the plan's length.
        year = schedule[np.arange(12) % len(schedule)]
        if year.mean() > 0:
            shape[s] = year[np.arange(-widest, months) % 12] / year.mean()
    return CalendarInputs(int(first_month), int(months), placements, segment_of, factors, book_rows, tuple(cohorts),
                          spread, before, shape, customers, undated, tuple(notes))


def _accounts_by_month(positions: np.ndarray, segment: np.ndarray, ratios: np.ndarray | None, dated: np.ndarray,
                       k: int, months: int) -> np.ndarray:
    """Today's accounts whose occurrence falls in each month, times 12, each weighed by its ratio, plus every account
    without a date once a month, (S, months): one count over the accounts per year of the window."""
    width = months + 1  # slot 0 of each segment: past the window (position -1)
    weights = None if ratios is None else ratios
    out = np.zeros(k * width)
    for year in range(positions.shape[1]):
        out += np.bincount(segment * width + positions[:, year] + 1, weights=weights, minlength=k * width)
    out = out.reshape(k, width)[:, 1:] * workload.MONTHS_PER_YEAR
    undated = np.bincount(segment[~dated], weights=None if ratios is None else ratios[~dated], minlength=k)
    return out + undated[:, None]


# -- the fiscal year -------------------------------------------------------------------------


def dated_hours(cal: CalendarInputs, hours, customers, new, churn) -> np.ndarray:
    r"""Each segment's hours in each month of the year, every touchpoint placed by its calendar.

    .. math:: H_{s,m} = \sum_{t \in s} h_t\, X_{t,m}

    with :math:`h_t` the touchpoint's unit of work (:func:`unit_hours`) and :math:`X_{t,m}` its
    placement's units in month :math:`m` (:meth:`Placement.year`). Leading axes (draws of a
    simulation) are kept; the same inputs give the same bits whatever they are.

    Parameters
    ----------
    cal : CalendarInputs
    hours : array (..., T)
        Each touchpoint's unit of work [h/customer/month, h/month or h/new customer].
    customers : array (..., S, months)
        Month-end customers [customers].
    new : array (..., S, months)
        New customers each month [customers/month].
    churn : array (..., S)
        Monthly churn [1/month].

    Returns
    -------
    array (..., S, months)
        Hours [h/month].
    """
    customers = np.asarray(customers, dtype=float)
    new = np.asarray(new, dtype=float)
    keep = np.broadcast_to(1.0 - np.asarray(churn, dtype=float), customers.shape[:-1])
    survivors = np.empty_like(customers)
    powers = np.empty_like(customers)
    share = np.ones(customers.shape[:-1])
    for m in range(cal.months):
        powers[..., m] = share
        share = share * keep
        survivors[..., m] = share
    year = _Year(customers, new, survivors, powers)
    hours = np.asarray(hours, dtype=float)
    out = np.zeros_like(customers)
    for t, name in enumerate(cal.placements):
        s = cal.segment_of[t]
        out[..., s, :] = out[..., s, :] + hours[..., t, None] * PLACEMENTS[name].year(cal, t, year)
    return out


# -- today's book, placed ----------------------------------------------------------------------


class BusiestMonth(NamedTuple):
    """A busiest month: its label, hours [h], hours above the average month [h] and that as a share of it [-]."""

    month: str
    hours: float
    above: float
    share_above: float


@dataclass(frozen=True)
class BookCalendar:
    """Today's book: the steady-state plan's hours in the months they happen.

    ``hours[s][m]`` is segment ``s``'s work in month ``m`` [h]; every twelve months of a segment add
    up to twelve times ``hours_per_month`` (the plan's hours of a month). ``touchpoint_hours`` holds the
    same per touchpoint, scenario order. ``capacity_hours`` is each segment's plan headcount times a
    CSM's customer hours [h/month].
    """

    scenario: str
    months: tuple[str, ...]
    segments: tuple[str, ...]
    hours: tuple[tuple[float, ...], ...]
    hours_per_month: tuple[float, ...]
    capacity_hours: tuple[float, ...]
    touchpoints: tuple[tuple[str, str, str], ...]  # (segment, touchpoint, placement)
    touchpoint_hours: tuple[tuple[float, ...], ...]
    undated_accounts: dict
    notes: tuple[str, ...] = ()
    #: Each touchpoint's share of its year in each month [-]: its hours in the month over twelve of its months
    #: (any twelve months add up to 1); for a touchpoint of no hours, where its work would fall.
    shares: tuple[tuple[float, ...], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per segment, one column per month [h]."""
        return pd.DataFrame(list(self.hours), index=pd.Index(self.segments, name="segment"), columns=list(self.months))

    def against_average(self) -> pd.DataFrame:
        """Each month's hours over the segment's average month (1.3 is 30% above it) [-]; 1 for a segment without hours."""
        hours = self.to_frame()
        average = pd.Series(self.hours_per_month, index=hours.index)
        return hours.div(average.where(average > 0), axis=0).fillna(1.0)

    @property
    def total(self) -> np.ndarray:
        """Every segment's hours each month [h]."""
        return np.sum(np.array(self.hours, dtype=float).reshape(len(self.segments), len(self.months)), axis=0)

    def peak(self, segment: str | None = None) -> "BusiestMonth":
        """The busiest month of a segment (or of all segments): its hours and how far above the average month."""
        if segment is None:
            values, average = self.total, float(sum(self.hours_per_month))
        else:
            s = self.segments.index(segment)
            values, average = np.array(self.hours[s]), self.hours_per_month[s]
        m = int(np.argmax(values))
        above = float(values[m] - average)
        return BusiestMonth(self.months[m], float(values[m]), above, above / average if average > 0 else 0.0)

    def to_dict(self) -> dict:
        return {"months": list(self.months),
                "hours": {name: list(row) for name, row in zip(self.segments, self.hours)},
                "hours_per_month": dict(zip(self.segments, self.hours_per_month)),
                "capacity_hours_per_month": dict(zip(self.segments, self.capacity_hours)),
                "undated_accounts": dict(self.undated_accounts), "notes": list(self.notes)}


def book_calendar(context, *, first_month: int | None = None, months: int | None = None) -> BookCalendar:
    """Today's book with the plan's hours placed in the months they happen (see the module).

    Parameters
    ----------
    context : Context
        The scenario and its book (:func:`capacity.inputs.context.load_context`); the result is kept on it
        for the default window.
    first_month, months : int, optional
        The window; default :func:`calendar_window` (the fiscal year's months).
    """
    if first_month is None and months is None:
        return context.cached(_book_calendar)
    window = calendar_window(context.scenario)
    return _placed(context, first_month if first_month is not None else window[0], months or window[1])


def _book_calendar(context) -> BookCalendar:
    return _placed(context, *calendar_window(context.scenario))


def _placed(context, first_month: int, months: int) -> BookCalendar:
    from capacity.model.plan import plan

    scenario = context.scenario
    steady = plan(context)
    customers = np.array([sp.customers for sp in steady.segments], dtype=float)
    cal = calendar_inputs(scenario, context.book, customers, first_month, months,
                          min_arr=[sp.min_arr for sp in steady.segments])
    # The plan's monthly hours of each touchpoint: per customer (one-time work smoothed), or the segment's program.
    hours = np.array([tp.program_hours_per_month if tp.kind == "program" else tp.hours_per_customer_per_month
                      for sp in steady.segments for tp in sp.touchpoints], dtype=float)
    units = np.array([PLACEMENTS[name].today(cal, t) for t, name in enumerate(cal.placements)])
    units = units.reshape(len(cal.placements), months)
    by_touchpoint = hours[:, None] * units
    # A year's units: customers (or 1 for a program) in each of twelve months.
    per_year = np.array([12.0 if name == "program" else 12.0 * customers[cal.segment_of[t]]
                         for t, name in enumerate(cal.placements)])
    shares = np.divide(units, per_year[:, None], out=np.full_like(units, 1.0 / 12), where=per_year[:, None] > 0)
    k = len(scenario.segments)
    by_segment = np.zeros((k, months))
    for t in range(len(cal.placements)):
        by_segment[cal.segment_of[t]] += by_touchpoint[t]
    labels = tuple(month_label(first_month + m) for m in range(months))
    names = tuple(seg.name for seg in scenario.segments)
    per_month = tuple(float(sp.customers * sp.hours_per_customer_per_month + sp.program_hours_per_month)
                      for sp in steady.segments)
    capacity = tuple(float(sp.headcount * steady.csm.customer_hours_per_month) for sp in steady.segments)
    touchpoints = tuple((seg.name, tp.name, cal.placements[t])
                        for t, (seg, tp) in enumerate((seg, tp) for seg in scenario.segments for tp in seg.touchpoints))
    return BookCalendar(scenario.name, labels, names, tuple(tuple(float(v) for v in row) for row in by_segment),
                        per_month, capacity, touchpoints, tuple(tuple(float(v) for v in row) for row in by_touchpoint),
                        dict(cal.undated), cal.notes, tuple(tuple(float(v) for v in row) for row in shares))
