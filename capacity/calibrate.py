"""Designed versus actual: calibrate touchpoint frequencies and minutes from logged CSM activity.

Every touchpoint's frequency and minutes in a scenario is an estimate. An activity log
(CRM tasks, a CS platform's timeline, a calendar export: one row per activity with
``account_id``, ``touchpoint``, ``date``, ``minutes`` and optionally ``csm``) says what
really happens. :func:`calibrate` puts the two side by side per segment and touchpoint
over a window of months; :func:`write_calibrated` writes the scenario with the observed
values in place of the planned ones, so the plan on it is the plan "as practised".

The observed values, per segment and touchpoint, over a window of :math:`M` months
(fractional for partial months) of a segment with :math:`N` customers (from the book):

===============================  ======================================================
recurring, inbound               count / (N M)   [1/customer/month]
one-to-many program              count / M       [1/segment/month]
one-time (kick-off, onboarding)  count / (N r M / 12)   [1/new customer], r the
                                 segment's new_customer_rate
minutes                          median of the logged minutes, with the interquartile range
===============================  ======================================================

A log's activity types match the touchpoint names of the account's segment ignoring
case and spaces, or through the scenario's ``activity_types`` mapping
(``{QBR: Business review}``); its headers are found loosely ("Account ID") or through
``activity_columns`` (``{minutes: Duration (min)}``). Bad rows are refused with one line
naming the file, the row and the column.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import difflib
import io
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .exceptions import ActivityLogError, OutputError, ScenarioError

__all__ = [
    "ACTIVITY_COLUMNS",
    "REQUIRED_ACTIVITY_COLUMNS",
    "MAX_PLAUSIBLE_MINUTES",
    "ActivityLog",
    "Window",
    "TouchpointCalibration",
    "SegmentCalibration",
    "Unmatched",
    "Calibration",
    "same_name",
    "load_activities",
    "window_of",
    "calibrate",
    "calibrated_values",
    "practised_scenario",
    "calibrated_yaml",
    "write_calibrated",
]

#: The columns of an activity log, in the order the calibration reads them; ``csm`` is optional.
ACTIVITY_COLUMNS = ("account_id", "touchpoint", "date", "minutes", "csm")
REQUIRED_ACTIVITY_COLUMNS = ACTIVITY_COLUMNS[:4]
#: One activity longer than this (1,666 hours) is a unit or export mistake, not a meeting.
MAX_PLAUSIBLE_MINUTES = 100_000.0
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_FIRST_DATA_ROW = 2


def same_name(a: str, b: str) -> bool:
    """True when two names are the same ignoring case and spaces ("Business Review" is "businessreview")."""
    return _key(a) == _key(b)


def _key(name: object) -> str:
    return "".join(str(name).split()).casefold()


def _canonical(column: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(column).strip().lstrip("\ufeff").lower())


# -- the log ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ActivityLog:
    """A validated activity log, one entry per activity in file order.

    Attributes
    ----------
    account_id, touchpoint, csm : numpy.ndarray of str (object)
        Trimmed text; ``csm`` is None when the log has no csm column.
    date : numpy.ndarray of datetime64[D]
    minutes : numpy.ndarray of float
        Logged duration [min].
    rows : numpy.ndarray of int
        The row of each activity in the file (the header is row 1).
    source : Path or None
    """

    account_id: np.ndarray
    touchpoint: np.ndarray
    date: np.ndarray
    minutes: np.ndarray
    csm: np.ndarray | None
    rows: np.ndarray
    source: Path | None = None

    def __len__(self) -> int:
        return len(self.minutes)

    @classmethod
    def from_records(cls, records: list[dict], source: str | Path | None = None) -> "ActivityLog":
        """Validate activities given as dicts with the canonical keys (``csm`` optional)."""
        header = list(ACTIVITY_COLUMNS if any("csm" in r for r in records) else REQUIRED_ACTIVITY_COLUMNS)
        rows = [[r.get(name) for name in header] for r in records]
        return _validated(header, rows, list(range(_FIRST_DATA_ROW, _FIRST_DATA_ROW + len(rows))),
                          None if source is None else Path(source), None)


def load_activities(path: str | Path, columns: dict[str, str] | None = None) -> ActivityLog:
    """Read and validate an activity log from CSV or Excel (.xlsx).

    Parameters
    ----------
    path : str or Path
        A comma-separated file (UTF-8, with or without a byte-order mark, any line ends) or
        an Excel workbook whose first sheet holds the table.
    columns : dict, optional
        The scenario's ``activity_columns``: the header of each canonical column
        (``account_id``, ``touchpoint``, ``date``, ``minutes``, ``csm``) where it differs.

    Returns
    -------
    ActivityLog

    Raises
    ------
    ActivityLogError
        On an unreadable file or a bad row, naming the file and the row and column.
    """
    path = Path(path)
    if not path.exists():
        raise ActivityLogError("file not found", file=path)
    if path.is_dir():
        raise ActivityLogError("is a directory, not an activity log (CSV or .xlsx)", file=path)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        header, body, numbers = _read_excel(path)
    else:
        header, body, numbers = _read_csv(path)
    return _validated(header, body, numbers, path, columns)


def _read_csv(path: Path) -> tuple[list[str], list[list], list[int]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ActivityLogError(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    if raw.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        raise ActivityLogError("is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8", file=path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ActivityLogError("is UTF-16 text (Excel's \"Unicode Text\"); export the file as CSV UTF-8", file=path)
    if raw.startswith(b"PK\x03\x04"):
        raise ActivityLogError("is a zip or Excel (.xlsx) file, not CSV text; give an Excel workbook the .xlsx "
                               "extension", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise ActivityLogError(f"not UTF-8 text (byte {exc.start}, 0x{raw[exc.start]:02x}); export the file as "
                               "CSV UTF-8", file=path, where=f"row {row}") from None
    if not text.strip():
        raise ActivityLogError("the file is empty; a log needs a header with account_id, touchpoint, date and "
                               "minutes, and rows", file=path)
    # Rows are numbered as a spreadsheet shows the file: one per record, blank ones included, a quoted
    # line break inside its row.
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ActivityLogError(f"cannot parse CSV: {exc}", file=path) from None
    numbers = list(range(1, len(records) + 1))
    header = records[0]
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    if first.count(";") > first.count(",") and first.count(";") >= 1:
        raise ActivityLogError("the header is separated by semicolons; export the file comma-separated, with a dot "
                               "for decimals (\"CSV UTF-8\" in Excel), so that no decimal comma is misread",
                               file=path, where="row 1")
    if "\t" in first and "," not in first:
        raise ActivityLogError("the header is separated by tabs; export the file comma-separated (\"CSV UTF-8\" in "
                               "Excel)", file=path, where="row 1")
    return header, records[1:], numbers[1:]


def _read_excel(path: Path) -> tuple[list[str], list[list], list[int]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ActivityLogError(f"cannot open as an Excel workbook ({first}); save it from Excel as .xlsx, or give "
                               "a CSV file a .csv name", file=path) from None
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    if not rows or all(cell is None for cell in rows[0]):
        raise ActivityLogError(f"sheet {sheet.title!r} is empty; a log needs a header row with account_id, "
                               "touchpoint, date and minutes", file=path)
    header = ["" if cell is None else str(cell) for cell in rows[0]]
    return header, rows[1:], list(range(_FIRST_DATA_ROW, _FIRST_DATA_ROW + len(rows) - 1))


def _column_positions(header: list[str], columns: dict[str, str] | None, path: Path | None) -> dict[str, int]:
    """Where each canonical column is in the header: by ``activity_columns``, else by its loose name."""
    columns = columns or {}
    shown = ", ".join(repr(str(c)) for c in header[:8])
    positions: dict[str, int] = {}
    for name in ACTIVITY_COLUMNS:
        if name in columns:
            wanted = columns[name]
            found = [i for i, c in enumerate(header) if same_name(c, wanted)]
            if not found:
                hint = difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (columns found: {shown})"
                raise ActivityLogError(f"no column {wanted!r}, which the scenario's activity_columns.{name} names"
                                       f"{suggestion}", file=path, where="row 1")
        else:
            found = [i for i, c in enumerate(header) if _canonical(c) == name]
        if len(found) > 1:
            names = ", ".join(repr(header[i]) for i in found)
            raise ActivityLogError(f"{len(found)} columns are read as {name!r} ({names}); keep one", file=path,
                                   where="row 1")
        if found:
            positions[name] = found[0]
        elif name in REQUIRED_ACTIVITY_COLUMNS:
            like = difflib.get_close_matches(name, [_canonical(c) for c in header], n=1, cutoff=0.6)
            original = next((c for c in header if _canonical(c) in like), None)
            hint = (f"; if {original!r} holds it, rename that column to {name} or map it in the scenario with "
                    f"activity_columns: {{{name}: {original}}}") if original else (
                f"; map the log's header in the scenario with activity_columns: {{{name}: <header>}}")
            raise ActivityLogError(f"missing required column {name!r} (columns found: {shown}){hint}", file=path)
    return positions


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _validated(header: list[str], body: list[list], numbers: list[int], path: Path | None,
               columns: dict[str, str] | None) -> ActivityLog:
    positions = _column_positions(header, columns, path)
    width = len(header)
    while width > 0 and str(header[width - 1]).strip() == "":
        width -= 1
    ids, kinds, dates, minutes, csms, rows = [], [], [], [], [], []
    for cells, number in zip(body, numbers):
        if all(_blank(c) for c in cells):
            continue  # spreadsheets leave blank rows behind
        if len(cells) > width and any(not _blank(c) for c in cells[width:]):
            raise ActivityLogError(f"has {len(cells)} cells but the header has {width} columns; put quotes around "
                                   "a value that holds a comma", file=path, where=f"row {number}")

        def cell(name: str):
            i = positions.get(name)
            return None if i is None or i >= len(cells) else cells[i]

        account = _text(cell("account_id"))
        where = f"row {number}" + (f" (account_id {account!r})" if account else "")
        if not account:
            raise ActivityLogError("account_id is blank; every activity needs the account it was for", file=path,
                                   where=f"{where}, column account_id")
        kind = _text(cell("touchpoint"))
        if not kind:
            raise ActivityLogError("touchpoint is blank; name the activity type", file=path,
                                   where=f"{where}, column touchpoint")
        ids.append(account)
        kinds.append(kind)
        dates.append(_date(cell("date"), path, f"{where}, column date"))
        minutes.append(_minutes(cell("minutes"), path, f"{where}, column minutes"))
        csms.append(_text(cell("csm")))
        rows.append(number)
    if not rows:
        raise ActivityLogError("no activities: the file has a header but no rows", file=path)
    return ActivityLog(
        account_id=np.array(ids, dtype=object),
        touchpoint=np.array(kinds, dtype=object),
        date=np.array(dates, dtype="datetime64[D]"),
        minutes=np.array(minutes, dtype=float),
        csm=np.array(csms, dtype=object) if "csm" in positions else None,
        rows=np.array(rows, dtype=np.int64),
        source=path,
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores an id typed as a number as 123.0
    return str(value).strip()


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


def _date(value, path: Path | None, where: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        raise ActivityLogError("date is blank; every activity needs the day it happened", file=path, where=where)
    match = _ISO_DATE.match(text)
    if match:
        try:
            return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ActivityLogError(f"date {text!r} is not a calendar day", file=path, where=where) from None
    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text):
        # 03/04/2027 is March 4th in one country and April 3rd in another: refused, not guessed.
        raise ActivityLogError(f"date {text!r} could be read day-first or month-first; write it as YYYY-MM-DD, "
                               "e.g. 2027-03-04", file=path, where=where)
    raise ActivityLogError(f"date {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-03-04", file=path,
                           where=where)


def _minutes(value, path: Path | None, where: str) -> float:
    if isinstance(value, bool):
        raise ActivityLogError(f"minutes {value!r} is not a number", file=path, where=where)
    if isinstance(value, (int, float)):
        number, text = float(value), f"{value:g}"
    else:
        text = _text(value)
        if not text:
            raise ActivityLogError("minutes is blank; give the activity's duration in minutes (0 if it took none)",
                                   file=path, where=where)
        if re.fullmatch(r"[-+]?\d+,\d+", text):
            raise ActivityLogError(f"minutes {text!r} has a decimal comma; write it with a dot, e.g. 12.5",
                                   file=path, where=where)
        if re.fullmatch(r"\d+:\d{2}(:\d{2})?", text):
            raise ActivityLogError(f"minutes {text!r} looks like a clock time or h:mm; give the duration in minutes, "
                                   "e.g. 90 for 1:30", file=path, where=where)
        try:
            number = float(text)
        except ValueError:
            unit = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\s*([a-zA-Z]+)", text)
            extra = "; give the number of minutes alone" if unit else ""
            raise ActivityLogError(f"minutes {text!r} is not a number{extra}", file=path, where=where) from None
    if not math.isfinite(number):
        raise ActivityLogError(f"minutes {text!r} is not a finite number", file=path, where=where)
    if number < 0:
        raise ActivityLogError(f"minutes {text!r} is negative; a duration is 0 or more", file=path, where=where)
    if number > MAX_PLAUSIBLE_MINUTES:
        raise ActivityLogError(f"minutes {text!r} is implausibly long for one activity (above "
                               f"{MAX_PLAUSIBLE_MINUTES:,.0f}); check the units", file=path, where=where)
    return number


# -- the window ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days the calibration counts, both ends included, and how many months they are.

    ``months`` adds up each calendar month's share of days covered, so whole months count
    1 each whatever their length.
    """

    start: datetime.date
    end: datetime.date
    months: float

    def to_dict(self) -> dict:
        return {"from": self.start.isoformat(), "until": self.end.isoformat(), "months": self.months}


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_between(start: datetime.date, end: datetime.date) -> float:
    months, day = 0.0, start
    while day <= end:
        last = min(_month_end(day), end)
        months += ((last - day).days + 1) / calendar.monthrange(day.year, day.month)[1]
        day = last + datetime.timedelta(days=1)
    return months


