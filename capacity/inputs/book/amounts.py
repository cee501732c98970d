"""ARR cells: read as exports write them, exact to the cent, refused when they read two ways.

An amount may carry spaces around it, one currency sign or code before it ("$", "€", "£", "¥",
"USD", "EUR", "GBP") and commas between groups of three digits: "$12,500.00" and " 12500.5 "
are read; ARR is kept in integer cents. Refused, each with its own message naming the row:

- a blank cell, a note ("N/A", "-"), text, a suffix ("1.2k"), accounting parentheses ("(500)");
- a negative, infinite or implausible amount (above :data:`MAX_PLAUSIBLE_ARR` a year);
- a comma that cannot separate thousands ("1200,50", "1.234,50"): a decimal comma, which
  dropping would multiply by 100;
- a dot before exactly three digits ("120.000", "1.200"): 120 where a dot is the decimal point,
  120,000 where it separates thousands. It is refused, not guessed (:func:`reads_two_ways`).

A number that a source types as a number (Excel, Parquet, a database) is a number, not text to
second-guess: 1.125 stays 1.125.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from capacity.exceptions import BookError
from capacity.inputs.book.rows import Origin, row_of
from capacity.inputs.book.typed_cells import as_text

__all__ = ["MAX_PLAUSIBLE_ARR", "arr_cents", "number_as_text", "reads_two_ways"]

#: One account above a trillion a year is a unit or export mistake, not a customer.
MAX_PLAUSIBLE_ARR = 1e12

_CURRENCY = r"^\s*([$€£¥]|USD|EUR|GBP)?\s*"
#: The currency signs and codes of :data:`_CURRENCY`, and what its ``\s`` matches (RE2's and Python's
#: ASCII whitespace, without the vertical tab).
_CURRENCY_TOKENS = ("$", "€", "£", "¥", "USD", "EUR", "GBP")
_PATTERN_SPACE = "\t\n\f\r "
# A dot before exactly three digits, after one to three digits (not a leading zero): "1.200" is
# 1.2 where a dot is the decimal point and 1,200 where it separates thousands (much of Europe).
_DOT_THOUSANDS = r"^[-+]?[1-9]\d{0,2}\.\d{3}$"
# A comma in an amount is a thousands separator only between groups of three digits.
_THOUSANDS = r"^[-+]?\d{1,3}(,\d{3})*(\.\d*)?$"


def arr_cents(column: pa.Array | pa.ChunkedArray, ids: pa.Array, origin: Origin) -> np.ndarray:
    """ARR per account in integer cents, or a one-line error naming the first bad cell's row."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    values, shown = _amounts(column)
    # One comparison each: NaN fails both, -inf the first and +inf the second.
    good = (values >= 0) & (values <= MAX_PLAUSIBLE_ARR)
    if column.null_count:
        good &= ~column.is_null().to_numpy(zero_copy_only=False)
    if not good.all():
        position = int(np.argmin(good))
        if column[position].as_py() is None:
            text = ""
        else:
            text = f"{values[position]:.15g}" if shown is None else shown[position].as_py()
        where = row_of(position, ids[position].as_py(), origin) + ", column arr"
        raise BookError(_problem(text, values[position]), file=origin.file, where=where)
    return np.round(values * 100).astype(np.int64)


