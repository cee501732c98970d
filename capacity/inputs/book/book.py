"""The validated book: ARR in integer cents, sorted once, so any segment thresholds are two binary searches.

A :class:`Book` keeps its text columns in Arrow (no Python object per account) and ARR in integer
cents, exact. A plan needs a few bins of ARR: :meth:`Book.between` bins every account once. The
what-if sliders ask for many thresholds: :class:`SortedARR` sorts ARR once, with cumulative sums,
and answers each set of thresholds with binary searches, so they stay instant on a million accounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from capacity.inputs.book.amounts import number_as_text
from capacity.inputs.book.categories import category_codes, verticals
from capacity.inputs.book.checks import validated
from capacity.inputs.book.rows import Origin, row_of
from capacity.inputs.book_columns import BOOK_COLUMNS, CATEGORY_COLUMNS, column_names

__all__ = ["Book", "SortedARR", "frame_columns"]


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

        ``lower_bounds_cents`` is ``(S,)`` or ``(V, S)``: one set of bounds per row. Accounts
        below ``b_0`` are not counted; :func:`capacity.model.segments.segment_sizes` refuses them.
        """
        bounds = np.asarray(lower_bounds_cents)
        edges = np.searchsorted(self.cents, bounds, side="left")
        edges = np.concatenate([edges, np.full(edges.shape[:-1] + (1,), len(self.cents))], axis=-1)
        counts = np.diff(edges, axis=-1)
        sums = np.diff(self.cum[edges], axis=-1)
        return counts, sums