def _parse_bound(text: str | datetime.date | None, where: str, last: bool) -> datetime.date | None:
    if text is None or isinstance(text, datetime.date):
        return text
    text = str(text).strip()
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    try:
        if month:
            first = datetime.date(int(month.group(1)), int(month.group(2)), 1)
            return _month_end(first) if last else first
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{text!r} is not a date; give YYYY-MM-DD or a whole month YYYY-MM", where=where) from None


def window_of(log: ActivityLog, start=None, end=None) -> Window:
    """The window: ``start`` to ``end`` (dates or ``"YYYY-MM"`` months), by default the log's first to
    last month, whole months."""
    first = _parse_bound(start, "--from", last=False)
    last = _parse_bound(end, "--until", last=True)
    if first is None:
        first = log.date.min().astype(datetime.date).replace(day=1)
    if last is None:
        last = _month_end(log.date.max().astype(datetime.date))
    if last < first:
        raise ScenarioError(f"the window ends ({last.isoformat()}) before it starts ({first.isoformat()})",
                            where="--until")
    return Window(first, last, _months_between(first, last))


# -- the calibration ----------------------------------------------------------------------


@dataclass(frozen=True)
class TouchpointCalibration:
    """One touchpoint of a segment, planned against observed.

    ``frequency_unit`` says what ``planned_per_month`` and ``observed_per_month`` count:
    ``"per customer a month"`` (recurring, inbound), ``"per segment a month"`` (programs) or
    ``"per new customer"`` (one-time). Observed values are None when nothing was logged or
    there is nothing to divide by.
    """

    name: str
    kind: str
    frequency_unit: str
    planned_per_month: float
    observed_per_month: float | None
    planned_minutes: float
    observed_minutes: float | None  # median
    observed_minutes_q1: float | None
    observed_minutes_q3: float | None
    count: int
    logged_hours_per_month: float


