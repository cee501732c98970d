"""The book of accounts: read as CRMs export it, validated, ARR sorted once.

A book is a CSV or Excel file with one row per account: ``account_id`` and ``arr``
required; ``name``, ``vertical`` and ``renewal_date`` optional. Column names are
matched loosely ("Account ID", "ARR" work). ARR may be written as exports write it
("$12,500.00", " 12500 "). Account ids stay text, so leading zeros survive.

A :class:`Book` keeps ARR in integer cents, sorted once, with cumulative sums, so
segment counts and ARR for any thresholds are two binary searches, not a scan: this is
what keeps the what-if sliders instant on a million accounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import BookError

__all__ = ["Book", "load_book", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "MAX_PLAUSIBLE_ARR", "UNASSIGNED_VERTICAL"]

REQUIRED_COLUMNS = ("account_id", "arr")
OPTIONAL_COLUMNS = ("name", "vertical", "renewal_date")
#: One account above a trillion a year is a unit or export mistake, not a customer.
MAX_PLAUSIBLE_ARR = 1e12
#: The vertical given to accounts whose ``vertical`` cell is blank.
UNASSIGNED_VERTICAL = "Unassigned"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1


@dataclass(frozen=True, eq=False)
class SortedARR:
    """ARR in ascending integer cents with cumulative sums (``cum[0] == 0``)."""

    cents: np.ndarray
    cum: np.ndarray

    @classmethod
    def of(cls, cents: np.ndarray) -> "SortedARR":
        ordered = np.sort(cents)
        cum = np.zeros(len(ordered) + 1, dtype=np.int64)
        np.cumsum(ordered, out=cum[1:])
        return cls(ordered, cum)

    def between(self, lower_bounds_cents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Count and ARR (cents) in ``[b_k, b_{k+1})`` for ascending bounds; the last bin is open.

        Accounts below ``b_0`` are not counted; see :meth:`Book.below`.
        """
        edges = np.searchsorted(self.cents, lower_bounds_cents, side="left")
        edges = np.append(edges, len(self.cents))
        counts = np.diff(edges)
        sums = np.diff(self.cum[edges])
        return counts, sums


@dataclass(frozen=True, eq=False)
class Book:
    """A validated book of accounts.

    Attributes
    ----------
    accounts : pandas.DataFrame
        One row per account in file order: ``account_id`` (str), ``arr`` (float, USD/year),
        ``vertical`` (str), and ``name`` / ``renewal_date`` when the file has them.
    arr_cents : numpy.ndarray
        ARR per account in integer cents, in file order.
    source : Path or None
        The file the book was read from.
    """

    accounts: pd.DataFrame
    arr_cents: np.ndarray
    source: Path | None = None

    def __len__(self) -> int:
        return len(self.arr_cents)

    @property
    def total_arr(self) -> float:
        """Total ARR of the book [USD/year], exact to the cent."""
        return int(self.sorted.cum[-1]) / 100

    @cached_property
    def sorted(self) -> SortedARR:
        """The whole book's ARR, sorted once."""
        return SortedARR.of(self.arr_cents)

    @cached_property
    def by_vertical(self) -> dict[str, SortedARR]:
        """Each vertical's ARR, sorted once (for vertical pools)."""
        codes, labels = pd.factorize(self.accounts["vertical"], sort=True)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
        grouped = self.arr_cents[order]
        return {str(label): SortedARR.of(grouped[bounds[i] : bounds[i + 1]]) for i, label in enumerate(labels)}

    def row_of(self, position: int) -> str:
        """How a user finds account ``position`` (0-based, file order): its row and id."""
        account_id = self.accounts["account_id"].iat[position]
        return f"row {position + _FIRST_DATA_ROW} (account_id {account_id!r})"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str | Path | None = None) -> "Book":
        """Validate a table of accounts (as read from a file, or built in code).

        Raises
        ------
        BookError
            Naming the row and column of the first problem.
        """
        source = None if source is None else Path(source)
        frame = _normalise_columns(frame, source)
        if len(frame) == 0:
            raise BookError("no accounts: the file has a header but no rows", file=source)
        ids = _account_ids(frame["account_id"], source)
        arr_cents = _arr_cents(frame["arr"], ids, source)
        accounts = pd.DataFrame({"account_id": ids, "arr": arr_cents / 100})
        for column in ("name", "renewal_date"):
            if column in frame:
                accounts[column] = _text(frame[column])
        vertical = _text(frame["vertical"]) if "vertical" in frame else pd.Series("", index=frame.index, dtype=object)
        accounts["vertical"] = vertical.where(vertical != "", UNASSIGNED_VERTICAL).to_numpy(dtype=object)
        return cls(accounts=accounts, arr_cents=arr_cents, source=source)


