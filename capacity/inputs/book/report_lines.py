"""The lines of a report export that are not its table: a title block above the header, a footer below it.

CRMs and spreadsheets export reports, not bare tables. A Salesforce report's CSV ends with a footer
(blank lines, perhaps "Grand Totals (3,000 records)", the report's name, "Confidential Information -
Do Not Distribute", "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.", "Generated
By: ..." and the company's name); its formatted .xlsx report starts with a title block (the report's
name, "Filtered By:" and its filters, "As of ...") and ends with a grand total. A spreadsheet someone
totalled ends with a "Total" row. These lines are set aside, each block with one note on the book
saying how many lines and why (``notes`` of :class:`~capacity.inputs.book.book.Book`). What is set aside, and
no more:

- **Above the header** (:func:`header_index` finds it among the first
  :data:`~capacity.inputs.headers.HEADER_SEARCH_ROWS` rows): rows that hold at most one filled cell
  each (:func:`title_note`). A row with two filled cells is a row of data, and the header below it is
  refused as a header below row 1 always was.
- **Below the accounts** (:func:`footer_size`): a trailing block that starts with a blank line or a
  total line ("Total", "Grand Totals (3,000 records)", numbers in other cells or not) followed by more
  footer lines, or one made of recognised footer phrases alone (confidential, copyright, "Generated
  By"). Every line of it holds at most one filled cell, or is a total or a footer phrase: a line with
  two filled cells is an account, and the block above it is data, which the usual checks read (a blank line between accounts is
  skipped, a blank account id in the middle of the accounts is refused).

A total row alone right below the accounts is not set aside: it is a table someone totalled, and
the checks refuse it as before (:func:`capacity.inputs.book.checks.refuse_total_row`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from capacity.exceptions import BookError
from capacity.inputs.headers import HEADER_SEARCH_ROWS, header_below

__all__ = ["BLANK", "TOTAL", "PHRASE", "NOTE", "DATA", "filled_cells", "line_kind", "is_total_label",
           "header_index", "title_note", "footer_size", "trailing_lines", "footer_note"]

#: What a line of a report is, looked at on its own.
BLANK, TOTAL, PHRASE, NOTE, DATA = "blank", "total", "footer phrase", "note", "data"

# "Total", "Totals:", "Grand Total", "Grand Totals (3,000 records)", "Subtotal", "Sum", "Count", "Record Count":
# the whole cell, so that an account called "Total Wine" is not taken for one.
_TOTAL_LABEL = re.compile(
    r"^\s*(grand\s*|sub\s*)?(totals?|sum|count|record\s+count)\s*:?"
    r"(\s*\(\s*\d[\d,.\s]*(records?|rows?|accounts?|items?)?\s*\))?\s*:?\s*$",
    re.IGNORECASE)

#: The phrases CRMs write below a report, each with how a note names the line (None: quote it).
_PHRASES: tuple[tuple[re.Pattern, str | None], ...] = (
    (re.compile(r"^confidential\b|\bdo not (distribute|forward|share)\b", re.IGNORECASE), None),
    (re.compile(r"^(copyright\b|\(c\)|©)", re.IGNORECASE), "a copyright line"),
    (re.compile(r"^(generated|exported|printed|created|run)\s+(by|on|at)\b", re.IGNORECASE), ""),
)
#: Lines quoted in a note are cut to this many characters.
_QUOTED = 60
#: Descriptions a note lists before "and N more".
_LISTED = 4


def filled_cells(cells: Sequence[object]) -> list[str]:
    """The cells of a line that are not blank, as trimmed text."""
    return [text for text in (("" if c is None else str(c)).strip() for c in cells) if text]


def is_total_label(text: object) -> bool:
    """True for a cell that names a total line ("Total", "Grand Totals (3,000 records)"), not "Total Wine".

    >>> [is_total_label(t) for t in ("Total", "Grand Totals (3,000 records)", "Subtotal:", "Total Wine")]
    [True, True, True, False]
    """
    return text is not None and bool(_TOTAL_LABEL.match(str(text)))


def _phrase(text: str) -> re.Match | None:
    return next((m for pattern, _ in _PHRASES if (m := pattern.search(text))), None)


def line_kind(cells: Sequence[object]) -> str:
    """:data:`BLANK`, :data:`TOTAL`, :data:`PHRASE`, :data:`NOTE` (one filled cell) or :data:`DATA` (two or more).

    A line is a total or a footer phrase by its first filled cell, whatever the cells after it hold.
    """
    texts = filled_cells(cells)
    if not texts:
        return BLANK
    if is_total_label(texts[0]):
        return TOTAL
    if _phrase(texts[0]):
        return PHRASE
    return NOTE if len(texts) == 1 else DATA


# -- above the header --------------------------------------------------------------------------------------------


def header_index(rows: Sequence[Sequence[object]], is_header: Callable[[Sequence[object]], bool]) -> int | None:
    """The index of the header among the first rows (the first for which ``is_header`` is true), or None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if is_header(row):
            return index
    return None