@dataclass(frozen=True)
class SegmentCalibration:
    """A segment's touchpoints and hours, planned against logged."""

    name: str
    coverage: str
    customers: int
    touchpoints: tuple[TouchpointCalibration, ...]
    not_logged: tuple[str, ...]
    planned_hours_per_month: float
    logged_hours_per_month: float
    csms: int | None  # CSMs who logged work on the segment's accounts; None without a csm column
    logged_customer_hours_per_csm_per_month: float | None
    planned_customer_hours_per_csm_per_month: float


@dataclass(frozen=True)
class Unmatched:
    """What the calibration could not place: activities of no touchpoint, accounts not in the book."""

    activities: int
    by_type: dict[str, int]
    accounts_not_in_book: int
    activities_of_accounts_not_in_book: int
    activities_outside_window: int


@dataclass(frozen=True)
class Calibration:
    """Designed versus actual over a window. ``to_dict()`` is the CLI's ``--json`` shape."""

    scenario: str
    log: str | None
    window: Window
    activities: int  # rows of the log in the window, matched or not
    segments: tuple[SegmentCalibration, ...]
    unmatched: Unmatched
    csms: int | None = None
    logged_customer_hours_per_csm_per_month: float | None = None
    planned_customer_hours_per_csm_per_month: float = 0.0

    def segment(self, name: str) -> SegmentCalibration:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["window"] = self.window.to_dict()
        return data

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self):
        """One row per segment and touchpoint."""
        import pandas as pd

        rows = [{"segment": seg.name, **asdict(tp)} for seg in self.segments for tp in seg.touchpoints]
        return pd.DataFrame(rows)


