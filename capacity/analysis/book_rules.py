"""What book building reads from the book besides owners and hours: locks, hierarchies, renewals, risk.

- ``locked``: true, yes, y, 1 or x lock an account with its owner; false, no, n, 0 or a blank
  cell do not (case and surrounding spaces ignored); anything else is refused, naming the row.
- ``parent_account_id``: an account and its parent (and their parents, and siblings under one
  parent even when the parent is not in the book) form a hierarchy, kept with one CSM.
- ``renewal_date`` (YYYY-MM-DD; a date that reads two ways, 03/04/2027, is refused): the next
  renewal is the date itself when it is on or after the plan's day, else its next anniversary;
  an account renewing within the freeze window does not move. Renewals are counted per quarter
  of the (fiscal) year by the month they fall in.
- ``health``: the values a scenario counts as at risk (``Red`` by default).

The renewal arithmetic here (:func:`next_renewal`, :func:`renewal_quarter`) is the calendar's
(month of a renewal, rolled to its next anniversary); it is kept small and pure so that it can
be one with the calendar module's.
"""

from __future__ import annotations

import datetime
import re

import numpy as np

from capacity.exceptions import BookError
from capacity.inputs.book import Book

__all__ = ["LOCK_TRUE", "LOCK_FALSE", "locked", "hierarchies", "renewal_dates", "next_renewal", "days_to_renewal",
           "renewal_quarter", "quarter_months", "at_risk", "QUARTERS"]

#: Cells that lock an account, and cells that leave it free (compared trimmed and case-folded).
LOCK_TRUE = ("true", "yes", "y", "1", "x")
LOCK_FALSE = ("false", "no", "n", "0", "")
#: Renewals are counted in the four quarters of the year.
QUARTERS = 4
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _text_column(book: Book, name: str) -> list[str] | None:
    if not book.has_column(name):
        return None
    return ["" if v is None else str(v).strip() for v in book.table.column(name).to_pylist()]


def locked(book: Book) -> np.ndarray:
    """True for each account the ``locked`` column locks with its owner (all False without the column).

    Raises
    ------
    BookError
        For a cell that is neither a yes nor a no, naming its row and account.
    """
    values = _text_column(book, "locked")
    if values is None:
        return np.zeros(len(book), dtype=bool)
    folded = np.array([v.casefold() for v in values], dtype=object)
    yes = np.isin(folded, LOCK_TRUE)
    bad = ~yes & ~np.isin(folded, LOCK_FALSE)
    if bad.any():
        position = int(np.argmax(bad))
        raise BookError(f"locked {values[position]!r} is neither yes nor no; write true, yes or 1 to lock the "
                        "account with its owner, and false, no, 0 or nothing to leave it free",
                        file=book.source, where=book.row_of(position) + ", column locked")
    return yes


def hierarchies(book: Book) -> np.ndarray:
    """Each account's hierarchy: a label shared by an account, its parent, their parents and the siblings
    under one parent (``parent_account_id``; a parent missing from the book still ties its children).

    Labels are the smallest position of the hierarchy's accounts (file order); an account alone is its own.
    """
    n = len(book)
    parents = _text_column(book, "parent_account_id")
    if parents is None:
        return np.arange(n)
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    ids = {v: i for i, v in enumerate(book.table.column("account_id").to_pylist())}
    outside: dict[str, int] = {}
    rows, cols = [], []
    for i, parent in enumerate(parents):
        if not parent:
            continue
        j = ids.get(parent)
        if j is None:
            j = outside.setdefault(parent, n + len(outside))
        rows.append(i)
        cols.append(j)
    if not rows:
        return np.arange(n)
    size = n + len(outside)
    graph = coo_array((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    _, component = connected_components(graph, directed=False)
    component = component[:n]
    first = np.full(component.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))
    return first[component]


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_TWO_WAYS = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")


def renewal_dates(book: Book) -> np.ndarray | None:
    """The ``renewal_date`` column as ``datetime64[D]`` (NaT for a blank cell), or None without the column.

    Raises
    ------
    BookError
        For a cell that is not a day, or one that reads two ways (03/04/2027), naming its row.
    """
    values = _text_column(book, "renewal_date")
    if values is None:
        return None
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    cache: dict[str, np.datetime64] = {}
    for i, text in enumerate(values):
        if not text:
            continue
        day = cache.get(text)
        if day is None:
            day = cache[text] = _day(text, book, i)
        out[i] = day
    return out


def _day(text: str, book: Book, position: int) -> np.datetime64:
    where = book.row_of(position) + ", column renewal_date"
    match = _ISO.match(text)
    if match:
        try:
            return np.datetime64(datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3))), "D")
        except ValueError:
            raise BookError(f"renewal_date {text!r} is not a calendar day", file=book.source, where=where) from None
    if _TWO_WAYS.match(text):
        raise BookError(f"renewal_date {text!r} could be read day-first or month-first; write it as YYYY-MM-DD, "
                        "e.g. 2027-03-04", file=book.source, where=where)
    raise BookError(f"renewal_date {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-03-04, or leave it blank",
                    file=book.source, where=where)


