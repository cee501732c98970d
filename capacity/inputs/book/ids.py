"""Account ids: text, trimmed, none blank, none repeated.

An id stays text as written, so leading zeros survive ("00123" is not 123). Spaces around it
(a non-breaking space too) are trimmed. A blank id, or an id that repeats (the same account
twice would count its ARR twice), is refused with the rows that show it: the first repeat in
file order, and the row where the id was first seen.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from capacity.exceptions import BookError
from capacity.inputs.book.rows import Origin, row_of
from capacity.inputs.book.typed_cells import as_text

__all__ = ["account_ids", "first_repeat"]


def account_ids(column: pa.Array | pa.ChunkedArray, origin: Origin) -> pa.Array:
    """The ids, trimmed, or a one-line error on a blank or repeated one."""
    ids = pc.utf8_trim_whitespace(as_text(column))
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    blank = pc.equal(ids, "")
    if pc.any(blank).as_py():
        raise BookError("account_id is blank; every account needs one", file=origin.file,
                        where=row_of(pc.index(blank, True).as_py(), origin=origin))
    repeat = first_repeat(ids)
    if repeat is not None:
        first, second = repeat
        raise BookError(f"duplicate account_id {ids[second].as_py()!r}, first seen on {row_of(first, origin=origin)}",
                        file=origin.file, where=row_of(second, origin=origin))
    return ids


def first_repeat(values: pa.Array) -> tuple[int, int] | None:
    """Positions ``(first, second)`` of the earliest value in file order seen before, or None if none repeats."""
    if len(values) < 2 or pc.all(pc.less(values.slice(0, len(values) - 1), values.slice(1))).as_py():
        return None  # ascending, as in an export sorted by id: distinct without a hash table
    if len(pc.unique(values)) == len(values):
        return None
    encoded = pc.dictionary_encode(values)
    # Codes count up in order of first appearance: a value is new where its code is above every code before it.
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    new = np.empty(len(codes), dtype=bool)
    new[0] = True
    new[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    second = int(np.argmin(new))
    first = int(np.argmax(codes == codes[second]))
    return first, second