_UNIT = {"recurring": "per customer a month", "inbound": "per customer a month", "program": "per segment a month",
         "one_time": "per new customer"}


def calibrate(scenario, log: ActivityLog | str | Path, book=None, *, start=None, end=None) -> Calibration:
    """Planned against observed frequency and minutes of every touchpoint, per segment.

    Parameters
    ----------
    scenario : Scenario, dict or path
        See :func:`capacity.load_scenario`; its ``activity_columns`` and ``activity_types`` are used.
    log : ActivityLog or path
        The activity log (:func:`load_activities`).
    book : Book or path, optional
        The accounts; default the scenario's ``book``. Each account's segment comes from
        :func:`capacity.segments.assign_segments`.
    start, end : date or str, optional
        The window, ``YYYY-MM-DD`` or ``YYYY-MM`` (whole month); default the log's first to last month.

    Returns
    -------
    Calibration

    Raises
    ------
    ScenarioError
        Without a book of accounts, or with no activity in the window.
    ActivityLogError, BookError
        On a bad log or book.
    """
    import pandas as pd

    from .book import Book, load_book
    from .plan import plan
    from .scenario import load_scenario
    from .segments import assign_segments

    scenario = load_scenario(scenario)
    if not isinstance(log, ActivityLog):
        log = load_activities(log, scenario.activity_columns)
    if book is None:
        if scenario.book is None:
            raise ScenarioError("calibrating needs a book of accounts to place each activity's account in its "
                                "segment; give book: in the scenario or --book", file=scenario.source, where="book")
        if not scenario.book.exists():
            raise ScenarioError(f"book file not found: {scenario.book} (a relative path is read from the scenario's "
                                "folder)", file=scenario.source, where="book")
        book = scenario.book
    if not isinstance(book, Book):
        book = load_book(book)
    planned = plan(scenario, book)
    window = window_of(log, start, end)

    days = log.date
    inside = (days >= np.datetime64(window.start)) & (days <= np.datetime64(window.end))
    if not inside.any():
        raise ScenarioError(f"no activity of the log falls in {window.start.isoformat()} to {window.end.isoformat()}"
                            f" (the log runs {days.min()} to {days.max()})", file=log.source, where="--from/--until")

    ids = pd.Series(book.table.column("account_id").to_numpy(zero_copy_only=False), dtype=object)
    segment_of = pd.Series(assign_segments(scenario, book), index=ids.to_numpy())
    frame = pd.DataFrame({
        "account_id": log.account_id[inside], "type": log.touchpoint[inside], "minutes": log.minutes[inside],
        "csm": log.csm[inside] if log.csm is not None else None,
    })
    frame["segment"] = frame["account_id"].map(segment_of)
    orphans = frame["segment"].isna()

    # Each segment's touchpoints by matching key; activity_types first, then the type's own name.
    aliases = {_key(k): _key(v) for k, v in (scenario.activity_types or {}).items()}
    index = {(seg.name, _key(tp.name)): j for seg in scenario.segments for j, tp in enumerate(seg.touchpoints)}
    keys = frame["type"].map(lambda t: aliases.get(_key(t), _key(t)))
    frame["touchpoint"] = [index.get((s, k)) if isinstance(s, str) else None for s, k in zip(frame["segment"], keys)]
    unplaced = ~orphans & frame["touchpoint"].isna()
    by_type: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for kind in frame.loc[unplaced, "type"]:
        shown = spelling.setdefault(_key(kind), kind)
        by_type[shown] = by_type.get(shown, 0) + 1
    matched = frame[~orphans & ~unplaced]

    segments = []
    all_hours = 0.0
    all_csms: set = set()
    for seg, seg_plan in zip(scenario.segments, planned.segments):
        rows = matched[matched["segment"] == seg.name]
        customers = seg_plan.customers
        touchpoints, not_logged = [], []
        for j, tp in enumerate(seg.touchpoints):
            logged = rows.loc[rows["touchpoint"] == j, "minutes"].to_numpy(dtype=float)
            count = len(logged)
            if tp.kind == "one_time":
                planned_frequency = 1.0
                newcomers = customers * seg.new_customer_rate * window.months / 12
                observed = count / newcomers if newcomers > 0 else None
            elif tp.kind == "program":
                planned_frequency = tp.frequency_per_month
                observed = count / window.months
            else:
                planned_frequency = tp.frequency_per_month
                observed = count / (customers * window.months) if customers > 0 else None
            if count:
                q1, median, q3 = (float(v) for v in np.quantile(logged, [0.25, 0.5, 0.75]))
            else:
                q1 = median = q3 = None
                not_logged.append(tp.name)
            touchpoints.append(TouchpointCalibration(
                name=tp.name, kind=tp.kind, frequency_unit=_UNIT[tp.kind], planned_per_month=planned_frequency,
                observed_per_month=observed, planned_minutes=tp.minutes, observed_minutes=median,
                observed_minutes_q1=q1, observed_minutes_q3=q3, count=count,
                logged_hours_per_month=float(logged.sum()) / 60 / window.months,
            ))
        hours = float(rows["minutes"].sum()) / 60 / window.months
        all_hours += hours
        if log.csm is not None:
            people = {c for c in rows["csm"] if c}
            all_csms |= people
            csms = len(people)
            per_csm = hours / csms if csms else None
        else:
            csms = per_csm = None
        segments.append(SegmentCalibration(
            name=seg.name, coverage=seg.coverage, customers=customers, touchpoints=tuple(touchpoints),
            not_logged=tuple(not_logged),
            planned_hours_per_month=customers * seg_plan.hours_per_customer_per_month + seg_plan.program_hours_per_month,
            logged_hours_per_month=hours, csms=csms, logged_customer_hours_per_csm_per_month=per_csm,
            planned_customer_hours_per_csm_per_month=planned.csm.customer_hours_per_month,
        ))
    unmatched = Unmatched(
        activities=int(unplaced.sum()),
        by_type=dict(sorted(by_type.items(), key=lambda item: (-item[1], item[0]))),
        accounts_not_in_book=int(frame.loc[orphans, "account_id"].nunique()),
        activities_of_accounts_not_in_book=int(orphans.sum()),
        activities_outside_window=int((~inside).sum()),
    )
    csms = len(all_csms) if log.csm is not None else None
    return Calibration(
        scenario=scenario.name,
        log=None if log.source is None else str(log.source),
        window=window,
        activities=int(inside.sum()),
        segments=tuple(segments),
        unmatched=unmatched,
        csms=csms,
        logged_customer_hours_per_csm_per_month=all_hours / csms if csms else None,
        planned_customer_hours_per_csm_per_month=planned.csm.customer_hours_per_month,
    )


