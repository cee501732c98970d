"""Activity logs: CRM tasks, a CS platform's timeline or a calendar export, read and checked.

One row per activity with ``account_id``, ``touchpoint``, ``date``, ``minutes`` and optionally
``csm``, from CSV or Excel (.xlsx). Headers are found loosely ("Account ID") or through the
scenario's ``activity_columns`` (``{minutes: Duration (min)}``). The file and its header go through
the checks a book's do (:mod:`capacity.inputs.headers`: other formats, UTF-8, semicolons, a header
below row 1, missing or repeated columns). A bad row is refused with one line naming the file, the
row and the column; a date that reads two ways (03/04/2027) is refused, not guessed.
:mod:`capacity.analysis.calibrate` puts the log beside the plan.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capacity.exceptions import ActivityLogError
from capacity.inputs.headers import (EXCEL_SUFFIXES, LINE_BREAK, canonical, empty_file, empty_sheet, has_header,
                                     header_width, look_alike, missing_column, not_utf8, open_workbook,
                                     refuse_header_below, refuse_other_formats, refuse_separators, repeated_column,
                                     too_many_cells)

__all__ = ["ACTIVITY_COLUMNS", "REQUIRED_ACTIVITY_COLUMNS", "MAX_PLAUSIBLE_MINUTES", "ActivityLog", "same_name",
           "name_key", "load_activities"]

#: The columns of an activity log, in the order the calibration reads them; ``csm`` is optional.
ACTIVITY_COLUMNS = ("account_id", "touchpoint", "date", "minutes", "csm")
REQUIRED_ACTIVITY_COLUMNS = ACTIVITY_COLUMNS[:4]
#: One activity longer than this (1,666 hours) is a unit or export mistake, not a meeting.
MAX_PLAUSIBLE_MINUTES = 100_000.0
_FIRST_DATA_ROW = 2


def same_name(a: str, b: str) -> bool:
    """True when two names are the same ignoring case and spaces ("Business Review" is "businessreview")."""
    return name_key(a) == name_key(b)


def name_key(name: object) -> str:
    """A name as matching sees it: without spaces, case-folded ("Business Review" -> "businessreview")."""
    return "".join(str(name).split()).casefold()


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
    if path.suffix.lower() in EXCEL_SUFFIXES:
        header, body, numbers = _read_excel(path)
    else:
        header, body, numbers = _read_csv(path)
    if not has_header(header, REQUIRED_ACTIVITY_COLUMNS):
        refuse_header_below([header, *body], REQUIRED_ACTIVITY_COLUMNS, path, ActivityLogError)
    return _validated(header, body, numbers, path, columns)


def _read_csv(path: Path) -> tuple[list[str], list[list], list[int]]:
    refuse_other_formats(path, ActivityLogError, parquet_hint="export the log as CSV UTF-8 or .xlsx")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ActivityLogError(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, raw, exc.start, ActivityLogError) from None
    if not text.strip():
        raise empty_file(path, "log", REQUIRED_ACTIVITY_COLUMNS, ActivityLogError)
    # Rows are numbered as a spreadsheet shows the file: one per record, blank ones included, a quoted
    # line break inside its row.
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ActivityLogError(f"cannot parse CSV: {exc}", file=path) from None
    numbers = list(range(1, len(records) + 1))
    refuse_separators(LINE_BREAK.split(text, maxsplit=1)[0], path, ActivityLogError)
    return records[0], records[1:], numbers[1:]


def _read_excel(path: Path) -> tuple[list[str], list[list], list[int]]:
    sheet = open_workbook(path, ActivityLogError).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    if not rows or all(cell is None for cell in rows[0]):
        raise empty_sheet(path, sheet.title, "log", REQUIRED_ACTIVITY_COLUMNS, ActivityLogError)
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
            found = [i for i, c in enumerate(header) if canonical(c) == name]
        if len(found) > 1:
            raise ActivityLogError(repeated_column(name, [header[i] for i in found]), file=path, where="row 1")
        if found:
            positions[name] = found[0]
        elif name in REQUIRED_ACTIVITY_COLUMNS:
            like = look_alike(name, header)
            hint = (f"; if {like!r} holds it, rename that column to {name} or map it in the scenario with "
                    f"activity_columns: {{{name}: {like}}}") if like else (
                f"; map the log's header in the scenario with activity_columns: {{{name}: <header>}}")
            raise ActivityLogError(missing_column(name, header, hint), file=path)
    return positions


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _validated(header: list[str], body: list[list], numbers: list[int], path: Path | None,
               columns: dict[str, str] | None) -> ActivityLog:
    positions = _column_positions(header, columns, path)
    width = header_width(header)
    ids, kinds, dates, minutes, csms, rows = [], [], [], [], [], []
    for cells, number in zip(body, numbers):
        if all(_blank(c) for c in cells):
            continue  # spreadsheets leave blank rows behind
        if len(cells) > width and any(not _blank(c) for c in cells[width:]):
            raise ActivityLogError(too_many_cells(len(cells), width), file=path, where=f"row {number}")

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
