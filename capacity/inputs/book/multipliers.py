"""The ``workload_multiplier`` cell: how many ordinary accounts' work an account is.

A number 0 or more (a blank cell is 1, an ordinary account) up to :data:`MAX_WORKLOAD_MULTIPLIER`;
anything else is refused with its row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from capacity.exceptions import BookError
from capacity.inputs.book.rows import Origin, row_of
from capacity.inputs.book.typed_cells import as_text

__all__ = ["MAX_WORKLOAD_MULTIPLIER", "workload_multipliers"]

#: An account a thousand times the work of an ordinary one is a typo, not a customer.
MAX_WORKLOAD_MULTIPLIER = 1000.0


def workload_multipliers(column: pa.Array | pa.ChunkedArray, ids: pa.Array, origin: Origin) -> pa.Array:
    """The multipliers as float64 numbers >= 0 (a blank cell is 1), or a one-line error naming the row."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        text = None
        blank = column.is_null().to_numpy(zero_copy_only=False)
    else:
        text = pc.utf8_trim_whitespace(as_text(column))
        blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
        values = pd.to_numeric(pd.Series(text, dtype="string"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    values = np.where(blank, 1.0, values)
    bad = ~np.isfinite(values) | (values < 0) | (values > MAX_WORKLOAD_MULTIPLIER)
    if bad.any():
        position = int(np.argmax(bad))
        shown = f"{values[position]:g}" if text is None else text[position].as_py()
        where = row_of(position, ids[position].as_py(), origin) + ", column workload_multiplier"
        if np.isfinite(values[position]) and values[position] > MAX_WORKLOAD_MULTIPLIER:
            problem = f"is implausibly large (above {MAX_WORKLOAD_MULTIPLIER:g})"
        elif np.isfinite(values[position]) and values[position] < 0:
            problem = "is negative; a workload multiplier is 0 or more (1 for an ordinary account)"
        else:
            problem = "is not a number; give a number 0 or more (1 for an ordinary account), or leave it blank"
        raise BookError(f"workload_multiplier {shown!r} {problem}", file=origin.file, where=where)
    return pa.array(values, type=pa.float64())