# -- the calibrated scenario --------------------------------------------------------------


def _decimal(value: float, places: int) -> str:
    text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def calibrated_values(calibration: Calibration, scenario) -> dict[tuple[int, int], dict[str, float]]:
    """The values :func:`write_calibrated` writes: ``{(segment, touchpoint): {key: value}}``, rounded as written.

    Frequencies keep the key the scenario uses (``per_month`` or ``per_year``); minutes
    become the observed median. One-time touchpoints change only their minutes (they happen
    once per new customer by definition), and touchpoints nobody logged keep their values.
    """
    out: dict[tuple[int, int], dict[str, float]] = {}
    for i, (seg, found) in enumerate(zip(scenario.segments, calibration.segments)):
        for j, (tp, obs) in enumerate(zip(seg.touchpoints, found.touchpoints)):
            if obs.count == 0:
                continue
            values = {"minutes": float(_decimal(obs.observed_minutes, 1))}
            if tp.kind != "one_time" and obs.observed_per_month is not None:
                if tp.per_year is not None:
                    values["per_year"] = float(_decimal(obs.observed_per_month * 12, 3))
                else:
                    values["per_month"] = float(_decimal(obs.observed_per_month, 4))
            out[(i, j)] = values
    return out


def practised_scenario(scenario, calibration: Calibration):
    """The scenario as practised: :func:`calibrated_values` in place of the planned ones, in memory.

    The same scenario :func:`write_calibrated` writes, for a plan "as practised" beside the plan
    "as designed" without a file.
    """
    from .scenario import load_scenario

    scenario = load_scenario(scenario)
    data = scenario.model_dump()
    for (i, j), values in calibrated_values(calibration, scenario).items():
        data["segments"][i]["touchpoints"][j].update(values)
    practised = load_scenario(data)
    practised._source = scenario.source
    return practised


