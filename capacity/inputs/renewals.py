"""Each account's renewal date, read from the book's ``renewal_date`` column as CRMs export it.

:func:`renewal_dates` reads the column once per book (kept while the book lives) into whole days
since 1970-01-01. It accepts what exports write:

- ISO dates, with or without a time: ``2027-06-20``, ``2027-06-20 00:00:00``, ``2027-06-20T00:00:00Z``
  (HubSpot, Gainsight, databases, Excel date cells as the book reader gives them);
- year first with slashes or dots: ``2027/06/20``;
- day and month first with slashes, dots or dashes: ``6/20/2027`` (Salesforce, US) or ``20.06.2027``
  (Excel, Europe). ``03/04/2027`` is March 4th in one country and April 3rd in another, so the
  column decides: a day above 12 in the first place (``20/06/2027``) makes the column day-first,
  in the second (``6/20/2027``) month-first. A column where no date settles it, or where dates
  settle it both ways, is refused, never guessed.

A blank cell is an account without a date (counted, and its dated work spread evenly). Anything
else (a two-digit year, a day February does not have, text) is a one-line error naming the row.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from capacity.exceptions import BookError
from capacity.formulas.calendar import days_from_civil, days_in_month, first_day
from capacity.inputs.book import Book

__all__ = ["RenewalDates", "renewal_dates", "COLUMN"]

#: The book column read.
COLUMN = "renewal_date"
#: Years a renewal date may fall in: a year outside is a typing or export mistake.
FIRST_YEAR, LAST_YEAR = 1900, 2200

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_YEAR_FIRST = re.compile(rf"^(?P<y>\d{{4}})(?P<s>[-/.])(?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$")
_YEAR_LAST = re.compile(rf"^(?P<a>\d{{1,2}})[/.-](?P<b>\d{{1,2}})[/.-](?P<y>\d{{4}}){_TIME}$")
_PLAIN_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLAIN_YEAR_LAST = re.compile(r"^\d{1,2}(?P<sep>[/.-])\d{1,2}(?P=sep)\d{4}$")
_SHORT_YEAR = re.compile(rf"^\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2}}{_TIME}$")


@dataclass(frozen=True, eq=False)
class RenewalDates:
    """The book's renewal dates, in file order.

    Attributes
    ----------
    day : numpy.ndarray of int64
        Days since 1970-01-01; 0 where ``dated`` is False.
    dated : numpy.ndarray of bool
        Whether the account has a date.
    has_column : bool
        Whether the book has a ``renewal_date`` column at all.
    reading : str
        How the column was read: ``"ISO"``, ``"year first"``, ``"day first"``, ``"month first"``,
        ``"dates"`` (a date column of a database or Parquet file), or ``"none"`` (no date).
    """

    day: np.ndarray
    dated: np.ndarray
    has_column: bool
    reading: str

    @property
    def undated(self) -> int:
        """Accounts without a date."""
        return int(len(self.dated) - self.dated.sum())


_CACHE: "weakref.WeakKeyDictionary[Book, RenewalDates]" = weakref.WeakKeyDictionary()


def renewal_dates(book: Book) -> RenewalDates:
    """The book's renewal dates, read once per book (see the module for what is accepted).

    Raises
    ------
    BookError
        Naming the row and the value: a date that is not one, a two-digit year, a day the month
        does not have, a year outside 1900-2200, or a column whose day-first or month-first reading
        no date settles (or that dates settle both ways).
    """
    try:
        return _CACHE[book]
    except KeyError:
        pass
    dates = _read(book)
    _CACHE[book] = dates
    return dates


def _read(book: Book) -> RenewalDates:
    rows = len(book)
    if not book.has_column(COLUMN):
        return RenewalDates(np.zeros(rows, np.int64), np.zeros(rows, bool), False, "none")
    column = book.table.column(COLUMN)
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        days = pc.cast(pc.cast(column, pa.date32()), pa.int32())
        dated = pc.is_valid(days).to_numpy(zero_copy_only=False)
        values = pc.fill_null(days, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        return RenewalDates(values, dated, True, "dates")
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    blank = pc.or_kleene(pc.is_null(text), pc.equal(text, "")).to_numpy(zero_copy_only=False)
    blank = np.asarray(blank, dtype=bool)
    if blank.all():
        return RenewalDates(np.zeros(rows, np.int64), np.zeros(rows, bool), True, "none")
    if not _PLAIN_ISO.match(text[int(np.argmax(~blank))].as_py()):
        return _read_forms(book, text, blank)  # a cast that fails costs half a second on a million rows
    kept = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), text)
    try:  # the plain case, strict: every filled cell an ISO calendar day
        days = pc.cast(pc.cast(kept, pa.date32()), pa.int32())
        values = pc.fill_null(days, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        low, high = first_day(FIRST_YEAR * 12), first_day((LAST_YEAR + 1) * 12)
        if not ((values[~blank] < low) | (values[~blank] >= high)).any():  # else the forms below name the year
            return RenewalDates(values, ~blank, True, "ISO")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return _read_forms(book, text, blank)


def _fail(book: Book, position: int, message: str) -> BookError:
    return BookError(message, file=book.source, where=f"{book.row_of(position)}, column {COLUMN}")


def _read_forms(book: Book, text, blank: np.ndarray) -> RenewalDates:
    """Every filled cell in one of the accepted forms, the day-first or month-first reading settled by the column.

    Each form is one regular expression over the column (Arrow's, on its buffers); the form of the first filled
    cell is tried first, the other only on the cells it leaves.
    """
    rows = len(blank)
    year = np.zeros(rows, np.int64)
    month = np.zeros(rows, np.int64)
    day = np.zeros(rows, np.int64)
    first = np.zeros(rows, np.int64)  # the two places of a day-and-month-first date, before the column settles them
    second = np.zeros(rows, np.int64)
    slashed = np.zeros(rows, bool)
    dashed = np.zeros(rows, bool)  # year first with dashes: ISO
    left = ~blank
    values = _Values(text)

    def read(pattern: re.Pattern, groups: tuple[str, ...], into: tuple[np.ndarray, ...]) -> np.ndarray:
        at = np.flatnonzero(left)
        found = pc.extract_regex(text if len(at) == rows else text.take(pa.array(at)), pattern.pattern)
        matched = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        hit = at[matched]
        for name, out in zip(groups, into):
            field = pc.struct_field(found, name)
            if name == "s":
                out[hit] = np.asarray(pc.equal(field, "-").to_numpy(zero_copy_only=False), dtype=bool)[matched]
            else:
                out[hit] = pc.cast(pc.fill_null(field, "0"), pa.int64()).to_numpy(zero_copy_only=False)[matched]
        left[hit] = False
        return hit

    forms = [(_YEAR_FIRST, ("y", "s", "m", "d"), (year, dashed, month, day)),
             (_YEAR_LAST, ("a", "b", "y"), (first, second, year))]
    sample = values[np.argmax(left)]
    if not _YEAR_FIRST.match(sample):
        forms.reverse()
    plain = _PLAIN_YEAR_LAST.match(sample)
    if plain and _split_year_last(text, left, plain["sep"], first, second, year):
        slashed[left] = True  # every filled cell was day, month and year between one separator
        left[:] = False
    for pattern, groups, into in forms:
        if left.any():
            hit = read(pattern, groups, into)
            if pattern is _YEAR_LAST:
                slashed[hit] = True
    if left.any():
        i = int(np.argmax(left))
        if _SHORT_YEAR.match(values[i]):
            raise _fail(book, i, f"renewal_date {values[i]!r} has a two-digit year; write the year in four digits, "
                                 "best as YYYY-MM-DD, e.g. 2027-06-20")
        raise _fail(book, i, f"renewal_date {values[i]!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-06-20 "
                             "(or leave it blank for an account without one)")
    year_first = ~blank & ~slashed
    forms_seen = {"ISO" if d else "year first" for d in set(dashed[year_first].tolist())}
    reading = "ISO" if forms_seen == {"ISO"} else "year first" if forms_seen else ""
    if slashed.any():
        day_first = np.flatnonzero(slashed & (first > 12) & (first <= 31))
        month_first = np.flatnonzero(slashed & (second > 12) & (second <= 31))
        if len(day_first) and len(month_first):
            a, b = int(day_first[0]), int(month_first[0])
            late, early = max(a, b), min(a, b)
            how = {a: "day-first", b: "month-first"}
            raise _fail(book, late, f"renewal_date {values[late]!r} reads {how[late]}, but {book.row_of(early)} has "
                                    f"{values[early]!r}, which reads {how[early]}; write every date one way, best as "
                                    "YYYY-MM-DD")
        if not len(day_first) and not len(month_first):
            i = int(np.flatnonzero(slashed)[0])
            raise _fail(book, i, f"renewal_date {values[i]!r} could be read day-first or month-first, and no date of "
                                 "the column has a day above 12 to settle it; write the dates as YYYY-MM-DD, "
                                 "e.g. 2027-03-04")
        if len(day_first):
            day[slashed], month[slashed] = first[slashed], second[slashed]
            reading = "day first"
        else:
            month[slashed], day[slashed] = first[slashed], second[slashed]
            reading = "month first"
    filled = ~blank
    bad_year = filled & ((year < FIRST_YEAR) | (year > LAST_YEAR))
    if bad_year.any():
        i = int(np.argmax(bad_year))
        raise _fail(book, i, f"renewal_date {values[i]!r} is in the year {year[i]}; a renewal date falls between "
                             f"{FIRST_YEAR} and {LAST_YEAR}")
    bad_month = filled & ((month < 1) | (month > 12))
    if bad_month.any():
        i = int(np.argmax(bad_month))
        raise _fail(book, i, f"renewal_date {values[i]!r} has no month {month[i]}; write it as YYYY-MM-DD")
    index = np.where(filled, year * 12 + month - 1, FIRST_YEAR * 12)
    bad_day = filled & ((day < 1) | (day > np.asarray(days_in_month(index))))
    if bad_day.any():
        i = int(np.argmax(bad_day))
        raise _fail(book, i, f"renewal_date {values[i]!r} is not a calendar day "
                             f"({year[i]}-{month[i]:02d} has {int(days_in_month(index[i]))} days)")
    days = np.where(filled, np.asarray(days_from_civil(year, month, np.where(filled, day, 1))), 0).astype(np.int64)
    return RenewalDates(days, filled, True, reading)


def _split_year_last(text, filled: np.ndarray, separator: str, first: np.ndarray, second: np.ndarray,
                     year: np.ndarray) -> bool:
    """The plain day-and-month-first column (``6/20/2027`` in every filled cell) split on its separator, faster
    than a pattern: False, with nothing written, when a cell is anything else (the patterns then read it)."""
    at = np.flatnonzero(filled)
    parts = pc.split_pattern(text.take(pa.array(at)) if len(at) < len(filled) else text, separator)
    lengths = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    if not (lengths == 3).all():
        return False
    try:
        numbers = pc.cast(pc.list_flatten(parts), pa.int64()).to_numpy(zero_copy_only=False).reshape(-1, 3)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    if (numbers < 0).any() or (numbers[:, 2] < 1000).any():  # signs, or a year not written in four digits
        return False
    first[at], second[at], year[at] = numbers[:, 0], numbers[:, 1], numbers[:, 2]
    return True


class _Values:
    """The column's cells by position, read one at a time (only to word an error)."""

    def __init__(self, text):
        self._text = text

    def __getitem__(self, i) -> str:
        return self._text[int(i)].as_py()
