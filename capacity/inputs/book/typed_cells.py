"""Cells a source types, as the text a CSV would hold: ids, dates and numbers from Excel, Parquet and databases.

A CSV book is text, and every check of a book reads text (ARR aside). Other sources type their
cells, so they are written as a CSV export would write them first: an id typed as a number (Excel
stores 00123 typed as a number as 123.0) is ``123``, a date or a midnight timestamp is its day
``2027-01-31``, a database's NUMERIC amount is a number, not text to second-guess for separators.
"""

from __future__ import annotations

import datetime

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["as_text", "arrow_amount", "arrow_text", "excel_text"]


def as_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A column as text, a missing cell as ""."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pc.fill_null(column, "")
    return pc.fill_null(pc.cast(column, pa.string()), "")


def excel_text(value) -> object:
    """An Excel cell's value as its text (None for an empty cell)."""
    # A whole float is shown without ".0": an id typed as a number.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # A date cell is a datetime at midnight: the date is what the user typed.
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return None if value is None else str(value)


def arrow_amount(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """ARR as a Parquet file or a database types it: a decimal is a number (NUMERIC(12, 3) "120.000" is 120)."""
    if pa.types.is_decimal(column.type):
        return pc.cast(column, pa.float64())
    return column


def arrow_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed column as the text a CSV would hold: 123 for a whole-number id, a date as 2027-01-31."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = kind.value_type
    if pa.types.is_floating(kind):
        values = pc.drop_null(column)
        whole = len(values) == 0 or pc.all(pc.equal(values, pc.floor(values))).as_py()
        if whole and (len(values) == 0 or pc.max(pc.abs(values)).as_py() < 2**53):
            column = pc.cast(column, pa.int64())
    elif pa.types.is_timestamp(kind):
        dates = pc.cast(column, pa.date32(), safe=False)
        if pc.all(pc.equal(pc.cast(dates, kind), column)).as_py() in (True, None):
            column = dates
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")
