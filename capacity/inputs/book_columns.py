"""Which column of a book is which: the canonical names, a scenario's mapping, what a plan reads.

A CRM export names its columns its own way ("Record ID", "Annual recurring revenue").
Without a mapping, headers are matched loosely to the canonical names ("Account ID" is
``account_id``; :func:`capacity.inputs.headers.canonical`). A scenario's ``book_columns`` maps
canonical names to the export's headers once, so the export loads as it is; a mapped name is
then read only from its header, and another column that would loosely match it is left alone.
Every reader of a book (CSV, Excel, Parquet, databases) names its columns here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path

from capacity.exceptions import BookError
from capacity.inputs.headers import canonical, look_alike, missing_column, repeated_column

__all__ = ["BOOK_COLUMNS", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "TEXT_COLUMNS", "CATEGORY_COLUMNS",
           "ALWAYS_READ", "CURRENCY_HEADERS", "canonical", "column_names", "columns_to_read", "is_book_header", "mapping_problem",
           "needed_columns"]

REQUIRED_COLUMNS = ("account_id", "arr")
OPTIONAL_COLUMNS = ("name", "vertical", "renewal_date", "csm", "health", "workload_multiplier", "locked",
                    "parent_account_id", "currency")
#: Every column a book may have, by its canonical name.
BOOK_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
#: The columns read as text (all but ``arr``): ids keep their leading zeros, dates stay as written.
TEXT_COLUMNS = ("account_id", "name", "vertical", "renewal_date", "csm", "health", "workload_multiplier", "locked",
                "parent_account_id", "currency")
#: The columns read whatever the caller needs: ids, ARR, and the currency ARR is in (never summed unread).
ALWAYS_READ = REQUIRED_COLUMNS + ("currency",)
#: Headers (as :func:`canonical` writes them) read as the ``currency`` column without a mapping: the currency
#: headers of the dictionary (capacity/inputs/headers.yaml), so that no export's amounts are summed across
#: currencies because its currency column has a CRM's name.
CURRENCY_HEADERS = ("account_currency", "currency_iso_code", "currencyisocode", "arr_currency",
                    "annual_revenue_currency", "currency_code")
#: Text columns whose values are categories, matched ignoring case and surrounding spaces.
CATEGORY_COLUMNS = ("vertical", "csm", "health")


def mapping_problem(mapping: Mapping[str, str]) -> tuple[str, str] | None:
    """The first problem of a ``book_columns`` mapping as (key, message), or None.

    A key must be a canonical name, a header must be text, and two names cannot share one header.
    """
    seen: dict[str, str] = {}
    for name, header in mapping.items():
        if name not in BOOK_COLUMNS:
            hint = difflib.get_close_matches(str(name), BOOK_COLUMNS, n=1, cutoff=0.6)
            suggestion = f"did you mean {hint[0]!r}?" if hint else f"the columns are: {', '.join(BOOK_COLUMNS)}"
            return str(name), f"unknown book column {name!r}; {suggestion}"
        if not isinstance(header, str) or not header.strip():
            return name, f"must be the header of a column in the book (got {header!r})"
        key = header.strip()
        if key in seen:
            return name, f"{header!r} is also book_columns.{seen[key]}'s column; each column is read as one thing"
        seen[key] = name
    return None


def column_names(header: Iterable[object], mapping: Mapping[str, str] | None, source: Path | str | None) -> list[str]:
    """The canonical name of each header cell ("" for a column that is not read as any).

    Parameters
    ----------
    header : iterable
        The file's column names, in order.
    mapping : mapping of canonical name to header, optional
        A scenario's ``book_columns``. A header is found as written, else ignoring case and
        surrounding spaces. Without a mapping, every header is matched loosely.
    source : path or str, optional
        Where the book comes from, for messages.

    Raises
    ------
    BookError
        For a mapped header the file does not have (with the nearest one), a required
        column that is missing, or two columns read as one name.
    """
    header = [str(c) for c in header]
    mapped = bool(mapping)
    mapping = dict(mapping or {})
    problem = mapping_problem(mapping)
    if problem is not None:
        raise BookError(problem[1], file=source, where=f"book_columns.{problem[0]}")
    names = [canonical(c) for c in header]
    names = ["" if name in mapping else name for name in names]
    for name, wanted in mapping.items():
        names[_find(header, name, wanted, source)] = name
    known = [name if name in BOOK_COLUMNS else "" for name in names]
    if "currency" not in known and "currency" not in mapping:
        # Never summed unread: a currency column the CRM names its own way is read as the currency.
        found = [index for index, name in enumerate(names) if name in CURRENCY_HEADERS]
        if len(found) > 1:
            cells = ", ".join(repr(header[index]) for index in found)
            raise BookError(f"columns {cells} may each be the currency ARR is in; name it in the scenario with "
                            f"book_columns: {{currency: {header[found[0]]}}}", file=source, where="row 1")
        if found:
            known[found[0]] = "currency"
    for wanted in REQUIRED_COLUMNS:
        if wanted not in known:
            raise BookError(missing_column(wanted, header, _rename_hint(wanted, header, mapped)), file=source)
    for wanted in BOOK_COLUMNS:
        if known.count(wanted) > 1:
            cells = [c for c, name in zip(header, known) if name == wanted]
            hint = ", or name the one to read in the scenario's book_columns" if mapped else ""
            raise BookError(repeated_column(wanted, cells, hint), file=source, where="row 1")
    return known


def columns_to_read(needs: Iterable[str] | None) -> tuple[str, ...]:
    """The known columns to read: all of them, or those ``needs`` names (and :data:`ALWAYS_READ`)."""
    if needs is None:
        return BOOK_COLUMNS
    needs = set(needs)
    return tuple(name for name in BOOK_COLUMNS if name in ALWAYS_READ or name in needs)


def is_book_header(row: Iterable[object], mapping: Mapping[str, str] | None = None) -> bool:
    """True if ``row`` names ``account_id`` and ``arr``: by the headers ``mapping`` gives them (a scenario's
    ``book_columns``, ignoring case and surrounding spaces), else loosely by their canonical names."""
    cells = [str(c) for c in row if c is not None and str(c).strip() != ""]
    folded = {c.strip().casefold() for c in cells}
    names = {canonical(c) for c in cells}
    mapping = mapping or {}
    for name in REQUIRED_COLUMNS:
        wanted = mapping.get(name)
        if wanted is not None and isinstance(wanted, str):
            if wanted.strip().casefold() not in folded:
                return False
        elif name not in names:
            return False
    return True


def _find(header: list[str], name: str, wanted: str, source) -> int:
    if wanted in header:
        return header.index(wanted)
    loose = [i for i, c in enumerate(header) if c.strip().casefold() == wanted.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    hint = difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
    if hint:
        suggestion = f"did you mean {hint[0]!r}?"
    else:
        suggestion = "columns found: " + ", ".join(repr(c) for c in header[:8]) + (", ..." if len(header) > 8 else "")
    raise BookError(f"book_columns.{name} is {wanted!r}, but the book has no such column; {suggestion}", file=source)


def _rename_hint(wanted: str, columns: list[str], mapped: bool) -> str:
    """"; if 'ARR (USD)' holds it, rename that column to arr" when a column looks like the missing one."""
    like = look_alike(wanted, columns)
    if like is None:
        return ""
    if not mapped:
        return f"; if {like!r} holds it, rename that column to {wanted}"
    return f"; if {like!r} holds it, rename that column to {wanted} or map it in the scenario's book_columns " \
           f"({wanted}: {like})"


def needed_columns(scenario) -> tuple[str, ...]:
    """The book columns a plan of ``scenario`` reads: ids and ARR; verticals for vertical pools; the columns
    that weigh accounts (``workload_multipliers``, ``serve_only``); any ``workload_multiplier`` column,
    which always multiplies an account's hours; and renewal dates when a touchpoint happens at renewal."""
    needed = list(REQUIRED_COLUMNS) + ["workload_multiplier"]
    if any(getattr(tp, "at", None) == "renewal" for segment in scenario.segments for tp in segment.touchpoints):
        needed.append("renewal_date")
    if any(getattr(segment, "pool_by", None) == "vertical" for segment in scenario.segments):
        needed.append("vertical")
    weights = getattr(scenario, "workload_multipliers", None)
    if weights is not None:
        needed.append(weights.column)
    for segment in scenario.segments:
        needed += list(getattr(segment, "serve_only", None) or ())
    return tuple(dict.fromkeys(needed))
