"""Category cells (``vertical``, ``csm``, ``health``): one value however it is spelled.

A category's values match ignoring case and surrounding spaces (" retail" is "Retail") and are
shown in the first spelling the file uses. A blank vertical is :data:`UNASSIGNED_VERTICAL`; a
blank csm or health is no value (code -1). Labels are sorted, so codes do not depend on row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from capacity.inputs.book.typed_cells import as_text

__all__ = ["UNASSIGNED_VERTICAL", "category_codes", "verticals"]

#: The vertical given to accounts whose ``vertical`` cell is blank.
UNASSIGNED_VERTICAL = "Unassigned"


def verticals(column: pa.Array | pa.ChunkedArray | None, rows: int) -> pd.Categorical:
    """Verticals as a categorical: trimmed, blank as :data:`UNASSIGNED_VERTICAL`."""
    if column is None:
        return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[UNASSIGNED_VERTICAL])
    labels, codes = _dictionary(column)
    labels = np.where(labels == "", UNASSIGNED_VERTICAL, labels).astype(object)
    labels = _first_spellings(labels, codes)
    categories, relabel = np.unique(labels, return_inverse=True)  # trimming may merge " Retail" and "Retail"
    return pd.Categorical.from_codes(relabel[codes], categories=categories)


def category_codes(column: pa.Array | pa.ChunkedArray | None, rows: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(codes, labels)`` of a text category: trimmed, merged ignoring case, blank as code -1, labels sorted."""
    if column is None or len(column) == 0:
        return np.full(rows, -1, dtype=np.int32), ()
    labels, codes = _dictionary(column)
    labels = _first_spellings(labels, codes)
    blank = labels == ""
    categories, relabel = np.unique(labels.astype(str), return_inverse=True)
    relabel = relabel.astype(np.int64)
    if blank.any():
        empty = int(np.searchsorted(categories, ""))  # "" sorts first
        categories = np.delete(categories, empty)
        relabel = np.where(blank, -1, relabel - (relabel > empty))
    return relabel[codes].astype(np.int32), tuple(str(c) for c in categories)


def _dictionary(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, codes)``: the column's distinct values trimmed (object array), and each cell's index into them.

    A CSV reader hands a category dictionary-encoded already; other columns are encoded here. A
    missing cell is a blank label.
    """
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(as_text(column))
    column = (column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])).unify_dictionaries()
    labels = pc.utf8_trim_whitespace(pc.fill_null(column.chunk(0).dictionary, ""))
    labels = labels.to_numpy(zero_copy_only=False).astype(object)
    missing = len(labels)  # a code past the labels, for a blank one added below if needed
    codes = np.concatenate([pc.fill_null(chunk.indices, missing).to_numpy(zero_copy_only=False).astype(np.int64)
                            for chunk in column.chunks])
    if (codes == missing).any():
        labels = np.append(labels, "")
    return labels, codes


def _first_spellings(labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each label replaced by the first spelling seen in the file of the labels equal to it ignoring case.

    ``labels`` are trimmed dictionary values and ``codes`` the accounts' indices into them, in file
    order. Only labels that clash ignoring case cost a look at the codes.
    """
    keys = np.array([str(label).casefold() for label in labels], dtype=object)
    unique_keys, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    if len(unique_keys) == len(labels) or len(codes) == 0:
        return labels
    present, first_position = np.unique(codes, return_index=True)
    first_seen = np.full(len(labels), len(codes), dtype=np.int64)
    first_seen[present] = first_position
    out = labels.copy()
    for group in np.flatnonzero(counts > 1):
        members = np.flatnonzero(inverse == group)
        out[members] = labels[members[np.argmin(first_seen[members])]]
    return out