def load_book(path: str | Path) -> Book:
    """Read and validate a book of accounts from CSV or Excel (.xlsx).

    Parameters
    ----------
    path : str or Path
        A comma-separated file (UTF-8, with or without a byte-order mark, any line ends)
        or an Excel workbook whose first sheet holds the table.

    Returns
    -------
    Book

    Raises
    ------
    BookError
        On an unreadable file or bad rows, naming the file and the row or column.
    """
    path = Path(path)
    if not path.exists():
        raise BookError("file not found", file=path)
    if path.is_dir():
        raise BookError("is a directory, not a book of accounts (CSV or .xlsx)", file=path)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        frame = _read_excel(path)
    else:
        frame = _read_csv(path)
    return Book.from_frame(frame, source=path)


# -- reading -----------------------------------------------------------------------


# "N/A" or "null" in an ARR cell is a user's note, not a number: report it, don't read it as missing.
_ONLY_BLANK_IS_MISSING = {"keep_default_na": False, "na_values": [""]}


def _read_csv(path: Path) -> pd.DataFrame:
    head = path.read_bytes()[:65536]
    if not head.strip():
        raise BookError("the file is empty; a book needs a header with account_id and arr, and rows", file=path)
    try:
        first_line = head.decode("utf-8-sig").splitlines()[0]
    except UnicodeDecodeError as exc:
        raise BookError(f"not UTF-8 text (byte {exc.start}); export the file as UTF-8 CSV", file=path) from None
    if first_line.count(";") > first_line.count(",") and first_line.count(";") >= 1:
        raise BookError(
            "looks semicolon-separated; export it comma-separated (decimal commas would be misread)", file=path
        )
    if "\t" in first_line and "," not in first_line:
        raise BookError("looks tab-separated; export it comma-separated", file=path)
    text_columns = {c: "string" for c in ("account_id", "name", "vertical", "renewal_date")}
    try:
        try:
            return pd.read_csv(path, dtype=text_columns, engine="pyarrow", encoding="utf-8", **_ONLY_BLANK_IS_MISSING)
        except (ValueError, TypeError, pd.errors.ParserError):
            # pyarrow is strict about ragged rows and odd quoting; the C parser says where.
            return pd.read_csv(
                path, dtype=text_columns, encoding="utf-8-sig", skipinitialspace=True, **_ONLY_BLANK_IS_MISSING
            )
    except UnicodeDecodeError as exc:
        raise BookError(f"not UTF-8 text (byte {exc.start}); export the file as UTF-8 CSV", file=path) from None
    except pd.errors.EmptyDataError:
        raise BookError("the file is empty; a book needs a header with account_id and arr, and rows", file=path) from None
    except pd.errors.ParserError as exc:
        raise BookError(f"cannot parse CSV: {_first_line(exc)}", file=path) from None


def _read_excel(path: Path) -> pd.DataFrame:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise BookError(f"cannot open as an Excel workbook: {_first_line(exc)}", file=path) from None
    sheet = workbook.worksheets[0]
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == 1:
            raise BookError(
                f"merged header cells {merged.coord} on sheet {sheet.title!r}; unmerge them so each column has one name",
                file=path,
            )
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or all(cell is None for cell in rows[0]):
        raise BookError(f"sheet {sheet.title!r} is empty; a book needs a header row with account_id and arr", file=path)
    header = ["" if cell is None else str(cell) for cell in rows[0]]
    body = [row for row in rows[1:] if any(cell is not None and str(cell).strip() != "" for cell in row)]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    for column in frame.columns:
        if _canonical(column) in ("account_id", "name", "vertical", "renewal_date"):
            frame[column] = frame[column].map(_excel_text)
    return frame