def calibrated_yaml(scenario_path: str | Path, calibration: Calibration, out: str | Path,
                    book: str | Path | None = None) -> str:
    """The scenario file's text with the observed values in place of the planned ones.

    Only the numbers change, in place, each followed by a comment saying what it was; every
    other line, comment and key of the file is kept. A relative ``book`` path is rewritten
    to be read from ``out``'s folder (or set to ``book`` when given).
    """
    import yaml

    from .scenario import load_scenario

    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path)
    text = scenario_path.read_bytes().decode("utf-8-sig")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    values = calibrated_values(calibration, scenario)
    edits: list[tuple[int, int, str]] = []
    notes: dict[int, list[str]] = {}
    window = f"{calibration.window.start.isoformat()} to {calibration.window.end.isoformat()}"

    def note(node, words: str) -> None:
        notes.setdefault(node.end_mark.line, []).append(words)

    for i, seg_node in enumerate(_sequence(_get(root, "segments"))):
        for j, tp_node in enumerate(_sequence(_get(seg_node, "touchpoints"))):
            obs = calibration.segments[i].touchpoints[j]
            if (i, j) not in values:
                note(_get(tp_node, "name"), f"calibration: nobody logged {obs.name!r} in {window}; kept as designed")
                continue
            changes, kept, last = [], [], _get(tp_node, "name")
            for key, value in values[(i, j)].items():
                node = _get(tp_node, key)
                new = _decimal(value, 4)
                if _same_number(node.value, value):
                    kept.append(key)
                    continue
                edits.append((node.start_mark.index, node.end_mark.index, new))
                changes.append(f"{key} {node.value} -> {new}")
                last = node if node.end_mark.line >= last.end_mark.line else last
            words = f"calibrated from {obs.count:,} logged: " + "; ".join(changes) if changes else \
                f"calibration: {obs.count:,} logged, as designed"
            if kept and changes:
                words += f"; {' and '.join(kept)} as designed"
            words += (f" (median {_decimal(obs.observed_minutes, 1)} min, IQR {_decimal(obs.observed_minutes_q1, 1)}"
                      f"-{_decimal(obs.observed_minutes_q3, 1)})")
            if obs.kind == "one_time" and obs.observed_per_month is not None:
                words += f"; {_decimal(obs.observed_per_month, 2)} per new customer logged, the plan counts one"
            note(last, words)

    out = Path(out)
    book_node = _get(root, "book")
    target = None
    if book is not None:
        target = Path(book).resolve()
    elif book_node is not None and isinstance(book_node.value, str) and book_node.value.strip():
        original = Path(book_node.value)
        if not original.is_absolute():
            target = (scenario_path.parent / original).resolve()
    if target is not None:
        try:
            shown = Path(os.path.relpath(target, out.resolve().parent)).as_posix()
        except ValueError:  # another drive on Windows
            shown = target.as_posix()
        quoted = yaml.safe_dump(shown, default_style=None).removesuffix("\n...\n").strip()
        if book_node is not None:
            if shown != book_node.value:
                edits.append((book_node.start_mark.index, book_node.end_mark.index, quoted))
                note(book_node, f"calibration: was {book_node.value}")
        else:
            text = text.rstrip("\n") + f"\nbook: {quoted}   # calibration: the book the log was matched against\n"

    starts = [start for start, _, _ in edits]
    if len(set(starts)) != len(starts):
        # An anchor shared by several touchpoints (&name / *name) would take every one's values at once.
        raise OutputError("the scenario shares touchpoint values between segments through YAML anchors (&name, "
                          "*name); write each segment's touchpoints out to calibrate them", file=scenario_path)
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    lines = text.split("\n")
    for line, words in notes.items():
        lines[line] = lines[line].rstrip() + "   # " + "; ".join(words)
    header = (f"# Calibrated from {Path(calibration.log).name if calibration.log else 'an activity log'}: "
              f"{calibration.activities:,} activities, {window} ({_decimal(calibration.window.months, 2)} months).\n"
              "# Values marked 'calibrated' are as practised; the rest are as designed.\n")
    return header + "\n".join(lines)