def _amounts(column: pa.Array) -> tuple[np.ndarray, pa.Array | None]:
    """``(values, shown)``: each amount as a float (NaN where it cannot be read, or reads two ways), and the
    text to quote in an error (None: quote the number itself)."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False), None
    text = as_text(column)
    values = _numbers(text)
    if values is not None:  # plain numbers ("1200.5"), as exports mostly write them
        ambiguous = reads_two_ways(text)
        if not ambiguous.any():  # a plain number is shown as the number it is ("1e+30")
            return values, None
        return np.where(ambiguous, np.nan, values), text  # an ambiguous one as written
    trimmed = pc.utf8_trim_whitespace(text)
    amount = _without_currency(trimmed)
    has_comma = pc.match_substring(amount, ",")
    cleaned = pc.replace_substring(amount, ",", "")
    values = _numbers(cleaned)
    if values is None:  # a cell is not a number: read each on its own, NaN where it is not one
        values = pd.to_numeric(pd.Series(cleaned, dtype="string"), errors="coerce").to_numpy(dtype=float,
                                                                                           na_value=np.nan)
    misplaced = pc.and_(has_comma, pc.invert(pc.match_substring_regex(amount, _THOUSANDS)))
    refused = misplaced.to_numpy(zero_copy_only=False) | reads_two_ways(amount)
    return np.where(refused, np.nan, values), trimmed


def _without_currency(trimmed: pa.Array) -> pa.Array:
    """Trimmed amounts without a leading currency sign or code and the spaces after it.

    What ``replace_substring_regex(trimmed, _CURRENCY, "")`` gives, with string functions: a regular
    expression per cell costs twice as much on a million amounts. One token at most starts a cell.
    """
    out = trimmed
    for token in _CURRENCY_TOKENS:
        starts = pc.starts_with(trimmed, token)
        if not pc.any(starts).as_py():
            continue
        if pc.all(starts).as_py():  # every amount in one currency, as an export writes them: nothing to pick
            return pc.utf8_ltrim(_after(trimmed, token), characters=_PATTERN_SPACE)
        stripped = pc.utf8_ltrim(pc.utf8_slice_codeunits(trimmed, len(token)), characters=_PATTERN_SPACE)
        out = pc.if_else(starts, stripped, out)
    return out


def _after(text: pa.Array, token: str) -> pa.Array:
    """Cells that all start with ``token``, without it."""
    width = len(token.encode())
    if width == len(token):  # an ASCII token: cut bytes (a third of the time of cutting code units)
        return pc.binary_slice(text.cast(pa.binary()), width, 2**31 - 1).cast(pa.string())
    return pc.utf8_slice_codeunits(text, len(token))


#: Rows parsed on their own before a whole column: Arrow's parse of a column of formatted amounts fails
#: on every cell, which costs many times a parse that succeeds.
_PROBE_ROWS = 1024


def _numbers(text: pa.Array) -> np.ndarray | None:
    """Each text as a float, or None if one is not a number as Arrow reads numbers."""
    try:
        pc.cast(text.slice(0, _PROBE_ROWS), pa.float64())
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def reads_two_ways(amount: pa.Array) -> np.ndarray:
    """True where an amount reads two ways ("120.000", "1.200"), so that it is refused, not guessed.

    Only an amount whose first dot is fourth from its end can: the pattern is matched on those alone.

    >>> reads_two_ways(pa.array(["120.000", "120.00", "1.2345", "0.500", "$1.200"])).tolist()
    [True, False, False, False, False]
    """
    found = np.zeros(len(amount), dtype=bool)
    dot_fourth_from_end = pc.equal(pc.subtract(pc.binary_length(amount), pc.find_substring(amount, ".")), 4)
    where = np.flatnonzero(pc.fill_null(dot_fourth_from_end, False).to_numpy(zero_copy_only=False))
    if len(where):
        matched = pc.match_substring_regex(amount.take(pa.array(where)), _DOT_THOUSANDS)
        found[where] = pc.fill_null(matched, False).to_numpy(zero_copy_only=False)
    return found


def _problem(text: str, value: float) -> str:
    if text == "":
        return "arr is blank; give 0 for an account without revenue"
    if np.isnan(value):
        ambiguous = _two_ways_problem(text)
        if ambiguous:
            return ambiguous
        if text.lower() in {"nan", "n/a", "na", "none", "null", "-", "#n/a"}:
            return f"arr {text!r} is not a number; give 0 for an account without revenue"
        if re.fullmatch(r"\(.*\)", text):
            return f"arr {text!r} is negative (accounting parentheses); ARR must be 0 or more"
        if "," in text and re.fullmatch(r"\D{0,3}\s*[-+]?[\d.,\s]*\d[\d.,\s]*", text):
            return f"arr {text!r} has a comma that is not a thousands separator; write amounts with a dot " \
                   "for decimals, e.g. 1200.50"
        if re.search(r"\d\s*[kKmMbB]$", text):
            return f"arr {text!r} uses a suffix; write the full amount, e.g. 1200 for 1.2k"
        return f"arr {text!r} is not a number"
    if np.isinf(value):
        return f"arr {text!r} is not a finite number"
    if value < 0:
        return f"arr {text!r} is negative; ARR must be 0 or more"
    return f"arr {text!r} is implausibly large (above {MAX_PLAUSIBLE_ARR:.0e} a year); check the units"


def _two_ways_problem(text: str) -> str | None:
    """The message for an amount such as "120.000" that :func:`reads_two_ways` refuses, else None."""
    amount = re.sub(_CURRENCY, "", text).strip()
    if not re.fullmatch(_DOT_THOUSANDS, amount):
        return None
    as_thousands, as_decimal = int(amount.replace(".", "")), float(amount)
    return (f"arr {text!r} may mean {abs(as_thousands):,} (a dot separating thousands) or {abs(as_decimal):g}; "
            f"write it without separators ({abs(as_thousands)}) or with two decimals ({abs(as_decimal):.2f})")


def number_as_text(value: object) -> object:
    """A number cell among text cells, as text that reads back as that number and never as "1.200"."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        text = repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
        # A number is not text to second-guess: 1.125 stays 1.125, not 1,125.
        return text + "0" if re.fullmatch(_DOT_THOUSANDS, text) else text
    return value