def next_renewal(dates: np.ndarray, as_of: datetime.date) -> np.ndarray:
    """The next renewal on or after ``as_of``: the date itself when it is not earlier, else its next anniversary.

    An anniversary keeps the month and day (29 February falls on the 28th in other years).
    NaT stays NaT.

    Parameters
    ----------
    dates : array of datetime64[D]
    as_of : date

    Examples
    --------
    >>> d = np.array(["2026-03-15", "2027-09-01", "2024-02-29"], dtype="datetime64[D]")
    >>> next_renewal(d, datetime.date(2026, 6, 1)).astype(str).tolist()
    ['2027-03-15', '2027-09-01', '2027-02-28']
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    today = np.datetime64(as_of, "D")
    month = dates.astype("datetime64[M]")
    month_of_year = month.astype(np.int64) % 12
    day = (dates - month.astype("datetime64[D]")).astype(np.int64)  # 0-based
    years = np.array([as_of.year - 1970, as_of.year + 1 - 1970], dtype=np.int64)

    def anniversary(year: np.int64) -> np.ndarray:
        start = (year * 12 + month_of_year).astype("datetime64[M]")
        length = ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(np.int64)
        return start.astype("datetime64[D]") + np.minimum(day, length - 1)

    this_year = anniversary(years[0])
    rolled = np.where(this_year >= today, this_year, anniversary(years[1]))
    out = np.where(dates >= today, dates, rolled)
    return np.where(np.isnat(dates), np.datetime64("NaT"), out).astype("datetime64[D]")


def days_to_renewal(dates: np.ndarray, as_of: datetime.date) -> np.ndarray:
    """Days from ``as_of`` to the next renewal (:func:`next_renewal`) [days]; -1 where there is no date."""
    ahead = next_renewal(dates, as_of)
    days = (ahead - np.datetime64(as_of, "D")).astype(np.int64)
    return np.where(np.isnat(ahead), -1, days)


def renewal_quarter(dates: np.ndarray, first_month: int = 1) -> np.ndarray:
    """The quarter of the year (0 to 3) each renewal falls in, the year starting in ``first_month``
    (1 = January: calendar quarters; a fiscal year's first month otherwise); -1 where there is no date.

    Examples
    --------
    >>> renewal_quarter(np.array(["2027-01-31", "2027-08-01", "NaT"], dtype="datetime64[D]"), first_month=2).tolist()
    [3, 2, -1]
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12  # 0 = January
    quarter = ((month - (first_month - 1)) % 12) // 3
    return np.where(np.isnat(dates), -1, quarter)


def quarter_months(first_month: int = 1) -> tuple[str, ...]:
    """Each quarter's months as text, e.g. ``"Q3 (Aug-Oct)"`` for a year starting in February."""
    out = []
    for q in range(QUARTERS):
        first = (first_month - 1 + 3 * q) % 12
        out.append(f"Q{q + 1} ({_MONTHS[first]}-{_MONTHS[(first + 2) % 12]})")
    return tuple(out)


def at_risk(book: Book, values) -> np.ndarray | None:
    """True for each account whose ``health`` is one of ``values`` (case and spaces ignored); None without the column."""
    if not book.has_column("health"):
        return None
    codes, labels = book.category("health")
    wanted = {str(v).strip().casefold() for v in values}
    hit = np.array([label.strip().casefold() in wanted for label in labels] + [False], dtype=bool)
    return hit[np.where(codes >= 0, codes, len(labels))]