@dataclass(frozen=True, eq=False)
class Book:
    """A validated book of accounts.

    Attributes
    ----------
    table : pyarrow.Table
        The validated text columns in file order: ``account_id`` (trimmed), and ``name``,
        ``renewal_date`` and ``vertical`` (as read) when the file has them.
    arr_cents : numpy.ndarray
        ARR per account in integer cents, in file order.
    source : Path, str or None
        The file the book was read from (a database book: its URL without password, and table).
    skipped : frozenset of str
        Columns the source has but that were left unread because the caller does not need them.
    notes : tuple of str
        What the reader set aside or converted, one line each: a report's title block and footer
        (:mod:`capacity.inputs.book.report_lines`), ARR converted from other currencies
        (:mod:`capacity.inputs.book.currencies`). The command line prints each as ``note: FILE: NOTE``.
    sheet : str, optional
        The workbook's sheet the accounts are on (an Excel book).
    header_row : int
        The header's row in the file or sheet, from 1 (below a title block, further down).
    """

    table: pa.Table
    arr_cents: np.ndarray
    source: Path | str | None = None
    #: Known columns the source has but that were not read (see ``needs`` of :func:`~capacity.inputs.book.load.load_book`).
    skipped: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    sheet: str | None = None
    header_row: int = 1

    def __len__(self) -> int:
        return len(self.arr_cents)

    @cached_property
    def accounts(self) -> pd.DataFrame:
        """One row per account in file order: ``account_id`` (str), ``arr`` (float, USD/year),
        ``vertical`` (categorical, blank as "Unassigned"), and ``name`` / ``renewal_date`` when given.

        Built on first use: sizing a plan needs only the ARR, so a load does not pay for it.
        """
        self._require_read("vertical")
        frame = self.table.drop_columns([c for c in CATEGORY_COLUMNS if c in self.table.column_names]).to_pandas()
        frame.insert(1, "arr", self.arr_cents / 100)
        vertical = self.table.column("vertical") if "vertical" in self.table.column_names else None
        frame["vertical"] = verticals(vertical, len(self))
        for name in ("csm", "health"):
            if name in self.table.column_names:
                codes, labels = self.category(name)
                frame[name] = pd.Categorical.from_codes(codes, categories=list(labels))
        return frame

    @property
    def total_arr(self) -> float:
        """Total ARR of the book [USD/year], exact to the cent."""
        return self.total_cents / 100

    @cached_property
    def total_cents(self) -> int:
        """Total ARR of the book [cents/year]."""
        return int(self.arr_cents.sum())

    @cached_property
    def min_cents(self) -> int:
        """The lowest ARR in the book [cents/year]."""
        return int(self.sorted.cents[0]) if "sorted" in self.__dict__ else int(self.arr_cents.min())

    def between(self, lower_bounds_cents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Count and ARR (cents) in ``[b_k, b_{k+1})`` for ascending bounds, as :meth:`~capacity.inputs.book.book.SortedARR.between`.

        A plan needs a few bins, not the order of a million accounts: unless the book is
        sorted already, each account is binned (a binary search among the bounds) and the
        bins summed, exactly, in integers.
        """
        bounds = np.asarray(lower_bounds_cents, dtype=np.int64)
        if "sorted" in self.__dict__ or (bounds.ndim == 2 and len(bounds) > 1):
            return self.sorted.between(bounds)  # many sets of bounds: binary searches in ARR sorted once
        if bounds.ndim == 2:
            counts, sums = self.between(bounds[0])
            return counts[None, :], sums[None, :]
        slot = np.searchsorted(bounds, self.arr_cents, side="right")  # slot 0: below b_0, not counted
        counts = np.bincount(slot, minlength=len(bounds) + 1).astype(np.int64)
        sums = np.zeros(len(bounds) + 1, dtype=np.int64)
        np.add.at(sums, slot, self.arr_cents)
        return counts[1:], sums[1:]

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

    def has_column(self, name: str) -> bool:
        """True if the file gave column ``name`` (``csm``, ``health``, ``workload_multiplier``...)."""
        return name in self.table.column_names

    def category(self, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """A text category column as ``(codes, labels)``: ``labels[codes[i]]`` is account ``i``'s value.

        Values match ignoring case and surrounding spaces and are shown in the first spelling seen;
        a blank cell (or a missing column) has code -1. ``vertical`` keeps its blanks as
        :data:`~capacity.inputs.book.categories.UNASSIGNED_VERTICAL`, as in :attr:`accounts`. Cached per column.
        """
        cache = self._categories
        if name not in cache:
            if name == "vertical":
                vertical = self.accounts["vertical"].array
                cache[name] = (np.asarray(vertical.codes, dtype=np.int32), tuple(str(c) for c in vertical.categories))
            else:
                column = self.table.column(name) if name in self.table.column_names else None
                cache[name] = category_codes(column, len(self))
        return cache[name]

    @cached_property
    def _categories(self) -> dict:
        return {}

    @property
    def workload_multiplier(self) -> np.ndarray | None:
        """The ``workload_multiplier`` column [dimensionless, >= 0; blank is 1], or None without one."""
        if "workload_multiplier" not in self.table.column_names:
            return None
        return self.table.column("workload_multiplier").to_numpy()

    def row_of(self, position: int) -> str:
        """How a user finds account ``position`` (0-based, file order): its row and id."""
        return row_of(position, self.table.column("account_id")[position].as_py(), self.origin)

    @property
    def origin(self) -> Origin:
        """Where the accounts' rows are: the file, the sheet, the header's row."""
        return Origin(self.source, self.sheet, self.header_row)

    def _require_read(self, column: str) -> None:
        if column in self.skipped:
            raise ValueError(f"the book was loaded without its {column!r} column; load it with needs including "
                             f"{column!r} (see capacity.inputs.book_columns.needed_columns)")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str | Path | None = None,
                   columns: dict[str, str] | None = None, *, currency: str = "USD",
                   fx_rates: Mapping[str, float] | None = None) -> "Book":
        """Validate a table of accounts (as read from Excel, or built in code).

        ``columns`` maps canonical names to the frame's headers (a scenario's ``book_columns``);
        ARR in another currency than ``currency`` (a ``currency`` column) is converted with ``fx_rates``.

        Raises
        ------
        BookError
            Naming the row and column of the first problem.
        """
        source = None if source is None else Path(source)
        return cls.of_columns(frame_columns(frame, columns, source), len(frame), Origin(source), currency=currency,
                              fx_rates=fx_rates)

    @classmethod
    def of_columns(cls, columns: dict[str, pa.Array | pa.ChunkedArray], rows: int, origin: Origin, *,
                   notes: Sequence[str] = (), footer: Sequence[Sequence[object]] = (), unit: str = "lines",
                   skipped: frozenset[str] = frozenset(), currency: str = "USD",
                   fx_rates: Mapping[str, float] | None = None) -> "Book":
        """Validate the columns a reader read (canonical name to ``rows`` cells) into a book.

        ``notes`` are the reader's own (a title block set aside), ``footer`` the lines it set aside below
        the accounts (see :func:`capacity.inputs.book.checks.validated`).
        """
        checked = validated(columns, rows, origin, footer=footer, unit=unit, currency=currency, fx_rates=fx_rates)
        return cls(table=checked.table, arr_cents=checked.cents, source=origin.file, skipped=skipped,
                   notes=tuple(notes) + checked.notes, sheet=origin.sheet, header_row=origin.header_row)


def frame_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None,
                  source: Path | str | None) -> dict[str, pa.Array]:
    """The book's columns of a frame, by canonical name: ARR as numbers where the cells are numbers, else text."""
    read = {}
    for index, name in enumerate(column_names(frame.columns, columns, source)):
        values = frame.iloc[:, index]
        if name == "arr" and values.dtype == object:
            values = values.map(number_as_text)
        if name == "arr" and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            read[name] = pa.array(values.to_numpy(dtype=float, na_value=np.nan), type=pa.float64(), from_pandas=True)
        elif name in BOOK_COLUMNS:
            read[name] = pa.array(values.astype("string").fillna(""), type=pa.string())
    return read