def write_calibrated(scenario_path: str | Path, calibration: Calibration, out: str | Path,
                     book: str | Path | None = None) -> Path:
    """Write :func:`calibrated_yaml` to ``out`` atomically, once it loads as a scenario with the new values.

    Raises
    ------
    OutputError
        When ``out`` cannot be written, or is the scenario file itself (the design would be lost).
    """
    from .files import atomic_path
    from .scenario import load_scenario

    out = Path(out)
    if out.exists() and out.resolve() == Path(scenario_path).resolve():
        raise OutputError("is the scenario being calibrated; write the calibrated scenario to another file so the "
                          "design is kept", file=out)
    text = calibrated_yaml(scenario_path, calibration, out, book)
    with atomic_path(out) as temporary:
        temporary.write_text(text, encoding="utf-8")
        try:
            written = load_scenario(temporary)
        except ScenarioError as exc:
            raise OutputError(f"the calibrated scenario does not load ({exc.message}); nothing was written",
                              file=out) from None
        original = load_scenario(scenario_path)
        for (i, j), values in calibrated_values(calibration, original).items():
            tp = written.segments[i].touchpoints[j]
            if any(getattr(tp, key) != value for key, value in values.items()):
                raise OutputError(f"segments[{i}].touchpoints[{j}] did not take its calibrated values; nothing was "
                                  "written", file=out)
    return out


def _same_number(text: str, value: float) -> bool:
    try:
        return float(text) == value
    except ValueError:
        return False


def _get(node, key: str):
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _sequence(node) -> list:
    import yaml

    return list(node.value) if isinstance(node, yaml.SequenceNode) else []