def _excel_text(value) -> object:
    # Excel stores 00123 typed as a number as 123.0; a whole float is shown without ".0".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- validating ---------------------------------------------------------------------


def _canonical(column: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(column).strip().lstrip("\ufeff").lower())


def _normalise_columns(frame: pd.DataFrame, source: Path | None) -> pd.DataFrame:
    names = [_canonical(c) for c in frame.columns]
    for wanted in REQUIRED_COLUMNS:
        if wanted not in names:
            shown = ", ".join(repr(str(c)) for c in frame.columns[:8])
            raise BookError(f"missing required column {wanted!r} (columns found: {shown})", file=source)
    for wanted in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        if names.count(wanted) > 1:
            raise BookError(f"column {wanted!r} appears {names.count(wanted)} times", file=source)
    frame = frame.copy(deep=False)
    frame.columns = names
    return frame


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("").str.strip().astype(object)


def _row(position: int, ids: np.ndarray | None = None) -> str:
    row = f"row {position + _FIRST_DATA_ROW}"
    if ids is not None and ids[position]:
        row += f" (account_id {ids[position]!r})"
    return row


def _account_ids(column: pd.Series, source: Path | None) -> np.ndarray:
    ids = _text(column).to_numpy(dtype=object)
    blank = np.flatnonzero(ids == "")
    if len(blank):
        raise BookError("account_id is blank", file=source, where=_row(int(blank[0])))
    duplicated = pd.Series(ids).duplicated(keep="first").to_numpy()
    if duplicated.any():
        second = int(np.argmax(duplicated))
        first = int(np.flatnonzero(ids[:second] == ids[second])[0])
        raise BookError(
            f"duplicate account_id {ids[second]!r}, first seen on {_row(first)}", file=source, where=_row(second)
        )
    return ids


_CURRENCY = re.compile(r"^\s*([$€£¥]|USD|EUR|GBP)?\s*")


def _arr_cents(column: pd.Series, ids: np.ndarray, source: Path | None) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        raw = None
    else:
        raw = column.astype("string").str.strip()
        cleaned = raw.str.replace(_CURRENCY, "", regex=True).str.replace(",", "", regex=False).str.strip()
        values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values > MAX_PLAUSIBLE_ARR)
    if bad.any():
        position = int(np.argmax(bad))
        shown = column.iloc[position] if raw is None else raw.iloc[position]
        raise BookError(_arr_problem(shown, values[position]), file=source, where=_row(position, ids) + ", column arr")
    return np.round(values * 100).astype(np.int64)


def _arr_problem(shown, value: float) -> str:
    if shown is None or shown is pd.NA or (isinstance(shown, str) and shown == "") or (
        isinstance(shown, float) and np.isnan(shown) and not isinstance(shown, str)
    ):
        return "arr is blank"
    text = str(shown)
    if np.isnan(value):
        if text.lower() in {"nan", "n/a", "na", "none", "null", "-", "#n/a"}:
            return f"arr {text!r} is not a number; give 0 for an account without revenue"
        if re.fullmatch(r"\(.*\)", text):
            return f"arr {text!r} is negative (accounting parentheses); ARR must be 0 or more"
        if re.search(r"\d\s*[kKmMbB]$", text):
            return f"arr {text!r} uses a suffix; write the full amount, e.g. 1200 for 1.2k"
        return f"arr {text!r} is not a number"
    if np.isinf(value):
        return f"arr {text!r} is not a finite number"
    if value < 0:
        return f"arr {text!r} is negative; ARR must be 0 or more"
    return f"arr {text!r} is implausibly large (above {MAX_PLAUSIBLE_ARR:.0e} a year); check the units"