def title_note(above: Sequence[Sequence[object]], required: Sequence[str], path: Path | str | None,
               unit: str = "lines") -> str | None:
    """The note for the rows ``above`` the header (None when there are none), or the error of a row of data there.

    Raises
    ------
    BookError
        When a row above the header holds two filled cells or more: "the header ... is on row N".
    """
    if not above:
        return None
    if any(len(filled_cells(row)) > 1 for row in above):
        raise header_below(len(above) + 1, required, path, BookError)
    texts = [filled_cells(row)[0] for row in above if filled_cells(row)]
    count = _count(len(above), unit)
    if not texts:
        return f"set aside {_count(len(above), 'blank ' + unit)} above the header"
    return f"set aside {count} above the header (a report title block: {_listed([_quoted(t) for t in texts])})"


# -- below the accounts ------------------------------------------------------------------------------------------


def footer_size(lines: Sequence[Sequence[object]]) -> int:
    """How many of the last ``lines`` are a footer (0 when none).

    ``lines`` are the lines below the header, or the last of them from a line of data on.
    """
    kinds: list[str] = []
    for cells in reversed(lines):
        kind = line_kind(cells)
        if kind == DATA:
            break
        kinds.append(kind)
    kinds.reverse()
    start = _footer_start(kinds)
    return 0 if start is None else len(kinds) - start


def trailing_lines(lines: Sequence[Sequence[object]]) -> int:
    """How many of the last ``lines`` are not lines of data (the most a footer can be)."""
    count = 0
    for cells in reversed(lines):
        if line_kind(cells) == DATA:
            break
        count += 1
    return count


def _footer_start(kinds: Sequence[str]) -> int | None:
    """Where the footer starts among the trailing lines that are not data (their kinds, in file order).

    At the first blank or total line; or at a footer phrase followed by phrases alone up to the next blank
    or total line (a footer written without a blank line before it). Lines before the start are accounts.
    A total line right below the accounts with nothing but blank lines after it is no report's footer but a
    table someone totalled: None, so that the checks refuse it
    (:func:`capacity.inputs.book.checks.refuse_total_row`).
    """
    for index, kind in enumerate(kinds):
        if kind == TOTAL and all(later == BLANK for later in kinds[index + 1:]):
            return None
        if kind in (BLANK, TOTAL):
            return index
        if kind == PHRASE:
            rest = kinds[index:]
            until = next((k for k, later in enumerate(rest) if later in (BLANK, TOTAL)), len(rest))
            if all(later == PHRASE for later in rest[:until]):
                return index
    return None


def footer_note(lines: Sequence[Sequence[object]], *, unit: str = "lines") -> str | None:
    """The note for a footer set aside, or None when nothing but blank lines was."""
    described = []
    kinds = []
    for cells in lines:
        kind = line_kind(cells)
        kinds.append(kind)
        if kind != BLANK:
            described.append(_described(filled_cells(cells)[0], kind))
    if not described:
        return None
    totals_only = all(k in (BLANK, TOTAL) for k in kinds)
    what = ("a total" if len(described) == 1 else "totals") if totals_only else "a report footer"
    return f"set aside {_count(len(lines), unit)} after the last account ({what}: {_listed(described)})"


def _described(text: str, kind: str) -> str:
    if kind == PHRASE:
        for pattern, name in _PHRASES:
            match = pattern.search(text)
            if match and name is not None:
                return name or f"a {_quoted(match.group(0))} line"
    return _quoted(text)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= _QUOTED else text[: _QUOTED - 3] + "...")


def _listed(items: list[str]) -> str:
    shown = list(dict.fromkeys(items))
    if len(shown) > _LISTED:
        shown = shown[: _LISTED - 1] + [f"and {len(shown) - _LISTED + 1} more"]
    return ", ".join(shown)


def _count(n: int, unit: str) -> str:
    return f"{n:,} {unit if n != 1 else unit.rstrip('s')}"
